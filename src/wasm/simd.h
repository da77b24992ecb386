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

#include "numeric.h"
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

/* ---- the fast path -------------------------------------------------------
 * A function's fast bodies come first, each a one-line WA_<FEATURE>(expr)
 * that returns expr when the feature is available and is nothing otherwise;
 * the first available one wins and the portable body below it is then dead
 * code. WA_VEC: GCC/clang vector extensions (any target); WA_SSE2,
 * WA_SSSE3, WA_SSE41: x86 intrinsics, each only when the compiler targets
 * that level (x86-64 always has SSE2; WA_SIMD_NO_X86 leaves the x86 bodies
 * out, which tests the vector-extension bodies other hosts use). Vectors
 * move in and out of the union through its two 64-bit halves (wa_vld and
 * wa_vst, memcpy), and between vector types by vector casts, which
 * reinterpret the bits. */
#if !defined(WA_SIMD_PORTABLE) && (defined(__GNUC__) || defined(__clang__))
#define WA_SIMD_VEC 1
#if defined(__SSE2__) && !defined(WA_SIMD_NO_X86)
#define WA_SIMD_SSE2 1
#include <emmintrin.h>
#endif
#if defined(__SSSE3__) && !defined(WA_SIMD_NO_X86)
#define WA_SIMD_SSSE3 1
#include <tmmintrin.h>
#endif
#if defined(__SSE4_1__) && !defined(WA_SIMD_NO_X86)
#define WA_SIMD_SSE41 1
#include <smmintrin.h>
#endif
#endif

#ifdef WA_SIMD_VEC
#define WA_VEC(expr) return (expr)
typedef uint8_t wa_vu8 __attribute__((vector_size(16)));
typedef int8_t wa_vi8 __attribute__((vector_size(16)));
typedef uint16_t wa_vu16 __attribute__((vector_size(16)));
typedef int16_t wa_vi16 __attribute__((vector_size(16)));
typedef uint32_t wa_vu32 __attribute__((vector_size(16)));
typedef int32_t wa_vi32 __attribute__((vector_size(16)));
typedef uint64_t wa_vu64 __attribute__((vector_size(16)));
typedef int64_t wa_vi64 __attribute__((vector_size(16)));
typedef float wa_vf32 __attribute__((vector_size(16)));
typedef double wa_vf64 __attribute__((vector_size(16)));

/* A wa_v128 argument or result travels in two 64-bit integer registers
 * (x86-64 and AArch64 ABIs): build the vector from the two halves and take
 * it apart the same way. A 16-byte memcpy would store the halves and reload
 * them as one vector, a load that cannot be forwarded from the two smaller
 * stores and stalls for a dozen cycles, each operand of each call. */
static inline wa_vu64 wa_vld(wa_v128 v)
{
    uint64_t lo, hi;
    memcpy(&lo, v.u8, 8);
    memcpy(&hi, v.u8 + 8, 8);
#ifdef WA_SIMD_SSE2
    /* Spelled out: GCC turns {lo, hi} back into the stalling reload. */
    return (wa_vu64)_mm_unpacklo_epi64(_mm_cvtsi64_si128((long long)lo),
                                       _mm_cvtsi64_si128((long long)hi));
#else
    return (wa_vu64){lo, hi};
#endif
}
static inline wa_v128 wa_vst(wa_vu64 x)
{
    uint64_t lo = x[0], hi = x[1];
    wa_v128 r;
    memcpy(r.u8, &lo, 8);
    memcpy(r.u8 + 8, &hi, 8);
    return r;
}
/* v as a vector of type T; x (any 16-byte vector) as a wa_v128. */
#define WA_LD(T, v) ((T)wa_vld(v))
#define WA_ST(x) wa_vst((wa_vu64)(x))

/* Lanes of x where mask (all ones or zeros per lane) is set, else of y. */
#define WA_SEL(mask, x, y)                                                                         \
    WA_ST(((wa_vu64)(mask) & (wa_vu64)(x)) | (~(wa_vu64)(mask) & (wa_vu64)(y)))
#else
#define WA_VEC(expr)
#endif
#ifdef WA_SIMD_SSE2
#define WA_SSE2(expr) return (expr)
#define WA_I(v) ((__m128i)wa_vld(v))
#define WA_F(v) ((__m128)wa_vld(v))
#define WA_D(v) ((__m128d)wa_vld(v))
#else
#define WA_SSE2(expr)
#endif
#ifdef WA_SIMD_SSSE3
#define WA_SSSE3(expr) return (expr)
#else
#define WA_SSSE3(expr)
#endif
#ifdef WA_SIMD_SSE41
#define WA_SSE41(expr) return (expr)
#else
#define WA_SSE41(expr)
#endif

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

/* ---- fast-path helpers (multi-step mappings) ------------------------------ */

#ifdef WA_SIMD_VEC
/* r = a OP b over lanes of vector type T. */
#define WA_OP(T, a, OP, b) WA_ST(WA_LD(T, a) OP WA_LD(T, b))

/* Wrapping absolute value: (x ^ s) - s, s the sign spread over the lane. */
static inline wa_v128 wa_vabs8(wa_v128 a)
{
    wa_vu8 s = (wa_vu8)(WA_LD(wa_vi8, a) >> 7);
    return WA_ST((WA_LD(wa_vu8, a) ^ s) - s);
}
static inline wa_v128 wa_vabs16(wa_v128 a)
{
    wa_vu16 s = (wa_vu16)(WA_LD(wa_vi16, a) >> 15);
    return WA_ST((WA_LD(wa_vu16, a) ^ s) - s);
}
static inline wa_v128 wa_vabs32(wa_v128 a)
{
    wa_vu32 s = (wa_vu32)(WA_LD(wa_vi32, a) >> 31);
    return WA_ST((WA_LD(wa_vu32, a) ^ s) - s);
}
static inline wa_v128 wa_vabs64(wa_v128 a)
{
    wa_vu64 s = (wa_vu64)(WA_LD(wa_vi64, a) >> 63);
    return WA_ST((wa_vld(a) ^ s) - s);
}

static inline wa_v128 wa_vpopcnt8(wa_v128 a)
{
    wa_vu8 x = WA_LD(wa_vu8, a);
    x = x - ((x >> 1) & 0x55);
    x = (x & 0x33) + ((x >> 2) & 0x33);
    return WA_ST((x + (x >> 4)) & 0x0f);
}

/* Rounding without SSE4.1: for |x| < 2^23 (f32) or 2^52 (f64),
 * (|x| + 2^23) - 2^23 is |x| rounded to nearest, ties to even; trunc, floor
 * and ceil step one towards their direction where that overshot. Every
 * result has the sign of x (-0.5 rounds to -0, ceil(-0.7) is -0), so the
 * sign bit of x is put back last. Other lanes (large, infinite, NaN) are
 * x + 0, which is x, or x's NaN quieted. */
enum { WA_ROUND_NEAREST, WA_ROUND_FLOOR, WA_ROUND_CEIL, WA_ROUND_TRUNC };
static inline wa_v128 wa_vround32(wa_v128 a, int mode)
{
    const wa_vu32 one = (wa_vu32){0} + 0x3f800000u;
    wa_vf32 x = WA_LD(wa_vf32, a);
    wa_vu32 sign = WA_LD(wa_vu32, a) & 0x80000000u;
    wa_vf32 ax = (wa_vf32)(WA_LD(wa_vu32, a) & 0x7fffffffu);
    wa_vf32 r = (ax + 8388608.0f) - 8388608.0f;
    if (mode == WA_ROUND_TRUNC)
        r -= (wa_vf32)((wa_vu32)(r > ax) & one);
    wa_vf32 n = (wa_vf32)((wa_vu32)r | sign);
    if (mode == WA_ROUND_FLOOR)
        n -= (wa_vf32)((wa_vu32)(n > x) & one);
    if (mode == WA_ROUND_CEIL)
        n += (wa_vf32)((wa_vu32)(n < x) & one);
    n = (wa_vf32)((wa_vu32)n | sign);
    return WA_SEL(ax < 8388608.0f, n, x + 0.0f);
}
static inline wa_v128 wa_vround64(wa_v128 a, int mode)
{
    const wa_vu64 one = (wa_vu64){0} + 0x3ff0000000000000ull;
    wa_vf64 x = WA_LD(wa_vf64, a);
    wa_vu64 sign = wa_vld(a) & 0x8000000000000000ull;
    wa_vf64 ax = (wa_vf64)(wa_vld(a) & 0x7fffffffffffffffull);
    wa_vf64 r = (ax + 4503599627370496.0) - 4503599627370496.0;
    if (mode == WA_ROUND_TRUNC)
        r -= (wa_vf64)((wa_vu64)(r > ax) & one);
    wa_vf64 n = (wa_vf64)((wa_vu64)r | sign);
    if (mode == WA_ROUND_FLOOR)
        n -= (wa_vf64)((wa_vu64)(n > x) & one);
    if (mode == WA_ROUND_CEIL)
        n += (wa_vf64)((wa_vu64)(n < x) & one);
    n = (wa_vf64)((wa_vu64)n | sign);
    return WA_SEL(ax < 4503599627370496.0, n, x + 0.0);
}

