/* Hex encoding and strict decoding; see hex.h. */
#include "eth/hex.h"

#include "core/util.h"
#include "core/banned.h"

char *hex_encode(char *out, const uint8_t *in, size_t n) {
  out[0] = '0';
  out[1] = 'x';
  bytes_to_hex(out + 2, in, n);
  return out;
}

char *hex_encode_in(arena *a, const uint8_t *in, size_t n) {
  char *s = arena_alloc(a, HEX_LEN(n) + 1);
  return s ? hex_encode(s, in, n) : NULL;
}

pheme_err hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *s, size_t slen,
                     unsigned flags, pheme_error *err) {
  char q[PHEME_QUOTE];
  const char *p = s;
  size_t n = slen;
  if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    p += 2;
    n -= 2;
  } else if (!(flags & HEX_PREFIX_OPTIONAL)) {
    return pheme_set(err, PHEME_DATA_INVALID, "hex value '%s' lacks the 0x prefix",
                       pheme_quote(q, sizeof q, s, slen));
  }
  int odd = (int)(n & 1);
  if (odd && !(flags & HEX_ALLOW_ODD))
    return pheme_set(err, PHEME_DATA_INVALID, "hex value '%s' has an odd number of digits",
                       pheme_quote(q, sizeof q, s, slen));
  size_t bytes = (n + 1) / 2;
  if (bytes > out_cap)
    return pheme_set(err, PHEME_DATA_INVALID, "hex value '%s' is longer than %zu bytes",
                       pheme_quote(q, sizeof q, s, slen), out_cap);
  if ((flags & HEX_EXACT) && bytes != out_cap)
    return pheme_set(err, PHEME_DATA_INVALID, "hex value '%s' is not %zu bytes long",
                       pheme_quote(q, sizeof q, s, slen), out_cap);
  size_t i = 0, o = 0;
  if (odd) {
    int d = hex_digit((unsigned char)p[0]);
    if (d < 0) goto bad;
    out[o++] = (uint8_t)d;
    i = 1;
  }
  if (hex_to_bytes(out + o, p + i, (n - i) / 2)) goto bad;
  o += (n - i) / 2;
  if (out_len) *out_len = o;
  return PHEME_OK;
bad:
  return pheme_set(err, PHEME_DATA_INVALID, "hex value '%s' has a non-hex digit",
                     pheme_quote(q, sizeof q, s, slen));
}
