/*
 * wasi.h: wasi_snapshot_preview1, every function of it, for wasi-libc programs.
 *
 * A wasi_ctx holds what one instance may see of the outside world: its
 * arguments, its environment, which facets it was granted, and where its
 * standard output and error go. The context hands out host functions
 * (wasi_resolve) whose env pointer is the context itself, so one context
 * serves exactly one instance, run by one thread at a time.
 *
 * All 46 preview1 functions exist, so any module importing them links;
 * docs/WASI.md says per function what it does here and which errno those
 * that make no sense for wactor answer (no sockets can exist, rights are not
 * modelled). Files are reachable only beneath preopened directories
 * (wasi_options.preopens), never outside them (see wasi_path.c).
 *
 * Errors are WASI errno values returned to the guest, never crashes:
 * a guest pointer range outside the caller's memory gives EFAULT (21),
 * a call that needs a facet the context was not granted gives NOTCAPABLE
 * (76), a descriptor that is not open gives EBADF (8). When several
 * apply, the descriptor is checked first, then the facet, then the other
 * arguments, then the guest ranges; nothing is written to guest memory and no
 * output happens unless every range is valid.
 */
#ifndef WACTOR_WASI_H
#define WACTOR_WASI_H

#include "wasm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WASI_MODULE "wasi_snapshot_preview1"

/* Facets a context may be granted. The first five are the ones a component's
 * manifest can list (ABI.md); stdin exists for `wactor exec`. Arguments and
 * proc_exit need no grant. */
enum {
    WASI_CAP_STDOUT = 1u << 0, /* fd_write to fd 1 */
    WASI_CAP_STDERR = 1u << 1, /* fd_write to fd 2 */
    WASI_CAP_CLOCK = 1u << 2,  /* clock_time_get, clock_res_get */
    WASI_CAP_RANDOM = 1u << 3, /* random_get */
    WASI_CAP_ENV = 1u << 4,    /* environ_get, environ_sizes_get */
    WASI_CAP_STDIN = 1u << 5,  /* fd_read from fd 0 */
    WASI_CAP_ALL = (1u << 6) - 1,
    /* Not a grant: what the denied callback is told when a change is
     * refused beneath a read-only preopen. */
    WASI_CAP_FILES = 1u << 6,
};

/* Receives what the guest writes to fd 1 or 2 (in the guest's chunks, not
 * split into lines). Returns false if the output failed; the guest then sees
 * EIO. data is only valid during the call. */
typedef bool (*wasi_output_fn)(void *arg, uint32_t fd, const uint8_t *data, size_t len);

/* Called when the guest is refused a facet (the call then returns
 * NOTCAPABLE): one WASI_CAP_* bit. */
typedef void (*wasi_denied_fn)(void *arg, unsigned facet);

/* A host directory the guest sees, as `guest`, through a descriptor from 3
 * up (in the order given). */
typedef struct wasi_preopen {
    const char *host;  /* opened when the context is made */
    const char *guest; /* the name wasi-libc matches paths against, e.g. "data" or "/data" */
    bool writable;     /* false: every change beneath it is NOTCAPABLE */
} wasi_preopen;

typedef struct wasi_options {
    /* argv[0..argc): copied. argv[0] is by convention the program name. */
    int argc;
    const char *const *argv;
    /* "NAME=VALUE" strings, NULL-terminated, or NULL for none: copied. */
    const char *const *envp;
    unsigned caps; /* WASI_CAP_* bits */
    /* NULL: fd 1 and 2 are the process's standard output and error. */
    wasi_output_fn output;
    void *output_arg;
    wasi_denied_fn denied; /* NULL: nobody is told */
    void *denied_arg;
    const wasi_preopen *preopens; /* npreopens of them; copied */
    size_t npreopens;
    /* Resolve paths with the portable openat walk even where the kernel has
     * openat2 (tests use it to check both ways). */
    bool walk_only;
    /* poll_oneoff may wait (sleep, or for input). False for components: a
     * wait not yet over answers notsup instead (docs/WASI.md). */
    bool blocking;
} wasi_options;

typedef struct wasi_ctx wasi_ctx;

/* Returns a new context, or NULL when out of memory, when opts has argc < 0
 * or a NULL string, or when a preopened directory cannot be opened (errno
 * then says why). Copies everything it needs from opts. */
wasi_ctx *wasi_ctx_new(const wasi_options *opts);
/* Frees the context and the host functions it handed out: every instance
 * linked against them must be freed first. NULL is allowed. */
void wasi_ctx_free(wasi_ctx *ctx);

/* The type WASI preview1 gives to module.field if it is a preview1 function,
 * else NULL. Needs no context: `wactor inspect` uses it to vet imports. */
const wa_functype *wasi_import_type(wa_name module, wa_name field);

/* Sets *out to the host function for the import module.field and returns
 * true; false if it is not a preview1 function (then *out is untouched).
 * The function is owned by ctx and bound to it; its type is that of
 * wasi_import_type, which the caller compares with what the module expects
 * (wa_instantiate rejects a mismatch anyway). */
bool wasi_resolve(wasi_ctx *ctx, wa_name module, wa_name field, wa_extern *out);

/* True once the guest has called proc_exit; *code is then its argument.
 * The proc_exit host function ends the call with WA_TRAP_EXIT. */
bool wasi_exited(const wasi_ctx *ctx, uint32_t *code);

#endif
