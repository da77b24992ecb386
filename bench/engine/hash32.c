/* 32-bit hashing with rotates and multiplies: a multiply-rotate hash of our
 * own over keys of 1 to 64 bytes cut from a 64 KiB buffer; each key's length
 * and the next seed come from the previous hash, so nothing is hoisted.
 * Work size: n passes over the buffer. */
#include "bench.h"

#include <string.h>

#define HASH_BUF 65536u
#define HASH_K1 0xa3b195c7u
#define HASH_K2 0x6c8e9cf5u
#define HASH_K3 0x3f4a7c15u

static uint8_t buf[HASH_BUF + 64];

static inline uint32_t rotl32(uint32_t x, unsigned r)
{
    return (x << r) | (x >> (32 - r));
}

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v); /* unaligned, little-endian on both targets */
    return v;
}

static uint32_t hash_bytes(const uint8_t *p, uint32_t len, uint32_t seed)
{
    uint32_t h = seed ^ (len * HASH_K3);
    uint32_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t k = load32(p + i) * HASH_K1;
        k = rotl32(k, 17) * HASH_K2;
        h = rotl32(h ^ k, 11) * 9u + HASH_K3;
    }
    /* The last one to three bytes. */
    uint32_t tail = 0;
    if (len - i >= 3)
        tail |= (uint32_t)p[i + 2] << 16;
    if (len - i >= 2)
        tail |= (uint32_t)p[i + 1] << 8;
    if (len - i >= 1) {
        tail |= p[i];
        h ^= rotl32(tail * HASH_K2, 19) * HASH_K1;
    }
    /* Final avalanche. */
    h ^= h >> 15;
    h *= HASH_K1;
    h ^= rotl32(h, 7) ^ rotl32(h, 23);
    h *= HASH_K2;
    return h ^ (h >> 16);
}

static uint32_t bench_run(uint32_t n)
{
    uint32_t state = 0x12345u;
    for (uint32_t i = 0; i < HASH_BUF + 64; i++)
        buf[i] = (uint8_t)(bench_rand(&state) >> 24);
    uint32_t h = 0, checksum = 0;
    for (uint32_t pass = 0; pass < n; pass++) {
        uint32_t pos = pass % 61;
        while (pos < HASH_BUF) {
            uint32_t len = 1 + (h & 63);
            h = hash_bytes(buf + pos, len, h + pass);
            checksum += h;
            pos += len;
        }
    }
    return bench_mix(checksum, h);
}

BENCH_MAIN(23000)
