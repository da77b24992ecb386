/*
 * artifact.c: artifacts, the shared objects of the ahead-of-time tier
 * (docs/AOT.md): what one is bound to (a stamp), making one with the
 * system C compiler, and loading one only when it is safe and fits.
 *
 * Loading runs code from a file, so the file is checked first and the
 * checked file is the one loaded: it is opened once, fstat'ed (a regular
 * file, ours, writable by no one else), and dlopen'ed through
 * /proc/self/fd/N, so no one can swap the path between check and load.
 * Then its descriptor must carry this build's ABI, version and target and
 * the module's SHA-256, and rt.c checks the code it was made from.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkstemps */
#endif
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h> /* ElfW */
#include <openssl/evp.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aot.h"
#include "module.h"

extern char **environ;

#ifndef WA_AOT_VERSION
#error "WA_AOT_VERSION (the wactor version) comes from src/aot/CMakeLists.txt"
#endif

/* Machine, system, C library: what the artifact's code runs on. */
#if defined(__x86_64__)
#define WA_AOT_ARCH "x86_64"
#elif defined(__aarch64__)
#define WA_AOT_ARCH "aarch64"
#else
#define WA_AOT_ARCH "unknown"
#endif
#if defined(__GLIBC__)
#define WA_AOT_LIBC "gnu"
#else
#define WA_AOT_LIBC "unknown"
#endif

void wa_aot_stamp_of(const wa_module *m, wa_aot_stamp *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->version, sizeof out->version, "%s", WA_AOT_VERSION);
    snprintf(out->target, sizeof out->target, "%s-linux-%s", WA_AOT_ARCH, WA_AOT_LIBC);
    unsigned int n = 0;
    if (!EVP_Digest(m->bytes, m->len, out->sha256, &n, EVP_sha256(), NULL))
        memset(out->sha256, 0, sizeof out->sha256); /* then no artifact ever matches */
}

char *wa_aot_cache_path(const char *dir, const wa_module *m)
{
    wa_aot_stamp stamp;
    wa_aot_stamp_of(m, &stamp);
    size_t n = strlen(dir) + 2 * sizeof stamp.sha256 + 8;
    char *path = malloc(n);
    if (!path)
        return NULL;
    int k = snprintf(path, n, "%s/", dir);
    for (size_t i = 0; i < sizeof stamp.sha256; i++)
        k += snprintf(path + k, n - (size_t)k, "%02x", stamp.sha256[i]);
    snprintf(path + k, n - (size_t)k, ".so");
    return path;
}

/* ---- compiling ------------------------------------------------------------ */

/* The compiler's flags: what docs/AOT.md says the generated C needs. GCC
 * keeps signalling NaNs with -fsignaling-nans; clang has no such flag and
 * gets the same from strict exception behaviour. cc is $CC, which may hold
 * words ("ccache gcc", "gcc -m64"): it is split at blanks in place (no
 * shell, so no quoting). It compiles the C to an object with a report of
 * each function's C stack frame (-fstack-usage), then links that with the
 * largest frame (abi.h: c_frame) into the shared object. False if $CC has
 * no word or too many. */
enum { CC_WORDS = 8, CC_ARGV = CC_WORDS + 16 };
static bool compiler_args(char *cc, const char **compile, const char **link)
{
    int n = 0;
    bool clang = false;
    char *rest = NULL;
    for (char *w = strtok_r(cc, " \t", &rest); w; w = strtok_r(NULL, " \t", &rest)) {
        if (n == CC_WORDS)
            return false;
        const char *base = strrchr(w, '/');
        clang = clang || strstr(base ? base + 1 : w, "clang") != NULL;
        compile[n] = link[n] = w;
        n++;
    }
    if (n == 0)
        return false;
    static const char *const flags[] = {"-O2",
                                        "-fPIC",
                                        "-fvisibility=hidden",
                                        "-ffp-contract=off",
                                        "-fno-math-errno",
                                        "-fno-strict-aliasing",
                                        "-w",
                                        "-fstack-usage",
                                        "-c"};
    int k = n;
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        compile[k++] = flags[i];
    compile[k++] = clang ? "-ffp-exception-behavior=maytrap" : "-fsignaling-nans";
    compile[k++] = "-o";
    compile[k] = NULL; /* then the object and the C */
    link[n] = "-fPIC";
    link[n + 1] = "-shared";
    link[n + 2] = "-o";
    link[n + 3] = NULL; /* then the shared object, the object and the frame's C */
    return true;
}

