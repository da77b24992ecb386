/*
 * A reactor guest for tests/unit/engine_hooks_test.c: small exports that
 * exercise the engine's limits. The volatile accesses keep clang from
 * folding the loops and the recursion away.
 */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* Posts a semaphore in the test, so it knows spin() is running. */
__attribute__((import_module("test"), import_name("entered"))) void entered(void);

static volatile uint32_t sink;
static int32_t counter;

/* memory.grow by n pages: the old page count, or -1. */
EXPORT("grow") int32_t grow(int32_t n)
{
    return (int32_t)__builtin_wasm_memory_grow(0, (uint32_t)n);
}

EXPORT("spin") void spin(void)
{
    entered();
    for (;;)
        sink++;
}

/* Non-tail recursion n deep, through an indirect call clang cannot inline. */
EXPORT("recurse") int32_t recurse(int32_t n);
static int32_t (*volatile recurse_ptr)(int32_t) = recurse;
int32_t recurse(int32_t n)
{
    if (n <= 0)
        return 0;
    return recurse_ptr(n - 1) + 1;
}

/* Non-tail recursion n deep through a direct call (the compiled tier
 * inlines copies of such a function into itself). */
EXPORT("recurse_direct") int32_t recurse_direct(int32_t n)
{
    if (n <= 0)
        return 0;
    return (recurse_direct(n - 1) ^ (n & 3)) + 1;
}

/* 0 + 1 + ... + (n - 1), one loop iteration at a time. */
EXPORT("sum") int32_t sum(int32_t n)
{
    uint32_t acc = 0;
    for (int32_t i = 0; i < n; i++) {
        acc += (uint32_t)i;
        sink = acc;
    }
    return (int32_t)acc;
}

/* Counts calls: each instance has its own count. */
EXPORT("bump") int32_t bump(void)
{
    return ++counter;
}

/* The i32 at addr; traps when addr is outside memory. */
EXPORT("peek") int32_t peek(uint32_t addr)
{
    return *(volatile int32_t *)(uintptr_t)addr;
}
