/*
 * decode.c: bytes -> wa_module, enforcing the binary format ("malformed").
 *
 * Design notes.
 * - The input is hostile. Every read goes through a wa_reader bounded by the
 *   current section, so a section parser cannot run past its section, and
 *   every vector count is checked against the bytes left in the section
 *   (times the smallest encoding of one element) before anything is
 *   allocated: a ten-byte file cannot make us allocate 2^32 entries.
 * - Imports come first in their index spaces, so the import section fills
 *   funcs/tables/mems/globals and the later sections append to them.
 * - Function bodies are only delimited here (locals, body_off, body_end); the
 *   instructions are decoded and validated by code.c in one pass.
 * - Constant expressions are exactly one constant instruction and `end`.
 *   Some wrong expressions (`i32.add`, two constants, an empty one) are valid
 *   binary but invalid modules: we record the first such INVALID error and
 *   keep decoding, so that a MALFORMED error anywhere still wins, as in the
 *   spec where decoding precedes validation. After a non-constant
 *   instruction we cannot find where the expression ends without decoding
 *   arbitrary code, so the rest of that section is skipped.
 * - Messages follow the reference interpreter's wording where the spec tests
 *   name them; runners compare only the error kind.
 */
#include <stdlib.h>
#include <string.h>

#include "module.h"

typedef struct dec {
    wa_module *m;
    wa_error *err;
    wa_reader r;         /* the current section, or the whole input between sections */
    int sec;             /* current section id, -1 outside sections */
    uint32_t nfuncdecls; /* entries of the function section */
    bool has_code;
    bool skip;        /* a parser stopped on a deferred INVALID: skip the rest of the section */
    bool has_invalid; /* `invalid` holds the first deferred INVALID error */
    wa_error invalid;
} dec;

/* ---- errors ------------------------------------------------------------- */

static size_t pos(const dec *d)
{
    return (size_t)(d->r.p - d->m->bytes);
}

static bool fail(dec *d, const char *msg)
{
    return wa_fail(d->err, WA_ERR_MALFORMED, d->sec, pos(d), "%s", msg);
}

static bool fail_read(dec *d)
{
    /* The reference interpreter tells the end of a section from the end of input. */
    if (d->r.error == WA_READ_END && d->sec >= 0)
        return fail(d, "unexpected end of section or function");
    return fail(d, wa_read_error_message(&d->r));
}

/* Valid under a proposal we do not implement: its own words, not "malformed". */
static bool unsupported(dec *d, const char *what, const char *proposal)
{
    return wa_fail_unsupported(d->err, d->sec, pos(d), what, proposal);
}

/* A type byte t, just read, that is not ours: steps back onto it and says
 * so, in a proposal's words when one defines it, else as `malformed`. */
static bool fail_type(dec *d, uint8_t t, const char *malformed)
{
    d->r.p--;
    if (t == 0x69)
        return unsupported(d, "exnref values", "exception handling");
    if (t == 0x64 || t == 0x63)
        return unsupported(d, "typed references", "function references");
    if ((t >= 0x6a && t <= 0x6e) || (t >= 0x71 && t <= 0x74))
        return unsupported(d, "GC reference types", "GC");
    return fail(d, malformed);
}

static bool fail_nomem(dec *d)
{
    return wa_fail(d->err, WA_ERR_NOMEM, d->sec, pos(d), "out of memory");
}

static bool fail_limit(dec *d, const char *what, uint64_t n, uint32_t max)
{
    return wa_fail(d->err, WA_ERR_LIMIT, d->sec, pos(d), "too many %s: %llu (limit %u)", what,
                   (unsigned long long)n, max);
}

/* Records an INVALID error found while decoding (see the design note). */
static void record_invalid(dec *d, size_t offset, const char *msg)
{
    if (!d->has_invalid) {
        wa_fail(&d->invalid, WA_ERR_INVALID, d->sec, offset, "%s", msg);
        d->has_invalid = true;
    }
}

/* The same, where the reader is lost: stops the current section parser. */
static bool defer_invalid(dec *d, size_t offset, const char *msg)
{
    record_invalid(d, offset, msg);
    d->skip = true;
    return false;
}

/* ---- primitive reads ---------------------------------------------------- */

