/*
 * ops.c: one internal op (code.h) as a few lines of C over the function's
 * slot locals, for gen.c. Numeric ops print numeric.h's expressions, the
 * very text the interpreter compiles; memory accesses check their bounds
 * unless the planner (bounds.h) showed it done; rare or large instructions
 * become snippets run by the interpreter (rt.c: step); calls go to direct
 * entries, frame entries or rt.c (gen.h: entries).
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "numeric.h"

/* ---- what each op means, for the printer ---------------------------------- */

typedef struct numeric_def {
    const char *expr;
    char kind; /* 'U', 'B': 64-bit result; 'u', 'b': a double */
} numeric_def;

static const numeric_def k_numeric[WA_OP_COUNT_] = {
#define WA_GU(name, expr) [WA_OP_##name] = {#expr, 'U'},
#define WA_GB(name, expr) [WA_OP_##name] = {#expr, 'B'},
#define WA_GUF(name, expr) [WA_OP_##name] = {#expr, 'u'},
#define WA_GBF(name, expr) [WA_OP_##name] = {#expr, 'b'},
    WA_NUMERIC_SEMANTICS(WA_GU, WA_GB, WA_GUF, WA_GBF)
#undef WA_GU
#undef WA_GB
#undef WA_GUF
#undef WA_GBF
};

typedef struct trunc_def {
    const char *field, *lo, *hi, *t, *ut;
} trunc_def;

static const trunc_def k_trunc[WA_OP_COUNT_] = {
#define WA_GT(name, field, lo, hi, T, UT) [WA_OP_##name] = {#field, #lo, #hi, #T, #UT},
    WA_TRUNC_BOUNDS(WA_GT)
#undef WA_GT
};

/* Loads: the C type read and how the slot gets it (interp.c's LOAD list). */
typedef struct access_def {
    const char *type, *expr;
    uint32_t bytes;
} access_def;

static const access_def k_load[WA_OP_COUNT_] = {
    [WA_OP_I32_LOAD] = {"uint32_t", "v", 4},
    [WA_OP_I64_LOAD] = {"uint64_t", "v", 8},
    [WA_OP_I32_LOAD8_S] = {"int8_t", "(uint32_t)(int32_t)v", 1},
    [WA_OP_I32_LOAD8_U] = {"uint8_t", "v", 1},
    [WA_OP_I32_LOAD16_S] = {"int16_t", "(uint32_t)(int32_t)v", 2},
    [WA_OP_I32_LOAD16_U] = {"uint16_t", "v", 2},
    [WA_OP_I64_LOAD8_S] = {"int8_t", "(uint64_t)(int64_t)v", 1},
    [WA_OP_I64_LOAD8_U] = {"uint8_t", "v", 1},
    [WA_OP_I64_LOAD16_S] = {"int16_t", "(uint64_t)(int64_t)v", 2},
    [WA_OP_I64_LOAD16_U] = {"uint16_t", "v", 2},
    [WA_OP_I64_LOAD32_S] = {"int32_t", "(uint64_t)(int64_t)v", 4},
    [WA_OP_I64_LOAD32_U] = {"uint32_t", "v", 4},
    [WA_OP_I32_STORE] = {"uint32_t", NULL, 4},
    [WA_OP_I64_STORE] = {"uint64_t", NULL, 8},
    [WA_OP_I32_STORE8] = {"uint8_t", NULL, 1},
    [WA_OP_I32_STORE16] = {"uint16_t", NULL, 2},
    [WA_OP_I64_STORE8] = {"uint8_t", NULL, 1},
    [WA_OP_I64_STORE16] = {"uint16_t", NULL, 2},
    [WA_OP_I64_STORE32] = {"uint32_t", NULL, 4},
    [WA_OP_STORE8_IMM] = {"uint8_t", NULL, 1},
    [WA_OP_STORE16_IMM] = {"uint16_t", NULL, 2},
    [WA_OP_STORE32_IMM] = {"uint32_t", NULL, 4},
    [WA_OP_STORE64_IMM] = {"uint64_t", NULL, 8},
};

/* The i32 comparisons in WebAssembly order (as each fused group is). */
static const char *const k_cmp[10][2] = {
    {"uint32_t", "=="}, {"uint32_t", "!="}, {"int32_t", "<"},  {"uint32_t", "<"},
    {"int32_t", ">"},   {"uint32_t", ">"},  {"int32_t", "<="}, {"uint32_t", "<="},
    {"int32_t", ">="},  {"uint32_t", ">="},
};

/* The SIMD kinds, per op (simd_list.h). */
enum { K_NONE, K_UN, K_TEST, K_BIN, K_SHIFT, K_TERN, K_SNIPPET };
static const char *simd_name(uint32_t op)
{
    static const char *const names[] = {
#define WA_S(kind, upper, lower, opcode, type, n) #lower,
        WA_SIMD_OPS(WA_S)
#undef WA_S
    };
    return op >= WA_OP_V_V128_LOAD && op - WA_OP_V_V128_LOAD < sizeof names / sizeof names[0]
               ? names[op - WA_OP_V_V128_LOAD]
               : "";
}

static uint8_t simd_kind(uint32_t op)
{
    static const uint8_t kinds[] = {
#define K_CONST K_SNIPPET
#define K_SHUFFLE K_SNIPPET
#define K_SPLAT K_SNIPPET
#define K_EXTRACT K_SNIPPET
#define K_REPLACE K_SNIPPET
#define K_LOAD K_SNIPPET
#define K_STORE K_SNIPPET
#define K_LOAD_LANE K_SNIPPET
#define K_STORE_LANE K_SNIPPET
#define WA_S(kind, upper, lower, opcode, type, n) K_##kind,
        WA_SIMD_OPS(WA_S)
#undef WA_S
    };
    if (op < WA_OP_V_V128_LOAD || op - WA_OP_V_V128_LOAD >= sizeof kinds)
        return K_NONE;
    return kinds[op - WA_OP_V_V128_LOAD];
}

/* The op of a threaded unit. Shared SIMD handlers have one unit for many
 * ops; their table index (the op's last operand) says which. */
uint32_t gen_op_at(const gen *g, const uint32_t *ops, uint32_t pc)
{
    uint32_t lo = 0, hi = g->nunits, unit = ops[pc];
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (g->unit_op[2 * mid] < unit)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == g->nunits || g->unit_op[2 * lo] != unit)
        return WA_OP_COUNT_;
    uint32_t op = g->unit_op[2 * lo + 1];
    uint8_t k = simd_kind(op);
    if (k >= K_UN && k <= K_TERN)
        op = WA_OP_V_V128_LOAD + ops[pc + wa_op_len[op] - 1];
    return op;
}

uint32_t gen_len_at(uint32_t op, const uint32_t *ops, uint32_t pc)
{
    return wa_op_len[op] + (op == WA_OP_BR_TABLE ? ops[pc + 2] + 1 : 0);
}

/* ---- branches -------------------------------------------------------------- */

