/* Storage of sign-in and sessions (DESIGN §5), beside store.h and under its conventions (results
 * in the caller's arena; every change in one transaction with its audit row):
 *
 *  - auth_nonce_uses: nonces are stateless (src/auth/signin.h), so issuing one stores nothing;
 *    the one use of a nonce is an INSERT of its id inside the transaction that creates what it
 *    was for, so of many concurrent uses exactly one wins. users.nonces_after (set by logout)
 *    refuses nonces issued before it. Expired records are swept by range once a minute.
 *  - sessions and refresh_tokens: a session is a family of refresh tokens; each token is used
 *    once and replaced; presenting a used one again revokes the session, and with it every token
 *    of the family (tokens are accepted only while their session is not revoked). The session row
 *    holds its current token's key; refresh_tokens remembers the used ones until they would have
 *    expired, to recognise their reuse.
 *  - users.roles_version: bumped by every role change; access tokens carry the version they were
 *    made under, and the request hook rejects stale ones.
 *  - wallets: the addresses of a person; exactly one is primary (users.address, the payout
 *    address); an address belongs to at most one person.
 *
 * Errors beyond store.h's: PHEME_AUTH_INVALID when a nonce or refresh token cannot be used (the
 * reason in *why). */
#ifndef PHEME_STORE_AUTH_STORE_H
#define PHEME_STORE_AUTH_STORE_H

#include <stdint.h>

#include "store/batch.h"
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

/* One use of a nonce that signin_nonce_open accepted for address: its id and issue time. */
typedef struct {
  uint8_t id[14];
  int64_t issued_ms, ttl_ms;
  uint8_t address[20];
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
/* Deletes the records of nonces issued more than nonce_ttl_ms before now_ms, and expired refresh
 * tokens (the sign-in path also does it once a minute). */
pheme_err store_nonce_sweep(store *s, int64_t now_ms, int64_t nonce_ttl_ms) PHEME_MUST_CHECK;
/* *used = whether the nonce with this id has been used. */
pheme_err store_nonce_used(store *s, const uint8_t id[14], int *used) PHEME_MUST_CHECK;

/* --- sessions --- */
/* Sign-in: in one transaction, records the nonce's use, finds or creates the user of the
 * address, opens a session holding its first refresh token's key (session.h: the SHA-256 of the
 * token's secret), expiring at refresh_expires_ms, and writes one audit row (user.create for a
 * new person, else session.create). A group-commit job (batch.h): fill the inputs, job.a (where
 * the user's strings go) and job.done, then store_signin_submit, or store_signin_run to commit it
 * on the calling thread. Afterwards job.err is 0 with the results set, or PHEME_AUTH_INVALID with
 * why = AUTH_FAULT_USED when the nonce was used, or issued before the person's last logout (and
 * then nothing is written), or another error. */
typedef struct {
  store_job job;
  /* inputs */
  nonce_use nonce;
  uint8_t refresh_key[32];
  int64_t refresh_expires_ms;
  const char *request_id; /* for the audit row */
  /* results */
  user u;
  auth_session session;
  int created;
  auth_fault why;
} signin_job;
void store_signin_submit(store *s, signin_job *j);
/* The job in a transaction of its own, on the calling thread (done is called if set). */
pheme_err store_signin_run(store *s, signin_job *j);
/* Rotates session_id's refresh token: old_key must be its current one; new_key replaces it and
 * old_key is remembered as used. PHEME_AUTH_INVALID with *why: unknown (no such session, or a
 * key it never had), expired, revoked session, or reuse of a used token — in which case the
 * session, and so all its tokens, is revoked (committed) before returning. */
pheme_err store_refresh_rotate(store *s, arena *a, const store_actor *who, int64_t session_id,
                               const uint8_t old_key[32], const uint8_t new_key[32],
                               int64_t now_ms, int64_t new_expires_ms, user *u,
                               auth_session *out, auth_fault *why) PHEME_MUST_CHECK;
/* The state of a session for the request hook; PHEME_DATA_NOT_FOUND when there is none. */
pheme_err store_session_state(store *s, int64_t session_id, session_state *out) PHEME_MUST_CHECK;
/* Logout: revokes the session (and so its refresh tokens) and refuses every nonce issued to the
 * user before now_ms. PHEME_DATA_NOT_FOUND when the session does not exist or is not user_id's. */
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
 * user.role.revoke with the role's name (role_name: the store knows bits, not their names). PHEME_DATA_NOT_FOUND when no user has the address. *changed is 0 when the user
 * already had (or lacked) the role; nothing is bumped then. */
pheme_err store_user_role_set(store *s, arena *a, const store_actor *who,
                              const uint8_t address[20], unsigned role, const char *role_name,
                              int grant, user *out, int *changed) PHEME_MUST_CHECK;

#endif
