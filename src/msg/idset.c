/*
 * idset.c: a set of positive 64-bit ids, open addressing with linear
 * probing and tombstones. Only ever touched by its process's own turns, so
 * it has no lock. It stays small: it holds the requests a component has
 * received and not answered yet.
 */
#include "msg.h"

#include <stdlib.h>

#define EMPTY 0
#define DELETED (-1)

static uint32_t slot_of(int64_t id, uint32_t cap)
{
    uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15u; /* Fibonacci hashing */
    return (uint32_t)(h >> 32) & (cap - 1);
}

static bool rehash(msg_idset *s, uint32_t cap)
{
    int64_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (uint32_t i = 0; i < s->cap; i++) {
        int64_t id = s->slots[i];
        if (id > 0) {
            uint32_t k = slot_of(id, cap);
            while (slots[k] != EMPTY)
                k = (k + 1) & (cap - 1);
            slots[k] = id;
        }
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    s->used = s->len;
    return true;
}

bool msg_idset_add(msg_idset *s, int64_t id)
{
    /* Keep at most half the slots used (tombstones included). */
    if ((s->used + 1) * 2 > s->cap &&
        !rehash(s, s->len * 4 + 4 > s->cap ? (s->cap ? s->cap * 2 : 16) : s->cap))
        return false;
    uint32_t k = slot_of(id, s->cap);
    int64_t *tomb = NULL;
    while (s->slots[k] != EMPTY) {
        if (s->slots[k] == id)
            return true;
        if (s->slots[k] == DELETED && !tomb)
            tomb = &s->slots[k];
        k = (k + 1) & (s->cap - 1);
    }
    if (tomb) {
        *tomb = id;
    } else {
        s->slots[k] = id;
        s->used++;
    }
    s->len++;
    return true;
}

bool msg_idset_has(const msg_idset *s, int64_t id)
{
    if (!s->cap || id <= 0)
        return false;
    for (uint32_t k = slot_of(id, s->cap); s->slots[k] != EMPTY; k = (k + 1) & (s->cap - 1))
        if (s->slots[k] == id)
            return true;
    return false;
}

bool msg_idset_remove(msg_idset *s, int64_t id)
{
    if (!s->cap)
        return false;
    uint32_t k = slot_of(id, s->cap);
    while (s->slots[k] != EMPTY) {
        if (s->slots[k] == id) {
            s->slots[k] = DELETED;
            s->len--;
            return true;
        }
        k = (k + 1) & (s->cap - 1);
    }
    return false;
}

void msg_idset_free(msg_idset *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->len = s->used = 0;
}
