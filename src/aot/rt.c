/* rt.c: the runtime of compiled code (being written). */
#include <stdlib.h>

#include "aot.h"

struct wa_aot_code {
    wa_native native;
};

wa_aot_code *wa_aot_bind(const wa_module *m, const wa_aot_descriptor *d, wa_error *err)
{
    (void)m, (void)d;
    snprintf(err->msg, sizeof err->msg, "not yet");
    err->kind = WA_ERR_UNSUPPORTED;
    return NULL;
}

const wa_native *wa_aot_native(const wa_aot_code *c)
{
    return &c->native;
}

void wa_aot_unbind(wa_aot_code *c)
{
    free(c);
}
