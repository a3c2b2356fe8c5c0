/* Vouchers and chain intents of badges and Skill Wallets; see issuance.h and docs/badges.md. */
#include "game/issuance.h"

#include "chain/suite.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "chain/contracts.h"
#include "chain/manifest.h"
#include "chain/txm.h"
#include "core/buf.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/eip712.h"
#include "eth/hex.h"
#include "eth/keccak.h"
#include "eth/secp.h"
#include "eth/u256.h"
#include "core/banned.h"

pheme_err issuance_set_issuer(issuance *iss, const uint8_t key[32]) {
  pheme_error ee;
  if (secp_address(iss->issuer, key, &ee)) return PHEME_SYS_CONFIG;
  memcpy(iss->issuer_key, key, 32);
  iss->has_issuer = 1;
  return PHEME_OK;
}

void issuance_release(issuance *iss) {
  explicit_bzero(iss->issuer_key, sizeof iss->issuer_key);
  iss->has_issuer = 0;
}

pheme_err issuance_from_config(issuance *iss, const pheme_config *cfg, char *err, size_t errlen) {
  memset(iss, 0, sizeof *iss);
  iss->voucher_ttl_s = cfg->badge_voucher_ttl ? cfg->badge_voucher_ttl : 604800;
  chain_suite suite;
  char serr[300];
  pheme_err e = chain_suite_load(&suite, cfg, serr, sizeof serr);
  if (e == PHEME_DATA_NOT_FOUND) return PHEME_OK; /* no chain: badges stay off chain */
  if (e) return pheme_fail(e, err, errlen, "badges: %s", serr);
  iss->chain_id = suite.chain_id;
  memcpy(iss->badges, suite.m.badges, 20);
  memcpy(iss->skill_wallet, suite.m.skill_wallet, 20);
  memcpy(iss->sender, suite.sender, 20);
  uint8_t key[32];
  char kerr[200];
  /* the voucher signer: badge_issuer_key, else the operator key */
  const char *issuer = cfg->badge_issuer_key && cfg->badge_issuer_key[0] ? cfg->badge_issuer_key
                       : suite.has_key                                    ? cfg->chain_operator_key
                                                                          : NULL;
  if (issuer) {
    e = txm_key_parse(issuer, key, kerr, sizeof kerr);
    if (!e) e = issuance_set_issuer(iss, key);
    explicit_bzero(key, sizeof key);
    if (e)
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "%s: not a valid private key",
                        issuer == cfg->badge_issuer_key ? "badge_issuer_key" : "chain_operator_key");
  }
  iss->chain_on = 1;
  return PHEME_OK;
}

pheme_err issuance_nonce(char out[40]) {
  uint8_t v[32] = {0};
  if (random_bytes(v + 16, 16)) return PHEME_SYS_INTERNAL;
  v[16] |= 0x80; /* a full 128 bits, never small enough to collide with hand-made nonces */
  char dec[80];
  u256_to_dec(dec, v);
  size_t n = strlen(dec); /* 128 bits: 39 digits at most */
  if (n >= 40) return PHEME_SYS_INTERNAL;
  memcpy(out, dec, n + 1);
  return PHEME_OK;
}

/* ---- the voucher ---- */

/* contracts/signing.json "badgeVoucher" as eth_signTypedData_v4 takes it. */
static json_t *voucher_typed(const issuance *iss, const uint8_t recipient[20], int64_t badge_id,
                             const char *nonce, int64_t deadline_s) {
  char rcpt[43], contract[43], id[24], deadline[24];
  address_to_checksum(rcpt, recipient); /* EIP-55 on the wire */
  address_to_checksum(contract, iss->badges);
  snprintf(id, sizeof id, "%lld", (long long)badge_id);
  snprintf(deadline, sizeof deadline, "%lld", (long long)deadline_s);
  return json_pack(
      "{s:{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}],s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]},"
      "s:s,s:{s:s,s:s,s:I,s:s},s:{s:s,s:s,s:s,s:s,s:s}}",
      "types", "EIP712Domain", "name", "name", "type", "string", "name", "version", "type", "string",
      "name", "chainId", "type", "uint256", "name", "verifyingContract", "type", "address",
      "Voucher", "name", "recipient", "type", "address", "name", "id", "type", "uint256", "name",
      "amount", "type", "uint256", "name", "nonce", "type", "uint256", "name", "deadline", "type",
      "uint256",
      "primaryType", "Voucher",
      "domain", "name", "PhemeBadges", "version", "1", "chainId", (json_int_t)iss->chain_id,
      "verifyingContract", contract,
      "message", "recipient", rcpt, "id", id, "amount", "1", "nonce", nonce, "deadline", deadline);
}

