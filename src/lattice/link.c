/*
 * link.c: one reliable, ordered link per peer (docs/LATTICE.md, "Links"),
 * the credits of both directions, and a peer's piece of the directory.
 * Everything here runs under l->lock and calls nothing outside the
 * lattice: what must reach the router afterwards is noted in a lat_after.
 *
 * A link frame is kept from the moment it is appended until an ACK of its
 * epoch covers its seq; "sent_ms == 0" marks it (re)sendable. The sender
 * thread packs every sendable frame of a peer into as few NATS messages as
 * the server's max_payload allows (lat_link_collect), which is what makes
 * batching happen by itself under load.
 */
#include "lattice.h"

#include "name.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* ACK after this many frames, or this long after the first unacked one. */
#define ACK_FRAMES 64
#define ACK_DELAY_MS 20
/* One resend (a timeout, a GAP) marks at most this much again; the rest
 * follows on the next ACK or timeout. */
#define RESEND_BURST_BYTES (1u << 20)
#define RTO_MAX_FACTOR 16

uint32_t lat_rto_base(const wactor_lattice *l)
{
    return l->heartbeat_ms / 2 > 200 ? l->heartbeat_ms / 2 : 200;
}

uint32_t lat_rto(const wactor_lattice *l, const lat_peer *p)
{
    return p->rto_ms ? p->rto_ms : lat_rto_base(l);
}

/* Marks unacknowledged frames sendable again, from the first, at most a
 * burst, and only those sent before `before` (0: any). */
static void resend_from_head(wactor_lattice *l, lat_peer *p, uint64_t before)
{
    size_t bytes = 0;
    for (lat_out *o = p->head; o && bytes < RESEND_BURST_BYTES; o = o->next) {
        if (!o->sent_ms)
            continue;
        if (before && o->sent_ms >= before)
            break;
        o->sent_ms = 0;
        bytes += o->len;
        p->unsent = true;
        p->unsent_from = NULL;
    }
    if (p->unsent)
        pthread_cond_signal(&l->wake);
}

uint64_t lat_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* xorshift64*, seeded from getrandom at join: epochs need only differ. */
uint64_t lat_random(wactor_lattice *l)
{
    uint64_t x = l->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    l->rng = x;
    return x * 2685821657736338717ull;
}

void lat_after_log(lat_after *a, int level, const char *fmt, ...)
{
    if (a->nlog == 4)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->log[a->nlog], sizeof a->log[0], fmt, ap);
    va_end(ap);
    a->log_level[a->nlog++] = level;
}

void lat_after_fail(lat_after *a, int64_t corr)
{
    if (a->nfail == a->capfail) {
        size_t cap = a->capfail ? 2 * a->capfail : 16;
        int64_t *v = realloc(a->fail, cap * sizeof *v);
        if (!v)
            return; /* out of memory: the request times out instead */
        a->fail = v;
        a->capfail = cap;
    }
    a->fail[a->nfail++] = corr;
}

void lat_after_down(lat_after *a, struct msg_remote *r, const char *reason)
{
    if (a->ndown == a->capdown) {
        size_t cap = a->capdown ? 2 * a->capdown : 16;
        struct lat_down *v = realloc(a->down, cap * sizeof *v);
        if (!v) {
            lat_after_log(a, WACTOR_LOG_WARN, "@down %s %s lost: out of memory", r->name, reason);
            return;
        }
        a->down = v;
        a->capdown = cap;
    }
    a->down[a->ndown++] = (struct lat_down){r, reason};
}

lat_peer *lat_peer_find(wactor_lattice *l, uint64_t instance)
{
    for (lat_peer *p = l->peers; p; p = p->next)
        if (p->instance == instance && !p->lost)
            return p;
    return NULL;
}

static void out_free_all(lat_peer *p);

