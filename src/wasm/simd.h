/*
 * simd.h: what the arithmetic SIMD instructions compute (kinds UN, BIN, TERN,
 * TEST and SHIFT of simd_list.h), one static inline function wa_v_<lower>
 * per instruction:
 *   UN     wa_v128 wa_v_<lower>(wa_v128 a)
 *   BIN    wa_v128 wa_v_<lower>(wa_v128 a, wa_v128 b)
 *   TERN   wa_v128 wa_v_v128_bitselect(wa_v128 a, wa_v128 b, wa_v128 mask)
 *   TEST   uint32_t wa_v_<lower>(wa_v128 a)
 *   SHIFT  wa_v128 wa_v_<lower>(wa_v128 a, uint32_t count)
 *
 * Every function has a portable body, plain loops over the lanes of the
 * union, which is the reference: no undefined behaviour (wrapping arithmetic
 * is done on unsigned lanes, shift counts are masked, a float becomes an
 * integer only after its range is checked). Where GCC or clang vector
 * extensions are available (and WA_SIMD_PORTABLE is not defined) a function
 * may have a fast body beside it, with SSE2 intrinsics on x86-64 and SSE4.1
 * ones only when the compiler targets SSE4.1 (__SSE4_1__). Both bodies give
 * bit-identical results, except that a NaN lane only has to be a NaN of the
 * class the spec allows (tests/unit/simd_ops_test.c compares them).
 *
 * NaNs: float arithmetic relies on the host's IEEE behaviour, as the scalar
 * interpreter does: a NaN result is the default (canonical) NaN or a quieted
 * input NaN, which is what WebAssembly's NaN propagation allows. Operations
 * the spec defines bitwise (abs, neg, pmin, pmax) never touch a payload, and
 * rounding operations quiet a NaN themselves because libm may return a
 * signalling NaN unchanged.
 */
#ifndef WA_SIMD_H
#define WA_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd_list.h"

/* ---- scalar helpers (prefixed wa_simd_: this header is included next to
 * the interpreter's own scalar helpers) ---------------------------------- */

static inline int8_t wa_simd_sat_s8(int32_t x)
{
    return (int8_t)(x < INT8_MIN ? INT8_MIN : x > INT8_MAX ? INT8_MAX : x);
}
static inline uint8_t wa_simd_sat_u8(int32_t x)
{
    return (uint8_t)(x < 0 ? 0 : x > UINT8_MAX ? UINT8_MAX : x);
}
static inline int16_t wa_simd_sat_s16(int32_t x)
{
    return (int16_t)(x < INT16_MIN ? INT16_MIN : x > INT16_MAX ? INT16_MAX : x);
}
static inline uint16_t wa_simd_sat_u16(int32_t x)
{
    return (uint16_t)(x < 0 ? 0 : x > UINT16_MAX ? UINT16_MAX : x);
}

/* (a * b + 2^14) >> 15 with the shift rounding down (a floored division, so
 * no right shift of a negative number), saturated. */
static inline int16_t wa_simd_q15mulr(int16_t a, int16_t b)
{
    int32_t p = a * b + 0x4000;
    int32_t q = p / 0x8000;
    return wa_simd_sat_s16(q - (p % 0x8000 < 0));
}

/* Arithmetic shift right of a 64-bit lane without relying on how the
 * compiler shifts negative numbers; n < 64. */
static inline uint64_t wa_simd_sar64(uint64_t x, uint32_t n)
{
    uint64_t sign = (x >> 63) ? UINT64_MAX : 0;
    return ((x ^ sign) >> n) ^ sign;
}

/* A NaN result of a rounding operation must be quiet. */
static inline float wa_simd_quietf(float r)
{
    if (r == r)
        return r;
    uint32_t b;
    memcpy(&b, &r, 4);
    b |= 0x00400000u;
    memcpy(&r, &b, 4);
    return r;
}
static inline double wa_simd_quiet(double r)
{
    if (r == r)
        return r;
    uint64_t b;
    memcpy(&b, &r, 8);
    b |= 0x0008000000000000ull;
    memcpy(&r, &b, 8);
    return r;
}

