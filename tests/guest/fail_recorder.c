/*
 * fail_recorder.c: counts the items that fail_chaos passes on, per sender and sequence
 * number, and whether each sender's items arrive in order. A request (from the host) gets
 * the tally: uint8 counts[SENDERS][MAX_SEQ], then int32 out_of_order, int32 bad_items.
 */
#include <wactor.h>

#define SENDERS 4
#define MAX_SEQ 4096

typedef struct item {
    int32_t sender, seq, kind;
} item;

static struct {
    uint8_t counts[SENDERS][MAX_SEQ];
    int32_t out_of_order, bad_items;
} tally;
static int32_t last_seq[SENDERS] = {-1, -1, -1, -1};

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (corr > 0)
        return wactor_respond(corr, WACTOR_STATUS_OK, &tally, sizeof tally) != WACTOR_OK;
    item it;
    if (payload_len != (int32_t)sizeof it || wactor_msg_payload(&it, sizeof it) != sizeof it ||
        it.sender < 0 || it.sender >= SENDERS || it.seq < 0 || it.seq >= MAX_SEQ || it.kind != 0) {
        tally.bad_items++;
        return 0;
    }
    if (it.seq <= last_seq[it.sender])
        tally.out_of_order++;
    last_seq[it.sender] = it.seq;
    if (tally.counts[it.sender][it.seq] < 255)
        tally.counts[it.sender][it.seq]++;
    return 0;
}
