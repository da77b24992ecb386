/*
 * Exercises the WASI subset from inside a guest: environment, clocks, random
 * bytes, standard input, and the errors a hostile or careless guest gets
 * (EFAULT for ranges outside memory, EBADF, ESPIPE). Prints one line per
 * check; the CLI test compares the output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

/* An address no guest memory of this size reaches. */
#define FAR ((uintptr_t)0xfffffff0u)

static void report(const char *what, int got, int want)
{
    printf("%s: %s\n", what, got == want ? "ok" : "FAILED");
    if (got != want)
        printf("  got %d, want %d\n", got, want);
}

int main(int argc, char **argv)
{
    (void)argv;
    printf("argc: %d\n", argc);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");

    struct timespec a, b;
    report("monotonic clock",
           clock_gettime(CLOCK_MONOTONIC, &a) == 0 && clock_gettime(CLOCK_MONOTONIC, &b) == 0 &&
               (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec)),
           1);
    report("realtime clock", time(NULL) > 1600000000, 1);

    unsigned char r1[32] = {0}, r2[32] = {0};
    report("random",
           getentropy(r1, sizeof r1) == 0 && getentropy(r2, sizeof r2) == 0 &&
               memcmp(r1, r2, sizeof r1) != 0,
           1);

    char line[64];
    report("stdin", fgets(line, sizeof line, stdin) != NULL && strcmp(line, "from stdin\n") == 0,
           1);

    /* Errors straight from the WASI functions. */
    __wasi_size_t n = 0;
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_ciovec_t far_iov = {(const uint8_t *)FAR, 64};
    report("fd_write iovs outside memory", __wasi_fd_write(1, (const __wasi_ciovec_t *)FAR, 1, &n),
           __WASI_ERRNO_FAULT);
    report("fd_write buffer outside memory", __wasi_fd_write(1, &far_iov, 1, &n),
           __WASI_ERRNO_FAULT);
    report("fd_write result outside memory", __wasi_fd_write(1, &iov, 1, (__wasi_size_t *)FAR),
           __WASI_ERRNO_FAULT);
    report("fd_write bad fd", __wasi_fd_write(7, &iov, 1, &n), __WASI_ERRNO_BADF);
    report("random_get outside memory", __wasi_random_get((uint8_t *)FAR, 64), __WASI_ERRNO_FAULT);
    report("args_sizes_get outside memory",
           __wasi_args_sizes_get((__wasi_size_t *)FAR, (__wasi_size_t *)FAR), __WASI_ERRNO_FAULT);
    __wasi_filesize_t pos;
    report("fd_seek on stdin (a pipe)", __wasi_fd_seek(0, 0, __WASI_WHENCE_CUR, &pos),
           __WASI_ERRNO_SPIPE);
    __wasi_prestat_t pre;
    report("no preopens", __wasi_fd_prestat_get(3, &pre), __WASI_ERRNO_BADF);
    __wasi_fdstat_t st;
    /* The CLI test redirects stdout to a file: it must not look like a terminal. */
    report("stdout is a regular file",
           __wasi_fd_fdstat_get(1, &st) == 0 && st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE &&
               !isatty(1),
           1);
    fflush(stdout);
    return 0;
}
