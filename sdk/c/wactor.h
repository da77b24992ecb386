/*
 * wactor.h: the C SDK for writing wactor components (guest ABI version 1, docs/ABI.md).
 *
 * A component is a WASI reactor module: build it with
 *
 *   clang --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor -Wl,--no-entry \
 *         -O2 -I sdk/c -o echo.wasm echo.c
 *
 * and write its handlers with the export macros at the end of this file:
 *
 *   #include <wactor.h>
 *   WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
 *   {
 *       char buf[256];
 *       int32_t n = wactor_msg_payload(buf, sizeof buf); // the full length: > 256 if cut
 *       if (corr > 0 && n >= 0 && (size_t)n <= sizeof buf)
 *           return wactor_respond(corr, WACTOR_STATUS_OK, buf, (size_t)n) < 0;
 *       return 1; // non-zero: a request not answered yet gets ERROR
 *   }
 *
 * Everything below is a macro, a declaration or a static inline function, never a definition
 * the linker must keep: a module imports a host function only if the component calls it, so
 * a component's import list is exactly what it uses (the runtime refuses imports it does not
 * know, and `wactor inspect` shows what a component depends on).
 *
 * Wrappers take sizes as size_t and pass them as the ABI's i32. A size above INT32_MAX (only
 * possible for a bogus size: a wasm32 memory holds at most 4 GiB) becomes a negative length,
 * which the host refuses with WACTOR_EINVAL.
 *
 * This is the guest header. The file of the same name in the repository's include/ is for
 * programs that embed the runtime; the two are never compiled together.
 */
#ifndef WACTOR_GUEST_SDK_H
#define WACTOR_GUEST_SDK_H

#if !defined(__wasm32__)
#error "sdk/c/wactor.h is for wasm32 components; programs embedding wactor use include/wactor.h"
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WACTOR_ABI_VERSION 1

/* Result codes: 0 or positive is success (a length, a correlation id). */
#define WACTOR_OK 0
#define WACTOR_EINVAL (-1)    /* range outside memory, bad name, pattern, status or level */
#define WACTOR_EDENIED (-2)   /* not granted by the manifest's capabilities (audit-logged) */
#define WACTOR_ENOTFOUND (-3) /* no such component, key, or pending correlation id */
#define WACTOR_EFULL (-4)     /* target's mailbox, or this component's pending requests, full */
#define WACTOR_ETOOBIG (-5)   /* over the message size limit or the storage key/value limits */
#define WACTOR_EQUOTA (-6)    /* the storage quota would be exceeded; nothing was written */
#define WACTOR_ESTATE (-7)    /* not valid now, e.g. msg_* outside a handler */
#define WACTOR_EEXIST (-8)    /* a name already in use (ABI version 2) */

/* The status given to wactor_respond and received by wactor_on_callback. */
#define WACTOR_STATUS_OK 0
#define WACTOR_STATUS_ERROR 1
#define WACTOR_STATUS_TIMEOUT 2 /* callback only: payload empty */
#define WACTOR_STATUS_FAILED 3  /* callback only: payload empty or a short reason */

#define WACTOR_LOG_TRACE 0
#define WACTOR_LOG_DEBUG 1
#define WACTOR_LOG_INFO 2
#define WACTOR_LOG_WARN 3
#define WACTOR_LOG_ERROR 4

/* The sender name of messages from the host (command line or embedding program). */
#define WACTOR_HOST "@host"
/* Longest component name or topic, in bytes: a buffer of WACTOR_NAME_MAX + 1 always fits. */
#define WACTOR_NAME_MAX 255
/* wactor_request timeout meaning "the runtime's default" (request_timeout in the manifest). */
#define WACTOR_TIMEOUT_DEFAULT 0

/* wactor_logf formats into a stack buffer of this size; longer lines are cut and end in "...". */
#ifndef WACTOR_LOGF_MAX
#define WACTOR_LOGF_MAX 1024
#endif

_Static_assert(sizeof(void *) == 4 && sizeof(size_t) == 4, "the ABI passes pointers as i32");

/*
 * Raw imports of module `wactor`, with the ABI's exact signatures (pointers are i32 on wasm32).
 * Use them directly for names or keys that are not C strings.
 */
#define WACTOR_IMPORT_(name) __attribute__((import_module("wactor"), import_name(#name)))

WACTOR_IMPORT_(send)
int32_t wactor_import_send(const void *target, int32_t target_len, const void *payload,
                           int32_t payload_len);
