/*
 * crash.victim: a small component that crashes on demand. A message whose payload starts with
 * "crash" makes it trap (__builtin_trap: `unreachable`); it answers every other request with its
 * payload and drops every other plain message. Its globals are gone with each crash (the
 * restarted instance is a fresh one), so the counting is done by crash.driver.
 */
#include "util.h"

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char buf[MB_PAYLOAD];
    int32_t n = wactor_msg_payload(buf, sizeof buf);
    if (n >= 5 && memcmp(buf, "crash", 5) == 0)
        __builtin_trap();
    if (corr <= 0)
        return 0;
    if (n < 0 || n > MB_PAYLOAD)
        return 1;
    return wactor_respond(corr, WACTOR_STATUS_OK, buf, (size_t)n) < 0;
}
