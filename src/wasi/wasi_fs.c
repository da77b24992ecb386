/*
 * wasi_fs.c: the guest's descriptor table and the preview1 calls on
 * descriptors and paths.
 *
 * Descriptors 0..2 are the standard streams (checked against their facets;
 * with an output callback, 1 and 2 go there instead of the host's). Then come
 * the preopened directories, then whatever the guest opens. Every path is
 * resolved by wasi_open_beneath, so a guest reaches only the trees it was
 * given; a tree given read-only refuses every change with NOTCAPABLE.
 *
 * As in wasi.c: check the descriptor, then the arguments, then every guest
 * range, and only then act.
 */
#include "wasi_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define RIGHT_FD_READ (UINT64_C(1) << 1)
#define RIGHT_FD_SEEK (UINT64_C(1) << 2)
#define RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define RIGHT_FD_TELL (UINT64_C(1) << 5)
#define RIGHT_FD_READDIR (UINT64_C(1) << 14)
#define RIGHTS_ALL ((UINT64_C(1) << 30) - 1)

#define FDFLAG_APPEND 1u
#define FDFLAG_DSYNC 2u
#define FDFLAG_NONBLOCK 4u
#define FDFLAG_RSYNC 8u
#define FDFLAG_SYNC 16u

#define OFLAG_CREAT 1u
#define OFLAG_DIRECTORY 2u
#define OFLAG_EXCL 4u
#define OFLAG_TRUNC 8u

#define LOOKUP_FOLLOW 1u

#define FST_ATIM 1u
#define FST_ATIM_NOW 2u
#define FST_MTIM 4u
#define FST_MTIM_NOW 8u

#define WASI_MAX_PATH 4096u
#define WASI_MAX_SUBS 4096u /* poll_oneoff subscriptions in one call */

/* ---- the table ------------------------------------------------------------ */

wasi_fd *wasi_fd_get(wasi_ctx *ctx, uint32_t fd, uint32_t *err)
{
    static const unsigned facet[3] = {WASI_CAP_STDIN, WASI_CAP_STDOUT, WASI_CAP_STDERR};
    if (fd >= ctx->nfds || ctx->fds[fd].host < 0) {
        /* A stream whose facet was never granted is refused as such. */
        if (fd < 3 && !(ctx->caps & facet[fd]))
            *err = wasi_deny(ctx, facet[fd]);
        else
            *err = WASI_EBADF;
        return NULL;
    }
    wasi_fd *f = &ctx->fds[fd];
    if (f->facet != 0 && !(ctx->caps & f->facet)) {
        *err = wasi_deny(ctx, f->facet);
        return NULL;
    }
    *err = WASI_ESUCCESS;
    return f;
}

static void fd_release(wasi_fd *f)
{
    if (f->dir != NULL)
        closedir(f->dir); /* a dup of host */
    if (f->own && f->host >= 0)
        close(f->host);
    free(f->preopen);
    memset(f, 0, sizeof *f);
    f->host = -1;
}

/* A free slot (>= 3) for a new descriptor, or -1 (EMFILE / ENOMEM). */
static int fd_slot(wasi_ctx *ctx)
{
    for (uint32_t i = 3; i < ctx->nfds; i++)
        if (ctx->fds[i].host < 0)
            return (int)i;
    if (ctx->nfds >= WASI_MAX_FDS)
        return -1;
    uint32_t n = ctx->nfds * 2 > WASI_MAX_FDS ? WASI_MAX_FDS : ctx->nfds * 2;
    wasi_fd *fds = realloc(ctx->fds, n * sizeof *fds);
    if (fds == NULL)
        return -1;
    for (uint32_t i = ctx->nfds; i < n; i++) {
        memset(&fds[i], 0, sizeof fds[i]);
        fds[i].host = -1;
    }
    int slot = (int)ctx->nfds;
    ctx->fds = fds;
    ctx->nfds = n;
    return slot;
}

