/*
 * instance.c: host objects, linking, instantiation, calls and guest memory.
 *
 * Instantiation follows the spec's order (WebAssembly 2.0): match imports
 * exactly, create the instance's own functions, tables, memory and globals,
 * resolve element segments, then run active element segments, active data
 * segments and the start function. A trap in any of those fails the
 * instantiation, but what earlier segments wrote into imported tables and
 * memories stays written, as the spec says.
 *
 * The execution stack is allocated on the first call, so an instance that
 * is never called costs only its objects.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"

#define WA_STACK_SLOTS (1u << 20) /* 8 MiB of address space, touched as used */

/* ---- host objects ------------------------------------------------------- */

wa_func *wa_func_new_host(const wa_functype *type, wa_host_fn fn, void *env)
{
    size_t n = (size_t)type->nparams + type->nresults;
    wa_func *f = calloc(1, sizeof *f + n);
    if (!f)
        return NULL;
    uint8_t *types = (uint8_t *)(f + 1);
    if (n)
        memcpy(types, type->types, n);
    f->own_type = (wa_functype){type->nparams, type->nresults, types};
    f->type = &f->own_type;
    f->host = fn;
    f->env = env;
    return f;
}

void wa_func_free(wa_func *f)
{
    if (f && f->host)
        free(f);
}

const wa_functype *wa_func_type(const wa_func *f)
{
    return f->type;
}

/* One wording for a table whose initial size is over the engine's limit,
 * found by wa_module_check_segments or at instantiation. */
static bool table_too_big(const wa_module *m, uint32_t i, wa_error *err)
{
    return wa_fail(err, WA_ERR_LIMIT, -1, 0,
                   "table %u: an initial size of %u elements is over the limit of %u", i,
                   m->tables[i].lim.min, WA_MAX_TABLE_SIZE);
}

static bool table_setup(wa_table *t, wa_tabletype type)
{
    if (type.lim.min > WA_MAX_TABLE_SIZE)
        return false;
    t->type = type;
    t->size = type.lim.min;
    t->elems = calloc(t->size ? t->size : 1, sizeof *t->elems);
    return t->elems != NULL;
}

wa_table *wa_table_new(wa_tabletype type)
{
    wa_table *t = calloc(1, sizeof *t);
    if (t && !table_setup(t, type)) {
        free(t);
        return NULL;
    }
    return t;
}

void wa_table_free(wa_table *t)
{
    if (!t)
        return;
    free(t->elems);
    free(t);
}

uint32_t wa_table_size(const wa_table *t)
{
    return t->size;
}

bool wa_table_get(const wa_table *t, uint32_t i, wa_val *out)
{
    if (i >= t->size)
        return false;
    out->ref = t->elems[i];
    return true;
}

int64_t wa_table_grow(wa_table *t, uint32_t n, void *init)
{
    uint32_t old = t->size;
    uint32_t max = t->type.lim.has_max ? t->type.lim.max : UINT32_MAX;
    if (max > WA_MAX_TABLE_SIZE)
        max = WA_MAX_TABLE_SIZE;
    if (n > max - old)
        return -1;
    if (n == 0)
        return old;
    void **e = realloc(t->elems, ((size_t)old + n) * sizeof *e);
    if (!e)
        return -1;
    for (uint32_t k = old; k < old + n; k++)
        e[k] = init;
    t->elems = e;
    t->size = old + n;
    return old;
}

wa_trap wa_table_init_from(wa_table *t, void *const *refs, uint32_t nrefs, uint32_t d, uint32_t s,
                           uint32_t n)
{
    if ((uint64_t)s + n > nrefs || (uint64_t)d + n > t->size)
        return WA_TRAP_TABLE_OOB;
    if (n)
        memcpy(t->elems + d, refs + s, (size_t)n * sizeof *refs);
    return WA_TRAP_NONE;
}

