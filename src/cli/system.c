/*
 * system.c: what `run`, `call` and `send` share: their flags, the log
 * lines, and a manifest's components started in a runtime.
 *
 * The manifest (mf_load) maps onto the embedding API (include/wactor.h)
 * field by field: runtime: workers, max_message, max_module, request_timeout,
 * storage and audit, and supervisor: max_restarts and within, become
 * wactor_runtime_options; each component's wasm, config, env, restart,
 * limits and capabilities become wactor_component_options. Each distinct
 * wasm path is loaded once and shared by the components naming it.
 * Templates are given to the runtime first (wactor_template_add, their
 * modules loaded once each), then components are spawned in the
 * manifest's order.
 *
 * Log lines (the runtime's and the components') go to standard error as
 * "wactor: LEVEL COMPONENT: text" ("wactor: LEVEL: text" for the runtime
 * itself), with control bytes escaped so that one line stays one line.
 */
#include "cli.h"
#include "manifest.h"
#include "wactor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((int)MF_WASI_STDOUT == (int)WACTOR_WASI_STDOUT &&
                   (int)MF_WASI_STDERR == (int)WACTOR_WASI_STDERR &&
                   (int)MF_WASI_CLOCK == (int)WACTOR_WASI_CLOCK &&
                   (int)MF_WASI_RANDOM == (int)WACTOR_WASI_RANDOM &&
                   (int)MF_WASI_ENV == (int)WACTOR_WASI_ENV,
               "the manifest's WASI bits are the embedding API's");

/* The longest --timeout, as the manifest's durations: 2^31-1 ms. */
#define CLI_MAX_TIMEOUT_MS UINT64_C(2147483647)

static const char *const cli_level_names[] = {"trace", "debug", "info", "warn", "error"};

/* ---- flags -------------------------------------------------------------- */

/* The value of flag `name` at argv[*i]: "--name=VALUE" or "--name VALUE"
 * (advancing *i). NULL if argv[*i] is not that flag; *missing set if it is
 * but has no value. */
static const char *cli_flag_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* The level named v (NULL: the flag's value is missing), or -1 after
 * reporting it. */
static int cli_log_level(const char *cmd, const char *v)
{
    for (int l = 0; v && l < 5; l++)
        if (strcmp(v, cli_level_names[l]) == 0)
            return l;
    cli_error("%s: --log-level needs one of trace, debug, info, warn, error%s%s", cmd,
              v ? ", not " : "", v ? v : "");
    return -1;
}

int cli_common_flag(int argc, char **argv, int *i, const char *cmd)
{
    if (strcmp(argv[*i], "--version") == 0) {
        printf("wactor %s\n", WACTOR_VERSION);
        return 0;
    }
    bool missing = false;
    const char *v = cli_flag_value(argc, argv, i, "--log-level", &missing);
    if (v == NULL && !missing)
        return CLI_COMMON_NONE;
    return cli_log_level(cmd, v) < 0 ? CLI_EXIT_BAD : CLI_COMMON_TAKEN;
}

int cli_parse_flags(int argc, char **argv, const char *usage, unsigned allowed, cli_flags *f,
                    int *first)
{
    const char *cmd = argv[0];
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if ((v = cli_flag_value(argc, argv, &i, "--log-level", &missing)) != NULL || missing) {
            int level = cli_log_level(cmd, v);
            if (level < 0)
                return CLI_EXIT_BAD;
            f->log_level = level;
            continue;
        }
        int common = cli_common_flag(argc, argv, &i, cmd); /* --version */
        if (common == CLI_COMMON_TAKEN)
            continue;
        if (common >= 0)
            return common;
        if ((allowed & CLI_FLAG_ATTACH) &&
            (strcmp(a, "--attach") == 0 || strcmp(a, "--standalone") == 0)) {
            int mode = a[2] == 'a' ? CLI_MODE_ATTACH : CLI_MODE_STANDALONE;
            if (f->mode != CLI_MODE_AUTO && f->mode != mode) {
                cli_error("%s: --attach and --standalone exclude each other", cmd);
                return CLI_EXIT_BAD;
            }
            f->mode = mode;
            continue;
        }
        if ((allowed & CLI_FLAG_WATCH) && strcmp(a, "--watch") == 0) {
            f->watch = true;
            continue;
        }
        if ((allowed & CLI_FLAG_COMPILE) && strcmp(a, "--compile") == 0) {
            f->compile = true;
            continue;
        }
        if ((allowed & CLI_FLAG_TIER) &&
            ((v = cli_flag_value(argc, argv, &i, "--tier", &missing)) != NULL || missing)) {
            static const char *const tiers[] = {"auto", "interp", "aot"}; /* MF_TIER_* */
            f->tier = 0;
            for (int t = 0; !missing && t < 3; t++)
                if (strcmp(v, tiers[t]) == 0)
                    f->tier = t + 1;
            if (f->tier == 0) {
                cli_error("%s: --tier needs interp, aot or auto%s%s", cmd, missing ? "" : ", not ",
                          missing ? "" : v);
                return CLI_EXIT_BAD;
            }
            continue;
        }
        if ((allowed & CLI_FLAG_JSON) && strcmp(a, "--json") == 0) {
            f->json = true;
            continue;
        }
        if ((allowed & CLI_FLAG_TIMEOUT) &&
            ((v = cli_flag_value(argc, argv, &i, "--timeout", &missing)) != NULL || missing)) {
            uint64_t ms = 0;
            if (missing || !mf_parse_duration_ms(v, &ms) || ms < 1 || ms > CLI_MAX_TIMEOUT_MS) {
                cli_error("%s: --timeout needs a duration from 1ms to %" PRIu64
                          "ms, like 500ms, 2s or 1m%s%s",
                          cmd, CLI_MAX_TIMEOUT_MS, missing ? "" : ", not ", missing ? "" : v);
                return CLI_EXIT_BAD;
            }
            f->has_timeout = true;
            f->timeout_ms = (uint32_t)ms;
            continue;
        }
        cli_error("%s: unknown flag %s (try wactor %s --help)", cmd, a, cmd);
        return CLI_EXIT_BAD;
    }
    *first = i;
    return -1;
}

