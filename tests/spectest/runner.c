/*
 * runner.c: runs the official WebAssembly spec tests (as converted to JSON
 * by wast2json, see shared/testsuite/README.md) against our engine, using
 * only the embedding API of wasm.h.
 *
 *   spectest [--verbose] [--quiet] FILE.json|DIR...
 *
 * Design notes.
 *
 * - One script = one JSON file, run by run_script with a fresh `script`
 *   state: its own `spectest` host objects, registry, named modules and
 *   lists of every module and instance it created. Scripts share nothing, so
 *   a crash-free failure in one cannot leak into the next.
 *
 * - Lifetimes. Nothing is freed before the end of the script: instances are
 *   kept (even those an assertion did not expect to succeed) because their
 *   functions may sit in imported tables of other instances, and modules
 *   are kept because an instance, or functions a failed instantiation left
 *   in an imported table, may still refer to their code. At the end:
 *   instances in reverse creation order (later ones import from earlier
 *   ones), then modules, then the host objects that all of them borrowed.
 *
 * - Linking. The registry is a list of namespaces (`spectest`, then each
 *   `register`ed instance); the newest namespace of a name shadows older
 *   ones, as a later `register` does in the reference interpreter. A name
 *   that resolves to nothing is a link failure decided here, because
 *   wa_instantiate has no way to express "missing import"; type checks are
 *   left to the engine, so a found extern is passed even if its kind does
 *   not fit.
 *
 * - Values are compared as bits, never as C floats: f32/f64 travel through
 *   the i32/i64 members of wa_val, so NaN payloads survive. externref N is
 *   the host pointer N + 1, keeping N = 0 distinct from the null reference.
 *
 * - A failed `module` command leaves "no current module" (and a named
 *   module bound to nothing): every later command that needs it fails on
 *   its own instead of crashing, so one broken module costs its own tests
 *   and not the rest of the script.
 *
 * - Every command counts once: passed, failed, or skipped (only assertions
 *   on text-format modules, which a binary-only engine cannot read).
 */
#include "aot.h"
#include "json.h"
#include "wasm.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SHOWN_FAILURES 5           /* per file, without --verbose */
#define MAX_FILE_BYTES ((long)1 << 30) /* a sanity bound, not a real limit */

/* ---- options and counters ------------------------------------------------- */

typedef struct options {
    bool verbose;        /* every failure, with detail */
    bool quiet;          /* no failure detail, no line for a clean file */
    const char *aot_dir; /* compile every module there and run it compiled */
    bool aot_mixed;      /* only every other module: calls cross between the tiers */
} options;

typedef struct counts {
    unsigned long passed, failed, skipped;
} counts;

/* ---- per-script state ----------------------------------------------------- */

/* A growable array of pointers; one type serves every list of the script. */
typedef struct ptrvec {
    void **items;
    size_t len, cap;
} ptrvec;

/* A name from the script ("$M" or a register name), owned by the script. */
typedef struct owned_name {
    char *ptr;
    size_t len;
} owned_name;

typedef struct named_module {
    owned_name name;
    wa_instance *inst; /* NULL: the module command failed */
} named_module;

typedef struct namespace_ {
    owned_name name;
    wa_instance *inst; /* NULL: the spectest host module */
} namespace_;

typedef struct host_export {
    const char *name;
    wa_extern ext;
} host_export;

enum { MAX_HOST_EXPORTS = 16 };

typedef struct script {
    const options *opt;
    const char *name; /* for messages: the JSON file name without .json */
    char *name_buf;   /* owns name, unless allocating it failed */
    char *dir;        /* folder of the JSON file; module files are relative to it */
    counts c;
    ptrvec failures;       /* formatted failure lines to print (char *) */
    unsigned long unshown; /* failures beyond the ones kept for printing */

    host_export host[MAX_HOST_EXPORTS];
    size_t nhost;
    ptrvec instances; /* wa_instance *, creation order */
    ptrvec modules;   /* wa_module * */
    ptrvec artifacts; /* wa_aot_artifact *, compiled modules (--aot) */
    ptrvec names;     /* named_module * */
    ptrvec registry;  /* namespace_ * */
    wa_instance *current;
    bool any_module; /* a module command has run (for a clearer message) */

    /* The command being run, for failure messages. */
    long line;
    const char *cmdtype;
} script;

static bool ptrvec_push(ptrvec *v, void *p)
{
    if (v->len == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 16;
        void **n = realloc(v->items, ncap * sizeof *n);
        if (n == NULL)
            return false;
        v->items = n;
        v->cap = ncap;
    }
    v->items[v->len++] = p;
    return true;
}

static void ptrvec_free(ptrvec *v)
{
    free(v->items);
    memset(v, 0, sizeof *v);
}

static bool own_name(owned_name *dst, const json_str *src)
{
    dst->ptr = malloc(src->len + 1);
    if (dst->ptr == NULL)
        return false;
    memcpy(dst->ptr, src->ptr, src->len);
    dst->ptr[src->len] = 0;
    dst->len = src->len;
    return true;
}

static bool name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* ---- results --------------------------------------------------------------- */

static void pass(script *s)
{
    s->c.passed++;
}

static void skip(script *s)
{
    s->c.skipped++;
}

/* Records a failed command. Only the lines that will be printed are kept, so
 * a script where everything fails does not hoard thousands of strings. */
static void failf(script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(script *s, const char *fmt, ...)
{
    s->c.failed++;
    bool keep = !s->opt->quiet && (s->opt->verbose || s->failures.len < MAX_SHOWN_FAILURES);
    if (!keep) {
        s->unshown++;
        return;
    }
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    size_t n = strlen(s->name) + strlen(s->cmdtype) + strlen(detail) + 64;
    char *line = malloc(n);
    if (line != NULL && s->line > 0)
        snprintf(line, n, "  %s.wast:%ld: %s: %s", s->name, s->line, s->cmdtype, detail);
    else if (line != NULL) /* not about a command: the file itself is unusable */
        snprintf(line, n, "  %s.json: %s", s->name, detail);
    if (line == NULL || !ptrvec_push(&s->failures, line)) {
        free(line);
        s->unshown++;
    }
}

/* Prints names as the JSON wrote them would be ideal; escaping control
 * bytes is enough to keep one failure on one line. */
static void quote_name(char *buf, size_t n, const char *p, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o < n ? o : n - 1] = 0;
}

