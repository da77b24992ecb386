/* e2e_nocb: not a component: it imports wactor.request but does not export wactor_on_callback. */
#include <wactor.h>

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    (void)corr;
    return wactor_request_str("elsewhere", "?", WACTOR_TIMEOUT_DEFAULT) < 0;
}
