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
 * common case), then each entry. A name is compared as its length and two
 * words (key_of) that hold all of its bytes when it is at most 16 bytes
 * long, as most are, and the rest with memcmp only past that: a memcmp
 * call costs more than the whole count of a short name.
 */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

typedef struct edge_key {
    uint64_t a, b;
} edge_key;

struct msg_edge {
    atomic_uint_least64_t count;
    edge_key key;
    uint8_t len;
    char name[];
};

/* With the length, all of a name of up to 16 bytes: its first and last 8
 * bytes (overlapping under 16), or first and last 4 (under 8), or bytes 0,
 * len/2 and len-1 (under 4). */
static edge_key key_of(const char *s, size_t len)
{
    edge_key k = {0, 0};
    if (len >= 8) {
        memcpy(&k.a, s, 8);
        memcpy(&k.b, s + len - 8, 8);
    } else if (len >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + len - 4, 4);
        k.a = x;
        k.b = y;
    } else if (len > 0) {
        k.a = (uint8_t)s[0] | (uint32_t)(uint8_t)s[len / 2] << 8 |
              (uint32_t)(uint8_t)s[len - 1] << 16;
    }
    return k;
}

static bool same(const msg_edge *e, const char *s, size_t len, edge_key k)
{
    return e->len == len && e->key.a == k.a && e->key.b == k.b &&
           (len <= 16 || memcmp(e->name + 8, s + 8, len - 16) == 0);
}

static void bump(atomic_uint_least64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* A new entry for a sender not in the table, or NULL (full, or out of
 * memory: then the message counts in `others`). */
static msg_edge *add(msg_edges *t, const char *sender, size_t len, edge_key key)
{
    unsigned n = atomic_load_explicit(&t->n, memory_order_relaxed);
    if (n == MSG_EDGE_SENDERS)
        return NULL;
    msg_edge *e = malloc(sizeof *e + len + 1);
    if (!e)
        return NULL;
    atomic_init(&e->count, 0);
    e->key = key;
    e->len = (uint8_t)len;
    memcpy(e->name, sender, len);
    e->name[len] = 0;
    t->e[n] = e;
    atomic_store_explicit(&t->n, n + 1, memory_order_release);
    return e;
}

/* A sender other than the last (or a name of over 16 bytes): look it up,
 * or add it. Apart, so that the common case saves no registers. */
__attribute__((noinline, cold)) static void count_other(msg_proc *p, const char *sender, size_t len,
                                                        edge_key key)
{
    msg_edges *t = atomic_load_explicit(&p->edges, memory_order_relaxed);
    if (!t) {
        if (!(t = calloc(1, sizeof *t)))
            return; /* out of memory: the edge goes uncounted */
        atomic_store_explicit(&p->edges, t, memory_order_release);
    }
    unsigned n = atomic_load_explicit(&t->n, memory_order_relaxed);
    msg_edge *e = NULL;
    for (unsigned i = 0; i < n && !e; i++)
        if (same(t->e[i], sender, len, key))
            e = t->e[i];
    if (!e && !(e = add(t, sender, len, key))) {
        bump(&t->others);
        return;
    }
    t->last = e;
    bump(&e->count);
}

void msg_edges_count(msg_proc *p, const char *sender, size_t len)
{
    edge_key key = key_of(sender, len);
    msg_edges *t = atomic_load_explicit(&p->edges, memory_order_relaxed);
    msg_edge *e = t ? t->last : NULL;
    /* The last sender, when its name is whole in the key: no call at all. */
    if (e && len <= 16 && e->len == len && e->key.a == key.a && e->key.b == key.b)
        bump(&e->count);
    else
        count_other(p, sender, len, key);
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
