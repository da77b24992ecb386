/*
 * server.c: the control socket's server (docs/CONTROL.md), one thread
 * around poll().
 *
 * Design:
 * - One thread owns the listening socket and every connection; nothing it
 *   does blocks: sockets are non-blocking, wactor_send and wactor_stats_all
 *   never wait, a CALL is a wactor_request whose callback (on a runtime
 *   worker) copies the answer into the operation and posts it back through
 *   a mutex-protected list and a pipe that wakes poll(). A component's STOP
 *   (wactor_stop waits for its mailbox to drain) and a RELOAD (the
 *   embedder's reload function stops, upgrades and spawns) run on a helper
 *   thread that posts the same way. So no runtime worker ever waits for the
 *   server, and the server never waits for a worker.
 * - A connection carries one request at a time: it is not read while its
 *   request is in flight or its answer is being written, which bounds what
 *   one client can make the server hold to one frame in and one answer out.
 * - Hostile input costs its connection only: a frame's length is checked
 *   before anything is kept (at most max_message + CTL_FRAME_OVERHEAD),
 *   the read buffer grows with the bytes actually received, a frame must
 *   arrive whole within CTL_FRAME_DEADLINE_MS of its first byte, an answer
 *   must be taken within CTL_WRITE_DEADLINE_MS, an idle connection is closed
 *   after CTL_IDLE_MS, and at most CTL_MAX_CONNECTIONS are open (more are
 *   closed at once). A malformed frame gets an EINVAL result, then the
 *   connection is closed.
 * - Exactly-once: an operation is freed by the server thread only after its
 *   completion was posted (or wactor_cancel said the callback will never
 *   run). `outstanding` counts operations whose completion is still to
 *   come; ctl_server_stop cancels the calls it can and waits for the rest,
 *   so no callback touches a freed server.
 */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct ctl_listener {
    int fd, lock_fd;
    char *path;
};

typedef struct ctl_op {
    struct ctl_op *next;     /* in the done list */
    struct ctl_op *all_next; /* in the server's list of ops not yet freed */
    struct ctl_server *srv;
    uint64_t conn_id;
    uint8_t kind; /* CTL_CALL, CTL_STOP or CTL_RELOAD */
    int64_t corr;
    int result;
    int status;
    uint8_t *payload; /* malloc'd answer, or message for a refusal */
    size_t len;
    bool nomem;
    char target[256];
    pthread_t thread; /* CTL_STOP, CTL_RELOAD */
} ctl_op;

typedef struct ctl_conn {
    int fd; /* -1: free slot */
    uint64_t id;
    uint8_t *in;
    size_t in_len, in_cap;
    ctl_buf out;
    size_t out_off;
    uint64_t frame_start, write_start, last_active;
    ctl_op *op;
    bool closing; /* close once the answer is written */
} ctl_conn;

struct ctl_server {
    ctl_server_options o;
    ctl_listener *l;
    pthread_t thread;
    int wake[2];
    size_t max_frame;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ctl_op *done;         /* posted completions (mu) */
    unsigned outstanding; /* ops whose completion is still to come (mu) */
    bool quit;            /* (mu) */
    ctl_op *all;          /* server thread only */
    ctl_conn conns[CTL_MAX_CONNECTIONS];
    uint64_t next_id;
    bool full_logged; /* "refusing" said once until a slot frees */
};

static void srv_log(ctl_server *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void srv_log(ctl_server *s, int level, const char *fmt, ...)
{
    if (s->o.log == NULL)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->o.log(s->o.log_arg, level, line);
}

/* ---- the listener ------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The pid of the process listening at path, or 0. */
static int peer_pid(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, path, strlen(path) + 1);
    int pid = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        struct ucred cr;
        socklen_t n = sizeof cr;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) == 0)
            pid = (int)cr.pid;
    }
    close(fd);
    return pid;
}

