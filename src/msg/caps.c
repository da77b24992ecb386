/*
 * caps.c: capability checks. Deny by default: an empty list allows
 * nothing. A list is a handful of patterns, so a linear scan over
 * msg_pattern_match is as fast as anything cleverer would be.
 */
#include "msg.h"
#include "name.h"

#include <stdlib.h>
#include <string.h>

bool msg_caps_allow(const msg_patterns *list, const char *name, size_t len)
{
    for (size_t i = 0; i < list->n; i++)
        if (msg_pattern_match(list->v[i], strlen(list->v[i]), name, len))
            return true;
    return false;
}

bool msg_caps_allow_subscribe(const msg_patterns *list, const char *pattern, size_t len)
{
    return msg_patterns_cover((const char *const *)list->v, list->n, pattern, len);
}

static void free_list(msg_patterns *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void msg_caps_free(msg_caps *c)
{
    free_list(&c->send);
    free_list(&c->request);
    free_list(&c->publish);
    free_list(&c->subscribe);
    free_list(&c->http);
}

/* ---- the http grant ----------------------------------------------------- */

static bool same_host(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

bool msg_http_allow(const msg_patterns *grants, const char *host, size_t hlen, unsigned port)
{
    for (size_t i = 0; i < grants->n; i++) {
        const char *g = grants->v[i];
        size_t glen, ghost;
        unsigned gport;
        glen = strlen(g);
        if (!msg_http_grant_split(g, glen, &ghost, &gport) || (gport && gport != port))
            continue;
        if (ghost >= 2 && g[0] == '*' && g[1] == '.') {
            /* "*.example.com": exactly one more label in front */
            const char *dot = memchr(host, '.', hlen);
            size_t rest = dot ? hlen - (size_t)(dot - host) : 0;
            if (dot && dot > host && rest == ghost - 1 && same_host(dot, g + 1, rest))
                return true;
        } else if (ghost == hlen && same_host(g, host, hlen)) {
            return true;
        }
    }
    return false;
}
