/*
 * emit.c: the code being built and the operand stack of the translator.
 *
 * The code buffer grows one unit at a time (wa_emit); every instruction
 * starts with wa_emit_op, which keeps `last`, `prev`, the serial number and
 * the last effect (has_effect) up to date for the fusions (fuse.c). Nothing
 * is emitted while the code is unreachable.
 *
 * The operand stack is the validation algorithm's type stack (wa_emit_push,
 * wa_emit_pop) plus, per entry, where its value is (vloc): in its own slot,
 * still in a local (`local.get` emits nothing), or a constant (`i32.const`
 * emits nothing). Consumers read locals directly and take constants as
 * immediates (wa_emit_opnd, wa_emit_imm_of); an entry is copied into its
 * slot only when it must be (wa_emit_materialize), and a copy of the value
 * the last instruction computed rewrites that instruction's destination
 * instead (wa_emit_move).
 *
 * The three smallest accessors, wa_emit_top, wa_emit_live and wa_emit_slot,
 * are inline in translate.h: every emission asks them.
 */
#include <stdlib.h>

#include "translate.h"

/* ---- the code buffer ------------------------------------------------------- */

bool wa_emit_grow(comp *c, void **p, uint32_t *cap, uint32_t need, size_t elem)
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

bool wa_emit(comp *c, uint32_t u)
{
    if (!wa_emit_live(c))
        return true;
    CHECK(wa_emit_grow(c, (void **)&c->ops, &c->capops, c->nops + 1, sizeof *c->ops));
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
    if (op >= WA_OP_COPY128 && op < WA_OP_I32_ADD_IMM2)
        return true; /* v128 ops: never moved across, whatever they do */
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

/* Starts an instruction: every instruction begins with wa_emit_op, so `last`
 * always knows where the latest one starts. */
bool wa_emit_op(comp *c, uint32_t op)
{
    if (!wa_emit_live(c))
        return true;
    c->serial++;
    c->prev = c->last;
    c->last = c->nops;
    c->last_produced = false;
    c->rmw_op = NONE;
    if (has_effect(op))
        c->effect = c->serial;
    return wa_emit(c, op);
}

bool wa_emit2(comp *c, uint32_t op, uint32_t a)
{
    return wa_emit_op(c, op) && wa_emit(c, a);
}
bool wa_emit3(comp *c, uint32_t op, uint32_t a, uint32_t b)
{
    return wa_emit_op(c, op) && wa_emit(c, a) && wa_emit(c, b);
}
bool wa_emit4(comp *c, uint32_t op, uint32_t a, uint32_t b, uint32_t d)
{
    return wa_emit3(c, op, a, b) && wa_emit(c, d);
}

/* Marks the instruction just emitted as writing its first operand (a slot),
 * which local.set may then redirect. */
bool wa_emit_produced(comp *c)
{
    c->last_produced = wa_emit_live(c);
    if (c->last_produced) {
        c->vlocs[c->nvals - 1].site = c->last;
        c->vlocs[c->nvals - 1].epoch = c->epoch;
        c->vlocs[c->nvals - 1].serial = c->serial;
    }
    return true;
}

/* A branch target lands here: the code before is no longer the only way in. */
void wa_emit_label_here(comp *c)
{
    c->last = NONE;
    c->prev = NONE;
    c->entry = false;
    c->last_produced = false;
    c->epoch++;
}

/* Ends an epoch without a label: a branch or a call. Code before it can no
 * longer be moved past it (see fuse.c: wa_fuse_address). */
void wa_emit_barrier(comp *c)
{
    c->epoch++;
}

/* ---- the type stack and value locations --------------------------------- */

bool wa_emit_push_at(comp *c, uint8_t t, vloc v)
{
    CHECK(wa_emit_grow(c, (void **)&c->vals, &c->capvals, c->nvals + 1, 1));
    CHECK(wa_emit_grow(c, (void **)&c->vlocs, &c->capvlocs, c->nvals + 1, sizeof *c->vlocs));
    CHECK(wa_emit_grow(c, (void **)&c->off, &c->capoff, c->nvals + 2, sizeof *c->off));
    c->vlocs[c->nvals] = v;
    c->vals[c->nvals] = t;
    uint32_t top = c->off[c->nvals] + wa_width(t);
    c->off[++c->nvals] = top;
    if (top > c->max_height)
        c->max_height = top;
    return true;
}

bool wa_emit_push(comp *c, uint8_t t)
{
    return wa_emit_push_at(c, t, (vloc){.where = IN_SLOT, .site = NONE});
}

bool wa_emit_push_n(comp *c, const uint8_t *ts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        CHECK(wa_emit_push(c, ts[i]));
    return true;
}

/* Pops one value, expected of type `want` (UNKNOWN = any); stores the
 * actual type (UNKNOWN in dead code) in *got. The popped entry's location
 * stays readable at vlocs[nvals] until the next push. */
bool wa_emit_pop(comp *c, uint8_t want, uint8_t *got)
{
    ctl *f = wa_emit_top(c);
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

bool wa_emit_pop_n(comp *c, const uint8_t *ts, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        CHECK(wa_emit_pop(c, ts[i], NULL));
    return true;
}

/* Writes the value of entry h into slot `dst`. When the last instruction
 * computed that value, it is redirected to write `dst` instead: entry h's
 * own slot is then stale, which callers accept (the entry is being
 * consumed: local.set, or values leaving by a branch). Nothing ran since
 * that instruction, so no one can have read its old destination. */
bool wa_emit_move(comp *c, uint32_t dst, uint32_t h)
{
    const vloc *v = &c->vlocs[h];
    if (v->where == IN_CONST) {
        if (v->k >> 32)
            return wa_emit4(c, WA_OP_CONST64, dst, (uint32_t)v->k, (uint32_t)(v->k >> 32));
        return wa_emit3(c, WA_OP_CONST32, dst, (uint32_t)v->k);
    }
    uint32_t src = v->where == IN_LOCAL ? v->local : wa_emit_slot(c, h);
    if (src == dst)
        return true;
    if (v->where == IN_SLOT && c->last_produced && c->ops[c->last + 1] == src) {
        c->ops[c->last + 1] = dst;
        c->last_produced = false;
        return true;
    }
    return wa_emit3(c, c->vals[h] == WA_V128 ? WA_OP_COPY128 : WA_OP_COPY, dst, src);
}

/* Puts entry h's value into its own slot. */
bool wa_emit_materialize(comp *c, uint32_t h)
{
    if (!wa_emit_live(c) || c->vlocs[h].where == IN_SLOT)
        return true;
    CHECK(wa_emit_move(c, wa_emit_slot(c, h), h));
    c->vlocs[h].where = IN_SLOT;
    c->vlocs[h].site = NONE;
    return true;
}

/* Entries [from, nvals) into their slots. */
bool wa_emit_materialize_from(comp *c, uint32_t from)
{
    for (uint32_t h = from; h < c->nvals; h++)
        CHECK(wa_emit_materialize(c, h));
    return true;
}

/* The slot to read entry h from, for an entry just popped or on the stack.
 * Constants are materialized: callers that take immediates check first.
 * Call it before emitting the instruction that uses it. */
uint32_t wa_emit_opnd(comp *c, uint32_t h)
{
    if (!wa_emit_live(c))
        return 0;
    if (c->vlocs[h].where == IN_CONST)
        wa_emit_materialize(c, h);
    return c->vlocs[h].where == IN_LOCAL ? c->vlocs[h].local : wa_emit_slot(c, h);
}

/* Whether entry h is a constant that fits a 32-bit immediate of type t. */
bool wa_emit_imm_of(const comp *c, uint32_t h, uint8_t t, uint32_t *k)
{
    const vloc *v = &c->vlocs[h];
    if (v->where != IN_CONST)
        return false;
    if (t == WA_I64 && (int64_t)v->k != (int64_t)(int32_t)v->k)
        return false;
    *k = (uint32_t)v->k;
    return true;
}
