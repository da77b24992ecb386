/* rr.server: answers every request with its payload (64 bytes in the benchmark). */
#include "util.h"

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char buf[MB_PAYLOAD];
    int32_t n = wactor_msg_payload(buf, sizeof buf);
    if (corr <= 0)
        return 0;
    if (n < 0 || n > MB_PAYLOAD)
        return 1; /* answered ERROR by the runtime */
    return wactor_respond(corr, WACTOR_STATUS_OK, buf, (size_t)n) < 0;
}
