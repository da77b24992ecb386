/*
 * engine_hooks_test.c: the engine's limits and controls, seen through wasm.h
 * only: memory cap, call-depth limit, fuel, interrupt from another thread,
 * bounds-checked memory accessors, private state per instance, and the
 * bounded reading of module files (wa_file_read).
 *
 * Usage: engine_hooks_test TEST|all HOOKS.wasm
 * HOOKS.wasm is tests/guest/hooks.c built as a reactor. With
 * WACTOR_TEST_TIER=aot every instance runs compiled (docs/AOT.md), from the
 * module's artifact in the folder WACTOR_TEST_CACHE (HEX.so, as `wactor
 * compile --cache` makes it): the same limits must hold in both tiers. Each test prints
 * "ok NAME" or its failed checks; the exit status is 1 if any check failed.
 * Nothing here sleeps or measures time: the interrupt test waits on a
 * semaphore that the guest posts (through an import) once it is running.
 */
#include "aot.h"
#include "harness.h"
#include "wasm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- fixture: the hooks module and its one import ------------------------ */

typedef struct fixture {
    const char *path; /* of the hooks module */
    wa_module *module;
    wa_func *entered; /* host function test.entered: posts entered_sem */
    sem_t entered_sem;
    wa_aot_artifact *aot; /* the compiled code every instance runs, or NULL */
} fixture;

static wa_trap host_entered(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    (void)io;
    sem_post(&((fixture *)env)->entered_sem);
    return WA_TRAP_NONE;
}

/* The AOT pass: the module's artifact from WACTOR_TEST_CACHE. */
static bool fixture_compiled(fixture *fx)
{
    const char *cache = getenv("WACTOR_TEST_CACHE");
    if (cache == NULL) {
        fprintf(stderr, "WACTOR_TEST_TIER=aot needs WACTOR_TEST_CACHE\n");
        return false;
    }
    wa_aot_stamp stamp;
    wa_aot_stamp_of(fx->module, &stamp);
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/", cache);
    for (size_t i = 0; i < sizeof stamp.sha256 && k > 0 && (size_t)k < sizeof path - 8; i++)
        k += snprintf(path + k, sizeof path - (size_t)k, "%02x", stamp.sha256[i]);
    if (k <= 0 || (size_t)k >= sizeof path - 8)
        return false;
    snprintf(path + k, sizeof path - (size_t)k, ".so");
    wa_error err;
    memset(&err, 0, sizeof err);
    fx->aot = wa_aot_open(path, fx->module, &err);
    if (fx->aot == NULL)
        fprintf(stderr, "%s: %s\n", path, err.msg);
    return fx->aot != NULL;
}

static bool fixture_init(fixture *fx, const char *path)
{
    fx->path = path;
    size_t len;
    const uint8_t *buf = test_read_file(path, &len);
    if (buf == NULL)
        return false;
    wa_error err;
    memset(&err, 0, sizeof err);
    fx->module = wa_module_load(buf, len, &err);
    if (fx->module == NULL) {
        fprintf(stderr, "%s: %s: %s\n", path, wa_errkind_name(err.kind), err.msg);
        return false;
    }
    const char *tier = getenv("WACTOR_TEST_TIER");
    if (tier != NULL && strcmp(tier, "aot") == 0 && !fixture_compiled(fx))
        return false;
    static const wa_functype void_void = {0, 0, NULL};
    fx->entered = wa_func_new_host(&void_void, host_entered, fx);
    sem_init(&fx->entered_sem, 0, 0);
    return fx->entered != NULL;
}

static void fixture_free(fixture *fx)
{
    wa_func_free(fx->entered);
    wa_aot_close(fx->aot); /* after the last instance */
    wa_module_free(fx->module);
    sem_destroy(&fx->entered_sem);
}

static wa_func *export_func(wa_instance *inst, const char *name)
{
    wa_extern ext;
    if (!wa_instance_export(inst, name, strlen(name), &ext) || ext.kind != WA_EXTERN_FUNC)
        return NULL;
    return ext.u.func;
}

/* Instantiates the hooks module and runs its reactor constructor. cfg NULL
 * means the defaults. */
