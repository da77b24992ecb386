/* fan.s<i>: subscribes to fan.t at start; reads every message's payload and drops it (the
 * host counts deliveries with wactor_component_stats). */
#include "util.h"

WACTOR_INIT()
{
    return wactor_subscribe("fan.t") != WACTOR_OK;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)corr;
    char buf[MB_PAYLOAD];
    return payload_len != MB_PAYLOAD || wactor_msg_payload(buf, sizeof buf) != MB_PAYLOAD;
}
