/*
 * edge_test.c: corners of the runtime found in review, each a regression
 * test: mail that reaches a component while its wactor_init still runs,
 * an audit line for a key made of control bytes, a module with a start
 * function, the calls refused from a callback on a runtime thread, and
 * module files that are not regular files or are over max_module.
 *
 * usage: edge_test CASE|all EDGE_AGENT.wasm START.wasm
 */
#include "../unit/harness.h"
#include "wactor.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *agent_path, *start_path;

static wactor_runtime *runtime(wactor_audit_fn audit, void *arg)
{
    wactor_runtime_options o = {
        .workers = 2, .log_level = WACTOR_LOG_ERROR, .audit = audit, .audit_arg = arg};
    return wactor_runtime_new(&o);
}

static bool spawn_agent(wactor_runtime *rt, const char *name)
{
    static const char *const topics[] = {"edge.*"};
    wactor_component_options o = {
        .name = name, .path = agent_path, .publish = {topics, 1}, .subscribe = {topics, 1}};
    int rc = wactor_spawn(rt, &o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn %s: %s\n", name, wactor_errmsg(rt));
    return rc == WACTOR_OK;
}

/* The answer to one command, in a static buffer ("" on failure). */
static const char *ask(wactor_runtime *rt, const char *name, const char *command)
{
    static char answer[256];
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

/* The agent publishes to itself from wactor_init: the publication waits
 * until start-up is over and is then delivered, once. */
static void test_mail_during_start(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(NULL, NULL);
    REQUIRE(rt != NULL);
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "early%d", i);
        CHECK(spawn_agent(rt, name));
        CHECK(strcmp(ask(rt, name, "count"), "1") == 0);
    }
    wactor_runtime_free(rt);
}

typedef struct audit_record {
    pthread_mutex_t lock;
    int denied;
    bool well_formed;
} audit_record;

static void record_audit(void *arg, const char *line, size_t len)
{
    audit_record *r = arg;
    pthread_mutex_lock(&r->lock);
    if (strstr(line, "\"decision\":\"denied\"")) {
        r->denied++;
        /* Escaped control bytes, and the line still closes. */
        r->well_formed = strstr(line, "\\u0001") != NULL && len > 0 && line[len - 1] == '}';
    }
    pthread_mutex_unlock(&r->lock);
}

/* kv_get without a storage grant and with a key of 255 control bytes:
 * EDENIED, and an audit line that escapes them within its bounds. */
static void test_audit_long_key(void *arg)
{
    (void)arg;
    audit_record r = {.denied = 0, .well_formed = false};
    pthread_mutex_init(&r.lock, NULL);
    wactor_runtime *rt = runtime(record_audit, &r);
    REQUIRE(rt != NULL);
    CHECK(spawn_agent(rt, "kv"));
    CHECK(strcmp(ask(rt, "kv", "kvbad"), "-2") == 0);
    wactor_runtime_free(rt);
    CHECK(r.denied == 1);
    CHECK(r.well_formed);
    pthread_mutex_destroy(&r.lock);
}

/* A start function would run before the instance is the component's and
 * outside its limits: such a module is refused, and nothing is left. */
static void test_start_function(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(NULL, NULL);
    REQUIRE(rt != NULL);
    wactor_component_options o = {.name = "started", .path = start_path};
    CHECK(wactor_spawn(rt, &o) == WACTOR_EMODULE);
    CHECK(strstr(wactor_errmsg(rt), "start function") != NULL);
    CHECK(wactor_send(rt, "started", "x", 1) == WACTOR_ENOTFOUND);
    wactor_runtime_free(rt);
}

typedef struct callback_probe {
    wactor_runtime *rt;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int spawn_rc, call_rc, stop_rc, idle_rc;
} callback_probe;

