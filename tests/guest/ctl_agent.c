/*
 * ctl_agent: a component for the control socket's tests (tests/cli/control_test.sh). It logs
 * "ctl_agent: started" at warn level in wactor_init, so the log shows every start; answers a
 * request with "echo:" and the payload; logs "ctl_agent: got PAYLOAD" for a fire-and-forget
 * message; and for "spin" loops until its time limit interrupts it (a busy component whose
 * mailbox then fills).
 */
#include <wactor.h>

WACTOR_INIT()
{
    wactor_log(WACTOR_LOG_WARN, "ctl_agent: started");
    return 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    char buf[512] = "echo:";
    size_t n = payload_len < 500 ? (size_t)payload_len : 500;
    wactor_msg_payload(buf + 5, n);
    buf[5 + n] = '\0';
    if (strcmp(buf + 5, "spin") == 0) {
        for (volatile int i = 0;; i++) {
        }
    }
    if (corr > 0)
        return wactor_respond(corr, WACTOR_STATUS_OK, buf, 5 + n) < 0;
    char line[520] = "ctl_agent: got ";
    strcat(line, buf + 5);
    wactor_log(WACTOR_LOG_INFO, line);
    return 0;
}
