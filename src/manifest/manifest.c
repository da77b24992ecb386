/*
 * manifest.c: reading a manifest's YAML with libyaml, and the public API.
 *
 * The text goes through libyaml twice:
 *  1. the event parser, only to bound the input before anything is built:
 *     nesting depth, node count, anchors and aliases, one document. It keeps
 *     O(depth) state, so a hostile `[[[[...` or a million scalars costs
 *     nothing but time; libyaml's own loader has no such limits (and looks
 *     aliases up in a linear list, hence the anchor and alias bounds).
 *  2. the document loader, whose nodes carry their start marks (0-based
 *     line and column, counted in characters) for messages; schema.c walks
 *     it.
 * A syntax error from either pass is reported at libyaml's problem mark,
 * with its problem text and context. Reader errors (bad UTF-8, control
 * characters) carry a byte offset instead of a mark; it is turned into a
 * line and column here.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32
#define MAX_NODES 500000u
#define MAX_ANCHORS 1000u
#define MAX_ALIASES 10000u

bool mf_error(char *err, size_t errlen, const char *file, size_t line, size_t column,
              const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return false;
    int n = snprintf(err, errlen, "%s:%zu:%zu: ", file, line + 1, column + 1);
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Reports the parser's error (after yaml_parser_parse or _load failed). */
static bool yaml_failure(const yaml_parser_t *ps, const char *file, const char *text, size_t len,
                         char *err, size_t errlen)
{
    const char *problem = ps->problem != NULL ? ps->problem : "syntax error";
    if (ps->error == YAML_MEMORY_ERROR) {
        snprintf(err, errlen, "%s: out of memory reading the manifest", file);
        return false;
    }
    if (ps->error == YAML_READER_ERROR) {
        /* A byte offset: count lines, and characters (not UTF-8
         * continuation bytes) since the last line break. */
        size_t end = ps->problem_offset < len ? ps->problem_offset : len, line = 0, col = 0;
        for (size_t i = 0; i < end; i++) {
            if (text[i] == '\n')
                line++, col = 0;
            else if (((unsigned char)text[i] & 0xc0) != 0x80)
                col++;
        }
        if (ps->problem_value >= 0)
            return mf_error(err, errlen, file, line, col, "invalid YAML: %s (byte 0x%02x)", problem,
                            (unsigned)ps->problem_value);
        return mf_error(err, errlen, file, line, col, "invalid YAML: %s", problem);
    }
    const yaml_mark_t *at = &ps->problem_mark;
    if (ps->context != NULL)
        return mf_error(err, errlen, file, at->line, at->column,
                        "invalid YAML: %s (%s at line %zu, column %zu)", problem, ps->context,
                        ps->context_mark.line + 1, ps->context_mark.column + 1);
    return mf_error(err, errlen, file, at->line, at->column, "invalid YAML: %s", problem);
}

/* Pass 1: the events only, to bound what pass 2 will build. */
static bool bound_input(const char *text, size_t len, const char *file, char *err, size_t errlen)
{
    yaml_parser_t ps;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&ps)) {
        snprintf(err, errlen, "%s: out of memory reading the manifest", file);
        return false;
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    unsigned depth = 0, nodes = 0, anchors = 0, aliases = 0, documents = 0;
    bool ok = true, done = false;
    while (ok && !done) {
        if (!yaml_parser_parse(&ps, &ev)) {
            ok = yaml_failure(&ps, file, text, len, err, errlen);
            break;
        }
        const yaml_mark_t *at = &ev.start_mark;
        const char *problem = NULL;
        yaml_char_t *anchor = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                problem = "expected one YAML document, found a second one";
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth > MAX_DEPTH)
                problem = "nested more than 32 levels deep";
            anchor = ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                                          : ev.data.mapping_start.anchor;
            nodes++;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SCALAR_EVENT:
            anchor = ev.data.scalar.anchor;
            nodes++;
            break;
        case YAML_ALIAS_EVENT:
            if (++aliases > MAX_ALIASES)
                problem = "more than 10000 aliases";
            break;
        default:
            break;
        }
        if (nodes > MAX_NODES)
            problem = "more than 500000 YAML nodes";
        if (anchor != NULL && ++anchors > MAX_ANCHORS)
            problem = "more than 1000 anchors";
        if (problem != NULL)
            ok = mf_error(err, errlen, file, at->line, at->column, "%s", problem);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&ps);
    return ok;
}

/* The folder of path: what precedes its last '/', without trailing
 * slashes; "/" for a file at the root, "." for a bare file name. */
static char *folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash != NULL ? (size_t)(slash - path) : 0;
    while (n > 0 && path[n - 1] == '/')
        n--;
    const char *dir = n > 0 ? path : slash != NULL ? "/" : ".";
    if (n == 0)
        n = strlen(dir);
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, dir, n);
        s[n] = '\0';
    }
    return s;
}

