/*
 * bench_timers: the CPU cost of a component's periodic timer firing (send_after to itself,
 * handled by wactor_on_message) against a plain rt timer from C (rt_timer_start re-armed in
 * its callback, which counts), in the same run (make bench-timers; README.md).
 *
 *   bench_timers TIMER_AGENT.wasm [TIMERS] [PERIOD_MS] [SECONDS]
 *
 * TIMERS (default 100000) periodic timers with period PERIOD_MS (default 1000): wactor's in
 * TIMERS/1000 components of 1000 timers each (the default limits.timers). CPU is the process's
 * user + system time (getrusage) over a window of SECONDS (default 5) after one period of
 * warm-up, divided by the firings counted in that window.
 */
#include "rt.h"
#include "wactor.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the baseline: rt timers from C ---------------------------------------- */

static rt_timers *base_timers;
static rt_timer *base;
static uint32_t period_ms;
static atomic_uint_least64_t base_fired;

static void base_fire(void *ctx, uint64_t key)
{
    (void)ctx;
    atomic_fetch_add_explicit(&base_fired, 1, memory_order_relaxed);
    rt_timer_start(base_timers, &base[key], period_ms, base_fire, NULL, key);
}

static double run_base(uint32_t n, unsigned seconds, uint64_t *fired)
{
    base_timers = rt_timers_new();
    base = calloc(n, sizeof *base);
    for (uint32_t i = 0; i < n; i++)
        rt_timer_start(base_timers, &base[i], period_ms, base_fire, NULL, i);
    sleep_ms(period_ms + 100);
    uint64_t f0 = atomic_load(&base_fired);
    double c0 = cpu_s();
    sleep_ms(seconds * 1000u);
    double c1 = cpu_s();
    *fired = atomic_load(&base_fired) - f0;
    for (uint32_t i = 0; i < n; i++)
        rt_timer_stop(base_timers, &base[i]);
    rt_timers_free(base_timers);
    free(base);
    return c1 - c0;
}

/* ---- wactor: components' periodic timers to themselves ------------------------ */

static uint64_t received(wactor_runtime *rt)
{
    wactor_stats *st = NULL;
    size_t n = 0;
    uint64_t sum = 0;
    if (wactor_stats_all(rt, &st, &n) == WACTOR_OK)
        for (size_t i = 0; i < n; i++)
            sum += st[i].received;
    free(st);
    return sum;
}

static double run_wactor(const char *agent, uint32_t n, unsigned seconds, uint64_t *fired)
{
    wactor_runtime_options ro = {.workers = 2, .log_level = WACTOR_LOG_WARN};
    wactor_runtime *rt = wactor_runtime_new(&ro);
    wactor_module *m = rt ? wactor_module_load_file(rt, agent) : NULL;
    if (!m) {
        fprintf(stderr, "cannot load %s\n", agent);
        exit(1);
    }
    uint32_t ncomp = (n + 999) / 1000;
    for (uint32_t i = 0; i < ncomp; i++) {
        char name[32], cmd[64];
        snprintf(name, sizeof name, "t%u", i);
        wactor_component_options o = {.name = name, .module = m};
        o.limits.timers = 1000;
        if (wactor_spawn(rt, &o) != WACTOR_OK) {
            fprintf(stderr, "spawn: %s\n", wactor_errmsg(rt));
            exit(1);
        }
        uint32_t k = n - i * 1000 < 1000 ? n - i * 1000 : 1000;
        int len = snprintf(cmd, sizeof cmd, "many %u %u %u", k, period_ms, period_ms);
        int status;
        void *answer = NULL;
        size_t alen = 0;
        if (wactor_call(rt, name, cmd, (size_t)len, 60000, &status, &answer, &alen) != WACTOR_OK ||
            alen < 4 || (uint32_t)atol(answer) != k) {
            fprintf(stderr, "%s: could not set %u timers\n", name, k);
            exit(1);
        }
        free(answer);
    }
    sleep_ms(period_ms + 100);
    uint64_t f0 = received(rt);
    double c0 = cpu_s();
    sleep_ms(seconds * 1000u);
    double c1 = cpu_s();
    *fired = received(rt) - f0;
    wactor_module_free(m);
    wactor_runtime_free(rt);
    return c1 - c0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_timers TIMER_AGENT.wasm [TIMERS] [PERIOD_MS] [SECONDS]\n");
        return 2;
    }
    uint32_t n = argc > 2 ? (uint32_t)atol(argv[2]) : 100000;
    period_ms = argc > 3 ? (uint32_t)atol(argv[3]) : 1000;
    unsigned seconds = argc > 4 ? (unsigned)atoi(argv[4]) : 5;
    if (n == 0 || period_ms == 0 || seconds == 0)
        return 2;
    uint64_t bf = 0, wf = 0;
    double bc = run_base(n, seconds, &bf);
    double wc = run_wactor(argv[1], n, seconds, &wf);
    double bper = bf ? bc / (double)bf * 1e9 : 0, wper = wf ? wc / (double)wf * 1e9 : 0;
    printf("%u periodic timers, period %u ms, %u s window\n", n, period_ms, seconds);
    printf("rt timer (C callback)     %10llu firings  %8.3f s CPU  %8.0f ns CPU/firing\n",
           (unsigned long long)bf, bc, bper);
    printf("wactor send_after to self %10llu firings  %8.3f s CPU  %8.0f ns CPU/firing\n",
           (unsigned long long)wf, wc, wper);
    printf("ratio wactor/rt: %.1fx\n", bper > 0 ? wper / bper : 0.0);
    return 0;
}
