/*
 * nats.c: the sender thread (every frame leaves through it, batched per
 * peer; heartbeats, ACKs, retransmission and loss detection on its clock)
 * and the NATS connection (options, connecting in the foreground or on the
 * sender thread, libnats's connection callbacks).
 */
#include "lattice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the sender thread ------------------------------------------------------ */

typedef struct outgoing {
    char subject[96];
    lat_buf data;
} outgoing;

/* libnats refused a message: logged (each distinct refusal once in a row);
 * the links resend what it held. */
static void publish_failed(wactor_lattice *l, natsStatus s)
{
    if (s == NATS_OK)
        return;
    pthread_mutex_lock(&l->lock);
    bool first = l->publish_failure != (int)s;
    l->publish_failure = (int)s;
    pthread_mutex_unlock(&l->lock);
    if (first)
        lat_log(l, WACTOR_LOG_WARN, "lattice %s: NATS refused a message: %s", l->name,
                natsStatus_GetText(s));
}

/* Publishes a batch of length-prefixed frames in NATS messages of at most
 * max_frame bytes each. */
static void publish_batch(wactor_lattice *l, const char *subject, const lat_buf *b)
{
    size_t max = (size_t)atomic_load(&l->max_frame);
    if (!max)
        max = 1u << 20;
    size_t start = 0, off = 0;
    while (off < b->len) {
        uint32_t n = (uint32_t)b->p[off] | (uint32_t)b->p[off + 1] << 8 |
                     (uint32_t)b->p[off + 2] << 16 | (uint32_t)b->p[off + 3] << 24;
        size_t next = off + LAT_PREFIX_SIZE + n;
        if (next - start > max && off > start) {
            publish_failed(
                l, natsConnection_Publish(l->nc, subject, b->p + start, (int)(off - start)));
            start = off;
        }
        off = next;
    }
    if (off > start)
        publish_failed(l, natsConnection_Publish(l->nc, subject, b->p + start, (int)(off - start)));
}

static void heartbeat_frame(wactor_lattice *l, lat_buf *b, uint8_t kind)
{
    lat_buf f = {0};
    lat_put_header(&f, kind, 0, l->instance, 0, 0, 0);
    if (kind != LAT_BYE)
        lat_put_str(&f, l->host, strlen(l->host));
    if (kind == LAT_HEARTBEAT)
        lat_put_u32(&f, l->state_version);
    if (!f.failed) {
        lat_put_u32(b, (uint32_t)f.len);
        lat_put_bytes(b, f.p, f.len);
    }
    lat_buf_free(&f);
}

void lat_publish_broadcast(wactor_lattice *l, uint8_t kind)
{
    lat_buf b = {0};
    pthread_mutex_lock(&l->lock);
    heartbeat_frame(l, &b, kind);
    pthread_mutex_unlock(&l->lock);
    if (!b.failed)
        natsConnection_Publish(l->nc, l->hb_subject, b.p, (int)b.len);
    lat_buf_free(&b);
}

/* Whether the loop must go round at once; frames waiting to be sent count
 * only when not lingering (anything else due sends them along). */