static wa_instance *hooks_new(fixture *fx, const wa_config *cfg)
{
    wa_config c = {0};
    if (cfg != NULL)
        c = *cfg;
    c.native = fx->aot != NULL ? wa_aot_artifact_native(fx->aot) : NULL;
    uint32_t n = wa_module_num_imports(fx->module);
    wa_extern imports[1];
    if (n != 1) {
        fprintf(stderr, "hooks.wasm: expected exactly one import (test.entered), got %u\n", n);
        return NULL;
    }
    imports[0].kind = WA_EXTERN_FUNC;
    imports[0].u.func = fx->entered;
    wa_error err;
    memset(&err, 0, sizeof err);
    wa_instance *inst = wa_instantiate(fx->module, imports, n, &c, &err);
    if (inst == NULL) {
        fprintf(stderr, "instantiate: %s: %s\n", wa_errkind_name(err.kind), err.msg);
        return NULL;
    }
    wa_func *init = export_func(inst, "_initialize");
    if (init != NULL && wa_call(inst, init, NULL, NULL) != WA_TRAP_NONE) {
        fprintf(stderr, "_initialize trapped: %s\n", wa_instance_trap_message(inst));
        wa_instance_free(inst);
        return NULL;
    }
    return inst;
}

/* Calls export `name` with at most one i32 argument; *result gets its i32
 * result if it has one. */
static wa_trap call1(wa_instance *inst, const char *name, uint32_t arg, uint32_t *result)
{
    wa_func *f = export_func(inst, name);
    if (f == NULL) {
        fprintf(stderr, "no exported function %s\n", name);
        return WA_TRAP_BAD_CALL;
    }
    wa_val args[1] = {{.i32 = arg}}, results[1] = {{.i64 = 0}};
    wa_trap t = wa_call(inst, f, args, results);
    if (result != NULL)
        *result = results[0].i32;
    return t;
}

/* ---- the tests ----------------------------------------------------------- */

/* memory.grow past cfg.max_memory_pages returns -1 and changes nothing. */
static void test_memory_cap(void *arg)
{
    fixture *fx = arg;
    int64_t at = wa_module_find_export(fx->module, "memory", 6);
    REQUIRE(at >= 0);
    wa_name name;
    wa_externtype type;
    wa_module_export(fx->module, (uint32_t)at, &name, &type);
    REQUIRE(type.kind == WA_EXTERN_MEMORY);
    uint32_t initial = type.u.memory.min;

    wa_config cfg = {.max_memory_pages = initial + 1};
    wa_instance *inst = hooks_new(fx, &cfg);
    REQUIRE(inst != NULL);
    wa_memory *mem = wa_instance_memory(inst);
    CHECK(mem != NULL && wa_memory_pages(mem) == initial);

    uint32_t r = 0;
    CHECK(call1(inst, "grow", 1, &r) == WA_TRAP_NONE && r == initial);
    CHECK(wa_memory_pages(mem) == initial + 1);
    CHECK(call1(inst, "grow", 1, &r) == WA_TRAP_NONE && r == UINT32_MAX);
    CHECK(call1(inst, "grow", 1000, &r) == WA_TRAP_NONE && r == UINT32_MAX);
    CHECK(wa_memory_grow(mem, 1) == -1);
    CHECK(wa_memory_pages(mem) == initial + 1);
    CHECK(wa_memory_size(mem) == (uint64_t)(initial + 1) * WA_PAGE_SIZE);
    CHECK(call1(inst, "grow", 0, &r) == WA_TRAP_NONE && r == initial + 1);
    wa_instance_free(inst);
}

/* The largest n for which name(n) returns, by bisection (up to 4096). */
static uint32_t deepest(wa_instance *inst, const char *name)
{
    uint32_t ok = 0, bad = 4096;
    while (bad - ok > 1) {
        uint32_t mid = ok + (bad - ok) / 2;
        if (call1(inst, name, mid, NULL) == WA_TRAP_NONE)
            ok = mid;
        else
            bad = mid;
    }
    return ok;
}

