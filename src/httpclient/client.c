/*
 * client.c: the runtime's HTTP client (include/wactor.h, docs/HTTP.md). A
 * component's http_request reaches start() on its worker, already checked
 * and made a pending request (src/host/http_out.c); start() copies it into
 * a job and wakes the client's thread, which owns every libcurl handle and
 * runs all transfers with the multi interface: no worker ever waits on the
 * network. A finished transfer settles its request (response.c), which
 * posts the component's callback.
 *
 * Before a transfer starts, libcurl's own parse of the URL must name the
 * host and port that the grant allowed (http_out.c parsed them); redirects
 * are never followed, and only http and https are spoken.
 */
#include "client.h"
#include "extend.h"
#include "wactor.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct wactor_http_client {
    wactor_runtime *rt;
    msg_router *router;
    CURLM *multi;
    pthread_t thread;
    pthread_mutex_t lock;
    http_job *incoming; /* from start(), newest first; under lock */
    bool stopping;      /* under lock */
    http_job *active;   /* the thread's own */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_ready;

static void curl_setup(void)
{
    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void fail(msg_router *r, http_job *j, const char *why)
{
    msg_settle_external(r, j->corr, WACTOR_STATUS_FAILED, why, strlen(why), NULL);
}

/* ---- start: on the calling worker ----------------------------------------- */

static char *copy_text(const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (c) {
        memcpy(c, s, len);
        c[len] = 0;
    }
    return c;
}

/* The checked "name: value" lines as libcurl's list, with "Expect:" so a
 * body never waits for 100 Continue. */
static bool header_list(http_job *j, const char *h, size_t len)
{
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(h + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - h) : len;
        if (end > at) {
            char *line = copy_text(h + at, end - at);
            struct curl_slist *l = line ? curl_slist_append(j->headers, line) : NULL;
            free(line);
            if (!l)
                return false;
            j->headers = l;
        }
        at = end + 1;
    }
    struct curl_slist *l = curl_slist_append(j->headers, "Expect:");
    if (l)
        j->headers = l;
    return l != NULL;
}

static void start(void *arg, const host_http_request *req)
{
    wactor_http_client *c = arg;
    http_job *j = calloc(1, sizeof *j);
    bool ok = j && req->host_len < sizeof j->host;
    if (ok) {
        j->corr = req->corr;
        memcpy(j->method, req->method, req->method_len);
        memcpy(j->host, req->host, req->host_len);
        j->port = req->port;
        j->timeout_ms = req->timeout_ms;
        j->max_response = req->max_response;
        j->url = copy_text(req->url, req->url_len);
        j->body_len = req->body_len;
        j->body = malloc(req->body_len ? req->body_len : 1);
        ok = j->url && j->body && header_list(j, req->headers, req->headers_len);
        if (ok && req->body_len)
            memcpy(j->body, req->body, req->body_len);
    }
    if (!ok) {
        if (j)
            fail(c->router, j, "http: out of memory");
        else
            msg_settle_external(c->router, req->corr, WACTOR_STATUS_FAILED, "http: out of memory",
                                19, NULL);
        http_job_free(j);
        return;
    }
    pthread_mutex_lock(&c->lock);
    bool stopping = c->stopping;
    if (!stopping) {
        j->next = c->incoming;
        c->incoming = j;
    }
    pthread_mutex_unlock(&c->lock);
    if (stopping) {
        fail(c->router, j, "http: the client has stopped");
        http_job_free(j);
        return;
    }
    curl_multi_wakeup(c->multi);
}

/* ---- the client's thread ---------------------------------------------------- */

/* Whether libcurl reads the URL as naming the host and port the grant
 * checked (a parser difference must not reach another host). */
static bool same_target(const http_job *j)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    bool same = u && curl_url_set(u, CURLUPART_URL, j->url, 0) == CURLUE_OK &&
                curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
                curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
                strcasecmp(host, j->host) == 0 && (unsigned)atoi(port) == j->port;
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return same;
}

static bool easy_setup(http_job *j)
{
    CURL *e = j->easy = curl_easy_init();
    if (!e)
        return false;
    bool ok = curl_easy_setopt(e, CURLOPT_URL, j->url) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)j->timeout_ms) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_job_body) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_WRITEDATA, j) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_job_header) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_HEADERDATA, j) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_PRIVATE, j) == CURLE_OK;
    if (ok && strcmp(j->method, "HEAD") == 0)
        ok = curl_easy_setopt(e, CURLOPT_NOBODY, 1L) == CURLE_OK;
    else if (ok && (j->body_len || strcmp(j->method, "GET") != 0)) {
        ok =
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, j->method) == CURLE_OK;
    }
    return ok;
}

