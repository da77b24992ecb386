/*
 * A component for tests/edge: corners found in review.
 * - wactor_init subscribes to "edge.t" and publishes there itself, so mail
 *   reaches the component while it is still starting;
 * - "count" answers how many publications arrived;
 * - "kvbad" calls kv_get (no storage grant) with a 255-byte key of control
 *   bytes, which the audit line must escape without overflowing, and
 *   answers the code.
 */
#include <wactor.h>

#include <stdio.h>

static int publications;

WACTOR_INIT()
{
    if (wactor_subscribe("edge.t") != WACTOR_OK)
        return 1;
    return wactor_publish_str("edge.t", "early") != WACTOR_OK;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    char topic[64], msg[16];
    if (wactor_msg_topic(topic, sizeof topic) > 0) {
        publications++;
        return 0;
    }
    if (payload_len < 0 || (size_t)payload_len >= sizeof msg || corr <= 0)
        return 1;
    wactor_msg_payload(msg, sizeof msg);
    msg[payload_len] = 0;
    char out[32];
    int n;
    if (strcmp(msg, "count") == 0) {
        n = snprintf(out, sizeof out, "%d", publications);
    } else if (strcmp(msg, "kvbad") == 0) {
        char key[255], buf[8];
        memset(key, 1, sizeof key);
        n = snprintf(out, sizeof out, "%d",
                     (int)wactor_import_kv_get(key, sizeof key, buf, sizeof buf));
    } else {
        return 1;
    }
    return wactor_respond(corr, WACTOR_STATUS_OK, out, (size_t)n) < 0;
}
