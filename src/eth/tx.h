/* Ethereum transactions: legacy with EIP-155 replay protection (type 0) and EIP-1559 dynamic-fee
 * transactions with access lists (type 2).
 *
 * Amounts and prices are uint256 as 32 bytes big-endian; nonce and gas are uint64 (EIP-2681).
 * A tx does not own the memory data and access_list point to: the caller's, or (tx_decode) the
 * input bytes and the arena handed to it.
 *
 *   tx t = {.type = TX_EIP1559, .chain_id = 1, ...};
 *   tx_sign(&t, key, &err); tx_encode_signed(&out, &t, &err); tx_hash(hash, &t, &err);
 */
#ifndef PHEME_ETH_TX_H
#define PHEME_ETH_TX_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

enum { TX_LEGACY = 0, TX_EIP1559 = 2 };

/* Most access-list entries and storage keys tx_decode accepts, so hostile input stays cheap. */
#define TX_MAX_ACCESS 4096

typedef struct {
  uint8_t address[20];
  const uint8_t (*keys)[32];
  size_t n_keys;
} tx_access;

typedef struct {
  int type;          /* TX_LEGACY or TX_EIP1559 */
  uint64_t chain_id; /* legacy: 0 means a pre-EIP-155 transaction (v = 27/28) */
  uint64_t nonce;
  uint8_t gas_price[32];       /* legacy */
  uint8_t max_priority_fee[32]; /* type 2 */
  uint8_t max_fee[32];          /* type 2 */
  uint64_t gas;
  int has_to; /* 0: contract creation */
  uint8_t to[20];
  uint8_t value[32];
  const uint8_t *data;
  size_t data_len;
  const tx_access *access; /* type 2 */
  size_t n_access;
  /* signature, set by tx_sign or tx_decode */
  int is_signed;
  uint8_t r[32], s[32];
  unsigned y_parity; /* 0 or 1 */
} tx;

/* Appends the bytes that are hashed for signing: legacy EIP-155
 * rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]) (or the six fields without a
 * chain id), type 2: 0x02 || rlp([chainId, nonce, maxPriorityFee, maxFee, gas, to, value, data,
 * accessList]). Returns 0, or PHEME_SYS_NOMEM / PHEME_DATA_INVALID with *err set. */
pheme_err tx_encode_unsigned(buf *out, const tx *t, pheme_error *err) PHEME_MUST_CHECK;
/* Keccak-256 of tx_encode_unsigned. */
pheme_err tx_signing_hash(uint8_t out[32], const tx *t, pheme_error *err) PHEME_MUST_CHECK;
/* Signs with key (RFC 6979) and stores r, s, y_parity in t. */
pheme_err tx_sign(tx *t, const uint8_t key[32], pheme_error *err) PHEME_MUST_CHECK;
/* Appends the signed encoding (what eth_sendRawTransaction takes); t must be signed. */
pheme_err tx_encode_signed(buf *out, const tx *t, pheme_error *err) PHEME_MUST_CHECK;
/* The transaction hash: Keccak-256 of tx_encode_signed. */
pheme_err tx_hash(uint8_t out[32], const tx *t, pheme_error *err) PHEME_MUST_CHECK;

/* Decodes a signed raw transaction (legacy, with or without EIP-155, or type 2). data points
 * into in; access lists are allocated from a. Strict: canonical RLP and integers, nothing
 * trailing, no unknown type, v consistent with the chain id. Returns 0, or PHEME_DATA_INVALID
 * (PHEME_SYS_NOMEM when the arena is exhausted) with *err set. */
pheme_err tx_decode(tx *out, const uint8_t *in, size_t n, arena *a, pheme_error *err) PHEME_MUST_CHECK;

/* Recovers the sender of a signed transaction; high-s signatures are rejected, as Ethereum
 * does. Returns 0, or PHEME_AUTH_INVALID with *err set. */
pheme_err tx_sender(uint8_t addr[20], const tx *t, pheme_error *err) PHEME_MUST_CHECK;

#endif
