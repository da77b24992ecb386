/*
 * api_test.c: the embedding API's answers that need no running component:
 * the component ABI's check (wactor_module_check) and that spawn refuses a
 * module with exactly its first problem; modules loaded without a runtime;
 * the reason a runtime could not be created; the names of codes and
 * statuses, from the one table.
 *
 * usage: api_test CASE|all PROBLEMS.wasm COMPONENT.wasm MISFIT.wasm
 */
#include "../unit/harness.h"
#include "wactor.h"

#include <stdlib.h>
#include <unistd.h>

static const char *problems_path, *component_path, *misfit_path;

static bool has(const wactor_problems *p, int kind, const char *name, const char *text)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].kind == kind &&
            (name == NULL ? p->v[i].name == NULL : p->v[i].name && !strcmp(p->v[i].name, name)) &&
            strstr(p->v[i].text, text) != NULL)
            return true;
    return false;
}

/* Every problem of a module that has them all, each with its kind and what
 * it is about; spawn refuses it with the first. */
static void test_check_lists_every_problem(void *arg)
{
    (void)arg;
    wactor_module *m = wactor_module_load_file(NULL, problems_path);
    REQUIRE(m != NULL);
    wactor_problems p;
    wactor_limits small = {.memory = 65536};
    int n = wactor_module_check(m, &small, &p);
    for (size_t i = 0; i < p.n; i++)
        fprintf(stderr, "problem %d %s: %s\n", p.v[i].kind, p.v[i].name ? p.v[i].name : "-",
                p.v[i].text);
    CHECK(n == 9 && p.n == 9);
    CHECK(has(&p, WACTOR_PROBLEM_LIMIT, "memory",
              "initial memory of 2 pages (131072 bytes) is over limits.memory (65536 bytes)"));
    CHECK(has(&p, WACTOR_PROBLEM_EXPORT, "memory", "no memory exported as `memory`"));
    CHECK(has(&p, WACTOR_PROBLEM_EXPORT, "wactor_on_message",
              "no export wactor_on_message of type (i32, i32, i64) -> i32"));
    CHECK(has(&p, WACTOR_PROBLEM_EXPORT, "wactor_init",
              "export wactor_init must be a func of type () -> i32"));
    CHECK(has(&p, WACTOR_PROBLEM_START, NULL, "has a start function"));
    CHECK(has(&p, WACTOR_PROBLEM_IMPORT, "wactor.send",
              "import wactor.send: has the wrong type (it is a func (i32) -> i32; the ABI "
              "defines func (i32, i32, i32, i32) -> i32)"));
    CHECK(has(&p, WACTOR_PROBLEM_IMPORT, "wactor.no_such_import", "the runtime does not provide"));
    CHECK(has(&p, WACTOR_PROBLEM_IMPORT, "env.elsewhere", "components import only from wactor"));
    CHECK(has(&p, WACTOR_PROBLEM_EXPORT, "wactor_on_callback",
              "imports wactor.request but does not export wactor_on_callback"));
    /* Under the default limits the memory (2 pages) is fine; with 64 KiB: */
    wactor_problems q;
    CHECK(wactor_module_check(m, NULL, &q) == 8);
    CHECK(!has(&q, WACTOR_PROBLEM_LIMIT, "memory", ""));
    wactor_problems_free(&q);

    wactor_runtime *rt = wactor_runtime_new(&(wactor_runtime_options){.workers = 1});
    REQUIRE(rt != NULL);
    wactor_component_options o = {.name = "bad", .module = m};
    CHECK(wactor_spawn(rt, &o) == WACTOR_EMODULE);
    CHECK(strncmp(wactor_errmsg(rt), p.v[0].text, strlen(p.v[0].text)) == 0);
    CHECK(strstr(wactor_errmsg(rt), "(and more") != NULL);
    CHECK(wactor_send(rt, "bad", "x", 1) == WACTOR_ENOTFOUND);
    wactor_runtime_free(rt);
    wactor_problems_free(&p);
    CHECK(p.v == NULL && p.n == 0);
    wactor_problems_free(&p); /* twice is harmless */
    wactor_module_free(m);
}

/* A component passes, and the memory limit is the only problem when it is
 * too small; spawn then words it the same. */
