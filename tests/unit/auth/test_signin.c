/* src/auth/signin.c: configuration from the public URL, nonces, the message PHEME asks for, and
 * signin_check's rules each on its own, at an injected clock. Signatures are made here with
 * src/eth (the viem side is tests/auth). */
#include <string.h>

#include "auth/signin.h"
#include "store/auth_store.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/eip191.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "test.h"

#define NOW 1767225600000LL /* 2026-01-01T00:00:00Z */

static signin_config C;
static uint8_t key[32], addr[20];

static void sign(char out[HEX_LEN(65) + 1], const char *msg) {
  uint8_t h[32], sig[65];
  pheme_error e;
  eip191_hash(h, msg, strlen(msg));
  if (secp_sign(sig, h, key, &e)) abort();
  secp_v_to_27(sig);
  hex_encode(out, sig, 65);
}

static char *message(arena *a, const char *domain, const char *uri, uint64_t chain,
                     const char *issued, const char *expires, const char *not_before) {
  char cs[ADDRESS_TEXT];
  address_to_checksum(cs, addr);
  return arena_printf(a,
                      "%s wants you to sign in with your Ethereum account:\n%s\n\nSign in to PHEME.\n\n"
                      "URI: %s\nVersion: 1\nChain ID: %llu\nNonce: abcdefgh12345678\nIssued At: %s%s%s%s%s",
                      domain, cs, uri, (unsigned long long)chain, issued,
                      expires ? "\nExpiration Time: " : "", expires ? expires : "",
                      not_before ? "\nNot Before: " : "", not_before ? not_before : "");
}

static pheme_err check(arena *a, const char *msg, const char *sig, int64_t now, char *err) {
  siwe_message m;
  return signin_check(&C, a, msg, strlen(msg), sig, now, &m, err, 512);
}

#define OKMSG(a) message(a, "pheme.example:8443", "https://pheme.example:8443", 8453, \
                         "2026-01-01T00:00:00.000Z", "2026-01-01T00:05:00.000Z", NULL)

TEST(config_from_public_url) {
  CHECK_STR(C.scheme, "https");
  CHECK_STR(C.domain, "pheme.example:8443");
  CHECK_STR(C.uri, "https://pheme.example:8443");
  CHECK_STR(C.issuer, "https://pheme.example:8443/");
  CHECK_INT(C.nchains, 2);
  CHECK(signin_chain_allowed(&C, 8453));
  CHECK(!signin_chain_allowed(&C, 5));
  pheme_config cfg;
  config_init(&cfg);
  char err[256];
  signin_config bad;
  CHECK_INT(config_set(&cfg, "auth_chain_ids", "1,x", "test", err, sizeof err), 0);
  CHECK_INT(signin_config_load(&bad, &cfg, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "'x'") != NULL);
  CHECK_INT(config_set(&cfg, "auth_chain_ids", "1", "test", err, sizeof err), 0);
  CHECK_INT(config_set(&cfg, "jwt_keys", "k1:00", "test", err, sizeof err), 0);
  CHECK_INT(signin_config_load(&bad, &cfg, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "k1") != NULL);
  CHECK_INT(config_set(&cfg, "jwt_keys", "", "test", err, sizeof err), 0);
  CHECK_INT(signin_config_load(&bad, &cfg, err, sizeof err), 0);
  CHECK_INT(bad.random_keys, 1);
  signin_config_release(&bad);
  config_release(&cfg);
}

TEST(nonces_are_long_alphanumeric_and_distinct) {
  char a[SIGNIN_NONCE_LEN + 1], b[SIGNIN_NONCE_LEN + 1];
  REQUIRE(signin_nonce_mint(&C, a, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW) == 0);
  REQUIRE(signin_nonce_mint(&C, b, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW) == 0);
  CHECK_INT(strlen(a), SIGNIN_NONCE_LEN);
  CHECK(strcmp(a, b) != 0);
  for (int i = 0; a[i]; i++)
    CHECK((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'z') || (a[i] >= 'A' && a[i] <= 'Z'));
}

