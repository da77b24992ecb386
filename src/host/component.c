/*
 * component.c: a component's life. Spawn registers the name, then
 * instantiates the module and runs its start-up exports on the caller's
 * thread while the actor is held: mail to the name waits until the
 * start-up is over (a failed one withdraws the name and settles that mail).
 * From then on the component lives in its turns: deliver() runs one
 * message through the guest, a trap crashes the instance (the message is
 * dropped, the rest of the mailbox stays) and the supervisor's policy
 * decides between a fresh instance and a stop.
 *
 * What happens after a crash is supervise.c's business.
 */
#include "host.h"
#include "name.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The export `name`, a function: abi.c checked its type before spawn. */
static wa_func *export_func(wa_instance *inst, int which)
{
    const host_export *x = &host_exports[which];
    wa_extern e;
    if (!wa_instance_export(inst, x->name, strlen(x->name), &e) || e.kind != WA_EXTERN_FUNC)
        return NULL;
    return e.u.func;
}

/* ---- output: the guest's stdout and stderr become log lines ------------- */

static void flush_output(host_component *c, int which)
{
    if (c->outlen[which]) {
        host_log_always(c->rt, which ? WACTOR_LOG_WARN : WACTOR_LOG_INFO, c->proc.name,
                        c->out[which], c->outlen[which]);
        c->outlen[which] = 0;
    }
}

static bool guest_output(void *arg, uint32_t fd, const uint8_t *data, size_t len)
{
    host_component *c = arg;
    int which = fd == 2;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            flush_output(c, which);
            continue;
        }
        if (c->outlen[which] == sizeof c->out[which])
            flush_output(c, which); /* a very long line comes out in pieces */
        c->out[which][c->outlen[which]++] = (char)data[i];
    }
    return true;
}

/* A WASI call was refused a facet: audit it like any other refusal. */
static void wasi_refused(void *arg, unsigned facet)
{
    host_component *c = arg;
    static const char *const names[] = {"stdout", "stderr", "clock", "random",
                                        "env",    "stdin",  "files"};
    const char *name = "?";
    for (unsigned i = 0; i < 7; i++)
        if (facet == 1u << i)
            name = names[i];
    host_audit(c->rt, c->proc.name, "wasi", name, strlen(name), "denied",
               facet == WASI_CAP_FILES ? "files capability is read-only"
                                       : "no wasi capability for this facet");
}

/* ---- instances ---------------------------------------------------------- */

void host_drop_instance(host_component *c)
{
    /* Timers belong to the instance (ABI.md): gone with it, except that an
     * upgrade's failed new version takes only its own along. */
    host_timers_cancel(c, c->phase == HOST_PHASE_LOADING);
    wa_instance_free(c->inst);
    c->inst = NULL;
    wasi_ctx_free(c->wasi);
    c->wasi = NULL;
    c->on_message = c->on_callback = c->on_shutdown = NULL;
    atomic_store_explicit(&c->memory, 0, memory_order_relaxed);
    atomic_store_explicit(&c->tier_now, 0, memory_order_relaxed);
}

/* The instance's memory for wactor_stats, after each call into it (only a
 * call can grow it). */
static void note_memory(host_component *c)
{
#ifndef MSG_NO_COUNTERS
    wa_memory *mem = wa_instance_memory(c->inst);
    atomic_store_explicit(&c->memory, mem ? wa_memory_size(mem) : 0, memory_order_relaxed);
#else
    (void)c;
#endif
}

wa_trap host_run_guest(host_component *c, wa_func *f, const wa_val *args, wa_val *results)
{
    wactor_runtime *rt = c->rt;
    int w = rt_sched_current_worker(rt->sched);
    unsigned slot = w >= 0 ? (unsigned)w : rt->nstacks;
    wa_instance_use_stack(c->inst, w >= 0 ? rt->stacks[w] : rt->spawn_stack);
#ifndef MSG_NO_COUNTERS
    /* Metering is on for every call, so that the fuel used is exact: the
     * engine keeps no count without a budget (WA_FUEL_UNLIMITED). Without a
     * limit the budget is one no call can spend (2^63 - 2 units, centuries);
     * what it costs is a store of the count around each host call. */
    int64_t limit = c->ver.limits.fuel, budget = WA_FUEL_UNLIMITED - 1;
    if (limit > 0 && limit < budget)
        budget = limit;
    wa_instance_set_fuel(c->inst, budget);
#else
    if (c->ver.limits.fuel > 0)
        wa_instance_set_fuel(c->inst, c->ver.limits.fuel);
#endif
    host_watch_begin(rt->watchdog, slot, c->inst, c->ver.limits.time_ms);
    wa_trap t = wa_call(c->inst, f, args, results);
    host_watch_end(rt->watchdog, slot);
#ifndef MSG_NO_COUNTERS
    c->fuel_used = (uint64_t)(budget - wa_instance_fuel(c->inst));
#endif
    note_memory(c);
    if (c->outlen[0] | c->outlen[1]) {
        flush_output(c, 0);
        flush_output(c, 1);
    }
    return t;
}

