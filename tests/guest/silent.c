/*
 * silent: a component for the command-line tests. It never answers a request (its handler
 * returns 0 without responding, so the requester waits for its timeout), logs at info level
 * when it stops gracefully, and fails in wactor_init when its config is "fail".
 */
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
    (void)corr;
    return 0; /* a request stays unanswered */
}

WACTOR_ON_SHUTDOWN()
{
    wactor_log(WACTOR_LOG_INFO, "silent: shutting down");
}
