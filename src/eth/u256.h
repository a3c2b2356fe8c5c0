/* 256-bit integers as 32 bytes, big-endian, the way Ethereum puts them on the wire and in
 * storage slots. Signed values are two's complement. Text forms: decimal without leading zeros
 * ("0", "12", "-7") and 0x-prefixed hex quantities. Only what the codecs need: parse, print,
 * negate, compare against a bit width. */
#ifndef PHEME_ETH_U256_H
#define PHEME_ETH_U256_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Longest decimal text with sign and NUL: "-" + 78 digits + NUL. */
#define U256_DEC_MAX 80

/* Parses an unsigned decimal ("0" or digits without a leading zero) or, with allow_hex, a 0x
 * hex quantity of 1 to 64 digits. Returns 0, or PHEME_DATA_INVALID with *err set when the text
 * is malformed or the value does not fit 256 bits. */
pheme_err u256_parse(uint8_t out[32], const char *s, size_t n, int allow_hex, pheme_error *err)
    PHEME_MUST_CHECK;
/* Like u256_parse, but a leading '-' is allowed and gives the two's complement; the result must
 * lie in [-2^255, 2^256) — callers check the width they need with u256_fits_int/uint. *neg tells
 * whether the text was negative (may be NULL). */
pheme_err u256_parse_signed(uint8_t out[32], int *neg, const char *s, size_t n, int allow_hex,
                            pheme_error *err) PHEME_MUST_CHECK;

/* Writes the unsigned decimal form into out (U256_DEC_MAX bytes); returns out. */
char *u256_to_dec(char *out, const uint8_t in[32]);
/* Writes the decimal form of the two's-complement value; returns out. */
char *u256_to_sdec(char *out, const uint8_t in[32]);

/* 1 when the unsigned value fits in bits (8..256), else 0. */
int u256_fits_uint(const uint8_t v[32], unsigned bits);
/* 1 when the two's-complement value lies in [-2^(bits-1), 2^(bits-1)), else 0. */
int u256_fits_int(const uint8_t v[32], unsigned bits);

void u256_negate(uint8_t v[32]);
void u256_from_u64(uint8_t out[32], uint64_t x);
/* 1 and *x set when the value fits 64 bits, else 0. */
int u256_to_u64(const uint8_t v[32], uint64_t *x);
int u256_is_zero(const uint8_t v[32]);
/* Number of significant bits (0 for zero). */
unsigned u256_bitlen(const uint8_t v[32]);

#endif
