/*
 * exec.c: `wactor exec [--dir HOST[::GUEST]]... [--env NAME=VALUE]... FILE.wasm
 * [ARGS...]` runs a WASI command module's _start with every WASI facet
 * granted and the standard streams connected, like `wasmtime run`.
 *
 * The guest sees ARGS with FILE.wasm as argv[0], only the environment given
 * with --env (the host's is not passed through), and only the directories
 * given with --dir (read-write, nothing outside them).
 *
 * --tier picks how it runs: compiled from FILE.wasm.so (`wactor compile`),
 * interpreted, or (auto, the default) compiled when that artifact loads.
 */
#include "aot.h"
#include "cli.h"
#include "wasi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char cli_exec_usage[] =
    "usage: wactor exec [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--max-module SIZE]\n"
    "                   [--tier interp|aot|auto] [--fuel N] FILE.wasm [ARGS...]\n"
    "\n"
    "Runs the _start function of a WASI command module (e.g. a C program built\n"
    "with clang --target=wasm32-wasi) with ARGS; FILE.wasm is its argv[0].\n"
    "\n"
    "  --dir HOST[::GUEST]  preopen the host directory HOST, read-write, as GUEST\n"
    "                     (default: HOST as written); the guest reaches files only\n"
    "                     beneath such directories (repeatable)\n"
    "  --env NAME=VALUE   add a variable to the guest's environment (repeatable);\n"
    "                     the host's environment is not passed through\n"
    "  --max-module SIZE  the largest module file read, 1KiB to 4GiB (default\n"
    "                     256MiB); a module must be a regular file\n"
    "  --tier TIER        aot: run the module compiled, from FILE.wasm.so (made by\n"
    "                     wactor compile), or fail if that does not load; interp:\n"
    "                     interpreted; auto (default): compiled if FILE.wasm.so loads\n"
    "  --fuel N           run on a budget of N units of fuel, 1 to 2^63-2 (as a\n"
    "                     component's limits.fuel); running out traps (exit 134)\n"
    "  --help             show this help\n"
    "\n"
    "Exit status: the guest's exit code (0 if _start returns); 134 if the guest\n"
    "traps; 1 if it exits with a code above 255; 4 if the module cannot be\n"
    "read, decoded, validated or linked, or on a usage error.\n";

/* Links every import of m to the WASI context, or reports the first one that
 * cannot be and returns false. */
static bool cli_exec_link(const char *path, const wa_module *m, wasi_ctx *wasi, wa_extern *imports)
{
    uint32_t n = wa_module_num_imports(m);
    for (uint32_t i = 0; i < n; i++) {
        wa_name module, field;
        wa_externtype type;
        wa_module_import(m, i, &module, &field, &type);
        const wa_functype *want = wasi_import_type(module, field);
        if (want != NULL && type.kind == WA_EXTERN_FUNC && wa_functype_equal(want, type.u.func) &&
            wasi_resolve(wasi, module, field, &imports[i]))
            continue;
        fprintf(stderr, "wactor: %s: ", path);
        if (want == NULL) {
            bool wasi_module = module.len == strlen(WASI_MODULE) &&
                               memcmp(module.ptr, WASI_MODULE, module.len) == 0;
            fputs("unknown import ", stderr);
            cli_print_name(stderr, module);
            fputc('.', stderr);
            cli_print_name(stderr, field);
            if (wasi_module)
                fprintf(stderr, " (%s): %s has no such function\n", cli_kind_name(type.kind),
                        WASI_MODULE);
            else
                fprintf(stderr, " (%s): wactor exec links only %s imports, not module ",
                        cli_kind_name(type.kind), WASI_MODULE),
                    cli_print_name(stderr, module), fputc('\n', stderr);
        } else {
            fprintf(stderr, "import %s.", WASI_MODULE);
            cli_print_name(stderr, field);
            fprintf(stderr, " is a %s of type ", cli_kind_name(type.kind));
            cli_print_externtype(stderr, &type);
            fputs(", but WASI defines a func of type ", stderr);
            cli_print_functype(stderr, want);
            fputc('\n', stderr);
        }
        return false;
    }
    return true;
}

/* A guest's proc_exit code as the process's exit status. */
static int cli_exec_exit_status(uint32_t code)
{
    return code <= 255 ? (int)code : CLI_EXIT_RANGE;
}

/* Exit status for a call into inst that ended with t. */
static int cli_exec_status(const char *path, wa_instance *inst, const wasi_ctx *wasi, wa_trap t)
{
    uint32_t code;
    if (t == WA_TRAP_NONE)
        return 0;
    if (t == WA_TRAP_EXIT && wasi_exited(wasi, &code))
        return cli_exec_exit_status(code);
    const char *detail = wa_instance_trap_message(inst);
    cli_error("trap in %s: %s", path, detail != NULL && detail[0] ? detail : wa_trap_message(t));
    return CLI_EXIT_TRAP;
}