/* WebAssembly min/max: a NaN if either is a NaN (a + b propagates one the
 * way arithmetic does), and -0 < +0. */
static inline float wa_simd_fminf(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float wa_simd_fmaxf(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double wa_simd_fmin(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double wa_simd_fmax(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Saturating float-to-integer truncation: NaN gives 0, out-of-range values
 * clamp; the cast happens only inside the range. */
static inline int32_t wa_simd_trunc_sat_s32(double x)
{
    if (x != x)
        return 0;
    if (x <= -2147483649.0)
        return INT32_MIN;
    if (x >= 2147483648.0)
        return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t wa_simd_trunc_sat_u32(double x)
{
    if (x != x || x <= -1.0)
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}

/* Lane loops of the portable bodies: r.RF[i] = EXPR for i < N, where EXPR
 * reads lane i of the operands as a.F[i], b.F[i]. */
#define WA_V_LANES(RF, N, EXPR)                                                                    \
    wa_v128 r;                                                                                     \
    for (int i = 0; i < (N); i++)                                                                  \
        r.RF[i] = (EXPR);                                                                          \
    return r
/* Comparisons: lane i of r (unsigned field RF) is all ones where COND. */
#define WA_V_CMP(RF, N, COND)                                                                      \
    wa_v128 r;                                                                                     \
    for (int i = 0; i < (N); i++) {                                                                \
        r.RF[i] = 0;                                                                               \
        if (COND)                                                                                  \
            r.RF[i]--; /* unsigned: wraps to all ones */                                           \
    }                                                                                              \
    return r

/* ---- bitwise ------------------------------------------------------------- */

static inline wa_v128 wa_v_v128_not(wa_v128 a)
{
    WA_V_LANES(u64, 2, ~a.u64[i]);
}
static inline wa_v128 wa_v_v128_and(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, a.u64[i] & b.u64[i]);
}
static inline wa_v128 wa_v_v128_andnot(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, a.u64[i] & ~b.u64[i]);
}
static inline wa_v128 wa_v_v128_or(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, a.u64[i] | b.u64[i]);
}
static inline wa_v128 wa_v_v128_xor(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, a.u64[i] ^ b.u64[i]);
}
static inline wa_v128 wa_v_v128_bitselect(wa_v128 a, wa_v128 b, wa_v128 mask)
{
    WA_V_LANES(u64, 2, (a.u64[i] & mask.u64[i]) | (b.u64[i] & ~mask.u64[i]));
}
static inline uint32_t wa_v_v128_any_true(wa_v128 a)
{
    return (a.u64[0] | a.u64[1]) != 0;
}

/* ---- i8x16 --------------------------------------------------------------- */

/* Lane i of the result is a[b[i]], or 0 where b[i] > 15. */
static inline wa_v128 wa_v_i8x16_swizzle(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u8, 16, b.u8[i] < 16 ? a.u8[b.u8[i]] : 0);
}

static inline wa_v128 wa_v_i8x16_eq(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.u8[i] == b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_ne(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.u8[i] != b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_lt_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.i8[i] < b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_lt_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.u8[i] < b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_gt_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.i8[i] > b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_gt_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.u8[i] > b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_le_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.i8[i] <= b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_le_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.u8[i] <= b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_ge_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.i8[i] >= b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_ge_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u8, 16, a.u8[i] >= b.u8[i]);
}

