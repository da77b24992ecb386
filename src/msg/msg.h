/*
 * msg.h: messaging between processes: names, routing, requests and their
 * callbacks, publish/subscribe, capabilities. It knows nothing of
 * WebAssembly: a process (msg_proc) is an actor plus a `deliver` function
 * that its owner (src/host for components) provides.
 *
 * One message's path: msg_send (router.c) checks the arguments and the
 * sender's capabilities and resolves the target name to a destination
 * (msg_dest: a tagged kind, today a process of this runtime) through the
 * sender's remembered routes or the registry (check_target), copies the
 * bytes into one envelope and hands it to dest_post, the one function that
 * knows the kinds of destination: for a process, it takes a slot in its
 * mailbox bound and rt_post's the envelope there. A worker later runs the
 * target's turn, and proc_receive (router.c) hands the envelope to the
 * owner's deliver function, which runs the handler. Requests, publications
 * and the callbacks that carry outcomes back go through dest_post too.
 *
 * Requests end in exactly one outcome. A pending record, keyed by the
 * correlation id in the tracker (tracker.c), exists from msg_request until
 * the first of: an answer (msg_respond), the handler's failure, the target's
 * crash or stop, the timeout, a cancel. Whoever removes the record from the
 * tracker delivers the outcome; everyone else finds nothing and drops what
 * they had. Component callbacks go through the requester's mailbox, host
 * callbacks are called directly on the settling thread.
 *
 * The host (the embedding program) sends as "@host" with from == NULL and is
 * allowed everything.
 */
#ifndef WACTOR_MSG_H
#define WACTOR_MSG_H

#include "rt.h"
#include "wactor_codes.h" /* result codes and statuses: the one table */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSG_HOST_NAME "@host"

typedef enum msg_kind {
    MSG_SEND,     /* fire-and-forget; corr 0 */
    MSG_REQUEST,  /* corr > 0 awaits an answer */
    MSG_PUBLISH,  /* a publication; the topic is set */
    MSG_CALLBACK, /* the outcome of one of the receiver's requests */
    MSG_CONTROL,  /* for the owner (e.g. stop); never from a guest */
} msg_kind;

/* ---- headers (headers.c; ABI.md v2, "Headers") ---------------------------
 * A message may carry headers: an encoded block of (u8 name length, name,
 * u16 value length LE, value) pairs, in order. Names are 1..64 bytes of
 * [a-z0-9-], or ':' and 1..63 of those (pseudo-headers: ":status"). A
 * message without headers carries an empty block and pays nothing. */
#define MSG_HEADER_NAME_MAX 64u
#define MSG_HEADER_VALUE_MAX 4096u
#define MSG_HEADERS_MAX 65536u /* the block's bytes */

typedef struct msg_headers {
    const uint8_t *p;
    uint32_t len;
} msg_headers;

typedef struct msg_header {
    const char *name;
    size_t name_len;
    const uint8_t *value;
    size_t value_len;
} msg_header;

bool msg_header_name_valid(const char *name, size_t len);
/* A block from outside (another host) is well-formed: every name valid,
 * every value and the whole within bounds; *count (if not NULL) gets the
 * number of headers. */
bool msg_headers_valid(const uint8_t *p, size_t len, size_t *count);
/* Readers of a well-formed block (h may be NULL: none). *off starts at 0. */
bool msg_headers_next(const msg_headers *h, size_t *off, msg_header *out);
bool msg_headers_find(const msg_headers *h, const char *name, size_t len, msg_header *out);

/* A block being built. */
typedef struct msg_hdrbuf {
    uint8_t *p;
    uint32_t len, cap;
} msg_hdrbuf;
/* EINVAL (a bad name, a value over MSG_HEADER_VALUE_MAX), ETOOBIG (the
 * block would pass MSG_HEADERS_MAX), ENOMEM. */
int msg_hdrbuf_add(msg_hdrbuf *b, const char *name, size_t nlen, const void *value, size_t vlen);
void msg_hdrbuf_free(msg_hdrbuf *b);
static inline msg_headers msg_hdrbuf_view(const msg_hdrbuf *b)
{
    return (msg_headers){b->p, b->len};
}