lat_peer *lat_peer_new(wactor_lattice *l, uint64_t instance, const char *name, size_t len)
{
    /* A bound on live hosts: a flood of made-up instances (from inside the
     * trust boundary) cannot grow the peer list without end. */
    size_t live = 0;
    for (lat_peer *q = l->peers; q; q = q->next)
        live += !q->lost;
    if (live >= LAT_MAX_PEERS)
        return NULL;
    lat_peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->instance = instance;
    p->owner = l;
    atomic_init(&p->credits_dirty, false);
    memcpy(p->name, name, len);
    snprintf(p->inbox, sizeof p->inbox, "wactor.%s.h.%016llx", l->name,
             (unsigned long long)instance);
    p->last_seen_ms = lat_now_ms();
    /* A host that comes back shows what it took with it when it was lost. */
    for (lat_peer *q = l->peers; q; q = q->next)
        if (q->lost && strcmp(q->name, p->name) == 0) {
            p->lost_messages = q->lost_messages;
            break;
        }
    /* A bound on what a flood of HELLOs makes us queue: STATE (up to 1 MiB)
     * toward hosts that have said nothing else waits past this. */
    size_t unheard = 0;
    for (lat_peer *q = l->peers; q; q = q->next)
        if (!q->lost && !q->has_state)
            unheard += q->out_bytes;
    p->next = l->peers;
    l->peers = p;
    lat_link_open(l, p);
    if (unheard + p->out_bytes > LAT_UNHEARD_STATE_BYTES) {
        out_free_all(p);
        p->out_next_seq = 1;
        p->state_deferred = true;
    }
    /* We lost it before: its link toward us is dead here. It may not know
     * (an idle host sends no link frame that would be RESET): tell it now,
     * so that it opens a new one and we get its STATE. */
    unsigned n = l->ndead < LAT_DEAD_MAX ? l->ndead : LAT_DEAD_MAX;
    for (unsigned i = 1; i <= n; i++) {
        const struct lat_dead *d = &l->dead[(l->ndead - i) % LAT_DEAD_MAX];
        if (d->instance == instance) {
            lat_reset_owed(l, instance, d->epoch, 0);
            break;
        }
    }
    return p;
}

static void out_free_all(lat_peer *p)
{
    for (lat_out *o = p->head, *next; o; o = next) {
        next = o->next;
        free(o);
    }
    p->head = p->tail = p->unsent_from = NULL;
    p->out_frames = p->out_bytes = 0;
}

lat_out *lat_out_new(size_t len)
{
    lat_out *o = malloc(sizeof *o + len);
    if (o)
        o->len = (uint32_t)len;
    return o;
}

bool lat_link_append(wactor_lattice *l, lat_peer *p, const uint8_t *frame, size_t len, bool message)
{
    lat_out *o = lat_out_new(len);
    if (!o)
        return false;
    memcpy(o->data, frame, len);
    if (lat_link_append_out(l, p, o, message))
        return true;
    free(o);
    return false;
}

bool lat_link_append_out(wactor_lattice *l, lat_peer *p, lat_out *o, bool message)
{
    /* A frame the server would refuse would wedge the link (resent and
     * refused forever): it never enters one. */
    size_t len = o->len;
    uint32_t max_frame = (uint32_t)atomic_load(&l->max_frame);
    if (max_frame && len + LAT_PREFIX_SIZE > max_frame)
        return false;
    o->next = NULL;
    o->seq = p->out_next_seq++;
    o->sent_ms = 0;
    o->message = message;
    lat_patch_link(o->data, p->instance, p->out_epoch, o->seq);
    if (p->tail)
        p->tail->next = o;
    else
        p->head = o;
    p->tail = o;
    p->out_frames++;
    p->out_bytes += len;
    if (!p->unsent)
        p->unsent_from = o; /* every frame before it has been sent */
    p->unsent = true;
    l->unsent_bytes += len;
    if (!l->lingering || l->unsent_bytes >= LAT_LINGER_BYTES)
        pthread_cond_signal(&l->wake);
    return true;
}

