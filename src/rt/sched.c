/*
 * sched.c: worker threads, run queues, and actors' turns (see rt.h for the
 * scheduling rules).
 *
 * Run queues are intrusive FIFO lists of actors behind a mutex each: the
 * owner pushes and pops at the ends, thieves pop the front. The lock is held
 * for a few pointer moves only, and is uncontended unless someone steals.
 *
 * Sleeping: a worker with nothing to run or steal increments `sleeping`
 * under `lock`, looks at every queue once more, and waits on `wake`. A
 * poster that wants help reads `sleeping` after its push: the sleeper's
 * increment precedes its final look, which takes the queue locks after the
 * poster's push or sees the pushed actor, so no wake-up is lost.
 *
 * Hand-over. An actor's state (its mailbox's consumer end, its pause fields,
 * and in the layers above a component's instance and linear memory) is
 * touched by one worker at a time, and everything a turn did must happen
 * before the next turn, on whichever worker that runs. Each way from one
 * turn to the next carries a release/acquire edge, made of atomics and
 * mutexes that ThreadSanitizer follows; none relies on x86's ordering:
 *  - back into a run queue (batch used up, mail left, a pause without
 *    timers): the queue's mutex, unlocked by the pusher, locked by the
 *    popper, owner or thief;
 *  - idle, then posted to: the turn ends with a release store of
 *    `scheduled` = false; the poster's exchange that reads false acquires
 *    it, and the poster then queues the actor (the queue's mutex again);
 *  - paused: the turn arms the timer under the timers' mutex; the timer
 *    thread (or rt_actor_wake's rt_timer_stop) takes it out under the same
 *    mutex before queuing the actor;
 *  - held (rt_actor_hold/release, rt_actor_start_paused): as a turn, the
 *    holder's release store of `scheduled`, or the timers' mutex.
 * A message's contents travel with the mailbox's own edge (mailbox.c).
 * `scheduled` and the mailbox's head are seq_cst for another reason: a
 * poster pushes then reads `scheduled`, the owner clears `scheduled` then
 * reads head, and one of the two must see the other (a store then a load:
 * only seq_cst orders that). (ThreadSanitizer's reports of races on guest
 * memory between turns came from the addresses of linear memories, which
 * TSan lost track of across mremap, not from here: see src/wasm/vmem.c.)
 */
#include "rt.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct rt_runq {
    pthread_mutex_t lock;
    rt_actor *head, *tail;
    size_t len;
} rt_runq;

typedef struct rt_worker {
    rt_sched *s;
    unsigned index;
    pthread_t thread;
    rt_runq q;
} rt_worker;

struct rt_sched {
    rt_worker *workers;
    unsigned n;
    rt_runq injected; /* actors made runnable by threads that are not workers */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_uint sleeping;
    atomic_bool stopping;
    /* Quiescence. */
    atomic_int_least64_t busy;
    atomic_int idle_waiters;
    pthread_mutex_t idle_lock;
    pthread_cond_t idle_cond;
    rt_sched_options opts;
};

/* The worker running on this thread (NULL on other threads). Per-thread
 * state, not shared: a thread belongs to at most one scheduler. */
static _Thread_local rt_worker *rt_self;

/* This thread's burst of posts (rt_post_burst_begin): actors it marked
 * scheduled and will queue at the end. */
static _Thread_local struct {
    bool on;
    unsigned n;
    rt_actor *held[RT_BURST_MAX];
} rt_burst;

/* This thread's quiet posts (rt_post_quiet_begin): the scheduler whose
 * injection queue it pushed to without waking anyone. */
static _Thread_local struct {
    bool on;
    rt_sched *owed;
} rt_quiet;

/* ---- run queues --------------------------------------------------------- */

static void runq_init(rt_runq *q)
{
    pthread_mutex_init(&q->lock, NULL);
    q->head = q->tail = NULL;
    q->len = 0;
}

/* Returns the queue's length after the push. */
static size_t runq_push(rt_runq *q, rt_actor *a)
{
    a->next_run = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->tail)
        q->tail->next_run = a;
    else
        q->head = a;
    q->tail = a;
    size_t len = ++q->len;
    pthread_mutex_unlock(&q->lock);
    return len;
}

static rt_actor *runq_pop(rt_runq *q)
{
    pthread_mutex_lock(&q->lock);
    rt_actor *a = q->head;
    if (a) {
        q->head = a->next_run;
        if (!q->head)
            q->tail = NULL;
        q->len--;
    }
    pthread_mutex_unlock(&q->lock);
    return a;
}

static bool runq_nonempty(rt_runq *q)
{
    pthread_mutex_lock(&q->lock);
    bool r = q->head != NULL;
    pthread_mutex_unlock(&q->lock);
    return r;
}

