/*
 * fail_chaos.c: the crashing component of failure.chaos. Every payload is an item
 * {sender, seq, kind} (three int32). The item with seq % 7 == 6 traps, so every 7th message
 * of each sender's stream of messages and of requests crashes the instance. The others are
 * handled: a request is answered OK with the item, a message is passed on to the component
 * "recorder" (fire-and-forget), since this component's own memory starts afresh at every
 * restart and cannot keep a tally.
 */
#include <wactor.h>

typedef struct item {
    int32_t sender, seq, kind;
} item;

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    item it;
    if (payload_len != (int32_t)sizeof it || wactor_msg_payload(&it, sizeof it) != sizeof it) {
        wactor_log(WACTOR_LOG_ERROR, "bad item");
        return 1;
    }
    if (it.seq % 7 == 6)
        __builtin_trap();
    if (corr > 0)
        return wactor_respond(corr, WACTOR_STATUS_OK, &it, sizeof it) != WACTOR_OK;
    int32_t rc = wactor_send("recorder", &it, sizeof it);
    if (rc != WACTOR_OK)
        wactor_logf(WACTOR_LOG_ERROR, "send to recorder: %s", wactor_strerror(rc));
    return rc != WACTOR_OK;
}
