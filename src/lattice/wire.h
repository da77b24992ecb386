/*
 * wire.h: the lattice's frames (docs/LATTICE.md, "Frames"): encoding into a
 * growable buffer, and a decoder that treats every byte as hostile. A
 * decoded frame points into the bytes it was decoded from; its variable
 * parts (STATE entries, PUBLISH names, ACK credits) were checked whole by
 * the decoder and are walked with the lat_*_next readers below.
 */
#ifndef WACTOR_LATTICE_WIRE_H
#define WACTOR_LATTICE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAT_VERSION 1
/* version, kind, flags, from, to, epoch, seq */
#define LAT_HEADER_SIZE (1 + 1 + 2 + 8 + 8 + 4 + 8)
/* Each frame of a NATS message is prefixed by its u32 length. */
#define LAT_PREFIX_SIZE 4
/* The most a SEND or REQUEST frame (with its prefix) adds to its payload:
 * header, two names of at most 255 bytes, corr, timeout, an empty header
 * list and the payload's length. */
#define LAT_MESSAGE_OVERHEAD (LAT_PREFIX_SIZE + LAT_HEADER_SIZE + 2 * 256 + 8 + 4 + 2 + 4)
/* STATE frames are at most this big. */
#define LAT_STATE_MAX (1u << 20)

enum lat_kind {
    LAT_HELLO = 1,
    LAT_HEARTBEAT = 2,
    LAT_BYE = 3,
    LAT_STATE = 4,
    LAT_SEND = 5,
    LAT_REQUEST = 6,
    LAT_REPLY = 7,
    LAT_PUBLISH = 8,
    LAT_ACK = 9,
    LAT_RESET = 10,
};

/* ACK flags: the receiver saw a frame past the one it expected (resend). */
#define LAT_ACK_GAP 1u
/* RESET flags: the receiver has no record of the epoch at all (it never
 * accepted a frame of it): a sender none of whose frames of that epoch was
 * acknowledged resends from the first one instead of dropping the link. */
#define LAT_RESET_UNKNOWN 1u

static inline bool lat_kind_is_link(int kind)
{
    return kind >= LAT_STATE && kind <= LAT_PUBLISH;
}

typedef struct lat_str {
    const char *p;
    uint8_t len;
} lat_str;

/* A span of checked bytes holding n entries of a frame's list. */
typedef struct lat_list {
    const uint8_t *p;
    size_t len;
    uint16_t n;
} lat_list;

typedef struct lat_frame {
    uint8_t kind;
    uint16_t flags;
    uint64_t from, to;
    uint32_t epoch;
    uint64_t seq;
    lat_str host;           /* HELLO, HEARTBEAT, STATE */
    uint32_t state_version; /* HEARTBEAT, STATE */
    lat_list entries;       /* STATE: (name, window, nsubs, patterns) */
    lat_str sender, target; /* SEND, REQUEST; PUBLISH: sender, topic in target */
    int64_t corr;           /* REQUEST, REPLY */
    uint32_t timeout_ms;    /* REQUEST */
    uint8_t status;         /* REPLY */
    lat_str reason;         /* REPLY */
    lat_list names;         /* PUBLISH */
    const uint8_t *payload; /* SEND, REQUEST, REPLY, PUBLISH */
    uint32_t payload_len;
    /* SEND, REQUEST, REPLY, PUBLISH: the header pairs, a block checked
     * with msg_headers_valid (src/msg; 0 bytes: none). */
    const uint8_t *headers;
    uint32_t headers_len;
    uint32_t ack_epoch; /* ACK; RESET: the epoch reset */
    uint64_t ack_seq;
    lat_list credits; /* ACK: (target name, u64 consumed) */
} lat_frame;

/* Decodes one frame of exactly len bytes; payloads over max_payload, any
 * bad field or leftover byte: false. */
bool lat_decode(const uint8_t *p, size_t len, uint32_t max_payload, lat_frame *f);

/* Walks a NATS message's frames: *off starts at 0; true with the next
 * frame's bytes, false at the end or when the rest is malformed
 * (*bad set then). */
bool lat_batch_next(const uint8_t *msg, size_t len, size_t *off, const uint8_t **frame,
                    size_t *flen, bool *bad);

/* Readers of a checked list: *off starts at 0. */
void lat_state_entry(const lat_list *l, size_t *off, lat_str *name, uint32_t *window,
                     uint16_t *nsubs);
void lat_state_pattern(const lat_list *l, size_t *off, lat_str *pattern);
void lat_name_next(const lat_list *l, size_t *off, lat_str *name);
void lat_credit_next(const lat_list *l, size_t *off, lat_str *name, uint64_t *consumed);

/* ---- encoding ------------------------------------------------------------- */

typedef struct lat_buf {
    uint8_t *p;
    size_t len, cap;
    bool failed; /* out of memory: the contents are incomplete */
    bool fixed;  /* p is someone else's: never grown (more fails) */
} lat_buf;

void lat_buf_free(lat_buf *b);
/* Writes into cap bytes at p, which it never frees nor grows. */
static inline lat_buf lat_buf_fixed(uint8_t *p, size_t cap)
{
    return (lat_buf){.p = p, .cap = cap, .fixed = true};
}
void lat_put_u8(lat_buf *b, uint8_t v);
void lat_put_u16(lat_buf *b, uint16_t v);
void lat_put_u32(lat_buf *b, uint32_t v);
void lat_put_u64(lat_buf *b, uint64_t v);
void lat_put_bytes(lat_buf *b, const void *p, size_t n);
void lat_put_str(lat_buf *b, const char *s, size_t n); /* n <= 255 */
void lat_put_header(lat_buf *b, uint8_t kind, uint16_t flags, uint64_t from, uint64_t to,
                    uint32_t epoch, uint64_t seq);
/* Rewrites the link fields of the frame header at p (LAT_HEADER_SIZE bytes). */
void lat_patch_link(uint8_t *p, uint64_t to, uint32_t epoch, uint64_t seq);
/* The header list (a well-formed block of pairs, msg_headers; NULL: none)
 * and a payload. */
void lat_put_payload(lat_buf *b, const uint8_t *hdrs, uint32_t hlen, const void *p, uint32_t n);

#endif
