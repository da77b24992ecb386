/*
 * manifest.h: the manifest (wactor.yaml) as checked data. docs/MANIFEST.md
 * is its reference: every key, default, unit and bound.
 *
 * mf_load/mf_parse turn YAML text into an mf_manifest in which every value
 * has been checked and every default filled in, or into one error line
 * "FILE:LINE:COLUMN: what was expected" (line and column 1-based, columns
 * counted in characters). Nothing else reports errors later: a manifest
 * that loads is complete. Parsing reads no file but the manifest itself
 * (mf_load), and changes none: the storage and audit paths are only looked
 * at (stat), and module paths not at all.
 *
 * Decisions (docs/MANIFEST.md documents each of them):
 * - Durations are a decimal integer with `ms`, `s` or `m`; a plain number
 *   is milliseconds. Sizes are a decimal integer with `KiB`, `MiB` or
 *   `GiB`; a plain number is bytes. No fractions, signs or spaces.
 *   Quoted or not makes no difference for numbers, durations and sizes.
 * - An optional key whose value is null (`~`, `null`, or nothing) is the
 *   same as the key being absent (its default, or no grant). `components`
 *   and `wasm` are required and may not be null.
 * - Module paths (wasm) are joined to the manifest's folder unless
 *   absolute; a manifest given as `wactor.yaml` has folder "." and its
 *   module paths stay as written.
 * - storage and audit are resolved at load into absolute, normalised paths:
 *   joined to the manifest's folder (made absolute with the current
 *   folder), "." dropped and ".." resolved lexically (symbolic links are
 *   not followed). Refused: one that climbs above /; a storage path that
 *   names, or must be created under, something other than a folder; an
 *   audit path that names a folder or whose folder does not exist. These
 *   paths are the operator's, trusted: they are not confined to the
 *   manifest's folder (the components are the sandbox, not the manifest).
 * - `env` values are taken as text, exactly as YAML reads them.
 * - Bounds: request_timeout, within and time are 1ms..2147483647ms;
 *   max_message 1..1GiB; max_module 1KiB..4GiB; memory 64KiB..4GiB (the runtime uses whole 64 KiB
 *   pages); workers 0..1024; stack 1..1000000; mailbox and pending
 *   1..2^32-1; fuel 1..2^63-1; max_restarts 0..2^32-1; storage quota
 *   1..2^63-1 bytes. So no value is 0 where the embedding API (wactor.h)
 *   reads 0 as "default" or "none".
 * - A manifest with a `lattice` section may have no components (absent,
 *   null or `{}`): it is a pure client of the lattice. Without one, at
 *   least one component is required.
 * - Hostile input: at most 4 MiB of text, 10000 components, 32 levels of
 *   nesting, 500000 YAML nodes, 1000 anchors, 10000 aliases. Aliases are
 *   followed, but the checked manifest may hold at most 1000000 values and
 *   64 MiB of strings, so an alias bomb is an error, not an allocation.
 */
#ifndef WACTOR_MANIFEST_H
#define WACTOR_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { MF_RESTART_PERMANENT, MF_RESTART_TRANSIENT, MF_RESTART_TEMPORARY };
/* tier: auto (the default: compiled when an up-to-date artifact is found),
 * interp, aot (docs/AOT.md). */
enum { MF_TIER_AUTO, MF_TIER_INTERP, MF_TIER_AOT };

/* WASI facet bits: same values as WASI_CAP_* in src/wasi/wasi.h. */
enum {
    MF_WASI_STDOUT = 1,
    MF_WASI_STDERR = 2,
    MF_WASI_CLOCK = 4,
    MF_WASI_RANDOM = 8,
    MF_WASI_ENV = 16
};

