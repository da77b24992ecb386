/*
 * status.c: the commands that reach a running system through its control
 * socket (docs/CONTROL.md): `wactor status`, `wactor top` and `wactor
 * stop`, `wactor reload` (the client side: reload.c does the work in run),
 * and cli_attach, which `call` and `send` use too.
 *
 * Decisions where the command-line contract is silent (README.md):
 * - The running system is the one answering on the manifest's
 *   runtime.control; the manifest is read for that path (and call's
 *   defaults) only: its components are not looked at.
 * - `stop MANIFEST` returns once the running process has exited (it waits
 *   for the socket's lock to be released, at most 10 minutes); `stop
 *   MANIFEST COMPONENT` once the component has stopped.
 * - `status` prints sizes in KiB/MiB/GiB with one decimal; `--json` prints
 *   exact numbers (bytes, counts).
 * - `top` draws on the alternate screen when standard output is a
 *   terminal, and puts standard input in raw mode (no echo, no line
 *   buffering) so `q` acts at once; both are restored on exit, on SIGINT,
 *   SIGTERM, SIGHUP and SIGQUIT, and when the system goes away.
 */
#include "cli.h"
#include "control.h"
#include "manifest.h"
#include "observe.h"
#include "wactor.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char cli_status_usage[] =
    "usage: wactor status [--json] MANIFEST\n"
    "\n"
    "Lists the components of the system that `wactor run MANIFEST` is running, one\n"
    "line each: name, state (starting, running, restarting, backing-off, stopped or\n"
    "failed), restarts, mailbox depth and bound, messages handled, crashes, linear\n"
    "memory and storage bytes. When the system is in a lattice, then the lattice's\n"
    "name, this host's name, and one line per other host: name, when it was last\n"
    "heard from, messages sent to it and received from it, messages it took with it\n"
    "when it was lost, and its components.\n"
    "\n"
    "  --json  one JSON document instead (docs/CONTROL.md, \"status --json\")\n"
    "  --help  show this help\n"
    "\n"
    "Exit status: 0; 3 no system is running MANIFEST; 4 bad manifest or usage.\n";

static const char cli_top_usage[] =
    "usage: wactor top MANIFEST\n"
    "\n"
    "The components of the running system of MANIFEST, as `wactor status` lists\n"
    "them, refreshed every second, with the messages each handled per second; in\n"
    "a lattice, the other hosts too, with the messages sent to and received from\n"
    "each per second.\n"
    "Press q to quit.\n"
    "\n"
    "  --help  show this help\n"
    "\n"
    "Exit status: 0 after q (or SIGINT/SIGTERM); 3 no system is running MANIFEST,\n"
    "or it stopped; 4 bad manifest or usage.\n";

static const char cli_stop_usage[] =
    "usage: wactor stop MANIFEST [COMPONENT]\n"
    "\n"
    "Stops the component COMPONENT of the system that `wactor run MANIFEST` is\n"
    "running, gracefully (it handles the mail already in its mailbox, then its\n"
    "wactor_on_shutdown runs), and returns once it has stopped. Without COMPONENT,\n"
    "stops the whole system as SIGTERM would, and returns once `wactor run` has\n"
    "exited.\n"
    "\n"
    "  --help  show this help\n"
    "\n"
    "Exit status: 0 stopped; 3 no system is running MANIFEST, or no such component;\n"
    "4 bad manifest or usage.\n";

int cli_attach(const char *cmd, const char *manifest, bool required, ctl_client **c,
               mf_manifest **mf)
{
    char err[1024];
    *c = NULL;
    *mf = mf_load(manifest, err, sizeof err);
    if (*mf == NULL) {
        cli_error("%s", err);
        return CLI_EXIT_BAD;
    }
    if ((*mf)->control == NULL) {
        if (!required)
            return -1;
        cli_error("%s: %s has no control socket (runtime.control is null): no running system "
                  "can be reached",
                  cmd, (*mf)->path);
        return CLI_EXIT_FAILED;
    }
    int rc = ctl_connect((*mf)->control, c, err, sizeof err);
    if (rc == CTL_CONNECTED)
        return 0;
    if (rc == CTL_BROKEN) {
        cli_error("%s: %s", cmd, err);
        return CLI_EXIT_FAILED;
    }
    if (!required)
        return -1;
    cli_error("%s: no system is running %s (nothing answers on %s)", cmd, (*mf)->path,
              (*mf)->control);
    return CLI_EXIT_FAILED;
}