/* What a message carries besides its payload: headers, and for a message
 * from the host (from == NULL), the sender name it goes as ("@http"; NULL:
 * "@host"). A NULL msg_meta means neither. */
typedef struct msg_meta {
    msg_headers headers;
    const char *sender;
    uint8_t sender_len;
} msg_meta;

/* One message: a header and its bytes (sender name, topic, payload,
 * headers) in one allocation. */
typedef struct msg_envelope {
    rt_node node;
    uint8_t kind;    /* msg_kind */
    uint8_t counted; /* counts against the receiver's mailbox bound */
    uint8_t sender_len, topic_len;
    uint16_t pool_owner; /* for msg_envpool_release */
    int32_t status;      /* callbacks: WACTOR_STATUS_* */
    uint32_t payload_len;
    uint32_t incarnation; /* callbacks: the requester's incarnation that asked */
    int64_t corr;
    void *control; /* MSG_CONTROL: the owner's data */
    /* Sends and requests from another host: the lattice's tag for the
     * (origin, target) pair whose credit comes back once the envelope is
     * handled (msg_lattice_ops.consumed); 0 for everything else. */
    uint32_t origin;
    uint32_t hdr_len; /* the header block's bytes, after the payload (0: none) */
    char data[];
} msg_envelope;

static inline const char *msg_env_sender(const msg_envelope *e)
{
    return e->data;
}
static inline const char *msg_env_topic(const msg_envelope *e)
{
    return e->data + e->sender_len;
}
static inline const uint8_t *msg_env_payload(const msg_envelope *e)
{
    return (const uint8_t *)e->data + e->sender_len + e->topic_len;
}
static inline msg_headers msg_env_headers(const msg_envelope *e)
{
    return (msg_headers){msg_env_payload(e) + e->payload_len, e->hdr_len};
}

typedef struct msg_router msg_router;
typedef struct msg_proc msg_proc;

/* A list of capability patterns, validated by the caller (msg_pattern_valid). */
typedef struct msg_patterns {
    char **v;
    size_t n;
} msg_patterns;

typedef struct msg_caps {
    msg_patterns send, request, publish, subscribe;
    msg_patterns http; /* hosts for outbound HTTP (msg_http_grant_valid), not names */
} msg_caps;

/* What became of a delivered message, as the owner's deliver reports it. */
typedef enum msg_outcome {
    MSG_HANDLED,        /* the handler returned 0 */
    MSG_HANDLER_FAILED, /* it returned non-zero: an unanswered request gets ERROR */
    MSG_CRASHED,        /* it trapped (the owner has called msg_proc_crashed, which failed
                           the request with the crash's reason), or nothing could run it */
} msg_outcome;

typedef msg_outcome (*msg_deliver_fn)(msg_proc *p, msg_envelope *e);

/* A set of correlation ids (the requests a process received and has not
 * answered yet). Touched only by the process's own turns. */
typedef struct msg_idset {
    int64_t *slots; /* 0 = empty, -1 = deleted */
    uint32_t cap, len, used;
} msg_idset;

/* Where a name leads: a small tagged value, so that a name can lead
 * elsewhere than to a process of this runtime (a component on another
 * host, a client awaiting an answer) without touching the senders: such a
 * kind is one more case in the router's dest_post plus its registration. */
typedef enum msg_dest_kind {
    MSG_DEST_NONE,   /* nowhere: the name is not registered */
    MSG_DEST_LOCAL,  /* a process of this runtime */
    MSG_DEST_REMOTE, /* a name on another host of the lattice */
} msg_dest_kind;

/* A name on another host, as the lattice (src/lattice) knows it: opaque
 * here, it lives as long as the router. */
typedef struct msg_remote msg_remote;

typedef struct msg_dest {
    msg_dest_kind kind;
    union {
        msg_proc *proc;     /* MSG_DEST_LOCAL */
        msg_remote *remote; /* MSG_DEST_REMOTE */
    } u;
} msg_dest;

static inline msg_dest msg_dest_local(msg_proc *p)
{
    return (msg_dest){.kind = MSG_DEST_LOCAL, .u.proc = p};
}

