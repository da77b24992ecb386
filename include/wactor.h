/*
 * wactor.h: the public header for programs that embed wactor.
 *
 * A runtime (wactor_runtime) owns a pool of worker threads, a timer thread
 * and every component spawned into it; components are WebAssembly modules
 * that implement the guest ABI (docs/ABI.md). The embedding program talks to
 * them as the sender "@host": fire-and-forget sends, requests that end in
 * exactly one callback, a blocking call helper, and publications.
 *
 * Conventions:
 * - Every function returns a result code from WACTOR_RESULT_LIST (0 or a
 *   positive value is success) or a pointer that is NULL on failure. After a
 *   failure, wactor_errmsg(rt) explains it in one line, on the thread that
 *   made the call.
 * - Option structs are read during the call only; zero-initialised fields
 *   mean the documented defaults.
 * - Callbacks run on runtime threads, often inside a guest's call: they must
 *   be quick. From them, wactor_spawn, wactor_stop, wactor_call and
 *   wactor_wait_idle return ESTATE, and wactor_runtime_free must not be
 *   called; sending, requesting and publishing are fine.
 * - No global state: several runtimes can live in one process.
 */
#ifndef WACTOR_H
#define WACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WACTOR_VERSION_MAJOR 0
#define WACTOR_VERSION_MINOR 3
#define WACTOR_VERSION_PATCH 0
#define WACTOR_VERSION "0.3.0"

/* Result codes and callback statuses: one table, in wactor_codes.h. The
 * ABI's codes (docs/ABI.md) come first; the rest only reach the embedder. */
#include "wactor_codes.h"

const char *wactor_result_name(int code);    /* "ENOTFOUND" */
const char *wactor_result_message(int code); /* "not found" */

const char *wactor_status_name(int status); /* "TIMEOUT" */

typedef enum wactor_log_level {
    WACTOR_LOG_TRACE = 0,
    WACTOR_LOG_DEBUG = 1,
    WACTOR_LOG_INFO = 2,
    WACTOR_LOG_WARN = 3,
    WACTOR_LOG_ERROR = 4,
} wactor_log_level;

/* ---- runtime ------------------------------------------------------------ */

typedef struct wactor_runtime wactor_runtime;

/* Receives every audit line: one JSON object (no newline), only valid
 * during the call. */
typedef void (*wactor_audit_fn)(void *arg, const char *line, size_t len);

/* Receives every log line: the runtime's own and the components' (`log`,
 * and their stdout/stderr, one call per line). `component` is NULL for the
 * runtime itself. text is not NUL-terminated and only valid during the call. */
typedef void (*wactor_log_fn)(void *arg, int level, const char *component, const char *text,
                              size_t len);

typedef struct wactor_runtime_options {
    unsigned workers;            /* worker threads; 0 = one per core */
    uint32_t max_message;        /* payload bytes; 0 = 1 MiB */
    uint32_t request_timeout_ms; /* for requests with timeout <= 0; 0 = 30 s */
    int log_level; /* lines below it are dropped, but for the components' stdout (info) and
                      stderr (warn) lines, which always pass; default WACTOR_LOG_TRACE (0) */
    /* Restart intensity, for every component: at most max_restarts restarts
     * within restart_within_ms, after which a crashing component is stopped
     * for good. max_restarts 0 = 5 (negative = no restart at all);
     * restart_within_ms 0 = 10 s. */
    int32_t max_restarts;
    uint32_t restart_within_ms;
    wactor_log_fn log; /* NULL = standard error, "LEVEL component: text" */
    void *log_arg;
    /* The audit log (JSON lines: every call a capability refused, every
     * spawn, crash, restart and stop): to the callback if set, else
     * appended to the file audit_path, else to standard error (there
     * refusals always; crashes as warnings and the other events as info,
     * subject to log_level). */
    wactor_audit_fn audit;
    void *audit_arg;
    const char *audit_path;
    /* Traces (runtime.trace): one JSON line per handled message (docs/
     * TRACING.md), to the callback if set, else appended to trace_path;
     * neither: no trace is written (a traceparent that messages carry is
     * still passed along). */
    wactor_audit_fn trace;
    void *trace_arg;
    const char *trace_path;
    /* Directory of the components' key-value storage (created if missing;
     * it survives the runtime); NULL = in memory, gone with the runtime. */
    const char *storage_path;
    /* The largest module file wactor_module_load_file (and a spawn's path)
     * reads, in bytes; 0 = 256 MiB. The path must name a regular file: a
     * directory, FIFO, device, or a file over this size is refused with
     * WACTOR_EMODULE before anything past the limit is read. */
    uint64_t max_module;
    /* The ahead-of-time tier (docs/AOT.md): the tier of components whose
     * options give none (a wactor_tier; 0 = auto), and a folder of
     * artifacts named by their module's SHA-256 (HEX.so, as `wactor run
     * --compile` makes them), looked in before MODULE.wasm.so beside a module
     * loaded from a file; NULL = none. */
    int tier;
    const char *cache_dir;
} wactor_runtime_options;