static size_t left(const dec *d)
{
    return (size_t)(d->r.end - d->r.p);
}

static bool rd_u8(dec *d, uint8_t *v)
{
    return wa_read_u8(&d->r, v) || fail_read(d);
}
static bool rd_u32(dec *d, uint32_t *v)
{
    return wa_read_u32(&d->r, v) || fail_read(d);
}

/* A vector length whose elements take at least `minsize` bytes each. */
static bool rd_count(dec *d, uint32_t *n, size_t minsize)
{
    if (!rd_u32(d, n))
        return false;
    if ((uint64_t)*n * minsize > left(d))
        return fail(d, "unexpected end of section or function");
    return true;
}

static bool rd_name(dec *d, wa_name *out)
{
    uint32_t len;
    const uint8_t *s;
    if (!rd_u32(d, &len))
        return false;
    if (!wa_read_bytes(&d->r, len, &s))
        return fail_read(d);
    if (!wa_utf8_valid(s, len)) {
        d->r.p = s;
        return fail(d, "malformed UTF-8 encoding");
    }
    out->ptr = (const char *)s;
    out->len = len;
    return true;
}

static bool rd_valtype(dec *d, uint8_t *t)
{
    if (!rd_u8(d, t))
        return false;
    if (wa_is_numtype(*t) || wa_is_reftype(*t) || *t == WA_V128) {
        if (*t == WA_EXTERNREF)
            d->m->features |= 1u << WA_FEATURE_REFERENCE_TYPES;
        if (*t == WA_V128)
            d->m->features |= 1u << WA_FEATURE_SIMD;
        return true;
    }
    return fail_type(d, *t, "malformed value type");
}

static bool rd_reftype(dec *d, uint8_t *t)
{
    if (!rd_u8(d, t))
        return false;
    if (wa_is_reftype(*t)) {
        if (*t == WA_EXTERNREF)
            d->m->features |= 1u << WA_FEATURE_REFERENCE_TYPES;
        return true;
    }
    return fail_type(d, *t, "malformed reference type");
}

/* The limits flag is a 1-bit LEB128 in the reference interpreter, hence its
 * two messages; 2 and 3 (shared memories) are not WebAssembly 2.0. */
static bool rd_limits(dec *d, wa_limits *l)
{
    uint8_t flag;
    if (!rd_u8(d, &flag))
        return false;
    if (flag & 0x80)
        return fail(d, "integer representation too long");
    if (flag == 2 || flag == 3) {
        d->r.p--;
        return unsupported(d, "shared memory", "threads");
    }
    if (flag >= 4 && flag <= 7) {
        d->r.p--;
        return unsupported(d, "64-bit memory or table indices", "memory64");
    }
    if (flag > 1)
        return fail(d, "integer too large");
    l->has_max = flag == 1;
    l->max = 0;
    return rd_u32(d, &l->min) && (!l->has_max || rd_u32(d, &l->max));
}

static bool rd_globaltype(dec *d, wa_globaltype *g)
{
    uint8_t mut;
    if (!rd_valtype(d, &g->type) || !rd_u8(d, &mut))
        return false;
    if (mut > 1) {
        d->r.p--;
        return fail(d, "malformed mutability");
    }
    g->mut = mut == 1;
    return true;
}

/* Grows *arr from `have` to have+add elements, zeroing the new ones. */
static bool extend(dec *d, void **arr, uint32_t have, uint32_t add, size_t size)
{
    size_t total = (size_t)have + add;
    if (total > SIZE_MAX / size)
        return fail_nomem(d);
    void *p = realloc(*arr, (total ? total : 1) * size);
    if (!p)
        return fail_nomem(d);
    memset((char *)p + (size_t)have * size, 0, (size_t)add * size);
    *arr = p;
    return true;
}

static void *alloc_array(dec *d, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        fail_nomem(d);
    return p;
}

/* ---- constant expressions ----------------------------------------------- */

/* Opcodes of WebAssembly 2.0 (0xfd: SIMD). An unknown byte where a constant
 * expression is expected is malformed ("illegal opcode"); a known but
 * non-constant one makes the module invalid. */
