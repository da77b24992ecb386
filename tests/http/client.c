/*
 * client.c: the HTTP clients tests/http/http_test.sh needs that curl is not:
 * many keep-alive connections at once, a slowloris, a client that leaves
 * while its request is pending. Plain sockets and poll(), HTTP/1.1 written
 * by hand (only what these tests send and the server answers: responses
 * with a Content-Length).
 *
 *   http_client concurrent PORT PATH CONNECTIONS ROUNDS SECONDS
 *       opens CONNECTIONS connections to 127.0.0.1:PORT at once; on each,
 *       ROUNDS requests one after the other on the same connection (POST
 *       PATH, body "echo c<conn>r<round>"), each answer checked to be 200
 *       with exactly its own body. Exit 0 when all are right within SECONDS.
 *   http_client slowloris PORT PATH SECONDS
 *       sends a request's headers one byte a second for SECONDS (writes
 *       "connected" on standard output once connected), then exits 0.
 *   http_client leave PORT PATH BODY
 *       sends one request and closes the connection without reading.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port;

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int dial(bool nonblocking)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("socket");
        exit(2);
    }
    if (nonblocking)
        fcntl(fd, F_SETFL, O_NONBLOCK);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        perror("connect");
        exit(2);
    }
    return fd;
}

static size_t request(char *buf, size_t cap, const char *path, const char *body)
{
    return (size_t)snprintf(buf, cap,
                            "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %zu\r\n"
                            "Content-Type: text/plain\r\n\r\n%s",
                            path, port, strlen(body), body);
}

/* ---- concurrent ---- */

typedef struct conn {
    int fd;
    int round;
    char out[512];
    size_t out_len, out_done;
    char in[4096];
    size_t in_len;
    char body[64];
    bool done, failed;
} conn;

static void next_request(conn *c, int id, const char *path)
{
    snprintf(c->body, sizeof c->body, "echo c%dr%d", id, c->round);
    c->out_len = request(c->out, sizeof c->out, path, c->body);
    c->out_done = 0;
    c->in_len = 0;
}

/* A whole response in c->in: 1 checked right, 0 not yet whole, -1 wrong. */
static int check_response(conn *c, int id)
{
    c->in[c->in_len] = '\0';
    char *end = strstr(c->in, "\r\n\r\n");
    if (end == NULL)
        return 0;
    size_t head = (size_t)(end - c->in) + 4;
    long len = -1;
    for (char *line = strstr(c->in, "\r\n"); line != NULL && line < end;
         line = strstr(line + 2, "\r\n"))
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
            len = strtol(line + 17, NULL, 10);
    if (len < 0) {
        fprintf(stderr, "connection %d: no Content-Length: %.*s\n", id, (int)head, c->in);
        return -1;
    }
    if (c->in_len < head + (size_t)len)
        return 0;
    int status = atoi(c->in + 9);
    if (status != 200 || (size_t)len != strlen(c->body) ||
        memcmp(c->in + head, c->body, (size_t)len) != 0) {
        fprintf(stderr, "connection %d round %d: expected 200 \"%s\", got %d \"%.*s\"\n", id,
                c->round, c->body, status, (int)len, c->in + head);
        return -1;
    }
    if (c->in_len != head + (size_t)len) {
        fprintf(stderr, "connection %d: bytes after the response\n", id);
        return -1;
    }
    return 1;
}

static int concurrent(const char *path, int n, int rounds, int seconds)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    conn *cs = calloc((size_t)n, sizeof *cs);
    struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
    if (cs == NULL || pfd == NULL)
        return 2;
    for (int i = 0; i < n; i++) {
        cs[i].fd = dial(true);
        next_request(&cs[i], i, path);
    }
    long long deadline = now_ms() + seconds * 1000LL;
    int left = n, failed = 0, answered = 0;
    while (left > 0 && now_ms() < deadline) {
        for (int i = 0; i < n; i++) {
            pfd[i].fd = cs[i].done ? -1 : cs[i].fd;
            pfd[i].events = cs[i].out_done < cs[i].out_len ? POLLOUT : POLLIN;
            pfd[i].revents = 0;
        }
        int r = poll(pfd, (nfds_t)n, 100);
        if (r < 0 && errno != EINTR) {
            perror("poll");
            return 2;
        }
        for (int i = 0; i < n && r > 0; i++) {
            conn *c = &cs[i];
            if (pfd[i].revents == 0 || c->done)
                continue;
            if (c->out_done < c->out_len) {
                ssize_t w =
                    send(c->fd, c->out + c->out_done, c->out_len - c->out_done, MSG_NOSIGNAL);
                if (w > 0)
                    c->out_done += (size_t)w;
                else if (w < 0 && errno != EAGAIN && errno != EINPROGRESS)
                    c->failed = true;
            } else {
                ssize_t got = recv(c->fd, c->in + c->in_len, sizeof c->in - 1 - c->in_len, 0);
                if (got == 0 || (got < 0 && errno != EAGAIN)) {
                    fprintf(stderr, "connection %d round %d: closed by the server\n", i, c->round);
                    c->failed = true;
                } else if (got > 0) {
                    c->in_len += (size_t)got;
                    int k = check_response(c, i);
                    if (k < 0)
                        c->failed = true;
                    else if (k > 0) {
                        answered++;
                        if (++c->round == rounds) {
                            c->done = true;
                            left--;
                        } else {
                            next_request(c, i, path);
                        }
                    }
                }
            }
            if (c->failed && !c->done) {
                c->done = true;
                left--;
                failed++;
            }
        }
    }
    for (int i = 0; i < n; i++)
        close(cs[i].fd);
    printf("%d connections, %d answers right, %d connections failed, %d unfinished\n", n, answered,
           failed, left);
    free(cs);
    free(pfd);
    return failed == 0 && left == 0 ? 0 : 1;
}

/* ---- slowloris, leave ---- */

static int slowloris(const char *path, int seconds)
{
    int fd = dial(false);
    printf("connected\n");
    fflush(stdout);
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", path);
    for (int i = 0; i < seconds; i++) {
        char b = i < n ? req[i] : 'a';
        if (send(fd, &b, 1, MSG_NOSIGNAL) != 1) {
            printf("closed by the server after %d bytes\n", i);
            break;
        }
        sleep(1); /* the attack's own pace, not a synchronisation */
    }
    close(fd);
    return 0;
}

static int leave(const char *path, const char *body)
{
    int fd = dial(false);
    char req[1024];
    size_t len = request(req, sizeof req, path, body);
    if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
        perror("send");
        return 2;
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 7 && strcmp(argv[1], "concurrent") == 0) {
        port = atoi(argv[2]);
        return concurrent(argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
    }
    if (argc >= 5 && strcmp(argv[1], "slowloris") == 0) {
        port = atoi(argv[2]);
        return slowloris(argv[3], atoi(argv[4]));
    }
    if (argc >= 5 && strcmp(argv[1], "leave") == 0) {
        port = atoi(argv[2]);
        return leave(argv[3], argv[4]);
    }
    fprintf(stderr, "usage: http_client concurrent PORT PATH CONNECTIONS ROUNDS SECONDS\n"
                    "       http_client slowloris PORT PATH SECONDS\n"
                    "       http_client leave PORT PATH BODY\n");
    return 2;
}
