/*
 * lattice_api_test.c: runtimes of one process joined into a lattice through
 * the public API (include/wactor.h), over a real nats-server that the test
 * starts on a free loopback port (and kills at the end, also on failure).
 * The components are the end-to-end agent (tests/guest/e2e_agent.c).
 *
 * usage: lattice_api_test CASE|all AGENT.wasm
 */
#include "../unit/harness.h"
#include "lattice.h" /* the internals: a test freezes a host by holding its lock */
#include "wactor.h"
#include "wire.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HB_MS 200
#define CALL_MS 5000

static const char *agent_path, *hdr_agent_path; /* e2e_agent, hdr_agent */
static pid_t server_pid;
static int server_port;

/* ---- the NATS server ----------------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void pause_ms(unsigned ms)
{
    nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000L}, NULL);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("free port");
        exit(2);
    }
    close(fd);
    return ntohs(a.sin_port);
}

static bool port_answers(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static pid_t auth_pid;  /* a second server, with a user and password */
static pid_t small_pid; /* a third, with a small max_payload */

static void server_stop(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGKILL);
        waitpid(server_pid, NULL, 0);
        server_pid = 0;
    }
    if (auth_pid > 0) {
        kill(auth_pid, SIGKILL);
        waitpid(auth_pid, NULL, 0);
        auth_pid = 0;
    }
    if (small_pid > 0) {
        kill(small_pid, SIGKILL);
        waitpid(small_pid, NULL, 0);
        small_pid = 0;
    }
}

static pid_t server_spawn(int port, const char *user)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the test */
        char text[16];
        snprintf(text, sizeof text, "%d", port);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0 && !getenv("LATTICE_VERBOSE")) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        if (user[0] == '/') /* a configuration file */
            execl("/usr/sbin/nats-server", "nats-server", "-a", "127.0.0.1", "-p", text, "-c", user,
                  (char *)NULL);
        else
            execl("/usr/sbin/nats-server", "nats-server", "-a", "127.0.0.1", "-p", text, "--user",
                  user, "--pass", "secret", (char *)NULL);
        _exit(127);
    }
    for (uint64_t end = now_ms() + 10000; now_ms() < end; pause_ms(10))
        if (port_answers(port))
            return pid;
    fprintf(stderr, "nats-server did not start on port %d\n", port);
    server_stop();
    exit(2);
}

static void server_start(const char *extra)
{
    server_pid = fork();
    if (server_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the test */
        char port[16];
        snprintf(port, sizeof port, "%d", server_port);
        int devnull = open("/dev/null", 1);
        if (devnull >= 0 && !getenv("LATTICE_VERBOSE")) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        if (extra)
            execl("/usr/sbin/nats-server", "nats-server", "-a", "127.0.0.1", "-p", port, extra,
                  (char *)NULL);
        else
            execl("/usr/sbin/nats-server", "nats-server", "-a", "127.0.0.1", "-p", port,
                  (char *)NULL);
        _exit(127);
    }
    for (uint64_t end = now_ms() + 10000; now_ms() < end; pause_ms(10))
        if (port_answers(server_port))
            return;
    fprintf(stderr, "nats-server did not start on port %d\n", server_port);
    server_stop();
    exit(2);
}

static char *url(char *buf, size_t n)
{
    snprintf(buf, n, "nats://127.0.0.1:%d", server_port);
    return buf;
}

/* ---- runtimes in a lattice ------------------------------------------------------- */

typedef struct logbook {
    pthread_mutex_t lock;
    char text[65536];
    size_t len;
} logbook;

static void on_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    logbook *b = arg;
    pthread_mutex_lock(&b->lock);
    int n = snprintf(b->text + b->len, sizeof b->text - b->len, "%d %s: %.*s\n", level,
                     component ? component : "wactor", (int)len, text);
    if (n > 0 && b->len + (size_t)n < sizeof b->text)
        b->len += (size_t)n;
    pthread_mutex_unlock(&b->lock);
    if (getenv("LATTICE_VERBOSE"))
        fprintf(stderr, "log %s: %.*s\n", component ? component : "wactor", (int)len, text);
}

static bool logged(logbook *b, const char *what)
{
    pthread_mutex_lock(&b->lock);
    bool found = strstr(b->text, what) != NULL;
    pthread_mutex_unlock(&b->lock);
    return found;
}

typedef struct host {
    wactor_runtime *rt;
    wactor_module *agent;
    wactor_lattice *lat;
    logbook log;
} host;

static bool host_up(host *h, const char *lattice, const char *name)
{
    memset(h, 0, sizeof *h);
    pthread_mutex_init(&h->log.lock, NULL);
    h->rt = wactor_runtime_new(
        &(wactor_runtime_options){.workers = 2, .log = on_log, .log_arg = &h->log});
    if (!h->rt)
        return false;
    h->agent = wactor_module_load_file(h->rt, agent_path);
    char u[64];
    h->lat = wactor_lattice_join(
        h->rt, &(wactor_lattice_options){
                   .url = url(u, sizeof u), .name = lattice, .host = name, .heartbeat_ms = HB_MS});
    if (!h->lat)
        fprintf(stderr, "join: %s\n", wactor_errmsg(NULL));
    return h->agent && h->lat;
}

static void host_down(host *h)
{
    wactor_runtime_free(h->rt); /* leaves the lattice first */
    wactor_module_free(h->agent);
    pthread_mutex_destroy(&h->log.lock);
    h->rt = NULL;
}