static bool known_opcode(uint8_t op)
{
    return op <= 0x05 || (op >= 0x0b && op <= 0x11) || (op >= 0x1a && op <= 0x1c) ||
           (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xc4) || (op >= 0xd0 && op <= 0xd2) ||
           op == 0xfc || op == 0xfd;
}

/* 0xfd here is v128.const only (rd_const_imm checks the rest). */
static bool is_const_opcode(uint8_t op)
{
    return (op >= 0x41 && op <= 0x44) || op == 0xd0 || op == 0xd2 || op == 0x23 || op == 0xfd;
}

static bool not_const(dec *d, uint8_t op, size_t offset)
{
    d->r.p--;
    if (!known_opcode(op))
        return fail(d, "illegal opcode");
    return defer_invalid(d, offset, "constant expression required");
}

/* Little-endian bytes to an integer, whatever the host's byte order. */
static uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* The immediate of constant instruction op (is_const_opcode(op)). */
static bool rd_const_imm(dec *d, uint8_t op, wa_constexpr *ce)
{
    const uint8_t *bytes;
    ce->op = op;
    ce->value.i64 = 0;
    ce->hi.i64 = 0;
    switch (op) {
    case 0xfd: { /* v128.const (0xfd 12) and 16 bytes; any other SIMD op is no constant */
        uint32_t sub;
        if (!wa_read_u32(&d->r, &sub))
            return fail_read(d);
        if (sub != 12)
            return defer_invalid(d, pos(d), "constant expression required");
        if (!wa_read_bytes(&d->r, 16, &bytes))
            return fail(d, "unexpected end of section or function");
        ce->value.i64 = load_le(bytes, 8);
        ce->hi.i64 = load_le(bytes + 8, 8);
        d->m->features |= 1u << WA_FEATURE_SIMD;
        return true;
    }
    case 0x41: {
        int32_t v;
        if (!wa_read_s32(&d->r, &v))
            return fail_read(d);
        ce->value.i32 = (uint32_t)v;
        return true;
    }
    case 0x42: {
        int64_t v;
        if (!wa_read_s64(&d->r, &v))
            return fail_read(d);
        ce->value.i64 = (uint64_t)v;
        return true;
    }
    case 0x43:
        if (!wa_read_bytes(&d->r, 4, &bytes))
            return fail(d, "unexpected end of section or function");
        ce->value.i32 = (uint32_t)load_le(bytes, 4);
        return true;
    case 0x44:
        if (!wa_read_bytes(&d->r, 8, &bytes))
            return fail(d, "unexpected end of section or function");
        ce->value.i64 = load_le(bytes, 8);
        return true;
    case 0xd0:
        return rd_reftype(d, &ce->type);
    default: /* 0xd2 ref.func, 0x23 global.get */
        return rd_u32(d, &ce->index);
    }
}

/* One constant instruction, then `end`. An empty expression or extra
 * constant instructions decode fine but leave the wrong stack ("type
 * mismatch"); the reference interpreter checks that every instruction is
 * constant before that, so we read on while they are. */
static bool rd_constexpr(dec *d, wa_constexpr *ce)
{
    uint8_t op;
    ce->offset = pos(d);
    if (!rd_u8(d, &op))
        return false;
    if (op == 0x0b) {
        record_invalid(d, ce->offset, "type mismatch");
        return true;
    }
    if (!is_const_opcode(op))
        return not_const(d, op, ce->offset);
    if (!rd_const_imm(d, op, ce))
        return false;
    for (unsigned n = 1;; n++) {
        wa_constexpr extra;
        if (!rd_u8(d, &op))
            return false;
        if (op == 0x0b) {
            if (n > 1)
                record_invalid(d, ce->offset, "type mismatch");
            return true;
        }
        if (!is_const_opcode(op))
            return not_const(d, op, ce->offset);
        if (!rd_const_imm(d, op, &extra))
            return false;
    }
}

/* ---- sections ----------------------------------------------------------- */

static bool sec_custom(dec *d)
{
    wa_module *m = d->m;
    wa_name name;
    if (!rd_name(d, &name))
        return false;
    if (!extend(d, (void **)&m->customs, m->ncustoms, 1, sizeof *m->customs))
        return false;
    m->customs[m->ncustoms++] = (wa_custom){name, d->r.p, (uint32_t)left(d)};
    d->r.p = d->r.end;
    return true;
}

