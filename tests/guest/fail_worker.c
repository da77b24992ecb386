/*
 * fail_worker.c: a component that misbehaves on request, for tests/failure.
 * Each message's payload is a command (arguments after a space):
 *
 *   ping           answers "pong"
 *   loop           logs "entering loop", then spins forever (time or fuel limit)
 *   grow           memory.grow one page at a time until it fails, touches every page got;
 *                  answers int32[5]: pages at start, pages grown, pages at end,
 *                  memory.grow(1000) after that, and 1 if every page read back
 *   malloc         malloc(64 KiB) until NULL; answers int32[2]: blocks, pages at end
 *   recurse N      recursion N calls deep (not optimised away); answers "deep"
 *   trap           traps (unreachable)
 *   oob            reads past the end of linear memory (out-of-bounds trap)
 *   div0           divides an integer by zero (trap)
 *   exit0, exit3   WASI proc_exit(0) / proc_exit(3)
 *   hold           keeps the request unanswered (a later "release" answers it)
 *   release        answers the held request "released"; answers int32 respond's code
 *   silent         returns 0 without answering (the requester waits)
 *
 * Its wactor_init fails when the config is "fail-init", traps when it is "trap-init", spins
 * forever when it is "loop-init", calls proc_exit(0) when it is "exit-init", and fails as long
 * as the wall clock is before T when it is "fail-until T" (T in milliseconds since the epoch).
 * Its wactor_on_shutdown calls proc_exit(0) when the config is "exit-shutdown".
 */
#include <stdlib.h>
#include <string.h>
#include <wactor.h>
#include <wasi/api.h>

static volatile uint32_t spin;
static volatile int32_t divisor; /* 0: the compiler cannot fold the division away */
static int64_t held;

static int32_t answer(int64_t corr, const void *p, size_t n)
{
    return corr > 0 ? wactor_respond(corr, WACTOR_STATUS_OK, p, n) < 0 : 0;
}

static int32_t number(const char *s)
{
    int32_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v;
}

static int deep(int n);
/* Through a volatile pointer: the compiler can neither inline the recursion nor turn it
 * into a loop. */
static int (*volatile deep_ptr)(int) = deep;

/* No local lives in linear memory: the C stack there (64 KiB) would overflow long before
 * the engine's call-depth limit and corrupt the module's data. */
static int deep(int n)
{
    if (n <= 0)
        return 0;
    return deep_ptr(n - 1) + (n & 1);
}

static int32_t grow(int64_t corr)
{
    int32_t out[5];
    out[0] = (int32_t)__builtin_wasm_memory_size(0);
    int32_t grown = 0;
    while (__builtin_wasm_memory_grow(0, 1) != (size_t)-1)
        grown++;
    out[1] = grown;
    out[2] = (int32_t)__builtin_wasm_memory_size(0);
    out[3] = (int32_t)__builtin_wasm_memory_grow(0, 1000);
    int32_t ok = 1;
    for (int32_t page = out[0]; page < out[2]; page++) {
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)((uint32_t)page * 65536u);
        p[0] = (uint8_t)page;
        p[65535] = (uint8_t)~page;
        ok &= p[0] == (uint8_t)page && p[65535] == (uint8_t)~page;
    }
    out[4] = ok;
    return answer(corr, out, sizeof out);
}

/* Kept where the compiler must assume they are used, or it drops malloc altogether. */
static void *volatile blocks[1024];

static int32_t malloc_bomb(int64_t corr)
{
    int32_t out[2] = {0, 0};
    void *p;
    while (out[0] < 1024 && (p = malloc(65536)) != NULL) {
        memset(p, 0x5a, 65536);
        blocks[out[0]++] = p;
    }
    out[1] = (int32_t)__builtin_wasm_memory_size(0);
    return answer(corr, out, sizeof out);
}

WACTOR_INIT()
{
    char cfg[32];
    wactor_config_str(cfg, sizeof cfg);
    if (strcmp(cfg, "fail-init") == 0)
        return 1;
    if (strcmp(cfg, "trap-init") == 0)
        __builtin_trap();
    if (strcmp(cfg, "exit-init") == 0)
        __wasi_proc_exit(0);
    if (strcmp(cfg, "loop-init") == 0)
        for (;;)
            spin++;
    if (strncmp(cfg, "fail-until ", 11) == 0) {
        int64_t until = 0;
        for (const char *p = cfg + 11; *p >= '0' && *p <= '9'; p++)
            until = until * 10 + (*p - '0');
        return wactor_now_ms() < until;
    }
    return 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char cmd[64];
    wactor_msg_payload_str(cmd, sizeof cmd);
    if (strcmp(cmd, "ping") == 0)
        return answer(corr, "pong", 4);
    if (strcmp(cmd, "loop") == 0) {
        wactor_log(WACTOR_LOG_INFO, "entering loop");
        for (;;)
            spin++;
    }
    if (strcmp(cmd, "grow") == 0)
        return grow(corr);
    if (strcmp(cmd, "malloc") == 0)
        return malloc_bomb(corr);
    if (strncmp(cmd, "recurse ", 8) == 0) {
        deep(number(cmd + 8));
        return answer(corr, "deep", 4);
    }
    if (strcmp(cmd, "trap") == 0)
        __builtin_trap();
    if (strcmp(cmd, "oob") == 0)
        return *(volatile int32_t *)(uintptr_t)0xfffffff0u;
    if (strcmp(cmd, "div0") == 0)
        return answer(corr, "quotient", (size_t)(8 / divisor));
    if (strcmp(cmd, "exit0") == 0)
        __wasi_proc_exit(0);
    if (strcmp(cmd, "exit3") == 0)
        __wasi_proc_exit(3);
    if (strcmp(cmd, "hold") == 0) {
        held = corr;
        return 0;
    }
    if (strcmp(cmd, "release") == 0) {
        int32_t rc = wactor_respond_str(held, WACTOR_STATUS_OK, "released");
        return answer(corr, &rc, sizeof rc);
    }
    if (strcmp(cmd, "silent") == 0)
        return 0;
    return 1;
}

WACTOR_ON_SHUTDOWN()
{
    char cfg[32];
    wactor_config_str(cfg, sizeof cfg);
    if (strcmp(cfg, "exit-shutdown") == 0)
        __wasi_proc_exit(0);
}
