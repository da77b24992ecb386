/*
 * fuse.c: the peephole fusions the translator tries as it emits.
 *
 * Each fusion merges the instruction being translated with one emitted just
 * before it, or folds one into it, into a single op of code.h's fused,
 * memory-fused and branch groups. code.c calls them at the points where an
 * instruction could fuse; each either emits the fused form (and says so) or
 * leaves everything as it was, so code.c emits the plain form.
 *
 * A fusion may rewrite or cut out code only within the current epoch (no
 * label, branch or call since: translate.h), and only when what the
 * translator tracks proves the result the same: per stack entry, where its
 * value is and which instruction wrote its slot, in which epoch and at which
 * serial; per local, the serial of its last write; and the serial of the
 * last instruction with an effect (emit.c: has_effect). Every comment below
 * says why its rewrite is sound. tests/wasm/translator.wat holds cases for
 * the paths the spec suite does not reach.
 */
#include <string.h>

#include "translate.h"

/* ---- cutting and checking code already emitted ----------------------------- */

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

/* Whether operand x of the instruction that produced entry p still holds
 * what it held then: true when nothing ran since, for p's own slot (p is
 * still on the stack), and for a local not written since. */
static bool operand_intact(const comp *c, uint32_t p, uint32_t x)
{
    const vloc *v = &c->vlocs[p];
    if (v->site == c->last || x == wa_emit_slot(c, p))
        return true;
    return x < c->nlocals && c->written[x] <= v->serial;
}

/* ---- branches -------------------------------------------------------------- */

/* The target of a loop's back edge, the branch op at c->last having been
 * emitted but for it: the op becomes its _LOOP form, which does the work of
 * the FUEL op opening the loop body and jumps past it. When an I32_ADD_IMM
 * of the value the branch tests comes right before (a loop counter), the
 * two become one ADD_JMP op; it adds then branches, as the two did. */
bool wa_fuse_loop_target(comp *c, const ctl *l)
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
        return wa_emit(c, l->label); /* JMP_ANY, JMP_NONE: to the FUEL op itself */
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
    return wa_emit(c, l->label + 2);
}

/* A conditional jump taken when slot a is non-zero (when_true) or zero, a
 * holding the i32 entry just popped at height h, or what an i32.eqz of it
 * tested, in h's slot too. When the last instruction computed a as
 * `i32.and x, k` (and only the branch reads it, in h's slot), the branch
 * tests x & k itself: JMP_ANY or JMP_NONE. */
static bool bit_test(comp *c, uint32_t a, uint32_t h, bool when_true)
{
    const uint32_t *last = c->last != NONE ? &c->ops[c->last] : NULL;
    if (last && last[0] == WA_OP_I32_AND_IMM && last[1] == a && a == wa_emit_slot(c, h)) {
        uint32_t x = last[2], k = last[3];
        c->nops = c->last;
        c->last = c->prev;
        return wa_emit3(c, when_true ? WA_OP_JMP_ANY : WA_OP_JMP_NONE, x, k);
    }
    return wa_emit2(c, when_true ? WA_OP_JMP_IF : WA_OP_JMP_IFNOT, a);
}

/* A conditional jump on the i32 entry just popped at height h, taken when
 * the value is non-zero (when_true) or zero. When the last instruction
 * computed that value with an i32 comparison, the two fuse into one
 * compare-and-branch. The target operand is emitted by the caller. */
bool wa_fuse_cond_jump(comp *c, uint32_t h, bool when_true)
{
    if (!wa_emit_live(c))
        return true;
    wa_emit_barrier(c);
    uint32_t *last = c->last != NONE ? &c->ops[c->last] : NULL;
    if (last && c->last_produced && last[1] == wa_emit_slot(c, h) && c->vlocs[h].where == IN_SLOT) {
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
            return wa_emit3(c, base + op, a, b);
        }
        if (op == WA_OP_I32_EQZ) { /* tests the eqz's operand, maybe a bit test */
            uint32_t a = last[2];
            c->nops = c->last;
            c->last = c->prev;
            return bit_test(c, a, h, !when_true);
        }
        if (op == WA_OP_I32_AND_IMM)
            return bit_test(c, wa_emit_slot(c, h), h, when_true);
    }
    uint32_t cond = wa_emit_opnd(c, h);
    return wa_emit2(c, when_true ? WA_OP_JMP_IF : WA_OP_JMP_IFNOT, cond);
}