static bool rd_valtypes(dec *d, uint32_t *n, uint8_t *store)
{
    if (!rd_count(d, n, 1))
        return false;
    for (uint32_t i = 0; i < *n; i++)
        if (!rd_valtype(d, &store[i]))
            return false;
    return true;
}

static bool sec_type(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_count(d, &n, 3))
        return false;
    if (n > WA_MAX_TYPES)
        return fail_limit(d, "types", n, WA_MAX_TYPES);
    /* Each value type is one byte of the section: it bounds the store, which
     * is never reallocated, so types[i].types stays valid. */
    m->types = alloc_array(d, n, sizeof *m->types);
    m->typestore = alloc_array(d, left(d), 1);
    if (!m->types || !m->typestore)
        return false;
    m->ntypes = n;
    size_t used = 0;
    for (uint32_t i = 0; i < n; i++) {
        wa_functype *t = &m->types[i];
        uint8_t form;
        if (!rd_u8(d, &form))
            return false;
        if (form != 0x60) { /* the reference interpreter reads the form as an s7 */
            d->r.p--;
            if (form == 0x5e || form == 0x5f || form == 0x4e || form == 0x50 || form == 0x4f)
                return unsupported(d, "struct, array or recursive types", "GC");
            return fail(d, form & 0x80 ? "integer representation too long"
                                       : "malformed function type");
        }
        t->types = m->typestore + used;
        if (!rd_valtypes(d, &t->nparams, m->typestore + used))
            return false;
        used += t->nparams;
        if (!rd_valtypes(d, &t->nresults, m->typestore + used))
            return false;
        used += t->nresults;
        if (t->nresults > 1)
            m->features |= 1u << WA_FEATURE_MULTI_VALUE;
    }
    return true;
}

static bool rd_import_desc(dec *d, wa_import *im)
{
    wa_module *m = d->m;
    uint8_t kind;
    if (!rd_u8(d, &kind))
        return false;
    switch (kind) {
    case WA_EXTERN_FUNC:
        im->index = m->nfuncs;
        m->funcs[m->nfuncs].imported = true;
        return rd_u32(d, &m->funcs[m->nfuncs++].type);
    case WA_EXTERN_TABLE:
        im->index = m->ntables;
        return rd_reftype(d, &m->tables[m->ntables].elem) &&
               rd_limits(d, &m->tables[m->ntables++].lim);
    case WA_EXTERN_MEMORY:
        im->index = m->nmems;
        return rd_limits(d, &m->mems[m->nmems++]);
    case WA_EXTERN_GLOBAL:
        im->index = m->nglobals;
        m->globals[m->nglobals].imported = true;
        return rd_globaltype(d, &m->globals[m->nglobals++].type);
    case 4:
        d->r.p--;
        return unsupported(d, "an imported tag", "exception handling");
    default:
        d->r.p--;
        return fail(d, "malformed import kind");
    }
}

static bool sec_import(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_count(d, &n, 4))
        return false;
    /* Every kind gets room for n entries; later sections realloc to size. */
    m->imports = alloc_array(d, n, sizeof *m->imports);
    m->funcs = alloc_array(d, n, sizeof *m->funcs);
    m->tables = alloc_array(d, n, sizeof *m->tables);
    m->mems = alloc_array(d, n, sizeof *m->mems);
    m->globals = alloc_array(d, n, sizeof *m->globals);
    if (!m->imports || !m->funcs || !m->tables || !m->mems || !m->globals)
        return false;
    m->nimports = n;
    for (uint32_t i = 0; i < n; i++) {
        wa_import *im = &m->imports[i];
        if (!rd_name(d, &im->module) || !rd_name(d, &im->field))
            return false;
        const uint8_t *kind = d->r.p; /* rd_import_desc checks that it is there */
        if (!rd_import_desc(d, im))
            return false;
        im->kind = (wa_externkind)*kind;
    }
    m->nfunc_imports = m->nfuncs;
    m->ntable_imports = m->ntables;
    m->nmem_imports = m->nmems;
    m->nglobal_imports = m->nglobals;
    if (m->nfuncs > WA_MAX_FUNCS)
        return fail_limit(d, "functions", m->nfuncs, WA_MAX_FUNCS);
    return true;
}

