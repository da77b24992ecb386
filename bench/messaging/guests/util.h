/*
 * util.h: what the benchmark components share (util.c): the 64-byte payload and decimal
 * numbers in payloads and answers. Every trigger from the host is a request whose payload is
 * "WORD N" (or just "N"); every component answers it with the decimal count of errors it met.
 */
#ifndef MB_UTIL_H
#define MB_UTIL_H

#include <wactor.h>

#define MB_PAYLOAD 64

/* 64 bytes of payload, the same in every message. */
extern const char mb_payload[MB_PAYLOAD];

/* The current message's payload into buf (at most cap - 1 bytes, NUL-terminated). */
void mb_read_text(char *buf, size_t cap);
/* The first decimal number in text, or 0. */
uint32_t mb_number(const char *text);
/* Answers the request corr with the decimal error count. */
int32_t mb_answer(int64_t corr, uint32_t errors);

#endif