static bool work_due(wactor_lattice *l, uint64_t now, bool linger)
{
    if (l->retransmit_all || now >= l->next_hb_ms || l->announce_joined)
        return true;
    if (!atomic_load(&l->connected))
        return false;
    if (l->nloose)
        return true;
    for (lat_peer *p = l->peers; p; p = p->next)
        if (!p->lost && ((p->unsent && !linger) || (p->ack_due_ms && p->ack_due_ms <= now)))
            return true;
    return false;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t next_deadline(wactor_lattice *l)
{
    uint64_t next = l->next_hb_ms;
    bool connected = atomic_load(&l->connected);
    for (lat_peer *p = l->peers; p && connected; p = p->next) {
        if (p->lost)
            continue;
        if (p->ack_due_ms && p->ack_due_ms < next)
            next = p->ack_due_ms;
        uint64_t lost_at = p->last_seen_ms + 3ull * l->heartbeat_ms + 1;
        if (atomic_load(&l->connected) && lost_at < next) /* when it would be lost */
            next = lost_at;
        if (p->head && p->head->sent_ms && p->head->sent_ms + lat_rto(l, p) < next)
            next = p->head->sent_ms + lat_rto(l, p);
    }
    return next;
}

/* Makes room for out[n] (false when out of memory). */
static bool room_for_one(outgoing **out, size_t n, size_t *cap)
{
    if (n < *cap)
        return true;
    size_t grown = *cap ? 2 * *cap : 8;
    outgoing *v = realloc(*out, grown * sizeof *v);
    if (!v)
        return false;
    *out = v;
    *cap = grown;
    return true;
}

void *lat_sender_main(void *arg)
{
    wactor_lattice *l = arg;
    outgoing *out = NULL;
    size_t nout = 0, capout = 0;
    if (!atomic_load(&l->connected)) {
        if (!lat_connect_background(l))
            return NULL;
        lat_publish_broadcast(l, LAT_HELLO);
    }
    uint64_t linger_until_us = 0; /* 0: not streaming */
    pthread_mutex_lock(&l->lock);
    while (!l->stopping) {
        uint64_t now = lat_now_ms(), cycle_us = now_us();
        size_t frames = 0;
        l->unsent_bytes = 0;
        lat_after a = {0};
        /* A gap in our own clock (we were paused, e.g. SIGSTOP): nobody
         * could hear us, so everybody gets fresh time. */
        if (l->last_tick_ms && now - l->last_tick_ms > 2ull * l->heartbeat_ms)
            for (lat_peer *p = l->peers; p; p = p->next)
                p->last_seen_ms = now;
        l->last_tick_ms = now;
        bool hb = now >= l->next_hb_ms;
        if (hb)
            l->next_hb_ms = now + l->heartbeat_ms;
        bool connected = atomic_load(&l->connected);
        if (l->retransmit_all) {
            for (lat_peer *p = l->peers; p; p = p->next) {
                for (lat_out *o = p->head; o; o = o->next)
                    o->sent_ms = 0;
                p->unsent = p->head != NULL;
                p->unsent_from = NULL;
                p->last_seen_ms = now;
            }
            l->retransmit_all = false;
        }
        nout = 0;
        for (lat_peer *p = l->peers; p; p = p->next) {
            if (p->lost)
                continue;
            if (connected && now > p->last_seen_ms + 3ull * l->heartbeat_ms) {
                lat_peer_lose(l, p, "no heartbeat", &a);
                continue;
            }
            /* Cut off, nothing is written: the links keep every frame and
             * send them all again once reconnected (libnats's own buffer
             * would otherwise fill with retransmissions). */
            if (!connected)
                continue;
            if (!room_for_one(&out, nout, &capout))
                break;
            out[nout].data = (lat_buf){0};
            frames += lat_link_collect(l, p, now, hb, &out[nout].data);
            if (out[nout].data.len) {
                memcpy(out[nout].subject, p->inbox, sizeof p->inbox);
                nout++;
            } else
                lat_buf_free(&out[nout].data);
        }
        for (int i = 0; connected && i < l->nloose; i++) {
            if (!room_for_one(&out, nout, &capout))
                break;
            lat_buf f = {0}, *b = &out[nout].data;
            *b = (lat_buf){0};
            lat_put_header(&f, LAT_RESET, l->loose[i].flags, l->instance, l->loose[i].to, 0, 0);
            lat_put_u32(&f, l->loose[i].epoch);
            lat_put_u32(b, (uint32_t)f.len);
            lat_put_bytes(b, f.p, f.len);
            lat_buf_free(&f);
            snprintf(out[nout].subject, sizeof out[nout].subject, "wactor.%s.h.%016llx", l->name,
                     (unsigned long long)l->loose[i].to);
            nout++;
        }
        l->nloose = 0;
        lat_buf beat = {0};
        if (hb && connected)
            heartbeat_frame(l, &beat, LAT_HEARTBEAT);
        bool announce = l->announce_joined;
        l->announce_joined = false;
        pthread_mutex_unlock(&l->lock);

        if (announce)
            l->joined_cb(l->joined_arg, l->name, l->host);

        if (beat.len)
            natsConnection_Publish(l->nc, l->hb_subject, beat.p, (int)beat.len);
        lat_buf_free(&beat);
        for (size_t i = 0; i < nout; i++) {
            if (!out[i].data.failed)
                publish_batch(l, out[i].subject, &out[i].data);
            lat_buf_free(&out[i].data);
        }
        lat_after_run(l, &a);

        pthread_mutex_lock(&l->lock);
        now = lat_now_ms();
        /* A stream begins with a write of many frames and ends when a
         * whole lingering wait brought none. */
        if (frames >= LAT_LINGER_FRAMES || (frames && linger_until_us))
            linger_until_us = cycle_us + LAT_LINGER_US;
        else if (linger_until_us && now_us() >= linger_until_us)
            linger_until_us = 0;
        uint64_t wait_us = 0;
        if (linger_until_us) {
            uint64_t t = now_us();
            wait_us = linger_until_us > t ? linger_until_us - t : 0;
        }
        bool linger = wait_us && l->unsent_bytes < LAT_LINGER_BYTES;
        if (l->stopping || work_due(l, now, linger))
            continue;
        uint64_t next = next_deadline(l);
        l->next_wake_ms = next;
        uint64_t wait = next > now ? next - now : 1; /* never a busy loop */
        if (!linger || wait_us > wait * 1000u)
            wait_us = wait * 1000u;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)(wait_us / 1000000u);
        ts.tv_nsec += (long)(wait_us % 1000000u) * 1000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        l->lingering = linger;
        pthread_cond_timedwait(&l->wake, &l->lock, &ts);
        l->lingering = false;
        l->next_wake_ms = 0;
    }
    pthread_mutex_unlock(&l->lock);
    free(out);
    return NULL;
}

