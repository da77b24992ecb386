/*
 * natsbench: the raw libnats baseline of bench/lattice/run.sh, two C processes through the same
 * nats-server as the wactor hosts.
 *
 *   natsbench rr-server URL SUBJECT          answers every request with its payload; prints
 *                                            "ready" once subscribed, runs until SIGTERM
 *   natsbench rr-client URL SUBJECT N SIZE   N requests of SIZE bytes one after another;
 *                                            prints "rr=N us=ELAPSED"
 *   natsbench sub URL SUBJECT N              prints "ready", receives N messages (libnats's
 *                                            delivery thread, as the wactor hosts), prints
 *                                            "sub=N last_us=WALLCLOCK" (CLOCK_REALTIME)
 *   natsbench pub URL SUBJECT N SIZE         prints "t0_us=WALLCLOCK", publishes N messages of
 *                                            SIZE bytes, flushes, prints "pub=N us=ELAPSED"
 * Throughput is N / (sub's last_us - pub's t0_us): from the first publication to the last
 * message received, as run.sh measures the wactor hosts.
 */
#include <nats/nats.h>

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t wall_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int64_t mono_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void check(natsStatus s, const char *what)
{
    if (s != NATS_OK) {
        fprintf(stderr, "natsbench: %s: %s\n", what, natsStatus_GetText(s));
        exit(1);
    }
}

/* Each baseline gets libnats at its best: request/reply with SendAsap (a publication leaves at
 * once; libnats's default buffering for its flusher thread costs about 1 ms per round trip on
 * an idle machine), publish/subscribe with the default buffering (SendAsap divides its
 * throughput by about 5); 256 KiB socket buffers instead of the default 32 KiB (publish ->
 * subscribe about 15% faster here; 1 MiB is slower again), as the wactor hosts use. */
#define IO_BUF_SIZE (256 * 1024)
static natsConnection *connect_to(const char *url, bool asap)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    check(natsOptions_Create(&o), "options");
    check(natsOptions_SetURL(o, url), "url");
    check(natsOptions_SetSendAsap(o, asap), "send asap");
    check(natsOptions_SetIOBufSize(o, IO_BUF_SIZE), "buffer size");
    check(natsConnection_Connect(&nc, o), "connect");
    natsOptions_Destroy(o);
    return nc;
}

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
    (void)sub;
    (void)arg;
    if (natsMsg_GetReply(m) != NULL)
        natsConnection_Publish(nc, natsMsg_GetReply(m), natsMsg_GetData(m),
                               natsMsg_GetDataLength(m));
    natsMsg_Destroy(m);
}

/* The subscriber: libnats's delivery thread counts (the way the wactor
 * hosts receive, and about a fifth faster than NextMsg on a synchronous
 * subscription here), the main thread waits for the last one. */
typedef struct received {
    long want;
    atomic_long got; /* written by the delivery thread only */
    pthread_mutex_t lock;
    pthread_cond_t done;
    bool all;        /* under lock */
    int64_t last_us; /* under lock */
} received;

static void on_message(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
    received *r = arg;
    (void)nc;
    (void)sub;
    natsMsg_Destroy(m);
    long got = atomic_load_explicit(&r->got, memory_order_relaxed) + 1;
    atomic_store_explicit(&r->got, got, memory_order_relaxed);
    if (got != r->want)
        return;
    int64_t now = wall_us();
    pthread_mutex_lock(&r->lock);
    r->all = true;
    r->last_us = now;
    pthread_cond_signal(&r->done);
    pthread_mutex_unlock(&r->lock);
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "rr-server") == 0) {
        natsConnection *nc = connect_to(argv[2], true);
        natsSubscription *sub = NULL;
        check(natsConnection_Subscribe(&sub, nc, argv[3], on_request, NULL), "subscribe");
        check(natsConnection_Flush(nc), "flush");
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        printf("ready\n");
        fflush(stdout);
        while (!stop)
            nats_Sleep(50);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "rr-client") == 0) {
        natsConnection *nc = connect_to(argv[2], true);
        long n = atol(argv[4]);
        int size = atoi(argv[5]);
        char *payload = calloc(1, (size_t)size + 1);
        memset(payload, 'x', (size_t)size);
        int64_t t0 = mono_us();
        for (long i = 0; i < n; i++) {
            natsMsg *reply = NULL;
            check(natsConnection_Request(&reply, nc, argv[3], payload, size, 10000), "request");
            natsMsg_Destroy(reply);
        }
        printf("rr=%ld us=%" PRId64 "\n", n, mono_us() - t0);
        free(payload);
        natsConnection_Destroy(nc);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "sub") == 0) {
        natsConnection *nc = connect_to(argv[2], false);
        natsSubscription *sub = NULL;
        received r = {.want = atol(argv[4])};
        atomic_init(&r.got, 0);
        pthread_mutex_init(&r.lock, NULL);
        pthread_cond_init(&r.done, NULL);
        check(natsConnection_Subscribe(&sub, nc, argv[3], on_message, &r), "subscribe");
        check(natsSubscription_SetPendingLimits(sub, -1, -1), "pending limits");
        check(natsConnection_Flush(nc), "flush");
        printf("ready\n");
        fflush(stdout);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 30;
        pthread_mutex_lock(&r.lock);
        while (!r.all && pthread_cond_timedwait(&r.done, &r.lock, &until) == 0)
            ;
        bool all = r.all;
        int64_t last = r.last_us;
        pthread_mutex_unlock(&r.lock);
        if (!all) {
            fprintf(stderr, "natsbench: %ld of %ld messages after 30 s\n", atomic_load(&r.got),
                    r.want);
            return 1;
        }
        printf("sub=%ld last_us=%" PRId64 "\n", r.want, last);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "pub") == 0) {
        natsConnection *nc = connect_to(argv[2], false);
        long n = atol(argv[4]);
        int size = atoi(argv[5]);
        char *payload = calloc(1, (size_t)size + 1);
        memset(payload, 'x', (size_t)size);
        int64_t t0 = wall_us(), m0 = mono_us();
        for (long i = 0; i < n; i++)
            check(natsConnection_Publish(nc, argv[3], payload, size), "publish");
        check(natsConnection_FlushTimeout(nc, 30000), "flush");
        printf("t0_us=%" PRId64 "\npub=%ld us=%" PRId64 "\n", t0, n, mono_us() - m0);
        free(payload);
        natsConnection_Destroy(nc);
        return 0;
    }
    fprintf(stderr, "usage: natsbench rr-server URL SUBJECT | rr-client URL SUBJECT N SIZE |\n"
                    "       sub URL SUBJECT N | pub URL SUBJECT N SIZE\n");
    return 2;
}
