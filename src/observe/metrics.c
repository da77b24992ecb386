/*
 * metrics.c: GET /metrics, the Prometheus text exposition format 0.0.4 (docs/OBSERVE.md lists
 * every family). Each family is written whole (HELP, TYPE, then all its samples), as the format
 * requires; label values are escaped (backslash, double quote, newline).
 *
 * Counters come from one wactor_stats_all snapshot: each counter is exact, the set is not one
 * instant (a scrape racing traffic may see a message sent but not yet received).
 */
#include "pages.h"

#include <inttypes.h>
#include <string.h>

/* A label value, escaped as the text format says. */
static void metrics_label(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", out);
        else if (*s == '"')
            fputs("\\\"", out);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            putc(*s, out);
    }
}

static void metrics_family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The per-component families whose value is one number of wactor_stats. */
typedef enum metrics_field {
    F_RECEIVED,
    F_SENT,
    F_RESTARTS,
    F_QUEUED,
    F_MAILBOX,
    F_PENDING,
    F_FUEL,
    F_MEMORY,
    F_STORAGE,
    F_DROPPED,
} metrics_field;

static const struct {
    metrics_field field;
    const char *name, *type, *help;
} metrics_simple[] = {
    {F_RECEIVED, "wactor_messages_received_total", "counter",
     "Messages delivered to the component's wactor_on_message."},
    {F_SENT, "wactor_messages_sent_total", "counter",
     "Sends, requests and publications the component made."},
    {F_RESTARTS, "wactor_restarts_total", "counter", "Times the component was restarted."},
    {F_QUEUED, "wactor_mailbox_depth", "gauge", "Messages in the component's mailbox now."},
    {F_MAILBOX, "wactor_mailbox_bound", "gauge", "The bound of the component's mailbox."},
    {F_PENDING, "wactor_pending_requests", "gauge",
     "The component's requests awaiting a callback now."},
    {F_FUEL, "wactor_fuel_used_total", "counter",
     "Fuel (metered instructions) the component's handlers used, over all its incarnations."},
    {F_MEMORY, "wactor_memory_bytes", "gauge", "Linear memory of the component's instance now."},
    {F_STORAGE, "wactor_storage_bytes", "gauge",
     "Bytes in the component's key-value storage (keys and values)."},
    {F_DROPPED, "wactor_publications_dropped_total", "counter",
     "Publications the component missed because its mailbox was full."},
};

static uint64_t metrics_value(const wactor_stats *s, metrics_field f)
{
    switch (f) {
    case F_RECEIVED:
        return s->received;
    case F_SENT:
        return s->sent;
    case F_RESTARTS:
        return s->restarts;
    case F_QUEUED:
        return s->queued;
    case F_MAILBOX:
        return s->mailbox;
    case F_PENDING:
        return s->pending;
    case F_FUEL:
        return s->fuel;
    case F_MEMORY:
        return s->memory;
    case F_STORAGE:
        return s->storage;
    case F_DROPPED:
        return s->dropped;
    }
    return 0;
}

/* name{component="C"  (the caller adds more labels and closes). */
static void metrics_open(FILE *out, const char *name, const wactor_stats *s)
{
    fprintf(out, "%s{component=\"", name);
    metrics_label(out, s->name);
    putc('"', out);
}

static void metrics_components(FILE *out, const wactor_stats *st, size_t n)
{
    metrics_family(out, "wactor_components", "gauge", "Components known to the runtime.");
    fprintf(out, "wactor_components %zu\n", n);
    metrics_family(out, "wactor_component_state", "gauge",
                   "1 for the component's current state (starting, running, restarting, "
                   "backing-off, stopped, failed).");
    for (size_t i = 0; i < n; i++) {
        metrics_open(out, "wactor_component_state", &st[i]);
        fprintf(out, ",state=\"%s\"} 1\n", wactor_state_name(st[i].state));
    }
    for (size_t f = 0; f < sizeof metrics_simple / sizeof metrics_simple[0]; f++) {
        metrics_family(out, metrics_simple[f].name, metrics_simple[f].type, metrics_simple[f].help);
        for (size_t i = 0; i < n; i++) {
            metrics_open(out, metrics_simple[f].name, &st[i]);
            fprintf(out, "} %" PRIu64 "\n", metrics_value(&st[i], metrics_simple[f].field));
        }
    }
    static const char *const outcome[WACTOR_NSTATUS] = {"ok", "error", "timeout", "failed"};
    metrics_family(out, "wactor_requests_total", "counter",
                   "The component's requests by outcome (the status of their callback).");
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < WACTOR_NSTATUS; k++) {
            metrics_open(out, "wactor_requests_total", &st[i]);
            fprintf(out, ",outcome=\"%s\"} %" PRIu64 "\n", outcome[k], st[i].callbacks[k]);
        }
    metrics_family(out, "wactor_crashes_total", "counter",
                   "Times the component's instance crashed, by reason (the KIND of "
                   "\"crashed: KIND\"; start: a start-up that failed).");
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < WACTOR_CRASH_KINDS; k++) {
            metrics_open(out, "wactor_crashes_total", &st[i]);
            fprintf(out, ",reason=\"%s\"} %" PRIu64 "\n", wactor_crash_kind_name(k),
                    st[i].crashes_by[k]);
        }
    metrics_family(out, "wactor_health", "gauge",
                   "The last answer of the component's wactor_health: 0 healthy, 1 degraded, 2 "
                   "unhealthy (components that have not answered are left out).");
    for (size_t i = 0; i < n; i++)
        if (st[i].health >= 0) {
            metrics_open(out, "wactor_health", &st[i]);
            fprintf(out, "} %d\n", st[i].health);
        }
}