/* Where the branch op at pc may go: n targets from operand first. */
uint32_t gen_targets_of(uint32_t op, const uint32_t *ops, uint32_t pc, uint32_t *first)
{
    if (op == WA_OP_JMP || op == WA_OP_JMP_LOOP)
        return *first = 1, 1;
    if (op == WA_OP_JMP_IF || op == WA_OP_JMP_IFNOT || op == WA_OP_JMP_IF_LOOP ||
        op == WA_OP_JMP_IFNOT_LOOP)
        return *first = 2, 1;
    if (op == WA_OP_BR_TABLE)
        return *first = 3, ops[pc + 2] + 1;
    if ((op >= WA_OP_JMP_I32_EQ && op <= WA_OP_JMP_I32_GE_U_IMM) ||
        (op >= WA_OP_JMP_I32_EQ_LOOP && op <= WA_OP_JMP_I32_GE_U_IMM_LOOP) || op == WA_OP_JMP_ANY ||
        op == WA_OP_JMP_NONE)
        return *first = 3, 1;
    if (op >= WA_OP_ADD_JMP_I32_EQ_LOOP && op <= WA_OP_ADD_JMP_I32_GE_U_IMM_LOOP)
        return *first = 5, 1;
    if (op == WA_OP_COPY_JMP_LOOP)
        return *first = 4, 1;
    if (op >= WA_OP_ADD2_JMP_I32_EQ_LOOP && op <= WA_OP_ADD2_JMP_I32_GE_U_IMM_LOOP)
        return *first = 9, 1;
    return 0;
}

/* A loop's back edge to t: the FUEL op it skips charged here (code.h),
 * then the loop's head copied (gen_loop_head) or a jump to it. */
static void loop_edge(gen *g, const uint32_t *ops, uint32_t t)
{
    P("    {\n        FUEL(%uu);\n", ops[t - 1]);
    if (!gen_loop_head(g, t))
        P("        goto L%u;\n", t);
    P("    }\n");
}

/* ---- the ops ---------------------------------------------------------------- */

#define U(k) ops[pc + (k)]
#define SL(k) ops[pc + (k)] /* a slot operand's number */

static void numeric(gen *g, uint32_t op, uint32_t d, uint32_t a, uint32_t b, bool b_imm,
                    uint64_t imm)
{
    const numeric_def *n = &k_numeric[op];
    P("    {\n        wa_val a, b;\n        a.i64 = s%u;\n", a);
    if (b_imm)
        P("        b.i64 = 0x%llxull;\n", (unsigned long long)imm);
    else if (n->kind == 'B' || n->kind == 'b')
        P("        b.i64 = s%u;\n", b);
    else
        P("        b.i64 = 0;\n");
    P("        (void)b;\n");
    if (n->kind == 'U' || n->kind == 'B')
        P("        s%u = (uint64_t)(%s);\n", d, n->expr);
    else
        P("        wa_val r;\n        r.f64 = (%s);\n        s%u = r.i64;\n", n->expr, d);
    /* The C compiler folds demote(promote(x)) to x, a signalling NaN
     * included, where the interpreter (and the spec) quiets it: the
     * promoted value is made opaque to it. */
    if (op == WA_OP_F64_PROMOTE_F32)
        P("        __asm__(\"\" : \"+r\"(s%u));\n", d);
    P("    }\n");
}

/* Division and remainder, from a slot or a constant (interp.c's rules). */
static void divide(gen *g, uint32_t op, uint32_t d, uint32_t a, const char *b)
{
    bool wide = (op >= WA_OP_I64_DIV_S && op <= WA_OP_I64_REM_U) ||
                (op >= WA_OP_I64_DIV_S_IMM && op <= WA_OP_I64_REM_U_IMM);
    uint32_t k =
        wide ? (op >= WA_OP_I64_DIV_S_IMM ? op - WA_OP_I64_DIV_S_IMM : op - WA_OP_I64_DIV_S)
             : (op >= WA_OP_I32_DIV_S_IMM ? op - WA_OP_I32_DIV_S_IMM : op - WA_OP_I32_DIV_S);
    bool sign = k == 0 || k == 2, rem = k >= 2;
    const char *T = wide ? (sign ? "int64_t" : "uint64_t") : (sign ? "int32_t" : "uint32_t");
    const char *UT = wide ? "uint64_t" : "uint32_t";
    P("    {\n        %s a = (%s)s%u, b = (%s)%s;\n", T, T, a, T, b);
    P("        if (b == 0)\n            TRAP(%d);\n", WA_TRAP_DIV_ZERO);
    if (sign && !rem)
        P("        if (a == %s && b == -1)\n            TRAP(%d);\n",
          wide ? "INT64_MIN" : "INT32_MIN", WA_TRAP_INT_OVERFLOW);
    if (sign && rem)
        P("        s%u = b == -1 ? 0 : (%s)(a %% b);\n    }\n", d, UT);
    else
        P("        s%u = (%s)(a %s b);\n    }\n", d, UT, rem ? "%" : "/");
}

static bool is_divide(uint32_t op)
{
    return (op >= WA_OP_I32_DIV_S && op <= WA_OP_I32_REM_U) ||
           (op >= WA_OP_I64_DIV_S && op <= WA_OP_I64_REM_U) ||
           (op >= WA_OP_I32_DIV_S_IMM && op <= WA_OP_I32_REM_U_IMM) ||
           (op >= WA_OP_I64_DIV_S_IMM && op <= WA_OP_I64_REM_U_IMM);
}

/* The effective address of a load or store, (addr + k) mod 2^32 + offset,
 * as C variable name, and its check unless the planner (bounds.h) left it
 * out: in a region's fast copy the region's check has shown that no k
 * wraps. */
static void address_as(gen *g, const char *name, uint32_t addr, uint32_t k, uint32_t offset,
                       uint32_t bytes)
{
    uint8_t flags = wa_bounds_flags(g->bounds, 2 * g->at_pc + g->at_access++);
    g->uses_mem = true;
    if (g->fast && (flags & WA_BOUNDS_HOISTED)) {
        int64_t d = (int64_t)(int32_t)k + offset;
        P("        uint64_t %s = (uint64_t)(uint32_t)s%u %c %lluull;\n", name, addr,
          d < 0 ? '-' : '+', (unsigned long long)(d < 0 ? -d : d));
        return;
    }
    P("        uint64_t %s = (uint64_t)(uint32_t)((uint32_t)s%u + %uu) + %uu;\n", name, addr, k,
      offset);
    if (!(flags & WA_BOUNDS_COVERED))
        P("        if (OOB(%s, %u))\n            TRAP(%d);\n", name, bytes, WA_TRAP_MEM_OOB);
}

static void address(gen *g, uint32_t addr, uint32_t k, uint32_t offset, uint32_t bytes)
{
    address_as(g, "ea", addr, k, offset, bytes);
}

