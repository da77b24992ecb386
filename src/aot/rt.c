/*
 * rt.c: the runtime of compiled code. The entry the engine calls
 * (wa_native.run), and what compiled functions call for the rare paths
 * (abi.h: wa_aot_rt): traps, calls that leave the module or go through a
 * table, and the instructions run by the interpreter (snippets).
 *
 * Both tiers share one chain of frames (ex->frames, pushed above
 * ex->frame_top), one fuel count and one way to record a trap
 * (wa_trap_record), so a call chain may cross between them and still have
 * the interpreter's depth limit, fuel and backtrace.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_getattr_np */
#endif
#include <pthread.h>
#include <stdlib.h>

#include "aot.h"
#include "instance.h"
#include "simd_call.h"

/* The views of abi.h are the engine's structures. */
_Static_assert(sizeof(wa_aot_frame) == sizeof(wa_frame), "frame view");
_Static_assert(offsetof(wa_aot_frame, func) == offsetof(wa_frame, func), "frame view");
_Static_assert(_Alignof(wa_func) % 2 == 0, "a frame's func is a pointer or an odd index");
_Static_assert(offsetof(wa_aot_inst, funcs) == offsetof(wa_instance, funcs), "instance view");
_Static_assert(offsetof(wa_aot_inst, tables) == offsetof(wa_instance, tables), "instance view");
_Static_assert(offsetof(wa_aot_inst, mem0) == offsetof(wa_instance, mem0), "instance view");
_Static_assert(offsetof(wa_aot_inst, globals) == offsetof(wa_instance, globals), "instance view");
_Static_assert(offsetof(wa_aot_mem, data) == offsetof(wa_memory, data), "memory view");
_Static_assert(offsetof(wa_aot_mem, size) == offsetof(wa_memory, size), "memory view");
_Static_assert(offsetof(wa_aot_global, val) == offsetof(wa_global, val), "global view");
_Static_assert(sizeof(wa_aot_vfn) == sizeof(wa_vfn), "SIMD table view");
_Static_assert(offsetof(wa_aot_module, types) == offsetof(wa_module, types), "module view");
_Static_assert(sizeof(wa_aot_functype) == sizeof(wa_functype), "type view");
_Static_assert(offsetof(wa_aot_func, type) == offsetof(wa_func, type), "function view");
_Static_assert(offsetof(wa_aot_func, inst) == offsetof(wa_func, inst), "function view");
_Static_assert(offsetof(wa_aot_func, native) == offsetof(wa_func, native), "function view");
_Static_assert(offsetof(wa_aot_func, direct) == offsetof(wa_func, direct), "function view");
_Static_assert(offsetof(wa_aot_table, size) == offsetof(wa_table, size), "table view");
_Static_assert(offsetof(wa_aot_table, elems) == offsetof(wa_table, elems), "table view");
_Static_assert(sizeof(atomic_int) == sizeof(int), "interrupt flag view");

/* How much C stack a call's compiled code may use: the interpreter's calls
 * take none, so compiled code stops (stack exhausted) before the thread's
 * stack ends, whatever the call depth limit: at most this much below where
 * the call began, and never within the last WA_AOT_C_MARGIN of the thread's
 * stack (host functions run there too). */
#define WA_AOT_C_STACK (6u << 20)
#define WA_AOT_C_MARGIN (256u << 10)

/* The lowest address of this thread's stack, found once per thread (a fact
 * about the thread, not state: reading it each call would cost a parse of
 * /proc/self/maps on the main thread). 0 if unknown. */
static uintptr_t thread_stack_low(void)
{
    static _Thread_local uintptr_t low;
    static _Thread_local bool known;
    if (!known) {
        pthread_attr_t a;
        void *addr;
        size_t size;
        if (pthread_getattr_np(pthread_self(), &a) == 0) {
            if (pthread_attr_getstack(&a, &addr, &size) == 0)
                low = (uintptr_t)addr;
            pthread_attr_destroy(&a);
        }
        known = true;
    }
    return low;
}

/* One level of compiled calls takes at most this C stack besides the
 * frames of the compiled functions on it (up to two: a frame entry and a
 * direct entry): call_indirect's frame when the call goes through it here,
 * 80 bytes with gcc 12 and 72 with clang 14 on x86-64 at -O2 (return
 * address included, -fstack-usage). */
#define WA_AOT_C_LEVEL_EXTRA 256u

struct wa_aot_code {
    wa_native native;
    const wa_aot_descriptor *d;
    uint32_t first;     /* the module's first defined function */
    uint32_t max_frame; /* the largest frame of its functions, in slots (>= 1) */
    /* The most C stack one level of calls takes in bytes, 0 if unknown. */
    uint32_t c_level;
    wa_code *snippets;
};

