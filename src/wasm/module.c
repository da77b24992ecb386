/*
 * module.c: loading, freeing and describing modules.
 *
 * wa_module_load runs the three load phases (decode.c, validate.c, code.c)
 * over a private copy of the input; a module that fails any phase is freed
 * whole, so wa_module_free must cope with every partially built state (all
 * arrays come from calloc and their counts are set when they are allocated).
 *
 * After load a module is immutable and shared between threads, so the
 * describing functions below never cache anything in it: the "name" section
 * is parsed afresh at each wa_module_func_name call (it is for diagnostics,
 * not hot paths). That section is hostile input too, and optional: anything
 * broken in it makes the lookup return false, never rejects the module.
 */
#include <stdlib.h>
#include <string.h>

#include "module.h"

wa_module *wa_module_load(const uint8_t *bytes, size_t len, wa_error *err)
{
    wa_error local;
    if (!err)
        err = &local;
    *err = (wa_error){.kind = WA_ERR_OK, .section = -1};
    if (!bytes && len) {
        wa_fail(err, WA_ERR_MALFORMED, -1, 0, "no bytes given");
        return NULL;
    }
    wa_module *m = calloc(1, sizeof *m);
    if (m)
        m->bytes = malloc(len ? len : 1);
    if (!m || !m->bytes) {
        free(m);
        wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
        return NULL;
    }
    if (len)
        memcpy(m->bytes, bytes, len);
    m->len = len;
    if (!wa_decode(m, err) || !wa_validate_module(m, err) || !wa_code_translate_all(m, err)) {
        wa_module_free(m);
        return NULL;
    }
    return m;
}

void wa_module_free(wa_module *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        free(m->funcs[i].local_types); /* NULL for imports */
        if (m->funcs[i].code)
            wa_code_free(m->funcs[i].code);
    }
    for (uint32_t i = 0; i < m->nelems; i++)
        free(m->elems[i].items);
    free(m->types);
    free(m->typestore);
    free(m->imports);
    free(m->funcs);
    free(m->tables);
    free(m->mems);
    free(m->globals);
    free(m->exports);
    free(m->elems);
    free(m->datas);
    free(m->customs);
    free(m->func_declared);
    free(m->bytes);
    free(m);
}

/* ---- describing --------------------------------------------------------- */

static wa_externtype extern_type(const wa_module *m, wa_externkind kind, uint32_t index)
{
    wa_externtype t = {.kind = kind};
    switch (kind) {
    case WA_EXTERN_FUNC:
        t.u.func = wa_func_decl_type(m, index);
        break;
    case WA_EXTERN_TABLE:
        t.u.table = m->tables[index];
        break;
    case WA_EXTERN_MEMORY:
        t.u.memory = m->mems[index];
        break;
    case WA_EXTERN_GLOBAL:
        t.u.global = m->globals[index].type;
        break;
    }
    return t;
}

uint32_t wa_module_num_imports(const wa_module *m)
{
    return m ? m->nimports : 0;
}

void wa_module_import(const wa_module *m, uint32_t i, wa_name *module, wa_name *field,
                      wa_externtype *type)
{
    static const wa_name none = {"", 0};
    bool ok = m && i < m->nimports;
    if (module)
        *module = ok ? m->imports[i].module : none;
    if (field)
        *field = ok ? m->imports[i].field : none;
    if (type)
        *type = ok ? extern_type(m, m->imports[i].kind, m->imports[i].index) : (wa_externtype){0};
}

uint32_t wa_module_num_exports(const wa_module *m)
{
    return m ? m->nexports : 0;
}

void wa_module_export(const wa_module *m, uint32_t i, wa_name *name, wa_externtype *type)
{
    static const wa_name none = {"", 0};
    bool ok = m && i < m->nexports;
    if (name)
        *name = ok ? m->exports[i].name : none;
    if (type)
        *type = ok ? extern_type(m, m->exports[i].kind, m->exports[i].index) : (wa_externtype){0};
}

int64_t wa_module_find_export(const wa_module *m, const char *name, size_t len)
{
    if (!m || (!name && len))
        return -1;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wa_name *n = &m->exports[i].name;
        if (n->len == len && (len == 0 || memcmp(n->ptr, name, len) == 0))
            return i;
    }
    return -1;
}

