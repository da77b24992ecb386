/* Byte-array loads and stores: the sieve of Eratosthenes over a byte array.
 * Work size: n sieves of 1,000,000 bytes. */
#include "bench.h"

#define SIEVE_SIZE 1000000u

static uint8_t composite[SIEVE_SIZE];

static uint32_t bench_run(uint32_t n)
{
    uint32_t checksum = 0;
    for (uint32_t rep = 0; rep < n; rep++) {
        /* Not a memset: the 0/1 pattern keeps the clearing a byte loop. */
        for (uint32_t i = 0; i < SIEVE_SIZE; i++)
            composite[i] = (uint8_t)(i < 2);
        uint32_t primes = 0, last = 0;
        for (uint32_t i = 2; i < SIEVE_SIZE; i++) {
            if (composite[i])
                continue;
            primes++;
            last = i;
            for (uint32_t j = i * 2; j < SIEVE_SIZE; j += i)
                composite[j] = 1;
        }
        /* Spot checks spread over the array, shifted by the repetition. */
        uint32_t sample = 0;
        for (uint32_t i = rep % 97; i < SIEVE_SIZE; i += 997)
            sample = sample * 2 + composite[i];
        checksum = bench_mix(checksum, primes + last + sample + rep);
    }
    return checksum;
}

BENCH_MAIN(450)
