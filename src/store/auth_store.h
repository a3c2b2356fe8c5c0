/* Storage of sign-in and sessions (DESIGN §5), beside store.h and under its conventions (results
 * in the caller's arena; every change in one transaction with its audit row):
 *
 *  - auth_nonces: single-use SIWE nonces, each for one address, chain and purpose. Outstanding
 *    nonces are capped per address (a new one replaces the oldest) and in all; expired ones are
 *    swept. A nonce is consumed by one UPDATE … WHERE used_at IS NULL … RETURNING inside the
 *    transaction that creates what it was for, so of many concurrent uses exactly one wins.
 *  - sessions and refresh_tokens: a session is a family of refresh tokens; each token is used
 *    once and replaced; presenting a used one again revokes the whole family.
 *  - users.roles_version: bumped by every role change; access tokens carry the version they were
 *    made under, and the request hook rejects stale ones.
 *  - wallets: the addresses of a person; exactly one is primary (users.address, the payout
 *    address); an address belongs to at most one person.
 *
 * Errors beyond store.h's: PHEME_AUTH_INVALID when a nonce or refresh token cannot be used (the
 * reason in *why), PHEME_API_RATE_LIMITED when the total nonce cap is reached. */
#ifndef PHEME_STORE_AUTH_STORE_H
#define PHEME_STORE_AUTH_STORE_H

#include <stdint.h>

#include "store/store.h"

/* Why a nonce or refresh token was refused. */
typedef enum {
  AUTH_FAULT_NONE = 0,
  AUTH_FAULT_UNKNOWN,        /* never issued (or swept) */
  AUTH_FAULT_USED,           /* consumed already (nonce) / reused, family revoked (refresh) */
  AUTH_FAULT_EXPIRED,
  AUTH_FAULT_OTHER_ADDRESS,  /* nonce issued for another address */
  AUTH_FAULT_OTHER_CHAIN,    /* nonce issued for another chain id */
  AUTH_FAULT_OTHER_PURPOSE,  /* a sign-in nonce used to link a wallet, or the reverse */
  AUTH_FAULT_REVOKED,        /* the session was revoked (logout, reuse) */
} auth_fault;

/* A short lowercase description of a fault ("nonce already used"). */
const char *auth_fault_text(auth_fault f, int refresh);

typedef struct {
  int64_t ttl_ms;
  int max_per_address;
  int64_t max_total;
} nonce_limits;

/* One use of a nonce: the message's nonce, address and chain, for a purpose, at now_ms. */
typedef struct {
  const char *nonce;
  uint8_t address[20];
  uint64_t chain_id;
  int purpose; /* signin_purpose */
  int64_t now_ms;
} nonce_use;

typedef struct {
  int64_t id, user_id;
  uint8_t address[20]; /* the wallet that signed in */
  int64_t created_at, revoked_at;
  int64_t roles_version; /* the user's, when the session was opened or refreshed */
} auth_session;

/* What the request hook needs of a session, read on every request. */
typedef struct {
  int64_t session_id, user_id;
  uint8_t address[20]; /* the user's primary address */
  unsigned roles;
  int64_t roles_version;
  int revoked;
} session_state;

typedef struct {
  uint8_t address[20];
  int primary;
  int64_t linked_at;
} linked_wallet;

/* --- nonces --- */
/* Records nonce for (address, chain, purpose) from now_ms for l->ttl_ms. The address's other
 * outstanding nonces beyond the newest l->max_per_address are dropped. Expired nonces and refresh
 * tokens are swept at most once a second per process, which also refreshes the process's count of
 * outstanding nonces; PHEME_API_RATE_LIMITED when that count reaches l->max_total. */
pheme_err store_nonce_issue(store *s, const char *nonce, const uint8_t address[20],
                            uint64_t chain_id, int purpose, int64_t now_ms, const nonce_limits *l)
    PHEME_MUST_CHECK;
/* Deletes expired nonces and refresh tokens now; *outstanding (may be NULL) is the count of
 * nonces left. */
