/*
 * wasi_test.c: the WASI context as the actor runtime will use it: output to a
 * callback instead of the process's streams, facets granted one by one, and
 * the errno contract of the host functions (called directly with wa_call,
 * with a real instance's memory behind the guest pointers).
 *
 * Usage: wasi_test TEST|all HELLO.wasm EXIT3.wasm
 */
#include "harness.h"
#include "wasi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WASI_ESUCCESS = 0, WASI_EBADF = 8, WASI_EFAULT = 21, WASI_ENOTCAPABLE = 76 };

static const char *hello_path, *exit3_path;

/* What the guest wrote, per descriptor. */
typedef struct sink {
    char text[3][1024];
    size_t len[3];
} sink;

static bool sink_write(void *arg, uint32_t fd, const uint8_t *data, size_t len)
{
    sink *s = arg;
    if (fd > 2 || s->len[fd] + len >= sizeof s->text[fd])
        return false;
    memcpy(s->text[fd] + s->len[fd], data, len);
    s->len[fd] += len;
    return true;
}

static wa_module *load(const char *path)
{
    size_t len;
    const uint8_t *buf = test_read_file(path, &len);
    if (buf == NULL)
        return NULL;
    wa_error err;
    return wa_module_load(buf, len, &err);
}

/* A module linked against ctx, or NULL. */
static wa_instance *link_wasi(const wa_module *m, wasi_ctx *ctx)
{
    uint32_t n = wa_module_num_imports(m);
    wa_extern imports[64];
    if (n > 64)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        wa_name module, field;
        wa_externtype type;
        wa_module_import(m, i, &module, &field, &type);
        if (!wasi_resolve(ctx, module, field, &imports[i]))
            return NULL;
    }
    wa_config cfg = {0};
    wa_error err;
    return wa_instantiate(m, imports, n, &cfg, &err);
}

static wa_trap run_start(wa_instance *inst)
{
    wa_extern start;
    if (!wa_instance_export(inst, "_start", 6, &start))
        return WA_TRAP_BAD_CALL;
    return wa_call(inst, start.u.func, NULL, NULL);
}

/* Output goes to the callback; without the stdout facet, nowhere. */
static void test_output_sink(void *arg)
{
    (void)arg;
    wa_module *m = load(hello_path);
    REQUIRE(m != NULL);
    const char *argv[] = {"hello", "x"};
    sink out;
    memset(&out, 0, sizeof out);
    wasi_options opts = {2,    argv, NULL, WASI_CAP_STDOUT, sink_write, &out, NULL,
                         NULL, NULL, 0,    false,           false};
    wasi_ctx *ctx = wasi_ctx_new(&opts);
    wa_instance *inst = ctx ? link_wasi(m, ctx) : NULL;
    CHECK(inst != NULL);
    if (inst != NULL) {
        CHECK(run_start(inst) == WA_TRAP_NONE);
        CHECK(!wasi_exited(ctx, NULL));
        const char *want = "Hello from WebAssembly!\nargv[0] = hello\nargv[1] = x\n";
        CHECK(out.len[1] == strlen(want) && memcmp(out.text[1], want, out.len[1]) == 0);
        CHECK(out.len[2] == 0);
        wa_instance_free(inst);
    }
    wasi_ctx_free(ctx);

    memset(&out, 0, sizeof out);
    opts.caps = WASI_CAP_ALL & ~WASI_CAP_STDOUT;
    ctx = wasi_ctx_new(&opts);
    inst = ctx ? link_wasi(m, ctx) : NULL;
    CHECK(inst != NULL);
    if (inst != NULL) {
        run_start(inst);
        CHECK(out.len[1] == 0 && out.len[2] == 0);
        wa_instance_free(inst);
    }
    wasi_ctx_free(ctx);
    wa_module_free(m);
}

/* proc_exit ends the call with WA_TRAP_EXIT and records the code. */
static void test_exit_code(void *arg)
{
    (void)arg;
    wa_module *m = load(exit3_path);
    REQUIRE(m != NULL);
    wasi_options opts = {0, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0, false, false};
    wasi_ctx *ctx = wasi_ctx_new(&opts);
    wa_instance *inst = ctx ? link_wasi(m, ctx) : NULL;
    CHECK(inst != NULL);
    if (inst != NULL) {
        uint32_t code = 0;
        CHECK(run_start(inst) == WA_TRAP_EXIT);
        CHECK(wasi_exited(ctx, &code) && code == 3);
        wa_instance_free(inst);
    }
    wasi_ctx_free(ctx);
    wa_module_free(m);
}

/* Calls WASI function `name` directly, with inst's memory as the guest's. */
static uint32_t call_wasi(wasi_ctx *ctx, wa_instance *inst, const char *name, const wa_val *args)
{
    wa_name module = {WASI_MODULE, (uint32_t)strlen(WASI_MODULE)};
    wa_name field = {name, (uint32_t)strlen(name)};
    wa_extern f;
    if (!wasi_resolve(ctx, module, field, &f))
        return UINT32_MAX;
    wa_val results[1] = {{.i32 = UINT32_MAX}};
    if (wa_call(inst, f.u.func, args, results) != WA_TRAP_NONE)
        return UINT32_MAX;
    return results[0].i32;
}

static void note_refusal(void *arg, unsigned facet)
{
    *(unsigned *)arg |= facet;
}

/* Each facet is checked before anything else; guest ranges outside memory
 * give EFAULT; descriptors other than 0..2 give EBADF. */
