/*
 * client.c: the client side of the control protocol (docs/CONTROL.md), for
 * `call`, `send`, `stop`, `status` and `top`. Blocking, one request at a
 * time, every wait bounded: a server that stops answering makes a request
 * fail with a message, never hang.
 */
#include "control.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* How long an answer may take beyond the request's own timeout. */
#define CTL_CLIENT_GRACE_MS 10000

struct ctl_client {
    int fd;
    int pid;
    uint32_t max_message;
    char path[128];
    char error[512];
    char message[512];
    uint8_t *frame; /* the last answer's body (version, type, fields) */
    size_t frame_len;
};

static int fail(ctl_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(ctl_client *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
    return -1;
}

/* Waits for ev on the socket until deadline; false when it passed. */
static bool wait_for(ctl_client *c, short ev, uint64_t deadline)
{
    for (;;) {
        uint64_t now = ctl_now_ms();
        if (now >= deadline)
            return false;
        struct pollfd pf = {.fd = c->fd, .events = ev};
        uint64_t left = deadline - now;
        int r = poll(&pf, 1, left > 1000000 ? 1000000 : (int)left);
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
}

static int send_frame(ctl_client *c, ctl_buf *b, uint64_t deadline)
{
    if (!ctl_frame_end(b))
        return fail(c, "out of memory");
    size_t off = 0;
    while (off < b->len) {
        if (!wait_for(c, POLLOUT, deadline))
            return fail(c, "the running system at %s does not take requests", c->path);
        ssize_t n = send(c->fd, b->p + off, b->len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return fail(c, "the running system at %s closed the connection: %s", c->path,
                        n < 0 ? strerror(errno) : "end of file");
        off += (size_t)n;
    }
    return 0;
}

static int read_exact(ctl_client *c, uint8_t *p, size_t len, uint64_t deadline)
{
    size_t off = 0;
    while (off < len) {
        if (!wait_for(c, POLLIN, deadline))
            return fail(c, "no answer from the running system at %s in time", c->path);
        ssize_t n = recv(c->fd, p + off, len - off, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return fail(c, "the running system at %s closed the connection%s%s", c->path,
                        n < 0 ? ": " : " (is it stopping?)", n < 0 ? strerror(errno) : "");
        off += (size_t)n;
    }
    return 0;
}

/* The largest STATUS_LIST taken: 10000 components (the manifest's limit)
 * of at most 255 + 81 bytes each fit. */
#define CTL_CLIENT_MAX_STATUS (UINT32_C(8) << 20)

/* Reads one answer frame into c->frame; a RESULT answer's message is kept
 * in c->message. Returns its type, or -1. A frame over max_message +
 * CTL_FRAME_OVERHEAD (or `larger`, when given) is refused. */
static int read_frame_max(ctl_client *c, uint64_t deadline, ctl_reader *r, size_t larger)
{
    uint8_t h[4];
    if (read_exact(c, h, 4, deadline) != 0)
        return -1;
    uint32_t n = ctl_be32(h);
    size_t max = (size_t)(c->max_message ? c->max_message : 1u << 20) + CTL_FRAME_OVERHEAD;
    if (larger > max)
        max = larger;
    if (n < 2 || n > max)
        return fail(c, "the running system at %s sent a frame of %u bytes", c->path, n);
    free(c->frame);
    c->frame = malloc(n);
    c->frame_len = n;
    if (c->frame == NULL)
        return fail(c, "out of memory");
    if (read_exact(c, c->frame, n, deadline) != 0)
        return -1;
    if (c->frame[0] != CTL_VERSION)
        return fail(c, "the running system at %s speaks protocol version %u, not %u", c->path,
                    c->frame[0], CTL_VERSION);
    *r = (ctl_reader){.p = c->frame + 2, .len = n - 2};
    c->message[0] = '\0';
    if (c->frame[1] == CTL_A_RESULT) {
        /* A refusal may answer any request. */
        ctl_reader q = *r;
        ctl_get_u32(&q);
        size_t mlen = 0;
        const uint8_t *m = ctl_get_str(&q, &mlen);
        if (m != NULL) {
            if (mlen >= sizeof c->message)
                mlen = sizeof c->message - 1;
            memcpy(c->message, m, mlen);
            c->message[mlen] = '\0';
        }
    }
    return c->frame[1];
}

/* One request and its answer: sends b (and frees it), then reads the answer
 * frame (up to `larger` bytes if that is more than the usual cap). Returns
 * the answer's type, or -1 (the reason in c's message). */
static int exchange(ctl_client *c, ctl_buf *b, uint64_t deadline, size_t larger, ctl_reader *r)
{
    int rc = send_frame(c, b, deadline);
    ctl_buf_free(b);
    if (rc != 0)
        return -1;
    return read_frame_max(c, deadline, r, larger);
}

static int malformed(ctl_client *c)
{
    return fail(c, "the running system at %s sent a malformed answer", c->path);
}

int ctl_connect(const char *path, ctl_client **out, char *err, size_t errlen)
{
    *out = NULL;
    if (path == NULL || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return CTL_ABSENT;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot make a socket: %s", strerror(errno));
        return CTL_BROKEN;
    }
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, path, strlen(path) + 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR)
            return CTL_ABSENT;
        snprintf(err, errlen, "cannot connect to the control socket %s: %s", path, strerror(e));
        return CTL_BROKEN;
    }
    ctl_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return CTL_BROKEN;
    }
    c->fd = fd;
    snprintf(c->path, sizeof c->path, "%s", path);
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_HELLO);
    uint64_t deadline = ctl_now_ms() + CTL_CLIENT_GRACE_MS;
    ctl_reader r;
    int type = exchange(c, &b, deadline, 0, &r);
    if (type == CTL_A_HELLO) {
        ctl_get_u8(&r);
        c->pid = (int)ctl_get_u32(&r);
        size_t n;
        ctl_get_str(&r, &n);
        c->max_message = ctl_get_u32(&r);
        ctl_get_str(&r, &n);
        if (!r.bad) {
            *out = c;
            return CTL_CONNECTED;
        }
        malformed(c);
    } else if (type >= 0) {
        fail(c, "the control socket %s answered HELLO with %s", path,
             c->message[0] ? c->message : "an unexpected frame");
    }
    snprintf(err, errlen, "%s", c->error);
    ctl_client_free(c);
    return CTL_BROKEN;
}

