/*
 * lattice.c: the command line's side of the lattice (docs/LATTICE.md):
 * joining a manifest's `lattice` section (for run, and for call and send
 * to a component that only another host runs), the host list's printing
 * (hosts, status, top), the running system's answer to the control
 * socket's HOSTS, and `wactor hosts`.
 *
 * Decisions where the command-line contract is silent (README.md, "Many
 * hosts"):
 * - `run` joins in the background before any component starts: a NATS
 *   server that is down never delays or stops local work; the line
 *   "wactor: lattice NAME joined as HOST" comes once connected, written
 *   with one write() under stderr's lock, so it never splits a log line.
 * - `call`/`send` standalone join (waiting for a server, at most the
 *   --timeout, default 5s) only when the target is not one of the
 *   manifest's components; otherwise they join in the background, like
 *   run. A join that fails is exit 3 with the library's one line ("cannot
 *   join lattice L at URL: why"); a target that no host announces within
 *   the --timeout again (default 5s) is exit 3, "no component NAME in
 *   lattice L". The request itself then has the usual timeout (--timeout,
 *   default runtime.request_timeout).
 * - `hosts` asks the running system of the manifest first (HOSTS on its
 *   control socket); without one, it joins as a pure client, waits until
 *   every host has been heard (at most --timeout, default 5s), lists them
 *   and leaves. Its own transient host is not listed then: it is not part
 *   of the system being looked at. A manifest without `lattice` is a usage
 *   error (exit 4, CLI.md's code for a bad manifest or usage).
 */
#include "cli.h"
#include "control.h"
#include "manifest.h"
#include "observe.h"
#include "wactor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char cli_hosts_usage[] =
    "usage: wactor hosts [--json] [--timeout DURATION] MANIFEST\n"
    "\n"
    "Lists the live hosts of MANIFEST's lattice (its `lattice` section), one line\n"
    "each: name (\"(this host)\" marks the running system's own), when it was\n"
    "last heard from, the messages sent to and received from it, and its\n"
    "components.\n"
    "\n"
    "When a `wactor run` of MANIFEST answers on its control socket, the list is\n"
    "that host's view. Otherwise hosts joins the lattice as a client, waits until\n"
    "every host has been heard from, lists them and leaves.\n"
    "\n"
    "  --json              one JSON array of hosts instead: name, self, last_seen_ms,\n"
    "                      sent, received, bytes_sent, bytes_received, lost,\n"
    "                      components\n"
    "  --timeout DURATION  how long to wait for the NATS server, and then for the\n"
    "                      hosts, like 500ms, 2s or 1m (default 5s each)\n"
    "  --help              show this help\n"
    "\n"
    "Exit status: 0; 3 the lattice cannot be joined (no NATS server answers);\n"
    "4 bad manifest or usage, or MANIFEST has no lattice section.\n";

/* ---- joining ------------------------------------------------------------ */

/* The joined callback (a lattice thread): one write() under stderr's lock,
 * so that no log line (written in pieces under that lock) is split. */
static void cli_lattice_joined(void *arg, const char *lattice, const char *host)
{
    (void)arg;
    char line[600];
    int n = snprintf(line, sizeof line, "wactor: lattice %s joined as %s\n", lattice, host);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (len > 0 && line[len - 1] != '\n')
        line[len - 1] = '\n';
    flockfile(stderr);
    ssize_t w = write(STDERR_FILENO, line, len);
    funlockfile(stderr);
    (void)w; /* nothing to do about a standard error that cannot be written */
}

/* Reports why the join failed: the library's one line ("cannot join
 * lattice L at URL: why") as it is, else one in that form. */
static void cli_lattice_join_error(const mf_lattice *lat)
{
    const char *why = wactor_errmsg(NULL);
    if (why != NULL && strstr(why, "lattice") != NULL)
        cli_error("%s", why);
    else
        cli_error("cannot join lattice %s at %s: %s", lat->name, lat->url,
                  why != NULL && why[0] ? why : wactor_result_message(wactor_errcode(NULL)));
}

wactor_lattice *cli_lattice_join(wactor_runtime *rt, const mf_lattice *lat, bool background,
                                 bool announce, uint32_t timeout_ms)
{
    wactor_lattice_options o = {.url = lat->url,
                                .name = lat->name,
                                .host = lat->host,
                                .heartbeat_ms = (uint32_t)lat->heartbeat_ms,
                                .credentials = lat->credentials,
                                .connect_in_background = background,
                                .connect_timeout_ms = timeout_ms,
                                .joined = announce ? cli_lattice_joined : NULL};
    wactor_lattice *l = wactor_lattice_join(rt, &o);
    if (l == NULL)
        cli_lattice_join_error(lat);
    return l;
}