int host_start_instance(host_component *c, char *why, size_t whylen)
{
    wactor_runtime *rt = c->rt;
    const wa_module *m = c->ver.module->m;
    uint32_t nimports = wa_module_num_imports(m);
    wa_extern *ext = calloc(nimports ? nimports : 1, sizeof *ext);
    if (!ext)
        return snprintf(why, whylen, "out of memory"), WACTOR_ENOMEM;

    const char *argv[] = {c->proc.name};
    wasi_preopen *pre = calloc(c->ver.nfiles + 1, sizeof *pre);
    if (!pre) {
        free(ext);
        return snprintf(why, whylen, "out of memory"), WACTOR_ENOMEM;
    }
    for (size_t i = 0; i < c->ver.nfiles; i++)
        pre[i] = (wasi_preopen){c->ver.files[i].path, c->ver.files[i].name, c->ver.files[i].write};
    wasi_options wo = {.argc = 1,
                       .argv = argv,
                       .envp = (const char *const *)c->ver.env,
                       .caps = c->ver.wasi_caps,
                       .output = guest_output,
                       .output_arg = c,
                       .denied = wasi_refused,
                       .denied_arg = c,
                       .preopens = pre,
                       .npreopens = c->ver.nfiles};
    errno = 0;
    c->wasi = wasi_ctx_new(&wo);
    int rc = c->wasi ? WACTOR_OK : WACTOR_ENOMEM;
    if (!c->wasi && errno != 0 && errno != ENOMEM) {
        int e = errno;
        rc = WACTOR_EINVAL;
        snprintf(why, whylen, "files capability: cannot open a folder: %s", strerror(e));
    } else if (!c->wasi) {
        snprintf(why, whylen, "out of memory");
    }
    free(pre);
    for (uint32_t i = 0; rc == WACTOR_OK && i < nimports; i++) {
        wa_name module, field;
        wa_externtype type;
        wa_module_import(m, i, &module, &field, &type);
        int k =
            module.len == 6 && memcmp(module.ptr, "wactor", 6) == 0 ? host_import_index(field) : -1;
        if (k >= 0) {
            ext[i].kind = WA_EXTERN_FUNC;
            ext[i].u.func = rt->imports[k];
        } else if (!wasi_resolve(c->wasi, module, field, &ext[i])) {
            snprintf(why, whylen, "import %.*s.%.*s is not provided by wactor", (int)module.len,
                     module.ptr, (int)field.len, field.ptr);
            rc = WACTOR_EMODULE;
        }
    }
    uint64_t pages = c->ver.limits.memory / WA_PAGE_SIZE;
    const wa_native *native = NULL;
    if (rc == WACTOR_OK && c->ver.tier != WACTOR_TIER_INTERP) {
        char nowhy[240];
        bool must = c->ver.tier == WACTOR_TIER_AOT;
        native = host_module_native(rt, c->proc.name, c->ver.module, must ? why : nowhy,
                                    must ? whylen : sizeof nowhy);
        if (!native && must)
            rc = WACTOR_EMODULE; /* tier aot: compiled or not at all */
    }
    if (rc == WACTOR_OK) {
        wa_config cfg = {.max_memory_pages = pages > WA_MAX_PAGES ? WA_MAX_PAGES : (uint32_t)pages,
                         .max_call_depth = c->ver.limits.stack,
                         .fuel = c->ver.limits.fuel > 0 ? c->ver.limits.fuel : 0,
                         .mempool = rt->mempool,
                         .native = native};
        wa_error err;
        c->inst = wa_instantiate(m, ext, nimports, &cfg, &err);
        if (!c->inst) {
            snprintf(why, whylen, "%s", err.msg);
            rc = err.kind == WA_ERR_NOMEM ? WACTOR_ENOMEM : WACTOR_EMODULE;
        } else {
            atomic_store_explicit(&c->tier_now, native ? WACTOR_TIER_AOT : WACTOR_TIER_INTERP,
                                  memory_order_relaxed);
        }
    }
    free(ext);

    wa_func *initialize = NULL, *init = NULL;
    if (rc == WACTOR_OK) {
        wa_instance_set_userdata(c->inst, c);
        c->on_message = export_func(c->inst, HOST_ON_MESSAGE);
        c->on_callback = export_func(c->inst, HOST_ON_CALLBACK);
        c->on_shutdown = export_func(c->inst, HOST_ON_SHUTDOWN);
        initialize = export_func(c->inst, HOST_INITIALIZE);
        init = export_func(c->inst, HOST_INIT);
    }
    wa_val result = {0};
    wa_trap t = WA_TRAP_NONE;
    c->starting_up = true;
    if (rc == WACTOR_OK)
        note_memory(c);
    if (rc == WACTOR_OK && initialize)
        t = host_run_guest(c, initialize, NULL, NULL);
    if (rc == WACTOR_OK && t == WA_TRAP_NONE && init)
        t = host_run_guest(c, init, NULL, &result);
    c->starting_up = false;
    uint32_t code = 1;
    c->start_exited = t == WA_TRAP_EXIT && wasi_exited(c->wasi, &code) && code == 0;
    if (rc == WACTOR_OK && (t != WA_TRAP_NONE || result.i32 != 0)) {
        if (c->start_exited)
            snprintf(why, whylen, "exited during start-up (proc_exit(0))");
        else if (t != WA_TRAP_NONE)
            snprintf(why, whylen, "start-up trapped: %s", wa_instance_trap_message(c->inst));
        else
            snprintf(why, whylen, "wactor_init returned %d", (int)result.i32);
        rc = WACTOR_ESTART;
    }
    if (rc != WACTOR_OK)
        host_drop_instance(c);
    else
        host_health_started(c);
    c->healthy = false;
    return rc;
}

/* ---- delivery ----------------------------------------------------------- */

/* Control messages: the owner's requests that must run on the
 * component's turn, in order with its mail. */
enum { CTL_STOP, CTL_UPGRADE, CTL_START };

/* What an upgrade brings: the new version and capabilities, made and
 * checked by wactor_upgrade's thread; whatever the turn does not take over
 * (the old version, on success) is freed by that thread afterwards. */
typedef struct host_control {
    int kind;
    /* Nobody waits (a child's start, a stop asked by a parent): the turn
     * frees it. */
    bool async;
    /* The caller waits for done. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    /* CTL_STOP: what monitors are told (NULL: "stopped"). */
    const char *reason;
    /* CTL_UPGRADE: the new version in, the result and its reason out. */
    host_next *version;
    int result;
    char why[256];
} host_control;