/* ---- values ------------------------------------------------------------------ */

typedef enum match_kind {
    MATCH_BITS,          /* exact bits (or pointer) */
    MATCH_NAN_CANONICAL, /* nan:canonical */
    MATCH_NAN_ARITHMETIC,
    MATCH_NONNULL_REF, /* a ref expected without a value: any non-null one */
} match_kind;

typedef struct expect {
    uint8_t type;
    match_kind match;
    wa_val v;
    /* v128: bytes 8-15 in hi (v holds 0-7); per lane, its type (WA_I32 for
     * any integer lanes, WA_F32, WA_F64), width in bytes and match */
    wa_val hi;
    uint8_t lane_type, lane_bytes, nlanes;
    match_kind lane_match[16];
} expect;

static const struct {
    const char *name;
    uint8_t type;
} valtypes[] = {
    {"i32", WA_I32},   {"i64", WA_I64},         {"f32", WA_F32},
    {"f64", WA_F64},   {"funcref", WA_FUNCREF}, {"externref", WA_EXTERNREF},
    {"v128", WA_V128},
};

static const char *valtype_name(uint8_t t)
{
    for (size_t i = 0; i < sizeof valtypes / sizeof valtypes[0]; i++)
        if (valtypes[i].type == t)
            return valtypes[i].name;
    return "?";
}

static bool parse_valtype(const json_value *v, uint8_t *out)
{
    for (size_t i = 0; i < sizeof valtypes / sizeof valtypes[0]; i++) {
        if (json_string_is(v, valtypes[i].name)) {
            *out = valtypes[i].type;
            return true;
        }
    }
    return false;
}

