/*
 * pages.c: the observe pages, served by the HTTP server when the manifest
 * switches them on: GET /metrics (http.metrics), GET /dashboard and
 * /status.json (http.dashboard). Their content is src/observe's
 * (observe_page, api-13.md part W2); this file hands it the server's
 * counters.
 *
 * HOOK(W2): src/observe is not on main yet. Until it is, no page is served
 * (every path is ENOTFOUND here, so requests for them go to the routes).
 * When it lands: link wactor_observe, include "observe.h", fill an
 * observe_ctx {rt, lattice, manifest, http counts (http_counts_snapshot,
 * converted to observe_http_count)} and return observe_page(...).
 */
#include "internal.h"

#include <string.h>

int http_page(http_server *s, const char *path, char **body, size_t *len, const char **type)
{
    bool wanted =
        (s->metrics && strcmp(path, "/metrics") == 0) ||
        (s->dashboard && (strcmp(path, "/dashboard") == 0 || strcmp(path, "/status.json") == 0));
    (void)body, (void)len, (void)type;
    if (!wanted)
        return WACTOR_ENOTFOUND;
    return WACTOR_ENOTFOUND; /* HOOK(W2): observe_page */
}
