/*
 * cli.h: what the parts of the `wactor` command-line tool share.
 *
 * main.c dispatches to one function per command (exec.c, inspect.c, run.c,
 * call.c for call and send, validate.c, status.c for status, top, stop and
 * reload, which reach a running system through src/control); reload.c
 * applies a manifest's difference to the system run runs (for reload,
 * SIGHUP and run --watch, whose watch is watch.c); util.c holds file reading, error
 * reporting and the printing of names and types; system.c is what run,
 * call and send share: their flags, and a manifest's components started in
 * a runtime.
 *
 * The tool is an ordinary client of the embedding API (include/wactor.h):
 * components, their modules and the component ABI's check
 * (wactor_module_check) come from there. exec and inspect work below the
 * actors, on the engine's own API (wasm.h, and wasi.h for exec): running a
 * plain WASI command, or listing a module's imports and exports, is no
 * actor's business.
 *
 * Exit status conventions (README.md, "Exit status"): 0 success; for exec,
 * the guest's own exit code; CLI_EXIT_TRAP when the guest traps;
 * CLI_EXIT_BAD for usage errors, bad manifests and modules that cannot be
 * read, decoded, validated or linked; call's and send's statuses 1..3 (the
 * same table). Every error is one line on standard error, starting with
 * "wactor: ".
 */
#ifndef WACTOR_CLI_H
#define WACTOR_CLI_H

#include "wasm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_EXIT_BAD 4     /* bad usage or manifest, or a module unreadable, invalid, unlinkable */
#define CLI_EXIT_ERROR 1   /* call: the component answered ERROR */
#define CLI_EXIT_TIMEOUT 2 /* call: no answer in time; send: not quiescent in time */
#define CLI_EXIT_FAILED                                                                            \
    3                     /* call: FAILED, or no such component; send: no such component;          \
                             attached commands: no running system */
#define CLI_EXIT_FULL 5   /* attached send: the mailbox is full (EFULL) */
#define CLI_EXIT_TRAP 134 /* the guest trapped: 128 + SIGABRT, as wasmtime does */
#define CLI_EXIT_RANGE 1  /* proc_exit with a code a process cannot return (> 255) */

/* Commands: argv[0] is the command's name, flags follow it. They return the
 * process's exit status. */
int cli_exec(int argc, char **argv);
int cli_compile(int argc, char **argv);
/* run --compile (compile.c): compiles the module of every component and
 * template of mf that has no artifact in runtime.cache that loads; 0, or
 * CLI_EXIT_BAD after saying what failed. */