ctl_listener *ctl_listen(const char *path, char *err, size_t errlen, int *other_pid)
{
    *other_pid = 0;
    size_t plen = strlen(path);
    if (plen >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        set_err(err, errlen,
                "control socket %s: %zu bytes, but a Unix socket's path holds at most %zu: set "
                "runtime.control to a shorter path (or null for no control socket)",
                path, plen, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
        return NULL;
    }
    /* The socket's folder (.wactor by default): created private. */
    char *dir = strdup(path);
    ctl_listener *l = calloc(1, sizeof *l);
    char *lock = malloc(plen + 6);
    if (dir == NULL || l == NULL || lock == NULL) {
        set_err(err, errlen, "control socket %s: out of memory", path);
        free(dir);
        free(l);
        free(lock);
        return NULL;
    }
    l->fd = l->lock_fd = -1;
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            set_err(err, errlen, "control socket %s: cannot create the folder %s: %s", path, dir,
                    strerror(errno));
            goto fail;
        }
    }
    /* The lock says "a run owns this socket" for exactly as long as that
     * process lives: the kernel drops it when the process dies, so a socket
     * file without a lock holder is stale. */
    snprintf(lock, plen + 6, "%s.lock", path);
    l->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (l->lock_fd < 0) {
        set_err(err, errlen, "control socket %s: cannot open its lock %s: %s", path, lock,
                strerror(errno));
        goto fail;
    }
    if (flock(l->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            *other_pid = peer_pid(path);
            if (*other_pid > 0)
                set_err(err, errlen, "this manifest is already running (pid %d, control socket %s)",
                        *other_pid, path);
            else
                set_err(err, errlen,
                        "this manifest is already running or starting (its lock %s is held)", lock);
        } else {
            set_err(err, errlen, "control socket %s: cannot lock %s: %s", path, lock,
                    strerror(errno));
        }
        goto fail;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            set_err(err, errlen, "control socket %s: exists and is not a socket", path);
            goto fail;
        }
        unlink(path); /* stale: its run is gone (we hold the lock) */
    }
    l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, path, plen + 1);
    /* Mode 0600 before listen: until then a connect is refused, so nobody
     * reaches the socket under the umask's mode. */
    if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&a, sizeof a) != 0 || chmod(path, 0600) != 0 ||
        listen(l->fd, CTL_MAX_CONNECTIONS) != 0) {
        set_err(err, errlen, "control socket %s: %s", path, strerror(errno));
        if (l->fd >= 0)
            unlink(path);
        goto fail;
    }
    l->path = dir;
    strcpy(l->path, path);
    free(lock);
    return l;
fail:
    if (l->fd >= 0)
        close(l->fd);
    if (l->lock_fd >= 0)
        close(l->lock_fd);
    free(l);
    free(dir);
    free(lock);
    return NULL;
}

void ctl_listener_free(ctl_listener *l)
{
    if (l == NULL)
        return;
    if (l->fd >= 0) {
        unlink(l->path); /* still holding the lock: the file is ours */
        close(l->fd);
    }
    if (l->lock_fd >= 0)
        close(l->lock_fd);
    free(l->path);
    free(l);
}

bool ctl_wait_released(const char *path, uint32_t timeout_ms)
{
    size_t n = strlen(path) + 6;
    char *lock = malloc(n);
    if (lock == NULL)
        return false;
    snprintf(lock, n, "%s.lock", path);
    int fd = open(lock, O_RDONLY | O_CLOEXEC);
    free(lock);
    if (fd < 0)
        return errno == ENOENT;
    uint64_t deadline = ctl_now_ms() + timeout_ms;
    bool free_now = false;
    /* Polling: flock has no timeout, and a stop takes what the components'
     * shutdown takes. */
    while (!(free_now = flock(fd, LOCK_SH | LOCK_NB) == 0) && ctl_now_ms() < deadline)
        poll(NULL, 0, 20);
    close(fd);
    return free_now;
}

/* ---- completions -------------------------------------------------------- */

