/*
 * fuzz_module.c: libFuzzer target for the whole engine.
 *
 * Loads the input as a module; if it loads, satisfies every import with a
 * stub of exactly the imported type (host functions returning zeros, fresh
 * tables, memories and globals), instantiates it, and calls every exported
 * function with zero arguments on a fuel budget. Any crash, sanitizer report
 * or leak is a bug, and so is an instance of a module that
 * wa_module_check_segments rejects; traps and load errors are expected
 * answers.
 *
 * Build and run: make fuzz; make fuzz-run (seeds: fuzz/seed.sh).
 */
#include "stubs.h"
#include "wasm.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_PAGES 256u    /* 16 MiB: larger memories are refused */
#define FUZZ_MAX_TABLE 100000u /* larger imported tables are not stubbed */
#define FUZZ_FUEL 100000

static void fuzz_call_exports(const wa_module *m, wa_instance *inst)
{
    uint32_t n = wa_module_num_exports(m);
    for (uint32_t i = 0; i < n; i++) {
        wa_name name;
        wa_externtype type;
        wa_extern ext;
        wa_module_export(m, i, &name, &type);
        if (type.kind != WA_EXTERN_FUNC || !wa_instance_export(inst, name.ptr, name.len, &ext))
            continue;
        const wa_functype *ft = wa_func_type(ext.u.func);
        /* as many wa_val as the values take: two for each v128 */
        wa_val *args = calloc(wa_slots_of(ft->types, ft->nparams) + 1, sizeof *args);
        wa_val *results =
            calloc(wa_slots_of(ft->types + ft->nparams, ft->nresults) + 1, sizeof *results);
        if (args != NULL && results != NULL) {
            wa_instance_set_fuel(inst, FUZZ_FUEL);
            (void)wa_call(inst, ext.u.func, args, results);
        }
        free(args);
        free(results);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wa_error err;
    wa_module *m = wa_module_load(data, size, &err);
    if (m == NULL)
        return 0;
    uint32_t n = wa_module_num_imports(m), made = 0;
    wa_extern *imports = calloc(n + 1, sizeof *imports);
    if (imports != NULL) {
        for (; made < n; made++) {
            wa_name module, field;
            wa_externtype type;
            wa_module_import(m, made, &module, &field, &type);
            if (!fuzz_make_stub(&type, &imports[made], FUZZ_MAX_PAGES, FUZZ_MAX_TABLE))
                break;
        }
    }
    if (imports != NULL && made == n) {
        /* The start function runs on the same fuel budget as the exports. */
        wa_config cfg = {.max_memory_pages = FUZZ_MAX_PAGES, .fuel = FUZZ_FUEL};
        wa_instance *inst = wa_instantiate(m, imports, n, &cfg, &err);
        /* A segment the module alone shows not to fit fails every instantiation. */
        wa_error check;
        if (inst != NULL && !wa_module_check_segments(m, &check))
            abort();
        if (inst != NULL) {
            fuzz_call_exports(m, inst);
            wa_instance_free(inst);
        }
    }
    for (uint32_t i = 0; i < made; i++)
        wa_extern_free(&imports[i]);
    free(imports);
    wa_module_free(m);
    return 0;
}
