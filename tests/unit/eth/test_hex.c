/* Tests for src/eth/hex.c and pheme_error.c: strict hex decoding and its relaxations, and the
 * quoting that error messages use. */
#include "test.h"

#include "core/err.h"
#include "eth/hex.h"

#include "core/banned.h"

TEST(hex_decode_is_strict_by_default) {
  uint8_t out[8];
  size_t n = 99;
  pheme_error err = {0};
  CHECK_INT(hex_decode(out, 8, &n, "0x", 2, 0, NULL), PHEME_OK);
  CHECK_INT(n, 0);
  CHECK_INT(hex_decode(out, 8, &n, "0xAbcD", 6, 0, NULL), PHEME_OK);
  CHECK_MEM(out, n, "\xab\xcd", 2);
  CHECK_INT(hex_decode(out, 8, &n, "abcd", 4, 0, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "prefix") != NULL);
  CHECK_INT(hex_decode(out, 8, &n, "abcd", 4, HEX_PREFIX_OPTIONAL, NULL), PHEME_OK);
  CHECK_INT(hex_decode(out, 8, &n, "0xabc", 5, 0, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "odd") != NULL);
  CHECK_INT(hex_decode(out, 8, &n, "0xabc", 5, HEX_ALLOW_ODD, NULL), PHEME_OK);
  CHECK_MEM(out, n, "\x0a\xbc", 2);
  CHECK_INT(hex_decode(out, 8, &n, "0xzz", 4, 0, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "'0xzz'") != NULL);
  CHECK_INT(hex_decode(out, 2, &n, "0x010203", 8, 0, NULL), PHEME_DATA_INVALID);
  CHECK_INT(hex_decode(out, 4, &n, "0x010203", 8, HEX_EXACT, NULL), PHEME_DATA_INVALID);
  char text[HEX_LEN(3) + 1];
  CHECK_STR(hex_encode(text, (const uint8_t *)"\x00\xff\x10", 3), "0x00ff10");
}

TEST(pheme_quote_escapes_and_truncates) {
  char q[PHEME_QUOTE];
  CHECK_STR(pheme_quote(q, sizeof q, "a\nb'c\\", 6), "a\\x0ab\\x27c\\x5c");
  char long_input[300];
  memset(long_input, 'x', sizeof long_input);
  pheme_quote(q, sizeof q, long_input, sizeof long_input);
  CHECK_INT(strlen(q), 48 + 3);
  CHECK(strcmp(q + 48, "...") == 0);
  char tiny[10];
  pheme_quote(tiny, sizeof tiny, "abcdefghijkl", 12);
  CHECK(strlen(tiny) < sizeof tiny);
  pheme_error e = {0};
  CHECK_INT(pheme_set(&e, PHEME_DATA_INVALID, "bad '%s'", "v"), PHEME_DATA_INVALID);
  CHECK_STR(e.msg, "bad 'v'");
  CHECK_INT(e.code, PHEME_DATA_INVALID);
  CHECK_INT(pheme_set(NULL, PHEME_AUTH_INVALID, "ignored"), PHEME_AUTH_INVALID);
}

TEST_MAIN(RUN(hex_decode_is_strict_by_default); RUN(pheme_quote_escapes_and_truncates))