/* Defaults (docs/MANIFEST.md). */
#define MF_DEFAULT_MEMORY (UINT64_C(64) << 20)
#define MF_DEFAULT_TIME_MS UINT64_C(30000)
#define MF_DEFAULT_STACK 20000u
#define MF_DEFAULT_MAILBOX 10000u
#define MF_DEFAULT_PENDING 10000u
#define MF_DEFAULT_TIMERS 1000u
#define MF_DEFAULT_HEALTH_INTERVAL_MS 5000u
#define MF_DEFAULT_UNHEALTHY 3u
#define MF_DEFAULT_REQUEST_TIMEOUT_MS UINT64_C(30000)
#define MF_DEFAULT_MAX_MESSAGE (UINT64_C(1) << 20)
#define MF_DEFAULT_MAX_MODULE (UINT64_C(256) << 20)
/* runtime.max_module's bounds; also `--max-module`'s (exec, inspect). */
#define MF_MAX_MODULE_MIN (UINT64_C(1) << 10)
#define MF_MAX_MODULE_MAX (UINT64_C(4) << 30)
#define MF_DEFAULT_MAX_RESTARTS 5u
#define MF_DEFAULT_WITHIN_MS UINT64_C(10000)
#define MF_DEFAULT_LATTICE_URL "nats://127.0.0.1:4222"
#define MF_DEFAULT_LATTICE_NAME "default"
#define MF_DEFAULT_HEARTBEAT_MS UINT64_C(1000)
/* lattice.heartbeat's bounds: 10ms to 1h. */
#define MF_HEARTBEAT_MIN_MS UINT64_C(10)
#define MF_HEARTBEAT_MAX_MS UINT64_C(3600000)
/* http.listen's default (docs/MANIFEST.md, docs/HTTP.md). */
#define MF_DEFAULT_HTTP_LISTEN "127.0.0.1:8080"
/* At most this many http.routes, each prefix at most this many bytes. */
#define MF_MAX_ROUTES 1000u
#define MF_MAX_ROUTE_PREFIX 1024u
/* A Unix socket's path: sizeof(sockaddr_un.sun_path), NUL included. */
#define MF_MAX_CONTROL_PATH 108

/* Limits on the input (see the note above). */
#define MF_MAX_BYTES ((size_t)4 << 20)
#define MF_MAX_COMPONENTS 10000u

/* A list of patterns, each NUL-terminated and valid (msg_pattern_valid). */
typedef struct mf_patterns {
    char **v;
    size_t n;
} mf_patterns;

/* capabilities.files: a preopen name and its folder (resolved like storage). */
typedef struct mf_files {
    char *name, *path;
    bool write;
} mf_files;
#define MF_MAX_FILES 64u

typedef struct mf_component {
    char *name;            /* valid (msg_name_valid) and unique */
    char *wasm;            /* joined to the manifest's folder (absolute paths kept) */
    unsigned line, column; /* of the component's key, for later error messages */
    char *config;          /* NUL-terminated too, but may hold NUL bytes: use config_len */
    size_t config_len;
    bool has_config;
    char **env; /* "NAME=VALUE" strings, NULL-terminated; NULL if none */
    int restart;
    int tier;         /* MF_TIER_* */
    uint64_t memory;  /* bytes; default 64 MiB */
    int64_t fuel;     /* per message; default -1 = unlimited */
    uint64_t time_ms; /* per message; default 30000 */
    uint32_t stack;   /* call depth; default 20000 */
    uint32_t mailbox; /* default 10000 */
    uint32_t pending; /* default 10000 */
    uint32_t timers;  /* default 1000 */
    /* Health checks, for a module exporting wactor_health. */
    uint32_t health_interval_ms; /* default 5000 */
    uint32_t health_unhealthy;   /* default 3 */
    mf_patterns send, request, publish, subscribe;
    mf_patterns http;  /* hosts for outbound HTTP */
    mf_patterns spawn; /* templates the component may spawn (patterns of template names) */
    int64_t storage;   /* quota in bytes; -1 = no storage capability */
    unsigned wasi;     /* MF_WASI_* bits */
    mf_files *files;   /* capabilities.files, nfiles of them */
    size_t nfiles;
} mf_component;

/* A supervision group (docs/MANIFEST.md, "groups"). */
enum { MF_ONE_FOR_ONE, MF_ONE_FOR_ALL, MF_REST_FOR_ONE };
#define MF_MAX_GROUP_MEMBERS 1024u

typedef struct mf_member {
    char *name;            /* a component of the manifest (not a template) */
    size_t component;      /* its index in mf_manifest.components */
    unsigned line, column; /* of the name in the members list */
} mf_member;

typedef struct mf_group {
    char *name; /* valid (msg_name_valid) and unique */
    unsigned line, column;
    int strategy;       /* MF_ONE_FOR_ONE (default), MF_ONE_FOR_ALL, MF_REST_FOR_ONE */
    mf_member *members; /* in start order; at least one, each in no other group */
    size_t nmembers;
    uint32_t max_restarts; /* default supervisor.max_restarts; 0 = a crash stops the group */
    uint64_t within_ms;    /* default supervisor.within */
} mf_group;

/* The lattice section (docs/MANIFEST.md, docs/LATTICE.md). */
typedef struct mf_lattice {
    char *url;             /* comma-separated NATS URLs, spaces around commas dropped */
    char *name;            /* a name token (ASCII letters, digits, '_', '-') */
    char *host;            /* a name (msg_name_valid), or NULL: HOSTNAME-PID */
    uint64_t heartbeat_ms; /* MF_HEARTBEAT_MIN_MS..MF_HEARTBEAT_MAX_MS; default 1000 */
    char *credentials;     /* joined to the manifest's folder unless absolute, or NULL */
    unsigned line, column; /* of the `lattice` key, for later error messages */
} mf_lattice;