static void control_done(host_control *ctl)
{
    if (ctl->async) {
        free(ctl);
        return;
    }
    pthread_mutex_lock(&ctl->lock);
    ctl->done = true;
    pthread_cond_signal(&ctl->cond);
    pthread_mutex_unlock(&ctl->lock);
}

static void stop_now(host_component *c, host_control *st)
{
    if (c->inst && c->on_shutdown) {
        wa_trap t = host_run_guest(c, c->on_shutdown, NULL, NULL);
        uint32_t code = 1;
        bool clean = t == WA_TRAP_EXIT && wasi_exited(c->wasi, &code) && code == 0;
        if (t != WA_TRAP_NONE && !clean)
            host_logf(c->rt, WACTOR_LOG_WARN, c->proc.name, "wactor_on_shutdown trapped: %s",
                      wa_instance_trap_message(c->inst));
    }
    host_drop_instance(c);
    if (!atomic_load(&c->proc.stopped)) {
        const char *why = st->reason ? st->reason : "stopped";
        host_set_state(c, st->reason ? WACTOR_STATE_FAILED : WACTOR_STATE_STOPPED);
        msg_proc_stopped(&c->proc, why);
        host_logf(c->rt, st->reason ? WACTOR_LOG_WARN : WACTOR_LOG_DEBUG, c->proc.name,
                  "stopped%s%s", st->reason ? " for good: " : "", st->reason ? why : "");
        host_audit(c->rt, c->proc.name, "stop", NULL, 0, "ok", why);
        host_down(c, why);
    }
    control_done(st);
}

/* ---- upgrade ------------------------------------------------------------
 * On the component's turn, between two messages: the old version may save
 * its state (wactor_on_upgrade), then the new instance is made and started
 * beside the old one, and only once its wactor_init has succeeded is the
 * old one dropped. Anything failing before that leaves the old instance
 * exactly as it was: the upgrade is rolled back. The proc (name, mailbox,
 * pending requests with their incarnation, received requests,
 * subscriptions) is not touched, so queued mail and callbacks go to
 * whichever version runs when they come up. */

/* The fields of c that belong to one version. */
/* What one version runs with: the version and its instance. */
typedef struct host_running {
    host_version ver;
    wa_instance *inst;
    wasi_ctx *wasi;
    wa_func *on_message, *on_callback, *on_shutdown;
    bool healthy;
    int tier_now;
} host_running;

static host_running running_of(const host_component *c)
{
    return (host_running){c->ver,         c->inst,
                          c->wasi,        c->on_message,
                          c->on_callback, c->on_shutdown,
                          c->healthy,     atomic_load_explicit(&c->tier_now, memory_order_relaxed)};
}

static void set_running(host_component *c, const host_running *r)
{
    c->ver = r->ver;
    c->inst = r->inst;
    c->wasi = r->wasi;
    c->on_message = r->on_message;
    c->on_callback = r->on_callback;
    c->on_shutdown = r->on_shutdown;
    c->healthy = r->healthy;
    atomic_store_explicit(&c->tier_now, r->tier_now, memory_order_relaxed);
}

static void free_strings(char **v);

static void upgrade_now(host_component *c, host_control *ctl)
{
    host_next *v = ctl->version;
    ctl->result = WACTOR_OK;
    atomic_fetch_sub(&c->upgrades_waiting, 1);
    if (atomic_load(&c->proc.stopped) || !c->inst) {
        /* Stopped meanwhile, or it crashed into a back-off after the upgrade
         * was asked for: nothing to replace. */
        bool stopped = atomic_load(&c->proc.stopped);
        ctl->result = stopped ? WACTOR_ENOTFOUND : WACTOR_ESTATE;
        snprintf(ctl->why, sizeof ctl->why, "%s",
                 stopped ? "the component has stopped"
                         : "the component crashed before the upgrade's turn; upgrade it once it "
                           "runs again");
        control_done(ctl);
        if (!stopped && !atomic_load(&c->stop_requested) && atomic_load(&c->upgrades_waiting) == 0)
            host_restart(c); /* the back-off that ended skipped it for this turn */
        return;
    }
    wa_func *on_upgrade = export_func(c->inst, HOST_ON_UPGRADE);
    if (on_upgrade) {
        wa_val result = {0};
        c->phase = HOST_PHASE_SAVING;
        wa_trap t = host_run_guest(c, on_upgrade, NULL, &result);
        c->phase = HOST_PHASE_NONE;
        if (t != WA_TRAP_NONE || result.i32 != 0) {
            /* The old version refused (or could not say yes): it goes on. A
             * trap here is not a crash: nothing was being handled, and the
             * export's answer is only "not now". */
            if (t != WA_TRAP_NONE)
                snprintf(ctl->why, sizeof ctl->why, "wactor_on_upgrade trapped: %s",
                         wa_instance_trap_message(c->inst));
            else
                snprintf(ctl->why, sizeof ctl->why, "wactor_on_upgrade returned %d",
                         (int)result.i32);
            ctl->result = WACTOR_ESTATE;
        }
    }
    if (ctl->result == WACTOR_OK) {
        host_running old = running_of(c);
        host_running next = {.ver = v->ver};
        set_running(c, &next);
        c->phase = HOST_PHASE_LOADING;
        host_timers_mark(c);
        msg_subs_renew_begin(&c->proc);
        ctl->result = host_start_instance(c, ctl->why, sizeof ctl->why);
        msg_subs_renew_end(&c->proc, ctl->result == WACTOR_OK);
        c->phase = HOST_PHASE_NONE;
        if (ctl->result == WACTOR_OK) {
            /* The new version runs: the old one's belongings go back to
             * the caller, which frees them (outside the turn). */
            wa_instance_free(old.inst);
            wasi_ctx_free(old.wasi);
            v->ver = old.ver; /* the caller frees it */
            msg_proc_reconfigure(&c->proc, v->caps, c->ver.limits.mailbox, c->ver.limits.pending);
            v->caps = (msg_caps){0};
            c->healthy = false; /* as any fresh instance: no message handled yet */
        } else {
            /* host_start_instance dropped the new instance: back to the old. */
            set_running(c, &old);
            c->start_exited = false;
            note_memory(c);
        }
    }
    free(c->saved);
    c->saved = NULL;
    c->saved_len = 0;
    if (ctl->result == WACTOR_OK) {
        host_logf(c->rt, WACTOR_LOG_INFO, c->proc.name, "upgraded");
        host_audit(c->rt, c->proc.name, "upgrade", NULL, 0, "ok", "upgraded");
    } else {
        /* Refused by the old version (ESTATE), or the new one failed to start. */
        const char *what = ctl->result == WACTOR_ESTATE ? "aborted" : "rolled back";
        char why[300];
        snprintf(why, sizeof why, "%s: %s", what, ctl->why);
        host_logf(c->rt, WACTOR_LOG_WARN, c->proc.name, "upgrade %s", why);
        host_audit(c->rt, c->proc.name, "upgrade", NULL, 0, "ok", why);
    }
    control_done(ctl);
}

