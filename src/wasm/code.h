/*
 * code.h: the interpreter's internal code, produced by the translator
 * (code.c and the files of translate.h), run by interp.c.
 *
 * A function becomes an array of 32-bit units: an opcode followed by its
 * operands. Operands are frame slot numbers, immediates or branch targets
 * (absolute unit indices in the same array); nothing is decoded at run time.
 *
 * Frame layout (one wa_val of 8 bytes per slot, fp points at slot 0):
 *   [0, nparams)            parameters
 *   [nparams, nlocals)      declared locals, zeroed at entry; in a function
 *                           with locals, the last of them is no wasm local but
 *                           a slot that stays 0, the base of constant
 *                           addresses (`i32.const c; i32.load` reads slot +
 *                           c, with no op to put c in a slot)
 *   [nlocals, frame_size)   the operand stack: the value at stack height h
 *                           always lives in slot nlocals + off[h], off[h]
 *                           being the slots taken by the values below it
 * A v128 takes two consecutive slots (bytes 0-7, then 8-15), everything
 * else one; so the counts above are in slots (nparams, nresults, nlocals:
 * slots), locals and params are laid out by width, and in a function with
 * no v128 the value at height h is in slot nlocals + h.
 * Because validation knows the stack height at every instruction, each
 * operand is a fixed slot: `i32.add` is "ADD dst a b" with no pushing or
 * popping at run time. A call's arguments sit at the top of the caller's
 * stack and become the callee's first slots in place (no copy); the callee
 * leaves its results in its slots [0, nresults), where the caller finds them.
 *
 * Operand encoding per group (d = destination slot, s/a/b/c = source slots):
 *   unary numeric   OP d a                binary numeric   OP d a b
 *   loads           OP d addr k offset    stores           OP addr value k offset
 *   (the address is (addr + k) mod 2^32 + offset: k is an `i32.add` of a
 *   constant folded into the access, wrapping as the add would)
 *   see code.c and fuse.c (emitters) and interp.c (handlers) for the rest;
 *   every op's length is listed in wa_op_len so tools can walk the code.
 */
#ifndef WA_CODE_H
#define WA_CODE_H

#include "module.h"
#include "simd_list.h"

/* Ops in lists: the control/memory/table ops, then the numeric ops in
 * WebAssembly opcode order (0x45..0xc4), so the translator maps a numeric
 * opcode to its op by offset, then the superinstructions the translator
 * makes. Each entry is X(NAME, LENGTH in units), or X(NAME) where a list
 * gives the lengths. */
