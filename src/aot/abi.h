/*
 * abi.h: what compiled code and the runtime agree on. The generator (gen.c)
 * embeds this file's text at the top of every C file it writes, and the
 * runtime (rt.c) includes it, where static assertions tie each view below
 * to the engine's own structure (src/wasm/instance.h). An artifact records
 * WA_AOT_ABI and the wactor version, so one built against another layout
 * is never loaded.
 *
 * Self-contained: <stdint.h>, <stddef.h>, <string.h> only.
 *
 * A compiled function is
 *     int64_t fN(wa_aot_cx *cx, wa_aot_inst *inst, wa_val *fp, int64_t fuel,
 *                wa_aot_frame *fr)
 * fp: its frame on the value stack, laid out as the interpreter's (code.h),
 * with its arguments in fp[0..) on entry and its results there on return;
 * only arguments and results go through it, every other slot is a C
 * local. fuel: what is left before the next tick, at most WA_AOT_TICK: the
 * fuel left is fuel + cx->bank (metering off: that starts at INT64_MAX and
 * is never written back). fr: the first frame not taken by its callers. It
 * returns that fuel, or -1 after a trap, which the runtime recorded.
 *
 * Ticks. A charge that takes fuel below 0 ticks (tick() below): moves up to
 * WA_AOT_TICK more from the bank (the count is exact: only where it is kept
 * changes) and, at a loop's back edge or a function's entry, reads the
 * interrupt flag. So the hot paths charge with a subtract and a branch, and
 * an interrupt is seen within WA_AOT_TICK units of fuel, at a back edge or a
 * call as the interpreter sees it (docs/AOT.md: "Interruption").
 *
 * A compiled function checks its frame on entry (the value stack and the C
 * stack have room for it) only when fr is past cx->fast_limit: below, both
 * are sure to (rt.c: fast_limit). A call checks the depth limit only when
 * its callee's frame is past it too: fast_limit is never past frame_limit.
 * Each function keeps fast_limit in `fl` (a local, or an inlined copy's
 * parameter), so an inlined call's two checks are one comparison.
 */
#ifndef WA_AOT_ABI_H
#define WA_AOT_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WA_AOT_ABI 4

/* The most fuel compiled code holds between two ticks. */
#define WA_AOT_TICK 65536

#ifndef WA_WASM_H /* the generated C has no wasm.h: the same union */
typedef union wa_val {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref;
} wa_val;
#endif
#ifndef WA_SIMD_LIST_H
typedef union wa_v128 {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
} wa_v128;
#endif

/* simd_call.h's wa_vfn: one entry of the arithmetic SIMD table. */
typedef union wa_aot_vfn {
    wa_v128 (*un)(wa_v128 a);
    wa_v128 (*bin)(wa_v128 a, wa_v128 b);
    wa_v128 (*tern)(wa_v128 a, wa_v128 b, wa_v128 c);
    uint32_t (*test)(wa_v128 a);
    wa_v128 (*shift)(wa_v128 a, uint32_t count);
} wa_aot_vfn;

/* Views of the engine's structures: the leading fields compiled code reads. */
typedef struct wa_aot_mem {
    uint8_t *data;
    uint64_t size;
} wa_aot_mem;
typedef struct wa_aot_global {
    uint8_t type[2]; /* wa_globaltype */
    wa_val val[2];
} wa_aot_global;
typedef struct wa_aot_func wa_aot_func;
typedef struct wa_aot_table wa_aot_table;
typedef struct wa_aot_module wa_aot_module;
typedef struct wa_aot_inst {
    const wa_aot_module *module;
    wa_aot_func **funcs;
    wa_aot_table **tables;
    wa_aot_mem *mem0;
    wa_aot_global **globals;
} wa_aot_inst;
typedef struct wa_aot_functype {
    uint32_t nparams, nresults;
    const uint8_t *types;
} wa_aot_functype;
typedef struct wa_aot_module {
    const uint8_t *bytes;
    size_t len;
    uint32_t ntypes;
    const wa_aot_functype *types;
} wa_aot_module;
typedef struct wa_aot_func {
    const wa_aot_functype *type;
    wa_aot_inst *inst;
    const void *code, *host, *env;
    uint32_t index;
    wa_aot_functype own_type;
    const void *native; /* its wa_aot_fn, if compiled */
    const void *direct; /* and its direct entry (fN_d), if it has one */
} wa_aot_func;
typedef struct wa_aot_table {
    uint32_t type[4]; /* wa_tabletype */
    uint32_t size;
    wa_aot_func **elems;
} wa_aot_table;
typedef struct wa_aot_frame { /* wa_frame: compiled code sets func only, to
                               * its index n as 2n + 1 (instance.h) */
    const void *pc;
    wa_val *fp;
    void *func;
    const void *ops;
} wa_aot_frame;

typedef struct wa_aot_cx wa_aot_cx;
typedef int64_t (*wa_aot_fn)(wa_aot_cx *cx, wa_aot_inst *inst, wa_val *fp, int64_t fuel,
                             wa_aot_frame *fr);
/* A direct entry: the frame entry's parameters, then up to DIRECT_MAX_ARGS
 * arguments as uint64_t; it returns wa_aot_r1 or the fuel (gen.c). */
typedef void (*wa_aot_any)(void);