static bool memory_setup(wa_memory *mem, wa_limits lim, uint32_t cap, wa_mempool *pool)
{
    mem->pages = lim.min;
    mem->size = (uint64_t)lim.min * WA_PAGE_SIZE;
    mem->has_max = lim.has_max;
    mem->max_pages = lim.has_max ? lim.max : WA_MAX_PAGES;
    mem->cap_pages = cap && cap < mem->max_pages ? cap : mem->max_pages;
    if (lim.min > mem->cap_pages)
        return false;
    mem->pool = pool;
    if (mem->size) {
        mem->data = pool ? wa_mempool_take(pool, mem->size) : wa_vmem_alloc(mem->size);
        if (!mem->data)
            return false;
    }
    return true;
}

static void memory_release(wa_memory *mem)
{
    if (mem->pool)
        wa_mempool_give(mem->pool, mem->data, mem->size);
    else
        wa_vmem_free(mem->data, mem->size);
}

wa_memory *wa_memory_new(wa_limits lim)
{
    wa_memory *mem = calloc(1, sizeof *mem);
    if (mem && !memory_setup(mem, lim, 0, NULL)) {
        free(mem);
        return NULL;
    }
    return mem;
}

void wa_memory_free(wa_memory *mem)
{
    if (!mem)
        return;
    memory_release(mem);
    free(mem);
}

wa_global *wa_global_new(wa_globaltype type, wa_val v)
{
    wa_global *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->type = type;
    g->val[0] = v;
    return g;
}

wa_global *wa_global_new_v128(const wa_val v[2])
{
    wa_global *g = wa_global_new((wa_globaltype){WA_V128, false}, v[0]);
    if (g)
        g->val[1] = v[1];
    return g;
}

void wa_global_free(wa_global *g)
{
    free(g);
}
wa_val wa_global_get(const wa_global *g)
{
    return g->val[0];
}
void wa_global_get_v128(const wa_global *g, wa_val out[2])
{
    out[0] = g->val[0];
    out[1] = g->val[1];
}
wa_globaltype wa_global_type(const wa_global *g)
{
    return g->type;
}

void wa_extern_free(const wa_extern *e)
{
    switch (e->kind) {
    case WA_EXTERN_FUNC:
        wa_func_free(e->u.func);
        break;
    case WA_EXTERN_TABLE:
        wa_table_free(e->u.table);
        break;
    case WA_EXTERN_MEMORY:
        wa_memory_free(e->u.memory);
        break;
    case WA_EXTERN_GLOBAL:
        wa_global_free(e->u.global);
        break;
    }
}

/* ---- guest memory ------------------------------------------------------- */

uint64_t wa_memory_size(const wa_memory *mem)
{
    return mem->size;
}
uint32_t wa_memory_pages(const wa_memory *mem)
{
    return mem->pages;
}

int64_t wa_memory_grow(wa_memory *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    if (delta > mem->cap_pages - old)
        return -1;
    if (delta == 0)
        return old;
    uint64_t size = (uint64_t)(old + delta) * WA_PAGE_SIZE;
    uint8_t *data = wa_vmem_resize(mem->data, mem->size, size); /* new pages are zero */
    if (!data)
        return -1;
    mem->data = data;
    mem->size = size;
    mem->pages = old + delta;
    return old;
}

uint8_t *wa_memory_range(wa_memory *mem, uint64_t off, uint64_t len)
{
    static uint8_t empty;
    if (!mem || off > mem->size || len > mem->size - off)
        return NULL;
    return mem->data ? mem->data + off : &empty;
}

bool wa_memory_read(wa_memory *mem, uint64_t off, void *dst, uint64_t len)
{
    const uint8_t *p = wa_memory_range(mem, off, len);
    if (!p)
        return false;
    if (len)
        memcpy(dst, p, len);
    return true;
}

bool wa_memory_write(wa_memory *mem, uint64_t off, const void *src, uint64_t len)
{
    uint8_t *p = wa_memory_range(mem, off, len);
    if (!p)
        return false;
    if (len)
        memcpy(p, src, len);
    return true;
}

