/*
 * edges.c: who messages whom. Each process counts the messages delivered to
 * it by sender name, on its own turn: one writer, no lock; readers on other
 * threads (wactor_edges) load the counts relaxed, each exact, the set not
 * one instant.
 *
 * The table is made at the first message (a process nobody writes to pays
 * nothing) and holds at most MSG_EDGE_SENDERS senders, in order of first
 * message; the messages of any more are counted in `others`. An entry, once
 * published (the release store of `n`), never changes but its count, so a
 * reader that loads `n` with acquire may read the first n entries' names.
 *
 * The lookup tries the last sender first (a stream from one sender is the
 * common case), then compares each entry's length and last 8 bytes (names
 * that share a prefix, such as worker.1 and worker.2, differ at the end)
 * before the whole name.
 */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

struct msg_edge {
    atomic_uint_least64_t count;
    uint64_t tail; /* the name's last 8 bytes (fewer: zero-padded) */
    uint8_t len;
    char name[];
};

static uint64_t tail_of(const char *name, size_t len)
{
    uint64_t t = 0;
    size_t k = len < 8 ? len : 8;
    memcpy(&t, name + len - k, k);
    return t;
}

static void bump(atomic_uint_least64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* A new entry for a sender not in the table, or NULL (full, or out of
 * memory: then the message counts in `others`). */
static msg_edge *add(msg_edges *t, const char *sender, size_t len, uint64_t tail)
{
    unsigned n = atomic_load_explicit(&t->n, memory_order_relaxed);
    if (n == MSG_EDGE_SENDERS)
        return NULL;
    msg_edge *e = malloc(sizeof *e + len + 1);
    if (!e)
        return NULL;
    atomic_init(&e->count, 0);
    e->tail = tail;
    e->len = (uint8_t)len;
    memcpy(e->name, sender, len);
    e->name[len] = 0;
    t->e[n] = e;
    atomic_store_explicit(&t->n, n + 1, memory_order_release);
    return e;
}

void msg_edges_count(msg_proc *p, const char *sender, size_t len)
{
    msg_edges *t = p->edges;
    if (!t) {
        if (!(t = calloc(1, sizeof *t)))
            return; /* out of memory: the edge goes uncounted */
        atomic_store_explicit(&p->edges, t, memory_order_release);
    }
    msg_edge *last = t->last;
    if (last && last->len == len && memcmp(last->name, sender, len) == 0) {
        bump(&last->count);
        return;
    }
    uint64_t tail = tail_of(sender, len);
    unsigned n = atomic_load_explicit(&t->n, memory_order_relaxed);
    msg_edge *e = NULL;
    for (unsigned i = 0; i < n && !e; i++)
        if (t->e[i]->tail == tail && t->e[i]->len == len && memcmp(t->e[i]->name, sender, len) == 0)
            e = t->e[i];
    if (!e && !(e = add(t, sender, len, tail))) {
        bump(&t->others);
        return;
    }
    t->last = e;
    bump(&e->count);
}

void msg_edges_each(const msg_proc *p, msg_edge_fn fn, void *arg)
{
    msg_edges *t = atomic_load_explicit(&((msg_proc *)p)->edges, memory_order_acquire);
    if (!t)
        return;
    unsigned n = atomic_load_explicit(&t->n, memory_order_acquire);
    for (unsigned i = 0; i < n; i++)
        fn(arg, t->e[i]->name, t->e[i]->len,
           atomic_load_explicit(&t->e[i]->count, memory_order_relaxed));
    uint64_t others = atomic_load_explicit(&t->others, memory_order_relaxed);
    if (others)
        fn(arg, MSG_EDGE_OTHERS, strlen(MSG_EDGE_OTHERS), others);
}

void msg_edges_free(msg_proc *p)
{
    msg_edges *t = atomic_load_explicit(&p->edges, memory_order_relaxed);
    if (!t)
        return;
    unsigned n = atomic_load_explicit(&t->n, memory_order_relaxed);
    for (unsigned i = 0; i < n; i++)
        free(t->e[i]);
    free(t);
    atomic_store_explicit(&p->edges, NULL, memory_order_relaxed);
}