void lat_link_open(wactor_lattice *l, lat_peer *p)
{
    out_free_all(p);
    do
        p->out_epoch = (uint32_t)lat_random(l);
    while (p->out_epoch == 0);
    p->out_next_seq = 1;
    p->out_acked = false;
    p->rto_ms = 0;
    /* Credits belong to a link: the receiver counts what left its
     * mailboxes from the first frame of this epoch, and so do we. */
    for (struct msg_remote *r = p->remotes; r; r = r->next) {
        r->sent = r->reserving; /* those will be posted on this link */
        r->consumed = 0;
    }
    /* STATE first: the peer learns our names before any message. */
    lat_buf b = {0};
    lat_put_header(&b, LAT_STATE, 0, l->instance, p->instance, 1, 1);
    lat_put_bytes(&b, l->state_body.p, l->state_body.len);
    if (!b.failed)
        lat_link_append(l, p, b.p, b.len, false);
    lat_buf_free(&b);
}

void lat_peer_heard(wactor_lattice *l, lat_peer *p)
{
    if (p->state_deferred) {
        p->state_deferred = false;
        lat_link_open(l, p);
    }
}

void lat_link_drop(wactor_lattice *l, lat_peer *p, lat_after *a)
{
    uint64_t lost = 0;
    for (lat_out *o = p->head; o; o = o->next)
        lost += o->message;
    p->lost_messages += lost;
    if (lost)
        lat_after_log(a, WACTOR_LOG_WARN, "lattice %s: %llu message(s) to host %s were lost",
                      l->name, (unsigned long long)lost, p->name);
    for (size_t i = 0; i < p->npending; i++)
        lat_after_fail(a, p->pending[i]);
    p->npending = 0;
    out_free_all(p);
    /* What was reserved and never acknowledged will never be: the credits
     * start again from what the peer reported consumed. */
    for (struct msg_remote *r = p->remotes; r; r = r->next)
        r->sent = r->consumed;
}

void lat_link_acked(wactor_lattice *l, lat_peer *p, const lat_frame *f)
{
    /* An ACK of another epoch is dropped whole: its credits count what
     * left the mailboxes under another link. */
    if (f->ack_epoch != p->out_epoch)
        return;
    size_t off = 0;
    for (uint16_t i = 0; i < f->credits.n; i++) {
        lat_str name;
        uint64_t consumed;
        lat_credit_next(&f->credits, &off, &name, &consumed);
        struct msg_remote *r = lat_remote_get(p, name.p, name.len);
        if (r && consumed > r->consumed)
            r->consumed = consumed;
    }
    if (f->ack_seq)
        p->out_acked = true;
    if (p->head && p->head->seq <= f->ack_seq)
        p->rto_ms = 0; /* progress: the timeout is the base again */
    while (p->head && p->head->seq <= f->ack_seq) {
        lat_out *o = p->head;
        p->head = o->next;
        if (p->unsent_from == o)
            p->unsent_from = NULL;
        p->out_frames--;
        p->out_bytes -= o->len;
        free(o);
    }
    if (!p->head)
        p->tail = NULL;
    /* A gap: from the first unacknowledged frame again, a burst at most;
     * not when the head left again just now (every frame past a gap makes
     * its own GAP ACK: one resend answers them all). */
    uint64_t now = lat_now_ms();
    if ((f->flags & LAT_ACK_GAP) && p->head && p->head->sent_ms &&
        p->head->sent_ms + ACK_DELAY_MS <= now)
        resend_from_head(l, p, now);
}

bool lat_link_accept(wactor_lattice *l, lat_peer *p, const lat_frame *f, uint64_t now)
{
    bool ok;
    if (f->epoch != p->in_epoch && f->seq == 1) { /* a new link replaces the old */
        p->in_epoch = f->epoch;
        p->in_seq = 0;
        /* Its credits start from 0 (the sender's did when it opened it). */
        for (size_t i = 0; i < p->nslots; i++) {
            lat_slot *s = lat_slot_at(l, p->slots[i]);
            s->base = s->reported = atomic_load(&s->consumed);
        }
    }
    if (f->epoch != p->in_epoch || f->seq != p->in_seq + 1) {
        /* A duplicate, or past a loss: acknowledge at once so the sender
         * resends from what we have. */
        ok = false;
        p->ack_gap = f->epoch == p->in_epoch && f->seq > p->in_seq + 1;
        p->ack_due_ms = now;
    } else {
        ok = true;
        p->in_seq = f->seq;
        if (++p->ack_pending >= ACK_FRAMES)
            p->ack_due_ms = now;
        else if (!p->ack_due_ms)
            p->ack_due_ms = now + ACK_DELAY_MS;
    }
    return ok; /* the caller wakes the sender thread for the ACK */
}

