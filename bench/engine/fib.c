/* Recursive calls: naive Fibonacci, the call and return path of the engine.
 * Work size: n evaluations of fib(24), fib(25) or fib(26) in turn. */
#include "bench.h"

static uint32_t fib(uint32_t k)
{
    return k < 2 ? k : fib(k - 1) + fib(k - 2);
}

static uint32_t bench_run(uint32_t n)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum = bench_mix(sum, fib(24 + i % 3));
    return sum;
}

BENCH_MAIN(12000)
