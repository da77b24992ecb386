/*
 * lattice_wire_test.c: the lattice's frames (src/lattice/wire.h): every
 * kind survives a round trip, and hostile bytes are refused without a
 * crash: every truncation of every valid frame, lengths past the end, a
 * wrong version, bad names, bytes left over, link fields on frames that
 * have none. Also the framing of NATS messages (u32 length + frame).
 */
#include "harness.h"
#include "msg.h"
#include "wire.h"

#include <stdlib.h>

#define MAXP 4096

typedef struct sample {
    lat_buf b;
    uint8_t kind;
} sample;

static void header(lat_buf *b, uint8_t kind, bool link)
{
    lat_put_header(b, kind, 0, 0x1111, 0x2222, link ? 7 : 0, link ? 3 : 0);
}

/* Two headers as a message carries them: a pseudo-header and a plain one. */
static msg_headers sample_headers(msg_hdrbuf *hb)
{
    *hb = (msg_hdrbuf){0};
    CHECK(msg_hdrbuf_add(hb, ":status", 7, "201", 3) == WACTOR_OK);
    CHECK(msg_hdrbuf_add(hb, "x-trace", 7, "abc", 3) == WACTOR_OK);
    return msg_hdrbuf_view(hb);
}

static int make_samples(sample *s)
{
    msg_hdrbuf hb;
    msg_headers h = sample_headers(&hb);
    int n = 0;
    lat_buf *b;
    b = &s[n].b, s[n++].kind = LAT_HELLO;
    header(b, LAT_HELLO, false);
    lat_put_str(b, "host-a", 6);

    b = &s[n].b, s[n++].kind = LAT_HEARTBEAT;
    header(b, LAT_HEARTBEAT, false);
    lat_put_str(b, "host-a", 6);
    lat_put_u32(b, 42);

    b = &s[n].b, s[n++].kind = LAT_BYE;
    header(b, LAT_BYE, false);

    b = &s[n].b, s[n++].kind = LAT_STATE;
    header(b, LAT_STATE, true);
    lat_put_str(b, "host-a", 6);
    lat_put_u32(b, 5);
    lat_put_u16(b, 2);
    lat_put_str(b, "alpha", 5);
    lat_put_u32(b, 100);
    lat_put_u16(b, 2);
    lat_put_str(b, "news.*", 6);
    lat_put_str(b, "x.>", 3);
    lat_put_str(b, "beta", 4);
    lat_put_u32(b, 10);
    lat_put_u16(b, 0);

    b = &s[n].b, s[n++].kind = LAT_SEND;
    header(b, LAT_SEND, true);
    lat_put_str(b, "alpha", 5);
    lat_put_str(b, "beta", 4);
    lat_put_payload(b, h.p, h.len, "hello", 5);

    b = &s[n].b, s[n++].kind = LAT_REQUEST;
    header(b, LAT_REQUEST, true);
    lat_put_str(b, "@host", 5);
    lat_put_str(b, "beta", 4);
    lat_put_u64(b, 77);
    lat_put_u32(b, 1500);
    lat_put_payload(b, NULL, 0, "ping", 4);

    b = &s[n].b, s[n++].kind = LAT_REPLY;
    header(b, LAT_REPLY, true);
    lat_put_u64(b, 77);
    lat_put_u8(b, 3);
    lat_put_str(b, "why", 3);
    lat_put_payload(b, h.p, h.len, "host lost", 9);

    b = &s[n].b, s[n++].kind = LAT_PUBLISH;
    header(b, LAT_PUBLISH, true);
    lat_put_str(b, "alpha", 5);
    lat_put_str(b, "news.today", 10);
    lat_put_u16(b, 2);
    lat_put_str(b, "beta", 4);
    lat_put_str(b, "gamma", 5);
    lat_put_payload(b, NULL, 0, "", 0);

    b = &s[n].b, s[n++].kind = LAT_ACK;
    header(b, LAT_ACK, false);
    lat_put_u32(b, 7);
    lat_put_u64(b, 12);
    lat_put_u16(b, 1);
    lat_put_str(b, "beta", 4);
    lat_put_u64(b, 99);

    b = &s[n].b, s[n++].kind = LAT_RESET;
    header(b, LAT_RESET, false);
    lat_put_u32(b, 7);
    msg_hdrbuf_free(&hb);
    return n;
}

