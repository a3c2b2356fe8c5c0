/* secp256k1 for Ethereum, over libsecp256k1 and its recovery module.
 *
 * Signatures are 65 bytes r || s || v with v = 0 or 1 (the recovery id). Wallets and
 * personal_sign put 27/28 in v; secp_recover accepts both, and secp_v_to_27 converts for output.
 * Signing is deterministic (RFC 6979) and always produces low-s (s <= n/2).
 *
 * One secp256k1 context is created on first use (pthread_once), randomized against side
 * channels with bytes from getrandom when available, and afterwards only read: every function
 * here may be called from any thread. */
#ifndef PHEME_ETH_SECP_H
#define PHEME_ETH_SECP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SECP_SIG_LEN 65

enum {
  /* reject signatures whose s is above n/2 (the malleated twin of a low-s signature), as
   * Ethereum does for transactions and as sign-in must */
  SECP_LOW_S = 1 << 0,
};

/* Signs the 32-byte hash with the private key. Returns 0, or PHEME_DATA_INVALID with *err set
 * when the key is zero or not below the group order. */
pheme_err secp_sign(uint8_t sig[SECP_SIG_LEN], const uint8_t hash[32], const uint8_t key[32],
                    pheme_error *err) PHEME_MUST_CHECK;

/* Recovers the public key (X || Y, 64 bytes) that made sig over hash. Returns 0, or
 * PHEME_AUTH_INVALID with *err set: v not in {0,1,27,28}, r or s zero or not below n, high s
 * when SECP_LOW_S is given, or no key recovers. */
pheme_err secp_recover(uint8_t pub[64], const uint8_t hash[32], const uint8_t sig[SECP_SIG_LEN],
                       unsigned flags, pheme_error *err) PHEME_MUST_CHECK;

/* secp_recover followed by the address of the key. */
pheme_err secp_recover_address(uint8_t addr[20], const uint8_t hash[32],
                               const uint8_t sig[SECP_SIG_LEN], unsigned flags, pheme_error *err)
    PHEME_MUST_CHECK;

/* The public key (X || Y) of a private key; PHEME_DATA_INVALID for an invalid key. */
pheme_err secp_pubkey(uint8_t pub[64], const uint8_t key[32], pheme_error *err) PHEME_MUST_CHECK;
/* The address of a private key; PHEME_DATA_INVALID for an invalid key. */
pheme_err secp_address(uint8_t addr[20], const uint8_t key[32], pheme_error *err) PHEME_MUST_CHECK;

/* 1 when s (bytes 32..63 of sig) is at most n/2. */
int secp_is_low_s(const uint8_t sig[SECP_SIG_LEN]);
/* Turns sig into its malleated twin in place: s = n - s and the recovery id flipped (0<->1,
 * 27<->28). Both recover the same key; only one of them is low-s. */
void secp_malleate(uint8_t sig[SECP_SIG_LEN]);

/* v 0/1 -> 27/28 in place (27/28 unchanged). */
void secp_v_to_27(uint8_t sig[SECP_SIG_LEN]);
/* v 27/28 -> 0/1 in place (0/1 unchanged). */
void secp_v_from_27(uint8_t sig[SECP_SIG_LEN]);

/* The shared, randomized context (for code that calls libsecp256k1 directly, e.g. benchmarks).
 * Never NULL: failure to create it is a PHEME_BUG. */
const struct secp256k1_context_struct *secp_context(void);

#endif
