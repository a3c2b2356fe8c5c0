/* src/auth/jwt.c: HS256 round trip, key rotation, and each attack on its own. Attack tokens are
 * made here by hand (header and payload JSON, then base64url, then HMAC with the test key), so a
 * token is refused for the one reason its test names. */
#include <nettle/hmac.h>
#include <string.h>

#include "auth/jwt.h"
#include "core/util.h"
#include "test.h"

#define ISS "https://pheme.example"
#define AUD "pheme-api"
#define NOW 1700000000LL

static const char *K1 = "k1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char *K2 = "k2:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
static uint8_t secret1[32];

static jwt_keyring ring_of(const char *spec) {
  jwt_keyring r;
  char err[200];
  if (jwt_keyring_parse(&r, spec, err, sizeof err)) fprintf(stderr, "keyring: %s\n", err);
  return r;
}

static jwt_claims claims(void) {
  jwt_claims c = {ISS, AUD, 42, 7, 3, NOW, NOW, NOW + 900};
  return c;
}

static pheme_err verify(const jwt_keyring *r, const char *tok, int64_t now, char *err) {
  jwt_claims out;
  return jwt_verify(r, tok, strlen(tok), ISS, AUD, now, 0, &out, err, 256);
}

/* header.payload signed with secret (HS256), as an attacker holding the key (or not) would. */
static void forge(char *out, size_t cap, const char *header, const char *payload,
                  const uint8_t *secret, size_t slen) {
  size_t o = 0;
  base64url_encode(out, (const uint8_t *)header, strlen(header));
  o = strlen(out);
  out[o++] = '.';
  base64url_encode(out + o, (const uint8_t *)payload, strlen(payload));
  o = strlen(out);
  struct hmac_sha256_ctx c;
  uint8_t sig[32];
  hmac_sha256_set_key(&c, slen, secret);
  hmac_sha256_update(&c, o, (const uint8_t *)out);
  hmac_sha256_digest(&c, 32, sig);
  out[o++] = '.';
  base64url_encode(out + o, sig, 32);
  (void)cap;
}

#define HDR "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}"
#define PAY(iss, aud, iat, nbf, exp)                                                          \
  "{\"iss\":\"" iss "\",\"aud\":\"" aud "\",\"sub\":\"42\",\"sid\":\"7\",\"rv\":3,\"iat\":" iat \
  ",\"nbf\":" nbf ",\"exp\":" exp "}"
#define GOOD_PAY PAY(ISS, AUD, "1700000000", "1700000000", "1700000900")

TEST(round_trip) {
  jwt_keyring r = ring_of(K1);
  jwt_claims c = claims(), out;
  char tok[JWT_TEXT_MAX], err[256];
  long n = jwt_sign(&r, &c, tok, sizeof tok);
  REQUIRE(n > 0);
  CHECK_INT(jwt_verify(&r, tok, (size_t)n, ISS, AUD, NOW + 10, 0, &out, err, sizeof err), 0);
  CHECK_INT(out.sub, 42);
  CHECK_INT(out.sid, 7);
  CHECK_INT(out.rv, 3);
  CHECK_INT(out.exp, NOW + 900);
  /* a hand-made token with the same key and claims verifies too (the format is the standard) */
  char forged[1024];
  forge(forged, sizeof forged, HDR, GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, forged, NOW, err), 0);
  jwt_keyring_clear(&r);
}

TEST(alg_none_is_refused) {
  jwt_keyring r = ring_of(K1);
  char tok[1024], err[256];
  base64url_encode(tok, (const uint8_t *)"{\"alg\":\"none\",\"kid\":\"k1\"}", 25);
  size_t o = strlen(tok);
  tok[o++] = '.';
  base64url_encode(tok + o, (const uint8_t *)GOOD_PAY, strlen(GOOD_PAY));
  o = strlen(tok);
  tok[o++] = '.';
  tok[o] = 0;
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  /* alg none with a valid HS256 signature attached is refused by the header check too */
  forge(tok, sizeof tok, "{\"alg\":\"none\",\"kid\":\"k1\"}", GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "only HS256") != NULL);
}

TEST(alg_switch_to_hs384_is_refused) {
  jwt_keyring r = ring_of(K1);
  char tok[1024], err[256];
  forge(tok, sizeof tok, "{\"alg\":\"HS384\",\"kid\":\"k1\"}", GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "'HS384'") != NULL);
}

TEST(alg_switch_to_rs256_is_refused) {
  jwt_keyring r = ring_of(K1);
  char tok[1024], err[256];
  forge(tok, sizeof tok, "{\"alg\":\"RS256\",\"kid\":\"k1\"}", GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "'RS256'") != NULL);
}

