/*
 * host.h: where the engine meets the actors. A component is a message
 * process (msg_proc) whose deliver function runs a WebAssembly instance;
 * the guest reaches the messaging layer through the `wactor` imports.
 *
 *   api.c        the embedding API of include/wactor.h: modules, components,
 *                the host's messages
 *   runtime.c    a runtime's construction and graceful end
 *   errors.c     codes' names, the last error (wactor_errmsg)
 *   log.c        the log
 *   component.c  spawning, delivering one message to the guest, crashes,
 *                restarts and stops
 *   abi.c        the one check of a module against the component ABI
 *   imports.c    the `wactor` host functions
 *   counters.c   the handlers' counters for wactor_stats: fuel, time, crashes
 *   children.c   templates, and the components a component spawns from them
 *   monitors.c   monitor/demonitor and the `@down` messages
 *   groups.c     supervision groups: strategies and the group's intensity
 *
 * Threads: a component's instance is only ever touched by the thread
 * running its turn (or by spawn, which holds its actor meanwhile). Each
 * worker lends its own wa_stack to whatever instance it runs, so idle
 * instances hold no execution stack.
 */
#ifndef WACTOR_HOST_H
#define WACTOR_HOST_H

#include "msg.h"
#include "store.h"
#include "wactor.h"
#include "wasi.h"
#include "wasm.h"

#include <pthread.h>
#include <stdio.h>

#define HOST_DEFAULT_MEMORY (64u << 20)
#define HOST_DEFAULT_TIME_MS 30000u
#define HOST_DEFAULT_STACK 20000u
#define HOST_DEFAULT_MAILBOX 10000u
#define HOST_DEFAULT_PENDING 10000u
#define HOST_DEFAULT_TIMERS 1000u
/* Linear memories kept for reuse after a crash or a stop: up to this many,
 * of at most this size (a restart then maps nothing; see wa_mempool). */
#define HOST_POOL_MEMORY_MAX (256u << 10)
#define HOST_POOL_MEMORY_COUNT 32u
/* Frames the workers' stacks have room for: the deepest `stack` limit. */
#define HOST_MAX_STACK 1000000u

struct wactor_module {
    wa_module *m;
    atomic_int refs;
    char *path; /* the file it was loaded from, or NULL */
    /* Its compiled code (tier.c), looked for once, at the first spawn that
     * wants it: the artifact, or why there is none. */
    pthread_mutex_t aot_lock;
    bool aot_tried;
    struct wa_aot_artifact *aot;
    char aot_why[240];
};

/* The imports of module `wactor` (imports.c), in a fixed order. */
#define HOST_NIMPORTS 28

typedef struct host_component host_component;

/* The span of the message a component is handling (trace.c). */
typedef struct host_span {
    bool active;     /* this message is traced: what the handler sends carries hdr */
    bool has_parent; /* it continued a traceparent */
    uint8_t trace[16], parent[8], span[8];
    uint64_t start_us, t0; /* wall clock; host_clock_ticks */
    uint64_t rng;          /* span ids; 0 until the first */
    msg_hdrbuf hdr;        /* "traceparent: 00-TRACE-SPAN-01" */
    msg_meta meta;         /* hdr as what sends carry */
} host_span;
struct host_http_request; /* extend.h */
typedef struct host_watchdog host_watchdog;

