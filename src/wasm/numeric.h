/*
 * numeric.h: what WebAssembly's scalar numeric instructions compute, in one
 * place for both tiers. The interpreter (interp.c) expands the lists into
 * handlers; the ahead-of-time tier (src/aot) prints the same expressions
 * into the C it generates and embeds this file's text above them, so the
 * two compute the same bits by construction. The SIMD lanes (simd.h) use
 * the scalar helpers too.
 *
 * Self-contained on purpose: only <math.h>, <stdint.h> and <string.h>, and
 * of the engine's types only wa_val's field names (i32, i64, f32, f64),
 * which the generated C declares the same way.
 *
 * WA_NUMERIC_SEMANTICS lists each op that cannot trap as KIND(NAME, EXPR)
 * over the operands a and b (wa_val): U and B (unary, binary) give the new
 * slot's 64 bits (a 32-bit result zero-extended), UF and BF a double. The
 * ones that trap (division, remainder, trapping truncation) are written out
 * where they run, the truncations with WA_TRUNC_BOUNDS' bounds.
 */
#ifndef WA_NUMERIC_H
#define WA_NUMERIC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

/* A NaN result of a rounding operation must be quiet; libm may hand a
 * signalling NaN back unchanged. */
static inline uint32_t f32_round_bits(float r)
{
    uint32_t b = f32_bits(r);
    return r != r ? b | 0x00400000u : b;
}
static inline float wa_quietf(float r)
{
    if (r == r)
        return r;
    uint32_t b;
    memcpy(&b, &r, 4);
    b |= 0x00400000u;
    memcpy(&r, &b, 4);
    return r;
}
static inline double wa_quiet(double r)
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
static inline float wa_fminf(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float wa_fmaxf(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double wa_fmin(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double wa_fmax(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline uint32_t rotl32(uint32_t a, uint32_t b)
{
    b &= 31;
    return (a << b) | (a >> ((32 - b) & 31));
}
static inline uint32_t rotr32(uint32_t a, uint32_t b)
{
    b &= 31;
    return (a >> b) | (a << ((32 - b) & 31));
}
static inline uint64_t rotl64(uint64_t a, uint64_t b)
{
    b &= 63;
    return (a << b) | (a >> ((64 - b) & 63));
}
static inline uint64_t rotr64(uint64_t a, uint64_t b)
{
    b &= 63;
    return (a >> b) | (a << ((64 - b) & 63));
}

/* Saturating float-to-integer truncation: NaN gives 0, out-of-range values
 * clamp; the cast happens only inside the range. */
static inline int32_t wa_trunc_sat_s32(double x)
{
    if (x != x)
        return 0;
    if (x <= -2147483649.0)
        return INT32_MIN;
    if (x >= 2147483648.0)
        return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t wa_trunc_sat_u32(double x)
{
    if (x != x || x <= -1.0)
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}
static inline uint64_t sat_i64_s(double x)
{
    if (x != x)
        return 0;
    if (x < -9223372036854775808.0)
        return (uint64_t)INT64_MIN;
    if (x >= 9223372036854775808.0)
        return (uint64_t)INT64_MAX;
    return (uint64_t)(int64_t)x;
}
static inline uint64_t sat_i64_u(double x)
{
    if (x != x || x <= -1.0)
        return 0;
    if (x >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)x;
}

/* sqrtss and sqrtsd give a quiet NaN for a NaN, so the square roots need no
 * wa_quiet. The reinterpretations are listed for completeness: the
 * translator emits nothing for them (the bits already are in the slot). */
// clang-format off
#define WA_NUMERIC_SEMANTICS(U, B, UF, BF) \
    U(I32_EQZ, a.i32 == 0) \
    B(I32_EQ, a.i32 == b.i32) \
    B(I32_NE, a.i32 != b.i32) \
    B(I32_LT_S, (int32_t)a.i32 < (int32_t)b.i32) \
    B(I32_LT_U, a.i32 < b.i32) \
    B(I32_GT_S, (int32_t)a.i32 > (int32_t)b.i32) \
    B(I32_GT_U, a.i32 > b.i32) \
    B(I32_LE_S, (int32_t)a.i32 <= (int32_t)b.i32) \
    B(I32_LE_U, a.i32 <= b.i32) \
    B(I32_GE_S, (int32_t)a.i32 >= (int32_t)b.i32) \
    B(I32_GE_U, a.i32 >= b.i32) \
    U(I64_EQZ, a.i64 == 0) \
    B(I64_EQ, a.i64 == b.i64) \
    B(I64_NE, a.i64 != b.i64) \
    B(I64_LT_S, (int64_t)a.i64 < (int64_t)b.i64) \
    B(I64_LT_U, a.i64 < b.i64) \
    B(I64_GT_S, (int64_t)a.i64 > (int64_t)b.i64) \
    B(I64_GT_U, a.i64 > b.i64) \
    B(I64_LE_S, (int64_t)a.i64 <= (int64_t)b.i64) \
    B(I64_LE_U, a.i64 <= b.i64) \
    B(I64_GE_S, (int64_t)a.i64 >= (int64_t)b.i64) \
    B(I64_GE_U, a.i64 >= b.i64) \
    B(F32_EQ, a.f32 == b.f32) \
    B(F32_NE, a.f32 != b.f32) \
    B(F32_LT, a.f32 < b.f32) \
    B(F32_GT, a.f32 > b.f32) \
    B(F32_LE, a.f32 <= b.f32) \
    B(F32_GE, a.f32 >= b.f32) \
    B(F64_EQ, a.f64 == b.f64) \
    B(F64_NE, a.f64 != b.f64) \
    B(F64_LT, a.f64 < b.f64) \
    B(F64_GT, a.f64 > b.f64) \
    B(F64_LE, a.f64 <= b.f64) \
    B(F64_GE, a.f64 >= b.f64) \
    U(I32_CLZ, a.i32 ? (uint32_t)__builtin_clz(a.i32) : 32) \
    U(I32_CTZ, a.i32 ? (uint32_t)__builtin_ctz(a.i32) : 32) \
    U(I32_POPCNT, (uint32_t)__builtin_popcount(a.i32)) \
    B(I32_ADD, (uint32_t)(a.i32 + b.i32)) \
    B(I32_SUB, (uint32_t)(a.i32 - b.i32)) \
    B(I32_MUL, (uint32_t)(a.i32 * b.i32)) \
    B(I32_AND, a.i32 & b.i32) \
    B(I32_OR, a.i32 | b.i32) \
    B(I32_XOR, a.i32 ^ b.i32) \
    B(I32_SHL, (uint32_t)(a.i32 << (b.i32 & 31))) \
    B(I32_SHR_S, (uint32_t)((int32_t)a.i32 >> (b.i32 & 31))) \
    B(I32_SHR_U, a.i32 >> (b.i32 & 31)) \
    B(I32_ROTL, rotl32(a.i32, b.i32)) \
    B(I32_ROTR, rotr32(a.i32, b.i32)) \
    U(I64_CLZ, a.i64 ? (uint64_t)__builtin_clzll(a.i64) : 64) \
    U(I64_CTZ, a.i64 ? (uint64_t)__builtin_ctzll(a.i64) : 64) \
    U(I64_POPCNT, (uint64_t)__builtin_popcountll(a.i64)) \
    B(I64_ADD, a.i64 + b.i64) \
    B(I64_SUB, a.i64 - b.i64) \
    B(I64_MUL, a.i64 * b.i64) \
    B(I64_AND, a.i64 & b.i64) \
    B(I64_OR, a.i64 | b.i64) \
    B(I64_XOR, a.i64 ^ b.i64) \
    B(I64_SHL, a.i64 << (b.i64 & 63)) \
    B(I64_SHR_S, (uint64_t)((int64_t)a.i64 >> (b.i64 & 63))) \
    B(I64_SHR_U, a.i64 >> (b.i64 & 63)) \
    B(I64_ROTL, rotl64(a.i64, b.i64)) \
    B(I64_ROTR, rotr64(a.i64, b.i64)) \
    U(F32_ABS, a.i32 & 0x7fffffffu) \
    U(F32_NEG, a.i32 ^ 0x80000000u) \
    U(F32_CEIL, f32_round_bits(ceilf(a.f32))) \
    U(F32_FLOOR, f32_round_bits(floorf(a.f32))) \
    U(F32_TRUNC, f32_round_bits(truncf(a.f32))) \
    U(F32_NEAREST, f32_round_bits(nearbyintf(a.f32))) \
    U(F32_SQRT, f32_bits(sqrtf(a.f32))) \
    B(F32_ADD, f32_bits(a.f32 + b.f32)) \
    B(F32_SUB, f32_bits(a.f32 - b.f32)) \
    B(F32_MUL, f32_bits(a.f32 * b.f32)) \
    B(F32_DIV, f32_bits(a.f32 / b.f32)) \
    B(F32_MIN, f32_bits(wa_fminf(a.f32, b.f32))) \
    B(F32_MAX, f32_bits(wa_fmaxf(a.f32, b.f32))) \
    B(F32_COPYSIGN, (a.i32 & 0x7fffffffu) | (b.i32 & 0x80000000u)) \
    U(F64_ABS, a.i64 & 0x7fffffffffffffffull) \
    U(F64_NEG, a.i64 ^ 0x8000000000000000ull) \
    UF(F64_CEIL, wa_quiet(ceil(a.f64))) \
    UF(F64_FLOOR, wa_quiet(floor(a.f64))) \
    UF(F64_TRUNC, wa_quiet(trunc(a.f64))) \
    UF(F64_NEAREST, wa_quiet(nearbyint(a.f64))) \
    UF(F64_SQRT, sqrt(a.f64)) \
    BF(F64_ADD, a.f64 + b.f64) \
    BF(F64_SUB, a.f64 - b.f64) \
    BF(F64_MUL, a.f64 * b.f64) \
    BF(F64_DIV, a.f64 / b.f64) \
    BF(F64_MIN, wa_fmin(a.f64, b.f64)) \
    BF(F64_MAX, wa_fmax(a.f64, b.f64)) \
    B(F64_COPYSIGN, (a.i64 & 0x7fffffffffffffffull) | (b.i64 & 0x8000000000000000ull)) \
    U(I32_WRAP_I64, (uint32_t)a.i64) \
    U(I64_EXTEND_I32_S, (uint64_t)(int64_t)(int32_t)a.i32) \
    U(I64_EXTEND_I32_U, (uint64_t)a.i32) \
    U(F32_CONVERT_I32_S, f32_bits((float)(int32_t)a.i32)) \
    U(F32_CONVERT_I32_U, f32_bits((float)a.i32)) \
    U(F32_CONVERT_I64_S, f32_bits((float)(int64_t)a.i64)) \
    U(F32_CONVERT_I64_U, f32_bits((float)a.i64)) \
    U(F32_DEMOTE_F64, f32_bits((float)a.f64)) \
    UF(F64_CONVERT_I32_S, (double)(int32_t)a.i32) \
    UF(F64_CONVERT_I32_U, (double)a.i32) \
    UF(F64_CONVERT_I64_S, (double)(int64_t)a.i64) \
    UF(F64_CONVERT_I64_U, (double)a.i64) \
    UF(F64_PROMOTE_F32, (double)a.f32) \
    U(I32_REINTERPRET_F32, a.i32) \
    U(I64_REINTERPRET_F64, a.i64) \
    U(F32_REINTERPRET_I32, a.i32) \
    U(F64_REINTERPRET_I64, a.i64) \
    U(I32_EXTEND8_S, (uint32_t)(int32_t)(int8_t)a.i32) \
    U(I32_EXTEND16_S, (uint32_t)(int32_t)(int16_t)a.i32) \
    U(I64_EXTEND8_S, (uint64_t)(int64_t)(int8_t)a.i64) \
    U(I64_EXTEND16_S, (uint64_t)(int64_t)(int16_t)a.i64) \
    U(I64_EXTEND32_S, (uint64_t)(int64_t)(int32_t)a.i64) \
    U(I32_TRUNC_SAT_F32_S, (uint32_t)wa_trunc_sat_s32(a.f32)) \
    U(I32_TRUNC_SAT_F32_U, wa_trunc_sat_u32(a.f32)) \
    U(I32_TRUNC_SAT_F64_S, (uint32_t)wa_trunc_sat_s32(a.f64)) \
    U(I32_TRUNC_SAT_F64_U, wa_trunc_sat_u32(a.f64)) \
    U(I64_TRUNC_SAT_F32_S, sat_i64_s(a.f32)) \
    U(I64_TRUNC_SAT_F32_U, sat_i64_u(a.f32)) \
    U(I64_TRUNC_SAT_F64_S, sat_i64_s(a.f64)) \
    U(I64_TRUNC_SAT_F64_U, sat_i64_u(a.f64))

/* Trapping truncation, X(NAME, FIELD, LO, HI, T, UT): NaN is an invalid
 * conversion; outside (LO, HI) the result does not fit, the bounds being
 * exact in the source type; else the result is (UT)(T)x. */
#define WA_TRUNC_BOUNDS(X) \
    X(I32_TRUNC_F32_S, f32, -2147483904.0, 2147483648.0, int32_t, uint32_t) \
    X(I32_TRUNC_F32_U, f32, -1.0, 4294967296.0, uint32_t, uint32_t) \
    X(I32_TRUNC_F64_S, f64, -2147483649.0, 2147483648.0, int32_t, uint32_t) \
    X(I32_TRUNC_F64_U, f64, -1.0, 4294967296.0, uint32_t, uint32_t) \
    X(I64_TRUNC_F32_S, f32, -9223373136366403584.0, 9223372036854775808.0, int64_t, uint64_t) \
    X(I64_TRUNC_F32_U, f32, -1.0, 18446744073709551616.0, uint64_t, uint64_t) \
    X(I64_TRUNC_F64_S, f64, -9223372036854777856.0, 9223372036854775808.0, int64_t, uint64_t) \
    X(I64_TRUNC_F64_U, f64, -1.0, 18446744073709551616.0, uint64_t, uint64_t)
// clang-format on

#endif
