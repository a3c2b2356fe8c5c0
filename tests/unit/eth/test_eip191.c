/* Tests for src/eth/eip191.c: the personal_sign hash is Keccak-256 of the prefixed message with
 * its decimal length, built here independently with snprintf; the viem cross-checks compare it
 * with another implementation. */
#include "test.h"

#include "eth/eip191.h"
#include "eth/keccak.h"

#include "core/banned.h"

TEST(eip191_hash_is_keccak_of_prefixed_message) {
  const char *msg = "Hello, PHEME! This message is longer than nine bytes.";
  char whole[200];
  int n = snprintf(whole, sizeof whole, "\x19" "Ethereum Signed Message:\n%zu%s", strlen(msg), msg);
  uint8_t want[32], got[32];
  keccak_256(want, whole, (size_t)n);
  eip191_hash(got, msg, strlen(msg));
  CHECK_MEM(got, 32, want, 32);
  /* the length is decimal: 10 bytes give "10", not "a" */
  n = snprintf(whole, sizeof whole, "\x19" "Ethereum Signed Message:\n10" "0123456789");
  keccak_256(want, whole, (size_t)n);
  eip191_hash(got, "0123456789", 10);
  CHECK_MEM(got, 32, want, 32);
}

TEST(eip191_empty_and_binary_messages) {
  uint8_t want[32], got[32];
  const char prefix[] = "\x19" "Ethereum Signed Message:\n0";
  keccak_256(want, prefix, sizeof prefix - 1);
  eip191_hash(got, "", 0);
  CHECK_MEM(got, 32, want, 32);
  /* bytes are hashed as they are, NULs included */
  const uint8_t msg[3] = {0, 0xff, 0};
  uint8_t whole[40];
  const char p3[] = "\x19" "Ethereum Signed Message:\n3";
  memcpy(whole, p3, sizeof p3 - 1);
  memcpy(whole + sizeof p3 - 1, msg, 3);
  keccak_256(want, whole, sizeof p3 - 1 + 3);
  eip191_hash(got, msg, 3);
  CHECK_MEM(got, 32, want, 32);
}

TEST_MAIN(RUN(eip191_hash_is_keccak_of_prefixed_message); RUN(eip191_empty_and_binary_messages))
