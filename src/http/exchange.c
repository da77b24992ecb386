/*
 * exchange.c: one HTTP request, from its request line to the completion
 * notice (internal.h, http_exchange, says who owns it when).
 *
 * libmicrohttpd calls the access handler several times per request: once
 * the headers are in (decide: an observe page, a route, 404, or 413 from
 * Content-Length before any byte of the body is read), once per piece of
 * body (kept up to max_body; past it the rest is read and dropped, and the
 * answer is 413; libmicrohttpd 0.9.75 cannot answer before the body's end), and once at the end
 * (forward it: the wactor request, whose reply callback may run at once on another thread). A
 * forwarded request's handler is called again at each look libmicrohttpd takes at the connection:
 * answered, it queues the response; the first time it is not, it suspends the connection
 * (internal.h, http_exchange, says why in two steps).
 *
 * The reply callback runs on a runtime thread, often in the middle of a
 * worker's turn: it copies the answer and hands the exchange back (a
 * suspended one is queued for the loop thread to resume), nothing else (no
 * response is built there, no lock is waited for but the pending list's,
 * held for a few pointer writes).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Bytes of a too large body (without a Content-Length, sent chunked) read
 * and dropped before the connection is cut. */
#define DRAIN_MAX ((size_t)16 << 20)

/* The request line's target, as sent, kept as the exchange's :path. This is
 * libmicrohttpd's URI log callback: it runs before any header is read, and
 * what it returns becomes the request's pointer, which the completion notice
 * receives whatever happens later (a bad header, a closed socket...). */
void *http_exchange_begin(void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_server *s = cls;
    /* malloc then memset rather than calloc: glibc's calloc skips the
     * thread's cache of freed blocks and takes the arena's lock, which the
     * workers also take when they free blocks this thread allocated. */
    http_exchange *x = malloc(sizeof *x);
    if (x == NULL)
        return NULL; /* the handler refuses the request (MHD_NO: closed) */
    memset(x, 0, sizeof *x);
    x->server = s;
    x->conn = conn;
    x->route = -1;
    x->uri = strdup(uri != NULL ? uri : "");
    if (x->uri == NULL) {
        free(x);
        return NULL;
    }
    atomic_store_explicit(&x->state, HX_READING, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->live, 1, memory_order_relaxed);
    return x;
}

static void exchange_free(http_exchange *x)
{
    atomic_fetch_sub_explicit(&x->server->live, 1, memory_order_relaxed);
    free(x->uri);
    free(x->body);
    if (x->answer != x->small_answer)
        free(x->answer);
    free(x->headers);
    free(x->value_len);
    free(x);
}

void http_exchange_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    http_exchange *x = *con_cls;
    if (x == NULL)
        return;
    *con_cls = NULL;
    /* Never HX_SUSPENDED here: a suspended connection is not closed (see
     * internal.h). HX_PENDING: the client left before the answer, which
     * will free x (unless it has just come). */
    int expected = HX_PENDING;
    if (atomic_compare_exchange_strong_explicit(&x->state, &expected, HX_ORPHANED,
                                                memory_order_acq_rel, memory_order_acquire))
        return;
    exchange_free(x);
}

/* ---- the outcome ---- */

/* Copies the answer's headers into x (one block of "name\0value\0" pairs). */
static bool copy_headers(http_exchange *x, const wactor_headers *h)
{
    wactor_header hd;
    size_t n = 0, bytes = 0;
    while (h != NULL && wactor_headers_at(h, n, &hd) == WACTOR_OK) {
        size_t nl = hd.name_len ? hd.name_len : strlen(hd.name);
        bytes += nl + hd.value_len + 2;
        n++;
    }
    if (n == 0)
        return true;
    x->headers = malloc(bytes);
    x->value_len = malloc(n * sizeof *x->value_len);
    if (x->headers == NULL || x->value_len == NULL)
        return false;
    size_t o = 0;
    for (size_t i = 0; i < n && wactor_headers_at(h, i, &hd) == WACTOR_OK; i++) {
        size_t nl = hd.name_len ? hd.name_len : strlen(hd.name);
        memcpy(x->headers + o, hd.name, nl);
        o += nl;
        x->headers[o++] = '\0';
        memcpy(x->headers + o, hd.value, hd.value_len);
        o += hd.value_len;
        x->headers[o++] = '\0';
        x->value_len[i] = hd.value_len;
        x->nheaders = i + 1;
    }
    x->headers_len = o;
    return true;
}