/* ---- linking ------------------------------------------------------------ */

static bool limits_match(uint32_t size, bool has_max, uint32_t max, wa_limits want)
{
    if (size < want.min)
        return false;
    if (want.has_max && (!has_max || max > want.max))
        return false;
    return true;
}

static bool import_matches(const wa_module *m, const wa_import *im, const wa_extern *ex)
{
    if (ex->kind != im->kind || !ex->u.func)
        return false;
    switch (im->kind) {
    case WA_EXTERN_FUNC:
        return wa_functype_equal(ex->u.func->type, wa_func_decl_type(m, im->index));
    case WA_EXTERN_TABLE: {
        const wa_table *t = ex->u.table;
        const wa_tabletype *want = &m->tables[im->index];
        return t->type.elem == want->elem &&
               limits_match(t->size, t->type.lim.has_max, t->type.lim.max, want->lim);
    }
    case WA_EXTERN_MEMORY: {
        const wa_memory *mem = ex->u.memory;
        return limits_match(mem->pages, mem->has_max, mem->max_pages, m->mems[im->index]);
    }
    case WA_EXTERN_GLOBAL: {
        const wa_globaltype *want = &m->globals[im->index].type;
        return ex->u.global->type.type == want->type && ex->u.global->type.mut == want->mut;
    }
    }
    return false;
}

static bool link_imports(wa_instance *inst, const wa_extern *imports, uint32_t n, wa_error *err)
{
    const wa_module *m = inst->m;
    if (n != m->nimports)
        return wa_fail(err, WA_ERR_UNLINKABLE, -1, 0, "module needs %u imports, %u given",
                       m->nimports, n);
    for (uint32_t i = 0; i < n; i++) {
        const wa_import *im = &m->imports[i];
        if (!import_matches(m, im, &imports[i]))
            return wa_fail(err, WA_ERR_UNLINKABLE, -1, 0, "incompatible import type for %.*s.%.*s",
                           (int)im->module.len, im->module.ptr, (int)im->field.len, im->field.ptr);
        switch (im->kind) {
        case WA_EXTERN_FUNC:
            inst->funcs[im->index] = imports[i].u.func;
            break;
        case WA_EXTERN_TABLE:
            inst->tables[im->index] = imports[i].u.table;
            break;
        case WA_EXTERN_MEMORY:
            inst->mem0 = imports[i].u.memory;
            break;
        case WA_EXTERN_GLOBAL:
            inst->globals[im->index] = imports[i].u.global;
            break;
        }
    }
    return true;
}

/* Evaluates a validated constant expression. 32-bit values are stored
 * zero-extended, as the interpreter stores them; a v128's bytes 8-15 go to
 * *hi (0 for any other type). */
static wa_val eval_const2(const wa_instance *inst, const wa_constexpr *e, wa_val *hi)
{
    wa_val v = {.i64 = 0};
    hi->i64 = 0;
    switch (e->op) {
    case 0xfd:
        v = e->value;
        *hi = e->hi;
        break;
    case 0x41:
    case 0x43:
        v.i64 = e->value.i32;
        break;
    case 0x42:
    case 0x44:
        v.i64 = e->value.i64;
        break;
    case 0xd2:
        v.ref = inst->funcs[e->index];
        break;
    case 0x23:
        v = inst->globals[e->index]->val[0];
        *hi = inst->globals[e->index]->val[1];
        break;
    default:
        v.ref = NULL;
        break; /* ref.null */
    }
    return v;
}

static wa_val eval_const(const wa_instance *inst, const wa_constexpr *e)
{
    wa_val hi;
    return eval_const2(inst, e, &hi);
}

