/*
 * e2e_test: end-to-end tests of messaging between real components (tests/guest/e2e_*.c,
 * compiled to wasm32 at build time), through the embedding API (include/wactor.h) only.
 *
 *   e2e_test CASE AGENT.wasm NOMSG.wasm NOCB.wasm
 *
 * Most components are instances of the scriptable agent (tests/guest/e2e_agent.c: its header
 * describes the commands and the record). A test sends agents commands with wactor_call, which
 * returns once the command has run, waits for the consequences with wactor_wait_idle or with a
 * condition variable on a host callback, then reads the agents' records ("!report") and checks
 * what arrived. Nothing sleeps, nothing measures time: request timeouts fire on their own and
 * wait_idle waits for them.
 *
 * Environment: E2E_VERBOSE=1 prints every log and audit line; E2E_BLAST_N sets the number of
 * messages and of requests each pair exchanges in the concurrency case (default 10000).
 */
#include "../unit/harness.h"
#include "tier.h"
#include "wactor.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>

static const char *agent_path, *nomsg_path, *nocb_path;

/* The wait for quiescence: generous, it only turns a hang into a failure message. */
#define IDLE_MS 100000u
#define CALL_MS 60000u

/* ---- logs and audit lines, kept per test ---------------------------------- */

typedef struct capture {
    pthread_mutex_t lock;
    char *buf;
    size_t len, cap;
} capture;

static capture audit_lines = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};
static capture log_lines = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

static void capture_add(capture *c, const char *a, const char *b, size_t blen)
{
    pthread_mutex_lock(&c->lock);
    size_t need = c->len + strlen(a) + blen + 2;
    if (need > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < need)
            cap *= 2;
        char *nb = realloc(c->buf, cap);
        if (!nb) {
            pthread_mutex_unlock(&c->lock);
            return;
        }
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, a, strlen(a));
    c->len += strlen(a);
    memcpy(c->buf + c->len, b, blen);
    c->len += blen;
    c->buf[c->len++] = '\n';
    c->buf[c->len] = 0;
    pthread_mutex_unlock(&c->lock);
}

static void capture_reset(capture *c)
{
    pthread_mutex_lock(&c->lock);
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = 0;
    pthread_mutex_unlock(&c->lock);
}

/* Lines of the capture containing every one of the (up to 3) strings. */
static int capture_count(capture *c, const char *s1, const char *s2, const char *s3)
{
    int n = 0;
    pthread_mutex_lock(&c->lock);
    for (char *line = c->buf; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *copy = strndup(line, len);
        if (copy && strstr(copy, s1) && (!s2 || strstr(copy, s2)) && (!s3 || strstr(copy, s3)))
            n++;
        free(copy);
        line = nl ? nl + 1 : line + len;
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

static void on_audit(void *arg, const char *line, size_t len)
{
    (void)arg;
    capture_add(&audit_lines, "", line, len);
    if (getenv("E2E_VERBOSE"))
        fprintf(stderr, "audit %.*s\n", (int)len, line);
}

static void on_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    (void)arg;
    char head[300];
    snprintf(head, sizeof head, "%d %s: ", level, component ? component : "wactor");
    capture_add(&log_lines, head, text, len);
    if (getenv("E2E_VERBOSE") || level >= WACTOR_LOG_ERROR)
        fprintf(stderr, "log %s%.*s\n", head, (int)len, text);
}

/* ---- runtime and components --------------------------------------------- */

typedef struct env {
    wactor_runtime *rt;
    wactor_module *agent;
} env;

static env setup_with(wactor_runtime_options o)
{
    test_tier(&o);
    capture_reset(&audit_lines);
    capture_reset(&log_lines);
    o.log = on_log;
    o.audit = on_audit;
    env e = {wactor_runtime_new(&o), NULL};
    if (e.rt) {
        e.agent = wactor_module_load_file(e.rt, agent_path);
        if (!e.agent)
            fprintf(stderr, "cannot load %s: %s\n", agent_path, wactor_errmsg(e.rt));
    }
    return e;
}

static env setup(unsigned workers, uint32_t max_message, uint32_t request_timeout_ms)
{
    return setup_with((wactor_runtime_options){
        .workers = workers, .max_message = max_message, .request_timeout_ms = request_timeout_ms});
}

static void teardown(env *e)
{
    wactor_runtime_free(e->rt);
    wactor_module_free(e->agent);
    e->rt = NULL;
    e->agent = NULL;
}

/* An agent's spawn options: capabilities are space-separated pattern lists. */
typedef struct spec {
    const char *name, *config;
    const char *send, *request, *publish, *subscribe;
    uint32_t mailbox, pending, stack;
    int64_t fuel;
    uint64_t memory;
    int restart;
} spec;

#define MAX_PATTERNS 8

typedef struct patterns {
    char text[512];
    const char *v[MAX_PATTERNS];
} patterns;

static wactor_patterns split(patterns *p, const char *list)
{
    size_t n = 0;
    snprintf(p->text, sizeof p->text, "%s", list ? list : "");
    char *rest = p->text;
    for (char *t; n < MAX_PATTERNS && (t = strsep(&rest, " ")) != NULL;)
        if (*t)
            p->v[n++] = t;
    return (wactor_patterns){p->v, n};
}

static int spawn_agent(env *e, spec s)
{
    patterns ps, pr, pp, pu;
    wactor_component_options o = {.name = s.name,
                                  .module = e->agent,
                                  .config = s.config,
                                  .config_len = s.config ? strlen(s.config) : 0,
                                  .send = split(&ps, s.send),
                                  .request = split(&pr, s.request),
                                  .publish = split(&pp, s.publish),
                                  .subscribe = split(&pu, s.subscribe)};
    o.limits.mailbox = s.mailbox;
    o.limits.pending = s.pending;
    o.limits.stack = s.stack;
    o.limits.fuel = s.fuel;
    o.limits.memory = s.memory;
    o.restart = s.restart;
    int rc = wactor_spawn(e->rt, &o);
    if (rc != WACTOR_OK)
        fprintf(stderr, "spawn %s: %s: %s\n", s.name, wactor_result_name(rc), wactor_errmsg(e->rt));
    return rc;
}

#define SPAWN(e, ...) REQUIRE(spawn_agent(&(e), (spec){__VA_ARGS__}) == WACTOR_OK)

/* ---- commands and records ----------------------------------------------- */

/* Sends the command as a request and returns the agent's answer (malloc'd, NUL-terminated;
 * "" after a failure, which is counted). */
__attribute__((format(printf, 4, 5))) static char *cmd_at(int line, wactor_runtime *rt,
                                                          const char *target, const char *fmt, ...)
{
    char text[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int status = -1;
    void *answer = NULL;
    size_t len = 0;
    int rc = wactor_call(rt, target, text, strlen(text), CALL_MS, &status, &answer, &len);
    if (rc != WACTOR_OK || status != WACTOR_STATUS_OK) {
        fprintf(stderr, "%s:%d: command \"%.60s\" to %s: %s, status %s\n", __FILE__, line, text,
                target, wactor_result_name(rc), rc == WACTOR_OK ? wactor_status_name(status) : "-");
        test_failures++;
        free(answer);
        return strdup("");
    }
    char *s = malloc(len + 1);
    if (len)
        memcpy(s, answer, len);
    s[len] = 0;
    free(answer);
    return s;
}

#define CMD(rt, target, ...) cmd_at(__LINE__, rt, target, __VA_ARGS__)

/* The answer as a number (a correlation id or a result code). */
#define CMD_NUM(rt, target, ...) num_of(CMD(rt, target, __VA_ARGS__))

static int64_t num_of(char *s)
{
    int64_t v = strtoll(s, NULL, 10);
    free(s);
    return v;
}

/* Compares and frees got; what and whose name it in the failure message. */
static bool expect_str(int line, const char *what, const char *whose, char *got, const char *want)
{
    bool ok = strcmp(got, want) == 0;
    if (!ok) {
        fprintf(stderr, "%s:%d: %s %s:\n--- got ---\n%s\n--- want ---\n%s\n-----------\n", __FILE__,
                line, what, whose, got, want);
        test_failures++;
    }
    free(got);
    return ok;
}

/* The command's answer must be exactly `want`. */
#define EXPECT_CMD(rt, target, want, ...)                                                          \
    expect_str(__LINE__, "answer of", target, CMD(rt, target, __VA_ARGS__), want)

static char *report(wactor_runtime *rt, const char *name)
{
    return CMD(rt, name, "!report");
}

/* The lines of text that start with prefix, in order (malloc'd). */
static char *lines_with(const char *text, const char *prefix)
{
    size_t cap = strlen(text) + 1, used = 0;
    char *out = malloc(cap);
    out[0] = 0;
    size_t plen = strlen(prefix);
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
        if (strncmp(line, prefix, plen) == 0) {
            memcpy(out + used, line, len);
            used += len;
            out[used] = 0;
        }
        line += len;
    }
    return out;
}

static int count_lines(const char *text, const char *prefix)
{
    int n = 0;
    size_t plen = strlen(prefix);
    for (const char *line = text; *line;) {
        if (strncmp(line, prefix, plen) == 0)
            n++;
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : line + strlen(line);
    }
    return n;
}

/* The whole record of the agent must be `want`. */
#define EXPECT_REPORT(rt, name, want)                                                              \
    expect_str(__LINE__, "record of", name, report(rt, name), want)
/* Its lines starting with prefix must be `want`. */
#define EXPECT_LINES(rep, prefix, want)                                                            \
    expect_str(__LINE__, "lines starting with", prefix, lines_with(rep, prefix), want)

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* The agent's form of a payload: "-", hex up to 64 bytes, else #LEN:FNV. */
static const char *repr(char *out, const void *payload, size_t n)
{
    const uint8_t *p = payload;
    if (n == 0)
        return strcpy(out, "-");
    if (n > 64) {
        sprintf(out, "#%zu:%08x", n, fnv1a(p, n));
        return out;
    }
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    return out;
}

static const char *hex(char *out, const char *s)
{
    return repr(out, s, strlen(s));
}

/* The bytes of the agents' "gen:N" argument. */
static uint8_t *gen(size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7 + 3);
    return b;
}

static void idle(int line, wactor_runtime *rt)
{
    int rc = wactor_wait_idle(rt, IDLE_MS);
    if (rc != WACTOR_OK) {
        fprintf(stderr, "%s:%d: wait_idle: %s\n", __FILE__, line, wactor_result_name(rc));
        test_failures++;
    }
}

#define IDLE(rt) idle(__LINE__, rt)

static wactor_stats stats(wactor_runtime *rt, const char *name)
{
    wactor_stats s;
    memset(&s, 0xff, sizeof s);
    int rc = wactor_component_stats(rt, name, &s);
    if (rc != WACTOR_OK) {
        fprintf(stderr, "stats of %s: %s\n", name, wactor_result_name(rc));
        test_failures++;
    }
    return s;
}

/* ---- host callbacks ----------------------------------------------------- */

typedef struct hcb {
    int64_t corr;
    int status;
    char payload[512];
    size_t len;
} hcb;

