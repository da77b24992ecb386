/*
 * simd_ops_test.c: the SIMD operations of src/wasm/simd.h.
 *
 * The program holds two builds of simd.h (simd_ops_table.c compiled twice):
 * the portable reference (WA_SIMD_PORTABLE) and the build under test, named
 * simd_ops_fast: CMake builds the program once for the fast path as the
 * engine is built, once for the vector-extension bodies alone
 * (WA_SIMD_NO_X86) and, on x86-64, once with SSE4.1. Tests:
 *   known    answers worked out from the spec, for both builds
 *   same     both builds list the same operations
 *   compare  every operation of both builds on edge values (0, -1, min, max,
 *            NaNs with payloads, signalling NaNs, +-0, +-inf, ties, values
 *            just outside integer ranges) and on random vectors: identical
 *            bits, except that a NaN lane only has to be of the class the
 *            spec's NaN rules allow (canonical if every NaN among its inputs
 *            is canonical, else arithmetic), which both builds must meet.
 *
 * Usage: simd_ops_test [TEST|all]
 */
#include "harness.h"
#include "simd_ops_table.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- vectors ------------------------------------------------------------- */

static wa_v128 v_i8(const int v[16])
{
    wa_v128 r;
    for (int i = 0; i < 16; i++)
        r.u8[i] = (uint8_t)v[i];
    return r;
}
static wa_v128 v_i16(int a, int b, int c, int d, int e, int f, int g, int h)
{
    const int v[8] = {a, b, c, d, e, f, g, h};
    wa_v128 r;
    for (int i = 0; i < 8; i++)
        r.u16[i] = (uint16_t)v[i];
    return r;
}
static wa_v128 v_i32(int64_t a, int64_t b, int64_t c, int64_t d)
{
    wa_v128 r = {.u32 = {(uint32_t)a, (uint32_t)b, (uint32_t)c, (uint32_t)d}};
    return r;
}
static wa_v128 v_u64(uint64_t a, uint64_t b)
{
    wa_v128 r = {.u64 = {a, b}};
    return r;
}
static wa_v128 v_f32(float a, float b, float c, float d)
{
    wa_v128 r = {.f32 = {a, b, c, d}};
    return r;
}
static wa_v128 v_f64(double a, double b)
{
    wa_v128 r = {.f64 = {a, b}};
    return r;
}
static float f32_of(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
static double f64_of(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, 8);
    return d;
}
static bool same_bits(wa_v128 a, wa_v128 b)
{
    return memcmp(&a, &b, 16) == 0;
}
static void show(const char *what, wa_v128 v)
{
    fprintf(stderr, "  %-6s", what);
    for (int i = 0; i < 4; i++)
        fprintf(stderr, " %08" PRIx32, v.u32[i]);
    fputc('\n', stderr);
}

static const simd_op *find(const simd_op_table *t, const char *name)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->ops[i].name, name) == 0)
            return &t->ops[i];
    return NULL;
}

/* ---- known answers ------------------------------------------------------- */

static const simd_op_table *const builds[] = {&simd_ops_portable, &simd_ops_fast};

static void expect_v(const char *name, wa_v128 got, wa_v128 want, int line)
{
    if (same_bits(got, want))
        return;
    fprintf(stderr, "simd_ops_test.c:%d: %s\n", line, name);
    show("got", got);
    show("want", want);
    test_failures++;
}

/* Checks op `name` of every build on operands a, b, c (as the kind takes
 * them; a SHIFT takes its count from c.u32[0]). */
static void known1(const char *name, wa_v128 a, wa_v128 b, wa_v128 c, wa_v128 want, int line)
{
    for (size_t k = 0; k < sizeof builds / sizeof builds[0]; k++) {
        const simd_op *op = find(builds[k], name);
        if (!op) {
            fprintf(stderr, "simd_ops_test.c:%d: %s missing in %s\n", line, name, builds[k]->build);
            test_failures++;
            continue;
        }
        wa_v128 got = {{0}};
        switch (op->kind) {
        case SIMD_UN:
            got = op->un(a);
            break;
        case SIMD_BIN:
            got = op->bin(a, b);
            break;
        case SIMD_TERN:
            got = op->tern(a, b, c);
            break;
        case SIMD_TEST:
            got.u32[0] = op->test(a);
            break;
        case SIMD_SHIFT:
            got = op->shift(a, c.u32[0]);
            break;
        }
        expect_v(name, got, want, line);
    }
}
#define KNOWN1(name, a, want) known1(#name, a, a, a, want, __LINE__)
#define KNOWN2(name, a, b, want) known1(#name, a, b, b, want, __LINE__)
#define KNOWN_SHIFT(name, a, count, want) known1(#name, a, a, v_i32(count, 0, 0, 0), want, __LINE__)
#define KNOWN_TEST(name, a, want) known1(#name, a, a, a, v_i32(want, 0, 0, 0), __LINE__)