static void load(gen *g, uint32_t op, uint32_t d, uint32_t addr, uint32_t k, uint32_t offset)
{
    const access_def *a = &k_load[op];
    P("    {\n");
    address(g, addr, k, offset, a->bytes);
    P("        %s v;\n        memcpy(&v, mem + ea, %u);\n        s%u = (uint64_t)(%s);\n    }\n",
      a->type, a->bytes, d, a->expr);
}

static void store(gen *g, uint32_t op, uint32_t addr, const char *value, uint32_t k,
                  uint32_t offset)
{
    const access_def *a = &k_load[op];
    P("    {\n");
    address(g, addr, k, offset, a->bytes);
    P("        %s v = (%s)(%s);\n        memcpy(mem + ea, &v, %u);\n    }\n", a->type, a->type,
      value, a->bytes);
}

static void spill(gen *g, uint32_t s)
{
    P("    fp[%u].i64 = s%u;\n", s, s);
}
static void unspill(gen *g, uint32_t s)
{
    P("    s%u = fp[%u].i64;\n", s, s);
}

/* The slots an op run as a snippet reads and writes (code.h's operands). */
static void snippet_slots(uint32_t op, const uint32_t *ops, uint32_t pc, uint32_t *r, uint32_t *nr,
                          uint32_t *w, uint32_t *nw)
{
    *nr = *nw = 0;
#define RD(s) (r[(*nr)++] = (s))
#define WR(s) (w[(*nw)++] = (s))
#define RD2(s) (RD(s), RD((s) + 1))
#define WR2(s) (WR(s), WR((s) + 1))
    switch (op) {
    case WA_OP_MEMORY_SIZE:
        WR(U(1));
        return;
    case WA_OP_MEMORY_GROW:
        RD(U(2));
        WR(U(1));
        return;
    case WA_OP_MEMORY_FILL:
    case WA_OP_MEMORY_COPY:
        RD(U(1));
        RD(U(2));
        RD(U(3));
        return;
    case WA_OP_MEMORY_INIT:
        RD(U(2));
        RD(U(3));
        RD(U(4));
        return;
    case WA_OP_DATA_DROP:
    case WA_OP_ELEM_DROP:
        return;
    case WA_OP_TABLE_GET:
        RD(U(3));
        WR(U(1));
        return;
    case WA_OP_TABLE_SET:
        RD(U(2));
        RD(U(3));
        return;
    case WA_OP_TABLE_SIZE:
        WR(U(1));
        return;
    case WA_OP_TABLE_GROW:
        RD(U(3));
        RD(U(4));
        WR(U(1));
        return;
    case WA_OP_TABLE_FILL:
        RD(U(2));
        RD(U(3));
        RD(U(4));
        return;
    case WA_OP_TABLE_COPY:
    case WA_OP_TABLE_INIT:
        RD(U(3));
        RD(U(4));
        RD(U(5));
        return;
    default:
        break;
    }
    static const uint8_t kinds[] = {
#define WA_S(kind, upper, lower, opcode, type, n) WA_SNIP_##kind,
#define WA_SNIP_UN 0
#define WA_SNIP_TEST 0
#define WA_SNIP_BIN 0
#define WA_SNIP_SHIFT 0
#define WA_SNIP_TERN 0
#define WA_SNIP_CONST 1
#define WA_SNIP_SHUFFLE 2
#define WA_SNIP_SPLAT 3
#define WA_SNIP_EXTRACT 4
#define WA_SNIP_REPLACE 5
#define WA_SNIP_LOAD 6
#define WA_SNIP_STORE 7
#define WA_SNIP_LOAD_LANE 8
#define WA_SNIP_STORE_LANE 9
        WA_SIMD_OPS(WA_S)
#undef WA_S
    };
    switch (kinds[op - WA_OP_V_V128_LOAD]) {
    case 1:
        WR2(U(1));
        break; /* CONST d */
    case 2:
        RD2(U(2));
        RD2(U(3));
        WR2(U(1));
        break; /* SHUFFLE d a b */
    case 3:
        RD(U(2));
        WR2(U(1));
        break; /* SPLAT d a */
    case 4:
        RD2(U(2));
        WR(U(1));
        break; /* EXTRACT d a lane */
    case 5:
        RD2(U(2));
        RD(U(3));
        WR2(U(1));
        break; /* REPLACE d a b lane */
    case 6:
        RD(U(2));
        WR2(U(1));
        break; /* LOAD d addr k off */
    case 7:
        RD(U(1));
        RD2(U(2));
        break; /* STORE addr v k off */
    case 8:
        RD(U(2));
        RD2(U(5));
        WR2(U(1));
        break; /* LOAD_LANE d addr k off v lane */
    case 9:
        RD(U(1));
        RD2(U(2));
        break; /* STORE_LANE addr v k off lane */
    default:
        break;
    }
#undef RD
#undef WR
#undef RD2
#undef WR2
}

/* The scalar instructions that run as snippets: the table and bulk-memory
 * ones that are rare or large (memory.fill and memory.copy are compiled). */
static bool scalar_snippet(uint32_t op)
{
    switch (op) {
    case WA_OP_MEMORY_GROW:
    case WA_OP_MEMORY_INIT:
    case WA_OP_DATA_DROP:
    case WA_OP_ELEM_DROP:
    case WA_OP_TABLE_GET:
    case WA_OP_TABLE_SET:
    case WA_OP_TABLE_SIZE:
    case WA_OP_TABLE_GROW:
    case WA_OP_TABLE_FILL:
    case WA_OP_TABLE_COPY:
    case WA_OP_TABLE_INIT:
        return true;
    default:
        return false;
    }
}

static bool snippet(gen *g, uint32_t op, const uint32_t *ops, uint32_t pc)
{
    /* A function printed twice (fn_c) lists each of its snippets once. */
    uint32_t n = g->nsnippets;
    while (n > 0 && g->snippets[n - 1][0] == g->fidx && g->snippets[n - 1][1] != pc)
        n--;
    if (n == 0 || g->snippets[n - 1][0] != g->fidx) {
        if (g->nsnippets == g->capsnippets) {
            uint32_t cap = g->capsnippets ? 2 * g->capsnippets : 64;
            void *p = realloc(g->snippets, cap * sizeof *g->snippets);
            if (!p)
                return false;
            g->snippets = p;
            g->capsnippets = cap;
        }
        g->snippets[g->nsnippets][0] = g->fidx;
        g->snippets[g->nsnippets][1] = pc;
        n = ++g->nsnippets;
    }
    uint32_t r[8], w[4], nr, nw;
    snippet_slots(op, ops, pc, r, &nr, w, &nw);
    for (uint32_t i = 0; i < nr; i++)
        spill(g, r[i]);
    P("    fuel = cx->rt->step(cx, inst, %u, %u, fp, fuel, fr);\n    if (fuel < 0)\n"
      "        return OUT(-1);\n",
      g->fidx, n - 1);
    for (uint32_t i = 0; i < nw; i++)
        unspill(g, w[i]);
    P("    RELOAD();\n");
    return true;
}

