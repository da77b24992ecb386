/*
 * front: answers each request by asking both workers in parallel and combining their answers:
 * "hello" becomes "a:HELLO|b:olleh". If a worker's answer is not OK, the requester gets ERROR
 * with the reason, and the other worker's request is cancelled.
 *
 * The answer is deferred: wactor_on_message only starts the fan-out, and the callback that
 * completes it responds. Fan-outs in flight are kept in a small table keyed by the requester's
 * correlation id; callbacks find theirs by the worker request's correlation id.
 */
#include <wactor.h>

#include <stdlib.h>

#define WORKERS 2
#define SLOTS 16

/* Each worker's label in the answer is its name's last token. */
static const char *const worker_names[WORKERS] = {"workers.a", "workers.b"};

struct fanout {
    int64_t requester;     /* the correlation id to answer; 0: the slot is free */
    int64_t req[WORKERS];  /* the request to each worker; 0 once it has answered */
    char *answer[WORKERS]; /* each worker's answer (malloc), NULL until it arrives */
    size_t len[WORKERS];
};

static struct fanout table[SLOTS];

/* Appends the NULL-terminated list of strings to buf, cutting them to fit with a NUL. */
static const char *join(char *buf, size_t cap, const char *const *parts)
{
    size_t at = 0;
    for (; *parts; parts++)
        for (const char *s = *parts; *s && at + 1 < cap; s++)
            buf[at++] = *s;
    buf[at] = '\0';
    return buf;
}

static const char *label(int w)
{
    return strrchr(worker_names[w], '.') + 1;
}

/* Withdraws the requests still pending, frees the answers, and frees the slot. */
static void release(struct fanout *f)
{
    for (int w = 0; w < WORKERS; w++) {
        if (f->req[w] > 0)
            wactor_cancel(f->req[w]);
        free(f->answer[w]);
    }
    memset(f, 0, sizeof *f);
}

static void fail(struct fanout *f, const char *why)
{
    wactor_log(WACTOR_LOG_WARN, why);
    wactor_respond_str(f->requester, WACTOR_STATUS_ERROR, why);
    release(f);
}

static struct fanout *find(int64_t req, int *worker)
{
    for (int i = 0; i < SLOTS; i++)
        for (int w = 0; w < WORKERS; w++)
            if (table[i].requester > 0 && table[i].req[w] == req) {
                *worker = w;
                return &table[i];
            }
    return NULL;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    (void)sender_len;
    if (corr <= 0) {
        wactor_log(WACTOR_LOG_WARN, "front: ignoring a message that is not a request");
        return 0;
    }

    struct fanout *f = NULL;
    for (int i = 0; i < SLOTS && f == NULL; i++)
        if (table[i].requester == 0)
            f = &table[i];
    if (f == NULL)
        return wactor_respond_str(corr, WACTOR_STATUS_ERROR, "front: too many requests") < 0;

    size_t len = (size_t)payload_len;
    char *text = malloc(len + 1);
    if (text == NULL)
        return wactor_respond_str(corr, WACTOR_STATUS_ERROR, "front: out of memory") < 0;
    wactor_msg_payload(text, len);

    f->requester = corr;
    for (int w = 0; w < WORKERS; w++) {
        int64_t req = wactor_request(worker_names[w], text, len, WACTOR_TIMEOUT_DEFAULT);
        if (req < 0) {
            char why[96];
            const char *parts[] = {"front: cannot ask ", worker_names[w], ": ",
                                   wactor_strerror(req), NULL};
            fail(f, join(why, sizeof why, parts));
            break;
        }
        f->req[w] = req;
    }
    free(text);
    return 0;
}

/* The combined answer "a:A|b:B", or NULL if out of memory. */
static char *combine(const struct fanout *f, size_t *len)
{
    size_t n = WORKERS - 1; /* the separators */
    for (int w = 0; w < WORKERS; w++)
        n += strlen(label(w)) + 1 + f->len[w];
    char *out = malloc(n), *p = out;
    if (out == NULL)
        return NULL;
    for (int w = 0; w < WORKERS; w++) {
        if (w > 0)
            *p++ = '|';
        size_t l = strlen(label(w));
        memcpy(p, label(w), l);
        p += l;
        *p++ = ':';
        memcpy(p, f->answer[w], f->len[w]);
        p += f->len[w];
    }
    *len = n;
    return out;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    int w;
    struct fanout *f = find(corr, &w);
    if (f == NULL)
        return 0; /* a fan-out that already failed */
    f->req[w] = 0;

    size_t len = (size_t)payload_len;
    if (status != WACTOR_STATUS_OK) {
        /* The payload of ERROR or FAILED is the worker's reason, if any. */
        char detail[128], why[192];
        wactor_msg_payload_str(detail, sizeof detail);
        const char *parts[] = {"front: ",
                               worker_names[w],
                               " answered ",
                               wactor_status_name(status),
                               detail[0] ? ": " : "",
                               detail,
                               NULL};
        fail(f, join(why, sizeof why, parts));
        return 0;
    }

    f->answer[w] = malloc(len + 1);
    if (f->answer[w] == NULL) {
        fail(f, "front: out of memory");
        return 0;
    }
    f->len[w] = len;
    wactor_msg_payload(f->answer[w], len);

    for (int i = 0; i < WORKERS; i++)
        if (f->answer[i] == NULL)
            return 0; /* still waiting */
    size_t n;
    char *out = combine(f, &n);
    if (out == NULL) {
        fail(f, "front: out of memory");
        return 0;
    }
    wactor_respond(f->requester, WACTOR_STATUS_OK, out, n);
    free(out);
    release(f);
    return 0;
}
