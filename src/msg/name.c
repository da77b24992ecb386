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
