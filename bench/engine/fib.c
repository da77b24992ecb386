/* Recursive Fibonacci: calls and returns. Work size: n (default 32). */
#include "bench.h"

static uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint32_t bench_run(uint32_t n)
{
    return fib(n);
}

BENCH_MAIN(32)
