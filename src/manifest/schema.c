/*
 * schema.c: the walk over a loaded YAML document that checks it against
 * the manifest's keys (docs/MANIFEST.md) and fills an mf_manifest in.
 *
 * One function per mapping (top level, runtime, supervisor, a component,
 * its limits, its capabilities), each a loop over the mapping's pairs in
 * file order: the key is looked up in the section's fixed list (unknown or
 * repeated keys are errors), then the value is checked by a typed getter
 * (number, duration, size, path, pattern list...). So the first problem in
 * file order is the one reported, with the line and column of the node at
 * fault: the key for key problems, the value for value problems. The two
 * mappings with free keys, `components` and `env`, are checked for repeated
 * keys after their entries (a sort, not a quadratic scan).
 *
 * The walk follows the schema, never the document's own shape, so it goes
 * at most five levels down whatever the input; aliases (even cyclic ones)
 * are followed, but every value node visited and every string byte kept is
 * counted against a budget, so a small document that aliases a big list
 * thousands of times is an error, not gigabytes.
 *
 * Messages name the key as a dotted path (`components.echo.limits.memory`),
 * say what was expected and show what was found, quoted and cut short.
 *
 * Each section's keys are a table at the top of this file, which both the
 * walk and mf_schema_keys read: the test that keeps docs/MANIFEST.md
 * complete lists the keys from here, so a key cannot be added without
 * documenting it.
 */
#include "internal.h"
#include "name.h"
#include "paths.h"
#include "units.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_VALUES 1000000u
#define MAX_STRING_BYTES ((size_t)64 << 20)
#define MAX_DURATION_MS UINT64_C(2147483647)
#define MAX_WORKERS 1024u
#define MAX_STACK 1000000u
#define MAX_MESSAGE (UINT64_C(1) << 30)
#define MIN_MEMORY (UINT64_C(64) << 10)
#define MAX_MEMORY (UINT64_C(4) << 30)

/* Room for a dotted key path: "components." + a 255-byte name + suffixes. */
#define PATH_CAP 320
/* Room for show(): 40 bytes, each escaped to at most 4, plus quotes and "...". */
#define SHOW_CAP 200

typedef yaml_node_t node;

/* ---- The keys of each section, in the order the walk's enums name them ---- */

static const char *const top_keys[] = {"runtime", "supervisor", "components", "lattice",
                                       "http",    "templates",  "groups"};
static const char *const runtime_keys[] = {"workers",         "storage",     "audit",
                                           "request_timeout", "max_message", "max_module",
                                           "control",         "trace",       "cache"};
static const char *const supervisor_keys[] = {"max_restarts", "within"};
static const char *const group_keys[] = {"strategy", "members", "max_restarts", "within"};
static const char *const component_keys[] = {"wasm",   "config",       "env",    "restart",
                                             "limits", "capabilities", "health", "tier"};
static const char *const limits_keys[] = {"memory",  "fuel",    "time",  "stack",
                                          "mailbox", "pending", "timers"};
static const char *const health_keys[] = {"interval", "unhealthy"};
static const char *const capabilities_keys[] = {
    "send", "request", "publish", "subscribe", "storage", "wasi", "http", "spawn", "files"};
static const char *const files_keys[] = {"path", "write"};
static const char *const lattice_keys[] = {"url", "name", "host", "heartbeat", "credentials"};
static const char *const http_keys[] = {"listen",   "routes",  "timeout",
                                        "max_body", "metrics", "dashboard"};
#define NKEYS(keys) (sizeof keys / sizeof keys[0])

static void each_key(void (*fn)(void *, const char *), void *arg, const char *prefix,
                     const char *const *keys, size_t n)
{
    char path[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s%s", prefix, keys[i]);
        fn(arg, path);
    }
}

void mf_schema_keys(void (*fn)(void *arg, const char *key), void *arg)
{
    each_key(fn, arg, "", top_keys, NKEYS(top_keys));
    each_key(fn, arg, "runtime.", runtime_keys, NKEYS(runtime_keys));
    each_key(fn, arg, "supervisor.", supervisor_keys, NKEYS(supervisor_keys));
    fn(arg, "components.<name>");
    each_key(fn, arg, "components.<name>.", component_keys, NKEYS(component_keys));
    each_key(fn, arg, "components.<name>.limits.", limits_keys, NKEYS(limits_keys));
    each_key(fn, arg, "components.<name>.capabilities.", capabilities_keys,
             NKEYS(capabilities_keys));
    each_key(fn, arg, "components.<name>.health.", health_keys, NKEYS(health_keys));
    each_key(fn, arg, "lattice.", lattice_keys, NKEYS(lattice_keys));
    each_key(fn, arg, "http.", http_keys, NKEYS(http_keys));
    fn(arg, "templates.<name>");
    fn(arg, "groups.<name>");
    each_key(fn, arg, "groups.<name>.", group_keys, NKEYS(group_keys));
}

/* ---- Nodes ---- */

static const char *sval(const node *n)
{
    return (const char *)n->data.scalar.value;
}

static size_t slen(const node *n)
{
    return n->data.scalar.length;
}

/* A plain `~`, `null`, `Null`, `NULL` or nothing (YAML 1.1's null). */
static bool is_null(const node *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (slen(n) == strlen(nulls[i]) && memcmp(sval(n), nulls[i], slen(n)) == 0)
            return true;
    return false;
}

static bool scalar_is(const node *n, const char *s)
{
    return n->type == YAML_SCALAR_NODE && slen(n) == strlen(s) && memcmp(sval(n), s, slen(n)) == 0;
}

static bool has_nul(const node *n)
{
    return memchr(sval(n), '\0', slen(n)) != NULL;
}

/* A short printable form of a node for messages: a scalar quoted, cut
 * after 40 bytes (at a character boundary), control bytes escaped; other
 * nodes by their kind. */
