/*
 * children.c: templates and the components a component spawns from them
 * (ABI.md, "Children and monitors").
 *
 * A template is a version made once by wactor_template_add: its module
 * loaded and checked against the ABI, its settings copied. A guest's spawn
 * clones it (the module is shared, nothing is compiled or checked again),
 * puts the guest's config in, registers SELF.SUFFIX and posts the start to
 * the child's own mailbox: the start-up (_initialize, wactor_init) runs on
 * the child's first turn, on whichever worker takes it. The parent's worker
 * is in the middle of the parent's guest call, on its stack, so it could not
 * run another instance there; waiting for another thread to run it could
 * deadlock when every worker waits so. Mail sent to the child meanwhile
 * waits in its mailbox behind the start, exactly as with wactor_spawn.
 * A start-up that fails is a crash like any other (supervised by the
 * template's restart policy), so spawn itself says OK once the name is the
 * child's.
 *
 * A child's `parent` is fixed at spawn; stop() accepts only one's own
 * children, and when a component stops for good (monitors.c, host_down) its
 * children are asked to stop, and theirs in turn.
 */
#include "host.h"
#include "name.h"

#include <stdlib.h>
#include <string.h>

typedef struct host_template {
    char *name;
    host_next proto;
} host_template;

int wactor_template_add(wactor_runtime *rt, const char *name, const wactor_component_options *o)
{
    if (!rt || !name || !msg_name_valid(name, strlen(name)))
        return host_fail(rt, WACTOR_EINVAL, "invalid template name \"%s\"", name ? name : "(null)");
    if (!o)
        return host_fail(rt, WACTOR_EINVAL, "no options");
    host_next v;
    memset(&v, 0, sizeof v);
    int rc = host_version_make(rt, o, &v);
    char *copy = rc == WACTOR_OK ? strdup(name) : NULL;
    if (rc == WACTOR_OK && !copy)
        rc = host_fail(rt, WACTOR_ENOMEM, "out of memory");
    if (rc != WACTOR_OK) {
        host_version_free(&v);
        return rc;
    }
    pthread_mutex_lock(&rt->lock);
    for (size_t i = 0; i < rt->ntemplates; i++)
        if (strcmp(rt->templates[i].name, name) == 0)
            rc = WACTOR_EEXIST;
    if (rc == WACTOR_OK && rt->ntemplates == rt->captemplates) {
        size_t cap = rt->captemplates ? rt->captemplates * 2 : 8;
        host_template *t = realloc(rt->templates, cap * sizeof *t);
        if (t) {
            rt->templates = t;
            rt->captemplates = cap;
        } else {
            rc = WACTOR_ENOMEM;
        }
    }
    if (rc == WACTOR_OK)
        rt->templates[rt->ntemplates++] = (host_template){copy, v};
    pthread_mutex_unlock(&rt->lock);
    if (rc != WACTOR_OK) {
        free(copy);
        host_version_free(&v);
        return host_fail(rt, rc, rc == WACTOR_EEXIST ? "a template named %s exists" : "%s",
                         rc == WACTOR_EEXIST ? name : "out of memory");
    }
    return WACTOR_OK;
}

void host_templates_free(wactor_runtime *rt)
{
    for (size_t i = 0; i < rt->ntemplates; i++) {
        free(rt->templates[i].name);
        host_version_free(&rt->templates[i].proto);
    }
    free(rt->templates);
    rt->templates = NULL;
    rt->ntemplates = rt->captemplates = 0;
}

int host_spawn_child(host_component *parent, const char *tmpl, size_t tlen, const char *suffix,
                     size_t slen, const uint8_t *config, size_t clen)
{
    wactor_runtime *rt = parent->rt;
    char name[MSG_NAME_MAX + 1];
    size_t plen = parent->proc.name_len;
    if (slen == 0 || plen + 1 + slen > MSG_NAME_MAX)
        return WACTOR_EINVAL;
    memcpy(name, parent->proc.name, plen);
    name[plen] = '.';
    memcpy(name + plen + 1, suffix, slen);
    name[plen + 1 + slen] = 0;
    if (!msg_name_valid(name, plen + 1 + slen) || memchr(suffix, 0, slen))
        return WACTOR_EINVAL;
    if (!msg_caps_allow(&parent->ver.spawn, tmpl, tlen))
        return WACTOR_EDENIED;
    if (atomic_load(&rt->closing))
        return WACTOR_ESTATE;
    host_next v;
    int rc = WACTOR_ENOTFOUND;
    pthread_mutex_lock(&rt->lock);
    for (size_t i = 0; i < rt->ntemplates && rc == WACTOR_ENOTFOUND; i++) {
        const host_template *t = &rt->templates[i];
        if (strlen(t->name) == tlen && memcmp(t->name, tmpl, tlen) == 0)
            rc = host_version_clone(&t->proto, config, clen, &v);
    }
    pthread_mutex_unlock(&rt->lock);
    if (rc == WACTOR_ENOMEM)
        host_version_free(&v);
    if (rc != WACTOR_OK)
        return rc;
    /* A first look, so that a taken name costs no component; registering
     * decides. */
    if (msg_lookup(rt->router, name, plen + 1 + slen).kind != MSG_DEST_NONE) {
        host_version_free(&v);
        return WACTOR_EEXIST;
    }
    return host_spawn_deferred(rt, name, &v, parent);
}

void host_child_start(host_component *c)
{
    c->needs_start = false;
    char why[256];
    int rc = host_start_instance(c, why, sizeof why);
    if (rc == WACTOR_OK) {
        host_set_state(c, WACTOR_STATE_RUNNING);
        host_audit(c->rt, c->proc.name, "spawn", NULL, 0, "ok", "started");
        host_logf(c->rt, WACTOR_LOG_DEBUG, c->proc.name, "started");
        return;
    }
    host_audit(c->rt, c->proc.name, "spawn", NULL, 0, "ok", why);
    msg_proc_crashed(&c->proc, c->start_exited ? "exited" : "failed to start");
    host_supervise(c, host_start_failed(c, "failed to start", why));
}

int host_stop_child(host_component *parent, const char *name, size_t len)
{
    if (!msg_name_valid(name, len))
        return WACTOR_EINVAL;
    msg_dest d = msg_lookup(parent->rt->router, name, len);
    if (d.kind != MSG_DEST_LOCAL)
        return WACTOR_ENOTFOUND;
    host_component *k = (host_component *)msg_dest_proc(d);
    if (k->parent != parent || atomic_load(&k->stop_requested) || atomic_load(&k->proc.stopped))
        return WACTOR_ENOTFOUND;
    host_stop_async(k);
    return WACTOR_OK;
}

void host_children_stop(host_component *c)
{
    wactor_runtime *rt = c->rt;
    host_component **kids = NULL;
    size_t n = 0, cap = 0;
    pthread_mutex_lock(&rt->lock);
    for (size_t i = 0; i < rt->nall; i++) {
        host_component *k = rt->all[i];
        if (k->parent != c || atomic_load(&k->proc.stopped))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            host_component **v = realloc(kids, ncap * sizeof *v);
            if (!v)
                break; /* out of memory: those not asked stop with the runtime */
            kids = v;
            cap = ncap;
        }
        kids[n++] = k;
    }
    pthread_mutex_unlock(&rt->lock);
    for (size_t i = 0; i < n; i++)
        host_stop_async(kids[i]);
    free(kids);
}
