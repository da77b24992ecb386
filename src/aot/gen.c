/*
 * gen.c: a translated module to C (docs/AOT.md).
 *
 * The C is written from the interpreter's internal code (code.h), not from
 * the WebAssembly bytes: the translator has already validated the function,
 * placed every FUEL op with its cost and given every value a slot, so the
 * compiled function charges fuel at the same points, traps at the same
 * instructions and leaves the same frame layout as the interpreter. Each
 * slot becomes a C local (uint64_t s<n>); each op becomes a few lines over
 * them; a branch target gets a label. The numeric ops print numeric.h's
 * expressions, the very text the interpreter compiles.
 *
 * What is rare or large (table and bulk-memory instructions, the SIMD
 * instructions that move lanes or touch memory) is not compiled: the
 * function spills the op's operands to its frame and has the interpreter
 * run that one instruction (a snippet, rt.c: step). Calls to imports and
 * call_indirect go through rt.c too; calls between the module's own
 * functions are direct C calls.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

extern const unsigned char wa_aot_text_abi_h[], wa_aot_text_numeric_h[];

static int cmp_pair(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* How many times function f calls itself; UINT32_MAX if it makes a tail
 * call (or its code holds an op the printer does not know). */
static uint32_t self_calls(const gen *g, uint32_t f)
{
    const wa_code *code = g->m->funcs[f].code;
    uint32_t n = 0;
    for (uint32_t pc = 0; pc < code->nops;) {
        uint32_t op = gen_op_at(g, code->ops, pc);
        if (op == WA_OP_COUNT_ || op == WA_OP_RETURN_CALL || op == WA_OP_RETURN_CALL_INDIRECT)
            return UINT32_MAX;
        n += op == WA_OP_CALL && code->ops[pc + 1] == f;
        pc += gen_len_at(op, code->ops, pc);
    }
    return n;
}

/* fn_d's parameters after the frame entry's, and its return type. */
static void direct_signature(gen *g, uint32_t f, const char *qualifiers, const char *suffix)
{
    const wa_functype *t = type_of_func(g->m, f);
    P("%s %s f%u%s(wa_aot_cx *cx, wa_aot_inst *inst, wa_val *fp, int64_t fuel, wa_aot_frame *fr",
      qualifiers, result_slots(t) ? "wa_aot_r1" : "int64_t", f, suffix);
    for (uint32_t i = 0; i < reg_args(t); i++)
        P(", uint64_t a%u", i);
    P(strcmp(suffix, "_d") != 0 ? ", uintptr_t fl)" : ")"); /* an inlined copy: its caller's */
}

/* The planner's walk of the function (bounds.h). */
static bool plan(gen *g)
{
    const uint32_t *ops = g->code->ops;
    if (!wa_bounds_start(g->bounds, g->code->nops))
        return false;
    for (uint32_t pc = 0; pc < g->code->nops;) {
        uint32_t op = gen_op_at(g, ops, pc), half[2][2];
        if (g->target[pc] || gen_ends_block(op))
            wa_bounds_block(g->bounds);
        wa_bounds_op(g->bounds, pc);
        uint32_t n = gen_halves(op, ops, pc, half);
        for (uint32_t i = 0; i < n; i++)
            gen_describe(g, half[i][0], ops, half[i][1]);
        if (gen_ends_block(op))
            wa_bounds_block(g->bounds);
        pc += gen_len_at(op, ops, pc);
    }
    return wa_bounds_plan(g->bounds);
}

/* One op (a bundle's gen_halves one by one). */
static bool emit_op(gen *g, const uint32_t *ops, uint32_t pc)
{
    uint32_t half[2][2], n = gen_halves(gen_op_at(g, ops, pc), ops, pc, half);
    bool ok = true;
    for (uint32_t i = 0; i < n && ok; i++) {
        g->at_pc = half[i][1];
        g->at_access = 0;
        ok = gen_op(g, half[i][0], ops, half[i][1]);
    }
    return ok;
}