static const char *show(const node *n, char *buf)
{
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a sequence";
    if (is_null(n))
        return "nothing (null)";
    const unsigned char *s = (const unsigned char *)sval(n);
    size_t len = slen(n), i = 0, o = 0;
    buf[o++] = '"';
    /* Bytes of 0x80 and up are kept: libyaml hands out valid UTF-8. */
    for (; i < len && (i < 40 || (s[i] & 0xc0) == 0x80); i++) {
        if (s[i] == '"' || s[i] == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)s[i];
        } else if (s[i] < 0x20 || s[i] == 0x7f) {
            o += (size_t)snprintf(buf + o, SHOW_CAP - o, "\\x%02x", s[i]);
        } else {
            buf[o++] = (char)s[i];
        }
    }
    if (i < len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* ---- Errors and budgets ---- */

static bool fail(mf_walk *w, const node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes a problem to err: over the previous one, or with w->all after
 * it on a line of its own. Returns false. */
static bool report(mf_walk *w, size_t line, size_t column, const char *msg)
{
    if (w->nerrors++ == 0 || !w->all) {
        mf_error(w->err, w->errlen, w->file, line, column, "%s", msg);
        w->errused = w->errlen ? strlen(w->err) : 0;
    } else if (w->errused + 2 < w->errlen) {
        w->err[w->errused++] = '\n';
        mf_error(w->err + w->errused, w->errlen - w->errused, w->file, line, column, "%s", msg);
        w->errused += strlen(w->err + w->errused);
    }
    return false;
}

static bool fail(mf_walk *w, const node *n, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return report(w, n->start_mark.line, n->start_mark.column, msg);
}

/* After a problem in a key's value: whether to look at the next key. */
#define GO_ON(w) ((w)->all && !(w)->fatal)
/* Whether a section had no problem since `before` = w->nerrors at its start. */
#define CLEAN_SINCE(w, before) ((w)->nerrors == (before))

/* The node at index, counted against the value budget; NULL (reported)
 * past the budget. */
static node *visit(mf_walk *w, const node *from, int index)
{
    node *n = yaml_document_get_node(w->doc, index);
    if (n == NULL) {
        w->fatal = true;
        fail(w, from, "malformed YAML document");
        return NULL;
    }
    if (++w->values > MAX_VALUES) {
        w->fatal = true;
        fail(w, n, "more than %u values (an alias counts each time it is used)", MAX_VALUES);
        return NULL;
    }
    return n;
}

/* count * size zeroed bytes, counted against the string budget (the
 * arrays hold the strings). NULL (reported) past it or without memory. */
static void *alloc(mf_walk *w, const node *n, size_t count, size_t size)
{
    if (count > (MAX_STRING_BYTES - w->bytes) / size) {
        w->fatal = true;
        fail(w, n, "the manifest holds more than %zu MiB (an alias counts each time it is used)",
             MAX_STRING_BYTES >> 20);
        return NULL;
    }
    w->bytes += count * size;
    void *p = calloc(count, size);
    if (p == NULL) {
        w->fatal = true;
        fail(w, n, "out of memory");
    }
    return p;
}

/* The concatenation of up to three byte strings, NUL-terminated. */
static char *concat(mf_walk *w, const node *n, const char *a, size_t alen, const char *b,
                    size_t blen, const char *c, size_t clen)
{
    if (alen > SIZE_MAX / 4 || blen > SIZE_MAX / 4 || clen > SIZE_MAX / 4) {
        w->fatal = true;
        return fail(w, n, "out of memory"), NULL;
    }
    char *s = alloc(w, n, alen + blen + clen + 1, 1);
    if (s == NULL)
        return NULL;
    if (alen > 0)
        memcpy(s, a, alen);
    if (blen > 0)
        memcpy(s + alen, b, blen);
    if (clen > 0)
        memcpy(s + alen + blen, c, clen);
    return s;
}

static char *copy(mf_walk *w, const node *n)
{
    return concat(w, n, sval(n), slen(n), NULL, 0, NULL, 0);
}

/* ---- Typed values ---- */

/* What each node type is called in "expected ..." messages. */
static const char *expected_kind(yaml_node_type_t type)
{
    switch (type) {
    case YAML_MAPPING_NODE:
        return "a mapping (key: value)";
    case YAML_SEQUENCE_NODE:
        return "a sequence ([a, b] or lines starting with \"- \")";
    default:
        return "a scalar (a single value)";
    }
}

static bool need(mf_walk *w, const node *n, yaml_node_type_t type, const char *what)
{
    char b[SHOW_CAP];
    if (n->type == type)
        return true;
    return fail(w, n, "%s: expected %s, got %s", what, expected_kind(type), show(n, b));
}

static bool get_number(mf_walk *w, const node *v, const char *what, uint64_t min, uint64_t max,
                       uint64_t *out)
{
    char b[SHOW_CAP];
    uint64_t x;
    if (!need(w, v, YAML_SCALAR_NODE, what))
        return false;
    if (!mf_units_number(sval(v), slen(v), &x) || x < min || x > max)
        return fail(w, v, "%s: expected a whole number from %" PRIu64 " to %" PRIu64 ", got %s",
                    what, min, max, show(v, b));
    *out = x;
    return true;
}

/* A duration of 1ms..MAX_DURATION_MS. */
static bool get_duration(mf_walk *w, const node *v, const char *what, uint64_t *out)
{
    char b[SHOW_CAP];
    uint64_t x;
    if (!need(w, v, YAML_SCALAR_NODE, what))
        return false;
    if (!mf_units_duration(sval(v), slen(v), &x))
        return fail(w, v,
                    "%s: expected a duration such as 500ms, 30s or 2m (a plain number is "
                    "milliseconds), got %s",
                    what, show(v, b));
    if (x < 1 || x > MAX_DURATION_MS)
        return fail(w, v, "%s: expected a duration from 1ms to %" PRIu64 "ms, got %s", what,
                    MAX_DURATION_MS, show(v, b));
    *out = x;
    return true;
}

/* A size of min..max bytes; `range` says it in words for the message. */
static bool get_size(mf_walk *w, const node *v, const char *what, uint64_t min, uint64_t max,
                     const char *range, uint64_t *out)
{
    char b[SHOW_CAP];
    uint64_t x;
    if (!need(w, v, YAML_SCALAR_NODE, what))
        return false;
    if (!mf_units_size(sval(v), slen(v), &x))
        return fail(w, v,
                    "%s: expected a size such as 512KiB, 16MiB or 1GiB (a plain number is "
                    "bytes), got %s",
                    what, show(v, b));
    if (x < min || x > max)
        return fail(w, v, "%s: expected a size from %s, got %s", what, range, show(v, b));
    *out = x;
    return true;
}

/* A path's text: a non-empty scalar without NUL bytes. */
static bool path_text(mf_walk *w, const node *v, const char *what)
{
    char b[SHOW_CAP];
    if (!need(w, v, YAML_SCALAR_NODE, what))
        return false;
    if (is_null(v) || slen(v) == 0 || has_nul(v))
        return fail(w, v, "%s: expected a path, got %s", what, show(v, b));
    return true;
}

/* A module path, joined to the manifest's folder unless absolute (or the
 * folder is "."). The file itself is checked when it is read. */
static bool get_module_path(mf_walk *w, const node *v, const char *what, char **out)
{
    if (!path_text(w, v, what))
        return false;
    const char *dir = w->dir;
    size_t dlen = strlen(dir);
    if (sval(v)[0] == '/' || strcmp(dir, ".") == 0)
        dlen = 0;
    bool slash = dlen > 0 && dir[dlen - 1] != '/';
    free(*out); /* unreachable twice (keys are unique), but cheap to be safe */
    *out = concat(w, v, dir, dlen, "/", slash, sval(v), slen(v));
    return *out != NULL;
}

enum { PATH_STORAGE, PATH_AUDIT, PATH_TRACE, PATH_CONTROL, PATH_FILES };

/* "[cwd/]dir" in buf[0..len), normalised, or as is if that climbs above /
 * too: the folder a path was resolved against, for messages. */
static void folder_text(char *buf, size_t len, const char *cwd, const char *dir)
{
    snprintf(buf, len, "%s%s%s", cwd ? cwd : "", cwd ? "/" : "", dir);
    if (!mf_path_normalise(buf))
        snprintf(buf, len, "%s%s%s", cwd ? cwd : "", cwd ? "/" : "", dir);
}

/* The storage folder or the audit file: resolved (paths.c) against the
 * manifest's folder, itself made absolute with the current folder, into
 * an absolute, normalised path; refused if it climbs above /, or if what
 * exists on disk already rules it out (checked with stat only). */
static bool get_resolved_path(mf_walk *w, const node *v, const char *what, int kind, char **out)
{
    char b[SHOW_CAP], why[1024];
    if (!path_text(w, v, what))
        return false;
    const char *text = sval(v), *dir = w->dir, *last = strrchr(text, '/');
    last = last != NULL ? last + 1 : text;
    if (kind != PATH_STORAGE && kind != PATH_FILES &&
        (last[0] == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0))
        return fail(w, v, "%s: %s names a folder: expected a file", what, show(v, b));
    /* The manifest's folder as the kernel sees it (symbolic links followed,
     * as they are for the module paths), so that only the text's own ".."
     * is read lexically; cwd/dir when it cannot be resolved. */
    char *real = text[0] != '/' ? realpath(dir, NULL) : NULL;
    if (real != NULL)
        dir = real;
    char *cwd = NULL;
    if (text[0] != '/' && dir[0] != '/' && (cwd = getcwd(NULL, 0)) == NULL) {
        free(real);
        return fail(w, v, "%s: cannot resolve %s: the current folder is unknown (%s)", what,
                    show(v, b), strerror(errno));
    }
    /* [cwd/][dir/]text: the folder is not needed for an absolute text. */
    const char *parts[3] = {cwd, text[0] != '/' ? dir : NULL, text};
    size_t need = 1;
    for (int i = 0; i < 3; i++)
        need += parts[i] != NULL ? strlen(parts[i]) + 1 : 0;
    char *path = alloc(w, v, need, 1), *base = NULL;
    if (path == NULL) {
        free(cwd);
        free(real);
        return false;
    }
    snprintf(path, need, "%s%s%s%s%s", cwd ? cwd : "", cwd ? "/" : "", parts[1] ? parts[1] : "",
             parts[1] ? "/" : "", text);
    bool ok = mf_path_normalise(path);
    if (!ok) {
        if (parts[1] != NULL && (base = malloc(need)) != NULL)
            folder_text(base, need, cwd, parts[1]);
        fail(w, v, "%s: %s climbs above /%s%s", what, show(v, b), base ? " from " : "",
             base ? base : "");
    } else if (kind == PATH_CONTROL && strlen(path) >= MF_MAX_CONTROL_PATH) {
        ok = fail(w, v,
                  "%s: %s resolves to %s, %zu bytes: a Unix socket's path holds at most %d "
                  "(choose a shorter path)",
                  what, show(v, b), path, strlen(path), MF_MAX_CONTROL_PATH - 1);
    } else if (kind != PATH_CONTROL && kind != PATH_FILES &&
               !(kind == PATH_STORAGE
                     ? mf_path_check_storage(path, why, sizeof why)
                     : mf_path_check_file(path, kind == PATH_AUDIT ? "audit file" : "trace file",
                                          why, sizeof why))) {
        ok = fail(w, v, "%s: %s", what, why);
    }
    free(cwd);
    free(real);
    free(base);
    free(*out); /* unreachable twice (keys are unique), but cheap to be safe */
    *out = ok ? path : NULL;
    if (!ok)
        free(path);
    return ok;
}

static bool get_patterns(mf_walk *w, const node *v, const char *what, mf_patterns *out)
{
    char b[SHOW_CAP];
    if (!need(w, v, YAML_SEQUENCE_NODE, what))
        return false;
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0)
        return true;
    if ((out->v = alloc(w, v, n, sizeof *out->v)) == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        node *item = visit(w, v, v->data.sequence.items.start[i]);
        if (item == NULL || !need(w, item, YAML_SCALAR_NODE, what))
            return false;
        if (!msg_pattern_valid(sval(item), slen(item)))
            return fail(w, item,
                        "%s: %s is not a valid pattern (tokens of letters, digits, '_' and '-' "
                        "joined by single dots; a token may be * for any one token, and the "
                        "last may be > for one or more)",
                        what, show(item, b));
        if ((out->v[i] = copy(w, item)) == NULL)
            return false;
        out->n = i + 1;
    }
    return true;
}

/* The `http` grant: hosts outbound HTTP may reach (ABI.md v2, "Outbound
 * HTTP"). */
static bool get_http_hosts(mf_walk *w, const node *v, const char *what, mf_patterns *out)
{
    char b[SHOW_CAP];
    if (!need(w, v, YAML_SEQUENCE_NODE, what))
        return false;
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0)
        return true;
    if ((out->v = alloc(w, v, n, sizeof *out->v)) == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        node *item = visit(w, v, v->data.sequence.items.start[i]);
        if (item == NULL || !need(w, item, YAML_SCALAR_NODE, what))
            return false;
        if (!msg_http_grant_valid(sval(item), slen(item)))
            return fail(w, item,
                        "%s: %s is not a host or host:port (a DNS name whose first label may be "
                        "*, an IPv4 address, or [an IPv6 address])",
                        what, show(item, b));
        if ((out->v[i] = copy(w, item)) == NULL)
            return false;
        out->n = i + 1;
    }
    return true;
}