/* Unsigned i32 lanes clamped to [0, 65535] and packed to u16 (SSE2 has no
 * unsigned-saturating 32-to-16 pack): bias by -32768 into the signed pack. */
static inline wa_vi32 wa_vclamp_u16_biased(wa_v128 a)
{
    wa_vi32 x = WA_LD(wa_vi32, a);
    x &= ~(x >> 31);
    wa_vi32 over = (wa_vi32)(x > 65535);
    x = (x & ~over) | (over & 65535);
    return x - 32768;
}
#endif

#ifdef WA_SIMD_SSE2
static inline __m128i wa_vcount(uint32_t count)
{
    return _mm_cvtsi32_si128((int)count);
}
/* 8-bit shifts through 16-bit ones: mask off the bits of the neighbour
 * byte, or (arithmetic) widen each byte to the top of a 16-bit lane. */
static inline wa_v128 wa_vshl8(wa_v128 a, uint32_t c)
{
    __m128i keep = _mm_set1_epi8((char)(uint8_t)(0xffu << c));
    return WA_ST(_mm_and_si128(_mm_sll_epi16(WA_I(a), wa_vcount(c)), keep));
}
static inline wa_v128 wa_vshr8_u(wa_v128 a, uint32_t c)
{
    __m128i keep = _mm_set1_epi8((char)(uint8_t)(0xffu >> c));
    return WA_ST(_mm_and_si128(_mm_srl_epi16(WA_I(a), wa_vcount(c)), keep));
}
static inline wa_v128 wa_vshr8_s(wa_v128 a, uint32_t c)
{
    __m128i x = WA_I(a), n = wa_vcount(c + 8);
    __m128i lo = _mm_sra_epi16(_mm_unpacklo_epi8(x, x), n);
    __m128i hi = _mm_sra_epi16(_mm_unpackhi_epi8(x, x), n);
    return WA_ST(_mm_packs_epi16(lo, hi));
}
/* No 64-bit arithmetic shift before AVX-512: flip negative lanes, shift
 * logically, flip back. */
static inline wa_v128 wa_vshr64_s(wa_v128 a, uint32_t c)
{
    __m128i x = WA_I(a);
    __m128i s = _mm_shuffle_epi32(_mm_srai_epi32(x, 31), _MM_SHUFFLE(3, 3, 1, 1));
    return WA_ST(_mm_xor_si128(_mm_srl_epi64(_mm_xor_si128(x, s), wa_vcount(c)), s));
}

static inline wa_v128 wa_vq15mulr(wa_v128 a, wa_v128 b)
{
#ifdef WA_SIMD_SSSE3
    /* pmulhrsw gives -32768 for -32768 * -32768 (the only overflow, and the
     * only way to get -32768): flip it to 32767. */
    __m128i r = _mm_mulhrs_epi16(WA_I(a), WA_I(b));
    return WA_ST(_mm_xor_si128(r, _mm_cmpeq_epi16(r, _mm_set1_epi16(INT16_MIN))));
#else
    __m128i x = WA_I(a), y = WA_I(b), round = _mm_set1_epi32(0x4000);
    __m128i lo = _mm_mullo_epi16(x, y), hi = _mm_mulhi_epi16(x, y);
    __m128i p0 = _mm_srai_epi32(_mm_add_epi32(_mm_unpacklo_epi16(lo, hi), round), 15);
    __m128i p1 = _mm_srai_epi32(_mm_add_epi32(_mm_unpackhi_epi16(lo, hi), round), 15);
    return WA_ST(_mm_packs_epi32(p0, p1));
#endif
}

/* i16 x i16 -> i32 products of the low or high four lanes: the low and high
 * halves of each product, interleaved. */
static inline wa_v128 wa_vextmul16(wa_v128 a, wa_v128 b, int high, int is_signed)
{
    __m128i x = WA_I(a), y = WA_I(b);
    __m128i lo = _mm_mullo_epi16(x, y);
    __m128i hi = is_signed ? _mm_mulhi_epi16(x, y) : _mm_mulhi_epu16(x, y);
    return WA_ST(high ? _mm_unpackhi_epi16(lo, hi) : _mm_unpacklo_epi16(lo, hi));
}

static inline uint32_t wa_vall_true(__m128i zero_lanes)
{
    return _mm_movemask_epi8(zero_lanes) == 0;
}

#ifdef WA_SIMD_SSSE3
static inline wa_v128 wa_vpopcnt8_ssse3(wa_v128 a)
{
    const __m128i bits = _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m128i nibble = _mm_set1_epi8(0x0f);
    __m128i x = WA_I(a);
    __m128i lo = _mm_shuffle_epi8(bits, _mm_and_si128(x, nibble));
    __m128i hi = _mm_shuffle_epi8(bits, _mm_and_si128(_mm_srli_epi16(x, 4), nibble));
    return WA_ST(_mm_add_epi8(lo, hi));
}
#endif

/* minps/maxps return their second operand for a NaN or a pair of zeros:
 * taking both orders and OR-ing (min) or AND-ing (max) orders the zeros;
 * NaN lanes become the canonical NaN, which the spec always allows. */
static inline wa_v128 wa_vfmin32(wa_v128 a, wa_v128 b)
{
    __m128 x = WA_F(a), y = WA_F(b), nan = _mm_cmpunord_ps(x, y);
    __m128 r = _mm_or_ps(_mm_min_ps(x, y), _mm_min_ps(y, x));
    __m128 canon = _mm_castsi128_ps(_mm_set1_epi32(0x7fc00000));
    return WA_ST(_mm_or_ps(_mm_andnot_ps(nan, r), _mm_and_ps(nan, canon)));
}
static inline wa_v128 wa_vfmax32(wa_v128 a, wa_v128 b)
{
    __m128 x = WA_F(a), y = WA_F(b), nan = _mm_cmpunord_ps(x, y);
    __m128 r = _mm_and_ps(_mm_max_ps(x, y), _mm_max_ps(y, x));
    __m128 canon = _mm_castsi128_ps(_mm_set1_epi32(0x7fc00000));
    return WA_ST(_mm_or_ps(_mm_andnot_ps(nan, r), _mm_and_ps(nan, canon)));
}
static inline wa_v128 wa_vfmin64(wa_v128 a, wa_v128 b)
{
    __m128d x = WA_D(a), y = WA_D(b), nan = _mm_cmpunord_pd(x, y);
    __m128d r = _mm_or_pd(_mm_min_pd(x, y), _mm_min_pd(y, x));
    __m128d canon = _mm_castsi128_pd(_mm_set1_epi64x(0x7ff8000000000000ll));
    return WA_ST(_mm_or_pd(_mm_andnot_pd(nan, r), _mm_and_pd(nan, canon)));
}
static inline wa_v128 wa_vfmax64(wa_v128 a, wa_v128 b)
{
    __m128d x = WA_D(a), y = WA_D(b), nan = _mm_cmpunord_pd(x, y);
    __m128d r = _mm_and_pd(_mm_max_pd(x, y), _mm_max_pd(y, x));
    __m128d canon = _mm_castsi128_pd(_mm_set1_epi64x(0x7ff8000000000000ll));
    return WA_ST(_mm_or_pd(_mm_andnot_pd(nan, r), _mm_and_pd(nan, canon)));
}

/* cvttps2dq gives 0x80000000 for NaN and out-of-range lanes: zero the NaNs
 * first, and flip lanes >= 2^31 to 0x7fffffff. */
static inline wa_v128 wa_vtrunc_sat_f32_s(wa_v128 a)
{
    __m128 x = WA_F(a);
    x = _mm_and_ps(x, _mm_cmpord_ps(x, x));
    __m128i over = _mm_castps_si128(_mm_cmpge_ps(x, _mm_set1_ps(2147483648.0f)));
    return WA_ST(_mm_xor_si128(_mm_cvttps_epi32(x), over));
}
/* Unsigned: NaN and negatives to 0 (maxps gives its second operand for a
 * NaN), lanes in [2^31, 2^32) converted less 2^31, lanes >= 2^32 all ones. */
