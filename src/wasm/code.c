/*
 * code.c: validates each function body and translates it into internal code.
 *
 * One pass per function, in the order of the spec's validation algorithm
 * (appendix "Validation Algorithm"): a type stack of operand types and a
 * control stack of blocks. Each instruction is first type-checked, then
 * emitted. Since the type stack's height is the operand stack's height, the
 * slot of every operand is known here (see code.h), and branches are resolved
 * to absolute targets: forward branches are chained through their target
 * operands (a patch list per block) and filled in at the block's `end`.
 *
 * Dead code (after br, return, unreachable) is validated but not emitted:
 * nothing can reach it, and skipping it keeps slot numbers meaningful.
 *
 * Register-style operands: each stack entry also records where its value is
 * (vloc): in its own slot, still in a local (`local.get` emits nothing), or a
 * constant (`i32.const` emits nothing). Consumers read locals directly and
 * use constants as immediates; an entry is materialized into its slot only
 * when it must be: before a `local.set` of the local it names, at block
 * boundaries, for call arguments and results leaving a block. `local.set`
 * after an instruction rewrites that instruction's destination instead of
 * copying, and a comparison feeding `br_if`/`if` becomes one fused branch.
 *
 * Fuel: a FUEL op opens every function and every loop body; its cost is the
 * number of instructions translated until the next FUEL op, so a loop
 * iteration or a call pays roughly for the code it runs, and every unbounded
 * execution passes a check.
 */
#include "code.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint8_t wa_op_len[WA_OP_COUNT_] = {
#define WA_X(name, len) len,
#define WA_U(name) 3,
#define WA_B(name) 4,
#define WA_F(name) WA_FUSED_LEN(WA_OP_##name),
    WA_CONTROL_OPS(WA_X) WA_NUMERIC_OPS(WA_U, WA_B) WA_FUSED_OPS(WA_F) WA_MEM_FUSED_OPS(WA_X)
        WA_BRANCH_OPS(WA_X) WA_BUNDLE_OPS(WA_X)
#undef WA_X
#undef WA_U
#undef WA_B
#undef WA_F
};

#define NONE UINT32_MAX
#define UNKNOWN 0 /* a type from the polymorphic stack of dead code */

enum { CTL_BLOCK, CTL_LOOP, CTL_IF, CTL_ELSE, CTL_FUNC };

typedef struct ctl {
    uint8_t kind;
    bool unreachable; /* validation: rest of this block is unreachable */
    bool dead;        /* emission: this block started in dead code */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t height;    /* type stack height below the params */
    uint32_t label;     /* loop: branch target */
    uint32_t patches;   /* chain of forward branch sites, through ops[] */
    uint32_t else_site; /* if: operand of the JMP_IFNOT to the else part */
    bool calls;         /* loop: its body calls (so far) */
} ctl;

typedef struct comp {
    const wa_module *m;
    wa_error *err;
    wa_reader r;
    uint32_t func;
    uint8_t *locals;  /* types of params + locals */
    uint32_t nlocals; /* slots before the operand stack: params, locals, zero */
    uint32_t nwasm;   /* params + locals as the function declares them */
    uint32_t nparams;
    uint32_t zero; /* a slot that stays 0 (slot nwasm, when there are locals), or NONE */

    uint8_t *vals;      /* types of the operand stack */
    struct vloc *vlocs; /* where each stack entry's value is (capvals entries) */
    uint32_t nvals, capvals, capvlocs, max_height;
    ctl *ctls;
    uint32_t nctls, capctls;

    uint32_t *ops;
    uint32_t nops, capops;
    uint32_t fuel_site, fuel_count;
    uint32_t *canon;   /* type index -> first index of an equal type */
    uint32_t last;     /* start of the last instruction, NONE after a label */
    uint32_t prev;     /* start of the instruction right before it, or NONE */
    uint32_t epoch;    /* bumped at labels, branches and calls */
    uint32_t serial;   /* instructions emitted so far in this function */
    uint32_t *written; /* per local: serial of the last instruction writing it */
    uint32_t effect;   /* serial of the last instruction with a side effect, or that may
                          trap otherwise than as a load does (see has_effect) */
    /* When the last instruction (at rmw_op) is an f64 add or subtract with an
     * operand just loaded into its slot: that load's site, serial and epoch,
     * and where the operand is in the instruction (see fuse_rmw). */
    uint32_t rmw_op, rmw_load, rmw_serial, rmw_epoch, rmw_pos;
    bool last_produced; /* the last instruction wrote the slot in ops[last + 1] */
    bool entry;         /* no label yet: straight from the function's entry */
    bool failed;
} comp;

enum { IN_SLOT, IN_LOCAL, IN_CONST };

typedef struct vloc {
    uint8_t where;
    uint32_t local;  /* IN_LOCAL */
    uint64_t k;      /* IN_CONST: the bits */
    uint32_t site;   /* IN_SLOT: start of the instruction that wrote the slot, or NONE */
    uint32_t epoch;  /* c->epoch when it did */
    uint32_t serial; /* and its serial number */
} vloc;

/* Stable one-type arrays for block types written as a single value type. */
static const uint8_t k_single[] = {WA_I32, WA_I64, WA_F32, WA_F64, WA_FUNCREF, WA_EXTERNREF};

static const uint8_t *single_type(uint8_t t)
{
    for (size_t i = 0; i < sizeof k_single; i++)
        if (k_single[i] == t)
            return &k_single[i];
    return NULL;
}

static size_t here(const comp *c)
{
    return (size_t)(c->r.p - c->r.start);
}

/* Formats an error once; later errors are side effects of the first. */
#define FAIL(c, kind, ...)                                                                         \
    do {                                                                                           \
        if (!(c)->failed) {                                                                        \
            (c)->failed = true;                                                                    \
            wa_fail((c)->err, kind, WA_SEC_CODE, here(c), __VA_ARGS__);                            \
        }                                                                                          \
        return false;                                                                              \
    } while (0)

#define INVALID(c, ...) FAIL(c, WA_ERR_INVALID, __VA_ARGS__)
#define MALFORMED(c, ...) FAIL(c, WA_ERR_MALFORMED, __VA_ARGS__)
#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            return false;                                                                          \
    } while (0)

static bool grow(comp *c, void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint32_t n = *cap ? *cap : 64;
    while (n < need) {
        if (n > UINT32_MAX / 2)
            FAIL(c, WA_ERR_LIMIT, "function too large");
        n *= 2;
    }
    void *q = realloc(*p, (size_t)n * elem);
    if (!q)
        FAIL(c, WA_ERR_NOMEM, "out of memory translating function %u", c->func);
    *p = q;
    *cap = n;
    return true;
}

/* ---- emission ------------------------------------------------------------ */

static ctl *top(comp *c)
{
    return &c->ctls[c->nctls - 1];
}
static bool live(comp *c)
{
    return !top(c)->unreachable && !top(c)->dead;
}

static bool emit(comp *c, uint32_t u)
{
    if (!live(c))
        return true;
    CHECK(grow(c, (void **)&c->ops, &c->capops, c->nops + 1, sizeof *c->ops));
    c->ops[c->nops++] = u;
    return true;
}

/* Whether an op has an effect that a load may not be moved across: it
 * writes memory, a global or a table, transfers control, or may trap
 * otherwise than as an out-of-bounds load does. (Loads may trap too, but
 * all the same way, and they change nothing: of two loads, which traps
 * first cannot be seen.) */
static bool has_effect(uint32_t op)
{
    switch (op) {
    case WA_OP_COPY:
    case WA_OP_SELECT:
    case WA_OP_CONST32:
    case WA_OP_CONST64:
    case WA_OP_GLOBAL_GET:
    case WA_OP_REF_IS_NULL:
    case WA_OP_REF_FUNC:
    case WA_OP_TABLE_SIZE:
    case WA_OP_MEMORY_SIZE:
        return false;
    }
    if ((op >= WA_OP_I32_LOAD && op <= WA_OP_I64_LOAD32_U) ||
        (op >= WA_OP_I32_TRUNC_SAT_F32_S && op <= WA_OP_I64_TRUNC_SAT_F64_U))
        return false;
    if (op < WA_OP_NUMERIC_FIRST)
        return true;
    return (op >= WA_OP_I32_DIV_S && op <= WA_OP_I32_REM_U) ||
           (op >= WA_OP_I64_DIV_S && op <= WA_OP_I64_REM_U) ||
           (op >= WA_OP_I32_TRUNC_F32_S && op <= WA_OP_I32_TRUNC_F64_U) ||
           (op >= WA_OP_I64_TRUNC_F32_S && op <= WA_OP_I64_TRUNC_F64_U) ||
           (op >= WA_OP_JMP_I32_EQ && op <= WA_OP_JMP_I32_GE_U_IMM) ||
           (op >= WA_OP_I32_DIV_S_IMM && op <= WA_OP_I32_REM_U_IMM) ||
           (op >= WA_OP_I64_DIV_S_IMM && op <= WA_OP_I64_REM_U_IMM) ||
           (op >= WA_OP_STORE8_IMM && op <= WA_OP_STORE64_IMM) ||
           (op >= WA_OP_F64_MEM_ADD && op <= WA_OP_STORE_SHR_SHL_OR) ||
           (op >= WA_OP_JMP_ANY && op <= WA_OP_ADD_JMP_I32_GE_U_IMM_LOOP);
}

/* Starts an instruction: every instruction begins with emit_op, so `last`
 * always knows where the latest one starts. */
static bool emit_op(comp *c, uint32_t op)
{
    if (!live(c))
        return true;
    c->serial++;
    c->prev = c->last;
    c->last = c->nops;
    c->last_produced = false;
    c->rmw_op = NONE;
    if (has_effect(op))
        c->effect = c->serial;
    return emit(c, op);
}

static bool emit2(comp *c, uint32_t op, uint32_t a)
{
    return emit_op(c, op) && emit(c, a);
}
static bool emit3(comp *c, uint32_t op, uint32_t a, uint32_t b)
{
    return emit_op(c, op) && emit(c, a) && emit(c, b);
}
static bool emit4(comp *c, uint32_t op, uint32_t a, uint32_t b, uint32_t d)
{
    return emit3(c, op, a, b) && emit(c, d);
}

/* Marks the instruction just emitted as writing its first operand (a slot),
 * which local.set may then redirect. */
static bool produced(comp *c)
{
    c->last_produced = live(c);
    if (c->last_produced) {
        c->vlocs[c->nvals - 1].site = c->last;
        c->vlocs[c->nvals - 1].epoch = c->epoch;
        c->vlocs[c->nvals - 1].serial = c->serial;
    }
    return true;
}

/* A branch target lands here: the code before is no longer the only way in. */
static void label_here(comp *c)
{
    c->last = NONE;
    c->prev = NONE;
    c->entry = false;
    c->last_produced = false;
    c->epoch++;
}