/* Starts the worker and timer threads. NULL options = defaults. Returns NULL
 * when out of memory, when threads cannot start, or when the audit file or
 * the storage cannot be opened; wactor_errmsg(NULL) then says which. */
wactor_runtime *wactor_runtime_new(const wactor_runtime_options *opts);

/* Stops gracefully and frees everything: new messages are refused, running
 * handlers finish (within their time limits), mail already queued is
 * handled, every running component gets wactor_on_shutdown, pending
 * requests end (host callbacks get FAILED), threads are joined. NULL is
 * allowed. */
void wactor_runtime_free(wactor_runtime *rt);

/* Interrupts every handler running at the call, as its time limit would:
 * the component crashes (its requester gets FAILED) and restarts per its
 * policy. For a caller that gives up waiting, before wactor_runtime_free
 * (`wactor call --timeout`). Handlers started later are not affected. */
int wactor_interrupt(wactor_runtime *rt);

/* The last error of a call on this runtime made by the calling thread, one
 * line ("" if none): each thread has its own, like errno. rt NULL: the last
 * error of a call made without a runtime (module loading and checking with
 * rt NULL) or of a wactor_runtime_new that returned NULL, which says why
 * ("storage /x: cannot open: Permission denied"). */
const char *wactor_errmsg(const wactor_runtime *rt);
/* The code of the error wactor_errmsg describes (WACTOR_OK if none), for
 * the calls that return a pointer. */
int wactor_errcode(const wactor_runtime *rt);

/* ---- modules and components --------------------------------------------- */

/* A compiled module, shareable by any number of components and runtimes
 * (spawn takes a reference; free it whenever the embedder no longer needs
 * it). rt may be NULL: it only receives the error (wactor_errmsg), which
 * names the file, and for a malformed or invalid module the section and
 * byte offset. The bytes are copied. */
typedef struct wactor_module wactor_module;

wactor_module *wactor_module_load(wactor_runtime *rt, const uint8_t *bytes, size_t len);
/* Reads and loads the module file at path: a regular file of at most the
 * runtime's max_module bytes (256 MiB by default, and without a runtime);
 * anything else (a directory, a FIFO, a device, a larger file) is refused
 * before it is read. NULL with the reason in wactor_errmsg ("PATH: is a
 * FIFO, not a regular file") and its code in wactor_errcode: EMODULE,
 * ETOOBIG for the size, ENOMEM. _limit takes the limit itself (0 = 256 MiB),
 * for a caller without a runtime. */
wactor_module *wactor_module_load_file(wactor_runtime *rt, const char *path);
wactor_module *wactor_module_load_file_limit(wactor_runtime *rt, const char *path,
                                             uint64_t max_bytes);
void wactor_module_free(wactor_module *m);

/* How a component's code runs (docs/AOT.md). The tier changes speed only:
 * results, traps, fuel and limits are the same in each. */
typedef enum wactor_tier {
    WACTOR_TIER_DEFAULT = 0, /* the runtime's (wactor_runtime_options.tier), else auto */
    WACTOR_TIER_AUTO = 1,    /* compiled when an up-to-date artifact loads, else interpreted */
    WACTOR_TIER_INTERP = 2,  /* interpreted */
    WACTOR_TIER_AOT = 3,     /* compiled, or the spawn fails (EMODULE, saying why) */
} wactor_tier;

