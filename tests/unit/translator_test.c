/*
 * translator_test.c: runs tests/wasm/translator.wat (built with wat2wasm)
 * and checks each export's results, or its trap: paths of the translator's
 * optimizations that the spec suite does not reach. The cases run in order
 * on one instance, so a case may read what an earlier one left in memory.
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
    wa_trap trap; /* the trap expected, or WA_TRAP_NONE */
} tcase;

/* f64 bits */
#define F1_0 0x3ff0000000000000ull
#define F1_5 0x3ff8000000000000ull
#define F2_25 0x4002000000000000ull
#define F2_5 0x4004000000000000ull
#define F3_0 0x4008000000000000ull
#define F0_1 0x3fb999999999999aull
#define F0_3 0x3fd3333333333333ull
#define M(x) ((uint64_t)(uint32_t)(x)) /* an i32 argument */

static const tcase k_cases[] = {
    {"br_if_swap", 2, {5, 0}, 2, {0, 5}, WA_TRAP_NONE},
    {"br_if_swap", 2, {5, 1}, 2, {1, 5}, WA_TRAP_NONE},
    {"br_table_swap", 3, {5, 7, 1}, 2, {7, 5}, WA_TRAP_NONE},
    {"br_table_swap", 3, {5, 7, 0}, 2, {7, 5}, WA_TRAP_NONE},
    {"get_then_set", 1, {10}, 1, {3}, WA_TRAP_NONE},
    {"fold_address", 1, {100}, 1, {100}, WA_TRAP_NONE},
    {"mul_sub", 0, {0}, 1, {0x3c90000000000000ull}, WA_TRAP_NONE}, /* 0.1*3 - 0.3 = 2^-54 */
    {"fused_branch", 2, {1, 2}, 1, {1}, WA_TRAP_NONE},
    {"fused_branch", 2, {2, 1}, 1, {2}, WA_TRAP_NONE},
    {"shift_merge",
     2,
     {0x11223344, 0xaabbccdd},
     3,
     {0x223344aa, 0xdd112233, 0x22334411},
     WA_TRAP_NONE},
    /* 3.0 * 4.0 + 0.0 = 12.0, 3.0 * 4.0 + 1.0 = 13.0, as f64 bits */
    {"mul_cut",
     2,
     {0x4008000000000000ull, 0x4010000000000000ull},
     2,
     {0x4028000000000000ull, 0x402a000000000000ull},
     WA_TRAP_NONE},

    /* f64 read-modify-writes of the f64 at (p + 16) mod 2^32 + 8 */
    {"set_i64", 2, {1024, F1_5}, 0, {0}, WA_TRAP_NONE},
    {"rmw_add", 2, {1000, F2_25}, 1, {0x400e000000000000ull}, WA_TRAP_NONE}, /* 3.75 */
    {"set_i64", 2, {1024, F1_5}, 0, {0}, WA_TRAP_NONE},
    {"rmw_add_swapped", 2, {1000, F2_25}, 1, {0x400e000000000000ull}, WA_TRAP_NONE},
    {"set_i64", 2, {1024, F1_5}, 0, {0}, WA_TRAP_NONE},
    {"rmw_sub", 2, {1000, F2_25}, 1, {0xbfe8000000000000ull}, WA_TRAP_NONE}, /* -0.75 */
    {"set_i64", 2, {1024, F1_5}, 0, {0}, WA_TRAP_NONE},
    {"rmw_rsub", 2, {1024, F2_25}, 1, {0x3fe8000000000000ull}, WA_TRAP_NONE}, /* 0.75 */
    /* 0.3 + 0.1*3 and 0.3 - 0.1*3 with the product rounded first */
    {"set_i64", 2, {1024, F0_3}, 0, {0}, WA_TRAP_NONE},
    {"rmw_mul_add", 3, {1024, F0_1, F3_0}, 1, {0x3fe3333333333334ull}, WA_TRAP_NONE},
    {"set_i64", 2, {1024, F0_3}, 0, {0}, WA_TRAP_NONE},
    {"rmw_sub_mul", 3, {1024, F0_1, F3_0}, 1, {0xbc90000000000000ull}, WA_TRAP_NONE}, /* -2^-54 */
    {"set_i64", 2, {1024, F0_3}, 0, {0}, WA_TRAP_NONE},
    {"rmw_mul_sub", 3, {1024, F0_1, F3_0}, 1, {0x3c90000000000000ull}, WA_TRAP_NONE}, /* 2^-54 */
    /* (-16 + 16) mod 2^32 + 8 = 8 */
    {"set_i64", 2, {8, F1_5}, 0, {0}, WA_TRAP_NONE},
    {"rmw_add", 2, {M(-16), F1_0}, 1, {F2_5}, WA_TRAP_NONE},
    {"get_i64", 1, {8}, 1, {F2_5}, WA_TRAP_NONE},
    /* out of bounds: 8 bytes at 65532 cross the end; nothing is written */
    {"set_i64", 2, {65528, 0x1122334455667788ull}, 0, {0}, WA_TRAP_NONE},
    {"rmw_add", 2, {65508, F1_0}, 0, {0}, WA_TRAP_MEM_OOB},
    {"get_i64", 1, {65528}, 1, {0x1122334455667788ull}, WA_TRAP_NONE},
    /* (-24 + 16) mod 2^32 + 8 = 2^32: the offset does not wrap around */
    {"set_i64", 2, {0, 7}, 0, {0}, WA_TRAP_NONE},
    {"rmw_add", 2, {M(-24), F1_0}, 0, {0}, WA_TRAP_MEM_OOB},
    {"get_i64", 1, {0}, 1, {7}, WA_TRAP_NONE},
    /* not fused: a store to the address, a division, a global.set between */
    {"set_i64", 2, {1024, F1_5}, 0, {0}, WA_TRAP_NONE},
    {"rmw_store_between", 1, {1024}, 1, {F2_5}, WA_TRAP_NONE},
    {"rmw_trap_order", 2, {70000, 0}, 0, {0}, WA_TRAP_MEM_OOB},
    {"rmw_trap_order", 2, {1024, 0}, 0, {0}, WA_TRAP_DIV_ZERO},
    {"rmw_global", 1, {70000}, 0, {0}, WA_TRAP_MEM_OOB},
    {"get_g", 0, {0}, 1, {0}, WA_TRAP_NONE},
    {"set_i64", 2, {1024, F1_5}, 0, {0}, WA_TRAP_NONE},
    {"rmw_local", 1, {1024}, 1, {0}, WA_TRAP_NONE},
    {"get_i64", 1, {1024}, 1, {F2_5}, WA_TRAP_NONE},

    /* loads stored as they are */
    {"set_i64", 2, {1100, 0x0102030405060708ull}, 0, {0}, WA_TRAP_NONE},
    {"move32", 2, {1100, 1200}, 0, {0}, WA_TRAP_NONE},
    {"get_i64", 1, {1200}, 1, {0x05060708}, WA_TRAP_NONE},
    {"move64", 2, {1100, 1300}, 0, {0}, WA_TRAP_NONE}, /* 1104.. to 1304.. */
    {"get_i64", 1, {1304}, 1, {0x01020304}, WA_TRAP_NONE},
    {"set_i64", 2, {1400, 0xff}, 0, {0}, WA_TRAP_NONE},
    {"move8", 2, {1400, 1408}, 0, {0}, WA_TRAP_NONE},
    {"get_i64", 1, {1408}, 1, {0xff}, WA_TRAP_NONE},
    {"set_i64", 2, {1500, 0x8001}, 0, {0}, WA_TRAP_NONE},
    {"move16", 2, {1500, 1508}, 0, {0}, WA_TRAP_NONE},
    {"get_i64", 1, {1508}, 1, {0x8001}, WA_TRAP_NONE},
    /* NaN payloads, signalling ones included, are copied as they are */
    {"set_i64", 2, {1600, 0x7ff4000000000001ull}, 0, {0}, WA_TRAP_NONE},
    {"move_f64", 2, {1600, 1608}, 0, {0}, WA_TRAP_NONE},
    {"get_i64", 1, {1608}, 1, {0x7ff4000000000001ull}, WA_TRAP_NONE},
    {"set_i64", 2, {1700, 0x7fa00001}, 0, {0}, WA_TRAP_NONE},
    {"move_f32", 2, {1700, 1708}, 0, {0}, WA_TRAP_NONE},
    {"get_i64", 1, {1708}, 1, {0x7fa00001}, WA_TRAP_NONE},
    /* overlapping: 8 bytes from 1800 to 1801 are all read first */
    {"set_i64", 2, {1800, 0x0807060504030201ull}, 0, {0}, WA_TRAP_NONE},
    {"move64", 2, {1796, 1797}, 0, {0}, WA_TRAP_NONE},
    {"get_i64", 1, {1800}, 1, {0x0706050403020101ull}, WA_TRAP_NONE},
    {"get_i64", 1, {1808}, 1, {0x08}, WA_TRAP_NONE},
    /* from (-8 + 8) mod 2^32 = 0 to (-4 + 8) mod 2^32 = 4 */
    {"set_i64", 2, {0, 0x11223344}, 0, {0}, WA_TRAP_NONE},
    {"move_wrap", 2, {M(-8), M(-4)}, 0, {0}, WA_TRAP_NONE},
    {"get_i64", 1, {0}, 1, {0x1122334411223344ull}, WA_TRAP_NONE},
    /* out of bounds, the source or the destination: nothing is written */
    {"set_i64", 2, {1900, 0x55}, 0, {0}, WA_TRAP_NONE},
    {"move32", 2, {65534, 1900}, 0, {0}, WA_TRAP_MEM_OOB},
    {"get_i64", 1, {1900}, 1, {0x55}, WA_TRAP_NONE},
    {"set_i64", 2, {65528, 0x1122334455667788ull}, 0, {0}, WA_TRAP_NONE},
    {"move32", 2, {1100, 65534}, 0, {0}, WA_TRAP_MEM_OOB},
    {"get_i64", 1, {65528}, 1, {0x1122334455667788ull}, WA_TRAP_NONE},
    {"move_narrow", 2, {65534, 1900}, 0, {0}, WA_TRAP_MEM_OOB},
    {"get_i64", 1, {1900}, 1, {0x55}, WA_TRAP_NONE},
    {"set_i64", 2, {1104, 0x12345678}, 0, {0}, WA_TRAP_NONE},
    {"move_const", 0, {0}, 0, {0}, WA_TRAP_NONE},
    {"get_i32", 1, {1100}, 1, {0x12345678}, WA_TRAP_NONE},
    {"move_const_local", 0, {0}, 0, {0}, WA_TRAP_NONE},
    {"get_i32", 1, {1108}, 1, {0x12345678}, WA_TRAP_NONE},

    /* constant addresses: 0xffffffff + 1 is 2^32, out of bounds */
    {"const_addr", 1, {42}, 1, {42}, WA_TRAP_NONE},
    {"const_addr_far", 0, {0}, 0, {0}, WA_TRAP_MEM_OOB},
    {"const_addr_store_far", 0, {0}, 0, {0}, WA_TRAP_MEM_OOB},

    /* loops: counts of iterations */
    {"loop_count", 1, {5}, 1, {5}, WA_TRAP_NONE},
    {"loop_count", 1, {1}, 1, {1}, WA_TRAP_NONE},
    {"loop_lt_s", 2, {M(-10), 5}, 1, {5}, WA_TRAP_NONE}, /* -7 -4 -1 2 5 */
    {"loop_lt_s", 2, {10, 5}, 1, {1}, WA_TRAP_NONE},
    {"loop_gt_u", 1, {0x80000020}, 1, {4}, WA_TRAP_NONE}, /* unsigned: 0x80000010 > 0x7fffffe0 */
    {"loop_gt_u", 1, {0x10}, 1, {1}, WA_TRAP_NONE},
    {"loop_bits", 1, {8}, 1, {103}, WA_TRAP_NONE},
    {"loop_bits", 1, {12}, 1, {202}, WA_TRAP_NONE},

    /* bit tests */
    {"bit_test", 1, {0}, 1, {0}, WA_TRAP_NONE},
    {"bit_test", 1, {8}, 1, {1}, WA_TRAP_NONE},
    {"bit_test", 1, {10}, 1, {2}, WA_TRAP_NONE},
    {"bit_test_tee", 1, {7}, 1, {4}, WA_TRAP_NONE},
    {"bit_test_tee", 1, {3}, 1, {0}, WA_TRAP_NONE},

    /* bundles */
    {"bundle_adds", 2, {1, 2}, 2, {4, 7}, WA_TRAP_NONE},
    {"bundle_add2", 3, {1, 2, 3}, 2, {3, 6}, WA_TRAP_NONE},
    {"bundle_target", 2, {1, 0}, 1, {101}, WA_TRAP_NONE},
    {"bundle_target", 2, {0, 0}, 1, {111}, WA_TRAP_NONE},
    {"bundle_loop", 1, {4}, 1, {28}, WA_TRAP_NONE},

    /* stores of shift merges, the second store out of bounds first */
    {"store_merge", 3, {2000, 0x11223344, 0xaabbccdd}, 0, {0}, WA_TRAP_NONE},
    {"get_i32", 1, {2004}, 1, {0x223344aa}, WA_TRAP_NONE},
    {"get_i32", 1, {2008}, 1, {0xdd112233}, WA_TRAP_NONE},
    {"store_merge", 3, {65532, 0x11223344, 0xaabbccdd}, 0, {0}, WA_TRAP_MEM_OOB},
    {"get_i64", 1, {65528}, 1, {0x1122334455667788ull}, WA_TRAP_NONE},

    /* base plus scaled index: 0xffffffff + 8, (2 << 1) + 0xffffffff, 0 + (3 << 31) */
    {"add_shl", 2, {0xffffffff, 2}, 3, {7, 3, 0x80000000}, WA_TRAP_NONE},

    /* the shift first: (3 << 2) + (2004 + 16); (3 << 2) + the word at 2004 (0x223344aa) */
    {"shl_then_add", 2, {2004, 3}, 2, {2032, 0x223344b6}, WA_TRAP_NONE},
    /* (5 << 3) + (7 + 1), with local 0 set to 8 by the tee */
    {"shl_then_tee", 2, {5, 7}, 2, {48, 8}, WA_TRAP_NONE},
    {"shl_then_load_oob", 2, {65533, 1}, 0, {0}, WA_TRAP_MEM_OOB},
    /* a[1] = 77 at 3000 + 4, read back; then a[16383] at 65532 + 4 is out of bounds */
    {"array_rw", 3, {3000, 1, 77}, 1, {77}, WA_TRAP_NONE},
    {"get_i32", 1, {3004}, 1, {77}, WA_TRAP_NONE},
    {"array_rw", 3, {4, 16383, 5}, 0, {0}, WA_TRAP_MEM_OOB},
    {"store_dead", 0, {0}, 0, {0}, WA_TRAP_UNREACHABLE},
    {"copy_loop", 1, {10}, 1, {55}, WA_TRAP_NONE},
    {"copy_loop", 1, {0}, 1, {0}, WA_TRAP_NONE},

    /* bumped pointers: byte 2004, then the word at 2007, of what store_merge wrote */
    {"bump_load", 1, {2003}, 2, {0xaa, 0x11223322}, WA_TRAP_NONE},
    {"bump_load", 1, {65534}, 0, {0}, WA_TRAP_MEM_OOB},

    /* zero set into locals */
    {"zero_local", 1, {5}, 1, {5}, WA_TRAP_NONE},
    {"zero_loop", 1, {3}, 1, {0}, WA_TRAP_NONE},
};

