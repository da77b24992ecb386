/*
 * groups.c: supervision groups (CLI.md v2, "Templates and supervision
 * groups"; docs/ARCHITECTURE.md, "Supervision").
 *
 * A group names its members; a component joins the group whose member it
 * is named when it is registered (host_group_join, or wactor_group_add
 * for one already running). When a member crashes, supervise.c asks the
 * group first: the group's restart intensity (a ring like a component's)
 * replaces the runtime's. Past it the group stops: every member stopped for
 * good, its monitors told `restart-limit`.
 *
 * Otherwise the members the strategy names restart one after the other, in
 * strict start order: a plan (the list of them) goes from member to member.
 * For one_for_one and rest_for_one the crashed member comes first: it
 * restarts as any component does, on its own turn, and the plan of the
 * others follows. For one_for_all the plan, made at the crash, holds every
 * member, the crashed one at its place: without an instance, it sleeps (a
 * pause, its mail held) until its turn wakes it (host_group_wait), then
 * backs off if it is crash-looping, restarts, and hands the plan on. A member's turn to restart is
 * a flag (group_due) that the start of its next delivery looks at, plus a control envelope that
 * makes sure that delivery comes even to an idle member: so the restart comes right after the
 * message in hand, ahead of the member's queued mail, which the new instance then handles. Once
 * restarted, the member hands the plan to the next one, so the restarts happen in order (each one's
 * wactor_init before the next one's) without any thread waiting for another.
 *
 * The group's lock guards its intensity ring, its `stopped` flag, its
 * members' components and the plans they hold; it is taken under the
 * runtime's `lock` (join) or alone, never the other way round.
 */
#include "host.h"
#include "name.h"

#include <stdlib.h>
#include <string.h>

typedef struct host_group {
    char *name;
    int strategy;
    char **members;
    host_component **comps; /* the member's component, NULL until one is registered */
    size_t n;
    uint32_t max_restarts, within_ms;
    uint64_t *restart_times; /* ring of the last max_restarts restarts (ns) */
    uint32_t restart_next;
    bool stopped;
    /* The plan under way, and the ones after it (its `then` chain): one
     * plan at a time, so that two crashes' restarts do not interleave. */
    struct host_plan *active;
    pthread_mutex_t lock;
} host_group;

/* The members a crash restarts, in start order (the crashed one among them
 * for one_for_all only); `next` is the one whose turn it is. Held by one member at a time. */
typedef struct host_plan {
    host_group *g;
    struct host_plan *then;
    size_t n, next;
    struct {
        host_component *c;
        uint64_t restarts; /* its restarts when the plan was made */
    } who[];
} host_plan;

/* The tag of the control envelope that wakes a member for its restart. */
static const int group_tag;

static void group_free(host_group *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        free(g->members[i]);
    free(g->members);
    free(g->comps);
    free(g->restart_times);
    free(g->name);
    for (host_plan *p = g->active, *next; p; p = next) {
        next = p->then;
        free(p);
    }
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static host_group *group_make(const wactor_runtime *rt, const wactor_group_options *o)
{
    host_group *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    pthread_mutex_init(&g->lock, NULL);
    g->strategy = o->strategy;
    g->max_restarts = o->max_restarts == 0  ? (uint32_t)rt->opts.max_restarts
                      : o->max_restarts < 0 ? 0
                                            : (uint32_t)o->max_restarts;
    g->within_ms = o->restart_within_ms ? o->restart_within_ms : rt->opts.restart_within_ms;
    g->name = strdup(o->name);
    g->members = calloc(o->nmembers, sizeof *g->members);
    g->comps = calloc(o->nmembers, sizeof *g->comps);
    if (g->max_restarts)
        g->restart_times = calloc(g->max_restarts, sizeof *g->restart_times);
    bool ok = g->name && g->members && g->comps && (!g->max_restarts || g->restart_times);
    for (size_t i = 0; ok && i < o->nmembers; i++, g->n++)
        ok = (g->members[i] = strdup(o->members[i])) != NULL;
    if (!ok) {
        group_free(g);
        return NULL;
    }
    return g;
}

static bool is_member(const host_group *g, const char *name)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->members[i], name) == 0)
            return true;
    return false;
}

/* Under rt->lock. */
static void join(host_group *g, host_component *c)
{
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->members[i], c->proc.name) != 0)
            continue;
        pthread_mutex_lock(&g->lock);
        g->comps[i] = c;
        pthread_mutex_unlock(&g->lock);
        c->group = g;
        c->group_index = (uint32_t)i;
    }
}

