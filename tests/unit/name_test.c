/*
 * name_test.c: names, patterns, matching and coverage (src/msg/name.h).
 *
 * Tables of cases with their expected answers; a failing case prints the
 * inputs and both answers. String literals go through sizeof, so a case
 * may hold NUL bytes. `covers_exhaustive` checks msg_pattern_covers against
 * its definition (every name the pattern matches, the grant matches) over
 * every small pattern and name on a three-token alphabet.
 *
 * Usage: name_test [TEST|all]
 */
#include "harness.h"
#include "name.h"

#include <stdio.h>
#include <string.h>

/* Prints s[0..len) with non-printable bytes escaped. */
static void show(const char *s, size_t len)
{
    fputc('"', stderr);
    for (size_t i = 0; i < len && i < 80; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, len > 80 ? "\"... (%zu bytes)" : "\"", len);
}

static void expect1(const char *what, bool got, bool want, const char *s, size_t len, int line)
{
    if (got == want)
        return;
    fprintf(stderr, "name_test.c:%d: %s(", line, what);
    show(s, len);
    fprintf(stderr, ") = %d, expected %d\n", got, want);
    test_failures++;
}

static void expect2(const char *what, bool got, bool want, const char *a, size_t alen,
                    const char *b, size_t blen, int line)
{
    if (got == want)
        return;
    fprintf(stderr, "name_test.c:%d: %s(", line, what);
    show(a, alen);
    fputs(", ", stderr);
    show(b, blen);
    fprintf(stderr, ") = %d, expected %d\n", got, want);
    test_failures++;
}

#define LIT(s) (s), (sizeof(s) - 1)
#define NAME(s, want) expect1("msg_name_valid", msg_name_valid(LIT(s)), want, LIT(s), __LINE__)
#define PATTERN(s, want)                                                                           \
    expect1("msg_pattern_valid", msg_pattern_valid(LIT(s)), want, LIT(s), __LINE__)
#define MATCH(p, n, want)                                                                          \
    expect2("msg_pattern_match", msg_pattern_match(LIT(p), LIT(n)), want, LIT(p), LIT(n), __LINE__)
#define COVERS(g, p, want)                                                                         \
    expect2("msg_pattern_covers", msg_pattern_covers(LIT(g), LIT(p)), want, LIT(g), LIT(p),        \
            __LINE__)

/* A string of n bytes: tokens "abcd" joined by dots, cut to n, with the
 * last byte a letter (so every length gives a well-formed candidate). */
static void long_name(char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (i % 5 == 4) ? '.' : (char)('a' + i % 5);
    if (n > 0)
        buf[n - 1] = 'z';
}

static void test_names(void *arg)
{
    (void)arg;
    NAME("a", true);
    NAME("orders", true);
    NAME("billing.invoices", true);
    NAME("A-Z_0.9-x.__.--", true);
    NAME("a.b.c.d.e.f", true);
    NAME("0", true);
    NAME("-", true);
    NAME("_", true);

    NAME("", false);
    NAME(".", false);
    NAME("..", false);
    NAME(".a", false);
    NAME("a.", false);
    NAME("a..b", false);
    NAME("a b", false);
    NAME(" a", false);
    NAME("a/b", false);
    NAME("a:b", false);
    NAME("*", false);
    NAME(">", false);
    NAME("a.*", false);
    NAME("a.>", false);
    NAME("a*", false);
    NAME("@host", false);
    NAME("caf\xc3\xa9", false); /* é: non-ASCII bytes */
    NAME("\xff", false);
    NAME("a\0b", false); /* NUL inside */
    NAME("a\0", false);
    NAME("\0", false);
    NAME("a\n", false);
    NAME("a\tb", false);

    /* NULL is never valid, whatever the length. */
    CHECK(!msg_name_valid(NULL, 0));
    CHECK(!msg_name_valid(NULL, 3));

    /* 255 bytes is the longest name. */
    char buf[300];
    long_name(buf, 255);
    CHECK(msg_name_valid(buf, 255));
    CHECK(msg_pattern_valid(buf, 255));
    long_name(buf, 256);
    CHECK(!msg_name_valid(buf, 256));
    CHECK(!msg_pattern_valid(buf, 256));
    memset(buf, 'x', sizeof buf);
    CHECK(msg_name_valid(buf, 255));
    CHECK(!msg_name_valid(buf, 256));
    CHECK(!msg_name_valid(buf, 300));
    /* Only the given length counts: a prefix of a longer string. */
    CHECK(msg_name_valid("ab.cd", 2));
    CHECK(!msg_name_valid("ab.cd", 3));
}

