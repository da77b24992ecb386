/*
 * units.h: the number forms of the manifest and of the command line's flags,
 * on (pointer, length) strings, for manifest.c; manifest.h has the
 * NUL-terminated versions for everyone else.
 *
 * Every form is a run of decimal digits (no sign, no spaces, no fraction),
 * optionally followed by a unit. Each function returns false, leaving *out
 * alone, on anything else or when the value does not fit in 64 bits.
 */
#ifndef WACTOR_MANIFEST_UNITS_H
#define WACTOR_MANIFEST_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Digits only. */
bool mf_units_number(const char *s, size_t len, uint64_t *out);
/* Digits, then `ms`, `s` or `m`, or nothing (milliseconds): milliseconds. */
bool mf_units_duration(const char *s, size_t len, uint64_t *ms);
/* Digits, then `KiB`, `MiB` or `GiB`, or nothing (bytes): bytes. */
bool mf_units_size(const char *s, size_t len, uint64_t *bytes);

#endif