/* An unsigned decimal no larger than max; nothing else is accepted. */
static bool parse_u64(const json_str *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || s->len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s->len; i++) {
        char c = s->ptr[i];
        if (c < '0' || c > '9')
            return false;
        uint64_t d = (uint64_t)(c - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool parse_ref(uint8_t type, const json_str *s, wa_val *out, char *why, size_t n)
{
    if (s->len == 4 && memcmp(s->ptr, "null", 4) == 0) {
        out->ref = NULL;
        return true;
    }
    uint64_t k;
    if (type == WA_EXTERNREF && parse_u64(s, UINTPTR_MAX - 1, &k)) {
        out->ref = (void *)(uintptr_t)(k + 1);
        return true;
    }
    snprintf(why, n, "unsupported %s value", valtype_name(type));
    return false;
}

/* {"type": "v128", "lane_type": "i8".."f64", "value": [lane, ...]}: each
 * lane an unsigned decimal of its bits, or a NaN pattern in float lanes of
 * expected results. */
static bool parse_v128(const json_value *jv, bool allow_patterns, expect *out, char *why, size_t n)
{
    static const struct {
        const char *name;
        uint8_t bytes, type;
    } lane_types[] = {{"i8", 1, WA_I32},  {"i16", 2, WA_I32}, {"i32", 4, WA_I32},
                      {"i64", 8, WA_I64}, {"f32", 4, WA_F32}, {"f64", 8, WA_F64}};
    const json_value *lt = json_get(jv, "lane_type"), *vals = json_get(jv, "value");
    for (size_t i = 0; i < sizeof lane_types / sizeof lane_types[0]; i++) {
        if (json_string_is(lt, lane_types[i].name)) {
            out->lane_bytes = lane_types[i].bytes;
            out->lane_type = lane_types[i].type;
        }
    }
    if (out->lane_bytes == 0 || vals == NULL || vals->type != JSON_ARRAY ||
        vals->u.array.len != 16u / out->lane_bytes) {
        snprintf(why, n, "bad v128 value (lane_type or lane count)");
        return false;
    }
    out->nlanes = (uint8_t)(16u / out->lane_bytes);
    uint8_t bytes[16];
    for (size_t i = 0; i < out->nlanes; i++) {
        const json_str *s = json_string(&vals->u.array.items[i]);
        bool is_float = out->lane_type == WA_F32 || out->lane_type == WA_F64;
        uint64_t bits = 0;
        out->lane_match[i] = MATCH_BITS;
        if (s != NULL && is_float && allow_patterns && s->len == 13 &&
            memcmp(s->ptr, "nan:canonical", 13) == 0) {
            out->lane_match[i] = MATCH_NAN_CANONICAL;
        } else if (s != NULL && is_float && allow_patterns && s->len == 14 &&
                   memcmp(s->ptr, "nan:arithmetic", 14) == 0) {
            out->lane_match[i] = MATCH_NAN_ARITHMETIC;
        } else if (!parse_u64(
                       s, out->lane_bytes == 8 ? UINT64_MAX : (1ull << (8 * out->lane_bytes)) - 1,
                       &bits)) {
            snprintf(why, n, "bad v128 lane %zu", i);
            return false;
        }
        for (size_t b = 0; b < out->lane_bytes; b++)
            bytes[i * out->lane_bytes + b] = (uint8_t)(bits >> (8 * b));
    }
    uint64_t lo = 0, hi = 0;
    for (int b = 7; b >= 0; b--) {
        lo = lo << 8 | bytes[b];
        hi = hi << 8 | bytes[8 + b];
    }
    out->v.i64 = lo;
    out->hi.i64 = hi;
    return true;
}

/* Parses {"type": T, "value": V}. With allow_patterns (expected results),
 * NaN patterns and value-less refs are accepted. */
static bool parse_val(const json_value *jv, bool allow_patterns, expect *out, char *why, size_t n)
{
    memset(out, 0, sizeof *out);
    if (!parse_valtype(json_get(jv, "type"), &out->type)) {
        snprintf(why, n, "value without a known type");
        return false;
    }
    if (out->type == WA_V128)
        return parse_v128(jv, allow_patterns, out, why, n);
    const json_str *s = json_string(json_get(jv, "value"));
    bool is_ref = out->type == WA_FUNCREF || out->type == WA_EXTERNREF;
    if (s == NULL && is_ref && allow_patterns) {
        out->match = MATCH_NONNULL_REF;
        return true;
    }
    if (s == NULL) {
        snprintf(why, n, "%s value missing", valtype_name(out->type));
        return false;
    }
    if (is_ref)
        return parse_ref(out->type, s, &out->v, why, n);
    bool is_float = out->type == WA_F32 || out->type == WA_F64;
    if (is_float && allow_patterns && s->len > 4 && memcmp(s->ptr, "nan:", 4) == 0) {
        if (s->len == 13 && memcmp(s->ptr, "nan:canonical", 13) == 0)
            out->match = MATCH_NAN_CANONICAL;
        else if (s->len == 14 && memcmp(s->ptr, "nan:arithmetic", 14) == 0)
            out->match = MATCH_NAN_ARITHMETIC;
        else
            goto bad;
        return true;
    }
    bool wide = out->type == WA_I64 || out->type == WA_F64;
    uint64_t bits;
    if (!parse_u64(s, wide ? UINT64_MAX : UINT32_MAX, &bits))
        goto bad;
    /* Floats go in as bits through the integer members: see the design note. */
    if (wide)
        out->v.i64 = bits;
    else
        out->v.i32 = (uint32_t)bits;
    return true;
bad:
    snprintf(why, n, "bad %s value \"%.40s\"", valtype_name(out->type), s->ptr);
    return false;
}

static void fmt_val(char *buf, size_t n, uint8_t type, wa_val v)
{
    switch (type) {
    case WA_I32:
        snprintf(buf, n, "i32:%" PRIu32 " (0x%08" PRIx32 ")", v.i32, v.i32);
        break;
    case WA_I64:
        snprintf(buf, n, "i64:%" PRIu64 " (0x%016" PRIx64 ")", v.i64, v.i64);
        break;
    case WA_F32: {
        float f;
        memcpy(&f, &v.i32, sizeof f);
        snprintf(buf, n, "f32:0x%08" PRIx32 " (%.9g)", v.i32, (double)f);
        break;
    }
    case WA_F64: {
        double d;
        memcpy(&d, &v.i64, sizeof d);
        snprintf(buf, n, "f64:0x%016" PRIx64 " (%.17g)", v.i64, d);
        break;
    }
    case WA_EXTERNREF:
        if (v.ref == NULL)
            snprintf(buf, n, "externref:null");
        else
            snprintf(buf, n, "externref:%" PRIuPTR, (uintptr_t)v.ref - 1);
        break;
    case WA_FUNCREF:
        if (v.ref == NULL)
            snprintf(buf, n, "funcref:null");
        else
            snprintf(buf, n, "funcref:%p", v.ref);
        break;
    default:
        snprintf(buf, n, "%s:?", valtype_name(type));
    }
}

/* A v128 as its 16 bytes in memory order. */
static void fmt_v128(char *buf, size_t n, wa_val lo, wa_val hi)
{
    size_t o = (size_t)snprintf(buf, n, "v128:");
    for (int i = 0; i < 16 && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%02x", i ? " " : "",
                              (unsigned)((i < 8 ? lo.i64 : hi.i64) >> (8 * (i % 8))) & 0xffu);
}

static void fmt_expect(char *buf, size_t n, const expect *e)
{
    if (e->type == WA_V128) {
        fmt_v128(buf, n, e->v, e->hi);
        for (size_t i = 0; i < e->nlanes; i++)
            if (e->lane_match[i] != MATCH_BITS) {
                size_t o = strlen(buf);
                snprintf(buf + o, n - o, " (lane %zu: nan:%s)", i,
                         e->lane_match[i] == MATCH_NAN_CANONICAL ? "canonical" : "arithmetic");
            }
        return;
    }
    switch (e->match) {
    case MATCH_BITS:
        fmt_val(buf, n, e->type, e->v);
        break;
    case MATCH_NAN_CANONICAL:
        snprintf(buf, n, "%s:nan:canonical", valtype_name(e->type));
        break;
    case MATCH_NAN_ARITHMETIC:
        snprintf(buf, n, "%s:nan:arithmetic", valtype_name(e->type));
        break;
    case MATCH_NONNULL_REF:
        snprintf(buf, n, "%s:non-null", valtype_name(e->type));
        break;
    }
}

/* NaN patterns: the exponent all ones and the quiet bit set; canonical also
 * wants every other payload bit clear. The sign never matters. */
static bool nan_matches(const expect *e, wa_val got)
{
    uint64_t bits = e->type == WA_F32 ? got.i32 : got.i64;
    uint64_t sign = e->type == WA_F32 ? 0x80000000u : 0x8000000000000000u;
    uint64_t quiet_nan = e->type == WA_F32 ? 0x7fc00000u : 0x7ff8000000000000u;
    bits &= ~sign;
    if (e->match == MATCH_NAN_CANONICAL)
        return bits == quiet_nan;
    return (bits & quiet_nan) == quiet_nan;
}

/* Lane by lane: bits, or a NaN pattern in a float lane. got[0..1]. */
static bool v128_matches(const expect *e, const wa_val *got)
{
    for (size_t i = 0; i < e->nlanes; i++) {
        size_t at = i * e->lane_bytes;
        uint64_t mask = e->lane_bytes == 8 ? UINT64_MAX : (1ull << (8 * e->lane_bytes)) - 1;
        uint64_t g = (at < 8 ? got[0].i64 : got[1].i64) >> (8 * (at % 8)) & mask;
        uint64_t w = (at < 8 ? e->v.i64 : e->hi.i64) >> (8 * (at % 8)) & mask;
        if (e->lane_match[i] == MATCH_BITS) {
            if (g != w)
                return false;
        } else {
            expect lane = {.type = e->lane_type, .match = e->lane_match[i]};
            wa_val v = {.i64 = g};
            if (!nan_matches(&lane, v))
                return false;
        }
    }
    return true;
}

static bool val_matches(const expect *e, wa_val got)
{
    switch (e->match) {
    case MATCH_NAN_CANONICAL:
    case MATCH_NAN_ARITHMETIC:
        return nan_matches(e, got);
    case MATCH_NONNULL_REF:
        return got.ref != NULL;
    case MATCH_BITS:
        break;
    }
    switch (e->type) {
    case WA_I32:
    case WA_F32:
        return got.i32 == e->v.i32;
    case WA_I64:
    case WA_F64:
        return got.i64 == e->v.i64;
    default:
        return got.ref == e->v.ref;
    }
}

/* ---- the spectest host module ------------------------------------------------ */

/* The print functions print nothing: no test depends on their output, and
 * it would only clutter the runner's report. */
static wa_trap host_print(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    (void)env;
    (void)io;
    return WA_TRAP_NONE;
}

static void host_add(script *s, const char *name, wa_externkind kind, void *obj)
{
    if (obj == NULL || s->nhost == MAX_HOST_EXPORTS)
        return; /* a missing host export shows up as an unlinkable import */
    host_export *h = &s->host[s->nhost++];
    h->name = name;
    h->ext.kind = kind;
    switch (kind) {
    case WA_EXTERN_FUNC:
        h->ext.u.func = obj;
        break;
    case WA_EXTERN_TABLE:
        h->ext.u.table = obj;
        break;
    case WA_EXTERN_MEMORY:
        h->ext.u.memory = obj;
        break;
    case WA_EXTERN_GLOBAL:
        h->ext.u.global = obj;
        break;
    }
}

static void host_add_funcs(script *s)
{
    static const uint8_t i32[] = {WA_I32}, i64[] = {WA_I64}, f32[] = {WA_F32}, f64[] = {WA_F64},
                         i32_f32[] = {WA_I32, WA_F32}, f64_f64[] = {WA_F64, WA_F64};
    static const struct {
        const char *name;
        wa_functype type;
    } funcs[] = {
        {"print", {0, 0, NULL}},
        {"print_i32", {1, 0, i32}},
        {"print_i64", {1, 0, i64}},
        {"print_f32", {1, 0, f32}},
        {"print_f64", {1, 0, f64}},
        {"print_i32_f32", {2, 0, i32_f32}},
        {"print_f64_f64", {2, 0, f64_f64}},
    };
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        host_add(s, funcs[i].name, WA_EXTERN_FUNC,
                 wa_func_new_host(&funcs[i].type, host_print, NULL));
}

static void host_add_globals(script *s)
{
    float f32 = 666.6f;
    double f64 = 666.6;
    wa_val v;
    memset(&v, 0, sizeof v);
    v.i32 = 666;
    host_add(s, "global_i32", WA_EXTERN_GLOBAL, wa_global_new((wa_globaltype){WA_I32, false}, v));
    v.i64 = 666;
    host_add(s, "global_i64", WA_EXTERN_GLOBAL, wa_global_new((wa_globaltype){WA_I64, false}, v));
    memset(&v, 0, sizeof v);
    memcpy(&v.i32, &f32, sizeof f32);
    host_add(s, "global_f32", WA_EXTERN_GLOBAL, wa_global_new((wa_globaltype){WA_F32, false}, v));
    memcpy(&v.i64, &f64, sizeof f64);
    host_add(s, "global_f64", WA_EXTERN_GLOBAL, wa_global_new((wa_globaltype){WA_F64, false}, v));
}

static void host_create(script *s)
{
    host_add_funcs(s);
    host_add_globals(s);
    wa_tabletype tt = {WA_FUNCREF, {10, 20, true}};
    host_add(s, "table", WA_EXTERN_TABLE, wa_table_new(tt));
    host_add(s, "memory", WA_EXTERN_MEMORY, wa_memory_new((wa_limits){1, 2, true}));
}

static void host_destroy(script *s)
{
    for (size_t i = 0; i < s->nhost; i++)
        wa_extern_free(&s->host[i].ext);
    s->nhost = 0;
}

/* ---- linking ----------------------------------------------------------------- */

static bool host_lookup(const script *s, const wa_name *field, wa_extern *out)
{
    for (size_t i = 0; i < s->nhost; i++) {
        const char *n = s->host[i].name;
        if (name_eq(n, strlen(n), field->ptr, field->len)) {
            *out = s->host[i].ext;
            return true;
        }
    }
    return false;
}

/* The newest namespace called `module` decides; its field may be missing. */
static bool registry_lookup(const script *s, const wa_name *module, const wa_name *field,
                            wa_extern *out)
{
    for (size_t i = s->registry.len; i-- > 0;) {
        const namespace_ *ns = s->registry.items[i];
        if (!name_eq(ns->name.ptr, ns->name.len, module->ptr, module->len))
            continue;
        if (ns->inst == NULL)
            return host_lookup(s, field, out);
        return wa_instance_export(ns->inst, field->ptr, field->len, out);
    }
    return false;
}

static bool registry_add(script *s, const char *name, size_t len, wa_instance *inst)
{
    namespace_ *ns = malloc(sizeof *ns);
    json_str src = {name, len};
    if (ns == NULL || !own_name(&ns->name, &src)) {
        free(ns);
        return false;
    }
    ns->inst = inst;
    if (!ptrvec_push(&s->registry, ns)) {
        free(ns->name.ptr);
        free(ns);
        return false;
    }
    return true;
}

/* Resolves every import of m. Returns a malloc'd array (the caller frees it,
 * also when m has no imports) or NULL with a reason in why. */
static wa_extern *resolve_imports(script *s, const wa_module *m, char *why, size_t n)
{
    uint32_t count = wa_module_num_imports(m);
    wa_extern *ext = calloc(count ? count : 1, sizeof *ext);
    if (ext == NULL) {
        snprintf(why, n, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++) {
        wa_name mod = {0}, field = {0};
        wa_externtype type;
        wa_module_import(m, i, &mod, &field, &type);
        if (!registry_lookup(s, &mod, &field, &ext[i])) {
            char a[64], b[64];
            quote_name(a, sizeof a, mod.ptr, mod.len);
            quote_name(b, sizeof b, field.ptr, field.len);
            snprintf(why, n, "unknown import \"%s\".\"%s\"", a, b);
            free(ext);
            return NULL;
        }
    }
    return ext;
}

/* ---- modules ------------------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *len, char *why, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, n, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || size > MAX_FILE_BYTES || fseek(f, 0, SEEK_SET) != 0) {
        snprintf(why, n, "cannot read %s", path);
    } else if ((buf = malloc((size_t)size + 1)) == NULL) {
        snprintf(why, n, "out of memory reading %s", path);
    } else if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        snprintf(why, n, "cannot read %s", path);
        free(buf);
        buf = NULL;
    } else {
        *len = (size_t)size;
    }
    fclose(f);
    return buf;
}

static void fmt_error(char *buf, size_t n, const char *what, const wa_error *err)
{
    snprintf(buf, n, "%s: %s (section %d, offset %zu): %s", what, wa_errkind_name(err->kind),
             err->section, err->offset, err->msg);
}

/* Loads the command's "filename". The module joins s->modules (freed at the
 * end of the script) so later failures cannot leak it. NULL on failure: then
 * err tells the engine's verdict, or err->kind is WA_ERR_OK and why holds a
 * runner-side reason (missing file, bad command). */
static wa_module *load_module(script *s, const json_value *cmd, wa_error *err, char *why, size_t n)
{
    memset(err, 0, sizeof *err);
    err->kind = WA_ERR_OK;
    const json_str *file = json_string(json_get(cmd, "filename"));
    if (file == NULL || memchr(file->ptr, 0, file->len) != NULL) {
        snprintf(why, n, "command without a usable filename");
        return NULL;
    }
    size_t plen = strlen(s->dir) + 1 + file->len + 1;
    char *path = malloc(plen);
    if (path == NULL) {
        snprintf(why, n, "out of memory");
        return NULL;
    }
    snprintf(path, plen, "%s/%s", s->dir, file->ptr);
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len, why, n);
    free(path);
    if (bytes == NULL)
        return NULL;
    wa_module *m = wa_module_load(bytes, len, err);
    free(bytes);
    if (m == NULL) {
        if (err->kind == WA_ERR_OK)
            err->kind = WA_ERR_MALFORMED; /* the engine failed without saying why */
        fmt_error(why, n, "load failed", err);
        return NULL;
    }
    if (!ptrvec_push(&s->modules, m)) {
        wa_module_free(m);
        snprintf(why, n, "out of memory");
        return NULL;
    }
    return m;
}

/* Compiles m into the artifact folder and loads it (docs/AOT.md). */
static const wa_native *aot_compile(script *s, const wa_module *m, char *why, size_t n)
{
    static unsigned serial;
    char path[400];
    snprintf(path, sizeof path, "%s/m%u.so", s->opt->aot_dir, serial++);
    wa_error err;
    memset(&err, 0, sizeof err);
    wa_aot_artifact *a = NULL;
    if (!wa_aot_compile(m, path, NULL, &err) || !(a = wa_aot_open(path, m, &err))) {
        snprintf(why, n, "aot: %s", err.msg);
        return NULL;
    }
    if (!ptrvec_push(&s->artifacts, a)) {
        wa_aot_close(a);
        snprintf(why, n, "out of memory");
        return NULL;
    }
    return wa_aot_artifact_native(a);
}

/* Links and instantiates m. On success the instance joins s->instances. On
 * failure returns NULL; *linked tells whether every import name resolved
 * (if not, err is untouched and why names the missing import). */
static wa_instance *instantiate(script *s, const wa_module *m, bool *linked, wa_error *err,
                                char *why, size_t n)
{
    memset(err, 0, sizeof *err);
    *linked = false;
    wa_extern *imports = resolve_imports(s, m, why, n);
    if (imports == NULL)
        return NULL;
    *linked = true;
    /* Engine defaults, but keep a half-made instance: functions it stored into
     * imported tables must stay callable (linking.wast). It is freed with the
     * script's other instances. */
    wa_config cfg = {.keep_failed = true};
    static unsigned nth;
    if (s->opt->aot_dir && (!s->opt->aot_mixed || nth++ % 2)) {
        cfg.native = aot_compile(s, m, why, n);
        if (!cfg.native) {
            free(imports);
            err->kind = WA_ERR_UNSUPPORTED;
            return NULL;
        }
    }
    wa_instance *inst = wa_instantiate(m, imports, wa_module_num_imports(m), &cfg, err);
    free(imports);
    if (err->partial != NULL && !ptrvec_push(&s->instances, err->partial))
        wa_instance_free(err->partial);
    err->partial = NULL;
    if (inst == NULL) {
        fmt_error(why, n, "instantiation failed", err);
        return NULL;
    }
    if (!ptrvec_push(&s->instances, inst)) {
        wa_instance_free(inst);
        snprintf(why, n, "out of memory");
        err->kind = WA_ERR_NOMEM;
        return NULL;
    }
    return inst;
}

static bool set_named(script *s, const json_str *name, wa_instance *inst)
{
    named_module *nm = malloc(sizeof *nm);
    if (nm == NULL || !own_name(&nm->name, name)) {
        free(nm);
        return false;
    }
    nm->inst = inst;
    if (!ptrvec_push(&s->names, nm)) {
        free(nm->name.ptr);
        free(nm);
        return false;
    }
    return true;
}

/* The instance a command refers to: "$name" if given, else the current one.
 * NULL (with a reason) if that module does not exist or failed. */
static wa_instance *target_instance(script *s, const json_value *module_name, char *why, size_t n)
{
    const json_str *name = json_string(module_name);
    if (name == NULL) {
        if (s->current == NULL)
            snprintf(why, n,
                     s->any_module ? "no current module (the last module failed)"
                                   : "no module defined");
        return s->current;
    }
    for (size_t i = s->names.len; i-- > 0;) {
        const named_module *nm = s->names.items[i];
        if (name_eq(nm->name.ptr, nm->name.len, name->ptr, name->len)) {
            if (nm->inst == NULL)
                snprintf(why, n, "module %s failed", nm->name.ptr);
            return nm->inst;
        }
    }
    char q[64];
    quote_name(q, sizeof q, name->ptr, name->len);
    snprintf(why, n, "unknown module %s", q);
    return NULL;
}

/* ---- actions ------------------------------------------------------------------- */

enum { MAX_VALUES = 64 }; /* more arguments or results than any spec test uses */

typedef struct outcome {
    wa_trap trap;
    uint32_t nresults;
    uint8_t types[MAX_VALUES];
    wa_val results[2 * MAX_VALUES]; /* as wa_call stores them: a v128 takes two */
    const char *trap_msg;           /* the engine's detail, valid until the next call */
} outcome;

static bool get_export(wa_instance *inst, const json_value *action, wa_extern *ext,
                       wa_externkind kind, char *why, size_t n)
{
    const json_str *field = json_string(json_get(action, "field"));
    if (field == NULL) {
        snprintf(why, n, "action without a field");
        return false;
    }
    char q[96];
    quote_name(q, sizeof q, field->ptr, field->len);
    if (!wa_instance_export(inst, field->ptr, field->len, ext)) {
        snprintf(why, n, "no export \"%s\"", q);
        return false;
    }
    if (ext->kind != kind) {
        snprintf(why, n, "export \"%s\" has the wrong kind", q);
        return false;
    }
    return true;
}

/* Arguments into out[] as wa_call wants them: a v128 takes two entries. */
static bool parse_args(const json_value *args, const wa_functype *ft, wa_val *out, char *why,
                       size_t n)
{
    size_t count = args && args->type == JSON_ARRAY ? args->u.array.len : 0;
    if (args != NULL && args->type != JSON_ARRAY) {
        snprintf(why, n, "args is not a list");
        return false;
    }
    if (count != ft->nparams) {
        snprintf(why, n, "%zu arguments given, function takes %" PRIu32, count, ft->nparams);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        expect e;
        if (!parse_val(&args->u.array.items[i], false, &e, why, n))
            return false;
        if (e.type != ft->types[i]) {
            snprintf(why, n, "argument %zu is %s, function takes %s", i, valtype_name(e.type),
                     valtype_name(ft->types[i]));
            return false;
        }
        *out++ = e.v;
        if (e.type == WA_V128)
            *out++ = e.hi;
    }
    return true;
}

static bool do_invoke(wa_instance *inst, const json_value *action, outcome *o, char *why, size_t n)
{
    wa_extern ext;
    if (!get_export(inst, action, &ext, WA_EXTERN_FUNC, why, n))
        return false;
    const wa_functype *ft = wa_func_type(ext.u.func);
    if (ft == NULL || ft->nparams > MAX_VALUES || ft->nresults > MAX_VALUES) {
        snprintf(why, n, "function type missing or beyond the runner's %d values", MAX_VALUES);
        return false;
    }
    wa_val args[2 * MAX_VALUES];
    memset(args, 0, sizeof args);
    if (!parse_args(json_get(action, "args"), ft, args, why, n))
        return false;
    o->nresults = ft->nresults;
    memcpy(o->types, ft->types + ft->nparams, ft->nresults);
    memset(o->results, 0, sizeof o->results);
    o->trap = wa_call(inst, ext.u.func, args, o->results);
    if (o->trap != WA_TRAP_NONE)
        o->trap_msg = wa_instance_trap_message(inst);
    return true;
}

static bool do_get(wa_instance *inst, const json_value *action, outcome *o, char *why, size_t n)
{
    wa_extern ext;
    if (!get_export(inst, action, &ext, WA_EXTERN_GLOBAL, why, n))
        return false;
    o->nresults = 1;
    o->types[0] = wa_global_type(ext.u.global).type;
    if (o->types[0] == WA_V128)
        wa_global_get_v128(ext.u.global, o->results);
    else
        o->results[0] = wa_global_get(ext.u.global);
    return true;
}

/* Performs the command's action. False (with why) if it could not even be
 * attempted; a trap is a normal outcome, left for the caller to judge. */
static bool perform(script *s, const json_value *cmd, outcome *o, char *why, size_t n)
{
    memset(o, 0, sizeof *o);
    const json_value *action = json_get(cmd, "action");
    if (action == NULL) {
        snprintf(why, n, "command without an action");
        return false;
    }
    wa_instance *inst = target_instance(s, json_get(action, "module"), why, n);
    if (inst == NULL)
        return false;
    const json_value *type = json_get(action, "type");
    if (json_string_is(type, "invoke"))
        return do_invoke(inst, action, o, why, n);
    if (json_string_is(type, "get"))
        return do_get(inst, action, o, why, n);
    snprintf(why, n, "unknown action type");
    return false;
}

static void fmt_trap(char *buf, size_t n, const outcome *o)
{
    snprintf(buf, n, "trap %s (%s)", wa_trap_name(o->trap),
             o->trap_msg ? o->trap_msg : wa_trap_message(o->trap));
}

/* ---- commands ------------------------------------------------------------------ */

#define WHY_LEN 512

static void cmd_module(script *s, const json_value *cmd)
{
    char why[WHY_LEN];
    wa_error err;
    bool linked;
    const json_str *name = json_string(json_get(cmd, "name"));
    s->any_module = true;
    s->current = NULL;
    wa_module *m = load_module(s, cmd, &err, why, sizeof why);
    wa_instance *inst = m ? instantiate(s, m, &linked, &err, why, sizeof why) : NULL;
    s->current = inst;
    /* A failed named module is still bound, so uses of it say so. */
    if (name != NULL && !set_named(s, name, inst)) {
        failf(s, "out of memory");
        return;
    }
    if (inst == NULL)
        failf(s, "%s", why);
    else
        pass(s);
}

static void cmd_register(script *s, const json_value *cmd)
{
    char why[WHY_LEN];
    const json_str *as = json_string(json_get(cmd, "as"));
    if (as == NULL) {
        failf(s, "register without \"as\"");
        return;
    }
    wa_instance *inst = target_instance(s, json_get(cmd, "name"), why, sizeof why);
    if (inst == NULL)
        failf(s, "%s", why);
    else if (!registry_add(s, as->ptr, as->len, inst))
        failf(s, "out of memory");
    else
        pass(s);
}

static void cmd_action(script *s, const json_value *cmd)
{
    char why[WHY_LEN], t[WHY_LEN];
    outcome o;
    if (!perform(s, cmd, &o, why, sizeof why)) {
        failf(s, "%s", why);
    } else if (o.trap != WA_TRAP_NONE) {
        fmt_trap(t, sizeof t, &o);
        failf(s, "unexpected %s", t);
    } else {
        pass(s);
    }
}

/* Compares results with "expected"; false (with why) at the first difference. */
static bool check_results(const outcome *o, const json_value *expected, char *why, size_t n)
{
    size_t count = expected && expected->type == JSON_ARRAY ? expected->u.array.len : 0;
    if (count != o->nresults) {
        snprintf(why, n, "expected %zu results, got %" PRIu32, count, o->nresults);
        return false;
    }
    for (size_t i = 0, at = 0; i < count; i++) {
        expect e;
        char want[200], got[128];
        if (!parse_val(&expected->u.array.items[i], true, &e, why, n))
            return false;
        const wa_val *r = &o->results[at];
        at += o->types[i] == WA_V128 ? 2 : 1;
        if (o->types[i] == WA_V128)
            fmt_v128(got, sizeof got, r[0], r[1]);
        else
            fmt_val(got, sizeof got, o->types[i], r[0]);
        fmt_expect(want, sizeof want, &e);
        bool same = e.type == o->types[i] &&
                    (e.type == WA_V128 ? v128_matches(&e, r) : val_matches(&e, r[0]));
        if (!same) {
            snprintf(why, n, "result %zu: expected %s, got %s", i, want, got);
            return false;
        }
    }
    return true;
}

static void cmd_assert_return(script *s, const json_value *cmd)
{
    char why[WHY_LEN], t[WHY_LEN];
    outcome o;
    if (!perform(s, cmd, &o, why, sizeof why)) {
        failf(s, "%s", why);
    } else if (o.trap != WA_TRAP_NONE) {
        fmt_trap(t, sizeof t, &o);
        failf(s, "expected a return, got %s", t);
    } else if (!check_results(&o, json_get(cmd, "expected"), why, sizeof why)) {
        failf(s, "%s", why);
    } else {
        pass(s);
    }
}

/* The engine words traps as the spec does, and the script's text may add
 * detail ("uninitialized element 2"), so the engine's message must begin
 * the expected text. This checks the kind of trap, not just that one
 * happened: a division that traps "out of bounds" is still a bug. */
static bool trap_text_matches(wa_trap trap, const json_value *text)
{
    const json_str *t = json_string(text);
    const char *msg = wa_trap_message(trap);
    if (t == NULL || msg == NULL)
        return true; /* nothing to compare: any trap will do */
    size_t m = strlen(msg);
    return m <= t->len && memcmp(t->ptr, msg, m) == 0;
}

static void cmd_assert_trap(script *s, const json_value *cmd, wa_trap want_kind)
{
    char why[WHY_LEN], t[WHY_LEN];
    outcome o;
    const json_str *text = json_string(json_get(cmd, "text"));
    const char *want = text ? text->ptr : "a trap";
    if (!perform(s, cmd, &o, why, sizeof why)) {
        failf(s, "%s", why);
        return;
    }
    fmt_trap(t, sizeof t, &o);
    bool ok = o.trap != WA_TRAP_NONE && o.trap != WA_TRAP_BAD_CALL &&
              (want_kind == WA_TRAP_NONE || o.trap == want_kind) &&
              trap_text_matches(o.trap, json_get(cmd, "text"));
    if (ok)
        pass(s);
    else if (o.trap == WA_TRAP_NONE)
        failf(s, "expected trap \"%s\", returned normally", want);
    else
        failf(s, "expected trap \"%s\", got %s", want, t);
}

static bool is_text_module(const json_value *cmd)
{
    return json_string_is(json_get(cmd, "module_type"), "text");
}

/* assert_malformed and assert_invalid: binary modules must be rejected by
 * wa_module_load. Which of the two phases rejects them is not checked; the
 * README allows engines to differ there. */
static void cmd_assert_rejected(script *s, const json_value *cmd)
{
    char why[WHY_LEN];
    wa_error err;
    if (is_text_module(cmd)) {
        skip(s);
        return;
    }
    const json_str *text = json_string(json_get(cmd, "text"));
    wa_module *m = load_module(s, cmd, &err, why, sizeof why);
    if (m != NULL)
        failf(s, "module loaded, expected \"%s\"", text ? text->ptr : "rejection");
    else if (err.kind == WA_ERR_OK) /* the runner could not even try */
        failf(s, "%s", why);
    else
        pass(s);
}

/* assert_unlinkable (want WA_ERR_UNLINKABLE) and assert_uninstantiable
 * (WA_ERR_UNINSTANTIABLE): the module must load, then instantiation must
 * fail with that kind. A missing import name is a link failure decided by
 * the runner. */
static void cmd_assert_instantiate_fails(script *s, const json_value *cmd, wa_errkind want)
{
    char why[WHY_LEN];
    wa_error err;
    bool linked;
    const json_str *text = json_string(json_get(cmd, "text"));
    const char *expected = text ? text->ptr : "failure";
    if (is_text_module(cmd)) {
        skip(s);
        return;
    }
    wa_module *m = load_module(s, cmd, &err, why, sizeof why);
    if (m == NULL) {
        failf(s, "%s", why);
        return;
    }
    wa_instance *inst = instantiate(s, m, &linked, &err, why, sizeof why);
    if (inst != NULL)
        failf(s, "module instantiated, expected \"%s\"", expected);
    else if (!linked && want == WA_ERR_UNLINKABLE)
        pass(s);
    else if (!linked)
        failf(s, "%s", why);
    else if (err.kind != want)
        failf(s, "expected %s \"%s\", got %s", wa_errkind_name(want), expected, why);
    else
        pass(s);
}

static void run_command(script *s, const json_value *cmd)
{
    const json_value *type = json_get(cmd, "type");
    const json_value *line = json_get(cmd, "line");
    const json_str *t = json_string(type);
    s->cmdtype = t ? t->ptr : "?";
    s->line = line && line->type == JSON_NUMBER ? (long)line->u.number.value : 0;
    if (json_string_is(type, "module"))
        cmd_module(s, cmd);
    else if (json_string_is(type, "register"))
        cmd_register(s, cmd);
    else if (json_string_is(type, "action"))
        cmd_action(s, cmd);
    else if (json_string_is(type, "assert_return"))
        cmd_assert_return(s, cmd);
    else if (json_string_is(type, "assert_trap"))
        cmd_assert_trap(s, cmd, WA_TRAP_NONE);
    else if (json_string_is(type, "assert_exhaustion"))
        cmd_assert_trap(s, cmd, WA_TRAP_STACK_EXHAUSTED);
    else if (json_string_is(type, "assert_malformed") || json_string_is(type, "assert_invalid"))
        cmd_assert_rejected(s, cmd);
    else if (json_string_is(type, "assert_unlinkable"))
        cmd_assert_instantiate_fails(s, cmd, WA_ERR_UNLINKABLE);
    else if (json_string_is(type, "assert_uninstantiable"))
        cmd_assert_instantiate_fails(s, cmd, WA_ERR_UNINSTANTIABLE);
    else
        failf(s, "unknown command type");
}

/* ---- scripts ------------------------------------------------------------------- */

static void script_init(script *s, const options *opt, const char *path)
{
    memset(s, 0, sizeof *s);
    s->opt = opt;
    s->cmdtype = "file";
    /* name: the basename without ".json"; dir: everything before the last '/'. */
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t blen = strlen(base);
    if (blen > 5 && strcmp(base + blen - 5, ".json") == 0)
        blen -= 5;
    s->name_buf = malloc(blen + 1);
    if (s->name_buf != NULL) {
        memcpy(s->name_buf, base, blen);
        s->name_buf[blen] = 0;
    }
    s->name = s->name_buf ? s->name_buf : "?";
    size_t dlen = slash ? (size_t)(slash - path) : 1;
    s->dir = malloc(dlen + 1);
    if (s->dir != NULL) {
        memcpy(s->dir, slash ? path : ".", dlen);
        s->dir[dlen] = 0;
    }
}

/* Frees everything in the order the design note gives. */
static void script_destroy(script *s)
{
    for (size_t i = s->instances.len; i-- > 0;)
        wa_instance_free(s->instances.items[i]);
    for (size_t i = 0; i < s->artifacts.len; i++)
        wa_aot_close(s->artifacts.items[i]);
    free(s->artifacts.items);
    for (size_t i = s->modules.len; i-- > 0;)
        wa_module_free(s->modules.items[i]);
    host_destroy(s);
    for (size_t i = 0; i < s->names.len; i++) {
        named_module *nm = s->names.items[i];
        free(nm->name.ptr);
        free(nm);
    }
    for (size_t i = 0; i < s->registry.len; i++) {
        namespace_ *ns = s->registry.items[i];
        free(ns->name.ptr);
        free(ns);
    }
    for (size_t i = 0; i < s->failures.len; i++)
        free(s->failures.items[i]);
    ptrvec_free(&s->instances);
    ptrvec_free(&s->modules);
    ptrvec_free(&s->names);
    ptrvec_free(&s->registry);
    ptrvec_free(&s->failures);
    free(s->name_buf);
    free(s->dir);
}

static void run_commands(script *s, const json_doc *doc)
{
    const json_value *cmds = json_get(json_root(doc), "commands");
    if (cmds == NULL || cmds->type != JSON_ARRAY) {
        failf(s, "no \"commands\" list");
        return;
    }
    host_create(s);
    if (!registry_add(s, "spectest", 8, NULL)) {
        failf(s, "out of memory");
        return;
    }
    for (size_t i = 0; i < cmds->u.array.len; i++)
        run_command(s, &cmds->u.array.items[i]);
}

static void print_report(const script *s)
{
    if (s->opt->quiet && s->c.failed == 0)
        return;
    printf("%s: %lu passed, %lu failed, %lu skipped\n", s->name, s->c.passed, s->c.failed,
           s->c.skipped);
    for (size_t i = 0; i < s->failures.len; i++)
        printf("%s\n", (const char *)s->failures.items[i]);
    if (!s->opt->quiet && s->unshown > 0)
        printf("  ... and %lu more failures (--verbose shows all)\n", s->unshown);
    fflush(stdout);
}

static void run_script(const options *opt, const char *path, counts *total)
{
    script s;
    script_init(&s, opt, path);
    char why[WHY_LEN];
    size_t len = 0;
    uint8_t *text = s.dir ? read_file(path, &len, why, sizeof why) : NULL;
    if (s.dir == NULL)
        snprintf(why, sizeof why, "out of memory");
    json_error jerr;
    json_doc *doc = text ? json_parse((const char *)text, len, &jerr) : NULL;
    free(text);
    if (text == NULL)
        failf(&s, "%s", why);
    else if (doc == NULL)
        failf(&s, "%s:%zu:%zu: %s", path, jerr.line, jerr.column, jerr.msg);
    else
        run_commands(&s, doc);
    json_free(doc);
    print_report(&s);
    total->passed += s.c.passed;
    total->failed += s.c.failed;
    total->skipped += s.c.skipped;
    script_destroy(&s);
}

/* ---- command line ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The script of folder DIR/<name> is DIR/<name>/<name>.json. */
static char *script_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 2 * strlen(name) + 8;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s/%s.json", dir, name, name);
    return p;
}

/* Runs every script under dir, sorted by name. False if the folder
 * cannot be read (the caller counts that as a failure). */
static bool run_dir(const options *opt, const char *dir, counts *total)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    ptrvec names = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *p = script_path(dir, de->d_name);
        if (p != NULL && is_file(p) && ptrvec_push(&names, p))
            continue;
        free(p);
    }
    closedir(d);
    if (names.len > 0) /* qsort wants a valid pointer even for no elements */
        qsort(names.items, names.len, sizeof *names.items, cmp_str);
    for (size_t i = 0; i < names.len; i++) {
        run_script(opt, names.items[i], total);
        free(names.items[i]);
    }
    ptrvec_free(&names);
    return true;
}

