/*
 * timer_agent.c: a component for the timer and health tests (tests/timers). Requests from the
 * host are text commands, answered with text:
 *   "after DELAY PERIOD TARGET TEXT"  send_after(TARGET, TEXT, DELAY, PERIOD): the result
 *   "cancel ID"                       timer_cancel(ID): the result
 *   "big N TARGET"                    send_after(TARGET) of N bytes, at once: the result
 *   "many N DELAY PERIOD"             N timers to itself, payload "m": "OK FIRSTFAIL" (how
 *                                     many succeeded, the first failure's code or 0)
 *   "selfcancel K PERIOD"             a periodic timer to itself, payload "sc", that its own
 *                                     K-th tick cancels: the id
 *   "ticks"                           "COUNT CANCELRESULT LOG": messages received from
 *                                     components (itself included), the result of the
 *                                     self-cancel, their payloads joined by ','
 *   "health N"                        what wactor_health answers from now on
 *   "hcalls"                          how many times wactor_health ran
 *   "crash"                           traps
 *   "bad"                             send_after with a range outside memory: the result
 * Config "init" sets a one-shot timer to itself ("init") from wactor_init.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wactor.h>

static char name[256];
static int32_t ticks, cancel_result = 1, health_answer, health_calls;
static char tick_log[4096];
static size_t log_len;
static int64_t self_cancel_id;
static int32_t self_cancel_at;
static char big[4096];

WACTOR_INIT()
{
    char config[64] = {0};
    wactor_config_str(config, sizeof config);
    wactor_self_name_str(name, sizeof name);
    if (strstr(config, "init"))
        return wactor_send_after(name, "init", 4, 0, 0) <= 0;
    return 0;
}

WACTOR_HEALTH()
{
    health_calls++;
    return health_answer;
}

static int answer(int64_t corr, const char *fmt, long long a, long long b)
{
    char out[64];
    int n = snprintf(out, sizeof out, fmt, a, b);
    return wactor_respond(corr, WACTOR_STATUS_OK, out, (size_t)n) != WACTOR_OK;
}

static void record_tick(const char *p, int32_t n)
{
    ticks++;
    if (log_len + (size_t)n + 1 < sizeof tick_log) {
        if (log_len)
            tick_log[log_len++] = ',';
        memcpy(tick_log + log_len, p, (size_t)n);
        log_len += (size_t)n;
    }
    if (n == 2 && memcmp(p, "sc", 2) == 0 && ticks == self_cancel_at)
        cancel_result = wactor_timer_cancel(self_cancel_id);
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    char sender[256], buf[1024];
    int32_t sl = wactor_msg_sender(sender, sizeof sender - 1);
    int32_t n = wactor_msg_payload(buf, sizeof buf - 1);
    if (sl != sender_len || n != payload_len || n < 0 || n >= (int32_t)sizeof buf)
        return 1;
    buf[n] = 0;
    if (sender[0] != '@') { /* from a component: a timer's send */
        record_tick(buf, n);
        return 0;
    }
    if (corr <= 0)
        return 1;
    long long a = 0, b = 0, c = 0;
    char target[256], text[256];
    if (sscanf(buf, "after %lld %lld %255s %255s", &a, &b, target, text) == 4)
        return answer(corr, "%lld",
                      wactor_send_after(target, text, strlen(text), (int32_t)a, (int32_t)b), 0);
    if (sscanf(buf, "big %lld %255s", &a, target) == 2 && a >= 0 && a <= (long long)sizeof big)
        return answer(corr, "%lld", wactor_send_after(target, big, (size_t)a, 0, 0), 0);
    if (sscanf(buf, "cancel %lld", &a) == 1)
        return answer(corr, "%lld", wactor_timer_cancel(a), 0);
    if (sscanf(buf, "many %lld %lld %lld", &a, &b, &c) == 3) {
        long long ok = 0, fail = 0;
        for (long long i = 0; i < a; i++) {
            int64_t id = wactor_send_after(name, "m", 1, (int32_t)b, (int32_t)c);
            if (id > 0)
                ok++;
            else if (!fail)
                fail = id;
        }
        return answer(corr, "%lld %lld", ok, fail);
    }
    if (sscanf(buf, "selfcancel %lld %lld", &a, &b) == 2) {
        self_cancel_at = ticks + (int32_t)a;
        self_cancel_id = wactor_send_after(name, "sc", 2, (int32_t)b, (int32_t)b);
        return answer(corr, "%lld", self_cancel_id, 0);
    }
    if (strcmp(buf, "ticks") == 0) {
        char out[4200];
        int len = snprintf(out, sizeof out, "%d %d %.*s", (int)ticks, (int)cancel_result,
                           (int)log_len, tick_log);
        return wactor_respond(corr, WACTOR_STATUS_OK, out, (size_t)len) != WACTOR_OK;
    }
    if (sscanf(buf, "health %lld", &a) == 1) {
        health_answer = (int32_t)a;
        return answer(corr, "%lld", 0, 0);
    }
    if (strcmp(buf, "hcalls") == 0)
        return answer(corr, "%lld", health_calls, 0);
    if (strcmp(buf, "crash") == 0)
        __builtin_trap();
    if (strcmp(buf, "bad") == 0)
        return answer(
            corr, "%lld",
            wactor_import_send_after(name, (int32_t)strlen(name), (void *)0x7ffffff0, 4096, 0, 0),
            0);
    return 1;
}
