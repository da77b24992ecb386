/*
 * lat_agent: the component of the lattice tests (tests/lattice/lattice_test.sh), the lattice
 * example's smoke checks and the lattice benchmarks (bench/lattice). A shell script drives it
 * with `wactor call MANIFEST NAME "COMMAND ARGS"` and asserts on the answers, so everything it
 * observes is kept in counters that the `report` command returns as one line.
 *
 * Config: space-separated words. `tag=T` names this replica in its answers (several hosts may
 * run the same name); `sub=PATTERN` subscribes at start (repeatable).
 *
 * Messages from other components (told apart from commands by their prefix):
 *   n:K          fire-and-forget number K from the sender: counted per sender, and K must be
 *                the sender's previous K + 1 (else order_err is counted)
 *   p:K          a publication (also counted per topic)
 *   echo:X       request: answers OK "X@TAG"
 *   defer        request: kept; the `answer` command answers every kept one with OK "deferred@TAG"
 *   hang         request: never answered (for timeouts, cancels, lost hosts)
 *   err          request: answers ERROR "err@TAG"
 *   spin:MS      request: busy for MS milliseconds, then answers OK (a full mailbox meanwhile)
 * and `NAME REASON` from `@down` (a monitor's), counted in downs, the last kept in down.
 *
 * Commands (a request answers the result; a plain send just runs it):
 *   ping                  -> "pong@TAG"
 *   send T N [SIZE]       N fire-and-forget "n:K" to T, padded to SIZE bytes if given ->
 *                         "ok=.. efull=.. denied=.. notfound=.. toobig=.. other=.."
 *   req T N MS PAYLOAD    N requests (timeout MS, 0 = default), each tracked until its one
 *                         callback -> the same counts as send
 *   call T MS PAYLOAD     one request, answered when its callback comes: "STATUS payload"
 *                         ("EFULL" etc. at once if the request is refused)
 *   pub TOPIC N           N publications "p:K" -> counts as send
 *   sub PATTERN / unsub PATTERN -> "rc=R"
 *   answer                answers every deferred request -> "answered=N"
 *   cancel                cancels every tracked pending request -> "cancelled=N notfound=M"
 *   spin MS               busy for MS milliseconds -> "spun"
 *   monitor NAME          wactor_monitor -> "ref=R"; demonitor R -> "rc=RC"
 *   reset                 zeroes the counters (keeps each sender's last K) -> "reset"
 *   report                " tag=T recv=.. order_err=.. pubs=.. cb_ok=.. cb_error=.. cb_timeout=..
 *                         cb_failed=.. cb_unknown=.. pending=.. deferred=.. reason=.. first_ms=..
 *                         last_ms=.. downs=.. down=NAME_REASON senders=S:N,... topics=T:N,... "
 * (reason: the last FAILED or ERROR payload, spaces as '_'; cb_unknown: a callback for an id not
 *                         pending: a duplicate or stray, never expected)
 *   rr T N                bench: N requests "echo:x" one after another -> "rr=N ms=T" at the end
 *   ff T N                bench: up to N "n:K" to T in one go -> "ff=SENT efull=E t0=MS t1=MS"
 *                         (t1: the last send returned; the sink's report gives last_ms)
 */
#include <wactor.h>

#include <stdlib.h>

#define MAX_TRACK 65536
#define MAX_PEERS 32
#define MAX_DEFER 4096

static char tag[64] = "?";

/* Per-name tables: senders seen (with the last K) and targets sent to (with the next K). */
typedef struct {
    char name[WACTOR_NAME_MAX + 1];
    int64_t value;
    int64_t count;
} entry;

static entry senders[MAX_PEERS], targets[MAX_PEERS], topics[MAX_PEERS];
static int nsenders, ntargets, ntopics;

static int64_t recv_n, order_err, pubs, first_ms, last_ms;
static int64_t cb[4], cb_unknown;
static char reason[128] = "-";

/* Requests made by `req`, waiting for their one callback. */
static int64_t pending[MAX_TRACK];
static int npending;

