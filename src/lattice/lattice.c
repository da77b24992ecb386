/*
 * lattice.c: the lattice at work (docs/LATTICE.md): the router's hooks,
 * frames coming in from libnats's threads, and the one sender thread that
 * writes everything out.
 *
 * Latency and throughput: libnats runs with SendAsap (no flusher delay),
 * and a message is never written on the caller's thread: post appends its
 * frame to the peer's link (kept for retransmission anyway) and wakes the
 * sender thread, which packs every frame not yet sent into as few NATS
 * messages as possible. Idle, a message costs one thread hand-off; under
 * load frames pile up while the sender writes and batches grow by
 * themselves. ACKs ride along in the same messages.
 */
#include "lattice.h"

#include "name.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A link refuses more than this unacknowledged (EFULL). */
#define LINK_MAX_BYTES (64u << 20)
#define LINK_MAX_FRAMES 65536u

void lat_log(wactor_lattice *l, int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    host_extension_log(l->rt, level, line);
}

void lat_after_run(wactor_lattice *l, lat_after *a)
{
    for (int i = 0; i < a->nlog; i++)
        host_extension_log(l->rt, a->log_level[i], a->log[i]);
    for (size_t i = 0; i < a->nfail; i++)
        msg_remote_settle(l->router, a->fail[i], WACTOR_STATUS_FAILED, "host lost", 9);
    if (a->routes_changed)
        msg_routes_changed(l->router);
    free(a->fail);
    *a = (lat_after){0};
}

static bool link_full(const lat_peer *p, size_t more)
{
    return p->out_frames >= LINK_MAX_FRAMES || p->out_bytes + more > LINK_MAX_BYTES;
}

/* ---- the router's hooks ---------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* Rendezvous hashing: the same sender keeps the same replica while the
 * set of replicas does not change. */
static uint64_t replica_score(const char *sender, size_t slen, const char *name, size_t len,
                              uint64_t instance)
{
    uint64_t h = fnv(14695981039346656037ull, sender, slen);
    h = fnv(h, name, len);
    return fnv(h, &instance, sizeof instance);
}

static msg_remote *hook_resolve(void *arg, const char *sender, size_t slen, const char *name,
                                size_t len, const char **name_out)
{
    wactor_lattice *l = arg;
    msg_remote *best = NULL;
    uint64_t best_score = 0;
    pthread_mutex_lock(&l->lock);
    for (lat_peer *p = l->peers; p && !l->left; p = p->next) {
        if (p->lost)
            continue;
        msg_remote *r = lat_remote_get(p, name, len);
        if (!r || !r->listed)
            continue;
        uint64_t s = replica_score(sender, slen, name, len, p->instance);
        if (!best || s > best_score) {
            best = r;
            best_score = s;
        }
    }
    pthread_mutex_unlock(&l->lock);
    if (best)
        *name_out = best->name;
    return best;
}

static int hook_reserve(void *arg, msg_remote *to, size_t plen)
{
    wactor_lattice *l = arg;
    uint32_t max_frame = (uint32_t)atomic_load(&l->max_frame);
    if (max_frame && plen + LAT_MESSAGE_OVERHEAD > max_frame)
        return WACTOR_ETOOBIG;
    int rc = WACTOR_OK;
    pthread_mutex_lock(&l->lock);
    if (l->left || to->peer->lost || !to->listed)
        rc = WACTOR_ENOTFOUND;
    else if (link_full(to->peer, plen) ||
             (to->sent >= to->consumed && to->sent - to->consumed >= to->window))
        rc = WACTOR_EFULL;
    else
        to->sent++;
    pthread_mutex_unlock(&l->lock);
    return rc;
}

static void hook_unreserve(void *arg, msg_remote *to)
{
    wactor_lattice *l = arg;
    pthread_mutex_lock(&l->lock);
    if (to->sent > to->consumed)
        to->sent--;
    pthread_mutex_unlock(&l->lock);
}

