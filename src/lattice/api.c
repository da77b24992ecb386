/*
 * api.c: wactor_lattice_* (include/wactor.h): joining, leaving, waiting
 * for names, and the list of hosts. A lattice that has left keeps its
 * memory until the runtime is freed (host_extension_retain): the router may
 * still hold its msg_remote records and their names.
 */
#include "lattice.h"

#include "name.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* A lattice's name is one token of a NATS subject. */
static bool token_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* The URL(s) with every password replaced: "nats://user:***@host:port". */
static void shown_url(char *out, size_t n, const char *url)
{
    size_t k = 0;
    for (const char *p = url; *p && k + 4 < n;) {
        const char *scheme = strstr(p, "://");
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *auth = scheme && scheme < end ? scheme + 3 : p;
        const char *at = memchr(auth, '@', (size_t)(end - auth));
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        const char *copy_to = colon ? colon + 1 : end;
        while (p < copy_to && k + 4 < n)
            out[k++] = *p++;
        if (colon) {
            memcpy(out + k, "***", 3);
            k += 3;
            p = at;
            while (p < end && k + 1 < n)
                out[k++] = *p++;
        }
        if (*p == ',' && k + 1 < n)
            out[k++] = *p++;
    }
    out[k] = 0;
}

static void lat_release(void *arg)
{
    wactor_lattice *l = arg;
    for (lat_peer *p = l->peers, *next; p; p = next) {
        next = p->next;
        lat_peer_free(p);
    }
    for (size_t i = 0; i < l->nslots; i++)
        free(lat_slot_at(l, i));
    for (size_t c = 0; c < LAT_SLOT_CHUNKS; c++)
        free(l->slot_chunks[c]);
    lat_buf_free(&l->state_body);
    pthread_cond_destroy(&l->wake);
    pthread_cond_destroy(&l->changed);
    pthread_mutex_destroy(&l->lock);
    pthread_mutex_destroy(&l->state_lock);
    free(l);
}

static void detach(void *arg)
{
    wactor_lattice_leave(arg);
}

/* Waits (2 s at most) until *flag, or *count >= n, under l->lock. */
static void wait_for(wactor_lattice *l, const bool *flag, const int *count, int n)
{
    pthread_mutex_lock(&l->lock);
    for (uint64_t end = lat_now_ms() + 2000; (flag ? !*flag : *count < n) && lat_now_ms() < end;) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 10000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&l->changed, &l->lock, &ts);
    }
    pthread_mutex_unlock(&l->lock);
}

/* After this, no libnats thread is in (or will enter) our callbacks. */
static void close_nats(wactor_lattice *l)
{
    int subs = 0;
    if (l->sub_hb && natsSubscription_Unsubscribe(l->sub_hb) == NATS_OK)
        subs++;
    if (l->sub_inbox && natsSubscription_Unsubscribe(l->sub_inbox) == NATS_OK)
        subs++;
    /* Each handler's last call has returned once its completion ran. */
    wait_for(l, NULL, &l->subs_complete, subs);
    atomic_store(&l->closing, true);
    if (l->nc) {
        natsConnection_Close(l->nc);
        /* libnats runs the connection's callbacks (disconnected, error,
         * closed) on a thread of its own, later: closed is the last. */
        wait_for(l, &l->nats_closed, NULL, 0);
    }
    natsSubscription_Destroy(l->sub_hb);
    natsSubscription_Destroy(l->sub_inbox);
    natsConnection_Destroy(l->nc);
    natsOptions_Destroy(l->nopts);
    l->sub_hb = l->sub_inbox = NULL;
    l->nc = NULL;
    l->nopts = NULL;
}