static bool alloc_arrays(wa_instance *inst)
{
    const wa_module *m = inst->m;
    uint32_t nown_funcs = m->nfuncs - m->nfunc_imports;
    uint32_t nown_tables = m->ntables - m->ntable_imports;
    uint32_t nown_globals = m->nglobals - m->nglobal_imports;
#define ALLOC(field, n) ((inst->field = calloc((n) ? (n) : 1, sizeof *inst->field)) != NULL)
    return ALLOC(funcs, m->nfuncs) && ALLOC(tables, m->ntables) && ALLOC(globals, m->nglobals) &&
           ALLOC(own_funcs, nown_funcs) && ALLOC(own_tables, nown_tables) &&
           ALLOC(own_globals, nown_globals) && ALLOC(elem_refs, m->nelems) &&
           ALLOC(elem_len, m->nelems) && ALLOC(data_dropped, m->ndatas);
#undef ALLOC
}

static bool create_objects(wa_instance *inst, const wa_config *cfg, wa_error *err)
{
    const wa_module *m = inst->m;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        wa_func *f = &inst->own_funcs[i - m->nfunc_imports];
        *f = (wa_func){.type = wa_func_decl_type(m, i),
                       .inst = inst,
                       .code = m->funcs[i].code,
                       .index = i,
                       .native = inst->native && inst->native->entries
                                     ? inst->native->entries[i - m->nfunc_imports]
                                     : NULL,
                       .direct = inst->native && inst->native->directs
                                     ? inst->native->directs[i - m->nfunc_imports]
                                     : NULL};
        inst->funcs[i] = f;
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        wa_table *t = &inst->own_tables[i - m->ntable_imports];
        if (m->tables[i].lim.min > WA_MAX_TABLE_SIZE)
            return table_too_big(m, i, err);
        if (!table_setup(t, m->tables[i]))
            return wa_fail(err, WA_ERR_NOMEM, -1, 0, "table %u: cannot allocate %u elements", i,
                           m->tables[i].lim.min);
        inst->tables[i] = t;
    }
    if (m->nmems > m->nmem_imports) {
        inst->own_mem = calloc(1, sizeof *inst->own_mem);
        if (!inst->own_mem)
            return wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
        uint32_t cap = cfg ? cfg->max_memory_pages : 0;
        if (!memory_setup(inst->own_mem, m->mems[0], cap, cfg ? cfg->mempool : NULL))
            return wa_fail(err, WA_ERR_LIMIT, -1, 0,
                           "initial memory of %u pages is over the limit of %u pages or cannot "
                           "be allocated",
                           m->mems[0].min, inst->own_mem->cap_pages);
        inst->mem0 = inst->own_mem;
    }
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        wa_global *g = &inst->own_globals[i - m->nglobal_imports];
        g->type = m->globals[i].type;
        g->val[0] = eval_const2(inst, &m->globals[i].init, &g->val[1]);
        inst->globals[i] = g;
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wa_elemseg *seg = &m->elems[i];
        inst->elem_refs[i] = calloc(seg->count ? seg->count : 1, sizeof(void *));
        if (!inst->elem_refs[i])
            return wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
        for (uint32_t k = 0; k < seg->count; k++)
            inst->elem_refs[i][k] = eval_const(inst, &seg->items[k]).ref;
        inst->elem_len[i] = seg->mode == WA_SEG_DECLARATIVE ? 0 : seg->count;
    }
    return true;
}

/* ---- active segments ---------------------------------------------------- */

/* Whether `n` items from `off` fit in `size`: the spec's check, in 64 bits so
 * the sum cannot wrap. An empty segment fits at any offset up to the end. */
static bool segment_fits(uint32_t off, uint32_t n, uint64_t size)
{
    return (uint64_t)off + n <= size;
}

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

/* The error of an active segment that does not fit. One wording per problem,
 * whether wa_module_check_segments finds it from the module alone or
 * wa_instantiate finds it: the same segment gives the same error either way,
 * located at the segment's offset expression. */
static bool elem_misfit(const wa_module *m, uint32_t i, uint32_t off, uint32_t size, wa_error *err)
{
    const wa_elemseg *seg = &m->elems[i];
    return wa_fail(err, WA_ERR_UNINSTANTIABLE, WA_SEC_ELEMENT, seg->offset.offset,
                   "element segment %u does not fit table %u (offset %u + %u element%s > %u "
                   "element%s)",
                   i, seg->table, off, seg->count, plural(seg->count), size, plural(size));
}

