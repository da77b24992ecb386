/*
 * runtime.c: a runtime's life: wactor_runtime_new builds the parts (the
 * store, the timers, the memory pool, one execution stack per worker, the
 * watchdog, the scheduler and the router) and wactor_runtime_free stops
 * every component gracefully and takes them down in reverse order.
 */
#include "extend.h"
#include "host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- runtime ------------------------------------------------------------ */

wactor_runtime *wactor_runtime_new(const wactor_runtime_options *opts)
{
    wactor_runtime *rt = calloc(1, sizeof *rt);
    if (!rt) {
        host_fail(NULL, WACTOR_ENOMEM, "out of memory");
        return NULL;
    }
    if (opts)
        rt->opts = *opts;
    /* the artifact folder is read at spawns, long after this call */
    rt->cache_dir = rt->opts.cache_dir ? strdup(rt->opts.cache_dir) : NULL;
    rt->opts.cache_dir = rt->cache_dir;
    if (!rt->opts.max_message)
        rt->opts.max_message = 1u << 20;
    if (!rt->opts.request_timeout_ms)
        rt->opts.request_timeout_ms = 30000;
    if (rt->opts.log_level < WACTOR_LOG_TRACE)
        rt->opts.log_level = WACTOR_LOG_TRACE;
    if (rt->opts.max_restarts == 0)
        rt->opts.max_restarts = 5;
    else if (rt->opts.max_restarts < 0)
        rt->opts.max_restarts = 0;
    if (!rt->opts.restart_within_ms)
        rt->opts.restart_within_ms = 10000;
    host_clock_init();
    pthread_mutex_init(&rt->spawn_lock, NULL);
    pthread_mutex_init(&rt->lock, NULL);
    pthread_mutex_init(&rt->mon_lock, NULL);
    if (!host_audit_open(rt) || !host_trace_open(rt)) {
        pthread_mutex_destroy(&rt->spawn_lock);
        pthread_mutex_destroy(&rt->lock);
        pthread_mutex_destroy(&rt->mon_lock);
        free(rt);
        return NULL;
    }

    char why[256];
    bool ok = host_imports_new(rt) && (rt->spawn_stack = wa_stack_new(HOST_MAX_STACK)) != NULL;
    if (ok && !(rt->store = store_open(rt->opts.storage_path, why, sizeof why))) {
        host_fail(NULL, WACTOR_ESYSTEM, "storage %s: cannot open: %s",
                  rt->opts.storage_path ? rt->opts.storage_path : "(in memory)", why);
        wactor_runtime_free(rt);
        return NULL;
    }
    ok = ok && (rt->timers = rt_timers_new()) != NULL &&
         (rt->mempool = wa_mempool_new(HOST_POOL_MEMORY_MAX, HOST_POOL_MEMORY_COUNT)) != NULL;
    if (ok) {
        rt_sched_options so = {.workers = rt->opts.workers, .timers = rt->timers};
        /* The stacks exist before the workers do: a worker never waits. */
        unsigned n = so.workers;
        if (!n) {
            long cores = sysconf(_SC_NPROCESSORS_ONLN);
            n = cores > 0 ? (unsigned)cores : 1;
        }
        so.workers = n;
        rt->stacks = calloc(n, sizeof *rt->stacks);
        ok = rt->stacks != NULL;
        rt->nstacks = ok ? n : 0;
        for (unsigned i = 0; ok && i < n; i++)
            ok = (rt->stacks[i] = wa_stack_new(HOST_MAX_STACK)) != NULL;
        if (ok)
            ok = (rt->watchdog = host_watchdog_new(n)) != NULL;
        if (ok)
            ok = (rt->sched = rt_sched_new(&so)) != NULL;
        if (ok)
            host_watchdog_set_sched(rt->watchdog, rt->sched);
    }
    if (ok) {
        msg_router_options ro = {.timers = rt->timers,
                                 .max_message = rt->opts.max_message,
                                 .request_timeout_ms = rt->opts.request_timeout_ms,
                                 .dropped = host_publication_dropped,
                                 .dropped_arg = rt};
        ok = (rt->router = msg_router_new(rt->sched, &ro)) != NULL;
    }
    if (!ok) {
        host_fail(NULL, WACTOR_ENOMEM, "out of memory, or threads cannot be created");
        wactor_runtime_free(rt);
        return NULL;
    }
    return rt;
}

