/*
 * interp.c: the interpreter loop over internal code (code.h).
 *
 * One function, one loop. Hot state lives in locals: pc (next code unit),
 * fp (slot 0 of the running function's frame), the running function and
 * instance, and memory 0's base and size. They are reloaded from the
 * instance at named points only: after a call returns, after memory.grow and
 * after host calls (which may grow memory).
 *
 * Calls between wasm functions do not recurse on the C stack: a call saves
 * (pc, fp, func, ops) in ex->frames and jumps to the callee; RET pops it. So call
 * depth, stack space, fuel and traps are plain data checks, and a trap simply
 * unwinds by returning: the frame stack lives in locals of this call.
 *
 * Dispatch is through three macros so the same handlers compile to computed
 * gotos (GCC and clang) or to a portable switch (WA_NO_COMPUTED_GOTO, built and
 * tested in CI too).
 *
 * Values: an i32 or f32 result is stored zero-extended into its 8-byte slot;
 * readers of 32-bit values only read the low half. Float operations that the
 * spec defines bitwise (abs, neg, copysign, reinterpret) work on bits so NaN
 * payloads survive.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "instance.h"
#include "numeric.h"
#include "simd.h"
#include "simd_call.h"

#if (defined(__GNUC__) || defined(__clang__)) && !defined(WA_NO_COMPUTED_GOTO)
#define WA_COMPUTED_GOTO 1
#endif

/* A v128 in two slots (or a global's two words), moved as 16 bytes. */
static inline wa_v128 v128_get(const wa_val *p)
{
    wa_v128 v;
    memcpy(&v, p, 16);
    return v;
}
static inline void v128_put(wa_val *p, wa_v128 v)
{
    memcpy(p, &v, 16);
}

/* The commonest binary SIMD ops (what auto-vectorized loops are made of)
 * have a handler each, where the op's semantics from simd.h are inlined:
 * through the shared handler, the call and the trip of both operands
 * through integer registers cost more than the op itself. Each is listed
 * here as WA_VDIRECT_<UPPER>, for the handler table, and has its handler in
 * interp_simd.inc. WA_VPICK(probe, shared) gives the op's own handler when
 * the probe is defined (it then expands to two arguments), else the
 * shared one. */
#define WA_VDIRECT_OPS(X)                                                                          \
    X(V128_AND, v128_and)                                                                          \
    X(V128_OR, v128_or)                                                                            \
    X(V128_XOR, v128_xor)                                                                          \
    X(V128_ANDNOT, v128_andnot)                                                                    \
    X(I8X16_EQ, i8x16_eq)                                                                          \
    X(I8X16_ADD, i8x16_add)                                                                        \
    X(I8X16_SUB, i8x16_sub)                                                                        \
    X(I8X16_SUB_SAT_U, i8x16_sub_sat_u)                                                            \
    X(I16X8_ADD, i16x8_add)                                                                        \
    X(I16X8_SUB, i16x8_sub)                                                                        \
    X(I16X8_MUL, i16x8_mul)                                                                        \
    X(I32X4_EQ, i32x4_eq)                                                                          \
    X(I32X4_ADD, i32x4_add)                                                                        \
    X(I32X4_SUB, i32x4_sub)                                                                        \
    X(I32X4_MUL, i32x4_mul)                                                                        \
    X(I64X2_ADD, i64x2_add)                                                                        \
    X(F32X4_ADD, f32x4_add)                                                                        \
    X(F32X4_SUB, f32x4_sub)                                                                        \
    X(F32X4_MUL, f32x4_mul)                                                                        \
    X(F64X2_ADD, f64x2_add)                                                                        \
    X(F64X2_MUL, f64x2_mul)
#define WA_VDIRECT_V128_AND ~, &&L_V_V128_AND
#define WA_VDIRECT_V128_OR ~, &&L_V_V128_OR
#define WA_VDIRECT_V128_XOR ~, &&L_V_V128_XOR
#define WA_VDIRECT_V128_ANDNOT ~, &&L_V_V128_ANDNOT
#define WA_VDIRECT_I8X16_EQ ~, &&L_V_I8X16_EQ
#define WA_VDIRECT_I8X16_ADD ~, &&L_V_I8X16_ADD
#define WA_VDIRECT_I8X16_SUB ~, &&L_V_I8X16_SUB
#define WA_VDIRECT_I8X16_SUB_SAT_U ~, &&L_V_I8X16_SUB_SAT_U
#define WA_VDIRECT_I16X8_ADD ~, &&L_V_I16X8_ADD
#define WA_VDIRECT_I16X8_SUB ~, &&L_V_I16X8_SUB
#define WA_VDIRECT_I16X8_MUL ~, &&L_V_I16X8_MUL
#define WA_VDIRECT_I32X4_EQ ~, &&L_V_I32X4_EQ
#define WA_VDIRECT_I32X4_ADD ~, &&L_V_I32X4_ADD
#define WA_VDIRECT_I32X4_SUB ~, &&L_V_I32X4_SUB
#define WA_VDIRECT_I32X4_MUL ~, &&L_V_I32X4_MUL
#define WA_VDIRECT_I64X2_ADD ~, &&L_V_I64X2_ADD
#define WA_VDIRECT_F32X4_ADD ~, &&L_V_F32X4_ADD
#define WA_VDIRECT_F32X4_SUB ~, &&L_V_F32X4_SUB
#define WA_VDIRECT_F32X4_MUL ~, &&L_V_F32X4_MUL
#define WA_VDIRECT_F64X2_ADD ~, &&L_V_F64X2_ADD
#define WA_VDIRECT_F64X2_MUL ~, &&L_V_F64X2_MUL
#define WA_VSECOND(a, b, ...) b
#define WA_VPICK_(...) WA_VSECOND(__VA_ARGS__)
#define WA_VPICK(probe, shared) WA_VPICK_(probe, shared, ~)

/* The other arithmetic SIMD ops share one handler per kind (interp_simd.inc):
 * their entries in the computed-goto table, and for switch dispatch which
 * kind each is. */
