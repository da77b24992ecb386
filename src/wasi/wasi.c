/*
 * wasi.c: wasi_snapshot_preview1 host functions over a wasi_ctx.
 *
 * Every host function follows one pattern: check the descriptor and the
 * facet, check the other arguments, then check every guest range it will
 * touch, and only then act and write its results. Guest memory is reached
 * only through wa_memory_range on the caller's memory, so a hostile pointer
 * can at worst earn an EFAULT. Pointers from wa_memory_range stay valid for
 * the whole host call: nothing here grows the guest's memory.
 *
 * The context creates all its host functions up front (a dozen small
 * objects), so resolving an import cannot fail for lack of memory.
 */
#include "wasi.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* WASI errno values (the preview1 `errno` enum). */
enum {
    WASI_ESUCCESS = 0,
    WASI_EAGAIN = 6,
    WASI_EBADF = 8,
    WASI_EFAULT = 21,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_ESPIPE = 70,
    WASI_ENOTCAPABLE = 76,
};

#define WASI_FILETYPE_CHARACTER_DEVICE 2u
#define WASI_RIGHT_FD_READ (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define WASI_RIGHT_POLL_FD_READWRITE (UINT64_C(1) << 27)

#define WASI_CLOCK_REALTIME 0u
#define WASI_CLOCK_MONOTONIC 1u

/* More iovecs than this in one fd_read/fd_write is EINVAL (Linux's IOV_MAX),
 * which bounds the host work a single call can ask for. */
#define WASI_MAX_IOVS 1024u

/* Strings as WASI hands them out: `count` NUL-terminated strings stored back
 * to back in buf, `size` bytes in all. */
typedef struct wasi_strings {
    uint32_t count, size;
    char *buf;
} wasi_strings;

typedef struct wasi_fn {
    const char *name;
    wa_functype type;
    wa_host_fn fn;
} wasi_fn;

#define WASI_NFNS 16 /* entries of wasi_fns */

struct wasi_ctx {
    wasi_strings args, env;
    unsigned caps;
    wasi_output_fn output;
    void *output_arg;
    wasi_denied_fn denied;
    void *denied_arg;
    bool closed[3]; /* fd_close was called on 0, 1 or 2 */
    bool exited;
    uint32_t exit_code;
    wa_func *funcs[WASI_NFNS]; /* funcs[i] implements wasi_fns[i] */
};

/* ---- helpers ------------------------------------------------------------- */

static wa_trap wasi_ret(wa_val *io, uint32_t err)
{
    io[0].i32 = err;
    return WA_TRAP_NONE;
}

/* [off, off+len) of the caller's memory 0, or NULL if that range is not
 * inside it (or there is no memory). An empty range is inside when off is at
 * most the size; the pointer returned for it must not be dereferenced. */
static uint8_t *wasi_guest(wa_instance *caller, uint64_t off, uint64_t len)
{
    static uint8_t empty;
    wa_memory *mem = wa_instance_memory(caller);
    if (mem == NULL)
        return NULL;
    if (len == 0)
        return off <= wa_memory_size(mem) ? &empty : NULL;
    return wa_memory_range(mem, off, len);
}

static uint32_t wasi_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wasi_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wasi_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool wasi_name_is(wa_name n, const char *s)
{
    size_t len = strlen(s);
    return n.len == len && memcmp(n.ptr, s, len) == 0;
}

/* A call needs a facet the context was not granted: tell the embedder
 * (for its audit log) and return the errno. */
static uint32_t wasi_deny(const wasi_ctx *ctx, unsigned facet)
{
    if (ctx->denied)
        ctx->denied(ctx->denied_arg, facet);
    return WASI_ENOTCAPABLE;
}

/* 0 if the guest may use descriptor fd at all; else EBADF (not 0..2, or
 * closed) or NOTCAPABLE (its facet was not granted). */
static uint32_t wasi_check_fd(const wasi_ctx *ctx, uint32_t fd)
{
    static const unsigned facet[3] = {WASI_CAP_STDIN, WASI_CAP_STDOUT, WASI_CAP_STDERR};
    if (fd > 2)
        return WASI_EBADF;
    if (!(ctx->caps & facet[fd]))
        return wasi_deny(ctx, facet[fd]);
    return ctx->closed[fd] ? WASI_EBADF : WASI_ESUCCESS;
}

