/* Indirect calls: calls through a table of function pointers (call_indirect
 * in wasm), as virtual methods and callbacks make them. The table is filled at
 * run time, so no compiler can turn the calls into direct ones; the targets
 * repeat with a period of 8, which branch predictors follow.
 * Work size: n rounds of 100,000 calls. */
#include "bench.h"

typedef uint32_t (*op_fn)(uint32_t acc, uint32_t x);

static uint32_t op_add(uint32_t acc, uint32_t x)
{
    return acc + x;
}

static uint32_t op_sub(uint32_t acc, uint32_t x)
{
    return acc - (x >> 1);
}

static uint32_t op_mul(uint32_t acc, uint32_t x)
{
    return acc * (x | 1);
}

static uint32_t op_xor(uint32_t acc, uint32_t x)
{
    return acc ^ (x << 3);
}

static uint32_t op_rot(uint32_t acc, uint32_t x)
{
    uint32_t r = x & 31;
    return r ? (acc << r) | (acc >> (32 - r)) : acc;
}

static uint32_t op_min(uint32_t acc, uint32_t x)
{
    return acc < x ? acc + 1 : x ^ acc;
}

static uint32_t op_mix(uint32_t acc, uint32_t x)
{
    return (acc ^ (acc >> 13)) + x * 5;
}

static uint32_t op_neg(uint32_t acc, uint32_t x)
{
    return ~acc + (x & 0xff);
}

static const op_fn all_ops[8] = {op_add, op_sub, op_mul, op_xor, op_rot, op_min, op_mix, op_neg};
static op_fn ops[8];

static uint32_t bench_run(uint32_t n)
{
    for (uint32_t i = 0; i < 8; i++)
        ops[i] = all_ops[(i * 5 + n) & 7];
    uint32_t acc = 0x1234567u, checksum = 0;
    for (uint32_t round = 0; round < n; round++) {
        for (uint32_t i = 0; i < 100000; i++)
            acc = ops[i & 7](acc, i + round);
        checksum = bench_mix(checksum, acc);
    }
    return checksum;
}

BENCH_MAIN(5500)