/* ---- arithmetic ------------------------------------------------------------ */

/* The load of type `op` (I64_LOAD for f64 values) that computed entry e, if
 * any. Read it before pushing over e. */
loadref wa_fuse_loaded_by(const comp *c, uint32_t e, uint32_t op)
{
    const vloc *v = &c->vlocs[e];
    if (v->where != IN_SLOT || v->site == NONE || v->epoch != c->epoch || c->ops[v->site] != op ||
        c->ops[v->site + 1] != wa_emit_slot(c, e))
        return (loadref){NONE, 0};
    return (loadref){v->site, v->serial};
}

/* Records, right after emitting it, that the last instruction reads the
 * result of load `l` as operand `pos` (a unit index in the instruction). */
void wa_fuse_note_rmw(comp *c, loadref l, uint32_t pos)
{
    if (l.site == NONE || !wa_emit_live(c))
        return;
    c->rmw_op = c->last;
    c->rmw_load = l.site;
    c->rmw_serial = l.serial;
    c->rmw_epoch = c->epoch;
    c->rmw_pos = pos;
}

/* f64.add or f64.sub of a product computed in this epoch: one
 * F64_MUL_ADD/MUL_SUB/SUB_MUL instead, saving a dispatch and a trip of the
 * product through its slot. The multiply may lie before the other operand's
 * computation (a load, say): it is cut out when its factors are intact.
 * Entries h, h+1 were just popped. */
bool wa_fuse_multiply_add(comp *c, uint8_t opcode, uint32_t h, bool *done)
{
    *done = false;
    if (!wa_emit_live(c))
        return true;
    for (uint32_t product = h + 2; product-- > h;) { /* the later operand first */
        const vloc *v = &c->vlocs[product];
        uint32_t other = product == h ? h + 1 : h;
        if (v->where != IN_SLOT || v->site == NONE || v->epoch != c->epoch ||
            c->ops[v->site] != WA_OP_F64_MUL || c->ops[v->site + 1] != wa_emit_slot(c, product) ||
            c->vlocs[other].where == IN_CONST) /* its materialization could clobber a factor */
            continue;
        uint32_t site = v->site, a = c->ops[site + 2], b = c->ops[site + 3];
        if (!operand_intact(c, product, a) || !operand_intact(c, product, b))
            continue;
        uint32_t x = wa_emit_opnd(c, other); /* a local or a slot: emits nothing */
        uint32_t op = opcode == 0xa0 ? WA_OP_F64_MUL_ADD
                      : product == h ? WA_OP_F64_MUL_SUB  /* a*b - x */
                                     : WA_OP_F64_SUB_MUL; /* x - a*b */
        /* x + a*b and x - a*b may become read-modify-writes of x's memory */
        loadref load = {NONE, 0};
        if (op != WA_OP_F64_MUL_SUB)
            load = wa_fuse_loaded_by(c, other, WA_OP_I64_LOAD);
        if (load.site != NONE && load.site > site)
            load.site -= 4;
        if (c->last == site)
            c->last = NONE;
        cut_instruction(c, site, 4);
        CHECK(wa_emit_push(c, WA_F64));
        *done = true;
        CHECK(wa_emit4(c, op, wa_emit_slot(c, h), a, b) && wa_emit(c, x) && wa_emit_produced(c));
        wa_fuse_note_rmw(c, load, 4);
        return true;
    }
    return true;
}

/* i32.or of two constant shifts, one left and one unsigned right, that the
 * last two instructions computed: one I32_SHL_SHR_OR/SHR_SHL_OR instead.
 * Entry h's shift ran first: it cannot have changed the second shift's
 * source (a local or slot h+1), nor the second its own (a local or slot h),
 * so reading both sources at the end gives the same values. */
