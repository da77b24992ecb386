/*
 * extend.h: what a part built on top of the runtime (src/lattice,
 * src/httpclient) may use of it, and nothing more: the router its messages
 * go through, the runtime's log, and hooks that detach the part when the
 * runtime is freed. The runtime never calls into such a part except
 * through those hooks, the router's msg_lattice_ops and the HTTP client's
 * start hook.
 */
#ifndef WACTOR_HOST_EXTEND_H
#define WACTOR_HOST_EXTEND_H

#include "msg.h"
#include "wactor.h"

msg_router *host_router(wactor_runtime *rt);

/* Logs as the runtime does (level WACTOR_LOG_*, component NULL: the
 * runtime itself). */
void host_extension_log(wactor_runtime *rt, int level, const char *text);

/* wactor_runtime_free calls detach(arg) once its components have stopped,
 * before the router shuts down; one extension per runtime (detach NULL
 * removes it). EEXIST if another is set. */
int host_extension_set(wactor_runtime *rt, void (*detach)(void *arg), void *arg);

/* Hands memory the router may still point to (a lattice's remote-name
 * records) to the runtime: release(arg) runs in wactor_runtime_free after
 * the router is freed. False when out of memory (then nothing is kept). */
bool host_extension_retain(wactor_runtime *rt, void (*release)(void *arg), void *arg);

/* A name on another host that monitors (ABI.md, "Children and monitors")
 * may watch is gone (reason "host-lost" or "stopped", as the router's
 * gone() says): its monitors here get `@down NAME REASON`. The lattice
 * calls it, without its lock, once for every listed name of a lost host
 * and every name a host stops listing. */
void host_extension_remote_down(wactor_runtime *rt, const msg_remote *to, const char *reason);

/* Sets the error of a call that returns NULL (wactor_errmsg(NULL),
 * wactor_errcode(NULL)); returns code. */
int host_extension_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- outbound HTTP (ABI.md v2, "Outbound HTTP") ----------------------------
 * A component's http_request, checked (arguments, the `http` grant, sizes)
 * and made a pending request (msg_request_external), is handed to the
 * runtime's HTTP client, which serves it off the workers and ends it with
 * msg_settle_external: OK with the response's body, ":status" and headers,
 * or FAILED with a reason. Everything here is only valid during start(),
 * which must not block. */
typedef struct host_http_request {
    int64_t corr;
    const char *component;
    const char *method; /* an upper-case token */
    size_t method_len;
    const char *url; /* http:// or https://, without userinfo or fragment */
    size_t url_len;
    const char *host; /* the URL's host, as the grant checked it ("[v6]" in brackets) */
    size_t host_len;
    unsigned port;       /* the URL's port, or its scheme's (80, 443) */
    const char *headers; /* "name: value" lines joined by '\n', each checked */
    size_t headers_len;
    const void *body;
    size_t body_len;
    uint32_t timeout_ms;
    uint32_t max_response; /* the runtime's message size limit: a larger body fails */
} host_http_request;

/* Sets the runtime's HTTP client (start NULL removes it; EEXIST if one is
 * set). wactor_runtime_free calls detach(arg) once its components have
 * stopped, as for the extension above. */
int host_http_client_set(wactor_runtime *rt, void (*start)(void *arg, const host_http_request *req),
                         void (*detach)(void *arg), void *arg);

#endif
