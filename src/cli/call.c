/*
 * call.c: `wactor call` and `wactor send`: give a component PAYLOAD from
 * "@host" (as a request whose answer is printed, or as a fire-and-forget
 * message), either through the control socket of a running system of the
 * manifest (docs/CONTROL.md) or by starting the manifest's components,
 * sending, and stopping gracefully.
 *
 * Attached (a system answers on runtime.control, or --attach): the running
 * system decides everything about the target (ENOTFOUND is exit 3), send
 * exits once the message is enqueued (EFULL is exit 5), and a call that
 * times out leaves the handler alone: it belongs to the running system.
 * Nothing answering means the one-shot behaviour below (with --attach,
 * exit 3); a socket that answers wrongly is exit 3, never a second copy.
 *
 * Decisions where the command-line contract is silent (README.md):
 * - Standalone, COMPONENT must be one of the manifest's components, or,
 *   when the manifest has a `lattice` section, a component some host of
 *   the lattice runs (lattice.c joins and waits for it); any other name
 *   (valid or not) is "no such component" (exit 3), found before anything
 *   starts (in a lattice: once the wait is over). A payload over the manifest's max_message is a
 * usage error (exit 4), also found before anything starts.
 * - A component whose first start-up failed is supervised like any crashed
 *   component: a request waits in its mailbox for a restart, and ends
 *   FAILED (exit 3) if the component is stopped for good; the start-up
 *   failure is then given as the reason.
 * - call: the answer is written to standard output before the system stops;
 *   a request the runtime refuses for lack of room (EFULL) or any other
 *   reason than bad arguments ends with exit 3, like a failure.
 * - --timeout takes 1ms..2147483647ms (the manifest's bounds); for send it
 *   bounds the wait for quiescence.
 */
#include "cli.h"
#include "control.h"
#include "manifest.h"
#include "wactor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char cli_call_usage[] =
    "usage: wactor call [--timeout DURATION] [--attach | --standalone] [--tier T]\n"
    "                   [--log-level LEVEL] MANIFEST COMPONENT [PAYLOAD]\n"
    "\n"
    "Sends PAYLOAD as a request from @host to COMPONENT, waits for the answer and\n"
    "prints the answer's bytes exactly to standard output. PAYLOAD is a string; `-`\n"
    "reads standard input; absent means empty.\n"
    "\n"
    "When a `wactor run` of MANIFEST answers on its control socket, the request goes\n"
    "to that running system. Otherwise call starts every component of MANIFEST (a\n"
    "wactor.yaml), sends the request, and stops the components gracefully.\n"
    "\n"
    "When MANIFEST has a `lattice` section and COMPONENT is not one of its\n"
    "components (or it has none: a pure client), call joins the lattice (waiting\n"
    "for a NATS server at most the --timeout, default 5s), waits until a host\n"
    "runs COMPONENT (at most as long again), and reaches it there. No NATS server:\n"
    "exit 3, `cannot join lattice L at URL: why`; no such component in the\n"
    "lattice: exit 3.\n"
    "\n"
    "  --attach            only the running system: exit 3 if there is none\n"
    "  --standalone        always start a private copy of the system\n"
    "  --tier T            interp, aot or auto: the tier of every component it\n"
    "                      starts, whatever the manifest says (docs/AOT.md)\n"
    "  --timeout DURATION  how long to wait for the answer, like 500ms, 2s or 1m\n"
    "                      (default: the manifest's runtime.request_timeout, 30s)\n"
    "  --log-level LEVEL   trace, debug, info, warn or error (default warn); the log\n"
    "                      goes to standard error\n"
    "  --help              show this help\n"
    "\n"
    "Exit status: 0 answered OK; 1 answered ERROR (the answer goes to standard\n"
    "output and standard error); 2 no answer in time (TIMEOUT); 3 the component\n"
    "crashed, stopped or kept failing to start (FAILED), or does not exist; 4 bad\n"
    "manifest, module or usage. Attached, a call that reaches no running system with\n"
    "--attach exits 3.\n";