/* One message through the guest: the envelope is `current` while the
 * handler runs, so msg_sender/msg_payload/msg_topic can read it. */
static msg_outcome deliver(msg_proc *p, msg_envelope *e)
{
    host_component *c = (host_component *)p;
    /* A child's start-up is its first turn, before anything else it gets
     * (mail may reach the name before the start is posted). */
    if (c->needs_start)
        host_child_start(c);
    /* A restart with its group: after the message in hand, before this one. */
    if (atomic_load_explicit(&c->group_due, memory_order_relaxed))
        host_group_turn(c);
    if (e->kind == MSG_CONTROL) {
        if (host_timer_control(c, e) || host_health_control(c, e) || host_group_control(c, e))
            return MSG_HANDLED;
        host_control *ctl = e->control;
        if (ctl->kind == CTL_START)
            control_done(ctl);
        else if (ctl->kind == CTL_UPGRADE)
            upgrade_now(c, ctl);
        else
            stop_now(c, ctl);
        return MSG_HANDLED;
    }
    if (!c->inst)
        return MSG_CRASHED;
    wa_val args[3], result = {0};
    wa_func *f;
    if (e->kind == MSG_CALLBACK) {
        f = c->on_callback;
        args[0].i64 = (uint64_t)e->corr;
        args[1].i32 = (uint32_t)e->status;
        args[2].i32 = e->payload_len;
    } else {
        MSG_COUNT_OWN(p->n_received);
        MSG_COUNT_EDGE(p, msg_env_sender(e), e->sender_len);
        f = c->on_message;
        args[0].i32 = e->sender_len;
        args[1].i32 = e->payload_len;
        args[2].i64 = (uint64_t)e->corr;
    }
    if (!f)
        return MSG_HANDLED;
    c->current = e;
    if (c->rt->tracing || e->hdr_len) /* else no span: the common case costs this test */
        host_span_begin(c, e);
#ifndef MSG_NO_COUNTERS
    uint64_t t0 = host_clock_ticks();
    wa_trap t = host_run_guest(c, f, args, &result);
    host_count_handler(c, host_clock_ticks() - t0);
#else
    wa_trap t = host_run_guest(c, f, args, &result);
#endif
    if (c->span.active)
        host_span_end(c, e, t != WA_TRAP_NONE ? host_crash_reason(t) : result.i32 ? "error" : "ok");
    c->current = NULL;
    if (t == WA_TRAP_NONE) {
        c->healthy |= result.i32 == 0; /* a handler that reports failure is no proof */
        return result.i32 ? MSG_HANDLER_FAILED : MSG_HANDLED;
    }
    host_crashed(c, t);
    return MSG_CRASHED;
}

/* The router's word that a subscriber's mailbox was full (msg_dropped_fn). */
void host_publication_dropped(void *arg, msg_proc *subscriber, const char *topic, size_t tlen,
                              const char *sender, size_t slen)
{
    host_logf(arg, WACTOR_LOG_DEBUG, subscriber->name,
              "publication on %.*s from %.*s dropped: mailbox full", (int)tlen, topic, (int)slen,
              sender);
}

/* ---- spawn and stop ----------------------------------------------------- */

static char **copy_strings(const char *const *v, size_t n, bool *ok)
{
    if (!n)
        return NULL;
    char **out = calloc(n + 1, sizeof *out);
    if (!out) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!(out[i] = strdup(v[i])))
            *ok = false;
    return out;
}

