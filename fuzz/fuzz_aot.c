/*
 * fuzz_aot.c: libFuzzer target that runs every module through both tiers
 * and wants the same answers from each.
 *
 * The input is loaded as a module; one that loads is compiled (the AOT
 * tier: C from gen.c, the system C compiler, rt.c) and instantiated twice,
 * once per tier, with the same deterministic stubs for its imports. Every
 * exported function is called in order, with arguments taken from the
 * input's last bytes, on the same fuel budget. After each call the trap,
 * its message, the backtrace, the results (bits), the fuel left, the
 * globals and a hash of linear memory must be equal; so must the outcome
 * of instantiation (the start function, segments). Any difference aborts.
 *
 * A compile costs tens of milliseconds, so this runs far fewer inputs per
 * second than fuzz_module; large modules are skipped.
 *
 * Build and run: make fuzz; make fuzz-run-aot (seeds: fuzz/seed.sh).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aot.h"
#include "instance.h"
#include "stubs.h"

#define FUZZ_MAX_PAGES 16u
#define FUZZ_MAX_TABLE 10000u
#define FUZZ_FUEL 200000
#define FUZZ_MAX_FUNCS 200u
#define FUZZ_MAX_CALLS 32u

static char g_dir[64]; /* where artifacts are made, one at a time */

/* What one tier did, to compare. */
typedef struct outcome {
    wa_trap trap;
    char msg[200];
    uint32_t bt[8], btlen, btdepth;
    wa_val results[16];
    int64_t fuel;
    uint64_t mem_hash;
    uint64_t globals[64];
} outcome;

/* Memories are whole pages: 8 bytes at a time. */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull, w;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 1099511628211ull;
    }
    return h;
}

/* A reference as something both tiers' instances agree on: a function by
 * its index (each instance has its own wa_func), anything else by being
 * null or not. */
static uint64_t ref_value(uint8_t type, void *ref)
{
    if (!ref)
        return 0;
    return type == WA_FUNCREF ? 2 + (uint64_t)((const wa_func *)ref)->index : 1;
}

static void observe(wa_instance *inst, outcome *o)
{
    o->fuel = wa_instance_fuel(inst);
    o->mem_hash = inst->mem0 ? hash_bytes(inst->mem0->data, inst->mem0->size) : 0;
    for (uint32_t i = 0; i < inst->m->nglobals && i < 64; i++) {
        const wa_global *g = inst->globals[i];
        uint8_t t = g->type.type;
        o->globals[i] = t == WA_FUNCREF || t == WA_EXTERNREF ? ref_value(t, g->val[0].ref)
                                                             : g->val[0].i64 ^ g->val[1].i64 * 31;
    }
}

static void differ(const char *what, uint32_t call, const outcome *a, const outcome *b)
{
    fprintf(stderr, "fuzz_aot: the tiers differ in %s (call %u)\n", what, call);
    fprintf(stderr, "  interp: trap %d \"%s\" fuel %lld mem %016llx\n", a->trap, a->msg,
            (long long)a->fuel, (unsigned long long)a->mem_hash);
    fprintf(stderr, "  aot:    trap %d \"%s\" fuel %lld mem %016llx\n", b->trap, b->msg,
            (long long)b->fuel, (unsigned long long)b->mem_hash);
    abort();
}

/* A NaN's payload after arithmetic on two NaNs is the hardware's choice for
 * the operand order the C compiler picked, which may differ between the
 * interpreter's handler and the compiled code (docs/AOT.md, "Known
 * differences"; WebAssembly leaves it nondeterministic): results are equal
 * if they are, or if they differ only in words that are NaNs on both sides
 * (as f64, or in each 32-bit half as f32). */
static bool nan64(uint64_t x)
{
    return (x & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (x & 0xfffffffffffffull);
}
static bool nan32(uint32_t x)
{
    return (x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu);
}
static bool same_values(const wa_val *a, const wa_val *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t x = a[i].i64, y = b[i].i64;
        if (x == y || (nan64(x) && nan64(y)))
            continue;
        for (int h = 0; h < 64; h += 32) {
            uint32_t u = (uint32_t)(x >> h), v = (uint32_t)(y >> h);
            if (u != v && !(nan32(u) && nan32(v)))
                return false;
        }
    }
    return true;
}

static void compare(uint32_t call, const outcome *a, const outcome *b, uint32_t nres)
{
    if (a->trap != b->trap || strcmp(a->msg, b->msg) != 0)
        differ("the trap", call, a, b);
    if (a->btlen != b->btlen || a->btdepth != b->btdepth ||
        memcmp(a->bt, b->bt, a->btlen * sizeof a->bt[0]) != 0)
        differ("the backtrace", call, a, b);
    if (a->trap == WA_TRAP_NONE && !same_values(a->results, b->results, nres))
        differ("the results", call, a, b);
    if (a->fuel != b->fuel)
        differ("the fuel left", call, a, b);
    if (a->mem_hash != b->mem_hash)
        differ("linear memory", call, a, b);
    if (memcmp(a->globals, b->globals, sizeof a->globals) != 0)
        differ("the globals", call, a, b);
}

/* Compiles m into g_dir and loads it, or NULL (a module the C compiler
 * cannot take is a bug too, but reported by the generator's tests; here it
 * is skipped so the fuzzer goes on). */
