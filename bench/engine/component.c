/* A small but realistic wactor component for engine_stats: a word counter.
 * Each message's payload is split into words, counted in a small hash table
 * and the running totals are stored with kv_set; every 16th message logs a
 * summary formatted by wasi-libc's snprintf. Built as a reactor (no main). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WACTOR_IMPORT(name) __attribute__((import_module("wactor"), import_name(name)))

WACTOR_IMPORT("msg_payload") int32_t wactor_msg_payload(char *buf, int32_t cap);
WACTOR_IMPORT("msg_sender") int32_t wactor_msg_sender(char *buf, int32_t cap);
WACTOR_IMPORT("send")
int32_t wactor_send(const char *to, int32_t to_len, const char *p, int32_t len);
WACTOR_IMPORT("log") int32_t wactor_log(int32_t level, const char *p, int32_t len);
WACTOR_IMPORT("kv_set")
int32_t wactor_kv_set(const char *k, int32_t klen, const char *v, int32_t vlen);
WACTOR_IMPORT("now_ms") int64_t wactor_now_ms(void);

#define WORDS 256u

struct word {
    uint32_t hash, count;
};

static struct word words[WORDS];
static char payload[4096], sender[128];
static uint32_t messages, total_words;
static int64_t started_ms;

__attribute__((export_name("wactor_init"))) int32_t init(void)
{
    started_ms = wactor_now_ms();
    return 0;
}

static void count_word(const char *p, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    for (uint32_t i = h % WORDS, n = 0; n < WORDS; i = (i + 1) % WORDS, n++) {
        if (words[i].count == 0 || words[i].hash == h) {
            words[i].hash = h;
            words[i].count++;
            return;
        }
    }
}

__attribute__((export_name("wactor_on_message"))) int32_t
on_message(int32_t sender_len, int32_t payload_len, int64_t correlation)
{
    (void)correlation;
    int32_t n = wactor_msg_payload(payload, (int32_t)sizeof payload);
    if (n < 0 || n > payload_len || n > (int32_t)sizeof payload)
        return 1;
    uint32_t start = 0, count = 0;
    for (uint32_t i = 0; i <= (uint32_t)n; i++) {
        if (i == (uint32_t)n || payload[i] == ' ' || payload[i] == '\n') {
            if (i > start) {
                count_word(payload + start, i - start);
                count++;
            }
            start = i + 1;
        }
    }
    messages++;
    total_words += count;
    char line[160];
    int len = snprintf(line, sizeof line, "%u %u", (unsigned)messages, (unsigned)total_words);
    wactor_kv_set("totals", 6, line, len);
    if (messages % 16 == 0) {
        len = snprintf(line, sizeof line, "%u messages, %u words in %lld ms", (unsigned)messages,
                       (unsigned)total_words, (long long)(wactor_now_ms() - started_ms));
        wactor_log(2, line, len);
    }
    int32_t m = wactor_msg_sender(sender, (int32_t)sizeof sender);
    if (m > 0 && m <= sender_len && m <= (int32_t)sizeof sender) {
        len = snprintf(line, sizeof line, "%u", (unsigned)count);
        wactor_send(sender, m, line, len);
    }
    return 0;
}
