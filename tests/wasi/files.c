/*
 * The file calls wasi-libc's stdio, open, stat, readdir, rename, unlink, mkdir
 * and poll make, against a directory preopened as "data" (wasi_test.sh
 * runs it with --dir). Prints "NAME: ok" per check, or "NAME: FAILED" and why;
 * the script checks the host's side of the files afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) {
        printf("  errno %d (%s)\n", errno, strerror(errno));
        failures++;
    }
}

static int file_is(const char *path, const char *want)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(want) && memcmp(buf, want, n) == 0;
}

static void stdio_files(void)
{
    FILE *f = fopen("data/a.txt", "w");
    check("fopen w", f != NULL);
    if (f == NULL)
        return;
    fprintf(f, "hello %d\n", 42);
    check("ftell after write", ftell(f) == 9);
    check("fclose", fclose(f) == 0);
    check("read back", file_is("data/a.txt", "hello 42\n"));
    f = fopen("data/a.txt", "a");
    fputs("more\n", f);
    fclose(f);
    check("append", file_is("data/a.txt", "hello 42\nmore\n"));
    f = fopen("data/a.txt", "r+");
    check("fseek", f != NULL && fseek(f, 6, SEEK_SET) == 0 && ftell(f) == 6);
    fputs("XY", f);
    check("fseek end", fseek(f, 0, SEEK_END) == 0 && ftell(f) == 14);
    fclose(f);
    check("write in the middle", file_is("data/a.txt", "hello XY\nmore\n"));
    f = fopen("data/b.txt", "w");
    fputs("to be truncated", f);
    fclose(f);
    f = fopen("data/b.txt", "w");
    fclose(f);
    struct stat st;
    check("truncate on open",
          stat("data/b.txt", &st) == 0 && st.st_size == 0 && S_ISREG(st.st_mode));
    check("fopen missing", fopen("data/missing.txt", "r") == NULL && errno == ENOENT);
}

static void descriptors(void)
{
    int fd = open("data/c.txt", O_CREAT | O_WRONLY | O_EXCL, 0644);
    check("open O_CREAT|O_EXCL", fd >= 0);
    check("write", write(fd, "0123456789", 10) == 10);
    check("lseek CUR (fd_tell)", lseek(fd, 0, SEEK_CUR) == 10);
    check("O_EXCL on an existing file",
          open("data/c.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 && errno == EEXIST);
    check("pwrite", pwrite(fd, "ab", 2, 2) == 2 && lseek(fd, 0, SEEK_CUR) == 10);
    check("fcntl F_SETFL O_APPEND",
          fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    lseek(fd, 0, SEEK_SET);
    check("append after set_flags", write(fd, "Z", 1) == 1 && lseek(fd, 0, SEEK_CUR) == 11);
    check("ftruncate", ftruncate(fd, 5) == 0);
    close(fd);
    check("contents", file_is("data/c.txt", "01ab4"));
    fd = open("data/c.txt", O_RDONLY);
    char buf[8] = {0};
    check("pread", pread(fd, buf, 3, 1) == 3 && memcmp(buf, "1ab", 3) == 0);
    check("write to a read-only descriptor", write(fd, "x", 1) < 0);
    close(fd);
    check("stdout is not a terminal", !isatty(1));
    check("stdin is not a terminal", !isatty(0));
}

static void directories(void)
{
    check("mkdir", mkdir("data/sub", 0755) == 0);
    check("mkdir again", mkdir("data/sub", 0755) < 0 && errno == EEXIST);
    struct stat st;
    check("stat dir", stat("data/sub", &st) == 0 && S_ISDIR(st.st_mode));
    check("rename", rename("data/c.txt", "data/sub/moved.txt") == 0);
    check("renamed away", access("data/c.txt", F_OK) < 0 && errno == ENOENT);
    check("rmdir non-empty", rmdir("data/sub") < 0 && errno == ENOTEMPTY);
    check("unlink", unlink("data/b.txt") == 0 && access("data/b.txt", F_OK) < 0);
    check("symlink", symlink("a.txt", "data/link") == 0);
    char target[64] = {0};
    check("readlink",
          readlink("data/link", target, sizeof target) == 5 && memcmp(target, "a.txt", 5) == 0);
    check("read through a link", file_is("data/link", "hello XY\nmore\n"));
    check("lstat", lstat("data/link", &st) == 0 && S_ISLNK(st.st_mode));
    struct timespec times[2] = {{1000000000, 0}, {1200000000, 500}};
    check("utimensat", utimensat(AT_FDCWD, "data/a.txt", times, 0) == 0 &&
                           stat("data/a.txt", &st) == 0 && st.st_mtim.tv_sec == 1200000000);

    /* Enough long names that fd_readdir needs several calls (cookies). */
    check("mkdir many", mkdir("data/many", 0755) == 0);
    char name[128];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "data/many/file-with-a-rather-long-name-%04d", i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        if (fd >= 0)
            close(fd);
    }
    DIR *d = opendir("data/many");
    int count = 0, seen_last = 0;
    struct dirent *e;
    long mid = -1;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            count++;
        seen_last |= strcmp(e->d_name, "file-with-a-rather-long-name-0299") == 0;
        if (count == 150 && mid < 0)
            mid = telldir(d);
    }
    check("readdir all", count == 300 && seen_last);
    int again = 0;
    seekdir(d, mid);
    while ((e = readdir(d)) != NULL)
        again += e->d_name[0] != '.';
    check("seekdir (a cookie)", again == 150);
    rewinddir(d);
    again = 0;
    while ((e = readdir(d)) != NULL)
        again += e->d_name[0] != '.';
    check("rewinddir", again == 300);
    closedir(d);
    check("rmdir", mkdir("data/empty", 0755) == 0 && rmdir("data/empty") == 0);
}

static void polling(void)
{
    struct pollfd p = {.fd = 0, .events = POLLIN};
    check("poll stdin", poll(&p, 1, 10000) == 1 && (p.revents & POLLIN));
    char line[64];
    check("read stdin", fgets(line, sizeof line, stdin) && strcmp(line, "input\n") == 0);
    check("poll timeout only", poll(NULL, 0, 1) == 0);
    struct timespec ts = {0, 1000000};
    check("nanosleep (clock subscription)", nanosleep(&ts, NULL) == 0);
}

int main(void)
{
    stdio_files();
    descriptors();
    directories();
    polling();
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}