static void hook_post(void *arg, msg_remote *to, const msg_envelope *e, uint32_t timeout_ms)
{
    wactor_lattice *l = arg;
    bool request = e->kind == MSG_REQUEST;
    lat_buf b = {0};
    lat_put_header(&b, request ? LAT_REQUEST : LAT_SEND, 0, l->instance, 0, 1, 1);
    lat_put_str(&b, msg_env_sender(e), e->sender_len);
    lat_put_str(&b, to->name, to->len);
    if (request) {
        lat_put_u64(&b, (uint64_t)e->corr);
        lat_put_u32(&b, timeout_ms);
    }
    lat_put_payload(&b, msg_env_payload(e), e->payload_len);
    bool ok = false;
    pthread_mutex_lock(&l->lock);
    lat_peer *p = to->peer;
    if (!b.failed && !l->left && !p->lost && (!request || lat_pending_add(p, e->corr))) {
        ok = lat_link_append(l, p, b.p, b.len, true);
        if (ok)
            p->sent++;
        else if (request)
            lat_pending_remove(p, e->corr);
    }
    pthread_mutex_unlock(&l->lock);
    lat_buf_free(&b);
    /* It cannot fail: a request whose frame cannot leave ends here. */
    if (!ok && request)
        msg_remote_settle(l->router, e->corr, WACTOR_STATUS_FAILED, "host lost", 9);
}

static void hook_forget(void *arg, msg_remote *to, int64_t corr)
{
    wactor_lattice *l = arg;
    pthread_mutex_lock(&l->lock);
    lat_pending_remove(to->peer, corr);
    pthread_mutex_unlock(&l->lock);
}

static bool matches_any(const msg_remote *r, const char *topic, size_t tlen)
{
    for (uint16_t i = 0; i < r->nsubs; i++)
        if (msg_pattern_match(r->subs[i], strlen(r->subs[i]), topic, tlen))
            return true;
    return false;
}

static bool got_here(msg_proc *const *local, size_t nlocal, const msg_remote *r)
{
    for (size_t i = 0; i < nlocal; i++)
        if (local[i]->name_len == r->len && memcmp(local[i]->name, r->name, r->len) == 0)
            return true;
    return false;
}

static void hook_publish(void *arg, const char *sender, size_t slen, const char *topic, size_t tlen,
                         const void *payload, size_t plen, msg_proc *const *local, size_t nlocal)
{
    wactor_lattice *l = arg;
    uint32_t max_frame = (uint32_t)atomic_load(&l->max_frame);
    uint64_t dropped = 0;
    pthread_mutex_lock(&l->lock);
    for (lat_peer *p = l->peers; p && !l->left; p = p->next) {
        if (p->lost || !p->has_state)
            continue;
        lat_buf b = {0};
        uint16_t n = 0;
        size_t count_at = 0;
        for (msg_remote *r = p->remotes; r; r = r->next) {
            if (!r->listed || !matches_any(r, topic, tlen) || got_here(local, nlocal, r))
                continue;
            /* One replica per name: the one this sender's hash picks among
             * the hosts whose copy of the name subscribes. */
            uint64_t mine = replica_score(sender, slen, r->name, r->len, p->instance);
            bool best = true;
            for (lat_peer *q = l->peers; q && best; q = q->next) {
                msg_remote *o = q != p && !q->lost ? lat_remote_get(q, r->name, r->len) : NULL;
                if (o && o->listed && matches_any(o, topic, tlen) &&
                    replica_score(sender, slen, r->name, r->len, q->instance) > mine)
                    best = false;
            }
            if (!best || n == UINT16_MAX)
                continue;
            if (n == 0) {
                lat_put_header(&b, LAT_PUBLISH, 0, l->instance, 0, 1, 1);
                lat_put_str(&b, sender, slen);
                lat_put_str(&b, topic, tlen);
                count_at = b.len;
                lat_put_u16(&b, 0);
            }
            lat_put_str(&b, r->name, r->len);
            n++;
        }
        if (n) {
            b.p[count_at] = (uint8_t)n;
            b.p[count_at + 1] = (uint8_t)(n >> 8);
            lat_put_payload(&b, payload, (uint32_t)plen);
            if (b.failed || link_full(p, b.len) ||
                (max_frame && b.len + LAT_PREFIX_SIZE > max_frame) ||
                !lat_link_append(l, p, b.p, b.len, true))
                dropped++;
            else
                p->sent++;
        }
        lat_buf_free(&b);
    }
    pthread_mutex_unlock(&l->lock);
    if (dropped)
        lat_log(l, WACTOR_LOG_WARN,
                "lattice %s: a publication on %.*s did not reach %llu host(s) (too big or "
                "too much unacknowledged)",
                l->name, (int)tlen, topic, (unsigned long long)dropped);
}

