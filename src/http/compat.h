/*
 * compat.h: TEMPORARY, until the headers API (api-13.md, part H) is on
 * main. It declares wactor_request_with and the headers' accessors from
 * that API and implements them over wactor_request: no headers either way,
 * sender "@host". Compiles to nothing once include/wactor.h declares them
 * (WACTOR_HEADERS_MAX); delete it then.
 */
#ifndef WACTOR_HTTP_COMPAT_H
#define WACTOR_HTTP_COMPAT_H

#include "wactor.h"

#ifndef WACTOR_HEADERS_MAX
#include <stdlib.h>

typedef struct wactor_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} wactor_header;
#define WACTOR_HEADER_NAME_MAX 64
#define WACTOR_HEADER_VALUE_MAX 4096
#define WACTOR_HEADERS_MAX 65536
typedef struct wactor_headers wactor_headers;
typedef struct wactor_message_options {
    const char *sender;
    const wactor_header *headers;
    size_t nheaders;
    uint32_t timeout_ms;
} wactor_message_options;
typedef void (*wactor_reply_fn)(void *arg, int64_t correlation, int status, const void *payload,
                                size_t len, const wactor_headers *headers);

static inline int wactor_headers_at(const wactor_headers *h, size_t i, wactor_header *out)
{
    (void)h, (void)i, (void)out;
    return WACTOR_ENOTFOUND;
}

typedef struct compat_trampoline {
    wactor_reply_fn cb;
    void *arg;
} compat_trampoline;

static void compat_reply(void *arg, int64_t correlation, int status, const void *payload,
                         size_t len)
{
    compat_trampoline t = *(compat_trampoline *)arg;
    free(arg);
    t.cb(t.arg, correlation, status, payload, len, NULL);
}

/* The trampoline of a request cancelled with wactor_cancel leaks: only the
 * stop cancels, and this file goes away with the real API. */
static inline int64_t wactor_request_with(wactor_runtime *rt, const char *target,
                                          const void *payload, size_t len,
                                          const wactor_message_options *o, wactor_reply_fn cb,
                                          void *arg)
{
    compat_trampoline *t = malloc(sizeof *t);
    if (t == NULL)
        return WACTOR_ENOMEM;
    *t = (compat_trampoline){cb, arg};
    int64_t id = wactor_request(rt, target, payload, len, o->timeout_ms, compat_reply, t);
    if (id < 0)
        free(t);
    return id;
}
#endif

#endif
