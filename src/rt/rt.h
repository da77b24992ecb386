/*
 * rt.h: the actor runtime. It knows nothing of WebAssembly or of message
 * contents: it moves opaque nodes into mailboxes and runs actors that have
 * mail on a pool of worker threads, and it fires timers.
 *
 * Scheduling. An actor is "scheduled" (in some run queue, or running) or
 * idle. Posting to an idle actor schedules it: the poster flips the actor's
 * `scheduled` flag, and only the poster that flipped it queues the actor, so
 * an actor is in at most one queue and runs on one worker at a time. A
 * worker runs an actor for at most RT_BATCH messages, then puts it at the
 * back of its queue if mail remains: one busy actor cannot starve the rest.
 *
 * Each worker has its own run queue; an actor made runnable by a worker goes
 * to that worker's queue (a message and its handler stay on one core, which
 * is what makes a request-response round trip cheap), and idle workers steal
 * from the others. Threads that are not workers (the host, the timer thread)
 * put actors in a shared injection queue. A sleeping worker is woken only
 * when a queue holds more work than its owner is about to run.
 *
 * Quiescence: `busy` counts what is still to happen (queued messages,
 * running handlers, and whatever the layers above add, e.g. pending
 * requests); rt_wait_idle waits until it is zero.
 */
#ifndef WACTOR_RT_H
#define WACTOR_RT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_BATCH 64

/* A mailbox entry: embed it as the first member of your message. */
typedef struct rt_node {
    _Atomic(struct rt_node *) next;
} rt_node;

/* Multi-producer single-consumer FIFO of nodes, unbounded (bounds are
 * counted by the layer above, which knows which messages count). */
typedef struct rt_mailbox {
    _Atomic(rt_node *) head; /* producers push here */
    rt_node *tail;           /* the consumer pops here */
    rt_node stub;
} rt_mailbox;

typedef struct rt_actor rt_actor;
typedef struct rt_sched rt_sched;
typedef struct rt_timers rt_timers;

/* Handles one message; the node belongs to the handler from then on. */
typedef void (*rt_receive_fn)(rt_actor *a, rt_node *msg);
/* Runs at the start of the first turn after a pause (see rt_actor_pause). */
typedef void (*rt_resume_fn)(rt_actor *a);

/* A one-shot timer, embedded in its owner. `fire` runs on the timer thread
 * with the ctx and key given at start, after the timer has left the heap. */
typedef void (*rt_timer_fn)(void *ctx, uint64_t key);

typedef struct rt_timer {
    uint64_t deadline_ns; /* monotonic */
    uint64_t seq;         /* equal deadlines fire in start order */
    rt_timer_fn fire;
    void *ctx;
    uint64_t key;
    uint32_t heap_index; /* position in the heap while armed */
} rt_timer;

struct rt_actor {
    rt_mailbox mbox;
    atomic_bool scheduled;
    rt_actor *next_run; /* link in a run queue */
    rt_receive_fn receive;
    rt_resume_fn resume;
    rt_sched *sched;
    /* Pausing: owned by the actor's turn, then by its pause timer. */
    uint32_t pause_ms;
    bool paused;
    rt_timer pause_timer;
};

/* Sets up an idle actor with an empty mailbox. An actor holds no
 * resources: its owner frees it once it is idle, after draining its mailbox
 * (rt_mailbox_pop until NULL). */
void rt_actor_init(rt_actor *a, rt_sched *s, rt_receive_fn receive);

/* Called from the actor's own turn (from its receive or resume function):
 * the turn ends after the current message and the actor sleeps for ms
 * milliseconds, its mail kept; then `resume` runs at the start of its next
 * turn (it may pause again). Needs the scheduler's timers. */
void rt_actor_pause(rt_actor *a, uint32_t ms, rt_resume_fn resume);
/* Holding an actor: marked scheduled, so posts queue mail but nobody runs
 * it, while its owner works on it from another thread (e.g. starting it).
 * Release lets it go: scheduled again if mail came meanwhile. */
void rt_actor_hold(rt_actor *a);
void rt_actor_release(rt_actor *a);
/* Puts a held actor (or one nobody can post to yet) (new, not published anywhere)
 * to sleep for ms, as if it had paused in a turn. False when the timer
 * cannot start (the actor is then simply idle). */
bool rt_actor_start_paused(rt_actor *a, uint32_t ms, rt_resume_fn resume);
/* Cuts a pause short: the actor runs again now. Any thread; nothing if
 * the actor is not sleeping (a pause that is still being entered runs its
 * course). */
void rt_actor_wake(rt_actor *a);

/* Appends msg to the actor's mailbox and schedules it if it was idle. Any
 * thread. Adds one to the scheduler's busy count, which the actor's turn
 * takes back once the message is handled. */
void rt_post(rt_actor *a, rt_node *msg);