typedef enum wactor_restart {
    WACTOR_RESTART_PERMANENT = 0, /* always restart */
    WACTOR_RESTART_TRANSIENT = 1, /* restart after a crash, not after proc_exit(0) */
    WACTOR_RESTART_TEMPORARY = 2, /* never restart */
} wactor_restart;

/* WASI facets a component may use (others get errno notcapable). */
enum {
    WACTOR_WASI_STDOUT = 1u << 0,
    WACTOR_WASI_STDERR = 1u << 1,
    WACTOR_WASI_CLOCK = 1u << 2,
    WACTOR_WASI_RANDOM = 1u << 3,
    WACTOR_WASI_ENV = 1u << 4,
};

/* Limits; 0 = the default shown. */
typedef struct wactor_limits {
    uint64_t memory;  /* linear memory bytes; 64 MiB */
    int64_t fuel;     /* per delivered message; unlimited (also for < 0) */
    uint32_t time_ms; /* wall clock per delivered message; 30 s */
    uint32_t stack;   /* call depth; 20000 */
    uint32_t mailbox; /* queued messages before senders get EFULL; 10000 */
    uint32_t pending; /* requests awaiting their callback; 10000 */
    uint32_t timers;  /* timers set with send_after and not yet done; 1000 */
} wactor_limits;

/* One way a module falls short of a component (docs/ABI.md). */
typedef enum wactor_problem_kind {
    WACTOR_PROBLEM_EXPORT = 1, /* a required export missing, or one of the wrong kind or type */
    WACTOR_PROBLEM_IMPORT,     /* an import the runtime does not provide, or of the wrong type */
    WACTOR_PROBLEM_START,      /* a start function (it would run outside the limits) */
    WACTOR_PROBLEM_SEGMENT,    /* a data or element segment that never fits: it cannot start */
    WACTOR_PROBLEM_LIMIT,      /* over the component's limits (initial memory) */
} wactor_problem_kind;

typedef struct wactor_problem {
    int kind;         /* wactor_problem_kind */
    const char *name; /* what it is about: "wactor_init", "wactor.send", "memory"; or NULL */
    const char *text; /* one line for a person, naming it too */
} wactor_problem;

typedef struct wactor_problems {
    wactor_problem *v;
    size_t n;
} wactor_problems;

/* Checks m against the component ABI exactly as wactor_spawn does (exports
 * and their types, imports, start function, segments, and limits: NULL or
 * zero fields = the defaults). Fills *out, which the caller frees with
 * wactor_problems_free (also when empty), and returns the number of
 * problems: 0 means a spawn with these limits will not refuse the module
 * (wactor_init may still fail). ENOMEM or EINVAL otherwise, *out empty. */
int wactor_module_check(const wactor_module *m, const wactor_limits *limits, wactor_problems *out);
void wactor_problems_free(wactor_problems *p);

/* A list of patterns (ABI.md syntax), e.g. {"orders", "billing.*"}. */
typedef struct wactor_patterns {
    const char *const *v;
    size_t n;
} wactor_patterns;

/* A host folder a component may reach through WASI's file calls (docs/WASI.md),
 * preopened under `name` (what wasi-libc matches paths against: a component
 * opens "data/x" for name "data"). Nothing outside the folder is reachable. */
typedef struct wactor_files_grant {
    const char *name; /* 1..255 bytes of [A-Za-z0-9._-], not "." or ".." */
    const char *path; /* an existing folder, opened at each instantiation */
    bool write;       /* false: read-only, every change is refused (notcapable) */
} wactor_files_grant;

typedef struct wactor_component_options {
    const char *name; /* required: ABI.md name syntax */
    /* The module: exactly one of these three. */
    wactor_module *module;
    const char *path;
    const uint8_t *bytes;
    size_t len;
    const void *config; /* what the `config` import returns */
    size_t config_len;
    const char *const *env; /* "NAME=VALUE" strings, NULL-terminated, or NULL */
    int restart;            /* wactor_restart */
    wactor_limits limits;
    /* Capabilities: deny by default. */
    wactor_patterns send, request, publish, subscribe;
    /* Outbound HTTP (http_request): "host" or "host:port" entries, "*" as
     * a host's first label (one label), e.g. {"api.example.com",
     * "127.0.0.1:8080", "*.example.org"}. */
    wactor_patterns http;
    uint64_t storage; /* key-value quota in bytes; 0 = no storage */
    unsigned wasi;    /* WACTOR_WASI_* bits */
    /* Folders for WASI's file calls: nfiles grants (deny by default: none,
     * the component sees no preopened directory). Copied. */
    const wactor_files_grant *files;
    size_t nfiles;
    /* Health checks (ABI.md v2, "Health"), for a module exporting wactor_health: called
     * between messages every interval_ms (0: 5000); `unhealthy` answers of 2 in a row
     * (0: 3) restart the component as a crash does (reason "crashed: unhealthy"). */
    struct {
        uint32_t interval_ms;
        uint32_t unhealthy;
    } health;
    /* Templates (wactor_template_add) this component's `spawn` may start:
     * patterns as for send, matched against the template's name. */
    wactor_patterns spawn;
    int tier; /* wactor_tier */
} wactor_component_options;

