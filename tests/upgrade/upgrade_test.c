/*
 * upgrade_test.c: a live component, watched and changed, through the embedding API only,
 * with the real component tests/guest/upgrade_agent.c (its config says its version).
 *
 * Watch: the states a component goes through (starting, running, backing-off, failed,
 * stopped), its memory and its storage in wactor_stats. Each state is observed where it is
 * certain: inside the log line the runtime writes as it enters it (the log callback reads
 * the statistics), or once the runtime is done with it.
 * Change: wactor_upgrade under a stream of 100,000 requests, the state handed over, the
 * rollback of a broken version, the abort by wactor_on_upgrade.
 * `bench` (not a ctest case) times how long a component is unavailable during an upgrade.
 *
 * usage: upgrade_test CASE|all|bench UPGRADE_AGENT.wasm
 */
#include "../e2e/tier.h"
#include "../unit/harness.h"
#include "wactor.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static const char *agent_path;
static wactor_module *agent;

/* ---- helpers ------------------------------------------------------------ */

/* The log: every line is checked for the words of a state change, and the component's
 * state at that moment recorded. */
typedef struct watch {
    wactor_runtime *rt;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int starting_state; /* the state seen from wactor_init's log line */
    int backoff_state;  /* ... from the "backing off" line */
    int failed_state;   /* ... from the "stopped for good" line */
    int backoffs, stops, rollbacks, aborts;
} watch;

static watch w;

static void on_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    watch *x = arg;
    char line[600];
    snprintf(line, sizeof line, "%.*s", (int)(len < 500 ? len : 500), text);
    fprintf(stderr, "log %d %s: %s\n", level, component ? component : "wactor", line);
    if (!component || !x->rt)
        return;
    wactor_stats s = {.state = -1};
    bool starting = strstr(line, "starting") != NULL, backoff = strstr(line, "backing off");
    bool stopped = strstr(line, "stopped for good") != NULL;
    if (starting || backoff || stopped)
        wactor_component_stats(x->rt, component, &s);
    pthread_mutex_lock(&x->lock);
    if (starting)
        x->starting_state = s.state;
    if (backoff && level == WACTOR_LOG_WARN) {
        x->backoff_state = s.state;
        x->backoffs++;
    }
    if (stopped && level == WACTOR_LOG_WARN) {
        x->failed_state = s.state;
        x->stops++;
    }
    if (strstr(line, "upgrade rolled back") && level == WACTOR_LOG_WARN)
        x->rollbacks++;
    if (strstr(line, "upgrade aborted") && level == WACTOR_LOG_WARN)
        x->aborts++;
    pthread_cond_broadcast(&x->cond);
    pthread_mutex_unlock(&x->lock);
}

static int audit_upgrades;
static void on_audit(void *arg, const char *line, size_t len)
{
    (void)arg;
    (void)len;
    if (strstr(line, "\"upgrade\""))
        __atomic_fetch_add(&audit_upgrades, 1, __ATOMIC_RELAXED);
}

static wactor_runtime *runtime(int32_t max_restarts)
{
    memset(&w, 0, sizeof w);
    w.starting_state = w.backoff_state = w.failed_state = -1;
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.cond, NULL);
    audit_upgrades = 0;
    wactor_runtime_options o = {.workers = 2,
                                .max_restarts = max_restarts,
                                .restart_within_ms = 600000,
                                .log = on_log,
                                .log_arg = &w,
                                .log_level = WACTOR_LOG_INFO,
                                .audit = on_audit};
    test_tier(&o);
    wactor_runtime *rt = wactor_runtime_new(&o);
    w.rt = rt;
    return rt;
}

static const char *const backend_only[] = {"backend"};

static wactor_component_options version(const char *name, const char *config)
{
    return (wactor_component_options){.name = name,
                                      .module = agent,
                                      .config = config,
                                      .config_len = strlen(config),
                                      .request = {backend_only, 1},
                                      .storage = 1 << 20,
                                      .limits = {.mailbox = 100000}};
}

static wactor_stats stats(wactor_runtime *rt, const char *name)
{
    wactor_stats s;
    memset(&s, 0, sizeof s);
    CHECK(wactor_component_stats(rt, name, &s) == WACTOR_OK);
    return s;
}