uint32_t wa_module_num_customs(const wa_module *m)
{
    return m ? m->ncustoms : 0;
}

void wa_module_custom(const wa_module *m, uint32_t i, wa_name *name, const uint8_t **data,
                      uint32_t *len)
{
    bool ok = m && i < m->ncustoms;
    if (name)
        *name = ok ? m->customs[i].name : (wa_name){"", 0};
    if (data)
        *data = ok ? m->customs[i].data : NULL;
    if (len)
        *len = ok ? m->customs[i].len : 0;
}

/* Looks func up in a name map (vec of (index, name)) held in [p, p+len). */
static bool find_in_namemap(const uint8_t *p, uint32_t len, uint32_t func, wa_name *out)
{
    wa_reader r = {.start = p, .p = p, .end = p + len};
    uint32_t n;
    if (!wa_read_u32(&r, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t index, namelen;
        const uint8_t *s;
        if (!wa_read_u32(&r, &index) || !wa_read_u32(&r, &namelen) ||
            !wa_read_bytes(&r, namelen, &s))
            return false;
        if (index == func) {
            if (!wa_utf8_valid(s, namelen))
                return false;
            *out = (wa_name){(const char *)s, namelen};
            return true;
        }
    }
    return false;
}

/* The function-names subsection (id 1) of a "name" section. */
static bool find_func_name(const wa_custom *c, uint32_t func, wa_name *out)
{
    wa_reader r = {.start = c->data, .p = c->data, .end = c->data + c->len};
    while (r.p < r.end) {
        uint8_t id;
        uint32_t size;
        const uint8_t *sub;
        if (!wa_read_u8(&r, &id) || !wa_read_u32(&r, &size) || !wa_read_bytes(&r, size, &sub))
            return false;
        if (id == 1)
            return find_in_namemap(sub, size, func, out);
    }
    return false;
}

/* What the decoder and translator saw, plus what the module's declarations
 * show: mutable globals crossing the boundary, segments and tables that
 * only the bulk-memory and reference-types proposals allow. */
uint32_t wa_module_features(const wa_module *m)
{
    uint32_t f = m->features;
    for (uint32_t i = 0; i < m->nimports; i++)
        if (m->imports[i].kind == WA_EXTERN_GLOBAL && m->globals[m->imports[i].index].type.mut)
            f |= 1u << WA_FEATURE_MUTABLE_GLOBALS;
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == WA_EXTERN_GLOBAL && m->exports[i].index < m->nglobals &&
            m->globals[m->exports[i].index].type.mut)
            f |= 1u << WA_FEATURE_MUTABLE_GLOBALS;
    if (m->ntables > 1)
        f |= 1u << WA_FEATURE_REFERENCE_TYPES;
    for (uint32_t i = 0; i < m->ndatas; i++)
        if (m->datas[i].mode != WA_SEG_ACTIVE)
            f |= 1u << WA_FEATURE_BULK_MEMORY;
    for (uint32_t i = 0; i < m->nelems; i++) {
        if (m->elems[i].mode != WA_SEG_ACTIVE)
            f |= 1u << WA_FEATURE_BULK_MEMORY;
        if (m->elems[i].mode == WA_SEG_ACTIVE && m->elems[i].table != 0)
            f |= 1u << WA_FEATURE_REFERENCE_TYPES;
    }
    return f;
}

bool wa_module_has_start(const wa_module *m)
{
    return m->has_start;
}

bool wa_module_func_name(const wa_module *m, uint32_t func, wa_name *out)
{
    if (!m || !out)
        return false;
    for (uint32_t i = 0; i < m->ncustoms; i++) {
        const wa_custom *c = &m->customs[i];
        if (c->name.len == 4 && memcmp(c->name.ptr, "name", 4) == 0)
            return find_func_name(c, func, out);
    }
    return false;
}

uint32_t wa_module_num_tables(const wa_module *m)
{
    return m->ntables;
}

wa_tabletype wa_module_table(const wa_module *m, uint32_t i)
{
    return m->tables[i];
}

uint32_t wa_module_num_memories(const wa_module *m)
{
    return m->nmems;
}

wa_limits wa_module_memory(const wa_module *m, uint32_t i)
{
    return m->mems[i];
}