static void wake_one(rt_sched *s)
{
    /* Read after our push's unlock of a queue: a sleeper that looked at that
     * queue before the push incremented `sleeping` before its look, and the
     * queue's mutex orders that increment before this read (see the top). */
    if (atomic_load(&s->sleeping) == 0)
        return;
    /* Taking the lock orders us after a sleeper's counting-and-look: it is
     * either waiting already (cond_wait released the lock after joining the
     * waiters) or will look at the queues after our push. The signal comes
     * after the unlock, so that the woken worker does not block at once on
     * the lock we still hold (a futex wait, and a futex wake at our unlock). */
    pthread_mutex_lock(&s->lock);
    pthread_mutex_unlock(&s->lock);
    pthread_cond_signal(&s->wake);
}

/* Puts a runnable actor in a queue: the current worker's own if this thread
 * is one of s's workers, else the injection queue. A worker about to finish
 * its turn runs the actor itself next, so help is called only when there is
 * more queued than that. */
static void schedule(rt_sched *s, rt_actor *a)
{
    rt_worker *w = rt_self;
    if (w && w->s == s) {
        if (runq_push(&w->q, a) >= 2)
            wake_one(s);
    } else {
        runq_push(&s->injected, a);
        if (!rt_quiet.on)
            wake_one(s);
        else if (rt_quiet.owed != s) {
            if (rt_quiet.owed != NULL)
                wake_one(rt_quiet.owed); /* two schedulers: the first is served now */
            rt_quiet.owed = s;
        }
    }
}

/* ---- actors ------------------------------------------------------------- */

void rt_actor_init(rt_actor *a, rt_sched *s, rt_receive_fn receive)
{
    rt_mailbox_init(&a->mbox);
    atomic_init(&a->scheduled, false);
    a->next_run = NULL;
    a->receive = receive;
    a->resume = NULL;
    a->sched = s;
    a->pause_ms = 0;
    a->paused = false;
    a->pause_timer.heap_index = 0;
}

void rt_actor_pause(rt_actor *a, uint32_t ms, rt_resume_fn resume)
{
    a->pause_ms = ms ? ms : 1;
    a->resume = resume;
}

/* The pause timer fired: the actor, still marked scheduled, goes back to
 * a queue. Actors outlive the scheduler's threads, so the key is safe. */
static void pause_over(void *ctx, uint64_t key)
{
    (void)ctx;
    rt_actor *a = (rt_actor *)(uintptr_t)key;
    schedule(a->sched, a);
}

void rt_actor_hold(rt_actor *a)
{
    /* Publishes nothing: posts that read true only leave the scheduling to
     * the holder, whose release below is the edge to the next turn. */
    atomic_store(&a->scheduled, true);
}

void rt_actor_release(rt_actor *a)
{
    /* As at the end of a turn: release hands the holder's work to the
     * poster whose exchange reads false; seq_cst: see rt_mailbox_posted. */
    atomic_store(&a->scheduled, false);
    if (rt_mailbox_posted(&a->mbox) && !atomic_exchange(&a->scheduled, true))
        schedule(a->sched, a);
}

bool rt_actor_start_paused(rt_actor *a, uint32_t ms, rt_resume_fn resume)
{
    rt_sched *s = a->sched;
    /* Marked scheduled: posts that arrive while it sleeps do not queue it.
     * The edge to its first turn is the timers' mutex (see the top). */
    atomic_store(&a->scheduled, true);
    a->paused = true;
    a->resume = resume;
    rt_busy_add(s, 1); /* a pending restart is work still to do */
    if (s->opts.timers && rt_timer_start(s->opts.timers, &a->pause_timer, ms ? ms : 1, pause_over,
                                         NULL, (uint64_t)(uintptr_t)a))
        return true;
    rt_busy_add(s, -1);
    a->paused = false;
    return false;
}

void rt_actor_wake(rt_actor *a)
{
    rt_sched *s = a->sched;
    if (s->opts.timers && rt_timer_stop(s->opts.timers, &a->pause_timer))
        schedule(s, a);
}

void rt_post(rt_actor *a, rt_node *msg)
{
    /* Relaxed: a count that orders nothing. The unit is taken back by the
     * turn that pops msg, which the push's release and the pop's acquire
     * order after this add, so the count never dips below what is due. */
    atomic_fetch_add_explicit(&a->sched->busy, 1, memory_order_relaxed);
    rt_mailbox_push(&a->mbox, msg);
    /* seq_cst load, then exchange, after the push: see rt_mailbox_posted.
     * The load spares a locked instruction when the actor is already
     * scheduled, the common case under load: if it reads true before the
     * owner clears the flag, the owner's look at the mailbox comes later in
     * the total order and sees this push. An exchange that reads false
     * acquires the last turn's release: the hand-over (see the top). */
    if (!atomic_load(&a->scheduled) && !atomic_exchange(&a->scheduled, true)) {
        if (rt_burst.on && rt_burst.n < RT_BURST_MAX)
            rt_burst.held[rt_burst.n++] = a; /* queued by rt_post_burst_end */
        else
            schedule(a->sched, a);
    }
}