void ctl_client_free(ctl_client *c)
{
    if (c == NULL)
        return;
    close(c->fd);
    free(c->frame);
    free(c);
}

int ctl_client_pid(const ctl_client *c)
{
    return c->pid;
}

uint32_t ctl_client_max_message(const ctl_client *c)
{
    return c->max_message;
}

const char *ctl_client_error(const ctl_client *c)
{
    return c->error;
}

const char *ctl_client_message(const ctl_client *c)
{
    return c->message;
}

int ctl_client_call(ctl_client *c, const char *target, const void *payload, size_t len,
                    uint32_t timeout_ms, int *result, int *status, void **answer,
                    size_t *answer_len)
{
    *answer = NULL;
    *answer_len = 0;
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_CALL);
    ctl_put_u32(&b, timeout_ms);
    ctl_put_str(&b, target, strlen(target));
    ctl_put_blob(&b, payload, len);
    uint64_t deadline = ctl_now_ms() + timeout_ms + CTL_CLIENT_GRACE_MS;
    ctl_reader r;
    int type = exchange(c, &b, deadline, 0, &r);
    if (type < 0)
        return -1;
    if (type == CTL_A_RESULT) { /* refused before it became a request */
        *result = (int)ctl_get_u32(&r);
        *status = WACTOR_STATUS_FAILED;
        return *result < 0 ? 0 : malformed(c);
    }
    if (type != CTL_A_CALL)
        return malformed(c);
    *result = (int)ctl_get_u32(&r);
    *status = ctl_get_u8(&r);
    size_t n = 0;
    const uint8_t *p = ctl_get_blob(&r, &n);
    if (!ctl_reader_done(&r) || p == NULL)
        return malformed(c);
    if (*result < 0) {
        if (n >= sizeof c->message)
            n = sizeof c->message - 1;
        memcpy(c->message, p, n);
        c->message[n] = '\0';
        return 0;
    }
    if (n > 0) {
        if ((*answer = malloc(n)) == NULL)
            return fail(c, "out of memory");
        memcpy(*answer, p, n);
        *answer_len = n;
    }
    return 0;
}

