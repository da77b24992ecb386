/* A hash table: open addressing with linear probing over 32,768 slots,
 * Fibonacci hashing, and deletion by backward shifting (no tombstones).
 * Each round clears the table, inserts 20,000 pseudo-random keys (61% load;
 * some are repeats, which update the value), looks up 40,000 keys (half of
 * them absent), deletes 5,000 and looks up 20,000 again.
 * Work size: n rounds. */
#include "bench.h"

#include <string.h>

#define HT_BITS 15
#define HT_CAP (1u << HT_BITS)
#define HT_MASK (HT_CAP - 1)

struct slot {
    uint32_t key; /* 0: empty */
    uint32_t value;
};

static struct slot table[HT_CAP];
static uint32_t table_count;

static inline uint32_t ht_home(uint32_t key)
{
    return (key * 0x9e3779b1u) >> (32 - HT_BITS);
}

static void ht_put(uint32_t key, uint32_t value)
{
    uint32_t i = ht_home(key);
    while (table[i].key != 0 && table[i].key != key)
        i = (i + 1) & HT_MASK;
    if (table[i].key == 0)
        table_count++;
    table[i].key = key;
    table[i].value = value;
}

/* The slot holding key, or HT_CAP. */
static uint32_t ht_find(uint32_t key)
{
    uint32_t i = ht_home(key);
    while (table[i].key != 0) {
        if (table[i].key == key)
            return i;
        i = (i + 1) & HT_MASK;
    }
    return HT_CAP;
}

static void ht_delete(uint32_t key)
{
    uint32_t hole = ht_find(key);
    if (hole == HT_CAP)
        return;
    table_count--;
    /* Move back every later entry of the run whose home slot does not lie
     * cyclically in (hole, j]: it would not be found past the hole. */
    for (uint32_t j = (hole + 1) & HT_MASK; table[j].key != 0; j = (j + 1) & HT_MASK) {
        uint32_t home = ht_home(table[j].key);
        if (((j - home) & HT_MASK) >= ((j - hole) & HT_MASK)) {
            table[hole] = table[j];
            hole = j;
        }
    }
    table[hole].key = 0;
    table[hole].value = 0;
}

static inline uint32_t key_of(uint32_t r)
{
    /* 2^18 distinct keys, so some of the 20,000 repeat; never 0. */
    return (r & 0x3ffffu) * 2654435761u | 1u;
}

static uint32_t bench_run(uint32_t n)
{
    uint32_t checksum = 0;
    for (uint32_t round = 0; round < n; round++) {
        memset(table, 0, sizeof table);
        table_count = 0;
        uint32_t seed = 0x2468aceu + round * 7919u, state = seed;
        for (uint32_t i = 0; i < 20000; i++)
            ht_put(key_of(bench_rand(&state)), i);
        uint32_t found = 0, sum = 0, probe = 0xdeadbeefu ^ round;
        state = seed;
        for (uint32_t i = 0; i < 40000; i++) {
            uint32_t key = (i & 1) ? key_of(bench_rand(&probe)) : key_of(bench_rand(&state));
            uint32_t at = ht_find(key);
            if (at != HT_CAP) {
                found++;
                sum += table[at].value;
            }
        }
        state = seed;
        for (uint32_t i = 0; i < 5000; i++)
            ht_delete(key_of(bench_rand(&state)));
        state = seed;
        for (uint32_t i = 0; i < 20000; i++) {
            uint32_t at = ht_find(key_of(bench_rand(&state)));
            if (at != HT_CAP)
                sum += table[at].value ^ i;
            else
                found += 0x10000u;
        }
        checksum = bench_mix(checksum, found + sum + table_count);
    }
    return checksum;
}

BENCH_MAIN(1000)
