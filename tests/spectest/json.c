/*
 * json.c: strict JSON parser; see json.h for the contract.
 *
 * Design: a recursive-descent parser over a byte range that never reads past
 * its end (every look-ahead checks the bound first). The tree is allocated in
 * an arena of large blocks, so freeing a document is one walk over a block
 * list and never recurses over the tree. Arrays and objects are built on two
 * scratch stacks shared by all nesting levels: children are pushed while
 * their container is open, and when it closes the finished run is copied
 * into the arena as one contiguous array and popped. Because nesting is
 * LIFO, an inner container always pops its children before the outer one
 * pushes its next element.
 */
#include "json.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---------------------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[]; /* max_align_t keeps every allocation aligned */
} arena_block;

#define ARENA_BLOCK_BYTES ((size_t)64 * 1024)

struct json_doc {
    arena_block *blocks; /* newest first */
    json_value root;
};

static void *arena_alloc(json_doc *doc, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size > SIZE_MAX - align)
        return NULL;
    size = (size + align - 1) & ~(align - 1);
    arena_block *b = doc->blocks;
    if (b == NULL || b->cap - b->used < size) {
        size_t cap = size > ARENA_BLOCK_BYTES ? size : ARENA_BLOCK_BYTES;
        if (cap > SIZE_MAX - sizeof(arena_block))
            return NULL;
        b = malloc(sizeof(arena_block) + cap);
        if (b == NULL)
            return NULL;
        b->next = doc->blocks;
        b->used = 0;
        b->cap = cap;
        doc->blocks = b;
    }
    void *p = (unsigned char *)b->data + b->used;
    b->used += size;
    return p;
}

/* ---- parser state ----------------------------------------------------------- */

typedef struct parser {
    const unsigned char *start, *p, *end;
    json_doc *doc;
    json_error *err;
    bool failed; /* the first error wins: later ones are consequences */
    int depth;
    json_value *vals; /* scratch stack for array elements */
    size_t nvals, capvals;
    json_member *mems; /* scratch stack for object members */
    size_t nmems, capmems;
} parser;

static bool fail_at(parser *ps, const unsigned char *at, const char *msg)
{
    if (ps->failed)
        return false;
    ps->failed = true;
    if (ps->err == NULL)
        return false;
    json_error *e = ps->err;
    e->offset = (size_t)(at - ps->start);
    e->line = 1;
    e->column = 1;
    for (const unsigned char *q = ps->start; q < at; q++) {
        if (*q == '\n') {
            e->line++;
            e->column = 1;
        } else {
            e->column++;
        }
    }
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    return false;
}

static bool fail(parser *ps, const char *msg)
{
    return fail_at(ps, ps->p, msg);
}

static bool oom(parser *ps)
{
    return fail(ps, "out of memory");
}

