/*
 * validate.c: module-level validation ("invalid"), after decode.
 *
 * Everything outside function bodies: type indices, limits, constant
 * expressions, segments, start and exports. Function bodies are validated by
 * code.c while it translates them, which needs m->func_declared from here
 * (the functions ref.func may name, C.refs in the spec).
 *
 * Constant expressions (WebAssembly 2.0): global.get may read only imported
 * globals (the spec suite of this version checks it for global initialisers
 * and for element and data offsets alike), and only immutable ones.
 * Offsets and sections in errors: decl offsets are known only for constant
 * expressions; other errors carry the section and offset 0.
 */
#include <stdlib.h>
#include <string.h>

#include "module.h"

static bool invalid(wa_error *err, int sec, size_t off, const char *msg)
{
    return wa_fail(err, WA_ERR_INVALID, sec, off, "%s", msg);
}

static bool invalid_index(wa_error *err, int sec, size_t off, const char *what, uint32_t i)
{
    return wa_fail(err, WA_ERR_INVALID, sec, off, "unknown %s %u", what, i);
}

static bool check_func_types(const wa_module *m, wa_error *err)
{
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        if (m->funcs[i].type >= m->ntypes) {
            int sec = m->funcs[i].imported ? WA_SEC_IMPORT : WA_SEC_FUNCTION;
            return invalid_index(err, sec, 0, "type", m->funcs[i].type);
        }
    }
    return true;
}

static bool check_limits(const wa_limits *l, uint32_t bound, const char *too_big, int sec,
                         wa_error *err)
{
    if (l->min > bound || (l->has_max && l->max > bound))
        return invalid(err, sec, 0, too_big);
    if (l->has_max && l->min > l->max)
        return invalid(err, sec, 0, "size minimum must not be greater than maximum");
    return true;
}

static bool check_tables_mems(const wa_module *m, wa_error *err)
{
    for (uint32_t i = 0; i < m->ntables; i++) {
        int sec = i < m->ntable_imports ? WA_SEC_IMPORT : WA_SEC_TABLE;
        if (!check_limits(&m->tables[i].lim, UINT32_MAX, "table size too large", sec, err))
            return false;
    }
    if (m->nmems > 1)
        return wa_fail_unsupported(err, WA_SEC_MEMORY, 0, "multiple memories", "multi-memory");
    for (uint32_t i = 0; i < m->nmems; i++) {
        int sec = i < m->nmem_imports ? WA_SEC_IMPORT : WA_SEC_MEMORY;
        if (!check_limits(&m->mems[i], WA_MAX_PAGES,
                          "memory size must be at most 65536 pages (4GiB)", sec, err))
            return false;
    }
    return true;
}

/* Type-checks one constant expression against `want`; it may read globals
 * [0, nglobals). */
static bool check_const(const wa_module *m, const wa_constexpr *ce, uint32_t nglobals, uint8_t want,
                        int sec, wa_error *err)
{
    uint8_t type;
    switch (ce->op) {
    case 0x41:
        type = WA_I32;
        break;
    case 0x42:
        type = WA_I64;
        break;
    case 0x43:
        type = WA_F32;
        break;
    case 0x44:
        type = WA_F64;
        break;
    case 0xfd:
        type = WA_V128;
        break;
    case 0xd0:
        type = ce->type;
        break;
    case 0xd2:
        if (ce->index >= m->nfuncs)
            return invalid_index(err, sec, ce->offset, "function", ce->index);
        type = WA_FUNCREF;
        break;
    case 0x23:
        if (ce->index >= nglobals)
            return invalid_index(err, sec, ce->offset, "global", ce->index);
        if (m->globals[ce->index].type.mut)
            return invalid(err, sec, ce->offset, "constant expression required");
        type = m->globals[ce->index].type.type;
        break;
    default: /* decode lets only the ops above through */
        return invalid(err, sec, ce->offset, "constant expression required");
    }
    return type == want || invalid(err, sec, ce->offset, "type mismatch");
}

static bool check_globals(const wa_module *m, wa_error *err)
{
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        const wa_globaldecl *g = &m->globals[i];
        if (!check_const(m, &g->init, m->nglobal_imports, g->type.type, WA_SEC_GLOBAL, err))
            return false;
    }
    return true;
}

