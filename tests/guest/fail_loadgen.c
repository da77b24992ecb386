/*
 * fail_loadgen.c: one of the senders of failure.chaos. Its config is its index (one digit).
 * The message "go N" makes it send, for seq = 0..N-1, the item {index, seq, 0} as a message
 * and the item {index, seq, 1} as a request to "chaos", in one handler. It counts the
 * callbacks of each request. A request "report" gets: int32 n, int32 send_errors,
 * int32 request_errors, int32 unknown_callbacks, int32 bad_payloads, then uint8 per seq:
 * (number of callbacks << 4) | last status.
 */
#include <wactor.h>

#define MAX_SEQ 4096

typedef struct item {
    int32_t sender, seq, kind;
} item;

static int32_t index_, n;
static int64_t ids[MAX_SEQ]; /* increasing: ids are handed out in call order */
static struct {
    int32_t n, send_errors, request_errors, unknown_callbacks, bad_payloads;
    uint8_t outcome[MAX_SEQ];
} report;

static int32_t seq_of(int64_t corr)
{
    int32_t lo = 0, hi = n - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (ids[mid] == corr)
            return mid;
        if (ids[mid] < corr)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static void go(int32_t count)
{
    n = count > MAX_SEQ ? MAX_SEQ : count;
    report.n = n;
    for (int32_t seq = 0; seq < n; seq++) {
        item m = {index_, seq, 0}, r = {index_, seq, 1};
        if (wactor_send("chaos", &m, sizeof m) != WACTOR_OK)
            report.send_errors++;
        ids[seq] = wactor_request("chaos", &r, sizeof r, WACTOR_TIMEOUT_DEFAULT);
        if (ids[seq] <= 0)
            report.request_errors++;
    }
}

WACTOR_INIT()
{
    char cfg[4];
    wactor_config_str(cfg, sizeof cfg);
    index_ = cfg[0] - '0';
    return 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char cmd[32];
    wactor_msg_payload_str(cmd, sizeof cmd);
    if (corr > 0)
        return wactor_respond(corr, WACTOR_STATUS_OK, &report, sizeof report) != WACTOR_OK;
    if (strncmp(cmd, "go ", 3) == 0) {
        int32_t count = 0;
        for (const char *p = cmd + 3; *p >= '0' && *p <= '9'; p++)
            count = count * 10 + (*p - '0');
        go(count);
        return 0;
    }
    return 1;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    int32_t seq = seq_of(corr);
    if (seq < 0) {
        report.unknown_callbacks++;
        return 0;
    }
    uint8_t count = (uint8_t)(report.outcome[seq] >> 4);
    if (count < 15)
        count++;
    report.outcome[seq] = (uint8_t)(count << 4 | (status & 15));
    if (status == WACTOR_STATUS_OK) {
        item it;
        if (payload_len != (int32_t)sizeof it || wactor_msg_payload(&it, sizeof it) != sizeof it ||
            it.sender != index_ || it.seq != seq || it.kind != 1)
            report.bad_payloads++;
    }
    return 0;
}