pheme_err issuance_voucher_digest(const issuance *iss, const uint8_t recipient[20], int64_t badge_id,
                                  const char *nonce, int64_t deadline_s, uint8_t out[32]) {
  if (!iss->chain_on) return PHEME_DATA_STATE;
  json_t *t = voucher_typed(iss, recipient, badge_id, nonce, deadline_s);
  if (!t) return PHEME_SYS_NOMEM;
  pheme_error ee;
  pheme_err e = eip712_hash(out, t, &ee);
  json_decref(t);
  return e;
}

pheme_err issuance_voucher(const issuance *iss, const uint8_t recipient[20], int64_t badge_id,
                           const char *nonce, int64_t deadline_s, json_t **out) {
  if (!iss->chain_on || !iss->has_issuer) return PHEME_DATA_STATE;
  json_t *t = voucher_typed(iss, recipient, badge_id, nonce, deadline_s);
  if (!t) return PHEME_SYS_NOMEM;
  uint8_t digest[32], sig[SECP_SIG_LEN];
  pheme_error ee;
  pheme_err e = eip712_hash(digest, t, &ee);
  if (!e) e = secp_sign(sig, digest, iss->issuer_key, &ee);
  if (e) {
    json_decref(t);
    return e;
  }
  secp_v_to_27(sig);
  char hd[HEX_LEN(32) + 1], hs[HEX_LEN(SECP_SIG_LEN) + 1], signer[43];
  hex_encode(hd, digest, 32);
  hex_encode(hs, sig, SECP_SIG_LEN);
  address_to_checksum(signer, iss->issuer);
  if (json_object_set_new(t, "digest", json_string(hd)) ||
      json_object_set_new(t, "signature", json_string(hs)) ||
      json_object_set_new(t, "signer", json_string(signer))) {
    json_decref(t);
    return PHEME_SYS_NOMEM;
  }
  *out = t;
  return PHEME_OK;
}

/* ---- outbox requests ---- */

static pheme_err request(const issuance *iss, arena *a, const uint8_t to[20], buf *cd, uint64_t gas,
                         const char *kind, const char *key, outbox_request *out) {
  memset(out, 0, sizeof *out);
  uint8_t *data = arena_alloc(a, cd->len ? cd->len : 1);
  if (!data || !key) return PHEME_SYS_NOMEM;
  memcpy(data, cd->data, cd->len);
  out->chain_id = iss->chain_id;
  memcpy(out->sender, iss->sender, 20);
  out->has_to = 1;
  memcpy(out->to, to, 20);
  out->data = data;
  out->data_len = cd->len;
  out->gas_limit = gas;
  out->idempotency_key = key;
  out->kind = kind;
  return PHEME_OK;
}

static void u256_of(uint8_t out[32], int64_t v) { u256_from_u64(out, (uint64_t)v); }

static int rarity_code(const char *r) {
  static const char *const names[] = {"COMMON", "RARE", "EPIC", "LEGENDARY"};
  for (int i = 0; i < 4; i++)
    if (strcmp(r, names[i]) == 0) return i;
  return -1;
}

