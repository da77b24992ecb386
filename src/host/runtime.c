/*
 * runtime.c: the embedding API (include/wactor.h) over the scheduler, the
 * router and the components. The host is the process "@host": its messages
 * go through the same router calls as a guest's, with from == NULL.
 */
#include "host.h"
#include "name.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- codes and messages ------------------------------------------------- */

const char *wactor_result_name(int code)
{
    switch (code) {
#define WACTOR_X(name, value, msg)                                                                 \
    case value:                                                                                    \
        return #name;
        WACTOR_RESULT_LIST(WACTOR_X)
#undef WACTOR_X
    }
    return code > 0 ? "OK" : "UNKNOWN";
}

const char *wactor_result_message(int code)
{
    switch (code) {
#define WACTOR_X(name, value, msg)                                                                 \
    case value:                                                                                    \
        return msg;
        WACTOR_RESULT_LIST(WACTOR_X)
#undef WACTOR_X
    }
    return code > 0 ? "ok" : "unknown error";
}

const char *wactor_status_name(int status)
{
    static const char *const names[] = {"OK", "ERROR", "TIMEOUT", "FAILED"};
    return status >= 0 && status < 4 ? names[status] : "UNKNOWN";
}

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error"};

void host_log(wactor_runtime *rt, int level, const char *component, const char *text, size_t len)
{
    if (level >= rt->opts.log_level)
        host_log_always(rt, level, component, text, len);
}

void host_log_always(wactor_runtime *rt, int level, const char *component, const char *text,
                     size_t len)
{
    if (rt->opts.log) {
        rt->opts.log(rt->opts.log_arg, level, component, text, len);
        return;
    }
    /* One write per line, so lines from several threads do not interleave. */
    flockfile(stderr);
    fprintf(stderr, "%s %s: %.*s\n", level_names[level], component ? component : "wactor",
            (int)(len > 65536 ? 65536 : len), text);
    funlockfile(stderr);
}

void host_logf(wactor_runtime *rt, int level, const char *component, const char *fmt, ...)
{
    if (level < rt->opts.log_level)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    host_log(rt, level, component, buf,
             n < 0                     ? 0
             : (size_t)n >= sizeof buf ? sizeof buf - 1
                                       : (size_t)n);
}

/* The last error, like errno: per thread, so host threads failing at the
 * same time never mix their messages; it names the runtime it belongs to. */
static _Thread_local struct {
    const wactor_runtime *rt;
    char msg[256];
} last_error;

