/*
 * respond.c: an outcome becomes a response (docs/HTTP.md, "Status").
 *
 * Status: a ":status" the component set (200..599) wins; else OK is 200,
 * ERROR 500, TIMEOUT 504, FAILED 502. Outcomes known without the component
 * (no route 404, a full mailbox 503 with Retry-After, a body over max_body
 * 413...) were decided earlier and set x->http_status.
 *
 * Headers: every answer header whose name does not start with ':' is sent,
 * except those that would change the message's framing or the connection
 * (content-length, transfer-encoding, connection, keep-alive, upgrade,
 * trailer: libmicrohttpd sets what is true), and any whose value holds a
 * control byte other than a tab (a CR or LF would let a component write
 * headers or a second response of its choosing).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int status_of(const http_exchange *x)
{
    if (x->http_status != 0)
        return x->http_status;
    const char *h = x->headers;
    for (size_t i = 0; i < x->nheaders; i++) {
        size_t nl = strlen(h);
        const char *v = h + nl + 1;
        if (strcmp(h, ":status") == 0 && x->value_len[i] == 3 && v[0] >= '2' && v[0] <= '5' &&
            v[1] >= '0' && v[1] <= '9' && v[2] >= '0' && v[2] <= '9')
            return (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
        h = v + x->value_len[i] + 1;
    }
    switch (x->status) {
    case WACTOR_STATUS_OK:
        return 200;
    case WACTOR_STATUS_ERROR:
        return 500;
    case WACTOR_STATUS_TIMEOUT:
        return 504;
    default:
        return 502;
    }
}

static bool header_allowed(const char *name, const char *value, size_t value_len)
{
    static const char *const framing[] = {"content-length", "transfer-encoding", "connection",
                                          "keep-alive",     "upgrade",           "trailer"};
    if (name[0] == ':' || name[0] == '\0')
        return false;
    for (size_t i = 0; i < sizeof framing / sizeof framing[0]; i++)
        if (strcmp(name, framing[i]) == 0)
            return false;
    for (size_t i = 0; i < value_len; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* Queues resp with status, counts it, and marks x responded. */
static enum MHD_Result queue(http_exchange *x, struct MHD_Response *resp, int status, bool count)
{
    if (resp == NULL)
        return MHD_NO; /* out of memory: closing is all that is left */
    http_server *s = x->server;
    if (status == 503)
        MHD_add_response_header(resp, "Retry-After", "1");
    atomic_store_explicit(&x->state, HX_RESPONDED, memory_order_relaxed);
    enum MHD_Result r = MHD_queue_response(x->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    if (count)
        http_counts_add(&s->counts, x->route >= 0 ? (long)s->routes.index[x->route] : -1, status);
    return r;
}

enum MHD_Result http_respond_text(http_exchange *x, int status, const char *text)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (resp != NULL)
        MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
    return queue(x, resp, status, true);
}

enum MHD_Result http_respond_page(http_exchange *x, char *body, size_t len, const char *type)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    return queue(x, resp, 200, false);
}

enum MHD_Result http_respond(http_exchange *x)
{
    int status = status_of(x);
    if (x->http_status != 0) {
        static const char *const texts[] = {"bad request\n", "no such component\n",
                                            "request body too large\n",
                                            "mailbox full: retry later\n", "internal error\n"};
        int i = status == 400 ? 0 : status == 404 ? 1 : status == 413 ? 2 : status == 503 ? 3 : 4;
        return http_respond_text(x, status, texts[i]);
    }
    /* The answer's bytes go to libmicrohttpd as they are: a malloc'd one
     * for it to free; a short one, in the exchange, is only referenced (the
     * exchange lives until the completion notice, after the last byte is
     * sent or the connection is gone). */
    bool small = x->answer == x->small_answer;
    struct MHD_Response *resp =
        x->answer_len > 0
            ? MHD_create_response_from_buffer(
                  x->answer_len, x->answer, small ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE)
            : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    if (x->answer_len > 0 && !small)
        x->answer = NULL;
    const char *h = x->headers;
    for (size_t i = 0; i < x->nheaders; i++) {
        size_t nl = strlen(h), vl = x->value_len[i];
        const char *v = h + nl + 1;
        if (header_allowed(h, v, vl) && strlen(v) == vl)
            MHD_add_response_header(resp, h, v);
        h = v + vl + 1;
    }
    return queue(x, resp, status, true);
}
