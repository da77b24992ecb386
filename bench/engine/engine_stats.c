/*
 * engine_stats.c: the engine's fixed costs, measured through wasm.h only.
 *
 *   engine_stats instantiate FILE.wasm [COUNT]
 *       Loads a component once and satisfies its imports with stubs, then
 *       times COUNT (default 10,000) rounds of wa_instantiate and
 *       wa_instance_free, and as many rounds that also run _initialize
 *       (when exported), and prints the medians in microseconds. Then
 *       keeps 1,000 instances alive and prints the resident memory each
 *       costs: the growth of the process's RSS (/proc/self/statm) per
 *       instance, the part of it that is the instance's linear memory pages
 *       (counted with mincore) and the rest, the engine's own overhead.
 *       Once for instances that never ran, once after each has run
 *       _initialize, wactor_init and one wactor_on_message (when exported).
 *   engine_stats load FILE.wasm [COUNT]
 *       Times COUNT (default 15) loads (decode, validate, translate) and
 *       prints the median in ms and the speed in MB/s of wasm.
 *   engine_stats fuel FILE.wasm...
 *       For modules without imports that export bench() (run.py's wasm-interp
 *       variants), times bench() unmetered and then with a fuel budget too
 *       large to run out (median of 3 each) and prints the slowdown.
 *
 * Stub imports: functions return zeros, tables, memories and globals are
 * fresh objects of the imported type.
 */
#include "aot.h"
#include "wasm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEMORY_INSTANCES 1000u

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "engine_stats: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            fprintf(stderr, "engine_stats: out of memory\n");
            exit(1);
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    fclose(f);
    *len = n;
    return buf;
}

static wa_module *load(const char *path, size_t *size)
{
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    wa_error err;
    wa_module *m = wa_module_load(bytes, len, &err);
    free(bytes);
    if (m == NULL) {
        fprintf(stderr, "engine_stats: %s: %s: %s\n", path, wa_errkind_name(err.kind), err.msg);
        exit(1);
    }
    if (size != NULL)
        *size = len;
    return m;
}

/* ---- stub imports ------------------------------------------------------- */

static wa_trap stub_fn(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    const wa_functype *type = env;
    for (uint32_t i = 0; i < type->nresults; i++)
        memset(&io[i], 0, sizeof io[i]);
    return WA_TRAP_NONE;
}

typedef struct stubs {
    wa_extern *ext;
    uint32_t n;
} stubs;

static stubs stubs_make(const wa_module *m)
{
    stubs s = {NULL, wa_module_num_imports(m)};
    s.ext = calloc(s.n + 1, sizeof *s.ext);
    for (uint32_t i = 0; s.ext != NULL && i < s.n; i++) {
        wa_name module, field;
        wa_externtype t;
        wa_module_import(m, i, &module, &field, &t);
        wa_extern *e = &s.ext[i];
        e->kind = t.kind;
        bool ok = false;
        switch (t.kind) {
        case WA_EXTERN_FUNC:
            ok = (e->u.func = wa_func_new_host(t.u.func, stub_fn, (void *)t.u.func)) != NULL;
            break;
        case WA_EXTERN_TABLE:
            ok = (e->u.table = wa_table_new(t.u.table)) != NULL;
            break;
        case WA_EXTERN_MEMORY:
            ok = (e->u.memory = wa_memory_new(t.u.memory)) != NULL;
            break;
        case WA_EXTERN_GLOBAL: {
            wa_val zero;
            memset(&zero, 0, sizeof zero);
            ok = (e->u.global = wa_global_new(t.u.global, zero)) != NULL;
            break;
        }
        }
        if (!ok) {
            fprintf(stderr, "engine_stats: cannot make a stub for import %u (%.*s.%.*s)\n", i,
                    (int)module.len, module.ptr, (int)field.len, field.ptr);
            exit(1);
        }
    }
    return s;
}

static void stubs_free(stubs *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        wa_extern_free(&s->ext[i]);
    free(s->ext);
}

/* The compiled code instances get (instantiate-aot), or NULL. */
static const wa_native *g_native;

static wa_instance *instantiate(const wa_module *m, const stubs *s)
{
    wa_error err;
    wa_config cfg = {.native = g_native};
    wa_instance *inst = wa_instantiate(m, s->ext, s->n, &cfg, &err);
    if (inst == NULL) {
        fprintf(stderr, "engine_stats: instantiate: %s: %s\n", wa_errkind_name(err.kind), err.msg);
        exit(1);
    }
    return inst;
}