typedef struct hcbs {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    hcb v[64];
    int n;
    int calls; /* including any past the array */
} hcbs;

static void hcbs_init(hcbs *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
}

static void hcbs_fini(hcbs *c)
{
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
}

static void hcb_fn(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    hcbs *c = arg;
    pthread_mutex_lock(&c->lock);
    if (c->n < 64) {
        hcb *h = &c->v[c->n++];
        h->corr = corr;
        h->status = status;
        h->len = len;
        if (len)
            memcpy(h->payload, payload, len < sizeof h->payload ? len : sizeof h->payload);
    }
    c->calls++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

/* Waits until n callbacks have come (the requests' own timeouts bound the wait). */
static void hcbs_wait(hcbs *c, int n)
{
    pthread_mutex_lock(&c->lock);
    while (c->calls < n)
        pthread_cond_wait(&c->cond, &c->lock);
    pthread_mutex_unlock(&c->lock);
}

static int hcbs_calls(hcbs *c)
{
    pthread_mutex_lock(&c->lock);
    int n = c->calls;
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* The callback of corr (NULL if none), and how many it got. */
static const hcb *hcbs_find(hcbs *c, int64_t corr, int *count)
{
    const hcb *found = NULL;
    *count = 0;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < c->n; i++)
        if (c->v[i].corr == corr) {
            found = &c->v[i];
            ++*count;
        }
    pthread_mutex_unlock(&c->lock);
    return found;
}

/* ---- 1. fire-and-forget ------------------------------------------------- */

/* Sends in a batch (wactor_batch_begin/end) from this thread, which is no
 * worker: nothing is lost by the deferred wake, whether the workers slept
 * through the batch or not, and a second begin inside a batch is ignored. */
static void test_batch(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "B");
    SPAWN(e, .name = "C");
    for (int round = 0; round < 50; round++) {
        IDLE(e.rt); /* the workers go to sleep: the batch's wake is the only one */
        wactor_batch_begin(e.rt);
        wactor_batch_begin(e.rt);
        for (int i = 0; i < 4; i++) {
            CHECK(wactor_send(e.rt, "B", "b", 1) == WACTOR_OK);
            CHECK(wactor_send(e.rt, "C", "c", 1) == WACTOR_OK);
        }
        wactor_batch_end(e.rt);
        wactor_batch_end(e.rt); /* the second end finds no batch */
    }
    IDLE(e.rt);
    CHECK(stats(e.rt, "B").received == 200);
    CHECK(stats(e.rt, "C").received == 200);
    teardown(&e);
}

static void test_send(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "A", .send = "B");
    SPAWN(e, .name = "B");
    SPAWN(e, .name = "C");

    static const uint8_t bin[] = {0x00, 0xff, 'h', 'i', 0x00, 0x80, 0x7f, 0xff, '\n', ' '};
    size_t big_len = 100000;
    uint8_t *big = malloc(big_len), *genbig = gen(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (uint8_t)(i % 251);

    EXPECT_CMD(e.rt, "A", "0", "!send B x:00ff686900807fff0a20");
    CHECK(wactor_send(e.rt, "B", bin, sizeof bin) == WACTOR_OK);
    EXPECT_CMD(e.rt, "A", "0", "!send B");
    EXPECT_CMD(e.rt, "A", "0", "!send B gen:100000");
    CHECK(wactor_send(e.rt, "B", big, big_len) == WACTOR_OK);
    EXPECT_CMD(e.rt, "A", "0", "!send B hello world");
    IDLE(e.rt);

    wactor_stats sb = stats(e.rt, "B"), sa = stats(e.rt, "A"), sc = stats(e.rt, "C");
    CHECK(sb.received == 6 && sb.sent == 0 && sb.queued == 0);
    CHECK(sa.sent == 4 && sa.received == 4); /* A received the four commands */
    CHECK(sc.received == 0);

    /* B gets each message once, from the right sender, with the exact bytes, in the order
     * each sender sent them. */
    char want[2048], h1[300], h2[300], h3[300], h4[300];
    snprintf(want, sizeof want,
             "msg A 0 - %s\n"
             "msg A 0 - -\n"
             "msg A 0 - %s\n"
             "msg A 0 - %s\n",
             repr(h1, bin, sizeof bin), repr(h2, genbig, big_len), hex(h3, "hello world"));
    CHECK(strncmp(want, "msg A 0 - 00ff686900807fff0a20\n", 31) == 0);
    char *rep = report(e.rt, "B");
    EXPECT_LINES(rep, "msg A ", want);
    snprintf(want, sizeof want, "msg @host 0 - %s\nmsg @host 0 - %s\n", repr(h1, bin, sizeof bin),
             repr(h4, big, big_len));
    EXPECT_LINES(rep, "msg @host ", want);
    CHECK(count_lines(rep, "") == 6);
    free(rep);
    EXPECT_REPORT(e.rt, "C", "");
    EXPECT_REPORT(e.rt, "A", "rc send 0\nrc send 0\nrc send 0\nrc send 0\n");
    free(big);
    free(genbig);
    teardown(&e);
}

/* ---- 2. request-response ------------------------------------------------ */

