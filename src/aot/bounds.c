/*
 * bounds.c: the bounds checks the generated C leaves out (bounds.h).
 *
 * Why leaving them out is exact. An access through slot value x with the
 * added constant k, offset o and width n reads [ea, ea + n) with
 * ea = (x + k) mod 2^32 + o; it traps when ea + n > msize.
 *
 * - Covered: a later access at the same x and k with o' + n' <= o + n has
 *   ea' + n' <= ea + n, and msize has not changed (a block holds no call,
 *   no memory.grow and no snippet).
 * - Hoisted: with d = k taken as a signed 32-bit number, if x >= -min(d)
 *   and x + max(d + o + n) <= msize (in 64 bits) then every x + d lies in
 *   [0, 2^32) (msize <= 2^32), so it is (x + k) mod 2^32, and each access
 *   is in bounds. When that check fails, the region's slow copy
 *   runs every access with its own check, in order: the first access that
 *   is out of bounds traps there, after everything before it happened.
 */
#include "bounds.h"

#include <stdlib.h>
#include <string.h>

/* How many ops one region may span: its C is written twice, and the C
 * compiler's time grows with it. */
#define REGION_OPS 32
/* How many checks a region must save to be worth its second copy: with 2,
 * a loop of four accesses through two pointers (matmul) still gets one,
 * and the C of a wasi-libc program grows a third less than with 1. */
#define REGION_SAVES 2
/* How many slots a region's scan tracks (more: the region stops there). */
#define TRACK 16

enum { E_BLOCK, E_OP, E_ACCESS, E_WRITE };

typedef struct event {
    uint8_t kind;
    uint32_t id;   /* E_OP: the pc; E_ACCESS: the access */
    uint32_t slot; /* E_ACCESS, E_WRITE */
    uint32_t k;
    uint64_t reach; /* offset + bytes */
} event;

typedef struct region {
    uint32_t start, resume, first, n; /* checks[first .. first + n) */
} region;

struct wa_bounds {
    event *ev;
    uint32_t nev, capev;
    uint8_t *flags; /* per access id */
    uint32_t nids;
    uint32_t *region_at; /* per pc: a region's index + 1, or 0 */
    uint32_t nops;
    region *regions;
    uint32_t nregions, capregions;
    wa_bounds_check *checks;
    uint32_t nchecks, capchecks;
    bool failed;
};

wa_bounds *wa_bounds_new(void)
{
    return calloc(1, sizeof(wa_bounds));
}

void wa_bounds_free(wa_bounds *b)
{
    if (!b)
        return;
    free(b->ev);
    free(b->flags);
    free(b->region_at);
    free(b->regions);
    free(b->checks);
    free(b);
}

bool wa_bounds_start(wa_bounds *b, uint32_t nops)
{
    free(b->flags);
    free(b->region_at);
    b->nev = b->nregions = b->nchecks = 0;
    b->nops = nops;
    b->nids = 2 * (nops + 1);
    b->flags = calloc(b->nids, 1);
    b->region_at = calloc(nops + 1, sizeof *b->region_at);
    b->failed = !b->flags || !b->region_at;
    return !b->failed;
}

static void push(wa_bounds *b, event e)
{
    if (b->failed)
        return;
    if (b->nev == b->capev) {
        uint32_t cap = b->capev ? 2 * b->capev : 256;
        event *p = realloc(b->ev, cap * sizeof *p);
        if (!p) {
            b->failed = true;
            return;
        }
        b->ev = p;
        b->capev = cap;
    }
    b->ev[b->nev++] = e;
}

void wa_bounds_block(wa_bounds *b)
{
    push(b, (event){.kind = E_BLOCK});
}

void wa_bounds_op(wa_bounds *b, uint32_t pc)
{
    push(b, (event){.kind = E_OP, .id = pc});
}

