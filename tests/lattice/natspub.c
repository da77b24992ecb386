/*
 * natspub: a hostile or watching NATS client for the lattice tests (tests/lattice/lattice_test.sh).
 *
 *   natspub garbage URL LATTICE HOSTS BIG
 *       Learns the instance ids of HOSTS live hosts from their heartbeats on wactor.LATTICE.hb
 *       (docs/LATTICE.md, Frames: a NATS message is frames each prefixed by its u32 length; the
 *       header's `from` field), then publishes on the heartbeat subject and on every host's inbox
 *       wactor.LATTICE.h.ID: random bytes, length prefixes of 0 or past the end, truncated
 *       headers, a wrong version, unknown kinds, lengths past the end, bytes left over, a frame
 *       of BIG bytes, and a well-formed SEND from an instance nobody announced claiming a sender
 *       name it never announced (n:1 from "b1" to "a1"). Prints the count per subject, "done".
 *   natspub watch URL SUBJECT
 *       Counts the messages on SUBJECT (wildcards allowed); prints "ready" once subscribed and
 *       "msgs=N bytes=B" when SIGTERM or SIGINT ends it.
 *
 * Exit 0 on success, 1 with a message on standard error otherwise.
 */
#include <nats/nats.h>

#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, natsStatus s)
{
    fprintf(stderr, "natspub: %s: %s\n", what, natsStatus_GetText(s));
    exit(1);
}

/* A frame under construction. */
typedef struct {
    unsigned char *b;
    size_t n, cap;
} buf;

static void put(buf *f, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (f->n + n > f->cap) {
        f->cap = (f->n + n) * 2 + 64;
        f->b = realloc(f->b, f->cap);
        if (f->b == NULL)
            exit(1);
    }
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void put_le(buf *f, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char)(v >> (8 * i));
        put(f, &c, 1);
    }
}

static void put_str(buf *f, const char *s)
{
    put_le(f, strlen(s), 1);
    put(f, s, strlen(s));
}

static void header(buf *f, int version, int kind, uint64_t from, uint64_t to, uint32_t epoch,
                   uint64_t seq)
{
    f->n = 0;
    put_le(f, (uint64_t)version, 1);
    put_le(f, (uint64_t)kind, 1);
    put_le(f, 0, 2);
    put_le(f, from, 8);
    put_le(f, to, 8);
    put_le(f, epoch, 4);
    put_le(f, seq, 8);
}

static natsConnection *nc;
static int published;

static void pub_raw(const char *subject, const void *p, size_t n)
{
    natsStatus s = natsConnection_Publish(nc, subject, p, (int)n);
    if (s != NATS_OK)
        die("publish", s);
    published++;
}

/* One frame in a NATS message, with its length prefix. */
static void pub(const char *subject, const buf *f)
{
    buf m = {0};
    put_le(&m, f->n, 4);
    put(&m, f->b, f->n);
    pub_raw(subject, m.b, m.n);
    free(m.b);
}