static void test_request(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "A", .request = "A B C D");
    SPAWN(e, .name = "B");
    SPAWN(e, .name = "C", .config = "mode=error");
    SPAWN(e, .name = "D", .config = "mode=fail");

    int64_t id1 = CMD_NUM(e.rt, "A", "!request B 0 x:00ff41");
    int64_t id2 = CMD_NUM(e.rt, "A", "!request B 5000 second");
    int64_t id3 = CMD_NUM(e.rt, "A", "!request C 0 x");
    int64_t id4 = CMD_NUM(e.rt, "A", "!request D 0 y");
    CHECK(id1 > 0 && id2 > 0 && id3 > 0 && id4 > 0);
    CHECK(id1 != id2 && id1 != id3 && id1 != id4 && id2 != id3 && id2 != id4 && id3 != id4);
    IDLE(e.rt);

    char line[512], h[300];
    char *rep = report(e.rt, "A");
    CHECK(count_lines(rep, "cb ") == 4);
    static const uint8_t b_answer[] = {'B', ':', 0x00, 0xff, 0x41};
    snprintf(line, sizeof line, "cb %" PRId64 " 0 B %s\n", id1, repr(h, b_answer, 5));
    char *at1 = strstr(rep, line);
    CHECK(at1 != NULL);
    snprintf(line, sizeof line, "cb %" PRId64 " 0 B %s\n", id2, hex(h, "B:second"));
    char *at2 = strstr(rep, line);
    CHECK(at2 != NULL && at2 > at1); /* B's answers arrive in the order of A's requests */
    snprintf(line, sizeof line, "cb %" PRId64 " 1 C %s\n", id3, hex(h, "nope"));
    CHECK(strstr(rep, line) != NULL);
    snprintf(line, sizeof line, "cb %" PRId64 " 1 D -\n", id4); /* failed handler: ERROR, empty */
    CHECK(strstr(rep, line) != NULL);
    free(rep);

    char want[512];
    snprintf(want, sizeof want, "msg A %" PRId64 " - 00ff41\nmsg A %" PRId64 " - %s\n", id1, id2,
             hex(h, "second"));
    EXPECT_REPORT(e.rt, "B", want);
    snprintf(want, sizeof want, "msg A %" PRId64 " - 78\n", id3);
    EXPECT_REPORT(e.rt, "C", want);

    wactor_stats sa = stats(e.rt, "A");
    CHECK(sa.sent == 4 && sa.pending == 0);
    CHECK(sa.callbacks[WACTOR_STATUS_OK] == 2 && sa.callbacks[WACTOR_STATUS_ERROR] == 2);
    CHECK(sa.callbacks[WACTOR_STATUS_TIMEOUT] == 0 && sa.callbacks[WACTOR_STATUS_FAILED] == 0);

    /* The same from the host: wactor_call and wactor_request. */
    int status;
    void *ans;
    size_t len;
    CHECK(wactor_call(e.rt, "B", "ping", 4, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == 6 && memcmp(ans, "B:ping", 6) == 0);
    free(ans);
    CHECK(wactor_call(e.rt, "C", "x", 1, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_ERROR && len == 4 && memcmp(ans, "nope", 4) == 0);
    free(ans);
    CHECK(wactor_call(e.rt, "D", "x", 1, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_ERROR && len == 0 && ans == NULL);

    hcbs c;
    hcbs_init(&c);
    int64_t hid = wactor_request(e.rt, "B", "abc", 3, 0, hcb_fn, &c);
    CHECK(hid > 0);
    hcbs_wait(&c, 1);
    int n;
    const hcb *r = hcbs_find(&c, hid, &n);
    CHECK(n == 1 && r && r->status == WACTOR_STATUS_OK && r->len == 5 &&
          memcmp(r->payload, "B:abc", 5) == 0);
    IDLE(e.rt);
    CHECK(hcbs_calls(&c) == 1);

    /* A component may ask itself. */
    EXPECT_CMD(e.rt, "A", "ok", "!clear");
    int64_t me = CMD_NUM(e.rt, "A", "!request A 0 me");
    IDLE(e.rt);
    snprintf(want, sizeof want,
             "rc request %" PRId64 "\nmsg A %" PRId64 " - %s\ncb %" PRId64 " 0 A %s\n", me, me,
             hex(h, "me"), me, hex(line, "A:me"));
    EXPECT_REPORT(e.rt, "A", want);
    teardown(&e);
    hcbs_fini(&c);
}

/* ---- 3. deferred answer ------------------------------------------------- */

static void test_deferred(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "A", .request = "B H", .subscribe = "o.*");
    SPAWN(e, .name = "B", .request = "C D");
    SPAWN(e, .name = "C");
    SPAWN(e, .name = "D", .config = "mode=error");
    SPAWN(e, .name = "H", .config = "mode=hold", .send = "A", .publish = "o.*");

    /* A asks B; B asks C in its handler and answers A from its wactor_on_callback. */
    int64_t ida = CMD_NUM(e.rt, "A", "!request B 0 !relay C hello");
    CHECK(ida > 0);
    IDLE(e.rt);

    char want[1024], h[300], h2[300];
    snprintf(want, sizeof want, "rc request %" PRId64 "\ncb %" PRId64 " 0 B %s\n", ida, ida,
             hex(h, "relayed:C:hello"));
    EXPECT_REPORT(e.rt, "A", want);

    char *rep = report(e.rt, "B");
    int64_t idb = 0;
    char *at = strstr(rep, "rc relay ");
    if (at)
        idb = strtoll(at + 9, NULL, 10);
    CHECK(idb > 0 && idb != ida);
    snprintf(want, sizeof want,
             "msg A %" PRId64 " - %s\nrc relay %" PRId64 "\ncb %" PRId64
             " 0 C %s\nrc relay-respond 0\n",
             ida, hex(h, "!relay C hello"), idb, idb, hex(h2, "C:hello"));
    expect_str(__LINE__, "record of", "B", rep, want);
    snprintf(want, sizeof want, "msg B %" PRId64 " - %s\n", idb, hex(h, "hello"));
    EXPECT_REPORT(e.rt, "C", want);

    /* Answered once: a second answer is ENOTFOUND. */
    EXPECT_CMD(e.rt, "B", "-3", "!respond %" PRId64 " 0 again", ida);

    /* An error travels back the same way. */
    int64_t ida2 = CMD_NUM(e.rt, "A", "!request B 0 !relay D z");
    IDLE(e.rt);
    rep = report(e.rt, "A");
    snprintf(want, sizeof want, "cb %" PRId64 " 1 B %s\n", ida2, hex(h, "relayed:nope"));
    CHECK(strstr(rep, want) != NULL);
    CHECK(count_lines(rep, "cb ") == 2);
    free(rep);

    /* And to the host. */
    int status;
    void *ans;
    size_t len;
    CHECK(wactor_call(e.rt, "B", "!relay C hi", 11, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == 12 && memcmp(ans, "relayed:C:hi", 12) == 0);
    free(ans);

    /* A deferred answer keeps its place among the responder's other messages to the
     * requester: a send, a publication, the answer, a send arrive in that order. */
    EXPECT_CMD(e.rt, "A", "0", "!subscribe o.*");
    int64_t idh = CMD_NUM(e.rt, "A", "!request H 0 q");
    EXPECT_CMD(e.rt, "A", "ok", "!clear");
    EXPECT_CMD(e.rt, "H", "0", "!send A first");
    EXPECT_CMD(e.rt, "H", "0", "!publish o.x second");
    EXPECT_CMD(e.rt, "H", "0", "!answer 0 third");
    EXPECT_CMD(e.rt, "H", "0", "!send A fourth");
    IDLE(e.rt);
    char h3[64], h4[64];
    snprintf(want, sizeof want,
             "msg H 0 - %s\nmsg H 0 o.x %s\ncb %" PRId64 " 0 H %s\nmsg H 0 - %s\n", hex(h, "first"),
             hex(h2, "second"), idh, hex(h3, "third"), hex(h4, "fourth"));
    EXPECT_REPORT(e.rt, "A", want);

    wactor_stats sa = stats(e.rt, "A"), sb = stats(e.rt, "B");
    CHECK(sa.callbacks[WACTOR_STATUS_OK] == 2 && sa.callbacks[WACTOR_STATUS_ERROR] == 1);
    CHECK(sb.callbacks[WACTOR_STATUS_OK] == 2 && sb.callbacks[WACTOR_STATUS_ERROR] == 1);
    CHECK(sb.sent == 3 && sa.pending == 0 && sb.pending == 0);
    teardown(&e);
}

/* ---- 4. isolation ------------------------------------------------------- */

static void test_isolation(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "A", .send = "B");
    SPAWN(e, .name = "B");
    SPAWN(e, .name = "C");

    EXPECT_CMD(e.rt, "A", "0", "!send B for-b");
    CHECK(wactor_send(e.rt, "B", "host-b", 6) == WACTOR_OK);
    IDLE(e.rt);
    CHECK(stats(e.rt, "C").received == 0);
    char want[512], h[300];
    char *rep = report(e.rt, "B");
    snprintf(want, sizeof want, "msg A 0 - %s\n", hex(h, "for-b"));
    EXPECT_LINES(rep, "msg A ", want);
    snprintf(want, sizeof want, "msg @host 0 - %s\n", hex(h, "host-b"));
    EXPECT_LINES(rep, "msg @host ", want);
    CHECK(count_lines(rep, "") == 2);
    free(rep);
    EXPECT_REPORT(e.rt, "C", "");

    /* B keeps a secret in its memory; C, the same module, looks at the same address and sees
     * its own memory. */
    char *addr_b = CMD(e.rt, "B", "!secret topsecret-B");
    char zeros[32] = {0}, secret_b[32] = "topsecret-B", secret_c[32] = "c-own";
    snprintf(want, sizeof want, "%s %s", addr_b, repr(h, zeros, 32));
    EXPECT_CMD(e.rt, "C", want, "!peek");
    char *addr_c = CMD(e.rt, "C", "!secret c-own");
    CHECK(strcmp(addr_b, addr_c) == 0 && atol(addr_b) > 0);
    snprintf(want, sizeof want, "%s %s", addr_b, repr(h, secret_b, 32));
    EXPECT_CMD(e.rt, "B", want, "!peek");
    snprintf(want, sizeof want, "%s %s", addr_b, repr(h, secret_c, 32));
    EXPECT_CMD(e.rt, "C", want, "!peek");
    free(addr_b);
    free(addr_c);

    /* A new instance of the module starts with fresh memory of its own. */
    SPAWN(e, .name = "D");
    snprintf(want, sizeof want, "%s %s", "", repr(h, zeros, 32));
    char *peek = CMD(e.rt, "D", "!peek");
    CHECK(strstr(peek, want) != NULL);
    free(peek);
    EXPECT_REPORT(e.rt, "D", "");
    teardown(&e);
}

/* ---- 5. timeout --------------------------------------------------------- */

static void test_timeout(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 300); /* the default timeout, for timeout_ms <= 0 */
    REQUIRE(e.agent);
    SPAWN(e, .name = "A", .request = "B");
    SPAWN(e, .name = "B", .config = "mode=hold");

    int64_t id = CMD_NUM(e.rt, "A", "!request B 100 late");
    CHECK(id > 0);
    IDLE(e.rt); /* the timeout fires, A handles its callback */
    char want[512], line[128];
    snprintf(want, sizeof want, "rc request %" PRId64 "\ncb %" PRId64 " 2 B -\n", id, id);
    EXPECT_REPORT(e.rt, "A", want);

    /* B answers afterwards: respond is OK, the answer is dropped, A gets no second callback. */
    EXPECT_CMD(e.rt, "B", "0", "!answer 0 too-late");
    IDLE(e.rt);
    EXPECT_REPORT(e.rt, "A", want);
    EXPECT_CMD(e.rt, "B", "-3", "!respond %" PRId64 " 0 again", id);

    /* timeout_ms <= 0 is the runtime's default (300 ms here). */
    int64_t id2 = CMD_NUM(e.rt, "A", "!request B 0 x");
    int64_t id3 = CMD_NUM(e.rt, "A", "!request B -5 y");
    IDLE(e.rt);
    char *rep = report(e.rt, "A");
    CHECK(count_lines(rep, "cb ") == 3);
    snprintf(line, sizeof line, "cb %" PRId64 " 2 B -\n", id2);
    CHECK(strstr(rep, line) != NULL);
    snprintf(line, sizeof line, "cb %" PRId64 " 2 B -\n", id3);
    CHECK(strstr(rep, line) != NULL);
    free(rep);
    EXPECT_CMD(e.rt, "B", "0 0", "!answer 0 late");
    IDLE(e.rt);
    wactor_stats sa = stats(e.rt, "A");
    CHECK(sa.callbacks[WACTOR_STATUS_TIMEOUT] == 3 && sa.callbacks[WACTOR_STATUS_OK] == 0);
    CHECK(sa.pending == 0);

    /* The host's requests time out the same way. */
    hcbs c;
    hcbs_init(&c);
    int64_t hid = wactor_request(e.rt, "B", "h", 1, 100, hcb_fn, &c);
    CHECK(hid > 0);
    hcbs_wait(&c, 1);
    EXPECT_CMD(e.rt, "B", "0", "!answer 0 late");
    IDLE(e.rt);
    int n;
    const hcb *r = hcbs_find(&c, hid, &n);
    CHECK(n == 1 && hcbs_calls(&c) == 1 && r && r->status == WACTOR_STATUS_TIMEOUT && r->len == 0);
    teardown(&e);
    hcbs_fini(&c);
}

/* ---- 6. missing and denied targets -------------------------------------- */

