/*
 * router.c: the registry of names, the message path (send, request,
 * respond, cancel, publish) and the settling of requests. See msg.h for the
 * design; the path of one message is msg_send -> check_target (the name
 * becomes a msg_dest) -> dest_post -> rt_post -> (a worker's turn) ->
 * proc_receive -> the owner's deliver.
 *
 * Destinations. The registry maps a name to a msg_dest, a tagged kind;
 * dest_post is the only code that looks at the kind. A sender remembers
 * where its recent targets led (msg_route), stamped with the registry's
 * generation, which every unregistration bumps: a remembered route is used
 * only while no name has gone since, so a name that now leads elsewhere is
 * looked up again, whatever the kind of destination.
 *
 * Locks: the registry and the subscriptions are read-mostly (rwlocks);
 * pending requests live in the sharded tracker. Publications are posted
 * under the subscriptions' read lock; no lock is held while a host
 * callback runs.
 */
#include "envpool.h"
#include "msg.h"
#include "name.h"
#include "tracker.h"

#include <stdlib.h>
#include <string.h>

typedef struct msg_sub {
    char *pattern;
    size_t len;
    msg_proc *proc;
    uint32_t gen; /* the proc's sub_gen when made or last repeated */
    bool fresh;   /* made during an upgrade's renewal */
} msg_sub;

/* A registered name and where it leads. The name's bytes belong to the
 * destination (a process's name), which lives as long as the router. */
typedef struct reg_entry {
    const char *name; /* NULL: a free slot; TOMBSTONE: a removed one */
    uint8_t len;
    msg_dest dest;
} reg_entry;

struct msg_router {
    rt_sched *sched;
    rt_timers *timers;
    msg_router_options opts;
    atomic_int_least64_t next_id; /* correlation ids: never reused */
    msg_tracker tracker;
    /* The registry's generation, bumped by every unregistration and read
     * by every message with a remembered route: alone on its cache line,
     * away from next_id and the tracker, which requests write. */
    char pad_before[64];
    atomic_uint_least64_t names_gen;
    char pad_after[64];
    /* Registry: open addressing over name hashes. */
    pthread_rwlock_t names_lock;
    reg_entry *names;
    uint32_t names_cap, names_len, names_tomb;
    /* Subscriptions, in subscription order. */
    pthread_rwlock_t subs_lock;
    msg_sub *subs;
    size_t nsubs, subs_cap;
    msg_envpool *pool; /* small envelopes */
    /* The lattice (msg_router_attach): NULL when the runtime is alone. */
    _Atomic(const msg_lattice_ops *) lattice;
    _Atomic(void *) lattice_arg; /* atomic: a lattice may leave and another join */
};

/* Marks a removed registry slot; only its address is used. */
static const char tombstone_mark;
#define TOMBSTONE (&tombstone_mark)

static void request_timed_out(void *ctx, uint64_t key);

/* The lattice's hooks, or NULL. Acquire: the hooks' argument, set before
 * them, is seen with them. */
static inline const msg_lattice_ops *lattice_of(msg_router *r)
{
    return atomic_load_explicit(&r->lattice, memory_order_acquire);
}
/* The hooks' argument (after lattice_of). */
static inline void *lattice_arg_of(msg_router *r)
{
    return atomic_load_explicit(&r->lattice_arg, memory_order_acquire);
}
static void settle(msg_router *r, msg_pending *pd, int status, const void *payload, size_t len,
                   const msg_headers *h);

/* ---- envelopes ---------------------------------------------------------- */

static msg_envelope *envelope_new(msg_router *r, msg_kind kind, const char *sender, size_t slen,
                                  const char *topic, size_t tlen, const void *payload, size_t plen,
                                  const msg_headers *h)
{
    uint16_t owner;
    size_t hlen = h ? h->len : 0;
    msg_envelope *e = msg_envpool_alloc(r->pool, sizeof *e + slen + tlen + plen + hlen, &owner);
    if (!e)
        return NULL;
    e->pool_owner = owner;
    e->kind = (uint8_t)kind;
    e->counted = 0;
    e->sender_len = (uint8_t)slen;
    e->topic_len = (uint8_t)tlen;
    e->status = 0;
    e->payload_len = (uint32_t)plen;
    e->incarnation = 0;
    e->corr = 0;
    e->control = NULL;
    e->origin = 0;
    e->hdr_len = (uint32_t)hlen;
    memcpy(e->data, sender, slen);
    if (tlen)
        memcpy(e->data + slen, topic, tlen);
    if (plen)
        memcpy(e->data + slen + tlen, payload, plen);
    if (hlen)
        memcpy(e->data + slen + tlen + plen, h->p, hlen);
    return e;
}

void msg_envelope_free(msg_router *r, msg_envelope *e)
{
    if (e)
        msg_envpool_release(r->pool, e, e->pool_owner);
}

static const char *sender_name(const msg_proc *from, const msg_meta *meta, size_t *len)
{
    if (!from && meta && meta->sender) {
        *len = meta->sender_len;
        return meta->sender;
    }
    if (!from) {
        *len = sizeof MSG_HOST_NAME - 1;
        return MSG_HOST_NAME;
    }
    *len = from->name_len;
    return from->name;
}

/* Takes a slot in p's mailbox bound; false when it is full. */
static bool reserve_slot(msg_proc *p)
{
    if (atomic_fetch_add_explicit(&p->queued, 1, memory_order_relaxed) >=
        atomic_load_explicit(&p->mailbox_bound, memory_order_relaxed)) {
        atomic_fetch_sub_explicit(&p->queued, 1, memory_order_relaxed);
        return false;
    }
    return true;
}

static void release_slot(msg_proc *p)
{
    atomic_fetch_sub_explicit(&p->queued, 1, memory_order_relaxed);
}

/* Makes a request's record known (tracker, timeout timer, busy count),
 * right before its envelope leaves; false when out of memory. */
static bool arm_request(msg_router *r, msg_pending *pd)
{
    if (!msg_tracker_put(&r->tracker, pd))
        return false;
    rt_busy_add(r->sched, 1); /* a pending request keeps the runtime busy */
    rt_timer_start(r->timers, &pd->timer, pd->timeout_ms, request_timed_out, r, (uint64_t)pd->id);
    return true;
}