TEST(stateless_nonce_opens_only_for_its_address_chain_purpose_and_time) {
  char n[SIGNIN_NONCE_LEN + 1];
  uint8_t other[20];
  memcpy(other, addr, 20);
  other[19] ^= 1;
  REQUIRE(signin_nonce_mint(&C, n, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW) == 0);
  signin_nonce_info info, info2;
  CHECK_INT(signin_nonce_open(&C, n, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW + 1000, &info), AUTH_FAULT_NONE);
  CHECK_INT(info.issued_ms, NOW);
  CHECK_INT(info.expires_ms, NOW + C.nonce_ttl_s * 1000);
  /* the id starts with the issue time (big-endian), so records sort by age */
  CHECK_INT(((int64_t)info.id[0] << 40) | ((int64_t)info.id[1] << 32) | ((int64_t)info.id[2] << 24) |
                ((int64_t)info.id[3] << 16) | ((int64_t)info.id[4] << 8) | info.id[5], NOW);
  char n2[SIGNIN_NONCE_LEN + 1];
  REQUIRE(signin_nonce_mint(&C, n2, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW) == 0);
  CHECK_INT(signin_nonce_open(&C, n2, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW, &info2), AUTH_FAULT_NONE);
  CHECK(memcmp(info.id, info2.id, sizeof info.id) != 0);
  CHECK_INT(signin_nonce_open(&C, n, other, 8453, SIGNIN_PURPOSE_SIGNIN, NOW, &info), AUTH_FAULT_OTHER_ADDRESS);
  CHECK_INT(signin_nonce_open(&C, n, addr, 1, SIGNIN_PURPOSE_SIGNIN, NOW, &info), AUTH_FAULT_OTHER_ADDRESS);
  CHECK_INT(signin_nonce_open(&C, n, addr, 8453, SIGNIN_PURPOSE_LINK, NOW, &info), AUTH_FAULT_OTHER_PURPOSE);
  CHECK_INT(signin_nonce_open(&C, n, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW + C.nonce_ttl_s * 1000, &info),
            AUTH_FAULT_EXPIRED);
  /* not ours: a made-up nonce, a flipped character, another length, a character outside base32 */
  CHECK_INT(signin_nonce_open(&C, "abcdefgh12345678", addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW, &info), AUTH_FAULT_UNKNOWN);
  for (int i = 0; i < SIGNIN_NONCE_LEN; i++) {
    char t[SIGNIN_NONCE_LEN + 1];
    memcpy(t, n, sizeof t);
    t[i] = t[i] == 'a' ? 'b' : 'a';
    CHECK(signin_nonce_open(&C, t, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW, &info) != AUTH_FAULT_NONE);
  }
  char longer[SIGNIN_NONCE_LEN + 2];
  snprintf(longer, sizeof longer, "%sa", n);
  CHECK_INT(signin_nonce_open(&C, longer, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW, &info), AUTH_FAULT_UNKNOWN);
  char upper[SIGNIN_NONCE_LEN + 1];
  memcpy(upper, n, sizeof upper);
  upper[3] = '1';
  CHECK_INT(signin_nonce_open(&C, upper, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW, &info), AUTH_FAULT_UNKNOWN);
  /* made under another key: unknown; after a rotation that keeps the old key second, still good */
  signin_config other_keys = C;
  REQUIRE(jwt_keyring_random(&other_keys.keys, "new") == 0);
  CHECK_INT(signin_nonce_open(&other_keys, n, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW, &info), AUTH_FAULT_UNKNOWN);
  other_keys.keys.keys[1] = C.keys.keys[0];
  other_keys.keys.n = 2;
  CHECK_INT(signin_nonce_open(&other_keys, n, addr, 8453, SIGNIN_PURPOSE_SIGNIN, NOW, &info), AUTH_FAULT_NONE);
}