/* The arguments a direct entry takes through the frame, before a call. */
static void frame_args(gen *g, const wa_functype *t, uint32_t a)
{
    for (uint32_t i = reg_args(t); i < param_slots(t); i++)
        P("    fp[%u].i64 = s%u;\n", a + i, a + i);
}

/* After a call: a trap in the callee ends this function too, and memory
 * may have grown. */
static void call_end(gen *g)
{
    P("    if (fuel < 0)\n        return OUT(-1);\n    RELOAD();\n");
}

/* Before a call: the depth limit, then this frame's record (the callee
 * checks its own frame, gen.c: c_function). Into an inlined copy, the
 * depth is checked only where the copy's entry check fails too (fast_limit
 * is never past frame_limit, abi.h): the compiler keeps one comparison. */
static void call_check(gen *g, const char *indent, bool into_copy)
{
    if (into_copy)
        P("%sif (__builtin_expect((uintptr_t)(fr + 1) > fl, 0) && fr == cx->frame_limit)\n",
          indent);
    else
        P("%sif (fr == cx->frame_limit)\n", indent);
    P("%s    TRAP(%d);\n%sfr->func = SELF;\n", indent, WA_TRAP_STACK_EXHAUSTED, indent);
}

/* A call of the module's function f, its arguments in the slots from a. */
static void call_direct(gen *g, uint32_t f, uint32_t a)
{
    const wa_functype *t = type_of_func(g->m, f);
    bool result = result_slots(t) != 0, copy = f == g->fidx && strcmp(g->self, "_d") != 0;
    call_check(g, "    ", copy);
    frame_args(g, t, a);
    P(result ? "    {\n        wa_aot_r1 r = f%u%s(cx, inst, fp + %u, fuel, fr + 1"
             : "    fuel = f%u%s(cx, inst, fp + %u, fuel, fr + 1",
      f, f == g->fidx ? g->self : "_d", a);
    for (uint32_t i = 0; i < reg_args(t); i++)
        P(", s%u", a + i);
    if (copy)
        P(", fl"); /* the copy takes its caller's */
    if (result)
        P(");\n        fuel = r.fuel, s%u = r.r;\n    }\n", a);
    else
        P(");\n");
    call_end(g);
}

/* Arguments into the frame before a call, results back after. */
static void call_args(gen *g, const wa_functype *t, uint32_t base)
{
    uint32_t n = wa_slots_of(t->types, t->nparams);
    for (uint32_t i = 0; i < n; i++)
        spill(g, base + i);
}
static void call_results(gen *g, const wa_functype *t, uint32_t base)
{
    uint32_t n = wa_slots_of(t->types + t->nparams, t->nresults);
    for (uint32_t i = 0; i < n; i++)
        unspill(g, base + i);
}

static void tail_args(gen *g, const wa_functype *t, uint32_t base)
{
    uint32_t n = wa_slots_of(t->types, t->nparams);
    for (uint32_t i = 0; i < n; i++)
        P("    fp[%u].i64 = s%u;\n", i, base + i);
}

/* A v128 operand (two slots) as the value V(lo, hi) of the C. */
static const char *v128_arg(char *buf, size_t n, uint32_t s)
{
    snprintf(buf, n, "V(s%u, s%u)", s, s + 1);
    return buf;
}

/* The commonest SIMD instructions that move lanes (interp_simd.inc's
 * semantics, lanes in memory order); false for the others. */
static bool lanes(gen *g, uint32_t op, const uint32_t *ops, uint32_t pc)
{
    static const struct {
        uint32_t op;
        const char *lane, *src; /* the wa_v128 field, and the slot's bits taken */
    } k_lane[] = {
        {WA_OP_V_I8X16_SPLAT, "u8", "(uint8_t)"},
        {WA_OP_V_I16X8_SPLAT, "u16", "(uint16_t)"},
        {WA_OP_V_I32X4_SPLAT, "u32", "(uint32_t)"},
        {WA_OP_V_I64X2_SPLAT, "u64", ""},
        {WA_OP_V_F32X4_SPLAT, "u32", "(uint32_t)"},
        {WA_OP_V_F64X2_SPLAT, "u64", ""},
        {WA_OP_V_I8X16_REPLACE_LANE, "u8", "(uint8_t)"},
        {WA_OP_V_I16X8_REPLACE_LANE, "u16", "(uint16_t)"},
        {WA_OP_V_I32X4_REPLACE_LANE, "u32", "(uint32_t)"},
        {WA_OP_V_I64X2_REPLACE_LANE, "u64", ""},
        {WA_OP_V_F32X4_REPLACE_LANE, "u32", "(uint32_t)"},
        {WA_OP_V_F64X2_REPLACE_LANE, "u64", ""},
        {WA_OP_V_I8X16_EXTRACT_LANE_S, "i8", "(uint32_t)(int32_t)"},
        {WA_OP_V_I8X16_EXTRACT_LANE_U, "u8", ""},
        {WA_OP_V_I16X8_EXTRACT_LANE_S, "i16", "(uint32_t)(int32_t)"},
        {WA_OP_V_I16X8_EXTRACT_LANE_U, "u16", ""},
        {WA_OP_V_I32X4_EXTRACT_LANE, "u32", ""},
        {WA_OP_V_I64X2_EXTRACT_LANE, "u64", ""},
        {WA_OP_V_F32X4_EXTRACT_LANE, "u32", ""},
        {WA_OP_V_F64X2_EXTRACT_LANE, "u64", ""},
    };
    char a[40];
    uint32_t d = SL(1);
    switch (op) {
    case WA_OP_V_V128_CONST: /* d, then 16 bytes in 4 units */
        P("    s%u = 0x%llxull, s%u = 0x%llxull;\n", d,
          (unsigned long long)U(2) | (unsigned long long)U(3) << 32, d + 1,
          (unsigned long long)U(4) | (unsigned long long)U(5) << 32);
        return true;
    case WA_OP_V_V128_LOAD: /* d addr k offset */
        P("    {\n");
        address(g, SL(2), U(3), U(4), 16);
        P("        memcpy(&s%u, mem + ea, 8), memcpy(&s%u, mem + ea + 8, 8);\n    }\n", d, d + 1);
        return true;
    case WA_OP_V_V128_STORE: /* addr v k offset */
        P("    {\n");
        address(g, SL(1), U(3), U(4), 16);
        P("        memcpy(mem + ea, &s%u, 8), memcpy(mem + ea + 8, &s%u, 8);\n    }\n", SL(2),
          SL(2) + 1);
        return true;
    default:
        break;
    }
    for (size_t i = 0; i < sizeof k_lane / sizeof k_lane[0]; i++) {
        if (k_lane[i].op != op)
            continue;
        const char *f = k_lane[i].lane, *src = k_lane[i].src;
        if (op <= WA_OP_V_F64X2_SPLAT) { /* SPLAT d a */
            P("    {\n        wa_v128 r;\n        for (int i = 0; i < (int)(16 / sizeof r.%s[0]); "
              "i++)\n            r.%s[i] = %ss%u;\n",
              f, f, src, SL(2));
        } else if (strstr(simd_name(op), "replace")) { /* REPLACE d a b lane */
            P("    {\n        wa_v128 r = %s;\n        r.%s[%u] = %ss%u;\n",
              v128_arg(a, sizeof a, SL(2)), f, U(4), src, SL(3));
        } else { /* EXTRACT d a lane */
            P("    s%u = %s%s.%s[%u];\n", d, src, v128_arg(a, sizeof a, SL(2)), f, U(3));
            return true;
        }
        P("        s%u = r.u64[0], s%u = r.u64[1];\n    }\n", d, d + 1);
        return true;
    }
    return false;
}