/* Too deep a recursion traps STACK_EXHAUSTED, and the instance stays usable. */
static void test_call_depth(void *arg)
{
    fixture *fx = arg;
    wa_config cfg = {.max_call_depth = 1000};
    wa_instance *inst = hooks_new(fx, &cfg);
    REQUIRE(inst != NULL);
    uint32_t r = 0;
    CHECK(call1(inst, "recurse", 100, &r) == WA_TRAP_NONE && r == 100);
    CHECK(call1(inst, "recurse", 100000, &r) == WA_TRAP_STACK_EXHAUSTED);
    CHECK(call1(inst, "sum", 10, &r) == WA_TRAP_NONE && r == 45);
    CHECK(call1(inst, "recurse", 100, &r) == WA_TRAP_NONE && r == 100);

    /* The limit falls at the same call in both tiers, through an indirect
     * call and through a direct one (compiled code folds its depth check
     * into its frame check: src/aot/abi.h). */
    wa_aot_artifact *aot = fx->aot;
    fx->aot = NULL;
    wa_instance *interp = hooks_new(fx, &cfg);
    fx->aot = aot;
    REQUIRE(interp != NULL);
    static const char *const names[] = {"recurse", "recurse_direct"};
    for (int i = 0; i < 2; i++) {
        uint32_t here = deepest(inst, names[i]), there = deepest(interp, names[i]);
        CHECK(here == there && here > 900 && here <= 1000);
        if (here != there || here <= 900 || here > 1000)
            fprintf(stderr, "%s: %u deep here, %u in the interpreter\n", names[i], here, there);
    }
    wa_instance_free(interp);
    wa_instance_free(inst);

    /* The default limit holds too, without exhausting the host's stack. */
    inst = hooks_new(fx, NULL);
    REQUIRE(inst != NULL);
    CHECK(call1(inst, "recurse", 10000000, &r) == WA_TRAP_STACK_EXHAUSTED);
    CHECK(call1(inst, "sum", 10, &r) == WA_TRAP_NONE && r == 45);
    wa_instance_free(inst);
}

/* Instances lent one wa_stack take turns on it; the depth limit is the
 * smaller of the instance's and the stack's, and the own stack returns. */
static void test_shared_stack(void *arg)
{
    fixture *fx = arg;
    wa_stack *stack = wa_stack_new(500);
    REQUIRE(stack != NULL);
    wa_config cfg = {.max_call_depth = 1000};
    wa_instance *a = hooks_new(fx, &cfg), *b = hooks_new(fx, NULL);
    REQUIRE(a != NULL && b != NULL);
    uint32_t r = 0;
    wa_instance_use_stack(a, stack);
    wa_instance_use_stack(b, stack);
    CHECK(call1(a, "recurse", 400, &r) == WA_TRAP_NONE && r == 400);
    CHECK(call1(b, "recurse", 400, &r) == WA_TRAP_NONE && r == 400);
    CHECK(call1(a, "recurse", 600, &r) == WA_TRAP_STACK_EXHAUSTED);
    CHECK(call1(b, "sum", 10, &r) == WA_TRAP_NONE && r == 45);
    /* Back on its own stack, a goes as deep as its own limit allows. */
    wa_instance_use_stack(a, NULL);
    CHECK(call1(a, "recurse", 600, &r) == WA_TRAP_NONE && r == 600);
    CHECK(call1(a, "recurse", 2000, &r) == WA_TRAP_STACK_EXHAUSTED);
    wa_instance_free(a);
    wa_instance_free(b);
    wa_stack_free(stack);
}

/* A memory given back to a pool comes out again for the next instance of
 * the same size, as zero as a fresh one, also where it had been written and
 * grown; a pool that is full or a memory that is too big is unmapped. */
static void test_mempool(void *arg)
{
    fixture *fx = arg;
    wa_mempool *pool = wa_mempool_new(4u << 20, 1);
    REQUIRE(pool != NULL);
    wa_config cfg = {.mempool = pool};
    wa_instance *a = hooks_new(fx, &cfg);
    REQUIRE(a != NULL);
    wa_memory *mem = wa_instance_memory(a);
    uint64_t size = wa_memory_size(mem);
    uint8_t *first = wa_memory_range(mem, 0, 1);
    uint8_t junk[64];
    memset(junk, 0xa5, sizeof junk);
    CHECK(wa_memory_write(mem, 0, junk, sizeof junk));
    CHECK(wa_memory_write(mem, size - sizeof junk, junk, sizeof junk));
    wa_instance_free(a);

    wa_instance *b = hooks_new(fx, &cfg);
    REQUIRE(b != NULL);
    mem = wa_instance_memory(b);
    CHECK(wa_memory_range(mem, 0, 1) == first); /* the same mapping, reused */
    uint8_t got[64], zero[64] = {0};
    CHECK(wa_memory_read(mem, 0, got, sizeof got) && memcmp(got, zero, sizeof got) == 0);
    CHECK(wa_memory_read(mem, size - sizeof got, got, sizeof got) &&
          memcmp(got, zero, sizeof got) == 0);
    /* Grown, written past the first size, and given back at its new size. */
    uint32_t r = 0;
    CHECK(call1(b, "grow", 1, &r) == WA_TRAP_NONE);
    CHECK(wa_memory_write(mem, size, junk, sizeof junk));
    wa_instance *c = hooks_new(fx, &cfg); /* the pool is empty: a fresh mapping */
    REQUIRE(c != NULL);
    wa_instance_free(b);
    wa_instance_free(c); /* the pool (one entry) is full: unmapped */
    wa_mempool_free(pool);
}