static void pending_unlink(http_server *s, http_exchange *x)
{
    if (x->prev != NULL)
        x->prev->next = x->next;
    else
        s->pending_list = x->next;
    if (x->next != NULL)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

/* Hands a forwarded exchange back to its connection, answered (the
 * outcome filled in): unlinks it and publishes the outcome; a suspended
 * connection is queued to be resumed, an orphan's exchange is freed. The
 * last touch of x by anyone but the loop thread: once answered, x may be
 * freed at any time. */
static void exchange_hand_back(http_exchange *x)
{
    http_server *s = x->server;
    pthread_mutex_lock(&s->lock);
    pending_unlink(s, x);
    pthread_mutex_unlock(&s->lock);
    int state = atomic_load_explicit(&x->state, memory_order_acquire);
    for (;;) {
        if (state == HX_ORPHANED) {
            exchange_free(x); /* its connection is gone: the answer is dropped */
            break;
        }
        if (atomic_compare_exchange_weak_explicit(&x->state, &state, HX_ANSWERED,
                                                  memory_order_acq_rel, memory_order_acquire)) {
            if (state == HX_SUSPENDED)
                http_server_resume(s, x);
            break;
        }
    }
    /* Last: the stop waits for pending == 0 before it stops the loop, so
     * every resume queued here is done before the daemon ends. */
    atomic_fetch_sub_explicit(&s->pending, 1, memory_order_release);
}

/* The reply callback (a runtime thread). */
static void exchange_reply(void *arg, int64_t correlation, int status, const void *payload,
                           size_t len, const wactor_headers *headers)
{
    (void)correlation;
    http_exchange *x = arg;
    x->status = status;
    if (len > 0 && (x->answer = len <= HX_SMALL_ANSWER ? x->small_answer : malloc(len)) != NULL) {
        memcpy(x->answer, payload, len);
        x->answer_len = len;
    }
    if ((len > 0 && x->answer == NULL) || !copy_headers(x, headers))
        x->http_status = 500; /* out of memory: nothing to send but that */
    exchange_hand_back(x);
}

void http_exchange_cancel_all(http_server *s)
{
    for (;;) {
        /* One at a time: wactor_cancel is called without the lock, and a
         * callback may unlink others meanwhile. */
        pthread_mutex_lock(&s->lock);
        http_exchange *x = s->pending_list;
        int64_t id = 0;
        for (; x != NULL && (id = x->correlation) <= 0; x = x->next)
            ;
        if (x != NULL)
            x->correlation = -1; /* tried: the next round skips it */
        pthread_mutex_unlock(&s->lock);
        if (x == NULL)
            return;
        /* OK: its callback will never run, so x is still pending and ours
         * to hand back. Otherwise the callback is on its way. */
        if (wactor_cancel(s->rt, id) == WACTOR_OK) {
            x->http_status = 503;
            exchange_hand_back(x);
        }
    }
}

/* ---- reading the request ---- */

/* A request header under its lowercase name, if wactor can carry it
 * ([a-z0-9-], 1..64 bytes; a value of at most 4096 bytes). Others are left
 * out (documented in docs/HTTP.md). */
typedef struct header_list {
    wactor_header *v;
    size_t n, cap;
    char *names; /* lowercase copies */
    size_t names_used, names_cap;
} header_list;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind, (void)value;
    header_list *l = cls;
    l->cap++;
    l->names_cap += strlen(key);
    return MHD_YES;
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    header_list *l = cls;
    size_t nl = strlen(key), vl = value != NULL ? strlen(value) : 0;
    if (nl == 0 || nl > WACTOR_HEADER_NAME_MAX || vl > WACTOR_HEADER_VALUE_MAX || l->n >= l->cap ||
        l->names_used + nl > l->names_cap)
        return MHD_YES;
    char *name = l->names + l->names_used;
    for (size_t i = 0; i < nl; i++) {
        char c = key[i];
        c = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return MHD_YES;
        name[i] = c;
    }
    l->names_used += nl;
    l->v[l->n++] = (wactor_header){name, nl, value != NULL ? value : "", vl};
    return MHD_YES;
}

