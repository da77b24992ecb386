/*
 * imports.c: the `wactor` host functions (docs/ABI.md); abi.c checks that a
 * module imports them with the right types.
 *
 * Every guest pointer goes through guest_range, which yields a host pointer
 * only when [ptr, ptr+len) lies inside the caller's memory; nothing else
 * here touches guest memory. One host function object per import serves
 * every instance of the runtime: the component comes from the calling
 * instance's userdata.
 */
#include "extend.h"
#include "host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define I32 WA_I32
#define I64 WA_I64

static const uint8_t t_i32x5[] = {I32, I32, I32, I32, I32};
static const uint8_t t_request[] = {I32, I32, I32, I32, I32, I64};
static const uint8_t t_respond[] = {I64, I32, I32, I32, I32};
static const uint8_t t_respond_header[] = {I64, I32, I32, I32, I32, I32};
static const uint8_t t_cancel[] = {I64, I32};
static const uint8_t t_http_request[] = {I32, I32, I32, I32, I32, I32, I32, I32, I32, I64};
static const uint8_t t_i64[] = {I64};
static const uint8_t t_send_after[] = {I32, I32, I32, I32, I32, I32, I64};

/* ---- guest memory ------------------------------------------------------- */

/* [ptr, ptr+len) of the caller's memory, or NULL (negative length, outside). */
static uint8_t *guest_range(wa_instance *caller, wa_val ptr, wa_val len)
{
    if ((int32_t)len.i32 < 0)
        return NULL;
    wa_memory *mem = wa_instance_memory(caller);
    return mem ? wa_memory_range(mem, ptr.i32, len.i32) : NULL;
}

static host_component *self(wa_instance *caller)
{
    return wa_instance_userdata(caller);
}

/* The ABI's copy-out rule: copy min(cap, len), return len. */
static int32_t copy_out(wa_instance *caller, wa_val buf, wa_val cap, const void *src, size_t len)
{
    uint8_t *dst = guest_range(caller, buf, cap);
    if (!dst)
        return WACTOR_EINVAL;
    size_t n = len < cap.i32 ? len : cap.i32;
    if (n)
        memcpy(dst, src, n);
    return (int32_t)len;
}

/* What a guest may see of a layer's result: the ABI's codes pass, and a
 * length or id too. A code only an embedder knows (ENOMEM: the host is out
 * of memory) becomes EFULL, which the ABI reads as "nothing was enqueued:
 * try later", exactly what happened. */
static int64_t guest_code(int64_t rc)
{
    return rc < WACTOR_EEXIST ? WACTOR_EFULL : rc;
}

#define RET_I32(v) (io[0].i32 = (uint32_t)(int32_t)guest_code(v), WA_TRAP_NONE)

/* Every refusal by a capability leaves an audit line. */
static int64_t audited(host_component *c, int64_t rc, const char *action, const void *target,
                       uint32_t len)
{
    if (rc == WACTOR_EDENIED) {
        char reason[64];
        snprintf(reason, sizeof reason, "no %s capability for this target", action);
        host_audit(c->rt, c->proc.name, action, target, len, "denied", reason);
    }
    return rc;
}

/* ---- messaging ---------------------------------------------------------- */

static wa_trap h_send(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    const uint8_t *target = guest_range(caller, io[0], io[1]);
    const uint8_t *payload = guest_range(caller, io[2], io[3]);
    if (!target || !payload)
        return RET_I32(WACTOR_EINVAL);
    return RET_I32(audited(c,
                           msg_send(c->proc.router, &c->proc, (const char *)target, io[1].i32,
                                    payload, io[3].i32, host_span_meta(c)),
                           "send", target, io[1].i32));
}

static wa_trap h_request(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    const uint8_t *target = guest_range(caller, io[0], io[1]);
    const uint8_t *payload = guest_range(caller, io[2], io[3]);
    int64_t rc = WACTOR_EINVAL;
    if (target && payload)
        rc = audited(c,
                     msg_request(c->proc.router, &c->proc, (const char *)target, io[1].i32, payload,
                                 io[3].i32, (int32_t)io[4].i32, NULL, NULL, host_span_meta(c)),
                     "request", target, io[1].i32);
    io[0].i64 = (uint64_t)guest_code(rc);
    return WA_TRAP_NONE;
}

static wa_trap h_respond(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    const uint8_t *payload = guest_range(caller, io[2], io[3]);
    if (!payload)
        return RET_I32(WACTOR_EINVAL);
    int64_t corr = (int64_t)io[0].i64;
    msg_hdrbuf hdrs = {0};
    bool with = host_answer_headers(c, corr, &hdrs);
    msg_headers view = msg_hdrbuf_view(&hdrs);
    int rc =
        msg_respond(&c->proc, corr, (int32_t)io[1].i32, payload, io[3].i32, with ? &view : NULL);
    msg_hdrbuf_free(&hdrs);
    return RET_I32(rc);
}

