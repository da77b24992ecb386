/*
 * edge_test.c: corners of the runtime found in review, each a regression
 * test: mail that reaches a component while its wactor_init still runs,
 * an audit line for a key made of control bytes, a module with a start
 * function, the calls refused from a callback on a runtime thread, a
 * component messaging itself from wactor_init, and module files that are
 * not regular files or are over max_module.
 *
 * usage: edge_test CASE|all EDGE_AGENT.wasm START.wasm EDGE_SELF.wasm
 */
#include "../unit/harness.h"
#include "wactor.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *agent_path, *start_path, *self_path;

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

/* Reacts to the "starting" line that edge_self logs in wactor_init, on the spawning thread
 * while the start-up runs: requests "ask" from the starting component, and tries to stop
 * it. */
typedef struct start_probe {
    wactor_runtime *rt;
    const char *name;
    pthread_mutex_t lock;
    int64_t id;
    int stop_rc, call_rc, idle_rc, spawn_rc, calls, status;
    char payload[64];
} start_probe;

static void probe_done(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    (void)corr;
    start_probe *p = arg;
    pthread_mutex_lock(&p->lock);
    p->calls++;
    p->status = status;
    snprintf(p->payload, sizeof p->payload, "%.*s", (int)len, (const char *)payload);
    pthread_mutex_unlock(&p->lock);
}

static void probe_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    (void)level;
    start_probe *p = arg;
    if (!component || strcmp(component, p->name) != 0 || len != 8 || memcmp(text, "starting", 8))
        return;
    int64_t id = wactor_request(p->rt, p->name, "ask", 3, 0, probe_done, p);
    int stop_rc = wactor_stop(p->rt, p->name);
    /* These would wait for the start-up that waits for this callback. */
    int st;
    void *answer = NULL;
    size_t alen;
    int call_rc = wactor_call(p->rt, p->name, "ask", 3, 0, &st, &answer, &alen);
    free(answer);
    int idle_rc = wactor_wait_idle(p->rt, 0);
    wactor_component_options other = {.name = "other", .path = agent_path};
    int spawn_rc = wactor_spawn(p->rt, &other);
    pthread_mutex_lock(&p->lock);
    p->id = id;
    p->stop_rc = stop_rc;
    p->call_rc = call_rc;
    p->idle_rc = idle_rc;
    p->spawn_rc = spawn_rc;
    pthread_mutex_unlock(&p->lock);
}

static wactor_runtime *probed_runtime(start_probe *p, const char *name)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    p->name = name;
    p->status = -1;
    wactor_runtime_options o = {
        .workers = 2, .log_level = WACTOR_LOG_INFO, .log = probe_log, .log_arg = p};
    p->rt = wactor_runtime_new(&o);
    return p->rt;
}

/* ABI v2: a component may send to itself from wactor_init. On its first start, a send and a
 * request to itself succeed; their mail, like a request the host makes during the start-up,
 * waits until wactor_init has returned, then arrives in order, and the request's callback
 * after it. Stopping the component from a callback on the spawning thread during start-up is
 * refused (ESTATE): it would wait for a start-up that waits for the callback. */
static void test_self_from_init(void *arg)
{
    (void)arg;
    start_probe p;
    wactor_runtime *rt = probed_runtime(&p, "me");
    REQUIRE(rt != NULL);
    static const char *const me[] = {"me"};
    wactor_component_options o = {.name = "me",
                                  .path = self_path,
                                  .config = "log",
                                  .config_len = 3,
                                  .send = {me, 1},
                                  .request = {me, 1}};
    int rc = wactor_spawn(rt, &o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn me: %s\n", wactor_errmsg(rt));
    CHECK(rc == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, 60000) == WACTOR_OK);
    const char *report = ask(rt, "me", "report");
    fprintf(stderr, "report:\n%s", report);
    CHECK(strcmp(report, "send 0 request OK\n"
                         "msg @host ask late\n"
                         "msg me hello late\n"
                         "msg me ask late\n"
                         "cb 0 me answer late\n") == 0);
    pthread_mutex_lock(&p.lock);
    CHECK(p.id > 0 && p.stop_rc == WACTOR_ESTATE);
    CHECK(p.call_rc == WACTOR_ESTATE && p.idle_rc == WACTOR_ESTATE && p.spawn_rc == WACTOR_ESTATE);
    CHECK(p.calls == 1 && p.status == WACTOR_STATUS_OK && strcmp(p.payload, "answer") == 0);
    pthread_mutex_unlock(&p.lock);
    wactor_stats s;
    CHECK(wactor_component_stats(rt, "me", &s) == WACTOR_OK && s.running && s.crashes == 0);
    CHECK(s.callbacks[WACTOR_STATUS_OK] == 1);
    wactor_runtime_free(rt);
    pthread_mutex_destroy(&p.lock);
}

