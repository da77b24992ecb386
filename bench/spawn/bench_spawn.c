/*
 * bench_spawn: the cost of a child (make bench-spawn; README.md). In one run:
 *   - host: wactor_spawn of N idle components from one compiled module, per component;
 *   - component: a component spawning N children from a template ("idle"), per child, until
 *     every child has started (wactor_wait_idle: the start-ups run on the children's turns);
 *   - memory: resident bytes per idle child;
 *   - erlang: spawn of N idle processes with `erl`, if installed, and the ratios.
 * Never part of `make test`; the figures depend on the machine.
 */
#include "wactor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long rss_bytes(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * sysconf(_SC_PAGESIZE);
}

static void die(const char *what, wactor_runtime *rt)
{
    fprintf(stderr, "bench_spawn: %s: %s\n", what, wactor_errmsg(rt));
    exit(1);
}

static double host_spawn(int n, const char *prefix, wactor_module *idle, wactor_runtime *rt)
{
    char name[32];
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s%d", prefix, i);
        wactor_component_options o = {.name = name, .module = idle};
        if (wactor_spawn(rt, &o) != WACTOR_OK)
            die("spawn", rt);
    }
    return (now_s() - t0) / n;
}

static double component_spawn(int n, wactor_runtime *rt, int first)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "%d %d", n, first);
    int status;
    void *answer = NULL;
    size_t len;
    double t0 = now_s();
    if (wactor_call(rt, "s", cmd, strlen(cmd), 600000, &status, &answer, &len) != WACTOR_OK)
        die("call", rt);
    if (wactor_wait_idle(rt, 600000) != WACTOR_OK)
        die("wait_idle", rt);
    double per = (now_s() - t0) / n;
    if (atoi(answer) != n)
        fprintf(stderr, "bench_spawn: only %s of %d spawned\n", (char *)answer, n);
    free(answer);
    return per;
}

/* Erlang's spawn of n idle processes, per process (seconds), or -1. */
static double erlang_spawn(int n)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "erl -noshell +P 2000000 -eval '"
             "N=%d, S=self(), {T,_}=timer:tc(fun() -> [spawn(fun() -> receive stop -> ok end end)"
             " || _ <- lists:seq(1,N)] end), io:format(\"~p~n\",[T]), halt().' 2>/dev/null",
             n);
    FILE *p = popen(cmd, "r");
    double us = -1;
    if (!p || fscanf(p, "%lf", &us) != 1)
        us = -1;
    if (p)
        pclose(p);
    return us < 0 ? -1 : us / 1e6 / n;
}

static void quiet(void *arg, const char *line, size_t len)
{
    (void)arg;
    (void)line;
    (void)len;
}

int main(int argc, char **argv)
{
    /* bench_spawn [N] [--tier interp|aot]: with aot, every component runs compiled, from
     * MODULE.wasm.so beside each guest (wactor compile; make bench-spawn makes them). */
    int n = argc > 1 && argv[1][0] != '-' ? atoi(argv[1]) : 10000;
    int tier = WACTOR_TIER_INTERP;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tier") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            tier = strcmp(v, "aot") == 0      ? WACTOR_TIER_AOT
                   : strcmp(v, "interp") == 0 ? WACTOR_TIER_INTERP
                                              : -1;
        }
    }
    if (n < 1 || tier < 0) {
        fprintf(stderr, "usage: bench_spawn [N] [--tier interp|aot]\n");
        return 2;
    }
    wactor_runtime_options ro = {
        .workers = 2, .log_level = WACTOR_LOG_ERROR, .audit = quiet, .tier = tier};
    wactor_runtime *rt = wactor_runtime_new(&ro);
    if (!rt)
        die("runtime", NULL);
    wactor_module *idle = wactor_module_load_file(rt, BENCH_GUEST_DIR "/bs_idle.wasm");
    wactor_module *spawner = wactor_module_load_file(rt, BENCH_GUEST_DIR "/bs_spawner.wasm");
    if (!idle || !spawner)
        die("module", rt);
    static const char *const grant[] = {"idle"};
    wactor_component_options t = {.module = idle};
    wactor_component_options s = {.name = "s", .module = spawner, .spawn = {grant, 1}};
    if (wactor_template_add(rt, "idle", &t) != WACTOR_OK || wactor_spawn(rt, &s) != WACTOR_OK)
        die("setup", rt);
    /* Warm-up, then alternate the two ways twice each. */
    component_spawn(1000, rt, 1000000);
    host_spawn(1, "warm", idle, rt);
    double h = 1e9, c = 1e9;
    long rss0 = rss_bytes();
    double ci = component_spawn(n, rt, 0);
    long per_child = (rss_bytes() - rss0) / n;
    c = ci < c ? ci : c;
    double hi = host_spawn(n, "h", idle, rt);
    h = hi < h ? hi : h;
    ci = component_spawn(n, rt, n);
    c = ci < c ? ci : c;
    printf("spawn, %d each, every component %s:\n", n,
           tier == WACTOR_TIER_AOT ? "compiled (AOT tier)" : "interpreted");
    printf("  host API (wactor_spawn)        %8.2f us per component\n", h * 1e6);
    printf("  component (spawn, template)    %8.2f us per child (started)  ratio %.2fx\n", c * 1e6,
           c / h);
    printf("  memory per idle child          %8ld bytes resident\n", per_child);
    double e = erlang_spawn(n * 10);
    if (e > 0)
        printf("  erlang spawn (idle process)    %8.2f us per process  component/erlang %.1fx\n",
               e * 1e6, c / e);
    else
        printf("  erlang: erl not found (apt-get install -y erlang-base)\n");
    wactor_module_free(idle);
    wactor_module_free(spawner);
    wactor_runtime_free(rt);
    return 0;
}