/* Adds a template: what a component's `spawn` import starts from (ABI.md,
 * "Children and monitors"). opts is read as by wactor_spawn (its name is
 * ignored: a child is named PARENT.SUFFIX, and its config is the one the
 * spawn gives); the module is loaded and checked against the ABI here,
 * once, and shared by every child. Children start on their own first turn
 * (not on the spawning worker) and are supervised by opts->restart; a
 * child stops when its parent stops for good. EINVAL (name, options),
 * EEXIST (a template of that name exists), EMODULE, ENOMEM. Templates stay
 * until the runtime is freed. */
int wactor_template_add(wactor_runtime *rt, const char *name, const wactor_component_options *opts);

/* Supervision groups (CLI.md v2, "Templates and supervision groups"). */
typedef enum wactor_strategy {
    WACTOR_ONE_FOR_ONE = 0,  /* only the crashed member restarts */
    WACTOR_ONE_FOR_ALL = 1,  /* every member restarts */
    WACTOR_REST_FOR_ONE = 2, /* the crashed member and those after it restart */
} wactor_strategy;

typedef struct wactor_group_options {
    const char *name;
    int strategy;               /* wactor_strategy */
    const char *const *members; /* component names, in start order */
    size_t nmembers;            /* 1..WACTOR_GROUP_MAX */
    int32_t max_restarts;       /* the group's intensity: 0 = the runtime's, negative = none */
    uint32_t restart_within_ms; /* 0 = the runtime's */
} wactor_group_options;
#define WACTOR_GROUP_MAX 1024

/* Adds a supervision group. Members are components' names; a component
 * with a member's name is in the group from its spawn on (one spawned
 * before the group is added joins it too). When a member crashes and its
 * restart policy restarts it, the group counts one restart against its
 * own intensity (instead of the runtime's): past it the group stops, every
 * member stopped for good with reason "restart-limit". Otherwise the
 * crashed member restarts as any component does (its mailbox kept), then
 * the other members the strategy names restart one after the other in
 * start order, gracefully: each finishes the message in hand, its mailbox
 * is kept. EINVAL (name, strategy, members, a member named twice), EEXIST
 * (a group of that name exists, or a member already in another group),
 * ENOMEM. Groups stay until the runtime is freed. */
int wactor_group_add(wactor_runtime *rt, const wactor_group_options *opts);

/* Registers the name, then instantiates the module and runs _initialize and
 * wactor_init on the calling thread. Mail sent to the name during the
 * start-up (by wactor_init to the component itself, or by anyone) waits in
 * its mailbox and is handled once the start-up is over. Fails with EINVAL
 * (options), EEXIST (name taken; found before anything is instantiated),
 * EMODULE (the module cannot be read, is invalid or is not a component:
 * errmsg names the reason) or ENOMEM. A module that wactor_module_check
 * refuses is refused before the name is taken. Otherwise the name is
 * withdrawn, mail that reached it is settled as a stopped component's
 * (requests get FAILED), and only a small record of the component stays
 * until the runtime is freed (a sender may still hold its address). ESTART
 * says that wactor_init returned non-zero or
 * trapped: that is a crash like any other, so unless its policy is
 * temporary the component stays registered and is restarted with back-off
 * (messages wait in its mailbox) until the restart intensity stops it for
 * good; a temporary one is withdrawn as above. From a callback running on
 * this thread during the start-up (a log line of wactor_init, the spawn's
 * audit line), the calls that would wait for it (wactor_spawn, wactor_stop,
 * wactor_call, wactor_wait_idle) return ESTATE. */