static void test_patterns(void *arg)
{
    (void)arg;
    /* Every valid name is a pattern. */
    PATTERN("a", true);
    PATTERN("billing.invoices", true);
    PATTERN("*", true);
    PATTERN(">", true);
    PATTERN("a.*", true);
    PATTERN("*.a", true);
    PATTERN("*.*", true);
    PATTERN("a.>", true);
    PATTERN("*.>", true);
    PATTERN("a.*.b.>", true);
    PATTERN("*.*.>", true);

    PATTERN("", false);
    PATTERN(".", false);
    PATTERN(".*", false);
    PATTERN("*.", false);
    PATTERN("a..*", false);
    PATTERN("a*", false);
    PATTERN("*a", false);
    PATTERN("**", false);
    PATTERN("a.b*", false);
    PATTERN(">a", false);
    PATTERN("a>", false);
    PATTERN(">>", false);
    PATTERN(">.a", false);
    PATTERN(">.>", false);
    PATTERN(">.*", false);
    PATTERN("a.>.b", false);
    PATTERN("a.>.>", false);
    PATTERN("*>", false);
    PATTERN("a.*\0", false);
    PATTERN("*\0", false);
    PATTERN(">\0", false);
    PATTERN("\xe2\x80\xa2", false);
    PATTERN("a .b", false);
    CHECK(!msg_pattern_valid(NULL, 0));

    char buf[300];
    memset(buf, 'x', sizeof buf);
    buf[253] = '.';
    buf[254] = '>';
    CHECK(msg_pattern_valid(buf, 255));
    buf[254] = '*';
    CHECK(msg_pattern_valid(buf, 255));
    buf[254] = '.';
    buf[255] = '>';
    CHECK(!msg_pattern_valid(buf, 256)); /* 256 bytes */
}

static void test_match(void *arg)
{
    (void)arg;
    /* The examples of ABI.md. */
    MATCH("billing.*", "billing.invoices", true);
    MATCH("billing.*", "billing", false);
    MATCH("billing.*", "billing.a.b", false);
    MATCH("billing.>", "billing.invoices", true);
    MATCH("billing.>", "billing.x", true);
    MATCH("billing.>", "billing.a.b", true);
    MATCH("billing.>", "billing", false);
    MATCH(">", "a", true);
    MATCH(">", "billing.a.b", true);

    /* Literal patterns match only themselves, byte for byte. */
    MATCH("orders", "orders", true);
    MATCH("orders", "order", false);
    MATCH("order", "orders", false);
    MATCH("orders", "Orders", false);
    MATCH("a.b", "a.b", true);
    MATCH("a.b", "a.c", false);
    MATCH("a.b", "a", false);
    MATCH("a", "a.b", false);
    MATCH("a.b", "a.bb", false);
    MATCH("a.bb", "a.b", false);
    MATCH("ab.c", "a.bc", false);

    /* `*` is exactly one token, anywhere. */
    MATCH("*", "a", true);
    MATCH("*", "a.b", false);
    MATCH("*.b", "a.b", true);
    MATCH("*.b", "a.c", false);
    MATCH("*.b", "b", false);
    MATCH("a.*.c", "a.b.c", true);
    MATCH("a.*.c", "a.c", false);
    MATCH("a.*.c", "a.b.b.c", false);
    MATCH("*.*", "a.b", true);
    MATCH("*.*", "a", false);
    MATCH("*.*", "a.b.c", false);

    /* `>` is one or more trailing tokens. */
    MATCH("*.>", "a.b", true);
    MATCH("*.>", "a.b.c.d", true);
    MATCH("*.>", "a", false);
    MATCH("a.*.>", "a.b.c", true);
    MATCH("a.*.>", "a.b", false);
    MATCH("a.b.>", "a.c.d", false);
    MATCH("a.>", "b.a", false);
    MATCH("a.>", "ab.c", false);

    /* A name used as a pattern does not treat the name's bytes specially:
     * nothing in a name is `*` or `>`. */
    MATCH("x", "x", true);

    /* Invalid input: some answer, no crash (ASan watches the reads). */
    CHECK(!msg_pattern_match(NULL, 0, "a", 1));
    CHECK(!msg_pattern_match("a", 1, NULL, 0));
    CHECK(!msg_pattern_match("a", 1, "", 0));
    CHECK(!msg_pattern_match("", 0, "a", 1));
    (void)msg_pattern_match(LIT("a."), LIT("a."));
    (void)msg_pattern_match(LIT(".."), LIT("..."));
    (void)msg_pattern_match(LIT(">.a"), LIT("x.a"));
    (void)msg_pattern_match(LIT("a.*"), LIT("a."));
}