/* Ends an epoch without a label: a branch or a call. Code before it can no
 * longer be moved past it (see address()). */
static void barrier(comp *c)
{
    c->epoch++;
}

/* The slot holding the value at stack height h. */
static uint32_t slot(const comp *c, uint32_t h)
{
    return c->nlocals + h;
}

/* ---- the type stack and value locations --------------------------------- */

static bool push_at(comp *c, uint8_t t, vloc v)
{
    CHECK(grow(c, (void **)&c->vals, &c->capvals, c->nvals + 1, 1));
    CHECK(grow(c, (void **)&c->vlocs, &c->capvlocs, c->nvals + 1, sizeof *c->vlocs));
    c->vlocs[c->nvals] = v;
    c->vals[c->nvals++] = t;
    if (c->nvals > c->max_height)
        c->max_height = c->nvals;
    return true;
}

static bool push(comp *c, uint8_t t)
{
    return push_at(c, t, (vloc){.where = IN_SLOT, .site = NONE});
}

static bool push_n(comp *c, const uint8_t *ts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        CHECK(push(c, ts[i]));
    return true;
}

/* Pops one value, expected of type `want` (UNKNOWN = any); stores the
 * actual type (UNKNOWN in dead code) in *got. The popped entry's location
 * stays readable at vlocs[nvals] until the next push. */
static bool pop(comp *c, uint8_t want, uint8_t *got)
{
    ctl *f = top(c);
    uint8_t t;
    if (c->nvals == f->height) {
        if (!f->unreachable)
            INVALID(c, "type mismatch: operand stack empty");
        t = UNKNOWN;
    } else {
        t = c->vals[--c->nvals];
    }
    if (want != UNKNOWN && t != UNKNOWN && t != want)
        INVALID(c, "type mismatch: expected 0x%02x, got 0x%02x", want, t);
    if (got)
        *got = t;
    return true;
}

static bool pop_n(comp *c, const uint8_t *ts, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        CHECK(pop(c, ts[i], NULL));
    return true;
}

/* Writes the value of entry h into slot `dst`. When the last instruction
 * computed that value, it is redirected to write `dst` instead: entry h's
 * own slot is then stale, which callers accept (the entry is being
 * consumed: local.set, or values leaving by a branch). Nothing ran since
 * that instruction, so no one can have read its old destination. */
static bool emit_move(comp *c, uint32_t dst, uint32_t h)
{
    const vloc *v = &c->vlocs[h];
    if (v->where == IN_CONST) {
        if (v->k >> 32)
            return emit4(c, WA_OP_CONST64, dst, (uint32_t)v->k, (uint32_t)(v->k >> 32));
        return emit3(c, WA_OP_CONST32, dst, (uint32_t)v->k);
    }
    uint32_t src = v->where == IN_LOCAL ? v->local : slot(c, h);
    if (src == dst)
        return true;
    if (v->where == IN_SLOT && c->last_produced && c->ops[c->last + 1] == src) {
        c->ops[c->last + 1] = dst;
        c->last_produced = false;
        return true;
    }
    return emit3(c, WA_OP_COPY, dst, src);
}

/* Puts entry h's value into its own slot. */
static bool materialize(comp *c, uint32_t h)
{
    if (!live(c) || c->vlocs[h].where == IN_SLOT)
        return true;
    CHECK(emit_move(c, slot(c, h), h));
    c->vlocs[h].where = IN_SLOT;
    c->vlocs[h].site = NONE;
    return true;
}

/* Entries [from, nvals) into their slots. */
static bool materialize_from(comp *c, uint32_t from)
{
    for (uint32_t h = from; h < c->nvals; h++)
        CHECK(materialize(c, h));
    return true;
}

/* The slot to read entry h from, for an entry just popped or on the stack.
 * Constants are materialized: callers that take immediates check first.
 * Call it before emitting the instruction that uses it. */
static uint32_t opnd(comp *c, uint32_t h)
{
    if (!live(c))
        return 0;
    if (c->vlocs[h].where == IN_CONST)
        materialize(c, h);
    return c->vlocs[h].where == IN_LOCAL ? c->vlocs[h].local : slot(c, h);
}

/* Whether entry h is a constant that fits a 32-bit immediate of type t. */
static bool imm_of(const comp *c, uint32_t h, uint8_t t, uint32_t *k)
{
    const vloc *v = &c->vlocs[h];
    if (v->where != IN_CONST)
        return false;
    if (t == WA_I64 && (int64_t)v->k != (int64_t)(int32_t)v->k)
        return false;
    *k = (uint32_t)v->k;
    return true;
}

/* ---- branches -------------------------------------------------------------- */

static void patch_chain(comp *c, uint32_t site, uint32_t target)
{
    while (site != NONE) {
        uint32_t next = c->ops[site];
        c->ops[site] = target;
        site = next;
    }
}

/* The target of a loop's back edge, the branch op at c->last having been
 * emitted but for it: the op becomes its _LOOP form, which does the work of
 * the FUEL op opening the loop body and jumps past it. When an I32_ADD_IMM
 * of the value the branch tests comes right before (a loop counter), the
 * two become one ADD_JMP op; it adds then branches, as the two did. */
static bool emit_loop_target(comp *c, const ctl *l)
{
    uint32_t *b = &c->ops[c->last], op = b[0], imm = 0, reg = 0, x = NONE;
    if (op == WA_OP_JMP) {
        b[0] = WA_OP_JMP_LOOP;
    } else if (op == WA_OP_JMP_IF || op == WA_OP_JMP_IFNOT) {
        b[0] = op == WA_OP_JMP_IF ? WA_OP_JMP_IF_LOOP : WA_OP_JMP_IFNOT_LOOP;
        imm = op == WA_OP_JMP_IF ? WA_OP_ADD_JMP_I32_NE_IMM_LOOP : WA_OP_ADD_JMP_I32_EQ_IMM_LOOP;
        x = 0; /* tests c != 0 or c == 0 */
    } else if (op >= WA_OP_JMP_I32_EQ && op <= WA_OP_JMP_I32_GE_U) {
        b[0] = WA_OP_JMP_I32_EQ_LOOP + (op - WA_OP_JMP_I32_EQ);
        reg = WA_OP_ADD_JMP_I32_EQ_LOOP + (op - WA_OP_JMP_I32_EQ);
        x = b[2];
    } else if (op >= WA_OP_JMP_I32_EQ_IMM && op <= WA_OP_JMP_I32_GE_U_IMM) {
        b[0] = WA_OP_JMP_I32_EQ_IMM_LOOP + (op - WA_OP_JMP_I32_EQ_IMM);
        imm = WA_OP_ADD_JMP_I32_EQ_IMM_LOOP + (op - WA_OP_JMP_I32_EQ_IMM);
        x = b[2];
    } else {
        return emit(c, l->label); /* JMP_ANY, JMP_NONE: to the FUEL op itself */
    }
    uint32_t p = c->prev;
    if ((imm || reg) && !l->calls && p != NONE && p + 4 == c->last &&
        c->ops[p] == WA_OP_I32_ADD_IMM && c->ops[p + 1] == b[1]) {
        c->ops[p] = imm ? imm : reg; /* d a k stay; the comparand follows */
        c->ops[p + 4] = x;
        c->nops = p + 5;
        c->last = p;
        c->prev = NONE;
    }
    return emit(c, l->label + 2);
}

/* Emits a branch target operand for label `l`: known for loops, chained
 * for blocks until their end. */
static bool emit_target(comp *c, ctl *l)
{
    if (!live(c))
        return true;
    if (l->kind == CTL_LOOP)
        return emit_loop_target(c, l);
    uint32_t site = c->nops;
    CHECK(emit(c, l->patches));
    l->patches = site;
    return true;
}

static uint32_t label_arity(const ctl *l)
{
    return l->kind == CTL_LOOP ? l->nparams : l->nresults;
}
static const uint8_t *label_types(const ctl *l)
{
    return l->kind == CTL_LOOP ? l->params : l->results;
}

/* Where label l wants its i-th value: the function's results go to slots
 * [0, nresults), a block's to the slots above its base height. */
static uint32_t label_slot(const comp *c, const ctl *l, uint32_t i)
{
    return l->kind == CTL_FUNC ? i : slot(c, l->height + i);
}

static bool needs_copies(const comp *c, const ctl *l, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = c->nvals - n + i;
        if (c->vlocs[h].where != IN_SLOT || slot(c, h) != label_slot(c, l, i))
            return true;
    }
    return false;
}

/* Moves the top `n` values to where label `l` expects them. Targets never
 * lie above their sources, so copying upwards from the lowest is safe for
 * stack slots. The function's result slots are locals, though: a value
 * still read from a local that an earlier copy overwrites is first saved in
 * its entry's own (unused) slot. The entries' records stay as they are,
 * because a conditional branch (br_if, br_table) runs these copies on one
 * path only: the other path still finds each value where its record says. */
static bool saved_in_slot(const comp *c, const ctl *l, uint32_t h, uint32_t i)
{
    const vloc *v = &c->vlocs[h];
    return l->kind == CTL_FUNC && v->where == IN_LOCAL && v->local < i;
}

static bool emit_branch_copies(comp *c, const ctl *l, uint32_t n)
{
    uint32_t base = c->nvals - n;
    for (uint32_t i = 0; i < n; i++)
        if (saved_in_slot(c, l, base + i, i))
            CHECK(emit3(c, WA_OP_COPY, slot(c, base + i), c->vlocs[base + i].local));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t dst = label_slot(c, l, i), h = base + i;
        if (saved_in_slot(c, l, h, i))
            CHECK(emit3(c, WA_OP_COPY, dst, slot(c, h)));
        else
            CHECK(emit_move(c, dst, h));
    }
    return true;
}

/* An unconditional branch to label l (values on top of the stack). */
static bool emit_branch(comp *c, ctl *l)
{
    if (!live(c))
        return true;
    barrier(c);
    CHECK(emit_branch_copies(c, l, label_arity(l)));
    if (l->kind == CTL_FUNC)
        return emit_op(c, WA_OP_RET);
    return emit_op(c, WA_OP_JMP) && emit_target(c, l);
}

/* A conditional jump taken when slot a is non-zero (when_true) or zero, a
 * holding the i32 entry just popped at height h, or what an i32.eqz of it
 * tested, in h's slot too. When the last instruction computed a as
 * `i32.and x, k` (and only the branch reads it, in h's slot), the branch
 * tests x & k itself: JMP_ANY or JMP_NONE. */
