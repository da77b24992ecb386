/*
 * inbound.c: frames coming in, on libnats's delivery threads (one per
 * subscription, so a link's frames are handled in order). Each frame is
 * checked against its link under l->lock, and what it carries goes into the
 * router (msg_remote_*) after the lock is released.
 */
#include "lattice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- frames in -------------------------------------------------------------- */

/* Counts a hostile or broken frame; logs at most one line a second. */
static void dropped_frame(wactor_lattice *l, const char *why)
{
    uint64_t now = lat_now_ms(), n = 0;
    pthread_mutex_lock(&l->lock);
    l->dropped++;
    if (now >= l->dropped_log_ms + 1000) {
        n = l->dropped - l->dropped_logged;
        l->dropped_logged = l->dropped;
        l->dropped_log_ms = now;
    }
    pthread_mutex_unlock(&l->lock);
    if (n)
        lat_log(l, WACTOR_LOG_WARN, "lattice %s: dropped %llu frame(s) (last: %s)", l->name,
                (unsigned long long)n, why);
}

/* A send from another host that the router refused here (too big for this
 * host, its target gone): its sender saw OK, so it is counted in the
 * lattice's dropped frames and logged (at most a line a second). */
static void refused_send(wactor_lattice *l, const lat_frame *f, int rc)
{
    char why[160];
    snprintf(why, sizeof why, "a send of %u bytes from %.*s to %.*s refused here: %s",
             (unsigned)f->payload_len, (int)f->sender.len, f->sender.p, (int)f->target.len,
             f->target.p, wactor_result_name(rc));
    dropped_frame(l, why);
}

typedef struct answer_to {
    wactor_lattice *l;
    uint64_t instance;
    int64_t corr;
} answer_to;

static void send_reply(wactor_lattice *l, uint64_t instance, int64_t corr, int status,
                       const void *payload, size_t len, const msg_headers *h)
{
    uint32_t max_frame = (uint32_t)atomic_load(&l->max_frame);
    static const char too_big[] = "answer too big for the lattice";
    size_t hlen = h ? h->len : 0;
    if (len > l->max_message || (max_frame && len + hlen + LAT_MESSAGE_OVERHEAD > max_frame)) {
        status = WACTOR_STATUS_FAILED;
        payload = too_big;
        len = sizeof too_big - 1;
        h = NULL;
    }
    lat_buf b = {0};
    lat_put_header(&b, LAT_REPLY, 0, l->instance, 0, 1, 1);
    lat_put_u64(&b, (uint64_t)corr);
    lat_put_u8(&b, (uint8_t)status);
    lat_put_str(&b, NULL, 0);
    lat_put_payload(&b, h ? h->p : NULL, h ? h->len : 0, payload, (uint32_t)len);
    pthread_mutex_lock(&l->lock);
    lat_peer *p = l->left ? NULL : lat_peer_find(l, instance);
    if (p && !b.failed && lat_link_append(l, p, b.p, b.len, false))
        p->sent++; /* an answer is a message too (wactor hosts counts it) */
    pthread_mutex_unlock(&l->lock);
    lat_buf_free(&b);
}

static void answered(void *arg, int64_t id, int status, const void *payload, size_t len,
                     const msg_headers *h)
{
    answer_to *a = arg;
    (void)id;
    send_reply(a->l, a->instance, a->corr, status, payload, len, h);
    free(a);
}

/* Gives back the credit of a message that never reached a mailbox. */
static void consumed_now(wactor_lattice *l, uint32_t origin)
{
    if (origin)
        lat_credit_consumed(l, origin);
}

/* What the frames of one NATS message share. */
typedef struct inbound {
    bool on_hb;
    uint64_t now; /* one clock reading for them all */
    /* An ACK became due before the sender thread's next wake-up: it is
     * woken once, after the whole NATS message. */
    bool wake;
    /* Whether the last SEND or REQUEST target looked up is a process here:
     * the frames of a stream mostly name the same target, and the router's
     * lookup is then made once per NATS message (it only decides whether a
     * credit slot is made; the router checks the target again anyway). */
    const char *here_name; /* into the NATS message, which outlives the frames */
    uint8_t here_len;
    bool here;
} inbound;

static bool target_is_here(wactor_lattice *l, inbound *in, const lat_str *target)
{
    if (in->here_name && in->here_len == target->len &&
        memcmp(in->here_name, target->p, target->len) == 0)
        return in->here;
    in->here_name = target->p;
    in->here_len = target->len;
    in->here = msg_lookup(l->router, target->p, target->len).kind == MSG_DEST_LOCAL;
    return in->here;
}