/* The process of this runtime that d leads to, or NULL. */
static inline msg_proc *msg_dest_proc(msg_dest d)
{
    return d.kind == MSG_DEST_LOCAL ? d.u.proc : NULL;
}

/* A remembered target of one sender: the name (its bytes are the
 * registered destination's), the sender's capability decisions for it
 * (-1: not decided yet), where it led and the registry's generation then:
 * where it leads is trusted until some name is unregistered. */
typedef struct msg_route {
    msg_dest to;
    const char *name;
    uint64_t gen;
    uint8_t name_len;
    int8_t allow[2]; /* send, request */
} msg_route;

#define MSG_ROUTES 8 /* per sender, direct-mapped by name hash */
/* Subscriptions one process may hold; `subscribe` then returns EFULL. */
#define MSG_MAX_SUBSCRIPTIONS 1000u

/* The statistics (wactor_stats) are counted here, on the message path,
 * without a lock. Two kinds, kept on separate cache lines so that a busy
 * sender never invalidates the line its receiver's turn writes:
 * - single-writer counters (n_received, n_sent, n_callbacks), written only
 *   by the process's own turn: a relaxed load and store (MSG_COUNT_OWN), no
 *   locked instruction; turns of one process never overlap, and the
 *   scheduler's hand-over orders one turn's writes before the next;
 * - shared counters (queued, pending, n_dropped), written by other workers
 *   too (senders, settlers, publishers): atomic read-modify-write.
 * Readers (wactor_stats) load each one relaxed: each is exact, the set is
 * not one instant. MSG_NO_COUNTERS (the benchmark's second build only)
 * compiles the statistics-only counters out, to measure what they cost. */
#ifdef MSG_NO_COUNTERS
#define MSG_COUNT_OWN(counter) ((void)0)
#define MSG_COUNT_SHARED(counter) ((void)0)
#else
#define MSG_COUNT_OWN(counter)                                                                     \
    atomic_store_explicit(&(counter), atomic_load_explicit(&(counter), memory_order_relaxed) + 1,  \
                          memory_order_relaxed)
#define MSG_COUNT_SHARED(counter) atomic_fetch_add_explicit(&(counter), 1, memory_order_relaxed)
#endif
#define MSG_CACHE_LINE 64

/* Who messages whom (edges.c): the messages delivered to a process by
 * sender name, counted on its own turn; at most MSG_EDGE_SENDERS senders,
 * the messages of any more are counted from MSG_EDGE_OTHERS. */
#define MSG_EDGE_SENDERS 32
#define MSG_EDGE_OTHERS "(others)"
typedef struct msg_edge msg_edge;
typedef struct msg_edges {
    _Atomic unsigned n; /* entries published in e[] */
    msg_edge *e[MSG_EDGE_SENDERS];
    msg_edge *last; /* the last sender counted: the writer's shortcut */
    atomic_uint_least64_t others;
} msg_edges;

struct msg_proc {
    rt_actor actor; /* first: the rt layer hands us back this pointer */
    msg_router *router;
    msg_deliver_fn deliver;
    char name[256];
    uint8_t name_len;
    /* Set by stop or crash with no restart: no more mail is handled. (New
     * mail is refused, ENOTFOUND, from msg_proc_close on: the name is
     * unregistered; what is queued is still handled until `stopped`.) */
    atomic_bool stopped;
    uint32_t incarnation; /* bumped by msg_proc_crashed */
    /* Read by senders; changed only by msg_proc_reconfigure (an upgrade). */
    _Atomic uint32_t mailbox_bound, pending_bound;
    /* Shared counters, written by other workers too (see above). */
    atomic_uint queued;  /* counted envelopes in the mailbox */
    atomic_uint pending; /* own requests not settled */
    /* The publications it missed because its mailbox was full. */
    atomic_uint_least64_t n_dropped;
    /* Padding: what follows is touched only by p's own turns. */
    char pad_shared[MSG_CACHE_LINE];
    msg_caps caps;
    msg_idset received;           /* requests received and not answered */
    msg_idset sent;               /* own requests whose callback has not arrived */
    msg_route routes[MSG_ROUTES]; /* touched only by p's own turns */
    uint32_t nsubs;               /* its subscriptions; under the router's lock */
    /* An upgrade's renewal of the subscriptions (msg_subs_renew_*): the
     * generation subscriptions made or repeated now carry; under the
     * router's lock. */
    uint32_t sub_gen;
    bool renewing;
    /* Single-writer counters, on the own turn's lines (see above). */
    atomic_uint_least64_t n_received, n_sent, n_callbacks[4];
    /* Made at the first message, freed by msg_proc_fini. */
    _Atomic(msg_edges *) edges;
};

