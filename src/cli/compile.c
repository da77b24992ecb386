/*
 * compile.c: `wactor compile FILE.wasm [-o OUT]` makes the artifact of a
 * module for the ahead-of-time tier (docs/AOT.md): C from the module, the
 * system C compiler, a shared object bound to the module's bytes and to
 * this wactor (default OUT: FILE.wasm.so beside it, where `wactor exec` and
 * a manifest's components look for it).
 */
#include "aot.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char cli_compile_usage[] =
    "usage: wactor compile [--max-module SIZE] FILE.wasm [-o OUT]\n"
    "\n"
    "Translates a module to C and compiles it with the system C compiler ($CC,\n"
    "else cc) into an artifact for the ahead-of-time tier: OUT, by default\n"
    "FILE.wasm.so beside the module. An artifact is loaded only for the same\n"
    "module bytes and the same wactor, if it is ours and writable by no one else.\n"
    "\n"
    "  -o OUT             where the artifact goes\n"
    "  --max-module SIZE  the largest module file read (default 256MiB)\n"
    "  --help             show this help\n"
    "\n"
    "Exit status: 0 written; 4 if the module cannot be read, decoded or validated,\n"
    "the C compiler fails, or on a usage error.\n";

int cli_compile(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    uint64_t max_module = 0;
    int flag;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(cli_compile_usage, stdout);
            return 0;
        } else if (strcmp(arg, "-o") == 0) {
            if (i + 1 >= argc) {
                cli_error("compile: -o needs a file name");
                return CLI_EXIT_BAD;
            }
            out = argv[++i];
        } else if (arg[0] == '-' && (flag = cli_max_module_flag(argc, argv, &i, "compile",
                                                                &max_module)) != CLI_COMMON_NONE) {
            if (flag == CLI_EXIT_BAD)
                return CLI_EXIT_BAD;
        } else if (arg[0] == '-') {
            cli_error("compile: unknown flag %s (try wactor compile --help)", arg);
            return CLI_EXIT_BAD;
        } else if (!in) {
            in = arg;
        } else {
            cli_error("compile: one module at a time (try wactor compile --help)");
            return CLI_EXIT_BAD;
        }
    }
    if (!in) {
        cli_error("compile: missing FILE.wasm (try wactor compile --help)");
        return CLI_EXIT_BAD;
    }
    char *def = NULL;
    if (!out) {
        size_t n = strlen(in) + 4;
        def = malloc(n);
        if (!def) {
            cli_error("compile: out of memory");
            return CLI_EXIT_BAD;
        }
        snprintf(def, n, "%s.so", in);
        out = def;
    }
    int status = CLI_EXIT_BAD;
    wa_module *m = cli_load_module(in, max_module, NULL, NULL);
    if (m) {
        wa_error err;
        memset(&err, 0, sizeof err);
        if (wa_aot_compile(m, out, stderr, &err))
            status = 0;
        else
            cli_error("compile: %s: %s", in, err.msg);
        wa_module_free(m);
    }
    free(def);
    return status;
}
