/*
 * A hostile guest: tries every way out of the directory preopened as "box"
 * (wasi_test.sh makes box/up -> .., box/abs -> /, box/dangle -> ../created,
 * box/in -> sub, and a secret next to box) and every malformed argument. Each
 * attempt must fail with the WASI errno named; the legitimate uses must work.
 * Prints "NAME: ok" or "NAME: FAILED (got N)"; exits 1 if any failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define BOX 3
#define FAR ((uintptr_t)0xfffffff0u)

static int failures;

static void expect(const char *what, int got, int want)
{
    if (got == want) {
        printf("%s: ok\n", what);
    } else {
        printf("%s: FAILED (got %d, want %d)\n", what, got, want);
        failures++;
    }
}

static int open_at(const char *path, int follow, int oflags, __wasi_rights_t rights)
{
    __wasi_fd_t fd;
    int err = __wasi_path_open(BOX, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path, oflags,
                               rights, 0, 0, &fd);
    if (err == 0)
        (void)__wasi_fd_close(fd);
    return err;
}

/* path_open as imported, with the length given rather than taken by strlen. */
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t len, int32_t oflags,
                      int64_t base, int64_t inheriting, int32_t fdflags, int32_t out)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")));

#define R __WASI_RIGHTS_FD_READ
#define W __WASI_RIGHTS_FD_WRITE