bool wa_fuse_shift_merge(comp *c, uint32_t h, bool *done)
{
    *done = false;
    if (!wa_emit_live(c) || c->last == NONE || !c->last_produced)
        return true;
    const vloc *x = &c->vlocs[h], *y = &c->vlocs[h + 1];
    if (x->where != IN_SLOT || y->where != IN_SLOT || x->site == NONE || y->site != c->last ||
        x->site + 4 != y->site || x->epoch != c->epoch ||
        c->ops[x->site + 1] != wa_emit_slot(c, h) || c->ops[y->site + 1] != wa_emit_slot(c, h + 1))
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
    CHECK(wa_emit_push(c, WA_I32));
    *done = true;
    return wa_emit4(c, op, wa_emit_slot(c, h), a, k) && wa_emit(c, b) && wa_emit(c, j) &&
           wa_emit_produced(c);
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
    if (shifted->where != IN_SLOT || shifted->site != p || c->ops[p + 1] != wa_emit_slot(c, h) ||
        other->where != IN_SLOT || other->site != l || c->ops[l + 1] != wa_emit_slot(c, h + 1))
        return true;
    uint32_t y = c->ops[p + 2], k = c->ops[p + 3], len = wa_op_len[c->ops[l]];
    memmove(&c->ops[p], &c->ops[l], len * sizeof *c->ops);
    c->nops = p + len;
    c->last = p;
    c->prev = NONE;
    CHECK(wa_emit_push(c, WA_I32));
    *done = true;
    return wa_emit4(c, WA_OP_I32_ADD_SHL, wa_emit_slot(c, h), wa_emit_slot(c, h + 1), y) &&
           wa_emit(c, k) && wa_emit_produced(c);
}

/* i32.add of a value and another that the last instruction computed as
 * `i32.shl y, k` (into its own slot, read by nothing else): one I32_ADD_SHL.
 * Nothing ran since the shift, so the other operand and y hold what they
 * held; y may be the shift's own slot, which now keeps y. */
bool wa_fuse_add_shl(comp *c, uint32_t h, bool *done)
{
    *done = false;
    if (!wa_emit_live(c) || c->last == NONE || !c->last_produced)
        return true;
    if (c->ops[c->last] != WA_OP_I32_SHL_IMM)
        return fuse_shl_then_add(c, h, done);
    for (uint32_t e = h + 2; e-- > h;) {
        const vloc *v = &c->vlocs[e];
        uint32_t other = e == h ? h + 1 : h;
        if (v->where != IN_SLOT || v->site != c->last ||
            c->ops[c->last + 1] != wa_emit_slot(c, e) ||
            c->vlocs[other].where == IN_CONST) /* materializing it would come after */
            continue;
        uint32_t y = c->ops[c->last + 2], k = c->ops[c->last + 3], x = wa_emit_opnd(c, other);
        c->nops = c->last;
        c->last = c->prev;
        CHECK(wa_emit_push(c, WA_I32));
        *done = true;
        return wa_emit4(c, WA_OP_I32_ADD_SHL, wa_emit_slot(c, h), x, y) && wa_emit(c, k) &&
               wa_emit_produced(c);
    }
    return true;
}

/* ---- memory accesses ------------------------------------------------------- */

/* The address of a memory access: entry h's slot, or, when entry h was
 * computed as `i32.add x, k` in the current epoch, x with k folded into the
 * access (which adds k with the same 32-bit wraparound), and the add is cut
 * out. That is sound because within an epoch nothing after the add reads
 * its result (entry h is still on the stack) or writes x: x is entry h's
 * own old slot, which stays its, or a local not written since the add. A
 * constant address c is the slot that stays 0 with k = c, when the function
 * has one: (0 + c) mod 2^32 + offset is the address the spec computes. */