int cli_system_join(cli_system *s, bool background, bool announce, uint32_t timeout_ms)
{
    if (s->mf->lattice == NULL)
        return 0;
    s->lattice = cli_lattice_join(s->rt, s->mf->lattice, background, announce, timeout_ms);
    return s->lattice != NULL ? 0 : CLI_EXIT_FAILED;
}

int cli_system_wait_remote(cli_system *s, const char *cmd, const char *target, uint32_t timeout_ms)
{
    int rc = wactor_lattice_wait(s->lattice, target, timeout_ms);
    if (rc == WACTOR_OK)
        return 0;
    char d[32];
    cli_format_duration(d, sizeof d, timeout_ms);
    if (rc == WACTOR_ETIMEDOUT)
        cli_error("%s: no component %s in lattice %s (no host announced it within %s)", cmd, target,
                  s->mf->lattice->name, d);
    else
        cli_error("%s: no component %s in lattice %s (%s)", cmd, target, s->mf->lattice->name,
                  wactor_result_message(rc));
    return CLI_EXIT_FAILED;
}

/* ---- the running system's HOSTS ------------------------------------------ */

int cli_run_hosts(void *arg, const char **lattice, const char **host, wactor_host_info **v,
                  size_t *n)
{
    cli_system *s = arg;
    *v = NULL;
    *n = 0;
    if (s->lattice == NULL || s->mf->lattice == NULL) {
        *lattice = *host = "";
        return WACTOR_OK;
    }
    *lattice = s->mf->lattice->name;
    const char *self = wactor_lattice_host_name(s->lattice);
    *host = self != NULL ? self : "";
    int rc = wactor_lattice_hosts(s->lattice, v, n);
    if (rc < 0) {
        *v = NULL; /* not connected yet, say: no host known, this one aside */
        *n = 0;
    }
    return WACTOR_OK;
}

void cli_run_hosts_free(void *arg, wactor_host_info *v, size_t n)
{
    (void)arg;
    if (v != NULL)
        wactor_lattice_hosts_free(v, n);
}

/* ---- printing ----------------------------------------------------------- */

/* "0.3s", "12s", "5m" ago; "-" for this host. */
static void cli_ago(char *buf, size_t len, const wactor_host_info *h)
{
    uint64_t ms = h->last_seen_ms;
    if (h->self)
        snprintf(buf, len, "-");
    else if (ms < 10000)
        snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s ago", ms / 1000, ms % 1000 / 100);
    else if (ms < 600000)
        snprintf(buf, len, "%" PRIu64 "s ago", ms / 1000);
    else
        snprintf(buf, len, "%" PRIu64 "m ago", ms / 60000);
}

void cli_print_hosts(FILE *out, const wactor_host_info *v, size_t n, bool skip_self,
                     const double *rates)
{
    enum { NAME, SEEN, SENT, RECEIVED, SRATE, RRATE, LOST, COMPONENTS, NCOLS };
    static const char *const head[NCOLS] = {"HOST",   "LAST SEEN", "SENT", "RECEIVED",
                                            "SENT/S", "RECV/S",    "LOST", "COMPONENTS"};
    int w[NCOLS];
    for (int k = 0; k < NCOLS; k++)
        w[k] = (int)strlen(head[k]);
    char(*cell)[NCOLS - 1][300] = calloc(n ? n : 1, sizeof *cell);
    if (cell == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        const wactor_host_info *h = &v[i];
        if (skip_self && h->self)
            continue;
        snprintf(cell[i][NAME], 300, "%.255s%s", h->name, h->self ? " (this host)" : "");
        cli_ago(cell[i][SEEN], 300, h);
        snprintf(cell[i][SENT], 300, "%" PRIu64, h->sent);
        snprintf(cell[i][RECEIVED], 300, "%" PRIu64, h->received);
        snprintf(cell[i][SRATE], 300, "%.0f", rates ? rates[2 * i] : 0.0);
        snprintf(cell[i][RRATE], 300, "%.0f", rates ? rates[2 * i + 1] : 0.0);
        snprintf(cell[i][LOST], 300, "%" PRIu64, h->lost);
        for (int k = 0; k < NCOLS - 1; k++) {
            int l = (int)strlen(cell[i][k]);
            w[k] = l > w[k] ? l : w[k];
        }
    }
    for (size_t i = 0; i <= n; i++) {
        if (i > 0 && skip_self && v[i - 1].self)
            continue;
        for (int k = 0; k < NCOLS - 1; k++) {
            if ((k == SRATE || k == RRATE) && rates == NULL)
                continue;
            const char *text = i == 0 ? head[k] : cell[i - 1][k];
            if (k == NAME || k == SEEN)
                fprintf(out, "%-*s  ", w[k], text);
            else
                fprintf(out, "%*s  ", w[k], text);
        }
        if (i == 0) {
            fprintf(out, "%s\n", head[COMPONENTS]);
            continue;
        }
        const wactor_host_info *h = &v[i - 1];
        if (h->ncomponents == 0 || h->components == NULL)
            fputs("-", out);
        for (size_t j = 0; h->components != NULL && j < h->ncomponents; j++)
            fprintf(out, "%s%s", j ? ", " : "", h->components[j] ? h->components[j] : "");
        putc('\n', out);
    }
    free(cell);
}