/* (module (memory 1) (func (export "f") unreachable i32.store)): a store in
 * unreachable code before anything in the module was pushed, found by the
 * fuzzer (the translator took the address of a value location that did not
 * exist yet). Its own module, so that no earlier function pushed anything. */
static const uint8_t k_dead_store[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04,
                                       0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03,
                                       0x01, 0x00, 0x01, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,
                                       0x0a, 0x08, 0x01, 0x06, 0x00, 0x00, 0x36, 0x02, 0x00, 0x0b};

static int check_dead_store(void)
{
    wa_error err;
    wa_module *m = wa_module_load(k_dead_store, sizeof k_dead_store, &err);
    wa_instance *inst = m ? wa_instantiate(m, NULL, 0, NULL, &err) : NULL;
    wa_extern f;
    int failed = !inst || !wa_instance_export(inst, "f", 1, &f) ||
                 wa_call(inst, f.u.func, NULL, NULL) != WA_TRAP_UNREACHABLE;
    if (failed)
        printf("FAIL dead store module\n");
    wa_instance_free(inst);
    wa_module_free(m);
    return failed;
}

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
        if (!wa_instance_export(inst, t->name, strlen(t->name), &e)) {
            printf("FAIL %s: missing\n", t->name);
            failed++;
            continue;
        }
        wa_trap trap = wa_call(inst, e.u.func, args, res);
        if (trap != t->trap) {
            printf("FAIL %s case %zu: trap %s, expected %s\n", t->name, i, wa_trap_message(trap),
                   wa_trap_message(t->trap));
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
    /* A back edge bundled with a copy (COPY_JMP_LOOP) still charges fuel. */
    wa_extern spin;
    wa_instance_set_fuel(inst, 100000);
    if (!wa_instance_export(inst, "copy_spin", 9, &spin) ||
        wa_call(inst, spin.u.func, NULL, NULL) != WA_TRAP_FUEL) {
        printf("FAIL copy_spin: no fuel trap\n");
        failed++;
    }
    wa_instance_free(inst);
    wa_module_free(m);
    failed += check_dead_store();
    printf("%s: %zu cases, %d failed\n", argv[0], sizeof k_cases / sizeof *k_cases, failed);
    return failed != 0;
}