static void test_missing_denied(void *arg)
{
    (void)arg;
    env e = setup(2, 1024, 0); /* payloads up to 1 KiB */
    REQUIRE(e.agent);
    SPAWN(e, .name = "A", .send = "B ghost S", .request = "B ghost H R", .publish = "t.>",
          .subscribe = "t.*");
    SPAWN(e, .name = "S");
    SPAWN(e, .name = "R");
    SPAWN(e, .name = "B");
    SPAWN(e, .name = "C");
    SPAWN(e, .name = "H", .config = "mode=hold");

    /* An answer over the limit is refused and the request stays open. */
    int64_t idh = CMD_NUM(e.rt, "A", "!request H 0 q");
    EXPECT_CMD(e.rt, "H", "-5", "!respond %" PRId64 " 0 gen:1025", idh);
    EXPECT_CMD(e.rt, "H", "0", "!respond %" PRId64 " 0 gen:1024", idh);
    EXPECT_CMD(e.rt, "H", "-3", "!respond %" PRId64 " 0 x", idh);

    EXPECT_CMD(e.rt, "A", "-3", "!send ghost x");
    EXPECT_CMD(e.rt, "A", "-2", "!send C x");
    EXPECT_CMD(e.rt, "A", "-2", "!send nobody x");       /* EDENIED comes before ENOTFOUND */
    EXPECT_CMD(e.rt, "A", "-1", "!send a..b x");         /* EINVAL before EDENIED */
    EXPECT_CMD(e.rt, "A", "-5", "!send ghost gen:1025"); /* ETOOBIG before ENOTFOUND */
    EXPECT_CMD(e.rt, "A", "-2", "!send C gen:2000");     /* EDENIED before ETOOBIG */
    EXPECT_CMD(e.rt, "A", "-1", "!send a.* gen:2000");
    EXPECT_CMD(e.rt, "A", "-5", "!send B gen:1025");
    EXPECT_CMD(e.rt, "A", "0", "!send B gen:1024");
    /* A target granted for one kind of message only, after and before the other kind. */
    EXPECT_CMD(e.rt, "A", "0", "!send B s1");
    EXPECT_CMD(e.rt, "A", "-2", "!request S 0 r1");
    EXPECT_CMD(e.rt, "A", "0", "!send S s2");
    EXPECT_CMD(e.rt, "A", "-2", "!request S 0 r2");
    EXPECT_CMD(e.rt, "A", "-2", "!send R s3");
    int64_t idr = CMD_NUM(e.rt, "A", "!request R 0 r3");
    CHECK(idr > 0);
    EXPECT_CMD(e.rt, "A", "-2", "!send R s4");
    EXPECT_CMD(e.rt, "A", "-5", "!send S gen:1025");
    EXPECT_CMD(e.rt, "A", "-3", "!request ghost 0 x");
    EXPECT_CMD(e.rt, "A", "-2", "!request C 0 x");
    EXPECT_CMD(e.rt, "A", "-5", "!request B 0 gen:2000");
    EXPECT_CMD(e.rt, "A", "-5", "!request ghost 0 gen:2000");
    EXPECT_CMD(e.rt, "A", "-2", "!publish u.x x");
    EXPECT_CMD(e.rt, "A", "-5", "!publish t.x gen:2000");
    EXPECT_CMD(e.rt, "A", "0", "!publish t.x nobody-listens");
    EXPECT_CMD(e.rt, "A", "-2", "!subscribe u.*");
    EXPECT_CMD(e.rt, "A", "-2", "!subscribe t.>");
    EXPECT_CMD(e.rt, "A", "-2", "!subscribe >");
    EXPECT_CMD(e.rt, "A", "-3", "!unsubscribe t.x");
    EXPECT_CMD(e.rt, "A", "0", "!subscribe t.x");
    EXPECT_CMD(e.rt, "A", "0", "!unsubscribe t.x");
    EXPECT_CMD(e.rt, "A", "-3", "!unsubscribe t.x");

    uint8_t *big = gen(1025);
    hcbs c;
    hcbs_init(&c);
    CHECK(wactor_send(e.rt, "ghost", "x", 1) == WACTOR_ENOTFOUND);
    CHECK(wactor_send(e.rt, "a..b", "x", 1) == WACTOR_EINVAL);
    CHECK(wactor_send(e.rt, "a.*", "x", 1) == WACTOR_EINVAL);
    CHECK(wactor_send(e.rt, "B", big, 1025) == WACTOR_ETOOBIG);
    CHECK(wactor_request(e.rt, "ghost", "x", 1, 0, hcb_fn, &c) == WACTOR_ENOTFOUND);
    CHECK(wactor_request(e.rt, "a.>", "x", 1, 0, hcb_fn, &c) == WACTOR_EINVAL);
    CHECK(wactor_request(e.rt, "B", big, 1025, 0, hcb_fn, &c) == WACTOR_ETOOBIG);
    CHECK(wactor_publish(e.rt, "a.*", "x", 1) == WACTOR_EINVAL);
    CHECK(wactor_publish(e.rt, "t.y", big, 1025) == WACTOR_ETOOBIG);
    CHECK(wactor_publish(e.rt, "t.y", "x", 1) == WACTOR_OK);
    int status = -1;
    void *ans = NULL;
    size_t len = 0;
    CHECK(wactor_call(e.rt, "ghost", "x", 1, 0, &status, &ans, &len) == WACTOR_ENOTFOUND);
    CHECK(wactor_stop(e.rt, "ghost") == WACTOR_ENOTFOUND);
    wactor_stats s;
    CHECK(wactor_component_stats(e.rt, "ghost", &s) == WACTOR_ENOTFOUND);
    CHECK(wactor_cancel(e.rt, 123456789) == WACTOR_ENOTFOUND);
    IDLE(e.rt);

    /* Nothing was delivered but the one message within the limit. */
    char want[512], h[300];
    uint8_t *ok = gen(1024);
    snprintf(want, sizeof want, "msg A 0 - %s\nmsg A 0 - 7331\n", repr(h, ok, 1024));
    EXPECT_REPORT(e.rt, "B", want);
    EXPECT_REPORT(e.rt, "C", "");
    wactor_stats sa = stats(e.rt, "A");
    snprintf(want, sizeof want, "msg A 0 - 7332\n");
    EXPECT_REPORT(e.rt, "S", want);
    CHECK(sa.sent == 6 && sa.pending == 0 && sa.callbacks[WACTOR_STATUS_OK] == 2);
    CHECK(sa.callbacks[1] + sa.callbacks[2] + sa.callbacks[3] == 0);
    char *rep = report(e.rt, "A");
    char h2[64];
    snprintf(want, sizeof want, "cb %" PRId64 " 0 H %s\ncb %" PRId64 " 0 R %s\n", idh,
             repr(h, ok, 1024), idr, hex(h2, "R:r3"));
    EXPECT_LINES(rep, "cb ", want);
    free(rep);
    CHECK(hcbs_calls(&c) == 0);
    /* Every refusal by a capability is audit-logged, and only those. */
    CHECK(capture_count(&audit_lines, "\"component\":\"A\"", "\"decision\":\"denied\"", NULL) ==
          12);
    CHECK(capture_count(&audit_lines, "\"decision\":\"denied\"", "\"target\":\"C\"", NULL) == 3);
    free(big);
    free(ok);
    teardown(&e);
    hcbs_fini(&c);
}

/* ---- 7. cancel ---------------------------------------------------------- */

static void test_cancel(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "A", .request = "B C");
    SPAWN(e, .name = "B", .config = "mode=hold");
    SPAWN(e, .name = "C", .request = "B");

    int64_t id1 = CMD_NUM(e.rt, "A", "!request B 100 x");
    CHECK(id1 > 0);
    EXPECT_CMD(e.rt, "A", "0", "!cancel %" PRId64, id1);
    EXPECT_CMD(e.rt, "A", "-3", "!cancel %" PRId64, id1);
    /* The target may still answer: OK for it, dropped for A. */
    EXPECT_CMD(e.rt, "B", "0", "!answer 0 late");
    /* A sentinel with a later deadline: by the time it has timed out, the cancelled request's
     * deadline has passed too (timers fire in deadline order). */
    int64_t id2 = CMD_NUM(e.rt, "A", "!request B 300 sentinel");
    IDLE(e.rt);

    /* Cancel a settled request, an unknown id, another component's request. */
    int64_t id3 = CMD_NUM(e.rt, "A", "!request C 0 y");
    IDLE(e.rt);
    EXPECT_CMD(e.rt, "A", "-3", "!cancel %" PRId64, id3);
    EXPECT_CMD(e.rt, "A", "-3", "!cancel 999999999");
    EXPECT_CMD(e.rt, "A", "-3", "!cancel 0");
    EXPECT_CMD(e.rt, "A", "-3", "!cancel -1");
    int64_t id4 = CMD_NUM(e.rt, "C", "!request B 0 c-asks");
    CHECK(id4 > 0);
    EXPECT_CMD(e.rt, "A", "-3", "!cancel %" PRId64, id4);
    CHECK(wactor_cancel(e.rt, id4) == WACTOR_ENOTFOUND);
    EXPECT_CMD(e.rt, "B", "0 0", "!answer 0 ok"); /* the sentinel (timed out) and id4 */
    IDLE(e.rt);

    char want[512], h[300];
    snprintf(want, sizeof want, "cb %" PRId64 " 2 B -\ncb %" PRId64 " 0 C %s\n", id2, id3,
             hex(h, "C:y"));
    char *rep = report(e.rt, "A");
    EXPECT_LINES(rep, "cb ", want);
    free(rep);
    rep = report(e.rt, "C");
    snprintf(want, sizeof want, "cb %" PRId64 " 0 B %s\n", id4, hex(h, "ok"));
    EXPECT_LINES(rep, "cb ", want);
    free(rep);
    wactor_stats sa = stats(e.rt, "A");
    CHECK(sa.callbacks[WACTOR_STATUS_OK] == 1 && sa.callbacks[WACTOR_STATUS_TIMEOUT] == 1);
    CHECK(sa.callbacks[WACTOR_STATUS_ERROR] == 0 && sa.callbacks[WACTOR_STATUS_FAILED] == 0);
    CHECK(sa.pending == 0);

    /* Cancel in the same handler as the request. */
    char *ids = CMD(e.rt, "A", "!request B 0 z");
    free(ids);
    EXPECT_CMD(e.rt, "A", "0", "!cancel last");
    EXPECT_CMD(e.rt, "B", "0", "!answer 0 z");
    IDLE(e.rt);
    rep = report(e.rt, "A");
    CHECK(count_lines(rep, "cb ") == 2);
    free(rep);
    teardown(&e);
}

/* ---- 8. publish/subscribe ----------------------------------------------- */

static void test_pubsub(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "P", .publish = "news news.> sports.*", .subscribe = "news.>");
    SPAWN(e, .name = "S1", .subscribe = "news.*");
    SPAWN(e, .name = "S2", .subscribe = "news.>");
    SPAWN(e, .name = "S3", .subscribe = "sports.*");
    SPAWN(e, .name = "S4", .subscribe = "news.>");
    SPAWN(e, .name = "S5", .subscribe = "*.eu");
    SPAWN(e, .name = "S6"); /* subscribes to nothing */

    EXPECT_CMD(e.rt, "P", "0", "!subscribe news.>");
    EXPECT_CMD(e.rt, "S1", "0", "!subscribe news.*");
    EXPECT_CMD(e.rt, "S1", "0", "!subscribe news.*"); /* twice: harmless */
    EXPECT_CMD(e.rt, "S1", "-2", "!subscribe news.>");
    EXPECT_CMD(e.rt, "S1", "-2", "!subscribe sports.x");
    EXPECT_CMD(e.rt, "S1", "-2", "!subscribe *.eu");
    EXPECT_CMD(e.rt, "S2", "0", "!subscribe news.>");
    EXPECT_CMD(e.rt, "S2", "0", "!subscribe news.*"); /* overlapping patterns: one delivery */
    EXPECT_CMD(e.rt, "S3", "0", "!subscribe sports.*");
    EXPECT_CMD(e.rt, "S4", "0", "!subscribe news.eu.*");
    EXPECT_CMD(e.rt, "S5", "0", "!subscribe *.eu");
    EXPECT_CMD(e.rt, "S6", "-2", "!subscribe news.eu");

    EXPECT_CMD(e.rt, "P", "0", "!publish news.eu e1");
    EXPECT_CMD(e.rt, "P", "0", "!publish news.eu.fr e2");
    EXPECT_CMD(e.rt, "P", "0", "!publish news e3"); /* matches no pattern */
    EXPECT_CMD(e.rt, "P", "0", "!publish sports.x e4");
    EXPECT_CMD(e.rt, "P", "-2", "!publish sports.x.y e5");
    CHECK(wactor_publish(e.rt, "news.us", "h1", 2) == WACTOR_OK);
    EXPECT_CMD(e.rt, "S1", "0", "!unsubscribe news.*");
    EXPECT_CMD(e.rt, "S1", "-3", "!unsubscribe news.*");
    EXPECT_CMD(e.rt, "P", "0", "!publish news.eu e6");
    EXPECT_CMD(e.rt, "P", "-2", "!publish weather.x z");
    CHECK(wactor_publish(e.rt, "news.eu", "h2", 2) == WACTOR_OK);
    IDLE(e.rt);
    CHECK(stats(e.rt, "S6").received == 1);
    CHECK(stats(e.rt, "P").sent == 5); /* e1 e2 e3 e4 e6 */

    char e1[64], e2[64], e4[64], e6[64], h1[64], h2[64], want[1024];
    hex(e1, "e1");
    hex(e2, "e2");
    hex(e4, "e4");
    hex(e6, "e6");
    hex(h1, "h1");
    hex(h2, "h2");
    struct {
        const char *name;
        const char *from_p[3], *from_host[2];
    } expect[] = {
        {"P", {"news.eu e1", "news.eu.fr e2", "news.eu e6"}, {"news.us h1", "news.eu h2"}},
        {"S1", {"news.eu e1"}, {"news.us h1"}},
        {"S2", {"news.eu e1", "news.eu.fr e2", "news.eu e6"}, {"news.us h1", "news.eu h2"}},
        {"S3", {"sports.x e4"}, {NULL}},
        {"S4", {"news.eu.fr e2"}, {NULL}},
        {"S5", {"news.eu e1", "news.eu e6"}, {"news.eu h2"}},
        {"S6", {NULL}, {NULL}},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        char *rep = report(e.rt, expect[i].name);
        for (int from = 0; from < 2; from++) {
            const char *const *list = from ? expect[i].from_host : expect[i].from_p;
            int n = from ? 2 : 3;
            size_t used = 0;
            want[0] = 0;
            for (int k = 0; k < n && list[k]; k++) {
                char topic[64];
                const char *sp = strchr(list[k], ' ');
                snprintf(topic, sizeof topic, "%.*s", (int)(sp - list[k]), list[k]);
                const char *payload = sp[2] == '1'   ? (sp[1] == 'e' ? e1 : h1)
                                      : sp[2] == '2' ? (sp[1] == 'e' ? e2 : h2)
                                      : sp[2] == '4' ? e4
                                                     : e6;
                used += (size_t)snprintf(want + used, sizeof want - used, "msg %s 0 %s %s\n",
                                         from ? "@host" : "P", topic, payload);
            }
            char *got = lines_with(rep, from ? "msg @host " : "msg P ");
            if (strcmp(got, want) != 0) {
                fprintf(stderr, "%s:%d: %s, publications from %s:\n%s--- want ---\n%s", __FILE__,
                        __LINE__, expect[i].name, from ? "@host" : "P", got, want);
                test_failures++;
            }
            free(got);
        }
        CHECK(count_lines(rep, "msg ") ==
              count_lines(rep, "msg P ") + count_lines(rep, "msg @host "));
        free(rep);
    }
    teardown(&e);
}

