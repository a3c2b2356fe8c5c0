/* Tests for src/eth/u256.c: decimal and hex parsing, printing, width checks. */
#include "test.h"

#include "eth/u256.h"

#include "core/banned.h"

static const char MAX[] =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";

TEST(u256_round_trips_extremes) {
  uint8_t v[32];
  char s[U256_DEC_MAX];
  CHECK_INT(u256_parse(v, MAX, strlen(MAX), 0, NULL), PHEME_OK);
  for (int i = 0; i < 32; i++) CHECK_INT(v[i], 0xff);
  CHECK_STR(u256_to_dec(s, v), MAX);
  CHECK_INT(u256_parse(v, "0", 1, 0, NULL), PHEME_OK);
  CHECK_STR(u256_to_dec(s, v), "0");
  CHECK_INT(u256_parse(v, "0xff", 4, 1, NULL), PHEME_OK);
  CHECK_STR(u256_to_dec(s, v), "255");
}

TEST(u256_rejects_overflow_and_junk) {
  uint8_t v[32];
  pheme_error err = {0};
  const char over[] =
      "115792089237316195423570985008687907853269984665640564039457584007913129639936";
  CHECK_INT(u256_parse(v, over, strlen(over), 0, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "256 bits") != NULL);
  CHECK_INT(u256_parse(v, "012", 3, 0, NULL), PHEME_DATA_INVALID);
  CHECK_INT(u256_parse(v, "", 0, 0, NULL), PHEME_DATA_INVALID);
  CHECK_INT(u256_parse(v, "1e3", 3, 0, NULL), PHEME_DATA_INVALID);
  CHECK_INT(u256_parse(v, "0x", 2, 1, NULL), PHEME_DATA_INVALID);
  CHECK_INT(u256_parse(v, "0x10", 4, 0, NULL), PHEME_DATA_INVALID);
}

TEST(u256_signed_range_checks) {
  uint8_t v[32];
  char s[U256_DEC_MAX];
  int neg;
  CHECK_INT(u256_parse_signed(v, &neg, "-128", 4, 0, NULL), PHEME_OK);
  CHECK(neg);
  CHECK(u256_fits_int(v, 8));
  CHECK_STR(u256_to_sdec(s, v), "-128");
  CHECK_INT(u256_parse_signed(v, &neg, "-129", 4, 0, NULL), PHEME_OK);
  CHECK(!u256_fits_int(v, 8));
  CHECK(u256_fits_int(v, 16));
  CHECK_INT(u256_parse_signed(v, &neg, "127", 3, 0, NULL), PHEME_OK);
  CHECK(u256_fits_int(v, 8));
  CHECK_INT(u256_parse_signed(v, &neg, "128", 3, 0, NULL), PHEME_OK);
  CHECK(!u256_fits_int(v, 8));
  CHECK(u256_fits_uint(v, 8));
  const char min[] = "-57896044618658097711785492504343953926634992332820282019728792003956564819968";
  CHECK_INT(u256_parse_signed(v, &neg, min, strlen(min), 0, NULL), PHEME_OK);
  CHECK(u256_fits_int(v, 256));
  CHECK_STR(u256_to_sdec(s, v), min);
  const char below[] = "-57896044618658097711785492504343953926634992332820282019728792003956564819969";
  CHECK_INT(u256_parse_signed(v, &neg, below, strlen(below), 0, NULL), PHEME_DATA_INVALID);
  CHECK_INT(u256_parse_signed(v, &neg, "-0", 2, 0, NULL), PHEME_DATA_INVALID);
}

TEST_MAIN(RUN(u256_round_trips_extremes); RUN(u256_rejects_overflow_and_junk); RUN(u256_signed_range_checks))
