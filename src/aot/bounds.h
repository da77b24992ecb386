/*
 * bounds.h: which bounds checks of a function the generated C may leave out
 * (docs/AOT.md, "Fewer bounds checks").
 *
 * The generator (gen.c) describes a function to the planner as it walks
 * it: where straight-line stretches (blocks) start, where each op starts,
 * every memory access (its address slot, the constant added to the slot
 * with a 32-bit wrap, the offset, the width) and every slot an op writes.
 * The planner knows nothing of ops; it answers two questions:
 *
 * - an access whose range lies within an earlier checked access's, at the
 *   same slot value and the same added constant, needs no check at all
 *   (WA_BOUNDS_COVERED): x[i] read then written;
 * - a stretch of a block with two or more accesses through one slot value
 *   is a *region*: its C is written twice, a fast copy that checks each
 *   such slot once for the farthest end the region reaches through it
 *   (its accesses WA_BOUNDS_HOISTED, unchecked there) and a slow copy with
 *   every check, taken when that one check fails, so the trap, its fuel
 *   and the stores before it are the interpreter's.
 */
#ifndef WA_AOT_BOUNDS_H
#define WA_AOT_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>

enum {
    WA_BOUNDS_COVERED = 1, /* no check in either copy */
    WA_BOUNDS_HOISTED = 2, /* no check in a region's fast copy */
};

/* A region's check: x = (uint32_t)s<slot> must be at least lo, and x + end
 * (end may be negative) at most msize. A constant k of 2^31 or more added
 * to x is taken as k - 2^32, which is what it is when it wraps: the stack
 * pointer minus something. */
typedef struct wa_bounds_check {
    uint32_t slot, lo;
    int64_t end;
} wa_bounds_check;

typedef struct wa_bounds wa_bounds;

wa_bounds *wa_bounds_new(void);
void wa_bounds_free(wa_bounds *b);

/* A function of nops code units: forgets the last one. False: no memory. */
bool wa_bounds_start(wa_bounds *b, uint32_t nops);
/* The walk, in code order. id names an access: 2 * the pc of the op (or a
 * bundle's half) that makes it, + which of its accesses (0 or 1). */
void wa_bounds_block(wa_bounds *b);
void wa_bounds_op(wa_bounds *b, uint32_t pc);
void wa_bounds_access(wa_bounds *b, uint32_t id, uint32_t slot, uint32_t k, uint32_t offset,
                      uint32_t bytes);
void wa_bounds_write(wa_bounds *b, uint32_t slot);
/* After the walk. False: out of memory (then nothing is left out). */
bool wa_bounds_plan(wa_bounds *b);

/* The answers. */
uint8_t wa_bounds_flags(const wa_bounds *b, uint32_t id);
/* The region starting at the op at pc, if any: the pc after its last op,
 * and its checks. */
bool wa_bounds_region(const wa_bounds *b, uint32_t pc, uint32_t *resume,
                      const wa_bounds_check **checks, uint32_t *nchecks);

#endif