static void probe_from_callback(void *arg, int64_t corr, int status, const void *payload,
                                size_t len)
{
    (void)corr;
    (void)status;
    (void)payload;
    (void)len;
    callback_probe *p = arg;
    wactor_component_options o = {.name = "inner", .path = agent_path};
    int st;
    void *answer = NULL;
    size_t alen;
    int spawn_rc = wactor_spawn(p->rt, &o);
    int call_rc = wactor_call(p->rt, "cb", "count", 5, 0, &st, &answer, &alen);
    int stop_rc = wactor_stop(p->rt, "cb");
    int idle_rc = wactor_wait_idle(p->rt, 1);
    free(answer);
    pthread_mutex_lock(&p->lock);
    p->spawn_rc = spawn_rc;
    p->call_rc = call_rc;
    p->stop_rc = stop_rc;
    p->idle_rc = idle_rc;
    p->done = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

/* From a callback on a runtime thread, the calls that would run guest code
 * there or wait for the runtime are refused with ESTATE. */
static void test_callback_refusals(void *arg)
{
    (void)arg;
    wactor_runtime *rt = runtime(NULL, NULL);
    REQUIRE(rt != NULL);
    CHECK(spawn_agent(rt, "cb"));
    callback_probe p = {.rt = rt, .done = false};
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    CHECK(wactor_request(rt, "cb", "count", 5, 0, probe_from_callback, &p) > 0);
    pthread_mutex_lock(&p.lock);
    while (!p.done)
        pthread_cond_wait(&p.cond, &p.lock);
    pthread_mutex_unlock(&p.lock);
    CHECK(p.spawn_rc == WACTOR_ESTATE);
    CHECK(p.call_rc == WACTOR_ESTATE);
    CHECK(p.stop_rc == WACTOR_ESTATE);
    CHECK(p.idle_rc == WACTOR_ESTATE);
    CHECK(strcmp(ask(rt, "cb", "count"), "1") == 0); /* still there, still answering */
    wactor_runtime_free(rt);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.cond);
}

/* wactor_module_load_file (and a spawn's path) reads a regular file of at
 * most max_module bytes: /dev/zero, a FIFO and a folder are refused at
 * once (they used to be read forever, or to block), and max_module lowers
 * the limit below a real module's size. */
static void test_module_file(void *arg)
{
    (void)arg;
    wactor_runtime_options o = {.workers = 1, .log_level = WACTOR_LOG_ERROR, .max_module = 1024};
    wactor_runtime *rt = wactor_runtime_new(&o);
    REQUIRE(rt != NULL);
    CHECK(wactor_module_load_file(rt, agent_path) == NULL);
    CHECK(strstr(wactor_errmsg(rt), "over the 1 KiB limit for a module (max_module)") != NULL);
    wactor_component_options c = {.name = "big", .path = agent_path};
    CHECK(wactor_spawn(rt, &c) == WACTOR_EMODULE);
    CHECK(strstr(wactor_errmsg(rt), "component big: ") == wactor_errmsg(rt));
    CHECK(strstr(wactor_errmsg(rt), "over the 1 KiB limit") != NULL);
    wactor_runtime_free(rt);

    rt = runtime(NULL, NULL); /* 256 MiB */
    REQUIRE(rt != NULL);
    wactor_module *m = wactor_module_load_file(rt, agent_path);
    CHECK(m != NULL);
    wactor_module_free(m);
    char dir[] = "/tmp/edge_module_file.XXXXXX", fifo[64], want[128];
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof fifo, "%s/fifo.wasm", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    const char *const paths[] = {"/dev/zero", fifo, dir};
    const char *const whys[] = {"is a character device", "is a FIFO", "is a directory"};
    for (int i = 0; i < 3; i++) {
        CHECK(wactor_module_load_file(rt, paths[i]) == NULL);
        snprintf(want, sizeof want, "%s: %s, not a regular file", paths[i], whys[i]);
        CHECK(strcmp(wactor_errmsg(rt), want) == 0);
    }
    CHECK(wactor_module_load_file(rt, NULL) == NULL);
    wactor_runtime_free(rt);
    unlink(fifo);
    CHECK(rmdir(dir) == 0);
}

static const test_case tests[] = {
    {"mail_during_start", test_mail_during_start},
    {"audit_long_key", test_audit_long_key},
    {"start_function", test_start_function},
    {"callback_refusals", test_callback_refusals},
    {"module_file", test_module_file},
};

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s TEST|all EDGE_AGENT.wasm START.wasm\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    start_path = argv[3];
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
