/*
 * errors.c: the names and messages of result codes and statuses (from the
 * one table, wactor_codes.h), and the embedder's last error (wactor_errmsg).
 */
#include "host.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *wactor_result_name(int code)
{
    switch (code) {
#define WACTOR_X(name, value, msg)                                                                 \
    case value:                                                                                    \
        return #name;
        WACTOR_RESULT_LIST(WACTOR_X)
#undef WACTOR_X
    }
    return code > 0 ? "OK" : "UNKNOWN";
}

const char *wactor_result_message(int code)
{
    switch (code) {
#define WACTOR_X(name, value, msg)                                                                 \
    case value:                                                                                    \
        return msg;
        WACTOR_RESULT_LIST(WACTOR_X)
#undef WACTOR_X
    }
    return code > 0 ? "ok" : "unknown error";
}

const char *wactor_status_name(int status)
{
    switch (status) {
#define WACTOR_X(name, value, meaning)                                                             \
    case value:                                                                                    \
        return #name;
        WACTOR_STATUS_LIST(WACTOR_X)
#undef WACTOR_X
    }
    return "UNKNOWN";
}

/* The last error, like errno: per thread, so host threads failing at the
 * same time never mix their messages; it names the runtime it belongs to. */
static _Thread_local struct {
    const wactor_runtime *rt;
    int code;
    char msg[256];
} last_error;

int host_fail(wactor_runtime *rt, int code, const char *fmt, ...)
{
    char buf[sizeof last_error.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    memcpy(last_error.msg, buf, sizeof buf);
    last_error.rt = rt;
    last_error.code = code;
    return code;
}

const char *wactor_errmsg(const wactor_runtime *rt)
{
    return last_error.rt == rt ? last_error.msg : "";
}

int wactor_errcode(const wactor_runtime *rt)
{
    return last_error.rt == rt ? last_error.code : WACTOR_OK;
}

const char *wactor_state_name(int state)
{
    switch (state) {
#define WACTOR_X(name, value, word)                                                                \
    case value:                                                                                    \
        return word;
        WACTOR_STATE_LIST(WACTOR_X)
#undef WACTOR_X
    }
    return "unknown";
}