/* Delivers e to d: the one place where the kind of destination matters.
 * Sends, requests and publications count against the destination's bound
 * (EFULL); callbacks always get in. A request's record pd is armed once
 * the destination has room and before the envelope leaves: an answer
 * always finds its record, and a refused request never existed. On error
 * e and pd stay the caller's. */
static inline int dest_post(msg_router *r, const msg_dest *d, msg_envelope *e, msg_pending *pd)
{
    switch (d->kind) {
    case MSG_DEST_LOCAL: {
        msg_proc *p = d->u.proc;
        bool bounded = e->kind != MSG_CALLBACK;
        if (bounded && !reserve_slot(p))
            return WACTOR_EFULL;
        if (pd && !arm_request(r, pd)) {
            release_slot(p);
            return WACTOR_ENOMEM;
        }
        e->counted = bounded;
        rt_post(&p->actor, &e->node);
        return WACTOR_OK;
    }
    case MSG_DEST_REMOTE: {
        /* A name on another host: the lattice takes a credit (its EFULL is
         * the remote mailbox's), the record is armed before the frame
         * leaves, and the lattice copies the envelope, which is freed here. */
        const msg_lattice_ops *lat = lattice_of(r);
        if (!lat)
            return WACTOR_ENOTFOUND;
        int rc = lat->reserve(lattice_arg_of(r), d->u.remote, e->payload_len + e->hdr_len);
        if (rc != WACTOR_OK)
            return rc;
        if (pd) {
            pd->remote = d->u.remote;
            if (!arm_request(r, pd)) {
                lat->unreserve(lattice_arg_of(r), d->u.remote);
                return WACTOR_ENOMEM;
            }
        }
        lat->post(lattice_arg_of(r), d->u.remote, e, pd ? pd->timeout_ms : 0);
        msg_envelope_free(r, e);
        return WACTOR_OK;
    }
    case MSG_DEST_NONE:
        break;
    }
    return WACTOR_ENOTFOUND;
}

/* ---- processes ---------------------------------------------------------- */

/* Every envelope reaches its process here, on the process's turn. The
 * router's part of each kind of message happens around the owner's deliver:
 * remembering and settling requests, dropping stale callbacks. */
static void proc_receive(rt_actor *a, rt_node *n)
{
    msg_proc *p = (msg_proc *)a;
    msg_envelope *e = (msg_envelope *)n;
    if (e->counted)
        atomic_fetch_sub_explicit(&p->queued, 1, memory_order_relaxed);
    bool stopped = atomic_load_explicit(&p->stopped, memory_order_relaxed);

    switch ((msg_kind)e->kind) {
    case MSG_REQUEST: {
        int64_t corr = e->corr;
        if (stopped || !msg_idset_add(&p->received, corr)) {
            msg_pending *pd = msg_tracker_take(&p->router->tracker, corr);
            if (pd)
                settle(p->router, pd, WACTOR_STATUS_FAILED, "stopped", 7, NULL);
            break;
        }
        msg_outcome out = p->deliver(p, e);
        /* After a crash the request is settled already: the owner's
         * msg_proc_crashed failed it with the crash's reason. Still open
         * after MSG_CRASHED, it found nothing to run it: as if stopped. */
        if (out != MSG_HANDLED && msg_idset_remove(&p->received, corr)) {
            msg_pending *pd = msg_tracker_take(&p->router->tracker, corr);
            if (pd && out == MSG_HANDLER_FAILED)
                settle(p->router, pd, WACTOR_STATUS_ERROR, NULL, 0, NULL);
            else if (pd)
                settle(p->router, pd, WACTOR_STATUS_FAILED, "stopped", 7, NULL);
        }
        break;
    }
    case MSG_CALLBACK:
        /* A callback for an earlier incarnation (before a crash) is dropped. */
        if (!stopped && e->incarnation == p->incarnation) {
            msg_idset_remove(&p->sent, e->corr);
            MSG_COUNT_OWN(p->n_callbacks[e->status & 3]);
            p->deliver(p, e);
        }
        break;
    case MSG_SEND:
    case MSG_PUBLISH:
    case MSG_CONTROL:
        if (!stopped || e->kind == MSG_CONTROL)
            p->deliver(p, e);
        break;
    }
    if (e->origin) { /* from another host: its credit goes back */
        const msg_lattice_ops *lat = lattice_of(p->router);
        if (lat)
            lat->consumed(lattice_arg_of(p->router), e->origin);
    }
    msg_envelope_free(p->router, e);
}

void msg_proc_init(msg_proc *p, msg_router *r, const char *name, size_t len, msg_deliver_fn deliver,
                   uint32_t mailbox_bound, uint32_t pending_bound, msg_caps caps)
{
    rt_actor_init(&p->actor, r->sched, proc_receive);
    p->router = r;
    p->deliver = deliver;
    memcpy(p->name, name, len);
    p->name[len] = 0;
    p->name_len = (uint8_t)len;
    atomic_init(&p->stopped, false);
    p->incarnation = 0;
    atomic_init(&p->mailbox_bound, mailbox_bound);
    atomic_init(&p->pending_bound, pending_bound);
    atomic_init(&p->queued, 0);
    atomic_init(&p->pending, 0);
    p->caps = caps;
    memset(&p->received, 0, sizeof p->received);
    memset(&p->sent, 0, sizeof p->sent);
    p->nsubs = 0;
}

void msg_proc_fini(msg_proc *p)
{
    rt_node *n;
    while ((n = rt_mailbox_pop(&p->actor.mbox)) != NULL)
        msg_envelope_free(p->router, (msg_envelope *)n);
    msg_idset_free(&p->received);
    msg_idset_free(&p->sent);
    msg_caps_free(&p->caps);
    msg_edges_free(p);
}

/* Settles every request p received and has not answered. */
static void fail_received(msg_proc *p, const char *reason)
{
    msg_idset *s = &p->received;
    for (uint32_t i = 0; i < s->cap; i++) {
        if (s->slots[i] > 0) {
            msg_pending *pd = msg_tracker_take(&p->router->tracker, s->slots[i]);
            if (pd)
                settle(p->router, pd, WACTOR_STATUS_FAILED, reason, strlen(reason), NULL);
        }
    }
    msg_idset_free(s);
}

