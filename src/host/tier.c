/*
 * tier.c: which code a component runs (docs/AOT.md). A module's artifact
 * is looked for once, when the first component that may run compiled is
 * instantiated, and then serves every instance of the module (restarts,
 * children from templates, every component sharing it) until the module
 * is freed after its last instance. Where: the runtime's cache folder
 * (HEX.so, HEX the module's SHA-256, as `wactor run --compile` names
 * them), then PATH.so beside the module's file (`wactor compile`).
 * An artifact that is there but refused (stale, or not safely ours) is
 * said at info: tier auto then interprets, and an operator who compiled
 * wants to know why that did not take; none at all is said at debug only,
 * as it is the usual case of a runtime that never compiles.
 */
#include "aot.h"
#include "host.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Tries path: true if a file is there (*out set if it loaded, else why).
 * who: the component whose spawn looks, for the log. */
static bool try_artifact(wactor_runtime *rt, const char *who, const char *path, const wa_module *m,
                         wa_aot_artifact **out, char *why, size_t n)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    wa_error err;
    memset(&err, 0, sizeof err);
    *out = wa_aot_open(path, m, &err);
    if (!*out) {
        snprintf(why, n, "%s", err.msg);
        host_logf(rt, WACTOR_LOG_INFO, who, "compiled code not used: %s", why);
    } else {
        host_logf(rt, WACTOR_LOG_DEBUG, who, "compiled code from %s", path);
    }
    return true;
}

static void look_for_artifact(wactor_runtime *rt, const char *who, wactor_module *wm)
{
    const wa_module *m = wm->m;
    char *path = NULL;
    const char *cache = rt->opts.cache_dir;
    bool found = false;
    if (cache && *cache) {
        if ((path = wa_aot_cache_path(cache, m)) != NULL) {
            found = try_artifact(rt, who, path, m, &wm->aot, wm->aot_why, sizeof wm->aot_why);
            free(path);
        }
    }
    if (!found && wm->path) {
        size_t n = strlen(wm->path) + 4;
        if ((path = malloc(n)) != NULL) {
            snprintf(path, n, "%s.so", wm->path);
            found = try_artifact(rt, who, path, m, &wm->aot, wm->aot_why, sizeof wm->aot_why);
            free(path);
        }
    }
    if (!found) {
        snprintf(wm->aot_why, sizeof wm->aot_why,
                 "no compiled module (wactor compile %s, or wactor run --compile with "
                 "runtime.cache)",
                 wm->path ? wm->path : "MODULE.wasm");
        host_logf(rt, WACTOR_LOG_DEBUG, who, "interpreted: %s", wm->aot_why);
    }
}

const wa_native *host_module_native(wactor_runtime *rt, const char *who, wactor_module *m,
                                    char *why, size_t whylen)
{
    pthread_mutex_lock(&m->aot_lock);
    if (!m->aot_tried) {
        m->aot_tried = true;
        look_for_artifact(rt, who, m);
    }
    const wa_native *native = m->aot ? wa_aot_artifact_native(m->aot) : NULL;
    if (!native)
        snprintf(why, whylen, "%s", m->aot_why);
    pthread_mutex_unlock(&m->aot_lock);
    return native;
}

void host_module_tier_free(wactor_module *m)
{
    wa_aot_close(m->aot);
    m->aot = NULL;
}