bool wasi_fds_init(wasi_ctx *ctx, const wasi_options *opts)
{
    ctx->nfds = 8;
    ctx->fds = calloc(ctx->nfds, sizeof *ctx->fds);
    if (ctx->fds == NULL)
        return false;
    for (uint32_t i = 0; i < ctx->nfds; i++)
        ctx->fds[i].host = i < 3 ? (int)i : -1;
    static const unsigned facet[3] = {WASI_CAP_STDIN, WASI_CAP_STDOUT, WASI_CAP_STDERR};
    for (uint32_t i = 0; i < 3; i++) {
        ctx->fds[i].facet = facet[i];
        ctx->fds[i].callback = i > 0 && ctx->output != NULL;
    }
    for (size_t i = 0; i < opts->npreopens; i++) {
        const wasi_preopen *p = &opts->preopens[i];
        if (p->host == NULL || p->guest == NULL) {
            errno = EINVAL;
            return false;
        }
        int fd = open(p->host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return false;
        int slot = fd_slot(ctx);
        char *name = strdup(p->guest);
        if (slot < 0 || name == NULL) {
            close(fd);
            free(name);
            errno = slot < 0 ? EMFILE : ENOMEM;
            return false;
        }
        wasi_fd *f = &ctx->fds[slot];
        f->host = fd;
        f->own = true;
        f->preopen = name;
        f->readonly = !p->writable;
    }
    return true;
}

void wasi_fds_free(wasi_ctx *ctx)
{
    for (uint32_t i = 0; ctx->fds != NULL && i < ctx->nfds; i++)
        fd_release(&ctx->fds[i]);
    free(ctx->fds);
    ctx->fds = NULL;
}

/* ---- helpers ------------------------------------------------------------- */

static uint8_t filetype_of(mode_t m)
{
    if (S_ISREG(m))
        return WASI_FILETYPE_REGULAR_FILE;
    if (S_ISDIR(m))
        return WASI_FILETYPE_DIRECTORY;
    if (S_ISCHR(m))
        return WASI_FILETYPE_CHARACTER_DEVICE;
    if (S_ISBLK(m))
        return WASI_FILETYPE_BLOCK_DEVICE;
    if (S_ISLNK(m))
        return WASI_FILETYPE_SYMBOLIC_LINK;
    if (S_ISSOCK(m))
        return WASI_FILETYPE_SOCKET_STREAM;
    return WASI_FILETYPE_UNKNOWN; /* a pipe: WASI has no word for it */
}

static uint64_t ts_ns(struct timespec ts)
{
    return ts.tv_sec < 0 ? 0 : (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* filestat: dev, ino, filetype u8 @16, nlink @24, size @32, atim, mtim, ctim. */
static void put_filestat(uint8_t *out, const struct stat *st)
{
    memset(out, 0, 64);
    wasi_put64(out, (uint64_t)st->st_dev);
    wasi_put64(out + 8, (uint64_t)st->st_ino);
    out[16] = filetype_of(st->st_mode);
    wasi_put64(out + 24, (uint64_t)st->st_nlink);
    wasi_put64(out + 32, (uint64_t)st->st_size);
    wasi_put64(out + 40, ts_ns(st->st_atim));
    wasi_put64(out + 48, ts_ns(st->st_mtim));
    wasi_put64(out + 56, ts_ns(st->st_ctim));
}

/* Does the open descriptor fd (a standard stream, perhaps renumbered) go to
 * the embedder's callback rather than a host fd? */
static bool to_callback(const wasi_ctx *ctx, uint32_t fd)
{
    return ctx->fds[fd].callback;
}

/* Is fd open and the standard stream with this facet? (Writing to stdin or
 * reading from stdout is EBADF, before any facet check.) */
static bool is_stream(const wasi_ctx *ctx, uint32_t fd, unsigned facet)
{
    return fd < ctx->nfds && ctx->fds[fd].host >= 0 && (ctx->fds[fd].facet & facet) != 0;
}

/* Checks an iovec array and every buffer it names; fills the host iovecs
 * (malloc'd, *out) when vec is not NULL. */
static uint32_t get_iovs(wa_instance *caller, uint32_t iovs, uint32_t n, struct iovec **out,
                         uint64_t *total)
{
    if (n > WASI_MAX_IOVS)
        return WASI_EINVAL;
    const uint8_t *v = wasi_guest(caller, iovs, (uint64_t)n * 8);
    if (v == NULL)
        return WASI_EFAULT;
    struct iovec *vec = calloc(n ? n : 1, sizeof *vec);
    if (vec == NULL)
        return WASI_ENOMEM;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = wasi_get32(v + 8 * i + 4);
        uint8_t *p = wasi_guest(caller, wasi_get32(v + 8 * i), len);
        if (p == NULL) {
            free(vec);
            return WASI_EFAULT;
        }
        vec[i].iov_base = p;
        vec[i].iov_len = len;
        sum += len;
    }
    if (sum > UINT32_MAX) {
        free(vec);
        return WASI_EINVAL;
    }
    *out = vec;
    *total = sum;
    return WASI_ESUCCESS;
}

/* A guest path (ptr, len) as a host string (malloc'd in *out). */
static uint32_t get_path(wa_instance *caller, uint32_t ptr, uint32_t len, char **out)
{
    if (len > WASI_MAX_PATH)
        return WASI_ENAMETOOLONG;
    const uint8_t *p = wasi_guest(caller, ptr, len);
    if (p == NULL)
        return WASI_EFAULT;
    if (memchr(p, 0, len) != NULL)
        return WASI_EINVAL;
    char *s = malloc(len + 1u);
    if (s == NULL)
        return WASI_ENOMEM;
    memcpy(s, p, len);
    s[len] = '\0';
    *out = s;
    return WASI_ESUCCESS;
}

/* A directory descriptor a path call may start from. */
static wasi_fd *dir_fd(wasi_ctx *ctx, uint32_t fd, uint32_t *err)
{
    wasi_fd *f = wasi_fd_get(ctx, fd, err);
    if (f == NULL)
        return NULL;
    struct stat st;
    if (f->facet != 0 || fstat(f->host, &st) != 0 || !S_ISDIR(st.st_mode)) {
        *err = WASI_ENOTDIR;
        return NULL;
    }
    return f;
}

/* Splits path into the directory that holds its last component (opened
 * beneath base, O_PATH, in *parent) and that component (*name, inside
 * path). A path ending in "." or ".." names a directory itself: *parent is
 * then that directory and *name ".". */
static uint32_t split_path(wasi_ctx *ctx, int base, char *path, int *parent, const char **name)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    char *slash = strrchr(path, '/');
    const char *last = slash ? slash + 1 : path;
    if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0 || path[0] == '/' || path[0] == '\0') {
        *name = ".";
        return wasi_open_beneath(base, path, O_PATH | O_DIRECTORY, 0, true, ctx->walk_only, parent);
    }
    *name = last;
    if (slash == NULL)
        return wasi_open_beneath(base, ".", O_PATH | O_DIRECTORY, 0, true, ctx->walk_only, parent);
    *slash = '\0';
    uint32_t err = wasi_open_beneath(base, path[0] ? path : ".", O_PATH | O_DIRECTORY, 0, true,
                                     ctx->walk_only, parent);
    return err;
}

/* ---- descriptors ---------------------------------------------------------- */

WASI_HOSTFN(wasi_fd_write)
{
    (void)caller;
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32, err;
    bool input = is_stream(ctx, fd, WASI_CAP_STDIN) || (fd == 0 && ctx->fds[0].host < 0);
    wasi_fd *f = input ? NULL : wasi_fd_get(ctx, fd, &err);
    if (input)
        err = WASI_EBADF;
    if (f == NULL)
        return wasi_ret(io, err);
    struct iovec *vec;
    uint64_t total;
    err = get_iovs(caller, io[1].i32, io[2].i32, &vec, &total);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    uint8_t *nwritten = wasi_guest(caller, io[3].i32, 4);
    if (nwritten == NULL) {
        free(vec);
        return wasi_ret(io, WASI_EFAULT);
    }
    uint32_t n = io[2].i32;
    if (to_callback(ctx, fd)) {
        for (uint32_t i = 0; i < n; i++)
            if (vec[i].iov_len > 0 &&
                !ctx->output(ctx->output_arg, fd, vec[i].iov_base, vec[i].iov_len)) {
                free(vec);
                return wasi_ret(io, WASI_EIO);
            }
        free(vec);
        wasi_put32(nwritten, (uint32_t)total);
        return wasi_ret(io, WASI_ESUCCESS);
    }
    ssize_t got;
    do
        got = writev(f->host, vec, (int)n);
    while (got < 0 && errno == EINTR);
    free(vec);
    if (got < 0)
        return wasi_ret(io, wasi_errno(errno));
    wasi_put32(nwritten, (uint32_t)got);
    return wasi_ret(io, WASI_ESUCCESS);
}