/* abs and neg wrap: the most negative lane stays itself. */
static inline wa_v128 wa_v_i8x16_abs(wa_v128 a)
{
    WA_V_LANES(u8, 16, a.i8[i] < 0 ? (uint8_t)(0u - a.u8[i]) : a.u8[i]);
}
static inline wa_v128 wa_v_i8x16_neg(wa_v128 a)
{
    WA_V_LANES(u8, 16, (uint8_t)(0u - a.u8[i]));
}
static inline wa_v128 wa_v_i8x16_popcnt(wa_v128 a)
{
    wa_v128 r;
    for (int i = 0; i < 16; i++) {
        uint32_t x = a.u8[i];
        x = x - ((x >> 1) & 0x55u);
        x = (x & 0x33u) + ((x >> 2) & 0x33u);
        r.u8[i] = (uint8_t)((x + (x >> 4)) & 0x0fu);
    }
    return r;
}
static inline uint32_t wa_v_i8x16_all_true(wa_v128 a)
{
    for (int i = 0; i < 16; i++)
        if (a.u8[i] == 0)
            return 0;
    return 1;
}
/* Bit i of the result is the top bit of lane i. */
static inline uint32_t wa_v_i8x16_bitmask(wa_v128 a)
{
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        m |= (uint32_t)(a.u8[i] >> 7) << i;
    return m;
}
/* Narrowing: the lanes of a, then those of b, each saturated. */
static inline wa_v128 wa_v_i8x16_narrow_i16x8_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i8, 16, wa_simd_sat_s8(i < 8 ? a.i16[i] : b.i16[i - 8]));
}
static inline wa_v128 wa_v_i8x16_narrow_i16x8_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u8, 16, wa_simd_sat_u8(i < 8 ? a.i16[i] : b.i16[i - 8]));
}

static inline wa_v128 wa_v_i8x16_shl(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u8, 16, (uint8_t)((uint32_t)a.u8[i] << (count & 7)));
}
static inline wa_v128 wa_v_i8x16_shr_s(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u8, 16, (uint8_t)wa_simd_sar64((uint64_t)(int64_t)a.i8[i], count & 7));
}
static inline wa_v128 wa_v_i8x16_shr_u(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u8, 16, (uint8_t)(a.u8[i] >> (count & 7)));
}

static inline wa_v128 wa_v_i8x16_add(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u8, 16, (uint8_t)(a.u8[i] + b.u8[i]));
}
static inline wa_v128 wa_v_i8x16_add_sat_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i8, 16, wa_simd_sat_s8(a.i8[i] + b.i8[i]));
}
static inline wa_v128 wa_v_i8x16_add_sat_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u8, 16, wa_simd_sat_u8(a.u8[i] + b.u8[i]));
}
static inline wa_v128 wa_v_i8x16_sub(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u8, 16, (uint8_t)(a.u8[i] - b.u8[i]));
}
static inline wa_v128 wa_v_i8x16_sub_sat_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i8, 16, wa_simd_sat_s8(a.i8[i] - b.i8[i]));
}
static inline wa_v128 wa_v_i8x16_sub_sat_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u8, 16, wa_simd_sat_u8(a.u8[i] - b.u8[i]));
}
static inline wa_v128 wa_v_i8x16_min_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i8, 16, a.i8[i] < b.i8[i] ? a.i8[i] : b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_min_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u8, 16, a.u8[i] < b.u8[i] ? a.u8[i] : b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_max_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i8, 16, a.i8[i] > b.i8[i] ? a.i8[i] : b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_max_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u8, 16, a.u8[i] > b.u8[i] ? a.u8[i] : b.u8[i]);
}
/* Rounding average: (a + b + 1) / 2 without overflow. */
static inline wa_v128 wa_v_i8x16_avgr_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u8, 16, (uint8_t)((a.u8[i] + b.u8[i] + 1u) >> 1));
}

/* ---- i16x8 --------------------------------------------------------------- */

static inline wa_v128 wa_v_i16x8_eq(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.u16[i] == b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_ne(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.u16[i] != b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_lt_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.i16[i] < b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_lt_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.u16[i] < b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_gt_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.i16[i] > b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_gt_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.u16[i] > b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_le_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.i16[i] <= b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_le_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.u16[i] <= b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_ge_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.i16[i] >= b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_ge_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u16, 8, a.u16[i] >= b.u16[i]);
}