#define WA_CONTROL_OPS(X)                                                                          \
    X(UNREACHABLE, 1)                                                                              \
    X(FUEL, 2)          /* FUEL cost: charge fuel, check interrupt */                              \
    X(JMP, 2)           /* JMP target */                                                           \
    X(JMP_IF, 3)        /* JMP_IF cond target */                                                   \
    X(JMP_IFNOT, 3)     /* JMP_IFNOT cond target */                                                \
    X(BR_TABLE, 3)      /* BR_TABLE index n, then n+1 targets (the last is the default) */         \
    X(RET, 1)           /* results already in slots [0, nresults) */                               \
    X(CALL, 3)          /* CALL func argslot */                                                    \
    X(CALL_INDIRECT, 5) /* CALL_INDIRECT type table argslot indexslot */                           \
    X(RETURN_CALL, 4)   /* RETURN_CALL func argslot nargs: the callee takes over this frame */     \
    X(RETURN_CALL_INDIRECT, 6) /* RETURN_CALL_INDIRECT type table argslot indexslot nargs */       \
    X(COPY, 3)                 /* COPY d s */                                                      \
    X(SELECT, 5)               /* SELECT d a b cond */                                             \
    X(CONST32, 3)              /* CONST32 d value */                                               \
    X(CONST64, 4)              /* CONST64 d lo hi */                                               \
    X(GLOBAL_GET, 3)           /* GLOBAL_GET d global */                                           \
    X(GLOBAL_SET, 3)           /* GLOBAL_SET global s */                                           \
    X(REF_IS_NULL, 3)                                                                              \
    X(REF_FUNC, 3)   /* REF_FUNC d func */                                                         \
    X(TABLE_GET, 4)  /* TABLE_GET d table i */                                                     \
    X(TABLE_SET, 4)  /* TABLE_SET table i v */                                                     \
    X(TABLE_SIZE, 3) /* TABLE_SIZE d table */                                                      \
    X(TABLE_GROW, 5) /* TABLE_GROW d table init n */                                               \
    X(TABLE_FILL, 5) /* TABLE_FILL table i v n */                                                  \
    X(TABLE_COPY, 6) /* TABLE_COPY dst_table src_table d s n */                                    \
    X(TABLE_INIT, 6) /* TABLE_INIT table elem d s n */                                             \
    X(ELEM_DROP, 2)                                                                                \
    X(MEMORY_SIZE, 2) /* MEMORY_SIZE d */                                                          \
    X(MEMORY_GROW, 3) /* MEMORY_GROW d n */                                                        \
    X(MEMORY_FILL, 4) /* MEMORY_FILL d v n */                                                      \
    X(MEMORY_COPY, 4) /* MEMORY_COPY d s n */                                                      \
    X(MEMORY_INIT, 5) /* MEMORY_INIT data d s n */                                                 \
    X(DATA_DROP, 2)                                                                                \
    X(I32_LOAD, 5)                                                                                 \
    X(I64_LOAD, 5)                                                                                 \
    X(I32_LOAD8_S, 5)                                                                              \
    X(I32_LOAD8_U, 5)                                                                              \
    X(I32_LOAD16_S, 5)                                                                             \
    X(I32_LOAD16_U, 5)                                                                             \
    X(I64_LOAD8_S, 5)                                                                              \
    X(I64_LOAD8_U, 5)                                                                              \
    X(I64_LOAD16_S, 5)                                                                             \
    X(I64_LOAD16_U, 5)                                                                             \
    X(I64_LOAD32_S, 5)                                                                             \
    X(I64_LOAD32_U, 5)                                                                             \
    X(I32_STORE, 5)                                                                                \
    X(I64_STORE, 5)                                                                                \
    X(I32_STORE8, 5)                                                                               \
    X(I32_STORE16, 5)                                                                              \
    X(I64_STORE8, 5)                                                                               \
    X(I64_STORE16, 5)                                                                              \
    X(I64_STORE32, 5)                                                                              \
    X(I32_TRUNC_SAT_F32_S, 3)                                                                      \
    X(I32_TRUNC_SAT_F32_U, 3)                                                                      \
    X(I32_TRUNC_SAT_F64_S, 3)                                                                      \
    X(I32_TRUNC_SAT_F64_U, 3)                                                                      \
    X(I64_TRUNC_SAT_F32_S, 3)                                                                      \
    X(I64_TRUNC_SAT_F32_U, 3)                                                                      \
    X(I64_TRUNC_SAT_F64_S, 3)                                                                      \
    X(I64_TRUNC_SAT_F64_U, 3)

