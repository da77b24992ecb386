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
 * This file decides, opcode by opcode, what is valid and what each
 * instruction becomes; the rest of the translator (translate.h) is the code
 * buffer and the operand stack, whose entries know where their values are
 * (emit.c: a `local.get` or an `i32.const` emits nothing), the fusions
 * tried where an instruction could merge with the one before it (fuse.c),
 * and the bundle pass run once a function is translated (bundle.c).
 *
 * Fuel: a FUEL op opens every function and every loop body; its cost is the
 * number of instructions translated until the next FUEL op, so a loop
 * iteration or a call pays roughly for the code it runs, and every unbounded
 * execution passes a check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translate.h"

const uint8_t wa_op_len[WA_OP_COUNT_] = {
#define WA_X(name, len) len,
#define WA_U(name) 3,
#define WA_B(name) 4,
#define WA_F(name) WA_FUSED_LEN(WA_OP_##name),
#define WA_SIMD_CODE_Y(name, len) len,
    WA_CONTROL_OPS(WA_X) WA_NUMERIC_OPS(WA_U, WA_B) WA_FUSED_OPS(WA_F) WA_MEM_FUSED_OPS(WA_X)
        WA_BRANCH_OPS(WA_X) WA_V128_OPS(WA_X) WA_SIMD_OPS(WA_SIMD_CODE_X) WA_BUNDLE_OPS(WA_X)
#undef WA_SIMD_CODE_Y
#undef WA_X
#undef WA_U
#undef WA_B
#undef WA_F
};

/* Stable one-type arrays for block types written as a single value type. */
static const uint8_t k_single[] = {WA_I32,     WA_I64,       WA_F32, WA_F64,
                                   WA_FUNCREF, WA_EXTERNREF, WA_V128};

static const uint8_t *single_type(uint8_t t)
{
    for (size_t i = 0; i < sizeof k_single; i++)
        if (k_single[i] == t)
            return &k_single[i];
    return NULL;
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
    if (!wa_emit_live(c))
        return true;
    if (l->kind == CTL_LOOP)
        return wa_fuse_loop_target(c, l);
    uint32_t site = c->nops;
    CHECK(wa_emit(c, l->patches));
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
 * [0, result width), a block's to the slots above its base height. Counted
 * from the label's types: the entries on the stack above the base may be
 * other values of other widths when the branch is taken. */
static uint32_t label_slot(const comp *c, const ctl *l, uint32_t i)
{
    uint32_t w = wa_width_of(label_types(l), i);
    return l->kind == CTL_FUNC ? w : wa_emit_slot(c, l->height) + w;
}

static bool needs_copies(const comp *c, const ctl *l, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = c->nvals - n + i;
        if (c->vlocs[h].where != IN_SLOT || wa_emit_slot(c, h) != label_slot(c, l, i))
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
    return l->kind == CTL_FUNC && v->where == IN_LOCAL && v->local < label_slot(c, l, i);
}

static uint32_t copy_op(const comp *c, uint32_t h)
{
    return c->vals[h] == WA_V128 ? WA_OP_COPY128 : WA_OP_COPY;
}

static bool emit_branch_copies(comp *c, const ctl *l, uint32_t n)
{
    uint32_t base = c->nvals - n;
    for (uint32_t i = 0; i < n; i++)
        if (saved_in_slot(c, l, base + i, i))
            CHECK(wa_emit3(c, copy_op(c, base + i), wa_emit_slot(c, base + i),
                           c->vlocs[base + i].local));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t dst = label_slot(c, l, i), h = base + i;
        if (saved_in_slot(c, l, h, i))
            CHECK(wa_emit3(c, copy_op(c, h), dst, wa_emit_slot(c, h)));
        else
            CHECK(wa_emit_move(c, dst, h));
    }
    return true;
}

/* An unconditional branch to label l (values on top of the stack). */
static bool emit_branch(comp *c, ctl *l)
{
    if (!wa_emit_live(c))
        return true;
    wa_emit_barrier(c);
    CHECK(emit_branch_copies(c, l, label_arity(l)));
    if (l->kind == CTL_FUNC)
        return wa_emit_op(c, WA_OP_RET);
    return wa_emit_op(c, WA_OP_JMP) && emit_target(c, l);
}

static bool fuel_open(comp *c)
{
    if (!wa_emit_live(c))
        return true;
    if (c->fuel_site != NONE)
        c->ops[c->fuel_site] = c->fuel_count ? c->fuel_count : 1;
    CHECK(wa_emit_op(c, WA_OP_FUEL));
    c->fuel_site = c->nops;
    c->fuel_count = 0;
    return wa_emit(c, 0);
}