static void hook_consumed(void *arg, uint32_t origin)
{
    wactor_lattice *l = arg;
    if (!origin)
        return;
    /* The origin tag came from lat_slot_get, whose slot was stored before
     * the envelope was posted: no lock to read it. Only the first message
     * consumed since the peer's last ACK takes the lock, to schedule one. */
    lat_slot *s = lat_slot_at(l, origin - 1);
    atomic_fetch_add(&s->consumed, 1);
    lat_peer *p = s->peer;
    if (atomic_exchange(&p->credits_dirty, true))
        return;
    pthread_mutex_lock(&l->lock);
    if (!p->lost && !p->ack_due_ms) {
        p->ack_due_ms = lat_now_ms() + 20;
        if (p->ack_due_ms < l->next_wake_ms)
            pthread_cond_signal(&l->wake);
    }
    pthread_mutex_unlock(&l->lock);
}

static void hook_changed(void *arg)
{
    lat_state_rebuild(arg);
}

const msg_lattice_ops lat_ops = {
    .resolve = hook_resolve,
    .reserve = hook_reserve,
    .unreserve = hook_unreserve,
    .post = hook_post,
    .forget = hook_forget,
    .publish = hook_publish,
    .consumed = hook_consumed,
    .changed = hook_changed,
};

/* ---- STATE ----------------------------------------------------------------- */

typedef struct gather {
    msg_proc **procs;
    size_t nprocs, capprocs;
    struct gathered_sub {
        msg_proc *proc;
        char pattern[256];
        uint8_t len;
    } * subs;
    size_t nsubs, capsubs;
    bool failed;
} gather;

static void gather_name(void *ctx, msg_proc *p)
{
    gather *g = ctx;
    if (g->nprocs == g->capprocs) {
        size_t cap = g->capprocs ? 2 * g->capprocs : 32;
        msg_proc **v = realloc(g->procs, cap * sizeof *v);
        if (!v) {
            g->failed = true;
            return;
        }
        g->procs = v;
        g->capprocs = cap;
    }
    g->procs[g->nprocs++] = p;
}

static void gather_sub(void *ctx, msg_proc *p, const char *pattern, size_t len)
{
    gather *g = ctx;
    if (g->nsubs == g->capsubs) {
        size_t cap = g->capsubs ? 2 * g->capsubs : 32;
        struct gathered_sub *v = realloc(g->subs, cap * sizeof *v);
        if (!v) {
            g->failed = true;
            return;
        }
        g->subs = v;
        g->capsubs = cap;
    }
    struct gathered_sub *s = &g->subs[g->nsubs++];
    s->proc = p;
    s->len = (uint8_t)len;
    memcpy(s->pattern, pattern, len);
}

/* Our names and subscriptions changed: a new STATE on every link, in
 * order (state_lock keeps two rebuilds from overtaking each other). */