int wactor_group_add(wactor_runtime *rt, const wactor_group_options *o)
{
    if (!rt)
        return WACTOR_EINVAL;
    if (!o || !o->name || !msg_name_valid(o->name, strlen(o->name)))
        return host_fail(rt, WACTOR_EINVAL, "invalid group name \"%s\"",
                         o && o->name ? o->name : "(null)");
    if (o->strategy < WACTOR_ONE_FOR_ONE || o->strategy > WACTOR_REST_FOR_ONE)
        return host_fail(rt, WACTOR_EINVAL, "group %s: unknown strategy %d", o->name, o->strategy);
    if (o->nmembers == 0 || o->nmembers > WACTOR_GROUP_MAX || !o->members)
        return host_fail(rt, WACTOR_EINVAL, "group %s: 1 to %d members, got %zu", o->name,
                         WACTOR_GROUP_MAX, o->members ? o->nmembers : 0);
    for (size_t i = 0; i < o->nmembers; i++) {
        const char *m = o->members[i];
        if (!m || !msg_name_valid(m, strlen(m)))
            return host_fail(rt, WACTOR_EINVAL, "group %s: invalid member name \"%s\"", o->name,
                             m ? m : "(null)");
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->members[j], m) == 0)
                return host_fail(rt, WACTOR_EINVAL, "group %s: member %s named twice", o->name, m);
    }
    host_group *g = group_make(rt, o);
    if (!g)
        return host_fail(rt, WACTOR_ENOMEM, "out of memory");
    int rc = WACTOR_OK;
    char why[MSG_NAME_MAX + 64] = "";
    pthread_mutex_lock(&rt->lock);
    for (size_t i = 0; i < rt->ngroups && rc == WACTOR_OK; i++) {
        host_group *h = rt->groups[i];
        if (strcmp(h->name, g->name) == 0) {
            rc = WACTOR_EEXIST;
            snprintf(why, sizeof why, "a group named %s exists", g->name);
        }
        for (size_t j = 0; j < g->n && rc == WACTOR_OK; j++)
            if (is_member(h, g->members[j])) {
                rc = WACTOR_EEXIST;
                snprintf(why, sizeof why, "%s is already a member of group %s", g->members[j],
                         h->name);
            }
    }
    if (rc == WACTOR_OK && rt->ngroups == rt->capgroups) {
        size_t cap = rt->capgroups ? rt->capgroups * 2 : 4;
        host_group **v = realloc(rt->groups, cap * sizeof *v);
        if (v) {
            rt->groups = v;
            rt->capgroups = cap;
        } else {
            rc = WACTOR_ENOMEM;
            snprintf(why, sizeof why, "out of memory");
        }
    }
    if (rc == WACTOR_OK) {
        rt->groups[rt->ngroups++] = g;
        for (size_t i = 0; i < rt->nall; i++) /* members already running join now */
            if (!atomic_load(&rt->all[i]->proc.stopped))
                join(g, rt->all[i]);
    }
    pthread_mutex_unlock(&rt->lock);
    if (rc != WACTOR_OK) {
        group_free(g);
        return host_fail(rt, rc, "group %s: %s", o->name, why);
    }
    return WACTOR_OK;
}

void host_group_join(wactor_runtime *rt, host_component *c)
{
    for (size_t i = 0; i < rt->ngroups; i++)
        join(rt->groups[i], c);
}

/* Records a restart of the group now; false past its intensity. Under g->lock. */
static bool group_intensity_allows(host_group *g)
{
    if (g->max_restarts == 0)
        return false;
    uint64_t now = rt_now_ns(), window = (uint64_t)g->within_ms * 1000000u;
    uint64_t oldest = g->restart_times[g->restart_next];
    if (oldest != 0 && now - oldest < window)
        return false;
    g->restart_times[g->restart_next] = now;
    g->restart_next = (g->restart_next + 1) % g->max_restarts;
    return true;
}

bool host_group_allows(host_component *c, char *why, size_t whylen)
{
    host_group *g = c->group;
    host_component *stop[64], **others = stop;
    size_t n = 0;
    pthread_mutex_lock(&g->lock);
    if (g->stopped) {
        pthread_mutex_unlock(&g->lock);
        snprintf(why, whylen, "its group %s has stopped", g->name);
        return false;
    }
    if (group_intensity_allows(g)) {
        pthread_mutex_unlock(&g->lock);
        return true;
    }
    g->stopped = true;
    if (g->n > 64 && !(others = malloc(g->n * sizeof *others)))
        others = stop; /* out of memory: the first 64 are stopped here, the rest with the runtime */
    size_t cap = others == stop ? 64 : g->n;
    for (size_t i = 0; i < g->n && n < cap; i++)
        if (g->comps[i] && g->comps[i] != c && !atomic_load(&g->comps[i]->proc.stopped))
            others[n++] = g->comps[i];
    pthread_mutex_unlock(&g->lock);
    snprintf(why, whylen, "group %s: more than %u restarts within %u ms", g->name, g->max_restarts,
             g->within_ms);
    host_logf(c->rt, WACTOR_LOG_WARN, g->name, "group stopped: %s", why);
    for (size_t i = 0; i < n; i++)
        host_stop_async_reason(others[i], "restart-limit");
    if (others != stop)
        free(others);
    return false;
}