pheme_err issuance_type_request(const issuance *iss, arena *a, const badge_type *t,
                                outbox_request *out) {
  if (!iss->chain_on) return PHEME_DATA_STATE;
  int rarity = rarity_code(t->rarity);
  if (rarity < 0) return PHEME_DATA_INVALID;
  uint8_t id[32];
  u256_of(id, t->id);
  const char *uri = t->asset_cid && t->asset_cid[0] ? arena_printf(a, "ipfs://%s", t->asset_cid) : "";
  buf cd;
  buf_init(&cd, 1 << 16);
  pheme_error ee;
  pheme_err e = ct_PhemeBadges_createBadgeType(&cd, id, (uint64_t)rarity, t->soulbound,
                                               (uint64_t)t->max_supply, (uint64_t)t->validity,
                                               uri ? uri : "", &ee);
  if (!e)
    e = request(iss, a, iss->badges, &cd, ISSUANCE_GAS_TYPE, "badge.type",
                arena_printf(a, "badge.type:%" PRIu64 ":%lld", iss->chain_id, (long long)t->id), out);
  buf_release(&cd);
  return e;
}

pheme_err issuance_uri_request(const issuance *iss, arena *a, const badge_type *t, outbox_request *out) {
  if (!iss->chain_on) return PHEME_DATA_STATE;
  uint8_t id[32], h[32];
  u256_of(id, t->id);
  const char *cid = t->asset_cid ? t->asset_cid : "";
  const char *uri = cid[0] ? arena_printf(a, "ipfs://%s", cid) : "";
  if (!uri) return PHEME_SYS_NOMEM;
  keccak_256(h, cid, strlen(cid));
  char hx[HEX_LEN(8) + 1];
  hex_encode(hx, h, 8);
  buf cd;
  buf_init(&cd, 1 << 12);
  pheme_error ee;
  /* after createBadgeType (same sender, earlier nonce): not estimated */
  pheme_err e = ct_PhemeBadges_setBadgeUri(&cd, id, uri, &ee);
  if (!e)
    e = request(iss, a, iss->badges, &cd, ISSUANCE_GAS_REVOKE, "badge.uri",
                arena_printf(a, "badge.uri:%" PRIu64 ":%lld:%s", iss->chain_id, (long long)t->id, hx), out);
  buf_release(&cd);
  return e;
}

pheme_err issuance_mint_request(const issuance *iss, arena *a, const uint8_t to[20], int64_t badge_id,
                                int64_t user_id, outbox_request *out) {
  if (!iss->chain_on) return PHEME_DATA_STATE;
  uint8_t id[32], one[32];
  u256_of(id, badge_id);
  u256_of(one, 1);
  buf cd;
  buf_init(&cd, 1 << 12);
  pheme_error ee;
  pheme_err e = ct_PhemeBadges_mint(&cd, to, id, one, &ee);
  if (!e)
    e = request(iss, a, iss->badges, &cd, ISSUANCE_GAS_MINT, "badge.mint",
                arena_printf(a, "badge.mint:%" PRIu64 ":%lld:%lld", iss->chain_id, (long long)badge_id,
                             (long long)user_id),
                out);
  buf_release(&cd);
  return e;
}

pheme_err issuance_revoke_request(const issuance *iss, arena *a, const badge_award_rec *w,
                                  const char *reason, outbox_request *out) {
  if (!iss->chain_on) return PHEME_DATA_STATE;
  uint8_t id[32], one[32];
  u256_of(id, w->badge_id);
  u256_of(one, 1);
  buf cd;
  buf_init(&cd, 1 << 14);
  pheme_error ee;
  pheme_err e = ct_PhemeBadges_revoke(&cd, w->address, id, one, reason ? reason : "", &ee);
  if (!e)
    e = request(iss, a, iss->badges, &cd, ISSUANCE_GAS_REVOKE, "badge.revoke",
                arena_printf(a, "badge.revoke:%" PRIu64 ":%lld", iss->chain_id, (long long)w->id), out);
  buf_release(&cd);
  return e;
}

