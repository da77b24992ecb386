/*
 * kids_test: children (spawn, stop) and monitors, with real components (tests/guest/
 * kids_agent.c) driven through the embedding API (include/wactor.h) only.
 *
 *   kids_test CASE|all KIDS_AGENT.wasm
 *
 * A test asks agents to act with wactor_call (which returns once the action has run), waits
 * for the consequences with wactor_wait_idle, then reads the watcher's record of `@down`
 * messages. Nothing sleeps.
 */
#include "../e2e/tier.h"
#include "../unit/harness.h"
#include "wactor.h"

#include <pthread.h>
#include <stdlib.h>

static const char *agent_path;

#define IDLE_MS 60000u
#define CALL_MS 60000u

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
}

static void on_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    (void)arg;
    (void)level;
    (void)component;
    (void)text;
    (void)len;
}

/* The answer to a command, as text (static buffer); "" on failure. */
static const char *ask(wactor_runtime *rt, const char *target, const char *cmd)
{
    static char out[16384];
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    out[0] = 0;
    if (wactor_call(rt, target, cmd, strlen(cmd), CALL_MS, &status, &answer, &len) == WACTOR_OK &&
        status == WACTOR_STATUS_OK && len < sizeof out) {
        if (len) /* an empty answer may come as NULL */
            memcpy(out, answer, len);
        out[len] = 0;
    }
    free(answer);
    return out;
}

static long long ask_num(wactor_runtime *rt, const char *target, const char *cmd)
{
    const char *a = ask(rt, target, cmd);
    return a[0] ? strtoll(a, NULL, 10) : -1000;
}

static int count_lines(const char *text, const char *line)
{
    int n = 0;
    size_t l = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p += l)
        if ((p == text || p[-1] == '\n') && p[l] == '\n')
            n++;
    return n;
}

static wactor_runtime *start(int max_restarts)
{
    audit_len = 0;
    wactor_runtime_options ro = {.workers = 2,
                                 .max_restarts = max_restarts,
                                 .restart_within_ms = 600000,
                                 .log = on_log,
                                 .audit = on_audit};
    test_tier(&ro);
    wactor_runtime *rt = wactor_runtime_new(&ro);
    if (!rt)
        return NULL;
    wactor_module *m = wactor_module_load_file(rt, agent_path);
    static const char *const grant[] = {"worker", "temp", "nosuch", "slow"};
    wactor_component_options t = {.module = m,
                                  .restart = WACTOR_RESTART_PERMANENT,
                                  .limits = {.fuel = 1000000},
                                  .spawn = {grant, 4}};
    int ok = m && wactor_template_add(rt, "worker", &t) == WACTOR_OK;
    t.restart = WACTOR_RESTART_TEMPORARY;
    ok = ok && wactor_template_add(rt, "temp", &t) == WACTOR_OK;
    ok = ok && wactor_template_add(rt, "temp", &t) == WACTOR_EEXIST;
    ok = ok && wactor_template_add(rt, "forbidden", &t) == WACTOR_OK;
    t.limits = (wactor_limits){.fuel = -1, .time_ms = 20}; /* for crashed: time */
    ok = ok && wactor_template_add(rt, "slow", &t) == WACTOR_OK;
    wactor_component_options p = {.name = "parent", .module = m, .spawn = {grant, 4}};
    ok = ok && wactor_spawn(rt, &p) == WACTOR_OK;
    wactor_component_options w = {.name = "watcher", .module = m};
    ok = ok && wactor_spawn(rt, &w) == WACTOR_OK;
    wactor_module_free(m);
    if (!ok) {
        wactor_runtime_free(rt);
        return NULL;
    }
    return rt;
}

static bool running(wactor_runtime *rt, const char *name)
{
    wactor_stats s;
    return wactor_component_stats(rt, name, &s) == WACTOR_OK && s.running;
}

