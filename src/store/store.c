/*
 * store.c: the key-value storage on SQLite (store.h explains the choice and
 * the data model).
 *
 * Design note
 *
 * One connection per handle, opened in SQLite's multi-thread mode (no mutex
 * of its own) and guarded by the handle's mutex: every call holds it from the
 * first statement to the last reset, so statements, bindings and the
 * connection's error message are never shared between threads.
 *
 * Durability: journal_mode=WAL and synchronous=FULL. COMMIT appends the
 * transaction's pages and a commit frame to the log and fsyncs the log before
 * it returns; recovery after a crash replays every complete commit frame and
 * ignores a torn tail. So an OK from store_set/store_delete means "on disk";
 * kill -9 (which loses no written data, only the process) and a power loss
 * after the OK both keep it. SQLite also fsyncs the directory when it creates
 * the log, and store_open fsyncs the parent of every directory it creates, so
 * the file itself cannot vanish either. If WAL cannot be set (a file system
 * without shared memory), SQLite stays in its rollback journal, which with
 * synchronous=FULL is just as durable, only slower.
 *
 * Locking: SQLite's normal mode, so several handles (several runtimes on one
 * storage directory, `wactor call` next to `wactor run`, the sqlite3 tool)
 * can use one file at once. Writes run in BEGIN IMMEDIATE transactions: each
 * takes the write lock before its first read, so the quota check reads a
 * usage no other handle can change before the commit (the quota holds exactly
 * across handles too), and no transaction fails halfway on a lock upgrade; a
 * handle that finds the lock taken waits up to the busy timeout.
 * locking_mode=EXCLUSIVE was measured and rejected: it makes a 100-byte get
 * from a directory store 0.65 us instead of 4-6 us (no shared-memory lock
 * calls per read), but a second handle on the directory then fails to open
 * after the busy timeout, and 4 us is small next to a durable write (0.3 to
 * 0.6 ms on the project's machine, one fdatasync of the log).
 * Every check that can refuse a write (the quota) happens inside the
 * transaction before any change, and a refusal rolls back, so "nothing
 * written" holds for every error code.
 *
 * The usage table is the quota cache: usage(ns) = sum over kv rows of ns of
 * length(k) + length(v), true at every commit because each write updates both
 * in the same transaction. An absent row means 0; a namespace that becomes
 * empty loses its row.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file inside the storage directory. */
#define STORE_FILE "wactor.db"
/* How long a write waits for another process's lock before ESYSTEM. */
#define STORE_BUSY_MS 5000
/* Marks a database file as a wactor store: "wact". */
#define STORE_APP_ID 0x77616374
/* The schema this code writes (PRAGMA user_version). */
#define STORE_SCHEMA 1

/* Every statement, prepared once at open. ?1 is always the namespace. */
#define STORE_STMTS(X)                                                                             \
    X(ST_BEGIN, "BEGIN IMMEDIATE")                                                                 \
    X(ST_COMMIT, "COMMIT")                                                                         \
    X(ST_ROLLBACK, "ROLLBACK")                                                                     \
    X(ST_GET, "SELECT v FROM kv WHERE ns = ?1 AND k = ?2")                                         \
    X(ST_VLEN, "SELECT length(v) FROM kv WHERE ns = ?1 AND k = ?2")                                \
    X(ST_PUT, "INSERT OR REPLACE INTO kv(ns, k, v) VALUES (?1, ?2, ?3)")                           \
    X(ST_DEL, "DELETE FROM kv WHERE ns = ?1 AND k = ?2")                                           \
    X(ST_USAGE, "SELECT bytes FROM usage WHERE ns = ?1")                                           \
    X(ST_SET_USAGE, "INSERT OR REPLACE INTO usage(ns, bytes) VALUES (?1, ?2)")                     \
    X(ST_DEL_USAGE, "DELETE FROM usage WHERE ns = ?1")

enum {
#define STORE_STMT_ENUM(name, sql) name,
    STORE_STMTS(STORE_STMT_ENUM)
#undef STORE_STMT_ENUM
        ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
#define STORE_STMT_SQL(name, sql) [name] = sql,
    STORE_STMTS(STORE_STMT_SQL)
#undef STORE_STMT_SQL
};