static int64_t deferred[MAX_DEFER];
static int ndeferred;

/* `call`: the driver's request, answered when the relayed one settles. */
typedef struct {
    int64_t mine, driver;
} relay;
static relay relays[64];
static int nrelays;

/* `rr`: the bench's chain of requests. */
static char rr_target[WACTOR_NAME_MAX + 1];
static int64_t rr_driver, rr_corr, rr_left, rr_n, rr_t0;

static entry *lookup(entry *t, int *n, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    if (*n == MAX_PEERS)
        return &t[MAX_PEERS - 1];
    entry *e = &t[(*n)++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->value = 0;
    e->count = 0;
    return e;
}

static void spin(int64_t ms)
{
    int64_t end = wactor_now_ms() + ms;
    while (wactor_now_ms() < end) {
    }
}

/* Counts of return codes, answered by send, req and pub. */
typedef struct {
    int ok, efull, denied, notfound, toobig, other;
} tally;

static void count(tally *t, int64_t rc)
{
    if (rc >= 0)
        t->ok++;
    else if (rc == WACTOR_EFULL)
        t->efull++;
    else if (rc == WACTOR_EDENIED)
        t->denied++;
    else if (rc == WACTOR_ENOTFOUND)
        t->notfound++;
    else if (rc == WACTOR_ETOOBIG)
        t->toobig++;
    else
        t->other++;
}

static int answer(int64_t corr, const char *text)
{
    if (corr > 0)
        return wactor_respond_str(corr, WACTOR_STATUS_OK, text) < 0;
    return 0;
}

static int answer_tally(int64_t corr, const tally *t)
{
    char out[160];
    if (t->toobig)
        snprintf(out, sizeof out, "ok=%d efull=%d denied=%d notfound=%d toobig=%d other=%d", t->ok,
                 t->efull, t->denied, t->notfound, t->toobig, t->other);
    else
        snprintf(out, sizeof out, "ok=%d efull=%d denied=%d notfound=%d other=%d", t->ok, t->efull,
                 t->denied, t->notfound, t->other);
    return answer(corr, out);
}

static void set_reason(void)
{
    int32_t n = wactor_msg_payload(reason, sizeof reason - 1);
    if (n < 0)
        n = 0;
    if (n > (int32_t)sizeof reason - 1)
        n = sizeof reason - 1;
    reason[n] = '\0';
    for (int i = 0; i < n; i++)
        if (reason[i] == ' ' || reason[i] == '\n')
            reason[i] = '_';
    if (n == 0)
        strcpy(reason, "-");
}

static int64_t downs;
static char down[WACTOR_NAME_MAX + 64] = "-";

static void report(char *out, size_t cap)
{
    size_t k = (size_t)snprintf(
        out, cap,
        " tag=%s recv=%lld order_err=%lld pubs=%lld cb_ok=%lld cb_error=%lld cb_timeout=%lld"
        " cb_failed=%lld cb_unknown=%lld pending=%d deferred=%d reason=%s first_ms=%lld"
        " last_ms=%lld downs=%lld down=%s senders=",
        tag, (long long)recv_n, (long long)order_err, (long long)pubs, (long long)cb[0],
        (long long)cb[1], (long long)cb[2], (long long)cb[3], (long long)cb_unknown, npending,
        ndeferred, reason, (long long)first_ms, (long long)last_ms, (long long)downs, down);
    for (int i = 0; i < nsenders && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s:%lld", i ? "," : "", senders[i].name,
                              (long long)senders[i].count);
    if (k < cap)
        k += (size_t)snprintf(out + k, cap - k, " topics=");
    for (int i = 0; i < ntopics && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s:%lld", i ? "," : "", topics[i].name,
                              (long long)topics[i].count);
    if (k < cap)
        snprintf(out + k, cap - k, " ");
}

/* Counts go to zero; each sender's last K stays, so order is still checked across a reset. */
static void reset(void)
{
    for (int i = 0; i < nsenders; i++)
        senders[i].count = 0;
    ntopics = 0;
    recv_n = order_err = pubs = first_ms = last_ms = cb_unknown = 0;
    memset(cb, 0, sizeof cb);
    strcpy(reason, "-");
}

static const char *status_word(int32_t status)
{
    switch (status) {
    case WACTOR_STATUS_OK:
        return "OK";
    case WACTOR_STATUS_ERROR:
        return "ERROR";
    case WACTOR_STATUS_TIMEOUT:
        return "TIMEOUT";
    default:
        return "FAILED";
    }
}

static const char *code_word(int64_t rc)
{
    switch (rc) {
    case WACTOR_EINVAL:
        return "EINVAL";
    case WACTOR_EDENIED:
        return "EDENIED";
    case WACTOR_ENOTFOUND:
        return "ENOTFOUND";
    case WACTOR_EFULL:
        return "EFULL";
    case WACTOR_ETOOBIG:
        return "ETOOBIG";
    default:
        return "E?";
    }
}

/* A command: words in cmd (NUL-terminated, modified). */
/* The bench's messages: FF_SIZE bytes, as natsbench's raw publications,
 * "n:K" then spaces (the receiver reads K). Written by hand: snprintf in the
 * interpreter costs several times the send it prepares. */
#define FF_SIZE 16
static void ff_payload(char *p, int64_t k)
{
    char digits[20];
    int n = 0;
    do
        digits[n++] = (char)('0' + k % 10);
    while ((k /= 10) > 0 && n < (int)sizeof digits);
    memset(p, ' ', FF_SIZE);
    p[0] = 'n';
    p[1] = ':';
    for (int i = 0; i < n && 2 + i < FF_SIZE; i++)
        p[2 + i] = digits[n - 1 - i];
}

static int command(int64_t corr, char *cmd)
{
    char *save = NULL;
    char *verb = strtok_r(cmd, " ", &save);
    char *a1 = strtok_r(NULL, " ", &save);
    char *a2 = strtok_r(NULL, " ", &save);
    char *a3 = strtok_r(NULL, " ", &save);
    char *a4 = strtok_r(NULL, "", &save);
    char out[4096];
    tally t = {0};
    if (verb == NULL)
        return 1;
    if (strcmp(verb, "ping") == 0) {
        snprintf(out, sizeof out, "pong@%s", tag);
        return answer(corr, out);
    }
    if (strcmp(verb, "send") == 0 && a2 != NULL) {
        entry *e = lookup(targets, &ntargets, a1);
        long n = atol(a2);
        static char p[1 << 20];
        size_t size = a3 ? (size_t)atol(a3) : 0;
        if (size > sizeof p)
            size = sizeof p;
        for (long i = 0; i < n; i++) {
            size_t len = (size_t)snprintf(p, 32, "n:%lld", (long long)e->value + 1);
            if (size > len) { /* "n:K " then padding: the receiver reads K */
                memset(p + len, ' ', size - len);
                len = size;
            }
            int32_t rc = wactor_send(a1, p, len);
            if (rc >= 0)
                e->value++;
            count(&t, rc);
        }
        return answer_tally(corr, &t);
    }
    if (strcmp(verb, "req") == 0 && a3 != NULL) {
        long n = atol(a2);
        int32_t ms = (int32_t)atol(a3);
        const char *payload = a4 ? a4 : "echo:x";
        for (long i = 0; i < n; i++) {
            int64_t rc = wactor_request_str(a1, payload, ms);
            if (rc > 0 && npending < MAX_TRACK)
                pending[npending++] = rc;
            count(&t, rc);
        }
        return answer_tally(corr, &t);
    }
    if (strcmp(verb, "call") == 0 && a2 != NULL && corr > 0) {
        const char *payload = a3 ? a3 : "echo:x";
        char full[1024];
        if (a3 && a4) { /* the payload may hold spaces */
            snprintf(full, sizeof full, "%s %s", a3, a4);
            payload = full;
        }
        int64_t rc = wactor_request_str(a1, payload, (int32_t)atol(a2));
        if (rc < 0)
            return answer(corr, code_word(rc));
        if (nrelays < 64)
            relays[nrelays++] = (relay){rc, corr};
        return 0;
    }
    if (strcmp(verb, "pub") == 0 && a2 != NULL) {
        long n = atol(a2);
        for (long i = 0; i < n; i++) {
            char p[32];
            snprintf(p, sizeof p, "p:%ld", i + 1);
            count(&t, wactor_publish_str(a1, p));
        }
        return answer_tally(corr, &t);
    }
    if ((strcmp(verb, "sub") == 0 || strcmp(verb, "unsub") == 0) && a1 != NULL) {
        int32_t rc = verb[0] == 's' ? wactor_subscribe(a1) : wactor_unsubscribe(a1);
        snprintf(out, sizeof out, "rc=%d", rc);
        return answer(corr, out);
    }
    if (strcmp(verb, "answer") == 0) {
        int n = ndeferred;
        char text[80];
        snprintf(text, sizeof text, "deferred@%s", tag);
        for (int i = 0; i < ndeferred; i++)
            wactor_respond_str(deferred[i], WACTOR_STATUS_OK, text);
        ndeferred = 0;
        snprintf(out, sizeof out, "answered=%d", n);
        return answer(corr, out);
    }
    if (strcmp(verb, "cancel") == 0) {
        int done = 0, missing = 0;
        for (int i = 0; i < npending; i++) {
            if (wactor_cancel(pending[i]) == WACTOR_OK)
                done++;
            else
                missing++;
        }
        npending = 0;
        snprintf(out, sizeof out, "cancelled=%d notfound=%d", done, missing);
        return answer(corr, out);
    }
    if (strcmp(verb, "spin") == 0 && a1 != NULL) {
        spin(atol(a1));
        return answer(corr, "spun");
    }
    if (strcmp(verb, "monitor") == 0 && a1 != NULL) {
        snprintf(out, sizeof out, "ref=%lld", (long long)wactor_monitor(a1));
        return answer(corr, out);
    }
    if (strcmp(verb, "demonitor") == 0 && a1 != NULL) {
        snprintf(out, sizeof out, "rc=%d", (int)wactor_demonitor(atoll(a1)));
        return answer(corr, out);
    }
    if (strcmp(verb, "reset") == 0) {
        reset();
        return answer(corr, "reset");
    }
    if (strcmp(verb, "report") == 0) {
        report(out, sizeof out);
        return answer(corr, out);
    }
    if (strcmp(verb, "rr") == 0 && a2 != NULL && corr > 0) {
        snprintf(rr_target, sizeof rr_target, "%s", a1);
        rr_n = rr_left = atol(a2);
        rr_driver = corr;
        rr_t0 = wactor_now_ms();
        rr_corr = wactor_request_str(rr_target, "echo:x", 0);
        if (rr_corr < 0)
            return answer(corr, code_word(rr_corr));
        return 0;
    }
    if (strcmp(verb, "ff") == 0 && a2 != NULL) {
        entry *e = lookup(targets, &ntargets, a1);
        long n = atol(a2);
        int64_t t0 = wactor_now_ms();
        long sent = 0, full = 0;
        for (long i = 0; i < n; i++) {
            char p[FF_SIZE];
            ff_payload(p, e->value + 1);
            int32_t rc = wactor_send(a1, p, sizeof p);
            if (rc < 0) {
                full++;
                break; /* out of credit: what was sent is the figure */
            }
            e->value++;
            sent++;
        }
        snprintf(out, sizeof out, "ff=%ld efull=%ld t0=%lld t1=%lld", sent, full, (long long)t0,
                 (long long)wactor_now_ms());
        return answer(corr, out);
    }
    return 1;
}

WACTOR_INIT()
{
    char conf[1024];
    int32_t n = wactor_config_str(conf, sizeof conf);
    if (n < 0)
        return 0;
    char *save = NULL;
    for (char *w = strtok_r(conf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (strncmp(w, "tag=", 4) == 0)
            snprintf(tag, sizeof tag, "%s", w + 4);
        else if (strncmp(w, "sub=", 4) == 0 && wactor_subscribe(w + 4) < 0)
            return 1;
    }
    return 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    static char buf[65536 + 1];
    int32_t n = wactor_msg_payload(buf, sizeof buf - 1);
    if (n < 0)
        return 1;
    if (n > (int32_t)sizeof buf - 1)
        n = sizeof buf - 1;
    buf[n] = '\0';
    (void)payload_len;

    char sender[WACTOR_NAME_MAX + 1];
    if (wactor_msg_sender_str(sender, sizeof sender) > 0 && strcmp(sender, "@down") == 0) {
        downs++;
        snprintf(down, sizeof down, "%s", buf);
        for (char *c = down; *c; c++)
            if (*c == ' ')
                *c = '_';
        return 0;
    }
    char topic[WACTOR_NAME_MAX + 1];
    if (wactor_msg_topic_str(topic, sizeof topic) > 0) {
        pubs++;
        lookup(topics, &ntopics, topic)->count++;
        return 0;
    }
    if (strncmp(buf, "n:", 2) == 0) {
        char sender[WACTOR_NAME_MAX + 1];
        wactor_msg_sender_str(sender, sizeof sender);
        entry *e = lookup(senders, &nsenders, sender);
        int64_t k = atoll(buf + 2);
        if (k != e->value + 1)
            order_err++;
        e->value = k;
        e->count++;
        recv_n++;
        last_ms = wactor_now_ms();
        if (first_ms == 0)
            first_ms = last_ms;
        return 0;
    }
    if (strncmp(buf, "echo:", 5) == 0) {
        char out[1100];
        snprintf(out, sizeof out, "%.1000s@%s", buf + 5, tag);
        return wactor_respond_str(corr, WACTOR_STATUS_OK, out) < 0;
    }
    if (strcmp(buf, "defer") == 0) {
        if (ndeferred < MAX_DEFER)
            deferred[ndeferred++] = corr;
        return 0;
    }
    if (strcmp(buf, "hang") == 0)
        return 0;
    if (strcmp(buf, "err") == 0) {
        char out[80];
        snprintf(out, sizeof out, "err@%s", tag);
        return wactor_respond_str(corr, WACTOR_STATUS_ERROR, out) < 0;
    }
    if (strncmp(buf, "spin:", 5) == 0) {
        spin(atol(buf + 5));
        return corr > 0 && wactor_respond_str(corr, WACTOR_STATUS_OK, "spun") < 0;
    }
    return command(corr, buf);
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    (void)payload_len;
    if (corr == rr_corr && rr_driver > 0) {
        if (--rr_left > 0 && status == WACTOR_STATUS_OK) {
            rr_corr = wactor_request_str(rr_target, "echo:x", 0);
            if (rr_corr > 0)
                return 0;
        }
        char out[96];
        snprintf(out, sizeof out, "rr=%lld ms=%lld status=%s", (long long)(rr_n - rr_left),
                 (long long)(wactor_now_ms() - rr_t0), status_word(status));
        wactor_respond_str(rr_driver, WACTOR_STATUS_OK, out);
        rr_driver = 0;
        return 0;
    }
    for (int i = 0; i < nrelays; i++) {
        if (relays[i].mine != corr)
            continue;
        char p[1024], out[1100];
        int32_t len = wactor_msg_payload(p, sizeof p - 1);
        if (len < 0)
            len = 0;
        if (len > (int32_t)sizeof p - 1)
            len = sizeof p - 1;
        p[len] = '\0';
        snprintf(out, sizeof out, "%s %s", status_word(status), p);
        wactor_respond_str(relays[i].driver, WACTOR_STATUS_OK, out);
        relays[i] = relays[--nrelays];
        return 0;
    }
    for (int i = 0; i < npending; i++) {
        if (pending[i] != corr)
            continue;
        pending[i] = pending[--npending];
        if (status >= 0 && status <= 3)
            cb[status]++;
        if (status == WACTOR_STATUS_FAILED || status == WACTOR_STATUS_ERROR)
            set_reason();
        return 0;
    }
    cb_unknown++;
    return 0;
}