/* Passes the active plan on to its next member; a plan that is over
 * makes way for the next one. */
static void plan_next(host_group *g)
{
    host_component *k = NULL;
    pthread_mutex_lock(&g->lock);
    while (!k && g->active) {
        host_plan *p = g->active;
        while (!k && p->next < p->n) {
            host_component *cand = p->who[p->next++].c;
            if (!atomic_load(&cand->proc.stopped) && !atomic_load(&cand->stop_requested))
                k = cand; /* a member that stops does not restart */
        }
        if (k) {
            k->group_plan = p;
        } else {
            g->active = p->then;
            free(p);
        }
    }
    pthread_mutex_unlock(&g->lock);
    if (!k)
        return;
    atomic_store(&k->group_due, true);
    /* Out of memory, the flag waits for k's next message. */
    (void)msg_post_control(&k->proc, (void *)&group_tag);
    /* A member waiting for its turn sleeps: wake it. A wake that comes
     * while its pause is being entered is lost, and its next look (after
     * GROUP_WAIT_POLL_MS) finds the flag instead. */
    if (atomic_load(&k->group_wait))
        rt_actor_wake(&k->proc.actor);
}

/* with_self: c restarts in the plan too, at its place in start order
 * (one_for_all); false when there is no plan (out of memory). */
static bool make_plan(host_component *c, bool with_self)
{
    host_group *g = c->group;
    if (g->strategy == WACTOR_ONE_FOR_ONE)
        return false;
    host_plan *p = malloc(sizeof *p + g->n * sizeof *p->who);
    if (!p) {
        host_logf(c->rt, WACTOR_LOG_WARN, g->name,
                  "out of memory: the other members do not restart with %s", c->proc.name);
        return false;
    }
    p->g = g;
    p->then = NULL;
    p->n = p->next = 0;
    pthread_mutex_lock(&g->lock);
    size_t from = g->strategy == WACTOR_REST_FOR_ONE ? c->group_index + 1u : 0;
    for (size_t i = from; i < g->n; i++)
        if (g->comps[i] && (g->comps[i] != c || with_self))
            p->who[p->n++].c = g->comps[i];
    for (size_t i = 0; i < p->n; i++)
        p->who[i].restarts = atomic_load(&p->who[i].c->restarts);
    bool start = false;
    if (p->n == 0) {
        free(p);
        p = NULL;
    } else if (!g->active) {
        g->active = p;
        start = true;
    } else { /* after the plans under way */
        host_plan *last = g->active;
        while (last->then)
            last = last->then;
        last->then = p;
    }
    pthread_mutex_unlock(&g->lock);
    if (p) {
        size_t others = p->n - (with_self ? 1u : 0u);
        host_logf(c->rt, WACTOR_LOG_INFO, g->name, "%s crashed: %zu other member%s restart",
                  c->proc.name, others, others == 1 ? "" : "s");
    }
    if (start)
        plan_next(g);
    return p != NULL;
}

void host_group_plan(host_component *c)
{
    (void)make_plan(c, false);
}

bool host_group_in_order(const host_component *c)
{
    return c->group->strategy == WACTOR_ONE_FOR_ALL;
}

/* How often a member waiting for its turn looks at group_due, should the
 * wake that its turn sends have been lost. */
#define GROUP_WAIT_POLL_MS 2u

/* Hands the plan c holds (if it still does) on to the next member. */
static void release_plan(host_component *c)
{
    host_group *g = c->group;
    pthread_mutex_lock(&g->lock);
    bool held = c->group_plan != NULL;
    c->group_plan = NULL;
    pthread_mutex_unlock(&g->lock);
    if (held)
        plan_next(g);
}

/* A waiting member is no longer to restart by the plan: a stop is waiting
 * (its mail is settled as a missing instance's) or an upgrade (whose turn
 * restarts it). */