/* An endless loop runs out of fuel; a short one succeeds and costs some. */
static void test_fuel(void *arg)
{
    fixture *fx = arg;
    wa_instance *inst = hooks_new(fx, NULL);
    REQUIRE(inst != NULL);
    uint32_t r = 0;
    wa_instance_set_fuel(inst, 100000);
    CHECK(call1(inst, "spin", 0, NULL) == WA_TRAP_FUEL);

    wa_instance_set_fuel(inst, 1000000);
    CHECK(call1(inst, "sum", 100, &r) == WA_TRAP_NONE && r == 4950);
    int64_t left = wa_instance_fuel(inst);
    CHECK(left < 1000000 && left > 0);
    /* 100 loop iterations cost at least one unit each. */
    CHECK(left <= 1000000 - 100);

    /* Exact over long runs: compiled code holds its fuel in slices of
     * WA_AOT_TICK units (src/aot/abi.h) and must not lose or add a unit
     * between them: a run of many slices costs what the interpreter counts. */
    wa_aot_artifact *aot = fx->aot;
    fx->aot = NULL;
    wa_instance *interp = hooks_new(fx, NULL);
    fx->aot = aot;
    REQUIRE(interp != NULL);
    for (uint32_t n = 40000; n <= 120000; n += 40000) {
        int64_t used[2];
        wa_instance *both[2] = {inst, interp};
        for (int i = 0; i < 2; i++) {
            wa_instance_set_fuel(both[i], 100000000);
            CHECK(call1(both[i], "sum", n, &r) == WA_TRAP_NONE);
            used[i] = 100000000 - wa_instance_fuel(both[i]);
        }
        CHECK(used[0] == used[1] && used[0] > 200000);
    }
    wa_instance_free(interp);
    wa_instance_free(inst);
}

/* WA_FUEL_UNLIMITED, the default, turns metering off: running code leaves
 * it as it is. */
static void test_fuel_unlimited(void *arg)
{
    fixture *fx = arg;
    wa_instance *inst = hooks_new(fx, NULL); /* runs _initialize */
    REQUIRE(inst != NULL);
    uint32_t r = 0;
    CHECK(wa_instance_fuel(inst) == WA_FUEL_UNLIMITED);
    CHECK(call1(inst, "sum", 100, &r) == WA_TRAP_NONE && r == 4950);
    CHECK(wa_instance_fuel(inst) == WA_FUEL_UNLIMITED);
    wa_instance_set_fuel(inst, 10);
    wa_instance_set_fuel(inst, WA_FUEL_UNLIMITED);
    CHECK(call1(inst, "sum", 100, &r) == WA_TRAP_NONE && r == 4950);
    CHECK(wa_instance_fuel(inst) == WA_FUEL_UNLIMITED);
    wa_instance_free(inst);
}

typedef struct spin_job {
    wa_instance *inst;
    wa_trap result;
} spin_job;

static void *spin_thread(void *arg)
{
    spin_job *job = arg;
    job->result = call1(job->inst, "spin", 0, NULL);
    return NULL;
}

/* wa_instance_interrupt from another thread stops a running call. */
static void test_interrupt(void *arg)
{
    fixture *fx = arg;
    wa_instance *inst = hooks_new(fx, NULL);
    REQUIRE(inst != NULL);
    while (sem_trywait(&fx->entered_sem) == 0) /* posts left by earlier tests */
        ;
    spin_job job = {inst, WA_TRAP_NONE};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, spin_thread, &job) == 0);
    /* spin() calls test.entered before its loop: once the semaphore is
     * posted, the call is running. */
    while (sem_wait(&fx->entered_sem) != 0 && errno == EINTR)
        ;
    wa_instance_interrupt(inst);
    pthread_join(th, NULL);
    CHECK(job.result == WA_TRAP_INTERRUPTED);

    /* The flag stays set: a new call stops at its first loop header. */
    uint32_t r = 0;
    CHECK(call1(inst, "sum", 10, &r) == WA_TRAP_INTERRUPTED);
    wa_instance_clear_interrupt(inst);
    CHECK(call1(inst, "sum", 10, &r) == WA_TRAP_NONE && r == 45);
    wa_instance_free(inst);
}

