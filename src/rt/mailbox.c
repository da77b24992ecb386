/*
 * mailbox.c: an intrusive multi-producer single-consumer FIFO (the design of
 * Dmitry Vyukov's non-intrusive-stub queue). Producers swap themselves into
 * `head` with one atomic exchange and then link the previous head to them;
 * the consumer walks from `tail`. Between a producer's exchange and its link
 * the queue is momentarily cut: pop then returns NULL although the queue is
 * not empty, and rt_mailbox_empty says "not empty", so the actor is simply
 * run again a moment later.
 *
 * Order: pushes by one thread are popped in that order (the exchange orders
 * them), which is the per-sender order the ABI promises.
 *
 * Publication: a node's contents (a whole envelope) are written by the
 * producer before its exchange and link, both release; the consumer reaches
 * a node only through an acquire load of the `next` that links it, so what
 * the producer wrote happens before the handler reads it, on any CPU. The
 * consumer's end (`tail`) is plain: one turn at a time owns it, and sched.c
 * orders one turn before the next.
 */
#include "rt.h"

void rt_mailbox_init(rt_mailbox *q)
{
    atomic_init(&q->stub.next, NULL);
    atomic_init(&q->head, &q->stub);
    q->tail = &q->stub;
}

/* Returns nothing: the actor's `scheduled` flag, not the queue, decides who
 * schedules the actor. */
void rt_mailbox_push(rt_mailbox *q, rt_node *n)
{
    /* Relaxed: n is not reachable yet; the exchange below publishes it. */
    atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
    /* seq_cst (on x86 the same xchg as acq_rel): release publishes n's
     * contents to the consumer, acquire orders our link after the previous
     * producer's exchange, and the total order pairs it with a worker that
     * gives the actor up and then reads head (rt_mailbox_posted). */
    rt_node *prev = atomic_exchange(&q->head, n);
    /* Release: the consumer reaches n through this link (acquire in pop). */
    atomic_store_explicit(&prev->next, n, memory_order_release);
}

rt_node *rt_mailbox_pop(rt_mailbox *q)
{
    rt_node *tail = q->tail;
    /* acquire pairs with the producer's release link: n's contents are visible. */
    rt_node *next = atomic_load_explicit(&tail->next, memory_order_acquire);
    if (tail == &q->stub) {
        if (!next)
            return NULL;
        q->tail = next;
        tail = next;
        next = atomic_load_explicit(&next->next, memory_order_acquire);
    }
    if (next) {
        q->tail = next;
        return tail;
    }
    /* Acquire pairs with the producers' exchange; the answer only decides
     * whether to wait for a link, which is read with acquire anyway. */
    if (tail != atomic_load_explicit(&q->head, memory_order_acquire))
        return NULL; /* a producer is between its exchange and its link */
    /* tail is the last node: put the stub behind it so tail can be handed out. */
    rt_mailbox_push(q, &q->stub);
    next = atomic_load_explicit(&tail->next, memory_order_acquire);
    if (next) {
        q->tail = next;
        return tail;
    }
    return NULL;
}

bool rt_mailbox_empty(rt_mailbox *q)
{
    /* The owner's question at the end of a turn; the answer publishes
     * nothing (a pop follows any "not empty"). A stale "empty" is caught by
     * rt_mailbox_posted after `scheduled` is cleared, so any order would do;
     * seq_cst costs nothing extra for loads on x86 and little on ARM. */
    return q->tail == &q->stub && atomic_load(&q->stub.next) == NULL &&
           atomic_load(&q->head) == &q->stub;
}

bool rt_mailbox_posted(rt_mailbox *q)
{
    /* Empty, and drained, means head is the stub: every pop that empties
     * the queue pushes the stub last. Only head is read, so a worker that
     * has given the actor up (another may be popping already) may ask.
     * seq_cst: the caller has just cleared `scheduled`; a producer pushes,
     * then exchanges `scheduled`. One of the two sees the other. */
    return atomic_load(&q->head) != &q->stub;
}
