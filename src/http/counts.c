/*
 * counts.c: requests answered, by route and HTTP status, for /metrics
 * (wactor_http_requests_total{route,status}).
 *
 * One slot per route in the manifest's order plus one for requests that
 * matched no route (route ""), each a short array of (status, count) in the
 * order statuses first appeared: a route sees a handful of statuses, so a
 * scan beats any map. One mutex for all: taken once per response on a
 * libmicrohttpd thread, never by a runtime worker, and held for a scan of
 * a few cells.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

bool http_counts_init(http_counts *c, const http_routes *routes)
{
    memset(c, 0, sizeof *c);
    size_t n = routes->n;
    c->nslots = n + 1;
    c->name = calloc(c->nslots, sizeof *c->name);
    c->cells = calloc(c->nslots, sizeof *c->cells);
    c->ncells = calloc(c->nslots, sizeof *c->ncells);
    if (c->name == NULL || c->cells == NULL || c->ncells == NULL ||
        pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->name);
        free(c->cells);
        free(c->ncells);
        memset(c, 0, sizeof *c);
        return false;
    }
    /* The names point into the routes, which the server keeps as long; the
     * slots are in the options' order (routes->v is longest first). */
    for (size_t j = 0; j < n; j++)
        c->name[routes->index[j]] = routes->v[j].prefix;
    c->name[n] = "";
    return true;
}

void http_counts_free(http_counts *c)
{
    if (c->name == NULL)
        return;
    for (size_t i = 0; i < c->nslots; i++)
        free(c->cells[i]);
    free(c->cells);
    free(c->ncells);
    free(c->name);
    pthread_mutex_destroy(&c->lock);
    memset(c, 0, sizeof *c);
}

void http_counts_add(http_counts *c, long slot, int status)
{
    size_t s = slot < 0 ? c->nslots - 1 : (size_t)slot;
    pthread_mutex_lock(&c->lock);
    size_t n = c->ncells[s], i = 0;
    while (i < n && c->cells[s][i].status != status)
        i++;
    if (i == n) {
        /* Grows one cell at a time: at most ~60 statuses exist in practice. */
        struct http_count_cell *v = realloc(c->cells[s], (n + 1) * sizeof *v);
        if (v == NULL) {
            pthread_mutex_unlock(&c->lock);
            return; /* out of memory: this one goes uncounted */
        }
        v[n] = (struct http_count_cell){status, 0};
        c->cells[s] = v;
        c->ncells[s] = n + 1;
    }
    c->cells[s][i].n++;
    pthread_mutex_unlock(&c->lock);
}

int http_counts_snapshot(http_counts *c, http_count **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&c->lock);
    size_t total = 0;
    for (size_t s = 0; s < c->nslots; s++)
        total += c->ncells[s];
    http_count *v = total > 0 ? malloc(total * sizeof *v) : NULL;
    if (total > 0 && v == NULL) {
        pthread_mutex_unlock(&c->lock);
        return WACTOR_ENOMEM;
    }
    size_t k = 0;
    for (size_t s = 0; s < c->nslots; s++)
        for (size_t i = 0; i < c->ncells[s]; i++)
            v[k++] = (http_count){c->name[s], c->cells[s][i].status, c->cells[s][i].n};
    pthread_mutex_unlock(&c->lock);
    *out = v;
    *n = total;
    return WACTOR_OK;
}
