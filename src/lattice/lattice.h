/*
 * lattice.h: the lattice's inside (docs/LATTICE.md). One lock, l->lock,
 * guards every field below that is not atomic or fixed at join: peers,
 * links, credits, the directory, counters. It is never held while calling
 * into the router or libnats (the router calls our hooks from within its
 * msg_remote_* entry points, and libnats calls us from its threads).
 * Nothing the router was handed (msg_remote records, their names) is freed
 * before the runtime: a left lattice's memory is retained by the runtime
 * (host_extension_retain).
 */
#ifndef WACTOR_LATTICE_LATTICE_H
#define WACTOR_LATTICE_LATTICE_H

#include "extend.h"
#include "msg.h"
#include "wactor.h"
#include "wire.h"

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>

typedef struct lat_peer lat_peer;

#define LAT_MAX_PEERS 1024u /* live hosts one host keeps links with */
#define LAT_SLOT_CHUNK 1024u
#define LAT_SLOT_CHUNKS 1024u               /* at most a million (host, name) pairs */
#define LAT_PEER_SLOTS 65536u               /* (name) slots of one peer */
#define LAT_DEAD_MAX 64u                    /* dead links and departed instances remembered */
#define LAT_UNHEARD_STATE_BYTES (64u << 20) /* STATE queued toward hosts not heard twice */
/* A stream (a write of at least LAT_LINGER_FRAMES link frames) makes the
 * next write wait until LAT_LINGER_BYTES are waiting or LAT_LINGER_US has
 * passed: one NATS message then carries hundreds of frames, and every
 * thread on the way (ours, the server's, the receiver's) wakes once for
 * them instead of once every few dozen. A lone frame leaves at once. */
#define LAT_LINGER_FRAMES 16u
#define LAT_LINGER_BYTES (64u << 10)
#define LAT_LINGER_US 1000u

/* A link frame kept until the peer acknowledges it. */
typedef struct lat_out {
    struct lat_out *next;
    uint64_t seq;
    uint64_t sent_ms; /* 0: not sent (yet, or again) */
    bool message;     /* a SEND, REQUEST or PUBLISH: counted in `lost` if never acked */
    uint32_t len;
    uint8_t data[];
} lat_out;

/* A name on a peer, as its STATE announced it; the router holds these. */
struct msg_remote {
    struct msg_remote *next; /* of the peer */
    lat_peer *peer;
    bool listed;     /* in the peer's latest STATE */
    bool was_listed; /* in the one before (lat_state_apply's scratch) */
    uint32_t window; /* its mailbox bound */
    uint64_t sent;   /* credits: messages reserved toward it */
    uint64_t consumed;
    uint64_t reserving; /* reserved and not yet posted (they go on the link open then) */
    uint16_t nsubs;
    char **subs; /* its subscription patterns */
    uint8_t len;
    char name[256];
};

/* Messages from a peer to one of our names: the origin tag handed to the
 * router is the slot's index + 1; consumed() counts them. */
typedef struct lat_slot {
    lat_peer *peer;
    /* Bumped by consumed() without the lock (on the receiver's turn): the
     * hot path of every remote message takes no lock there. */
    _Atomic uint64_t consumed;
    uint64_t reported; /* under the lock */
    /* consumed when the peer's current link toward us began (under the
     * lock): ACKs report consumed - base, the credits of that link only. */
    uint64_t base;
    uint8_t len;
    char name[256];
} lat_slot;

struct lat_peer {
    lat_peer *next;
    wactor_lattice *owner; /* a record of a lattice that left is not ours */
    uint64_t instance;
    char name[256];
    char inbox[96];
    bool lost;
    bool has_state;
    bool heartbeat_after_state; /* a heartbeat came after its first STATE */
    /* Our STATE waits until it is heard from again (too much STATE queued
     * toward hosts that have said nothing but HELLO). */
    bool state_deferred;
    uint64_t last_seen_ms;
    /* The link toward it. */
    uint32_t out_epoch;
    uint64_t out_next_seq;
    lat_out *head, *tail; /* unacknowledged, in seq order */
    /* No frame before it waits to be (re)sent; NULL: look from head. The
     * sender thread's walk starts here, not at the head of a long window. */
    lat_out *unsent_from;
    size_t out_frames, out_bytes;
    bool unsent;     /* some frame waits to be (re)sent */
    bool out_acked;  /* an ACK of this epoch came (the peer knows the link) */
    uint32_t rto_ms; /* the resend timeout now (doubles while nothing is acked); 0: the base */
    /* The link from it. */
    uint32_t in_epoch;
    uint64_t in_seq;
    uint32_t ack_pending;
    uint64_t ack_due_ms; /* 0: no ACK owed */
    bool ack_gap;
    /* Its names, and the slots of what it sends our names. */
    struct msg_remote *remotes;
    atomic_bool credits_dirty; /* a slot's consumed moved since its last ACK */
    uint32_t *slots;           /* indices of l's slots */
    size_t nslots, capslots;   /* at most LAT_PEER_SLOTS */
    uint32_t *slot_hash;       /* by name: slot index + 1, 0 empty (open addressing) */
    size_t hash_cap;           /* a power of two, at least twice nslots */
    size_t ack_next;           /* the slot the next ACK starts from (an ACK holds ~60 kB) */
    /* Requests that went to it and are pending here. */
    int64_t *pending;
    size_t npending, cappending;
    uint64_t sent, received, bytes_sent, bytes_received, lost_messages;
};