static void unsubscribe_all(msg_router *r, msg_proc *p);

/* Withdraws every request p sent that is still pending, as a cancel would:
 * the instance that would have received the callbacks is gone. Callbacks
 * already on their way carry the old incarnation and are dropped. */
static void withdraw_sent(msg_proc *p)
{
    msg_idset *s = &p->sent;
    for (uint32_t i = 0; i < s->cap; i++)
        if (s->slots[i] > 0)
            msg_cancel(p->router, p, s->slots[i]);
    msg_idset_free(s);
}

void msg_proc_crashed(msg_proc *p, const char *reason)
{
    /* The next instance starts from nothing: it subscribes again if it
     * wants publications. */
    unsubscribe_all(p->router, p);
    withdraw_sent(p);
    p->incarnation++;
    fail_received(p, reason);
}

void msg_proc_close(msg_proc *p)
{
    msg_unregister(p->router, p);
}

void msg_proc_stopped(msg_proc *p, const char *reason)
{
    msg_proc_close(p);
    atomic_store(&p->stopped, true);
    unsubscribe_all(p->router, p);
    withdraw_sent(p);
    p->incarnation++;
    fail_received(p, reason);
}

/* The layout msg.h promises: a sender's writes (queued, pending, n_dropped)
 * never share a cache line with the own turn's counters. */
_Static_assert(offsetof(msg_proc, n_received) >= offsetof(msg_proc, n_dropped) + MSG_CACHE_LINE,
               "shared and single-writer counters on one cache line");

static void tell_changed(msg_router *r);

void msg_proc_reconfigure(msg_proc *p, msg_caps caps, uint32_t mailbox_bound,
                          uint32_t pending_bound)
{
    msg_caps_free(&p->caps);
    p->caps = caps;
    for (unsigned i = 0; i < MSG_ROUTES; i++)
        p->routes[i].allow[0] = p->routes[i].allow[1] = -1;
    uint32_t was = atomic_exchange_explicit(&p->mailbox_bound, mailbox_bound, memory_order_relaxed);
    atomic_store_explicit(&p->pending_bound, pending_bound, memory_order_relaxed);
    /* Other hosts of a lattice hold the bound as this name's window. */
    if (was != mailbox_bound)
        tell_changed(p->router);
}

int msg_post_control(msg_proc *p, void *ctl)
{
    return msg_post_control_key(p, ctl, 0);
}

int msg_post_control_key(msg_proc *p, void *ctl, int64_t key)
{
    msg_envelope *e = envelope_new(p->router, MSG_CONTROL, "", 0, NULL, 0, NULL, 0, NULL);
    if (!e)
        return WACTOR_ENOMEM;
    e->control = ctl;
    e->corr = key;
    rt_post(&p->actor, &e->node);
    return WACTOR_OK;
}

int msg_send_self(msg_proc *p, const void *payload, size_t plen)
{
    msg_router *r = p->router;
    if (plen > r->opts.max_message)
        return WACTOR_ETOOBIG;
    if (atomic_load_explicit(&p->stopped, memory_order_relaxed))
        return WACTOR_ENOTFOUND;
    msg_envelope *e = envelope_new(r, MSG_SEND, p->name, p->name_len, NULL, 0, payload, plen, NULL);
    if (!e)
        return WACTOR_ENOMEM;
    msg_dest d = msg_dest_local(p);
    int rc = dest_post(r, &d, e, NULL);
    if (rc != WACTOR_OK)
        msg_envelope_free(r, e);
    else
        MSG_COUNT_OWN(p->n_sent);
    return rc;
}

/* ---- registry ----------------------------------------------------------- */