/* Seconds from nanoseconds, exactly enough for a bucket bound (1e-06 ... 10). */
static void metrics_seconds(FILE *out, uint64_t ns)
{
    fprintf(out, "%.9g", (double)ns / 1e9);
}

static void metrics_histogram(FILE *out, const wactor_stats *st, size_t n)
{
    static const char name[] = "wactor_handler_duration_seconds";
    metrics_family(out, name, "histogram",
                   "Wall time of the component's handlers (messages and callbacks).");
    for (size_t i = 0; i < n; i++) {
        uint64_t cumulative = 0;
        for (int b = 0; b < WACTOR_HANDLER_BUCKETS; b++) {
            cumulative += st[i].handler_hist[b];
            metrics_open(out, "wactor_handler_duration_seconds_bucket", &st[i]);
            fputs(",le=\"", out);
            if (b == WACTOR_HANDLER_BUCKETS - 1)
                fputs("+Inf", out);
            else
                metrics_seconds(out, wactor_handler_bucket_ns(b));
            fprintf(out, "\"} %" PRIu64 "\n", cumulative);
        }
        metrics_open(out, "wactor_handler_duration_seconds_sum", &st[i]);
        fputs("} ", out);
        metrics_seconds(out, st[i].handler_ns);
        putc('\n', out);
        metrics_open(out, "wactor_handler_duration_seconds_count", &st[i]);
        fprintf(out, "} %" PRIu64 "\n", cumulative);
    }
}

static void metrics_edges(FILE *out, const wactor_edge *ev, size_t ne)
{
    metrics_family(out, "wactor_edge_messages_total", "counter",
                   "Messages (sends, requests, publications) delivered to `to` from `from`.");
    for (size_t i = 0; i < ne; i++) {
        fputs("wactor_edge_messages_total{from=\"", out);
        metrics_label(out, ev[i].from);
        fputs("\",to=\"", out);
        metrics_label(out, ev[i].to);
        fprintf(out, "\"} %" PRIu64 "\n", ev[i].messages);
    }
}

static void metrics_http(FILE *out, const observe_http_count *h, size_t n)
{
    metrics_family(out, "wactor_http_requests_total", "counter",
                   "HTTP requests served, by route (\"\": none matched) and status.");
    for (size_t i = 0; i < n; i++) {
        fputs("wactor_http_requests_total{route=\"", out);
        metrics_label(out, h[i].route ? h[i].route : "");
        fprintf(out, "\",status=\"%d\"} %" PRIu64 "\n", h[i].status, h[i].requests);
    }
}

/* One per-host family of the lattice. */
static void metrics_hosts(FILE *out, const wactor_host_info *v, size_t n)
{
    static const struct {
        const char *name, *type, *help;
    } fam[] = {
        {"wactor_lattice_messages_sent_total", "counter", "Messages this host sent to the host."},
        {"wactor_lattice_messages_received_total", "counter",
         "Messages this host received from the host."},
        {"wactor_lattice_bytes_sent_total", "counter", "Bytes this host sent to the host."},
        {"wactor_lattice_bytes_received_total", "counter",
         "Bytes this host received from the host."},
        {"wactor_lattice_lost_messages_total", "counter",
         "Messages the host took with it when it was last lost."},
        {"wactor_lattice_last_seen_seconds", "gauge", "Time since the host's last heartbeat."},
    };
    metrics_family(out, "wactor_lattice_hosts", "gauge",
                   "Live hosts of the lattice, this one too.");
    fprintf(out, "wactor_lattice_hosts %zu\n", n);
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        metrics_family(out, fam[f].name, fam[f].type, fam[f].help);
        for (size_t i = 0; i < n; i++) {
            if (v[i].self)
                continue; /* its traffic with itself is none */
            fprintf(out, "%s{host=\"", fam[f].name);
            metrics_label(out, v[i].name);
            fputs("\"} ", out);
            const uint64_t x[] = {v[i].sent, v[i].received, v[i].bytes_sent, v[i].bytes_received,
                                  v[i].lost};
            if (f < sizeof x / sizeof x[0])
                fprintf(out, "%" PRIu64 "\n", x[f]);
            else
                fprintf(out, "%.3f\n", (double)v[i].last_seen_ms / 1000.0);
        }
    }
}

void observe_metrics(FILE *out, const observe_snapshot *s)
{
    metrics_components(out, s->st, s->n);
    metrics_histogram(out, s->st, s->n);
    metrics_edges(out, s->edges, s->nedges);
    metrics_http(out, s->http, s->nhttp);
    if (s->in_lattice)
        metrics_hosts(out, s->hosts, s->nhosts);
}
