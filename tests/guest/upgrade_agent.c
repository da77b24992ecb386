/*
 * upgrade_agent.c: a component to upgrade (tests/upgrade). Its config says what it is:
 *   "backend"        answers every request with its payload
 *   "vN[ WORDS]"     version N, which every answer carries; WORDS: fail-init (wactor_init
 *                    returns 1), refuse (wactor_on_upgrade returns 1), grow (wactor_init grows
 *                    the memory by one page)
 * A version hands its counters to the next (wactor_on_upgrade / state_save, state_load in
 * wactor_init). Requests from the host:
 *   'R' + u32 seq    relayed as a request to "backend" (payload: i64 host correlation, u32
 *                    seq); the callback answers the host with {i32 version, u32 seq}
 *   'D' + u32 seq    answered at once with {i32 version, u32 seq}
 *   "count"          answers {i32 version, i32 handled, i32 respond_errors, i32 init_load}
 *   "probe"          answers {i32 state_save now, i32 state_load now}
 *   "kv"             stores 10 bytes of value under a 6-byte key; answers {i32 code}
 */
#include <string.h>
#include <wactor.h>

static char config[64];
static int32_t version;
static struct {
    int32_t handled, respond_errors;
} state;
static int32_t init_load; /* what state_load said in wactor_init */

static int has(const char *word)
{
    return strstr(config, word) != NULL;
}

WACTOR_INIT()
{
    wactor_config_str(config, sizeof config);
    if (config[0] == 'v')
        for (const char *p = config + 1; *p >= '0' && *p <= '9'; p++)
            version = version * 10 + (*p - '0');
    init_load = wactor_state_load(&state, sizeof state);
    wactor_logf(WACTOR_LOG_INFO, "v%d starting", (int)version);
    if (has("grow"))
        __builtin_wasm_memory_grow(0, 1);
    if (has("sub-a"))
        wactor_subscribe("up.a");
    if (has("sub-b"))
        wactor_subscribe("up.b");
    return has("fail-init") ? 1 : 0;
}

WACTOR_ON_UPGRADE()
{
    if (has("refuse"))
        return 1;
    return wactor_state_save(&state, sizeof state) != WACTOR_OK;
}

static void answer(int64_t corr, uint32_t seq)
{
    int32_t out[2] = {version, (int32_t)seq};
    if (wactor_respond(corr, WACTOR_STATUS_OK, out, sizeof out) != WACTOR_OK)
        state.respond_errors++;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    uint8_t buf[64];
    int32_t n = wactor_msg_payload(buf, sizeof buf);
    state.handled++;
    if (has("backend"))
        return wactor_respond(corr, WACTOR_STATUS_OK, buf, (size_t)n) != WACTOR_OK;
    if (corr <= 0 || n != payload_len || n > (int32_t)sizeof buf)
        return 1;
    uint32_t seq = 0;
    if (n == 5)
        memcpy(&seq, buf + 1, 4);
    if (n == 5 && buf[0] == 'R') {
        uint8_t fwd[12];
        memcpy(fwd, &corr, 8);
        memcpy(fwd + 8, &seq, 4);
        return wactor_request("backend", fwd, sizeof fwd, WACTOR_TIMEOUT_DEFAULT) <= 0;
    }
    if (n == 5 && buf[0] == 'D') {
        answer(corr, seq);
        return 0;
    }
    if (n == 5 && memcmp(buf, "count", 5) == 0) {
        int32_t out[4] = {version, state.handled, state.respond_errors, init_load};
        return wactor_respond(corr, WACTOR_STATUS_OK, out, sizeof out) != WACTOR_OK;
    }
    if (n == 5 && memcmp(buf, "probe", 5) == 0) {
        int32_t out[2] = {wactor_state_save(buf, 1), wactor_state_load(buf, sizeof buf)};
        return wactor_respond(corr, WACTOR_STATUS_OK, out, sizeof out) != WACTOR_OK;
    }
    if (n == 2 && memcmp(buf, "kv", 2) == 0) {
        int32_t out[1] = {wactor_kv_set("key-01", "0123456789", 10)};
        return wactor_respond(corr, WACTOR_STATUS_OK, out, sizeof out) != WACTOR_OK;
    }
    return 1;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)corr;
    uint8_t buf[12];
    if (payload_len != (int32_t)sizeof buf || wactor_msg_payload(buf, sizeof buf) != sizeof buf) {
        state.respond_errors++;
        return 0;
    }
    int64_t host_corr;
    uint32_t seq;
    memcpy(&host_corr, buf, 8);
    memcpy(&seq, buf + 8, 4);
    if (status != WACTOR_STATUS_OK) {
        state.respond_errors++;
        wactor_respond(host_corr, WACTOR_STATUS_ERROR, NULL, 0);
        return 0;
    }
    answer(host_corr, seq);
    return 0;
}
