/*
 * pricing: answers "ITEM" with the price of ITEM in cents, and says which replica priced it
 * (its config: the host it runs on). It runs on the pricing host of examples/lattice; front,
 * on another host, reaches it by name through the lattice exactly as if it were local.
 */
#include <wactor.h>

static char where[64] = "?";

WACTOR_INIT()
{
    if (wactor_config_str(where, sizeof where) <= 0)
        strcpy(where, "?");
    return 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    char item[128];
    if (corr <= 0 || payload_len <= 0 || payload_len >= (int32_t)sizeof item)
        return 1; /* an unanswered request gets ERROR */
    wactor_msg_payload_str(item, sizeof item);
    unsigned cents = 0; /* a made-up but stable price: a hash of the name */
    for (const char *c = item; *c; c++)
        cents = cents * 31 + (unsigned char)*c;
    cents = 100 + cents % 900;
    char answer[256];
    snprintf(answer, sizeof answer, "%s: %u.%02u (priced on %s)", item, cents / 100, cents % 100,
             where);
    return wactor_respond_str(corr, WACTOR_STATUS_OK, answer) < 0;
}