/* ---- the connection ---------------------------------------------------------- */

static void note_max_payload(wactor_lattice *l, natsConnection *nc)
{
    int64_t max = natsConnection_GetMaxPayload(nc);
    if (max <= 0 || max > UINT32_MAX)
        max = UINT32_MAX;
    uint32_t before = (uint32_t)atomic_exchange(&l->max_frame, (uint_fast32_t)max);
    /* STATE must fit one message of this server. */
    if (before != (uint32_t)max)
        lat_state_rebuild(l);
    if (before != (uint32_t)max && (uint64_t)l->max_message + LAT_MESSAGE_OVERHEAD > (uint64_t)max)
        lat_log(l, WACTOR_LOG_INFO,
                "lattice %s: the largest message that can cross hosts is %lld bytes (the NATS "
                "server's max_payload is %lld)",
                l->name, (long long)max - LAT_MESSAGE_OVERHEAD, (long long)max);
}

static void on_connected(natsConnection *nc, void *closure)
{
    wactor_lattice *l = closure;
    note_max_payload(l, nc);
    atomic_store(&l->connected, true);
    bool first = !atomic_exchange(&l->ever_connected, true);
    pthread_mutex_lock(&l->lock);
    l->auth_logged = false;
    l->joined_ms = lat_now_ms(); /* wactor_lattice_wait(NULL) counts a heartbeat from here */
    /* The embedder's callback runs on the sender thread, never inside
     * wactor_lattice_join (whose caller may hold a lock it takes). */
    l->announce_joined |= first && l->joined_cb;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    if (first && !l->joined_cb) /* else the embedder says it (wactor run prints its line) */
        lat_log(l, WACTOR_LOG_INFO, "lattice %s joined as %s", l->name, l->host);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    wactor_lattice *l = closure;
    note_max_payload(l, nc);
    atomic_store(&l->connected, true);
    pthread_mutex_lock(&l->lock);
    l->retransmit_all = true;
    l->auth_logged = false;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    lat_log(l, WACTOR_LOG_INFO, "lattice %s: reconnected to NATS", l->name);
}

/* Whether libnats's text says the server refused our credentials. */
static bool is_auth_failure(const char *text)
{
    return text && (strcasestr(text, "authorization") || strcasestr(text, "authentication"));
}

/* libnats's reason as we word it: without its "(file.c:123): " prefix, and
 * a refusal of the credentials said plainly. */
static void reason_text(const char *text, char *out, size_t n)
{
    if (text[0] == '(') {
        const char *end = strstr(text, "): ");
        if (end)
            text = end + 3;
    }
    if (is_auth_failure(text))
        snprintf(out, n, "authorization refused (%s): check the credentials", text);
    else
        snprintf(out, n, "%s", text);
}

/* Logs a refusal of our credentials once per connection attempt streak. */
static void report_auth(wactor_lattice *l, const char *text)
{
    if (!is_auth_failure(text))
        return;
    char why[256];
    reason_text(text, why, sizeof why);
    text = why;
    pthread_mutex_lock(&l->lock);
    bool first = !l->auth_logged;
    l->auth_logged = true;
    pthread_mutex_unlock(&l->lock);
    if (first)
        lat_log(l, WACTOR_LOG_ERROR, "lattice %s at %s: %s (retrying)", l->name, l->url_shown,
                text);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    wactor_lattice *l = closure;
    bool was = atomic_exchange(&l->connected, false);
    if (atomic_load(&l->closing))
        return; /* our own wactor_lattice_leave */
    const char *text = NULL;
    natsConnection_GetLastError(nc, &text);
    report_auth(l, text);
    if (was)
        lat_log(l, WACTOR_LOG_WARN, "lattice %s: disconnected from NATS, reconnecting", l->name);
}

