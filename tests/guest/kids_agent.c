/*
 * kids_agent: the component of the children and monitors tests (tests/kids/kids_test.c), both
 * parent and child. Requests are commands, answered with their result as decimal text:
 *
 *   spawn TMPL SUFFIX CONFIG   wactor_spawn (CONFIG the rest of the line, may be empty)
 *   stop NAME                  wactor_stop
 *   monitor NAME               wactor_monitor: the reference
 *   demonitor REF              wactor_demonitor
 *   downs                      every `@down` payload received, one a line, in order
 *   config                     the config bytes
 *   ping                       "pong"
 * and these, as requests or plain messages: crash (unreachable), exit (proc_exit(0)), spin
 * (loops until the fuel limit), oob (a load past the memory: crashed: memory), deep (recursion
 * past the stack limit: crashed: stack). A config of "failinit" makes wactor_init fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wactor.h>

static char downs[16384];
static size_t ndowns;

WACTOR_INIT()
{
    char cfg[64];
    int32_t n = wactor_config_str(cfg, sizeof cfg);
    return n >= 0 && strcmp(cfg, "failinit") == 0;
}

static int answer(int64_t corr, const char *text)
{
    return corr > 0 ? wactor_respond_str(corr, WACTOR_STATUS_OK, text) < 0 : 0;
}

static int answer_num(int64_t corr, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return answer(corr, b);
}

static volatile int sink;

/* Through a volatile pointer: no tail call the compiler could turn into a loop, and no local
 * in linear memory (the shadow stack would run out first, a memory trap). */
static int deep(int n);
static int (*volatile deeper)(int) = deep;
static int deep(int n)
{
    if (sink < 0) /* never: the call depth limit ends it */
        return n;
    return deeper(n + 1) + n;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    (void)payload_len;
    char from[256], p[1024];
    wactor_msg_sender_str(from, sizeof from);
    if (wactor_msg_payload_str(p, sizeof p) < 0)
        return 1;
    if (strcmp(from, "@down") == 0) {
        size_t n = strlen(p);
        if (ndowns + n + 2 < sizeof downs) {
            memcpy(downs + ndowns, p, n);
            ndowns += n;
            downs[ndowns++] = '\n';
            downs[ndowns] = 0;
        }
        return 0;
    }
    char a[256], b[256];
    if (strcmp(p, "crash") == 0)
        __builtin_trap();
    if (strcmp(p, "exit") == 0)
        exit(0);
    if (strcmp(p, "oob") == 0)
        return *(volatile int *)(uintptr_t)0xfffffff0u;
    if (strcmp(p, "deep") == 0)
        return deep(0);
    if (strcmp(p, "spin") == 0)
        for (;;)
            sink++;
    if (strcmp(p, "ping") == 0)
        return answer(corr, "pong");
    if (strcmp(p, "downs") == 0)
        return answer(corr, ndowns ? downs : "");
    if (strcmp(p, "config") == 0) {
        char c[256];
        wactor_config_str(c, sizeof c);
        return answer(corr, c);
    }
    if (strncmp(p, "spawn ", 6) == 0) {
        int off = 0;
        if (sscanf(p + 6, "%255s %255s %n", a, b, &off) < 2)
            return 1;
        const char *cfg = off ? p + 6 + off : "";
        return answer_num(corr, wactor_spawn(a, b, cfg, strlen(cfg)));
    }
    if (sscanf(p, "stop %255s", a) == 1)
        return answer_num(corr, wactor_stop(a));
    if (sscanf(p, "monitor %255s", a) == 1)
        return answer_num(corr, wactor_monitor(a));
    long long ref;
    if (sscanf(p, "demonitor %lld", &ref) == 1)
        return answer_num(corr, wactor_demonitor(ref));
    return answer(corr, "?");
}