static wa_instance *ex_of(wa_aot_cx *cx)
{
    return cx->ex;
}

/* Fuel held by compiled code (abi.h, ticks): the count left is what the
 * code holds plus cx->bank. */
static int64_t fuel_left(const wa_aot_cx *cx, int64_t held)
{
    return held + cx->bank;
}

/* Hands fuel left to compiled code: all of it banked, then a tick with
 * nothing held (abi.h) takes out the first slice, or none once the interrupt
 * flag is set, so that the next charge ticks; fuel left below 0 is banked
 * too, and the next charge stops the code there (FUEL). */
static int64_t hold(wa_aot_cx *cx, int64_t left)
{
    cx->bank = left;
    return tick(cx, 0, 0);
}

static int64_t trap_left(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, int kind, int64_t left,
                         wa_aot_frame *top)
{
    wa_instance *in = (wa_instance *)inst;
    cx->trap = kind;
    wa_trap_record(ex_of(cx), in, in->funcs[func], (wa_trap)kind, cx->metered ? left : -1,
                   (const wa_frame *)top);
    return -1;
}

static int64_t trap(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, int kind, int64_t fuel,
                    wa_aot_frame *top)
{
    return trap_left(cx, inst, func, kind, fuel_left(cx, fuel), top);
}

static int64_t stop(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, int64_t fuel,
                    wa_aot_frame *top)
{
    int64_t left = fuel_left(cx, fuel);
    if (left < 0)
        return trap_left(cx, inst, func, WA_TRAP_FUEL, 0, top);
    return trap_left(cx, inst, func, WA_TRAP_INTERRUPTED, left, top);
}

/* Calls callee from function func as the interpreter's call: and
 * tail_call: do. */
static int64_t invoke(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, wa_func *callee,
                      wa_val *args, int64_t fuel, wa_aot_frame *fr, int tail)
{
    wa_instance *ex = ex_of(cx), *in = (wa_instance *)inst;
    int64_t left = fuel_left(cx, fuel);
    if (cx->metered)
        ex->fuel = left;
    if (callee->host) {
        wa_trap t = callee->host(in, callee->env, args);
        left = ex->fuel; /* the host may have set it */
        if (t)
            return trap_left(cx, inst, func, t, left, fr);
        return hold(cx, left);
    }
    if (!tail) {
        if (fr == cx->frame_limit)
            return trap_left(cx, inst, func, WA_TRAP_STACK_EXHAUSTED, left, fr);
        fr->func = in->funcs[func];
        fr++;
    }
    ex->frame_top = (wa_frame *)fr;
    wa_trap t = callee->inst->native ? callee->inst->native->run(ex, callee, args)
                                     : wa_interp_run(ex, callee, args);
    if (t) {
        cx->trap = t;
        return -1;
    }
    return hold(cx, cx->metered ? ex->fuel : left);
}

static int64_t call(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t callee, wa_val *args,
                    int64_t fuel, wa_aot_frame *fr, int tail)
{
    return invoke(cx, inst, func, ((wa_instance *)inst)->funcs[callee], args, fuel, fr, tail);
}

/* call_indirect's and return_call_indirect's callee: element i of table,
 * checked against type as the interpreter checks it; NULL after a trap. */
static wa_func *element(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t type,
                        uint32_t table, uint32_t i, int64_t fuel, wa_aot_frame *fr)
{
    wa_instance *in = (wa_instance *)inst;
    const wa_functype *ty = &in->m->types[type];
    const wa_table *t = in->tables[table];
    wa_trap kind = WA_TRAP_NONE;
    wa_func *callee = i < t->size ? t->elems[i] : NULL;
    if (i >= t->size)
        kind = WA_TRAP_UNDEFINED_ELEMENT;
    else if (!callee)
        kind = WA_TRAP_UNINITIALIZED_ELEMENT;
    else if (callee->type != ty && !wa_functype_equal(callee->type, ty))
        kind = WA_TRAP_INDIRECT_MISMATCH;
    if (kind) {
        trap(cx, inst, func, kind, fuel, fr);
        return NULL;
    }
    return callee;
}

static int64_t call_indirect(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t type,
                             uint32_t table, uint32_t i, wa_val *args, int64_t fuel,
                             wa_aot_frame *fr, int tail)
{
    wa_instance *in = (wa_instance *)inst;
    wa_func *callee = element(cx, inst, func, type, table, i, fuel, fr);
    if (!callee)
        return -1;
    if (!callee->host && callee->inst->native == in->native) {
        /* this module's code (in this instance or another): a direct call */
        const wa_aot_code *code = in->native->impl;
        if (!tail) {
            if (fr == cx->frame_limit)
                return trap(cx, inst, func, WA_TRAP_STACK_EXHAUSTED, fuel, fr);
            fr->func = in->funcs[func];
            fr++;
        }
        return code->d->funcs[callee->index - code->first](cx, (wa_aot_inst *)callee->inst, args,
                                                           fuel, fr);
    }
    return invoke(cx, inst, func, callee, args, fuel, fr, tail);
}

