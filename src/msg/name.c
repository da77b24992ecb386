/*
 * name.c: validity, matching and coverage of names and patterns.
 *
 * All four functions walk dot-separated tokens left to right, once. A token
 * is found with memchr from its first byte to the next '.' (or the end), so
 * no function ever reads outside the (pointer, length) it was given, valid
 * input or not.
 *
 * Coverage (msg_pattern_covers) works token by token because a pattern's
 * set of names is a product of per-token sets: a literal token is one
 * token, `*` is any one token, a trailing `>` is any one or more tokens.
 * Every valid pattern matches at least one name, so the product of the
 * grant contains the product of the pattern exactly when each position's
 * set contains the other's, and the lengths agree (see the function).
 */
#include "name.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* [A-Za-z0-9_-], spelled out: no locale. */
static bool token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* The end of the token that starts at i: the index of the next '.', or len.
 * s must not be NULL (callers return early on len == 0). */
static size_t token_end(const char *s, size_t len, size_t i)
{
    const char *dot = memchr(s + i, '.', len - i);
    return dot != NULL ? (size_t)(dot - s) : len;
}

static bool is_star(const char *s, size_t i, size_t end)
{
    return end - i == 1 && s[i] == '*';
}

static bool is_tail(const char *s, size_t i, size_t end)
{
    return end - i == 1 && s[i] == '>';
}

/* A name, or with `pattern` a pattern. */
static bool valid(const char *s, size_t len, bool pattern)
{
    if (s == NULL || len == 0 || len > MSG_NAME_MAX)
        return false;
    size_t i = 0;
    for (;;) {
        size_t end = token_end(s, len, i);
        if (end == i)
            return false; /* empty token: leading, trailing or double dot */
        if (pattern && is_star(s, i, end)) {
            /* `*` stands for one token */
        } else if (pattern && is_tail(s, i, end)) {
            if (end != len)
                return false; /* `>` only as the last token */
        } else {
            for (size_t k = i; k < end; k++)
                if (!token_char((unsigned char)s[k]))
                    return false;
        }
        if (end == len)
            return true;
        i = end + 1;
    }
}

