/*
 * internal.h: what the files of src/http share.
 *
 * server.c   the daemon: options, start, stop, the completion notice
 * exchange.c one request: reading it, forwarding it, the reply callback
 * respond.c  turning an outcome into a response (status, headers, body)
 * route.c    the routes: longest matching prefix
 * counts.c   requests by route and status, for /metrics
 * pages.c    the observe pages (/metrics, /status.json, /dashboard)
 */
#ifndef WACTOR_HTTP_INTERNAL_H
#define WACTOR_HTTP_INTERNAL_H

#include "http.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

/* ---- route.c ---- */

typedef struct http_routes {
    http_route *v; /* copies, longest prefix first */
    size_t n;
    size_t *index; /* v[i]'s position in the options' order (the counters') */
} http_routes;

bool http_routes_init(http_routes *r, const http_route *v, size_t n);
void http_routes_free(http_routes *r);
/* The route for a request path (without the query), or -1. */
long http_routes_match(const http_routes *r, const char *path, size_t len);

/* ---- counts.c ---- */

/* Requests answered, by route (in the options' order; the last slot is
 * "no route") and HTTP status. */
typedef struct http_count {
    const char *route; /* the prefix, or "" */
    int status;
    uint64_t requests;
} http_count;

typedef struct http_counts {
    pthread_mutex_t lock;
    size_t nslots;     /* routes + 1 */
    const char **name; /* per slot: the prefix, or "" */
    struct http_count_cell {
        int status;
        uint64_t n;
    } * *cells;     /* per slot: a small array, by first use */
    size_t *ncells; /* per slot */
} http_counts;

bool http_counts_init(http_counts *c, const http_routes *routes);
void http_counts_free(http_counts *c);
/* slot: the route's index in the options (routes->index[i] for the route
 * http_routes_match found), or -1 for no route. */
void http_counts_add(http_counts *c, long slot, int status);
/* A snapshot: *out malloc'd (free it), its route strings owned by c. */
int http_counts_snapshot(http_counts *c, http_count **out, size_t *n);

/* ---- the server and one request ---- */

struct http_server {
    struct MHD_Daemon *daemon; /* driven by the loop thread (MHD_run) */
    wactor_runtime *rt;
    http_routes routes;
    http_counts counts;
    uint32_t timeout_ms;
    uint64_t max_body;
    bool metrics, dashboard;
    char *manifest;
    wactor_lattice *lattice;
    char *lattice_name;
    uint16_t port;
    void (*log)(void *arg, int level, const char *text);
    void *log_arg;
    /* The exchanges forwarded and not answered (HX_PENDING, HX_SUSPENDED), a
     * list under lock, for the stop to find them; stopping: new requests get
     * 503. */
    pthread_mutex_t lock;
    struct http_exchange *pending_list;
    atomic_bool stopping;
    /* Exchanges alive (allocated, not freed) and forwarded but not answered:
     * both 0 once every connection has closed. */
    atomic_size_t live, pending;
    /* The loop thread (server.c): it waits on epoll for libmicrohttpd's
     * epoll descriptor and the wake eventfd. */
    pthread_t loop;
    int epoll_fd, wake_fd;
    /* Answered exchanges whose connection is suspended, pushed by any
     * thread (a stack linked by `resume_next`); the loop resumes them. The
     * push that finds it empty writes wake_fd: one wake per batch. */
    _Atomic(struct http_exchange *) to_resume;
    atomic_bool quit, quiesce;
    bool run_again; /* loop thread only: run libmicrohttpd again at once */
};

/* Where a request is. */
enum {
    HX_READING,   /* headers and body arriving */
    HX_PENDING,   /* forwarded; its connection is not suspended (yet) */
    HX_SUSPENDED, /* forwarded; its connection is suspended */
    HX_ANSWERED,  /* the outcome is in */
    HX_RESPONDED, /* a response is queued */
    HX_ORPHANED,  /* the connection closed while HX_PENDING: the callback frees */
};

#define HX_SMALL_ANSWER 240

/* One request, from its request line to the completion notice, which
 * frees it: it is owned by its connection (MHD's per-request pointer),
 * except for an orphan (below).
 *
 * Forwarded, the connection is first left as it is (HX_PENDING): an answer
 * that comes back before libmicrohttpd looks at the connection again is
 * sent without suspending it (the cheap path: no epoll changes, no wake).
 * At that next look, still unanswered, the connection is suspended
 * (HX_SUSPENDED); libmicrohttpd neither reads, writes, times out nor
 * closes a suspended connection (the stop resumes every one before it
 * stops the daemon). The handover is a compare-and-swap of the state:
 * the callback writes the outcome, then PENDING or SUSPENDED becomes
 * ANSWERED (release); a suspended one is queued for the loop to resume.
 * A connection that closes while HX_PENDING (the client left) swaps
 * PENDING for ORPHANED in the completion notice, and the late callback
 * frees the exchange: exactly one party frees. */
typedef struct http_exchange {
    http_server *server;
    struct MHD_Connection *conn;
    atomic_int state;
    bool started;                      /* the handler has seen the headers */
    struct http_exchange *prev, *next; /* in server->pending_list while forwarded */
    struct http_exchange *resume_next; /* in server->to_resume */
    char *uri;                         /* raw request target: path and query, as sent */
    long route;                        /* index in server->routes.v, or -1 */
    char *body;
    size_t body_len, body_cap;
    bool too_big;   /* the body passed max_body: 413 */
    size_t dropped; /* body bytes read and not kept (too big, or no route) */
    int64_t correlation;
    /* The outcome (HX_ANSWERED): a wactor status, or a ready HTTP status. */
    int http_status; /* set when known without the component (404, 503...) */
    int status;      /* WACTOR_STATUS_* of the answer */
    char *answer;    /* small_answer, or malloc'd */
    size_t answer_len;
    /* A short answer is copied here rather than into memory the worker's
     * thread allocates and the loop's frees (a free across threads takes
     * the malloc arena's lock, which the two then contend for). */
    char small_answer[HX_SMALL_ANSWER];
    /* The answer's headers, copied: name '\0' value '\0' ..., nheaders pairs. */
    char *headers;
    size_t headers_len, nheaders;
    size_t *value_len; /* per header: values may hold NUL bytes */
} http_exchange;

/* exchange.c */
void *http_exchange_begin(void *cls, const char *uri, struct MHD_Connection *conn);
enum MHD_Result http_exchange_access(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls);
void http_exchange_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                             enum MHD_RequestTerminationCode toe);

/* respond.c: queues x's response (x->state becomes HX_RESPONDED). */
enum MHD_Result http_respond(http_exchange *x);
/* A response with a short text body, and the counters. */
enum MHD_Result http_respond_text(http_exchange *x, int status, const char *text);
/* An observe page (body malloc'd, taken). Not counted. */
enum MHD_Result http_respond_page(http_exchange *x, char *body, size_t len, const char *type);

/* pages.c: the observe page at path, if it is one that is switched on:
 * OK with *body malloc'd and *type static, ENOTFOUND otherwise. */
int http_page(http_server *s, const char *path, char **body, size_t *len, const char **type);

/* Ends every pending request for the stop (503 to its client). */
void http_exchange_cancel_all(http_server *s);

/* server.c: queues a suspended, answered exchange for the loop to resume
 * (any thread). */
void http_server_resume(http_server *s, http_exchange *x);

void http_log(http_server *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
