/*
 * failure_test.c: failure handling and limits (ABI.md "Failure" and "Limits") with real
 * WebAssembly components, through the embedding API only (include/wactor.h). The guests are
 * tests/guest/fail_*.c, built into WASM_DIR.
 *
 * Every case waits on events, never on the clock: the runtime's log and audit callbacks
 * record what happens, and a case waits (on a condition variable, with a generous bound
 * that only catches a hang) for the line it needs. The only timing assertions are upper
 * bounds of seconds where the ABI promises "within about the limit".
 *
 * Usage: failure_test CASE|all WASM_DIR
 */
#include "../e2e/tier.h"
#include "../unit/harness.h"
#include "wactor.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *wasm_dir;

/* ---- events: what the log and audit callbacks saw ------------------------ */

typedef struct log_line {
    int level;
    char component[64];
    char *text;
} log_line;

typedef struct events {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    log_line *logs;
    size_t nlogs, caplogs;
    char **audits;
    size_t naudits, capaudits;
} events;

static events ev;

static void events_init(void)
{
    memset(&ev, 0, sizeof ev);
    pthread_mutex_init(&ev.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ev.cond, &ca);
    pthread_condattr_destroy(&ca);
}

static void events_free(void)
{
    for (size_t i = 0; i < ev.nlogs; i++)
        free(ev.logs[i].text);
    for (size_t i = 0; i < ev.naudits; i++)
        free(ev.audits[i]);
    free(ev.logs);
    free(ev.audits);
    pthread_mutex_destroy(&ev.lock);
    pthread_cond_destroy(&ev.cond);
}

static char *copy_text(const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (c) {
        memcpy(c, s, len);
        c[len] = 0;
    }
    return c;
}

static void on_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    (void)arg;
    pthread_mutex_lock(&ev.lock);
    if (ev.nlogs == ev.caplogs) {
        size_t cap = ev.caplogs ? ev.caplogs * 2 : 256;
        log_line *l = realloc(ev.logs, cap * sizeof *l);
        if (!l) {
            pthread_mutex_unlock(&ev.lock);
            return;
        }
        ev.logs = l;
        ev.caplogs = cap;
    }
    log_line *l = &ev.logs[ev.nlogs];
    l->level = level;
    snprintf(l->component, sizeof l->component, "%s", component ? component : "");
    if ((l->text = copy_text(text, len)) != NULL)
        ev.nlogs++;
    pthread_cond_broadcast(&ev.cond);
    pthread_mutex_unlock(&ev.lock);
}

static void on_audit(void *arg, const char *line, size_t len)
{
    (void)arg;
    pthread_mutex_lock(&ev.lock);
    if (ev.naudits == ev.capaudits) {
        size_t cap = ev.capaudits ? ev.capaudits * 2 : 256;
        char **a = realloc(ev.audits, cap * sizeof *a);
        if (!a) {
            pthread_mutex_unlock(&ev.lock);
            return;
        }
        ev.audits = a;
        ev.capaudits = cap;
    }
    if ((ev.audits[ev.naudits] = copy_text(line, len)) != NULL)
        ev.naudits++;
    pthread_cond_broadcast(&ev.cond);
    pthread_mutex_unlock(&ev.lock);
}

/* Does the JSON line have "key":"value" (value NULL: any value)? A rough parse: the
 * runtime writes compact JSON with string values only. */
static bool json_has(const char *line, const char *key, const char *value)
{
    char pat[300];
    snprintf(pat, sizeof pat, "\"%s\":\"%s", key, value ? value : "");
    const char *p = strstr(line, pat);
    if (!p)
        return false;
    return !value || p[strlen(pat)] == '"';
}

/* The value of "key" in a JSON line, copied to buf (escapes left as they are). */
static const char *json_get(const char *line, const char *key, char *buf, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(line, pat);
    buf[0] = 0;
    if (!p)
        return buf;
    p += strlen(pat);
    size_t n = 0;
    while (p[n] && !(p[n] == '"' && (n == 0 || p[n - 1] != '\\')))
        n++;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, p, n);
    buf[n] = 0;
    return buf;
}

/* Audit lines of component with action (NULL: any) and decision (NULL: any); lock held. */
static size_t audit_count_locked(const char *component, const char *action, const char *decision)
{
    size_t n = 0;
    for (size_t i = 0; i < ev.naudits; i++)
        n += json_has(ev.audits[i], "component", component) &&
             (!action || json_has(ev.audits[i], "action", action)) &&
             (!decision || json_has(ev.audits[i], "decision", decision));
    return n;
}

static size_t audit_count(const char *component, const char *action, const char *decision)
{
    pthread_mutex_lock(&ev.lock);
    size_t n = audit_count_locked(component, action, decision);
    pthread_mutex_unlock(&ev.lock);
    return n;
}

/* A copy of the last audit line of component with action (NULL: any), or "". */
static void audit_last(const char *component, const char *action, char *buf, size_t cap)
{
    buf[0] = 0;
    pthread_mutex_lock(&ev.lock);
    for (size_t i = ev.naudits; i-- > 0;)
        if (json_has(ev.audits[i], "component", component) &&
            (!action || json_has(ev.audits[i], "action", action))) {
            snprintf(buf, cap, "%s", ev.audits[i]);
            break;
        }
    pthread_mutex_unlock(&ev.lock);
}

/* Log lines of component (NULL: the runtime's own) containing every one of the NULL-ended
 * substrings, at level min_level or above; lock held. */
static size_t log_count_locked(const char *component, int min_level, const char *const *subs)
{
    size_t n = 0;
    for (size_t i = 0; i < ev.nlogs; i++) {
        const log_line *l = &ev.logs[i];
        if (strcmp(l->component, component ? component : "") != 0 || l->level < min_level)
            continue;
        bool all = true;
        for (size_t k = 0; subs[k] && all; k++)
            all = strstr(l->text, subs[k]) != NULL;
        n += all;
    }
    return n;
}

#define LOG_COUNT(component, level, ...)                                                           \
    log_count(component, level, (const char *const[]){__VA_ARGS__, NULL})

static size_t log_count(const char *component, int min_level, const char *const *subs)
{
    pthread_mutex_lock(&ev.lock);
    size_t n = log_count_locked(component, min_level, subs);
    pthread_mutex_unlock(&ev.lock);
    return n;
}

static struct timespec deadline_in(uint32_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* A bound that only catches a hang: everything awaited happens in milliseconds. */
#define HANG_MS 30000u

/* Waits until component has at least n audit lines with action. */
static bool wait_audit(const char *component, const char *action, size_t n)
{
    struct timespec until = deadline_in(HANG_MS);
    pthread_mutex_lock(&ev.lock);
    int rc = 0;
    while (audit_count_locked(component, action, NULL) < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&ev.cond, &ev.lock, &until);
    bool ok = audit_count_locked(component, action, NULL) >= n;
    pthread_mutex_unlock(&ev.lock);
    if (!ok)
        fprintf(stderr, "no audit line %s/%s after %u ms\n", component, action, HANG_MS);
    return ok;
}

/* Waits until component has logged a line containing text. */
static bool wait_log(const char *component, const char *text)
{
    const char *const subs[] = {text, NULL};
    struct timespec until = deadline_in(HANG_MS);
    pthread_mutex_lock(&ev.lock);
    int rc = 0;
    while (log_count_locked(component, 0, subs) == 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&ev.cond, &ev.lock, &until);
    bool ok = log_count_locked(component, 0, subs) > 0;
    pthread_mutex_unlock(&ev.lock);
    if (!ok)
        fprintf(stderr, "no log line \"%s\" from %s after %u ms\n", text, component, HANG_MS);
    return ok;
}

/* ---- runtime and components --------------------------------------------- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static wactor_runtime *runtime(unsigned workers, int32_t max_restarts, uint32_t within_ms)
{
    wactor_runtime_options o = {.workers = workers,
                                .request_timeout_ms = 600000, /* no request times out here */
                                .max_restarts = max_restarts,
                                .restart_within_ms = within_ms,
                                .log = on_log,
                                .audit = on_audit};
    test_tier(&o);
    wactor_runtime *rt = wactor_runtime_new(&o);
    if (!rt)
        fprintf(stderr, "wactor_runtime_new failed\n");
    return rt;
}

