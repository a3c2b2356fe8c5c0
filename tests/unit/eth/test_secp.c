/* Tests for src/eth/secp.c: addresses of known keys, sign/recover round trips,
 * RFC 6979 determinism, v forms, the high-s twin, out-of-range signatures. */
#include "test.h"

#include "eth/address.h"
#include "eth/keccak.h"
#include "eth/secp.h"

#include "core/banned.h"

static void key_of(uint8_t key[32], uint8_t last) {
  memset(key, 0, 32);
  key[31] = last;
}

TEST(secp_private_key_one_has_the_well_known_address) {
  uint8_t key[32], addr[20];
  char text[ADDRESS_TEXT];
  key_of(key, 1);
  REQUIRE(secp_address(addr, key, NULL) == PHEME_OK);
  CHECK_STR(address_to_checksum(text, addr), "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
}

TEST(secp_rejects_invalid_private_keys) {
  uint8_t key[32], sig[65], hash[32] = {1};
  pheme_error err = {0};
  key_of(key, 0);
  CHECK_INT(secp_sign(sig, hash, key, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "private key") != NULL);
  memset(key, 0xff, 32); /* above the group order */
  CHECK_INT(secp_sign(sig, hash, key, NULL), PHEME_DATA_INVALID);
}

TEST(secp_sign_recover_round_trip_is_deterministic_and_low_s) {
  uint8_t key[32], hash[32], sig[65], sig2[65], addr[20], rec[20];
  for (int i = 0; i < 50; i++) {
    for (int j = 0; j < 32; j++) key[j] = (uint8_t)(i * 31 + j * 7 + 1);
    keccak_256(hash, &i, sizeof i);
    REQUIRE(secp_address(addr, key, NULL) == PHEME_OK);
    REQUIRE(secp_sign(sig, hash, key, NULL) == PHEME_OK);
    REQUIRE(secp_sign(sig2, hash, key, NULL) == PHEME_OK);
    CHECK_MEM(sig, 65, sig2, 65);
    CHECK(sig[64] == 0 || sig[64] == 1);
    CHECK(secp_is_low_s(sig));
    CHECK_INT(secp_recover_address(rec, hash, sig, SECP_LOW_S, NULL), PHEME_OK);
    CHECK_MEM(rec, 20, addr, 20);
    secp_v_to_27(sig);
    CHECK(sig[64] == 27 || sig[64] == 28);
    CHECK_INT(secp_recover_address(rec, hash, sig, SECP_LOW_S, NULL), PHEME_OK);
    CHECK_MEM(rec, 20, addr, 20);
    secp_v_from_27(sig);
    CHECK_MEM(sig, 65, sig2, 65);
  }
}

TEST(secp_high_s_twin_is_rejected_when_asked) {
  uint8_t key[32], hash[32], sig[65], addr[20], rec[20];
  pheme_error err = {0};
  key_of(key, 7);
  keccak_256(hash, "sign in", 7);
  REQUIRE(secp_address(addr, key, NULL) == PHEME_OK);
  REQUIRE(secp_sign(sig, hash, key, NULL) == PHEME_OK);
  secp_malleate(sig);
  CHECK(!secp_is_low_s(sig));
  /* the twin is a valid ECDSA signature of the same key ... */
  CHECK_INT(secp_recover_address(rec, hash, sig, 0, NULL), PHEME_OK);
  CHECK_MEM(rec, 20, addr, 20);
  /* ... and refused under SECP_LOW_S */
  CHECK_INT(secp_recover_address(rec, hash, sig, SECP_LOW_S, &err), PHEME_AUTH_INVALID);
  CHECK(strstr(err.msg, "high-s") != NULL);
  secp_malleate(sig);
  CHECK(secp_is_low_s(sig));
  CHECK_INT(secp_recover_address(rec, hash, sig, SECP_LOW_S, NULL), PHEME_OK);
  /* the same with v as 27/28: the twin's v is the other one of the two, and still recovers */
  uint8_t v = sig[64];
  secp_v_to_27(sig);
  secp_malleate(sig);
  CHECK_INT(sig[64], 27 + (v ^ 1));
  CHECK_INT(secp_recover_address(rec, hash, sig, 0, NULL), PHEME_OK);
  CHECK_MEM(rec, 20, addr, 20);
  secp_malleate(sig);
  CHECK_INT(sig[64], 27 + v);
}

TEST(secp_rejects_malformed_signatures) {
  uint8_t key[32], hash[32], sig[65], bad[65], rec[20];
  pheme_error err = {0};
  key_of(key, 9);
  keccak_256(hash, "x", 1);
  REQUIRE(secp_sign(sig, hash, key, NULL) == PHEME_OK);
  memcpy(bad, sig, 65);
  bad[64] = 29;
  CHECK_INT(secp_recover_address(rec, hash, bad, 0, &err), PHEME_AUTH_INVALID);
  CHECK(strstr(err.msg, "v is 29") != NULL);
  memcpy(bad, sig, 65);
  memset(bad, 0, 32);
  CHECK_INT(secp_recover_address(rec, hash, bad, 0, NULL), PHEME_AUTH_INVALID);
  memcpy(bad, sig, 65);
  memset(bad + 32, 0xff, 32);
  CHECK_INT(secp_recover_address(rec, hash, bad, 0, NULL), PHEME_AUTH_INVALID);
}

TEST(secp_wrong_hash_recovers_another_address) {
  uint8_t key[32], hash[32], sig[65], addr[20], rec[20];
  key_of(key, 3);
  keccak_256(hash, "a", 1);
  REQUIRE(secp_address(addr, key, NULL) == PHEME_OK);
  REQUIRE(secp_sign(sig, hash, key, NULL) == PHEME_OK);
  hash[0] ^= 1;
  /* r is a valid x coordinate, so a key always recovers: just not the signer's */
  CHECK_INT(secp_recover_address(rec, hash, sig, 0, NULL), PHEME_OK);
  CHECK(memcmp(rec, addr, 20) != 0);
}

TEST_MAIN(RUN(secp_private_key_one_has_the_well_known_address); RUN(secp_rejects_invalid_private_keys);
          RUN(secp_sign_recover_round_trip_is_deterministic_and_low_s);
          RUN(secp_high_s_twin_is_rejected_when_asked); RUN(secp_rejects_malformed_signatures);
          RUN(secp_wrong_hash_recovers_another_address);)
