/*
 * run.c: `wactor run MANIFEST` starts every component of a manifest, says
 * so on standard error ("wactor: running N components"), and runs until
 * SIGINT or SIGTERM, then stops gracefully (each component's
 * wactor_on_shutdown runs).
 *
 * The two signals are blocked before the runtime exists, so its threads
 * inherit the mask and the main thread takes them with sigwait. Once the
 * graceful stop has begun they are unblocked in the main thread: a second
 * SIGINT or SIGTERM ends the process at once, as if no handler existed.
 *
 * N counts every component of the manifest, those whose start-up failed
 * (logged as errors before the line) included: they are part of the system
 * as crashed components.
 *
 * The control socket (runtime.control, docs/CONTROL.md) is claimed after
 * the runtime exists and before any component starts: a second run of the
 * same manifest is refused (exit 4, naming the first one's pid) before it
 * has started anything twice. The server answers once every component has
 * started (clients connecting earlier wait in the listen queue), and stops
 * before the runtime does. A client's `wactor stop MANIFEST` is a SIGTERM
 * to this process, taken by the same sigwait.
 *
 * With a `lattice` section, run joins the lattice (lattice.c) after the
 * control socket is claimed and before any component starts, connecting
 * in the background: "wactor: lattice NAME joined as HOST" comes once
 * connected, and a NATS server that is down or goes away never stops
 * local work (the library reconnects by itself). cli_system_close frees
 * the runtime, which stops the components and then leaves the lattice.
 *
 * With an `http` section, run serves HTTP (serve.c, src/http) once every
 * component has started, printing "wactor: http listening on ADDRESS:PORT"
 * before the running line; the server stops first at the end, while the
 * runtime still answers the requests in flight.
 *
 * SIGHUP is taken by the same sigwait too: a reload (reload.c) on the main
 * thread, then run goes on. `wactor reload` reloads on a helper thread of
 * the control server, and --watch on its own thread (watch.c); the three
 * go through one cli_reloader, which serialises them. The watch and the
 * server stop before the runtime, each waiting for a reload in progress.
 */
#include "cli.h"
#include "control.h"
#include "http.h"
#include "manifest.h"
#include "wactor.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char cli_run_usage[] =
    "usage: wactor run [--watch] [--compile] [--tier T] [--log-level LEVEL] MANIFEST\n"
    "\n"
    "Starts every component of MANIFEST (a wactor.yaml); once all have started,\n"
    "prints `wactor: running N components` to standard error, and runs until it\n"
    "receives SIGINT (Ctrl-C) or SIGTERM, or `wactor stop MANIFEST`. Then it stops\n"
    "gracefully: each component's wactor_on_shutdown runs. A second signal during\n"
    "the stop ends the process at once.\n"
    "\n"
    "While it runs, it listens on the control socket runtime.control (default\n"
    ".wactor/FILE.sock beside the manifest, mode 0600), where `wactor call`, `send`,\n"
    "`status`, `top` and `stop` reach it. A second run of the same manifest is\n"
    "refused (exit 4) naming the running one's pid.\n"
    "\n"
    "With a `lattice` section, run joins that lattice of hosts over NATS before\n"
    "starting the components, and prints `wactor: lattice NAME joined as HOST` once\n"
    "connected. Its components then reach, and are reached by, those of the other\n"
    "hosts by name. A NATS server that is down or goes away never stops local work:\n"
    "run reconnects by itself. `wactor hosts MANIFEST` lists the lattice's hosts.\n"
    "\n"
    "SIGHUP, or `wactor reload MANIFEST`, makes it read MANIFEST again and apply\n"
    "the difference: new components start, removed ones stop gracefully, changed\n"
    "ones (module bytes, config, env, limits, capabilities, restart) are upgraded\n"
    "in place, the others are not touched. One line per change on standard error\n"
    "(`wactor: reload: upgraded echo (module)`). An invalid manifest changes\n"
    "nothing; runtime.* and supervisor.* keys apply at the next start only.\n"
    "\n"
    "  --compile          first compile every component's module that has no\n"
    "                     up-to-date artifact into runtime.cache (docs/AOT.md), so\n"
    "                     that components of tier auto or aot run compiled\n"
    "  --tier T           interp, aot or auto: the tier of every component and\n"
    "                     template, whatever the manifest says (docs/AOT.md)\n"
    "  --watch            reload by itself when MANIFEST or a module file changes\n"
    "                     (watched with inotify; files replaced by rename count)\n"
    "  --log-level LEVEL  trace, debug, info, warn or error (default info); the log\n"
    "                     goes to standard error\n"
    "  --help             show this help\n"
    "\n"
    "Exit status: 0 after a graceful stop; 4 bad manifest, module or usage, the\n"
    "manifest already running, or a lattice that cannot be joined at all.\n";

/* A client asked the whole system to stop (server thread). */
static atomic_bool cli_run_stop_asked;