struct wactor_runtime {
    wactor_runtime_options opts;
    char *cache_dir;         /* opts.cache_dir, copied */
    rt_timers *timers;       /* request timeouts, restart back-off */
    wa_mempool *mempool;     /* memories of crashed or stopped instances, for reuse */
    host_watchdog *watchdog; /* time limits: one slot per worker, one for spawn */
    rt_sched *sched;
    msg_router *router;
    wa_stack **stacks; /* one per worker */
    unsigned nstacks;
    wa_func *imports[HOST_NIMPORTS];
    /* Spawning runs guest code (_initialize, wactor_init) on the calling
     * thread, on this stack. */
    pthread_mutex_t spawn_lock;
    wa_stack *spawn_stack;
    /* Every component ever spawned; freed with the runtime. Those whose
     * start-up left no component (withdrawn) are listed apart, since
     * nothing may find them by name. */
    pthread_mutex_t lock;
    host_component **all;
    size_t nall, capall;
    host_component *withdrawn;
    atomic_bool closing;
    /* The part built on top (extend.h: the lattice), detached first by
     * wactor_runtime_free; under `lock`. */
    void (*ext_detach)(void *arg);
    void *ext_arg;
    /* Tracing (trace.c): on when a trace file or callback is set. */
    bool tracing;
    pthread_mutex_t trace_lock;
    FILE *trace_file;     /* buffered: lines reach it within TRACE_FLUSH_MS */
    rt_timer trace_flush; /* armed while unflushed lines wait; under trace_lock */
    bool trace_flush_armed;
    /* The HTTP client (extend.h), under `lock`; read by http_request. */
    void (*_Atomic http_start)(void *arg, const struct host_http_request *req);
    void (*http_detach)(void *arg);
    void *_Atomic http_arg;
    /* What an extension left for after the router (host_extension_retain). */
    struct host_retained *retained;
    pthread_mutex_t audit_lock;
    FILE *audit_file; /* NULL: the callback or standard error */
    store *store;     /* the components' key-value storage */
    /* Templates (children.c): what a component's spawn starts from; under
     * `lock`, added only by the embedder. */
    struct host_template *templates;
    size_t ntemplates, captemplates;
    /* Monitors (monitors.c): every live reference, under mon_lock. */
    pthread_mutex_t mon_lock;
    struct host_monitor *monitors;
    size_t nmonitors, capmonitors;
    struct host_remote_monitor *rmonitors; /* of names on other hosts */
    size_t nrmonitors, caprmonitors;
    int64_t next_ref;
    /* Supervision groups (groups.c), under `lock`, added only by the embedder. */
    struct host_group **groups;
    size_t ngroups, capgroups;
};

/* One version of a component: its module and what its options set (the
 * capabilities live in the msg_proc). Spawn makes the first; an upgrade
 * replaces it whole, and puts the old one back if the new one fails. */
/* A files grant, owned (wactor_files_grant copied). */
typedef struct host_files {
    char *name, *path;
    bool write;
} host_files;

typedef struct host_version {
    wactor_module *module;
    uint8_t *config;
    size_t config_len;
    char **env;
    int restart;
    wactor_limits limits;
    uint64_t storage; /* key-value quota */
    unsigned wasi_caps;
    host_files *files; /* preopened for WASI at each instantiation */
    size_t nfiles;
    uint32_t health_ms, health_unhealthy; /* health checks (health.c), defaults applied */
    msg_patterns spawn;                   /* templates this version may spawn (children.c) */
    int tier;                             /* wactor_tier, the default resolved */
} host_version;