/* A request answered by a RESULT. */
static int simple(ctl_client *c, ctl_buf *b, uint64_t wait_ms, int *result)
{
    uint64_t deadline = ctl_now_ms() + wait_ms;
    ctl_reader r;
    int type = exchange(c, b, deadline, 0, &r);
    if (type < 0)
        return -1;
    if (type != CTL_A_RESULT)
        return malformed(c);
    *result = (int)ctl_get_u32(&r);
    return r.bad ? malformed(c) : 0;
}

int ctl_client_send(ctl_client *c, const char *target, const void *payload, size_t len, int *result)
{
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_SEND);
    ctl_put_str(&b, target, strlen(target));
    ctl_put_blob(&b, payload, len);
    return simple(c, &b, CTL_CLIENT_GRACE_MS, result);
}

int ctl_client_stop(ctl_client *c, const char *target, int *result)
{
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_STOP);
    ctl_put_str(&b, target ? target : "", target ? strlen(target) : 0);
    /* A component's stop waits for its mailbox to drain and its
     * wactor_on_shutdown, each handler within its time limit: wait long. */
    return simple(c, &b, 10 * 60 * 1000, result);
}

int ctl_client_reload(ctl_client *c, int *outcome, char **report)
{
    *report = NULL;
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_RELOAD);
    /* A reload stops and upgrades components, each waiting for its turn
     * (within the handlers' time limits): wait as long as a STOP. */
    uint64_t deadline = ctl_now_ms() + 10 * 60 * 1000;
    ctl_reader r;
    int type = exchange(c, &b, deadline, 0, &r);
    if (type < 0)
        return -1;
    if (type == CTL_A_RESULT)
        return fail(c, "reload refused: %s", c->message);
    if (type != CTL_A_RELOAD)
        return malformed(c);
    *outcome = ctl_get_u8(&r);
    size_t len = 0;
    const uint8_t *p = ctl_get_blob(&r, &len);
    if (r.bad || !ctl_reader_done(&r))
        return malformed(c);
    if ((*report = malloc(len + 1)) == NULL)
        return fail(c, "out of memory");
    if (len > 0)
        memcpy(*report, p, len);
    (*report)[len] = '\0';
    return 0;
}

