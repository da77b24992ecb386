/*
 * translate.h: the translator's state, shared by the files that turn a
 * function body into internal code (code.h):
 *   code.c    opcode by opcode: validation, and what each instruction becomes
 *   emit.c    the code being built and the operand stack, whose entries know
 *             where their values are (wa_emit_*)
 *   fuse.c    peephole fusions the translator tries as it emits: an
 *             instruction merged with the one before it (wa_fuse_*)
 *   translate_simd.c  the SIMD instructions (0xfd prefix)
 *   bundle.c  the pass after translation that pairs adjacent instructions
 *             into bundles (wa_bundle_*)
 *
 * Invariants the files rely on:
 *   - every instruction starts with wa_emit_op, so `last` is where the
 *     latest one starts and `prev` the one before it (NONE after a label);
 *   - nothing is emitted while the code is unreachable (wa_emit_live);
 *   - an `epoch` is a stretch of code with no label, branch or call
 *     (wa_emit_label_here, wa_emit_barrier): an instruction that produced a
 *     value in the current epoch may be rewritten or cut out (fuse.c), since
 *     no branch target, patch site or loop label lies after it;
 *   - the value at operand-stack height h lives in slot nlocals + off[h]
 *     (wa_emit_slot) whenever its entry says IN_SLOT; off[h] is the number
 *     of slots the entries below h take (a v128 takes two, anything else
 *     one), so in a function without v128 values off[h] == h;
 *   - a vloc IN_LOCAL names the local's first slot (slot_of), and written[]
 *     is indexed by slot.
 */
#ifndef WA_TRANSLATE_H
#define WA_TRANSLATE_H

#include "code.h"

#define NONE UINT32_MAX
#define UNKNOWN 0 /* a type from the polymorphic stack of dead code */

enum { CTL_BLOCK, CTL_LOOP, CTL_IF, CTL_ELSE, CTL_FUNC };

typedef struct ctl {
    uint8_t kind;
    bool unreachable; /* validation: rest of this block is unreachable */
    bool dead;        /* emission: this block started in dead code */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t height;    /* type stack height below the params */
    uint32_t label;     /* loop: branch target */
    uint32_t patches;   /* chain of forward branch sites, through ops[] */
    uint32_t else_site; /* if: operand of the JMP_IFNOT to the else part */
    bool calls;         /* loop: its body calls (so far) */
} ctl;

typedef struct comp {
    const wa_module *m;
    wa_error *err;
    wa_reader r;
    uint32_t func;
    uint32_t features; /* 1u << WA_FEATURE_x seen in the bodies (wa_module_features) */
    uint8_t *locals;   /* types of params + locals, by wasm local index */
    uint32_t *slot_of; /* wasm local index -> its first slot */
    uint32_t nlocals;  /* slots before the operand stack: params, locals, zero */
    uint32_t nwasm;    /* params + locals as the function declares them */
    uint32_t nparams;  /* slots the params take */
    uint32_t zero;     /* a slot that stays 0 (right after the locals, if any), or NONE */

    uint8_t *vals;      /* types of the operand stack */
    struct vloc *vlocs; /* where each stack entry's value is (capvals entries) */
    uint32_t *off;      /* off[h]: slots taken by the entries below height h */
    uint32_t nvals, capvals, capvlocs, capoff;
    uint32_t max_height; /* in slots */
    ctl *ctls;
    uint32_t nctls, capctls;

    uint32_t *ops;
    uint32_t nops, capops;
    uint32_t fuel_site, fuel_count;
    uint32_t *canon;   /* type index -> first index of an equal type */
    uint32_t last;     /* start of the last instruction, NONE after a label */
    uint32_t prev;     /* start of the instruction right before it, or NONE */
    uint32_t epoch;    /* bumped at labels, branches and calls */
    uint32_t serial;   /* instructions emitted so far in this function */
    uint32_t *written; /* per local: serial of the last instruction writing it */
    uint32_t effect;   /* serial of the last instruction with a side effect, or that may
                          trap otherwise than as a load does (see emit.c: has_effect) */
    /* When the last instruction (at rmw_op) is an f64 add or subtract with an
     * operand just loaded into its slot: that load's site, serial and epoch,
     * and where the operand is in the instruction (see fuse.c: fuse_rmw). */
    uint32_t rmw_op, rmw_load, rmw_serial, rmw_epoch, rmw_pos;
    bool last_produced; /* the last instruction wrote the slot in ops[last + 1] */
    bool entry;         /* no label yet: straight from the function's entry */
    bool failed;
} comp;

enum { IN_SLOT, IN_LOCAL, IN_CONST };

typedef struct vloc {
    uint8_t where;
    uint32_t local;  /* IN_LOCAL */
    uint64_t k;      /* IN_CONST: the bits */
    uint32_t site;   /* IN_SLOT: start of the instruction that wrote the slot, or NONE */
    uint32_t epoch;  /* c->epoch when it did */
    uint32_t serial; /* and its serial number */
} vloc;