static uint32_t hash_name(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* The slot holding name, or -1 (names_lock held). */
static int64_t find_slot(msg_router *r, const char *s, size_t len)
{
    if (!r->names_cap)
        return -1;
    for (uint32_t k = hash_name(s, len) & (r->names_cap - 1);; k = (k + 1) & (r->names_cap - 1)) {
        const reg_entry *e = &r->names[k];
        if (!e->name)
            return -1;
        if (e->name != TOMBSTONE && e->len == len && memcmp(e->name, s, len) == 0)
            return k;
    }
}

static bool names_rehash(msg_router *r, uint32_t cap)
{
    reg_entry *t = calloc(cap, sizeof *t);
    if (!t)
        return false;
    for (uint32_t i = 0; i < r->names_cap; i++) {
        const reg_entry *e = &r->names[i];
        if (e->name && e->name != TOMBSTONE) {
            uint32_t k = hash_name(e->name, e->len) & (cap - 1);
            while (t[k].name)
                k = (k + 1) & (cap - 1);
            t[k] = *e;
        }
    }
    free(r->names);
    r->names = t;
    r->names_cap = cap;
    r->names_tomb = 0;
    return true;
}

/* Gives name to dest: a local process (msg_register), or, later, another
 * kind of destination. */
static int registry_add(msg_router *r, const char *name, uint8_t len, msg_dest dest)
{
    int rc = WACTOR_OK;
    pthread_rwlock_wrlock(&r->names_lock);
    if (find_slot(r, name, len) >= 0) {
        rc = WACTOR_EEXIST;
    } else if ((r->names_len + r->names_tomb + 1) * 2 > r->names_cap &&
               !names_rehash(r, r->names_cap ? r->names_cap * 2 : 64)) {
        rc = WACTOR_ENOMEM;
    } else {
        uint32_t k = hash_name(name, len) & (r->names_cap - 1);
        while (r->names[k].name && r->names[k].name != TOMBSTONE)
            k = (k + 1) & (r->names_cap - 1);
        if (r->names[k].name == TOMBSTONE)
            r->names_tomb--;
        r->names[k] = (reg_entry){name, len, dest};
        r->names_len++;
        /* In a lattice, a remembered route to a replica on another host
         * gives way to this one: this host's own is always preferred. */
        if (lattice_of(r))
            atomic_fetch_add_explicit(&r->names_gen, 1, memory_order_release);
    }
    pthread_rwlock_unlock(&r->names_lock);
    return rc;
}

/* Tells the lattice that this runtime's names or subscriptions changed
 * (no router lock held). */
static void tell_changed(msg_router *r)
{
    const msg_lattice_ops *lat = lattice_of(r);
    if (lat)
        lat->changed(lattice_arg_of(r));
}

int msg_register(msg_router *r, msg_proc *p)
{
    int rc = registry_add(r, p->name, p->name_len, msg_dest_local(p));
    if (rc == WACTOR_OK)
        tell_changed(r);
    return rc;
}

void msg_unregister(msg_router *r, msg_proc *p)
{
    pthread_rwlock_wrlock(&r->names_lock);
    int64_t k = find_slot(r, p->name, p->name_len);
    bool gone = k >= 0 && msg_dest_proc(r->names[k].dest) == p;
    if (gone) {
        r->names[k].name = TOMBSTONE;
        r->names_len--;
        r->names_tomb++;
        /* Relaxed: a sender that reads the old value posts as if it had
         * come just before; one that comes after this call (ordered by
         * whatever told it so) reads the new one, by coherence. */
        atomic_fetch_add_explicit(&r->names_gen, 1, memory_order_release);
    }
    pthread_rwlock_unlock(&r->names_lock);
    if (gone)
        tell_changed(r);
}

/* Where name leads among this runtime's processes, into a route stamped
 * with the generation it was valid in (read under the lock: no
 * unregistration can come in between); false, and the route left as it
 * was, if no process here has the name. The route's capability decisions
 * are the caller's business. */
static bool lookup_local(msg_router *r, const char *name, size_t len, msg_route *out)
{
    pthread_rwlock_rdlock(&r->names_lock);
    int64_t k = find_slot(r, name, len);
    if (k >= 0) {
        const reg_entry *e = &r->names[k];
        out->to = e->dest;
        out->name = e->name;
        out->name_len = e->len;
        out->gen = atomic_load_explicit(&r->names_gen, memory_order_relaxed);
    }
    pthread_rwlock_unlock(&r->names_lock);
    return k >= 0;
}

/* Where name leads for sender: this runtime's process, else a replica on
 * another host of the lattice. The generation is read before the lattice
 * is asked, so a change of the lattice after it (msg_routes_changed bumps
 * it) makes the route stale. */
static bool lookup_route(msg_router *r, const msg_proc *from, const char *name, size_t len,
                         msg_route *out)
{
    if (lookup_local(r, name, len, out))
        return true;
    const msg_lattice_ops *lat = lattice_of(r);
    if (!lat)
        return false;
    uint64_t gen = atomic_load_explicit(&r->names_gen, memory_order_acquire);
    size_t slen;
    const char *sender = sender_name(from, NULL, &slen);
    const char *kept;
    msg_remote *remote = lat->resolve(lattice_arg_of(r), sender, slen, name, len, &kept);
    if (!remote)
        return false;
    out->to = (msg_dest){.kind = MSG_DEST_REMOTE, .u.remote = remote};
    out->name = kept;
    out->name_len = (uint8_t)len;
    out->gen = gen;
    return true;
}

msg_remote *msg_lookup_remote(msg_router *r, const msg_proc *from, const char *name, size_t len,
                              const char **name_out)
{
    msg_route route;
    if (lookup_local(r, name, len, &route) || !lookup_route(r, from, name, len, &route) ||
        route.to.kind != MSG_DEST_REMOTE)
        return NULL;
    *name_out = route.name;
    return route.to.u.remote;
}

const char *msg_remote_gone(msg_router *r, msg_remote *to)
{
    const msg_lattice_ops *lat = lattice_of(r);
    return lat && lat->gone ? lat->gone(lattice_arg_of(r), to) : "host-lost";
}

msg_dest msg_lookup(msg_router *r, const char *name, size_t len)
{
    msg_route route;
    return lookup_local(r, name, len, &route) ? route.to : (msg_dest){.kind = MSG_DEST_NONE};
}

/* ---- router ------------------------------------------------------------- */

msg_router *msg_router_new(rt_sched *s, const msg_router_options *opts)
{
    msg_router *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->sched = s;
    r->opts = *opts;
    atomic_init(&r->next_id, 1);
    msg_tracker_init(&r->tracker);
    pthread_rwlock_init(&r->names_lock, NULL);
    pthread_rwlock_init(&r->subs_lock, NULL);
    r->timers = opts->timers;
    r->pool = msg_envpool_new(s);
    if (!r->pool) {
        msg_router_free(r);
        return NULL;
    }
    return r;
}

void msg_router_shutdown(msg_router *r)
{
    r->timers = NULL; /* the owner has stopped them */
    msg_pending *pd;
    while ((pd = msg_tracker_take_any(&r->tracker)) != NULL)
        settle(r, pd, WACTOR_STATUS_FAILED, "runtime stopped", 15, NULL);
}

void msg_router_free(msg_router *r)
{
    if (!r)
        return;
    msg_tracker_fini(&r->tracker);
    pthread_rwlock_destroy(&r->names_lock);
    pthread_rwlock_destroy(&r->subs_lock);
    for (size_t i = 0; i < r->nsubs; i++)
        free(r->subs[i].pattern);
    free(r->subs);
    free(r->names);
    msg_envpool_free(r->pool); /* after every envelope: the components are freed first */
    free(r);
}

/* ---- the message path --------------------------------------------------- */

/* The checks every message to a named target goes through, in the ABI's
 * order of codes, ending in the route to the target. A sender remembers
 * its recent targets (msg_route): a name it used before is known valid and
 * its capability decisions hold (they depend on the name alone), and where
 * it leads holds too as long as no name has been unregistered since (the
 * registry's generation): then the message needs neither the registry's
 * lock nor a pattern scan. After an unregistration, the name is looked up
 * again, since it may have gone, or come back leading elsewhere. */
enum { ROUTE_SEND, ROUTE_REQUEST };

static int check_target(msg_router *r, msg_proc *from, int kind, const char *target, size_t tlen,
                        size_t plen, msg_route *scratch, const msg_route **to)
{
    const msg_patterns *caps = !from                ? NULL
                               : kind == ROUTE_SEND ? &from->caps.send
                                                    : &from->caps.request;
    msg_route *route = NULL;
    if (from && tlen > 0 && tlen <= 255) {
        route = &from->routes[hash_name(target, tlen) & (MSG_ROUTES - 1)];
        if (route->name_len == tlen && memcmp(route->name, target, tlen) == 0) {
            if (route->allow[kind] < 0)
                route->allow[kind] = (int8_t)msg_caps_allow(caps, target, tlen);
            if (!route->allow[kind])
                return WACTOR_EDENIED;
            if (plen > r->opts.max_message)
                return WACTOR_ETOOBIG;
            if (route->gen != atomic_load_explicit(&r->names_gen, memory_order_relaxed) &&
                !lookup_route(r, from, target, tlen, route))
                return WACTOR_ENOTFOUND;
            *to = route;
            return WACTOR_OK;
        }
    }
    if (!msg_name_valid(target, tlen))
        return WACTOR_EINVAL;
    if (from && !msg_caps_allow(caps, target, tlen))
        return WACTOR_EDENIED;
    if (plen > r->opts.max_message)
        return WACTOR_ETOOBIG;
    /* Remembered in the sender's route, or, for the host, in scratch. */
    msg_route *found = route ? route : scratch;
    if (!lookup_route(r, from, target, tlen, found))
        return WACTOR_ENOTFOUND;
    found->allow[kind] = 1;
    found->allow[!kind] = -1;
    *to = found;
    return WACTOR_OK;
}

/* The headers of meta, or NULL. */
static inline const msg_headers *meta_headers(const msg_meta *meta)
{
    return meta && meta->headers.len ? &meta->headers : NULL;
}

int msg_send(msg_router *r, msg_proc *from, const char *target, size_t tlen, const void *payload,
             size_t plen, const msg_meta *meta)
{
    msg_route scratch;
    const msg_route *to;
    int rc = check_target(r, from, ROUTE_SEND, target, tlen, plen, &scratch, &to);
    if (rc != WACTOR_OK)
        return rc;
    size_t slen;
    const char *sender = sender_name(from, meta, &slen);
    msg_envelope *e =
        envelope_new(r, MSG_SEND, sender, slen, NULL, 0, payload, plen, meta_headers(meta));
    if (!e)
        return WACTOR_ENOMEM;
    rc = dest_post(r, &to->to, e, NULL);
    if (rc != WACTOR_OK)
        msg_envelope_free(r, e);
    else if (from)
        MSG_COUNT_OWN(from->n_sent);
    return rc;
}

int64_t msg_request(msg_router *r, msg_proc *from, const char *target, size_t tlen,
                    const void *payload, size_t plen, int64_t timeout_ms, msg_host_callback cb,
                    void *cb_arg, const msg_meta *meta)
{
    msg_route scratch;
    const msg_route *to;
    int rc = check_target(r, from, ROUTE_REQUEST, target, tlen, plen, &scratch, &to);
    if (rc != WACTOR_OK)
        return rc;
    if (from && atomic_fetch_add_explicit(&from->pending, 1, memory_order_relaxed) >=
                    atomic_load_explicit(&from->pending_bound, memory_order_relaxed)) {
        atomic_fetch_sub_explicit(&from->pending, 1, memory_order_relaxed);
        return WACTOR_EFULL;
    }
    size_t slen;
    const char *sender = sender_name(from, meta, &slen);
    msg_envelope *e =
        envelope_new(r, MSG_REQUEST, sender, slen, NULL, 0, payload, plen, meta_headers(meta));
    msg_pending *pd = calloc(1, sizeof *pd);
    int64_t id = atomic_fetch_add_explicit(&r->next_id, 1, memory_order_relaxed);
    rc = e && pd ? WACTOR_OK : WACTOR_ENOMEM;
    if (rc == WACTOR_OK) {
        pd->id = e->corr = id;
        pd->requester = from;
        pd->incarnation = from ? from->incarnation : 0;
        pd->timeout_ms = timeout_ms > 0
                             ? (timeout_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)timeout_ms)
                             : r->opts.request_timeout_ms;
        pd->target = to->name;
        pd->target_len = to->name_len;
        pd->cb = cb;
        pd->cb_arg = cb_arg;
        rc = dest_post(r, &to->to, e, pd); /* from here e and pd may be gone */
    }
    if (rc != WACTOR_OK) {
        msg_envelope_free(r, e);
        free(pd);
        if (from)
            atomic_fetch_sub_explicit(&from->pending, 1, memory_order_relaxed);
        return rc;
    }
    if (from) {
        MSG_COUNT_OWN(from->n_sent);
        /* Out of memory here only means a crash cannot withdraw this one:
         * its callback is still dropped, its timer still ends it. */
        msg_idset_add(&from->sent, id);
    }
    return id;
}