/* ---- 9. concurrency ----------------------------------------------------- */

#define GROUP 8

static uint64_t field(const char *text, const char *key)
{
    /* "KEY=VALUE" words separated by single spaces */
    size_t klen = strlen(key);
    for (const char *w = text; *w;) {
        if (strncmp(w, key, klen) == 0 && w[klen] == '=')
            return strtoull(w + klen + 1, NULL, 10);
        const char *sp = strchr(w, ' ');
        if (!sp)
            break;
        w = sp + 1;
    }
    fprintf(stderr, "no %s in \"%s\"\n", key, text);
    test_failures++;
    return UINT64_MAX;
}

static void test_concurrency(void *arg)
{
    (void)arg;
    const char *env_n = getenv("E2E_BLAST_N");
    uint64_t n = env_n ? strtoull(env_n, NULL, 10) : 10000;
    env e = setup(4, 0, 0);
    REQUIRE(e.agent);
    char names[GROUP][8], config[256] = "quiet peers=";
    for (int i = 0; i < GROUP; i++) {
        snprintf(names[i], sizeof names[i], "w%d", i);
        strcat(config, names[i]);
        if (i + 1 < GROUP)
            strcat(config, ",");
    }
    for (int i = 0; i < GROUP; i++)
        SPAWN(e, .name = names[i], .config = config, .send = ">", .request = ">",
              .mailbox = 1000000, .pending = 1000000);

    /* All start at once; each sends n messages and n requests to each of the 7 others, in
     * batches of 50 per peer, interleaved with what it receives. */
    char start[64];
    snprintf(start, sizeof start, "!blast %" PRIu64 " 50 110000", n);
    for (int i = 0; i < GROUP; i++)
        CHECK(wactor_send(e.rt, names[i], start, strlen(start)) == WACTOR_OK);
    IDLE(e.rt);

    uint64_t total = n * (GROUP - 1);
    for (int i = 0; i < GROUP; i++) {
        wactor_stats s = stats(e.rt, names[i]);
        char *b = CMD(e.rt, names[i], "!bstats");
        uint64_t self = field(b, "self");
        if (getenv("E2E_VERBOSE"))
            fprintf(stderr, "%s: %s; received %" PRIu64 " sent %" PRIu64 "\n", names[i], b,
                    s.received, s.sent);
        if (field(b, "sent") != total || field(b, "reqs") != total ||
            field(b, "recv_msg") != total || field(b, "recv_req") != total ||
            field(b, "cb_ok") != total || field(b, "outstanding") != 0 ||
            field(b, "send_err") + field(b, "req_err") + field(b, "order_err") +
                    field(b, "sender_err") + field(b, "kind_err") + field(b, "respond_err") +
                    field(b, "cb_other") + field(b, "cb_unknown") + field(b, "cb_order_err") +
                    field(b, "cb_payload_err") + field(b, "self_err") !=
                0) {
            fprintf(stderr, "%s: %s\n", names[i], b);
            test_failures++;
        }
        /* The runtime's counters agree: the start command and the self-sent "!more"s are
         * messages too. */
        if (s.received != 2 * total + 1 + self || s.sent != 2 * total + self ||
            s.callbacks[WACTOR_STATUS_OK] != total || s.callbacks[WACTOR_STATUS_ERROR] != 0 ||
            s.callbacks[WACTOR_STATUS_TIMEOUT] != 0 || s.callbacks[WACTOR_STATUS_FAILED] != 0 ||
            s.pending != 0 || s.queued != 0 || s.crashes != 0) {
            fprintf(stderr,
                    "%s: stats received %" PRIu64 " sent %" PRIu64 " callbacks %" PRIu64 "/%" PRIu64
                    "/%" PRIu64 "/%" PRIu64 " pending %u queued %u (self %" PRIu64 ")\n",
                    names[i], s.received, s.sent, s.callbacks[0], s.callbacks[1], s.callbacks[2],
                    s.callbacks[3], s.pending, s.queued, self);
            test_failures++;
        }
        free(b);
    }
    teardown(&e);
}

/* ---- 10. bad arguments from a guest ------------------------------------- */

static void test_bad_args(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    /* Everything granted, so that what is refused is refused for its arguments. */
    SPAWN(e, .name = "bad", .send = ">", .request = ">", .publish = ">", .subscribe = ">");
    SPAWN(e, .name = "B");

    /* msg_* in wactor_init, outside any handler: ESTATE. */
    EXPECT_CMD(e.rt, "bad", "sender=-7 payload=-7 topic=-7", "!init");

    static const struct {
        const char *name;
        int64_t rc;
    } want[] = {
        {"send_target_oob", -1},
        {"send_target_past", -1},
        {"send_target_cross", -1},
        {"send_target_neg", -1},
        {"send_target_huge", -1},
        {"send_payload_oob", -1},
        {"send_payload_cross", -1},
        {"send_payload_neg", -1},
        {"send_payload_minus5", -1},
        {"send_payload_huge", -1},
        {"send_payload_wrap", -1},
        {"send_payload_top", -1},
        {"send_name_empty", -1},
        {"send_name_256", -1},
        {"send_name_255", -3}, /* well-formed: no such component */
        {"send_name_dotdot", -1},
        {"send_name_star", -1},
        {"send_name_tail", -1},
        {"send_name_lead", -1},
        {"send_name_trail", -1},
        {"send_name_space", -1},
        {"send_name_nul", -1},
        {"send_name_host", -1},
        {"send_name_utf8", -1},
        {"request_target_oob", -1},
        {"request_target_neg", -1},
        {"request_payload_cross", -1},
        {"request_payload_neg", -1},
        {"request_payload_huge", -1},
        {"request_name_empty", -1},
        {"request_name_star", -1},
        {"request_name_256", -1},
        {"publish_topic_star", -1},
        {"publish_topic_tail", -1},
        {"publish_topic_empty", -1},
        {"publish_topic_oob", -1},
        {"publish_payload_neg", -1},
        {"publish_payload_cross", -1},
        {"subscribe_dotdot", -1},
        {"subscribe_tail_middle", -1},
        {"subscribe_partial_star", -1},
        {"subscribe_empty", -1},
        {"subscribe_neg", -1},
        {"subscribe_oob", -1},
        {"unsubscribe_dotdot", -1},
        {"unsubscribe_oob", -1},
        {"unsubscribe_absent", -3},
        {"respond_status_2", -1},
        {"respond_status_neg", -1},
        {"respond_payload_oob", -1},
        {"respond_payload_neg", -1},
        {"respond_unknown_status_7", -1}, /* EINVAL before ENOTFOUND */
        {"respond_unknown", -3},
        {"respond_zero", -3},
        {"cancel_zero", -3},
        {"cancel_neg", -3},
        {"log_level_5", -1},
        {"log_level_neg", -1},
        {"log_oob", -1},
        {"log_neg", -1},
        {"self_name_cap0", 3}, /* the full length of "bad", nothing copied */
        {"self_name_cap0_untouched", 1},
        {"self_name_cap1", 3}, /* the full length, one byte copied */
        {"self_name_cap1_copied", 1},
        {"self_name_full", 3},
        {"self_name_full_copied", 1},
        {"self_name_cap_cross", -1}, /* the name would fit, the cap range does not */
        {"self_name_cap_neg", -1},
        {"self_name_past_cap0", -1},
        {"self_name_at_end", 3},
        {"config_cap_cross", -1}, /* nothing to copy, the cap range still checked */
        {"msg_payload_cap0", 8},  /* "!badargs" */
        {"msg_payload_len", 8},
        {"msg_payload_cap3", 8},
        {"msg_payload_cap3_copied", 1},
        {"msg_payload_cross", -1},
        {"msg_payload_neg", -1},
        {"msg_sender_cap0", 5}, /* "@host" */
        {"msg_sender_cross", -1},
        {"msg_topic_direct", 0},
        {"msg_topic_cross", -1},
        {"send_ok", 0},
    };
    size_t nwant = sizeof want / sizeof want[0];
    char *got = CMD(e.rt, "bad", "!badargs");
    CHECK((size_t)count_lines(got, "bad ") == nwant);
    for (size_t i = 0; i < nwant; i++) {
        char line[128];
        snprintf(line, sizeof line, "bad %s ", want[i].name);
        char *at = strstr(got, line);
        int64_t rc = at ? strtoll(at + strlen(line), NULL, 10) : INT64_MIN;
        if (rc != want[i].rc) {
            fprintf(stderr, "%s:%d: %s: got %" PRId64 ", want %" PRId64 "\n", __FILE__, __LINE__,
                    want[i].name, rc, want[i].rc);
            test_failures++;
        }
    }
    free(got);
    IDLE(e.rt);

    /* Nothing was sent but the control message; the agent still works. */
    char line[128], h[300];
    snprintf(line, sizeof line, "msg bad 0 - %s\n", hex(h, "after-bad"));
    EXPECT_REPORT(e.rt, "B", line);
    wactor_stats s = stats(e.rt, "bad");
    CHECK(s.sent == 1 && s.pending == 0 && s.crashes == 0 && s.running);
    EXPECT_CMD(e.rt, "bad", "0", "!send B fine");

    /* The host API refuses its own bad arguments. */
    hcbs c;
    hcbs_init(&c);
    CHECK(wactor_send(e.rt, NULL, "x", 1) == WACTOR_EINVAL);
    CHECK(wactor_send(e.rt, "B", NULL, 5) == WACTOR_EINVAL);
    CHECK(wactor_send(e.rt, "", "x", 1) == WACTOR_EINVAL);
    CHECK(wactor_request(e.rt, "B", "x", 1, 0, NULL, NULL) == WACTOR_EINVAL);
    CHECK(wactor_request(e.rt, NULL, "x", 1, 0, hcb_fn, &c) == WACTOR_EINVAL);
    CHECK(wactor_request(e.rt, "B", NULL, 3, 0, hcb_fn, &c) == WACTOR_EINVAL);
    CHECK(wactor_publish(e.rt, NULL, "x", 1) == WACTOR_EINVAL);
    CHECK(wactor_publish(e.rt, "t..u", "x", 1) == WACTOR_EINVAL);
    CHECK(wactor_cancel(e.rt, 0) == WACTOR_ENOTFOUND);
    CHECK(wactor_cancel(e.rt, -7) == WACTOR_ENOTFOUND);
    CHECK(wactor_component_stats(e.rt, NULL, &s) == WACTOR_ENOTFOUND);
    CHECK(wactor_stop(e.rt, NULL) == WACTOR_ENOTFOUND);
    IDLE(e.rt);
    CHECK(hcbs_calls(&c) == 0);
    CHECK(stats(e.rt, "B").received == 3); /* after-bad, the report request, fine */
    teardown(&e);
    hcbs_fini(&c);
}

