/*
 * instance.h: runtime objects (functions, tables, memories, globals,
 * instances) shared by instance.c (creation, linking) and interp.c.
 *
 * An instance refers to its functions, tables, memories and globals through
 * pointer arrays, because imported ones belong to someone else. Its defined
 * ones are allocated with it and freed with it.
 *
 * Execution state (value stack, call frames, fuel, interrupt flag) lives in
 * the instance that wa_call was given: a call into a function imported from
 * another instance keeps running on the caller's stack and fuel.
 */
#ifndef WA_INSTANCE_H
#define WA_INSTANCE_H

#include <stdatomic.h>

#include "code.h"

struct wa_func {
    const wa_functype *type;
    wa_instance *inst;   /* wasm functions: the defining instance */
    const wa_code *code; /* wasm functions; NULL for host functions */
    wa_host_fn host;
    void *env;
    uint32_t index;       /* function index in its module */
    wa_functype own_type; /* host functions: a private copy of the type */
    const void *native;   /* compiled: its wa_native entry (opaque), else NULL */
    const void *direct;   /* and its direct entry (wa_native.directs), if any */
};

struct wa_table {
    wa_tabletype type; /* lim.min is the current size */
    uint32_t size;
    void **elems;
};

struct wa_memory {
    uint8_t *data;
    uint64_t size; /* bytes = pages * WA_PAGE_SIZE */
    uint32_t pages;
    uint32_t max_pages; /* the type's maximum, or 65536 */
    bool has_max;
    uint32_t cap_pages; /* the embedder's cap (wa_config), <= max_pages */
    wa_mempool *pool;   /* where data returns when the memory is freed, or NULL */
};

struct wa_global {
    wa_globaltype type;
    wa_val val[2]; /* a v128 takes both (bytes 0-7, 8-15); other types val[0] */
};

/* A suspended caller, saved when a wasm function calls another. Compiled
 * code sets func only, and not to a pointer: to its function's index
 * tagged as an odd number (WA_FRAME_INDEX), a store of a constant where a
 * pointer would cost two loads on every call; only traps read it
 * (wa_frame_func_index). */
typedef struct wa_frame {
    const uint32_t *pc;
    wa_val *fp;
    wa_func *func;
    const uint32_t *ops; /* func's code, saved to spare RET two loads */
} wa_frame;

#define WA_FRAME_INDEX(index) ((wa_func *)(uintptr_t)(2 * (uintptr_t)(index) + 1))

/* The index of the function suspended in frame fr. */
static inline uint32_t wa_frame_func_index(const wa_frame *fr)
{
    uintptr_t tag = (uintptr_t)fr->func;
    return tag & 1 ? (uint32_t)(tag >> 1) : fr->func->index;
}

struct wa_instance {
    const wa_module *m;
    wa_func **funcs;     /* m->nfuncs */
    wa_table **tables;   /* m->ntables */
    wa_memory *mem0;     /* memory 0 or NULL */
    wa_global **globals; /* m->nglobals */
    wa_func *own_funcs;  /* the defined functions */
    wa_table *own_tables;
    wa_memory *own_mem;
    wa_global *own_globals;
    void ***elem_refs;  /* per element segment: resolved references */
    uint32_t *elem_len; /* 0 once dropped */
    uint8_t *data_dropped;

    /* Execution state, in one mapping: frames[max_depth], then the stack;
     * own_stack when the instance mapped it, else a borrowed wa_stack. */
    wa_val *stack, *stack_end;
    wa_frame *frames;
    uint32_t max_depth;   /* the configured limit */
    uint32_t depth_limit; /* max_depth, or less on a smaller borrowed stack */
    wa_stack *own_stack;
    bool running;
    int64_t fuel;
    atomic_int interrupt;
    char trap_msg[200];
    /* Where the last trap happened: function indices, innermost first. */
    uint32_t backtrace[WA_BACKTRACE_MAX];
    uint32_t backtrace_len, backtrace_depth;
    void *userdata;
    const wa_native *native; /* compiled code for the defined functions, or NULL */
    /* While this instance runs a call: the first frame not taken by the
     * callers (each tier pushes above it, so one chain of frames serves the
     * depth limit and the backtrace), and for compiled code the lowest C
     * stack address it may use (0 until it first runs). */
    wa_frame *frame_top;
    uintptr_t native_stack_floor;
};

/* An execution stack: frames[max_depth], then WA_STACK_SLOTS values. */
struct wa_stack {
    wa_frame *frames;
    wa_val *stack, *stack_end;
    uint32_t max_depth;
    size_t bytes;
};

/* Runs f with its arguments at fp[0..); results land in fp[0..). The call
 * chain's frames below ex->frame_top belong to its callers. */
wa_trap wa_interp_run(wa_instance *ex, wa_func *f, wa_val *fp);

/* Ends a call with a trap in f (of inst), both tiers: records the message
 * and the backtrace (f, then the callers in frames [ex->frames, top)) and
 * the fuel left (fuel < 0: metering is off); returns trap. */
wa_trap wa_trap_record(wa_instance *ex, wa_instance *inst, const wa_func *f, wa_trap trap,
                       int64_t fuel, const wa_frame *top);

/* Shared by the interpreter and instantiation: the spec's table.init, with
 * its bounds checks (a trap leaves nothing written). */
wa_trap wa_table_init_from(wa_table *t, void *const *refs, uint32_t nrefs, uint32_t d, uint32_t s,
                           uint32_t n);

/* vmem.c: zero-filled pages from the kernel (NULL for 0 bytes or failure),
 * and the pool of reusable mappings (wa_mempool). */
void *wa_vmem_alloc(size_t bytes);
void *wa_mempool_take(wa_mempool *pool, size_t bytes);         /* zeroed, or a fresh mapping */
void wa_mempool_give(wa_mempool *pool, void *p, size_t bytes); /* kept, or unmapped */
void *wa_vmem_resize(void *p, size_t old_bytes, size_t new_bytes);
void wa_vmem_free(void *p, size_t bytes);

/* table.grow: returns the old size, or -1 past the maximum (or out of memory). */
int64_t wa_table_grow(wa_table *t, uint32_t n, void *init);

#endif
