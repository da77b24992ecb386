/*
 * envpool.c: see envpool.h. Each worker has two lists of free blocks: its
 * own (only it touches it) and a remote one, a lock-free stack that other
 * threads push on and that only the owner empties, all at once with one
 * exchange; taking the whole stack is what makes it free of the ABA
 * problem of stacks popped one by one.
 *
 * Both lists are bounded (POOL_KEEP blocks each, the remote count being
 * approximate): past that a block goes back to malloc, so a burst of a
 * million queued messages does not stay cached once handled.
 *
 * Memory order of the remote list. A block pushed there was last used by
 * its releaser (the receiver read the message in it); the owner will write
 * the next message into it. The releaser's reads, and its store of the link,
 * must happen before the owner's writes, on weakly ordered CPUs too:
 *  - push: the successful compare-and-swap is release. A failed one wrote
 *    nothing and publishes nothing, so its order (the reload of `head`) is
 *    relaxed; C11 forbids release there anyway.
 *  - take: the owner's exchange is acquire. It reads the last push, whose
 *    CAS is an RMW: every earlier push's release sequence runs through it,
 *    so the owner synchronises with every pusher of the list it takes, not
 *    only the last one (this is also how ThreadSanitizer models it).
 * The block counts (`nremote`) only bound the list and order nothing:
 * relaxed. Nothing else is shared: `local` and `nlocal` are the owner's.
 */
#include "envpool.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Under AddressSanitizer a kept block is poisoned but for its link, so a
 * use after release is caught as with free. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WACTOR_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(WACTOR_ASAN)
#include <sanitizer/asan_interface.h>
#define KEPT(b)                                                                                    \
    ASAN_POISON_MEMORY_REGION((char *)(b) + sizeof(free_block), MSG_POOL_BLOCK - sizeof(free_block))
#define TAKEN(b) ASAN_UNPOISON_MEMORY_REGION((b), MSG_POOL_BLOCK)
#endif
#ifndef KEPT
#define KEPT(b) ((void)(b))
#define TAKEN(b) ((void)(b))
#endif

#define POOL_KEEP 4096

typedef struct free_block {
    struct free_block *next;
} free_block;

typedef struct worker_pool {
    _Alignas(64) free_block *local; /* the owner's */
    size_t nlocal;
    _Alignas(64) _Atomic(free_block *) remote; /* pushed by others, taken by the owner */
    atomic_size_t nremote;
} worker_pool;

struct msg_envpool {
    rt_sched *sched;
    unsigned n;
    worker_pool *w;
};

msg_envpool *msg_envpool_new(rt_sched *s)
{
    msg_envpool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->sched = s;
    p->n = s ? rt_sched_workers(s) : 0; /* no scheduler: every block from malloc */
    if (p->n >= MSG_POOL_NONE)
        p->n = MSG_POOL_NONE - 1; /* workers past it use malloc */
    if (p->n == 0)
        return p;
    p->w = aligned_alloc(64, ((p->n * sizeof *p->w + 63) / 64) * 64);
    if (!p->w) {
        free(p);
        return NULL;
    }
    for (unsigned i = 0; i < p->n; i++) {
        p->w[i].local = NULL;
        p->w[i].nlocal = 0;
        atomic_init(&p->w[i].remote, NULL);
        atomic_init(&p->w[i].nremote, 0);
    }
    return p;
}

static void free_list(free_block *b)
{
    while (b) {
        free_block *next = b->next;
        TAKEN(b);
        free(b);
        b = next;
    }
}

void msg_envpool_free(msg_envpool *p)
{
    if (!p)
        return;
    /* No thread uses the pool any more: joining the workers ordered their
     * pushes before this. */
    for (unsigned i = 0; i < p->n; i++) {
        free_list(p->w[i].local);
        free_list(atomic_load(&p->w[i].remote));
    }
    free(p->w);
    free(p);
}

void *msg_envpool_alloc(msg_envpool *p, size_t size, uint16_t *owner)
{
    int me = p->n ? rt_sched_current_worker(p->sched) : -1;
    if (size <= MSG_POOL_BLOCK && p->n && me < 0) {
        *owner = MSG_POOL_ADOPT; /* see envpool.h */
        return malloc(MSG_POOL_BLOCK);
    }
    if (size > MSG_POOL_BLOCK || me < 0 || (unsigned)me >= p->n) {
        *owner = MSG_POOL_NONE;
        return malloc(size);
    }
    worker_pool *w = &p->w[me];
    free_block *b = w->local;
    if (!b) {
        /* The count first: a push between the two only makes it low. The
         * list's exchange acquires every push it takes (see the top). */
        w->nlocal = atomic_exchange_explicit(&w->nremote, 0, memory_order_relaxed);
        b = atomic_exchange_explicit(&w->remote, NULL, memory_order_acquire);
        if (!b) {
            w->nlocal = 0;
            *owner = (uint16_t)me;
            return malloc(MSG_POOL_BLOCK);
        }
    }
    w->local = b->next;
    if (w->nlocal)
        w->nlocal--;
    *owner = (uint16_t)me;
    TAKEN(b);
    return b;
}

void msg_envpool_release(msg_envpool *p, void *block, uint16_t owner)
{
    if (owner == MSG_POOL_ADOPT) {
        int me = rt_sched_current_worker(p->sched);
        if (me < 0 || (unsigned)me >= p->n)
            owner = MSG_POOL_NONE; /* released off the workers: freed */
        else
            owner = (uint16_t)me; /* kept in this worker's list, below */
    }
    if (owner == MSG_POOL_NONE || owner >= p->n) {
        free(block);
        return;
    }
    free_block *b = block;
    worker_pool *w = &p->w[owner];
    if (rt_sched_current_worker(p->sched) == (int)owner) {
        if (w->nlocal >= POOL_KEEP) {
            free(b);
            return;
        }
        b->next = w->local;
        w->local = b;
        w->nlocal++;
        KEPT(b);
        return;
    }
    /* Relaxed: the count bounds the list and orders nothing. */
    if (atomic_fetch_add_explicit(&w->nremote, 1, memory_order_relaxed) >= POOL_KEEP) {
        atomic_fetch_sub_explicit(&w->nremote, 1, memory_order_relaxed);
        free(b);
        return;
    }
    KEPT(b);
    /* Relaxed load and relaxed failure: `head` is only stored in b's link,
     * never followed here; the successful CAS releases b (see the top). */
    free_block *head = atomic_load_explicit(&w->remote, memory_order_relaxed);
    do
        b->next = head;
    while (!atomic_compare_exchange_weak_explicit(&w->remote, &head, b, memory_order_release,
                                                  memory_order_relaxed));
}