static inline wa_v128 wa_v_i16x8_extadd_pairwise_i8x16_s(wa_v128 a)
{
    WA_V_LANES(i16, 8, (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]));
}
static inline wa_v128 wa_v_i16x8_extadd_pairwise_i8x16_u(wa_v128 a)
{
    WA_V_LANES(u16, 8, (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]));
}
static inline wa_v128 wa_v_i16x8_abs(wa_v128 a)
{
    WA_V_LANES(u16, 8, a.i16[i] < 0 ? (uint16_t)(0u - a.u16[i]) : a.u16[i]);
}
static inline wa_v128 wa_v_i16x8_neg(wa_v128 a)
{
    WA_V_LANES(u16, 8, (uint16_t)(0u - a.u16[i]));
}
/* Q15 fixed-point multiply, rounded: (a * b + 2^14) >> 15, saturated (only
 * -32768 * -32768 overflows). */
static inline wa_v128 wa_v_i16x8_q15mulr_sat_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i16, 8, wa_simd_q15mulr(a.i16[i], b.i16[i]));
}
static inline uint32_t wa_v_i16x8_all_true(wa_v128 a)
{
    for (int i = 0; i < 8; i++)
        if (a.u16[i] == 0)
            return 0;
    return 1;
}
static inline uint32_t wa_v_i16x8_bitmask(wa_v128 a)
{
    uint32_t m = 0;
    for (int i = 0; i < 8; i++)
        m |= (uint32_t)(a.u16[i] >> 15) << i;
    return m;
}
static inline wa_v128 wa_v_i16x8_narrow_i32x4_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i16, 8, wa_simd_sat_s16(i < 4 ? a.i32[i] : b.i32[i - 4]));
}
static inline wa_v128 wa_v_i16x8_narrow_i32x4_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, wa_simd_sat_u16(i < 4 ? a.i32[i] : b.i32[i - 4]));
}
static inline wa_v128 wa_v_i16x8_extend_low_i8x16_s(wa_v128 a)
{
    WA_V_LANES(i16, 8, a.i8[i]);
}
static inline wa_v128 wa_v_i16x8_extend_high_i8x16_s(wa_v128 a)
{
    WA_V_LANES(i16, 8, a.i8[i + 8]);
}
static inline wa_v128 wa_v_i16x8_extend_low_i8x16_u(wa_v128 a)
{
    WA_V_LANES(u16, 8, a.u8[i]);
}
static inline wa_v128 wa_v_i16x8_extend_high_i8x16_u(wa_v128 a)
{
    WA_V_LANES(u16, 8, a.u8[i + 8]);
}

static inline wa_v128 wa_v_i16x8_shl(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u16, 8, (uint16_t)((uint32_t)a.u16[i] << (count & 15)));
}
static inline wa_v128 wa_v_i16x8_shr_s(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u16, 8, (uint16_t)wa_simd_sar64((uint64_t)(int64_t)a.i16[i], count & 15));
}
static inline wa_v128 wa_v_i16x8_shr_u(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u16, 8, (uint16_t)(a.u16[i] >> (count & 15)));
}

static inline wa_v128 wa_v_i16x8_add(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, (uint16_t)(a.u16[i] + b.u16[i]));
}
static inline wa_v128 wa_v_i16x8_add_sat_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i16, 8, wa_simd_sat_s16(a.i16[i] + b.i16[i]));
}
static inline wa_v128 wa_v_i16x8_add_sat_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, wa_simd_sat_u16(a.u16[i] + b.u16[i]));
}
static inline wa_v128 wa_v_i16x8_sub(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, (uint16_t)(a.u16[i] - b.u16[i]));
}
static inline wa_v128 wa_v_i16x8_sub_sat_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i16, 8, wa_simd_sat_s16(a.i16[i] - b.i16[i]));
}
static inline wa_v128 wa_v_i16x8_sub_sat_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, wa_simd_sat_u16(a.u16[i] - b.u16[i]));
}
/* Products in 32 unsigned bits: 0xffff * 0xffff overflows an int. */
static inline wa_v128 wa_v_i16x8_mul(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, (uint16_t)((uint32_t)a.u16[i] * b.u16[i]));
}
static inline wa_v128 wa_v_i16x8_min_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i16, 8, a.i16[i] < b.i16[i] ? a.i16[i] : b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_min_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, a.u16[i] < b.u16[i] ? a.u16[i] : b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_max_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i16, 8, a.i16[i] > b.i16[i] ? a.i16[i] : b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_max_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, a.u16[i] > b.u16[i] ? a.u16[i] : b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_avgr_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, (uint16_t)((a.u16[i] + b.u16[i] + 1u) >> 1));
}
static inline wa_v128 wa_v_i16x8_extmul_low_i8x16_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i16, 8, (int16_t)(a.i8[i] * b.i8[i]));
}
static inline wa_v128 wa_v_i16x8_extmul_high_i8x16_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i16, 8, (int16_t)(a.i8[i + 8] * b.i8[i + 8]));
}
static inline wa_v128 wa_v_i16x8_extmul_low_i8x16_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, (uint16_t)(a.u8[i] * b.u8[i]));
}
static inline wa_v128 wa_v_i16x8_extmul_high_i8x16_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u16, 8, (uint16_t)(a.u8[i + 8] * b.u8[i + 8]));
}

