/* Keccak-256 as Ethereum uses it: the original Keccak padding (0x01 ... 0x80), not SHA3-256's
 * (0x06). The permutation is nettle's public sha3_permute (Keccak-f[1600]), so this module is
 * only the sponge: absorb 136-byte blocks, pad, squeeze 32 bytes.
 *
 *   keccak_ctx c; keccak_init(&c); keccak_update(&c, p, n); keccak_final(&c, out);
 *
 * No allocation, no failure. A context may be reused after keccak_final by keccak_init. */
#ifndef PHEME_ETH_KECCAK_H
#define PHEME_ETH_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha3.h>

#define KECCAK_RATE 136 /* bytes absorbed per permutation for a 256-bit output */

typedef struct {
  struct sha3_state state;
  uint8_t block[KECCAK_RATE];
  unsigned index; /* bytes waiting in block */
} keccak_ctx;

void keccak_init(keccak_ctx *c);
void keccak_update(keccak_ctx *c, const void *data, size_t n);
/* Writes the 32-byte digest; the context must be re-initialised before further use. */
void keccak_final(keccak_ctx *c, uint8_t out[32]);

/* One-shot: out = Keccak-256(data[0..n)). */
void keccak_256(uint8_t out[32], const void *data, size_t n);

#endif
