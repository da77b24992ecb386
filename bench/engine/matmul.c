/* Dense f64 matrix multiplication: floating point and nested loops.
 * Work size: the matrices are n x n (default 200, at most 256). */
#include "bench.h"

#define MATMUL_MAX 256u

static double a[MATMUL_MAX * MATMUL_MAX], b[MATMUL_MAX * MATMUL_MAX], c[MATMUL_MAX * MATMUL_MAX];

static uint32_t bench_run(uint32_t n)
{
    if (n > MATMUL_MAX)
        n = MATMUL_MAX;
    for (uint32_t i = 0; i < n * n; i++) {
        a[i] = (double)(i % 17) * 0.25 - 1.0;
        b[i] = (double)(i % 13) * 0.5 + 0.125;
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            double sum = 0;
            for (uint32_t k = 0; k < n; k++)
                sum += a[i * n + k] * b[k * n + j];
            c[i * n + j] = sum;
        }
    /* Every product is a multiple of 1/32 and the sums stay far below 2^53,
     * so the result is exact and the same on every engine. */
    double total = 0;
    for (uint32_t i = 0; i < n * n; i++)
        total += c[i] * (double)(i % 7 + 1);
    return (uint32_t)(int64_t)(total * 32.0);
}

BENCH_MAIN(200)
