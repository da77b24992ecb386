/*
 * file.c: reading a module file, bounded (wa_file_read).
 *
 * Every reader of module files goes through here (the embedding API's
 * wactor_module_load_file; the command line's exec, inspect, validate,
 * run, call and send), so one rule holds for all of them: a module path
 * names a regular file of at most max_bytes, and anything else is refused
 * before a byte beyond that bound is read. Reading "until end of file"
 * instead made /dev/zero grow a buffer forever and a FIFO block forever.
 *
 * - The file is opened with O_NONBLOCK: opening a FIFO that has no writer
 *   would otherwise block in open(), before any check could run. On a
 *   regular file the flag changes nothing.
 * - The opened descriptor is fstat'ed, not the path: no other file can
 *   take the path's place between the check and the read.
 * - Exactly st_size bytes are read (fewer if the file shrinks meanwhile:
 *   the decoder then finds the module truncated); a file that grows while
 *   it is read is read up to the size it had, so never past the bound.
 */
#include "module.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "300 MiB", "1 KiB", "45029 bytes": a whole number of the largest unit
 * that divides it, else bytes. */
static void file_size_text(char *buf, size_t len, uint64_t bytes)
{
    static const char *const units[] = {"GiB", "MiB", "KiB"};
    for (int i = 0; i < 3; i++) {
        uint64_t unit = UINT64_C(1) << (10 * (3 - i));
        if (bytes != 0 && bytes % unit == 0) {
            snprintf(buf, len, "%" PRIu64 " %s", bytes / unit, units[i]);
            return;
        }
    }
    snprintf(buf, len, "%" PRIu64 " byte%s", bytes, bytes == 1 ? "" : "s");
}

/* What a file that is not regular is, for "is a FIFO, not a regular file". */
static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "a special file";
}

uint8_t *wa_file_read(const char *path, uint64_t max_bytes, size_t *len, wa_error *err)
{
    wa_error local;
    if (!err)
        err = &local;
    *err = (wa_error){.kind = WA_ERR_OK, .section = -1};
    if (!path || !len) {
        wa_fail(err, WA_ERR_FILE, -1, 0, "cannot read: %s", strerror(EINVAL));
        return NULL;
    }
    *len = 0;
    if (max_bytes == 0)
        max_bytes = WA_DEFAULT_MAX_FILE;
    /* A look before the open: opening some devices acts (a tape rewinds),
     * so anything but a regular file is refused unopened. The fstat after
     * the open decides (the path may change in between). */
    struct stat pre;
    if (stat(path, &pre) == 0 && !S_ISREG(pre.st_mode)) {
        wa_fail(err, WA_ERR_FILE, -1, 0, "is %s, not a regular file", file_kind(pre.st_mode));
        return NULL;
    }
    int fd;
    do
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        wa_fail(err, WA_ERR_FILE, -1, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) != 0) {
        wa_fail(err, WA_ERR_FILE, -1, 0, "cannot read: %s", strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        wa_fail(err, WA_ERR_FILE, -1, 0, "is %s, not a regular file", file_kind(st.st_mode));
        goto done;
    }
    /* st_size is never negative for a regular file; the second test keeps
     * a buffer's size in size_t where that is narrower than 64 bits. */
    uint64_t size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    if (size > max_bytes || size > SIZE_MAX - 1) {
        char got[32], max[32];
        file_size_text(got, sizeof got, size);
        file_size_text(max, sizeof max, max_bytes);
        wa_fail(err, WA_ERR_LIMIT, -1, 0, "is %s, over the %s limit for a module", got, max);
        goto done;
    }
    size_t want = (size_t)size, n = 0;
    if ((buf = malloc(want ? want : 1)) == NULL) {
        char got[32];
        file_size_text(got, sizeof got, size);
        wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory for its %s", got);
        goto done;
    }
    while (n < want) {
        ssize_t got = read(fd, buf + n, want - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            wa_fail(err, WA_ERR_FILE, -1, 0, "cannot read: %s", strerror(errno));
            free(buf);
            buf = NULL;
            goto done;
        }
        if (got == 0)
            break; /* it shrank */
        n += (size_t)got;
    }
    *len = n;
done:
    close(fd);
    return buf;
}