uint32_t wa_fuse_address(comp *c, uint32_t h, uint32_t *k)
{
    *k = 0;
    if (!wa_emit_live(c))
        return 0;
    const vloc *v = &c->vlocs[h];
    if (v->where == IN_CONST && c->zero != NONE) { /* (0 + k) mod 2^32 + offset */
        *k = (uint32_t)v->k;
        return c->zero;
    }
    if (v->where == IN_SLOT && v->site != NONE && v->epoch == c->epoch &&
        c->ops[v->site] == WA_OP_I32_ADD_IMM && c->ops[v->site + 1] == wa_emit_slot(c, h) &&
        (c->ops[v->site + 2] >= c->nlocals || c->written[c->ops[v->site + 2]] <= v->serial)) {
        uint32_t site = v->site, a = c->ops[site + 2];
        *k = c->ops[site + 3];
        if (c->last == site)
            c->last = NONE; /* the last instruction is gone: nothing to fuse with */
        cut_instruction(c, site, 4);
        return a;
    }
    return wa_emit_opnd(c, h);
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
 * h + 1) into its own slot; (a, k) is the address as wa_fuse_address folded it. */
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
    CHECK(wa_emit4(c, op, a, x, k) && wa_emit(c, offset));
    return y == NONE || wa_emit(c, y);
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

/* The op of the last instruction when it computed entry e into e's own slot,
 * which nobody else reads: a store of e may take its place (wa_fuse_store);
 * 0 otherwise. Ask before wa_fuse_address, which may cut code before it. */
uint32_t wa_fuse_producer(comp *c, uint32_t e)
{
    const vloc *val = wa_emit_live(c) ? &c->vlocs[e] : NULL; /* unreachable code has no vlocs */
    if (val && c->last != NONE && c->last_produced && val->where == IN_SLOT &&
        val->site == c->last && c->ops[c->last + 1] == wa_emit_slot(c, e))
        return c->ops[c->last];
    return 0;
}

/* A store `op` of the value that instruction `prod` computed
 * (wa_fuse_producer, or 0), to the address (a, k) as wa_fuse_address folded
 * it, plus offset: when `prod` is still the last instruction (wa_fuse_address
 * may have materialized a constant address after it), the store takes its
 * place as a MOVE (a load of as many bytes as are stored: nothing ran
 * since), a STORE_SHL_SHR_OR/SHR_SHL_OR (an i32.store of a word merge), or
 * a read-modify-write (fuse_rmw). *done says whether it emitted the store. */
bool wa_fuse_store(comp *c, uint32_t op, uint32_t prod, uint32_t a, uint32_t k, uint32_t offset,
                   bool *done)
{
    *done = false;
    if (prod &&
        (c->last == NONE || c->ops[c->last] != prod || c->last + wa_op_len[prod] != c->nops))
        prod = 0;
    const uint32_t *p = prod ? &c->ops[c->last] : NULL;
    uint32_t move = prod ? move_form(op, prod) : 0;
    if (move) {
        uint32_t src = p[2], sk = p[3], so = p[4];
        c->nops = c->last;
        c->last = NONE;
        *done = true;
        return wa_emit4(c, move, a, src, k) && wa_emit(c, offset) && wa_emit(c, sk) &&
               wa_emit(c, so);
    }
    if (op == WA_OP_I32_STORE && (prod == WA_OP_I32_SHL_SHR_OR || prod == WA_OP_I32_SHR_SHL_OR)) {
        uint32_t x = p[2], i = p[3], y = p[4], j = p[5];
        c->nops = c->last;
        c->last = NONE;
        *done = true;
        return wa_emit4(c,
                        prod == WA_OP_I32_SHL_SHR_OR ? WA_OP_STORE_SHL_SHR_OR
                                                     : WA_OP_STORE_SHR_SHL_OR,
                        a, x, k) &&
               wa_emit(c, offset) && wa_emit(c, i) && wa_emit(c, y) && wa_emit(c, j);
    }
    if (op == WA_OP_I64_STORE && prod)
        return fuse_rmw(c, a, k, offset, done);
    return true;
}