static void free_strings(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* Copies a capability list, checking each entry with valid(); `expected`
 * says what an entry must be. */
static int copy_list(wactor_runtime *rt, const char *what, const wactor_patterns *in,
                     msg_patterns *out, bool (*valid)(const char *, size_t), const char *expected)
{
    out->v = NULL;
    out->n = 0;
    for (size_t i = 0; i < in->n; i++)
        if (!in->v || !in->v[i] || !valid(in->v[i], strlen(in->v[i])))
            return host_fail(rt, WACTOR_EINVAL, "capability %s: \"%s\" is not %s", what,
                             in->v && in->v[i] ? in->v[i] : "(null)", expected);
    bool ok = true;
    out->v = copy_strings(in->v, in->n, &ok);
    out->n = in->n;
    return ok ? WACTOR_OK : host_fail(rt, WACTOR_ENOMEM, "out of memory");
}

static int copy_patterns(wactor_runtime *rt, const char *what, const wactor_patterns *in,
                         msg_patterns *out)
{
    return copy_list(rt, what, in, out, msg_pattern_valid, "a valid pattern");
}

static wactor_module *module_of(wactor_runtime *rt, const wactor_component_options *o)
{
    if (o->module) {
        atomic_fetch_add(&o->module->refs, 1);
        return o->module;
    }
    if (o->path)
        return wactor_module_load_file(rt, o->path);
    if (o->bytes)
        return wactor_module_load(rt, o->bytes, o->len);
    host_fail(rt, WACTOR_EINVAL, "no module given");
    return NULL;
}

/* The module's first problem as a component with c's limits (abi.c), if it
 * has any: the same check as wactor_module_check, which lists them all. */
static int refused(wactor_runtime *rt, const wactor_module *m, const wactor_limits *limits)
{
    wactor_problems problems;
    int n = host_abi_check(m->m, limits, &problems);
    if (n == 0)
        return WACTOR_OK;
    if (n < 0)
        return host_fail(rt, WACTOR_ENOMEM, "out of memory");
    host_fail(rt, WACTOR_EMODULE, "%s%s", problems.v[0].text,
              n > 1 ? " (and more: wactor validate or wactor_module_check lists them)" : "");
    wactor_problems_free(&problems);
    return WACTOR_EMODULE;
}

/* Registers c's name and lists it among the runtime's components. */
static int publish(wactor_runtime *rt, host_component *c)
{
    pthread_mutex_lock(&rt->lock);
    if (rt->nall == rt->capall) {
        size_t cap = rt->capall ? rt->capall * 2 : 16;
        host_component **all = realloc(rt->all, cap * sizeof *all);
        if (all) {
            rt->all = all;
            rt->capall = cap;
        }
    }
    int rc = rt->nall < rt->capall ? msg_register(rt->router, &c->proc) : WACTOR_ENOMEM;
    if (rc == WACTOR_OK) {
        rt->all[rt->nall++] = c;
        host_group_join(rt, c);
    }
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

/* A start-up that leaves no component: the name goes back, and the mail
 * that reached it meanwhile is settled as a stopped component's is
 * (requests get FAILED "stopped") by the turn that follows the release.
 * The component is no longer listed, but it is freed only with the
 * runtime: a sender that has just looked the name up may still post to
 * it. */
static void withdraw(wactor_runtime *rt, host_component *c)
{
    host_set_state(c, WACTOR_STATE_FAILED);
    msg_proc_stopped(&c->proc, "stopped");
    pthread_mutex_lock(&rt->lock);
    for (size_t i = rt->nall; i-- > 0;) {
        if (rt->all[i] == c) {
            memmove(&rt->all[i], &rt->all[i + 1], (rt->nall - i - 1) * sizeof *rt->all);
            rt->nall--;
            break;
        }
    }
    c->next_withdrawn = rt->withdrawn;
    rt->withdrawn = c;
    pthread_mutex_unlock(&rt->lock);
    wactor_module_free(c->ver.module); /* nothing will instantiate it again */
    c->ver.module = NULL;
    host_down(c, "crashed: start");
    rt_actor_release(&c->proc.actor);
}

/* The runtime whose component this thread is starting (its guest code runs
 * here, and the log and audit callbacks it causes too), else NULL. */
static _Thread_local const wactor_runtime *starting_here;

bool host_starting_here(const wactor_runtime *rt)
{
    return starting_here == rt;
}

static wactor_limits limits_of(const wactor_component_options *o)
{
    wactor_limits l = o->limits;
    if (!l.memory)
        l.memory = HOST_DEFAULT_MEMORY;
    if (!l.time_ms)
        l.time_ms = HOST_DEFAULT_TIME_MS;
    if (!l.stack)
        l.stack = HOST_DEFAULT_STACK;
    if (!l.mailbox)
        l.mailbox = HOST_DEFAULT_MAILBOX;
    if (!l.pending)
        l.pending = HOST_DEFAULT_PENDING;
    if (!l.timers)
        l.timers = HOST_DEFAULT_TIMERS;
    return l;
}

/* The checks of options that need nothing made yet (spawn and upgrade). */
static int check_options(wactor_runtime *rt, const wactor_component_options *o)
{
    if ((o->module != NULL) + (o->path != NULL) + (o->bytes != NULL) != 1)
        return host_fail(rt, WACTOR_EINVAL, "give exactly one of module, path, bytes");
    if (o->limits.memory && o->limits.memory < WA_PAGE_SIZE)
        return host_fail(rt, WACTOR_EINVAL, "memory limit under one page (64 KiB)");
    if (o->limits.stack > HOST_MAX_STACK)
        return host_fail(rt, WACTOR_EINVAL, "stack limit over %u", HOST_MAX_STACK);
    return WACTOR_OK;
}

static int copy_caps(wactor_runtime *rt, const wactor_component_options *o, msg_caps *caps)
{
    int rc = copy_patterns(rt, "send", &o->send, &caps->send);
    if (rc == WACTOR_OK)
        rc = copy_patterns(rt, "request", &o->request, &caps->request);
    if (rc == WACTOR_OK)
        rc = copy_patterns(rt, "publish", &o->publish, &caps->publish);
    if (rc == WACTOR_OK)
        rc = copy_patterns(rt, "subscribe", &o->subscribe, &caps->subscribe);
    if (rc == WACTOR_OK)
        rc = copy_list(rt, "http", &o->http, &caps->http, msg_http_grant_valid,
                       "a host or host:port (\"*\" only as the first label)");
    return rc;
}

static void patterns_free(msg_patterns *p)
{
    free_strings(p->v);
    p->v = NULL;
    p->n = 0;
}

static void files_free(host_files *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++) {
        free(f[i].name);
        free(f[i].path);
    }
    free(f);
}

/* Copies n grants into *out; false when out of memory (*out then freeable). */
static bool files_copy(const wactor_files_grant *in, size_t n, host_files **out)
{
    *out = n ? calloc(n, sizeof **out) : NULL;
    if (n && !*out)
        return false;
    for (size_t i = 0; i < n; i++) {
        (*out)[i].name = strdup(in[i].name);
        (*out)[i].path = strdup(in[i].path);
        (*out)[i].write = in[i].write;
        if (!(*out)[i].name || !(*out)[i].path)
            return false;
    }
    return true;
}

/* A preopen name: 1..255 bytes of [A-Za-z0-9._-], not "." or "..". */
static bool files_name_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 255 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
            return false;
    return true;
}

