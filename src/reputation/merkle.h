/* The epoch's Merkle tree of scores, in the "standard" layout of OpenZeppelin's merkle-tree
 * library, so that its proofs verify with MerkleProof.verify and ReputationOracle.verifyScore:
 *
 *   leaf  = keccak256(keccak256(abi.encode(address user, uint256 score)))
 *   node  = keccak256(min(a, b) ‖ max(a, b))            (pairs sorted as 256-bit numbers)
 *   tree  = an array of 2n − 1 nodes; the leaves, sorted ascending, fill it from the end
 *           (leaf i at index 2n − 2 − i); node i has children 2i + 1 and 2i + 2; the root is 0.
 *
 * A proof is the list of siblings from the leaf up to (not including) the root. */
#ifndef PHEME_REPUTATION_MERKLE_H
#define PHEME_REPUTATION_MERKLE_H

#include <stdint.h>

typedef struct {
  uint8_t address[20];
  uint32_t score; /* 0..100 */
} rep_leaf_value;

typedef struct {
  int64_t n;            /* leaves */
  uint8_t (*node)[32];  /* 2n − 1 nodes */
  int64_t *pos;         /* pos[i]: the tree index of values[i]'s leaf */
} rep_merkle;

/* The leaf hash of one value. */
void rep_merkle_leaf(const rep_leaf_value *v, uint8_t out[32]);
/* The parent of two nodes. */
void rep_merkle_pair(const uint8_t a[32], const uint8_t b[32], uint8_t out[32]);

/* Builds the tree of n ≥ 1 values (threads ≥ 1 hash the leaves in parallel). Returns 0, or -1
 * when n is 0 or memory runs out. */
int rep_merkle_build(rep_merkle *t, const rep_leaf_value *values, int64_t n, int threads);
void rep_merkle_release(rep_merkle *t);
static inline const uint8_t *rep_merkle_root(const rep_merkle *t) { return t->node[0]; }

/* The proof of values[i] into out (room for 64 hashes); returns its length. */
int rep_merkle_proof(const rep_merkle *t, int64_t i, uint8_t out[][32]);
/* 1 when proof leads from leaf to root. */
int rep_merkle_verify(const uint8_t leaf[32], const uint8_t proof[][32], int n, const uint8_t root[32]);

#endif
