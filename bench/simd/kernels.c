/*
 * kernels.c: SIMD-heavy kernels for make bench-simd. One program, built
 * four ways by run.py: natively (gcc -O2), to wasm32-wasi without SIMD,
 * with -msimd128 (clang vectorizes the plain loops itself) and with
 * -msimd128 -DEXPLICIT (the loops written with wasm_simd128.h intrinsics).
 * Every build must print the same checksum: the kernels are integer or
 * element-wise float code, so no build may reorder a float sum.
 *
 * Usage: kernels NAME N   (NAME: bytecount, dot16, saxpy, blend, sad;
 * N: repetitions of the kernel over its 64 KiB buffers)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(EXPLICIT) && defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define USE_INTRINSICS 1
#endif

#define LEN 65536

static uint8_t bytes_a[LEN], bytes_b[LEN], bytes_out[LEN];
static int16_t shorts_a[LEN], shorts_b[LEN];
static float floats_x[LEN], floats_y[LEN];

/* Folds a value into a running checksum. */
static uint32_t mix(uint32_t sum, uint32_t v)
{
    return (sum ^ v) * 0x01000193u + 0x2f;
}

static void fill(void)
{
    uint32_t s = 0x12345678u;
    for (int i = 0; i < LEN; i++) {
        s ^= s << 13, s ^= s >> 17, s ^= s << 5;
        bytes_a[i] = (uint8_t)s;
        bytes_b[i] = (uint8_t)(s >> 8);
        shorts_a[i] = (int16_t)(s >> 16);
        shorts_b[i] = (int16_t)(s >> 3);
        floats_x[i] = (float)(int32_t)(s >> 12) * 0.001f;
        floats_y[i] = (float)(int32_t)(s & 0xfffff) * 0.002f;
    }
}

/* Byte search: how many bytes equal c (a memchr-like compare per byte). */
static uint32_t bytecount(const uint8_t *p, size_t n, uint8_t c)
{
#ifdef USE_INTRINSICS
    /* Matches count down in byte lanes (a match is -1) for at most 255
     * blocks, then widen into the 32-bit total. */
    v128_t needle = wasm_i8x16_splat((int8_t)c), total = wasm_i32x4_splat(0);
    size_t i = 0;
    while (i + 16 <= n) {
        v128_t acc = wasm_i8x16_splat(0);
        for (int k = 0; k < 255 && i + 16 <= n; k++, i += 16)
            acc = wasm_i8x16_sub(acc, wasm_i8x16_eq(wasm_v128_load(p + i), needle));
        total = wasm_i32x4_add(
            total, wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(acc)));
    }
    uint32_t count = wasm_i32x4_extract_lane(total, 0) + wasm_i32x4_extract_lane(total, 1) +
                     wasm_i32x4_extract_lane(total, 2) + wasm_i32x4_extract_lane(total, 3);
    for (; i < n; i++)
        count += p[i] == c;
    return count;
#else
    uint32_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += p[i] == c;
    return count;
#endif
}

/* i16 dot product with 32-bit wrapping sum. */
static uint32_t dot16(const int16_t *a, const int16_t *b, size_t n)
{
#ifdef USE_INTRINSICS
    v128_t acc = wasm_i32x4_splat(0);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc =
            wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    uint32_t sum =
        (uint32_t)wasm_i32x4_extract_lane(acc, 0) + (uint32_t)wasm_i32x4_extract_lane(acc, 1) +
        (uint32_t)wasm_i32x4_extract_lane(acc, 2) + (uint32_t)wasm_i32x4_extract_lane(acc, 3);
    for (; i < n; i++)
        sum += (uint32_t)(a[i] * b[i]);
    return sum;
#else
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (uint32_t)(a[i] * b[i]);
    return sum;
#endif
}

/* y = k * x + y, element by element (each lane rounds the same way). */
static void saxpy(float k, const float *x, float *y, size_t n)
{
#ifdef USE_INTRINSICS
    v128_t vk = wasm_f32x4_splat(k);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(y + i, wasm_f32x4_add(wasm_f32x4_mul(vk, wasm_v128_load(x + i)),
                                              wasm_v128_load(y + i)));
    for (; i < n; i++)
        y[i] = k * x[i] + y[i];
#else
    for (size_t i = 0; i < n; i++)
        y[i] = k * x[i] + y[i];
#endif
}

