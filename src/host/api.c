/*
 * api.c: the embedding API (include/wactor.h) for modules, components and
 * the host's messages. The host is the process "@host": its messages go
 * through the same router calls as a guest's, with from == NULL. Misuse is
 * checked here, at the boundary, and reported with a code and
 * wactor_errmsg; the layers below assert their invariants.
 */
#include "host.h"
#include "name.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- modules ------------------------------------------------------------ */

wactor_module *wactor_module_load(wactor_runtime *rt, const uint8_t *bytes, size_t len)
{
    if (!bytes && len) {
        host_fail(rt, WACTOR_EINVAL, "no bytes");
        return NULL;
    }
    wa_error err;
    memset(&err, 0, sizeof err);
    wa_module *m = wa_module_load(bytes, len, &err);
    if (!m) {
        char why[400];
        wa_error_format(&err, why, sizeof why);
        host_fail(rt, err.kind == WA_ERR_NOMEM ? WACTOR_ENOMEM : WACTOR_EMODULE, "%s", why);
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
    wm->path = NULL;
    pthread_mutex_init(&wm->aot_lock, NULL);
    wm->aot_tried = false;
    wm->aot = NULL;
    wm->aot_why[0] = 0;
    return wm;
}

/* The file is read by wa_file_read: a regular file of at most max_module
 * bytes, refused before anything past that is read. */
wactor_module *wactor_module_load_file_limit(wactor_runtime *rt, const char *path,
                                             uint64_t max_bytes)
{
    if (!path) {
        host_fail(rt, WACTOR_EINVAL, "no path");
        return NULL;
    }
    wa_error err;
    size_t len = 0;
    uint8_t *buf = wa_file_read(path, max_bytes, &len, &err);
    if (!buf) {
        int code = err.kind == WA_ERR_NOMEM   ? WACTOR_ENOMEM
                   : err.kind == WA_ERR_LIMIT ? WACTOR_ETOOBIG
                                              : WACTOR_EMODULE;
        host_fail(rt, code, "%s: %s", path, err.msg);
        return NULL;
    }
    wactor_module *m = wactor_module_load(rt, buf, len);
    if (!m) /* the load's code (EMODULE, or ENOMEM) and reason, with the file's name */
        host_fail(rt, wactor_errcode(rt), "%s: %.200s", path, wactor_errmsg(rt));
    else if (!(m->path = strdup(path))) {
        wactor_module_free(m);
        m = NULL;
        host_fail(rt, WACTOR_ENOMEM, "out of memory");
    }
    free(buf);
    return m;
}

wactor_module *wactor_module_load_file(wactor_runtime *rt, const char *path)
{
    return wactor_module_load_file_limit(rt, path, rt ? rt->opts.max_module : 0);
}

void wactor_module_free(wactor_module *m)
{
    if (m && atomic_fetch_sub(&m->refs, 1) == 1) {
        host_module_tier_free(m); /* after every instance: they held references */
        wa_module_free(m->m);
        pthread_mutex_destroy(&m->aot_lock);
        free(m->path);
        free(m);
    }
}

/* ---- components --------------------------------------------------------- */

/* Calls that wait for the runtime, or run guest code on the calling
 * thread, would deadlock or corrupt the running guest from inside a
 * callback on a worker. */
static int refuse_on_worker(wactor_runtime *rt, const char *what)
{
    if (host_starting_here(rt))
        return host_fail(rt, WACTOR_ESTATE, "%s: not from a callback during a start-up", what);
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
    return (host_component *)msg_dest_proc(msg_lookup(rt->router, name, strlen(name)));
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

int wactor_upgrade(wactor_runtime *rt, const char *name, const wactor_component_options *opts)
{
    if (refuse_on_worker(rt, "wactor_upgrade"))
        return WACTOR_ESTATE;
    if (atomic_load(&rt->closing))
        return host_fail(rt, WACTOR_ESTATE, "the runtime is shutting down");
    host_component *c = find(rt, name);
    if (!c)
        return host_fail(rt, WACTOR_ENOTFOUND, "no component named %s", name ? name : "(null)");
    return host_upgrade(rt, c, opts);
}

/* One component's statistics, read from its counters (each one exact, the
 * set not one instant). */
static void fill_stats(host_component *c, wactor_stats *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->name, c->proc.name, c->proc.name_len);
    out->received = atomic_load(&c->proc.n_received);
    out->sent = atomic_load(&c->proc.n_sent);
    for (int i = 0; i < 4; i++)
        out->callbacks[i] = atomic_load(&c->proc.n_callbacks[i]);
    out->dropped = atomic_load(&c->proc.n_dropped);
    out->restarts = atomic_load(&c->restarts);
    out->queued = atomic_load(&c->proc.queued);
    /* Not c->ver.limits or c->ver.storage: an upgrade changes them on the component's turn. */
    out->mailbox = atomic_load_explicit(&c->proc.mailbox_bound, memory_order_relaxed);
    out->pending = atomic_load(&c->proc.pending);
    out->running = !atomic_load(&c->proc.stopped);
    out->state = atomic_load_explicit(&c->state, memory_order_relaxed);
    out->memory = atomic_load_explicit(&c->memory, memory_order_relaxed);
    if (!atomic_exchange(&c->storage_clean, true)) {
        int64_t used = store_usage(c->rt->store, c->proc.name, c->proc.name_len);
        if (used >= 0)
            atomic_store(&c->storage_used, (uint64_t)used);
        else
            atomic_store(&c->storage_clean, false); /* ask again next time */
    }
    out->storage = atomic_load(&c->storage_used);
    out->health = atomic_load_explicit(&c->health_last, memory_order_relaxed);
    out->tier = atomic_load_explicit(&c->tier_now, memory_order_relaxed);
    out->fuel = atomic_load_explicit(&c->fuel, memory_order_relaxed);
    out->handler_ns = host_clock_ns(atomic_load_explicit(&c->handler_ticks, memory_order_relaxed));
    for (int i = 0; i < WACTOR_HANDLER_BUCKETS; i++)
        out->handler_hist[i] = atomic_load_explicit(&c->handler_hist[i], memory_order_relaxed);
    for (int i = 0; i < WACTOR_CRASH_KINDS; i++) {
        out->crashes_by[i] = atomic_load(&c->crashes_by[i]);
        out->crashes += out->crashes_by[i];
    }
}

int wactor_component_stats(wactor_runtime *rt, const char *name, wactor_stats *out)
{
    if (!rt || !out)
        return WACTOR_EINVAL;
    host_component *c = NULL;
    pthread_mutex_lock(&rt->lock);
    /* The most recent component of that name, running or not. */
    for (size_t i = rt->nall; name && i-- > 0;)
        if (strcmp(rt->all[i]->proc.name, name) == 0) {
            c = rt->all[i];
            break;
        }
    if (c)
        fill_stats(c, out);
    pthread_mutex_unlock(&rt->lock);
    if (!c)
        return host_fail(rt, WACTOR_ENOTFOUND, "no component named %s", name ? name : "(null)");
    return WACTOR_OK;
}

/* Marks in keep[] the most recent component of each name among all[0..n):
 * one pass from the end with a hash set of the names met, so a status of
 * many components costs O(n) under the runtime's lock, not O(n^2). */
static bool latest_of_each_name(host_component *const *all, size_t n, bool *keep)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    const msg_proc **seen = calloc(cap, sizeof *seen);
    if (!seen)
        return false;
    for (size_t i = n; i-- > 0;) {
        const msg_proc *p = &all[i]->proc;
        uint64_t h = 1469598103934665603u; /* FNV-1a */
        for (size_t j = 0; j < p->name_len; j++)
            h = (h ^ (uint8_t)p->name[j]) * 1099511628211u;
        size_t k = (size_t)h & (cap - 1);
        while (seen[k] && !(seen[k]->name_len == p->name_len &&
                            memcmp(seen[k]->name, p->name, p->name_len) == 0))
            k = (k + 1) & (cap - 1);
        keep[i] = seen[k] == NULL;
        if (keep[i])
            seen[k] = p;
    }
    free(seen);
    return true;
}