/* A region (bounds.h): its checks, the slow copy with every check when
 * one fails, else the fast copy. */
static bool emit_region(gen *g, const uint32_t *ops, uint32_t pc, uint32_t resume,
                        const wa_bounds_check *checks, uint32_t nchecks)
{
    P("    if (__builtin_expect(");
    for (uint32_t i = 0; i < nchecks; i++) {
        const wa_bounds_check *c = &checks[i];
        if (i)
            P(" ||\n                         ");
        if (c->lo)
            P("(uint32_t)s%u < %uu || ", c->slot, c->lo);
        P("(uint64_t)(uint32_t)s%u %c %lluull > msize", c->slot, c->end < 0 ? '-' : '+',
          (unsigned long long)(c->end < 0 ? -c->end : c->end));
    }
    P(", 0)) {\n");
    bool ok = true;
    for (int fast = 0; fast < 2 && ok; fast++) {
        g->fast = fast;
        if (fast)
            P("    } else {\n");
        for (uint32_t p = pc; p < resume && ok; p += gen_len_at(gen_op_at(g, ops, p), ops, p))
            ok = emit_op(g, ops, p);
    }
    g->fast = false;
    P("    }\n");
    return ok;
}

/* Where a region's two copies end: at the planner's resume, or past the
 * loop back edge that follows within TAIL_OPS ops of the same block (no
 * label, no other region, nothing that ends the block on the way). With
 * the back edge in both copies the fast copy is a loop of its own, with no
 * join in its body where the C compiler must agree on a register for each
 * value: matmul's inner loop loaded a double into a general register and
 * moved it to SSE after such a join. The ops on the way have no hoisted
 * access (the region's last one is before resume, and no other region
 * starts there), so they are the same in both copies. */
#define TAIL_OPS 8

static uint32_t region_end(const gen *g, uint32_t start, uint32_t resume)
{
    const uint32_t *ops = g->code->ops;
    uint32_t pc = resume;
    for (uint32_t i = 0; i < TAIL_OPS && pc < g->code->nops; i++) {
        uint32_t op = gen_op_at(g, ops, pc), first, r, n;
        const wa_bounds_check *checks;
        if (op == WA_OP_COUNT_ || g->target[pc] || gen_ends_block(op) ||
            wa_bounds_region(g->bounds, pc, &r, &checks, &n))
            return resume;
        uint32_t targets = gen_targets_of(op, ops, pc, &first), next = pc + gen_len_at(op, ops, pc);
        if (targets) /* a back edge goes to a loop's head, at or before start */
            return targets == 1 && ops[pc + first] <= start ? next : resume;
        pc = next;
    }
    return resume;
}

/* The ops from pc to end, regions as such; branch targets get labels. */
static bool emit_range(gen *g, uint32_t pc, uint32_t end, bool labels)
{
    const uint32_t *ops = g->code->ops;
    bool ok = true;
    while (pc < end && ok) {
        uint32_t op = gen_op_at(g, ops, pc), n = gen_len_at(op, ops, pc), resume, nchecks;
        const wa_bounds_check *checks;
        if (labels && g->target[pc])
            P("L%u:;\n", pc);
        if (wa_bounds_region(g->bounds, pc, &resume, &checks, &nchecks)) {
            resume = region_end(g, pc, resume);
            ok = emit_region(g, ops, pc, resume, checks, nchecks);
            n = resume - pc;
        } else {
            ok = emit_op(g, ops, pc);
        }
        pc += n;
    }
    return ok;
}

/* A loop whose head is a dispatch, a few straight-line ops ending in a
 * br_table (an interpreter's loop: fetch, then jump by the opcode), has
 * the head copied to each back edge instead of a jump to it, as threaded
 * interpreters copy their dispatch: each copy is an indirect jump of its
 * own, which the processor predicts from the op it follows, where the
 * C compiler makes one shared jump of a switch. The copy runs the same
 * ops on the same slots after the same FUEL charge, so nothing else
 * changes; the head holds no branch target, call, snippet or other
 * branch, so a copy is the head's own block (the bounds planner's facts
 * hold in it). Bounded: a head of HEAD_MAX_OPS ops at most, a br_table of
 * HEAD_MAX_CASES, and HEAD_BUDGET code units copied per function. */