struct mf_manifest;
int cli_compile_manifest(const struct mf_manifest *mf);
int cli_inspect(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_call(int argc, char **argv);
int cli_send(int argc, char **argv);
int cli_validate(int argc, char **argv);
int cli_stop(int argc, char **argv);       /* status.c */
int cli_reload_cmd(int argc, char **argv); /* status.c */
int cli_status(int argc, char **argv);     /* status.c */
int cli_top(int argc, char **argv);        /* status.c */
int cli_hosts(int argc, char **argv);      /* lattice.c */

/* Prints "wactor: " and the formatted message as one line to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads and loads the module at path, which must name a regular file of at
 * most max_module bytes (`--max-module`; 0 = 256 MiB; wa_file_read). On
 * failure reports it (naming the file, and for a bad module the section and
 * byte offset) and returns NULL. *size, if not NULL, receives the file's
 * size, and *bytes, if not NULL, its bytes (malloc'd, the caller frees
 * them) when the module loaded. */
wa_module *cli_load_module(const char *path, uint64_t max_module, uint8_t **bytes, size_t *size);
/* `--max-module SIZE` (or `--max-module=SIZE`) at argv[*i], for exec and
 * inspect (command cmd): CLI_COMMON_TAKEN with the size in *max (*i on the
 * flag's last word), CLI_COMMON_NONE if argv[*i] is another flag,
 * CLI_EXIT_BAD after reporting a bad size. */
int cli_max_module_flag(int argc, char **argv, int *i, const char *cmd, uint64_t *max);
/* Standard input up to its end, in a malloc'd buffer (NULL with errno set). */
uint8_t *cli_read_stdin(size_t *len);

/* Printing names (escaping bytes that are not printable ASCII) and types. */
void cli_print_name(FILE *out, wa_name name);
void cli_print_functype(FILE *out, const wa_functype *t);
void cli_print_externtype(FILE *out, const wa_externtype *t);
const char *cli_kind_name(wa_externkind kind);

/* ---- serve.c: run's HTTP server ----------------------------------------- */

struct http_server;
struct cli_system;
/* Starts the manifest's HTTP server if it has an http section (*out NULL
 * otherwise) and prints "wactor: http listening on ADDRESS:PORT": 0, or
 * CLI_EXIT_BAD with the error written. Stop it with http_server_stop. */
int cli_serve_start(struct cli_system *s, struct http_server **out);

/* ---- system.c: what run, call and send share --------------------------- */

struct mf_manifest;
struct mf_component;
struct wactor_runtime;
struct wactor_limits;
struct wactor_component_options;
struct wactor_module;
struct wactor_lattice;
struct wactor_host_info;
struct mf_lattice;

/* Flags of run, call, send, stop, status and top (validate takes only
 * --help): --timeout; --attach and --standalone; --json; --watch. */
enum {
    CLI_FLAG_TIMEOUT = 1,
    CLI_FLAG_ATTACH = 2,
    CLI_FLAG_JSON = 4,
    CLI_FLAG_WATCH = 8,
    CLI_FLAG_COMPILE = 16,
    CLI_FLAG_TIER = 32
};

/* Where call and send go: the running system if one answers (auto), only
 * there (--attach), or a private copy of the system (--standalone). */
enum { CLI_MODE_AUTO = 0, CLI_MODE_ATTACH = 1, CLI_MODE_STANDALONE = 2 };

typedef struct cli_flags {
    int log_level;       /* WACTOR_LOG_*; the command's default unless given */
    bool has_timeout;    /* --timeout given */
    uint32_t timeout_ms; /* 1..2^31-1 */
    int mode;            /* CLI_MODE_* */
    bool json;           /* --json */
    bool watch;          /* --watch (run) */
    bool compile;        /* --compile (run) */
    int tier;            /* --tier (run, call, send): MF_TIER_* + 1; 0 = the manifest's */
} cli_flags;

/* The flags every command takes, at argv[*i] (the command is cmd), for the
 * commands with their own flag loops (exec, inspect): --version prints the
 * version (returns 0, the exit status), and --log-level LEVEL, which they
 * check and ignore (returns CLI_COMMON_TAKEN, *i on its last word).
 * CLI_COMMON_NONE when argv[*i] is neither, CLI_EXIT_BAD after reporting a
 * bad level. */
enum { CLI_COMMON_NONE = -1, CLI_COMMON_TAKEN = -2 };
int cli_common_flag(int argc, char **argv, int *i, const char *cmd);

/* Parses the flags of command argv[0] (those in `allowed`, and --help,
 * --version and --log-level, stored in f), which come right after its
 * name. Returns -1 and the position of the first operand
 * in *first, or an exit status: 0 after printing usage for --help,
 * CLI_EXIT_BAD after reporting a bad flag. */
int cli_parse_flags(int argc, char **argv, const char *usage, unsigned allowed, cli_flags *f,
                    int *first);

/* A manifest's components in a runtime. */
typedef struct cli_system {
    struct mf_manifest *mf;
    struct wactor_runtime *rt;
    int log_level;
    struct wactor_module **modules; /* per component; shared when the wasm path is */
    char **start_errors;            /* per component: why it failed to start, or NULL */
    struct wactor_lattice *lattice; /* joined (cli_system_join), or NULL; the runtime leaves it */
    int tier; /* --tier: MF_TIER_* + 1 for every component and template; 0 = the manifest's */
} cli_system;

/* Loads and checks the manifest, creates the runtime and loads every
 * distinct module once. Returns 0, or reports the problem and returns
 * CLI_EXIT_BAD (cli_system_close is still needed). */
int cli_system_open(cli_system *s, const char *manifest, int log_level);
/* --tier T (f->tier): sets every component's and template's tier in s's
 * manifest, and in each one a reload reads (cli_system_force_tier_of). */
void cli_system_force_tier(cli_system *s, int tier);
void cli_system_force_tier_of(const cli_system *s, struct mf_manifest *mf);

/* A module load's failure as wactor_errmsg(rt) says it, with the manifest
 * key that raises the limit for a file over it; malloc'd (NULL when out of
 * memory). */
char *cli_load_error(const struct wactor_runtime *rt);

/* Loads the manifest at path checking everything (mf_load_all); on failure
 * reports every problem, one line each on stderr, and returns NULL. Main
 * thread only. */
struct mf_manifest *cli_manifest_check(const char *path);

/* The first of the manifest's components 0..i that names the same module
 * file as component i (i itself if none before it): each file is loaded
 * once and shared. */
size_t cli_first_with_module(const struct mf_manifest *mf, size_t i);

/* A manifest component's limits as the embedding API takes them. */
struct wactor_limits cli_limits(const struct mf_component *c);

/* A manifest component's options for wactor_spawn and wactor_upgrade, with
 * module m; they point into c, and into grants (room for MF_MAX_FILES,
 * filled from c's files capability). */
struct wactor_files_grant;
struct wactor_component_options cli_component_options(const struct mf_component *c,
                                                      struct wactor_module *m,
                                                      struct wactor_files_grant *grants);

/* The manifest's component named name, or NULL. */
const struct mf_component *cli_system_find(const cli_system *s, const char *name);

/* Spawns every component in manifest order. A component whose start-up
 * fails (wactor_init non-zero or a trap) is a crash, which the runtime
 * logs and supervises; anything else (a module the runtime refuses) is
 * reported, and CLI_EXIT_BAD returned. */
int cli_system_start(cli_system *s);

/* The start-up failure of the component named name (for error messages),
 * or NULL if it started. */
const char *cli_system_start_error(const cli_system *s, const char *name);

/* A log line as the runtime's: "wactor: LEVEL COMPONENT: text" on stderr,
 * if level is at least the system's log level. component may be NULL. */
void cli_system_log(const cli_system *s, int level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The runtime's log function (wactor_runtime_options.log) that run, call and
 * send use: one line "wactor: LEVEL [COMPONENT:] text" on stderr. */
void cli_log(void *arg, int level, const char *component, const char *text, size_t len);

/* Stops the runtime gracefully and frees everything; s may be partly open. */
void cli_system_close(cli_system *s);

/* ---- lattice.c: the lattice --------------------------------------------- */

/* Without --timeout: how long call and send (to a component of another
 * host) and hosts wait for a NATS server, and then for the target (or
 * every host) to be known. */
#define CLI_LATTICE_WAIT_MS 5000u

/* Joins rt to the lattice lat (wactor_lattice_join): in the background
 * (returns at once, connects and reconnects by itself), or waiting at most
 * timeout_ms for a NATS server. announce: print "wactor: lattice NAME
 * joined as HOST" once connected (run). NULL after reporting why, one
 * line ("cannot join lattice L at URL: why"). */
struct wactor_lattice *cli_lattice_join(struct wactor_runtime *rt, const struct mf_lattice *lat,
                                        bool background, bool announce, uint32_t timeout_ms);
/* cli_lattice_join for s's manifest, if it has a lattice section (else
 * nothing): 0, or CLI_EXIT_FAILED after reporting. Before
 * cli_system_start; wactor_runtime_free (cli_system_close) leaves the
 * lattice after stopping the components. */
int cli_system_join(cli_system *s, bool background, bool announce, uint32_t timeout_ms);
/* Waits until target is reachable in s's lattice: 0, or CLI_EXIT_FAILED
 * after reporting "no component TARGET in lattice L". */
int cli_system_wait_remote(cli_system *s, const char *cmd, const char *target, uint32_t timeout_ms);
/* The control server's hosts and hosts_free for run (arg: the cli_system). */
int cli_run_hosts(void *arg, const char **lattice, const char **host, struct wactor_host_info **v,
                  size_t *n);
void cli_run_hosts_free(void *arg, struct wactor_host_info *v, size_t n);
/* The host list as a table (rates: per host, messages sent then received
 * per second, for top; NULL: no rate columns). skip_self: leave this host
 * out (a transient client). As JSON: observe_hosts_json (src/observe). */
void cli_print_hosts(FILE *out, const struct wactor_host_info *v, size_t n, bool skip_self,
                     const double *rates);

/* ---- reload.c: applying a manifest's difference to a running system ---- */

typedef struct cli_reloader cli_reloader;

/* Records the running set of s (started by cli_system_start): each
 * component's settings and a hash of its module file. NULL when out of
 * memory. s must outlive it. */
cli_reloader *cli_reloader_new(cli_system *s);
void cli_reloader_free(cli_reloader *r); /* NULL allowed */

/* Reads the system's manifest again and applies the difference (reload.c
 * describes how); trigger names the cause for the log ("SIGHUP"). Any
 * thread but a runtime callback; reloads are serialised. Returns a
 * CTL_RELOAD_* outcome (0 applied, 1 a change failed, 4 the manifest is
 * invalid and nothing changed) and *report, malloc'd lines (NULL when out
 * of memory); each line went to standard error too. */
int cli_reload(cli_reloader *r, const char *trigger, char **report);

/* The files a watch looks at: the manifest, then each running component's
 * module (malloc'd strings, NULL-terminated, malloc'd array; NULL when out
 * of memory). */
char **cli_reloader_files(cli_reloader *r);

/* ---- watch.c: `run --watch` -------------------------------------------- */

typedef struct cli_watch cli_watch;

/* Starts a thread that reloads r whenever the manifest or a module file
 * changes (inotify on their folders, debounced). NULL with the reason
 * reported. */
cli_watch *cli_watch_start(cli_reloader *r);
void cli_watch_stop(cli_watch *w); /* joins the thread; NULL allowed */

/* ---- status.c: reaching a running system ------------------------------ */

struct ctl_client;

/* Loads the manifest (reporting a problem: CLI_EXIT_BAD) and connects to
 * the system running it. Returns 0 with *c and *mf set (free both);
 * CLI_EXIT_FAILED after reporting that no system runs it when `required`,
 * else -1 silently (nothing answers: *mf is still set, *c NULL);
 * CLI_EXIT_FAILED after reporting a socket that answers wrongly. */
int cli_attach(const char *cmd, const char *manifest, bool required, struct ctl_client **c,
               struct mf_manifest **mf);

/* Writes bytes as part of a one-line message: control bytes (tab aside),
 * DEL and backslashes become \xNN; other bytes (UTF-8 text) stay. */
void cli_write_escaped(FILE *out, const void *bytes, size_t len);

/* A duration as the manifest writes it: "1m", "30s" or "250ms". */
void cli_format_duration(char *buf, size_t len, uint64_t ms);

#endif