int64_t msg_request_external(msg_router *r, msg_proc *from, const char *as, size_t alen,
                             int64_t timeout_ms)
{
    if (atomic_fetch_add_explicit(&from->pending, 1, memory_order_relaxed) >=
        atomic_load_explicit(&from->pending_bound, memory_order_relaxed)) {
        atomic_fetch_sub_explicit(&from->pending, 1, memory_order_relaxed);
        return WACTOR_EFULL;
    }
    msg_pending *pd = calloc(1, sizeof *pd);
    if (!pd || alen > MSG_HOST_SENDER_MAX) {
        free(pd);
        atomic_fetch_sub_explicit(&from->pending, 1, memory_order_relaxed);
        return WACTOR_ENOMEM;
    }
    pd->id = atomic_fetch_add_explicit(&r->next_id, 1, memory_order_relaxed);
    pd->requester = from;
    pd->incarnation = from->incarnation;
    pd->timeout_ms = timeout_ms > 0 ? (timeout_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)timeout_ms)
                                    : r->opts.request_timeout_ms;
    pd->target = as;
    pd->target_len = (uint8_t)alen;
    pd->external = true;
    if (!arm_request(r, pd)) {
        free(pd);
        atomic_fetch_sub_explicit(&from->pending, 1, memory_order_relaxed);
        return WACTOR_ENOMEM;
    }
    int64_t id = pd->id; /* from here pd may be settled */
    MSG_COUNT_OWN(from->n_sent);
    msg_idset_add(&from->sent, id);
    return id;
}

void msg_settle_external(msg_router *r, int64_t corr, int status, const void *payload, size_t len,
                         const msg_headers *headers)
{
    msg_pending *pd = corr > 0 ? msg_tracker_take_external(&r->tracker, corr) : NULL;
    if (pd)
        settle(r, pd, status, payload, len, headers);
}