/* Counts one message delivered to p from sender (the sender's bytes), on
 * p's turn; compiled out with MSG_NO_COUNTERS (MSG_COUNT_EDGE). */
void msg_edges_count(msg_proc *p, const char *sender, size_t len);
#ifdef MSG_NO_COUNTERS
#define MSG_COUNT_EDGE(p, sender, len) ((void)0)
#else
#define MSG_COUNT_EDGE(p, sender, len) msg_edges_count(p, sender, len)
#endif
/* Calls fn for each sender of p's messages with its count (the name is
 * only valid during the call), then for MSG_EDGE_OTHERS if any were
 * lumped. Any thread, while p is not freed. */
typedef void (*msg_edge_fn)(void *arg, const char *from, size_t len, uint64_t count);
void msg_edges_each(const msg_proc *p, msg_edge_fn fn, void *arg);
void msg_edges_free(msg_proc *p); /* by msg_proc_fini */

/* Told of a publication that `subscriber` missed because its mailbox was
 * full, once msg_publish holds no lock any more (the owner logs it). The
 * topic and sender are only valid during the call. */
typedef void (*msg_dropped_fn)(void *arg, msg_proc *subscriber, const char *topic, size_t tlen,
                               const char *sender, size_t slen);

typedef struct msg_router_options {
    rt_timers *timers;           /* for request timeouts; owned by the caller */
    uint32_t max_message;        /* payload bytes */
    uint32_t request_timeout_ms; /* for timeout <= 0 */
    msg_dropped_fn dropped;      /* NULL: drops are only counted */
    void *dropped_arg;
} msg_router_options;

msg_router *msg_router_new(rt_sched *s, const msg_router_options *opts);
/* Settles every request still pending FAILED ("runtime stopped"): call
 * once the timers are freed. Callbacks to processes are still posted, so
 * the scheduler must run. Then, once no worker runs, msg_router_free frees
 * the router (not the processes). */
void msg_router_shutdown(msg_router *r);
void msg_router_free(msg_router *r);

/* Sets up p (zeroed by the caller) with a copy of name; caps are taken over
 * (freed by msg_proc_fini). */
void msg_proc_init(msg_proc *p, msg_router *r, const char *name, size_t len, msg_deliver_fn deliver,
                   uint32_t mailbox_bound, uint32_t pending_bound, msg_caps caps);
/* Frees what msg_proc_init made and every envelope left in the mailbox.
 * Only once no thread can post to p any more. */
void msg_proc_fini(msg_proc *p);

/* The registry: names -> destinations. msg_register gives p's name to p
 * (a local destination); EEXIST if the name is taken. msg_unregister takes
 * it back if p still has it. */
int msg_register(msg_router *r, msg_proc *p);
void msg_unregister(msg_router *r, msg_proc *p);
/* Where the name leads among this runtime's processes (kind
 * MSG_DEST_NONE: no process here has it; the lattice is not asked). Destinations live
 * as long as the router (processes until the runtime frees them), so what
 * it holds stays valid after the name has gone. */
msg_dest msg_lookup(msg_router *r, const char *name, size_t len);

/* Messaging. from == NULL is the host. Codes per ABI.md, in its order.
 * meta (NULL: none) is read during the call only; its block must be
 * well-formed (built with msg_hdrbuf_add, or checked). The outcome of a
 * host request reaches cb with the answer's headers (NULL: none), valid
 * during the call. */
