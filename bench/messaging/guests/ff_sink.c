/*
 * ff.sink: counts the messages it receives (fire-and-forget, reading each 64-byte payload).
 * A request "N" asks to be answered once N more messages have arrived (deferred answer); it
 * must reach the sink before those messages do.
 */
#include "util.h"

static uint64_t count, goal;
static int64_t waiter;
static uint32_t errors;

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (corr > 0) {
        char text[32];
        mb_read_text(text, sizeof text);
        goal = count + mb_number(text);
        if (waiter)
            mb_answer(waiter, 1000000); /* a second waiter cuts the first one short */
        waiter = corr;
    } else {
        char buf[MB_PAYLOAD];
        if (payload_len != MB_PAYLOAD || wactor_msg_payload(buf, sizeof buf) != MB_PAYLOAD)
            errors++;
        count++;
    }
    if (waiter && count >= goal) {
        mb_answer(waiter, errors);
        waiter = 0;
        errors = 0;
    }
    return 0;
}
