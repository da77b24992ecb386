/*
 * serve.c: `wactor run`'s HTTP server (the manifest's http section,
 * docs/HTTP.md): started once every component has started, so that the
 * first request finds them; stopped first, while the runtime still answers
 * the requests in flight.
 */
#include "cli.h"
#include "http.h"
#include "manifest.h"
#include "wactor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cli_serve_log(void *arg, int level, const char *text)
{
    cli_system_log(arg, level, NULL, "%s", text);
}

int cli_serve_start(cli_system *s, http_server **out)
{
    *out = NULL;
    const mf_http *h = s->mf->http;
    if (h == NULL)
        return 0;
    http_route *routes = h->nroutes ? calloc(h->nroutes, sizeof *routes) : NULL;
    if (h->nroutes > 0 && routes == NULL) {
        cli_error("run: out of memory");
        return CLI_EXIT_BAD;
    }
    for (size_t i = 0; i < h->nroutes; i++)
        routes[i] = (http_route){h->routes[i].prefix, h->routes[i].component};
    http_options o = {.rt = s->rt,
                      .address = h->address,
                      .port = h->port,
                      .routes = routes,
                      .nroutes = h->nroutes,
                      .timeout_ms = (uint32_t)h->timeout_ms,
                      .max_body = h->max_body,
                      .metrics = h->metrics,
                      .dashboard = h->dashboard,
                      .manifest = s->mf->path,
                      .lattice = s->lattice,
                      .lattice_name = s->mf->lattice != NULL ? s->mf->lattice->name : NULL,
                      .log = cli_serve_log,
                      .log_arg = s};
    char err[512];
    *out = http_server_start(&o, err, sizeof err);
    free(routes);
    if (*out == NULL) {
        cli_error("run: %s:%u:%u: http: %s", s->mf->path, h->line, h->column, err);
        return CLI_EXIT_BAD;
    }
    bool v6 = h->address[0] != '\0' && strchr(h->address, ':') != NULL;
    fprintf(stderr, "wactor: http listening on %s%s%s:%u\n", v6 ? "[" : "", h->address,
            v6 ? "]" : "", http_server_port(*out));
    fflush(stderr);
    return 0;
}