/* The arithmetic SIMD kinds call simd_call.h's table, as the interpreter's
 * shared handlers do; the rest run as snippets. */
static bool op_simd(gen *g, uint32_t op, const uint32_t *ops, uint32_t pc)
{
    char a[40], b[40], c[40];
    uint32_t d = SL(1);
    switch (simd_kind(op)) {
    case K_TEST:
        P("    s%u = cx->rt->vcall[%u].test(%s);\n", d, U(3), v128_arg(a, sizeof a, SL(2)));
        return true;
    case K_UN:
        P("    {\n        wa_v128 r = cx->rt->vcall[%u].un(%s);\n", U(3),
          v128_arg(a, sizeof a, SL(2)));
        break;
    case K_SHIFT:
        P("    {\n        wa_v128 r = cx->rt->vcall[%u].shift(%s, (uint32_t)s%u);\n", U(4),
          v128_arg(a, sizeof a, SL(2)), SL(3));
        break;
    case K_BIN:
        P("    {\n        wa_v128 r = cx->rt->vcall[%u].bin(%s, %s);\n", U(4),
          v128_arg(a, sizeof a, SL(2)), v128_arg(b, sizeof b, SL(3)));
        break;
    case K_TERN:
        P("    {\n        wa_v128 r = cx->rt->vcall[%u].tern(%s, %s, %s);\n", U(5),
          v128_arg(a, sizeof a, SL(2)), v128_arg(b, sizeof b, SL(3)), v128_arg(c, sizeof c, SL(4)));
        break;
    case K_SNIPPET:
        return lanes(g, op, ops, pc) || snippet(g, op, ops, pc);
    default:
        return false;
    }
    P("        s%u = r.u64[0], s%u = r.u64[1];\n    }\n", d, d + 1);
    return true;
}

/* One instruction (a bundle's gen_halves come here one by one). False: an op
 * this printer does not know, or out of memory. */
