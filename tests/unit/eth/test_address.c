/* Tests for src/eth/address.c: EIP-55 vectors, parse rules, hex strictness. */
#include "test.h"

#include <ctype.h>

#include "eth/address.h"
#include "eth/hex.h"
#include "eth_test.h"

#include "core/banned.h"

TEST(address_eip55_vectors_encode_and_parse) {
  char *text = eth_test_read("eip55.txt", NULL), *cur = text, *line;
  REQUIRE(text);
  int n = 0;
  while ((line = eth_test_line(&cur))) {
    uint8_t a[20], b[20];
    char out[ADDRESS_TEXT], lower[43];
    pheme_error err;
    /* the checksummed form parses even when checksums are required */
    CHECK_INT(address_parse(a, line, strlen(line), ADDRESS_CHECKSUM_REQUIRED, &err), PHEME_OK);
    /* from the lowercase text, encoding gives back the vector */
    for (int i = 0; i < 42; i++) lower[i] = (char)tolower((unsigned char)line[i]);
    lower[42] = 0;
    CHECK_INT(address_parse(b, lower, 42, 0, &err), PHEME_OK);
    CHECK_MEM(a, 20, b, 20);
    CHECK_STR(address_to_checksum(out, b), line);
    n++;
  }
  CHECK_INT(n, 8);
  free(text);
}

TEST(address_rejects_wrong_checksum_in_mixed_case) {
  uint8_t a[20];
  pheme_error err = {0};
  /* one letter's case flipped in a valid checksum */
  const char *bad = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
  CHECK_INT(address_parse(a, bad, strlen(bad), 0, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "checksum") != NULL);
  CHECK(strstr(err.msg, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") != NULL);
}

TEST(address_accepts_uniform_case_unless_checksum_required) {
  uint8_t a[20];
  const char *lower = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
  const char *upper = "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED";
  CHECK_INT(address_parse(a, lower, 42, 0, NULL), PHEME_OK);
  CHECK_INT(address_parse(a, upper, 42, 0, NULL), PHEME_OK);
  CHECK_INT(address_parse(a, lower, 42, ADDRESS_CHECKSUM_REQUIRED, NULL), PHEME_DATA_INVALID);
}

TEST(address_rejects_bad_shapes) {
  uint8_t a[20];
  pheme_error err = {0};
  CHECK_INT(address_parse(a, "0x1234", 6, 0, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "40 hex digits") != NULL);
  const char *nohex = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg";
  CHECK_INT(address_parse(a, nohex, 42, 0, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "non-hex") != NULL);
  const char *noprefix = "005aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
  CHECK_INT(address_parse(a, noprefix, 42, 0, NULL), PHEME_DATA_INVALID);
}

TEST_MAIN(RUN(address_eip55_vectors_encode_and_parse); RUN(address_rejects_wrong_checksum_in_mixed_case);
          RUN(address_accepts_uniform_case_unless_checksum_required); RUN(address_rejects_bad_shapes))
