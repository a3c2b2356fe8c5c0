/* Session tokens; see session.h. */
#include "auth/session.h"

#include <string.h>

#include "core/util.h"
#include "core/banned.h"

#define LEEWAY_S 5 /* clock skew allowed between the nodes of one deployment */

/* The stored key of a token: its 6 time bytes, then the first 26 bytes of SHA-256(text). */
static void refresh_key(uint8_t key[32], const uint8_t raw[32], const char *text, size_t n) {
  uint8_t h[32];
  sha256(h, text, n);
  memcpy(key, raw, 6);
  memcpy(key + 6, h, 26);
}

int session_refresh_new(char out[SESSION_REFRESH_TEXT], uint8_t hash[32], int64_t now_ms) {
  uint8_t raw[32];
  if (random_bytes(raw + 6, sizeof raw - 6)) return -1;
  for (int i = 0; i < 6; i++) raw[i] = (uint8_t)((uint64_t)(now_ms < 0 ? 0 : now_ms) >> (40 - 8 * i));
  memcpy(out, SESSION_REFRESH_PREFIX, 4);
  base64url_encode(out + 4, raw, sizeof raw);
  refresh_key(hash, raw, out, SESSION_REFRESH_TEXT - 1);
  return 0;
}

int session_refresh_hash(const char *text, uint8_t hash[32]) {
  uint8_t raw[33];
  size_t n = strlen(text);
  if (n != SESSION_REFRESH_TEXT - 1 || strncmp(text, SESSION_REFRESH_PREFIX, 4) != 0 ||
      base64url_decode(raw, sizeof raw, text + 4, n - 4) != 32)
    return -1;
  refresh_key(hash, raw, text, n);
  return 0;
}

int session_csrf_new(char out[SESSION_CSRF_TEXT]) {
  uint8_t raw[32];
  if (random_bytes(raw, sizeof raw)) return -1;
  base64url_encode(out, raw, sizeof raw);
  return 0;
}

long session_access_token(const signin_config *c, int64_t user_id, int64_t sid, int64_t rv,
                          int64_t now_ms, char *out, size_t cap) {
  int64_t now = now_ms / 1000;
  jwt_claims cl = {c->issuer, SIGNIN_AUDIENCE, user_id, sid, rv, now, now, now + c->access_ttl_s};
  return jwt_sign(&c->keys, &cl, out, cap);
}

pheme_err session_access_verify(const signin_config *c, const char *token, int64_t now_ms,
                                jwt_claims *out, char *err, size_t errlen) {
  return jwt_verify(&c->keys, token, strlen(token), c->issuer, SIGNIN_AUDIENCE, now_ms / 1000,
                    LEEWAY_S, out, err, errlen);
}