static wa_trap h_respond_header(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const uint8_t *name = guest_range(caller, io[1], io[2]);
    const uint8_t *value = guest_range(caller, io[3], io[4]);
    if (!name || !value)
        return RET_I32(WACTOR_EINVAL);
    return RET_I32(host_respond_header(self(caller), (int64_t)io[0].i64, (const char *)name,
                                       io[2].i32, value, io[4].i32));
}

static wa_trap h_cancel(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    return RET_I32(msg_cancel(c->proc.router, &c->proc, (int64_t)io[0].i64));
}

static wa_trap h_publish(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    const uint8_t *topic = guest_range(caller, io[0], io[1]);
    const uint8_t *payload = guest_range(caller, io[2], io[3]);
    if (!topic || !payload)
        return RET_I32(WACTOR_EINVAL);
    return RET_I32(audited(c,
                           msg_publish(c->proc.router, &c->proc, (const char *)topic, io[1].i32,
                                       payload, io[3].i32, host_span_meta(c)),
                           "publish", topic, io[1].i32));
}

static wa_trap h_subscribe(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const uint8_t *pattern = guest_range(caller, io[0], io[1]);
    if (!pattern)
        return RET_I32(WACTOR_EINVAL);
    host_component *c = self(caller);
    return RET_I32(audited(c, msg_subscribe(&c->proc, (const char *)pattern, io[1].i32),
                           "subscribe", pattern, io[1].i32));
}

static wa_trap h_unsubscribe(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const uint8_t *pattern = guest_range(caller, io[0], io[1]);
    if (!pattern)
        return RET_I32(WACTOR_EINVAL);
    return RET_I32(msg_unsubscribe(&self(caller)->proc, (const char *)pattern, io[1].i32));
}

/* ---- the current message ------------------------------------------------ */

static wa_trap h_msg_sender(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const msg_envelope *e = self(caller)->current;
    if (!e)
        return RET_I32(WACTOR_ESTATE);
    return RET_I32(copy_out(caller, io[0], io[1], msg_env_sender(e), e->sender_len));
}

static wa_trap h_msg_payload(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const msg_envelope *e = self(caller)->current;
    if (!e)
        return RET_I32(WACTOR_ESTATE);
    return RET_I32(copy_out(caller, io[0], io[1], msg_env_payload(e), e->payload_len));
}

static wa_trap h_msg_topic(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const msg_envelope *e = self(caller)->current;
    if (!e)
        return RET_I32(WACTOR_ESTATE);
    return RET_I32(copy_out(caller, io[0], io[1], msg_env_topic(e), e->topic_len));
}

static wa_trap h_msg_header(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const msg_envelope *e = self(caller)->current;
    const uint8_t *name = guest_range(caller, io[0], io[1]);
    if (!name || !guest_range(caller, io[2], io[3]))
        return RET_I32(WACTOR_EINVAL);
    if (!e)
        return RET_I32(WACTOR_ESTATE);
    msg_headers h = msg_env_headers(e);
    msg_header found;
    if (!msg_headers_find(&h, (const char *)name, io[1].i32, &found))
        return RET_I32(WACTOR_ENOTFOUND);
    return RET_I32(copy_out(caller, io[2], io[3], found.value, found.value_len));
}

/* Outbound HTTP: the ranges here, the rest in http_out.c. */
static wa_trap h_http_request(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const uint8_t *method = guest_range(caller, io[0], io[1]);
    const uint8_t *url = guest_range(caller, io[2], io[3]);
    const uint8_t *headers = guest_range(caller, io[4], io[5]);
    const uint8_t *body = guest_range(caller, io[6], io[7]);
    int64_t rc = WACTOR_EINVAL;
    if (method && url && headers && body) {
        host_http_request r = {.method = (const char *)method,
                               .method_len = io[1].i32,
                               .url = (const char *)url,
                               .url_len = io[3].i32,
                               .headers = (const char *)headers,
                               .headers_len = io[5].i32,
                               .body = body,
                               .body_len = io[7].i32};
        rc = host_http_request_start(self(caller), &r, (int32_t)io[8].i32);
    }
    io[0].i64 = (uint64_t)guest_code(rc);
    return WA_TRAP_NONE;
}

/* ---- timers (timers.c) --------------------------------------------------- */

static wa_trap h_send_after(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    const uint8_t *target = guest_range(caller, io[0], io[1]);
    const uint8_t *payload = guest_range(caller, io[2], io[3]);
    int64_t rc = WACTOR_EINVAL;
    if (target && payload)
        rc = audited(c,
                     host_send_after(c, (const char *)target, io[1].i32, payload, io[3].i32,
                                     (int32_t)io[4].i32, (int32_t)io[5].i32),
                     "send", target, io[1].i32);
    io[0].i64 = (uint64_t)guest_code(rc);
    return WA_TRAP_NONE;
}