/* Calls the export `name` with zero arguments if there is one; false if not. */
static bool call_export(wa_instance *inst, const char *name)
{
    wa_extern e;
    if (!wa_instance_export(inst, name, strlen(name), &e) || e.kind != WA_EXTERN_FUNC)
        return false;
    const wa_functype *t = wa_func_type(e.u.func);
    wa_val args[8], results[8];
    if (t->nparams > 8 || t->nresults > 8)
        return false;
    memset(args, 0, sizeof args);
    wa_trap trap = wa_call(inst, e.u.func, args, results);
    if (trap != WA_TRAP_NONE) {
        fprintf(stderr, "engine_stats: %s trapped: %s\n", name, wa_instance_trap_message(inst));
        exit(1);
    }
    return true;
}

/* ---- instantiate -------------------------------------------------------- */

static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f == NULL || fscanf(f, "%lu %lu", &size, &resident) != 2) {
        fprintf(stderr, "engine_stats: cannot read /proc/self/statm\n");
        exit(1);
    }
    fclose(f);
    return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* Resident bytes of the instance's linear memory. */
static size_t linear_resident(wa_instance *inst)
{
    wa_memory *mem = wa_instance_memory(inst);
    if (mem == NULL || wa_memory_size(mem) == 0)
        return 0;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = (size_t)wa_memory_size(mem);
    uint8_t *base = wa_memory_range(mem, 0, 0);
    uintptr_t start = (uintptr_t)base & ~(uintptr_t)(page - 1);
    size_t len = (uintptr_t)base + size - start, pages = (len + page - 1) / page;
    unsigned char *vec = malloc(pages);
    size_t resident = 0;
    if (vec != NULL && mincore((void *)start, len, vec) == 0) {
        for (size_t i = 0; i < pages; i++)
            resident += vec[i] & 1;
    } else {
        fprintf(stderr, "engine_stats: mincore failed (%s): linear memory counted whole\n",
                strerror(errno));
        resident = pages;
    }
    free(vec);
    return resident * page;
}

static void memory_report(const char *what, size_t rss_before, wa_instance **insts, uint32_t n)
{
    size_t rss = rss_bytes(), linear = 0;
    for (uint32_t i = 0; i < n; i++)
        linear += linear_resident(insts[i]);
    double raw = rss > rss_before ? (double)(rss - rss_before) / n / 1024 : 0;
    double lin = (double)linear / n / 1024;
    printf("  resident memory per instance, %-28s %7.1f KiB raw = %6.1f KiB linear memory + "
           "%6.1f KiB engine overhead\n",
           what, raw, lin, raw - lin);
}

static int cmd_instantiate(const char *path, uint32_t count)
{
    size_t size;
    wa_module *m = load(path, &size);
    stubs s = stubs_make(m);
    double *t_inst = malloc(count * sizeof *t_inst), *t_both = malloc(count * sizeof *t_both);
    double *t_init = malloc(count * sizeof *t_init);
    if (t_inst == NULL || t_both == NULL || t_init == NULL)
        return 1;
    for (uint32_t i = 0; i < 200; i++) /* warm up the allocator and caches */
        wa_instance_free(instantiate(m, &s));
    for (uint32_t i = 0; i < count; i++) {
        double t0 = now_us();
        wa_instance *inst = instantiate(m, &s);
        double t1 = now_us();
        wa_instance_free(inst);
        double t2 = now_us();
        t_inst[i] = t1 - t0;
        t_both[i] = t2 - t0;
    }
    bool has_init = false;
    for (uint32_t i = 0; i < count; i++) {
        double t0 = now_us();
        wa_instance *inst = instantiate(m, &s);
        has_init = call_export(inst, "_initialize");
        wa_instance_free(inst);
        t_init[i] = now_us() - t0;
    }
    printf("%s (%zu bytes, %u imports)%s: median of %u\n", path, size, s.n,
           g_native ? ", compiled (AOT tier)" : "", count);
    printf("  instantiate                          %8.2f us\n", median(t_inst, count));
    printf("  instantiate + free                   %8.2f us\n", median(t_both, count));
    if (has_init)
        printf("  instantiate + _initialize + free     %8.2f us\n", median(t_init, count));
    free(t_inst);
    free(t_both);
    free(t_init);

    wa_instance **insts = calloc(MEMORY_INSTANCES, sizeof *insts);
    if (insts == NULL)
        return 1;
    size_t rss0 = rss_bytes();
    for (uint32_t i = 0; i < MEMORY_INSTANCES; i++)
        insts[i] = instantiate(m, &s);
    memory_report("idle, never called:", rss0, insts, MEMORY_INSTANCES);
    bool called = false;
    for (uint32_t i = 0; i < MEMORY_INSTANCES; i++) {
        called |= call_export(insts[i], "_initialize");
        called |= call_export(insts[i], "wactor_init");
        called |= call_export(insts[i], "wactor_on_message");
    }
    if (called)
        memory_report("idle after one message:", rss0, insts, MEMORY_INSTANCES);
    for (uint32_t i = 0; i < MEMORY_INSTANCES; i++)
        wa_instance_free(insts[i]);
    free(insts);
    stubs_free(&s);
    wa_module_free(m);
    return 0;
}