WACTOR_IMPORT_(request)
int64_t wactor_import_request(const void *target, int32_t target_len, const void *payload,
                              int32_t payload_len, int32_t timeout_ms);
WACTOR_IMPORT_(respond)
int32_t wactor_import_respond(int64_t correlation, int32_t status, const void *payload,
                              int32_t payload_len);
WACTOR_IMPORT_(cancel) int32_t wactor_import_cancel(int64_t correlation);
WACTOR_IMPORT_(publish)
int32_t wactor_import_publish(const void *topic, int32_t topic_len, const void *payload,
                              int32_t payload_len);
WACTOR_IMPORT_(subscribe) int32_t wactor_import_subscribe(const void *pattern, int32_t len);
WACTOR_IMPORT_(unsubscribe) int32_t wactor_import_unsubscribe(const void *pattern, int32_t len);
WACTOR_IMPORT_(msg_sender) int32_t wactor_import_msg_sender(void *buf, int32_t cap);
WACTOR_IMPORT_(msg_payload) int32_t wactor_import_msg_payload(void *buf, int32_t cap);
WACTOR_IMPORT_(msg_topic) int32_t wactor_import_msg_topic(void *buf, int32_t cap);
WACTOR_IMPORT_(self_name) int32_t wactor_import_self_name(void *buf, int32_t cap);
WACTOR_IMPORT_(config) int32_t wactor_import_config(void *buf, int32_t cap);
WACTOR_IMPORT_(log) int32_t wactor_import_log(int32_t level, const void *text, int32_t len);
WACTOR_IMPORT_(now_ms) int64_t wactor_import_now_ms(void);
WACTOR_IMPORT_(kv_get)
int32_t wactor_import_kv_get(const void *key, int32_t key_len, void *buf, int32_t cap);
WACTOR_IMPORT_(kv_set)
int32_t wactor_import_kv_set(const void *key, int32_t key_len, const void *value,
                             int32_t value_len);
WACTOR_IMPORT_(kv_delete) int32_t wactor_import_kv_delete(const void *key, int32_t key_len);
WACTOR_IMPORT_(state_save) int32_t wactor_import_state_save(const void *data, int32_t len);
WACTOR_IMPORT_(state_load) int32_t wactor_import_state_load(void *buf, int32_t cap);
WACTOR_IMPORT_(msg_header)
int32_t wactor_import_msg_header(const void *name, int32_t name_len, void *buf, int32_t cap);
WACTOR_IMPORT_(http_request)
int64_t wactor_import_http_request(const void *method, int32_t method_len, const void *url,
                                   int32_t url_len, const void *headers, int32_t headers_len,
                                   const void *body, int32_t body_len, int32_t timeout_ms);
WACTOR_IMPORT_(respond_header)
int32_t wactor_import_respond_header(int64_t correlation, const void *name, int32_t name_len,
                                     const void *value, int32_t value_len);
WACTOR_IMPORT_(send_after)
int64_t wactor_import_send_after(const void *target, int32_t target_len, const void *payload,
                                 int32_t payload_len, int32_t delay_ms, int32_t period_ms);
WACTOR_IMPORT_(timer_cancel) int32_t wactor_import_timer_cancel(int64_t timer);

#define WACTOR_LEN_(n) ((int32_t)(n))
#define WACTOR_STRLEN_(s) ((int32_t)strlen(s))

/* Messaging. Names, topics and patterns are C strings; payloads are bytes. */

/* Fire-and-forget; needs the `send` capability for target. */
static inline int32_t wactor_send(const char *target, const void *payload, size_t len)
{
    return wactor_import_send(target, WACTOR_STRLEN_(target), payload, WACTOR_LEN_(len));
}

static inline int32_t wactor_send_str(const char *target, const char *text)
{
    return wactor_send(target, text, strlen(text));
}

/*
 * Returns a correlation id > 0, whose outcome arrives exactly once in wactor_on_callback (unless
 * cancelled), or a negative code. A component that requests must export WACTOR_ON_CALLBACK, or
 * it fails at spawn. timeout_ms <= 0 (WACTOR_TIMEOUT_DEFAULT) is the runtime's default.
 */
static inline int64_t wactor_request(const char *target, const void *payload, size_t len,
                                     int32_t timeout_ms)
{
    return wactor_import_request(target, WACTOR_STRLEN_(target), payload, WACTOR_LEN_(len),
                                 timeout_ms);
}

static inline int64_t wactor_request_str(const char *target, const char *text, int32_t timeout_ms)
{
    return wactor_request(target, text, strlen(text), timeout_ms);
}

