/* The smallest valid wactor component: logs each message it gets. */
#include <stdint.h>

__attribute__((import_module("wactor"), import_name("log"))) int32_t
wactor_log(int32_t level, const char *p, int32_t len);

__attribute__((export_name("wactor_on_message"))) int32_t
on_message(int32_t sender_len, int32_t payload_len, int64_t correlation)
{
    (void)sender_len;
    (void)payload_len;
    (void)correlation;
    return wactor_log(2, "got a message", 13) < 0;
}
