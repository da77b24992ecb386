/* idle: the child template of the spawn benchmark; it never gets a message. */
#include <wactor.h>

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    (void)corr;
    return 0;
}
