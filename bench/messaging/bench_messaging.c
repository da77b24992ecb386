/*
 * bench_messaging.c: the messaging benchmarks (make bench-messaging; README.md explains every
 * figure). It prints figures and never fails on a slow result: it exits 1 only if a benchmark
 * could not run or a component reported lost or failed messages.
 *
 * Each figure is the median of --runs runs (default 5) after one warm-up run, measured through
 * the embedding API (include/wactor.h) with the components of guests/ (built by CMake next to
 * this program). The baselines pass the same 64-byte messages between two plain threads through
 * the runtime's own mailbox (src/rt/mailbox.c), in the same process and the same run.
 *
 * Usage: bench_messaging [--runs N] [--scale F] [--workers N] [--only LIST] [--dir DIR]
 *   --only   comma-separated subset of: baseline,rr,ff,host,fanout,crash,checks,spawn (ratios
 *            need baseline; without it, only the runtime runs, e.g. under a profiler)
 *   --scale  multiplies every message count (not the 10,000 spawns), e.g. 0.2 for a quick run
 *   --dir    where the mb_*.wasm components are (default: the build directory)
 */
#include "host.h" /* only for linear_resident(): the instance behind a component's name */
#include "msg.h"  /* the router's capability checks, timed directly (bench_checks) */
#include "rt.h"
#include "wactor.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_GUEST_DIR
#define BENCH_GUEST_DIR "."
#endif

#define PAYLOAD 64
#define MAX_RUNS 51
#define TIMEOUT_MS 600000u
/* A waited-for count that never arrives (lost messages) ends in TIMEOUT. */
#define WAIT_TIMEOUT_MS 20000u
#define FAN_SUBS 100
#define SPAWN_COUNT 10000

static struct {
    unsigned runs;
    double scale;
    unsigned workers;
    const char *only;
    const char *dir;
    const char *trace; /* --trace FILE: the runtimes write their spans there */
    int tier;          /* --tier: a wactor_tier for every component (0: the default, auto) */
} opt = {5, 1.0, 0, NULL, BENCH_GUEST_DIR, NULL, 0};

static const char payload[PAYLOAD] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_messaging: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static uint32_t scaled(uint32_t n)
{
    double v = n * opt.scale;
    return v < 1 ? 1 : (uint32_t)v;
}

static bool wanted(const char *name)
{
    if (!opt.only)
        return true;
    size_t len = strlen(name);
    for (const char *p = opt.only; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && memcmp(p, name, n) == 0)
            return true;
        p += n + (end != NULL);
    }
    return false;
}

static void progress(const char *what)
{
    fprintf(stderr, "  running: %s\n", what);
}

/* ---- figures ------------------------------------------------------------ */

typedef struct sample {
    double v[MAX_RUNS];
    unsigned n;
} sample;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const sample *s)
{
    double v[MAX_RUNS];
    memcpy(v, s->v, s->n * sizeof *v);
    qsort(v, s->n, sizeof *v, cmp_double);
    return s->n == 0 ? 0 : s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

static double smin(const sample *s)
{
    double m = s->n ? s->v[0] : 0;
    for (unsigned i = 1; i < s->n; i++)
        m = s->v[i] < m ? s->v[i] : m;
    return m;
}

static double smax(const sample *s)
{
    double m = s->n ? s->v[0] : 0;
    for (unsigned i = 1; i < s->n; i++)
        m = s->v[i] > m ? s->v[i] : m;
    return m;
}

enum { NONE, AT_MOST, AT_LEAST };

/* One line of the table. A ratio compares costs per message: wactor's over the baseline's,
 * so 3.0x means three times the baseline's time per message (a third of its rate). */
typedef struct figure {
    const char *label; /* "A".."C" for baselines */
    char name[160];
    const char *unit;
    int decimals;
    bool higher_better; /* a rate */
    sample s;
    int target_kind;
    double target;
    const struct figure *base; /* ratio against this baseline figure */
    double base_scale;         /* the baseline's median times this is in our unit */
    const char *ref;           /* reference figures from the issue */
} figure;

#define MAX_FIGURES 64
static figure figures[MAX_FIGURES];
static unsigned nfigures;

static figure *fig(const char *name, const char *unit, int decimals)
{
    if (nfigures == MAX_FIGURES)
        die("too many figures");
    figure *f = &figures[nfigures++];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    f->unit = unit;
    f->decimals = decimals;
    return f;
}

static void add(figure *f, double v)
{
    if (f->s.n < MAX_RUNS)
        f->s.v[f->s.n++] = v;
}

static figure *base_rt_spin, *base_rt_futex, *base_tp;

/* The ratio of f's cost per message to its baseline's, or 0 if there is none. */
static double ratio_of(const figure *f)
{
    if (!f->base || !f->base->s.n || !f->s.n)
        return 0;
    double b = median(&f->base->s) * f->base_scale, v = median(&f->s);
    if (b <= 0 || v <= 0)
        return 0;
    return f->higher_better ? b / v : v / b;
}

static void print_table(void)
{
    char cpu[128] = "unknown CPU";
    FILE *fc = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (fc && fgets(line, sizeof line, fc)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(cpu, sizeof cpu, "%s", colon + 2);
            cpu[strcspn(cpu, "\n")] = 0;
            break;
        }
    }
    if (fc)
        fclose(fc);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned workers = opt.workers ? opt.workers : (unsigned)(cores > 0 ? cores : 1);

    printf("\nwactor messaging benchmarks: median of %u runs (after one warm-up run), "
           "payloads of %d bytes\n",
           opt.runs, PAYLOAD);
    printf("  %s, %ld CPUs, %u runtime worker threads; message counts x%g\n", cpu, cores, workers,
           opt.scale);
    printf("  ratio = cost per message of the figure / cost per message of the baseline "
           "named by its letter (>1: slower)\n\n");
    char head[256];
    snprintf(head, sizeof head, "%-2s %-50s %10s  %-13s %-19s %-9s %-2s %-9s %s", "", "figure",
             "median", "unit", "min..max", "target", "", "ratio", "issue reference");
    printf("%s\n", head);
    for (size_t i = 0; i < strlen(head) + 8; i++)
        putchar('-');
    putchar('\n');
    for (unsigned i = 0; i < nfigures; i++) {
        const figure *f = &figures[i];
        if (f->name[0] == '#') {
            printf("%s\n", f->name + 1);
            continue;
        }
        char med[32] = "-", range[48] = "-", target[24] = "", ratio[24] = "", mark[4] = "";
        if (f->s.n) {
            double m = median(&f->s);
            snprintf(med, sizeof med, "%.*f", f->decimals, m);
            snprintf(range, sizeof range, "%.*f..%.*f", f->decimals, smin(&f->s), f->decimals,
                     smax(&f->s));
            if (f->target_kind != NONE)
                snprintf(mark, sizeof mark, "%s",
                         (f->target_kind == AT_MOST ? m <= f->target : m >= f->target) ? "ok"
                                                                                       : "!!");
        }
        if (f->target_kind != NONE)
            snprintf(target, sizeof target, "%s %g",
                     f->target_kind == AT_MOST ? "<=" : ">=", f->target);
        double r = ratio_of(f);
        if (r > 0)
            snprintf(ratio, sizeof ratio, "%.1fx %s", r, f->base->label);
        printf("%-2s %-50s %10s  %-13s %-19s %-9s %-2s %-9s %s\n", f->label ? f->label : "",
               f->name, med, f->unit, range, target, mark, ratio, f->ref ? f->ref : "");
    }
    printf("\n  ok / !!: the median meets / misses the issue's target. Issue references "
           "(not measured here): Erlang/OTP 25 on\n  this machine, CAF, wasmtime; see "
           "bench/messaging/README.md.\n");
}

