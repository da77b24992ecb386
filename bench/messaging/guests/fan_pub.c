/*
 * fan.pub: its config is the number of subscribers S (components fan.s0 .. fan.s<S-1>).
 * A request "pub K" publishes K messages of 64 bytes to topic fan.t (each delivered to every
 * subscriber); "send K" sends each of K messages to fan.s0 .. fan.s<S-1> one by one. The
 * answer (the number of calls that failed) comes once all are handed to the runtime, not
 * delivered: the host waits for quiescence.
 */
#include "util.h"

#define MAX_SUBS 1000

static char names[MAX_SUBS][16];
static int32_t lens[MAX_SUBS];
static uint32_t subs;

WACTOR_INIT()
{
    char cfg[16];
    wactor_config_str(cfg, sizeof cfg);
    subs = mb_number(cfg);
    if (subs == 0 || subs > MAX_SUBS)
        return 1;
    for (uint32_t i = 0; i < subs; i++) {
        memcpy(names[i], "fan.s", 5);
        char digits[8];
        size_t at = sizeof digits;
        uint32_t v = i;
        do {
            digits[--at] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        memcpy(names[i] + 5, digits + at, sizeof digits - at);
        lens[i] = (int32_t)(5 + sizeof digits - at);
    }
    return 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    static const char topic[] = "fan.t";
    char text[32];
    mb_read_text(text, sizeof text);
    uint32_t k = mb_number(text), failed = 0;
    if (text[0] == 'p') {
        for (uint32_t i = 0; i < k; i++)
            if (wactor_import_publish(topic, sizeof topic - 1, mb_payload, MB_PAYLOAD) < 0)
                failed++;
    } else {
        for (uint32_t i = 0; i < k; i++)
            for (uint32_t s = 0; s < subs; s++)
                if (wactor_import_send(names[s], lens[s], mb_payload, MB_PAYLOAD) < 0)
                    failed++;
    }
    return corr > 0 ? mb_answer(corr, failed) < 0 : 0;
}