static void test_covers(void *arg)
{
    (void)arg;
    /* The examples of the brief and ABI.md. */
    COVERS("billing.*", "billing.x", true);
    COVERS("billing.*", "billing.*", true);
    COVERS("billing.*", "billing.>", false);
    COVERS("billing.*", "billing", false);
    COVERS("billing.*", "billing.x.y", false);
    COVERS("billing.>", "billing.*", true);
    COVERS("billing.>", "billing.a.>", true);
    COVERS("billing.>", "billing.x", true);
    COVERS("billing.>", "billing.>", true);
    COVERS("billing.>", "billing.*.*", true);
    COVERS("billing.>", "billing", false);
    COVERS("billing.>", ">", false);
    COVERS("billing.>", "*.x", false);
    COVERS(">", "a", true);
    COVERS(">", "*", true);
    COVERS(">", ">", true);
    COVERS(">", "a.b.>", true);
    COVERS(">", "*.*.*", true);
    COVERS("*", "*", true);
    COVERS("*", "x", true);
    COVERS("*", "x.y", false);
    COVERS("*", ">", false);
    COVERS("*", "*.*", false);

    /* Literals. */
    COVERS("a", "a", true);
    COVERS("a", "b", false);
    COVERS("a", "*", false);
    COVERS("a", ">", false);
    COVERS("a", "a.b", false);
    COVERS("a.b", "a", false);
    COVERS("a.b", "a.*", false);
    COVERS("ab", "a", false);
    COVERS("a", "ab", false);

    /* Stars and tails in the middle and at the end. */
    COVERS("*.b", "a.b", true);
    COVERS("*.b", "*.b", true);
    COVERS("*.b", "*.c", false);
    COVERS("*.b", "*.*", false);
    COVERS("*.*", "a.*", true);
    COVERS("*.*", "*.b", true);
    COVERS("*.*", "*.>", false);
    COVERS("*.>", "a.b", true);
    COVERS("*.>", "a.>", true);
    COVERS("*.>", "*.*.*", true);
    COVERS("*.>", "a", false);
    COVERS("*.>", "*", false);
    COVERS("*.>", ">", false);
    COVERS("a.*.>", "a.b.>", true);
    COVERS("a.*.>", "a.>", false);
    COVERS("a.*.>", "a.*", false);
    COVERS("a.>", "a.*.>", true);
    COVERS("a.b.>", "a.*.>", false);
    COVERS("a.b.>", "a.b.c.d", true);

    /* Invalid input: an answer, no crash. */
    CHECK(!msg_pattern_covers(NULL, 0, "a", 1));
    CHECK(!msg_pattern_covers("a", 1, "", 0));
    (void)msg_pattern_covers(LIT("a."), LIT("a."));
    (void)msg_pattern_covers(LIT(">.x"), LIT("x.>.y"));
}

/* Builds the string of `n` tokens chosen by `digits` (base `base`) from
 * `alpha`; returns its length. */
static size_t build(char *buf, const char *const *alpha, unsigned base, unsigned n, unsigned code)
{
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *t = alpha[code % base];
        code /= base;
        if (i > 0)
            buf[len++] = '.';
        memcpy(buf + len, t, strlen(t));
        len += strlen(t);
    }
    return len;
}

enum { MAX_PAT = 160, MAX_NAMES = 400 };
typedef struct str {
    char s[16];
    size_t len;
} str;

/* The small world both coverage tests search: patterns of up to 3 tokens
 * from {a, b, *}, then optionally `>` (NUL-terminated; those of up to 2
 * tokens and a `>` come first, *nshort of them); names of up to 5 tokens from
 * {a, b, c} (`c` appears in no pattern, so it tells `*` from literals; 5
 * tokens outrun any pattern's fixed part). */
static str pats[MAX_PAT], names[MAX_NAMES];
static size_t npats, nnames;

