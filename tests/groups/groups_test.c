/*
 * groups_test: supervision groups (CLI.md v2, "Templates and supervision groups"), with real
 * components (tests/guest/group_agent.c) driven through the embedding API only.
 *
 *   groups_test CASE|all GROUP_AGENT.wasm
 *
 * Members a, b, c (in start order) tell the recorder of each wactor_init; a test crashes one
 * member, waits with wactor_wait_idle and reads the recorder's log: the inits that follow the
 * first three are exactly the restarts, in the order they happened. Nothing sleeps.
 */
#include "../e2e/tier.h"
#include "../unit/harness.h"
#include "wactor.h"

#include <stdlib.h>

static const char *agent_path;

#define IDLE_MS 60000u
#define CALL_MS 60000u

static void on_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    (void)arg;
    (void)level;
    (void)component;
    (void)text;
    (void)len;
    if (getenv("GROUPS_LOG"))
        fprintf(stderr, "[%s] %.*s\n", component, (int)len, text);
}

static void on_audit(void *arg, const char *line, size_t len)
{
    (void)arg;
    (void)line;
    (void)len;
}

static const char *ask(wactor_runtime *rt, const char *target, const char *cmd)
{
    static char out[32768];
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

static const char *const members[] = {"a", "b", "c"};

/* A runtime with the recorder and a group g of a, b, c (strategy, intensity). */
static wactor_runtime *start(int strategy, int32_t max_restarts)
{
    wactor_runtime_options ro = {.workers = 2,
                                 .max_restarts = 100,
                                 .restart_within_ms = 600000,
                                 .log = on_log,
                                 .audit = on_audit};
    test_tier(&ro);
    wactor_runtime *rt = wactor_runtime_new(&ro);
    if (!rt)
        return NULL;
    wactor_module *m = wactor_module_load_file(rt, agent_path);
    wactor_component_options r = {
        .name = "recorder", .module = m, .config = "recorder", .config_len = 8};
    int ok = m && wactor_spawn(rt, &r) == WACTOR_OK;
    wactor_group_options g = {.name = "g",
                              .strategy = strategy,
                              .members = members,
                              .nmembers = 3,
                              .max_restarts = max_restarts,
                              .restart_within_ms = 600000};
    ok = ok && wactor_group_add(rt, &g) == WACTOR_OK;
    static const char *const to_recorder[] = {"recorder"};
    for (int i = 0; ok && i < 3; i++) {
        wactor_component_options o = {.name = members[i],
                                      .module = m,
                                      .config = "member",
                                      .config_len = 6,
                                      .send = {to_recorder, 1}};
        ok = wactor_spawn(rt, &o) == WACTOR_OK;
    }
    wactor_module_free(m);
    if (!ok || wactor_wait_idle(rt, IDLE_MS) != WACTOR_OK) {
        wactor_runtime_free(rt);
        return NULL;
    }
    return rt;
}

static uint64_t restarts(wactor_runtime *rt, const char *name)
{
    wactor_stats s;
    return wactor_component_stats(rt, name, &s) == WACTOR_OK ? s.restarts : 999;
}

/* The recorder's "init" lines after the first three, as "x y z". */
static void restarts_seen(wactor_runtime *rt, char *out, size_t cap)
{
    const char *log = ask(rt, "recorder", "log");
    int seen = 0;
    size_t used = 0;
    out[0] = 0;
    for (const char *p = log; (p = strstr(p, "init ")) != NULL; p += 5) {
        if (p != log && p[-1] != '\n')
            continue;
        if (++seen <= 3)
            continue;
        const char *end = strchr(p, '\n');
        int n = snprintf(out + used, cap - used, "%s%.*s", used ? " " : "",
                         (int)(end ? end - p - 5 : (long)strlen(p + 5)), p + 5);
        if (n > 0 && (size_t)n < cap - used)
            used += (size_t)n;
    }
}

static void one_case(int strategy, int victim, const char *expected)
{
    wactor_runtime *rt = start(strategy, 10);
    REQUIRE(rt);
    char before[256];
    restarts_seen(rt, before, sizeof before);
    CHECK(before[0] == 0);
    CHECK(wactor_send(rt, members[victim], "crash", 5) == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    char seen[256];
    restarts_seen(rt, seen, sizeof seen);
    CHECK(strcmp(seen, expected) == 0);
    if (strcmp(seen, expected) != 0)
        fprintf(stderr, "strategy %d, crash of %s: restarts \"%s\", expected \"%s\"\n", strategy,
                members[victim], seen, expected);
    /* Restart counts agree: one for each restarted member, none for the others. */
    for (int i = 0; i < 3; i++) {
        bool named = strstr(expected, members[i]) != NULL;
        CHECK(restarts(rt, members[i]) == (named ? 1u : 0u));
    }
    for (int i = 0; i < 3; i++)
        CHECK(strcmp(ask(rt, members[i], "ping"), "pong") == 0);
    wactor_runtime_free(rt);
}

/* The members the strategy names restart in start order, the crashed one at its place: at once
 * for one_for_one and rest_for_one (it comes first), after the members before it for one_for_all.
 */
static void test_one_for_one(void *arg)
{
    (void)arg;
    one_case(WACTOR_ONE_FOR_ONE, 0, "a");
    one_case(WACTOR_ONE_FOR_ONE, 1, "b");
    one_case(WACTOR_ONE_FOR_ONE, 2, "c");
}

static void test_one_for_all(void *arg)
{
    (void)arg;
    one_case(WACTOR_ONE_FOR_ALL, 0, "a b c");
    one_case(WACTOR_ONE_FOR_ALL, 1, "a b c");
    one_case(WACTOR_ONE_FOR_ALL, 2, "a b c");
}

static void test_rest_for_one(void *arg)
{
    (void)arg;
    one_case(WACTOR_REST_FOR_ONE, 0, "a b c");
    one_case(WACTOR_REST_FOR_ONE, 1, "b c");
    one_case(WACTOR_REST_FOR_ONE, 2, "c");
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

/* Mail is kept: notes sent to every member around a crash that restarts all of them are each
 * handled exactly once (by the old instance or the new one), the crash's own message aside. */
static void test_mail_kept(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start(WACTOR_ONE_FOR_ALL, 100);
    REQUIRE(rt);
    char msg[64], line[64];
    for (int round = 0; round < 20; round++) {
        for (int k = 0; k < 20; k++) {
            for (int i = 0; i < 3; i++) {
                snprintf(msg, sizeof msg, "note %d.%d", round, k);
                CHECK(wactor_send(rt, members[i], msg, strlen(msg)) == WACTOR_OK);
            }
            if (k == 10)
                CHECK(wactor_send(rt, members[round % 3], "crash", 5) == WACTOR_OK);
        }
    }
    CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    const char *log = ask(rt, "recorder", "log");
    int missing = 0;
    for (int round = 0; round < 20; round++)
        for (int k = 0; k < 20; k++)
            for (int i = 0; i < 3; i++) {
                snprintf(line, sizeof line, "note %s %d.%d", members[i], round, k);
                missing += count_lines(log, line) != 1;
            }
    CHECK(missing == 0);
    /* Each member restarted for its own crashes (7, 7, 6) and, gracefully, for the others'
     * unless a crash of its own had just given it a fresh instance: at most 20 in all. */
    for (int i = 0; i < 3; i++) {
        uint64_t n = restarts(rt, members[i]);
        CHECK(n >= (i == 2 ? 6u : 7u) && n <= 20u);
    }
    wactor_runtime_free(rt);
}

/* A crash loop in one_for_all: b crashes on five messages in a row, before any message succeeds,
 * so each of its restarts backs off first, at its turn in the plan. Nothing restarts before a
 * (start order), b restarts exactly five times (no restart twice, no plan stuck behind its
 * back-off), and the notes queued behind the crashes are each handled once. */
static void test_crash_loop(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start(WACTOR_ONE_FOR_ALL, 100);
    REQUIRE(rt);
    char msg[64];
    for (int k = 0; k < 5; k++)
        CHECK(wactor_send(rt, "b", "crash", 5) == WACTOR_OK);
    for (int k = 0; k < 5; k++) {
        snprintf(msg, sizeof msg, "note %d", k);
        for (int i = 0; i < 3; i++)
            CHECK(wactor_send(rt, members[i], msg, strlen(msg)) == WACTOR_OK);
    }
    CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    char seen[512];
    restarts_seen(rt, seen, sizeof seen);
    CHECK(strncmp(seen, "a ", 2) == 0);
    CHECK(restarts(rt, "b") == 5u);
    const char *log = ask(rt, "recorder", "log");
    char line[64];
    int missing = 0;
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < 3; i++) {
            snprintf(line, sizeof line, "note %s %d", members[i], k);
            missing += count_lines(log, line) != 1;
        }
    CHECK(missing == 0);
    if (missing)
        fprintf(stderr, "log:\n%s", log);
    for (int i = 0; i < 3; i++)
        CHECK(strcmp(ask(rt, members[i], "ping"), "pong") == 0);
    wactor_runtime_free(rt);
}

/* Past the group's intensity (2 restarts), the group stops: every member, and its monitors
 * see restart-limit. */
static void test_intensity(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start(WACTOR_REST_FOR_ONE, 2);
    REQUIRE(rt);
    for (int i = 0; i < 3; i++) {
        char cmd[32];
        snprintf(cmd, sizeof cmd, "monitor %s", members[i]);
        CHECK(strtoll(ask(rt, "recorder", cmd), NULL, 10) > 0);
    }
    for (int i = 0; i < 3; i++) {
        CHECK(wactor_send(rt, "b", "crash", 5) == WACTOR_OK);
        CHECK(wactor_wait_idle(rt, IDLE_MS) == WACTOR_OK);
    }
    const char *log = ask(rt, "recorder", "log");
    CHECK(count_lines(log, "down a restart-limit") == 1);
    CHECK(count_lines(log, "down b restart-limit") == 1);
    CHECK(count_lines(log, "down c restart-limit") == 1);
    if (count_lines(log, "down a restart-limit") != 1)
        fprintf(stderr, "log:\n%s", log);
    wactor_stats s;
    for (int i = 0; i < 3; i++) {
        CHECK(wactor_component_stats(rt, members[i], &s) == WACTOR_OK);
        CHECK(!s.running);
        CHECK(s.state == WACTOR_STATE_FAILED);
    }
    CHECK(restarts(rt, "a") == 0u);
    CHECK(restarts(rt, "b") == 2u);
    CHECK(restarts(rt, "c") == 2u);
    CHECK(wactor_send(rt, "a", "note x", 6) == WACTOR_ENOTFOUND);
    CHECK(strcmp(ask(rt, "recorder", "log") + 0, "") != 0); /* the recorder is not a member */
    wactor_runtime_free(rt);
}

/* The API's refusals. */
static void test_api(void *arg)
{
    (void)arg;
    wactor_runtime_options ro = {.workers = 1, .log = on_log, .audit = on_audit};
    test_tier(&ro);
    wactor_runtime *rt = wactor_runtime_new(&ro);
    REQUIRE(rt);
    static const char *const twice[] = {"x", "x"};
    static const char *const bad[] = {"a..b"};
    static const char *const one[] = {"x"};
    static const char *const other[] = {"y", "x"};
    wactor_group_options g = {.name = "g", .members = one, .nmembers = 1};
    CHECK(wactor_group_add(rt, NULL) == WACTOR_EINVAL);
    g.strategy = 7;
    CHECK(wactor_group_add(rt, &g) == WACTOR_EINVAL);
    g.strategy = WACTOR_ONE_FOR_ALL;
    g.nmembers = 0;
    CHECK(wactor_group_add(rt, &g) == WACTOR_EINVAL);
    g.members = twice;
    g.nmembers = 2;
    CHECK(wactor_group_add(rt, &g) == WACTOR_EINVAL);
    g.members = bad;
    g.nmembers = 1;
    CHECK(wactor_group_add(rt, &g) == WACTOR_EINVAL);
    g.name = "bad name";
    g.members = one;
    CHECK(wactor_group_add(rt, &g) == WACTOR_EINVAL);
    g.name = "g";
    CHECK(wactor_group_add(rt, &g) == WACTOR_OK);
    CHECK(wactor_group_add(rt, &g) == WACTOR_EEXIST);
    g.name = "h";
    g.members = other;
    g.nmembers = 2;
    CHECK(wactor_group_add(rt, &g) == WACTOR_EEXIST); /* x is in g */
    CHECK(strstr(wactor_errmsg(rt), "x is already a member of group g") != NULL);
    wactor_runtime_free(rt);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s CASE|all GROUP_AGENT.wasm\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    static const test_case tests[] = {
        {"one_for_one", test_one_for_one},
        {"one_for_all", test_one_for_all},
        {"crash_loop", test_crash_loop},
        {"rest_for_one", test_rest_for_one},
        {"mail_kept", test_mail_kept},
        {"intensity", test_intensity},
        {"api", test_api},
    };
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