static void test_check_limits(void *arg)
{
    (void)arg;
    wactor_module *m = wactor_module_load_file(NULL, component_path);
    REQUIRE(m != NULL);
    wactor_problems p;
    CHECK(wactor_module_check(m, NULL, &p) == 0 && p.n == 0 && p.v == NULL);
    wactor_limits tiny = {.memory = 65536};
    int n = wactor_module_check(m, &tiny, &p);
    CHECK(n == 1 && p.v[0].kind == WACTOR_PROBLEM_LIMIT && strcmp(p.v[0].name, "memory") == 0);
    CHECK(strstr(p.v[0].text, "is over limits.memory (65536 bytes)") != NULL);
    wactor_runtime *rt = wactor_runtime_new(&(wactor_runtime_options){.workers = 1});
    REQUIRE(rt != NULL);
    wactor_component_options o = {.name = "tiny", .module = m, .limits = tiny};
    CHECK(wactor_spawn(rt, &o) == WACTOR_EMODULE);
    CHECK(n == 1 && strcmp(wactor_errmsg(rt), p.v[0].text) == 0);
    wactor_runtime_free(rt);
    wactor_problems_free(&p);
    CHECK(wactor_module_check(NULL, NULL, &p) == WACTOR_EINVAL && p.n == 0);
    CHECK(wactor_module_check(m, NULL, NULL) == WACTOR_EINVAL);
    wactor_module_free(m);
}

/* A module that no instantiation accepts (a data segment beyond its memory)
 * is refused before anything runs, in the engine's words. */
static void test_check_segments(void *arg)
{
    (void)arg;
    wactor_module *m = wactor_module_load_file(NULL, misfit_path);
    REQUIRE(m != NULL);
    wactor_problems p;
    CHECK(wactor_module_check(m, NULL, &p) == 1);
    static const char want[] =
        "data segment 0 does not fit memory 0 (offset 70000 + 16 bytes > 65536 bytes)";
    CHECK(p.n == 1 && p.v[0].kind == WACTOR_PROBLEM_SEGMENT && strcmp(p.v[0].text, want) == 0);
    wactor_runtime *rt = wactor_runtime_new(&(wactor_runtime_options){.workers = 1});
    REQUIRE(rt != NULL);
    wactor_component_options o = {.name = "misfit", .module = m};
    CHECK(wactor_spawn(rt, &o) == WACTOR_EMODULE);
    CHECK(strcmp(wactor_errmsg(rt), want) == 0);
    wactor_runtime_free(rt);
    wactor_problems_free(&p);
    wactor_module_free(m);

    /* A table over the engine's size limit: the same, as a limit. */
    char bigtable[1024];
    snprintf(bigtable, sizeof bigtable, "%.*s/bigtable.wasm",
             (int)(strrchr(misfit_path, '/') - misfit_path), misfit_path);
    REQUIRE((m = wactor_module_load_file(NULL, bigtable)) != NULL);
    CHECK(wactor_module_check(m, NULL, &p) == 1);
    CHECK(p.n == 1 && p.v[0].kind == WACTOR_PROBLEM_LIMIT &&
          strcmp(p.v[0].text, "table 0: an initial size of 20000000 elements is over the limit "
                              "of 10000000") == 0);
    wactor_problems_free(&p);
    wactor_module_free(m);
}

/* Without a runtime, the reason is wactor_errmsg(NULL): it names the file
 * and, for a malformed module, the section and byte offset. */
static void test_load_without_runtime(void *arg)
{
    (void)arg;
    CHECK(wactor_module_load_file(NULL, "/nonexistent/x.wasm") == NULL);
    CHECK(strcmp(wactor_errmsg(NULL),
                 "/nonexistent/x.wasm: cannot read: No such file or directory") == 0);
    static const uint8_t truncated[] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00, 0x01, 0x7f};
    CHECK(wactor_module_load(NULL, truncated, sizeof truncated) == NULL);
    fprintf(stderr, "errmsg: %s\n", wactor_errmsg(NULL));
    CHECK(strstr(wactor_errmsg(NULL), "malformed module: ") == wactor_errmsg(NULL));
    CHECK(strstr(wactor_errmsg(NULL), ", byte offset 10)") != NULL);
}