/* What must happen once l->lock is released. */
typedef struct lat_after {
    int64_t *fail; /* requests to settle FAILED "host lost" */
    size_t nfail, capfail;
    struct lat_down { /* names gone, for the monitors (host_extension_remote_down) */
        struct msg_remote *remote;
        const char *reason;
    } * down;
    size_t ndown, capdown;
    bool routes_changed;
    char log[4][300];
    int log_level[4];
    int nlog;
} lat_after;

struct wactor_lattice {
    wactor_runtime *rt;
    msg_router *router;
    char name[65]; /* a token of at most 64 bytes */
    char host[256], url[1024];
    char url_shown[1024]; /* url without passwords, for messages */
    char hb_subject[96], inbox_subject[96];
    uint64_t instance;
    uint32_t heartbeat_ms;
    uint32_t max_message; /* the runtime's */
    void (*joined_cb)(void *arg, const char *lattice, const char *host);
    void *joined_arg;

    natsOptions *nopts;
    natsConnection *nc;
    natsSubscription *sub_hb, *sub_inbox;

    pthread_mutex_t lock;
    pthread_cond_t wake;        /* the sender thread's */
    pthread_cond_t changed;     /* wactor_lattice_wait's */
    pthread_mutex_t state_lock; /* serializes building STATE (before lock) */
    pthread_t sender;
    bool sender_started, stopping, left;
    bool leaving; /* wactor_lattice_leave has begun (a second call does nothing) */
    atomic_bool connected, ever_connected;
    atomic_bool closing;            /* leaving: a disconnection is ours */
    atomic_uint_fast32_t max_frame; /* the server's max_payload (0 before connecting) */
    bool auth_logged;
    int subs_complete;    /* subscriptions whose handler is done for good */
    bool announce_joined; /* the sender thread calls joined_cb */
    bool nats_closed;     /* the connection's closed callback ran (its last) */
    bool retransmit_all;  /* reconnected: resend every unacknowledged frame */
    /* Batching under load (nats.c): while frames stream out, the sender
     * thread waits for a batch's worth (or a short while) before the next
     * write, and appends do not wake it before that. */
    bool lingering;
    size_t unsent_bytes; /* appended since the sender thread last collected */
    int publish_failure; /* the last natsStatus a publish failed with (logged once) */

    lat_peer *peers; /* lost ones stay (the router may hold their names) */
    /* Slots by origin tag, in chunks that never move (consumed() reads
     * them without the lock; a slot is published to the router only after
     * it is stored here, through the mailbox's own synchronization). */
    lat_slot **slot_chunks[LAT_SLOT_CHUNKS];
    size_t nslots;
    atomic_size_t slots_published; /* nslots, for consumed() (no lock) */
    /* The origin tags handed to the router are generation << 20 | slot:
     * an envelope queued under a lattice that left (the runtime joined
     * again since) is not credited to this one. 1..4095. */
    uint32_t generation;
    lat_buf state_body; /* our STATE's body, for new links */
    uint32_t state_version;
    uint64_t joined_ms, next_hb_ms, last_tick_ms, next_wake_ms;
    /* RESETs owed (to peers and strangers alike). */
    struct lat_loose {
        uint64_t to;
        uint32_t epoch;
        uint16_t flags;
    } loose[16];
    int nloose;
    /* Links from hosts we lost: a frame of one (seq 1 included) gets RESET
     * back, never accepted again (bounded: the oldest are forgotten). */
    struct lat_dead {
        uint64_t instance;
        uint32_t epoch;
    } dead[LAT_DEAD_MAX];
    unsigned ndead; /* entries written so far (a ring) */
    /* Instances that said BYE: whatever still comes from them is ignored. */
    uint64_t gone[LAT_DEAD_MAX];
    unsigned ngone;
    uint64_t dropped, dropped_logged, dropped_log_ms;
    uint64_t rng;
};