/* ---- i32x4 --------------------------------------------------------------- */

static inline wa_v128 wa_v_i32x4_eq(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.u32[i] == b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_ne(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.u32[i] != b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_lt_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.i32[i] < b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_lt_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.u32[i] < b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_gt_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.i32[i] > b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_gt_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.u32[i] > b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_le_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.i32[i] <= b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_le_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.u32[i] <= b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_ge_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.i32[i] >= b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_ge_u(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.u32[i] >= b.u32[i]);
}

static inline wa_v128 wa_v_i32x4_extadd_pairwise_i16x8_s(wa_v128 a)
{
    WA_V_LANES(i32, 4, a.i16[2 * i] + a.i16[2 * i + 1]);
}
static inline wa_v128 wa_v_i32x4_extadd_pairwise_i16x8_u(wa_v128 a)
{
    WA_V_LANES(u32, 4, (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1]);
}
static inline wa_v128 wa_v_i32x4_abs(wa_v128 a)
{
    WA_V_LANES(u32, 4, a.i32[i] < 0 ? 0u - a.u32[i] : a.u32[i]);
}
static inline wa_v128 wa_v_i32x4_neg(wa_v128 a)
{
    WA_V_LANES(u32, 4, 0u - a.u32[i]);
}
static inline uint32_t wa_v_i32x4_all_true(wa_v128 a)
{
    return a.u32[0] && a.u32[1] && a.u32[2] && a.u32[3];
}
static inline uint32_t wa_v_i32x4_bitmask(wa_v128 a)
{
    uint32_t m = 0;
    for (int i = 0; i < 4; i++)
        m |= (a.u32[i] >> 31) << i;
    return m;
}
static inline wa_v128 wa_v_i32x4_extend_low_i16x8_s(wa_v128 a)
{
    WA_V_LANES(i32, 4, a.i16[i]);
}
static inline wa_v128 wa_v_i32x4_extend_high_i16x8_s(wa_v128 a)
{
    WA_V_LANES(i32, 4, a.i16[i + 4]);
}
static inline wa_v128 wa_v_i32x4_extend_low_i16x8_u(wa_v128 a)
{
    WA_V_LANES(u32, 4, a.u16[i]);
}
static inline wa_v128 wa_v_i32x4_extend_high_i16x8_u(wa_v128 a)
{
    WA_V_LANES(u32, 4, a.u16[i + 4]);
}

static inline wa_v128 wa_v_i32x4_shl(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u32, 4, a.u32[i] << (count & 31));
}
static inline wa_v128 wa_v_i32x4_shr_s(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u32, 4, (uint32_t)wa_simd_sar64((uint64_t)(int64_t)a.i32[i], count & 31));
}
static inline wa_v128 wa_v_i32x4_shr_u(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u32, 4, a.u32[i] >> (count & 31));
}