static bool emit_bit_test(comp *c, uint32_t a, uint32_t h, bool when_true)
{
    const uint32_t *last = c->last != NONE ? &c->ops[c->last] : NULL;
    if (last && last[0] == WA_OP_I32_AND_IMM && last[1] == a && a == slot(c, h)) {
        uint32_t x = last[2], k = last[3];
        c->nops = c->last;
        c->last = c->prev;
        return emit3(c, when_true ? WA_OP_JMP_ANY : WA_OP_JMP_NONE, x, k);
    }
    return emit2(c, when_true ? WA_OP_JMP_IF : WA_OP_JMP_IFNOT, a);
}

/* A conditional jump on the i32 entry just popped at height h, taken when
 * the value is non-zero (when_true) or zero. When the last instruction
 * computed that value with an i32 comparison, the two fuse into one
 * compare-and-branch. The target operand is emitted by the caller. */
static bool emit_cond_jump(comp *c, uint32_t h, bool when_true)
{
    if (!live(c))
        return true;
    barrier(c);
    uint32_t *last = c->last != NONE ? &c->ops[c->last] : NULL;
    if (last && c->last_produced && last[1] == slot(c, h) && c->vlocs[h].where == IN_SLOT) {
        uint32_t op = last[0], base = 0; /* operands are read once the length is known */
        if (op >= WA_OP_I32_EQ && op <= WA_OP_I32_GE_U)
            base = WA_OP_JMP_I32_EQ, op -= WA_OP_I32_EQ;
        else if (op >= WA_OP_I32_EQ_IMM && op <= WA_OP_I32_GE_U_IMM)
            base = WA_OP_JMP_I32_EQ_IMM, op -= WA_OP_I32_EQ_IMM;
        if (base) {
            /* Negations by offset from EQ: eq/ne, lt_s/ge_s, lt_u/ge_u,
             * gt_s/le_s, gt_u/le_u. */
            static const uint8_t k_negate[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
            if (!when_true)
                op = k_negate[op];
            uint32_t a = last[2], b = last[3];
            c->nops = c->last; /* the branch takes the comparison's place */
            c->last = c->prev;
            return emit3(c, base + op, a, b);
        }
        if (op == WA_OP_I32_EQZ) { /* tests the eqz's operand, maybe a bit test */
            uint32_t a = last[2];
            c->nops = c->last;
            c->last = c->prev;
            return emit_bit_test(c, a, h, !when_true);
        }
        if (op == WA_OP_I32_AND_IMM)
            return emit_bit_test(c, slot(c, h), h, when_true);
    }
    uint32_t cond = opnd(c, h);
    return emit2(c, when_true ? WA_OP_JMP_IF : WA_OP_JMP_IFNOT, cond);
}

static bool fuel_open(comp *c)
{
    if (!live(c))
        return true;
    if (c->fuel_site != NONE)
        c->ops[c->fuel_site] = c->fuel_count ? c->fuel_count : 1;
    CHECK(emit_op(c, WA_OP_FUEL));
    c->fuel_site = c->nops;
    c->fuel_count = 0;
    return emit(c, 0);
}

static bool push_ctl(comp *c, uint8_t kind, const uint8_t *params, uint32_t np,
                     const uint8_t *results, uint32_t nr)
{
    bool dead = c->nctls ? !live(c) : false;
    CHECK(grow(c, (void **)&c->ctls, &c->capctls, c->nctls + 1, sizeof *c->ctls));
    ctl *f = &c->ctls[c->nctls++];
    *f = (ctl){.kind = kind,
               .dead = dead,
               .nparams = np,
               .nresults = nr,
               .params = params,
               .results = results,
               .height = c->nvals,
               .label = NONE,
               .patches = NONE,
               .else_site = NONE};
    return push_n(c, params, np);
}

static bool set_unreachable(comp *c)
{
    ctl *f = top(c);
    c->nvals = f->height;
    f->unreachable = true;
    return true;
}

/* ---- immediates ------------------------------------------------------------ */

static bool rd_u32(comp *c, uint32_t *v)
{
    if (!wa_read_u32(&c->r, v))
        MALFORMED(c, "malformed immediate (integer or unexpected end)");
    return true;
}

static bool rd_u8(comp *c, uint8_t *v)
{
    if (!wa_read_u8(&c->r, v))
        MALFORMED(c, "unexpected end");
    return true;
}

static bool rd_zero(comp *c)
{
    uint8_t b;
    CHECK(rd_u8(c, &b));
    if (b != 0)
        MALFORMED(c, "zero byte expected");
    return true;
}

static bool rd_blocktype(comp *c, const uint8_t **params, uint32_t *np, const uint8_t **results,
                         uint32_t *nr)
{
    int64_t bt;
    if (!wa_read_s33(&c->r, &bt))
        MALFORMED(c, "malformed block type");
    *params = NULL;
    *np = 0;
    *results = NULL;
    *nr = 0;
    if (bt == -64)
        return true; /* 0x40: [] -> [] */
    if (bt < 0) {
        const uint8_t *t = single_type((uint8_t)(bt & 0x7f));
        if (!t)
            MALFORMED(c, "malformed value type in block type");
        *results = t;
        *nr = 1;
        return true;
    }
    if ((uint64_t)bt >= c->m->ntypes)
        INVALID(c, "unknown type %lld", (long long)bt);
    const wa_functype *ft = &c->m->types[bt];
    *params = ft->types;
    *np = ft->nparams;
    *results = ft->types + ft->nparams;
    *nr = ft->nresults;
    return true;
}

/* ---- instruction groups ------------------------------------------------- */

static bool op_unary(comp *c, uint32_t op, uint8_t in, uint8_t out)
{
    CHECK(pop(c, in, NULL));
    uint32_t h = c->nvals, a = opnd(c, h);
    CHECK(push(c, out));
    return emit3(c, op, slot(c, h), a) && produced(c);
}

/* The immediate form of binary op `opcode` (a WebAssembly opcode), or 0. */
static uint32_t imm_form(uint8_t opcode)
{
    if (opcode >= 0x46 && opcode <= 0x4f)
        return WA_OP_I32_EQ_IMM + (opcode - 0x46);
    if (opcode >= 0x6a && opcode <= 0x78)
        return WA_OP_I32_ADD_IMM + (opcode - 0x6a);
    if (opcode >= 0x7c && opcode <= 0x8a)
        return WA_OP_I64_ADD_IMM + (opcode - 0x7c);
    return 0;
}

/* Removes the instruction of `len` units at `site` from the code emitted so
 * far, moving what follows down. Only used within one epoch: no branch
 * target, patch site or loop label can lie after it. */
static void cut_instruction(comp *c, uint32_t site, uint32_t len)
{
    memmove(&c->ops[site], &c->ops[site + len], (c->nops - site - len) * sizeof *c->ops);
    c->nops -= len;
    if (c->last != NONE && c->last > site)
        c->last -= len;
    if (c->prev != NONE && c->prev >= site)
        c->prev = c->prev == site ? NONE : c->prev - len;
    if (c->fuel_site != NONE && c->fuel_site > site)
        c->fuel_site -= len;
    if (c->rmw_op != NONE && c->rmw_op > site)
        c->rmw_op -= len;
    if (c->rmw_op != NONE && c->rmw_load > site)
        c->rmw_load -= len;
    for (uint32_t k = 0; k < c->nvals; k++)
        if (c->vlocs[k].site != NONE && c->vlocs[k].site > site && c->vlocs[k].where == IN_SLOT)
            c->vlocs[k].site -= len;
}

/* A load that computed a popped entry into its own slot in this epoch. */
typedef struct loadref {
    uint32_t site, serial; /* site NONE: none */
} loadref;

/* The load of type `op` (I64_LOAD for f64 values) that computed entry e, if
 * any. Read it before pushing over e. */
static loadref loaded_by(const comp *c, uint32_t e, uint32_t op)
{
    const vloc *v = &c->vlocs[e];
    if (v->where != IN_SLOT || v->site == NONE || v->epoch != c->epoch || c->ops[v->site] != op ||
        c->ops[v->site + 1] != slot(c, e))
        return (loadref){NONE, 0};
    return (loadref){v->site, v->serial};
}

/* Records, right after emitting it, that the last instruction reads the
 * result of load `l` as operand `pos` (a unit index in the instruction). */
static void note_rmw(comp *c, loadref l, uint32_t pos)
{
    if (l.site == NONE || !live(c))
        return;
    c->rmw_op = c->last;
    c->rmw_load = l.site;
    c->rmw_serial = l.serial;
    c->rmw_epoch = c->epoch;
    c->rmw_pos = pos;
}

/* Whether operand x of the instruction that produced entry p still holds
 * what it held then: true when nothing ran since, for p's own slot (p is
 * still on the stack), and for a local not written since. */
static bool operand_intact(const comp *c, uint32_t p, uint32_t x)
{
    const vloc *v = &c->vlocs[p];
    if (v->site == c->last || x == slot(c, p))
        return true;
    return x < c->nlocals && c->written[x] <= v->serial;
}

/* f64.add or f64.sub of a product computed in this epoch: one
 * F64_MUL_ADD/MUL_SUB/SUB_MUL instead, saving a dispatch and a trip of the
 * product through its slot. The multiply may lie before the other operand's
 * computation (a load, say): it is cut out when its factors are intact.
 * Entries h, h+1 were just popped. */
static bool fuse_multiply_add(comp *c, uint8_t opcode, uint32_t h, bool *done)
{
    *done = false;
    if (!live(c))
        return true;
    for (uint32_t product = h + 2; product-- > h;) { /* the later operand first */
        const vloc *v = &c->vlocs[product];
        uint32_t other = product == h ? h + 1 : h;
        if (v->where != IN_SLOT || v->site == NONE || v->epoch != c->epoch ||
            c->ops[v->site] != WA_OP_F64_MUL || c->ops[v->site + 1] != slot(c, product) ||
            c->vlocs[other].where == IN_CONST) /* its materialization could clobber a factor */
            continue;
        uint32_t site = v->site, a = c->ops[site + 2], b = c->ops[site + 3];
        if (!operand_intact(c, product, a) || !operand_intact(c, product, b))
            continue;
        uint32_t x = opnd(c, other); /* a local or a slot: emits nothing */
        uint32_t op = opcode == 0xa0 ? WA_OP_F64_MUL_ADD
                      : product == h ? WA_OP_F64_MUL_SUB  /* a*b - x */
                                     : WA_OP_F64_SUB_MUL; /* x - a*b */
        /* x + a*b and x - a*b may become read-modify-writes of x's memory */
        loadref load = {NONE, 0};
        if (op != WA_OP_F64_MUL_SUB)
            load = loaded_by(c, other, WA_OP_I64_LOAD);
        if (load.site != NONE && load.site > site)
            load.site -= 4;
        if (c->last == site)
            c->last = NONE;
        cut_instruction(c, site, 4);
        CHECK(push(c, WA_F64));
        *done = true;
        CHECK(emit4(c, op, slot(c, h), a, b) && emit(c, x) && produced(c));
        note_rmw(c, load, 4);
        return true;
    }
    return true;
}

/* i32.or of two constant shifts, one left and one unsigned right, that the
 * last two instructions computed: one I32_SHL_SHR_OR/SHR_SHL_OR instead.
 * Entry h's shift ran first: it cannot have changed the second shift's
 * source (a local or slot h+1), nor the second its own (a local or slot h),
 * so reading both sources at the end gives the same values. */
static bool fuse_shift_merge(comp *c, uint32_t h, bool *done)
{
    *done = false;
    if (!live(c) || c->last == NONE || !c->last_produced)
        return true;
    const vloc *x = &c->vlocs[h], *y = &c->vlocs[h + 1];
    if (x->where != IN_SLOT || y->where != IN_SLOT || x->site == NONE || y->site != c->last ||
        x->site + 4 != y->site || x->epoch != c->epoch || c->ops[x->site + 1] != slot(c, h) ||
        c->ops[y->site + 1] != slot(c, h + 1))
        return true;
    uint32_t first = c->ops[x->site], second = c->ops[y->site], op;
    if (first == WA_OP_I32_SHL_IMM && second == WA_OP_I32_SHR_U_IMM)
        op = WA_OP_I32_SHL_SHR_OR;
    else if (first == WA_OP_I32_SHR_U_IMM && second == WA_OP_I32_SHL_IMM)
        op = WA_OP_I32_SHR_SHL_OR;
    else
        return true;
    uint32_t a = c->ops[x->site + 2], k = c->ops[x->site + 3];
    uint32_t b = c->ops[y->site + 2], j = c->ops[y->site + 3];
    c->nops = x->site;
    c->last = NONE;
    CHECK(push(c, WA_I32));
    *done = true;
    return emit4(c, op, slot(c, h), a, k) && emit(c, b) && emit(c, j) && produced(c);
}

/* Whether `op` only computes an i32 from slots into its destination slot
 * (ops[site + 1]): no memory write, no branch, no state of its own. */
static bool is_plain_i32(uint32_t op)
{
    return (op >= WA_OP_I32_ADD && op <= WA_OP_I32_ROTR) ||
           (op >= WA_OP_I32_ADD_IMM && op <= WA_OP_I32_ROTR_IMM) || op == WA_OP_I32_LOAD ||
           op == WA_OP_I32_ADD_SHL;
}

/* The other order, `(y << k) + (a op b)`: the shift's result (slot h), then
 * the instruction right after it computing the add's second operand (slot
 * h + 1). That instruction cannot read slot h, which stays live below its
 * operands, nor write y, which is a local or lies below h + 1; so it moves
 * up over the shift, which has no effect and cannot trap, and the add reads
 * y itself. */
static bool fuse_shl_then_add(comp *c, uint32_t h, bool *done)
{
    uint32_t p = c->prev, l = c->last;
    if (p == NONE || p + 4 != l || c->ops[p] != WA_OP_I32_SHL_IMM || !is_plain_i32(c->ops[l]))
        return true;
    const vloc *shifted = &c->vlocs[h], *other = &c->vlocs[h + 1];
    if (shifted->where != IN_SLOT || shifted->site != p || c->ops[p + 1] != slot(c, h) ||
        other->where != IN_SLOT || other->site != l || c->ops[l + 1] != slot(c, h + 1))
        return true;
    uint32_t y = c->ops[p + 2], k = c->ops[p + 3], len = wa_op_len[c->ops[l]];
    memmove(&c->ops[p], &c->ops[l], len * sizeof *c->ops);
    c->nops = p + len;
    c->last = p;
    c->prev = NONE;
    CHECK(push(c, WA_I32));
    *done = true;
    return emit4(c, WA_OP_I32_ADD_SHL, slot(c, h), slot(c, h + 1), y) && emit(c, k) && produced(c);
}

/* i32.add of a value and another that the last instruction computed as
 * `i32.shl y, k` (into its own slot, read by nothing else): one I32_ADD_SHL.
 * Nothing ran since the shift, so the other operand and y hold what they
 * held; y may be the shift's own slot, which now keeps y. */
static bool fuse_add_shl(comp *c, uint32_t h, bool *done)
{
    *done = false;
    if (!live(c) || c->last == NONE || !c->last_produced)
        return true;
    if (c->ops[c->last] != WA_OP_I32_SHL_IMM)
        return fuse_shl_then_add(c, h, done);
    for (uint32_t e = h + 2; e-- > h;) {
        const vloc *v = &c->vlocs[e];
        uint32_t other = e == h ? h + 1 : h;
        if (v->where != IN_SLOT || v->site != c->last || c->ops[c->last + 1] != slot(c, e) ||
            c->vlocs[other].where == IN_CONST) /* materializing it would come after */
            continue;
        uint32_t y = c->ops[c->last + 2], k = c->ops[c->last + 3], x = opnd(c, other);
        c->nops = c->last;
        c->last = c->prev;
        CHECK(push(c, WA_I32));
        *done = true;
        return emit4(c, WA_OP_I32_ADD_SHL, slot(c, h), x, y) && emit(c, k) && produced(c);
    }
    return true;
}

static bool op_binary(comp *c, uint8_t opcode, uint32_t op, uint8_t in, uint8_t out)
{
    CHECK(pop(c, in, NULL));
    CHECK(pop(c, in, NULL));
    uint32_t h = c->nvals, k, iop = imm_form(opcode);
    if (opcode == 0x72) { /* i32.or */
        bool done;
        CHECK(fuse_shift_merge(c, h, &done));
        if (done)
            return true;
    }
    if (opcode == 0x6a) { /* i32.add */
        bool done;
        CHECK(fuse_add_shl(c, h, &done));
        if (done)
            return true;
    }
    if (opcode == 0xa0 || opcode == 0xa1) {
        bool done;
        CHECK(fuse_multiply_add(c, opcode, h, &done));
        if (done)
            return true;
    }
    if (iop && live(c) && imm_of(c, h + 1, in, &k)) {
        uint32_t a = opnd(c, h);
        CHECK(push(c, out));
        return emit4(c, iop, slot(c, h), a, k) && produced(c);
    }
    uint32_t a = opnd(c, h), b = opnd(c, h + 1);
    /* m + x, x + m and m - x may become read-modify-writes of m's memory */
    loadref first = {NONE, 0}, second = {NONE, 0};
    if ((opcode == 0xa0 || opcode == 0xa1) && live(c)) {
        first = loaded_by(c, h, WA_OP_I64_LOAD);
        if (opcode == 0xa0)
            second = loaded_by(c, h + 1, WA_OP_I64_LOAD);
    }
    CHECK(push(c, out));
    CHECK(emit4(c, op, slot(c, h), a, b) && produced(c));
    if (second.site != NONE)
        note_rmw(c, second, 3);
    else
        note_rmw(c, first, 2);
    return true;
}

/* Operand and result types of numeric opcodes 0x45..0xc4, by range. */
typedef struct numsig {
    uint8_t first, last, in, out, binary;
} numsig;

static const numsig k_numsigs[] = {
    {0x45, 0x45, WA_I32, WA_I32, 0}, {0x46, 0x4f, WA_I32, WA_I32, 1},
    {0x50, 0x50, WA_I64, WA_I32, 0}, {0x51, 0x5a, WA_I64, WA_I32, 1},
    {0x5b, 0x60, WA_F32, WA_I32, 1}, {0x61, 0x66, WA_F64, WA_I32, 1},
    {0x67, 0x69, WA_I32, WA_I32, 0}, {0x6a, 0x78, WA_I32, WA_I32, 1},
    {0x79, 0x7b, WA_I64, WA_I64, 0}, {0x7c, 0x8a, WA_I64, WA_I64, 1},
    {0x8b, 0x91, WA_F32, WA_F32, 0}, {0x92, 0x98, WA_F32, WA_F32, 1},
    {0x99, 0x9f, WA_F64, WA_F64, 0}, {0xa0, 0xa6, WA_F64, WA_F64, 1},
    {0xa7, 0xa7, WA_I64, WA_I32, 0}, {0xa8, 0xa9, WA_F32, WA_I32, 0},
    {0xaa, 0xab, WA_F64, WA_I32, 0}, {0xac, 0xad, WA_I32, WA_I64, 0},
    {0xae, 0xaf, WA_F32, WA_I64, 0}, {0xb0, 0xb1, WA_F64, WA_I64, 0},
    {0xb2, 0xb3, WA_I32, WA_F32, 0}, {0xb4, 0xb5, WA_I64, WA_F32, 0},
    {0xb6, 0xb6, WA_F64, WA_F32, 0}, {0xb7, 0xb8, WA_I32, WA_F64, 0},
    {0xb9, 0xba, WA_I64, WA_F64, 0}, {0xbb, 0xbb, WA_F32, WA_F64, 0},
    {0xbc, 0xbc, WA_F32, WA_I32, 0}, {0xbd, 0xbd, WA_F64, WA_I64, 0},
    {0xbe, 0xbe, WA_I32, WA_F32, 0}, {0xbf, 0xbf, WA_I64, WA_F64, 0},
    {0xc0, 0xc1, WA_I32, WA_I32, 0}, {0xc2, 0xc4, WA_I64, WA_I64, 0},
};

static bool op_numeric(comp *c, uint8_t opcode)
{
    for (size_t i = 0; i < sizeof k_numsigs / sizeof *k_numsigs; i++) {
        const numsig *s = &k_numsigs[i];
        if (opcode < s->first || opcode > s->last)
            continue;
        uint32_t op = WA_OP_NUMERIC_FIRST + (opcode - 0x45);
        if (opcode >= 0xbc && opcode <= 0xbf) {
            /* reinterpret: the bits stay where they are, only the type changes */
            CHECK(pop(c, s->in, NULL));
            return push_at(c, s->out,
                           live(c) ? c->vlocs[c->nvals] : (vloc){.where = IN_SLOT, .site = NONE});
        }
        return s->binary ? op_binary(c, opcode, op, s->in, s->out) : op_unary(c, op, s->in, s->out);
    }
    MALFORMED(c, "illegal opcode 0x%02x", opcode);
}

/* Natural alignment (log2 of the access size) and types of loads/stores
 * 0x28..0x3e, with the internal op. */
typedef struct memsig {
    uint8_t type, align;
    uint32_t op;
} memsig;

static const memsig k_memsigs[] = {
    {WA_I32, 2, WA_OP_I32_LOAD},     {WA_I64, 3, WA_OP_I64_LOAD},
    {WA_F32, 2, WA_OP_I32_LOAD},     {WA_F64, 3, WA_OP_I64_LOAD},
    {WA_I32, 0, WA_OP_I32_LOAD8_S},  {WA_I32, 0, WA_OP_I32_LOAD8_U},
    {WA_I32, 1, WA_OP_I32_LOAD16_S}, {WA_I32, 1, WA_OP_I32_LOAD16_U},
    {WA_I64, 0, WA_OP_I64_LOAD8_S},  {WA_I64, 0, WA_OP_I64_LOAD8_U},
    {WA_I64, 1, WA_OP_I64_LOAD16_S}, {WA_I64, 1, WA_OP_I64_LOAD16_U},
    {WA_I64, 2, WA_OP_I64_LOAD32_S}, {WA_I64, 2, WA_OP_I64_LOAD32_U},
    {WA_I32, 2, WA_OP_I32_STORE},    {WA_I64, 3, WA_OP_I64_STORE},
    {WA_F32, 2, WA_OP_I32_STORE},    {WA_F64, 3, WA_OP_I64_STORE},
    {WA_I32, 0, WA_OP_I32_STORE8},   {WA_I32, 1, WA_OP_I32_STORE16},
    {WA_I64, 0, WA_OP_I64_STORE8},   {WA_I64, 1, WA_OP_I64_STORE16},
    {WA_I64, 2, WA_OP_I64_STORE32},
};

static bool need_memory(comp *c)
{
    if (c->m->nmems == 0)
        INVALID(c, "unknown memory 0");
    return true;
}

/* The address of a memory access: entry h's slot, or, when entry h was
 * computed as `i32.add x, k` in the current epoch, x with k folded into the
 * access (which adds k with the same 32-bit wraparound), and the add is cut
 * out. That is sound because within an epoch nothing after the add reads
 * its result (entry h is still on the stack) or writes x: x is entry h's
 * own old slot, which stays its, or a local not written since the add. */
static uint32_t address(comp *c, uint32_t h, uint32_t *k)
{
    *k = 0;
    if (!live(c))
        return 0;
    const vloc *v = &c->vlocs[h];
    if (v->where == IN_CONST && c->zero != NONE) { /* (0 + k) mod 2^32 + offset */
        *k = (uint32_t)v->k;
        return c->zero;
    }
    if (v->where == IN_SLOT && v->site != NONE && v->epoch == c->epoch &&
        c->ops[v->site] == WA_OP_I32_ADD_IMM && c->ops[v->site + 1] == slot(c, h) &&
        (c->ops[v->site + 2] >= c->nlocals || c->written[c->ops[v->site + 2]] <= v->serial)) {
        uint32_t site = v->site, a = c->ops[site + 2];
        *k = c->ops[site + 3];
        if (c->last == site)
            c->last = NONE; /* the last instruction is gone: nothing to fuse with */
        cut_instruction(c, site, 4);
        return a;
    }
    return opnd(c, h);
}

/* An f64 store of what the last instruction computed from a load of the
 * same address: m + x, x + m, m - x, a*b + m or m - a*b. One read-modify-write
 * replaces the load, the arithmetic and the store, with one bounds check.
 * The load moves down to the store, which is sound when since the load
 * nothing wrote memory (or anything else), nothing could trap otherwise
 * than as a load does (c->effect), no label or branch came (the epoch), and
 * the address is a local not written since (two address entries never share
 * a stack slot). The arithmetic's other operands are read where they were:
 * just before the store. The last instruction computed the value (entry
 * h + 1) into its own slot; (a, k) is the address as address() folded it. */
static bool fuse_rmw(comp *c, uint32_t a, uint32_t k, uint32_t offset, bool *done)
{
    *done = false;
    uint32_t at = c->last;
    if (at == NONE || c->rmw_op != at || c->rmw_epoch != c->epoch)
        return true;
    const uint32_t *ld = &c->ops[c->rmw_load];
    if (ld[2] != a || ld[3] != k || ld[4] != offset || a >= c->nlocals ||
        c->written[a] > c->rmw_serial || c->effect > c->rmw_serial)
        return true;
    const uint32_t *l = &c->ops[at];
    uint32_t op, x, y = NONE;
    switch (l[0]) {
    case WA_OP_F64_ADD: /* d m x or d x m */
        op = WA_OP_F64_MEM_ADD;
        x = l[c->rmw_pos == 2 ? 3 : 2];
        break;
    case WA_OP_F64_SUB: /* d m x */
        if (c->rmw_pos != 2)
            return true;
        op = WA_OP_F64_MEM_SUB;
        x = l[3];
        break;
    case WA_OP_F64_MUL_ADD: /* d a b m */
    case WA_OP_F64_SUB_MUL:
        op = l[0] == WA_OP_F64_MUL_ADD ? WA_OP_F64_MEM_MUL_ADD : WA_OP_F64_MEM_SUB_MUL;
        x = l[2];
        y = l[3];
        break;
    default:
        return true;
    }
    c->nops = at; /* the arithmetic goes, then the load */
    c->last = NONE;
    c->last_produced = false;
    cut_instruction(c, c->rmw_load, 5);
    *done = true;
    CHECK(emit4(c, op, a, x, k) && emit(c, offset));
    return y == NONE || emit(c, y);
}

/* The MOVE op for a store op of the value a load op just computed, when the
 * two access the same number of bytes, or 0. */
static uint32_t move_form(uint32_t store, uint32_t load)
{
    switch (store) {
    case WA_OP_I32_STORE8:
    case WA_OP_I64_STORE8:
        return load == WA_OP_I32_LOAD8_S || load == WA_OP_I32_LOAD8_U ||
                       load == WA_OP_I64_LOAD8_S || load == WA_OP_I64_LOAD8_U
                   ? WA_OP_MOVE8
                   : 0;
    case WA_OP_I32_STORE16:
    case WA_OP_I64_STORE16:
        return load == WA_OP_I32_LOAD16_S || load == WA_OP_I32_LOAD16_U ||
                       load == WA_OP_I64_LOAD16_S || load == WA_OP_I64_LOAD16_U
                   ? WA_OP_MOVE16
                   : 0;
    case WA_OP_I32_STORE:
    case WA_OP_I64_STORE32:
        return load == WA_OP_I32_LOAD || load == WA_OP_I64_LOAD32_S || load == WA_OP_I64_LOAD32_U
                   ? WA_OP_MOVE32
                   : 0;
    case WA_OP_I64_STORE:
        return load == WA_OP_I64_LOAD ? WA_OP_MOVE64 : 0;
    }
    return 0;
}

static bool op_memory_access(comp *c, uint8_t opcode)
{
    const memsig *s = &k_memsigs[opcode - 0x28];
    uint32_t align, offset, k, v;
    CHECK(rd_u32(c, &align));
    CHECK(rd_u32(c, &offset));
    CHECK(need_memory(c));
    if (align > s->align)
        INVALID(c, "alignment must not be larger than natural");
    if (opcode <= 0x35) { /* load */
        CHECK(pop(c, WA_I32, NULL));
        uint32_t h = c->nvals, a = address(c, h, &k);
        CHECK(push(c, s->type));
        return emit4(c, s->op, slot(c, h), a, k) && emit(c, offset) && produced(c);
    }
    CHECK(pop(c, s->type, NULL));
    CHECK(pop(c, WA_I32, NULL));
    uint32_t h = c->nvals, op = s->op;
    /* A constant value: store it as an immediate (sign-extended for 8 bytes). */
    if (live(c) && imm_of(c, h + 1, s->align == 3 ? WA_I64 : WA_I32, &v))
        op = WA_OP_STORE8_IMM + s->align;
    else
        v = opnd(c, h + 1);
    /* The last instruction computed the value, into its own slot that
     * nobody else reads: the store may take its place. */
    const vloc *val = live(c) ? &c->vlocs[h + 1] : NULL; /* unreachable code has no vlocs */
    uint32_t prod = 0;
    if (val && c->last != NONE && c->last_produced && val->where == IN_SLOT &&
        val->site == c->last && c->ops[c->last + 1] == slot(c, h + 1))
        prod = c->ops[c->last];
    uint32_t a = address(c, h, &k); /* may cut an add before it: c->last follows */
    /* ... or materialize a constant address after it: then it is not the last */
    if (prod &&
        (c->last == NONE || c->ops[c->last] != prod || c->last + wa_op_len[prod] != c->nops))
        prod = 0;
    const uint32_t *p = prod ? &c->ops[c->last] : NULL;
    uint32_t move = prod ? move_form(op, prod) : 0;
    if (move) { /* a load of as many bytes as are stored: nothing ran since */
        uint32_t src = p[2], sk = p[3], so = p[4];
        c->nops = c->last;
        c->last = NONE;
        return emit4(c, move, a, src, k) && emit(c, offset) && emit(c, sk) && emit(c, so);
    }
    if (op == WA_OP_I32_STORE && (prod == WA_OP_I32_SHL_SHR_OR || prod == WA_OP_I32_SHR_SHL_OR)) {
        uint32_t x = p[2], i = p[3], y = p[4], j = p[5];
        c->nops = c->last;
        c->last = NONE;
        return emit4(c,
                     prod == WA_OP_I32_SHL_SHR_OR ? WA_OP_STORE_SHL_SHR_OR : WA_OP_STORE_SHR_SHL_OR,
                     a, x, k) &&
               emit(c, offset) && emit(c, i) && emit(c, y) && emit(c, j);
    }
    if (op == WA_OP_I64_STORE && prod) {
        bool done;
        CHECK(fuse_rmw(c, a, k, offset, &done));
        if (done)
            return true;
    }
    return emit4(c, op, a, v, k) && emit(c, offset);
}

static bool check_table(comp *c, uint32_t t)
{
    if (t >= c->m->ntables)
        INVALID(c, "unknown table %u", t);
    return true;
}

static bool check_elem(comp *c, uint32_t e)
{
    if (e >= c->m->nelems)
        INVALID(c, "unknown elem segment %u", e);
    return true;
}

static bool check_data(comp *c, uint32_t d)
{
    if (!c->m->has_datacount)
        MALFORMED(c, "data count section required");
    if (d >= c->m->datacount)
        INVALID(c, "unknown data segment %u", d);
    return true;
}

/* Pops three operands of types t[0..3) and returns their slots. */
static bool pop3(comp *c, const uint8_t t[3], uint32_t s[3])
{
    CHECK(pop_n(c, t, 3));
    for (uint32_t i = 0; i < 3; i++)
        s[i] = opnd(c, c->nvals + i);
    return true;
}

static const uint8_t k_i32x3[3] = {WA_I32, WA_I32, WA_I32};

/* The 0xfc prefix: saturating truncation, bulk memory, table ops. */
static bool op_prefixed(comp *c)
{
    uint32_t sub, x, y, o[3];
    CHECK(rd_u32(c, &sub));
    static const uint8_t sat_in[8] = {WA_F32, WA_F32, WA_F64, WA_F64,
                                      WA_F32, WA_F32, WA_F64, WA_F64};
    if (sub <= 7)
        return op_unary(c, WA_OP_I32_TRUNC_SAT_F32_S + sub, sat_in[sub], sub < 4 ? WA_I32 : WA_I64);
    switch (sub) {
    case 8: /* memory.init data 0x00 */
        CHECK(rd_u32(c, &x));
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(check_data(c, x));
        CHECK(pop3(c, k_i32x3, o));
        return emit4(c, WA_OP_MEMORY_INIT, x, o[0], o[1]) && emit(c, o[2]);
    case 9: /* data.drop */
        CHECK(rd_u32(c, &x));
        CHECK(check_data(c, x));
        return emit2(c, WA_OP_DATA_DROP, x);
    case 10: /* memory.copy 0x00 0x00 */
        CHECK(rd_zero(c));
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(pop3(c, k_i32x3, o));
        return emit4(c, WA_OP_MEMORY_COPY, o[0], o[1], o[2]);
    case 11: /* memory.fill 0x00 */
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(pop3(c, k_i32x3, o));
        return emit4(c, WA_OP_MEMORY_FILL, o[0], o[1], o[2]);
    case 12: /* table.init elem table */
        CHECK(rd_u32(c, &y));
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(check_elem(c, y));
        if (c->m->elems[y].reftype != c->m->tables[x].elem)
            INVALID(c, "type mismatch");
        CHECK(pop3(c, k_i32x3, o));
        return emit3(c, WA_OP_TABLE_INIT, x, y) && emit(c, o[0]) && emit(c, o[1]) && emit(c, o[2]);
    case 13: /* elem.drop */
        CHECK(rd_u32(c, &x));
        CHECK(check_elem(c, x));
        return emit2(c, WA_OP_ELEM_DROP, x);
    case 14: /* table.copy dst src */
        CHECK(rd_u32(c, &x));
        CHECK(rd_u32(c, &y));
        CHECK(check_table(c, x));
        CHECK(check_table(c, y));
        if (c->m->tables[x].elem != c->m->tables[y].elem)
            INVALID(c, "type mismatch");
        CHECK(pop3(c, k_i32x3, o));
        return emit3(c, WA_OP_TABLE_COPY, x, y) && emit(c, o[0]) && emit(c, o[1]) && emit(c, o[2]);
    case 15: { /* table.grow: init n -> old size */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(pop(c, WA_I32, NULL));
        CHECK(pop(c, c->m->tables[x].elem, NULL));
        uint32_t h = c->nvals, init = opnd(c, h), n = opnd(c, h + 1);
        CHECK(push(c, WA_I32));
        return emit4(c, WA_OP_TABLE_GROW, slot(c, h), x, init) && emit(c, n) && produced(c);
    }
    case 16: /* table.size */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(push(c, WA_I32));
        return emit3(c, WA_OP_TABLE_SIZE, slot(c, c->nvals - 1), x) && produced(c);
    case 17: { /* table.fill: i v n */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        const uint8_t t[3] = {WA_I32, c->m->tables[x].elem, WA_I32};
        CHECK(pop3(c, t, o));
        return emit4(c, WA_OP_TABLE_FILL, x, o[0], o[1]) && emit(c, o[2]);
    }
    }
    MALFORMED(c, "illegal opcode 0xfc %u", sub);
}

static bool op_block(comp *c, uint8_t kind)
{
    const uint8_t *p, *r;
    uint32_t np, nr, h = 0;
    CHECK(rd_blocktype(c, &p, &np, &r, &nr));
    if (kind == CTL_IF) {
        CHECK(pop(c, WA_I32, NULL));
        h = c->nvals; /* above the params; materializing them leaves it alone */
    }
    CHECK(pop_n(c, p, np));
    /* Everything on the stack, params included, goes to its slot: code in
     * the block may set locals that entries name, and only some paths
     * would run a copy made later. */
    uint32_t base = c->nvals;
    c->nvals = base + np;
    CHECK(materialize_from(c, 0));
    c->nvals = base;
    if (kind == CTL_IF)
        CHECK(emit_cond_jump(c, h, false));
    CHECK(push_ctl(c, kind, p, np, r, nr));
    ctl *f = top(c);
    if (kind == CTL_LOOP) {
        label_here(c);
        f->label = c->nops; /* back edges pay the loop's FUEL again */
        CHECK(fuel_open(c));
    } else if (kind == CTL_IF && live(c)) {
        f->else_site = c->nops;
        CHECK(emit(c, NONE));
    }
    return true;
}

static bool op_else(comp *c)
{
    ctl *f = top(c);
    if (f->kind != CTL_IF)
        MALFORMED(c, "else without if");
    CHECK(pop_n(c, f->results, f->nresults));
    if (c->nvals != f->height)
        INVALID(c, "type mismatch: values remain at else");
    if (live(c)) {
        c->nvals += f->nresults; /* the results leave in their slots */
        CHECK(materialize_from(c, f->height));
        c->nvals -= f->nresults;
        CHECK(emit_op(c, WA_OP_JMP));
        CHECK(emit_target(c, f));
    }
    if (f->else_site != NONE)
        patch_chain(c, f->else_site, c->nops);
    label_here(c);
    f->else_site = NONE;
    f->kind = CTL_ELSE;
    f->unreachable = false;
    return push_n(c, f->params, f->nparams);
}

/* `end`: returns true with *done set when the function body is complete. */
static bool op_end(comp *c, bool *done)
{
    ctl *f = top(c);
    CHECK(pop_n(c, f->results, f->nresults));
    if (c->nvals != f->height)
        INVALID(c, "type mismatch: values remain at end of block");
    if (f->kind == CTL_IF) { /* no else: the params flow through as results */
        if (f->nparams != f->nresults ||
            (f->nparams && memcmp(f->params, f->results, f->nparams) != 0))
            INVALID(c, "type mismatch: if without else");
    }
    if (f->kind == CTL_FUNC) {
        if (live(c)) {
            c->nvals += f->nresults; /* results are on the stack for the copies */
            CHECK(emit_branch_copies(c, f, f->nresults));
            CHECK(emit_op(c, WA_OP_RET));
        }
        if (c->fuel_site != NONE)
            c->ops[c->fuel_site] = c->fuel_count ? c->fuel_count : 1;
        c->nctls--;
        *done = true;
        return true;
    }
    if (live(c)) {
        c->nvals += f->nresults;
        CHECK(materialize_from(c, f->height));
        c->nvals -= f->nresults;
    }
    patch_chain(c, f->patches, c->nops);
    if (f->else_site != NONE)
        patch_chain(c, f->else_site, c->nops);
    label_here(c);
    const uint8_t *res = f->results;
    uint32_t nr = f->nresults;
    c->nctls--;
    return push_n(c, res, nr);
}

static bool rd_label(comp *c, ctl **out)
{
    uint32_t depth;
    CHECK(rd_u32(c, &depth));
    if (depth >= c->nctls)
        INVALID(c, "unknown label %u", depth);
    *out = &c->ctls[c->nctls - 1 - depth];
    return true;
}

static bool op_br(comp *c)
{
    ctl *l;
    CHECK(rd_label(c, &l));
    CHECK(pop_n(c, label_types(l), label_arity(l)));
    c->nvals += label_arity(l); /* the values are still there for the copies */
    CHECK(emit_branch(c, l));
    return set_unreachable(c);
}

static bool op_br_if(comp *c)
{
    ctl *l;
    CHECK(rd_label(c, &l));
    CHECK(pop(c, WA_I32, NULL));
    uint32_t h = c->nvals;
    uint32_t n = label_arity(l);
    CHECK(pop_n(c, label_types(l), n));
    if (!live(c))
        return push_n(c, label_types(l), n);
    c->nvals += n; /* the label's values stay on the stack, where they are */
    if (l->kind != CTL_FUNC && !needs_copies(c, l, n)) {
        CHECK(emit_cond_jump(c, h, true));
        return emit_target(c, l);
    }
    /* Copies are needed: skip them (and the jump) when the condition fails. */
    CHECK(emit_cond_jump(c, h, false));
    uint32_t skip = c->nops;
    CHECK(emit(c, NONE));
    CHECK(emit_branch(c, l));
    c->ops[skip] = c->nops;
    label_here(c);
    return true;
}

/* br_table: the targets were read into depths[0..n] (the last is the default). */
static bool br_table_body(comp *c, const uint32_t *depths, uint32_t n)
{
    for (uint32_t i = 0; i <= n; i++)
        if (depths[i] >= c->nctls)
            INVALID(c, "unknown label %u", depths[i]);
    CHECK(pop(c, WA_I32, NULL));
    uint32_t index = opnd(c, c->nvals);
    uint32_t arity = label_arity(&c->ctls[c->nctls - 1 - depths[n]]);
    for (uint32_t i = 0; i <= n; i++) {
        ctl *l = &c->ctls[c->nctls - 1 - depths[i]];
        if (label_arity(l) != arity)
            INVALID(c, "type mismatch: br_table arity");
        uint32_t h = c->nvals; /* check the top values against l, keep them */
        CHECK(pop_n(c, label_types(l), arity));
        c->nvals = h;
    }
    if (live(c)) {
        barrier(c);
        CHECK(emit3(c, WA_OP_BR_TABLE, index, n));
        uint32_t table = c->nops;
        for (uint32_t i = 0; i <= n; i++)
            CHECK(emit(c, NONE));
        for (uint32_t i = 0; i <= n; i++) {
            ctl *l = &c->ctls[c->nctls - 1 - depths[i]];
            if (l->kind == CTL_LOOP && !needs_copies(c, l, arity)) {
                c->ops[table + i] = l->label;
            } else if (l->kind != CTL_FUNC && !needs_copies(c, l, arity)) {
                c->ops[table + i] = l->patches;
                l->patches = table + i;
            } else {
                c->ops[table + i] = c->nops; /* a stub: copies, then the jump */
                CHECK(emit_branch(c, l));
            }
        }
    }
    return set_unreachable(c);
}

static bool op_br_table(comp *c)
{
    uint32_t n;
    CHECK(rd_u32(c, &n));
    if (n > (uint32_t)(c->r.end - c->r.p))
        MALFORMED(c, "unexpected end: br_table");
    uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
    if (!depths)
        FAIL(c, WA_ERR_NOMEM, "out of memory");
    bool ok = true;
    for (uint32_t i = 0; ok && i <= n; i++)
        ok = rd_u32(c, &depths[i]);
    ok = ok && br_table_body(c, depths, n);
    free(depths);
    return ok;
}

static bool op_return(comp *c)
{
    ctl *f = &c->ctls[0];
    CHECK(pop_n(c, f->results, f->nresults));
    c->nvals += f->nresults;
    CHECK(emit_branch(c, f));
    return set_unreachable(c);
}

/* Arguments are on top of the stack, in their slots; results replace them
 * in place. Entries below may stay in locals: a callee cannot change them. */
static bool emit_call_args(comp *c, const wa_functype *ft, uint32_t *argslot)
{
    barrier(c);
    for (uint32_t i = 0; i < c->nctls; i++)
        c->ctls[i].calls = true;
    CHECK(pop_n(c, ft->types, ft->nparams));
    uint32_t base = c->nvals;
    c->nvals += ft->nparams;
    CHECK(materialize_from(c, base));
    c->nvals = base;
    *argslot = slot(c, base);
    return push_n(c, ft->types + ft->nparams, ft->nresults);
}

static bool op_call(comp *c)
{
    uint32_t f, a;
    CHECK(rd_u32(c, &f));
    if (f >= c->m->nfuncs)
        INVALID(c, "unknown function %u", f);
    CHECK(emit_call_args(c, wa_func_decl_type(c->m, f), &a));
    return emit3(c, WA_OP_CALL, f, a);
}

static bool op_call_indirect(comp *c)
{
    uint32_t t, table, a;
    CHECK(rd_u32(c, &t));
    CHECK(rd_u32(c, &table));
    CHECK(check_table(c, table));
    if (t >= c->m->ntypes)
        INVALID(c, "unknown type %u", t);
    if (c->m->tables[table].elem != WA_FUNCREF)
        INVALID(c, "type mismatch: call_indirect table");
    CHECK(pop(c, WA_I32, NULL));
    uint32_t h = c->nvals;
    vloc index = live(c) ? c->vlocs[h] : (vloc){.where = IN_SLOT};
    CHECK(emit_call_args(c, &c->m->types[t], &a));
    t = c->canon[t]; /* equal types share one index: the run-time check compares pointers */
    /* The index was above the arguments: its slot is still free to hold it. */
    uint32_t i = index.where == IN_LOCAL ? index.local : slot(c, h);
    if (index.where == IN_CONST)
        CHECK(emit3(c, WA_OP_CONST32, i, (uint32_t)index.k));
    return emit3(c, WA_OP_CALL_INDIRECT, t, table) && emit2(c, a, i);
}

static bool op_select(comp *c, bool typed)
{
    uint8_t want = UNKNOWN, t1, t2;
    if (typed) {
        uint32_t n;
        CHECK(rd_u32(c, &n));
        if (n != 1)
            INVALID(c, "invalid result arity for select");
        CHECK(rd_u8(c, &want));
        if (!single_type(want))
            MALFORMED(c, "malformed value type");
    }
    CHECK(pop(c, WA_I32, NULL));
    CHECK(pop(c, want, &t1));
    CHECK(pop(c, want != UNKNOWN ? want : t1, &t2));
    uint8_t t = want != UNKNOWN ? want : (t1 != UNKNOWN ? t1 : t2);
    if (!typed && t != UNKNOWN && !wa_is_numtype(t))
        INVALID(c, "type mismatch: select");
    if (!typed && t1 != UNKNOWN && t2 != UNKNOWN && t1 != t2)
        INVALID(c, "type mismatch");
    uint32_t h = c->nvals, a = opnd(c, h), b = opnd(c, h + 1), cond = opnd(c, h + 2);
    CHECK(push(c, t));
    return emit4(c, WA_OP_SELECT, slot(c, h), a, b) && emit(c, cond) && produced(c);
}

static bool rd_local(comp *c, uint32_t *x)
{
    CHECK(rd_u32(c, x));
    if (*x >= c->nwasm)
        INVALID(c, "unknown local %u", *x);
    return true;
}

static bool rd_global(comp *c, uint32_t *x)
{
    CHECK(rd_u32(c, x));
    if (*x >= c->m->nglobals)
        INVALID(c, "unknown global %u", *x);
    return true;
}

static bool op_const(comp *c, uint8_t opcode)
{
    vloc v = {.where = IN_CONST};
    uint8_t t;
    const uint8_t *b;
    switch (opcode) {
    case 0x41: {
        int32_t x;
        if (!wa_read_s32(&c->r, &x))
            MALFORMED(c, "malformed i32.const");
        v.k = (uint32_t)x;
        t = WA_I32;
        break;
    }
    case 0x42: {
        int64_t x;
        if (!wa_read_s64(&c->r, &x))
            MALFORMED(c, "malformed i64.const");
        v.k = (uint64_t)x;
        t = WA_I64;
        break;
    }
    case 0x43: {
        uint32_t x;
        if (!wa_read_bytes(&c->r, 4, &b))
            MALFORMED(c, "unexpected end");
        memcpy(&x, b, 4);
        v.k = x;
        t = WA_F32;
        break;
    }
    default:
        if (!wa_read_bytes(&c->r, 8, &b))
            MALFORMED(c, "unexpected end");
        memcpy(&v.k, b, 8);
        t = WA_F64;
        break;
    }
    return push_at(c, t, v);
}

static bool op_ref(comp *c, uint8_t opcode)
{
    uint32_t x;
    uint8_t t;
    switch (opcode) {
    case 0xd0: /* ref.null t */
        CHECK(rd_u8(c, &t));
        if (!wa_is_reftype(t))
            MALFORMED(c, "malformed reference type");
        return push_at(c, t, (vloc){.where = IN_CONST, .k = 0});
    case 0xd1: { /* ref.is_null */
        CHECK(pop(c, UNKNOWN, &t));
        if (t != UNKNOWN && !wa_is_reftype(t))
            INVALID(c, "type mismatch: ref.is_null");
        uint32_t h = c->nvals, a = opnd(c, h);
        CHECK(push(c, WA_I32));
        return emit3(c, WA_OP_REF_IS_NULL, slot(c, h), a) && produced(c);
    }
    default: /* 0xd2 ref.func x */
        CHECK(rd_u32(c, &x));
        if (x >= c->m->nfuncs)
            INVALID(c, "unknown function %u", x);
        if (!c->m->func_declared || !c->m->func_declared[x])
            INVALID(c, "undeclared function reference %u", x);
        CHECK(push(c, WA_FUNCREF));
        return emit3(c, WA_OP_REF_FUNC, slot(c, c->nvals - 1), x) && produced(c);
    }
}

/* local.set and local.tee: stores the entry just popped at height h into
 * local x, leaving the stack's other entries correct. */
static bool set_local(comp *c, uint32_t x, uint32_t h)
{
    if (!live(c))
        return true;
    /* Zero into a declared local that still holds the zero it started with:
     * nothing to do (`i32.const 0; local.set` opens many functions). */
    if (c->entry && x >= c->nparams && c->written[x] == 0 && c->vlocs[h].where == IN_CONST &&
        c->vlocs[h].k == 0)
        return true;
    c->written[x] = c->serial + 1;   /* the last instruction, or the next, writes x */
    for (uint32_t k = 0; k < h; k++) /* entries that still read x need the old value */
        if (c->vlocs[k].where == IN_LOCAL && c->vlocs[k].local == x)
            CHECK(materialize(c, k));
    return emit_move(c, x, h); /* redirects the producer when it can */
}

static bool op_variable(comp *c, uint8_t opcode)
{
    uint32_t x, h;
    switch (opcode) {
    case 0x20: /* local.get: nothing to do until the value is used */
        CHECK(rd_local(c, &x));
        return push_at(c, c->locals[x], (vloc){.where = IN_LOCAL, .local = x});
    case 0x21: /* local.set */
        CHECK(rd_local(c, &x));
        CHECK(pop(c, c->locals[x], NULL));
        return set_local(c, x, c->nvals);
    case 0x22: { /* local.tee */
        CHECK(rd_local(c, &x));
        CHECK(pop(c, c->locals[x], NULL));
        h = c->nvals;
        bool is_const = live(c) && c->vlocs[h].where == IN_CONST;
        vloc v = is_const ? c->vlocs[h] : (vloc){.where = IN_LOCAL, .local = x};
        CHECK(set_local(c, x, h));
        return push_at(c, c->locals[x], v);
    }
    case 0x23: /* global.get */
        CHECK(rd_global(c, &x));
        CHECK(push(c, c->m->globals[x].type.type));
        return emit3(c, WA_OP_GLOBAL_GET, slot(c, c->nvals - 1), x) && produced(c);
    case 0x24: /* global.set */
        CHECK(rd_global(c, &x));
        if (!c->m->globals[x].type.mut)
            INVALID(c, "global is immutable");
        CHECK(pop(c, c->m->globals[x].type.type, NULL));
        h = opnd(c, c->nvals);
        return emit3(c, WA_OP_GLOBAL_SET, x, h);
    case 0x25: /* table.get */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(pop(c, WA_I32, NULL));
        h = c->nvals;
        uint32_t i = opnd(c, h);
        CHECK(push(c, c->m->tables[x].elem));
        return emit4(c, WA_OP_TABLE_GET, slot(c, h), x, i) && produced(c);
    default: /* 0x26 table.set */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(pop(c, c->m->tables[x].elem, NULL));
        CHECK(pop(c, WA_I32, NULL));
        h = c->nvals;
        uint32_t idx = opnd(c, h), val = opnd(c, h + 1);
        return emit4(c, WA_OP_TABLE_SET, x, idx, val);
    }
}

/* One instruction; *done is set after the function's final `end`. */
static bool instruction(comp *c, bool *done)
{
    uint8_t op;
    CHECK(rd_u8(c, &op));
    c->fuel_count++;
    switch (op) {
    case 0x00:
        CHECK(emit_op(c, WA_OP_UNREACHABLE));
        return set_unreachable(c);
    case 0x01:
        return true; /* nop */
    case 0x02:
        return op_block(c, CTL_BLOCK);
    case 0x03:
        return op_block(c, CTL_LOOP);
    case 0x04:
        return op_block(c, CTL_IF);
    case 0x05:
        return op_else(c);
    case 0x0b:
        return op_end(c, done);
    case 0x0c:
        return op_br(c);
    case 0x0d:
        return op_br_if(c);
    case 0x0e:
        return op_br_table(c);
    case 0x0f:
        return op_return(c);
    case 0x10:
        return op_call(c);
    case 0x11:
        return op_call_indirect(c);
    case 0x1a:
        return pop(c, UNKNOWN, NULL); /* drop */
    case 0x1b:
        return op_select(c, false);
    case 0x1c:
        return op_select(c, true);
    case 0x3f: /* memory.size 0x00 */
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(push(c, WA_I32));
        return emit2(c, WA_OP_MEMORY_SIZE, slot(c, c->nvals - 1));
    case 0x40: /* memory.grow 0x00 */
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(pop(c, WA_I32, NULL));
        uint32_t h = c->nvals, n = opnd(c, h);
        CHECK(push(c, WA_I32));
        return emit3(c, WA_OP_MEMORY_GROW, slot(c, h), n);
    case 0xfc:
        return op_prefixed(c);
    }
    if (op >= 0x20 && op <= 0x26)
        return op_variable(c, op);
    if (op >= 0x28 && op <= 0x3e)
        return op_memory_access(c, op);
    if (op >= 0x41 && op <= 0x44)
        return op_const(c, op);
    if (op >= 0x45 && op <= 0xc4)
        return op_numeric(c, op);
    if (op >= 0xd0 && op <= 0xd2)
        return op_ref(c, op);
    MALFORMED(c, "illegal opcode 0x%02x", op);
}

static bool translate(comp *c, uint32_t fi)
{
    const wa_module *m = c->m;
    const wa_funcdecl *fd = &m->funcs[fi];
    const wa_functype *ft = wa_func_decl_type(m, fi);
    c->func = fi;
    c->nparams = ft->nparams;
    c->nwasm = ft->nparams + fd->nlocals;
    if (ft->nparams > WA_MAX_LOCALS || c->nwasm > WA_MAX_LOCALS)
        FAIL(c, WA_ERR_MALFORMED, "too many locals");
    /* The zero slot costs nothing where locals are zeroed at entry anyway. */
    c->zero = fd->nlocals ? c->nwasm : NONE;
    c->nlocals = c->nwasm + (fd->nlocals ? 1 : 0);
    c->locals = malloc(c->nlocals ? c->nlocals : 1);
    if (!c->locals)
        FAIL(c, WA_ERR_NOMEM, "out of memory");
    c->written = calloc(c->nlocals ? c->nlocals : 1, sizeof *c->written);
    if (!c->written)
        FAIL(c, WA_ERR_NOMEM, "out of memory");
    c->serial = 0;
    c->effect = 0;
    c->rmw_op = NONE;
    memcpy(c->locals, ft->types, ft->nparams);
    if (fd->nlocals) {
        memcpy(c->locals + ft->nparams, fd->local_types, fd->nlocals);
        c->locals[c->zero] = WA_I32;
    }
    c->r = (wa_reader){
        .start = m->bytes, .p = m->bytes + fd->body_off, .end = m->bytes + fd->body_end};
    c->fuel_site = NONE;
    label_here(c);
    c->entry = true;
    CHECK(push_ctl(c, CTL_FUNC, NULL, 0, ft->types + ft->nparams, ft->nresults));
    CHECK(fuel_open(c));
    bool done = false;
    while (!done) {
        if (c->r.p >= c->r.end)
            MALFORMED(c, "unexpected end of function");
        CHECK(instruction(c, &done));
    }
    if (c->r.p != c->r.end)
        MALFORMED(c, "operators remaining after end of function");
    return true;
}

/* The length of the instruction at ops[pc], and where its branch targets
 * are: *n operands from ops[pc + *first]. */
static uint32_t targets_of(const uint32_t *ops, uint32_t pc, uint32_t *first, uint32_t *n)
{
    uint32_t op = ops[pc];
    *n = 1;
    if (op == WA_OP_JMP || op == WA_OP_JMP_LOOP)
        *first = 1;
    else if (op == WA_OP_JMP_IF || op == WA_OP_JMP_IFNOT || op == WA_OP_JMP_IF_LOOP ||
             op == WA_OP_JMP_IFNOT_LOOP)
        *first = 2;
    else if (op == WA_OP_BR_TABLE)
        *first = 3, *n = ops[pc + 2] + 1;
    else if ((op >= WA_OP_JMP_I32_EQ && op <= WA_OP_JMP_I32_GE_U_IMM) ||
             (op >= WA_OP_JMP_I32_EQ_LOOP && op <= WA_OP_JMP_I32_GE_U_IMM_LOOP) ||
             op == WA_OP_JMP_ANY || op == WA_OP_JMP_NONE)
        *first = 3;
    else if (op >= WA_OP_ADD_JMP_I32_EQ_LOOP && op <= WA_OP_ADD_JMP_I32_GE_U_IMM_LOOP)
        *first = 5;
    else
        *n = 0;
    return wa_op_len[op] + (op == WA_OP_BR_TABLE ? ops[pc + 2] + 1 : 0);
}

/* The bundle of the instructions at ops[a] and ops[b] (b right after a),
 * or 0. */
static uint32_t bundle_of(const uint32_t *ops, uint32_t a, uint32_t b)
{
    uint32_t x = ops[a], y = ops[b];
    if (x == WA_OP_I32_ADD_IMM && y == WA_OP_I32_ADD_IMM)
        return WA_OP_I32_ADD_IMM2;
    if (x == WA_OP_I32_ADD && y == WA_OP_I32_ADD)
        return WA_OP_I32_ADD2;
    if (x == WA_OP_I32_ADD_IMM && y == WA_OP_I32_LOAD)
        return WA_OP_ADD_IMM_LOAD;
    if (x == WA_OP_I32_ADD_IMM && y == WA_OP_I32_LOAD8_U)
        return WA_OP_ADD_IMM_LOAD8_U;
    if (x == WA_OP_I32_ADD_IMM && y >= WA_OP_ADD_JMP_I32_EQ_LOOP &&
        y <= WA_OP_ADD_JMP_I32_GE_U_IMM_LOOP)
        return WA_OP_ADD2_JMP_I32_EQ_LOOP + (y - WA_OP_ADD_JMP_I32_EQ_LOOP);
    if (x == WA_OP_I32_LOAD && y == WA_OP_STORE_SHL_SHR_OR)
        return WA_OP_LOAD_STORE_SHL_SHR_OR;
    if (x == WA_OP_I32_LOAD && y == WA_OP_STORE_SHR_SHL_OR)
        return WA_OP_LOAD_STORE_SHR_SHL_OR;
    if (x == WA_OP_I32_ADD_SHL && y == WA_OP_I32_LOAD)
        return WA_OP_ADD_SHL_LOAD;
    if (x == WA_OP_I32_ADD_SHL && y == WA_OP_I32_STORE)
        return WA_OP_ADD_SHL_STORE;
    if (x == WA_OP_COPY && y == WA_OP_JMP_LOOP)
        return WA_OP_COPY_JMP_LOOP;
    return 0;
}

/* Turns pairs of adjacent instructions into bundles (code.h) where the
 * second is no branch target. Nothing moves: only the first opcode changes. */
static bool bundle(comp *c)
{
    uint32_t n = c->nops, first, count;
    uint8_t *target = calloc(n + 1, 1);
    if (!target)
        FAIL(c, WA_ERR_NOMEM, "out of memory");
    for (uint32_t pc = 0; pc < n;) {
        uint32_t len = targets_of(c->ops, pc, &first, &count);
        for (uint32_t i = 0; i < count; i++)
            target[c->ops[pc + first + i]] = 1;
        pc += len;
    }
    for (uint32_t pc = 0, prev = NONE; pc < n;) {
        uint32_t len = targets_of(c->ops, pc, &first, &count), b;
        if (prev != NONE && !target[pc] && (b = bundle_of(c->ops, prev, pc)) != 0) {
            c->ops[prev] = b;
            prev = NONE; /* a bundle does not bundle again */
        } else {
            prev = pc;
        }
        pc += len;
    }
    free(target);
    return true;
}

static wa_code *finish(comp *c, const wa_functype *ft)
{
    wa_code *code = calloc(1, sizeof *code);
    if (!code)
        return NULL;
    code->ops = realloc(c->ops, (c->nops ? c->nops : 1) * sizeof *c->ops);
    if (!code->ops)
        code->ops = c->ops;
    c->ops = NULL;
    wa_interp_thread(code->ops, c->nops);
    code->nops = c->nops;
    code->nparams = ft->nparams;
    code->nresults = ft->nresults;
    code->nlocals = c->nlocals;
    code->frame_size = c->nlocals + c->max_height;
    if (code->frame_size < code->nresults)
        code->frame_size = code->nresults;
    /* room for the 4 slots that the interpreter clears for up to 4 locals */
    if (c->nlocals > ft->nparams && code->frame_size < ft->nparams + 4)
        code->frame_size = ft->nparams + 4;
    return code;
}

/* Maps every type index to the first index of an equal function type, so
 * that equal types are one wa_functype at run time (call_indirect then
 * compares pointers). Types are hashed: a module may declare a million. */
static uint32_t *canonical_types(const wa_module *m)
{
    uint32_t *canon = malloc(((size_t)m->ntypes + 1) * sizeof *canon);
    size_t cap = 16;
    while (cap < (size_t)m->ntypes * 2)
        cap *= 2;
    uint32_t *table = malloc(cap * sizeof *table);
    if (!canon || !table) {
        free(canon);
        free(table);
        return NULL;
    }
    memset(table, 0xff, cap * sizeof *table);
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const wa_functype *t = &m->types[i];
        uint64_t h = 1469598103934665603ull ^ (t->nparams * 31u + t->nresults);
        for (uint32_t k = 0; k < t->nparams + t->nresults; k++)
            h = (h ^ t->types[k]) * 1099511628211ull;
        size_t j = (size_t)h & (cap - 1);
        while (table[j] != NONE && !wa_types_equal(&m->types[table[j]], t))
            j = (j + 1) & (cap - 1);
        if (table[j] == NONE)
            table[j] = i;
        canon[i] = table[j];
    }
    free(table);
    return canon;
}