/* BLOB columns; WITHOUT ROWID keeps each entry in its primary key's b-tree
 * (one lookup, no rowid indirection). */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS kv(ns BLOB NOT NULL, k BLOB NOT NULL, v BLOB NOT NULL,"
    " PRIMARY KEY (ns, k)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS usage(ns BLOB NOT NULL PRIMARY KEY, bytes INTEGER NOT NULL)"
    " WITHOUT ROWID;";

struct store {
    pthread_mutex_t mu; /* guards everything below */
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    /* The largest value SQLite takes in one row, less room for the key, the
     * namespace and the record header: larger values are ETOOBIG. */
    uint64_t max_blob;
    char errmsg[256]; /* last database error, "no error" before any */
};

/* Records what failed and SQLite's message about it; called with s->mu held
 * (or before s is shared), before the statement is reset. */
static void note(store *s, const char *what)
{
    snprintf(s->errmsg, sizeof s->errmsg, "%s: %s", what, sqlite3_errmsg(s->db));
}

/* Makes st reusable and drops its pointers into the caller's buffers. */
static void finish(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Runs st, which returns no row, and resets it. */
static int run(store *s, int which)
{
    sqlite3_stmt *st = s->st[which];
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        note(s, stmt_sql[which]);
    finish(st);
    return rc == SQLITE_DONE ? WACTOR_OK : WACTOR_ESYSTEM;
}

/* Runs st, which returns at most one row of one integer: 1 with *out set if
 * there is a row, 0 if none, WACTOR_ESYSTEM on error. Resets st. */
static int query_int(store *s, int which, int64_t *out)
{
    sqlite3_stmt *st = s->st[which];
    int rc = sqlite3_step(st);
    int res = 0;
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        res = 1;
    } else if (rc != SQLITE_DONE) {
        note(s, stmt_sql[which]);
        res = WACTOR_ESYSTEM;
    }
    finish(st);
    return res;
}

/* Ends a write transaction without its changes. SQLite may already have
 * rolled back by itself after an I/O error or a full disk (autocommit on);
 * the original error stays in s->errmsg. */
static void rollback(store *s)
{
    if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_step(s->st[ST_ROLLBACK]);
        sqlite3_reset(s->st[ST_ROLLBACK]);
    }
}

/* Binds the namespace (?1) and the key (?2) of st. SQLITE_STATIC: the
 * caller's bytes outlive the statement's use, which ends at finish(). Both
 * are BLOBs so that comparison is bytewise, whatever the bytes. */
static void bind_ns_key(sqlite3_stmt *st, const char *ns, size_t ns_len, const void *key,
                        size_t klen)
{
    sqlite3_bind_blob(st, 1, ns, (int)ns_len, SQLITE_STATIC);
    if (key != NULL)
        sqlite3_bind_blob(st, 2, key, (int)klen, SQLITE_STATIC);
}

/* The argument checks every call shares (EINVAL). */
static bool ns_ok(const store *s, const char *ns, size_t ns_len)
{
    return s != NULL && ns != NULL && ns_len >= 1 && ns_len <= STORE_MAX_NS;
}

static bool key_ok(const void *key, size_t klen)
{
    return key != NULL && klen >= 1 && klen <= STORE_MAX_KEY;
}

/* ---- opening ---------------------------------------------------------- */

/* Formats store_open's failure message into the caller's err[0..errlen). */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* fsyncs the directory containing path, so that a new entry in it (the
 * directory path itself) survives a power loss. */
static int sync_parent(char *path)
{
    char *slash = strrchr(path, '/');
    const char *parent = ".";
    if (slash == path)
        parent = "/";
    else if (slash != NULL) {
        *slash = '\0';
        parent = path;
    }
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd < 0 ? -1 : fsync(fd);
    if (fd >= 0)
        close(fd);
    if (slash != NULL && slash != path)
        *slash = '/';
    return rc;
}

