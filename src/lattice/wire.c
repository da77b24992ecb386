/*
 * wire.c: frames in and out (docs/LATTICE.md, "Frames"). The decoder trusts
 * nothing: every length is checked against what is left, every name against
 * ABI.md's syntax (src/msg/name.h), and a frame with a byte left over is
 * refused whole. Lists are checked entirely here so that their readers,
 * used later under the lattice's lock, need no error paths.
 */
#include "wire.h"

#include "msg.h"
#include "name.h"

#include <stdlib.h>
#include <string.h>

/* ---- reading ---------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p;
    size_t len, off;
    bool ok;
} reader;

static const uint8_t *take(reader *r, size_t n)
{
    if (!r->ok || r->len - r->off < n) {
        r->ok = false;
        return NULL;
    }
    const uint8_t *at = r->p + r->off;
    r->off += n;
    return at;
}

static uint64_t get_le(reader *r, size_t n)
{
    const uint8_t *b = take(r, n);
    uint64_t v = 0;
    for (size_t i = 0; b && i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint8_t get_u8(reader *r)
{
    return (uint8_t)get_le(r, 1);
}
static uint16_t get_u16(reader *r)
{
    return (uint16_t)get_le(r, 2);
}
static uint32_t get_u32(reader *r)
{
    return (uint32_t)get_le(r, 4);
}
static uint64_t get_u64(reader *r)
{
    return get_le(r, 8);
}

static lat_str get_str(reader *r)
{
    lat_str s = {NULL, 0};
    s.len = get_u8(r);
    s.p = (const char *)take(r, s.len);
    if (!s.p)
        s.len = 0;
    return s;
}

static lat_str get_name(reader *r)
{
    lat_str s = get_str(r);
    if (r->ok && !msg_name_valid(s.p, s.len))
        r->ok = false;
    return s;
}

/* The sender of a message: a component's name, or a host's sender name
 * ("@host", "@http"). */
static lat_str get_sender(reader *r)
{
    lat_str s = get_str(r);
    if (r->ok && !msg_name_valid(s.p, s.len) && !msg_host_sender_valid(s.p, s.len))
        r->ok = false;
    return s;
}

/* The header list (ABI.md, Headers): its pairs are the block the message
 * carries, checked whole (names, value sizes, the count). */
static void get_headers(reader *r, lat_frame *f)
{
    uint16_t n = get_u16(r);
    size_t start = r->off;
    for (uint16_t i = 0; r->ok && i < n; i++) {
        take(r, get_u8(r));
        take(r, get_u16(r));
    }
    size_t len = r->off - start, count = 0;
    if (r->ok && (!msg_headers_valid(r->p + start, len, &count) || count != n))
        r->ok = false;
    f->headers = len ? r->p + start : NULL;
    f->headers_len = (uint32_t)len;
}

static void get_payload(reader *r, uint32_t max, lat_frame *f)
{
    get_headers(r, f);
    f->payload_len = get_u32(r);
    if (r->ok && f->payload_len > max)
        r->ok = false;
    f->payload = take(r, f->payload_len);
}

static void get_list_start(reader *r, lat_list *l)
{
    l->n = get_u16(r);
    l->p = r->p + r->off;
}

static void get_list_end(reader *r, lat_list *l)
{
    l->len = r->ok ? (size_t)(r->p + r->off - l->p) : 0;
}

bool lat_decode(const uint8_t *p, size_t len, uint32_t max_payload, lat_frame *f)
{
    memset(f, 0, sizeof *f);
    reader r = {p, len, 0, true};
    if (get_u8(&r) != LAT_VERSION)
        return false;
    f->kind = get_u8(&r);
    f->flags = get_u16(&r);
    f->from = get_u64(&r);
    f->to = get_u64(&r);
    f->epoch = get_u32(&r);
    f->seq = get_u64(&r);
    if (!r.ok || f->from == 0)
        return false;
    /* Link frames carry an epoch and a seq; the others none. */
    bool link = lat_kind_is_link(f->kind);
    if (link ? (f->epoch == 0 || f->seq == 0) : (f->epoch != 0 || f->seq != 0))
        return false;
    switch (f->kind) {
    case LAT_HELLO:
        f->host = get_name(&r);
        break;
    case LAT_HEARTBEAT:
        f->host = get_name(&r);
        f->state_version = get_u32(&r);
        break;
    case LAT_BYE:
        break;
    case LAT_STATE:
        if (len > LAT_STATE_MAX)
            return false;
        f->host = get_name(&r);
        f->state_version = get_u32(&r);
        get_list_start(&r, &f->entries);
        for (uint16_t i = 0; r.ok && i < f->entries.n; i++) {
            get_name(&r);
            get_u32(&r);
            uint16_t nsubs = get_u16(&r);
            for (uint16_t k = 0; r.ok && k < nsubs; k++) {
                lat_str pat = get_str(&r);
                if (r.ok && !msg_pattern_valid(pat.p, pat.len))
                    r.ok = false;
            }
        }
        get_list_end(&r, &f->entries);
        break;
    case LAT_SEND:
    case LAT_REQUEST:
        f->sender = get_sender(&r);
        f->target = get_name(&r);
        if (f->kind == LAT_REQUEST) {
            f->corr = (int64_t)get_u64(&r);
            f->timeout_ms = get_u32(&r);
            if (r.ok && f->corr <= 0)
                return false;
        }
        get_payload(&r, max_payload, f);
        break;
    case LAT_REPLY:
        f->corr = (int64_t)get_u64(&r);
        f->status = get_u8(&r);
        f->reason = get_str(&r);
        if (r.ok && (f->corr <= 0 || f->status > 3))
            return false;
        get_payload(&r, max_payload, f);
        break;
    case LAT_PUBLISH:
        f->sender = get_sender(&r);
        f->target = get_name(&r);
        get_list_start(&r, &f->names);
        for (uint16_t i = 0; r.ok && i < f->names.n; i++)
            get_name(&r);
        get_list_end(&r, &f->names);
        get_payload(&r, max_payload, f);
        break;
    case LAT_ACK:
        f->ack_epoch = get_u32(&r);
        f->ack_seq = get_u64(&r);
        get_list_start(&r, &f->credits);
        for (uint16_t i = 0; r.ok && i < f->credits.n; i++) {
            get_name(&r);
            get_u64(&r);
        }
        get_list_end(&r, &f->credits);
        break;
    case LAT_RESET:
        f->ack_epoch = get_u32(&r);
        break;
    default:
        return false;
    }
    return r.ok && r.off == len;
}