/* The manifest operand(s) of cmd: min..max operands. Returns -1 to go on. */
static int cli_operands(int argc, char **argv, const char *usage, unsigned allowed, cli_flags *f,
                        int min, int max, const char *what, int *first)
{
    int rc = cli_parse_flags(argc, argv, usage, allowed, f, first);
    if (rc >= 0)
        return rc;
    int n = argc - *first;
    if (n < min || n > max) {
        cli_error("%s: expected %s (try wactor %s --help)", argv[0], what, argv[0]);
        return CLI_EXIT_BAD;
    }
    return -1;
}

/* ---- status ------------------------------------------------------------- */

static void cli_size(char *buf, size_t len, uint64_t b)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (b < 1024) {
        snprintf(buf, len, "%" PRIu64 "B", b);
        return;
    }
    double v = (double)b / 1024;
    int u = 0;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    snprintf(buf, len, "%.1f%s", v, units[u]);
}

/* A wactor_stats.tier as status shows it: "-" without an instance. */
static const char *cli_tier_name(int tier)
{
    return tier == WACTOR_TIER_AOT ? "aot" : tier == WACTOR_TIER_INTERP ? "interp" : "-";
}

/* The table, with a RATE column when rates is not NULL (per second). */
static void cli_print_table(FILE *out, const wactor_stats *st, size_t n, const double *rates)
{
    enum {
        NAME,
        STATE,
        RESTARTS,
        MAILBOX,
        HANDLED,
        RATE,
        CRASHES,
        MEMORY,
        STORAGE,
        TIER,
        HEALTH,
        NCOLS
    };
    static const char *const head[NCOLS] = {"COMPONENT", "STATE", "RESTARTS", "MAILBOX",
                                            "HANDLED",   "MSG/S", "CRASHES",  "MEMORY",
                                            "STORAGE",   "TIER",  "HEALTH"};
    static const char *const health[] = {"-", "healthy", "degraded", "unhealthy"};
    char(*cell)[NCOLS][64] = calloc(n ? n : 1, sizeof *cell);
    if (cell == NULL)
        return;
    int w[NCOLS];
    for (int k = 0; k < NCOLS; k++)
        w[k] = (int)strlen(head[k]);
    for (size_t i = 0; i < n; i++) {
        snprintf(cell[i][NAME], 64, "%.63s", st[i].name);
        snprintf(cell[i][STATE], 64, "%s", wactor_state_name(st[i].state));
        snprintf(cell[i][RESTARTS], 64, "%" PRIu64, st[i].restarts);
        snprintf(cell[i][MAILBOX], 64, "%" PRIu32 "/%" PRIu32, st[i].queued, st[i].mailbox);
        snprintf(cell[i][HANDLED], 64, "%" PRIu64, st[i].received);
        snprintf(cell[i][RATE], 64, "%.0f", rates ? rates[i] : 0.0);
        snprintf(cell[i][CRASHES], 64, "%" PRIu64, st[i].crashes);
        cli_size(cell[i][MEMORY], 64, st[i].memory);
        cli_size(cell[i][STORAGE], 64, st[i].storage);
        snprintf(cell[i][TIER], 64, "%s", cli_tier_name(st[i].tier));
        snprintf(cell[i][HEALTH], 64, "%s",
                 health[st[i].health >= 0 && st[i].health <= 2 ? st[i].health + 1 : 0]);
        for (int k = 0; k < NCOLS; k++) {
            int l = (int)strlen(cell[i][k]);
            w[k] = l > w[k] ? l : w[k];
        }
    }
    for (size_t i = 0; i <= n; i++) {
        const char *line[NCOLS];
        for (int k = 0; k < NCOLS; k++)
            line[k] = i == 0 ? head[k] : cell[i - 1][k];
        for (int k = 0; k < NCOLS; k++) {
            if (k == RATE && rates == NULL)
                continue;
            bool right = k != NAME && k != STATE && k != TIER && k != HEALTH; /* numbers right */
            bool last = k == NCOLS - 1;
            if (right)
                fprintf(out, "%*s", w[k], line[k]);
            else
                fprintf(out, "%-*s", last ? 0 : w[k], line[k]);
            fputs(last ? "\n" : "  ", out);
        }
    }
    free(cell);
}