int wactor_spawn(wactor_runtime *rt, const wactor_component_options *opts);

/* Stops the component gracefully: from this call on its name is free and
 * new mail to it is refused (ENOTFOUND); it handles what is already in its
 * mailbox, then wactor_on_shutdown runs; requests it still holds get FAILED.
 * Returns once it has stopped, or ENOTFOUND. Not from a callback. */
int wactor_stop(wactor_runtime *rt, const char *name);

/* Replaces the running component `name`'s module, and its settings, by
 * opts (ABI.md, "Upgrade"): the module (exactly one of module, path,
 * bytes; a module is shared as by spawn), config, env, restart policy,
 * limits, capabilities, storage quota and WASI facets. opts->name must be
 * NULL or `name`. It happens on the component's turn, between two messages
 * (in order with its mail: what was queued before the call is handled by
 * the old version), and the call waits for it. The name, mailbox, storage,
 * subscriptions and the requests the old version sent (their callbacks go
 * to the new one) are kept. The old version's wactor_on_upgrade runs first
 * and may state_save; the new one's wactor_init may state_load.
 * Returns OK once the new version runs. Otherwise the old version goes on
 * untouched (the failure is logged and audited) and the result says why,
 * with the reason in wactor_errmsg: EINVAL (options), ENOTFOUND (no such
 * running component), EMODULE (the module cannot be read, is not a
 * component, or cannot be linked), ESTART (the new wactor_init returned
 * non-zero or trapped), ESTATE (the old wactor_on_upgrade refused or
 * trapped, the component has no instance, or the call came from a
 * callback), ENOMEM. opts is read during the call only. */
int wactor_upgrade(wactor_runtime *rt, const char *name, const wactor_component_options *opts);

/* Where a component is in its life (`wactor status`). */
#define WACTOR_STATE_LIST(X)                                                                       \
    X(STARTING, 0, "starting")       /* _initialize / wactor_init running */                       \
    X(RUNNING, 1, "running")         /* handling or waiting for mail */                            \
    X(RESTARTING, 2, "restarting")   /* crashed; a fresh instance is being made */                 \
    X(BACKING_OFF, 3, "backing-off") /* crashed in a loop; waits before the next start */          \
    X(STOPPED, 4, "stopped")         /* stopped gracefully, or exited cleanly, for good */         \
    X(FAILED, 5, "failed")           /* stopped for good by its restart policy or intensity */

typedef enum wactor_state {
#define WACTOR_X(name, value, word) WACTOR_STATE_##name = value,
    WACTOR_STATE_LIST(WACTOR_X)
#undef WACTOR_X
} wactor_state;

const char *wactor_state_name(int state); /* "backing-off" */

/* Handlers (wactor_on_message and wactor_on_callback runs) by wall time: bucket i counts
 * those that took at most wactor_handler_bucket_ns(i) and more than bucket i-1's bound (not
 * cumulative; Prometheus' buckets are the running sums). Bounds: 1, 3, 10, 30, 100, 300 us,
 * 1, 10, 100 ms, 1, 10 s, and the last is +Inf (UINT64_MAX). */
#define WACTOR_HANDLER_BUCKETS 12
uint64_t wactor_handler_bucket_ns(int i); /* 0 for i out of range */

/* Why a component's instance ended, for crashes_by: the KIND of the "crashed: KIND" reason
 * (ABI.md, *Children and monitors*), "start" for a start-up that failed (wactor_init non-zero
 * or trapped, a missing import...), "other" for the rest (a host function's fault). */
#define WACTOR_CRASH_KIND_LIST(X)                                                                  \
    X(UNREACHABLE, 0, "unreachable")                                                               \
    X(FUEL, 1, "fuel")                                                                             \
    X(TIME, 2, "time")                                                                             \
    X(STACK, 3, "stack")                                                                           \
    X(MEMORY, 4, "memory")                                                                         \
    X(TABLE, 5, "table")                                                                           \
    X(UNDEFINED_ELEMENT, 6, "undefined-element")                                                   \
    X(UNINITIALIZED_ELEMENT, 7, "uninitialized-element")                                           \
    X(INDIRECT_CALL, 8, "indirect-call")                                                           \
    X(DIVIDE_BY_ZERO, 9, "divide-by-zero")                                                         \
    X(OVERFLOW, 10, "overflow")                                                                    \
    X(CONVERSION, 11, "conversion")                                                                \
    X(EXIT, 12, "exit") /* proc_exit with a non-zero code */                                       \
    X(START, 13, "start")                                                                          \
    X(OTHER, 14, "other")