bool msg_host_sender_valid(const char *s, size_t len)
{
    if (len < 2 || len > MSG_HOST_SENDER_MAX || s[0] != '@')
        return false;
    for (size_t i = 1; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

bool msg_name_valid(const char *s, size_t len)
{
    return valid(s, len, false);
}

bool msg_pattern_valid(const char *s, size_t len)
{
    return valid(s, len, true);
}

bool msg_pattern_match(const char *pat, size_t plen, const char *name, size_t nlen)
{
    if (pat == NULL || name == NULL || plen == 0 || nlen == 0)
        return false;
    size_t pi = 0, ni = 0;
    /* At the top of the loop both strings have a current token. */
    for (;;) {
        size_t pe = token_end(pat, plen, pi);
        if (is_tail(pat, pi, pe))
            return true; /* the name has this token, and maybe more */
        size_t ne = token_end(name, nlen, ni);
        if (!is_star(pat, pi, pe) &&
            (pe - pi != ne - ni || memcmp(pat + pi, name + ni, pe - pi) != 0))
            return false;
        bool pdone = pe == plen, ndone = ne == nlen;
        if (pdone || ndone)
            return pdone && ndone; /* same number of tokens */
        pi = pe + 1;
        ni = ne + 1;
    }
}

bool msg_pattern_covers(const char *grant, size_t glen, const char *pat, size_t plen)
{
    if (grant == NULL || pat == NULL || glen == 0 || plen == 0)
        return false;
    size_t gi = 0, pi = 0;
    /* At the top of the loop both patterns have a current token, and every
     * name the pattern matches has agreed with the grant so far. */
    for (;;) {
        size_t ge = token_end(grant, glen, gi);
        size_t pe = token_end(pat, plen, pi);
        /* A trailing `>` in the grant takes the rest of any name, and the
         * pattern's names have at least one token here. */
        if (is_tail(grant, gi, ge))
            return true;
        /* The grant takes exactly one token here (and then maybe more), but
         * the pattern's names may have any number of tokens from here on:
         * e.g. `a.>` matches both `a.x` and `a.x.y`, never both covered by a
         * grant without `>` at this position. */
        if (is_tail(pat, pi, pe))
            return false;
        /* `*` takes any one token; a literal takes only itself, so the
         * pattern must have the same literal (not `*`, which takes others). */
        if (!is_star(grant, gi, ge) && (is_star(pat, pi, pe) || ge - gi != pe - pi ||
                                        memcmp(grant + gi, pat + pi, ge - gi) != 0))
            return false;
        bool gdone = ge == glen, pdone = pe == plen;
        if (gdone || pdone)
            return gdone && pdone; /* else one side needs more tokens */
        gi = ge + 1;
        pi = pe + 1;
    }
}

/* ---- coverage by several grants ------------------------------------------
 *
 * The names a pattern matches are checked position by position against the
 * set of grants still matching them (`alive`, a bit per grant). Where the
 * pattern has a literal, the name has that token; where it has `*` (or is
 * inside its trailing `>`), the name's token is any token, and the grants
 * tell apart only the literals they hold at that position and "any other":
 * each such class is one branch, and every branch must be covered. A
 * trailing `>` is a `*` after which the name either ends or goes on with
 * another `>`; that recursion ends because grants without `>` are finite
 * and a grant with `>` here covers everything left at once. */

enum { MAX_TOKENS = MSG_NAME_MAX / 2 + 1 };

typedef struct token {
    uint8_t off, len; /* names and patterns are at most 255 bytes */
} token;

typedef struct tokens {
    const char *s;
    token t[MAX_TOKENS];
    unsigned n;
} tokens;

typedef struct cover_ctx {
    tokens *g; /* the grants */
    size_t ng;
    tokens p; /* the pattern */
    long budget;
} cover_ctx;

static void tokenize(tokens *out, const char *s, size_t len)
{
    out->s = s;
    out->n = 0;
    for (size_t i = 0; out->n < MAX_TOKENS;) {
        size_t end = token_end(s, len, i);
        out->t[out->n++] = (token){(uint8_t)i, (uint8_t)(end - i)};
        if (end >= len)
            break;
        i = end + 1;
    }
}

static bool tok_is(const tokens *x, unsigned k, char c)
{
    return x->t[k].len == 1 && x->s[x->t[k].off] == c;
}

static bool tok_eq(const tokens *x, unsigned k, const tokens *y, unsigned j)
{
    return x->t[k].len == y->t[j].len &&
           memcmp(x->s + x->t[k].off, y->s + y->t[j].off, x->t[k].len) == 0;
}

/* The grants of `alive` that take at position `pos` the token that grant
 * `lit` holds there, or (lit < 0) a token no grant holds as a literal. */
static uint64_t take(const cover_ctx *c, uint64_t alive, unsigned pos, long lit)
{
    uint64_t out = 0;
    for (size_t i = 0; i < c->ng; i++) {
        const tokens *g = &c->g[i];
        if (!(alive >> i & 1) || g->n <= pos)
            continue;
        if (tok_is(g, pos, '*') || (lit >= 0 && tok_eq(g, pos, &c->g[lit], pos)))
            out |= 1ull << i;
    }
    return out;
}

/* Whether a grant of `alive` ends right after position pos. */
static bool ends_at(const cover_ctx *c, uint64_t alive, unsigned pos)
{
    for (size_t i = 0; i < c->ng; i++)
        if ((alive >> i & 1) && c->g[i].n == pos + 1)
            return true;
    return false;
}

/* Every name matched by the pattern from position pos on (its tokens before
 * pos being such that exactly `alive` match so far) is matched by a grant of
 * `alive`. In `tail`, the pattern's `>` stands for the name's tokens from
 * pos on, of which there is at least one. */
static bool cover_from(cover_ctx *c, uint64_t alive, unsigned pos, bool tail)
{
    /* A step costs up to ng * ng token comparisons: the budget counts them
     * in units of ng, so a subscribe costs at most a few million. */
    c->budget -= (long)c->ng;
    if (c->budget < 0)
        return false;
    for (size_t i = 0; i < c->ng; i++)
        if ((alive >> i & 1) && c->g[i].n > pos && tok_is(&c->g[i], pos, '>'))
            return true; /* the name has a token here: the grant takes it and the rest */
    if (!tail && tok_is(&c->p, pos, '>'))
        tail = true;
    bool last = !tail && pos + 1 == c->p.n;
    if (!tail && !tok_is(&c->p, pos, '*')) {
        /* A literal: the name's token is exactly it. */
        uint64_t next = 0;
        for (size_t i = 0; i < c->ng; i++) {
            const tokens *g = &c->g[i];
            if ((alive >> i & 1) && g->n > pos &&
                (tok_is(g, pos, '*') || tok_eq(g, pos, &c->p, pos)))
                next |= 1ull << i;
        }
        return last ? ends_at(c, next, pos) : cover_from(c, next, pos + 1, false);
    }
    /* Any token: one branch per literal the grants hold here, one for the rest. */
    for (long lit = -1; lit < (long)c->ng; lit++) {
        if (lit >= 0) {
            const tokens *g = &c->g[lit];
            if (!(alive >> lit & 1) || g->n <= (unsigned)pos || tok_is(g, pos, '*'))
                continue;
            bool seen = false; /* a literal held by an earlier grant too: done */
            for (long j = 0; j < lit && !seen; j++)
                seen = (alive >> j & 1) && c->g[j].n > pos && !tok_is(&c->g[j], pos, '*') &&
                       tok_eq(&c->g[j], pos, g, pos);
            if (seen)
                continue;
        }
        uint64_t next = take(c, alive, pos, lit);
        if (tail) {
            /* The name ends here, or goes on with one or more tokens. */
            if (!ends_at(c, next, pos) || !cover_from(c, next, pos + 1, true))
                return false;
        } else if (last ? !ends_at(c, next, pos) : !cover_from(c, next, pos + 1, false)) {
            return false;
        }
    }
    return true;
}

bool msg_patterns_cover(const char *const *grants, size_t n, const char *pat, size_t plen)
{
    if (pat == NULL || plen == 0 || plen > MSG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (grants[i] && msg_pattern_covers(grants[i], strlen(grants[i]), pat, plen))
            return true; /* the common case, and the answer past the bounds below */
    if (n < 2 || n > MSG_COVER_GRANTS)
        return false;
    cover_ctx c = {.g = malloc(n * sizeof *c.g), .ng = n, .budget = 200000};
    if (c.g == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t len = grants[i] ? strlen(grants[i]) : 0;
        if (len == 0 || len > MSG_NAME_MAX) {
            free(c.g);
            return false;
        }
        tokenize(&c.g[i], grants[i], len);
    }
    tokenize(&c.p, pat, plen);
    bool ok = cover_from(&c, n == 64 ? UINT64_MAX : (1ull << n) - 1, 0, false);
    free(c.g);
    return ok && c.budget >= 0;
}

/* ---- outbound HTTP grants ----------------------------------------------- */

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

bool msg_http_grant_split(const char *g, size_t len, size_t *hlen, unsigned *port)
{
    size_t end = len;
    if (len && g[0] == '[') {
        const char *close = memchr(g, ']', len);
        if (!close)
            return false;
        end = (size_t)(close - g) + 1;
        for (size_t i = 1; i + 1 < end; i++)
            if (!(g[i] == ':' || (g[i] >= '0' && g[i] <= '9') || (g[i] >= 'a' && g[i] <= 'f') ||
                  (g[i] >= 'A' && g[i] <= 'F') || g[i] == '.'))
                return false;
        if (end < 3 || (end < len && g[end] != ':'))
            return false;
    } else {
        const char *colon = memchr(g, ':', len);
        end = colon ? (size_t)(colon - g) : len;
    }
    *hlen = end;
    *port = 0;
    if (end == len)
        return end > 0;
    if (len - end < 2 || len - end > 6)
        return false;
    unsigned p = 0;
    for (size_t i = end + 1; i < len; i++) {
        if (g[i] < '0' || g[i] > '9')
            return false;
        p = p * 10 + (unsigned)(g[i] - '0');
    }
    *port = p;
    return p > 0 && p < 65536;
}

static bool dns_host_valid(const char *h, size_t len)
{
    if (len == 0 || len > 253 || h[0] == '.' || h[len - 1] == '.')
        return false;
    size_t start = 0;
    if (len >= 2 && h[0] == '*' && h[1] == '.')
        start = 2; /* a wildcard first label */
    for (size_t i = start; i < len; i++)
        if (!host_char(h[i]) || (h[i] == '.' && h[i - 1] == '.'))
            return false;
    return start < len;
}

bool msg_http_grant_valid(const char *grant, size_t len)
{
    size_t hlen;
    unsigned port;
    if (!msg_http_grant_split(grant, len, &hlen, &port))
        return false;
    return grant[0] == '[' || dns_host_valid(grant, hlen);
}
