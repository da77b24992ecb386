/*
 * observe.h: the observe pages of a running system (docs/OBSERVE.md): GET /metrics (Prometheus
 * text exposition 0.0.4), /status.json (the document of `wactor status --json`) and /dashboard
 * (one self-contained live page). The HTTP server (src/http) calls observe_page; the CLI calls
 * observe_status_json so that `status --json` and /status.json are printed by one function.
 *
 * Depends on include/wactor.h and libc only: it reads the runtime through the public API, like
 * any embedder, and never blocks a worker (every read is a snapshot of counters).
 */
#ifndef WACTOR_OBSERVE_H
#define WACTOR_OBSERVE_H

#include "wactor.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct observe_http_count {
    const char *route; /* the route's prefix as in the manifest, or "" for no route (404) */
    int status;        /* HTTP status sent */
    uint64_t requests;
} observe_http_count;

typedef struct observe_ctx {
    wactor_runtime *rt;
    wactor_lattice *lattice;        /* NULL when not in a lattice */
    const char *manifest;           /* its path, for status.json */
    const observe_http_count *http; /* the HTTP server's counters, a snapshot */
    size_t nhttp;
    /* The lattice's name for status.json's "lattice" object (the public API has no way to read
     * it back from the handle); NULL: "". Optional, after the agreed fields. */
    const char *lattice_name;
} observe_ctx;

/* The body of GET /metrics, /status.json or /dashboard: OK with *body malloc'd (free it)
 * and *content_type a static string, or ENOTFOUND for any other path. ENOMEM when out of
 * memory; EINVAL for a NULL argument. Any thread. */
int observe_page(const observe_ctx *ctx, const char *path, char **body, size_t *len,
                 const char **content_type);

/* ---- the status document (docs/CONTROL.md, "status --json") -------------------------------- */

/* What status.json shows, however it was read (the runtime itself, or the control socket). */
typedef struct observe_status {
    int pid;
    /* When the counters were read, in milliseconds since the Unix epoch: two documents give
     * rates (the dashboard divides by this, not by its own clock). */
    uint64_t time_ms;
    const char *manifest;
    const wactor_stats *st;
    size_t n;
    const wactor_edge *edges;
    size_t nedges;
    const char *lattice; /* NULL: in no lattice ("lattice":null) */
    const char *host;
    const wactor_host_info *hosts;
    size_t nhosts;
} observe_status;

/* Writes the document on one line, with a final newline. */
void observe_status_json(FILE *out, const observe_status *s);
/* A JSON string: quotes, backslashes and control bytes escaped; other bytes as they are. */
void observe_json_string(FILE *out, const char *s);
/* The hosts array of status.json and `wactor hosts --json` (without this host: skip_self). */
void observe_hosts_json(FILE *out, const wactor_host_info *v, size_t n, bool skip_self);
/* The wall clock in milliseconds since the Unix epoch, for time_ms. */
uint64_t observe_now_ms(void);

#endif