static inline wa_v128 wa_vtrunc_sat_f32_u(wa_v128 a)
{
    const __m128 two31 = _mm_set1_ps(2147483648.0f);
    __m128 x = _mm_max_ps(WA_F(a), _mm_setzero_ps());
    __m128i lo = _mm_cvttps_epi32(x);
    __m128i hi = _mm_xor_si128(_mm_cvttps_epi32(_mm_sub_ps(x, two31)), _mm_set1_epi32(INT32_MIN));
    __m128i big = _mm_castps_si128(_mm_cmpge_ps(x, two31));
    __m128i over = _mm_castps_si128(_mm_cmpge_ps(x, _mm_set1_ps(4294967296.0f)));
    __m128i r = _mm_or_si128(_mm_andnot_si128(big, lo), _mm_and_si128(big, hi));
    return WA_ST(_mm_or_si128(r, over));
}
static inline wa_v128 wa_vtrunc_sat_f64_s(wa_v128 a)
{
    __m128d x = WA_D(a);
    x = _mm_and_pd(x, _mm_cmpord_pd(x, x));
    x = _mm_min_pd(_mm_max_pd(x, _mm_set1_pd(-2147483648.0)), _mm_set1_pd(2147483647.0));
    return WA_ST(_mm_cvttpd_epi32(x));
}
/* u32 to f32 in two exact halves: hi * 2^16 and lo are exact, so their sum
 * is rounded once, as a direct conversion would be. */
static inline wa_v128 wa_vconvert_u32_f32(wa_v128 a)
{
    __m128i x = WA_I(a);
    __m128 hi = _mm_cvtepi32_ps(_mm_srli_epi32(x, 16));
    __m128 lo = _mm_cvtepi32_ps(_mm_and_si128(x, _mm_set1_epi32(0xffff)));
    return WA_ST(_mm_add_ps(_mm_mul_ps(hi, _mm_set1_ps(65536.0f)), lo));
}
/* u32 to f64: the bits 0x43300000:x are the double 2^52 + x. */
static inline wa_v128 wa_vconvert_u32_f64(wa_v128 a)
{
    __m128i x = _mm_unpacklo_epi32(WA_I(a), _mm_set1_epi32(0x43300000));
    return WA_ST(_mm_sub_pd(_mm_castsi128_pd(x), _mm_set1_pd(4503599627370496.0)));
}
#endif

#ifdef WA_SIMD_VEC
/* Shuffle without a byte-shuffle instruction: the result is built in two
 * 64-bit registers from a 32-byte table (writing it byte by byte to memory
 * and reloading it as a vector would stall on store forwarding). */
static inline wa_v128 wa_vshuffle_bytes(wa_v128 a, wa_v128 b, const uint8_t lanes[16])
{
    uint8_t tab[32];
    memcpy(tab, a.u8, 16);
    memcpy(tab + 16, b.u8, 16);
    uint64_t lo = 0, hi = 0;
    for (int i = 0; i < 8; i++) {
        lo |= (uint64_t)tab[lanes[i] & 31] << (8 * i);
        hi |= (uint64_t)tab[lanes[i + 8] & 31] << (8 * i);
    }
    wa_v128 r;
    memcpy(r.u8, &lo, 8);
    memcpy(r.u8 + 8, &hi, 8);
    return r;
}
#endif
#ifdef WA_SIMD_SSSE3
/* pshufb picks from a where the index is < 16 and from b (index - 16)
 * where it is in 16..31; an index byte with its top bit set gives 0. */
static inline wa_v128 wa_vshuffle_ssse3(wa_v128 a, wa_v128 b, const uint8_t lanes[16])
{
    __m128i idx, sixteen = _mm_set1_epi8(16);
    memcpy(&idx, lanes, 16);
    idx = _mm_and_si128(idx, _mm_set1_epi8(31));
    __m128i from_b = _mm_cmpgt_epi8(idx, _mm_set1_epi8(15));
    __m128i ia = _mm_or_si128(idx, from_b);
    __m128i ib =
        _mm_or_si128(_mm_sub_epi8(idx, sixteen), _mm_andnot_si128(from_b, _mm_set1_epi8(-128)));
    return WA_ST(_mm_or_si128(_mm_shuffle_epi8(WA_I(a), ia), _mm_shuffle_epi8(WA_I(b), ib)));
}
#endif

/* ---- bitwise ------------------------------------------------------------- */

static inline wa_v128 wa_v_v128_not(wa_v128 a)
{
    WA_VEC(WA_ST(~wa_vld(a)));
    WA_V_LANES(u64, 2, ~a.u64[i]);
}
static inline wa_v128 wa_v_v128_and(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu64, a, &, b));
    WA_V_LANES(u64, 2, a.u64[i] & b.u64[i]);
}
static inline wa_v128 wa_v_v128_andnot(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_ST(wa_vld(a) & ~wa_vld(b)));
    WA_V_LANES(u64, 2, a.u64[i] & ~b.u64[i]);
}
static inline wa_v128 wa_v_v128_or(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu64, a, |, b));
    WA_V_LANES(u64, 2, a.u64[i] | b.u64[i]);
}
static inline wa_v128 wa_v_v128_xor(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu64, a, ^, b));
    WA_V_LANES(u64, 2, a.u64[i] ^ b.u64[i]);
}
static inline wa_v128 wa_v_v128_bitselect(wa_v128 a, wa_v128 b, wa_v128 mask)
{
    WA_VEC(WA_SEL(wa_vld(mask), wa_vld(a), wa_vld(b)));
    WA_V_LANES(u64, 2, (a.u64[i] & mask.u64[i]) | (b.u64[i] & ~mask.u64[i]));
}
static inline uint32_t wa_v_v128_any_true(wa_v128 a)
{
    WA_SSE41((uint32_t)!_mm_testz_si128(WA_I(a), WA_I(a)));
    WA_SSE2((uint32_t)(_mm_movemask_epi8(_mm_cmpeq_epi8(WA_I(a), _mm_setzero_si128())) != 0xffff));
    return (a.u64[0] | a.u64[1]) != 0;
}

/* ---- i8x16 --------------------------------------------------------------- */

/* i8x16.shuffle (kind SHUFFLE, not in the table of simd_call.h): lane i is
 * lane lanes[i] of the 32 lanes of a then b; validation keeps lanes < 32. */
static inline wa_v128 wa_v_i8x16_shuffle(wa_v128 a, wa_v128 b, const uint8_t lanes[16])
{
    WA_SSSE3(wa_vshuffle_ssse3(a, b, lanes));
    WA_VEC(wa_vshuffle_bytes(a, b, lanes));
    WA_V_LANES(u8, 16, lanes[i] < 16 ? a.u8[lanes[i] & 15] : b.u8[lanes[i] & 15]);
}

/* Lane i of the result is a[b[i]], or 0 where b[i] > 15. */
static inline wa_v128 wa_v_i8x16_swizzle(wa_v128 a, wa_v128 b)
{
    WA_SSSE3(WA_ST(_mm_shuffle_epi8(WA_I(a), _mm_adds_epu8(WA_I(b), _mm_set1_epi8(0x70)))));
    WA_V_LANES(u8, 16, b.u8[i] < 16 ? a.u8[b.u8[i]] : 0);
}

static inline wa_v128 wa_v_i8x16_eq(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu8, a, ==, b));
    WA_V_CMP(u8, 16, a.u8[i] == b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_ne(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu8, a, !=, b));
    WA_V_CMP(u8, 16, a.u8[i] != b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_lt_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi8, a, <, b));
    WA_V_CMP(u8, 16, a.i8[i] < b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_lt_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu8, a, <, b));
    WA_V_CMP(u8, 16, a.u8[i] < b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_gt_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi8, a, >, b));
    WA_V_CMP(u8, 16, a.i8[i] > b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_gt_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu8, a, >, b));
    WA_V_CMP(u8, 16, a.u8[i] > b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_le_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi8, a, <=, b));
    WA_V_CMP(u8, 16, a.i8[i] <= b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_le_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu8, a, <=, b));
    WA_V_CMP(u8, 16, a.u8[i] <= b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_ge_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi8, a, >=, b));
    WA_V_CMP(u8, 16, a.i8[i] >= b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_ge_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu8, a, >=, b));
    WA_V_CMP(u8, 16, a.u8[i] >= b.u8[i]);
}