static void handle_frame(wactor_lattice *l, const lat_frame *f, size_t flen, inbound *in)
{
    bool on_hb = in->on_hb;
    if (f->from == l->instance)
        return; /* our own broadcast */
    bool broadcast = f->kind == LAT_HELLO || f->kind == LAT_HEARTBEAT || f->kind == LAT_BYE;
    if (broadcast != on_hb || (broadcast ? f->to != 0 : f->to != l->instance)) {
        dropped_frame(l, "wrong subject");
        return;
    }
    lat_after a = {0};
    uint64_t now = in->now;
    bool deliver = false;
    uint32_t origin = 0;
    uint64_t instance = f->from;
    /* A credit slot is made only for a name that is a process here: names
     * sprayed by a broken peer make none (the router's lookup, before our
     * lock: the router is never called under it). */
    bool here =
        (f->kind == LAT_SEND || f->kind == LAT_REQUEST) && target_is_here(l, in, &f->target);
    pthread_mutex_lock(&l->lock);
    if (l->left || lat_gone_is(l, f->from)) {
        /* Left; or a host that said BYE: anything of it still in flight
         * (e.g. on the other subscription's thread) must not bring it back. */
        pthread_mutex_unlock(&l->lock);
        return;
    }
    lat_peer *p = lat_peer_find(l, f->from);
    switch (f->kind) {
    case LAT_HELLO:
    case LAT_HEARTBEAT:
        if (!p) {
            p = lat_peer_new(l, f->from, f->host.p, f->host.len);
            if (p)
                lat_after_log(&a, WACTOR_LOG_INFO, "lattice %s: host %s is here", l->name, p->name);
        }
        if (p) {
            p->last_seen_ms = now;
            if (f->kind == LAT_HEARTBEAT)
                lat_peer_heard(l, p);
            if (f->kind == LAT_HEARTBEAT && p->has_state)
                p->heartbeat_after_state = true;
            pthread_cond_broadcast(&l->changed);
        }
        break;
    case LAT_BYE:
        if (p)
            lat_peer_lose(l, p, "it left", &a);
        lat_gone_add(l, f->from);
        break;
    case LAT_ACK:
        if (p) {
            p->last_seen_ms = now;
            lat_link_acked(l, p, f);
        }
        break;
    case LAT_RESET:
        if (p && f->ack_epoch == p->out_epoch && (f->flags & LAT_RESET_UNKNOWN) && !p->out_acked) {
            /* It never accepted a frame of this link (its seq 1 was lost
             * and a later one came first): send it all again, nothing is
             * lost. */
            for (lat_out *o = p->head; o; o = o->next)
                o->sent_ms = 0;
            p->unsent = p->head != NULL;
            p->unsent_from = NULL;
            pthread_cond_signal(&l->wake);
        } else if (p && f->ack_epoch == p->out_epoch) {
            lat_link_drop(l, p, &a);
            lat_link_open(l, p);
            lat_after_log(&a, WACTOR_LOG_WARN, "lattice %s: host %s reset its link from here",
                          l->name, p->name);
        }
        break;
    default: /* a link frame */
        if (lat_dead_is(l, f->from, f->epoch)) {
            /* The link of a host we lost, from seq 1 or not: what it
             * carries may have been delivered already. RESET it. */
            if (p)
                p->last_seen_ms = now;
            lat_reset_owed(l, f->from, f->epoch, 0);
            break;
        }
        if (!p && f->kind == LAT_STATE && f->seq == 1) {
            p = lat_peer_new(l, f->from, f->host.p, f->host.len);
            if (p)
                lat_after_log(&a, WACTOR_LOG_INFO, "lattice %s: host %s is here", l->name, p->name);
        }
        if (!p) {
            /* A link we know nothing of (a stranger's, or a new host's
             * whose seq 1 we missed): RESET it. */
            lat_reset_owed(l, f->from, f->epoch, LAT_RESET_UNKNOWN);
            break;
        }
        p->last_seen_ms = now;
        if (f->epoch != p->in_epoch && f->seq != 1) {
            /* A link we do not know: a new one whose seq 1 we missed (its
             * host sends it all again), or our link from it replaced by
             * another (a RESET of an epoch that is no longer its link's is
             * ignored). */
            lat_reset_owed(l, f->from, f->epoch, LAT_RESET_UNKNOWN);
            break;
        }
        bool accepted = lat_link_accept(l, p, f, now);
        if (p->ack_due_ms && p->ack_due_ms < l->next_wake_ms)
            in->wake = true;
        if (!accepted)
            break;
        p->bytes_received += flen;
        if (f->kind == LAT_STATE) {
            lat_state_apply(p, f, &a);
            lat_peer_heard(l, p);
            a.routes_changed = true;
            pthread_cond_broadcast(&l->changed);
            break;
        }
        if (f->kind == LAT_REPLY) {
            p->received++;
            deliver = lat_pending_remove(p, f->corr);
            break;
        }
        p->received++;
        if (f->kind == LAT_SEND || f->kind == LAT_REQUEST)
            origin = lat_slot_get(l, p, f->target.p, f->target.len, here);
        deliver = true;
        break;
    }
    pthread_mutex_unlock(&l->lock);

    if (deliver) {
        msg_router *r = l->router;
        msg_headers hdrs = {f->headers, f->headers_len}; /* checked by lat_decode */
        int rc;
        switch (f->kind) {
        case LAT_SEND:
            rc = msg_remote_send(r, origin, f->sender.p, f->sender.len, f->target.p, f->target.len,
                                 f->payload, f->payload_len, &hdrs);
            if (rc != WACTOR_OK) {
                consumed_now(l, origin);
                refused_send(l, f, rc);
            }
            break;
        case LAT_REQUEST: {
            answer_to *at = malloc(sizeof *at);
            int64_t id = WACTOR_ENOMEM;
            if (at) {
                *at = (answer_to){l, instance, f->corr};
                id = msg_remote_request(r, origin, f->sender.p, f->sender.len, f->target.p,
                                        f->target.len, f->payload, f->payload_len, &hdrs,
                                        f->timeout_ms, answered, at);
            }
            if (id < 0) {
                free(at);
                consumed_now(l, origin);
                const char *why = wactor_result_name((int)id);
                send_reply(l, instance, f->corr, WACTOR_STATUS_FAILED, why, strlen(why), NULL);
            }
            break;
        }
        case LAT_REPLY:
            msg_remote_settle(r, f->corr, f->status, f->payload, f->payload_len, &hdrs);
            break;
        case LAT_PUBLISH: {
            const char *names[256];
            uint8_t lens[256];
            size_t off = 0;
            for (uint16_t i = 0; i < f->names.n;) {
                size_t k = 0;
                for (; k < 256 && i < f->names.n; k++, i++) {
                    lat_str s;
                    lat_name_next(&f->names, &off, &s);
                    names[k] = s.p;
                    lens[k] = s.len;
                }
                msg_remote_publish(r, f->sender.p, f->sender.len, f->target.p, f->target.len,
                                   f->payload, f->payload_len, &hdrs, names, lens, k);
            }
            break;
        }
        default:
            break;
        }
    }
    lat_after_run(l, &a);
}