static wa_trap h_timer_cancel(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    return RET_I32(host_timer_cancel(self(caller), (int64_t)io[0].i64));
}

/* ---- services ----------------------------------------------------------- */

static wa_trap h_self_name(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const host_component *c = self(caller);
    return RET_I32(copy_out(caller, io[0], io[1], c->proc.name, c->proc.name_len));
}

static wa_trap h_config(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    const host_component *c = self(caller);
    return RET_I32(copy_out(caller, io[0], io[1], c->ver.config, c->ver.config_len));
}

static wa_trap h_log(wa_instance *caller, void *env, wa_val *io)
{
    wactor_runtime *rt = env;
    const host_component *c = self(caller);
    int32_t level = (int32_t)io[0].i32;
    const uint8_t *text = guest_range(caller, io[1], io[2]);
    if (level < WACTOR_LOG_TRACE || level > WACTOR_LOG_ERROR || !text)
        return RET_I32(WACTOR_EINVAL);
    host_log(rt, level, c->proc.name, (const char *)text, io[2].i32);
    return RET_I32(WACTOR_OK);
}

static wa_trap h_now_ms(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    (void)env;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    io[0].i64 = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
    return WA_TRAP_NONE;
}

/* ---- storage ------------------------------------------------------------
 * The component's namespace is its name, so a restarted instance finds its
 * data. Keys and values go straight between guest memory and the database:
 * the host allocates nothing per call. A database failure is not the
 * guest's doing: a read reports the key missing, a write reports nothing
 * written (EQUOTA), and the runtime's log says what happened. */

/* The checks of every kv_* call, in the ABI's order: the ranges and an
 * empty key (EINVAL), the capability (EDENIED), a key over 255 bytes
 * (ETOOBIG). Returns OK or the code. */
static int32_t kv_check(wa_instance *caller, const uint8_t *key, wa_val klen, bool ranges_ok)
{
    host_component *c = self(caller);
    if (!key || !ranges_ok || klen.i32 == 0)
        return WACTOR_EINVAL;
    if (!c->ver.storage)
        return (int32_t)audited(c, WACTOR_EDENIED, "storage", key, klen.i32 > 255 ? 255 : klen.i32);
    if (klen.i32 > STORE_MAX_KEY)
        return WACTOR_ETOOBIG;
    return WACTOR_OK;
}

/* Store codes are the ABI's, but for a database error (ESYSTEM). */
static int64_t storage_result(host_component *c, int64_t rc, int64_t on_error)
{
    if (rc != WACTOR_ESYSTEM)
        return rc;
    host_logf(c->rt, WACTOR_LOG_ERROR, c->proc.name, "storage: %s", store_errmsg(c->rt->store));
    return on_error;
}

static wa_trap h_kv_get(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    const uint8_t *key = guest_range(caller, io[0], io[1]);
    uint8_t *buf = guest_range(caller, io[2], io[3]);
    int32_t rc = kv_check(caller, key, io[1], buf != NULL);
    if (rc != WACTOR_OK)
        return RET_I32(rc);
    int64_t n =
        store_get(c->rt->store, c->proc.name, c->proc.name_len, key, io[1].i32, buf, io[3].i32);
    return RET_I32(storage_result(c, n, WACTOR_ENOTFOUND));
}

static wa_trap h_kv_set(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    const uint8_t *key = guest_range(caller, io[0], io[1]);
    const uint8_t *val = guest_range(caller, io[2], io[3]);
    int32_t rc = kv_check(caller, key, io[1], val != NULL);
    if (rc != WACTOR_OK)
        return RET_I32(rc);
    rc = store_set(c->rt->store, c->proc.name, c->proc.name_len, key, io[1].i32, val, io[3].i32,
                   c->ver.storage, c->rt->opts.max_message);
    if (rc == WACTOR_OK)
        atomic_store_explicit(&c->storage_clean, false, memory_order_release);
    return RET_I32(storage_result(c, rc, WACTOR_EQUOTA));
}

static wa_trap h_kv_delete(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    const uint8_t *key = guest_range(caller, io[0], io[1]);
    int32_t rc = kv_check(caller, key, io[1], true);
    if (rc != WACTOR_OK)
        return RET_I32(rc);
    rc = store_delete(c->rt->store, c->proc.name, c->proc.name_len, key, io[1].i32);
    if (rc == WACTOR_OK)
        atomic_store_explicit(&c->storage_clean, false, memory_order_release);
    return RET_I32(storage_result(c, rc, WACTOR_ENOTFOUND));
}

