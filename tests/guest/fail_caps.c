/*
 * fail_caps.c: calls one import that needs a capability, named by the request's payload,
 * and answers the int32 it returned (a wactor code, or a WASI errno):
 *
 *   send request publish subscribe           to "other" or on topic "events.x"
 *   kv_get kv_set kv_delete                  key "k"
 *   fd_write1 fd_write2                      a line "hello from fail_caps" to stdout/stderr
 *   clock clock_res random environ_sizes environ
 */
#include <wactor.h>
#include <wasi/api.h>

static int32_t probe(const char *what)
{
    if (strcmp(what, "send") == 0)
        return wactor_send_str("other", "ping");
    if (strcmp(what, "request") == 0) {
        int64_t id = wactor_request_str("other", "ping", WACTOR_TIMEOUT_DEFAULT);
        return id > 0 ? 1 : (int32_t)id;
    }
    if (strcmp(what, "publish") == 0)
        return wactor_publish_str("events.x", "ping");
    if (strcmp(what, "subscribe") == 0)
        return wactor_subscribe("events.x");
    char buf[16];
    if (strcmp(what, "kv_get") == 0)
        return wactor_kv_get("k", buf, sizeof buf);
    if (strcmp(what, "kv_set") == 0)
        return wactor_kv_set("k", "v", 1);
    if (strcmp(what, "kv_delete") == 0)
        return wactor_kv_delete("k");
    if (strncmp(what, "fd_write", 8) == 0) {
        static const char line[] = "hello from fail_caps\n";
        __wasi_ciovec_t iov = {(const uint8_t *)line, sizeof line - 1};
        __wasi_size_t written = 0;
        return __wasi_fd_write(what[8] == '1' ? 1 : 2, &iov, 1, &written);
    }
    __wasi_timestamp_t t = 0;
    if (strcmp(what, "clock") == 0)
        return __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t);
    if (strcmp(what, "clock_res") == 0)
        return __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &t);
    if (strcmp(what, "random") == 0)
        return __wasi_random_get((uint8_t *)buf, sizeof buf);
    __wasi_size_t count = 0, size = 0;
    if (strcmp(what, "environ_sizes") == 0)
        return __wasi_environ_sizes_get(&count, &size);
    if (strcmp(what, "environ") == 0) {
        uint8_t *ptrs[4];
        uint8_t text[64];
        return __wasi_environ_get(ptrs, text);
    }
    return -1000;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char what[32];
    wactor_msg_payload_str(what, sizeof what);
    int32_t rc = probe(what);
    return corr > 0 ? wactor_respond(corr, WACTOR_STATUS_OK, &rc, sizeof rc) != WACTOR_OK : 0;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)corr;
    (void)status;
    (void)payload_len;
    return 0;
}