/* abs and neg wrap: the most negative lane stays itself. */
static inline wa_v128 wa_v_i8x16_abs(wa_v128 a)
{
    WA_SSSE3(WA_ST(_mm_abs_epi8(WA_I(a))));
    WA_VEC(wa_vabs8(a));
    WA_V_LANES(u8, 16, a.i8[i] < 0 ? (uint8_t)(0u - a.u8[i]) : a.u8[i]);
}
static inline wa_v128 wa_v_i8x16_neg(wa_v128 a)
{
    WA_VEC(WA_ST(0 - WA_LD(wa_vu8, a)));
    WA_V_LANES(u8, 16, (uint8_t)(0u - a.u8[i]));
}
static inline wa_v128 wa_v_i8x16_popcnt(wa_v128 a)
{
    WA_SSSE3(wa_vpopcnt8_ssse3(a));
    WA_VEC(wa_vpopcnt8(a));
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
    WA_SSE2(wa_vall_true(_mm_cmpeq_epi8(WA_I(a), _mm_setzero_si128())));
    for (int i = 0; i < 16; i++)
        if (a.u8[i] == 0)
            return 0;
    return 1;
}
/* Bit i of the result is the top bit of lane i. */
static inline uint32_t wa_v_i8x16_bitmask(wa_v128 a)
{
    WA_SSE2((uint32_t)_mm_movemask_epi8(WA_I(a)));
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        m |= (uint32_t)(a.u8[i] >> 7) << i;
    return m;
}
/* Narrowing: the lanes of a, then those of b, each saturated. */
static inline wa_v128 wa_v_i8x16_narrow_i16x8_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_packs_epi16(WA_I(a), WA_I(b))));
    WA_V_LANES(i8, 16, wa_simd_sat_s8(i < 8 ? a.i16[i] : b.i16[i - 8]));
}
static inline wa_v128 wa_v_i8x16_narrow_i16x8_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_packus_epi16(WA_I(a), WA_I(b))));
    WA_V_LANES(u8, 16, wa_simd_sat_u8(i < 8 ? a.i16[i] : b.i16[i - 8]));
}

static inline wa_v128 wa_v_i8x16_shl(wa_v128 a, uint32_t count)
{
    WA_SSE2(wa_vshl8(a, count & 7));
    WA_VEC(WA_ST(WA_LD(wa_vu8, a) << (count & 7)));
    WA_V_LANES(u8, 16, (uint8_t)((uint32_t)a.u8[i] << (count & 7)));
}
static inline wa_v128 wa_v_i8x16_shr_s(wa_v128 a, uint32_t count)
{
    WA_SSE2(wa_vshr8_s(a, count & 7));
    WA_VEC(WA_ST(WA_LD(wa_vi8, a) >> (count & 7)));
    WA_V_LANES(u8, 16, (uint8_t)wa_simd_sar64((uint64_t)(int64_t)a.i8[i], count & 7));
}
static inline wa_v128 wa_v_i8x16_shr_u(wa_v128 a, uint32_t count)
{
    WA_SSE2(wa_vshr8_u(a, count & 7));
    WA_VEC(WA_ST(WA_LD(wa_vu8, a) >> (count & 7)));
    WA_V_LANES(u8, 16, (uint8_t)(a.u8[i] >> (count & 7)));
}

static inline wa_v128 wa_v_i8x16_add(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu8, a, +, b));
    WA_V_LANES(u8, 16, (uint8_t)(a.u8[i] + b.u8[i]));
}
static inline wa_v128 wa_v_i8x16_add_sat_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_adds_epi8(WA_I(a), WA_I(b))));
    WA_V_LANES(i8, 16, wa_simd_sat_s8(a.i8[i] + b.i8[i]));
}
static inline wa_v128 wa_v_i8x16_add_sat_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_adds_epu8(WA_I(a), WA_I(b))));
    WA_V_LANES(u8, 16, wa_simd_sat_u8(a.u8[i] + b.u8[i]));
}
static inline wa_v128 wa_v_i8x16_sub(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu8, a, -, b));
    WA_V_LANES(u8, 16, (uint8_t)(a.u8[i] - b.u8[i]));
}
static inline wa_v128 wa_v_i8x16_sub_sat_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_subs_epi8(WA_I(a), WA_I(b))));
    WA_V_LANES(i8, 16, wa_simd_sat_s8(a.i8[i] - b.i8[i]));
}
static inline wa_v128 wa_v_i8x16_sub_sat_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_subs_epu8(WA_I(a), WA_I(b))));
    WA_V_LANES(u8, 16, wa_simd_sat_u8(a.u8[i] - b.u8[i]));
}
static inline wa_v128 wa_v_i8x16_min_s(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_min_epi8(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vi8, a) < WA_LD(wa_vi8, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(i8, 16, a.i8[i] < b.i8[i] ? a.i8[i] : b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_min_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_min_epu8(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vu8, a) < WA_LD(wa_vu8, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(u8, 16, a.u8[i] < b.u8[i] ? a.u8[i] : b.u8[i]);
}
static inline wa_v128 wa_v_i8x16_max_s(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_max_epi8(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vi8, a) > WA_LD(wa_vi8, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(i8, 16, a.i8[i] > b.i8[i] ? a.i8[i] : b.i8[i]);
}
static inline wa_v128 wa_v_i8x16_max_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_max_epu8(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vu8, a) > WA_LD(wa_vu8, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(u8, 16, a.u8[i] > b.u8[i] ? a.u8[i] : b.u8[i]);
}
/* Rounding average: (a + b + 1) / 2 without overflow. */
static inline wa_v128 wa_v_i8x16_avgr_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_avg_epu8(WA_I(a), WA_I(b))));
    WA_VEC(WA_ST((WA_LD(wa_vu8, a) | WA_LD(wa_vu8, b)) -
                 ((WA_LD(wa_vu8, a) ^ WA_LD(wa_vu8, b)) >> 1)));
    WA_V_LANES(u8, 16, (uint8_t)((a.u8[i] + b.u8[i] + 1u) >> 1));
}

/* ---- i16x8 --------------------------------------------------------------- */

static inline wa_v128 wa_v_i16x8_eq(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu16, a, ==, b));
    WA_V_CMP(u16, 8, a.u16[i] == b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_ne(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu16, a, !=, b));
    WA_V_CMP(u16, 8, a.u16[i] != b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_lt_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi16, a, <, b));
    WA_V_CMP(u16, 8, a.i16[i] < b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_lt_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu16, a, <, b));
    WA_V_CMP(u16, 8, a.u16[i] < b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_gt_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi16, a, >, b));
    WA_V_CMP(u16, 8, a.i16[i] > b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_gt_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu16, a, >, b));
    WA_V_CMP(u16, 8, a.u16[i] > b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_le_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi16, a, <=, b));
    WA_V_CMP(u16, 8, a.i16[i] <= b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_le_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu16, a, <=, b));
    WA_V_CMP(u16, 8, a.u16[i] <= b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_ge_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi16, a, >=, b));
    WA_V_CMP(u16, 8, a.i16[i] >= b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_ge_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu16, a, >=, b));
    WA_V_CMP(u16, 8, a.u16[i] >= b.u16[i]);
}

static inline wa_v128 wa_v_i16x8_extadd_pairwise_i8x16_s(wa_v128 a)
{
    WA_SSSE3(WA_ST(_mm_maddubs_epi16(_mm_set1_epi8(1), WA_I(a))));
    WA_VEC(WA_ST(((wa_vi16)(WA_LD(wa_vu16, a) << 8) >> 8) + (WA_LD(wa_vi16, a) >> 8)));
    WA_V_LANES(i16, 8, (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]));
}
static inline wa_v128 wa_v_i16x8_extadd_pairwise_i8x16_u(wa_v128 a)
{
    WA_SSSE3(WA_ST(_mm_maddubs_epi16(WA_I(a), _mm_set1_epi8(1))));
    WA_VEC(WA_ST((WA_LD(wa_vu16, a) & 0xff) + (WA_LD(wa_vu16, a) >> 8)));
    WA_V_LANES(u16, 8, (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]));
}
static inline wa_v128 wa_v_i16x8_abs(wa_v128 a)
{
    WA_SSSE3(WA_ST(_mm_abs_epi16(WA_I(a))));
    WA_VEC(wa_vabs16(a));
    WA_V_LANES(u16, 8, a.i16[i] < 0 ? (uint16_t)(0u - a.u16[i]) : a.u16[i]);
}
static inline wa_v128 wa_v_i16x8_neg(wa_v128 a)
{
    WA_VEC(WA_ST(0 - WA_LD(wa_vu16, a)));
    WA_V_LANES(u16, 8, (uint16_t)(0u - a.u16[i]));
}
/* Q15 fixed-point multiply, rounded: (a * b + 2^14) >> 15, saturated (only
 * -32768 * -32768 overflows). */
