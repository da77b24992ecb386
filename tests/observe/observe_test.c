/*
 * observe_test.c: the observe pages (src/observe, docs/OBSERVE.md) against a runtime with known
 * traffic: /metrics parsed by promtool and its values checked; /status.json parsed by python3
 * (check_status.py) with its edges; the dashboard's bytes and the paths that are no page.
 *
 * usage: observe_test CASE|all E2E_AGENT.wasm OUT_DIR CHECK_STATUS.py
 *   OUT_DIR keeps what was rendered (metrics.txt, status.json) for a person to read.
 *   `observe_test serve AGENT OUT_DIR SECONDS` runs a demo system for that long, with traffic,
 *   writing dashboard.html and status.json into OUT_DIR, for looking at the page when no HTTP
 *   server is at hand (python3 -m http.server in OUT_DIR, then /dashboard.html).
 */
#include "../unit/harness.h"
#include "observe.h"
#include "wactor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *agent_path, *out_dir, *check_status;

static int spawn(wactor_runtime *rt, const char *name, const char *send_to)
{
    const char *targets[] = {send_to};
    wactor_component_options o = {
        .name = name,
        .path = agent_path,
        .config = "quiet",
        .config_len = 5,
        .send = {targets, send_to ? 1 : 0},
        .request = {targets, send_to ? 1 : 0},
    };
    int rc = wactor_spawn(rt, &o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn %s: %s\n", name, wactor_errmsg(rt));
    return rc;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Polls until name is running again with at least `restarts` restarts (deadline 10 s). */
static bool wait_restarted(wactor_runtime *rt, const char *name, uint64_t restarts)
{
    for (uint64_t end = now_ms() + 10000; now_ms() < end;) {
        wactor_stats s;
        if (wactor_component_stats(rt, name, &s) == WACTOR_OK && s.restarts >= restarts &&
            s.state == WACTOR_STATE_RUNNING)
            return true;
        struct timespec ts = {0, 5 * 1000000}; /* a poll's pause, not a synchronisation */
        nanosleep(&ts, NULL);
    }
    return false;
}

/* The system of every case: front sends 25 messages and 3 requests to back, the host 4
 * messages to back, and crashy traps once (and is restarted). */
static wactor_runtime *traffic(void)
{
    wactor_runtime *rt = wactor_runtime_new(&(wactor_runtime_options){.workers = 2});
    if (rt == NULL)
        return NULL;
    bool ok = spawn(rt, "front", "back") == WACTOR_OK && spawn(rt, "back", NULL) == WACTOR_OK &&
              spawn(rt, "crashy", NULL) == WACTOR_OK;
    const char *cmds[] = {"!sendn back 25 hello", "!requestn back 3 5000 ping"};
    for (size_t i = 0; ok && i < 2; i++)
        ok = wactor_send(rt, "front", cmds[i], strlen(cmds[i])) == WACTOR_OK;
    for (int i = 0; ok && i < 4; i++)
        ok = wactor_send(rt, "back", "data", 4) == WACTOR_OK;
    ok = ok && wactor_send(rt, "crashy", "!trap", 5) == WACTOR_OK;
    ok = ok && wactor_wait_idle(rt, 10000) == WACTOR_OK && wait_restarted(rt, "crashy", 1) &&
         wactor_wait_idle(rt, 10000) == WACTOR_OK;
    if (!ok) {
        fprintf(stderr, "the traffic did not happen: %s\n", wactor_errmsg(rt));
        wactor_runtime_free(rt);
        return NULL;
    }
    return rt;
}

static char *page(const observe_ctx *ctx, const char *path, const char *want_type, size_t *len)
{
    char *body = NULL;
    const char *type = NULL;
    int rc = observe_page(ctx, path, &body, len, &type);
    if (rc != WACTOR_OK || body == NULL || type == NULL || strcmp(type, want_type) != 0) {
        fprintf(stderr, "%s: %s (%s)\n", path, wactor_result_name(rc), type ? type : "-");
        free(body);
        return NULL;
    }
    return body;
}

static bool save(const char *name, const char *body, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(body, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "cannot write %s\n", path);
    return ok;
}

/* Runs cmd with text on its standard input: its exit status (-1 if it did not run). */
static int pipe_to(const char *cmd, const char *text, size_t len)
{
    FILE *p = popen(cmd, "w");
    if (p == NULL)
        return -1;
    fwrite(text, 1, len, p);
    int st = pclose(p);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The value of the sample written exactly as `series` (name and labels), or -1. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

static const char metrics_type[] = "text/plain; version=0.0.4; charset=utf-8";

static void test_metrics(void *arg)
{
    (void)arg;
    wactor_runtime *rt = traffic();
    REQUIRE(rt != NULL);
    observe_http_count http[] = {{"/echo", 200, 7}, {"", 404, 2}, {"/we\"ird\\r\noute", 503, 1}};
    observe_ctx ctx = {.rt = rt, .manifest = "app.yaml", .http = http, .nhttp = 3};
    size_t len = 0;
    char *m = page(&ctx, "/metrics", metrics_type, &len);
    REQUIRE(m != NULL);
    CHECK(len == strlen(m));
    save("metrics.txt", m, len);
    CHECK(pipe_to("promtool check metrics", m, len) == 0);
    /* What was sent is what was received. */
    CHECK(sample(m, "wactor_components") == 3);
    CHECK(sample(m, "wactor_messages_sent_total{component=\"front\"}") == 28);
    CHECK(sample(m, "wactor_messages_received_total{component=\"front\"}") == 2);
    CHECK(sample(m, "wactor_messages_received_total{component=\"back\"}") == 32);
    CHECK(sample(m, "wactor_edge_messages_total{from=\"front\",to=\"back\"}") == 28);
    CHECK(sample(m, "wactor_edge_messages_total{from=\"@host\",to=\"back\"}") == 4);
    CHECK(sample(m, "wactor_requests_total{component=\"front\",outcome=\"ok\"}") == 3);
    CHECK(sample(m, "wactor_requests_total{component=\"front\",outcome=\"failed\"}") == 0);
    CHECK(sample(m, "wactor_crashes_total{component=\"crashy\",reason=\"unreachable\"}") == 1);
    CHECK(sample(m, "wactor_crashes_total{component=\"back\",reason=\"unreachable\"}") == 0);
    CHECK(sample(m, "wactor_restarts_total{component=\"crashy\"}") == 1);
    CHECK(sample(m, "wactor_component_state{component=\"crashy\",state=\"running\"}") == 1);
    CHECK(sample(m, "wactor_mailbox_depth{component=\"back\"}") == 0);
    CHECK(sample(m, "wactor_mailbox_bound{component=\"back\"}") == 10000);
    CHECK(sample(m, "wactor_memory_bytes{component=\"back\"}") > 0);
    CHECK(sample(m, "wactor_storage_bytes{component=\"back\"}") == 0);
    CHECK(sample(m, "wactor_fuel_used_total{component=\"back\"}") > 0);
    /* Handlers: back's 32 messages; front's 2 commands and 3 callbacks. The +Inf bucket is the
     * count, and the buckets never decrease. */
    CHECK(sample(m, "wactor_handler_duration_seconds_count{component=\"back\"}") == 32);
    CHECK(sample(m, "wactor_handler_duration_seconds_count{component=\"front\"}") == 5);
    CHECK(sample(m, "wactor_handler_duration_seconds_bucket{component=\"back\",le=\"+Inf\"}") ==
          32);
    CHECK(sample(m, "wactor_handler_duration_seconds_bucket{component=\"back\",le=\"1e-06\"}") >=
          0);
    CHECK(sample(m, "wactor_handler_duration_seconds_bucket{component=\"back\",le=\"10\"}") <= 32);
    CHECK(sample(m, "wactor_handler_duration_seconds_sum{component=\"back\"}") > 0);
    CHECK(sample(m, "wactor_http_requests_total{route=\"/echo\",status=\"200\"}") == 7);
    CHECK(sample(m, "wactor_http_requests_total{route=\"\",status=\"404\"}") == 2);
    CHECK(
        sample(m, "wactor_http_requests_total{route=\"/we\\\"ird\\\\r\\noute\",status=\"503\"}") ==
        1);
    CHECK(strstr(m, "# TYPE wactor_handler_duration_seconds histogram\n") != NULL);
    CHECK(strstr(m, "wactor_lattice") == NULL); /* in no lattice */
    free(m);
    wactor_runtime_free(rt);
}

static void test_status(void *arg)
{
    (void)arg;
    wactor_runtime *rt = traffic();
    REQUIRE(rt != NULL);
    observe_ctx ctx = {.rt = rt, .manifest = "dir/app.yaml"};
    size_t len = 0;
    char *s = page(&ctx, "/status.json", "application/json", &len);
    REQUIRE(s != NULL);
    CHECK(len == strlen(s) && len > 0 && s[len - 1] == '\n');
    save("status.json", s, len);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "python3 %s -", check_status);
    CHECK(pipe_to(cmd, s, len) == 0);
    free(s);
    wactor_runtime_free(rt);
}

static void test_pages(void *arg)
{
    (void)arg;
    wactor_runtime *rt = wactor_runtime_new(&(wactor_runtime_options){.workers = 1});
    REQUIRE(rt != NULL);
    observe_ctx ctx = {.rt = rt};
    char *body = (char *)"x";
    size_t len = 1;
    const char *type = "x";
    const char *none[] = {"/", "", "/metrics/", "/Metrics", "/status", "/dashboard.html", "/me"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        CHECK(observe_page(&ctx, none[i], &body, &len, &type) == WACTOR_ENOTFOUND);
        CHECK(body == NULL && len == 0 && type == NULL);
    }
    CHECK(observe_page(NULL, "/metrics", &body, &len, &type) == WACTOR_EINVAL);
    CHECK(observe_page(&ctx, NULL, &body, &len, &type) == WACTOR_EINVAL);
    /* An empty runtime: every family, no samples but the totals; an empty document. */
    char *m = page(&ctx, "/metrics", metrics_type, &len);
    CHECK(m != NULL && sample(m, "wactor_components") == 0);
    CHECK(m != NULL && pipe_to("promtool check metrics", m, len) == 0);
    free(m);
    char *s = page(&ctx, "/status.json", "application/json", &len);
    CHECK(s != NULL && strstr(s, "\"components\":[],\"edges\":[],\"lattice\":null}\n") != NULL);
    free(s);
    char *d = page(&ctx, "/dashboard", "text/html; charset=utf-8", &len);
    REQUIRE(d != NULL);
    CHECK(len == strlen(d) && strncmp(d, "<!doctype html>", 15) == 0);
    CHECK(strstr(d, "fetch(\"status.json\"") != NULL);
    /* Self-contained: nothing is fetched from elsewhere (the one URL is SVG's namespace). */
    CHECK(strstr(d, "https:") == NULL && strstr(d, "<link") == NULL && strstr(d, " src=") == NULL &&
          strstr(d, "@import") == NULL);
    for (const char *p = strstr(d, "http:"); p != NULL; p = strstr(p + 1, "http:"))
        CHECK(strncmp(p, "http://www.w3.org/2000/svg\"", 27) == 0);
    save("dashboard.html", d, len);
    free(d);
    wactor_runtime_free(rt);
}

/* ---- a lattice: the per-host families and status.json's lattice object --------------------- */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
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

/* A nats-server on port, killed with the test at the latest (PR_SET_PDEATHSIG). */
static pid_t nats_start(int port)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char text[16];
        snprintf(text, sizeof text, "%d", port);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execl("/usr/sbin/nats-server", "nats-server", "-a", "127.0.0.1", "-p", text, (char *)NULL);
        _exit(127);
    }
    for (uint64_t end = now_ms() + 10000; pid > 0 && now_ms() < end;) {
        if (port_answers(port))
            return pid;
        struct timespec ts = {0, 10 * 1000000}; /* a poll's pause */
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "nats-server did not start on port %d\n", port);
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return -1;
}