/* Delivers a request's one outcome and frees its record, which the caller
 * has just taken from the tracker. */
/* A request that went to another host has ended here: the lattice forgets
 * it (its answer, if one comes, finds nothing). */
static void forget_remote(msg_router *r, const msg_pending *pd)
{
    const msg_lattice_ops *lat = pd->remote ? lattice_of(r) : NULL;
    if (lat)
        lat->forget(lattice_arg_of(r), pd->remote, pd->id);
}

static void settle(msg_router *r, msg_pending *pd, int status, const void *payload, size_t len,
                   const msg_headers *h)
{
    if (r->timers)
        rt_timer_stop(r->timers, &pd->timer);
    forget_remote(r, pd);
    msg_proc *req = pd->requester;
    if (req) {
        msg_envelope *e =
            envelope_new(r, MSG_CALLBACK, pd->target, pd->target_len, NULL, 0, payload, len, h);
        if (e) { /* out of memory: the callback is lost; nothing better to do */
            e->corr = pd->id;
            e->status = status;
            e->incarnation = pd->incarnation;
            msg_dest d = msg_dest_local(req);
            dest_post(r, &d, e, NULL); /* callbacks never count against the bound */
        }
        atomic_fetch_sub_explicit(&req->pending, 1, memory_order_relaxed);
    } else if (pd->cb) {
        pd->cb(pd->cb_arg, pd->id, status, payload, len, h && h->len ? h : NULL);
    }
    free(pd);
    rt_busy_add(r->sched, -1);
}

static void request_timed_out(void *ctx, uint64_t key)
{
    msg_router *r = ctx;
    msg_pending *pd = msg_tracker_take(&r->tracker, (int64_t)key);
    if (pd)
        settle(r, pd, WACTOR_STATUS_TIMEOUT, NULL, 0, NULL);
}

bool msg_proc_holds_request(const msg_proc *p, int64_t corr)
{
    return msg_idset_has(&p->received, corr);
}

int msg_respond(msg_proc *p, int64_t corr, int status, const void *payload, size_t plen,
                const msg_headers *headers)
{
    if (status != WACTOR_STATUS_OK && status != WACTOR_STATUS_ERROR)
        return WACTOR_EINVAL;
    if (plen > p->router->opts.max_message)
        return WACTOR_ETOOBIG;
    if (corr <= 0 || !msg_idset_remove(&p->received, corr))
        return WACTOR_ENOTFOUND;
    msg_pending *pd = msg_tracker_take(&p->router->tracker, corr);
    if (pd)
        settle(p->router, pd, status, payload, plen, headers);
    return WACTOR_OK;
}

int msg_cancel(msg_router *r, msg_proc *from, int64_t corr)
{
    return msg_cancel_host(r, from, corr, NULL, NULL);
}

int msg_cancel_host(msg_router *r, msg_proc *from, int64_t corr, msg_host_callback *cb,
                    void **cb_arg)
{
    if (corr <= 0)
        return WACTOR_ENOTFOUND;
    msg_pending *pd = msg_tracker_take_owned(&r->tracker, corr, from, from ? from->incarnation : 0);
    if (!pd)
        return WACTOR_ENOTFOUND;
    if (cb != NULL)
        *cb = pd->cb;
    if (cb_arg != NULL)
        *cb_arg = pd->cb_arg;
    if (r->timers)
        rt_timer_stop(r->timers, &pd->timer);
    forget_remote(r, pd);
    if (from) {
        atomic_fetch_sub_explicit(&from->pending, 1, memory_order_relaxed);
        msg_idset_remove(&from->sent, corr);
    }
    free(pd);
    rt_busy_add(r->sched, -1);
    return WACTOR_OK;
}

/* ---- publish/subscribe -------------------------------------------------- */

/* A list of processes that lives on the stack unless it grows long (out
 * of memory it stops growing: what does not fit is left out). */
typedef struct proc_list {
    msg_proc **v;
    msg_proc *few[16];
    size_t n, cap;
} proc_list;

static void proc_list_init(proc_list *l, bool used)
{
    l->v = l->few;
    l->n = 0;
    l->cap = used ? 16 : 0; /* cap 0: nothing is kept */
}

static void proc_list_push(proc_list *l, msg_proc *p)
{
    if (l->n == l->cap && l->cap) {
        msg_proc **more = malloc(2 * l->cap * sizeof *more);
        if (more) {
            memcpy(more, l->v, l->n * sizeof *more);
            if (l->v != l->few)
                free(l->v);
            l->v = more;
            l->cap *= 2;
        }
    }
    if (l->n < l->cap)
        l->v[l->n++] = p;
}

static void proc_list_free(proc_list *l)
{
    if (l->v != l->few)
        free(l->v);
}

/* Whether p's name is one of the n names (names[i], lens[i]). */
static bool name_listed(const msg_proc *p, const char *const *names, const uint8_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lens[i] == p->name_len && memcmp(names[i], p->name, lens[i]) == 0)
            return true;
    return false;
}

/* Posts a publication to every process here with a matching subscription,
 * once each; with `names`, only to processes of those names (a publication
 * from another host, meant for them). The processes it went to are added
 * to `got` (a full mailbox counts: that name has had its chance); those
 * whose mailbox was full are told to the owner once the lock is released. */
static int publish_here(msg_router *r, const char *sender, size_t slen, const char *topic,
                        size_t tlen, const void *payload, size_t plen, const msg_headers *h,
                        const char *const *names, const uint8_t *lens, size_t nnames,
                        proc_list *got)
{
    int rc = WACTOR_OK;
    /* A full mailbox is a sign of overload: the list of those that missed
     * it lives on the stack unless it is long. */
    proc_list missed;
    proc_list_init(&missed, r->opts.dropped != NULL);
    pthread_rwlock_rdlock(&r->subs_lock);
    for (size_t i = 0; i < r->nsubs; i++) {
        msg_proc *to = r->subs[i].proc;
        if (!msg_pattern_match(r->subs[i].pattern, r->subs[i].len, topic, tlen))
            continue;
        if (names && !name_listed(to, names, lens, nnames))
            continue;
        /* Once per subscriber: skip it if an earlier pattern matched. */
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = r->subs[j].proc == to &&
                   msg_pattern_match(r->subs[j].pattern, r->subs[j].len, topic, tlen);
        if (seen)
            continue;
        msg_envelope *e = envelope_new(r, MSG_PUBLISH, sender, slen, topic, tlen, payload, plen, h);
        if (!e) {
            rc = WACTOR_ENOMEM;
            break;
        }
        proc_list_push(got, to);
        /* A full subscriber misses this publication; the others still get it. */
        msg_dest d = msg_dest_local(to);
        if (dest_post(r, &d, e, NULL) != WACTOR_OK) {
            msg_envelope_free(r, e);
            MSG_COUNT_SHARED(to->n_dropped);
            proc_list_push(&missed, to);
        }
    }
    pthread_rwlock_unlock(&r->subs_lock);
    for (size_t i = 0; i < missed.n; i++)
        r->opts.dropped(r->opts.dropped_arg, missed.v[i], topic, tlen, sender, slen);
    proc_list_free(&missed);
    return rc;
}

