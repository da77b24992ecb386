/* f64 arithmetic: dense matrix multiplication with nested loops.
 * Work size: n products of two 96 x 96 matrices. */
#include "bench.h"

#define MATMUL_N 96u

static double a[MATMUL_N * MATMUL_N], b[MATMUL_N * MATMUL_N], c[MATMUL_N * MATMUL_N];

static uint32_t bench_run(uint32_t n)
{
    const uint32_t m = MATMUL_N;
    uint32_t checksum = 0;
    for (uint32_t rep = 0; rep < n; rep++) {
        for (uint32_t i = 0; i < m * m; i++) {
            a[i] = (double)((i + rep) % 17) * 0.25 - 1.0;
            b[i] = (double)((i * 3 + rep) % 13) * 0.5 + 0.125;
        }
        for (uint32_t i = 0; i < m; i++)
            for (uint32_t j = 0; j < m; j++) {
                double sum = 0;
                for (uint32_t k = 0; k < m; k++)
                    sum += a[i * m + k] * b[k * m + j];
                c[i * m + j] = sum;
            }
        /* Every product is a multiple of 1/32 and the sums stay far below
         * 2^53, so the result is exact and the same on every engine. */
        double total = 0;
        for (uint32_t i = 0; i < m * m; i++)
            total += c[i] * (double)(i % 7 + 1);
        checksum = bench_mix(checksum, (uint32_t)(int64_t)(total * 32.0));
    }
    return checksum;
}

BENCH_MAIN(4800)