/* Starts a NATS message in batch when the frame does not fit the current one. */
static void batch_frame(lat_buf *batch, const uint8_t *frame, size_t len)
{
    lat_put_u32(batch, (uint32_t)len);
    lat_put_bytes(batch, frame, len);
}

static void put_ack(wactor_lattice *l, lat_peer *p, bool all, lat_buf *batch)
{
    lat_buf b = {0};
    lat_put_header(&b, LAT_ACK, p->ack_gap ? LAT_ACK_GAP : 0, l->instance, p->instance, 0, 0);
    lat_put_u32(&b, p->in_epoch);
    lat_put_u64(&b, p->in_seq);
    size_t at = b.len;
    lat_put_u16(&b, 0);
    uint16_t n = 0;
    /* Cleared before the counts are read: a message consumed after this
     * marks the peer again and gets its own ACK. */
    atomic_store(&p->credits_dirty, false);
    /* At most ~60 kB of credits: when cut short, the next ACK goes on from
     * where this one stopped (soon: the peer stays dirty), so that every
     * name is reported in turn. */
    size_t i = 0, start = p->nslots ? p->ack_next % p->nslots : 0;
    for (; i < p->nslots && n < UINT16_MAX && b.len < 60000; i++) {
        lat_slot *s = lat_slot_at(l, p->slots[(start + i) % p->nslots]);
        uint64_t consumed = atomic_load(&s->consumed);
        if (!all && consumed == s->reported)
            continue;
        lat_put_str(&b, s->name, s->len);
        lat_put_u64(&b, consumed - s->base);
        s->reported = consumed;
        n++;
    }
    bool cut = i < p->nslots;
    p->ack_next = cut ? (start + i) % p->nslots : 0;
    if (!b.failed) {
        b.p[at] = (uint8_t)n;
        b.p[at + 1] = (uint8_t)(n >> 8);
        batch_frame(batch, b.p, b.len);
    }
    lat_buf_free(&b);
    p->ack_pending = 0;
    p->ack_due_ms = 0;
    p->ack_gap = false;
    if (cut) {
        atomic_store(&p->credits_dirty, true);
        p->ack_due_ms = lat_now_ms() + ACK_DELAY_MS;
    }
}

size_t lat_link_collect(wactor_lattice *l, lat_peer *p, uint64_t now, bool heartbeat,
                        lat_buf *batch)
{
    if (heartbeat || (p->ack_due_ms && p->ack_due_ms <= now))
        put_ack(l, p, heartbeat, batch);
    /* The oldest frame has waited too long: resend what has waited as
     * long (a burst at most), and wait twice as long next time while
     * nothing is acknowledged. */
    uint32_t rto = lat_rto(l, p);
    if (p->head && p->head->sent_ms && p->head->sent_ms + rto <= now) {
        resend_from_head(l, p, now - rto + 1);
        if (rto < RTO_MAX_FACTOR * lat_rto_base(l))
            p->rto_ms = 2 * rto;
    }
    if (!p->unsent)
        return 0;
    size_t frames = 0;
    for (lat_out *o = p->unsent_from ? p->unsent_from : p->head; o; o = o->next) {
        if (o->sent_ms)
            continue;
        batch_frame(batch, o->data, o->len);
        o->sent_ms = now;
        p->bytes_sent += o->len;
        frames++;
    }
    p->unsent = false;
    p->unsent_from = NULL;
    return frames;
}

void lat_peer_lose(wactor_lattice *l, lat_peer *p, const char *why, lat_after *a)
{
    lat_link_drop(l, p, a);
    /* Its link toward us is dead: if the host is still there and goes on
     * with it (from seq 1 too), it gets RESET, never a second delivery. */
    if (p->in_epoch)
        lat_dead_add(l, p->instance, p->in_epoch);
    p->lost = true;
    for (struct msg_remote *r = p->remotes; r; r = r->next) {
        if (r->listed)
            lat_after_down(a, r, "host-lost");
        r->listed = false;
    }
    a->routes_changed = true;
    /* A host that said goodbye (a client after its call, a host stopped on
     * purpose) is news, not a fault. */
    lat_after_log(a, strcmp(why, "it left") == 0 ? WACTOR_LOG_INFO : WACTOR_LOG_WARN,
                  "lattice %s: host %s lost (%s)", l->name, p->name, why);
    pthread_cond_broadcast(&l->changed);
}

