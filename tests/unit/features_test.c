/*
 * features_test.c: modules that use WebAssembly proposals, through wasm.h
 * only. A proposal the engine does not implement is refused as
 * WA_ERR_UNSUPPORTED with words that name the feature, the proposal and
 * where (never "malformed"); a module the engine runs lists the features
 * beyond WebAssembly 1.0 it uses (wa_module_features).
 *
 * Usage: features_test TEST|all DIR
 * DIR holds tests/wasm/features/NAME.wat built with wat2wasm (NAME.wasm), each
 * with the feature flags its first line names.
 */
#include "harness.h"
#include "wasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_dir;

/* DIR/NAME.wasm loaded, or NULL with err filled. */
static wa_module *load(const char *name, wa_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.wasm", g_dir, name);
    size_t len;
    memset(err, 0, sizeof *err);
    const uint8_t *buf = test_read_file(path, &len);
    if (buf == NULL) {
        err->kind = WA_ERR_FILE;
        return NULL;
    }
    return wa_module_load(buf, len, err);
}

/* NAME is refused as unsupported, in section `section`, with the one line
 * wa_error_format gives equal to `line`. */
static void refused(const char *name, int section, const char *line)
{
    wa_error err;
    wa_module *m = load(name, &err);
    CHECK(m == NULL);
    wa_module_free(m);
    char buf[400];
    wa_error_format(&err, buf, sizeof buf);
    if (err.kind != WA_ERR_UNSUPPORTED || err.section != section || strcmp(buf, line) != 0)
        fprintf(stderr, "%s: kind %s, section %d: \"%s\"\n  want \"%s\"\n", name,
                wa_errkind_name(err.kind), err.section, buf, line);
    CHECK(err.kind == WA_ERR_UNSUPPORTED);
    CHECK(err.section == section);
    CHECK(strcmp(buf, line) == 0);
    CHECK(strstr(buf, "malformed") == NULL);
}

static void test_shared_memory(void *arg)
{
    (void)arg;
    refused(
        "shared_memory", 5,
        "uses shared memory (threads proposal), not supported (memory section, byte offset 11)");
}

static void test_atomics(void *arg)
{
    (void)arg;
    refused("atomics", 10,
            "function 0: uses atomic instructions (threads proposal), not supported (code "
            "section, byte offset 31)");
}

static void test_tag(void *arg)
{
    (void)arg;
    refused("tag", 13,
            "uses a tag section (exception handling proposal), not supported (tag "
            "section, byte offset 18)");
}

static void test_try(void *arg)
{
    (void)arg;
    refused("try", 10,
            "function 1: uses exception-handling instructions (exception handling proposal), not "
            "supported (code section, byte offset 27)");
}

static void test_memory64(void *arg)
{
    (void)arg;
    refused("memory64", 5,
            "uses 64-bit memory or table indices (memory64 proposal), not supported (memory "
            "section, byte offset 11)");
}

static void test_multi_memory(void *arg)
{
    (void)arg;
    refused("multi_memory", 5,
            "uses multiple memories (multi-memory proposal), not supported (memory section, byte "
            "offset 0)");
}

static void test_multi_memory_access(void *arg)
{
    (void)arg;
    refused("multi_memory_access", 5,
            "uses multiple memories (multi-memory proposal), not supported (memory section, byte "
            "offset 0)");
}

static void test_gc(void *arg)
{
    (void)arg;
    refused("gc", 1,
            "uses struct, array or recursive types (GC proposal), not supported (type "
            "section, byte offset 11)");
}

/* Implemented: loads, says it uses SIMD, and returns its v128 as two wa_val. */
static void test_simd(void *arg)
{
    (void)arg;
    wa_error err;
    wa_module *m = load("simd", &err);
    REQUIRE(m != NULL);
    CHECK(wa_module_features(m) == 1u << WA_FEATURE_SIMD);
    wa_instance *inst = wa_instantiate(m, NULL, 0, NULL, &err);
    REQUIRE(inst != NULL);
    wa_extern e;
    wa_func *f = wa_instance_export(inst, "f", 1, &e) && e.kind == WA_EXTERN_FUNC ? e.u.func : NULL;
    CHECK(f != NULL);
    wa_val result[2] = {{0}, {0}};
    CHECK(f && wa_call(inst, f, NULL, result) == WA_TRAP_NONE && result[0].i64 == 7 &&
          result[1].i64 == 9);
    wa_instance_free(inst);
    wa_module_free(m);
}

/* Implemented: loads, says it uses tail calls, and runs. */
static void test_tail_call(void *arg)
{
    (void)arg;
    wa_error err;
    wa_module *m = load("tail_call", &err);
    REQUIRE(m != NULL);
    CHECK(wa_module_features(m) == 1u << WA_FEATURE_TAIL_CALL);
    wa_instance *inst = wa_instantiate(m, NULL, 0, NULL, &err);
    REQUIRE(inst != NULL);
    wa_func *g = NULL;
    wa_extern e;
    if (wa_instance_export(inst, "g", 1, &e) && e.kind == WA_EXTERN_FUNC)
        g = e.u.func;
    CHECK(g != NULL);
    wa_val result = {0};
    CHECK(g && wa_call(inst, g, NULL, &result) == WA_TRAP_NONE && result.i32 == 7);
    wa_instance_free(inst);
    wa_module_free(m);
}

static void test_mvp(void *arg)
{
    (void)arg;
    wa_error err;
    wa_module *m = load("mvp", &err);
    REQUIRE(m != NULL);
    CHECK(wa_module_features(m) == 0);
    wa_module_free(m);
}

static void test_post_mvp(void *arg)
{
    (void)arg;
    wa_error err;
    wa_module *m = load("post_mvp", &err);
    REQUIRE(m != NULL);
    uint32_t want = 1u << WA_FEATURE_SIGN_EXTENSION | 1u << WA_FEATURE_BULK_MEMORY |
                    1u << WA_FEATURE_MULTI_VALUE | 1u << WA_FEATURE_MUTABLE_GLOBALS |
                    1u << WA_FEATURE_REFERENCE_TYPES;
    if (wa_module_features(m) != want)
        fprintf(stderr, "features 0x%x, want 0x%x\n", wa_module_features(m), want);
    CHECK(wa_module_features(m) == want);
    CHECK(strcmp(wa_feature_name(WA_FEATURE_BULK_MEMORY), "bulk-memory") == 0);
    CHECK(wa_feature_name(WA_FEATURE_COUNT_) == NULL);
    wa_module_free(m);
}

static const test_case tests[] = {
    {"shared_memory", test_shared_memory},
    {"atomics", test_atomics},
    {"tag", test_tag},
    {"try", test_try},
    {"memory64", test_memory64},
    {"multi_memory", test_multi_memory},
    {"multi_memory_access", test_multi_memory_access},
    {"gc", test_gc},
    {"simd", test_simd},
    {"tail_call", test_tail_call},
    {"mvp", test_mvp},
    {"post_mvp", test_post_mvp},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TEST|all DIR\n", argv[0]);
        return 2;
    }
    g_dir = argv[2];
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