bool gen_op(gen *g, uint32_t op, const uint32_t *ops, uint32_t pc)
{
    const wa_module *m = g->m;
    char buf[64];
    if (k_numeric[op].expr) {
        numeric(g, op, SL(1), SL(2), SL(3), false, 0);
        return true;
    }
    if (is_divide(op) && op < WA_OP_I32_DIV_S_IMM) {
        snprintf(buf, sizeof buf, "s%u", SL(3));
        divide(g, op, SL(1), SL(2), buf);
        return true;
    }
    if (is_divide(op)) {
        bool wide = op >= WA_OP_I64_DIV_S_IMM;
        snprintf(buf, sizeof buf, wide ? "(int64_t)(int32_t)%uu" : "%uu", U(3));
        divide(g, op, SL(1), SL(2), buf);
        return true;
    }
    if (k_trunc[op].field) {
        const trunc_def *t = &k_trunc[op];
        P("    {\n        wa_val a;\n        a.i64 = s%u;\n        double x = a.%s;\n", SL(2),
          t->field);
        P("        if (x != x)\n            TRAP(%d);\n", WA_TRAP_INVALID_CONVERSION);
        P("        if (!(x > (%s) && x < (%s)))\n            TRAP(%d);\n", t->lo, t->hi,
          WA_TRAP_INT_OVERFLOW);
        P("        s%u = (uint64_t)(%s)(%s)x;\n    }\n", SL(1), t->ut, t->t);
        return true;
    }
    if (k_load[op].type && k_load[op].expr) {
        load(g, op, SL(1), SL(2), U(3), U(4));
        return true;
    }
    if (op >= WA_OP_I32_STORE && op <= WA_OP_I64_STORE32) {
        snprintf(buf, sizeof buf, "s%u", SL(2));
        store(g, op, SL(1), buf, U(3), U(4));
        return true;
    }
    if (op >= WA_OP_STORE8_IMM && op <= WA_OP_STORE64_IMM) {
        if (op == WA_OP_STORE64_IMM)
            snprintf(buf, sizeof buf, "(int64_t)(int32_t)%uu", U(2));
        else
            snprintf(buf, sizeof buf, "%uu", U(2));
        store(g, op, SL(1), buf, U(3), U(4));
        return true;
    }
    if (op >= WA_OP_JMP_I32_EQ && op <= WA_OP_JMP_I32_GE_U) {
        const char *const *c = k_cmp[op - WA_OP_JMP_I32_EQ];
        P("    if ((%s)s%u %s (%s)s%u)\n        goto L%u;\n", c[0], SL(1), c[1], c[0], SL(2), U(3));
        return true;
    }
    if (op >= WA_OP_JMP_I32_EQ_IMM && op <= WA_OP_JMP_I32_GE_U_IMM) {
        const char *const *c = k_cmp[op - WA_OP_JMP_I32_EQ_IMM];
        P("    if ((%s)s%u %s (%s)%uu)\n        goto L%u;\n", c[0], SL(1), c[1], c[0], U(2), U(3));
        return true;
    }
    if (op >= WA_OP_I32_EQ_IMM && op <= WA_OP_I32_GE_U_IMM) {
        const char *const *c = k_cmp[op - WA_OP_I32_EQ_IMM];
        P("    s%u = (%s)s%u %s (%s)%uu;\n", SL(1), c[0], SL(2), c[1], c[0], U(3));
        return true;
    }
    if (op >= WA_OP_JMP_I32_EQ_LOOP && op <= WA_OP_JMP_I32_GE_U_LOOP) {
        const char *const *c = k_cmp[op - WA_OP_JMP_I32_EQ_LOOP];
        P("    if ((%s)s%u %s (%s)s%u)\n", c[0], SL(1), c[1], c[0], SL(2));
        loop_edge(g, ops, U(3));
        return true;
    }
    if (op >= WA_OP_JMP_I32_EQ_IMM_LOOP && op <= WA_OP_JMP_I32_GE_U_IMM_LOOP) {
        const char *const *c = k_cmp[op - WA_OP_JMP_I32_EQ_IMM_LOOP];
        P("    if ((%s)s%u %s (%s)%uu)\n", c[0], SL(1), c[1], c[0], U(2));
        loop_edge(g, ops, U(3));
        return true;
    }
    if (op >= WA_OP_ADD_JMP_I32_EQ_LOOP && op <= WA_OP_ADD_JMP_I32_GE_U_IMM_LOOP) {
        uint32_t i = op - WA_OP_ADD_JMP_I32_EQ_LOOP;
        const char *const *c = k_cmp[i % 10];
        P("    s%u = (uint32_t)((uint32_t)s%u + %uu);\n", SL(1), SL(2), U(3));
        if (i < 10)
            P("    if ((%s)s%u %s (%s)s%u)\n", c[0], SL(1), c[1], c[0], SL(4));
        else
            P("    if ((%s)s%u %s (%s)%uu)\n", c[0], SL(1), c[1], c[0], U(4));
        loop_edge(g, ops, U(5));
        return true;
    }
    if (op >= WA_OP_I32_ADD_IMM && op <= WA_OP_I32_ROTR_IMM) {
        numeric(g, WA_OP_I32_ADD + (op - WA_OP_I32_ADD_IMM), SL(1), SL(2), 0, true, U(3));
        return true;
    }
    if (op >= WA_OP_I64_ADD_IMM && op <= WA_OP_I64_ROTR_IMM) {
        numeric(g, WA_OP_I64_ADD + (op - WA_OP_I64_ADD_IMM), SL(1), SL(2), 0, true,
                (uint64_t)(int64_t)(int32_t)U(3));
        return true;
    }
    switch (op) {
    case WA_OP_UNREACHABLE:
        P("    TRAP(%d);\n", WA_TRAP_UNREACHABLE);
        return true;
    case WA_OP_FUEL: /* the interrupt flag counts on entry and at back edges */
        P(pc == g->entry ? "    FUEL(%uu);\n" : "    CHARGE(%uu);\n", U(1));
        return true;
    case WA_OP_JMP:
        P("    goto L%u;\n", U(1));
        return true;
    case WA_OP_JMP_IF:
        P("    if ((uint32_t)s%u)\n        goto L%u;\n", SL(1), U(2));
        return true;
    case WA_OP_JMP_IFNOT:
        P("    if (!(uint32_t)s%u)\n        goto L%u;\n", SL(1), U(2));
        return true;
    case WA_OP_JMP_ANY:
        P("    if ((uint32_t)s%u & %uu)\n        goto L%u;\n", SL(1), U(2), U(3));
        return true;
    case WA_OP_JMP_NONE:
        P("    if (!((uint32_t)s%u & %uu))\n        goto L%u;\n", SL(1), U(2), U(3));
        return true;
    case WA_OP_JMP_LOOP:
        loop_edge(g, ops, U(1));
        return true;
    case WA_OP_JMP_IF_LOOP:
        P("    if ((uint32_t)s%u)\n", SL(1));
        loop_edge(g, ops, U(2));
        return true;
    case WA_OP_JMP_IFNOT_LOOP:
        P("    if (!(uint32_t)s%u)\n", SL(1));
        loop_edge(g, ops, U(2));
        return true;
    case WA_OP_BR_TABLE: {
        uint32_t n = U(2);
        P("    switch ((uint32_t)s%u) {\n", SL(1));
        for (uint32_t i = 0; i < n; i++)
            P("    case %u: goto L%u;\n", i, U(3 + i));
        P("    default: goto L%u;\n    }\n", U(3 + n));
        return true;
    }
    case WA_OP_RET: {
        if (has_direct(g, g->fidx)) {
            P(g->code->nresults ? "    return (wa_aot_r1){fuel, s0};\n" : "    return fuel;\n");
            return true;
        }
        for (uint32_t i = 0; i < g->code->nresults; i++)
            P("    fp[%u].i64 = s%u;\n", i, i);
        P("    return fuel;\n");
        return true;
    }
    case WA_OP_CALL: {
        uint32_t f = U(1), a = SL(2);
        const wa_functype *t = type_of_func(m, f);
        if (has_direct(g, f)) {
            call_direct(g, f, a);
            return true;
        }
        call_args(g, t, a);
        if (f < m->nfunc_imports) {
            P("    fuel = cx->rt->call(cx, inst, %u, %u, fp + %u, fuel, fr, 0);\n", g->fidx, f, a);
        } else {
            call_check(g, "    ", false);
            P("    fuel = f%u(cx, inst, fp + %u, fuel, fr + 1);\n", f, a);
        }
        call_results(g, t, a);
        call_end(g);
        return true;
    }
    case WA_OP_CALL_INDIRECT: {
        const wa_functype *t = &m->types[U(1)];
        uint32_t a = SL(3);
        /* A compiled callee of the expected type (the same type object:
         * this module's) is called directly, through its direct entry if
         * it has one (tried first: a load beside the type's); the rest
         * goes through rt.c. */
        P("    {\n        wa_aot_table *t = inst->tables[%u];\n        uint32_t i = "
          "(uint32_t)s%u;\n"
          "        wa_aot_func *c = i < t->size ? t->elems[i] : 0;\n",
          U(2), SL(4));
        if (param_slots(t) <= DIRECT_MAX_ARGS && result_slots(t) <= 1) {
            bool result = result_slots(t) != 0;
            P("        wa_aot_any d = c && c->type == &inst->module->types[%u] ? "
              "(wa_aot_any)c->direct : 0;\n        if (d) {\n",
              U(1));
            call_check(g, "            ", false);
            frame_args(g, t, a);
            P(result ? "            wa_aot_r1 r = ((wa_aot_r1(*)("
                     : "            fuel = ((int64_t(*)(");
            P("wa_aot_cx *, wa_aot_inst *, wa_val *, int64_t, wa_aot_frame *");
            for (uint32_t i = 0; i < reg_args(t); i++)
                P(", uint64_t");
            P("))d)(cx, c->inst, fp + %u, fuel, fr + 1", a);
            for (uint32_t i = 0; i < reg_args(t); i++)
                P(", s%u", a + i);
            P(result ? ");\n            fuel = r.fuel, s%u = r.r;\n        } else "
                     : ");\n        } else ",
              a);
        } else {
            P("        ");
        }
        P("if (c && c->type == &inst->module->types[%u] && c->native) {\n", U(1));
        call_check(g, "            ", false);
        call_args(g, t, a);
        P("            fuel = ((wa_aot_fn)c->native)(cx, c->inst, fp + %u, fuel, fr + 1);\n", a);
        call_results(g, t, a);
        P("        } else {\n");
        call_args(g, t, a);
        P("            fuel = cx->rt->call_indirect(cx, inst, %u, %u, %u, i, fp + %u, fuel, fr, "
          "0);\n",
          g->fidx, U(1), U(2), a);
        call_results(g, t, a);
        P("        }\n    }\n    if (fuel < 0)\n        return OUT(-1);\n    RELOAD();\n");
        return true;
    }
    case WA_OP_RETURN_CALL: {
        uint32_t f = U(1);
        tail_args(g, type_of_func(m, f), SL(2));
        if (f < m->nfunc_imports)
            P("    cx->pending = inst->funcs[%u];\n    cx->pending_func = %u;\n"
              "    return cx->rt->other(cx, inst, fp, fuel, fr);\n",
              f, g->fidx);
        else
            P("    return f%u(cx, inst, fp, fuel, fr);\n", f);
        return true;
    }
    case WA_OP_RETURN_CALL_INDIRECT:
        tail_args(g, &m->types[U(1)], SL(3));
        P("    {\n        wa_aot_fn fn = cx->rt->target(cx, inst, %u, %u, %u, (uint32_t)s%u, fuel, "
          "fr);\n",
          g->fidx, U(1), U(2), SL(4));
        P("        if (!fn)\n            return -1;\n        return fn(cx, cx->to, fp, fuel, fr);\n"
          "    }\n");
        return true;
    case WA_OP_COPY:
        P("    s%u = s%u;\n", SL(1), SL(2));
        return true;
    case WA_OP_SELECT:
        P("    s%u = (uint32_t)s%u ? s%u : s%u;\n", SL(1), SL(4), SL(2), SL(3));
        return true;
    case WA_OP_CONST32:
        P("    s%u = %uu;\n", SL(1), U(2));
        return true;
    case WA_OP_CONST64:
        P("    s%u = 0x%llxull;\n", SL(1),
          (unsigned long long)U(2) | (unsigned long long)U(3) << 32);
        return true;
    case WA_OP_GLOBAL_GET:
        P("    s%u = inst->globals[%u]->val[0].i64;\n", SL(1), U(2));
        return true;
    case WA_OP_GLOBAL_SET:
        P("    inst->globals[%u]->val[0].i64 = s%u;\n", U(1), SL(2));
        return true;
    case WA_OP_REF_IS_NULL:
        P("    s%u = s%u == 0;\n", SL(1), SL(2));
        return true;
    case WA_OP_REF_FUNC:
        P("    s%u = (uint64_t)(uintptr_t)inst->funcs[%u];\n", SL(1), U(2));
        return true;
    case WA_OP_F64_MUL_ADD:
    case WA_OP_F64_MUL_SUB:
    case WA_OP_F64_SUB_MUL:
        P("    {\n        wa_val a, b, c, r;\n        a.i64 = s%u, b.i64 = s%u, c.i64 = s%u;\n",
          SL(2), SL(3), SL(4));
        P("        double p = a.f64 * b.f64;\n        r.f64 = %s;\n        s%u = r.i64;\n    }\n",
          op == WA_OP_F64_MUL_ADD   ? "p + c.f64"
          : op == WA_OP_F64_MUL_SUB ? "p - c.f64"
                                    : "c.f64 - p",
          SL(1));
        return true;
    case WA_OP_I32_SHL_SHR_OR:
        P("    s%u = (uint32_t)((uint32_t)s%u << %u) | ((uint32_t)s%u >> %u);\n", SL(1), SL(2),
          U(3) & 31, SL(4), U(5) & 31);
        return true;
    case WA_OP_I32_SHR_SHL_OR:
        P("    s%u = ((uint32_t)s%u >> %u) | (uint32_t)((uint32_t)s%u << %u);\n", SL(1), SL(2),
          U(3) & 31, SL(4), U(5) & 31);
        return true;
    case WA_OP_F64_MEM_ADD:
    case WA_OP_F64_MEM_SUB:
    case WA_OP_F64_MEM_MUL_ADD:
    case WA_OP_F64_MEM_SUB_MUL: {
        static const char *const exprs[] = {"m + x.f64", "m - x.f64", "x.f64 * y.f64 + m",
                                            "m - x.f64 * y.f64"};
        P("    {\n");
        address(g, SL(1), U(3), U(4), 8);
        P("        wa_val x, y;\n        x.i64 = s%u;\n", SL(2));
        if (op >= WA_OP_F64_MEM_MUL_ADD)
            P("        y.i64 = s%u;\n", SL(5));
        else
            P("        y.i64 = 0;\n");
        P("        (void)y;\n        double m;\n        memcpy(&m, mem + ea, 8);\n");
        P("        m = %s;\n        memcpy(mem + ea, &m, 8);\n    }\n",
          exprs[op - WA_OP_F64_MEM_ADD]);
        return true;
    }
    case WA_OP_MOVE8:
    case WA_OP_MOVE16:
    case WA_OP_MOVE32:
    case WA_OP_MOVE64: {
        uint32_t n = 1u << (op - WA_OP_MOVE8);
        P("    {\n");
        address_as(g, "from", SL(2), U(5), U(6), n);
        address_as(g, "to", SL(1), U(3), U(4), n);
        P("        uint8_t v[8];\n        memcpy(v, mem + from, %u);\n        memcpy(mem + to, v, "
          "%u);\n    }\n",
          n, n);
        return true;
    }
    case WA_OP_STORE_SHL_SHR_OR:
    case WA_OP_STORE_SHR_SHL_OR: {
        bool shl_first = op == WA_OP_STORE_SHL_SHR_OR;
        snprintf(buf, sizeof buf, "((uint32_t)s%u %s %u) | ((uint32_t)s%u %s %u)", SL(2),
                 shl_first ? "<<" : ">>", U(5) & 31, SL(6), shl_first ? ">>" : "<<", U(7) & 31);
        store(g, WA_OP_I32_STORE, SL(1), buf, U(3), U(4));
        return true;
    }
    case WA_OP_I32_ADD_SHL:
        P("    s%u = (uint32_t)((uint32_t)s%u + ((uint32_t)s%u << %u));\n", SL(1), SL(2), SL(3),
          U(4) & 31);
        return true;
    case WA_OP_COPY128:
        P("    s%u = s%u, s%u = s%u;\n", SL(1), SL(2), SL(1) + 1, SL(2) + 1);
        return true;
    case WA_OP_SELECT128:
        P("    if ((uint32_t)s%u)\n        s%u = s%u, s%u = s%u;\n    else\n"
          "        s%u = s%u, s%u = s%u;\n",
          SL(4), SL(1), SL(2), SL(1) + 1, SL(2) + 1, SL(1), SL(3), SL(1) + 1, SL(3) + 1);
        return true;
    case WA_OP_GLOBAL_GET128:
        P("    s%u = inst->globals[%u]->val[0].i64, s%u = inst->globals[%u]->val[1].i64;\n", SL(1),
          U(2), SL(1) + 1, U(2));
        return true;
    case WA_OP_GLOBAL_SET128:
        P("    inst->globals[%u]->val[0].i64 = s%u, inst->globals[%u]->val[1].i64 = s%u;\n", U(1),
          SL(2), U(1), SL(2) + 1);
        return true;
    case WA_OP_MEMORY_SIZE:
        g->uses_mem = true;
        P("    s%u = msize >> 16;\n", SL(1));
        return true;
    case WA_OP_MEMORY_FILL: /* d v n, checked as a whole before anything is written */
        g->uses_mem = true;
        P("    {\n        uint32_t d = (uint32_t)s%u, n = (uint32_t)s%u;\n", SL(1), SL(3));
        P("        if ((uint64_t)d + n > msize)\n            TRAP(%d);\n", WA_TRAP_MEM_OOB);
        P("        if (n)\n            memset(mem + d, (int)(uint8_t)s%u, n);\n    }\n", SL(2));
        return true;
    case WA_OP_MEMORY_COPY: /* d s n */
        g->uses_mem = true;
        P("    {\n        uint32_t d = (uint32_t)s%u, s = (uint32_t)s%u, n = (uint32_t)s%u;\n",
          SL(1), SL(2), SL(3));
        P("        if ((uint64_t)d + n > msize || (uint64_t)s + n > msize)\n            "
          "TRAP(%d);\n",
          WA_TRAP_MEM_OOB);
        P("        if (n)\n            memmove(mem + d, mem + s, n);\n    }\n");
        return true;
    default:
        return scalar_snippet(op) ? snippet(g, op, ops, pc) : op_simd(g, op, ops, pc);
    }
}