bool lat_batch_next(const uint8_t *msg, size_t len, size_t *off, const uint8_t **frame,
                    size_t *flen, bool *bad)
{
    *bad = false;
    if (*off == len)
        return false;
    reader r = {msg, len, *off, true};
    uint32_t n = get_u32(&r);
    const uint8_t *at = take(&r, n);
    if (!at || n == 0) {
        *bad = true;
        return false;
    }
    *frame = at;
    *flen = n;
    *off = r.off;
    return true;
}

void lat_state_entry(const lat_list *l, size_t *off, lat_str *name, uint32_t *window,
                     uint16_t *nsubs)
{
    reader r = {l->p, l->len, *off, true};
    *name = get_str(&r);
    *window = get_u32(&r);
    *nsubs = get_u16(&r);
    *off = r.off;
}

void lat_state_pattern(const lat_list *l, size_t *off, lat_str *pattern)
{
    reader r = {l->p, l->len, *off, true};
    *pattern = get_str(&r);
    *off = r.off;
}

void lat_name_next(const lat_list *l, size_t *off, lat_str *name)
{
    lat_state_pattern(l, off, name);
}

void lat_credit_next(const lat_list *l, size_t *off, lat_str *name, uint64_t *consumed)
{
    reader r = {l->p, l->len, *off, true};
    *name = get_str(&r);
    *consumed = get_u64(&r);
    *off = r.off;
}

/* ---- writing ---------------------------------------------------------------- */

void lat_buf_free(lat_buf *b)
{
    free(b->p);
    *b = (lat_buf){0};
}

static uint8_t *room(lat_buf *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (b->cap - b->len < n) {
        if (b->fixed) {
            b->failed = true;
            return NULL;
        }
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    uint8_t *at = b->p + b->len;
    b->len += n;
    return at;
}

static void put_le(lat_buf *b, uint64_t v, size_t n)
{
    uint8_t *at = room(b, n);
    for (size_t i = 0; at && i < n; i++)
        at[i] = (uint8_t)(v >> (8 * i));
}

void lat_put_u8(lat_buf *b, uint8_t v)
{
    put_le(b, v, 1);
}
void lat_put_u16(lat_buf *b, uint16_t v)
{
    put_le(b, v, 2);
}
void lat_put_u32(lat_buf *b, uint32_t v)
{
    put_le(b, v, 4);
}
void lat_put_u64(lat_buf *b, uint64_t v)
{
    put_le(b, v, 8);
}

void lat_put_bytes(lat_buf *b, const void *p, size_t n)
{
    uint8_t *at = room(b, n);
    if (at && n)
        memcpy(at, p, n);
}

void lat_put_str(lat_buf *b, const char *s, size_t n)
{
    lat_put_u8(b, (uint8_t)n);
    lat_put_bytes(b, s, n);
}

void lat_put_header(lat_buf *b, uint8_t kind, uint16_t flags, uint64_t from, uint64_t to,
                    uint32_t epoch, uint64_t seq)
{
    lat_put_u8(b, LAT_VERSION);
    lat_put_u8(b, kind);
    lat_put_u16(b, flags);
    lat_put_u64(b, from);
    lat_put_u64(b, to);
    lat_put_u32(b, epoch);
    lat_put_u64(b, seq);
}

void lat_patch_link(uint8_t *p, uint64_t to, uint32_t epoch, uint64_t seq)
{
    for (size_t i = 0; i < 8; i++)
        p[12 + i] = (uint8_t)(to >> (8 * i));
    for (size_t i = 0; i < 4; i++)
        p[20 + i] = (uint8_t)(epoch >> (8 * i));
    for (size_t i = 0; i < 8; i++)
        p[24 + i] = (uint8_t)(seq >> (8 * i));
}

void lat_put_payload(lat_buf *b, const uint8_t *hdrs, uint32_t hlen, const void *p, uint32_t n)
{
    size_t count = 0;
    if (hlen)
        msg_headers_valid(hdrs, hlen, &count); /* ours: well-formed, at most 16384 pairs */
    lat_put_u16(b, (uint16_t)count);
    lat_put_bytes(b, hdrs, hlen);
    lat_put_u32(b, n);
    lat_put_bytes(b, p, n);
}
