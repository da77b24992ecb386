/*
 * artifact_test.c: the artifact half of src/aot (aot.h, artifact.c) without
 * a C compiler: the stamp (the wactor version, the target, the module's
 * SHA-256 against digests from coreutils' sha256sum) and every refusal of
 * wa_aot_open that comes before the dynamic loader runs anything: a missing
 * file, a folder, a FIFO (which must not block), a file writable by others,
 * one owned by another user, garbage, and a real shared object cut short
 * (which the loader itself would map past its end and die of SIGBUS).
 * Usage: artifact_test NAME|all
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr */
#endif
#include "aot.h"
#include "harness.h"
#include "wactor.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The smallest module, and one with an empty custom section named "x". */
static const uint8_t empty_module[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
static const uint8_t custom_module[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0, 2, 1, 'x'};

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static wa_module *load(const uint8_t *bytes, size_t len)
{
    wa_error err;
    memset(&err, 0, sizeof err);
    wa_module *m = wa_module_load(bytes, len, &err);
    if (!m)
        fprintf(stderr, "wa_module_load: %s\n", err.msg);
    return m;
}

static void test_stamp(void *arg)
{
    (void)arg;
    wa_module *a = load(empty_module, sizeof empty_module);
    wa_module *b = load(custom_module, sizeof custom_module);
    REQUIRE(a && b);
    wa_aot_stamp sa, sb;
    wa_aot_stamp_of(a, &sa);
    wa_aot_stamp_of(b, &sb);
    char h[65];
    hex(sa.sha256, 32, h);
    CHECK(strcmp(h, "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476") == 0);
    hex(sb.sha256, 32, h);
    CHECK(strcmp(h, "c50e86a2eac362a08107aabb3dfcba703070886e64810653a07b57c6da6a1307") == 0);
    CHECK(strcmp(sa.version, WACTOR_VERSION) == 0);
    CHECK(strcmp(sa.version, sb.version) == 0 && strcmp(sa.target, sb.target) == 0);
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__linux__)
    CHECK(strcmp(sa.target, "x86_64-linux-gnu") == 0);
#endif
    wa_module_free(a);
    wa_module_free(b);
}

/* A fresh folder for one test's files. */
static char *folder(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/artifact_test.XXXXXX");
    return mkdtemp(dir);
}

/* path in dir, in a static buffer. */
static const char *in(const char *dir, const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static bool write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return false;
    bool ok = write(fd, data, len) == (ssize_t)len;
    ok = fchmod(fd, mode) == 0 && ok;
    return close(fd) == 0 && ok;
}

/* wa_aot_open refuses path, and its message contains why. */
static bool refused(const char *path, const wa_module *m, const char *why)
{
    wa_error err;
    memset(&err, 0, sizeof err);
    wa_aot_artifact *a = wa_aot_open(path, m, &err);
    if (a) {
        wa_aot_close(a);
        fprintf(stderr, "%s was loaded\n", path);
        return false;
    }
    if (!strstr(err.msg, why)) {
        fprintf(stderr, "%s: \"%s\" does not say \"%s\"\n", path, err.msg, why);
        return false;
    }
    return true;
}

static void test_refusals(void *arg)
{
    (void)arg;
    wa_module *m = load(empty_module, sizeof empty_module);
    const char *dir = folder();
    REQUIRE(m && dir);
    const char *p = in(dir, "missing.so");
    CHECK(refused(p, m, "No such file"));
    p = in(dir, "folder.so");
    REQUIRE(mkdir(p, 0755) == 0);
    CHECK(refused(p, m, "not a regular file"));
    rmdir(p);
    p = in(dir, "fifo.so"); /* opening it must not wait for a writer */
    REQUIRE(mkfifo(p, 0644) == 0);
    CHECK(refused(p, m, "not a regular file"));
    unlink(p);
    static const char junk[4096] = "this is no shared object";
    p = in(dir, "writable.so");
    REQUIRE(write_file(p, junk, sizeof junk, 0666));
    CHECK(refused(p, m, "writable by group or others"));
    REQUIRE(chmod(p, 0620) == 0);
    CHECK(refused(p, m, "writable by group or others"));
    unlink(p);
    p = in(dir, "garbage.so");
    REQUIRE(write_file(p, junk, sizeof junk, 0644));
    CHECK(refused(p, m, "not a loadable shared object (no ELF header)"));
    REQUIRE(write_file(p, junk, 0, 0644));
    CHECK(refused(p, m, "not a loadable shared object (no ELF header)"));
    if (geteuid() == 0) {
        REQUIRE(chown(p, 65534, 65534) == 0);
        CHECK(refused(p, m, "owned by another user"));
    } else {
        printf("(owned by another user: skipped, only root can give a file away)\n");
    }
    unlink(p);
    rmdir(dir);
    wa_module_free(m);
}

/* A real shared object (the C library this test runs on) cut short: its
 * headers are whole, its segments are not. */
static void test_truncated(void *arg)
{
    (void)arg;
    Dl_info info;
    REQUIRE(dladdr((void *)fopen, &info) && info.dli_fname);
    size_t len = 0;
    FILE *f = fopen(info.dli_fname, "rb");
    REQUIRE(f);
    static uint8_t buf[64 << 10];
    len = fread(buf, 1, sizeof buf, f);
    struct stat st;
    REQUIRE(fstat(fileno(f), &st) == 0);
    fclose(f);
    REQUIRE(len == sizeof buf && st.st_size > (off_t)sizeof buf);
    wa_module *m = load(empty_module, sizeof empty_module);
    const char *dir = folder();
    REQUIRE(m && dir);
    const char *p = in(dir, "truncated.so");
    REQUIRE(write_file(p, buf, len, 0644));
    CHECK(refused(p, m, "truncated"));
    REQUIRE(write_file(p, buf, 100, 0644)); /* not even the program headers */
    CHECK(refused(p, m, "not a loadable shared object"));
    unlink(p);
    rmdir(dir);
    wa_module_free(m);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        {"stamp", test_stamp},
        {"refusals", test_refusals},
        {"truncated", test_truncated},
    };
    if (argc != 2) {
        fprintf(stderr, "usage: %s NAME|all\n", argv[0]);
        return 2;
    }
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
