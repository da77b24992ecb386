/*
 * codes_check.c: the guest SDK's result codes and statuses are the runtime's
 * (include/wactor_codes.h, the one table). Built with the test guests; a
 * difference fails the build, naming the code.
 */
#include <wactor.h>

#define WACTOR_CODES_TABLES_ONLY
#include "../../include/wactor_codes.h"

#define SAME_CODE(name, value, msg)                                                                \
    _Static_assert(WACTOR_##name == (value), "sdk/c/wactor.h: WACTOR_" #name);
WACTOR_ABI_CODES(SAME_CODE)

#define SAME_STATUS(name, value, meaning)                                                          \
    _Static_assert(WACTOR_STATUS_##name == (value), "sdk/c/wactor.h: WACTOR_STATUS_" #name);
WACTOR_STATUS_LIST(SAME_STATUS)

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    (void)corr;
    return 0;
}
