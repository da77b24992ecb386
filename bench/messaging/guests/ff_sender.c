/*
 * ff.sender, driven by requests from the host:
 *   "send N"  sends N messages of 64 bytes to ff.sink in this one handler, then answers with the
 *             number of sends that failed (EFULL if ff.sink's mailbox bound were too small);
 *   "ping N"  sends one message to ff.echo, which sends it back; each one coming back is sent
 *             again, N times in all (2N one-way hops), then the host's request is answered.
 */
#include "util.h"

static const char sink[] = "ff.sink", echo[] = "ff.echo";
static int64_t starter;
static uint32_t goal, done, errors;

static void ping(void)
{
    if (wactor_import_send(echo, sizeof echo - 1, mb_payload, MB_PAYLOAD) < 0) {
        errors++;
        mb_answer(starter, errors);
        starter = 0;
    }
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    if (corr <= 0) { /* ff.echo's answer */
        char buf[MB_PAYLOAD];
        if (wactor_msg_payload(buf, sizeof buf) != MB_PAYLOAD)
            errors++;
        if (!starter)
            return 0;
        if (++done < goal && errors == 0)
            ping();
        else {
            mb_answer(starter, errors);
            starter = 0;
        }
        return 0;
    }
    char text[32];
    mb_read_text(text, sizeof text);
    uint32_t n = mb_number(text);
    if (text[0] == 's') {
        uint32_t failed = 0;
        for (uint32_t i = 0; i < n; i++)
            if (wactor_import_send(sink, sizeof sink - 1, mb_payload, MB_PAYLOAD) < 0)
                failed++;
        return mb_answer(corr, failed) < 0;
    }
    if (starter || n == 0)
        return 1;
    starter = corr;
    goal = n;
    done = errors = 0;
    ping();
    return 0;
}