/* Grows a scratch stack so one more element fits. */
static bool grow(void **buf, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    if (ncap < *cap || ncap > SIZE_MAX / elem)
        return false;
    void *nb = realloc(*buf, ncap * elem);
    if (nb == NULL)
        return false;
    *buf = nb;
    *cap = ncap;
    return true;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool at_char(const parser *ps, unsigned char c)
{
    return ps->p < ps->end && *ps->p == c;
}

static bool parse_value(parser *ps, json_value *out);

/* ---- strings ----------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is malformed,
 * overlong, a surrogate, beyond U+10FFFF or cut short by end. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        if (c == 0xF4)
            hi = 0x8F; /* > U+10FFFF */
    } else {
        return 0;
    }
    if ((size_t)(end - s) < n)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static size_t utf8_put(unsigned char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads the 4 hex digits after "\u" at *s (s points at the 'u'). */
static bool read_u_escape(const unsigned char **s, const unsigned char *end, uint32_t *cp)
{
    const unsigned char *q = *s + 1;
    if (end - q < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = q[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return false;
        v = v * 16 + d;
    }
    *cp = v;
    *s = q + 4;
    return true;
}

/* Decodes the escape whose backslash is at *s into o; advances *s past it.
 * Returns the number of bytes written, 0 on error. */
static size_t decode_escape(parser *ps, const unsigned char **s, const unsigned char *end,
                            unsigned char *o)
{
    const unsigned char *bs = *s;
    const unsigned char *q = bs + 1; /* the escape letter; the caller made sure it exists */
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *hit = *q ? strchr(from, *q) : NULL;
    if (hit != NULL) {
        *o = (unsigned char)to[hit - from];
        *s = q + 1;
        return 1;
    }
    if (*q != 'u')
        return fail_at(ps, bs, "invalid escape in string"), 0;
    uint32_t cp;
    if (!read_u_escape(&q, end, &cp))
        return fail_at(ps, bs, "invalid \\u escape"), 0;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail_at(ps, bs, "lone low surrogate in \\u escape"), 0;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (end - q < 2 || q[0] != '\\' || q[1] != 'u')
            return fail_at(ps, bs, "lone high surrogate in \\u escape"), 0;
        const unsigned char *u = q + 1;
        if (!read_u_escape(&u, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            return fail_at(ps, bs, "high surrogate not followed by a low surrogate"), 0;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        q = u;
    }
    *s = q;
    return utf8_put(o, cp);
}

/* ps->p is at the opening quote. The decoded string is never longer than its
 * raw form (every escape shrinks or keeps its size), so one allocation of
 * the raw length suffices. */
static bool parse_string(parser *ps, json_str *out)
{
    const unsigned char *open = ps->p;
    const unsigned char *raw = open + 1, *close = raw;
    while (close < ps->end && *close != '"') {
        if (*close == '\\') {
            if (ps->end - close < 2)
                break;
            close++;
        }
        close++;
    }
    if (close >= ps->end || *close != '"') /* also a final lone backslash */
        return fail_at(ps, open, "unterminated string");
    size_t rawlen = (size_t)(close - raw);
    unsigned char *buf = arena_alloc(ps->doc, rawlen + 1);
    if (buf == NULL)
        return oom(ps);
    size_t n = 0;
    for (const unsigned char *s = raw; s < close;) {
        if (*s == '\\') {
            size_t k = decode_escape(ps, &s, close, buf + n);
            if (k == 0)
                return false;
            n += k;
        } else if (*s < 0x20) {
            return fail_at(ps, s, "control character in string");
        } else {
            size_t k = utf8_len(s, close);
            if (k == 0)
                return fail_at(ps, s, "invalid UTF-8 in string");
            memcpy(buf + n, s, k);
            n += k;
            s += k;
        }
    }
    buf[n] = 0;
    out->ptr = (const char *)buf;
    out->len = n;
    ps->p = close + 1;
    return true;
}

/* ---- numbers and literals ------------------------------------------------------ */

static bool is_digit(const parser *ps)
{
    return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static void skip_digits(parser *ps)
{
    while (is_digit(ps))
        ps->p++;
}

static bool parse_number(parser *ps, json_value *out)
{
    const unsigned char *begin = ps->p;
    if (at_char(ps, '-'))
        ps->p++;
    if (at_char(ps, '0'))
        ps->p++;
    else if (is_digit(ps))
        skip_digits(ps);
    else
        return fail(ps, "invalid number");
    if (at_char(ps, '.')) {
        ps->p++;
        if (!is_digit(ps))
            return fail(ps, "digit expected after decimal point");
        skip_digits(ps);
    }
    if (at_char(ps, 'e') || at_char(ps, 'E')) {
        ps->p++;
        if (at_char(ps, '+') || at_char(ps, '-'))
            ps->p++;
        if (!is_digit(ps))
            return fail(ps, "digit expected in exponent");
        skip_digits(ps);
    }
    size_t len = (size_t)(ps->p - begin);
    char *text = arena_alloc(ps->doc, len + 1);
    if (text == NULL)
        return oom(ps);
    memcpy(text, begin, len);
    text[len] = 0;
    out->type = JSON_NUMBER;
    out->u.number.value = strtod(text, NULL); /* grammar checked above; huge values give inf */
    out->u.number.text.ptr = text;
    out->u.number.text.len = len;
    return true;
}

static bool parse_literal(parser *ps, json_value *out)
{
    static const struct {
        const char *word;
        json_type type;
        bool value;
    } lits[] = {{"true", JSON_BOOL, true}, {"false", JSON_BOOL, false}, {"null", JSON_NULL, false}};
    for (size_t i = 0; i < sizeof lits / sizeof lits[0]; i++) {
        size_t n = strlen(lits[i].word);
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lits[i].word, n) == 0) {
            ps->p += n;
            out->type = lits[i].type;
            out->u.boolean = lits[i].value;
            return true;
        }
    }
    return fail(ps, "invalid literal");
}

/* ---- containers ------------------------------------------------------------------ */

static bool enter(parser *ps)
{
    if (ps->depth >= JSON_MAX_DEPTH)
        return fail(ps, "nesting too deep");
    ps->depth++;
    ps->p++; /* the opening bracket */
    skip_ws(ps);
    return true;
}

/* After an element: ',' continues the container, `close` ends it. */
static bool next_or_close(parser *ps, unsigned char close, bool *done)
{
    skip_ws(ps);
    if (at_char(ps, ',')) {
        ps->p++;
        *done = false;
        return true;
    }
    if (at_char(ps, close)) {
        ps->p++;
        *done = true;
        return true;
    }
    return fail(ps, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
}

static bool parse_array(parser *ps, json_value *out)
{
    if (!enter(ps))
        return false;
    size_t base = ps->nvals;
    bool done = at_char(ps, ']');
    if (done)
        ps->p++;
    while (!done) {
        json_value v;
        if (!parse_value(ps, &v))
            return false;
        if (!grow((void **)&ps->vals, &ps->capvals, ps->nvals, sizeof *ps->vals))
            return oom(ps);
        ps->vals[ps->nvals++] = v;
        if (!next_or_close(ps, ']', &done))
            return false;
    }
    size_t n = ps->nvals - base;
    json_value *items = NULL;
    if (n > 0) {
        items = arena_alloc(ps->doc, n * sizeof *items); /* n * size fits: it is in memory */
        if (items == NULL)
            return oom(ps);
        memcpy(items, ps->vals + base, n * sizeof *items);
    }
    ps->nvals = base;
    ps->depth--;
    out->type = JSON_ARRAY;
    out->u.array.items = items;
    out->u.array.len = n;
    return true;
}

static bool parse_member(parser *ps, json_member *m)
{
    skip_ws(ps);
    if (!at_char(ps, '"'))
        return fail(ps, "expected a string key");
    if (!parse_string(ps, &m->key))
        return false;
    skip_ws(ps);
    if (!at_char(ps, ':'))
        return fail(ps, "expected ':'");
    ps->p++;
    return parse_value(ps, &m->value);
}

static bool parse_object(parser *ps, json_value *out)
{
    if (!enter(ps))
        return false;
    size_t base = ps->nmems;
    bool done = at_char(ps, '}');
    if (done)
        ps->p++;
    while (!done) {
        json_member m;
        if (!parse_member(ps, &m))
            return false;
        if (!grow((void **)&ps->mems, &ps->capmems, ps->nmems, sizeof *ps->mems))
            return oom(ps);
        ps->mems[ps->nmems++] = m;
        if (!next_or_close(ps, '}', &done))
            return false;
    }
    size_t n = ps->nmems - base;
    json_member *items = NULL;
    if (n > 0) {
        items = arena_alloc(ps->doc, n * sizeof *items);
        if (items == NULL)
            return oom(ps);
        memcpy(items, ps->mems + base, n * sizeof *items);
    }
    ps->nmems = base;
    ps->depth--;
    out->type = JSON_OBJECT;
    out->u.object.items = items;
    out->u.object.len = n;
    return true;
}

static bool parse_value(parser *ps, json_value *out)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input");
    switch (*ps->p) {
    case '{':
        return parse_object(ps, out);
    case '[':
        return parse_array(ps, out);
    case '"':
        out->type = JSON_STRING;
        return parse_string(ps, &out->u.string);
    case 't':
    case 'f':
    case 'n':
        return parse_literal(ps, out);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps, out);
        return fail(ps, "unexpected character");
    }
}

/* ---- public API -------------------------------------------------------------------- */

json_doc *json_parse(const char *text, size_t len, json_error *err)
{
    if (err != NULL)
        memset(err, 0, sizeof *err);
    json_doc *doc = calloc(1, sizeof *doc);
    if (doc == NULL) {
        if (err != NULL)
            snprintf(err->msg, sizeof err->msg, "out of memory");
        return NULL;
    }
    const unsigned char *start = (const unsigned char *)(text ? text : "");
    parser ps = {
        .start = start, .p = start, .end = start + (text ? len : 0), .doc = doc, .err = err};
    bool ok = parse_value(&ps, &doc->root);
    if (ok) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            ok = fail(&ps, "trailing characters after the value");
    }
    free(ps.vals);
    free(ps.mems);
    if (!ok) {
        json_free(doc);
        return NULL;
    }
    return doc;
}

void json_free(json_doc *doc)
{
    if (doc == NULL)
        return;
    arena_block *b = doc->blocks;
    while (b != NULL) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(doc);
}

const json_value *json_root(const json_doc *doc)
{
    return doc ? &doc->root : NULL;
}

const json_value *json_get(const json_value *obj, const char *key)
{
    if (obj == NULL || obj->type != JSON_OBJECT || key == NULL)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < obj->u.object.len; i++) {
        const json_member *m = &obj->u.object.items[i];
        if (m->key.len == klen && memcmp(m->key.ptr, key, klen) == 0)
            return &m->value;
    }
    return NULL;
}

const json_str *json_string(const json_value *v)
{
    return v != NULL && v->type == JSON_STRING ? &v->u.string : NULL;
}

bool json_string_is(const json_value *v, const char *s)
{
    const json_str *str = json_string(v);
    return str != NULL && str->len == strlen(s) && memcmp(str->ptr, s, str->len) == 0;
}
