/*
 * abi.c: the one check of a module against the component ABI (docs/ABI.md):
 * the exports the runtime calls and their types, the imports it provides
 * (module `wactor` from imports.c's table, `wasi_snapshot_preview1` from
 * src/wasi), no start function, and what depends on the component's limits.
 * Spawn refuses a module with any problem; `wactor validate` and `inspect`
 * list them; an embedder gets the same list from wactor_module_check. The
 * instance code in component.c then only looks the exports up: their types
 * were checked here.
 */
#include "host.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t t_on_message[] = {WA_I32, WA_I32, WA_I64, WA_I32};
static const uint8_t t_on_callback[] = {WA_I64, WA_I32, WA_I32, WA_I32};
static const uint8_t t_i32[] = {WA_I32};

const host_export host_exports[HOST_NEXPORTS] = {
    [HOST_ON_MESSAGE] = {"wactor_on_message", {3, 1, t_on_message}},
    [HOST_INITIALIZE] = {"_initialize", {0, 0, NULL}},
    [HOST_INIT] = {"wactor_init", {0, 1, t_i32}},
    [HOST_ON_CALLBACK] = {"wactor_on_callback", {3, 1, t_on_callback}},
    [HOST_ON_SHUTDOWN] = {"wactor_on_shutdown", {0, 0, NULL}},
    [HOST_ON_UPGRADE] = {"wactor_on_upgrade", {0, 1, t_i32}},
    [HOST_HEALTH] = {"wactor_health", {0, 1, t_i32}},
};

/* The list being built; on running out of memory it stops growing and
 * remembers that it did. */
typedef struct problem_list {
    wactor_problems *out;
    size_t cap;
    bool nomem;
} problem_list;

