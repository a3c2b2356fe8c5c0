/* Fuzz target: JWT verification (src/auth/jwt.c). The first byte picks the mode:
 *   even: the rest is a token, verified as it comes (header, key, signature checks);
 *   odd:  the rest is "HEADER\nPAYLOAD" JSON text, which is encoded and signed here with the
 *         target's key before verification, so the fuzzer reaches the header and payload parsers
 *         behind the signature check.
 * A token that verifies must carry the claims of a token PHEME could have issued. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>

#include "auth/jwt.h"
#include "core/util.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ISS "https://pheme.example"
#define AUD "pheme-api"

static const char *SPEC = "k1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f,"
                          "k2:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

static void check(const jwt_keyring *ring, const char *tok, size_t n) {
  jwt_claims c;
  char err[256];
  if (jwt_verify(ring, tok, n, ISS, AUD, 1700000000, 5, &c, err, sizeof err) == PHEME_OK) {
    if (c.sub <= 0 || c.sid <= 0 || c.exp <= 1700000000 || c.nbf > 1700000005 || c.rv < 0) abort();
  } else if (!err[0]) {
    abort(); /* every refusal says why */
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static jwt_keyring ring;
  static int ready;
  if (!ready) {
    char err[128];
    if (jwt_keyring_parse(&ring, SPEC, err, sizeof err)) abort();
    ready = 1;
  }
  if (size < 1 || size > 4096) return 0;
  if (data[0] % 2 == 0) {
    check(&ring, (const char *)data + 1, size - 1);
    return 0;
  }
  const char *text = (const char *)data + 1;
  size_t n = size - 1;
  const char *nl = memchr(text, '\n', n);
  if (!nl) return 0;
  size_t hn = (size_t)(nl - text), pn = n - hn - 1;
  char *tok = malloc(base64url_len(hn) + base64url_len(pn) + base64url_len(32) + 4);
  if (!tok) return 0;
  base64url_encode(tok, (const uint8_t *)text, hn);
  size_t o = strlen(tok);
  tok[o++] = '.';
  base64url_encode(tok + o, (const uint8_t *)nl + 1, pn);
  o = strlen(tok);
  struct hmac_sha256_ctx c;
  uint8_t sig[32];
  hmac_sha256_set_key(&c, ring.keys[0].len, ring.keys[0].secret);
  hmac_sha256_update(&c, o, (const uint8_t *)tok);
  hmac_sha256_digest(&c, 32, sig);
  tok[o++] = '.';
  base64url_encode(tok + o, sig, 32);
  check(&ring, tok, strlen(tok));
  free(tok);
  return 0;
}
