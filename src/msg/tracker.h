/*
 * tracker.h: the pending requests, keyed by correlation id (tracker.c).
 *
 * The table is split into shards, each a chained hash table behind its own
 * mutex, so requests settling on different threads rarely share a lock.
 * Removal is the moment a request is settled: msg_tracker_take hands the
 * record to exactly one caller.
 */
#ifndef WACTOR_MSG_TRACKER_H
#define WACTOR_MSG_TRACKER_H

#include "msg.h"

typedef struct msg_pending {
    int64_t id;
    msg_proc *requester; /* NULL = the host */
    uint32_t incarnation;
    uint32_t timeout_ms;
    const char *target; /* the registered name asked (the callbacks' sender) */
    uint8_t target_len;
    msg_host_callback cb; /* host requests */
    void *cb_arg;
    msg_remote *remote; /* the lattice carried it to another host: told when it ends */
    bool from_remote;   /* it came from another host (msg_remote_request) */
    bool external;      /* served outside the router (msg_request_external) */
    rt_timer timer;
    struct msg_pending *next; /* hash chain */
} msg_pending;

#define MSG_TRACKER_SHARDS 16

typedef struct msg_tracker_shard {
    pthread_mutex_t lock;
    msg_pending **buckets;
    uint32_t nbuckets, len;
} msg_tracker_shard;

typedef struct msg_tracker {
    msg_tracker_shard shards[MSG_TRACKER_SHARDS];
} msg_tracker;

void msg_tracker_init(msg_tracker *t);
void msg_tracker_fini(msg_tracker *t);                /* the table must be empty */
bool msg_tracker_put(msg_tracker *t, msg_pending *p); /* false when out of memory */
/* Removes and returns the record of id, or NULL. */
msg_pending *msg_tracker_take(msg_tracker *t, int64_t id);
/* The same, only if the record is a request of (requester, incarnation). */
msg_pending *msg_tracker_take_owned(msg_tracker *t, int64_t id, const msg_proc *requester,
                                    uint32_t incarnation);
/* The same, only if the record is of a request that went to another host. */
msg_pending *msg_tracker_take_remote(msg_tracker *t, int64_t id);
/* The same, only if the record is of a request served outside the router. */
msg_pending *msg_tracker_take_external(msg_tracker *t, int64_t id);
/* Removes and returns any one record, or NULL when empty (shutdown); with
 * from_remote, any one that came from another host. */
msg_pending *msg_tracker_take_any(msg_tracker *t);
msg_pending *msg_tracker_take_any_from_remote(msg_tracker *t);

#endif
