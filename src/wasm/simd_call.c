/*
 * simd_call.c: the table of simd_call.h, simd.h's functions by position in
 * simd_list.h (taking their address gives each an out-of-line body here).
 */
#include "simd_call.h"
#include "simd.h"

#define FN_UN(l) {.un = wa_v_##l},
#define FN_BIN(l) {.bin = wa_v_##l},
#define FN_TERN(l) {.tern = wa_v_##l},
#define FN_TEST(l) {.test = wa_v_##l},
#define FN_SHIFT(l) {.shift = wa_v_##l},
#define FN_NONE(l) {.un = 0},
#define FN_CONST FN_NONE
#define FN_SHUFFLE FN_NONE
#define FN_SPLAT FN_NONE
#define FN_EXTRACT FN_NONE
#define FN_REPLACE FN_NONE
#define FN_LOAD FN_NONE
#define FN_STORE FN_NONE
#define FN_LOAD_LANE FN_NONE
#define FN_STORE_LANE FN_NONE
#define FN(kind, upper, lower, opcode, type, n) FN_##kind(lower)

const wa_vfn wa_vcall[] = {WA_SIMD_OPS(FN)};

wa_v128 wa_vshuffle(wa_v128 a, wa_v128 b, const uint8_t lanes[16])
{
    return wa_v_i8x16_shuffle(a, b, lanes);
}