static void version_free(host_next *v)
{
    files_free(v->ver.files, v->ver.nfiles);
    v->ver.files = NULL;
    wactor_module_free(v->ver.module);
    free(v->ver.config);
    free_strings(v->ver.env);
    patterns_free(&v->ver.spawn);
    msg_caps_free(&v->caps);
}

void host_version_free(host_next *v)
{
    version_free(v);
}

static bool copy_patterns_list(const msg_patterns *in, msg_patterns *out)
{
    bool ok = true;
    out->v = copy_strings((const char *const *)in->v, in->n, &ok);
    out->n = in->n;
    return ok;
}

int host_version_clone(const host_next *from, const uint8_t *config, size_t clen, host_next *to)
{
    memset(to, 0, sizeof *to);
    to->ver = from->ver;
    to->ver.config = NULL;
    to->ver.config_len = 0;
    to->ver.env = NULL;
    to->ver.spawn = (msg_patterns){0};
    to->ver.files = NULL;
    atomic_fetch_add(&to->ver.module->refs, 1);
    size_t nenv = 0;
    while (from->ver.env && from->ver.env[nenv])
        nenv++;
    bool ok = true;
    to->ver.env = copy_strings((const char *const *)from->ver.env, nenv, &ok);
    ok = copy_patterns_list(&from->ver.spawn, &to->ver.spawn) && ok;
    host_files *files = NULL;
    if (from->ver.nfiles > 0 && (files = calloc(from->ver.nfiles, sizeof *files)) != NULL) {
        to->ver.files = files;
        for (size_t i = 0; i < from->ver.nfiles; i++) {
            files[i].name = strdup(from->ver.files[i].name);
            files[i].path = strdup(from->ver.files[i].path);
            files[i].write = from->ver.files[i].write;
            ok = files[i].name && files[i].path && ok;
        }
    } else if (from->ver.nfiles > 0) {
        to->ver.nfiles = 0;
        ok = false;
    }
    ok = copy_patterns_list(&from->caps.send, &to->caps.send) && ok;
    ok = copy_patterns_list(&from->caps.request, &to->caps.request) && ok;
    ok = copy_patterns_list(&from->caps.publish, &to->caps.publish) && ok;
    ok = copy_patterns_list(&from->caps.subscribe, &to->caps.subscribe) && ok;
    ok = copy_patterns_list(&from->caps.http, &to->caps.http) && ok;
    if (clen && (to->ver.config = malloc(clen)) != NULL)
        memcpy(to->ver.config, config, clen);
    else if (clen)
        ok = false;
    to->ver.config_len = clen;
    return ok ? WACTOR_OK : WACTOR_ENOMEM;
}
/* A version and capabilities from the options (spawn's and upgrade's): the
 * settings copied, the module loaded and checked against the ABI with the
 * new limits. On failure *v holds what was made so far, for version_free
 * (or, for spawn, the component's own free). */
static int version_make(wactor_runtime *rt, const wactor_component_options *o, host_next *v)
{
    v->ver.restart = o->restart;
    if (o->tier < WACTOR_TIER_DEFAULT || o->tier > WACTOR_TIER_AOT)
        return host_fail(rt, WACTOR_EINVAL, "tier: %d is no wactor_tier", o->tier);
    v->ver.tier = o->tier ? o->tier : rt->opts.tier ? rt->opts.tier : WACTOR_TIER_AUTO;
    v->ver.limits = limits_of(o);
    v->ver.storage = o->storage;
    v->ver.wasi_caps = o->wasi & WASI_CAP_ALL & ~(unsigned)WASI_CAP_STDIN;
    if (o->nfiles > 0 && o->files == NULL)
        return host_fail(rt, WACTOR_EINVAL, "files: %zu grants but no array", o->nfiles);
    if (o->nfiles > 64)
        return host_fail(rt, WACTOR_EINVAL, "files: %zu grants, at most 64", o->nfiles);
    for (size_t i = 0; i < o->nfiles; i++) {
        if (!files_name_valid(o->files[i].name))
            return host_fail(rt, WACTOR_EINVAL,
                             "files: grant %zu: the name must be 1..255 bytes of "
                             "[A-Za-z0-9._-], not . or ..",
                             i);
        if (o->files[i].path == NULL || o->files[i].path[0] == '\0')
            return host_fail(rt, WACTOR_EINVAL, "files: grant %zu: no folder", i);
    }
    v->ver.nfiles = o->nfiles;
    if (!files_copy(o->files, o->nfiles, &v->ver.files))
        return host_fail(rt, WACTOR_ENOMEM, "out of memory");
    v->ver.health_ms = o->health.interval_ms ? o->health.interval_ms : HOST_DEFAULT_HEALTH_MS;
    v->ver.health_unhealthy = o->health.unhealthy ? o->health.unhealthy : HOST_DEFAULT_UNHEALTHY;
    int rc = copy_caps(rt, o, &v->caps);
    if (rc == WACTOR_OK)
        rc = copy_list(rt, "spawn", &o->spawn, &v->ver.spawn, msg_pattern_valid,
                       "a valid pattern of template names");
    if (rc != WACTOR_OK)
        return rc;
    size_t nenv = 0;
    while (o->env && o->env[nenv])
        nenv++;
    bool ok = true;
    v->ver.env = copy_strings(o->env, nenv, &ok);
    if (o->config_len && (v->ver.config = malloc(o->config_len)) != NULL)
        memcpy(v->ver.config, o->config, o->config_len);
    else if (o->config_len)
        ok = false;
    v->ver.config_len = o->config_len;
    if (!ok)
        return host_fail(rt, WACTOR_ENOMEM, "out of memory");
    if (!(v->ver.module = module_of(rt, o)))
        return host_fail(rt, WACTOR_EMODULE, "%s", wactor_errmsg(rt));
    return refused(rt, v->ver.module, &v->ver.limits);
}