/* Forwards x to its route's component. x->body is handed to the runtime by
 * copy (the request's payload), so it is freed here. */
static enum MHD_Result exchange_forward(http_exchange *x, const char *method)
{
    http_server *s = x->server;
    header_list l = {0};
    MHD_get_connection_values(x->conn, MHD_HEADER_KIND, count_header, &l);
    l.cap += 3;
    l.v = malloc(l.cap * sizeof *l.v);
    l.names = malloc(l.names_cap + 1);
    if (l.v == NULL || l.names == NULL) {
        free(l.v);
        free(l.names);
        return http_respond_text(x, 500, "out of memory\n");
    }
    const char *host = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Host");
    l.v[l.n++] = (wactor_header){":method", 7, method, strlen(method)};
    l.v[l.n++] = (wactor_header){":path", 5, x->uri, strlen(x->uri)};
    if (host != NULL)
        l.v[l.n++] = (wactor_header){":authority", 10, host, strlen(host)};
    MHD_get_connection_values(x->conn, MHD_HEADER_KIND, add_header, &l);
    wactor_message_options o = {
        .sender = "@http", .headers = l.v, .nheaders = l.n, .timeout_ms = s->timeout_ms};

    /* Pending before the request: its callback may run before it returns. */
    atomic_store_explicit(&x->state, HX_PENDING, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->pending, 1, memory_order_relaxed);
    pthread_mutex_lock(&s->lock);
    x->next = s->pending_list;
    if (x->next != NULL)
        x->next->prev = x;
    s->pending_list = x;
    pthread_mutex_unlock(&s->lock);
    const char *target = s->routes.v[x->route].component;
    int64_t id = wactor_request_with(s->rt, target, x->body, x->body_len, &o, exchange_reply, x);
    free(l.v);
    free(l.names);
    if (id < 0) {
        /* No callback will come: the outcome is known now. */
        x->http_status = id == WACTOR_EFULL       ? 503
                         : id == WACTOR_ENOTFOUND ? 404
                         : id == WACTOR_ETOOBIG   ? 413
                         : id == WACTOR_EINVAL    ? 400
                                                  : 500;
        http_log(s, WACTOR_LOG_DEBUG, "http: %s %s: %s: %s", method, x->uri, target,
                 wactor_result_name((int)id));
        exchange_hand_back(x);
        return http_respond(x);
    }
    /* The id is only read by the stop, under the lock; the callback may have
     * unlinked x already (then nothing reads it). */
    pthread_mutex_lock(&s->lock);
    int state = atomic_load_explicit(&x->state, memory_order_acquire);
    if (state == HX_PENDING)
        x->correlation = id;
    pthread_mutex_unlock(&s->lock);
    /* Answered already (a quick component on an idle worker): sent now. */
    return state == HX_ANSWERED ? http_respond(x) : MHD_YES;
}

/* libmicrohttpd looks at a forwarded, unanswered request again: from now on
 * the connection waits suspended. If the answer comes between the suspend
 * and the swap, the callback did not queue a resume: it is done here. */
static enum MHD_Result exchange_suspend(http_exchange *x)
{
    MHD_suspend_connection(x->conn);
    int expected = HX_PENDING;
    if (!atomic_compare_exchange_strong_explicit(&x->state, &expected, HX_SUSPENDED,
                                                 memory_order_acq_rel, memory_order_acquire)) {
        MHD_resume_connection(x->conn);
        x->server->run_again = true;
    }
    return MHD_YES;
}

