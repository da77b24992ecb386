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
    WA_CONTROL_OPS(WA_X) WA_NUMERIC_OPS(WA_U, WA_B) WA_FUSED_OPS(WA_F)
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
} ctl;

typedef struct comp {
    const wa_module *m;
    wa_error *err;
    wa_reader r;
    uint32_t func;
    uint8_t *locals; /* types of params + locals */
    uint32_t nlocals;

    uint8_t *vals;      /* types of the operand stack */
    struct vloc *vlocs; /* where each stack entry's value is (capvals entries) */
    uint32_t nvals, capvals, capvlocs, max_height;
    ctl *ctls;
    uint32_t nctls, capctls;

    uint32_t *ops;
    uint32_t nops, capops;
    uint32_t fuel_site, fuel_count;
    uint32_t *canon;    /* type index -> first index of an equal type */
    uint32_t last;      /* start of the last instruction, NONE after a label */
    uint32_t epoch;     /* bumped at labels, branches and calls */
    uint32_t serial;    /* instructions emitted so far in this function */
    uint32_t *written;  /* per local: serial of the last instruction writing it */
    bool last_produced; /* the last instruction wrote the slot in ops[last + 1] */
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

/* Starts an instruction: every instruction begins with emit_op, so `last`
 * always knows where the latest one starts. */
static bool emit_op(comp *c, uint32_t op)
{
    if (!live(c))
        return true;
    c->serial++;
    c->last = c->nops;
    c->last_produced = false;
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

/* Emits a branch target operand for label `l`: known for loops, chained
 * for blocks until their end. */
static bool emit_target(comp *c, ctl *l)
{
    if (!live(c))
        return true;
    if (l->kind == CTL_LOOP)
        return emit(c, l->label);
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
            c->nops = c->last;
            return emit3(c, base + op, a, b);
        }
        if (op == WA_OP_I32_EQZ) {
            uint32_t a = last[2];
            c->nops = c->last;
            return emit2(c, when_true ? WA_OP_JMP_IFNOT : WA_OP_JMP_IF, a);
        }
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

/* Removes the 4-unit instruction at `site` from the code emitted so far,
 * moving what follows down. Only used within one epoch: no branch target,
 * patch site or loop label can lie after it. */
static void cut_instruction(comp *c, uint32_t site)
{
    memmove(&c->ops[site], &c->ops[site + 4], (c->nops - site - 4) * sizeof *c->ops);
    c->nops -= 4;
    if (c->last != NONE && c->last > site)
        c->last -= 4;
    if (c->fuel_site != NONE && c->fuel_site > site)
        c->fuel_site -= 4;
    for (uint32_t k = 0; k < c->nvals; k++)
        if (c->vlocs[k].site != NONE && c->vlocs[k].site > site && c->vlocs[k].where == IN_SLOT)
            c->vlocs[k].site -= 4;
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
        if (c->last == site)
            c->last = NONE;
        cut_instruction(c, site);
        CHECK(push(c, WA_F64));
        *done = true;
        return emit4(c, op, slot(c, h), a, b) && emit(c, x) && produced(c);
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
    CHECK(push(c, WA_I32));
    *done = true;
    return emit4(c, op, slot(c, h), a, k) && emit(c, b) && emit(c, j) && produced(c);
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
    CHECK(push(c, out));
    return emit4(c, op, slot(c, h), a, b) && produced(c);
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
    if (v->where == IN_SLOT && v->site != NONE && v->epoch == c->epoch &&
        c->ops[v->site] == WA_OP_I32_ADD_IMM && c->ops[v->site + 1] == slot(c, h) &&
        (c->ops[v->site + 2] >= c->nlocals || c->written[c->ops[v->site + 2]] <= v->serial)) {
        uint32_t site = v->site, a = c->ops[site + 2];
        *k = c->ops[site + 3];
        if (c->last == site)
            c->last = NONE; /* the last instruction is gone: nothing to fuse with */
        cut_instruction(c, site);
        return a;
    }
    return opnd(c, h);
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
    uint32_t a = address(c, h, &k);
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
    if (*x >= c->nlocals)
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
    c->nlocals = ft->nparams + fd->nlocals;
    if (ft->nparams > WA_MAX_LOCALS || c->nlocals > WA_MAX_LOCALS)
        FAIL(c, WA_ERR_MALFORMED, "too many locals");
    c->locals = malloc(c->nlocals ? c->nlocals : 1);
    if (!c->locals)
        FAIL(c, WA_ERR_NOMEM, "out of memory");
    c->written = calloc(c->nlocals ? c->nlocals : 1, sizeof *c->written);
    if (!c->written)
        FAIL(c, WA_ERR_NOMEM, "out of memory");
    c->serial = 0;
    memcpy(c->locals, ft->types, ft->nparams);
    if (fd->nlocals)
        memcpy(c->locals + ft->nparams, fd->local_types, fd->nlocals);
    c->r = (wa_reader){
        .start = m->bytes, .p = m->bytes + fd->body_off, .end = m->bytes + fd->body_end};
    c->fuel_site = NONE;
    label_here(c);
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
        ok = translate(&c, i);
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
