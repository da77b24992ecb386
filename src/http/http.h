/*
 * http.h: HTTP in (docs/HTTP.md). A server, on libmicrohttpd, that turns
 * each request on a route into a wactor request from "@http" to the route's
 * component and the component's answer into the response.
 *
 * It sits above the runtime like src/control: it sees include/wactor.h
 * only (and src/observe for the /metrics, /status.json and /dashboard
 * pages), never the runtime's internals, and nothing below links it.
 *
 * Threads: one loop thread of the server drives libmicrohttpd (epoll) and
 * reads and writes every socket; a runtime worker never touches the
 * network. A request in flight whose answer is not back at the next look
 * suspends its connection; the reply callback (on a runtime thread) only
 * copies the answer and hands it back (queueing a resume if suspended).
 */
#ifndef WACTOR_HTTP_H
#define WACTOR_HTTP_H

#include "wactor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct http_server http_server;

/* One route: requests whose path is prefix, or continues it with '/'
 * (any path under a prefix ending in '/'), go to component. */
typedef struct http_route {
    const char *prefix; /* starts with '/' */
    const char *component;
} http_route;

typedef struct http_options {
    wactor_runtime *rt;
    const char *address; /* numeric IPv4 or IPv6 (no brackets) */
    uint16_t port;       /* 0: a free port (http_server_port says which) */
    const http_route *routes;
    size_t nroutes;
    uint32_t timeout_ms;      /* per request (the wactor request's timeout); 0: the runtime's */
    uint64_t max_body;        /* bytes; larger bodies get 413 */
    bool metrics;             /* GET /metrics */
    bool dashboard;           /* GET /dashboard and /status.json */
    const char *manifest;     /* its path, for /status.json */
    wactor_lattice *lattice;  /* NULL when not in a lattice */
    const char *lattice_name; /* its name, for /status.json; NULL when not in one */
    unsigned max_connections; /* 0: 10000 (bounded by the file descriptor limit) */
    unsigned idle_timeout_s;  /* a connection silent this long is closed; 0: 60 */
    /* Log lines (a connection refused, a response that could not be sent);
     * NULL: none. Called on the server's thread. */
    void (*log)(void *arg, int level, const char *text);
    void *log_arg;
} http_options;

/* Starts listening and serving. The options' strings are copied. NULL with
 * err on failure (the address is in use, cannot be bound...). */
http_server *http_server_start(const http_options *o, char *err, size_t errlen);

/* The port it listens on (the real one when the options said 0). */
uint16_t http_server_port(const http_server *s);

/* Requests forwarded to a component and not answered yet (for tests and
 * the log: a client that went away must not leave one behind). */
size_t http_server_pending(http_server *s);

/* Stops accepting connections, gives the requests in flight a short grace
 * to be answered, then closes every connection (requests still pending are
 * cancelled: their late answers are dropped) and frees everything. Call
 * before wactor_runtime_free. NULL allowed. */
void http_server_stop(http_server *s);

#endif
