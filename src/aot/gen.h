/*
 * gen.h: what the two gen_halves of the C generator share: gen.c prints the
 * functions and the module around them, ops.c prints one op at a time.
 * Internal to src/aot.
 */
#ifndef WA_AOT_GEN_H
#define WA_AOT_GEN_H

#include <stdio.h>

#include "aot.h"
#include "bounds.h"
#include "instance.h"

typedef struct gen {
    FILE *out;
    const wa_module *m;
    wa_error *err;
    uint32_t *unit_op; /* sorted (unit, op) pairs: threaded code back to ops */
    uint32_t nunits;
    uint32_t (*snippets)[2];
    uint32_t nsnippets, capsnippets;
    /* the function being printed */
    uint32_t fidx;
    const wa_code *code;
    uint8_t *target;  /* code->nops flags: a branch lands here */
    bool uses_mem;    /* the function reads or writes it */
    const char *self; /* the name suffix its calls to itself use */
    uint32_t entry;   /* the pc of its first FUEL op */
    /* cx->fast_limit as the function reads it: "fl", a copy kept by a
     * function inlined into itself (its copies' checks are one), else the
     * field, so that no register holds it across a long function */
    const char *fl;
    /* the checks left out (bounds.h): the half op being printed, its
     * accesses so far, and whether this is a region's fast copy */
    wa_bounds *bounds;
    uint32_t at_pc, at_access;
    bool fast;
    /* loop heads copied to back edges (gen_loop_head): per pc 0 unknown,
     * 1 no, else 2 + the pc after the head; the units copied so far, and
     * whether printing a copy failed */
    uint32_t *head;
    uint32_t copied;
    bool broken;
    /* per defined function: it has a direct entry */
    uint8_t *direct;
} gen;

#define P(...) fprintf(g->out, __VA_ARGS__)

static inline const wa_functype *type_of_func(const wa_module *m, uint32_t f)
{
    return &m->types[m->funcs[f].type];
}

/* ---- entries ------------------------------------------------------------ */

/* Every defined function n has the frame entry fn: arguments and results in
 * its frame (fp), the one signature of the engine's calls, call_indirect
 * and tail calls. Calls between the module's own functions go to the
 * direct entry fn_d where the callee has one: the arguments as C
 * arguments and the result (one slot at most) returned beside the fuel,
 * in registers, with no store and load through the frame on either side.
 * A function that makes a tail call has none: its tail calls must stay C
 * sibling calls of the frame signature. A small function that calls
 * itself also gets copies of fn_d, fn_c1, fn_c2..., that the C compiler
 * must inline: fn_d's calls to itself go to fn_c1, fn_c1's to fn_c2, the
 * last one's back to fn_d. A fifth of the C calls of a recursion, each wasm
 * call still charged and checked. CLONE_COPIES copies for one self-call
 * site; with two, one fewer, and fn_d still holds 15 copies of the body,
 * so only small functions. Measured on the engine benchmark fib: 3 copies
 * 9% faster than 2; 4 no faster than 3 while each level checked its depth
 * and its frame apart, 8% faster since they are one comparison; 5 slower. */
#define DIRECT_MAX_ARGS 8
#define DIRECT_REG_ARGS 1
#define CLONE_COPIES 4
#define CLONE_MAX_UNITS 128
#define CLONE_MAX_CALLS 2

static inline uint32_t param_slots(const wa_functype *t)
{
    return wa_slots_of(t->types, t->nparams);
}
static inline uint32_t result_slots(const wa_functype *t)
{
    return wa_slots_of(t->types + t->nparams, t->nresults);
}

/* How many arguments a direct entry takes as C arguments (the rest go
 * through the frame, as for the frame entry). */
static inline uint32_t reg_args(const wa_functype *t)
{
    uint32_t n = param_slots(t);
    return n < DIRECT_REG_ARGS ? n : DIRECT_REG_ARGS;
}

static inline bool has_direct(const gen *g, uint32_t f)
{
    return f >= g->m->nfunc_imports && g->direct[f - g->m->nfunc_imports];
}

/* ---- ops.c ------------------------------------------------------------------ */

/* The op of the threaded unit at pc (WA_OP_COUNT_ if none), and its length
 * in units. */
uint32_t gen_op_at(const gen *g, const uint32_t *ops, uint32_t pc);
uint32_t gen_len_at(uint32_t op, const uint32_t *ops, uint32_t pc);
/* Where the branch op at pc may go: n targets from operand first. */
uint32_t gen_targets_of(uint32_t op, const uint32_t *ops, uint32_t pc, uint32_t *first);
/* An op's gen_halves, (op, pc) each: a bundle is two instructions. */
uint32_t gen_halves(uint32_t op, const uint32_t *ops, uint32_t pc, uint32_t half[2][2]);
/* For the bounds planner (bounds.h): ops after which its block ends, and
 * what one instruction accesses and writes. */
bool gen_ends_block(uint32_t op);
void gen_describe(gen *g, uint32_t op, const uint32_t *ops, uint32_t pc);
/* Prints one instruction (a bundle's gen_halves come one by one). False: an
 * op the printer does not know, or out of memory. */
bool gen_op(gen *g, uint32_t op, const uint32_t *ops, uint32_t pc);

/* ---- gen.c ------------------------------------------------------------------ */

/* At a back edge to loop head t: prints a copy of the head if it is a
 * dispatch (gen.c), else nothing and returns false. */
bool gen_loop_head(gen *g, uint32_t t);

#endif