/* Every hostile frame, to one subject; `to` is the receiver's instance id (0 on hb). */
static void barrage(const char *subject, uint64_t to, uint64_t fake, size_t big)
{
    buf f = {0};
    /* Random bytes of many lengths, including none: as a whole message, and as a frame. */
    for (size_t len = 0; len < 300; len += 7) {
        f.n = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)rand();
            put(&f, &c, 1);
        }
        pub_raw(subject, f.n ? (const void *)f.b : "", f.n);
        pub(subject, &f);
    }
    /* Length prefixes of 0, past the end, and a good frame followed by a cut one. */
    {
        header(&f, 1, 3, fake, to, 0, 0);
        buf m = {0};
        put_le(&m, 0, 4);
        pub_raw(subject, m.b, m.n);
        m.n = 0;
        put_le(&m, 1000, 4);
        put(&m, f.b, f.n);
        pub_raw(subject, m.b, m.n);
        m.n = 0;
        put_le(&m, 0xffffffffu, 4);
        pub_raw(subject, m.b, m.n);
        m.n = 0;
        put_le(&m, f.n, 4);
        put(&m, f.b, f.n);
        put_le(&m, f.n, 4);
        put(&m, f.b, f.n / 2);
        pub_raw(subject, m.b, m.n);
        free(m.b);
    }
    /* Every truncation of a header, and of a header that promises a body. */
    for (int kind = 0; kind <= 12; kind++) {
        header(&f, 1, kind, fake, to, 7, 1);
        for (size_t cut = 0; cut <= f.n; cut += 3) {
            buf g = {0};
            put(&g, f.b, cut);
            pub(subject, &g);
            free(g.b);
        }
    }
    /* A wrong version, unknown kinds. */
    for (int v = 0; v < 4; v++) {
        if (v == 1)
            continue;
        header(&f, v, 5, fake, to, 7, 1);
        put_str(&f, "b1");
        put_str(&f, "a1");
        put_le(&f, 0, 2);
        put_le(&f, 3, 4);
        put(&f, "n:1", 3);
        pub(subject, &f);
    }
    for (int kind = 11; kind < 256; kind += 17) {
        header(&f, 1, kind, fake, to, 7, 1);
        pub(subject, &f);
    }
    /* Lengths past the end: a name, a payload, a STATE count. */
    header(&f, 1, 5, fake, to, 7, 1);
    put_le(&f, 200, 1);
    put(&f, "b1", 2);
    pub(subject, &f);
    header(&f, 1, 5, fake, to, 7, 1);
    put_str(&f, "b1");
    put_str(&f, "a1");
    put_le(&f, 0, 2);
    put_le(&f, 0xffffffffu, 4);
    put(&f, "n:1", 3);
    pub(subject, &f);
    header(&f, 1, 4, fake, to, 7, 1);
    put_str(&f, "ghost");
    put_le(&f, 1, 4);
    put_le(&f, 65535, 2);
    pub(subject, &f);
    /* Names that break ABI.md's syntax, and bytes left over after a valid SEND. */
    header(&f, 1, 5, fake, to, 7, 1);
    put_str(&f, "b 1");
    put_str(&f, "a1..x");
    put_le(&f, 0, 2);
    put_le(&f, 3, 4);
    put(&f, "n:1", 3);
    pub(subject, &f);
    header(&f, 1, 5, fake, to, 7, 1);
    put_str(&f, "b1");
    put_str(&f, "a1");
    put_le(&f, 0, 2);
    put_le(&f, 3, 4);
    put(&f, "n:1", 3);
    put(&f, "junk", 4);
    pub(subject, &f);
    /* An ACK and a RESET from nobody, a REPLY for no request. */
    header(&f, 1, 9, fake, to, 0, 0);
    put_le(&f, 7, 4);
    put_le(&f, 1000, 8);
    put_le(&f, 1, 2);
    put_str(&f, "a1");
    put_le(&f, 1000000, 8);
    pub(subject, &f);
    header(&f, 1, 10, fake, to, 0, 0);
    put_le(&f, 7, 4);
    pub(subject, &f);
    header(&f, 1, 7, fake, to, 7, 1);
    put_le(&f, 12345, 8);
    put_le(&f, 0, 1);
    put_str(&f, "");
    put_le(&f, 0, 2);
    put_le(&f, 2, 4);
    put(&f, "hi", 2);
    pub(subject, &f);
    /* One big frame: a SEND whose payload fills it (with the prefix, BIG bytes). */
    header(&f, 1, 5, fake, to, 7, 1);
    put_str(&f, "b1");
    put_str(&f, "a1");
    put_le(&f, 0, 2);
    size_t room = big > f.n + 8 ? big - f.n - 8 : 0;
    put_le(&f, room, 4);
    for (size_t i = 0; i < room; i++) {
        unsigned char c = 'x';
        put(&f, &c, 1);
    }
    pub(subject, &f);
    /* Well formed, from an instance that announced nothing: "b1" is not its name to use. */
    header(&f, 1, 5, fake, to, 7, 1);
    put_str(&f, "b1");
    put_str(&f, "a1");
    put_le(&f, 0, 2);
    put_le(&f, 3, 4);
    put(&f, "n:1", 3);
    pub(subject, &f);
    free(f.b);
}

