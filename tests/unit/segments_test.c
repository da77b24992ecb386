/*
 * segments_test.c: active element and data segments that do not fit their
 * table or memory, through wasm.h only. wa_module_check_segments must find
 * those the module alone decides, skip those that depend on imports, and
 * give the same error (kind, message, section, offset) as wa_instantiate.
 *
 * Usage: segments_test TEST|all DIR
 * DIR holds tests/wasm/segments/NAME.wat built with wat2wasm (NAME.wasm).
 */
#include "harness.h"
#include "wasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_dir;

/* DIR/NAME.wasm loaded; NULL (and a message) if it does not load. */
static wa_module *load(const char *name, wa_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.wasm", g_dir, name);
    size_t len;
    const uint8_t *buf = test_read_file(path, &len);
    if (buf == NULL)
        return NULL;
    wa_module *m = wa_module_load(buf, len, err);
    if (m == NULL)
        fprintf(stderr, "%s: %s: %s\n", path, wa_errkind_name(err->kind), err->msg);
    return m;
}

static bool same_error(const wa_error *a, const wa_error *b)
{
    return a->kind == b->kind && a->section == b->section && a->offset == b->offset &&
           strcmp(a->msg, b->msg) == 0;
}

/* The module's segments are found not to fit, with `msg`, both by the check
 * and by instantiation (with the given imports), which give the same error. */
static void check_misfit(const char *name, const wa_extern *imports, uint32_t nimports,
                         const char *msg)
{
    wa_error err, ierr;
    wa_module *m = load(name, &err);
    REQUIRE(m != NULL);
    CHECK(!wa_module_check_segments(m, &err));
    CHECK(err.kind == WA_ERR_UNINSTANTIABLE);
    if (strcmp(err.msg, msg) != 0)
        fprintf(stderr, "%s: check says \"%s\", want \"%s\"\n", name, err.msg, msg);
    CHECK(strcmp(err.msg, msg) == 0);
    wa_instance *inst = wa_instantiate(m, imports, nimports, NULL, &ierr);
    CHECK(inst == NULL);
    if (!same_error(&err, &ierr))
        fprintf(stderr, "%s: instantiation says \"%s\" (%d, %zu)\n", name, ierr.msg, ierr.section,
                ierr.offset);
    CHECK(same_error(&err, &ierr));
    wa_instance_free(inst);
    wa_module_free(m);
}

static void test_data_oob(void *arg)
{
    (void)arg;
    check_misfit("data_oob", NULL, 0,
                 "data segment 0 does not fit memory 0 (offset 70000 + 16 bytes > 65536 bytes)");
}

static void test_elem_oob(void *arg)
{
    (void)arg;
    check_misfit("elem_oob", NULL, 0,
                 "element segment 0 does not fit table 0 (offset 8 + 3 elements > 10 elements)");
}

/* Segments ending exactly at the end, and an empty one there, fit: the check
 * passes and instantiation writes them. */
static void test_fits(void *arg)
{
    (void)arg;
    wa_error err;
    wa_module *m = load("fits", &err);
    REQUIRE(m != NULL);
    CHECK(wa_module_check_segments(m, &err));
    CHECK(err.kind == WA_ERR_OK && err.msg[0] == 0);
    wa_instance *inst = wa_instantiate(m, NULL, 0, NULL, &err);
    REQUIRE(inst != NULL);
    char bytes[16];
    CHECK(wa_memory_read(wa_instance_memory(inst), 65520, bytes, sizeof bytes));
    CHECK(memcmp(bytes, "0123456789abcdef", sizeof bytes) == 0);
    wa_extern table;
    REQUIRE(wa_instance_export(inst, "table", 5, &table) && table.kind == WA_EXTERN_TABLE);
    wa_val v;
    CHECK(wa_table_get(table.u.table, 6, &v) && v.ref == NULL);
    CHECK(wa_table_get(table.u.table, 9, &v) && v.ref != NULL);
    wa_instance_free(inst);
    wa_module_free(m);
}

/* The second data segment does not fit: the check names it, and
 * instantiation fails there after writing the first (kept with keep_failed). */
static void test_order(void *arg)
{
    (void)arg;
    check_misfit("order", NULL, 0,
                 "data segment 1 does not fit memory 0 (offset 65535 + 2 bytes > 65536 bytes)");
    wa_error err;
    wa_module *m = load("order", &err);
    REQUIRE(m != NULL);
    wa_config cfg = {.keep_failed = true};
    CHECK(wa_instantiate(m, NULL, 0, &cfg, &err) == NULL);
    REQUIRE(err.partial != NULL);
    char bytes[2];
    CHECK(wa_memory_read(wa_instance_memory(err.partial), 0, bytes, 2) &&
          memcmp(bytes, "ok", 2) == 0);
    CHECK(wa_memory_read(wa_instance_memory(err.partial), 65535, bytes, 1) && bytes[0] == 0);
    wa_instance_free(err.partial);
    wa_module_free(m);
}

/* Elements are applied before data: of two misfits, the element segment is
 * the one both report, though it comes later in the text. */