/* Numeric ops, 0x45..0xc4 in order; U = unary (3 units), B = binary (4). */
// clang-format off
#define WA_NUMERIC_OPS(U, B) \
    U(I32_EQZ) \
    B(I32_EQ) B(I32_NE) B(I32_LT_S) B(I32_LT_U) B(I32_GT_S) B(I32_GT_U) B(I32_LE_S) B(I32_LE_U) \
    B(I32_GE_S) B(I32_GE_U) \
    U(I64_EQZ) \
    B(I64_EQ) B(I64_NE) B(I64_LT_S) B(I64_LT_U) B(I64_GT_S) B(I64_GT_U) B(I64_LE_S) B(I64_LE_U) \
    B(I64_GE_S) B(I64_GE_U) \
    B(F32_EQ) B(F32_NE) B(F32_LT) B(F32_GT) B(F32_LE) B(F32_GE) \
    B(F64_EQ) B(F64_NE) B(F64_LT) B(F64_GT) B(F64_LE) B(F64_GE) \
    U(I32_CLZ) U(I32_CTZ) U(I32_POPCNT) \
    B(I32_ADD) B(I32_SUB) B(I32_MUL) B(I32_DIV_S) B(I32_DIV_U) B(I32_REM_S) B(I32_REM_U) \
    B(I32_AND) B(I32_OR) B(I32_XOR) B(I32_SHL) B(I32_SHR_S) B(I32_SHR_U) B(I32_ROTL) B(I32_ROTR) \
    U(I64_CLZ) U(I64_CTZ) U(I64_POPCNT) \
    B(I64_ADD) B(I64_SUB) B(I64_MUL) B(I64_DIV_S) B(I64_DIV_U) B(I64_REM_S) B(I64_REM_U) \
    B(I64_AND) B(I64_OR) B(I64_XOR) B(I64_SHL) B(I64_SHR_S) B(I64_SHR_U) B(I64_ROTL) B(I64_ROTR) \
    U(F32_ABS) U(F32_NEG) U(F32_CEIL) U(F32_FLOOR) U(F32_TRUNC) U(F32_NEAREST) U(F32_SQRT) \
    B(F32_ADD) B(F32_SUB) B(F32_MUL) B(F32_DIV) B(F32_MIN) B(F32_MAX) B(F32_COPYSIGN) \
    U(F64_ABS) U(F64_NEG) U(F64_CEIL) U(F64_FLOOR) U(F64_TRUNC) U(F64_NEAREST) U(F64_SQRT) \
    B(F64_ADD) B(F64_SUB) B(F64_MUL) B(F64_DIV) B(F64_MIN) B(F64_MAX) B(F64_COPYSIGN) \
    U(I32_WRAP_I64) \
    U(I32_TRUNC_F32_S) U(I32_TRUNC_F32_U) U(I32_TRUNC_F64_S) U(I32_TRUNC_F64_U) \
    U(I64_EXTEND_I32_S) U(I64_EXTEND_I32_U) \
    U(I64_TRUNC_F32_S) U(I64_TRUNC_F32_U) U(I64_TRUNC_F64_S) U(I64_TRUNC_F64_U) \
    U(F32_CONVERT_I32_S) U(F32_CONVERT_I32_U) U(F32_CONVERT_I64_S) U(F32_CONVERT_I64_U) \
    U(F32_DEMOTE_F64) \
    U(F64_CONVERT_I32_S) U(F64_CONVERT_I32_U) U(F64_CONVERT_I64_S) U(F64_CONVERT_I64_U) \
    U(F64_PROMOTE_F32) \
    U(I32_REINTERPRET_F32) U(I64_REINTERPRET_F64) U(F32_REINTERPRET_I32) U(F64_REINTERPRET_I64) \
    U(I32_EXTEND8_S) U(I32_EXTEND16_S) U(I64_EXTEND8_S) U(I64_EXTEND16_S) U(I64_EXTEND32_S)

/* Superinstructions made by the translator. Each group follows WebAssembly
 * opcode order so it is indexed by offset from the group's first op:
 *   JMP_I32_<cmp> a b target          branch if the i32 comparison holds
 *   JMP_I32_<cmp>_IMM a k target      the same against a constant
 *   I32_<cmp>_IMM d a k               comparison against a constant
 *   I32_<op>_IMM / I64_<op>_IMM d a k arithmetic with a constant (for i64,
 *                                     k is sign-extended from 32 bits)
 *   STORE<bits>_IMM addr v k offset   store the constant v (STORE64: v
 *                                     sign-extended from 32 bits)
 *   F64_MUL_ADD d a b c               d = a*b + c; F64_MUL_SUB d = a*b - c;
 *                                     F64_SUB_MUL d = c - a*b. The product is
 *                                     rounded first (never a fused FMA).
 *   I32_SHL_SHR_OR d a k b j          d = (a << k) | (b >> j), unsigned;
 *   I32_SHR_SHL_OR d a k b j          d = (a >> k) | (b << j): the word merge
 *                                     of memcpy's misaligned path. */