static const char cli_send_usage[] =
    "usage: wactor send [--timeout DURATION] [--attach | --standalone] [--tier T]\n"
    "                   [--log-level LEVEL] MANIFEST COMPONENT [PAYLOAD]\n"
    "\n"
    "Sends PAYLOAD from @host to COMPONENT as a fire-and-forget message. PAYLOAD is a\n"
    "string; `-` reads standard input; absent means empty.\n"
    "\n"
    "When a `wactor run` of MANIFEST answers on its control socket, the message goes\n"
    "to that running system, and send exits as soon as it is enqueued. Otherwise\n"
    "send starts every component of MANIFEST (a wactor.yaml), sends the message,\n"
    "runs until the system is quiescent (no queued message, no pending request, no\n"
    "running handler), and stops the components gracefully.\n"
    "\n"
    "When MANIFEST has a `lattice` section and COMPONENT is not one of its\n"
    "components (or it has none: a pure client), send joins the lattice (waiting\n"
    "for a NATS server at most the --timeout, default 5s), waits until a host\n"
    "runs COMPONENT (at most as long again), and reaches it there. No NATS server:\n"
    "exit 3, `cannot join lattice L at URL: why`; no such component in the\n"
    "lattice: exit 3.\n"
    "\n"
    "  --attach            only the running system: exit 3 if there is none\n"
    "  --standalone        always start a private copy of the system\n"
    "  --tier T            interp, aot or auto: the tier of every component it\n"
    "                      starts, whatever the manifest says (docs/AOT.md)\n"
    "  --timeout DURATION  how long to wait for quiescence, like 500ms, 2s or 1m\n"
    "                      (default: the manifest's runtime.request_timeout, 30s)\n"
    "  --log-level LEVEL   trace, debug, info, warn or error (default warn); the log\n"
    "                      goes to standard error\n"
    "  --help              show this help\n"
    "\n"
    "Exit status: 0 delivered and quiescent (attached: enqueued); 2 not quiescent in\n"
    "time; 3 no such component, or it has stopped for good, or (--attach) no running\n"
    "system; 4 bad manifest, module or usage; 5 attached, the component's mailbox is\n"
    "full (EFULL).\n";

typedef struct cli_message {
    const char *cmd; /* "call" or "send" */
    const char *target;
    uint8_t *payload; /* malloc'd when read from standard input */
    size_t len;
    bool owned;
} cli_message;

/* Parses flags and operands, reads the payload. Returns -1 to go on, or
 * an exit status. */
static int cli_message_args(int argc, char **argv, const char *usage, cli_flags *f,
                            const char **manifest, cli_message *msg)
{
    int first = 0;
    f->log_level = WACTOR_LOG_WARN;
    int rc = cli_parse_flags(argc, argv, usage, CLI_FLAG_TIMEOUT | CLI_FLAG_ATTACH | CLI_FLAG_TIER,
                             f, &first);
    if (rc >= 0)
        return rc;
    int n = argc - first;
    if (n < 2 || n > 3) {
        cli_error("%s: expected MANIFEST COMPONENT [PAYLOAD]%s (try wactor %s --help)", argv[0],
                  n > 3 ? ", and PAYLOAD as one argument" : "", argv[0]);
        return CLI_EXIT_BAD;
    }
    *manifest = argv[first];
    msg->cmd = argv[0];
    msg->target = argv[first + 1];
    const char *payload = n == 3 ? argv[first + 2] : "";
    if (strcmp(payload, "-") == 0) {
        msg->payload = cli_read_stdin(&msg->len);
        if (msg->payload == NULL) {
            cli_error("%s: cannot read the payload from standard input: %s", argv[0],
                      strerror(errno));
            return CLI_EXIT_BAD;
        }
        msg->owned = true;
    } else {
        msg->payload = (uint8_t *)payload;
        msg->len = strlen(payload);
    }
    return -1;
}

/* Starts the system for msg, checking its target and size first. A target
 * that is not one of the manifest's components is looked for in the
 * manifest's lattice, if it has one: joined (waiting for a NATS server),
 * then the target waited for, both within the --timeout (default 5s).
 * Otherwise the lattice, if any, is joined in the background, as run does.
 * Returns -1 to go on, or an exit status. */
static int cli_message_start(cli_system *s, const char *manifest, const cli_flags *f,
                             const cli_message *msg)
{
    int rc = cli_system_open(s, manifest, f->log_level);
    if (rc != 0)
        return rc;
    cli_system_force_tier(s, f->tier);
    bool local = cli_system_find(s, msg->target) != NULL;
    if (!local && s->mf->lattice == NULL) {
        cli_error("%s: no component named %s in %s", msg->cmd, msg->target, s->mf->path);
        return CLI_EXIT_FAILED;
    }
    if (msg->len > s->mf->max_message) {
        cli_error("%s: the payload of %zu bytes is over the limit of %" PRIu64
                  " bytes (runtime.max_message in %s)",
                  msg->cmd, msg->len, s->mf->max_message, s->mf->path);
        return CLI_EXIT_BAD;
    }
    uint32_t wait = f->has_timeout ? f->timeout_ms : CLI_LATTICE_WAIT_MS;
    rc = cli_system_join(s, local, false, wait);
    if (rc == 0)
        rc = cli_system_start(s);
    if (rc == 0 && !local)
        rc = cli_system_wait_remote(s, msg->cmd, msg->target, wait);
    return rc != 0 ? rc : -1;
}