/* A bundle's first instruction (code.h: WA_BUNDLE_OPS). */
static uint32_t bundle_first(uint32_t op)
{
    switch (op) {
    case WA_OP_I32_ADD2:
        return WA_OP_I32_ADD;
    case WA_OP_LOAD_STORE_SHL_SHR_OR:
    case WA_OP_LOAD_STORE_SHR_SHL_OR:
        return WA_OP_I32_LOAD;
    case WA_OP_ADD_SHL_LOAD:
    case WA_OP_ADD_SHL_STORE:
        return WA_OP_I32_ADD_SHL;
    case WA_OP_COPY_JMP_LOOP:
        return WA_OP_COPY;
    default:
        return WA_OP_I32_ADD_IMM;
    }
}

/* An op's gen_halves: a bundle is two instructions, anything else one. */
uint32_t gen_halves(uint32_t op, const uint32_t *ops, uint32_t pc, uint32_t half[2][2])
{
    half[0][0] = op, half[0][1] = pc;
    if (op < WA_OP_BUNDLE_FIRST)
        return 1;
    uint32_t split = WA_BUNDLE_SPLIT(op);
    uint32_t second = ops[pc + split]; /* a raw opcode: bundling kept it */
    if (op >= WA_OP_ADD2_JMP_I32_EQ_LOOP && op <= WA_OP_ADD2_JMP_I32_GE_U_IMM_LOOP)
        second = WA_OP_ADD_JMP_I32_EQ_LOOP + (op - WA_OP_ADD2_JMP_I32_EQ_LOOP);
    else if (op == WA_OP_COPY_JMP_LOOP)
        second = WA_OP_JMP_LOOP;
    else if (op == WA_OP_LOAD_STORE_SHL_SHR_OR)
        second = WA_OP_STORE_SHL_SHR_OR;
    else if (op == WA_OP_LOAD_STORE_SHR_SHL_OR)
        second = WA_OP_STORE_SHR_SHL_OR;
    else if (op == WA_OP_ADD_SHL_LOAD || op == WA_OP_ADD_IMM_LOAD)
        second = WA_OP_I32_LOAD;
    else if (op == WA_OP_ADD_SHL_STORE)
        second = WA_OP_I32_STORE;
    else if (op == WA_OP_ADD_IMM_LOAD8_U)
        second = WA_OP_I32_LOAD8_U;
    else if (op == WA_OP_I32_ADD2)
        second = WA_OP_I32_ADD;
    else
        second = WA_OP_I32_ADD_IMM;
    half[0][0] = bundle_first(op);
    half[1][0] = second, half[1][1] = pc + split;
    return 2;
}