pheme_err store_nonce_sweep(store *s, int64_t now_ms, int64_t *outstanding) PHEME_MUST_CHECK;
/* Outstanding (unused, unexpired) nonces of address, or of everyone when address is NULL. */
pheme_err store_nonce_count(store *s, const uint8_t *address, int64_t now_ms, int64_t *n)
    PHEME_MUST_CHECK;

/* --- sessions --- */
/* Sign-in: in one transaction, consumes the nonce (purpose sign-in), finds or creates the user of
 * the address, opens a session and stores its first refresh token (hash, expiring at
 * refresh_expires_ms). PHEME_AUTH_INVALID with *why when the nonce cannot be used (and then
 * nothing is written). */
pheme_err store_signin(store *s, arena *a, const store_actor *who, const nonce_use *n,
                       const uint8_t refresh_hash[32], int64_t refresh_expires_ms, user *u,
                       auth_session *out, int *created, auth_fault *why) PHEME_MUST_CHECK;
/* Rotates a refresh token: marks old_hash used and stores new_hash in the same session.
 * PHEME_AUTH_INVALID with *why: unknown, expired, revoked session, or reuse of a used token — in
 * which case the session and all its tokens are revoked (committed) before returning. */
pheme_err store_refresh_rotate(store *s, arena *a, const store_actor *who,
                               const uint8_t old_hash[32], const uint8_t new_hash[32],
                               int64_t now_ms, int64_t new_expires_ms, user *u,
                               auth_session *out, auth_fault *why) PHEME_MUST_CHECK;
/* The state of a session for the request hook; PHEME_DATA_NOT_FOUND when there is none. */
pheme_err store_session_state(store *s, int64_t session_id, session_state *out) PHEME_MUST_CHECK;
/* Logout: revokes the session and its refresh tokens and marks the outstanding nonces of the
 * user's wallets used. PHEME_DATA_NOT_FOUND when the session does not exist or is not user_id's. */
pheme_err store_session_revoke(store *s, const store_actor *who, int64_t session_id,
                               int64_t user_id, int64_t now_ms) PHEME_MUST_CHECK;

/* --- linked wallets --- */
/* The user's wallets, primary first, then by link time. */
pheme_err store_wallets_list(store *s, arena *a, int64_t user_id, linked_wallet **out, int *n)
    PHEME_MUST_CHECK;
/* Links n->address to user_id, consuming the nonce (purpose link) in the same transaction.
 * PHEME_AUTH_INVALID with *why for the nonce; PHEME_DATA_CONFLICT when the address already
 * belongs to someone (the caller included; *owner_is_self tells which). */
pheme_err store_wallet_link(store *s, arena *a, const store_actor *who, int64_t user_id,
                            const nonce_use *n, linked_wallet *out, auth_fault *why,
                            int *owner_is_self) PHEME_MUST_CHECK;
/* Unlinks address from user_id. PHEME_DATA_NOT_FOUND when it is not theirs; PHEME_DATA_STATE when
 * it is the primary (payout) address, which is also always the case for the last one. */
pheme_err store_wallet_unlink(store *s, const store_actor *who, int64_t user_id,
                              const uint8_t address[20]) PHEME_MUST_CHECK;
/* Makes address (one of the user's wallets) the primary and payout address. PHEME_DATA_NOT_FOUND
 * when it is not theirs. */
pheme_err store_payout_set(store *s, arena *a, const store_actor *who, int64_t user_id,
                           const uint8_t address[20], user *out) PHEME_MUST_CHECK;

/* --- roles --- */
/* Grants (grant = 1) or revokes a role bit of the user owning address and bumps their roles
 * version, so access tokens made before it stop working. Audited as user.role.grant /
 * user.role.revoke. PHEME_DATA_NOT_FOUND when no user has the address. *changed is 0 when the user
 * already had (or lacked) the role; nothing is bumped then. */
pheme_err store_user_role_set(store *s, arena *a, const store_actor *who,
                              const uint8_t address[20], unsigned role, int grant, user *out,
                              int *changed) PHEME_MUST_CHECK;

#endif
