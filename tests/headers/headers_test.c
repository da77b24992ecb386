/*
 * headers_test.c: message headers (ABI.md v2, "Headers") through the
 * embedding API and real components (tests/guest/hdr_agent.c): a host
 * request as "@http" with headers, read by the component with msg_header;
 * the answer's ":status" and headers set with respond_header, also for a
 * deferred answer; an answer's headers reaching a component's callback;
 * the imports' error codes; the API's refusals; traces (W3C traceparent
 * along a chain of three components, one span line each, exact fuel).
 *
 * usage: headers_test CASE|all HDR_AGENT.wasm
 */
#include "../e2e/tier.h"
#include "../unit/harness.h"
#include "wactor.h"

#include <pthread.h>
#include <stdlib.h>

static const char *agent_path;

/* One reply, copied out of the callback. */
typedef struct answer {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int status;
    char payload[256];
    char status_hdr[8], out_hdr[128], traceparent[64];
    size_t nheaders;
} answer;

static void copy_header(const wactor_headers *h, const char *name, char *dst, size_t cap)
{
    const char *v;
    size_t len;
    if (wactor_headers_get(h, name, &v, &len) != WACTOR_OK) {
        snprintf(dst, cap, "-");
        return;
    }
    snprintf(dst, cap, "%.*s", (int)len, v);
}

static void replied(void *arg, int64_t corr, int status, const void *payload, size_t len,
                    const wactor_headers *h)
{
    (void)corr;
    answer *a = arg;
    pthread_mutex_lock(&a->lock);
    a->status = status;
    snprintf(a->payload, sizeof a->payload, "%.*s", (int)len, (const char *)payload);
    copy_header(h, ":status", a->status_hdr, sizeof a->status_hdr);
    copy_header(h, "x-out", a->out_hdr, sizeof a->out_hdr);
    copy_header(h, "traceparent", a->traceparent, sizeof a->traceparent);
    wactor_header one;
    a->nheaders = 0;
    while (wactor_headers_at(h, a->nheaders, &one) == WACTOR_OK)
        a->nheaders++;
    a->done = true;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

static void answer_init(answer *a)
{
    memset(a, 0, sizeof *a);
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
}

/* Waits for the reply: every request ends in one callback (its timeout
 * bounds the wait). */
static void answer_wait(answer *a)
{
    pthread_mutex_lock(&a->lock);
    while (!a->done)
        pthread_cond_wait(&a->cond, &a->lock);
    pthread_mutex_unlock(&a->lock);
}

/* The span lines of a traced runtime. */
static char spans[16384];
static size_t spans_len;
static pthread_mutex_t spans_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_span(void *arg, const char *line, size_t len)
{
    (void)arg;
    pthread_mutex_lock(&spans_lock);
    if (spans_len + len + 2 < sizeof spans) {
        memcpy(spans + spans_len, line, len);
        spans_len += len;
        spans[spans_len++] = '\n';
        spans[spans_len] = 0;
    }
    pthread_mutex_unlock(&spans_lock);
}

static bool tracing;

static wactor_runtime *start(const char *const *names, const char *const *roles, size_t n)
{
    wactor_runtime_options o = {.workers = 2, .trace = tracing ? on_span : NULL};
    test_tier(&o);
    wactor_runtime *rt = wactor_runtime_new(&o);
    if (!rt)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        static const char *const all[] = {">"};
        wactor_component_options o = {.name = names[i],
                                      .path = agent_path,
                                      .config = roles[i],
                                      .config_len = strlen(roles[i]),
                                      .request = {all, 1}};
        if (wactor_spawn(rt, &o) != WACTOR_OK) {
            fprintf(stderr, "spawn %s: %s\n", names[i], wactor_errmsg(rt));
            wactor_runtime_free(rt);
            return NULL;
        }
    }
    return rt;
}