struct host_component {
    msg_proc proc; /* first */
    wactor_runtime *rt;
    host_version ver;
    wa_instance *inst; /* NULL once stopped */
    wasi_ctx *wasi;
    wa_func *on_message, *on_callback, *on_shutdown;
    msg_envelope *current; /* the message being handled, for msg_* */
    host_span span;        /* its span, when traced (trace.c) */
    /* Headers set with respond_header for answers not sent yet (headers.c);
     * touched only on the component's turns. */
    struct host_answer *answers;
    uint32_t nanswers, answers_cap, answer_bytes;
    /* Supervision, touched only on the component's turns. */
    bool healthy;      /* the instance has handled a message successfully */
    bool start_exited; /* the last start-up ended in proc_exit(0): a clean stop, no crash */
    /* Why the last instance ended, a static string: "crashed: KIND"
     * (host_crash_reason), "exited" or "failed to start". */
    const char *down_reason;
    uint32_t backoff_ms;
    uint64_t *restart_times; /* ring of the last max_restarts restarts (ns) */
    uint32_t restart_next;
    /* Set by a stop: a back-off that ends now does not restart, so the stop
     * waiting in the mailbox is reached (a crash loop would otherwise
     * restart and pause again before every look at the mailbox). */
    atomic_bool stop_requested;
    /* Upgrades posted and not yet handled: a back-off ending meanwhile does
     * not restart the old version, the upgrade's turn decides (and restarts
     * it if the upgrade cannot go on without an instance). */
    atomic_uint upgrades_waiting;
    struct host_timers *timers; /* timers.c; made at the first send_after */
    /* Health checks (health.c): on the component's turns, but health_last,
     * which wactor_stats reads (-1: no answer from this instance yet). */
    rt_timer health_timer;
    bool health_armed; /* its timer is armed, or its check is on its way */
    uint32_t health_bad;
    _Atomic int health_last;
    /* The tier its instance runs in (wactor_stats.tier): WACTOR_TIER_AOT or
     * WACTOR_TIER_INTERP; 0 without an instance. */
    _Atomic int tier_now;
    host_component *next_withdrawn; /* in wactor_runtime.withdrawn */
    /* Children (children.c): the component that spawned this one (NULL for
     * the embedder's), fixed at spawn; components live as long as the
     * runtime, so the pointer stays valid. needs_start: the start-up runs
     * on the child's first turn. */
    host_component *parent;
    bool needs_start;
    /* Its supervision group (groups.c), set when it is registered, and its
     * place among the members; group_plan (under the group's lock) is a
     * plan of restarts whose turn is this member's, group_due says so. */
    struct host_group *group;
    uint32_t group_index;
    struct host_plan *group_plan;
    atomic_bool group_due;
    bool group_replan; /* c crashed: its group's plan follows its restart (its turn) */
    /* c crashed in a one_for_all group: no instance, paused until the plan
     * reaches it (group_due), then a back-off of group_backoff_ms if any. */
    atomic_bool group_wait;
    uint32_t group_backoff_ms;
    /* Set once, under the runtime's mon_lock, when the component stops for
     * good: the reason its monitors were told (monitors.c). */
    const char *gone;
    /* Output lines in progress (stdout, stderr). */
    char out[2][512];
    size_t outlen[2];
    atomic_uint_least64_t restarts;
    /* Handlers' counters (counters.c), over all incarnations: written by
     * the component's turns; crashes_by by host_count_crash (crashes are
     * their sum). fuel_used is the last guest call's fuel (host_run_guest),
     * for its handler's account. */
    atomic_uint_least64_t fuel, handler_ticks, handler_hist[WACTOR_HANDLER_BUCKETS];
    atomic_uint_least64_t crashes_by[WACTOR_CRASH_KINDS];
    uint64_t fuel_used;
    /* For wactor_stats, written by the component's turns (or its spawn),
     * read by any thread: its wactor_state, and its instance's linear
     * memory in bytes after the last call into it (0 without one). */
    _Atomic int state;
    atomic_uint_least64_t memory;
    /* Storage bytes for wactor_stats: asked of the store only when a
     * kv_set/kv_delete has happened since the last time (storage_clean
     * false: cleared by the write, set by the reader), so that reading statistics
     * costs the store nothing most of the time and the writes nothing. */
    atomic_uint_least64_t storage_used;
    atomic_bool storage_clean;
    /* Upgrade (component.c): the old version's state_save bytes, from its
     * wactor_on_upgrade to the end of the new version's wactor_init.
     * `phase` says which of state_save (saving) or state_load (loading) is
     * valid now; touched only on the component's turn. */
    uint8_t *saved;
    size_t saved_len;
    bool starting_up; /* _initialize or wactor_init runs (host_start_instance) */
    enum { HOST_PHASE_NONE, HOST_PHASE_SAVING, HOST_PHASE_LOADING } phase;
};

/* log.c */
void host_log(wactor_runtime *rt, int level, const char *component, const char *text, size_t len);
/* The same whatever the log level: a component's stdout and stderr, which
 * the ABI sends to the log, are its output, not the runtime's chatter. */
void host_log_always(wactor_runtime *rt, int level, const char *component, const char *text,
                     size_t len);
