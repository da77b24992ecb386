/*
 * A component for tests/storage: answers each request with the outcome of
 * one storage command, so the test drives kv_* through real imports.
 *
 *   "set KEY VALUE" -> "rc"            (kv_set's result code)
 *   "get KEY"       -> "rc:VALUE"      (kv_get's result; the value if found)
 *   "del KEY"       -> "rc"
 */
#include <wactor.h>

#include <stdio.h>

static char msg[4096];

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (payload_len < 0 || (size_t)payload_len >= sizeof msg || corr <= 0)
        return 1;
    wactor_msg_payload(msg, sizeof msg);
    msg[payload_len] = 0;
    char *key = msg + 4, *value = NULL;
    char out[4200];
    int n;
    for (char *p = key; *p; p++)
        if (*p == ' ') {
            *p = 0;
            value = p + 1;
            break;
        }
    if (memcmp(msg, "set ", 4) == 0 && value) {
        n = snprintf(out, sizeof out, "%d", (int)wactor_kv_set(key, value, strlen(value)));
    } else if (memcmp(msg, "get ", 4) == 0) {
        char val[2048];
        int32_t rc = wactor_kv_get(key, val, sizeof val);
        n = snprintf(out, sizeof out, "%d:%.*s", (int)rc, rc > 0 ? (int)rc : 0, val);
    } else if (memcmp(msg, "del ", 4) == 0) {
        n = snprintf(out, sizeof out, "%d", (int)wactor_kv_delete(key));
    } else {
        return 1;
    }
    return wactor_respond(corr, WACTOR_STATUS_OK, out, (size_t)n) < 0;
}