static int64_t ask(wactor_runtime *rt, const char *to, const char *payload,
                   const wactor_message_options *o, answer *a)
{
    answer_init(a);
    return wactor_request_with(rt, to, payload, strlen(payload), o, replied, a);
}

/* A request as "@http" with headers: the component reads them and sets the
 * answer's status and headers. */
static void test_echo(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start((const char *const[]){"echo"}, (const char *const[]){"echo"}, 1);
    REQUIRE(rt != NULL);
    wactor_header in[] = {{":method", 0, "GET", 3}, {"x-in", 0, "hello there", 11}};
    wactor_message_options o = {.sender = "@http", .headers = in, .nheaders = 2};
    answer a;
    CHECK(ask(rt, "echo", "", &o, &a) > 0);
    answer_wait(&a);
    CHECK(a.status == WACTOR_STATUS_OK);
    CHECK(!strcmp(a.payload, "@http GET hello there"));
    CHECK(!strcmp(a.status_hdr, "201") && !strcmp(a.out_hdr, "hello there") && a.nheaders == 2);
    /* Without headers: the host's name, nothing to read. */
    CHECK(ask(rt, "echo", "", NULL, &a) > 0);
    answer_wait(&a);
    CHECK(!strcmp(a.payload, "@host - -") && !strcmp(a.out_hdr, "-"));
    wactor_runtime_free(rt);
}

/* Headers set for a deferred answer go with it; each answer has its own. */
static void test_deferred(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start((const char *const[]){"echo"}, (const char *const[]){"echo"}, 1);
    REQUIRE(rt != NULL);
    wactor_header first[] = {{"x-in", 0, "first", 5}};
    wactor_header second[] = {{"x-in", 0, "second", 6}};
    answer a, b;
    CHECK(ask(rt, "echo", "defer", &(wactor_message_options){.headers = first, .nheaders = 1}, &a) >
          0);
    CHECK(ask(rt, "echo", "now", &(wactor_message_options){.headers = second, .nheaders = 1}, &b) >
          0);
    answer_wait(&a);
    answer_wait(&b);
    CHECK(!strcmp(a.out_hdr, "first") && !strcmp(a.payload, "@host - first"));
    CHECK(!strcmp(b.out_hdr, "second") && !strcmp(b.payload, "@host - second"));
    wactor_runtime_free(rt);
}

/* An answer's headers reach the requesting component's callback. */
static void test_callback(void *arg)
{
    (void)arg;
    wactor_runtime *rt =
        start((const char *const[]){"front", "back"}, (const char *const[]){"front", "back"}, 2);
    REQUIRE(rt != NULL);
    answer a;
    CHECK(ask(rt, "front", "go", NULL, &a) > 0);
    answer_wait(&a);
    CHECK(!strcmp(a.payload, "0 - yes"));
    wactor_runtime_free(rt);
}

/* The imports' codes, in the ABI's order of precedence. */
static void test_codes(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start((const char *const[]){"codes"}, (const char *const[]){"codes"}, 1);
    REQUIRE(rt != NULL);
    answer a;
    CHECK(ask(rt, "codes", "", NULL, &a) > 0);
    answer_wait(&a);
    char want[128];
    snprintf(want, sizeof want, "%d %d %d %d %d %d %d %d", WACTOR_ESTATE, WACTOR_EINVAL,
             WACTOR_EINVAL, WACTOR_ENOTFOUND, WACTOR_ETOOBIG, WACTOR_ENOTFOUND, WACTOR_EINVAL,
             WACTOR_OK);
    CHECK(!strcmp(a.payload, want));
    if (strcmp(a.payload, want))
        fprintf(stderr, "got \"%s\", want \"%s\"\n", a.payload, want);
    wactor_runtime_free(rt);
}

/* What the API refuses: a sender that is not '@' + [a-z0-9-], bad header
 * names, values and blocks over their bounds. */