void rt_post_burst_begin(void)
{
    assert(!rt_self && !rt_burst.on);
    rt_burst.on = true;
}

void rt_post_burst_end(void)
{
    /* Our exchange that set `scheduled` acquired the last turn, as in
     * rt_post; queuing later on the same thread keeps that edge. */
    for (unsigned i = 0; i < rt_burst.n; i++)
        schedule(rt_burst.held[i]->sched, rt_burst.held[i]);
    rt_burst.n = 0;
    rt_burst.on = false;
}

void rt_post_quiet_begin(void)
{
    assert(!rt_self && !rt_quiet.on);
    rt_quiet.on = true;
}

void rt_post_quiet_end(void)
{
    rt_sched *s = rt_quiet.owed;
    rt_quiet.on = false;
    rt_quiet.owed = NULL;
    if (s == NULL)
        return;
    /* What the awake workers have not taken yet: a worker for each (as many
     * as there are). Read after our pushes, as wake_one's read of
     * `sleeping` is: a worker that went to sleep meanwhile looked at the
     * queues after counting itself, and either saw our actors (it did not
     * sleep) or is counted in `sleeping`, which wake_one reads after this. */
    pthread_mutex_lock(&s->injected.lock);
    size_t queued = s->injected.len;
    pthread_mutex_unlock(&s->injected.lock);
    for (size_t i = 0; i < queued && i < s->n; i++)
        wake_one(s);
}

static void busy_done(rt_sched *s, int64_t n)
{
    /* seq_cst, paired with rt_wait_idle's increment of idle_waiters then
     * read of busy: either the waiter sees zero or we see the waiter. It is
     * a release too: a waiter that reads zero acquires every handler's
     * effects (each decrement heads a release sequence that the relaxed
     * increments after it continue). */
    int64_t before = atomic_fetch_sub(&s->busy, n);
    /* Below zero, the count would pass zero on an increment, which wakes no
     * waiter: every unit taken must have been added. */
    assert(before >= n);
    if (before == n && atomic_load(&s->idle_waiters) > 0) {
        pthread_mutex_lock(&s->idle_lock);
        pthread_cond_broadcast(&s->idle_cond);
        pthread_mutex_unlock(&s->idle_lock);
    }
}

void rt_busy_add(rt_sched *s, int64_t n)
{
    /* Relaxed, as in rt_post: whoever takes the units back learned of the
     * work through some edge that comes after this add. */
    if (n > 0)
        atomic_fetch_add_explicit(&s->busy, n, memory_order_relaxed);
    else if (n < 0)
        busy_done(s, -n);
}

/* One turn: at most RT_BATCH messages, then back to the queue if mail is
 * left, else idle. */
static void run_turn(rt_worker *w, rt_actor *a)
{
    int64_t n = 0;
    rt_node *m;
    /* A resumed pause's unit is given back with the messages' at the end,
     * after what the resume started, a new pause included. */
    bool resumed = a->paused;
    if (resumed) {
        a->paused = false;
        a->resume(a);
    }
    while (!a->pause_ms && n < RT_BATCH && (m = rt_mailbox_pop(&a->mbox)) != NULL) {
        a->receive(a, m);
        n++;
    }
    if (a->pause_ms) {
        /* The actor stays marked scheduled, so no post queues it while it
         * sleeps; the timer puts it back. */
        uint32_t ms = a->pause_ms;
        a->pause_ms = 0;
        a->paused = true;
        rt_busy_add(w->s, 1); /* the pause's unit, as in rt_actor_start_paused */
        if (!w->s->opts.timers || !rt_timer_start(w->s->opts.timers, &a->pause_timer, ms,
                                                  pause_over, NULL, (uint64_t)(uintptr_t)a))
            runq_push(&w->q, a); /* no timer: no pause */
    } else if (n == RT_BATCH || !rt_mailbox_empty(&a->mbox)) {
        if (runq_push(&w->q, a) >= 2)
            wake_one(w->s); /* others wait behind it: let an idle worker take them */
    } else {
        /* Release: the edge from this turn to the next (see the top). */
        atomic_store(&a->scheduled, false);
        /* A post between our pop and the store above saw `scheduled` set and
         * left the scheduling to us. From the store on, another worker may
         * own the actor: only the producers' end may be read. Our exchange,
         * if it wins, acquires whatever turn ran meanwhile. */
        if (rt_mailbox_posted(&a->mbox) && !atomic_exchange(&a->scheduled, true))
            runq_push(&w->q, a);
    }
    if (n + resumed)
        busy_done(w->s, n + resumed);
}

