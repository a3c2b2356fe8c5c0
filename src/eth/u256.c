/* 256-bit big-endian integers; see u256.h. Byte-at-a-time arithmetic: the values are parsed and
 * printed, never computed with in hot paths. */
#include "eth/u256.h"

#include <string.h>

#include "eth/hex.h"

#include "core/banned.h"

int u256_is_zero(const uint8_t v[32]) {
  for (int i = 0; i < 32; i++)
    if (v[i]) return 0;
  return 1;
}

unsigned u256_bitlen(const uint8_t v[32]) {
  for (int i = 0; i < 32; i++) {
    if (!v[i]) continue;
    unsigned b = 8;
    while (!(v[i] & (1u << (b - 1)))) b--;
    return (unsigned)(31 - i) * 8 + b;
  }
  return 0;
}

void u256_negate(uint8_t v[32]) {
  unsigned carry = 1;
  for (int i = 31; i >= 0; i--) {
    unsigned x = (unsigned)(uint8_t)~v[i] + carry;
    v[i] = (uint8_t)x;
    carry = x >> 8;
  }
}

void u256_from_u64(uint8_t out[32], uint64_t x) {
  memset(out, 0, 32);
  for (int i = 31; i >= 24; i--, x >>= 8) out[i] = (uint8_t)x;
}

int u256_to_u64(const uint8_t v[32], uint64_t *x) {
  for (int i = 0; i < 24; i++)
    if (v[i]) return 0;
  uint64_t r = 0;
  for (int i = 24; i < 32; i++) r = r << 8 | v[i];
  *x = r;
  return 1;
}

int u256_fits_uint(const uint8_t v[32], unsigned bits) { return u256_bitlen(v) <= bits; }

int u256_fits_int(const uint8_t v[32], unsigned bits) {
  if (v[0] & 0x80) {
    uint8_t m[32];
    memcpy(m, v, 32);
    u256_negate(m);
    /* magnitude at most 2^(bits-1); -2^255 negates to itself and has bitlen 256 */
    unsigned bl = u256_bitlen(m);
    if (bl < bits) return 1;
    if (bl > bits) return 0;
    /* bl == bits: only the exact power of two is allowed */
    unsigned top = bits - 1, byte = 31 - top / 8;
    if (m[byte] != (uint8_t)(1u << (top % 8))) return 0;
    for (unsigned i = byte + 1; i < 32; i++)
      if (m[i]) return 0;
    return 1;
  }
  return u256_bitlen(v) <= bits - 1;
}

/* v = v * 10 + d; returns -1 on overflow of 256 bits */
static int mul10_add(uint8_t v[32], unsigned d) {
  unsigned carry = d;
  for (int i = 31; i >= 0; i--) {
    unsigned x = (unsigned)v[i] * 10 + carry;
    v[i] = (uint8_t)x;
    carry = x >> 8;
  }
  return carry ? -1 : 0;
}

pheme_err u256_parse(uint8_t out[32], const char *s, size_t n, int allow_hex, pheme_error *err) {
  char q[PHEME_QUOTE];
  memset(out, 0, 32);
  if (allow_hex && n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    if (n == 2 || n > 66)
      return pheme_set(err, PHEME_DATA_INVALID, "invalid hex quantity '%s'",
                         pheme_quote(q, sizeof q, s, n));
    uint8_t tmp[32];
    size_t len;
    if (hex_decode(tmp, 32, &len, s, n, HEX_ALLOW_ODD, err)) return PHEME_DATA_INVALID;
    memcpy(out + 32 - len, tmp, len);
    return PHEME_OK;
  }
  if (n == 0 || (n > 1 && s[0] == '0'))
    return pheme_set(err, PHEME_DATA_INVALID, "invalid decimal integer '%s'",
                       pheme_quote(q, sizeof q, s, n));
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return pheme_set(err, PHEME_DATA_INVALID, "invalid decimal integer '%s'",
                         pheme_quote(q, sizeof q, s, n));
    if (mul10_add(out, (unsigned)(s[i] - '0')))
      return pheme_set(err, PHEME_DATA_INVALID, "integer '%s' does not fit 256 bits",
                         pheme_quote(q, sizeof q, s, n));
  }
  return PHEME_OK;
}

pheme_err u256_parse_signed(uint8_t out[32], int *neg, const char *s, size_t n, int allow_hex,
                            pheme_error *err) {
  char q[PHEME_QUOTE];
  int minus = n > 0 && s[0] == '-';
  if (neg) *neg = minus;
  if (!minus) return u256_parse(out, s, n, allow_hex, err);
  if (u256_parse(out, s + 1, n - 1, allow_hex, err)) return PHEME_DATA_INVALID;
  if (u256_is_zero(out))
    return pheme_set(err, PHEME_DATA_INVALID, "invalid integer '%s' (negative zero)",
                       pheme_quote(q, sizeof q, s, n));
  /* the magnitude may be at most 2^255 */
  if (out[0] & 0x80) {
    int pow2 = out[0] == 0x80;
    for (int i = 1; i < 32 && pow2; i++) pow2 = out[i] == 0;
    if (!pow2)
      return pheme_set(err, PHEME_DATA_INVALID, "integer '%s' does not fit int256",
                         pheme_quote(q, sizeof q, s, n));
  }
  u256_negate(out);
  return PHEME_OK;
}

char *u256_to_dec(char *out, const uint8_t in[32]) {
  uint8_t v[32];
  char tmp[U256_DEC_MAX];
  size_t n = 0;
  memcpy(v, in, 32);
  do {
    unsigned rem = 0;
    for (int i = 0; i < 32; i++) {
      unsigned x = rem << 8 | v[i];
      v[i] = (uint8_t)(x / 10);
      rem = x % 10;
    }
    tmp[n++] = (char)('0' + rem);
  } while (!u256_is_zero(v));
  for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = 0;
  return out;
}

char *u256_to_sdec(char *out, const uint8_t in[32]) {
  if (!(in[0] & 0x80)) return u256_to_dec(out, in);
  uint8_t m[32];
  memcpy(m, in, 32);
  u256_negate(m);
  out[0] = '-';
  u256_to_dec(out + 1, m);
  return out;
}
