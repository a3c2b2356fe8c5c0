/* Four Keccak-256 digests at once, for the epoch's Merkle tree (merkle.c), whose 3 million hashes
 * (two per leaf, one per inner node, for a million scores) are all one-block messages: 64 bytes
 * (a leaf's encoding, a pair of nodes) or 32 (a leaf's inner hash). On x86-64 with AVX2 the four
 * states are interleaved lane by lane in 256-bit registers and permuted together; elsewhere, and
 * on a CPU without AVX2 (checked once at run time), each is eth/keccak.h's keccak_256. Both give
 * Keccak-256 exactly (tests/unit/reputation/test_merkle.c compares them on random messages). */
#ifndef PHEME_ETH_KECCAK4_H
#define PHEME_ETH_KECCAK4_H

#include <stddef.h>
#include <stdint.h>

#define KECCAK4_MAX 135 /* the longest message that fits one block with its padding */

/* out[i] = Keccak-256(in[i][0..len)) for i = 0..3; len ≤ KECCAK4_MAX. An out may alias its in. */
void keccak4_256(const uint8_t *const in[4], size_t len, uint8_t *const out[4]);

#endif