/* A blocking request whose answer is n int32s. */
static bool call_ints(wactor_runtime *rt, const char *name, const char *what, int32_t *out, int n)
{
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    int rc = wactor_call(rt, name, what, strlen(what), 0, &status, &answer, &len);
    bool ok = rc == WACTOR_OK && status == WACTOR_STATUS_OK && len == (size_t)n * 4;
    if (ok)
        memcpy(out, answer, len);
    free(answer);
    return ok;
}

/* ---- watch: states, memory, storage ------------------------------------- */

/* starting during wactor_init, running after it, memory and storage, stopped by
 * wactor_stop. */
static void test_states_running(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(0);
    REQUIRE(rt);
    wactor_component_options o = version("watched", "v1");
    REQUIRE(wactor_spawn(rt, &o) == WACTOR_OK);
    CHECK(w.starting_state == WACTOR_STATE_STARTING);
    wactor_stats s = stats(rt, "watched");
    CHECK(s.state == WACTOR_STATE_RUNNING);
    uint64_t mem = s.memory;
    CHECK(mem >= 65536 && mem % 65536 == 0);
    CHECK(s.storage == 0);
    int32_t kv[1];
    CHECK(call_ints(rt, "watched", "kv", kv, 1) && kv[0] == WACTOR_OK);
    s = stats(rt, "watched");
    CHECK(s.storage == 16); /* "key-01" + "0123456789" */
    /* A version that grows its memory by a page in wactor_init: the figure follows. */
    o = version("watched", "v2 grow");
    CHECK(wactor_upgrade(rt, "watched", &o) == WACTOR_OK);
    s = stats(rt, "watched");
    CHECK(s.memory == mem + 65536);
    CHECK(s.state == WACTOR_STATE_RUNNING);
    CHECK(wactor_stop(rt, "watched") == WACTOR_OK);
    s = stats(rt, "watched");
    CHECK(s.state == WACTOR_STATE_STOPPED && !s.running && s.memory == 0);
    CHECK(s.storage == 16); /* storage outlives the instance */
    wactor_runtime_free(rt);
}

/* A wactor_init that fails, restart permanent: restarting while it starts again,
 * backing-off between the starts, failed once past the intensity (3 restarts). */
static void test_states_backoff_failed(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(3);
    REQUIRE(rt);
    wactor_component_options o = version("loop", "v1 fail-init");
    CHECK(wactor_spawn(rt, &o) == WACTOR_ESTART);
    pthread_mutex_lock(&w.lock);
    while (w.stops == 0)
        pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
    CHECK(w.backoffs == 3);
    CHECK(w.backoff_state == WACTOR_STATE_BACKING_OFF);
    /* The last wactor_init that logged "starting" ran in a restart. */
    CHECK(w.starting_state == WACTOR_STATE_RESTARTING);
    CHECK(w.failed_state == WACTOR_STATE_FAILED);
    wactor_stats s = stats(rt, "loop");
    CHECK(s.state == WACTOR_STATE_FAILED && !s.running);
    CHECK(s.crashes == 4 && s.memory == 0);
    wactor_runtime_free(rt);
}

/* A component in a crash loop has no instance to replace: an upgrade is refused at once
 * (it used to wait forever, the back-off keeping the upgrade from its turn), and a stop
 * still reaches it. */
static void test_upgrade_in_backoff(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(1000000);
    REQUIRE(rt);
    wactor_component_options o = version("loop", "v1 fail-init");
    CHECK(wactor_spawn(rt, &o) == WACTOR_ESTART);
    pthread_mutex_lock(&w.lock);
    while (w.backoffs < 4) /* well into its loop: the back-off doubles */
        pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
    wactor_component_options fixed = version("loop", "v2");
    int rc = wactor_upgrade(rt, "loop", &fixed);
    fprintf(stderr, "upgrade in back-off: %s: %s\n", wactor_result_name(rc), wactor_errmsg(rt));
    CHECK(rc == WACTOR_ESTATE);
    CHECK(strstr(wactor_errmsg(rt), "after crashes") != NULL);
    CHECK(wactor_stop(rt, "loop") == WACTOR_OK);
    CHECK(stats(rt, "loop").state == WACTOR_STATE_STOPPED);
    wactor_runtime_free(rt);
}

