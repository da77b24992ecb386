/*
 * bundle.c: the pass after translation that turns pairs of adjacent
 * instructions into bundles (code.h: WA_BUNDLE_OPS), run by one handler.
 *
 * A pair is bundled only where its second instruction is no branch target:
 * then the second always runs right after the first, and one dispatch does
 * both. Nothing moves: the first opcode changes to the bundle's, and the
 * second's opcode unit stays in place, unused, so every branch target and
 * operand keeps its position. A bundle does not bundle again.
 */
#include <stdlib.h>

#include "translate.h"

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

/* Bundles the pairs of adjacent instructions in ops[0, nops) whose second
 * is no branch target. Returns false, the code unchanged, when out of
 * memory. */
bool wa_bundle_pairs(uint32_t *ops, uint32_t nops)
{
    uint32_t first, count;
    uint8_t *target = calloc(nops + 1, 1);
    if (!target)
        return false;
    for (uint32_t pc = 0; pc < nops;) {
        uint32_t len = targets_of(ops, pc, &first, &count);
        for (uint32_t i = 0; i < count; i++)
            target[ops[pc + first + i]] = 1;
        pc += len;
    }
    for (uint32_t pc = 0, prev = NONE; pc < nops;) {
        uint32_t len = targets_of(ops, pc, &first, &count), b;
        if (prev != NONE && !target[pc] && (b = bundle_of(ops, prev, pc)) != 0) {
            ops[prev] = b;
            prev = NONE; /* a bundle does not bundle again */
        } else {
            prev = pc;
        }
        pc += len;
    }
    free(target);
    return true;
}
