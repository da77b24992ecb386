/* echo.c: make bench-http's component: answers each request with its body. */
#include <wactor.h>

static char buf[65536];

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (payload_len < 0 || payload_len > (int32_t)sizeof buf)
        return 1;
    int32_t n = wactor_msg_payload(buf, sizeof buf);
    return corr > 0 && wactor_respond(corr, WACTOR_STATUS_OK, buf, (size_t)n) < 0;
}