static bool data_misfit(const wa_module *m, uint32_t i, uint32_t off, uint64_t size, wa_error *err)
{
    const wa_dataseg *seg = &m->datas[i];
    return wa_fail(err, WA_ERR_UNINSTANTIABLE, WA_SEC_DATA, seg->offset.offset,
                   "data segment %u does not fit memory %u (offset %u + %u byte%s > %llu byte%s)",
                   i, seg->memory, off, seg->len, plural(seg->len), (unsigned long long)size,
                   plural(size));
}

/* The offset an active segment will have, when the module alone decides it:
 * an i32.const, or a global.get of an immutable global the module defines
 * with such an initialiser. A global.get of an imported global is known only
 * once linked. (WebAssembly 2.0, which validate.c follows, lets offsets read
 * only imported globals; later versions also allow defined ones, followed
 * here to their initialisers, each of which reads only earlier globals.) */
static bool known_offset(const wa_module *m, const wa_constexpr *e, uint32_t *off)
{
    for (uint32_t steps = 0; e->op == 0x23 && steps < m->nglobals; steps++) {
        const wa_globaldecl *g = &m->globals[e->index];
        if (g->imported || g->type.mut)
            return false;
        e = &g->init;
    }
    if (e->op != 0x41)
        return false;
    *off = e->value.i32;
    return true;
}

bool wa_module_check_segments(const wa_module *m, wa_error *err)
{
    if (err)
        *err = (wa_error){.kind = WA_ERR_OK, .section = -1};
    if (!m)
        return wa_fail(err, WA_ERR_INVALID, -1, 0, "no module given");
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
        if (m->tables[i].lim.min > WA_MAX_TABLE_SIZE) /* create_objects would refuse it */
            return table_too_big(m, i, err);
    uint32_t off;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wa_elemseg *seg = &m->elems[i];
        if (seg->mode != WA_SEG_ACTIVE || seg->table < m->ntable_imports ||
            !known_offset(m, &seg->offset, &off))
            continue;
        uint32_t size = m->tables[seg->table].lim.min; /* table_setup's initial size */
        if (!segment_fits(off, seg->count, size))
            return elem_misfit(m, i, off, size, err);
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wa_dataseg *seg = &m->datas[i];
        if (seg->mode != WA_SEG_ACTIVE || seg->memory < m->nmem_imports ||
            !known_offset(m, &seg->offset, &off))
            continue;
        uint64_t size = (uint64_t)m->mems[seg->memory].min * WA_PAGE_SIZE; /* memory_setup's */
        if (!segment_fits(off, seg->len, size))
            return data_misfit(m, i, off, size, err);
    }
    return true;
}

/* Applies the active segments in order, elements first (WebAssembly 2.0):
 * the first that does not fit fails the instantiation, and what the earlier
 * ones wrote stays written. */
static bool run_segments(wa_instance *inst, wa_error *err)
{
    const wa_module *m = inst->m;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wa_elemseg *seg = &m->elems[i];
        if (seg->mode != WA_SEG_ACTIVE)
            continue;
        uint32_t off = eval_const(inst, &seg->offset).i32;
        wa_table *t = inst->tables[seg->table];
        if (!segment_fits(off, seg->count, t->size))
            return elem_misfit(m, i, off, t->size, err);
        wa_table_init_from(t, inst->elem_refs[i], seg->count, off, 0, seg->count); /* fits */
        inst->elem_len[i] = 0;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wa_dataseg *seg = &m->datas[i];
        if (seg->mode != WA_SEG_ACTIVE)
            continue;
        uint32_t off = eval_const(inst, &seg->offset).i32;
        if (!segment_fits(off, seg->len, inst->mem0->size))
            return data_misfit(m, i, off, inst->mem0->size, err);
        wa_memory_write(inst->mem0, off, seg->bytes, seg->len); /* fits */
        inst->data_dropped[i] = 1;
    }
    return true;
}

