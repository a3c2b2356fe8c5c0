/* Hexadecimal text for Ethereum values: "0x"-prefixed, lowercase when written.
 * Decoding is strict by default (prefix required, even number of digits); flags relax it. */
#ifndef PHEME_ETH_HEX_H
#define PHEME_ETH_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/util.h"

enum {
  HEX_PREFIX_OPTIONAL = 1 << 0, /* "ab" accepted as well as "0xab" */
  HEX_ALLOW_ODD = 1 << 1,       /* "0xabc" read as 0x0abc (quantities) */
  HEX_EXACT = 1 << 2,           /* the value must fill out_cap bytes exactly */
};

/* The text length (without NUL) that hex_encode writes for n bytes with the prefix. */
#define HEX_LEN(n) (2 + 2 * (n))

/* Writes "0x" and 2n lowercase digits and a NUL into out, which holds at least HEX_LEN(n)+1
 * bytes. Returns out. */
char *hex_encode(char *out, const uint8_t *in, size_t n);
/* The same text allocated in a; NULL when a is full. */
char *hex_encode_in(arena *a, const uint8_t *in, size_t n);

/* Decodes s[0..slen) into out (at most out_cap bytes) and stores the byte count in *out_len
 * (may be NULL with HEX_EXACT). Returns 0, or PHEME_DATA_INVALID with *err set for a missing
 * prefix, a non-hex digit, an odd digit count, too many bytes, or (HEX_EXACT) too few. */
pheme_err hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *s, size_t slen,
                     unsigned flags, pheme_error *err) PHEME_MUST_CHECK;

/* hex_digit (the value of one digit) is core's: core/util.h. */

#endif