#define WA_SIMD_LABEL_UN(U) &&v_un,
#define WA_SIMD_LABEL_TEST(U) &&v_test,
#define WA_SIMD_LABEL_BIN(U) WA_VPICK(WA_VDIRECT_##U, &&v_bin),
#define WA_SIMD_LABEL_SHIFT(U) &&v_shift,
#define WA_SIMD_LABEL_TERN(U) &&v_tern,
#define WA_SIMD_LABEL_CONST(U) &&L_V_##U,
#define WA_SIMD_LABEL_SHUFFLE(U) &&L_V_##U,
#define WA_SIMD_LABEL_SPLAT(U) &&L_V_##U,
#define WA_SIMD_LABEL_EXTRACT(U) &&L_V_##U,
#define WA_SIMD_LABEL_REPLACE(U) &&L_V_##U,
#define WA_SIMD_LABEL_LOAD(U) &&L_V_##U,
#define WA_SIMD_LABEL_STORE(U) &&L_V_##U,
#define WA_SIMD_LABEL_LOAD_LANE(U) &&L_V_##U,
#define WA_SIMD_LABEL_STORE_LANE(U) &&L_V_##U,
#ifndef WA_COMPUTED_GOTO
enum { VS_NONE, VS_UN, VS_TEST, VS_BIN, VS_SHIFT, VS_TERN };
#define VS_CONST VS_NONE
#define VS_SHUFFLE VS_NONE
#define VS_SPLAT VS_NONE
#define VS_EXTRACT VS_NONE
#define VS_REPLACE VS_NONE
#define VS_LOAD VS_NONE
#define VS_STORE VS_NONE
#define VS_LOAD_LANE VS_NONE
#define VS_STORE_LANE VS_NONE
#define WA_S(kind, upper, lower, opcode, type, n) VS_##kind,
static const uint8_t k_vshared[] = {WA_SIMD_OPS(WA_S)};
#undef WA_S
#endif

/* ---- the loop ------------------------------------------------------------- */

/* Ends a call with a trap (instance.h). In the loop every trap site calls
 * it in tail position rather than jumping to shared code: clang 14 with
 * coverage instrumentation loses the trap kind on such a jump. */
wa_trap wa_trap_record(wa_instance *ex, wa_instance *inst, const wa_func *f, wa_trap trap,
                       int64_t fuel, const wa_frame *top)
{
    /* The backtrace, innermost first: f, then the suspended callers. */
    const wa_frame *base = ex->frames;
    uint32_t n = 0;
    ex->backtrace[n++] = f->index;
    for (const wa_frame *fr = top; fr > base && n < WA_BACKTRACE_MAX; fr--)
        ex->backtrace[n++] = wa_frame_func_index(&fr[-1]);
    ex->backtrace_len = n;
    ex->backtrace_depth = (uint32_t)(top - base) + 1;
    if (trap == WA_TRAP_HOST || trap == WA_TRAP_EXIT) {
        if (inst != ex)
            memcpy(ex->trap_msg, inst->trap_msg, sizeof ex->trap_msg);
    } else {
        wa_name name;
        if (wa_module_func_name(inst->m, f->index, &name))
            snprintf(ex->trap_msg, sizeof ex->trap_msg, "%s in function %u <%.*s>",
                     wa_trap_message(trap), f->index, (int)(name.len < 80 ? name.len : 80),
                     name.ptr);
        else
            snprintf(ex->trap_msg, sizeof ex->trap_msg, "%s in function %u", wa_trap_message(trap),
                     f->index);
    }
    if (fuel >= 0)
        ex->fuel = fuel;
    return trap;
}

/* With computed gotos the code is directly threaded: wa_interp_thread
 * replaces each opcode by its handler's offset from the first handler, so
 * dispatch is one load and an indirect jump. run() with `labels` set only
 * hands out the handler addresses. (The offsets are computed at run time
 * from a plain table of label addresses: a static table of label
 * differences miscompiles under clang's coverage instrumentation.) */