static bool get_wasi(mf_walk *w, const node *v, const char *what, unsigned *out)
{
    static const char *const facets[] = {"stdout", "stderr", "clock", "random", "env"};
    static const unsigned bits[] = {MF_WASI_STDOUT, MF_WASI_STDERR, MF_WASI_CLOCK, MF_WASI_RANDOM,
                                    MF_WASI_ENV};
    char b[SHOW_CAP];
    if (!need(w, v, YAML_SEQUENCE_NODE, what))
        return false;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        node *item = visit(w, v, *it);
        if (item == NULL)
            return false;
        size_t f = 0;
        while (f < 5 && !scalar_is(item, facets[f]))
            f++;
        if (f == 5)
            return fail(w, item,
                        "%s: expected a WASI facet (stdout, stderr, clock, random or env), got %s",
                        what, show(item, b));
        *out |= bits[f];
    }
    return true;
}

/* ---- Keys ---- */

/* A mapping with a fixed set of keys (at most 32). */
typedef struct section {
    const char *where; /* "in runtime", "at the top level" */
    const char *const *keys;
    size_t nkeys;
    unsigned seen; /* bit i: keys[i] was met */
} section;

/* The index in s->keys of the pair's key, with its value node in *v; -1
 * (reported) for a key that is not a scalar, unknown or repeated. */
static int section_key(mf_walk *w, section *s, const node *map, const yaml_node_pair_t *pair,
                       node **v)
{
    char b[SHOW_CAP], list[256];
    node *k = visit(w, map, pair->key);
    if (k == NULL)
        return -1;
    if (k->type != YAML_SCALAR_NODE) {
        fail(w, k, "expected a key %s, got %s", s->where, show(k, b));
        return -1;
    }
    for (size_t i = 0; i < s->nkeys; i++) {
        if (!scalar_is(k, s->keys[i]))
            continue;
        if (s->seen & (1u << i)) {
            fail(w, k, "duplicate key \"%s\" %s", s->keys[i], s->where);
            return -1;
        }
        s->seen |= 1u << i;
        *v = visit(w, k, pair->value);
        return *v != NULL ? (int)i : -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < s->nkeys; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s",
                              i == 0              ? ""
                              : i + 1 == s->nkeys ? " or "
                                                  : ", ",
                              s->keys[i]);
    fail(w, k, "unknown key %s %s (expected %s)", show(k, b), s->where, list);
    return -1;
}

#define FOR_PAIRS(p, map)                                                                          \
    for (yaml_node_pair_t *p = (map)->data.mapping.pairs.start; p < (map)->data.mapping.pairs.top; \
         p++)