/* What compiled code calls for all but the hot paths. Each takes the
 * calling function's index (for traps: their message and backtrace) and
 * the fuel left; each returns the fuel left or -1 after a trap. */
typedef struct wa_aot_rt {
    /* A trap of the given kind in function func. */
    int64_t (*trap)(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, int kind, int64_t fuel,
                    wa_aot_frame *top);
    /* tick() said stop: out of fuel, or interrupted. */
    int64_t (*stop)(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, int64_t fuel,
                    wa_aot_frame *top);
    /* Calls inst->funcs[callee] (an import: host, compiled or interpreted)
     * with its arguments at args; tail: in place of the caller's frame. */
    int64_t (*call)(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t callee, wa_val *args,
                    int64_t fuel, wa_aot_frame *fr, int tail);
    /* call_indirect through table with element i, checked against type. */
    int64_t (*call_indirect)(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t type,
                             uint32_t table, uint32_t i, wa_val *args, int64_t fuel,
                             wa_aot_frame *fr, int tail);
    /* return_call_indirect's checks: the compiled function to tail-call
     * (cx->to: its instance), else NULL after a trap. A callee that
     * is no compiled function of this module gets `other`, with the callee
     * in cx->pending. Tail calls must be C sibling calls, or a loop of them
     * would grow the C stack: every one goes through a function with the
     * compiled signature (a call with more arguments than the caller's
     * cannot be one). */
    wa_aot_fn (*target)(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t type,
                        uint32_t table, uint32_t i, int64_t fuel, wa_aot_frame *fr);
    int64_t (*other)(wa_aot_cx *cx, wa_aot_inst *inst, wa_val *fp, int64_t fuel, wa_aot_frame *fr);
    /* Runs the instruction the artifact lists as snippet n through the
     * interpreter, on this frame (its operands spilled to fp). */
    int64_t (*step)(wa_aot_cx *cx, wa_aot_inst *inst, uint32_t func, uint32_t n, wa_val *fp,
                    int64_t fuel, wa_aot_frame *fr);
    /* The arithmetic SIMD instructions (simd_call.h's wa_vcall), by index. */
    const wa_aot_vfn *vcall;
} wa_aot_rt;

/* One call's context, on the C stack of the runtime's entry. */
struct wa_aot_cx {
    const wa_aot_rt *rt;
    void *ex;                  /* the wa_instance running the call */
    wa_aot_frame *frame_limit; /* calls past it exhaust the stack */
    /* The last frame (as an address) a function may run in without
     * checking its own: up to there the value stack and the C stack have
     * room for any of the module's functions. Never past frame_limit, so
     * a call into a frame at or below it is within the depth limit too,
     * and one comparison (with fl, the copy each function keeps) covers
     * both a call's depth and the callee's entry. */
    uintptr_t fast_limit;
    const wa_val *stack_end;
    const int *interrupt;    /* the instance's flag (atomic_int) */
    int64_t bank;            /* the fuel left beyond what the code holds */
    uintptr_t c_stack_floor; /* below this address: stack exhausted */
    int metered;             /* fuel is counted (else it is never written back) */
    wa_aot_inst *to;         /* target's callee instance (no local's address is
                              * taken: gcc makes no sibling call then) */
    void *pending;           /* a tail call's callee (wa_func), for `other` */
    uint32_t pending_func;   /* and its caller's index */
    int trap;                /* the trap, once a function returned -1 */
};

/* A charge took fuel below 0 (or rt.c's hold() banked all of it): the fuel
 * to go on with (>= 0), or else (< 0, the fuel given) the function stops
 * (rt->stop). edge: at a back edge or an entry, where the interrupt flag
 * counts. Written out in the generated C rather than called, so that no
 * register is lost around it. */
static inline int64_t tick(wa_aot_cx *cx, int64_t fuel, int edge)
{
    int64_t left = fuel + cx->bank;
    int interrupted = __atomic_load_n(cx->interrupt, __ATOMIC_RELAXED);
    if (left < 0 || (edge && interrupted))
        return fuel;
    int64_t keep = interrupted ? 0 : left < WA_AOT_TICK ? left : WA_AOT_TICK;
    cx->bank = left - keep;
    return keep;
}

/* The one symbol an artifact exports (WA_AOT_SYMBOL): what it was made from
 * and its functions, one per defined function in order. */
typedef struct wa_aot_descriptor {
    uint32_t abi; /* WA_AOT_ABI */
    char version[32];
    char target[64];
    uint8_t module_sha256[32];
    /* A hash of the internal code the C was written from and of this
     * file and numeric.h: another build of wactor that translates the
     * module differently refuses the artifact even at the same version. */
    uint64_t code_hash;
    uint32_t nfuncs;
    const wa_aot_fn *funcs;
    const wa_aot_any *directs; /* by the same index, or NULL */
    /* Instructions run through the interpreter: (function index, unit). */
    uint32_t nsnippets;
    const uint32_t (*snippets)[2];
    /* The largest C stack frame of its functions in bytes, as the C
     * compiler reported it (-fstack-usage; artifact.c links it in beside
     * the generated C), or UINT32_MAX if unknown. */
    const uint32_t *c_frame;
} wa_aot_descriptor;

/* The name of what c_frame points to. */
#define WA_AOT_C_FRAME_SYMBOL "wa_aot_c_frame"

#define WA_AOT_SYMBOL "wactor_aot_descriptor"

#endif
