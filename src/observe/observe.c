/*
 * observe.c: observe_page, which picks the page by path, and the snapshot every page is
 * written from. Pages are written into an open_memstream buffer; nothing here holds a lock of
 * the runtime longer than wactor_stats_all and wactor_edges do.
 */
#include "pages.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int observe_snapshot_take(const observe_ctx *ctx, observe_snapshot *s)
{
    memset(s, 0, sizeof *s);
    s->time_ms = observe_now_ms();
    s->http = ctx->http;
    s->nhttp = ctx->http ? ctx->nhttp : 0;
    int rc = wactor_stats_all(ctx->rt, &s->st, &s->n);
    if (rc == WACTOR_OK)
        rc = wactor_edges(ctx->rt, &s->edges, &s->nedges);
    if (rc == WACTOR_OK && ctx->lattice != NULL) {
        rc = wactor_lattice_hosts(ctx->lattice, &s->hosts, &s->nhosts);
        s->in_lattice = rc == WACTOR_OK;
    }
    if (rc != WACTOR_OK)
        observe_snapshot_free(s);
    return rc;
}

void observe_snapshot_free(observe_snapshot *s)
{
    free(s->st);
    free(s->edges);
    if (s->in_lattice)
        wactor_lattice_hosts_free(s->hosts, s->nhosts);
    memset(s, 0, sizeof *s);
}

static void observe_status_page(FILE *out, const observe_ctx *ctx, const observe_snapshot *s)
{
    const char *lattice = NULL;
    if (s->in_lattice) /* its name is the embedder's to give (observe.h) */
        lattice = ctx->lattice_name ? ctx->lattice_name : "";
    observe_status_json(out,
                        &(observe_status){
                            .pid = (int)getpid(),
                            .time_ms = s->time_ms,
                            .manifest = ctx->manifest,
                            .st = s->st,
                            .n = s->n,
                            .edges = s->edges,
                            .nedges = s->nedges,
                            .lattice = lattice,
                            .host = s->in_lattice ? wactor_lattice_host_name(ctx->lattice) : NULL,
                            .hosts = s->hosts,
                            .nhosts = s->nhosts,
                        });
}

enum { PAGE_METRICS, PAGE_STATUS, PAGE_DASHBOARD };

static const struct {
    const char *path, *content_type;
} observe_pages[] = {
    [PAGE_METRICS] = {"/metrics", "text/plain; version=0.0.4; charset=utf-8"},
    [PAGE_STATUS] = {"/status.json", "application/json"},
    [PAGE_DASHBOARD] = {"/dashboard", "text/html; charset=utf-8"},
};

int observe_page(const observe_ctx *ctx, const char *path, char **body, size_t *len,
                 const char **content_type)
{
    if (ctx == NULL || ctx->rt == NULL || path == NULL || body == NULL || len == NULL ||
        content_type == NULL)
        return WACTOR_EINVAL;
    *body = NULL;
    *len = 0;
    *content_type = NULL;
    int page = -1;
    for (int i = 0; i < (int)(sizeof observe_pages / sizeof observe_pages[0]); i++)
        if (strcmp(path, observe_pages[i].path) == 0)
            page = i;
    if (page < 0)
        return WACTOR_ENOTFOUND;
    if (page == PAGE_DASHBOARD) {
        /* The page is static: it reads /status.json itself. */
        *body = malloc(observe_dashboard_html_len + 1);
        if (*body == NULL)
            return WACTOR_ENOMEM;
        memcpy(*body, observe_dashboard_html, observe_dashboard_html_len + 1);
        *len = observe_dashboard_html_len;
        *content_type = observe_pages[page].content_type;
        return WACTOR_OK;
    }
    observe_snapshot s;
    int rc = observe_snapshot_take(ctx, &s);
    if (rc != WACTOR_OK)
        return rc;
    FILE *out = open_memstream(body, len);
    if (out == NULL) {
        observe_snapshot_free(&s);
        return WACTOR_ENOMEM;
    }
    if (page == PAGE_METRICS)
        observe_metrics(out, &s);
    else
        observe_status_page(out, ctx, &s);
    observe_snapshot_free(&s);
    bool failed = ferror(out) != 0;
    if (fclose(out) != 0 || failed) {
        free(*body);
        *body = NULL;
        *len = 0;
        return WACTOR_ENOMEM;
    }
    *content_type = observe_pages[page].content_type;
    return WACTOR_OK;
}