static bool check_elem(const wa_module *m, const wa_elemseg *s, wa_error *err)
{
    for (uint32_t i = 0; i < s->count; i++)
        if (!check_const(m, &s->items[i], m->nglobal_imports, s->reftype, WA_SEC_ELEMENT, err))
            return false;
    if (s->mode != WA_SEG_ACTIVE)
        return true;
    if (s->table >= m->ntables)
        return invalid_index(err, WA_SEC_ELEMENT, s->offset.offset, "table", s->table);
    if (!check_const(m, &s->offset, m->nglobal_imports, WA_I32, WA_SEC_ELEMENT, err))
        return false;
    if (m->tables[s->table].elem != s->reftype)
        return invalid(err, WA_SEC_ELEMENT, s->offset.offset, "type mismatch");
    return true;
}

static bool check_segments(const wa_module *m, wa_error *err)
{
    for (uint32_t i = 0; i < m->nelems; i++)
        if (!check_elem(m, &m->elems[i], err))
            return false;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wa_dataseg *s = &m->datas[i];
        if (s->mode != WA_SEG_ACTIVE)
            continue;
        if (s->memory >= m->nmems)
            return invalid_index(err, WA_SEC_DATA, s->offset.offset, "memory", s->memory);
        if (!check_const(m, &s->offset, m->nglobal_imports, WA_I32, WA_SEC_DATA, err))
            return false;
    }
    return true;
}

static bool check_start(const wa_module *m, wa_error *err)
{
    if (!m->has_start)
        return true;
    if (m->start >= m->nfuncs)
        return invalid_index(err, WA_SEC_START, 0, "function", m->start);
    const wa_functype *t = wa_func_decl_type(m, m->start);
    if (t->nparams != 0 || t->nresults != 0)
        return invalid(err, WA_SEC_START, 0, "start function");
    return true;
}

static int cmp_name(const void *a, const void *b)
{
    const wa_name *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->len ? memcmp(x->ptr, y->ptr, x->len) : 0;
}

/* Names are unique: sort a copy and compare neighbours (n log n, as a module
 * may export hundreds of thousands of names). */
static bool check_export_names(const wa_module *m, wa_error *err)
{
    if (m->nexports < 2)
        return true;
    wa_name *names = malloc((size_t)m->nexports * sizeof *names);
    if (!names)
        return wa_fail(err, WA_ERR_NOMEM, WA_SEC_EXPORT, 0, "out of memory");
    for (uint32_t i = 0; i < m->nexports; i++)
        names[i] = m->exports[i].name;
    qsort(names, m->nexports, sizeof *names, cmp_name);
    bool ok = true;
    for (uint32_t i = 1; i < m->nexports && ok; i++)
        if (cmp_name(&names[i - 1], &names[i]) == 0)
            ok = invalid(err, WA_SEC_EXPORT, 0, "duplicate export name");
    free(names);
    return ok;
}

static bool check_exports(const wa_module *m, wa_error *err)
{
    static const char *const what[] = {"function", "table", "memory", "global"};
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wa_export *e = &m->exports[i];
        uint32_t n = e->kind == WA_EXTERN_FUNC     ? m->nfuncs
                     : e->kind == WA_EXTERN_TABLE  ? m->ntables
                     : e->kind == WA_EXTERN_MEMORY ? m->nmems
                                                   : m->nglobals;
        if (e->index >= n)
            return invalid_index(err, WA_SEC_EXPORT, 0, what[e->kind], e->index);
    }
    return check_export_names(m, err);
}

static void declare(wa_module *m, const wa_constexpr *ce)
{
    if (ce->op == 0xd2 && ce->index < m->nfuncs)
        m->func_declared[ce->index] = 1;
}

/* C.refs: functions named by ref.func outside function bodies. */
static bool compute_declared(wa_module *m, wa_error *err)
{
    m->func_declared = calloc(m->nfuncs ? m->nfuncs : 1, 1);
    if (!m->func_declared)
        return wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
    for (uint32_t i = 0; i < m->nelems; i++)
        for (uint32_t k = 0; k < m->elems[i].count; k++)
            declare(m, &m->elems[i].items[k]);
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == WA_EXTERN_FUNC)
            m->func_declared[m->exports[i].index] = 1;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
        declare(m, &m->globals[i].init);
    return true;
}

bool wa_validate_module(wa_module *m, wa_error *err)
{
    return check_func_types(m, err) && check_tables_mems(m, err) && check_globals(m, err) &&
           check_segments(m, err) && check_start(m, err) && check_exports(m, err) &&
           compute_declared(m, err);
}
