/*
 * translator_test.c: runs tests/wasm/translator.wat (built with wat2wasm)
 * and checks each export's results: paths of the translator's
 * optimizations that the spec suite does not reach.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"

typedef struct tcase {
    const char *name;
    uint32_t nargs;
    uint64_t args[3];
    uint32_t nresults;
    uint64_t results[3];
} tcase;

static const tcase k_cases[] = {
    {"br_if_swap", 2, {5, 0}, 2, {0, 5}},
    {"br_if_swap", 2, {5, 1}, 2, {1, 5}},
    {"br_table_swap", 3, {5, 7, 1}, 2, {7, 5}},
    {"br_table_swap", 3, {5, 7, 0}, 2, {7, 5}},
    {"get_then_set", 1, {10}, 1, {3}},
    {"fold_address", 1, {100}, 1, {100}},
    {"mul_sub", 0, {0}, 1, {0x3c90000000000000ull}}, /* 0.1*3 - 0.3 = 2^-54 */
    {"fused_branch", 2, {1, 2}, 1, {1}},
    {"fused_branch", 2, {2, 1}, 1, {2}},
    {"shift_merge", 2, {0x11223344, 0xaabbccdd}, 3, {0x223344aa, 0xdd112233, 0x22334411}},
    /* 3.0 * 4.0 + 0.0 = 12.0, 3.0 * 4.0 + 1.0 = 13.0, as f64 bits */
    {"mul_cut",
     2,
     {0x4008000000000000ull, 0x4010000000000000ull},
     2,
     {0x4028000000000000ull, 0x402a000000000000ull}},
};

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *bytes = argc == 2 ? read_file(argv[1], &len) : NULL;
    if (!bytes) {
        fprintf(stderr, "usage: translator_test translator.wasm\n");
        return 2;
    }
    wa_error err;
    wa_module *m = wa_module_load(bytes, len, &err);
    wa_instance *inst = m ? wa_instantiate(m, NULL, 0, NULL, &err) : NULL;
    free(bytes);
    if (!inst) {
        fprintf(stderr, "translator_test: %s\n", err.msg);
        wa_module_free(m);
        return 1;
    }
    int failed = 0;
    for (size_t i = 0; i < sizeof k_cases / sizeof *k_cases; i++) {
        const tcase *t = &k_cases[i];
        wa_extern e;
        wa_val args[3] = {{0}}, res[3] = {{0}};
        for (uint32_t k = 0; k < t->nargs; k++)
            args[k].i64 = t->args[k];
        if (!wa_instance_export(inst, t->name, strlen(t->name), &e) ||
            wa_call(inst, e.u.func, args, res) != WA_TRAP_NONE) {
            printf("FAIL %s: missing or trapped\n", t->name);
            failed++;
            continue;
        }
        const wa_functype *ft = wa_func_type(e.u.func);
        for (uint32_t k = 0; k < t->nresults; k++) {
            bool is32 = ft->types[ft->nparams + k] == WA_I32;
            uint64_t got = is32 ? res[k].i32 : res[k].i64;
            if (got != t->results[k]) {
                printf("FAIL %s case %zu: result %u is %llu, expected %llu\n", t->name, i, k,
                       (unsigned long long)got, (unsigned long long)t->results[k]);
                failed++;
            }
        }
    }
    wa_instance_free(inst);
    wa_module_free(m);
    printf("%s: %zu cases, %d failed\n", argv[0], sizeof k_cases / sizeof *k_cases, failed);
    return failed != 0;
}