static void test_round_trips(void *arg)
{
    (void)arg;
    sample s[16] = {0};
    int n = make_samples(s);
    for (int i = 0; i < n; i++) {
        lat_frame f;
        REQUIRE(!s[i].b.failed);
        CHECK(lat_decode(s[i].b.p, s[i].b.len, MAXP, &f));
        CHECK(f.kind == s[i].kind && f.from == 0x1111 && f.to == 0x2222);
        switch (f.kind) {
        case LAT_HEARTBEAT:
            CHECK(f.state_version == 42 && f.host.len == 6 && !memcmp(f.host.p, "host-a", 6));
            break;
        case LAT_STATE: {
            CHECK(f.epoch == 7 && f.seq == 3 && f.state_version == 5 && f.entries.n == 2);
            size_t off = 0;
            lat_str name, pat;
            uint32_t window;
            uint16_t nsubs;
            lat_state_entry(&f.entries, &off, &name, &window, &nsubs);
            CHECK(name.len == 5 && !memcmp(name.p, "alpha", 5) && window == 100 && nsubs == 2);
            lat_state_pattern(&f.entries, &off, &pat);
            CHECK(pat.len == 6 && !memcmp(pat.p, "news.*", 6));
            lat_state_pattern(&f.entries, &off, &pat);
            lat_state_entry(&f.entries, &off, &name, &window, &nsubs);
            CHECK(name.len == 4 && window == 10 && nsubs == 0 && off == f.entries.len);
            break;
        }
        case LAT_SEND: {
            CHECK(f.sender.len == 5 && f.target.len == 4 && f.payload_len == 5 &&
                  !memcmp(f.payload, "hello", 5));
            msg_headers got = {f.headers, f.headers_len};
            msg_header one;
            CHECK(msg_headers_find(&got, "x-trace", 7, &one) && one.value_len == 3 &&
                  !memcmp(one.value, "abc", 3));
            CHECK(msg_headers_find(&got, ":status", 7, &one) && !memcmp(one.value, "201", 3));
            break;
        }
        case LAT_REQUEST:
            CHECK(f.corr == 77 && f.timeout_ms == 1500 && f.sender.len == 5 && f.headers_len == 0);
            break;
        case LAT_REPLY:
            CHECK(f.corr == 77 && f.status == 3 && f.reason.len == 3 && f.payload_len == 9);
            break;
        case LAT_PUBLISH: {
            CHECK(f.names.n == 2 && f.target.len == 10 && f.payload_len == 0);
            size_t off = 0;
            lat_str name;
            lat_name_next(&f.names, &off, &name);
            lat_name_next(&f.names, &off, &name);
            CHECK(name.len == 5 && !memcmp(name.p, "gamma", 5));
            break;
        }
        case LAT_ACK: {
            CHECK(f.ack_epoch == 7 && f.ack_seq == 12 && f.credits.n == 1);
            size_t off = 0;
            lat_str name;
            uint64_t consumed;
            lat_credit_next(&f.credits, &off, &name, &consumed);
            CHECK(consumed == 99 && name.len == 4);
            break;
        }
        case LAT_RESET:
            CHECK(f.ack_epoch == 7);
            break;
        }
        lat_buf_free(&s[i].b);
    }
}

/* Every prefix of every valid frame, and every frame with a byte more. */
static void test_truncations_and_leftovers(void *arg)
{
    (void)arg;
    sample s[16] = {0};
    int n = make_samples(s);
    for (int i = 0; i < n; i++) {
        lat_frame f;
        for (size_t len = 0; len < s[i].b.len; len++) {
            uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees overreads */
            memcpy(copy, s[i].b.p, len);
            CHECK(!lat_decode(copy, len, MAXP, &f));
            free(copy);
        }
        lat_put_u8(&s[i].b, 0);
        CHECK(!lat_decode(s[i].b.p, s[i].b.len, MAXP, &f));
        lat_buf_free(&s[i].b);
    }
}

