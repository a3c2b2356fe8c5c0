/* Keccak-256 of four one-block messages at once (keccak4.h). The permutation is Keccak-f[1600]
 * as FIPS 202 states it (θ, ρ, π, χ, ι over 24 rounds), with each of the 25 lanes a vector of the
 * four states' lanes; rotations are two shifts and an OR (AVX2 has no 64-bit rotate). */
#include "eth/keccak4.h"

#include <string.h>

#include "eth/keccak.h"
#include "core/banned.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

static const uint64_t keccak4_rc[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808Aull, 0x8000000080008000ull,
    0x000000000000808Bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008Aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000Aull,
    0x000000008000808Bull, 0x800000000000008Bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800Aull, 0x800000008000000Aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};

#define ROL(v, r) ((r) ? _mm256_or_si256(_mm256_slli_epi64((v), (r)), _mm256_srli_epi64((v), 64 - (r))) : (v))

/* One round's ρ and π for lane x + 5y: B[y + 5((2x + 3y) mod 5)] = ROL(A[x + 5y], rho). */
#define RHO_PI(x, y, r) b[(y) + 5 * ((2 * (x) + 3 * (y)) % 5)] = ROL(a[(x) + 5 * (y)], r)

__attribute__((target("avx2"))) static void keccak4_permute(__m256i a[25]) {
  for (int round = 0; round < 24; round++) {
    __m256i c[5], d[5], b[25];
#pragma GCC unroll 5
    for (int x = 0; x < 5; x++)
      c[x] = _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256(a[x], a[x + 5]), _mm256_xor_si256(a[x + 10], a[x + 15])),
                              a[x + 20]);
#pragma GCC unroll 5
    for (int x = 0; x < 5; x++) d[x] = _mm256_xor_si256(c[(x + 4) % 5], ROL(c[(x + 1) % 5], 1));
#pragma GCC unroll 25
    for (int i = 0; i < 25; i++) a[i] = _mm256_xor_si256(a[i], d[i % 5]);
    RHO_PI(0, 0, 0), RHO_PI(1, 0, 1), RHO_PI(2, 0, 62), RHO_PI(3, 0, 28), RHO_PI(4, 0, 27);
    RHO_PI(0, 1, 36), RHO_PI(1, 1, 44), RHO_PI(2, 1, 6), RHO_PI(3, 1, 55), RHO_PI(4, 1, 20);
    RHO_PI(0, 2, 3), RHO_PI(1, 2, 10), RHO_PI(2, 2, 43), RHO_PI(3, 2, 25), RHO_PI(4, 2, 39);
    RHO_PI(0, 3, 41), RHO_PI(1, 3, 45), RHO_PI(2, 3, 15), RHO_PI(3, 3, 21), RHO_PI(4, 3, 8);
    RHO_PI(0, 4, 18), RHO_PI(1, 4, 2), RHO_PI(2, 4, 61), RHO_PI(3, 4, 56), RHO_PI(4, 4, 14);
#pragma GCC unroll 5
    for (int y = 0; y < 25; y += 5)
#pragma GCC unroll 5
      for (int x = 0; x < 5; x++)
        a[y + x] = _mm256_xor_si256(b[y + x], _mm256_andnot_si256(b[y + (x + 1) % 5], b[y + (x + 2) % 5]));
    a[0] = _mm256_xor_si256(a[0], _mm256_set1_epi64x((long long)keccak4_rc[round]));
  }
}

__attribute__((target("avx2"))) static void keccak4_avx2(const uint8_t *const in[4], size_t len, uint8_t *const out[4]) {
  uint64_t block[4][KECCAK_RATE / 8];
  for (int j = 0; j < 4; j++) {
    uint8_t *p = (uint8_t *)block[j];
    memcpy(p, in[j], len);
    memset(p + len, 0, KECCAK_RATE - len);
    p[len] ^= 0x01;
    p[KECCAK_RATE - 1] ^= 0x80;
  }
  __m256i a[25];
  for (int i = 0; i < 25; i++)
    a[i] = i < KECCAK_RATE / 8 ? _mm256_set_epi64x((long long)block[3][i], (long long)block[2][i],
                                                   (long long)block[1][i], (long long)block[0][i])
                               : _mm256_setzero_si256();
  keccak4_permute(a);
  uint64_t lanes[4][4];
  for (int i = 0; i < 4; i++) _mm256_storeu_si256((__m256i *)lanes[i], a[i]);
  for (int j = 0; j < 4; j++)
    for (int i = 0; i < 4; i++) memcpy(out[j] + 8 * i, &lanes[i][j], 8); /* x86-64: little-endian lanes */
}

/* libgcc fills the CPU model once, before main; reading it is a load, so nothing is cached here
 * (a lazily written static would be a data race between the Merkle tree's threads). */
static int keccak4_has_avx2(void) { return __builtin_cpu_supports("avx2") ? 1 : 0; }
#else
static int keccak4_has_avx2(void) { return 0; }
static void keccak4_avx2(const uint8_t *const in[4], size_t len, uint8_t *const out[4]) {
  (void)in, (void)len, (void)out;
}
#endif

void keccak4_256(const uint8_t *const in[4], size_t len, uint8_t *const out[4]) {
  if (keccak4_has_avx2()) {
    keccak4_avx2(in, len, out);
    return;
  }
  for (int j = 0; j < 4; j++) keccak_256(out[j], in[j], len);
}
