/* c_echo: the C echo of docs/C.md, the baseline of make bench-sdk. */
#include <wactor.h>

#include <stdlib.h>

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (corr <= 0)
        return 0;
    char *buf = malloc((size_t)payload_len + 1);
    if (buf == NULL)
        return 1;
    wactor_msg_payload(buf, (size_t)payload_len);
    int32_t r = wactor_respond(corr, WACTOR_STATUS_OK, buf, (size_t)payload_len);
    free(buf);
    return r < 0;
}