/* mkdir -p path: creates every missing directory of path, each made durable
 * in its parent. 0 on success, else -1 with errno set. Modes follow the
 * umask, as mkdir(1) does. */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (p == NULL)
        return -1;
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    int rc = 0;
    /* Each prefix ending before a '/' (and the whole path), left to right. */
    for (char *c = p + 1;; c++) {
        if (*c != '/' && *c != '\0')
            continue;
        char saved = *c;
        *c = '\0';
        if (mkdir(p, 0777) == 0) {
            if (sync_parent(p) != 0)
                rc = -1;
        } else if (errno != EEXIST) {
            rc = -1;
        }
        *c = saved;
        if (rc != 0 || saved == '\0')
            break;
    }
    struct stat st;
    if (rc == 0 && stat(p, &st) == 0 && !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        rc = -1;
    }
    int saved_errno = errno;
    free(p);
    errno = saved_errno;
    return rc;
}

/* Runs one SQL text with at most one integer result row (pragmas); -1 and
 * a message in s->errmsg on error. */
static int exec_int(store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        note(s, sql);
        return -1;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out != NULL)
        *out = sqlite3_column_int64(st, 0);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        note(s, sql);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Creates the tables in a new file, or checks that an existing one is a
 * wactor store of a schema this code knows. One transaction: a crash leaves
 * either no schema or all of it. */
static int init_schema(store *s)
{
    int64_t app = 0, version = 0, objects = 0;
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        note(s, "begin");
        return -1;
    }
    if (exec_int(s, "PRAGMA application_id", &app) != 0 ||
        exec_int(s, "PRAGMA user_version", &version) != 0 ||
        exec_int(s, "SELECT count(*) FROM sqlite_master", &objects) != 0)
        goto fail;
    if (app == 0 && version == 0 && objects == 0) {
        /* A new file: ours from now on. */
        char *msg = NULL;
        if (sqlite3_exec(s->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(s->errmsg, sizeof s->errmsg, "creating the schema: %s", msg ? msg : "?");
            sqlite3_free(msg);
            goto fail;
        }
        char pragmas[96];
        snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %d; PRAGMA user_version = %d",
                 STORE_APP_ID, STORE_SCHEMA);
        if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
            note(s, "marking the file");
            goto fail;
        }
    } else if (app != STORE_APP_ID) {
        snprintf(s->errmsg, sizeof s->errmsg, "not a wactor store (application_id %lld)",
                 (long long)app);
        goto fail;
    } else if (version != STORE_SCHEMA) {
        snprintf(s->errmsg, sizeof s->errmsg, "unknown store schema version %lld (expected %d)",
                 (long long)version, STORE_SCHEMA);
        goto fail;
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        note(s, "commit");
        goto fail;
    }
    return 0;
fail:
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Connection settings; see the design note for durability. */
static int configure(store *s, bool on_disk)
{
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
    /* In memory, journal_mode answers "memory" and synchronous is moot: the
     * same statements run, only without files. */
    if (exec_int(s, "PRAGMA journal_mode = WAL", NULL) != 0 ||
        exec_int(s, "PRAGMA synchronous = FULL", NULL) != 0)
        return -1;
    /* After a checkpoint, shrink the log back to this size (a burst of large
     * values would otherwise leave a large file behind until close). */
    if (on_disk && exec_int(s, "PRAGMA journal_size_limit = 4194304", NULL) != 0)
        return -1;
    int limit = sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, -1);
    s->max_blob = limit > 1024 ? (uint64_t)limit - 1024 : 0;
    return 0;
}

