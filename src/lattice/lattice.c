/*
 * lattice.c: the router's hooks (msg_lattice_ops) and this host's STATE.
 * Frames coming in are inbound.c's; the sender thread and the connection
 * are nats.c's.
 *
 * Latency and throughput: libnats runs with SendAsap (no flusher delay),
 * and a message is never written on the caller's thread: post appends its
 * frame to the peer's link (kept for retransmission anyway) and wakes the
 * sender thread, which packs every frame not yet sent into as few NATS
 * messages as possible. Idle, a message costs one thread hand-off; under
 * load frames pile up while the sender lingers (LAT_LINGER_*) and one NATS
 * message carries hundreds. ACKs ride along in the same messages.
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
        msg_remote_settle(l->router, a->fail[i], WACTOR_STATUS_FAILED, "host lost", 9, NULL);
    if (a->routes_changed)
        msg_routes_changed(l->router);
    for (size_t i = 0; i < a->ndown; i++)
        host_extension_remote_down(l->rt, a->down[i].remote, a->down[i].reason);
    free(a->down);
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
    if (l->left || to->peer->owner != l || to->peer->lost || !to->listed)
        rc = WACTOR_ENOTFOUND;
    else if (link_full(to->peer, plen) ||
             (to->sent >= to->consumed && to->sent - to->consumed >= to->window))
        rc = WACTOR_EFULL;
    else {
        to->sent++;
        to->reserving++;
    }
    pthread_mutex_unlock(&l->lock);
    return rc;
}

static void hook_unreserve(void *arg, msg_remote *to)
{
    wactor_lattice *l = arg;
    if (to->peer->owner != l)
        return;
    pthread_mutex_lock(&l->lock);
    if (to->reserving)
        to->reserving--;
    if (to->sent > to->consumed)
        to->sent--;
    pthread_mutex_unlock(&l->lock);
}

static void hook_post(void *arg, msg_remote *to, const msg_envelope *e, uint32_t timeout_ms)
{
    wactor_lattice *l = arg;
    bool request = e->kind == MSG_REQUEST;
    /* The frame is written straight into its link record, outside the
     * lock: one allocation and one copy of the payload per message. */
    msg_headers h = msg_env_headers(e);
    size_t len = LAT_HEADER_SIZE + 1 + e->sender_len + 1 + to->len + (request ? 8 + 4 : 0) + 2 +
                 h.len + 4 + e->payload_len;
    lat_out *o = lat_out_new(len);
    lat_buf b = o ? lat_buf_fixed(o->data, len) : (lat_buf){.failed = true};
    lat_put_header(&b, request ? LAT_REQUEST : LAT_SEND, 0, l->instance, 0, 1, 1);
    lat_put_str(&b, msg_env_sender(e), e->sender_len);
    lat_put_str(&b, to->name, to->len);
    if (request) {
        lat_put_u64(&b, (uint64_t)e->corr);
        lat_put_u32(&b, timeout_ms);
    }
    lat_put_payload(&b, h.p, h.len, msg_env_payload(e), e->payload_len);
    if (b.len != len)
        b.failed = true; /* never: len above is the frame's layout */
    bool ok = false, gone = false;
    pthread_mutex_lock(&l->lock);
    lat_peer *p = to->peer;
    if (p->owner != l) { /* a record of a lattice that left */
        pthread_mutex_unlock(&l->lock);
        free(o);
        if (request)
            msg_remote_settle(l->router, e->corr, WACTOR_STATUS_FAILED, "host lost", 9, NULL);
        return;
    }
    if (to->reserving)
        to->reserving--;
    if (l->left || p->lost)
        gone = true;
    else if (!b.failed && (!request || lat_pending_add(p, e->corr))) {
        ok = lat_link_append_out(l, p, o, true);
        if (ok)
            p->sent++;
        else if (request)
            lat_pending_remove(p, e->corr);
    }
    if (!ok) {
        /* It does not leave: its credit goes back, and it is counted. */
        if (to->sent > to->consumed)
            to->sent--;
        p->lost_messages++;
    }
    pthread_mutex_unlock(&l->lock);
    if (!ok) {
        free(o); /* the link did not take it */
        lat_log(l, WACTOR_LOG_WARN, "lattice %s: a %s to %.*s on host %s was lost (%s)", l->name,
                request ? "request" : "message", (int)to->len, to->name, p->name,
                gone ? "host lost" : "out of memory");
    }
    /* It cannot fail: a request whose frame cannot leave ends here. */
    if (!ok && request)
        msg_remote_settle(l->router, e->corr, WACTOR_STATUS_FAILED, "host lost", 9, NULL);
}

static void hook_forget(void *arg, msg_remote *to, int64_t corr)
{
    wactor_lattice *l = arg;
    if (to->peer->owner != l)
        return;
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
                         const void *payload, size_t plen, const msg_headers *h,
                         msg_proc *const *local, size_t nlocal)
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
        if (n && b.failed)
            dropped++;
        else if (n) {
            b.p[count_at] = (uint8_t)n;
            b.p[count_at + 1] = (uint8_t)(n >> 8);
            lat_put_payload(&b, h ? h->p : NULL, h ? h->len : 0, payload, (uint32_t)plen);
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

void lat_credit_consumed(void *arg, uint32_t origin)
{
    wactor_lattice *l = arg;
    /* Not ours: an envelope queued under a lattice that left (this runtime
     * joined again since) says another generation. */
    size_t i = origin & ((1u << LAT_ORIGIN_BITS) - 1);
    if (!origin || origin >> LAT_ORIGIN_BITS != l->generation ||
        i >= atomic_load_explicit(&l->slots_published, memory_order_acquire))
        return;
    /* The origin tag came from lat_slot_get, whose slot was stored before
     * the envelope was posted: no lock to read it. Only the first message
     * consumed since the peer's last ACK takes the lock, to schedule one. */
    lat_slot *s = lat_slot_at(l, i);
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

static const char *hook_gone(void *arg, msg_remote *to)
{
    wactor_lattice *l = arg;
    const char *why = NULL;
    pthread_mutex_lock(&l->lock);
    if (l->left || to->peer->owner != l || to->peer->lost)
        why = "host-lost";
    else if (!to->listed)
        why = "stopped";
    pthread_mutex_unlock(&l->lock);
    return why;
}

const msg_lattice_ops lat_ops = {
    .gone = hook_gone,
    .resolve = hook_resolve,
    .reserve = hook_reserve,
    .unreserve = hook_unreserve,
    .post = hook_post,
    .forget = hook_forget,
    .publish = hook_publish,
    .consumed = lat_credit_consumed,
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
    /* At most 1 MiB, and what the server carries in one message. */
    size_t limit = LAT_STATE_MAX;
    uint32_t max_frame = (uint32_t)atomic_load(&l->max_frame);
    if (max_frame && (size_t)max_frame - LAT_PREFIX_SIZE < limit)
        limit = (size_t)max_frame - LAT_PREFIX_SIZE;
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
        if (body.len + LAT_HEADER_SIZE > limit || n == UINT16_MAX) {
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
        if (!p->lost && !p->state_deferred) /* a deferred one gets the latest when heard */
            lat_link_append(l, p, frame.p, frame.len, false);
    lat_buf_free(&frame);
    pthread_mutex_unlock(&l->lock);
    pthread_mutex_unlock(&l->state_lock);
    if (cut)
        lat_log(l, WACTOR_LOG_WARN,
                "lattice %s: STATE holds only the first %u names (%zu bytes at most)", l->name, n,
                limit);
}