/* Runs an instantiated module's _start. */
static int cli_exec_start(const char *path, wa_instance *inst, const wasi_ctx *wasi)
{
    wa_extern start;
    if (!wa_instance_export(inst, "_start", 6, &start)) {
        cli_error("%s: no export _start: not a WASI command (a reactor or a component? "
                  "see wactor inspect)",
                  path);
        return CLI_EXIT_BAD;
    }
    const wa_functype *t = start.kind == WA_EXTERN_FUNC ? wa_func_type(start.u.func) : NULL;
    if (t == NULL || t->nparams != 0 || t->nresults != 0) {
        cli_error("%s: export _start must be a function of type () -> ()", path);
        return CLI_EXIT_BAD;
    }
    return cli_exec_status(path, inst, wasi, wa_call(inst, start.u.func, NULL, NULL));
}

typedef enum cli_tier { CLI_TIER_AUTO, CLI_TIER_INTERP, CLI_TIER_AOT } cli_tier;

/* FILE.wasm.so for m, as the tier asks; false if it must load and does not. */
static bool cli_exec_artifact(const char *path, const wa_module *m, cli_tier tier,
                              wa_aot_artifact **out)
{
    *out = NULL;
    if (tier == CLI_TIER_INTERP)
        return true;
    size_t n = strlen(path) + 4;
    char *so = malloc(n);
    if (so == NULL) {
        cli_error("%s: out of memory", path);
        return false;
    }
    snprintf(so, n, "%s.so", path);
    wa_error err;
    memset(&err, 0, sizeof err);
    struct stat st;
    bool exists = stat(so, &st) == 0;
    if (exists || tier == CLI_TIER_AOT)
        *out = wa_aot_open(so, m, &err);
    free(so);
    if (*out != NULL || (tier == CLI_TIER_AUTO && !exists))
        return true;
    if (tier == CLI_TIER_AOT) {
        cli_error("exec: --tier aot: %s (make it with wactor compile %s)", err.msg, path);
        return false;
    }
    cli_error("exec: %s; running interpreted", err.msg); /* auto: a note */
    return true;
}

static int cli_exec_run(const char *path, int argc, char **argv, const char *const *envp,
                        const wasi_preopen *dirs, size_t ndirs, uint64_t max_module, cli_tier tier,
                        int64_t fuel)
{
    wa_module *m = cli_load_module(path, max_module, NULL, NULL);
    if (m == NULL)
        return CLI_EXIT_BAD;
    wa_aot_artifact *artifact;
    if (!cli_exec_artifact(path, m, tier, &artifact)) {
        wa_module_free(m);
        return CLI_EXIT_BAD;
    }
    wasi_options opts = {
        .argc = argc,
        .argv = (const char *const *)argv,
        .envp = envp,
        .caps = WASI_CAP_ALL,
        .preopens = dirs,
        .npreopens = ndirs,
        .walk_only = getenv("WACTOR_WASI_WALK") != NULL, /* tests: the portable resolver */
        .blocking = true,
    };
    errno = 0;
    wasi_ctx *wasi = wasi_ctx_new(&opts);
    int wasi_errno = errno;
    uint32_t n = wa_module_num_imports(m);
    wa_extern *imports = calloc(n ? n : 1, sizeof *imports);
    int status = CLI_EXIT_BAD;
    if (wasi == NULL && wasi_errno != 0 && wasi_errno != ENOMEM) {
        cli_error("exec: --dir: cannot open a directory: %s", strerror(wasi_errno));
    } else if (wasi == NULL || imports == NULL) {
        cli_error("%s: out of memory", path);
    } else if (cli_exec_link(path, m, wasi, imports)) {
        wa_config cfg = {.native = artifact ? wa_aot_artifact_native(artifact) : NULL,
                         .fuel = fuel};
        uint32_t code;
        wa_error err;
        memset(&err, 0, sizeof err);
        wa_instance *inst = wa_instantiate(m, imports, n, &cfg, &err);
        if (inst != NULL) {
            wa_instance_set_userdata(inst, wasi);
            status = cli_exec_start(path, inst, wasi);
            wa_instance_free(inst);
        } else if (wasi_exited(wasi, &code)) {
            status = cli_exec_exit_status(code); /* the start function called proc_exit */
        } else if (err.kind == WA_ERR_UNINSTANTIABLE) {
            err.msg[sizeof err.msg - 1] = '\0';
            cli_error("trap in %s: %s", path, err.msg); /* the start function or a segment */
            status = CLI_EXIT_TRAP;
        } else {
            err.msg[sizeof err.msg - 1] = '\0';
            cli_error("%s: %s: %s", path, wa_errkind_name(err.kind), err.msg);
        }
    }
    free(imports);
    wasi_ctx_free(wasi);
    wa_aot_close(artifact);
    wa_module_free(m);
    return status;
}

