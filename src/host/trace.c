/*
 * trace.c: spans of handled messages (ABI.md v2, "Headers"; CLI.md's
 * runtime.trace) with W3C trace context.
 *
 * A message that carries a valid `traceparent` continues its trace: the
 * handler's span has the sender's span as parent. Without one, and with
 * tracing on, the handler starts a new trace. Either way, while the handler
 * runs, every message it sends (send, request, publish, its answers, its
 * HTTP calls) carries `traceparent: 00-TRACE-SPAN-01` naming its span, so
 * the next handler continues the trace. With tracing on, each span ends in
 * one JSON line: trace, span, parent, component, sender, kind, start,
 * duration, fuel (exact: the engine's metering of that one call) and
 * outcome. With tracing off and no traceparent, a message costs one test
 * of its header length.
 *
 * Lines to the trace file go through one buffered stream: the first line
 * after a write arms a timer that writes them all TRACE_FLUSH_MS later, so
 * tracing costs a write per batch, not per message; the runtime's end
 * writes what is left.
 *
 * Span ids come from a per-component generator (splitmix64) seeded from
 * the system's random source at the component's first span: distinct
 * across components and runs, touched only on the component's turns.
 */
#include "host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define TRACEPARENT_LEN 55 /* "00-" 32 hex "-" 16 hex "-" 2 hex */
/* Span lines are buffered and written at most this long after they were
 * made (a write per line would cost more than the handler). */
#define TRACE_FLUSH_MS 200u

static uint64_t next_id(host_span *s)
{
    if (!s->rng && getrandom(&s->rng, sizeof s->rng, 0) != sizeof s->rng)
        s->rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)s;
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return z ? z : 1; /* an all-zero id is invalid */
}

static int hex_value(char c)
{
    unsigned d = (unsigned)c - '0', x = (unsigned)c - 'a';
    return d < 10 ? (int)d : x < 6 ? (int)x + 10 : -1;
}

/* n bytes from 2n lowercase hex digits; false on any other character or an
 * all-zero value (invalid in W3C trace context). */
static bool from_hex(const uint8_t *s, size_t n, uint8_t *out)
{
    bool nonzero = false;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value((char)s[2 * i]), lo = hex_value((char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
        nonzero |= out[i] != 0;
    }
    return nonzero;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
}

/* Version 00: "00-" trace(32) "-" parent(16) "-" flags(2), nothing after. */
static bool parse_traceparent(const uint8_t *v, size_t len, uint8_t trace[16], uint8_t parent[8])
{
    return len == TRACEPARENT_LEN && v[0] == '0' && v[1] == '0' && v[2] == '-' && v[35] == '-' &&
           v[52] == '-' && from_hex(v + 3, 16, trace) && from_hex(v + 36, 8, parent) &&
           hex_value((char)v[53]) >= 0 && hex_value((char)v[54]) >= 0;
}

static void put_id(uint8_t *out, uint64_t id)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(id >> (56 - 8 * i));
}

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

void host_span_begin(host_component *c, const msg_envelope *e)
{
    host_span *s = &c->span;
    s->active = false;
    s->meta.headers.len = 0;
    bool tracing = c->rt->tracing;
    msg_headers h = msg_env_headers(e);
    msg_header tp;
    s->has_parent = msg_headers_find(&h, "traceparent", 11, &tp) &&
                    parse_traceparent(tp.value, tp.value_len, s->trace, s->parent);
    if (!s->has_parent) {
        if (!tracing)
            return;
        put_id(s->trace, next_id(s));
        put_id(s->trace + 8, next_id(s));
    }
    put_id(s->span, next_id(s));
    char value[TRACEPARENT_LEN];
    memcpy(value, "00-", 3);
    to_hex(s->trace, 16, value + 3);
    value[35] = '-';
    to_hex(s->span, 8, value + 36);
    memcpy(value + 52, "-01", 3);
    s->hdr.len = 0;
    if (msg_hdrbuf_add(&s->hdr, "traceparent", 11, value, sizeof value) != WACTOR_OK)
        return; /* out of memory: this span goes untraced */
    s->meta.headers = msg_hdrbuf_view(&s->hdr);
    s->active = true;
    if (tracing) {
        s->start_us = now_us();
        s->t0 = host_clock_ticks();
    }
}

static const char *kind_name(const msg_envelope *e)
{
    switch ((msg_kind)e->kind) {
    case MSG_SEND:
        return "send";
    case MSG_REQUEST:
        return "request";
    case MSG_PUBLISH:
        return "publish";
    case MSG_CALLBACK:
        return "callback";
    case MSG_CONTROL:
        break;
    }
    return "control";
}

/* A span's line, built by hand: the formatting is most of what a traced
 * message costs, and a printf of ten fields costs several times these few
 * copies. Every put stops at the buffer's end (the line is then dropped). */
typedef struct line_buf {
    char p[2600]; /* the longest line: a 255-byte name, a 255-byte sender escaped */
    size_t n;
    bool full;
} line_buf;