wa_instance *wa_instantiate(const wa_module *m, const wa_extern *imports, uint32_t nimports,
                            const wa_config *cfg, wa_error *err)
{
    memset(err, 0, sizeof *err);
    wa_instance *inst = calloc(1, sizeof *inst);
    if (!inst) {
        wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
        return NULL;
    }
    inst->m = m;
    inst->fuel = cfg && cfg->fuel > 0 ? cfg->fuel : WA_FUEL_UNLIMITED;
    inst->native = cfg ? cfg->native : NULL;
    inst->max_depth = cfg && cfg->max_call_depth ? cfg->max_call_depth : WA_DEFAULT_CALL_DEPTH;
    atomic_init(&inst->interrupt, 0);
    bool ok = alloc_arrays(inst) || wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
    ok = ok && link_imports(inst, imports, nimports, err) && create_objects(inst, cfg, err) &&
         run_segments(inst, err);
    if (ok && m->has_start) {
        wa_trap t = wa_call(inst, inst->funcs[m->start], NULL, NULL);
        if (t)
            ok = wa_fail(err, WA_ERR_UNINSTANTIABLE, -1, 0, "start function: %s", inst->trap_msg);
    }
    if (!ok) {
        if (err->kind == WA_ERR_UNINSTANTIABLE && cfg && cfg->keep_failed)
            err->partial = inst;
        else
            wa_instance_free(inst);
        return NULL;
    }
    return inst;
}

void wa_instance_free(wa_instance *inst)
{
    if (!inst)
        return;
    const wa_module *m = inst->m;
    if (inst->own_tables)
        for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++)
            free(inst->own_tables[i].elems);
    if (inst->elem_refs)
        for (uint32_t i = 0; i < m->nelems; i++)
            free(inst->elem_refs[i]);
    if (inst->own_mem)
        memory_release(inst->own_mem);
    free(inst->own_mem);
    free(inst->funcs);
    free(inst->tables);
    free(inst->globals);
    free(inst->own_funcs);
    free(inst->own_tables);
    free(inst->own_globals);
    free(inst->elem_refs);
    free(inst->elem_len);
    free(inst->data_dropped);
    wa_stack_free(inst->own_stack);
    free(inst);
}

const wa_module *wa_instance_module(const wa_instance *inst)
{
    return inst->m;
}

bool wa_instance_export(wa_instance *inst, const char *name, size_t len, wa_extern *out)
{
    int64_t i = wa_module_find_export(inst->m, name, len);
    if (i < 0)
        return false;
    const wa_export *e = &inst->m->exports[i];
    out->kind = e->kind;
    switch (e->kind) {
    case WA_EXTERN_FUNC:
        out->u.func = inst->funcs[e->index];
        break;
    case WA_EXTERN_TABLE:
        out->u.table = inst->tables[e->index];
        break;
    case WA_EXTERN_MEMORY:
        out->u.memory = inst->mem0;
        break;
    case WA_EXTERN_GLOBAL:
        out->u.global = inst->globals[e->index];
        break;
    }
    return true;
}

wa_memory *wa_instance_memory(wa_instance *inst)
{
    return inst->mem0;
}

/* ---- calls -------------------------------------------------------------- */

wa_stack *wa_stack_new(uint32_t max_depth)
{
    wa_stack *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->max_depth = max_depth ? max_depth : WA_DEFAULT_CALL_DEPTH;
    size_t frames = ((size_t)s->max_depth * sizeof(wa_frame) + 4095) & ~(size_t)4095;
    s->bytes = frames + (size_t)WA_STACK_SLOTS * sizeof(wa_val);
    uint8_t *p = wa_vmem_alloc(s->bytes);
    if (!p) {
        free(s);
        return NULL;
    }
    s->frames = (wa_frame *)p;
    s->stack = (wa_val *)(p + frames);
    s->stack_end = s->stack + WA_STACK_SLOTS;
    return s;
}

