/*
 * e2e_agent: the scriptable component of the end-to-end tests (tests/e2e/e2e_test.c).
 *
 * What it does is driven by the payloads it receives. A payload starting with '!' is a command
 * (from any sender); when it comes as a request, the agent answers it with the command's result
 * (OK status, text), unless the command defers or fails the answer. Everything else is data:
 * recorded, and a request is answered according to the mode (echo, hold, error, fail, trap).
 *
 * The record is a text log in the agent's own memory, one event a line:
 *
 *   msg SENDER CORR TOPIC PAYLOAD   a message (TOPIC "-" when msg_topic gave 0)
 *   cb CORR STATUS SENDER PAYLOAD   a callback
 *   rc OP VALUE                     the result of a call a command made
 *
 * PAYLOAD is "-" when empty, lowercase hex up to 64 bytes, else "#LEN:FNV" (FNV-1a 32, hex).
 * Commands from @host are not recorded as messages; commands from components are.
 *
 * Command arguments are separated by single spaces; the last one, a payload, is the rest of the
 * line: "x:HEX" (bytes), "gen:N" (N bytes, byte i = i * 7 + 3), or literal text.
 *
 *   !send T P             !sendn T K P          !request T MS P       !requestn T K MS P
 *   !publish TOPIC P      !publishn TOPIC K P   !subscribe PAT        !unsubscribe PAT
 *   !cancel ID|last
 *   !respond ID ST P      !answer ST P          (every held request, in order)
 *   !mode M               echo|hold|error|fail|cbtrap (how data requests are handled)
 *   !relay T P            as a request: asks T with P, answers "relayed:" + T's answer later
 *   !report  !clear  !count  !init  !secret TEXT  !peek  !badargs  !fail  !trap  !selftrap K
 *   !exit CODE            !spin N (a loop)      !recurse N (frames)   !grow PAGES
 *   !blast N BATCH MS     !more                 !bstats               (the concurrency test)
 *
 * Config (space-separated): mode=M, witness=NAME (wactor_on_shutdown sends it a line),
 * peers=A,B,... (the blast group), quiet (no msg records), initfail, inittrap.
 */
#include <wactor.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>

#define LOG_CAP (256 * 1024)
#define MAX_HELD 1024
#define MAX_RELAY 64
#define MAX_PEERS 8
#define ANSWER_CAP 8192

static char self[WACTOR_NAME_MAX + 1];
static char mode[16] = "echo";
static char witness[WACTOR_NAME_MAX + 1];
static bool quiet;
static char logbuf[LOG_CAP];
static size_t loglen;
static int32_t init_codes[3];
static uint32_t nmessages; /* wactor_on_message calls since this instance started */
static int64_t held[MAX_HELD];
static int nheld;
static struct {
    int64_t out, in;
} relays[MAX_RELAY];
static int64_t last_request;
static char secret[32];

/* ---- the record --------------------------------------------------------- */

static void put(const char *s, size_t n)
{
    if (loglen + n <= LOG_CAP) {
        memcpy(logbuf + loglen, s, n);
        loglen += n;
    }
}

__attribute__((format(printf, 1, 2))) static void putf(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* The PAYLOAD form above, into out (at least 140 bytes). */
static const char *repr(char *out, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (n == 0)
        return "-";
    if (n > 64) {
        snprintf(out, 140, "#%u:%08x", (unsigned)n, (unsigned)fnv1a(p, n));
        return out;
    }
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * n] = 0;
    return out;
}

/* ---- arguments ---------------------------------------------------------- */