static void test_spawn(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start(5);
    REQUIRE(rt);
    CHECK(ask_num(rt, "parent", "spawn worker w1 hello") == WACTOR_OK);
    CHECK(strcmp(ask(rt, "parent.w1", "ping"), "pong") == 0);
    CHECK(strcmp(ask(rt, "parent.w1", "config"), "hello") == 0);
    CHECK(running(rt, "parent.w1")); /* in the statistics like any component */
    CHECK(ask_num(rt, "parent", "spawn worker w1") == WACTOR_EEXIST);
    CHECK(ask_num(rt, "parent", "spawn worker a..b") == WACTOR_EINVAL);
    CHECK(ask_num(rt, "parent", "spawn worker -x.") == WACTOR_EINVAL);
    CHECK(ask_num(rt, "parent", "spawn nosuch n1") == WACTOR_ENOTFOUND);
    CHECK(ask_num(rt, "parent", "spawn forbidden f1") == WACTOR_EDENIED);
    CHECK(ask_num(rt, "watcher", "spawn worker x") == WACTOR_EDENIED); /* no grant at all */
    pthread_mutex_lock(&audit_lock);
    CHECK(strstr(audit_buf, "\"spawn\"") && strstr(audit_buf, "forbidden") &&
          strstr(audit_buf, "denied"));
    pthread_mutex_unlock(&audit_lock);
    /* A grandchild: the child's own spawn, named after it. */
    CHECK(ask_num(rt, "parent.w1", "spawn worker g") == WACTOR_OK);
    CHECK(strcmp(ask(rt, "parent.w1.g", "ping"), "pong") == 0);
    /* stop: only one's own children. */
    CHECK(ask_num(rt, "watcher", "stop parent.w1") == WACTOR_ENOTFOUND);
    CHECK(ask_num(rt, "parent", "stop parent.w1.g") == WACTOR_ENOTFOUND);
    CHECK(ask_num(rt, "parent", "stop watcher") == WACTOR_ENOTFOUND);
    CHECK(ask_num(rt, "parent", "spawn worker w2") == WACTOR_OK);
    CHECK(ask_num(rt, "parent", "stop parent.w2") == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    CHECK(!running(rt, "parent.w2"));
    CHECK(running(rt, "parent.w1"));
    CHECK(ask_num(rt, "parent", "stop parent.w2") == WACTOR_ENOTFOUND);
    /* The name is free again. */
    CHECK(ask_num(rt, "parent", "spawn worker w2") == WACTOR_OK);
    /* Children (and theirs) stop when the parent stops for good. */
    CHECK(wactor_stop(rt, "parent") == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    CHECK(!running(rt, "parent.w1"));
    CHECK(!running(rt, "parent.w2"));
    CHECK(!running(rt, "parent.w1.g"));
    CHECK(running(rt, "watcher"));
    wactor_runtime_free(rt);
}

/* Many children, spawned and called. */
static void test_many(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start(5);
    REQUIRE(rt);
    char cmd[64], name[64];
    for (int i = 0; i < 500; i++) {
        snprintf(cmd, sizeof cmd, "spawn temp k%d", i);
        CHECK(ask_num(rt, "parent", cmd) == WACTOR_OK);
    }
    for (int i = 0; i < 500; i += 50) {
        snprintf(name, sizeof name, "parent.k%d", i);
        CHECK(strcmp(ask(rt, name, "ping"), "pong") == 0);
    }
    wactor_runtime_free(rt); /* every child stops with the runtime */
}

static void test_monitors(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start(3);
    REQUIRE(rt);
    /* not-found: at once. */
    CHECK(ask_num(rt, "watcher", "monitor nobody") > 0);
    CHECK(ask_num(rt, "watcher", "monitor bad..name") == WACTOR_EINVAL);
    /* normal: a temporary child that exits with 0. */
    CHECK(ask_num(rt, "parent", "spawn temp t1") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.t1") > 0);
    CHECK(wactor_send(rt, "parent.t1", "exit", 4) == WACTOR_OK);
    /* stopped: by its parent. */
    CHECK(ask_num(rt, "parent", "spawn temp t2") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.t2") > 0);
    CHECK(ask_num(rt, "parent", "stop parent.t2") == WACTOR_OK);
    /* crashed: a temporary child that traps, and one that runs out of fuel. */
    CHECK(ask_num(rt, "parent", "spawn temp t3") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.t3") > 0);
    CHECK(wactor_send(rt, "parent.t3", "crash", 5) == WACTOR_OK);
    CHECK(ask_num(rt, "parent", "spawn temp t4") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.t4") > 0);
    CHECK(wactor_send(rt, "parent.t4", "spin", 4) == WACTOR_OK);
    /* crashed: start: a wactor_init that fails; the monitor may come after it has gone, then
     * it is told the same reason at once. */
    CHECK(ask_num(rt, "parent", "spawn temp t5 failinit") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.t5") > 0);
    /* restart-limit: a permanent child crashing past the intensity (3). */
    CHECK(ask_num(rt, "parent", "spawn worker w1") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.w1") > 0);
    for (int i = 0; i < 5; i++)
        CHECK(wactor_send(rt, "parent.w1", "crash", 5) == WACTOR_OK);
    /* demonitor: nothing follows; a second demonitor finds nothing. */
    CHECK(ask_num(rt, "parent", "spawn temp t6") == WACTOR_OK);
    long long ref = ask_num(rt, "watcher", "monitor parent.t6");
    CHECK(ref > 0);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "demonitor %lld", ref);
    CHECK(ask_num(rt, "watcher", cmd) == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", cmd) == WACTOR_ENOTFOUND);
    CHECK(ask_num(rt, "parent", "stop parent.t6") == WACTOR_OK);
    /* Two references to one component: one @down each. The parent stops: its child too. */
    CHECK(ask_num(rt, "parent", "spawn temp t7") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.t7") > 0);
    CHECK(ask_num(rt, "watcher", "monitor parent") > 0);
    CHECK(ask_num(rt, "watcher", "monitor parent") > 0);
    CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    CHECK(wactor_stop(rt, "parent") == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);

    const char *d = ask(rt, "watcher", "downs");
    CHECK(count_lines(d, "nobody not-found") == 1);
    CHECK(count_lines(d, "parent.t1 normal") == 1);
    CHECK(count_lines(d, "parent.t2 stopped") == 1);
    CHECK(count_lines(d, "parent.t3 crashed: unreachable") == 1);
    CHECK(count_lines(d, "parent.t4 crashed: fuel") == 1);
    /* t5's start fails on its own turn: before the monitor (its name is gone: not-found) or
     * after it (crashed: start), exactly one of the two. */
    CHECK(count_lines(d, "parent.t5 crashed: start") + count_lines(d, "parent.t5 not-found") == 1);
    CHECK(count_lines(d, "parent.w1 restart-limit") == 1);
    CHECK(strstr(d, "parent.t6") == NULL);
    CHECK(count_lines(d, "parent.t7 stopped") == 1);
    CHECK(count_lines(d, "parent stopped") == 2);
    int lines = 0;
    for (const char *p = d; *p; p++)
        lines += *p == '\n';
    CHECK(lines == 10);
    if (lines != 10)
        fprintf(stderr, "downs:\n%s", d);
    wactor_runtime_free(rt);
}

/* More reasons from real events: a load past the memory, recursion past the stack limit, a
 * handler past its time limit. */
static void test_reasons(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start(3);
    REQUIRE(rt);
    CHECK(ask_num(rt, "parent", "spawn temp m1") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.m1") > 0);
    CHECK(wactor_send(rt, "parent.m1", "oob", 3) == WACTOR_OK);
    CHECK(ask_num(rt, "parent", "spawn temp s1") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.s1") > 0);
    CHECK(wactor_send(rt, "parent.s1", "deep", 4) == WACTOR_OK);
    CHECK(ask_num(rt, "parent", "spawn slow l1") == WACTOR_OK);
    CHECK(ask_num(rt, "watcher", "monitor parent.l1") > 0);
    CHECK(wactor_send(rt, "parent.l1", "spin", 4) == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    const char *d = ask(rt, "watcher", "downs");
    CHECK(count_lines(d, "parent.m1 crashed: memory") == 1);
    CHECK(count_lines(d, "parent.s1 crashed: stack") == 1);
    CHECK(count_lines(d, "parent.l1 crashed: time") == 1);
    if (count_lines(d, "parent.s1 crashed: stack") != 1)
        fprintf(stderr, "downs:\n%s", d);
    wactor_runtime_free(rt);
}

static int race_results[200];

/* A demonitor's answer (decimal text) into *arg. */
static void on_race_answer(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    (void)corr;
    char text[32];
    if (status != WACTOR_STATUS_OK || len >= sizeof text)
        return;
    memcpy(text, payload, len);
    text[len] = 0;
    *(int *)arg = atoi(text);
}

/* demonitor racing the target's end: for each of many children, a crash and a demonitor are
 * in flight together. A demonitor that returned OK is followed by no `@down` for it; one that
 * found nothing (ENOTFOUND: the reference had already ended) had exactly one. */
static void test_demonitor_race(void *arg)
{
    (void)arg;
    enum { N = 200 };
    wactor_runtime *rt = start(3);
    REQUIRE(rt);
    long long refs[N];
    char cmd[64], name[64];
    for (int i = 0; i < N; i++) {
        snprintf(cmd, sizeof cmd, "spawn temp r%d", i);
        CHECK(ask_num(rt, "parent", cmd) == WACTOR_OK);
        snprintf(cmd, sizeof cmd, "monitor parent.r%d", i);
        refs[i] = ask_num(rt, "watcher", cmd);
        CHECK(refs[i] > 0);
    }
    /* Both in flight at once: the watcher's turn and the child's race. */
    int oks = 0;
    for (int i = 0; i < N; i++) {
        race_results[i] = -1000;
        snprintf(name, sizeof name, "parent.r%d", i);
        snprintf(cmd, sizeof cmd, "demonitor %lld", refs[i]);
        if (i % 2) { /* the crash first, then a blocking demonitor: mostly ENOTFOUND */
            CHECK(wactor_send(rt, name, "crash", 5) == WACTOR_OK);
            race_results[i] = (int)ask_num(rt, "watcher", cmd);
            continue;
        }
        /* the demonitor first, not waited for, then the crash: mostly OK */
        CHECK(wactor_request(rt, "watcher", cmd, strlen(cmd), CALL_MS, on_race_answer,
                             &race_results[i]) > 0);
        CHECK(wactor_send(rt, name, "crash", 5) == WACTOR_OK);
    }
    CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    int *results = race_results;
    for (int i = 0; i < N; i++) {
        CHECK(results[i] == WACTOR_OK || results[i] == WACTOR_ENOTFOUND);
        oks += results[i] == WACTOR_OK;
    }
    const char *d = ask(rt, "watcher", "downs");
    int wrong = 0;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "parent.r%d crashed: unreachable", i);
        wrong += count_lines(d, name) != (results[i] == WACTOR_OK ? 0 : 1);
    }
    CHECK(wrong == 0);
    fprintf(stderr, "demonitor race: %d of %d demonitors came first\n", oks, N);
    wactor_runtime_free(rt);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s CASE|all KIDS_AGENT.wasm\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    static const test_case tests[] = {
        {"spawn", test_spawn},
        {"many", test_many},
        {"monitors", test_monitors},
        {"reasons", test_reasons},
        {"demonitor_race", test_demonitor_race},
    };
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