/* Image blend: out = (a * alpha + b * (256 - alpha)) >> 8 per byte. */
static void blend(const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n, uint32_t alpha)
{
#ifdef USE_INTRINSICS
    v128_t va = wasm_i16x8_splat((int16_t)alpha), vb = wasm_i16x8_splat((int16_t)(256 - alpha));
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v128_t x = wasm_v128_load(a + i), y = wasm_v128_load(b + i);
        v128_t lo = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(x), va),
                                   wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(y), vb));
        v128_t hi = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(x), va),
                                   wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(y), vb));
        wasm_v128_store(out + i,
                        wasm_u8x16_narrow_i16x8(wasm_u16x8_shr(lo, 8), wasm_u16x8_shr(hi, 8)));
    }
    for (; i < n; i++)
        out[i] = (uint8_t)((a[i] * alpha + b[i] * (256 - alpha)) >> 8);
#else
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)((a[i] * alpha + b[i] * (256 - alpha)) >> 8);
#endif
}

/* Sum of absolute differences of two byte blocks (motion search). */
static uint32_t sad(const uint8_t *a, const uint8_t *b, size_t n)
{
#ifdef USE_INTRINSICS
    v128_t acc = wasm_i32x4_splat(0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v128_t x = wasm_v128_load(a + i), y = wasm_v128_load(b + i);
        v128_t d = wasm_v128_or(wasm_u8x16_sub_sat(x, y), wasm_u8x16_sub_sat(y, x));
        acc = wasm_i32x4_add(acc,
                             wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(d)));
    }
    uint32_t sum =
        (uint32_t)wasm_i32x4_extract_lane(acc, 0) + (uint32_t)wasm_i32x4_extract_lane(acc, 1) +
        (uint32_t)wasm_i32x4_extract_lane(acc, 2) + (uint32_t)wasm_i32x4_extract_lane(acc, 3);
    for (; i < n; i++)
        sum += (uint32_t)(a[i] > b[i] ? a[i] - b[i] : b[i] - a[i]);
    return sum;
#else
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (uint32_t)(a[i] > b[i] ? a[i] - b[i] : b[i] - a[i]);
    return sum;
#endif
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kernels bytecount|dot16|saxpy|blend|sad N\n");
        return 2;
    }
    const char *name = argv[1];
    uint32_t n = (uint32_t)strtoul(argv[2], NULL, 10), sum = 0;
    fill();
    for (uint32_t r = 0; r < n; r++) {
        if (strcmp(name, "bytecount") == 0) {
            sum = mix(sum, bytecount(bytes_a, LEN, (uint8_t)r));
        } else if (strcmp(name, "dot16") == 0) {
            sum = mix(sum, dot16(shorts_a + (r & 7), shorts_b, LEN - 8));
        } else if (strcmp(name, "saxpy") == 0) {
            saxpy(r & 1 ? 0.5f : -0.5f, floats_x, floats_y, LEN);
        } else if (strcmp(name, "blend") == 0) {
            blend(bytes_a, bytes_b, bytes_out, LEN, r & 255);
            sum = mix(sum, bytes_out[r & (LEN - 1)]);
        } else if (strcmp(name, "sad") == 0) {
            sum = mix(sum, sad(bytes_a + (r & 15), bytes_b, LEN - 16));
        } else {
            fprintf(stderr, "kernels: no kernel named %s\n", name);
            return 2;
        }
    }
    if (strcmp(name, "saxpy") == 0) {
        for (int i = 0; i < LEN; i++) {
            uint32_t bits;
            memcpy(&bits, &floats_y[i], 4);
            sum = mix(sum, bits);
        }
    } else if (strcmp(name, "blend") == 0) {
        for (int i = 0; i < LEN; i++)
            sum = mix(sum, bytes_out[i]);
    }
    printf("checksum %u\n", (unsigned)sum);
    return 0;
}