/*
 * Answers a request this component received, once, with WACTOR_STATUS_OK or _ERROR; allowed in
 * the handler that received it or in any later one (a deferred answer). ENOTFOUND if already
 * answered or not this component's request.
 */
static inline int32_t wactor_respond(int64_t correlation, int32_t status, const void *payload,
                                     size_t len)
{
    return wactor_import_respond(correlation, status, payload, WACTOR_LEN_(len));
}

static inline int32_t wactor_respond_str(int64_t correlation, int32_t status, const char *text)
{
    return wactor_respond(correlation, status, text, strlen(text));
}

/* Withdraws a pending request: no callback follows. ENOTFOUND if it has already settled. */
static inline int32_t wactor_cancel(int64_t correlation)
{
    return wactor_import_cancel(correlation);
}

static inline int32_t wactor_publish(const char *topic, const void *payload, size_t len)
{
    return wactor_import_publish(topic, WACTOR_STRLEN_(topic), payload, WACTOR_LEN_(len));
}

static inline int32_t wactor_publish_str(const char *topic, const char *text)
{
    return wactor_publish(topic, text, strlen(text));
}

static inline int32_t wactor_subscribe(const char *pattern)
{
    return wactor_import_subscribe(pattern, WACTOR_STRLEN_(pattern));
}

static inline int32_t wactor_unsubscribe(const char *pattern)
{
    return wactor_import_unsubscribe(pattern, WACTOR_STRLEN_(pattern));
}

/*
 * Copy-out calls (current message, self name, config, kv_get) follow the ABI: they copy
 * min(cap, length) bytes, add no NUL, and return the full length, so a result above cap means
 * the buffer was too small. The current message is readable only inside wactor_on_message and
 * wactor_on_callback (else ESTATE).
 */

static inline int32_t wactor_msg_sender(char *buf, size_t cap)
{
    return wactor_import_msg_sender(buf, WACTOR_LEN_(cap));
}

static inline int32_t wactor_msg_payload(void *buf, size_t cap)
{
    return wactor_import_msg_payload(buf, WACTOR_LEN_(cap));
}

/* 0 for a direct message or a callback; the topic of a pub/sub delivery. */
static inline int32_t wactor_msg_topic(char *buf, size_t cap)
{
    return wactor_import_msg_topic(buf, WACTOR_LEN_(cap));
}

static inline int32_t wactor_self_name(char *buf, size_t cap)
{
    return wactor_import_self_name(buf, WACTOR_LEN_(cap));
}

/* The manifest's `config:` text for this component; 0 bytes if it has none. */
static inline int32_t wactor_config(void *buf, size_t cap)
{
    return wactor_import_config(buf, WACTOR_LEN_(cap));
}

/*
 * C-string variants: copy at most cap - 1 bytes and always end buf with a NUL (buf is "" after
 * an error). They return what the copy call returned, so n >= cap still means truncated.
 */
static inline int32_t wactor_cstr_end_(char *buf, size_t cap, int32_t n)
{
    buf[n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1)] = '\0';
    return n;
}

static inline int32_t wactor_msg_sender_str(char *buf, size_t cap)
{
    return cap == 0 ? WACTOR_EINVAL : wactor_cstr_end_(buf, cap, wactor_msg_sender(buf, cap - 1));
}

static inline int32_t wactor_msg_payload_str(char *buf, size_t cap)
{
    return cap == 0 ? WACTOR_EINVAL : wactor_cstr_end_(buf, cap, wactor_msg_payload(buf, cap - 1));
}

static inline int32_t wactor_msg_topic_str(char *buf, size_t cap)
{
    return cap == 0 ? WACTOR_EINVAL : wactor_cstr_end_(buf, cap, wactor_msg_topic(buf, cap - 1));
}

static inline int32_t wactor_self_name_str(char *buf, size_t cap)
{
    return cap == 0 ? WACTOR_EINVAL : wactor_cstr_end_(buf, cap, wactor_self_name(buf, cap - 1));
}

static inline int32_t wactor_config_str(char *buf, size_t cap)
{
    return cap == 0 ? WACTOR_EINVAL : wactor_cstr_end_(buf, cap, wactor_config(buf, cap - 1));
}

/* Services: no capability needed. */

/* One log line, tagged by the runtime with the component's name. */
static inline int32_t wactor_log(int32_t level, const char *text)
{
    return wactor_import_log(level, text, WACTOR_STRLEN_(text));
}