void host_logf(wactor_runtime *rt, int level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* errors.c: records the calling thread's last error on rt (NULL for calls
 * made without a runtime) and returns code. */
int host_fail(wactor_runtime *rt, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* abi.c: the component ABI's exports, in the order the runtime uses them. */
enum {
    HOST_ON_MESSAGE,
    HOST_INITIALIZE,
    HOST_INIT,
    HOST_ON_CALLBACK,
    HOST_ON_SHUTDOWN,
    HOST_ON_UPGRADE,
    HOST_HEALTH,
    HOST_NEXPORTS
};
typedef struct host_export {
    const char *name;
    wa_functype type;
} host_export;
extern const host_export host_exports[HOST_NEXPORTS];
/* Every problem of m as a component with these limits (NULL: defaults), in
 * *out; returns how many, or ENOMEM (then *out is empty). */
int host_abi_check(const wa_module *m, const wactor_limits *limits, wactor_problems *out);

/* tier.c: m's compiled code, looked for once (runtime.cache, then
 * PATH.so beside the module's file); NULL with why filled when there is
 * none that loads; who (the component that asks) names the log line of
 * the first look. host_module_tier_free closes it (wactor_module_free). */
const wa_native *host_module_native(wactor_runtime *rt, const char *who, wactor_module *m,
                                    char *why, size_t whylen);
void host_module_tier_free(wactor_module *m);

/* component.c */
int host_spawn(wactor_runtime *rt, const wactor_component_options *opts);
/* Whether the calling thread is running a start-up of one of rt's
 * components (a callback from its wactor_init): then the calls that wait
 * for the runtime or start components would wait for themselves. */
bool host_starting_here(const wactor_runtime *rt);
/* Makes a fresh instance and runs _initialize and wactor_init. Returns OK,
 * or EMODULE / ESTART / ENOMEM with the reason in why. */
int host_start_instance(host_component *c, char *why, size_t whylen);
void host_drop_instance(host_component *c);
/* Calls an export of c's instance on the calling thread's stack, under its
 * fuel and time limits. */
wa_trap host_run_guest(host_component *c, wa_func *f, const wa_val *args, wa_val *results);
int host_stop(wactor_runtime *rt, host_component *c);
/* Replaces c's module and settings by those of o on c's turn, and waits
 * for the outcome (wactor_upgrade). */
int host_upgrade(wactor_runtime *rt, host_component *c, const wactor_component_options *o);
static inline void host_set_state(host_component *c, int state)
{
    atomic_store_explicit(&c->state, state, memory_order_relaxed);
}
void host_component_free(host_component *c);
/* Logs a publication a subscriber missed (the router's msg_dropped_fn; arg
 * is the runtime). */
void host_publication_dropped(void *arg, msg_proc *subscriber, const char *topic, size_t tlen,
                              const char *sender, size_t slen);

/* audit.c */
bool host_audit_open(wactor_runtime *rt);
void host_audit_close(wactor_runtime *rt);
/* One audit line; target may be NULL. decision: "denied" for a refused
 * call, "ok" for a lifecycle event. */
void host_audit(wactor_runtime *rt, const char *component, const char *action, const char *target,
                size_t target_len, const char *decision, const char *reason);

/* supervise.c: on the component's turn. */
/* The instance trapped or exited: log it, drop it, then supervise. */
void host_crashed(host_component *c, wa_trap trap);
/* "crashed: KIND", KIND the ABI's word for the trap (docs/ABI.md,
 * "Failure"): the reason of the FAILED callbacks a crash causes, and the
 * first words of its log and audit lines. */
const char *host_crash_reason(wa_trap trap);
int host_crash_kind(wa_trap trap); /* wactor_crash_kind */
/* The instance is gone (clean: after proc_exit(0)): restart it now, after
 * a back-off, or stop for good, per the policy and the intensity. */
void host_supervise(host_component *c, bool clean);
/* Starts a fresh instance of the current version now, on the component's
 * turn; a failed start is one more crash (supervised as any). */
void host_restart(host_component *c);
/* The same for a component whose first start failed (clean: it called
 * proc_exit(0)), on the spawning thread, which holds its actor
 * (rt_actor_hold) and lets go through this. */
void host_supervise_held(host_component *c, bool clean);
/* Logs and audits a start-up that did not succeed (`what` names it in the
 * log): a crash, counted as one, or a clean proc_exit(0) (c->start_exited),
 * which is returned. */
bool host_start_failed(host_component *c, const char *what, const char *why);

/* children.c */
typedef struct host_next {
    host_version ver;
    msg_caps caps;
} host_next;
/* The guest's spawn and stop (imports.c checked the ranges). */
int host_spawn_child(host_component *parent, const char *tmpl, size_t tlen, const char *suffix,
                     size_t slen, const uint8_t *config, size_t clen);
int host_stop_child(host_component *parent, const char *name, size_t len);
/* c's first turn: runs the start-up spawn_child deferred to it. */
void host_child_start(host_component *c);
void host_templates_free(wactor_runtime *rt);
/* Asks every child of c that has not stopped to stop (host_down). */
void host_children_stop(host_component *c);

/* component.c, for children.c */
void host_version_free(host_next *v);
int host_version_make(wactor_runtime *rt, const wactor_component_options *o, host_next *v);
/* A copy of a version (module shared) with another config. */
int host_version_clone(const host_next *from, const uint8_t *config, size_t clen, host_next *to);
/* Makes, registers and lists a component of version v (taken over in every
 * case); its start-up runs on its first turn. */
int host_spawn_deferred(wactor_runtime *rt, const char *name, host_next *v, host_component *parent);
/* Asks c to stop gracefully on its turn, without waiting. */
void host_stop_async(host_component *c);
/* The same, stopped for good as a failure: its monitors are told reason
 * (e.g. "restart-limit"). */
void host_stop_async_reason(host_component *c, const char *reason);

/* monitors.c */
/* c has stopped for good (reason: the ABI's word): its children are asked
 * to stop, its monitors get `@down NAME REASON`, its own monitors end.
 * Once per component; on its turn (or its spawn's thread). */
void host_down(host_component *c, const char *reason);
int64_t host_monitor_add(host_component *watcher, const char *name, size_t len);
int host_demonitor(host_component *watcher, int64_t ref);
void host_monitors_free(wactor_runtime *rt);

/* groups.c (supervision groups) */
/* c was registered: it joins the group it is a member of; under rt->lock. */
void host_group_join(wactor_runtime *rt, host_component *c);
/* c, a member, crashed and its policy restarts it: true if its group's
 * intensity allows (one restart counted); false (why says it) when the
 * group has stopped, or stops now (its other members are asked to stop
 * with reason restart-limit): c is then to stop for good. */
bool host_group_allows(host_component *c, char *why, size_t whylen);
/* After c's own restart (or back-off): the other members its strategy
 * names restart, one after the other in start order. */
void host_group_plan(host_component *c);
/* True if c's group restarts every member in start order, c included
 * (one_for_all): c's restart then waits for its turn (host_group_wait). */
bool host_group_in_order(const host_component *c);
/* From c's own turn, after its crash that the group allows: the plan of
 * every member's restart is made, and c, without an instance, sleeps until
 * the plan reaches it, then backs off for backoff_ms (0: none) and restarts. */
void host_group_wait(host_component *c, uint32_t backoff_ms);
/* At the start of each delivery when c->group_due: c's turn to restart. */
void host_group_turn(host_component *c);
/* c stopped for good: a plan waiting for it goes on without it. */
void host_group_down(host_component *c);
/* True if e is the control that woke c for its turn (then handled). */
bool host_group_control(host_component *c, const msg_envelope *e);
void host_groups_free(wactor_runtime *rt);

/* counters.c */
/* Calibrates the handlers' clock, once per process (wactor_runtime_new). */
void host_clock_init(void);
/* The handlers' clock: a time-stamp counter where it is invariant, else
 * CLOCK_MONOTONIC; host_clock_ns converts ticks (a difference of two
 * readings, or a sum of them) to nanoseconds. */
uint64_t host_clock_ticks(void);
uint64_t host_clock_ns(uint64_t ticks);
/* One handler ran for `ticks` and used c->fuel_used: on c's turn. */
void host_count_handler(host_component *c, uint64_t ticks);
/* One crash of that kind (wactor_crash_kind), counted in crashes too. */
void host_count_crash(host_component *c, int kind);

/* watchdog.c */
host_watchdog *host_watchdog_new(unsigned workers);
void host_watchdog_free(host_watchdog *wd);
void host_watchdog_set_sched(host_watchdog *wd, rt_sched *s);
/* Around each call into a guest: slot is the worker's index (or the
 * number of workers for spawn); clears the instance's interrupt flag. */
void host_watch_begin(host_watchdog *wd, unsigned slot, wa_instance *inst, uint32_t time_ms);
void host_watch_end(host_watchdog *wd, unsigned slot);
/* Interrupts every handler running now (wactor_interrupt). */
void host_watchdog_interrupt_all(host_watchdog *wd);

/* imports.c */
/* Headers kept for answers (headers.c): respond_header's checks, in the
 * ABI's order, then the header is kept for corr's answer; respond takes
 * them, with the handler's traceparent if it is traced (false: no header
 * at all; *out, zeroed by the caller, then untouched); the rest go with
 * the component. */
int host_respond_header(host_component *c, int64_t corr, const char *name, size_t nlen,
                        const uint8_t *value, size_t vlen);
bool host_answer_headers(host_component *c, int64_t corr, msg_hdrbuf *out);
void host_answers_free(host_component *c);

/* timers.c (ABI.md v2, "Timers"). send_after and timer_cancel, on the
 * component's turn (or its start-up): an id > 0 or a code. */
int64_t host_send_after(host_component *c, const char *target, size_t tlen, const uint8_t *payload,
                        size_t plen, int32_t delay_ms, int32_t period_ms);
int host_timer_cancel(host_component *c, int64_t id);
/* On the turn: true if e is a timer's firing (then handled). */
bool host_timer_control(host_component *c, const msg_envelope *e);
/* Cancels every timer, or (since_mark) those made since host_timers_mark:
 * the instance is gone, or an upgrade's new version failed to start. */
void host_timers_mark(host_component *c);
void host_timers_cancel(host_component *c, bool since_mark);
uint32_t host_timers_count(host_component *c);
void host_timers_free(host_component *c); /* with the runtime, after its timer thread */

/* health.c (ABI.md v2, "Health"), on the component's turn. */
#define HOST_DEFAULT_HEALTH_MS 5000u
#define HOST_DEFAULT_UNHEALTHY 3u
void host_health_started(host_component *c); /* a fresh instance: checks begin */
void host_health_arm(host_component *c);
/* True if e is a health check (then run). */
bool host_health_control(host_component *c, const msg_envelope *e);

/* http_out.c: the checks and start of http_request; r holds the guest's
 * ranges (method, url, headers, body) and gets the rest. Returns the
 * correlation id or a code. */
int64_t host_http_request_start(host_component *c, struct host_http_request *r, int32_t timeout_ms);

/* trace.c: on the component's turn. begin (called only when tracing is
 * on or e has headers: else there is no span) decides whether e's handler
 * has a span; meta is what the handler's sends carry then (NULL: none);
 * end writes the span's line (outcome: "ok", "error", "crashed: KIND"). */
void host_span_begin(host_component *c, const msg_envelope *e);
static inline const msg_meta *host_span_meta(const host_component *c)
{
    return c->span.active ? &c->span.meta : NULL;
}
void host_span_end(host_component *c, const msg_envelope *e, const char *outcome);
void host_span_free(host_component *c);
bool host_trace_open(wactor_runtime *rt);
void host_trace_close(wactor_runtime *rt);

bool host_imports_new(wactor_runtime *rt);
void host_imports_free(wactor_runtime *rt);
/* The import of module `wactor` named field: its position and type, or -1. */
int host_import_index(wa_name field);
const wa_functype *host_import_type(wa_name field);

#endif