/* The running system's lattice as status and top show it (HOSTS). */
typedef struct cli_lattice_view {
    bool asked;    /* HOSTS was answered (an older run refuses it) */
    char *lattice; /* empty: in no lattice */
    char *host;
    wactor_host_info *v;
    size_t n;
} cli_lattice_view;

static void cli_lattice_view_free(cli_lattice_view *lv)
{
    free(lv->lattice);
    free(lv->host);
    ctl_hosts_free(lv->v, lv->n);
    memset(lv, 0, sizeof *lv);
}

/* Asks c for its lattice. 0 (lv->asked false if the server does not know
 * HOSTS: it has then closed the connection), or -1 with the client's error. */
static int cli_lattice_view_get(ctl_client *c, cli_lattice_view *lv)
{
    memset(lv, 0, sizeof *lv);
    int result = 0;
    if (ctl_client_hosts(c, &result, &lv->lattice, &lv->host, &lv->v, &lv->n) != 0)
        return -1;
    lv->asked = result == WACTOR_OK;
    return 0;
}

static bool cli_in_lattice(const cli_lattice_view *lv)
{
    return lv->asked && lv->lattice != NULL && lv->lattice[0] != '\0';
}

/* The lattice section after the components: its name, this host, one line
 * per other host (with rates: top). */
static void cli_print_lattice(FILE *out, const cli_lattice_view *lv, const double *rates)
{
    if (!cli_in_lattice(lv))
        return;
    size_t others = 0;
    for (size_t i = 0; i < lv->n; i++)
        others += !lv->v[i].self;
    fprintf(out, "\nlattice %s, this host %s, %zu other host%s\n", lv->lattice,
            lv->host[0] ? lv->host : "?", others, others == 1 ? "" : "s");
    if (others > 0)
        cli_print_hosts(out, lv->v, lv->n, true, rates);
}

/* The document of docs/CONTROL.md, printed by src/observe as GET /status.json prints it. */
static void cli_print_json(FILE *out, const ctl_client *c, const mf_manifest *mf,
                           const wactor_stats *st, size_t n, const wactor_edge *ev, size_t ne,
                           const cli_lattice_view *lv)
{
    bool in = cli_in_lattice(lv);
    observe_status_json(out, &(observe_status){.pid = ctl_client_pid(c),
                                               .time_ms = observe_now_ms(),
                                               .manifest = mf->path,
                                               .st = st,
                                               .n = n,
                                               .edges = ev,
                                               .nedges = ne,
                                               .lattice = in ? lv->lattice : NULL,
                                               .host = in ? lv->host : NULL,
                                               .hosts = in ? lv->v : NULL,
                                               .nhosts = in ? lv->n : 0});
}

