/*
 * wasi_impl.h: what wasi.c (the context, arguments, clocks, standard
 * streams) and wasi_fs.c (descriptors, files, directories, polling) share.
 * Not part of the wasi library's interface.
 */
#ifndef WACTOR_WASI_IMPL_H
#define WACTOR_WASI_IMPL_H

#include "wasi.h"

#include <dirent.h>
#include <sys/types.h>

/* WASI errno values (the preview1 `errno` enum), those this host returns. */
enum {
    WASI_ESUCCESS = 0,
    WASI_E2BIG = 1,
    WASI_EACCES = 2,
    WASI_EAGAIN = 6,
    WASI_EBADF = 8,
    WASI_EBUSY = 10,
    WASI_EEXIST = 20,
    WASI_EFAULT = 21,
    WASI_EFBIG = 22,
    WASI_EILSEQ = 25,
    WASI_EINTR = 27,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_EISDIR = 31,
    WASI_ELOOP = 32,
    WASI_EMFILE = 33,
    WASI_EMLINK = 34,
    WASI_ENAMETOOLONG = 37,
    WASI_ENFILE = 41,
    WASI_ENOENT = 44,
    WASI_ENOMEM = 48,
    WASI_ENOSPC = 51,
    WASI_ENOSYS = 52,
    WASI_ENOTDIR = 54,
    WASI_ENOTEMPTY = 55,
    WASI_ENOTSOCK = 57,
    WASI_ENOTSUP = 58,
    WASI_ENXIO = 60,
    WASI_EOVERFLOW = 61,
    WASI_EPERM = 63,
    WASI_EPIPE = 64,
    WASI_ERANGE = 68,
    WASI_EROFS = 69,
    WASI_ESPIPE = 70,
    WASI_ETXTBSY = 74,
    WASI_EXDEV = 75,
    WASI_ENOTCAPABLE = 76,
};

/* WASI file types. */
enum {
    WASI_FILETYPE_UNKNOWN = 0,
    WASI_FILETYPE_BLOCK_DEVICE = 1,
    WASI_FILETYPE_CHARACTER_DEVICE = 2,
    WASI_FILETYPE_DIRECTORY = 3,
    WASI_FILETYPE_REGULAR_FILE = 4,
    WASI_FILETYPE_SOCKET_STREAM = 6,
    WASI_FILETYPE_SYMBOLIC_LINK = 7,
};

/* More iovecs than this in one call is EINVAL (Linux's IOV_MAX), which
 * bounds the host work a single call can ask for. */
#define WASI_MAX_IOVS 1024u
/* The most descriptors one guest may hold open at once (EMFILE beyond). */
#define WASI_MAX_FDS 1024u

/* One guest descriptor. host < 0 marks a free slot. */
typedef struct wasi_fd {
    int host;
    bool own;       /* close host when the guest closes it (false for stdio) */
    unsigned facet; /* a standard stream's WASI_CAP_STDIN/STDOUT/STDERR (checked on use), else 0 */
    bool callback;  /* a standard stream going to the embedder's output callback */
    bool readonly;  /* opened beneath a read-only preopen: nothing may change */
    char *preopen;  /* the guest's name for a preopened directory, else NULL */
    DIR *dir;       /* fd_readdir's stream, opened on first use */
    uint64_t dir_pos; /* the cookie of the entry dir reads next */
} wasi_fd;

struct wasi_ctx {
    struct wasi_strings {
        uint32_t count, size;
        char *buf;
    } args, env;
    unsigned caps;
    wasi_output_fn output;
    void *output_arg;
    wasi_denied_fn denied;
    void *denied_arg;
    bool walk_only;
    bool blocking; /* poll_oneoff may wait */
    bool exited;
    uint32_t exit_code;
    wasi_fd *fds;
    uint32_t nfds;   /* slots in fds */
    wa_func **funcs; /* funcs[i] implements wasi_fns[i] */
};