static inline wa_v128 wa_v_i16x8_q15mulr_sat_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(wa_vq15mulr(a, b));
    WA_V_LANES(i16, 8, wa_simd_q15mulr(a.i16[i], b.i16[i]));
}
static inline uint32_t wa_v_i16x8_all_true(wa_v128 a)
{
    WA_SSE2(wa_vall_true(_mm_cmpeq_epi16(WA_I(a), _mm_setzero_si128())));
    for (int i = 0; i < 8; i++)
        if (a.u16[i] == 0)
            return 0;
    return 1;
}
static inline uint32_t wa_v_i16x8_bitmask(wa_v128 a)
{
    WA_SSE2((uint32_t)_mm_movemask_epi8(_mm_packs_epi16(WA_I(a), _mm_setzero_si128())));
    uint32_t m = 0;
    for (int i = 0; i < 8; i++)
        m |= (uint32_t)(a.u16[i] >> 15) << i;
    return m;
}
static inline wa_v128 wa_v_i16x8_narrow_i32x4_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_packs_epi32(WA_I(a), WA_I(b))));
    WA_V_LANES(i16, 8, wa_simd_sat_s16(i < 4 ? a.i32[i] : b.i32[i - 4]));
}
static inline wa_v128 wa_v_i16x8_narrow_i32x4_u(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_packus_epi32(WA_I(a), WA_I(b))));
    WA_SSE2(WA_ST(_mm_xor_si128(
        _mm_packs_epi32((__m128i)wa_vclamp_u16_biased(a), (__m128i)wa_vclamp_u16_biased(b)),
        _mm_set1_epi16(INT16_MIN))));
    WA_V_LANES(u16, 8, wa_simd_sat_u16(i < 4 ? a.i32[i] : b.i32[i - 4]));
}
static inline wa_v128 wa_v_i16x8_extend_low_i8x16_s(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_srai_epi16(_mm_unpacklo_epi8(WA_I(a), WA_I(a)), 8)));
    WA_V_LANES(i16, 8, a.i8[i]);
}
static inline wa_v128 wa_v_i16x8_extend_high_i8x16_s(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_srai_epi16(_mm_unpackhi_epi8(WA_I(a), WA_I(a)), 8)));
    WA_V_LANES(i16, 8, a.i8[i + 8]);
}
static inline wa_v128 wa_v_i16x8_extend_low_i8x16_u(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_unpacklo_epi8(WA_I(a), _mm_setzero_si128())));
    WA_V_LANES(u16, 8, a.u8[i]);
}
static inline wa_v128 wa_v_i16x8_extend_high_i8x16_u(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_unpackhi_epi8(WA_I(a), _mm_setzero_si128())));
    WA_V_LANES(u16, 8, a.u8[i + 8]);
}

static inline wa_v128 wa_v_i16x8_shl(wa_v128 a, uint32_t count)
{
    WA_SSE2(WA_ST(_mm_sll_epi16(WA_I(a), wa_vcount(count & 15))));
    WA_V_LANES(u16, 8, (uint16_t)((uint32_t)a.u16[i] << (count & 15)));
}
static inline wa_v128 wa_v_i16x8_shr_s(wa_v128 a, uint32_t count)
{
    WA_SSE2(WA_ST(_mm_sra_epi16(WA_I(a), wa_vcount(count & 15))));
    WA_V_LANES(u16, 8, (uint16_t)wa_simd_sar64((uint64_t)(int64_t)a.i16[i], count & 15));
}
static inline wa_v128 wa_v_i16x8_shr_u(wa_v128 a, uint32_t count)
{
    WA_SSE2(WA_ST(_mm_srl_epi16(WA_I(a), wa_vcount(count & 15))));
    WA_V_LANES(u16, 8, (uint16_t)(a.u16[i] >> (count & 15)));
}

static inline wa_v128 wa_v_i16x8_add(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu16, a, +, b));
    WA_V_LANES(u16, 8, (uint16_t)(a.u16[i] + b.u16[i]));
}
static inline wa_v128 wa_v_i16x8_add_sat_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_adds_epi16(WA_I(a), WA_I(b))));
    WA_V_LANES(i16, 8, wa_simd_sat_s16(a.i16[i] + b.i16[i]));
}
static inline wa_v128 wa_v_i16x8_add_sat_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_adds_epu16(WA_I(a), WA_I(b))));
    WA_V_LANES(u16, 8, wa_simd_sat_u16(a.u16[i] + b.u16[i]));
}
static inline wa_v128 wa_v_i16x8_sub(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu16, a, -, b));
    WA_V_LANES(u16, 8, (uint16_t)(a.u16[i] - b.u16[i]));
}
static inline wa_v128 wa_v_i16x8_sub_sat_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_subs_epi16(WA_I(a), WA_I(b))));
    WA_V_LANES(i16, 8, wa_simd_sat_s16(a.i16[i] - b.i16[i]));
}
static inline wa_v128 wa_v_i16x8_sub_sat_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_subs_epu16(WA_I(a), WA_I(b))));
    WA_V_LANES(u16, 8, wa_simd_sat_u16(a.u16[i] - b.u16[i]));
}
/* Products in 32 unsigned bits: 0xffff * 0xffff overflows an int. */
static inline wa_v128 wa_v_i16x8_mul(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu16, a, *, b));
    WA_V_LANES(u16, 8, (uint16_t)((uint32_t)a.u16[i] * b.u16[i]));
}
static inline wa_v128 wa_v_i16x8_min_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_min_epi16(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vi16, a) < WA_LD(wa_vi16, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(i16, 8, a.i16[i] < b.i16[i] ? a.i16[i] : b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_min_u(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_min_epu16(WA_I(a), WA_I(b))));
    WA_SSE2(WA_ST(_mm_sub_epi16(WA_I(a), _mm_subs_epu16(WA_I(a), WA_I(b)))));
    WA_VEC(WA_SEL(WA_LD(wa_vu16, a) < WA_LD(wa_vu16, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(u16, 8, a.u16[i] < b.u16[i] ? a.u16[i] : b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_max_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_max_epi16(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vi16, a) > WA_LD(wa_vi16, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(i16, 8, a.i16[i] > b.i16[i] ? a.i16[i] : b.i16[i]);
}
static inline wa_v128 wa_v_i16x8_max_u(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_max_epu16(WA_I(a), WA_I(b))));
    WA_SSE2(WA_ST(_mm_add_epi16(WA_I(b), _mm_subs_epu16(WA_I(a), WA_I(b)))));
    WA_VEC(WA_SEL(WA_LD(wa_vu16, a) > WA_LD(wa_vu16, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(u16, 8, a.u16[i] > b.u16[i] ? a.u16[i] : b.u16[i]);
}
static inline wa_v128 wa_v_i16x8_avgr_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_avg_epu16(WA_I(a), WA_I(b))));
    WA_V_LANES(u16, 8, (uint16_t)((a.u16[i] + b.u16[i] + 1u) >> 1));
}
static inline wa_v128 wa_v_i16x8_extmul_low_i8x16_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(wa_v_i16x8_mul(wa_v_i16x8_extend_low_i8x16_s(a), wa_v_i16x8_extend_low_i8x16_s(b)));
    WA_V_LANES(i16, 8, (int16_t)(a.i8[i] * b.i8[i]));
}
static inline wa_v128 wa_v_i16x8_extmul_high_i8x16_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(wa_v_i16x8_mul(wa_v_i16x8_extend_high_i8x16_s(a), wa_v_i16x8_extend_high_i8x16_s(b)));
    WA_V_LANES(i16, 8, (int16_t)(a.i8[i + 8] * b.i8[i + 8]));
}
static inline wa_v128 wa_v_i16x8_extmul_low_i8x16_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(wa_v_i16x8_mul(wa_v_i16x8_extend_low_i8x16_u(a), wa_v_i16x8_extend_low_i8x16_u(b)));
    WA_V_LANES(u16, 8, (uint16_t)(a.u8[i] * b.u8[i]));
}
static inline wa_v128 wa_v_i16x8_extmul_high_i8x16_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(wa_v_i16x8_mul(wa_v_i16x8_extend_high_i8x16_u(a), wa_v_i16x8_extend_high_i8x16_u(b)));
    WA_V_LANES(u16, 8, (uint16_t)(a.u8[i + 8] * b.u8[i + 8]));
}

/* ---- i32x4 --------------------------------------------------------------- */