typedef void (*msg_host_callback)(void *arg, int64_t corr, int status, const void *payload,
                                  size_t len, const msg_headers *headers);

int msg_send(msg_router *r, msg_proc *from, const char *target, size_t tlen, const void *payload,
             size_t plen, const msg_meta *meta);
/* Returns the correlation id or a code. For the host, cb receives the
 * outcome; for a process, its mailbox does. timeout_ms <= 0: the default. */
int64_t msg_request(msg_router *r, msg_proc *from, const char *target, size_t tlen,
                    const void *payload, size_t plen, int64_t timeout_ms, msg_host_callback cb,
                    void *cb_arg, const msg_meta *meta);
/* Answers a request p received: status OK or ERROR, with headers (NULL:
 * none). ENOTFOUND if p has no such unanswered request; OK (and the answer
 * dropped) if the requester no longer waits. */
int msg_respond(msg_proc *p, int64_t corr, int status, const void *payload, size_t plen,
                const msg_headers *headers);
/* Withdraws a request of from (NULL = host). */
int msg_cancel(msg_router *r, msg_proc *from, int64_t corr);
/* The same, also giving back (on OK) the host callback and its argument that
 * will now never be called, so that the host can free what it gave. */
int msg_cancel_host(msg_router *r, msg_proc *from, int64_t corr, msg_host_callback *cb,
                    void **cb_arg);
int msg_publish(msg_router *r, msg_proc *from, const char *topic, size_t tlen, const void *payload,
                size_t plen, const msg_meta *meta);
/* Whether p has received request corr and not answered it yet (p's own
 * turn only). */
bool msg_proc_holds_request(const msg_proc *p, int64_t corr);
int msg_subscribe(msg_proc *p, const char *pattern, size_t len);
int msg_unsubscribe(msg_proc *p, const char *pattern, size_t len);
/* An upgrade (ABI.md): the old version's subscriptions stay in force while
 * the new version starts; what the new one subscribes to meanwhile is
 * marked. Then, on p's turn: kept = true (the new version runs) drops the
 * old subscriptions the new version did not make again; kept = false (it
 * was rolled back) drops only what the new version added. */
void msg_subs_renew_begin(msg_proc *p);
void msg_subs_renew_end(msg_proc *p, bool kept);

/* Lifecycle, called by the owner from p's own turn. */
/* The instance that sent p's pending requests is gone: they are withdrawn
 * (no callback follows); every request p received and has not answered
 * gets FAILED. */
void msg_proc_crashed(msg_proc *p, const char *reason);
/* From now on p accepts no new mail (its name is unregistered, senders
 * get ENOTFOUND); any thread. */
void msg_proc_close(msg_proc *p);
/* p stops for good: unregistered, unsubscribed, its unanswered requests
 * and every request still reaching it get FAILED. */
void msg_proc_stopped(msg_proc *p, const char *reason);

/* An upgrade (on p's own turn): p's capabilities become caps (taken
 * over; the old ones are freed), the decisions remembered in its routes
 * are forgotten, and its bounds change. Its subscriptions, pending
 * requests, received requests and mailbox stay. */
void msg_proc_reconfigure(msg_proc *p, msg_caps caps, uint32_t mailbox_bound,
                          uint32_t pending_bound);

/* Posts a control envelope (kind MSG_CONTROL, data = ctl) to p. */
int msg_post_control(msg_proc *p, void *ctl);
/* The same with a key for the owner, in the envelope's corr (a timer's id). */
int msg_post_control_key(msg_proc *p, void *ctl, int64_t key);
/* A send from p to itself, needing no capability (a timer of p's firing,
 * on p's turn): ETOOBIG, ENOTFOUND once p has stopped, EFULL. */
int msg_send_self(msg_proc *p, const void *payload, size_t plen);

void msg_envelope_free(msg_router *r, msg_envelope *e);

/* ---- requests served outside the router (outbound HTTP) -------------------
 * A request of process `from` whose answer comes from outside: its record
 * is armed like any request's (the pending bound: EFULL; the timeout; a
 * crash or a cancel withdraws it), and its callback comes from sender `as`
 * (a static string, e.g. "@http"). Returns the correlation id or a code.
 * Whoever serves it calls msg_settle_external once, from any thread; an
 * outcome for a record that has ended meanwhile is dropped. */
