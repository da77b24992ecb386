/*
 * sqlite_bench.c: a query workload over SQLite's amalgamation (bookworm's sqlite3 3.40.1), the
 * same source natively and on wasm32-wasi. Usage: sqlite_bench ROUNDS; prints "checksum N".
 *
 * Each round fills an in-memory table through a prepared insert in one transaction, indexes it,
 * runs indexed point queries, a grouped aggregate with ORDER BY, an UPDATE and a DELETE with
 * expressions, then drops the table: the parser, the VDBE, the B-tree and the pager's memory
 * journal.
 *
 * SQLite 3.40's unix VFS does not build on WASI (docs/WASI.md), so both builds use
 * SQLITE_OS_OTHER and the VFS below, which opens no files: an in-memory database with
 * SQLITE_TEMP_STORE=3 needs only its randomness and clock, both deterministic here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

enum { ROWS = 20000, KEYS = 5000, LOOKUPS = 20000 };

static int vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
    (void)vfs, (void)name, (void)flags, (void)out;
    file->pMethods = NULL; /* tells SQLite there is nothing to close */
    return SQLITE_CANTOPEN;
}

static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
    (void)vfs, (void)name, (void)sync;
    return SQLITE_IOERR_DELETE;
}

static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *result)
{
    (void)vfs, (void)name, (void)flags;
    *result = 0;
    return SQLITE_OK;
}

static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    sqlite3_snprintf(n, out, "%s", name);
    return SQLITE_OK;
}

static int vfs_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    for (int i = 0; i < n; i++)
        out[i] = (char)(i * 131 + 7); /* deterministic: the checksum must not depend on it */
    return n;
}

static int vfs_sleep(sqlite3_vfs *vfs, int microseconds)
{
    (void)vfs;
    return microseconds;
}

static int vfs_current_time(sqlite3_vfs *vfs, double *julian_day)
{
    (void)vfs;
    *julian_day = 2461000.5;
    return SQLITE_OK;
}

static int vfs_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs, (void)n, (void)out;
    return 0;
}

static sqlite3_vfs memory_only_vfs = {
    .iVersion = 1,
    .szOsFile = sizeof(sqlite3_file),
    .mxPathname = 256,
    .zName = "memory-only",
    .xOpen = vfs_open,
    .xDelete = vfs_delete,
    .xAccess = vfs_access,
    .xFullPathname = vfs_full_pathname,
    .xRandomness = vfs_randomness,
    .xSleep = vfs_sleep,
    .xCurrentTime = vfs_current_time,
    .xGetLastError = vfs_last_error,
};

/* What SQLITE_OS_OTHER asks the application to provide. */
int sqlite3_os_init(void)
{
    return sqlite3_vfs_register(&memory_only_vfs, 1);
}

int sqlite3_os_end(void)
{
    return SQLITE_OK;
}

static void check(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sqlite_bench: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void exec(sqlite3 *db, const char *sql)
{
    check(db, sqlite3_exec(db, sql, NULL, NULL, NULL), sql);
}

static uint32_t mix(uint32_t sum, uint32_t v)
{
    return (sum ^ v) * 0x01000193u + 0x2f;
}

static uint32_t mix_text(uint32_t sum, const unsigned char *text)
{
    while (text && *text)
        sum = mix(sum, *text++);
    return sum;
}

static uint32_t next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static uint32_t round_once(sqlite3 *db, uint32_t sum, uint32_t seed)
{
    static const char *const words[] = {"actor", "message", "mailbox", "supervisor", "lattice",
                                        "fuel",  "trap",    "memory",  "table",      "export"};
    sqlite3_stmt *st;
    exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v REAL, s TEXT)");
    exec(db, "BEGIN");
    check(db, sqlite3_prepare_v2(db, "INSERT INTO t(k, v, s) VALUES (?1, ?2, ?3)", -1, &st, NULL),
          "prepare insert");
    char text[96];
    for (int i = 0; i < ROWS; i++) {
        uint32_t r = next(&seed);
        snprintf(text, sizeof text, "%s-%s-%u", words[r % 10], words[(r >> 8) % 10], r % 100000);
        sqlite3_bind_int(st, 1, (int)(r % KEYS));
        sqlite3_bind_double(st, 2, (double)(r % 1000) / 8.0);
        sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
        check(db, sqlite3_step(st), "insert");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    exec(db, "COMMIT");
    exec(db, "CREATE INDEX t_k ON t(k)");

    check(db,
          sqlite3_prepare_v2(db, "SELECT count(*), sum(length(s)), max(v) FROM t WHERE k = ?1", -1,
                             &st, NULL),
          "prepare lookup");
    for (int i = 0; i < LOOKUPS; i++) {
        sqlite3_bind_int(st, 1, (int)(next(&seed) % KEYS));
        check(db, sqlite3_step(st), "lookup");
        sum = mix(sum, (uint32_t)sqlite3_column_int(st, 0));
        sum = mix(sum, (uint32_t)sqlite3_column_int(st, 1));
        sum = mix(sum, (uint32_t)(sqlite3_column_double(st, 2) * 8));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);

    check(db,
          sqlite3_prepare_v2(db,
                             "SELECT k % 97 AS g, count(*), sum(v), max(s) FROM t "
                             "GROUP BY g ORDER BY 2 DESC, g LIMIT 20",
                             -1, &st, NULL),
          "prepare aggregate");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sum = mix(sum, (uint32_t)sqlite3_column_int(st, 0));
        sum = mix(sum, (uint32_t)sqlite3_column_int(st, 1));
        sum = mix(sum, (uint32_t)(sqlite3_column_double(st, 2) * 8));
        sum = mix_text(sum, sqlite3_column_text(st, 3));
    }
    check(db, rc, "aggregate");
    sqlite3_finalize(st);

    exec(db, "UPDATE t SET s = upper(s), v = v * 2 WHERE k < 500");
    exec(db, "DELETE FROM t WHERE k % 7 = 0");
    check(db, sqlite3_prepare_v2(db, "SELECT count(*), total(v) FROM t", -1, &st, NULL),
          "prepare count");
    check(db, sqlite3_step(st), "count");
    sum = mix(sum, (uint32_t)sqlite3_column_int(st, 0));
    sum = mix(sum, (uint32_t)sqlite3_column_double(st, 1));
    sqlite3_finalize(st);
    exec(db, "DROP TABLE t");
    return sum;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 1;
    if (rounds < 1) {
        fprintf(stderr, "usage: sqlite_bench ROUNDS\n");
        return 2;
    }
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        fprintf(stderr, "sqlite_bench: cannot open an in-memory database\n");
        return 1;
    }
    uint32_t sum = 0x2545f491u;
    for (int i = 0; i < rounds; i++)
        sum = round_once(db, sum, 0x9e3779b9u + (uint32_t)i);
    sqlite3_close(db);
    printf("checksum %u\n", sum);
    return 0;
}
