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
 * The context creates all its host functions up front (46 small objects),
 * so resolving an import cannot fail for lack of memory. Descriptors, files
 * and polling are in wasi_fs.c, path resolution in wasi_path.c.
 */
#include "wasi_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define WASI_CLOCK_REALTIME 0u
#define WASI_CLOCK_MONOTONIC 1u

typedef struct wasi_fn {
    const char *name;
    wa_functype type;
    wa_host_fn fn;
} wasi_fn;

#define WASI_NFNS 46 /* entries of wasi_fns: all of preview1 */

typedef struct wasi_strings wasi_strings;

/* ---- helpers ------------------------------------------------------------- */

wa_trap wasi_ret(wa_val *io, uint32_t err)
{
    io[0].i32 = err;
    return WA_TRAP_NONE;
}

/* [off, off+len) of the caller's memory 0, or NULL if that range is not
 * inside it (or there is no memory). An empty range is inside when off is at
 * most the size; the pointer returned for it must not be dereferenced. */
uint8_t *wasi_guest(wa_instance *caller, uint64_t off, uint64_t len)
{
    static uint8_t empty;
    wa_memory *mem = wa_instance_memory(caller);
    if (mem == NULL)
        return NULL;
    if (len == 0)
        return off <= wa_memory_size(mem) ? &empty : NULL;
    return wa_memory_range(mem, off, len);
}

uint32_t wasi_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void wasi_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void wasi_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void wasi_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

uint64_t wasi_get64(const uint8_t *p)
{
    return (uint64_t)wasi_get32(p) | (uint64_t)wasi_get32(p + 4) << 32;
}

/* The WASI errno for a host errno; EIO for any without a better word. */
uint32_t wasi_errno(int e)
{
    static const struct {
        int host;
        uint16_t wasi;
    } map[] = {
        {E2BIG, WASI_E2BIG},
        {EACCES, WASI_EACCES},
        {EAGAIN, WASI_EAGAIN},
        {EBADF, WASI_EBADF},
        {EBUSY, WASI_EBUSY},
        {EEXIST, WASI_EEXIST},
        {EFAULT, WASI_EFAULT},
        {EFBIG, WASI_EFBIG},
        {EILSEQ, WASI_EILSEQ},
        {EINTR, WASI_EINTR},
        {EINVAL, WASI_EINVAL},
        {EIO, WASI_EIO},
        {EISDIR, WASI_EISDIR},
        {ELOOP, WASI_ELOOP},
        {EMFILE, WASI_EMFILE},
        {EMLINK, WASI_EMLINK},
        {ENAMETOOLONG, WASI_ENAMETOOLONG},
        {ENFILE, WASI_ENFILE},
        {ENOENT, WASI_ENOENT},
        {ENOMEM, WASI_ENOMEM},
        {ENOSPC, WASI_ENOSPC},
        {ENOSYS, WASI_ENOSYS},
        {ENOTDIR, WASI_ENOTDIR},
        {ENOTEMPTY, WASI_ENOTEMPTY},
        {ENOTSOCK, WASI_ENOTSOCK},
        {EOPNOTSUPP, WASI_ENOTSUP},
        {ENXIO, WASI_ENXIO},
        {EOVERFLOW, WASI_EOVERFLOW},
        {EPERM, WASI_EPERM},
        {EPIPE, WASI_EPIPE},
        {ERANGE, WASI_ERANGE},
        {EROFS, WASI_EROFS},
        {ESPIPE, WASI_ESPIPE},
        {ETXTBSY, WASI_ETXTBSY},
        {EXDEV, WASI_EXDEV},
        {EDQUOT, WASI_ENOSPC},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].host == e)
            return map[i].wasi;
    return WASI_EIO;
}

static bool wasi_name_is(wa_name n, const char *s)
{
    size_t len = strlen(s);
    return n.len == len && memcmp(n.ptr, s, len) == 0;
}

/* A call needs a facet the context was not granted: tell the embedder
 * (for its audit log) and return the errno. */