int64_t msg_request_external(msg_router *r, msg_proc *from, const char *as, size_t alen,
                             int64_t timeout_ms);
void msg_settle_external(msg_router *r, int64_t corr, int status, const void *payload, size_t len,
                         const msg_headers *headers);

/* ---- the lattice's side (src/lattice; docs/LATTICE.md) --------------------
 * A router may be given one lattice: a name that no process of this runtime
 * has is then resolved through it to a remote destination, and dest_post
 * hands messages for it to the lattice, which carries them to the other
 * host. The router knows nothing of NATS: these hooks and the msg_remote_*
 * entry points below are the whole of the connection.
 *
 * Hooks may be called on any thread, from within msg_remote_* calls too
 * (e.g. msg_remote_settle -> forget): the lattice must not call into the
 * router while holding a lock its hooks take. No router lock is held while
 * a hook runs. */
typedef struct msg_lattice_ops {
    /* Where a name no process here has leads: one replica, chosen for this
     * sender (the same one while the lattice does not change), or NULL.
     * *name_out gets the name's bytes as the lattice keeps them: they must
     * stay valid as long as the router. */
    msg_remote *(*resolve)(void *arg, const char *sender, size_t slen, const char *name, size_t len,
                           const char **name_out);
    /* Takes one credit toward `to` before a send or request of plen
     * payload bytes leaves: OK, ETOOBIG (its frame is over what the NATS
     * server carries), ENOTFOUND (its host has gone), or EFULL (the remote
     * mailbox has no room for more from this host, or too much sent to
     * that host is not yet acknowledged). */
    int (*reserve)(void *arg, msg_remote *to, size_t plen);
    /* Gives back a credit that reserve took, the message not leaving after
     * all (out of memory). */
    void (*unreserve)(void *arg, msg_remote *to);
    /* Carries e (MSG_SEND or MSG_REQUEST; a credit taken; e->corr is the
     * request's id, its record armed) to `to`. e stays the caller's: the
     * lattice copies what it needs. It cannot fail: a request whose frame
     * cannot reach its host ends through msg_remote_settle (FAILED). */
    void (*post)(void *arg, msg_remote *to, const msg_envelope *e, uint32_t timeout_ms);
    /* The request corr that went to `to` was settled or withdrawn here (an
     * answer, timeout, cancel, crash): the lattice forgets it. */
    void (*forget)(void *arg, msg_remote *to, int64_t corr);
    /* A publication, after its delivery here: the lattice delivers it to
     * every subscribed name of other hosts that is not among the `nlocal`
     * processes that got it here, one replica per name. */
    void (*publish)(void *arg, const char *sender, size_t slen, const char *topic, size_t tlen,
                    const void *payload, size_t plen, const msg_headers *headers,
                    msg_proc *const *local, size_t nlocal);
    /* An envelope from another host (origin != 0) has left its mailbox
     * (handled or dropped): its credit may go back. On the receiver's turn. */
    void (*consumed)(void *arg, uint32_t origin);
    /* Names or subscriptions of this runtime changed: a process registered
     * or went, subscribed or unsubscribed, or its mailbox bound changed (an
     * upgrade). Called after the change. */
    void (*changed)(void *arg);
    /* Whether `to` is still there: NULL while its host is live and lists
     * it, else the ABI's reason ("host-lost": its host was lost or this
     * host left; "stopped": its host no longer lists it). Once gone, a
     * record stays gone. A monitor (src/host) asks it after recording a
     * reference to `to`, so that a loss before that is not missed. */
    const char *(*gone)(void *arg, msg_remote *to);
} msg_lattice_ops;

/* Gives r its lattice (ops must outlive it), or takes it back (ops NULL;
 * only once no thread can be in a hook or a msg_remote_* call). Remembered
 * routes are looked up again. */
void msg_router_attach(msg_router *r, const msg_lattice_ops *ops, void *arg);