int host_version_make(wactor_runtime *rt, const wactor_component_options *o, host_next *v)
{
    int rc = check_options(rt, o);
    return rc == WACTOR_OK ? version_make(rt, o, v) : rc;
}

int host_spawn_deferred(wactor_runtime *rt, const char *name, host_next *v, host_component *parent)
{
    host_component *c = calloc(1, sizeof *c);
    if (!c) {
        version_free(v);
        return WACTOR_ENOMEM;
    }
    c->rt = rt;
    c->ver = v->ver;
    c->parent = parent;
    c->needs_start = true;
    msg_proc_init(&c->proc, rt->router, name, strlen(name), deliver, c->ver.limits.mailbox,
                  c->ver.limits.pending, v->caps);
    host_control *start = calloc(1, sizeof *start);
    int rc = start ? publish(rt, c) : WACTOR_ENOMEM;
    if (rc != WACTOR_OK) {
        free(start);
        host_component_free(c);
        return rc;
    }
    /* The start-up runs on the child's own turn (host_child_start), not on
     * the caller's worker: the caller's stack is in use by its own guest,
     * and a child's wactor_init may spawn in turn. The control makes sure
     * that turn comes even if no mail does. */
    start->kind = CTL_START;
    start->async = true;
    if (msg_post_control(&c->proc, start) != WACTOR_OK) {
        free(start);
        host_child_start(c); /* no turn is coming: start here, as the host API does */
    }
    return WACTOR_OK;
}

void host_stop_async(host_component *c)
{
    host_stop_async_reason(c, NULL);
}

void host_stop_async_reason(host_component *c, const char *reason)
{
    host_control *st = calloc(1, sizeof *st);
    if (atomic_exchange(&c->stop_requested, true) || !st) {
        free(st);
        return;
    }
    st->kind = CTL_STOP;
    st->async = true;
    st->reason = reason;
    if (msg_post_control(&c->proc, st) != WACTOR_OK) {
        free(st);
        return;
    }
    msg_proc_close(&c->proc);
    rt_actor_wake(&c->proc.actor);
}

int host_spawn(wactor_runtime *rt, const wactor_component_options *o)
{
    if (!o || !o->name || !msg_name_valid(o->name, strlen(o->name)))
        return host_fail(rt, WACTOR_EINVAL, "invalid component name \"%s\"",
                         o && o->name ? o->name : "(null)");
    int rc = check_options(rt, o);
    if (rc != WACTOR_OK)
        return rc;
    /* A first look, so that a taken name costs no compilation; registering
     * decides. */
    if (msg_lookup(rt->router, o->name, strlen(o->name)).kind != MSG_DEST_NONE)
        return host_fail(rt, WACTOR_EEXIST, "a component named %s is already running", o->name);

    host_component *c = calloc(1, sizeof *c);
    if (!c)
        return host_fail(rt, WACTOR_ENOMEM, "out of memory");
    c->rt = rt;
    atomic_init(&c->health_last, -1);
    atomic_init(&c->tier_now, 0);
    host_next next;
    memset(&next, 0, sizeof next);
    rc = version_make(rt, o, &next);
    c->ver = next.ver;
    msg_proc_init(&c->proc, rt->router, o->name, strlen(o->name), deliver, c->ver.limits.mailbox,
                  c->ver.limits.pending, next.caps);
    if (rc != WACTOR_OK) {
        host_component_free(c);
        return rc;
    }

    /* The name is the component's from here on, before anything runs: a
     * taken name is refused at once, and wactor_init may message itself.
     * The actor is held until the start-up is over: mail sent to the name
     * meanwhile (by wactor_init or anyone else) waits in the mailbox, and
     * no worker runs the actor while this thread runs its instance. */
    rt_actor_hold(&c->proc.actor);
    rc = publish(rt, c);
    if (rc != WACTOR_OK) {
        host_component_free(c);
        return host_fail(rt, rc, "%s",
                         rc == WACTOR_EEXIST ? "the name is already in use" : "out of memory");
    }
    /* From here to the end of the spawn, callbacks on this thread (the log
     * lines of wactor_init, the spawn's audit line) must not wait for it. */
    starting_here = rt;
    char why[256];
    pthread_mutex_lock(&rt->spawn_lock);
    int started = host_start_instance(c, why, sizeof why);
    pthread_mutex_unlock(&rt->spawn_lock);
    if (started != WACTOR_OK) /* what the failed start asked for is withdrawn */
        msg_proc_crashed(&c->proc, c->start_exited ? "exited" : "failed to start");
    /* A module that cannot make a component is the caller's error; a
     * component that fails to start is a crash like any other: its
     * supervisor takes over (unless it would not restart anyway). */
    bool exited = started == WACTOR_ESTART && c->start_exited; /* proc_exit(0): no failure */
    bool restarts = c->ver.restart != WACTOR_RESTART_TEMPORARY && rt->opts.max_restarts > 0;
    if ((started != WACTOR_OK && started != WACTOR_ESTART) ||
        (started == WACTOR_ESTART && !restarts && !exited)) {
        withdraw(rt, c);
        starting_here = NULL;
        return host_fail(rt, started, "%s", why);
    }
    host_audit(rt, c->proc.name, "spawn", NULL, 0, "ok", started == WACTOR_OK ? "started" : why);
    if (started == WACTOR_ESTART) {
        /* Still held: supervise as the component's own turn would, then let
         * go (the back-off timer, or the stop, takes it from there). */
        host_supervise_held(c, host_start_failed(c, "failed to start", why));
    } else {
        host_set_state(c, WACTOR_STATE_RUNNING);
        rt_actor_release(&c->proc.actor);
    }
    starting_here = NULL;
    if (started == WACTOR_ESTART && !exited)
        return host_fail(rt, WACTOR_ESTART, "%s", why);
    if (started == WACTOR_OK)
        host_logf(rt, WACTOR_LOG_DEBUG, c->proc.name, "started");
    return WACTOR_OK;
}

