/*
 * control_test.c: the control protocol's wire format (src/control/proto.c)
 * and the client against a server that misbehaves, without a runtime.
 *
 * - codec: every field type round-trips; a status entry round-trips.
 * - truncation: a frame cut at every byte fails to decode, never reads past
 *   its end (AddressSanitizer checks the "never").
 * - lengths: a str or blob whose length runs past the frame fails.
 * - hosts: a HOSTS_LIST entry round-trips (components included), and every
 *   truncation of it fails cleanly; a hostile component count allocates
 *   nothing.
 * - bad_server: a client talking to a socket that answers with garbage, an
 *   oversized length, or closes, reports CTL_BROKEN, never hangs or crashes.
 */
#include "control.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int failures;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);                  \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void test_codec(void)
{
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_CALL);
    ctl_put_u8(&b, 7);
    ctl_put_u32(&b, 0xdeadbeef);
    ctl_put_u64(&b, UINT64_C(0x0123456789abcdef));
    ctl_put_str(&b, "echo", 4);
    ctl_put_blob(&b, "\0pay\xff", 5);
    CHECK(ctl_frame_end(&b));
    CHECK(ctl_be32(b.p) == b.len - 4);
    CHECK(b.p[4] == CTL_VERSION && b.p[5] == CTL_CALL);
    ctl_reader r = {.p = b.p + 6, .len = b.len - 6};
    CHECK(ctl_get_u8(&r) == 7);
    CHECK(ctl_get_u32(&r) == 0xdeadbeef);
    CHECK(ctl_get_u64(&r) == UINT64_C(0x0123456789abcdef));
    size_t n = 0;
    const uint8_t *s = ctl_get_str(&r, &n);
    CHECK(s != NULL && n == 4 && memcmp(s, "echo", 4) == 0);
    s = ctl_get_blob(&r, &n);
    CHECK(s != NULL && n == 5 && memcmp(s, "\0pay\xff", 5) == 0);
    CHECK(ctl_reader_done(&r));
    ctl_get_u8(&r); /* one past the end */
    CHECK(!ctl_reader_done(&r));

    wactor_stats st = {.state = WACTOR_STATE_BACKING_OFF,
                       .restarts = 3,
                       .queued = 9,
                       .mailbox = 10,
                       .received = 1u << 20,
                       .sent = 5,
                       .crashes = 4,
                       .dropped = 2,
                       .pending = 1,
                       .memory = 65536,
                       .storage = 77};
    strcpy(st.name, "billing.eu");
    st.fuel = UINT64_C(1) << 40;
    st.handler_ns = 123456789;
    st.handler_hist[0] = 5;
    st.handler_hist[WACTOR_HANDLER_BUCKETS - 1] = 6;
    st.crashes_by[WACTOR_CRASH_FUEL] = 4;
    ctl_frame_begin(&b, CTL_A_STATUS);
    ctl_put_stats(&b, &st);
    CHECK(ctl_frame_end(&b));
    r = (ctl_reader){.p = b.p + 6, .len = b.len - 6};
    wactor_stats got;
    CHECK(ctl_get_stats(&r, &got));
    CHECK(ctl_reader_done(&r));
    CHECK(strcmp(got.name, "billing.eu") == 0 && got.state == st.state && got.restarts == 3 &&
          got.queued == 9 && got.mailbox == 10 && got.received == st.received && got.sent == 5 &&
          got.crashes == 4 && got.dropped == 2 && got.pending == 1 && got.memory == 65536 &&
          got.storage == 77 && got.running);
    CHECK(got.fuel == st.fuel && got.handler_ns == st.handler_ns && got.handler_hist[0] == 5 &&
          got.handler_hist[WACTOR_HANDLER_BUCKETS - 1] == 6 &&
          got.crashes_by[WACTOR_CRASH_FUEL] == 4 && got.crashes_by[WACTOR_CRASH_OTHER] == 0);
    ctl_buf_free(&b);
}

static void test_truncation(void)
{
    wactor_stats st = {.state = WACTOR_STATE_RUNNING};
    strcpy(st.name, "a");
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_A_STATUS);
    ctl_put_stats(&b, &st);
    CHECK(ctl_frame_end(&b));
    size_t whole = b.len - 6;
    for (size_t cut = 0; cut < whole; cut++) {
        /* A copy of exactly cut bytes, so a read past it is out of bounds. */
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, b.p + 6, cut);
        ctl_reader r = {.p = p, .len = cut};
        wactor_stats got;
        CHECK(!ctl_get_stats(&r, &got) || !ctl_reader_done(&r));
        free(p);
    }
    ctl_buf_free(&b);
}

