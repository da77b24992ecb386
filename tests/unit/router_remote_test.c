/*
 * router_remote_test.c: the router's side of the lattice (msg_lattice_ops
 * and msg_remote_*, src/msg/msg.h), between two routers of one process.
 *
 * The "lattice" here is a loop: router A's hooks hand each message straight
 * to router B's msg_remote_* entry points and bring the outcomes back, with
 * a credit count for back-pressure. It is not a stand-in for src/lattice
 * (whose tests run real nats-servers): it pins down what the router
 * promises any lattice, which those tests cannot see from outside: EFULL
 * from reserve enqueues nothing, every request to a remote ends in one
 * forget, a remote answer cannot settle a local request, consumed follows
 * every remote envelope, a publication is not sent again to a name that got
 * it here, and a name here is preferred to a remote one.
 */
#include "msg.h"
#include "rt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Polls cond for up to 5 s: the workers deliver on their own threads. */
#define EVENTUALLY(cond)                                                                           \
    do {                                                                                           \
        for (int spin_ = 0; spin_ < 5000 && !(cond); spin_++)                                      \
            nanosleep(&(struct timespec){0, 1000000}, NULL);                                       \
        CHECK(cond);                                                                               \
    } while (0)

/* ---- processes that record what reaches them ------------------------------ */

typedef struct tproc {
    msg_proc proc; /* first */
    atomic_int sends, publications, requests, callbacks[4];
    atomic_int order_ok; /* 0 once a send arrived out of order */
    int next;            /* the payload number expected next */
    bool answer;         /* answer requests at once ("pong") */
    int64_t held;        /* a request kept unanswered */
    pthread_mutex_t gate_lock;
    pthread_cond_t gate_cond;
    bool gated; /* sends wait here until opened */
    char last_sender[256], last_callback[64];
} tproc;

/* What a test makes a process do, on the process's own turn (as a
 * component's calls are made): the router relies on that. */
enum job_op { J_SEND, J_REQUEST, J_CANCEL, J_PUBLISH };

typedef struct job {
    enum job_op op;
    const char *target; /* or topic */
    const char *payload;
    int64_t arg; /* timeout, or the id to cancel */
    int64_t result;
    atomic_int done;
} job;

static void run_job(tproc *t, job *j)
{
    msg_router *r = t->proc.router;
    size_t tlen = j->target ? strlen(j->target) : 0, plen = j->payload ? strlen(j->payload) : 0;
    switch (j->op) {
    case J_SEND:
        j->result = msg_send(r, &t->proc, j->target, tlen, j->payload, plen, NULL);
        break;
    case J_REQUEST:
        j->result =
            msg_request(r, &t->proc, j->target, tlen, j->payload, plen, j->arg, NULL, NULL, NULL);
        break;
    case J_CANCEL:
        j->result = msg_cancel(r, &t->proc, j->arg);
        break;
    case J_PUBLISH:
        j->result = msg_publish(r, &t->proc, j->target, tlen, j->payload, plen, NULL);
        break;
    }
    atomic_store(&j->done, 1);
}

static msg_outcome deliver(msg_proc *p, msg_envelope *e)
{
    tproc *t = (tproc *)p;
    const char *payload = (const char *)msg_env_payload(e);
    switch ((msg_kind)e->kind) {
    case MSG_SEND: {
        pthread_mutex_lock(&t->gate_lock);
        while (t->gated)
            pthread_cond_wait(&t->gate_cond, &t->gate_lock);
        pthread_mutex_unlock(&t->gate_lock);
        int n = e->payload_len ? atoi(payload) : -1;
        if (n == t->next)
            t->next++;
        else
            atomic_store(&t->order_ok, 0);
        snprintf(t->last_sender, sizeof t->last_sender, "%.*s", e->sender_len, msg_env_sender(e));
        if (e->payload_len == 6 && memcmp(payload, "answer", 6) == 0 && t->held)
            msg_respond(p, t->held, WACTOR_STATUS_OK, "late", 4, NULL);
        atomic_fetch_add(&t->sends, 1);
        break;
    }
    case MSG_PUBLISH:
        atomic_fetch_add(&t->publications, 1);
        break;
    case MSG_REQUEST:
        if (t->answer)
            msg_respond(p, e->corr, WACTOR_STATUS_OK, "pong", 4, NULL);
        else
            t->held = e->corr;
        atomic_fetch_add(&t->requests, 1);
        break;
    case MSG_CALLBACK:
        snprintf(t->last_callback, sizeof t->last_callback, "%.*s", (int)e->payload_len, payload);
        atomic_fetch_add(&t->callbacks[e->status & 3], 1);
        break;
    case MSG_CONTROL:
        run_job(t, e->control);
        break;
    }
    return MSG_HANDLED;
}

