/*
 * stubs.h: what the module fuzzers give a module for its imports: each
 * import stubbed with exactly the imported type (host functions returning
 * zeros, fresh tables, memories and globals), deterministic, so two
 * instances of a module see the same world.
 */
#ifndef FUZZ_STUBS_H
#define FUZZ_STUBS_H

#include <string.h>

#include "wasm.h"

/* env is the imported function's type, owned by the module. */
static wa_trap fuzz_stub(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    const wa_functype *t = env;
    memset(io, 0, wa_slots_of(t->types + t->nparams, t->nresults) * sizeof *io);
    return WA_TRAP_NONE;
}

/* A stub for one import, or false if it would be larger than the limits. */
static bool fuzz_make_stub(const wa_externtype *t, wa_extern *out, uint32_t max_pages,
                           uint32_t max_table)
{
    out->kind = t->kind;
    switch (t->kind) {
    case WA_EXTERN_FUNC:
        out->u.func = wa_func_new_host(t->u.func, fuzz_stub, (void *)t->u.func);
        return out->u.func != NULL;
    case WA_EXTERN_TABLE:
        if (t->u.table.lim.min > max_table)
            return false;
        out->u.table = wa_table_new(t->u.table);
        return out->u.table != NULL;
    case WA_EXTERN_MEMORY:
        if (t->u.memory.min > max_pages)
            return false;
        out->u.memory = wa_memory_new(t->u.memory);
        return out->u.memory != NULL;
    case WA_EXTERN_GLOBAL: {
        wa_val zero;
        memset(&zero, 0, sizeof zero);
        out->u.global = wa_global_new(t->u.global, zero);
        return out->u.global != NULL;
    }
    }
    return false;
}

#endif