int wactor_stats_all(wactor_runtime *rt, wactor_stats **out, size_t *n)
{
    if (!rt || !out || !n)
        return WACTOR_EINVAL;
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&rt->lock);
    size_t all = rt->nall, k = 0;
    wactor_stats *v = all ? malloc(all * sizeof *v) : NULL;
    bool *keep = all ? malloc(all) : NULL;
    bool ok = !all || (v && keep && latest_of_each_name(rt->all, all, keep));
    for (size_t i = 0; ok && i < all; i++)
        if (keep[i]) /* one entry per name, in spawn order */
            fill_stats(rt->all[i], &v[k++]);
    pthread_mutex_unlock(&rt->lock);
    free(keep);
    if (!ok) {
        free(v);
        return host_fail(rt, WACTOR_ENOMEM, "out of memory");
    }
    *out = v;
    *n = k;
    return WACTOR_OK;
}

/* The edges into one receiver, appended to a growing array. */
typedef struct edge_list {
    wactor_edge *v;
    size_t n, cap;
    const msg_proc *to;
    bool nomem;
} edge_list;

static void add_edge(void *arg, const char *from, size_t len, uint64_t count)
{
    edge_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        wactor_edge *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->nomem = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    wactor_edge *e = &l->v[l->n++];
    memcpy(e->from, from, len);
    e->from[len] = 0;
    memcpy(e->to, l->to->name, l->to->name_len + 1u);
    e->messages = count;
}

