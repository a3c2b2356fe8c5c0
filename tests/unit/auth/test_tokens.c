/* src/auth/session.c's refresh tokens: the text names the session and carries the secret; the key
 * is the secret's SHA-256; anything not shaped like a token is refused before any lookup. */
#include <string.h>

#include "auth/session.h"
#include "core/util.h"
#include "test.h"

TEST(refresh_token_names_its_session_and_keys_its_secret) {
  uint8_t secret[SESSION_REFRESH_SECRET], key[32], again[32], want[32];
  REQUIRE(session_refresh_secret(secret, key) == 0);
  sha256(want, secret, sizeof secret);
  CHECK_MEM(key, 32, want, 32);
  const int64_t ids[] = {1, 255, 256, 1234567890123LL, INT64_MAX};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    char text[SESSION_REFRESH_TEXT];
    session_refresh_text(text, ids[i], secret);
    CHECK_INT((long long)strlen(text), SESSION_REFRESH_TEXT - 1);
    CHECK(strncmp(text, "phr_", 4) == 0);
    int64_t sid = 0;
    CHECK_INT(session_refresh_parse(text, &sid, again), 0);
    CHECK_INT(sid, ids[i]);
    CHECK_MEM(again, 32, key, 32);
  }
  /* another secret, another key; the same secret under another session, the same key */
  uint8_t other[SESSION_REFRESH_SECRET], okey[32];
  REQUIRE(session_refresh_secret(other, okey) == 0);
  CHECK(memcmp(okey, key, 32) != 0);
}

TEST(refresh_token_shapes_are_checked) {
  uint8_t secret[SESSION_REFRESH_SECRET] = {0}, key[32];
  char text[SESSION_REFRESH_TEXT];
  int64_t sid;
  session_refresh_text(text, 42, secret);
  CHECK_INT(session_refresh_parse(text, &sid, key), 0);
  CHECK_INT(session_refresh_parse("phr_nope", &sid, key), -1);
  CHECK_INT(session_refresh_parse("", &sid, key), -1);
  char bad[SESSION_REFRESH_TEXT];
  memcpy(bad, text, sizeof bad);
  bad[0] = 'x'; /* prefix */
  CHECK_INT(session_refresh_parse(bad, &sid, key), -1);
  memcpy(bad, text, sizeof bad);
  bad[10] = '*'; /* not base64url */
  CHECK_INT(session_refresh_parse(bad, &sid, key), -1);
  /* session 0 and ids past INT64_MAX are no session's */
  session_refresh_text(text, 0, secret);
  CHECK_INT(session_refresh_parse(text, &sid, key), -1);
  session_refresh_text(text, -1, secret); /* 0xff…ff */
  CHECK_INT(session_refresh_parse(text, &sid, key), -1);
}

TEST_MAIN(RUN(refresh_token_names_its_session_and_keys_its_secret); RUN(refresh_token_shapes_are_checked))