/* Checks an iovec array of n entries at `iovs` and every buffer it names.
 * Returns 0 and the pointer to the array in *vec, or the errno. */
static uint32_t wasi_check_iovs(wa_instance *caller, uint32_t iovs, uint32_t n, const uint8_t **vec,
                                uint64_t *total)
{
    if (n > WASI_MAX_IOVS)
        return WASI_EINVAL;
    const uint8_t *v = wasi_guest(caller, iovs, (uint64_t)n * 8);
    if (v == NULL)
        return WASI_EFAULT;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = wasi_get32(v + 8 * i + 4);
        if (wasi_guest(caller, wasi_get32(v + 8 * i), len) == NULL)
            return WASI_EFAULT;
        sum += len;
    }
    *vec = v;
    *total = sum;
    return WASI_ESUCCESS;
}

static bool wasi_emit(wasi_ctx *ctx, uint32_t fd, const uint8_t *p, size_t len)
{
    if (ctx->output != NULL)
        return ctx->output(ctx->output_arg, fd, p, len);
    while (len > 0) {
        ssize_t n = write((int)fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool wasi_strings_init(wasi_strings *s, const char *const *v, size_t count)
{
    uint64_t size = 0;
    for (size_t i = 0; i < count; i++) {
        if (v[i] == NULL)
            return false;
        size += strlen(v[i]) + 1;
    }
    if (count > UINT32_MAX / 4 || size > UINT32_MAX)
        return false;
    s->count = (uint32_t)count;
    s->size = (uint32_t)size;
    s->buf = malloc(size ? size : 1);
    if (s->buf == NULL)
        return false;
    char *p = s->buf;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(p, v[i], len);
        p += len;
    }
    return true;
}

/* args_sizes_get and environ_sizes_get. */
static wa_trap wasi_strings_sizes(const wasi_strings *s, wa_instance *caller, wa_val *io)
{
    uint8_t *count = wasi_guest(caller, io[0].i32, 4);
    uint8_t *size = wasi_guest(caller, io[1].i32, 4);
    if (count == NULL || size == NULL)
        return wasi_ret(io, WASI_EFAULT);
    wasi_put32(count, s->count);
    wasi_put32(size, s->size);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* args_get and environ_get: a table of `count` guest pointers at io[0], the
 * strings at io[1]. */
static wa_trap wasi_strings_get(const wasi_strings *s, wa_instance *caller, wa_val *io)
{
    uint32_t table_off = io[0].i32, buf_off = io[1].i32;
    uint8_t *table = wasi_guest(caller, table_off, (uint64_t)s->count * 4);
    uint8_t *buf = wasi_guest(caller, buf_off, s->size);
    if (table == NULL || buf == NULL)
        return wasi_ret(io, WASI_EFAULT);
    /* buf_off + size <= memory size <= 2^32, so each string's address fits. */
    uint32_t at = 0;
    for (uint32_t i = 0; i < s->count; i++) {
        wasi_put32(table + 4 * i, buf_off + at);
        at += (uint32_t)strlen(s->buf + at) + 1;
    }
    if (s->size > 0)
        memcpy(buf, s->buf, s->size);
    return wasi_ret(io, WASI_ESUCCESS);
}

static uint32_t wasi_clock_check(const wasi_ctx *ctx, uint32_t id, clockid_t *out)
{
    if (!(ctx->caps & WASI_CAP_CLOCK))
        return wasi_deny(ctx, WASI_CAP_CLOCK);
    if (id == WASI_CLOCK_REALTIME)
        *out = CLOCK_REALTIME;
    else if (id == WASI_CLOCK_MONOTONIC)
        *out = CLOCK_MONOTONIC;
    else
        return WASI_EINVAL;
    return WASI_ESUCCESS;
}

static uint64_t wasi_ns(const struct timespec *ts)
{
    if (ts->tv_sec < 0)
        return 0;
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* ---- the host functions --------------------------------------------------- */

static wa_trap wasi_args_get(wa_instance *caller, void *env, wa_val *io)
{
    wasi_ctx *ctx = env;
    return wasi_strings_get(&ctx->args, caller, io);
}

static wa_trap wasi_args_sizes_get(wa_instance *caller, void *env, wa_val *io)
{
    wasi_ctx *ctx = env;
    return wasi_strings_sizes(&ctx->args, caller, io);
}

static wa_trap wasi_environ_get(wa_instance *caller, void *env, wa_val *io)
{
    wasi_ctx *ctx = env;
    if (!(ctx->caps & WASI_CAP_ENV))
        return wasi_ret(io, wasi_deny(ctx, WASI_CAP_ENV));
    return wasi_strings_get(&ctx->env, caller, io);
}

static wa_trap wasi_environ_sizes_get(wa_instance *caller, void *env, wa_val *io)
{
    wasi_ctx *ctx = env;
    if (!(ctx->caps & WASI_CAP_ENV))
        return wasi_ret(io, wasi_deny(ctx, WASI_CAP_ENV));
    return wasi_strings_sizes(&ctx->env, caller, io);
}

/* clock_res_get and clock_time_get: check the clock, ask libc, store the
 * nanoseconds at the pointer in argument `out_arg`. */
static wa_trap wasi_clock_query(wa_instance *caller, void *env, wa_val *io, uint32_t out_arg,
                                int (*query)(clockid_t, struct timespec *))
{
    clockid_t clock;
    uint32_t err = wasi_clock_check(env, io[0].i32, &clock);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    uint8_t *out = wasi_guest(caller, io[out_arg].i32, 8);
    if (out == NULL)
        return wasi_ret(io, WASI_EFAULT);
    struct timespec ts;
    if (query(clock, &ts) != 0)
        return wasi_ret(io, WASI_EIO);
    wasi_put64(out, wasi_ns(&ts));
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (id, resolution_ptr) */
static wa_trap wasi_clock_res_get(wa_instance *caller, void *env, wa_val *io)
{
    return wasi_clock_query(caller, env, io, 1, clock_getres);
}

/* (id, precision: i64, time_ptr); the precision hint is ignored. */
static wa_trap wasi_clock_time_get(wa_instance *caller, void *env, wa_val *io)
{
    return wasi_clock_query(caller, env, io, 2, clock_gettime);
}

/* (buf, len) */
static wa_trap wasi_random_get(wa_instance *caller, void *env, wa_val *io)
{
    wasi_ctx *ctx = env;
    if (!(ctx->caps & WASI_CAP_RANDOM))
        return wasi_ret(io, wasi_deny(ctx, WASI_CAP_RANDOM));
    uint8_t *p = wasi_guest(caller, io[0].i32, io[1].i32);
    if (p == NULL)
        return wasi_ret(io, WASI_EFAULT);
    size_t left = io[1].i32;
    while (left > 0) {
        ssize_t n = getrandom(p, left, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return wasi_ret(io, WASI_EIO);
        p += n;
        left -= (size_t)n;
    }
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, iovs, iovs_len, nwritten_ptr) */
static wa_trap wasi_fd_write(wa_instance *caller, void *env, wa_val *io)
{
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32, n = io[2].i32;
    uint32_t err = fd == 0 ? WASI_EBADF : wasi_check_fd(ctx, fd);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    const uint8_t *vec;
    uint64_t total;
    err = wasi_check_iovs(caller, io[1].i32, n, &vec, &total);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    if (total > UINT32_MAX)
        return wasi_ret(io, WASI_EINVAL);
    uint8_t *nwritten = wasi_guest(caller, io[3].i32, 4);
    if (nwritten == NULL)
        return wasi_ret(io, WASI_EFAULT);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = wasi_get32(vec + 8 * i + 4);
        if (len > 0 && !wasi_emit(ctx, fd, wasi_guest(caller, wasi_get32(vec + 8 * i), len), len))
            return wasi_ret(io, WASI_EIO);
    }
    wasi_put32(nwritten, (uint32_t)total);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, iovs, iovs_len, nread_ptr): one read(2) into the first non-empty
 * buffer; a short read is always allowed, and a second read could block
 * although data was already delivered. */
static wa_trap wasi_fd_read(wa_instance *caller, void *env, wa_val *io)
{
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32, n = io[2].i32;
    uint32_t err = fd == 1 || fd == 2 ? WASI_EBADF : wasi_check_fd(ctx, fd);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    const uint8_t *vec;
    uint64_t total;
    err = wasi_check_iovs(caller, io[1].i32, n, &vec, &total);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    uint8_t *nread = wasi_guest(caller, io[3].i32, 4);
    if (nread == NULL)
        return wasi_ret(io, WASI_EFAULT);
    ssize_t got = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = wasi_get32(vec + 8 * i + 4);
        if (len == 0)
            continue;
        do
            got = read(0, wasi_guest(caller, wasi_get32(vec + 8 * i), len), len);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            return wasi_ret(io, errno == EAGAIN ? WASI_EAGAIN : WASI_EIO);
        break;
    }
    wasi_put32(nread, (uint32_t)got);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, fdstat_ptr): stdio are character devices that cannot seek, so
 * wasi-libc line-buffers standard output. */
static wa_trap wasi_fd_fdstat_get(wa_instance *caller, void *env, wa_val *io)
{
    uint32_t fd = io[0].i32;
    uint32_t err = wasi_check_fd(env, fd);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    uint8_t *out = wasi_guest(caller, io[1].i32, 24);
    if (out == NULL)
        return wasi_ret(io, WASI_EFAULT);
    uint64_t rights = WASI_RIGHT_POLL_FD_READWRITE;
    rights |= fd == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE;
    /* fs_filetype u8 at 0, fs_flags u16 at 2 (none), fs_rights_base u64 at 8,
     * fs_rights_inheriting u64 at 16 (none). */
    memset(out, 0, 24);
    out[0] = WASI_FILETYPE_CHARACTER_DEVICE;
    wasi_put64(out + 8, rights);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, offset: i64, whence, newoffset_ptr) */
static wa_trap wasi_fd_seek(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    uint32_t err = wasi_check_fd(env, io[0].i32);
    return wasi_ret(io, err != WASI_ESUCCESS ? err : WASI_ESPIPE);
}

/* (fd): later use of the descriptor gives EBADF; the host's stays open. */
static wa_trap wasi_fd_close(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32;
    uint32_t err = wasi_check_fd(ctx, fd);
    if (err == WASI_ESUCCESS)
        ctx->closed[fd] = true;
    return wasi_ret(io, err);
}

/* (fd, prestat_ptr) and (fd, path, path_len): nothing is preopened, which
 * ends wasi-libc's scan for preopened directories at fd 3. */
static wa_trap wasi_fd_prestat_get(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    (void)env;
    return wasi_ret(io, WASI_EBADF);
}

static wa_trap wasi_fd_prestat_dir_name(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    (void)env;
    return wasi_ret(io, WASI_EBADF);
}

/* (code) -> (): ends the whole call with WA_TRAP_EXIT. */
static wa_trap wasi_proc_exit(wa_instance *caller, void *env, wa_val *io)
{
    wasi_ctx *ctx = env;
    ctx->exited = true;
    ctx->exit_code = io[0].i32;
    wa_instance_set_trap_message(caller, "proc_exit(%" PRIu32 ")", ctx->exit_code);
    return WA_TRAP_EXIT;
}

static wa_trap wasi_sched_yield(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    (void)env;
    return wasi_ret(io, WASI_ESUCCESS);
}

/* Parameter types, then result types, shared between signatures. */
static const uint8_t wasi_t_i32x5[] = {WA_I32, WA_I32, WA_I32, WA_I32, WA_I32};
static const uint8_t wasi_t_clock_time[] = {WA_I32, WA_I64, WA_I32, WA_I32};
static const uint8_t wasi_t_seek[] = {WA_I32, WA_I64, WA_I32, WA_I32, WA_I32};

static const wasi_fn wasi_fns[WASI_NFNS] = {
    {"args_get", {2, 1, wasi_t_i32x5}, wasi_args_get},
    {"args_sizes_get", {2, 1, wasi_t_i32x5}, wasi_args_sizes_get},
    {"environ_get", {2, 1, wasi_t_i32x5}, wasi_environ_get},
    {"environ_sizes_get", {2, 1, wasi_t_i32x5}, wasi_environ_sizes_get},
    {"clock_res_get", {2, 1, wasi_t_i32x5}, wasi_clock_res_get},
    {"clock_time_get", {3, 1, wasi_t_clock_time}, wasi_clock_time_get},
    {"random_get", {2, 1, wasi_t_i32x5}, wasi_random_get},
    {"fd_write", {4, 1, wasi_t_i32x5}, wasi_fd_write},
    {"fd_read", {4, 1, wasi_t_i32x5}, wasi_fd_read},
    {"fd_fdstat_get", {2, 1, wasi_t_i32x5}, wasi_fd_fdstat_get},
    {"fd_seek", {4, 1, wasi_t_seek}, wasi_fd_seek},
    {"fd_close", {1, 1, wasi_t_i32x5}, wasi_fd_close},
    {"fd_prestat_get", {2, 1, wasi_t_i32x5}, wasi_fd_prestat_get},
    {"fd_prestat_dir_name", {3, 1, wasi_t_i32x5}, wasi_fd_prestat_dir_name},
    {"proc_exit", {1, 0, wasi_t_i32x5}, wasi_proc_exit},
    {"sched_yield", {0, 1, wasi_t_i32x5}, wasi_sched_yield},
};

/* ---- the context ----------------------------------------------------------- */

static int wasi_find(wa_name module, wa_name field)
{
    if (!wasi_name_is(module, WASI_MODULE))
        return -1;
    for (int i = 0; i < WASI_NFNS; i++)
        if (wasi_name_is(field, wasi_fns[i].name))
            return i;
    return -1;
}

const wa_functype *wasi_import_type(wa_name module, wa_name field)
{
    int i = wasi_find(module, field);
    return i < 0 ? NULL : &wasi_fns[i].type;
}

wasi_ctx *wasi_ctx_new(const wasi_options *opts)
{
    if (opts == NULL || opts->argc < 0 || (opts->argc > 0 && opts->argv == NULL))
        return NULL;
    wasi_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return NULL;
    size_t nenv = 0;
    while (opts->envp != NULL && opts->envp[nenv] != NULL)
        nenv++;
    ctx->caps = opts->caps;
    ctx->output = opts->output;
    ctx->output_arg = opts->output_arg;
    ctx->denied = opts->denied;
    ctx->denied_arg = opts->denied_arg;
    bool ok = wasi_strings_init(&ctx->args, opts->argv, (size_t)opts->argc) &&
              wasi_strings_init(&ctx->env, opts->envp, nenv);
    for (int i = 0; ok && i < WASI_NFNS; i++) {
        ctx->funcs[i] = wa_func_new_host(&wasi_fns[i].type, wasi_fns[i].fn, ctx);
        ok = ctx->funcs[i] != NULL;
    }
    if (!ok) {
        wasi_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

void wasi_ctx_free(wasi_ctx *ctx)
{
    if (ctx == NULL)
        return;
    for (int i = 0; i < WASI_NFNS; i++)
        if (ctx->funcs[i] != NULL)
            wa_func_free(ctx->funcs[i]);
    free(ctx->args.buf);
    free(ctx->env.buf);
    free(ctx);
}

bool wasi_resolve(wasi_ctx *ctx, wa_name module, wa_name field, wa_extern *out)
{
    int i = wasi_find(module, field);
    if (ctx == NULL || i < 0)
        return false;
    out->kind = WA_EXTERN_FUNC;
    out->u.func = ctx->funcs[i];
    return true;
}

bool wasi_exited(const wasi_ctx *ctx, uint32_t *code)
{
    if (ctx == NULL || !ctx->exited)
        return false;
    if (code != NULL)
        *code = ctx->exit_code;
    return true;
}
