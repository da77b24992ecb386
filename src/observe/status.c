/*
 * status.c: the status document (docs/CONTROL.md, "status --json"), written by one function
 * for both readers: `wactor status --json` (counters that came over the control socket) and
 * GET /status.json (counters read from the runtime in this process). Two printers would drift.
 */
#include "observe.h"

#include <inttypes.h>
#include <time.h>

void observe_json_string(FILE *out, const char *s)
{
    putc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            putc(*p, out);
    }
    putc('"', out);
}

void observe_hosts_json(FILE *out, const wactor_host_info *v, size_t n, bool skip_self)
{
    putc('[', out);
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const wactor_host_info *h = &v[i];
        if (skip_self && h->self)
            continue;
        fputs(first ? "{\"name\":" : ",{\"name\":", out);
        first = false;
        observe_json_string(out, h->name);
        fprintf(out,
                ",\"self\":%s,\"last_seen_ms\":%" PRIu64 ",\"sent\":%" PRIu64
                ",\"received\":%" PRIu64 ",\"bytes_sent\":%" PRIu64 ",\"bytes_received\":%" PRIu64
                ",\"lost\":%" PRIu64 ",\"components\":[",
                h->self ? "true" : "false", h->last_seen_ms, h->sent, h->received, h->bytes_sent,
                h->bytes_received, h->lost);
        for (size_t j = 0; h->components != NULL && j < h->ncomponents; j++) {
            if (j > 0)
                putc(',', out);
            observe_json_string(out, h->components[j] ? h->components[j] : "");
        }
        fputs("]}", out);
    }
    putc(']', out);
}

static void observe_component_json(FILE *out, const wactor_stats *s)
{
    fputs("{\"name\":", out);
    observe_json_string(out, s->name);
    fprintf(out,
            ",\"state\":\"%s\",\"restarts\":%" PRIu64 ",\"queued\":%" PRIu32 ",\"mailbox\":%" PRIu32
            ",\"received\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"crashes\":%" PRIu64
            ",\"dropped\":%" PRIu64 ",\"pending\":%" PRIu32 ",\"memory\":%" PRIu64
            ",\"storage\":%" PRIu64 ",\"fuel\":%" PRIu64 ",\"handler_ns\":%" PRIu64
            ",\"handler_hist\":[",
            wactor_state_name(s->state), s->restarts, s->queued, s->mailbox, s->received, s->sent,
            s->crashes, s->dropped, s->pending, s->memory, s->storage, s->fuel, s->handler_ns);
    for (int k = 0; k < WACTOR_HANDLER_BUCKETS; k++)
        fprintf(out, "%s%" PRIu64, k ? "," : "", s->handler_hist[k]);
    fputs("],\"crashes_by\":{", out);
    for (int k = 0; k < WACTOR_CRASH_KINDS; k++)
        fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", wactor_crash_kind_name(k),
                s->crashes_by[k]);
    fprintf(out, "},\"health\":%d", s->health); /* wactor_health's last answer, -1: none */
    /* the tier its instance runs in; null without one */
    fprintf(out, ",\"tier\":%s}",
            s->tier == WACTOR_TIER_AOT      ? "\"aot\""
            : s->tier == WACTOR_TIER_INTERP ? "\"interp\""
                                            : "null");
}

void observe_status_json(FILE *out, const observe_status *s)
{
    fprintf(out, "{\"pid\":%d,\"time_ms\":%" PRIu64 ",\"manifest\":", s->pid, s->time_ms);
    observe_json_string(out, s->manifest ? s->manifest : "");
    fputs(",\"components\":[", out);
    for (size_t i = 0; i < s->n; i++) {
        if (i > 0)
            putc(',', out);
        observe_component_json(out, &s->st[i]);
    }
    fputs("],\"edges\":[", out);
    for (size_t i = 0; i < s->nedges; i++) {
        fputs(i ? ",{\"from\":" : "{\"from\":", out);
        observe_json_string(out, s->edges[i].from);
        fputs(",\"to\":", out);
        observe_json_string(out, s->edges[i].to);
        fprintf(out, ",\"messages\":%" PRIu64 "}", s->edges[i].messages);
    }
    fputs("],\"lattice\":", out);
    if (s->lattice != NULL) {
        fputs("{\"name\":", out);
        observe_json_string(out, s->lattice);
        fputs(",\"host\":", out);
        observe_json_string(out, s->host ? s->host : "");
        fputs(",\"hosts\":", out);
        observe_hosts_json(out, s->hosts, s->nhosts, false);
        putc('}', out);
    } else {
        fputs("null", out);
    }
    fputs("}\n", out);
}

uint64_t observe_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