static inline wa_v128 wa_v_i32x4_eq(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu32, a, ==, b));
    WA_V_CMP(u32, 4, a.u32[i] == b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_ne(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu32, a, !=, b));
    WA_V_CMP(u32, 4, a.u32[i] != b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_lt_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi32, a, <, b));
    WA_V_CMP(u32, 4, a.i32[i] < b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_lt_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu32, a, <, b));
    WA_V_CMP(u32, 4, a.u32[i] < b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_gt_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi32, a, >, b));
    WA_V_CMP(u32, 4, a.i32[i] > b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_gt_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu32, a, >, b));
    WA_V_CMP(u32, 4, a.u32[i] > b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_le_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi32, a, <=, b));
    WA_V_CMP(u32, 4, a.i32[i] <= b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_le_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu32, a, <=, b));
    WA_V_CMP(u32, 4, a.u32[i] <= b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_ge_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi32, a, >=, b));
    WA_V_CMP(u32, 4, a.i32[i] >= b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_ge_u(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu32, a, >=, b));
    WA_V_CMP(u32, 4, a.u32[i] >= b.u32[i]);
}

static inline wa_v128 wa_v_i32x4_extadd_pairwise_i16x8_s(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_madd_epi16(WA_I(a), _mm_set1_epi16(1))));
    WA_V_LANES(i32, 4, a.i16[2 * i] + a.i16[2 * i + 1]);
}
static inline wa_v128 wa_v_i32x4_extadd_pairwise_i16x8_u(wa_v128 a)
{
    WA_VEC(WA_ST((WA_LD(wa_vu32, a) & 0xffff) + (WA_LD(wa_vu32, a) >> 16)));
    WA_V_LANES(u32, 4, (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1]);
}
static inline wa_v128 wa_v_i32x4_abs(wa_v128 a)
{
    WA_SSSE3(WA_ST(_mm_abs_epi32(WA_I(a))));
    WA_VEC(wa_vabs32(a));
    WA_V_LANES(u32, 4, a.i32[i] < 0 ? 0u - a.u32[i] : a.u32[i]);
}
static inline wa_v128 wa_v_i32x4_neg(wa_v128 a)
{
    WA_VEC(WA_ST(0 - WA_LD(wa_vu32, a)));
    WA_V_LANES(u32, 4, 0u - a.u32[i]);
}
static inline uint32_t wa_v_i32x4_all_true(wa_v128 a)
{
    WA_SSE2(wa_vall_true(_mm_cmpeq_epi32(WA_I(a), _mm_setzero_si128())));
    return a.u32[0] && a.u32[1] && a.u32[2] && a.u32[3];
}
static inline uint32_t wa_v_i32x4_bitmask(wa_v128 a)
{
    WA_SSE2((uint32_t)_mm_movemask_ps(WA_F(a)));
    uint32_t m = 0;
    for (int i = 0; i < 4; i++)
        m |= (a.u32[i] >> 31) << i;
    return m;
}
static inline wa_v128 wa_v_i32x4_extend_low_i16x8_s(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_srai_epi32(_mm_unpacklo_epi16(WA_I(a), WA_I(a)), 16)));
    WA_V_LANES(i32, 4, a.i16[i]);
}
static inline wa_v128 wa_v_i32x4_extend_high_i16x8_s(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_srai_epi32(_mm_unpackhi_epi16(WA_I(a), WA_I(a)), 16)));
    WA_V_LANES(i32, 4, a.i16[i + 4]);
}
static inline wa_v128 wa_v_i32x4_extend_low_i16x8_u(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_unpacklo_epi16(WA_I(a), _mm_setzero_si128())));
    WA_V_LANES(u32, 4, a.u16[i]);
}
static inline wa_v128 wa_v_i32x4_extend_high_i16x8_u(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_unpackhi_epi16(WA_I(a), _mm_setzero_si128())));
    WA_V_LANES(u32, 4, a.u16[i + 4]);
}

static inline wa_v128 wa_v_i32x4_shl(wa_v128 a, uint32_t count)
{
    WA_SSE2(WA_ST(_mm_sll_epi32(WA_I(a), wa_vcount(count & 31))));
    WA_V_LANES(u32, 4, a.u32[i] << (count & 31));
}
static inline wa_v128 wa_v_i32x4_shr_s(wa_v128 a, uint32_t count)
{
    WA_SSE2(WA_ST(_mm_sra_epi32(WA_I(a), wa_vcount(count & 31))));
    WA_V_LANES(u32, 4, (uint32_t)wa_simd_sar64((uint64_t)(int64_t)a.i32[i], count & 31));
}
static inline wa_v128 wa_v_i32x4_shr_u(wa_v128 a, uint32_t count)
{
    WA_SSE2(WA_ST(_mm_srl_epi32(WA_I(a), wa_vcount(count & 31))));
    WA_V_LANES(u32, 4, a.u32[i] >> (count & 31));
}

static inline wa_v128 wa_v_i32x4_add(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu32, a, +, b));
    WA_V_LANES(u32, 4, a.u32[i] + b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_sub(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu32, a, -, b));
    WA_V_LANES(u32, 4, a.u32[i] - b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_mul(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_mullo_epi32(WA_I(a), WA_I(b))));
    WA_VEC(WA_OP(wa_vu32, a, *, b));
    WA_V_LANES(u32, 4, a.u32[i] * b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_min_s(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_min_epi32(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vi32, a) < WA_LD(wa_vi32, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(i32, 4, a.i32[i] < b.i32[i] ? a.i32[i] : b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_min_u(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_min_epu32(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vu32, a) < WA_LD(wa_vu32, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(u32, 4, a.u32[i] < b.u32[i] ? a.u32[i] : b.u32[i]);
}
static inline wa_v128 wa_v_i32x4_max_s(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_max_epi32(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vi32, a) > WA_LD(wa_vi32, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(i32, 4, a.i32[i] > b.i32[i] ? a.i32[i] : b.i32[i]);
}
static inline wa_v128 wa_v_i32x4_max_u(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(_mm_max_epu32(WA_I(a), WA_I(b))));
    WA_VEC(WA_SEL(WA_LD(wa_vu32, a) > WA_LD(wa_vu32, b), wa_vld(a), wa_vld(b)));
    WA_V_LANES(u32, 4, a.u32[i] > b.u32[i] ? a.u32[i] : b.u32[i]);
}
/* Sum of two i16 products; -32768 * -32768 twice wraps to INT32_MIN. */
static inline wa_v128 wa_v_i32x4_dot_i16x8_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_madd_epi16(WA_I(a), WA_I(b))));
    WA_V_LANES(u32, 4,
               (uint32_t)(a.i16[2 * i] * b.i16[2 * i]) +
                   (uint32_t)(a.i16[2 * i + 1] * b.i16[2 * i + 1]));
}
static inline wa_v128 wa_v_i32x4_extmul_low_i16x8_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(wa_vextmul16(a, b, 0, 1));
    WA_V_LANES(i32, 4, a.i16[i] * b.i16[i]);
}
static inline wa_v128 wa_v_i32x4_extmul_high_i16x8_s(wa_v128 a, wa_v128 b)
{
    WA_SSE2(wa_vextmul16(a, b, 1, 1));
    WA_V_LANES(i32, 4, a.i16[i + 4] * b.i16[i + 4]);
}
static inline wa_v128 wa_v_i32x4_extmul_low_i16x8_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(wa_vextmul16(a, b, 0, 0));
    WA_V_LANES(u32, 4, (uint32_t)a.u16[i] * b.u16[i]);
}
static inline wa_v128 wa_v_i32x4_extmul_high_i16x8_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(wa_vextmul16(a, b, 1, 0));
    WA_V_LANES(u32, 4, (uint32_t)a.u16[i + 4] * b.u16[i + 4]);
}

/* ---- i64x2 --------------------------------------------------------------- */