void lat_state_rebuild(wactor_lattice *l)
{
    pthread_mutex_lock(&l->state_lock);
    gather g = {0};
    msg_names_each(l->router, gather_name, &g);
    msg_subs_each(l->router, gather_sub, &g);
    lat_buf body = {0};
    lat_put_str(&body, l->host, strlen(l->host));
    size_t version_at = body.len;
    lat_put_u32(&body, 0);
    size_t count_at = body.len;
    lat_put_u16(&body, 0);
    uint16_t n = 0;
    bool cut = false;
    for (size_t i = 0; i < g.nprocs && !body.failed; i++) {
        msg_proc *p = g.procs[i];
        size_t before = body.len;
        lat_put_str(&body, p->name, p->name_len);
        lat_put_u32(&body, atomic_load(&p->mailbox_bound));
        size_t nsubs_at = body.len;
        lat_put_u16(&body, 0);
        uint16_t nsubs = 0;
        for (size_t k = 0; k < g.nsubs && nsubs < UINT16_MAX; k++)
            if (g.subs[k].proc == p) {
                lat_put_str(&body, g.subs[k].pattern, g.subs[k].len);
                nsubs++;
            }
        if (body.failed)
            break;
        if (body.len + LAT_HEADER_SIZE > LAT_STATE_MAX || n == UINT16_MAX) {
            body.len = before;
            cut = true;
            break;
        }
        body.p[nsubs_at] = (uint8_t)nsubs;
        body.p[nsubs_at + 1] = (uint8_t)(nsubs >> 8);
        n++;
    }
    free(g.procs);
    free(g.subs);
    if (body.failed || g.failed) {
        lat_buf_free(&body);
        pthread_mutex_unlock(&l->state_lock);
        lat_log(l, WACTOR_LOG_ERROR, "lattice %s: out of memory building STATE", l->name);
        return;
    }
    body.p[count_at] = (uint8_t)n;
    body.p[count_at + 1] = (uint8_t)(n >> 8);
    pthread_mutex_lock(&l->lock);
    uint32_t version = ++l->state_version;
    for (int i = 0; i < 4; i++)
        body.p[version_at + i] = (uint8_t)(version >> (8 * i));
    lat_buf_free(&l->state_body);
    l->state_body = body;
    lat_buf frame = {0};
    lat_put_header(&frame, LAT_STATE, 0, l->instance, 0, 1, 1);
    lat_put_bytes(&frame, body.p, body.len);
    for (lat_peer *p = l->peers; p && !frame.failed && !l->left; p = p->next)
        if (!p->lost)
            lat_link_append(l, p, frame.p, frame.len, false);
    lat_buf_free(&frame);
    pthread_mutex_unlock(&l->lock);
    pthread_mutex_unlock(&l->state_lock);
    if (cut)
        lat_log(l, WACTOR_LOG_WARN,
                "lattice %s: STATE holds only the first %u names (1 MiB at most)", l->name, n);
}

/* ---- frames in -------------------------------------------------------------- */

/* Counts a hostile or broken frame; logs at most one line a second. */
static void dropped_frame(wactor_lattice *l, const char *why)
{
    uint64_t now = lat_now_ms(), n = 0;
    pthread_mutex_lock(&l->lock);
    l->dropped++;
    if (now >= l->dropped_log_ms + 1000) {
        n = l->dropped - l->dropped_logged;
        l->dropped_logged = l->dropped;
        l->dropped_log_ms = now;
    }
    pthread_mutex_unlock(&l->lock);
    if (n)
        lat_log(l, WACTOR_LOG_WARN, "lattice %s: dropped %llu bad frame(s) (last: %s)", l->name,
                (unsigned long long)n, why);
}

typedef struct answer_to {
    wactor_lattice *l;
    uint64_t instance;
    int64_t corr;
} answer_to;

static void send_reply(wactor_lattice *l, uint64_t instance, int64_t corr, int status,
                       const void *payload, size_t len)
{
    uint32_t max_frame = (uint32_t)atomic_load(&l->max_frame);
    static const char too_big[] = "answer too big for the lattice";
    if (len > l->max_message || (max_frame && len + LAT_MESSAGE_OVERHEAD > max_frame)) {
        status = WACTOR_STATUS_FAILED;
        payload = too_big;
        len = sizeof too_big - 1;
    }
    lat_buf b = {0};
    lat_put_header(&b, LAT_REPLY, 0, l->instance, 0, 1, 1);
    lat_put_u64(&b, (uint64_t)corr);
    lat_put_u8(&b, (uint8_t)status);
    lat_put_str(&b, NULL, 0);
    lat_put_payload(&b, payload, (uint32_t)len);
    pthread_mutex_lock(&l->lock);
    lat_peer *p = l->left ? NULL : lat_peer_find(l, instance);
    if (p && !b.failed)
        lat_link_append(l, p, b.p, b.len, false);
    pthread_mutex_unlock(&l->lock);
    lat_buf_free(&b);
}

static void answered(void *arg, int64_t id, int status, const void *payload, size_t len)
{
    answer_to *a = arg;
    (void)id;
    send_reply(a->l, a->instance, a->corr, status, payload, len);
    free(a);
}

/* Gives back the credit of a message that never reached a mailbox. */
static void consumed_now(wactor_lattice *l, uint32_t origin)
{
    if (origin)
        hook_consumed(l, origin);
}