static inline wa_v128 wa_v_i32x4_add(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4, a.u32[i] + b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_sub(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4, a.u32[i] - b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_mul(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4, a.u32[i] * b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_min_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i32, 4, a.i32[i] < b.i32[i] ? a.i32[i] : b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_min_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4, a.u32[i] < b.u32[i] ? a.u32[i] : b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_max_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i32, 4, a.i32[i] > b.i32[i] ? a.i32[i] : b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_max_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4, a.u32[i] > b.u32[i] ? a.u32[i] : b.u32[i]);
}
/* Sum of two i16 products; -32768 * -32768 twice wraps to INT32_MIN. */
static inline wa_v128 wa_v_i32x4_dot_i16x8_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4,
               (uint32_t)(a.i16[2 * i] * b.i16[2 * i]) +
                   (uint32_t)(a.i16[2 * i + 1] * b.i16[2 * i + 1]));
}
static inline wa_v128 wa_v_i32x4_extmul_low_i16x8_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i32, 4, a.i16[i] * b.i16[i]);
}
static inline wa_v128 wa_v_i32x4_extmul_high_i16x8_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i32, 4, a.i16[i + 4] * b.i16[i + 4]);
}
static inline wa_v128 wa_v_i32x4_extmul_low_i16x8_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4, (uint32_t)a.u16[i] * b.u16[i]);
}
static inline wa_v128 wa_v_i32x4_extmul_high_i16x8_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4, (uint32_t)a.u16[i + 4] * b.u16[i + 4]);
}

/* ---- i64x2 --------------------------------------------------------------- */

static inline wa_v128 wa_v_i64x2_abs(wa_v128 a)
{
    WA_V_LANES(u64, 2, a.i64[i] < 0 ? 0u - a.u64[i] : a.u64[i]);
}
static inline wa_v128 wa_v_i64x2_neg(wa_v128 a)
{
    WA_V_LANES(u64, 2, 0u - a.u64[i]);
}
static inline uint32_t wa_v_i64x2_all_true(wa_v128 a)
{
    return a.u64[0] && a.u64[1];
}
static inline uint32_t wa_v_i64x2_bitmask(wa_v128 a)
{
    return (uint32_t)(a.u64[0] >> 63) | (uint32_t)(a.u64[1] >> 63) << 1;
}
static inline wa_v128 wa_v_i64x2_extend_low_i32x4_s(wa_v128 a)
{
    WA_V_LANES(i64, 2, a.i32[i]);
}
static inline wa_v128 wa_v_i64x2_extend_high_i32x4_s(wa_v128 a)
{
    WA_V_LANES(i64, 2, a.i32[i + 2]);
}
static inline wa_v128 wa_v_i64x2_extend_low_i32x4_u(wa_v128 a)
{
    WA_V_LANES(u64, 2, a.u32[i]);
}
static inline wa_v128 wa_v_i64x2_extend_high_i32x4_u(wa_v128 a)
{
    WA_V_LANES(u64, 2, a.u32[i + 2]);
}

static inline wa_v128 wa_v_i64x2_shl(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u64, 2, a.u64[i] << (count & 63));
}
static inline wa_v128 wa_v_i64x2_shr_s(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u64, 2, wa_simd_sar64(a.u64[i], count & 63));
}
static inline wa_v128 wa_v_i64x2_shr_u(wa_v128 a, uint32_t count)
{
    WA_V_LANES(u64, 2, a.u64[i] >> (count & 63));
}

static inline wa_v128 wa_v_i64x2_add(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, a.u64[i] + b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_sub(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, a.u64[i] - b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_mul(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, a.u64[i] * b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_eq(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.u64[i] == b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_ne(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.u64[i] != b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_lt_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.i64[i] < b.i64[i]);
}
static inline wa_v128 wa_v_i64x2_gt_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.i64[i] > b.i64[i]);
}
static inline wa_v128 wa_v_i64x2_le_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.i64[i] <= b.i64[i]);
}
static inline wa_v128 wa_v_i64x2_ge_s(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.i64[i] >= b.i64[i]);
}
/* Products of i32 lanes fit in 64 bits, signed or not. */
static inline wa_v128 wa_v_i64x2_extmul_low_i32x4_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i64, 2, (int64_t)a.i32[i] * b.i32[i]);
}
static inline wa_v128 wa_v_i64x2_extmul_high_i32x4_s(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(i64, 2, (int64_t)a.i32[i + 2] * b.i32[i + 2]);
}
static inline wa_v128 wa_v_i64x2_extmul_low_i32x4_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, (uint64_t)a.u32[i] * b.u32[i]);
}
static inline wa_v128 wa_v_i64x2_extmul_high_i32x4_u(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, (uint64_t)a.u32[i + 2] * b.u32[i + 2]);
}