/* A load that computed a popped entry into its own slot in this epoch. */
typedef struct loadref {
    uint32_t site, serial; /* site NONE: none */
} loadref;

/* Formats an error once; later errors are side effects of the first. The
 * offset is where the reader stands in the function body. */
#define FAIL(c, kind, ...)                                                                         \
    do {                                                                                           \
        if (!(c)->failed) {                                                                        \
            (c)->failed = true;                                                                    \
            wa_fail((c)->err, kind, WA_SEC_CODE, (size_t)((c)->r.p - (c)->r.start), __VA_ARGS__);  \
        }                                                                                          \
        return false;                                                                              \
    } while (0)

#define INVALID(c, ...) FAIL(c, WA_ERR_INVALID, __VA_ARGS__)
/* Valid under a proposal the engine does not implement (wasm.h). */
#define UNSUPPORTED(c, what, proposal)                                                             \
    FAIL(c, WA_ERR_UNSUPPORTED, "uses %s (%s proposal)", what, proposal)
#define FEATURE(c, name) ((c)->features |= 1u << WA_FEATURE_##name)
#define MALFORMED(c, ...) FAIL(c, WA_ERR_MALFORMED, __VA_ARGS__)
#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            return false;                                                                          \
    } while (0)

/* The innermost control frame. */
static inline ctl *wa_emit_top(comp *c)
{
    return &c->ctls[c->nctls - 1];
}

/* Whether code emitted now can run: neither after an unconditional branch in
 * this block nor inside a block that began in dead code. */
static inline bool wa_emit_live(comp *c)
{
    return !wa_emit_top(c)->unreachable && !wa_emit_top(c)->dead;
}

/* Slots a value of type t takes: a v128 two (bytes 0-7, then 8-15). */
static inline uint32_t wa_width(uint8_t t)
{
    return t == WA_V128 ? 2 : 1;
}

/* The (first) slot holding the value at stack height h. */
static inline uint32_t wa_emit_slot(const comp *c, uint32_t h)
{
    return c->nlocals + c->off[h];
}

/* Slots taken by values of types ts[0..n). */
static inline uint32_t wa_width_of(const uint8_t *ts, uint32_t n)
{
    uint32_t w = 0;
    for (uint32_t i = 0; i < n; i++)
        w += wa_width(ts[i]);
    return w;
}

/* ---- emit.c ---------------------------------------------------------------- */

bool wa_emit_grow(comp *c, void **p, uint32_t *cap, uint32_t need, size_t elem);
bool wa_emit(comp *c, uint32_t u);
bool wa_emit_op(comp *c, uint32_t op);
bool wa_emit2(comp *c, uint32_t op, uint32_t a);
bool wa_emit3(comp *c, uint32_t op, uint32_t a, uint32_t b);
bool wa_emit4(comp *c, uint32_t op, uint32_t a, uint32_t b, uint32_t d);
bool wa_emit_produced(comp *c);
void wa_emit_label_here(comp *c);
void wa_emit_barrier(comp *c);
bool wa_emit_push_at(comp *c, uint8_t t, vloc v);
bool wa_emit_push(comp *c, uint8_t t);
bool wa_emit_push_n(comp *c, const uint8_t *ts, uint32_t n);
bool wa_emit_pop(comp *c, uint8_t want, uint8_t *got);
bool wa_emit_pop_n(comp *c, const uint8_t *ts, uint32_t n);
bool wa_emit_move(comp *c, uint32_t dst, uint32_t h);
bool wa_emit_materialize(comp *c, uint32_t h);
bool wa_emit_materialize_from(comp *c, uint32_t from);
uint32_t wa_emit_opnd(comp *c, uint32_t h);
bool wa_emit_imm_of(const comp *c, uint32_t h, uint8_t t, uint32_t *k);

/* ---- fuse.c ---------------------------------------------------------------- */

bool wa_fuse_loop_target(comp *c, const ctl *l);
bool wa_fuse_cond_jump(comp *c, uint32_t h, bool when_true);
loadref wa_fuse_loaded_by(const comp *c, uint32_t e, uint32_t op);
void wa_fuse_note_rmw(comp *c, loadref l, uint32_t pos);
bool wa_fuse_multiply_add(comp *c, uint8_t opcode, uint32_t h, bool *done);
bool wa_fuse_shift_merge(comp *c, uint32_t h, bool *done);
bool wa_fuse_add_shl(comp *c, uint32_t h, bool *done);
uint32_t wa_fuse_address(comp *c, uint32_t h, uint32_t *k);
uint32_t wa_fuse_producer(comp *c, uint32_t e);
bool wa_fuse_store(comp *c, uint32_t op, uint32_t prod, uint32_t a, uint32_t k, uint32_t offset,
                   bool *done);

/* ---- translate_simd.c ------------------------------------------------------ */

/* One SIMD instruction, its 0xfd prefix read. */
bool wa_translate_simd(comp *c);

/* ---- bundle.c -------------------------------------------------------------- */

bool wa_bundle_pairs(uint32_t *ops, uint32_t nops);

#endif
