/*
 * simd_ops_table.c: the table of simd.h's operations in one build of it
 * (see simd_ops_table.h). SIMD_OPS_TABLE names the table, SIMD_OPS_BUILD
 * describes the build.
 */
#include "simd_ops_table.h"
#include "simd.h"

#define SIMD_ENTRY_UN(lower) {#lower, SIMD_UN, .un = wa_v_##lower},
#define SIMD_ENTRY_BIN(lower) {#lower, SIMD_BIN, .bin = wa_v_##lower},
#define SIMD_ENTRY_TERN(lower) {#lower, SIMD_TERN, .tern = wa_v_##lower},
#define SIMD_ENTRY_TEST(lower) {#lower, SIMD_TEST, .test = wa_v_##lower},
#define SIMD_ENTRY_SHIFT(lower) {#lower, SIMD_SHIFT, .shift = wa_v_##lower},
#define SIMD_ENTRY_CONST(lower)
#define SIMD_ENTRY_SHUFFLE(lower) {#lower, SIMD_SHUFFLE, .shuffle = wa_v_##lower},
#define SIMD_ENTRY_SPLAT(lower)
#define SIMD_ENTRY_EXTRACT(lower)
#define SIMD_ENTRY_REPLACE(lower)
#define SIMD_ENTRY_LOAD(lower)
#define SIMD_ENTRY_STORE(lower)
#define SIMD_ENTRY_LOAD_LANE(lower)
#define SIMD_ENTRY_STORE_LANE(lower)
#define SIMD_ENTRY(kind, upper, lower, opcode, type, n) SIMD_ENTRY_##kind(lower)

static const simd_op ops[] = {WA_SIMD_OPS(SIMD_ENTRY)};

const simd_op_table SIMD_OPS_TABLE = {SIMD_OPS_BUILD, ops, sizeof ops / sizeof ops[0]};
