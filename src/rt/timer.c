/*
 * timer.c: one-shot timers in a binary min-heap keyed by (deadline, seq),
 * served by one thread that sleeps until the earliest deadline. Starting
 * and stopping are O(log n) under one mutex; idle timers cost a heap slot
 * and nothing else. The thread is woken only when a new timer is due before
 * the moment it sleeps towards, which for requests sharing one timeout is
 * almost never: their deadlines only grow. (A stopped timer leaves the
 * thread sleeping towards its deadline; it then wakes once for nothing.)
 *
 * A fired timer leaves the heap before its callback runs, outside the lock
 * (see rt.h).
 */
#include "rt.h"

#include <stdlib.h>
#include <time.h>

struct rt_timers {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    rt_timer **heap;
    uint32_t len, cap;
    uint64_t seq;
    uint64_t sleep_until; /* what the thread waits for; UINT64_MAX: no timer */
    bool stopping;
};

static bool before(const rt_timer *a, const rt_timer *b)
{
    return a->deadline_ns < b->deadline_ns || (a->deadline_ns == b->deadline_ns && a->seq < b->seq);
}

static void place(rt_timers *t, uint32_t i, rt_timer *tm)
{
    t->heap[i] = tm;
    tm->heap_index = i;
}

static void sift_up(rt_timers *t, uint32_t i)
{
    rt_timer *tm = t->heap[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!before(tm, t->heap[parent]))
            break;
        place(t, i, t->heap[parent]);
        i = parent;
    }
    place(t, i, tm);
}

static void sift_down(rt_timers *t, uint32_t i)
{
    rt_timer *tm = t->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= t->len)
            break;
        if (c + 1 < t->len && before(t->heap[c + 1], t->heap[c]))
            c++;
        if (!before(t->heap[c], tm))
            break;
        place(t, i, t->heap[c]);
        i = c;
    }
    place(t, i, tm);
}

static void remove_at(rt_timers *t, uint32_t i)
{
    t->heap[i]->heap_index = UINT32_MAX;
    rt_timer *last = t->heap[--t->len];
    if (i == t->len)
        return;
    place(t, i, last);
    if (i > 0 && before(last, t->heap[(i - 1) / 2]))
        sift_up(t, i);
    else
        sift_down(t, i);
}

static void *timer_main(void *arg)
{
    rt_timers *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        if (t->len == 0) {
            t->sleep_until = UINT64_MAX;
            pthread_cond_wait(&t->cond, &t->lock);
            continue;
        }
        rt_timer *first = t->heap[0];
        uint64_t now = rt_now_ns();
        if (first->deadline_ns > now) {
            /* Stopped timers stay in sleep_until: waking for nothing now and
             * then is cheaper than a signal per start. */
            t->sleep_until = first->deadline_ns;
            struct timespec until = {(time_t)(first->deadline_ns / 1000000000u),
                                     (long)(first->deadline_ns % 1000000000u)};
            pthread_cond_timedwait(&t->cond, &t->lock, &until);
            continue;
        }
        rt_timer_fn fire = first->fire;
        void *ctx = first->ctx;
        uint64_t key = first->key;
        remove_at(t, 0);
        pthread_mutex_unlock(&t->lock);
        fire(ctx, key);
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

rt_timers *rt_timers_new(void)
{
    rt_timers *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    pthread_mutex_init(&t->lock, NULL);
    rt_cond_init_monotonic(&t->cond);
    if (pthread_create(&t->thread, NULL, timer_main, t) != 0) {
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->cond);
        free(t);
        return NULL;
    }
    return t;
}

void rt_timers_free(rt_timers *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    for (uint32_t i = 0; i < t->len; i++)
        t->heap[i]->heap_index = UINT32_MAX;
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t->heap);
    free(t);
}

bool rt_timer_start(rt_timers *t, rt_timer *tm, uint32_t delay_ms, rt_timer_fn fire, void *ctx,
                    uint64_t key)
{
    uint64_t deadline = rt_now_ns() + (uint64_t)delay_ms * 1000000u;
    pthread_mutex_lock(&t->lock);
    if (t->len == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 64;
        rt_timer **heap = realloc(t->heap, cap * sizeof *heap);
        if (!heap) {
            pthread_mutex_unlock(&t->lock);
            return false;
        }
        t->heap = heap;
        t->cap = cap;
    }
    tm->deadline_ns = deadline;
    tm->seq = t->seq++;
    tm->fire = fire;
    tm->ctx = ctx;
    tm->key = key;
    t->heap[t->len] = tm;
    sift_up(t, t->len++);
    if (deadline < t->sleep_until) {
        t->sleep_until = deadline; /* one signal is enough until it wakes */
        pthread_cond_signal(&t->cond);
    }
    pthread_mutex_unlock(&t->lock);
    return true;
}

bool rt_timer_stop(rt_timers *t, rt_timer *tm)
{
    pthread_mutex_lock(&t->lock);
    /* Checked against the heap itself, so a timer never started (even one
     * left zeroed) reads as not armed. */
    bool armed = tm->heap_index < t->len && t->heap[tm->heap_index] == tm;
    if (armed)
        remove_at(t, tm->heap_index);
    pthread_mutex_unlock(&t->lock);
    return armed;
}
