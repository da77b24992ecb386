/*
 * wasm.h: the engine's embedding API, used by the rest of wactor.
 *
 * The engine knows nothing of actors. It turns bytes into an immutable,
 * shareable module (decode, validate, translate: all at load time), and a
 * module into any number of instances. An instance owns its memory, tables,
 * globals and a private execution stack; it is run by one thread at a time,
 * while the module behind it may be shared by every thread.
 *
 * Ownership: every _new or _load function has a matching *_free. On failure a function
 * returns NULL (or a non-zero code) and owns nothing of what it was given.
 *
 * Values cross the API as wa_val: i32/i64 as unsigned bits, f32/f64 as their
 * IEEE bits (NaN payloads are preserved), funcref as a wa_func pointer,
 * externref as an opaque host pointer; NULL is the null reference. A v128
 * (fixed-width SIMD) takes TWO consecutive wa_val: bytes 0-7 of the vector
 * (in memory order, as v128.store writes them) in the first, as a
 * little-endian uint64_t in .i64, bytes 8-15 in the second. So every wa_val
 * array of values (wa_call's args and results, a host function's io) holds
 * wa_slots_of(types, n) entries for n values, not n: a function
 * (i32, v128) -> v128 takes args[0] for the i32, args[1..2] for the v128,
 * and returns results[0..1].
 */
#ifndef WA_WASM_H
#define WA_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- values and types --------------------------------------------------- */

typedef enum wa_valtype {
    WA_I32 = 0x7f,
    WA_I64 = 0x7e,
    WA_F32 = 0x7d,
    WA_F64 = 0x7c,
    WA_V128 = 0x7b, /* two wa_val, see above */
    WA_FUNCREF = 0x70,
    WA_EXTERNREF = 0x6f,
} wa_valtype;

typedef union wa_val {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref; /* funcref: wa_func *; externref: host pointer; NULL = null */
} wa_val;

typedef enum wa_externkind {
    WA_EXTERN_FUNC = 0,
    WA_EXTERN_TABLE = 1,
    WA_EXTERN_MEMORY = 2,
    WA_EXTERN_GLOBAL = 3,
} wa_externkind;

/* A function type; params[0..nparams) then results[0..nresults) in types. */
typedef struct wa_functype {
    uint32_t nparams, nresults;
    const uint8_t *types; /* wa_valtype values */
} wa_functype;

bool wa_functype_equal(const wa_functype *a, const wa_functype *b);

/* The wa_val entries that values of types ts[0..n) take: one each, two for a
 * v128. For a function's arguments: wa_slots_of(t->types, t->nparams); its
 * results: wa_slots_of(t->types + t->nparams, t->nresults). */
static inline uint32_t wa_slots_of(const uint8_t *ts, uint32_t n)
{
    uint32_t w = n;
    for (uint32_t i = 0; i < n; i++)
        w += ts[i] == 0x7b; /* WA_V128 */
    return w;
}
/* Words for a person (text.c): "i32"; "(i32, i64) -> i32" (no results print
 * as "()", several as "(i32, i32)"). wa_functype_format writes at most len
 * bytes, NUL included, and returns the length the whole text has. */
const char *wa_valtype_name(uint8_t t);
size_t wa_functype_format(const wa_functype *t, char *buf, size_t len);

#define WA_PAGE_SIZE 65536u
#define WA_MAX_PAGES 65536u

/* ---- errors and traps --------------------------------------------------- */

/* Load (decode/validate/translate) and link errors. */
#define WA_ERR_LIST(X)                                                                             \
    X(OK, "ok")                                                                                    \
    X(MALFORMED, "malformed module")                                                               \
    X(INVALID, "invalid module")                                                                   \
    X(UNLINKABLE, "unlinkable")                                                                    \
    X(UNINSTANTIABLE, "instantiation trapped")                                                     \
    X(LIMIT, "implementation limit exceeded")                                                      \
    X(NOMEM, "out of memory")                                                                      \
    X(FILE, "unreadable module file") /* wa_file_read: not a regular file, or unreadable */        \
    X(UNSUPPORTED, "not supported")   /* valid under a proposal the engine does not implement */

typedef enum wa_errkind {
#define WA_X(name, msg) WA_ERR_##name,
    WA_ERR_LIST(WA_X)
#undef WA_X
} wa_errkind;

/* WA_ERR_UNSUPPORTED is a module that is well formed and valid under a
 * WebAssembly proposal the engine does not implement; its msg names the
 * feature and the proposal ("uses shared memory (threads proposal)"), the
 * section and offset say where, and code errors start "function N: ".
 * MALFORMED and INVALID are modules wrong under every proposal we know. */

