/*
 * http_out.c: the http_request import (ABI.md v2, "Outbound HTTP"). It
 * checks everything a guest hands over, in the ABI's order (EINVAL for a
 * range, method, URL or header line that is not right; EDENIED, audited,
 * for a host outside the `http` grant; ETOOBIG for a body over the message
 * size limit; EFULL at the pending bound), makes the call a pending request
 * of the component (msg_request_external) and gives it to the runtime's
 * HTTP client (extend.h). The outcome comes back as the component's
 * callback, like any request's.
 *
 * The URL is parsed strictly, since the grant is checked on what this file
 * reads and the client must connect to exactly that: http or https, a host
 * of [A-Za-z0-9.-] or a bracketed IPv6 address, an optional port, no
 * userinfo ("a@b"), no fragment, no byte outside visible ASCII. The client
 * checks again that its own parse of the URL names the same host and port,
 * and never follows redirects.
 */
#include "extend.h"
#include "host.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define URL_MAX 8192u
#define METHOD_MAX 16u
/* The router gives the client this long after the call's own timeout to
 * report it (FAILED "timeout"), before the record times out itself. */
#define CLIENT_GRACE_MS 1000u

static bool lower_is(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

/* Fills r's host and port from url; false if the URL is not one we take. */
static bool parse_url(const char *url, size_t len, host_http_request *r)
{
    if (len > URL_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f || url[i] == '\\' ||
            url[i] == '#')
            return false;
    size_t at;
    if (lower_is(url, len, "https://"))
        at = 8, r->port = 443;
    else if (lower_is(url, len, "http://"))
        at = 7, r->port = 80;
    else
        return false;
    size_t end = at;
    while (end < len && url[end] != '/' && url[end] != '?')
        end++;
    const char *auth = url + at;
    size_t alen = end - at;
    if (alen == 0 || memchr(auth, '@', alen))
        return false;
    size_t hlen = alen;
    if (auth[0] == '[') {
        const char *close = memchr(auth, ']', alen);
        if (!close || close == auth + 1)
            return false;
        hlen = (size_t)(close - auth) + 1;
        for (size_t i = 1; i + 1 < hlen; i++)
            if (!strchr("0123456789abcdefABCDEF:.", auth[i]))
                return false;
    } else {
        const char *colon = memchr(auth, ':', alen);
        hlen = colon ? (size_t)(colon - auth) : alen;
        if (hlen == 0)
            return false;
        for (size_t i = 0; i < hlen; i++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-",
                        auth[i]))
                return false;
    }
    if (hlen < alen) {
        if (auth[hlen] != ':' || alen - hlen < 2 || alen - hlen > 6)
            return false;
        unsigned p = 0;
        for (size_t i = hlen + 1; i < alen; i++) {
            if (auth[i] < '0' || auth[i] > '9')
                return false;
            p = p * 10 + (unsigned)(auth[i] - '0');
        }
        if (p == 0 || p > 65535)
            return false;
        r->port = p;
    }
    r->host = auth;
    r->host_len = hlen;
    return true;
}

static bool method_valid(const char *m, size_t len)
{
    if (len == 0 || len > METHOD_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return false;
    return true;
}

static bool token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* "name: value" lines joined by '\n' (an empty last line is fine): a name
 * of 1..64 token characters, a value of at most 4096 visible characters,
 * spaces or tabs. The client may trust what passes. */
static bool header_lines_valid(const char *h, size_t len)
{
    if (len > MSG_HEADERS_MAX)
        return false;
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(h + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - h) : len;
        if (end == at) { /* an empty line: only as the last */
            if (end + 1 < len)
                return false;
            break;
        }
        const char *colon = memchr(h + at, ':', end - at);
        size_t nlen = colon ? (size_t)(colon - (h + at)) : 0;
        if (nlen == 0 || nlen > MSG_HEADER_NAME_MAX || end - at - nlen - 1 > MSG_HEADER_VALUE_MAX)
            return false;
        for (size_t i = at; i < at + nlen; i++)
            if (!token_char(h[i]))
                return false;
        for (size_t i = at + nlen + 1; i < end; i++)
            if (((unsigned char)h[i] < 0x20 && h[i] != '\t') || (unsigned char)h[i] == 0x7f)
                return false;
        at = end + 1;
    }
    return true;
}

/* Whether the header lines name `name` (any case). */
static bool has_header_line(const char *h, size_t len, const char *name)
{
    size_t n = strlen(name);
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(h + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - h) : len;
        if (end - at > n && h[at + n] == ':' && strncasecmp(h + at, name, n) == 0)
            return true;
        at = end + 1;
    }
    return false;
}

/* The call's header lines with the handler's traceparent added (a traced
 * handler's call continues its trace, unless the guest set one): malloc'd
 * into *extra, or NULL when nothing is added or out of memory. */
static void add_traceparent(host_component *c, host_http_request *r, char **extra)
{
    *extra = NULL;
    const msg_meta *span = host_span_meta(c);
    msg_header tp;
    if (!span || !msg_headers_next(&span->headers, &(size_t){0}, &tp) ||
        has_header_line(r->headers, r->headers_len, "traceparent"))
        return;
    size_t len = r->headers_len, need = len + 1 + 13 + tp.value_len + 1;
    char *h = malloc(need);
    if (!h)
        return;
    memcpy(h, r->headers, len);
    if (len && h[len - 1] != '\n')
        h[len++] = '\n';
    memcpy(h + len, "traceparent: ", 13);
    memcpy(h + len + 13, tp.value, tp.value_len);
    r->headers = h;
    r->headers_len = len + 13 + tp.value_len;
    *extra = h;
}

int64_t host_http_request_start(host_component *c, host_http_request *r, int32_t timeout_ms)
{
    if (!method_valid(r->method, r->method_len) || !parse_url(r->url, r->url_len, r) ||
        !header_lines_valid(r->headers, r->headers_len))
        return WACTOR_EINVAL;
    if (!msg_http_allow(&c->proc.caps.http, r->host, r->host_len, r->port)) {
        host_audit(c->rt, c->proc.name, "http", r->url, r->url_len, "denied",
                   "no http capability for this host");
        return WACTOR_EDENIED;
    }
    wactor_runtime *rt = c->rt;
    if (r->body_len > rt->opts.max_message)
        return WACTOR_ETOOBIG;
    uint32_t timeout = timeout_ms > 0 ? (uint32_t)timeout_ms : rt->opts.request_timeout_ms;
    int64_t corr =
        msg_request_external(rt->router, &c->proc, "@http", 5, (int64_t)timeout + CLIENT_GRACE_MS);
    if (corr <= 0)
        return corr;
    r->corr = corr;
    r->component = c->proc.name;
    r->timeout_ms = timeout;
    r->max_response = rt->opts.max_message;
    void (*start)(void *, const host_http_request *) = atomic_load(&rt->http_start);
    if (start) {
        char *extra;
        add_traceparent(c, r, &extra);
        start(atomic_load(&rt->http_arg), r);
        free(extra);
    } else {
        static const char none[] = "no HTTP client in this runtime";
        msg_settle_external(rt->router, corr, WACTOR_STATUS_FAILED, none, sizeof none - 1, NULL);
    }
    return corr;
}
