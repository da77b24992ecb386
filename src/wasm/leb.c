/*
 * leb.c: primitive readers over untrusted bytes (LEB128, bytes).
 *
 * The binary format allows non-minimal LEB128 encodings but bounds them: an
 * N-bit integer takes at most ceil(N/7) bytes, and in the last allowed byte
 * the bits beyond N must be zero (unsigned) or copies of the sign bit
 * (signed). The spec tests tell the two failures apart ("integer
 * representation too long" vs "integer too large") and both from running out
 * of input ("unexpected end"), so every failure records its reason in
 * r->error for the caller's message.
 *
 * All readers check r->p < r->end before touching a byte; nothing here reads
 * outside [p, end) whatever the input.
 */
#include "module.h"

static bool read_fail(wa_reader *r, enum wa_read_error why)
{
    r->error = (uint8_t)why;
    return false;
}

/* Reads an N-bit LEB128 (1 <= bits <= 64). Signed results are sign-extended
 * to 64 bits, so callers only need to narrow. */
static bool read_leb(wa_reader *r, unsigned bits, bool is_signed, uint64_t *out)
{
    const unsigned maxbytes = (bits + 6) / 7;
    uint64_t result = 0;
    unsigned shift = 0;
    uint8_t b = 0;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end)
            return read_fail(r, WA_READ_END);
        b = *r->p++;
        if (i == maxbytes - 1) {
            if (b & 0x80)
                return read_fail(r, WA_READ_TOO_LONG);
            /* The last byte carries `used` significant bits (1..7). */
            const unsigned used = bits - shift;
            if (is_signed) {
                const uint8_t mask = (uint8_t)((0x7f << (used - 1)) & 0x7f);
                if ((b & mask) != 0 && (b & mask) != mask)
                    return read_fail(r, WA_READ_TOO_LARGE);
            } else if (used < 7 && (b >> used) != 0) {
                return read_fail(r, WA_READ_TOO_LARGE);
            }
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (is_signed && shift < 64 && (b & 0x40))
        result |= ~(uint64_t)0 << shift;
    *out = result;
    return true;
}

bool wa_read_u32(wa_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!read_leb(r, 32, false, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool wa_read_s32(wa_reader *r, int32_t *out)
{
    uint64_t v;
    if (!read_leb(r, 32, true, &v))
        return false;
    *out = (int32_t)(uint32_t)v; /* the value fits: bits 31..63 are sign copies */
    return true;
}

bool wa_read_s33(wa_reader *r, int64_t *out)
{
    uint64_t v;
    if (!read_leb(r, 33, true, &v))
        return false;
    *out = (int64_t)v;
    return true;
}

bool wa_read_s64(wa_reader *r, int64_t *out)
{
    uint64_t v;
    if (!read_leb(r, 64, true, &v))
        return false;
    *out = (int64_t)v;
    return true;
}

bool wa_read_u8(wa_reader *r, uint8_t *out)
{
    if (r->p >= r->end)
        return read_fail(r, WA_READ_END);
    *out = *r->p++;
    return true;
}

bool wa_read_bytes(wa_reader *r, uint32_t n, const uint8_t **out)
{
    if (n > (size_t)(r->end - r->p))
        return read_fail(r, WA_READ_LENGTH);
    *out = r->p;
    r->p += n;
    return true;
}

const char *wa_read_error_message(const wa_reader *r)
{
    switch (r->error) {
    case WA_READ_END:
        return "unexpected end";
    case WA_READ_TOO_LONG:
        return "integer representation too long";
    case WA_READ_TOO_LARGE:
        return "integer too large";
    case WA_READ_LENGTH:
        return "length out of bounds";
    default:
        return "malformed";
    }
}