void wa_bounds_access(wa_bounds *b, uint32_t id, uint32_t slot, uint32_t k, uint32_t offset,
                      uint32_t bytes)
{
    if (id < b->nids)
        push(b, (event){.kind = E_ACCESS,
                        .id = id,
                        .slot = slot,
                        .k = k,
                        .reach = (uint64_t)offset + bytes});
}

void wa_bounds_write(wa_bounds *b, uint32_t slot)
{
    push(b, (event){.kind = E_WRITE, .slot = slot});
}

/* Covered accesses of the block ev[from, to): a list of the checked
 * ranges still valid (oldest dropped when full). */
static void cover(wa_bounds *b, uint32_t from, uint32_t to)
{
    struct {
        uint32_t slot, k;
        uint64_t reach;
    } live[TRACK];
    uint32_t nlive = 0;
    for (uint32_t i = from; i < to; i++) {
        const event *e = &b->ev[i];
        if (e->kind == E_WRITE) {
            uint32_t kept = 0;
            for (uint32_t j = 0; j < nlive; j++)
                if (live[j].slot != e->slot)
                    live[kept++] = live[j];
            nlive = kept;
            continue;
        }
        if (e->kind != E_ACCESS)
            continue;
        bool covered = false;
        for (uint32_t j = 0; j < nlive && !covered; j++)
            covered = live[j].slot == e->slot && live[j].k == e->k && live[j].reach >= e->reach;
        if (covered) {
            b->flags[e->id] |= WA_BOUNDS_COVERED;
            continue;
        }
        if (nlive == TRACK)
            memmove(live, live + 1, --nlive * sizeof live[0]);
        live[nlive].slot = e->slot;
        live[nlive].k = e->k;
        live[nlive].reach = e->reach;
        nlive++;
    }
}

/* The pc of the first op after event i (nops at the end of the code). */
static uint32_t next_pc(const wa_bounds *b, uint32_t i)
{
    for (i++; i < b->nev; i++)
        if (b->ev[i].kind == E_OP)
            return b->ev[i].id;
    return b->nops;
}

static bool add_check(wa_bounds *b, uint32_t slot, uint32_t lo, int64_t end)
{
    if (b->nchecks == b->capchecks) {
        uint32_t cap = b->capchecks ? 2 * b->capchecks : 64;
        wa_bounds_check *p = realloc(b->checks, cap * sizeof *p);
        if (!p)
            return false;
        b->checks = p;
        b->capchecks = cap;
    }
    b->checks[b->nchecks++] = (wa_bounds_check){slot, lo, end};
    return true;
}

static bool add_region(wa_bounds *b, uint32_t start, uint32_t resume, uint32_t first)
{
    if (b->nregions == b->capregions) {
        uint32_t cap = b->capregions ? 2 * b->capregions : 32;
        region *p = realloc(b->regions, cap * sizeof *p);
        if (!p)
            return false;
        b->regions = p;
        b->capregions = cap;
    }
    b->regions[b->nregions] = (region){start, resume, first, b->nchecks - first};
    b->region_at[start] = ++b->nregions;
    return true;
}

/* One region from the op event at op on, if its first accesses share a
 * slot value: the event index after it, else 0. */
