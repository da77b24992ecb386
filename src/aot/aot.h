/*
 * aot.h: the ahead-of-time tier (docs/AOT.md). A validated module becomes C
 * (gen.c), the system C compiler makes that a shared object, an artifact
 * (artifact.c), and a loaded artifact gives the engine compiled code for
 * every instance of the module (rt.c: wa_native, see wasm.h).
 *
 * The tier sits above the engine (src/wasm) and reads its internal code;
 * the engine knows nothing of it but the wa_native hook.
 */
#ifndef WA_AOT_H
#define WA_AOT_H

#include <stdio.h>

#include "simd_list.h"
#include "wasm.h" /* first: abi.h then leaves out its own wa_val and wa_v128 */

#include "abi.h"

/* What an artifact is bound to: the wactor version, the target (machine,
 * system, C library) and the module's SHA-256. */
typedef struct wa_aot_stamp {
    char version[32];
    char target[64];
    uint8_t sha256[32];
} wa_aot_stamp;

/* gen.c: writes the C of module m (translated: wa_module_load did it),
 * with stamp in its descriptor. False with err set if it cannot. */
bool wa_aot_write_c(const wa_module *m, const wa_aot_stamp *stamp, FILE *out, wa_error *err);

/* rt.c: the compiled code of a loaded artifact's descriptor, for module m
 * (the caller checked the stamp). NULL with err set if the descriptor does
 * not fit the module. Free with wa_aot_unbind after the last instance. */
typedef struct wa_aot_code wa_aot_code;
wa_aot_code *wa_aot_bind(const wa_module *m, const wa_aot_descriptor *d, wa_error *err);
/* What the descriptor's code_hash must be for m in this build. */
uint64_t wa_aot_code_hash(const wa_module *m);
const wa_native *wa_aot_native(const wa_aot_code *c);
void wa_aot_unbind(wa_aot_code *c);

/* artifact.c: stamps, compiling, loading.
 * wa_aot_stamp_of: this build's version and target, and m's SHA-256.
 * wa_aot_compile: writes m's C to a temporary file beside out_path, runs
 * the system C compiler on it (-O2, a position-independent shared object)
 * and renames the result to out_path; progress (or NULL) gets a line now
 * and then for a large module.
 * wa_aot_open: loads the artifact at path for m if it was made by this
 * user, is writable by no one else, and its stamp is m's and this build's;
 * else NULL with err saying why. One artifact serves every instance of m:
 * pass wa_aot_artifact_native(a) as wa_config.native; close it after the
 * last instance is freed. */
void wa_aot_stamp_of(const wa_module *m, wa_aot_stamp *out);
/* Where m's artifact goes in a cache folder (runtime.cache): DIR/HEX.so,
 * HEX its SHA-256; malloc'd, NULL when out of memory. */
char *wa_aot_cache_path(const char *dir, const wa_module *m);
bool wa_aot_compile(const wa_module *m, const char *out_path, FILE *progress, wa_error *err);
typedef struct wa_aot_artifact wa_aot_artifact;
wa_aot_artifact *wa_aot_open(const char *path, const wa_module *m, wa_error *err);
const wa_native *wa_aot_artifact_native(const wa_aot_artifact *a);
void wa_aot_close(wa_aot_artifact *a);

#endif