static mf_manifest *parse(const char *text, size_t len, const char *path, char *err, size_t errlen,
                          bool all)
{
    char dummy[1];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    const char *file = path != NULL ? path : "<manifest>";
    if (text == NULL && len > 0) {
        snprintf(err, errlen, "%s: no text", file);
        return NULL;
    }
    if (len > MF_MAX_BYTES) {
        snprintf(err, errlen, "%s: larger than %zu MiB, too large for a manifest", file,
                 MF_MAX_BYTES >> 20);
        return NULL;
    }
    if (text == NULL)
        text = "";
    if (!bound_input(text, len, file, err, errlen))
        return NULL;

    mf_manifest *m = calloc(1, sizeof *m);
    yaml_parser_t ps;
    yaml_document_t doc;
    if (m == NULL || (m->path = strdup(file)) == NULL ||
        (m->dir = path != NULL ? folder(path) : strdup(".")) == NULL ||
        !yaml_parser_initialize(&ps)) {
        snprintf(err, errlen, "%s: out of memory reading the manifest", file);
        mf_free(m);
        return NULL;
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    bool ok = yaml_parser_load(&ps, &doc);
    if (!ok) {
        yaml_failure(&ps, file, text, len, err, errlen);
    } else {
        mf_walk w = {.doc = &doc,
                     .file = file,
                     .dir = m->dir,
                     .named = path != NULL,
                     .err = err,
                     .errlen = errlen,
                     .m = m,
                     .all = all};
        ok = mf_walk_document(&w);
        free(w.group_max_given);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&ps);
    if (!ok) {
        mf_free(m);
        return NULL;
    }
    return m;
}

mf_manifest *mf_parse(const char *text, size_t len, const char *path, char *err, size_t errlen)
{
    return parse(text, len, path, err, errlen, false);
}

mf_manifest *mf_parse_all(const char *text, size_t len, const char *path, char *err, size_t errlen)
{
    return parse(text, len, path, err, errlen, true);
}

static mf_manifest *load(const char *path, char *err, size_t errlen, bool all)
{
    char dummy[1];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (path == NULL) {
        snprintf(err, errlen, "no manifest path");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    /* Read at most one byte past the limit, to tell "too large" apart. */
    size_t cap = 64 << 10, len = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        if (len == cap) {
            size_t ncap = cap * 2 > MF_MAX_BYTES + 1 ? MF_MAX_BYTES + 1 : cap * 2;
            if (ncap == cap)
                break;
            char *nbuf = realloc(buf, ncap);
            if (nbuf == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int read_error = ferror(f) ? errno : 0;
    fclose(f);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory reading the manifest", path);
        return NULL;
    }
    if (read_error != 0) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(read_error));
        free(buf);
        return NULL;
    }
    mf_manifest *m = parse(buf, len, path, err, errlen, all);
    free(buf);
    return m;
}

mf_manifest *mf_load(const char *path, char *err, size_t errlen)
{
    return load(path, err, errlen, false);
}

mf_manifest *mf_load_all(const char *path, char *err, size_t errlen)
{
    return load(path, err, errlen, true);
}

static void free_patterns(mf_patterns *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
}

static void free_component(mf_component *c)
{
    free(c->name);
    free(c->wasm);
    free(c->config);
    for (size_t j = 0; c->env != NULL && c->env[j] != NULL; j++)
        free(c->env[j]);
    free(c->env);
    free_patterns(&c->send);
    free_patterns(&c->request);
    free_patterns(&c->publish);
    free_patterns(&c->subscribe);
    free_patterns(&c->http);
    free_patterns(&c->spawn);
    for (size_t j = 0; j < c->nfiles; j++) {
        free(c->files[j].name);
        free(c->files[j].path);
    }
    free(c->files);
}

void mf_free(mf_manifest *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->ncomponents; i++)
        free_component(&m->components[i]);
    for (size_t i = 0; i < m->ntemplates; i++)
        free_component(&m->templates[i]);
    free(m->templates);
    free(m->components);
    for (size_t i = 0; i < m->ngroups; i++) {
        for (size_t j = 0; j < m->groups[i].nmembers; j++)
            free(m->groups[i].members[j].name);
        free(m->groups[i].members);
        free(m->groups[i].name);
    }
    free(m->groups);
    free(m->storage);
    free(m->audit);
    free(m->trace);
    free(m->cache);
    free(m->path);
    free(m->dir);
    free(m->control);
    if (m->lattice != NULL) {
        free(m->lattice->url);
        free(m->lattice->name);
        free(m->lattice->host);
        free(m->lattice->credentials);
        free(m->lattice);
    }
    if (m->http != NULL) {
        for (size_t i = 0; i < m->http->nroutes; i++) {
            free(m->http->routes[i].prefix);
            free(m->http->routes[i].component);
        }
        free(m->http->routes);
        free(m->http->address);
        free(m->http);
    }
    free(m);
}

const char *mf_strategy_name(int strategy)
{
    return strategy == MF_ONE_FOR_ALL    ? "one_for_all"
           : strategy == MF_REST_FOR_ONE ? "rest_for_one"
                                         : "one_for_one";
}

const char *mf_restart_name(int restart)
{
    switch (restart) {
    case MF_RESTART_PERMANENT:
        return "permanent";
    case MF_RESTART_TRANSIENT:
        return "transient";
    case MF_RESTART_TEMPORARY:
        return "temporary";
    default:
        return "?";
    }
}
