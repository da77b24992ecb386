/*
 * component.c: checks a module against the wactor component ABI (ABI.md):
 * the exports it must have, the signatures of those it may have, and the
 * imports it may use. The types of the `wactor` imports come from the
 * runtime's own table (host_import_type), so spawn and inspect never
 * disagree.
 */
#include "cli.h"
#include "host.h"
#include "wasi.h"

#include <stdlib.h>
#include <string.h>

#define I32 WA_I32
#define I64 WA_I64

static const uint8_t cli_t_i32[] = {I32};
static const uint8_t cli_t_on_message[] = {I32, I32, I64, I32};
static const uint8_t cli_t_on_callback[] = {I64, I32, I32, I32};

typedef struct cli_sig {
    const char *name;
    wa_functype type;
} cli_sig;

/* The function exports the runtime calls; only wactor_on_message is required. */
static const cli_sig cli_component_exports[] = {
    {"wactor_on_message", {3, 1, cli_t_on_message}},
    {"_initialize", {0, 0, NULL}},
    {"wactor_init", {0, 1, cli_t_i32}},
    {"wactor_on_callback", {3, 1, cli_t_on_callback}},
    {"wactor_on_shutdown", {0, 0, NULL}},
};

static bool cli_name_is(wa_name n, const char *s)
{
    return n.len == strlen(s) && memcmp(n.ptr, s, n.len) == 0;
}

/* Position of the export named s, or -1. */
static int64_t cli_find_export(const wa_module *m, const char *s, wa_externtype *type)
{
    int64_t i = wa_module_find_export(m, s, strlen(s));
    if (i >= 0) {
        wa_name name;
        wa_module_export(m, (uint32_t)i, &name, type);
    }
    return i;
}

static void cli_problem_import(FILE *out, wa_name module, wa_name field, const char *why)
{
    fputs("  - import ", out);
    cli_print_name(out, module);
    fputc('.', out);
    cli_print_name(out, field);
    fprintf(out, ": %s\n", why);
}

static int cli_check_import(FILE *out, wa_name module, wa_name field, const wa_externtype *type)
{
    const wa_functype *want;
    if (cli_name_is(module, "wactor"))
        want = host_import_type(field);
    else if (cli_name_is(module, WASI_MODULE))
        want = wasi_import_type(module, field);
    else {
        if (out)
            cli_problem_import(out, module, field,
                               "components import only from wactor and " WASI_MODULE);
        return 1;
    }
    if (want == NULL) {
        if (out)
            cli_problem_import(out, module, field, "the runtime does not provide it");
        return 1;
    }
    if (type->kind == WA_EXTERN_FUNC && cli_functype_eq(want, type->u.func))
        return 0;
    if (out) {
        cli_problem_import(out, module, field, "has the wrong type");
        fputs("    (it is a ", out);
        fprintf(out, "%s ", cli_kind_name(type->kind));
        cli_print_externtype(out, type);
        fputs("; the ABI defines func ", out);
        cli_print_functype(out, want);
        fputs(")\n", out);
    }
    return 1;
}

int cli_component_problems(const wa_module *m, FILE *out)
{
    int problems = 0;
    bool imports_request = false;
    wa_externtype type;

    if (cli_find_export(m, "memory", &type) < 0 || type.kind != WA_EXTERN_MEMORY) {
        if (out)
            fputs("  - no memory exported as `memory`\n", out);
        problems++;
    }
    for (size_t i = 0; i < sizeof cli_component_exports / sizeof cli_component_exports[0]; i++) {
        const cli_sig *sig = &cli_component_exports[i];
        if (cli_find_export(m, sig->name, &type) < 0) {
            if (i == 0) { /* wactor_on_message: required */
                if (out) {
                    fprintf(out, "  - no export %s of type ", sig->name);
                    cli_print_functype(out, &sig->type);
                    fputc('\n', out);
                }
                problems++;
            }
            continue;
        }
        if (type.kind != WA_EXTERN_FUNC || !cli_functype_eq(&sig->type, type.u.func)) {
            if (out) {
                fprintf(out, "  - export %s must be a func of type ", sig->name);
                cli_print_functype(out, &sig->type);
                fputc('\n', out);
            }
            problems++;
        }
    }

    if (wa_module_has_start(m)) {
        if (out)
            fputs("  - has a start function (a component starts in _initialize and wactor_init)\n",
                  out);
        problems++;
    }

    uint32_t n = wa_module_num_imports(m);
    for (uint32_t i = 0; i < n; i++) {
        wa_name module, field;
        wa_module_import(m, i, &module, &field, &type);
        problems += cli_check_import(out, module, field, &type);
        if (cli_name_is(module, "wactor") && cli_name_is(field, "request"))
            imports_request = true;
    }
    if (imports_request && cli_find_export(m, "wactor_on_callback", &type) < 0) {
        if (out)
            fputs("  - imports wactor.request but does not export wactor_on_callback\n", out);
        problems++;
    }
    return problems;
}

int cli_component_problem_list(const wa_module *m, char ***list)
{
    *list = NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (out == NULL)
        return -1;
    int n = cli_component_problems(m, out);
    if (fclose(out) != 0 || text == NULL) {
        free(text);
        return -1;
    }
    if (n == 0) {
        free(text);
        return 0;
    }
    /* At most one entry per line of text, and a NULL. */
    size_t lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    char **v = calloc(lines + 1, sizeof *v);
    if (v == NULL) {
        free(text);
        return -1;
    }
    int count = 0;
    for (char *line = text, *next; *line; line = next) {
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : line + strlen(line);
        if (nl)
            *nl = '\0';
        if (strncmp(line, "  - ", 4) == 0) {
            v[count] = strdup(line + 4);
            if (v[count] == NULL)
                break;
            count++;
        } else if (count > 0) { /* a continuation: joined to its entry */
            while (*line == ' ')
                line++;
            char *joined = malloc(strlen(v[count - 1]) + 1 + strlen(line) + 1);
            if (joined == NULL)
                break;
            sprintf(joined, "%s %s", v[count - 1], line);
            free(v[count - 1]);
            v[count - 1] = joined;
        }
    }
    free(text);
    *list = v;
    return count;
}

void cli_problem_list_free(char **list)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        free(list[i]);
    free(list);
}
