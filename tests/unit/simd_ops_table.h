/*
 * simd_ops_table.h: every arithmetic SIMD operation of simd.h as a table
 * entry, so one test program can hold several builds of simd.h side by side.
 * simd_ops_table.c is compiled once per build with SIMD_OPS_TABLE naming the
 * table it defines (the portable build with WA_SIMD_PORTABLE).
 */
#ifndef SIMD_OPS_TABLE_H
#define SIMD_OPS_TABLE_H

#include <stddef.h>

#include "simd_list.h"

typedef enum simd_op_kind {
    SIMD_UN,
    SIMD_BIN,
    SIMD_TERN,
    SIMD_TEST,
    SIMD_SHIFT,
    SIMD_SHUFFLE
} simd_op_kind;

typedef struct simd_op {
    const char *name; /* `lower` of simd_list.h */
    simd_op_kind kind;
    wa_v128 (*un)(wa_v128);
    wa_v128 (*bin)(wa_v128, wa_v128);
    wa_v128 (*tern)(wa_v128, wa_v128, wa_v128);
    uint32_t (*test)(wa_v128);
    wa_v128 (*shift)(wa_v128, uint32_t);
    wa_v128 (*shuffle)(wa_v128, wa_v128, const uint8_t *);
} simd_op;

typedef struct simd_op_table {
    const char *build; /* how simd.h was built: "portable", "fast", ... */
    const simd_op *ops;
    size_t count;
} simd_op_table;

extern const simd_op_table simd_ops_portable;
extern const simd_op_table simd_ops_fast;

#endif