struct msg_remote *lat_remote_get(lat_peer *p, const char *name, size_t len)
{
    for (struct msg_remote *r = p->remotes; r; r = r->next)
        if (r->len == len && memcmp(r->name, name, len) == 0)
            return r;
    return NULL;
}

static struct msg_remote *remote_make(lat_peer *p, const char *name, size_t len)
{
    struct msg_remote *r = lat_remote_get(p, name, len);
    if (r)
        return r;
    r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->peer = p;
    r->len = (uint8_t)len;
    memcpy(r->name, name, len);
    r->next = p->remotes;
    p->remotes = r;
    return r;
}

static void remote_clear_subs(struct msg_remote *r)
{
    for (uint16_t i = 0; i < r->nsubs; i++)
        free(r->subs[i]);
    free(r->subs);
    r->subs = NULL;
    r->nsubs = 0;
}

void lat_state_apply(lat_peer *p, const lat_frame *f, lat_after *a)
{
    for (struct msg_remote *r = p->remotes; r; r = r->next) {
        r->was_listed = r->listed;
        r->listed = false;
        remote_clear_subs(r);
    }
    size_t off = 0;
    for (uint16_t i = 0; i < f->entries.n; i++) {
        lat_str name;
        uint32_t window;
        uint16_t nsubs;
        lat_state_entry(&f->entries, &off, &name, &window, &nsubs);
        struct msg_remote *r = remote_make(p, name.p, name.len);
        if (r) {
            r->listed = true;
            r->window = window;
            r->subs = nsubs ? calloc(nsubs, sizeof *r->subs) : NULL;
        }
        for (uint16_t k = 0; k < nsubs; k++) {
            lat_str pat;
            lat_state_pattern(&f->entries, &off, &pat);
            if (r && r->subs && (r->subs[r->nsubs] = strndup(pat.p, pat.len)) != NULL)
                r->nsubs++;
        }
    }
    p->has_state = true;
    for (struct msg_remote *r = p->remotes; r; r = r->next)
        if (r->was_listed && !r->listed)
            lat_after_down(a, r, "stopped");
}

static size_t slot_hash_of(const char *name, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 1099511628211ull;
    return (size_t)(h ^ h >> 32);
}

static void slot_hash_put(wactor_lattice *l, uint32_t *hash, size_t cap, uint32_t index)
{
    lat_slot *s = lat_slot_at(l, index);
    size_t k = slot_hash_of(s->name, s->len) & (cap - 1);
    while (hash[k])
        k = (k + 1) & (cap - 1);
    hash[k] = index + 1;
}