/* ---- 11. the host API --------------------------------------------------- */

static void test_host_api(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "B", .subscribe = "h.*");
    SPAWN(e, .name = "H", .config = "mode=hold");
    SPAWN(e, .name = "F", .config = "mode=fail");

    hcbs c;
    hcbs_init(&c);
    /* wactor_request: one callback, with the id it returned, the status and the answer. */
    int64_t id1 = wactor_request(e.rt, "B", "abc", 3, 0, hcb_fn, &c);
    CHECK(id1 > 0);
    hcbs_wait(&c, 1);
    int n;
    const hcb *r = hcbs_find(&c, id1, &n);
    CHECK(n == 1 && r && r->status == WACTOR_STATUS_OK && r->len == 5 &&
          memcmp(r->payload, "B:abc", 5) == 0);
    int64_t id2 = wactor_request(e.rt, "F", "abc", 3, 0, hcb_fn, &c);
    CHECK(id2 > 0 && id2 != id1);
    hcbs_wait(&c, 2);
    r = hcbs_find(&c, id2, &n);
    CHECK(n == 1 && r && r->status == WACTOR_STATUS_ERROR && r->len == 0);
    int64_t id3 = wactor_request(e.rt, "B", "", 0, 0, hcb_fn, &c); /* empty payload */
    hcbs_wait(&c, 3);
    r = hcbs_find(&c, id3, &n);
    CHECK(n == 1 && r && r->status == WACTOR_STATUS_OK && r->len == 2 &&
          memcmp(r->payload, "B:", 2) == 0);

    /* wactor_call */
    int status;
    void *ans;
    size_t len;
    CHECK(wactor_call(e.rt, "B", "x:ff", 4, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == 6 && memcmp(ans, "B:x:ff", 6) == 0);
    free(ans);

    /* wactor_cancel: no callback follows; a second cancel is ENOTFOUND. */
    int64_t id4 = wactor_request(e.rt, "H", "held", 4, 200, hcb_fn, &c);
    CHECK(id4 > 0);
    CHECK(wactor_cancel(e.rt, id4) == WACTOR_OK);
    CHECK(wactor_cancel(e.rt, id4) == WACTOR_ENOTFOUND);
    CHECK(wactor_cancel(e.rt, id1) == WACTOR_ENOTFOUND); /* settled */
    EXPECT_CMD(e.rt, "H", "0", "!answer 0 dropped");
    int64_t sentinel = wactor_request(e.rt, "H", "sentinel", 8, 400, hcb_fn, &c);
    hcbs_wait(&c, 4);
    r = hcbs_find(&c, sentinel, &n);
    CHECK(n == 1 && r && r->status == WACTOR_STATUS_TIMEOUT && r->len == 0);
    hcbs_find(&c, id4, &n);
    CHECK(n == 0);

    /* wactor_publish reaches subscribers as "@host", with the topic. */
    EXPECT_CMD(e.rt, "B", "0", "!subscribe h.*");
    CHECK(wactor_publish(e.rt, "h.x", "pub", 3) == WACTOR_OK);
    CHECK(wactor_publish(e.rt, "h.x.y", "no", 2) == WACTOR_OK);
    CHECK(wactor_send(e.rt, "B", "direct", 6) == WACTOR_OK);
    IDLE(e.rt);
    char *rep = report(e.rt, "B");
    char want[512], h1[64], h2[64];
    snprintf(want, sizeof want, "msg @host 0 h.x %s\nmsg @host 0 - %s\n", hex(h1, "pub"),
             hex(h2, "direct"));
    EXPECT_LINES(rep, "msg @host 0 ", want);
    free(rep);
    CHECK(hcbs_calls(&c) == 4);
    CHECK(stats(e.rt, "B").callbacks[0] == 0); /* host requests are not the component's */

    /* Freeing the runtime ends the requests still pending: FAILED. */
    int64_t last = wactor_request(e.rt, "H", "never", 5, 0, hcb_fn, &c);
    CHECK(last > 0);
    free(CMD(e.rt, "H", "!count")); /* H holds it now */
    teardown(&e);
    r = hcbs_find(&c, last, &n);
    CHECK(n == 1 && hcbs_calls(&c) == 5 && r && r->status == WACTOR_STATUS_FAILED);
    hcbs_fini(&c);
}

/* wactor_stop: on_shutdown runs, queued mail is handled first, held requests fail, the name
 * is gone afterwards and can be reused. */
static void test_stop(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "W");
    SPAWN(e, .name = "S", .config = "mode=hold witness=W", .send = "W");
    SPAWN(e, .name = "A", .send = "S", .request = "S");

    int64_t ida = CMD_NUM(e.rt, "A", "!request S 0 a-waits");
    CHECK(ida > 0);
    hcbs c;
    hcbs_init(&c);
    int64_t hid = wactor_request(e.rt, "S", "h-waits", 7, 0, hcb_fn, &c);
    CHECK(hid > 0);
    CHECK(wactor_send(e.rt, "S", "m1", 2) == WACTOR_OK);
    CHECK(wactor_send(e.rt, "S", "m2", 2) == WACTOR_OK);
    CHECK(wactor_stop(e.rt, "S") == WACTOR_OK);
    hcbs_wait(&c, 1);
    int n;
    const hcb *r = hcbs_find(&c, hid, &n);
    CHECK(n == 1 && r && r->status == WACTOR_STATUS_FAILED);
    IDLE(e.rt);

    char want[256], h[200];
    char *rep = report(e.rt, "A");
    snprintf(want, sizeof want, "cb %" PRId64 " 3 S ", ida);
    CHECK(strstr(rep, want) != NULL && count_lines(rep, "cb ") == 1);
    free(rep);
    /* wactor_on_shutdown ran after the four queued messages; msg_* there is ESTATE. */
    snprintf(want, sizeof want, "msg S 0 - %s\n", hex(h, "shutdown sender=-7 messages=4"));
    EXPECT_REPORT(e.rt, "W", want);

    CHECK(wactor_send(e.rt, "S", "x", 1) == WACTOR_ENOTFOUND);
    CHECK(wactor_request(e.rt, "S", "x", 1, 0, hcb_fn, &c) == WACTOR_ENOTFOUND);
    int status;
    void *ans;
    size_t len;
    CHECK(wactor_call(e.rt, "S", "x", 1, 0, &status, &ans, &len) == WACTOR_ENOTFOUND);
    EXPECT_CMD(e.rt, "A", "-3", "!send S x");
    EXPECT_CMD(e.rt, "A", "-3", "!request S 0 x");
    CHECK(wactor_stop(e.rt, "S") == WACTOR_ENOTFOUND);
    wactor_stats s = stats(e.rt, "S");
    CHECK(!s.running && s.received == 4 && s.crashes == 0);
    IDLE(e.rt);
    CHECK(hcbs_calls(&c) == 1);

    /* The name is free again. */
    SPAWN(e, .name = "S");
    CHECK(wactor_call(e.rt, "S", "back", 4, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == 6 && memcmp(ans, "S:back", 6) == 0);
    free(ans);
    EXPECT_CMD(e.rt, "A", "0", "!send S from-A"); /* A's earlier route to S is stale */
    IDLE(e.rt);
    s = stats(e.rt, "S");
    CHECK(s.running && s.received == 2);
    char *rep2 = report(e.rt, "S");
    snprintf(want, sizeof want, "msg A 0 - %s\n", hex(h, "from-A"));
    EXPECT_LINES(rep2, "msg A ", want);
    free(rep2);
    teardown(&e);
    hcbs_fini(&c);
}

static int spawn_module(env *e, const char *name, const char *path, const void *bytes, size_t len,
                        const char *config)
{
    wactor_component_options o = {.name = name,
                                  .path = path,
                                  .bytes = bytes,
                                  .len = len,
                                  .config = config,
                                  .config_len = config ? strlen(config) : 0};
    return wactor_spawn(e->rt, &o);
}