static void section(const char *title)
{
    figure *f = fig("", "", 0);
    snprintf(f->name, sizeof f->name, "#%s", title);
}

/* ---- baselines: two threads, one rt_mailbox each way -------------------- */

typedef struct bl_msg {
    rt_node node;
    uint32_t len; /* 0: stop */
    uint8_t data[PAYLOAD];
} bl_msg;

typedef struct bl_queue {
    _Alignas(64) rt_mailbox mb;
    _Alignas(64) atomic_uint seq; /* futex word, bumped after every push */
    atomic_uint sleepers;
} bl_queue;

typedef struct bl_pair {
    bl_queue to_b, to_a;
    bool futex;
    uint32_t n;
    double end; /* throughput: when the consumer had the last message */
} bl_pair;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void bl_init(bl_queue *q)
{
    rt_mailbox_init(&q->mb);
    atomic_init(&q->seq, 0);
    atomic_init(&q->sleepers, 0);
}

/* The same work per message as the runtime's path: one allocation, the payload copied in. */
static void bl_push(bl_queue *q, const void *data, uint32_t len, bool futex)
{
    bl_msg *m = malloc(sizeof *m);
    if (!m)
        die("out of memory");
    m->len = len;
    memcpy(m->data, data, len);
    rt_mailbox_push(&q->mb, &m->node);
    if (futex) {
        atomic_fetch_add(&q->seq, 1);
        if (atomic_load(&q->sleepers))
            syscall(SYS_futex, &q->seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
}

/* Spins, or sleeps on the futex, until a message arrives. A spinner yields the CPU now and
 * then: on a 2-CPU machine with a busy neighbour its partner may be waiting for it. */
static bl_msg *bl_pop(bl_queue *q, bool futex)
{
    for (unsigned spins = 0;; spins++) {
        unsigned seq = futex ? atomic_load(&q->seq) : 0;
        rt_node *n = rt_mailbox_pop(&q->mb);
        if (n)
            return (bl_msg *)n;
        if (!futex) {
            if (spins % 1024 == 1023)
                sched_yield();
            else
                cpu_relax();
            continue;
        }
        atomic_fetch_add(&q->sleepers, 1);
        if (atomic_load(&q->seq) == seq)
            syscall(SYS_futex, &q->seq, FUTEX_WAIT_PRIVATE, seq, NULL, NULL, 0);
        atomic_fetch_sub(&q->sleepers, 1);
    }
}

/* The payload copied out, as a handler reads it; the message freed. */
static uint32_t bl_consume(bl_msg *m, uint8_t *buf)
{
    uint32_t len = m->len;
    memcpy(buf, m->data, len);
    free(m);
    return len;
}

/* Thread B of the round trip: answers every message with its payload. */
static void *bl_echo(void *arg)
{
    bl_pair *p = arg;
    uint8_t buf[PAYLOAD];
    for (;;) {
        uint32_t len = bl_consume(bl_pop(&p->to_b, p->futex), buf);
        if (len == 0)
            break;
        bl_push(&p->to_a, buf, len, p->futex);
    }
    return NULL;
}

/* Seconds per round trip. */
static double bl_round_trip(uint32_t n, bool futex)
{
    bl_pair *p = aligned_alloc(64, sizeof(bl_pair) + 64 - sizeof(bl_pair) % 64);
    if (!p)
        die("out of memory");
    bl_init(&p->to_a);
    bl_init(&p->to_b);
    p->futex = futex;
    pthread_t th;
    if (pthread_create(&th, NULL, bl_echo, p) != 0)
        die("pthread_create failed");
    uint8_t buf[PAYLOAD];
    double t0 = now();
    for (uint32_t i = 0; i < n; i++) {
        bl_push(&p->to_b, payload, PAYLOAD, futex);
        if (bl_consume(bl_pop(&p->to_a, futex), buf) != PAYLOAD || buf[5] != payload[5])
            die("baseline: bad answer");
    }
    double t = now() - t0;
    bl_push(&p->to_b, payload, 0, futex);
    pthread_join(th, NULL);
    free(p);
    return t / n;
}

/* Seconds per round trip on one thread: push, pop, push the answer, pop it. The queue's own
 * cost, as between two components that run on the same worker. */
static double bl_round_trip_local(uint32_t n)
{
    bl_pair *p = aligned_alloc(64, sizeof(bl_pair) + 64 - sizeof(bl_pair) % 64);
    if (!p)
        die("out of memory");
    bl_init(&p->to_a);
    bl_init(&p->to_b);
    uint8_t buf[PAYLOAD], buf2[PAYLOAD];
    double t0 = now();
    for (uint32_t i = 0; i < n; i++) {
        bl_push(&p->to_b, payload, PAYLOAD, false);
        uint32_t len = bl_consume(bl_pop(&p->to_b, false), buf);
        bl_push(&p->to_a, buf, len, false);
        if (bl_consume(bl_pop(&p->to_a, false), buf2) != PAYLOAD || buf2[5] != payload[5])
            die("baseline: bad answer");
    }
    double t = now() - t0;
    free(p);
    return t / n;
}

static void *bl_consumer(void *arg)
{
    bl_pair *p = arg;
    uint8_t buf[PAYLOAD];
    for (uint32_t i = 0; i < p->n; i++)
        if (bl_consume(bl_pop(&p->to_b, p->futex), buf) != PAYLOAD)
            die("baseline: bad message");
    p->end = now();
    return NULL;
}

/* Messages per second from one thread to another. */
static double bl_throughput(uint32_t n)
{
    bl_pair *p = aligned_alloc(64, sizeof(bl_pair) + 64 - sizeof(bl_pair) % 64);
    if (!p)
        die("out of memory");
    bl_init(&p->to_b);
    p->futex = false;
    p->n = n;
    pthread_t th;
    if (pthread_create(&th, NULL, bl_consumer, p) != 0)
        die("pthread_create failed");
    double t0 = now();
    for (uint32_t i = 0; i < n; i++)
        bl_push(&p->to_b, payload, PAYLOAD, false);
    pthread_join(th, NULL);
    double t = p->end - t0;
    free(p);
    return n / t;
}

static void bench_baseline(void)
{
    section("Baselines: two plain threads, 64-byte messages through rt_mailbox_push/pop "
            "(malloc + copy in, copy out + free)");
    figure *a = base_rt_spin =
        fig("two-thread mailbox round trip, spin handoff", "us/round trip", 3);
    figure *b = base_rt_futex =
        fig("two-thread mailbox round trip, futex handoff", "us/round trip", 2);
    figure *c = base_tp = fig("two-thread mailbox throughput, consumer spins", "M msg/s", 2);
    figure *d = fig("one-thread mailbox round trip (no handoff; floor)", "us/round trip", 3);
    a->label = "A";
    b->label = "B";
    c->label = "C";
    d->label = "D";
    c->higher_better = true;
    uint32_t n_spin = scaled(200000), n_futex = scaled(20000), n_tp = scaled(2000000);
    progress("baselines");
    bl_round_trip(n_spin / 5, false);
    bl_round_trip(n_futex / 5, true);
    bl_throughput(n_tp / 5);
    bl_round_trip_local(n_spin / 5);
    for (unsigned r = 0; r < opt.runs; r++) {
        add(a, bl_round_trip(n_spin, false) * 1e6);
        add(b, bl_round_trip(n_futex, true) * 1e6);
        add(c, bl_throughput(n_tp) / 1e6);
        add(d, bl_round_trip_local(n_spin) * 1e6);
    }
}

/* ---- the runtime -------------------------------------------------------- */

static wactor_runtime *runtime_start_with(const wactor_runtime_options *o)
{
    wactor_runtime_options with_tier = *o;
    with_tier.tier = opt.tier; /* --tier: every component interpreted or compiled */
    wactor_runtime *rt = wactor_runtime_new(&with_tier);
    if (!rt)
        die("wactor_runtime_new failed");
    return rt;
}

static wactor_runtime *runtime_start(void)
{
    wactor_runtime_options o = {
        .workers = opt.workers, .log_level = WACTOR_LOG_WARN, .trace_path = opt.trace};
    return runtime_start_with(&o);
}

static wactor_module *load(wactor_runtime *rt, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/mb_%s.wasm", opt.dir, name);
    wactor_module *m = wactor_module_load_file(rt, path);
    if (!m)
        die("%s", wactor_errmsg(rt));
    return m;
}

typedef struct spawn_args {
    const char *send, *request, *publish, *subscribe, *config;
    wactor_patterns requests; /* instead of request: a list */
    uint32_t mailbox, pending;
    int64_t fuel;
} spawn_args;

static void spawn(wactor_runtime *rt, const char *name, wactor_module *m, spawn_args a)
{
    const char *send[] = {a.send}, *request[] = {a.request}, *publish[] = {a.publish},
               *subscribe[] = {a.subscribe};
    wactor_component_options o = {.name = name,
                                  .module = m,
                                  .limits.mailbox = a.mailbox,
                                  .limits.pending = a.pending,
                                  .limits.fuel = a.fuel};
    if (a.send)
        o.send = (wactor_patterns){send, 1};
    if (a.request)
        o.request = (wactor_patterns){request, 1};
    if (a.requests.n)
        o.request = a.requests;
    if (a.publish)
        o.publish = (wactor_patterns){publish, 1};
    if (a.subscribe)
        o.subscribe = (wactor_patterns){subscribe, 1};
    if (a.config) {
        o.config = a.config;
        o.config_len = strlen(a.config);
    }
    if (wactor_spawn(rt, &o) != WACTOR_OK)
        die("spawn %s: %s", name, wactor_errmsg(rt));
}

static void spawn_one(wactor_runtime *rt, const char *name, const char *module, spawn_args a)
{
    wactor_module *m = load(rt, module);
    spawn(rt, name, m, a);
    wactor_module_free(m);
}

static uint32_t number(const void *text, size_t len)
{
    char buf[24];
    len = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, text, len);
    buf[len] = 0;
    return (uint32_t)strtoul(buf, NULL, 10);
}

/* A request to a benchmark component, which answers with its error count: it must be 0. */
static void call(wactor_runtime *rt, const char *target, const char *fmt, uint32_t n)
{
    char text[32];
    if (strchr(fmt, '%'))
        snprintf(text, sizeof text, fmt, (unsigned)n);
    else
        snprintf(text, sizeof text, "%s", fmt);
    int status;
    void *answer;
    size_t len;
    int rc = wactor_call(rt, target, text, strlen(text), TIMEOUT_MS, &status, &answer, &len);
    if (rc != WACTOR_OK)
        die("call %s \"%s\": %s", target, text, wactor_errmsg(rt));
    uint32_t errors = number(answer, len);
    free(answer);
    if (status != WACTOR_STATUS_OK)
        die("call %s \"%s\": status %s", target, text, wactor_status_name(status));
    if (errors)
        die("%s \"%s\": %u messages failed or were lost", target, text, (unsigned)errors);
}

/* A request whose answer is waited for later (ff.sink's "tell me after N messages"). */
typedef struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int status;
    uint32_t errors;
} waiter;

