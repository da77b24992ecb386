/*
 * store_test.c: the component storage (src/store/store.h) through its API.
 *
 * Directory stores live in fresh mkdtemp directories under $TMPDIR (or /tmp)
 * and are removed at the end of their test. `kill9` forks children that write
 * and are SIGKILLed right after an acknowledged write, then checks that every
 * acknowledged write is in the reopened store and that the quota accounting
 * still equals the entries' bytes. `latency` measures and prints; it checks
 * nothing about time (machines differ), so ctest does not run it.
 *
 * Usage: store_test [TEST|all]
 */
#include "harness.h"
#include "store.h"

#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LIT(s) (s), (sizeof(s) - 1)
#define NS(s) LIT(s)
#define NOQUOTA UINT64_MAX
#define MAXV ((uint64_t)1 << 20)

/* ---- helpers ---------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* A new empty directory; the caller removes it with rm_tree. */
static void make_temp_dir(char *out, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, cap, "%s/store_test.XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(out) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
}

static void rm_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static store *open_or_die(const char *dir)
{
    char err[256];
    store *s = store_open(dir, err, sizeof err);
    if (s == NULL)
        fprintf(stderr, "store_open(%s): %s\n", dir ? dir : "NULL", err);
    return s;
}

/* get into a 4 KiB buffer; returns the length or code. */
static int64_t get(store *s, const char *ns, size_t ns_len, const void *k, size_t klen,
                   uint8_t *buf)
{
    return store_get(s, ns, ns_len, k, klen, buf, 4096);
}