static bool wait_called_off(const host_component *c)
{
    return atomic_load(&c->proc.stopped) || atomic_load(&c->stop_requested) ||
           atomic_load(&c->upgrades_waiting) != 0;
}

/* c's turn in the plan, after its back-off if any: its restart, then the
 * next member's turn. A failed restart is one more crash (host_restart),
 * whose own plan comes after this one. */
static void waited_restart(host_component *c)
{
    if (!wait_called_off(c))
        host_restart(c);
    release_plan(c);
}

static void waited_backoff_over(rt_actor *a)
{
    waited_restart((host_component *)a);
}

static void wait_for_turn(rt_actor *a);

/* Looks whether c's turn has come; sleeps again if not. */
static void look_for_turn(host_component *c)
{
    if (wait_called_off(c)) {
        atomic_store(&c->group_wait, false);
        if (atomic_exchange(&c->group_due, false))
            release_plan(c);
        return;
    }
    if (!atomic_exchange(&c->group_due, false)) {
        rt_actor_pause(&c->proc.actor, GROUP_WAIT_POLL_MS, wait_for_turn);
        return;
    }
    atomic_store(&c->group_wait, false);
    if (c->group_backoff_ms == 0) {
        waited_restart(c);
        return;
    }
    host_set_state(c, WACTOR_STATE_BACKING_OFF);
    host_logf(c->rt, WACTOR_LOG_WARN, c->proc.name, "backing off %u ms after %s",
              c->group_backoff_ms, c->down_reason);
    rt_actor_pause(&c->proc.actor, c->group_backoff_ms, waited_backoff_over);
}

static void wait_for_turn(rt_actor *a)
{
    look_for_turn((host_component *)a);
}

void host_group_wait(host_component *c, uint32_t backoff_ms)
{
    c->group_backoff_ms = backoff_ms;
    host_set_state(c, WACTOR_STATE_RESTARTING);
    atomic_store(&c->group_wait, true);
    if (!make_plan(c, true)) { /* out of memory: c restarts alone, now */
        atomic_store(&c->group_wait, false);
        c->group_backoff_ms = 0;
        host_restart(c);
        return;
    }
    look_for_turn(c); /* first in start order, its turn may have come already */
}

/* The member's own restart, between two messages: as a stop (its
 * wactor_on_shutdown is asked), then a fresh instance. */
static void restart_gracefully(host_component *c)
{
    if (c->on_shutdown) {
        wa_trap t = host_run_guest(c, c->on_shutdown, NULL, NULL);
        if (t != WA_TRAP_NONE && t != WA_TRAP_EXIT)
            host_logf(c->rt, WACTOR_LOG_WARN, c->proc.name, "wactor_on_shutdown trapped: %s",
                      wa_instance_trap_message(c->inst));
    }
    c->down_reason = "restarted with its group";
    host_audit(c->rt, c->proc.name, "restart", NULL, 0, "ok", c->down_reason);
    host_drop_instance(c);
    msg_proc_crashed(&c->proc, c->down_reason);
    host_restart(c);
}

void host_group_turn(host_component *c)
{
    if (!atomic_exchange(&c->group_due, false))
        return;
    host_group *g = c->group;
    pthread_mutex_lock(&g->lock);
    host_plan *p = c->group_plan;
    c->group_plan = NULL;
    pthread_mutex_unlock(&g->lock);
    if (!p)
        return;
    /* Without an instance (backing off after its own crash) it restarts by
     * itself, and one that has restarted since the plan was made (its own
     * crash meanwhile) has a fresh instance already; stopping, it does not
     * restart. p->next - 1 is c's place in the plan. */
    bool fresh = atomic_load(&c->restarts) != p->who[p->next - 1].restarts;
    if (c->inst && !fresh && !atomic_load(&c->proc.stopped) && !atomic_load(&c->stop_requested))
        restart_gracefully(c);
    plan_next(g);
}

void host_group_down(host_component *c)
{
    host_group *g = c->group;
    pthread_mutex_lock(&g->lock);
    bool held = c->group_plan != NULL;
    c->group_plan = NULL;
    pthread_mutex_unlock(&g->lock);
    atomic_store(&c->group_due, false);
    if (held) /* its turn will not come: the next member's does */
        plan_next(g);
}

bool host_group_control(host_component *c, const msg_envelope *e)
{
    (void)c; /* the flag was looked at as the delivery began */
    return e->control == &group_tag;
}

void host_groups_free(wactor_runtime *rt)
{
    for (size_t i = 0; i < rt->ngroups; i++)
        group_free(rt->groups[i]);
    free(rt->groups);
    rt->groups = NULL;
    rt->ngroups = rt->capgroups = 0;
}
