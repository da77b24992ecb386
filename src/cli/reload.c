/*
 * reload.c: applying a manifest's difference to the running system
 * (`wactor reload`, SIGHUP to `run`, `run --watch`: all three call
 * cli_reload).
 *
 * The reloader keeps the running set: for each component started, the
 * manifest entry it runs with and a hash of its module file's bytes. A
 * reload reads the manifest again and compares it with that set, component
 * by component:
 * - the new manifest is checked first, wholly: mf_load_all, then every
 *   distinct module loaded and checked against each component's limits
 *   (wactor_module_check, as `validate`). Any problem: nothing changes, and
 *   every problem is reported (CTL_RELOAD_INVALID).
 * - a component no longer named is stopped gracefully (wactor_stop);
 * - a component whose module bytes (not path), config, env, limits,
 *   capabilities, restart policy or tier differ is upgraded in place
 *   (wactor_upgrade, on its turn: mailbox, storage and pending requests
 *   kept); if it is not running any more (stopped, or failed for good), it
 *   is started with the new settings instead;
 * - a new component is spawned, after the upgrades (its wactor_init may
 *   talk to them);
 * - a component that is the same is not touched at all.
 * A failed upgrade is rolled back by the runtime; the reload goes on with
 * the other components (they are independent), the running set keeps the
 * old entry (so the next reload tries again), and the outcome is
 * CTL_RELOAD_FAILED. Runtime-level keys (runtime.*, supervisor.*, lattice.*) cannot
 * change live: a line says which changed and that they apply at the next
 * start.
 *
 * Each change is one line, on run's standard error ("wactor: reload:
 * upgraded echo (module, limits)") and in the report for the client; the
 * last line sums up. Reloads are serialised by a mutex: a SIGHUP during
 * a `wactor reload` waits for it.
 *
 * The running set's entries point into the manifests they came from, which
 * are kept until no entry points into them. Module hashes are FNV-1a (64
 * bits) of the file's bytes, read apart from the load: a file that changes
 * between the two is seen again, as a change, by the next reload.
 */
#include "cli.h"
#include "control.h"
#include "manifest.h"
#include "wactor.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* One component of the running set. */
typedef struct cli_live {
    const mf_component *c; /* the settings it runs with, in one of r->mfs */
    uint64_t hash;         /* of its module file's bytes; 0 = unknown */
} cli_live;

struct cli_reloader {
    cli_system *s;
    pthread_mutex_t mu; /* one reload at a time; guards all below */
    cli_live *live;
    size_t nlive;
    mf_manifest **mfs; /* the manifests entries point into; mfs[0] is s->mf */
    size_t nmfs;
};

/* What differs between two entries of one component: bits, and their
 * words in a line. */
enum {
    CLI_DIFF_MODULE = 1,
    CLI_DIFF_CONFIG = 2,
    CLI_DIFF_ENV = 4,
    CLI_DIFF_LIMITS = 8,
    CLI_DIFF_CAPS = 16,
    CLI_DIFF_RESTART = 32,
    CLI_DIFF_TIER = 64
};
static const char *const cli_diff_words[] = {"module",       "config",  "env", "limits",
                                             "capabilities", "restart", "tier"};

/* FNV-1a over the file's bytes; 0 if it cannot be read. */
static uint64_t cli_file_hash(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    uint64_t h = UINT64_C(14695981039346656037);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * UINT64_C(1099511628211);
    bool bad = ferror(f);
    fclose(f);
    return bad ? 0 : h | 1; /* never 0, which means unknown */
}