static wa_aot_fn target(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t type,
                        uint32_t table, uint32_t i, int64_t fuel, wa_aot_frame *fr);

static int64_t other(wa_aot_cx *cx, wa_aot_inst *inst, wa_val *fp, int64_t fuel, wa_aot_frame *fr)
{
    return invoke(cx, inst, cx->pending_func, cx->pending, fp, fuel, fr, 1);
}

static int64_t step(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t n, wa_val *fp,
                    int64_t fuel, wa_aot_frame *fr)
{
    wa_instance *ex = ex_of(cx), *in = (wa_instance *)inst;
    const wa_aot_code *code = in->native->impl;
    wa_func one = {
        .type = in->funcs[func]->type, .inst = in, .code = &code->snippets[n], .index = func};
    if (cx->metered)
        ex->fuel = fuel_left(cx, fuel);
    ex->frame_top = (wa_frame *)fr;
    wa_trap t = wa_interp_run(ex, &one, fp);
    if (t) {
        cx->trap = t;
        return -1;
    }
    return fuel;
}

static const wa_aot_rt k_rt = {
    .trap = trap,
    .stop = stop,
    .call = call,
    .call_indirect = call_indirect,
    .step = step,
    .target = target,
    .other = other,
    .vcall = (const wa_aot_vfn *)wa_vcall,
};

static wa_aot_fn target(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t type,
                        uint32_t table, uint32_t i, int64_t fuel, wa_aot_frame *fr)
{
    wa_instance *in = (wa_instance *)inst;
    wa_func *callee = element(cx, inst, func, type, table, i, fuel, fr);
    if (!callee)
        return NULL;
    if (!callee->host && callee->inst->native == in->native) {
        const wa_aot_code *code = in->native->impl;
        cx->to = (wa_aot_inst *)callee->inst;
        return code->d->funcs[callee->index - code->first];
    }
    cx->to = inst;
    cx->pending = callee;
    cx->pending_func = func;
    return other;
}

/* cx.fast_limit for a call entering at frame fp and frame record top, the
 * C stack at sp: at most k levels of compiled calls below the entry, the
 * value stack and the C stack have room for any function of the module,
 * since each level takes at most max_frame slots of the value stack (a
 * callee's frame begins inside its caller's) and c_level bytes of C stack;
 * and k is at most the depth limit's levels (abi.h: fast_limit). */
static uintptr_t fast_limit(const wa_aot_code *code, const wa_instance *ex, const wa_val *fp,
                            const wa_aot_frame *top, uintptr_t floor, uintptr_t sp)
{
    int64_t k = (int64_t)((size_t)(ex->stack_end - fp) / code->max_frame) - 1;
    int64_t c = code->c_level && sp > floor ? (int64_t)((sp - floor) / code->c_level) - 1 : -1;
    int64_t d = (const wa_aot_frame *)(ex->frames + ex->depth_limit) - top;
    k = c < k ? c : k;
    k = d < k ? d : k;
    return (uintptr_t)top + (uintptr_t)(k * (int64_t)sizeof *top);
}

/* wa_native.run: a call from wa_call or from the interpreter. */
static wa_trap run(wa_instance *ex, wa_func *f, wa_val *fp)
{
    const wa_aot_code *code = f->inst->native->impl;
    char here;
    uintptr_t sp = (uintptr_t)&here;
    if (!ex->native_stack_floor) {
        uintptr_t low = thread_stack_low() + WA_AOT_C_MARGIN;
        uintptr_t floor = sp > WA_AOT_C_STACK ? sp - WA_AOT_C_STACK : 1;
        ex->native_stack_floor = floor > low ? floor : low;
    }
    wa_aot_frame *top = (wa_aot_frame *)ex->frame_top;
    wa_aot_cx cx = {
        .rt = &k_rt,
        .ex = ex,
        .frame_limit = (wa_aot_frame *)(ex->frames + ex->depth_limit),
        .fast_limit = fast_limit(code, ex, fp, top, ex->native_stack_floor, sp),
        .stack_end = ex->stack_end,
        .interrupt = (const int *)&ex->interrupt,
        .c_stack_floor = ex->native_stack_floor,
        .metered = ex->fuel != WA_FUEL_UNLIMITED,
    };
    int64_t fuel = hold(&cx, ex->fuel);
    fuel = code->d->funcs[f->index - code->first](&cx, (wa_aot_inst *)f->inst, fp, fuel, top);
    if (fuel < 0)
        return (wa_trap)cx.trap;
    if (cx.metered)
        ex->fuel = fuel_left(&cx, fuel);
    return WA_TRAP_NONE;
}

