/* ff.echo: sends every message it receives back to its sender. */
#include "util.h"

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)payload_len;
    (void)corr;
    char sender[WACTOR_NAME_MAX + 1], buf[MB_PAYLOAD];
    if (sender_len > WACTOR_NAME_MAX || wactor_msg_sender(sender, sizeof sender) != sender_len)
        return 1;
    int32_t n = wactor_msg_payload(buf, sizeof buf);
    if (n < 0 || n > MB_PAYLOAD)
        return 1;
    return wactor_import_send(sender, sender_len, buf, n) < 0;
}
