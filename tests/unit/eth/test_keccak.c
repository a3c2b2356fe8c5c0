/* Tests for src/eth/keccak.c: published vectors, and incremental hashing agreeing with one-shot
 * hashing across every split point around the 136-byte block boundary. */
#include "test.h"

#include "eth/keccak.h"
#include "eth_test.h"

#include "core/banned.h"

TEST(keccak_matches_published_vectors) {
  char *text = eth_test_read("keccak.txt", NULL), *cur = text, *line;
  REQUIRE(text);
  int n = 0;
  while ((line = eth_test_line(&cur))) {
    char *f[2] = {0};
    REQUIRE(eth_test_fields(line, f, 2) == 2);
    size_t in_len, want_len;
    uint8_t *in = eth_test_unhex(f[0], &in_len), *want = eth_test_unhex(f[1], &want_len), got[32];
    keccak_256(got, in, in_len);
    CHECK_MEM(got, 32, want, want_len);
    free(in);
    free(want);
    n++;
  }
  CHECK_INT(n, 3);
  free(text);
}

TEST(keccak_incremental_equals_one_shot_at_every_split) {
  uint8_t data[300], whole[32], parts[32];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + 3);
  for (size_t len = 0; len <= sizeof data; len += 17) {
    keccak_256(whole, data, len);
    for (size_t cut = 0; cut <= len; cut++) {
      keccak_ctx c;
      keccak_init(&c);
      keccak_update(&c, data, cut);
      keccak_update(&c, data + cut, len - cut);
      keccak_final(&c, parts);
      CHECK_MEM(parts, 32, whole, 32);
    }
  }
}

TEST(keccak_byte_by_byte_equals_one_shot) {
  uint8_t data[1000], whole[32], parts[32];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i ^ 0x5a);
  keccak_256(whole, data, sizeof data);
  keccak_ctx c;
  keccak_init(&c);
  for (size_t i = 0; i < sizeof data; i++) keccak_update(&c, data + i, 1);
  keccak_final(&c, parts);
  CHECK_MEM(parts, 32, whole, 32);
}

TEST(keccak_differs_from_sha3_padding) {
  /* SHA3-256("") is a7ffc6f8...; Keccak-256("") must not be it */
  uint8_t got[32];
  static const uint8_t sha3_empty[4] = {0xa7, 0xff, 0xc6, 0xf8};
  keccak_256(got, "", 0);
  CHECK(memcmp(got, sha3_empty, 4) != 0);
}

TEST_MAIN(RUN(keccak_matches_published_vectors); RUN(keccak_incremental_equals_one_shot_at_every_split);
          RUN(keccak_byte_by_byte_equals_one_shot); RUN(keccak_differs_from_sha3_padding))
