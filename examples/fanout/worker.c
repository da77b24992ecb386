/*
 * worker: answers each request with its payload transformed, the transformation chosen by the
 * component's `config:` text: "upper" (ASCII letters upper-cased) or "reverse" (the UTF-8 text
 * reversed character by character). One module serves as both workers.a and workers.b.
 */
#include <wactor.h>

#include <stdlib.h>

static enum { UPPER, REVERSE } mode;

/* A bad configuration is a failure to start: the runtime reports it and restarts by policy. */
WACTOR_INIT()
{
    char cfg[16];
    wactor_config_str(cfg, sizeof cfg);
    if (strcmp(cfg, "upper") == 0)
        mode = UPPER;
    else if (strcmp(cfg, "reverse") == 0)
        mode = REVERSE;
    else {
        wactor_log(WACTOR_LOG_ERROR, "worker: config must be \"upper\" or \"reverse\"");
        return 1;
    }
    return 0;
}

static void upper(char *out, const char *in, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = in[i] >= 'a' && in[i] <= 'z' ? (char)(in[i] - 'a' + 'A') : in[i];
}

/* Characters keep their byte order, so multi-byte UTF-8 sequences stay valid. */
static void reverse(char *out, const char *in, size_t len)
{
    size_t end = len;
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && ((unsigned char)in[start] & 0xC0) == 0x80)
            start--; /* a continuation byte: the character began earlier */
        memcpy(out + len - end, in + start, end - start);
        end = start;
    }
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (corr <= 0)
        return 0; /* nobody waits for an answer */

    size_t len = (size_t)payload_len;
    char *in = malloc(len + 1), *out = malloc(len + 1);
    if (in == NULL || out == NULL) {
        free(in);
        free(out);
        return wactor_respond_str(corr, WACTOR_STATUS_ERROR, "worker: out of memory") < 0;
    }
    wactor_msg_payload(in, len);
    if (mode == UPPER)
        upper(out, in, len);
    else
        reverse(out, in, len);
    int32_t r = wactor_respond(corr, WACTOR_STATUS_OK, out, len);
    free(in);
    free(out);
    return r < 0;
}