/* Filled by load and instantiate. For load errors, section is the section id
 * (0..12, or -1 outside any section) and offset the byte offset in the input
 * where the problem was found; for a segment that does not fit its table or
 * memory (wa_module_check_segments, wa_instantiate), those of the segment's
 * offset expression. */
typedef struct wa_instance wa_instance;

typedef struct wa_error {
    wa_errkind kind;
    int section;
    size_t offset;
    char msg[240];
    wa_instance *partial; /* see wa_config.keep_failed; owned by the caller */
} wa_error;

const char *wa_errkind_name(wa_errkind k);
/* The error as one line: "malformed module: unexpected end (code section,
 * byte offset 12)"; where it was found only for load errors. Same contract
 * as wa_functype_format. */
size_t wa_error_format(const wa_error *e, char *buf, size_t len);

/* Traps: what ends a call abnormally. Messages follow the spec's wording. */
#define WA_TRAP_LIST(X)                                                                            \
    X(NONE, "no trap")                                                                             \
    X(UNREACHABLE, "unreachable")                                                                  \
    X(MEM_OOB, "out of bounds memory access")                                                      \
    X(TABLE_OOB, "out of bounds table access")                                                     \
    X(UNDEFINED_ELEMENT, "undefined element")                                                      \
    X(UNINITIALIZED_ELEMENT, "uninitialized element")                                              \
    X(INDIRECT_MISMATCH, "indirect call type mismatch")                                            \
    X(DIV_ZERO, "integer divide by zero")                                                          \
    X(INT_OVERFLOW, "integer overflow")                                                            \
    X(INVALID_CONVERSION, "invalid conversion to integer")                                         \
    X(STACK_EXHAUSTED, "call stack exhausted")                                                     \
    X(FUEL, "fuel exhausted")                                                                      \
    X(INTERRUPTED, "interrupted")                                                                  \
    X(EXIT, "exit") /* a host function asked to end the call (e.g. proc_exit) */                   \
    X(HOST, "host error")                                                                          \
    X(BAD_CALL, "bad call") /* wrong arguments given to wa_call */

typedef enum wa_trap {
#define WA_X(name, msg) WA_TRAP_##name,
    WA_TRAP_LIST(WA_X)
#undef WA_X
} wa_trap;

const char *wa_trap_name(wa_trap t);    /* "MEM_OOB" */
const char *wa_trap_message(wa_trap t); /* "out of bounds memory access" */

/* ---- modules ------------------------------------------------------------ */

typedef struct wa_module wa_module;

/* Decodes, validates and translates. The bytes are copied; the caller keeps
 * ownership of its buffer. Returns NULL and fills err on failure. */
wa_module *wa_module_load(const uint8_t *bytes, size_t len, wa_error *err);
void wa_module_free(wa_module *m);

/* ---- module files ------------------------------------------------------- */

/* The largest module file wa_file_read reads when given 0: 256 MiB. */
#define WA_DEFAULT_MAX_FILE (UINT64_C(256) << 20)

/* Reads the module file at path whole: the one way wactor reads a module
 * from a file (the embedding API and every command). path must name a
 * regular file of at most max_bytes (0 = WA_DEFAULT_MAX_FILE); anything
 * else is refused before a byte beyond that bound is read: a directory,
 * FIFO, device or socket (without blocking: the file is opened with
 * O_NONBLOCK) or a larger file. The size is that of the opened file
 * (fstat), and no more than it is read even if the file grows meanwhile.
 *
 * Returns a malloc'd buffer (the caller frees it; never NULL on success,
 * even for an empty file) and its length in *len. On failure returns NULL
 * and fills err (if not NULL) with section -1, offset 0 and a kind:
 * WA_ERR_FILE, the file cannot be opened or read or is not a regular file;
 * WA_ERR_LIMIT, it is larger than max_bytes; WA_ERR_NOMEM. err->msg is a
 * phrase to follow the path, "PATH: MSG":
 *   cannot read: No such file or directory
 *   is a directory, not a regular file    (FIFO, character device, ...)
 *   is 300 MiB, over the 256 MiB limit for a module */
uint8_t *wa_file_read(const char *path, uint64_t max_bytes, size_t *len, wa_error *err);

/* Describing a module (for linking, `wactor inspect`, and tests). Names are
 * (pointer, length) pairs into the module: they may contain NUL bytes. */
typedef struct wa_name {
    const char *ptr;
    uint32_t len;
} wa_name;

typedef struct wa_limits {
    uint32_t min, max;
    bool has_max;
} wa_limits;