/* libnats's last callback of a connection: from here none can come. */
static void on_closed(natsConnection *nc, void *closure)
{
    wactor_lattice *l = closure;
    (void)nc;
    pthread_mutex_lock(&l->lock);
    l->nats_closed = true;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
}

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    wactor_lattice *l = closure;
    (void)sub;
    const char *text = NULL;
    natsConnection_GetLastError(nc, &text);
    report_auth(l, text && *text ? text : natsStatus_GetText(err));
}

/* libnats's text for the last failure, as we word it. */
static void failure_text(natsStatus s, char *out, size_t n)
{
    const char *text = nats_GetLastError(NULL);
    if (!text || !*text)
        text = natsStatus_GetText(s);
    reason_text(text, out, n);
}

/* One attempt: connected and subscribed, or nothing (*why says why). */
static natsStatus connect_once(wactor_lattice *l, char *why, size_t n)
{
    natsConnection *nc = NULL;
    natsSubscription *hb = NULL, *inbox = NULL;
    natsStatus s = natsConnection_Connect(&nc, l->nopts);
    if (s == NATS_OK)
        s = natsConnection_Subscribe(&hb, nc, l->hb_subject, lat_on_hb_message, l);
    if (s == NATS_OK)
        s = natsSubscription_SetOnCompleteCB(hb, lat_on_sub_complete, l);
    if (s == NATS_OK)
        s = natsConnection_Subscribe(&inbox, nc, l->inbox_subject, lat_on_inbox_message, l);
    if (s == NATS_OK)
        s = natsSubscription_SetOnCompleteCB(inbox, lat_on_sub_complete, l);
    /* Never drop what the server sent us: the links would resend it anyway. */
    if (s == NATS_OK)
        s = natsSubscription_SetPendingLimits(inbox, -1, -1);
    if (s == NATS_OK)
        s = natsSubscription_SetPendingLimits(hb, -1, -1);
    if (s != NATS_OK) {
        failure_text(s, why, n);
        natsSubscription_Destroy(hb);
        natsSubscription_Destroy(inbox);
        natsConnection_Destroy(nc);
        return s;
    }
    pthread_mutex_lock(&l->lock);
    l->nc = nc;
    l->sub_hb = hb;
    l->sub_inbox = inbox;
    pthread_mutex_unlock(&l->lock);
    on_connected(nc, l);
    return NATS_OK;
}

/* The sender thread's first job in a background join: connect, retrying
 * every 100 ms; each distinct failure is logged once. */
bool lat_connect_background(wactor_lattice *l)
{
    char why[256], last[256] = "";
    for (;;) {
        if (connect_once(l, why, sizeof why) == NATS_OK)
            return true;
        if (strcmp(why, last) != 0) {
            bool auth = is_auth_failure(why);
            lat_log(l, auth ? WACTOR_LOG_ERROR : WACTOR_LOG_WARN, "lattice %s at %s: %s (retrying)",
                    l->name, l->url_shown, why);
            snprintf(last, sizeof last, "%s", why);
        }
        pthread_mutex_lock(&l->lock);
        if (!l->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += 100000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&l->wake, &l->lock, &ts);
        }
        bool stop = l->stopping;
        pthread_mutex_unlock(&l->lock);
        if (stop)
            return false;
    }
}

int lat_connect(wactor_lattice *l, const wactor_lattice_options *o, bool background)
{
    natsOptions *opts = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, l->url);
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(opts, true);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(opts, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(opts, 100);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectBufSize(opts, 64 * 1024 * 1024);
    /* Socket buffers of 256 KiB instead of 32: a stream's NATS messages
     * (LAT_LINGER_BYTES) are written and read in one go. */
    if (s == NATS_OK)
        s = natsOptions_SetIOBufSize(opts, 256 * 1024);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(opts, o->connect_timeout_ms ? o->connect_timeout_ms : 5000);
    if (s == NATS_OK && o->credentials)
        s = natsOptions_SetUserCredentialsFromFiles(opts, o->credentials, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(opts, on_disconnected, l);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(opts, on_reconnected, l);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(opts, on_error, l);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(opts, on_closed, l);
    if (s == NATS_OK)
        s = natsOptions_SetName(opts, l->host);
    l->nopts = opts;
    char why[256];
    if (s != NATS_OK)
        failure_text(s, why, sizeof why);
    else if (!background)
        s = connect_once(l, why, sizeof why);
    if (s != NATS_OK) {
        host_extension_fail(WACTOR_ESYSTEM, "cannot join lattice %s at %s: %s", l->name,
                            l->url_shown, why);
        return WACTOR_ESYSTEM;
    }
    return WACTOR_OK;
}
