/*
 * rr.client: a request "N" from the host starts N sequential requests of 64 bytes to rr.server,
 * each made from the callback of the previous one; the host's request is answered (with the
 * error count) once the last answer is back. Its config, if any, names another server (the
 * `checks` benchmark runs several client/server pairs in one runtime).
 */
#include "util.h"

static char server[WACTOR_NAME_MAX + 1] = "rr.server";
static int32_t server_len = 9;
static int64_t starter;
static uint32_t goal, done, errors;
static char reply[MB_PAYLOAD];

static void finish(void)
{
    mb_answer(starter, errors);
    starter = 0;
}

WACTOR_INIT()
{
    char cfg[WACTOR_NAME_MAX + 1];
    int32_t n = wactor_config_str(cfg, sizeof cfg);
    if (n > 0 && n <= WACTOR_NAME_MAX) {
        memcpy(server, cfg, (size_t)n + 1);
        server_len = n;
    }
    return 0;
}

static void next(void)
{
    int64_t c =
        wactor_import_request(server, server_len, mb_payload, MB_PAYLOAD, WACTOR_TIMEOUT_DEFAULT);
    if (c < 0) {
        errors++;
        finish();
    }
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char text[32];
    mb_read_text(text, sizeof text);
    if (corr <= 0 || starter)
        return 1;
    starter = corr;
    goal = mb_number(text);
    done = errors = 0;
    if (goal == 0)
        finish();
    else
        next();
    return 0;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)corr;
    if (status != WACTOR_STATUS_OK || payload_len != MB_PAYLOAD ||
        wactor_msg_payload(reply, sizeof reply) != MB_PAYLOAD || reply[5] != mb_payload[5])
        errors++;
    if (++done < goal && errors == 0)
        next();
    else
        finish();
    return 0;
}