static bool received_at_least(wactor_runtime *rt, const char *name, uint64_t n)
{
    for (uint64_t end = now_ms() + 10000; now_ms() < end;) {
        wactor_stats s;
        if (wactor_component_stats(rt, name, &s) == WACTOR_OK && s.received >= n)
            return true;
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void test_lattice(void *arg)
{
    (void)arg;
    int port = free_port();
    REQUIRE(port > 0);
    pid_t nats = nats_start(port);
    REQUIRE(nats > 0);
    char url[64];
    snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
    wactor_runtime *a = wactor_runtime_new(&(wactor_runtime_options){.workers = 1});
    wactor_runtime *b = wactor_runtime_new(&(wactor_runtime_options){.workers = 1});
    wactor_lattice *la = NULL, *lb = NULL;
    if (a && b) {
        la = wactor_lattice_join(
            a, &(wactor_lattice_options){.url = url, .name = "obs", .host = "host-a"});
        lb = wactor_lattice_join(
            b, &(wactor_lattice_options){.url = url, .name = "obs", .host = "host-b"});
    }
    bool up = la && lb && spawn(a, "front", "remote") == WACTOR_OK &&
              spawn(b, "remote", NULL) == WACTOR_OK &&
              wactor_lattice_wait(la, "remote", 10000) == WACTOR_OK &&
              wactor_send(a, "front", "!sendn remote 5 hi", 18) == WACTOR_OK &&
              received_at_least(b, "remote", 5);
    CHECK(up);
    observe_ctx ctx = {.rt = a, .lattice = la, .manifest = "a.yaml", .lattice_name = "obs"};
    size_t len = 0;
    char *m = up ? page(&ctx, "/metrics", metrics_type, &len) : NULL;
    if (m != NULL) {
        save("metrics-lattice.txt", m, len);
        CHECK(pipe_to("promtool check metrics", m, len) == 0);
        CHECK(sample(m, "wactor_lattice_hosts") == 2);
        CHECK(sample(m, "wactor_lattice_messages_sent_total{host=\"host-b\"}") >= 5);
        CHECK(sample(m, "wactor_lattice_bytes_sent_total{host=\"host-b\"}") > 0);
        CHECK(sample(m, "wactor_lattice_last_seen_seconds{host=\"host-b\"}") >= 0);
        CHECK(sample(m, "wactor_lattice_messages_sent_total{host=\"host-a\"}") == -1); /* self */
        CHECK(sample(m, "wactor_messages_sent_total{component=\"front\"}") == 5);
    }
    free(m);
    char *s = up ? page(&ctx, "/status.json", "application/json", &len) : NULL;
    CHECK(s != NULL &&
          strstr(s, "\"lattice\":{\"name\":\"obs\",\"host\":\"host-a\",\"hosts\":[") != NULL);
    CHECK(s != NULL && strstr(s, "\"components\":[\"remote\"]") != NULL);
    free(s);
    wactor_runtime_free(a); /* each leaves its lattice first */
    wactor_runtime_free(b);
    kill(nats, SIGKILL);
    waitpid(nats, NULL, 0);
}

/* ---- serve: the dashboard's data without an HTTP server ------------------------------------ */

/* Writes name into out_dir by a rename, so a reader never sees half a file. */
static bool publish_file(const char *name, const char *body, size_t len)
{
    char tmp[256], from[4096], path[4096];
    snprintf(tmp, sizeof tmp, ".%.200s.tmp", name);
    snprintf(from, sizeof from, "%.3000s/%s", out_dir, tmp);
    snprintf(path, sizeof path, "%.3000s/%.200s", out_dir, name);
    return save(tmp, body, len) && rename(from, path) == 0;
}

/* A demo system for the dashboard: gateway sends to orders, orders asks billing, thumbnailer
 * crashed once (and runs again), mailer cannot start (it ends failed). Keeps traffic going and
 * rewrites status.json 5 times a second for `seconds`; dashboard.html once. The pauses pace
 * the load: nothing waits on them. */
static int serve(int seconds)
{
    wactor_runtime *rt = wactor_runtime_new(&(wactor_runtime_options){.workers = 2});
    if (rt == NULL)
        return 1;
    const char *orders[] = {"orders"}, *billing[] = {"billing"};
    wactor_component_options o[] = {
        {.name = "gateway", .send = {orders, 1}},
        {.name = "orders", .send = {billing, 1}, .request = {billing, 1}},
        {.name = "billing"},
        {.name = "thumbnailer"},
        {.name = "mailer", .config = "quiet initfail", .config_len = 14},
    };
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++) {
        o[i].path = agent_path;
        if (o[i].config == NULL) {
            o[i].config = "quiet";
            o[i].config_len = 5;
        }
        int rc = wactor_spawn(rt, &o[i]);
        if (rc != WACTOR_OK && !(rc == WACTOR_ESTART && i == 4)) {
            fprintf(stderr, "spawn %s: %s\n", o[i].name, wactor_errmsg(rt));
            wactor_runtime_free(rt);
            return 1;
        }
    }
    wactor_send(rt, "thumbnailer", "!trap", 5);
    observe_ctx ctx = {.rt = rt, .manifest = "demo/wactor.yaml"};
    size_t len;
    char *d = page(&ctx, "/dashboard", "text/html; charset=utf-8", &len);
    bool ok = d != NULL && publish_file("dashboard.html", d, len);
    free(d);
    for (uint64_t end = now_ms() + (uint64_t)seconds * 1000, tick = 0; ok && now_ms() < end;
         tick++) {
        wactor_send(rt, "gateway", "!sendn orders 12 order", 21);
        if (tick % 3 == 0)
            wactor_send(rt, "orders", "!requestn billing 2 1000 bill", 29);
        if (tick % 10 == 0)
            wactor_send(rt, "thumbnailer", "resize", 6);
        if (tick % 10 == 0) {
            char *j = page(&ctx, "/status.json", "application/json", &len);
            ok = j != NULL && publish_file("status.json", j, len);
            free(j);
        }
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    wactor_runtime_free(rt);
    return ok ? 0 : 1;
}

static const test_case tests[] = {
    {"metrics", test_metrics},
    {"status", test_status},
    {"pages", test_pages},
    {"lattice", test_lattice},
};

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: observe_test CASE|all E2E_AGENT.wasm OUT_DIR CHECK_STATUS.py\n");
        return 2;
    }
    agent_path = argv[2];
    out_dir = argv[3];
    check_status = argv[4];
    if (strcmp(argv[1], "serve") == 0)
        return serve(atoi(argv[4]));
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
