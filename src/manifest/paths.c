/*
 * paths.c: the storage and audit paths of a manifest, resolved and checked
 * at load (paths.h).
 *
 * The path is joined to the manifest's folder as the kernel resolves it
 * (realpath: symbolic links followed, as for module paths), then the text's
 * own components are resolved lexically, like `realpath -s` or Go's
 * filepath.Clean: "." and empty components are dropped and ".." removes
 * the component before it, without following symbolic links.
 * So the runtime gets one absolute path that means the same from any
 * folder, and a path that climbs above / is refused rather than silently
 * read as / (which is what the kernel does with "/..").
 *
 * The checks only look (stat): nothing is created or opened, so `wactor
 * validate` can run them. What they cannot see (permissions, a full disk,
 * a folder made or removed after the check) the runtime still reports
 * when it opens the storage or the audit file.
 */
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool mf_path_normalise(char *p)
{
    size_t n = strlen(p), i = 0, o = 1;
    if (n == 0 || p[0] != '/')
        return false;
    /* Invariant: p[0..o) is the normalised path so far ("/" or "/a/b", no
     * trailing slash) and o <= i: it never overtakes what is still to read. */
    while (i < n) {
        while (i < n && p[i] == '/')
            i++;
        size_t s = i;
        while (i < n && p[i] != '/')
            i++;
        size_t l = i - s;
        if (l == 0 || (l == 1 && p[s] == '.'))
            continue;
        if (l == 2 && p[s] == '.' && p[s + 1] == '.') {
            if (o == 1)
                return false; /* above / */
            while (o > 1 && p[o - 1] != '/')
                o--;
            if (o > 1)
                o--; /* the slash before the removed component */
            continue;
        }
        if (o > 1)
            p[o++] = '/';
        memmove(p + o, p + s, l);
        o += l;
    }
    p[o] = '\0';
    return true;
}

/* A stat() that reports only what it saw: 1 found (*st filled), 0 absent
 * (ENOENT, or ENOTDIR: an ancestor is not a folder), -1 cannot tell
 * (permissions, a loop...): then nothing is refused here. */
static int look(const char *path, struct stat *st)
{
    if (stat(path, st) == 0)
        return 1;
    return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/* What something that is not a folder is, for "PATH is a file, not a
 * folder". */
static const char *not_a_folder(const struct stat *st)
{
    return S_ISREG(st->st_mode) ? "a file, not a folder" : "not a folder";
}

/* Cuts path (absolute, normalised, not "/") at its last component: "/a/b"
 * becomes "/a", "/a" becomes "/". */
static void cut_last(char *path)
{
    char *slash = strrchr(path, '/');
    if (slash == path)
        path[1] = '\0';
    else
        *slash = '\0';
}

bool mf_path_check_storage(const char *path, char *why, size_t whylen)
{
    struct stat st;
    int found = look(path, &st);
    if (found > 0) {
        if (S_ISDIR(st.st_mode))
            return true;
        snprintf(why, whylen, "%s is %s", path, not_a_folder(&st));
        return false;
    }
    if (found < 0)
        return true;
    /* Absent: the runtime creates it and its missing parents, so the
     * nearest ancestor that exists must be a folder. */
    char *up = strdup(path);
    if (up == NULL)
        return true; /* cannot tell; the runtime will */
    bool ok = true;
    while (strcmp(up, "/") != 0) {
        cut_last(up);
        found = look(up, &st);
        if (found == 0)
            continue;
        if (found > 0 && !S_ISDIR(st.st_mode)) {
            snprintf(why, whylen, "%s cannot be created: %s is %s", path, up, not_a_folder(&st));
            ok = false;
        }
        break;
    }
    free(up);
    return ok;
}

bool mf_path_check_file(const char *path, const char *noun, char *why, size_t whylen)
{
    struct stat st;
    int found = look(path, &st);
    if (found > 0) {
        if (!S_ISDIR(st.st_mode))
            return true; /* a file, or a device such as /dev/null: appended to */
        snprintf(why, whylen, "%s is a folder, not a file", path);
        return false;
    }
    if (found < 0 || strcmp(path, "/") == 0)
        return true;
    /* Absent: the runtime creates the file, but not its folder. */
    char *dir = strdup(path);
    if (dir == NULL)
        return true;
    cut_last(dir);
    bool ok = true;
    found = look(dir, &st);
    if (found == 0) {
        snprintf(why, whylen, "the folder %s does not exist (the %s is created, its folder is not)",
                 dir, noun);
        ok = false;
    } else if (found > 0 && !S_ISDIR(st.st_mode)) {
        snprintf(why, whylen, "%s cannot be created: %s is %s", path, dir, not_a_folder(&st));
        ok = false;
    }
    free(dir);
    return ok;
}
