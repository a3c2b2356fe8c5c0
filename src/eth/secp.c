/* secp256k1 wrapper; see secp.h. */
#include "eth/secp.h"

#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "eth/address.h"

#include "core/banned.h"

/* n, the group order, and n/2, big-endian */
static const uint8_t order[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
static const uint8_t half_order[32] = {
    0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4, 0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0};

static secp256k1_context *ctx;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

static void ctx_create(void) {
  ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  if (!ctx) PHEME_BUG("cannot create the secp256k1 context");
  uint8_t seed[32];
  /* Randomization only blinds against side channels; without entropy the context stays
   * correct, so a failing getrandom is not fatal. */
  if (getrandom(seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed) {
    if (!secp256k1_context_randomize(ctx, seed)) PHEME_BUG("secp256k1_context_randomize failed");
  }
  memset(seed, 0, sizeof seed);
}

const secp256k1_context *secp_context(void) {
  pthread_once(&ctx_once, ctx_create);
  return ctx;
}

int secp_is_low_s(const uint8_t sig[SECP_SIG_LEN]) {
  return memcmp(sig + 32, half_order, 32) <= 0;
}

void secp_malleate(uint8_t sig[SECP_SIG_LEN]) {
  int borrow = 0;
  for (int i = 31; i >= 0; i--) {
    int x = order[i] - sig[32 + i] - borrow;
    borrow = x < 0;
    sig[32 + i] = (uint8_t)(x + (borrow ? 256 : 0));
  }
  /* 0 <-> 1, 27 <-> 28 (27 ^ 1 would be 26) */
  sig[64] = sig[64] >= 27 ? (uint8_t)(55 - sig[64]) : (uint8_t)(sig[64] ^ 1);
}

void secp_v_to_27(uint8_t sig[SECP_SIG_LEN]) {
  if (sig[64] < 2) sig[64] += 27;
}

void secp_v_from_27(uint8_t sig[SECP_SIG_LEN]) {
  if (sig[64] == 27 || sig[64] == 28) sig[64] -= 27;
}

pheme_err secp_sign(uint8_t sig[SECP_SIG_LEN], const uint8_t hash[32], const uint8_t key[32],
                    pheme_error *err) {
  const secp256k1_context *c = secp_context();
  secp256k1_ecdsa_recoverable_signature rs;
  if (!secp256k1_ec_seckey_verify(c, key))
    return pheme_set(err, PHEME_DATA_INVALID, "invalid private key (zero or not below n)");
  if (!secp256k1_ecdsa_sign_recoverable(c, &rs, hash, key, NULL, NULL))
    return pheme_set(err, PHEME_DATA_INVALID, "signing failed");
  int recid;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(c, sig, &recid, &rs);
  sig[64] = (uint8_t)recid;
  return PHEME_OK;
}

static int is_zero32(const uint8_t *p) {
  for (int i = 0; i < 32; i++)
    if (p[i]) return 0;
  return 1;
}

pheme_err secp_recover(uint8_t pub[64], const uint8_t hash[32], const uint8_t sig[SECP_SIG_LEN],
                       unsigned flags, pheme_error *err) {
  const secp256k1_context *c = secp_context();
  int v = sig[64];
  if (v == 27 || v == 28) v -= 27;
  if (v != 0 && v != 1)
    return pheme_set(err, PHEME_AUTH_INVALID, "invalid signature: v is %d, expected 0, 1, 27 or 28",
                       sig[64]);
  if (is_zero32(sig) || is_zero32(sig + 32) || memcmp(sig, order, 32) >= 0 ||
      memcmp(sig + 32, order, 32) >= 0)
    return pheme_set(err, PHEME_AUTH_INVALID, "invalid signature: r or s out of range");
  if ((flags & SECP_LOW_S) && !secp_is_low_s(sig))
    return pheme_set(err, PHEME_AUTH_INVALID,
                       "invalid signature: s is above n/2 (high-s signatures are not accepted)");
  secp256k1_ecdsa_recoverable_signature rs;
  secp256k1_pubkey pk;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(c, &rs, sig, v) ||
      !secp256k1_ecdsa_recover(c, &pk, &rs, hash))
    return pheme_set(err, PHEME_AUTH_INVALID, "invalid signature: no public key recovers");
  uint8_t ser[65];
  size_t len = sizeof ser;
  secp256k1_ec_pubkey_serialize(c, ser, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
  memcpy(pub, ser + 1, 64);
  return PHEME_OK;
}

pheme_err secp_recover_address(uint8_t addr[20], const uint8_t hash[32],
                               const uint8_t sig[SECP_SIG_LEN], unsigned flags, pheme_error *err) {
  uint8_t pub[64];
  pheme_err e = secp_recover(pub, hash, sig, flags, err);
  if (e) return e;
  address_from_pubkey(addr, pub);
  return PHEME_OK;
}

pheme_err secp_pubkey(uint8_t pub[64], const uint8_t key[32], pheme_error *err) {
  const secp256k1_context *c = secp_context();
  secp256k1_pubkey pk;
  if (!secp256k1_ec_pubkey_create(c, &pk, key))
    return pheme_set(err, PHEME_DATA_INVALID, "invalid private key (zero or not below n)");
  uint8_t ser[65];
  size_t len = sizeof ser;
  secp256k1_ec_pubkey_serialize(c, ser, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
  memcpy(pub, ser + 1, 64);
  return PHEME_OK;
}

pheme_err secp_address(uint8_t addr[20], const uint8_t key[32], pheme_error *err) {
  uint8_t pub[64];
  pheme_err e = secp_pubkey(pub, key, err);
  if (e) return e;
  address_from_pubkey(addr, pub);
  return PHEME_OK;
}