static void post(ctl_op *op)
{
    ctl_server *s = op->srv;
    pthread_mutex_lock(&s->mu);
    op->next = s->done;
    s->done = op;
    s->outstanding--;
    pthread_cond_broadcast(&s->cv);
    /* Under the lock: ctl_server_stop closes the pipe only once
     * outstanding is 0. A full pipe already wakes the server. */
    ssize_t w = write(s->wake[1], "", 1);
    (void)w;
    pthread_mutex_unlock(&s->mu);
}

/* A runtime worker (or the requesting thread): copy and post. */
static void call_done(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    (void)corr;
    ctl_op *op = arg;
    op->result = WACTOR_OK;
    op->status = status;
    if (len > 0) {
        op->payload = malloc(len);
        if (op->payload != NULL) {
            memcpy(op->payload, payload, len);
            op->len = len;
        } else {
            op->nomem = true;
        }
    }
    post(op);
}

static void *stop_thread(void *arg)
{
    ctl_op *op = arg;
    op->result = wactor_stop(op->srv->o.rt, op->target);
    if (op->result < 0) {
        const char *m = wactor_errmsg(op->srv->o.rt);
        op->payload = (uint8_t *)strdup(m);
        op->len = op->payload ? strlen(m) : 0;
    }
    post(op);
    return NULL;
}

static void *reload_thread(void *arg)
{
    ctl_op *op = arg;
    char *report = NULL;
    op->result = op->srv->o.reload(op->srv->o.reload_arg, &report);
    op->payload = (uint8_t *)report;
    op->len = report ? strlen(report) : 0;
    post(op);
    return NULL;
}

static void op_free(ctl_server *s, ctl_op *op)
{
    for (ctl_op **p = &s->all; *p != NULL; p = &(*p)->all_next)
        if (*p == op) {
            *p = op->all_next;
            break;
        }
    if (op->kind == CTL_STOP || op->kind == CTL_RELOAD)
        pthread_join(op->thread, NULL);
    free(op->payload);
    free(op);
}

/* ---- connections -------------------------------------------------------- */

