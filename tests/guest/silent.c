/*
 * silent: a component for the command-line tests. It never answers a request (its handler
 * returns 0 without responding, so the requester waits for its timeout), logs at info level
 * when it stops gracefully, and fails in wactor_init when its config is "fail". Two payloads
 * do more: "print" writes a line to stdout and one to stderr, then answers "printed"; "spin"
 * loops until its time limit or the runtime interrupts it.
 */
#include <stdio.h>
#include <wactor.h>

WACTOR_INIT()
{
    char cfg[8];
    wactor_config_str(cfg, sizeof cfg);
    if (strcmp(cfg, "fail") == 0) {
        wactor_log(WACTOR_LOG_ERROR, "silent: told to fail");
        return 1;
    }
    return 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char what[8] = {0};
    wactor_msg_payload(what, sizeof what - 1);
    if (strcmp(what, "print") == 0) {
        printf("to stdout\n");
        fflush(stdout);
        fprintf(stderr, "to stderr\n");
        return wactor_respond_str(corr, WACTOR_STATUS_OK, "printed") < 0;
    }
    if (strcmp(what, "spin") == 0) {
        for (volatile int i = 0;; i++) {
        }
    }
    return 0; /* a request stays unanswered */
}

WACTOR_ON_SHUTDOWN()
{
    wactor_log(WACTOR_LOG_INFO, "silent: shutting down");
}