static bool push_ctl(comp *c, uint8_t kind, const uint8_t *params, uint32_t np,
                     const uint8_t *results, uint32_t nr)
{
    bool dead = c->nctls ? !wa_emit_live(c) : false;
    CHECK(wa_emit_grow(c, (void **)&c->ctls, &c->capctls, c->nctls + 1, sizeof *c->ctls));
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
    return wa_emit_push_n(c, params, np);
}

static bool set_unreachable(comp *c)
{
    ctl *f = wa_emit_top(c);
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

/* The reserved byte of memory instructions; the multi-memory proposal made
 * it a memory index. */
static bool rd_zero(comp *c)
{
    uint8_t b;
    CHECK(rd_u8(c, &b));
    if (b != 0)
        UNSUPPORTED(c, "a memory index other than 0", "multi-memory");
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
        if (t && *t == WA_V128)
            FEATURE(c, SIMD);
        if (!t)
            MALFORMED(c, "malformed value type in block type");
        *results = t;
        *nr = 1;
        return true;
    }
    if ((uint64_t)bt >= c->m->ntypes)
        INVALID(c, "unknown type %lld", (long long)bt);
    const wa_functype *ft = &c->m->types[bt];
    FEATURE(c, MULTI_VALUE);
    *params = ft->types;
    *np = ft->nparams;
    *results = ft->types + ft->nparams;
    *nr = ft->nresults;
    return true;
}

/* ---- instruction groups ------------------------------------------------- */