#define HEAD_MAX_OPS 8
#define HEAD_MAX_CASES 256
#define HEAD_BUDGET 8192

/* The pc after loop head t's br_table if t is a dispatch, else 0. */
static uint32_t dispatch_end(const gen *g, uint32_t t)
{
    const uint32_t *ops = g->code->ops;
    uint32_t pc = t;
    for (uint32_t i = 0; i < HEAD_MAX_OPS && pc < g->code->nops; i++) {
        uint32_t op = gen_op_at(g, ops, pc), first;
        if (op == WA_OP_COUNT_ || (pc != t && g->target[pc]))
            return 0;
        if (op == WA_OP_BR_TABLE)
            return ops[pc + 2] <= HEAD_MAX_CASES ? pc + gen_len_at(op, ops, pc) : 0;
        if (gen_ends_block(op) || gen_targets_of(op, ops, pc, &first))
            return 0;
        pc += gen_len_at(op, ops, pc);
    }
    return 0;
}

bool gen_loop_head(gen *g, uint32_t t)
{
    if (!g->head || t >= g->code->nops)
        return false;
    if (!g->head[t]) {
        uint32_t end = dispatch_end(g, t);
        g->head[t] = end ? 2 + end : 1;
    }
    if (g->head[t] == 1)
        return false;
    uint32_t end = g->head[t] - 2;
    if (g->copied + (end - t) > HEAD_BUDGET)
        return false;
    g->copied += end - t;
    /* a back edge may sit in a region's fast copy: the head is no part of it */
    bool fast = g->fast;
    uint32_t at_pc = g->at_pc, at_access = g->at_access;
    g->fast = false;
    if (!emit_range(g, t, end, false))
        g->broken = true;
    g->fast = fast;
    g->at_pc = at_pc;
    g->at_access = at_access;
    return true;
}

/* The body of the function being printed, into *text (malloc'd). */
static bool body(gen *g, char **text)
{
    const wa_code *code = g->code;
    FILE *out = g->out;
    size_t len = 0;
    *text = NULL;
    g->out = open_memstream(text, &len);
    if (!g->out) {
        g->out = out;
        return false;
    }
    g->copied = 0;
    g->broken = false;
    bool ok = emit_range(g, 0, code->nops, true) && !g->broken;
    ok = fclose(g->out) == 0 && ok;
    g->out = out;
    if (!ok) {
        free(*text);
        *text = NULL;
    }
    return ok;
}

/* A C function of the body: its locals, the check of its frame (on the
 * value stack and the C stack; only past cx->fast_limit, abi.h), the body
 * and the exit for fuel stops. The parameters come from the frame or from
 * C arguments; an inlined copy takes fl as one too. */
static void c_function(gen *g, const char *text, uint32_t nargs, bool copy)
{
    const wa_code *code = g->code;
    P("\n{\n");
    for (uint32_t s = 0; s < code->frame_size; s++) {
        if (s < code->nparams)
            P(s < nargs ? "    uint64_t s%u = a%u;\n" : "    uint64_t s%u = fp[%u].i64;\n", s, s);
        else
            P("    uint64_t s%u = 0;\n", s);
    }
    if (g->uses_mem)
        P("    uint8_t *mem = inst->mem0->data;\n    uint64_t msize = inst->mem0->size;\n");
    if (!copy && strcmp(g->fl, "fl") == 0)
        P("    const uintptr_t fl = cx->fast_limit;\n");
    P("    if (__builtin_expect((uintptr_t)fr > %s, 0) &&\n"
      "        ((size_t)(cx->stack_end - fp) < %uu || STACK_POINTER() < cx->c_stack_floor))\n"
      "        TRAP(%d);\n",
      g->fl, code->frame_size, WA_TRAP_STACK_EXHAUSTED);
    fputs(text, g->out);
    P("stop_:\n    return OUT(cx->rt->stop(cx, inst, FIDX, fuel, fr));\n}\n");
}