static wa_trap run(wa_instance *ex, wa_func *f, wa_val *fp, const void *const **labels)
{
#ifdef WA_COMPUTED_GOTO
    static const void *const handlers[WA_OP_COUNT_] = {
#define WA_X(name, len) &&L_##name,
#define WA_U(name) &&L_##name,
#define WA_S(kind, upper, lower, opcode, type, n) WA_SIMD_LABEL_##kind(upper)
        WA_CONTROL_OPS(WA_X) WA_NUMERIC_OPS(WA_U, WA_U) WA_FUSED_OPS(WA_U) WA_MEM_FUSED_OPS(WA_X)
            WA_BRANCH_OPS(WA_X) WA_V128_OPS(WA_X) WA_SIMD_OPS(WA_S) WA_BUNDLE_OPS(WA_X)
#undef WA_X
#undef WA_U
#undef WA_S
    };
    if (labels) {
        *labels = handlers;
        return WA_TRAP_NONE;
    }
#define DISPATCH() goto *(const void *)((const char *)handlers[0] + (int32_t)*pc)
#define CASE(name) L_##name:
#define DEFAULT_CASE
#else
#define DISPATCH() goto dispatch
#define CASE(name) case WA_OP_##name:
#define DEFAULT_CASE default:
    if (labels) {
        *labels = NULL;
        return WA_TRAP_NONE;
    }
#endif

    /* The frame stack and the stack's end, in registers; a call is not
     * reentrant (wa_call), so this call owns ex->frames from the start. */
    wa_frame *const frame_base = ex->frame_top, *const frame_limit = ex->frames + ex->depth_limit;
    wa_frame *frame = frame_base;
    const wa_val *const stack_end = ex->stack_end;
    wa_instance *inst;
    const uint32_t *pc, *ops;
    uint8_t *mem;
    /* Memory 0's size minus 8, negative below 8 bytes: an access of up to 8
     * bytes at ea is in bounds if ea <= memlim, which is one comparison; only
     * above it does the exact size matter (OOB below). */
    int64_t memlim;
    wa_func *callee;
    wa_val *args;
    uint32_t nargs;
    wa_trap trap;
    /* Fuel lives in a register; ex->fuel is written back at exits and around
     * host calls, unless metering is off (WA_FUEL_UNLIMITED stays as it is). */
    const bool metered = ex->fuel != WA_FUEL_UNLIMITED;
    int64_t fuel = ex->fuel;
#define SAVE_FUEL()                                                                                \
    do {                                                                                           \
        if (metered)                                                                               \
            ex->fuel = fuel;                                                                       \
    } while (0)

#define RELOAD_MEM()                                                                               \
    do {                                                                                           \
        mem = inst->mem0 ? inst->mem0->data : NULL;                                                \
        memlim = (int64_t)(inst->mem0 ? inst->mem0->size : 0) - 8;                                 \
    } while (0)
/* Whether n <= 8 bytes at ea (< 2^33) are out of bounds. */
#define OOB(ea, n)                                                                                 \
    (__builtin_expect((int64_t)(ea) > memlim, 0) && (ea) + (n) > (uint64_t)(memlim + 8))
#define TRAP(kind) return wa_trap_record(ex, inst, f, WA_TRAP_##kind, metered ? fuel : -1, frame)
#define S(k) fp[pc[k]]
#define NEXT(n)                                                                                    \
    do {                                                                                           \
        pc += (n);                                                                                 \
        DISPATCH();                                                                                \
    } while (0)

    inst = f->inst;
    RELOAD_MEM();
enter : /* f's arguments are at fp[0..nparams); inst and memory are f's */
{
    const wa_code *code = f->code;
    if ((size_t)(stack_end - fp) < code->frame_size)
        TRAP(STACK_EXHAUSTED);
    /* Locals start at 0. Up to 4 are cleared with 4 stores, not a call: the
     * frame then has room for them (code.c: finish), and clearing operand
     * stack slots is harmless. */
    uint32_t nzero = code->nlocals - code->nparams;
    if (nzero) {
        wa_val *z = fp + code->nparams;
        if (nzero > 4) {
            memset(z, 0, nzero * sizeof *z);
        } else {
            z[0].i64 = 0;
            z[1].i64 = 0;
            z[2].i64 = 0;
            z[3].i64 = 0;
        }
    }
    ops = pc = code->ops;
}
    DISPATCH();

#ifndef WA_COMPUTED_GOTO
dispatch:
    switch ((wa_op)*pc) {
#endif

        /* ---- control ---- */
        CASE(UNREACHABLE) TRAP(UNREACHABLE);
        CASE(FUEL) /* pay for the code up to the next FUEL; stop if asked to */
        {
            fuel -= pc[1];
            if (fuel < 0) {
                fuel = 0;
                TRAP(FUEL);
            }
            if (atomic_load_explicit(&ex->interrupt, memory_order_relaxed))
                TRAP(INTERRUPTED);
            NEXT(2);
        }
        CASE(JMP)
        {
            pc = ops + pc[1];
            DISPATCH();
        }
/* A loop's back edge: pc is the loop body past its FUEL op, whose work
 * this does (the cost is the FUEL op's operand, right before pc). The traps
 * are in one place, loop_stop: fewer call sites of wa_trap_record() leave the
 * registers to the hot state. */
#define LOOP_FUEL()                                                                                \
    do {                                                                                           \
        fuel -= pc[-1];                                                                            \
        if (fuel < 0 || atomic_load_explicit(&ex->interrupt, memory_order_relaxed))                \
            goto loop_stop;                                                                        \
        DISPATCH();                                                                                \
    } while (0)
        CASE(JMP_ANY)
        {
            pc = S(1).i32 & pc[2] ? ops + pc[3] : pc + 4;
            DISPATCH();
        }
        CASE(JMP_NONE)
        {
            pc = S(1).i32 & pc[2] ? pc + 4 : ops + pc[3];
            DISPATCH();
        }
        CASE(JMP_LOOP)
        {
            pc = ops + pc[1];
            LOOP_FUEL();
        }
        CASE(JMP_IF_LOOP)
        {
            if (!S(1).i32)
                NEXT(3);
            pc = ops + pc[2];
            LOOP_FUEL();
        }
        CASE(JMP_IFNOT_LOOP)
        {
            if (S(1).i32)
                NEXT(3);
            pc = ops + pc[2];
            LOOP_FUEL();
        }
        CASE(JMP_IF)
        {
            pc = S(1).i32 ? ops + pc[2] : pc + 3;
            DISPATCH();
        }
        CASE(JMP_IFNOT)
        {
            pc = S(1).i32 ? pc + 3 : ops + pc[2];
            DISPATCH();
        }
        CASE(BR_TABLE)
        {
            uint32_t i = S(1).i32, n = pc[2];
            pc = ops + pc[3 + (i < n ? i : n)];
            DISPATCH();
        }
        CASE(RET)
        {
        ret:
            if (frame == frame_base) {
                SAVE_FUEL();
                return WA_TRAP_NONE;
            }
            frame--;
            pc = frame->pc;
            fp = frame->fp;
            f = frame->func;
            ops = frame->ops;
            if (f->inst != inst) { /* back from a function another instance exported */
                inst = f->inst;
                RELOAD_MEM();
            } else if (inst->mem0) {
                memlim = (int64_t)inst->mem0->size - 8; /* the callee may have grown memory */
                mem = inst->mem0->data;
            }
            DISPATCH();
        }
        CASE(CALL)
        {
            callee = inst->funcs[pc[1]];
            args = fp + pc[2];
            pc += 3;
            goto call;
        }
        CASE(CALL_INDIRECT)
        {
            const wa_functype *type = &inst->m->types[pc[1]];
            const wa_table *t = inst->tables[pc[2]];
            uint32_t i = S(4).i32;
            if (i >= t->size)
                TRAP(UNDEFINED_ELEMENT);
            callee = t->elems[i];
            if (!callee)
                TRAP(UNINITIALIZED_ELEMENT);
            if (callee->type != type && !wa_functype_equal(callee->type, type))
                TRAP(INDIRECT_MISMATCH);
            args = fp + pc[3];
            pc += 5;
            goto call;
        }
        CASE(RETURN_CALL)
        {
            callee = inst->funcs[pc[1]];
            args = fp + pc[2];
            nargs = pc[3];
            goto tail_call;
        }
        CASE(RETURN_CALL_INDIRECT)
        {
            const wa_functype *type = &inst->m->types[pc[1]];
            const wa_table *t = inst->tables[pc[2]];
            uint32_t i = S(4).i32;
            if (i >= t->size)
                TRAP(UNDEFINED_ELEMENT);
            callee = t->elems[i];
            if (!callee)
                TRAP(UNINITIALIZED_ELEMENT);
            if (callee->type != type && !wa_functype_equal(callee->type, type))
                TRAP(INDIRECT_MISMATCH);
            args = fp + pc[3];
            nargs = pc[5];
            goto tail_call;
        }
        CASE(COPY)
        {
            S(1) = S(2);
            NEXT(3);
        }
        CASE(SELECT)
        {
            S(1) = S(4).i32 ? S(2) : S(3);
            NEXT(5);
        }
        CASE(CONST32)
        {
            S(1).i64 = pc[2];
            NEXT(3);
        }
        CASE(CONST64)
        {
            S(1).i64 = (uint64_t)pc[2] | (uint64_t)pc[3] << 32;
            NEXT(4);
        }
        CASE(GLOBAL_GET)
        {
            S(1) = inst->globals[pc[2]]->val[0];
            NEXT(3);
        }
        CASE(GLOBAL_SET)
        {
            inst->globals[pc[1]]->val[0] = S(2);
            NEXT(3);
        }
        CASE(REF_IS_NULL)
        {
            S(1).i64 = S(2).ref == NULL;
            NEXT(3);
        }
        CASE(REF_FUNC)
        {
            S(1).ref = inst->funcs[pc[2]];
            NEXT(3);
        }

        /* ---- tables ---- */
        CASE(TABLE_GET)
        {
            const wa_table *t = inst->tables[pc[2]];
            uint32_t i = S(3).i32;
            if (i >= t->size)
                TRAP(TABLE_OOB);
            S(1).ref = t->elems[i];
            NEXT(4);
        }
        CASE(TABLE_SET)
        {
            wa_table *t = inst->tables[pc[1]];
            uint32_t i = S(2).i32;
            if (i >= t->size)
                TRAP(TABLE_OOB);
            t->elems[i] = S(3).ref;
            NEXT(4);
        }
        CASE(TABLE_SIZE)
        {
            S(1).i64 = inst->tables[pc[2]]->size;
            NEXT(3);
        }
        CASE(TABLE_GROW)
        {
            S(1).i64 = (uint32_t)wa_table_grow(inst->tables[pc[2]], S(4).i32, S(3).ref);
            NEXT(5);
        }
        CASE(TABLE_FILL)
        {
            wa_table *t = inst->tables[pc[1]];
            uint32_t i = S(2).i32, n = S(4).i32;
            void *v = S(3).ref;
            if ((uint64_t)i + n > t->size)
                TRAP(TABLE_OOB);
            for (uint32_t k = 0; k < n; k++)
                t->elems[i + k] = v;
            NEXT(5);
        }
        CASE(TABLE_COPY)
        {
            wa_table *dt = inst->tables[pc[1]], *st = inst->tables[pc[2]];
            uint32_t d = S(3).i32, s = S(4).i32, n = S(5).i32;
            if ((uint64_t)d + n > dt->size || (uint64_t)s + n > st->size)
                TRAP(TABLE_OOB);
            if (n)
                memmove(dt->elems + d, st->elems + s, (size_t)n * sizeof(void *));
            NEXT(6);
        }
        CASE(TABLE_INIT)
        {
            uint32_t e = pc[2];
            trap = wa_table_init_from(inst->tables[pc[1]], (void *const *)inst->elem_refs[e],
                                      inst->elem_len[e], S(3).i32, S(4).i32, S(5).i32);
            if (trap)
                return wa_trap_record(ex, inst, f, trap, metered ? fuel : -1, frame);
            NEXT(6);
        }
        CASE(ELEM_DROP)
        {
            inst->elem_len[pc[1]] = 0;
            NEXT(2);
        }

        /* ---- memory ---- */
        CASE(MEMORY_SIZE)
        {
            S(1).i64 = inst->mem0->pages;
            NEXT(2);
        }
        CASE(MEMORY_GROW)
        {
            S(1).i64 = (uint32_t)wa_memory_grow(inst->mem0, S(2).i32);
            RELOAD_MEM();
            NEXT(3);
        }
        CASE(MEMORY_FILL)
        {
            uint32_t d = S(1).i32, n = S(3).i32;
            if ((uint64_t)d + n > (uint64_t)(memlim + 8))
                TRAP(MEM_OOB);
            if (n)
                memset(mem + d, (int)(uint8_t)S(2).i32, n);
            NEXT(4);
        }
        CASE(MEMORY_COPY)
        {
            uint32_t d = S(1).i32, s = S(2).i32, n = S(3).i32;
            if ((uint64_t)d + n > (uint64_t)(memlim + 8) ||
                (uint64_t)s + n > (uint64_t)(memlim + 8))
                TRAP(MEM_OOB);
            if (n)
                memmove(mem + d, mem + s, n);
            NEXT(4);
        }
        CASE(MEMORY_INIT)
        {
            const wa_dataseg *seg = &inst->m->datas[pc[1]];
            uint32_t len = inst->data_dropped[pc[1]] ? 0 : seg->len;
            uint32_t d = S(2).i32, s = S(3).i32, n = S(4).i32;
            if ((uint64_t)s + n > len || (uint64_t)d + n > (uint64_t)(memlim + 8))
                TRAP(MEM_OOB);
            if (n)
                memcpy(mem + d, seg->bytes + s, n);
            NEXT(5);
        }
        CASE(DATA_DROP)
        {
            inst->data_dropped[pc[1]] = 1;
            NEXT(2);
        }

/* Loads: OP d addr k offset. The address is (addr + k) mod 2^32, as the
 * folded i32.add computed it, plus the unsigned offset in 64 bits, so the
 * offset cannot wrap around. */
#define EA(a) ((uint64_t)(uint32_t)(S(a).i32 + pc[3]) + pc[4])
#define LOAD_BODY(T, expr)                                                                         \
    {                                                                                              \
        uint64_t ea = EA(2);                                                                       \
        if (OOB(ea, sizeof(T)))                                                                    \
            TRAP(MEM_OOB);                                                                         \
        T v;                                                                                       \
        memcpy(&v, mem + ea, sizeof v);                                                            \
        S(1).i64 = (expr);                                                                         \
        NEXT(5);                                                                                   \
    }
#define LOAD(name, T, expr) CASE(name) LOAD_BODY(T, expr)
/* with a label, for the bundles that end with the load */
#define LOAD_AT(name, T, expr, label) CASE(name) label : LOAD_BODY(T, expr)
        LOAD_AT(I32_LOAD, uint32_t, v, load_i32)
        LOAD(I64_LOAD, uint64_t, v)
        LOAD(I32_LOAD8_S, int8_t, (uint32_t)(int32_t)v)
        LOAD_AT(I32_LOAD8_U, uint8_t, v, load_i32_8u)
        LOAD(I32_LOAD16_S, int16_t, (uint32_t)(int32_t)v)
        LOAD(I32_LOAD16_U, uint16_t, v)
        LOAD(I64_LOAD8_S, int8_t, (uint64_t)(int64_t)v)
        LOAD(I64_LOAD8_U, uint8_t, v)
        LOAD(I64_LOAD16_S, int16_t, (uint64_t)(int64_t)v)
        LOAD(I64_LOAD16_U, uint16_t, v)
        LOAD(I64_LOAD32_S, int32_t, (uint64_t)(int64_t)v)
        LOAD(I64_LOAD32_U, uint32_t, v)

/* Stores: OP addr value k offset; the _IMM forms hold the value itself. */
#define STORE_BODY(T, value, n)                                                                    \
    {                                                                                              \
        uint64_t ea = EA(1);                                                                       \
        if (OOB(ea, sizeof(T)))                                                                    \
            TRAP(MEM_OOB);                                                                         \
        T v = (T)(value);                                                                          \
        memcpy(mem + ea, &v, sizeof v);                                                            \
        NEXT(n);                                                                                   \
    }
#define STORE_N(name, T, value, n) CASE(name) STORE_BODY(T, value, n)
#define STORE(name, T, value) STORE_N(name, T, value, 5)
/* with a label, for the bundles that end with the store */
#define STORE_AT(name, T, value, label) CASE(name) label : STORE_BODY(T, value, 5)
        STORE_AT(I32_STORE, uint32_t, S(2).i64, store_i32)
        STORE(I64_STORE, uint64_t, S(2).i64)
        STORE(I32_STORE8, uint8_t, S(2).i64)
        STORE(I32_STORE16, uint16_t, S(2).i64)
        STORE(I64_STORE8, uint8_t, S(2).i64)
        STORE(I64_STORE16, uint16_t, S(2).i64)
        STORE(I64_STORE32, uint32_t, S(2).i64)
        STORE(STORE8_IMM, uint8_t, pc[2])
        STORE(STORE16_IMM, uint16_t, pc[2])
        STORE(STORE32_IMM, uint32_t, pc[2])
        STORE(STORE64_IMM, uint64_t, (int64_t)(int32_t)pc[2])

/* Numeric ops: d = expr over a (and b). */
#define UN(name, expr)                                                                             \
    CASE(name)                                                                                     \
    {                                                                                              \
        wa_val a = S(2);                                                                           \
        (void)a;                                                                                   \
        S(1).i64 = (expr);                                                                         \
        NEXT(3);                                                                                   \
    }
#define BIN(name, expr)                                                                            \
    CASE(name)                                                                                     \
    {                                                                                              \
        wa_val a = S(2), b = S(3);                                                                 \
        S(1).i64 = (expr);                                                                         \
        NEXT(4);                                                                                   \
    }
#define UNF(name, expr) /* result is a double */                                                   \
    CASE(name)                                                                                     \
    {                                                                                              \
        wa_val a = S(2);                                                                           \
        S(1).f64 = (expr);                                                                         \
        NEXT(3);                                                                                   \
    }
#define BINF(name, expr)                                                                           \
    CASE(name)                                                                                     \
    {                                                                                              \
        wa_val a = S(2), b = S(3);                                                                 \
        S(1).f64 = (expr);                                                                         \
        NEXT(4);                                                                                   \
    }

        WA_NUMERIC_SEMANTICS(UN, BIN, UNF, BINF)

        CASE(I32_DIV_S)
        {
            int32_t a = (int32_t)S(2).i32, b = (int32_t)S(3).i32;
            if (b == 0)
                TRAP(DIV_ZERO);
            if (a == INT32_MIN && b == -1)
                TRAP(INT_OVERFLOW);
            S(1).i64 = (uint32_t)(a / b);
            NEXT(4);
        }
        CASE(I32_DIV_U)
        {
            uint32_t a = S(2).i32, b = S(3).i32;
            if (b == 0)
                TRAP(DIV_ZERO);
            S(1).i64 = a / b;
            NEXT(4);
        }
        CASE(I32_REM_S)
        {
            int32_t a = (int32_t)S(2).i32, b = (int32_t)S(3).i32;
            if (b == 0)
                TRAP(DIV_ZERO);
            S(1).i64 = b == -1 ? 0 : (uint32_t)(a % b);
            NEXT(4);
        }
        CASE(I32_REM_U)
        {
            uint32_t a = S(2).i32, b = S(3).i32;
            if (b == 0)
                TRAP(DIV_ZERO);
            S(1).i64 = a % b;
            NEXT(4);
        }

        CASE(I64_DIV_S)
        {
            int64_t a = (int64_t)S(2).i64, b = (int64_t)S(3).i64;
            if (b == 0)
                TRAP(DIV_ZERO);
            if (a == INT64_MIN && b == -1)
                TRAP(INT_OVERFLOW);
            S(1).i64 = (uint64_t)(a / b);
            NEXT(4);
        }
        CASE(I64_DIV_U)
        {
            uint64_t a = S(2).i64, b = S(3).i64;
            if (b == 0)
                TRAP(DIV_ZERO);
            S(1).i64 = a / b;
            NEXT(4);
        }
        CASE(I64_REM_S)
        {
            int64_t a = (int64_t)S(2).i64, b = (int64_t)S(3).i64;
            if (b == 0)
                TRAP(DIV_ZERO);
            S(1).i64 = b == -1 ? 0 : (uint64_t)(a % b);
            NEXT(4);
        }
        CASE(I64_REM_U)
        {
            uint64_t a = S(2).i64, b = S(3).i64;
            if (b == 0)
                TRAP(DIV_ZERO);
            S(1).i64 = a % b;
            NEXT(4);
        }

/* Trapping truncation: NaN is an invalid conversion; outside (lo, hi) the
 * result does not fit. The bounds are exact in the source type. */
#define TRUNC(name, field, lo, hi, T, UT)                                                          \
    CASE(name)                                                                                     \
    {                                                                                              \
        double x = S(2).field;                                                                     \
        if (x != x)                                                                                \
            TRAP(INVALID_CONVERSION);                                                              \
        if (!(x > (lo) && x < (hi)))                                                               \
            TRAP(INT_OVERFLOW);                                                                    \
        S(1).i64 = (UT)(T)x;                                                                       \
        NEXT(3);                                                                                   \
    }
        WA_TRUNC_BOUNDS(TRUNC)

        /* ---- superinstructions (code.h) ---- */
#define JMP_CMP(name, T, op)                                                                       \
    CASE(JMP_I32_##name)                                                                           \
    {                                                                                              \
        pc = (T)S(1).i32 op(T) S(2).i32 ? ops + pc[3] : pc + 4;                                    \
        DISPATCH();                                                                                \
    }                                                                                              \
    CASE(JMP_I32_##name##_IMM)                                                                     \
    {                                                                                              \
        pc = (T)S(1).i32 op(T) pc[2] ? ops + pc[3] : pc + 4;                                       \
        DISPATCH();                                                                                \
    }                                                                                              \
    CASE(I32_##name##_IMM)                                                                         \
    {                                                                                              \
        S(1).i64 = (T)S(2).i32 op(T) pc[3];                                                        \
        NEXT(4);                                                                                   \
    }                                                                                              \
    CASE(JMP_I32_##name##_LOOP)                                                                    \
    {                                                                                              \
        if (!((T)S(1).i32 op(T) S(2).i32))                                                         \
            NEXT(4);                                                                               \
        pc = ops + pc[3];                                                                          \
        LOOP_FUEL();                                                                               \
    }                                                                                              \
    CASE(JMP_I32_##name##_IMM_LOOP)                                                                \
    {                                                                                              \
        if (!((T)S(1).i32 op(T) pc[2]))                                                            \
            NEXT(4);                                                                               \
        pc = ops + pc[3];                                                                          \
        LOOP_FUEL();                                                                               \
    }                                                                                              \
    CASE(ADD_JMP_I32_##name##_LOOP) /* d = a + k; the comparand is read after */                   \
    add_jmp_##name:                                                                                \
    {                                                                                              \
        uint32_t v = S(2).i32 + pc[3];                                                             \
        S(1).i64 = v;                                                                              \
        if (!((T)v op(T) S(4).i32))                                                                \
            NEXT(6);                                                                               \
        pc = ops + pc[5];                                                                          \
        LOOP_FUEL();                                                                               \
    }                                                                                              \
    CASE(ADD_JMP_I32_##name##_IMM_LOOP)                                                            \
    add_jmp_##name##_imm:                                                                          \
    {                                                                                              \
        uint32_t v = S(2).i32 + pc[3];                                                             \
        S(1).i64 = v;                                                                              \
        if (!((T)v op(T) pc[4]))                                                                   \
            NEXT(6);                                                                               \
        pc = ops + pc[5];                                                                          \
        LOOP_FUEL();                                                                               \
    }                                                                                              \
    CASE(ADD2_JMP_I32_##name##_LOOP) /* bundles: the I32_ADD_IMM, then the ADD_JMP */              \
    {                                                                                              \
        S(1).i64 = (uint32_t)(S(2).i32 + pc[3]);                                                   \
        pc += 4;                                                                                   \
        goto add_jmp_##name;                                                                       \
    }                                                                                              \
    CASE(ADD2_JMP_I32_##name##_IMM_LOOP)                                                           \
    {                                                                                              \
        S(1).i64 = (uint32_t)(S(2).i32 + pc[3]);                                                   \
        pc += 4;                                                                                   \
        goto add_jmp_##name##_imm;                                                                 \
    }
        JMP_CMP(EQ, uint32_t, ==)
        JMP_CMP(NE, uint32_t, !=)
        JMP_CMP(LT_S, int32_t, <)
        JMP_CMP(LT_U, uint32_t, <)
        JMP_CMP(GT_S, int32_t, >)
        JMP_CMP(GT_U, uint32_t, >)
        JMP_CMP(LE_S, int32_t, <=)
        JMP_CMP(LE_U, uint32_t, <=)
        JMP_CMP(GE_S, int32_t, >=)
        JMP_CMP(GE_U, uint32_t, >=)

/* d = a op k, k an immediate (sign-extended from 32 bits for i64). */
#define IMM32(name, expr)                                                                          \
    CASE(name)                                                                                     \
    {                                                                                              \
        uint32_t a = S(2).i32, k = pc[3];                                                          \
        S(1).i64 = (uint32_t)(expr);                                                               \
        NEXT(4);                                                                                   \
    }
#define IMM64(name, expr)                                                                          \
    CASE(name)                                                                                     \
    {                                                                                              \
        uint64_t a = S(2).i64, k = (uint64_t)(int64_t)(int32_t)pc[3];                              \
        S(1).i64 = (expr);                                                                         \
        NEXT(4);                                                                                   \
    }
/* Division by a constant: the translator does not know the value is safe
 * (it could be 0 or -1), so the checks stay. */
#define IMM_DIV(name, T, UT, expr, ovf)                                                            \
    CASE(name)                                                                                     \
    {                                                                                              \
        T a = (T)S(2).i64, k = (T)(int64_t)(int32_t)pc[3];                                         \
        if (k == 0)                                                                                \
            TRAP(DIV_ZERO);                                                                        \
        if (ovf)                                                                                   \
            TRAP(INT_OVERFLOW);                                                                    \
        S(1).i64 = (UT)(expr);                                                                     \
        NEXT(4);                                                                                   \
    }
        IMM32(I32_ADD_IMM, a + k)
        IMM32(I32_SUB_IMM, a - k)
        IMM32(I32_MUL_IMM, a * k)
        IMM_DIV(I32_DIV_S_IMM, int32_t, uint32_t, a / k, a == INT32_MIN && k == -1)
        IMM_DIV(I32_DIV_U_IMM, uint32_t, uint32_t, a / k, 0)
        IMM_DIV(I32_REM_S_IMM, int32_t, uint32_t, k == -1 ? 0 : a % k, 0)
        IMM_DIV(I32_REM_U_IMM, uint32_t, uint32_t, a % k, 0)
        IMM32(I32_AND_IMM, a & k)
        IMM32(I32_OR_IMM, a | k)
        IMM32(I32_XOR_IMM, a ^ k)
        IMM32(I32_SHL_IMM, a << (k & 31))
        IMM32(I32_SHR_S_IMM, (int32_t)a >> (k & 31))
        IMM32(I32_SHR_U_IMM, a >> (k & 31))
        IMM32(I32_ROTL_IMM, rotl32(a, k))
        IMM32(I32_ROTR_IMM, rotr32(a, k))
        IMM64(I64_ADD_IMM, a + k)
        IMM64(I64_SUB_IMM, a - k)
        IMM64(I64_MUL_IMM, a * k)
        IMM_DIV(I64_DIV_S_IMM, int64_t, uint64_t, a / k, a == INT64_MIN && k == -1)
        IMM_DIV(I64_DIV_U_IMM, uint64_t, uint64_t, a / k, 0)
        IMM_DIV(I64_REM_S_IMM, int64_t, uint64_t, k == -1 ? 0 : a % k, 0)
        IMM_DIV(I64_REM_U_IMM, uint64_t, uint64_t, a % k, 0)
        IMM64(I64_AND_IMM, a & k)
        IMM64(I64_OR_IMM, a | k)
        IMM64(I64_XOR_IMM, a ^ k)
        IMM64(I64_SHL_IMM, a << (k & 63))
        IMM64(I64_SHR_S_IMM, (uint64_t)((int64_t)a >> (k & 63)))
        IMM64(I64_SHR_U_IMM, a >> (k & 63))
        IMM64(I64_ROTL_IMM, rotl64(a, k))
        IMM64(I64_ROTR_IMM, rotr64(a, k))

        /* d = a*b +- c with the product rounded on its own, as the two
         * instructions did (the build uses -ffp-contract=off: never an FMA). */
        CASE(F64_MUL_ADD)
        {
            double p = S(2).f64 * S(3).f64;
            S(1).f64 = p + S(4).f64;
            NEXT(5);
        }
        CASE(F64_MUL_SUB)
        {
            double p = S(2).f64 * S(3).f64;
            S(1).f64 = p - S(4).f64;
            NEXT(5);
        }
        CASE(F64_SUB_MUL)
        {
            double p = S(2).f64 * S(3).f64;
            S(1).f64 = S(4).f64 - p;
            NEXT(5);
        }

        CASE(I32_SHL_SHR_OR)
        {
            S(1).i64 = (uint32_t)(S(2).i32 << (pc[3] & 31)) | (S(4).i32 >> (pc[5] & 31));
            NEXT(6);
        }
        CASE(I32_SHR_SHL_OR)
        {
            S(1).i64 = (S(2).i32 >> (pc[3] & 31)) | (uint32_t)(S(4).i32 << (pc[5] & 31));
            NEXT(6);
        }

        /* Bundles (code.h): the second instruction's operands follow the
         * first's, after its (unused) opcode unit. */
        CASE(I32_ADD_IMM2)
        {
            S(1).i64 = (uint32_t)(S(2).i32 + pc[3]);
            S(5).i64 = (uint32_t)(S(6).i32 + pc[7]);
            NEXT(8);
        }
        CASE(ADD_IMM_LOAD) /* then I32_LOAD d a k offset */
        {
            S(1).i64 = (uint32_t)(S(2).i32 + pc[3]);
            pc += 4;
            goto load_i32;
        }
        CASE(ADD_IMM_LOAD8_U)
        {
            S(1).i64 = (uint32_t)(S(2).i32 + pc[3]);
            pc += 4;
            goto load_i32_8u;
        }
        CASE(I32_ADD2)
        {
            S(1).i64 = (uint32_t)(S(2).i32 + S(3).i32);
            S(5).i64 = (uint32_t)(S(6).i32 + S(7).i32);
            NEXT(8);
        }

/* Read-modify-writes of an f64: OP addr x k offset [y]; m is the value in
 * memory. Products are rounded on their own, as in F64_MUL_ADD. */
#define RMW_F64(name, n, expr)                                                                     \
    CASE(name)                                                                                     \
    {                                                                                              \
        uint64_t ea = EA(1);                                                                       \
        if (OOB(ea, 8))                                                                            \
            TRAP(MEM_OOB);                                                                         \
        double m;                                                                                  \
        memcpy(&m, mem + ea, 8);                                                                   \
        m = (expr);                                                                                \
        memcpy(mem + ea, &m, 8);                                                                   \
        NEXT(n);                                                                                   \
    }
        RMW_F64(F64_MEM_ADD, 5, m + S(2).f64)
        RMW_F64(F64_MEM_SUB, 5, m - S(2).f64)
        RMW_F64(F64_MEM_MUL_ADD, 6, S(2).f64 * S(5).f64 + m)
        RMW_F64(F64_MEM_SUB_MUL, 6, m - S(2).f64 * S(5).f64)

        CASE(I32_ADD_SHL)
        {
            S(1).i64 = (uint32_t)(S(2).i32 + (S(3).i32 << (pc[4] & 31)));
            NEXT(5);
        }
        CASE(ADD_SHL_LOAD) /* bundles: the I32_ADD_SHL, then an I32_LOAD or I32_STORE */
        {
            S(1).i64 = (uint32_t)(S(2).i32 + (S(3).i32 << (pc[4] & 31)));
            pc += 5;
            goto load_i32;
        }
        CASE(ADD_SHL_STORE)
        {
            S(1).i64 = (uint32_t)(S(2).i32 + (S(3).i32 << (pc[4] & 31)));
            pc += 5;
            goto store_i32;
        }
        CASE(COPY_JMP_LOOP) /* bundle: COPY d s, then JMP_LOOP target */
        {
            S(1) = S(2);
            pc = ops + pc[4];
            LOOP_FUEL();
        }

/* A load stored as it is: MOVE addr src k offset sk so. The load is checked
 * first, as it ran first; nothing is written unless both are in bounds. */
#define MOVE(name, T)                                                                              \
    CASE(name)                                                                                     \
    {                                                                                              \
        uint64_t from = (uint64_t)(uint32_t)(S(2).i32 + pc[5]) + pc[6];                            \
        if (OOB(from, sizeof(T)))                                                                  \
            TRAP(MEM_OOB);                                                                         \
        uint64_t to = EA(1);                                                                       \
        if (OOB(to, sizeof(T)))                                                                    \
            TRAP(MEM_OOB);                                                                         \
        T v;                                                                                       \
        memcpy(&v, mem + from, sizeof v);                                                          \
        memcpy(mem + to, &v, sizeof v);                                                            \
        NEXT(7);                                                                                   \
    }
        MOVE(MOVE8, uint8_t)
        MOVE(MOVE16, uint16_t)
        MOVE(MOVE32, uint32_t)
        MOVE(MOVE64, uint64_t)

        /* OP addr a k offset i b j: an i32.store of a shift merge */
        CASE(STORE_SHL_SHR_OR)
    store_shl_shr_or : {
        uint64_t ea = EA(1);
        if (OOB(ea, 4))
            TRAP(MEM_OOB);
        uint32_t v = (S(2).i32 << (pc[5] & 31)) | (S(6).i32 >> (pc[7] & 31));
        memcpy(mem + ea, &v, 4);
        NEXT(8);
    }
        CASE(STORE_SHR_SHL_OR)
    store_shr_shl_or : {
        uint64_t ea = EA(1);
        if (OOB(ea, 4))
            TRAP(MEM_OOB);
        uint32_t v = (S(2).i32 >> (pc[5] & 31)) | (S(6).i32 << (pc[7] & 31));
        memcpy(mem + ea, &v, 4);
        NEXT(8);
    }
    /* bundles: I32_LOAD d a k offset, then the store of a merge */
#define LOAD_THEN(name, label)                                                                     \
    CASE(name)                                                                                     \
    {                                                                                              \
        uint64_t ea = EA(2);                                                                       \
        if (OOB(ea, 4))                                                                            \
            TRAP(MEM_OOB);                                                                         \
        uint32_t v;                                                                                \
        memcpy(&v, mem + ea, 4);                                                                   \
        S(1).i64 = v;                                                                              \
        pc += 5;                                                                                   \
        goto label;                                                                                \
    }
        LOAD_THEN(LOAD_STORE_SHL_SHR_OR, store_shl_shr_or)
        LOAD_THEN(LOAD_STORE_SHR_SHL_OR, store_shr_shl_or)

#include "interp_simd.inc"

#ifndef WA_COMPUTED_GOTO
        DEFAULT_CASE SIMD_SHARED_DISPATCH();
        TRAP(UNREACHABLE); /* cannot happen: the translator emits known ops */
    }
#endif

loop_stop: /* a loop's back edge ran out of fuel, or the call was interrupted */
    if (fuel < 0) {
        fuel = 0;
        TRAP(FUEL);
    }
    TRAP(INTERRUPTED);

call: /* callee's arguments are at args[0..); pc is the return address */
    if (callee->host) {
        SAVE_FUEL();
        trap = callee->host(inst, callee->env, args);
        fuel = ex->fuel; /* the host may have set it */
        if (trap)
            return wa_trap_record(ex, inst, f, trap, metered ? fuel : -1, frame);
        RELOAD_MEM();
        DISPATCH();
    }
    if (frame == frame_limit)
        TRAP(STACK_EXHAUSTED);
    *frame++ = (wa_frame){.pc = pc, .fp = fp, .func = f, .ops = ops};
    if (callee->native) { /* compiled: it runs above this frame, on this stack */
        SAVE_FUEL();
        ex->frame_top = frame;
        trap = callee->inst->native->run(ex, callee, args);
        frame--;
        fuel = ex->fuel;
        if (trap)
            return trap; /* recorded where it happened */
        RELOAD_MEM();
        DISPATCH();
    }
    f = callee;
    fp = args;
    if (f->inst != inst) {
        inst = f->inst;
        RELOAD_MEM();
    }
    goto enter;

tail_call: /* a call in place of this frame: the arguments become its first slots */
    memmove(fp, args, (size_t)nargs * sizeof *fp);
    if (callee->host) {
        SAVE_FUEL();
        trap = callee->host(inst, callee->env, fp);
        fuel = ex->fuel;
        if (trap)
            return wa_trap_record(ex, inst, f, trap, metered ? fuel : -1, frame);
        goto ret; /* its results are this frame's */
    }
    if (callee->native) {
        SAVE_FUEL();
        ex->frame_top = frame;
        trap = callee->inst->native->run(ex, callee, fp);
        fuel = ex->fuel;
        if (trap)
            return trap;
        goto ret;
    }
    f = callee;
    if (f->inst != inst) {
        inst = f->inst;
        RELOAD_MEM();
    }
    goto enter;
}

wa_trap wa_interp_run(wa_instance *ex, wa_func *f, wa_val *fp)
{
    return run(ex, f, fp, NULL);
}

void wa_interp_thread(uint32_t *ops, uint32_t nops)
{
    const void *const *labels;
    run(NULL, NULL, NULL, &labels);
    if (!labels)
        return; /* switch dispatch runs the opcodes as they are */
    for (uint32_t pc = 0; pc < nops;) {
        uint32_t op = ops[pc];
        uint32_t len = wa_op_len[op] + (op == WA_OP_BR_TABLE ? ops[pc + 2] + 1 : 0);
        ops[pc] = (uint32_t)((const char *)labels[op] - (const char *)labels[0]);
        pc += len;
    }
}

uint32_t wa_interp_unit(uint32_t op)
{
    const void *const *labels;
    run(NULL, NULL, NULL, &labels);
    return labels ? (uint32_t)((const char *)labels[op] - (const char *)labels[0]) : op;
}

uint32_t wa_interp_opcode(uint32_t unit)
{
    const void *const *labels;
    run(NULL, NULL, NULL, &labels);
    if (!labels)
        return unit;
    for (uint32_t op = 0; op < WA_OP_COUNT_; op++)
        if ((uint32_t)((const char *)labels[op] - (const char *)labels[0]) == unit)
            return op;
    return WA_OP_COUNT_;
}