/* Flips each byte of each frame to a few values: never a crash, and a
 * field that matters (version, kind, lengths) is caught. */
static void test_mutations(void *arg)
{
    (void)arg;
    sample s[16] = {0};
    int n = make_samples(s);
    static const uint8_t values[] = {0, 1, 0x7f, 0x80, 0xff};
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < s[i].b.len; k++) {
            uint8_t keep = s[i].b.p[k];
            for (size_t v = 0; v < sizeof values; v++) {
                s[i].b.p[k] = values[v];
                lat_frame f;
                (void)lat_decode(s[i].b.p, s[i].b.len, MAXP, &f);
            }
            s[i].b.p[k] = keep;
        }
        lat_frame f;
        s[i].b.p[0] = 2; /* version */
        CHECK(!lat_decode(s[i].b.p, s[i].b.len, MAXP, &f));
        s[i].b.p[0] = 1;
        s[i].b.p[1] = 99; /* kind */
        CHECK(!lat_decode(s[i].b.p, s[i].b.len, MAXP, &f));
        s[i].b.p[1] = s[i].kind;
        CHECK(lat_decode(s[i].b.p, s[i].b.len, MAXP, &f));
        lat_buf_free(&s[i].b);
    }
}

static void test_bad_fields(void *arg)
{
    (void)arg;
    lat_frame f;
    lat_buf b = {0};
    /* A bad target name. */
    header(&b, LAT_SEND, true);
    lat_put_str(&b, "alpha", 5);
    lat_put_str(&b, "be ta", 5);
    lat_put_payload(&b, NULL, 0, "x", 1);
    CHECK(!lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
    /* An empty name, and "@host" as a target. */
    header(&b, LAT_SEND, true);
    lat_put_str(&b, "@host", 5);
    lat_put_str(&b, "@host", 5);
    lat_put_payload(&b, NULL, 0, "x", 1);
    CHECK(!lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
    /* A payload over the limit. */
    header(&b, LAT_SEND, true);
    lat_put_str(&b, "a", 1);
    lat_put_str(&b, "b", 1);
    lat_put_payload(&b, NULL, 0, "0123456789", 10);
    CHECK(!lat_decode(b.p, b.len, 9, &f));
    CHECK(lat_decode(b.p, b.len, 10, &f));
    lat_buf_free(&b);
    /* A payload length past the end. */
    header(&b, LAT_SEND, true);
    lat_put_str(&b, "a", 1);
    lat_put_str(&b, "b", 1);
    lat_put_u16(&b, 0);
    lat_put_u32(&b, 0xffffffffu);
    CHECK(!lat_decode(b.p, b.len, UINT32_MAX, &f));
    lat_buf_free(&b);
    /* Header lists: a bad name, a count that does not match the pairs, a
     * value over 4096 bytes. */
    static const uint8_t bad_name[] = {2, 'X', 'y', 1, 0, 'v'};
    static const uint8_t one_pair[] = {1, 'a', 1, 0, 'v'};
    static const uint16_t counts[] = {1, 2, 1};
    const uint8_t *blocks[] = {bad_name, one_pair, one_pair};
    const size_t lens[] = {sizeof bad_name, sizeof one_pair, sizeof one_pair};
    for (int k = 0; k < 3; k++) {
        header(&b, LAT_SEND, true);
        lat_put_str(&b, "a", 1);
        lat_put_str(&b, "b", 1);
        lat_put_u16(&b, counts[k]);
        lat_put_bytes(&b, blocks[k], lens[k]);
        lat_put_u32(&b, 0);
        CHECK(lat_decode(b.p, b.len, MAXP, &f) == (k == 2));
        lat_buf_free(&b);
    }
    header(&b, LAT_SEND, true);
    lat_put_str(&b, "a", 1);
    lat_put_str(&b, "b", 1);
    lat_put_u16(&b, 1);
    lat_put_u8(&b, 1);
    lat_put_u8(&b, 'a');
    lat_put_u16(&b, 4097);
    for (int k = 0; k < 4097; k++)
        lat_put_u8(&b, 'v');
    lat_put_u32(&b, 0);
    CHECK(!lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
    /* "@http" is a sender (a host's HTTP requests), never a target. */
    header(&b, LAT_SEND, true);
    lat_put_str(&b, "@http", 5);
    lat_put_str(&b, "b", 1);
    lat_put_payload(&b, NULL, 0, "", 0);
    CHECK(lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
    /* A list count past the end. */
    header(&b, LAT_PUBLISH, true);
    lat_put_str(&b, "a", 1);
    lat_put_str(&b, "t", 1);
    lat_put_u16(&b, 60000);
    lat_put_str(&b, "b", 1);
    lat_put_payload(&b, NULL, 0, "", 0);
    CHECK(!lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
    /* A bad pattern in STATE. */
    header(&b, LAT_STATE, true);
    lat_put_str(&b, "h", 1);
    lat_put_u32(&b, 1);
    lat_put_u16(&b, 1);
    lat_put_str(&b, "a", 1);
    lat_put_u32(&b, 1);
    lat_put_u16(&b, 1);
    lat_put_str(&b, "a.>.b", 5);
    CHECK(!lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
    /* Link fields where there are none, none where needed, from 0. */
    lat_put_header(&b, LAT_BYE, 0, 1, 0, 1, 1);
    CHECK(!lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
    lat_put_header(&b, LAT_SEND, 0, 1, 2, 0, 0);
    lat_put_str(&b, "a", 1);
    lat_put_str(&b, "b", 1);
    lat_put_payload(&b, NULL, 0, "", 0);
    CHECK(!lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
    lat_put_header(&b, LAT_BYE, 0, 0, 0, 0, 0);
    CHECK(!lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
    /* A reply with a bad status or corr. */
    header(&b, LAT_REPLY, true);
    lat_put_u64(&b, 1);
    lat_put_u8(&b, 4);
    lat_put_str(&b, "", 0);
    lat_put_payload(&b, NULL, 0, "", 0);
    CHECK(!lat_decode(b.p, b.len, MAXP, &f));
    lat_buf_free(&b);
}

static void test_batches(void *arg)
{
    (void)arg;
    lat_buf m = {0};
    sample s[16] = {0};
    int n = make_samples(s);
    for (int i = 0; i < n; i++) {
        lat_put_u32(&m, (uint32_t)s[i].b.len);
        lat_put_bytes(&m, s[i].b.p, s[i].b.len);
    }
    size_t off = 0, flen;
    const uint8_t *frame;
    bool bad;
    int got = 0;
    while (lat_batch_next(m.p, m.len, &off, &frame, &flen, &bad)) {
        lat_frame f;
        CHECK(lat_decode(frame, flen, MAXP, &f) && f.kind == s[got].kind);
        got++;
    }
    CHECK(got == n && !bad);
    /* Cut anywhere: the frames before the cut, then `bad`. */
    for (size_t cut = 1; cut < m.len; cut++) {
        off = 0;
        while (lat_batch_next(m.p, cut, &off, &frame, &flen, &bad))
            ;
        CHECK(bad || off == cut);
    }
    /* A zero length is refused. */
    uint8_t zero[4] = {0};
    off = 0;
    CHECK(!lat_batch_next(zero, 4, &off, &frame, &flen, &bad) && bad);
    for (int i = 0; i < n; i++)
        lat_buf_free(&s[i].b);
    lat_buf_free(&m);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        {"round_trips", test_round_trips}, {"truncations", test_truncations_and_leftovers},
        {"mutations", test_mutations},     {"bad_fields", test_bad_fields},
        {"batches", test_batches},
    };
    return test_run(tests, sizeof tests / sizeof tests[0], argc > 1 ? argv[1] : "all", NULL);
}
