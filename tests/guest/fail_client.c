/*
 * fail_client.c: a component that makes requests and sends in bulk, for tests/failure.
 * Commands (the payload; arguments after spaces):
 *
 *   pending N TARGET    N requests with payload "silent" to TARGET in this one handler;
 *                       answers int32[4]: ids > 0, EFULL, other codes, the first id
 *   again               cancels the first request of "pending" (then once more), and
 *                       requests TARGET twice; answers int32[4]: the two cancel codes,
 *                       then the two request results (1 for an id > 0, else the code)
 *   mailbox N TARGET    N messages "x" to TARGET; answers int32[3]: OK, EFULL, other codes
 *   script TARGET P...  one request per payload P to TARGET, in order; answers int32 count
 *   ask TARGET          one request "hold" to TARGET; answers int32 1 if it got an id
 *   hold                keeps this request (from a component) unanswered
 *   fill N TARGET       N messages "x" to TARGET, then one request "x" to TARGET, then
 *                       answers the held request "late"; answers int32[5]: OK, EFULL,
 *                       other codes, the request's result (1 for an id), respond's code
 *   trap                traps
 *   report              answers the tally below
 *
 * Messages "x" are counted. Callbacks are recorded for the first MAX_REC requests.
 */
#include <wactor.h>

#define MAX_REC 64

typedef struct record {
    int32_t id, status, callbacks;
    char payload[32];
} record;

static struct {
    int32_t x_messages, nrec, unknown_callbacks;
    record rec[MAX_REC];
} tally;
static int64_t first_id, held;
static char target[64];

static int32_t answer(int64_t corr, const void *p, size_t n)
{
    return corr > 0 ? wactor_respond(corr, WACTOR_STATUS_OK, p, n) < 0 : 0;
}

/* Parses a decimal number at *s and the space after it. */
static int32_t number(char **s)
{
    int32_t v = 0;
    while (**s >= '0' && **s <= '9')
        v = v * 10 + (*(*s)++ - '0');
    if (**s == ' ')
        (*s)++;
    return v;
}

static void set_target(const char *s)
{
    size_t n = strlen(s);
    if (n >= sizeof target)
        n = sizeof target - 1;
    memcpy(target, s, n);
    target[n] = 0;
}

static int64_t request(const char *payload)
{
    int64_t id = wactor_request_str(target, payload, WACTOR_TIMEOUT_DEFAULT);
    if (id > 0 && tally.nrec < MAX_REC)
        tally.rec[tally.nrec++].id = (int32_t)id;
    return id;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char cmd[512];
    wactor_msg_payload_str(cmd, sizeof cmd);
    char *arg = strchr(cmd, ' ');
    if (arg)
        *arg++ = 0;
    else
        arg = cmd + strlen(cmd);
    if (strcmp(cmd, "x") == 0) {
        tally.x_messages++;
        return 0;
    }
    if (strcmp(cmd, "pending") == 0) {
        int32_t n = number(&arg), out[4] = {0, 0, 0, 0};
        set_target(arg);
        for (int32_t i = 0; i < n; i++) {
            int64_t id = request("silent");
            if (id > 0 && !first_id)
                first_id = id;
            out[id > 0 ? 0 : id == WACTOR_EFULL ? 1 : 2]++;
        }
        out[3] = (int32_t)first_id;
        return answer(corr, out, sizeof out);
    }
    if (strcmp(cmd, "again") == 0) {
        int32_t out[4];
        out[0] = wactor_cancel(first_id);
        out[1] = wactor_cancel(first_id);
        for (int i = 2; i < 4; i++) {
            int64_t id = request("silent");
            out[i] = id > 0 ? 1 : (int32_t)id;
        }
        return answer(corr, out, sizeof out);
    }
    if (strcmp(cmd, "mailbox") == 0 || strcmp(cmd, "fill") == 0) {
        int32_t n = number(&arg), out[5] = {0, 0, 0, 0, 0};
        for (int32_t i = 0; i < n; i++) {
            int32_t rc = wactor_send(arg, "x", 1);
            out[rc == WACTOR_OK ? 0 : rc == WACTOR_EFULL ? 1 : 2]++;
        }
        if (cmd[0] == 'm')
            return answer(corr, out, 3 * sizeof(int32_t));
        int64_t id = wactor_request_str(arg, "x", WACTOR_TIMEOUT_DEFAULT);
        out[3] = id > 0 ? 1 : (int32_t)id;
        out[4] = wactor_respond_str(held, WACTOR_STATUS_OK, "late");
        return answer(corr, out, sizeof out);
    }
    if (strcmp(cmd, "script") == 0) {
        char *save = NULL, *tok = strtok_r(arg, " ", &save);
        set_target(tok ? tok : "");
        int32_t count = 0;
        while ((tok = strtok_r(NULL, " ", &save)) != NULL)
            count += request(tok) > 0;
        return answer(corr, &count, sizeof count);
    }
    if (strcmp(cmd, "ask") == 0) {
        set_target(arg);
        int32_t ok = request("hold") > 0;
        return answer(corr, &ok, sizeof ok);
    }
    if (strcmp(cmd, "hold") == 0) {
        held = corr;
        return 0;
    }
    if (strcmp(cmd, "trap") == 0)
        __builtin_trap();
    if (strcmp(cmd, "report") == 0)
        return answer(corr, &tally, sizeof tally);
    return 1;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)payload_len;
    for (int32_t i = 0; i < tally.nrec; i++) {
        record *r = &tally.rec[i];
        if (r->id == (int32_t)corr) {
            r->status = status;
            r->callbacks++;
            wactor_msg_payload_str(r->payload, sizeof r->payload);
            return 0;
        }
    }
    tally.unknown_callbacks++;
    return 0;
}