/* Reports a message the runtime refused (rc < 0) and returns the status. */
static int cli_message_refused(const cli_system *s, const cli_message *msg, int rc)
{
    const char *start_error = cli_system_start_error(s, msg->target);
    if (rc == WACTOR_ENOTFOUND && start_error != NULL) {
        cli_error("%s %s: not running: stopped after its start-up failed: %s", msg->cmd,
                  msg->target, start_error);
        return CLI_EXIT_FAILED;
    }
    if (rc == WACTOR_ENOTFOUND && cli_system_find(s, msg->target) == NULL && s->mf->lattice) {
        cli_error("%s %s: no longer in lattice %s (its host left or was lost)", msg->cmd,
                  msg->target, s->mf->lattice->name);
        return CLI_EXIT_FAILED;
    }
    if (rc == WACTOR_ENOTFOUND) {
        cli_error("%s %s: not running (it has stopped)", msg->cmd, msg->target);
        return CLI_EXIT_FAILED;
    }
    cli_error("%s %s: %s", msg->cmd, msg->target, wactor_errmsg(s->rt));
    return rc == WACTOR_EINVAL || rc == WACTOR_ETOOBIG ? CLI_EXIT_BAD : CLI_EXIT_FAILED;
}

/* The answer of status st; returns the exit status. start_error: why the
 * target's start-up failed, or NULL. */
static int cli_call_answer(const char *start_error, const cli_message *msg, uint32_t timeout_ms,
                           int st, const void *answer, size_t len)
{
    switch (st) {
    case WACTOR_STATUS_OK:
    case WACTOR_STATUS_ERROR:
        if (len > 0)
            fwrite(answer, 1, len, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error("call %s: cannot write the answer to standard output: %s", msg->target,
                      strerror(errno));
            return CLI_EXIT_BAD;
        }
        if (st == WACTOR_STATUS_OK)
            return 0;
        flockfile(stderr);
        fprintf(stderr, "wactor: call %s: answered ERROR%s", msg->target, len ? ": " : "");
        cli_write_escaped(stderr, answer, len);
        putc_unlocked('\n', stderr);
        funlockfile(stderr);
        return CLI_EXIT_ERROR;
    case WACTOR_STATUS_TIMEOUT: {
        char d[32];
        cli_format_duration(d, sizeof d, timeout_ms);
        cli_error("call %s: no answer within %s (TIMEOUT)", msg->target, d);
        return CLI_EXIT_TIMEOUT;
    }
    default:
        flockfile(stderr);
        fprintf(stderr, "wactor: call %s: FAILED: ", msg->target);
        if (len > 0)
            cli_write_escaped(stderr, answer, len);
        else
            fputs("the component stopped or crashed while handling the request", stderr);
        if (start_error != NULL)
            fprintf(stderr, " (its start-up failed: %s)", start_error);
        putc_unlocked('\n', stderr);
        funlockfile(stderr);
        return CLI_EXIT_FAILED;
    }
}

/* A refusal by the running system (result < 0, its message in why) as
 * an exit status. */
static int cli_attached_refused(const cli_message *msg, const ctl_client *c, int result,
                                const char *why)
{
    if (result == WACTOR_ENOTFOUND) {
        cli_error("%s %s: no component of that name runs in the system of pid %d", msg->cmd,
                  msg->target, ctl_client_pid(c));
        return CLI_EXIT_FAILED;
    }
    if (result == WACTOR_EFULL && strcmp(msg->cmd, "send") == 0) {
        cli_error("send %s: its mailbox is full (EFULL)", msg->target);
        return CLI_EXIT_FULL;
    }
    cli_error("%s %s: %s", msg->cmd, msg->target, why[0] ? why : wactor_result_message(result));
    return result == WACTOR_EINVAL || result == WACTOR_ETOOBIG ? CLI_EXIT_BAD : CLI_EXIT_FAILED;
}

/* call or send through the running system of manifest, if there is one
 * (or must be: --attach). Returns -1 to go on standalone, or the exit
 * status. */
