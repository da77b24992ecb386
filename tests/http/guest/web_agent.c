/*
 * web_agent.c: the component behind tests/http (HTTP in). What it does is chosen by
 * the request body's first word, so that one component covers every case:
 *
 *   echo TEXT      answers the whole body (anything not listed is echoed too)
 *   status NNN     sets :status NNN and a header x-custom: yes
 *   header NAME    answers the request header NAME and sets it as x-echo
 *   request        answers "METHOD PATH AUTHORITY SENDER" (its pseudo-headers)
 *   error          answers ERROR
 *   never          never answers (the request times out: 504)
 *   crash          traps (the request fails: 502)
 *   block MS       keeps the worker busy for MS milliseconds, then answers
 *   big N          answers N bytes of 'x'
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wactor.h>

static char body[1 << 20];
static char out[1 << 20];

static int32_t answer(int64_t corr, int32_t status, const char *text, size_t len)
{
    return wactor_respond(corr, status, text, len) < 0;
}

static int is(const char *word, size_t n)
{
    size_t w = strlen(word);
    return n >= w && memcmp(body, word, w) == 0 && (n == w || body[w] == ' ');
}

/* A header of the current message as a C string ("" if absent). */
static const char *header(const char *name, char *buf, size_t cap)
{
    int32_t n = wactor_msg_header(name, buf, cap - 1);
    if (n < 0 || (size_t)n >= cap)
        n = 0;
    buf[n] = '\0';
    return buf;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (payload_len < 0 || (size_t)payload_len > sizeof body - 1)
        return 1;
    int32_t n = wactor_msg_payload(body, sizeof body - 1);
    body[n] = '\0';
    if (corr <= 0)
        return 0;
    if (is("never", (size_t)n))
        return 0;
    if (is("crash", (size_t)n))
        __builtin_trap();
    if (is("error", (size_t)n))
        return answer(corr, WACTOR_STATUS_ERROR, "failed on purpose", 17);
    if (is("block", (size_t)n)) {
        int64_t until = wactor_now_ms() + atoi(body + 6);
        while (wactor_now_ms() < until) {
        }
        return answer(corr, WACTOR_STATUS_OK, "done", 4);
    }
    if (is("big", (size_t)n)) {
        size_t len = (size_t)atoi(body + 4);
        len = len > sizeof out ? sizeof out : len;
        memset(out, 'x', len);
        return answer(corr, WACTOR_STATUS_OK, out, len);
    }
    char a[4096], b[4096], c[4096], d[256];
    if (is("status", (size_t)n)) {
        wactor_respond_header(corr, ":status", body + 7);
        wactor_respond_header(corr, "x-custom", "yes");
        return answer(corr, WACTOR_STATUS_OK, "status set", 10);
    }
    if (is("header", (size_t)n)) {
        header(body + 7, a, sizeof a);
        wactor_respond_header(corr, "x-echo", a);
        return answer(corr, WACTOR_STATUS_OK, a, strlen(a));
    }
    if (is("request", (size_t)n)) {
        header(":method", a, sizeof a);
        header(":path", b, sizeof b);
        header(":authority", c, sizeof c);
        int32_t sl = wactor_msg_sender(d, sizeof d - 1);
        d[sl > 0 && sl < (int32_t)sizeof d ? sl : 0] = '\0';
        size_t len = (size_t)snprintf(out, sizeof out, "%s %s %s %s", a, b, c, d);
        return answer(corr, WACTOR_STATUS_OK, out, len);
    }
    return answer(corr, WACTOR_STATUS_OK, body, (size_t)n);
}
