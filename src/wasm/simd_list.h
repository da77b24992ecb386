/*
 * simd_list.h: the fixed-width SIMD instructions (WebAssembly 2.0, opcode
 * prefix 0xfd), one entry each in opcode order, and the 128-bit value type.
 *
 * Entry: X(KIND, UPPER, lower, opcode, type, n) where `lower` is the
 * mnemonic with '.' written '_' (the name of its semantics in simd.h,
 * wa_v_<lower>) and KIND says what the instruction takes and gives:
 *   UN        v128 -> v128                 BIN     v128 v128 -> v128
 *   TERN      v128 v128 v128 -> v128       TEST    v128 -> i32
 *   SHIFT     v128 i32 -> v128             CONST   (16 immediate bytes) -> v128
 *   SHUFFLE   v128 v128 (16 lane bytes) -> v128
 *   SPLAT     `type` -> v128               EXTRACT v128 (lane < n) -> `type`
 *   REPLACE   v128 `type` (lane < n) -> v128
 *   LOAD      i32 (memarg) -> v128, reads n bytes
 *   STORE     i32 v128 (memarg), writes n bytes
 *   LOAD_LANE i32 v128 (memarg, lane) -> v128, n bytes per lane
 *   STORE_LANE i32 v128 (memarg, lane), n bytes per lane
 * For memory instructions n is also the largest alignment allowed, in
 * bytes. Opcodes the list skips are reserved.
 */
#ifndef WA_SIMD_LIST_H
#define WA_SIMD_LIST_H

#include <stdint.h>

/* Lane i of a vector is element i of each array (little-endian hosts:
 * memory byte order, which is what v128.load and v128.store see). */
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

