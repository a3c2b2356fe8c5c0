/* personal_sign hashing; see eip191.h. */
#include "eth/eip191.h"

#include <stdio.h>

#include "eth/keccak.h"

#include "core/banned.h"

void eip191_hash(uint8_t out[32], const void *msg, size_t n) {
  static const char prefix[] = "\x19" "Ethereum Signed Message:\n";
  char len[24];
  int ln = snprintf(len, sizeof len, "%zu", n);
  keccak_ctx c;
  keccak_init(&c);
  keccak_update(&c, prefix, sizeof prefix - 1);
  keccak_update(&c, len, (size_t)ln);
  keccak_update(&c, msg, n);
  keccak_final(&c, out);
}
