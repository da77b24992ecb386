/*
 * timers.c: a component's timers (ABI.md v2, "Timers"): send_after and
 * timer_cancel, on the runtime's one timer heap (rt_timers).
 *
 * The timer thread never sends. When a timer comes due it only posts a
 * control envelope carrying the timer's id to the component's own mailbox;
 * the send happens on the component's turn, and only if the timer is still
 * in the table then. timer_cancel runs on a turn too (it is a guest call),
 * so once it has taken the timer out of the table no later turn can send
 * for it, whatever the timer thread was doing at that moment: "no send
 * after timer_cancel returns" is exact, not a race.
 *
 * The table belongs to the component, not to one instance: a crash or a
 * stop empties it (host_drop_instance), an upgrade keeps it. Ids carry a
 * slot in the low 32 bits and a sequence number above, so an id is never
 * that of a later timer in the same slot, and lookups are an index.
 *
 * Locking: the table's lock orders the turn (adding, cancelling, firing)
 * against the timer thread (looking a due timer up, re-arming a periodic
 * one, marking it in flight). The turn alone frees records, so on its turn
 * a record found in the table stays valid after the lock is let go.
 *
 * A periodic timer has at most one envelope on its way: a tick that comes
 * due while the previous one has not been handled yet is skipped, so a
 * slow component never accumulates ticks in its mailbox.
 */
#include "host.h"
#include "name.h"

#include <stdlib.h>
#include <string.h>

typedef struct host_timer {
    rt_timer tm; /* armed on the runtime's heap; key = id */
    int64_t id;
    uint32_t period_ms; /* 0: once */
    bool in_flight;     /* its envelope is in the mailbox (timer thread and turn, locked) */
    bool to_self;       /* no capability: the send goes straight to the own mailbox */
    uint8_t target_len;
    char target[256];
    uint32_t payload_len;
    uint8_t payload[]; /* copied at send_after */
} host_timer;

struct host_timers {
    pthread_mutex_t lock;
    host_timer **slot; /* NULL: free */
    uint32_t cap, count;
    uint32_t *free_slots; /* a stack of free indices below cap */
    uint32_t nfree;
    uint32_t seq;  /* the sequence of the last id given, 1..2^31-1 */
    uint32_t mark; /* seq when an upgrade began (host_timers_mark) */
    /* Firings that could not send: target gone, mailbox full, refused. */
    atomic_uint_least64_t dropped;
};

/* The tag of a timer's control envelope (its corr is the id). */
static const int timer_tag;

static host_timer *find(struct host_timers *ts, int64_t id)
{
    if (id <= 0)
        return NULL;
    uint32_t i = (uint32_t)id;
    host_timer *t = i < ts->cap ? ts->slot[i] : NULL;
    return t && t->id == id ? t : NULL;
}

/* Takes t out of the table (lock held); the caller frees it. */
static void unlink_timer(struct host_timers *ts, host_timer *t)
{
    uint32_t i = (uint32_t)t->id;
    ts->slot[i] = NULL;
    ts->free_slots[ts->nfree++] = i;
    ts->count--;
}

/* On the timer thread: t's deadline has come. */
static void due(void *ctx, uint64_t key)
{
    host_component *c = ctx;
    struct host_timers *ts = c->timers;
    pthread_mutex_lock(&ts->lock);
    host_timer *t = find(ts, (int64_t)key);
    if (t) {
        /* Re-armed from now: a late tick moves the next ones, it does not
         * make them come in a burst. */
        if (t->period_ms)
            rt_timer_start(c->rt->timers, &t->tm, t->period_ms, due, c, key);
        if (!t->in_flight) {
            if (msg_post_control_key(&c->proc, (void *)&timer_tag, (int64_t)key) == WACTOR_OK)
                t->in_flight = true;
            else if (!t->period_ms) /* out of memory: a one-shot tries again soon */
                rt_timer_start(c->rt->timers, &t->tm, 1, due, c, key);
        }
    }
    pthread_mutex_unlock(&ts->lock);
}

