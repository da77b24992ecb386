/*
 * bench.h: the frame shared by the engine benchmarks. Each program defines
 * bench_run(n) and ends with BENCH_MAIN(default_n). The work size n counts
 * repetitions of a fixed amount of work, so the running time grows linearly
 * with n (run.py relies on that to scale wasm-interp's reduced runs).
 *
 * Built as a command (gcc natively, or clang to wasm32-wasi), main takes the
 * work size as argv[1] and prints "checksum N". Built with -DBENCH_N=n and
 * without a start function (for wabt's wasm-interp, which Debian builds
 * without WASI), it exports bench() instead, which returns the checksum; that
 * variant may use libc functions that need no WASI import (memcpy, memset).
 * Built with -DBENCH_EXPORT_N instead, the export is bench(n), the work size
 * passed at run time as main passes it, so the compiler cannot fold a known
 * size into the loops (run.py's wasm2c reference calls it so).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

static uint32_t bench_run(uint32_t n);

/* xorshift32: a small deterministic generator; the state must not be 0. */
static inline uint32_t bench_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Folds a value into a running checksum. */
static inline uint32_t bench_mix(uint32_t sum, uint32_t v)
{
    return (sum ^ v) * 0x01000193u + 0x2f;
}

#if defined(BENCH_EXPORT_N)
#define BENCH_MAIN(default_n)                                                                      \
    __attribute__((export_name("bench"))) uint32_t bench(uint32_t n)                               \
    {                                                                                              \
        return bench_run(n);                                                                       \
    }
#elif defined(BENCH_N)
#define BENCH_MAIN(default_n)                                                                      \
    __attribute__((export_name("bench"))) uint32_t bench(void)                                     \
    {                                                                                              \
        return bench_run(BENCH_N);                                                                 \
    }
#else
#include <stdio.h>
#include <stdlib.h>
#define BENCH_MAIN(default_n)                                                                      \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : (default_n);                \
        printf("checksum %u\n", (unsigned)bench_run(n));                                           \
        return 0;                                                                                  \
    }
#endif

#endif