TEST(issued_message_verifies_when_signed) {
  arena a;
  arena_init(&a, 0);
  buf m;
  buf_init(&m, 8192);
  REQUIRE(signin_message(&m, NULL, &C, addr, 8453, "abcdefgh12345678XYZ", SIGNIN_PURPOSE_SIGNIN, NOW) == 0);
  CHECK(strstr(m.data, "pheme.example:8443 wants you to sign in") == m.data);
  CHECK(strstr(m.data, "\nExpiration Time: 2026-01-01T00:05:00.000Z") != NULL);
  char sig[HEX_LEN(65) + 1], err[512];
  sign(sig, m.data);
  CHECK_INT(check(&a, m.data, sig, NOW, err), 0);
  siwe_message sm;
  CHECK_INT(signin_check(&C, &a, m.data, m.len, sig, NOW, &sm, err, sizeof err), 0);
  CHECK_STR(sm.nonce, "abcdefgh12345678XYZ");
  CHECK_MEM(sm.address_bytes, 20, addr, 20);
  /* expired at the nonce TTL */
  CHECK_INT(check(&a, m.data, sig, NOW + 300000, err), PHEME_AUTH_INVALID);
  buf_release(&m);
  arena_release(&a);
}

TEST(wrong_domain_uri_scheme_chain) {
  arena a;
  arena_init(&a, 0);
  char sig[HEX_LEN(65) + 1], err[512];
  char *m = message(&a, "evil.example", "https://pheme.example:8443", 8453, "2026-01-01T00:00:00Z", NULL, NULL);
  sign(sig, m);
  CHECK_INT(check(&a, m, sig, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "domain 'evil.example'") != NULL);
  m = message(&a, "pheme.example:8443", "https://evil.example", 8453, "2026-01-01T00:00:00Z", NULL, NULL);
  sign(sig, m);
  CHECK_INT(check(&a, m, sig, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "URI") != NULL);
  m = message(&a, "http://pheme.example:8443", "https://pheme.example:8443", 8453, "2026-01-01T00:00:00Z", NULL, NULL);
  sign(sig, m);
  CHECK_INT(check(&a, m, sig, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "scheme") != NULL);
  m = message(&a, "https://pheme.example:8443", "https://pheme.example:8443", 8453, "2026-01-01T00:00:00Z", NULL, NULL);
  sign(sig, m);
  CHECK_INT(check(&a, m, sig, NOW, err), 0);
  m = message(&a, "pheme.example:8443", "https://pheme.example:8443", 5, "2026-01-01T00:00:00Z", NULL, NULL);
  sign(sig, m);
  CHECK_INT(check(&a, m, sig, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "chain id '5'") != NULL);
  arena_release(&a);
}

TEST(times_against_the_injected_clock) {
  arena a;
  arena_init(&a, 0);
  char sig[HEX_LEN(65) + 1], err[512];
  char *m = message(&a, "pheme.example:8443", "https://pheme.example:8443", 8453, "2025-12-31T23:00:00Z",
                    "2025-12-31T23:30:00Z", NULL);
  sign(sig, m);
  CHECK_INT(check(&a, m, sig, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "expired") != NULL);
  CHECK_INT(check(&a, m, sig, NOW - 3600000 + 1000, err), 0);
  m = message(&a, "pheme.example:8443", "https://pheme.example:8443", 8453, "2026-01-01T00:00:00Z", NULL,
              "2026-01-01T01:00:00Z");
  sign(sig, m);
  CHECK_INT(check(&a, m, sig, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "not valid before") != NULL || strstr(err, "Not Before") != NULL || strstr(err, "not yet") != NULL);
  CHECK_INT(check(&a, m, sig, NOW + 3600000, err), 0);
  m = message(&a, "pheme.example:8443", "https://pheme.example:8443", 8453, "2026-01-01T01:00:00Z", NULL, NULL);
  sign(sig, m);
  CHECK_INT(check(&a, m, sig, NOW, err), PHEME_AUTH_INVALID); /* issued in the future */
  arena_release(&a);
}

