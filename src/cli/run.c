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
 */
#include "cli.h"
#include "manifest.h"
#include "wactor.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

static const char cli_run_usage[] =
    "usage: wactor run [--log-level LEVEL] MANIFEST\n"
    "\n"
    "Starts every component of MANIFEST (a wactor.yaml); once all have started,\n"
    "prints `wactor: running N components` to standard error, and runs until it\n"
    "receives SIGINT (Ctrl-C) or SIGTERM. Then it stops gracefully: each\n"
    "component's wactor_on_shutdown runs. A second signal during the stop ends\n"
    "the process at once.\n"
    "\n"
    "  --log-level LEVEL  trace, debug, info, warn or error (default info); the log\n"
    "                     goes to standard error\n"
    "  --help             show this help\n"
    "\n"
    "Exit status: 0 after a graceful stop; 4 bad manifest, module or usage.\n";

int cli_run(int argc, char **argv)
{
    cli_flags f = {.log_level = WACTOR_LOG_INFO};
    int first = 0;
    int rc = cli_parse_flags(argc, argv, cli_run_usage, 0, &f, &first);
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
    int e = pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (e != 0) {
        cli_error("run: cannot block SIGINT and SIGTERM: %s", strerror(e));
        return CLI_EXIT_BAD;
    }

    cli_system s;
    rc = cli_system_open(&s, argv[first], f.log_level);
    if (rc == 0)
        rc = cli_system_start(&s);
    if (rc == 0) {
        fprintf(stderr, "wactor: running %zu components\n", s.mf->ncomponents);
        fflush(stderr);
        int sig = 0;
        e = sigwait(&stop, &sig);
        cli_system_log(&s, WACTOR_LOG_INFO, NULL, "%s: stopping gracefully",
                       e != 0          ? "sigwait failed"
                       : sig == SIGINT ? "SIGINT"
                                       : "SIGTERM");
        pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
    }
    cli_system_close(&s);
    return rc;
}
