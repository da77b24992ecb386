/*
 * headers.c: the headers a message may carry (ABI.md v2, "Headers"), as
 * one encoded block: each header is (u8 name length, name, u16 value
 * length little-endian, value), in the order they were added. The same
 * pairs are the lattice wire's header list (docs/LATTICE.md), so a block
 * crosses hosts as it is.
 *
 * A block made by msg_hdrbuf_add is valid by construction; one from outside
 * (another host) is checked whole by msg_headers_valid before anything
 * reads it. The readers then trust the block's structure and never read
 * past its length.
 */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool msg_header_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > MSG_HEADER_NAME_MAX)
        return false;
    size_t i = name[0] == ':' ? 1 : 0; /* a pseudo-header: ":status" */
    if (i == len)
        return false;
    for (; i < len; i++)
        if (!name_char(name[i]))
            return false;
    return true;
}

/* The header at *off of a block known to be well-formed; false at its end. */
bool msg_headers_next(const msg_headers *h, size_t *off, msg_header *out)
{
    if (!h || *off >= h->len)
        return false;
    const uint8_t *p = h->p + *off;
    out->name = (const char *)p + 1;
    out->name_len = p[0];
    const uint8_t *v = p + 1 + p[0];
    out->value_len = (size_t)v[0] | (size_t)v[1] << 8;
    out->value = v + 2;
    *off += 1 + out->name_len + 2 + out->value_len;
    return true;
}

bool msg_headers_valid(const uint8_t *p, size_t len, size_t *count)
{
    size_t off = 0, n = 0;
    if (len > MSG_HEADERS_MAX)
        return false;
    while (off < len) {
        size_t nlen = p[off];
        if (len - off < 1 + nlen + 2 || !msg_header_name_valid((const char *)p + off + 1, nlen))
            return false;
        const uint8_t *v = p + off + 1 + nlen;
        size_t vlen = (size_t)v[0] | (size_t)v[1] << 8;
        if (vlen > MSG_HEADER_VALUE_MAX || len - off - 1 - nlen - 2 < vlen)
            return false;
        off += 1 + nlen + 2 + vlen;
        n++;
    }
    if (count)
        *count = n;
    return true;
}

bool msg_headers_find(const msg_headers *h, const char *name, size_t len, msg_header *out)
{
    size_t off = 0;
    while (msg_headers_next(h, &off, out))
        if (out->name_len == len && memcmp(out->name, name, len) == 0)
            return true;
    return false;
}

int msg_hdrbuf_add(msg_hdrbuf *b, const char *name, size_t nlen, const void *value, size_t vlen)
{
    if (!msg_header_name_valid(name, nlen) || vlen > MSG_HEADER_VALUE_MAX)
        return WACTOR_EINVAL;
    size_t need = 1 + nlen + 2 + vlen;
    if (need > MSG_HEADERS_MAX - b->len)
        return WACTOR_ETOOBIG;
    if (b->len + need > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + need)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            return WACTOR_ENOMEM;
        b->p = p;
        b->cap = (uint32_t)cap;
    }
    uint8_t *d = b->p + b->len;
    d[0] = (uint8_t)nlen;
    memcpy(d + 1, name, nlen);
    d[1 + nlen] = (uint8_t)vlen;
    d[2 + nlen] = (uint8_t)(vlen >> 8);
    if (vlen)
        memcpy(d + 3 + nlen, value, vlen);
    b->len += (uint32_t)need;
    return WACTOR_OK;
}

void msg_hdrbuf_free(msg_hdrbuf *b)
{
    free(b->p);
    *b = (msg_hdrbuf){0};
}
