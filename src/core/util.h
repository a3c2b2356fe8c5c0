/* Small things every module needs: clocks, random bytes, hex and base64url, SHA-256. */
#ifndef PHEME_CORE_UTIL_H
#define PHEME_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Wall clock in milliseconds since the Unix epoch. */
int64_t time_now_ms(void);
/* Writes Unix ms as RFC 3339 UTC with milliseconds ("2026-11-25T21:16:38.398Z") into out.
 * Returns 0, or -1 with out empty when the year is outside 0000-9999. */
#define TIME_RFC3339_TEXT 25
int time_format_rfc3339(char out[TIME_RFC3339_TEXT], int64_t ms);
/* Monotonic clock in microseconds (for latencies and deadlines). */
uint64_t time_mono_us(void);

/* Fills p with n bytes from the kernel's CSPRNG; -1 only if the kernel refuses. */
int random_bytes(void *p, size_t n) PHEME_MUST_CHECK;

/* Hex, the one codec (eth/hex.h builds the 0x-prefixed forms on these): */
/* Writes 2n lower-case hex digits and a NUL into out (2n+1 bytes). */
void bytes_to_hex(char *out, const uint8_t *p, size_t n);
/* Decodes exactly n bytes from 2n hex digits (either case); -1 on a bad digit. */
int hex_to_bytes(uint8_t *out, const char *s, size_t n) PHEME_MUST_CHECK;
/* The value of one hex digit (either case), or -1. */
int hex_digit(int c);

/* base64url without padding. out holds base64url_len(n)+1 bytes. */
size_t base64url_len(size_t n);
void base64url_encode(char *out, const uint8_t *p, size_t n);
/* Decodes into out (at most cap bytes); returns the length, or -1 on bad input or overflow. */
long base64url_decode(uint8_t *out, size_t cap, const char *s, size_t n);

/* SHA-256 of n bytes. */
void sha256(uint8_t out[32], const void *p, size_t n);

/* Whether v is one of the words of choices, a list like "SKILL|GEO|INTEREST" (exact match; an
 * empty v never is). Used by the config table, body schemas and query parameters alike. */
int choice_in(const char *choices, const char *v);

/* Parses a whole decimal string into a long long within [min, max]; -1 when it is not one. */
int parse_int(const char *s, long long min, long long max, long long *out) PHEME_MUST_CHECK;

/* A 20-byte Ethereum address from "0x" + 40 hex digits (any case; EIP-55 is checked by
 * src/eth/address.h where it matters). Returns 0 or -1. */
int address_parse_hex(uint8_t out[20], const char *s) PHEME_MUST_CHECK;
/* "0x" + 40 lower-case hex digits + NUL: out holds 43 bytes. */
void address_format_hex(char out[43], const uint8_t addr[20]);

/* Checks that s is a non-negative decimal integer below 2^256 with no leading zeros
 * (the form token amounts travel in). */
int uint256_decimal_valid(const char *s);

#endif