static void test_elem_first(void *arg)
{
    (void)arg;
    check_misfit("elem_first", NULL, 0,
                 "element segment 0 does not fit table 0 (offset 1 + 1 element > 1 element)");
}

/* An offset read from an imported global is known only once linked: the
 * check passes, instantiation decides. */
static void test_global_offset(void *arg)
{
    (void)arg;
    wa_error err;
    wa_module *m = load("global_offset", &err);
    REQUIRE(m != NULL);
    CHECK(wa_module_check_segments(m, &err));
    wa_global *g = wa_global_new((wa_globaltype){WA_I32, false}, (wa_val){.i32 = 65530});
    REQUIRE(g != NULL);
    wa_extern imp = {.kind = WA_EXTERN_GLOBAL, .u.global = g};
    CHECK(wa_instantiate(m, &imp, 1, NULL, &err) == NULL);
    CHECK(err.kind == WA_ERR_UNINSTANTIABLE);
    CHECK(strcmp(err.msg, "data segment 0 does not fit memory 0 (offset 65530 + 16 bytes > "
                          "65536 bytes)") == 0);
    wa_global_free(g);
    g = wa_global_new((wa_globaltype){WA_I32, false}, (wa_val){.i32 = 65520});
    REQUIRE(g != NULL);
    imp.u.global = g;
    wa_instance *inst = wa_instantiate(m, &imp, 1, NULL, &err);
    CHECK(inst != NULL);
    wa_instance_free(inst);
    wa_global_free(g);
    wa_module_free(m);

    /* A global the module defines cannot give an offset in WebAssembly 2.0;
     * should the engine accept one, the check must catch this misfit. */
    size_t len;
    char path[4096];
    snprintf(path, sizeof path, "%s/global_defined.wasm", g_dir);
    const uint8_t *buf = test_read_file(path, &len);
    REQUIRE(buf != NULL);
    m = wa_module_load(buf, len, &err);
    if (m == NULL) {
        CHECK(err.kind == WA_ERR_INVALID);
    } else {
        CHECK(!wa_module_check_segments(m, &err));
        CHECK(strcmp(err.msg, "data segment 0 does not fit memory 0 (offset 70000 + 1 byte > "
                              "65536 bytes)") == 0);
        wa_module_free(m);
    }
}

/* A segment into an imported memory is checked at instantiation only: the
 * memory given may be larger than the module's minimum. */
static void test_imported_memory(void *arg)
{
    (void)arg;
    wa_error err;
    wa_module *m = load("imported_memory", &err);
    REQUIRE(m != NULL);
    CHECK(wa_module_check_segments(m, &err));
    wa_memory *mem = wa_memory_new((wa_limits){.min = 1});
    REQUIRE(mem != NULL);
    wa_extern imp = {.kind = WA_EXTERN_MEMORY, .u.memory = mem};
    CHECK(wa_instantiate(m, &imp, 1, NULL, &err) == NULL);
    CHECK(err.kind == WA_ERR_UNINSTANTIABLE);
    CHECK(strcmp(err.msg, "data segment 0 does not fit memory 0 (offset 70000 + 16 bytes > "
                          "65536 bytes)") == 0);
    CHECK(wa_memory_grow(mem, 1) == 1);
    wa_instance *inst = wa_instantiate(m, &imp, 1, NULL, &err);
    CHECK(inst != NULL);
    char bytes[16];
    CHECK(wa_memory_read(mem, 70000, bytes, sizeof bytes) &&
          memcmp(bytes, "0123456789abcdef", sizeof bytes) == 0);
    wa_instance_free(inst);
    wa_memory_free(mem);
    wa_module_free(m);
}

/* The same for a segment into an imported table. */
static void test_imported_table(void *arg)
{
    (void)arg;
    wa_error err;
    wa_module *m = load("imported_table", &err);
    REQUIRE(m != NULL);
    CHECK(wa_module_check_segments(m, &err));
    wa_table *t = wa_table_new((wa_tabletype){WA_FUNCREF, {.min = 10}});
    REQUIRE(t != NULL);
    wa_extern imp = {.kind = WA_EXTERN_TABLE, .u.table = t};
    CHECK(wa_instantiate(m, &imp, 1, NULL, &err) == NULL);
    CHECK(err.kind == WA_ERR_UNINSTANTIABLE);
    CHECK(strcmp(err.msg, "element segment 0 does not fit table 0 (offset 8 + 3 elements > 10 "
                          "elements)") == 0);
    wa_table_free(t);
    t = wa_table_new((wa_tabletype){WA_FUNCREF, {.min = 11}});
    REQUIRE(t != NULL);
    imp.u.table = t;
    wa_instance *inst = wa_instantiate(m, &imp, 1, NULL, &err);
    CHECK(inst != NULL);
    wa_instance_free(inst);
    wa_table_free(t);
    wa_module_free(m);
}

static const test_case tests[] = {
    {"data_oob", test_data_oob},
    {"elem_oob", test_elem_oob},
    {"fits", test_fits},
    {"order", test_order},
    {"elem_first", test_elem_first},
    {"global_offset", test_global_offset},
    {"imported_memory", test_imported_memory},
    {"imported_table", test_imported_table},
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