/* ---- link.c (under l->lock) -------------------------------------------------- */
uint64_t lat_now_ms(void);
uint64_t lat_random(wactor_lattice *l);
void lat_after_log(lat_after *a, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void lat_after_fail(lat_after *a, int64_t corr);
void lat_after_down(lat_after *a, struct msg_remote *r, const char *reason);
lat_peer *lat_peer_find(wactor_lattice *l, uint64_t instance);
lat_peer *lat_peer_new(wactor_lattice *l, uint64_t instance, const char *name, size_t len);
/* Opens (or reopens) the link toward p: new epoch, STATE first. */
void lat_link_open(wactor_lattice *l, lat_peer *p);
/* Opens the link a deferred STATE was waiting for (p heard again). */
void lat_peer_heard(wactor_lattice *l, lat_peer *p);
/* Appends a frame (its header's link fields are set here). */
bool lat_link_append(wactor_lattice *l, lat_peer *p, const uint8_t *frame, size_t len,
                     bool message);
/* A link record of len bytes, to be written in place (outside the lock)
 * and appended by lat_link_append_out, which takes it, or else freed. */
lat_out *lat_out_new(size_t len);
bool lat_link_append_out(wactor_lattice *l, lat_peer *p, lat_out *o, bool message);
/* Drops the link toward p (its requests fail, its unacked messages are
 * lost), for a RESET or a loss. */
void lat_link_drop(wactor_lattice *l, lat_peer *p, lat_after *a);
void lat_link_acked(wactor_lattice *l, lat_peer *p, const lat_frame *f);
/* Whether a link frame from p is the next one; schedules the ACK (the
 * caller wakes the sender thread when it is due before its next wake-up). */
bool lat_link_accept(wactor_lattice *l, lat_peer *p, const lat_frame *f, uint64_t now);
/* The base resend timeout, and p's now. */
uint32_t lat_rto_base(const wactor_lattice *l);
uint32_t lat_rto(const wactor_lattice *l, const lat_peer *p);
/* Appends to batch what is due toward p: the ACK, then unsent frames;
 * returns how many link frames it took. */
size_t lat_link_collect(wactor_lattice *l, lat_peer *p, uint64_t now, bool heartbeat,
                        lat_buf *batch);
/* The peer is gone: requests fail, names leave. */
void lat_peer_lose(wactor_lattice *l, lat_peer *p, const char *why, lat_after *a);
struct msg_remote *lat_remote_get(lat_peer *p, const char *name, size_t len);
/* The origin tag of (p, name): made only when create (the name is a
 * process here), else 0 when there is none yet. */
uint32_t lat_slot_get(wactor_lattice *l, lat_peer *p, const char *name, size_t len, bool create);
#define LAT_ORIGIN_BITS 20 /* LAT_SLOT_CHUNK * LAT_SLOT_CHUNKS == 1 << 20 */
static inline lat_slot *lat_slot_at(wactor_lattice *l, size_t i)
{
    return l->slot_chunks[i / LAT_SLOT_CHUNK][i % LAT_SLOT_CHUNK];
}
bool lat_pending_add(lat_peer *p, int64_t corr);
bool lat_pending_remove(lat_peer *p, int64_t corr);
/* Applies a STATE frame to p's directory (names it no longer lists are
 * gone: "stopped"). */
void lat_state_apply(lat_peer *p, const lat_frame *f, lat_after *a);
void lat_peer_free(lat_peer *p);
/* Dead links (of lost hosts) and departed instances (BYE). */
void lat_dead_add(wactor_lattice *l, uint64_t instance, uint32_t epoch);
bool lat_dead_is(const wactor_lattice *l, uint64_t instance, uint32_t epoch);
void lat_gone_add(wactor_lattice *l, uint64_t instance);
bool lat_gone_is(const wactor_lattice *l, uint64_t instance);
/* Queues a RESET of epoch to instance (sent by the sender thread). */
void lat_reset_owed(wactor_lattice *l, uint64_t instance, uint32_t epoch, uint16_t flags);

/* ---- lattice.c ----------------------------------------------------------------- */
extern const msg_lattice_ops lat_ops;
/* A message from another host left its mailbox (or never reached one). */
void lat_credit_consumed(void *arg, uint32_t origin);

/* ---- inbound.c ------------------------------------------------------------------ */
void lat_on_hb_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure);
void lat_on_inbox_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure);
void lat_on_sub_complete(void *closure);

/* ---- nats.c --------------------------------------------------------------------- */
/* Options, and in the foreground the connection (else lat_connect_background
 * on the sender thread): OK or ESYSTEM with wactor_errmsg(NULL) set. */
int lat_connect(wactor_lattice *l, const wactor_lattice_options *o, bool background);
bool lat_connect_background(wactor_lattice *l);
void lat_after_run(wactor_lattice *l, lat_after *a);
void lat_state_rebuild(wactor_lattice *l);
void *lat_sender_main(void *arg);
void lat_publish_broadcast(wactor_lattice *l, uint8_t kind);
void lat_log(wactor_lattice *l, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