static void test_known(void *arg)
{
    (void)arg;
    const float nan = f32_of(0x7fc00000);
    const float inf = INFINITY;

    /* Rounding: ties to even, signs kept, NaNs quiet. */
    KNOWN1(f32x4_nearest, v_f32(0.5f, 1.5f, 2.5f, -2.5f), v_f32(0.0f, 2.0f, 2.0f, -2.0f));
    KNOWN1(f32x4_nearest, v_f32(-0.5f, 0.49999997f, 8388607.5f, -inf),
           v_f32(-0.0f, 0.0f, 8388608.0f, -inf));
    KNOWN1(f64x2_nearest, v_f64(2.5, -0.5), v_f64(2.0, -0.0));
    KNOWN1(f64x2_nearest, v_f64(4503599627370495.5, 3.5), v_f64(4503599627370496.0, 4.0));
    KNOWN1(f32x4_ceil, v_f32(-0.5f, 0.5f, -1.0f, 1e30f), v_f32(-0.0f, 1.0f, -1.0f, 1e30f));
    KNOWN1(f32x4_floor, v_f32(-0.5f, 0.5f, -0.0f, 2.0f), v_f32(-1.0f, 0.0f, -0.0f, 2.0f));
    KNOWN1(f32x4_trunc, v_f32(-1.5f, 1.5f, -0.5f, inf), v_f32(-1.0f, 1.0f, -0.0f, inf));
    KNOWN1(f64x2_floor, v_f64(-0.5, 1.5), v_f64(-1.0, 1.0));
    KNOWN1(f32x4_ceil, v_f32(f32_of(0x7fa00001), nan, 1, 1), v_f32(f32_of(0x7fe00001), nan, 1, 1));

    /* min/max: -0 < +0; pmin/pmax are the comparisons, a on ties and NaN. */
    KNOWN2(f32x4_min, v_f32(-0.0f, 0.0f, 1, -inf), v_f32(0.0f, -0.0f, 2, 0),
           v_f32(-0.0f, -0.0f, 1, -inf));
    KNOWN2(f32x4_max, v_f32(-0.0f, 0.0f, 1, -inf), v_f32(0.0f, -0.0f, 2, 0),
           v_f32(0.0f, 0.0f, 2, 0));
    KNOWN2(f32x4_pmin, v_f32(-0.0f, 0.0f, f32_of(0x7f800123), 1), v_f32(0.0f, -0.0f, 1, nan),
           v_f32(-0.0f, 0.0f, f32_of(0x7f800123), 1));
    KNOWN2(f32x4_pmax, v_f32(-0.0f, 0.0f, 3, 1), v_f32(0.0f, -0.0f, 1, nan),
           v_f32(-0.0f, 0.0f, 3, 1));
    KNOWN2(f64x2_min, v_f64(0.0, 1.0), v_f64(-0.0, -1.0), v_f64(-0.0, -1.0));
    KNOWN2(f64x2_pmax, v_f64(1.0, f64_of(0x7ff0000000000001ull)), v_f64(2.0, 5.0),
           v_f64(2.0, f64_of(0x7ff0000000000001ull)));

    /* Bitwise float ops keep payloads. */
    KNOWN1(f32x4_neg, v_i32(0x7fa00001, 0, 0xffc00000, 0x80000000),
           v_i32(0xffa00001, 0x80000000, 0x7fc00000, 0));
    KNOWN1(f64x2_abs, v_u64(0xfff0000000000001ull, 0x8000000000000000ull),
           v_u64(0x7ff0000000000001ull, 0));

    /* Saturating conversions. */
    KNOWN1(i32x4_trunc_sat_f32x4_s, v_f32(nan, 3e9f, -3e9f, -0.9f),
           v_i32(0, INT32_MAX, INT32_MIN, 0));
    KNOWN1(i32x4_trunc_sat_f32x4_s, v_f32(2147483520.0f, -2147483648.0f, -1.5f, inf),
           v_i32(2147483520, INT32_MIN, -1, INT32_MAX));
    KNOWN1(i32x4_trunc_sat_f32x4_u, v_f32(-0.9f, -1.0f, 5e9f, 4294967040.0f),
           v_i32(0, 0, UINT32_MAX, 4294967040u));
    KNOWN1(i32x4_trunc_sat_f64x2_s_zero, v_f64(2147483647.9, -2147483648.9),
           v_i32(INT32_MAX, INT32_MIN, 0, 0));
    KNOWN1(i32x4_trunc_sat_f64x2_s_zero, v_f64(2147483648.0, -2147483649.0),
           v_i32(INT32_MAX, INT32_MIN, 0, 0));
    KNOWN1(i32x4_trunc_sat_f64x2_u_zero, v_f64(4294967295.9, -0.99), v_i32(UINT32_MAX, 0, 0, 0));
    KNOWN1(f32x4_convert_i32x4_u, v_i32(UINT32_MAX, 0x80000000, 16777217, 1),
           v_f32(4294967296.0f, 2147483648.0f, 16777216.0f, 1.0f));
    KNOWN1(f32x4_convert_i32x4_s, v_i32(-1, INT32_MIN, 16777217, INT32_MAX),
           v_f32(-1.0f, -2147483648.0f, 16777216.0f, 2147483648.0f));
    KNOWN1(f64x2_convert_low_i32x4_u, v_i32(UINT32_MAX, 7, 9, 9), v_f64(4294967295.0, 7.0));
    KNOWN1(f64x2_convert_low_i32x4_s, v_i32(-1, INT32_MIN, 9, 9), v_f64(-1.0, -2147483648.0));
    KNOWN1(f32x4_demote_f64x2_zero, v_f64(1e300, f64_of(0x3ff0000010000000ull)), /* a tie */
           v_f32(inf, 1.0f, 0, 0));
    KNOWN1(f32x4_demote_f64x2_zero, v_f64(-1e-300, f64_of(0x3ff0000010000001ull)),
           v_i32(0x80000000, 0x3f800001, 0, 0));
    KNOWN1(f64x2_promote_low_f32x4, v_f32(-0.0f, 1.5f, 7, 7), v_f64(-0.0, 1.5));

    /* Integer saturation, rounding and wrapping. */
    KNOWN2(i8x16_narrow_i16x8_s, v_i16(300, -300, 127, -128, 128, -129, 0, -1),
           v_i16(1, 2, 3, 4, 5, 6, 7, 32767),
           v_i8((const int[16]){127, -128, 127, -128, 127, -128, 0, -1, 1, 2, 3, 4, 5, 6, 7, 127}));
    KNOWN2(i8x16_narrow_i16x8_u, v_i16(-1, 256, 255, 0, -32768, 32767, 128, 1),
           v_i16(0, 0, 0, 0, 0, 0, 0, 9),
           v_i8((const int[16]){0, 255, 255, 0, 0, 255, 128, 1, 0, 0, 0, 0, 0, 0, 0, 9}));
    KNOWN2(i16x8_narrow_i32x4_u, v_i32(-1, 65536, 65535, 40000), v_i32(0, 1, -70000, 70000),
           v_i16(0, 65535, 65535, 40000, 0, 1, 0, 65535));
    KNOWN2(i16x8_narrow_i32x4_s, v_i32(-1, 65536, -40000, 32767), v_i32(0, 1, -70000, 70000),
           v_i16(-1, 32767, -32768, 32767, 0, 1, -32768, 32767));
    KNOWN2(i16x8_q15mulr_sat_s, v_i16(-32768, 16384, -3, -1, 32767, -32768, 1, 0),
           v_i16(-32768, 16384, 0x4000, 1, 32767, 32767, 0x4000, 5),
           v_i16(32767, 8192, -1, 0, 32766, -32767, 1, 0));
    KNOWN2(i16x8_avgr_u, v_i16(65535, 0, 1, 2, 3, 4, 5, 6), v_i16(65535, 1, 1, 3, 4, 5, 6, 7),
           v_i16(65535, 1, 1, 3, 4, 5, 6, 7));
    KNOWN2(i32x4_dot_i16x8_s, v_i16(-32768, -32768, 1, 2, -1, 3, 32767, 32767),
           v_i16(-32768, -32768, 3, 4, 5, -6, 32767, 32767), v_i32(INT32_MIN, 11, -23, 2147352578));
    KNOWN2(i16x8_add_sat_s, v_i16(32767, -32768, 1, -1, 0, 0, 0, 0),
           v_i16(1, -1, 2, -2, 0, 0, 0, 0), v_i16(32767, -32768, 3, -3, 0, 0, 0, 0));
    KNOWN2(i16x8_sub_sat_u, v_i16(0, 5, 1, 0, 0, 0, 0, 0), v_i16(1, 3, 1, 0, 0, 0, 0, 0),
           v_i16(0, 2, 0, 0, 0, 0, 0, 0));
    KNOWN1(i32x4_abs, v_i32(INT32_MIN, -5, 5, 0), v_i32(INT32_MIN, 5, 5, 0));
    KNOWN1(i64x2_neg, v_u64(0x8000000000000000ull, 1), v_u64(0x8000000000000000ull, UINT64_MAX));
    KNOWN2(i64x2_mul, v_u64(UINT64_MAX, 0x100000000ull), v_u64(UINT64_MAX, 0x100000000ull),
           v_u64(1, 0));
    KNOWN2(i64x2_extmul_high_i32x4_s, v_i32(0, 0, INT32_MIN, -1), v_i32(0, 0, INT32_MIN, 7),
           v_u64(0x4000000000000000ull, (uint64_t)-7));
    KNOWN2(i64x2_extmul_low_i32x4_u, v_i32(UINT32_MAX, 2, 0, 0), v_i32(UINT32_MAX, 3, 0, 0),
           v_u64(0xfffffffe00000001ull, 6));
    KNOWN1(i16x8_extadd_pairwise_i8x16_s,
           v_i8((const int[16]){-128, -128, 127, 127, -1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
           v_i16(-256, 254, 0, 0, 0, 0, 0, 0));
    KNOWN1(i32x4_extadd_pairwise_i16x8_u, v_i16(65535, 65535, 1, 2, 0, 0, 0, 0),
           v_i32(131070, 3, 0, 0));
    KNOWN1(i8x16_popcnt, v_i8((const int[16]){255, 0, 1, 0x80, 0x55, 7, 0, 0}),
           v_i8((const int[16]){8, 0, 1, 1, 4, 3, 0, 0}));
    KNOWN2(i8x16_swizzle, v_i8((const int[16]){10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}),
           v_i8((const int[16]){1, 16, 255, 0, 15, 128, 2, 17}),
           v_i8((const int[16]){11, 0, 0, 10, 0, 0, 12, 0, 10, 10, 10, 10, 10, 10, 10, 10}));

    /* Shifts take the count modulo the lane width. */
    KNOWN_SHIFT(i8x16_shr_s, v_i8((const int[16]){-128, 64, -1}), 9,
                v_i8((const int[16]){-64, 32, -1}));
    KNOWN_SHIFT(i8x16_shl, v_i8((const int[16]){0x81, 1}), 0xffffffff,
                v_i8((const int[16]){0x80, 0x80}));
    KNOWN_SHIFT(i16x8_shr_u, v_i16(-1, 0, 0, 0, 0, 0, 0, 0), 17,
                v_i16(0x7fff, 0, 0, 0, 0, 0, 0, 0));
    KNOWN_SHIFT(i32x4_shr_s, v_i32(INT32_MIN, 8, 0, 0), 35, v_i32(-0x10000000, 1, 0, 0));
    KNOWN_SHIFT(i64x2_shr_s, v_u64(0x8000000000000000ull, 1), 64, v_u64(0x8000000000000000ull, 1));
    KNOWN_SHIFT(i64x2_shr_s, v_u64(0x8000000000000000ull, 4), 127, v_u64(UINT64_MAX, 0));

    /* Tests and masks. */
    KNOWN_TEST(i8x16_bitmask, v_i8((const int[16]){0x80, 0, 0xff, 0x7f, [15] = 0x80}), 0x8005);
    KNOWN_TEST(i16x8_bitmask, v_i16(-1, 0, 0, 0, 0, 0, 0, -32768), 0x81);
    KNOWN_TEST(i32x4_bitmask, v_i32(0, -1, 0, INT32_MIN), 0xa);
    KNOWN_TEST(i64x2_bitmask, v_u64(1ull << 63, 1), 1);
    KNOWN_TEST(i8x16_all_true, v_i8((const int[16]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}),
               0);
    KNOWN_TEST(i16x8_all_true, v_i16(1, 256, 1, 1, 1, 1, 1, -1), 1);
    KNOWN_TEST(i32x4_all_true, v_i32(1, 0x10000, 1, 0), 0);
    KNOWN_TEST(i64x2_all_true, v_u64(1ull << 32, 1), 1);
    KNOWN_TEST(v128_any_true, v_u64(0, 1ull << 63), 1);
    KNOWN_TEST(v128_any_true, v_u64(0, 0), 0);
    KNOWN2(f32x4_lt, v_f32(1, nan, -0.0f, 1), v_f32(2, 1, 0.0f, nan), v_i32(-1, 0, 0, 0));
    KNOWN2(f32x4_ne, v_f32(1, nan, -0.0f, 1), v_f32(2, nan, 0.0f, nan), v_i32(-1, -1, 0, -1));
    KNOWN2(i64x2_lt_s, v_u64(1ull << 63, 5), v_u64(0, 5), v_u64(UINT64_MAX, 0));
    known1("v128_bitselect", v_u64(UINT64_MAX, 0x1234), v_u64(0, 0xff00),
           v_u64(0xf0f0f0f0f0f0f0f0ull, 0x00ff), v_u64(0xf0f0f0f0f0f0f0f0ull, 0xff34), __LINE__);
}

static void test_same(void *arg)
{
    (void)arg;
    REQUIRE(simd_ops_portable.count == simd_ops_fast.count);
    CHECK(simd_ops_portable.count == 192);
    for (size_t i = 0; i < simd_ops_portable.count; i++)
        CHECK(strcmp(simd_ops_portable.ops[i].name, simd_ops_fast.ops[i].name) == 0);
}

/* ---- comparing builds ---------------------------------------------------- */

/* Lane types of an operation's result and of the inputs its float lanes
 * come from; LANE_BITS: compared bit for bit. */
typedef enum lane_kind { LANE_BITS, LANE_F32, LANE_F64 } lane_kind;

static lane_kind result_lanes(const char *name)
{
    static const char *const bitwise[] = {"eq", "ne",  "lt",  "gt",   "le",
                                          "ge", "abs", "neg", "pmin", "pmax"};
    bool f32 = strncmp(name, "f32x4_", 6) == 0, f64 = strncmp(name, "f64x2_", 6) == 0;
    if (!f32 && !f64)
        return LANE_BITS;
    for (size_t i = 0; i < sizeof bitwise / sizeof bitwise[0]; i++)
        if (strcmp(name + 6, bitwise[i]) == 0)
            return LANE_BITS;
    return f32 ? LANE_F32 : LANE_F64;
}
static lane_kind input_lanes(const char *name)
{
    if (strcmp(name, "f32x4_demote_f64x2_zero") == 0)
        return LANE_F64;
    if (strcmp(name, "f64x2_promote_low_f32x4") == 0)
        return LANE_F32;
    return result_lanes(name);
}

static bool f32_nan(uint32_t b)
{
    return (b & 0x7fffffffu) > 0x7f800000u;
}
static bool f64_nan(uint64_t b)
{
    return (b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}
static bool f32_canonical(uint32_t b)
{
    return (b & 0x7fffffffu) == 0x7fc00000u;
}
static bool f64_canonical(uint64_t b)
{
    return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
}

/* Whether lane i of every input that is a NaN is a canonical one. */
static bool inputs_canonical(lane_kind in, int i, const wa_v128 *ins, int nins)
{
    for (int k = 0; k < nins; k++) {
        if (in == LANE_F32 && f32_nan(ins[k].u32[i]) && !f32_canonical(ins[k].u32[i]))
            return false;
        if (in == LANE_F64 && f64_nan(ins[k].u64[i]) && !f64_canonical(ins[k].u64[i]))
            return false;
    }
    return true;
}

/* Whether result r of an operation is allowed given the reference ref: */
static bool acceptable(const char *name, wa_v128 r, wa_v128 ref, const wa_v128 *ins, int nins,
                       bool *nan_rule_broken)
{
    lane_kind out = result_lanes(name), in = input_lanes(name);
    *nan_rule_broken = false;
    if (out == LANE_BITS)
        return same_bits(r, ref);
    int lanes = out == LANE_F32 ? 4 : 2;
    for (int i = 0; i < lanes; i++) {
        bool ref_nan = out == LANE_F32 ? f32_nan(ref.u32[i]) : f64_nan(ref.u64[i]);
        if (!ref_nan) {
            if (out == LANE_F32 ? r.u32[i] != ref.u32[i] : r.u64[i] != ref.u64[i])
                return false;
            continue;
        }
        bool canon = inputs_canonical(in, i, ins, nins);
        /* Both the reference and r must be NaNs of the allowed class: */
        for (int k = 0; k < 2; k++) {
            wa_v128 v = k ? ref : r;
            bool nan = out == LANE_F32 ? f32_nan(v.u32[i]) : f64_nan(v.u64[i]);
            bool quiet = out == LANE_F32 ? (v.u32[i] & 0x00400000u) != 0
                                         : (v.u64[i] & 0x0008000000000000ull) != 0;
            bool is_canon = out == LANE_F32 ? f32_canonical(v.u32[i]) : f64_canonical(v.u64[i]);
            if (!nan || !quiet || (canon && !is_canon)) {
                *nan_rule_broken = k == 1;
                return false;
            }
        }
    }
    return true;
}

typedef struct rng {
    uint64_t s;
} rng;
static uint64_t next(rng *g)
{
    g->s ^= g->s << 13;
    g->s ^= g->s >> 7;
    g->s ^= g->s << 17;
    return g->s;
}

static const uint8_t edge8[] = {0, 1, 0xff, 0x7f, 0x80, 0x7e, 0x81, 2, 0x40, 0xfe, 0x10};
static const uint16_t edge16[] = {0,     1,    0xffff, 0x7fff, 0x8000, 0x4000, 0xc000, 0xff,
                                  0x100, 0x7f, 0x80,   0xff7f, 0xff80, 0x8001, 0x7ffe};
static const uint32_t edge32[] = {0,           1,           0xffffffffu, 0x7fffffffu,
                                  0x80000000u, 0xffff,      0x10000,     0x7fff,
                                  0x8000,      0xffff8000u, 0xffff7fffu, 0x80000001u};
static const uint64_t edge64[] = {0,
                                  1,
                                  UINT64_MAX,
                                  0x7fffffffffffffffull,
                                  0x8000000000000000ull,
                                  0xffffffffull,
                                  0x100000000ull,
                                  0xffffffff00000000ull};
static const uint32_t edgef32[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0xbf000000, /* +-0 +-1 +-0.5 */
    0x3fc00000, 0xbfc00000, 0x40200000, 0xc0200000, 0x3effffff, 0x4b7fffff, /* 1.5 2.5 ... */
    0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd00001, /* inf, qNaN */
    0x7f800001, 0xff800001, 0x7fa00000, 0x7fbfffff,                         /* sNaN */
    0x4f000000, 0xcf000000, 0x4effffff, 0x4f800000, 0x4f7fffff, 0xcf000001, /* 2^31, 2^32 */
    0xbf7fffff, 0x00000001, 0x80000001, 0x007fffff, 0x7f7fffff, 0xff7fffff, /* tiny, max */
    0x00800000, 0x4b000000, 0x4b000001, 0xcb000001, 0x3f7fffff, 0x40400000};
static const uint64_t edgef64[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
    0x3fe0000000000000ull, 0xbfe0000000000000ull, 0x4004000000000000ull, 0xc004000000000000ull,
    0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull,
    0x7ff8000000012345ull, 0xfffc000000000001ull, 0x7ff0000000000001ull, 0x7ff4000000000000ull,
    0xfff0000000000001ull, 0x41dfffffffffffffull, 0x41e0000000000000ull, 0xc1e0000000000000ull,
    0xc1e0000000200000ull, 0xc1e00000001fffffull, 0x41efffffffffffffull, 0x41f0000000000000ull,
    0x41effffffffe0000ull, 0xbfefffffffffffffull, 0x0000000000000001ull, 0x7fefffffffffffffull,
    0x47efffffe0000000ull, 0x47effffff0000000ull, 0x47efffffefffffffull, 0x3690000000000000ull,
    0x36a0000000000000ull, 0x3ff0000010000000ull, 0x4330000000000000ull, 0x432fffffffffffffull,
    0x4330000000000001ull, 0xc32fffffffffffffull, 0x3fefffffffffffffull, 0x000fffffffffffffull};

#define PICK(arr) arr[next(g) % (sizeof arr / sizeof arr[0])]

/* A vector of edge values of one lane type, or random bits. */
static wa_v128 vector(rng *g)
{
    wa_v128 v;
    unsigned flavor = (unsigned)(next(g) % 8);
    for (int i = 0; i < 16; i++)
        v.u8[i] = (uint8_t)next(g);
    switch (flavor) {
    case 0:
        for (int i = 0; i < 16; i++)
            v.u8[i] = PICK(edge8);
        break;
    case 1:
        for (int i = 0; i < 8; i++)
            v.u16[i] = PICK(edge16);
        break;
    case 2:
        for (int i = 0; i < 4; i++)
            v.u32[i] = PICK(edge32);
        break;
    case 3:
        for (int i = 0; i < 2; i++)
            v.u64[i] = PICK(edge64);
        break;
    case 4:
    case 5:
        for (int i = 0; i < 4; i++)
            v.u32[i] = PICK(edgef32);
        break;
    case 6:
        for (int i = 0; i < 2; i++)
            v.u64[i] = PICK(edgef64);
        break;
    default:
        break; /* random bits */
    }
    return v;
}
static uint32_t shift_count(rng *g)
{
    static const uint32_t counts[] = {0,  1,  2,  7,  8,  9,  15,  16,          17,
                                      31, 32, 33, 63, 64, 65, 127, 0xffffffffu, 0x80000000u};
    return next(g) % 2 ? PICK(counts) : (uint32_t)next(g);
}

static int compare_one(const simd_op *ref, const simd_op *op, rng *g)
{
    wa_v128 ins[3] = {vector(g), vector(g), vector(g)};
    wa_v128 want = {{0}}, got = {{0}};
    uint32_t count = shift_count(g);
    int nins = 1;
    switch (op->kind) {
    case SIMD_UN:
        want = ref->un(ins[0]), got = op->un(ins[0]);
        break;
    case SIMD_BIN:
        want = ref->bin(ins[0], ins[1]), got = op->bin(ins[0], ins[1]);
        nins = 2;
        break;
    case SIMD_TERN:
        want = ref->tern(ins[0], ins[1], ins[2]), got = op->tern(ins[0], ins[1], ins[2]);
        nins = 3;
        break;
    case SIMD_TEST:
        want.u32[0] = ref->test(ins[0]), got.u32[0] = op->test(ins[0]);
        break;
    case SIMD_SHIFT:
        want = ref->shift(ins[0], count), got = op->shift(ins[0], count);
        break;
    }
    bool ref_broken;
    if (acceptable(op->name, got, want, ins, nins, &ref_broken))
        return 0;
    fprintf(stderr, "%s: %s\n", op->name,
            ref_broken ? "portable result breaks the NaN rules" : "builds differ");
    for (int k = 0; k < nins; k++)
        show(k == 0 ? "a" : k == 1 ? "b" : "c", ins[k]);
    if (op->kind == SIMD_SHIFT)
        fprintf(stderr, "  count  %" PRIu32 "\n", count);
    show("port", want);
    show("fast", got);
    return 1;
}

static void test_compare(void *arg)
{
    (void)arg;
    rng g = {0x9e3779b97f4a7c15ull};
    REQUIRE(simd_ops_portable.count == simd_ops_fast.count);
    for (size_t i = 0; i < simd_ops_fast.count; i++) {
        const simd_op *ref = &simd_ops_portable.ops[i], *op = &simd_ops_fast.ops[i];
        int failed = 0;
        for (int n = 0; n < 4000 && failed < 3; n++)
            failed += compare_one(ref, op, &g);
        test_failures += failed;
    }
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        {"known", test_known},
        {"same", test_same},
        {"compare", test_compare},
    };
#ifdef SIMD_OPS_NEEDS_SSE41
    if (!__builtin_cpu_supports("sse4.1")) {
        printf("skipped: this CPU has no SSE4.1\n");
        return 77;
    }
#endif
    printf("simd.h builds: %s against %s\n", simd_ops_fast.build, simd_ops_portable.build);
    return test_run(tests, sizeof tests / sizeof tests[0], argc > 1 ? argv[1] : "all", NULL);
}