/* Host functions, one per preview1 import: (caller, ctx, io). */
#define WASI_HOSTFN(name) wa_trap name(wa_instance *caller, void *env, wa_val *io)

wa_trap wasi_ret(wa_val *io, uint32_t err);
uint8_t *wasi_guest(wa_instance *caller, uint64_t off, uint64_t len);
uint32_t wasi_get32(const uint8_t *p);
uint64_t wasi_get64(const uint8_t *p);
void wasi_put16(uint8_t *p, uint16_t v);
void wasi_put32(uint8_t *p, uint32_t v);
void wasi_put64(uint8_t *p, uint64_t v);
uint32_t wasi_deny(const wasi_ctx *ctx, unsigned facet);
uint32_t wasi_errno(int host_errno);

/* The open descriptor fd, or NULL (*err = EBADF, or NOTCAPABLE for a
 * standard stream whose facet was not granted). */
wasi_fd *wasi_fd_get(wasi_ctx *ctx, uint32_t fd, uint32_t *err);
/* Sets up stdio (0..2) and the preopens; false when out of memory or a
 * preopen cannot be opened (errno then says why). */
bool wasi_fds_init(wasi_ctx *ctx, const wasi_options *opts);
void wasi_fds_free(wasi_ctx *ctx);

WASI_HOSTFN(wasi_fd_advise);
WASI_HOSTFN(wasi_fd_allocate);
WASI_HOSTFN(wasi_fd_close);
WASI_HOSTFN(wasi_fd_datasync);
WASI_HOSTFN(wasi_fd_fdstat_get);
WASI_HOSTFN(wasi_fd_fdstat_set_flags);
WASI_HOSTFN(wasi_fd_fdstat_set_rights);
WASI_HOSTFN(wasi_fd_filestat_get);
WASI_HOSTFN(wasi_fd_filestat_set_size);
WASI_HOSTFN(wasi_fd_filestat_set_times);
WASI_HOSTFN(wasi_fd_pread);
WASI_HOSTFN(wasi_fd_prestat_get);
WASI_HOSTFN(wasi_fd_prestat_dir_name);
WASI_HOSTFN(wasi_fd_pwrite);
WASI_HOSTFN(wasi_fd_read);
WASI_HOSTFN(wasi_fd_readdir);
WASI_HOSTFN(wasi_fd_renumber);
WASI_HOSTFN(wasi_fd_seek);
WASI_HOSTFN(wasi_fd_sync);
WASI_HOSTFN(wasi_fd_tell);
WASI_HOSTFN(wasi_fd_write);
WASI_HOSTFN(wasi_path_create_directory);
WASI_HOSTFN(wasi_path_filestat_get);
WASI_HOSTFN(wasi_path_filestat_set_times);
WASI_HOSTFN(wasi_path_link);
WASI_HOSTFN(wasi_path_open);
WASI_HOSTFN(wasi_path_readlink);
WASI_HOSTFN(wasi_path_remove_directory);
WASI_HOSTFN(wasi_path_rename);
WASI_HOSTFN(wasi_path_symlink);
WASI_HOSTFN(wasi_path_unlink_file);
WASI_HOSTFN(wasi_poll_oneoff);
WASI_HOSTFN(wasi_sock_accept);
WASI_HOSTFN(wasi_sock_recv);
WASI_HOSTFN(wasi_sock_send);
WASI_HOSTFN(wasi_sock_shutdown);

/* Path resolution beneath a directory (wasi_path.c): opens path relative to
 * dirfd with the open(2) flags, never leaving dirfd's tree. follow: a
 * symbolic link as the last component is followed (beneath too). Returns 0
 * and the descriptor in *out, or the WASI errno (NOTCAPABLE for an escape). */
uint32_t wasi_open_beneath(int dirfd, const char *path, int flags, mode_t mode, bool follow,
                           bool walk_only, int *out);

#endif
