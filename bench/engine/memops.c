/* memcpy/memset/memmove-heavy code: blocks of pseudo-random sizes (mostly
 * under 128 bytes, some up to 4 KiB) copied, filled and moved around two
 * 256 KiB buffers, with one byte read back after each operation.
 * run.py builds it twice for wasm: without bulk memory the calls go to
 * wasi-libc's memcpy/memset compiled to wasm; with -mbulk-memory they become
 * memory.copy and memory.fill. Work size: n rounds of 1,000 operations. */
#include "bench.h"

#include <string.h>

#define MEM_SIZE (256u * 1024u)

static uint8_t src[MEM_SIZE], dst[MEM_SIZE];

static uint32_t bench_run(uint32_t n)
{
    uint32_t state = 0xc0ffeeu;
    for (uint32_t i = 0; i < MEM_SIZE; i++)
        src[i] = (uint8_t)(bench_rand(&state) >> 24);
    memset(dst, 0x5a, MEM_SIZE);
    uint32_t checksum = 0;
    for (uint32_t round = 0; round < n; round++) {
        for (uint32_t op = 0; op < 1000; op++) {
            uint32_t r = bench_rand(&state);
            uint32_t len = (r & 7) == 0 ? 1 + ((r >> 3) & 4095) : 1 + ((r >> 3) & 127);
            uint32_t from = bench_rand(&state) % (MEM_SIZE - len);
            uint32_t to = bench_rand(&state) % (MEM_SIZE - len);
            switch (r >> 30) {
            case 0:
            case 1:
                memcpy(dst + to, src + from, len);
                break;
            case 2:
                memset(dst + to, (int)(r >> 16) & 0xff, len);
                break;
            default:
                /* The ranges may overlap. */
                memmove(dst + to, dst + from, len);
                break;
            }
            checksum = checksum * 31 + dst[to + len / 2];
        }
        /* Some of the results flow back into the source. */
        uint32_t back = 1024 + round % 2048;
        uint32_t at = bench_rand(&state) % (MEM_SIZE - back);
        memcpy(src + at, dst + (MEM_SIZE - back - at), back);
    }
    return bench_mix(checksum, src[state % MEM_SIZE] + dst[state % 4096u]);
}

BENCH_MAIN(50000)
