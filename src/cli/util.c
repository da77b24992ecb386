/*
 * util.c: reading modules, one-line errors, and printing names and types for
 * the command-line tool.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
 * errno set. hint is the expected size (0: unknown). */
static uint8_t *cli_read_fd(int fd, size_t hint, size_t *len)
{
    /* hint is only a hint: the file may change while it is read. */
    size_t cap = hint > 0 && hint < SIZE_MAX ? hint + 1 : 4096, n = 0;
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

/* The whole file in a malloc'd buffer, or NULL with errno set. */
static uint8_t *cli_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    int bad = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (bad) {
        close(fd);
        errno = bad;
        return NULL;
    }
    uint8_t *buf = cli_read_fd(fd, st.st_size > 0 ? (size_t)st.st_size : 0, len);
    int e = errno;
    close(fd);
    errno = e;
    return buf;
}

uint8_t *cli_read_stdin(size_t *len)
{
    return cli_read_fd(STDIN_FILENO, 0, len);
}

/* Reads and loads the module at path; on failure writes the reason, naming
 * the file, to err. */
static wa_module *cli_load(const char *path, size_t *size, char *err, size_t errlen)
{
    size_t len = 0;
    uint8_t *bytes = cli_read_file(path, &len);
    if (bytes == NULL) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    wa_error e;
    memset(&e, 0, sizeof e);
    wa_module *m = wa_module_load(bytes, len, &e);
    free(bytes);
    if (m == NULL) {
        char why[400];
        wa_error_format(&e, why, sizeof why);
        snprintf(err, errlen, "%s: %s", path, why);
        return NULL;
    }
    if (size != NULL)
        *size = len;
    return m;
}

wa_module *cli_load_module(const char *path, size_t *size)
{
    char err[512];
    wa_module *m = cli_load(path, size, err, sizeof err);
    if (m == NULL)
        cli_error("%s", err);
    return m;
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
