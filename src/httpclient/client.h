/*
 * client.h: the HTTP client's parts (docs/HTTP.md, "HTTP out"): client.c
 * runs the transfers; response.c collects what comes back and turns it
 * into the request's outcome.
 */
#ifndef WACTOR_HTTPCLIENT_H
#define WACTOR_HTTPCLIENT_H

#include "msg.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One call, from start to its outcome. */
typedef struct http_job {
    struct http_job *next;
    int64_t corr;
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    void *body;
    size_t body_len;
    char method[17];
    char host[264]; /* what the grant checked, NUL-terminated */
    unsigned port;
    uint32_t timeout_ms;
    /* The response. */
    uint8_t *resp;
    size_t resp_len, resp_cap, max_response;
    bool too_big;
    msg_hdrbuf hdrs; /* the response's headers but ":status" */
} http_job;

/* libcurl's callbacks that collect the body and the headers. */
size_t http_job_body(char *data, size_t size, size_t n, void *job);
size_t http_job_header(char *data, size_t size, size_t n, void *job);
/* The outcome of a finished transfer, given to the router. */
void http_job_settle(msg_router *r, http_job *j, CURLcode result);
void http_job_free(http_job *j);

#endif