/* WASM_DIR/NAME.wasm, in one of a few rotating buffers. */
static const char *wasm(const char *name)
{
    static char bufs[4][1024];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s.wasm", wasm_dir, name);
    return b;
}

static wactor_component_options component(const char *name, const char *module)
{
    wactor_component_options o = {.name = name, .path = wasm(module)};
    return o;
}

#define PATTERNS(...)                                                                              \
    ((wactor_patterns){(const char *const[]){__VA_ARGS__},                                         \
                       sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)})

static int spawn(wactor_runtime *rt, const wactor_component_options *o)
{
    int rc = wactor_spawn(rt, o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn %s: %s: %s\n", o->name, wactor_result_name(rc), wactor_errmsg(rt));
    return rc;
}

/* A blocking request with a text payload. Returns the callback status (or the negative
 * code of wactor_call); the answer goes to out (NUL-ended, cut at cap) and its length to
 * *len. */
static int call(wactor_runtime *rt, const char *target, const char *payload, void *out, size_t cap,
                size_t *len)
{
    int status = -100;
    void *answer = NULL;
    size_t n = 0;
    int rc = wactor_call(rt, target, payload, strlen(payload), 0, &status, &answer, &n);
    if (rc != WACTOR_OK)
        return rc;
    if (out && cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        if (k)
            memcpy(out, answer, k);
        ((char *)out)[k] = 0;
    }
    if (len)
        *len = n;
    free(answer);
    return status;
}

/* A request whose answer is the string expect. */
static bool call_expect(wactor_runtime *rt, const char *target, const char *payload,
                        const char *expect)
{
    char out[256];
    int status = call(rt, target, payload, out, sizeof out, NULL);
    if (status == WACTOR_STATUS_OK && strcmp(out, expect) == 0)
        return true;
    fprintf(stderr, "%s <- \"%s\": status %d (%s), answer \"%s\", expected OK \"%s\"\n", target,
            payload, status, status >= 0 ? wactor_status_name(status) : wactor_result_name(status),
            out, expect);
    return false;
}

/* The status of a request that must fail, and its reason in why. */
static int call_status(wactor_runtime *rt, const char *target, const char *payload, char *why,
                       size_t cap)
{
    return call(rt, target, payload, why, cap, NULL);
}

static wactor_stats stats(wactor_runtime *rt, const char *name)
{
    wactor_stats s;
    memset(&s, 0, sizeof s);
    if (wactor_component_stats(rt, name, &s) != WACTOR_OK)
        fprintf(stderr, "no stats for %s\n", name);
    return s;
}

/* An asynchronous host request: its callbacks are counted. */
typedef struct async_req {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int calls, status;
    char payload[64];
    double done_at;
} async_req;

static void async_init(async_req *a)
{
    memset(a, 0, sizeof *a);
    pthread_mutex_init(&a->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&a->cond, &ca);
    pthread_condattr_destroy(&ca);
    a->status = -1;
}

static void async_fini(async_req *a)
{
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->cond);
}

