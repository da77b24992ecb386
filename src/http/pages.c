/*
 * pages.c: the observe pages, served by the HTTP server when the manifest
 * switches them on: GET /metrics (http.metrics), GET /dashboard and
 * /status.json (http.dashboard). Their content is src/observe's
 * (observe_page); this file hands it the runtime and a snapshot of the
 * server's request counters. Built on the server's loop thread, like any
 * response: the counters are read under their lock, the runtime's
 * statistics without stopping anything (wactor_stats_all).
 */
#include "internal.h"
#include "observe.h"

#include <stdlib.h>
#include <string.h>

int http_page(http_server *s, const char *path, char **body, size_t *len, const char **type)
{
    bool wanted =
        (s->metrics && strcmp(path, "/metrics") == 0) ||
        (s->dashboard && (strcmp(path, "/dashboard") == 0 || strcmp(path, "/status.json") == 0));
    if (!wanted)
        return WACTOR_ENOTFOUND;
    http_count *counts = NULL;
    size_t n = 0;
    int rc = http_counts_snapshot(&s->counts, &counts, &n);
    if (rc != WACTOR_OK)
        return rc;
    /* The same three fields, in observe's type. */
    observe_http_count *oc = n > 0 ? malloc(n * sizeof *oc) : NULL;
    if (n > 0 && oc == NULL) {
        free(counts);
        return WACTOR_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        oc[i] = (observe_http_count){counts[i].route, counts[i].status, counts[i].requests};
    observe_ctx ctx = {.rt = s->rt,
                       .lattice = s->lattice,
                       .manifest = s->manifest,
                       .http = oc,
                       .nhttp = n,
                       .lattice_name = s->lattice_name};
    rc = observe_page(&ctx, path, body, len, type);
    free(oc);
    free(counts);
    return rc;
}
