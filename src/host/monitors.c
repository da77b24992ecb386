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
 * loses its references. Targets are this runtime's components: a name no
 * component here has (one on another host of a lattice included) is
 * answered `not-found` at once.
 *
 * The linear scans are fine for the sizes meant (a pool's few hundred
 * workers); a hash by target is the next step if that changes.
 */
#include "host.h"
#include "name.h"

#include <stdlib.h>
#include <string.h>

typedef struct host_monitor {
    int64_t ref;
    host_component *watcher, *target;
} host_monitor;

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

int64_t host_monitor_add(host_component *watcher, const char *name, size_t len)
{
    wactor_runtime *rt = watcher->rt;
    if (!msg_name_valid(name, len))
        return WACTOR_EINVAL;
    msg_dest d = msg_lookup(rt->router, name, len);
    host_component *t = d.kind == MSG_DEST_LOCAL ? (host_component *)msg_dest_proc(d) : NULL;
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
}