/* ---- wactor hosts --------------------------------------------------------- */

/* The running system's view, if one runs the manifest in a lattice.
 * Returns -1 to go on as a client, or an exit status. */
static int cli_hosts_attached(const cli_flags *f, ctl_client *c)
{
    int result = 0;
    char *lattice = NULL, *host = NULL;
    wactor_host_info *v = NULL;
    size_t n = 0;
    int rc = -1;
    if (ctl_client_hosts(c, &result, &lattice, &host, &v, &n) != 0) {
        cli_error("hosts: %s", ctl_client_error(c));
        rc = CLI_EXIT_FAILED;
    } else if (result == WACTOR_OK && lattice[0] != '\0') {
        if (f->json)
            observe_hosts_json(stdout, v, n, false);
        else
            cli_print_hosts(stdout, v, n, false, NULL);
        if (f->json)
            putchar('\n');
        rc = 0;
    }
    /* Else an older run (EINVAL), or one in no lattice (its manifest
     * changed since it started, say): ask the lattice itself. */
    free(lattice);
    free(host);
    ctl_hosts_free(v, n);
    return rc;
}

int cli_hosts(int argc, char **argv)
{
    cli_flags f = {.log_level = WACTOR_LOG_WARN};
    int first = 0;
    int rc =
        cli_parse_flags(argc, argv, cli_hosts_usage, CLI_FLAG_JSON | CLI_FLAG_TIMEOUT, &f, &first);
    if (rc >= 0)
        return rc;
    if (argc - first != 1) {
        cli_error("hosts: expected one MANIFEST (try wactor hosts --help)");
        return CLI_EXIT_BAD;
    }
    ctl_client *c = NULL;
    mf_manifest *mf = NULL;
    rc = cli_attach("hosts", argv[first], false, &c, &mf);
    if (rc > 0) {
        mf_free(mf);
        return rc;
    }
    if (mf->lattice == NULL) {
        cli_error("hosts: %s has no lattice section: it joins no lattice (docs/MANIFEST.md, "
                  "\"lattice\")",
                  mf->path);
        ctl_client_free(c);
        mf_free(mf);
        return CLI_EXIT_BAD;
    }
    rc = c != NULL ? cli_hosts_attached(&f, c) : -1;
    ctl_client_free(c);
    if (rc < 0) {
        uint32_t timeout = f.has_timeout ? f.timeout_ms : CLI_LATTICE_WAIT_MS;
        wactor_runtime_options ro = {.max_message = (uint32_t)mf->max_message,
                                     .log_level = f.log_level,
                                     .log = cli_log,
                                     .max_module = mf->max_module};
        wactor_runtime *rt = wactor_runtime_new(&ro);
        wactor_lattice *l = NULL;
        if (rt == NULL) {
            cli_error("hosts: cannot start a runtime: %s", wactor_errmsg(NULL));
            rc = CLI_EXIT_FAILED;
        } else if ((l = cli_lattice_join(rt, mf->lattice, false, false, timeout)) == NULL) {
            rc = CLI_EXIT_FAILED;
        } else {
            /* ETIMEDOUT: some host has not told its components yet; list
             * what is known. */
            wactor_lattice_wait(l, NULL, timeout);
            wactor_host_info *v = NULL;
            size_t n = 0;
            int r = wactor_lattice_hosts(l, &v, &n);
            if (r < 0) {
                cli_error("hosts: cannot list the hosts of lattice %s: %s", mf->lattice->name,
                          wactor_result_message(r));
                rc = CLI_EXIT_FAILED;
            } else {
                if (f.json) {
                    observe_hosts_json(stdout, v, n, true);
                    putchar('\n');
                } else {
                    cli_print_hosts(stdout, v, n, true, NULL);
                }
                wactor_lattice_hosts_free(v, n);
                rc = 0;
            }
            wactor_lattice_leave(l);
        }
        wactor_runtime_free(rt);
    }
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_error("hosts: cannot write to standard output: %s", strerror(errno));
        rc = CLI_EXIT_BAD;
    }
    mf_free(mf);
    return rc;
}