static size_t npairs(const node *map)
{
    return (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

/* A key of a free-keyed mapping, with its position in the mapping. */
typedef struct keyref {
    const node *key;
    size_t i;
} keyref;

static int keyref_cmp(const void *pa, const void *pb)
{
    const keyref *a = pa, *b = pb;
    size_t la = slen(a->key), lb = slen(b->key);
    int c = memcmp(sval(a->key), sval(b->key), la < lb ? la : lb);
    if (c != 0)
        return c;
    if (la != lb)
        return la < lb ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Among the scalar keys r[0..n) (r[i].i == i), the first in file order that
 * repeats an earlier one: its index in *dup, the earlier one's in *first.
 * False if all differ. Sorts r. */
static bool find_duplicate(keyref *r, size_t n, size_t *dup, size_t *first)
{
    qsort(r, n, sizeof *r, keyref_cmp);
    bool found = false;
    size_t group = 0;
    for (size_t j = 1; j < n; j++) {
        bool same = slen(r[j].key) == slen(r[j - 1].key) &&
                    memcmp(sval(r[j].key), sval(r[j - 1].key), slen(r[j].key)) == 0;
        if (!same) {
            group = j;
            continue;
        }
        if (!found || r[j].i < *dup) {
            *dup = r[j].i;
            *first = r[group].i;
            found = true;
        }
    }
    return found;
}

/* ---- Sections ---- */

static bool get_env(mf_walk *w, mf_component *c, const node *v, const char *sect)
{
    char what[PATH_CAP], b[SHOW_CAP];
    snprintf(what, sizeof what, "%s.env", sect);
    if (!need(w, v, YAML_MAPPING_NODE, what))
        return false;
    size_t n = npairs(v), i = 0, dup, first;
    if (n == 0)
        return true;
    keyref *refs = alloc(w, v, n, sizeof *refs);
    if (refs == NULL || (c->env = alloc(w, v, n + 1, sizeof *c->env)) == NULL)
        goto fail;
    FOR_PAIRS(p, v)
    {
        node *k = visit(w, v, p->key), *val;
        if (k == NULL || !need(w, k, YAML_SCALAR_NODE, what))
            goto fail;
        if (slen(k) == 0 || memchr(sval(k), '=', slen(k)) != NULL || has_nul(k)) {
            fail(w, k, "%s: %s is not a valid variable name (not empty, no \"=\")", what,
                 show(k, b));
            goto fail;
        }
        if ((val = visit(w, k, p->value)) == NULL)
            goto fail;
        if (val->type != YAML_SCALAR_NODE || has_nul(val)) {
            char vb[SHOW_CAP];
            fail(w, val, "%s: the value of %s: expected text, got %s", what, show(k, b),
                 val->type == YAML_SCALAR_NODE ? "a NUL byte in it" : show(val, vb));
            goto fail;
        }
        if ((c->env[i] = concat(w, k, sval(k), slen(k), "=", 1, sval(val), slen(val))) == NULL)
            goto fail;
        refs[i] = (keyref){k, i};
        i++;
    }
    if (find_duplicate(refs, n, &dup, &first)) {
        const node *k = NULL, *f = NULL;
        for (size_t j = 0; j < n; j++) {
            k = refs[j].i == dup ? refs[j].key : k;
            f = refs[j].i == first ? refs[j].key : f;
        }
        fail(w, k, "%s: duplicate variable %s (first at line %zu)", what, show(k, b),
             f->start_mark.line + 1);
        goto fail;
    }
    free(refs);
    return true;
fail:
    free(refs);
    return false;
}

static bool get_limits(mf_walk *w, mf_component *c, const node *v, const char *sect)
{
    const char *const *keys = limits_keys;
    enum { MEMORY, FUEL, TIME, STACK, MAILBOX, PENDING, TIMERS };
    char where[PATH_CAP], what[PATH_CAP];
    snprintf(where, sizeof where, "%s.limits", sect);
    if (!need(w, v, YAML_MAPPING_NODE, where))
        return false;
    snprintf(where, sizeof where, "in %s.limits", sect);
    section s = {where, keys, NKEYS(limits_keys), 0};
    unsigned before = w->nerrors;
    FOR_PAIRS(p, v)
    {
        node *val;
        int k = section_key(w, &s, v, p, &val);
        if (k < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (is_null(val))
            continue;
        snprintf(what, sizeof what, "%s.limits.%s", sect, keys[k]);
        uint64_t x = 0;
        bool ok = false;
        switch (k) {
        case MEMORY:
            ok = get_size(w, val, what, MIN_MEMORY, MAX_MEMORY, "64KiB to 4GiB", &c->memory);
            break;
        case FUEL:
            ok = get_number(w, val, what, 1, INT64_MAX, &x);
            c->fuel = (int64_t)x;
            break;
        case TIME:
            ok = get_duration(w, val, what, &c->time_ms);
            break;
        case STACK:
            ok = get_number(w, val, what, 1, MAX_STACK, &x);
            c->stack = (uint32_t)x;
            break;
        case MAILBOX:
            ok = get_number(w, val, what, 1, UINT32_MAX, &x);
            c->mailbox = (uint32_t)x;
            break;
        case PENDING:
            ok = get_number(w, val, what, 1, UINT32_MAX, &x);
            c->pending = (uint32_t)x;
            break;
        case TIMERS:
            ok = get_number(w, val, what, 1, UINT32_MAX, &x);
            c->timers = (uint32_t)x;
            break;
        }
        if (!ok && !GO_ON(w))
            return false;
    }
    return CLEAN_SINCE(w, before);
}

static bool get_bool(mf_walk *w, const node *v, const char *what, bool *out);

/* A preopen name: 1..255 bytes of [A-Za-z0-9._-], not "." or "..". */
static bool files_name_ok(const node *k)
{
    size_t n = slen(k);
    const char *s = sval(k);
    if (n == 0 || n > 255 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

/* capabilities.files: {NAME: FOLDER} or {NAME: {path: FOLDER, write: true}};
 * read-only unless write is true. */
static bool get_files(mf_walk *w, mf_component *c, const node *v, const char *what)
{
    char b[SHOW_CAP], sub[PATH_CAP];
    if (!need(w, v, YAML_MAPPING_NODE, what))
        return false;
    size_t n = npairs(v);
    if (n == 0)
        return true;
    if (n > MF_MAX_FILES)
        return fail(w, v, "%s: %zu folders, at most %u", what, n, MF_MAX_FILES);
    if ((c->files = alloc(w, v, n, sizeof *c->files)) == NULL)
        return false;
    FOR_PAIRS(p, v)
    {
        node *k = visit(w, v, p->key), *val;
        if (k == NULL || !need(w, k, YAML_SCALAR_NODE, what))
            return false;
        if (!files_name_ok(k))
            return fail(w, k, "%s: %s is not a preopen name (1..255 of A-Z a-z 0-9 . _ -)", what,
                        show(k, b));
        for (size_t j = 0; j < c->nfiles; j++)
            if (strlen(c->files[j].name) == slen(k) &&
                memcmp(c->files[j].name, sval(k), slen(k)) == 0)
                return fail(w, k, "%s: %s is given twice", what, show(k, b));
        if ((val = visit(w, k, p->value)) == NULL)
            return false;
        mf_files *f = &c->files[c->nfiles];
        if ((f->name = copy(w, k)) == NULL)
            return false;
        c->nfiles++;
        if (snprintf(sub, sizeof sub, "%s.%s", what, f->name) < 0)
            sub[0] = '\0';
        const node *path = val;
        if (val->type == YAML_MAPPING_NODE) {
            path = NULL;
            FOR_PAIRS(q, val)
            {
                node *qk = visit(w, val, q->key), *qv;
                if (qk == NULL || !need(w, qk, YAML_SCALAR_NODE, sub))
                    return false;
                if ((qv = visit(w, qk, q->value)) == NULL)
                    return false;
                if (scalar_is(qk, files_keys[0]))
                    path = qv;
                else if (scalar_is(qk, files_keys[1])) {
                    if (!get_bool(w, qv, sub, &f->write))
                        return false;
                } else
                    return fail(w, qk, "%s: unknown key %s (expected path or write)", sub,
                                show(qk, b));
            }
            if (path == NULL)
                return fail(w, val, "%s: no path", sub);
        }
        if (!get_resolved_path(w, path, sub, PATH_FILES, &f->path))
            return false;
    }
    return true;
}

static bool get_capabilities(mf_walk *w, mf_component *c, const node *v, const char *sect)
{
    const char *const *keys = capabilities_keys;
    enum { SEND, REQUEST, PUBLISH, SUBSCRIBE, STORAGE, WASI, HTTP, SPAWN, FILES };
    char where[PATH_CAP], what[PATH_CAP];
    snprintf(where, sizeof where, "%s.capabilities", sect);
    if (!need(w, v, YAML_MAPPING_NODE, where))
        return false;
    snprintf(where, sizeof where, "in %s.capabilities", sect);
    section s = {where, keys, NKEYS(capabilities_keys), 0};
    unsigned before = w->nerrors;
    FOR_PAIRS(p, v)
    {
        node *val;
        int k = section_key(w, &s, v, p, &val);
        if (k < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (is_null(val))
            continue;
        snprintf(what, sizeof what, "%s.capabilities.%s", sect, keys[k]);
        uint64_t x = 0;
        bool ok = false;
        switch (k) {
        case SEND:
            ok = get_patterns(w, val, what, &c->send);
            break;
        case REQUEST:
            ok = get_patterns(w, val, what, &c->request);
            break;
        case PUBLISH:
            ok = get_patterns(w, val, what, &c->publish);
            break;
        case SUBSCRIBE:
            ok = get_patterns(w, val, what, &c->subscribe);
            break;
        case STORAGE:
            ok = get_size(w, val, what, 1, INT64_MAX, "1 byte to 8388607TiB", &x);
            c->storage = (int64_t)x;
            break;
        case WASI:
            ok = get_wasi(w, val, what, &c->wasi);
            break;
        case HTTP:
            ok = get_http_hosts(w, val, what, &c->http);
            break;
        case SPAWN:
            ok = get_patterns(w, val, what, &c->spawn);
            break;
        case FILES:
            ok = get_files(w, c, val, what);
            break;
        }
        if (!ok && !GO_ON(w))
            return false;
    }
    return CLEAN_SINCE(w, before);
}

/* health: {interval: 5s, unhealthy: 3} (ABI.md v2, "Health"). */
static bool get_health(mf_walk *w, mf_component *c, const node *v, const char *sect)
{
    const char *const *keys = health_keys;
    enum { INTERVAL, UNHEALTHY };
    char where[PATH_CAP], what[PATH_CAP];
    snprintf(where, sizeof where, "%s.health", sect);
    if (!need(w, v, YAML_MAPPING_NODE, where))
        return false;
    snprintf(where, sizeof where, "in %s.health", sect);
    section s = {where, keys, NKEYS(health_keys), 0};
    unsigned before = w->nerrors;
    FOR_PAIRS(p, v)
    {
        node *val;
        int k = section_key(w, &s, v, p, &val);
        if (k < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (is_null(val))
            continue;
        snprintf(what, sizeof what, "%s.health.%s", sect, keys[k]);
        uint64_t x = 0;
        bool ok = false;
        switch (k) {
        case INTERVAL:
            ok = get_duration(w, val, what, &x);
            c->health_interval_ms = (uint32_t)(x > UINT32_MAX ? UINT32_MAX : x);
            break;
        case UNHEALTHY:
            ok = get_number(w, val, what, 1, 1000000, &x);
            c->health_unhealthy = (uint32_t)x;
            break;
        }
        if (!ok && !GO_ON(w))
            return false;
    }
    return CLEAN_SINCE(w, before);
}

static bool get_component(mf_walk *w, mf_component *c, const node *k, const node *v,
                          const char *top)
{
    const char *const *keys = component_keys;
    enum { WASM, CONFIG, ENV, RESTART, LIMITS, CAPABILITIES, HEALTH, TIER };
    /* "components." + a name of at most 255 bytes: shorter than PATH_CAP by
     * more than any suffix. */
    char sect[272], where[PATH_CAP], what[PATH_CAP], b[SHOW_CAP];
    c->line = (unsigned)k->start_mark.line + 1;
    c->column = (unsigned)k->start_mark.column + 1;
    if (!need(w, k, YAML_SCALAR_NODE, top))
        return false;
    if (!msg_name_valid(sval(k), slen(k)))
        return fail(w, k,
                    "%s: %s is not a valid %s name (1 to 255 bytes: tokens of "
                    "letters, digits, '_' and '-' joined by single dots)",
                    top, show(k, b), top[0] == 't' ? "template" : "component");
    if ((c->name = copy(w, k)) == NULL)
        return false;
    snprintf(sect, sizeof sect, "%s.%s", top, c->name);
    if (v->type != YAML_MAPPING_NODE)
        return fail(w, v, "%s: expected a mapping with at least the key \"wasm\", got %s", sect,
                    show(v, b));
    snprintf(where, sizeof where, "in %s", sect);
    section s = {where, keys, NKEYS(component_keys), 0};
    unsigned before = w->nerrors;
    FOR_PAIRS(p, v)
    {
        node *val;
        int i = section_key(w, &s, v, p, &val);
        if (i < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (i != WASM && is_null(val))
            continue;
        snprintf(what, sizeof what, "%s.%s", sect, keys[i]);
        bool ok = false;
        switch (i) {
        case WASM:
            ok = get_module_path(w, val, what, &c->wasm);
            break;
        case CONFIG:
            ok = need(w, val, YAML_SCALAR_NODE, what) && (c->config = copy(w, val)) != NULL;
            c->config_len = ok ? slen(val) : 0;
            c->has_config = ok;
            break;
        case ENV:
            ok = get_env(w, c, val, sect);
            break;
        case RESTART:
            ok = true;
            if (scalar_is(val, "permanent"))
                c->restart = MF_RESTART_PERMANENT;
            else if (scalar_is(val, "transient"))
                c->restart = MF_RESTART_TRANSIENT;
            else if (scalar_is(val, "temporary"))
                c->restart = MF_RESTART_TEMPORARY;
            else
                ok = fail(w, val, "%s: expected permanent, transient or temporary, got %s", what,
                          show(val, b));
            break;
        case LIMITS:
            ok = get_limits(w, c, val, sect);
            break;
        case CAPABILITIES:
            ok = get_capabilities(w, c, val, sect);
            break;
        case HEALTH:
            ok = get_health(w, c, val, sect);
            break;
        case TIER:
            ok = true;
            if (scalar_is(val, "auto"))
                c->tier = MF_TIER_AUTO;
            else if (scalar_is(val, "interp"))
                c->tier = MF_TIER_INTERP;
            else if (scalar_is(val, "aot"))
                c->tier = MF_TIER_AOT;
            else
                ok = fail(w, val, "%s: expected interp, aot or auto, got %s", what, show(val, b));
            break;
        }
        if (!ok && !GO_ON(w))
            return false;
    }
    if (!(s.seen & (1u << WASM)))
        return fail(w, k, "%s: missing key \"wasm\" (the component's module)", sect);
    return CLEAN_SINCE(w, before);
}

static void component_defaults(mf_component *c)
{
    c->restart = MF_RESTART_PERMANENT;
    c->memory = MF_DEFAULT_MEMORY;
    c->fuel = -1;
    c->time_ms = MF_DEFAULT_TIME_MS;
    c->stack = MF_DEFAULT_STACK;
    c->mailbox = MF_DEFAULT_MAILBOX;
    c->pending = MF_DEFAULT_PENDING;
    c->timers = MF_DEFAULT_TIMERS;
    c->health_interval_ms = MF_DEFAULT_HEALTH_INTERVAL_MS;
    c->health_unhealthy = MF_DEFAULT_UNHEALTHY;
    c->storage = -1;
}

/* The templates: a mapping like components', possibly empty. */
static bool get_templates(mf_walk *w, const node *v)
{
    mf_manifest *m = w->m;
    if (v->type != YAML_MAPPING_NODE)
        return need(w, v, YAML_MAPPING_NODE, "templates");
    size_t n = npairs(v), dup, first;
    if (n == 0)
        return true;
    if (n > MF_MAX_COMPONENTS)
        return fail(w, v, "templates: at most %u templates, got %zu", MF_MAX_COMPONENTS, n);
    keyref *refs = alloc(w, v, n, sizeof *refs);
    if (refs == NULL || (m->templates = alloc(w, v, n, sizeof *m->templates)) == NULL) {
        free(refs);
        return false;
    }
    m->ntemplates = n;
    for (size_t i = 0; i < n; i++)
        component_defaults(&m->templates[i]);
    unsigned before = w->nerrors;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const yaml_node_pair_t *p = &v->data.mapping.pairs.start[i];
        node *k = visit(w, v, p->key), *val = k ? visit(w, k, p->value) : NULL;
        if ((val == NULL || !get_component(w, &m->templates[i], k, val, "templates")) && !GO_ON(w))
            ok = false;
        refs[i] = (keyref){k, i};
    }
    if (ok && CLEAN_SINCE(w, before) && find_duplicate(refs, n, &dup, &first)) {
        const mf_component *c = &m->templates[dup];
        char msg[600];
        snprintf(msg, sizeof msg, "templates: duplicate template name \"%s\" (first at line %u)",
                 c->name, m->templates[first].line);
        report(w, c->line - 1, c->column - 1, msg);
        ok = false;
    }
    free(refs);
    return ok && CLEAN_SINCE(w, before);
}

static bool get_components(mf_walk *w, const node *v)
{
    char b[SHOW_CAP];
    mf_manifest *m = w->m;
    if (is_null(v) || (v->type == YAML_MAPPING_NODE && npairs(v) == 0)) {
        w->no_components = v; /* fine for a pure client of a lattice: decided at the end */
        return true;
    }
    if (v->type != YAML_MAPPING_NODE)
        return fail(w, v,
                    "components: expected a mapping of component names to their settings, with "
                    "at least one component, got %s",
                    v->type == YAML_MAPPING_NODE ? "none" : show(v, b));
    size_t n = npairs(v), dup, first;
    if (n > MF_MAX_COMPONENTS)
        return fail(w, v, "components: at most %u components, got %zu", MF_MAX_COMPONENTS, n);
    keyref *refs = alloc(w, v, n, sizeof *refs);
    if (refs == NULL || (m->components = alloc(w, v, n, sizeof *m->components)) == NULL)
        goto fail;
    m->ncomponents = n;
    for (size_t i = 0; i < n; i++)
        component_defaults(&m->components[i]);
    unsigned before = w->nerrors;
    for (size_t i = 0; i < n; i++) {
        const yaml_node_pair_t *p = &v->data.mapping.pairs.start[i];
        node *k = visit(w, v, p->key), *val = k ? visit(w, k, p->value) : NULL;
        if ((val == NULL || !get_component(w, &m->components[i], k, val, "components")) &&
            !GO_ON(w))
            goto fail; /* else the next component's problems are reported too */
        refs[i] = (keyref){k, i};
    }
    /* Duplicates are looked for among well-formed components only. */
    if (CLEAN_SINCE(w, before) && find_duplicate(refs, n, &dup, &first)) {
        const mf_component *c = &m->components[dup];
        char msg[600];
        snprintf(msg, sizeof msg, "components: duplicate component name \"%s\" (first at line %u)",
                 c->name, m->components[first].line);
        report(w, c->line - 1, c->column - 1, msg);
        goto fail;
    }
    free(refs);
    return CLEAN_SINCE(w, before);
fail:
    free(refs);
    return false;
}

static bool get_runtime(mf_walk *w, const node *v)
{
    const char *const *keys = runtime_keys;
    enum {
        WORKERS,
        STORAGE,
        AUDIT,
        REQUEST_TIMEOUT,
        MAX_MESSAGE_KEY,
        MAX_MODULE_KEY,
        CONTROL,
        TRACE,
        CACHE
    };
    mf_manifest *m = w->m;
    char what[PATH_CAP];
    if (!need(w, v, YAML_MAPPING_NODE, "runtime"))
        return false;
    section s = {"in runtime", keys, NKEYS(runtime_keys), 0};
    unsigned before = w->nerrors;
    FOR_PAIRS(p, v)
    {
        node *val;
        int k = section_key(w, &s, v, p, &val);
        if (k < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (k == CONTROL)
            w->control_given = true; /* null included: no control socket */
        if (is_null(val))
            continue;
        snprintf(what, sizeof what, "runtime.%s", keys[k]);
        uint64_t x = 0;
        bool ok = false;
        switch (k) {
        case WORKERS:
            ok = get_number(w, val, what, 0, MAX_WORKERS, &x);
            m->workers = (unsigned)x;
            break;
        case STORAGE:
            ok = get_resolved_path(w, val, what, PATH_STORAGE, &m->storage);
            break;
        case AUDIT:
            ok = get_resolved_path(w, val, what, PATH_AUDIT, &m->audit);
            break;
        case TRACE:
            ok = get_resolved_path(w, val, what, PATH_TRACE, &m->trace);
            break;
        case CACHE: /* a folder, like storage's */
            ok = get_resolved_path(w, val, what, PATH_STORAGE, &m->cache);
            break;
        case REQUEST_TIMEOUT:
            ok = get_duration(w, val, what, &m->request_timeout_ms);
            break;
        case MAX_MESSAGE_KEY:
            ok = get_size(w, val, what, 1, MAX_MESSAGE, "1 byte to 1GiB", &m->max_message);
            break;
        case MAX_MODULE_KEY:
            ok = get_size(w, val, what, MF_MAX_MODULE_MIN, MF_MAX_MODULE_MAX, "1KiB to 4GiB",
                          &m->max_module);
            break;
        case CONTROL:
            ok = get_resolved_path(w, val, what, PATH_CONTROL, &m->control);
            break;
        }
        if (!ok && !GO_ON(w))
            return false;
    }
    return CLEAN_SINCE(w, before);
}

static bool get_supervisor(mf_walk *w, const node *v)
{
    const char *const *keys = supervisor_keys;
    enum { MAX_RESTARTS, WITHIN };
    mf_manifest *m = w->m;
    char what[PATH_CAP];
    if (!need(w, v, YAML_MAPPING_NODE, "supervisor"))
        return false;
    section s = {"in supervisor", keys, NKEYS(supervisor_keys), 0};
    unsigned before = w->nerrors;
    FOR_PAIRS(p, v)
    {
        node *val;
        int k = section_key(w, &s, v, p, &val);
        if (k < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (is_null(val))
            continue;
        snprintf(what, sizeof what, "supervisor.%s", keys[k]);
        uint64_t x = 0;
        bool ok;
        if (k == MAX_RESTARTS) {
            ok = get_number(w, val, what, 0, UINT32_MAX, &x);
            m->max_restarts = (uint32_t)x;
        } else {
            ok = get_duration(w, val, what, &m->within_ms);
        }
        if (!ok && !GO_ON(w))
            return false;
    }
    return CLEAN_SINCE(w, before);
}

/* ---- groups ---- */

static bool get_strategy(mf_walk *w, const node *v, const char *what, int *out)
{
    char b[SHOW_CAP];
    if (!need(w, v, YAML_SCALAR_NODE, what))
        return false;
    for (int s = MF_ONE_FOR_ONE; s <= MF_REST_FOR_ONE; s++)
        if (scalar_is(v, mf_strategy_name(s))) {
            *out = s;
            return true;
        }
    return fail(w, v, "%s: expected one_for_one, one_for_all or rest_for_one, got %s", what,
                show(v, b));
}

static bool get_members(mf_walk *w, const node *v, const char *what, mf_group *g)
{
    char b[SHOW_CAP];
    if (!need(w, v, YAML_SEQUENCE_NODE, what))
        return false;
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0)
        return fail(w, v, "%s: expected at least one member (component names, in start order)",
                    what);
    if (n > MF_MAX_GROUP_MEMBERS)
        return fail(w, v, "%s: at most %u members, got %zu", what, MF_MAX_GROUP_MEMBERS, n);
    if ((g->members = alloc(w, v, n, sizeof *g->members)) == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        node *item = visit(w, v, v->data.sequence.items.start[i]);
        if (item == NULL || !need(w, item, YAML_SCALAR_NODE, what))
            return false;
        if (!msg_name_valid(sval(item), slen(item)) || has_nul(item))
            return fail(w, item,
                        "%s: %s is not a valid component name (1 to 255 bytes: tokens of "
                        "letters, digits, '_' and '-' joined by single dots)",
                        what, show(item, b));
        for (size_t j = 0; j < i; j++)
            if (strcmp(g->members[j].name, sval(item)) == 0)
                return fail(w, item, "%s: %s is named twice (first at line %u)", what,
                            show(item, b), g->members[j].line);
        mf_member *m = &g->members[i];
        if ((m->name = copy(w, item)) == NULL)
            return false;
        m->line = (unsigned)item->start_mark.line + 1;
        m->column = (unsigned)item->start_mark.column + 1;
        g->nmembers = i + 1;
    }
    return true;
}

static bool get_group(mf_walk *w, mf_group *g, const node *k, const node *v)
{
    const char *const *keys = group_keys;
    enum { STRATEGY, MEMBERS, MAX_RESTARTS, WITHIN };
    char b[SHOW_CAP], where[PATH_CAP], what[PATH_CAP];
    if (!need(w, k, YAML_SCALAR_NODE, "groups"))
        return false;
    if (!msg_name_valid(sval(k), slen(k)) || has_nul(k))
        return fail(w, k,
                    "groups: %s is not a valid group name (1 to 255 bytes: tokens of letters, "
                    "digits, '_' and '-' joined by single dots)",
                    show(k, b));
    if ((g->name = copy(w, k)) == NULL)
        return false;
    g->line = (unsigned)k->start_mark.line + 1;
    g->column = (unsigned)k->start_mark.column + 1;
    snprintf(where, sizeof where, "in groups.%s", g->name);
    if (!need(w, v, YAML_MAPPING_NODE, where + 3))
        return false;
    section s = {where, keys, NKEYS(group_keys), 0};
    unsigned before = w->nerrors;
    FOR_PAIRS(p, v)
    {
        node *val;
        int key = section_key(w, &s, v, p, &val);
        if (key < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (is_null(val) && key != MEMBERS)
            continue;
        snprintf(what, sizeof what, "groups.%s.%s", g->name, keys[key]);
        uint64_t x = 0;
        bool ok;
        if (key == STRATEGY) {
            ok = get_strategy(w, val, what, &g->strategy);
        } else if (key == MEMBERS) {
            ok = get_members(w, val, what, g);
        } else if (key == MAX_RESTARTS) {
            ok = get_number(w, val, what, 0, INT32_MAX, &x);
            g->max_restarts = (uint32_t)x;
            w->group_max_given[w->ngroup_given] |= ok;
        } else {
            ok = get_duration(w, val, what, &g->within_ms);
            if (ok && g->within_ms == 0)
                ok = fail(w, val, "%s: expected a duration above 0, got %s", what, show(val, b));
        }
        if (!ok && !GO_ON(w))
            return false;
    }
    if (!(s.seen & (1u << MEMBERS)))
        return fail(w, k, "%s: missing key \"members\" (component names, in start order)",
                    where + 3);
    return CLEAN_SINCE(w, before);
}

static bool get_groups(mf_walk *w, const node *v)
{
    mf_manifest *m = w->m;
    if (v->type != YAML_MAPPING_NODE)
        return need(w, v, YAML_MAPPING_NODE, "groups");
    size_t n = npairs(v), dup, first;
    if (n == 0)
        return true;
    if (n > MF_MAX_COMPONENTS)
        return fail(w, v, "groups: at most %u groups, got %zu", MF_MAX_COMPONENTS, n);
    keyref *refs = alloc(w, v, n, sizeof *refs);
    if (refs == NULL || (m->groups = alloc(w, v, n, sizeof *m->groups)) == NULL ||
        (w->group_max_given = alloc(w, v, n, sizeof *w->group_max_given)) == NULL) {
        free(refs);
        return false;
    }
    m->ngroups = n;
    unsigned before = w->nerrors;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const yaml_node_pair_t *p = &v->data.mapping.pairs.start[i];
        node *k = visit(w, v, p->key), *val = k ? visit(w, k, p->value) : NULL;
        w->ngroup_given = i;
        if ((val == NULL || !get_group(w, &m->groups[i], k, val)) && !GO_ON(w))
            ok = false;
        refs[i] = (keyref){k, i};
    }
    if (ok && CLEAN_SINCE(w, before) && find_duplicate(refs, n, &dup, &first)) {
        const mf_group *g = &m->groups[dup];
        char msg[600];
        snprintf(msg, sizeof msg, "groups: duplicate group name \"%s\" (first at line %u)", g->name,
                 m->groups[first].line);
        report(w, g->line - 1, g->column - 1, msg);
        ok = false;
    }
    free(refs);
    return ok && CLEAN_SINCE(w, before);
}

/* Once the whole document is read: members name components, each in one
 * group; the intensity defaults to the supervisor's. */
static bool groups_check(mf_walk *w)
{
    mf_manifest *m = w->m;
    char msg[700];
    for (size_t i = 0; i < m->ngroups; i++) {
        mf_group *g = &m->groups[i];
        if (!w->group_max_given || !w->group_max_given[i])
            g->max_restarts = m->max_restarts;
        if (g->within_ms == 0)
            g->within_ms = m->within_ms;
        for (size_t j = 0; j < g->nmembers; j++) {
            mf_member *mb = &g->members[j];
            size_t c = 0;
            while (c < m->ncomponents && strcmp(m->components[c].name, mb->name) != 0)
                c++;
            if (c == m->ncomponents) {
                bool tmpl = false;
                for (size_t t = 0; t < m->ntemplates && !tmpl; t++)
                    tmpl = strcmp(m->templates[t].name, mb->name) == 0;
                snprintf(msg, sizeof msg,
                         "groups.%s.members: unknown member \"%s\": no component of that name%s",
                         g->name, mb->name,
                         tmpl ? " (it is a template: groups name components)" : "");
                report(w, mb->line - 1, mb->column - 1, msg);
                if (!GO_ON(w))
                    return false;
                continue;
            }
            mb->component = c;
            for (size_t h = 0; h < i; h++)
                for (size_t k = 0; k < m->groups[h].nmembers; k++)
                    if (strcmp(m->groups[h].members[k].name, mb->name) == 0) {
                        snprintf(msg, sizeof msg,
                                 "groups.%s.members: \"%s\" is already a member of group "
                                 "\"%s\" (line %u): a component is in at most one group",
                                 g->name, mb->name, m->groups[h].name,
                                 m->groups[h].members[k].line);
                        report(w, mb->line - 1, mb->column - 1, msg);
                        if (!GO_ON(w))
                            return false;
                    }
        }
    }
    return w->nerrors == 0;
}

/* A lattice's name: one token of ASCII letters, digits, '_' and '-' (it is
 * a token of the lattice's NATS subjects, docs/LATTICE.md), 1..255 bytes. */
static bool token_valid(const char *s, size_t len)
{
    if (len == 0 || len > 255)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* lattice.url: one or more URLs separated by commas. Spaces around a
 * comma are dropped; an empty item, or one holding a space, a control
 * byte or a non-ASCII byte, is refused. The URLs themselves are the NATS
 * library's to read (it reports a bad one when the lattice is joined). */
static bool get_urls(mf_walk *w, const node *v, const char *what, char **out)
{
    char b[SHOW_CAP];
    if (!need(w, v, YAML_SCALAR_NODE, what))
        return false;
    const char *s = sval(v);
    size_t len = slen(v);
    if (len > 4096)
        return fail(w, v, "%s: expected at most 4096 bytes of URLs, got %zu", what, len);
    char *u = alloc(w, v, len + 1, 1);
    if (u == NULL)
        return false;
    size_t o = 0, items = 0;
    for (size_t i = 0; i <= len;) {
        size_t end = i;
        while (end < len && s[end] != ',')
            end++;
        size_t a = i, z = end;
        while (a < z && s[a] == ' ')
            a++;
        while (z > a && s[z - 1] == ' ')
            z--;
        bool ok = a < z;
        for (size_t j = a; ok && j < z; j++)
            ok = (unsigned char)s[j] > 0x20 && (unsigned char)s[j] < 0x7f;
        if (!ok) {
            free(u);
            return fail(w, v,
                        "%s: expected NATS server URLs separated by commas (such as "
                        "nats://127.0.0.1:4222,nats://10.0.0.2:4222), got %s%s",
                        what, show(v, b),
                        a == z ? " (an empty URL)" : " (a URL with a space or a control byte)");
        }
        if (items++ > 0)
            u[o++] = ',';
        memcpy(u + o, s + a, z - a);
        o += z - a;
        i = end + 1;
    }
    u[o] = '\0';
    free(*out);
    *out = u;
    return true;
}

static bool get_lattice(mf_walk *w, const yaml_node_pair_t *pair, const node *v)
{
    const char *const *keys = lattice_keys;
    enum { URL, NAME, HOST, HEARTBEAT, CREDENTIALS };
    mf_manifest *m = w->m;
    char what[PATH_CAP], b[SHOW_CAP];
    if (!need(w, v, YAML_MAPPING_NODE, "lattice"))
        return false;
    mf_lattice *l = m->lattice = alloc(w, v, 1, sizeof *m->lattice);
    if (l == NULL)
        return false;
    const node *k = yaml_document_get_node(w->doc, pair->key);
    l->line = k != NULL ? (unsigned)k->start_mark.line + 1 : 1;
    l->column = k != NULL ? (unsigned)k->start_mark.column + 1 : 1;
    l->heartbeat_ms = MF_DEFAULT_HEARTBEAT_MS;
    section s = {"in lattice", keys, NKEYS(lattice_keys), 0};
    unsigned before = w->nerrors;
    FOR_PAIRS(p, v)
    {
        node *val;
        int i = section_key(w, &s, v, p, &val);
        if (i < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (is_null(val))
            continue;
        snprintf(what, sizeof what, "lattice.%s", keys[i]);
        bool ok = false;
        switch (i) {
        case URL:
            ok = get_urls(w, val, what, &l->url);
            break;
        case NAME:
            ok = need(w, val, YAML_SCALAR_NODE, what);
            if (ok && !token_valid(sval(val), slen(val)))
                ok = fail(w, val,
                          "%s: %s is not a valid lattice name (1 to 255 ASCII letters, digits, "
                          "'_' and '-': one token, no dots)",
                          what, show(val, b));
            ok = ok && (l->name = copy(w, val)) != NULL;
            break;
        case HOST:
            ok = need(w, val, YAML_SCALAR_NODE, what);
            if (ok && !msg_name_valid(sval(val), slen(val)))
                ok = fail(w, val,
                          "%s: %s is not a valid host name (1 to 255 bytes: tokens of letters, "
                          "digits, '_' and '-' joined by single dots)",
                          what, show(val, b));
            ok = ok && (l->host = copy(w, val)) != NULL;
            break;
        case HEARTBEAT:
            ok = get_duration(w, val, what, &l->heartbeat_ms);
            if (ok &&
                (l->heartbeat_ms < MF_HEARTBEAT_MIN_MS || l->heartbeat_ms > MF_HEARTBEAT_MAX_MS))
                ok = fail(w, val, "%s: expected a duration from 10ms to 60m, got %s", what,
                          show(val, b));
            break;
        case CREDENTIALS:
            ok = get_module_path(w, val, what, &l->credentials);
            break;
        }
        if (!ok && !GO_ON(w))
            return false;
    }
    if (l->url == NULL &&
        (l->url = concat(w, v, MF_DEFAULT_LATTICE_URL, strlen(MF_DEFAULT_LATTICE_URL), NULL, 0,
                         NULL, 0)) == NULL)
        return false;
    if (l->name == NULL &&
        (l->name = concat(w, v, MF_DEFAULT_LATTICE_NAME, strlen(MF_DEFAULT_LATTICE_NAME), NULL, 0,
                          NULL, 0)) == NULL)
        return false;
    return CLEAN_SINCE(w, before);
}

/* http.listen: "ADDRESS:PORT", ADDRESS numeric (IPv4, or IPv6 in brackets), PORT 0..65535. */
static bool get_listen(mf_walk *w, const node *v, const char *what, mf_http *h)
{
    char b[SHOW_CAP], addr[INET6_ADDRSTRLEN + 2];
    if (!need(w, v, YAML_SCALAR_NODE, what))
        return false;
    const char *s = sval(v), *colon = memrchr(s, ':', slen(v));
    size_t alen = colon != NULL ? (size_t)(colon - s) : 0, plen = slen(v) - alen - 1;
    bool ok = colon != NULL && alen > 0 && alen < sizeof addr && plen >= 1 && plen <= 5 &&
              strspn(colon + 1, "0123456789") == plen;
    unsigned long port = ok ? strtoul(colon + 1, NULL, 10) : 0;
    ok = ok && port <= 65535;
    unsigned char bin[16];
    int family = AF_INET;
    if (ok) {
        memcpy(addr, s, alen);
        addr[alen] = '\0';
        if (addr[0] == '[' && alen > 2 && addr[alen - 1] == ']') {
            family = AF_INET6;
            memmove(addr, addr + 1, alen - 2);
            addr[alen - 2] = '\0';
        }
        ok = inet_pton(family, addr, bin) == 1;
    }
    if (!ok)
        return fail(w, v,
                    "%s: expected ADDRESS:PORT with a numeric address (127.0.0.1:8080, "
                    "0.0.0.0:80, [::1]:8080) and a port from 0 to 65535 (0 picks a free one), "
                    "got %s",
                    what, show(v, b));
    free(h->address);
    h->address = concat(w, v, addr, strlen(addr), NULL, 0, NULL, 0);
    h->port = (uint16_t)port;
    return h->address != NULL;
}

/* A route's path prefix: '/' then printable ASCII, no space, '?' or '#'. */
static bool prefix_valid(const char *s, size_t len)
{
    if (len == 0 || len > MF_MAX_ROUTE_PREFIX || s[0] != '/')
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '?' ||
            s[i] == '#')
            return false;
    return true;
}

/* http.routes: a mapping of path prefixes to component names. */
static bool get_routes(mf_walk *w, const node *v, const char *what, mf_http *h)
{
    char b[SHOW_CAP];
    if (!need(w, v, YAML_MAPPING_NODE, what))
        return false;
    size_t n = npairs(v), dup, first;
    if (n == 0)
        return true;
    if (n > MF_MAX_ROUTES)
        return fail(w, v, "%s: at most %u routes, got %zu", what, MF_MAX_ROUTES, n);
    keyref *refs = alloc(w, v, n, sizeof *refs);
    if (refs == NULL || (h->routes = alloc(w, v, n, sizeof *h->routes)) == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        const yaml_node_pair_t *p = &v->data.mapping.pairs.start[i];
        node *k = visit(w, v, p->key), *val;
        if (k == NULL || !need(w, k, YAML_SCALAR_NODE, what))
            goto fail;
        if (!prefix_valid(sval(k), slen(k))) {
            fail(w, k,
                 "%s: %s is not a valid path prefix (\"/\" then at most %u printable ASCII "
                 "bytes, without spaces, \"?\" or \"#\")",
                 what, show(k, b), MF_MAX_ROUTE_PREFIX - 1);
            goto fail;
        }
        if ((val = visit(w, k, p->value)) == NULL || !need(w, val, YAML_SCALAR_NODE, what))
            goto fail;
        if (!msg_name_valid(sval(val), slen(val))) {
            fail(w, val,
                 "%s: the route %s: %s is not a valid component name (1 to 255 bytes: tokens "
                 "of letters, digits, '_' and '-' joined by single dots)",
                 what, sval(k), show(val, b));
            goto fail;
        }
        if ((h->routes[i].prefix = copy(w, k)) == NULL ||
            (h->routes[i].component = copy(w, val)) == NULL)
            goto fail;
        h->nroutes = i + 1;
        refs[i] = (keyref){k, i};
    }
    if (find_duplicate(refs, n, &dup, &first)) {
        const node *k = NULL, *f = NULL;
        for (size_t j = 0; j < n; j++) {
            k = refs[j].i == dup ? refs[j].key : k;
            f = refs[j].i == first ? refs[j].key : f;
        }
        fail(w, k, "%s: duplicate route %s (first at line %zu)", what, show(k, b),
             f->start_mark.line + 1);
        goto fail;
    }
    free(refs);
    return true;
fail:
    free(refs);
    return false;
}

/* true or false (YAML 1.1's other spellings of booleans are refused: one way to write it). */
static bool get_bool(mf_walk *w, const node *v, const char *what, bool *out)
{
    char b[SHOW_CAP];
    if (scalar_is(v, "true") || scalar_is(v, "false")) {
        *out = scalar_is(v, "true");
        return true;
    }
    return fail(w, v, "%s: expected true or false, got %s", what, show(v, b));
}

static bool get_http(mf_walk *w, const yaml_node_pair_t *pair, const node *v)
{
    const char *const *keys = http_keys;
    enum { LISTEN, ROUTES, TIMEOUT, MAX_BODY, METRICS, DASHBOARD };
    char what[PATH_CAP];
    if (!need(w, v, YAML_MAPPING_NODE, "http"))
        return false;
    mf_http *h = w->m->http = alloc(w, v, 1, sizeof *w->m->http);
    if (h == NULL)
        return false;
    const node *k = yaml_document_get_node(w->doc, pair->key);
    h->line = k != NULL ? (unsigned)k->start_mark.line + 1 : 1;
    h->column = k != NULL ? (unsigned)k->start_mark.column + 1 : 1;
    const char *d = MF_DEFAULT_HTTP_LISTEN, *colon = strrchr(d, ':');
    if ((h->address = concat(w, v, d, (size_t)(colon - d), NULL, 0, NULL, 0)) == NULL)
        return false;
    h->port = (uint16_t)atoi(colon + 1);
    section s = {"in http", keys, NKEYS(http_keys), 0};
    unsigned before = w->nerrors;
    FOR_PAIRS(p, v)
    {
        node *val;
        int i = section_key(w, &s, v, p, &val);
        if (i < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (is_null(val))
            continue;
        snprintf(what, sizeof what, "http.%s", keys[i]);
        bool ok = false;
        switch (i) {
        case LISTEN:
            ok = get_listen(w, val, what, h);
            break;
        case ROUTES:
            ok = get_routes(w, val, what, h);
            break;
        case TIMEOUT:
            ok = get_duration(w, val, what, &h->timeout_ms);
            break;
        case MAX_BODY:
            ok = get_size(w, val, what, 1, MAX_MESSAGE, "1 byte to 1GiB", &h->max_body);
            w->http_max_body = ok ? val : NULL;
            break;
        case METRICS:
            ok = get_bool(w, val, what, &h->metrics);
            break;
        case DASHBOARD:
            ok = get_bool(w, val, what, &h->dashboard);
            break;
        }
        if (!ok && !GO_ON(w))
            return false;
    }
    return CLEAN_SINCE(w, before);
}

/* What the http section takes from runtime (which may come after it in the
 * file): its defaults, and max_body's bound. A request's body is its
 * message's payload, so a larger max_body could never be delivered. */
static bool http_defaults(mf_walk *w)
{
    mf_http *h = w->m->http;
    char b[SHOW_CAP];
    if (h == NULL)
        return true;
    if (h->timeout_ms == 0)
        h->timeout_ms = w->m->request_timeout_ms;
    if (h->max_body == 0)
        h->max_body = w->m->max_message;
    else if (h->max_body > w->m->max_message && w->http_max_body != NULL)
        return fail(w, w->http_max_body,
                    "http.max_body: %s is larger than runtime.max_message (%" PRIu64
                    " bytes): a request's body is its message's payload",
                    show(w->http_max_body, b), w->m->max_message);
    return true;
}

/* runtime.control's default: .wactor/FILE.sock in the manifest's folder,
 * FILE the manifest's file name, absolute and normalised like the other
 * paths. Only for a manifest read from a file (w->named); a path too long
 * for a socket is kept: `run` reports it, clients find no system there. */
static bool default_control(mf_walk *w)
{
    if (!w->named)
        return true;
    const char *base = strrchr(w->file, '/');
    base = base != NULL ? base + 1 : w->file;
    char *cwd = NULL;
    if (w->dir[0] != '/' && (cwd = getcwd(NULL, 0)) == NULL)
        return true; /* no default then: clients and run see no socket */
    size_t need = (cwd ? strlen(cwd) : 0) + strlen(w->dir) + strlen(base) + 16;
    char *path = malloc(need);
    if (path != NULL) {
        snprintf(path, need, "%s%s%s/.wactor/%s.sock", cwd ? cwd : "", cwd ? "/" : "", w->dir,
                 base);
        if (!mf_path_normalise(path)) {
            free(path);
            path = NULL;
        }
    }
    free(cwd);
    w->m->control = path;
    return true;
}

bool mf_walk_document(mf_walk *w)
{
    const char *const *keys = top_keys;
    enum { RUNTIME, SUPERVISOR, COMPONENTS, LATTICE, HTTP, TEMPLATES, GROUPS };
    char b[SHOW_CAP];
    mf_manifest *m = w->m;
    m->request_timeout_ms = MF_DEFAULT_REQUEST_TIMEOUT_MS;
    m->max_message = MF_DEFAULT_MAX_MESSAGE;
    m->max_module = MF_DEFAULT_MAX_MODULE;
    m->max_restarts = MF_DEFAULT_MAX_RESTARTS;
    m->within_ms = MF_DEFAULT_WITHIN_MS;

    node *root = yaml_document_get_root_node(w->doc);
    if (root == NULL)
        return report(w, 0, 0,
                      "the manifest is empty: expected a mapping with a \"components\" key");
    if (root->type != YAML_MAPPING_NODE)
        return fail(w, root,
                    "expected a mapping with a \"components\" key at the top level, got %s",
                    show(root, b));
    section s = {"at the top level", keys, NKEYS(top_keys), 0};
    FOR_PAIRS(p, root)
    {
        node *val;
        int k = section_key(w, &s, root, p, &val);
        if (k < 0) {
            if (!GO_ON(w))
                return false;
            continue;
        }
        if (k != COMPONENTS && is_null(val))
            continue;
        bool ok = k == RUNTIME      ? get_runtime(w, val)
                  : k == SUPERVISOR ? get_supervisor(w, val)
                  : k == LATTICE    ? get_lattice(w, p, val)
                  : k == TEMPLATES  ? get_templates(w, val)
                  : k == GROUPS     ? get_groups(w, val)
                  : k == HTTP       ? get_http(w, p, val)
                                    : get_components(w, val);
        if (!ok && !GO_ON(w))
            return false;
    }
    if (m->lattice == NULL && w->no_components != NULL)
        return fail(w, w->no_components,
                    "components: expected a mapping of component names to their settings, with "
                    "at least one component, got %s (a manifest without components needs a "
                    "lattice section: it is then a pure client)",
                    is_null(w->no_components) ? "nothing" : "none");
    if (m->lattice == NULL && !(s.seen & (1u << COMPONENTS)))
        return fail(w, root,
                    "missing key \"components\" at the top level (at least one component is "
                    "needed, or a lattice section for a pure client)");
    if (w->nerrors == 0 && !groups_check(w))
        return false;
    if (w->nerrors == 0 && !http_defaults(w))
        return false;
    if (!w->control_given && w->nerrors == 0 && !default_control(w))
        return false;
    return w->nerrors == 0;
}