static void put(line_buf *l, const char *s, size_t len)
{
    if (len > sizeof l->p - 1 - l->n) {
        l->full = true;
        return;
    }
    memcpy(l->p + l->n, s, len);
    l->n += len;
}

static void put_lit(line_buf *l, const char *s)
{
    put(l, s, strlen(s));
}

static void put_hex(line_buf *l, const uint8_t *b, size_t n)
{
    char h[32];
    to_hex(b, n, h);
    put(l, h, 2 * n);
}

static void put_u64(line_buf *l, uint64_t v)
{
    char d[20];
    size_t i = sizeof d;
    do
        d[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    put(l, d + i, sizeof d - i);
}

/* A JSON string's contents (names are plain; a sender or reason may not be). */
static void put_json(line_buf *l, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            put(l, esc, 2);
        } else if (ch < 0x20) {
            char esc[6] = {
                '\\', 'u', '0', '0', "0123456789abcdef"[ch >> 4], "0123456789abcdef"[ch & 15]};
            put(l, esc, 6);
        } else {
            put(l, (const char *)&ch, 1);
        }
    }
}

/* The flush timer (on the timer thread). */
static void trace_flush_now(void *ctx, uint64_t key)
{
    (void)key;
    wactor_runtime *rt = ctx;
    pthread_mutex_lock(&rt->trace_lock);
    fflush(rt->trace_file);
    rt->trace_flush_armed = false;
    pthread_mutex_unlock(&rt->trace_lock);
}

void host_span_end(host_component *c, const msg_envelope *e, const char *outcome)
{
    host_span *s = &c->span;
    bool was = s->active;
    s->active = false;
    wactor_runtime *rt = c->rt;
    if (!was || !rt->tracing)
        return;
    uint64_t ns = host_clock_ns(host_clock_ticks() - s->t0);
    line_buf l;
    l.n = 0;
    l.full = false;
    put_lit(&l, "{\"trace\":\"");
    put_hex(&l, s->trace, 16);
    put_lit(&l, "\",\"span\":\"");
    put_hex(&l, s->span, 8);
    if (s->has_parent) {
        put_lit(&l, "\",\"parent\":\"");
        put_hex(&l, s->parent, 8);
        put_lit(&l, "\",\"component\":\"");
    } else {
        put_lit(&l, "\",\"parent\":null,\"component\":\"");
    }
    put(&l, c->proc.name, c->proc.name_len);
    put_lit(&l, "\",\"sender\":\"");
    put_json(&l, msg_env_sender(e), e->sender_len);
    put_lit(&l, "\",\"kind\":\"");
    put_lit(&l, kind_name(e));
    put_lit(&l, "\",\"start_us\":");
    put_u64(&l, s->start_us);
    put_lit(&l, ",\"duration_ns\":");
    put_u64(&l, ns);
    put_lit(&l, ",\"fuel\":");
    put_u64(&l, c->fuel_used);
    put_lit(&l, ",\"outcome\":\"");
    put_json(&l, outcome, strlen(outcome));
    put_lit(&l, "\"}");
    if (l.full)
        return;
    char *line = l.p;
    size_t n = l.n;
    if (rt->opts.trace) {
        rt->opts.trace(rt->opts.trace_arg, line, n);
        return;
    }
    line[n++] = '\n'; /* the buffer keeps a byte for it */
    pthread_mutex_lock(&rt->trace_lock);
    fwrite(line, 1, n, rt->trace_file);
    if (!rt->trace_flush_armed)
        rt->trace_flush_armed =
            rt_timer_start(rt->timers, &rt->trace_flush, TRACE_FLUSH_MS, trace_flush_now, rt, 0);
    if (!rt->trace_flush_armed) /* no timer (out of memory): at once */
        fflush(rt->trace_file);
    pthread_mutex_unlock(&rt->trace_lock);
}

void host_span_free(host_component *c)
{
    msg_hdrbuf_free(&c->span.hdr);
}

bool host_trace_open(wactor_runtime *rt)
{
    pthread_mutex_init(&rt->trace_lock, NULL);
    rt->tracing = rt->opts.trace != NULL || rt->opts.trace_path != NULL;
    if (!rt->opts.trace && rt->opts.trace_path) {
        rt->trace_file = fopen(rt->opts.trace_path, "a");
        if (rt->trace_file)
            setvbuf(rt->trace_file, NULL, _IOFBF, 1u << 16);
        if (!rt->trace_file) {
            host_fail(NULL, WACTOR_ESYSTEM, "trace file %s: cannot open: %s", rt->opts.trace_path,
                      strerror(errno));
            return false;
        }
    }
    return true;
}

void host_trace_close(wactor_runtime *rt)
{
    if (rt->trace_file)
        fclose(rt->trace_file);
    rt->trace_file = NULL;
    pthread_mutex_destroy(&rt->trace_lock);
}