int msg_publish(msg_router *r, msg_proc *from, const char *topic, size_t tlen, const void *payload,
                size_t plen, const msg_meta *meta)
{
    if (!msg_name_valid(topic, tlen))
        return WACTOR_EINVAL;
    if (from && !msg_caps_allow(&from->caps.publish, topic, tlen))
        return WACTOR_EDENIED;
    if (plen > r->opts.max_message)
        return WACTOR_ETOOBIG;
    size_t slen;
    const char *sender = sender_name(from, meta, &slen);
    const msg_headers *h = meta_headers(meta);
    /* In a lattice, the names that got it here are not sent it again. */
    const msg_lattice_ops *lat = lattice_of(r);
    proc_list got;
    proc_list_init(&got, lat != NULL);
    int rc = publish_here(r, sender, slen, topic, tlen, payload, plen, h, NULL, NULL, 0, &got);
    if (rc == WACTOR_OK && lat)
        lat->publish(lattice_arg_of(r), sender, slen, topic, tlen, payload, plen, h, got.v, got.n);
    proc_list_free(&got);
    if (rc == WACTOR_OK && from)
        MSG_COUNT_OWN(from->n_sent);
    return rc;
}

static int64_t find_sub(msg_router *r, msg_proc *p, const char *pattern, size_t len)
{
    for (size_t i = 0; i < r->nsubs; i++)
        if (r->subs[i].proc == p && r->subs[i].len == len &&
            memcmp(r->subs[i].pattern, pattern, len) == 0)
            return (int64_t)i;
    return -1;
}

int msg_subscribe(msg_proc *p, const char *pattern, size_t len)
{
    msg_router *r = p->router;
    if (!msg_pattern_valid(pattern, len))
        return WACTOR_EINVAL;
    if (!msg_caps_allow_subscribe(&p->caps.subscribe, pattern, len))
        return WACTOR_EDENIED;
    int rc = WACTOR_OK;
    pthread_rwlock_wrlock(&r->subs_lock);
    int64_t found = find_sub(r, p, pattern, len);
    if (found >= 0) {
        r->subs[found].gen = p->sub_gen; /* repeated: an upgrade's new version keeps it */
    } else if (p->nsubs >= MSG_MAX_SUBSCRIPTIONS) {
        rc = WACTOR_EFULL; /* every publish scans them all: a guest may not grow that cost */
    } else {
        if (r->nsubs == r->subs_cap) {
            size_t cap = r->subs_cap ? r->subs_cap * 2 : 16;
            msg_sub *subs = realloc(r->subs, cap * sizeof *subs);
            if (!subs)
                rc = WACTOR_ENOMEM;
            else {
                r->subs = subs;
                r->subs_cap = cap;
            }
        }
        char *copy = rc == WACTOR_OK ? malloc(len + 1) : NULL;
        if (copy) {
            memcpy(copy, pattern, len);
            copy[len] = 0;
            r->subs[r->nsubs++] = (msg_sub){copy, len, p, p->sub_gen, p->renewing};
            p->nsubs++;
        } else {
            rc = WACTOR_ENOMEM;
        }
    }
    pthread_rwlock_unlock(&r->subs_lock);
    if (rc == WACTOR_OK && found < 0)
        tell_changed(r);
    return rc;
}

static void remove_sub(msg_router *r, size_t i)
{
    r->subs[i].proc->nsubs--;
    free(r->subs[i].pattern);
    memmove(&r->subs[i], &r->subs[i + 1], (r->nsubs - i - 1) * sizeof *r->subs);
    r->nsubs--;
}

int msg_unsubscribe(msg_proc *p, const char *pattern, size_t len)
{
    msg_router *r = p->router;
    if (!msg_pattern_valid(pattern, len))
        return WACTOR_EINVAL;
    pthread_rwlock_wrlock(&r->subs_lock);
    int64_t i = find_sub(r, p, pattern, len);
    if (i >= 0)
        remove_sub(r, (size_t)i);
    pthread_rwlock_unlock(&r->subs_lock);
    if (i < 0)
        return WACTOR_ENOTFOUND;
    tell_changed(r);
    return WACTOR_OK;
}

void msg_subs_renew_begin(msg_proc *p)
{
    msg_router *r = p->router;
    pthread_rwlock_wrlock(&r->subs_lock);
    p->sub_gen++;
    p->renewing = true;
    pthread_rwlock_unlock(&r->subs_lock);
}

void msg_subs_renew_end(msg_proc *p, bool kept)
{
    msg_router *r = p->router;
    pthread_rwlock_wrlock(&r->subs_lock);
    for (size_t i = r->nsubs; i-- > 0;) {
        msg_sub *sub = &r->subs[i];
        if (sub->proc != p)
            continue;
        if (kept ? sub->gen != p->sub_gen : sub->fresh)
            remove_sub(r, i);
        else
            sub->fresh = false;
    }
    p->renewing = false;
    pthread_rwlock_unlock(&r->subs_lock);
    tell_changed(r);
}

static void unsubscribe_all(msg_router *r, msg_proc *p)
{
    pthread_rwlock_wrlock(&r->subs_lock);
    bool any = p->nsubs > 0;
    for (size_t i = r->nsubs; i-- > 0;)
        if (r->subs[i].proc == p)
            remove_sub(r, i);
    pthread_rwlock_unlock(&r->subs_lock);
    if (any)
        tell_changed(r);
}

