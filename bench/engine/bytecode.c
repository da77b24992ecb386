/* A switch-dispatched bytecode loop: a small stack machine whose dispatch
 * `switch` is dense enough that clang compiles it to a wasm br_table (run.py
 * checks that with wasm-objdump). The program it runs loops over i, mixing i
 * into an accumulator with multiplies, shifts, rotates and a conditional.
 * Work size: n runs of the program, each of 10,000 loop iterations. */
#include "bench.h"

enum op {
    OP_HALT,
    OP_PUSH,  /* imm8 */
    OP_LOAD,  /* local */
    OP_STORE, /* local */
    OP_INC,   /* local */
    OP_DUP,
    OP_DROP,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_XOR,
    OP_AND,
    OP_SHL,
    OP_SHR,
    OP_ROTL,
    OP_LT,
    OP_JZ,  /* target */
    OP_JMP, /* target */
};

/* Locals: 0 = i, 1 = count, 2 = accumulator. Targets are byte offsets. */
static uint8_t program[] = {
    /* 0: loop */
    OP_LOAD, 0, OP_LOAD, 1, OP_LT, OP_JZ, 46,
    /* 7: acc = acc * 31 + (i ^ (i >> 3)) */
    OP_LOAD, 2, OP_PUSH, 31, OP_MUL, OP_LOAD, 0, OP_DUP, OP_PUSH, 3, OP_SHR, OP_XOR, OP_ADD,
    OP_STORE, 2,
    /* 22: if (i & 5) acc = rotl(acc, 7) - i */
    OP_LOAD, 0, OP_PUSH, 5, OP_AND, OP_JZ, 39, OP_LOAD, 2, OP_PUSH, 7, OP_ROTL, OP_LOAD, 0, OP_SUB,
    OP_STORE, 2,
    /* 39: i++ */
    OP_INC, 0, OP_PUSH, 0, OP_DROP, OP_JMP, 0,
    /* 46: end */
    OP_LOAD, 2, OP_PUSH, 1, OP_SHL, OP_HALT};

static uint32_t vm_run(const uint8_t *code, uint32_t *locals)
{
    uint32_t stack[16];
    uint32_t sp = 0, pc = 0;
    for (;;) {
        uint8_t op = code[pc++];
        switch (op) {
        case OP_HALT:
            return stack[sp - 1];
        case OP_PUSH:
            stack[sp++] = code[pc++];
            break;
        case OP_LOAD:
            stack[sp++] = locals[code[pc++]];
            break;
        case OP_STORE:
            locals[code[pc++]] = stack[--sp];
            break;
        case OP_INC:
            locals[code[pc++]]++;
            break;
        case OP_DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
        case OP_DROP:
            sp--;
            break;
        case OP_ADD:
            sp--;
            stack[sp - 1] += stack[sp];
            break;
        case OP_SUB:
            sp--;
            stack[sp - 1] -= stack[sp];
            break;
        case OP_MUL:
            sp--;
            stack[sp - 1] *= stack[sp];
            break;
        case OP_XOR:
            sp--;
            stack[sp - 1] ^= stack[sp];
            break;
        case OP_AND:
            sp--;
            stack[sp - 1] &= stack[sp];
            break;
        case OP_SHL:
            sp--;
            stack[sp - 1] <<= stack[sp] & 31;
            break;
        case OP_SHR:
            sp--;
            stack[sp - 1] >>= stack[sp] & 31;
            break;
        case OP_ROTL: {
            sp--;
            uint32_t x = stack[sp - 1], r = stack[sp] & 31;
            stack[sp - 1] = r ? (x << r) | (x >> (32 - r)) : x;
            break;
        }
        case OP_LT:
            sp--;
            stack[sp - 1] = stack[sp - 1] < stack[sp];
            break;
        case OP_JZ:
            if (stack[--sp] == 0)
                pc = code[pc];
            else
                pc++;
            break;
        case OP_JMP:
            pc = code[pc];
            break;
        default:
            return 0xffffffffu; /* a bad opcode */
        }
    }
}

static uint32_t bench_run(uint32_t n)
{
    uint32_t checksum = 0;
    for (uint32_t rep = 0; rep < n; rep++) {
        uint32_t locals[3] = {0, 10000, rep};
        checksum = bench_mix(checksum, vm_run(program, locals));
    }
    return checksum;
}

BENCH_MAIN(4000)
