/*
 * module.h: the decoded module, shared by the load phases and instantiation.
 *
 * Load runs three phases over one wa_module:
 *   decode.c    bytes -> this structure (binary format rules: "malformed")
 *   validate.c  module-level rules: indices, limits, constant expressions,
 *               exports, start ("invalid")
 *   code.c      each function body: validated and translated in one pass into
 *               the interpreter's internal code (see code.h; with emit.c,
 *               fuse.c and bundle.c, the translator: translate.h)
 * After load the module is immutable and may be shared across threads.
 *
 * All arrays are owned by the module and freed by wa_module_free. Names and
 * byte ranges point into m->bytes, the module's private copy of the input.
 */
#ifndef WA_MODULE_H
#define WA_MODULE_H

#include <string.h>

#include "wasm.h"

/* Implementation limits: beyond them a module is rejected with WA_ERR_LIMIT
 * (or as malformed where the spec tests expect that, e.g. too many locals). */
#define WA_MAX_LOCALS 50000u  /* params + locals of one function */
#define WA_MAX_FUNCS 1000000u /* imported + defined */
#define WA_MAX_TYPES 1000000u
#define WA_MAX_TABLE_SIZE 10000000u /* elements a table may grow to */
#define WA_MAX_SEGMENTS 1000000u

/* Section ids. */
enum {
    WA_SEC_CUSTOM = 0,
    WA_SEC_TYPE = 1,
    WA_SEC_IMPORT = 2,
    WA_SEC_FUNCTION = 3,
    WA_SEC_TABLE = 4,
    WA_SEC_MEMORY = 5,
    WA_SEC_GLOBAL = 6,
    WA_SEC_EXPORT = 7,
    WA_SEC_START = 8,
    WA_SEC_ELEMENT = 9,
    WA_SEC_CODE = 10,
    WA_SEC_DATA = 11,
    WA_SEC_DATACOUNT = 12,
};

/* A constant expression (WebAssembly 2.0: one instruction, then `end`).
 * op is the instruction's opcode byte. */
typedef struct wa_constexpr {
    uint8_t op;     /* 0x41 i32.const, 0x42 i64.const, 0x43 f32.const, 0x44 f64.const,
                       0xd0 ref.null, 0xd2 ref.func, 0x23 global.get, 0xfd v128.const */
    uint8_t type;   /* for ref.null: the reftype */
    uint32_t index; /* for ref.func and global.get */
    wa_val value;   /* for the const instructions (bits; v128: bytes 0-7) */
    wa_val hi;      /* v128.const: bytes 8-15 */
    size_t offset;  /* byte offset of the expression, for error messages */
} wa_constexpr;

struct wa_code; /* code.h */

typedef struct wa_funcdecl {
    uint32_t type; /* index into m->types */
    bool imported;
    /* Defined functions only (set by the decoder): */
    uint32_t nlocals;     /* declared locals, not counting params */
    uint8_t *local_types; /* nlocals wa_valtype values */
    size_t body_off;      /* offset in m->bytes of the first instruction */
    size_t body_end;      /* offset just past the final `end` (0x0b) */
    struct wa_code *code; /* set by code.c */
} wa_funcdecl;

typedef struct wa_globaldecl {
    wa_globaltype type;
    bool imported;
    wa_constexpr init; /* defined globals only */
} wa_globaldecl;

typedef struct wa_import {
    wa_name module, field;
    wa_externkind kind;
    uint32_t index; /* index in the func/table/memory/global space */
} wa_import;

typedef struct wa_export {
    wa_name name;
    wa_externkind kind;
    uint32_t index;
} wa_export;

enum { WA_SEG_ACTIVE = 0, WA_SEG_PASSIVE = 1, WA_SEG_DECLARATIVE = 2 };

typedef struct wa_elemseg {
    uint8_t mode;
    uint8_t reftype;     /* WA_FUNCREF or WA_EXTERNREF */
    uint32_t table;      /* active only */
    wa_constexpr offset; /* active only */
    uint32_t count;
    wa_constexpr *items; /* count items: ref.func, ref.null or global.get */
} wa_elemseg;