/* Appends words to a NULL-ended argv. */
static void add_args(const char **argv, const char *a, const char *b, const char *c)
{
    int n = 0;
    while (argv[n])
        n++;
    argv[n++] = a;
    argv[n++] = b;
    if (c)
        argv[n++] = c;
    argv[n] = NULL;
}

/* The largest C stack frame in a -fstack-usage report ("where\tbytes\tkind"
 * per function: kind "static", or "dynamic,bounded" when the bytes are a
 * bound), or UINT32_MAX if it has none or a frame of unbounded ("dynamic")
 * size. */
static uint32_t largest_frame(const char *su_path)
{
    FILE *f = fopen(su_path, "r");
    if (!f)
        return UINT32_MAX;
    uint32_t most = 0;
    bool any = false, ok = true;
    char line[1024];
    while (ok && fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t'), *end;
        unsigned long bytes = tab ? strtoul(tab + 1, &end, 10) : 0;
        ok = tab && end != tab + 1 && bytes < UINT32_MAX &&
             (strncmp(end, "\tstatic", 7) == 0 || strncmp(end, "\tdynamic,bounded", 16) == 0);
        if (ok && bytes > most)
            most = (uint32_t)bytes;
        any = true;
    }
    fclose(f);
    return ok && any ? most : UINT32_MAX;
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Runs the compiler; on failure err gets the start of what it said. */
static bool run_compiler(const char **argv, wa_error *err)
{
    int out[2];
    if (pipe(out) != 0)
        return wa_fail(err, WA_ERR_FILE, -1, 0, "cannot run %s: %s", argv[0], strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (rc != 0) {
        close(out[0]);
        return wa_fail(err, WA_ERR_FILE, -1, 0, "cannot run the C compiler %s: %s", argv[0],
                       strerror(rc));
    }
    char said[160];
    size_t len = 0;
    for (;;) {
        char buf[512];
        ssize_t r = read(out[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        size_t take = (size_t)r < sizeof said - 1 - len ? (size_t)r : sizeof said - 1 - len;
        memcpy(said + len, buf, take);
        len += take;
    }
    said[len] = 0;
    close(out[0]);
    /* A program embedding wactor may ignore SIGCHLD: then the status is
     * gone (ECHILD), and a compiler that cannot be seen to succeed failed. */
    int status = -1;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (w < 0)
        return wa_fail(err, WA_ERR_FILE, -1, 0,
                       "cannot tell whether the C compiler %s succeeded: %s", argv[0],
                       strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    for (char *p = said; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return wa_fail(err, WA_ERR_FILE, -1, 0, "the C compiler %s failed: %s", argv[0],
                   len ? said : "(no message)");
}

/* The temporary files of one compile, beside the output (a rename at the
 * end stays on one file system, so a reader sees the old artifact or the
 * new one): one random stem, and each file created here first (O_EXCL),
 * so the compiler writes no file that someone else placed. */
enum { T_C, T_O, T_SU, T_FRAME, T_SO, T_COUNT };
static const char *const k_temp_suffix[T_COUNT] = {".c", ".o", ".su", "-frame.c", ".so"};
typedef struct temps {
    char *path[T_COUNT];
    bool made[T_COUNT];
} temps;

static bool temps_make(temps *t, const char *out_path, wa_error *err)
{
    size_t n = strlen(out_path) + 24;
    for (int i = 0; i < T_COUNT; i++)
        if (!(t->path[i] = malloc(n)))
            return wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
    snprintf(t->path[T_C], n, "%s.XXXXXX.c", out_path);
    int fd = mkstemps(t->path[T_C], 2);
    if (fd < 0)
        return wa_fail(err, WA_ERR_FILE, -1, 0, "cannot write beside %s: %s", out_path,
                       strerror(errno));
    close(fd);
    t->made[T_C] = true;
    size_t stem = strlen(t->path[T_C]) - 2;
    for (int i = T_C + 1; i < T_COUNT; i++) {
        snprintf(t->path[i], n, "%.*s%s", (int)stem, t->path[T_C], k_temp_suffix[i]);
        fd = open(t->path[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            return wa_fail(err, WA_ERR_FILE, -1, 0, "cannot write %s: %s", t->path[i],
                           strerror(errno));
        close(fd);
        t->made[i] = true;
    }
    return true;
}

static void temps_remove(temps *t)
{
    for (int i = 0; i < T_COUNT; i++) {
        if (t->made[i])
            unlink(t->path[i]);
        free(t->path[i]);
    }
}

/* The C of the largest frame (abi.h: c_frame). */
static bool write_frame_c(const char *path, uint32_t bytes, wa_error *err)
{
    FILE *f = fopen(path, "w");
    bool ok = f && fprintf(f,
                           "#include <stdint.h>\n__attribute__((visibility(\"hidden\"))) const "
                           "uint32_t %s = %uu;\n",
                           WA_AOT_C_FRAME_SYMBOL, bytes) > 0;
    if (f && fclose(f) != 0)
        ok = false;
    return ok || wa_fail(err, WA_ERR_FILE, -1, 0, "cannot write %s", path);
}

bool wa_aot_compile(const wa_module *m, const char *out_path, FILE *progress, wa_error *err)
{
    temps t = {0};
    char *cc = NULL;
    bool ok = false;
    if (!temps_make(&t, out_path, err))
        goto done;
    FILE *c = fopen(t.path[T_C], "w");
    if (!c) {
        wa_fail(err, WA_ERR_FILE, -1, 0, "cannot write %s: %s", t.path[T_C], strerror(errno));
        goto done;
    }
    wa_aot_stamp stamp;
    wa_aot_stamp_of(m, &stamp);
    double t0 = seconds();
    bool written = wa_aot_write_c(m, &stamp, c, err);
    long c_bytes = written ? ftell(c) : 0;
    if (fclose(c) != 0 && written)
        written = wa_fail(err, WA_ERR_FILE, -1, 0, "cannot write %s", t.path[T_C]);
    if (!written)
        goto done;
    const char *env_cc = getenv("CC");
    cc = strdup(env_cc && *env_cc ? env_cc : "cc");
    const char *compile[CC_ARGV], *link[CC_ARGV];
    if (!cc || !compiler_args(cc, compile, link)) {
        wa_fail(err, WA_ERR_FILE, -1, 0, "$CC must be a C compiler and at most %d words", CC_WORDS);
        goto done;
    }
    add_args(compile, t.path[T_O], t.path[T_C], NULL);
    add_args(link, t.path[T_SO], t.path[T_O], t.path[T_FRAME]);
    bool large = c_bytes > (4l << 20);
    if (progress && large)
        fprintf(progress, "compiling %u functions (%.1f MB of C) with %s...\n",
                m->nfuncs - m->nfunc_imports, (double)c_bytes / 1e6, compile[0]);
    if (!run_compiler(compile, err) ||
        !write_frame_c(t.path[T_FRAME], largest_frame(t.path[T_SU]), err) ||
        !run_compiler(link, err))
        goto done;
    if (chmod(t.path[T_SO], 0644) != 0 || rename(t.path[T_SO], out_path) != 0) {
        wa_fail(err, WA_ERR_FILE, -1, 0, "cannot write %s: %s", out_path, strerror(errno));
        goto done;
    }
    t.made[T_SO] = false;
    if (progress && large)
        fprintf(progress, "compiled in %.1f s\n", seconds() - t0);
    ok = true;
done:
    temps_remove(&t);
    free(cc); /* the argv's first words point into it */
    return ok;
}

/* ---- loading ---------------------------------------------------------------- */

/* The file stays open while it is loaded: the dynamic loader knows a
 * library by its name, and /proc/self/fd/N names another file once N is
 * closed and reused, so N must stay taken. */
struct wa_aot_artifact {
    void *dl;
    int fd;
    wa_aot_code *code;
};

static wa_aot_artifact *refuse(wa_error *err, void *dl, int fd, const char *path, const char *why)
{
    if (dl)
        dlclose(dl);
    if (fd >= 0)
        close(fd);
    wa_fail(err, WA_ERR_UNSUPPORTED, -1, 0, "%s: not loaded: %s", path, why);
    return NULL;
}

/* The dynamic loader maps a shared object's segments without checking that
 * the file holds them: a truncated one (a copy cut short, a full disk) is
 * mapped past its end, and the first touch of a missing page kills the
 * process with SIGBUS. So the headers are read here, and every segment
 * must lie inside the file. NULL if it does, else what is wrong. */
static const char *elf_problem(int fd, off_t size)
{
    ElfW(Ehdr) eh;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG))
        return "no ELF header";
    if (eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
        eh.e_type != ET_DYN)
        return "not a shared object of this machine";
    uint64_t end = (uint64_t)size;
    if (eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 || eh.e_phoff > end ||
        (uint64_t)eh.e_phnum * sizeof(ElfW(Phdr)) > end - eh.e_phoff)
        return "truncated or damaged program headers";
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        ElfW(Phdr) ph;
        off_t at = (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph);
        if (pread(fd, &ph, sizeof ph, at) != (ssize_t)sizeof ph)
            return "truncated or damaged program headers";
        if (ph.p_offset > end || ph.p_filesz > end - ph.p_offset)
            return "truncated: a segment lies past the end of the file";
    }
    return NULL;
}

wa_aot_artifact *wa_aot_open(const char *path, const wa_module *m, wa_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (fstat then
     * refuses it); it changes nothing for a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        wa_fail(err, WA_ERR_FILE, -1, 0, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = "cannot stat it";
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_uid != geteuid())
        why = "owned by another user";
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        why = "writable by group or others";
    if (why)
        return refuse(err, NULL, fd, path, why);
    const char *bad = elf_problem(fd, st.st_size);
    if (bad) {
        char msg[128];
        snprintf(msg, sizeof msg, "not a loadable shared object (%s)", bad);
        return refuse(err, NULL, fd, path, msg);
    }
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    void *dl = dlopen(proc, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        char msg[160];
        snprintf(msg, sizeof msg, "not a loadable shared object (%s)", e ? e : "dlopen failed");
        return refuse(err, NULL, fd, path, msg);
    }
    const wa_aot_descriptor *d = dlsym(dl, WA_AOT_SYMBOL);
    wa_aot_stamp want;
    wa_aot_stamp_of(m, &want);
    if (!d)
        return refuse(err, dl, fd, path, "no wactor artifact (no descriptor)");
    if (d->abi != WA_AOT_ABI)
        return refuse(err, dl, fd, path, "made for another compiled-code ABI");
    if (strncmp(d->version, want.version, sizeof want.version) != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "made by wactor %.32s, this is %s", d->version, want.version);
        return refuse(err, dl, fd, path, msg);
    }
    if (strncmp(d->target, want.target, sizeof want.target) != 0)
        return refuse(err, dl, fd, path, "made for another target");
    if (memcmp(d->module_sha256, want.sha256, sizeof want.sha256) != 0)
        return refuse(err, dl, fd, path, "made for another module");
    wa_aot_artifact *a = calloc(1, sizeof *a);
    if (!a) {
        dlclose(dl);
        close(fd);
        wa_fail(err, WA_ERR_NOMEM, -1, 0, "out of memory");
        return NULL;
    }
    a->dl = dl;
    a->fd = fd;
    a->code = wa_aot_bind(m, d, err);
    if (!a->code) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        free(a);
        return refuse(err, dl, fd, path, msg);
    }
    return a;
}

const wa_native *wa_aot_artifact_native(const wa_aot_artifact *a)
{
    return wa_aot_native(a->code);
}

void wa_aot_close(wa_aot_artifact *a)
{
    if (!a)
        return;
    wa_aot_unbind(a->code);
    dlclose(a->dl);
    close(a->fd);
    free(a);
}