int cli_status(int argc, char **argv)
{
    cli_flags f = {0};
    int first = 0;
    int rc =
        cli_operands(argc, argv, cli_status_usage, CLI_FLAG_JSON, &f, 1, 1, "one MANIFEST", &first);
    if (rc >= 0)
        return rc;
    ctl_client *c = NULL;
    mf_manifest *mf = NULL;
    rc = cli_attach("status", argv[first], true, &c, &mf);
    if (rc == 0) {
        wactor_stats *st = NULL;
        size_t n = 0;
        cli_lattice_view lv = {0};
        wactor_edge *ev = NULL;
        size_t ne = 0;
        if (ctl_client_status(c, &st, &n) != 0 || (f.json && ctl_client_edges(c, &ev, &ne) != 0) ||
            cli_lattice_view_get(c, &lv) != 0) {
            cli_error("status: %s", ctl_client_error(c));
            rc = CLI_EXIT_FAILED;
        } else if (f.json) {
            cli_print_json(stdout, c, mf, st, n, ev, ne, &lv);
        } else {
            cli_print_table(stdout, st, n, NULL);
            cli_print_lattice(stdout, &lv, NULL);
        }
        cli_lattice_view_free(&lv);
        free(st);
        free(ev);
        if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
            cli_error("status: cannot write to standard output: %s", strerror(errno));
            rc = CLI_EXIT_BAD;
        }
    }
    ctl_client_free(c);
    mf_free(mf);
    return rc;
}

/* ---- stop --------------------------------------------------------------- */

int cli_stop(int argc, char **argv)
{
    cli_flags f = {0};
    int first = 0;
    int rc = cli_operands(argc, argv, cli_stop_usage, 0, &f, 1, 2, "MANIFEST [COMPONENT]", &first);
    if (rc >= 0)
        return rc;
    const char *target = argc - first == 2 ? argv[first + 1] : NULL;
    ctl_client *c = NULL;
    mf_manifest *mf = NULL;
    rc = cli_attach("stop", argv[first], true, &c, &mf);
    if (rc == 0) {
        int result = 0;
        int pid = ctl_client_pid(c);
        if (ctl_client_stop(c, target, &result) != 0) {
            cli_error("stop: %s", ctl_client_error(c));
            rc = CLI_EXIT_FAILED;
        } else if (result == WACTOR_ENOTFOUND) {
            cli_error("stop %s: no component of that name runs in the system of pid %d", target,
                      pid);
            rc = CLI_EXIT_FAILED;
        } else if (result < 0) {
            cli_error("stop%s%s: %s", target ? " " : "", target ? target : "",
                      ctl_client_message(c)[0] ? ctl_client_message(c)
                                               : wactor_result_message(result));
            rc = CLI_EXIT_FAILED;
        } else if (target == NULL) {
            ctl_client_free(c);
            c = NULL;
            if (!ctl_wait_released(mf->control, 10 * 60 * 1000)) {
                cli_error("stop: the system of pid %d is still stopping after 10 minutes", pid);
                rc = CLI_EXIT_FAILED;
            }
        }
    }
    ctl_client_free(c);
    mf_free(mf);
    return rc;
}

/* ---- reload ------------------------------------------------------------- */

static const char cli_reload_usage[] =
    "usage: wactor reload MANIFEST\n"
    "\n"
    "Makes the system that `wactor run MANIFEST` is running read MANIFEST again\n"
    "and apply the difference (the same as SIGHUP to run): new components start,\n"
    "removed ones stop gracefully, changed ones (module bytes, config, env,\n"
    "limits, capabilities, restart) are upgraded in place, keeping their mailbox,\n"
    "storage and pending requests; the others are not touched. Prints one line\n"
    "per change, and a count, to standard output. An invalid manifest (or a module\n"
    "that cannot be loaded or checked) changes nothing: every problem is listed on\n"
    "standard error. A failed upgrade is rolled back (the old version goes on) and\n"
    "the other changes are still made. runtime.* and supervisor.* keys apply at the\n"
    "next start of run only.\n"
    "\n"
    "  --help  show this help\n"
    "\n"
    "Exit status: 0 applied; 1 a change failed (rolled back); 3 no system is running\n"
    "MANIFEST; 4 invalid manifest or module (nothing changed), or bad usage.\n";

