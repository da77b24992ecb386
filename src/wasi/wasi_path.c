/*
 * wasi_path.c: opening a guest's path beneath a directory it was given.
 *
 * A guest path must never reach outside the preopened tree: not with "..",
 * not as an absolute path, not through a symbolic link that points outside,
 * and not by swapping a directory for a link between a check and the open.
 * Where the kernel has openat2 (Linux 5.6+), RESOLVE_BENEATH makes it refuse
 * all of these atomically. Elsewhere (ENOSYS, found at run time) the path is
 * walked one component at a time with openat(O_NOFOLLOW): each step opens a
 * real directory below the previous one, ".." pops a stack of descriptors we
 * opened (never asking the kernel for ".."), and a link's target is read and
 * spliced into the rest of the path, so no check is separate from its open.
 */
#include "wasi_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WALK_MAX_DEPTH 256 /* directories below the start, ENAMETOOLONG beyond */
#define WALK_MAX_LINKS 40  /* links followed in one path, ELOOP beyond (as Linux) */

static atomic_bool wasi_no_openat2;

/* 1: done (*err set), 0: fall back to the walk. */
static int try_openat2(int dirfd, const char *path, int flags, mode_t mode, bool follow, int *out,
                       uint32_t *err)
{
#ifdef SYS_openat2
    if (atomic_load(&wasi_no_openat2))
        return 0;
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int tries = 0; tries < 8; tries++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0) {
            *out = (int)fd;
            *err = WASI_ESUCCESS;
            return 1;
        }
        if (errno == EINTR || errno == EAGAIN) /* EAGAIN: a rename raced the lookup */
            continue;
        if (errno == ENOSYS || errno == EPERM) { /* no openat2, or a filter forbids it */
            if (errno == ENOSYS)
                atomic_store(&wasi_no_openat2, true);
            return 0;
        }
        *err = errno == EXDEV ? WASI_ENOTCAPABLE : wasi_errno(errno);
        return 1;
    }
    return 0;
#else
    (void)dirfd, (void)path, (void)flags, (void)mode, (void)follow, (void)out, (void)err;
    return 0;
#endif
}

typedef struct walk {
    int stack[WALK_MAX_DEPTH + 1]; /* stack[0] is the start, not ours */
    int depth;
    char *rest; /* what is left of the path, owned */
    int links;
} walk;

static void walk_end(walk *w)
{
    for (int i = 1; i <= w->depth; i++)
        close(w->stack[i]);
    free(w->rest);
}

/* The component at name (len bytes) of the directory on top is a symbolic
 * link: replace it by its target in the rest of the path. */
static uint32_t walk_splice(walk *w, const char *name, const char *after)
{
    char target[4096];
    ssize_t n = readlinkat(w->stack[w->depth], name, target, sizeof target - 1);
    if (n < 0)
        return wasi_errno(errno);
    target[n] = '\0';
    if (target[0] == '/')
        return WASI_ENOTCAPABLE;
    if (++w->links > WALK_MAX_LINKS)
        return WASI_ELOOP;
    size_t alen = strlen(after);
    char *rest = malloc((size_t)n + 1 + alen + 1);
    if (rest == NULL)
        return WASI_ENOMEM;
    memcpy(rest, target, (size_t)n);
    rest[n] = '/';
    memcpy(rest + n + 1, after, alen + 1);
    free(w->rest);
    w->rest = rest;
    return WASI_ESUCCESS;
}

static bool is_link(int dirfd, const char *name)
{
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

static uint32_t walk_open(int dirfd, const char *path, int flags, mode_t mode, bool follow,
                          int *out)
{
    walk w = {.depth = 0, .links = 0};
    w.stack[0] = dirfd;
    w.rest = strdup(path);
    if (w.rest == NULL)
        return WASI_ENOMEM;
    uint32_t err = WASI_ESUCCESS;
    for (;;) {
        char *p = w.rest;
        while (*p == '/')
            p++;
        if (*p == '\0') { /* the path named the directory on top */
            int fd = openat(w.stack[w.depth], ".", flags | O_CLOEXEC, mode);
            err = fd < 0 ? wasi_errno(errno) : WASI_ESUCCESS;
            *out = fd;
            break;
        }
        char *end = strchr(p, '/');
        char *after = end ? end : p + strlen(p);
        bool last = end == NULL;
        char name[256];
        size_t len = (size_t)(after - p);
        if (len >= sizeof name) {
            err = WASI_ENAMETOOLONG;
            break;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        char *next = strdup(after);
        if (next == NULL) {
            err = WASI_ENOMEM;
            break;
        }
        free(w.rest);
        w.rest = next;
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            if (w.depth == 0) {
                err = WASI_ENOTCAPABLE;
                break;
            }
            close(w.stack[w.depth--]);
            continue;
        }
        if (last) {
            int fd = openat(w.stack[w.depth], name, flags | O_CLOEXEC | O_NOFOLLOW, mode);
            struct stat st;
            /* O_PATH | O_NOFOLLOW opens a link itself rather than failing. */
            if (fd >= 0 && follow && (flags & O_PATH) && fstat(fd, &st) == 0 &&
                S_ISLNK(st.st_mode)) {
                close(fd);
                err = walk_splice(&w, name, "");
                if (err != WASI_ESUCCESS)
                    break;
                continue;
            }
            if (fd >= 0) {
                *out = fd;
                break;
            }
            int e = errno;
            if ((e == ELOOP || e == ENOTDIR || e == EMLINK) && is_link(w.stack[w.depth], name)) {
                if (!follow || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
                    err = follow ? WASI_EEXIST : WASI_ELOOP;
                    break;
                }
                err = walk_splice(&w, name, "");
                if (err != WASI_ESUCCESS)
                    break;
                continue;
            }
            err = wasi_errno(e);
            break;
        }
        int fd = openat(w.stack[w.depth], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (w.depth == WALK_MAX_DEPTH) {
                close(fd);
                err = WASI_ENAMETOOLONG;
                break;
            }
            w.stack[++w.depth] = fd;
            continue;
        }
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (is_link(w.stack[w.depth], name)) {
            err = walk_splice(&w, name, w.rest);
            if (err != WASI_ESUCCESS)
                break;
            continue;
        }
        err = fd >= 0 ? WASI_ENOTDIR : wasi_errno(e);
        break;
    }
    walk_end(&w);
    return err;
}

uint32_t wasi_open_beneath(int dirfd, const char *path, int flags, mode_t mode, bool follow,
                           bool walk_only, int *out)
{
    *out = -1;
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    if (path[0] == '\0')
        return WASI_ENOENT;
    uint32_t err;
    if (!walk_only && try_openat2(dirfd, path, flags, mode, follow, out, &err))
        return err;
    return walk_open(dirfd, path, flags, mode, follow, out);
}