static int garbage(const char *url, const char *lattice, int hosts, size_t big)
{
    natsStatus s = natsConnection_ConnectTo(&nc, url);
    if (s != NATS_OK)
        die("connect", s);
    int64_t maxp = natsConnection_GetMaxPayload(nc);
    if ((int64_t)big > maxp)
        big = (size_t)maxp;
    char hb[300];
    snprintf(hb, sizeof hb, "wactor.%s.hb", lattice);
    natsSubscription *sub = NULL;
    s = natsConnection_SubscribeSync(&sub, nc, hb);
    if (s != NATS_OK)
        die("subscribe", s);
    uint64_t ids[16];
    int n = 0;
    int64_t deadline = nats_Now() + 30000;
    while (n < hosts && nats_Now() < deadline) {
        natsMsg *m = NULL;
        if (natsSubscription_NextMsg(&m, sub, 500) != NATS_OK)
            continue;
        /* The first frame, after its u32 length: version, kind, flags, from. */
        const unsigned char *d = (const unsigned char *)natsMsg_GetData(m);
        if (natsMsg_GetDataLength(m) >= 16 && d[4] == 1) {
            uint64_t id = 0;
            for (int i = 0; i < 8; i++)
                id |= (uint64_t)d[8 + i] << (8 * i);
            int seen = 0;
            for (int i = 0; i < n; i++)
                seen |= ids[i] == id;
            if (!seen && id != 0 && n < 16)
                ids[n++] = id;
        }
        natsMsg_Destroy(m);
    }
    natsSubscription_Destroy(sub);
    if (n < hosts) {
        fprintf(stderr, "natspub: heard %d of %d hosts on %s\n", n, hosts, hb);
        return 1;
    }
    srand(12);
    uint64_t fake = 0x5eed000000000001ull;
    barrage(hb, 0, fake, big);
    printf("hb: %d frames\n", published);
    for (int i = 0; i < n; i++) {
        char inbox[300];
        snprintf(inbox, sizeof inbox, "wactor.%s.h.%016" PRIx64, lattice, ids[i]);
        published = 0;
        barrage(inbox, ids[i], fake + 1 + (uint64_t)i, big);
        printf("%s: %d frames\n", inbox, published);
    }
    s = natsConnection_FlushTimeout(nc, 10000);
    if (s != NATS_OK)
        die("flush", s);
    printf("done\n");
    natsConnection_Destroy(nc);
    return 0;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int watch(const char *url, const char *subject)
{
    natsStatus s = natsConnection_ConnectTo(&nc, url);
    if (s != NATS_OK)
        die("connect", s);
    natsSubscription *sub = NULL;
    s = natsConnection_SubscribeSync(&sub, nc, subject);
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);
    if (s != NATS_OK)
        die("subscribe", s);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("ready\n");
    fflush(stdout);
    uint64_t msgs = 0, bytes = 0;
    while (!stop) {
        natsMsg *m = NULL;
        if (natsSubscription_NextMsg(&m, sub, 50) != NATS_OK)
            continue;
        msgs++;
        bytes += (uint64_t)natsMsg_GetDataLength(m);
        natsMsg_Destroy(m);
    }
    printf("msgs=%" PRIu64 " bytes=%" PRIu64 "\n", msgs, bytes);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "garbage") == 0)
        return garbage(argv[2], argv[3], atoi(argv[4]), (size_t)atol(argv[5]));
    if (argc == 4 && strcmp(argv[1], "watch") == 0)
        return watch(argv[2], argv[3]);
    fprintf(stderr, "usage: natspub garbage URL LATTICE HOSTS BIG | natspub watch URL SUBJECT\n");
    return 2;
}
