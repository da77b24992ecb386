/*
 * response.c: what comes back from a transfer. The body is kept up to the
 * runtime's message size limit (more ends the call FAILED "response too
 * big"); the headers become the callback's headers by their lowercase
 * names, after ":status", each checked as a message header must be (a
 * header whose name or value cannot be one is left out, as are headers past
 * the 64 KiB a message carries). The outcome: OK for any HTTP status,
 * FAILED with a reason that starts with what failed (dns, connect, tls,
 * timeout) otherwise.
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t http_job_body(char *data, size_t size, size_t n, void *arg)
{
    http_job *j = arg;
    size_t len = size * n;
    if (len > j->max_response - j->resp_len) {
        j->too_big = true;
        return 0; /* ends the transfer: CURLE_WRITE_ERROR */
    }
    if (j->resp_len + len > j->resp_cap) {
        size_t cap = j->resp_cap ? j->resp_cap : 4096;
        while (cap < j->resp_len + len)
            cap *= 2;
        uint8_t *p = realloc(j->resp, cap);
        if (!p)
            return 0;
        j->resp = p;
        j->resp_cap = cap;
    }
    memcpy(j->resp + j->resp_len, data, len);
    j->resp_len += len;
    return len;
}

size_t http_job_header(char *data, size_t size, size_t n, void *arg)
{
    http_job *j = arg;
    size_t len = size * n;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        j->hdrs.len = 0; /* a new response (after 100 Continue): its headers only */
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon || colon == data || (size_t)(colon - data) > MSG_HEADER_NAME_MAX)
        return len;
    char name[MSG_HEADER_NAME_MAX];
    size_t nlen = (size_t)(colon - data);
    for (size_t i = 0; i < nlen; i++) {
        char c = data[i];
        name[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    const char *v = colon + 1, *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (name[0] != ':') /* no pseudo-header from the network */
        msg_hdrbuf_add(&j->hdrs, name, nlen, v, (size_t)(end - v)); /* a bad one is left out */
    return len;
}

/* The reason of a failed transfer, by what failed. */
static void reason(const http_job *j, CURLcode result, char *out, size_t cap)
{
    const char *what = "http";
    switch (result) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        what = "dns";
        break;
    case CURLE_COULDNT_CONNECT:
        what = "connect";
        break;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(out, cap, "timeout: no answer from %s within %u ms", j->host, j->timeout_ms);
        return;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        what = "tls";
        break;
    case CURLE_WRITE_ERROR:
        if (j->too_big) {
            snprintf(out, cap, "response too big: over %zu bytes", j->max_response);
            return;
        }
        break;
    default:
        break;
    }
    snprintf(out, cap, "%s: %s (%s)", what, curl_easy_strerror(result), j->host);
}

void http_job_settle(msg_router *r, http_job *j, CURLcode result)
{
    if (result != CURLE_OK) {
        char why[512];
        reason(j, result, why, sizeof why);
        msg_settle_external(r, j->corr, WACTOR_STATUS_FAILED, why, strlen(why), NULL);
        return;
    }
    long code = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
    char status[8];
    snprintf(status, sizeof status, "%03ld", code % 1000);
    msg_hdrbuf all = {0};
    msg_hdrbuf_add(&all, ":status", 7, status, 3);
    /* The response's headers after ":status", as many as fit. */
    msg_headers got = msg_hdrbuf_view(&j->hdrs);
    size_t off = 0;
    msg_header h;
    while (msg_headers_next(&got, &off, &h))
        if (msg_hdrbuf_add(&all, h.name, h.name_len, h.value, h.value_len) == WACTOR_ETOOBIG)
            break;
    msg_headers view = msg_hdrbuf_view(&all);
    msg_settle_external(r, j->corr, WACTOR_STATUS_OK, j->resp, j->resp_len, &view);
    msg_hdrbuf_free(&all);
}

void http_job_free(http_job *j)
{
    if (!j)
        return;
    if (j->easy)
        curl_easy_cleanup(j->easy);
    curl_slist_free_all(j->headers);
    free(j->url);
    free(j->body);
    free(j->resp);
    msg_hdrbuf_free(&j->hdrs);
    free(j);
}
