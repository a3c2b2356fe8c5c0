/* EIP-55 addresses; see address.h. */
#include "eth/address.h"

#include <string.h>

#include "eth/hex.h"
#include "eth/keccak.h"

#include "core/banned.h"

char *address_to_checksum(char out[ADDRESS_TEXT], const uint8_t addr[ADDRESS_LEN]) {
  /* The last address written, per thread: a sign-in writes or checks the same address three or
   * four times (request, message, parse, answer), and each is a Keccak-256. */
  static _Thread_local struct {
    int valid;
    uint8_t addr[ADDRESS_LEN];
    char text[ADDRESS_TEXT];
  } last;
  if (last.valid && memcmp(last.addr, addr, ADDRESS_LEN) == 0) return memcpy(out, last.text, ADDRESS_TEXT);
  uint8_t h[32];
  hex_encode(out, addr, ADDRESS_LEN);
  keccak_256(h, out + 2, 40);
  for (int i = 0; i < 40; i++) {
    char *c = &out[2 + i];
    unsigned nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
    if (*c >= 'a' && *c <= 'f' && nib >= 8) *c = (char)(*c - 'a' + 'A');
  }
  memcpy(last.addr, addr, ADDRESS_LEN);
  memcpy(last.text, out, ADDRESS_TEXT);
  last.valid = 1;
  return out;
}

pheme_err address_parse(uint8_t out[ADDRESS_LEN], const char *s, size_t n, unsigned flags,
                        pheme_error *err) {
  char q[PHEME_QUOTE];
  if (n != 42 || s[0] != '0' || s[1] != 'x')
    return pheme_set(err, PHEME_DATA_INVALID,
                       "invalid address '%s': expected 0x and 40 hex digits",
                       pheme_quote(q, sizeof q, s, n));
  if (hex_decode(out, ADDRESS_LEN, NULL, s, n, HEX_EXACT, NULL))
    return pheme_set(err, PHEME_DATA_INVALID, "invalid address '%s': non-hex digit",
                       pheme_quote(q, sizeof q, s, n));
  int lower = 0, upper = 0;
  for (size_t i = 2; i < n; i++) {
    if (s[i] >= 'a' && s[i] <= 'f') lower = 1;
    if (s[i] >= 'A' && s[i] <= 'F') upper = 1;
  }
  if (!(flags & ADDRESS_CHECKSUM_REQUIRED) && !(lower && upper)) return PHEME_OK;
  char want[ADDRESS_TEXT];
  address_to_checksum(want, out);
  if (memcmp(want, s, 42) != 0)
    return pheme_set(err, PHEME_DATA_INVALID, "address '%s' has a wrong EIP-55 checksum (expected '%s')",
                       pheme_quote(q, sizeof q, s, n), want);
  return PHEME_OK;
}

void address_from_pubkey(uint8_t out[ADDRESS_LEN], const uint8_t pub[64]) {
  uint8_t h[32];
  keccak_256(h, pub, 64);
  memcpy(out, h + 12, ADDRESS_LEN);
}