static wa_aot_artifact *compile(const wa_module *m)
{
    char path[128];
    snprintf(path, sizeof path, "%s/m.so", g_dir);
    wa_error err;
    memset(&err, 0, sizeof err);
    if (!wa_aot_compile(m, path, NULL, &err)) {
        fprintf(stderr, "fuzz_aot: cannot compile: %s\n", err.msg);
        abort();
    }
    wa_aot_artifact *a = wa_aot_open(path, m, &err);
    unlink(path);
    if (!a) {
        fprintf(stderr, "fuzz_aot: cannot load: %s\n", err.msg);
        abort();
    }
    return a;
}

typedef struct tier {
    wa_extern *imports;
    uint32_t nimports;
    wa_instance *inst;
    outcome o;
} tier;

static bool instantiate(const wa_module *m, const wa_native *native, tier *t)
{
    uint32_t n = wa_module_num_imports(m);
    t->imports = calloc(n + 1, sizeof *t->imports);
    if (!t->imports)
        return false;
    for (; t->nimports < n; t->nimports++) {
        wa_name module, field;
        wa_externtype type;
        wa_module_import(m, t->nimports, &module, &field, &type);
        if (!fuzz_make_stub(&type, &t->imports[t->nimports], FUZZ_MAX_PAGES, FUZZ_MAX_TABLE))
            return false;
    }
    wa_config cfg = {.max_memory_pages = FUZZ_MAX_PAGES, .fuel = FUZZ_FUEL, .native = native};
    wa_error err;
    memset(&err, 0, sizeof err);
    t->inst = wa_instantiate(m, t->imports, n, &cfg, &err);
    t->o.trap = t->inst ? WA_TRAP_NONE : WA_TRAP_HOST;
    snprintf(t->o.msg, sizeof t->o.msg, "%s", t->inst ? "" : err.msg);
    return true;
}

static void release(tier *t)
{
    if (t->inst)
        wa_instance_free(t->inst);
    for (uint32_t i = 0; i < t->nimports; i++)
        wa_extern_free(&t->imports[i]);
    free(t->imports);
}

static void call_one(tier *t, wa_func *f, const wa_val *args, uint32_t nres)
{
    outcome *o = &t->o;
    memset(o, 0, sizeof *o);
    wa_instance_set_fuel(t->inst, FUZZ_FUEL);
    o->trap = wa_call(t->inst, f, args, o->results);
    if (o->trap) {
        snprintf(o->msg, sizeof o->msg, "%s", wa_instance_trap_message(t->inst));
    } else {
        memset(o->results + nres, 0, sizeof o->results - nres * sizeof o->results[0]);
        const wa_functype *ft = wa_func_type(f);
        for (uint32_t k = 0, s = 0; k < ft->nresults; k++) {
            uint8_t ty = ft->types[ft->nparams + k];
            if (ty == WA_FUNCREF || ty == WA_EXTERNREF)
                o->results[s].i64 = ref_value(ty, o->results[s].ref);
            s += wa_slots_of(&ty, 1);
        }
    }
    o->btdepth = wa_instance_backtrace(t->inst, o->bt, 8);
    o->btlen = t->inst->backtrace_len < 8 ? t->inst->backtrace_len : 8;
    observe(t->inst, o);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(g_dir, sizeof g_dir, "/tmp/fuzz_aot.XXXXXX");
    if (!mkdtemp(g_dir))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wa_error err;
    wa_module *m = wa_module_load(data, size, &err);
    if (!m)
        return 0;
    if (m->nfuncs > FUZZ_MAX_FUNCS) {
        wa_module_free(m);
        return 0;
    }
    wa_aot_artifact *art = compile(m);
    tier ti = {0}, ta = {0};
    if (instantiate(m, NULL, &ti) && instantiate(m, wa_aot_artifact_native(art), &ta)) {
        if ((ti.inst == NULL) != (ta.inst == NULL) || strcmp(ti.o.msg, ta.o.msg) != 0)
            differ("instantiation", 0, &ti.o, &ta.o);
        /* Arguments: the input's last bytes, the same for every call. */
        wa_val args[64];
        memset(args, 0, sizeof args);
        memcpy(args, data + (size > sizeof args ? size - sizeof args : 0),
               size < sizeof args ? size : sizeof args);
        uint32_t calls = 0, n = wa_module_num_exports(m);
        for (uint32_t i = 0; ti.inst && i < n && calls < FUZZ_MAX_CALLS; i++) {
            wa_name name;
            wa_externtype type;
            wa_extern ei, ea;
            wa_module_export(m, i, &name, &type);
            if (type.kind != WA_EXTERN_FUNC ||
                !wa_instance_export(ti.inst, name.ptr, name.len, &ei) ||
                !wa_instance_export(ta.inst, name.ptr, name.len, &ea))
                continue;
            const wa_functype *ft = wa_func_type(ei.u.func);
            uint32_t nres = wa_slots_of(ft->types + ft->nparams, ft->nresults);
            if (wa_slots_of(ft->types, ft->nparams) > 64 || nres > 16)
                continue;
            /* references from bytes would be wild pointers: null ones */
            wa_val a[64];
            memcpy(a, args, sizeof a);
            for (uint32_t k = 0, s = 0; k < ft->nparams; k++) {
                uint8_t ty = ft->types[k];
                if (ty == WA_FUNCREF || ty == WA_EXTERNREF)
                    a[s].ref = NULL;
                s += wa_slots_of(&ty, 1);
            }
            call_one(&ti, ei.u.func, a, nres);
            call_one(&ta, ea.u.func, a, nres);
            compare(calls++, &ti.o, &ta.o, nres);
        }
    }
    release(&ti);
    release(&ta);
    wa_aot_close(art);
    wa_module_free(m);
    return 0;
}