/* The accessors refuse every range that is not inside the memory. */
static void test_bounds(void *arg)
{
    fixture *fx = arg;
    wa_instance *inst = hooks_new(fx, NULL);
    REQUIRE(inst != NULL);
    wa_memory *mem = wa_instance_memory(inst);
    REQUIRE(mem != NULL);
    uint64_t size = wa_memory_size(mem);
    REQUIRE(size >= WA_PAGE_SIZE);

    CHECK(wa_memory_range(mem, 0, size) != NULL);
    CHECK(wa_memory_range(mem, size - 1, 1) != NULL);
    CHECK(wa_memory_range(mem, size - 4, 4) != NULL);
    CHECK(wa_memory_range(mem, 0, size + 1) == NULL);
    CHECK(wa_memory_range(mem, size, 1) == NULL);
    CHECK(wa_memory_range(mem, size - 2, 4) == NULL);
    CHECK(wa_memory_range(mem, UINT64_C(1) << 32, 1) == NULL);
    CHECK(wa_memory_range(mem, UINT64_MAX, 1) == NULL);
    CHECK(wa_memory_range(mem, UINT64_MAX, 2) == NULL); /* off + len wraps to 1 */
    CHECK(wa_memory_range(mem, 1, UINT64_MAX) == NULL); /* off + len wraps to 0 */
    CHECK(wa_memory_range(mem, 16, UINT64_MAX - 15) == NULL);
    CHECK(wa_memory_range(mem, UINT64_MAX, UINT64_MAX) == NULL);

    /* A failed copy copies nothing, in either direction. */
    uint8_t before[2], after[2], dst[8];
    const uint8_t src[4] = {1, 2, 3, 4};
    CHECK(wa_memory_read(mem, size - 2, before, 2));
    CHECK(!wa_memory_write(mem, size - 2, src, 4));
    CHECK(wa_memory_read(mem, size - 2, after, 2));
    CHECK(memcmp(before, after, 2) == 0);
    CHECK(!wa_memory_write(mem, UINT64_MAX - 1, src, 4));
    memset(dst, 0xaa, sizeof dst);
    CHECK(!wa_memory_read(mem, size - 4, dst, 8));
    CHECK(!wa_memory_read(mem, 8, dst, UINT64_MAX - 4));
    CHECK(dst[0] == 0xaa && dst[7] == 0xaa);

    /* What the accessors write is what the guest loads, and a guest load
     * outside memory traps without harming the instance. */
    CHECK(wa_memory_write(mem, size - 4, src, 4));
    uint32_t r = 0;
    CHECK(call1(inst, "peek", (uint32_t)(size - 4), &r) == WA_TRAP_NONE && r == 0x04030201u);
    CHECK(call1(inst, "peek", (uint32_t)(size - 2), &r) == WA_TRAP_MEM_OOB);
    CHECK(call1(inst, "peek", UINT32_MAX, &r) == WA_TRAP_MEM_OOB);
    CHECK(call1(inst, "sum", 10, &r) == WA_TRAP_NONE && r == 45);
    wa_instance_free(inst);
}

/* Many instances of one module: each has its own memory and globals. */
static void test_instances(void *arg)
{
    fixture *fx = arg;
    enum { N = 32 };
    wa_instance *inst[N];
    int made = 0;
    for (; made < N; made++) {
        inst[made] = hooks_new(fx, NULL);
        if (inst[made] == NULL)
            break;
    }
    CHECK(made == N);
    uint32_t addr = WA_PAGE_SIZE - 64, r = 0;
    for (int i = 0; i < made; i++) {
        uint8_t v[4] = {(uint8_t)i, 0x5a, 0, 0};
        CHECK(wa_memory_write(wa_instance_memory(inst[i]), addr, v, 4));
    }
    for (int i = 0; i < made; i++)
        CHECK(call1(inst[i], "peek", addr, &r) == WA_TRAP_NONE && r == (0x5a00u | (uint32_t)i));
    if (made >= 2) {
        for (int k = 1; k <= 3; k++)
            CHECK(call1(inst[0], "bump", 0, &r) == WA_TRAP_NONE && r == (uint32_t)k);
        CHECK(call1(inst[1], "bump", 0, &r) == WA_TRAP_NONE && r == 1);
    }
    for (int i = 0; i < made; i++)
        wa_instance_free(inst[i]);
}

