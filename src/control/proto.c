/*
 * proto.c: the control protocol's wire format (docs/CONTROL.md): a frame
 * is a 4-byte big-endian length L, then L bytes: the version, the type,
 * and the type's fields. Integers are big-endian; a str is a 2-byte
 * length and its bytes, a blob a 4-byte length and its bytes.
 *
 * Readers never trust a length: every get checks the bytes left, and a
 * reader that went past the end stays failed, so a decoder checks once,
 * at the end (ctl_reader_done).
 */
#include "control.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void put(ctl_buf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL) {
            b->failed = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

void ctl_put_u8(ctl_buf *b, uint8_t v)
{
    put(b, &v, 1);
}

void ctl_put_u32(ctl_buf *b, uint32_t v)
{
    uint8_t q[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, q, 4);
}

void ctl_put_u64(ctl_buf *b, uint64_t v)
{
    ctl_put_u32(b, (uint32_t)(v >> 32));
    ctl_put_u32(b, (uint32_t)v);
}

void ctl_put_str(ctl_buf *b, const char *s, size_t len)
{
    if (len > 0xffff)
        len = 0xffff; /* callers check; a name never comes near */
    uint8_t q[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    put(b, q, 2);
    put(b, s, len);
}

void ctl_put_blob(ctl_buf *b, const void *p, size_t len)
{
    ctl_put_u32(b, (uint32_t)len);
    put(b, p, len);
}

void ctl_frame_begin(ctl_buf *b, uint8_t type)
{
    b->len = 0;
    b->failed = false;
    ctl_put_u32(b, 0);
    ctl_put_u8(b, CTL_VERSION);
    ctl_put_u8(b, type);
}

bool ctl_frame_end(ctl_buf *b)
{
    if (b->failed || b->len < 6 || b->len - 4 > UINT32_MAX)
        return false;
    uint32_t n = (uint32_t)(b->len - 4);
    b->p[0] = (uint8_t)(n >> 24);
    b->p[1] = (uint8_t)(n >> 16);
    b->p[2] = (uint8_t)(n >> 8);
    b->p[3] = (uint8_t)n;
    return true;
}

void ctl_buf_free(ctl_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

uint32_t ctl_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const uint8_t *take(ctl_reader *r, size_t n)
{
    if (r->bad || r->len - r->off < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

uint8_t ctl_get_u8(ctl_reader *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint32_t ctl_get_u32(ctl_reader *r)
{
    const uint8_t *p = take(r, 4);
    return p ? ctl_be32(p) : 0;
}

uint64_t ctl_get_u64(ctl_reader *r)
{
    uint64_t hi = ctl_get_u32(r);
    return hi << 32 | ctl_get_u32(r);
}

const uint8_t *ctl_get_str(ctl_reader *r, size_t *len)
{
    const uint8_t *p = take(r, 2);
    *len = p ? (size_t)p[0] << 8 | p[1] : 0;
    const uint8_t *s = take(r, *len);
    if (s == NULL)
        *len = 0;
    return s;
}

const uint8_t *ctl_get_blob(ctl_reader *r, size_t *len)
{
    *len = ctl_get_u32(r);
    const uint8_t *s = take(r, *len);
    if (s == NULL)
        *len = 0;
    return s;
}

bool ctl_reader_done(const ctl_reader *r)
{
    return !r->bad && r->off == r->len;
}

void ctl_put_stats(ctl_buf *b, const wactor_stats *st)
{
    ctl_put_str(b, st->name, strnlen(st->name, sizeof st->name - 1));
    ctl_put_u8(b, (uint8_t)st->state);
    ctl_put_u64(b, st->restarts);
    ctl_put_u32(b, st->queued);
    ctl_put_u32(b, st->mailbox);
    ctl_put_u64(b, st->received);
    ctl_put_u64(b, st->sent);
    ctl_put_u64(b, st->crashes);
    ctl_put_u64(b, st->dropped);
    ctl_put_u32(b, st->pending);
    ctl_put_u64(b, st->memory);
    ctl_put_u64(b, st->storage);
    /* Version 2: the handlers' counters; the arrays carry their length. */
    ctl_put_u64(b, st->fuel);
    ctl_put_u64(b, st->handler_ns);
    ctl_put_u8(b, WACTOR_HANDLER_BUCKETS);
    for (int i = 0; i < WACTOR_HANDLER_BUCKETS; i++)
        ctl_put_u64(b, st->handler_hist[i]);
    ctl_put_u8(b, WACTOR_CRASH_KINDS);
    for (int i = 0; i < WACTOR_CRASH_KINDS; i++)
        ctl_put_u64(b, st->crashes_by[i]);
    /* Version 3: the last health answer, + 1 (0: none). */
    ctl_put_u8(b, (uint8_t)(st->health < 0 || st->health > 2 ? 0 : st->health + 1));
    /* Version 4: the tier its instance runs in (a wactor_tier; 0: no instance). */
    ctl_put_u8(
        b, (uint8_t)(st->tier == WACTOR_TIER_AOT || st->tier == WACTOR_TIER_INTERP ? st->tier : 0));
}

/* n u64s into v[0..cap); those past cap are read and dropped. */
static void get_u64s(ctl_reader *r, uint64_t *v, unsigned cap)
{
    unsigned n = ctl_get_u8(r);
    for (unsigned i = 0; i < n && !r->bad; i++) {
        uint64_t x = ctl_get_u64(r);
        if (i < cap)
            v[i] = x;
    }
}

bool ctl_get_stats(ctl_reader *r, wactor_stats *st)
{
    memset(st, 0, sizeof *st);
    size_t n = 0;
    const uint8_t *name = ctl_get_str(r, &n);
    if (name == NULL || n >= sizeof st->name)
        return false;
    memcpy(st->name, name, n);
    st->state = ctl_get_u8(r);
    st->restarts = ctl_get_u64(r);
    st->queued = ctl_get_u32(r);
    st->mailbox = ctl_get_u32(r);
    st->received = ctl_get_u64(r);
    st->sent = ctl_get_u64(r);
    st->crashes = ctl_get_u64(r);
    st->dropped = ctl_get_u64(r);
    st->pending = ctl_get_u32(r);
    st->memory = ctl_get_u64(r);
    st->storage = ctl_get_u64(r);
    st->fuel = ctl_get_u64(r);
    st->handler_ns = ctl_get_u64(r);
    get_u64s(r, st->handler_hist, WACTOR_HANDLER_BUCKETS);
    get_u64s(r, st->crashes_by, WACTOR_CRASH_KINDS);
    unsigned health = ctl_get_u8(r);
    st->health = health >= 1 && health <= 3 ? (int)health - 1 : -1;
    unsigned tier = ctl_get_u8(r);
    st->tier = tier == WACTOR_TIER_AOT || tier == WACTOR_TIER_INTERP ? (int)tier : 0;
    st->running = st->state != WACTOR_STATE_STOPPED && st->state != WACTOR_STATE_FAILED;
    return !r->bad;
}

void ctl_put_host(ctl_buf *b, const wactor_host_info *h)
{
    ctl_put_str(b, h->name, strnlen(h->name, sizeof h->name - 1));
    ctl_put_u8(b, h->self ? 1 : 0);
    ctl_put_u64(b, h->last_seen_ms);
    ctl_put_u64(b, h->sent);
    ctl_put_u64(b, h->received);
    ctl_put_u64(b, h->bytes_sent);
    ctl_put_u64(b, h->bytes_received);
    ctl_put_u64(b, h->lost);
    size_t n = h->components != NULL ? h->ncomponents : 0;
    ctl_put_u32(b, (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n));
    for (size_t i = 0; i < n && i < UINT32_MAX; i++) {
        const char *name = h->components[i] != NULL ? h->components[i] : "";
        ctl_put_str(b, name, strnlen(name, 255));
    }
}

bool ctl_get_host(ctl_reader *r, wactor_host_info *h)
{
    memset(h, 0, sizeof *h);
    size_t n = 0;
    const uint8_t *name = ctl_get_str(r, &n);
    if (name == NULL || n == 0 || n >= sizeof h->name || memchr(name, 0, n) != NULL)
        return false;
    memcpy(h->name, name, n);
    uint8_t self = ctl_get_u8(r);
    h->self = self == 1;
    h->last_seen_ms = ctl_get_u64(r);
    h->sent = ctl_get_u64(r);
    h->received = ctl_get_u64(r);
    h->bytes_sent = ctl_get_u64(r);
    h->bytes_received = ctl_get_u64(r);
    h->lost = ctl_get_u64(r);
    uint32_t count = ctl_get_u32(r);
    /* Each name takes at least 3 bytes: what is left bounds the count. */
    if (r->bad || self > 1 || count > (r->len - r->off) / 3)
        return false;
    if (count == 0)
        return true;
    h->components = calloc(count, sizeof *h->components);
    if (h->components == NULL)
        return false;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *c = ctl_get_str(r, &n);
        if (c == NULL || n == 0 || n > 255 || memchr(c, 0, n) != NULL ||
            (h->components[i] = malloc(n + 1)) == NULL) {
            h->ncomponents = i;
            return false;
        }
        memcpy(h->components[i], c, n);
        h->components[i][n] = '\0';
        h->ncomponents = i + 1;
    }
    return true;
}

void ctl_hosts_free(wactor_host_info *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++) {
        for (size_t j = 0; v[i].components != NULL && j < v[i].ncomponents; j++)
            free(v[i].components[j]);
        free(v[i].components);
    }
    free(v);
}

uint64_t ctl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
