/*
 * audit.c: the audit log: one JSON object per line for every call refused
 * by a capability and every lifecycle event (spawn, crash, restart, stop).
 *
 *   {"time":"2026-11-24T15:50:00.123Z","component":"a","action":"send",
 *    "target":"b","decision":"denied","reason":"no send capability"}
 *
 * Lines go to the embedder's audit callback, else to the runtime's audit
 * file (opened for appending), else to standard error, where they follow
 * the log level (refusals and crashes at warn, other events at info). Each line is built
 * in full and written with one call under a lock, so lines from several
 * workers never interleave. Denials are rare by nature (a well-configured
 * component never causes one), so the cost here does not matter; the
 * checks that lead to them stay on the hot path.
 */
#include "host.h"

#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Appends s[0..len) as a JSON string body (quotes added by the caller). */
static size_t json_escape(char *out, size_t used, size_t cap, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len && used + 7 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            out[used++] = '\\';
            out[used++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            /* Bytes outside printable ASCII are escaped one by one: names
             * are ASCII by the ABI, reasons are ours. */
            used +=
                (size_t)snprintf(out + used, cap - used, "\\u00%c%c", hex[ch >> 4], hex[ch & 15]);
        } else {
            out[used++] = (char)ch;
        }
    }
    return used;
}

/* Appends with snprintf, never past the end: used stays below cap. */
static size_t append(char *out, size_t used, size_t cap, const char *fmt, const char *arg)
{
    if (used + 1 >= cap)
        return used;
    int n = snprintf(out + used, cap - used, fmt, arg);
    if (n < 0)
        return used;
    return (size_t)n < cap - used ? used + (size_t)n : cap - 1;
}

static size_t json_field(char *out, size_t used, size_t cap, const char *key, const char *val,
                         size_t len, bool last)
{
    used = append(out, used, cap, "\"%s\":\"", key);
    used = json_escape(out, used, cap, val, len);
    return append(out, used, cap, last ? "\"%s" : "\",%s", "");
}

void host_audit(wactor_runtime *rt, const char *component, const char *action, const char *target,
                size_t target_len, const char *decision, const char *reason)
{
    char line[2048];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t used = strftime(line, sizeof line, "{\"time\":\"%Y-%m-%dT%H:%M:%S", &tm);
    used +=
        (size_t)snprintf(line + used, sizeof line - used, ".%03ldZ\",", (long)tv.tv_usec / 1000);
    used = json_field(line, used, sizeof line, "component", component, strlen(component), false);
    used = json_field(line, used, sizeof line, "action", action, strlen(action), false);
    used = json_field(line, used, sizeof line, "target", target ? target : "",
                      target ? target_len : 0, false);
    used = json_field(line, used, sizeof line, "decision", decision, strlen(decision), false);
    used = json_field(line, used, sizeof line, "reason", reason, strlen(reason), true);
    if (used + 2 >= sizeof line)
        used = sizeof line - 2;
    line[used++] = '}';
    line[used] = 0;

    if (rt->opts.audit) {
        rt->opts.audit(rt->opts.audit_arg, line, used);
        return;
    }
    /* On standard error the audit shares the log's stream, and its level for
     * lifecycle events: crashes are warnings, the others info. A refusal is
     * always written: the ABI promises every denied attempt is logged. */
    bool denied = strcmp(decision, "denied") == 0;
    int level = denied || strcmp(action, "crash") == 0 ? WACTOR_LOG_WARN : WACTOR_LOG_INFO;
    if (!rt->audit_file && !denied && level < rt->opts.log_level)
        return;
    line[used++] = '\n';
    pthread_mutex_lock(&rt->audit_lock);
    FILE *out = rt->audit_file ? rt->audit_file : stderr;
    fwrite(line, 1, used, out);
    fflush(out);
    pthread_mutex_unlock(&rt->audit_lock);
}

bool host_audit_open(wactor_runtime *rt)
{
    pthread_mutex_init(&rt->audit_lock, NULL);
    if (!rt->opts.audit && rt->opts.audit_path) {
        rt->audit_file = fopen(rt->opts.audit_path, "a");
        if (!rt->audit_file) {
            host_fail(NULL, WACTOR_ESYSTEM, "audit file %s: cannot open: %s", rt->opts.audit_path,
                      strerror(errno));
            return false;
        }
    }
    return true;
}

void host_audit_close(wactor_runtime *rt)
{
    if (rt->audit_file)
        fclose(rt->audit_file);
    rt->audit_file = NULL;
    pthread_mutex_destroy(&rt->audit_lock);
}
