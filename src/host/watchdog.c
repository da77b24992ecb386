/*
 * watchdog.c: the wall-clock limit per delivered message. Each worker has
 * a slot saying which instance it is running and until when; one thread
 * sleeps until the earliest deadline among the slots and interrupts an
 * instance whose deadline has passed (wa_instance_interrupt: the guest
 * traps INTERRUPTED at its next loop header or call), so a component stuck
 * in `loop br 0` cannot hold a worker.
 *
 * The watchdog ticks every WATCH_TICK_NS while handlers run and parks when
 * there has been none for a while. The hot path costs a slot's mutex twice
 * per message and one atomic load; a worker signals only a parked watchdog,
 * once per idle period, never per message.
 *
 * While it ticks it also nudges the scheduler: a worker busy with a long
 * handler does not look at its run queue, so an idle worker is woken to
 * take what waits there (rt_sched_nudge).
 *
 * No lost wake-up: the watchdog sets `parked` before its last look at the
 * slots and keeps its own lock until it sleeps; a worker fills its slot
 * before it reads `parked` and signals under that lock. Either the look
 * sees the slot, or the worker sees `parked` and its signal lands after the
 * sleep began.
 *
 * A stale interrupt (the handler returned just before the watchdog fired)
 * is harmless: a slot is only interrupted while filled, and each call
 * clears the instance's interrupt flag before its slot is filled.
 */
#include "host.h"

#include <stdlib.h>
#include <time.h>

/* Deadlines are checked every tick while handlers run, so an instance is
 * interrupted at most a tick after its deadline; after a second without
 * any handler the watchdog parks until a handler starts. */
#define WATCH_TICK_NS (2 * 1000000u)
#define WATCH_LINGER_NS (1000 * 1000000u)

typedef struct watch_slot {
    pthread_mutex_t lock;
    wa_instance *inst; /* NULL when the worker runs no guest code */
    uint64_t deadline_ns;
} watch_slot;

struct host_watchdog {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stopping;
    atomic_bool parked;
    uint64_t coarse_res_ns;
    rt_sched *sched; /* nudged while handlers run: see rt_sched_nudge */
    watch_slot *slots;
    unsigned n;
};

/* Interrupts every instance whose deadline is at or before `now` (a
 * deadline fires once); returns whether any slot is filled. */
static bool interrupt_due(host_watchdog *wd, uint64_t now)
{
    bool busy = false;
    for (unsigned i = 0; i < wd->n; i++) {
        watch_slot *s = &wd->slots[i];
        pthread_mutex_lock(&s->lock);
        if (s->inst) {
            busy = true;
            if (s->deadline_ns <= now) {
                wa_instance_interrupt(s->inst);
                s->deadline_ns = UINT64_MAX; /* once is enough */
            }
        }
        pthread_mutex_unlock(&s->lock);
    }
    return busy;
}

/* The deadlines passed by now (called with wd->lock held). */
static bool scan(host_watchdog *wd)
{
    return interrupt_due(wd, rt_now_ns());
}

static void *watchdog_main(void *arg)
{
    host_watchdog *wd = arg;
    uint64_t idle_since = 0;
    pthread_mutex_lock(&wd->lock);
    while (!wd->stopping) {
        uint64_t now = rt_now_ns();
        if (scan(wd)) {
            idle_since = 0;
            /* A handler is running: work queued behind it on its worker
             * waits, unless an idle worker is woken to take it. */
            if (wd->sched)
                rt_sched_nudge(wd->sched);
        } else if (!idle_since)
            idle_since = now;
        if (idle_since && now - idle_since > WATCH_LINGER_NS) {
            /* Park: announce it, then look once more (see the note above). */
            atomic_store(&wd->parked, true);
            if (!scan(wd))
                pthread_cond_wait(&wd->cond, &wd->lock);
            atomic_store(&wd->parked, false);
            idle_since = 0;
            continue;
        }
        uint64_t next = now + WATCH_TICK_NS;
        struct timespec until = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
        pthread_cond_timedwait(&wd->cond, &wd->lock, &until);
    }
    pthread_mutex_unlock(&wd->lock);
    return NULL;
}

host_watchdog *host_watchdog_new(unsigned workers)
{
    host_watchdog *wd = calloc(1, sizeof *wd);
    if (!wd)
        return NULL;
    wd->slots = calloc(workers + 1, sizeof *wd->slots);
    if (!wd->slots) {
        free(wd);
        return NULL;
    }
    wd->n = workers + 1; /* the last slot serves spawn's start-up calls */
    for (unsigned i = 0; i < wd->n; i++)
        pthread_mutex_init(&wd->slots[i].lock, NULL);
    pthread_mutex_init(&wd->lock, NULL);
    rt_cond_init_monotonic(&wd->cond);
    atomic_init(&wd->parked, false);
    wd->coarse_res_ns = rt_coarse_resolution_ns();
    if (pthread_create(&wd->thread, NULL, watchdog_main, wd) != 0) {
        wd->n = 0;
        host_watchdog_free(wd);
        return NULL;
    }
    return wd;
}

void host_watchdog_free(host_watchdog *wd)
{
    if (!wd)
        return;
    if (wd->n) {
        pthread_mutex_lock(&wd->lock);
        wd->stopping = true;
        pthread_cond_signal(&wd->cond);
        pthread_mutex_unlock(&wd->lock);
        pthread_join(wd->thread, NULL);
    }
    for (unsigned i = 0; i < wd->n; i++)
        pthread_mutex_destroy(&wd->slots[i].lock);
    pthread_mutex_destroy(&wd->lock);
    pthread_cond_destroy(&wd->cond);
    free(wd->slots);
    free(wd);
}

void host_watchdog_set_sched(host_watchdog *wd, rt_sched *s)
{
    pthread_mutex_lock(&wd->lock);
    wd->sched = s;
    pthread_mutex_unlock(&wd->lock);
}

void host_watch_begin(host_watchdog *wd, unsigned slot, wa_instance *inst, uint32_t time_ms)
{
    watch_slot *s = &wd->slots[slot];
    /* The coarse clock costs a few nanoseconds instead of a few tens; it
     * lags by at most its resolution, which is added so that a deadline is
     * never early. */
    uint64_t deadline = rt_now_coarse_ns() + wd->coarse_res_ns + (uint64_t)time_ms * 1000000u;
    wa_instance_clear_interrupt(inst);
    pthread_mutex_lock(&s->lock);
    s->inst = inst;
    s->deadline_ns = deadline;
    pthread_mutex_unlock(&s->lock);
    if (atomic_load(&wd->parked)) {
        pthread_mutex_lock(&wd->lock);
        pthread_cond_signal(&wd->cond);
        pthread_mutex_unlock(&wd->lock);
    }
}

void host_watch_end(host_watchdog *wd, unsigned slot)
{
    watch_slot *s = &wd->slots[slot];
    pthread_mutex_lock(&s->lock);
    s->inst = NULL;
    pthread_mutex_unlock(&s->lock);
}

void host_watchdog_interrupt_all(host_watchdog *wd)
{
    interrupt_due(wd, UINT64_MAX);
}