/* Writes report's lines to out, each after prefix. */
static void cli_print_lines(FILE *out, const char *prefix, const char *report)
{
    for (const char *p = report; p != NULL && *p != '\0';) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        fprintf(out, "%s%.*s\n", prefix, (int)n, p);
        p = end ? end + 1 : NULL;
    }
}

int cli_reload_cmd(int argc, char **argv)
{
    cli_flags f = {0};
    int first = 0;
    int rc = cli_operands(argc, argv, cli_reload_usage, 0, &f, 1, 1, "MANIFEST", &first);
    if (rc >= 0)
        return rc;
    /* A manifest that does not load: every problem, and nothing asked of
     * the running system (it would find the same). */
    mf_manifest *mf = cli_manifest_check(argv[first]);
    if (mf == NULL) {
        cli_error("reload: %s is not valid: nothing changed", argv[first]);
        return CLI_EXIT_BAD;
    }
    mf_free(mf);
    mf = NULL;
    ctl_client *c = NULL;
    rc = cli_attach("reload", argv[first], true, &c, &mf);
    if (rc == 0) {
        int outcome = 0;
        char *report = NULL;
        if (ctl_client_reload(c, &outcome, &report) != 0) {
            cli_error("reload: %s", ctl_client_error(c));
            rc = CLI_EXIT_FAILED;
        } else if (outcome == CTL_RELOAD_INVALID) {
            cli_print_lines(stderr, "wactor: ", report);
            rc = CLI_EXIT_BAD;
        } else {
            cli_print_lines(stdout, "", report);
            if (outcome != CTL_RELOAD_APPLIED)
                cli_error("reload: a change failed and was rolled back (see above)");
            rc = outcome == CTL_RELOAD_APPLIED ? 0 : CLI_EXIT_ERROR;
        }
        free(report);
    }
    ctl_client_free(c);
    mf_free(mf);
    return rc;
}

/* ---- top ---------------------------------------------------------------- */

static volatile sig_atomic_t cli_top_signal;

static void cli_top_on_signal(int sig)
{
    cli_top_signal = sig;
}

typedef struct cli_top_tty {
    bool raw, screen;
    struct termios saved;
    struct sigaction old[4];
} cli_top_tty;

static const int cli_top_signals[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void cli_top_enter(cli_top_tty *t)
{
    /* Handlers first: a signal from here on restores the terminal. No
     * SA_RESTART, so poll returns at once. */
    struct sigaction sa = {.sa_handler = cli_top_on_signal};
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 4; i++)
        sigaction(cli_top_signals[i], &sa, &t->old[i]);
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
        struct termios raw = t->saved;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        t->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    if (isatty(STDOUT_FILENO)) {
        fputs("\033[?1049h\033[?25l", stdout); /* alternate screen, cursor hidden */
        t->screen = true;
    }
}