int ctl_client_hosts(ctl_client *c, int *result, char **lattice, char **host, wactor_host_info **v,
                     size_t *n)
{
    *result = WACTOR_OK;
    *lattice = *host = NULL;
    *v = NULL;
    *n = 0;
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_HOSTS);
    uint64_t deadline = ctl_now_ms() + CTL_CLIENT_GRACE_MS;
    ctl_reader r;
    int type = exchange(c, &b, deadline, CTL_CLIENT_MAX_STATUS, &r);
    if (type < 0)
        return -1;
    if (type == CTL_A_RESULT) {
        int32_t code = (int32_t)ctl_get_u32(&r);
        *result = code < 0 ? code : WACTOR_EINVAL;
        return 0;
    }
    if (type != CTL_A_HOSTS)
        return malformed(c);
    size_t llen = 0, hlen = 0;
    const uint8_t *l = ctl_get_str(&r, &llen);
    const uint8_t *h = ctl_get_str(&r, &hlen);
    uint32_t count = ctl_get_u32(&r);
    if (r.bad || llen > 255 || hlen > 255 || count > r.len / 8)
        return malformed(c);
    wactor_host_info *hosts = calloc(count ? count : 1, sizeof *hosts);
    char *ls = malloc(llen + 1), *hs = malloc(hlen + 1);
    if (hosts == NULL || ls == NULL || hs == NULL) {
        free(hosts);
        free(ls);
        free(hs);
        return fail(c, "out of memory");
    }
    if (llen > 0)
        memcpy(ls, l, llen);
    ls[llen] = '\0';
    if (hlen > 0)
        memcpy(hs, h, hlen);
    hs[hlen] = '\0';
    for (uint32_t i = 0; i < count; i++)
        if (!ctl_get_host(&r, &hosts[i])) {
            ctl_hosts_free(hosts, i + 1);
            free(ls);
            free(hs);
            return malformed(c);
        }
    if (!ctl_reader_done(&r) || memchr(ls, 0, llen) != NULL || memchr(hs, 0, hlen) != NULL) {
        ctl_hosts_free(hosts, count);
        free(ls);
        free(hs);
        return malformed(c);
    }
    *lattice = ls;
    *host = hs;
    *v = hosts;
    *n = count;
    return 0;
}

int ctl_client_status(ctl_client *c, wactor_stats **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_STATUS);
    uint64_t deadline = ctl_now_ms() + CTL_CLIENT_GRACE_MS;
    ctl_reader r;
    int type = exchange(c, &b, deadline, CTL_CLIENT_MAX_STATUS, &r);
    if (type < 0)
        return -1;
    if (type == CTL_A_RESULT)
        return fail(c, "status refused: %s", c->message);
    if (type != CTL_A_STATUS)
        return malformed(c);
    uint32_t count = ctl_get_u32(&r);
    if (r.bad || count > r.len / 8) /* each entry is larger than 8 bytes */
        return malformed(c);
    wactor_stats *st = calloc(count ? count : 1, sizeof *st);
    if (st == NULL)
        return fail(c, "out of memory");
    for (uint32_t i = 0; i < count; i++)
        if (!ctl_get_stats(&r, &st[i])) {
            free(st);
            return malformed(c);
        }
    if (!ctl_reader_done(&r)) {
        free(st);
        return malformed(c);
    }
    *out = st;
    *n = count;
    return 0;
}

/* A name of an EDGES entry into dst (256 bytes): 1..255 bytes, no NUL. */
static bool get_name(ctl_reader *r, char *dst)
{
    size_t n = 0;
    const uint8_t *p = ctl_get_str(r, &n);
    if (p == NULL || n == 0 || n > 255 || memchr(p, 0, n) != NULL)
        return false;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return true;
}

int ctl_client_edges(ctl_client *c, wactor_edge **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    ctl_buf b = {0};
    ctl_frame_begin(&b, CTL_EDGES);
    uint64_t deadline = ctl_now_ms() + CTL_CLIENT_GRACE_MS;
    ctl_reader r;
    int type = exchange(c, &b, deadline, CTL_CLIENT_MAX_STATUS, &r);
    if (type < 0)
        return -1;
    if (type == CTL_A_RESULT)
        return fail(c, "edges refused: %s", c->message);
    if (type != CTL_A_EDGES)
        return malformed(c);
    uint32_t count = ctl_get_u32(&r);
    if (r.bad || count > r.len / 14) /* each entry takes at least 14 bytes */
        return malformed(c);
    wactor_edge *v = calloc(count ? count : 1, sizeof *v);
    if (v == NULL)
        return fail(c, "out of memory");
    for (uint32_t i = 0; i < count; i++) {
        if (!get_name(&r, v[i].from) || !get_name(&r, v[i].to)) {
            free(v);
            return malformed(c);
        }
        v[i].messages = ctl_get_u64(&r);
    }
    if (!ctl_reader_done(&r)) {
        free(v);
        return malformed(c);
    }
    *out = v;
    *n = count;
    return 0;
}
