/* Hex encoding and strict decoding; see hex.h. */
#include "eth/hex.h"

#include "core/banned.h"

static const char digits[] = "0123456789abcdef";

char *hex_encode(char *out, const uint8_t *in, size_t n) {
  out[0] = '0';
  out[1] = 'x';
  for (size_t i = 0; i < n; i++) {
    out[2 + 2 * i] = digits[in[i] >> 4];
    out[3 + 2 * i] = digits[in[i] & 15];
  }
  out[2 + 2 * n] = 0;
  return out;
}

/* A digit's value plus one, 0 for anything else: one load per character in the decoder. */
static const uint8_t digit_plus_one[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int hex_digit(int c) { return c >= 0 && c < 256 ? digit_plus_one[c] - 1 : -1; }

pheme_err hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *s, size_t slen,
                     unsigned flags, eth_err *err) {
  char q[ETH_ERR_QUOTE];
  const char *p = s;
  size_t n = slen;
  if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    p += 2;
    n -= 2;
  } else if (!(flags & HEX_PREFIX_OPTIONAL)) {
    return eth_err_set(err, PHEME_DATA_INVALID, "hex value '%s' lacks the 0x prefix",
                       eth_err_quote(q, sizeof q, s, slen));
  }
  int odd = (int)(n & 1);
  if (odd && !(flags & HEX_ALLOW_ODD))
    return eth_err_set(err, PHEME_DATA_INVALID, "hex value '%s' has an odd number of digits",
                       eth_err_quote(q, sizeof q, s, slen));
  size_t bytes = (n + 1) / 2;
  if (bytes > out_cap)
    return eth_err_set(err, PHEME_DATA_INVALID, "hex value '%s' is longer than %zu bytes",
                       eth_err_quote(q, sizeof q, s, slen), out_cap);
  if ((flags & HEX_EXACT) && bytes != out_cap)
    return eth_err_set(err, PHEME_DATA_INVALID, "hex value '%s' is not %zu bytes long",
                       eth_err_quote(q, sizeof q, s, slen), out_cap);
  size_t i = 0, o = 0;
  if (odd) {
    int d = hex_digit((unsigned char)p[0]);
    if (d < 0) goto bad;
    out[o++] = (uint8_t)d;
    i = 1;
  }
  for (; i < n; i += 2) {
    int hi = digit_plus_one[(unsigned char)p[i]], lo = digit_plus_one[(unsigned char)p[i + 1]];
    if (!hi || !lo) goto bad;
    out[o++] = (uint8_t)((hi - 1) << 4 | (lo - 1));
  }
  if (out_len) *out_len = o;
  return PHEME_OK;
bad:
  return eth_err_set(err, PHEME_DATA_INVALID, "hex value '%s' has a non-hex digit",
                     eth_err_quote(q, sizeof q, s, slen));
}
