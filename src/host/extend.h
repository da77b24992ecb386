/*
 * extend.h: what a part built on top of the runtime (src/lattice) may use of
 * it, and nothing more: the router its messages go through, the runtime's
 * log, and a hook that detaches the part when the runtime is freed. The
 * runtime never calls into such a part except through that hook and the
 * router's msg_lattice_ops.
 */
#ifndef WACTOR_HOST_EXTEND_H
#define WACTOR_HOST_EXTEND_H

#include "msg.h"
#include "wactor.h"

msg_router *host_router(wactor_runtime *rt);

/* Logs as the runtime does (level WACTOR_LOG_*, component NULL: the
 * runtime itself). */
void host_extension_log(wactor_runtime *rt, int level, const char *text);

/* wactor_runtime_free calls detach(arg) once its components have stopped,
 * before the router shuts down; one extension per runtime (detach NULL
 * removes it). EEXIST if another is set. */
int host_extension_set(wactor_runtime *rt, void (*detach)(void *arg), void *arg);

/* Hands memory the router may still point to (a lattice's remote-name
 * records) to the runtime: release(arg) runs in wactor_runtime_free after
 * the router is freed. False when out of memory (then nothing is kept). */
bool host_extension_retain(wactor_runtime *rt, void (*release)(void *arg), void *arg);

/* Sets the error of a call that returns NULL (wactor_errmsg(NULL),
 * wactor_errcode(NULL)); returns code. */
int host_extension_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