/* ---- workers ------------------------------------------------------------ */

static rt_actor *find_work(rt_worker *w)
{
    rt_sched *s = w->s;
    rt_actor *a = runq_pop(&w->q);
    if (!a)
        a = runq_pop(&s->injected);
    for (unsigned i = 1; !a && i < s->n; i++)
        a = runq_pop(&s->workers[(w->index + i) % s->n].q);
    return a;
}

static bool any_work(rt_sched *s)
{
    if (runq_nonempty(&s->injected))
        return true;
    for (unsigned i = 0; i < s->n; i++)
        if (runq_nonempty(&s->workers[i].q))
            return true;
    return false;
}

static void *worker_main(void *arg)
{
    rt_worker *w = arg;
    rt_sched *s = w->s;
    rt_self = w;
    if (s->opts.thread_init)
        s->opts.thread_init(s->opts.arg, w->index);
    for (;;) {
        rt_actor *a = find_work(w);
        if (a) {
            run_turn(w, a);
            continue;
        }
        /* `sleeping` and `stopping` change under `lock`; `sleeping` is
         * atomic for wake_one's and rt_sched_nudge's reads without it. */
        pthread_mutex_lock(&s->lock);
        atomic_fetch_add(&s->sleeping, 1);
        if (!any_work(s)) {
            if (atomic_load(&s->stopping)) {
                atomic_fetch_sub(&s->sleeping, 1);
                pthread_mutex_unlock(&s->lock);
                break;
            }
            pthread_cond_wait(&s->wake, &s->lock);
        }
        atomic_fetch_sub(&s->sleeping, 1);
        pthread_mutex_unlock(&s->lock);
    }
    if (s->opts.thread_fini)
        s->opts.thread_fini(s->opts.arg, w->index);
    rt_self = NULL;
    return NULL;
}

rt_sched *rt_sched_new(const rt_sched_options *opts)
{
    rt_sched *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (opts)
        s->opts = *opts;
    s->n = s->opts.workers;
    if (s->n == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        s->n = cores > 0 ? (unsigned)cores : 1;
    }
    s->workers = calloc(s->n, sizeof *s->workers);
    if (!s->workers) {
        free(s);
        return NULL;
    }
    runq_init(&s->injected);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    pthread_mutex_init(&s->idle_lock, NULL);
    rt_cond_init_monotonic(&s->idle_cond);
    for (unsigned i = 0; i < s->n; i++) {
        s->workers[i].s = s;
        s->workers[i].index = i;
        runq_init(&s->workers[i].q);
    }
    for (unsigned i = 0; i < s->n; i++) {
        if (pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]) != 0) {
            s->n = i; /* join the ones that started */
            rt_sched_free(s);
            return NULL;
        }
    }
    return s;
}

void rt_sched_free(rt_sched *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->stopping, true);
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    for (unsigned i = 0; i < s->n; i++)
        pthread_join(s->workers[i].thread, NULL);
    for (unsigned i = 0; i < s->n; i++)
        pthread_mutex_destroy(&s->workers[i].q.lock);
    pthread_mutex_destroy(&s->injected.lock);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->idle_lock);
    pthread_cond_destroy(&s->idle_cond);
    free(s->workers);
    free(s);
}

void rt_sched_nudge(rt_sched *s)
{
    if (atomic_load(&s->sleeping) > 0 && any_work(s))
        wake_one(s);
}

unsigned rt_sched_workers(const rt_sched *s)
{
    return s->n;
}

int rt_sched_current_worker(const rt_sched *s)
{
    return rt_self && rt_self->s == s ? (int)rt_self->index : -1;
}

bool rt_wait_idle(rt_sched *s, uint32_t timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    bool idle = true;
    pthread_mutex_lock(&s->idle_lock);
    /* seq_cst, paired with busy_done (see there); the loads of busy acquire
     * the handlers' effects for our caller. */
    atomic_fetch_add(&s->idle_waiters, 1);
    while (atomic_load(&s->busy) > 0) {
        int rc = timeout_ms ? pthread_cond_timedwait(&s->idle_cond, &s->idle_lock, &until)
                            : pthread_cond_wait(&s->idle_cond, &s->idle_lock);
        if (rc == ETIMEDOUT) {
            idle = atomic_load(&s->busy) <= 0;
            break;
        }
    }
    atomic_fetch_sub(&s->idle_waiters, 1);
    pthread_mutex_unlock(&s->idle_lock);
    return idle;
}
