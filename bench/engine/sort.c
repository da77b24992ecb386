/* Sorting: branchy compare-and-swap code. Quicksort (median of three, Hoare
 * partition, recursion on the smaller side) finished by insertion sort,
 * on 100,000 pseudo-random 32-bit numbers.
 * Work size: n sorts, each of freshly generated data. */
#include "bench.h"

#define SORT_N 100000
#define SORT_SMALL 16

static uint32_t data[SORT_N];

static void insertion_sort(uint32_t *a, int32_t lo, int32_t hi)
{
    for (int32_t i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        int32_t j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void swap(uint32_t *a, int32_t i, int32_t j)
{
    uint32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Sorts a[lo..hi] (inclusive). */
static void quick_sort(uint32_t *a, int32_t lo, int32_t hi)
{
    while (hi - lo > SORT_SMALL) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo])
            swap(a, mid, lo);
        if (a[hi] < a[lo])
            swap(a, hi, lo);
        if (a[hi] < a[mid])
            swap(a, hi, mid);
        uint32_t pivot = a[mid];
        int32_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                swap(a, i, j);
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            quick_sort(a, lo, j);
            lo = i;
        } else {
            quick_sort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

static uint32_t bench_run(uint32_t n)
{
    uint32_t checksum = 0;
    for (uint32_t rep = 0; rep < n; rep++) {
        uint32_t state = 0x9e3779b9u ^ rep;
        /* Every eighth value is small, so there are duplicates too. */
        for (int32_t i = 0; i < SORT_N; i++) {
            uint32_t r = bench_rand(&state);
            data[i] = (i & 7) == 0 ? r % 1000 : r;
        }
        quick_sort(data, 0, SORT_N - 1);
        uint32_t unsorted = 0, sum = 0;
        for (int32_t i = 1; i < SORT_N; i++) {
            unsorted += data[i - 1] > data[i];
            sum += data[i] * (uint32_t)i;
        }
        checksum = bench_mix(checksum, sum + unsorted * 0x10000u + data[SORT_N / 2]);
    }
    return checksum;
}

BENCH_MAIN(150)