static void test_hosts(void)
{
    char *names[] = {"db", "echo.eu"};
    wactor_host_info h = {.self = true,
                          .last_seen_ms = 1234,
                          .sent = 7,
                          .received = 8,
                          .bytes_sent = 1u << 20,
                          .bytes_received = 99,
                          .lost = 2,
                          .ncomponents = 2,
                          .components = names};
    strcpy(h.name, "web-1");
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_A_HOSTS);
    ctl_put_host(&b, &h);
    CHECK(ctl_frame_end(&b));
    CHECK(b.p[5] == CTL_A_HOSTS && CTL_HOSTS == 0x07 && CTL_A_HOSTS == 0x87);
    ctl_reader r = {.p = b.p + 6, .len = b.len - 6};
    wactor_host_info *got = calloc(1, sizeof *got);
    CHECK(ctl_get_host(&r, got) && ctl_reader_done(&r));
    CHECK(strcmp(got->name, "web-1") == 0 && got->self && got->last_seen_ms == 1234 &&
          got->sent == 7 && got->received == 8 && got->bytes_sent == 1u << 20 &&
          got->bytes_received == 99 && got->lost == 2 && got->ncomponents == 2 &&
          strcmp(got->components[0], "db") == 0 && strcmp(got->components[1], "echo.eu") == 0);
    ctl_hosts_free(got, 1);
    size_t whole = b.len - 6;
    for (size_t cut = 0; cut < whole; cut++) {
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, b.p + 6, cut);
        r = (ctl_reader){.p = p, .len = cut};
        got = calloc(1, sizeof *got);
        CHECK(!ctl_get_host(&r, got) || !ctl_reader_done(&r));
        ctl_hosts_free(got, 1); /* what a failed decode left is freed */
        free(p);
    }
    ctl_buf_free(&b);
    /* A component count of 2^32-1 with nothing after it. */
    h.ncomponents = 0;
    h.self = false;
    ctl_frame_begin(&b, CTL_A_HOSTS);
    ctl_put_host(&b, &h);
    CHECK(ctl_frame_end(&b));
    memset(b.p + b.len - 4, 0xff, 4);
    r = (ctl_reader){.p = b.p + 6, .len = b.len - 6};
    got = calloc(1, sizeof *got);
    CHECK(!ctl_get_host(&r, got) && got->components == NULL);
    ctl_hosts_free(got, 1);
    ctl_buf_free(&b);
}

static void test_lengths(void)
{
    /* A str claiming 65535 bytes with 3 present; a blob claiming 4 GiB. */
    uint8_t str[] = {0xff, 0xff, 'a', 'b', 'c'};
    ctl_reader r = {.p = str, .len = sizeof str};
    size_t n = 1;
    CHECK(ctl_get_str(&r, &n) == NULL && n == 0 && r.bad);
    uint8_t blob[] = {0xff, 0xff, 0xff, 0xff, 1, 2};
    r = (ctl_reader){.p = blob, .len = sizeof blob};
    CHECK(ctl_get_blob(&r, &n) == NULL && n == 0 && r.bad);
    /* Once bad, always bad, even for a read that would fit. */
    CHECK(ctl_get_u8(&r) == 0 && !ctl_reader_done(&r));
}

/* A server that accepts one connection, reads the HELLO, and answers with
 * `reply` (or closes when NULL). */
typedef struct bad_server {
    int fd;
    const uint8_t *reply;
    size_t len;
} bad_server;

static void *bad_server_main(void *arg)
{
    bad_server *s = arg;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    uint8_t hello[6];
    size_t got = 0;
    while (got < sizeof hello) {
        ssize_t n = read(c, hello + got, sizeof hello - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (s->reply != NULL) {
        ssize_t n = write(c, s->reply, s->len);
        (void)n;
    }
    close(c);
    return NULL;
}

static void test_bad_server(void)
{
    static const uint8_t garbage[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 1, 0x81};
    static const uint8_t version[] = {0, 0, 0, 2, 9, 0x81};
    static const uint8_t short_hello[] = {0, 0, 0, 3, 1, 0x81, 1}; /* fields missing */
    static const uint8_t refusal[] = {0, 0, 0, 8, 1, 0x80, 0xff, 0xff, 0xff, 0xff, 0, 0};
    const struct {
        const uint8_t *reply;
        size_t len;
    } cases[] = {{garbage, sizeof garbage - 1}, {huge, sizeof huge},
                 {version, sizeof version},     {short_hello, sizeof short_hello},
                 {refusal, sizeof refusal},     {NULL, 0}};
    char dir[] = "/tmp/wactor-control-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/s.sock", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad_server s = {.reply = cases[i].reply, .len = cases[i].len};
        s.fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        strcpy(a.sun_path, path);
        unlink(path);
        CHECK(bind(s.fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(s.fd, 1) == 0);
        pthread_t t;
        CHECK(pthread_create(&t, NULL, bad_server_main, &s) == 0);
        ctl_client *c = NULL;
        char err[256] = "";
        int rc = ctl_connect(path, &c, err, sizeof err);
        CHECK(rc == CTL_BROKEN && c == NULL && err[0] != '\0');
        if (rc != CTL_BROKEN)
            fprintf(stderr, "  case %zu: %d\n", i, rc);
        ctl_client_free(c);
        pthread_join(t, NULL);
        close(s.fd);
    }
    /* Nobody there: absent, not broken. */
    unlink(path);
    ctl_client *c = NULL;
    char err[256];
    CHECK(ctl_connect(path, &c, err, sizeof err) == CTL_ABSENT && c == NULL);
    rmdir(dir);
}

int main(void)
{
    test_codec();
    test_truncation();
    test_lengths();
    test_hosts();
    test_bad_server();
    if (failures == 0)
        printf("ok control\n");
    return failures != 0;
}
