/*
 * fuzz_manifest.c: libFuzzer target for the manifest parser. The input is
 * taken as the text of a wactor.yaml; any crash, sanitizer report or leak
 * is a bug, an error line is an expected answer. An answer that parses
 * must hold what the parser promises (at least one component, each with a
 * name and a wasm path).
 *
 * Build and run: make fuzz; make fuzz-run-manifest (seeds: the examples).
 */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    mf_manifest *m = mf_parse((const char *)data, size, "fuzz/wactor.yaml", err, sizeof err);
    if (m) {
        if (m->ncomponents == 0)
            abort();
        for (size_t i = 0; i < m->ncomponents; i++)
            if (!m->components[i].name || !m->components[i].wasm)
                abort();
    } else if (strlen(err) == 0) {
        abort(); /* a refusal always says why */
    }
    mf_free(m);
    return 0;
}