static void handle_frame(wactor_lattice *l, const lat_frame *f, size_t flen, bool on_hb)
{
    if (f->from == l->instance)
        return; /* our own broadcast */
    bool broadcast = f->kind == LAT_HELLO || f->kind == LAT_HEARTBEAT || f->kind == LAT_BYE;
    if (broadcast != on_hb || (broadcast ? f->to != 0 : f->to != l->instance)) {
        dropped_frame(l, "wrong subject");
        return;
    }
    lat_after a = {0};
    uint64_t now = lat_now_ms();
    bool deliver = false;
    uint32_t origin = 0;
    uint64_t instance = f->from;
    pthread_mutex_lock(&l->lock);
    if (l->left) {
        pthread_mutex_unlock(&l->lock);
        return;
    }
    lat_peer *p = lat_peer_find(l, f->from);
    switch (f->kind) {
    case LAT_HELLO:
    case LAT_HEARTBEAT:
        if (!p) {
            p = lat_peer_new(l, f->from, f->host.p, f->host.len);
            if (p)
                lat_after_log(&a, WACTOR_LOG_INFO, "lattice %s: host %s is here", l->name, p->name);
        }
        if (p) {
            p->last_seen_ms = now;
            if (f->kind == LAT_HEARTBEAT && p->has_state)
                p->heartbeat_after_state = true;
            pthread_cond_broadcast(&l->changed);
        }
        break;
    case LAT_BYE:
        if (p)
            lat_peer_lose(l, p, "it left", &a);
        break;
    case LAT_ACK:
        if (p) {
            p->last_seen_ms = now;
            lat_link_acked(l, p, f);
        }
        break;
    case LAT_RESET:
        if (p && f->ack_epoch == p->out_epoch) {
            lat_link_drop(l, p, &a);
            lat_link_open(l, p);
            lat_after_log(&a, WACTOR_LOG_WARN, "lattice %s: host %s reset its link from here",
                          l->name, p->name);
        }
        break;
    default: /* a link frame */
        if (!p && f->kind == LAT_STATE && f->seq == 1) {
            p = lat_peer_new(l, f->from, f->host.p, f->host.len);
            if (p)
                lat_after_log(&a, WACTOR_LOG_INFO, "lattice %s: host %s is here", l->name, p->name);
        }
        if (!p) {
            /* An old link of a host we lost (or a stranger): RESET it. */
            if (l->nloose < (int)(sizeof l->loose / sizeof l->loose[0]))
                l->loose[l->nloose++] = (struct lat_loose){f->from, f->epoch};
            pthread_cond_signal(&l->wake);
            break;
        }
        p->last_seen_ms = now;
        if (p->in_epoch == 0 && f->seq != 1) {
            /* A host we had lost (and heard again) goes on with its old
             * link, which we no longer know: RESET it. */
            if (l->nloose < (int)(sizeof l->loose / sizeof l->loose[0]))
                l->loose[l->nloose++] = (struct lat_loose){f->from, f->epoch};
            pthread_cond_signal(&l->wake);
            break;
        }
        if (!lat_link_accept(l, p, f, now))
            break;
        p->bytes_received += flen;
        if (f->kind == LAT_STATE) {
            lat_state_apply(p, f);
            a.routes_changed = true;
            pthread_cond_broadcast(&l->changed);
            break;
        }
        if (f->kind == LAT_REPLY) {
            deliver = lat_pending_remove(p, f->corr);
            break;
        }
        p->received++;
        if (f->kind == LAT_SEND || f->kind == LAT_REQUEST)
            origin = lat_slot_get(l, p, f->target.p, f->target.len);
        deliver = true;
        break;
    }
    pthread_mutex_unlock(&l->lock);

    if (deliver) {
        msg_router *r = l->router;
        int rc;
        switch (f->kind) {
        case LAT_SEND:
            rc = msg_remote_send(r, origin, f->sender.p, f->sender.len, f->target.p, f->target.len,
                                 f->payload, f->payload_len);
            if (rc != WACTOR_OK)
                consumed_now(l, origin);
            break;
        case LAT_REQUEST: {
            answer_to *at = malloc(sizeof *at);
            int64_t id = WACTOR_ENOMEM;
            if (at) {
                *at = (answer_to){l, instance, f->corr};
                id = msg_remote_request(r, origin, f->sender.p, f->sender.len, f->target.p,
                                        f->target.len, f->payload, f->payload_len, f->timeout_ms,
                                        answered, at);
            }
            if (id < 0) {
                free(at);
                consumed_now(l, origin);
                const char *why = wactor_result_name((int)id);
                send_reply(l, instance, f->corr, WACTOR_STATUS_FAILED, why, strlen(why));
            }
            break;
        }
        case LAT_REPLY:
            msg_remote_settle(r, f->corr, f->status, f->payload, f->payload_len);
            break;
        case LAT_PUBLISH: {
            const char *names[256];
            uint8_t lens[256];
            size_t off = 0;
            for (uint16_t i = 0; i < f->names.n;) {
                size_t k = 0;
                for (; k < 256 && i < f->names.n; k++, i++) {
                    lat_str s;
                    lat_name_next(&f->names, &off, &s);
                    names[k] = s.p;
                    lens[k] = s.len;
                }
                msg_remote_publish(r, f->sender.p, f->sender.len, f->target.p, f->target.len,
                                   f->payload, f->payload_len, names, lens, k);
            }
            break;
        }
        default:
            break;
        }
    }
    lat_after_run(l, &a);
}