int host_stop(wactor_runtime *rt, host_component *c)
{
    (void)rt; /* from a callback during a start-up here, the API refuses (host_starting_here) */
    host_control st = {.kind = CTL_STOP, .done = false};
    pthread_mutex_init(&st.lock, NULL);
    pthread_cond_init(&st.cond, NULL);
    atomic_store(&c->stop_requested, true);
    int rc = msg_post_control(&c->proc, &st);
    if (rc == WACTOR_OK) {
        msg_proc_close(&c->proc);      /* mail already queued is handled first */
        rt_actor_wake(&c->proc.actor); /* a restart back-off need not run out */
        pthread_mutex_lock(&st.lock);
        while (!st.done)
            pthread_cond_wait(&st.cond, &st.lock);
        pthread_mutex_unlock(&st.lock);
    }
    pthread_mutex_destroy(&st.lock);
    pthread_cond_destroy(&st.cond);
    return rc == WACTOR_OK ? WACTOR_OK : WACTOR_ENOMEM;
}

int host_upgrade(wactor_runtime *rt, host_component *c, const wactor_component_options *o)
{
    if (!o)
        return host_fail(rt, WACTOR_EINVAL, "no options");
    if (o->name && strcmp(o->name, c->proc.name) != 0)
        return host_fail(rt, WACTOR_EINVAL, "options name %s, not the component's (%s)", o->name,
                         c->proc.name);
    int rc = check_options(rt, o);
    if (rc != WACTOR_OK)
        return rc;
    host_next v;
    memset(&v, 0, sizeof v);
    rc = version_make(rt, o, &v);
    if (rc == WACTOR_EMODULE) { /* the old version was never touched, but say so */
        char why[300];
        snprintf(why, sizeof why, "refused: %s", wactor_errmsg(rt));
        host_logf(rt, WACTOR_LOG_WARN, c->proc.name, "upgrade %s", why);
        host_audit(rt, c->proc.name, "upgrade", NULL, 0, "ok", why);
    }
    if (rc != WACTOR_OK) {
        version_free(&v);
        return rc;
    }

    host_control ctl = {.kind = CTL_UPGRADE, .done = false, .version = &v};
    pthread_mutex_init(&ctl.lock, NULL);
    pthread_cond_init(&ctl.cond, NULL);
    /* A component in a crash loop has no instance to replace, and its
     * back-off would keep the upgrade from its turn: refused at once. */
    int state = atomic_load(&c->state);
    if (state == WACTOR_STATE_BACKING_OFF || state == WACTOR_STATE_RESTARTING) {
        version_free(&v);
        return host_fail(rt, WACTOR_ESTATE,
                         "component %s is %s after crashes: upgrade it once it runs, or stop it "
                         "and spawn it again",
                         c->proc.name, wactor_state_name(state));
    }
    atomic_fetch_add(&c->upgrades_waiting, 1);
    rc = msg_post_control(&c->proc, &ctl);
    if (rc != WACTOR_OK)
        atomic_fetch_sub(&c->upgrades_waiting, 1);
    else
        rt_actor_wake(&c->proc.actor); /* a back-off that began meanwhile ends now */
    if (rc == WACTOR_OK) {
        pthread_mutex_lock(&ctl.lock);
        while (!ctl.done)
            pthread_cond_wait(&ctl.cond, &ctl.lock);
        pthread_mutex_unlock(&ctl.lock);
        rc = ctl.result;
    } else {
        snprintf(ctl.why, sizeof ctl.why, "out of memory");
    }
    pthread_mutex_destroy(&ctl.lock);
    pthread_cond_destroy(&ctl.cond);
    version_free(&v); /* the old version's belongings, or the refused new one's */
    if (rc != WACTOR_OK)
        return host_fail(rt, rc, "%s", ctl.why);
    return WACTOR_OK;
}

void host_component_free(host_component *c)
{
    if (!c)
        return;
    host_timers_free(c); /* first: dropping the instance would stop them on the freed heap */
    host_drop_instance(c);
    msg_proc_fini(&c->proc);
    wactor_module_free(c->ver.module);
    free(c->ver.config);
    free_strings(c->ver.env);
    patterns_free(&c->ver.spawn);
    files_free(c->ver.files, c->ver.nfiles);
    free(c->restart_times);
    free(c->saved);
    host_answers_free(c);
    host_span_free(c);
    free(c);
}
