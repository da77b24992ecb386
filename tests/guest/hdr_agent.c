/*
 * hdr_agent.c: a component for the header tests (tests/headers). Its
 * config says what it is:
 *   "echo"  answers every request with the sender, ":method" and "x-in" it
 *           read ("SENDER METHOD XIN"), status 201 via ":status", and the
 *           request's "x-in" header back as "x-out"; a payload "defer"
 *           keeps the request and answers it at the next message;
 *   "front" asks "back" with each request it gets, and answers its
 *           requester with what the callback carried:
 *           "STATUS XBACK" (":status" and "x-back" of the answer);
 *   "relay:NAME" asks NAME with each request it gets, and answers its
 *           requester with NAME's answer (the trace tests' chain);
 *   "back"  answers with header "x-back: yes" and no ":status";
 *   "codes" answers with the results of the header calls' error cases,
 *           space-separated (see codes below).
 */
#include "../../sdk/c/wactor.h"

#include <stdio.h>
#include <string.h>

static char role[32];
static int64_t held;      /* "echo": a deferred request */
static int64_t asked_for; /* "front": the request it is answering through "back" */
static int32_t init_code;

WACTOR_INIT()
{
    wactor_config_str(role, sizeof role);
    char buf[8];
    init_code = wactor_msg_header(":method", buf, sizeof buf); /* outside a handler: ESTATE */
    return 0;
}

static int32_t header_or_dash(const char *name, char *buf, size_t cap)
{
    int32_t n = wactor_msg_header_str(name, buf, cap);
    if (n < 0)
        snprintf(buf, cap, "-");
    return n;
}

/* The answer's headers are set when the request arrives, its payload
 * (what the request carried) is kept until it is answered. */
static char held_out[256];

static void echo_headers(int64_t corr, char *out, size_t cap)
{
    char sender[64], method[16], xin[128];
    wactor_msg_sender_str(sender, sizeof sender);
    header_or_dash(":method", method, sizeof method);
    header_or_dash("x-in", xin, sizeof xin);
    snprintf(out, cap, "%s %s %s", sender, method, xin);
    wactor_respond_header(corr, ":status", "201");
    wactor_respond_header(corr, "x-out", xin);
}

static void codes(int64_t corr)
{
    static char big[4098]; /* 4097 bytes and a NUL */
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char buf[8];
    int32_t c[8];
    c[0] = init_code;                                           /* ESTATE */
    c[1] = wactor_respond_header(corr, "Bad", "x");             /* EINVAL: uppercase */
    c[2] = wactor_respond_header(corr, ":status", "99");        /* EINVAL: not 100..599 */
    c[3] = wactor_respond_header(corr + 1000, "x-a", "x");      /* ENOTFOUND */
    c[4] = wactor_respond_header(corr, "x-a", big);             /* ETOOBIG */
    c[5] = wactor_msg_header("x-none", buf, sizeof buf);        /* ENOTFOUND */
    c[6] = wactor_import_msg_header("x-a", 3, (void *)-16, 64); /* EINVAL: outside memory */
    c[7] = wactor_respond_header(corr, "x-a", "ok");            /* OK */
    char out[128];
    snprintf(out, sizeof out, "%d %d %d %d %d %d %d %d", c[0], c[1], c[2], c[3], c[4], c[5], c[6],
             c[7]);
    wactor_respond_str(corr, WACTOR_OK, out);
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    char payload[64];
    wactor_msg_payload_str(payload, sizeof payload);
    (void)payload_len;
    if (!strcmp(role, "echo")) {
        if (held) { /* the deferred one is answered now, with the headers set then */
            wactor_respond_str(held, WACTOR_OK, held_out);
            held = 0;
        }
        char out[256];
        if (corr > 0)
            echo_headers(corr, out, sizeof out);
        if (corr > 0 && !strcmp(payload, "defer")) {
            held = corr;
            memcpy(held_out, out, sizeof out);
        } else if (corr > 0) {
            wactor_respond_str(corr, WACTOR_OK, out);
        }
    } else if (!strcmp(role, "front") || !strncmp(role, "relay:", 6)) {
        if (corr > 0) {
            asked_for = corr;
            wactor_request_str(role[0] == 'f' ? "back" : role + 6, "hi", 0);
        }
    } else if (!strcmp(role, "back")) {
        wactor_respond_header(corr, "x-back", "yes");
        wactor_respond_str(corr, WACTOR_OK, "back");
    } else if (!strcmp(role, "codes")) {
        codes(corr);
    }
    return 0;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)corr;
    (void)payload_len;
    char st[8], xback[16], out[64];
    if (!strncmp(role, "relay:", 6)) { /* pass the answer on */
        wactor_msg_payload_str(out, sizeof out);
        wactor_respond_str(asked_for, WACTOR_OK, out);
        return 0;
    }
    header_or_dash(":status", st, sizeof st);
    header_or_dash("x-back", xback, sizeof xback);
    snprintf(out, sizeof out, "%d %s %s", status, st, xback);
    wactor_respond_str(asked_for, WACTOR_OK, out);
    return 0;
}