bool wa_code_translate_all(wa_module *m, wa_error *err)
{
    comp c = {.m = m, .err = err, .canon = canonical_types(m)};
    if (!c.canon)
        return wa_fail(err, WA_ERR_NOMEM, WA_SEC_TYPE, 0, "out of memory");
    for (uint32_t i = 0; i < m->nfuncs; i++)
        m->funcs[i].type = c.canon[m->funcs[i].type];
    bool ok = true;
    for (uint32_t i = m->nfunc_imports; ok && i < m->nfuncs; i++) {
        c.nvals = c.nctls = c.nops = c.max_height = 0;
        c.failed = false;
        ok = translate(&c, i) && bundle(&c);
        if (ok) {
            m->funcs[i].code = finish(&c, wa_func_decl_type(m, i));
            if (!m->funcs[i].code)
                ok = wa_fail(err, WA_ERR_NOMEM, WA_SEC_CODE, 0, "out of memory");
        } else if (err->msg[0]) {
            /* Say which function: the offset alone is hard to read. */
            char tmp[sizeof err->msg];
            memcpy(tmp, err->msg, sizeof tmp);
            int k = snprintf(err->msg, sizeof err->msg, "function %u: ", i);
            if (k > 0 && (size_t)k < sizeof err->msg)
                memcpy(err->msg + k, tmp, sizeof err->msg - (size_t)k - 1);
            err->msg[sizeof err->msg - 1] = 0;
        }
        free(c.locals);
        free(c.written);
        c.locals = NULL;
        c.written = NULL;
        if (!ok)
            break;
        c.capops = 0;
    }
    free(c.canon);
    free(c.vals);
    free(c.vlocs);
    free(c.ctls);
    free(c.ops);
    return ok;
}

void wa_code_free(wa_code *code)
{
    if (!code)
        return;
    free(code->ops);
    free(code);
}