typedef struct wa_tabletype {
    uint8_t elem; /* WA_FUNCREF or WA_EXTERNREF */
    wa_limits lim;
} wa_tabletype;

typedef struct wa_globaltype {
    uint8_t type; /* wa_valtype */
    bool mut;
} wa_globaltype;

typedef struct wa_externtype {
    wa_externkind kind;
    union {
        const wa_functype *func;
        wa_tabletype table;
        wa_limits memory;
        wa_globaltype global;
    } u;
} wa_externtype;

uint32_t wa_module_num_imports(const wa_module *m);
void wa_module_import(const wa_module *m, uint32_t i, wa_name *module, wa_name *field,
                      wa_externtype *type);
uint32_t wa_module_num_exports(const wa_module *m);
void wa_module_export(const wa_module *m, uint32_t i, wa_name *name, wa_externtype *type);
/* Looks up an export by name; returns its position for wa_module_export or -1. */
int64_t wa_module_find_export(const wa_module *m, const char *name, size_t len);
/* Custom sections, in order of appearance. */
uint32_t wa_module_num_customs(const wa_module *m);
void wa_module_custom(const wa_module *m, uint32_t i, wa_name *name, const uint8_t **data,
                      uint32_t *len);
/* The module's own and imported tables and memories, in index order. */
uint32_t wa_module_num_tables(const wa_module *m);
wa_tabletype wa_module_table(const wa_module *m, uint32_t i);
uint32_t wa_module_num_memories(const wa_module *m);
wa_limits wa_module_memory(const wa_module *m, uint32_t i);
/* Whether the module has a start function (run by wa_instantiate). */
bool wa_module_has_start(const wa_module *m);

/* Checks, without instantiating, what m alone decides of wa_instantiate's
 * success: that each table m defines is within the engine's size limit
 * (else WA_ERR_LIMIT, "table 0: an initial size of N elements is over the
 * limit of 10000000", as wa_instantiate says it), and that each active
 * element and data segment fits the initial size
 * of its table or memory, for the segments whose table or memory m defines
 * and whose offset m fixes (an i32.const, or a global.get of an immutable
 * global m defines with one). Segments into imported tables or memories, or
 * at offsets read from imported globals, are known only once linked:
 * wa_instantiate checks them, this function skips them. Returns true if
 * every segment checked fits; otherwise false, with err filled as
 * wa_instantiate fills it for that segment (kind WA_ERR_UNINSTANTIABLE, the
 * same message, section and offset), for the first one in instantiation's
 * order (elements, then data), e.g.
 *   data segment 0 does not fit memory 0 (offset 70000 + 16 bytes > 65536 bytes)
 *   element segment 1 does not fit table 0 (offset 8 + 3 elements > 10 elements)
 * True does not promise that instantiation succeeds: imports, the limits in
 * wa_config and the start function decide the rest. m NULL: false with
 * WA_ERR_INVALID. */
bool wa_module_check_segments(const wa_module *m, wa_error *err);

/* Features beyond the WebAssembly 1.0 (MVP) core that a loaded module uses,
 * as bits 1u << WA_FEATURE_x (wa_module_features); wa_feature_name names
 * one ("bulk-memory"), NULL past the list. Found while loading: a type,
 * section or instruction that only the feature has. */
#define WA_FEATURE_LIST(X)                                                                         \
    X(MUTABLE_GLOBALS, "mutable-globals")                                                          \
    X(SIGN_EXTENSION, "sign-extension")                                                            \
    X(SAT_FLOAT_TO_INT, "nontrapping-float-to-int")                                                \
    X(MULTI_VALUE, "multi-value")                                                                  \
    X(BULK_MEMORY, "bulk-memory")                                                                  \
    X(REFERENCE_TYPES, "reference-types")                                                          \
    X(SIMD, "simd")                                                                                \
    X(TAIL_CALL, "tail-call")

enum wa_feature {
#define WA_X(name, text) WA_FEATURE_##name,
    WA_FEATURE_LIST(WA_X)
#undef WA_X
        WA_FEATURE_COUNT_
};

uint32_t wa_module_features(const wa_module *m);
const char *wa_feature_name(unsigned feature);

/* Name of function index `func` from the "name" custom section, if present. */
bool wa_module_func_name(const wa_module *m, uint32_t func, wa_name *out);

/* ---- runtime objects ---------------------------------------------------- */

typedef struct wa_instance wa_instance;
typedef struct wa_func wa_func;
typedef struct wa_table wa_table;
typedef struct wa_memory wa_memory;
typedef struct wa_global wa_global;