static uint32_t region_from(wa_bounds *b, uint32_t op, uint32_t to)
{
    struct {
        uint32_t slot, count, last, lo;
        int64_t end;
    } group[TRACK];
    uint32_t written[TRACK], member[4 * TRACK], in_group[4 * TRACK];
    uint32_t ngroups = 0, nwritten = 0, nmembers = 0, nops = 0;
    for (uint32_t i = op; i < to; i++) {
        const event *e = &b->ev[i];
        if (e->kind == E_OP && ++nops > REGION_OPS)
            break;
        if (e->kind == E_WRITE) {
            bool known = false;
            for (uint32_t j = 0; j < nwritten && !known; j++)
                known = written[j] == e->slot;
            if (!known && nwritten == TRACK)
                break;
            if (!known)
                written[nwritten++] = e->slot;
            continue;
        }
        if (e->kind != E_ACCESS || (b->flags[e->id] & WA_BOUNDS_COVERED))
            continue;
        bool dead = false;
        for (uint32_t j = 0; j < nwritten && !dead; j++)
            dead = written[j] == e->slot;
        if (dead)
            continue;
        uint32_t g = 0;
        while (g < ngroups && group[g].slot != e->slot)
            g++;
        if (g == ngroups && ngroups == TRACK)
            continue;
        if (nmembers == 4 * TRACK)
            break;
        if (g == ngroups) {
            group[g].slot = e->slot;
            group[g].count = 0;
            group[g].lo = 0;
            group[g].end = INT64_MIN;
            ngroups++;
        }
        int64_t d = (int32_t)e->k, end = d + (int64_t)e->reach;
        group[g].count++;
        group[g].last = i;
        if (d < 0 && (uint32_t)-d > group[g].lo)
            group[g].lo = (uint32_t)-d;
        if (end > group[g].end)
            group[g].end = end;
        member[nmembers] = i;
        in_group[nmembers++] = g;
    }
    uint32_t last = 0, first = b->nchecks, saved = 0;
    for (uint32_t g = 0; g < ngroups; g++)
        saved += group[g].count >= 2 ? group[g].count - 1 : 0;
    if (saved < REGION_SAVES)
        return 0;
    for (uint32_t g = 0; g < ngroups; g++) {
        if (group[g].count < 2)
            continue;
        if (!add_check(b, group[g].slot, group[g].lo, group[g].end))
            return b->failed = true, 0;
        if (group[g].last > last)
            last = group[g].last;
    }
    if (b->nchecks == first)
        return 0;
    for (uint32_t j = 0; j < nmembers; j++)
        if (group[in_group[j]].count >= 2)
            b->flags[b->ev[member[j]].id] |= WA_BOUNDS_HOISTED;
    if (!add_region(b, b->ev[op].id, next_pc(b, last), first))
        return b->failed = true, 0;
    /* Go on after the region's last op. */
    uint32_t i = last + 1;
    while (i < to && b->ev[i].kind != E_OP)
        i++;
    return i;
}

static void plan_block(wa_bounds *b, uint32_t from, uint32_t to)
{
    cover(b, from, to);
    uint32_t op = to;
    for (uint32_t i = from; i < to && !b->failed;) {
        const event *e = &b->ev[i];
        if (e->kind == E_OP) {
            op = i++;
            continue;
        }
        if (e->kind != E_ACCESS || op == to || (b->flags[e->id] & WA_BOUNDS_COVERED)) {
            i++;
            continue;
        }
        uint32_t next = region_from(b, op, to);
        if (next) {
            op = to;
            i = next;
        } else {
            i++;
        }
    }
}

bool wa_bounds_plan(wa_bounds *b)
{
    uint32_t from = 0;
    for (uint32_t i = 0; i <= b->nev && !b->failed; i++) {
        if (i < b->nev && b->ev[i].kind != E_BLOCK)
            continue;
        plan_block(b, from, i);
        from = i + 1;
    }
    if (b->failed) { /* leave nothing out */
        if (b->flags)
            memset(b->flags, 0, b->nids);
        if (b->region_at)
            memset(b->region_at, 0, (b->nops + 1) * sizeof *b->region_at);
    }
    return !b->failed;
}

uint8_t wa_bounds_flags(const wa_bounds *b, uint32_t id)
{
    return b->flags && id < b->nids ? b->flags[id] : 0;
}

bool wa_bounds_region(const wa_bounds *b, uint32_t pc, uint32_t *resume,
                      const wa_bounds_check **checks, uint32_t *nchecks)
{
    if (!b->region_at || pc > b->nops || !b->region_at[pc])
        return false;
    const region *r = &b->regions[b->region_at[pc] - 1];
    *resume = r->resume;
    *checks = b->checks + r->first;
    *nchecks = r->n;
    return true;
}
