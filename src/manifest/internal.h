/*
 * internal.h: what manifest.c (the YAML passes and the public API) and
 * schema.c (the walk over the document) share.
 *
 * manifest.c hands schema.c a loaded libyaml document and an empty
 * manifest; schema.c checks the document against the manifest's keys
 * (docs/MANIFEST.md) and fills the manifest in, or writes the first
 * problem (with w->all, every problem, a line each) to err and returns
 * false (the manifest may then be partly filled: mf_free frees it).
 */
#ifndef WACTOR_MANIFEST_INTERNAL_H
#define WACTOR_MANIFEST_INTERNAL_H

#include "manifest.h"

#include <yaml.h>

typedef struct mf_walk {
    yaml_document_t *doc;
    const char *file; /* for messages */
    const char *dir;  /* paths are joined to it */
    char *err;
    size_t errlen;
    size_t values; /* value nodes visited so far (an alias counts each time) */
    size_t bytes;  /* string bytes allocated so far */
    mf_manifest *m;
    /* all: go on after a problem in a key's value, to report every one, a
     * line each in err; fatal: a problem after which nothing more is
     * looked at (budgets, memory, a broken document). */
    bool all, fatal;
    bool named;         /* read from a file (a path was given): runtime.control has a default */
    bool control_given; /* runtime.control was in the manifest (null included) */
    /* components was null or {}: an error unless there is a lattice. */
    const yaml_node_t *no_components;
    const yaml_node_t *http_max_body; /* http.max_body's value, checked against max_message */
    /* groups.NAME.max_restarts given (else the supervisor's, known at the end), by group. */
    bool *group_max_given;
    size_t ngroup_given;
    unsigned nerrors;
    size_t errused;
} mf_walk;

/* Writes "FILE:LINE:COLUMN: " and the formatted message to err; line and
 * column are 0-based (as libyaml counts) and written 1-based. Returns
 * false, for `return mf_error(...)`. err may be NULL or errlen 0. */
bool mf_error(char *err, size_t errlen, const char *file, size_t line, size_t column,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Fills w->m from the document's root node; false with w->err written. */
bool mf_walk_document(mf_walk *w);

#endif
