/*
 * pool_worker: one of the pool's workers (started by pool.c from the `worker` template). Answers a
 * request with its own name and the payload: "pool.w2g0: hello". A payload that starts with
 * "crash" makes it trap, as a buggy worker would: the runtime fails that request (FAILED) and,
 * the template being temporary, stops the worker for good, failing the requests still queued
 * for it; the pool learns of it by its monitor and starts a replacement.
 */
#include <wactor.h>

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char text[512], self[256], out[800];
    if (corr <= 0 || wactor_msg_payload_str(text, sizeof text) < 0)
        return 1;
    if (strncmp(text, "crash", 5) == 0)
        __builtin_trap();
    wactor_self_name_str(self, sizeof self);
    size_t a = strlen(self), b = strlen(text);
    memcpy(out, self, a);
    memcpy(out + a, ": ", 2);
    memcpy(out + a + 2, text, b);
    return wactor_respond(corr, WACTOR_STATUS_OK, out, a + 2 + b) < 0;
}
