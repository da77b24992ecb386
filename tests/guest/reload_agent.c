/*
 * reload_agent: a component for the reload tests (tests/cli/reload_test.sh), built three
 * times: with RELOAD_VERSION 1 (reload_v1.wasm) and 2 (reload_v2.wasm), and with
 * RELOAD_BROKEN (reload_broken.wasm: wactor_init returns 1, so an upgrade to it is rolled
 * back). A request's answer says which build and settings answer:
 *   "version"    "vN config=CONFIG"
 *   "send:NAME"  tries wactor_send to NAME and answers the code's name ("OK", "EDENIED"...)
 *   anything     "vN:" and the payload
 */
#include <wactor.h>

#ifndef RELOAD_VERSION
#define RELOAD_VERSION 0
#endif

static char config[128];

WACTOR_INIT()
{
#ifdef RELOAD_BROKEN
    wactor_log(WACTOR_LOG_WARN, "reload_agent: broken build, refusing to start");
    return 1;
#endif
    wactor_config_str(config, sizeof config);
    return 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    char in[256], out[400];
    size_t n = payload_len < 255 ? (size_t)payload_len : 255;
    wactor_msg_payload(in, n);
    in[n] = '\0';
    if (strcmp(in, "version") == 0) {
        strcpy(out, "v");
        out[1] = (char)('0' + RELOAD_VERSION);
        out[2] = '\0';
        strcat(out, " config=");
        strcat(out, config);
    } else if (strncmp(in, "send:", 5) == 0) {
        int32_t rc = wactor_send_str(in + 5, "hello");
        strcpy(out, rc >= 0 ? "OK" : wactor_strerror(rc));
    } else {
        strcpy(out, "v");
        out[1] = (char)('0' + RELOAD_VERSION);
        out[2] = ':';
        out[3] = '\0';
        strcat(out, in);
    }
    if (corr > 0)
        return wactor_respond(corr, WACTOR_STATUS_OK, out, strlen(out)) < 0;
    return 0;
}