/* Ops after which a block of the planner ends: msize may change (calls,
 * snippets, memory.grow) or the code goes elsewhere for good. */
bool gen_ends_block(uint32_t op)
{
    switch (op) {
    case WA_OP_CALL:
    case WA_OP_CALL_INDIRECT:
    case WA_OP_RETURN_CALL:
    case WA_OP_RETURN_CALL_INDIRECT:
    case WA_OP_RET:
    case WA_OP_UNREACHABLE:
    case WA_OP_JMP:
    case WA_OP_JMP_LOOP:
    case WA_OP_BR_TABLE:
        return true;
    default:
        return scalar_snippet(op) || (simd_kind(op) == K_SNIPPET && op != WA_OP_V_V128_LOAD &&
                                      op != WA_OP_V_V128_STORE && op != WA_OP_V_V128_CONST);
    }
}

/* What one instruction tells the planner: its memory accesses in the order
 * gen_op checks them, then the slots it writes. Every op not known to write
 * nothing is taken to write its first operand (and the slot after, for a
 * v128): more than it writes costs only checks. */
void gen_describe(gen *g, uint32_t op, const uint32_t *ops, uint32_t pc)
{
    wa_bounds *b = g->bounds;
    uint32_t id = 2 * pc;
    if (k_load[op].type && k_load[op].expr) {
        wa_bounds_access(b, id, SL(2), U(3), U(4), k_load[op].bytes);
    } else if ((op >= WA_OP_I32_STORE && op <= WA_OP_I64_STORE32) ||
               (op >= WA_OP_STORE8_IMM && op <= WA_OP_STORE64_IMM)) {
        wa_bounds_access(b, id, SL(1), U(3), U(4), k_load[op].bytes);
        return;
    }
    switch (op) {
    case WA_OP_F64_MEM_ADD:
    case WA_OP_F64_MEM_SUB:
    case WA_OP_F64_MEM_MUL_ADD:
    case WA_OP_F64_MEM_SUB_MUL:
        wa_bounds_access(b, id, SL(1), U(3), U(4), 8);
        return;
    case WA_OP_MOVE8:
    case WA_OP_MOVE16:
    case WA_OP_MOVE32:
    case WA_OP_MOVE64:
        wa_bounds_access(b, id, SL(2), U(5), U(6), 1u << (op - WA_OP_MOVE8));
        wa_bounds_access(b, id + 1, SL(1), U(3), U(4), 1u << (op - WA_OP_MOVE8));
        return;
    case WA_OP_STORE_SHL_SHR_OR:
    case WA_OP_STORE_SHR_SHL_OR:
        wa_bounds_access(b, id, SL(1), U(3), U(4), 4);
        return;
    case WA_OP_V_V128_LOAD:
        wa_bounds_access(b, id, SL(2), U(3), U(4), 16);
        break;
    case WA_OP_V_V128_STORE:
        wa_bounds_access(b, id, SL(1), U(3), U(4), 16);
        return;
    case WA_OP_FUEL:
    case WA_OP_GLOBAL_SET:
    case WA_OP_GLOBAL_SET128:
    case WA_OP_MEMORY_FILL:
    case WA_OP_MEMORY_COPY:
        return;
    default:
        break;
    }
    if (wa_op_len[op] > 1) {
        wa_bounds_write(b, SL(1));
        wa_bounds_write(b, SL(1) + 1);
    }
}