store *store_open(const char *dir, char *err, size_t errlen)
{
    if (!sqlite3_threadsafe()) {
        /* Handles share SQLite's allocator and caches across threads. */
        set_err(err, errlen, "SQLite was built without thread support");
        return NULL;
    }
    char *path = NULL;
    if (dir != NULL) {
        if (dir[0] == '\0') {
            set_err(err, errlen, "empty storage directory name");
            return NULL;
        }
        if (make_dirs(dir) != 0) {
            set_err(err, errlen, "cannot create %s: %s", dir, strerror(errno));
            return NULL;
        }
        size_t n = strlen(dir);
        path = malloc(n + sizeof "/" STORE_FILE);
        if (path == NULL) {
            set_err(err, errlen, "out of memory");
            return NULL;
        }
        memcpy(path, dir, n);
        memcpy(path + n, "/" STORE_FILE, sizeof "/" STORE_FILE);
    }
    store *s = calloc(1, sizeof *s);
    if (s == NULL) {
        free(path);
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(s->errmsg, sizeof s->errmsg, "no error");
    /* NOMUTEX: s->mu serializes the connection. No URI parsing: the path is
     * taken literally, whatever characters the directory's name has. */
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
    int rc = sqlite3_open_v2(path != NULL ? path : ":memory:", &s->db, flags, NULL);
    bool ok = rc == SQLITE_OK;
    if (!ok)
        snprintf(s->errmsg, sizeof s->errmsg, "%s",
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
    ok = ok && configure(s, path != NULL) == 0 && init_schema(s) == 0;
    for (int i = 0; ok && i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK) {
            note(s, stmt_sql[i]);
            ok = false;
        }
    }
    if (ok && pthread_mutex_init(&s->mu, NULL) != 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "cannot create a mutex");
        ok = false;
    }
    if (!ok) {
        set_err(err, errlen, "%s: %s", path != NULL ? path : ":memory:", s->errmsg);
        for (int i = 0; i < ST_COUNT; i++)
            sqlite3_finalize(s->st[i]);
        sqlite3_close(s->db);
        free(s);
        free(path);
        return NULL;
    }
    free(path);
    return s;
}

void store_close(store *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    /* The last connection checkpoints the log into the file and removes it;
     * if that fails, the log stays and the next open replays it. */
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* ---- the operations --------------------------------------------------- */

int64_t store_get(store *s, const char *ns, size_t ns_len, const void *key, size_t klen, void *buf,
                  size_t cap)
{
    if (!ns_ok(s, ns, ns_len) || !key_ok(key, klen) || (buf == NULL && cap > 0))
        return WACTOR_EINVAL;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = s->st[ST_GET];
    bind_ns_key(st, ns, ns_len, key, klen);
    int64_t res;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *v = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        if (v == NULL && len > 0) {
            /* column_blob is NULL for an empty value, or when out of memory. */
            note(s, "reading a value");
            res = WACTOR_ESYSTEM;
        } else {
            size_t n = len < cap ? len : cap;
            if (n > 0)
                memcpy(buf, v, n);
            res = (int64_t)len;
        }
    } else if (rc == SQLITE_DONE) {
        res = WACTOR_ENOTFOUND;
    } else {
        note(s, stmt_sql[ST_GET]);
        res = WACTOR_ESYSTEM;
    }
    finish(st);
    pthread_mutex_unlock(&s->mu);
    return res;
}

/* The body of store_set, with s->mu held and the arguments checked. */
static int set_locked(store *s, const char *ns, size_t ns_len, const void *key, size_t klen,
                      const void *val, size_t vlen, uint64_t quota)
{
    if (run(s, ST_BEGIN) != WACTOR_OK)
        return WACTOR_ESYSTEM;
    int64_t old_vlen = 0, usage = 0;
    bind_ns_key(s->st[ST_VLEN], ns, ns_len, key, klen);
    int found = query_int(s, ST_VLEN, &old_vlen);
    bind_ns_key(s->st[ST_USAGE], ns, ns_len, NULL, 0);
    int have_usage = found < 0 ? found : query_int(s, ST_USAGE, &usage);
    if (found < 0 || have_usage < 0)
        goto fail;
    uint64_t old = found ? (uint64_t)klen + (uint64_t)old_vlen : 0;
    if (usage < 0 || (uint64_t)usage < old) {
        /* Only a file edited by hand can break the invariant of the cache. */
        snprintf(s->errmsg, sizeof s->errmsg, "usage of a namespace is inconsistent");
        goto fail;
    }
    /* No overflow: usage - old <= INT64_MAX, klen + vlen <= max_blob < 2^31. */
    uint64_t next = (uint64_t)usage - old + klen + vlen;
    if (next > quota) {
        rollback(s);
        return WACTOR_EQUOTA;
    }
    sqlite3_stmt *put = s->st[ST_PUT];
    bind_ns_key(put, ns, ns_len, key, klen);
    /* A NULL pointer would bind SQL NULL, not an empty BLOB. */
    sqlite3_bind_blob64(put, 3, vlen > 0 ? val : "", vlen, SQLITE_STATIC);
    if (run(s, ST_PUT) != WACTOR_OK)
        goto fail;
    sqlite3_stmt *su = s->st[ST_SET_USAGE];
    bind_ns_key(su, ns, ns_len, NULL, 0);
    sqlite3_bind_int64(su, 2, (int64_t)next);
    if (run(s, ST_SET_USAGE) != WACTOR_OK || run(s, ST_COMMIT) != WACTOR_OK)
        goto fail;
    return WACTOR_OK;
fail:
    rollback(s);
    return WACTOR_ESYSTEM;
}