/* Every frame of a NATS message, on libnats's delivery thread of the
 * subscription (one per subscription: a link's frames come in order). */
static void on_message(wactor_lattice *l, natsMsg *msg, bool on_hb)
{
    const uint8_t *data = (const uint8_t *)natsMsg_GetData(msg);
    size_t len = (size_t)natsMsg_GetDataLength(msg), off = 0, flen;
    const uint8_t *frame;
    bool bad = false;
    while (lat_batch_next(data, len, &off, &frame, &flen, &bad)) {
        lat_frame f;
        if (lat_decode(frame, flen, l->max_message, &f))
            handle_frame(l, &f, flen, on_hb);
        else
            dropped_frame(l, "malformed");
    }
    if (bad)
        dropped_frame(l, "truncated message");
    natsMsg_Destroy(msg);
}

static void on_hb_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    on_message(closure, msg, true);
}

static void on_inbox_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    on_message(closure, msg, false);
}

/* A subscription's handler has returned for the last time. */
static void on_sub_complete(void *closure)
{
    wactor_lattice *l = closure;
    pthread_mutex_lock(&l->lock);
    l->subs_complete++;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
}

/* ---- the sender thread ------------------------------------------------------ */

typedef struct outgoing {
    char subject[96];
    lat_buf data;
} outgoing;

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
            natsConnection_Publish(l->nc, subject, b->p + start, (int)(off - start));
            start = off;
        }
        off = next;
    }
    if (off > start)
        natsConnection_Publish(l->nc, subject, b->p + start, (int)(off - start));
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

static bool work_due(wactor_lattice *l, uint64_t now)
{
    if (l->nloose || l->retransmit_all || now >= l->next_hb_ms)
        return true;
    for (lat_peer *p = l->peers; p; p = p->next)
        if (!p->lost && (p->unsent || (p->ack_due_ms && p->ack_due_ms <= now)))
            return true;
    return false;
}

static uint64_t next_deadline(wactor_lattice *l)
{
    uint64_t next = l->next_hb_ms;
    uint64_t rto = l->heartbeat_ms / 2 > 200 ? l->heartbeat_ms / 2 : 200;
    for (lat_peer *p = l->peers; p; p = p->next) {
        if (p->lost)
            continue;
        if (p->ack_due_ms && p->ack_due_ms < next)
            next = p->ack_due_ms;
        if (p->head && p->head->sent_ms && p->head->sent_ms + rto < next)
            next = p->head->sent_ms + rto;
    }
    return next;
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
    pthread_mutex_lock(&l->lock);
    while (!l->stopping) {
        uint64_t now = lat_now_ms();
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
                p->last_seen_ms = now;
            }
            l->retransmit_all = false;
        }
        nout = 0;
        for (lat_peer *p = l->peers; p; p = p->next) {
            if (p->lost)
                continue;
            if (connected && hb && now - p->last_seen_ms > 3ull * l->heartbeat_ms) {
                lat_peer_lose(l, p, "no heartbeat", &a);
                continue;
            }
            if (nout == capout) {
                size_t cap = capout ? 2 * capout : 8;
                outgoing *v = realloc(out, cap * sizeof *v);
                if (!v)
                    break;
                out = v;
                capout = cap;
            }
            out[nout].data = (lat_buf){0};
            lat_link_collect(l, p, now, hb, &out[nout].data);
            if (out[nout].data.len) {
                memcpy(out[nout].subject, p->inbox, sizeof p->inbox);
                nout++;
            } else
                lat_buf_free(&out[nout].data);
        }
        for (int i = 0; i < l->nloose; i++) {
            if (nout == capout) {
                size_t cap = capout ? 2 * capout : 8;
                outgoing *v = realloc(out, cap * sizeof *v);
                if (!v)
                    break;
                out = v;
                capout = cap;
            }
            lat_buf f = {0}, *b = &out[nout].data;
            *b = (lat_buf){0};
            lat_put_header(&f, LAT_RESET, 0, l->instance, l->loose[i].to, 0, 0);
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
        if (hb)
            heartbeat_frame(l, &beat, LAT_HEARTBEAT);
        pthread_mutex_unlock(&l->lock);

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
        if (l->stopping || work_due(l, now))
            continue;
        uint64_t next = next_deadline(l);
        l->next_wake_ms = next;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t wait = next > now ? next - now : 0;
        ts.tv_sec += (time_t)(wait / 1000);
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&l->wake, &l->lock, &ts);
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
    if (before != (uint32_t)max && (uint64_t)l->max_message + LAT_MESSAGE_OVERHEAD > (uint64_t)max)
        lat_log(l, WACTOR_LOG_INFO,
                "lattice %s: the NATS server carries at most %lld bytes a message: payloads "
                "over %lld bytes cannot cross hosts",
                l->name, (long long)max, (long long)max - LAT_MESSAGE_OVERHEAD);
}