WASI_HOSTFN(wasi_fd_read)
{
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32, err;
    bool output = is_stream(ctx, fd, WASI_CAP_STDOUT | WASI_CAP_STDERR);
    wasi_fd *f = output ? NULL : wasi_fd_get(ctx, fd, &err);
    if (output)
        err = WASI_EBADF;
    if (f == NULL)
        return wasi_ret(io, err);
    struct iovec *vec;
    uint64_t total;
    err = get_iovs(caller, io[1].i32, io[2].i32, &vec, &total);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    uint8_t *nread = wasi_guest(caller, io[3].i32, 4);
    if (nread == NULL) {
        free(vec);
        return wasi_ret(io, WASI_EFAULT);
    }
    ssize_t got;
    do
        got = readv(f->host, vec, (int)io[2].i32);
    while (got < 0 && errno == EINTR);
    free(vec);
    if (got < 0)
        return wasi_ret(io, wasi_errno(errno));
    wasi_put32(nread, (uint32_t)got);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* fd_pread and fd_pwrite: (fd, iovs, iovs_len, offset: i64, n_ptr) */
static wa_trap positioned(wa_instance *caller, wasi_ctx *ctx, wa_val *io, bool write)
{
    uint32_t fd = io[0].i32, err;
    wasi_fd *f = wasi_fd_get(ctx, fd, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    if (f->facet != 0)
        return wasi_ret(io, WASI_ESPIPE);
    if (io[3].i64 > (uint64_t)INT64_MAX)
        return wasi_ret(io, WASI_EINVAL);
    struct iovec *vec;
    uint64_t total;
    err = get_iovs(caller, io[1].i32, io[2].i32, &vec, &total);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    uint8_t *count = wasi_guest(caller, io[4].i32, 4);
    if (count == NULL) {
        free(vec);
        return wasi_ret(io, WASI_EFAULT);
    }
    ssize_t got;
    do
        got = write ? pwritev(f->host, vec, (int)io[2].i32, (off_t)io[3].i64)
                    : preadv(f->host, vec, (int)io[2].i32, (off_t)io[3].i64);
    while (got < 0 && errno == EINTR);
    free(vec);
    if (got < 0)
        return wasi_ret(io, wasi_errno(errno));
    wasi_put32(count, (uint32_t)got);
    return wasi_ret(io, WASI_ESUCCESS);
}

WASI_HOSTFN(wasi_fd_pread)
{
    return positioned(caller, env, io, false);
}

WASI_HOSTFN(wasi_fd_pwrite)
{
    return positioned(caller, env, io, true);
}

/* (fd, fdstat_ptr): the truth about the descriptor, from fstat. A terminal
 * is a character device without seek rights (wasi-libc's isatty test);
 * other character devices get them, so they are not taken for terminals. */
WASI_HOSTFN(wasi_fd_fdstat_get)
{
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32, err;
    wasi_fd *f = wasi_fd_get(ctx, fd, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    uint8_t *out = wasi_guest(caller, io[1].i32, 24);
    if (out == NULL)
        return wasi_ret(io, WASI_EFAULT);
    uint8_t type = WASI_FILETYPE_CHARACTER_DEVICE;
    uint64_t rights = RIGHTS_ALL;
    uint16_t flags = 0;
    struct stat st;
    if (to_callback(ctx, fd)) {
        rights &= ~(RIGHT_FD_SEEK | RIGHT_FD_TELL); /* a stream to the runtime's log */
    } else if (fstat(f->host, &st) == 0) {
        type = filetype_of(st.st_mode);
        if (type == WASI_FILETYPE_CHARACTER_DEVICE && isatty(f->host))
            rights &= ~(RIGHT_FD_SEEK | RIGHT_FD_TELL);
        int fl = fcntl(f->host, F_GETFL);
        if (fl >= 0) {
            flags |= (fl & O_APPEND) ? FDFLAG_APPEND : 0;
            flags |= (fl & O_NONBLOCK) ? FDFLAG_NONBLOCK : 0;
            flags |= (fl & O_SYNC) == O_SYNC ? FDFLAG_SYNC : 0;
        }
    } else {
        return wasi_ret(io, wasi_errno(errno));
    }
    /* filetype u8 at 0, flags u16 at 2, rights_base u64 at 8, inheriting at 16. */
    memset(out, 0, 24);
    out[0] = type;
    wasi_put16(out + 2, flags);
    wasi_put64(out + 8, rights);
    wasi_put64(out + 16, type == WASI_FILETYPE_DIRECTORY ? RIGHTS_ALL : 0);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, flags): APPEND and NONBLOCK can change; the sync flags only at open. */
WASI_HOSTFN(wasi_fd_fdstat_set_flags)
{
    (void)caller;
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32, flags = io[1].i32, err;
    wasi_fd *f = wasi_fd_get(ctx, fd, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    if (flags & ~(FDFLAG_APPEND | FDFLAG_NONBLOCK))
        return wasi_ret(io, flags > 31 ? WASI_EINVAL : WASI_ENOTSUP);
    if (to_callback(ctx, fd))
        return wasi_ret(io, WASI_ESUCCESS);
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0)
        return wasi_ret(io, wasi_errno(errno));
    fl &= ~(O_APPEND | O_NONBLOCK);
    fl |= (flags & FDFLAG_APPEND) ? O_APPEND : 0;
    fl |= (flags & FDFLAG_NONBLOCK) ? O_NONBLOCK : 0;
    if (fcntl(f->host, F_SETFL, fl) != 0)
        return wasi_ret(io, wasi_errno(errno));
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, base: i64, inheriting: i64): wactor does not model per-descriptor
 * rights (what a guest may do is decided by its preopens), so there is
 * nothing to drop. */
WASI_HOSTFN(wasi_fd_fdstat_set_rights)
{
    (void)caller;
    uint32_t err;
    if (wasi_fd_get(env, io[0].i32, &err) == NULL)
        return wasi_ret(io, err);
    return wasi_ret(io, WASI_ENOTSUP);
}

WASI_HOSTFN(wasi_fd_filestat_get)
{
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32, err;
    wasi_fd *f = wasi_fd_get(ctx, fd, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    uint8_t *out = wasi_guest(caller, io[1].i32, 64);
    if (out == NULL)
        return wasi_ret(io, WASI_EFAULT);
    struct stat st;
    memset(&st, 0, sizeof st);
    if (to_callback(ctx, fd))
        st.st_mode = S_IFCHR;
    else if (fstat(f->host, &st) != 0)
        return wasi_ret(io, wasi_errno(errno));
    put_filestat(out, &st);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* A descriptor that may be changed: not a stream to the callback, not under
 * a read-only preopen. */
static wasi_fd *changeable(wasi_ctx *ctx, uint32_t fd, uint32_t *err)
{
    wasi_fd *f = wasi_fd_get(ctx, fd, err);
    if (f != NULL && (to_callback(ctx, fd) || f->readonly)) {
        *err = f->readonly ? wasi_deny(ctx, WASI_CAP_FILES) : WASI_EINVAL;
        return NULL;
    }
    return f;
}

WASI_HOSTFN(wasi_fd_filestat_set_size)
{
    (void)caller;
    uint32_t err;
    wasi_fd *f = changeable(env, io[0].i32, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    if (io[1].i64 > (uint64_t)INT64_MAX)
        return wasi_ret(io, WASI_EINVAL);
    if (ftruncate(f->host, (off_t)io[1].i64) != 0)
        return wasi_ret(io, wasi_errno(errno));
    return wasi_ret(io, WASI_ESUCCESS);
}

/* The timespecs of utimensat for WASI's (atim, mtim, fstflags), or false. */
static bool set_times(uint64_t atim, uint64_t mtim, uint32_t fl, struct timespec ts[2])
{
    if (fl & ~15u || ((fl & FST_ATIM) && (fl & FST_ATIM_NOW)) ||
        ((fl & FST_MTIM) && (fl & FST_MTIM_NOW)))
        return false;
    uint64_t v[2] = {atim, mtim};
    uint32_t set[2] = {FST_ATIM, FST_MTIM}, now[2] = {FST_ATIM_NOW, FST_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        if (fl & now[i])
            ts[i].tv_nsec = UTIME_NOW;
        else if (fl & set[i])
            ts[i].tv_sec = (time_t)(v[i] / 1000000000u), ts[i].tv_nsec = (long)(v[i] % 1000000000u);
        else
            ts[i].tv_nsec = UTIME_OMIT;
    }
    return true;
}

/* (fd, atim: i64, mtim: i64, fst_flags) */
WASI_HOSTFN(wasi_fd_filestat_set_times)
{
    (void)caller;
    uint32_t err;
    wasi_fd *f = changeable(env, io[0].i32, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    struct timespec ts[2];
    memset(ts, 0, sizeof ts);
    if (!set_times(io[1].i64, io[2].i64, io[3].i32, ts))
        return wasi_ret(io, WASI_EINVAL);
    if (futimens(f->host, ts) != 0)
        return wasi_ret(io, wasi_errno(errno));
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, offset: i64, whence, newoffset_ptr) */
WASI_HOSTFN(wasi_fd_seek)
{
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32, whence = io[2].i32, err;
    wasi_fd *f = wasi_fd_get(ctx, fd, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    if (to_callback(ctx, fd))
        return wasi_ret(io, WASI_ESPIPE);
    if (whence > 2)
        return wasi_ret(io, WASI_EINVAL);
    uint8_t *out = wasi_guest(caller, io[3].i32, 8);
    if (out == NULL)
        return wasi_ret(io, WASI_EFAULT);
    static const int how[3] = {SEEK_SET, SEEK_CUR, SEEK_END};
    off_t pos = lseek(f->host, (off_t)(int64_t)io[1].i64, how[whence]);
    if (pos < 0)
        return wasi_ret(io, wasi_errno(errno));
    if (f->dir != NULL && whence == 0 && pos == 0) {
        rewinddir(f->dir);
        f->dir_pos = 0;
    }
    wasi_put64(out, (uint64_t)pos);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, offset_ptr) */
WASI_HOSTFN(wasi_fd_tell)
{
    wasi_ctx *ctx = env;
    uint32_t fd = io[0].i32, err;
    wasi_fd *f = wasi_fd_get(ctx, fd, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    if (to_callback(ctx, fd))
        return wasi_ret(io, WASI_ESPIPE);
    uint8_t *out = wasi_guest(caller, io[1].i32, 8);
    if (out == NULL)
        return wasi_ret(io, WASI_EFAULT);
    off_t pos = lseek(f->host, 0, SEEK_CUR);
    if (pos < 0)
        return wasi_ret(io, wasi_errno(errno));
    wasi_put64(out, (uint64_t)pos);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd): the host's own standard streams stay open. */
WASI_HOSTFN(wasi_fd_close)
{
    (void)caller;
    wasi_ctx *ctx = env;
    uint32_t err;
    wasi_fd *f = wasi_fd_get(ctx, io[0].i32, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    fd_release(f);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (from, to): to is closed and from takes its number. */
WASI_HOSTFN(wasi_fd_renumber)
{
    (void)caller;
    wasi_ctx *ctx = env;
    uint32_t err;
    wasi_fd *from = wasi_fd_get(ctx, io[0].i32, &err);
    if (from == NULL)
        return wasi_ret(io, err);
    wasi_fd *to = wasi_fd_get(ctx, io[1].i32, &err);
    if (to == NULL)
        return wasi_ret(io, err);
    if (from == to)
        return wasi_ret(io, WASI_ESUCCESS);
    fd_release(to);
    *to = *from;
    memset(from, 0, sizeof *from);
    from->host = -1;
    return wasi_ret(io, WASI_ESUCCESS);
}

/* fd_sync and fd_datasync */
static wa_trap sync_fd(wasi_ctx *ctx, wa_val *io, int (*fn)(int))
{
    uint32_t fd = io[0].i32, err;
    wasi_fd *f = wasi_fd_get(ctx, fd, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    if (to_callback(ctx, fd))
        return wasi_ret(io, WASI_ESUCCESS);
    if (fn(f->host) != 0 && errno != EINVAL && errno != EROFS)
        return wasi_ret(io, wasi_errno(errno));
    return wasi_ret(io, WASI_ESUCCESS);
}

WASI_HOSTFN(wasi_fd_sync)
{
    (void)caller;
    return sync_fd(env, io, fsync);
}

WASI_HOSTFN(wasi_fd_datasync)
{
    (void)caller;
    return sync_fd(env, io, fdatasync);
}

/* (fd, offset: i64, len: i64, advice): a hint, checked and then ignored. */
WASI_HOSTFN(wasi_fd_advise)
{
    (void)caller;
    uint32_t err;
    if (wasi_fd_get(env, io[0].i32, &err) == NULL)
        return wasi_ret(io, err);
    return wasi_ret(io, io[3].i32 > 5 ? WASI_EINVAL : WASI_ESUCCESS);
}

/* (fd, offset: i64, len: i64) */
WASI_HOSTFN(wasi_fd_allocate)
{
    (void)caller;
    uint32_t err;
    wasi_fd *f = changeable(env, io[0].i32, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    if (io[1].i64 > (uint64_t)INT64_MAX || io[2].i64 > (uint64_t)INT64_MAX - io[1].i64)
        return wasi_ret(io, WASI_EINVAL);
    int e = posix_fallocate(f->host, (off_t)io[1].i64, (off_t)io[2].i64);
    return wasi_ret(io, e == 0 ? WASI_ESUCCESS : wasi_errno(e));
}

/* (fd, prestat_ptr): tag 0 (a directory) and the name's length. */
WASI_HOSTFN(wasi_fd_prestat_get)
{
    uint32_t err;
    wasi_fd *f = wasi_fd_get(env, io[0].i32, &err);
    if (f == NULL || f->preopen == NULL)
        return wasi_ret(io, f == NULL ? err : WASI_EBADF);
    uint8_t *out = wasi_guest(caller, io[1].i32, 8);
    if (out == NULL)
        return wasi_ret(io, WASI_EFAULT);
    memset(out, 0, 8);
    wasi_put32(out + 4, (uint32_t)strlen(f->preopen));
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, path, path_len) */
WASI_HOSTFN(wasi_fd_prestat_dir_name)
{
    uint32_t err;
    wasi_fd *f = wasi_fd_get(env, io[0].i32, &err);
    if (f == NULL || f->preopen == NULL)
        return wasi_ret(io, f == NULL ? err : WASI_EBADF);
    size_t len = strlen(f->preopen);
    if (io[2].i32 < len)
        return wasi_ret(io, WASI_ENAMETOOLONG);
    uint8_t *out = wasi_guest(caller, io[1].i32, len);
    if (out == NULL)
        return wasi_ret(io, WASI_EFAULT);
    memcpy(out, f->preopen, len);
    return wasi_ret(io, WASI_ESUCCESS);
}

static uint8_t dirent_type(int dfd, const struct dirent *d)
{
    switch (d->d_type) {
    case DT_REG:
        return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR:
        return WASI_FILETYPE_DIRECTORY;
    case DT_LNK:
        return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR:
        return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK:
        return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK:
        return WASI_FILETYPE_SOCKET_STREAM;
    case DT_FIFO:
        return WASI_FILETYPE_UNKNOWN;
    default:
        break;
    }
    struct stat st;
    if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return filetype_of(st.st_mode);
    return WASI_FILETYPE_UNKNOWN;
}

/* (fd, buf, buf_len, cookie: i64, bufused_ptr): entries from the one whose
 * cookie is given (0: the first); each entry's d_next is the cookie of the
 * one after it. The last entry may be cut at buf_len, as preview1 says: the
 * guest asks again from its cookie with a larger buffer. */
WASI_HOSTFN(wasi_fd_readdir)
{
    uint32_t err;
    wasi_fd *f = dir_fd(env, io[0].i32, &err);
    if (f == NULL)
        return wasi_ret(io, err);
    uint32_t len = io[2].i32;
    uint64_t cookie = io[3].i64;
    uint8_t *buf = wasi_guest(caller, io[1].i32, len);
    uint8_t *used = wasi_guest(caller, io[4].i32, 4);
    if (buf == NULL || used == NULL)
        return wasi_ret(io, WASI_EFAULT);
    if (f->dir == NULL) {
        int dup_fd = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dup_fd < 0 || (f->dir = fdopendir(dup_fd)) == NULL) {
            if (dup_fd >= 0)
                close(dup_fd);
            return wasi_ret(io, wasi_errno(errno));
        }
        f->dir_pos = 0;
    }
    if (cookie != f->dir_pos) { /* go back to the start and skip `cookie` entries */
        rewinddir(f->dir);
        f->dir_pos = 0;
        while (f->dir_pos < cookie && readdir(f->dir) != NULL)
            f->dir_pos++;
    }
    uint32_t at = 0;
    while (at < len) {
        errno = 0;
        struct dirent *d = readdir(f->dir);
        if (d == NULL) {
            if (errno != 0)
                return wasi_ret(io, wasi_errno(errno));
            break;
        }
        f->dir_pos++;
        size_t namelen = strlen(d->d_name);
        uint8_t ent[24];
        wasi_put64(ent, f->dir_pos);
        wasi_put64(ent + 8, (uint64_t)d->d_ino);
        wasi_put32(ent + 16, (uint32_t)namelen);
        memset(ent + 20, 0, 4);
        ent[20] = dirent_type(dirfd(f->dir), d);
        uint32_t n = len - at < 24 ? len - at : 24;
        memcpy(buf + at, ent, n);
        at += n;
        n = len - at < namelen ? len - at : (uint32_t)namelen;
        memcpy(buf + at, d->d_name, n);
        at += n;
    }
    wasi_put32(used, at);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* ---- paths ------------------------------------------------------------------ */

/* The start of a path call: the directory (which must allow changes when
 * `change`), the path read from the guest. */
static uint32_t path_start(wa_instance *caller, wasi_ctx *ctx, uint32_t fd, uint32_t ptr,
                           uint32_t len, bool change, wasi_fd **dir, char **path)
{
    uint32_t err;
    wasi_fd *f = dir_fd(ctx, fd, &err);
    if (f == NULL)
        return err;
    if (change && f->readonly)
        return wasi_deny(ctx, WASI_CAP_FILES);
    *dir = f;
    return get_path(caller, ptr, len, path);
}

/* (fd, dirflags, path, path_len, oflags, rights_base: i64, rights_inheriting:
 * i64, fdflags, fd_ptr) */
WASI_HOSTFN(wasi_path_open)
{
    wasi_ctx *ctx = env;
    uint32_t dirflags = io[1].i32, oflags = io[4].i32, fdflags = io[7].i32;
    uint64_t rights = io[5].i64;
    if (oflags & ~15u || fdflags & ~31u)
        return wasi_ret(io, WASI_EINVAL);
    bool want_write = (rights & RIGHT_FD_WRITE) || (fdflags & FDFLAG_APPEND);
    bool want_read = (rights & (RIGHT_FD_READ | RIGHT_FD_READDIR)) != 0;
    bool change = want_write || (oflags & (OFLAG_CREAT | OFLAG_TRUNC));
    wasi_fd *dir = NULL;
    char *path;
    uint32_t err = path_start(caller, ctx, io[0].i32, io[2].i32, io[3].i32, change, &dir, &path);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    uint8_t *out = wasi_guest(caller, io[8].i32, 4);
    if (out == NULL) {
        free(path);
        return wasi_ret(io, WASI_EFAULT);
    }
    int flags = want_write ? (want_read ? O_RDWR : O_WRONLY) : O_RDONLY;
    flags |= (oflags & OFLAG_CREAT) ? O_CREAT : 0;
    flags |= (oflags & OFLAG_DIRECTORY) ? O_DIRECTORY : 0;
    flags |= (oflags & OFLAG_EXCL) ? O_EXCL : 0;
    flags |= (oflags & OFLAG_TRUNC) ? O_TRUNC : 0;
    flags |= (fdflags & FDFLAG_APPEND) ? O_APPEND : 0;
    flags |= (fdflags & FDFLAG_NONBLOCK) ? O_NONBLOCK : 0;
    flags |= (fdflags & FDFLAG_DSYNC) ? O_DSYNC : 0;
    flags |= (fdflags & FDFLAG_RSYNC) ? O_RSYNC : 0;
    flags |= (fdflags & FDFLAG_SYNC) ? O_SYNC : 0;
    int slot = fd_slot(ctx);
    if (slot < 0) {
        free(path);
        return wasi_ret(io, WASI_EMFILE);
    }
    dir = &ctx->fds[io[0].i32]; /* fd_slot may have moved the table */
    int host;
    err = wasi_open_beneath(dir->host, path, flags, 0666, dirflags & LOOKUP_FOLLOW, ctx->walk_only,
                            &host);
    free(path);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    wasi_fd *f = &ctx->fds[slot];
    f->host = host;
    f->own = true;
    f->readonly = dir->readonly;
    wasi_put32(out, (uint32_t)slot);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* (fd, flags, path, path_len, filestat_ptr) */
WASI_HOSTFN(wasi_path_filestat_get)
{
    wasi_ctx *ctx = env;
    wasi_fd *dir = NULL;
    char *path;
    uint32_t err = path_start(caller, ctx, io[0].i32, io[2].i32, io[3].i32, false, &dir, &path);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    uint8_t *out = wasi_guest(caller, io[4].i32, 64);
    int fd = -1;
    if (out == NULL)
        err = WASI_EFAULT;
    else
        err = wasi_open_beneath(dir->host, path, O_PATH, 0, io[1].i32 & LOOKUP_FOLLOW,
                                ctx->walk_only, &fd);
    free(path);
    struct stat st;
    if (err == WASI_ESUCCESS && fstat(fd, &st) != 0)
        err = wasi_errno(errno);
    if (err == WASI_ESUCCESS)
        put_filestat(out, &st);
    if (fd >= 0)
        close(fd);
    return wasi_ret(io, err);
}

/* (fd, flags, path, path_len, atim: i64, mtim: i64, fst_flags) */
WASI_HOSTFN(wasi_path_filestat_set_times)
{
    wasi_ctx *ctx = env;
    struct timespec ts[2];
    memset(ts, 0, sizeof ts);
    if (!set_times(io[4].i64, io[5].i64, io[6].i32, ts))
        return wasi_ret(io, WASI_EINVAL);
    wasi_fd *dir = NULL;
    char *path;
    uint32_t err = path_start(caller, ctx, io[0].i32, io[2].i32, io[3].i32, true, &dir, &path);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    int parent = -1;
    const char *name;
    err = split_path(ctx, dir->host, path, &parent, &name);
    if (err == WASI_ESUCCESS) {
        int fl = (io[1].i32 & LOOKUP_FOLLOW) ? 0 : AT_SYMLINK_NOFOLLOW;
        /* Following a link here could leave the tree: resolve it beneath first. */
        int target = -1;
        if (fl == 0 && (err = wasi_open_beneath(parent, name, O_RDONLY, 0, true, ctx->walk_only,
                                                &target)) == WASI_ESUCCESS) {
            if (futimens(target, ts) != 0)
                err = wasi_errno(errno);
        } else if (fl != 0 && utimensat(parent, name, ts, fl) != 0) {
            err = wasi_errno(errno);
        }
        if (target >= 0)
            close(target);
    }
    if (parent >= 0)
        close(parent);
    free(path);
    return wasi_ret(io, err);
}

/* One path, one *at call: mkdir, rmdir, unlink. */
static wa_trap path_simple(wa_instance *caller, wasi_ctx *ctx, wa_val *io,
                           int (*op)(int dirfd, const char *name))
{
    wasi_fd *dir = NULL;
    char *path;
    uint32_t err = path_start(caller, ctx, io[0].i32, io[1].i32, io[2].i32, true, &dir, &path);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    int parent = -1;
    const char *name;
    err = split_path(ctx, dir->host, path, &parent, &name);
    if (err == WASI_ESUCCESS && op(parent, name) != 0)
        err = wasi_errno(errno);
    if (parent >= 0)
        close(parent);
    free(path);
    return wasi_ret(io, err);
}

static int op_mkdir(int dirfd, const char *name)
{
    return mkdirat(dirfd, name, 0777);
}

static int op_rmdir(int dirfd, const char *name)
{
    return unlinkat(dirfd, name, AT_REMOVEDIR);
}

static int op_unlink(int dirfd, const char *name)
{
    /* Linux says EISDIR for a directory; POSIX and WASI programs expect it. */
    return unlinkat(dirfd, name, 0);
}

WASI_HOSTFN(wasi_path_create_directory)
{
    return path_simple(caller, env, io, op_mkdir);
}

WASI_HOSTFN(wasi_path_remove_directory)
{
    return path_simple(caller, env, io, op_rmdir);
}

WASI_HOSTFN(wasi_path_unlink_file)
{
    return path_simple(caller, env, io, op_unlink);
}

/* (fd, path, path_len, buf, buf_len, bufused_ptr): the target, cut at
 * buf_len. */
WASI_HOSTFN(wasi_path_readlink)
{
    wasi_ctx *ctx = env;
    wasi_fd *dir = NULL;
    char *path;
    uint32_t err = path_start(caller, ctx, io[0].i32, io[1].i32, io[2].i32, false, &dir, &path);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    uint8_t *buf = wasi_guest(caller, io[3].i32, io[4].i32);
    uint8_t *used = wasi_guest(caller, io[5].i32, 4);
    int parent = -1;
    const char *name;
    if (buf == NULL || used == NULL)
        err = WASI_EFAULT;
    else
        err = split_path(ctx, dir->host, path, &parent, &name);
    if (err == WASI_ESUCCESS) {
        char target[4096];
        ssize_t n = readlinkat(parent, name, target, sizeof target);
        if (n < 0) {
            err = wasi_errno(errno);
        } else {
            uint32_t k = (uint64_t)n < io[4].i32 ? (uint32_t)n : io[4].i32;
            memcpy(buf, target, k);
            wasi_put32(used, k);
        }
    }
    if (parent >= 0)
        close(parent);
    free(path);
    return wasi_ret(io, err);
}

/* Two paths, each beneath its own directory: rename and link. */
static uint32_t two_paths(wa_instance *caller, wasi_ctx *ctx, uint32_t fd1, uint32_t p1,
                          uint32_t l1, uint32_t fd2, uint32_t p2, uint32_t l2, int flags,
                          bool rename)
{
    wasi_fd *d1 = NULL, *d2 = NULL;
    char *a = NULL, *b = NULL;
    uint32_t err = path_start(caller, ctx, fd1, p1, l1, rename, &d1, &a);
    if (err == WASI_ESUCCESS)
        err = path_start(caller, ctx, fd2, p2, l2, true, &d2, &b);
    int pa = -1, pb = -1;
    const char *na, *nb;
    if (err == WASI_ESUCCESS)
        err = split_path(ctx, d1->host, a, &pa, &na);
    if (err == WASI_ESUCCESS)
        err = split_path(ctx, d2->host, b, &pb, &nb);
    if (err == WASI_ESUCCESS) {
        int rc = rename ? renameat(pa, na, pb, nb) : linkat(pa, na, pb, nb, flags);
        if (rc != 0)
            err = wasi_errno(errno);
    }
    if (pa >= 0)
        close(pa);
    if (pb >= 0)
        close(pb);
    free(a);
    free(b);
    return err;
}

/* (fd, old_path, old_len, new_fd, new_path, new_len) */
WASI_HOSTFN(wasi_path_rename)
{
    return wasi_ret(io, two_paths(caller, env, io[0].i32, io[1].i32, io[2].i32, io[3].i32,
                                  io[4].i32, io[5].i32, 0, true));
}

/* (old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len). A
 * followed link could name a file outside the tree, so following is refused. */
WASI_HOSTFN(wasi_path_link)
{
    if (io[1].i32 & LOOKUP_FOLLOW)
        return wasi_ret(io, WASI_ENOTCAPABLE);
    return wasi_ret(io, two_paths(caller, env, io[0].i32, io[2].i32, io[3].i32, io[4].i32,
                                  io[5].i32, io[6].i32, 0, false));
}

/* (old_path, old_len, fd, new_path, new_len): a link whose target is
 * absolute would point the host's other programs outside the tree. */
WASI_HOSTFN(wasi_path_symlink)
{
    wasi_ctx *ctx = env;
    char *target;
    uint32_t err = get_path(caller, io[0].i32, io[1].i32, &target);
    if (err != WASI_ESUCCESS)
        return wasi_ret(io, err);
    wasi_fd *dir = NULL;
    char *path = NULL;
    if (target[0] == '/')
        err = WASI_ENOTCAPABLE;
    else
        err = path_start(caller, ctx, io[2].i32, io[3].i32, io[4].i32, true, &dir, &path);
    int parent = -1;
    const char *name;
    if (err == WASI_ESUCCESS)
        err = split_path(ctx, dir->host, path, &parent, &name);
    if (err == WASI_ESUCCESS && symlinkat(target, parent, name) != 0)
        err = wasi_errno(errno);
    if (parent >= 0)
        close(parent);
    free(path);
    free(target);
    return wasi_ret(io, err);
}

/* ---- polling ---------------------------------------------------------------- */

/* (in, out, nsubscriptions, nevents_ptr): clocks (relative or absolute) and
 * readiness of descriptors. Clocks need the clock facet. A context that may
 * not block (components: a sleeping handler would hold a worker thread that
 * the watchdog cannot interrupt) only looks: a clock not yet due answers
 * notsup when nothing else is ready. */
WASI_HOSTFN(wasi_poll_oneoff)
{
    wasi_ctx *ctx = env;
    uint32_t n = io[2].i32;
    if (n == 0 || n > WASI_MAX_SUBS)
        return wasi_ret(io, WASI_EINVAL);
    const uint8_t *in = wasi_guest(caller, io[0].i32, (uint64_t)n * 48);
    uint8_t *out = wasi_guest(caller, io[1].i32, (uint64_t)n * 32);
    uint8_t *nevents = wasi_guest(caller, io[3].i32, 4);
    if (in == NULL || out == NULL || nevents == NULL)
        return wasi_ret(io, WASI_EFAULT);
    struct pollfd *pfd = calloc(n, sizeof *pfd);
    uint64_t *deadline = calloc(n, sizeof *deadline); /* monotonic ns, clocks only */
    if (pfd == NULL || deadline == NULL) {
        free(pfd);
        free(deadline);
        return wasi_ret(io, WASI_ENOMEM);
    }
    struct timespec now_ts;
    clock_gettime(CLOCK_MONOTONIC, &now_ts);
    uint64_t now = ts_ns(now_ts), soonest = UINT64_MAX;
    uint32_t nev = 0;
    /* First pass: errors that need no waiting become events at once. */
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = in + 48 * i;
        uint8_t tag = s[8];
        uint8_t *ev = out + 32 * nev;
        pfd[i].fd = -1;
        uint16_t e = 0;
        if (tag == 0) { /* clock: id @16, timeout @24, precision @32, flags @40 */
            uint32_t id = wasi_get32(s + 16);
            uint64_t t = wasi_get64(s + 24);
            bool abs = s[40] & 1;
            if (!(ctx->caps & WASI_CAP_CLOCK)) {
                e = (uint16_t)wasi_deny(ctx, WASI_CAP_CLOCK);
            } else if (id > 1) {
                e = WASI_EINVAL;
            } else {
                if (abs && id == 0) { /* realtime: convert to a monotonic deadline */
                    struct timespec rt;
                    clock_gettime(CLOCK_REALTIME, &rt);
                    uint64_t r = ts_ns(rt);
                    t = t > r ? t - r : 0;
                    abs = false;
                }
                deadline[i] = abs ? t : (t > UINT64_MAX - now ? UINT64_MAX : now + t);
                if (deadline[i] < soonest)
                    soonest = deadline[i];
                continue;
            }
        } else if (tag == 1 || tag == 2) { /* fd_read / fd_write: fd @16 */
            uint32_t err, fd = wasi_get32(s + 16);
            wasi_fd *f = wasi_fd_get(ctx, fd, &err);
            if (f == NULL) {
                e = (uint16_t)err;
            } else if (to_callback(ctx, fd)) {
                e = tag == 1 ? WASI_EBADF : 0; /* always writable */
                if (e == 0) {
                    memset(ev, 0, 32);
                    memcpy(ev, s, 8);
                    ev[10] = tag;
                    nev++;
                    continue;
                }
            } else {
                pfd[i].fd = f->host;
                pfd[i].events = tag == 1 ? POLLIN : POLLOUT;
                continue;
            }
        } else {
            e = WASI_EINVAL;
        }
        memset(ev, 0, 32);
        memcpy(ev, s, 8);
        wasi_put16(ev + 8, e);
        ev[10] = tag > 2 ? 0 : tag;
        nev++;
    }
    bool any_fd = false;
    for (uint32_t i = 0; i < n; i++)
        any_fd |= pfd[i].fd >= 0;
    if (nev == 0) {
        for (;;) {
            int ms = -1;
            if (soonest != UINT64_MAX) {
                clock_gettime(CLOCK_MONOTONIC, &now_ts);
                now = ts_ns(now_ts);
                uint64_t left = soonest > now ? soonest - now : 0;
                ms = left / 1000000u > INT_MAX ? INT_MAX : (int)((left + 999999u) / 1000000u);
            }
            if (!ctx->blocking)
                ms = 0; /* a component never holds its worker thread */
            if (!any_fd && ms < 0)
                break; /* nothing to wait for (cannot happen: n > 0) */
            int r = poll(pfd, n, ms);
            if (r < 0 && errno == EINTR)
                continue;
            clock_gettime(CLOCK_MONOTONIC, &now_ts);
            now = ts_ns(now_ts);
            if (r > 0 || soonest <= now || r < 0 || !ctx->blocking)
                break;
        }
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *s = in + 48 * i;
            uint8_t *ev = out + 32 * nev;
            uint8_t tag = s[8];
            bool fired = tag == 0 ? deadline[i] <= now : (pfd[i].fd >= 0 && pfd[i].revents != 0);
            if (!fired)
                continue;
            memset(ev, 0, 32);
            memcpy(ev, s, 8);
            ev[10] = tag;
            if (tag != 0) {
                int avail = 0;
                if (tag == 1 && ioctl(pfd[i].fd, FIONREAD, &avail) != 0)
                    avail = 1;
                wasi_put64(ev + 16, avail > 0 ? (uint64_t)avail : 0);
                if (pfd[i].revents & POLLHUP)
                    wasi_put16(ev + 24, 1); /* fd_readwrite hangup */
                if (pfd[i].revents & POLLNVAL)
                    wasi_put16(ev + 8, WASI_EBADF);
            }
            nev++;
        }
        /* Nothing ready and not allowed to wait: the clocks say so. */
        for (uint32_t i = 0; nev == 0 && !ctx->blocking && i < n; i++)
            if (in[48 * i + 8] == 0) {
                uint8_t *ev = out + 32 * nev++;
                memset(ev, 0, 32);
                memcpy(ev, in + 48 * i, 8);
                wasi_put16(ev + 8, WASI_ENOTSUP);
            }
    }
    free(pfd);
    free(deadline);
    wasi_put32(nevents, nev);
    return wasi_ret(io, WASI_ESUCCESS);
}

/* ---- sockets: a wactor guest never holds one ---------------------------------- */

static wa_trap not_socket(wasi_ctx *ctx, wa_val *io)
{
    uint32_t err;
    if (wasi_fd_get(ctx, io[0].i32, &err) == NULL)
        return wasi_ret(io, err);
    return wasi_ret(io, WASI_ENOTSOCK);
}

WASI_HOSTFN(wasi_sock_accept)
{
    (void)caller;
    return not_socket(env, io);
}

WASI_HOSTFN(wasi_sock_recv)
{
    (void)caller;
    return not_socket(env, io);
}

WASI_HOSTFN(wasi_sock_send)
{
    (void)caller;
    return not_socket(env, io);
}

WASI_HOSTFN(wasi_sock_shutdown)
{
    (void)caller;
    return not_socket(env, io);
}
