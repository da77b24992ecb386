/*
 * timers_test: timers (send_after, timer_cancel) and health checks (wactor_health) with
 * real components (tests/guest/timer_agent.c), through the embedding API only.
 *
 *   timers_test CASE TIMER_AGENT.wasm
 *
 * Nothing measures time: firings are counted, and a test waits for a count with a deadline
 * (poll), which only turns a hang into a failure. Where a test shows that something does NOT
 * happen (no tick after a cancel), it lets other traffic flow through the component and
 * checks that the count stayed put.
 *
 * Environment: TIMERS_VERBOSE=1 prints every log and audit line.
 */
#include "../e2e/tier.h"
#include "../unit/harness.h"
#include "wactor.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static const char *agent_path;

#define CALL_MS 60000u
#define DEADLINE_MS 60000u

/* ---- audit lines ---------------------------------------------------------- */

static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static char audit_buf[1 << 16];
static size_t audit_len;

static void on_audit(void *arg, const char *line, size_t len)
{
    (void)arg;
    pthread_mutex_lock(&audit_lock);
    if (audit_len + len + 2 < sizeof audit_buf) {
        memcpy(audit_buf + audit_len, line, len);
        audit_len += len;
        audit_buf[audit_len++] = '\n';
        audit_buf[audit_len] = 0;
    }
    pthread_mutex_unlock(&audit_lock);
    if (getenv("TIMERS_VERBOSE"))
        fprintf(stderr, "audit %.*s\n", (int)len, line);
}

static bool audited(const char *a, const char *b)
{
    pthread_mutex_lock(&audit_lock);
    bool found = false;
    for (char *line = audit_buf; *line && !found;) {
        char *nl = strchr(line, '\n');
        *nl = 0;
        found = strstr(line, a) && strstr(line, b);
        *nl = '\n';
        line = nl + 1;
    }
    pthread_mutex_unlock(&audit_lock);
    return found;
}

static atomic_int skipped;

static int skipped_lines(void)
{
    return atomic_load(&skipped);
}

static void on_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    (void)arg;
    if (memmem(text, len, "tick skipped", 12))
        atomic_fetch_add(&skipped, 1);
    if (getenv("TIMERS_VERBOSE") || level >= WACTOR_LOG_ERROR)
        fprintf(stderr, "log %d %s: %.*s\n", level, component ? component : "wactor", (int)len,
                text);
}

/* ---- runtime and components ----------------------------------------------- */

static wactor_runtime *setup(uint32_t max_message)
{
    audit_len = 0;
    audit_buf[0] = 0;
    wactor_runtime_options o = {.workers = 2,
                                .max_message = max_message,
                                .log = on_log,
                                .audit = on_audit,
                                .log_level = WACTOR_LOG_DEBUG};
    test_tier(&o);
    return wactor_runtime_new(&o);
}

typedef struct spec {
    const char *name, *config, *send;
    uint32_t timers, mailbox, health_ms, unhealthy;
} spec;