/* Starts the jobs start() queued. */
static void take_incoming(wactor_http_client *c, http_job *list)
{
    while (list) {
        http_job *j = list;
        list = j->next;
        if (!same_target(j)) {
            fail(c->router, j, "http: the URL's host is not the one the grant allowed");
            http_job_free(j);
        } else if (!easy_setup(j) || curl_multi_add_handle(c->multi, j->easy) != CURLM_OK) {
            fail(c->router, j, "http: cannot start the transfer");
            http_job_free(j);
        } else {
            j->next = c->active;
            c->active = j;
        }
    }
}

static void unlink_active(wactor_http_client *c, http_job *j)
{
    for (http_job **p = &c->active; *p; p = &(*p)->next)
        if (*p == j) {
            *p = j->next;
            return;
        }
}

static void finish_done(wactor_http_client *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        http_job *j = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        CURLcode result = m->data.result;
        curl_multi_remove_handle(c->multi, m->easy_handle);
        unlink_active(c, j);
        http_job_settle(c->router, j, result);
        http_job_free(j);
    }
}

static void *run(void *arg)
{
    wactor_http_client *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        http_job *list = c->incoming;
        c->incoming = NULL;
        bool stopping = c->stopping;
        pthread_mutex_unlock(&c->lock);
        if (stopping) {
            while (list) {
                http_job *j = list;
                list = j->next;
                fail(c->router, j, "http: the client has stopped");
                http_job_free(j);
            }
            break;
        }
        take_incoming(c, list);
        int running = 0;
        curl_multi_perform(c->multi, &running);
        finish_done(c);
        curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
    while (c->active) { /* what was in flight ends now */
        http_job *j = c->active;
        c->active = j->next;
        curl_multi_remove_handle(c->multi, j->easy);
        fail(c->router, j, "http: the client has stopped");
        http_job_free(j);
    }
    return NULL;
}

/* ---- the API ---------------------------------------------------------------- */

static void client_free(wactor_http_client *c)
{
    curl_multi_cleanup(c->multi);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Ends the thread; what is in flight or queued ends FAILED. start() may
 * still be called (a worker that read the hook before it was removed):
 * it refuses. */
static void stop_thread(wactor_http_client *c)
{
    pthread_mutex_lock(&c->lock);
    c->stopping = true;
    pthread_mutex_unlock(&c->lock);
    curl_multi_wakeup(c->multi);
    pthread_join(c->thread, NULL);
}

static void release(void *arg)
{
    client_free(arg);
}

/* From wactor_runtime_free: no worker runs a component any more. */
static void detach(void *arg)
{
    stop_thread(arg);
    client_free(arg);
}

wactor_http_client *wactor_http_client_start(wactor_runtime *rt)
{
    if (!rt) {
        host_extension_fail(WACTOR_EINVAL, "wactor_http_client_start: no runtime");
        return NULL;
    }
    pthread_once(&curl_once, curl_setup);
    if (curl_ready != CURLE_OK) {
        host_extension_fail(WACTOR_ESYSTEM, "libcurl: %s", curl_easy_strerror(curl_ready));
        return NULL;
    }
    wactor_http_client *c = calloc(1, sizeof *c);
    if (!c || !(c->multi = curl_multi_init())) {
        free(c);
        host_extension_fail(WACTOR_ENOMEM, "out of memory");
        return NULL;
    }
    c->rt = rt;
    c->router = host_router(rt);
    pthread_mutex_init(&c->lock, NULL);
    if (pthread_create(&c->thread, NULL, run, c) != 0) {
        client_free(c);
        host_extension_fail(WACTOR_ESYSTEM, "http client: no thread");
        return NULL;
    }
    if (host_http_client_set(rt, start, detach, c) != WACTOR_OK) {
        detach(c);
        host_extension_fail(WACTOR_EEXIST, "this runtime has an HTTP client already");
        return NULL;
    }
    return c;
}

void wactor_http_client_stop(wactor_http_client *c)
{
    if (!c)
        return;
    host_http_client_set(c->rt, NULL, NULL, NULL);
    stop_thread(c);
    /* A worker may still be in start(): the memory goes with the runtime. */
    if (!host_extension_retain(c->rt, release, c))
        host_extension_log(c->rt, WACTOR_LOG_WARN, "http client: kept until exit (out of memory)");
}