static bool cli_same_patterns(const mf_patterns *a, const mf_patterns *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

static bool cli_same_env(char **a, char **b)
{
    size_t i = 0;
    for (; a && b && a[i] && b[i]; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

/* The same files grants, in the same order. */
static bool cli_same_files(const mf_component *a, const mf_component *b)
{
    if (a->nfiles != b->nfiles)
        return false;
    for (size_t i = 0; i < a->nfiles; i++)
        if (strcmp(a->files[i].name, b->files[i].name) != 0 ||
            strcmp(a->files[i].path, b->files[i].path) != 0 ||
            a->files[i].write != b->files[i].write)
            return false;
    return true;
}

static unsigned cli_diff(const cli_live *old, const mf_component *c, uint64_t hash)
{
    const mf_component *o = old->c;
    unsigned d = 0;
    if (old->hash == 0 || hash == 0 || old->hash != hash)
        d |= CLI_DIFF_MODULE;
    if (o->has_config != c->has_config || o->config_len != c->config_len ||
        (c->config_len > 0 && memcmp(o->config, c->config, c->config_len) != 0))
        d |= CLI_DIFF_CONFIG;
    if (!cli_same_env(o->env, c->env))
        d |= CLI_DIFF_ENV;
    if (o->memory != c->memory || o->fuel != c->fuel || o->time_ms != c->time_ms ||
        o->stack != c->stack || o->mailbox != c->mailbox || o->pending != c->pending ||
        o->timers != c->timers || o->health_interval_ms != c->health_interval_ms ||
        o->health_unhealthy != c->health_unhealthy)
        d |= CLI_DIFF_LIMITS;
    if (!cli_same_patterns(&o->send, &c->send) || !cli_same_patterns(&o->request, &c->request) ||
        !cli_same_patterns(&o->publish, &c->publish) ||
        !cli_same_patterns(&o->subscribe, &c->subscribe) ||
        !cli_same_patterns(&o->http, &c->http) || o->storage != c->storage || o->wasi != c->wasi ||
        !cli_same_files(o, c))
        d |= CLI_DIFF_CAPS;
    if (o->restart != c->restart)
        d |= CLI_DIFF_RESTART;
    if (o->tier != c->tier) /* a fresh instance in the other tier */
        d |= CLI_DIFF_TIER;
    return d;
}

/* ---- the report ----------------------------------------------------------- */

typedef struct cli_report {
    FILE *f; /* open_memstream; NULL when out of memory (lines still go to stderr) */
    char *text;
    size_t len;
} cli_report;

static void cli_say(cli_report *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line: on run's standard error as "wactor: reload: LINE", and in the
 * report. */
static void cli_say(cli_report *rp, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    flockfile(stderr);
    fputs("wactor: reload: ", stderr);
    cli_write_escaped(stderr, line, strlen(line));
    putc_unlocked('\n', stderr);
    funlockfile(stderr);
    fflush(stderr);
    if (rp->f != NULL) {
        cli_write_escaped(rp->f, line, strlen(line));
        putc('\n', rp->f);
    }
}

static void cli_diff_text(char *buf, size_t len, unsigned d)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof cli_diff_words / sizeof cli_diff_words[0]; i++)
        if ((d & (1u << i)) && off < len)
            off +=
                (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", cli_diff_words[i]);
}

/* ---- the reloader --------------------------------------------------------- */

cli_reloader *cli_reloader_new(cli_system *s)
{
    cli_reloader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->s = s;
    r->live = calloc(s->mf->ncomponents ? s->mf->ncomponents : 1, sizeof *r->live);
    r->mfs = malloc(sizeof *r->mfs);
    if (r->live == NULL || r->mfs == NULL) {
        free(r->live);
        free(r->mfs);
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    r->mfs[0] = s->mf;
    r->nmfs = 1;
    for (size_t i = 0; i < s->mf->ncomponents; i++)
        r->live[r->nlive++] =
            (cli_live){&s->mf->components[i], cli_file_hash(s->mf->components[i].wasm)};
    return r;
}

void cli_reloader_free(cli_reloader *r)
{
    if (r == NULL)
        return;
    for (size_t i = 1; i < r->nmfs; i++) /* mfs[0] is the system's */
        mf_free(r->mfs[i]);
    free(r->mfs);
    free(r->live);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

char **cli_reloader_files(cli_reloader *r)
{
    pthread_mutex_lock(&r->mu);
    char **v = calloc(r->nlive + 2, sizeof *v);
    bool ok = v != NULL && (v[0] = strdup(r->s->mf->path)) != NULL;
    for (size_t i = 0; ok && i < r->nlive; i++)
        ok = (v[i + 1] = strdup(r->live[i].c->wasm)) != NULL;
    pthread_mutex_unlock(&r->mu);
    if (!ok && v != NULL) {
        for (size_t i = 0; v[i]; i++)
            free(v[i]);
        free(v);
        v = NULL;
    }
    return v;
}

/* Frees the manifests (but the system's) no entry points into any more. */
static void cli_reloader_trim(cli_reloader *r)
{
    size_t k = 1;
    for (size_t m = 1; m < r->nmfs; m++) {
        const mf_manifest *mf = r->mfs[m];
        bool used = false;
        for (size_t i = 0; i < r->nlive && !used; i++)
            used =
                r->live[i].c >= mf->components && r->live[i].c < mf->components + mf->ncomponents;
        if (used)
            r->mfs[k++] = r->mfs[m];
        else
            mf_free(r->mfs[m]);
    }
    r->nmfs = k;
}

static cli_live *cli_live_find(cli_reloader *r, const char *name)
{
    for (size_t i = 0; i < r->nlive; i++)
        if (strcmp(r->live[i].c->name, name) == 0)
            return &r->live[i];
    return NULL;
}

/* Whether the supervision groups differ (names, strategies, members in
 * order, intensities). */
static bool cli_groups_differ(const mf_manifest *o, const mf_manifest *n)
{
    if (o->ngroups != n->ngroups)
        return true;
    for (size_t i = 0; i < o->ngroups; i++) {
        const mf_group *a = &o->groups[i], *b = &n->groups[i];
        if (strcmp(a->name, b->name) != 0 || a->strategy != b->strategy ||
            a->nmembers != b->nmembers || a->max_restarts != b->max_restarts ||
            a->within_ms != b->within_ms)
            return true;
        for (size_t j = 0; j < a->nmembers; j++)
            if (strcmp(a->members[j].name, b->members[j].name) != 0)
                return true;
    }
    return false;
}

/* The runtime-level keys that differ from the running system's: one line
 * each. */
static void cli_runtime_diff(cli_report *rp, const mf_manifest *o, const mf_manifest *n)
{
#define CLI_STR_DIFF(a, b) ((a) == NULL ? (b) != NULL : (b) == NULL || strcmp((a), (b)) != 0)
    const mf_lattice *ol = o->lattice, *nl = n->lattice;
    struct {
        const char *key;
        bool changed;
    } keys[] = {
        {"runtime.workers", o->workers != n->workers},
        {"runtime.storage", CLI_STR_DIFF(o->storage, n->storage)},
        {"runtime.audit", CLI_STR_DIFF(o->audit, n->audit)},
        {"runtime.control", CLI_STR_DIFF(o->control, n->control)},
        {"runtime.request_timeout", o->request_timeout_ms != n->request_timeout_ms},
        {"runtime.max_message", o->max_message != n->max_message},
        {"runtime.max_module", o->max_module != n->max_module},
        {"supervisor.max_restarts", o->max_restarts != n->max_restarts},
        {"supervisor.within", o->within_ms != n->within_ms},
        {"groups", cli_groups_differ(o, n)},
        {"lattice", (o->lattice == NULL) != (n->lattice == NULL)},
        {"lattice.url", ol && nl && strcmp(ol->url, nl->url) != 0},
        {"lattice.name", ol && nl && strcmp(ol->name, nl->name) != 0},
        {"lattice.host", ol && nl && CLI_STR_DIFF(ol->host, nl->host)},
        {"lattice.heartbeat", ol && nl && ol->heartbeat_ms != nl->heartbeat_ms},
        {"lattice.credentials", ol && nl && CLI_STR_DIFF(ol->credentials, nl->credentials)},
    };
#undef CLI_STR_DIFF
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (keys[i].changed)
            cli_say(rp, "%s changed: not applied (it takes a restart of wactor run)", keys[i].key);
}

/* The new manifest, checked wholly: every module loaded (mods[i] for
 * component i, shared by components naming the same file) and checked
 * against each component's limits. Returns the number of problems, each
 * reported. */
static int cli_reload_check(cli_reloader *r, cli_report *rp, const mf_manifest *mf,
                            wactor_module **mods, uint64_t *hashes)
{
    int problems = 0;
    for (size_t i = 0; i < mf->ncomponents; i++) {
        const mf_component *c = &mf->components[i];
        size_t j = cli_first_with_module(mf, i);
        if (j < i) {
            mods[i] = mods[j];
            hashes[i] = hashes[j];
        } else {
            hashes[i] = cli_file_hash(c->wasm);
            mods[i] = wactor_module_load_file(r->s->rt, c->wasm);
        }
        if (mods[i] == NULL) {
            if (j == i) {
                char *why = cli_load_error(r->s->rt);
                cli_say(rp, "%s:%u:%u: component %s: %s", mf->path, c->line, c->column, c->name,
                        why ? why : "out of memory");
                free(why);
            }
            problems++;
            continue;
        }
        wactor_limits limits = cli_limits(c);
        wactor_problems p;
        int n = wactor_module_check(mods[i], &limits, &p);
        if (n < 0) {
            cli_say(rp, "%s:%u:%u: component %s: %s: %s", mf->path, c->line, c->column, c->name,
                    c->wasm, wactor_errmsg(NULL));
            problems++;
            continue;
        }
        for (size_t k = 0; k < p.n; k++)
            cli_say(rp, "%s:%u:%u: component %s: %s: %s", mf->path, c->line, c->column, c->name,
                    c->wasm, p.v[k].text);
        wactor_problems_free(&p);
        problems += n;
    }
    return problems;
}

/* Applies the checked manifest mf (modules mods, hashes) to the system.
 * Returns the number of changes that failed. */
static int cli_reload_apply(cli_reloader *r, cli_report *rp, const mf_manifest *mf,
                            wactor_module **mods, const uint64_t *hashes)
{
    wactor_runtime *rt = r->s->rt;
    int failed = 0, started = 0, stopped = 0, upgraded = 0, unchanged = 0;
    cli_runtime_diff(rp, r->s->mf, mf);

    /* Removed components: stopped gracefully, and out of the running set. */
    for (size_t i = 0; i < r->nlive;) {
        const char *name = r->live[i].c->name;
        bool kept = false;
        for (size_t k = 0; k < mf->ncomponents && !kept; k++)
            kept = strcmp(mf->components[k].name, name) == 0;
        if (kept) {
            i++;
            continue;
        }
        int rc = wactor_stop(rt, name);
        if (rc == WACTOR_OK)
            cli_say(rp, "stopped %s", name);
        else if (rc == WACTOR_ENOTFOUND)
            cli_say(rp, "removed %s (it was not running)", name);
        else
            cli_say(rp, "removed %s, but its stop failed: %s", name, wactor_errmsg(rt));
        stopped++;
        r->live[i] = r->live[--r->nlive];
    }

    /* Changed components: upgraded in place; then new ones started. The
     * running set gets the new entries (a failed upgrade keeps the old). */
    cli_live *next = calloc(mf->ncomponents ? mf->ncomponents : 1, sizeof *next);
    bool *fresh = calloc(mf->ncomponents ? mf->ncomponents : 1, sizeof *fresh);
    if (next == NULL || fresh == NULL) {
        free(next);
        free(fresh);
        cli_say(rp, "out of memory: nothing more applied");
        return failed + 1;
    }
    for (size_t i = 0; i < mf->ncomponents; i++) {
        const mf_component *c = &mf->components[i];
        cli_live *old = cli_live_find(r, c->name);
        if (old == NULL) {
            fresh[i] = true;
            continue;
        }
        next[i] = *old;
        unsigned d = cli_diff(old, c, hashes[i]);
        if (d == 0) {
            unchanged++;
            continue;
        }
        char what[128];
        cli_diff_text(what, sizeof what, d);
        wactor_files_grant grants[MF_MAX_FILES];
        wactor_component_options o = cli_component_options(c, mods[i], grants);
        /* A component crashing at start-up has no turn on which to be
         * upgraded (nor stopped) until its restarts end: not waited for. */
        wactor_stats st;
        if (wactor_component_stats(rt, c->name, &st) == WACTOR_OK &&
            (st.state == WACTOR_STATE_BACKING_OFF || st.state == WACTOR_STATE_RESTARTING)) {
            cli_say(rp,
                    "cannot upgrade %s (%s) now: it is %s (crashing at start-up); reload again "
                    "once it runs or has failed for good",
                    c->name, what, wactor_state_name(st.state));
            failed++;
            continue;
        }
        int rc = wactor_upgrade(rt, c->name, &o);
        if (rc == WACTOR_OK) {
            cli_say(rp, "upgraded %s (%s)", c->name, what);
            upgraded++;
            next[i] = (cli_live){c, hashes[i]};
        } else if (rc == WACTOR_ENOTFOUND) {
            /* Stopped (by `wactor stop`, or for good by its restart
             * policy): the manifest says it runs, with new settings. */
            rc = wactor_spawn(rt, &o);
            if (rc == WACTOR_OK || rc == WACTOR_ESTART) {
                next[i] = (cli_live){c, hashes[i]};
                started++;
            }
            if (rc == WACTOR_OK) {
                cli_say(rp, "started %s again (it was not running; %s)", c->name, what);
            } else {
                cli_say(rp, "cannot start %s again (it was not running; %s): %s", c->name, what,
                        wactor_errmsg(rt));
                failed++;
            }
        } else {
            cli_say(rp, "upgrade of %s (%s) failed, the old version goes on: %s", c->name, what,
                    wactor_errmsg(rt));
            failed++;
        }
    }
    for (size_t i = 0; i < mf->ncomponents; i++) {
        if (!fresh[i])
            continue;
        const mf_component *c = &mf->components[i];
        wactor_files_grant grants[MF_MAX_FILES];
        wactor_component_options o = cli_component_options(c, mods[i], grants);
        int rc = wactor_spawn(rt, &o);
        if (rc == WACTOR_OK) {
            cli_say(rp, "started %s", c->name);
        } else if (rc == WACTOR_ESTART) {
            /* A crash at start-up, supervised as any (CLI.md): it is part
             * of the system, but the reload did not go as asked. */
            cli_say(rp, "started %s, but it crashed at start-up: %s", c->name, wactor_errmsg(rt));
            failed++;
        } else {
            cli_say(rp, "cannot start %s: %s", c->name, wactor_errmsg(rt));
            failed++;
            continue;
        }
        started++;
        next[i] = (cli_live){c, hashes[i]};
    }
    /* The new running set, in the new manifest's order. */
    size_t n = 0;
    for (size_t i = 0; i < mf->ncomponents; i++)
        if (next[i].c != NULL)
            next[n++] = next[i];
    free(r->live);
    r->live = next;
    r->nlive = n;
    free(fresh);
    cli_say(rp, "%d started, %d stopped, %d upgraded, %d unchanged, %d failed", started, stopped,
            upgraded, unchanged, failed);
    return failed;
}

int cli_reload(cli_reloader *r, const char *trigger, char **report)
{
    cli_report rp = {0};
    rp.f = open_memstream(&rp.text, &rp.len);
    pthread_mutex_lock(&r->mu);
    const char *path = r->s->mf->path;
    cli_system_log(r->s, WACTOR_LOG_INFO, NULL, "reload (%s): reading %s", trigger, path);
    static char err[64 << 10]; /* under r->mu */
    int outcome = CTL_RELOAD_APPLIED;
    mf_manifest *mf = mf_load_all(path, err, sizeof err);
    if (mf != NULL) /* run --tier holds for what a reload starts too */
        cli_system_force_tier_of(r->s, mf);
    wactor_module **mods = NULL;
    uint64_t *hashes = NULL;
    size_t nmods = 0;
    if (mf == NULL) {
        for (char *line = err, *end; line != NULL; line = end ? end + 1 : NULL) {
            if ((end = strchr(line, '\n')) != NULL)
                *end = '\0';
            cli_say(&rp, "%s", line);
        }
        outcome = CTL_RELOAD_INVALID;
    } else {
        nmods = mf->ncomponents;
        mods = calloc(nmods ? nmods : 1, sizeof *mods);
        hashes = calloc(nmods ? nmods : 1, sizeof *hashes);
        mf_manifest **mfs = realloc(r->mfs, (r->nmfs + 1) * sizeof *mfs);
        if (mfs != NULL)
            r->mfs = mfs;
        if (mods == NULL || hashes == NULL || mfs == NULL) {
            cli_say(&rp, "out of memory");
            outcome = CTL_RELOAD_INVALID;
        } else if (cli_reload_check(r, &rp, mf, mods, hashes) > 0) {
            outcome = CTL_RELOAD_INVALID;
        } else {
            r->mfs[r->nmfs++] = mf; /* the running set may point into it */
            if (cli_reload_apply(r, &rp, mf, mods, hashes) > 0)
                outcome = CTL_RELOAD_FAILED;
            mf = NULL;
            cli_reloader_trim(r);
        }
    }
    if (outcome == CTL_RELOAD_INVALID)
        cli_say(&rp, "%s is not valid: nothing changed", path);
    pthread_mutex_unlock(&r->mu);
    /* The runtime holds its own references to the modules it runs. */
    for (size_t i = 0; mods != NULL && i < nmods; i++) {
        bool shared = false;
        for (size_t j = 0; j < i && !shared; j++)
            shared = mods[j] == mods[i];
        if (!shared)
            wactor_module_free(mods[i]);
    }
    free(mods);
    free(hashes);
    mf_free(mf);
    if (rp.f != NULL && fclose(rp.f) == 0)
        *report = rp.text;
    else
        *report = NULL;
    return outcome;
}
