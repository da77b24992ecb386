/*
 * compile.c: `wactor compile FILE.wasm [-o OUT]` makes the artifact of a
 * module for the ahead-of-time tier (docs/AOT.md): C from the module, the
 * system C compiler, a shared object bound to the module's bytes and to
 * this wactor (default OUT: FILE.wasm.so beside it, where `wactor exec` and
 * a manifest's components look for it).
 */
#include "aot.h"
#include "cli.h"
#include "manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char cli_compile_usage[] =
    "usage: wactor compile [--max-module SIZE] FILE.wasm [-o OUT | --cache DIR]\n"
    "\n"
    "Translates a module to C and compiles it with the system C compiler ($CC,\n"
    "its words split at blanks, else cc) into an artifact for the ahead-of-time\n"
    "tier: OUT, by default FILE.wasm.so beside the module. An artifact is loaded\n"
    "only for the same module bytes and the same wactor, if it is ours and\n"
    "writable by no one else.\n"
    "\n"
    "  -o OUT             where the artifact goes\n"
    "  --cache DIR        put it in the folder DIR as a runtime.cache holds them:\n"
    "                     named by the module's SHA-256 (HEX.so)\n"
    "  --max-module SIZE  the largest module file read (default 256MiB)\n"
    "  --help             show this help\n"
    "\n"
    "Exit status: 0 written; 4 if the module cannot be read, decoded or validated,\n"
    "the C compiler fails, or on a usage error.\n";

/* runtime.cache, made if missing with its missing parents (as storage is). */
static bool cli_make_folder(const char *dir)
{
    char *p = strdup(dir);
    if (p == NULL) {
        cli_error("compile: out of memory");
        return false;
    }
    bool ok = true;
    for (char *q = p + 1; ok; q++) {
        q = strchr(q, '/'); /* each ancestor in turn, then dir itself */
        if (q != NULL)
            *q = '\0';
        ok = mkdir(p, 0755) == 0 || errno == EEXIST;
        if (q == NULL)
            break;
        *q = '/';
    }
    if (!ok)
        cli_error("compile: cannot make %s: %s", dir, strerror(errno));
    free(p);
    return ok;
}

/* The artifact of the module at path in the cache folder, made unless one
 * that loads is there already. */
static bool cli_compile_into(const char *cache, const char *path, uint64_t max_module, bool always)
{
    wa_module *m = cli_load_module(path, max_module, NULL, NULL);
    if (m == NULL)
        return false;
    char *out = wa_aot_cache_path(cache, m);
    bool ok = out != NULL;
    if (ok) {
        wa_error err;
        memset(&err, 0, sizeof err);
        wa_aot_artifact *have = always ? NULL : wa_aot_open(out, m, &err);
        if (have != NULL) {
            wa_aot_close(have); /* up to date */
        } else {
            if (!always)
                fprintf(stderr, "wactor: compiling %s\n", path);
            memset(&err, 0, sizeof err);
            ok = wa_aot_compile(m, out, stderr, &err);
            if (!ok)
                cli_error("compile: %s: %s", path, err.msg);
        }
    } else {
        cli_error("compile: out of memory");
    }
    free(out);
    wa_module_free(m);
    return ok;
}

int cli_compile(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *cache = NULL;
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
        } else if (strcmp(arg, "--cache") == 0) {
            if (i + 1 >= argc) {
                cli_error("compile: --cache needs a folder");
                return CLI_EXIT_BAD;
            }
            cache = argv[++i];
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
    if (cache && out) {
        cli_error("compile: -o or --cache, not both");
        return CLI_EXIT_BAD;
    }
    if (cache)
        return cli_make_folder(cache) && cli_compile_into(cache, in, max_module, true)
                   ? 0
                   : CLI_EXIT_BAD;
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

int cli_compile_manifest(const mf_manifest *mf)
{
    if (mf->cache == NULL) {
        cli_error("run --compile: %s has no runtime.cache (the folder for the artifacts)",
                  mf->path);
        return CLI_EXIT_BAD;
    }
    if (!cli_make_folder(mf->cache))
        return CLI_EXIT_BAD;
    size_t total = mf->ncomponents + mf->ntemplates;
    for (size_t i = 0; i < total; i++) {
        const mf_component *c =
            i < mf->ncomponents ? &mf->components[i] : &mf->templates[i - mf->ncomponents];
        bool seen = false; /* a module shared by several is compiled once */
        for (size_t j = 0; j < i && !seen; j++) {
            const mf_component *d =
                j < mf->ncomponents ? &mf->components[j] : &mf->templates[j - mf->ncomponents];
            seen = strcmp(c->wasm, d->wasm) == 0;
        }
        if (c->tier != MF_TIER_INTERP && !seen &&
            !cli_compile_into(mf->cache, c->wasm, mf->max_module, false))
            return CLI_EXIT_BAD;
    }
    return 0;
}
