/* Session tokens; see session.h. */
#include "auth/session.h"

#include <string.h>

#include "core/util.h"
#include "core/banned.h"

#define LEEWAY_S 5 /* clock skew allowed between the nodes of one deployment */

int session_refresh_secret(uint8_t secret[SESSION_REFRESH_SECRET], uint8_t key[32]) {
  if (random_bytes(secret, SESSION_REFRESH_SECRET)) return -1;
  sha256(key, secret, SESSION_REFRESH_SECRET);
  return 0;
}

void session_refresh_text(char out[SESSION_REFRESH_TEXT], int64_t sid,
                          const uint8_t secret[SESSION_REFRESH_SECRET]) {
  uint8_t raw[8 + SESSION_REFRESH_SECRET];
  for (int i = 0; i < 8; i++) raw[i] = (uint8_t)((uint64_t)sid >> (56 - 8 * i));
  memcpy(raw + 8, secret, SESSION_REFRESH_SECRET);
  memcpy(out, SESSION_REFRESH_PREFIX, 4);
  base64url_encode(out + 4, raw, sizeof raw);
}

int session_refresh_parse(const char *text, int64_t *sid, uint8_t key[32]) {
  uint8_t raw[33];
  size_t n = strlen(text);
  if (n != SESSION_REFRESH_TEXT - 1 || strncmp(text, SESSION_REFRESH_PREFIX, 4) != 0 ||
      base64url_decode(raw, sizeof raw, text + 4, n - 4) != 32)
    return -1;
  uint64_t id = 0;
  for (int i = 0; i < 8; i++) id = id << 8 | raw[i];
  if (id == 0 || id > (uint64_t)INT64_MAX) return -1;
  *sid = (int64_t)id;
  sha256(key, raw + 8, SESSION_REFRESH_SECRET);
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