static void add(problem_list *l, int kind, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(problem_list *l, int kind, const char *name, const char *fmt, ...)
{
    if (l->nomem)
        return;
    if (l->out->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        wactor_problem *v = realloc(l->out->v, cap * sizeof *v);
        if (!v) {
            l->nomem = true;
            return;
        }
        l->out->v = v;
        l->cap = cap;
    }
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char *t = strdup(text), *n = name ? strdup(name) : NULL;
    if (!t || (name && !n)) {
        free(t);
        free(n);
        l->nomem = true;
        return;
    }
    l->out->v[l->out->n++] = (wactor_problem){.kind = kind, .name = n, .text = t};
}

/* A name from the module, printable: bytes outside printable ASCII (and
 * backslashes) as \xNN, cut to fit. */
static void printable(char *buf, size_t len, wa_name n)
{
    size_t at = 0;
    for (uint32_t i = 0; i < n.len && at + 5 < len; i++) {
        unsigned char c = (unsigned char)n.ptr[i];
        if (c < 0x20 || c >= 0x7f || c == '\\')
            at += (size_t)snprintf(buf + at, len - at, "\\x%02x", c);
        else
            buf[at++] = (char)c;
    }
    buf[at] = '\0';
}

static bool name_is(wa_name n, const char *s)
{
    return n.len == strlen(s) && memcmp(n.ptr, s, n.len) == 0;
}

static const char *kind_name(wa_externkind kind)
{
    static const char *const names[] = {"func", "table", "memory", "global"};
    return (unsigned)kind < 4 ? names[kind] : "?";
}

static void check_exports(const wa_module *m, problem_list *l)
{
    wa_name name;
    wa_externtype type;
    int64_t i = wa_module_find_export(m, "memory", 6);
    if (i >= 0)
        wa_module_export(m, (uint32_t)i, &name, &type);
    if (i < 0 || type.kind != WA_EXTERN_MEMORY)
        add(l, WACTOR_PROBLEM_EXPORT, "memory", "no memory exported as `memory`");
    for (int k = 0; k < HOST_NEXPORTS; k++) {
        const host_export *x = &host_exports[k];
        char want[128];
        wa_functype_format(&x->type, want, sizeof want);
        i = wa_module_find_export(m, x->name, strlen(x->name));
        if (i < 0) {
            if (k == HOST_ON_MESSAGE) /* the one export every component has */
                add(l, WACTOR_PROBLEM_EXPORT, x->name, "no export %s of type %s", x->name, want);
            continue;
        }
        wa_module_export(m, (uint32_t)i, &name, &type);
        if (type.kind != WA_EXTERN_FUNC || !wa_functype_equal(&x->type, type.u.func))
            add(l, WACTOR_PROBLEM_EXPORT, x->name, "export %s must be a func of type %s", x->name,
                want);
    }
}

static void check_import(const wa_module *m, uint32_t i, problem_list *l, bool *requests)
{
    wa_name module, field;
    wa_externtype type;
    wa_module_import(m, i, &module, &field, &type);
    char mod[128], fld[128], full[260];
    printable(mod, sizeof mod, module);
    printable(fld, sizeof fld, field);
    snprintf(full, sizeof full, "%s.%s", mod, fld);
    const wa_functype *want;
    if (name_is(module, "wactor")) {
        want = host_import_type(field);
        *requests |= name_is(field, "request");
    } else if (name_is(module, WASI_MODULE)) {
        want = wasi_import_type(module, field);
    } else {
        add(l, WACTOR_PROBLEM_IMPORT, full,
            "import %s: components import only from wactor and " WASI_MODULE, full);
        return;
    }
    if (!want) {
        add(l, WACTOR_PROBLEM_IMPORT, full, "import %s: the runtime does not provide it", full);
        return;
    }
    if (type.kind == WA_EXTERN_FUNC && wa_functype_equal(want, type.u.func))
        return;
    char have[128] = "", wanted[128];
    if (type.kind == WA_EXTERN_FUNC)
        wa_functype_format(type.u.func, have, sizeof have);
    wa_functype_format(want, wanted, sizeof wanted);
    add(l, WACTOR_PROBLEM_IMPORT, full,
        "import %s: has the wrong type (it is a %s%s%s; the ABI defines func %s)", full,
        kind_name(type.kind), have[0] ? " " : "", have, wanted);
}

static void check_limits(const wa_module *m, const wactor_limits *limits, problem_list *l)
{
    uint64_t max = limits && limits->memory ? limits->memory : HOST_DEFAULT_MEMORY;
    if (wa_module_num_memories(m) == 0)
        return;
    uint64_t pages = wa_module_memory(m, 0).min;
    if (pages * WA_PAGE_SIZE > max)
        add(l, WACTOR_PROBLEM_LIMIT, "memory",
            "initial memory of %" PRIu64 " pages (%" PRIu64
            " bytes) is over limits.memory (%" PRIu64 " bytes)",
            pages, pages * WA_PAGE_SIZE, max);
}

int host_abi_check(const wa_module *m, const wactor_limits *limits, wactor_problems *out)
{
    problem_list l = {.out = out};
    out->v = NULL;
    out->n = 0;
    check_exports(m, &l);
    if (wa_module_has_start(m)) /* it would run outside the component's limits */
        add(&l, WACTOR_PROBLEM_START, NULL,
            "has a start function (a component starts in _initialize and wactor_init)");
    bool requests = false;
    uint32_t n = wa_module_num_imports(m);
    for (uint32_t i = 0; i < n; i++)
        check_import(m, i, &l, &requests);
    if (requests && wa_module_find_export(m, "wactor_on_callback", 18) < 0)
        add(&l, WACTOR_PROBLEM_EXPORT, "wactor_on_callback",
            "imports wactor.request but does not export wactor_on_callback");
    wa_error err;
    if (!wa_module_check_segments(m, &err)) /* instantiation would fail, every time */
        add(&l, err.kind == WA_ERR_LIMIT ? WACTOR_PROBLEM_LIMIT : WACTOR_PROBLEM_SEGMENT, NULL,
            "%s", err.msg);
    check_limits(m, limits, &l);
    if (l.nomem) {
        wactor_problems_free(out);
        return WACTOR_ENOMEM;
    }
    return (int)out->n;
}

int wactor_module_check(const wactor_module *m, const wactor_limits *limits, wactor_problems *out)
{
    if (!out)
        return host_fail(NULL, WACTOR_EINVAL, "wactor_module_check: no output list");
    out->v = NULL;
    out->n = 0;
    if (!m)
        return host_fail(NULL, WACTOR_EINVAL, "wactor_module_check: no module");
    int rc = host_abi_check(m->m, limits, out);
    return rc == WACTOR_ENOMEM ? host_fail(NULL, rc, "out of memory") : rc;
}

void wactor_problems_free(wactor_problems *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free((char *)p->v[i].name);
        free((char *)p->v[i].text);
    }
    free(p->v);
    p->v = NULL;
    p->n = 0;
}