static bool sec_function(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_count(d, &n, 1))
        return false;
    if ((uint64_t)m->nfuncs + n > WA_MAX_FUNCS)
        return fail_limit(d, "functions", (uint64_t)m->nfuncs + n, WA_MAX_FUNCS);
    if (!extend(d, (void **)&m->funcs, m->nfuncs, n, sizeof *m->funcs))
        return false;
    d->nfuncdecls = n;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_u32(d, &m->funcs[m->nfuncs++].type))
            return false;
    return true;
}

static bool sec_table(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_count(d, &n, 3) || !extend(d, (void **)&m->tables, m->ntables, n, sizeof *m->tables))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        wa_tabletype *t = &m->tables[m->ntables++];
        if (!rd_reftype(d, &t->elem) || !rd_limits(d, &t->lim))
            return false;
    }
    return true;
}

static bool sec_memory(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_count(d, &n, 2) || !extend(d, (void **)&m->mems, m->nmems, n, sizeof *m->mems))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_limits(d, &m->mems[m->nmems++]))
            return false;
    return true;
}

static bool sec_global(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_count(d, &n, 3) || !extend(d, (void **)&m->globals, m->nglobals, n, sizeof *m->globals))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        wa_globaldecl *g = &m->globals[m->nglobals++];
        if (!rd_globaltype(d, &g->type) || !rd_constexpr(d, &g->init))
            return false;
    }
    return true;
}

static bool sec_export(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_count(d, &n, 3))
        return false;
    m->exports = alloc_array(d, n, sizeof *m->exports);
    if (!m->exports)
        return false;
    m->nexports = n;
    for (uint32_t i = 0; i < n; i++) {
        wa_export *e = &m->exports[i];
        uint8_t kind;
        if (!rd_name(d, &e->name) || !rd_u8(d, &kind))
            return false;
        if (kind > WA_EXTERN_GLOBAL) {
            d->r.p--;
            if (kind == 4)
                return unsupported(d, "an exported tag", "exception handling");
            return fail(d, "malformed export kind");
        }
        e->kind = (wa_externkind)kind;
        if (!rd_u32(d, &e->index))
            return false;
    }
    return true;
}

static bool sec_start(dec *d)
{
    d->m->has_start = true;
    return rd_u32(d, &d->m->start);
}

/* Element segment flags (bit 0: passive or declarative; bit 1: explicit table
 * index when active, declarative when not; bit 2: items are expressions). */
static bool rd_elem_header(dec *d, wa_elemseg *s, uint32_t flags)
{
    s->reftype = WA_FUNCREF;
    s->mode = !(flags & 1) ? WA_SEG_ACTIVE : (flags & 2) ? WA_SEG_DECLARATIVE : WA_SEG_PASSIVE;
    if (s->mode == WA_SEG_ACTIVE) {
        if ((flags & 2) && !rd_u32(d, &s->table))
            return false;
        if (!rd_constexpr(d, &s->offset))
            return false;
    }
    if (!(flags & 3)) /* flags 0 and 4: funcref implied */
        return true;
    if (flags & 4)
        return rd_reftype(d, &s->reftype);
    uint8_t elemkind;
    if (!rd_u8(d, &elemkind))
        return false;
    if (elemkind != 0) {
        d->r.p--;
        return fail(d, "malformed elements segment kind");
    }
    return true;
}

static bool rd_elem(dec *d, wa_elemseg *s)
{
    uint32_t flags;
    if (!rd_u32(d, &flags))
        return false;
    if (flags > 7)
        return fail(d, "malformed elements segment kind");
    bool exprs = flags & 4;
    if (!rd_elem_header(d, s, flags) || !rd_count(d, &s->count, 1))
        return false;
    s->items = alloc_array(d, s->count, sizeof *s->items);
    if (!s->items)
        return false;
    for (uint32_t i = 0; i < s->count; i++) {
        wa_constexpr *it = &s->items[i];
        if (exprs) {
            if (!rd_constexpr(d, it))
                return false;
        } else {
            it->op = 0xd2;
            it->offset = pos(d);
            if (!rd_u32(d, &it->index))
                return false;
        }
    }
    return true;
}