int host_fail(wactor_runtime *rt, int code, const char *fmt, ...)
{
    char buf[sizeof last_error.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    memcpy(last_error.msg, buf, sizeof buf);
    last_error.rt = rt;
    return code;
}

const char *wactor_errmsg(const wactor_runtime *rt)
{
    if (!rt)
        return "no runtime";
    return last_error.rt == rt ? last_error.msg : "";
}

/* ---- runtime ------------------------------------------------------------ */

wactor_runtime *wactor_runtime_new(const wactor_runtime_options *opts)
{
    wactor_runtime *rt = calloc(1, sizeof *rt);
    if (!rt)
        return NULL;
    if (opts)
        rt->opts = *opts;
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
    pthread_mutex_init(&rt->spawn_lock, NULL);
    pthread_mutex_init(&rt->lock, NULL);
    if (!host_audit_open(rt)) {
        pthread_mutex_destroy(&rt->spawn_lock);
        pthread_mutex_destroy(&rt->lock);
        free(rt);
        return NULL;
    }

    char why[256];
    bool ok = host_imports_new(rt) && (rt->spawn_stack = wa_stack_new(HOST_MAX_STACK)) != NULL &&
              (rt->store = store_open(rt->opts.storage_path, why, sizeof why)) != NULL &&
              (rt->timers = rt_timers_new()) != NULL &&
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
                                 .request_timeout_ms = rt->opts.request_timeout_ms};
        ok = (rt->router = msg_router_new(rt->sched, &ro)) != NULL;
    }
    if (!ok) {
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
    msg_router_free(rt->router);
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
    pthread_mutex_destroy(&rt->spawn_lock);
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

/* ---- modules ------------------------------------------------------------ */

wactor_module *wactor_module_load(wactor_runtime *rt, const uint8_t *bytes, size_t len)
{
    if (!bytes && len) {
        host_fail(rt, WACTOR_EINVAL, "no bytes");
        return NULL;
    }
    wa_error err;
    wa_module *m = wa_module_load(bytes, len, &err);
    if (!m) {
        host_fail(rt, WACTOR_EMODULE, "%s: %s", wa_errkind_name(err.kind), err.msg);
        return NULL;
    }
    wactor_module *wm = malloc(sizeof *wm);
    if (!wm) {
        wa_module_free(m);
        host_fail(rt, WACTOR_ENOMEM, "out of memory");
        return NULL;
    }
    wm->m = m;
    atomic_init(&wm->refs, 1);
    return wm;
}

wactor_module *wactor_module_load_file(wactor_runtime *rt, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        host_fail(rt, WACTOR_EMODULE, "%s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                host_fail(rt, WACTOR_ENOMEM, "%s: out of memory", path);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    wactor_module *m = NULL;
    if (failed)
        host_fail(rt, WACTOR_EMODULE, "%s: cannot read", path);
    else if (!(m = wactor_module_load(rt, buf, len)))
        host_fail(rt, WACTOR_EMODULE, "%s: %.200s", path, wactor_errmsg(rt));
    free(buf);
    return m;
}

void wactor_module_free(wactor_module *m)
{
    if (m && atomic_fetch_sub(&m->refs, 1) == 1) {
        wa_module_free(m->m);
        free(m);
    }
}

/* ---- components --------------------------------------------------------- */

/* Calls that wait for the runtime, or run guest code on the calling
 * thread, would deadlock or corrupt the running guest from inside a
 * callback on a worker. */
static int refuse_on_worker(wactor_runtime *rt, const char *what)
{
    if (rt_sched_current_worker(rt->sched) < 0)
        return WACTOR_OK;
    return host_fail(rt, WACTOR_ESTATE, "%s: not from a callback on a runtime thread", what);
}

int wactor_spawn(wactor_runtime *rt, const wactor_component_options *opts)
{
    if (refuse_on_worker(rt, "wactor_spawn"))
        return WACTOR_ESTATE;
    if (atomic_load(&rt->closing))
        return host_fail(rt, WACTOR_ESTATE, "the runtime is shutting down");
    return host_spawn(rt, opts);
}

static host_component *find(wactor_runtime *rt, const char *name)
{
    if (!name)
        return NULL;
    return (host_component *)msg_lookup(rt->router, name, strlen(name));
}

int wactor_stop(wactor_runtime *rt, const char *name)
{
    if (refuse_on_worker(rt, "wactor_stop"))
        return WACTOR_ESTATE;
    host_component *c = find(rt, name);
    if (!c)
        return host_fail(rt, WACTOR_ENOTFOUND, "no component named %s", name ? name : "(null)");
    return host_stop(rt, c);
}

int wactor_component_stats(wactor_runtime *rt, const char *name, wactor_stats *out)
{
    host_component *c = NULL;
    pthread_mutex_lock(&rt->lock);
    /* The most recent component of that name, running or not. */
    for (size_t i = rt->nall; name && i-- > 0;)
        if (strcmp(rt->all[i]->proc.name, name) == 0) {
            c = rt->all[i];
            break;
        }
    pthread_mutex_unlock(&rt->lock);
    if (!c)
        return host_fail(rt, WACTOR_ENOTFOUND, "no component named %s", name ? name : "(null)");
    memset(out, 0, sizeof *out);
    out->received = atomic_load(&c->proc.n_received);
    out->sent = atomic_load(&c->proc.n_sent);
    for (int i = 0; i < 4; i++)
        out->callbacks[i] = atomic_load(&c->proc.n_callbacks[i]);
    out->restarts = atomic_load(&c->restarts);
    out->crashes = atomic_load(&c->crashes);
    out->queued = atomic_load(&c->proc.queued);
    out->pending = atomic_load(&c->proc.pending);
    out->running = !atomic_load(&c->proc.stopped);
    return WACTOR_OK;
}

/* ---- messages from the host --------------------------------------------- */

static int host_code(wactor_runtime *rt, int64_t rc, const char *what, const char *target)
{
    if (rc >= 0)
        return (int)rc;
    return host_fail(rt, (int)rc, "%s %s: %s", what, target ? target : "(null)",
                     wactor_result_message((int)rc));
}

int wactor_send(wactor_runtime *rt, const char *target, const void *payload, size_t len)
{
    if (!target || (!payload && len))
        return host_fail(rt, WACTOR_EINVAL, "send: no target or payload");
    if (atomic_load(&rt->closing))
        return host_fail(rt, WACTOR_ESTATE, "the runtime is shutting down");
    return host_code(rt, msg_send(rt->router, NULL, target, strlen(target), payload, len),
                     "send to", target);
}

int64_t wactor_request(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                       uint32_t timeout_ms, wactor_callback_fn cb, void *arg)
{
    if (!target || (!payload && len) || !cb)
        return host_fail(rt, WACTOR_EINVAL, "request: no target, payload or callback");
    if (atomic_load(&rt->closing))
        return host_fail(rt, WACTOR_ESTATE, "the runtime is shutting down");
    int64_t rc =
        msg_request(rt->router, NULL, target, strlen(target), payload, len, timeout_ms, cb, arg);
    return rc > 0 ? rc : host_code(rt, rc, "request to", target);
}

int wactor_cancel(wactor_runtime *rt, int64_t correlation)
{
    return host_code(rt, msg_cancel(rt->router, NULL, correlation), "cancel", "request");
}

typedef struct call_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int status;
    void *answer;
    size_t len;
} call_wait;

static void call_done(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    (void)corr;
    call_wait *w = arg;
    void *copy = len ? malloc(len) : NULL;
    if (copy)
        memcpy(copy, payload, len);
    pthread_mutex_lock(&w->lock);
    w->status = status;
    w->answer = copy;
    w->len = copy ? len : 0;
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int wactor_call(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                uint32_t timeout_ms, int *status, void **answer, size_t *answer_len)
{
    if (refuse_on_worker(rt, "wactor_call"))
        return WACTOR_ESTATE;
    call_wait w = {.done = false};
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.cond, NULL);
    int64_t rc = wactor_request(rt, target, payload, len, timeout_ms, call_done, &w);
    if (rc > 0) {
        /* The request's own timeout bounds the wait: exactly one callback. */
        pthread_mutex_lock(&w.lock);
        while (!w.done)
            pthread_cond_wait(&w.cond, &w.lock);
        pthread_mutex_unlock(&w.lock);
        *status = w.status;
        *answer = w.answer;
        *answer_len = w.len;
        rc = WACTOR_OK;
    }
    pthread_mutex_destroy(&w.lock);
    pthread_cond_destroy(&w.cond);
    return (int)rc;
}

int wactor_publish(wactor_runtime *rt, const char *topic, const void *payload, size_t len)
{
    if (!topic || (!payload && len))
        return host_fail(rt, WACTOR_EINVAL, "publish: no topic or payload");
    if (atomic_load(&rt->closing))
        return host_fail(rt, WACTOR_ESTATE, "the runtime is shutting down");
    return host_code(rt, msg_publish(rt->router, NULL, topic, strlen(topic), payload, len),
                     "publish to", topic);
}

int wactor_wait_idle(wactor_runtime *rt, uint32_t timeout_ms)
{
    if (refuse_on_worker(rt, "wactor_wait_idle"))
        return WACTOR_ESTATE;
    return rt_wait_idle(rt->sched, timeout_ms)
               ? WACTOR_OK
               : host_fail(rt, WACTOR_ETIMEDOUT, "not idle after %u ms", timeout_ms);
}