int main(void)
{
    const int CAP = __WASI_ERRNO_NOTCAPABLE;
    __wasi_prestat_t pre;
    char name[8] = {0};
    expect("box is fd 3",
           __wasi_fd_prestat_get(BOX, &pre) == 0 && pre.u.dir.pr_name_len == 3 &&
               __wasi_fd_prestat_dir_name(BOX, (uint8_t *)name, 3) == 0 &&
               memcmp(name, "box", 3) == 0,
           1);
    expect("legitimate open", open_at("ok.txt", 1, 0, R), 0);
    expect("through a link inside", open_at("in/inner.txt", 1, 0, R), 0);
    expect("down and up again", open_at("sub/../ok.txt", 1, 0, R), 0);
    expect("parent", open_at("../secret.txt", 1, 0, R), CAP);
    expect("parent after a dir", open_at("sub/../../secret.txt", 1, 0, R), CAP);
    expect("parent of the box itself", open_at("..", 1, __WASI_OFLAGS_DIRECTORY, R), CAP);
    expect("dot dot slash", open_at("./../box/ok.txt", 1, 0, R), CAP);
    expect("absolute", open_at("/etc/passwd", 1, 0, R), CAP);
    expect("link to the parent", open_at("up/secret.txt", 1, 0, R), CAP);
    expect("link to the root", open_at("abs/etc/passwd", 1, 0, R), CAP);
    expect("link through an inner link", open_at("in/../up/secret.txt", 1, 0, R), CAP);
    expect("followed last link outside", open_at("up", 1, __WASI_OFLAGS_DIRECTORY, R), CAP);
    expect("create through a dangling link", open_at("dangle", 1, __WASI_OFLAGS_CREAT, R | W), CAP);
    expect("last link not followed", open_at("up", 0, 0, R), __WASI_ERRNO_LOOP);
    __wasi_filestat_t st;
    expect("stat through a link", __wasi_path_filestat_get(BOX, 1, "up/secret.txt", &st), CAP);
    expect("stat the parent", __wasi_path_filestat_get(BOX, 1, "..", &st), CAP);
    expect("stat a link itself",
           __wasi_path_filestat_get(BOX, 0, "up", &st) == 0 &&
               st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK,
           1);
    expect("stat follows a link inside",
           __wasi_path_filestat_get(BOX, 1, "in", &st) == 0 &&
               st.filetype == __WASI_FILETYPE_DIRECTORY,
           1);
    expect("stat a followed last link outside", __wasi_path_filestat_get(BOX, 1, "up", &st), CAP);
    expect("mkdir outside", __wasi_path_create_directory(BOX, "../evil"), CAP);
    expect("mkdir through a link", __wasi_path_create_directory(BOX, "up/evil"), CAP);
    expect("unlink outside", __wasi_path_unlink_file(BOX, "../secret.txt"), CAP);
    expect("rmdir the parent", __wasi_path_remove_directory(BOX, ".."), CAP);
    expect("rename out", __wasi_path_rename(BOX, "ok.txt", BOX, "../stolen.txt"), CAP);
    expect("rename in", __wasi_path_rename(BOX, "../secret.txt", BOX, "got.txt"), CAP);
    expect("absolute symlink", __wasi_path_symlink("/etc/passwd", BOX, "evil"), CAP);
    expect("link following", __wasi_path_link(BOX, 1, "ok.txt", BOX, "hard"), CAP);
    expect("hard link of a link outside", __wasi_path_link(BOX, 0, "up/secret.txt", BOX, "hard"),
           CAP);
    char buf[64];
    __wasi_size_t used;
    expect("readlink outside", __wasi_path_readlink(BOX, "../x", (uint8_t *)buf, 64, &used), CAP);
    expect("set times outside",
           __wasi_path_filestat_set_times(BOX, 1, "up/secret.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
           CAP);

    /* Malformed arguments. */
    __wasi_fd_t fd;
    static const char nul_path[] = "ok.txt\0../x";
    expect("NUL inside a path",
           raw_path_open(BOX, 0, (int32_t)(uintptr_t)nul_path, 11, 0, R, 0, 0,
                         (int32_t)(uintptr_t)&fd),
           __WASI_ERRNO_INVAL);
    expect("path outside memory",
           raw_path_open(BOX, 0, (int32_t)FAR, 64, 0, R, 0, 0, (int32_t)(uintptr_t)&fd),
           __WASI_ERRNO_FAULT);
    expect("path too long", raw_path_open(BOX, 0, 0, 100000, 0, R, 0, 0, (int32_t)(uintptr_t)&fd),
           __WASI_ERRNO_NAMETOOLONG);
    expect("fd result outside memory",
           __wasi_path_open(BOX, 1, "ok.txt", 0, R, 0, 0, (__wasi_fd_t *)FAR), __WASI_ERRNO_FAULT);
    expect("bad oflags", __wasi_path_open(BOX, 1, "ok.txt", 0x100, R, 0, 0, &fd),
           __WASI_ERRNO_INVAL);
    expect("not a directory", __wasi_path_open(1, 1, "ok.txt", 0, R, 0, 0, &fd),
           __WASI_ERRNO_NOTDIR);
    expect("closed descriptor", __wasi_path_open(77, 1, "ok.txt", 0, R, 0, 0, &fd),
           __WASI_ERRNO_BADF);
    expect("readdir buffer outside memory", __wasi_fd_readdir(BOX, (uint8_t *)FAR, 64, 0, &used),
           __WASI_ERRNO_FAULT);
    expect("readdir past the end",
           __wasi_fd_readdir(BOX, (uint8_t *)buf, 64, 1000000, &used) == 0 && used == 0, 1);
    expect("prestat of stdout", __wasi_fd_prestat_get(1, &pre), __WASI_ERRNO_BADF);
    expect("renumber onto a closed fd", __wasi_fd_renumber(BOX, 55), __WASI_ERRNO_BADF);
    __wasi_subscription_t sub;
    __wasi_event_t ev;
    __wasi_size_t nev;
    memset(&sub, 0, sizeof sub);
    sub.u.tag = 9;
    expect("poll zero subscriptions", __wasi_poll_oneoff(&sub, &ev, 0, &nev), __WASI_ERRNO_INVAL);
    expect("poll a bad tag",
           __wasi_poll_oneoff(&sub, &ev, 1, &nev) == 0 && nev == 1 &&
               ev.error == __WASI_ERRNO_INVAL,
           1);
    expect("poll outside memory",
           __wasi_poll_oneoff((const __wasi_subscription_t *)FAR, &ev, 1, &nev),
           __WASI_ERRNO_FAULT);
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}