static inline wa_v128 wa_v_i64x2_abs(wa_v128 a)
{
    WA_VEC(wa_vabs64(a));
    WA_V_LANES(u64, 2, a.i64[i] < 0 ? 0u - a.u64[i] : a.u64[i]);
}
static inline wa_v128 wa_v_i64x2_neg(wa_v128 a)
{
    WA_VEC(WA_ST(0 - wa_vld(a)));
    WA_V_LANES(u64, 2, 0u - a.u64[i]);
}
static inline uint32_t wa_v_i64x2_all_true(wa_v128 a)
{
    return a.u64[0] && a.u64[1];
}
static inline uint32_t wa_v_i64x2_bitmask(wa_v128 a)
{
    WA_SSE2((uint32_t)_mm_movemask_pd(WA_D(a)));
    return (uint32_t)(a.u64[0] >> 63) | (uint32_t)(a.u64[1] >> 63) << 1;
}
static inline wa_v128 wa_v_i64x2_extend_low_i32x4_s(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_unpacklo_epi32(WA_I(a), _mm_srai_epi32(WA_I(a), 31))));
    WA_V_LANES(i64, 2, a.i32[i]);
}
static inline wa_v128 wa_v_i64x2_extend_high_i32x4_s(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_unpackhi_epi32(WA_I(a), _mm_srai_epi32(WA_I(a), 31))));
    WA_V_LANES(i64, 2, a.i32[i + 2]);
}
static inline wa_v128 wa_v_i64x2_extend_low_i32x4_u(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_unpacklo_epi32(WA_I(a), _mm_setzero_si128())));
    WA_V_LANES(u64, 2, a.u32[i]);
}
static inline wa_v128 wa_v_i64x2_extend_high_i32x4_u(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_unpackhi_epi32(WA_I(a), _mm_setzero_si128())));
    WA_V_LANES(u64, 2, a.u32[i + 2]);
}

static inline wa_v128 wa_v_i64x2_shl(wa_v128 a, uint32_t count)
{
    WA_SSE2(WA_ST(_mm_sll_epi64(WA_I(a), wa_vcount(count & 63))));
    WA_V_LANES(u64, 2, a.u64[i] << (count & 63));
}
static inline wa_v128 wa_v_i64x2_shr_s(wa_v128 a, uint32_t count)
{
    WA_SSE2(wa_vshr64_s(a, count & 63));
    WA_V_LANES(u64, 2, wa_simd_sar64(a.u64[i], count & 63));
}
static inline wa_v128 wa_v_i64x2_shr_u(wa_v128 a, uint32_t count)
{
    WA_SSE2(WA_ST(_mm_srl_epi64(WA_I(a), wa_vcount(count & 63))));
    WA_V_LANES(u64, 2, a.u64[i] >> (count & 63));
}

static inline wa_v128 wa_v_i64x2_add(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu64, a, +, b));
    WA_V_LANES(u64, 2, a.u64[i] + b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_sub(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu64, a, -, b));
    WA_V_LANES(u64, 2, a.u64[i] - b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_mul(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu64, a, *, b));
    WA_V_LANES(u64, 2, a.u64[i] * b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_eq(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu64, a, ==, b));
    WA_V_CMP(u64, 2, a.u64[i] == b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_ne(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vu64, a, !=, b));
    WA_V_CMP(u64, 2, a.u64[i] != b.u64[i]);
}
static inline wa_v128 wa_v_i64x2_lt_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi64, a, <, b));
    WA_V_CMP(u64, 2, a.i64[i] < b.i64[i]);
}
static inline wa_v128 wa_v_i64x2_gt_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi64, a, >, b));
    WA_V_CMP(u64, 2, a.i64[i] > b.i64[i]);
}
static inline wa_v128 wa_v_i64x2_le_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi64, a, <=, b));
    WA_V_CMP(u64, 2, a.i64[i] <= b.i64[i]);
}
static inline wa_v128 wa_v_i64x2_ge_s(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vi64, a, >=, b));
    WA_V_CMP(u64, 2, a.i64[i] >= b.i64[i]);
}
/* Products of i32 lanes fit in 64 bits, signed or not. */
static inline wa_v128 wa_v_i64x2_extmul_low_i32x4_s(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(
        _mm_mul_epi32(_mm_unpacklo_epi32(WA_I(a), WA_I(a)), _mm_unpacklo_epi32(WA_I(b), WA_I(b)))));
    WA_V_LANES(i64, 2, (int64_t)a.i32[i] * b.i32[i]);
}
static inline wa_v128 wa_v_i64x2_extmul_high_i32x4_s(wa_v128 a, wa_v128 b)
{
    WA_SSE41(WA_ST(
        _mm_mul_epi32(_mm_unpackhi_epi32(WA_I(a), WA_I(a)), _mm_unpackhi_epi32(WA_I(b), WA_I(b)))));
    WA_V_LANES(i64, 2, (int64_t)a.i32[i + 2] * b.i32[i + 2]);
}
static inline wa_v128 wa_v_i64x2_extmul_low_i32x4_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(
        _mm_mul_epu32(_mm_unpacklo_epi32(WA_I(a), WA_I(a)), _mm_unpacklo_epi32(WA_I(b), WA_I(b)))));
    WA_V_LANES(u64, 2, (uint64_t)a.u32[i] * b.u32[i]);
}
static inline wa_v128 wa_v_i64x2_extmul_high_i32x4_u(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(
        _mm_mul_epu32(_mm_unpackhi_epi32(WA_I(a), WA_I(a)), _mm_unpackhi_epi32(WA_I(b), WA_I(b)))));
    WA_V_LANES(u64, 2, (uint64_t)a.u32[i + 2] * b.u32[i + 2]);
}

/* ---- f32x4 --------------------------------------------------------------- */

static inline wa_v128 wa_v_f32x4_eq(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, ==, b));
    WA_V_CMP(u32, 4, a.f32[i] == b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_ne(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, !=, b));
    WA_V_CMP(u32, 4, a.f32[i] != b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_lt(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, <, b));
    WA_V_CMP(u32, 4, a.f32[i] < b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_gt(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, >, b));
    WA_V_CMP(u32, 4, a.f32[i] > b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_le(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, <=, b));
    WA_V_CMP(u32, 4, a.f32[i] <= b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_ge(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, >=, b));
    WA_V_CMP(u32, 4, a.f32[i] >= b.f32[i]);
}

/* abs and neg only touch the sign bit, NaN payloads included. */
static inline wa_v128 wa_v_f32x4_abs(wa_v128 a)
{
    WA_VEC(WA_ST(WA_LD(wa_vu32, a) & 0x7fffffffu));
    WA_V_LANES(u32, 4, a.u32[i] & 0x7fffffffu);
}
static inline wa_v128 wa_v_f32x4_neg(wa_v128 a)
{
    WA_VEC(WA_ST(WA_LD(wa_vu32, a) ^ 0x80000000u));
    WA_V_LANES(u32, 4, a.u32[i] ^ 0x80000000u);
}
static inline wa_v128 wa_v_f32x4_sqrt(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_sqrt_ps(WA_F(a))));
    WA_V_LANES(f32, 4, sqrtf(a.f32[i]));
}
static inline wa_v128 wa_v_f32x4_ceil(wa_v128 a)
{
    WA_SSE41(WA_ST(_mm_round_ps(WA_F(a), _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC)));
    WA_VEC(wa_vround32(a, WA_ROUND_CEIL));
    WA_V_LANES(f32, 4, wa_quietf(ceilf(a.f32[i])));
}
static inline wa_v128 wa_v_f32x4_floor(wa_v128 a)
{
    WA_SSE41(WA_ST(_mm_round_ps(WA_F(a), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)));
    WA_VEC(wa_vround32(a, WA_ROUND_FLOOR));
    WA_V_LANES(f32, 4, wa_quietf(floorf(a.f32[i])));
}
static inline wa_v128 wa_v_f32x4_trunc(wa_v128 a)
{
    WA_SSE41(WA_ST(_mm_round_ps(WA_F(a), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC)));
    WA_VEC(wa_vround32(a, WA_ROUND_TRUNC));
    WA_V_LANES(f32, 4, wa_quietf(truncf(a.f32[i])));
}
/* Round to nearest, ties to even (the default rounding mode). */
static inline wa_v128 wa_v_f32x4_nearest(wa_v128 a)
{
    WA_SSE41(WA_ST(_mm_round_ps(WA_F(a), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
    WA_VEC(wa_vround32(a, WA_ROUND_NEAREST));
    WA_V_LANES(f32, 4, wa_quietf(nearbyintf(a.f32[i])));
}
static inline wa_v128 wa_v_f32x4_add(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, +, b));
    WA_V_LANES(f32, 4, a.f32[i] + b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_sub(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, -, b));
    WA_V_LANES(f32, 4, a.f32[i] - b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_mul(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, *, b));
    WA_V_LANES(f32, 4, a.f32[i] * b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_div(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf32, a, /, b));
    WA_V_LANES(f32, 4, a.f32[i] / b.f32[i]);
}
static inline wa_v128 wa_v_f32x4_min(wa_v128 a, wa_v128 b)
{
    WA_SSE2(wa_vfmin32(a, b));
    WA_V_LANES(f32, 4, wa_fminf(a.f32[i], b.f32[i]));
}
static inline wa_v128 wa_v_f32x4_max(wa_v128 a, wa_v128 b)
{
    WA_SSE2(wa_vfmax32(a, b));
    WA_V_LANES(f32, 4, wa_fmaxf(a.f32[i], b.f32[i]));
}
/* Pseudo-min/max, defined as the comparisons: pmin = b < a ? b : a,
 * pmax = a < b ? b : a; a NaN or a zero pair gives a, bit for bit. */
static inline wa_v128 wa_v_f32x4_pmin(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_min_ps(WA_F(b), WA_F(a))));
    WA_VEC(WA_SEL(WA_LD(wa_vf32, b) < WA_LD(wa_vf32, a), wa_vld(b), wa_vld(a)));
    WA_V_LANES(u32, 4, b.f32[i] < a.f32[i] ? b.u32[i] : a.u32[i]);
}
static inline wa_v128 wa_v_f32x4_pmax(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_max_ps(WA_F(b), WA_F(a))));
    WA_VEC(WA_SEL(WA_LD(wa_vf32, a) < WA_LD(wa_vf32, b), wa_vld(b), wa_vld(a)));
    WA_V_LANES(u32, 4, a.f32[i] < b.f32[i] ? b.u32[i] : a.u32[i]);
}

