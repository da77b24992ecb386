/*
 * A component for tests/edge that messages itself from wactor_init (ABI v2: "A component may
 * send to itself from wactor_init"): a send "hello", then a request "ask", whose answer comes
 * back as a callback. It records what arrives, and whether wactor_init had returned by then.
 *
 * Config words: "log" logs "starting" before the messages (the test reacts to that line on the
 * spawning thread, during start-up); "fail" makes wactor_init return 1 after them.
 *
 * Requests: "ask" is answered "answer"; "report" is answered with the record:
 *
 *   send RC request OK|RC        what wactor_init's calls returned
 *   msg SENDER PAYLOAD early|late     a message (early: wactor_init had not returned)
 *   cb STATUS SENDER PAYLOAD early|late
 */
#include <wactor.h>

#include <stdbool.h>
#include <stdio.h>

static char record[1024];
static size_t used;
static bool started; /* wactor_init has returned */

__attribute__((format(printf, 1, 2))) static void put(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(record + used, sizeof record - used, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof record - used)
        used += (size_t)n;
}

WACTOR_INIT()
{
    char self[WACTOR_NAME_MAX + 1], cfg[64];
    wactor_self_name_str(self, sizeof self);
    wactor_config_str(cfg, sizeof cfg);
    if (strstr(cfg, "log"))
        wactor_log(WACTOR_LOG_INFO, "starting");
    int32_t sent = wactor_send_str(self, "hello");
    int64_t id = wactor_request_str(self, "ask", WACTOR_TIMEOUT_DEFAULT);
    put("send %d request %s\n", (int)sent, id > 0 ? "OK" : wactor_strerror((int32_t)id));
    if (strstr(cfg, "fail"))
        return 1;
    started = true;
    return sent != WACTOR_OK || id <= 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char sender[WACTOR_NAME_MAX + 1], msg[32];
    wactor_msg_sender_str(sender, sizeof sender);
    wactor_msg_payload_str(msg, sizeof msg);
    if (strcmp(msg, "report") == 0)
        return wactor_respond(corr, WACTOR_STATUS_OK, record, used) < 0;
    put("msg %s %s %s\n", sender, msg, started ? "late" : "early");
    if (strcmp(msg, "ask") == 0)
        return wactor_respond_str(corr, WACTOR_STATUS_OK, "answer") < 0;
    return 0;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)corr;
    (void)payload_len;
    char sender[WACTOR_NAME_MAX + 1], msg[32];
    wactor_msg_sender_str(sender, sizeof sender);
    wactor_msg_payload_str(msg, sizeof msg);
    put("cb %d %s %s %s\n", (int)status, sender, msg, started ? "late" : "early");
    return 0;
}