static void conn_close(ctl_server *s, ctl_conn *c)
{
    if (c->op != NULL && c->op->kind == CTL_CALL &&
        wactor_cancel(s->o.rt, c->op->corr) == WACTOR_OK) {
        /* Withdrawn: its callback never runs. */
        pthread_mutex_lock(&s->mu);
        s->outstanding--;
        pthread_mutex_unlock(&s->mu);
        op_free(s, c->op);
    }
    /* Otherwise its completion comes later and finds no connection. */
    s->full_logged = false;
    close(c->fd);
    free(c->in);
    ctl_buf_free(&c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

static void answer_result(ctl_conn *c, int code, const char *msg)
{
    ctl_frame_begin(&c->out, CTL_A_RESULT);
    ctl_put_u32(&c->out, (uint32_t)code);
    ctl_put_str(&c->out, msg, strlen(msg));
}

/* The answer in c->out is complete: start writing it. */
static void answer_ready(ctl_conn *c)
{
    if (!ctl_frame_end(&c->out)) {
        /* Out of memory building it: the client sees the connection end. */
        c->out.len = 0;
        c->closing = true;
    }
    c->out_off = 0;
    c->write_start = ctl_now_ms();
}

static void refuse(ctl_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(ctl_conn *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    answer_result(c, WACTOR_EINVAL, msg);
    answer_ready(c);
    c->closing = true;
}

/* A name from the wire as a C string: 1..255 bytes, no NUL. */
static bool get_name(ctl_reader *r, char out[256], bool empty_ok)
{
    size_t n = 0;
    const uint8_t *p = ctl_get_str(r, &n);
    if (p == NULL || n > 255 || (n == 0 && !empty_ok) || memchr(p, 0, n) != NULL)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

static ctl_op *op_new(ctl_server *s, ctl_conn *c, uint8_t kind)
{
    ctl_op *op = calloc(1, sizeof *op);
    if (op == NULL)
        return NULL;
    op->srv = s;
    op->conn_id = c->id;
    op->kind = kind;
    op->all_next = s->all;
    s->all = op;
    pthread_mutex_lock(&s->mu);
    s->outstanding++;
    pthread_mutex_unlock(&s->mu);
    return op;
}

/* An op that never started: nothing will post it. */
static void op_abandon(ctl_server *s, ctl_op *op)
{
    pthread_mutex_lock(&s->mu);
    s->outstanding--;
    pthread_mutex_unlock(&s->mu);
    op_free(s, op);
}

static void do_call(ctl_server *s, ctl_conn *c, ctl_reader *r)
{
    char target[256];
    uint32_t timeout = ctl_get_u32(r);
    bool named = get_name(r, target, false);
    size_t len = 0;
    const uint8_t *payload = ctl_get_blob(r, &len);
    if (!named || !ctl_reader_done(r)) {
        refuse(c, "malformed CALL");
        return;
    }
    ctl_op *op = op_new(s, c, CTL_CALL);
    if (op == NULL) {
        answer_result(c, WACTOR_ENOMEM, "out of memory");
        answer_ready(c);
        return;
    }
    snprintf(op->target, sizeof op->target, "%s", target);
    int64_t corr = wactor_request(s->o.rt, target, payload, len,
                                  timeout ? timeout : s->o.timeout_ms, call_done, op);
    if (corr < 0) {
        const char *m = wactor_errmsg(s->o.rt);
        op_abandon(s, op);
        ctl_frame_begin(&c->out, CTL_A_CALL);
        ctl_put_u32(&c->out, (uint32_t)corr);
        ctl_put_u8(&c->out, WACTOR_STATUS_FAILED);
        ctl_put_blob(&c->out, m, strlen(m));
        answer_ready(c);
        return;
    }
    op->corr = corr; /* the callback may have run already: it does not read corr */
    c->op = op;
}

static void do_stop(ctl_server *s, ctl_conn *c, ctl_reader *r)
{
    char target[256];
    if (!get_name(r, target, true) || !ctl_reader_done(r)) {
        refuse(c, "malformed STOP");
        return;
    }
    if (target[0] == '\0') {
        srv_log(s, WACTOR_LOG_INFO, "control: stop of the whole system requested");
        answer_result(c, WACTOR_OK, "");
        answer_ready(c);
        if (s->o.stop_all != NULL)
            s->o.stop_all(s->o.stop_arg);
        return;
    }
    ctl_op *op = op_new(s, c, CTL_STOP);
    if (op == NULL) {
        answer_result(c, WACTOR_ENOMEM, "out of memory");
        answer_ready(c);
        return;
    }
    snprintf(op->target, sizeof op->target, "%s", target);
    int e = pthread_create(&op->thread, NULL, stop_thread, op);
    if (e != 0) {
        op->kind = 0; /* nothing to join */
        op_abandon(s, op);
        answer_result(c, WACTOR_ESYSTEM, "cannot start a thread for the stop");
        answer_ready(c);
        return;
    }
    c->op = op;
}

static void do_reload(ctl_server *s, ctl_conn *c, ctl_reader *r)
{
    if (!ctl_reader_done(r)) {
        refuse(c, "malformed RELOAD");
        return;
    }
    if (s->o.reload == NULL) {
        answer_result(c, WACTOR_ESTATE, "this server does not reload");
        answer_ready(c);
        return;
    }
    ctl_op *op = op_new(s, c, CTL_RELOAD);
    if (op == NULL) {
        answer_result(c, WACTOR_ENOMEM, "out of memory");
        answer_ready(c);
        return;
    }
    /* A reload stops, upgrades and spawns components, each of which waits
     * for a component's turn: a thread of its own, as STOP. */
    int e = pthread_create(&op->thread, NULL, reload_thread, op);
    if (e != 0) {
        op->kind = 0; /* nothing to join */
        op_abandon(s, op);
        answer_result(c, WACTOR_ESYSTEM, "cannot start a thread for the reload");
        answer_ready(c);
        return;
    }
    c->op = op;
}

static void do_status(ctl_server *s, ctl_conn *c, ctl_reader *r)
{
    if (!ctl_reader_done(r)) {
        refuse(c, "malformed STATUS");
        return;
    }
    wactor_stats *st = NULL;
    size_t n = 0;
    int rc = wactor_stats_all(s->o.rt, &st, &n);
    if (rc < 0) {
        answer_result(c, rc, wactor_errmsg(s->o.rt));
        answer_ready(c);
        return;
    }
    ctl_frame_begin(&c->out, CTL_A_STATUS);
    ctl_put_u32(&c->out, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        ctl_put_stats(&c->out, &st[i]);
    free(st);
    answer_ready(c);
}

/* The largest HOSTS_LIST answered (the client takes as much). */
#define CTL_MAX_HOSTS_LIST (UINT32_C(8) << 20)

static void do_hosts(ctl_server *s, ctl_conn *c, ctl_reader *r)
{
    if (!ctl_reader_done(r)) {
        refuse(c, "malformed HOSTS");
        return;
    }
    const char *lattice = "", *host = "";
    wactor_host_info *v = NULL;
    size_t n = 0;
    if (s->o.hosts != NULL) {
        int rc = s->o.hosts(s->o.hosts_arg, &lattice, &host, &v, &n);
        if (rc < 0) {
            answer_result(c, rc, "cannot list the lattice's hosts");
            answer_ready(c);
            return;
        }
    }
    ctl_frame_begin(&c->out, CTL_A_HOSTS);
    ctl_put_str(&c->out, lattice, strnlen(lattice, 255));
    ctl_put_str(&c->out, host, strnlen(host, 255));
    ctl_put_u32(&c->out, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        ctl_put_host(&c->out, &v[i]);
    if (s->o.hosts_free != NULL)
        s->o.hosts_free(s->o.hosts_arg, v, n);
    if (c->out.len > CTL_MAX_HOSTS_LIST) {
        c->out.len = 0;
        answer_result(c, WACTOR_ETOOBIG, "the lattice's host list is over 8 MiB");
    }
    answer_ready(c);
}

static void do_edges(ctl_server *s, ctl_conn *c, ctl_reader *r)
{
    if (!ctl_reader_done(r)) {
        refuse(c, "malformed EDGES");
        return;
    }
    wactor_edge *v = NULL;
    size_t n = 0;
    int rc = wactor_edges(s->o.rt, &v, &n);
    if (rc < 0) {
        answer_result(c, rc, wactor_errmsg(s->o.rt));
        answer_ready(c);
        return;
    }
    ctl_frame_begin(&c->out, CTL_A_EDGES);
    ctl_put_u32(&c->out, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        ctl_put_str(&c->out, v[i].from, strnlen(v[i].from, 255));
        ctl_put_str(&c->out, v[i].to, strnlen(v[i].to, 255));
        ctl_put_u64(&c->out, v[i].messages);
    }
    free(v);
    if (c->out.len > CTL_MAX_HOSTS_LIST) { /* the same bound as the clients take */
        c->out.len = 0;
        answer_result(c, WACTOR_ETOOBIG, "the list of edges is over 8 MiB");
    }
    answer_ready(c);
}

/* One whole frame: body[0..len) after the length. */
static void handle_frame(ctl_server *s, ctl_conn *c, const uint8_t *body, size_t len)
{
    if (body[0] != CTL_VERSION) {
        refuse(c, "protocol version %u is not supported (this server speaks %u)", body[0],
               CTL_VERSION);
        return;
    }
    ctl_reader r = {.p = body + 2, .len = len - 2};
    switch (body[1]) {
    case CTL_HELLO:
        if (!ctl_reader_done(&r)) {
            refuse(c, "malformed HELLO");
            return;
        }
        ctl_frame_begin(&c->out, CTL_A_HELLO);
        ctl_put_u8(&c->out, CTL_VERSION);
        ctl_put_u32(&c->out, (uint32_t)getpid());
        ctl_put_str(&c->out, WACTOR_VERSION, strlen(WACTOR_VERSION));
        ctl_put_u32(&c->out, s->o.max_message);
        ctl_put_str(&c->out, s->o.manifest, strnlen(s->o.manifest, 0xffff));
        answer_ready(c);
        return;
    case CTL_CALL:
        do_call(s, c, &r);
        return;
    case CTL_SEND: {
        char target[256];
        bool named = get_name(&r, target, false);
        size_t plen = 0;
        const uint8_t *payload = ctl_get_blob(&r, &plen);
        if (!named || !ctl_reader_done(&r)) {
            refuse(c, "malformed SEND");
            return;
        }
        int rc = wactor_send(s->o.rt, target, payload, plen);
        answer_result(c, rc, rc < 0 ? wactor_errmsg(s->o.rt) : "");
        answer_ready(c);
        return;
    }
    case CTL_STOP:
        do_stop(s, c, &r);
        return;
    case CTL_STATUS:
        do_status(s, c, &r);
        return;
    case CTL_RELOAD:
        do_reload(s, c, &r);
        return;
    case CTL_HOSTS:
        do_hosts(s, c, &r);
        return;
    case CTL_EDGES:
        do_edges(s, c, &r);
        return;
    }
    refuse(c, "unknown request type 0x%02x", body[1]);
}

/* Reads what is there; handles a frame once it is whole. */
static void conn_read(ctl_server *s, ctl_conn *c, uint64_t now)
{
    for (;;) {
        size_t want = 4;
        if (c->in_len >= 4) {
            uint32_t n = ctl_be32(c->in);
            if (n < 2 || n > s->max_frame) {
                srv_log(s, WACTOR_LOG_WARN, "control: closing a connection: frame of %u bytes", n);
                refuse(c, "a frame of %u bytes: expected 2 to %zu", n, s->max_frame);
                return;
            }
            want = 4 + (size_t)n;
        }
        if (c->in_len == want) {
            handle_frame(s, c, c->in + 4, want - 4);
            c->in_len = 0;
            c->last_active = now;
            return; /* one request at a time */
        }
        if (c->in_cap < want) {
            /* Grows with what arrives, never straight to a claimed length. */
            size_t cap = c->in_cap ? c->in_cap * 2 : 256;
            if (cap > want)
                cap = want;
            uint8_t *p = realloc(c->in, cap);
            if (p == NULL) {
                conn_close(s, c);
                return;
            }
            c->in = p;
            c->in_cap = cap;
        }
        size_t room = (c->in_cap < want ? c->in_cap : want) - c->in_len;
        ssize_t got = recv(c->fd, c->in + c->in_len, room, 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
            conn_close(s, c); /* gone, mid-message or not */
            return;
        }
        if (got < 0)
            return; /* all there is for now */
        if (c->in_len == 0)
            c->frame_start = now;
        c->in_len += (size_t)got;
    }
}

static void conn_write(ctl_server *s, ctl_conn *c, uint64_t now)
{
    while (c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            conn_close(s, c);
            return;
        }
        c->out_off += (size_t)n;
    }
    c->out.len = c->out_off = 0;
    c->last_active = now;
    if (c->out.cap > 65536)
        ctl_buf_free(&c->out); /* a big answer's buffer is not kept */
    if (c->closing)
        conn_close(s, c);
}

static void take_completions(ctl_server *s)
{
    char drain[64];
    while (read(s->wake[0], drain, sizeof drain) > 0) {
    }
    pthread_mutex_lock(&s->mu);
    ctl_op *done = s->done;
    s->done = NULL;
    pthread_mutex_unlock(&s->mu);
    while (done != NULL) {
        ctl_op *op = done;
        done = op->next;
        ctl_conn *c = NULL;
        for (int i = 0; i < CTL_MAX_CONNECTIONS && c == NULL; i++)
            if (s->conns[i].fd >= 0 && s->conns[i].op == op)
                c = &s->conns[i];
        if (c != NULL) {
            c->op = NULL;
            if (op->kind == CTL_CALL) {
                static const char nomem[] = "the control server ran out of memory for the answer";
                ctl_frame_begin(&c->out, CTL_A_CALL);
                ctl_put_u32(&c->out, (uint32_t)op->result);
                ctl_put_u8(&c->out, (uint8_t)(op->nomem ? WACTOR_STATUS_FAILED : op->status));
                if (op->nomem)
                    ctl_put_blob(&c->out, nomem, sizeof nomem - 1);
                else
                    ctl_put_blob(&c->out, op->payload, op->len);
            } else if (op->kind == CTL_RELOAD) {
                static const char nomem[] = "the reload's report ran out of memory\n";
                ctl_frame_begin(&c->out, CTL_A_RELOAD);
                ctl_put_u8(&c->out, (uint8_t)op->result);
                static const char cut[] = "(the rest of the report is in run's log)\n";
                if (op->payload == NULL) {
                    ctl_put_blob(&c->out, nomem, sizeof nomem - 1);
                } else if (op->len + 64 > s->max_frame) {
                    /* A report over a frame (thousands of components):
                     * its head, whole lines, then a note. */
                    size_t n = s->max_frame - 64 - sizeof cut;
                    while (n > 0 && op->payload[n - 1] != '\n')
                        n--;
                    memcpy(op->payload + n, cut, sizeof cut - 1);
                    ctl_put_blob(&c->out, op->payload, n + sizeof cut - 1);
                } else {
                    ctl_put_blob(&c->out, op->payload, op->len);
                }
            } else {
                ctl_frame_begin(&c->out, CTL_A_RESULT);
                ctl_put_u32(&c->out, (uint32_t)op->result);
                ctl_put_str(&c->out, op->payload ? (char *)op->payload : "", op->len);
            }
            answer_ready(c);
        }
        op_free(s, op);
    }
}

static void accept_all(ctl_server *s, uint64_t now)
{
    for (;;) {
        int fd = accept4(s->l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or a transient error (EMFILE...): try on the next wake */
        ctl_conn *c = NULL;
        for (int i = 0; i < CTL_MAX_CONNECTIONS && c == NULL; i++)
            if (s->conns[i].fd < 0)
                c = &s->conns[i];
        if (c == NULL) {
            if (!s->full_logged)
                srv_log(s, WACTOR_LOG_WARN, "control: %d connections open: refusing more",
                        CTL_MAX_CONNECTIONS);
            s->full_logged = true;
            close(fd);
            continue;
        }
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->id = ++s->next_id;
        c->last_active = now;
    }
}

/* Milliseconds from t to now; 0 if t is later (a stamp taken after now). */
static uint64_t since(uint64_t now, uint64_t t)
{
    return now > t ? now - t : 0;
}

static void *server_main(void *arg)
{
    ctl_server *s = arg;
    struct pollfd pf[CTL_MAX_CONNECTIONS + 2];
    int slot[CTL_MAX_CONNECTIONS + 2];
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool quit = s->quit;
        pthread_mutex_unlock(&s->mu);
        if (quit)
            break;
        nfds_t n = 0;
        pf[n++] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = s->l->fd, .events = POLLIN};
        for (int i = 0; i < CTL_MAX_CONNECTIONS; i++) {
            ctl_conn *c = &s->conns[i];
            if (c->fd < 0)
                continue;
            short ev = c->out.len > 0 ? POLLOUT : c->op == NULL ? POLLIN : 0;
            slot[n] = i;
            pf[n++] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        /* A tick bounds how late a deadline is noticed. */
        int r = poll(pf, n, 250);
        uint64_t now = ctl_now_ms();
        if (r > 0 && (pf[0].revents & POLLIN))
            take_completions(s);
        if (r > 0 && (pf[1].revents & POLLIN))
            accept_all(s, now);
        for (nfds_t k = 2; k < n; k++) {
            ctl_conn *c = &s->conns[slot[k]];
            if (c->fd != pf[k].fd)
                continue; /* closed meanwhile */
            if (pf[k].revents & POLLOUT)
                conn_write(s, c, now);
            else if (pf[k].revents & (POLLIN | POLLHUP | POLLERR))
                conn_read(s, c, now);
            if (c->fd >= 0 && c->out.len > 0 && c->out_off == 0 && !(pf[k].revents & POLLOUT))
                conn_write(s, c, now); /* an answer made just now: try at once */
        }
        /* Read again: the answers made above are stamped later than the
         * poll's return. */
        now = ctl_now_ms();
        for (int i = 0; i < CTL_MAX_CONNECTIONS; i++) {
            ctl_conn *c = &s->conns[i];
            if (c->fd < 0)
                continue;
            const char *why = NULL;
            if (c->closing && c->out.len == 0)
                why = "refused, and no answer could be made";
            else if (c->in_len > 0 && since(now, c->frame_start) > CTL_FRAME_DEADLINE_MS)
                why = "a frame did not arrive whole in time";
            else if (c->out.len > 0 && since(now, c->write_start) > CTL_WRITE_DEADLINE_MS)
                why = "the client did not take its answer in time";
            else if (c->in_len == 0 && c->out.len == 0 && c->op == NULL &&
                     since(now, c->last_active) > CTL_IDLE_MS)
                why = "idle";
            if (why != NULL) {
                srv_log(s, strcmp(why, "idle") == 0 ? WACTOR_LOG_DEBUG : WACTOR_LOG_INFO,
                        "control: closing a connection: %s", why);
                conn_close(s, c);
            }
        }
    }
    /* Shutdown: answers already made go out if the socket takes them. */
    for (int i = 0; i < CTL_MAX_CONNECTIONS; i++)
        if (s->conns[i].fd >= 0 && s->conns[i].out.len > 0)
            conn_write(s, &s->conns[i], ctl_now_ms());
    for (int i = 0; i < CTL_MAX_CONNECTIONS; i++)
        if (s->conns[i].fd >= 0)
            conn_close(s, &s->conns[i]); /* cancels the calls it can */
    /* The rest complete on their own (stops, callbacks already running). */
    pthread_mutex_lock(&s->mu);
    while (s->outstanding > 0)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    take_completions(s);
    while (s->all != NULL)
        op_free(s, s->all); /* only ops never posted remain: none, by the count */
    return NULL;
}

ctl_server *ctl_server_start(ctl_listener *l, const ctl_server_options *o, char *err, size_t errlen)
{
    ctl_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        set_err(err, errlen, "control socket: out of memory");
        ctl_listener_free(l);
        return NULL;
    }
    s->o = *o;
    s->l = l;
    s->max_frame = (size_t)o->max_message + CTL_FRAME_OVERHEAD;
    for (int i = 0; i < CTL_MAX_CONNECTIONS; i++)
        s->conns[i].fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pipe2(s->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        set_err(err, errlen, "control socket: %s", strerror(errno));
        goto fail;
    }
    int e = pthread_create(&s->thread, NULL, server_main, s);
    if (e != 0) {
        set_err(err, errlen, "control socket: cannot start its thread: %s", strerror(e));
        close(s->wake[0]);
        close(s->wake[1]);
        goto fail;
    }
    return s;
fail:
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    ctl_listener_free(l);
    free(s);
    return NULL;
}

void ctl_server_stop(ctl_server *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->quit = true;
    ssize_t w = write(s->wake[1], "", 1);
    (void)w;
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    close(s->wake[0]);
    close(s->wake[1]);
    ctl_listener_free(s->l);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
