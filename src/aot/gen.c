/* gen.c: module to C (being written). */
#include "aot.h"

bool wa_aot_write_c(const wa_module *m, const wa_aot_stamp *stamp, FILE *out, wa_error *err)
{
    (void)m, (void)stamp, (void)out;
    snprintf(err->msg, sizeof err->msg, "not yet");
    err->kind = WA_ERR_UNSUPPORTED;
    return false;
}