wactor_lattice *wactor_lattice_join(wactor_runtime *rt, const wactor_lattice_options *o)
{
    wactor_lattice_options none = {0};
    if (!o)
        o = &none;
    const char *name = o->name ? o->name : "default";
    const char *url = o->url ? o->url : "nats://127.0.0.1:4222";
    if (!rt) {
        host_extension_fail(WACTOR_EINVAL, "wactor_lattice_join: no runtime");
        return NULL;
    }
    if (!token_valid(name)) {
        host_extension_fail(WACTOR_EINVAL,
                            "lattice name \"%.80s\" is not a token (letters, digits, - and _)",
                            name);
        return NULL;
    }
    char host[256];
    if (o->host)
        snprintf(host, sizeof host, "%s", o->host);
    else {
        char hn[200] = "host";
        gethostname(hn, sizeof hn);
        hn[sizeof hn - 1] = 0;
        for (char *c = hn; *c; c++)
            if (*c == '.')
                *c = '-';
        snprintf(host, sizeof host, "%s-%ld", hn, (long)getpid());
    }
    if (!msg_name_valid(host, strlen(host))) {
        host_extension_fail(WACTOR_EINVAL, "host name \"%.80s\" is not a valid name", host);
        return NULL;
    }
    if (strlen(url) >= 1024) {
        host_extension_fail(WACTOR_EINVAL, "lattice URL too long");
        return NULL;
    }
    wactor_lattice *l = calloc(1, sizeof *l);
    if (!l) {
        host_extension_fail(WACTOR_ENOMEM, "out of memory");
        return NULL;
    }
    l->rt = rt;
    l->router = host_router(rt);
    l->max_message = msg_router_max_message(l->router);
    snprintf(l->name, sizeof l->name, "%s", name);
    snprintf(l->host, sizeof l->host, "%s", host);
    snprintf(l->url, sizeof l->url, "%s", url);
    shown_url(l->url_shown, sizeof l->url_shown, url);
    l->heartbeat_ms = o->heartbeat_ms ? o->heartbeat_ms : 1000;
    l->joined_cb = o->joined;
    l->joined_arg = o->joined_arg;
    if (getrandom(&l->rng, sizeof l->rng, 0) != sizeof l->rng)
        l->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)l;
    l->rng |= 1;
    do
        l->instance = lat_random(l);
    while (l->instance == 0);
    snprintf(l->hb_subject, sizeof l->hb_subject, "wactor.%s.hb", l->name);
    snprintf(l->inbox_subject, sizeof l->inbox_subject, "wactor.%s.h.%016llx", l->name,
             (unsigned long long)l->instance);
    pthread_mutex_init(&l->lock, NULL);
    pthread_mutex_init(&l->state_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->wake, &ca);
    pthread_cond_init(&l->changed, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&l->connected, false);
    atomic_init(&l->ever_connected, false);
    atomic_init(&l->closing, false);
    atomic_init(&l->max_frame, 0);
    atomic_init(&l->slots_published, 0);
    static atomic_uint generations;
    l->generation = atomic_fetch_add(&generations, 1) % ((1u << (32 - LAT_ORIGIN_BITS)) - 1) + 1;

    if (host_extension_set(rt, detach, l) != WACTOR_OK) {
        host_extension_fail(WACTOR_EEXIST, "this runtime is in a lattice already");
        lat_release(l);
        return NULL;
    }
    lat_log(l, WACTOR_LOG_INFO, "joining lattice %s at %s as %s", l->name, l->url_shown, l->host);
    /* Attached before any frame can come in (a message's credit comes back
     * through consumed()), and STATE built after: a component registered
     * meanwhile is in it, or makes its own rebuild through changed(). */
    msg_router_attach(l->router, &lat_ops, l);
    lat_state_rebuild(l);
    l->joined_ms = lat_now_ms();
    int rc = lat_connect(l, o, o->connect_in_background);
    if (rc == WACTOR_OK && pthread_create(&l->sender, NULL, lat_sender_main, l) != 0) {
        host_extension_fail(WACTOR_ESYSTEM, "cannot join lattice %s at %s: no thread", l->name,
                            l->url_shown);
        rc = WACTOR_ESYSTEM;
    }
    if (rc != WACTOR_OK) {
        /* Keep the message of the failure: closing may log. */
        char why[256];
        snprintf(why, sizeof why, "%s", wactor_errmsg(NULL));
        close_nats(l);
        /* As a leave: the router may have called our hooks (and holds
         * records or callbacks of frames that came in), so the memory
         * stays with the runtime. */
        pthread_mutex_lock(&l->lock);
        l->left = true;
        pthread_mutex_unlock(&l->lock);
        msg_remote_fail_incoming(l->router, "host lost");
        msg_router_attach(l->router, NULL, NULL);
        host_extension_set(rt, NULL, NULL);
        if (!host_extension_retain(rt, lat_release, l))
            lat_log(l, WACTOR_LOG_WARN, "lattice %s: out of memory: its records stay", l->name);
        host_extension_fail(rc, "%s", why);
        return NULL;
    }
    l->sender_started = true;
    if (!o->connect_in_background)
        lat_publish_broadcast(l, LAT_HELLO);
    return l;
}