static tproc *tproc_new(msg_router *r, const char *name)
{
    tproc *t = calloc(1, sizeof *t);
    msg_caps caps = {0};
    /* Every capability: the router's checks are tested elsewhere. */
    const char *const grant[] = {">"};
    for (int k = 0; k < 4; k++) {
        msg_patterns *list = k == 0   ? &caps.send
                             : k == 1 ? &caps.request
                             : k == 2 ? &caps.publish
                                      : &caps.subscribe;
        list->v = malloc(sizeof *list->v);
        list->v[0] = strdup(grant[0]);
        list->n = 1;
    }
    msg_proc_init(&t->proc, r, name, strlen(name), deliver, 100, 100, caps);
    atomic_init(&t->order_ok, 1);
    pthread_mutex_init(&t->gate_lock, NULL);
    pthread_cond_init(&t->gate_cond, NULL);
    CHECK(msg_register(r, &t->proc) == WACTOR_OK);
    return t;
}

/* Has t do op on its turn and waits for the result. */
static int64_t as(tproc *t, enum job_op op, const char *target, const char *payload, int64_t arg)
{
    job j = {.op = op, .target = target, .payload = payload, .arg = arg};
    atomic_init(&j.done, 0);
    if (msg_post_control(&t->proc, &j) != WACTOR_OK)
        return WACTOR_ENOMEM;
    for (int spin = 0; spin < 5000 && !atomic_load(&j.done); spin++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    if (!atomic_load(&j.done)) {
        fprintf(stderr, "a job did not run: giving up\n");
        exit(1);
    }
    return j.result;
}

static void gate(tproc *t, bool closed)
{
    pthread_mutex_lock(&t->gate_lock);
    t->gated = closed;
    pthread_cond_broadcast(&t->gate_cond);
    pthread_mutex_unlock(&t->gate_lock);
}

/* ---- the loop: A's remote names are B's processes ------------------------- */

struct msg_remote {
    const char *name;
};

static struct msg_remote remote_x = {"x"};

typedef struct loop {
    msg_router *there; /* where A's messages go; NULL for B's hooks */
    msg_router *back;  /* where answers go */
    atomic_int credit, forgets, consumed, changed, published;
    char local_names[256];
} loop;

static loop loop_a, loop_b;

static msg_remote *lp_resolve(void *arg, const char *sender, size_t slen, const char *name,
                              size_t len, const char **name_out)
{
    loop *l = arg;
    (void)sender;
    (void)slen;
    if (!l->there || len != 1 || name[0] != 'x')
        return NULL;
    *name_out = remote_x.name;
    return &remote_x;
}

static int lp_reserve(void *arg, msg_remote *to, size_t plen)
{
    loop *l = arg;
    (void)to;
    (void)plen;
    if (atomic_fetch_sub(&l->credit, 1) <= 0) {
        atomic_fetch_add(&l->credit, 1);
        return WACTOR_EFULL;
    }
    return WACTOR_OK;
}

static void lp_unreserve(void *arg, msg_remote *to)
{
    (void)to;
    atomic_fetch_add(&((loop *)arg)->credit, 1);
}

typedef struct reply_to {
    msg_router *back;
    int64_t corr;
} reply_to;

static void lp_answered(void *arg, int64_t id, int status, const void *payload, size_t len,
                        const msg_headers *h)
{
    reply_to *rt = arg;
    (void)id;
    msg_remote_settle(rt->back, rt->corr, status, payload, len, h);
    free(rt);
}

static void lp_post(void *arg, msg_remote *to, const msg_envelope *e, uint32_t timeout_ms)
{
    loop *l = arg;
    const char *sender = msg_env_sender(e);
    const void *payload = msg_env_payload(e);
    msg_headers h = msg_env_headers(e);
    if (e->kind == MSG_SEND) {
        CHECK(msg_remote_send(l->there, 1, sender, e->sender_len, to->name, 1, payload,
                              e->payload_len, &h) == WACTOR_OK);
        return;
    }
    reply_to *rt = malloc(sizeof *rt);
    rt->back = l->back;
    rt->corr = e->corr;
    int64_t id = msg_remote_request(l->there, 1, sender, e->sender_len, to->name, 1, payload,
                                    e->payload_len, &h, timeout_ms, lp_answered, rt);
    if (id < 0) {
        msg_remote_settle(l->back, e->corr, WACTOR_STATUS_FAILED, "gone", 4, NULL);
        free(rt);
    }
}

static void lp_forget(void *arg, msg_remote *to, int64_t corr)
{
    (void)to;
    (void)corr;
    atomic_fetch_add(&((loop *)arg)->forgets, 1);
}

static void lp_publish(void *arg, const char *sender, size_t slen, const char *topic, size_t tlen,
                       const void *payload, size_t plen, const msg_headers *h,
                       msg_proc *const *local, size_t nlocal)
{
    loop *l = arg;
    size_t at = 0;
    l->local_names[0] = 0;
    for (size_t i = 0; i < nlocal && at < sizeof l->local_names; i++)
        at += (size_t)snprintf(l->local_names + at, sizeof l->local_names - at, "%s ",
                               local[i]->name);
    atomic_fetch_add(&l->published, 1);
    /* B's subscribers "s" and "s2", less the names that got it here. */
    const char *names[2];
    uint8_t lens[2];
    size_t n = 0;
    if (!strstr(l->local_names, "s "))
        names[n] = "s", lens[n++] = 1;
    if (!strstr(l->local_names, "s2 "))
        names[n] = "s2", lens[n++] = 2;
    if (l->there)
        msg_remote_publish(l->there, sender, slen, topic, tlen, payload, plen, h, names, lens, n);
}

static void lp_consumed(void *arg, uint32_t origin)
{
    CHECK(origin == 1);
    atomic_fetch_add(&((loop *)arg)->consumed, 1);
    atomic_fetch_add(&loop_a.credit, 1); /* B's consumption gives A its credit back */
}

static void lp_changed(void *arg)
{
    atomic_fetch_add(&((loop *)arg)->changed, 1);
}

static const msg_lattice_ops loop_ops = {
    .resolve = lp_resolve,
    .reserve = lp_reserve,
    .unreserve = lp_unreserve,
    .post = lp_post,
    .forget = lp_forget,
    .publish = lp_publish,
    .consumed = lp_consumed,
    .changed = lp_changed,
};

static int callbacks(tproc *t)
{
    int n = 0;
    for (int i = 0; i < 4; i++)
        n += atomic_load(&t->callbacks[i]);
    return n;
}

int main(void)
{
    rt_timers *timers = rt_timers_new();
    rt_sched_options so = {.workers = 2, .timers = timers};
    rt_sched *sched = rt_sched_new(&so);
    msg_router_options ro = {.timers = timers, .max_message = 1024, .request_timeout_ms = 5000};
    msg_router *a = msg_router_new(sched, &ro), *b = msg_router_new(sched, &ro);
    loop_a.there = b;
    loop_a.back = a;
    atomic_init(&loop_a.credit, 2);
    msg_router_attach(a, &loop_ops, &loop_a);
    msg_router_attach(b, &loop_ops, &loop_b);

    tproc *p = tproc_new(a, "p"), *q = tproc_new(a, "q"), *s_a = tproc_new(a, "s");
    tproc *x = tproc_new(b, "x"), *s_b = tproc_new(b, "s"), *s2 = tproc_new(b, "s2");
    CHECK(atomic_load(&loop_a.changed) == 3); /* one per name registered on A */

    /* Sends reach the remote name in order, each holding a credit until
     * it has been handled there; with none left, EFULL and nothing sent. */
    gate(x, true);
    CHECK(as(p, J_SEND, "x", "0", 0) == WACTOR_OK);
    CHECK(as(p, J_SEND, "x", "1", 0) == WACTOR_OK);
    CHECK(as(p, J_SEND, "x", "2", 0) == WACTOR_EFULL);
    CHECK(as(p, J_SEND, "nowhere", "2", 0) == WACTOR_ENOTFOUND);
    gate(x, false);
    EVENTUALLY(atomic_load(&x->sends) == 2 && atomic_load(&loop_b.consumed) == 2);
    CHECK(atomic_load(&loop_a.credit) == 2);
    CHECK(strcmp(x->last_sender, "p") == 0);
    for (int i = 2; i < 50; i++) {
        char num[8];
        snprintf(num, sizeof num, "%d", i);
        while (as(p, J_SEND, "x", num, 0) == WACTOR_EFULL)
            nanosleep(&(struct timespec){0, 100000}, NULL); /* wait for a credit */
    }
    EVENTUALLY(atomic_load(&x->sends) == 50);
    CHECK(atomic_load(&x->order_ok) == 1);

    /* A request to a remote name: its answer, and one forget. */
    x->answer = true;
    EVENTUALLY(atomic_load(&loop_a.credit) == 2);
    int64_t id = as(p, J_REQUEST, "x", "ping", 0);
    CHECK(id > 0);
    EVENTUALLY(callbacks(p) == 1);
    CHECK(atomic_load(&p->callbacks[WACTOR_STATUS_OK]) == 1);
    CHECK(strcmp(p->last_callback, "pong") == 0);
    CHECK(atomic_load(&loop_a.forgets) == 1);

    /* A timeout ends it here (one forget); the late answer finds nothing. */
    x->answer = false;
    EVENTUALLY(atomic_load(&loop_a.credit) == 2);
    id = as(p, J_REQUEST, "x", "ping", 30);
    CHECK(id > 0);
    EVENTUALLY(atomic_load(&p->callbacks[WACTOR_STATUS_TIMEOUT]) == 1);
    CHECK(atomic_load(&loop_a.forgets) == 2);
    EVENTUALLY(atomic_load(&loop_a.credit) == 2);
    CHECK(as(p, J_SEND, "x", "answer", 0) == WACTOR_OK);
    CHECK(rt_wait_idle(sched, 5000) || true);
    EVENTUALLY(atomic_load(&x->sends) == 51);
    CHECK(callbacks(p) == 2);

    /* A cancel ends it too. (The loop does not carry the cancel to B, whose
     * record lasts until its timeout: kept short for the test's end.) */
    EVENTUALLY(atomic_load(&loop_a.credit) == 2);
    id = as(p, J_REQUEST, "x", "ping", 200);
    CHECK(id > 0);
    EVENTUALLY(atomic_load(&x->requests) == 3);
    CHECK(as(p, J_CANCEL, NULL, NULL, id) == WACTOR_OK);
    CHECK(atomic_load(&loop_a.forgets) == 3);

    /* A remote answer cannot settle a request to a process of this host. */
    id = as(p, J_REQUEST, "q", "ping", 0);
    CHECK(id > 0);
    EVENTUALLY(atomic_load(&q->requests) == 1);
    msg_remote_settle(a, id, WACTOR_STATUS_OK, "forged", 6, NULL);
    CHECK(callbacks(p) == 2);
    CHECK(as(p, J_SEND, "q", "answer", 0) == WACTOR_OK);
    EVENTUALLY(callbacks(p) == 3);
    CHECK(strcmp(p->last_callback, "late") == 0);
    CHECK(atomic_load(&loop_a.forgets) == 3);

    /* A publication: the names that got it here are not sent it again. */
    int changed = atomic_load(&loop_a.changed);
    CHECK(msg_subscribe(&s_a->proc, "t.*", 3) == WACTOR_OK);
    CHECK(atomic_load(&loop_a.changed) == changed + 1);
    CHECK(msg_subscribe(&s_a->proc, "t.*", 3) == WACTOR_OK); /* again: nothing changed */
    CHECK(atomic_load(&loop_a.changed) == changed + 1);
    CHECK(msg_subscribe(&s_b->proc, "t.>", 3) == WACTOR_OK);
    CHECK(msg_subscribe(&s2->proc, "t.>", 3) == WACTOR_OK);
    CHECK(as(p, J_PUBLISH, "t.1", "hi", 0) == WACTOR_OK);
    EVENTUALLY(atomic_load(&s_a->publications) == 1 && atomic_load(&s2->publications) == 1);
    CHECK(strcmp(loop_a.local_names, "s ") == 0);
    CHECK(rt_wait_idle(sched, 5000));
    CHECK(atomic_load(&s_b->publications) == 0);

    /* A lattice that leaves fails the requests it brought in: their
     * callbacks run then, not after it has gone. */
    EVENTUALLY(atomic_load(&loop_a.credit) == 2);
    int forgets = atomic_load(&loop_a.forgets);
    id = as(p, J_REQUEST, "x", "ping", 0);
    CHECK(id > 0);
    EVENTUALLY(atomic_load(&x->requests) == 4);
    msg_remote_fail_incoming(b, "host left");
    EVENTUALLY(atomic_load(&p->callbacks[WACTOR_STATUS_FAILED]) == 1);
    CHECK(strcmp(p->last_callback, "host left") == 0);
    CHECK(atomic_load(&loop_a.forgets) == forgets + 1);

    /* A process here with the name is preferred to the remote one. */
    tproc *x_a = tproc_new(a, "x");
    CHECK(as(p, J_SEND, "x", "0", 0) == WACTOR_OK);
    EVENTUALLY(atomic_load(&x_a->sends) == 1);
    CHECK(atomic_load(&x->sends) == 51);

    CHECK(rt_wait_idle(sched, 5000));
    msg_router_attach(a, NULL, NULL);
    msg_router_attach(b, NULL, NULL);
    tproc *all[] = {p, q, s_a, x, s_b, s2, x_a};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        msg_proc_stopped(&all[i]->proc, "test over");
    CHECK(rt_wait_idle(sched, 5000));
    rt_timers_free(timers);
    msg_router_shutdown(a);
    msg_router_shutdown(b);
    rt_sched_free(sched);
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        msg_proc_fini(&all[i]->proc);
        pthread_mutex_destroy(&all[i]->gate_lock);
        pthread_cond_destroy(&all[i]->gate_cond);
        free(all[i]);
    }
    msg_router_free(a);
    msg_router_free(b);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("router remote: all checks passed\n");
    return 0;
}