static struct host_timers *timers_of(host_component *c)
{
    if (c->timers)
        return c->timers;
    struct host_timers *ts = calloc(1, sizeof *ts);
    if (!ts)
        return NULL;
    pthread_mutex_init(&ts->lock, NULL);
    c->timers = ts;
    return ts;
}

/* A free slot (lock held), growing the table; false when out of memory. */
static bool take_slot(struct host_timers *ts, uint32_t *out)
{
    if (!ts->nfree) {
        uint32_t cap = ts->cap ? ts->cap * 2 : 16;
        host_timer **slot = realloc(ts->slot, cap * sizeof *slot);
        if (!slot)
            return false;
        ts->slot = slot;
        uint32_t *fs = realloc(ts->free_slots, cap * sizeof *fs);
        if (!fs)
            return false;
        ts->free_slots = fs;
        for (uint32_t i = cap; i-- > ts->cap;) {
            slot[i] = NULL;
            fs[ts->nfree++] = i;
        }
        ts->cap = cap;
    }
    *out = ts->free_slots[--ts->nfree];
    return true;
}

int64_t host_send_after(host_component *c, const char *target, size_t tlen, const uint8_t *payload,
                        size_t plen, int32_t delay_ms, int32_t period_ms)
{
    /* In the ABI's order: EINVAL, EDENIED, ETOOBIG, EFULL. The target need
     * not exist yet: a timer is a send that happens later, and what is
     * there to receive it is decided then. */
    if (delay_ms < 0 || period_ms < 0 || !msg_name_valid(target, tlen))
        return WACTOR_EINVAL;
    bool to_self = tlen == c->proc.name_len && memcmp(target, c->proc.name, tlen) == 0;
    if (!to_self && !msg_caps_allow(&c->proc.caps.send, target, tlen))
        return WACTOR_EDENIED;
    if (plen > c->rt->opts.max_message)
        return WACTOR_ETOOBIG;
    struct host_timers *ts = timers_of(c);
    if (!ts)
        return WACTOR_ENOMEM;
    host_timer *t = malloc(sizeof *t + plen);
    if (!t)
        return WACTOR_ENOMEM;
    memset(t, 0, sizeof *t);
    t->period_ms = (uint32_t)period_ms;
    t->to_self = to_self;
    t->target_len = (uint8_t)tlen;
    memcpy(t->target, target, tlen);
    t->payload_len = (uint32_t)plen;
    if (plen)
        memcpy(t->payload, payload, plen);

    pthread_mutex_lock(&ts->lock);
    uint32_t i;
    int64_t rc = WACTOR_OK;
    if (ts->count >= c->ver.limits.timers)
        rc = WACTOR_EFULL;
    else if (!take_slot(ts, &i))
        rc = WACTOR_ENOMEM;
    if (rc == WACTOR_OK) {
        ts->seq = ts->seq >= 0x7fffffffu ? 1 : ts->seq + 1;
        t->id = (int64_t)((uint64_t)ts->seq << 32 | i);
        ts->slot[i] = t;
        ts->count++;
        if (!rt_timer_start(c->rt->timers, &t->tm, (uint32_t)delay_ms, due, c, (uint64_t)t->id)) {
            unlink_timer(ts, t);
            rc = WACTOR_ENOMEM;
        }
    }
    pthread_mutex_unlock(&ts->lock);
    if (rc != WACTOR_OK) {
        free(t);
        return rc;
    }
    return t->id;
}

int host_timer_cancel(host_component *c, int64_t id)
{
    struct host_timers *ts = c->timers;
    if (!ts)
        return WACTOR_ENOTFOUND;
    pthread_mutex_lock(&ts->lock);
    host_timer *t = find(ts, id);
    if (t) {
        rt_timer_stop(c->rt->timers, &t->tm); /* a firing under way finds nothing */
        unlink_timer(ts, t);
    }
    pthread_mutex_unlock(&ts->lock);
    free(t);
    return t ? WACTOR_OK : WACTOR_ENOTFOUND;
}

