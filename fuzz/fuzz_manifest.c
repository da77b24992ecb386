/*
 * fuzz_manifest.c: libFuzzer target for the manifest parser. The input is
 * taken as the text of a wactor.yaml; any crash, sanitizer report or leak
 * is a bug, an error line is an expected answer. An answer that parses
 * must hold what the parser promises (at least one component, each with a
 * name and a wasm path, unless it is a lattice's pure client; an http
 * section with every default filled in).
 *
 * Build and run: make fuzz; make fuzz-run-manifest (seeds: the examples).
 */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Both modes: the first problem only, and every problem (validate's),
     * whose walk goes on past errors; the same answer either way. */
    char err[512], all[4096];
    mf_manifest *m = mf_parse((const char *)data, size, "fuzz/wactor.yaml", err, sizeof err);
    mf_manifest *m2 = mf_parse_all((const char *)data, size, "fuzz/wactor.yaml", all, sizeof all);
    if ((m == NULL) != (m2 == NULL))
        abort();
    if (m == NULL && strncmp(err, all, strlen(err)) != 0 && strlen(err) < sizeof err - 1)
        abort(); /* the first problem reported is the same */
    mf_free(m2);
    if (m) {
        if (m->ncomponents == 0 && m->lattice == NULL)
            abort();
        for (size_t i = 0; i < m->ncomponents; i++)
            if (!m->components[i].name || !m->components[i].wasm)
                abort();
        /* The http section is complete: defaults filled in, bounds held. */
        if (m->http != NULL) {
            if (m->http->address == NULL || m->http->timeout_ms == 0 || m->http->max_body == 0 ||
                m->http->max_body > m->max_message)
                abort();
            for (size_t i = 0; i < m->http->nroutes; i++)
                if (!m->http->routes[i].prefix || m->http->routes[i].prefix[0] != '/' ||
                    !m->http->routes[i].component)
                    abort();
        }
    } else if (strlen(err) == 0) {
        abort(); /* a refusal always says why */
    }
    mf_free(m);
    return 0;
}