/* wa_file_read refuses path with kind and message msg (exactly). */
static bool file_refused(const char *path, uint64_t max, wa_errkind kind, const char *msg)
{
    wa_error err;
    size_t len = 12345;
    uint8_t *bytes = wa_file_read(path, max, &len, &err);
    bool ok = bytes == NULL && err.kind == kind && strcmp(err.msg, msg) == 0;
    if (!ok)
        fprintf(stderr, "  %s: got %s, \"%s\"; expected \"%s\"\n", path,
                bytes ? "the bytes" : wa_errkind_name(err.kind), bytes ? "" : err.msg, msg);
    free(bytes);
    return ok;
}

/* A sparse file of size bytes at path (no disk used). */
static bool sparse_file(const char *path, off_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    bool ok = fd >= 0 && ftruncate(fd, size) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* wa_file_read, the one way wactor reads a module file: a regular file
 * whole, of at most max_bytes; a directory, a FIFO (without blocking: a
 * regression would hang here until ctest's timeout), a device or a larger
 * file refused at once, whatever it holds. */
static void test_file_read(void *arg)
{
    const fixture *fx = arg;
    size_t want = 0, len = 0;
    const uint8_t *expected = test_read_file(fx->path, &want);
    REQUIRE(expected != NULL && want > 1024);
    wa_error err;
    uint8_t *bytes = wa_file_read(fx->path, 0, &len, &err);
    REQUIRE(bytes != NULL);
    CHECK(len == want && memcmp(bytes, expected, len) == 0);
    free(bytes);
    bytes = wa_file_read(fx->path, want, &len, &err); /* exactly at the limit */
    CHECK(bytes != NULL && len == want);
    free(bytes);
    char msg[128];
    snprintf(msg, sizeof msg, "is %zu bytes, over the 1 KiB limit for a module", want);
    CHECK(file_refused(fx->path, 1024, WA_ERR_LIMIT, msg));

    char dir[] = "/tmp/engine_file_read.XXXXXX", path[96];
    REQUIRE(mkdtemp(dir) != NULL);
    CHECK(file_refused(dir, 0, WA_ERR_FILE, "is a directory, not a regular file"));
    CHECK(file_refused("/dev/zero", 0, WA_ERR_FILE, "is a character device, not a regular file"));
    snprintf(path, sizeof path, "%s/fifo", dir);
    CHECK(mkfifo(path, 0600) == 0);
    CHECK(file_refused(path, 0, WA_ERR_FILE, "is a FIFO, not a regular file"));
    unlink(path);
    snprintf(path, sizeof path, "%s/big", dir);
    CHECK(sparse_file(path, (off_t)300 << 20));
    CHECK(file_refused(path, 0, WA_ERR_LIMIT, "is 300 MiB, over the 256 MiB limit for a module"));
    CHECK(sparse_file(path, ((off_t)256 << 20) + 1));
    CHECK(file_refused(path, 0, WA_ERR_LIMIT,
                       "is 268435457 bytes, over the 256 MiB limit for a module"));
    /* An empty file is read (and then is no module). */
    CHECK(sparse_file(path, 0));
    bytes = wa_file_read(path, 0, &len, &err);
    CHECK(bytes != NULL && len == 0);
    free(bytes);
    unlink(path);
    CHECK(file_refused(path, 0, WA_ERR_FILE, "cannot read: No such file or directory"));
    CHECK(file_refused(NULL, 0, WA_ERR_FILE, "cannot read: Invalid argument"));
    CHECK(rmdir(dir) == 0);
}

static const test_case tests[] = {
    {"memory_cap", test_memory_cap},
    {"call_depth", test_call_depth},
    {"shared_stack", test_shared_stack},
    {"mempool", test_mempool},
    {"fuel", test_fuel},
    {"fuel_unlimited", test_fuel_unlimited},
    {"interrupt", test_interrupt},
    {"bounds", test_bounds},
    {"instances", test_instances},
    {"file_read", test_file_read},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TEST|all HOOKS.wasm\n", argv[0]);
        return 2;
    }
    fixture fx;
    memset(&fx, 0, sizeof fx);
    if (!fixture_init(&fx, argv[2]))
        return 1;
    int status = test_run(tests, sizeof tests / sizeof tests[0], argv[1], &fx);
    fixture_free(&fx);
    return status;
}