/*
 * printf-style wactor_log. It links wasi-libc's printf (about 80 KiB, and imports of WASI's
 * fd_write, fd_seek and fd_close that formatting into a buffer never calls), which is why the
 * plain wactor_log exists.
 */
__attribute__((format(printf, 2, 3))) static inline int32_t wactor_logf(int32_t level,
                                                                        const char *fmt, ...)
{
    char line[WACTOR_LOGF_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return WACTOR_EINVAL;
    size_t len = (size_t)n;
    if (len >= sizeof line) {
        len = sizeof line - 1;
        memcpy(line + len - 3, "...", 3);
    }
    return wactor_import_log(level, line, WACTOR_LEN_(len));
}

/* Wall-clock milliseconds since the Unix epoch. */
static inline int64_t wactor_now_ms(void)
{
    return wactor_import_now_ms();
}

/*
 * Storage: a key-value namespace private to this component's name that survives restarts; needs
 * the `storage` capability (its quota counts key plus value bytes). Keys are 1..255 bytes.
 */

static inline int32_t wactor_kv_get(const char *key, void *buf, size_t cap)
{
    return wactor_import_kv_get(key, WACTOR_STRLEN_(key), buf, WACTOR_LEN_(cap));
}

/* Durable when it returns WACTOR_OK: a later trap in the same handler does not undo it. */
static inline int32_t wactor_kv_set(const char *key, const void *value, size_t len)
{
    return wactor_import_kv_set(key, WACTOR_STRLEN_(key), value, WACTOR_LEN_(len));
}

static inline int32_t wactor_kv_delete(const char *key)
{
    return wactor_import_kv_delete(key, WACTOR_STRLEN_(key));
}

/* Upgrade (ABI version 2): the old version hands its state to the new one. state_save is
 * valid only during WACTOR_ON_UPGRADE (else ESTATE; ETOOBIG over the message size limit);
 * state_load only during the new version's WACTOR_INIT: the saved length (copying as
 * usual), or ENOTFOUND on an ordinary start or when nothing was saved. */
static inline int32_t wactor_state_save(const void *data, size_t len)
{
    return wactor_import_state_save(data, WACTOR_LEN_(len));
}

static inline int32_t wactor_state_load(void *buf, size_t cap)
{
    return wactor_import_state_load(buf, WACTOR_LEN_(cap));
}

/* Headers (ABI version 2). A header of the message being handled: its length (copying as
 * usual) or ENOTFOUND. An HTTP request (from "@http") has ":method", ":path", ":authority" and
 * every request header by its lowercase name; a callback of an HTTP request or of an answer
 * with headers has ":status" and the rest. */
static inline int32_t wactor_msg_header(const char *name, void *buf, size_t cap)
{
    return wactor_import_msg_header(name, WACTOR_STRLEN_(name), buf, WACTOR_LEN_(cap));
}

static inline int32_t wactor_msg_header_str(const char *name, char *buf, size_t cap)
{
    return cap == 0 ? WACTOR_EINVAL
                    : wactor_cstr_end_(buf, cap, wactor_msg_header(name, buf, cap - 1));
}

/* A header for the answer to a request this component received (before wactor_respond);
 * ":status" sets the HTTP status of an answer to "@http" (100..599). */
static inline int32_t wactor_respond_header(int64_t correlation, const char *name,
                                            const char *value)
{
    return wactor_import_respond_header(correlation, name, WACTOR_STRLEN_(name), value,
                                        WACTOR_STRLEN_(value));
}

/* Outbound HTTP (ABI version 2): starts a request to a host in the component's `http` grant.
 * headers are "name: value" lines joined by '\n' ("" for none); timeout_ms <= 0 is the
 * runtime's request timeout. Returns a correlation id whose callback carries the response
 * body (status OK for any HTTP status; ":status" and the response headers by lowercase name
 * in wactor_msg_header) or FAILED with a reason ("dns: ...", "connect: ...", "tls: ...",
 * "timeout: ..."); or EINVAL (method, URL, header lines), EDENIED (host not granted; audited),
 * ETOOBIG (body), EFULL (too many pending requests). */
static inline int64_t wactor_http_request(const char *method, const char *url, const char *headers,
                                          const void *body, size_t body_len, int32_t timeout_ms)
{
    return wactor_import_http_request(method, WACTOR_STRLEN_(method), url, WACTOR_STRLEN_(url),
                                      headers, WACTOR_STRLEN_(headers), body, WACTOR_LEN_(body_len),
                                      timeout_ms);
}

/* Timers (ABI version 2): a send of payload (copied now) to target after delay_ms, then every
 * period_ms if it is > 0. Returns a timer id > 0, or EINVAL (range, name, negative delay or
 * period), EDENIED (another component's name without the `send` grant; audited), ETOOBIG,
 * EFULL (limits.timers timers already set). To itself it needs no grant, from WACTOR_INIT
 * too. A firing that cannot send (no such component, its mailbox full, EFULL skips that
 * tick) is dropped. Timers end with the instance (crash, stop), not with an upgrade. */
static inline int64_t wactor_send_after(const char *target, const void *payload, size_t len,
                                        int32_t delay_ms, int32_t period_ms)
{
    return wactor_import_send_after(target, WACTOR_STRLEN_(target), payload, WACTOR_LEN_(len),
                                    delay_ms, period_ms);
}

/* No send of that timer happens after this returns; ENOTFOUND if it has fired its last (a
 * one-shot that has sent) or was never set. */
static inline int32_t wactor_timer_cancel(int64_t timer)
{
    return wactor_import_timer_cancel(timer);
}

/* Names for log lines. */

static inline const char *wactor_strerror(int64_t code)
{
    switch (code) {
    case WACTOR_EINVAL:
        return "EINVAL";
    case WACTOR_EDENIED:
        return "EDENIED";
    case WACTOR_ENOTFOUND:
        return "ENOTFOUND";
    case WACTOR_EFULL:
        return "EFULL";
    case WACTOR_ETOOBIG:
        return "ETOOBIG";
    case WACTOR_EQUOTA:
        return "EQUOTA";
    case WACTOR_EEXIST:
        return "EEXIST";
    case WACTOR_ESTATE:
        return "ESTATE";
    default:
        return code >= 0 ? "OK" : "unknown error";
    }
}

static inline const char *wactor_status_name(int32_t status)
{
    switch (status) {
    case WACTOR_STATUS_OK:
        return "OK";
    case WACTOR_STATUS_ERROR:
        return "ERROR";
    case WACTOR_STATUS_TIMEOUT:
        return "TIMEOUT";
    case WACTOR_STATUS_FAILED:
        return "FAILED";
    default:
        return "unknown status";
    }
}

/*
 * Exports. Each macro begins a function definition with the export name and signature the
 * runtime calls; the prototypes make a definition with other parameter types a compile error
 * instead of a component the runtime rejects at spawn. Only WACTOR_ON_MESSAGE is required.
 *
 *   WACTOR_INIT()              after the module's constructors; non-zero = failed to start
 *   WACTOR_ON_MESSAGE(...)     one message; correlation > 0 means the sender awaits an answer;
 *                              non-zero for an unanswered request answers it with ERROR
 *   WACTOR_ON_CALLBACK(...)    the outcome of one of this component's requests
 *   WACTOR_ON_SHUTDOWN()       graceful stop
 *   WACTOR_ON_UPGRADE()        just before a hot upgrade replaces this version; may call
 *                              wactor_state_save; non-zero aborts the upgrade
 *   WACTOR_HEALTH()            between messages every health.interval: 0 healthy, 1 degraded,
 *                              2 unhealthy (health.unhealthy answers of 2 in a row restart it)
 */
int32_t wactor_init(void);
int32_t wactor_on_message(int32_t sender_len, int32_t payload_len, int64_t correlation);
int32_t wactor_on_callback(int64_t correlation, int32_t status, int32_t payload_len);
void wactor_on_shutdown(void);
int32_t wactor_on_upgrade(void);
int32_t wactor_health(void);

#define WACTOR_INIT() __attribute__((export_name("wactor_init"))) int32_t wactor_init(void)
#define WACTOR_ON_MESSAGE(...)                                                                     \
    __attribute__((export_name("wactor_on_message"))) int32_t wactor_on_message(__VA_ARGS__)
#define WACTOR_ON_CALLBACK(...)                                                                    \
    __attribute__((export_name("wactor_on_callback"))) int32_t wactor_on_callback(__VA_ARGS__)
#define WACTOR_ON_SHUTDOWN()                                                                       \
    __attribute__((export_name("wactor_on_shutdown"))) void wactor_on_shutdown(void)
#define WACTOR_ON_UPGRADE()                                                                        \
    __attribute__((export_name("wactor_on_upgrade"))) int32_t wactor_on_upgrade(void)
#define WACTOR_HEALTH() __attribute__((export_name("wactor_health"))) int32_t wactor_health(void)

#ifdef __cplusplus
}
#endif

#endif