static bool sec_element(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_count(d, &n, 3))
        return false;
    if (n > WA_MAX_SEGMENTS)
        return fail_limit(d, "element segments", n, WA_MAX_SEGMENTS);
    m->elems = alloc_array(d, n, sizeof *m->elems);
    if (!m->elems)
        return false;
    m->nelems = n;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_elem(d, &m->elems[i]))
            return false;
    return true;
}

/* Locals are declared in runs (count, type). Their sum is checked before
 * anything is allocated: two runs of 2^31 must not wrap around. */
static bool rd_locals(dec *d, wa_funcdecl *f)
{
    const wa_module *m = d->m;
    uint32_t nparams = f->type < m->ntypes ? m->types[f->type].nparams : 0;
    uint32_t nruns;
    if (!rd_count(d, &nruns, 2))
        return false;
    wa_reader runs = d->r;
    uint64_t total = 0;
    for (uint32_t i = 0; i < nruns; i++) {
        uint32_t cnt;
        uint8_t t;
        if (!rd_u32(d, &cnt) || !rd_valtype(d, &t))
            return false;
        total += cnt;
        if (total > UINT32_MAX)
            return fail(d, "too many locals");
    }
    if (total + nparams > WA_MAX_LOCALS)
        return fail(d, "too many locals");
    f->local_types = alloc_array(d, (size_t)total, 1);
    if (!f->local_types)
        return false;
    f->nlocals = (uint32_t)total;
    d->r = runs; /* second pass: known to succeed */
    for (uint32_t i = 0, k = 0; i < nruns; i++) {
        uint32_t cnt;
        uint8_t t;
        wa_read_u32(&d->r, &cnt);
        wa_read_u8(&d->r, &t);
        memset(f->local_types + k, t, cnt);
        k += cnt;
    }
    return true;
}

static bool rd_body(dec *d, wa_funcdecl *f)
{
    uint32_t size;
    const uint8_t *body;
    if (!rd_u32(d, &size))
        return false;
    if (!wa_read_bytes(&d->r, size, &body))
        return fail_read(d);
    wa_reader outer = d->r;
    d->r.p = body;
    d->r.end = body + size;
    if (!rd_locals(d, f))
        return false;
    f->body_off = pos(d);
    f->body_end = (size_t)(d->r.end - d->m->bytes);
    if (d->r.p == d->r.end || d->r.end[-1] != 0x0b) {
        d->r.p = d->r.end;
        return fail(d, "END opcode expected");
    }
    d->r = outer;
    return true;
}

static bool sec_code(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_u32(d, &n))
        return false;
    if (n != d->nfuncdecls)
        return fail(d, "function and code section have inconsistent lengths");
    d->has_code = true;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_body(d, &m->funcs[m->nfunc_imports + i]))
            return false;
    return true;
}

static bool rd_data(dec *d, wa_dataseg *s)
{
    uint32_t flags, len;
    if (!rd_u32(d, &flags))
        return false;
    if (flags > 2)
        return fail(d, "malformed data segment kind");
    s->mode = flags == 1 ? WA_SEG_PASSIVE : WA_SEG_ACTIVE;
    if (flags == 2 && !rd_u32(d, &s->memory))
        return false;
    if (s->mode == WA_SEG_ACTIVE && !rd_constexpr(d, &s->offset))
        return false;
    if (!rd_u32(d, &len))
        return false;
    if (!wa_read_bytes(&d->r, len, &s->bytes))
        return fail(d, "unexpected end of section or function");
    s->len = len;
    return true;
}

static bool sec_data(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    if (!rd_count(d, &n, 2))
        return false;
    if (n > WA_MAX_SEGMENTS)
        return fail_limit(d, "data segments", n, WA_MAX_SEGMENTS);
    m->datas = alloc_array(d, n, sizeof *m->datas);
    if (!m->datas)
        return false;
    m->ndatas = n;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_data(d, &m->datas[i]))
            return false;
    return true;
}

static bool sec_datacount(dec *d)
{
    d->m->has_datacount = true;
    d->m->features |= 1u << WA_FEATURE_BULK_MEMORY;
    return rd_u32(d, &d->m->datacount);
}

