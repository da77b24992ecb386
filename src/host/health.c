/*
 * health.c: health checks (ABI.md v2, "Health"). A component whose module
 * exports wactor_health is asked every health.interval how it is: 0
 * healthy, 1 degraded, 2 unhealthy. After health.unhealthy answers of 2 in
 * a row it is restarted as after a crash, with the reason
 * "crashed: unhealthy".
 *
 * The check must run between two messages, never during one, and never
 * beside a handler: so the timer thread only posts a control envelope to
 * the component's mailbox, and the check runs on the component's turn,
 * in order with its mail. Only one check is ever on its way (health_armed):
 * the next interval starts once the check has run, so a busy component is
 * asked less often rather than getting a pile of checks.
 *
 * health_armed is touched only on the component's turns (and by its
 * spawn, which holds its actor); the timer thread posts and, out of
 * memory, re-arms, while the flag says the timer is its business.
 */
#include "host.h"

#include <string.h>

/* The tag of a health check's control envelope. */
static const int health_tag;

static wa_func *health_export(host_component *c)
{
    const char *name = host_exports[HOST_HEALTH].name;
    wa_extern e;
    if (!c->inst || !wa_instance_export(c->inst, name, strlen(name), &e) ||
        e.kind != WA_EXTERN_FUNC)
        return NULL;
    return e.u.func; /* abi.c checked its type */
}

/* On the timer thread. */
static void health_due(void *ctx, uint64_t key)
{
    host_component *c = ctx;
    if (msg_post_control(&c->proc, (void *)&health_tag) != WACTOR_OK) /* out of memory: later */
        rt_timer_start(c->rt->timers, &c->health_timer, c->ver.health_ms, health_due, c, key);
}

void host_health_arm(host_component *c)
{
    if (c->health_armed || !health_export(c))
        return;
    c->health_armed =
        rt_timer_start(c->rt->timers, &c->health_timer, c->ver.health_ms, health_due, c, 0);
}

void host_health_started(host_component *c)
{
    atomic_store_explicit(&c->health_last, -1, memory_order_relaxed);
    c->health_bad = 0;
    host_health_arm(c);
}

/* Too many unhealthy answers: the instance goes as after a crash. */
static void unhealthy(host_component *c)
{
    char why[160];
    c->down_reason = "crashed: unhealthy";
    snprintf(why, sizeof why, "%s (%u unhealthy answers in a row)", c->down_reason, c->health_bad);
    host_count_crash(c, WACTOR_CRASH_OTHER);
    host_logf(c->rt, WACTOR_LOG_ERROR, c->proc.name, "%s", why);
    host_audit(c->rt, c->proc.name, "crash", NULL, 0, "ok", why);
    host_drop_instance(c);
    msg_proc_crashed(&c->proc, c->down_reason);
    host_supervise(c, false);
}

static void check(host_component *c)
{
    wa_func *f = health_export(c);
    if (!f || atomic_load(&c->proc.stopped))
        return;
    wa_val result = {0};
    wa_trap t = host_run_guest(c, f, NULL, &result);
    if (t != WA_TRAP_NONE) {
        host_crashed(c, t); /* a trap in any export is a crash */
        return;
    }
    int32_t answer = (int32_t)result.i32;
    if (answer < 0 || answer > 2)
        answer = 2; /* no answer the ABI knows: not healthy */
    atomic_store_explicit(&c->health_last, answer, memory_order_relaxed);
    if (answer != 2) {
        c->health_bad = 0;
        return;
    }
    if (++c->health_bad >= c->ver.health_unhealthy)
        unhealthy(c);
}

bool host_health_control(host_component *c, const msg_envelope *e)
{
    if (e->control != &health_tag)
        return false;
    c->health_armed = false;
    check(c);
    host_health_arm(c); /* the next interval, if there is still an instance to ask */
    return true;
}