/* A runtime that cannot be created says why. */
static void test_runtime_reason(void *arg)
{
    (void)arg;
    char dir[] = "/tmp/wactor-api-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char file[64];
    snprintf(file, sizeof file, "%s/plain", dir);
    FILE *f = fopen(file, "w");
    REQUIRE(f != NULL);
    fclose(f);
    char storage[80];
    snprintf(storage, sizeof storage, "%s/sub", file); /* under a regular file */
    wactor_runtime_options o = {.workers = 1, .storage_path = storage};
    CHECK(wactor_runtime_new(&o) == NULL);
    fprintf(stderr, "errmsg: %s\n", wactor_errmsg(NULL));
    CHECK(strstr(wactor_errmsg(NULL), "storage ") == wactor_errmsg(NULL));
    CHECK(strstr(wactor_errmsg(NULL), ": cannot open: ") != NULL);
    wactor_runtime_options a = {.workers = 1, .audit_path = storage};
    CHECK(wactor_runtime_new(&a) == NULL);
    CHECK(strstr(wactor_errmsg(NULL), "audit file ") == wactor_errmsg(NULL));
    CHECK(strstr(wactor_errmsg(NULL), "Not a directory") != NULL);
    unlink(file);
    rmdir(dir);
}

/* Every component's statistics in one call, with its name, state and
 * mailbox bound; a stopped component stays listed as stopped. */
static void test_stats_all(void *arg)
{
    (void)arg;
    wactor_runtime *rt = wactor_runtime_new(&(wactor_runtime_options){.workers = 1});
    REQUIRE(rt != NULL);
    wactor_component_options a = {.name = "a", .path = component_path};
    wactor_component_options b = {.name = "b", .path = component_path, .limits.mailbox = 7};
    CHECK(wactor_spawn(rt, &a) == WACTOR_OK && wactor_spawn(rt, &b) == WACTOR_OK);
    CHECK(wactor_stop(rt, "a") == WACTOR_OK);
    wactor_stats *v = NULL;
    size_t n = 0;
    CHECK(wactor_stats_all(rt, &v, &n) == WACTOR_OK && n == 2);
    CHECK(n == 2 && strcmp(v[0].name, "a") == 0 && v[0].state == WACTOR_STATE_STOPPED &&
          !v[0].running && v[0].mailbox == 10000);
    CHECK(n == 2 && strcmp(v[1].name, "b") == 0 && v[1].state == WACTOR_STATE_RUNNING &&
          v[1].running && v[1].mailbox == 7);
    free(v);
    CHECK(wactor_spawn(rt, &a) == WACTOR_OK); /* the name again: one entry, the new one */
    CHECK(wactor_stats_all(rt, &v, &n) == WACTOR_OK && n == 2);
    CHECK(n == 2 && strcmp(v[1].name, "a") == 0 && v[1].state == WACTOR_STATE_RUNNING);
    free(v);
    CHECK(strcmp(wactor_state_name(WACTOR_STATE_BACKING_OFF), "backing-off") == 0);
    CHECK(wactor_stats_all(rt, NULL, &n) == WACTOR_EINVAL);
    wactor_runtime_free(rt);
}

/* Names and messages come from the one table. */
static void test_code_names(void *arg)
{
    (void)arg;
    CHECK(strcmp(wactor_result_name(WACTOR_EEXIST), "EEXIST") == 0 && WACTOR_EEXIST == -8);
    CHECK(strcmp(wactor_result_message(WACTOR_ENOMEM), "out of memory") == 0);
    CHECK(strcmp(wactor_result_name(7), "OK") == 0);
    CHECK(strcmp(wactor_result_name(-99), "UNKNOWN") == 0);
    CHECK(strcmp(wactor_status_name(WACTOR_STATUS_FAILED), "FAILED") == 0);
    CHECK(strcmp(wactor_status_name(4), "UNKNOWN") == 0);
}

static const test_case tests[] = {
    {"check_lists_every_problem", test_check_lists_every_problem},
    {"check_limits", test_check_limits},
    {"check_segments", test_check_segments},
    {"load_without_runtime", test_load_without_runtime},
    {"runtime_reason", test_runtime_reason},
    {"stats_all", test_stats_all},
    {"code_names", test_code_names},
};

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s TEST|all PROBLEMS.wasm COMPONENT.wasm MISFIT.wasm\n", argv[0]);
        return 2;
    }
    problems_path = argv[2];
    component_path = argv[3];
    misfit_path = argv[4];
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