/* Messages from other hosts, to processes of this runtime. The sender's
 * host checked its capabilities; sizes are checked again here, and header
 * blocks must have passed msg_headers_valid. The target
 * must be a process of this runtime (never another remote: no message is
 * forwarded twice). A send or request from another host is counted in the
 * target's mailbox but never refused for its bound: the lattice's credits
 * bound what other hosts may have queued here. `origin` (non-zero) comes
 * back through consumed() once the envelope has left the mailbox. */
int msg_remote_send(msg_router *r, uint32_t origin, const char *sender, size_t slen,
                    const char *target, size_t tlen, const void *payload, size_t plen,
                    const msg_headers *headers);
/* Returns a local correlation id, or a code (then cb is never called).
 * The outcome reaches cb(cb_arg, ...) exactly once, on the settling thread,
 * like a host request's. timeout_ms 0: the runtime's default. */
int64_t msg_remote_request(msg_router *r, uint32_t origin, const char *sender, size_t slen,
                           const char *target, size_t tlen, const void *payload, size_t plen,
                           const msg_headers *headers, uint32_t timeout_ms, msg_host_callback cb,
                           void *cb_arg);
/* A publication from another host, for those of the `n` names (names[i],
 * lens[i]) whose process here subscribes to a pattern matching topic (a
 * full mailbox misses it, as for a local publication). */
int msg_remote_publish(msg_router *r, const char *sender, size_t slen, const char *topic,
                       size_t tlen, const void *payload, size_t plen, const msg_headers *headers,
                       const char *const *names, const uint8_t *lens, size_t n);
/* Settles FAILED (reason) every request from another host still pending
 * here: their callbacks run now, on this thread. A lattice that leaves
 * calls it once no frame can come in any more, so that none of its
 * callbacks runs after it has gone. */
void msg_remote_fail_incoming(msg_router *r, const char *reason);
/* The outcome of request corr that post carried to another host (status
 * WACTOR_STATUS_*): settles it if it is still pending, else nothing. */
void msg_remote_settle(msg_router *r, int64_t corr, int status, const void *payload, size_t len,
                       const msg_headers *headers);
/* The replica on another host that a message from `from` (NULL: the
 * runtime) to name would go to, or NULL (no lattice, or no host has it).
 * *name_out as for resolve. */
msg_remote *msg_lookup_remote(msg_router *r, const msg_proc *from, const char *name, size_t len,
                              const char **name_out);
/* The lattice's gone() for `to`: "host-lost" when no lattice is attached
 * any more. */
const char *msg_remote_gone(msg_router *r, msg_remote *to);
/* Where names lead has changed in the lattice (a host came or went): every
 * remembered route is looked up again. */
void msg_routes_changed(msg_router *r);
/* This runtime's processes that have a name (fn gets each one), and its
 * subscriptions (each pattern with its process), under the router's read
 * locks: fn must not call into the router. */
void msg_names_each(msg_router *r, void (*fn)(void *ctx, msg_proc *p), void *ctx);
void msg_subs_each(msg_router *r,
                   void (*fn)(void *ctx, msg_proc *p, const char *pattern, size_t len), void *ctx);
uint32_t msg_router_max_message(const msg_router *r);

/* Capability checks (caps.c): true if some pattern of the list matches
 * name, or for subscribe covers the pattern. */
bool msg_caps_allow(const msg_patterns *list, const char *name, size_t len);
bool msg_caps_allow_subscribe(const msg_patterns *list, const char *pattern, size_t len);
/* Whether the `http` grant (msg_http_grant_valid, name.h) lets a call
 * reach host:port. Hosts compare without case; an entry without a port
 * allows every port; "*" as an entry's first label stands for exactly one
 * label. */
bool msg_http_allow(const msg_patterns *grants, const char *host, size_t hlen, unsigned port);
void msg_caps_free(msg_caps *c);

/* The id set (idset.c). */
bool msg_idset_add(msg_idset *s, int64_t id); /* false when out of memory */
bool msg_idset_has(const msg_idset *s, int64_t id);
bool msg_idset_remove(msg_idset *s, int64_t id);
void msg_idset_free(msg_idset *s);

#endif