static void on_connected(natsConnection *nc, void *closure)
{
    wactor_lattice *l = closure;
    note_max_payload(l, nc);
    atomic_store(&l->connected, true);
    pthread_mutex_lock(&l->lock);
    l->auth_logged = false;
    l->joined_ms = lat_now_ms(); /* wactor_lattice_wait(NULL) counts a heartbeat from here */
    pthread_mutex_unlock(&l->lock);
    if (!atomic_exchange(&l->ever_connected, true)) {
        lat_log(l, WACTOR_LOG_INFO, "lattice %s joined as %s", l->name, l->host);
        if (l->joined_cb)
            l->joined_cb(l->joined_arg, l->name, l->host);
    }
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
    if (!atomic_exchange(&l->ever_connected, true)) {
        lat_log(l, WACTOR_LOG_INFO, "lattice %s joined as %s", l->name, l->host);
        if (l->joined_cb)
            l->joined_cb(l->joined_arg, l->name, l->host);
    } else
        lat_log(l, WACTOR_LOG_INFO, "lattice %s: reconnected to NATS", l->name);
}

/* Logs a refusal of our credentials once per connection attempt streak. */
static void report_auth(wactor_lattice *l, const char *text)
{
    if (!text || (!strstr(text, "uthorization") && !strstr(text, "uthentication")))
        return;
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

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    wactor_lattice *l = closure;
    (void)sub;
    const char *text = NULL;
    natsConnection_GetLastError(nc, &text);
    report_auth(l, text && *text ? text : natsStatus_GetText(err));
}

/* libnats's text for the last failure, without its "(file.c:123): " prefix. */
static void failure_text(natsStatus s, char *out, size_t n)
{
    const char *text = nats_GetLastError(NULL);
    if (!text || !*text)
        text = natsStatus_GetText(s);
    if (text[0] == '(') {
        const char *end = strstr(text, "): ");
        if (end)
            text = end + 3;
    }
    snprintf(out, n, "%s", text);
}

/* One attempt: connected and subscribed, or nothing (*why says why). */
static natsStatus connect_once(wactor_lattice *l, char *why, size_t n)
{
    natsConnection *nc = NULL;
    natsSubscription *hb = NULL, *inbox = NULL;
    natsStatus s = natsConnection_Connect(&nc, l->nopts);
    if (s == NATS_OK)
        s = natsConnection_Subscribe(&hb, nc, l->hb_subject, on_hb_message, l);
    if (s == NATS_OK)
        s = natsSubscription_SetOnCompleteCB(hb, on_sub_complete, l);
    if (s == NATS_OK)
        s = natsConnection_Subscribe(&inbox, nc, l->inbox_subject, on_inbox_message, l);
    if (s == NATS_OK)
        s = natsSubscription_SetOnCompleteCB(inbox, on_sub_complete, l);
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
            bool auth = strstr(why, "uthorization") || strstr(why, "uthentication");
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
