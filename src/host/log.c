/*
 * log.c: the runtime's log. Every line goes to the embedder's log function
 * (wactor_runtime_options.log) or, without one, to standard error, one
 * write per line. A component's stdout and stderr lines are its output and
 * pass whatever the level (host_log_always).
 */
#include "host.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error"};

void host_log(wactor_runtime *rt, int level, const char *component, const char *text, size_t len)
{
    if (level >= rt->opts.log_level)
        host_log_always(rt, level, component, text, len);
}

void host_log_always(wactor_runtime *rt, int level, const char *component, const char *text,
                     size_t len)
{
    if (rt->opts.log) {
        rt->opts.log(rt->opts.log_arg, level, component, text, len);
        return;
    }
    /* One write per line, so lines from several threads do not interleave. */
    flockfile(stderr);
    fprintf(stderr, "%s %s: %.*s\n", level_names[level], component ? component : "wactor",
            (int)(len > 65536 ? 65536 : len), text);
    funlockfile(stderr);
}

void host_logf(wactor_runtime *rt, int level, const char *component, const char *fmt, ...)
{
    if (level < rt->opts.log_level)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    host_log(rt, level, component, buf,
             n < 0                     ? 0
             : (size_t)n >= sizeof buf ? sizeof buf - 1
                                       : (size_t)n);
}