/* ---- f64x2 --------------------------------------------------------------- */

static inline wa_v128 wa_v_f64x2_eq(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, ==, b));
    WA_V_CMP(u64, 2, a.f64[i] == b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_ne(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, !=, b));
    WA_V_CMP(u64, 2, a.f64[i] != b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_lt(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, <, b));
    WA_V_CMP(u64, 2, a.f64[i] < b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_gt(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, >, b));
    WA_V_CMP(u64, 2, a.f64[i] > b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_le(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, <=, b));
    WA_V_CMP(u64, 2, a.f64[i] <= b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_ge(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, >=, b));
    WA_V_CMP(u64, 2, a.f64[i] >= b.f64[i]);
}

static inline wa_v128 wa_v_f64x2_abs(wa_v128 a)
{
    WA_VEC(WA_ST(wa_vld(a) & 0x7fffffffffffffffull));
    WA_V_LANES(u64, 2, a.u64[i] & 0x7fffffffffffffffull);
}
static inline wa_v128 wa_v_f64x2_neg(wa_v128 a)
{
    WA_VEC(WA_ST(wa_vld(a) ^ 0x8000000000000000ull));
    WA_V_LANES(u64, 2, a.u64[i] ^ 0x8000000000000000ull);
}
static inline wa_v128 wa_v_f64x2_sqrt(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_sqrt_pd(WA_D(a))));
    WA_V_LANES(f64, 2, sqrt(a.f64[i]));
}
static inline wa_v128 wa_v_f64x2_ceil(wa_v128 a)
{
    WA_SSE41(WA_ST(_mm_round_pd(WA_D(a), _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC)));
    WA_VEC(wa_vround64(a, WA_ROUND_CEIL));
    WA_V_LANES(f64, 2, wa_quiet(ceil(a.f64[i])));
}
static inline wa_v128 wa_v_f64x2_floor(wa_v128 a)
{
    WA_SSE41(WA_ST(_mm_round_pd(WA_D(a), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)));
    WA_VEC(wa_vround64(a, WA_ROUND_FLOOR));
    WA_V_LANES(f64, 2, wa_quiet(floor(a.f64[i])));
}
static inline wa_v128 wa_v_f64x2_trunc(wa_v128 a)
{
    WA_SSE41(WA_ST(_mm_round_pd(WA_D(a), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC)));
    WA_VEC(wa_vround64(a, WA_ROUND_TRUNC));
    WA_V_LANES(f64, 2, wa_quiet(trunc(a.f64[i])));
}
static inline wa_v128 wa_v_f64x2_nearest(wa_v128 a)
{
    WA_SSE41(WA_ST(_mm_round_pd(WA_D(a), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
    WA_VEC(wa_vround64(a, WA_ROUND_NEAREST));
    WA_V_LANES(f64, 2, wa_quiet(nearbyint(a.f64[i])));
}
static inline wa_v128 wa_v_f64x2_add(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, +, b));
    WA_V_LANES(f64, 2, a.f64[i] + b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_sub(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, -, b));
    WA_V_LANES(f64, 2, a.f64[i] - b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_mul(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, *, b));
    WA_V_LANES(f64, 2, a.f64[i] * b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_div(wa_v128 a, wa_v128 b)
{
    WA_VEC(WA_OP(wa_vf64, a, /, b));
    WA_V_LANES(f64, 2, a.f64[i] / b.f64[i]);
}
static inline wa_v128 wa_v_f64x2_min(wa_v128 a, wa_v128 b)
{
    WA_SSE2(wa_vfmin64(a, b));
    WA_V_LANES(f64, 2, wa_fmin(a.f64[i], b.f64[i]));
}
static inline wa_v128 wa_v_f64x2_max(wa_v128 a, wa_v128 b)
{
    WA_SSE2(wa_vfmax64(a, b));
    WA_V_LANES(f64, 2, wa_fmax(a.f64[i], b.f64[i]));
}
static inline wa_v128 wa_v_f64x2_pmin(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_min_pd(WA_D(b), WA_D(a))));
    WA_VEC(WA_SEL(WA_LD(wa_vf64, b) < WA_LD(wa_vf64, a), wa_vld(b), wa_vld(a)));
    WA_V_LANES(u64, 2, b.f64[i] < a.f64[i] ? b.u64[i] : a.u64[i]);
}
static inline wa_v128 wa_v_f64x2_pmax(wa_v128 a, wa_v128 b)
{
    WA_SSE2(WA_ST(_mm_max_pd(WA_D(b), WA_D(a))));
    WA_VEC(WA_SEL(WA_LD(wa_vf64, a) < WA_LD(wa_vf64, b), wa_vld(b), wa_vld(a)));
    WA_V_LANES(u64, 2, a.f64[i] < b.f64[i] ? b.u64[i] : a.u64[i]);
}

/* ---- conversions --------------------------------------------------------- */

/* The two f64 lanes rounded to f32, then two zero lanes. */
static inline wa_v128 wa_v_f32x4_demote_f64x2_zero(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_cvtpd_ps(WA_D(a))));
    WA_V_LANES(f32, 4, i < 2 ? (float)a.f64[i] : 0.0f);
}
static inline wa_v128 wa_v_f64x2_promote_low_f32x4(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_cvtps_pd(WA_F(a))));
    WA_V_LANES(f64, 2, (double)a.f32[i]);
}
static inline wa_v128 wa_v_i32x4_trunc_sat_f32x4_s(wa_v128 a)
{
    WA_SSE2(wa_vtrunc_sat_f32_s(a));
    WA_V_LANES(i32, 4, wa_trunc_sat_s32(a.f32[i]));
}
static inline wa_v128 wa_v_i32x4_trunc_sat_f32x4_u(wa_v128 a)
{
    WA_SSE2(wa_vtrunc_sat_f32_u(a));
    WA_V_LANES(u32, 4, wa_trunc_sat_u32(a.f32[i]));
}
static inline wa_v128 wa_v_f32x4_convert_i32x4_s(wa_v128 a)
{
    WA_VEC(WA_ST(__builtin_convertvector(WA_LD(wa_vi32, a), wa_vf32)));
    WA_V_LANES(f32, 4, (float)a.i32[i]);
}
static inline wa_v128 wa_v_f32x4_convert_i32x4_u(wa_v128 a)
{
    WA_SSE2(wa_vconvert_u32_f32(a));
    WA_V_LANES(f32, 4, (float)a.u32[i]);
}
static inline wa_v128 wa_v_i32x4_trunc_sat_f64x2_s_zero(wa_v128 a)
{
    WA_SSE2(wa_vtrunc_sat_f64_s(a));
    WA_V_LANES(i32, 4, i < 2 ? wa_trunc_sat_s32(a.f64[i]) : 0);
}
static inline wa_v128 wa_v_i32x4_trunc_sat_f64x2_u_zero(wa_v128 a)
{
    WA_V_LANES(u32, 4, i < 2 ? wa_trunc_sat_u32(a.f64[i]) : 0);
}
static inline wa_v128 wa_v_f64x2_convert_low_i32x4_s(wa_v128 a)
{
    WA_SSE2(WA_ST(_mm_cvtepi32_pd(WA_I(a))));
    WA_V_LANES(f64, 2, (double)a.i32[i]);
}
static inline wa_v128 wa_v_f64x2_convert_low_i32x4_u(wa_v128 a)
{
    WA_SSE2(wa_vconvert_u32_f64(a));
    WA_V_LANES(f64, 2, (double)a.u32[i]);
}

#undef WA_V_LANES
#undef WA_V_CMP

#endif