static bool function(gen *g, uint32_t fidx)
{
    const wa_code *code = g->m->funcs[fidx].code;
    const uint32_t *ops = code->ops;
    g->fidx = fidx;
    g->code = code;
    free(g->target);
    free(g->head);
    g->target = calloc(code->nops + 1, 1);
    g->head = calloc(code->nops + 1, sizeof *g->head); /* without it, no copies */
    if (!g->target)
        return false;
    for (uint32_t pc = 0; pc < code->nops;) {
        uint32_t op = gen_op_at(g, ops, pc), first, n;
        if (op == WA_OP_COUNT_)
            return false;
        n = gen_targets_of(op, ops, pc, &first);
        for (uint32_t i = 0; i < n; i++)
            if (ops[pc + first + i] <= code->nops)
                g->target[ops[pc + first + i]] = 1;
        pc += gen_len_at(op, ops, pc);
    }
    g->entry = UINT32_MAX;
    for (uint32_t pc = 0; pc < code->nops && g->entry == UINT32_MAX;) {
        uint32_t op = gen_op_at(g, ops, pc);
        if (op == WA_OP_FUEL)
            g->entry = pc;
        pc += gen_len_at(op, ops, pc);
    }
    /* Without memory for the plan, every check stays. */
    (void)plan(g);
    bool direct = has_direct(g, fidx);
    uint32_t calls = direct ? self_calls(g, fidx) : 0;
    uint32_t copies = calls && calls <= CLONE_MAX_CALLS && code->nops <= CLONE_MAX_UNITS
                          ? CLONE_COPIES + 1 - calls
                          : 0;
    /* The bodies go to memory first: the head depends on what they use.
     * text[0] is fn_d's, text[i] fn_ci's; each calls itself as the next. */
    char *text[1 + CLONE_COPIES] = {0}, name[1 + CLONE_COPIES][8];
    g->fl = copies ? "fl" : "cx->fast_limit";
    for (uint32_t i = 0; i <= copies; i++)
        snprintf(name[i], sizeof name[i], i ? "_c%u" : "_d", i);
    g->uses_mem = false;
    bool ok = true;
    for (uint32_t i = 0; i <= copies && ok; i++) {
        g->self = name[i < copies ? i + 1 : 0];
        ok = body(g, &text[i]);
    }
    g->self = "_d";
    if (ok) {
        const wa_functype *t = type_of_func(g->m, fidx);
        bool result = result_slots(t) != 0;
        P("\n#define FIDX %u\n#define SELF ((void *)(uintptr_t)%uu)\n", fidx, 2 * fidx + 1);
        if (g->uses_mem)
            P("#define RELOAD() (mem = inst->mem0->data, msize = inst->mem0->size)\n");
        else
            P("#define RELOAD() ((void)0)\n");
        P(direct && result ? "#define OUT(x) ((wa_aot_r1){(x), 0})\n" : "#define OUT(x) (x)\n");
        for (uint32_t i = copies; i > 0; i--) {
            direct_signature(g, fidx, "static inline __attribute__((always_inline))", name[i]);
            c_function(g, text[i], reg_args(t), true);
        }
        if (direct) {
            direct_signature(g, fidx, "static", "_d");
            c_function(g, text[0], reg_args(t), false);
            /* the frame entry */
            P("static int64_t f%u(wa_aot_cx *cx, wa_aot_inst *inst, wa_val *fp, int64_t fuel, "
              "wa_aot_frame *fr)\n{\n    %sf%u_d(cx, inst, fp, fuel, fr",
              fidx, result ? "wa_aot_r1 r = " : "return ", fidx);
            for (uint32_t i = 0; i < reg_args(t); i++)
                P(", fp[%u].i64", i);
            P(result ? ");\n    fp[0].i64 = r.r;\n    return r.fuel;\n}\n" : ");\n}\n");
        } else {
            P("static int64_t f%u(wa_aot_cx *cx, wa_aot_inst *inst, wa_val *fp, int64_t fuel, "
              "wa_aot_frame *fr)",
              fidx);
            c_function(g, text[0], 0, false);
        }
        P("#undef FIDX\n#undef SELF\n#undef RELOAD\n#undef OUT\n");
    }
    for (uint32_t i = 0; i <= copies; i++)
        free(text[i]);
    return ok && !ferror(g->out);
}

