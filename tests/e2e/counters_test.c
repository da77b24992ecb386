/*
 * counters_test: the handlers' counters of wactor_stats (fuel, handler time and its
 * histogram, crashes by kind) and wactor_edges, through the embedding API only.
 *
 *   counters_test CASE FUELCOUNT.wasm AGENT.wasm
 *
 * FUELCOUNT (tests/wasm/fuelcount.wat) costs exactly 8 + 8 P fuel for a message of P > 0
 * payload bytes and traps (unreachable) on an empty one after paying 8: its header derives
 * that from the engine's rule. AGENT is the scriptable agent of the end-to-end tests
 * (tests/guest/e2e_agent.c). Nothing sleeps: wactor_wait_idle waits for the traffic.
 */
#include "../unit/harness.h"
#include "tier.h"
#include "wactor.h"

#include <stdlib.h>

static const char *fuel_path, *agent_path;

#define IDLE_MS 100000u
#define CALL_MS 60000u

static uint64_t fuel_of(uint32_t payload)
{
    return 8 + 8 * (uint64_t)payload;
}

static wactor_runtime *runtime(void)
{
    wactor_runtime_options o = {.workers = 2, .log_level = WACTOR_LOG_ERROR + 1};
    test_tier(&o);
    return wactor_runtime_new(&o);
}

static int spawn(wactor_runtime *rt, const char *name, const char *path, int64_t fuel)
{
    wactor_component_options o = {.name = name, .path = path};
    o.limits.fuel = fuel;
    int rc = wactor_spawn(rt, &o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn %s: %s\n", name, wactor_errmsg(rt));
    return rc;
}

static int send_len(wactor_runtime *rt, const char *to, uint32_t len)
{
    static const char bytes[4096];
    return wactor_send(rt, to, bytes, len);
}

static uint64_t hist_sum(const wactor_stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < WACTOR_HANDLER_BUCKETS; i++)
        n += s->handler_hist[i];
    return n;
}

static uint64_t crash_sum(const wactor_stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < WACTOR_CRASH_KINDS; i++)
        n += s->crashes_by[i];
    return n;
}

