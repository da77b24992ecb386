/*
 * server.c: the HTTP server's life: start (libmicrohttpd's daemon with its
 * options), stop, and its log.
 *
 * One thread of ours, the loop, drives libmicrohttpd (external epoll
 * mode: MHD_run): it waits on an epoll set of two, libmicrohttpd's own
 * epoll descriptor (every connection, so thousands of open connections
 * cost no thread each and a slow client costs nothing while it is silent)
 * and an eventfd that wakes it when answers are to be resumed. Driving the
 * daemon ourselves, rather than letting it run its own thread, lets one
 * wake resume a whole batch of answered requests: libmicrohttpd's own
 * resume writes to its wake descriptor once per request, from the thread
 * that answers, and takes a lock the daemon's thread holds. Requests are
 * suspended while their component works (exchange.c), so the loop never
 * waits for a component either.
 *
 * Limits: at most max_connections open connections (default 10000, and
 * never more than the file descriptor limit allows: the soft limit is
 * raised to the hard one at start, as a server that means to hold
 * thousands of connections must); a connection silent for idle_timeout_s
 * is closed (the request headers must arrive within libmicrohttpd's memory
 * pool, 32 KiB, else 431); a suspended connection has no idle timeout, its
 * request has the wactor request's.
 *
 * Stop: new connections are refused at once (quiesce), requests arriving
 * on open connections get 503; requests in flight get a grace of up to
 * STOP_GRACE_MS to be answered, then are cancelled (503). libmicrohttpd
 * must not be stopped with a suspended connection, so the daemon stops
 * once nothing is pending; every exchange is freed by its completion
 * notice, and `live` counts what would have leaked.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define STOP_GRACE_MS 2000
#define STOP_FLUSH_MS 500
#define DEFAULT_MAX_CONNECTIONS 10000u
#define DEFAULT_IDLE_TIMEOUT_S 60u
/* File descriptors kept for everything but connections (modules, the
 * control socket, storage, the lattice, epoll, pipes). */
#define RESERVED_FDS 64u

void http_log(http_server *s, int level, const char *fmt, ...)
{
    if (s->log == NULL)
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    s->log(s->log_arg, level, text);
}

static void daemon_log(void *cls, const char *fmt, va_list ap)
{
    http_server *s = cls;
    if (s->log == NULL)
        return;
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    s->log(s->log_arg, WACTOR_LOG_DEBUG, text);
}

/* Raises the soft file descriptor limit to the hard one; returns the limit. */
static unsigned fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit raised = {rl.rlim_max, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
    }
    return rl.rlim_cur > 1000000 ? 1000000u : (unsigned)rl.rlim_cur;
}