int wactor_interrupt(wactor_runtime *rt)
{
    if (!rt)
        return WACTOR_EINVAL;
    if (rt->watchdog)
        host_watchdog_interrupt_all(rt->watchdog);
    return WACTOR_OK;
}

/* ---- extensions (extend.h) ----------------------------------------------- */

msg_router *host_router(wactor_runtime *rt)
{
    return rt->router;
}

void host_extension_log(wactor_runtime *rt, int level, const char *text)
{
    host_log(rt, level, NULL, text, strlen(text));
}

int host_extension_set(wactor_runtime *rt, void (*detach)(void *arg), void *arg)
{
    int rc = WACTOR_OK;
    pthread_mutex_lock(&rt->lock);
    if (detach && rt->ext_detach)
        rc = WACTOR_EEXIST;
    else {
        rt->ext_detach = detach;
        rt->ext_arg = arg;
    }
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

int host_http_client_set(wactor_runtime *rt, void (*start)(void *arg, const host_http_request *req),
                         void (*detach)(void *arg), void *arg)
{
    int rc = WACTOR_OK;
    pthread_mutex_lock(&rt->lock);
    if (start && atomic_load(&rt->http_start)) {
        rc = WACTOR_EEXIST;
    } else {
        atomic_store(&rt->http_arg, arg);
        atomic_store(&rt->http_start, start);
        rt->http_detach = detach;
    }
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

struct host_retained {
    struct host_retained *next;
    void (*release)(void *arg);
    void *arg;
};

bool host_extension_retain(wactor_runtime *rt, void (*release)(void *arg), void *arg)
{
    struct host_retained *k = malloc(sizeof *k);
    if (!k)
        return false;
    k->release = release;
    k->arg = arg;
    pthread_mutex_lock(&rt->lock);
    k->next = rt->retained;
    rt->retained = k;
    pthread_mutex_unlock(&rt->lock);
    return true;
}

int host_extension_fail(int code, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return host_fail(NULL, code, "%s", text);
}

void wactor_runtime_free(wactor_runtime *rt)
{
    if (!rt)
        return;
    atomic_store(&rt->closing, true);
    /* Stop every component: each finishes what it is doing, handles the
     * mail already queued and runs its wactor_on_shutdown. Then wait for
     * the rest to settle (requests to the stopped components get FAILED as
     * they arrive), bounded in case a component's shutdown loops on
     * messages. A caller that will not wait for running handlers calls
     * wactor_interrupt first. */
    if (rt->router) {
        for (size_t i = 0; i < rt->nall; i++)
            if (!atomic_load(&rt->all[i]->proc.stopped))
                host_stop(rt, rt->all[i]);
        rt_wait_idle(rt->sched, 5000);
    }
    if (rt->ext_detach)
        rt->ext_detach(rt->ext_arg); /* e.g. leaves the lattice: no more remote mail */
    if (rt->http_detach)
        rt->http_detach(atomic_load(&rt->http_arg)); /* no more HTTP outcomes */
    rt_timers_free(rt->timers); /* joins the timer thread: no timeout fires from now on */
    if (rt->router)
        msg_router_shutdown(rt->router);
    if (rt->watchdog)
        host_watchdog_set_sched(rt->watchdog, NULL); /* no nudge from now on */
    rt_sched_free(rt->sched);                        /* joins the workers */
    host_watchdog_free(rt->watchdog);
    for (size_t i = 0; i < rt->nall; i++)
        host_component_free(rt->all[i]);
    free(rt->all);
    for (host_component *c = rt->withdrawn, *next; c; c = next) {
        next = c->next_withdrawn;
        host_component_free(c);
    }
    msg_router_free(rt->router);
    for (struct host_retained *k = rt->retained, *next; k; k = next) {
        next = k->next;
        k->release(k->arg);
        free(k);
    }
    if (rt->stacks) {
        for (unsigned i = 0; i < rt->nstacks; i++)
            wa_stack_free(rt->stacks[i]);
        free(rt->stacks);
    }
    wa_stack_free(rt->spawn_stack);
    wa_mempool_free(rt->mempool); /* after every instance */
    host_imports_free(rt);
    store_close(rt->store);
    host_audit_close(rt);
    host_trace_close(rt);
    host_templates_free(rt);
    host_monitors_free(rt);
    host_groups_free(rt);
    pthread_mutex_destroy(&rt->spawn_lock);
    pthread_mutex_destroy(&rt->lock);
    pthread_mutex_destroy(&rt->mon_lock);
    free(rt->cache_dir);
    free(rt);
}