/* The publications a component has handled (counted in `received`). */
static uint64_t got(wactor_runtime *rt, const char *topic)
{
    uint64_t before = stats(rt, "sub").received;
    CHECK(wactor_publish(rt, topic, "x", 1) == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, 60000) == WACTOR_OK);
    return stats(rt, "sub").received - before;
}

/* ABI.md, Upgrade: the old version's subscriptions stay in force until the new version's
 * wactor_init has returned; then what the new version did not subscribe to again ends. A
 * rolled-back version's subscriptions go with it. */
static void test_subscriptions(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(3);
    REQUIRE(rt);
    static const char *const up[] = {"up.*"};
    wactor_component_options o = version("sub", "v1 sub-a");
    o.subscribe = (wactor_patterns){up, 1};
    CHECK(wactor_spawn(rt, &o) == WACTOR_OK);
    CHECK(got(rt, "up.a") == 1 && got(rt, "up.b") == 0);
    o = version("sub", "v2 sub-a sub-b"); /* a again, and b */
    o.subscribe = (wactor_patterns){up, 1};
    CHECK(wactor_upgrade(rt, "sub", &o) == WACTOR_OK);
    CHECK(got(rt, "up.a") == 1 && got(rt, "up.b") == 1);
    o = version("sub", "v3 sub-b"); /* a is not made again: it ends */
    o.subscribe = (wactor_patterns){up, 1};
    CHECK(wactor_upgrade(rt, "sub", &o) == WACTOR_OK);
    CHECK(got(rt, "up.a") == 0 && got(rt, "up.b") == 1);
    o = version("sub", "v4 sub-a fail-init"); /* rolled back: its a goes, b stays */
    o.subscribe = (wactor_patterns){up, 1};
    CHECK(wactor_upgrade(rt, "sub", &o) == WACTOR_ESTART);
    CHECK(got(rt, "up.a") == 0 && got(rt, "up.b") == 1);
    wactor_runtime_free(rt);
}

/* ---- change: upgrade ---------------------------------------------------- */

#define STREAM 100000u
#define WINDOW 1000u
#define UPGRADES 10

typedef struct answer {
    int32_t version;
    uint32_t seq;
    int status;
    double at;
} answer;

typedef struct stream {
    wactor_runtime *rt;
    const char *target;
    char kind; /* 'R' relayed through the backend, 'D' answered at once */
    uint32_t total;
    answer *answers;
    atomic_uint answered, bad;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint32_t sent;
    atomic_bool stop; /* bench: ends an endless stream */
} stream;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void stream_done(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    (void)corr;
    stream *st = arg;
    answer a = {.version = -1, .status = status, .at = now_s()};
    if (status == WACTOR_STATUS_OK && len == 8) {
        memcpy(&a.version, payload, 4);
        memcpy(&a.seq, (const char *)payload + 4, 4);
    } else {
        atomic_fetch_add(&st->bad, 1);
    }
    /* The receiver's turns answer one at a time: indexes follow the order of answers. */
    unsigned i = atomic_load_explicit(&st->answered, memory_order_relaxed);
    if (i < st->total)
        st->answers[i] = a;
    pthread_mutex_lock(&st->lock);
    atomic_store(&st->answered, i + 1);
    pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&st->lock);
}

/* Sends st->total requests, at most WINDOW unanswered at once (the flow control of a
 * client; the mailbox bound is the runtime's). */
static void *stream_run(void *arg)
{
    stream *st = arg;
    for (uint32_t seq = 0; seq < st->total && !atomic_load(&st->stop); seq++) {
        pthread_mutex_lock(&st->lock);
        while (seq - atomic_load(&st->answered) >= WINDOW && !atomic_load(&st->stop))
            pthread_cond_wait(&st->cond, &st->lock);
        pthread_mutex_unlock(&st->lock);
        uint8_t msg[5] = {(uint8_t)st->kind};
        memcpy(msg + 1, &seq, 4);
        int64_t rc;
        while ((rc = wactor_request(st->rt, st->target, msg, 5, 0, stream_done, st)) ==
               WACTOR_EFULL)
            sched_yield();
        if (rc <= 0) {
            fprintf(stderr, "request %u: %s\n", seq, wactor_result_name((int)rc));
            atomic_fetch_add(&st->bad, 1);
            atomic_fetch_add(&st->answered, 1);
        }
        st->sent = seq + 1;
    }
    return NULL;
}

