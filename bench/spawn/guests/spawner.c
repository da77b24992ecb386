/* spawner: on a request "N FIRST", spawns children "kI" (I from FIRST to FIRST+N-1) from the
 * template "idle" and answers the number spawned. */
#include <stdio.h>
#include <wactor.h>

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char p[64], suffix[32];
    int n = 0, first = 0, ok = 0;
    if (wactor_msg_payload_str(p, sizeof p) < 0 || sscanf(p, "%d %d", &n, &first) != 2)
        return 1;
    for (int i = 0; i < n; i++) {
        snprintf(suffix, sizeof suffix, "k%d", first + i);
        ok += wactor_spawn("idle", suffix, "", 0) == WACTOR_OK;
    }
    char out[32];
    snprintf(out, sizeof out, "%d", ok);
    return wactor_respond_str(corr, WACTOR_STATUS_OK, out) < 0;
}
