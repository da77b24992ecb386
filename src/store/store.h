/*
 * store.h: the components' key-value storage (ABI.md "Storage": kv_get, kv_set,
 * kv_delete), on an embedded SQLite database.
 *
 * Design note
 *
 * Why SQLite (Debian's libsqlite3-dev) and not LMDB:
 *  - one database file (plus its write-ahead log while open) in the directory
 *    named by runtime.storage; nothing to size in advance (LMDB wants a map
 *    size, and a full map is an error at write time);
 *  - transactions with exact durability control: WAL journal with
 *    synchronous=FULL syncs the log before COMMIT returns, so a kv_set that
 *    returned OK survives kill -9 of the runtime and a power loss;
 *  - an in-memory mode (":memory:") for the case without runtime.storage that
 *    runs the same code path, the same SQL and the same checks;
 *  - namespaces are a column of one table, and the quota accounting is SQL
 *    inside the same transaction as the write it accounts;
 *  - it is the most deployed embedded database: packaged everywhere, stable
 *    file format, a command-line tool to inspect a store by hand.
 *
 * Data model: one table kv(ns, k, v) of BLOBs with primary key (ns, k), and
 * one table usage(ns, bytes) caching, per namespace, the sum of
 * length(k) + length(v) over its entries. Every write updates both in one
 * transaction, so the cache is exactly the sum at every commit (a crash
 * cannot separate them) and store_set checks the quota without a scan.
 *
 * A namespace is a component's name (bytes, not checked against the name
 * syntax here: the host checks names at spawn). Keys and values are
 * arbitrary bytes, NUL included.
 *
 * Threads: every function may be called from any thread. One connection
 * serves a handle, behind the handle's mutex: writes are serialized by the
 * database anyway, and a durable write is dominated by its fsync, so
 * per-thread connections would only parallelize reads.
 *
 * Result codes are the ABI's where they exist (ABI.md), checked in the ABI's
 * order: EINVAL (arguments), ETOOBIG (size), ENOTFOUND (key), EQUOTA. A
 * database failure (I/O error, full disk, corrupt file, out of memory) is
 * WACTOR_ESYSTEM, with the database's message in store_errmsg.
 */
#ifndef WACTOR_STORE_H
#define WACTOR_STORE_H

#include <stddef.h>
#include <stdint.h>

/* Result codes: WACTOR_* from the one table (wactor_codes.h). */
#include "wactor_codes.h"

/* Keys are 1..STORE_MAX_KEY bytes (ABI.md). */
#define STORE_MAX_KEY 255
/* Namespaces (component names) are 1..STORE_MAX_NS bytes (ABI.md names). */
#define STORE_MAX_NS 255

typedef struct store store;

/*
 * Opens the store kept in dir/wactor.db, creating dir (like mkdir -p) and the
 * database if missing; dir == NULL opens a private in-memory store that
 * forgets everything at store_close. Several handles (in this process or
 * others) may open one directory at once; they see each other's commits, and
 * the quota holds across them. Returns NULL on failure with a message in
 * err[0..errlen) (err may be NULL when errlen is 0). The caller owns the
 * handle and frees it with store_close.
 */
store *store_open(const char *dir, char *err, size_t errlen);

/* Closes s and frees it; NULL is allowed. No call on s may be running or
 * follow. Every write that returned OK is already durable. */
void store_close(store *s);

/*
 * The value of key in namespace ns: copies min(cap, len) bytes into
 * buf[0..cap) and returns len (>= 0), or ENOTFOUND. buf may be NULL only when
 * cap is 0. EINVAL: s or ns NULL, ns_len not 1..STORE_MAX_NS, klen not
 * 1..STORE_MAX_KEY, key NULL.
 */
int64_t store_get(store *s, const char *ns, size_t ns_len, const void *key, size_t klen, void *buf,
                  size_t cap);

/*
 * Inserts or replaces key's value. Checks, first failure wins: EINVAL as for
 * store_get (and val NULL with vlen > 0); ETOOBIG if vlen > max_value; EQUOTA
 * if usage - old entry (its key + value bytes, if key exists) + klen + vlen >
 * quota, in which case nothing is written. Returns WACTOR_OK once the write is
 * committed: on disk for a directory store (fsync'd), so it survives a crash
 * of the process right after. On ESYSTEM nothing is written, with one
 * exception no database can rule out: when the fsync itself fails, the
 * written log may still reach the disk and the write appear after a restart.
 */
int store_set(store *s, const char *ns, size_t ns_len, const void *key, size_t klen,
              const void *val, size_t vlen, uint64_t quota, uint64_t max_value);

/* Removes key: WACTOR_OK (durable as for store_set), ENOTFOUND if absent,
 * EINVAL as for store_get. */
int store_delete(store *s, const char *ns, size_t ns_len, const void *key, size_t klen);

/* Bytes used by ns: the sum of key bytes + value bytes of its entries (0 for
 * an unknown namespace), or a negative code (EINVAL as for store_get). */
int64_t store_usage(store *s, const char *ns, size_t ns_len);

/*
 * The last database error of s, for logs ("no error" if none). The string
 * belongs to the calling thread and stays valid until that thread's next
 * store_errmsg call; it is a copy, so other threads' calls on s cannot change
 * it while it is read.
 */
const char *store_errmsg(store *s);

#endif
