/*
 * storage_test.c: the kv_* imports end to end, through real components
 * (tests/guest/kv_agent.c) and the embedding API: quota, isolation between
 * components, persistence across a restart of the runtime, and survival of
 * kill -9 right after a kv_set answered OK.
 *
 * usage: storage_test CASE|all KV_AGENT.wasm
 */
#include "../e2e/tier.h"
#include "../unit/harness.h"
#include "wactor.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *agent_path;

/* Spawns kv_agent as `name` with a storage quota (0: no storage). */
static bool spawn_agent(wactor_runtime *rt, const char *name, uint64_t quota)
{
    wactor_component_options o = {.name = name, .path = agent_path, .storage = quota};
    int rc = wactor_spawn(rt, &o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn %s: %s\n", name, wactor_errmsg(rt));
    return rc == WACTOR_OK;
}

/* Sends one command and returns the answer in a static buffer ("" on failure). */
static const char *ask(wactor_runtime *rt, const char *name, const char *command)
{
    static char answer[4096];
    int status = -1;
    void *data = NULL;
    size_t len = 0;
    answer[0] = 0;
    if (wactor_call(rt, name, command, strlen(command), 0, &status, &data, &len) == WACTOR_OK &&
        status == WACTOR_STATUS_OK && len < sizeof answer) {
        memcpy(answer, data, len);
        answer[len] = 0;
    }
    free(data);
    return answer;
}

static wactor_runtime *runtime(const char *dir)
{
    wactor_runtime_options o = {.storage_path = dir, .log_level = WACTOR_LOG_ERROR};
    test_tier(&o);
    return wactor_runtime_new(&o);
}

/* A quota counts key bytes plus value bytes, exactly. */
static void test_quota(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(NULL);
    REQUIRE(rt != NULL);
    CHECK(spawn_agent(rt, "q", 10));
    CHECK(strcmp(ask(rt, "q", "set abc 1234567"), "0") == 0); /* 3 + 7 = 10: full */
    CHECK(strcmp(ask(rt, "q", "set d 1"), "-6") == 0);        /* EQUOTA */
    CHECK(strcmp(ask(rt, "q", "get d"), "-3:") == 0);         /* nothing written */
    CHECK(strcmp(ask(rt, "q", "set abc 123456"), "0") == 0);  /* replacing frees 1 */
    CHECK(strcmp(ask(rt, "q", "set d"), "") == 0);            /* malformed command */
    CHECK(strcmp(ask(rt, "q", "del abc"), "0") == 0);
    CHECK(strcmp(ask(rt, "q", "del abc"), "-3") == 0); /* ENOTFOUND */
    CHECK(strcmp(ask(rt, "q", "set d 123456789"), "0") == 0);
    /* Without the capability: EDENIED. */
    CHECK(spawn_agent(rt, "none", 0));
    CHECK(strcmp(ask(rt, "none", "set a b"), "-2") == 0);
    CHECK(strcmp(ask(rt, "none", "get a"), "-2:") == 0);
    CHECK(strcmp(ask(rt, "none", "del a"), "-2") == 0);
    wactor_runtime_free(rt);
}

/* Each component has its own namespace. */
static void test_isolation(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(NULL);
    REQUIRE(rt != NULL);
    CHECK(spawn_agent(rt, "a", 1000) && spawn_agent(rt, "b", 1000));
    CHECK(strcmp(ask(rt, "a", "set k from-a"), "0") == 0);
    CHECK(strcmp(ask(rt, "b", "get k"), "-3:") == 0);
    CHECK(strcmp(ask(rt, "b", "set k from-b"), "0") == 0);
    CHECK(strcmp(ask(rt, "a", "get k"), "6:from-a") == 0);
    CHECK(strcmp(ask(rt, "b", "get k"), "6:from-b") == 0);
    wactor_runtime_free(rt);
}

static char *temp_dir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/wactor-storage-XXXXXX");
    return mkdtemp(dir);
}

/* Data outlives the runtime when it has a directory; not in memory. */
static void test_persistence(void *arg)
{
    (void)arg;
    char *dir = temp_dir();
    REQUIRE(dir != NULL);
    wactor_runtime *rt = runtime(dir);
    REQUIRE(rt != NULL);
    CHECK(spawn_agent(rt, "p", 1000));
    CHECK(strcmp(ask(rt, "p", "set k kept"), "0") == 0);
    wactor_runtime_free(rt);

    rt = runtime(dir);
    REQUIRE(rt != NULL);
    CHECK(spawn_agent(rt, "p", 1000));
    CHECK(strcmp(ask(rt, "p", "get k"), "4:kept") == 0);
    wactor_runtime_free(rt);

    rt = runtime(NULL);
    REQUIRE(rt != NULL);
    CHECK(spawn_agent(rt, "p", 1000));
    CHECK(strcmp(ask(rt, "p", "set k gone"), "0") == 0);
    wactor_runtime_free(rt);
    rt = runtime(NULL);
    REQUIRE(rt != NULL);
    CHECK(spawn_agent(rt, "p", 1000));
    CHECK(strcmp(ask(rt, "p", "get k"), "-3:") == 0);
    wactor_runtime_free(rt);
}

/* A child runtime answers OK to a kv_set, tells the parent through a pipe
 * and is killed at once; the value is there when the parent looks. */
static void test_kill9(void *arg)
{
    (void)arg;
    char *dir = temp_dir();
    REQUIRE(dir != NULL);
    for (int round = 0; round < 3; round++) {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            wactor_runtime *rt = runtime(dir);
            char cmd[64];
            snprintf(cmd, sizeof cmd, "set round%d value%d", round, round);
            if (rt && spawn_agent(rt, "d", 100000) && strcmp(ask(rt, "d", cmd), "0") == 0 &&
                write(fds[1], "k", 1) == 1)
                for (;;)
                    pause(); /* killed here */
            _exit(1);
        }
        close(fds[1]);
        char byte;
        bool acked = read(fds[0], &byte, 1) == 1;
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        close(fds[0]);
        CHECK(acked);
        wactor_runtime *rt = runtime(dir);
        REQUIRE(rt != NULL);
        CHECK(spawn_agent(rt, "d", 100000));
        for (int r = 0; r <= round; r++) {
            char cmd[64], want[64];
            snprintf(cmd, sizeof cmd, "get round%d", r);
            snprintf(want, sizeof want, "6:value%d", r);
            CHECK(strcmp(ask(rt, "d", cmd), want) == 0);
        }
        wactor_runtime_free(rt);
    }
}

static const test_case tests[] = {
    {"quota", test_quota},
    {"isolation", test_isolation},
    {"persistence", test_persistence},
    {"kill9", test_kill9},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TEST|all KV_AGENT.wasm\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
