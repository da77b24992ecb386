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
}
