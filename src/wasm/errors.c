/*
 * errors.c: load errors and trap names.
 *
 * Names and messages come from the X-macro tables in wasm.h, so an enum value,
 * its name and its message cannot drift apart. Out-of-range values (a corrupt
 * or future code) map to a fixed string rather than indexing past the table.
 */
#include <stdarg.h>
#include <stdio.h>

#include "module.h"

bool wa_fail(wa_error *err, wa_errkind kind, int section, size_t offset, const char *fmt, ...)
{
    if (!err)
        return false;
    err->kind = kind;
    err->section = section;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return false;
}

bool wa_fail_unsupported(wa_error *err, int section, size_t offset, const char *what,
                         const char *proposal)
{
    return wa_fail(err, WA_ERR_UNSUPPORTED, section, offset, "uses %s (%s proposal)", what,
                   proposal);
}

const char *wa_feature_name(unsigned feature)
{
    static const char *const names[] = {
#define WA_X(name, text) text,
        WA_FEATURE_LIST(WA_X)
#undef WA_X
    };
    return feature < sizeof names / sizeof names[0] ? names[feature] : NULL;
}

const char *wa_errkind_name(wa_errkind k)
{
    static const char *const names[] = {
#define WA_X(name, msg) msg,
        WA_ERR_LIST(WA_X)
#undef WA_X
    };
    if ((unsigned)k >= sizeof names / sizeof names[0])
        return "unknown error";
    return names[k];
}

const char *wa_trap_name(wa_trap t)
{
    static const char *const names[] = {
#define WA_X(name, msg) #name,
        WA_TRAP_LIST(WA_X)
#undef WA_X
    };
    if ((unsigned)t >= sizeof names / sizeof names[0])
        return "UNKNOWN";
    return names[t];
}

const char *wa_trap_message(wa_trap t)
{
    static const char *const msgs[] = {
#define WA_X(name, msg) msg,
        WA_TRAP_LIST(WA_X)
#undef WA_X
    };
    if ((unsigned)t >= sizeof msgs / sizeof msgs[0])
        return "unknown trap";
    return msgs[t];
}