// clang-format off
#define WA_SIMD_OPS(X) \
    X(LOAD, V128_LOAD, v128_load, 0, 0, 16) \
    X(LOAD, V128_LOAD8X8_S, v128_load8x8_s, 1, 0, 8) \
    X(LOAD, V128_LOAD8X8_U, v128_load8x8_u, 2, 0, 8) \
    X(LOAD, V128_LOAD16X4_S, v128_load16x4_s, 3, 0, 8) \
    X(LOAD, V128_LOAD16X4_U, v128_load16x4_u, 4, 0, 8) \
    X(LOAD, V128_LOAD32X2_S, v128_load32x2_s, 5, 0, 8) \
    X(LOAD, V128_LOAD32X2_U, v128_load32x2_u, 6, 0, 8) \
    X(LOAD, V128_LOAD8_SPLAT, v128_load8_splat, 7, 0, 1) \
    X(LOAD, V128_LOAD16_SPLAT, v128_load16_splat, 8, 0, 2) \
    X(LOAD, V128_LOAD32_SPLAT, v128_load32_splat, 9, 0, 4) \
    X(LOAD, V128_LOAD64_SPLAT, v128_load64_splat, 10, 0, 8) \
    X(STORE, V128_STORE, v128_store, 11, 0, 16) \
    X(CONST, V128_CONST, v128_const, 12, 0, 0) \
    X(SHUFFLE, I8X16_SHUFFLE, i8x16_shuffle, 13, 0, 0) \
    X(BIN, I8X16_SWIZZLE, i8x16_swizzle, 14, 0, 0) \
    X(SPLAT, I8X16_SPLAT, i8x16_splat, 15, WA_I32, 16) \
    X(SPLAT, I16X8_SPLAT, i16x8_splat, 16, WA_I32, 8) \
    X(SPLAT, I32X4_SPLAT, i32x4_splat, 17, WA_I32, 4) \
    X(SPLAT, I64X2_SPLAT, i64x2_splat, 18, WA_I64, 2) \
    X(SPLAT, F32X4_SPLAT, f32x4_splat, 19, WA_F32, 4) \
    X(SPLAT, F64X2_SPLAT, f64x2_splat, 20, WA_F64, 2) \
    X(EXTRACT, I8X16_EXTRACT_LANE_S, i8x16_extract_lane_s, 21, WA_I32, 16) \
    X(EXTRACT, I8X16_EXTRACT_LANE_U, i8x16_extract_lane_u, 22, WA_I32, 16) \
    X(REPLACE, I8X16_REPLACE_LANE, i8x16_replace_lane, 23, WA_I32, 16) \
    X(EXTRACT, I16X8_EXTRACT_LANE_S, i16x8_extract_lane_s, 24, WA_I32, 8) \
    X(EXTRACT, I16X8_EXTRACT_LANE_U, i16x8_extract_lane_u, 25, WA_I32, 8) \
    X(REPLACE, I16X8_REPLACE_LANE, i16x8_replace_lane, 26, WA_I32, 8) \
    X(EXTRACT, I32X4_EXTRACT_LANE, i32x4_extract_lane, 27, WA_I32, 4) \
    X(REPLACE, I32X4_REPLACE_LANE, i32x4_replace_lane, 28, WA_I32, 4) \
    X(EXTRACT, I64X2_EXTRACT_LANE, i64x2_extract_lane, 29, WA_I64, 2) \
    X(REPLACE, I64X2_REPLACE_LANE, i64x2_replace_lane, 30, WA_I64, 2) \
    X(EXTRACT, F32X4_EXTRACT_LANE, f32x4_extract_lane, 31, WA_F32, 4) \
    X(REPLACE, F32X4_REPLACE_LANE, f32x4_replace_lane, 32, WA_F32, 4) \
    X(EXTRACT, F64X2_EXTRACT_LANE, f64x2_extract_lane, 33, WA_F64, 2) \
    X(REPLACE, F64X2_REPLACE_LANE, f64x2_replace_lane, 34, WA_F64, 2) \
    X(BIN, I8X16_EQ, i8x16_eq, 35, 0, 0) \
    X(BIN, I8X16_NE, i8x16_ne, 36, 0, 0) \
    X(BIN, I8X16_LT_S, i8x16_lt_s, 37, 0, 0) \
    X(BIN, I8X16_LT_U, i8x16_lt_u, 38, 0, 0) \
    X(BIN, I8X16_GT_S, i8x16_gt_s, 39, 0, 0) \
    X(BIN, I8X16_GT_U, i8x16_gt_u, 40, 0, 0) \
    X(BIN, I8X16_LE_S, i8x16_le_s, 41, 0, 0) \
    X(BIN, I8X16_LE_U, i8x16_le_u, 42, 0, 0) \
    X(BIN, I8X16_GE_S, i8x16_ge_s, 43, 0, 0) \
    X(BIN, I8X16_GE_U, i8x16_ge_u, 44, 0, 0) \
    X(BIN, I16X8_EQ, i16x8_eq, 45, 0, 0) \
    X(BIN, I16X8_NE, i16x8_ne, 46, 0, 0) \
    X(BIN, I16X8_LT_S, i16x8_lt_s, 47, 0, 0) \
    X(BIN, I16X8_LT_U, i16x8_lt_u, 48, 0, 0) \
    X(BIN, I16X8_GT_S, i16x8_gt_s, 49, 0, 0) \
    X(BIN, I16X8_GT_U, i16x8_gt_u, 50, 0, 0) \
    X(BIN, I16X8_LE_S, i16x8_le_s, 51, 0, 0) \
    X(BIN, I16X8_LE_U, i16x8_le_u, 52, 0, 0) \
    X(BIN, I16X8_GE_S, i16x8_ge_s, 53, 0, 0) \
    X(BIN, I16X8_GE_U, i16x8_ge_u, 54, 0, 0) \
    X(BIN, I32X4_EQ, i32x4_eq, 55, 0, 0) \
    X(BIN, I32X4_NE, i32x4_ne, 56, 0, 0) \
    X(BIN, I32X4_LT_S, i32x4_lt_s, 57, 0, 0) \
    X(BIN, I32X4_LT_U, i32x4_lt_u, 58, 0, 0) \
    X(BIN, I32X4_GT_S, i32x4_gt_s, 59, 0, 0) \
    X(BIN, I32X4_GT_U, i32x4_gt_u, 60, 0, 0) \
    X(BIN, I32X4_LE_S, i32x4_le_s, 61, 0, 0) \
    X(BIN, I32X4_LE_U, i32x4_le_u, 62, 0, 0) \
    X(BIN, I32X4_GE_S, i32x4_ge_s, 63, 0, 0) \
    X(BIN, I32X4_GE_U, i32x4_ge_u, 64, 0, 0) \
    X(BIN, F32X4_EQ, f32x4_eq, 65, 0, 0) \
    X(BIN, F32X4_NE, f32x4_ne, 66, 0, 0) \
    X(BIN, F32X4_LT, f32x4_lt, 67, 0, 0) \
    X(BIN, F32X4_GT, f32x4_gt, 68, 0, 0) \
    X(BIN, F32X4_LE, f32x4_le, 69, 0, 0) \
    X(BIN, F32X4_GE, f32x4_ge, 70, 0, 0) \
    X(BIN, F64X2_EQ, f64x2_eq, 71, 0, 0) \
    X(BIN, F64X2_NE, f64x2_ne, 72, 0, 0) \
    X(BIN, F64X2_LT, f64x2_lt, 73, 0, 0) \
    X(BIN, F64X2_GT, f64x2_gt, 74, 0, 0) \
    X(BIN, F64X2_LE, f64x2_le, 75, 0, 0) \
    X(BIN, F64X2_GE, f64x2_ge, 76, 0, 0) \
    X(UN, V128_NOT, v128_not, 77, 0, 0) \
    X(BIN, V128_AND, v128_and, 78, 0, 0) \
    X(BIN, V128_ANDNOT, v128_andnot, 79, 0, 0) \
    X(BIN, V128_OR, v128_or, 80, 0, 0) \
    X(BIN, V128_XOR, v128_xor, 81, 0, 0) \
    X(TERN, V128_BITSELECT, v128_bitselect, 82, 0, 0) \
    X(TEST, V128_ANY_TRUE, v128_any_true, 83, 0, 0) \
    X(LOAD_LANE, V128_LOAD8_LANE, v128_load8_lane, 84, 0, 1) \
    X(LOAD_LANE, V128_LOAD16_LANE, v128_load16_lane, 85, 0, 2) \
    X(LOAD_LANE, V128_LOAD32_LANE, v128_load32_lane, 86, 0, 4) \
    X(LOAD_LANE, V128_LOAD64_LANE, v128_load64_lane, 87, 0, 8) \
    X(STORE_LANE, V128_STORE8_LANE, v128_store8_lane, 88, 0, 1) \
    X(STORE_LANE, V128_STORE16_LANE, v128_store16_lane, 89, 0, 2) \
    X(STORE_LANE, V128_STORE32_LANE, v128_store32_lane, 90, 0, 4) \
    X(STORE_LANE, V128_STORE64_LANE, v128_store64_lane, 91, 0, 8) \
    X(LOAD, V128_LOAD32_ZERO, v128_load32_zero, 92, 0, 4) \
    X(LOAD, V128_LOAD64_ZERO, v128_load64_zero, 93, 0, 8) \
    X(UN, F32X4_DEMOTE_F64X2_ZERO, f32x4_demote_f64x2_zero, 94, 0, 0) \
    X(UN, F64X2_PROMOTE_LOW_F32X4, f64x2_promote_low_f32x4, 95, 0, 0) \
    X(UN, I8X16_ABS, i8x16_abs, 96, 0, 0) \
    X(UN, I8X16_NEG, i8x16_neg, 97, 0, 0) \
    X(UN, I8X16_POPCNT, i8x16_popcnt, 98, 0, 0) \
    X(TEST, I8X16_ALL_TRUE, i8x16_all_true, 99, 0, 0) \
    X(TEST, I8X16_BITMASK, i8x16_bitmask, 100, 0, 0) \
    X(BIN, I8X16_NARROW_I16X8_S, i8x16_narrow_i16x8_s, 101, 0, 0) \
    X(BIN, I8X16_NARROW_I16X8_U, i8x16_narrow_i16x8_u, 102, 0, 0) \
    X(UN, F32X4_CEIL, f32x4_ceil, 103, 0, 0) \
    X(UN, F32X4_FLOOR, f32x4_floor, 104, 0, 0) \
    X(UN, F32X4_TRUNC, f32x4_trunc, 105, 0, 0) \
    X(UN, F32X4_NEAREST, f32x4_nearest, 106, 0, 0) \
    X(SHIFT, I8X16_SHL, i8x16_shl, 107, 0, 0) \
    X(SHIFT, I8X16_SHR_S, i8x16_shr_s, 108, 0, 0) \
    X(SHIFT, I8X16_SHR_U, i8x16_shr_u, 109, 0, 0) \
    X(BIN, I8X16_ADD, i8x16_add, 110, 0, 0) \
    X(BIN, I8X16_ADD_SAT_S, i8x16_add_sat_s, 111, 0, 0) \
    X(BIN, I8X16_ADD_SAT_U, i8x16_add_sat_u, 112, 0, 0) \
    X(BIN, I8X16_SUB, i8x16_sub, 113, 0, 0) \
    X(BIN, I8X16_SUB_SAT_S, i8x16_sub_sat_s, 114, 0, 0) \
    X(BIN, I8X16_SUB_SAT_U, i8x16_sub_sat_u, 115, 0, 0) \
    X(UN, F64X2_CEIL, f64x2_ceil, 116, 0, 0) \
    X(UN, F64X2_FLOOR, f64x2_floor, 117, 0, 0) \
    X(BIN, I8X16_MIN_S, i8x16_min_s, 118, 0, 0) \
    X(BIN, I8X16_MIN_U, i8x16_min_u, 119, 0, 0) \
    X(BIN, I8X16_MAX_S, i8x16_max_s, 120, 0, 0) \
    X(BIN, I8X16_MAX_U, i8x16_max_u, 121, 0, 0) \
    X(UN, F64X2_TRUNC, f64x2_trunc, 122, 0, 0) \
    X(BIN, I8X16_AVGR_U, i8x16_avgr_u, 123, 0, 0) \
    X(UN, I16X8_EXTADD_PAIRWISE_I8X16_S, i16x8_extadd_pairwise_i8x16_s, 124, 0, 0) \
    X(UN, I16X8_EXTADD_PAIRWISE_I8X16_U, i16x8_extadd_pairwise_i8x16_u, 125, 0, 0) \
    X(UN, I32X4_EXTADD_PAIRWISE_I16X8_S, i32x4_extadd_pairwise_i16x8_s, 126, 0, 0) \
    X(UN, I32X4_EXTADD_PAIRWISE_I16X8_U, i32x4_extadd_pairwise_i16x8_u, 127, 0, 0) \
    X(UN, I16X8_ABS, i16x8_abs, 128, 0, 0) \
    X(UN, I16X8_NEG, i16x8_neg, 129, 0, 0) \
    X(BIN, I16X8_Q15MULR_SAT_S, i16x8_q15mulr_sat_s, 130, 0, 0) \
    X(TEST, I16X8_ALL_TRUE, i16x8_all_true, 131, 0, 0) \
    X(TEST, I16X8_BITMASK, i16x8_bitmask, 132, 0, 0) \
    X(BIN, I16X8_NARROW_I32X4_S, i16x8_narrow_i32x4_s, 133, 0, 0) \
    X(BIN, I16X8_NARROW_I32X4_U, i16x8_narrow_i32x4_u, 134, 0, 0) \
    X(UN, I16X8_EXTEND_LOW_I8X16_S, i16x8_extend_low_i8x16_s, 135, 0, 0) \
    X(UN, I16X8_EXTEND_HIGH_I8X16_S, i16x8_extend_high_i8x16_s, 136, 0, 0) \
    X(UN, I16X8_EXTEND_LOW_I8X16_U, i16x8_extend_low_i8x16_u, 137, 0, 0) \
    X(UN, I16X8_EXTEND_HIGH_I8X16_U, i16x8_extend_high_i8x16_u, 138, 0, 0) \
    X(SHIFT, I16X8_SHL, i16x8_shl, 139, 0, 0) \
    X(SHIFT, I16X8_SHR_S, i16x8_shr_s, 140, 0, 0) \
    X(SHIFT, I16X8_SHR_U, i16x8_shr_u, 141, 0, 0) \
    X(BIN, I16X8_ADD, i16x8_add, 142, 0, 0) \
    X(BIN, I16X8_ADD_SAT_S, i16x8_add_sat_s, 143, 0, 0) \
    X(BIN, I16X8_ADD_SAT_U, i16x8_add_sat_u, 144, 0, 0) \
    X(BIN, I16X8_SUB, i16x8_sub, 145, 0, 0) \
    X(BIN, I16X8_SUB_SAT_S, i16x8_sub_sat_s, 146, 0, 0) \
    X(BIN, I16X8_SUB_SAT_U, i16x8_sub_sat_u, 147, 0, 0) \
    X(UN, F64X2_NEAREST, f64x2_nearest, 148, 0, 0) \
    X(BIN, I16X8_MUL, i16x8_mul, 149, 0, 0) \
    X(BIN, I16X8_MIN_S, i16x8_min_s, 150, 0, 0) \
    X(BIN, I16X8_MIN_U, i16x8_min_u, 151, 0, 0) \
    X(BIN, I16X8_MAX_S, i16x8_max_s, 152, 0, 0) \
    X(BIN, I16X8_MAX_U, i16x8_max_u, 153, 0, 0) \
    X(BIN, I16X8_AVGR_U, i16x8_avgr_u, 155, 0, 0) \
    X(BIN, I16X8_EXTMUL_LOW_I8X16_S, i16x8_extmul_low_i8x16_s, 156, 0, 0) \
    X(BIN, I16X8_EXTMUL_HIGH_I8X16_S, i16x8_extmul_high_i8x16_s, 157, 0, 0) \
    X(BIN, I16X8_EXTMUL_LOW_I8X16_U, i16x8_extmul_low_i8x16_u, 158, 0, 0) \
    X(BIN, I16X8_EXTMUL_HIGH_I8X16_U, i16x8_extmul_high_i8x16_u, 159, 0, 0) \
    X(UN, I32X4_ABS, i32x4_abs, 160, 0, 0) \
    X(UN, I32X4_NEG, i32x4_neg, 161, 0, 0) \
    X(TEST, I32X4_ALL_TRUE, i32x4_all_true, 163, 0, 0) \
    X(TEST, I32X4_BITMASK, i32x4_bitmask, 164, 0, 0) \
    X(UN, I32X4_EXTEND_LOW_I16X8_S, i32x4_extend_low_i16x8_s, 167, 0, 0) \
    X(UN, I32X4_EXTEND_HIGH_I16X8_S, i32x4_extend_high_i16x8_s, 168, 0, 0) \
    X(UN, I32X4_EXTEND_LOW_I16X8_U, i32x4_extend_low_i16x8_u, 169, 0, 0) \
    X(UN, I32X4_EXTEND_HIGH_I16X8_U, i32x4_extend_high_i16x8_u, 170, 0, 0) \
    X(SHIFT, I32X4_SHL, i32x4_shl, 171, 0, 0) \
    X(SHIFT, I32X4_SHR_S, i32x4_shr_s, 172, 0, 0) \
    X(SHIFT, I32X4_SHR_U, i32x4_shr_u, 173, 0, 0) \
    X(BIN, I32X4_ADD, i32x4_add, 174, 0, 0) \
    X(BIN, I32X4_SUB, i32x4_sub, 177, 0, 0) \
    X(BIN, I32X4_MUL, i32x4_mul, 181, 0, 0) \
    X(BIN, I32X4_MIN_S, i32x4_min_s, 182, 0, 0) \
    X(BIN, I32X4_MIN_U, i32x4_min_u, 183, 0, 0) \
    X(BIN, I32X4_MAX_S, i32x4_max_s, 184, 0, 0) \
    X(BIN, I32X4_MAX_U, i32x4_max_u, 185, 0, 0) \
    X(BIN, I32X4_DOT_I16X8_S, i32x4_dot_i16x8_s, 186, 0, 0) \
    X(BIN, I32X4_EXTMUL_LOW_I16X8_S, i32x4_extmul_low_i16x8_s, 188, 0, 0) \
    X(BIN, I32X4_EXTMUL_HIGH_I16X8_S, i32x4_extmul_high_i16x8_s, 189, 0, 0) \
    X(BIN, I32X4_EXTMUL_LOW_I16X8_U, i32x4_extmul_low_i16x8_u, 190, 0, 0) \
    X(BIN, I32X4_EXTMUL_HIGH_I16X8_U, i32x4_extmul_high_i16x8_u, 191, 0, 0) \
    X(UN, I64X2_ABS, i64x2_abs, 192, 0, 0) \
    X(UN, I64X2_NEG, i64x2_neg, 193, 0, 0) \
    X(TEST, I64X2_ALL_TRUE, i64x2_all_true, 195, 0, 0) \
    X(TEST, I64X2_BITMASK, i64x2_bitmask, 196, 0, 0) \
    X(UN, I64X2_EXTEND_LOW_I32X4_S, i64x2_extend_low_i32x4_s, 199, 0, 0) \
    X(UN, I64X2_EXTEND_HIGH_I32X4_S, i64x2_extend_high_i32x4_s, 200, 0, 0) \
    X(UN, I64X2_EXTEND_LOW_I32X4_U, i64x2_extend_low_i32x4_u, 201, 0, 0) \
    X(UN, I64X2_EXTEND_HIGH_I32X4_U, i64x2_extend_high_i32x4_u, 202, 0, 0) \
    X(SHIFT, I64X2_SHL, i64x2_shl, 203, 0, 0) \
    X(SHIFT, I64X2_SHR_S, i64x2_shr_s, 204, 0, 0) \
    X(SHIFT, I64X2_SHR_U, i64x2_shr_u, 205, 0, 0) \
    X(BIN, I64X2_ADD, i64x2_add, 206, 0, 0) \
    X(BIN, I64X2_SUB, i64x2_sub, 209, 0, 0) \
    X(BIN, I64X2_MUL, i64x2_mul, 213, 0, 0) \
    X(BIN, I64X2_EQ, i64x2_eq, 214, 0, 0) \
    X(BIN, I64X2_NE, i64x2_ne, 215, 0, 0) \
    X(BIN, I64X2_LT_S, i64x2_lt_s, 216, 0, 0) \
    X(BIN, I64X2_GT_S, i64x2_gt_s, 217, 0, 0) \
    X(BIN, I64X2_LE_S, i64x2_le_s, 218, 0, 0) \
    X(BIN, I64X2_GE_S, i64x2_ge_s, 219, 0, 0) \
    X(BIN, I64X2_EXTMUL_LOW_I32X4_S, i64x2_extmul_low_i32x4_s, 220, 0, 0) \
    X(BIN, I64X2_EXTMUL_HIGH_I32X4_S, i64x2_extmul_high_i32x4_s, 221, 0, 0) \
    X(BIN, I64X2_EXTMUL_LOW_I32X4_U, i64x2_extmul_low_i32x4_u, 222, 0, 0) \
    X(BIN, I64X2_EXTMUL_HIGH_I32X4_U, i64x2_extmul_high_i32x4_u, 223, 0, 0) \
    X(UN, F32X4_ABS, f32x4_abs, 224, 0, 0) \
    X(UN, F32X4_NEG, f32x4_neg, 225, 0, 0) \
    X(UN, F32X4_SQRT, f32x4_sqrt, 227, 0, 0) \
    X(BIN, F32X4_ADD, f32x4_add, 228, 0, 0) \
    X(BIN, F32X4_SUB, f32x4_sub, 229, 0, 0) \
    X(BIN, F32X4_MUL, f32x4_mul, 230, 0, 0) \
    X(BIN, F32X4_DIV, f32x4_div, 231, 0, 0) \
    X(BIN, F32X4_MIN, f32x4_min, 232, 0, 0) \
    X(BIN, F32X4_MAX, f32x4_max, 233, 0, 0) \
    X(BIN, F32X4_PMIN, f32x4_pmin, 234, 0, 0) \
    X(BIN, F32X4_PMAX, f32x4_pmax, 235, 0, 0) \
    X(UN, F64X2_ABS, f64x2_abs, 236, 0, 0) \
    X(UN, F64X2_NEG, f64x2_neg, 237, 0, 0) \
    X(UN, F64X2_SQRT, f64x2_sqrt, 239, 0, 0) \
    X(BIN, F64X2_ADD, f64x2_add, 240, 0, 0) \
    X(BIN, F64X2_SUB, f64x2_sub, 241, 0, 0) \
    X(BIN, F64X2_MUL, f64x2_mul, 242, 0, 0) \
    X(BIN, F64X2_DIV, f64x2_div, 243, 0, 0) \
    X(BIN, F64X2_MIN, f64x2_min, 244, 0, 0) \
    X(BIN, F64X2_MAX, f64x2_max, 245, 0, 0) \
    X(BIN, F64X2_PMIN, f64x2_pmin, 246, 0, 0) \
    X(BIN, F64X2_PMAX, f64x2_pmax, 247, 0, 0) \
    X(UN, I32X4_TRUNC_SAT_F32X4_S, i32x4_trunc_sat_f32x4_s, 248, 0, 0) \
    X(UN, I32X4_TRUNC_SAT_F32X4_U, i32x4_trunc_sat_f32x4_u, 249, 0, 0) \
    X(UN, F32X4_CONVERT_I32X4_S, f32x4_convert_i32x4_s, 250, 0, 0) \
    X(UN, F32X4_CONVERT_I32X4_U, f32x4_convert_i32x4_u, 251, 0, 0) \
    X(UN, I32X4_TRUNC_SAT_F64X2_S_ZERO, i32x4_trunc_sat_f64x2_s_zero, 252, 0, 0) \
    X(UN, I32X4_TRUNC_SAT_F64X2_U_ZERO, i32x4_trunc_sat_f64x2_u_zero, 253, 0, 0) \
    X(UN, F64X2_CONVERT_LOW_I32X4_S, f64x2_convert_low_i32x4_s, 254, 0, 0) \
    X(UN, F64X2_CONVERT_LOW_I32X4_U, f64x2_convert_low_i32x4_u, 255, 0, 0)
// clang-format on

#endif
