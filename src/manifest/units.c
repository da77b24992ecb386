/*
 * units.c: decimal numbers with an optional unit suffix (units.h).
 *
 * One shape for all three: the longest run of leading digits, then a
 * suffix looked up in a small table of (text, multiplier). The digits are
 * accumulated with an overflow check before each step, and the product
 * with the multiplier is checked the same way, so every answer is exact or
 * false.
 */
#include "units.h"

#include "manifest.h"

#include <string.h>

typedef struct unit {
    const char *suffix;
    uint64_t scale;
} unit;

/* Digits, then exactly one of units[0..n) (whose suffixes are distinct). */
static bool scaled(const char *s, size_t len, const unit *units, size_t n, uint64_t *out)
{
    if (s == NULL)
        return false;
    size_t i = 0;
    uint64_t v = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        i++;
    }
    if (i == 0)
        return false;
    for (size_t u = 0; u < n; u++) {
        size_t sl = strlen(units[u].suffix);
        if (len - i != sl || memcmp(s + i, units[u].suffix, sl) != 0)
            continue;
        if (v > UINT64_MAX / units[u].scale)
            return false;
        *out = v * units[u].scale;
        return true;
    }
    return false;
}

bool mf_units_number(const char *s, size_t len, uint64_t *out)
{
    static const unit units[] = {{"", 1}};
    return scaled(s, len, units, 1, out);
}

bool mf_units_duration(const char *s, size_t len, uint64_t *ms)
{
    static const unit units[] = {{"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60000}};
    return scaled(s, len, units, sizeof units / sizeof units[0], ms);
}

bool mf_units_size(const char *s, size_t len, uint64_t *bytes)
{
    static const unit units[] = {{"", 1},
                                 {"KiB", UINT64_C(1) << 10},
                                 {"MiB", UINT64_C(1) << 20},
                                 {"GiB", UINT64_C(1) << 30}};
    return scaled(s, len, units, sizeof units / sizeof units[0], bytes);
}

bool mf_parse_duration_ms(const char *s, uint64_t *ms)
{
    return s != NULL && mf_units_duration(s, strlen(s), ms);
}

bool mf_parse_size(const char *s, uint64_t *bytes)
{
    return s != NULL && mf_units_size(s, strlen(s), bytes);
}
