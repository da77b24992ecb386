/*
 * group_agent: the component of the supervision groups tests (tests/groups/groups_test.c).
 * Its config says its role:
 *
 *   recorder  keeps a log of what the members tell it, one item a line: "init NAME" from each
 *             member's wactor_init, "note NAME TEXT" for each note a member handled; `log`
 *             (a request) answers the whole log. It also monitors: `monitor NAME` answers the
 *             reference, and the `@down` payloads go to the log as "down NAME REASON".
 *   member    (any other config) tells the recorder of its wactor_init; `crash` traps,
 *             `note TEXT` is told to the recorder, `ping` answers "pong".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wactor.h>

static char log_[32768];
static size_t nlog;
static int recorder;

static void add(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (nlog + la + lb + 3 >= sizeof log_)
        return;
    memcpy(log_ + nlog, a, la);
    nlog += la;
    log_[nlog++] = ' ';
    memcpy(log_ + nlog, b, lb);
    nlog += lb;
    log_[nlog++] = '\n';
    log_[nlog] = 0;
}

WACTOR_INIT()
{
    char cfg[64], self[256], msg[300];
    wactor_config_str(cfg, sizeof cfg);
    recorder = strcmp(cfg, "recorder") == 0;
    if (recorder)
        return 0;
    wactor_self_name_str(self, sizeof self);
    snprintf(msg, sizeof msg, "init %s", self);
    return wactor_send_str("recorder", msg) < 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char from[256], p[1024], a[300];
    wactor_msg_sender_str(from, sizeof from);
    if (wactor_msg_payload_str(p, sizeof p) < 0)
        return 1;
    if (recorder) {
        if (strcmp(from, "@down") == 0) {
            add("down", p);
        } else if (strcmp(p, "log") == 0) {
            return wactor_respond_str(corr, WACTOR_STATUS_OK, log_) < 0;
        } else if (sscanf(p, "monitor %255s", a) == 1) {
            snprintf(p, sizeof p, "%lld", (long long)wactor_monitor(a));
            return wactor_respond_str(corr, WACTOR_STATUS_OK, p) < 0;
        } else {
            char *sp = strchr(p, ' ');
            if (!sp)
                return 1;
            *sp = 0;
            add(p, sp + 1);
        }
        return 0;
    }
    if (strcmp(p, "crash") == 0)
        __builtin_trap();
    if (strcmp(p, "ping") == 0)
        return wactor_respond_str(corr, WACTOR_STATUS_OK, "pong") < 0;
    if (strncmp(p, "note ", 5) == 0) {
        char self[256];
        wactor_self_name_str(self, sizeof self);
        snprintf(a, sizeof a, "note %s %.200s", self, p + 5);
        return wactor_send_str("recorder", a) < 0;
    }
    return 1;
}