static void wait_answered(stream *st, uint32_t n)
{
    pthread_mutex_lock(&st->lock);
    while (atomic_load(&st->answered) < n)
        pthread_cond_wait(&st->cond, &st->lock);
    pthread_mutex_unlock(&st->lock);
}

static void stream_init(stream *st, wactor_runtime *rt, const char *target, char kind,
                        uint32_t total)
{
    memset(st, 0, sizeof *st);
    st->rt = rt;
    st->target = target;
    st->kind = kind;
    st->total = total;
    st->answers = calloc(total, sizeof *st->answers);
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->cond, NULL);
}

/* 100,000 requests relayed by "recv" through "backend" while recv is upgraded 10 times,
 * with a broken version and a refusing one tried on the way: every request answered once,
 * in order, by a version no older than the last upgrade that returned before the answer. */
static void test_under_load(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(0);
    REQUIRE(rt);
    wactor_component_options b = version("backend", "backend");
    REQUIRE(wactor_spawn(rt, &b) == WACTOR_OK);
    wactor_component_options o = version("recv", "v0");
    REQUIRE(wactor_spawn(rt, &o) == WACTOR_OK);
    stream st;
    stream_init(&st, rt, "recv", 'R', STREAM);
    REQUIRE(st.answers);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, stream_run, &st) == 0);
    unsigned marks[UPGRADES + 1] = {0};
    for (int k = 1; k <= UPGRADES; k++) {
        wait_answered(&st, (unsigned)k * STREAM / (UPGRADES + 2));
        char config[32];
        if (k == 4) { /* a broken version: rolled back, the stream goes on */
            wactor_component_options bad = version("recv", "v99 fail-init");
            CHECK(wactor_upgrade(rt, "recv", &bad) == WACTOR_ESTART);
            CHECK(strstr(wactor_errmsg(rt), "wactor_init returned 1") != NULL);
        }
        if (k == 6) { /* a module that is no module: refused before anything changes */
            wactor_component_options junk = {
                .name = "recv", .bytes = (const uint8_t *)"junk", .len = 4};
            CHECK(wactor_upgrade(rt, "recv", &junk) == WACTOR_EMODULE);
        }
        snprintf(config, sizeof config, "v%d", k);
        wactor_component_options next = version(NULL, config);
        CHECK(wactor_upgrade(rt, "recv", &next) == WACTOR_OK);
        marks[k] = atomic_load(&st.answered);
    }
    pthread_join(t, NULL);
    wait_answered(&st, STREAM);
    CHECK(atomic_load(&st.bad) == 0);
    int32_t last_version = 0;
    unsigned disorder = 0, stale = 0;
    for (uint32_t i = 0; i < STREAM; i++) {
        const answer *a = &st.answers[i];
        if (a->seq != i || a->version < last_version)
            disorder++;
        last_version = a->version;
        for (int k = 1; k <= UPGRADES; k++)
            if (i >= marks[k] && a->version < k)
                stale++;
    }
    CHECK(disorder == 0);
    CHECK(stale == 0);
    CHECK(last_version == UPGRADES);
    /* Exactly one callback for each relayed request, pending across switches included. */
    wactor_stats s = stats(rt, "recv");
    CHECK(s.received == STREAM);
    CHECK(s.callbacks[WACTOR_STATUS_OK] == STREAM);
    CHECK(s.callbacks[WACTOR_STATUS_FAILED] == 0 && s.crashes == 0 && s.restarts == 0);
    CHECK(stats(rt, "backend").received == STREAM);
    int32_t count[4];
    CHECK(call_ints(rt, "recv", "count", count, 4));
    CHECK(count[0] == UPGRADES);
    CHECK(count[1] == (int32_t)STREAM + 1); /* handed over version to version */
    CHECK(count[2] == 0);                   /* no respond failed, no callback twice */
    CHECK(w.rollbacks == 1);
    CHECK(audit_upgrades == UPGRADES + 2);
    free(st.answers);
    wactor_runtime_free(rt);
}

