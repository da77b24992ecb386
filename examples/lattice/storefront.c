/*
 * storefront (the component `front`): answers "quote ITEM" by asking pricing for ITEM's price and
 * passing the answer on (a deferred answer, from the callback). pricing runs on another host of the
 * lattice: front neither knows nor cares; the manifest grants it `request: [pricing]` as it would
 * locally.
 */
#include <wactor.h>

#define SLOTS 32

/* Requests in flight: pricing's correlation id -> the one to answer. */
static struct {
    int64_t mine, requester;
} table[SLOTS];

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    char text[160];
    if (corr <= 0 || payload_len >= (int32_t)sizeof text)
        return 1;
    wactor_msg_payload_str(text, sizeof text);
    if (strncmp(text, "quote ", 6) != 0)
        return wactor_respond_str(corr, WACTOR_STATUS_ERROR, "usage: quote ITEM") < 0;
    for (int i = 0; i < SLOTS; i++) {
        if (table[i].mine != 0)
            continue;
        int64_t mine = wactor_request_str("pricing", text + 6, 5000);
        if (mine < 0)
            return wactor_respond_str(corr, WACTOR_STATUS_ERROR, wactor_strerror(mine)) < 0;
        table[i].mine = mine;
        table[i].requester = corr;
        return 0;
    }
    return wactor_respond_str(corr, WACTOR_STATUS_ERROR, "busy") < 0;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)payload_len;
    for (int i = 0; i < SLOTS; i++) {
        if (table[i].mine != corr)
            continue;
        char answer[256];
        int32_t n = wactor_msg_payload_str(answer, sizeof answer);
        if (status != WACTOR_STATUS_OK && n == 0)
            strcpy(answer, wactor_status_name(status));
        wactor_respond_str(table[i].requester,
                           status == WACTOR_STATUS_OK ? WACTOR_STATUS_OK : WACTOR_STATUS_ERROR,
                           answer);
        table[i].mine = 0;
        return 0;
    }
    return 0;
}