/* Exact fuel, the same with and without a limit; N messages against 2N. */
static void test_fuel(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime();
    REQUIRE(rt);
    REQUIRE(spawn(rt, "free", fuel_path, 0) == WACTOR_OK);
    REQUIRE(spawn(rt, "limited", fuel_path, 1000000) == WACTOR_OK);
    static const uint32_t lens[] = {1, 10, 100, 3000};
    uint64_t want = 0;
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        CHECK(send_len(rt, "free", lens[i]) == WACTOR_OK);
        CHECK(send_len(rt, "limited", lens[i]) == WACTOR_OK);
        want += fuel_of(lens[i]);
    }
    REQUIRE(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    wactor_stats a, b;
    REQUIRE(wactor_component_stats(rt, "free", &a) == WACTOR_OK);
    REQUIRE(wactor_component_stats(rt, "limited", &b) == WACTOR_OK);
    CHECK(a.fuel == want);
    CHECK(b.fuel == want);
    if (a.fuel != want)
        fprintf(stderr, "fuel %llu, want %llu\n", (unsigned long long)a.fuel,
                (unsigned long long)want);
    /* The same messages again: twice the fuel. */
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
        CHECK(send_len(rt, "free", lens[i]) == WACTOR_OK);
    REQUIRE(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    REQUIRE(wactor_component_stats(rt, "free", &a) == WACTOR_OK);
    CHECK(a.fuel == 2 * want);
    CHECK(a.received == 8 && hist_sum(&a) == 8);
    CHECK(b.received == 4 && hist_sum(&b) == 4);
    CHECK(a.handler_ns > 0);
    CHECK(a.crashes == 0 && crash_sum(&a) == 0);
    wactor_runtime_free(rt);
}

/* The buckets: increasing, the last +Inf; every handler in exactly one. */
static void test_histogram(void *arg)
{
    (void)arg;
    for (int i = 1; i < WACTOR_HANDLER_BUCKETS; i++)
        CHECK(wactor_handler_bucket_ns(i) > wactor_handler_bucket_ns(i - 1));
    CHECK(wactor_handler_bucket_ns(0) == 1000);
    CHECK(wactor_handler_bucket_ns(WACTOR_HANDLER_BUCKETS - 1) == UINT64_MAX);
    CHECK(wactor_handler_bucket_ns(WACTOR_HANDLER_BUCKETS) == 0);
    CHECK(wactor_handler_bucket_ns(-1) == 0);
    wactor_runtime *rt = runtime();
    REQUIRE(rt);
    REQUIRE(spawn(rt, "f", fuel_path, 0) == WACTOR_OK);
    /* Short handlers and long ones (a loop of a million iterations). */
    for (int i = 0; i < 100; i++)
        CHECK(send_len(rt, "f", i % 10 ? 1 : 4000) == WACTOR_OK);
    REQUIRE(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    wactor_stats s;
    REQUIRE(wactor_component_stats(rt, "f", &s) == WACTOR_OK);
    CHECK(s.received == 100 && hist_sum(&s) == 100);
    /* At least each handler's lower bound (the bucket below its own), less a nanosecond
     * each for the conversion of the bounds to the clock's ticks. */
    uint64_t floor_ns = 0;
    for (int i = 1; i < WACTOR_HANDLER_BUCKETS; i++)
        floor_ns += s.handler_hist[i] * wactor_handler_bucket_ns(i - 1);
    CHECK(s.handler_ns + 100 >= floor_ns);
    wactor_runtime_free(rt);
}

/* Crashes by kind: out of fuel (the whole budget counts as used), unreachable, a failed
 * start; names of the kinds. */
static void test_crash_kinds(void *arg)
{
    (void)arg;
    CHECK(strcmp(wactor_crash_kind_name(WACTOR_CRASH_FUEL), "fuel") == 0);
    CHECK(strcmp(wactor_crash_kind_name(WACTOR_CRASH_UNREACHABLE), "unreachable") == 0);
    CHECK(strcmp(wactor_crash_kind_name(WACTOR_CRASH_OTHER), "other") == 0);
    CHECK(strcmp(wactor_crash_kind_name(WACTOR_CRASH_KINDS), "?") == 0);
    wactor_runtime *rt = runtime();
    REQUIRE(rt);
    REQUIRE(spawn(rt, "f", fuel_path, 50) == WACTOR_OK);
    CHECK(send_len(rt, "f", 10) == WACTOR_OK); /* 88 > 50: out of fuel */
    CHECK(send_len(rt, "f", 0) == WACTOR_OK);  /* unreachable, after 8 */
    CHECK(send_len(rt, "f", 1) == WACTOR_OK);  /* 16 */
    REQUIRE(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    wactor_stats s;
    REQUIRE(wactor_component_stats(rt, "f", &s) == WACTOR_OK);
    CHECK(s.crashes == 2 && crash_sum(&s) == 2);
    CHECK(s.crashes_by[WACTOR_CRASH_FUEL] == 1);
    CHECK(s.crashes_by[WACTOR_CRASH_UNREACHABLE] == 1);
    CHECK(s.fuel == 50 + 8 + 16);
    CHECK(s.received == 3 && hist_sum(&s) == 3);
    /* The agent's wactor_init fails (config initfail): a start-up crash, and more as it
     * restarts (in a loop with back-off) until the restart intensity stops it. */
    static const char cfg[] = "initfail";
    wactor_component_options o = {
        .name = "bad", .path = agent_path, .config = cfg, .config_len = sizeof cfg - 1};
    CHECK(wactor_spawn(rt, &o) == WACTOR_ESTART);
    REQUIRE(wactor_component_stats(rt, "bad", &s) == WACTOR_OK);
    CHECK(s.crashes >= 1 && s.crashes_by[WACTOR_CRASH_START] == s.crashes);
    wactor_runtime_free(rt);
}

static uint64_t edge(const wactor_edge *v, size_t n, const char *from, const char *to)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].from, from) == 0 && strcmp(v[i].to, to) == 0)
            return v[i].messages;
    return 0;
}