/* Why a firing could not send, for the log. */
static const char *drop_reason(int rc)
{
    switch (rc) {
    case WACTOR_ENOTFOUND:
        return "no such component";
    case WACTOR_EFULL:
        return "mailbox full, tick skipped";
    case WACTOR_EDENIED:
        return "send capability withdrawn";
    default:
        return "out of memory";
    }
}

/* On the component's turn: timer id's envelope came up. */
static void fire(host_component *c, int64_t id)
{
    struct host_timers *ts = c->timers;
    if (!ts)
        return;
    pthread_mutex_lock(&ts->lock);
    host_timer *t = find(ts, id);
    if (t && t->period_ms)
        t->in_flight = false; /* the next tick may be posted from now on */
    else if (t)
        unlink_timer(ts, t); /* a one-shot ends with its send: ours now */
    pthread_mutex_unlock(&ts->lock);
    if (!t)
        return; /* cancelled, or gone with a crash, after it was posted */
    int rc = t->to_self ? msg_send_self(&c->proc, t->payload, t->payload_len)
                        : msg_send(c->proc.router, &c->proc, t->target, t->target_len, t->payload,
                                   t->payload_len, NULL);
    if (rc != WACTOR_OK) {
        atomic_fetch_add_explicit(&ts->dropped, 1, memory_order_relaxed);
        if (rc == WACTOR_EDENIED) /* the grant changed with an upgrade */
            host_audit(c->rt, c->proc.name, "send", t->target, t->target_len, "denied",
                       "no send capability for this target (timer)");
        host_logf(c->rt, WACTOR_LOG_DEBUG, c->proc.name, "timer %lld to %.*s dropped: %s",
                  (long long)id, (int)t->target_len, t->target, drop_reason(rc));
    }
    if (!t->period_ms)
        free(t);
}

bool host_timer_control(host_component *c, const msg_envelope *e)
{
    if (e->control != &timer_tag)
        return false;
    fire(c, e->corr);
    return true;
}

void host_timers_mark(host_component *c)
{
    struct host_timers *ts = c->timers;
    if (ts) {
        pthread_mutex_lock(&ts->lock);
        ts->mark = ts->seq;
        pthread_mutex_unlock(&ts->lock);
    }
}

void host_timers_cancel(host_component *c, bool since_mark)
{
    struct host_timers *ts = c->timers;
    if (!ts)
        return;
    pthread_mutex_lock(&ts->lock);
    if (since_mark && ts->mark == ts->seq) { /* none given since */
        pthread_mutex_unlock(&ts->lock);
        return;
    }
    for (uint32_t i = 0; i < ts->cap && ts->count; i++) {
        host_timer *t = ts->slot[i];
        /* Since the mark: the ids given after it (the sequence may have
         * wrapped once in between, which then spares nothing it should
         * not). */
        uint32_t seq = t ? (uint32_t)((uint64_t)t->id >> 32) : 0;
        if (!t || (since_mark && !(ts->mark < ts->seq ? seq > ts->mark && seq <= ts->seq
                                                      : seq > ts->mark || seq <= ts->seq)))
            continue;
        rt_timer_stop(c->rt->timers, &t->tm);
        unlink_timer(ts, t);
        free(t);
    }
    pthread_mutex_unlock(&ts->lock);
}

uint32_t host_timers_count(host_component *c)
{
    struct host_timers *ts = c->timers;
    if (!ts)
        return 0;
    pthread_mutex_lock(&ts->lock);
    uint32_t n = ts->count;
    pthread_mutex_unlock(&ts->lock);
    return n;
}

void host_timers_free(host_component *c)
{
    struct host_timers *ts = c->timers;
    if (!ts)
        return;
    /* With the runtime: its timer thread is gone, nothing is armed. */
    for (uint32_t i = 0; i < ts->cap; i++)
        free(ts->slot[i]);
    pthread_mutex_destroy(&ts->lock);
    free(ts->slot);
    free(ts->free_slots);
    free(ts);
    c->timers = NULL;
}