void wa_stack_free(wa_stack *s)
{
    if (s) {
        wa_vmem_free(s->frames, s->bytes);
        free(s);
    }
}

void wa_instance_use_stack(wa_instance *inst, wa_stack *s)
{
    if (inst->running)
        return;
    if (!s)
        s = inst->own_stack;
    if (!s) { /* mapped again by the next call */
        inst->stack = inst->stack_end = NULL;
        inst->frames = NULL;
        return;
    }
    inst->frames = s->frames;
    inst->stack = s->stack;
    inst->stack_end = s->stack_end;
    inst->depth_limit = inst->max_depth < s->max_depth ? inst->max_depth : s->max_depth;
}

static bool ensure_stack(wa_instance *inst)
{
    if (inst->stack)
        return true;
    if (!inst->own_stack && !(inst->own_stack = wa_stack_new(inst->max_depth)))
        return false;
    wa_instance_use_stack(inst, inst->own_stack);
    return true;
}

wa_trap wa_call(wa_instance *inst, wa_func *f, const wa_val *args, wa_val *results)
{
    if (!f || inst->running) {
        wa_instance_set_trap_message(inst, "wa_call: %s", f ? "not reentrant" : "no function");
        return WA_TRAP_BAD_CALL;
    }
    if (!ensure_stack(inst)) {
        wa_instance_set_trap_message(inst, "out of memory for the execution stack");
        return WA_TRAP_HOST;
    }
    const wa_functype *t = f->type;
    uint32_t nargs = wa_slots_of(t->types, t->nparams),
             nres = wa_slots_of(t->types + t->nparams, t->nresults);
    if (nargs)
        memcpy(inst->stack, args, nargs * sizeof *args);
    inst->running = true;
    inst->trap_msg[0] = 0;
    inst->backtrace_len = inst->backtrace_depth = 0;
    inst->frame_top = inst->frames;
    inst->native_stack_floor = 0;
    wa_trap trap = f->host           ? f->host(inst, f->env, inst->stack)
                   : f->inst->native ? f->inst->native->run(inst, f, inst->stack)
                                     : wa_interp_run(inst, f, inst->stack);
    inst->running = false;
    if (trap == WA_TRAP_NONE && nres)
        memcpy(results, inst->stack, nres * sizeof *results);
    if (trap != WA_TRAP_NONE && !inst->trap_msg[0])
        snprintf(inst->trap_msg, sizeof inst->trap_msg, "%s", wa_trap_message(trap));
    return trap;
}

uint32_t wa_instance_backtrace(const wa_instance *inst, uint32_t *funcs, uint32_t max)
{
    uint32_t n = inst->backtrace_len < max ? inst->backtrace_len : max;
    memcpy(funcs, inst->backtrace, n * sizeof *funcs);
    return inst->backtrace_depth;
}

const char *wa_instance_trap_message(const wa_instance *inst)
{
    return inst->trap_msg;
}

void wa_instance_set_trap_message(wa_instance *inst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(inst->trap_msg, sizeof inst->trap_msg, fmt, ap);
    va_end(ap);
}

void wa_instance_set_userdata(wa_instance *inst, void *p)
{
    inst->userdata = p;
}
void *wa_instance_userdata(const wa_instance *inst)
{
    return inst->userdata;
}

void wa_instance_set_fuel(wa_instance *inst, int64_t fuel)
{
    inst->fuel = fuel < 0 ? 0 : fuel;
}
int64_t wa_instance_fuel(const wa_instance *inst)
{
    return inst->fuel;
}

void wa_instance_interrupt(wa_instance *inst)
{
    /* Relaxed is enough: the flag carries no data, and the interpreter only
     * needs to see it eventually (at its next loop header or call). */
    atomic_store_explicit(&inst->interrupt, 1, memory_order_relaxed);
}

void wa_instance_clear_interrupt(wa_instance *inst)
{
    atomic_store_explicit(&inst->interrupt, 0, memory_order_relaxed);
}