/* ---- load --------------------------------------------------------------- */

static int cmd_load(const char *path, uint32_t count)
{
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    double *t = malloc(count * sizeof *t);
    if (t == NULL)
        return 1;
    for (uint32_t i = 0; i < count; i++) {
        wa_error err;
        double t0 = now_us();
        wa_module *m = wa_module_load(bytes, len, &err);
        t[i] = now_us() - t0;
        if (m == NULL) {
            fprintf(stderr, "engine_stats: %s: %s: %s\n", path, wa_errkind_name(err.kind), err.msg);
            return 1;
        }
        wa_module_free(m);
    }
    double ms = median(t, count) / 1e3;
    printf("%s (%zu bytes): load (decode + validate + translate), median of %u: %.2f ms, "
           "%.1f MB/s\n",
           path, len, count, ms, (double)len / 1e6 / (ms / 1e3));
    free(t);
    free(bytes);
    return 0;
}

/* ---- fuel --------------------------------------------------------------- */

static double time_bench(const wa_module *m, int64_t fuel, uint32_t *result)
{
    wa_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.fuel = fuel;
    wa_error err;
    wa_instance *inst = wa_instantiate(m, NULL, 0, &cfg, &err);
    wa_extern e;
    if (inst == NULL || !wa_instance_export(inst, "bench", 5, &e) || e.kind != WA_EXTERN_FUNC) {
        fprintf(stderr, "engine_stats: fuel: the module must have no imports and export bench\n");
        exit(1);
    }
    wa_val res[1];
    double t0 = now_us();
    wa_trap trap = wa_call(inst, e.u.func, NULL, res);
    double t = now_us() - t0;
    if (trap != WA_TRAP_NONE) {
        fprintf(stderr, "engine_stats: bench trapped: %s\n", wa_instance_trap_message(inst));
        exit(1);
    }
    *result = res[0].i32;
    wa_instance_free(inst);
    return t;
}

static int cmd_fuel(char **paths, int n)
{
    double log_sum = 0;
    int status = 0;
    printf("fuel metering: bench() unmetered vs metered (fuel never runs out), median of 3\n");
    for (int i = 0; i < n; i++) {
        wa_module *m = load(paths[i], NULL);
        double off[3], on[3];
        uint32_t r_off = 0, r_on = 0;
        for (int k = 0; k < 3; k++) {
            off[k] = time_bench(m, 0, &r_off);
            on[k] = time_bench(m, INT64_MAX / 2, &r_on);
        }
        double a = median(off, 3), b = median(on, 3);
        const char *name = strrchr(paths[i], '/');
        printf("  %-40s %8.1f ms %8.1f ms  %+6.1f%%%s\n", name ? name + 1 : paths[i], a / 1e3,
               b / 1e3, (b / a - 1) * 100, r_off == r_on ? "" : "  RESULTS DIFFER");
        if (r_off != r_on)
            status = 1;
        log_sum += log(b / a);
        wa_module_free(m);
    }
    if (n > 0)
        printf("  geometric mean slowdown from fuel metering: %+.1f%%\n",
               (exp(log_sum / n) - 1) * 100);
    return status;
}

/* The same measurements with the module compiled (docs/AOT.md): its
 * artifact made beside it, then one artifact for every instance. */
static int cmd_instantiate_aot(const char *path, uint32_t count)
{
    size_t size;
    wa_module *m = load(path, &size);
    char so[4096];
    snprintf(so, sizeof so, "%s.so", path);
    wa_error err;
    memset(&err, 0, sizeof err);
    wa_aot_artifact *a = NULL;
    if (!wa_aot_compile(m, so, NULL, &err) || !(a = wa_aot_open(so, m, &err))) {
        fprintf(stderr, "engine_stats: %s: %s\n", path, err.msg);
        return 1;
    }
    g_native = wa_aot_artifact_native(a);
    int rc = cmd_instantiate(path, count);
    g_native = NULL;
    wa_aot_close(a);
    wa_module_free(m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "instantiate-aot") == 0)
        return cmd_instantiate_aot(argv[2],
                                   argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10000);
    if (argc >= 3 && strcmp(argv[1], "instantiate") == 0)
        return cmd_instantiate(argv[2], argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10000);
    if (argc >= 3 && strcmp(argv[1], "load") == 0)
        return cmd_load(argv[2], argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 15);
    if (argc >= 3 && strcmp(argv[1], "fuel") == 0)
        return cmd_fuel(argv + 2, argc - 2);
    fprintf(stderr, "usage: engine_stats instantiate FILE.wasm [COUNT]\n"
                    "       engine_stats instantiate-aot FILE.wasm [COUNT]\n"
                    "       engine_stats load FILE.wasm [COUNT]\n"
                    "       engine_stats fuel FILE.wasm...\n");
    return 2;
}