uint32_t wasi_deny(const wasi_ctx *ctx, unsigned facet)
{
    if (ctx->denied)
        ctx->denied(ctx->denied_arg, facet);
    return WASI_ENOTCAPABLE;
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

/* (signal): deprecated in preview1 and gone from later versions; a guest
 * cannot signal the host process. */
static wa_trap wasi_proc_raise(wa_instance *caller, void *env, wa_val *io)
{
    (void)caller;
    (void)env;
    return wasi_ret(io, WASI_ENOSYS);
}

/* Parameter types, then result types (i32 errno), shared between signatures;
 * I = i32, L = i64. */
#define I WA_I32
#define L WA_I64
static const uint8_t t_i32s[] = {I, I, I, I, I, I, I, I, I, I};
static const uint8_t t_clock_time[] = {I, L, I, I};
static const uint8_t t_seek[] = {I, L, I, I, I};
static const uint8_t t_advise[] = {I, L, L, I, I};
static const uint8_t t_allocate[] = {I, L, L, I};
static const uint8_t t_set_rights[] = {I, L, L, I};
static const uint8_t t_set_size[] = {I, L, I};
static const uint8_t t_fd_times[] = {I, L, L, I, I};
static const uint8_t t_prw[] = {I, I, I, L, I, I};
static const uint8_t t_readdir[] = {I, I, I, L, I, I};
static const uint8_t t_path_times[] = {I, I, I, I, L, L, I, I};
static const uint8_t t_path_open[] = {I, I, I, I, I, L, L, I, I, I};
#undef I
#undef L

/* Sorted as preview1's witx lists them. */
static const wasi_fn wasi_fns[WASI_NFNS] = {
    {"args_get", {2, 1, t_i32s}, wasi_args_get},
    {"args_sizes_get", {2, 1, t_i32s}, wasi_args_sizes_get},
    {"environ_get", {2, 1, t_i32s}, wasi_environ_get},
    {"environ_sizes_get", {2, 1, t_i32s}, wasi_environ_sizes_get},
    {"clock_res_get", {2, 1, t_i32s}, wasi_clock_res_get},
    {"clock_time_get", {3, 1, t_clock_time}, wasi_clock_time_get},
    {"fd_advise", {4, 1, t_advise}, wasi_fd_advise},
    {"fd_allocate", {3, 1, t_allocate}, wasi_fd_allocate},
    {"fd_close", {1, 1, t_i32s}, wasi_fd_close},
    {"fd_datasync", {1, 1, t_i32s}, wasi_fd_datasync},
    {"fd_fdstat_get", {2, 1, t_i32s}, wasi_fd_fdstat_get},
    {"fd_fdstat_set_flags", {2, 1, t_i32s}, wasi_fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", {3, 1, t_set_rights}, wasi_fd_fdstat_set_rights},
    {"fd_filestat_get", {2, 1, t_i32s}, wasi_fd_filestat_get},
    {"fd_filestat_set_size", {2, 1, t_set_size}, wasi_fd_filestat_set_size},
    {"fd_filestat_set_times", {4, 1, t_fd_times}, wasi_fd_filestat_set_times},
    {"fd_pread", {5, 1, t_prw}, wasi_fd_pread},
    {"fd_prestat_get", {2, 1, t_i32s}, wasi_fd_prestat_get},
    {"fd_prestat_dir_name", {3, 1, t_i32s}, wasi_fd_prestat_dir_name},
    {"fd_pwrite", {5, 1, t_prw}, wasi_fd_pwrite},
    {"fd_read", {4, 1, t_i32s}, wasi_fd_read},
    {"fd_readdir", {5, 1, t_readdir}, wasi_fd_readdir},
    {"fd_renumber", {2, 1, t_i32s}, wasi_fd_renumber},
    {"fd_seek", {4, 1, t_seek}, wasi_fd_seek},
    {"fd_sync", {1, 1, t_i32s}, wasi_fd_sync},
    {"fd_tell", {2, 1, t_i32s}, wasi_fd_tell},
    {"fd_write", {4, 1, t_i32s}, wasi_fd_write},
    {"path_create_directory", {3, 1, t_i32s}, wasi_path_create_directory},
    {"path_filestat_get", {5, 1, t_i32s}, wasi_path_filestat_get},
    {"path_filestat_set_times", {7, 1, t_path_times}, wasi_path_filestat_set_times},
    {"path_link", {7, 1, t_i32s}, wasi_path_link},
    {"path_open", {9, 1, t_path_open}, wasi_path_open},
    {"path_readlink", {6, 1, t_i32s}, wasi_path_readlink},
    {"path_remove_directory", {3, 1, t_i32s}, wasi_path_remove_directory},
    {"path_rename", {6, 1, t_i32s}, wasi_path_rename},
    {"path_symlink", {5, 1, t_i32s}, wasi_path_symlink},
    {"path_unlink_file", {3, 1, t_i32s}, wasi_path_unlink_file},
    {"poll_oneoff", {4, 1, t_i32s}, wasi_poll_oneoff},
    {"proc_exit", {1, 0, t_i32s}, wasi_proc_exit},
    {"proc_raise", {1, 1, t_i32s}, wasi_proc_raise},
    {"sched_yield", {0, 1, t_i32s}, wasi_sched_yield},
    {"random_get", {2, 1, t_i32s}, wasi_random_get},
    {"sock_accept", {3, 1, t_i32s}, wasi_sock_accept},
    {"sock_recv", {6, 1, t_i32s}, wasi_sock_recv},
    {"sock_send", {5, 1, t_i32s}, wasi_sock_send},
    {"sock_shutdown", {2, 1, t_i32s}, wasi_sock_shutdown},
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
    ctx->walk_only = opts->walk_only;
    ctx->blocking = opts->blocking;
    ctx->funcs = calloc(WASI_NFNS, sizeof *ctx->funcs);
    if (ctx->funcs == NULL || !wasi_fds_init(ctx, opts)) {
        int e = errno;
        wasi_ctx_free(ctx);
        errno = e;
        return NULL;
    }
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
    for (int i = 0; ctx->funcs != NULL && i < WASI_NFNS; i++)
        if (ctx->funcs[i] != NULL)
            wa_func_free(ctx->funcs[i]);
    free(ctx->funcs);
    wasi_fds_free(ctx);
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
