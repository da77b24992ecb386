/*
 * route.c: which component a request path goes to.
 *
 * A prefix matches a path equal to it, or one that continues it with '/'
 * (so /echo takes /echo and /echo/a but not /echoes); a prefix that ends in
 * '/' matches every path under it, and "/" every path. Of the prefixes that
 * match, the longest wins: the table is kept longest first and the first
 * match is the answer. Paths are matched as sent (percent-escapes are not
 * decoded), so that /a%2Fb can never reach a route for /a/b.
 *
 * A linear scan: a manifest has at most 1000 routes, and a handful is the
 * usual case; memcmp over them costs less than one wactor message.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct route_sort {
    http_route r;
    size_t index;
} route_sort;

static int longest_first(const void *pa, const void *pb)
{
    const route_sort *a = pa, *b = pb;
    size_t la = strlen(a->r.prefix), lb = strlen(b->r.prefix);
    if (la != lb)
        return la > lb ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

bool http_routes_init(http_routes *r, const http_route *v, size_t n)
{
    memset(r, 0, sizeof *r);
    if (n == 0)
        return true;
    route_sort *s = calloc(n, sizeof *s);
    r->v = calloc(n, sizeof *r->v);
    r->index = calloc(n, sizeof *r->index);
    bool ok = s != NULL && r->v != NULL && r->index != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        s[i].r.prefix = strdup(v[i].prefix);
        s[i].r.component = strdup(v[i].component);
        s[i].index = i;
        r->n = i + 1;
        r->v[i] = s[i].r; /* owned by r from here, freed by http_routes_free on failure */
        ok = s[i].r.prefix != NULL && s[i].r.component != NULL;
    }
    if (ok) {
        qsort(s, n, sizeof *s, longest_first);
        for (size_t i = 0; i < n; i++) {
            r->v[i] = s[i].r;
            r->index[i] = s[i].index;
        }
    }
    free(s);
    if (!ok)
        http_routes_free(r);
    return ok;
}

void http_routes_free(http_routes *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free((char *)r->v[i].prefix);
        free((char *)r->v[i].component);
    }
    free(r->v);
    free(r->index);
    memset(r, 0, sizeof *r);
}

long http_routes_match(const http_routes *r, const char *path, size_t len)
{
    for (size_t i = 0; i < r->n; i++) {
        const char *p = r->v[i].prefix;
        size_t plen = strlen(p);
        if (plen > len || memcmp(p, path, plen) != 0)
            continue;
        if (plen == len || p[plen - 1] == '/' || path[plen] == '/')
            return (long)i;
    }
    return -1;
}