uint32_t lat_slot_get(wactor_lattice *l, lat_peer *p, const char *name, size_t len, bool create)
{
    if (p->hash_cap)
        for (size_t k = slot_hash_of(name, len) & (p->hash_cap - 1); p->slot_hash[k];
             k = (k + 1) & (p->hash_cap - 1)) {
            lat_slot *s = lat_slot_at(l, p->slot_hash[k] - 1);
            if (s->len == len && memcmp(s->name, name, len) == 0)
                return l->generation << LAT_ORIGIN_BITS | (p->slot_hash[k] - 1);
        }
    if (!create || p->nslots >= LAT_PEER_SLOTS)
        return 0; /* no credit tag: the message's credit never comes back */
    size_t chunk = l->nslots / LAT_SLOT_CHUNK;
    if (chunk >= LAT_SLOT_CHUNKS)
        return 0;
    if (!l->slot_chunks[chunk] &&
        !(l->slot_chunks[chunk] = calloc(LAT_SLOT_CHUNK, sizeof *l->slot_chunks[chunk])))
        return 0;
    if (p->nslots == p->capslots) {
        size_t cap = p->capslots ? 2 * p->capslots : 8;
        uint32_t *v = realloc(p->slots, cap * sizeof *v);
        if (!v)
            return 0;
        p->slots = v;
        p->capslots = cap;
    }
    if (2 * (p->nslots + 1) > p->hash_cap) {
        size_t cap = p->hash_cap ? 2 * p->hash_cap : 16;
        uint32_t *h = calloc(cap, sizeof *h);
        if (!h)
            return 0;
        for (size_t i = 0; i < p->nslots; i++)
            slot_hash_put(l, h, cap, p->slots[i]);
        free(p->slot_hash);
        p->slot_hash = h;
        p->hash_cap = cap;
    }
    lat_slot *s = calloc(1, sizeof *s);
    if (!s)
        return 0;
    s->peer = p;
    s->len = (uint8_t)len;
    memcpy(s->name, name, len);
    atomic_init(&s->consumed, 0);
    l->slot_chunks[chunk][l->nslots % LAT_SLOT_CHUNK] = s;
    p->slots[p->nslots++] = (uint32_t)l->nslots;
    slot_hash_put(l, p->slot_hash, p->hash_cap, (uint32_t)l->nslots);
    uint32_t origin = l->generation << LAT_ORIGIN_BITS | (uint32_t)l->nslots;
    atomic_store_explicit(&l->slots_published, ++l->nslots, memory_order_release);
    return origin;
}

bool lat_pending_add(lat_peer *p, int64_t corr)
{
    if (p->npending == p->cappending) {
        size_t cap = p->cappending ? 2 * p->cappending : 16;
        int64_t *v = realloc(p->pending, cap * sizeof *v);
        if (!v)
            return false;
        p->pending = v;
        p->cappending = cap;
    }
    p->pending[p->npending++] = corr;
    return true;
}

bool lat_pending_remove(lat_peer *p, int64_t corr)
{
    /* From the end: answers mostly come in the order of the requests, and
     * a ping-pong has one pending request. */
    for (size_t i = p->npending; i-- > 0;)
        if (p->pending[i] == corr) {
            p->pending[i] = p->pending[--p->npending];
            return true;
        }
    return false;
}

void lat_peer_free(lat_peer *p)
{
    out_free_all(p);
    for (struct msg_remote *r = p->remotes, *next; r; r = next) {
        next = r->next;
        remote_clear_subs(r);
        free(r);
    }
    free(p->slots);
    free(p->slot_hash);
    free(p->pending);
    free(p);
}

void lat_dead_add(wactor_lattice *l, uint64_t instance, uint32_t epoch)
{
    if (lat_dead_is(l, instance, epoch))
        return;
    l->dead[l->ndead++ % LAT_DEAD_MAX] = (struct lat_dead){instance, epoch};
}

bool lat_dead_is(const wactor_lattice *l, uint64_t instance, uint32_t epoch)
{
    unsigned n = l->ndead < LAT_DEAD_MAX ? l->ndead : LAT_DEAD_MAX;
    for (unsigned i = 0; i < n; i++)
        if (l->dead[i].instance == instance && l->dead[i].epoch == epoch)
            return true;
    return false;
}

void lat_gone_add(wactor_lattice *l, uint64_t instance)
{
    if (!lat_gone_is(l, instance))
        l->gone[l->ngone++ % LAT_DEAD_MAX] = instance;
}

bool lat_gone_is(const wactor_lattice *l, uint64_t instance)
{
    unsigned n = l->ngone < LAT_DEAD_MAX ? l->ngone : LAT_DEAD_MAX;
    for (unsigned i = 0; i < n; i++)
        if (l->gone[i] == instance)
            return true;
    return false;
}

void lat_reset_owed(wactor_lattice *l, uint64_t instance, uint32_t epoch, uint16_t flags)
{
    for (int i = 0; i < l->nloose; i++)
        if (l->loose[i].to == instance && l->loose[i].epoch == epoch) {
            l->loose[i].flags &= flags; /* "dead" wins over "unknown" */
            return;
        }
    if (l->nloose < (int)(sizeof l->loose / sizeof l->loose[0]))
        l->loose[l->nloose++] = (struct lat_loose){instance, epoch, flags};
    pthread_cond_signal(&l->wake);
}
