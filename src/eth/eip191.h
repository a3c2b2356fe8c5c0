/* EIP-191 version 0x45 ("personal_sign"): the hash a wallet signs for a plain message,
 * Keccak-256("\x19Ethereum Signed Message:\n" || decimal byte length || message). */
#ifndef PHEME_ETH_EIP191_H
#define PHEME_ETH_EIP191_H

#include <stddef.h>
#include <stdint.h>

/* out = the personal_sign hash of msg[0..n). Never fails. */
void eip191_hash(uint8_t out[32], const void *msg, size_t n);

#endif