static int usage(void)
{
    fprintf(stderr, "usage: spectest [--verbose] [--quiet] [--aot DIR] FILE.json|DIR...\n"
                    "  DIR: run DIR/<name>/<name>.json for every <name>\n"
                    "  --aot DIR: compile every module into DIR and run it compiled\n"
                    "  --aot-mixed DIR: the same for every other module only\n");
    return 2;
}

int main(int argc, char **argv)
{
    options opt = {false, false, NULL, false};
    counts total = {0, 0, 0};
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--verbose") == 0)
            opt.verbose = true;
        else if (strcmp(argv[first], "--quiet") == 0)
            opt.quiet = true;
        else if (strcmp(argv[first], "--aot") == 0 && first + 1 < argc)
            opt.aot_dir = argv[++first];
        else if (strcmp(argv[first], "--aot-mixed") == 0 && first + 1 < argc)
            opt.aot_dir = argv[++first], opt.aot_mixed = true;
        else
            return usage();
    }
    if (opt.aot_dir && mkdir(opt.aot_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "spectest: cannot make %s\n", opt.aot_dir);
        return 1;
    }
    if (first == argc)
        return usage();
    for (int i = first; i < argc; i++) {
        if (is_dir(argv[i])) {
            if (!run_dir(&opt, argv[i], &total)) {
                fprintf(stderr, "spectest: cannot read folder %s\n", argv[i]);
                total.failed++;
            }
        } else {
            run_script(&opt, argv[i], &total);
        }
    }
    printf("%lu passed, %lu failed, %lu skipped\n", total.passed, total.failed, total.skipped);
    return total.failed == 0 ? 0 : 1;
}
