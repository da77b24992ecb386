/*
 * counters.c: the counters of a component's handlers for wactor_stats:
 * fuel, wall time and its histogram, crashes by kind. They are written by
 * the component's own turn only (a relaxed load and store, as msg.h's
 * single-writer counters) and compiled out with MSG_NO_COUNTERS, like the
 * message path's (the benchmark's second build measures what they cost).
 *
 * The clock. A handler is timed by two reads of a clock, twice per round
 * trip between two components: CLOCK_MONOTONIC costs about 26 ns a read
 * under kvm-clock on the reference machine, the CPU's time-stamp counter
 * about 11. So the counter is used where it is invariant (cpuid says so:
 * the same rate on every core, in every power state) and its rate is
 * measured once per process against CLOCK_MONOTONIC (2 ms at the first
 * runtime); elsewhere the ticks are CLOCK_MONOTONIC's nanoseconds.
 */
#include "host.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define HOST_HAVE_TSC 1
#endif

static const uint64_t bucket_ns[WACTOR_HANDLER_BUCKETS] = {
    1000,    3000,     10000,     30000,      100000,       300000,
    1000000, 10000000, 100000000, 1000000000, 10000000000u, UINT64_MAX};

uint64_t wactor_handler_bucket_ns(int i)
{
    return i >= 0 && i < WACTOR_HANDLER_BUCKETS ? bucket_ns[i] : 0;
}

const char *wactor_crash_kind_name(int kind)
{
    switch (kind) {
#define WACTOR_X(name, value, word)                                                                \
    case value:                                                                                    \
        return word;
        WACTOR_CRASH_KIND_LIST(WACTOR_X)
#undef WACTOR_X
    }
    return "?";
}
_Static_assert(WACTOR_CRASH_OTHER + 1 == WACTOR_CRASH_KINDS, "WACTOR_CRASH_KINDS is the count");

/* ---- the clock ---------------------------------------------------------- */

/* ns = ticks * ns_per_tick_q32 >> 32; 0 until calibrated: the ticks are ns.
 * The buckets' bounds in ticks, so that a handler is counted without a
 * conversion (the total is converted when read). */
static uint64_t ns_per_tick_q32;
static bool use_tsc;
static uint64_t bucket_ticks[WACTOR_HANDLER_BUCKETS];
static pthread_once_t calibrated = PTHREAD_ONCE_INIT;

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void calibrate(void)
{
    memcpy(bucket_ticks, bucket_ns, sizeof bucket_ticks);
#ifdef HOST_HAVE_TSC
    unsigned a, b, c, d;
    /* Leaf 0x80000007, EDX bit 8: the invariant TSC. */
    if (!__get_cpuid(0x80000007, &a, &b, &c, &d) || !(d & (1u << 8)))
        return;
    uint64_t m0 = mono_ns(), t0 = __rdtsc(), m1, t1;
    do {
        m1 = mono_ns();
        t1 = __rdtsc();
    } while (m1 - m0 < 2000000);
    if (t1 <= t0)
        return;
    ns_per_tick_q32 = (uint64_t)(((unsigned __int128)(m1 - m0) << 32) / (t1 - t0));
    use_tsc = ns_per_tick_q32 != 0;
    for (int i = 0; use_tsc && i < WACTOR_HANDLER_BUCKETS - 1; i++)
        bucket_ticks[i] = (uint64_t)(((unsigned __int128)bucket_ns[i] << 32) / ns_per_tick_q32);
#endif
}

void host_clock_init(void)
{
    pthread_once(&calibrated, calibrate);
}

uint64_t host_clock_ticks(void)
{
#ifdef HOST_HAVE_TSC
    if (use_tsc)
        return __rdtsc();
#endif
    return mono_ns();
}

uint64_t host_clock_ns(uint64_t ticks)
{
#ifdef HOST_HAVE_TSC
    if (use_tsc)
        return (uint64_t)(((unsigned __int128)ticks * ns_per_tick_q32) >> 32);
#endif
    return ticks;
}

/* ---- counting ----------------------------------------------------------- */

static void add_own(atomic_uint_least64_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

void host_count_handler(host_component *c, uint64_t ticks)
{
    /* A clock that went back (a thread moved to a core whose counter is
     * behind: none should be, with an invariant TSC) counts as no time. */
    if (ticks >> 62)
        ticks = 0;
    add_own(&c->fuel, c->fuel_used);
    add_own(&c->handler_ticks, ticks);
    int i = 0;
    while (ticks > bucket_ticks[i]) /* the last bound is UINT64_MAX */
        i++;
    add_own(&c->handler_hist[i], 1);
}

void host_count_crash(host_component *c, int kind)
{
    /* Not only on the turn: a first start-up's failure counts on the
     * spawning thread. Rare: a locked add. (wactor_stats' crashes is their
     * sum, so that the two always agree.) */
    atomic_fetch_add(&c->crashes_by[kind], 1);
}