/* Every frame of a NATS message, on libnats's delivery thread of the
 * subscription (one per subscription: a link's frames come in order). */
static void on_message(wactor_lattice *l, natsMsg *msg, bool on_hb)
{
    const uint8_t *data = (const uint8_t *)natsMsg_GetData(msg);
    size_t len = (size_t)natsMsg_GetDataLength(msg), off = 0, flen;
    const uint8_t *frame;
    bool bad = false;
    inbound in = {.on_hb = on_hb, .now = lat_now_ms()};
    /* The messages of this NATS message reach their mailboxes first, then
     * the workers (one wake-up each), then the sender thread (one ACK). */
    rt_post_burst_begin();
    while (lat_batch_next(data, len, &off, &frame, &flen, &bad)) {
        lat_frame f;
        /* A payload is bounded here by its frame only: one over this host's
         * max_message is accepted in link order and then refused by the
         * router (ETOOBIG), never dropped as a bad frame, which would stall
         * the link behind it (the sender knows only its own limit). */
        if (lat_decode(frame, flen, UINT32_MAX, &f))
            handle_frame(l, &f, flen, &in);
        else
            dropped_frame(l, "malformed");
    }
    rt_post_burst_end();
    if (in.wake) {
        pthread_mutex_lock(&l->lock);
        pthread_cond_signal(&l->wake);
        pthread_mutex_unlock(&l->lock);
    }
    if (bad)
        dropped_frame(l, "truncated message");
    natsMsg_Destroy(msg);
}

void lat_on_hb_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    on_message(closure, msg, true);
}

void lat_on_inbox_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    on_message(closure, msg, false);
}

/* A subscription's handler has returned for the last time. */
void lat_on_sub_complete(void *closure)
{
    wactor_lattice *l = closure;
    pthread_mutex_lock(&l->lock);
    l->subs_complete++;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
}
