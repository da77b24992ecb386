/*
 * dump.c: prints internal code, one instruction a line, for debugging and
 * for reading what the translator made of a function (`wactor inspect
 * --code`, and by hand when tuning the interpreter).
 */
#include <stdio.h>

#include "code.h"

static const char *const k_names[WA_OP_COUNT_] = {
#define WA_X(name, len) #name,
#define WA_U(name) #name,
#define WA_SIMD_CODE_Y(name, len) #name,
    WA_CONTROL_OPS(WA_X) WA_NUMERIC_OPS(WA_U, WA_U) WA_FUSED_OPS(WA_U) WA_MEM_FUSED_OPS(WA_X)
        WA_BRANCH_OPS(WA_X) WA_V128_OPS(WA_X) WA_SIMD_OPS(WA_SIMD_CODE_X) WA_BUNDLE_OPS(WA_X)
#undef WA_SIMD_CODE_Y
#undef WA_X
#undef WA_U
};

/* The arithmetic SIMD ops share a handler per kind, so the threaded code
 * cannot tell them apart: their last operand, the function, names them. */
#define ARITH_UN 1
#define ARITH_BIN 1
#define ARITH_TERN 1
#define ARITH_TEST 1
#define ARITH_SHIFT 1
#define ARITH_CONST 0
#define ARITH_SHUFFLE 0
#define ARITH_SPLAT 0
#define ARITH_EXTRACT 0
#define ARITH_REPLACE 0
#define ARITH_LOAD 0
#define ARITH_STORE 0
#define ARITH_LOAD_LANE 0
#define ARITH_STORE_LANE 0
#define ARITH(kind, upper, lower, opcode, type, n) ARITH_##kind,
static const uint8_t k_arith[] = {WA_SIMD_OPS(ARITH)};
#undef ARITH

void wa_code_dump(const wa_code *code, FILE *out)
{
    fprintf(out, "  params %u, results %u, locals %u, frame %u slots, %u units\n", code->nparams,
            code->nresults, code->nlocals, code->frame_size, code->nops);
    for (uint32_t pc = 0; pc < code->nops;) {
        uint32_t op = wa_interp_opcode(code->ops[pc]);
        if (op >= WA_OP_COUNT_) {
            fprintf(out, "  %5u: ??? %u\n", pc, op);
            return;
        }
        uint32_t len = wa_op_len[op];
        uint32_t simd = op - WA_OP_V_V128_LOAD;
        if (simd < sizeof k_arith && k_arith[simd] && pc + len <= code->nops &&
            code->ops[pc + len - 1] < sizeof k_arith)
            op = WA_OP_V_V128_LOAD + code->ops[pc + len - 1];
        if (op == WA_OP_BR_TABLE && pc + 2 < code->nops)
            len += code->ops[pc + 2] + 1;
        fprintf(out, "  %5u: %-20s", pc, k_names[op]);
        /* A bundle: its second instruction's opcode, never threaded, is after
         * the first's operands. */
        uint32_t second = op >= WA_OP_BUNDLE_FIRST ? WA_BUNDLE_SPLIT(op) : len;
        for (uint32_t i = 1; i < len && pc + i < code->nops; i++) {
            uint32_t u = code->ops[pc + i];
            if (i == second && u < WA_OP_COUNT_)
                fprintf(out, " | %s", k_names[u]);
            else
                fprintf(out, " %u", u);
        }
        fputc('\n', out);
        pc += len;
    }
}