static void wake(http_server *s)
{
    uint64_t one = 1;
    while (write(s->wake_fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

void http_server_resume(http_server *s, http_exchange *x)
{
    http_exchange *head = atomic_load_explicit(&s->to_resume, memory_order_relaxed);
    do
        x->resume_next = head;
    while (!atomic_compare_exchange_weak_explicit(&s->to_resume, &head, x, memory_order_release,
                                                  memory_order_relaxed));
    if (head == NULL)
        wake(s); /* the first of a batch: the loop takes them all */
}

/* Resumes every queued exchange's connection (the loop thread: in external
 * mode libmicrohttpd's resume only marks it; the next MHD_run acts). */
static void resume_queued(http_server *s)
{
    http_exchange *x = atomic_exchange_explicit(&s->to_resume, NULL, memory_order_acquire);
    while (x != NULL) {
        http_exchange *next = x->resume_next;
        MHD_resume_connection(x->conn);
        x = next;
    }
}

static void *loop_main(void *arg)
{
    http_server *s = arg;
    pthread_setname_np(pthread_self(), "http");
    for (;;) {
        if (atomic_exchange(&s->quiesce, false)) {
            MHD_socket fd = MHD_quiesce_daemon(s->daemon);
            if (fd != MHD_INVALID_SOCKET)
                close(fd);
        }
        resume_queued(s);
        s->run_again = false;
        /* The requests this pass forwards wake a sleeping runtime worker
         * once, at its end (a worker that is awake takes them at once). */
        wactor_batch_begin(s->rt);
        MHD_run(s->daemon);
        wactor_batch_end(s->rt);
        if (atomic_load_explicit(&s->quit, memory_order_acquire)) {
            resume_queued(s); /* none is left suspended for the daemon's end */
            MHD_run(s->daemon);
            return NULL;
        }
        /* A connection with work left (or a forwarded request to look at
         * again) makes the timeout 0; otherwise the nearest idle timeout. */
        MHD_UNSIGNED_LONG_LONG t = 0;
        int ms = 1000;
        if (s->run_again)
            ms = 0;
        else if (MHD_get_timeout(s->daemon, &t) == MHD_YES && t < (MHD_UNSIGNED_LONG_LONG)ms)
            ms = (int)t;
        struct epoll_event ev[2];
        int n = epoll_wait(s->epoll_fd, ev, 2, ms);
        for (int i = 0; i < n; i++)
            if (ev[i].data.fd == s->wake_fd) {
                uint64_t v;
                while (read(s->wake_fd, &v, sizeof v) < 0 && errno == EINTR)
                    ;
            }
    }
}

static void server_free(http_server *s)
{
    http_counts_free(&s->counts);
    http_routes_free(&s->routes);
    pthread_mutex_destroy(&s->lock);
    free(s->manifest);
    free(s->lattice_name);
    if (s->epoll_fd >= 0)
        close(s->epoll_fd);
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    free(s);
}

http_server *http_server_start(const http_options *o, char *err, size_t errlen)
{
    http_server *s = calloc(1, sizeof *s);
    if (s == NULL || pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->epoll_fd = s->wake_fd = -1;
    s->rt = o->rt;
    s->timeout_ms = o->timeout_ms;
    s->max_body = o->max_body;
    s->metrics = o->metrics;
    s->dashboard = o->dashboard;
    s->lattice = o->lattice;
    s->log = o->log;
    s->log_arg = o->log_arg;
    if (!http_routes_init(&s->routes, o->routes, o->nroutes) ||
        !http_counts_init(&s->counts, &s->routes) ||
        (o->manifest != NULL && (s->manifest = strdup(o->manifest)) == NULL) ||
        (o->lattice_name != NULL && (s->lattice_name = strdup(o->lattice_name)) == NULL)) {
        server_free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    struct sockaddr_storage ss = {0};
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (inet_pton(AF_INET, o->address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(o->port);
    } else if (inet_pton(AF_INET6, o->address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(o->port);
        flags |= MHD_USE_IPv6;
    } else {
        server_free(s);
        snprintf(err, errlen, "%s is not a numeric address", o->address);
        return NULL;
    }
    unsigned fds = fd_limit();
    unsigned limit = o->max_connections ? o->max_connections : DEFAULT_MAX_CONNECTIONS;
    if (limit > fds - RESERVED_FDS && fds > 2 * RESERVED_FDS)
        limit = fds - RESERVED_FDS;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)http_exchange_begin, s},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_exchange_completed, s},
        {MHD_OPTION_CONNECTION_LIMIT, limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT,
         o->idle_timeout_s ? o->idle_timeout_s : DEFAULT_IDLE_TIMEOUT_S, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096, NULL},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)daemon_log, s},
        {MHD_OPTION_END, 0, NULL},
    };
    errno = 0;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_exchange_access, s, MHD_OPTION_ARRAY,
                                 opts, MHD_OPTION_END);
    if (s->daemon == NULL) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s",
                 in6->sin6_family == AF_INET6 ? "[" : "", o->address,
                 in6->sin6_family == AF_INET6 ? "]" : "", o->port,
                 e != 0 ? strerror(e) : "libmicrohttpd refused to start");
        server_free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : o->port;
    const union MHD_DaemonInfo *ep = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event daemon_ev = {.events = EPOLLIN, .data.fd = ep != NULL ? ep->epoll_fd : -1};
    struct epoll_event wake_ev = {.events = EPOLLIN, .data.fd = s->wake_fd};
    if (ep == NULL || s->wake_fd < 0 || s->epoll_fd < 0 ||
        epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, ep->epoll_fd, &daemon_ev) != 0 ||
        epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->wake_fd, &wake_ev) != 0 ||
        pthread_create(&s->loop, NULL, loop_main, s) != 0) {
        snprintf(err, errlen, "cannot start the HTTP server's thread: %s", strerror(errno));
        MHD_stop_daemon(s->daemon);
        server_free(s);
        return NULL;
    }
    return s;
}

uint16_t http_server_port(const http_server *s)
{
    return s->port;
}

size_t http_server_pending(http_server *s)
{
    return atomic_load_explicit(&s->pending, memory_order_acquire);
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

void http_server_stop(http_server *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stopping, true);
    atomic_store(&s->quiesce, true); /* the loop closes the listening socket */
    wake(s);
    /* The grace: polled, since an answer signals no one here. */
    for (int waited = 0; waited < STOP_GRACE_MS && http_server_pending(s) > 0; waited += 5)
        sleep_ms(5);
    size_t cancelled = http_server_pending(s);
    http_exchange_cancel_all(s);
    /* What is left has its callback on the way (wactor_cancel said so). */
    for (int waited = 0; http_server_pending(s) > 0; waited += 5) {
        if (waited % 5000 == 4995)
            http_log(s, WACTOR_LOG_WARN, "http: stop: waiting for %zu answers",
                     http_server_pending(s));
        sleep_ms(5);
    }
    /* The cancelled requests' 503s are on their way out: a short while for
     * them (an exchange lives until its response is sent; one whose
     * request never arrived whole, a slowloris's, stays until the end). */
    for (int waited = 0; waited < STOP_FLUSH_MS && atomic_load(&s->live) > 0; waited += 5)
        sleep_ms(5);
    atomic_store_explicit(&s->quit, true, memory_order_release);
    wake(s);
    pthread_join(s->loop, NULL);
    MHD_stop_daemon(s->daemon);
    size_t live = atomic_load(&s->live);
    if (live != 0)
        http_log(s, WACTOR_LOG_ERROR, "http: %zu requests were not freed", live);
    http_log(s, WACTOR_LOG_INFO, "http: stopped (%zu pending requests cancelled)", cancelled);
    server_free(s);
}