static void test_api_refusals(void *arg)
{
    (void)arg;
    wactor_runtime *rt = start((const char *const[]){"echo"}, (const char *const[]){"echo"}, 1);
    REQUIRE(rt != NULL);
    answer a;
    static char big[5000];
    memset(big, 'v', sizeof big);
    const char *senders[] = {"http", "@HTTP", "@", "@a.b", "@0123456789012345678901234567890x"};
    for (size_t i = 0; i < sizeof senders / sizeof *senders; i++)
        CHECK(ask(rt, "echo", "", &(wactor_message_options){.sender = senders[i]}, &a) ==
              WACTOR_EINVAL);
    wactor_header bad_name[] = {{"X-Up", 0, "v", 1}};
    wactor_header bad_pseudo[] = {{":", 0, "v", 1}};
    wactor_header too_long[] = {{"x-big", 0, big, 4097}};
    CHECK(ask(rt, "echo", "", &(wactor_message_options){.headers = bad_name, .nheaders = 1}, &a) ==
          WACTOR_EINVAL);
    CHECK(ask(rt, "echo", "", &(wactor_message_options){.headers = bad_pseudo, .nheaders = 1},
              &a) == WACTOR_EINVAL);
    CHECK(ask(rt, "echo", "", &(wactor_message_options){.headers = too_long, .nheaders = 1}, &a) ==
          WACTOR_EINVAL);
    wactor_header many[20];
    for (int i = 0; i < 20; i++)
        many[i] = (wactor_header){"x-many", 0, big, 4096};
    CHECK(ask(rt, "echo", "", &(wactor_message_options){.headers = many, .nheaders = 20}, &a) ==
          WACTOR_ETOOBIG);
    CHECK(wactor_send_with(rt, "echo", "x", 1,
                           &(wactor_message_options){.headers = bad_name, .nheaders = 1}) ==
          WACTOR_EINVAL);
    CHECK(wactor_send_with(rt, "echo", "x", 1,
                           &(wactor_message_options){
                               .sender = "@http", .headers = many, .nheaders = 2}) == WACTOR_OK);
    const char *v;
    size_t len;
    CHECK(wactor_headers_get(NULL, ":status", &v, &len) == WACTOR_ENOTFOUND);
    wactor_header one;
    CHECK(wactor_headers_at(NULL, 0, &one) == WACTOR_ENOTFOUND);
    CHECK(wactor_wait_idle(rt, 60000) == WACTOR_OK);
    wactor_runtime_free(rt);
}

/* One span's field (a JSON string's contents, or "null"), from the line of
 * `component` of that kind. */
static bool span_field(const char *component, const char *kind, const char *field, char *out,
                       size_t cap)
{
    char who[300], what[64], key[64];
    snprintf(who, sizeof who, "\"component\":\"%s\"", component);
    snprintf(what, sizeof what, "\"kind\":\"%s\"", kind);
    snprintf(key, sizeof key, "\"%s\":", field);
    for (const char *line = spans; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char one[1500];
        snprintf(one, sizeof one, "%.*s", (int)len, line);
        const char *at = strstr(one, key);
        if (strstr(one, who) && strstr(one, what) && at) {
            at += strlen(key);
            if (*at == '"')
                at++;
            size_t n = strcspn(at, "\",}");
            snprintf(out, cap, "%.*s", (int)n, at);
            return true;
        }
        line += len + (end != NULL);
    }
    snprintf(out, cap, "?");
    return false;
}

static uint64_t span_fuel(const char *component, const char *kind)
{
    char v[32];
    return span_field(component, kind, "fuel", v, sizeof v) ? strtoull(v, NULL, 10) : 0;
}

#define TRACE_ID "0af7651916cd43dd8448eb211c80319c"
#define CALLER_SPAN "b7ad6b7169203331"

/* A request that carries a traceparent into a chain of three components:
 * one trace, each span the child of the one that sent its message, the
 * answer naming the last span; the fuel of a component's spans is its
 * fuel. Without tracing nothing is written, but the trace still goes on. */