static bool links_acknowledged(wactor_lattice *l)
{
    pthread_mutex_lock(&l->lock);
    bool done = true;
    for (lat_peer *p = l->peers; p && done; p = p->next)
        if (!p->lost && p->head)
            done = false;
    pthread_mutex_unlock(&l->lock);
    return done;
}

void wactor_lattice_leave(wactor_lattice *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    bool again = l->leaving;
    l->leaving = true;
    pthread_mutex_unlock(&l->lock);
    if (again)
        return;
    /* What we sent is acknowledged (bounded: 2 s), then BYE. */
    for (uint64_t end = lat_now_ms() + 2000;
         atomic_load(&l->connected) && !links_acknowledged(l) && lat_now_ms() < end;)
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    if (atomic_load(&l->connected)) {
        lat_publish_broadcast(l, LAT_BYE);
        natsConnection_FlushTimeout(l->nc, 500);
    }
    pthread_mutex_lock(&l->lock);
    l->stopping = true;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    if (l->sender_started)
        pthread_join(l->sender, NULL);
    close_nats(l); /* no frame comes in from here on */

    lat_after a = {0};
    pthread_mutex_lock(&l->lock);
    l->left = true;
    for (lat_peer *p = l->peers; p; p = p->next) {
        /* Unreachable from here on: their monitors here are told. */
        for (struct msg_remote *r = p->remotes; r; r = r->next)
            if (r->listed && !p->lost)
                lat_after_down(&a, r, "host-lost");
        for (size_t i = 0; i < p->npending; i++)
            lat_after_fail(&a, p->pending[i]);
        p->npending = 0;
    }
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
    lat_after_run(l, &a);
    msg_remote_fail_incoming(l->router, "host lost");
    msg_router_attach(l->router, NULL, NULL);
    lat_log(l, WACTOR_LOG_INFO, "left lattice %s", l->name);
    host_extension_set(l->rt, NULL, NULL);
    if (!host_extension_retain(l->rt, lat_release, l))
        lat_log(l, WACTOR_LOG_WARN, "lattice %s: out of memory: its records stay", l->name);
}

const char *wactor_lattice_host_name(const wactor_lattice *l)
{
    return l ? l->host : NULL;
}

/* Whether name has a live replica on some peer. */
static bool known_remotely(wactor_lattice *l, const char *name, size_t len)
{
    for (lat_peer *p = l->peers; p; p = p->next) {
        struct msg_remote *r = p->lost ? NULL : lat_remote_get(p, name, len);
        if (r && r->listed)
            return true;
    }
    return false;
}

static bool everyone_heard(wactor_lattice *l, uint64_t now)
{
    if (!atomic_load(&l->connected) || now < l->joined_ms + l->heartbeat_ms)
        return false;
    for (lat_peer *p = l->peers; p; p = p->next)
        if (!p->lost && !p->has_state)
            return false;
    return true;
}

