/*
 * kernels.c: vector code, built twice: to wasm32-wasi with -msimd128 (clang
 * turns the vector types into v128 instructions; wasm_simd128.h intrinsics
 * where the instruction has no vector-extension spelling) and natively
 * (the host's own vector code, or the scalar fallbacks below). Both builds
 * must print the same text (tests/simd/simd_test.sh compares them), so
 * every line is a checksum of integer results or of exact float bits.
 *
 * Covers: integer lane arithmetic of every width, saturation, comparisons
 * and masks, shuffles and swizzles, splats, lane extraction and
 * replacement, widening and narrowing, f32x4/f64x2 arithmetic (min, max,
 * sqrt, conversions), unaligned loads and stores, and v128 values crossing
 * calls, locals, globals, blocks and select.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef int16_t i16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef int64_t i64x2 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));
typedef float f32x4 __attribute__((vector_size(16)));
typedef double f64x2 __attribute__((vector_size(16)));

/* FNV-1a over bytes: one line per kernel. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}
#define SEED 1469598103934665603ull

static uint8_t data[4096 + 64];

static u8x16 load16(const uint8_t *p)
{
    u8x16 v;
    memcpy(&v, p, 16); /* unaligned: v128.load */
    return v;
}

/* Byte search: how many bytes equal c, 16 at a time with a compare mask. */
static uint32_t count_byte(const uint8_t *p, size_t n, uint8_t c)
{
    u8x16 needle = (u8x16){0} + c;
    u8x16 acc = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        acc -= (u8x16)(load16(p + i) == needle); /* each match is -1 */
    uint32_t total = 0;
    for (int k = 0; k < 16; k++)
        total += acc[k];
    for (; i < n; i++)
        total += p[i] == c;
    return total;
}