typedef enum wactor_crash_kind {
#define WACTOR_X(name, value, word) WACTOR_CRASH_##name = value,
    WACTOR_CRASH_KIND_LIST(WACTOR_X)
#undef WACTOR_X
} wactor_crash_kind;
#define WACTOR_CRASH_KINDS 15

const char *wactor_crash_kind_name(int kind); /* "fuel"; "?" out of range */

typedef struct wactor_stats {
    char name[256];        /* NUL-terminated */
    int state;             /* wactor_state */
    uint64_t received;     /* messages delivered to wactor_on_message */
    uint64_t sent;         /* sends, requests and publications it made */
    uint64_t callbacks[4]; /* callbacks delivered to it, by wactor_status */
    /* Publications it missed because its mailbox was full (counted on the
     * subscriber only: the publisher's `publish` succeeded). */
    uint64_t dropped;
    uint64_t restarts;
    uint64_t crashes;
    uint32_t queued;  /* messages in the mailbox now */
    uint32_t mailbox; /* the mailbox's bound (limits.mailbox) */
    uint32_t pending; /* its requests awaiting a callback now */
    uint64_t memory;  /* linear memory bytes of its instance now (0 without one) */
    uint64_t storage; /* bytes in its key-value storage (keys + values) */
    bool running;     /* not stopped for good */
    /* Fuel its handlers used, over all its incarnations: the engine's metered units, those
     * that limits.fuel bounds (each straight-line stretch of code run costs its number of
     * WebAssembly instructions; docs/ARCHITECTURE.md), exact whether or not it has a limit.
     * A handler that runs out of fuel used its whole limit. */
    uint64_t fuel;
    uint64_t handler_ns;                           /* wall time spent in its handlers, total */
    uint64_t handler_hist[WACTOR_HANDLER_BUCKETS]; /* see wactor_handler_bucket_ns */
    uint64_t crashes_by[WACTOR_CRASH_KINDS];       /* sums to crashes; wactor_crash_kind_name */
    /* The last answer of wactor_health: 0 healthy, 1 degraded, 2 unhealthy; -1 none yet (or
     * no such export) since the instance started. */
    int health;
    /* The tier its instance runs in (docs/AOT.md): WACTOR_TIER_AOT (compiled) or
     * WACTOR_TIER_INTERP; 0 (WACTOR_TIER_DEFAULT) while it has no instance. */
    int tier;
} wactor_stats;

/* The statistics of the most recent component of that name, running or not. */
int wactor_component_stats(wactor_runtime *rt, const char *name, wactor_stats *out);

/* Every component's statistics, one entry per name (the most recent
 * component of each), in spawn order: *out is malloc'd (free it; NULL when
 * *n is 0). Counters are read without stopping anything: each is exact, the
 * set is not one instant. Any thread, callbacks included. */
int wactor_stats_all(wactor_runtime *rt, wactor_stats **out, size_t *n);

/* Who messages whom: the messages (sends, requests, publications) delivered to `to` from
 * `from` since the runtime started, one entry per pair that has had at least one, grouped by
 * receiver in spawn order. Senders include the host's names ("@host", "@http", ...) and
 * components of other hosts. Each receiver keeps its first WACTOR_EDGE_SENDERS senders; the
 * messages of any more are counted from WACTOR_EDGE_OTHERS. Counts sum to the receiver's
 * `received`. *out is malloc'd (free it; NULL when *n is 0). Any thread. */
#define WACTOR_EDGE_SENDERS 32
#define WACTOR_EDGE_OTHERS "(others)"
typedef struct wactor_edge {
    char from[256]; /* NUL-terminated */
    char to[256];
    uint64_t messages;
} wactor_edge;
int wactor_edges(wactor_runtime *rt, wactor_edge **out, size_t *n);

/* ---- messages from the host (sender "@host") ----------------------------- */

