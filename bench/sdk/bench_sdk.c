/*
 * bench_sdk: a Rust echo component (examples/rust/echo, sdk/rust) against the C echo
 * (c_echo.c, sdk/c) in the same run: module size, and the time of one round trip from the
 * host (wactor_call of 64 bytes), median of ROUNDS rounds of CALLS calls each, the two
 * components alternating round by round. Usage: bench_sdk C_ECHO.wasm RUST_ECHO.wasm
 */
#include <wactor.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define ROUNDS 9
#define CALLS 20000

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nanoseconds per round trip over CALLS calls to `name`; -1 on any failure. */
static double round_trips(wactor_runtime *rt, const char *name)
{
    char payload[64];
    memset(payload, 'x', sizeof payload);
    double start = now_ns();
    for (int i = 0; i < CALLS; i++) {
        int status;
        void *answer;
        size_t len;
        int r = wactor_call(rt, name, payload, sizeof payload, 5000, &status, &answer, &len);
        int ok = r == WACTOR_OK && status == WACTOR_STATUS_OK && len == sizeof payload;
        free(answer);
        if (!ok)
            return -1;
    }
    return (now_ns() - start) / CALLS;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The module's bytes without its custom sections (names, producers, debug information), which
 * toolchains add or strip by their defaults: the code and data the runtime actually loads. -1
 * if the file cannot be read or is not a module. */
static long loaded_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    unsigned char head[8];
    long total = 8;
    if (fread(head, 1, 8, f) != 8 || memcmp(head, "\0asm", 4) != 0) {
        fclose(f);
        return -1;
    }
    int id;
    while ((id = fgetc(f)) != EOF) {
        unsigned long size = 0;
        int shift = 0, byte, header = 1;
        do {
            byte = fgetc(f);
            header++;
            size |= (unsigned long)(byte & 0x7f) << shift;
            shift += 7;
        } while (byte != EOF && (byte & 0x80) && shift < 35);
        if (byte == EOF || fseek(f, (long)size, SEEK_CUR) != 0)
            break;
        if (id != 0)
            total += header + (long)size;
    }
    fclose(f);
    return total;
}

static void quiet(void *arg, const char *line, size_t len)
{
    (void)arg;
    (void)line;
    (void)len;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_sdk C_ECHO.wasm RUST_ECHO.wasm\n");
        return 2;
    }
    const char *names[2] = {"c-echo", "rust-echo"};
    wactor_runtime_options opts = {.log_level = WACTOR_LOG_WARN, .audit = quiet};
    wactor_runtime *rt = wactor_runtime_new(&opts);
    if (rt == NULL) {
        fprintf(stderr, "bench_sdk: %s\n", wactor_errmsg(NULL));
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        wactor_component_options o = {.name = names[i], .path = argv[1 + i]};
        if (wactor_spawn(rt, &o) != WACTOR_OK) {
            fprintf(stderr, "bench_sdk: %s: %s\n", argv[1 + i], wactor_errmsg(rt));
            return 1;
        }
    }
    double t[2][ROUNDS];
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < 2; i++)
            if ((t[i][r] = round_trips(rt, names[i])) < 0) {
                fprintf(stderr, "bench_sdk: a call to %s failed\n", names[i]);
                return 1;
            }
    wactor_runtime_free(rt);

    double median[2];
    for (int i = 0; i < 2; i++) {
        qsort(t[i], ROUNDS, sizeof t[i][0], cmp_double);
        median[i] = t[i][ROUNDS / 2];
    }
    long size[2] = {file_size(argv[1]), file_size(argv[2])};
    long loaded[2] = {loaded_size(argv[1]), loaded_size(argv[2])};
    printf(
        "echo component    .wasm bytes   without custom sections   round trip (64 B, host call)\n");
    printf("C (sdk/c)         %11ld   %23ld   %8.0f ns\n", size[0], loaded[0], median[0]);
    printf("Rust (sdk/rust)   %11ld   %23ld   %8.0f ns\n", size[1], loaded[1], median[1]);
    printf("Rust / C          %10.2fx   %22.2fx   %8.2fx\n", (double)size[1] / (double)size[0],
           (double)loaded[1] / (double)loaded[0], median[1] / median[0]);
    return 0;
}