/* ---- f32x4 --------------------------------------------------------------- */

static inline wa_v128 wa_v_f32x4_eq(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.f32[i] == b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_ne(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.f32[i] != b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_lt(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.f32[i] < b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_gt(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.f32[i] > b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_le(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.f32[i] <= b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_ge(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u32, 4, a.f32[i] >= b.f32[i]);
}

/* abs and neg only touch the sign bit, NaN payloads included. */
static inline wa_v128 wa_v_f32x4_abs(wa_v128 a)
{
    WA_V_LANES(u32, 4, a.u32[i] & 0x7fffffffu);
}
static inline wa_v128 wa_v_f32x4_neg(wa_v128 a)
{
    WA_V_LANES(u32, 4, a.u32[i] ^ 0x80000000u);
}
static inline wa_v128 wa_v_f32x4_sqrt(wa_v128 a)
{
    WA_V_LANES(f32, 4, sqrtf(a.f32[i]));
}
static inline wa_v128 wa_v_f32x4_ceil(wa_v128 a)
{
    WA_V_LANES(f32, 4, wa_simd_quietf(ceilf(a.f32[i])));
}
static inline wa_v128 wa_v_f32x4_floor(wa_v128 a)
{
    WA_V_LANES(f32, 4, wa_simd_quietf(floorf(a.f32[i])));
}
static inline wa_v128 wa_v_f32x4_trunc(wa_v128 a)
{
    WA_V_LANES(f32, 4, wa_simd_quietf(truncf(a.f32[i])));
}
/* Round to nearest, ties to even (the default rounding mode). */
static inline wa_v128 wa_v_f32x4_nearest(wa_v128 a)
{
    WA_V_LANES(f32, 4, wa_simd_quietf(nearbyintf(a.f32[i])));
}
static inline wa_v128 wa_v_f32x4_add(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f32, 4, a.f32[i] + b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_sub(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f32, 4, a.f32[i] - b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_mul(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f32, 4, a.f32[i] * b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_div(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f32, 4, a.f32[i] / b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_min(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f32, 4, wa_simd_fminf(a.f32[i], b.f32[i]));
}
static inline wa_v128 wa_v_f32x4_max(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f32, 4, wa_simd_fmaxf(a.f32[i], b.f32[i]));
}
/* Pseudo-min/max, defined as the comparisons: pmin = b < a ? b : a,
 * pmax = a < b ? b : a; a NaN or a zero pair gives a, bit for bit. */
static inline wa_v128 wa_v_f32x4_pmin(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4, b.f32[i] < a.f32[i] ? b.u32[i] : a.u32[i]);
}
static inline wa_v128 wa_v_f32x4_pmax(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u32, 4, a.f32[i] < b.f32[i] ? b.u32[i] : a.u32[i]);
}

/* ---- f64x2 --------------------------------------------------------------- */

static inline wa_v128 wa_v_f64x2_eq(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.f64[i] == b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_ne(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.f64[i] != b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_lt(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.f64[i] < b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_gt(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.f64[i] > b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_le(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.f64[i] <= b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_ge(wa_v128 a, wa_v128 b)
{
    WA_V_CMP(u64, 2, a.f64[i] >= b.f64[i]);
}

static inline wa_v128 wa_v_f64x2_abs(wa_v128 a)
{
    WA_V_LANES(u64, 2, a.u64[i] & 0x7fffffffffffffffull);
}
static inline wa_v128 wa_v_f64x2_neg(wa_v128 a)
{
    WA_V_LANES(u64, 2, a.u64[i] ^ 0x8000000000000000ull);
}
static inline wa_v128 wa_v_f64x2_sqrt(wa_v128 a)
{
    WA_V_LANES(f64, 2, sqrt(a.f64[i]));
}
static inline wa_v128 wa_v_f64x2_ceil(wa_v128 a)
{
    WA_V_LANES(f64, 2, wa_simd_quiet(ceil(a.f64[i])));
}
static inline wa_v128 wa_v_f64x2_floor(wa_v128 a)
{
    WA_V_LANES(f64, 2, wa_simd_quiet(floor(a.f64[i])));
}
static inline wa_v128 wa_v_f64x2_trunc(wa_v128 a)
{
    WA_V_LANES(f64, 2, wa_simd_quiet(trunc(a.f64[i])));
}
static inline wa_v128 wa_v_f64x2_nearest(wa_v128 a)
{
    WA_V_LANES(f64, 2, wa_simd_quiet(nearbyint(a.f64[i])));
}
static inline wa_v128 wa_v_f64x2_add(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f64, 2, a.f64[i] + b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_sub(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f64, 2, a.f64[i] - b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_mul(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f64, 2, a.f64[i] * b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_div(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f64, 2, a.f64[i] / b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_min(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f64, 2, wa_simd_fmin(a.f64[i], b.f64[i]));
}
static inline wa_v128 wa_v_f64x2_max(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(f64, 2, wa_simd_fmax(a.f64[i], b.f64[i]));
}
static inline wa_v128 wa_v_f64x2_pmin(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, b.f64[i] < a.f64[i] ? b.u64[i] : a.u64[i]);
}
static inline wa_v128 wa_v_f64x2_pmax(wa_v128 a, wa_v128 b)
{
    WA_V_LANES(u64, 2, a.f64[i] < b.f64[i] ? b.u64[i] : a.u64[i]);
}

/* ---- conversions --------------------------------------------------------- */

/* The two f64 lanes rounded to f32, then two zero lanes. */
static inline wa_v128 wa_v_f32x4_demote_f64x2_zero(wa_v128 a)
{
    WA_V_LANES(f32, 4, i < 2 ? (float)a.f64[i] : 0.0f);
}
static inline wa_v128 wa_v_f64x2_promote_low_f32x4(wa_v128 a)
{
    WA_V_LANES(f64, 2, (double)a.f32[i]);
}
static inline wa_v128 wa_v_i32x4_trunc_sat_f32x4_s(wa_v128 a)
{
    WA_V_LANES(i32, 4, wa_simd_trunc_sat_s32(a.f32[i]));
}
static inline wa_v128 wa_v_i32x4_trunc_sat_f32x4_u(wa_v128 a)
{
    WA_V_LANES(u32, 4, wa_simd_trunc_sat_u32(a.f32[i]));
}
static inline wa_v128 wa_v_f32x4_convert_i32x4_s(wa_v128 a)
{
    WA_V_LANES(f32, 4, (float)a.i32[i]);
}
static inline wa_v128 wa_v_f32x4_convert_i32x4_u(wa_v128 a)
{
    WA_V_LANES(f32, 4, (float)a.u32[i]);
}
static inline wa_v128 wa_v_i32x4_trunc_sat_f64x2_s_zero(wa_v128 a)
{
    WA_V_LANES(i32, 4, i < 2 ? wa_simd_trunc_sat_s32(a.f64[i]) : 0);
}
static inline wa_v128 wa_v_i32x4_trunc_sat_f64x2_u_zero(wa_v128 a)
{
    WA_V_LANES(u32, 4, i < 2 ? wa_simd_trunc_sat_u32(a.f64[i]) : 0);
}
static inline wa_v128 wa_v_f64x2_convert_low_i32x4_s(wa_v128 a)
{
    WA_V_LANES(f64, 2, (double)a.i32[i]);
}
static inline wa_v128 wa_v_f64x2_convert_low_i32x4_u(wa_v128 a)
{
    WA_V_LANES(f64, 2, (double)a.u32[i]);
}

#undef WA_V_LANES
#undef WA_V_CMP

#endif