static void cli_run_stop_all(void *arg)
{
    (void)arg;
    /* Once: a second SIGTERM during the graceful stop would end the process. */
    if (!atomic_exchange(&cli_run_stop_asked, true))
        kill(getpid(), SIGTERM); /* blocked in every thread: sigwait takes it */
}

static int cli_run_reload(void *arg, char **report)
{
    return cli_reload(arg, "wactor reload", report);
}

static void cli_run_control_log(void *arg, int level, const char *text)
{
    cli_system_log(arg, level, NULL, "%s", text);
}

int cli_run(int argc, char **argv)
{
    cli_flags f = {.log_level = WACTOR_LOG_INFO};
    int first = 0;
    int rc = cli_parse_flags(argc, argv, cli_run_usage,
                             CLI_FLAG_WATCH | CLI_FLAG_COMPILE | CLI_FLAG_TIER, &f, &first);
    if (rc >= 0)
        return rc;
    if (argc - first != 1) {
        cli_error("run: expected one MANIFEST (try wactor run --help)");
        return CLI_EXIT_BAD;
    }

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    int e = pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (e != 0) {
        cli_error("run: cannot block SIGINT, SIGTERM and SIGHUP: %s", strerror(e));
        return CLI_EXIT_BAD;
    }

    cli_system s;
    ctl_listener *l = NULL;
    ctl_server *srv = NULL;
    cli_reloader *reloader = NULL;
    cli_watch *watch = NULL;
    http_server *web = NULL;
    char err[1024];
    rc = cli_system_open(&s, argv[first], f.log_level);
    if (rc == 0)
        cli_system_force_tier(&s, f.tier);
    /* Artifacts are looked for at each module's first spawn: made before. */
    if (rc == 0 && f.compile)
        rc = cli_compile_manifest(s.mf);
    if (rc == 0 && s.mf->control != NULL) {
        int other = 0;
        l = ctl_listen(s.mf->control, err, sizeof err, &other);
        if (l == NULL) {
            cli_error("run: %s: %s%s", s.mf->path, err,
                      other != 0 ? ""
                                 : " (runtime.control sets another path; null runs without a "
                                   "control socket)");
            rc = CLI_EXIT_BAD;
        }
    }
    /* The lattice before the components, which may talk to other hosts
     * from their start; in the background, so that no NATS server delays
     * or stops local work. */
    if (rc == 0 && cli_system_join(&s, true, true, 0) != 0)
        rc = CLI_EXIT_BAD;
    if (rc == 0)
        rc = cli_system_start(&s);
    if (rc == 0 && (reloader = cli_reloader_new(&s)) == NULL) {
        cli_error("run: out of memory");
        rc = CLI_EXIT_BAD;
    }
    if (rc == 0 && f.watch && (watch = cli_watch_start(reloader)) == NULL)
        rc = CLI_EXIT_BAD;
    if (rc == 0 && l != NULL) {
        ctl_server_options o = {.rt = s.rt,
                                .manifest = s.mf->path,
                                .max_message = (uint32_t)s.mf->max_message,
                                .timeout_ms = (uint32_t)s.mf->request_timeout_ms,
                                .stop_all = cli_run_stop_all,
                                .reload = cli_run_reload,
                                .reload_arg = reloader,
                                .hosts = cli_run_hosts,
                                .hosts_free = cli_run_hosts_free,
                                .hosts_arg = &s,
                                .log = cli_run_control_log,
                                .log_arg = &s};
        srv = ctl_server_start(l, &o, err, sizeof err); /* takes l */
        l = NULL;
        if (srv == NULL) {
            cli_error("run: %s: %s", s.mf->path, err);
            rc = CLI_EXIT_BAD;
        } else {
            cli_system_log(&s, WACTOR_LOG_INFO, NULL, "control socket %s", s.mf->control);
        }
    }
    if (rc == 0)
        rc = cli_serve_start(&s, &web);
    if (rc == 0) {
        fprintf(stderr, "wactor: running %zu components\n", s.mf->ncomponents);
        fflush(stderr);
        int sig = 0;
        while ((e = sigwait(&stop, &sig)) == 0 && sig == SIGHUP) {
            char *report = NULL;
            cli_reload(reloader, "SIGHUP", &report);
            free(report);
        }
        cli_system_log(&s, WACTOR_LOG_INFO, NULL, "%s: stopping gracefully",
                       e != 0                             ? "sigwait failed"
                       : atomic_load(&cli_run_stop_asked) ? "wactor stop"
                       : sig == SIGINT                    ? "SIGINT"
                                                          : "SIGTERM");
        pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
    }
    http_server_stop(web); /* first: the runtime still answers what is in flight */
    ctl_server_stop(srv);  /* before the runtime: no callback outlives it */
    cli_watch_stop(watch);
    cli_reloader_free(reloader);
    ctl_listener_free(l); /* claimed, but the start failed */
    cli_system_close(&s);
    return rc;
}
