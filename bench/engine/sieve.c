/* Sieve of Eratosthenes over a byte array, repeated: memory loads/stores and
 * branches. Work size: n repetitions over 1,000,000 bytes (default 10). */
#include "bench.h"

#define SIEVE_SIZE 1000000u

static uint8_t composite[SIEVE_SIZE];

static uint32_t bench_run(uint32_t n)
{
    uint32_t checksum = 0;
    for (uint32_t rep = 0; rep < n; rep++) {
        for (uint32_t i = 0; i < SIEVE_SIZE; i++)
            composite[i] = 0;
        uint32_t primes = 0;
        for (uint32_t i = 2; i < SIEVE_SIZE; i++) {
            if (composite[i])
                continue;
            primes++;
            for (uint32_t j = i * 2; j < SIEVE_SIZE; j += i)
                composite[j] = 1;
        }
        checksum = checksum * 31 + primes + rep;
    }
    return checksum;
}

BENCH_MAIN(10)