static int cli_message_attached(const char *manifest, const cli_flags *f, const cli_message *msg)
{
    if (f->mode == CLI_MODE_STANDALONE)
        return -1;
    ctl_client *c = NULL;
    mf_manifest *mf = NULL;
    int rc = cli_attach(msg->cmd, manifest, f->mode == CLI_MODE_ATTACH, &c, &mf);
    if (rc != 0) {
        mf_free(mf);
        return rc;
    }
    uint64_t max = ctl_client_max_message(c);
    if (msg->len > max) {
        cli_error("%s: the payload of %zu bytes is over the running system's limit of %" PRIu64
                  " bytes (runtime.max_message)",
                  msg->cmd, msg->len, max);
        rc = CLI_EXIT_BAD;
    } else if (strcmp(msg->cmd, "call") == 0) {
        uint32_t timeout = f->has_timeout ? f->timeout_ms : (uint32_t)mf->request_timeout_ms;
        int result = 0, st = WACTOR_STATUS_FAILED;
        void *answer = NULL;
        size_t len = 0;
        if (ctl_client_call(c, msg->target, msg->payload, msg->len, timeout, &result, &st, &answer,
                            &len) != 0) {
            cli_error("call %s: %s", msg->target, ctl_client_error(c));
            rc = CLI_EXIT_FAILED;
        } else if (result < 0) {
            rc = cli_attached_refused(msg, c, result, ctl_client_message(c));
        } else {
            rc = cli_call_answer(NULL, msg, timeout, st, answer, len);
        }
        free(answer);
    } else {
        int result = 0;
        if (ctl_client_send(c, msg->target, msg->payload, msg->len, &result) != 0) {
            cli_error("send %s: %s", msg->target, ctl_client_error(c));
            rc = CLI_EXIT_FAILED;
        } else if (result < 0) {
            rc = cli_attached_refused(msg, c, result, ctl_client_message(c));
        }
    }
    ctl_client_free(c);
    mf_free(mf);
    return rc;
}

int cli_call(int argc, char **argv)
{
    cli_flags f = {0};
    cli_message msg = {0};
    cli_system s = {0};
    const char *manifest = NULL;
    int rc = cli_message_args(argc, argv, cli_call_usage, &f, &manifest, &msg);
    if (rc < 0)
        rc = cli_message_attached(manifest, &f, &msg);
    if (rc < 0)
        rc = cli_message_start(&s, manifest, &f, &msg);
    if (rc < 0) {
        uint32_t timeout = f.has_timeout ? f.timeout_ms : (uint32_t)s.mf->request_timeout_ms;
        int st = WACTOR_STATUS_FAILED;
        void *answer = NULL;
        size_t len = 0;
        int r = wactor_call(s.rt, msg.target, msg.payload, msg.len, timeout, &st, &answer, &len);
        if (r < 0)
            rc = cli_message_refused(&s, &msg, r);
        else
            rc = cli_call_answer(cli_system_start_error(&s, msg.target), &msg, timeout, st, answer,
                                 len);
        if (r >= 0 && st == WACTOR_STATUS_TIMEOUT)
            wactor_interrupt(s.rt); /* --timeout bounds the exit too: no wait for the handler */
        free(answer);
    }
    cli_system_close(&s);
    if (msg.owned)
        free(msg.payload);
    return rc;
}

int cli_send(int argc, char **argv)
{
    cli_flags f = {0};
    cli_message msg = {0};
    cli_system s = {0};
    const char *manifest = NULL;
    int rc = cli_message_args(argc, argv, cli_send_usage, &f, &manifest, &msg);
    if (rc < 0)
        rc = cli_message_attached(manifest, &f, &msg);
    if (rc < 0)
        rc = cli_message_start(&s, manifest, &f, &msg);
    if (rc < 0) {
        uint32_t timeout = f.has_timeout ? f.timeout_ms : (uint32_t)s.mf->request_timeout_ms;
        int r = wactor_send(s.rt, msg.target, msg.payload, msg.len);
        if (r < 0) {
            rc = cli_message_refused(&s, &msg, r);
        } else if (wactor_wait_idle(s.rt, timeout) != WACTOR_OK) {
            char d[32];
            cli_format_duration(d, sizeof d, timeout);
            cli_error("send %s: the system was not quiescent within %s", msg.target, d);
            rc = CLI_EXIT_TIMEOUT;
            wactor_interrupt(s.rt); /* as for call */
        } else {
            rc = 0;
        }
    }
    cli_system_close(&s);
    if (msg.owned)
        free(msg.payload);
    return rc;
}
