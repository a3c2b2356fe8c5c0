/* Badges and Skill Wallet progress on chain (docs/badges.md "On chain"): the EIP-712 badge
 * voucher exactly as contracts/signing.json's "badgeVoucher" defines it, signed by the issuer
 * key, and the chain outbox requests (store/outbox.h) the game engine writes in the same
 * transaction as the change that wants them — createBadgeType, mint and revoke of PhemeBadges,
 * mintFor, defineSkill and recordProgress of SkillWallet — sent by the relayer (the operator
 * key, which the deployer grants MINTER, ISSUER and BADGE_ADMIN on PhemeBadges and ORACLE and
 * MINTER on SkillWallet).
 *
 * Intents that depend on an earlier one of the same sender (a mint after its type's creation, a
 * progress batch after its skills' definitions) carry a fixed gas limit, so the transaction
 * manager does not estimate them against a state that does not have the earlier one yet; the
 * sender's nonces keep them in order. */
#ifndef PHEME_GAME_ISSUANCE_H
#define PHEME_GAME_ISSUANCE_H

#include <stdint.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "store/badges.h"
#include "store/outbox.h"

/* Gas limits of the intents that are not estimated (measured on anvil with margin). */
#define ISSUANCE_GAS_TYPE 260000u
#define ISSUANCE_GAS_MINT 220000u
#define ISSUANCE_GAS_REVOKE 160000u
#define ISSUANCE_GAS_WALLET 260000u
#define ISSUANCE_GAS_DEFINE 160000u
#define ISSUANCE_GAS_PROGRESS_BASE 80000u
#define ISSUANCE_GAS_PROGRESS_EACH 110000u
/* Skills per recordProgress batch (the contract keeps at most 64 per wallet). */
#define ISSUANCE_PROGRESS_MAX 64
/* Bounds of a voucher's lifetime in seconds (config badge_voucher_ttl). */
#define ISSUANCE_TTL_MIN 60
#define ISSUANCE_TTL_MAX (90 * 86400)

typedef struct {
  int chain_on;            /* a chain with the suite is configured: the fields below are set */
  uint64_t chain_id;
  uint8_t badges[20];      /* PhemeBadges proxy */
  uint8_t skill_wallet[20];/* SkillWallet proxy */
  uint8_t sender[20];      /* the relayer: the operator key's address */
  int has_issuer;          /* an issuer key is set: vouchers can be signed */
  uint8_t issuer_key[32];  /* never logged */
  uint8_t issuer[20];      /* its address */
  int64_t voucher_ttl_s;   /* a voucher's deadline is now + this */
} issuance;

/* Reads the configuration: chain_rpc (empty: chain off, *iss zeroed, returns 0), chain_id,
 * chain_manifest (default contracts/deployments/<chain_id>.json), chain_operator_key (the
 * sender), badge_issuer_key (the voucher signer; empty = the operator key) and badge_voucher_ttl.
 * Returns 0, or PHEME_SYS_CONFIG with err naming the key. */
pheme_err issuance_from_config(issuance *iss, const pheme_config *cfg, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* Sets the issuer key (and its address). PHEME_SYS_CONFIG for a key that is not a valid secp256k1
 * secret. */
pheme_err issuance_set_issuer(issuance *iss, const uint8_t key[32]) PHEME_MUST_CHECK;
/* Wipes the key. */
void issuance_release(issuance *iss);

/* A fresh voucher nonce: 128 random bits as a decimal uint256 (out: 40 bytes). */
pheme_err issuance_nonce(char out[40]) PHEME_MUST_CHECK;

/* The voucher of one award for recipient: the eth_signTypedData_v4 object of
 * contracts/signing.json "badgeVoucher" (types, primaryType "Voucher", domain, message with
 * amount 1, the award's nonce and deadline), with "digest" (0x hex of its EIP-712 hash),
 * "signature" (0x, 65 bytes r‖s‖v, v 27/28, low s) and "signer" added. New reference in *out.
 * PHEME_DATA_STATE when no chain or issuer is configured. */
pheme_err issuance_voucher(const issuance *iss, const uint8_t recipient[20], int64_t badge_id,
                           const char *nonce, int64_t deadline_s, json_t **out) PHEME_MUST_CHECK;
/* The EIP-712 digest of a voucher (the same hash issuance_voucher signs). */
pheme_err issuance_voucher_digest(const issuance *iss, const uint8_t recipient[20], int64_t badge_id,
                                  const char *nonce, int64_t deadline_s, uint8_t out[32])
    PHEME_MUST_CHECK;

/* Outbox requests (strings and calldata in a). PHEME_DATA_STATE without a chain. */
pheme_err issuance_type_request(const issuance *iss, arena *a, const badge_type *t,
                                outbox_request *out) PHEME_MUST_CHECK;
/* setBadgeUri(id, "ipfs://<asset CID>") after the type's asset changed. */
pheme_err issuance_uri_request(const issuance *iss, arena *a, const badge_type *t, outbox_request *out)
    PHEME_MUST_CHECK;
pheme_err issuance_mint_request(const issuance *iss, arena *a, const uint8_t to[20], int64_t badge_id,
                                int64_t user_id, outbox_request *out) PHEME_MUST_CHECK;
pheme_err issuance_revoke_request(const issuance *iss, arena *a, const badge_award_rec *w,
                                  const char *reason, outbox_request *out) PHEME_MUST_CHECK;
pheme_err issuance_wallet_request(const issuance *iss, arena *a, const uint8_t to[20],
                                  outbox_request *out) PHEME_MUST_CHECK;
/* defineSkill(skill_id, name): name is made from slug to the contract's alphabet (1..32 of
 * A-Z a-z 0-9 space . _ - + #; others become '-'). */
pheme_err issuance_define_request(const issuance *iss, arena *a, int64_t skill_id, const char *slug,
                                  outbox_request *out) PHEME_MUST_CHECK;
/* recordProgress of skills[0..n) (absolute level and XP) for wallet token_id (decimal); the key
 * names the user and the values, so the same batch is stored once. */
pheme_err issuance_progress_request(const issuance *iss, arena *a, int64_t user_id,
                                    const char *token_id, const chain_skill_state *skills, int n,
                                    outbox_request *out) PHEME_MUST_CHECK;

#endif