/* ---- the module --------------------------------------------------------- */

typedef bool (*section_parser)(dec *d);

static const section_parser parsers[13] = {
    sec_custom, sec_type,  sec_import,  sec_function, sec_table, sec_memory,    sec_global,
    sec_export, sec_start, sec_element, sec_code,     sec_data,  sec_datacount,
};

/* Position of each section id in the required order (datacount sits between
 * element and code); custom sections may appear anywhere. */
static const uint8_t section_rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

static bool rd_header(dec *d)
{
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    const uint8_t *p;
    if (!wa_read_bytes(&d->r, 4, &p))
        return fail(d, "unexpected end");
    if (memcmp(p, magic, 4) != 0)
        return fail(d, "magic header not detected");
    if (!wa_read_bytes(&d->r, 4, &p))
        return fail(d, "unexpected end");
    if (memcmp(p, version, 4) != 0)
        return fail(d, "unknown binary version");
    return true;
}

/* Reads one section header and runs its parser over exactly its bytes. */
static bool rd_section(dec *d, uint8_t *last_rank)
{
    uint8_t id;
    uint32_t size;
    if (!rd_u8(d, &id))
        return false;
    if (id == 13) { /* the tag section */
        d->r.p--;
        return wa_fail_unsupported(d->err, 13, pos(d), "a tag section", "exception handling");
    }
    if (id > 12) {
        d->r.p--;
        return fail(d, "malformed section id");
    }
    if (!rd_u32(d, &size))
        return false;
    if (size > left(d))
        return fail(d, "length out of bounds");
    if (id != WA_SEC_CUSTOM) {
        if (section_rank[id] <= *last_rank) {
            d->r.p -= 1;
            return fail(d, "unexpected content after last section");
        }
        *last_rank = section_rank[id];
    }
    wa_reader outer = d->r;
    outer.p += size;
    d->r.end = d->r.p + size;
    d->sec = id;
    if (!parsers[id](d)) {
        if (!d->skip)
            return false;
        d->skip = false; /* deferred INVALID: the rest of the section is not ours to read */
    } else if (d->r.p != d->r.end) {
        return fail(d, "section size mismatch");
    }
    d->r = outer;
    d->sec = -1;
    return true;
}

static bool check_counts(dec *d)
{
    const wa_module *m = d->m;
    if (!d->has_code && d->nfuncdecls != 0)
        return fail(d, "function and code section have inconsistent lengths");
    if (m->has_datacount && m->datacount != m->ndatas)
        return fail(d, "data count and data section have inconsistent lengths");
    return true;
}

bool wa_decode(wa_module *m, wa_error *err)
{
    dec d = {.m = m, .err = err, .sec = -1};
    d.r = (wa_reader){.start = m->bytes, .p = m->bytes, .end = m->bytes + m->len};
    if (!rd_header(&d))
        return false;
    uint8_t last_rank = 0;
    while (d.r.p < d.r.end)
        if (!rd_section(&d, &last_rank))
            return false;
    if (!check_counts(&d))
        return false;
    if (d.has_invalid) {
        if (err)
            *err = d.invalid;
        return false;
    }
    return true;
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* Length of the sequence led by byte b, and the range its second byte must
 * lie in (narrower than 80..BF where that rules out overlong forms,
 * surrogates and code points past U+10FFFF). 0 if b cannot lead. */
static unsigned utf8_lead(uint8_t b, uint8_t *lo, uint8_t *hi)
{
    *lo = 0x80;
    *hi = 0xbf;
    if (b < 0x80)
        return 1;
    if (b >= 0xc2 && b <= 0xdf)
        return 2;
    if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0)
            *lo = 0xa0;
        if (b == 0xed)
            *hi = 0x9f;
        return 3;
    }
    if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0)
            *lo = 0x90;
        if (b == 0xf4)
            *hi = 0x8f;
        return 4;
    }
    return 0;
}

bool wa_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t lo, hi;
        unsigned n = utf8_lead(s[i], &lo, &hi);
        if (n == 0 || n > len - i)
            return false;
        for (unsigned k = 1; k < n; k++) {
            uint8_t c = s[i + k];
            if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xbf))
                return false;
        }
        i += n;
    }
    return true;
}
