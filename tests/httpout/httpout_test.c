/*
 * httpout_test.c: outbound HTTP (ABI.md v2, "Outbound HTTP") end to end: a
 * component (tests/guest/http_agent.c) calls http_request, the runtime's
 * HTTP client (src/httpclient, libcurl) talks to a real HTTP server that
 * this test runs on a loopback port it picks (libmicrohttpd), and the
 * outcome comes back as the component's callback. Cases: a GET with
 * request and response headers, a POST body, a 404 passed through,
 * connect refused, a server that never answers (timeout), a host outside
 * the grant (EDENIED and an audit line), malformed arguments (EINVAL), and
 * a runtime without a client.
 *
 * usage: httpout_test CASE|all HTTP_AGENT.wasm
 */
#include "../e2e/tier.h"
#include "../unit/harness.h"
#include "wactor.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *agent_path;

/* ---- the origin server ---------------------------------------------------- */

typedef struct upload {
    char data[4096];
    size_t len;
} upload;

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "X-Origin", "yes");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result origin(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *data_len, void **state)
{
    (void)cls;
    (void)version;
    upload *u = *state;
    if (!u) { /* the first call: headers only */
        *state = calloc(1, sizeof *u);
        return *state ? MHD_YES : MHD_NO;
    }
    if (*data_len) {
        size_t n =
            *data_len < sizeof u->data - 1 - u->len ? *data_len : sizeof u->data - 1 - u->len;
        memcpy(u->data + u->len, data, n);
        u->len += n;
        *data_len = 0;
        return MHD_YES;
    }
    char text[4200];
    if (!strcmp(url, "/hello")) {
        const char *x = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-req");
        snprintf(text, sizeof text, "hello %s %s", method, x ? x : "-");
        return respond(conn, 200, text);
    }
    if (!strcmp(url, "/echo")) {
        snprintf(text, sizeof text, "%s %s", method, u->data);
        return respond(conn, 201, text);
    }
    return respond(conn, 404, "nope");
}

static void origin_done(void *cls, struct MHD_Connection *conn, void **state,
                        enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)conn;
    (void)why;
    free(*state);
    *state = NULL;
}

static struct MHD_Daemon *origin_start(unsigned *port)
{
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, origin,
                         NULL, MHD_OPTION_NOTIFY_COMPLETED, origin_done, NULL, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&(struct sockaddr_in){
                             .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
                         MHD_OPTION_END);
    if (d)
        *port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return d;
}

/* A loopback socket: listening (connections complete in the kernel, and
 * nothing ever answers them) or closed again (connections are refused). */
static int loopback_socket(bool listening, unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0 || (listening && listen(fd, 8) != 0))
        return -1;
    *port = ntohs(a.sin_port);
    if (!listening) {
        close(fd);
        return 0;
    }
    return fd;
}

/* ---- the system ------------------------------------------------------------- */

static char audit_text[8192];
static size_t audit_len;
static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_audit(void *arg, const char *line, size_t len)
{
    (void)arg;
    pthread_mutex_lock(&audit_lock);
    if (audit_len + len + 1 < sizeof audit_text) {
        memcpy(audit_text + audit_len, line, len);
        audit_len += len;
        audit_text[audit_len++] = '\n';
        audit_text[audit_len] = 0;
    }
    pthread_mutex_unlock(&audit_lock);
}

static wactor_runtime *start(bool with_client)
{
    wactor_runtime_options ro = {.workers = 2, .audit = on_audit};
    test_tier(&ro);
    wactor_runtime *rt = wactor_runtime_new(&ro);
    if (!rt)
        return NULL;
    static const char *const hosts[] = {"127.0.0.1", "*.example.invalid:8080"};
    wactor_component_options o = {.name = "agent", .path = agent_path, .http = {hosts, 2}};
    if (wactor_spawn(rt, &o) != WACTOR_OK || (with_client && !wactor_http_client_start(rt))) {
        fprintf(stderr, "start: %s / %s\n", wactor_errmsg(rt), wactor_errmsg(NULL));
        wactor_runtime_free(rt);
        return NULL;
    }
    return rt;
}

/* What the agent answers for one call: "STATUS SENDER :status x-origin|BODY"
 * or "ERR CODE". */
__attribute__((format(printf, 2, 3))) static char *call(wactor_runtime *rt, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int status;
    void *answer = NULL;
    size_t len = 0;
    int rc = wactor_call(rt, "agent", text, strlen(text), 60000, &status, &answer, &len);
    char *s = calloc(1, len + 64);
    if (rc != WACTOR_OK || status != WACTOR_STATUS_OK)
        snprintf(s, len + 64, "CALL %d %d", rc, status);
    else
        memcpy(s, answer, len);
    free(answer);
    return s;
}

