/*
 * pool_test: the worker pool example (examples/pool) under load, through the embedding API:
 * N requests (100,000; POOL_REQUESTS in the environment overrides it, for the ThreadSanitizer
 * build) from the host to the pool, a few of them (chosen by a seeded generator, so every
 * run is the same) payloads that make the worker trap. Every request must settle exactly once:
 * its callback runs once, OK or not, and the total is N. At most WINDOW requests are
 * outstanding at a time (the pool's mailbox is bounded); the test waits for callbacks on a
 * condition variable, never sleeps.
 *
 *   pool_test POOL_DIR   (the folder with pool.wasm and pool_worker.wasm)
 */
#include "../unit/harness.h"
#include "wactor.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define WINDOW 2000
#define CRASH_ONE_IN 400
#define WAIT_MS 120000u

static const char *pool_dir;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t settled_cond = PTHREAD_COND_INITIALIZER;
static size_t settled, ok_count, failed_count, twice;
static unsigned char *seen; /* callbacks per request */

static void on_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    (void)arg;
    (void)level;
    (void)component;
    (void)text;
    (void)len;
}

static void on_audit(void *arg, const char *line, size_t len)
{
    (void)arg;
    (void)line;
    (void)len;
}

static void on_answer(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    (void)corr;
    (void)payload;
    (void)len;
    size_t i = (size_t)(uintptr_t)arg;
    pthread_mutex_lock(&lock);
    if (seen[i]++)
        twice++;
    settled++;
    if (status == WACTOR_STATUS_OK)
        ok_count++;
    else
        failed_count++;
    pthread_cond_broadcast(&settled_cond);
    pthread_mutex_unlock(&lock);
}

/* xorshift64: the crashes are the same every run. */
static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_load(void *arg)
{
    (void)arg;
    size_t n = 100000;
    const char *env = getenv("POOL_REQUESTS");
    if (env && atol(env) > 0)
        n = (size_t)atol(env);
    seen = calloc(n, 1);
    REQUIRE(seen);
    wactor_runtime_options ro = {.workers = 2, .log = on_log, .audit = on_audit};
    wactor_runtime *rt = wactor_runtime_new(&ro);
    REQUIRE(rt);
    char path[4096];
    snprintf(path, sizeof path, "%s/pool_worker.wasm", pool_dir);
    wactor_component_options t = {
        .path = path, .restart = WACTOR_RESTART_TEMPORARY, .limits = {.memory = 1u << 20}};
    CHECK(wactor_template_add(rt, "worker", &t) == WACTOR_OK);
    snprintf(path, sizeof path, "%s/pool.wasm", pool_dir);
    static const char *const spawn[] = {"worker"}, *const req[] = {"pool.*"};
    wactor_component_options p = {.name = "pool",
                                  .path = path,
                                  .config = "4",
                                  .config_len = 1,
                                  .limits = {.pending = 20000, .mailbox = 20000},
                                  .spawn = {spawn, 1},
                                  .request = {req, 1}};
    CHECK(wactor_spawn(rt, &p) == WACTOR_OK);

    size_t crashes = 0, refused = 0;
    char payload[64];
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&lock);
        while (i - settled >= WINDOW)
            pthread_cond_wait(&settled_cond, &lock);
        pthread_mutex_unlock(&lock);
        bool crash = next_random() % CRASH_ONE_IN == 0;
        crashes += crash;
        snprintf(payload, sizeof payload, "%s %zu", crash ? "crash" : "work", i);
        int64_t c = wactor_request(rt, "pool", payload, strlen(payload), 0, on_answer,
                                   (void *)(uintptr_t)i);
        if (c <= 0) { /* refused at once: settled here, counted as such */
            refused++;
            pthread_mutex_lock(&lock);
            seen[i]++;
            settled++;
            failed_count++;
            pthread_mutex_unlock(&lock);
        }
    }
    pthread_mutex_lock(&lock);
    while (settled < n)
        pthread_cond_wait(&settled_cond, &lock);
    pthread_mutex_unlock(&lock);
    CHECK(wactor_wait_idle(rt, WAIT_MS) == WACTOR_OK);
    pthread_mutex_lock(&lock);
    size_t missing = 0, extra = 0;
    for (size_t i = 0; i < n; i++) {
        missing += seen[i] == 0;
        extra += seen[i] > 1;
    }
    CHECK(settled == n);
    CHECK(missing == 0 && extra == 0 && twice == 0);
    CHECK(ok_count + failed_count == n);
    CHECK(refused == 0);
    /* Each crash fails its own request at least; the rest are answered by workers. */
    CHECK(failed_count >= crashes);
    CHECK(ok_count > 0);
    fprintf(stderr, "pool: %zu requests, %zu crash payloads: %zu OK, %zu not OK\n", n, crashes,
            ok_count, failed_count);
    pthread_mutex_unlock(&lock);
    /* The pool replaced its workers: every slot has a live one, and it still answers. */
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    CHECK(wactor_call(rt, "pool", "hello", 5, 60000, &status, &answer, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK);
    free(answer);
    wactor_runtime_free(rt);
    free(seen);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s POOL_DIR\n", argv[0]);
        return 2;
    }
    pool_dir = argv[1];
    static const test_case tests[] = {{"load", test_load}};
    return test_run(tests, 1, "all", NULL);
}