int wactor_send(wactor_runtime *rt, const char *target, const void *payload, size_t len);

/* The outcome of a host request; payload is only valid during the call. */
typedef void (*wactor_callback_fn)(void *arg, int64_t correlation, int status, const void *payload,
                                   size_t len);

/* Returns the correlation id (> 0) or an error code. cb is called exactly
 * once for a positive id, unless wactor_cancel withdraws it first. It may
 * run before wactor_request returns. timeout_ms 0 = the runtime's default. */
int64_t wactor_request(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                       uint32_t timeout_ms, wactor_callback_fn cb, void *arg);

/* OK if the request was still pending (its callback will not run), else
 * ENOTFOUND. */
int wactor_cancel(wactor_runtime *rt, int64_t correlation);

/* A batch of sends and requests from one thread that is not a runtime
 * worker (an embedder's event loop, e.g. one pass of the HTTP server over
 * its connections): between wactor_batch_begin and wactor_batch_end, a
 * component given work is queued at once (a worker that is awake takes it
 * at once) but no sleeping worker is woken for it; wactor_batch_end wakes
 * as many as the work still queued needs. One wake for the batch instead of
 * one per message. Nothing on the thread may wait for a component
 * (wactor_call, wactor_wait_idle) in a batch. Not nested; both do nothing
 * on a runtime thread. */
void wactor_batch_begin(wactor_runtime *rt);
void wactor_batch_end(wactor_runtime *rt);

/* A blocking request. On OK, *status is the callback status and *answer a
 * malloc'd copy of its payload (free it; NULL when empty) of *answer_len
 * bytes. Errors are those of wactor_request. */
int wactor_call(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                uint32_t timeout_ms, int *status, void **answer, size_t *answer_len);

int wactor_publish(wactor_runtime *rt, const char *topic, const void *payload, size_t len);

/* ---- headers and other senders (ABI.md v2, "Headers") ---------------------
 * A message may carry headers; a host message may go as another sender
 * than "@host" (the HTTP server's requests come from "@http"). */

/* One header: name is 1..64 bytes of [a-z0-9-], or ':' and 1..63 of those
 * (a pseudo-header such as ":status"); value at most 4096 bytes. */
typedef struct wactor_header {
    const char *name; /* name_len bytes; name_len 0: NUL-terminated */
    size_t name_len;
    const char *value; /* value_len bytes, not NUL-terminated */
    size_t value_len;
} wactor_header;
#define WACTOR_HEADER_NAME_MAX 64
#define WACTOR_HEADER_VALUE_MAX 4096
#define WACTOR_HEADERS_MAX 65536 /* the encoded bytes of one message's headers */

/* The headers of an answer: only valid during the callback. */
typedef struct wactor_headers wactor_headers;
/* The first header of that name (NUL-terminated): OK with *value (not
 * NUL-terminated) and *len set, or ENOTFOUND. h may be NULL (no headers). */
int wactor_headers_get(const wactor_headers *h, const char *name, const char **value, size_t *len);
/* The i-th header, in order (out->name not NUL-terminated, out->name_len
 * set): OK, or ENOTFOUND past the last. */
int wactor_headers_at(const wactor_headers *h, size_t i, wactor_header *out);

typedef struct wactor_message_options {
    /* NULL: "@host"; else '@' and 1..31 bytes of [a-z0-9-] ("@http"): the
     * sender the component sees. */
    const char *sender;
    const wactor_header *headers;
    size_t nheaders;
    uint32_t timeout_ms; /* requests: 0 = the runtime's default */
} wactor_message_options;

/* Like wactor_callback_fn, with the answer's headers (":status" and those
 * the component set with respond_header; NULL when there are none). */
typedef void (*wactor_reply_fn)(void *arg, int64_t correlation, int status, const void *payload,
                                size_t len, const wactor_headers *headers);

/* wactor_send and wactor_request with a sender name and headers (o may be
 * NULL). EINVAL for a bad header name, a bad sender; ETOOBIG for a value
 * over WACTOR_HEADER_VALUE_MAX or headers over WACTOR_HEADERS_MAX; the
 * other codes as theirs. */
int wactor_send_with(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                     const wactor_message_options *o);
int64_t wactor_request_with(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                            const wactor_message_options *o, wactor_reply_fn cb, void *arg);