static bool answer_is(char *got, const char *want)
{
    bool same = strcmp(got, want) == 0;
    if (!same)
        fprintf(stderr, "got  \"%s\"\nwant \"%s\"\n", got, want);
    free(got);
    return same;
}

static bool answer_starts(char *got, const char *want)
{
    bool same = strncmp(got, want, strlen(want)) == 0;
    if (!same)
        fprintf(stderr, "got  \"%s\"\nwant \"%s...\"\n", got, want);
    free(got);
    return same;
}

/* ---- cases ---------------------------------------------------------------------- */

static void test_exchange(void *arg)
{
    (void)arg;
    unsigned port;
    struct MHD_Daemon *d = origin_start(&port);
    REQUIRE(d != NULL);
    wactor_runtime *rt = start(true);
    REQUIRE(rt != NULL);
    CHECK(answer_is(call(rt, "GET http://127.0.0.1:%u/hello 5000\nx-req: abc\n", port),
                    "0 @http 200 yes|hello GET abc"));
    CHECK(answer_is(call(rt, "POST http://127.0.0.1:%u/echo?q=1 5000\n\nthe body", port),
                    "0 @http 201 yes|POST the body"));
    CHECK(answer_is(
        call(rt, "PUT http://127.0.0.1:%u/echo 5000\ncontent-type: text/plain\nput", port),
        "0 @http 201 yes|PUT put"));
    CHECK(answer_is(call(rt, "GET http://127.0.0.1:%u/missing 5000\n\n", port),
                    "0 @http 404 yes|nope"));
    wactor_runtime_free(rt);
    MHD_stop_daemon(d);
}

static void test_fail_cases(void *arg)
{
    (void)arg;
    unsigned closed, silent;
    REQUIRE(loopback_socket(false, &closed) == 0);
    int fd = loopback_socket(true, &silent);
    REQUIRE(fd > 0);
    wactor_runtime *rt = start(true);
    REQUIRE(rt != NULL);
    CHECK(answer_starts(call(rt, "GET http://127.0.0.1:%u/ 5000\n\n", closed),
                        "3 @http - -|connect: "));
    CHECK(answer_starts(call(rt, "GET http://127.0.0.1:%u/ 300\n\n", silent),
                        "3 @http - -|timeout: "));
    wactor_runtime_free(rt);
    close(fd);
}

static void test_refusals(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start(true);
    REQUIRE(rt != NULL);
    char want[32];
    snprintf(want, sizeof want, "ERR %d", WACTOR_EDENIED);
    CHECK(answer_is(call(rt, "GET http://10.0.0.1/ 100\n\n"), want));
    CHECK(answer_is(call(rt, "GET http://a.example.invalid:9090/ 100\n\n"), want));
    CHECK(answer_is(call(rt, "GET http://a.b.example.invalid:8080/ 100\n\n"), want));
    pthread_mutex_lock(&audit_lock);
    CHECK(strstr(audit_text, "\"action\":\"http\"") &&
          strstr(audit_text, "\"decision\":\"denied\"") && strstr(audit_text, "http://10.0.0.1/"));
    pthread_mutex_unlock(&audit_lock);
    snprintf(want, sizeof want, "ERR %d", WACTOR_EINVAL);
    const char *bad[] = {
        "GET http://user@127.0.0.1/ 100\n\n",
        "GET ftp://127.0.0.1/ 100\n\n",
        "get http://127.0.0.1/ 100\n\n",
        "GET http://127.0.0.1:0/ 100\n\n",
        "GET http://127.0.0.1/#frag 100\n\n",
        "GET http://127.0.0.1/ 100\nno colon\n",
        "GET http://127.0.0.1/ 100\nbad name: x\n",
        "GET http://[zz]/ 100\n\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(answer_is(call(rt, "%s", bad[i]), want));
    wactor_runtime_free(rt);
}

static void test_no_client(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start(false);
    REQUIRE(rt != NULL);
    CHECK(answer_is(call(rt, "GET http://127.0.0.1:1/ 100\n\n"),
                    "3 @http - -|no HTTP client in this runtime"));
    wactor_http_client *c = wactor_http_client_start(rt);
    CHECK(c != NULL && wactor_http_client_start(rt) == NULL);
    wactor_http_client_stop(c);
    CHECK(answer_is(call(rt, "GET http://127.0.0.1:1/ 100\n\n"),
                    "3 @http - -|no HTTP client in this runtime"));
    wactor_runtime_free(rt);
}

static const test_case tests[] = {
    {"exchange", test_exchange},
    {"failures", test_fail_cases},
    {"refusals", test_refusals},
    {"no_client", test_no_client},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TEST|all HTTP_AGENT.wasm\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
