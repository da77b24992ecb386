/*
 * monitors.c: monitor, demonitor and the `@down` messages (ABI.md,
 * "Children and monitors").
 *
 * One table per runtime of live references (watcher, target), under
 * mon_lock. A reference leaves the table exactly once: by demonitor, or by
 * its target's host_down, which takes all of the target's references out
 * under the lock and only then sends, so that a demonitor that returned OK
 * is never followed by an `@down` for it, and no reference is told twice.
 * The target's `gone` is set under the same lock: a monitor that finds the
 * component gone is answered at once instead of being added too late.
 *
 * Watchers are names: an `@down` goes to the watcher's name, so a watcher
 * that crashed and restarted still gets it; a watcher that stops for good
 * loses its references. A target is a component of this runtime, else the
 * replica on another host of the lattice that a message from the watcher
 * would reach (the router's msg_lookup_remote); else `not-found` at once.
 *
 * A remote reference is told by the lattice (host_extension_remote_down:
 * the host was lost, or no longer lists the name). It is recorded first
 * and the router asked after (msg_remote_gone) whether the replica is
 * still there: a loss the lattice reported in between finds the record or
 * is seen by that question, and whichever takes the record out tells.
 *
 * The linear scans are fine for the sizes meant (a pool's few hundred
 * workers); a hash by target is the next step if that changes.
 */
#include "extend.h"
#include "host.h"
#include "name.h"

#include <stdlib.h>
#include <string.h>

typedef struct host_monitor {
    int64_t ref;
    host_component *watcher, *target;
} host_monitor;

typedef struct host_remote_monitor {
    int64_t ref;
    host_component *watcher;
    const msg_remote *remote;
    uint8_t len;
    char name[MSG_NAME_MAX];
} host_remote_monitor;

#define DOWN_SENDER "@down"

/* `NAME REASON` from @down to the watcher (nothing if it has gone). */
static void tell(wactor_runtime *rt, const host_component *watcher, const char *name, size_t nlen,
                 const char *reason)
{
    char text[MSG_NAME_MAX + 64];
    size_t rlen = strlen(reason);
    if (nlen + 1 + rlen > sizeof text)
        rlen = sizeof text - nlen - 1;
    memcpy(text, name, nlen);
    text[nlen] = ' ';
    memcpy(text + nlen + 1, reason, rlen);
    msg_meta meta = {.sender = DOWN_SENDER, .sender_len = (uint8_t)strlen(DOWN_SENDER)};
    int rc = msg_send(rt->router, NULL, watcher->proc.name, watcher->proc.name_len, text,
                      nlen + 1 + rlen, &meta);
    if (rc != WACTOR_OK && rc != WACTOR_ENOTFOUND)
        host_logf(rt, WACTOR_LOG_WARN, watcher->proc.name, "@down %.*s %s lost: %s", (int)nlen,
                  name, reason, wactor_result_message(rc));
}

