/*
 * supervise.c: what happens when a component's instance is gone (ABI.md,
 * "Failure"). Everything here runs on the component's own turn, so it
 * needs no lock.
 *
 * - The crash is logged with the trap and a WebAssembly backtrace.
 * - The policy decides whether to restart at all: permanent always,
 *   transient unless the guest called proc_exit(0), temporary never.
 * - The restart intensity (at most N restarts within T) is a ring of the
 *   last N restart times: the oldest one inside the window means too many.
 *   Past it the component stops for good: unregistered, and every request
 *   still in its mailbox gets FAILED as it comes up.
 * - A restart is immediate if the instance handled a message successfully
 *   since its start. Otherwise (a crash loop, e.g. a failing wactor_init)
 *   the component sleeps first, 1 ms, then twice as long each time up to
 *   1 s: its turn pauses (rt_actor_pause), its mail waits, and the worker
 *   goes on with other actors.
 */
#include "host.h"
#include "name.h"

#include <stdlib.h>
#include <string.h>

#define BACKOFF_MAX_MS 1000u

/* "#0 12 <name> #1 3 ..." for the log line. */
static void format_backtrace(const wa_instance *inst, char *buf, size_t cap)
{
    uint32_t funcs[WA_BACKTRACE_MAX];
    uint32_t depth = wa_instance_backtrace(inst, funcs, WA_BACKTRACE_MAX);
    uint32_t n = depth < WA_BACKTRACE_MAX ? depth : WA_BACKTRACE_MAX;
    size_t used = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < n && used < cap; i++) {
        wa_name name;
        int w;
        if (wa_module_func_name(wa_instance_module(inst), funcs[i], &name))
            w = snprintf(buf + used, cap - used, "%s#%u func %u <%.*s>", i ? ", " : "", i, funcs[i],
                         (int)(name.len < 60 ? name.len : 60), name.ptr);
        else
            w = snprintf(buf + used, cap - used, "%s#%u func %u", i ? ", " : "", i, funcs[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (depth > n && used < cap)
        snprintf(buf + used, cap - used, ", ... %u frames in all", depth);
}

int host_crash_kind(wa_trap trap)
{
    /* No default: a trap added to the engine is a compile error here until
     * it has its word. */
    switch (trap) {
    case WA_TRAP_UNREACHABLE:
        return WACTOR_CRASH_UNREACHABLE;
    case WA_TRAP_MEM_OOB:
        return WACTOR_CRASH_MEMORY;
    case WA_TRAP_TABLE_OOB:
        return WACTOR_CRASH_TABLE;
    case WA_TRAP_UNDEFINED_ELEMENT:
        return WACTOR_CRASH_UNDEFINED_ELEMENT;
    case WA_TRAP_UNINITIALIZED_ELEMENT:
        return WACTOR_CRASH_UNINITIALIZED_ELEMENT;
    case WA_TRAP_INDIRECT_MISMATCH:
        return WACTOR_CRASH_INDIRECT_CALL;
    case WA_TRAP_DIV_ZERO:
        return WACTOR_CRASH_DIVIDE_BY_ZERO;
    case WA_TRAP_INT_OVERFLOW:
        return WACTOR_CRASH_OVERFLOW;
    case WA_TRAP_INVALID_CONVERSION:
        return WACTOR_CRASH_CONVERSION;
    case WA_TRAP_STACK_EXHAUSTED:
        return WACTOR_CRASH_STACK;
    case WA_TRAP_FUEL:
        return WACTOR_CRASH_FUEL;
    case WA_TRAP_INTERRUPTED: /* the time limit, or wactor_interrupt acting as it */
        return WACTOR_CRASH_TIME;
    case WA_TRAP_EXIT: /* proc_exit with a non-zero code */
        return WACTOR_CRASH_EXIT;
    case WA_TRAP_NONE: /* not a trap: never asked */
    case WA_TRAP_HOST:
    case WA_TRAP_BAD_CALL:
        break;
    }
    return WACTOR_CRASH_OTHER;
}

const char *host_crash_reason(wa_trap trap)
{
    /* "crashed: " and the kind's word, as static strings. */
    static const char *const reasons[WACTOR_CRASH_KINDS] = {
#define WACTOR_X(name, value, word) [value] = "crashed: " word,
        WACTOR_CRASH_KIND_LIST(WACTOR_X)
#undef WACTOR_X
    };
    int kind = host_crash_kind(trap);
    return kind == WACTOR_CRASH_OTHER ? "crashed: host" : reasons[kind];
}

void host_crashed(host_component *c, wa_trap trap)
{
    wactor_runtime *rt = c->rt;
    uint32_t code = 1;
    bool exited = trap == WA_TRAP_EXIT && wasi_exited(c->wasi, &code);
    bool clean = exited && code == 0;
    /* The reason every report of this crash begins with: the FAILED
     * callbacks, the log line, the audit line, the restart's line. */
    c->down_reason = clean ? "exited" : host_crash_reason(trap);
    char why[240];
    if (clean) {
        snprintf(why, sizeof why, "exit code 0");
        host_logf(rt, WACTOR_LOG_INFO, c->proc.name, "exited");
    } else {
        host_count_crash(c, host_crash_kind(trap));
        if (exited) {
            snprintf(why, sizeof why, "%s (exit code %u)", c->down_reason, code);
            host_logf(rt, WACTOR_LOG_ERROR, c->proc.name, "%s", why);
        } else {
            char bt[400];
            format_backtrace(c->inst, bt, sizeof bt);
            snprintf(why, sizeof why, "%s (%s)", c->down_reason, wa_instance_trap_message(c->inst));
            host_logf(rt, WACTOR_LOG_ERROR, c->proc.name, "%s; backtrace: %s", why, bt);
        }
    }
    host_audit(rt, c->proc.name, clean ? "exit" : "crash", NULL, 0, "ok", why);
    host_drop_instance(c);
    msg_proc_crashed(&c->proc, c->down_reason);
    host_supervise(c, clean);
}

/* Records a restart now; false if that would exceed the intensity. The
 * ring is made at the first crash: components that never crash (nearly
 * all) do not pay for it. Out of memory, the restart is refused. */
static bool intensity_allows(host_component *c)
{
    uint32_t n = (uint32_t)c->rt->opts.max_restarts;
    if (n == 0)
        return false;
    if (!c->restart_times && !(c->restart_times = calloc(n, sizeof *c->restart_times)))
        return false;
    uint64_t now = rt_now_ns(), window = (uint64_t)c->rt->opts.restart_within_ms * 1000000u;
    uint64_t oldest = c->restart_times[c->restart_next];
    if (oldest != 0 && now - oldest < window)
        return false;
    c->restart_times[c->restart_next] = now;
    c->restart_next = (c->restart_next + 1) % n;
    return true;
}

static void stop_for_good(host_component *c, const char *why)
{
    host_set_state(c, WACTOR_STATE_FAILED);
    msg_proc_stopped(&c->proc, "stopped after crashing");
    host_logf(c->rt, WACTOR_LOG_WARN, c->proc.name, "stopped for good: %s", why);
    host_audit(c->rt, c->proc.name, "stop", NULL, 0, "ok", why);
    host_down(c, "restart-limit");
}

/* What monitors are told of an instance that ended and is not restarted. */
static const char *down_word(const host_component *c, bool clean)
{
    if (atomic_load(&c->rt->closing))
        return "stopped";
    if (clean)
        return "normal";
    if (c->down_reason && strncmp(c->down_reason, "crashed: ", 9) == 0)
        return c->down_reason;
    return "crashed: start";
}

bool host_start_failed(host_component *c, const char *what, const char *why)
{
    bool clean = c->start_exited;
    c->down_reason = clean ? "exited" : "failed to start";
    if (clean) {
        host_logf(c->rt, WACTOR_LOG_INFO, c->proc.name, "exited during start-up");
    } else {
        host_count_crash(c, WACTOR_CRASH_START);
        host_logf(c->rt, WACTOR_LOG_ERROR, c->proc.name, "%s: %s", what, why);
    }
    host_audit(c->rt, c->proc.name, clean ? "exit" : "crash", NULL, 0, "ok", why);
    return clean;
}

/* Starts a fresh instance of the current version; a failed start is one more
 * crash. */
void host_restart(host_component *c)
{
    char why[256];
    host_set_state(c, WACTOR_STATE_RESTARTING);
    if (host_start_instance(c, why, sizeof why) == WACTOR_OK) {
        host_set_state(c, WACTOR_STATE_RUNNING);
        atomic_fetch_add(&c->restarts, 1);
        host_logf(c->rt, WACTOR_LOG_INFO, c->proc.name, "restarted (%s)", c->down_reason);
        host_audit(c->rt, c->proc.name, "restart", NULL, 0, "ok", "restarted");
        if (c->group_replan) {
            c->group_replan = false;
            host_group_plan(c);
        }
        return;
    }
    bool clean = host_start_failed(c, "restart failed", why);
    msg_proc_crashed(&c->proc, c->down_reason); /* what the start asked for */
    host_supervise(c, clean);
}

/* The back-off is over: the first thing of the component's next turn. */
static void backoff_over(rt_actor *a)
{
    host_component *c = (host_component *)a;
    /* A stop is waiting: no instance for it to shut down; the mail before
     * it is settled as a missing instance's (requests FAILED). An upgrade is
     * waiting: its turn restarts the component if it cannot go on. */
    if (!atomic_load(&c->proc.stopped) && !atomic_load(&c->stop_requested) &&
        atomic_load(&c->upgrades_waiting) == 0)
        host_restart(c);
}

/* held: called by spawn on an actor it holds (rt_actor_hold), not from a
 * turn; whatever is decided, the actor is let go at the end. */
static void supervise(host_component *c, bool clean, bool held)
{
    wactor_runtime *rt = c->rt;
    bool wanted = c->ver.restart == WACTOR_RESTART_PERMANENT ||
                  (c->ver.restart == WACTOR_RESTART_TRANSIENT && !clean);
    if (!wanted || atomic_load(&rt->closing)) {
        const char *why = atomic_load(&rt->closing)                    ? "the runtime is closing"
                          : c->ver.restart == WACTOR_RESTART_TEMPORARY ? "restart policy temporary"
                                                                       : "restart policy transient";
        /* Stopped for good: a clean exit (or the runtime's end) is a stop,
         * a crash that the policy does not restart a failure. */
        bool failed = !clean && !atomic_load(&rt->closing);
        host_set_state(c, failed ? WACTOR_STATE_FAILED : WACTOR_STATE_STOPPED);
        msg_proc_stopped(&c->proc, c->down_reason);
        host_logf(rt, atomic_load(&rt->closing) ? WACTOR_LOG_INFO : WACTOR_LOG_WARN, c->proc.name,
                  "stopped for good: %s (%s)", c->down_reason, why);
        host_audit(rt, c->proc.name, "stop", NULL, 0, "ok", why);
        host_down(c, down_word(c, clean));
        if (held)
            rt_actor_release(&c->proc.actor);
        return;
    }
    char why[MSG_NAME_MAX + 96];
    bool allowed = c->group ? host_group_allows(c, why, sizeof why) : intensity_allows(c);
    /* In start order, c's restart is one step of its group's plan. */
    bool in_order = allowed && c->group && !held && host_group_in_order(c);
    /* Otherwise the other members the group's strategy names restart once c
     * has (host_restart). */
    c->group_replan |= c->group && allowed && !in_order;
    if (!allowed) {
        if (!c->group)
            snprintf(why, sizeof why, "more than %d restarts within %u ms", rt->opts.max_restarts,
                     rt->opts.restart_within_ms);
        stop_for_good(c, why);
        if (held)
            rt_actor_release(&c->proc.actor);
        return;
    }
    if (in_order) {
        if (c->healthy) {
            c->backoff_ms = 0;
        } else {
            c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : 1;
            if (c->backoff_ms > BACKOFF_MAX_MS)
                c->backoff_ms = BACKOFF_MAX_MS;
        }
        host_group_wait(c, c->healthy ? 0 : c->backoff_ms);
        return;
    }
    if (c->healthy && !held) {
        c->backoff_ms = 0;
        host_set_state(c, WACTOR_STATE_RESTARTING);
        host_restart(c);
        return;
    }
    c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : 1;
    if (c->backoff_ms > BACKOFF_MAX_MS)
        c->backoff_ms = BACKOFF_MAX_MS;
    host_set_state(c, WACTOR_STATE_BACKING_OFF);
    host_logf(rt, WACTOR_LOG_WARN, c->proc.name, "backing off %u ms after %s", c->backoff_ms,
              c->down_reason);
    if (!held)
        rt_actor_pause(&c->proc.actor, c->backoff_ms, backoff_over);
    else if (!rt_actor_start_paused(&c->proc.actor, c->backoff_ms, backoff_over))
        rt_actor_release(&c->proc.actor); /* no timer: mail gets FAILED by the missing instance */
}

void host_supervise(host_component *c, bool clean)
{
    supervise(c, clean, false);
}

void host_supervise_held(host_component *c, bool clean)
{
    supervise(c, clean, true);
}