TEST(tampered_payload_is_refused) {
  jwt_keyring r = ring_of(K1);
  jwt_claims c = claims();
  char tok[JWT_TEXT_MAX], err[256];
  REQUIRE(jwt_sign(&r, &c, tok, sizeof tok) > 0);
  /* swap the payload for one naming another user, keep header and signature */
  char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
  char evil[1024];
  const char *p = "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"1\",\"sid\":\"7\",\"rv\":3,"
                  "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900}";
  size_t hl = (size_t)(d1 - tok) + 1;
  memcpy(evil, tok, hl);
  base64url_encode(evil + hl, (const uint8_t *)p, strlen(p));
  size_t o = strlen(evil);
  snprintf(evil + o, sizeof evil - o, "%s", d2);
  CHECK_INT(verify(&r, evil, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "signature does not verify") != NULL);
}

TEST(tampered_signature_is_refused) {
  jwt_keyring r = ring_of(K1);
  jwt_claims c = claims();
  char tok[JWT_TEXT_MAX], err[256];
  long n = jwt_sign(&r, &c, tok, sizeof tok);
  REQUIRE(n > 0);
  char *sig = strrchr(tok, '.') + 1;
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  /* the same signature bytes spelt differently (non-canonical last character) */
  REQUIRE(jwt_sign(&r, &c, tok, sizeof tok) > 0);
  char *last = tok + strlen(tok) - 1;
  *last = *last == 'A' ? 'B' : (char)(*last + 1);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  /* a signature cut short */
  REQUIRE(jwt_sign(&r, &c, tok, sizeof tok) > 0);
  tok[strlen(tok) - 4] = 0;
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
}

TEST(expired_is_refused) {
  jwt_keyring r = ring_of(K1);
  jwt_claims c = claims();
  char tok[JWT_TEXT_MAX], err[256];
  REQUIRE(jwt_sign(&r, &c, tok, sizeof tok) > 0);
  CHECK_INT(verify(&r, tok, NOW + 899, err), 0);
  CHECK_INT(verify(&r, tok, NOW + 900, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "expired") != NULL);
}

TEST(not_yet_valid_is_refused) {
  jwt_keyring r = ring_of(K1);
  jwt_claims c = claims();
  c.nbf = NOW + 100;
  char tok[JWT_TEXT_MAX], err[256];
  REQUIRE(jwt_sign(&r, &c, tok, sizeof tok) > 0);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "not valid before") != NULL);
  CHECK_INT(verify(&r, tok, NOW + 100, err), 0);
  /* issued in the future */
  c = claims();
  c.iat = NOW + 100;
  REQUIRE(jwt_sign(&r, &c, tok, sizeof tok) > 0);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
}

TEST(wrong_audience_is_refused) {
  jwt_keyring r = ring_of(K1);
  char tok[1024], err[256];
  forge(tok, sizeof tok, HDR, PAY(ISS, "other-api", "1700000000", "1700000000", "1700000900"), secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "audience") != NULL);
  /* an audience array is not what PHEME issues */
  forge(tok, sizeof tok, HDR,
        "{\"iss\":\"" ISS "\",\"aud\":[\"" AUD "\"],\"sub\":\"42\",\"sid\":\"7\",\"rv\":3,\"iat\":1700000000,"
        "\"nbf\":1700000000,\"exp\":1700000900}", secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
}

TEST(wrong_issuer_is_refused) {
  jwt_keyring r = ring_of(K1);
  char tok[1024], err[256];
  forge(tok, sizeof tok, HDR, PAY("https://evil.example", AUD, "1700000000", "1700000000", "1700000900"),
        secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "issuer") != NULL);
}

TEST(unknown_kid_is_refused) {
  jwt_keyring r = ring_of(K1);
  char tok[1024], err[256];
  forge(tok, sizeof tok, "{\"alg\":\"HS256\",\"kid\":\"k9\"}", GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "unknown key id 'k9'") != NULL);
  forge(tok, sizeof tok, "{\"alg\":\"HS256\"}", GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "no key id") != NULL);
}

