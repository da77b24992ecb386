/*
 * clock.c: the runtime's clocks. Everything that waits or measures in src/rt
 * (and the layers above) uses CLOCK_MONOTONIC, immune to changes of the wall
 * clock: timer deadlines, condition-variable timeouts, restart windows.
 *
 * The coarse clock is the kernel's CLOCK_MONOTONIC_COARSE, read through the
 * vDSO without a system call: the same clock as rt_now_ns, behind it by at
 * most its resolution (a tick, typically 1 to 4 ms). Nothing is cached here:
 * every function reads the kernel, so this file has no state at all, and two
 * runtimes in one process share nothing through it.
 */
#include "rt.h"

#include <time.h>

static uint64_t ns_of(const struct timespec *t)
{
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

uint64_t rt_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ns_of(&t);
}

uint64_t rt_now_coarse_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
    return ns_of(&t);
}

uint64_t rt_coarse_resolution_ns(void)
{
    struct timespec t;
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &t) != 0)
        return 10000000u; /* a generous guess: 10 ms */
    return ns_of(&t);
}

void rt_cond_init_monotonic(pthread_cond_t *c)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(c, &ca);
    pthread_condattr_destroy(&ca);
}