/* The state saved by the old version is what the new one loads; outside those calls the
 * imports say ESTATE, and an ordinary start finds nothing. */
static void test_state_handover(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(0);
    REQUIRE(rt);
    wactor_component_options o = version("keeper", "v1");
    REQUIRE(wactor_spawn(rt, &o) == WACTOR_OK);
    int32_t v[4];
    CHECK(call_ints(rt, "keeper", "count", v, 4));
    CHECK(v[0] == 1 && v[1] == 1 && v[3] == WACTOR_ENOTFOUND);
    CHECK(call_ints(rt, "keeper", "probe", v, 2));
    CHECK(v[0] == WACTOR_ESTATE && v[1] == WACTOR_ESTATE);
    o = version("keeper", "v2");
    CHECK(wactor_upgrade(rt, "keeper", &o) == WACTOR_OK);
    CHECK(call_ints(rt, "keeper", "count", v, 4));
    CHECK(v[0] == 2 && v[1] == 3 && v[3] == 8);
    wactor_runtime_free(rt);
}

/* A broken new version (wactor_init returns 1) is rolled back: the old version keeps its
 * memory and answers; the failure is logged and audited. */
static void test_rollback(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(0);
    REQUIRE(rt);
    wactor_component_options o = version("steady", "v1");
    REQUIRE(wactor_spawn(rt, &o) == WACTOR_OK);
    int32_t v[4];
    CHECK(call_ints(rt, "steady", "count", v, 4) && v[1] == 1);
    o = version("steady", "v2 fail-init");
    CHECK(wactor_upgrade(rt, "steady", &o) == WACTOR_ESTART);
    CHECK(strstr(wactor_errmsg(rt), "wactor_init returned 1") != NULL);
    CHECK(w.rollbacks == 1 && audit_upgrades == 1);
    CHECK(call_ints(rt, "steady", "count", v, 4));
    CHECK(v[0] == 1 && v[1] == 2); /* the same instance, memory and all */
    wactor_stats s = stats(rt, "steady");
    CHECK(s.state == WACTOR_STATE_RUNNING && s.crashes == 0 && s.restarts == 0);
    /* Misuse at the boundary. */
    o = version("other", "v3");
    CHECK(wactor_upgrade(rt, "steady", &o) == WACTOR_EINVAL);
    CHECK(wactor_upgrade(rt, "nobody", &o) == WACTOR_ENOTFOUND);
    CHECK(wactor_upgrade(rt, "steady", NULL) == WACTOR_EINVAL);
    wactor_runtime_free(rt);
}

/* The new version's settings apply from its first call on: capabilities (a route the old
 * version was allowed is decided again) and the mailbox bound. */