int wactor_lattice_wait(wactor_lattice *l, const char *name, uint32_t timeout_ms)
{
    if (!l)
        return WACTOR_EINVAL;
    size_t len = name ? strlen(name) : 0;
    if (name && !msg_name_valid(name, len))
        return WACTOR_EINVAL;
    uint64_t end = lat_now_ms() + timeout_ms;
    for (;;) {
        /* Outside our lock: the router is never called under it. */
        if (name && msg_lookup(l->router, name, len).kind != MSG_DEST_NONE)
            return WACTOR_OK;
        uint64_t now = lat_now_ms();
        pthread_mutex_lock(&l->lock);
        bool ok = !l->left && (name ? known_remotely(l, name, len) : everyone_heard(l, now));
        if (!ok && !l->left && now < end) {
            /* Woken by changes; at most 20 ms, for the time-based parts. */
            uint64_t wait = end - now < 20 ? end - now : 20;
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += (long)wait * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&l->changed, &l->lock, &ts);
        }
        bool left = l->left;
        pthread_mutex_unlock(&l->lock);
        if (ok)
            return WACTOR_OK;
        if (left || now >= end)
            return WACTOR_ETIMEDOUT;
    }
}

/* ---- hosts ------------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_host(const void *a, const void *b)
{
    return strcmp(((const wactor_host_info *)a)->name, ((const wactor_host_info *)b)->name);
}

typedef struct name_list {
    char **v;
    size_t n, cap;
    bool failed;
} name_list;

static void name_add(name_list *nl, const char *s, size_t len)
{
    if (nl->n == nl->cap) {
        size_t cap = nl->cap ? 2 * nl->cap : 8;
        char **v = realloc(nl->v, cap * sizeof *v);
        if (!v) {
            nl->failed = true;
            return;
        }
        nl->v = v;
        nl->cap = cap;
    }
    char *c = strndup(s, len);
    if (!c)
        nl->failed = true;
    else
        nl->v[nl->n++] = c;
}

static void self_name(void *ctx, msg_proc *p)
{
    name_add(ctx, p->name, p->name_len);
}

static void set_components(wactor_host_info *h, name_list *nl)
{
    if (nl->n)
        qsort(nl->v, nl->n, sizeof *nl->v, cmp_str);
    h->components = nl->v;
    h->ncomponents = nl->n;
}

int wactor_lattice_hosts(wactor_lattice *l, wactor_host_info **out, size_t *n)
{
    if (!l || !out || !n)
        return WACTOR_EINVAL;
    *out = NULL;
    *n = 0;
    name_list self = {0};
    msg_names_each(l->router, self_name, &self);
    bool failed = self.failed;
    pthread_mutex_lock(&l->lock);
    size_t count = 1;
    for (lat_peer *p = l->peers; p; p = p->next)
        count += !p->lost;
    wactor_host_info *v = calloc(count, sizeof *v);
    uint64_t now = lat_now_ms();
    size_t k = 0;
    if (v) {
        snprintf(v[0].name, sizeof v[0].name, "%s", l->host);
        v[0].self = true;
        set_components(&v[0], &self);
        k = 1;
        for (lat_peer *p = l->peers; p; p = p->next) {
            if (p->lost)
                continue;
            wactor_host_info *h = &v[k++];
            snprintf(h->name, sizeof h->name, "%s", p->name);
            h->last_seen_ms = now - p->last_seen_ms;
            h->sent = p->sent;
            h->received = p->received;
            h->bytes_sent = p->bytes_sent;
            h->bytes_received = p->bytes_received;
            h->lost = p->lost_messages;
            name_list nl = {0};
            for (struct msg_remote *r = p->remotes; r; r = r->next)
                if (r->listed)
                    name_add(&nl, r->name, r->len);
            failed |= nl.failed;
            set_components(h, &nl);
        }
    }
    pthread_mutex_unlock(&l->lock);
    if (!v || failed) {
        if (v)
            wactor_lattice_hosts_free(v, k);
        else
            for (size_t i = 0; i < self.n; i++)
                free(self.v[i]);
        if (!v)
            free(self.v);
        return WACTOR_ENOMEM;
    }
    qsort(v + 1, k - 1, sizeof *v, cmp_host);
    *out = v;
    *n = k;
    return WACTOR_OK;
}

void wactor_lattice_hosts_free(wactor_host_info *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < v[i].ncomponents; k++)
            free(v[i].components[k]);
        free(v[i].components);
    }
    free(v);
}