/* Takes remote reference ref out: false if it is not there (any more). */
static bool remote_take(wactor_runtime *rt, int64_t ref, const host_component *watcher)
{
    bool found = false;
    pthread_mutex_lock(&rt->mon_lock);
    for (size_t i = 0; i < rt->nrmonitors; i++) {
        if (rt->rmonitors[i].ref == ref && rt->rmonitors[i].watcher == watcher) {
            rt->rmonitors[i] = rt->rmonitors[--rt->nrmonitors];
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&rt->mon_lock);
    return found;
}

static int64_t remote_add(host_component *watcher, msg_remote *to, const char *name, size_t len)
{
    wactor_runtime *rt = watcher->rt;
    pthread_mutex_lock(&rt->mon_lock);
    if (rt->nrmonitors == rt->caprmonitors) {
        size_t cap = rt->caprmonitors ? rt->caprmonitors * 2 : 16;
        host_remote_monitor *v = realloc(rt->rmonitors, cap * sizeof *v);
        if (!v) {
            pthread_mutex_unlock(&rt->mon_lock);
            return WACTOR_EFULL;
        }
        rt->rmonitors = v;
        rt->caprmonitors = cap;
    }
    int64_t ref = ++rt->next_ref;
    host_remote_monitor *m = &rt->rmonitors[rt->nrmonitors++];
    *m = (host_remote_monitor){.ref = ref, .watcher = watcher, .remote = to, .len = (uint8_t)len};
    memcpy(m->name, name, len);
    pthread_mutex_unlock(&rt->mon_lock);
    const char *gone = msg_remote_gone(rt->router, to);
    if (gone && remote_take(rt, ref, watcher))
        tell(rt, watcher, name, len, gone);
    return ref;
}

void host_extension_remote_down(wactor_runtime *rt, const msg_remote *to, const char *reason)
{
    host_remote_monitor stack[4], *told = stack;
    size_t n = 0, cap = 4;
    pthread_mutex_lock(&rt->mon_lock);
    for (size_t i = 0; i < rt->nrmonitors;) {
        host_remote_monitor m = rt->rmonitors[i];
        if (m.remote != to) {
            i++;
            continue;
        }
        rt->rmonitors[i] = rt->rmonitors[--rt->nrmonitors];
        if (n == cap) {
            host_remote_monitor *v = malloc(2 * cap * sizeof *v);
            if (!v) {
                host_logf(rt, WACTOR_LOG_WARN, m.watcher->proc.name,
                          "@down %.*s %s lost: out of memory", (int)m.len, m.name, reason);
                continue;
            }
            memcpy(v, told, n * sizeof *v);
            if (told != stack)
                free(told);
            told = v;
            cap *= 2;
        }
        told[n++] = m;
    }
    pthread_mutex_unlock(&rt->mon_lock);
    for (size_t i = 0; i < n; i++)
        tell(rt, told[i].watcher, told[i].name, told[i].len, reason);
    if (told != stack)
        free(told);
}

int64_t host_monitor_add(host_component *watcher, const char *name, size_t len)
{
    wactor_runtime *rt = watcher->rt;
    if (!msg_name_valid(name, len))
        return WACTOR_EINVAL;
    msg_dest d = msg_lookup(rt->router, name, len);
    host_component *t = d.kind == MSG_DEST_LOCAL ? (host_component *)msg_dest_proc(d) : NULL;
    if (!t) {
        const char *kept;
        msg_remote *to = msg_lookup_remote(rt->router, &watcher->proc, name, len, &kept);
        if (to)
            return remote_add(watcher, to, name, len);
    }
    pthread_mutex_lock(&rt->mon_lock);
    int64_t ref = ++rt->next_ref;
    const char *now = t ? t->gone : "not-found";
    if (!now && rt->nmonitors == rt->capmonitors) {
        size_t cap = rt->capmonitors ? rt->capmonitors * 2 : 64;
        host_monitor *v = realloc(rt->monitors, cap * sizeof *v);
        if (!v) {
            pthread_mutex_unlock(&rt->mon_lock);
            return WACTOR_EFULL;
        }
        rt->monitors = v;
        rt->capmonitors = cap;
    }
    if (!now)
        rt->monitors[rt->nmonitors++] = (host_monitor){ref, watcher, t};
    pthread_mutex_unlock(&rt->mon_lock);
    if (now)
        tell(rt, watcher, name, len, now);
    return ref;
}

int host_demonitor(host_component *watcher, int64_t ref)
{
    wactor_runtime *rt = watcher->rt;
    int rc = WACTOR_ENOTFOUND;
    pthread_mutex_lock(&rt->mon_lock);
    for (size_t i = 0; i < rt->nmonitors; i++) {
        if (rt->monitors[i].ref == ref && rt->monitors[i].watcher == watcher) {
            rt->monitors[i] = rt->monitors[--rt->nmonitors];
            rc = WACTOR_OK;
            break;
        }
    }
    pthread_mutex_unlock(&rt->mon_lock);
    if (rc != WACTOR_OK && remote_take(rt, ref, watcher))
        rc = WACTOR_OK;
    return rc;
}

void host_down(host_component *c, const char *reason)
{
    wactor_runtime *rt = c->rt;
    host_component *stack[16], **told = stack;
    size_t n = 0, cap = 16;
    pthread_mutex_lock(&rt->mon_lock);
    bool first = !c->gone;
    if (first)
        c->gone = reason;
    for (size_t i = 0; first && i < rt->nmonitors;) {
        host_monitor m = rt->monitors[i];
        if (m.target != c && m.watcher != c) {
            i++;
            continue;
        }
        rt->monitors[i] = rt->monitors[--rt->nmonitors];
        if (m.target != c)
            continue; /* c's own references end with it */
        if (n == cap) {
            host_component **v = malloc(2 * cap * sizeof *v);
            if (!v) {
                host_logf(rt, WACTOR_LOG_WARN, c->proc.name, "@down to %s lost: out of memory",
                          m.watcher->proc.name);
                continue;
            }
            memcpy(v, told, n * sizeof *v);
            if (told != stack)
                free(told);
            told = v;
            cap *= 2;
        }
        told[n++] = m.watcher;
    }
    for (size_t i = 0; first && i < rt->nrmonitors;) {
        if (rt->rmonitors[i].watcher == c)
            rt->rmonitors[i] = rt->rmonitors[--rt->nrmonitors];
        else
            i++;
    }
    pthread_mutex_unlock(&rt->mon_lock);
    if (!first)
        return;
    if (c->group)
        host_group_down(c);
    for (size_t i = 0; i < n; i++)
        tell(rt, told[i], c->proc.name, c->proc.name_len, reason);
    if (told != stack)
        free(told);
    host_children_stop(c);
}

void host_monitors_free(wactor_runtime *rt)
{
    free(rt->monitors);
    rt->monitors = NULL;
    rt->nmonitors = rt->capmonitors = 0;
    free(rt->rmonitors);
    rt->rmonitors = NULL;
    rt->nrmonitors = rt->caprmonitors = 0;
}