static void call_ok(wactor_runtime *rt, const char *to, const char *cmd)
{
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    CHECK(wactor_call(rt, to, cmd, strlen(cmd), CALL_MS, &status, &answer, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK);
    free(answer);
}

/* Sends, requests and publications between agents and from the host's names. */
static void test_edges(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime();
    REQUIRE(rt);
    static const char *const any[] = {"*"};
    wactor_component_options o = {.path = agent_path,
                                  .send = {any, 1},
                                  .request = {any, 1},
                                  .publish = {any, 1},
                                  .subscribe = {any, 1}};
    static const char *const names[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        o.name = names[i];
        REQUIRE(wactor_spawn(rt, &o) == WACTOR_OK);
    }
    call_ok(rt, "c", "!subscribe news");     /* @host -> c: 1 */
    call_ok(rt, "a", "!sendn b 5 hi");       /* @host -> a: 1, a -> b: 5 */
    call_ok(rt, "a", "!requestn b 2 0 hi");  /* @host -> a: 2, a -> b: 7 (requests) */
    call_ok(rt, "a", "!publishn news 3 hi"); /* @host -> a: 3, a -> c: 3 */
    CHECK(wactor_send(rt, "b", "x", 1) == WACTOR_OK);
    wactor_message_options http = {.sender = "@http"};
    CHECK(wactor_send_with(rt, "b", "z", 1, &http) == WACTOR_OK); /* @http -> b: 1 */
    CHECK(wactor_publish(rt, "news", "y", 1) == WACTOR_OK);       /* @host -> c: 2 */
    REQUIRE(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    wactor_edge *v = NULL;
    size_t n = 0;
    REQUIRE(wactor_edges(rt, &v, &n) == WACTOR_OK);
    CHECK(edge(v, n, "@host", "a") == 3);
    CHECK(edge(v, n, "a", "b") == 7);
    CHECK(edge(v, n, "@host", "b") == 1);
    CHECK(edge(v, n, "a", "c") == 3);
    CHECK(edge(v, n, "@host", "c") == 2);
    CHECK(edge(v, n, "@http", "b") == 1);
    CHECK(n == 6);
    /* Into each receiver, the edges sum to what it received. */
    for (int i = 0; i < 3; i++) {
        wactor_stats s;
        REQUIRE(wactor_component_stats(rt, names[i], &s) == WACTOR_OK);
        uint64_t sum = 0;
        for (size_t k = 0; k < n; k++)
            if (strcmp(v[k].to, names[i]) == 0)
                sum += v[k].messages;
        CHECK(sum == s.received);
    }
    free(v);
    wactor_runtime_free(rt);
}

/* More senders than a receiver keeps: the rest are counted from WACTOR_EDGE_OTHERS. */
static void test_edges_bound(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime();
    REQUIRE(rt);
    REQUIRE(spawn(rt, "sink", fuel_path, 0) == WACTOR_OK);
    static const char *const any[] = {"sink"};
    wactor_component_options o = {.path = agent_path, .send = {any, 1}};
    enum { SENDERS = WACTOR_EDGE_SENDERS + 8 };
    char name[SENDERS][32];
    for (int i = 0; i < SENDERS; i++) {
        /* Short names, and long ones that differ only in the middle. */
        if (i % 2)
            snprintf(name[i], sizeof name[i], "sender-number-%02d-of-many", i);
        else
            snprintf(name[i], sizeof name[i], "s.%d", i);
        o.name = name[i];
        REQUIRE(wactor_spawn(rt, &o) == WACTOR_OK);
    }
    /* One at a time, so the first WACTOR_EDGE_SENDERS are name[0] .. name[31]. */
    for (int i = 0; i < SENDERS; i++) {
        call_ok(rt, name[i], "!sendn sink 2 x");
        REQUIRE(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    }
    wactor_edge *v = NULL;
    size_t n = 0;
    REQUIRE(wactor_edges(rt, &v, &n) == WACTOR_OK);
    for (int i = 0; i < WACTOR_EDGE_SENDERS; i++)
        CHECK(edge(v, n, name[i], "sink") == 2);
    for (int i = WACTOR_EDGE_SENDERS; i < SENDERS; i++)
        CHECK(edge(v, n, name[i], "sink") == 0);
    CHECK(edge(v, n, WACTOR_EDGE_OTHERS, "sink") == 2 * (SENDERS - WACTOR_EDGE_SENDERS));
    free(v);
    wactor_runtime_free(rt);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s CASE|all FUELCOUNT.wasm AGENT.wasm\n", argv[0]);
        return 2;
    }
    fuel_path = argv[2];
    agent_path = argv[3];
    static const test_case tests[] = {
        {"fuel", test_fuel},   {"histogram", test_histogram},     {"crash_kinds", test_crash_kinds},
        {"edges", test_edges}, {"edges_bound", test_edges_bound},
    };
    return test_run(tests, sizeof tests / sizeof *tests, argv[1], NULL);
}
