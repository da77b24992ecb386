/*
 * ping: given a count N (decimal payload, empty = 5), requests "ping 1" .. "ping N" from pong,
 * one at a time, logs each answer, and then answers its own request with "ping: N pongs".
 *
 * The answer to the starter is deferred: it is sent from wactor_on_callback once the last pong
 * came back, long after the handler that received the request returned. A message that arrives
 * while a rally is running is refused with ERROR.
 */
#include <wactor.h>

#include <stdbool.h>

#define DEFAULT_COUNT 5
#define MAX_COUNT 100000

static struct {
    bool running;
    int64_t starter; /* correlation id of the request that started the rally; 0: none */
    uint32_t count, answered;
    int64_t pending; /* correlation id of the ping in flight */
} rally;

/* Appends s to buf at *at, keeping a NUL; cap is sized by callers so nothing is cut. */
static void append(char *buf, size_t cap, size_t *at, const char *s)
{
    while (*s && *at + 1 < cap)
        buf[(*at)++] = *s++;
    buf[*at] = '\0';
}

static void append_u32(char *buf, size_t cap, size_t *at, uint32_t v)
{
    char digits[11];
    size_t n = sizeof digits;
    digits[--n] = '\0';
    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    append(buf, cap, at, digits + n);
}

/* Ends the rally with a summary for the starter, or in the log if nobody waits for one. */
static void finish(int32_t status, const char *text)
{
    rally.running = false;
    if (rally.starter > 0)
        wactor_respond_str(rally.starter, status, text);
    else
        wactor_log(status == WACTOR_STATUS_OK ? WACTOR_LOG_INFO : WACTOR_LOG_ERROR, text);
}

/* Sends "ping I" for the next I; false (rally finished) if the request could not be made. */
static bool send_next(void)
{
    char text[24];
    size_t at = 0;
    append(text, sizeof text, &at, "ping ");
    append_u32(text, sizeof text, &at, rally.answered + 1);
    int64_t corr = wactor_request("pong", text, at, WACTOR_TIMEOUT_DEFAULT);
    if (corr < 0) {
        char why[64];
        at = 0;
        append(why, sizeof why, &at, "ping: request to pong failed: ");
        append(why, sizeof why, &at, wactor_strerror(corr));
        finish(WACTOR_STATUS_ERROR, why);
        return false;
    }
    rally.pending = corr;
    return true;
}

/* The count in the payload: DEFAULT_COUNT if empty, 0 if not a number in 1..MAX_COUNT. */
static uint32_t parse_count(int32_t payload_len)
{
    char text[8];
    if (payload_len == 0)
        return DEFAULT_COUNT;
    if ((size_t)payload_len > sizeof text || wactor_msg_payload(text, sizeof text) != payload_len)
        return 0;
    uint32_t n = 0;
    for (int32_t i = 0; i < payload_len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        n = n * 10 + (uint32_t)(text[i] - '0');
    }
    return n <= MAX_COUNT ? n : 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    const char *refusal = NULL;
    uint32_t count = parse_count(payload_len);
    if (rally.running)
        refusal = "ping: busy with another rally";
    else if (count == 0)
        refusal = "ping: the payload must be a count from 1 to 100000";
    if (refusal) {
        if (corr > 0)
            return wactor_respond_str(corr, WACTOR_STATUS_ERROR, refusal) < 0;
        wactor_log(WACTOR_LOG_WARN, refusal);
        return 0;
    }

    rally.running = true;
    rally.starter = corr;
    rally.count = count;
    rally.answered = 0;
    send_next();
    return 0;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)payload_len;
    if (!rally.running || corr != rally.pending)
        return 0; /* not ours to wait for any more */

    char text[64];
    size_t at = 0;
    if (status != WACTOR_STATUS_OK) {
        append(text, sizeof text, &at, "ping: pong answered ");
        append(text, sizeof text, &at, wactor_status_name(status));
        finish(WACTOR_STATUS_ERROR, text);
        return 0;
    }
    wactor_msg_payload_str(text, sizeof text);
    wactor_log(WACTOR_LOG_INFO, text);

    if (++rally.answered < rally.count) {
        send_next();
        return 0;
    }
    at = 0;
    append(text, sizeof text, &at, "ping: ");
    append_u32(text, sizeof text, &at, rally.count);
    append(text, sizeof text, &at, rally.count == 1 ? " pong" : " pongs");
    finish(WACTOR_STATUS_OK, text);
    return 0;
}