/* ---- log lines ---------------------------------------------------------- */

void cli_write_escaped(FILE *out, const void *bytes, size_t len)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f || c == '\\')
            fprintf(out, "\\x%02x", c);
        else
            putc_unlocked(c, out);
    }
}

void cli_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    (void)arg;
    const char *name = level >= 0 && level < 5 ? cli_level_names[level] : "?";
    /* One locked line: lines from several threads never interleave. */
    flockfile(stderr);
    if (component != NULL)
        fprintf(stderr, "wactor: %s %s: ", name, component);
    else
        fprintf(stderr, "wactor: %s: ", name);
    cli_write_escaped(stderr, text, len);
    putc_unlocked('\n', stderr);
    funlockfile(stderr);
}

void cli_system_log(const cli_system *s, int level, const char *component, const char *fmt, ...)
{
    if (level < s->log_level)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n;
    cli_log(NULL, level, component, line, len < sizeof line ? len : sizeof line - 1);
}

void cli_format_duration(char *buf, size_t len, uint64_t ms)
{
    if (ms != 0 && ms % 60000 == 0)
        snprintf(buf, len, "%" PRIu64 "m", ms / 60000);
    else if (ms != 0 && ms % 1000 == 0)
        snprintf(buf, len, "%" PRIu64 "s", ms / 1000);
    else
        snprintf(buf, len, "%" PRIu64 "ms", ms);
}

/* ---- the system --------------------------------------------------------- */

/* Reports a problem with component c: "wactor: MANIFEST:LINE:COLUMN:
 * component NAME: ...". */