/* A host function reads its arguments from io[0..nparams) and writes its
 * results to io[0..nresults) (counted in wa_val entries: a v128 takes two,
 * see wa_slots_of). `caller` is the instance whose code made the
 * call (its memory is what guest pointers refer to). Return WA_TRAP_NONE, or a
 * trap to end the whole call (then wa_instance_set_trap_message may explain). */
typedef wa_trap (*wa_host_fn)(wa_instance *caller, void *env, wa_val *io);

/* Host objects that can be imported. The type is copied. */
wa_func *wa_func_new_host(const wa_functype *type, wa_host_fn fn, void *env);
void wa_func_free(wa_func *f); /* host functions only */
const wa_functype *wa_func_type(const wa_func *f);

wa_table *wa_table_new(wa_tabletype type);
void wa_table_free(wa_table *t);
wa_memory *wa_memory_new(wa_limits lim);
void wa_memory_free(wa_memory *mem);
wa_global *wa_global_new(wa_globaltype type, wa_val v);
void wa_global_free(wa_global *g);
wa_val wa_global_get(const wa_global *g); /* a v128 global: bytes 0-7 only */
/* v128 globals: the vector as two wa_val (see above); immutable when made here. */
wa_global *wa_global_new_v128(const wa_val v[2]);
void wa_global_get_v128(const wa_global *g, wa_val out[2]);
wa_globaltype wa_global_type(const wa_global *g);

typedef struct wa_extern {
    wa_externkind kind;
    union {
        wa_func *func;
        wa_table *table;
        wa_memory *memory;
        wa_global *global;
    } u;
} wa_extern;

/* Frees a host object made by wa_func_new_host, wa_table_new, wa_memory_new
 * or wa_global_new, whatever its kind. Never for an instance's exports. */
void wa_extern_free(const wa_extern *e);

/* ---- instances ---------------------------------------------------------- */

/* A pool of small linear memories for reuse. Mapping and unmapping memory
 * is cheap for one thread but costly in a process whose other threads run
 * on other cores: unmapping interrupts them all to flush their TLBs. An
 * embedder that frees and makes instances often (restarting crashed
 * components) hands instances a pool: a freed memory of at most
 * max_bytes is cleared and kept, up to max_count of them, for the next
 * instance whose memory starts at the same size. Thread-safe; it must outlive every
 * instance that uses it. */
typedef struct wa_mempool wa_mempool;
wa_mempool *wa_mempool_new(size_t max_bytes, uint32_t max_count);
void wa_mempool_free(wa_mempool *pool);

/* Compiled code for a module's functions (the ahead-of-time tier, src/aot,
 * makes it; the engine knows nothing more of it). run replaces the
 * interpreter for the functions of an instance made with it: it is called
 * with f's arguments at fp[0..) and leaves f's results there, with every
 * observable effect (traps, their messages and backtraces, fuel, limits,
 * interruption) as the interpreter's. impl is the tier's own data. */
typedef struct wa_native {
    wa_trap (*run)(wa_instance *ex, wa_func *f, wa_val *fp);
    const void *impl;
    /* One opaque entry per defined function, or NULL: each wa_func of an
     * instance made with it keeps its own (compiled code that calls through
     * a table finds the callee's there). */
    const void *const *entries;
    /* And, by the same index, a second entry (or NULL) that compiled code
     * calls with the arguments in registers. */
    const void *const *directs;
} wa_native;

typedef struct wa_config {
    uint32_t max_memory_pages; /* memory.grow past it returns -1; 0 = 65536 */
    uint32_t max_call_depth;   /* deeper calls trap STACK_EXHAUSTED; 0 = default */
    /* When a segment or the start function traps, hand the half-made
     * instance to the caller in wa_error.partial instead of freeing it:
     * functions it already stored into imported tables stay callable (spec
     * semantics), and the caller frees it once those tables are gone. */
    bool keep_failed;
    /* Fuel for the start function and the calls that follow, until
     * wa_instance_set_fuel; 0 = WA_FUEL_UNLIMITED. */
    int64_t fuel;
    /* Where the instance's own memory comes from and returns to; NULL =
     * fresh mappings. */
    wa_mempool *mempool;
    /* Compiled code for this module (wa_native), borrowed: it must outlive
     * the instance; NULL = the interpreter runs it. */
    const wa_native *native;
} wa_config;

#define WA_DEFAULT_CALL_DEPTH 10000u

/* Links imports[i] to the module's i-th import (exact type matching per the
 * spec), then allocates memories, tables and globals, applies element and
 * data segments and runs the start function. Imported objects are borrowed:
 * they must outlive the instance. On failure returns NULL and fills err
 * (UNLINKABLE, UNINSTANTIABLE with the trap message, LIMIT or NOMEM). When
 * a segment or the start function traps, writes already made to imported
 * tables and memories stay, as the spec requires. */
