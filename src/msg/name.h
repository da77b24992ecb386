/*
 * name.h: component names, topics and patterns (ABI.md, "Model").
 *
 * A name (a component's name or a pub/sub topic) is 1..255 bytes: tokens of
 * [A-Za-z0-9_-]+ joined by single dots (`orders`, `billing.invoices`).
 * A pattern is a name in which a token may be `*` (exactly one token) or, as
 * the whole last token only, `>` (one or more tokens).
 *
 * Every function here is pure: it reads only its arguments, allocates
 * nothing and never fails, so any thread may call it at any time. Strings
 * are (pointer, length) pairs; they need not be NUL-terminated, and a NUL
 * byte inside is simply an invalid character.
 */
#ifndef WACTOR_MSG_NAME_H
#define WACTOR_MSG_NAME_H

#include <stdbool.h>
#include <stddef.h>

/* Longest name or pattern, in bytes. */
#define MSG_NAME_MAX 255u

/* True iff s[0..len) is a valid name (or topic). */
bool msg_name_valid(const char *s, size_t len);

/* True iff s[0..len) is the name of a sender outside the components: '@'
 * and 1..31 bytes of [a-z0-9-] ("@host", "@http"). */
#define MSG_HOST_SENDER_MAX 32u
bool msg_host_sender_valid(const char *s, size_t len);

/* An entry of the `http` grant (ABI.md v2, "Outbound HTTP"): "host" or
 * "host:port", a host being a DNS name whose first label may be "*", an
 * IPv4 address, or an IPv6 address in brackets; a port 1..65535. split
 * gives the host's length and the port (0: none). */
bool msg_http_grant_valid(const char *grant, size_t len);
bool msg_http_grant_split(const char *grant, size_t len, size_t *hlen, unsigned *port);

/* True iff s[0..len) is a valid pattern. Every valid name is a valid
 * pattern (it matches only itself). */
bool msg_pattern_valid(const char *s, size_t len);

/* True iff the pattern matches the name. Both are assumed valid (checked
 * with the functions above); other input gives some answer, never a crash
 * or a read outside [pat, pat+plen) and [name, name+nlen). One pass over
 * the tokens, no allocation. */
bool msg_pattern_match(const char *pat, size_t plen, const char *name, size_t nlen);

/* True iff every name that `pat` matches is also matched by `grant`: the
 * subscribe capability check (ABI.md). `billing.*` covers `billing.x` and
 * `billing.*` but not `billing.>`; `billing.>` covers `billing.a.>`;
 * `>` covers every pattern. Both are assumed valid, as above. */
bool msg_pattern_covers(const char *grant, size_t glen, const char *pat, size_t plen);

/* True iff every name that `pat` matches is matched by at least one of the
 * n grants (the ABI's subscribe rule read exactly): `a.*` and `a.*.>`
 * together cover `a.>`, which neither covers alone. All are assumed valid.
 * At most MSG_COVER_GRANTS grants are looked at together, and the search
 * is bounded: past either bound the answer is that of msg_pattern_covers
 * on each grant alone, which may deny but never allows too much. */
#define MSG_COVER_GRANTS 64
bool msg_patterns_cover(const char *const *grants, size_t n, const char *pat, size_t plen);

#endif
