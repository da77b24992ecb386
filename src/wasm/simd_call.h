/*
 * simd_call.h: the arithmetic SIMD instructions (kinds UN, BIN, TERN, TEST,
 * SHIFT: simd.h's wa_v_<lower>) as a table of functions, indexed by the
 * instruction's position in simd_list.h (its op minus WA_OP_V_V128_LOAD),
 * for the interpreter (interp_simd.inc).
 *
 * Why a table and not a handler each: 200-odd more handlers in the
 * interpreter's one big function cost the scalar handlers registers and
 * the sanitizer and fuzzer builds many minutes of compilation (the
 * threaded dispatch makes the function's control flow quadratic); one
 * handler per kind and a call per vector instruction, small next to the
 * work of 2 to 16 lanes, cost neither.
 */
#ifndef WA_SIMD_CALL_H
#define WA_SIMD_CALL_H

#include "simd_list.h"

typedef union wa_vfn {
    wa_v128 (*un)(wa_v128 a);
    wa_v128 (*bin)(wa_v128 a, wa_v128 b);
    wa_v128 (*tern)(wa_v128 a, wa_v128 b, wa_v128 c);
    uint32_t (*test)(wa_v128 a);
    wa_v128 (*shift)(wa_v128 a, uint32_t count);
} wa_vfn;

/* One entry per instruction of simd_list.h; those of other kinds are NULL. */
extern const wa_vfn wa_vcall[];

/* i8x16.shuffle: simd.h's wa_v_i8x16_shuffle out of line. */
wa_v128 wa_vshuffle(wa_v128 a, wa_v128 b, const uint8_t lanes[16]);

#endif