/* The path part of the raw target: up to '?'. */
static size_t path_len(const char *uri)
{
    const char *q = strchr(uri, '?');
    return q != NULL ? (size_t)(q - uri) : strlen(uri);
}

/* First call: the headers are in. */
static enum MHD_Result exchange_headers(http_exchange *x, const char *method)
{
    http_server *s = x->server;
    x->started = true;
    if (atomic_load_explicit(&s->stopping, memory_order_relaxed))
        return http_respond_text(x, 503, "stopping\n");
    long r = http_routes_match(&s->routes, x->uri, path_len(x->uri));
    x->route = r;
    const char *cl = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Content-Length");
    if (cl != NULL) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (n > s->max_body)
            return http_respond_text(x, 413, "request body too large\n");
    }
    (void)method;
    return MHD_YES;
}

/* A piece of body. */
static void exchange_body(http_exchange *x, const char *data, size_t len)
{
    http_server *s = x->server;
    if (x->too_big || x->route < 0) {
        x->dropped += len; /* read and dropped */
        return;
    }
    if (len > s->max_body - x->body_len) {
        x->too_big = true;
        x->dropped = x->body_len + len;
        free(x->body);
        x->body = NULL;
        x->body_len = x->body_cap = 0;
        return;
    }
    if (x->body_len + len > x->body_cap) {
        /* A small first block (most bodies are short): glibc serves blocks up
         * to about 1 KiB from the thread's cache, without the arena's lock. */
        size_t cap = x->body_cap ? x->body_cap : 256;
        while (cap < x->body_len + len)
            cap *= 2;
        cap = cap > s->max_body ? (size_t)s->max_body : cap;
        char *b = realloc(x->body, cap);
        if (b == NULL) {
            x->too_big = true; /* answered 413: the one thing it can say */
            return;
        }
        x->body = b;
        x->body_cap = cap;
    }
    memcpy(x->body + x->body_len, data, len);
    x->body_len += len;
}

/* Last call: all of the request is in. */
static enum MHD_Result exchange_complete(http_exchange *x, const char *method)
{
    http_server *s = x->server;
    if (x->too_big)
        return http_respond_text(x, 413, "request body too large\n");
    size_t plen = path_len(x->uri);
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        char path[32], *body = NULL;
        size_t len = 0;
        const char *type = NULL;
        if (plen < sizeof path) {
            memcpy(path, x->uri, plen);
            path[plen] = '\0';
            if (http_page(s, path, &body, &len, &type) == WACTOR_OK)
                return http_respond_page(x, body, len, type);
        }
    }
    if (x->route < 0)
        return http_respond_text(x, 404, "no route\n");
    return exchange_forward(x, method);
}

enum MHD_Result http_exchange_access(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    (void)cls, (void)url, (void)version;
    http_exchange *x = *con_cls;
    if (x == NULL)
        return MHD_NO; /* the URI callback ran out of memory: close */
    x->conn = conn;
    switch (atomic_load_explicit(&x->state, memory_order_acquire)) {
    case HX_READING:
        if (!x->started)
            return exchange_headers(x, method);
        if (*upload_data_size > 0) {
            exchange_body(x, upload_data, *upload_data_size);
            *upload_data_size = 0;
            /* libmicrohttpd 0.9.75 cannot answer in the middle of a body:
             * the rest is read and dropped, then 413; a body that goes on
             * past DRAIN_MAX more is cut off (the connection closed). */
            return x->dropped > DRAIN_MAX ? MHD_NO : MHD_YES;
        }
        return exchange_complete(x, method);
    case HX_PENDING:
        return exchange_suspend(x);
    case HX_ANSWERED:
        return http_respond(x);
    default:
        return MHD_YES; /* HX_SUSPENDED or HX_RESPONDED: nothing to do */
    }
}
