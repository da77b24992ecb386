/*
 * bench.h: the frame shared by the engine benchmarks. Each program defines
 * bench_run(n) and ends with BENCH_MAIN(default_n). Built as a command (gcc
 * natively, or clang to wasm32-wasi), main takes the work size as argv[1] and
 * prints "checksum N". Built with -DBENCH_N=n and without libc (for wabt's
 * wasm-interp, which Debian builds without WASI), it exports bench() instead,
 * which returns the checksum.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

static uint32_t bench_run(uint32_t n);

#ifdef BENCH_N
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