static void cli_top_leave(cli_top_tty *t)
{
    if (t->screen)
        fputs("\033[?25h\033[?1049l", stdout);
    fflush(stdout);
    if (t->raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
    for (int i = 0; i < 4; i++)
        sigaction(cli_top_signals[i], &t->old[i], NULL);
}

/* Waits until deadline (monotonic ms) for a key; true when q was pressed. */
static bool cli_top_wait(uint64_t deadline, bool *stdin_open)
{
    for (;;) {
        uint64_t now = ctl_now_ms();
        if (now >= deadline || cli_top_signal)
            return false;
        struct pollfd pf = {.fd = STDIN_FILENO, .events = POLLIN};
        int r = poll(&pf, *stdin_open ? 1 : 0, (int)(deadline - now));
        if (r <= 0)
            continue; /* timeout, or a signal (checked above) */
        char keys[64];
        ssize_t n = read(STDIN_FILENO, keys, sizeof keys);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
            *stdin_open = false; /* end of input: refresh on, quit by signal */
        for (ssize_t i = 0; i < n; i++)
            if (keys[i] == 'q' || keys[i] == 'Q')
                return true;
    }
}

int cli_top(int argc, char **argv)
{
    cli_flags f = {0};
    int first = 0;
    int rc = cli_operands(argc, argv, cli_top_usage, 0, &f, 1, 1, "one MANIFEST", &first);
    if (rc >= 0)
        return rc;
    ctl_client *c = NULL;
    mf_manifest *mf = NULL;
    rc = cli_attach("top", argv[first], true, &c, &mf);
    if (rc != 0) {
        mf_free(mf);
        return rc;
    }
    cli_top_tty t = {0};
    cli_top_enter(&t);
    wactor_stats *prev = NULL;
    size_t nprev = 0;
    uint64_t prev_ms = 0;
    bool stdin_open = true;
    char *failure = NULL;
    bool hosts_known = true; /* the server answers HOSTS (an older one does not) */
    cli_lattice_view lprev = {0};
    uint64_t lprev_ms = 0;
    for (;;) {
        wactor_stats *st = NULL;
        size_t n = 0;
        cli_lattice_view lv = {0};
        if (ctl_client_status(c, &st, &n) != 0 ||
            (hosts_known && cli_lattice_view_get(c, &lv) != 0)) {
            failure = strdup(ctl_client_error(c));
            free(st);
            rc = CLI_EXIT_FAILED;
            break;
        }
        if (hosts_known && !lv.asked) {
            /* An older run: it closed the connection after refusing HOSTS. */
            hosts_known = false;
            ctl_client_free(c);
            c = NULL;
            char err[1024];
            if (ctl_connect(mf->control, &c, err, sizeof err) != CTL_CONNECTED) {
                failure = strdup("the running system went away");
                free(st);
                rc = CLI_EXIT_FAILED;
                break;
            }
        }
        uint64_t now = ctl_now_ms();
        double *rates = calloc(n ? n : 1, sizeof *rates);
        for (size_t i = 0; rates != NULL && i < n; i++)
            for (size_t j = 0; j < nprev; j++)
                if (strcmp(prev[j].name, st[i].name) == 0 && st[i].received >= prev[j].received &&
                    now > prev_ms) {
                    rates[i] = (double)(st[i].received - prev[j].received) * 1000.0 /
                               (double)(now - prev_ms);
                    break;
                }
        time_t wall = time(NULL);
        struct tm tm;
        localtime_r(&wall, &tm);
        if (t.screen)
            fputs("\033[H\033[2J", stdout);
        printf("wactor top: %s (pid %d), %zu components, %02d:%02d:%02d; q quits\n\n", mf->path,
               ctl_client_pid(c), n, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cli_print_table(stdout, st, n, rates);
        /* Per host: messages sent to it and received from it per second. */
        double *hrates = calloc(lv.n ? 2 * lv.n : 1, sizeof *hrates);
        for (size_t i = 0; hrates != NULL && i < lv.n; i++)
            for (size_t j = 0; j < lprev.n; j++)
                if (strcmp(lprev.v[j].name, lv.v[i].name) == 0 && now > lprev_ms) {
                    double dt = (double)(now - lprev_ms) / 1000.0;
                    if (lv.v[i].sent >= lprev.v[j].sent)
                        hrates[2 * i] = (double)(lv.v[i].sent - lprev.v[j].sent) / dt;
                    if (lv.v[i].received >= lprev.v[j].received)
                        hrates[2 * i + 1] = (double)(lv.v[i].received - lprev.v[j].received) / dt;
                    break;
                }
        cli_print_lattice(stdout, &lv, hrates);
        free(hrates);
        cli_lattice_view_free(&lprev);
        lprev = lv;
        lprev_ms = now;
        fflush(stdout);
        free(rates);
        free(prev);
        prev = st;
        nprev = n;
        prev_ms = now;
        if (cli_top_wait(now + 1000, &stdin_open) || cli_top_signal)
            break;
    }
    free(prev);
    cli_lattice_view_free(&lprev);
    cli_top_leave(&t);
    if (failure != NULL)
        cli_error("top: %s", failure);
    free(failure);
    ctl_client_free(c);
    mf_free(mf);
    return rc;
}