static void put_text(FILE *out, const unsigned char *text)
{
    fputs((const char *)text, out);
    fputc('\n', out);
}

bool wa_aot_write_c(const wa_module *m, const wa_aot_stamp *stamp, FILE *out, wa_error *err)
{
    gen g0 = {.out = out, .m = m, .err = err}, *g = &g0;
    g->unit_op = malloc(2 * sizeof *g->unit_op * WA_OP_COUNT_);
    g->bounds = wa_bounds_new();
    if (!g->unit_op || !g->bounds) {
        free(g->unit_op);
        wa_bounds_free(g->bounds);
        return wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
    }
    for (uint32_t op = 0; op < WA_OP_COUNT_; op++) {
        g->unit_op[2 * op] = wa_interp_unit(op);
        g->unit_op[2 * op + 1] = op;
    }
    /* Sorted by (unit, op): among ops sharing a handler, the first op. */
    qsort(g->unit_op, WA_OP_COUNT_, 2 * sizeof *g->unit_op, cmp_pair);
    g->nunits = WA_OP_COUNT_;

    fprintf(out, "/* Generated by wactor %s for %s: do not edit. */\n", stamp->version,
            stamp->target);
    put_text(out, wa_aot_text_abi_h);
    put_text(out, wa_aot_text_numeric_h);
    /* A charge is a subtract and a branch (abi.h: ticks); every fuel stop
     * of a function leaves through one exit at its end, so the compiler is
     * free to copy the blocks around them (a switch's dispatch into each case's
     * end: 1.4x faster on an interpreter loop). Traps stay returns where
     * they happen: one shared exit for them measured slower. */
    fputs(
        "#define TRAP(k) return OUT(cx->rt->trap(cx, inst, FIDX, (k), fuel, fr))\n"
        "typedef struct wa_aot_r1 {\n    int64_t fuel;\n    uint64_t r;\n} wa_aot_r1;\n"
        "#define TICK(c, edge)                                                                \\\n"
        "    do {                                                                             \\\n"
        "        if (__builtin_expect((fuel -= (c)) < 0, 0) &&                                \\\n"
        "            (fuel = tick(cx, fuel, (edge))) < 0)                                     \\\n"
        "            goto stop_;                                                              \\\n"
        "    } while (0)\n"
        "#define FUEL(c) TICK((c), 1)\n"
        "#define CHARGE(c) TICK((c), 0)\n"
        "#define OOB(ea, n) __builtin_expect((ea) + (n) > msize, 0)\n"
        "static inline wa_v128 V(uint64_t lo, uint64_t hi)\n"
        "{\n    wa_v128 v;\n    v.u64[0] = lo, v.u64[1] = hi;\n    return v;\n}\n"
        /* the stack pointer without forcing a frame pointer */
        "#if defined(__x86_64__)\n"
        "#define STACK_POINTER() __extension__({ uintptr_t sp_; __asm__(\"mov %%rsp, %0\" : "
        "\"=r\"(sp_)); sp_; })\n"
        "#elif defined(__aarch64__)\n"
        "#define STACK_POINTER() __extension__({ uintptr_t sp_; __asm__(\"mov %0, sp\" : "
        "\"=r\"(sp_)); sp_; })\n"
        "#else\n#define STACK_POINTER() ((uintptr_t)__builtin_frame_address(0))\n#endif\n"
        /* artifact.c links it in (abi.h: c_frame) */
        "extern const uint32_t " WA_AOT_C_FRAME_SYMBOL ";\n\n",
        out);
    uint32_t first = m->nfunc_imports;
    g->direct = calloc(m->nfuncs - first + 1, 1);
    if (!g->direct) {
        free(g->unit_op);
        wa_bounds_free(g->bounds);
        return wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
    }
    for (uint32_t f = first; f < m->nfuncs; f++) {
        const wa_functype *t = type_of_func(m, f);
        g->direct[f - first] = param_slots(t) >= 1 && param_slots(t) <= DIRECT_MAX_ARGS &&
                               result_slots(t) <= 1 && self_calls(g, f) != UINT32_MAX;
        fprintf(out,
                "static int64_t f%u(wa_aot_cx *, wa_aot_inst *, wa_val *, int64_t, wa_aot_frame "
                "*);\n",
                f);
        if (g->direct[f - first]) {
            direct_signature(g, f, "static", "_d");
            P(";\n");
        }
    }
    bool ok = true;
    for (uint32_t f = first; f < m->nfuncs && ok; f++)
        ok = function(g, f);
    if (!ok) {
        free(g->unit_op);
        free(g->target);
        free(g->head);
        free(g->snippets);
        free(g->direct);
        wa_bounds_free(g->bounds);
        return err->msg[0] ? false
                           : wa_fail(err, WA_ERR_NOMEM, -1, 0,
                                     "cannot write the C of function %u (out of memory, a full "
                                     "disk or an op the generator does not know)",
                                     g->fidx);
    }
    fprintf(out, "\nstatic const wa_aot_fn funcs[] = {\n");
    for (uint32_t f = first; f < m->nfuncs; f++)
        fprintf(out, "    f%u,\n", f);
    if (first == m->nfuncs)
        fprintf(out, "    0,\n");
    fprintf(out, "};\nstatic const wa_aot_any directs[%u] = {\n", m->nfuncs - first + 1);
    for (uint32_t f = first; f < m->nfuncs; f++)
        if (g->direct[f - first])
            fprintf(out, "    (wa_aot_any)f%u_d,\n", f);
        else
            fprintf(out, "    0,\n");
    if (first == m->nfuncs)
        fprintf(out, "    0,\n");
    fprintf(out, "};\nstatic const uint32_t snippets[][2] = {\n");
    for (uint32_t i = 0; i < g->nsnippets; i++)
        fprintf(out, "    {%u, %u},\n", g->snippets[i][0], g->snippets[i][1]);
    if (!g->nsnippets)
        fprintf(out, "    {0, 0},\n");
    fprintf(out,
            "};\n__attribute__((visibility(\"default\"))) const wa_aot_descriptor "
            "wactor_aot_descriptor = {\n    .abi = %d,\n    .version = \"%s\",\n"
            "    .target = \"%s\",\n    .module_sha256 = {",
            WA_AOT_ABI, stamp->version, stamp->target);
    for (int i = 0; i < 32; i++)
        fprintf(out, "%s%u", i ? ", " : "", stamp->sha256[i]);
    fprintf(
        out,
        "},\n    .code_hash = 0x%llxull,\n    .nfuncs = %u,\n    .funcs = funcs,\n"
        "    .directs = directs,\n"
        "    .nsnippets = %u,\n    .snippets = snippets,\n    .c_frame = &" WA_AOT_C_FRAME_SYMBOL
        ",\n};\n",
        (unsigned long long)wa_aot_code_hash(m), m->nfuncs - first, g->nsnippets);
    free(g->unit_op);
    free(g->target);
    free(g->head);
    free(g->snippets);
    free(g->direct);
    wa_bounds_free(g->bounds);
    if (ferror(out))
        return wa_fail(err, WA_ERR_FILE, -1, 0, "cannot write the generated C");
    return true;
}