/* ---- outbound HTTP (ABI.md v2, "Outbound HTTP"; docs/HTTP.md) -------------
 * A component's http_request is served by the runtime's HTTP client, a
 * thread of libcurl transfers that never blocks a worker. Implemented by
 * the wactor_httpclient library (link it and libcurl). Without a client,
 * every http_request ends FAILED "no HTTP client in this runtime". */
typedef struct wactor_http_client wactor_http_client;
/* Starts rt's client (one per runtime: EEXIST). NULL on failure:
 * wactor_errmsg(NULL) says why. */
wactor_http_client *wactor_http_client_start(wactor_runtime *rt);
/* Stops it: transfers in flight end FAILED "stopped". wactor_runtime_free
 * stops it too; call this only before. */
void wactor_http_client_stop(wactor_http_client *c);

/* Waits until the runtime is quiescent (no queued message, no pending
 * request, no running handler): OK, or ETIMEDOUT after timeout_ms
 * (0 = wait forever). */
int wactor_wait_idle(wactor_runtime *rt, uint32_t timeout_ms);

/* ---- the lattice: many hosts over NATS (docs/LATTICE.md) ------------------
 * A runtime that joins a lattice reaches the components of every other
 * runtime of that lattice by name, with the same guarantees as here; its
 * own components are reached from them. Local delivery never goes through
 * NATS. Implemented by the wactor_lattice library (link it and libnats). */
typedef struct wactor_lattice wactor_lattice;

typedef struct wactor_lattice_options {
    const char *url;         /* NATS server URL(s), comma-separated; NULL: nats://127.0.0.1:4222 */
    const char *name;        /* the lattice (a name token); NULL: "default" */
    const char *host;        /* this host's name (a name); NULL: HOSTNAME-PID */
    uint32_t heartbeat_ms;   /* 0: 1000; a host that misses 3 heartbeats is lost */
    const char *credentials; /* a NATS credentials (.creds) file, or NULL */
    /* false: wactor_lattice_join fails (ESYSTEM, wactor_errmsg(NULL) says
     * why) if no server answers within connect_timeout_ms (0: 5000). true:
     * it returns at once and connects in the background, retrying. */
    bool connect_in_background;
    uint32_t connect_timeout_ms;
    /* Called once, on a lattice thread, when the first connection is made
     * (wactor run prints "wactor: lattice NAME joined as HOST"). */
    void (*joined)(void *arg, const char *lattice, const char *host);
    void *joined_arg;
} wactor_lattice_options;

/* Joins rt to a lattice (one per runtime: EEXIST). NULL on failure:
 * wactor_errmsg(NULL) and wactor_errcode(NULL) say why. Join before
 * spawning components that talk to other hosts. */
wactor_lattice *wactor_lattice_join(wactor_runtime *rt, const wactor_lattice_options *opts);
/* Leaves the lattice: tells the other hosts, waits (a bounded time) until
 * what this host sent has been received, then disconnects. Call it after
 * stopping the components, or let wactor_runtime_free do it. */
void wactor_lattice_leave(wactor_lattice *l);
/* Waits until name is reachable (a component here or on a host of the
 * lattice): OK, or ETIMEDOUT after timeout_ms. A client that has just
 * joined uses it before its first message. */
int wactor_lattice_wait(wactor_lattice *l, const char *name, uint32_t timeout_ms);
const char *wactor_lattice_host_name(const wactor_lattice *l);

/* One host of the lattice as this host sees it. */
typedef struct wactor_host_info {
    char name[256];          /* NUL-terminated */
    bool self;               /* this host */
    uint64_t last_seen_ms;   /* since its last heartbeat (0 for self) */
    uint64_t sent, received; /* messages this host sent it, received from it */
    uint64_t bytes_sent, bytes_received;
    uint64_t lost; /* messages it took with it when it was last lost */
    size_t ncomponents;
    char **components; /* NUL-terminated names, sorted */
} wactor_host_info;

/* The live hosts, this one first, then by name: *out is malloc'd, freed
 * with wactor_lattice_hosts_free. */
int wactor_lattice_hosts(wactor_lattice *l, wactor_host_info **out, size_t *n);
void wactor_lattice_hosts_free(wactor_host_info *v, size_t n);

#endif
