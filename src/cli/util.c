/*
 * util.c: reading modules, one-line errors, and printing names and types for
 * the command-line tool.
 */
#include "cli.h"
#include "manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wactor: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Everything fd yields until end of file, in a malloc'd buffer, or NULL with
 * errno set. Only for standard input: module files are read by wa_file_read,
 * bounded. */
static uint8_t *cli_read_fd(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    int e = ENOMEM;
    while (buf != NULL) {
        if (n == cap) {
            uint8_t *bigger = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (bigger == NULL) {
                e = ENOMEM;
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            e = errno;
            free(buf);
            buf = NULL;
        }
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    errno = e;
    *len = n;
    return buf;
}

uint8_t *cli_read_stdin(size_t *len)
{
    return cli_read_fd(STDIN_FILENO, len);
}

static const char *cli_section_name(int id)
{
    static const char *const names[] = {"custom", "type",   "import",   "function", "table",
                                        "memory", "global", "export",   "start",    "element",
                                        "code",   "data",   "datacount"};
    if (id >= 0 && id < (int)(sizeof names / sizeof names[0]))
        return names[id];
    return NULL;
}

/* Reads (wa_file_read: a regular file of at most max_module bytes, 0 = 256
 * MiB) and loads the module at path; on failure writes the reason to err,
 * with the path in it if with_path, and for a file over the limit the
 * manifest key that raises it if limit_key is not NULL. */
static wa_module *cli_load(const char *path, size_t *size, uint64_t max_module,
                           const char *limit_key, char *err, size_t errlen, bool with_path)
{
    size_t len = 0;
    wa_error e;
    uint8_t *bytes = wa_file_read(path, max_module, &len, &e);
    if (bytes == NULL) {
        bool limit = e.kind == WA_ERR_LIMIT && limit_key != NULL;
        snprintf(err, errlen, "%s%s%s%s%s%s", with_path ? path : "", with_path ? ": " : "", e.msg,
                 limit ? " (" : "", limit ? limit_key : "", limit ? ")" : "");
        return NULL;
    }
    memset(&e, 0, sizeof e);
    wa_module *m = wa_module_load(bytes, len, &e);
    free(bytes);
    if (m == NULL) {
        const char *section = cli_section_name(e.section);
        char where[64];
        if (section != NULL)
            snprintf(where, sizeof where, "%s section", section);
        else
            snprintf(where, sizeof where, "outside any section");
        e.msg[sizeof e.msg - 1] = '\0';
        snprintf(err, errlen, "%s%s%s: %s (%s, byte offset %zu)", with_path ? path : "",
                 with_path ? ": " : "", wa_errkind_name(e.kind), e.msg[0] ? e.msg : "rejected",
                 where, e.offset);
        return NULL;
    }
    if (size != NULL)
        *size = len;
    return m;
}

wa_module *cli_load_module(const char *path, uint64_t max_module, size_t *size)
{
    char err[512];
    wa_module *m = cli_load(path, size, max_module, "--max-module", err, sizeof err, true);
    if (m == NULL)
        cli_error("%s", err);
    return m;
}

int cli_max_module_flag(int argc, char **argv, int *i, const char *cmd, uint64_t *max)
{
    static const char flag[] = "--max-module";
    const char *a = argv[*i], *v = NULL;
    if (strncmp(a, flag, sizeof flag - 1) != 0)
        return CLI_COMMON_NONE;
    if (a[sizeof flag - 1] == '=')
        v = a + sizeof flag;
    else if (a[sizeof flag - 1] != '\0')
        return CLI_COMMON_NONE;
    else if (*i + 1 < argc)
        v = argv[++*i];
    uint64_t x = 0;
    if (v == NULL || !mf_parse_size(v, &x) || x < MF_MAX_MODULE_MIN || x > MF_MAX_MODULE_MAX) {
        cli_error("%s: --max-module needs a size from 1KiB to 4GiB, like 512MiB%s%s", cmd,
                  v ? ", not " : "", v ? v : "");
        return CLI_EXIT_BAD;
    }
    *max = x;
    return CLI_COMMON_TAKEN;
}

wa_module *cli_module_load_msg(const char *path, size_t *size, uint64_t max_module, char *err,
                               size_t errlen)
{
    return cli_load(path, size, max_module, "runtime.max_module", err, errlen, false);
}

void cli_print_name(FILE *out, wa_name name)
{
    for (uint32_t i = 0; i < name.len; i++) {
        unsigned char c = (unsigned char)name.ptr[i];
        if (c < 0x20 || c >= 0x7f || c == '\\')
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
}

static const char *cli_valtype_name(uint8_t t)
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

const char *cli_kind_name(wa_externkind kind)
{
    switch (kind) {
    case WA_EXTERN_FUNC:
        return "func";
    case WA_EXTERN_TABLE:
        return "table";
    case WA_EXTERN_MEMORY:
        return "memory";
    case WA_EXTERN_GLOBAL:
        return "global";
    }
    return "?";
}

static void cli_print_types(FILE *out, const uint8_t *types, uint32_t n)
{
    fputc('(', out);
    for (uint32_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? ", " : "", cli_valtype_name(types[i]));
    fputc(')', out);
}

/* "(i32, i64) -> i32"; no results print as "()", several as "(i32, i32)". */
void cli_print_functype(FILE *out, const wa_functype *t)
{
    cli_print_types(out, t->types, t->nparams);
    fputs(" -> ", out);
    if (t->nresults == 1)
        fputs(cli_valtype_name(t->types[t->nparams]), out);
    else
        cli_print_types(out, t->types + t->nparams, t->nresults);
}

static void cli_print_limits(FILE *out, wa_limits lim, const char *unit)
{
    if (lim.has_max)
        fprintf(out, "min %" PRIu32 ", max %" PRIu32 " %s", lim.min, lim.max, unit);
    else
        fprintf(out, "min %" PRIu32 " %s, no max", lim.min, unit);
}

void cli_print_externtype(FILE *out, const wa_externtype *t)
{
    switch (t->kind) {
    case WA_EXTERN_FUNC:
        cli_print_functype(out, t->u.func);
        break;
    case WA_EXTERN_TABLE:
        fprintf(out, "%s, ", cli_valtype_name(t->u.table.elem));
        cli_print_limits(out, t->u.table.lim, "elements");
        break;
    case WA_EXTERN_MEMORY:
        cli_print_limits(out, t->u.memory, "pages");
        break;
    case WA_EXTERN_GLOBAL:
        fprintf(out, "%s %s", t->u.global.mut ? "mut" : "const",
                cli_valtype_name(t->u.global.type));
        break;
    }
}

bool cli_functype_eq(const wa_functype *a, const wa_functype *b)
{
    size_t n = a->nparams + a->nresults;
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (n == 0 || memcmp(a->types, b->types, n) == 0);
}