int wactor_edges(wactor_runtime *rt, wactor_edge **out, size_t *n)
{
    if (!rt || !out || !n)
        return WACTOR_EINVAL;
    *out = NULL;
    *n = 0;
    edge_list l = {0};
    pthread_mutex_lock(&rt->lock);
    size_t all = rt->nall;
    bool *keep = all ? malloc(all) : NULL;
    bool ok = !all || (keep && latest_of_each_name(rt->all, all, keep));
    for (size_t i = 0; ok && i < all && !l.nomem; i++)
        if (keep[i]) { /* as wactor_stats_all: the most recent component of each name */
            l.to = &rt->all[i]->proc;
            msg_edges_each(l.to, add_edge, &l);
        }
    pthread_mutex_unlock(&rt->lock);
    free(keep);
    if (!ok || l.nomem) {
        free(l.v);
        return host_fail(rt, WACTOR_ENOMEM, "out of memory");
    }
    *out = l.v;
    *n = l.n;
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

/* What o asks a host message to carry, checked: the sender name and the
 * header block (built in b; free it). */
static int message_meta(wactor_runtime *rt, const wactor_message_options *o, msg_hdrbuf *b,
                        msg_meta *m)
{
    *m = (msg_meta){0};
    if (!o)
        return WACTOR_OK;
    if (o->sender) {
        size_t n = strlen(o->sender);
        if (!msg_host_sender_valid(o->sender, n))
            return host_fail(rt, WACTOR_EINVAL, "sender \"%s\": not '@' and 1..31 of [a-z0-9-]",
                             o->sender);
        m->sender = o->sender;
        m->sender_len = (uint8_t)n;
    }
    if (o->nheaders && !o->headers)
        return host_fail(rt, WACTOR_EINVAL, "headers: NULL");
    for (size_t i = 0; i < o->nheaders; i++) {
        const wactor_header *h = &o->headers[i];
        size_t nlen = h->name && !h->name_len ? strlen(h->name) : h->name_len;
        if (!h->name || (!h->value && h->value_len))
            return host_fail(rt, WACTOR_EINVAL, "header %zu: no name or value", i);
        int rc = msg_hdrbuf_add(b, h->name, nlen, h->value, h->value_len);
        if (rc != WACTOR_OK)
            return host_fail(rt, rc, "header \"%.*s\": %s", (int)(nlen > 64 ? 64 : nlen), h->name,
                             rc == WACTOR_EINVAL ? "not a header name (ABI.md, Headers)"
                                                 : wactor_result_message(rc));
    }
    m->headers = msg_hdrbuf_view(b);
    return WACTOR_OK;
}

int wactor_send_with(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                     const wactor_message_options *o)
{
    if (!target || (!payload && len))
        return host_fail(rt, WACTOR_EINVAL, "send: no target or payload");
    if (atomic_load(&rt->closing))
        return host_fail(rt, WACTOR_ESTATE, "the runtime is shutting down");
    msg_hdrbuf b = {0};
    msg_meta m;
    int rc = message_meta(rt, o, &b, &m);
    if (rc == WACTOR_OK)
        rc = host_code(rt, msg_send(rt->router, NULL, target, strlen(target), payload, len, &m),
                       "send to", target);
    msg_hdrbuf_free(&b);
    return rc;
}

int wactor_send(wactor_runtime *rt, const char *target, const void *payload, size_t len)
{
    return wactor_send_with(rt, target, payload, len, NULL);
}

/* The embedder's callback of a request: msg_host_callback's arguments are
 * not its own (headers), so the request carries this pair to reply(). */
typedef struct host_reply {
    wactor_reply_fn with; /* or, from wactor_request, one without headers: */
    wactor_callback_fn plain;
    void *arg;
} host_reply;

static void reply(void *arg, int64_t corr, int status, const void *payload, size_t len,
                  const msg_headers *h)
{
    host_reply r = *(host_reply *)arg;
    free(arg);
    if (r.with)
        r.with(r.arg, corr, status, payload, len, (const wactor_headers *)h);
    else
        r.plain(r.arg, corr, status, payload, len);
}

/* A host request whose outcome goes to cb(arg) on the settling thread. */
static int64_t host_request(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                            const wactor_message_options *o, msg_host_callback cb, void *arg)
{
    if (atomic_load(&rt->closing))
        return host_fail(rt, WACTOR_ESTATE, "the runtime is shutting down");
    msg_hdrbuf b = {0};
    msg_meta m;
    int64_t rc = message_meta(rt, o, &b, &m);
    if (rc == WACTOR_OK) {
        rc = msg_request(rt->router, NULL, target, strlen(target), payload, len,
                         o ? o->timeout_ms : 0, cb, arg, &m);
        if (rc <= 0)
            rc = host_code(rt, rc, "request to", target);
    }
    msg_hdrbuf_free(&b);
    return rc;
}

static int64_t request_replying(wactor_runtime *rt, const char *target, const void *payload,
                                size_t len, const wactor_message_options *o, host_reply r)
{
    if (!target || (!payload && len) || (!r.with && !r.plain))
        return host_fail(rt, WACTOR_EINVAL, "request: no target, payload or callback");
    host_reply *copy = malloc(sizeof *copy);
    if (!copy)
        return host_fail(rt, WACTOR_ENOMEM, "out of memory");
    *copy = r;
    int64_t rc = host_request(rt, target, payload, len, o, reply, copy);
    if (rc <= 0)
        free(copy);
    return rc;
}

int64_t wactor_request_with(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                            const wactor_message_options *o, wactor_reply_fn cb, void *arg)
{
    return request_replying(rt, target, payload, len, o, (host_reply){cb, NULL, arg});
}

int64_t wactor_request(wactor_runtime *rt, const char *target, const void *payload, size_t len,
                       uint32_t timeout_ms, wactor_callback_fn cb, void *arg)
{
    wactor_message_options o = {.timeout_ms = timeout_ms};
    return request_replying(rt, target, payload, len, &o, (host_reply){NULL, cb, arg});
}

int wactor_headers_get(const wactor_headers *h, const char *name, const char **value, size_t *len)
{
    msg_header found;
    if (!name || !msg_headers_find((const msg_headers *)h, name, strlen(name), &found))
        return WACTOR_ENOTFOUND;
    *value = (const char *)found.value;
    *len = found.value_len;
    return WACTOR_OK;
}

int wactor_headers_at(const wactor_headers *h, size_t i, wactor_header *out)
{
    size_t off = 0;
    msg_header one;
    for (size_t k = 0; msg_headers_next((const msg_headers *)h, &off, &one); k++) {
        if (k == i) {
            *out = (wactor_header){one.name, one.name_len, (const char *)one.value, one.value_len};
            return WACTOR_OK;
        }
    }
    return WACTOR_ENOTFOUND;
}

/* Whether this thread is in a batch (wactor_batch_begin): a flag of the
 * thread, since the scheduler's quiet posts are the thread's. */
static _Thread_local bool batching;

void wactor_batch_begin(wactor_runtime *rt)
{
    if (!rt || batching || rt_sched_current_worker(rt->sched) >= 0)
        return;
    batching = true;
    rt_post_quiet_begin();
}

void wactor_batch_end(wactor_runtime *rt)
{
    (void)rt;
    if (!batching)
        return;
    batching = false;
    rt_post_quiet_end();
}

int wactor_cancel(wactor_runtime *rt, int64_t correlation)
{
    msg_host_callback cb = NULL;
    void *arg = NULL;
    int rc = msg_cancel_host(rt->router, NULL, correlation, &cb, &arg);
    /* The callback will never run: the copy request_replying made is ours
     * to free (only for its trampoline: other host requests own their
     * argument, wactor_call's lives on its caller's stack). */
    if (rc == WACTOR_OK && cb == reply)
        free(arg);
    return host_code(rt, rc, "cancel", "request");
}

typedef struct call_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int status;
    void *answer;
    size_t len;
} call_wait;

static void call_done(void *arg, int64_t corr, int status, const void *payload, size_t len,
                      const msg_headers *h)
{
    (void)corr;
    (void)h;
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
    wactor_message_options o = {.timeout_ms = timeout_ms};
    int64_t rc = !target || (!payload && len)
                     ? host_fail(rt, WACTOR_EINVAL, "call: no target or payload")
                     : host_request(rt, target, payload, len, &o, call_done, &w);
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
    return host_code(rt, msg_publish(rt->router, NULL, topic, strlen(topic), payload, len, NULL),
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