/* Splits off the first space-separated token of *s (NULL if none). */
static char *token(char **s)
{
    char *t = *s;
    if (t == NULL || *t == 0)
        return NULL;
    char *sp = strchr(t, ' ');
    if (sp) {
        *sp = 0;
        *s = sp + 1;
    } else {
        *s = t + strlen(t);
    }
    return t;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes a payload argument in place or into a fresh buffer (*owned, free it). */
static const uint8_t *payload_arg(char *s, size_t *len, uint8_t **owned)
{
    *owned = NULL;
    if (s == NULL) {
        *len = 0;
        return (const uint8_t *)"";
    }
    if (strncmp(s, "x:", 2) == 0) {
        size_t n = 0;
        for (char *h = s + 2; h[0] && h[1]; h += 2)
            s[n++] = (char)(hexval(h[0]) * 16 + hexval(h[1]));
        *len = n;
        return (const uint8_t *)s;
    }
    if (strncmp(s, "gen:", 4) == 0) {
        size_t n = strtoul(s + 4, NULL, 10);
        uint8_t *b = malloc(n ? n : 1);
        for (size_t i = 0; b && i < n; i++)
            b[i] = (uint8_t)(i * 7 + 3);
        *owned = b;
        *len = b ? n : 0;
        return b;
    }
    *len = strlen(s);
    return (const uint8_t *)s;
}

/* ---- the answer to a command -------------------------------------------- */

static char answer[ANSWER_CAP];
static size_t answer_len;

__attribute__((format(printf, 1, 2))) static void answerf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(answer + answer_len, sizeof answer - answer_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        answer_len +=
            (size_t)n < sizeof answer - answer_len ? (size_t)n : sizeof answer - answer_len - 1;
}

/* Records and answers the result of one call. */
static void result(const char *op, int64_t rc)
{
    putf("rc %s %lld\n", op, (long long)rc);
    answerf("%s%lld", answer_len ? " " : "", (long long)rc);
}

/* ---- bad arguments (the battery of `!badargs`) ---------------------------- */

#define PTR(a) ((void *)(uintptr_t)(a))

static void bad(const char *name, int64_t rc)
{
    putf("bad %s %lld\n", name, (long long)rc);
    answerf("bad %s %lld\n", name, (long long)rc);
}

static void badargs(int64_t corr, size_t payload_len)
{
    uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
    static char n255[255], n256[256];
    memset(n255, 'a', sizeof n255);
    memset(n256, 'a', sizeof n256);
    const char *ok = "B";

    /* send: ranges */
    bad("send_target_oob", wactor_import_send(PTR(end), 1, "x", 1));
    bad("send_target_past", wactor_import_send(PTR(end + 16), 1, "x", 1));
    bad("send_target_cross", wactor_import_send(PTR(end - 2), 4, "x", 1));
    bad("send_target_neg", wactor_import_send(ok, -1, "x", 1));
    bad("send_target_huge", wactor_import_send(ok, 0x7fffffff, "x", 1));
    bad("send_payload_oob", wactor_import_send(ok, 1, PTR(end), 1));
    bad("send_payload_cross", wactor_import_send(ok, 1, PTR(end - 10), 11));
    bad("send_payload_neg", wactor_import_send(ok, 1, "x", -1));
    bad("send_payload_minus5", wactor_import_send(ok, 1, "x", -5));
    bad("send_payload_huge", wactor_import_send(ok, 1, "x", 0x7fffffff));
    bad("send_payload_wrap", wactor_import_send(ok, 1, PTR(0xfffffff0u), 0x20));
    bad("send_payload_top", wactor_import_send(ok, 1, PTR(0xffffffffu), 1));
    /* send: names */
    bad("send_name_empty", wactor_import_send(ok, 0, "x", 1));
    bad("send_name_256", wactor_import_send(n256, 256, "x", 1));
    bad("send_name_255", wactor_import_send(n255, 255, "x", 1)); /* valid: ENOTFOUND */
    bad("send_name_dotdot", wactor_import_send("a..b", 4, "x", 1));
    bad("send_name_star", wactor_import_send("a.*", 3, "x", 1));
    bad("send_name_tail", wactor_import_send("a.>", 3, "x", 1));
    bad("send_name_lead", wactor_import_send(".a", 2, "x", 1));
    bad("send_name_trail", wactor_import_send("a.", 2, "x", 1));
    bad("send_name_space", wactor_import_send("a b", 3, "x", 1));
    bad("send_name_nul", wactor_import_send("B\0", 2, "x", 1));
    bad("send_name_host", wactor_import_send("@host", 5, "x", 1));
    bad("send_name_utf8", wactor_import_send("\xc3\xa9", 2, "x", 1));
    /* request */
    bad("request_target_oob", wactor_import_request(PTR(end), 1, "x", 1, 0));
    bad("request_target_neg", wactor_import_request(ok, -1, "x", 1, 0));
    bad("request_payload_cross", wactor_import_request(ok, 1, PTR(end - 1), 2, 0));
    bad("request_payload_neg", wactor_import_request(ok, 1, "x", -1, 0));
    bad("request_payload_huge", wactor_import_request(ok, 1, "x", 0x7fffffff, 0));
    bad("request_name_empty", wactor_import_request(ok, 0, "x", 1, 0));
    bad("request_name_star", wactor_import_request("a.*", 3, "x", 1, 0));
    bad("request_name_256", wactor_import_request(n256, 256, "x", 1, 0));
    /* publish, subscribe, unsubscribe */
    bad("publish_topic_star", wactor_import_publish("a.*", 3, "x", 1));
    bad("publish_topic_tail", wactor_import_publish("a.>", 3, "x", 1));
    bad("publish_topic_empty", wactor_import_publish("a", 0, "x", 1));
    bad("publish_topic_oob", wactor_import_publish(PTR(end), 3, "x", 1));
    bad("publish_payload_neg", wactor_import_publish("a", 1, "x", -1));
    bad("publish_payload_cross", wactor_import_publish("a", 1, PTR(end - 1), 2));
    bad("subscribe_dotdot", wactor_import_subscribe("a..b", 4));
    bad("subscribe_tail_middle", wactor_import_subscribe("a.>.b", 5));
    bad("subscribe_partial_star", wactor_import_subscribe("a*", 2));
    bad("subscribe_empty", wactor_import_subscribe("a", 0));
    bad("subscribe_neg", wactor_import_subscribe("a", -1));
    bad("subscribe_oob", wactor_import_subscribe(PTR(end - 1), 2));
    bad("unsubscribe_dotdot", wactor_import_unsubscribe("a..b", 4));
    bad("unsubscribe_oob", wactor_import_unsubscribe(PTR(end), 1));
    bad("unsubscribe_absent", wactor_import_unsubscribe("a.b", 3)); /* valid: ENOTFOUND */
    /* respond: the current request stays answerable after each of these */
    bad("respond_status_2", wactor_import_respond(corr, 2, "x", 1));
    bad("respond_status_neg", wactor_import_respond(corr, -1, "x", 1));
    bad("respond_payload_oob", wactor_import_respond(corr, 0, PTR(end), 1));
    bad("respond_payload_neg", wactor_import_respond(corr, 0, "x", -1));
    bad("respond_unknown_status_7", wactor_import_respond(123456789, 7, "x", 1));
    bad("respond_unknown", wactor_import_respond(123456789, 0, "x", 1));
    bad("respond_zero", wactor_import_respond(0, 0, "x", 1));
    bad("cancel_zero", wactor_import_cancel(0));
    bad("cancel_neg", wactor_import_cancel(-5));
    /* log */
    bad("log_level_5", wactor_import_log(5, "x", 1));
    bad("log_level_neg", wactor_import_log(-1, "x", 1));
    bad("log_oob", wactor_import_log(2, PTR(end - 1), 2));
    bad("log_neg", wactor_import_log(2, "x", -1));
    /* copy-out: full length back, min(cap, len) copied, the whole cap range checked */
    char buf[16];
    size_t self_len = strlen(self);
    memset(buf, '#', sizeof buf);
    bad("self_name_cap0", wactor_import_self_name(buf, 0));
    bad("self_name_cap0_untouched", buf[0] == '#');
    bad("self_name_cap1", wactor_import_self_name(buf, 1));
    bad("self_name_cap1_copied", buf[0] == self[0] && buf[1] == '#');
    memset(buf, '#', sizeof buf);
    bad("self_name_full", wactor_import_self_name(buf, sizeof buf));
    bad("self_name_full_copied", memcmp(buf, self, self_len) == 0 && buf[self_len] == '#');
    bad("self_name_cap_cross", wactor_import_self_name(PTR(end - self_len - 1), 16));
    bad("self_name_cap_neg", wactor_import_self_name(buf, -1));
    bad("self_name_past_cap0", wactor_import_self_name(PTR(end + 100), 0));
    bad("self_name_at_end", wactor_import_self_name(PTR(end - self_len), (int32_t)self_len));
    bad("config_cap_cross", wactor_import_config(PTR(end - 1), 64));
    bad("msg_payload_cap0", wactor_import_msg_payload(buf, 0));
    bad("msg_payload_len", (int64_t)payload_len);
    memset(buf, '#', sizeof buf);
    bad("msg_payload_cap3", wactor_import_msg_payload(buf, 3));
    bad("msg_payload_cap3_copied", memcmp(buf, "!ba", 3) == 0 && buf[3] == '#');
    bad("msg_payload_cross", wactor_import_msg_payload(PTR(end - 2), 100));
    bad("msg_payload_neg", wactor_import_msg_payload(buf, -1));
    bad("msg_sender_cap0", wactor_import_msg_sender(buf, 0));
    bad("msg_sender_cross", wactor_import_msg_sender(PTR(end - 1), 8));
    bad("msg_topic_direct", wactor_import_msg_topic(buf, sizeof buf));
    bad("msg_topic_cross", wactor_import_msg_topic(PTR(end - 2), 10)); /* len 0, cap range bad */
    /* the control: well-formed calls work */
    bad("send_ok", wactor_send_str(ok, "after-bad"));
}

/* ---- the concurrency test ("blast") --------------------------------------
 * Each agent of the group sends N messages and N requests to each other one, interleaved, in
 * batches (a self-sent "!more" continues). Payloads: 0x01 'Z' FROM KIND SEQ(4, LE) where SEQ
 * counts per (sender, receiver) pair over both kinds; answers 0x01 'Y' RESPONDER 0 SEQ. The
 * receiver checks the pair order, the requester matches each callback with its request. */

static int npeers, me = -1;
static char peers[MAX_PEERS][WACTOR_NAME_MAX + 1];
static uint32_t b_n, b_batch;
static int32_t b_timeout;
static uint32_t out_send[MAX_PEERS], out_req[MAX_PEERS], out_seq[MAX_PEERS], in_expect[MAX_PEERS];
static uint32_t last_cb_seq[MAX_PEERS];
static bool any_cb[MAX_PEERS];
struct pend {
    int64_t corr; /* 0 once settled */
    uint32_t seq;
};
static struct pend *fifo[MAX_PEERS];
static uint32_t fifo_head[MAX_PEERS], fifo_len[MAX_PEERS];
static uint32_t st_sent, st_reqs, st_send_err, st_req_err, st_recv_msg, st_recv_req, st_order_err,
    st_sender_err, st_kind_err, st_respond_err, st_cb_ok, st_cb_other, st_cb_unknown,
    st_cb_order_err, st_cb_payload_err, st_self, st_self_err, st_first_err;

static void note_err(int64_t rc)
{
    if (st_first_err == 0)
        st_first_err = (uint32_t)-rc;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void blast_batch(void)
{
    bool more = false;
    for (int p = 0; p < npeers; p++) {
        if (p == me)
            continue;
        for (uint32_t i = 0; i < b_batch; i++) {
            uint8_t msg[8] = {1, 'Z', (uint8_t)me, 0};
            if (out_send[p] < b_n) {
                put_u32(msg + 4, out_seq[p]++);
                int32_t rc = wactor_send(peers[p], msg, sizeof msg);
                out_send[p]++;
                if (rc == 0)
                    st_sent++;
                else
                    st_send_err++, note_err(rc);
            }
            if (out_req[p] < b_n) {
                msg[3] = 1;
                uint32_t seq = out_seq[p]++;
                put_u32(msg + 4, seq);
                int64_t id = wactor_request(peers[p], msg, sizeof msg, b_timeout);
                out_req[p]++;
                if (id > 0) {
                    st_reqs++;
                    fifo[p][fifo_len[p]++] = (struct pend){id, seq};
                } else {
                    st_req_err++, note_err(id);
                }
            }
        }
        if (out_send[p] < b_n || out_req[p] < b_n)
            more = true;
    }
    if (more) {
        int32_t rc = wactor_send_str(self, "!more");
        if (rc == 0)
            st_self++;
        else
            st_self_err++, note_err(rc);
    }
}

static void blast_start(uint32_t n, uint32_t batch, int32_t timeout)
{
    b_n = n;
    b_batch = batch ? batch : 1;
    b_timeout = timeout;
    for (int p = 0; p < npeers; p++)
        if (p != me && (fifo[p] = calloc(n ? n : 1, sizeof *fifo[p])) == NULL)
            __builtin_trap();
    blast_batch();
}

static void blast_receive(const uint8_t *m, int64_t corr)
{
    int from = m[2];
    uint32_t seq = get_u32(m + 4);
    char sender[WACTOR_NAME_MAX + 1];
    wactor_msg_sender_str(sender, sizeof sender);
    if (from >= npeers || strcmp(sender, peers[from]) != 0) {
        st_sender_err++;
        return;
    }
    if ((corr > 0) != (m[3] == 1))
        st_kind_err++;
    if (seq != in_expect[from])
        st_order_err++;
    in_expect[from] = seq + 1;
    if (corr > 0) {
        st_recv_req++;
        uint8_t ans[8] = {1, 'Y', (uint8_t)me, 0};
        put_u32(ans + 4, seq);
        if (wactor_respond(corr, WACTOR_STATUS_OK, ans, sizeof ans) != 0)
            st_respond_err++;
    } else {
        st_recv_msg++;
    }
}

/* Settles corr in peer p's list: true if it was there and not settled yet. */
static bool settle_pending(int p, int64_t corr, uint32_t *seq, bool *in_order)
{
    uint32_t h = fifo_head[p];
    *in_order = h < fifo_len[p] && fifo[p][h].corr == corr;
    for (uint32_t i = h; i < fifo_len[p]; i++) {
        if (fifo[p][i].corr == corr) {
            fifo[p][i].corr = 0;
            *seq = fifo[p][i].seq;
            while (fifo_head[p] < fifo_len[p] && fifo[p][fifo_head[p]].corr == 0)
                fifo_head[p]++;
            return true;
        }
    }
    return false;
}

static void blast_callback(int64_t corr, int32_t status, const uint8_t *m, size_t len)
{
    uint32_t seq = 0;
    bool in_order = false;
    if (status == WACTOR_STATUS_OK && len == 8 && m[0] == 1 && m[1] == 'Y' && m[2] < npeers) {
        int p = m[2];
        char sender[WACTOR_NAME_MAX + 1];
        wactor_msg_sender_str(sender, sizeof sender);
        if (strcmp(sender, peers[p]) != 0)
            st_sender_err++;
        if (!settle_pending(p, corr, &seq, &in_order)) {
            st_cb_unknown++;
            return;
        }
        st_cb_ok++;
        if (!in_order || (any_cb[p] && seq <= last_cb_seq[p]))
            st_cb_order_err++;
        if (seq != get_u32(m + 4))
            st_cb_payload_err++;
        last_cb_seq[p] = seq;
        any_cb[p] = true;
        return;
    }
    st_cb_other++;
    for (int p = 0; p < npeers; p++)
        if (p != me && settle_pending(p, corr, &seq, &in_order))
            return;
    st_cb_unknown++;
}

static void blast_stats(void)
{
    uint32_t outstanding = 0;
    for (int p = 0; p < npeers; p++)
        if (p != me)
            for (uint32_t i = fifo_head[p]; i < fifo_len[p]; i++)
                outstanding += fifo[p][i].corr != 0;
    answerf("sent=%u reqs=%u send_err=%u req_err=%u recv_msg=%u recv_req=%u order_err=%u "
            "sender_err=%u kind_err=%u respond_err=%u cb_ok=%u cb_other=%u cb_unknown=%u "
            "cb_order_err=%u cb_payload_err=%u outstanding=%u self=%u self_err=%u first_err=%u",
            st_sent, st_reqs, st_send_err, st_req_err, st_recv_msg, st_recv_req, st_order_err,
            st_sender_err, st_kind_err, st_respond_err, st_cb_ok, st_cb_other, st_cb_unknown,
            st_cb_order_err, st_cb_payload_err, outstanding, st_self, st_self_err, st_first_err);
}

/* ---- commands ----------------------------------------------------------- */

/* Uses one frame per level (the compiler cannot fold it into a loop). */
__attribute__((noinline)) static uint32_t recurse(uint32_t n)
{
    volatile uint32_t keep = n;
    return n == 0 ? 0 : recurse(n - 1) + keep - n + 1;
}

enum { ANSWERED, DEFERRED, FAILED };

static int64_t id_arg(const char *s)
{
    return s && strcmp(s, "last") == 0 ? last_request : s ? strtoll(s, NULL, 10) : 0;
}

static int command(char *line, size_t payload_len, int64_t corr)
{
    char *rest = line + 1;
    char *op = token(&rest);
    if (op == NULL)
        return FAILED;
    uint8_t *owned = NULL;
    size_t plen;
    const uint8_t *p;
    int outcome = ANSWERED;

    if (strcmp(op, "send") == 0) {
        char *t = token(&rest);
        p = payload_arg(rest, &plen, &owned);
        result("send", wactor_send(t ? t : "", p, plen));
    } else if (strcmp(op, "sendn") == 0) {
        char *t = token(&rest), *k = token(&rest);
        p = payload_arg(rest, &plen, &owned);
        for (int i = 0, n = k ? atoi(k) : 0; i < n; i++)
            result("send", wactor_send(t ? t : "", p, plen));
    } else if (strcmp(op, "requestn") == 0) {
        char *t = token(&rest), *k = token(&rest), *ms = token(&rest);
        p = payload_arg(rest, &plen, &owned);
        for (int i = 0, n = k ? atoi(k) : 0; i < n; i++) {
            last_request = wactor_request(t ? t : "", p, plen, ms ? atoi(ms) : 0);
            result("request", last_request);
        }
    } else if (strcmp(op, "request") == 0) {
        char *t = token(&rest), *ms = token(&rest);
        p = payload_arg(rest, &plen, &owned);
        last_request = wactor_request(t ? t : "", p, plen, ms ? atoi(ms) : 0);
        result("request", last_request);
    } else if (strcmp(op, "publish") == 0) {
        char *t = token(&rest);
        p = payload_arg(rest, &plen, &owned);
        result("publish", wactor_publish(t ? t : "", p, plen));
    } else if (strcmp(op, "publishn") == 0) {
        char *t = token(&rest), *k = token(&rest);
        p = payload_arg(rest, &plen, &owned);
        for (int i = 0, n = k ? atoi(k) : 0; i < n; i++)
            result("publish", wactor_publish(t ? t : "", p, plen));
    } else if (strcmp(op, "subscribe") == 0) {
        result("subscribe", wactor_subscribe(rest));
    } else if (strcmp(op, "unsubscribe") == 0) {
        result("unsubscribe", wactor_unsubscribe(rest));
    } else if (strcmp(op, "cancel") == 0) {
        result("cancel", wactor_cancel(id_arg(token(&rest))));
    } else if (strcmp(op, "respond") == 0) {
        char *id = token(&rest), *st = token(&rest);
        p = payload_arg(rest, &plen, &owned);
        result("respond", wactor_respond(id_arg(id), st ? atoi(st) : 0, p, plen));
    } else if (strcmp(op, "answer") == 0) {
        char *st = token(&rest);
        p = payload_arg(rest, &plen, &owned);
        for (int i = 0; i < nheld; i++)
            result("answer", wactor_respond(held[i], st ? atoi(st) : 0, p, plen));
        nheld = 0;
    } else if (strcmp(op, "mode") == 0) {
        snprintf(mode, sizeof mode, "%s", rest);
        answerf("ok");
    } else if (strcmp(op, "relay") == 0) {
        char *t = token(&rest);
        p = payload_arg(rest, &plen, &owned);
        int64_t id = wactor_request(t ? t : "", p, plen, WACTOR_TIMEOUT_DEFAULT);
        putf("rc relay %lld\n", (long long)id);
        int slot = -1;
        for (int i = 0; i < MAX_RELAY && slot < 0; i++)
            if (relays[i].out == 0)
                slot = i;
        if (id > 0 && corr > 0 && slot >= 0) {
            relays[slot].out = id;
            relays[slot].in = corr;
            outcome = DEFERRED;
        } else {
            answerf("relay failed %lld", (long long)id);
        }
    } else if (strcmp(op, "report") == 0) {
        /* answered from logbuf by the caller */
    } else if (strcmp(op, "clear") == 0) {
        loglen = 0;
        answerf("ok");
    } else if (strcmp(op, "count") == 0) {
        answerf("%u", (unsigned)nmessages);
    } else if (strcmp(op, "init") == 0) {
        answerf("sender=%d payload=%d topic=%d", (int)init_codes[0], (int)init_codes[1],
                (int)init_codes[2]);
    } else if (strcmp(op, "secret") == 0) {
        memset(secret, 0, sizeof secret);
        strncpy(secret, rest, sizeof secret - 1);
        answerf("%u", (unsigned)(uintptr_t)secret);
    } else if (strcmp(op, "peek") == 0) {
        char hex[140];
        answerf("%u %s", (unsigned)(uintptr_t)secret,
                repr(hex, (const uint8_t *)secret, sizeof secret));
    } else if (strcmp(op, "badargs") == 0) {
        badargs(corr, payload_len);
    } else if (strcmp(op, "fail") == 0) {
        outcome = FAILED;
    } else if (strcmp(op, "trap") == 0) {
        __builtin_trap();
    } else if (strcmp(op, "selftrap") == 0) {
        int k = rest ? atoi(rest) : 0;
        for (int i = 1; i <= k; i++) {
            char text[32];
            snprintf(text, sizeof text, "after%d", i);
            wactor_send_str(self, text);
        }
        __builtin_trap();
    } else if (strcmp(op, "exit") == 0) {
        exit(rest ? atoi(rest) : 0);
    } else if (strcmp(op, "spin") == 0) {
        volatile uint32_t x = 0;
        for (uint32_t i = 0, n = (uint32_t)strtoul(rest, NULL, 10); i < n; i++)
            x += i;
        answerf("%u", (unsigned)x);
    } else if (strcmp(op, "recurse") == 0) {
        answerf("%u", recurse((uint32_t)strtoul(rest, NULL, 10)));
    } else if (strcmp(op, "grow") == 0) {
        answerf("%d", (int)__builtin_wasm_memory_grow(0, strtoul(rest, NULL, 10)));
    } else if (strcmp(op, "blast") == 0) {
        char *n = token(&rest), *batch = token(&rest);
        blast_start(n ? (uint32_t)atoi(n) : 0, batch ? (uint32_t)atoi(batch) : 1, atoi(rest));
        answerf("ok");
    } else if (strcmp(op, "more") == 0) {
        blast_batch();
    } else if (strcmp(op, "bstats") == 0) {
        blast_stats();
    } else {
        answerf("unknown command %s", op);
    }
    free(owned);
    return outcome;
}

/* ---- handlers ----------------------------------------------------------- */

static void config_word(char *w)
{
    if (strncmp(w, "mode=", 5) == 0) {
        snprintf(mode, sizeof mode, "%s", w + 5);
    } else if (strncmp(w, "witness=", 8) == 0) {
        snprintf(witness, sizeof witness, "%s", w + 8);
    } else if (strcmp(w, "quiet") == 0) {
        quiet = true;
    } else if (strncmp(w, "peers=", 6) == 0) {
        char *list = w + 6;
        for (char *t; npeers < MAX_PEERS && (t = strsep(&list, ",")) != NULL; npeers++) {
            snprintf(peers[npeers], sizeof peers[npeers], "%s", t);
            if (strcmp(t, self) == 0)
                me = npeers;
        }
    }
}

WACTOR_INIT()
{
    char buf[8];
    init_codes[0] = wactor_msg_sender(buf, sizeof buf);
    init_codes[1] = wactor_msg_payload(buf, sizeof buf);
    init_codes[2] = wactor_msg_topic(buf, sizeof buf);
    wactor_self_name_str(self, sizeof self);
    char cfg[1024];
    wactor_config_str(cfg, sizeof cfg);
    bool fail = false, trap = false;
    char *rest = cfg;
    for (char *w; (w = strsep(&rest, " ")) != NULL;) {
        fail |= strcmp(w, "initfail") == 0;
        trap |= strcmp(w, "inittrap") == 0;
        config_word(w);
    }
    if (trap)
        __builtin_trap();
    return fail ? 1 : 0;
}

WACTOR_ON_MESSAGE(int32_t sender_len, int32_t payload_len, int64_t corr)
{
    nmessages++;
    char sender[WACTOR_NAME_MAX + 1], topic[WACTOR_NAME_MAX + 1];
    if (wactor_msg_sender_str(sender, sizeof sender) != sender_len)
        putf("error sender length %d\n", (int)sender_len);
    int32_t tlen = wactor_msg_topic_str(topic, sizeof topic);
    size_t len = (size_t)payload_len;
    uint8_t *payload = malloc(len + 1);
    if (payload == NULL)
        __builtin_trap();
    if (wactor_msg_payload(payload, len) != payload_len)
        putf("error payload length %d\n", (int)payload_len);
    payload[len] = 0;

    if (len == 8 && payload[0] == 1 && payload[1] == 'Z') {
        blast_receive(payload, corr);
        free(payload);
        return 0;
    }
    bool is_command = len > 0 && payload[0] == '!';
    if (!quiet && !(is_command && strcmp(sender, WACTOR_HOST) == 0)) {
        char hex[140];
        putf("msg %s %lld %s %s\n", sender, (long long)corr, tlen > 0 ? topic : "-",
             repr(hex, payload, len));
    }

    int rc = 0;
    if (is_command) {
        answer_len = 0;
        answer[0] = 0;
        int outcome = command((char *)payload, len, corr);
        if (outcome == FAILED) {
            rc = 1;
        } else if (outcome == ANSWERED && corr > 0) {
            bool report = strcmp((char *)payload, "!report") == 0;
            rc = wactor_respond(corr, WACTOR_STATUS_OK, report ? logbuf : answer,
                                report ? loglen : answer_len) != 0;
        }
    } else if (corr > 0) {
        if (strcmp(mode, "hold") == 0) {
            if (nheld < MAX_HELD)
                held[nheld++] = corr;
        } else if (strcmp(mode, "error") == 0) {
            rc = wactor_respond_str(corr, WACTOR_STATUS_ERROR, "nope") != 0;
        } else if (strcmp(mode, "fail") == 0) {
            rc = 1;
        } else if (strcmp(mode, "trap") == 0) {
            __builtin_trap();
        } else { /* echo: SELF ":" PAYLOAD */
            size_t n = strlen(self);
            uint8_t *ans = malloc(n + 1 + len);
            if (ans == NULL)
                __builtin_trap();
            memcpy(ans, self, n);
            ans[n] = ':';
            memcpy(ans + n + 1, payload, len);
            rc = wactor_respond(corr, WACTOR_STATUS_OK, ans, n + 1 + len) != 0;
            free(ans);
        }
    }
    free(payload);
    return rc;
}

WACTOR_ON_CALLBACK(int64_t corr, int32_t status, int32_t payload_len)
{
    char sender[WACTOR_NAME_MAX + 1];
    wactor_msg_sender_str(sender, sizeof sender);
    size_t len = (size_t)payload_len;
    uint8_t *payload = malloc(len + 1);
    if (payload == NULL)
        __builtin_trap();
    if (wactor_msg_payload(payload, len) != payload_len)
        putf("error callback payload length %d\n", (int)payload_len);
    if (b_n > 0) {
        blast_callback(corr, status, payload, len);
        free(payload);
        return 0;
    }
    char hex[140];
    putf("cb %lld %d %s %s\n", (long long)corr, (int)status, sender, repr(hex, payload, len));
    if (strcmp(mode, "cbtrap") == 0)
        __builtin_trap();
    for (int i = 0; i < MAX_RELAY; i++) {
        if (relays[i].out != corr)
            continue;
        /* The deferred answer: "relayed:" + the answer, with the same status. */
        uint8_t *ans = malloc(8 + len);
        if (ans == NULL)
            __builtin_trap();
        memcpy(ans, "relayed:", 8);
        memcpy(ans + 8, payload, len);
        int32_t rc = wactor_respond(
            relays[i].in, status == WACTOR_STATUS_OK ? WACTOR_STATUS_OK : WACTOR_STATUS_ERROR, ans,
            8 + len);
        putf("rc relay-respond %d\n", (int)rc);
        free(ans);
        relays[i].out = relays[i].in = 0;
    }
    free(payload);
    return 0;
}

WACTOR_ON_SHUTDOWN()
{
    if (witness[0] == 0)
        return;
    char buf[8], text[96];
    int32_t rc = wactor_msg_sender(buf, sizeof buf);
    snprintf(text, sizeof text, "shutdown sender=%d messages=%u", (int)rc, (unsigned)nmessages);
    wactor_send_str(witness, text);
}