extern const unsigned char wa_aot_text_abi_h[], wa_aot_text_numeric_h[];
extern const size_t wa_aot_text_abi_h_len, wa_aot_text_numeric_h_len;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

uint64_t wa_aot_code_hash(const wa_module *m)
{
    uint64_t h = 1469598103934665603ull;
    h = fnv(h, wa_aot_text_abi_h, wa_aot_text_abi_h_len);
    h = fnv(h, wa_aot_text_numeric_h, wa_aot_text_numeric_h_len);
    for (uint32_t f = m->nfunc_imports; f < m->nfuncs; f++) {
        const wa_code *c = m->funcs[f].code;
        uint32_t head[4] = {c->nops, c->nparams, c->nlocals, c->frame_size};
        h = fnv(h, head, sizeof head);
        /* The units as the interpreter runs them: opcodes are handler
         * offsets in this build's interpreter, so another build's hash
         * differs even for the same translation. */
        h = fnv(h, c->ops, c->nops * sizeof *c->ops);
    }
    return h;
}

wa_aot_code *wa_aot_bind(const wa_module *m, const wa_aot_descriptor *d, wa_error *err)
{
    uint32_t first = m->nfunc_imports;
    if (d->code_hash != wa_aot_code_hash(m)) {
        wa_fail(err, WA_ERR_UNSUPPORTED, -1, 0,
                "the compiled code was made from another translation of the module (another "
                "build of wactor)");
        return NULL;
    }
    if (d->abi != WA_AOT_ABI || d->nfuncs != m->nfuncs - first) {
        wa_fail(err, WA_ERR_UNSUPPORTED, -1, 0,
                "the compiled code does not fit the module (%u functions for %u)", d->nfuncs,
                m->nfuncs - first);
        return NULL;
    }
    wa_aot_code *c = calloc(1, sizeof *c);
    if (!c || (d->nsnippets && !(c->snippets = calloc(d->nsnippets, sizeof *c->snippets)))) {
        free(c);
        wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
        return NULL;
    }
    c->native = (wa_native){.run = run,
                            .impl = c,
                            .entries = (const void *const *)d->funcs,
                            .directs = (const void *const *)d->directs};
    c->d = d;
    c->first = first;
    c->max_frame = 1;
    for (uint32_t f = first; f < m->nfuncs; f++)
        if (m->funcs[f].code->frame_size > c->max_frame)
            c->max_frame = m->funcs[f].code->frame_size;
    uint32_t c_frame = d->c_frame ? *d->c_frame : UINT32_MAX;
    if (c_frame <= (UINT32_MAX - WA_AOT_C_LEVEL_EXTRA) / 2)
        c->c_level = 2 * c_frame + WA_AOT_C_LEVEL_EXTRA;
    /* A snippet is a copy of one instruction's units, then RET. */
    for (uint32_t i = 0; i < d->nsnippets; i++) {
        uint32_t fidx = d->snippets[i][0], pc = d->snippets[i][1];
        const wa_code *code = fidx >= first && fidx < m->nfuncs ? m->funcs[fidx].code : NULL;
        uint32_t op = code && pc < code->nops ? wa_interp_opcode(code->ops[pc]) : WA_OP_COUNT_;
        uint32_t len = op < WA_OP_COUNT_ ? wa_op_len[op] : 0;
        uint32_t *ops = len && pc + len <= code->nops ? malloc((len + 1) * sizeof *ops) : NULL;
        if (!ops) {
            wa_fail(err, WA_ERR_UNSUPPORTED, -1, 0,
                    "the compiled code does not fit the module (instruction %u of function %u)", pc,
                    fidx);
            wa_aot_unbind(c);
            return NULL;
        }
        memcpy(ops, code->ops + pc, len * sizeof *ops);
        ops[len] = wa_interp_unit(WA_OP_RET);
        c->snippets[i] = (wa_code){.ops = ops, .nops = len + 1};
        c->native.impl = c;
    }
    return c;
}

const wa_native *wa_aot_native(const wa_aot_code *c)
{
    return &c->native;
}

void wa_aot_unbind(wa_aot_code *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; c->snippets && i < c->d->nsnippets; i++)
        free(c->snippets[i].ops);
    free(c->snippets);
    free(c);
}
