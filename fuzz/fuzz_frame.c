/*
 * fuzz_frame.c: libFuzzer target for the lattice's frame decoder
 * (src/lattice/wire.c). The input is taken as the data of a NATS message
 * on a lattice subject: a sequence of (u32 length, frame). Any crash or
 * sanitizer report is a bug; a refusal is an expected answer. A frame that
 * decodes must hold what the decoder promises: its lists walk to exactly
 * their length, its names are within the frame.
 *
 * Build and run: make fuzz; make fuzz-run-frame.
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const lat_frame *f, const uint8_t *p, size_t len)
{
    size_t off = 0;
    for (uint16_t i = 0; i < f->entries.n; i++) {
        lat_str name, pat;
        uint32_t window;
        uint16_t nsubs;
        lat_state_entry(&f->entries, &off, &name, &window, &nsubs);
        for (uint16_t k = 0; k < nsubs; k++)
            lat_state_pattern(&f->entries, &off, &pat);
    }
    if (off != f->entries.len)
        abort();
    off = 0;
    for (uint16_t i = 0; i < f->names.n; i++) {
        lat_str name;
        lat_name_next(&f->names, &off, &name);
    }
    if (off != f->names.len)
        abort();
    off = 0;
    for (uint16_t i = 0; i < f->credits.n; i++) {
        lat_str name;
        uint64_t consumed;
        lat_credit_next(&f->credits, &off, &name, &consumed);
    }
    if (off != f->credits.len)
        abort();
    if (f->payload_len &&
        (f->payload < p || f->payload + f->payload_len > p + len || f->payload_len > 65536))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0, flen;
    const uint8_t *frame;
    bool bad;
    while (lat_batch_next(data, size, &off, &frame, &flen, &bad)) {
        /* A copy of exactly the frame's size: a read past it is caught. */
        uint8_t *copy = malloc(flen);
        if (!copy)
            return 0;
        memcpy(copy, frame, flen);
        lat_frame f;
        if (lat_decode(copy, flen, 65536, &f))
            walk(&f, copy, flen);
        free(copy);
    }
    /* The whole input as one frame too. */
    lat_frame f;
    if (lat_decode(data, size, 65536, &f))
        walk(&f, data, size);
    return 0;
}
