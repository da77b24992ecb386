#include "util.h"

const char mb_payload[MB_PAYLOAD] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";

void mb_read_text(char *buf, size_t cap)
{
    wactor_msg_payload_str(buf, cap);
}

uint32_t mb_number(const char *text)
{
    while (*text && (*text < '0' || *text > '9'))
        text++;
    uint32_t n = 0;
    while (*text >= '0' && *text <= '9')
        n = n * 10 + (uint32_t)(*text++ - '0');
    return n;
}

int32_t mb_answer(int64_t corr, uint32_t errors)
{
    char digits[12];
    size_t at = sizeof digits;
    do {
        digits[--at] = (char)('0' + errors % 10);
        errors /= 10;
    } while (errors);
    return wactor_respond(corr, WACTOR_STATUS_OK, digits + at, sizeof digits - at);
}