/* A burst of posts from a thread that is not a worker (the lattice's
 * inbound thread handing over the frames of one network message): between
 * rt_post_burst_begin and rt_post_burst_end, an idle actor that gets mail
 * is marked scheduled at once but queued only at the end, so that a worker
 * wakes once for the burst instead of once per message (it would otherwise
 * drain each message as it comes and sleep again). Held as by
 * rt_actor_hold meanwhile; at most RT_BURST_MAX actors (more are queued at
 * once). Nothing on the thread may wait for an actor during a burst. */
#define RT_BURST_MAX 64
void rt_post_burst_begin(void);
void rt_post_burst_end(void);

/* Quiet posts from a thread that is not a worker (the HTTP server's loop,
 * per pass over its connections): between rt_post_quiet_begin and
 * rt_post_quiet_end, an idle actor that gets mail is queued at once, so a
 * worker that is awake takes it at once, but no sleeping worker is woken
 * for it; rt_post_quiet_end wakes as many as the work still queued by then
 * needs (none if the awake workers took it all). Posting to a busy runtime
 * in a loop otherwise signals a sleeping worker per idle-to-scheduled
 * change, a system call each, for work an awake worker would have taken.
 * Nothing on the thread may wait for an actor while quiet. */
void rt_post_quiet_begin(void);
void rt_post_quiet_end(void);

/* The mailbox (mailbox.c). Push from any thread; pop and empty only from
 * the actor's own turn (or once no thread can post any more). */
void rt_mailbox_init(rt_mailbox *q);
void rt_mailbox_push(rt_mailbox *q, rt_node *n);
rt_node *rt_mailbox_pop(rt_mailbox *q);
bool rt_mailbox_empty(rt_mailbox *q);
/* Whether anything was pushed since the queue was last drained: reads only
 * the producers' end, so any thread may ask. */
bool rt_mailbox_posted(rt_mailbox *q);

/* ---- scheduler ---------------------------------------------------------- */

/* Starts nworkers threads (0 = number of cores). `thread_init` and
 * `thread_fini` run on each worker at its start and end, with the worker's
 * index, e.g. to set up per-thread execution state. */
typedef struct rt_sched_options {
    unsigned workers;
    rt_timers *timers; /* for rt_actor_pause; owned by the caller */
    void (*thread_init)(void *arg, unsigned worker);
    void (*thread_fini)(void *arg, unsigned worker);
    void *arg;
} rt_sched_options;

rt_sched *rt_sched_new(const rt_sched_options *opts);
/* Stops and joins the workers once no actor is scheduled (callers make the
 * runtime quiescent first), then frees the scheduler. */
void rt_sched_free(rt_sched *s);
unsigned rt_sched_workers(const rt_sched *s);
/* Wakes a sleeping worker if some queue holds work. Queues are not watched
 * while a long handler runs (its worker will get to them "soon"), so a
 * thread that sees a handler still running calls this now and then. */
void rt_sched_nudge(rt_sched *s);
/* The index of the calling worker of s, or -1 on any other thread. */
int rt_sched_current_worker(const rt_sched *s);

/* Work that is not a queued message (a pending request, a running start-up)
 * counts for quiescence too. */
void rt_busy_add(rt_sched *s, int64_t n);
/* Waits until the busy count is zero: true, or false after timeout_ms
 * (0 = forever). */
bool rt_wait_idle(rt_sched *s, uint32_t timeout_ms);

/* ---- timers ------------------------------------------------------------- */

/* One thread serves every timer of an rt_timers. A callback runs outside
 * the timers' lock, so it may start and stop timers; by the time it runs,
 * the timer's owner may have stopped it (and freed it): callbacks find
 * their owner by key and must tolerate finding nothing. */
rt_timers *rt_timers_new(void);
/* Joins the timer thread; timers still armed never fire. */
void rt_timers_free(rt_timers *t);
/* Arms tm to call fire(ctx, key) after delay_ms. False when out of memory. */
bool rt_timer_start(rt_timers *t, rt_timer *tm, uint32_t delay_ms, rt_timer_fn fire, void *ctx,
                    uint64_t key);
/* Disarms tm; true if it was armed (it will not fire). */
bool rt_timer_stop(rt_timers *t, rt_timer *tm);

/* ---- clocks (clock.c) ---------------------------------------------------- */

uint64_t rt_now_ns(void); /* CLOCK_MONOTONIC */
/* A condition variable whose timed waits use CLOCK_MONOTONIC deadlines
 * (rt_now_ns), immune to changes of the wall clock. */
void rt_cond_init_monotonic(pthread_cond_t *c);
/* The same clock read cheaply, behind by at most rt_coarse_resolution_ns. */
uint64_t rt_now_coarse_ns(void);
uint64_t rt_coarse_resolution_ns(void);

#endif