static void test_spawn_errors(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "A");
    CHECK(spawn_agent(&e, (spec){.name = "A"}) == WACTOR_EEXIST);
    CHECK(strlen(wactor_errmsg(e.rt)) > 0);

    static const uint8_t garbage[] = "this is not WebAssembly at all";
    static const uint8_t truncated[] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00, 0x01, 0x7f};
    CHECK(spawn_module(&e, "G", NULL, garbage, sizeof garbage, NULL) == WACTOR_EMODULE);
    CHECK(spawn_module(&e, "G", NULL, truncated, sizeof truncated, NULL) == WACTOR_EMODULE);
    CHECK(spawn_module(&e, "G", NULL, garbage, 0, NULL) == WACTOR_EMODULE);
    CHECK(spawn_module(&e, "G", "/nonexistent/x.wasm", NULL, 0, NULL) == WACTOR_EMODULE);
    CHECK(wactor_module_load(e.rt, garbage, sizeof garbage) == NULL);
    CHECK(spawn_module(&e, "G", nomsg_path, NULL, 0, NULL) == WACTOR_EMODULE);
    CHECK(strstr(wactor_errmsg(e.rt), "no export wactor_on_message") != NULL);
    CHECK(spawn_module(&e, "G", nocb_path, NULL, 0, NULL) == WACTOR_EMODULE);
    CHECK(strstr(wactor_errmsg(e.rt), "wactor_on_callback") != NULL);
    /* A failed spawn leaves the name free. */
    CHECK(spawn_module(&e, "G", agent_path, NULL, 0, NULL) == WACTOR_OK);

    /* wactor_init returning non-zero, or trapping: ESTART. */
    CHECK(spawn_module(&e, "I1", agent_path, NULL, 0, "initfail") == WACTOR_ESTART);
    CHECK(spawn_module(&e, "I2", agent_path, NULL, 0, "inittrap") == WACTOR_ESTART);

    /* Bad options: EINVAL. */
    CHECK(spawn_module(&e, "a..b", agent_path, NULL, 0, NULL) == WACTOR_EINVAL);
    CHECK(spawn_module(&e, "@host", agent_path, NULL, 0, NULL) == WACTOR_EINVAL);
    CHECK(spawn_module(&e, "", agent_path, NULL, 0, NULL) == WACTOR_EINVAL);
    wactor_component_options two = {.name = "T", .module = e.agent, .path = agent_path};
    CHECK(wactor_spawn(e.rt, &two) == WACTOR_EINVAL);
    wactor_component_options none = {.name = "T"};
    CHECK(wactor_spawn(e.rt, &none) == WACTOR_EINVAL);
    CHECK(spawn_agent(&e, (spec){.name = "T", .send = "a..b"}) == WACTOR_EINVAL);
    /* A module whose initial memory is over the limit. */
    wactor_component_options small = {.name = "T", .module = e.agent};
    small.limits.memory = 65536;
    CHECK(wactor_spawn(e.rt, &small) == WACTOR_EMODULE);

    /* Names of 255 bytes work as names, senders and topics; 256 bytes do not. */
    char n255[256], n256[257], topic[256];
    memset(n255, 'n', 255);
    n255[255] = 0;
    memset(n256, 'n', 256);
    n256[256] = 0;
    memset(topic, 't', 255);
    topic[255] = 0;
    CHECK(spawn_agent(&e, (spec){.name = n256}) == WACTOR_EINVAL);
    SPAWN(e, .name = n255, .send = "A", .publish = ">", .subscribe = ">");
    EXPECT_CMD(e.rt, n255, "0", "!send A hi");
    EXPECT_CMD(e.rt, n255, "0", "!subscribe %s", topic);
    EXPECT_CMD(e.rt, n255, "0", "!publish %s pub", topic);
    IDLE(e.rt);
    char want[1200], h[16];
    snprintf(want, sizeof want, "msg %s 0 - %s\n", n255, hex(h, "hi"));
    EXPECT_REPORT(e.rt, "A", want);
    char *rep = report(e.rt, n255);
    snprintf(want, sizeof want, "msg %s 0 %s %s\n", n255, topic, hex(h, "pub"));
    EXPECT_LINES(rep, "msg ", want);
    free(rep);

    /* One module, several components, freed by the embedder while they run. */
    wactor_module *m = wactor_module_load_file(e.rt, agent_path);
    REQUIRE(m);
    wactor_component_options o1 = {.name = "M1", .module = m}, o2 = {.name = "M2", .module = m};
    CHECK(wactor_spawn(e.rt, &o1) == WACTOR_OK && wactor_spawn(e.rt, &o2) == WACTOR_OK);
    wactor_module_free(m);
    int status;
    void *ans;
    size_t len;
    CHECK(wactor_call(e.rt, "M2", "m", 1, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == 4 && memcmp(ans, "M2:m", 4) == 0);
    free(ans);
    CHECK(wactor_call(e.rt, "A", "a", 1, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == 3 && memcmp(ans, "A:a", 3) == 0);
    free(ans);
    teardown(&e);
}

/* A trap in a handler: the requester gets FAILED, the component restarts with fresh memory,
 * the mail queued behind the crashing message is delivered, the crashed instance's own
 * requests are forgotten. */
static void test_crash(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "T", .send = "T", .request = "H");
    SPAWN(e, .name = "H", .config = "mode=hold");
    SPAWN(e, .name = "A", .request = "T");

    EXPECT_CMD(e.rt, "T", "ok", "!mode hold");
    int64_t ida = CMD_NUM(e.rt, "A", "!request T 0 held-by-T");
    int64_t idt = CMD_NUM(e.rt, "T", "!request H 0 t-asks-H");
    CHECK(ida > 0 && idt > 0);

    hcbs c;
    hcbs_init(&c);
    /* The handler sends T three messages (queued behind it), then traps. */
    int64_t hid = wactor_request(e.rt, "T", "!selftrap 3", 11, 0, hcb_fn, &c);
    CHECK(hid > 0);
    CHECK(wactor_send(e.rt, "T", "h1", 2) == WACTOR_OK);
    CHECK(wactor_send(e.rt, "T", "h2", 2) == WACTOR_OK);
    hcbs_wait(&c, 1);
    int n;
    const hcb *r = hcbs_find(&c, hid, &n);
    CHECK(n == 1 && r && r->status == WACTOR_STATUS_FAILED);

    /* The restarted instance answers (in echo mode: its memory is fresh). */
    int status;
    void *ans;
    size_t len;
    CHECK(wactor_call(e.rt, "T", "hello", 5, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == 7 && memcmp(ans, "T:hello", 7) == 0);
    free(ans);
    /* H answers the crashed instance's request: dropped. */
    EXPECT_CMD(e.rt, "H", "0", "!answer 0 for-old-T");
    IDLE(e.rt);

    wactor_stats s = stats(e.rt, "T");
    CHECK(s.crashes == 1 && s.restarts == 1 && s.running && s.pending == 0);
    CHECK(s.callbacks[0] + s.callbacks[1] + s.callbacks[2] + s.callbacks[3] == 0);
    char *rep = report(e.rt, "T");
    char want[512], a1[32], a2[32], a3[32];
    snprintf(want, sizeof want, "msg T 0 - %s\nmsg T 0 - %s\nmsg T 0 - %s\n", hex(a1, "after1"),
             hex(a2, "after2"), hex(a3, "after3"));
    EXPECT_LINES(rep, "msg T ", want);
    snprintf(want, sizeof want, "msg @host 0 - %s\nmsg @host 0 - %s\n", hex(a1, "h1"),
             hex(a2, "h2"));
    EXPECT_LINES(rep, "msg @host 0 ", want);
    CHECK(count_lines(rep, "cb ") == 0);
    CHECK(strstr(rep, hex(a1, "held-by-T")) == NULL);
    free(rep);
    rep = report(e.rt, "A");
    snprintf(want, sizeof want, "cb %" PRId64 " 3 T ", ida);
    CHECK(strstr(rep, want) != NULL && count_lines(rep, "cb ") == 1);
    free(rep);
    CHECK(capture_count(&log_lines, "T: ", "crashed: ", "backtrace") == 1);

    /* A second crash, by a fire-and-forget message, restarts it again. */
    CHECK(wactor_send(e.rt, "T", "!trap", 5) == WACTOR_OK);
    CHECK(wactor_call(e.rt, "T", "again", 5, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_OK && len == 7 && memcmp(ans, "T:again", 7) == 0);
    free(ans);
    s = stats(e.rt, "T");
    CHECK(s.crashes == 2 && s.restarts == 2 && s.running);
    CHECK(hcbs_calls(&c) == 1);
    teardown(&e);
    hcbs_fini(&c);
}

/* The requests a crashed instance had sent are cancelled (ABI.md, Failure): like cancelled
 * requests they no longer count as the component's pending requests, so the restarted
 * instance has its whole `pending` budget. */
static void test_crash_pending(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "T", .request = "H E", .pending = 1);
    SPAWN(e, .name = "H", .config = "mode=hold");
    SPAWN(e, .name = "E");

    int64_t idt = CMD_NUM(e.rt, "T", "!request H 0 t-asks-H");
    CHECK(idt > 0);
    EXPECT_CMD(e.rt, "T", "-4", "!request E 0 over-the-budget");
    CHECK(stats(e.rt, "T").pending == 1);
    int status;
    void *ans;
    size_t len;
    CHECK(wactor_call(e.rt, "T", "!trap", 5, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_FAILED);
    free(ans);
    /* The restarted instance has no request of its own. */
    EXPECT_CMD(e.rt, "T", "1", "!count"); /* the first message of a fresh instance */
    wactor_stats s = stats(e.rt, "T");
    CHECK(s.crashes == 1 && s.restarts == 1);
    if (s.pending != 0)
        fprintf(stderr, "T: pending %u after the restart\n", s.pending);
    CHECK(s.pending == 0);
    int64_t id = CMD_NUM(e.rt, "T", "!request E 0 fresh");
    CHECK(id > 0);
    EXPECT_CMD(e.rt, "H", "0", "!answer 0 for-old-T");
    IDLE(e.rt);
    char want[128], h[64];
    snprintf(want, sizeof want, "cb %" PRId64 " 0 E %s\n", id, hex(h, "E:fresh"));
    char *rep = report(e.rt, "T");
    EXPECT_LINES(rep, "cb ", id > 0 ? want : "");
    free(rep);
    teardown(&e);
}

/* Past the restart intensity the component stops for good: the request waiting in its mailbox
 * gets FAILED, its name is gone. */
static void test_restart_limit(void *arg)
{
    (void)arg;
    /* At most 2 restarts within 10 minutes. */
    env e = setup_with(
        (wactor_runtime_options){.workers = 2, .max_restarts = 2, .restart_within_ms = 600000});
    REQUIRE(e.agent);
    SPAWN(e, .name = "T");
    EXPECT_CMD(e.rt, "T", "1", "!count");

    hcbs c;
    hcbs_init(&c);
    for (int i = 0; i < 3; i++)
        CHECK(wactor_send(e.rt, "T", "!trap", 5) == WACTOR_OK);
    int64_t hid = wactor_request(e.rt, "T", "queued", 6, 0, hcb_fn, &c);
    CHECK(hid > 0);
    hcbs_wait(&c, 1);
    int n;
    const hcb *r = hcbs_find(&c, hid, &n);
    CHECK(n == 1 && r && r->status == WACTOR_STATUS_FAILED);
    IDLE(e.rt);
    wactor_stats s = stats(e.rt, "T");
    CHECK(!s.running && s.crashes == 3 && s.restarts == 2);
    CHECK(wactor_send(e.rt, "T", "x", 1) == WACTOR_ENOTFOUND);
    CHECK(wactor_request(e.rt, "T", "x", 1, 0, hcb_fn, &c) == WACTOR_ENOTFOUND);
    CHECK(capture_count(&log_lines, "T: ", "stopped for good", NULL) == 1);
    teardown(&e);
    hcbs_fini(&c);
}

/* Restart policies and proc_exit; a trap in wactor_on_callback is a crash too. */
static void test_policies(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "P"); /* permanent */
    SPAWN(e, .name = "TR", .restart = WACTOR_RESTART_TRANSIENT);
    SPAWN(e, .name = "TR2", .restart = WACTOR_RESTART_TRANSIENT);
    SPAWN(e, .name = "TR3", .restart = WACTOR_RESTART_TRANSIENT);
    SPAWN(e, .name = "TE", .restart = WACTOR_RESTART_TEMPORARY);
    SPAWN(e, .name = "CB", .request = "E");
    SPAWN(e, .name = "E");

    struct {
        const char *name, *command;
        bool running;
        uint64_t crashes, restarts;
    } cases[] = {
        {"P", "!exit 0", true, 0, 1}, {"TR", "!exit 0", false, 0, 0},
        {"TR2", "!trap", true, 1, 1}, {"TR3", "!exit 3", true, 1, 1},
        {"TE", "!trap", false, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status;
        void *ans;
        size_t len;
        EXPECT_CMD(e.rt, cases[i].name, "1", "!count"); /* it has handled a message */
        const char *cmd = cases[i].command;
        CHECK(wactor_call(e.rt, cases[i].name, cmd, strlen(cmd), 0, &status, &ans, &len) ==
              WACTOR_OK);
        CHECK(status == WACTOR_STATUS_FAILED);
        free(ans);
        IDLE(e.rt);
        wactor_stats s = stats(e.rt, cases[i].name);
        if (s.running != cases[i].running || s.crashes != cases[i].crashes ||
            s.restarts != cases[i].restarts) {
            fprintf(stderr,
                    "%s:%d: %s after %s: running %d crashes %" PRIu64 " restarts %" PRIu64 "\n",
                    __FILE__, __LINE__, cases[i].name, cmd, s.running, s.crashes, s.restarts);
            test_failures++;
        }
        int rc = wactor_call(e.rt, cases[i].name, "x", 1, 0, &status, &ans, &len);
        if (cases[i].running) {
            CHECK(rc == WACTOR_OK && status == WACTOR_STATUS_OK &&
                  len == strlen(cases[i].name) + 2);
            free(ans);
        } else {
            CHECK(rc == WACTOR_ENOTFOUND);
        }
    }

    EXPECT_CMD(e.rt, "CB", "ok", "!mode cbtrap");
    int64_t id = CMD_NUM(e.rt, "CB", "!request E 0 x");
    CHECK(id > 0);
    IDLE(e.rt);
    wactor_stats s = stats(e.rt, "CB");
    CHECK(s.running && s.crashes == 1 && s.restarts == 1 && s.callbacks[WACTOR_STATUS_OK] == 1);
    EXPECT_REPORT(e.rt, "CB", ""); /* a fresh instance, in echo mode again */
    teardown(&e);
}

/* Per-message fuel, call depth and memory limits. */
static void test_limits(void *arg)
{
    (void)arg;
    env e = setup(2, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "F", .fuel = 2000000);
    SPAWN(e, .name = "S", .stack = 500);
    SPAWN(e, .name = "M0");
    int64_t pages = CMD_NUM(e.rt, "M0", "!grow 0");
    CHECK(pages > 0);
    SPAWN(e, .name = "M", .memory = (uint64_t)(pages + 2) * 65536);
    int status;
    void *ans;
    size_t len;

    /* Fuel is per delivered message. */
    EXPECT_CMD(e.rt, "F", "4950", "!spin 100");
    EXPECT_CMD(e.rt, "F", "4950", "!spin 100");
    CHECK(wactor_call(e.rt, "F", "!spin 100000000", 15, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_FAILED);
    free(ans);
    EXPECT_CMD(e.rt, "F", "4950", "!spin 100");
    CHECK(stats(e.rt, "F").crashes == 1);

    EXPECT_CMD(e.rt, "S", "100", "!recurse 100");
    CHECK(wactor_call(e.rt, "S", "!recurse 100000", 15, 0, &status, &ans, &len) == WACTOR_OK);
    CHECK(status == WACTOR_STATUS_FAILED);
    free(ans);
    EXPECT_CMD(e.rt, "S", "100", "!recurse 100");
    CHECK(stats(e.rt, "S").crashes == 1);

    char want[32];
    snprintf(want, sizeof want, "%" PRId64, pages);
    EXPECT_CMD(e.rt, "M", want, "!grow 2");
    EXPECT_CMD(e.rt, "M", "-1", "!grow 1");
    snprintf(want, sizeof want, "%" PRId64, pages + 2);
    EXPECT_CMD(e.rt, "M", want, "!grow 0");
    EXPECT_CMD(e.rt, "M0", "-1", "!grow 2000"); /* 64 MiB by default */
    CHECK(stats(e.rt, "M").crashes == 0);
    teardown(&e);
}

/* Back-pressure, on one worker so that the target cannot run while the sender's handler does:
 * EFULL at the mailbox bound and at the pending bound; callbacks are never refused. */
static void test_efull(void *arg)
{
    (void)arg;
    env e = setup(1, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "F", .mailbox = 2);
    SPAWN(e, .name = "E");
    SPAWN(e, .name = "G", .send = "F", .request = "E", .mailbox = 1, .pending = 2);

    EXPECT_CMD(e.rt, "G", "0 0 -4", "!sendn F 3 x");
    IDLE(e.rt);
    char *rep = report(e.rt, "F");
    CHECK(count_lines(rep, "msg G 0 - 78\n") == 2 && count_lines(rep, "msg ") == 2);
    free(rep);
    EXPECT_CMD(e.rt, "G", "0 0 -4", "!sendn F 3 x"); /* room again */

    char *ids = CMD(e.rt, "G", "!requestn E 3 0 y");
    long long i1 = 0, i2 = 0, i3 = 0;
    CHECK(sscanf(ids, "%lld %lld %lld", &i1, &i2, &i3) == 3 && i1 > 0 && i2 > 0 && i3 == -4);
    free(ids);
    IDLE(e.rt);
    /* Both answers came back although G's mailbox bound is 1. */
    rep = report(e.rt, "G");
    char want[256], h[64];
    snprintf(want, sizeof want, "cb %lld 0 E %s\ncb %lld 0 E %s\n", i1, hex(h, "E:y"), i2, h);
    EXPECT_LINES(rep, "cb ", want);
    free(rep);
    wactor_stats s = stats(e.rt, "G");
    CHECK(s.callbacks[WACTOR_STATUS_OK] == 2 && s.pending == 0 && s.sent == 6);
    CHECK(stats(e.rt, "F").received == 5); /* 2 + report + 2 */
    teardown(&e);
}

/* A publication that finds a subscriber's mailbox full is dropped for that subscriber only
 * (publish still returns OK): counted in the subscriber's stats (`dropped`), not the
 * publisher's, and logged at debug level under the subscriber's name. One worker: while P's
 * one handler publishes 10 times, no subscriber runs, so S (mailbox 3) keeps 3 and misses 7,
 * and W (room for all) gets all 10. */
static void test_pub_dropped(void *arg)
{
    (void)arg;
    env e = setup(1, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "P", .publish = "drop.t");
    SPAWN(e, .name = "S", .subscribe = "drop.*", .mailbox = 3);
    SPAWN(e, .name = "W", .subscribe = "drop.*");
    EXPECT_CMD(e.rt, "S", "0", "!subscribe drop.t");
    EXPECT_CMD(e.rt, "W", "0", "!subscribe drop.t");
    EXPECT_CMD(e.rt, "P", "0 0 0 0 0 0 0 0 0 0", "!publishn drop.t 10 x");
    IDLE(e.rt);
    wactor_stats s = stats(e.rt, "S"), w = stats(e.rt, "W"), p = stats(e.rt, "P");
    CHECK(s.received == 1 + 3 && s.dropped == 7);
    CHECK(w.received == 1 + 10 && w.dropped == 0);
    CHECK(p.sent == 10 && p.dropped == 0);
    CHECK(capture_count(&log_lines, "1 S: ", "publication on drop.t from P dropped: mailbox full",
                        NULL) == 7);
    CHECK(capture_count(&log_lines, "dropped: mailbox full", NULL, NULL) == 7);
    char *rep = report(e.rt, "S");
    CHECK(count_lines(rep, "msg P 0 drop.t ") == 3);
    free(rep);

    /* A second burst: S's mailbox has room for 3 again; the count goes on. */
    EXPECT_CMD(e.rt, "P", "0 0 0 0 0", "!publishn drop.t 5 y");
    IDLE(e.rt);
    CHECK(stats(e.rt, "S").dropped == 7 + 2);
    teardown(&e);
}

/* A request refused with EFULL never existed: no callback may follow it. The target's mailbox
 * is kept full by holding the only worker in a host callback (a test device: callbacks should
 * be quick), while host threads send it requests with a 1 ms timeout. */
typedef struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool in, open;
} gate;

static void gate_cb(void *arg, int64_t corr, int status, const void *payload, size_t len)
{
    (void)corr;
    (void)status;
    (void)payload;
    (void)len;
    gate *g = arg;
    pthread_mutex_lock(&g->lock);
    g->in = true;
    pthread_cond_broadcast(&g->cond);
    while (!g->open)
        pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

typedef struct hammer {
    wactor_runtime *rt;
    long n;
    long not_efull;
    hcbs *cbs;
} hammer;

static void *hammer_main(void *arg)
{
    hammer *h = arg;
    for (long i = 0; i < h->n; i++)
        if (wactor_request(h->rt, "F", "x", 1, 1, hcb_fn, h->cbs) != WACTOR_EFULL)
            h->not_efull++;
    return NULL;
}

static void test_efull_no_callback(void *arg)
{
    (void)arg;
    env e = setup(1, 0, 0);
    REQUIRE(e.agent);
    SPAWN(e, .name = "E");
    SPAWN(e, .name = "F", .mailbox = 1);
    gate g = {.in = false, .open = false};
    pthread_mutex_init(&g.lock, NULL);
    pthread_cond_init(&g.cond, NULL);
    hcbs c;
    hcbs_init(&c);

    CHECK(wactor_request(e.rt, "E", "x", 1, 0, gate_cb, &g) > 0);
    pthread_mutex_lock(&g.lock);
    while (!g.in)
        pthread_cond_wait(&g.cond, &g.lock);
    pthread_mutex_unlock(&g.lock);
    CHECK(wactor_send(e.rt, "F", "fill", 4) == WACTOR_OK);
    CHECK(wactor_send(e.rt, "F", "more", 4) == WACTOR_EFULL);

    enum { THREADS = 4 };
    hammer h[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        h[i] = (hammer){e.rt, 250000, 0, &c};
        CHECK(pthread_create(&t[i], NULL, hammer_main, &h[i]) == 0);
    }
    long not_efull = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        not_efull += h[i].not_efull;
    }
    CHECK(not_efull == 0);
    int spurious = hcbs_calls(&c);
    if (spurious)
        fprintf(stderr, "%d callbacks for requests that returned EFULL\n", spurious);
    CHECK(spurious == 0);

    pthread_mutex_lock(&g.lock);
    g.open = true;
    pthread_cond_broadcast(&g.cond);
    pthread_mutex_unlock(&g.lock);
    IDLE(e.rt);
    CHECK(stats(e.rt, "F").received == 1);
    teardown(&e);
    hcbs_fini(&c);
    pthread_mutex_destroy(&g.lock);
    pthread_cond_destroy(&g.cond);
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s CASE|all AGENT.wasm NOMSG.wasm NOCB.wasm\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    nomsg_path = argv[3];
    nocb_path = argv[4];
    static const test_case tests[] = {
        {"send", test_send},
        {"batch", test_batch},
        {"request", test_request},
        {"deferred", test_deferred},
        {"isolation", test_isolation},
        {"timeout", test_timeout},
        {"missing_denied", test_missing_denied},
        {"cancel", test_cancel},
        {"pubsub", test_pubsub},
        {"concurrency", test_concurrency},
        {"bad_args", test_bad_args},
        {"host_api", test_host_api},
        {"stop", test_stop},
        {"spawn_errors", test_spawn_errors},
        {"crash", test_crash},
        {"crash_pending", test_crash_pending},
        {"restart_limit", test_restart_limit},
        {"policies", test_policies},
        {"limits", test_limits},
        {"efull", test_efull},
        {"efull_no_callback", test_efull_no_callback},
        {"pub_dropped", test_pub_dropped},
    };
    int rc = test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
    capture_reset(&audit_lines);
    capture_reset(&log_lines);
    return rc;
}