static int spawn(wactor_runtime *rt, spec s)
{
    const char *grant[1] = {s.send};
    wactor_component_options o = {.name = s.name,
                                  .path = agent_path,
                                  .config = s.config,
                                  .config_len = s.config ? strlen(s.config) : 0,
                                  .send = {grant, s.send ? 1 : 0}};
    o.limits.timers = s.timers;
    o.limits.mailbox = s.mailbox;
    o.health.interval_ms = s.health_ms;
    o.health.unhealthy = s.unhealthy;
    int rc = wactor_spawn(rt, &o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn %s: %s\n", s.name, wactor_errmsg(rt));
    return rc;
}

#define SPAWN(rt, ...) REQUIRE(spawn(rt, (spec){__VA_ARGS__}) == WACTOR_OK)

/* A command's answer, NUL-terminated, in a static buffer ("" on failure). */
static const char *cmd(wactor_runtime *rt, const char *target, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *cmd(wactor_runtime *rt, const char *target, const char *fmt, ...)
{
    static char out[8192];
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    out[0] = 0;
    int rc = wactor_call(rt, target, text, strlen(text), CALL_MS, &status, &answer, &len);
    if (rc == WACTOR_OK && status == WACTOR_STATUS_OK && len < sizeof out) {
        if (len) /* an empty answer may come as NULL */
            memcpy(out, answer, len);
        out[len] = 0;
    } else {
        fprintf(stderr, "%s <- %s: %s, status %d\n", target, text, wactor_result_name(rc), status);
    }
    free(answer);
    return out;
}

static long long num(wactor_runtime *rt, const char *target, const char *fmt, long long a)
{
    char text[512];
    snprintf(text, sizeof text, fmt, a);
    return atoll(cmd(rt, target, "%s", text));
}

static long long ticks(wactor_runtime *rt, const char *target)
{
    return atoll(cmd(rt, target, "ticks"));
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void pause_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls until target's tick count is at least n: the count, once it is, or the last one
 * seen at the deadline. */
static long long wait_ticks(wactor_runtime *rt, const char *target, long long n)
{
    uint64_t end = now_ms() + DEADLINE_MS;
    long long t;
    while ((t = ticks(rt, target)) < n && now_ms() < end)
        pause_ms(2);
    return t;
}

/* Messages through target: other traffic flowing while a test shows that a count stays. */
static void traffic(wactor_runtime *rt, const char *target, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        cmd(rt, target, "hcalls");
        pause_ms(1);
    }
}

static wactor_stats stats(wactor_runtime *rt, const char *name)
{
    wactor_stats st;
    memset(&st, 0, sizeof st);
    if (wactor_component_stats(rt, name, &st) != WACTOR_OK)
        fprintf(stderr, "no stats for %s\n", name);
    return st;
}

/* ---- timers ------------------------------------------------------------------ */

/* One-shots fire in deadline order, each once; a periodic one fires again and again. */
static void t_order(void *arg)
{
    (void)arg;
    wactor_runtime *rt = setup(0);
    REQUIRE(rt);
    SPAWN(rt, .name = "t");
    const char *letters = "edcba";
    for (int i = 0; i < 5; i++) {
        char text[64];
        snprintf(text, sizeof text, "after %d 0 t %c", (5 - i) * 20, letters[i]);
        CHECK(atoll(cmd(rt, "t", "%s", text)) > 0);
    }
    CHECK(wait_ticks(rt, "t", 5) == 5);
    const char *log = strchr(strchr(cmd(rt, "t", "ticks"), ' ') + 1, ' ') + 1;
    CHECK(strcmp(log, "a,b,c,d,e") == 0);
    /* Equal delays fire in the order they were set. */
    for (int i = 0; i < 5; i++) {
        char text[64];
        snprintf(text, sizeof text, "after 30 0 t %d", i);
        CHECK(atoll(cmd(rt, "t", "%s", text)) > 0);
    }
    CHECK(wait_ticks(rt, "t", 10) == 10);
    log = strchr(strchr(cmd(rt, "t", "ticks"), ' ') + 1, ' ') + 1;
    CHECK(strcmp(log + strlen(log) - 9, "0,1,2,3,4") == 0);
    /* A one-shot that has sent is gone. */
    long long id = num(rt, "t", "after %lld 0 t y", 0);
    CHECK(id > 0);
    CHECK(wait_ticks(rt, "t", 11) == 11);
    CHECK(num(rt, "t", "cancel %lld", id) == WACTOR_ENOTFOUND);

    /* Periodic: at least 20 ticks, then cancelled: no more. */
    id = num(rt, "t", "after %lld 1 t p", 1);
    CHECK(id > 0);
    CHECK(wait_ticks(rt, "t", 31) >= 31);
    CHECK(num(rt, "t", "cancel %lld", id) == WACTOR_OK);
    long long after = ticks(rt, "t");
    traffic(rt, "t", 50);
    CHECK(ticks(rt, "t") == after);
    CHECK(num(rt, "t", "cancel %lld", id) == WACTOR_ENOTFOUND);
    wactor_runtime_free(rt);
}

/* A periodic timer cancelled from the handler of its own K-th tick: exactly K ticks, ever. */
static void t_cancel_in_tick(void *arg)
{
    (void)arg;
    wactor_runtime *rt = setup(0);
    REQUIRE(rt);
    SPAWN(rt, .name = "t");
    for (int round = 0; round < 20; round++) {
        long long before = ticks(rt, "t");
        CHECK(num(rt, "t", "selfcancel 3 %lld", 1) > 0);
        CHECK(wait_ticks(rt, "t", before + 3) >= before + 3);
        traffic(rt, "t", 5);
        const char *t = cmd(rt, "t", "ticks");
        CHECK(atoll(t) == before + 3);
        CHECK(atoll(strchr(t, ' ') + 1) == WACTOR_OK); /* the cancel from the tick */
    }
    wactor_runtime_free(rt);
}

/* Cancels racing the timer thread: a periodic 1 ms timer cancelled by the host's command at
 * arbitrary moments; after each cancel's answer, the count never grows again. */
static void t_cancel_race(void *arg)
{
    (void)arg;
    wactor_runtime *rt = setup(0);
    REQUIRE(rt);
    SPAWN(rt, .name = "t");
    for (int round = 0; round < 200; round++) {
        long long id = num(rt, "t", "after 0 %lld t r", 1);
        CHECK(id > 0);
        if (round % 3)
            pause_ms((unsigned)(round % 4));
        CHECK(num(rt, "t", "cancel %lld", id) == WACTOR_OK);
        long long n = ticks(rt, "t");
        traffic(rt, "t", 2);
        CHECK(ticks(rt, "t") == n);
    }
    wactor_runtime_free(rt);
}

/* 1,000 timers in one component (the default bound), then EFULL; all of them fire. */
static void t_thousand(void *arg)
{
    (void)arg;
    wactor_runtime *rt = setup(0);
    REQUIRE(rt);
    SPAWN(rt, .name = "t");
    CHECK(strcmp(cmd(rt, "t", "many 1001 50 0"), "1000 -4") == 0);
    CHECK(wait_ticks(rt, "t", 1000) == 1000);
    /* Fired one-shots free their places. */
    CHECK(strcmp(cmd(rt, "t", "many 1000 0 0"), "1000 0") == 0);
    CHECK(wait_ticks(rt, "t", 2000) == 2000);
    traffic(rt, "t", 5);
    CHECK(ticks(rt, "t") == 2000);
    /* A bound of its own, periodic timers counting as long as they run. */
    SPAWN(rt, .name = "u", .timers = 10);
    CHECK(strcmp(cmd(rt, "u", "many 11 3600000 0"), "10 -4") == 0);
    CHECK(num(rt, "u", "after %lld 0 u x", 0) == WACTOR_EFULL);
    wactor_runtime_free(rt);
}

/* Argument codes in the ABI's order; the `send` grant for other names, refusals audited; a
 * target that does not exist when the timer fires: dropped. */
static void t_codes(void *arg)
{
    (void)arg;
    wactor_runtime *rt = setup(64);
    REQUIRE(rt);
    SPAWN(rt, .name = "t");
    SPAWN(rt, .name = "granted", .send = "o.*");
    SPAWN(rt, .name = "o.x");
    CHECK(num(rt, "t", "after %lld 0 t x", -1) == WACTOR_EINVAL);
    CHECK(num(rt, "t", "after 0 %lld t x", -1) == WACTOR_EINVAL);
    CHECK(atoll(cmd(rt, "t", "after 0 0 bad..name x")) == WACTOR_EINVAL);
    CHECK(atoll(cmd(rt, "t", "bad")) == WACTOR_EINVAL);
    CHECK(atoll(cmd(rt, "t", "big 64 t")) > 0);
    CHECK(atoll(cmd(rt, "t", "big 65 t")) == WACTOR_ETOOBIG);
    /* EDENIED before ETOOBIG; audited. */
    CHECK(atoll(cmd(rt, "t", "big 65 o.x")) == WACTOR_EDENIED);
    CHECK(atoll(cmd(rt, "t", "after 0 0 o.x x")) == WACTOR_EDENIED);
    CHECK(audited("\"t\"", "denied"));
    CHECK(audited("send", "o.x"));
    /* Granted: it arrives, from the timer's owner. */
    CHECK(atoll(cmd(rt, "granted", "after 0 0 o.x hello")) > 0);
    CHECK(wait_ticks(rt, "o.x", 1) == 1);
    CHECK(strcmp(cmd(rt, "o.x", "ticks"), "1 1 hello") == 0);
    /* A name nobody has when it fires: dropped, and nothing else happens. */
    CHECK(atoll(cmd(rt, "granted", "after 0 0 o.nobody x")) > 0);
    CHECK(atoll(cmd(rt, "granted", "after 5 0 granted done")) > 0);
    CHECK(wait_ticks(rt, "granted", 1) == 1);
    /* From wactor_init, to itself. */
    SPAWN(rt, .name = "i", .config = "init");
    CHECK(wait_ticks(rt, "i", 1) == 1);
    CHECK(strcmp(cmd(rt, "i", "ticks"), "1 1 init") == 0);
    wactor_runtime_free(rt);
}

/* A periodic timer to a full mailbox skips ticks (EFULL), it does not stop. Two periodic
 * timers to itself with a mailbox of one: the second's send finds the first's message still
 * queued. Polled through wactor_stats: a call could find the mailbox full too. */
static void t_full(void *arg)
{
    (void)arg;
    wactor_runtime *rt = setup(0);
    REQUIRE(rt);
    SPAWN(rt, .name = "t", .mailbox = 1);
    CHECK(num(rt, "t", "after 0 %lld t p", 1) > 0);
    CHECK(num(rt, "t", "after 0 %lld t q", 1) > 0);
    uint64_t end = now_ms() + DEADLINE_MS;
    while ((stats(rt, "t").received < 200 || skipped_lines() < 3) && now_ms() < end)
        pause_ms(2);
    CHECK(stats(rt, "t").received >= 200);
    CHECK(skipped_lines() >= 3);
    wactor_runtime_free(rt);
}

/* A crash cancels the instance's timers; a stop too. */
static void t_crash(void *arg)
{
    (void)arg;
    wactor_runtime *rt = setup(0);
    REQUIRE(rt);
    SPAWN(rt, .name = "t", .send = "o");
    SPAWN(rt, .name = "o");
    long long id = atoll(cmd(rt, "t", "after 0 1 o p"));
    CHECK(id > 0);
    CHECK(atoll(cmd(rt, "t", "after 3600000 0 o late")) > 0);
    CHECK(wait_ticks(rt, "o", 5) >= 5);
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    CHECK(wactor_call(rt, "t", "crash", 5, CALL_MS, &status, &answer, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_FAILED);
    free(answer);
    /* The restarted instance does not know the old timer: it is gone. */
    CHECK(num(rt, "t", "cancel %lld", id) == WACTOR_ENOTFOUND);
    long long n = ticks(rt, "o");
    traffic(rt, "o", 50);
    CHECK(ticks(rt, "o") == n);
    /* A stop: a timer to another component ends with it. */
    CHECK(atoll(cmd(rt, "t", "after 0 1 o q")) > 0);
    CHECK(wait_ticks(rt, "o", n + 3) >= n + 3);
    CHECK(wactor_stop(rt, "t") == WACTOR_OK);
    n = ticks(rt, "o");
    traffic(rt, "o", 50);
    CHECK(ticks(rt, "o") == n);
    wactor_runtime_free(rt);
}

/* An upgrade keeps the timers: the new version receives the old version's periodic ticks and
 * can cancel the old id. */
static void t_upgrade(void *arg)
{
    (void)arg;
    wactor_runtime *rt = setup(0);
    REQUIRE(rt);
    SPAWN(rt, .name = "t");
    long long id = num(rt, "t", "after 0 %lld t p", 1);
    CHECK(id > 0);
    CHECK(wait_ticks(rt, "t", 3) >= 3);
    wactor_component_options o = {.path = agent_path, .config = "v2", .config_len = 2};
    CHECK(wactor_upgrade(rt, "t", &o) == WACTOR_OK);
    /* Fresh memory: the count starts again, and grows. */
    CHECK(wait_ticks(rt, "t", 3) >= 3);
    CHECK(num(rt, "t", "cancel %lld", id) == WACTOR_OK);
    long long n = ticks(rt, "t");
    traffic(rt, "t", 20);
    CHECK(ticks(rt, "t") == n);
    /* A rolled-back upgrade keeps them too. */
    id = num(rt, "t", "after 0 %lld t q", 1);
    CHECK(id > 0);
    /* The new version sets a timer in its wactor_init, then fails: the timer goes with it. */
    wactor_component_options bad = {.path = agent_path, .config = "init fail", .config_len = 9};
    CHECK(wactor_upgrade(rt, "t", &bad) == WACTOR_ESTART);
    CHECK(wait_ticks(rt, "t", n + 3) >= n + 3);
    CHECK(num(rt, "t", "cancel %lld", id) == WACTOR_OK);
    CHECK(num(rt, "t", "after %lld 0 t last", 20) > 0);
    long long m = wait_ticks(rt, "t", n + 4);
    traffic(rt, "t", 20);
    CHECK(strstr(cmd(rt, "t", "ticks"), "init") == NULL);
    CHECK(strstr(cmd(rt, "t", "ticks"), "last") != NULL);
    (void)m;
    wactor_runtime_free(rt);
}

/* ---- health ------------------------------------------------------------------ */

/* Unhealthy answers restart it after the threshold; degraded ones do not. */
static void t_health(void *arg)
{
    (void)arg;
    wactor_runtime *rt = setup(0);
    REQUIRE(rt);
    SPAWN(rt, .name = "h", .health_ms = 1, .unhealthy = 3);
    SPAWN(rt, .name = "d", .health_ms = 1, .unhealthy = 3);
    SPAWN(rt, .name = "n"); /* exports wactor_health: polled at the default interval */
    CHECK(stats(rt, "n").health == -1);

    CHECK(num(rt, "d", "health %lld", 1) == 0);
    uint64_t end = now_ms() + DEADLINE_MS;
    while (num(rt, "d", "hcalls", 0) < 20 && now_ms() < end)
        pause_ms(2);
    CHECK(num(rt, "d", "hcalls", 0) >= 20);
    CHECK(stats(rt, "d").health == 1);
    CHECK(stats(rt, "d").restarts == 0);

    CHECK(num(rt, "h", "health %lld", 0) == 0);
    while (stats(rt, "h").health != 0 && now_ms() < end)
        pause_ms(2);
    CHECK(stats(rt, "h").health == 0);
    CHECK(num(rt, "h", "health %lld", 2) == 0);
    while (stats(rt, "h").restarts == 0 && now_ms() < end)
        pause_ms(2);
    wactor_stats st = stats(rt, "h");
    CHECK(st.restarts == 1);
    CHECK(st.crashes == 1);
    CHECK(audited("\"h\"", "unhealthy"));
    /* The fresh instance answers 0 again: it stays. */
    while (num(rt, "h", "hcalls", 0) < 10 && now_ms() < end)
        pause_ms(2);
    CHECK(stats(rt, "h").health == 0);
    CHECK(stats(rt, "h").restarts == 1);

    /* A trap in wactor_health is a crash. */
    CHECK(num(rt, "d", "health %lld", -5) == 0);
    while (stats(rt, "d").restarts == 0 && now_ms() < end)
        pause_ms(2);
    st = stats(rt, "d");
    CHECK(st.restarts == 1);
    CHECK(st.crashes_by[WACTOR_CRASH_UNREACHABLE] == 1);
    wactor_runtime_free(rt);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: timers_test CASE TIMER_AGENT.wasm\n");
        return 2;
    }
    agent_path = argv[2];
    static const test_case tests[] = {
        {"order", t_order},
        {"cancel_in_tick", t_cancel_in_tick},
        {"cancel_race", t_cancel_race},
        {"thousand", t_thousand},
        {"codes", t_codes},
        {"full", t_full},
        {"crash", t_crash},
        {"upgrade", t_upgrade},
        {"health", t_health},
    };
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