/* A start that leaves no component (wactor_init fails, restart policy temporary): the name it
 * held during the start-up is withdrawn, and the mail that reached it meanwhile is settled as
 * a stopped component's: the host's request gets FAILED "stopped"; the component's own send
 * and request went with it (no callback to anyone). Nothing is left: no stats, the name is
 * free for the next spawn. */
static void test_failed_start_withdraws(void *arg)
{
    (void)arg;
    start_probe p;
    wactor_runtime *rt = probed_runtime(&p, "gone");
    REQUIRE(rt != NULL);
    static const char *const gone[] = {"gone"};
    wactor_component_options o = {.name = "gone",
                                  .path = self_path,
                                  .config = "log fail",
                                  .config_len = 8,
                                  .restart = WACTOR_RESTART_TEMPORARY,
                                  .send = {gone, 1},
                                  .request = {gone, 1}};
    CHECK(wactor_spawn(rt, &o) == WACTOR_ESTART);
    CHECK(wactor_send(rt, "gone", "x", 1) == WACTOR_ENOTFOUND);
    CHECK(wactor_wait_idle(rt, 60000) == WACTOR_OK);
    pthread_mutex_lock(&p.lock);
    fprintf(stderr, "request during the start-up: id %lld, %d callbacks, status %d \"%s\"\n",
            (long long)p.id, p.calls, p.status, p.payload);
    CHECK(p.id > 0 && p.stop_rc == WACTOR_ESTATE);
    CHECK(p.call_rc == WACTOR_ESTATE && p.idle_rc == WACTOR_ESTATE && p.spawn_rc == WACTOR_ESTATE);
    CHECK(p.calls == 1 && p.status == WACTOR_STATUS_FAILED && strcmp(p.payload, "stopped") == 0);
    pthread_mutex_unlock(&p.lock);
    wactor_stats s;
    CHECK(wactor_component_stats(rt, "gone", &s) == WACTOR_ENOTFOUND);

    o.config = NULL;
    o.config_len = 0;
    CHECK(wactor_spawn(rt, &o) == WACTOR_OK);
    CHECK(wactor_wait_idle(rt, 60000) == WACTOR_OK);
    CHECK(strcmp(ask(rt, "gone", "report"),
                 "send 0 request OK\nmsg gone hello late\nmsg gone ask late\ncb 0 gone answer "
                 "late\n") == 0);
    wactor_runtime_free(rt);
    pthread_mutex_destroy(&p.lock);
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
    CHECK(strstr(wactor_errmsg(rt), "over the 1 KiB limit for a module") != NULL);
    CHECK(wactor_errcode(rt) == WACTOR_ETOOBIG);
    wactor_component_options c = {.name = "big", .path = agent_path};
    CHECK(wactor_spawn(rt, &c) == WACTOR_EMODULE);
    CHECK(strstr(wactor_errmsg(rt), agent_path) == wactor_errmsg(rt)); /* names the file */
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
    {"self_from_init", test_self_from_init},
    {"failed_start_withdraws", test_failed_start_withdraws},
    {"module_file", test_module_file},
};

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s TEST|all EDGE_AGENT.wasm START.wasm EDGE_SELF.wasm\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    start_path = argv[3];
    self_path = argv[4];
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