/* Fills buf[0..len) with bytes derived from seed (NULs included). */
static void pattern(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((seed * 131u + i * 7u) % 251u);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* ---- tests ------------------------------------------------------------ */

static void roundtrip(void *arg)
{
    (void)arg;
    store *s = open_or_die(NULL);
    REQUIRE(s != NULL);
    uint8_t buf[4096];
    const uint8_t key[] = {0, 1, 0, 255, 'k'};
    const uint8_t val[] = {0, 0, 'v', 0, 200, 0};
    CHECK(get(s, NS("app"), key, sizeof key, buf) == WACTOR_ENOTFOUND);
    CHECK(store_set(s, NS("app"), key, sizeof key, val, sizeof val, NOQUOTA, MAXV) == WACTOR_OK);
    memset(buf, 0xAA, sizeof buf);
    CHECK(get(s, NS("app"), key, sizeof key, buf) == (int64_t)sizeof val);
    CHECK(memcmp(buf, val, sizeof val) == 0);
    /* A key that differs only after a NUL is another key. */
    const uint8_t key2[] = {0, 1, 0, 255, 'j'};
    CHECK(get(s, NS("app"), key2, sizeof key2, buf) == WACTOR_ENOTFOUND);
    /* Replace, then an empty value: present with length 0. */
    CHECK(store_set(s, NS("app"), key, sizeof key, LIT("second"), NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(get(s, NS("app"), key, sizeof key, buf) == 6 && memcmp(buf, "second", 6) == 0);
    CHECK(store_set(s, NS("app"), key, sizeof key, NULL, 0, NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(get(s, NS("app"), key, sizeof key, buf) == 0);
    CHECK(store_usage(s, NS("app")) == (int64_t)sizeof key);
    CHECK(store_delete(s, NS("app"), key, sizeof key) == WACTOR_OK);
    CHECK(get(s, NS("app"), key, sizeof key, buf) == WACTOR_ENOTFOUND);
    CHECK(store_delete(s, NS("app"), key, sizeof key) == WACTOR_ENOTFOUND);
    CHECK(store_usage(s, NS("app")) == 0);
    /* A value as large as max_value, every byte value included. */
    size_t big = 300000;
    uint8_t *bv = malloc(big), *out = malloc(big);
    REQUIRE(bv != NULL && out != NULL);
    pattern(bv, big, 9);
    CHECK(store_set(s, NS("app"), LIT("big"), bv, big, NOQUOTA, big) == WACTOR_OK);
    CHECK(store_get(s, NS("app"), LIT("big"), out, big) == (int64_t)big);
    CHECK(memcmp(bv, out, big) == 0);
    CHECK(store_usage(s, NS("app")) == (int64_t)(3 + big));
    free(bv);
    free(out);
    CHECK(strcmp(store_errmsg(s), "no error") == 0);
    store_close(s);
}

static void copy_out(void *arg)
{
    (void)arg;
    store *s = open_or_die(NULL);
    REQUIRE(s != NULL);
    CHECK(store_set(s, NS("app"), LIT("k"), LIT("0123456789"), NOQUOTA, MAXV) == WACTOR_OK);
    uint8_t buf[16];
    memset(buf, '#', sizeof buf);
    /* cap < len: full length back, exactly cap bytes copied, none past. */
    CHECK(store_get(s, NS("app"), LIT("k"), buf, 4) == 10);
    CHECK(memcmp(buf, "0123####", 8) == 0);
    /* cap 0 with no buffer: a length probe. */
    CHECK(store_get(s, NS("app"), LIT("k"), NULL, 0) == 10);
    memset(buf, '#', sizeof buf);
    CHECK(store_get(s, NS("app"), LIT("k"), buf, sizeof buf) == 10);
    CHECK(memcmp(buf, "0123456789######", 16) == 0);
    CHECK(store_get(s, NS("app"), LIT("nope"), buf, sizeof buf) == WACTOR_ENOTFOUND);
    store_close(s);
}

static void einval(void *arg)
{
    (void)arg;
    store *s = open_or_die(NULL);
    REQUIRE(s != NULL);
    uint8_t k256[256], buf[8];
    memset(k256, 'k', sizeof k256);
    /* Keys of 0 and 256 bytes, in every call. */
    CHECK(store_set(s, NS("app"), "", 0, LIT("v"), NOQUOTA, MAXV) == WACTOR_EINVAL);
    CHECK(store_set(s, NS("app"), k256, 256, LIT("v"), NOQUOTA, MAXV) == WACTOR_EINVAL);
    CHECK(store_get(s, NS("app"), "", 0, buf, sizeof buf) == WACTOR_EINVAL);
    CHECK(store_get(s, NS("app"), k256, 256, buf, sizeof buf) == WACTOR_EINVAL);
    CHECK(store_delete(s, NS("app"), "", 0) == WACTOR_EINVAL);
    CHECK(store_delete(s, NS("app"), k256, 256) == WACTOR_EINVAL);
    CHECK(store_usage(s, NS("app")) == 0);
    /* 255 bytes is the largest key. */
    CHECK(store_set(s, NS("app"), k256, 255, LIT("v"), NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(store_get(s, NS("app"), k256, 255, buf, sizeof buf) == 1);
    CHECK(store_delete(s, NS("app"), k256, 255) == WACTOR_OK);
    /* NULL pointers, empty and oversized namespaces, no store. */
    CHECK(store_set(s, NS("app"), NULL, 3, LIT("v"), NOQUOTA, MAXV) == WACTOR_EINVAL);
    CHECK(store_set(s, NS("app"), LIT("k"), NULL, 1, NOQUOTA, MAXV) == WACTOR_EINVAL);
    CHECK(store_get(s, NS("app"), LIT("k"), NULL, 1) == WACTOR_EINVAL);
    CHECK(store_set(s, NULL, 3, LIT("k"), LIT("v"), NOQUOTA, MAXV) == WACTOR_EINVAL);
    CHECK(store_set(s, "", 0, LIT("k"), LIT("v"), NOQUOTA, MAXV) == WACTOR_EINVAL);
    CHECK(store_set(s, (const char *)k256, 256, LIT("k"), LIT("v"), NOQUOTA, MAXV) ==
          WACTOR_EINVAL);
    CHECK(store_usage(s, NULL, 0) == WACTOR_EINVAL);
    CHECK(store_set(NULL, NS("app"), LIT("k"), LIT("v"), NOQUOTA, MAXV) == WACTOR_EINVAL);
    CHECK(store_get(NULL, NS("app"), LIT("k"), buf, sizeof buf) == WACTOR_EINVAL);
    CHECK(store_delete(NULL, NS("app"), LIT("k")) == WACTOR_EINVAL);
    CHECK(store_usage(NULL, NS("app")) == WACTOR_EINVAL);
    CHECK(strcmp(store_errmsg(NULL), "no store") == 0);
    store_close(NULL);
    /* EINVAL wins over ETOOBIG and EQUOTA (ABI.md order). */
    CHECK(store_set(s, NS("app"), "", 0, LIT("too big"), 0, 1) == WACTOR_EINVAL);
    /* Opening: an empty name, a path through a regular file, a file that is
     * not a database. Each fails with a message, no crash. */
    char err[256] = "";
    CHECK(store_open("", err, sizeof err) == NULL && err[0] != '\0');
    char dir[256], path[300];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/file", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fclose(f);
    snprintf(path, sizeof path, "%s/file/sub", dir);
    err[0] = '\0';
    CHECK(store_open(path, err, sizeof err) == NULL && err[0] != '\0');
    snprintf(path, sizeof path, "%s/wactor.db", dir);
    f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("this is not an SQLite database, but it is long enough to have a header.....", f);
    fclose(f);
    err[0] = '\0';
    CHECK(store_open(dir, err, sizeof err) == NULL && err[0] != '\0');
    CHECK(store_open(dir, NULL, 0) == NULL);
    rm_tree(dir);
    store_close(s);
}

static void etoobig(void *arg)
{
    (void)arg;
    store *s = open_or_die(NULL);
    REQUIRE(s != NULL);
    uint8_t v[101], buf[128];
    pattern(v, sizeof v, 1);
    CHECK(store_set(s, NS("app"), LIT("k"), v, 101, NOQUOTA, 100) == WACTOR_ETOOBIG);
    CHECK(get(s, NS("app"), LIT("k"), buf) == WACTOR_ENOTFOUND);
    CHECK(store_usage(s, NS("app")) == 0);
    CHECK(store_set(s, NS("app"), LIT("k"), v, 100, NOQUOTA, 100) == WACTOR_OK);
    /* A failed replace leaves the old value. */
    CHECK(store_set(s, NS("app"), LIT("k"), v, 101, NOQUOTA, 100) == WACTOR_ETOOBIG);
    CHECK(get(s, NS("app"), LIT("k"), buf) == 100 && memcmp(buf, v, 100) == 0);
    /* ETOOBIG wins over EQUOTA. */
    CHECK(store_set(s, NS("app"), LIT("j"), v, 101, 1, 100) == WACTOR_ETOOBIG);
    CHECK(store_set(s, NS("app"), LIT("j"), NULL, 0, NOQUOTA, 0) == WACTOR_OK);
    store_close(s);
}

static void quota(void *arg)
{
    (void)arg;
    store *s = open_or_die(NULL);
    REQUIRE(s != NULL);
    const uint64_t q = 100;
    uint8_t v[100], buf[128];
    pattern(v, sizeof v, 2);
    /* Fill to exactly the quota: 1+49 + 2+48 = 100. */
    CHECK(store_set(s, NS("app"), LIT("a"), v, 49, q, MAXV) == WACTOR_OK);
    CHECK(store_usage(s, NS("app")) == 50);
    CHECK(store_set(s, NS("app"), LIT("bb"), v, 48, q, MAXV) == WACTOR_OK);
    CHECK(store_usage(s, NS("app")) == 100);
    /* One byte more: refused, nothing written, old entries intact. */
    CHECK(store_set(s, NS("app"), LIT("c"), NULL, 0, q, MAXV) == WACTOR_EQUOTA);
    CHECK(get(s, NS("app"), LIT("c"), buf) == WACTOR_ENOTFOUND);
    CHECK(store_set(s, NS("app"), LIT("a"), v, 50, q, MAXV) == WACTOR_EQUOTA);
    CHECK(get(s, NS("app"), LIT("a"), buf) == 49 && memcmp(buf, v, 49) == 0);
    CHECK(store_usage(s, NS("app")) == 100);
    /* Replacing accounts the difference: shrink a by 9, then grow it back. */
    CHECK(store_set(s, NS("app"), LIT("a"), v, 40, q, MAXV) == WACTOR_OK);
    CHECK(store_usage(s, NS("app")) == 91);
    CHECK(store_set(s, NS("app"), LIT("c"), v, 8, q, MAXV) == WACTOR_OK);
    CHECK(store_usage(s, NS("app")) == 100);
    CHECK(store_set(s, NS("app"), LIT("a"), v, 41, q, MAXV) == WACTOR_EQUOTA);
    /* Delete frees exactly the entry's key + value bytes. */
    CHECK(store_delete(s, NS("app"), LIT("c")) == WACTOR_OK);
    CHECK(store_usage(s, NS("app")) == 91);
    CHECK(store_set(s, NS("app"), LIT("a"), v, 49, q, MAXV) == WACTOR_OK);
    CHECK(store_usage(s, NS("app")) == 100);
    CHECK(store_delete(s, NS("app"), LIT("a")) == WACTOR_OK);
    CHECK(store_delete(s, NS("app"), LIT("bb")) == WACTOR_OK);
    CHECK(store_usage(s, NS("app")) == 0);
    /* A single entry as large as the whole quota; quota 0 stores nothing. */
    CHECK(store_set(s, NS("app"), LIT("k"), v, 99, q, MAXV) == WACTOR_OK);
    CHECK(store_set(s, NS("zero"), LIT("k"), NULL, 0, 0, MAXV) == WACTOR_EQUOTA);
    CHECK(store_usage(s, NS("zero")) == 0);
    store_close(s);
}

static void isolation(void *arg)
{
    (void)arg;
    store *s = open_or_die(NULL);
    REQUIRE(s != NULL);
    uint8_t buf[64];
    CHECK(store_set(s, NS("alpha"), LIT("k"), LIT("from alpha"), NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(store_set(s, NS("beta"), LIT("k"), LIT("beta"), NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(get(s, NS("alpha"), LIT("k"), buf) == 10 && memcmp(buf, "from alpha", 10) == 0);
    CHECK(get(s, NS("beta"), LIT("k"), buf) == 4 && memcmp(buf, "beta", 4) == 0);
    CHECK(store_usage(s, NS("alpha")) == 11);
    CHECK(store_usage(s, NS("beta")) == 5);
    /* Namespace and key do not run together: ("a", "bc") is not ("ab", "c"). */
    CHECK(store_set(s, NS("a"), LIT("bc"), LIT("1"), NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(get(s, NS("ab"), LIT("c"), buf) == WACTOR_ENOTFOUND);
    /* One namespace's quota is its own: beta full does not limit alpha. */
    CHECK(store_set(s, NS("beta"), LIT("x"), LIT("y"), 5, MAXV) == WACTOR_EQUOTA);
    CHECK(store_set(s, NS("alpha"), LIT("x"), LIT("y"), 13, MAXV) == WACTOR_OK);
    CHECK(store_delete(s, NS("beta"), LIT("x")) == WACTOR_ENOTFOUND);
    CHECK(store_delete(s, NS("beta"), LIT("k")) == WACTOR_OK);
    CHECK(get(s, NS("alpha"), LIT("k"), buf) == 10);
    CHECK(store_usage(s, NS("alpha")) == 13);
    CHECK(store_usage(s, NS("beta")) == 0);
    /* A namespace that only differs after a NUL byte is another one. */
    CHECK(store_set(s, "app\0x", 5, LIT("k"), LIT("1"), NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(store_get(s, "app\0y", 5, LIT("k"), buf, sizeof buf) == WACTOR_ENOTFOUND);
    CHECK(store_get(s, "app", 3, LIT("k"), buf, sizeof buf) == WACTOR_ENOTFOUND);
    store_close(s);
}

static void persistence(void *arg)
{
    (void)arg;
    char root[256], dir[300];
    make_temp_dir(root, sizeof root);
    /* The directory does not exist yet: opened like mkdir -p. */
    snprintf(dir, sizeof dir, "%s/nested/storage/", root);
    uint8_t v[5000], buf[8192];
    pattern(v, sizeof v, 3);
    store *s = open_or_die(dir);
    REQUIRE(s != NULL);
    CHECK(store_set(s, NS("app"), LIT("k1"), v, sizeof v, NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(store_set(s, NS("app"), LIT("k2"), LIT("two"), NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(store_set(s, NS("other"), LIT("k1"), LIT("o"), NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(store_delete(s, NS("app"), LIT("k2")) == WACTOR_OK);
    store_close(s);
    /* A new handle, as after a restart of the runtime. */
    s = open_or_die(dir);
    REQUIRE(s != NULL);
    CHECK(store_get(s, NS("app"), LIT("k1"), buf, sizeof buf) == (int64_t)sizeof v);
    CHECK(memcmp(buf, v, sizeof v) == 0);
    CHECK(store_get(s, NS("app"), LIT("k2"), buf, sizeof buf) == WACTOR_ENOTFOUND);
    CHECK(store_get(s, NS("other"), LIT("k1"), buf, sizeof buf) == 1 && buf[0] == 'o');
    CHECK(store_usage(s, NS("app")) == (int64_t)(2 + sizeof v));
    CHECK(store_usage(s, NS("other")) == 3);
    /* The quota cache survived too: this is exactly one byte too many. */
    CHECK(store_set(s, NS("app"), LIT("x"), NULL, 0, 2 + sizeof v, MAXV) == WACTOR_EQUOTA);
    store_close(s);
    rm_tree(root);
}

static void memory(void *arg)
{
    (void)arg;
    uint8_t buf[16];
    store *a = open_or_die(NULL), *b = open_or_die(NULL);
    REQUIRE(a != NULL && b != NULL);
    CHECK(store_set(a, NS("app"), LIT("k"), LIT("v"), NOQUOTA, MAXV) == WACTOR_OK);
    /* Two in-memory stores share nothing. */
    CHECK(get(b, NS("app"), LIT("k"), buf) == WACTOR_ENOTFOUND);
    store_close(a);
    store_close(b);
    a = open_or_die(NULL);
    REQUIRE(a != NULL);
    CHECK(get(a, NS("app"), LIT("k"), buf) == WACTOR_ENOTFOUND);
    CHECK(store_usage(a, NS("app")) == 0);
    store_close(a);
}

/* Two handles on one directory (two runtimes, or `wactor call` next to
 * `wactor run`): each sees the other's commits, and the quota of a namespace
 * holds exactly across them, even when both write at once. */
typedef struct sharer {
    store *s;
    int id, ok, failures;
} sharer;

enum { SHARED_KEYS = 40, SHARED_VLEN = 17, SHARED_QUOTA = 25 * (3 + SHARED_VLEN) + 7 };

static void *share(void *arg)
{
    sharer *w = arg;
    uint8_t v[SHARED_VLEN];
    pattern(v, sizeof v, (unsigned)w->id);
    for (int i = 0; i < SHARED_KEYS; i++) {
        char key[8];
        snprintf(key, sizeof key, "%c%02d", 'a' + w->id, i); /* 3 bytes */
        int rc = store_set(w->s, NS("shared"), key, 3, v, sizeof v, SHARED_QUOTA, MAXV);
        if (rc == WACTOR_OK)
            w->ok++;
        else if (rc != WACTOR_EQUOTA)
            w->failures++;
        /* Let the other handle in: SQLite's busy wait polls, it does not
         * queue, so a writer that never pauses starves the other one. */
        usleep(200);
    }
    return NULL;
}

static void shared(void *arg)
{
    (void)arg;
    char dir[256];
    uint8_t buf[16];
    make_temp_dir(dir, sizeof dir);
    store *a = open_or_die(dir), *b = open_or_die(dir);
    REQUIRE(a != NULL && b != NULL);
    CHECK(store_set(a, NS("app"), LIT("k"), LIT("from a"), NOQUOTA, MAXV) == WACTOR_OK);
    CHECK(get(b, NS("app"), LIT("k"), buf) == 6 && memcmp(buf, "from a", 6) == 0);
    CHECK(store_usage(b, NS("app")) == 7);
    /* b's quota check counts a's entry. */
    CHECK(store_set(b, NS("app"), LIT("j"), LIT("12"), 9, MAXV) == WACTOR_EQUOTA);
    CHECK(store_set(b, NS("app"), LIT("j"), LIT("1"), 9, MAXV) == WACTOR_OK);
    CHECK(store_delete(b, NS("app"), LIT("k")) == WACTOR_OK);
    CHECK(get(a, NS("app"), LIT("k"), buf) == WACTOR_ENOTFOUND);
    CHECK(store_usage(a, NS("app")) == 2);
    /* Both race to fill one namespace: exactly 25 entries of 20 bytes fit. */
    pthread_t t[2];
    sharer w[2] = {{.s = a, .id = 0}, {.s = b, .id = 1}};
    for (int i = 0; i < 2; i++)
        REQUIRE(pthread_create(&t[i], NULL, share, &w[i]) == 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK(w[0].failures == 0 && w[1].failures == 0);
    CHECK(w[0].ok + w[1].ok == 25);
    CHECK(store_usage(a, NS("shared")) == 25 * (3 + SHARED_VLEN));
    store_close(a);
    store_close(b);
    rm_tree(dir);
}

/* The child of kill9: writes r<round>-<j> for j = 0, 1, ... and reports each
 * OK with one byte on fd, until it is killed. */
static void kill9_child(const char *dir, int round, int fd)
{
    store *s = store_open(dir, NULL, 0);
    if (s == NULL)
        _exit(2);
    uint8_t v[2000];
    for (int j = 0; j < 100000; j++) {
        char key[32];
        int klen = snprintf(key, sizeof key, "r%d-%d", round, j);
        size_t vlen = 1000 + (size_t)j % 1000;
        pattern(v, vlen, (unsigned)(round * 1000 + j));
        if (store_set(s, NS("victim"), key, (size_t)klen, v, vlen, NOQUOTA, MAXV) != WACTOR_OK)
            _exit(3);
        uint8_t one = 1;
        if (write(fd, &one, 1) != 1)
            _exit(4);
    }
    _exit(0);
}

static void kill9(void *arg)
{
    (void)arg;
    char dir[256];
    make_temp_dir(dir, sizeof dir);
    int64_t total = 0; /* bytes of every entry found so far */
    for (int round = 0; round < 5; round++) {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        fflush(NULL);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            kill9_child(dir, round, fds[1]);
        }
        close(fds[1]);
        /* Wait for `acked` OKs, then kill at once: the child is writing the
         * next entry at that moment. */
        int acked = 1 + 3 * round, got = 0;
        uint8_t byte;
        while (got < acked && read(fds[0], &byte, 1) == 1)
            got++;
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        close(fds[0]);
        CHECK(got == acked);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        store *s = open_or_die(dir);
        REQUIRE(s != NULL);
        /* Every acknowledged entry is there; one more may be (committed but
         * killed before its byte was written). Entries are contiguous. */
        int present = 0;
        uint8_t want[2000], buf[2000];
        for (int j = 0;; j++) {
            char key[32];
            int klen = snprintf(key, sizeof key, "r%d-%d", round, j);
            size_t vlen = 1000 + (size_t)j % 1000;
            int64_t n = store_get(s, NS("victim"), key, (size_t)klen, buf, sizeof buf);
            if (n == WACTOR_ENOTFOUND)
                break;
            pattern(want, vlen, (unsigned)(round * 1000 + j));
            CHECK(n == (int64_t)vlen && memcmp(buf, want, vlen) == 0);
            total += klen + (int64_t)vlen;
            present++;
        }
        CHECK(present >= acked);
        /* The quota cache committed with the entries, not a write late. */
        CHECK(store_usage(s, NS("victim")) == total);
        store_close(s);
    }
    rm_tree(dir);
}

/* ---- threads ---------------------------------------------------------- */

typedef struct worker {
    store *s;
    int id, iterations;
    int failures;
} worker;

/* Each worker keeps a model of its own namespace (value length per key, or
 * -1) and checks every answer, EQUOTA included, against it. */
static void *work(void *arg)
{
    worker *w = arg;
    char ns[16];
    int ns_len = snprintf(ns, sizeof ns, "thread-%d", w->id);
    enum { KEYS = 16, QUOTA = 1500 };
    int lens[KEYS];
    for (int i = 0; i < KEYS; i++)
        lens[i] = -1;
    int64_t usage = 0;
    uint8_t v[256], buf[256];
    for (int i = 0; i < w->iterations; i++) {
        int k = (i * 7 + w->id) % KEYS;
        char key[8];
        int klen = snprintf(key, sizeof key, "k%d", k);
        if (i % 5 == 4) {
            int rc = store_delete(w->s, ns, (size_t)ns_len, key, (size_t)klen);
            int want = lens[k] < 0 ? WACTOR_ENOTFOUND : WACTOR_OK;
            w->failures += rc != want;
            if (lens[k] >= 0)
                usage -= klen + lens[k];
            lens[k] = -1;
            continue;
        }
        int vlen = (i * 37 + w->id * 11) % 200;
        pattern(v, (size_t)vlen, (unsigned)(w->id * 100000 + i));
        int64_t next = usage - (lens[k] < 0 ? 0 : klen + lens[k]) + klen + vlen;
        int rc =
            store_set(w->s, ns, (size_t)ns_len, key, (size_t)klen, v, (size_t)vlen, QUOTA, MAXV);
        int want = next > QUOTA ? WACTOR_EQUOTA : WACTOR_OK;
        w->failures += rc != want;
        if (want == WACTOR_OK) {
            usage = next;
            lens[k] = vlen;
            int64_t n = store_get(w->s, ns, (size_t)ns_len, key, (size_t)klen, buf, sizeof buf);
            w->failures += n != vlen || memcmp(buf, v, (size_t)vlen) != 0;
        }
        w->failures += store_usage(w->s, ns, (size_t)ns_len) != usage;
    }
    return NULL;
}

static void run_workers(store *s, int iterations)
{
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){.s = s, .id = i, .iterations = iterations};
        REQUIRE(pthread_create(&t[i], NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        if (w[i].failures)
            fprintf(stderr, "thread %d: %d wrong answers\n", i, w[i].failures);
        CHECK(w[i].failures == 0);
    }
}

static void threads(void *arg)
{
    (void)arg;
    store *s = open_or_die(NULL);
    REQUIRE(s != NULL);
    run_workers(s, 2000);
    store_close(s);
    char dir[256];
    make_temp_dir(dir, sizeof dir);
    s = open_or_die(dir);
    REQUIRE(s != NULL);
    run_workers(s, 150);
    store_close(s);
    rm_tree(dir);
}

/* ---- latency (not a ctest case) --------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *t, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += t[i];
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("  %-34s n=%-6d mean %9.2f us  p50 %9.2f  p99 %9.2f  max %9.2f\n", what, n, sum / n,
           t[n / 2], t[n * 99 / 100], t[n - 1]);
}

/* Times n sets of vlen-byte values over 100 keys, then n gets. */
static void time_store(const char *label, store *s, int n, size_t vlen)
{
    double *t = malloc(sizeof(double) * (size_t)n);
    uint8_t *v = malloc(vlen + 1), *buf = malloc(vlen + 1);
    if (t == NULL || v == NULL || buf == NULL)
        exit(2);
    pattern(v, vlen, 5);
    char what[64];
    for (int i = 0; i < n; i++) {
        char key[16];
        int klen = snprintf(key, sizeof key, "key-%d", i % 100);
        double t0 = now_us();
        int rc = store_set(s, NS("bench"), key, (size_t)klen, v, vlen, NOQUOTA, MAXV);
        t[i] = now_us() - t0;
        CHECK(rc == WACTOR_OK);
    }
    snprintf(what, sizeof what, "%s set %zu B", label, vlen);
    report(what, t, n);
    for (int i = 0; i < n; i++) {
        char key[16];
        int klen = snprintf(key, sizeof key, "key-%d", i % 100);
        double t0 = now_us();
        int64_t rc = store_get(s, NS("bench"), key, (size_t)klen, buf, vlen + 1);
        t[i] = now_us() - t0;
        CHECK(rc == (int64_t)vlen);
    }
    snprintf(what, sizeof what, "%s get %zu B", label, vlen);
    report(what, t, n);
    free(t);
    free(v);
    free(buf);
}

static void latency(void *arg)
{
    (void)arg;
    store *s = open_or_die(NULL);
    REQUIRE(s != NULL);
    time_store("memory", s, 20000, 100);
    time_store("memory", s, 2000, 65536);
    store_close(s);
    char dir[256];
    make_temp_dir(dir, sizeof dir);
    printf("  (disk: %s)\n", dir);
    s = open_or_die(dir);
    REQUIRE(s != NULL);
    time_store("disk, durable", s, 1000, 100);
    time_store("disk, durable", s, 300, 65536);
    store_close(s);
    rm_tree(dir);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        {"roundtrip", roundtrip},
        {"copy_out", copy_out},
        {"einval", einval},
        {"etoobig", etoobig},
        {"quota", quota},
        {"isolation", isolation},
        {"persistence", persistence},
        {"memory", memory},
        {"shared", shared},
        {"kill9", kill9},
        {"threads", threads},
        {"latency", latency},
    };
    (void)test_read_file; /* harness.h's, unused here */
    if (argc > 2) {
        fprintf(stderr, "usage: store_test [TEST|all]\n");
        return 2;
    }
    return test_run(tests, sizeof tests / sizeof tests[0], argc > 1 ? argv[1] : "all", NULL);
}