static void async_done(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    (void)corr;
    async_req *a = arg;
    pthread_mutex_lock(&a->lock);
    a->calls++;
    a->status = status;
    size_t n = len < sizeof a->payload - 1 ? len : sizeof a->payload - 1;
    if (n)
        memcpy(a->payload, payload, n);
    a->payload[n] = 0;
    a->done_at = now_s();
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

static bool async_wait(async_req *a)
{
    struct timespec until = deadline_in(HANG_MS);
    pthread_mutex_lock(&a->lock);
    int rc = 0;
    while (a->calls == 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&a->cond, &a->lock, &until);
    bool done = a->calls > 0;
    pthread_mutex_unlock(&a->lock);
    if (!done)
        fprintf(stderr, "no callback after %u ms\n", HANG_MS);
    return done;
}

static int async_calls(async_req *a)
{
    pthread_mutex_lock(&a->lock);
    int n = a->calls;
    pthread_mutex_unlock(&a->lock);
    return n;
}

/* The process's resident set in KiB, from /proc/self/status. */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* ---- 1. chaos: crashes under load ---------------------------------------- */

#define CHAOS_SENDERS 4
#define CHAOS_N 2000
#define CHAOS_MAX_SEQ 4096

/* fail_loadgen's and fail_recorder's reports (int32 and uint8 fields only: the same layout
 * in wasm32 and here). */
typedef struct loadgen_report {
    int32_t n, send_errors, request_errors, unknown_callbacks, bad_payloads;
    uint8_t outcome[CHAOS_MAX_SEQ];
} loadgen_report;

typedef struct recorder_report {
    uint8_t counts[CHAOS_SENDERS][CHAOS_MAX_SEQ];
    int32_t out_of_order, bad_items;
} recorder_report;

static bool crashes_on(int seq)
{
    return seq % 7 == 6;
}

/* A component that traps on every 7th message (fail_chaos), under messages and requests
 * from 4 components at once (fail_loadgen): every request settles exactly once, FAILED
 * exactly for the ones that crashed it; every other message arrives exactly once and in
 * order (the crasher passes each on to a recorder, since its own memory is reset at every
 * restart); the restarts are exactly the crashes. */
static void test_chaos(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 100000, 60000);
    REQUIRE(rt);
    wactor_component_options o = component("recorder", "fail_recorder");
    o.limits.mailbox = 100000;
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("chaos", "fail_chaos");
    o.limits.mailbox = 100000;
    o.send = PATTERNS("recorder");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    char names[CHAOS_SENDERS][16], configs[CHAOS_SENDERS][2];
    for (int i = 0; i < CHAOS_SENDERS; i++) {
        snprintf(names[i], sizeof names[i], "load%d", i);
        configs[i][0] = (char)('0' + i);
        o = component(names[i], "fail_loadgen");
        o.config = configs[i];
        o.config_len = 1;
        o.send = PATTERNS("chaos");
        o.request = PATTERNS("chaos");
        CHECK(spawn(rt, &o) == WACTOR_OK);
    }
    char go[32];
    snprintf(go, sizeof go, "go %d", CHAOS_N);
    for (int i = 0; i < CHAOS_SENDERS; i++)
        CHECK(wactor_send(rt, names[i], go, strlen(go)) == WACTOR_OK);
    if (wactor_wait_idle(rt, 110000) != WACTOR_OK) {
        wactor_stats s = stats(rt, "chaos");
        fprintf(stderr, "not idle: chaos queued %u, crashes %llu\n", s.queued,
                (unsigned long long)s.crashes);
        CHECK(!"the runtime became idle");
    }

    uint64_t crashing = 0;
    for (int seq = 0; seq < CHAOS_N; seq++)
        crashing += crashes_on(seq);
    crashing *= 2 * CHAOS_SENDERS; /* a message stream and a request stream per sender */

    /* Requests: exactly one callback each, FAILED exactly where the crasher trapped. */
    static loadgen_report lr;
    for (int i = 0; i < CHAOS_SENDERS; i++) {
        size_t len = 0;
        memset(&lr, 0, sizeof lr);
        int status = -1;
        void *answer = NULL;
        CHECK(wactor_call(rt, names[i], "report", 6, 0, &status, &answer, &len) == WACTOR_OK);
        CHECK(status == WACTOR_STATUS_OK && len == sizeof lr);
        if (answer && len == sizeof lr)
            memcpy(&lr, answer, sizeof lr);
        free(answer);
        CHECK(lr.n == CHAOS_N);
        CHECK(lr.send_errors == 0);
        CHECK(lr.request_errors == 0);
        CHECK(lr.unknown_callbacks == 0);
        CHECK(lr.bad_payloads == 0);
        int wrong = 0;
        for (int seq = 0; seq < CHAOS_N; seq++) {
            int want = crashes_on(seq) ? WACTOR_STATUS_FAILED : WACTOR_STATUS_OK;
            if (lr.outcome[seq] != (1 << 4 | want)) {
                if (wrong++ < 5)
                    fprintf(stderr, "%s seq %d: %d callbacks, status %d; want 1, %d\n", names[i],
                            seq, lr.outcome[seq] >> 4, lr.outcome[seq] & 15, want);
            }
        }
        CHECK(wrong == 0);
    }

    /* Messages: each one that did not crash the component arrived once, in order. */
    static recorder_report rr;
    memset(&rr, 0, sizeof rr);
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    CHECK(wactor_call(rt, "recorder", "report", 6, 0, &status, &answer, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == sizeof rr);
    if (answer && len == sizeof rr)
        memcpy(&rr, answer, sizeof rr);
    free(answer);
    CHECK(rr.out_of_order == 0);
    CHECK(rr.bad_items == 0);
    int wrong = 0;
    for (int i = 0; i < CHAOS_SENDERS; i++)
        for (int seq = 0; seq < CHAOS_N; seq++) {
            int want = crashes_on(seq) ? 0 : 1;
            if (rr.counts[i][seq] != want && wrong++ < 5)
                fprintf(stderr, "recorder: load%d seq %d arrived %d times, want %d\n", i, seq,
                        rr.counts[i][seq], want);
        }
    CHECK(wrong == 0);

    /* One restart per crash, all of them logged and audited. */
    wactor_stats s = stats(rt, "chaos");
    fprintf(stderr, "chaos: %llu received, %llu crashes, %llu restarts (want %llu)\n",
            (unsigned long long)s.received, (unsigned long long)s.crashes,
            (unsigned long long)s.restarts, (unsigned long long)crashing);
    CHECK(s.received == 2u * CHAOS_SENDERS * CHAOS_N);
    CHECK(s.crashes == crashing);
    CHECK(s.restarts == crashing);
    CHECK(s.running);
    CHECK(s.queued == 0 && s.pending == 0);
    CHECK(audit_count("chaos", "crash", "ok") == crashing);
    CHECK(audit_count("chaos", "restart", "ok") == crashing);
    CHECK(LOG_COUNT("chaos", WACTOR_LOG_ERROR, "crashed: unreachable", "backtrace:") == crashing);
    for (int i = 0; i < CHAOS_SENDERS; i++) {
        s = stats(rt, names[i]);
        CHECK(s.crashes == 0 && s.pending == 0);
        CHECK(s.callbacks[WACTOR_STATUS_OK] + s.callbacks[WACTOR_STATUS_FAILED] == CHAOS_N);
        CHECK(s.callbacks[WACTOR_STATUS_FAILED] == crashing / (2 * CHAOS_SENDERS));
    }
    wactor_runtime_free(rt);
}

/* ---- 2. infinite loops: time and fuel limits ----------------------------- */

/* Sends "loop" to looper and checks: the requester gets FAILED within seconds, the crash is
 * logged with `reason` (its first words), while the loop runs the component "other" keeps
 * answering, and the restarted looper answers the next request. */
static void loop_case(wactor_runtime *rt, const char *looper, const char *reason)
{
    async_req loop;
    async_init(&loop);
    double t0 = now_s();
    int64_t id = wactor_request(rt, looper, "loop", 4, 0, async_done, &loop);
    CHECK(id > 0);
    CHECK(wait_log(looper, "entering loop"));
    int answered_during_loop = 0;
    for (int i = 0; i < 10; i++) {
        CHECK(call_expect(rt, "other", "ping", "pong"));
        answered_during_loop += async_calls(&loop) == 0;
    }
    CHECK(async_wait(&loop));
    double took = loop.done_at - t0;
    fprintf(stderr, "%s: FAILED after %.3f s; %d of 10 pings to other answered during the loop\n",
            looper, took, answered_during_loop);
    CHECK(loop.calls == 1);
    CHECK(loop.status == WACTOR_STATUS_FAILED && strcmp(loop.payload, reason) == 0);
    CHECK(took < 5.0); /* only an upper bound: catches a limit that is not enforced */
    CHECK(LOG_COUNT(looper, WACTOR_LOG_ERROR, reason, "backtrace:") == 1);
    char line[1024], why[256];
    audit_last(looper, "crash", line, sizeof line);
    CHECK(strstr(json_get(line, "reason", why, sizeof why), reason) == why);
    CHECK(call_expect(rt, looper, "ping", "pong"));
    wactor_stats s = stats(rt, looper);
    CHECK(s.crashes == 1 && s.restarts == 1 && s.running);
    CHECK(stats(rt, "other").crashes == 0);
    CHECK(async_calls(&loop) == 1);
    async_fini(&loop);
}

/* for(;;) in a handler under limits.time_ms: interrupted, FAILED, restarted. A loop with a
 * 2 s limit shows another component answering meanwhile (10 requests in under 2 s: a
 * generous bound); the 100 ms one is the limit the issue asks for. */
static void test_loop_time(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("other", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("looper", "fail_worker");
    o.limits.time_ms = 100;
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("looper2s", "fail_worker");
    o.limits.time_ms = 2000;
    CHECK(spawn(rt, &o) == WACTOR_OK);

    /* The 2 s loop: all pings to other answered while it still runs. */
    async_req loop;
    async_init(&loop);
    CHECK(wactor_request(rt, "looper2s", "loop", 4, 0, async_done, &loop) > 0);
    CHECK(wait_log("looper2s", "entering loop"));
    for (int i = 0; i < 10; i++)
        CHECK(call_expect(rt, "other", "ping", "pong"));
    CHECK(async_calls(&loop) == 0);
    CHECK(async_wait(&loop));
    CHECK(loop.status == WACTOR_STATUS_FAILED);
    async_fini(&loop);

    loop_case(rt, "looper", "crashed: time");
    wactor_runtime_free(rt);
}

/* The same loop under limits.fuel: traps FUEL. Fuel is per delivered message: a component
 * with fuel for one cheap message handles hundreds of them, and runs out on an expensive
 * one. */
static void test_loop_fuel(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("other", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("fueled", "fail_worker");
    o.limits.fuel = 200000000;
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("frugal", "fail_worker");
    o.limits.fuel = 20000;
    CHECK(spawn(rt, &o) == WACTOR_OK);

    CHECK(call_expect(rt, "fueled", "ping", "pong"));
    loop_case(rt, "fueled", "crashed: fuel");

    for (int i = 0; i < 300; i++)
        CHECK(call_expect(rt, "frugal", "ping", "pong"));
    CHECK(stats(rt, "frugal").crashes == 0);
    char why[64];
    CHECK(call_status(rt, "frugal", "recurse 100000", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(LOG_COUNT("frugal", WACTOR_LOG_ERROR, "crashed: fuel") == 1);
    CHECK(call_expect(rt, "frugal", "ping", "pong"));
    wactor_stats s = stats(rt, "frugal");
    CHECK(s.crashes == 1 && s.restarts == 1 && s.running);
    wactor_runtime_free(rt);
}

/* ---- 3. memory ------------------------------------------------------------ */

/* memory.grow in a loop under limits.memory = 1 MiB: grow returns -1 at 16 pages, every
 * page got is usable, the component lives on, and the host's memory stays small. */
static void test_memory_bomb(void *arg)
{
    (void)arg;
    long rss0 = rss_kib();
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("bomb", "fail_worker");
    o.limits.memory = 1u << 20;
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o.name = "mallocbomb";
    CHECK(spawn(rt, &o) == WACTOR_OK);

    int32_t got[5] = {0};
    char buf[64];
    size_t len = 0;
    CHECK(call(rt, "bomb", "grow", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    CHECK(len == sizeof got);
    memcpy(got, buf, sizeof got);
    fprintf(stderr, "bomb: %d pages at start, grew %d, %d at end, grow(1000) = %d, usable %d\n",
            got[0], got[1], got[2], got[3], got[4]);
    CHECK(got[0] >= 1 && got[0] <= 16);
    CHECK(got[1] == 16 - got[0]);
    CHECK(got[2] == 16);
    CHECK(got[3] == -1);
    CHECK(got[4] == 1);
    CHECK(call_expect(rt, "bomb", "ping", "pong"));
    CHECK(call(rt, "bomb", "grow", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    memcpy(got, buf, sizeof got);
    CHECK(got[1] == 0 && got[2] == 16 && got[3] == -1);

    int32_t m[2] = {0};
    CHECK(call(rt, "mallocbomb", "malloc", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    CHECK(len == sizeof m);
    memcpy(m, buf, sizeof m);
    fprintf(stderr, "mallocbomb: %d blocks of 64 KiB, %d pages at end\n", m[0], m[1]);
    CHECK(m[0] >= 1 && m[0] < 16);
    CHECK(m[1] <= 16);
    CHECK(call_expect(rt, "mallocbomb", "ping", "pong"));
    CHECK(stats(rt, "bomb").crashes == 0);
    CHECK(stats(rt, "mallocbomb").crashes == 0);

    long rss1 = rss_kib();
    fprintf(stderr, "host RSS: %ld KiB before, %ld KiB after\n", rss0, rss1);
    CHECK(rss0 > 0 && rss1 > 0 && rss1 - rss0 < 64 * 1024);
    wactor_runtime_free(rt);
}

/* A module whose initial memory (4 MiB) is over limits.memory fails at spawn with EMODULE
 * and leaves no component behind; under a larger limit the same module runs. */
static void test_memory_initial(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("big", "fail_bigmem");
    o.limits.memory = 1u << 20;
    CHECK(wactor_spawn(rt, &o) == WACTOR_EMODULE);
    fprintf(stderr, "errmsg: %s\n", wactor_errmsg(rt));
    /* The reason alone (the caller knows which component it spawned), worded
     * as wactor_module_check and `wactor validate` word it. */
    CHECK(strstr(wactor_errmsg(rt), "initial memory of 64 pages (4194304 bytes) is over "
                                    "limits.memory (1048576 bytes)") == wactor_errmsg(rt));
    CHECK(wactor_send(rt, "big", "ping", 4) == WACTOR_ENOTFOUND);
    wactor_stats s;
    CHECK(wactor_component_stats(rt, "big", &s) == WACTOR_ENOTFOUND);
    CHECK(audit_count("big", NULL, NULL) == 0);

    o.limits.memory = 8u << 20;
    CHECK(spawn(rt, &o) == WACTOR_OK);
    int32_t got[5] = {0};
    char buf[64];
    size_t len = 0;
    CHECK(call(rt, "big", "grow", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    memcpy(got, buf, sizeof got);
    CHECK(got[0] == 64);
    CHECK(got[2] == 128);
    wactor_runtime_free(rt);
}

/* ---- 4. stack ------------------------------------------------------------- */

/* Deep recursion under limits.stack = 1000: traps STACK_EXHAUSTED, the crash line names the
 * trap and carries a backtrace, the component restarts, everything else runs on. The
 * recursion keeps nothing in linear memory, so it is the engine's depth limit that stops it
 * (not the module's own C stack, which would corrupt its data first). */
static void test_stack(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("other", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("deep", "fail_worker");
    o.limits.stack = 1000;
    CHECK(spawn(rt, &o) == WACTOR_OK);
    CHECK(call_expect(rt, "deep", "recurse 200", "deep"));
    char why[64];
    CHECK(call_status(rt, "deep", "recurse 1000000", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(LOG_COUNT("deep", WACTOR_LOG_ERROR, "crashed: stack", "call stack exhausted",
                    "backtrace:", "#0 func", "<deep>") == 1);
    char line[1024], reason[256];
    audit_last("deep", "crash", line, sizeof line);
    fprintf(stderr, "audit: %s\n", line);
    json_get(line, "reason", reason, sizeof reason);
    CHECK(strncmp(reason, "crashed: stack", 14) == 0);
    CHECK(strstr(reason, "call stack exhausted") != NULL);
    CHECK(call_expect(rt, "deep", "ping", "pong"));
    CHECK(call_expect(rt, "deep", "recurse 200", "deep"));
    CHECK(call_expect(rt, "other", "ping", "pong"));
    wactor_stats s = stats(rt, "deep");
    CHECK(s.crashes == 1 && s.restarts == 1 && s.running);

    /* The default depth (20000) and a large one (100000) hold as well: the host's own stack
     * does not overflow first. */
    o = component("deepdefault", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    CHECK(call_expect(rt, "deepdefault", "recurse 19000", "deep"));
    CHECK(call_status(rt, "deepdefault", "recurse 1000000", why, sizeof why) ==
          WACTOR_STATUS_FAILED);
    CHECK(LOG_COUNT("deepdefault", WACTOR_LOG_ERROR, "crashed: stack") == 1);
    o = component("deep100k", "fail_worker");
    o.limits.stack = 100000;
    CHECK(spawn(rt, &o) == WACTOR_OK);
    CHECK(call_expect(rt, "deep100k", "recurse 99000", "deep"));
    CHECK(call_status(rt, "deep100k", "recurse 1000000", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(LOG_COUNT("deep100k", WACTOR_LOG_ERROR, "crashed: stack") == 1);
    CHECK(call_expect(rt, "deep100k", "ping", "pong"));
    wactor_runtime_free(rt);
}

/* ABI v2: the FAILED callback of a request whose target crashed while handling it says
 * "crashed: KIND", KIND the trap's word (docs/ABI.md, "Failure"); a request the instance held
 * unanswered gets the same reason. The crash's log line and its audit reason begin with the
 * same words, and so does the line of the restart that follows. */
static void test_crash_reasons(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    static const struct {
        const char *name, *command, *reason;
        wactor_limits limits;
    } cases[] = {
        {"r.fuel", "loop", "crashed: fuel", {.fuel = 1000000}},
        {"r.time", "loop", "crashed: time", {.time_ms = 100}},
        {"r.stack", "recurse 1000000", "crashed: stack", {.stack = 1000}},
        {"r.unreachable", "trap", "crashed: unreachable", {0}},
        {"r.memory", "oob", "crashed: memory", {0}},
        {"r.div", "div0", "crashed: divide-by-zero", {0}},
        {"r.exit", "exit3", "crashed: exit", {0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wactor_component_options o = component(cases[i].name, "fail_worker");
        o.limits = cases[i].limits;
        CHECK(spawn(rt, &o) == WACTOR_OK);
        CHECK(call_expect(rt, cases[i].name, "ping", "pong"));
        async_req held;
        async_init(&held);
        CHECK(wactor_request(rt, cases[i].name, "hold", 4, 0, async_done, &held) > 0);
        char why[64];
        int status = call_status(rt, cases[i].name, cases[i].command, why, sizeof why);
        fprintf(stderr, "%s <- %s: %s \"%s\"\n", cases[i].name, cases[i].command,
                status >= 0 ? wactor_status_name(status) : wactor_result_name(status), why);
        CHECK(status == WACTOR_STATUS_FAILED);
        CHECK(strcmp(why, cases[i].reason) == 0);
        CHECK(async_wait(&held));
        CHECK(held.status == WACTOR_STATUS_FAILED && strcmp(held.payload, cases[i].reason) == 0);
        async_fini(&held);
        CHECK(LOG_COUNT(cases[i].name, WACTOR_LOG_ERROR, cases[i].reason) == 1);
        char line[1024], reason[256];
        audit_last(cases[i].name, "crash", line, sizeof line);
        json_get(line, "reason", reason, sizeof reason);
        CHECK(strncmp(reason, cases[i].reason, strlen(cases[i].reason)) == 0);
        CHECK(call_expect(rt, cases[i].name, "ping", "pong"));
        CHECK(LOG_COUNT(cases[i].name, WACTOR_LOG_INFO, "restarted", cases[i].reason) == 1);
    }
    wactor_runtime_free(rt);
}

/* ---- 5. supervision: intensity, start failures, policies ----------------- */

/* fail_client's report. */
typedef struct client_record {
    int32_t id, status, callbacks;
    char payload[32];
} client_record;

typedef struct client_report {
    int32_t x_messages, nrec, unknown_callbacks;
    client_record rec[64];
} client_report;

static bool client_report_get(wactor_runtime *rt, const char *name, client_report *r)
{
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    memset(r, 0, sizeof *r);
    bool ok = wactor_call(rt, name, "report", 6, 0, &status, &answer, &len) == WACTOR_OK &&
              status == WACTOR_STATUS_OK && len == sizeof *r;
    if (ok)
        memcpy(r, answer, sizeof *r);
    free(answer);
    return ok;
}

/* max_restarts 3 within 60 s, a component that traps on every message after a first good
 * one: the 4th crash stops it for good; the requests still in its mailbox get FAILED,
 * later sends and requests ENOTFOUND, and the rest of the system runs on. One worker, so
 * that all ten requests, made in one handler of another component, are queued before the
 * first one runs. */
static void test_intensity(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(1, 3, 60000);
    REQUIRE(rt);
    wactor_component_options o = component("other", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("crashy", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("driver", "fail_client");
    o.request = PATTERNS("crashy");
    CHECK(spawn(rt, &o) == WACTOR_OK);

    int32_t made = 0;
    char buf[64];
    CHECK(call(rt, "driver", "script crashy ping trap trap trap trap ping ping ping ping ping", buf,
               sizeof buf, NULL) == WACTOR_STATUS_OK);
    memcpy(&made, buf, sizeof made);
    CHECK(made == 10);
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK);

    client_report r;
    CHECK(client_report_get(rt, "driver", &r));
    CHECK(r.nrec == 10);
    CHECK(r.unknown_callbacks == 0);
    for (int i = 0; i < r.nrec && i < 10; i++) {
        const client_record *c = &r.rec[i];
        int want = i == 0 ? WACTOR_STATUS_OK : WACTOR_STATUS_FAILED;
        const char *why = i == 0 ? "pong" : i <= 4 ? "crashed: unreachable" : "stopped";
        if (c->callbacks != 1 || c->status != want || strcmp(c->payload, why) != 0) {
            fprintf(stderr, "request %d: %d callbacks, status %d \"%s\"; want 1, %d \"%s\"\n", i,
                    c->callbacks, c->status, c->payload, want, why);
            CHECK(!"each request settles as expected");
        }
    }
    wactor_stats s = stats(rt, "crashy");
    CHECK(s.crashes == 4);
    CHECK(s.restarts == 3);
    CHECK(!s.running);
    CHECK(s.queued == 0);
    CHECK(audit_count("crashy", "crash", "ok") == 4);
    CHECK(audit_count("crashy", "restart", "ok") == 3);
    char line[1024], reason[256];
    audit_last("crashy", "stop", line, sizeof line);
    fprintf(stderr, "audit: %s\n", line);
    CHECK(strstr(json_get(line, "reason", reason, sizeof reason), "more than 3 restarts") != NULL);
    CHECK(LOG_COUNT("crashy", WACTOR_LOG_WARN, "stopped for good") == 1);

    CHECK(wactor_send(rt, "crashy", "ping", 4) == WACTOR_ENOTFOUND);
    async_req late;
    async_init(&late);
    CHECK(wactor_request(rt, "crashy", "ping", 4, 0, async_done, &late) == WACTOR_ENOTFOUND);
    CHECK(call(rt, "driver", "script crashy ping", buf, sizeof buf, NULL) == WACTOR_STATUS_OK);
    memcpy(&made, buf, sizeof made);
    CHECK(made == 0);
    CHECK(call_expect(rt, "other", "ping", "pong"));
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK);
    CHECK(async_calls(&late) == 0);
    async_fini(&late);
    wactor_runtime_free(rt);
}

/* A wactor_init that always fails (or traps, or loops): spawn says ESTART, the component is
 * restarted with a doubling back-off (1, 2, 4 ms) and stopped for good after the intensity;
 * a request sent meanwhile ends FAILED (or is refused ENOTFOUND once it has stopped). */
static void init_fails_case(wactor_runtime *rt, const char *name, const char *config,
                            uint32_t time_ms, const char *errtext)
{
    wactor_component_options o = component(name, "fail_worker");
    o.config = config;
    o.config_len = strlen(config);
    o.limits.time_ms = time_ms;
    CHECK(wactor_spawn(rt, &o) == WACTOR_ESTART);
    fprintf(stderr, "errmsg: %s\n", wactor_errmsg(rt));
    CHECK(strstr(wactor_errmsg(rt), errtext) != NULL);
    async_req req;
    async_init(&req);
    int64_t id = wactor_request(rt, name, "ping", 4, 0, async_done, &req);
    CHECK(id > 0 || id == WACTOR_ENOTFOUND);
    CHECK(wait_audit(name, "stop", 1));
    /* The audit line comes just before the name is released; the turn that stopped the
     * component (and handles the request, if any) ends after that. */
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK);
    if (id > 0) {
        CHECK(async_wait(&req));
        CHECK(req.status == WACTOR_STATUS_FAILED);
    }
    fprintf(stderr, "request sent after the failed spawn: %s %s\n", id > 0 ? "FAILED" : "refused",
            id > 0 ? req.payload : wactor_result_name((int)id));
    wactor_stats s = stats(rt, name);
    CHECK(s.crashes == 4);
    CHECK(s.restarts == 0);
    CHECK(!s.running);
    CHECK(audit_count(name, "spawn", "ok") == 1);
    CHECK(audit_count(name, "crash", "ok") == 4);
    CHECK(LOG_COUNT(name, WACTOR_LOG_WARN, "backing off 1 ms after") == 1);
    CHECK(LOG_COUNT(name, WACTOR_LOG_WARN, "backing off 2 ms after") == 1);
    CHECK(LOG_COUNT(name, WACTOR_LOG_WARN, "backing off 4 ms after") == 1);
    CHECK(LOG_COUNT(name, WACTOR_LOG_WARN, "stopped for good") == 1);
    CHECK(wactor_send(rt, name, "ping", 4) == WACTOR_ENOTFOUND);
    CHECK(wactor_request(rt, name, "ping", 4, 0, async_done, &req) == WACTOR_ENOTFOUND);
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK);
    CHECK(async_calls(&req) == (id > 0 ? 1 : 0));
    async_fini(&req);
}

static void test_init_fails(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 3, 60000);
    REQUIRE(rt);
    wactor_component_options o = component("other", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    init_fails_case(rt, "initfail", "fail-init", 0, "wactor_init returned 1");
    init_fails_case(rt, "inittrap", "trap-init", 0, "start-up trapped: unreachable");
    /* The time limit holds during start-up too, in spawn and in restarts. */
    double t0 = now_s();
    init_fails_case(rt, "initloop", "loop-init", 100, "start-up trapped: interrupted");
    CHECK(now_s() - t0 < 10.0); /* four starts of about 100 ms: only catches a hang */
    CHECK(call_expect(rt, "other", "ping", "pong"));
    /* The name is free again once the component has stopped for good. */
    o = component("initfail", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    CHECK(call_expect(rt, "initfail", "ping", "pong"));
    wactor_runtime_free(rt);
}

/* A component whose every start fails, with room for many restarts, is always about to
 * restart: a stop must still reach it (it used to wait forever, each back-off ending in a
 * failed restart and a new back-off before the mailbox was looked at). */
static void test_stop_in_backoff(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 1000000, 600000);
    REQUIRE(rt);
    wactor_component_options o = component("looping", "fail_worker");
    o.config = "fail-init";
    o.config_len = strlen("fail-init");
    CHECK(wactor_spawn(rt, &o) == WACTOR_ESTART);
    async_req req;
    async_init(&req);
    CHECK(wactor_request(rt, "looping", "ping", 4, 0, async_done, &req) > 0);
    CHECK(wait_log("looping", "backing off 4 ms")); /* in its loop */
    CHECK(wactor_stop(rt, "looping") == WACTOR_OK);
    CHECK(async_wait(&req));
    CHECK(req.status == WACTOR_STATUS_FAILED);
    wactor_stats s = stats(rt, "looping");
    CHECK(!s.running);
    CHECK(wactor_send(rt, "looping", "ping", 4) == WACTOR_ENOTFOUND);
    async_fini(&req);
    wactor_runtime_free(rt);
}

static wactor_component_options with_policy(const char *name, int policy)
{
    wactor_component_options o = component(name, "fail_worker");
    o.restart = policy;
    return o;
}

/* temporary: no restart after a crash nor after proc_exit(0). */
static void test_policy_temporary(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = with_policy("temp", WACTOR_RESTART_TEMPORARY);
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = with_policy("tempexit", WACTOR_RESTART_TEMPORARY);
    CHECK(spawn(rt, &o) == WACTOR_OK);
    char why[64];

    CHECK(call_expect(rt, "temp", "ping", "pong"));
    CHECK(call_status(rt, "temp", "trap", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(strcmp(why, "crashed: unreachable") == 0);
    CHECK(wait_audit("temp", "stop", 1));
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK); /* the turn that stopped it is over */
    CHECK(wactor_send(rt, "temp", "ping", 4) == WACTOR_ENOTFOUND);
    CHECK(call(rt, "temp", "ping", NULL, 0, NULL) == WACTOR_ENOTFOUND);
    wactor_stats s = stats(rt, "temp");
    CHECK(s.crashes == 1 && s.restarts == 0 && !s.running);
    char line[1024], reason[256];
    audit_last("temp", "stop", line, sizeof line);
    CHECK(strcmp(json_get(line, "reason", reason, sizeof reason), "restart policy temporary") == 0);

    CHECK(call_status(rt, "tempexit", "exit0", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(wait_audit("tempexit", "stop", 1));
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK); /* the turn that stopped it is over */
    CHECK(wactor_send(rt, "tempexit", "ping", 4) == WACTOR_ENOTFOUND);
    s = stats(rt, "tempexit");
    CHECK(s.crashes == 0 && s.restarts == 0 && !s.running);
    CHECK(audit_count("tempexit", "exit", "ok") == 1);
    wactor_runtime_free(rt);
}

/* transient: restarted after a trap and after proc_exit(3); stays stopped after
 * proc_exit(0). */
static void test_policy_transient(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = with_policy("trans", WACTOR_RESTART_TRANSIENT);
    CHECK(spawn(rt, &o) == WACTOR_OK);
    char why[64];
    CHECK(call_status(rt, "trans", "trap", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(call_expect(rt, "trans", "ping", "pong"));
    CHECK(call_status(rt, "trans", "exit3", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(call_expect(rt, "trans", "ping", "pong"));
    CHECK(LOG_COUNT("trans", WACTOR_LOG_ERROR, "crashed: exit (exit code 3)") == 1);
    wactor_stats s = stats(rt, "trans");
    CHECK(s.crashes == 2 && s.restarts == 2 && s.running);

    CHECK(call_status(rt, "trans", "exit0", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(strcmp(why, "exited") == 0);
    CHECK(wait_audit("trans", "stop", 1));
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK); /* the turn that stopped it is over */
    CHECK(wactor_send(rt, "trans", "ping", 4) == WACTOR_ENOTFOUND);
    CHECK(call(rt, "trans", "ping", NULL, 0, NULL) == WACTOR_ENOTFOUND);
    s = stats(rt, "trans");
    CHECK(s.crashes == 2 && s.restarts == 2 && !s.running);
    CHECK(audit_count("trans", "exit", "ok") == 1);
    char line[1024], reason[256];
    audit_last("trans", "stop", line, sizeof line);
    CHECK(strcmp(json_get(line, "reason", reason, sizeof reason), "restart policy transient") == 0);

    /* proc_exit(0) in wactor_init is a clean stop too, not a failed start. */
    o = with_policy("transinit", WACTOR_RESTART_TRANSIENT);
    o.config = "exit-init";
    o.config_len = strlen(o.config);
    CHECK(spawn(rt, &o) == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK);
    CHECK(wactor_send(rt, "transinit", "ping", 4) == WACTOR_ENOTFOUND);
    CHECK(audit_count("transinit", "exit", "ok") == 1);
    CHECK(audit_count("transinit", "crash", "ok") == 0);
    CHECK(LOG_COUNT("transinit", WACTOR_LOG_ERROR, "") == 0);
    audit_last("transinit", "stop", line, sizeof line);
    CHECK(strcmp(json_get(line, "reason", reason, sizeof reason), "restart policy transient") == 0);

    /* proc_exit(0) in wactor_on_shutdown ends it normally: no warning. */
    o = with_policy("transshut", WACTOR_RESTART_TRANSIENT);
    o.config = "exit-shutdown";
    o.config_len = strlen(o.config);
    CHECK(spawn(rt, &o) == WACTOR_OK);
    CHECK(call_expect(rt, "transshut", "ping", "pong"));
    CHECK(wactor_stop(rt, "transshut") == WACTOR_OK);
    CHECK(LOG_COUNT("transshut", WACTOR_LOG_WARN, "") == 0);
    wactor_runtime_free(rt);
}

/* permanent (the default): restarted after proc_exit(0) too. */
static void test_policy_permanent(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = with_policy("perm", WACTOR_RESTART_PERMANENT);
    CHECK(spawn(rt, &o) == WACTOR_OK);
    char why[64];
    CHECK(call_expect(rt, "perm", "ping", "pong"));
    CHECK(call_status(rt, "perm", "exit0", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(strcmp(why, "exited") == 0);
    CHECK(call_expect(rt, "perm", "ping", "pong"));
    wactor_stats s = stats(rt, "perm");
    CHECK(s.crashes == 0 && s.restarts == 1 && s.running);
    /* A request the instance kept to answer later dies with it: FAILED. */
    async_req held;
    async_init(&held);
    CHECK(wactor_request(rt, "perm", "hold", 4, 0, async_done, &held) > 0);
    CHECK(call_status(rt, "perm", "trap", why, sizeof why) == WACTOR_STATUS_FAILED);
    CHECK(async_wait(&held));
    CHECK(held.calls == 1 && held.status == WACTOR_STATUS_FAILED);
    async_fini(&held);
    CHECK(call_expect(rt, "perm", "ping", "pong"));
    s = stats(rt, "perm");
    CHECK(s.crashes == 1 && s.restarts == 2 && s.running);
    CHECK(audit_count("perm", "exit", "ok") == 1);
    CHECK(audit_count("perm", "stop", NULL) == 0);
    wactor_runtime_free(rt);
}

/* ---- 6. capabilities ------------------------------------------------------ */

typedef struct probe {
    const char *what;
    int32_t denied, granted; /* the result without, and with, the capability */
    const char *action, *target;
} probe;

#define NOTCAPABLE 76

static const probe probes[] = {
    {"send", WACTOR_EDENIED, WACTOR_OK, "send", "other"},
    {"request", WACTOR_EDENIED, 1, "request", "other"},
    {"publish", WACTOR_EDENIED, WACTOR_OK, "publish", "events.x"},
    {"subscribe", WACTOR_EDENIED, WACTOR_OK, "subscribe", "events.x"},
    /* Storage with a grant is tested with the storage (being implemented elsewhere). */
    {"kv_get", WACTOR_EDENIED, 0, "storage", "k"},
    {"kv_set", WACTOR_EDENIED, 0, "storage", "k"},
    {"kv_delete", WACTOR_EDENIED, 0, "storage", "k"},
    {"fd_write1", NOTCAPABLE, 0, "wasi", "stdout"},
    {"fd_write2", NOTCAPABLE, 0, "wasi", "stderr"},
    {"clock", NOTCAPABLE, 0, "wasi", "clock"},
    {"clock_res", NOTCAPABLE, 0, "wasi", "clock"},
    {"random", NOTCAPABLE, 0, "wasi", "random"},
    {"environ_sizes", NOTCAPABLE, 0, "wasi", "env"},
    {"environ", NOTCAPABLE, 0, "wasi", "env"},
};

static int32_t run_probe(wactor_runtime *rt, const char *component, const char *what)
{
    int32_t rc = -1000;
    char buf[16];
    size_t len = 0;
    if (call(rt, component, what, buf, sizeof buf, &len) == WACTOR_STATUS_OK && len == 4)
        memcpy(&rc, buf, sizeof rc);
    return rc;
}

/* Every import that needs a capability, called without it: EDENIED (WASI: errno 76) and
 * exactly one audit line with time, component, action, target, decision "denied" and a
 * reason. The same calls with the capabilities granted succeed and audit nothing. */
static void test_capabilities(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("other", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("nocaps", "fail_caps");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("granted", "fail_caps");
    o.send = PATTERNS("other");
    o.request = PATTERNS("other");
    o.publish = PATTERNS("events.>");
    o.subscribe = PATTERNS("events.>");
    o.wasi = WACTOR_WASI_STDOUT | WACTOR_WASI_STDERR | WACTOR_WASI_CLOCK | WACTOR_WASI_RANDOM |
             WACTOR_WASI_ENV;
    CHECK(spawn(rt, &o) == WACTOR_OK);

    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        const probe *p = &probes[i];
        size_t before = audit_count("nocaps", NULL, "denied");
        int32_t rc = run_probe(rt, "nocaps", p->what);
        size_t after = audit_count("nocaps", NULL, "denied");
        char line[1024], field[256];
        audit_last("nocaps", NULL, line, sizeof line);
        bool ok = rc == p->denied && after == before + 1 && json_has(line, "component", "nocaps") &&
                  json_has(line, "action", p->action) && json_has(line, "target", p->target) &&
                  json_has(line, "decision", "denied") &&
                  strlen(json_get(line, "reason", field, sizeof field)) > 0 &&
                  strlen(json_get(line, "time", field, sizeof field)) >= 20 && field[4] == '-' &&
                  field[10] == 'T' && field[strlen(field) - 1] == 'Z' && line[0] == '{' &&
                  line[strlen(line) - 1] == '}';
        if (!ok) {
            fprintf(stderr, "%s without the capability: %d (want %d), %zu new audit lines: %s\n",
                    p->what, rc, p->denied, after - before, line);
            CHECK(!"denied and audited once");
        }
    }

    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        const probe *p = &probes[i];
        if (strncmp(p->what, "kv_", 3) == 0 || strcmp(p->what, "environ") == 0)
            continue;
        int32_t rc = run_probe(rt, "granted", p->what);
        if (rc != p->granted) {
            fprintf(stderr, "%s with the capability: %d (want %d)\n", p->what, rc, p->granted);
            CHECK(!"allowed");
        }
    }
    CHECK(audit_count("granted", NULL, "denied") == 0);
    CHECK(LOG_COUNT("granted", WACTOR_LOG_INFO, "hello from fail_caps") == 2);
    CHECK(LOG_COUNT("nocaps", WACTOR_LOG_TRACE, "hello from fail_caps") == 0);
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK);
    wactor_runtime_free(rt);
}

/* 7. Storage (kv_* with a grant, quotas, durability across crashes): left to the storage
 * tests, which come with the storage being implemented now. */

/* ---- 8. bounds ------------------------------------------------------------ */

/* limits.pending = 100 and 1000 requests in one handler to a component that never answers:
 * exactly 100 get an id, the other 900 EFULL. A cancel frees one place. */
static void test_pending_bound(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("sink", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("flooder", "fail_client");
    o.limits.pending = 100;
    o.request = PATTERNS("sink");
    CHECK(spawn(rt, &o) == WACTOR_OK);

    int32_t out[4] = {0};
    char buf[64];
    size_t len = 0;
    CHECK(call(rt, "flooder", "pending 1000 sink", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    CHECK(len == sizeof out);
    memcpy(out, buf, sizeof out);
    fprintf(stderr, "flooder: %d ids, %d EFULL, %d other\n", out[0], out[1], out[2]);
    CHECK(out[0] == 100);
    CHECK(out[1] == 900);
    CHECK(out[2] == 0);
    CHECK(out[3] > 0);
    CHECK(stats(rt, "flooder").pending == 100);

    CHECK(call(rt, "flooder", "again", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    memcpy(out, buf, sizeof out);
    CHECK(out[0] == WACTOR_OK);        /* the cancel frees one place */
    CHECK(out[1] == WACTOR_ENOTFOUND); /* cancelled already */
    CHECK(out[2] == 1);                /* takes the place */
    CHECK(out[3] == WACTOR_EFULL);     /* full again */
    CHECK(stats(rt, "flooder").pending == 100);
    /* sink's mailbox is FIFO: the ping comes after the 101 requests. */
    CHECK(call_expect(rt, "sink", "ping", "pong"));
    CHECK(stats(rt, "sink").received == 102);
    wactor_runtime_free(rt);
}

/* limits.mailbox = 50: with one worker, a component sending 1000 messages in one handler
 * to a receiver that cannot run meanwhile gets exactly 50 OK and 950 EFULL. A callback to
 * the receiver while its mailbox is full is still delivered (it does not count). */
static void test_mailbox_bound(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(1, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("recv", "fail_client");
    o.limits.mailbox = 50;
    o.request = PATTERNS("filler");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("filler", "fail_client");
    o.send = PATTERNS("recv");
    o.request = PATTERNS("recv");
    CHECK(spawn(rt, &o) == WACTOR_OK);

    char buf[64];
    size_t len = 0;
    int32_t ok = 0, out[5] = {0};
    /* recv asks filler, which keeps the request to answer it once recv's mailbox is full. */
    CHECK(call(rt, "recv", "ask filler", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    memcpy(&ok, buf, sizeof ok);
    CHECK(ok == 1);
    CHECK(call(rt, "filler", "fill 1000 recv", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    CHECK(len == sizeof out);
    memcpy(out, buf, sizeof out);
    fprintf(stderr, "filler: %d OK, %d EFULL, %d other; request %d, respond %d\n", out[0], out[1],
            out[2], out[3], out[4]);
    CHECK(out[0] == 50);
    CHECK(out[1] == 950);
    CHECK(out[2] == 0);
    CHECK(out[3] == WACTOR_EFULL); /* requests count against the bound too */
    CHECK(out[4] == WACTOR_OK);    /* the answer to recv's request is never refused */
    CHECK(stats(rt, "filler").pending == 0);
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK);

    client_report r;
    CHECK(client_report_get(rt, "recv", &r));
    CHECK(r.x_messages == 50);
    CHECK(r.nrec == 1);
    CHECK(r.rec[0].callbacks == 1);
    CHECK(r.rec[0].status == WACTOR_STATUS_OK);
    CHECK(strcmp(r.rec[0].payload, "late") == 0);
    wactor_stats s = stats(rt, "recv");
    CHECK(s.callbacks[WACTOR_STATUS_OK] == 1);
    CHECK(s.queued == 0);
    /* Drained: the bound applies to what is queued, not to what was ever sent. */
    CHECK(call(rt, "filler", "mailbox 30 recv", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    memcpy(out, buf, 3 * sizeof(int32_t));
    CHECK(out[0] == 30 && out[1] == 0 && out[2] == 0);
    wactor_runtime_free(rt);
}

/* ABI "Failure": the restarted instance receives no callbacks for the requests its crashed
 * predecessor had sent; an answer that arrives later is dropped (the responder still gets
 * OK from respond). */
static void test_stale_callbacks(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("holder", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("client", "fail_client");
    o.request = PATTERNS("holder");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    char buf[64];
    int32_t ok = 0;
    CHECK(call(rt, "client", "ask holder", buf, sizeof buf, NULL) == WACTOR_STATUS_OK);
    memcpy(&ok, buf, sizeof ok);
    CHECK(ok == 1);
    /* holder's mailbox is FIFO: once it answers this, it holds client's request. */
    CHECK(call_expect(rt, "holder", "ping", "pong"));
    CHECK(call_status(rt, "client", "trap", buf, sizeof buf) == WACTOR_STATUS_FAILED);
    int32_t rc = -1;
    CHECK(call(rt, "holder", "release", buf, sizeof buf, NULL) == WACTOR_STATUS_OK);
    memcpy(&rc, buf, sizeof rc);
    CHECK(rc == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK);
    client_report r;
    CHECK(client_report_get(rt, "client", &r));
    CHECK(r.nrec == 0);
    CHECK(r.unknown_callbacks == 0);
    wactor_stats s = stats(rt, "client");
    CHECK(s.callbacks[0] + s.callbacks[1] + s.callbacks[2] + s.callbacks[3] == 0);
    CHECK(s.pending == 0);
    CHECK(s.crashes == 1 && s.restarts == 1);
    wactor_runtime_free(rt);
}

/* ABI "Failure": requests that a crashed instance had sent are cancelled. So they no longer
 * count against limits.pending: the restarted instance, which starts with no request of its
 * own, can make requests at once (and stats show none pending). */
static void test_pending_after_crash(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(2, 0, 0);
    REQUIRE(rt);
    wactor_component_options o = component("sink", "fail_worker");
    CHECK(spawn(rt, &o) == WACTOR_OK);
    o = component("flooder", "fail_client");
    o.limits.pending = 100;
    o.request = PATTERNS("sink");
    CHECK(spawn(rt, &o) == WACTOR_OK);

    int32_t out[4] = {0};
    char buf[64];
    size_t len = 0;
    CHECK(call(rt, "flooder", "pending 100 sink", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    memcpy(out, buf, sizeof out);
    CHECK(out[0] == 100 && out[1] == 0);
    CHECK(call_status(rt, "flooder", "trap", buf, sizeof buf) == WACTOR_STATUS_FAILED);
    CHECK(call(rt, "flooder", "pending 10 sink", buf, sizeof buf, &len) == WACTOR_STATUS_OK);
    memcpy(out, buf, sizeof out);
    fprintf(stderr, "restarted flooder: %d ids, %d EFULL; %u pending\n", out[0], out[1],
            stats(rt, "flooder").pending);
    CHECK(out[0] == 10);
    CHECK(out[1] == 0);
    CHECK(stats(rt, "flooder").pending == 10);
    CHECK(stats(rt, "flooder").restarts == 1);
    wactor_runtime_free(rt);
}

/* The start window: a component whose first start fails is supervised from the start and
 * registered while it waits for its restart. A request that reaches it right after the failed
 * start-up (here made from the audit callback of its "spawn" line, which runs on the spawning
 * thread before the supervisor takes over) must wait in the mailbox for the restarted
 * instance, like any message in the mailbox of a crashed component (ABI.md "Failure": a
 * crash loses no other message). The component's
 * wactor_init fails until 2.5 s after the spawn, then succeeds; the request sent
 * normally, after spawn returned, shows the expected outcome: answered OK. */
static wactor_runtime *window_rt;
static async_req window_req;
static int64_t window_id;

static void window_audit(void *arg, const char *line, size_t len)
{
    on_audit(arg, line, len);
    if (window_rt && !window_id && json_has(line, "component", "late") &&
        json_has(line, "action", "spawn"))
        window_id = wactor_request(window_rt, "late", "ping", 4, 0, async_done, &window_req);
}

static void test_start_window(void *arg)
{
    (void)arg;
    wactor_runtime_options ro = {.workers = 2,
                                 .request_timeout_ms = 600000,
                                 .max_restarts = 100,
                                 .restart_within_ms = 60000,
                                 .log = on_log,
                                 .audit = window_audit};
    test_tier(&ro);
    wactor_runtime *rt = wactor_runtime_new(&ro);
    REQUIRE(rt);
    async_init(&window_req);
    async_req normal;
    async_init(&normal);
    char config[64];
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    long long until = (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000 + 2500;
    snprintf(config, sizeof config, "fail-until %lld", until);
    wactor_component_options o = component("late", "fail_worker");
    o.config = config;
    o.config_len = strlen(config);
    window_rt = rt;
    window_id = 0;
    CHECK(wactor_spawn(rt, &o) == WACTOR_ESTART);
    CHECK(window_id > 0);
    CHECK(wactor_request(rt, "late", "ping", 4, 0, async_done, &normal) > 0);
    CHECK(async_wait(&normal));
    CHECK(async_wait(&window_req));
    fprintf(stderr, "request after spawn: %s \"%s\"; request in the start window: %s \"%s\"\n",
            wactor_status_name(normal.status), normal.payload,
            wactor_status_name(window_req.status), window_req.payload);
    CHECK(normal.status == WACTOR_STATUS_OK && strcmp(normal.payload, "pong") == 0);
    CHECK(window_req.status == WACTOR_STATUS_OK && strcmp(window_req.payload, "pong") == 0);
    CHECK(stats(rt, "late").running);
    CHECK(wactor_wait_idle(rt, HANG_MS) == WACTOR_OK);
    window_rt = NULL;
    wactor_runtime_free(rt);
    async_fini(&normal);
    async_fini(&window_req);
}

/* ---- main ------------------------------------------------------------------ */

static const test_case tests[] = {
    {"chaos", test_chaos},
    {"loop_time", test_loop_time},
    {"loop_fuel", test_loop_fuel},
    {"memory_bomb", test_memory_bomb},
    {"memory_initial", test_memory_initial},
    {"stack", test_stack},
    {"crash_reasons", test_crash_reasons},
    {"intensity", test_intensity},
    {"init_fails", test_init_fails},
    {"stop_in_backoff", test_stop_in_backoff},
    {"policy_temporary", test_policy_temporary},
    {"policy_transient", test_policy_transient},
    {"policy_permanent", test_policy_permanent},
    {"capabilities", test_capabilities},
    {"pending_bound", test_pending_bound},
    {"mailbox_bound", test_mailbox_bound},
    {"stale_callbacks", test_stale_callbacks},
    {"pending_after_crash", test_pending_after_crash},
    {"start_window", test_start_window},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: failure_test CASE|all WASM_DIR\n");
        return 2;
    }
    wasm_dir = argv[2];
    int rc = 0;
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        if (strcmp(argv[1], "all") != 0 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        /* A fresh record of events per case. */
        events_init();
        int r = test_run(&tests[i], 1, tests[i].name, NULL);
        events_free();
        if (r > rc)
            rc = r;
        if (strcmp(argv[1], "all") != 0)
            return rc;
    }
    if (strcmp(argv[1], "all") != 0) {
        fprintf(stderr, "no test named %s\n", argv[1]);
        return 2;
    }
    return rc;
}
