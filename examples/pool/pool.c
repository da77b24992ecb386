/*
 * pool: a pool of workers started from a template. Its config is the number of workers (1 to
 * 64; empty: 4). At start it spawns them (pool.w0g0, pool.w1g0, ...) and monitors each; every
 * request it receives goes to the next live worker in turn, and the worker's answer goes back
 * to the requester: OK as it is, anything else as ERROR with the reason ("crashed: ..." when
 * the worker trapped on it or stopped with it queued). So every request is answered exactly
 * once.
 *
 * A worker that stops (its `@down` message "NAME REASON") is replaced at once by a new one in
 * the same slot with the next generation number (pool.w1g1), monitored in turn. Until then its
 * slot is skipped; a request that finds no live worker is answered ERROR.
 *
 * Requests in flight are a hash table from the worker request's correlation id to the
 * requester's, open addressing with backward-shift deletion; it holds as many as the
 * component's `pending` limit allows (the table is sized well above it).
 */
#include <wactor.h>

#include <stdio.h>
#include <stdlib.h>

#define MAX_WORKERS 64
#define TABLE (1u << 16) /* above limits.pending (at most 20000 in the manifest) */

struct worker {
    char name[64];
    unsigned generation;
    int live;
};

static struct worker workers[MAX_WORKERS];
static unsigned nworkers, next_worker;

struct flight {
    int64_t to_worker; /* 0: empty */
    int64_t requester;
};
static struct flight table[TABLE];

static unsigned slot_of(int64_t corr)
{
    uint64_t h = (uint64_t)corr * UINT64_C(0x9E3779B97F4A7C15);
    return (unsigned)(h >> 48) & (TABLE - 1);
}

static void remember(int64_t to_worker, int64_t requester)
{
    unsigned i = slot_of(to_worker);
    while (table[i].to_worker != 0)
        i = (i + 1) & (TABLE - 1);
    table[i] = (struct flight){to_worker, requester};
}

/* Takes the flight out; 0 if unknown. */
static int64_t forget(int64_t to_worker)
{
    unsigned i = slot_of(to_worker);
    while (table[i].to_worker != to_worker) {
        if (table[i].to_worker == 0)
            return 0;
        i = (i + 1) & (TABLE - 1);
    }
    int64_t requester = table[i].requester;
    /* Backward shift: later entries of the run move up so that no lookup stops early. */
    unsigned hole = i;
    for (unsigned j = (i + 1) & (TABLE - 1); table[j].to_worker != 0; j = (j + 1) & (TABLE - 1)) {
        unsigned home = slot_of(table[j].to_worker);
        /* j's entry may fill the hole if its home is not cyclically in (hole, j]. */
        if (((j - home) & (TABLE - 1)) >= ((j - hole) & (TABLE - 1))) {
            table[hole] = table[j];
            hole = j;
        }
    }
    table[hole].to_worker = 0;
    return requester;
}

/* Starts slot i's worker (its next generation) and monitors it. */
static void start_worker(unsigned i)
{
    struct worker *w = &workers[i];
    char suffix[32], name[64];
    snprintf(suffix, sizeof suffix, "w%ug%u", i, w->generation++);
    snprintf(name, sizeof name, "pool.%s", suffix);
    int32_t rc = wactor_spawn("worker", suffix, "", 0);
    if (rc < 0) {
        char why[128];
        snprintf(why, sizeof why, "pool: cannot start %s: %s", name, wactor_strerror(rc));
        wactor_log(WACTOR_LOG_ERROR, why);
        w->live = 0;
        return;
    }
    memcpy(w->name, name, sizeof name);
    w->live = wactor_monitor(name) > 0;
}

WACTOR_INIT()
{
    char cfg[16];
    int n = wactor_config_str(cfg, sizeof cfg) > 0 ? atoi(cfg) : 4;
    if (n < 1 || n > MAX_WORKERS)
        return 1;
    nworkers = (unsigned)n;
    for (unsigned i = 0; i < nworkers; i++)
        start_worker(i);
    return 0;
}

/* `@down` "NAME REASON": the slot whose worker that is gets a new one. */
static void worker_down(const char *text)
{
    for (unsigned i = 0; i < nworkers; i++) {
        size_t l = strlen(workers[i].name);
        if (workers[i].live && strncmp(text, workers[i].name, l) == 0 && text[l] == ' ') {
            workers[i].live = 0;
            start_worker(i);
            return;
        }
    }
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    char from[16];
    wactor_msg_sender_str(from, sizeof from);
    if (strcmp(from, "@down") == 0) {
        char text[512];
        wactor_msg_payload_str(text, sizeof text);
        worker_down(text);
        return 0;
    }
    if (corr <= 0)
        return 0; /* only requests are served */
    char payload[512];
    if (payload_len > (int32_t)sizeof payload)
        return wactor_respond_str(corr, WACTOR_STATUS_ERROR, "pool: payload too large") < 0;
    wactor_msg_payload(payload, sizeof payload);
    for (unsigned tries = 0; tries < nworkers; tries++) {
        struct worker *w = &workers[next_worker];
        next_worker = (next_worker + 1) % nworkers;
        if (!w->live)
            continue;
        int64_t req = wactor_request(w->name, payload, (size_t)payload_len, WACTOR_TIMEOUT_DEFAULT);
        if (req > 0) {
            remember(req, corr);
            return 0;
        }
        if (req != WACTOR_ENOTFOUND && req != WACTOR_EFULL) {
            char why[96];
            snprintf(why, sizeof why, "pool: %s", wactor_strerror((int32_t)req));
            return wactor_respond_str(corr, WACTOR_STATUS_ERROR, why) < 0;
        }
        /* gone (its @down is on its way) or busy: the next one */
    }
    return wactor_respond_str(corr, WACTOR_STATUS_ERROR, "pool: no worker available") < 0;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    int64_t requester = forget(corr);
    if (requester == 0)
        return 0;
    char answer[1024];
    size_t len = (size_t)payload_len < sizeof answer ? (size_t)payload_len : sizeof answer;
    wactor_msg_payload(answer, len);
    return wactor_respond(requester,
                          status == WACTOR_STATUS_OK ? WACTOR_STATUS_OK : WACTOR_STATUS_ERROR,
                          answer, len) < 0;
}