static void test_errno_contract(void *arg)
{
    (void)arg;
    wa_module *m = load(hello_path);
    REQUIRE(m != NULL);
    sink out;
    memset(&out, 0, sizeof out);
    const char *envp[] = {"A=1", "BC=22", NULL};
    unsigned refused = 0; /* the facets the denied callback was told of */
    wasi_options none = {0,        NULL, envp, 0,     sink_write, &out, note_refusal,
                         &refused, NULL, 0,    false, false};
    wasi_options all = {0,    NULL, envp, WASI_CAP_ALL, sink_write, &out, NULL,
                        NULL, NULL, 0,    false,        false};
    wasi_ctx *denied = wasi_ctx_new(&none), *granted = wasi_ctx_new(&all);
    wa_instance *inst = granted ? link_wasi(m, granted) : NULL;
    if (inst == NULL || denied == NULL) {
        wasi_ctx_free(denied);
        wasi_ctx_free(granted);
        wa_module_free(m);
        REQUIRE(false);
    }
    wa_memory *mem = wa_instance_memory(inst);
    uint32_t far = (uint32_t)wa_memory_size(mem) - 4; /* 4 bytes left */
    uint32_t buf = far - 1024;                        /* a scratch area at the top */

    wa_val rnd_ok[2] = {{.i32 = buf}, {.i32 = 16}}, rnd_far[2] = {{.i32 = far}, {.i32 = 16}};
    CHECK(call_wasi(denied, inst, "random_get", rnd_ok) == WASI_ENOTCAPABLE);
    CHECK(call_wasi(granted, inst, "random_get", rnd_ok) == WASI_ESUCCESS);
    CHECK(call_wasi(granted, inst, "random_get", rnd_far) == WASI_EFAULT);

    wa_val clk_ok[3] = {{.i32 = 1}, {.i64 = 0}, {.i32 = buf}};
    wa_val clk_far[3] = {{.i32 = 1}, {.i64 = 0}, {.i32 = far}};
    CHECK(call_wasi(denied, inst, "clock_time_get", clk_ok) == WASI_ENOTCAPABLE);
    CHECK(call_wasi(granted, inst, "clock_time_get", clk_ok) == WASI_ESUCCESS);
    CHECK(call_wasi(granted, inst, "clock_time_get", clk_far) == WASI_EFAULT);

    wa_val sizes[2] = {{.i32 = buf}, {.i32 = buf + 4}};
    CHECK(call_wasi(denied, inst, "environ_sizes_get", sizes) == WASI_ENOTCAPABLE);
    CHECK(call_wasi(granted, inst, "environ_sizes_get", sizes) == WASI_ESUCCESS);
    uint8_t got[8];
    CHECK(wa_memory_read(mem, buf, got, 8));
    CHECK(got[0] == 2 && got[4] == 10); /* "A=1\0BC=22\0" */
    wa_val env_get[2] = {{.i32 = buf}, {.i32 = buf + 16}};
    CHECK(call_wasi(granted, inst, "environ_get", env_get) == WASI_ESUCCESS);
    char text[10];
    CHECK(wa_memory_read(mem, buf + 16, text, 10) && memcmp(text, "A=1\0BC=22\0", 10) == 0);
    wa_val env_far[2] = {{.i32 = buf}, {.i32 = far}};
    CHECK(call_wasi(granted, inst, "environ_get", env_far) == WASI_EFAULT);

    /* fd_write of "hi": an iovec at buf pointing to buf + 64. */
    uint8_t iov[8] = {0};
    uint32_t data = buf + 64;
    for (int i = 0; i < 4; i++)
        iov[i] = (uint8_t)(data >> (8 * i));
    iov[4] = 2;
    CHECK(wa_memory_write(mem, buf, iov, 8) && wa_memory_write(mem, data, "hi", 2));
    wa_val w1[4] = {{.i32 = 1}, {.i32 = buf}, {.i32 = 1}, {.i32 = buf + 32}};
    wa_val w5[4] = {{.i32 = 5}, {.i32 = buf}, {.i32 = 1}, {.i32 = buf + 32}};
    wa_val wfar[4] = {{.i32 = 2}, {.i32 = far}, {.i32 = 1}, {.i32 = buf + 32}};
    CHECK(call_wasi(denied, inst, "fd_write", w1) == WASI_ENOTCAPABLE);
    CHECK(call_wasi(granted, inst, "fd_write", w5) == WASI_EBADF);
    CHECK(call_wasi(granted, inst, "fd_write", wfar) == WASI_EFAULT);
    CHECK(out.len[1] == 0 && out.len[2] == 0);
    CHECK(call_wasi(granted, inst, "fd_write", w1) == WASI_ESUCCESS);
    CHECK(out.len[1] == 2 && memcmp(out.text[1], "hi", 2) == 0);
    CHECK(wa_memory_read(mem, buf + 32, got, 4) && got[0] == 2);

    /* After fd_close, the descriptor is gone. */
    wa_val fd1[1] = {{.i32 = 1}};
    CHECK(call_wasi(granted, inst, "fd_close", fd1) == WASI_ESUCCESS);
    CHECK(call_wasi(granted, inst, "fd_write", w1) == WASI_EBADF);
    CHECK(out.len[1] == 2);

    /* Every refusal was reported to the embedder, and only refusals. */
    CHECK(refused == (WASI_CAP_RANDOM | WASI_CAP_CLOCK | WASI_CAP_ENV | WASI_CAP_STDOUT));

    wa_instance_free(inst);
    wasi_ctx_free(denied);
    wasi_ctx_free(granted);
    wa_module_free(m);
}

static const test_case tests[] = {
    {"output_sink", test_output_sink},
    {"exit_code", test_exit_code},
    {"errno_contract", test_errno_contract},
};

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s TEST|all HELLO.wasm EXIT3.wasm\n", argv[0]);
        return 2;
    }
    hello_path = argv[2];
    exit3_path = argv[3];
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