static void cli_component_error(const cli_system *s, const mf_component *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cli_component_error(const cli_system *s, const mf_component *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);
    fprintf(stderr, "wactor: %s:%u:%u: component %s: ", s->mf->path, c->line, c->column, c->name);
    vfprintf(stderr, fmt, ap);
    putc_unlocked('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

size_t cli_first_with_module(const mf_manifest *mf, size_t i)
{
    size_t j = 0;
    while (j < i && strcmp(mf->components[j].wasm, mf->components[i].wasm) != 0)
        j++;
    return j;
}

mf_manifest *cli_manifest_check(const char *path)
{
    static char err[64 << 10]; /* the CLI's main thread only */
    mf_manifest *mf = mf_load_all(path, err, sizeof err);
    for (char *line = err, *end; mf == NULL && line != NULL; line = end ? end + 1 : NULL) {
        if ((end = strchr(line, '\n')) != NULL)
            *end = '\0';
        cli_error("%s", line);
    }
    return mf;
}

void cli_system_force_tier_of(const cli_system *s, mf_manifest *mf)
{
    for (size_t i = 0; s->tier != 0 && i < mf->ncomponents; i++)
        mf->components[i].tier = s->tier - 1;
    for (size_t i = 0; s->tier != 0 && i < mf->ntemplates; i++)
        mf->templates[i].tier = s->tier - 1;
}

void cli_system_force_tier(cli_system *s, int tier)
{
    s->tier = tier;
    cli_system_force_tier_of(s, s->mf);
}

int cli_system_open(cli_system *s, const char *manifest, int log_level)
{
    memset(s, 0, sizeof *s);
    s->log_level = log_level;
    char err[1024];
    s->mf = mf_load(manifest, err, sizeof err);
    if (s->mf == NULL) {
        cli_error("%s", err);
        return CLI_EXIT_BAD;
    }
    const mf_manifest *mf = s->mf;
    /* supervisor.max_restarts 0 means no restart at all: the API's negative. */
    int32_t max_restarts = mf->max_restarts == 0          ? -1
                           : mf->max_restarts > INT32_MAX ? INT32_MAX
                                                          : (int32_t)mf->max_restarts;
    wactor_runtime_options ro = {.workers = mf->workers,
                                 .max_message = (uint32_t)mf->max_message,
                                 .request_timeout_ms = (uint32_t)mf->request_timeout_ms,
                                 .log_level = log_level,
                                 .max_restarts = max_restarts,
                                 .restart_within_ms = (uint32_t)mf->within_ms,
                                 .log = cli_log,
                                 .log_arg = s,
                                 .audit_path = mf->audit,
                                 .trace_path = mf->trace,
                                 .storage_path = mf->storage,
                                 .max_module = mf->max_module,
                                 .cache_dir = mf->cache};
    s->rt = wactor_runtime_new(&ro);
    if (s->rt == NULL) {
        cli_error("%s: cannot start the runtime: %s", mf->path, wactor_errmsg(NULL));
        return CLI_EXIT_BAD;
    }
    /* Components' http_request calls go through it (a reload may grant
     * `http` later, so it runs whatever the manifest says now). */
    if (!wactor_http_client_start(s->rt)) {
        cli_error("%s: cannot start the HTTP client: %s", mf->path, wactor_errmsg(NULL));
        return CLI_EXIT_BAD;
    }
    s->modules = calloc(mf->ncomponents ? mf->ncomponents : 1, sizeof *s->modules);
    s->start_errors = calloc(mf->ncomponents ? mf->ncomponents : 1, sizeof *s->start_errors);
    if (s->modules == NULL || s->start_errors == NULL) {
        cli_error("%s: out of memory", mf->path);
        return CLI_EXIT_BAD;
    }
    for (size_t i = 0; i < mf->ncomponents; i++) {
        const mf_component *c = &mf->components[i];
        size_t first = cli_first_with_module(mf, i);
        if (first < i) {
            s->modules[i] = s->modules[first]; /* loaded once, shared */
            continue;
        }
        s->modules[i] = wactor_module_load_file(s->rt, c->wasm);
        if (s->modules[i] != NULL)
            continue;
        char *why = cli_load_error(s->rt); /* names the file */
        cli_component_error(s, c, "%s", why ? why : "out of memory");
        free(why);
        return CLI_EXIT_BAD;
    }
    return 0;
}

const mf_component *cli_system_find(const cli_system *s, const char *name)
{
    for (size_t i = 0; s->mf != NULL && i < s->mf->ncomponents; i++)
        if (strcmp(s->mf->components[i].name, name) == 0)
            return &s->mf->components[i];
    return NULL;
}

char *cli_load_error(const wactor_runtime *rt)
{
    const char *msg = wactor_errmsg(rt);
    bool size = wactor_errcode(rt) == WACTOR_ETOOBIG;
    char *why = malloc(strlen(msg) + sizeof " (runtime.max_module)");
    if (why)
        sprintf(why, "%s%s", msg, size ? " (runtime.max_module)" : "");
    return why;
}

wactor_limits cli_limits(const mf_component *c)
{
    return (wactor_limits){.memory = c->memory,
                           .fuel = c->fuel < 0 ? 0 : c->fuel,
                           .time_ms = (uint32_t)c->time_ms,
                           .stack = c->stack,
                           .mailbox = c->mailbox,
                           .pending = c->pending,
                           .timers = c->timers};
}

static int cli_restart(int restart)
{
    switch (restart) {
    case MF_RESTART_TRANSIENT:
        return WACTOR_RESTART_TRANSIENT;
    case MF_RESTART_TEMPORARY:
        return WACTOR_RESTART_TEMPORARY;
    }
    return WACTOR_RESTART_PERMANENT;
}

static wactor_patterns cli_patterns(const mf_patterns *p)
{
    return (wactor_patterns){(const char *const *)p->v, p->n};
}

wactor_component_options cli_component_options(const mf_component *c, wactor_module *m,
                                               wactor_files_grant *grants)
{
    for (size_t i = 0; i < c->nfiles && i < MF_MAX_FILES; i++)
        grants[i] = (wactor_files_grant){c->files[i].name, c->files[i].path, c->files[i].write};
    return (wactor_component_options){
        .name = c->name,
        .module = m,
        .config = c->has_config ? c->config : NULL,
        .config_len = c->has_config ? c->config_len : 0,
        .env = (const char *const *)c->env,
        .restart = cli_restart(c->restart),
        .limits = cli_limits(c),
        .send = cli_patterns(&c->send),
        .request = cli_patterns(&c->request),
        .publish = cli_patterns(&c->publish),
        .subscribe = cli_patterns(&c->subscribe),
        .http = cli_patterns(&c->http),
        .spawn = cli_patterns(&c->spawn),
        .storage = c->storage < 0 ? 0 : (uint64_t)c->storage,
        .wasi = c->wasi,
        .files = c->nfiles ? grants : NULL,
        .nfiles = c->nfiles < MF_MAX_FILES ? c->nfiles : MF_MAX_FILES,
        .health = {c->health_interval_ms, c->health_unhealthy},
        .tier = c->tier == MF_TIER_AOT      ? WACTOR_TIER_AOT
                : c->tier == MF_TIER_INTERP ? WACTOR_TIER_INTERP
                                            : WACTOR_TIER_AUTO,
    };
}

/* The manifest's templates, each module loaded once: the runtime keeps
 * it (and checks it against the ABI) for every child. */
static int cli_templates_add(cli_system *s)
{
    const mf_manifest *mf = s->mf;
    for (size_t i = 0; i < mf->ntemplates; i++) {
        const mf_component *t = &mf->templates[i];
        wactor_module *m = wactor_module_load_file(s->rt, t->wasm);
        if (m == NULL) {
            char *why = cli_load_error(s->rt);
            cli_error("%s:%u:%u: template %s: %s", mf->path, t->line, t->column, t->name,
                      why ? why : "out of memory");
            free(why);
            return CLI_EXIT_BAD;
        }
        wactor_files_grant grants[MF_MAX_FILES];
        wactor_component_options o = cli_component_options(t, m, grants);
        int rc = wactor_template_add(s->rt, t->name, &o);
        wactor_module_free(m); /* the template holds its own reference */
        if (rc != WACTOR_OK) {
            cli_error("%s:%u:%u: template %s: %s: %s", mf->path, t->line, t->column, t->name,
                      t->wasm, wactor_errmsg(s->rt));
            return CLI_EXIT_BAD;
        }
    }
    return 0;
}

/* The manifest's supervision groups, before their members start. */
static int cli_groups_add(cli_system *s)
{
    const mf_manifest *mf = s->mf;
    for (size_t i = 0; i < mf->ngroups; i++) {
        const mf_group *g = &mf->groups[i];
        const char **names = calloc(g->nmembers, sizeof *names);
        if (names == NULL) {
            cli_error("out of memory");
            return CLI_EXIT_BAD;
        }
        for (size_t j = 0; j < g->nmembers; j++)
            names[j] = g->members[j].name;
        int strategy = g->strategy == MF_ONE_FOR_ALL    ? WACTOR_ONE_FOR_ALL
                       : g->strategy == MF_REST_FOR_ONE ? WACTOR_REST_FOR_ONE
                                                        : WACTOR_ONE_FOR_ONE;
        wactor_group_options o = {
            .name = g->name,
            .strategy = strategy,
            .members = names,
            .nmembers = g->nmembers,
            /* 0 means a crash stops the group: the API's negative. */
            .max_restarts = g->max_restarts == 0 ? -1 : (int32_t)g->max_restarts,
            .restart_within_ms = g->within_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)g->within_ms,
        };
        int rc = wactor_group_add(s->rt, &o);
        free(names);
        if (rc != WACTOR_OK) {
            cli_error("%s:%u:%u: group %s: %s", mf->path, g->line, g->column, g->name,
                      wactor_errmsg(s->rt));
            return CLI_EXIT_BAD;
        }
    }
    return 0;
}

/* The order components start in: file order, except that a group's
 * members start together, in the group's order, where the first of them
 * appears. order[k] is a component's index. */
static void start_order(const mf_manifest *mf, size_t *order)
{
    size_t n = 0;
    bool *done = calloc(mf->ncomponents ? mf->ncomponents : 1, sizeof *done);
    for (size_t i = 0; i < mf->ncomponents; i++) {
        if (done == NULL) { /* out of memory: file order */
            order[n++] = i;
            continue;
        }
        if (done[i])
            continue;
        const mf_group *in = NULL;
        for (size_t g = 0; g < mf->ngroups && !in; g++)
            for (size_t j = 0; j < mf->groups[g].nmembers && !in; j++)
                if (mf->groups[g].members[j].component == i)
                    in = &mf->groups[g];
        if (in == NULL) {
            done[i] = true;
            order[n++] = i;
            continue;
        }
        for (size_t j = 0; j < in->nmembers; j++) {
            size_t c = in->members[j].component;
            if (!done[c]) {
                done[c] = true;
                order[n++] = c;
            }
        }
    }
    free(done);
}

int cli_system_start(cli_system *s)
{
    const mf_manifest *mf = s->mf;
    int trc = cli_templates_add(s);
    if (trc == 0)
        trc = cli_groups_add(s);
    if (trc != 0)
        return trc;
    size_t *order = calloc(mf->ncomponents ? mf->ncomponents : 1, sizeof *order);
    if (order == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_BAD;
    }
    start_order(mf, order);
    for (size_t k = 0; k < mf->ncomponents; k++) {
        size_t i = order[k];
        const mf_component *c = &mf->components[i];
        wactor_files_grant grants[MF_MAX_FILES];
        wactor_component_options o = cli_component_options(c, s->modules[i], grants);
        int rc = wactor_spawn(s->rt, &o);
        if (rc == WACTOR_OK)
            continue;
        if (rc == WACTOR_ESTART) {
            /* A crash at start-up: the runtime has logged it and supervises
             * the component (restarts by policy); the rest of the system
             * runs. The reason is kept for call's and send's messages. */
            s->start_errors[i] = strdup(wactor_errmsg(s->rt));
            continue;
        }
        cli_component_error(s, c, "%s: %s", c->wasm, wactor_errmsg(s->rt));
        free(order);
        return CLI_EXIT_BAD;
    }
    free(order);
    return 0;
}

const char *cli_system_start_error(const cli_system *s, const char *name)
{
    for (size_t i = 0; s->mf != NULL && s->start_errors != NULL && i < s->mf->ncomponents; i++)
        if (strcmp(s->mf->components[i].name, name) == 0)
            return s->start_errors[i];
    return NULL;
}

void cli_system_close(cli_system *s)
{
    /* Graceful: every running component's wactor_on_shutdown runs. */
    wactor_runtime_free(s->rt);
    s->rt = NULL;
    size_t n = s->mf != NULL ? s->mf->ncomponents : 0;
    for (size_t i = 0; s->modules != NULL && i < n; i++) {
        bool shared = false;
        for (size_t j = 0; j < i && !shared; j++)
            shared = s->modules[j] == s->modules[i];
        if (!shared)
            wactor_module_free(s->modules[i]);
    }
    free(s->modules);
    for (size_t i = 0; s->start_errors != NULL && i < n; i++)
        free(s->start_errors[i]);
    free(s->start_errors);
    mf_free(s->mf);
    memset(s, 0, sizeof *s);
}
