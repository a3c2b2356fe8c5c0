/* Keccak-256 sponge over nettle's Keccak-f[1600]; see keccak.h.
 *
 * Full blocks are XORed straight from the caller's memory into the state as little-endian
 * 64-bit lanes (memcpy lets the compiler emit plain loads), so a long input costs what nettle's
 * own sha3_256_update costs: one XOR pass and one permutation per 136 bytes. */
#include "eth/keccak.h"

#include <string.h>

#include "core/banned.h"

static inline uint64_t load_le64(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t x;
  memcpy(&x, p, 8);
  return x;
#else
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
         (uint64_t)p[7] << 56;
#endif
}

static inline void absorb(struct sha3_state *st, const uint8_t *block) {
  for (unsigned i = 0; i < KECCAK_RATE / 8; i++) st->a[i] ^= load_le64(block + 8 * i);
  sha3_permute(st);
}

void keccak_init(keccak_ctx *c) {
  memset(&c->state, 0, sizeof c->state);
  c->index = 0;
}

void keccak_update(keccak_ctx *c, const void *data, size_t n) {
  const uint8_t *p = data;
  if (c->index) {
    size_t take = KECCAK_RATE - c->index;
    if (take > n) take = n;
    memcpy(c->block + c->index, p, take);
    c->index += (unsigned)take;
    p += take;
    n -= take;
    if (c->index < KECCAK_RATE) return;
    absorb(&c->state, c->block);
    c->index = 0;
  }
  for (; n >= KECCAK_RATE; p += KECCAK_RATE, n -= KECCAK_RATE) absorb(&c->state, p);
  if (n) memcpy(c->block, p, n);
  c->index = (unsigned)n;
}

void keccak_final(keccak_ctx *c, uint8_t out[32]) {
  memset(c->block + c->index, 0, KECCAK_RATE - c->index);
  c->block[c->index] ^= 0x01;
  c->block[KECCAK_RATE - 1] ^= 0x80;
  absorb(&c->state, c->block);
  for (unsigned i = 0; i < 4; i++) {
    uint64_t x = c->state.a[i];
    for (unsigned j = 0; j < 8; j++) out[8 * i + j] = (uint8_t)(x >> (8 * j));
  }
}

void keccak_256(uint8_t out[32], const void *data, size_t n) {
  keccak_ctx c;
  keccak_init(&c);
  keccak_update(&c, data, n);
  keccak_final(&c, out);
}
