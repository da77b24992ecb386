/*
 * lattice_stub.c: the lattice API (include/wactor.h, "the lattice") for a
 * build without src/lattice: every join fails, so `run` without a
 * `lattice` section, and every command that needs no lattice, work as
 * before. src/cli/CMakeLists.txt compiles it only when the wactor_lattice
 * target does not exist (and then defines WACTOR_LATTICE_STUB, which makes
 * the CLI say why a join failed: this file cannot set wactor_errmsg).
 *
 * To be deleted once src/lattice is part of the build.
 */
#include "wactor.h"

#include <stdlib.h>

wactor_lattice *wactor_lattice_join(wactor_runtime *rt, const wactor_lattice_options *opts)
{
    (void)rt;
    (void)opts;
    return NULL;
}

void wactor_lattice_leave(wactor_lattice *l)
{
    (void)l;
}

int wactor_lattice_wait(wactor_lattice *l, const char *name, uint32_t timeout_ms)
{
    (void)l;
    (void)name;
    (void)timeout_ms;
    return WACTOR_ESTATE;
}

const char *wactor_lattice_host_name(const wactor_lattice *l)
{
    (void)l;
    return NULL;
}

int wactor_lattice_hosts(wactor_lattice *l, wactor_host_info **out, size_t *n)
{
    (void)l;
    *out = NULL;
    *n = 0;
    return WACTOR_ESTATE;
}

void wactor_lattice_hosts_free(wactor_host_info *v, size_t n)
{
    (void)n;
    free(v);
}
