/*
 * crash.driver: a request "crash N" from the host queues N pairs in crash.victim's mailbox, all
 * from this one handler: a fire-and-forget message of 64 bytes starting with "crash" (the
 * victim traps on it; its runtime restarts it at once, since the instance had handled a
 * message before) and a request with the 64-byte payload, which the restarted instance answers.
 * "ok N" queues the same pairs with a normal message in place of the crashing one: the
 * reference without crashes. The host's request is answered with the error count once the N
 * answers are back (each must be OK with the payload).
 */
#include "util.h"

static const char victim[] = "crash.victim";
static char crash_payload[MB_PAYLOAD];
static int64_t starter;
static uint32_t goal, done, errors;

static void finish(void)
{
    mb_answer(starter, errors);
    starter = 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char text[32];
    mb_read_text(text, sizeof text);
    if (corr <= 0 || starter)
        return 1;
    memcpy(crash_payload, mb_payload, MB_PAYLOAD);
    memcpy(crash_payload, "crash", 5);
    const char *first = text[0] == 'c' ? crash_payload : mb_payload;
    starter = corr;
    goal = mb_number(text);
    done = errors = 0;
    for (uint32_t i = 0; i < goal; i++) {
        if (wactor_import_send(victim, sizeof victim - 1, first, MB_PAYLOAD) < 0)
            errors++;
        if (wactor_import_request(victim, sizeof victim - 1, mb_payload, MB_PAYLOAD,
                                  WACTOR_TIMEOUT_DEFAULT) < 0) {
            errors++;
            done++; /* no callback will come for this one */
        }
    }
    if (done >= goal)
        finish();
    return 0;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)corr;
    char reply[MB_PAYLOAD];
    if (status != WACTOR_STATUS_OK || payload_len != MB_PAYLOAD ||
        wactor_msg_payload(reply, sizeof reply) != MB_PAYLOAD || reply[5] != mb_payload[5])
        errors++;
    if (starter && ++done >= goal)
        finish();
    return 0;
}