/* One of http.routes: a path prefix and the component its requests go to. */
typedef struct mf_route {
    char *prefix;    /* '/' then printable ASCII without spaces, '?' or '#' */
    char *component; /* a name (msg_name_valid); not necessarily one of this manifest's */
} mf_route;

/* The http section (docs/MANIFEST.md, docs/HTTP.md). */
typedef struct mf_http {
    char *address;    /* numeric: an IPv4 address, or an IPv6 one without brackets */
    uint16_t port;    /* 0: the system picks a free one */
    mf_route *routes; /* in file order; NULL when there are none */
    size_t nroutes;
    uint64_t timeout_ms;   /* per request; default runtime.request_timeout */
    uint64_t max_body;     /* bytes; default runtime.max_message, at most it */
    bool metrics;          /* GET /metrics */
    bool dashboard;        /* GET /dashboard and /status.json */
    unsigned line, column; /* of the `http` key, for later error messages */
} mf_http;

typedef struct mf_manifest {
    char *path, *dir;            /* as given (for messages), and its folder */
    unsigned workers;            /* 0 = number of cores */
    char *storage;               /* absolute, normalised folder, or NULL: in memory */
    char *audit;                 /* absolute, normalised file, or NULL: standard error */
    char *trace;                 /* absolute, normalised file, or NULL: no traces */
    char *cache;                 /* artifacts of the AOT tier: absolute folder, or NULL */
    uint64_t request_timeout_ms; /* default 30000 */
    uint64_t max_message;        /* bytes; default 1 MiB */
    uint64_t max_module;         /* bytes; default 256 MiB */
    uint32_t max_restarts;       /* default 5 */
    uint64_t within_ms;          /* default 10000 */
    /* The control socket (docs/CONTROL.md): absolute, normalised; NULL when
     * runtime.control is null (or for mf_parse without a path). Default
     * DIR/.wactor/FILE.sock, FILE the manifest's file name. */
    char *control;
    mf_component *components; /* in file order; NULL when there are none */
    size_t ncomponents;       /* at least 1, or 0 with a lattice (a pure client) */
    mf_lattice *lattice;      /* NULL: no lattice section (or a null one) */
    mf_http *http;            /* NULL: no http section (or a null one) */
    /* Templates: components started only by a component's spawn (same
     * keys; name is the template's). */
    mf_component *templates;
    size_t ntemplates;
    /* Supervision groups, in file order (NULL when there are none). */
    mf_group *groups;
    size_t ngroups;
} mf_manifest;

/* "one_for_one", "one_for_all" or "rest_for_one". */
const char *mf_strategy_name(int strategy);

/* Reads and checks the manifest at path. On failure returns NULL and writes
 * one line (no newline) to err[0..errlen): "FILE:LINE:COLUMN: what was
 * expected", or "FILE: why it cannot be read". */
mf_manifest *mf_load(const char *path, char *err, size_t errlen);

/* The same, but a problem in one key's value does not end the check: err
 * receives every problem found, one per line (lines separated by '\n', as
 * many as fit), for `wactor validate`. A YAML syntax error still ends it. */
mf_manifest *mf_load_all(const char *path, char *err, size_t errlen);

/* The same on text[0..len). `path` names the manifest in messages and gives
 * the folder paths are joined to; NULL means "<manifest>" in the current
 * folder. */
mf_manifest *mf_parse(const char *text, size_t len, const char *path, char *err, size_t errlen);
/* mf_parse reporting every problem, as mf_load_all. */
mf_manifest *mf_parse_all(const char *text, size_t len, const char *path, char *err, size_t errlen);

/* Frees everything mf_load/mf_parse returned; NULL is allowed. */
void mf_free(mf_manifest *m);

/* Helpers also used by the command line's flags. Both return false, leaving
 * *out alone, for anything but the forms below or on overflow of 64 bits. */
/* "100ms", "2s", "1m"; a plain number is milliseconds. */
bool mf_parse_duration_ms(const char *s, uint64_t *ms);
/* "1KiB", "16MiB", "1GiB"; a plain number is bytes. */
bool mf_parse_size(const char *s, uint64_t *bytes);

/* The manifest's name for a restart policy ("permanent"...), or "?". */
const char *mf_restart_name(int restart);

/* Calls fn with every key the manifest accepts, as a dotted path: the
 * sections ("runtime", "components.<name>", "components.<name>.limits")
 * and the keys in them ("runtime.workers",
 * "components.<name>.limits.memory"), in the schema's order. The test
 * that keeps docs/MANIFEST.md complete reads them from here. */
void mf_schema_keys(void (*fn)(void *arg, const char *key), void *arg);

#endif
