/*
 * tailcall.c: a command built with clang's -mtail-call, so that its
 * `musttail` returns become return_call and return_call_indirect. Both
 * recursions below are millions deep: they finish only if each tail call
 * takes over its caller's frame (without, they exhaust the call stack).
 *
 * - even/odd: direct mutual recursion (return_call);
 * - a tiny threaded interpreter whose handlers jump to the next one through
 *   a table of function pointers (return_call_indirect), the way
 *   interpreters compiled to WebAssembly use tail calls.
 */
#include <stdio.h>

static int odd(unsigned n);

__attribute__((noinline)) static int even(unsigned n)
{
    if (n == 0)
        return 1;
    __attribute__((musttail)) return odd(n - 1);
}

__attribute__((noinline)) static int odd(unsigned n)
{
    if (n == 0)
        return 0;
    __attribute__((musttail)) return even(n - 1);
}

/* The interpreter: acc += k, n -= 1, jump back while n != 0, halt. */
enum { OP_ADD, OP_DEC, OP_JNZ, OP_HALT };
typedef long long (*handler)(const unsigned char *pc, long long acc, long long n);
static const handler *g_table;

#define NEXT(pc, acc, n) __attribute__((musttail)) return g_table[*(pc)](pc, acc, n)

static long long op_add(const unsigned char *pc, long long acc, long long n)
{
    acc += pc[1];
    pc += 2;
    NEXT(pc, acc, n);
}
static long long op_dec(const unsigned char *pc, long long acc, long long n)
{
    n -= 1;
    pc += 1;
    NEXT(pc, acc, n);
}
static long long op_jnz(const unsigned char *pc, long long acc, long long n)
{
    pc = n ? pc - pc[1] : pc + 2;
    NEXT(pc, acc, n);
}
static long long op_halt(const unsigned char *pc, long long acc, long long n)
{
    (void)pc;
    (void)n;
    return acc;
}

static const handler k_table[] = {op_add, op_dec, op_jnz, op_halt};

int main(void)
{
    /* volatile: the optimiser must not fold the recursions away */
    volatile unsigned depth = 3000001;
    printf("even(%u) = %d\n", depth, even(depth));
    static const unsigned char program[] = {OP_ADD, 3, OP_DEC, OP_JNZ, 3, OP_HALT};
    g_table = k_table;
    volatile long long n = 2000000;
    printf("interpreted %lld iterations: %lld\n", (long long)n, g_table[0](program, 0, n));
    return 0;
}