static void test_settings(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(0);
    REQUIRE(rt);
    wactor_component_options b = version("backend", "backend");
    REQUIRE(wactor_spawn(rt, &b) == WACTOR_OK);
    wactor_component_options o = version("relay", "v1");
    REQUIRE(wactor_spawn(rt, &o) == WACTOR_OK);
    uint8_t msg[5] = {'R', 7, 0, 0, 0};
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    CHECK(wactor_call(rt, "relay", msg, 5, 0, &status, &answer, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == 8);
    free(answer);
    CHECK(stats(rt, "relay").mailbox == 100000);
    o = version("relay", "v2");
    o.request = (wactor_patterns){NULL, 0}; /* no request capability any more */
    o.limits.mailbox = 50;
    CHECK(wactor_upgrade(rt, "relay", &o) == WACTOR_OK);
    answer = NULL;
    CHECK(wactor_call(rt, "relay", msg, 5, 0, &status, &answer, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_ERROR); /* its request was refused: EDENIED */
    free(answer);
    CHECK(stats(rt, "relay").mailbox == 50);
    wactor_runtime_free(rt);
}

/* wactor_on_upgrade returning non-zero aborts: the old version goes on. */
static void test_abort(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(0);
    REQUIRE(rt);
    wactor_component_options o = version("stubborn", "v1 refuse");
    REQUIRE(wactor_spawn(rt, &o) == WACTOR_OK);
    o = version("stubborn", "v2");
    CHECK(wactor_upgrade(rt, "stubborn", &o) == WACTOR_ESTATE);
    CHECK(strstr(wactor_errmsg(rt), "wactor_on_upgrade returned 1") != NULL);
    CHECK(w.aborts == 1 && w.rollbacks == 0 && audit_upgrades == 1);
    int32_t v[4];
    CHECK(call_ints(rt, "stubborn", "count", v, 4) && v[0] == 1 && v[1] == 1);
    wactor_runtime_free(rt);
}

/* ---- bench: unavailability ---------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A host thread keeps requests flowing to a component answered at once; the gap between
 * the last answer of one version and the first of the next is the time the component was
 * unavailable. Median (and quartiles) of 100 upgrades, the module compiled once. */
static void bench(void)
{
    enum { N = 100 };
    wactor_runtime *rt = runtime(0);
    wactor_component_options o = version("hot", "v0");
    if (!rt || wactor_spawn(rt, &o) != WACTOR_OK) {
        fprintf(stderr, "bench: cannot start\n");
        exit(1);
    }
    stream st;
    stream_init(&st, rt, "hot", 'D', 50000000u);
    pthread_t t;
    pthread_create(&t, NULL, stream_run, &st);
    double gaps[N], calls[N];
    for (int k = 1; k <= N; k++) {
        wait_answered(&st, atomic_load(&st.answered) + 2000);
        char config[32];
        snprintf(config, sizeof config, "v%d", k);
        wactor_component_options next = version("hot", config);
        double t0 = now_s();
        if (wactor_upgrade(rt, "hot", &next) != WACTOR_OK) {
            fprintf(stderr, "bench: upgrade %d: %s\n", k, wactor_errmsg(rt));
            exit(1);
        }
        calls[k - 1] = now_s() - t0;
        wait_answered(&st, atomic_load(&st.answered) + 2000);
        /* The switch: the first answer of version k. */
        unsigned n = atomic_load(&st.answered);
        gaps[k - 1] = -1;
        for (unsigned i = 1; i < n; i++)
            if (st.answers[i].version == k && st.answers[i - 1].version == k - 1) {
                gaps[k - 1] = st.answers[i].at - st.answers[i - 1].at;
                break;
            }
    }
    atomic_store(&st.stop, true);
    pthread_mutex_lock(&st.lock);
    pthread_cond_broadcast(&st.cond);
    pthread_mutex_unlock(&st.lock);
    pthread_join(t, NULL);
    wactor_wait_idle(rt, 0);
    qsort(gaps, N, sizeof gaps[0], cmp_double);
    qsort(calls, N, sizeof calls[0], cmp_double);
    printf("upgrade unavailability over %d upgrades (module compiled): median %.1f us, "
           "p25 %.1f us, p75 %.1f us, max %.1f us\n",
           N, gaps[N / 2] * 1e6, gaps[N / 4] * 1e6, gaps[3 * N / 4] * 1e6, gaps[N - 1] * 1e6);
    printf("wactor_upgrade call (options to running new version): median %.1f us\n",
           calls[N / 2] * 1e6);
    free(st.answers);
    wactor_runtime_free(rt);
}

static const test_case tests[] = {
    {"states_running", test_states_running},
    {"states_backoff_failed", test_states_backoff_failed},
    {"upgrade_in_backoff", test_upgrade_in_backoff},
    {"subscriptions", test_subscriptions},
    {"under_load", test_under_load},
    {"state_handover", test_state_handover},
    {"rollback", test_rollback},
    {"settings", test_settings},
    {"abort", test_abort},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TEST|all|bench UPGRADE_AGENT.wasm\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    agent = wactor_module_load_file(NULL, agent_path);
    if (!agent) {
        fprintf(stderr, "%s: %s\n", agent_path, wactor_errmsg(NULL));
        return 2;
    }
    int rc = 0;
    if (strcmp(argv[1], "bench") == 0)
        bench();
    else
        rc = test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
    wactor_module_free(agent);
    return rc;
}