static void test_trace(void *arg)
{
    (void)arg;
    tracing = true;
    wactor_runtime *rt = start((const char *const[]){"a", "b", "c"},
                               (const char *const[]){"relay:b", "relay:c", "back"}, 3);
    tracing = false;
    REQUIRE(rt != NULL);
    wactor_header tp[] = {{"traceparent", 0, "00-" TRACE_ID "-" CALLER_SPAN "-01", 55}};
    answer r;
    CHECK(ask(rt, "a", "go",
              &(wactor_message_options){.sender = "@http", .headers = tp, .nheaders = 1}, &r) > 0);
    answer_wait(&r);
    CHECK(!strcmp(r.payload, "back"));
    CHECK(wactor_wait_idle(rt, 60000) == WACTOR_OK);
    fprintf(stderr, "%s", spans);
    const char *names[][2] = {
        {"a", "request"}, {"b", "request"}, {"c", "request"}, {"b", "callback"}, {"a", "callback"}};
    char id[5][40], parent[5][40], trace[40];
    for (int i = 0; i < 5; i++) {
        CHECK(span_field(names[i][0], names[i][1], "span", id[i], sizeof id[i]));
        span_field(names[i][0], names[i][1], "parent", parent[i], sizeof parent[i]);
        span_field(names[i][0], names[i][1], "trace", trace, sizeof trace);
        CHECK(!strcmp(trace, TRACE_ID));
    }
    CHECK(!strcmp(parent[0], CALLER_SPAN)); /* a continues the caller */
    CHECK(!strcmp(parent[1], id[0]));       /* a asked b */
    CHECK(!strcmp(parent[2], id[1]));       /* b asked c */
    CHECK(!strcmp(parent[3], id[2]));       /* c's answer reached b */
    CHECK(!strcmp(parent[4], id[3]));       /* b's answer (from its callback) reached a */
    char want[128];
    snprintf(want, sizeof want, "00-%s-%s-01", TRACE_ID, id[4]);
    CHECK(!strcmp(r.traceparent, want)); /* the answer names a's last span */
    char outcome[32], sender[32];
    span_field("c", "request", "outcome", outcome, sizeof outcome);
    span_field("a", "request", "sender", sender, sizeof sender);
    CHECK(!strcmp(outcome, "ok") && !strcmp(sender, "@http"));
    wactor_stats st;
    REQUIRE(wactor_component_stats(rt, "a", &st) == WACTOR_OK);
    CHECK(st.fuel > 0 && st.fuel == span_fuel("a", "request") + span_fuel("a", "callback"));
    wactor_runtime_free(rt);

    /* Tracing off: no line, no header on a message without one, but a
     * traceparent that comes in still goes on. */
    spans_len = 0;
    spans[0] = 0;
    rt = start((const char *const[]){"a", "b", "c"},
               (const char *const[]){"relay:b", "relay:c", "back"}, 3);
    REQUIRE(rt != NULL);
    CHECK(ask(rt, "a", "go", NULL, &r) > 0);
    answer_wait(&r);
    CHECK(!strcmp(r.traceparent, "-"));
    CHECK(ask(rt, "a", "go", &(wactor_message_options){.headers = tp, .nheaders = 1}, &r) > 0);
    answer_wait(&r);
    CHECK(!strncmp(r.traceparent, "00-" TRACE_ID "-", 36) &&
          strcmp(r.traceparent + 36, CALLER_SPAN "-01") != 0);
    CHECK(spans_len == 0);
    wactor_runtime_free(rt);
}

static const test_case tests[] = {
    {"echo", test_echo},   {"deferred", test_deferred},         {"callback", test_callback},
    {"codes", test_codes}, {"api_refusals", test_api_refusals}, {"trace", test_trace},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TEST|all HDR_AGENT.wasm\n", argv[0]);
        return 2;
    }
    agent_path = argv[2];
    return test_run(tests, sizeof tests / sizeof tests[0], argv[1], NULL);
}
