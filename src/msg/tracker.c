/*
 * tracker.c: pending requests in a sharded hash table (see tracker.h).
 * Ids come from one counter, so consecutive ids spread over the shards by
 * their low bits and over a shard's buckets by the bits above.
 */
#include "tracker.h"

#include <stdlib.h>

static msg_tracker_shard *shard_of(msg_tracker *t, int64_t id)
{
    return &t->shards[(uint64_t)id % MSG_TRACKER_SHARDS];
}

static uint32_t bucket_of(const msg_tracker_shard *s, int64_t id)
{
    return (uint32_t)(((uint64_t)id / MSG_TRACKER_SHARDS) & (s->nbuckets - 1));
}

void msg_tracker_init(msg_tracker *t)
{
    for (int i = 0; i < MSG_TRACKER_SHARDS; i++) {
        pthread_mutex_init(&t->shards[i].lock, NULL);
        t->shards[i].buckets = NULL;
        t->shards[i].nbuckets = t->shards[i].len = 0;
    }
}

void msg_tracker_fini(msg_tracker *t)
{
    for (int i = 0; i < MSG_TRACKER_SHARDS; i++) {
        pthread_mutex_destroy(&t->shards[i].lock);
        free(t->shards[i].buckets);
    }
}

/* Doubles the bucket array (called with the lock held). */
static bool grow(msg_tracker_shard *s)
{
    uint32_t n = s->nbuckets ? s->nbuckets * 2 : 64;
    msg_pending **b = calloc(n, sizeof *b);
    if (!b)
        return false;
    msg_pending **old = s->buckets;
    uint32_t oldn = s->nbuckets;
    s->buckets = b;
    s->nbuckets = n;
    for (uint32_t i = 0; i < oldn; i++) {
        for (msg_pending *p = old[i], *next; p; p = next) {
            next = p->next;
            uint32_t k = bucket_of(s, p->id);
            p->next = b[k];
            b[k] = p;
        }
    }
    free(old);
    return true;
}

bool msg_tracker_put(msg_tracker *t, msg_pending *p)
{
    msg_tracker_shard *s = shard_of(t, p->id);
    pthread_mutex_lock(&s->lock);
    if (s->len >= s->nbuckets && !grow(s)) {
        pthread_mutex_unlock(&s->lock);
        return false;
    }
    uint32_t k = bucket_of(s, p->id);
    p->next = s->buckets[k];
    s->buckets[k] = p;
    s->len++;
    pthread_mutex_unlock(&s->lock);
    return true;
}

/* Which record take may remove: any, one of (requester, incarnation), one
 * that went to another host, or one served outside the router. */
enum take_if { TAKE_ANY, TAKE_OWNED, TAKE_REMOTE, TAKE_EXTERNAL };

static msg_pending *take(msg_tracker *t, int64_t id, enum take_if cond, const msg_proc *requester,
                         uint32_t incarnation)
{
    msg_tracker_shard *s = shard_of(t, id);
    pthread_mutex_lock(&s->lock);
    msg_pending *p = NULL;
    if (s->nbuckets) {
        for (msg_pending **link = &s->buckets[bucket_of(s, id)]; *link; link = &(*link)->next) {
            if ((*link)->id == id) {
                if (cond == TAKE_OWNED && ((*link)->requester != requester ||
                                           (requester && (*link)->incarnation != incarnation)))
                    break;
                if ((cond == TAKE_REMOTE && !(*link)->remote) ||
                    (cond == TAKE_EXTERNAL && !(*link)->external))
                    break;
                p = *link;
                *link = p->next;
                s->len--;
                break;
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
    return p;
}

msg_pending *msg_tracker_take(msg_tracker *t, int64_t id)
{
    return take(t, id, TAKE_ANY, NULL, 0);
}

msg_pending *msg_tracker_take_remote(msg_tracker *t, int64_t id)
{
    return take(t, id, TAKE_REMOTE, NULL, 0);
}

msg_pending *msg_tracker_take_external(msg_tracker *t, int64_t id)
{
    return take(t, id, TAKE_EXTERNAL, NULL, 0);
}

msg_pending *msg_tracker_take_owned(msg_tracker *t, int64_t id, const msg_proc *requester,
                                    uint32_t incarnation)
{
    return take(t, id, TAKE_OWNED, requester, incarnation);
}

static msg_pending *take_first(msg_tracker *t, bool from_remote)
{
    for (int i = 0; i < MSG_TRACKER_SHARDS; i++) {
        msg_tracker_shard *s = &t->shards[i];
        pthread_mutex_lock(&s->lock);
        for (uint32_t k = 0; s->len && k < s->nbuckets; k++) {
            for (msg_pending **link = &s->buckets[k]; *link; link = &(*link)->next) {
                msg_pending *p = *link;
                if (from_remote && !p->from_remote)
                    continue;
                *link = p->next;
                s->len--;
                pthread_mutex_unlock(&s->lock);
                return p;
            }
        }
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

msg_pending *msg_tracker_take_any(msg_tracker *t)
{
    return take_first(t, false);
}

msg_pending *msg_tracker_take_any_from_remote(msg_tracker *t)
{
    return take_first(t, true);
}