pheme_err issuance_wallet_request(const issuance *iss, arena *a, const uint8_t to[20],
                                  outbox_request *out) {
  if (!iss->chain_on) return PHEME_DATA_STATE;
  buf cd;
  buf_init(&cd, 1 << 10);
  pheme_error ee;
  char addr[43];
  address_format_hex(addr, to);
  pheme_err e = ct_SkillWallet_mintFor(&cd, to, &ee);
  if (!e)
    e = request(iss, a, iss->skill_wallet, &cd, ISSUANCE_GAS_WALLET, "wallet.mint",
                arena_printf(a, "wallet.mint:%" PRIu64 ":%s", iss->chain_id, addr), out);
  buf_release(&cd);
  return e;
}

pheme_err issuance_define_request(const issuance *iss, arena *a, int64_t skill_id, const char *slug,
                                  outbox_request *out) {
  if (!iss->chain_on) return PHEME_DATA_STATE;
  if (skill_id <= 0 || skill_id > UINT32_MAX) return PHEME_DATA_INVALID;
  char name[33];
  size_t n = 0;
  for (const char *p = slug; *p && n < 32; p++) {
    char c = *p;
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
             c == '.' || c == '_' || c == '-' || c == '+' || c == '#';
    name[n++] = ok ? c : '-';
  }
  name[n] = 0;
  if (!n) return PHEME_DATA_INVALID;
  buf cd;
  buf_init(&cd, 1 << 10);
  pheme_error ee;
  pheme_err e = ct_SkillWallet_defineSkill(&cd, (uint64_t)skill_id, name, &ee);
  if (!e)
    e = request(iss, a, iss->skill_wallet, &cd, ISSUANCE_GAS_DEFINE, "wallet.skill",
                arena_printf(a, "wallet.skill:%" PRIu64 ":%lld", iss->chain_id, (long long)skill_id), out);
  buf_release(&cd);
  return e;
}

pheme_err issuance_progress_request(const issuance *iss, arena *a, int64_t user_id,
                                    const char *token_id, const chain_skill_state *skills, int n,
                                    outbox_request *out) {
  if (!iss->chain_on) return PHEME_DATA_STATE;
  if (n <= 0 || n > ISSUANCE_PROGRESS_MAX) return PHEME_DATA_INVALID;
  json_t *updates = json_array();
  keccak_ctx kc;
  keccak_init(&kc);
  keccak_update(&kc, token_id, strlen(token_id));
  for (int i = 0; updates && i < n; i++) {
    char sid[24], xp[24];
    snprintf(sid, sizeof sid, "%lld", (long long)skills[i].skill_id);
    snprintf(xp, sizeof xp, "%lld", (long long)skills[i].xp);
    if (json_array_append_new(updates, json_pack("[s,s,I,s]", token_id, sid, (json_int_t)skills[i].level, xp))) {
      json_decref(updates);
      return PHEME_SYS_NOMEM;
    }
    /* what was sent before is part of the key: the same values after a change back are a new batch */
    int64_t v[5] = {skills[i].skill_id, skills[i].xp, skills[i].level, skills[i].sent ? skills[i].sent_xp : -1,
                    skills[i].sent ? skills[i].sent_level : -1};
    keccak_update(&kc, v, sizeof v);
  }
  if (!updates) return PHEME_SYS_NOMEM;
  uint8_t h[32];
  keccak_final(&kc, h);
  char hx[HEX_LEN(8) + 1];
  hex_encode(hx, h, 8);
  buf cd;
  buf_init(&cd, 1 << 16);
  pheme_error ee;
  pheme_err e = ct_SkillWallet_recordProgress(&cd, updates, &ee);
  json_decref(updates);
  if (!e)
    e = request(iss, a, iss->skill_wallet, &cd,
                ISSUANCE_GAS_PROGRESS_BASE + ISSUANCE_GAS_PROGRESS_EACH * (uint64_t)n, "wallet.progress",
                arena_printf(a, "wallet.progress:%" PRIu64 ":%lld:%s", iss->chain_id, (long long)user_id, hx),
                out);
  buf_release(&cd);
  return e;
}
