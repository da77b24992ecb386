/*
 * paths.h: resolving and checking the manifest's storage and audit paths
 * (paths.c), for schema.c. Every path given here is absolute and
 * NUL-terminated; nothing here creates, opens or changes a file.
 */
#ifndef WACTOR_MANIFEST_PATHS_H
#define WACTOR_MANIFEST_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* Normalises the absolute path p in place, lexically: empty and "."
 * components go, ".." removes the component before it (symbolic links are
 * not followed), no trailing slash but for "/" itself. False (p then
 * unspecified) if p is not absolute or a ".." climbs above /. */
bool mf_path_normalise(char *p);

/* Whether path can be the runtime's storage folder, which the runtime
 * creates with its missing parents: false, with why ("PATH is a file, not
 * a folder", "PATH cannot be created: ANCESTOR is a file, not a folder"),
 * if it or its nearest existing ancestor is not a folder. True whenever
 * stat cannot tell (e.g. no permission): the runtime reports those. */
bool mf_path_check_storage(const char *path, char *why, size_t whylen);

/* Whether path can be a file the runtime creates (not its folder) or
 * appends to (the audit file, the trace file: `noun` in messages): false,
 * with why, if it is a folder or its folder does not exist or is not a
 * folder. True whenever stat cannot tell. */
bool mf_path_check_file(const char *path, const char *noun, char *why, size_t whylen);

#endif
