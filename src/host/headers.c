/*
 * headers.c: the header imports (ABI.md v2, "Headers"): msg_header reads a
 * header of the message being handled; respond_header keeps a header for
 * the answer to a request this component received, until `respond` sends
 * it along (host_answer_headers).
 *
 * The headers kept for answers live in a small table per component,
 * touched only on its own turns. An entry whose request is no longer
 * awaiting an answer (answered, or failed by a crash or a stop) is dead:
 * dead entries are swept when the table grows, so a component cannot make
 * the host hold more than HOST_ANSWER_HEADER_BYTES for it.
 */
#include "host.h"

#include <stdlib.h>
#include <string.h>

/* What one component may keep for answers not yet sent, all together. */
#define HOST_ANSWER_HEADER_BYTES (4u * MSG_HEADERS_MAX)

typedef struct host_answer {
    int64_t corr;
    msg_hdrbuf hdrs;
} host_answer;

static host_answer *find_answer(host_component *c, int64_t corr)
{
    for (uint32_t i = 0; i < c->nanswers; i++)
        if (c->answers[i].corr == corr)
            return &c->answers[i];
    return NULL;
}

static void remove_answer(host_component *c, host_answer *a)
{
    c->answer_bytes -= a->hdrs.len;
    msg_hdrbuf_free(&a->hdrs);
    *a = c->answers[--c->nanswers];
}

/* Drops the entries of requests that no longer await an answer. */
static void sweep_answers(host_component *c)
{
    for (uint32_t i = c->nanswers; i-- > 0;)
        if (!msg_proc_holds_request(&c->proc, c->answers[i].corr))
            remove_answer(c, &c->answers[i]);
}

/* ":status" must be an HTTP status: 100..599, three digits. */
static bool status_valid(const char *name, size_t nlen, const uint8_t *v, size_t vlen)
{
    if (nlen != 7 || memcmp(name, ":status", 7) != 0)
        return true;
    return vlen == 3 && v[0] >= '1' && v[0] <= '5' && v[1] >= '0' && v[1] <= '9' && v[2] >= '0' &&
           v[2] <= '9';
}

int host_respond_header(host_component *c, int64_t corr, const char *name, size_t nlen,
                        const uint8_t *value, size_t vlen)
{
    if (!msg_header_name_valid(name, nlen) || !status_valid(name, nlen, value, vlen))
        return WACTOR_EINVAL;
    if (vlen > MSG_HEADER_VALUE_MAX)
        return WACTOR_ETOOBIG;
    if (corr <= 0 || !msg_proc_holds_request(&c->proc, corr))
        return WACTOR_ENOTFOUND;
    host_answer *a = find_answer(c, corr);
    size_t need = 1 + nlen + 2 + vlen;
    if (c->answer_bytes + need > HOST_ANSWER_HEADER_BYTES) {
        sweep_answers(c);
        a = find_answer(c, corr);
        if (c->answer_bytes + need > HOST_ANSWER_HEADER_BYTES)
            return WACTOR_EFULL;
    }
    if (!a) {
        if (c->nanswers == c->answers_cap) {
            uint32_t cap = c->answers_cap ? c->answers_cap * 2 : 4;
            host_answer *v = realloc(c->answers, cap * sizeof *v);
            if (!v)
                return WACTOR_ENOMEM;
            c->answers = v;
            c->answers_cap = cap;
        }
        a = &c->answers[c->nanswers++];
        *a = (host_answer){.corr = corr};
    }
    int rc = msg_hdrbuf_add(&a->hdrs, name, nlen, value, vlen);
    if (rc == WACTOR_OK)
        c->answer_bytes += (uint32_t)need;
    else if (a->hdrs.len == 0)
        remove_answer(c, a);
    return rc;
}

bool host_answer_headers(host_component *c, int64_t corr, msg_hdrbuf *out)
{
    host_answer *a = c->nanswers ? find_answer(c, corr) : NULL;
    const msg_meta *span = host_span_meta(c);
    if (!a && !span)
        return false;
    if (a) {
        *out = a->hdrs;
        a->hdrs = (msg_hdrbuf){0};
        remove_answer(c, a);
    }
    /* A traced handler's answer names its span, unless the guest set one. */
    msg_headers set = msg_hdrbuf_view(out);
    msg_header tp;
    if (span && !msg_headers_find(&set, "traceparent", 11, &tp) &&
        msg_headers_next(&span->headers, &(size_t){0}, &tp))
        msg_hdrbuf_add(out, tp.name, tp.name_len, tp.value, tp.value_len);
    return true;
}

void host_answers_free(host_component *c)
{
    for (uint32_t i = 0; i < c->nanswers; i++)
        msg_hdrbuf_free(&c->answers[i].hdrs);
    free(c->answers);
    c->answers = NULL;
    c->nanswers = c->answers_cap = 0;
    c->answer_bytes = 0;
}