static void waiter_done(void *arg, int64_t corr, int status, const void *p, size_t len)
{
    (void)corr;
    waiter *w = arg;
    pthread_mutex_lock(&w->lock);
    w->status = status;
    w->errors = number(p, len);
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void wait_start(wactor_runtime *rt, waiter *w, const char *target, uint32_t n)
{
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->done = false;
    char text[16];
    snprintf(text, sizeof text, "%u", (unsigned)n);
    if (wactor_request(rt, target, text, strlen(text), WAIT_TIMEOUT_MS, waiter_done, w) <= 0)
        die("request %s: %s", target, wactor_errmsg(rt));
}

static void dump_stats(wactor_runtime *rt, const char *name)
{
    wactor_stats st;
    if (wactor_component_stats(rt, name, &st) == WACTOR_OK)
        fprintf(stderr, "  %s: received %llu, sent %llu, queued %u, pending %u, running %d\n", name,
                (unsigned long long)st.received, (unsigned long long)st.sent, (unsigned)st.queued,
                (unsigned)st.pending, (int)st.running);
}

static void wait_end(wactor_runtime *rt, waiter *w, const char *what)
{
    pthread_mutex_lock(&w->lock);
    while (!w->done)
        pthread_cond_wait(&w->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    if (w->status != WACTOR_STATUS_OK || w->errors) {
        fprintf(stderr, "bench_messaging: %s: status %s, %u errors\n", what,
                wactor_status_name(w->status), (unsigned)w->errors);
        dump_stats(rt, "ff.sink");
        dump_stats(rt, "ff.sender");
        exit(1);
    }
}

static void versus(figure *f, figure *base, double scale)
{
    f->base = base;
    f->base_scale = scale;
}

static void ignore_answer(void *arg, int64_t corr, int status, const void *p, size_t len)
{
    (void)arg, (void)corr, (void)status, (void)p, (void)len;
}

/* Diagnostic: parks a request that stays pending with a deadline earlier than any request
 * made in the next seconds. Every request arms a timer (its timeout) and the timer thread is
 * signalled whenever the new timer is the earliest, which is every time when requests run one
 * at a time; with this one parked, no new timer is ever the earliest. */
static void park_timer(wactor_runtime *rt)
{
    spawn_one(rt, "parked", "ff_sink", (spawn_args){0});
    if (wactor_request(rt, "parked", "1000000000", 10, 25000, ignore_answer, NULL) <= 0)
        die("request parked: %s", wactor_errmsg(rt));
}

/* 1. Component-to-component request-response. */
static void bench_rr(void)
{
    figure *f = fig("request-response round trip, rr.client->rr.server", "us/round trip", 3);
    f->target_kind = AT_MOST;
    f->target = 1;
    f->ref = "Erlang 0.53 same sched, 2.6 across; CAF 0.67";
    versus(f, base_rt_spin, 1);
    figure *fp = fig("  diagnostic: same, timer thread never signalled", "us/round trip", 3);
    versus(fp, base_rt_spin, 1);
    uint32_t n = scaled(100000);
    progress("request-response round trips");
    wactor_runtime *rt = runtime_start();
    spawn_one(rt, "rr.server", "rr_server", (spawn_args){0});
    spawn_one(rt, "rr.client", "rr_client", (spawn_args){.request = "rr.server"});
    call(rt, "rr.client", "%u", n / 5);
    for (unsigned r = 0; r < opt.runs; r++) {
        double t0 = now();
        call(rt, "rr.client", "%u", n);
        add(f, (now() - t0) / n * 1e6);
    }
    park_timer(rt);
    for (unsigned r = 0; r < opt.runs; r++) {
        double t0 = now();
        call(rt, "rr.client", "%u", n);
        add(fp, (now() - t0) / n * 1e6);
    }
    wactor_runtime_free(rt);
}

/* 2. Fire-and-forget: throughput (one handler sends N) and ping-pong latency. */
static void bench_ff(void)
{
    figure *tp = fig("fire-and-forget throughput, ff.sender->ff.sink", "M msg/s", 2);
    tp->higher_better = true;
    tp->target_kind = AT_LEAST;
    tp->target = 3;
    tp->ref = "Erlang ~7; CAF 1.5-8.5";
    versus(tp, base_tp, 1);
    figure *tpb = fig("  same, 1,000 sends/handler, N/1,000 host triggers", "M msg/s", 2);
    tpb->higher_better = true;
    tpb->target_kind = AT_LEAST;
    tpb->target = 3;
    versus(tpb, base_tp, 1);
    figure *hop = fig("fire-and-forget latency, ff.sender<->ff.echo", "us/hop", 3);
    hop->ref = "";
    versus(hop, base_rt_spin, 0.5);
    uint32_t n = scaled(1000000), pings = scaled(100000);
    progress("fire-and-forget");
    wactor_runtime *rt = runtime_start();
    spawn_one(rt, "ff.sink", "ff_sink", (spawn_args){.mailbox = n + 1000});
    spawn_one(rt, "ff.echo", "ff_echo", (spawn_args){.send = "ff.sender"});
    spawn_one(rt, "ff.sender", "ff_sender", (spawn_args){.send = "ff.*"});
    for (unsigned r = 0; r <= opt.runs; r++) {
        uint32_t k = r ? n : n / 5;
        waiter w;
        wait_start(rt, &w, "ff.sink", k);
        double t0 = now();
        call(rt, "ff.sender", "send %u", k);
        wait_end(rt, &w, "ff.sink");
        double t = now() - t0;
        if (r)
            add(tp, k / t / 1e6);
    }
    /* Triggers sent (not requested) by the host, all at once: ff.sender handles up to a turn's
     * batch of them, ff.sink can run on the other worker meanwhile. */
    for (unsigned r = 0; r <= opt.runs; r++) {
        uint32_t k = r ? n : n / 5, batches = k / 1000 ? k / 1000 : 1;
        waiter w;
        wait_start(rt, &w, "ff.sink", batches * 1000);
        double t0 = now();
        for (uint32_t i = 0; i < batches; i++)
            if (wactor_send(rt, "ff.sender", "send 1000", 9) != WACTOR_OK)
                die("send ff.sender: %s", wactor_errmsg(rt));
        wait_end(rt, &w, "ff.sink");
        double t = now() - t0;
        call(rt, "ff.sender", "lost", 0);
        if (r)
            add(tpb, batches * 1000.0 / t / 1e6);
    }
    for (unsigned r = 0; r <= opt.runs; r++) {
        uint32_t k = r ? pings : pings / 5;
        double t0 = now();
        call(rt, "ff.sender", "ping %u", k);
        double t = now() - t0;
        if (r)
            add(hop, t / (2.0 * k) * 1e6);
    }
    wactor_runtime_free(rt);
}

/* Microseconds per wactor_call of k sequential ones. */
static double host_calls(wactor_runtime *rt, uint32_t k)
{
    double t0 = now();
    for (uint32_t i = 0; i < k; i++) {
        int status;
        void *answer;
        size_t len;
        if (wactor_call(rt, "rr.server", payload, PAYLOAD, TIMEOUT_MS, &status, &answer, &len) !=
            WACTOR_OK)
            die("wactor_call rr.server: %s", wactor_errmsg(rt));
        if (status != WACTOR_STATUS_OK || len != PAYLOAD)
            die("wactor_call rr.server: status %s, %zu bytes", wactor_status_name(status), len);
        free(answer);
    }
    return (now() - t0) / k * 1e6;
}

/* 3. From the host: wactor_call round trips and wactor_send throughput. */
static void bench_host(void)
{
    section("Host (embedding API) to component");
    figure *rtt = fig("wactor_call round trip, host->rr.server", "us/call", 2);
    versus(rtt, base_rt_futex, 1);
    figure *tp = fig("wactor_send throughput, host->ff.sink", "M msg/s", 2);
    tp->higher_better = true;
    versus(tp, base_tp, 1);
    uint32_t calls = scaled(20000), n = scaled(1000000);
    progress("host calls and sends");
    wactor_runtime *rt = runtime_start();
    spawn_one(rt, "rr.server", "rr_server", (spawn_args){0});
    spawn_one(rt, "ff.sink", "ff_sink", (spawn_args){.mailbox = n + 1000});
    for (unsigned r = 0; r <= opt.runs; r++) {
        uint32_t k = r ? calls : calls / 5;
        add(rtt, host_calls(rt, k));
    }
    rtt->s.n--, memmove(rtt->s.v, rtt->s.v + 1, rtt->s.n * sizeof *rtt->s.v); /* warm-up */
    for (unsigned r = 0; r <= opt.runs; r++) {
        uint32_t k = r ? n : n / 5;
        waiter w;
        wait_start(rt, &w, "ff.sink", k);
        double t0 = now();
        for (uint32_t i = 0; i < k; i++)
            if (wactor_send(rt, "ff.sink", payload, PAYLOAD) != WACTOR_OK)
                die("wactor_send ff.sink: %s", wactor_errmsg(rt));
        wait_end(rt, &w, "ff.sink");
        double t = now() - t0;
        if (r)
            add(tp, k / t / 1e6);
    }
    wactor_runtime_free(rt);
}

static uint64_t fan_received(wactor_runtime *rt)
{
    uint64_t sum = 0;
    for (int i = 0; i < FAN_SUBS; i++) {
        char name[16];
        snprintf(name, sizeof name, "fan.s%d", i);
        wactor_stats st;
        if (wactor_component_stats(rt, name, &st) != WACTOR_OK)
            die("stats %s: %s", name, wactor_errmsg(rt));
        sum += st.received;
    }
    return sum;
}

/* 4. One component to 100: publish to a topic they subscribe to, or 100 sends. */
static void bench_fanout(void)
{
    section("Fan-out from one component to 100 components (until all are delivered and "
            "handled)");
    figure *pub = fig("publish to 100 subscribers, per publish", "us/fan-out", 1);
    figure *pub1 = fig("publish to 100 subscribers, per delivery", "ns/delivery", 0);
    figure *snd = fig("100 sends (one per component), per fan-out", "us/fan-out", 1);
    figure *snd1 = fig("100 sends (one per component), per delivery", "ns/delivery", 0);
    uint32_t k = scaled(2000);
    progress("fan-out");
    wactor_runtime *rt = runtime_start();
    wactor_module *m = load(rt, "fan_sub");
    for (int i = 0; i < FAN_SUBS; i++) {
        char name[16];
        snprintf(name, sizeof name, "fan.s%d", i);
        spawn(rt, name, m, (spawn_args){.subscribe = "fan.t", .mailbox = 2 * k + 1000});
    }
    wactor_module_free(m);
    char subs[8];
    snprintf(subs, sizeof subs, "%d", FAN_SUBS);
    spawn_one(rt, "fan.pub", "fan_pub",
              (spawn_args){.publish = "fan.t", .send = "fan.*", .config = subs});
    uint64_t expect = 0;
    for (int kind = 0; kind < 2; kind++) {
        for (unsigned r = 0; r <= opt.runs; r++) {
            uint32_t n = r ? k : k / 5;
            double t0 = now();
            call(rt, "fan.pub", kind == 0 ? "pub %u" : "send %u", n);
            if (wactor_wait_idle(rt, TIMEOUT_MS) != WACTOR_OK)
                die("wait_idle: %s", wactor_errmsg(rt));
            double t = now() - t0;
            expect += (uint64_t)n * FAN_SUBS;
            if (fan_received(rt) != expect)
                die("fan-out: %llu deliveries, expected %llu", (unsigned long long)fan_received(rt),
                    (unsigned long long)expect);
            if (r) {
                add(kind == 0 ? pub : snd, t / n * 1e6);
                add(kind == 0 ? pub1 : snd1, t / ((double)n * FAN_SUBS) * 1e9);
            }
        }
    }
    wactor_runtime_free(rt);
    /* ns per message of the baseline's throughput (M msg/s): 1000 / rate. */
    if (base_tp && base_tp->s.n) {
        static figure ns_base; /* not printed: C expressed in ns per message */
        ns_base = *base_tp;
        for (unsigned i = 0; i < ns_base.s.n; i++)
            ns_base.s.v[i] = 1000.0 / base_tp->s.v[i];
        versus(pub1, &ns_base, 1);
        versus(snd1, &ns_base, 1);
    }
}

static size_t linear_resident(wactor_runtime *rt, const char *name, uint32_t *pages);

/* ---- 5. supervision: crash and immediate restart ------------------------ */

static atomic_uint_least64_t crash_log_lines, crash_audit_lines;

/* The crash runtime's log and audit lines are built as usual, then counted and dropped: the
 * figure includes their formatting, not a terminal's speed. */
static void count_log(void *arg, int level, const char *component, const char *text, size_t len)
{
    (void)arg, (void)level, (void)component, (void)text, (void)len;
    atomic_fetch_add_explicit(&crash_log_lines, 1, memory_order_relaxed);
}

static void count_audit(void *arg, const char *line, size_t len)
{
    (void)arg, (void)line, (void)len;
    atomic_fetch_add_explicit(&crash_audit_lines, 1, memory_order_relaxed);
}

/* Microseconds per cycle of what the kernel does for one crash and restart of an instance whose
 * linear memory is `bytes` long and has `pages` pages resident: the old memory unmapped (its
 * page-table entries cleared, the TLBs flushed, on every CPU that may hold them), a new one
 * mapped, and its pages faulted in again as the restarted instance writes its data segment and
 * its stack. Measured from the host thread, while the runtime's threads exist. */
static double vm_cycle_us(size_t bytes, size_t pages, uint32_t k)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    double t0 = now();
    for (uint32_t i = 0; i < k; i++) {
        volatile uint8_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            die("mmap: %s", strerror(errno));
        for (size_t j = 0; j < pages; j++)
            p[j * page % bytes] = 1;
        munmap((void *)p, bytes);
    }
    return (now() - t0) / k * 1e6;
}

/* Seconds for crash.driver's request "crash N" or "ok N": N pairs queued in crash.victim's
 * mailbox by one handler, until the N requests among them are answered. */
static double crash_cycles(wactor_runtime *rt, bool crash, uint32_t n)
{
    double t0 = now();
    call(rt, "crash.driver", crash ? "crash %u" : "ok %u", n);
    return now() - t0;
}

static void bench_crash(void)
{
    section("Supervision: crash.victim traps and its runtime restarts it at once (N cycles "
            "queued by one handler)");
    figure *f = fig("crash + restart, until the next message is handled", "us/restart", 1);
    f->target_kind = AT_MOST;
    f->target = 100;
    f->ref = "";
    figure *cyc = fig("  cycle: trapping message + request answered", "us/cycle", 1);
    figure *ref = fig("  cycle: normal message + request answered", "us/cycle", 2);
    figure *vm = fig("  kernel alone: unmap + map + fault (lower bound)", "us/restart", 1);
    figure *touched = fig("  linear memory resident after one message", "KiB/instance", 0);
    figure *pages = fig("  linear memory size (module's initial memory)", "KiB/instance", 0);
    uint32_t n = scaled(2000);
    progress("crash and restart");
    /* Restart intensity never reached: the ring of restart times holds 100,000, and 100,000
     * restarts would have to fit in 1 ms. */
    wactor_runtime_options o = {.workers = opt.workers,
                                .log_level = WACTOR_LOG_WARN,
                                .max_restarts = 100000,
                                .restart_within_ms = 1,
                                .log = count_log,
                                .audit = count_audit};
    wactor_runtime *rt = runtime_start_with(&o);
    spawn_one(rt, "crash.victim", "crash_victim", (spawn_args){.mailbox = 2 * n + 1000});
    spawn_one(rt, "crash.driver", "crash_driver",
              (spawn_args){.send = "crash.victim", .request = "crash.victim", .pending = n + 100});
    /* The victim handles messages first: a crash of an instance that never handled one is
     * restarted after a back-off, not at once. */
    crash_cycles(rt, false, 100);
    uint32_t npages = 0;
    size_t resident = 0, page = (size_t)sysconf(_SC_PAGESIZE);
    uint64_t crashes = 0;
    for (unsigned r = 0; r <= opt.runs; r++) {
        uint32_t k = r ? n : n / 5;
        double t_ok, t_crash;
        if (r % 2) { /* alternate the order: neither variant always runs second */
            t_ok = crash_cycles(rt, false, k);
            t_crash = crash_cycles(rt, true, k);
        } else {
            t_crash = crash_cycles(rt, true, k);
            t_ok = crash_cycles(rt, false, k);
        }
        crashes += k;
        if (!r) { /* a restarted instance that has handled messages, idle now */
            if (wactor_wait_idle(rt, TIMEOUT_MS) != WACTOR_OK)
                die("wait_idle: %s", wactor_errmsg(rt));
            resident = linear_resident(rt, "crash.victim", &npages);
        }
        double t_vm = vm_cycle_us((size_t)npages * 65536, resident / page, k / 10 + 1);
        if (!r)
            continue;
        add(cyc, t_crash / k * 1e6);
        add(ref, t_ok / k * 1e6);
        add(f, (t_crash - t_ok) / k * 1e6);
        add(vm, t_vm);
        add(touched, resident / 1024.0);
        add(pages, npages * 64.0);
    }
    wactor_stats st;
    if (wactor_component_stats(rt, "crash.victim", &st) != WACTOR_OK)
        die("stats crash.victim: %s", wactor_errmsg(rt));
    if (st.crashes != crashes || st.restarts != crashes || !st.running)
        die("crash.victim: %llu crashes and %llu restarts, expected %llu of each",
            (unsigned long long)st.crashes, (unsigned long long)st.restarts,
            (unsigned long long)crashes);
    /* Each crash logs an error and audits a crash and a restart. */
    if (atomic_load(&crash_log_lines) < crashes || atomic_load(&crash_audit_lines) < 2 * crashes)
        die("crash.victim: %llu log and %llu audit lines for %llu crashes",
            (unsigned long long)atomic_load(&crash_log_lines),
            (unsigned long long)atomic_load(&crash_audit_lines), (unsigned long long)crashes);
    wactor_runtime_free(rt);
}

/* ---- 6. fuel and capability checks on the round trip -------------------- */

/* A capability list as the router holds it (msg_caps_free frees it). */
static msg_patterns patterns_copy(const char *const *v, size_t n)
{
    msg_patterns p = {calloc(n, sizeof *p.v), n};
    if (!p.v)
        die("out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(p.v[i] = strdup(v[i])))
            die("out of memory");
    return p;
}

static void patterns_free(msg_patterns *p)
{
    msg_caps c = {.request = *p};
    msg_caps_free(&c);
}

/* Nanoseconds per msg_caps_allow(list, "rr.server"): the pattern scan alone. */
static double caps_allow_ns(const msg_patterns *list, uint32_t iters)
{
    uint32_t allowed = 0;
    double t0 = now();
    for (uint32_t i = 0; i < iters; i++)
        allowed += msg_caps_allow(list, "rr.server", 9);
    double t = now() - t0;
    if (allowed != iters)
        die("msg_caps_allow refused rr.server");
    return t / iters * 1e9;
}

/* Nanoseconds per capability check on the router's path (check_target, src/msg/router.c),
 * through msg_request from a process granted `list`. A router without a scheduler: its
 * max_message is 0, so every request of 64 bytes stops at ETOOBIG, the step after the
 * capability check, before anything is posted. cached: the sender's routes are primed with the
 * target (the first request decides and remembers, as in the runtime after the first message);
 * else no route is ever remembered, and each request validates the name and scans the list. */
static double router_check_ns(const char *const *list, size_t n, bool cached, uint32_t iters)
{
    msg_router_options ro = {.max_message = 0, .request_timeout_ms = 30000};
    msg_router *r = msg_router_new(NULL, &ro);
    msg_proc *from = calloc(1, sizeof *from), *to = calloc(1, sizeof *to);
    if (!r || !from || !to)
        die("out of memory");
    msg_caps caps = {.request = patterns_copy(list, n)};
    msg_proc_init(from, r, "rr.client", 9, NULL, 16, 16, caps);
    msg_proc_init(to, r, "rr.server", 9, NULL, 16, 16, (msg_caps){0});
    if (msg_register(r, to) != WACTOR_OK || msg_register(r, from) != WACTOR_OK)
        die("msg_register failed");
    if (cached) /* generation 0: a new router, no name unregistered yet */
        for (int i = 0; i < MSG_ROUTES; i++)
            from->routes[i] = (msg_route){.to = msg_dest_local(to),
                                          .name = to->name,
                                          .name_len = to->name_len,
                                          .gen = 0,
                                          .allow = {-1, -1}};
    uint32_t toobig = 0;
    double t0 = now();
    for (uint32_t i = 0; i < iters; i++)
        toobig += msg_request(r, from, "rr.server", 9, payload, PAYLOAD, 0, NULL, NULL, NULL) ==
                  WACTOR_ETOOBIG;
    double t = now() - t0;
    if (toobig != iters)
        die("router check: a request did not stop at ETOOBIG");
    msg_unregister(r, from);
    msg_unregister(r, to);
    msg_proc_fini(from);
    msg_proc_fini(to);
    free(from);
    free(to);
    msg_router_free(r);
    return t / iters * 1e9;
}

static const char *const grant1[] = {"rr.server"};
static const char *const grant8[] = {"x1", "x2", "x3", "x4", "x5", "x6", "x7", "rr.*"};
#define CHECK_FUEL 1000000

static void bench_checks(void)
{
    section("Fuel and capability checks on the request-response round trip (4 client/server "
            "pairs in one runtime, in turn)");
    figure *plain = fig("round trip, no fuel, request grant: 1 exact name", "us/round trip", 3);
    plain->label = "E";
    versus(plain, base_rt_spin, 1);
    figure *fu = fig("  same, limits.fuel 1,000,000 on client and server", "us/round trip", 3);
    versus(fu, plain, 1);
    figure *ca = fig("  same, request grant: 8 patterns, the match last", "us/round trip", 3);
    versus(ca, plain, 1);
    figure *both = fig("  same, fuel and 8 patterns", "us/round trip", 3);
    versus(both, plain, 1);
    figure *pf = fig("  fuel: overhead on the round trip", "% of E", 1);
    figure *pc = fig("  8 patterns: overhead on the round trip", "% of E", 1);
    figure *pb = fig("fuel + capability checks together, overhead", "% of E", 1);
    pb->target_kind = AT_MOST;
    pb->target = 10;
    figure *k1 = fig("  msg_caps_allow alone, 1 exact name", "ns/check", 1);
    figure *k8 = fig("  msg_caps_allow alone, 8 patterns, the match last", "ns/check", 1);
    figure *kc = fig("  router check, route cached (all but 1st message)", "ns/check", 1);
    figure *km = fig("  router check, route miss: name + 8 patterns", "ns/check", 1);
    figure *ks = fig("  a route miss on every request, share of E", "% of E", 1);

    uint32_t n = scaled(100000), iters = scaled(1000000);
    progress("fuel and capability checks");
    wactor_runtime *rt = runtime_start();
    wactor_module *server = load(rt, "rr_server"), *client = load(rt, "rr_client");
    wactor_patterns g8 = {grant8, 8};
    spawn(rt, "rr.server", server, (spawn_args){0});
    spawn(rt, "rr.fserver", server, (spawn_args){.fuel = CHECK_FUEL});
    /* name, server (config), fuel, 8 patterns */
    static const struct {
        const char *name, *server;
        bool fuel, caps8;
    } clients[4] = {{"rr.client", "rr.server", false, false},
                    {"rr.fclient", "rr.fserver", true, false},
                    {"rr.cclient", "rr.server", false, true},
                    {"rr.fcclient", "rr.fserver", true, true}};
    for (int i = 0; i < 4; i++)
        spawn(rt, clients[i].name, client,
              (spawn_args){.request = clients[i].caps8 ? NULL : clients[i].server,
                           .requests = clients[i].caps8 ? g8 : (wactor_patterns){0},
                           .config = clients[i].server,
                           .fuel = clients[i].fuel ? CHECK_FUEL : 0});
    wactor_module_free(server);
    wactor_module_free(client);
    figure *rows[4] = {plain, fu, ca, both};
    msg_patterns p1 = patterns_copy(grant1, 1), p8 = patterns_copy(grant8, 8);
    for (unsigned r = 0; r <= opt.runs; r++) {
        /* The four variants take turns in slices of k/SLICES round trips, in a different order
         * each run, so that a busy neighbour slows all of them alike. */
        enum { SLICES = 10 };
        uint32_t k = (r ? n : n / 5) / SLICES + 1;
        double us[4] = {0};
        for (int sl = 0; sl < SLICES; sl++) {
            for (int j = 0; j < 4; j++) {
                int i = (int)((j + r + (unsigned)sl) % 4);
                double t0 = now();
                call(rt, clients[i].name, "%u", k);
                us[i] += (now() - t0) / ((double)k * SLICES) * 1e6;
            }
        }
        double c1 = caps_allow_ns(&p1, r ? iters : iters / 5),
               c8 = caps_allow_ns(&p8, r ? iters : iters / 5),
               rc = router_check_ns(grant8, 8, true, r ? iters : iters / 5),
               rm = router_check_ns(grant8, 8, false, r ? iters : iters / 5);
        if (!r)
            continue;
        for (int i = 0; i < 4; i++)
            add(rows[i], us[i]);
        add(pf, (us[1] / us[0] - 1) * 100);
        add(pc, (us[2] / us[0] - 1) * 100);
        add(pb, (us[3] / us[0] - 1) * 100);
        add(k1, c1);
        add(k8, c8);
        add(kc, rc);
        add(km, rm);
        add(ks, rm / (us[0] * 1000) * 100);
    }
    patterns_free(&p1);
    patterns_free(&p8);
    wactor_runtime_free(rt);
}

/* ---- 7. spawn: each run in a child process, for a clean RSS ------------- */

static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (!f || fscanf(f, "%lu %lu", &size, &resident) != 2)
        die("cannot read /proc/self/statm");
    fclose(f);
    return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* Resident bytes of the linear memory of the component `name`, and its size in wasm pages.
 * Reaches into the runtime's internals (host.h): the embedding API does not expose instances. */
static size_t linear_resident(wactor_runtime *rt, const char *name, uint32_t *pages)
{
    host_component *c = (host_component *)msg_dest_proc(msg_lookup(rt->router, name, strlen(name)));
    wa_memory *mem = c && c->inst ? wa_instance_memory(c->inst) : NULL;
    *pages = mem ? wa_memory_pages(mem) : 0;
    if (!mem || wa_memory_size(mem) == 0)
        return 0;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), size = (size_t)wa_memory_size(mem);
    uint8_t *base = wa_memory_range(mem, 0, 0);
    uintptr_t start = (uintptr_t)base & ~(uintptr_t)(page - 1);
    size_t len = (uintptr_t)base + size - start, n = (len + page - 1) / page, resident = 0;
    unsigned char *vec = malloc(n);
    if (vec && mincore((void *)start, len, vec) == 0)
        for (size_t i = 0; i < n; i++)
            resident += vec[i] & 1;
    else
        resident = n;
    free(vec);
    return resident * page;
}

typedef struct spawn_result {
    double us_per_spawn, rss_kib, linear_kib;
    uint32_t pages;
} spawn_result;

static void spawn_child(int fd)
{
    wactor_runtime *rt = runtime_start();
    wactor_module *m = load(rt, "idle");
    char name[32];
    for (int i = 0; i < 100; i++) { /* warm the allocator and the registry */
        snprintf(name, sizeof name, "warm.%d", i);
        spawn(rt, name, m, (spawn_args){0});
    }
    size_t rss0 = rss_bytes();
    double t0 = now();
    for (int i = 0; i < SPAWN_COUNT; i++) {
        snprintf(name, sizeof name, "idle.%d", i);
        spawn(rt, name, m, (spawn_args){0});
    }
    double t = now() - t0;
    size_t rss1 = rss_bytes(), linear = 0;
    spawn_result res = {.us_per_spawn = t / SPAWN_COUNT * 1e6};
    for (int i = 0; i < SPAWN_COUNT; i++) {
        snprintf(name, sizeof name, "idle.%d", i);
        linear += linear_resident(rt, name, &res.pages);
    }
    res.rss_kib = rss1 > rss0 ? (double)(rss1 - rss0) / SPAWN_COUNT / 1024 : 0;
    res.linear_kib = (double)linear / SPAWN_COUNT / 1024;
    if (write(fd, &res, sizeof res) != (ssize_t)sizeof res)
        _exit(1);
    _exit(0); /* no teardown: stopping 10,100 components is not what is measured */
}

/* Called first, before this process has any thread: each run forks. */
static void bench_spawn(void)
{
    section("Spawn: 10,000 idle components from one compiled module (mb_idle.wasm)");
    figure *t = fig("spawn time per component", "us/component", 1);
    t->target_kind = AT_MOST;
    t->target = 50;
    t->ref = "Erlang 1.9; wasmtime ~25 per instance";
    figure *rss = fig("resident memory per idle component, total", "KiB/component", 1);
    figure *lin = fig("  of which linear-memory pages touched", "KiB/component", 1);
    figure *over = fig("  beyond linear memory (runtime + engine)", "KiB/component", 1);
    over->target_kind = AT_MOST;
    over->target = 100;
    over->ref = "Erlang 2.6 KB per process";
    figure *pages = fig("  linear memory size (module's initial memory)", "KiB/component", 0);
    progress("spawn x10,000 (one child process per run)");
    for (unsigned r = 0; r <= opt.runs; r++) {
        int fds[2];
        if (pipe(fds) != 0)
            die("pipe: %s", strerror(errno));
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
            die("fork: %s", strerror(errno));
        if (pid == 0) {
            close(fds[0]);
            spawn_child(fds[1]);
        }
        close(fds[1]);
        spawn_result res;
        ssize_t got = read(fds[0], &res, sizeof res);
        close(fds[0]);
        int status;
        waitpid(pid, &status, 0);
        if (got != (ssize_t)sizeof res || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("spawn benchmark: the child process failed");
        if (r == 0)
            continue; /* warm-up: page cache, CPU frequency */
        add(t, res.us_per_spawn);
        add(rss, res.rss_kib);
        add(lin, res.linear_kib);
        add(over, res.rss_kib - res.linear_kib);
        add(pages, res.pages * 64.0);
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--runs") == 0 && v) {
            opt.runs = (unsigned)atoi(v);
        } else if (strcmp(a, "--scale") == 0 && v) {
            opt.scale = atof(v);
        } else if (strcmp(a, "--workers") == 0 && v) {
            opt.workers = (unsigned)atoi(v);
        } else if (strcmp(a, "--only") == 0 && v) {
            opt.only = v;
        } else if (strcmp(a, "--dir") == 0 && v) {
            opt.dir = v;
        } else if (strcmp(a, "--trace") == 0 && v) {
            opt.trace = v;
        } else if (strcmp(a, "--tier") == 0 && v) {
            opt.tier = strcmp(v, "aot") == 0      ? WACTOR_TIER_AOT
                       : strcmp(v, "interp") == 0 ? WACTOR_TIER_INTERP
                                                  : -1;
            if (opt.tier < 0) {
                fprintf(stderr, "--tier: interp or aot\n");
                return 2;
            }
        } else {
            fprintf(stderr,
                    "usage: %s [--runs N] [--scale F] [--workers N] [--only "
                    "baseline,rr,ff,host,fanout,crash,checks,spawn] [--dir DIR] [--trace FILE]\n"
                    "       [--tier interp|aot]\n",
                    argv[0]);
            return 2;
        }
        i++;
    }
    if (opt.runs < 1 || opt.runs >= MAX_RUNS || !(opt.scale > 0))
        die("--runs must be 1..%d and --scale positive", MAX_RUNS - 1);

    /* Spawn first: it forks, which is only safe while this process has one thread. Its rows
     * are moved to the end of the table. */
    unsigned spawn_first = nfigures;
    if (wanted("spawn"))
        bench_spawn();
    figure spawn_rows[MAX_FIGURES];
    unsigned nspawn = nfigures - spawn_first;
    memcpy(spawn_rows, figures + spawn_first, nspawn * sizeof *spawn_rows);
    nfigures = spawn_first;

    if (wanted("baseline"))
        bench_baseline(); /* the ratios need it; --only without it: no ratios (profiling) */
    if (wanted("rr") || wanted("ff"))
        section("Component to component (guest C code, wasm32)");
    if (wanted("rr"))
        bench_rr();
    if (wanted("ff"))
        bench_ff();
    if (wanted("host"))
        bench_host();
    if (wanted("fanout"))
        bench_fanout();
    if (wanted("crash"))
        bench_crash();
    if (wanted("checks"))
        bench_checks();
    memcpy(figures + nfigures, spawn_rows, nspawn * sizeof *spawn_rows);
    nfigures += nspawn;
    print_table();
    return 0;
}
