/*
 * pong: answers each request "ping I" with "pong I".
 *
 * It calls only msg_payload and respond, so those are its only imports: the SDK's wrappers are
 * static inline and pull in nothing else.
 */
#include <wactor.h>

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (corr <= 0)
        return 0; /* nobody waits for an answer */

    char text[32];
    if (payload_len < 5 || (size_t)payload_len > sizeof text ||
        wactor_msg_payload(text, sizeof text) != payload_len || memcmp(text, "ping ", 5) != 0)
        return wactor_respond_str(corr, WACTOR_STATUS_ERROR, "pong: expected \"ping N\"") < 0;
    text[1] = 'o';
    return wactor_respond(corr, WACTOR_STATUS_OK, text, (size_t)payload_len) < 0;
}