static bool op_unary(comp *c, uint32_t op, uint8_t in, uint8_t out)
{
    CHECK(wa_emit_pop(c, in, NULL));
    uint32_t h = c->nvals, a = wa_emit_opnd(c, h);
    CHECK(wa_emit_push(c, out));
    return wa_emit3(c, op, wa_emit_slot(c, h), a) && wa_emit_produced(c);
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

static bool op_binary(comp *c, uint8_t opcode, uint32_t op, uint8_t in, uint8_t out)
{
    CHECK(wa_emit_pop(c, in, NULL));
    CHECK(wa_emit_pop(c, in, NULL));
    uint32_t h = c->nvals, k, iop = imm_form(opcode);
    if (opcode == 0x72) { /* i32.or */
        bool done;
        CHECK(wa_fuse_shift_merge(c, h, &done));
        if (done)
            return true;
    }
    if (opcode == 0x6a) { /* i32.add */
        bool done;
        CHECK(wa_fuse_add_shl(c, h, &done));
        if (done)
            return true;
    }
    if (opcode == 0xa0 || opcode == 0xa1) {
        bool done;
        CHECK(wa_fuse_multiply_add(c, opcode, h, &done));
        if (done)
            return true;
    }
    if (iop && wa_emit_live(c) && wa_emit_imm_of(c, h + 1, in, &k)) {
        uint32_t a = wa_emit_opnd(c, h);
        CHECK(wa_emit_push(c, out));
        return wa_emit4(c, iop, wa_emit_slot(c, h), a, k) && wa_emit_produced(c);
    }
    uint32_t a = wa_emit_opnd(c, h), b = wa_emit_opnd(c, h + 1);
    /* m + x, x + m and m - x may become read-modify-writes of m's memory */
    loadref first = {NONE, 0}, second = {NONE, 0};
    if ((opcode == 0xa0 || opcode == 0xa1) && wa_emit_live(c)) {
        first = wa_fuse_loaded_by(c, h, WA_OP_I64_LOAD);
        if (opcode == 0xa0)
            second = wa_fuse_loaded_by(c, h + 1, WA_OP_I64_LOAD);
    }
    CHECK(wa_emit_push(c, out));
    CHECK(wa_emit4(c, op, wa_emit_slot(c, h), a, b) && wa_emit_produced(c));
    if (second.site != NONE)
        wa_fuse_note_rmw(c, second, 3);
    else
        wa_fuse_note_rmw(c, first, 2);
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
            CHECK(wa_emit_pop(c, s->in, NULL));
            return wa_emit_push_at(c, s->out,
                                   wa_emit_live(c) ? c->vlocs[c->nvals]
                                                   : (vloc){.where = IN_SLOT, .site = NONE});
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

static bool op_memory_access(comp *c, uint8_t opcode)
{
    const memsig *s = &k_memsigs[opcode - 0x28];
    uint32_t align, offset, k, v;
    CHECK(rd_u32(c, &align));
    CHECK(rd_u32(c, &offset));
    CHECK(need_memory(c));
    if (align & 0x40)
        UNSUPPORTED(c, "a memory index in a load or store", "multi-memory");
    if (align > s->align)
        INVALID(c, "alignment must not be larger than natural");
    if (opcode <= 0x35) { /* load */
        CHECK(wa_emit_pop(c, WA_I32, NULL));
        uint32_t h = c->nvals, a = wa_fuse_address(c, h, &k);
        CHECK(wa_emit_push(c, s->type));
        return wa_emit4(c, s->op, wa_emit_slot(c, h), a, k) && wa_emit(c, offset) &&
               wa_emit_produced(c);
    }
    CHECK(wa_emit_pop(c, s->type, NULL));
    CHECK(wa_emit_pop(c, WA_I32, NULL));
    uint32_t h = c->nvals, op = s->op;
    /* A constant value: store it as an immediate (sign-extended for 8 bytes). */
    if (wa_emit_live(c) && wa_emit_imm_of(c, h + 1, s->align == 3 ? WA_I64 : WA_I32, &v))
        op = WA_OP_STORE8_IMM + s->align;
    else
        v = wa_emit_opnd(c, h + 1);
    /* The last instruction may have computed the value: the store may take
     * its place. Asked before the address, which may cut an add before it. */
    uint32_t prod = wa_fuse_producer(c, h + 1);
    uint32_t a = wa_fuse_address(c, h, &k);
    bool done;
    CHECK(wa_fuse_store(c, op, prod, a, k, offset, &done));
    if (done)
        return true;
    return wa_emit4(c, op, a, v, k) && wa_emit(c, offset);
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
    CHECK(wa_emit_pop_n(c, t, 3));
    for (uint32_t i = 0; i < 3; i++)
        s[i] = wa_emit_opnd(c, c->nvals + i);
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
        FEATURE(c, SAT_FLOAT_TO_INT);
    else if (sub <= 11)
        FEATURE(c, BULK_MEMORY);
    else
        FEATURE(c, REFERENCE_TYPES);
    if (sub <= 7)
        return op_unary(c, WA_OP_I32_TRUNC_SAT_F32_S + sub, sat_in[sub], sub < 4 ? WA_I32 : WA_I64);
    switch (sub) {
    case 8: /* memory.init data 0x00 */
        CHECK(rd_u32(c, &x));
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(check_data(c, x));
        CHECK(pop3(c, k_i32x3, o));
        return wa_emit4(c, WA_OP_MEMORY_INIT, x, o[0], o[1]) && wa_emit(c, o[2]);
    case 9: /* data.drop */
        CHECK(rd_u32(c, &x));
        CHECK(check_data(c, x));
        return wa_emit2(c, WA_OP_DATA_DROP, x);
    case 10: /* memory.copy 0x00 0x00 */
        CHECK(rd_zero(c));
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(pop3(c, k_i32x3, o));
        return wa_emit4(c, WA_OP_MEMORY_COPY, o[0], o[1], o[2]);
    case 11: /* memory.fill 0x00 */
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(pop3(c, k_i32x3, o));
        return wa_emit4(c, WA_OP_MEMORY_FILL, o[0], o[1], o[2]);
    case 12: /* table.init elem table */
        CHECK(rd_u32(c, &y));
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(check_elem(c, y));
        if (c->m->elems[y].reftype != c->m->tables[x].elem)
            INVALID(c, "type mismatch");
        CHECK(pop3(c, k_i32x3, o));
        return wa_emit3(c, WA_OP_TABLE_INIT, x, y) && wa_emit(c, o[0]) && wa_emit(c, o[1]) &&
               wa_emit(c, o[2]);
    case 13: /* elem.drop */
        CHECK(rd_u32(c, &x));
        CHECK(check_elem(c, x));
        return wa_emit2(c, WA_OP_ELEM_DROP, x);
    case 14: /* table.copy dst src */
        CHECK(rd_u32(c, &x));
        CHECK(rd_u32(c, &y));
        CHECK(check_table(c, x));
        CHECK(check_table(c, y));
        if (c->m->tables[x].elem != c->m->tables[y].elem)
            INVALID(c, "type mismatch");
        CHECK(pop3(c, k_i32x3, o));
        return wa_emit3(c, WA_OP_TABLE_COPY, x, y) && wa_emit(c, o[0]) && wa_emit(c, o[1]) &&
               wa_emit(c, o[2]);
    case 15: { /* table.grow: init n -> old size */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(wa_emit_pop(c, WA_I32, NULL));
        CHECK(wa_emit_pop(c, c->m->tables[x].elem, NULL));
        uint32_t h = c->nvals, init = wa_emit_opnd(c, h), n = wa_emit_opnd(c, h + 1);
        CHECK(wa_emit_push(c, WA_I32));
        return wa_emit4(c, WA_OP_TABLE_GROW, wa_emit_slot(c, h), x, init) && wa_emit(c, n) &&
               wa_emit_produced(c);
    }
    case 16: /* table.size */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(wa_emit_push(c, WA_I32));
        return wa_emit3(c, WA_OP_TABLE_SIZE, wa_emit_slot(c, c->nvals - 1), x) &&
               wa_emit_produced(c);
    case 17: { /* table.fill: i v n */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        const uint8_t t[3] = {WA_I32, c->m->tables[x].elem, WA_I32};
        CHECK(pop3(c, t, o));
        return wa_emit4(c, WA_OP_TABLE_FILL, x, o[0], o[1]) && wa_emit(c, o[2]);
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
        CHECK(wa_emit_pop(c, WA_I32, NULL));
        h = c->nvals; /* above the params; materializing them leaves it alone */
    }
    CHECK(wa_emit_pop_n(c, p, np));
    /* Everything on the stack, params included, goes to its slot: code in
     * the block may set locals that entries name, and only some paths
     * would run a copy made later. */
    uint32_t base = c->nvals;
    c->nvals = base + np;
    CHECK(wa_emit_materialize_from(c, 0));
    c->nvals = base;
    if (kind == CTL_IF)
        CHECK(wa_fuse_cond_jump(c, h, false));
    CHECK(push_ctl(c, kind, p, np, r, nr));
    ctl *f = wa_emit_top(c);
    if (kind == CTL_LOOP) {
        wa_emit_label_here(c);
        f->label = c->nops; /* back edges pay the loop's FUEL again */
        CHECK(fuel_open(c));
    } else if (kind == CTL_IF && wa_emit_live(c)) {
        f->else_site = c->nops;
        CHECK(wa_emit(c, NONE));
    }
    return true;
}

static bool op_else(comp *c)
{
    ctl *f = wa_emit_top(c);
    if (f->kind != CTL_IF)
        MALFORMED(c, "else without if");
    CHECK(wa_emit_pop_n(c, f->results, f->nresults));
    if (c->nvals != f->height)
        INVALID(c, "type mismatch: values remain at else");
    if (wa_emit_live(c)) {
        c->nvals += f->nresults; /* the results leave in their slots */
        CHECK(wa_emit_materialize_from(c, f->height));
        c->nvals -= f->nresults;
        CHECK(wa_emit_op(c, WA_OP_JMP));
        CHECK(emit_target(c, f));
    }
    if (f->else_site != NONE)
        patch_chain(c, f->else_site, c->nops);
    wa_emit_label_here(c);
    f->else_site = NONE;
    f->kind = CTL_ELSE;
    f->unreachable = false;
    return wa_emit_push_n(c, f->params, f->nparams);
}

/* `end`: returns true with *done set when the function body is complete. */
static bool op_end(comp *c, bool *done)
{
    ctl *f = wa_emit_top(c);
    CHECK(wa_emit_pop_n(c, f->results, f->nresults));
    if (c->nvals != f->height)
        INVALID(c, "type mismatch: values remain at end of block");
    if (f->kind == CTL_IF) { /* no else: the params flow through as results */
        if (f->nparams != f->nresults ||
            (f->nparams && memcmp(f->params, f->results, f->nparams) != 0))
            INVALID(c, "type mismatch: if without else");
    }
    if (f->kind == CTL_FUNC) {
        if (wa_emit_live(c)) {
            c->nvals += f->nresults; /* results are on the stack for the copies */
            CHECK(emit_branch_copies(c, f, f->nresults));
            CHECK(wa_emit_op(c, WA_OP_RET));
        }
        if (c->fuel_site != NONE)
            c->ops[c->fuel_site] = c->fuel_count ? c->fuel_count : 1;
        c->nctls--;
        *done = true;
        return true;
    }
    if (wa_emit_live(c)) {
        c->nvals += f->nresults;
        CHECK(wa_emit_materialize_from(c, f->height));
        c->nvals -= f->nresults;
    }
    patch_chain(c, f->patches, c->nops);
    if (f->else_site != NONE)
        patch_chain(c, f->else_site, c->nops);
    wa_emit_label_here(c);
    const uint8_t *res = f->results;
    uint32_t nr = f->nresults;
    c->nctls--;
    return wa_emit_push_n(c, res, nr);
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
    CHECK(wa_emit_pop_n(c, label_types(l), label_arity(l)));
    c->nvals += label_arity(l); /* the values are still there for the copies */
    CHECK(emit_branch(c, l));
    return set_unreachable(c);
}

static bool op_br_if(comp *c)
{
    ctl *l;
    CHECK(rd_label(c, &l));
    CHECK(wa_emit_pop(c, WA_I32, NULL));
    uint32_t h = c->nvals;
    uint32_t n = label_arity(l);
    CHECK(wa_emit_pop_n(c, label_types(l), n));
    if (!wa_emit_live(c))
        return wa_emit_push_n(c, label_types(l), n);
    c->nvals += n; /* the label's values stay on the stack, where they are */
    if (l->kind != CTL_FUNC && !needs_copies(c, l, n)) {
        CHECK(wa_fuse_cond_jump(c, h, true));
        return emit_target(c, l);
    }
    /* Copies are needed: skip them (and the jump) when the condition fails. */
    CHECK(wa_fuse_cond_jump(c, h, false));
    uint32_t skip = c->nops;
    CHECK(wa_emit(c, NONE));
    CHECK(emit_branch(c, l));
    c->ops[skip] = c->nops;
    wa_emit_label_here(c);
    return true;
}

/* br_table: the targets were read into depths[0..n] (the last is the default). */
static bool br_table_body(comp *c, const uint32_t *depths, uint32_t n)
{
    for (uint32_t i = 0; i <= n; i++)
        if (depths[i] >= c->nctls)
            INVALID(c, "unknown label %u", depths[i]);
    CHECK(wa_emit_pop(c, WA_I32, NULL));
    uint32_t index = wa_emit_opnd(c, c->nvals);
    uint32_t arity = label_arity(&c->ctls[c->nctls - 1 - depths[n]]);
    for (uint32_t i = 0; i <= n; i++) {
        ctl *l = &c->ctls[c->nctls - 1 - depths[i]];
        if (label_arity(l) != arity)
            INVALID(c, "type mismatch: br_table arity");
        uint32_t h = c->nvals; /* check the top values against l, keep them */
        CHECK(wa_emit_pop_n(c, label_types(l), arity));
        c->nvals = h;
    }
    if (wa_emit_live(c)) {
        wa_emit_barrier(c);
        CHECK(wa_emit3(c, WA_OP_BR_TABLE, index, n));
        uint32_t table = c->nops;
        for (uint32_t i = 0; i <= n; i++)
            CHECK(wa_emit(c, NONE));
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
    CHECK(wa_emit_pop_n(c, f->results, f->nresults));
    c->nvals += f->nresults;
    CHECK(emit_branch(c, f));
    return set_unreachable(c);
}

/* Arguments are on top of the stack, in their slots; results replace them
 * in place. Entries below may stay in locals: a callee cannot change them. */
static bool emit_call_args(comp *c, const wa_functype *ft, uint32_t *argslot)
{
    wa_emit_barrier(c);
    for (uint32_t i = 0; i < c->nctls; i++)
        c->ctls[i].calls = true;
    CHECK(wa_emit_pop_n(c, ft->types, ft->nparams));
    uint32_t base = c->nvals;
    c->nvals += ft->nparams;
    CHECK(wa_emit_materialize_from(c, base));
    c->nvals = base;
    *argslot = wa_emit_slot(c, base);
    return wa_emit_push_n(c, ft->types + ft->nparams, ft->nresults);
}

static bool op_call(comp *c)
{
    uint32_t f, a;
    CHECK(rd_u32(c, &f));
    if (f >= c->m->nfuncs)
        INVALID(c, "unknown function %u", f);
    CHECK(emit_call_args(c, wa_func_decl_type(c->m, f), &a));
    return wa_emit3(c, WA_OP_CALL, f, a);
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
    if (table != 0)
        FEATURE(c, REFERENCE_TYPES);
    CHECK(wa_emit_pop(c, WA_I32, NULL));
    uint32_t h = c->nvals, islot = wa_emit_slot(c, h);
    vloc index = wa_emit_live(c) ? c->vlocs[h] : (vloc){.where = IN_SLOT};
    CHECK(emit_call_args(c, &c->m->types[t], &a));
    t = c->canon[t]; /* equal types share one index: the run-time check compares pointers */
    /* The index was above the arguments: its slot is still free to hold it. */
    uint32_t i = index.where == IN_LOCAL ? index.local : islot;
    if (index.where == IN_CONST)
        CHECK(wa_emit3(c, WA_OP_CONST32, i, (uint32_t)index.k));
    return wa_emit3(c, WA_OP_CALL_INDIRECT, t, table) && wa_emit2(c, a, i);
}

/* return_call and return_call_indirect (the tail-call proposal): a call
 * whose results are the function's, so the callee takes over the frame: the
 * arguments move down to slot 0 and nothing waits for the callee to return.
 * Validated as the call, then as a `return` of the callee's results. */
static bool check_tail_results(comp *c, const wa_functype *ft)
{
    const ctl *fn = &c->ctls[0];
    if (ft->nresults != fn->nresults ||
        memcmp(ft->types + ft->nparams, fn->results, ft->nresults) != 0)
        INVALID(c, "type mismatch: return_call results differ from the function's");
    return true;
}

static bool op_return_call(comp *c)
{
    uint32_t f, a;
    CHECK(rd_u32(c, &f));
    if (f >= c->m->nfuncs)
        INVALID(c, "unknown function %u", f);
    const wa_functype *ft = wa_func_decl_type(c->m, f);
    CHECK(check_tail_results(c, ft));
    FEATURE(c, TAIL_CALL);
    CHECK(emit_call_args(c, ft, &a));
    if (wa_emit_live(c))
        CHECK(wa_emit4(c, WA_OP_RETURN_CALL, f, a, wa_width_of(ft->types, ft->nparams)));
    return set_unreachable(c);
}

static bool op_return_call_indirect(comp *c)
{
    uint32_t t, table, a;
    CHECK(rd_u32(c, &t));
    CHECK(rd_u32(c, &table));
    CHECK(check_table(c, table));
    if (t >= c->m->ntypes)
        INVALID(c, "unknown type %u", t);
    if (c->m->tables[table].elem != WA_FUNCREF)
        INVALID(c, "type mismatch: return_call_indirect table");
    const wa_functype *ft = &c->m->types[t];
    CHECK(check_tail_results(c, ft));
    FEATURE(c, TAIL_CALL);
    CHECK(wa_emit_pop(c, WA_I32, NULL));
    uint32_t h = c->nvals, islot = wa_emit_slot(c, h);
    vloc index = wa_emit_live(c) ? c->vlocs[h] : (vloc){.where = IN_SLOT};
    CHECK(emit_call_args(c, ft, &a));
    if (wa_emit_live(c)) {
        uint32_t i = index.where == IN_LOCAL ? index.local : islot;
        if (index.where == IN_CONST)
            CHECK(wa_emit3(c, WA_OP_CONST32, i, (uint32_t)index.k));
        CHECK(wa_emit3(c, WA_OP_RETURN_CALL_INDIRECT, c->canon[t], table) && wa_emit(c, a) &&
              wa_emit(c, i) && wa_emit(c, wa_width_of(ft->types, ft->nparams)));
    }
    return set_unreachable(c);
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
    CHECK(wa_emit_pop(c, WA_I32, NULL));
    CHECK(wa_emit_pop(c, want, &t1));
    CHECK(wa_emit_pop(c, want != UNKNOWN ? want : t1, &t2));
    uint8_t t = want != UNKNOWN ? want : (t1 != UNKNOWN ? t1 : t2);
    if (!typed && t != UNKNOWN && !wa_is_numtype(t) && t != WA_V128)
        INVALID(c, "type mismatch: select");
    if (!typed && t1 != UNKNOWN && t2 != UNKNOWN && t1 != t2)
        INVALID(c, "type mismatch");
    uint32_t h = c->nvals, a = wa_emit_opnd(c, h), b = wa_emit_opnd(c, h + 1),
             cond = wa_emit_opnd(c, h + 2);
    CHECK(wa_emit_push(c, t));
    return wa_emit4(c, t == WA_V128 ? WA_OP_SELECT128 : WA_OP_SELECT, wa_emit_slot(c, h), a, b) &&
           wa_emit(c, cond) && wa_emit_produced(c);
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
    return wa_emit_push_at(c, t, v);
}

static bool op_ref(comp *c, uint8_t opcode)
{
    uint32_t x;
    uint8_t t;
    switch (opcode) {
    case 0xd0: /* ref.null t */
        CHECK(rd_u8(c, &t));
        if ((t >= 0x6a && t <= 0x6e) || (t >= 0x71 && t <= 0x74))
            UNSUPPORTED(c, "GC reference types", "GC");
        if (!wa_is_reftype(t))
            MALFORMED(c, "malformed reference type");
        return wa_emit_push_at(c, t, (vloc){.where = IN_CONST, .k = 0});
    case 0xd1: { /* ref.is_null */
        CHECK(wa_emit_pop(c, UNKNOWN, &t));
        if (t != UNKNOWN && !wa_is_reftype(t))
            INVALID(c, "type mismatch: ref.is_null");
        uint32_t h = c->nvals, a = wa_emit_opnd(c, h);
        CHECK(wa_emit_push(c, WA_I32));
        return wa_emit3(c, WA_OP_REF_IS_NULL, wa_emit_slot(c, h), a) && wa_emit_produced(c);
    }
    default: /* 0xd2 ref.func x */
        CHECK(rd_u32(c, &x));
        if (x >= c->m->nfuncs)
            INVALID(c, "unknown function %u", x);
        if (!c->m->func_declared || !c->m->func_declared[x])
            INVALID(c, "undeclared function reference %u", x);
        CHECK(wa_emit_push(c, WA_FUNCREF));
        return wa_emit3(c, WA_OP_REF_FUNC, wa_emit_slot(c, c->nvals - 1), x) && wa_emit_produced(c);
    }
}

/* local.set and local.tee: stores the entry just popped at height h into
 * local x, leaving the stack's other entries correct. */
static bool set_local(comp *c, uint32_t x, uint32_t h)
{
    if (!wa_emit_live(c))
        return true;
    x = c->slot_of[x];
    /* Zero into a declared local that still holds the zero it started with:
     * nothing to do (`i32.const 0; local.set` opens many functions). */
    if (c->entry && x >= c->nparams && c->written[x] == 0 && c->vlocs[h].where == IN_CONST &&
        c->vlocs[h].k == 0)
        return true;
    c->written[x] = c->serial + 1;   /* the last instruction, or the next, writes x */
    for (uint32_t k = 0; k < h; k++) /* entries that still read x need the old value */
        if (c->vlocs[k].where == IN_LOCAL && c->vlocs[k].local == x)
            CHECK(wa_emit_materialize(c, k));
    return wa_emit_move(c, x, h); /* redirects the producer when it can */
}

static bool op_variable(comp *c, uint8_t opcode)
{
    uint32_t x, h;
    switch (opcode) {
    case 0x20: /* local.get: nothing to do until the value is used */
        CHECK(rd_local(c, &x));
        return wa_emit_push_at(c, c->locals[x], (vloc){.where = IN_LOCAL, .local = c->slot_of[x]});
    case 0x21: /* local.set */
        CHECK(rd_local(c, &x));
        CHECK(wa_emit_pop(c, c->locals[x], NULL));
        return set_local(c, x, c->nvals);
    case 0x22: { /* local.tee */
        CHECK(rd_local(c, &x));
        CHECK(wa_emit_pop(c, c->locals[x], NULL));
        h = c->nvals;
        bool is_const = wa_emit_live(c) && c->vlocs[h].where == IN_CONST;
        vloc v = is_const ? c->vlocs[h] : (vloc){.where = IN_LOCAL, .local = c->slot_of[x]};
        CHECK(set_local(c, x, h));
        return wa_emit_push_at(c, c->locals[x], v);
    }
    case 0x23: { /* global.get */
        CHECK(rd_global(c, &x));
        uint8_t t = c->m->globals[x].type.type;
        CHECK(wa_emit_push(c, t));
        return wa_emit3(c, t == WA_V128 ? WA_OP_GLOBAL_GET128 : WA_OP_GLOBAL_GET,
                        wa_emit_slot(c, c->nvals - 1), x) &&
               wa_emit_produced(c);
    }
    case 0x24: /* global.set */
        CHECK(rd_global(c, &x));
        if (!c->m->globals[x].type.mut)
            INVALID(c, "global is immutable");
        CHECK(wa_emit_pop(c, c->m->globals[x].type.type, NULL));
        h = wa_emit_opnd(c, c->nvals);
        return wa_emit3(
            c, c->m->globals[x].type.type == WA_V128 ? WA_OP_GLOBAL_SET128 : WA_OP_GLOBAL_SET, x,
            h);
    case 0x25: /* table.get */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(wa_emit_pop(c, WA_I32, NULL));
        h = c->nvals;
        uint32_t i = wa_emit_opnd(c, h);
        CHECK(wa_emit_push(c, c->m->tables[x].elem));
        return wa_emit4(c, WA_OP_TABLE_GET, wa_emit_slot(c, h), x, i) && wa_emit_produced(c);
    default: /* 0x26 table.set */
        CHECK(rd_u32(c, &x));
        CHECK(check_table(c, x));
        CHECK(wa_emit_pop(c, c->m->tables[x].elem, NULL));
        CHECK(wa_emit_pop(c, WA_I32, NULL));
        h = c->nvals;
        uint32_t idx = wa_emit_opnd(c, h), val = wa_emit_opnd(c, h + 1);
        return wa_emit4(c, WA_OP_TABLE_SET, x, idx, val);
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
        CHECK(wa_emit_op(c, WA_OP_UNREACHABLE));
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
        return wa_emit_pop(c, UNKNOWN, NULL); /* drop */
    case 0x1b:
        return op_select(c, false);
    case 0x1c:
        FEATURE(c, REFERENCE_TYPES);
        return op_select(c, true);
    case 0x3f: /* memory.size 0x00 */
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(wa_emit_push(c, WA_I32));
        return wa_emit2(c, WA_OP_MEMORY_SIZE, wa_emit_slot(c, c->nvals - 1));
    case 0x40: /* memory.grow 0x00 */
        CHECK(rd_zero(c));
        CHECK(need_memory(c));
        CHECK(wa_emit_pop(c, WA_I32, NULL));
        uint32_t h = c->nvals, n = wa_emit_opnd(c, h);
        CHECK(wa_emit_push(c, WA_I32));
        return wa_emit3(c, WA_OP_MEMORY_GROW, wa_emit_slot(c, h), n);
    case 0xfc:
        return op_prefixed(c);
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x0a:
    case 0x18:
    case 0x19:
    case 0x1f:
        c->r.p--;
        UNSUPPORTED(c, "exception-handling instructions", "exception handling");
    case 0x12:
        return op_return_call(c);
    case 0x13:
        return op_return_call_indirect(c);
    case 0x14:
    case 0x15:
    case 0xd3:
    case 0xd4:
    case 0xd5:
    case 0xd6:
        c->r.p--;
        UNSUPPORTED(c, "typed function references", "function references");
    case 0xfb:
        c->r.p--;
        UNSUPPORTED(c, "GC instructions", "GC");
    case 0xfd:
        FEATURE(c, SIMD);
        return wa_translate_simd(c);
    case 0xfe:
        c->r.p--;
        UNSUPPORTED(c, "atomic instructions", "threads");
    }
    if (op >= 0x25 && op <= 0x26)
        FEATURE(c, REFERENCE_TYPES);
    if (op >= 0x20 && op <= 0x26)
        return op_variable(c, op);
    if (op >= 0x28 && op <= 0x3e)
        return op_memory_access(c, op);
    if (op >= 0x41 && op <= 0x44)
        return op_const(c, op);
    if (op >= 0xc0 && op <= 0xc4)
        FEATURE(c, SIGN_EXTENSION);
    if (op >= 0x45 && op <= 0xc4)
        return op_numeric(c, op);
    if (op >= 0xd0 && op <= 0xd2) {
        FEATURE(c, REFERENCE_TYPES);
        return op_ref(c, op);
    }
    MALFORMED(c, "illegal opcode 0x%02x", op);
}

static bool translate(comp *c, uint32_t fi)
{
    const wa_module *m = c->m;
    const wa_funcdecl *fd = &m->funcs[fi];
    const wa_functype *ft = wa_func_decl_type(m, fi);
    c->func = fi;
    c->nwasm = ft->nparams + fd->nlocals;
    if (ft->nparams > WA_MAX_LOCALS || c->nwasm > WA_MAX_LOCALS)
        FAIL(c, WA_ERR_MALFORMED, "too many locals");
    c->locals = malloc(c->nwasm ? c->nwasm : 1);
    c->slot_of = malloc((c->nwasm ? c->nwasm : 1) * sizeof *c->slot_of);
    if (!c->locals || !c->slot_of)
        FAIL(c, WA_ERR_NOMEM, "out of memory");
    memcpy(c->locals, ft->types, ft->nparams);
    if (fd->nlocals)
        memcpy(c->locals + ft->nparams, fd->local_types, fd->nlocals);
    /* Locals by width: params first, so a call's arguments become them. */
    uint32_t slots = 0;
    for (uint32_t i = 0; i < c->nwasm; i++) {
        if (i == ft->nparams)
            c->nparams = slots;
        c->slot_of[i] = slots;
        slots += wa_width(c->locals[i]);
    }
    if (c->nwasm == ft->nparams)
        c->nparams = slots;
    /* The zero slot costs nothing where locals are zeroed at entry anyway. */
    c->zero = fd->nlocals ? slots : NONE;
    c->nlocals = slots + (fd->nlocals ? 1 : 0);
    c->written = calloc(c->nlocals ? c->nlocals : 1, sizeof *c->written);
    if (!c->written)
        FAIL(c, WA_ERR_NOMEM, "out of memory");
    CHECK(wa_emit_grow(c, (void **)&c->off, &c->capoff, 1, sizeof *c->off));
    c->off[0] = 0;
    c->serial = 0;
    c->effect = 0;
    c->rmw_op = NONE;
    c->r = (wa_reader){
        .start = m->bytes, .p = m->bytes + fd->body_off, .end = m->bytes + fd->body_end};
    c->fuel_site = NONE;
    wa_emit_label_here(c);
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
    if (!wa_bundle_pairs(c->ops, c->nops))
        FAIL(c, WA_ERR_NOMEM, "out of memory");
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
    code->nparams = c->nparams;
    code->nresults = wa_width_of(ft->types + ft->nparams, ft->nresults);
    code->nlocals = c->nlocals;
    code->frame_size = c->nlocals + c->max_height;
    if (code->frame_size < code->nresults)
        code->frame_size = code->nresults;
    /* room for the 4 slots that the interpreter clears for up to 4 locals */
    if (c->nlocals > c->nparams && code->frame_size < c->nparams + 4)
        code->frame_size = c->nparams + 4;
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
        while (table[j] != NONE && !wa_functype_equal(&m->types[table[j]], t))
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
        free(c.slot_of);
        free(c.written);
        c.locals = NULL;
        c.slot_of = NULL;
        c.written = NULL;
        if (!ok)
            break;
        c.capops = 0;
    }
    m->features |= c.features;
    free(c.canon);
    free(c.vals);
    free(c.vlocs);
    free(c.off);
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
