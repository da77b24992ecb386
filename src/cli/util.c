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

wa_module *cli_load_module(const char *path, uint64_t max_module, uint8_t **bytes, size_t *size)
{
    size_t len = 0;
    wa_error e;
    uint8_t *b = wa_file_read(path, max_module, &len, &e);
    if (b == NULL) {
        cli_error("%s: %s%s", path, e.msg, e.kind == WA_ERR_LIMIT ? " (--max-module)" : "");
        return NULL;
    }
    memset(&e, 0, sizeof e);
    wa_module *m = wa_module_load(b, len, &e);
    if (m == NULL) {
        char why[400];
        wa_error_format(&e, why, sizeof why);
        cli_error("%s: %s", path, why);
    }
    if (m != NULL && bytes != NULL)
        *bytes = b;
    else
        free(b);
    if (size != NULL)
        *size = len;
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

void cli_print_functype(FILE *out, const wa_functype *t)
{
    char text[256];
    wa_functype_format(t, text, sizeof text);
    fputs(text, out);
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
        fprintf(out, "%s, ", wa_valtype_name(t->u.table.elem));
        cli_print_limits(out, t->u.table.lim, "elements");
        break;
    case WA_EXTERN_MEMORY:
        cli_print_limits(out, t->u.memory, "pages");
        break;
    case WA_EXTERN_GLOBAL:
        fprintf(out, "%s %s", t->u.global.mut ? "mut" : "const", wa_valtype_name(t->u.global.type));
        break;
    }
}
