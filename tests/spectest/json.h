/*
 * json.h: a small, strict JSON parser (RFC 8259) for the spec test runner.
 *
 * The whole document is parsed at once into a tree that lives in one arena
 * owned by a json_doc; json_free releases everything. Nothing in the tree is
 * ever modified after parsing, so the accessors hand out const pointers.
 *
 * Strings are decoded (escapes, \uXXXX, surrogate pairs) into UTF-8 bytes
 * kept as (pointer, length): a string may contain NUL bytes, which matters
 * for the export names of names.wast. Each string is also followed by a NUL
 * terminator that is not part of its length, so plain keys can be printed.
 *
 * Strictness: the input must be valid UTF-8, strings must not hold raw
 * control characters, \u escapes must not leave lone surrogates, numbers
 * follow the JSON grammar exactly, and nothing but whitespace may follow the
 * root value. Nesting is limited (JSON_MAX_DEPTH) so hostile input cannot
 * exhaust the C stack. Any violation yields NULL and a json_error; no input
 * makes the parser crash or read outside [text, text + len).
 */
#ifndef SPECTEST_JSON_H
#define SPECTEST_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 256

typedef enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} json_type;

typedef struct json_value json_value;
typedef struct json_member json_member;

typedef struct json_str {
    const char *ptr; /* NUL-terminated, but may also contain NUL bytes */
    size_t len;
} json_str;

struct json_value {
    json_type type;
    union {
        bool boolean;
        struct {
            double value;
            json_str text; /* the literal as written, e.g. "3" or "-1e5" */
        } number;
        json_str string;
        struct {
            const json_value *items;
            size_t len;
        } array;
        struct {
            const json_member *items; /* in document order; duplicates kept */
            size_t len;
        } object;
    } u;
};

struct json_member {
    json_str key;
    json_value value;
};

typedef struct json_doc json_doc;

typedef struct json_error {
    size_t offset;       /* byte offset of the problem */
    size_t line, column; /* 1-based; column counts bytes */
    char msg[96];
} json_error;

/* Parses text[0..len). Returns NULL and fills *err (if err is not NULL) on
 * malformed input or when out of memory. The caller keeps its buffer: the
 * document copies everything it needs. */
json_doc *json_parse(const char *text, size_t len, json_error *err);
void json_free(json_doc *doc);
const json_value *json_root(const json_doc *doc);

/* The value of the first member named key (a C string) of an object, or
 * NULL if obj is NULL, not an object, or has no such member. */
const json_value *json_get(const json_value *obj, const char *key);
/* The string of v, or NULL if v is NULL or not a string. */
const json_str *json_string(const json_value *v);
/* True if v is a string equal to the C string s. */
bool json_string_is(const json_value *v, const char *s);

#endif
