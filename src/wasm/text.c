/*
 * text.c: the engine's words for what it describes: value types, function
 * types, and a load error with where it was found. Every tool that shows a
 * type or a load error to a person (spawn's reasons, `wactor validate`,
 * `inspect`, `exec`) goes through these, so one problem has one wording.
 */
#include <stdio.h>
#include <string.h>

#include "module.h"

bool wa_functype_equal(const wa_functype *a, const wa_functype *b)
{
    size_t n = (size_t)a->nparams + a->nresults;
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (n == 0 || memcmp(a->types, b->types, n) == 0);
}

const char *wa_valtype_name(uint8_t t)
{
    switch (t) {
    case WA_I32:
        return "i32";
    case WA_I64:
        return "i64";
    case WA_F32:
        return "f32";
    case WA_F64:
        return "f64";
    case WA_V128:
        return "v128";
    case WA_FUNCREF:
        return "funcref";
    case WA_EXTERNREF:
        return "externref";
    }
    return "?";
}

/* Appends to buf[*at..len), always NUL-terminated, cutting what does not fit. */
static void put(char *buf, size_t len, size_t *at, const char *s)
{
    size_t n = strlen(s);
    if (*at + 1 < len) {
        size_t room = len - 1 - *at;
        memcpy(buf + *at, s, n < room ? n : room);
        buf[*at + (n < room ? n : room)] = '\0';
    }
    *at += n;
}

static void put_types(char *buf, size_t len, size_t *at, const uint8_t *types, uint32_t n)
{
    put(buf, len, at, "(");
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            put(buf, len, at, ", ");
        put(buf, len, at, wa_valtype_name(types[i]));
    }
    put(buf, len, at, ")");
}

size_t wa_functype_format(const wa_functype *t, char *buf, size_t len)
{
    size_t at = 0;
    if (len)
        buf[0] = '\0';
    put_types(buf, len, &at, t->types, t->nparams);
    put(buf, len, &at, " -> ");
    if (t->nresults == 1)
        put(buf, len, &at, wa_valtype_name(t->types[t->nparams]));
    else
        put_types(buf, len, &at, t->types + t->nparams, t->nresults);
    return at;
}

static const char *section_name(int id)
{
    static const char *const names[] = {"custom", "type",   "import",    "function", "table",
                                        "memory", "global", "export",    "start",    "element",
                                        "code",   "data",   "datacount", "tag"};
    if (id >= 0 && id < (int)(sizeof names / sizeof names[0]))
        return names[id];
    return NULL;
}

size_t wa_error_format(const wa_error *e, char *buf, size_t len)
{
    const char *kind = wa_errkind_name(e->kind);
    char msg[sizeof e->msg];
    memcpy(msg, e->msg, sizeof msg);
    msg[sizeof msg - 1] = '\0';
    if (!msg[0])
        snprintf(msg, sizeof msg, "rejected");
    int n;
    if (e->kind == WA_ERR_UNSUPPORTED) {
        /* "function 3: uses tail calls (tail-call proposal), not supported (code section, ...)" */
        const char *section = section_name(e->section);
        n = snprintf(buf, len, "%s, not supported (%s%s, byte offset %zu)", msg,
                     section ? section : "outside any section", section ? " section" : "",
                     e->offset);
    } else if (e->kind == WA_ERR_MALFORMED || e->kind == WA_ERR_INVALID) {
        /* Found while loading: say where. */
        const char *section = section_name(e->section);
        n = snprintf(buf, len, "%s: %s (%s%s, byte offset %zu)", kind, msg,
                     section ? section : "outside any section", section ? " section" : "",
                     e->offset);
    } else {
        n = snprintf(buf, len, "%s: %s", kind, msg);
    }
    return n < 0 ? 0 : (size_t)n;
}