wa_instance *wa_instantiate(const wa_module *m, const wa_extern *imports, uint32_t nimports,
                            const wa_config *cfg /* NULL = defaults */, wa_error *err);
void wa_instance_free(wa_instance *inst);
const wa_module *wa_instance_module(const wa_instance *inst);

/* The export named (name, len), or false if there is none of that name. */
bool wa_instance_export(wa_instance *inst, const char *name, size_t len, wa_extern *out);

/* Calls f (a function of this instance, imported into it, or a host
 * function) with args[0..nparams) and stores results[0..nresults). Returns
 * WA_TRAP_NONE or the trap; after a trap the instance remains usable. Not
 * reentrant: a host function must not call back into the same instance. */
wa_trap wa_call(wa_instance *inst, wa_func *f, const wa_val *args, wa_val *results);

/* Details of the last trap of this instance: a message with the function
 * index where it happened, or the message a host function set. */
const char *wa_instance_trap_message(const wa_instance *inst);
void wa_instance_set_trap_message(wa_instance *inst, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The call stack at the last trap of this instance, innermost first: up
 * to max function indices (of the module that traps, names from
 * wa_module_func_name) are stored in funcs; returns the stack's full depth
 * (0 if no wasm function was running). */
#define WA_BACKTRACE_MAX 16u
uint32_t wa_instance_backtrace(const wa_instance *inst, uint32_t *funcs, uint32_t max);

/* Embedder data, e.g. the WASI context or the actor that owns the instance. */
void wa_instance_set_userdata(wa_instance *inst, void *p);
void *wa_instance_userdata(const wa_instance *inst);

/* Fuel: every executed block costs one unit per instruction it holds,
 * charged at function entry and at loop headers; running out traps FUEL.
 * WA_FUEL_UNLIMITED (the default) turns metering off: the fuel then stays
 * WA_FUEL_UNLIMITED whatever runs. */
#define WA_FUEL_UNLIMITED INT64_MAX
void wa_instance_set_fuel(wa_instance *inst, int64_t fuel);
int64_t wa_instance_fuel(const wa_instance *inst);

/* Asks the running call to stop: from any thread, at any time. The call traps
 * INTERRUPTED at its next loop header or call. The flag stays set until
 * wa_instance_clear_interrupt, so a call that starts later stops at once. */
void wa_instance_interrupt(wa_instance *inst);
void wa_instance_clear_interrupt(wa_instance *inst);

/* Execution stacks. By default an instance maps its own stack on its first
 * call (address space reserved, pages touched as used). An embedder that
 * runs many instances on a few threads gives each thread one wa_stack and
 * lends it to an instance before calling it: instances then cost no stack
 * memory while idle. A stack serves one call at a time. */
typedef struct wa_stack wa_stack;

/* A stack for calls up to max_depth deep (0 = WA_DEFAULT_CALL_DEPTH);
 * NULL when out of memory. */
wa_stack *wa_stack_new(uint32_t max_depth);
void wa_stack_free(wa_stack *s);
/* Runs the instance's next calls on s (borrowed: it must outlive them; NULL
 * returns to the instance's own). Calls never go deeper than the smaller of
 * the instance's max_call_depth and the stack's max_depth. Not while a call
 * of this instance is running. */
void wa_instance_use_stack(wa_instance *inst, wa_stack *s);

/* ---- guest memory: every access is bounds-checked ----------------------- */

/* Memory 0 of the instance (defined or imported), or NULL. */
wa_memory *wa_instance_memory(wa_instance *inst);
uint64_t wa_memory_size(const wa_memory *mem); /* bytes */
uint32_t wa_memory_pages(const wa_memory *mem);
/* Grows by delta pages; returns the old page count or -1. */
int64_t wa_memory_grow(wa_memory *mem, uint32_t delta);

/* A pointer to [off, off+len) if that range lies inside the memory, else
 * NULL. A zero-length range inside (off <= size) gives a non-NULL pointer.
 * Valid until the memory grows (any call into the guest may grow it). */
uint8_t *wa_memory_range(wa_memory *mem, uint64_t off, uint64_t len);
/* Copy in and out; false (and nothing copied) if the range is outside. */
bool wa_memory_read(wa_memory *mem, uint64_t off, void *dst, uint64_t len);
bool wa_memory_write(wa_memory *mem, uint64_t off, const void *src, uint64_t len);

/* Tables (for the spec runner and for tests). */
uint32_t wa_table_size(const wa_table *t);
bool wa_table_get(const wa_table *t, uint32_t i, wa_val *out);

#endif