/* Saturating adds and averages, which the vector extension cannot spell. */
static u8x16 add_sat_u8(u8x16 a, u8x16 b)
{
#ifdef __wasm_simd128__
    return (u8x16)wasm_u8x16_add_sat((v128_t)a, (v128_t)b);
#else
    u8x16 r;
    for (int i = 0; i < 16; i++)
        r[i] = (uint8_t)(a[i] + b[i] > 255 ? 255 : a[i] + b[i]);
    return r;
#endif
}
static i16x8 sub_sat_i16(i16x8 a, i16x8 b)
{
#ifdef __wasm_simd128__
    return (i16x8)wasm_i16x8_sub_sat((v128_t)a, (v128_t)b);
#else
    i16x8 r;
    for (int i = 0; i < 8; i++) {
        int v = a[i] - b[i];
        r[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    return r;
#endif
}
static u8x16 avgr_u8(u8x16 a, u8x16 b)
{
#ifdef __wasm_simd128__
    return (u8x16)wasm_u8x16_avgr((v128_t)a, (v128_t)b);
#else
    u8x16 r;
    for (int i = 0; i < 16; i++)
        r[i] = (uint8_t)((a[i] + b[i] + 1) / 2);
    return r;
#endif
}
static u8x16 swizzle(u8x16 a, u8x16 idx)
{
#ifdef __wasm_simd128__
    return (u8x16)wasm_i8x16_swizzle((v128_t)a, (v128_t)idx);
#else
    u8x16 r;
    for (int i = 0; i < 16; i++)
        r[i] = idx[i] < 16 ? a[idx[i]] : 0;
    return r;
#endif
}
static uint32_t bitmask(i8x16 a)
{
#ifdef __wasm_simd128__
    return wasm_i8x16_bitmask((v128_t)a);
#else
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        m |= (uint32_t)(a[i] < 0) << i;
    return m;
#endif
}
static i32x4 dot_i16(i16x8 a, i16x8 b)
{
#ifdef __wasm_simd128__
    return (i32x4)wasm_i32x4_dot_i16x8((v128_t)a, (v128_t)b);
#else
    i32x4 r;
    for (int i = 0; i < 4; i++)
        r[i] = (int32_t)((uint32_t)(a[2 * i] * b[2 * i]) + (uint32_t)(a[2 * i + 1] * b[2 * i + 1]));
    return r;
#endif
}
static u8x16 narrow_u8(i16x8 a, i16x8 b)
{
#ifdef __wasm_simd128__
    return (u8x16)wasm_u8x16_narrow_i16x8((v128_t)a, (v128_t)b);
#else
    u8x16 r;
    for (int i = 0; i < 16; i++) {
        int v = i < 8 ? a[i] : b[i - 8];
        r[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    return r;
#endif
}
static f32x4 fmin4(f32x4 a, f32x4 b)
{
#ifdef __wasm_simd128__
    return (f32x4)wasm_f32x4_pmin((v128_t)a, (v128_t)b);
#else
    f32x4 r;
    for (int i = 0; i < 4; i++)
        r[i] = b[i] < a[i] ? b[i] : a[i];
    return r;
#endif
}
static f64x2 sqrt2(f64x2 a)
{
#ifdef __wasm_simd128__
    return (f64x2)wasm_f64x2_sqrt((v128_t)a);
#else
    return (f64x2){__builtin_sqrt(a[0]), __builtin_sqrt(a[1])};
#endif
}

/* Image blend: a*alpha + b*(255-alpha), per 8-bit channel, in 16 bits. */
static uint64_t blend(void)
{
    uint64_t h = SEED;
    for (size_t i = 0; i + 16 <= 2048; i += 16) {
        u8x16 a = load16(data + i), b = load16(data + 2048 + i);
        u16x8 alo =
            __builtin_convertvector(__builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7), u16x8);
        u16x8 blo =
            __builtin_convertvector(__builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7), u16x8);
        u16x8 alpha = (u16x8){0} + (uint16_t)(i & 255);
        u16x8 mixed = (alo * alpha + blo * (255 - alpha)) >> 8;
        u8x16 out = __builtin_convertvector(
            __builtin_shufflevector(mixed, mixed, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7),
            u8x16);
        out = add_sat_u8(out, avgr_u8(a, b));
        h = mix(h, &out, 16);
    }
    return h;
}

/* Dot products: integer (i32x4.dot_i16x8_s) and f32 lanes. */
static uint64_t dots(void)
{
    u32x4 iacc = {0}; /* wrapping sums: signed overflow is undefined in C */
    f32x4 facc = {0};
    for (size_t i = 0; i + 16 <= 4096; i += 16) {
        i16x8 a, b;
        memcpy(&a, data + i, 16);
        memcpy(&b, data + 4096 - 16 - i, 16);
        iacc += (u32x4)dot_i16(a, b);
        i32x4 ia;
        memcpy(&ia, data + i, 16);
        f32x4 fa = __builtin_convertvector(ia & 0xffff, f32x4) * 0.5f;
        facc = facc + fa * fa;
    }
    uint64_t h = mix(SEED, &iacc, 16);
    return mix(h, &facc, 16);
}

/* Every lane width's arithmetic, comparisons and shifts (wrapping
 * arithmetic in unsigned lanes: signed overflow is undefined in C). */
static uint64_t lanes(void)
{
    uint64_t h = SEED;
    for (size_t i = 0; i + 32 <= 1024; i += 8) {
        i8x16 a8, b8;
        i16x8 a16, b16;
        i32x4 a32, b32;
        i64x2 a64, b64;
        memcpy(&a8, data + i, 16);
        memcpy(&b8, data + i + 16, 16);
        memcpy(&a16, data + i + 1, 16);
        memcpy(&b16, data + i + 3, 16);
        memcpy(&a32, data + i + 5, 16);
        memcpy(&b32, data + i + 7, 16);
        memcpy(&a64, data + i + 2, 16);
        memcpy(&b64, data + i + 9, 16);
        u8x16 ua8 = (u8x16)a8, ub8 = (u8x16)b8;
        u16x8 ua16 = (u16x8)a16, ub16 = (u16x8)b16;
        u32x4 ua32 = (u32x4)a32, ub32 = (u32x4)b32;
        u64x2 ua64 = (u64x2)a64, ub64 = (u64x2)b64;
        i8x16 r8 = (i8x16)((ua8 + ub8) ^ (ua8 - ub8) ^ (u8x16)(a8 > b8) ^ (u8x16)(a8 >> 2));
        i16x8 r16 =
            (i16x8)(ua16 * ub16 + (u16x8)sub_sat_i16(a16, b16) + (ua16 << 3) + (u16x8)(a16 <= b16));
        i32x4 r32 = (i32x4)(ua32 * ub32 - (u32x4)(a32 >> 5) + (ub32 >> 7) + (u32x4)(a32 != b32));
        i64x2 r64 = (i64x2)(ua64 * ub64 + (u64x2)(a64 >> 11) - (ub64 << 13) + (u64x2)(a64 < b64));
        u8x16 n = narrow_u8(r16, a16);
        h = mix(h, &r8, 16);
        h = mix(h, &r16, 16);
        h = mix(h, &r32, 16);
        h = mix(h, &r64, 16);
        h = mix(h, &n, 16);
        uint32_t m = bitmask(r8);
        h = mix(h, &m, 4);
    }
    return h;
}

/* Shuffles, swizzles, splats, lanes in and out. */
static uint64_t moves(void)
{
    uint64_t h = SEED;
    u8x16 idx = {15, 3, 7, 1, 0, 12, 200, 9, 4, 4, 4, 16, 2, 8, 11, 5};
    for (size_t i = 0; i + 32 <= 512; i += 16) {
        u8x16 a = load16(data + i), b = load16(data + i + 16);
        u8x16 s =
            __builtin_shufflevector(a, b, 0, 17, 2, 19, 31, 5, 6, 22, 8, 9, 26, 11, 12, 29, 14, 15);
        u8x16 w = swizzle(a, idx);
        i32x4 v;
        memcpy(&v, &s, 16);
        v[2] = (int32_t)(i * 77);                               /* replace_lane */
        int32_t e = (int32_t)((uint32_t)v[1] + (uint32_t)v[3]); /* extract_lane */
        i32x4 sp = (i32x4){0} + e;
        h = mix(h, &s, 16);
        h = mix(h, &w, 16);
        h = mix(h, &v, 16);
        h = mix(h, &sp, 16);
    }
    return h;
}

/* Float lanes: min (pmin), sqrt, conversions, exact bits. */
static uint64_t floats(void)
{
    uint64_t h = SEED;
    for (size_t i = 0; i + 16 <= 1024; i += 16) {
        i32x4 ia;
        memcpy(&ia, data + i, 16);
        f32x4 f = __builtin_convertvector(ia, f32x4) / 3.0f;
        f32x4 g = fmin4(f, f * -0.25f);
        f64x2 d = __builtin_convertvector(__builtin_shufflevector(g, g, 0, 1), f64x2);
        f64x2 r = sqrt2(d * d + 1.0);
        h = mix(h, &g, 16);
        h = mix(h, &r, 16);
    }
    return h;
}

/* v128 values through calls, locals, a global, branches and select. */
static u32x4 g_acc;

__attribute__((noinline)) static u32x4 step(u32x4 a, int k, u32x4 b)
{
    if (k & 1)
        return a + b;
    return k & 2 ? a - b : a ^ b;
}

static uint64_t flow(void)
{
    u32x4 a = {1, 2, 3, 4}, b = {100, 0xfffffff9u, 65536, 9};
    for (int k = 0; k < 1000; k++) {
        a = step(a, k, b);
        b = k % 3 ? b : __builtin_shufflevector(a, b, 4, 1, 6, 3);
        g_acc += a;
    }
    uint64_t h = mix(SEED, &a, 16);
    return mix(h, &g_acc, 16);
}

int main(void)
{
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof data; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (uint8_t)x;
    }
    printf("count_byte %u %u\n", count_byte(data, 4096, 0x5a), count_byte(data + 3, 1000, 7));
    printf("blend %016llx\n", (unsigned long long)blend());
    printf("dots %016llx\n", (unsigned long long)dots());
    printf("lanes %016llx\n", (unsigned long long)lanes());
    printf("moves %016llx\n", (unsigned long long)moves());
    printf("floats %016llx\n", (unsigned long long)floats());
    printf("flow %016llx\n", (unsigned long long)flow());
    return 0;
}