typedef struct wa_dataseg {
    uint8_t mode; /* WA_SEG_ACTIVE or WA_SEG_PASSIVE */
    uint32_t memory;
    wa_constexpr offset;
    const uint8_t *bytes; /* into m->bytes */
    uint32_t len;
} wa_dataseg;

typedef struct wa_custom {
    wa_name name;
    const uint8_t *data; /* into m->bytes */
    uint32_t len;
} wa_custom;

struct wa_module {
    uint8_t *bytes; /* private copy of the input */
    size_t len;

    uint32_t ntypes;
    wa_functype *types; /* types[i].types points into typestore */
    uint8_t *typestore;

    uint32_t nimports;
    wa_import *imports;

    uint32_t nfuncs, nfunc_imports; /* imported functions come first */
    wa_funcdecl *funcs;
    uint32_t ntables, ntable_imports;
    wa_tabletype *tables;
    uint32_t nmems, nmem_imports;
    wa_limits *mems;
    uint32_t nglobals, nglobal_imports;
    wa_globaldecl *globals;

    uint32_t nexports;
    wa_export *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    wa_elemseg *elems;
    uint32_t ndatas;
    wa_dataseg *datas;
    bool has_datacount;
    uint32_t datacount;

    uint32_t ncustoms;
    wa_custom *customs;

    /* Set by validate.c: functions that may be named by ref.func inside code
     * (those referenced from elements, exports or global initialisers). */
    uint8_t *func_declared; /* nfuncs bytes, 0 or 1 */

    uint32_t features; /* 1u << WA_FEATURE_x: set by decode.c and code.c */
};

/* The phases. Each returns true, or false with err filled. */
bool wa_decode(wa_module *m, wa_error *err);             /* m->bytes/len are set */
bool wa_validate_module(wa_module *m, wa_error *err);    /* after decode */
bool wa_code_translate_all(wa_module *m, wa_error *err); /* after validate */
void wa_code_free(struct wa_code *c);

/* A feature of proposal `proposal` that the engine does not implement, as a
 * WA_ERR_UNSUPPORTED error: "uses WHAT (PROPOSAL proposal)". */
bool wa_fail_unsupported(wa_error *err, int section, size_t offset, const char *what,
                         const char *proposal);

/* Fills err and returns false; for use as `return wa_fail(err, ...)`. */
bool wa_fail(wa_error *err, wa_errkind kind, int section, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static inline const wa_functype *wa_func_decl_type(const wa_module *m, uint32_t f)
{
    return &m->types[m->funcs[f].type];
}

static inline bool wa_is_reftype(uint8_t t)
{
    return t == WA_FUNCREF || t == WA_EXTERNREF;
}
static inline bool wa_is_numtype(uint8_t t)
{
    return t == WA_I32 || t == WA_I64 || t == WA_F32 || t == WA_F64;
}

/* True if [s, s+len) is well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF), as names in the binary format must be. */
bool wa_utf8_valid(const uint8_t *s, size_t len);

/* LEB128 and other primitive readers over [p, end). On error they return
 * false and leave *p unspecified. */
typedef struct wa_reader {
    const uint8_t *start, *p, *end;
    uint8_t error; /* wa_read_error: why the last read failed (set on failure only) */
} wa_reader;

/* Why a read failed; wa_read_error_message gives the spec's wording. */
enum wa_read_error {
    WA_READ_OK = 0,
    WA_READ_END = 1,       /* "unexpected end": ran out of bytes */
    WA_READ_TOO_LONG = 2,  /* "integer representation too long": more bytes than ceil(N/7) */
    WA_READ_TOO_LARGE = 3, /* "integer too large": unused bits of the last byte not clean */
    WA_READ_LENGTH = 4,    /* "length out of bounds": wa_read_bytes asked for more than is left */
};
const char *wa_read_error_message(const wa_reader *r);

bool wa_read_u32(wa_reader *r, uint32_t *out);
bool wa_read_s32(wa_reader *r, int32_t *out);
bool wa_read_s33(wa_reader *r, int64_t *out);
bool wa_read_s64(wa_reader *r, int64_t *out);
bool wa_read_u8(wa_reader *r, uint8_t *out);
bool wa_read_bytes(wa_reader *r, uint32_t n, const uint8_t **out);

#endif