int store_set(store *s, const char *ns, size_t ns_len, const void *key, size_t klen,
              const void *val, size_t vlen, uint64_t quota, uint64_t max_value)
{
    if (!ns_ok(s, ns, ns_len) || !key_ok(key, klen) || (val == NULL && vlen > 0))
        return WACTOR_EINVAL;
    /* max_blob is fixed after open: reading it needs no lock. */
    if (vlen > max_value || vlen > s->max_blob)
        return WACTOR_ETOOBIG;
    pthread_mutex_lock(&s->mu);
    int rc = set_locked(s, ns, ns_len, key, klen, val, vlen, quota);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* The body of store_delete, with s->mu held and the arguments checked. */
static int delete_locked(store *s, const char *ns, size_t ns_len, const void *key, size_t klen)
{
    if (run(s, ST_BEGIN) != WACTOR_OK)
        return WACTOR_ESYSTEM;
    int64_t vlen = 0, usage = 0;
    bind_ns_key(s->st[ST_VLEN], ns, ns_len, key, klen);
    int found = query_int(s, ST_VLEN, &vlen);
    if (found == 0) {
        rollback(s);
        return WACTOR_ENOTFOUND;
    }
    bind_ns_key(s->st[ST_USAGE], ns, ns_len, NULL, 0);
    int have_usage = found < 0 ? found : query_int(s, ST_USAGE, &usage);
    if (found < 0 || have_usage < 0)
        goto fail;
    uint64_t entry = (uint64_t)klen + (uint64_t)vlen;
    if (usage < 0 || (uint64_t)usage < entry) {
        snprintf(s->errmsg, sizeof s->errmsg, "usage of a namespace is inconsistent");
        goto fail;
    }
    uint64_t next = (uint64_t)usage - entry;
    bind_ns_key(s->st[ST_DEL], ns, ns_len, key, klen);
    if (run(s, ST_DEL) != WACTOR_OK)
        goto fail;
    int which = next == 0 ? ST_DEL_USAGE : ST_SET_USAGE;
    bind_ns_key(s->st[which], ns, ns_len, NULL, 0);
    if (next > 0)
        sqlite3_bind_int64(s->st[which], 2, (int64_t)next);
    if (run(s, which) != WACTOR_OK || run(s, ST_COMMIT) != WACTOR_OK)
        goto fail;
    return WACTOR_OK;
fail:
    rollback(s);
    return WACTOR_ESYSTEM;
}

int store_delete(store *s, const char *ns, size_t ns_len, const void *key, size_t klen)
{
    if (!ns_ok(s, ns, ns_len) || !key_ok(key, klen))
        return WACTOR_EINVAL;
    pthread_mutex_lock(&s->mu);
    int rc = delete_locked(s, ns, ns_len, key, klen);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int64_t store_usage(store *s, const char *ns, size_t ns_len)
{
    if (!ns_ok(s, ns, ns_len))
        return WACTOR_EINVAL;
    pthread_mutex_lock(&s->mu);
    int64_t usage = 0;
    bind_ns_key(s->st[ST_USAGE], ns, ns_len, NULL, 0);
    int rc = query_int(s, ST_USAGE, &usage);
    pthread_mutex_unlock(&s->mu);
    return rc < 0 ? rc : usage;
}

const char *store_errmsg(store *s)
{
    /* A per-thread copy, not a pointer into s: another thread's failure
     * would otherwise rewrite the bytes while this one logs them. It holds
     * no state between calls, so it is no process global in the STYLE.md
     * sense. */
    static _Thread_local char copy[sizeof((store *)0)->errmsg];
    if (s == NULL)
        return "no store";
    pthread_mutex_lock(&s->mu);
    memcpy(copy, s->errmsg, sizeof copy);
    pthread_mutex_unlock(&s->mu);
    return copy;
}
