/*
 * pages.h: what the pages of src/observe share inside the library: one snapshot of the
 * runtime's counters, taken once per page, and the writers that turn it into text.
 */
#ifndef WACTOR_OBSERVE_PAGES_H
#define WACTOR_OBSERVE_PAGES_H

#include "observe.h"

typedef struct observe_snapshot {
    wactor_stats *st; /* wactor_stats_all */
    size_t n;
    wactor_edge *edges; /* wactor_edges */
    size_t nedges;
    bool in_lattice;
    wactor_host_info *hosts; /* wactor_lattice_hosts, when in_lattice */
    size_t nhosts;
    const observe_http_count *http; /* the caller's, not copied */
    size_t nhttp;
    uint64_t time_ms; /* observe_now_ms when it was taken */
} observe_snapshot;

/* OK, or the code of the read that failed (everything freed then). */
int observe_snapshot_take(const observe_ctx *ctx, observe_snapshot *s);
void observe_snapshot_free(observe_snapshot *s);

/* metrics.c: the /metrics text. */
void observe_metrics(FILE *out, const observe_snapshot *s);

/* dashboard.html, embedded at build time (cmake/embed.cmake): len bytes and a NUL. */
extern const unsigned char observe_dashboard_html[];
extern const size_t observe_dashboard_html_len;

#endif
