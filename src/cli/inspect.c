/*
 * inspect.c: `wactor inspect FILE.wasm` describes a module (imports, exports
 * with their types, every memory's and table's limits, custom sections) and
 * says whether it is a valid wactor component, and if not, why.
 */
#include "cli.h"
#include "wactor.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char cli_inspect_usage[] =
    "usage: wactor inspect [--max-module SIZE] FILE.wasm\n"
    "\n"
    "Decodes and validates a module, prints the WebAssembly features it uses\n"
    "beyond 1.0, its imports, exports (with types, memory and table limits) and\n"
    "custom sections, and whether it is a valid wactor component (and if not,\n"
    "why).\n"
    "\n"
    "  --max-module SIZE  the largest module file read, 1KiB to 4GiB (default\n"
    "                     256MiB); a module must be a regular file\n"
    "  --help             show this help\n"
    "\n"
    "Exit status: 0 for a valid module (component or not); 4 if the file cannot\n"
    "be read, the module is malformed or invalid or uses a proposal wactor does\n"
    "not implement (the message names it), or on a usage error.\n";

/* Every memory or table with its limits, imported, exported or neither. */
static void cli_inspect_limits(FILE *out, const wa_module *m, wa_externkind kind)
{
    bool memories = kind == WA_EXTERN_MEMORY;
    uint32_t n = memories ? wa_module_num_memories(m) : wa_module_num_tables(m);
    fprintf(out, "%s: %" PRIu32 "\n", memories ? "memories" : "tables", n);
    for (uint32_t i = 0; i < n; i++) {
        wa_externtype type = {.kind = kind};
        if (memories)
            type.u.memory = wa_module_memory(m, i);
        else
            type.u.table = wa_module_table(m, i);
        fprintf(out, "  %" PRIu32 "  ", i);
        cli_print_externtype(out, &type);
        fputc('\n', out);
    }
}

static void cli_inspect_print(FILE *out, const char *path, const wa_module *m, size_t size)
{
    wa_name module, name;
    wa_externtype type;

    fprintf(out, "module %s: %zu bytes, valid\n", path, size);
    /* Beyond WebAssembly 1.0: what an older engine would refuse. */
    uint32_t features = wa_module_features(m);
    fputs("features:", out);
    for (unsigned f = 0; f < WA_FEATURE_COUNT_; f++)
        if (features & (1u << f))
            fprintf(out, " %s", wa_feature_name(f));
    fputs(features ? "\n" : " none beyond WebAssembly 1.0\n", out);
    uint32_t n = wa_module_num_imports(m);
    fprintf(out, "imports: %" PRIu32 "\n", n);
    for (uint32_t i = 0; i < n; i++) {
        wa_module_import(m, i, &module, &name, &type);
        fprintf(out, "  %-6s ", cli_kind_name(type.kind));
        cli_print_name(out, module);
        fputc('.', out);
        cli_print_name(out, name);
        fputs("  ", out);
        cli_print_externtype(out, &type);
        fputc('\n', out);
    }
    n = wa_module_num_exports(m);
    fprintf(out, "exports: %" PRIu32 "\n", n);
    for (uint32_t i = 0; i < n; i++) {
        wa_module_export(m, i, &name, &type);
        fprintf(out, "  %-6s ", cli_kind_name(type.kind));
        cli_print_name(out, name);
        fputs("  ", out);
        cli_print_externtype(out, &type);
        fputc('\n', out);
    }
    cli_inspect_limits(out, m, WA_EXTERN_MEMORY);
    cli_inspect_limits(out, m, WA_EXTERN_TABLE);
    n = wa_module_num_customs(m);
    fprintf(out, "custom sections: %" PRIu32 "\n", n);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *data;
        uint32_t len;
        wa_module_custom(m, i, &name, &data, &len);
        fputs("  ", out);
        cli_print_name(out, name);
        fprintf(out, "  (%" PRIu32 " bytes)\n", len);
    }
}

/* Whether the module is a component: the embedding API's check, with the
 * default limits, every problem on its own line. */
static void cli_inspect_component(FILE *out, const uint8_t *bytes, size_t len)
{
    wactor_problems problems = {0};
    wactor_module *wm = wactor_module_load(NULL, bytes, len);
    int n = wm ? wactor_module_check(wm, NULL, &problems) : -1;
    if (n < 0)
        fprintf(out, "component: unknown (%s)\n", wactor_errmsg(NULL));
    else
        fputs(n == 0 ? "component: yes\n" : "component: no\n", out);
    for (size_t i = 0; i < problems.n; i++)
        fprintf(out, "  - %s\n", problems.v[i].text);
    wactor_problems_free(&problems);
    wactor_module_free(wm);
}

int cli_inspect(int argc, char **argv)
{
    int i = 1, flag;
    uint64_t max_module = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_inspect_usage, stdout);
            return 0;
        }
        if ((flag = cli_max_module_flag(argc, argv, &i, "inspect", &max_module)) !=
            CLI_COMMON_NONE) {
            if (flag == CLI_EXIT_BAD)
                return CLI_EXIT_BAD;
            continue;
        }
        int common = cli_common_flag(argc, argv, &i, "inspect");
        if (common == CLI_COMMON_TAKEN)
            continue;
        if (common >= 0)
            return common;
        cli_error("inspect: unknown flag %s (try wactor inspect --help)", argv[i]);
        return CLI_EXIT_BAD;
    }
    if (argc - i != 1) {
        cli_error("inspect: expected one FILE.wasm (try wactor inspect --help)");
        return CLI_EXIT_BAD;
    }
    size_t size = 0;
    uint8_t *bytes = NULL;
    wa_module *m = cli_load_module(argv[i], max_module, &bytes, &size);
    if (m == NULL)
        return CLI_EXIT_BAD;
    cli_inspect_print(stdout, argv[i], m, size);
    wa_module_free(m);
    cli_inspect_component(stdout, bytes, size); /* the bytes printed: read once */
    free(bytes);
    return 0;
}