TEST(signature_rules) {
  arena a;
  arena_init(&a, 0);
  char sig[HEX_LEN(65) + 1], err[512];
  char *m = OKMSG(&a);
  sign(sig, m);
  REQUIRE(check(&a, m, sig, NOW, err) == 0);
  /* the high-s twin recovers the same key and is refused */
  uint8_t raw[65];
  REQUIRE(hex_decode(raw, 65, NULL, sig, strlen(sig), HEX_EXACT, NULL) == 0);
  secp_malleate(raw);
  char twin[HEX_LEN(65) + 1];
  hex_encode(twin, raw, 65);
  CHECK_INT(check(&a, m, twin, NOW, err), PHEME_AUTH_INVALID);
  /* bad hex: a non-hex digit, too short, no prefix */
  char bad[HEX_LEN(65) + 1];
  memcpy(bad, sig, sizeof bad);
  bad[10] = 'g';
  CHECK_INT(check(&a, m, bad, NOW, err), PHEME_API_BAD_REQUEST);
  bad[10] = sig[10];
  bad[strlen(bad) - 2] = 0;
  CHECK_INT(check(&a, m, bad, NOW, err), PHEME_API_BAD_REQUEST);
  CHECK_INT(check(&a, m, sig + 2, NOW, err), PHEME_API_BAD_REQUEST);
  /* another key's signature over the same message: wrong signer */
  uint8_t save[32];
  memcpy(save, key, 32);
  key[31] ^= 1;
  char other[HEX_LEN(65) + 1];
  sign(other, m);
  memcpy(key, save, 32);
  CHECK_INT(check(&a, m, other, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "was signed by") != NULL);
  /* a message changed after signing */
  char *changed = arena_strdup(&a, m);
  strstr(changed, "Nonce: abcdefgh")[7] = 'X';
  CHECK_INT(check(&a, changed, sig, NOW, err), PHEME_AUTH_INVALID);
  arena_release(&a);
}

TEST(malformed_messages) {
  arena a;
  arena_init(&a, 0);
  char sig[HEX_LEN(65) + 1], err[512];
  char *m = OKMSG(&a);
  sign(sig, m);
  const char *bad[] = {
      "",
      "pheme.example:8443 wants you to sign in with your Ethereum account:\n",
      /* lowercase address (no checksum) */
      "pheme.example:8443 wants you to sign in with your Ethereum account:\n0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\n\n\nURI: https://pheme.example:8443\nVersion: 1\nChain ID: 8453\nNonce: abcdefgh12345678\nIssued At: 2026-01-01T00:00:00Z",
      /* short nonce */
      "pheme.example:8443 wants you to sign in with your Ethereum account:\n0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n\n\nURI: https://pheme.example:8443\nVersion: 1\nChain ID: 8453\nNonce: abc\nIssued At: 2026-01-01T00:00:00Z",
      /* impossible date */
      "pheme.example:8443 wants you to sign in with your Ethereum account:\n0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n\n\nURI: https://pheme.example:8443\nVersion: 1\nChain ID: 8453\nNonce: abcdefgh12345678\nIssued At: 2026-02-30T00:00:00Z",
      /* fields out of order */
      "pheme.example:8443 wants you to sign in with your Ethereum account:\n0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n\n\nVersion: 1\nURI: https://pheme.example:8443\nChain ID: 8453\nNonce: abcdefgh12345678\nIssued At: 2026-01-01T00:00:00Z",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_INT(check(&a, bad[i], sig, NOW, err), PHEME_API_BAD_REQUEST);
  arena_release(&a);
}

int main(void) {
  /* a fixed key: 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318 */
  if (hex_to_bytes(key, "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 32)) return 1;
  pheme_error e;
  if (secp_address(addr, key, &e)) return 1;
  pheme_config cfg;
  config_init(&cfg);
  char err[256];
  if (config_set(&cfg, "public_url", "https://pheme.example:8443/", "test", err, sizeof err) ||
      config_set(&cfg, "auth_chain_ids", "1, 8453", "test", err, sizeof err) ||
      config_set(&cfg, "jwt_keys", "k1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "test", err, sizeof err) ||
      signin_config_load(&C, &cfg, err, sizeof err)) {
    fprintf(stderr, "setup: %s\n", err);
    return 1;
  }
  config_release(&cfg);
  RUN(config_from_public_url);
  RUN(nonces_are_long_alphanumeric_and_distinct);
  RUN(stateless_nonce_opens_only_for_its_address_chain_purpose_and_time);
  RUN(issued_message_verifies_when_signed);
  RUN(wrong_domain_uri_scheme_chain);
  RUN(times_against_the_injected_clock);
  RUN(signature_rules);
  RUN(malformed_messages);
  signin_config_release(&C);
  fprintf(stderr, "test_signin: %d tests, %d failed\n", test__ran, test__failed_tests);
  return test__failed_tests > 100 ? 100 : test__failed_tests;
}