static void small_world(size_t *nshort)
{
    static const char *const ptok[] = {"a", "b", "*"};
    static const char *const ntok[] = {"a", "b", "c"};
    npats = nnames = 0;
    for (unsigned n = 0; n <= 3; n++) {
        unsigned count = 1;
        for (unsigned i = 0; i < n; i++)
            count *= 3;
        for (unsigned code = 0; code < count; code++)
            for (int tail = 0; tail <= 1; tail++) {
                if (n == 0 && !tail)
                    continue;
                str *p = &pats[npats++];
                p->len = build(p->s, ptok, 3, n, code);
                if (tail) {
                    if (n > 0)
                        p->s[p->len++] = '.';
                    p->s[p->len++] = '>';
                }
                p->s[p->len] = 0;
            }
        if (n == 2)
            *nshort = npats;
    }
    for (unsigned n = 1; n <= 5; n++) {
        unsigned count = 1;
        for (unsigned i = 0; i < n; i++)
            count *= 3;
        for (unsigned code = 0; code < count; code++) {
            str *s = &names[nnames++];
            s->len = build(s->s, ntok, 3, n, code);
        }
    }
}

static void test_covers_exhaustive(void *arg)
{
    (void)arg;
    size_t nshort;
    small_world(&nshort);
    REQUIRE(npats <= MAX_PAT && nnames <= MAX_NAMES);
    for (size_t i = 0; i < npats; i++)
        REQUIRE(msg_pattern_valid(pats[i].s, pats[i].len));
    for (size_t i = 0; i < nnames; i++)
        REQUIRE(msg_name_valid(names[i].s, names[i].len));

    for (size_t g = 0; g < npats; g++)
        for (size_t p = 0; p < npats; p++) {
            bool want = true;
            for (size_t k = 0; k < nnames && want; k++)
                if (msg_pattern_match(pats[p].s, pats[p].len, names[k].s, names[k].len) &&
                    !msg_pattern_match(pats[g].s, pats[g].len, names[k].s, names[k].len))
                    want = false;
            bool got = msg_pattern_covers(pats[g].s, pats[g].len, pats[p].s, pats[p].len);
            expect2("msg_pattern_covers", got, want, pats[g].s, pats[g].len, pats[p].s, pats[p].len,
                    __LINE__);
        }
}

/* msg_patterns_cover against its definition, for every pair of grants of up
 * to 2 tokens from {a, b, *} and an optional `>`, and every pattern of the
 * small world: covered iff every name that the pattern matches is matched
 * by one of the two grants. */
static void test_covers_union_exhaustive(void *arg)
{
    (void)arg;
    size_t ngrants = 0;
    small_world(&ngrants);
    REQUIRE(npats <= MAX_PAT && nnames <= MAX_NAMES);
    static bool matches[MAX_PAT][MAX_NAMES];
    for (size_t p = 0; p < npats; p++)
        for (size_t k = 0; k < nnames; k++)
            matches[p][k] = msg_pattern_match(pats[p].s, pats[p].len, names[k].s, names[k].len);
    int wrong = 0, unions = 0;
    for (size_t g1 = 0; g1 < ngrants; g1++)
        for (size_t g2 = g1 + 1; g2 < ngrants; g2++)
            for (size_t p = 0; p < npats; p++) {
                bool want = true;
                for (size_t k = 0; k < nnames && want; k++)
                    if (matches[p][k] && !matches[g1][k] && !matches[g2][k])
                        want = false;
                const char *grants[2] = {pats[g1].s, pats[g2].s};
                bool got = msg_patterns_cover(grants, 2, pats[p].s, pats[p].len);
                if (want && !msg_pattern_covers(pats[g1].s, pats[g1].len, pats[p].s, pats[p].len) &&
                    !msg_pattern_covers(pats[g2].s, pats[g2].len, pats[p].s, pats[p].len))
                    unions++;
                if (got != want && wrong++ < 10)
                    fprintf(stderr, "msg_patterns_cover([%s, %s], %s) = %d, want %d\n", pats[g1].s,
                            pats[g2].s, pats[p].s, got, want);
            }
    CHECK(wrong == 0);
    CHECK(unions > 0); /* cases that only the two grants together cover were met */
}

int main(int argc, char **argv)
{
    (void)test_read_file; /* harness.h's, unused here */
    static const test_case tests[] = {
        {"names", test_names},   {"patterns", test_patterns},
        {"match", test_match},   {"covers_union_exhaustive", test_covers_union_exhaustive},
        {"covers", test_covers}, {"covers_exhaustive", test_covers_exhaustive},
    };
    return test_run(tests, sizeof tests / sizeof tests[0], argc > 1 ? argv[1] : "all", NULL);
}