/* ---- the lattice's side ------------------------------------------------- */

void msg_router_attach(msg_router *r, const msg_lattice_ops *ops, void *arg)
{
    if (ops)
        atomic_store_explicit(&r->lattice_arg, arg, memory_order_release);
    atomic_store_explicit(&r->lattice, ops, memory_order_release);
    msg_routes_changed(r);
}

void msg_routes_changed(msg_router *r)
{
    atomic_fetch_add_explicit(&r->names_gen, 1, memory_order_release);
}

uint32_t msg_router_max_message(const msg_router *r)
{
    return r->opts.max_message;
}

/* A sender from another host: a component's name, or the name a host's
 * own messages go as ("@host", "@http"). */
static bool remote_sender_valid(const char *sender, size_t slen)
{
    return msg_name_valid(sender, slen) || msg_host_sender_valid(sender, slen);
}

/* The checks a message from another host goes through: the names are
 * well-formed, the payload fits, and the target is a process of this
 * runtime that still takes mail. */
static int check_remote(msg_router *r, const char *sender, size_t slen, const char *target,
                        size_t tlen, size_t plen, msg_proc **to)
{
    if (!remote_sender_valid(sender, slen) || !msg_name_valid(target, tlen))
        return WACTOR_EINVAL;
    if (plen > r->opts.max_message)
        return WACTOR_ETOOBIG;
    msg_route route;
    *to = lookup_local(r, target, tlen, &route) ? msg_dest_proc(route.to) : NULL;
    return *to ? WACTOR_OK : WACTOR_ENOTFOUND;
}

/* Posts a send or request from another host: counted in the mailbox, never
 * refused for its bound (the lattice's credits bound it). */
static void post_remote(msg_proc *p, msg_envelope *e, uint32_t origin)
{
    atomic_fetch_add_explicit(&p->queued, 1, memory_order_relaxed);
    e->counted = 1;
    e->origin = origin;
    rt_post(&p->actor, &e->node);
}

int msg_remote_send(msg_router *r, uint32_t origin, const char *sender, size_t slen,
                    const char *target, size_t tlen, const void *payload, size_t plen,
                    const msg_headers *headers)
{
    msg_proc *to;
    int rc = check_remote(r, sender, slen, target, tlen, plen, &to);
    if (rc != WACTOR_OK)
        return rc;
    msg_envelope *e = envelope_new(r, MSG_SEND, sender, slen, NULL, 0, payload, plen, headers);
    if (!e)
        return WACTOR_ENOMEM;
    post_remote(to, e, origin);
    return WACTOR_OK;
}

int64_t msg_remote_request(msg_router *r, uint32_t origin, const char *sender, size_t slen,
                           const char *target, size_t tlen, const void *payload, size_t plen,
                           const msg_headers *headers, uint32_t timeout_ms, msg_host_callback cb,
                           void *cb_arg)
{
    msg_proc *to;
    int rc = check_remote(r, sender, slen, target, tlen, plen, &to);
    if (rc != WACTOR_OK)
        return rc;
    msg_envelope *e = envelope_new(r, MSG_REQUEST, sender, slen, NULL, 0, payload, plen, headers);
    msg_pending *pd = calloc(1, sizeof *pd);
    if (!e || !pd) {
        msg_envelope_free(r, e);
        free(pd);
        return WACTOR_ENOMEM;
    }
    int64_t id = atomic_fetch_add_explicit(&r->next_id, 1, memory_order_relaxed);
    pd->id = e->corr = id;
    pd->timeout_ms = timeout_ms ? timeout_ms : r->opts.request_timeout_ms;
    pd->target = to->name;
    pd->target_len = to->name_len;
    pd->cb = cb;
    pd->cb_arg = cb_arg;
    pd->from_remote = true;
    if (!arm_request(r, pd)) {
        msg_envelope_free(r, e);
        free(pd);
        return WACTOR_ENOMEM;
    }
    post_remote(to, e, origin); /* from here pd may be settled */
    return id;
}

int msg_remote_publish(msg_router *r, const char *sender, size_t slen, const char *topic,
                       size_t tlen, const void *payload, size_t plen, const msg_headers *headers,
                       const char *const *names, const uint8_t *lens, size_t n)
{
    if (!remote_sender_valid(sender, slen) || !msg_name_valid(topic, tlen))
        return WACTOR_EINVAL;
    if (plen > r->opts.max_message)
        return WACTOR_ETOOBIG;
    proc_list got;
    proc_list_init(&got, false);
    return publish_here(r, sender, slen, topic, tlen, payload, plen, headers, names, lens, n, &got);
}

void msg_remote_settle(msg_router *r, int64_t corr, int status, const void *payload, size_t len,
                       const msg_headers *headers)
{
    if (corr <= 0 || status < WACTOR_STATUS_OK || status > WACTOR_STATUS_FAILED)
        return;
    /* Only a request that went to another host: no frame settles another. */
    msg_pending *pd = msg_tracker_take_remote(&r->tracker, corr);
    if (pd)
        settle(r, pd, status, payload, len, headers);
}

void msg_remote_fail_incoming(msg_router *r, const char *reason)
{
    msg_pending *pd;
    while ((pd = msg_tracker_take_any_from_remote(&r->tracker)) != NULL)
        settle(r, pd, WACTOR_STATUS_FAILED, reason, strlen(reason), NULL);
}

void msg_names_each(msg_router *r, void (*fn)(void *ctx, msg_proc *p), void *ctx)
{
    pthread_rwlock_rdlock(&r->names_lock);
    for (uint32_t i = 0; i < r->names_cap; i++) {
        const reg_entry *e = &r->names[i];
        if (e->name && e->name != TOMBSTONE && msg_dest_proc(e->dest))
            fn(ctx, msg_dest_proc(e->dest));
    }
    pthread_rwlock_unlock(&r->names_lock);
}

void msg_subs_each(msg_router *r,
                   void (*fn)(void *ctx, msg_proc *p, const char *pattern, size_t len), void *ctx)
{
    pthread_rwlock_rdlock(&r->subs_lock);
    for (size_t i = 0; i < r->nsubs; i++)
        fn(ctx, r->subs[i].proc, r->subs[i].pattern, r->subs[i].len);
    pthread_rwlock_unlock(&r->subs_lock);
}