#define WA_I32_CMPS(X, P, S) \
    X(P##EQ##S) X(P##NE##S) X(P##LT_S##S) X(P##LT_U##S) X(P##GT_S##S) X(P##GT_U##S) \
    X(P##LE_S##S) X(P##LE_U##S) X(P##GE_S##S) X(P##GE_U##S)
#define WA_INT_ARITH(X, P) \
    X(P##ADD_IMM) X(P##SUB_IMM) X(P##MUL_IMM) X(P##DIV_S_IMM) X(P##DIV_U_IMM) X(P##REM_S_IMM) \
    X(P##REM_U_IMM) X(P##AND_IMM) X(P##OR_IMM) X(P##XOR_IMM) X(P##SHL_IMM) X(P##SHR_S_IMM) \
    X(P##SHR_U_IMM) X(P##ROTL_IMM) X(P##ROTR_IMM)
#define WA_FUSED_OPS(X) \
    WA_I32_CMPS(X, JMP_I32_, ) WA_I32_CMPS(X, JMP_I32_, _IMM) WA_I32_CMPS(X, I32_, _IMM) \
    WA_INT_ARITH(X, I32_) WA_INT_ARITH(X, I64_) \
    X(STORE8_IMM) X(STORE16_IMM) X(STORE32_IMM) X(STORE64_IMM) \
    X(F64_MUL_ADD) X(F64_MUL_SUB) X(F64_SUB_MUL) \
    X(I32_SHL_SHR_OR) X(I32_SHR_SHL_OR)
// clang-format on

/* Fused ops take 4 units, but for the constant stores (addr v k offset) and
 * the multiply-adds (d a b c): 5, and the shift merges (d a k b j): 6. */
#define WA_FUSED_LEN(op) ((op) >= WA_OP_I32_SHL_SHR_OR ? 6 : (op) >= WA_OP_STORE8_IMM ? 5 : 4)

/* Memory superinstructions, X(NAME, LENGTH). The address of each access is
 * computed as for loads and stores: (addr + k) mod 2^32 + offset in 64 bits.
 *   F64_MEM_<op> addr x k offset       read-modify-write of the f64 at the
 *   F64_MEM_<op> addr a k offset b     address, from a load and a store of
 *                                      the same address: m = m + x, m - x,
 *                                      a*b + m, m - a*b (product rounded
 *                                      first); one bounds check for both
 *   MOVE<bits> addr src k offset sk so a load immediately stored: copies
 *                                      bits/8 bytes from (src + sk) mod 2^32
 *                                      + so; the load's bounds are checked
 *                                      (and trap) first, nothing is written
 *                                      unless both accesses are in bounds
 *   STORE_SHL_SHR_OR addr a k offset i b j     i32.store of I32_SHL_SHR_OR
 *   STORE_SHR_SHL_OR addr a k offset i b j     a i b j (and its mirror): the
 *                                      merged words that memcpy's misaligned
 *                                      path stores
 * and one that is no memory access:
 *   I32_ADD_SHL d a b k                d = a + (b << k): an array's base plus
 *                                      a scaled index */
// clang-format off
#define WA_MEM_FUSED_OPS(X) \
    X(F64_MEM_ADD, 5) X(F64_MEM_SUB, 5) X(F64_MEM_MUL_ADD, 6) X(F64_MEM_SUB_MUL, 6) \
    X(MOVE8, 7) X(MOVE16, 7) X(MOVE32, 7) X(MOVE64, 7) \
    X(STORE_SHL_SHR_OR, 8) X(STORE_SHR_SHL_OR, 8) X(I32_ADD_SHL, 5)

/* More branches, X(NAME, LENGTH):
 *   JMP_ANY a k target, JMP_NONE a k target   branch if a & k is non-zero
 *                                      (zero): `br_if`/`if` of an i32.and
 *                                      with a constant, a bit test
 * Loop back edges: a branch to a loop's start jumps past the FUEL op that
 * opens the loop body and does its work itself, charging the cost in the
 * unit before the target (the FUEL op's operand). Each i32 comparison group
 * is in WebAssembly opcode order, as above:
 *   JMP_LOOP target, JMP_IF_LOOP c target, JMP_IFNOT_LOOP c target
 *   JMP_I32_<cmp>_LOOP a b target, JMP_I32_<cmp>_IMM_LOOP a k target
 *   ADD_JMP_I32_<cmp>_LOOP d a k b target      d = a + k, then branch if
 *   ADD_JMP_I32_<cmp>_IMM_LOOP d a k j target  d <cmp> b (or j): the
 *                                              `I32_ADD_IMM` of a counter
 *                                              right before the branch */
#define WA_I32_CMPS_LEN(X, P, S, n) \
    X(P##EQ##S, n) X(P##NE##S, n) X(P##LT_S##S, n) X(P##LT_U##S, n) X(P##GT_S##S, n) \
    X(P##GT_U##S, n) X(P##LE_S##S, n) X(P##LE_U##S, n) X(P##GE_S##S, n) X(P##GE_U##S, n)
#define WA_BRANCH_OPS(X) \
    X(JMP_ANY, 4) X(JMP_NONE, 4) X(JMP_LOOP, 2) X(JMP_IF_LOOP, 3) X(JMP_IFNOT_LOOP, 3) \
    WA_I32_CMPS_LEN(X, JMP_I32_, _LOOP, 4) WA_I32_CMPS_LEN(X, JMP_I32_, _IMM_LOOP, 4) \
    WA_I32_CMPS_LEN(X, ADD_JMP_I32_, _LOOP, 6) WA_I32_CMPS_LEN(X, ADD_JMP_I32_, _IMM_LOOP, 6)

/* v128 values (two slots each, see the frame layout): moves and globals,
 * then one op per SIMD instruction (simd_list.h order), named V_<UPPER>:
 *   COPY128 d s, SELECT128 d a b cond, GLOBAL_GET128 d global,
 *   GLOBAL_SET128 global s
 *   UN, TEST          OP d a fn         BIN, SHIFT   OP d a b fn
 *   TERN              OP d a b c fn     (fn: the op's index in simd_list.h,
 *                                       into the table of simd_call.h)
 *   SPLAT             OP d a            EXTRACT      OP d a lane
 *   REPLACE           OP d a b lane     CONST        OP d, 4 units of bytes
 *   SHUFFLE           OP d a b, 4 units of 16 lane bytes
 *   LOAD              OP d addr k offset      STORE  OP addr v k offset
 *   LOAD_LANE         OP d addr k offset v lane
 *   STORE_LANE        OP addr v k offset lane
 * (addresses as for the scalar loads and stores). A handler reads all its
 * operands before it writes d: d may overlap them. */
#define WA_V128_OPS(X) X(COPY128, 3) X(SELECT128, 5) X(GLOBAL_GET128, 3) X(GLOBAL_SET128, 3)
#define WA_SIMD_LEN_UN 4
#define WA_SIMD_LEN_SPLAT 3
#define WA_SIMD_LEN_TEST 4
#define WA_SIMD_LEN_BIN 5
#define WA_SIMD_LEN_SHIFT 5
#define WA_SIMD_LEN_TERN 6
#define WA_SIMD_LEN_EXTRACT 4
#define WA_SIMD_LEN_REPLACE 5
#define WA_SIMD_LEN_CONST 6
#define WA_SIMD_LEN_SHUFFLE 8
#define WA_SIMD_LEN_LOAD 5
#define WA_SIMD_LEN_STORE 5
#define WA_SIMD_LEN_LOAD_LANE 7
#define WA_SIMD_LEN_STORE_LANE 6
/* X(NAME, LENGTH) for each SIMD instruction's op, from simd_list.h. The
 * ops of one arithmetic kind share a handler, which finds the function in
 * its last operand. */
#define WA_SIMD_CODE_X(kind, upper, lower, opcode, type, n) WA_SIMD_CODE_Y(V_##upper, WA_SIMD_LEN_##kind)

/* Bundles: two adjacent instructions run by one handler, made after
 * translation (bundle.c) where the second is no branch target. A
 * bundle keeps both instructions' units in place, the second's opcode unit
 * included (unused), so its length is the sum of theirs:
 *   I32_ADD_IMM2    I32_ADD_IMM d a k, then another
 *   I32_ADD2        I32_ADD d a b, then another
 *   ADD_IMM_LOAD, ADD_IMM_LOAD8_U   I32_ADD_IMM d a k, then an I32_LOAD or
 *                   I32_LOAD8_U (a pointer bumped, a load: scanning bytes)
 *   ADD2_JMP_I32_<cmp>[_IMM]_LOOP   I32_ADD_IMM d a k, then an ADD_JMP_I32_<cmp>[_IMM]_LOOP
 *   LOAD_STORE_SHL_SHR_OR   I32_LOAD d a k offset, then a STORE_SHL_SHR_OR
 *   LOAD_STORE_SHR_SHL_OR   (or its mirror): a step of memcpy's misaligned
 *                           loop, where each word loaded goes into the next
 *                           merged word stored
 *   ADD_SHL_LOAD, ADD_SHL_STORE   I32_ADD_SHL d a b k, then an I32_LOAD or
 *                   I32_STORE: an array element read or written
 *   COPY_JMP_LOOP   COPY d s, then JMP_LOOP: a loop variable carried to the
 *                   next pass */
#define WA_BUNDLE_OPS(X) \
    X(I32_ADD_IMM2, 8) X(I32_ADD2, 8) X(ADD_IMM_LOAD, 9) X(ADD_IMM_LOAD8_U, 9) \
    WA_I32_CMPS_LEN(X, ADD2_JMP_I32_, _LOOP, 10) WA_I32_CMPS_LEN(X, ADD2_JMP_I32_, _IMM_LOOP, 10) \
    X(LOAD_STORE_SHL_SHR_OR, 13) X(LOAD_STORE_SHR_SHL_OR, 13) \
    X(ADD_SHL_LOAD, 10) X(ADD_SHL_STORE, 10) X(COPY_JMP_LOOP, 5)
// clang-format on

typedef enum wa_op {
#define WA_X(name, len) WA_OP_##name,
#define WA_U(name) WA_OP_##name,
#define WA_SIMD_CODE_Y(name, len) WA_OP_##name,
    WA_CONTROL_OPS(WA_X) WA_NUMERIC_OPS(WA_U, WA_U) WA_FUSED_OPS(WA_U) WA_MEM_FUSED_OPS(WA_X)
        WA_BRANCH_OPS(WA_X) WA_V128_OPS(WA_X) WA_SIMD_OPS(WA_SIMD_CODE_X) WA_BUNDLE_OPS(WA_X)
            WA_OP_COUNT_
#undef WA_X
#undef WA_U
#undef WA_SIMD_CODE_Y
} wa_op;

#define WA_OP_NUMERIC_FIRST WA_OP_I32_EQZ     /* = WebAssembly opcode 0x45 */
#define WA_OP_BUNDLE_FIRST WA_OP_I32_ADD_IMM2 /* bundles are the last ops */
/* The length of a bundle's first instruction. */
#define WA_BUNDLE_SPLIT(op)                                                                        \
    ((op) == WA_OP_COPY_JMP_LOOP ? 3 : (op) >= WA_OP_LOAD_STORE_SHL_SHR_OR ? 5 : 4)

extern const uint8_t wa_op_len[WA_OP_COUNT_];

typedef struct wa_code {
    uint32_t *ops;
    uint32_t nops;
    uint32_t nparams, nresults; /* in slots: a v128 takes two */
    uint32_t nlocals;           /* slots of params + declared locals (+ the zero slot) */
    uint32_t frame_size;        /* nlocals + maximum operand stack height; >= nresults */
} wa_code;

/* interp.c: turns a translated function's opcodes into what the dispatch
 * loop jumps on (handler offsets with computed gotos), and maps such a unit
 * back to its opcode (WA_OP_COUNT_ if it is none). */
void wa_interp_thread(uint32_t *ops, uint32_t nops);
uint32_t wa_interp_opcode(uint32_t unit);
/* The reverse: the unit that op becomes (op itself with switch dispatch). */
uint32_t wa_interp_unit(uint32_t op);

/* Prints a translated function (dump.c). */
#include <stdio.h>
void wa_code_dump(const wa_code *code, FILE *out);

#endif
