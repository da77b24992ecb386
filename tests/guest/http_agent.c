/*
 * http_agent.c: a component for the outbound HTTP tests (tests/httpout).
 * A request's payload is three lines: "METHOD URL TIMEOUT_MS", the request
 * headers ("name: value" separated by ';'), the body. The component calls
 * http_request with them: if the call is refused it answers at once with
 * "ERR CODE"; otherwise it answers in the callback with
 * "STATUS :status x-origin|BODY" (a missing header reads "-"; for FAILED,
 * BODY is the reason).
 */
#include "../../sdk/c/wactor.h"

#include <stdio.h>
#include <string.h>

static int64_t asker; /* the host's request being served */
static char payload[8192];

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (payload_len >= (int32_t)sizeof payload)
        return 1;
    wactor_msg_payload_str(payload, sizeof payload);
    char *headers = strchr(payload, '\n');
    char *body = headers ? strchr(headers + 1, '\n') : NULL;
    if (!headers || !body)
        return 1;
    *headers++ = 0;
    *body++ = 0;
    for (char *p = headers; *p; p++)
        if (*p == ';')
            *p = '\n';
    char method[16], url[4096];
    int timeout = 0;
    if (sscanf(payload, "%15s %4095s %d", method, url, &timeout) != 3)
        return 1;
    int64_t id = wactor_http_request(method, url, headers, body, strlen(body), timeout);
    if (id < 0) {
        char out[32];
        snprintf(out, sizeof out, "ERR %d", (int)id);
        wactor_respond_str(corr, WACTOR_OK, out);
        return 0;
    }
    asker = corr;
    return 0;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)corr;
    (void)payload_len;
    char st[8], origin[64], body[4096], out[4400];
    if (wactor_msg_header_str(":status", st, sizeof st) < 0)
        strcpy(st, "-");
    if (wactor_msg_header_str("x-origin", origin, sizeof origin) < 0)
        strcpy(origin, "-");
    wactor_msg_payload_str(body, sizeof body);
    char sender[16];
    wactor_msg_sender_str(sender, sizeof sender);
    snprintf(out, sizeof out, "%d %s %s %s|%s", (int)status, sender, st, origin, body);
    wactor_respond_str(asker, WACTOR_OK, out);
    return 0;
}
