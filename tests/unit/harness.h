/*
 * harness.h: the tiny test harness of the C unit tests. Each test program is
 * one file with a table of named tests; `PROGRAM NAME|all ARGS...` runs one
 * or all of them and prints "ok NAME" or "FAILED NAME" after the failed
 * checks. The exit status is 1 if any check failed, 2 on a usage error.
 */
#ifndef WACTOR_TEST_HARNESS_H
#define WACTOR_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int test_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

/* Like CHECK, but ends the test: for checks later ones depend on. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: required: %s\n", __FILE__, __LINE__, #cond);                   \
            test_failures++;                                                                       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

typedef struct test_case {
    const char *name;
    void (*run)(void *arg);
} test_case;

/* Runs the test named `which` ("all": every test) with arg. */
static inline int test_run(const test_case *tests, size_t n, const char *which, void *arg)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(which, "all") != 0 && strcmp(which, tests[i].name) != 0)
            continue;
        found = true;
        int before = test_failures;
        tests[i].run(arg);
        printf("%s %s\n", test_failures == before ? "ok" : "FAILED", tests[i].name);
    }
    if (!found) {
        fprintf(stderr, "no test named %s\n", which);
        return 2;
    }
    return test_failures ? 1 : 0;
}

/* The file at path in a static buffer of 1 MiB (test modules are small), or
 * NULL. Each call overwrites the previous contents. */
static inline const uint8_t *test_read_file(const char *path, size_t *len)
{
    static uint8_t buf[1 << 20];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

#endif
