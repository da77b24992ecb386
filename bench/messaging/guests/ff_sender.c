/*
 * ff.sender, driven by requests from the host:
 *   "send N"  sends N messages of 64 bytes to ff.sink in this one handler, then answers with the
 *             number of sends that failed (EFULL if ff.sink's mailbox bound were too small);
 *             as a fire-and-forget message from the host it only adds the failures to a total;
 *   "lost"    answers with that total and resets it;
 *   "ping N"  sends one message to ff.echo, which sends it back; each one coming back is sent
 *             again, N times in all (2N one-way hops), then the host's request is answered.
 */
#include "util.h"

static const char sink[] = "ff.sink", echo[] = "ff.echo";
static int64_t starter;
static uint32_t goal, done, errors, lost;

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
    (void)payload_len;
    char sender[8];
    if (sender_len == sizeof echo - 1 && wactor_msg_sender(sender, sizeof sender) == sender_len &&
        memcmp(sender, echo, sizeof echo - 1) == 0) { /* ff.echo's answer */
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
        lost += failed;
        return corr > 0 ? mb_answer(corr, failed) < 0 : 0;
    }
    if (text[0] == 'l') {
        uint32_t n_lost = lost;
        lost = 0;
        return corr > 0 ? mb_answer(corr, n_lost) < 0 : 0;
    }
    if (corr <= 0 || starter || n == 0)
        return 1;
    starter = corr;
    goal = n;
    done = errors = 0;
    ping();
    return 0;
}