/* ---- upgrade: the state handed over ------------------------------------
 * state_save keeps a copy of the old version's bytes during its
 * wactor_on_upgrade (a second call replaces the first); state_load gives
 * them to the new version during its wactor_init. Both refuse (ESTATE)
 * outside those calls; state_load finds nothing (ENOTFOUND) on an ordinary
 * start, or when the old version saved nothing. */

static wa_trap h_state_save(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    const uint8_t *data = guest_range(caller, io[0], io[1]);
    if (!data)
        return RET_I32(WACTOR_EINVAL);
    if (c->phase != HOST_PHASE_SAVING || c->inst != caller)
        return RET_I32(WACTOR_ESTATE);
    if (io[1].i32 > c->rt->opts.max_message)
        return RET_I32(WACTOR_ETOOBIG);
    uint8_t *copy = malloc(io[1].i32 ? io[1].i32 : 1);
    if (!copy)
        return RET_I32(WACTOR_ENOMEM); /* EFULL for the guest: nothing kept, try later */
    memcpy(copy, data, io[1].i32);
    free(c->saved);
    c->saved = copy;
    c->saved_len = io[1].i32;
    return RET_I32(WACTOR_OK);
}

static wa_trap h_state_load(wa_instance *caller, void *env, wa_val *io)
{
    (void)env;
    host_component *c = self(caller);
    if (!guest_range(caller, io[0], io[1]))
        return RET_I32(WACTOR_EINVAL);
    if (c->phase != HOST_PHASE_LOADING && c->phase != HOST_PHASE_NONE)
        return RET_I32(WACTOR_ESTATE);
    if (c->phase == HOST_PHASE_NONE) /* wactor_init of an ordinary start, or any other time */
        return RET_I32(c->starting_up ? WACTOR_ENOTFOUND : WACTOR_ESTATE);
    if (!c->saved)
        return RET_I32(WACTOR_ENOTFOUND);
    return RET_I32(copy_out(caller, io[0], io[1], c->saved, c->saved_len));
}

/* ---- the table ---------------------------------------------------------- */

typedef struct host_import {
    const char *name;
    wa_functype type;
    wa_host_fn fn;
} host_import;

static const host_import imports[HOST_NIMPORTS] = {
    {"send", {4, 1, t_i32x5}, h_send},
    {"request", {5, 1, t_request}, h_request},
    {"respond", {4, 1, t_respond}, h_respond},
    {"cancel", {1, 1, t_cancel}, h_cancel},
    {"publish", {4, 1, t_i32x5}, h_publish},
    {"subscribe", {2, 1, t_i32x5}, h_subscribe},
    {"unsubscribe", {2, 1, t_i32x5}, h_unsubscribe},
    {"msg_sender", {2, 1, t_i32x5}, h_msg_sender},
    {"msg_payload", {2, 1, t_i32x5}, h_msg_payload},
    {"msg_topic", {2, 1, t_i32x5}, h_msg_topic},
    {"self_name", {2, 1, t_i32x5}, h_self_name},
    {"config", {2, 1, t_i32x5}, h_config},
    {"log", {3, 1, t_i32x5}, h_log},
    {"now_ms", {0, 1, t_i64}, h_now_ms},
    {"kv_get", {4, 1, t_i32x5}, h_kv_get},
    {"kv_set", {4, 1, t_i32x5}, h_kv_set},
    {"kv_delete", {2, 1, t_i32x5}, h_kv_delete},
    {"state_save", {2, 1, t_i32x5}, h_state_save},
    {"state_load", {2, 1, t_i32x5}, h_state_load},
    {"msg_header", {4, 1, t_i32x5}, h_msg_header},
    {"respond_header", {5, 1, t_respond_header}, h_respond_header},
    {"http_request", {9, 1, t_http_request}, h_http_request},
    {"send_after", {6, 1, t_send_after}, h_send_after},
    {"timer_cancel", {1, 1, t_cancel}, h_timer_cancel},
};

static bool name_is(wa_name n, const char *s)
{
    return n.len == strlen(s) && memcmp(n.ptr, s, n.len) == 0;
}

int host_import_index(wa_name field)
{
    for (int i = 0; i < HOST_NIMPORTS; i++)
        if (name_is(field, imports[i].name))
            return i;
    return -1;
}

const wa_functype *host_import_type(wa_name field)
{
    int i = host_import_index(field);
    return i < 0 ? NULL : &imports[i].type;
}

bool host_imports_new(wactor_runtime *rt)
{
    for (int i = 0; i < HOST_NIMPORTS; i++)
        if (!(rt->imports[i] = wa_func_new_host(&imports[i].type, imports[i].fn, rt)))
            return false;
    return true;
}

void host_imports_free(wactor_runtime *rt)
{
    for (int i = 0; i < HOST_NIMPORTS; i++) {
        wa_func_free(rt->imports[i]);
        rt->imports[i] = NULL;
    }
}
