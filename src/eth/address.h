/* Ethereum addresses: 20 bytes, written as EIP-55 mixed-case checksummed hex.
 *
 * Parsing follows EIP-55: an all-lowercase or all-uppercase address carries no checksum and is
 * accepted (unless ADDRESS_CHECKSUM_REQUIRED); a mixed-case one must match its checksum exactly. */
#ifndef PHEME_ETH_ADDRESS_H
#define PHEME_ETH_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define ADDRESS_LEN 20
#define ADDRESS_TEXT 43 /* "0x" + 40 digits + NUL */

enum {
  /* the text must be exactly the EIP-55 form (as SIWE asks); all-lowercase is rejected unless
   * the address has no letters at all */
  ADDRESS_CHECKSUM_REQUIRED = 1 << 0,
};

/* Writes the EIP-55 text of addr into out (ADDRESS_TEXT bytes); returns out. */
char *address_to_checksum(char out[ADDRESS_TEXT], const uint8_t addr[ADDRESS_LEN]);

/* Parses "0x" + 40 hex digits. Returns 0, or PHEME_DATA_INVALID with *err set: wrong length,
 * missing prefix, non-hex digit, or a mixed-case text whose checksum is wrong (the message
 * gives the expected form). */
pheme_err address_parse(uint8_t out[ADDRESS_LEN], const char *s, size_t n, unsigned flags,
                        pheme_error *err) PHEME_MUST_CHECK;

/* The address of an uncompressed public key given as X || Y (64 bytes): the last 20 bytes of
 * Keccak-256(X || Y). */
void address_from_pubkey(uint8_t out[ADDRESS_LEN], const uint8_t pub[64]);

#endif