/* --dir HOST[::GUEST]: checked here so that a bad one is named. */
static bool cli_exec_dir(const char *v, wasi_preopen *out, char **owned)
{
    const char *sep = strstr(v, "::");
    size_t hlen = sep ? (size_t)(sep - v) : strlen(v);
    const char *guest = sep ? sep + 2 : v;
    if (hlen == 0 || guest[0] == '\0') {
        cli_error("exec: --dir needs HOST or HOST::GUEST, got '%s'", v);
        return false;
    }
    char *host = strndup(v, hlen);
    if (host == NULL) {
        cli_error("exec: out of memory");
        return false;
    }
    struct stat st;
    int rc = stat(host, &st);
    if (rc != 0 || !S_ISDIR(st.st_mode)) {
        cli_error("exec: --dir %s: %s", host, rc != 0 ? strerror(errno) : "not a directory");
        free(host);
        return false;
    }
    *owned = host;
    out->host = host;
    out->guest = guest;
    out->writable = true;
    return true;
}

int cli_exec(int argc, char **argv)
{
    const char **envp = calloc((size_t)argc + 1, sizeof *envp);
    wasi_preopen *dirs = calloc((size_t)argc + 1, sizeof *dirs);
    char **dir_hosts = calloc((size_t)argc + 1, sizeof *dir_hosts);
    size_t nenv = 0, ndirs = 0;
    int i = 1, status = CLI_EXIT_BAD, flag;
    uint64_t max_module = 0;
    cli_tier tier = CLI_TIER_AUTO;
    int64_t fuel = 0;
    if (envp == NULL || dirs == NULL || dir_hosts == NULL) {
        cli_error("exec: out of memory");
        goto out;
    }
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(cli_exec_usage, stdout);
            status = 0;
            goto out;
        } else if (strcmp(arg, "--dir") == 0 || strncmp(arg, "--dir=", 6) == 0) {
            const char *v = arg[5] == '=' ? arg + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL) {
                cli_error("exec: --dir needs HOST[::GUEST]");
                goto out;
            }
            if (!cli_exec_dir(v, &dirs[ndirs], &dir_hosts[ndirs]))
                goto out;
            ndirs++;
        } else if (strcmp(arg, "--env") == 0 || strncmp(arg, "--env=", 6) == 0) {
            const char *v = arg[5] == '=' ? arg + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL || strchr(v, '=') == NULL || v[0] == '=') {
                cli_error("exec: --env needs NAME=VALUE");
                goto out;
            }
            envp[nenv++] = v;
        } else if (strcmp(arg, "--fuel") == 0 || strncmp(arg, "--fuel=", 7) == 0) {
            const char *v = arg[6] == '=' ? arg + 7 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            errno = 0;
            long long n = v ? strtoll(v, &end, 10) : 0;
            if (v == NULL || end == v || *end || errno || n < 1 || n == INT64_MAX) {
                cli_error("exec: --fuel needs a number from 1 to 2^63-2");
                goto out;
            }
            fuel = n;
        } else if (strcmp(arg, "--tier") == 0 || strncmp(arg, "--tier=", 7) == 0) {
            const char *v = arg[6] == '=' ? arg + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (v != NULL && strcmp(v, "aot") == 0)
                tier = CLI_TIER_AOT;
            else if (v != NULL && strcmp(v, "interp") == 0)
                tier = CLI_TIER_INTERP;
            else if (v != NULL && strcmp(v, "auto") == 0)
                tier = CLI_TIER_AUTO;
            else {
                cli_error("exec: --tier needs interp, aot or auto");
                goto out;
            }
        } else if ((flag = cli_max_module_flag(argc, argv, &i, "exec", &max_module)) !=
                   CLI_COMMON_NONE) {
            if (flag == CLI_EXIT_BAD)
                goto out;
        } else {
            int common = cli_common_flag(argc, argv, &i, "exec");
            if (common == CLI_COMMON_TAKEN)
                continue;
            if (common >= 0) {
                status = common;
                goto out;
            }
            cli_error("exec: unknown flag %s (try wactor exec --help)", arg);
            goto out;
        }
    }
    if (i >= argc) {
        cli_error("exec: missing FILE.wasm (try wactor exec --help)");
        goto out;
    }
    status = cli_exec_run(argv[i], argc - i, argv + i, envp, dirs, ndirs, max_module, tier, fuel);
out:
    for (size_t k = 0; dir_hosts != NULL && k < ndirs; k++)
        free(dir_hosts[k]);
    free(dir_hosts);
    free(dirs);
    free(envp);
    return status;
}
