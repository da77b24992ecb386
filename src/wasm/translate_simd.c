/*
 * translate_simd.c: validates and translates the fixed-width SIMD
 * instructions (prefix 0xfd, the list in simd_list.h) into their V_ ops
 * (code.h). Each kind of simd_list.h has one shape of operands; a v128 takes
 * two slots, so its operands are the first of them (wa_emit_slot).
 *
 * No fusion looks at v128 values: the only one used here is the folding of
 * a constant added to an address (wa_fuse_address), which concerns the i32
 * address, exactly as for the scalar loads and stores.
 */
#include <string.h>

#include "translate.h"

enum {
    K_UN,
    K_BIN,
    K_TERN,
    K_TEST,
    K_SHIFT,
    K_CONST,
    K_SHUFFLE,
    K_SPLAT,
    K_EXTRACT,
    K_REPLACE,
    K_LOAD,
    K_STORE,
    K_LOAD_LANE,
    K_STORE_LANE
};

typedef struct simd_info {
    uint8_t kind, type, n;
    uint32_t op;
} simd_info;

/* The entry of simd_list.h for sub-opcode `sub`, false for a reserved one. */
static bool lookup(uint32_t sub, simd_info *out)
{
    switch (sub) {
#define WA_S(kind, upper, lower, opcode, type, n)                                                  \
    case opcode:                                                                                   \
        *out = (simd_info){K_##kind, type, n, WA_OP_V_##upper};                                    \
        return true;
        WA_SIMD_OPS(WA_S)
#undef WA_S
    }
    return false;
}

static bool rd_u32(comp *c, uint32_t *v)
{
    if (!wa_read_u32(&c->r, v))
        MALFORMED(c, "malformed immediate (integer or unexpected end)");
    return true;
}

static bool rd_lane(comp *c, uint32_t lanes, uint32_t *lane)
{
    uint8_t b;
    if (!wa_read_u8(&c->r, &b))
        MALFORMED(c, "unexpected end");
    if (b >= lanes)
        INVALID(c, "invalid lane index");
    *lane = b;
    return true;
}

/* memarg: alignment (at most n bytes, the access size) and offset. */
static bool rd_memarg(comp *c, uint32_t n, uint32_t *offset)
{
    uint32_t align;
    CHECK(rd_u32(c, &align));
    CHECK(rd_u32(c, offset));
    if (c->m->nmems == 0)
        INVALID(c, "unknown memory 0");
    if (align & 0x40)
        UNSUPPORTED(c, "a memory index in a load or store", "multi-memory");
    if (align >= 32 || (1u << align) > n)
        INVALID(c, "alignment must not be larger than natural");
    return true;
}

/* The 16 immediate bytes of v128.const or i8x16.shuffle as 4 units. */
static bool emit_bytes(comp *c, const uint8_t *b)
{
    for (int i = 0; i < 4; i++) {
        uint32_t u;
        memcpy(&u, b + 4 * i, 4);
        CHECK(wa_emit(c, u));
    }
    return true;
}

static bool memory_op(comp *c, const simd_info *s)
{
    uint32_t offset, k, lane = 0, lanes = 16 / (s->n ? s->n : 1);
    CHECK(rd_memarg(c, s->n, &offset));
    if (s->kind == K_LOAD_LANE || s->kind == K_STORE_LANE)
        CHECK(rd_lane(c, lanes, &lane));
    if (s->kind == K_STORE || s->kind == K_STORE_LANE || s->kind == K_LOAD_LANE)
        CHECK(wa_emit_pop(c, WA_V128, NULL));
    CHECK(wa_emit_pop(c, WA_I32, NULL));
    uint32_t h = c->nvals;
    uint32_t v = s->kind == K_LOAD ? 0 : wa_emit_opnd(c, h + 1);
    uint32_t a = wa_fuse_address(c, h, &k);
    switch (s->kind) {
    case K_LOAD:
        CHECK(wa_emit_push(c, WA_V128));
        return wa_emit4(c, s->op, wa_emit_slot(c, h), a, k) && wa_emit(c, offset) &&
               wa_emit_produced(c);
    case K_LOAD_LANE:
        CHECK(wa_emit_push(c, WA_V128));
        return wa_emit4(c, s->op, wa_emit_slot(c, h), a, k) && wa_emit(c, offset) &&
               wa_emit(c, v) && wa_emit(c, lane) && wa_emit_produced(c);
    case K_STORE:
        return wa_emit4(c, s->op, a, v, k) && wa_emit(c, offset);
    default: /* K_STORE_LANE */
        return wa_emit4(c, s->op, a, v, k) && wa_emit(c, offset) && wa_emit(c, lane);
    }
}

bool wa_translate_simd(comp *c)
{
    uint32_t sub, lane;
    simd_info s;
    CHECK(rd_u32(c, &sub));
    if (!lookup(sub, &s))
        MALFORMED(c, "illegal opcode 0xfd %u", sub);
    uint32_t h, a, b, x, fn = s.op - WA_OP_V_V128_LOAD; /* arithmetic: its function (simd_call.h) */
    const uint8_t *bytes;
    switch (s.kind) {
    case K_UN:
    case K_TEST:
        CHECK(wa_emit_pop(c, WA_V128, NULL));
        h = c->nvals;
        a = wa_emit_opnd(c, h);
        CHECK(wa_emit_push(c, s.kind == K_TEST ? WA_I32 : WA_V128));
        return wa_emit4(c, s.op, wa_emit_slot(c, h), a, fn) && wa_emit_produced(c);
    case K_BIN:
    case K_SHIFT:
        CHECK(wa_emit_pop(c, s.kind == K_SHIFT ? WA_I32 : WA_V128, NULL));
        CHECK(wa_emit_pop(c, WA_V128, NULL));
        h = c->nvals;
        a = wa_emit_opnd(c, h);
        b = wa_emit_opnd(c, h + 1);
        CHECK(wa_emit_push(c, WA_V128));
        return wa_emit4(c, s.op, wa_emit_slot(c, h), a, b) && wa_emit(c, fn) && wa_emit_produced(c);
    case K_TERN:
        CHECK(wa_emit_pop(c, WA_V128, NULL));
        CHECK(wa_emit_pop(c, WA_V128, NULL));
        CHECK(wa_emit_pop(c, WA_V128, NULL));
        h = c->nvals;
        a = wa_emit_opnd(c, h);
        b = wa_emit_opnd(c, h + 1);
        x = wa_emit_opnd(c, h + 2);
        CHECK(wa_emit_push(c, WA_V128));
        return wa_emit4(c, s.op, wa_emit_slot(c, h), a, b) && wa_emit(c, x) && wa_emit(c, fn) &&
               wa_emit_produced(c);
    case K_CONST:
        if (!wa_read_bytes(&c->r, 16, &bytes))
            MALFORMED(c, "unexpected end");
        h = c->nvals;
        CHECK(wa_emit_push(c, WA_V128));
        return wa_emit2(c, s.op, wa_emit_slot(c, h)) && emit_bytes(c, bytes) && wa_emit_produced(c);
    case K_SHUFFLE:
        if (!wa_read_bytes(&c->r, 16, &bytes))
            MALFORMED(c, "unexpected end");
        for (int i = 0; i < 16; i++)
            if (bytes[i] >= 32)
                INVALID(c, "invalid lane index");
        CHECK(wa_emit_pop(c, WA_V128, NULL));
        CHECK(wa_emit_pop(c, WA_V128, NULL));
        h = c->nvals;
        a = wa_emit_opnd(c, h);
        b = wa_emit_opnd(c, h + 1);
        CHECK(wa_emit_push(c, WA_V128));
        return wa_emit4(c, s.op, wa_emit_slot(c, h), a, b) && emit_bytes(c, bytes) &&
               wa_emit_produced(c);
    case K_SPLAT:
        CHECK(wa_emit_pop(c, s.type, NULL));
        h = c->nvals;
        a = wa_emit_opnd(c, h);
        CHECK(wa_emit_push(c, WA_V128));
        return wa_emit3(c, s.op, wa_emit_slot(c, h), a) && wa_emit_produced(c);
    case K_EXTRACT:
        CHECK(rd_lane(c, s.n, &lane));
        CHECK(wa_emit_pop(c, WA_V128, NULL));
        h = c->nvals;
        a = wa_emit_opnd(c, h);
        CHECK(wa_emit_push(c, s.type));
        return wa_emit4(c, s.op, wa_emit_slot(c, h), a, lane) && wa_emit_produced(c);
    case K_REPLACE:
        CHECK(rd_lane(c, s.n, &lane));
        CHECK(wa_emit_pop(c, s.type, NULL));
        CHECK(wa_emit_pop(c, WA_V128, NULL));
        h = c->nvals;
        a = wa_emit_opnd(c, h);
        b = wa_emit_opnd(c, h + 1);
        CHECK(wa_emit_push(c, WA_V128));
        return wa_emit4(c, s.op, wa_emit_slot(c, h), a, b) && wa_emit(c, lane) &&
               wa_emit_produced(c);
    default:
        return memory_op(c, &s);
    }
}