static int spawn(host *h, const char *name, const char *config, uint32_t mailbox)
{
    const char *all[] = {">"};
    wactor_patterns every = {all, 1};
    wactor_component_options o = {.name = name,
                                  .module = h->agent,
                                  .config = config,
                                  .config_len = config ? strlen(config) : 0,
                                  .send = every,
                                  .request = every,
                                  .publish = every,
                                  .subscribe = every};
    o.limits.mailbox = mailbox;
    int rc = wactor_spawn(h->rt, &o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn %s: %s\n", name, wactor_errmsg(h->rt));
    return rc;
}

/* A command to an agent (a request from the host); its answer, malloc'd. */
__attribute__((format(printf, 3, 4))) static char *cmd(host *h, const char *target, const char *fmt,
                                                       ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    int rc = wactor_call(h->rt, target, text, strlen(text), CALL_MS, &status, &answer, &len);
    char *s = malloc(len + 64);
    if (rc != WACTOR_OK || status != WACTOR_STATUS_OK)
        snprintf(s, len + 64, "ERR %s %d %.*s", wactor_result_name(rc), status, (int)len,
                 answer ? (char *)answer : "");
    else {
        if (len)
            memcpy(s, answer, len);
        s[len] = 0;
    }
    free(answer);
    return s;
}

static int count_in(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* Polls until the agent's record holds `want` times `what` (5 s at most). */
static bool record_has(host *h, const char *agent, const char *what, int want)
{
    for (uint64_t end = now_ms() + 5000;; pause_ms(10)) {
        char *r = cmd(h, agent, "!report");
        int n = count_in(r, what);
        free(r);
        if (n >= want || now_ms() > end)
            return n == want;
    }
}

static bool pair_up(host *a, host *b, const char *lattice)
{
    if (!host_up(a, lattice, "host-a") || !host_up(b, lattice, "host-b"))
        return false;
    return true;
}

/* ---- cases ------------------------------------------------------------------------- */

static void test_send_request(void *arg)
{
    (void)arg;
    host a, b;
    REQUIRE(pair_up(&a, &b, "t1"));
    REQUIRE(spawn(&a, "alpha", NULL, 0) == WACTOR_OK);
    REQUIRE(spawn(&b, "beta", NULL, 0) == WACTOR_OK);
    CHECK(wactor_lattice_wait(a.lat, "beta", 5000) == WACTOR_OK);
    CHECK(wactor_lattice_wait(b.lat, "alpha", 5000) == WACTOR_OK);
    CHECK(wactor_lattice_wait(a.lat, "nobody", 50) == WACTOR_ETIMEDOUT);
    CHECK(strcmp(wactor_lattice_host_name(a.lat), "host-a") == 0);

    /* A component's sends, in order; the host's too. */
    char *r = cmd(&a, "alpha", "!sendn beta 20 x:01");
    free(r);
    CHECK(record_has(&b, "beta", "msg alpha 0 - 01", 20));
    CHECK(wactor_send(a.rt, "beta", "hello", 5) == WACTOR_OK);
    CHECK(record_has(&b, "beta", "msg @host 0 - 68656c6c6f", 1));

    /* Requests both ways, from the host and from a component. */
    r = cmd(&a, "beta", "ping");
    CHECK(strcmp(r, "beta:ping") == 0);
    free(r);
    r = cmd(&b, "alpha", "pong");
    CHECK(strcmp(r, "alpha:pong") == 0);
    free(r);
    r = cmd(&a, "alpha", "!relay beta hop");
    CHECK(strstr(r, "relay") != NULL);
    free(r);
    CHECK(record_has(&a, "alpha", "cb ", 1));

    /* Hosts: self first, components sorted, counters moving. */
    wactor_host_info *v;
    size_t n;
    REQUIRE(wactor_lattice_hosts(a.lat, &v, &n) == WACTOR_OK);
    CHECK(n == 2 && v[0].self && strcmp(v[0].name, "host-a") == 0);
    CHECK(n == 2 && strcmp(v[1].name, "host-b") == 0 && v[1].ncomponents == 1 &&
          strcmp(v[1].components[0], "beta") == 0 && v[1].sent >= 22 && v[1].received >= 1);
    wactor_lattice_hosts_free(v, n);
    CHECK(wactor_lattice_wait(a.lat, NULL, 5000) == WACTOR_OK);
    CHECK(logged(&a.log, "joining lattice t1 at nats://127.0.0.1:"));
    CHECK(logged(&a.log, "lattice t1 joined as host-a"));
    host_down(&b);
    host_down(&a);
}

/* Headers cross hosts: a host request's headers and sender ("@http") reach a
 * component on the other host, the answer's ":status" and headers come back,
 * and an answer's headers reach a component's callback across hosts. */
typedef struct hdr_reply {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    char text[256];
} hdr_reply;

static void hdr_replied(void *arg, int64_t corr, int status, const void *payload, size_t len,
                        const wactor_headers *h)
{
    (void)corr;
    hdr_reply *r = arg;
    const char *st = "-", *out = "-";
    size_t stlen = 1, outlen = 1;
    wactor_headers_get(h, ":status", &st, &stlen);
    wactor_headers_get(h, "x-out", &out, &outlen);
    pthread_mutex_lock(&r->lock);
    snprintf(r->text, sizeof r->text, "%d %.*s|%.*s|%.*s", status, (int)len, (const char *)payload,
             (int)stlen, st, (int)outlen, out);
    r->done = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

static int spawn_hdr(host *h, const char *name, const char *role)
{
    static const char *const all[] = {">"};
    wactor_component_options o = {.name = name,
                                  .path = hdr_agent_path,
                                  .config = role,
                                  .config_len = strlen(role),
                                  .request = {all, 1}};
    int rc = wactor_spawn(h->rt, &o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn %s: %s\n", name, wactor_errmsg(h->rt));
    return rc;
}

static void test_headers(void *arg)
{
    (void)arg;
    host a, b;
    REQUIRE(pair_up(&a, &b, "th"));
    REQUIRE(spawn_hdr(&b, "echo", "echo") == WACTOR_OK);
    REQUIRE(spawn_hdr(&a, "front", "front") == WACTOR_OK);
    REQUIRE(spawn_hdr(&b, "back", "back") == WACTOR_OK);
    CHECK(wactor_lattice_wait(a.lat, "echo", 5000) == WACTOR_OK);
    CHECK(wactor_lattice_wait(a.lat, "back", 5000) == WACTOR_OK);
    hdr_reply r = {.done = false};
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.cond, NULL);
    wactor_header in[] = {{":method", 0, "POST", 4}, {"x-in", 0, "across", 6}};
    wactor_message_options o = {.sender = "@http", .headers = in, .nheaders = 2};
    REQUIRE(wactor_request_with(a.rt, "echo", "", 0, &o, hdr_replied, &r) > 0);
    pthread_mutex_lock(&r.lock);
    while (!r.done)
        pthread_cond_wait(&r.cond, &r.lock);
    pthread_mutex_unlock(&r.lock);
    CHECK(strcmp(r.text, "0 @http POST across|201|across") == 0);
    if (strcmp(r.text, "0 @http POST across|201|across"))
        fprintf(stderr, "got %s\n", r.text);
    char *t = cmd(&a, "front", "go");
    CHECK(strcmp(t, "0 - yes") == 0);
    free(t);
    pthread_mutex_destroy(&r.lock);
    pthread_cond_destroy(&r.cond);
    host_down(&b);
    host_down(&a);
}

static void test_pubsub(void *arg)
{
    (void)arg;
    host a, b;
    REQUIRE(pair_up(&a, &b, "t2"));
    REQUIRE(spawn(&a, "pub", NULL, 0) == WACTOR_OK);
    REQUIRE(spawn(&a, "near", NULL, 0) == WACTOR_OK);
    REQUIRE(spawn(&b, "far", NULL, 0) == WACTOR_OK);
    free(cmd(&b, "far", "!subscribe news.*"));
    free(cmd(&a, "near", "!subscribe news.>"));
    REQUIRE(wactor_lattice_wait(a.lat, "far", 5000) == WACTOR_OK);
    /* The subscription reaches host-a with far's STATE: wait for it. */
    for (uint64_t end = now_ms() + 5000; now_ms() < end; pause_ms(10)) {
        if (wactor_publish(a.rt, "news.probe", "p", 1) == WACTOR_OK &&
            record_has(&b, "far", "news.probe", 1))
            break;
    }
    free(cmd(&a, "pub", "!publish news.today x:ab"));
    CHECK(record_has(&b, "far", "msg pub 0 news.today ab", 1));
    CHECK(record_has(&a, "near", "msg pub 0 news.today ab", 1));
    free(cmd(&a, "pub", "!publish other.topic x:cd"));
    pause_ms(100);
    CHECK(record_has(&b, "far", "other.topic", 0));
    host_down(&b);
    host_down(&a);
}

static void test_replicas(void *arg)
{
    (void)arg;
    host a, b, c;
    REQUIRE(host_up(&a, "t3", "host-a") && host_up(&b, "t3", "host-b") &&
            host_up(&c, "t3", "host-c"));
    REQUIRE(spawn(&a, "svc", NULL, 0) == WACTOR_OK);
    REQUIRE(spawn(&b, "svc", NULL, 0) == WACTOR_OK);
    REQUIRE(spawn(&c, "client", NULL, 0) == WACTOR_OK);
    REQUIRE(wactor_lattice_wait(c.lat, "svc", 5000) == WACTOR_OK);
    /* Local first: host-a's requests never leave host-a. */
    for (int i = 0; i < 5; i++) {
        char *r = cmd(&a, "svc", "local");
        CHECK(strcmp(r, "svc:local") == 0);
        free(r);
    }
    CHECK(record_has(&b, "svc", "msg @host", 0));
    /* From host-c: one replica per sender, always the same. */
    pause_ms(3 * HB_MS); /* both replicas known to host-c */
    for (int i = 0; i < 6; i++) {
        char *r = cmd(&c, "svc", "far");
        CHECK(strcmp(r, "svc:far") == 0);
        free(r);
    }
    char *ra = cmd(&a, "svc", "!report"), *rb = cmd(&b, "svc", "!report");
    int na = count_in(ra, "6661720a") + count_in(ra, "msg @host 1"), fa = count_in(ra, " 666172"),
        fb = count_in(rb, " 666172");
    (void)na;
    CHECK((fa == 6 && fb == 0) || (fa == 0 && fb == 6));
    free(ra);
    free(rb);
    /* A publication reaches each subscribed name once: one replica from
     * host-c; from host-a, host-a's own (it got it here). */
    free(cmd(&a, "svc", "!subscribe ev.*"));
    free(cmd(&b, "svc", "!subscribe ev.*"));
    pause_ms(3 * HB_MS); /* both subscriptions known to host-c */
    for (int i = 0; i < 5; i++)
        CHECK(wactor_publish(c.rt, "ev.x", "e", 1) == WACTOR_OK);
    CHECK(wactor_publish(a.rt, "ev.y", "e", 1) == WACTOR_OK);
    pause_ms(3 * HB_MS);
    ra = cmd(&a, "svc", "!report");
    rb = cmd(&b, "svc", "!report");
    int xa = count_in(ra, " ev.x "), xb = count_in(rb, " ev.x ");
    CHECK((xa == 5 && xb == 0) || (xa == 0 && xb == 5));
    CHECK(count_in(ra, " ev.y ") == 1 && count_in(rb, " ev.y ") == 0);
    free(ra);
    free(rb);
    wactor_host_info *v;
    size_t n;
    REQUIRE(wactor_lattice_hosts(c.lat, &v, &n) == WACTOR_OK);
    CHECK(n == 3 && strcmp(v[0].name, "host-c") == 0 && strcmp(v[1].name, "host-a") == 0 &&
          strcmp(v[2].name, "host-b") == 0);
    wactor_lattice_hosts_free(v, n);
    host_down(&c);
    host_down(&b);
    host_down(&a);
}

static void test_efull(void *arg)
{
    (void)arg;
    host a, b;
    REQUIRE(pair_up(&a, &b, "t4"));
    REQUIRE(spawn(&b, "slow", NULL, 4) == WACTOR_OK);
    REQUIRE(wactor_lattice_wait(a.lat, "slow", 5000) == WACTOR_OK);
    const char spin[] = "!spin 2000000000";
    CHECK(wactor_send(a.rt, "slow", spin, sizeof spin - 1) == WACTOR_OK);
    int ok = 1, full = 0;
    for (int i = 0; i < 20; i++) {
        int rc = wactor_send(a.rt, "slow", "x", 1);
        ok += rc == WACTOR_OK;
        full += rc == WACTOR_EFULL;
    }
    CHECK(full > 0 && ok <= 4 + 1);
    wactor_interrupt(b.rt);
    /* Credits come back once the mailbox drains. */
    for (uint64_t end = now_ms() + 5000; now_ms() < end; pause_ms(20)) {
        wactor_interrupt(b.rt);
        if (wactor_send(a.rt, "slow", "y", 1) == WACTOR_OK)
            break;
    }
    CHECK(record_has(&b, "slow", "msg @host 0 - 79", 1));
    host_down(&b);
    host_down(&a);
}

typedef struct outcome {
    pthread_mutex_t lock;
    int calls, status;
    char text[64];
} outcome;

static void on_outcome(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    outcome *o = arg;
    (void)corr;
    pthread_mutex_lock(&o->lock);
    o->calls++;
    o->status = status;
    snprintf(o->text, sizeof o->text, "%.*s", (int)len, (const char *)payload);
    pthread_mutex_unlock(&o->lock);
}

static bool outcome_wait(outcome *o, int calls, unsigned ms)
{
    for (uint64_t end = now_ms() + ms;; pause_ms(5)) {
        pthread_mutex_lock(&o->lock);
        int n = o->calls;
        pthread_mutex_unlock(&o->lock);
        if (n >= calls || now_ms() > end)
            return n == calls;
    }
}

/* A request pending toward a host that goes: FAILED "host lost" at once,
 * exactly once; by leave, then by freeing the runtime. */
static void test_host_lost(void *arg)
{
    (void)arg;
    for (int how = 0; how < 2; how++) {
        host a, b;
        REQUIRE(pair_up(&a, &b, how ? "t5b" : "t5a"));
        REQUIRE(spawn(&b, "keeper", "mode=hold", 0) == WACTOR_OK);
        REQUIRE(wactor_lattice_wait(a.lat, "keeper", 5000) == WACTOR_OK);
        outcome o = {.lock = PTHREAD_MUTEX_INITIALIZER};
        CHECK(wactor_request(a.rt, "keeper", "q", 1, 20000, on_outcome, &o) > 0);
        CHECK(record_has(&b, "keeper", "msg @host", 1));
        uint64_t t0 = now_ms();
        if (how == 0)
            wactor_lattice_leave(b.lat);
        host_down(&b);
        CHECK(outcome_wait(&o, 1, 3000));
        /* Freed, the runtime stops its components first: the held request
         * fails "stopped" there, and that answer still crosses. */
        CHECK(o.status == WACTOR_STATUS_FAILED &&
              (strcmp(o.text, "host lost") == 0 || (how == 1 && strcmp(o.text, "stopped") == 0)));
        fprintf(stderr, "outcome: %d %s\n", o.status, o.text);
        CHECK(now_ms() - t0 < 3000);
        pause_ms(50);
        CHECK(outcome_wait(&o, 1, 0));
        CHECK(wactor_send(a.rt, "keeper", "x", 1) == WACTOR_ENOTFOUND);
        CHECK(logged(&a.log, "host host-b lost"));
        host_down(&a);
    }
}

/* The server dies and comes back on the same port: both hosts reconnect,
 * what was sent arrives once, in order. */
static void test_server_restart(void *arg)
{
    (void)arg;
    host a, b;
    REQUIRE(pair_up(&a, &b, "t6"));
    REQUIRE(spawn(&b, "sink", NULL, 0) == WACTOR_OK);
    REQUIRE(wactor_lattice_wait(a.lat, "sink", 5000) == WACTOR_OK);
    for (int i = 0; i < 30; i++)
        CHECK(wactor_send(a.rt, "sink", "a", 1) == WACTOR_OK);
    server_stop();
    for (int i = 0; i < 30; i++)
        CHECK(wactor_send(a.rt, "sink", "b", 1) == WACTOR_OK);
    pause_ms(300);
    server_start(NULL);
    for (int i = 0; i < 30; i++)
        CHECK(wactor_send(a.rt, "sink", "c", 1) == WACTOR_OK);
    CHECK(record_has(&b, "sink", "msg @host 0 - 63", 30));
    char *r = cmd(&b, "sink", "!report");
    CHECK(count_in(r, "msg @host 0 - 61") == 30 && count_in(r, "msg @host 0 - 62") == 30);
    /* In order: every a, then every b, then every c. */
    const char *last_a = NULL, *first_b = strstr(r, " 62\n"), *last_b = NULL,
               *first_c = strstr(r, " 63\n");
    for (const char *p = r; (p = strstr(p, " 61\n")) != NULL; p++)
        last_a = p;
    for (const char *p = r; (p = strstr(p, " 62\n")) != NULL; p++)
        last_b = p;
    CHECK(last_a && first_b && last_a < first_b && last_b && first_c && last_b < first_c);
    free(r);
    char *q = cmd(&a, "sink", "after");
    CHECK(strcmp(q, "sink:after") == 0);
    free(q);
    host_down(&b);
    host_down(&a);
}

/* Garbage on the lattice's subjects from a plain NATS client: dropped,
 * counted, logged; a request in flight between the hosts still succeeds. */
static void test_hostile(void *arg)
{
    (void)arg;
    host a, b;
    REQUIRE(pair_up(&a, &b, "t7"));
    REQUIRE(spawn(&b, "svc", "mode=hold", 0) == WACTOR_OK);
    REQUIRE(wactor_lattice_wait(a.lat, "svc", 5000) == WACTOR_OK);
    outcome o = {.lock = PTHREAD_MUTEX_INITIALIZER};
    CHECK(wactor_request(a.rt, "svc", "q", 1, 20000, on_outcome, &o) > 0);
    CHECK(record_has(&b, "svc", "msg @host", 1));

    natsConnection *nc = NULL;
    char u[64];
    REQUIRE(natsConnection_ConnectTo(&nc, url(u, sizeof u)) == NATS_OK);
    /* Learn both instance ids from their heartbeats. */
    natsSubscription *sub = NULL;
    REQUIRE(natsConnection_SubscribeSync(&sub, nc, "wactor.t7.hb") == NATS_OK);
    uint64_t ids[2] = {0, 0};
    for (uint64_t end = now_ms() + 5000; (!ids[0] || !ids[1]) && now_ms() < end;) {
        natsMsg *m = NULL;
        if (natsSubscription_NextMsg(&m, sub, 200) != NATS_OK)
            continue;
        const uint8_t *d = (const uint8_t *)natsMsg_GetData(m);
        size_t len = (size_t)natsMsg_GetDataLength(m);
        lat_frame f;
        if (len > 4 && lat_decode(d + 4, len - 4, 1 << 20, &f) && f.kind == LAT_HEARTBEAT) {
            bool is_b = f.host.len == 6 && memcmp(f.host.p, "host-b", 6) == 0;
            ids[is_b] = f.from;
        }
        natsMsg_Destroy(m);
    }
    REQUIRE(ids[0] && ids[1]);
    char inbox_a[96], inbox_b[96];
    snprintf(inbox_a, sizeof inbox_a, "wactor.t7.h.%016llx", (unsigned long long)ids[0]);
    snprintf(inbox_b, sizeof inbox_b, "wactor.t7.h.%016llx", (unsigned long long)ids[1]);

    const char *subjects[] = {"wactor.t7.hb", inbox_a, inbox_b};
    uint8_t junk[600];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    for (int s = 0; s < 3; s++) {
        for (int len = 0; len < 64; len++)
            natsConnection_Publish(nc, subjects[s], junk, len);
        /* A length past the end, a wrong version, a huge length. */
        uint8_t past[8] = {200, 0, 0, 0, 1, 5, 0, 0};
        natsConnection_Publish(nc, subjects[s], past, sizeof past);
        uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
        natsConnection_Publish(nc, subjects[s], huge, sizeof huge);
    }
    /* Spoofed: link frames "from" host-a to host-b with a wrong epoch and
     * seq, a SEND at seq 1 of a new epoch would replace the link (hosts
     * trust each other), so only out-of-sequence ones here; a REPLY for a
     * request that does not exist; an ACK and RESET of wrong epochs; a
     * BYE "from" an unknown instance. */
    struct {
        uint8_t kind;
        uint64_t from, to;
        uint32_t epoch;
        uint64_t seq;
    } spoof[] = {
        {LAT_SEND, ids[0], ids[1], 12345, 99},
        {LAT_REPLY, ids[0], ids[1], 12345, 7},
        {LAT_ACK, ids[0], ids[1], 0, 0},
        {LAT_RESET, ids[0], ids[1], 0, 0},
        {LAT_BYE, 0x5151, 0, 0, 0},
        {LAT_STATE, 0x5252, ids[1], 9, 4},
    };
    for (size_t i = 0; i < sizeof spoof / sizeof spoof[0]; i++) {
        lat_buf f = {0}, m = {0};
        lat_put_header(&f, spoof[i].kind, 0, spoof[i].from, spoof[i].to, spoof[i].epoch,
                       spoof[i].seq);
        switch (spoof[i].kind) {
        case LAT_SEND:
            lat_put_str(&f, "evil", 4);
            lat_put_str(&f, "svc", 3);
            lat_put_payload(&f, NULL, 0, "boom", 4);
            break;
        case LAT_REPLY:
            lat_put_u64(&f, 1);
            lat_put_u8(&f, WACTOR_STATUS_FAILED);
            lat_put_str(&f, "", 0);
            lat_put_payload(&f, NULL, 0, "spoofed", 7);
            break;
        case LAT_ACK:
            lat_put_u32(&f, 777);
            lat_put_u64(&f, 1000000);
            lat_put_u16(&f, 0);
            break;
        case LAT_RESET:
            lat_put_u32(&f, 777);
            break;
        case LAT_STATE:
            lat_put_str(&f, "ghost", 5);
            lat_put_u32(&f, 1);
            lat_put_u16(&f, 0);
            break;
        default:
            break;
        }
        lat_put_u32(&m, (uint32_t)f.len);
        lat_put_bytes(&m, f.p, f.len);
        const char *subject = spoof[i].kind == LAT_BYE ? "wactor.t7.hb" : inbox_b;
        natsConnection_Publish(nc, subject, m.p, (int)m.len);
        lat_buf_free(&f);
        lat_buf_free(&m);
    }
    natsConnection_Flush(nc);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);

    /* Both hosts still fine: the held request is answered now. */
    pause_ms(100);
    free(cmd(&b, "svc", "!answer 0 fine"));
    CHECK(outcome_wait(&o, 1, 5000));
    CHECK(o.status == WACTOR_STATUS_OK && strcmp(o.text, "fine") == 0);
    CHECK(record_has(&b, "svc", "evil", 0));
    char *r = cmd(&a, "svc", "!mode echo");
    free(r);
    r = cmd(&a, "svc", "again");
    CHECK(strcmp(r, "svc:again") == 0);
    free(r);
    CHECK(logged(&b.log, "dropped"));
    CHECK(!logged(&a.log, "lost") && !logged(&b.log, "lost"));
    host_down(&b);
    host_down(&a);
}

/* Credentials refused: a foreground join fails saying so; a background
 * one says "joining" at once, logs the refusal once (while retrying) and
 * never "joined"; the right password joins. */
static void test_auth(void *arg)
{
    (void)arg;
    int port = free_port();
    auth_pid = server_spawn(port, "wactor");
    logbook log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    wactor_runtime *rt =
        wactor_runtime_new(&(wactor_runtime_options){.workers = 1, .log = on_log, .log_arg = &log});
    REQUIRE(rt != NULL);
    char u[128];
    snprintf(u, sizeof u, "nats://wactor:wrong@127.0.0.1:%d", port);
    wactor_lattice *l = wactor_lattice_join(rt, &(wactor_lattice_options){.url = u, .name = "t9"});
    CHECK(l == NULL && wactor_errcode(NULL) == WACTOR_ESYSTEM);
    CHECK(strstr(wactor_errmsg(NULL), "authorization") != NULL);
    fprintf(stderr, "(expected) %s\n", wactor_errmsg(NULL));
    l = wactor_lattice_join(
        rt, &(wactor_lattice_options){.url = u, .name = "t9", .connect_in_background = true});
    REQUIRE(l != NULL);
    CHECK(logged(&log, "joining lattice t9"));
    for (uint64_t end = now_ms() + 5000; !logged(&log, "authorization") && now_ms() < end;)
        pause_ms(20);
    CHECK(logged(&log, "authorization"));
    CHECK(logged(&log, "4 wactor: lattice t9 at nats://wactor:***@127.0.0.1:")); /* ERROR */
    CHECK(!logged(&log, ":wrong@"));                                             /* no password */
    pause_ms(500);
    CHECK(!logged(&log, "joined"));
    pthread_mutex_lock(&log.lock);
    int lines = count_in(log.text, "authorization");
    pthread_mutex_unlock(&log.lock);
    CHECK(lines == 1);
    wactor_lattice_leave(l);
    snprintf(u, sizeof u, "nats://wactor:secret@127.0.0.1:%d", port);
    l = wactor_lattice_join(rt, &(wactor_lattice_options){.url = u, .name = "t9"});
    CHECK(l != NULL && logged(&log, "lattice t9 joined as"));
    wactor_runtime_free(rt);
}

/* A server whose max_payload is below the largest message: one INFO line
 * says what crosses; a send or request whose frame would not fit is
 * ETOOBIG at once; one that fits crosses. */
static void test_too_big(void *arg)
{
    (void)arg;
    char conf[64];
    snprintf(conf, sizeof conf, "/tmp/lattice-test-%d.conf", (int)getpid());
    FILE *f = fopen(conf, "w");
    REQUIRE(f != NULL);
    fputs("max_payload: 8192\n", f);
    fclose(f);
    int saved = server_port;
    server_port = free_port();
    small_pid = server_spawn(server_port, conf);
    host a, b;
    bool up = pair_up(&a, &b, "t10");
    server_port = saved;
    unlink(conf);
    REQUIRE(up);
    REQUIRE(spawn(&b, "sink", NULL, 0) == WACTOR_OK);
    REQUIRE(wactor_lattice_wait(a.lat, "sink", 5000) == WACTOR_OK);
    CHECK(logged(
        &a.log,
        "the largest message that can cross hosts is 7626 bytes (the NATS server's max_payload "
        "is 8192)"));
    static char big[9000];
    memset(big, 'z', sizeof big);
    CHECK(wactor_send(a.rt, "sink", big, 7627) == WACTOR_ETOOBIG);
    CHECK(wactor_send(a.rt, "sink", big, 7626) == WACTOR_OK);
    int status;
    void *ans = NULL;
    size_t len;
    CHECK(wactor_call(a.rt, "sink", big, 8000, 1000, &status, &ans, &len) == WACTOR_ETOOBIG);
    CHECK(record_has(&b, "sink", "msg @host 0 - #7626:", 1));
    pthread_mutex_lock(&a.log.lock);
    CHECK(count_in(a.log.text, "can cross hosts") == 1);
    pthread_mutex_unlock(&a.log.lock);
    host_down(&b);
    host_down(&a);
    kill(small_pid, SIGKILL);
    waitpid(small_pid, NULL, 0);
    small_pid = 0;
}

/* Publishes one frame (in a NATS message of its own). */
static void put_frame(natsConnection *nc, const char *subject, lat_buf *f)
{
    lat_buf m = {0};
    lat_put_u32(&m, (uint32_t)f->len);
    lat_put_bytes(&m, f->p, f->len);
    natsConnection_Publish(nc, subject, m.p, (int)m.len);
    natsConnection_Flush(nc);
    lat_buf_free(&m);
    lat_buf_free(f);
}

/* The next frame of kind on sub (the first of each message), or false. */
static bool next_frame(natsSubscription *sub, uint8_t kind, lat_frame *f, natsMsg **keep)
{
    for (uint64_t end = now_ms() + 5000; now_ms() < end;) {
        natsMsg *m = NULL;
        if (natsSubscription_NextMsg(&m, sub, 100) != NATS_OK)
            continue;
        const uint8_t *d = (const uint8_t *)natsMsg_GetData(m);
        size_t len = (size_t)natsMsg_GetDataLength(m), off = 0, flen;
        const uint8_t *frame;
        bool bad;
        while (lat_batch_next(d, len, &off, &frame, &flen, &bad))
            if (lat_decode(frame, flen, 1 << 20, f) && f->kind == kind) {
                *keep = m;
                return true;
            }
        natsMsg_Destroy(m);
    }
    return false;
}

/* A host that falls silent (no BYE: a raw NATS client playing "ghost") is
 * lost after 3 heartbeats: the request pending toward it fails "host
 * lost"; a frame of its old link then gets RESET back. */
static void test_silent_host(void *arg)
{
    (void)arg;
    host a;
    REQUIRE(host_up(&a, "t11", "host-a"));
    natsConnection *nc = NULL;
    char u[64];
    REQUIRE(natsConnection_ConnectTo(&nc, url(u, sizeof u)) == NATS_OK);
    const uint64_t ghost = 0x6705770000000001ull;
    natsSubscription *inbox = NULL;
    REQUIRE(natsConnection_SubscribeSync(&inbox, nc, "wactor.t11.h.6705770000000001") == NATS_OK);
    natsConnection_Flush(nc);
    lat_buf f = {0};
    lat_put_header(&f, LAT_HELLO, 0, ghost, 0, 0, 0);
    lat_put_str(&f, "ghost", 5);
    put_frame(nc, "wactor.t11.hb", &f);
    /* host-a opens its link with its STATE; the ghost answers with its own. */
    lat_frame st;
    natsMsg *m = NULL;
    REQUIRE(next_frame(inbox, LAT_STATE, &st, &m));
    uint64_t a_id = st.from;
    natsMsg_Destroy(m);
    char a_inbox[64];
    snprintf(a_inbox, sizeof a_inbox, "wactor.t11.h.%016llx", (unsigned long long)a_id);
    lat_put_header(&f, LAT_STATE, 0, ghost, a_id, 4242, 1);
    lat_put_str(&f, "ghost", 5);
    lat_put_u32(&f, 1);
    lat_put_u16(&f, 1);
    lat_put_str(&f, "phantom", 7);
    lat_put_u32(&f, 10);
    lat_put_u16(&f, 0);
    put_frame(nc, a_inbox, &f);
    REQUIRE(wactor_lattice_wait(a.lat, "phantom", 5000) == WACTOR_OK);
    outcome o = {.lock = PTHREAD_MUTEX_INITIALIZER};
    uint64_t t0 = now_ms();
    CHECK(wactor_request(a.rt, "phantom", "q", 1, 20000, on_outcome, &o) > 0);
    lat_frame rq;
    CHECK(next_frame(inbox, LAT_REQUEST, &rq, &m));
    natsMsg_Destroy(m);
    /* Silence: lost within 3 heartbeats (and a tick). */
    CHECK(outcome_wait(&o, 1, 3000));
    CHECK(o.status == WACTOR_STATUS_FAILED && strcmp(o.text, "host lost") == 0);
    CHECK(now_ms() - t0 < 2000);
    CHECK(logged(&a.log, "host ghost lost (no heartbeat)"));
    CHECK(wactor_send(a.rt, "phantom", "x", 1) == WACTOR_ENOTFOUND);
    /* The ghost's old link goes on: RESET. */
    lat_put_header(&f, LAT_SEND, 0, ghost, a_id, 4242, 2);
    lat_put_str(&f, "phantom", 7);
    lat_put_str(&f, "nobody", 6);
    lat_put_payload(&f, NULL, 0, "x", 1);
    put_frame(nc, a_inbox, &f);
    lat_frame rs;
    CHECK(next_frame(inbox, LAT_RESET, &rs, &m) && rs.ack_epoch == 4242 && rs.from == a_id);
    natsMsg_Destroy(m);
    natsSubscription_Destroy(inbox);
    natsConnection_Destroy(nc);
    host_down(&a);
}

/* Received by a component of h (its statistics). */
static uint64_t received(host *h, const char *name)
{
    wactor_stats st;
    if (wactor_component_stats(h->rt, name, &st) != WACTOR_OK)
        return 0;
    return st.received;
}

/* Polls until name on h has received want (10 s at most). */
static bool received_wait(host *h, const char *name, uint64_t want)
{
    for (uint64_t end = now_ms() + 10000;; pause_ms(5)) {
        uint64_t n = received(h, name);
        if (n >= want || now_ms() > end)
            return n == want;
    }
}

/* Sends n messages from h's host to target, retrying EFULL (the credits
 * come back as the target consumes) for 10 s at most: how many went. */
static int send_n(host *h, const char *target, int n)
{
    int ok = 0;
    for (uint64_t end = now_ms() + 10000; ok < n && now_ms() < end;) {
        int rc = wactor_send(h->rt, target, "m", 1);
        if (rc == WACTOR_OK)
            ok++;
        else
            pause_ms(1);
    }
    return ok;
}

/* A one-sided loss: host-b is frozen (its lock held, as a paused process
 * would be) until host-a has lost it; host-b, back, finds its own clock
 * jumped and keeps host-a. After that, more than a window of messages in
 * both directions: no lasting EFULL, no duplicate, the window still holds. */
static void test_one_sided_loss(void *arg)
{
    (void)arg;
    host a, b;
    REQUIRE(pair_up(&a, &b, "t13"));
    REQUIRE(spawn(&a, "sinka", "quiet", 8) == WACTOR_OK);
    REQUIRE(spawn(&b, "sinkb", "quiet", 8) == WACTOR_OK);
    REQUIRE(wactor_lattice_wait(a.lat, "sinkb", 5000) == WACTOR_OK);
    REQUIRE(wactor_lattice_wait(b.lat, "sinka", 5000) == WACTOR_OK);
    /* More than a window each way: the credit counters are past it. */
    CHECK(send_n(&a, "sinkb", 30) == 30);
    CHECK(send_n(&b, "sinka", 30) == 30);
    CHECK(received_wait(&b, "sinkb", 30));
    CHECK(received_wait(&a, "sinka", 30));
    pause_ms(3 * 20); /* the last ACKs */

    pthread_mutex_lock(&b.lat->lock);
    for (uint64_t end = now_ms() + 5000; now_ms() < end && !logged(&a.log, "host host-b lost");)
        pause_ms(5);
    pthread_mutex_unlock(&b.lat->lock);
    CHECK(logged(&a.log, "host host-b lost (no heartbeat)"));
    CHECK(!logged(&b.log, "host host-a lost"));

    /* Back: host-a hears host-b again; both links start again. */
    REQUIRE(wactor_lattice_wait(a.lat, "sinkb", 5000) == WACTOR_OK);
    int ab = send_n(&a, "sinkb", 30), ba = send_n(&b, "sinka", 30);
    CHECK(ab == 30 && ba == 30);
    CHECK(received_wait(&b, "sinkb", 30 + (uint64_t)ab));
    CHECK(received_wait(&a, "sinka", 30 + (uint64_t)ba));
    CHECK(!logged(&b.log, "host host-a lost"));

    /* The window still holds toward host-b: a busy target takes at most its
     * window (plus the message it is busy with) before EFULL. */
    const char spin[] = "!spin 2000000000";
    CHECK(send_n(&a, "sinkb", 1) == 1);
    CHECK(wactor_send(a.rt, "sinkb", spin, sizeof spin - 1) == WACTOR_OK);
    int ok = 0, full = 0;
    for (int i = 0; i < 40; i++) {
        int rc = wactor_send(a.rt, "sinkb", "x", 1);
        ok += rc == WACTOR_OK;
        full += rc == WACTOR_EFULL;
    }
    CHECK(full > 0 && ok <= 8 + 1);
    fprintf(stderr, "after the loss: %d sent, %d EFULL toward a busy target\n", ok, full);
    for (uint64_t end = now_ms() + 5000; now_ms() < end; pause_ms(20)) {
        wactor_interrupt(b.rt);
        if (wactor_send(a.rt, "sinkb", "y", 1) == WACTOR_OK)
            break;
    }
    /* Nothing twice, even later. */
    pause_ms(300);
    CHECK(received(&a, "sinka") == 60);
    host_down(&b);
    host_down(&a);
}

/* The protocol's corners, with a raw NATS client playing host "ghost":
 * the old link of a host we lost is never accepted again, not even from
 * seq 1 (its messages may have been delivered); a link whose seq 1 we
 * missed gets RESET "unknown"; a host that said BYE does not come back
 * through a late link frame. */
static void test_dead_link(void *arg)
{
    (void)arg;
    host a;
    REQUIRE(host_up(&a, "t14", "host-a"));
    REQUIRE(spawn(&a, "sink", "quiet", 0) == WACTOR_OK);
    natsConnection *nc = NULL;
    char u[64];
    REQUIRE(natsConnection_ConnectTo(&nc, url(u, sizeof u)) == NATS_OK);
    const uint64_t ghost = 0x6705770000000002ull;
    natsSubscription *inbox = NULL;
    REQUIRE(natsConnection_SubscribeSync(&inbox, nc, "wactor.t14.h.6705770000000002") == NATS_OK);
    natsConnection_Flush(nc);
    lat_buf f = {0};
    lat_put_header(&f, LAT_HELLO, 0, ghost, 0, 0, 0);
    lat_put_str(&f, "ghost", 5);
    put_frame(nc, "wactor.t14.hb", &f);
    lat_frame st;
    natsMsg *m = NULL;
    REQUIRE(next_frame(inbox, LAT_STATE, &st, &m));
    uint64_t a_id = st.from;
    natsMsg_Destroy(m);
    char a_inbox[64];
    snprintf(a_inbox, sizeof a_inbox, "wactor.t14.h.%016llx", (unsigned long long)a_id);
    /* Link 4243: STATE, then three sends to sink. */
    for (int round = 0; round < 2; round++) {
        lat_put_header(&f, LAT_STATE, 0, ghost, a_id, 4243, 1);
        lat_put_str(&f, "ghost", 5);
        lat_put_u32(&f, 1);
        lat_put_u16(&f, 0);
        put_frame(nc, a_inbox, &f);
        for (uint64_t seq = 2; seq <= 4; seq++) {
            lat_put_header(&f, LAT_SEND, 0, ghost, a_id, 4243, seq);
            lat_put_str(&f, "ghost-c", 7);
            lat_put_str(&f, "sink", 4);
            lat_put_payload(&f, NULL, 0, "x", 1);
            put_frame(nc, a_inbox, &f);
        }
        if (round == 0) {
            /* Names that are nothing here make no credit slot. */
            for (uint64_t seq = 5; seq <= 15; seq++) {
                char name[32];
                int len = snprintf(name, sizeof name, "nobody-%d", (int)seq);
                lat_put_header(&f, LAT_SEND, 0, ghost, a_id, 4243, seq);
                lat_put_str(&f, "ghost-c", 7);
                if (seq < 15)
                    lat_put_str(&f, name, (size_t)len);
                else
                    lat_put_str(&f, "sink", 4);
                lat_put_payload(&f, NULL, 0, "x", 1);
                put_frame(nc, a_inbox, &f);
            }
            CHECK(received_wait(&a, "sink", 4));
            pthread_mutex_lock(&a.lat->lock);
            CHECK(a.lat->nslots == 1);
            pthread_mutex_unlock(&a.lat->lock);
            /* Silence until host-a loses the ghost, then it is heard again. */
            for (uint64_t end = now_ms() + 5000;
                 now_ms() < end && !logged(&a.log, "host ghost lost");)
                pause_ms(5);
            CHECK(logged(&a.log, "host ghost lost (no heartbeat)"));
            lat_put_header(&f, LAT_HELLO, 0, ghost, 0, 0, 0);
            lat_put_str(&f, "ghost", 5);
            put_frame(nc, "wactor.t14.hb", &f);
        }
    }
    /* The same link again, from seq 1: RESET (not "unknown"), nothing twice. */
    lat_frame rs;
    CHECK(next_frame(inbox, LAT_RESET, &rs, &m) && rs.ack_epoch == 4243 && rs.flags == 0);
    natsMsg_Destroy(m);
    pause_ms(100);
    CHECK(received(&a, "sink") == 4);
    /* A new link whose seq 1 went missing: RESET "unknown". */
    lat_put_header(&f, LAT_SEND, 0, ghost, a_id, 4244, 2);
    lat_put_str(&f, "ghost-c", 7);
    lat_put_str(&f, "sink", 4);
    lat_put_payload(&f, NULL, 0, "x", 1);
    put_frame(nc, a_inbox, &f);
    bool got = false;
    while (!got && next_frame(inbox, LAT_RESET, &rs, &m)) { /* past those of 4243 */
        got = rs.ack_epoch == 4244;
        CHECK(!got || rs.flags == LAT_RESET_UNKNOWN);
        natsMsg_Destroy(m);
    }
    CHECK(got);
    /* BYE, then a late first frame of a new link: the ghost stays gone. */
    lat_put_header(&f, LAT_BYE, 0, ghost, 0, 0, 0);
    put_frame(nc, "wactor.t14.hb", &f);
    for (uint64_t end = now_ms() + 5000;
         now_ms() < end && !logged(&a.log, "host ghost lost (it left)");)
        pause_ms(5);
    CHECK(logged(&a.log, "host ghost lost (it left)"));
    lat_put_header(&f, LAT_STATE, 0, ghost, a_id, 4245, 1);
    lat_put_str(&f, "ghost", 5);
    lat_put_u32(&f, 2);
    lat_put_u16(&f, 0);
    put_frame(nc, a_inbox, &f);
    lat_put_header(&f, LAT_HELLO, 0, ghost, 0, 0, 0);
    lat_put_str(&f, "ghost", 5);
    put_frame(nc, "wactor.t14.hb", &f);
    pause_ms(200);
    wactor_host_info *v;
    size_t n;
    REQUIRE(wactor_lattice_hosts(a.lat, &v, &n) == WACTOR_OK);
    CHECK(n == 1);
    wactor_lattice_hosts_free(v, n);
    natsSubscription_Destroy(inbox);
    natsConnection_Destroy(nc);
    host_down(&a);
}

/* A runtime leaves and joins again while messages from another host wait
 * in a mailbox: once handled, they are not credited to the new lattice
 * (their origin tags are the old one's), and the new links' credits work. */
static void test_rejoin(void *arg)
{
    (void)arg;
    host a, b;
    REQUIRE(pair_up(&a, &b, "t15"));
    REQUIRE(spawn(&b, "slow", "quiet", 4) == WACTOR_OK);
    REQUIRE(wactor_lattice_wait(a.lat, "slow", 5000) == WACTOR_OK);
    const char spin[] = "!spin 2000000000";
    CHECK(wactor_send(a.rt, "slow", spin, sizeof spin - 1) == WACTOR_OK);
    for (int i = 0; i < 3; i++)
        CHECK(wactor_send(a.rt, "slow", "x", 1) == WACTOR_OK);
    wactor_stats st = {0};
    for (uint64_t end = now_ms() + 5000; now_ms() < end; pause_ms(5))
        if (wactor_component_stats(b.rt, "slow", &st) == WACTOR_OK && st.queued >= 3)
            break;
    CHECK(st.queued >= 3);
    wactor_lattice_leave(b.lat);
    char u[64];
    b.lat = wactor_lattice_join(
        b.rt, &(wactor_lattice_options){
                  .url = url(u, sizeof u), .name = "t15", .host = "host-b", .heartbeat_ms = HB_MS});
    REQUIRE(b.lat != NULL);
    REQUIRE(wactor_lattice_wait(a.lat, "slow", 5000) == WACTOR_OK);
    wactor_interrupt(b.rt); /* the old messages leave the mailbox now */
    for (uint64_t end = now_ms() + 5000; now_ms() < end; pause_ms(5))
        if (wactor_component_stats(b.rt, "slow", &st) == WACTOR_OK && st.queued == 0)
            break;
    CHECK(st.queued == 0);
    uint64_t before = received(&b, "slow");
    CHECK(send_n(&a, "slow", 12) == 12);
    CHECK(received_wait(&b, "slow", before + 12));
    host_down(&b);
    host_down(&a);
}

typedef struct joined_seen {
    pthread_mutex_t lock;
    int calls;
    bool other_thread;
    pthread_t joiner;
    char text[300];
} joined_seen;

static void on_joined(void *arg, const char *lattice, const char *host)
{
    joined_seen *j = arg;
    pthread_mutex_lock(&j->lock);
    j->calls++;
    j->other_thread = !pthread_equal(pthread_self(), j->joiner);
    snprintf(j->text, sizeof j->text, "%s %s", lattice, host);
    pthread_mutex_unlock(&j->lock);
}

/* The joined callback: once, on a lattice thread, once connected; in the
 * background too (the server is there). */
static void test_joined_callback(void *arg)
{
    (void)arg;
    for (int bg = 0; bg < 2; bg++) {
        joined_seen j = {.lock = PTHREAD_MUTEX_INITIALIZER, .joiner = pthread_self()};
        wactor_runtime *rt = wactor_runtime_new(&(wactor_runtime_options){.workers = 1});
        REQUIRE(rt != NULL);
        char u[64];
        wactor_lattice *l =
            wactor_lattice_join(rt, &(wactor_lattice_options){.url = url(u, sizeof u),
                                                              .name = "t12",
                                                              .host = "cb-host",
                                                              .connect_in_background = bg,
                                                              .joined = on_joined,
                                                              .joined_arg = &j});
        CHECK(l != NULL);
        for (uint64_t end = now_ms() + 5000; now_ms() < end; pause_ms(5)) {
            pthread_mutex_lock(&j.lock);
            int calls = j.calls;
            pthread_mutex_unlock(&j.lock);
            if (calls)
                break;
        }
        CHECK(wactor_lattice_wait(l, NULL, 5000) == WACTOR_OK);
        pthread_mutex_lock(&j.lock);
        CHECK(j.calls == 1 && j.other_thread && strcmp(j.text, "t12 cb-host") == 0);
        pthread_mutex_unlock(&j.lock);
        wactor_runtime_free(rt);
    }
}

/* Joining fails cleanly: nobody at the URL, a bad name, twice. */
static void test_join_errors(void *arg)
{
    (void)arg;
    wactor_runtime *rt = wactor_runtime_new(&(wactor_runtime_options){.workers = 1});
    REQUIRE(rt != NULL);
    char u[64];
    snprintf(u, sizeof u, "nats://127.0.0.1:%d", free_port());
    wactor_lattice *l = wactor_lattice_join(
        rt, &(wactor_lattice_options){.url = u, .name = "t8", .connect_timeout_ms = 500});
    CHECK(l == NULL && wactor_errcode(NULL) == WACTOR_ESYSTEM);
    CHECK(strncmp(wactor_errmsg(NULL), "cannot join lattice t8 at ", 26) == 0);
    CHECK(count_in(wactor_errmsg(NULL), "cannot") == 1);
    fprintf(stderr, "(expected) %s\n", wactor_errmsg(NULL));
    l = wactor_lattice_join(rt, &(wactor_lattice_options){.url = u, .name = "a.b"});
    CHECK(l == NULL && wactor_errcode(NULL) == WACTOR_EINVAL);
    l = wactor_lattice_join(rt, &(wactor_lattice_options){.url = url(u, sizeof u), .name = "t8"});
    CHECK(l != NULL);
    CHECK(wactor_lattice_join(rt, &(wactor_lattice_options){.url = u, .name = "t8"}) == NULL &&
          wactor_errcode(NULL) == WACTOR_EEXIST);
    wactor_runtime_free(rt);
}

/* ---- perf (not a ctest case): the figures bench/ will hold us to ------------------ */

static void raw_echo(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure)
{
    (void)sub;
    (void)closure;
    natsConnection_Publish(nc, natsMsg_GetReply(m), natsMsg_GetData(m), natsMsg_GetDataLength(m));
    natsMsg_Destroy(m);
}

static void raw_count(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure)
{
    (void)nc;
    (void)sub;
    atomic_fetch_add((atomic_int *)closure, 1);
    natsMsg_Destroy(m);
}

static void test_perf(void *arg)
{
    (void)arg;
    int n_rtt = 2000, n_tp = 200000;
    char u[64];
    url(u, sizeof u);
    natsConnection *c1, *c2;
    natsOptions *no;
    natsOptions_Create(&no);
    natsOptions_SetURL(no, u);
    if (getenv("PERF_ASAP"))
        natsOptions_SetSendAsap(no, true);
    REQUIRE(natsConnection_Connect(&c1, no) == NATS_OK);
    REQUIRE(natsConnection_Connect(&c2, no) == NATS_OK);
    natsOptions_Destroy(no);
    natsSubscription *echo, *count;
    atomic_int got = 0;
    natsConnection_Subscribe(&echo, c2, "raw.echo", raw_echo, NULL);
    natsConnection_Subscribe(&count, c2, "raw.count", raw_count, &got);
    natsSubscription_SetPendingLimits(count, -1, -1);
    natsConnection_Flush(c2);
    uint64_t t0 = now_ms();
    for (int i = 0; i < n_rtt; i++) {
        natsMsg *reply = NULL;
        natsConnection_Request(&reply, c1, "raw.echo", "ping", 4, 5000);
        natsMsg_Destroy(reply);
    }
    double raw_rtt = (double)(now_ms() - t0) * 1000.0 / n_rtt;
    t0 = now_ms();
    for (int i = 0; i < n_tp; i++)
        natsConnection_Publish(c1, "raw.count", "x", 1);
    natsConnection_Flush(c1);
    while (atomic_load(&got) < n_tp && now_ms() - t0 < 30000)
        pause_ms(1);
    double raw_tp = n_tp / ((double)(now_ms() - t0) / 1000.0);
    natsSubscription_Destroy(echo);
    natsSubscription_Destroy(count);
    natsConnection_Destroy(c1);
    natsConnection_Destroy(c2);

    host a, b;
    REQUIRE(pair_up(&a, &b, "perf"));
    REQUIRE(spawn(&b, "echo", "quiet", 1000000) == WACTOR_OK);
    REQUIRE(wactor_lattice_wait(a.lat, "echo", 5000) == WACTOR_OK);
    t0 = now_ms();
    for (int i = 0; i < n_rtt; i++) {
        int status;
        void *ans = NULL;
        size_t len;
        wactor_call(a.rt, "echo", "ping", 4, 5000, &status, &ans, &len);
        free(ans);
    }
    double lat_rtt = (double)(now_ms() - t0) * 1000.0 / n_rtt;
    wactor_stats st;
    wactor_component_stats(b.rt, "echo", &st);
    uint64_t base = st.received;
    t0 = now_ms();
    int full = 0;
    for (int i = 0; i < n_tp;) {
        int rc = wactor_send(a.rt, "echo", "x", 1);
        if (rc == WACTOR_OK)
            i++;
        else
            full++, sched_yield();
    }
    uint64_t sent_ms = now_ms() - t0;
    for (; now_ms() - t0 < 30000; pause_ms(1)) {
        wactor_component_stats(b.rt, "echo", &st);
        if (st.received - base >= (uint64_t)n_tp)
            break;
    }
    double lat_tp = n_tp / ((double)(now_ms() - t0) / 1000.0);
    printf("rtt: raw %.1f us, lattice %.1f us (%.2fx)\n", raw_rtt, lat_rtt, lat_rtt / raw_rtt);
    printf("throughput: raw %.0f/s, lattice %.0f/s (%.0f%%), %d EFULL retries, sent in %llu ms\n",
           raw_tp, lat_tp, 100 * lat_tp / raw_tp, full, (unsigned long long)sent_ms);
    /* The same into a component of this runtime: what the receiver can take. */
    REQUIRE(spawn(&a, "local", "quiet", 1000000) == WACTOR_OK);
    t0 = now_ms();
    for (int i = 0; i < n_tp;)
        if (wactor_send(a.rt, "local", "x", 1) == WACTOR_OK)
            i++;
    for (; now_ms() - t0 < 30000; pause_ms(1)) {
        wactor_component_stats(a.rt, "local", &st);
        if (st.received >= (uint64_t)n_tp)
            break;
    }
    printf("local: %.0f/s\n", n_tp / ((double)(now_ms() - t0) / 1000.0));
    host_down(&b);
    host_down(&a);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        {"send_request", test_send_request},
        {"pubsub", test_pubsub},
        {"replicas", test_replicas},
        {"efull", test_efull},
        {"host_lost", test_host_lost},
        {"hostile", test_hostile},
        {"join_errors", test_join_errors},
        {"auth", test_auth},
        {"too_big", test_too_big},
        {"silent_host", test_silent_host},
        {"joined_callback", test_joined_callback},
        {"server_restart", test_server_restart},
        {"one_sided_loss", test_one_sided_loss},
        {"dead_link", test_dead_link},
        {"rejoin", test_rejoin},
        {"headers", test_headers},
    };
    if (argc < 3) {
        fprintf(stderr, "usage: %s CASE|all AGENT.wasm [HDR_AGENT.wasm]\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    hdr_agent_path = argc > 3 ? argv[3] : NULL;
    signal(SIGPIPE, SIG_IGN);
    server_port = free_port();
    server_start(NULL);
    atexit(server_stop);
    /* "perf" prints figures; never part of "all" nor of ctest. */
    static const test_case perf[] = {{"perf", test_perf}};
    int rc = strcmp(argv[1], "perf") == 0
                 ? test_run(perf, 1, argv[1], NULL)
                 : test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
    server_stop();
    return rc;
}