TEST(rotated_key_verifies_old_tokens_while_listed) {
  jwt_keyring old = ring_of(K1);
  jwt_claims c = claims();
  char tok[JWT_TEXT_MAX], tok2[JWT_TEXT_MAX], err[256];
  REQUIRE(jwt_sign(&old, &c, tok, sizeof tok) > 0);
  char both[300];
  snprintf(both, sizeof both, "%s,%s", K2, K1); /* k2 signs now, k1 still verifies */
  jwt_keyring rotated = ring_of(both);
  CHECK_INT(rotated.n, 2);
  CHECK_INT(verify(&rotated, tok, NOW, err), 0);
  REQUIRE(jwt_sign(&rotated, &c, tok2, sizeof tok2) > 0);
  CHECK(strstr(tok2, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsyIn0") == tok2); /* kid k2 */
  CHECK_INT(verify(&old, tok2, NOW, err), PHEME_AUTH_INVALID); /* k2 unknown to the old ring */
  jwt_keyring retired = ring_of(K2);                            /* k1 removed */
  CHECK_INT(verify(&retired, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK_INT(verify(&retired, tok2, NOW, err), 0);
}

TEST(malformed_tokens_are_refused) {
  jwt_keyring r = ring_of(K1);
  char tok[2048], err[256];
  const char *bad[] = {"", "abc", "a.b", "a.b.c.d", "..", "eyJ.eyJ.", "!!!.eyJ.abc"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_INT(verify(&r, bad[i], NOW, err), PHEME_AUTH_INVALID);
  /* base64url with padding, or the standard alphabet */
  jwt_claims c = claims();
  REQUIRE(jwt_sign(&r, &c, tok, sizeof tok) > 0);
  char padded[2100];
  snprintf(padded, sizeof padded, "%s=", tok);
  CHECK_INT(verify(&r, padded, NOW, err), PHEME_AUTH_INVALID);
  /* header not JSON, header an array, duplicate keys in header and in payload */
  forge(tok, sizeof tok, "{alg:HS256}", GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  forge(tok, sizeof tok, "[\"HS256\"]", GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  forge(tok, sizeof tok, "{\"alg\":\"HS256\",\"kid\":\"k1\",\"alg\":\"none\"}", GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  forge(tok, sizeof tok, HDR,
        "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"42\",\"sub\":\"1\",\"sid\":\"7\",\"rv\":3,"
        "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900}", secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "unique keys") != NULL);
  /* payload not JSON; header with extra fields (jku, crit) */
  forge(tok, sizeof tok, HDR, "not json", secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  forge(tok, sizeof tok, "{\"alg\":\"HS256\",\"kid\":\"k1\",\"jku\":\"https://evil\"}", GOOD_PAY, secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  /* claims of the wrong type: exp as a string, sub as a number, a missing claim, an extra one */
  forge(tok, sizeof tok, HDR, PAY(ISS, AUD, "1700000000", "1700000000", "\"1700000900\""), secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  forge(tok, sizeof tok, HDR,
        "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":42,\"sid\":\"7\",\"rv\":3,\"iat\":1700000000,"
        "\"nbf\":1700000000,\"exp\":1700000900}", secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  forge(tok, sizeof tok, HDR,
        "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"42\",\"sid\":\"7\",\"iat\":1700000000,"
        "\"nbf\":1700000000,\"exp\":1700000900}", secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  forge(tok, sizeof tok, HDR,
        "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"42\",\"sid\":\"7\",\"rv\":3,\"iat\":1700000000,"
        "\"nbf\":1700000000,\"exp\":1700000900,\"admin\":true}", secret1, 32);
  CHECK_INT(verify(&r, tok, NOW, err), PHEME_AUTH_INVALID);
  /* a token over the length cap */
  char *longtok = malloc(JWT_MAX_LEN + 10);
  memset(longtok, 'a', JWT_MAX_LEN + 9);
  longtok[JWT_MAX_LEN + 9] = 0;
  CHECK_INT(verify(&r, longtok, NOW, err), PHEME_AUTH_INVALID);
  free(longtok);
}

TEST(keyring_parsing_never_quotes_secrets) {
  jwt_keyring r;
  char err[256];
  CHECK_INT(jwt_keyring_parse(&r, "", err, sizeof err), PHEME_SYS_CONFIG);
  CHECK_INT(jwt_keyring_parse(&r, "k1:abcd", err, sizeof err), PHEME_SYS_CONFIG); /* too short */
  CHECK(strstr(err, "abcd") == NULL);
  CHECK(strstr(err, "'k1'") != NULL);
  CHECK_INT(jwt_keyring_parse(&r, "k1:zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", err, sizeof err), PHEME_SYS_CONFIG);
  char dup[300];
  snprintf(dup, sizeof dup, "%s,%s", K1, K1);
  CHECK_INT(jwt_keyring_parse(&r, dup, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "twice") != NULL);
  CHECK_INT(jwt_keyring_parse(&r, "bad kid!:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", err, sizeof err), PHEME_SYS_CONFIG);
  char two[300];
  snprintf(two, sizeof two, " %s , %s ", K1, K2);
  CHECK_INT(jwt_keyring_parse(&r, two, err, sizeof err), 0);
  CHECK_INT(r.n, 2);
  CHECK_STR(r.keys[0].kid, "k1");
}

int main(void) {
  for (int i = 0; i < 32; i++) secret1[i] = (uint8_t)i;
  RUN(round_trip);
  RUN(alg_none_is_refused);
  RUN(alg_switch_to_hs384_is_refused);
  RUN(alg_switch_to_rs256_is_refused);
  RUN(tampered_payload_is_refused);
  RUN(tampered_signature_is_refused);
  RUN(expired_is_refused);
  RUN(not_yet_valid_is_refused);
  RUN(wrong_audience_is_refused);
  RUN(wrong_issuer_is_refused);
  RUN(unknown_kid_is_refused);
  RUN(rotated_key_verifies_old_tokens_while_listed);
  RUN(malformed_tokens_are_refused);
  RUN(keyring_parsing_never_quotes_secrets);
  fprintf(stderr, "test_jwt: %d tests, %d failed\n", test__ran, test__failed_tests);
  return test__failed_tests > 100 ? 100 : test__failed_tests;
}
