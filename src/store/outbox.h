/* The chain outbox: intents to send a transaction, written in the same database transaction as
 * the business change that wants them (DESIGN §5 "Chain writes"), and the bookkeeping the
 * transaction manager (src/chain/txm.h) keeps about them.
 *
 * An intent moves through
 *
 *   queued ──► signed ──► sent ──► mined ──► confirmed
 *     │          │  ▲       │        │  └──► failed      (mined with status 0: reverted)
 *     │          │  └───────┘        └──► sent           (its block was reorganised away)
 *     └──────────┴──────────────────────► failed         (refused before it could be mined)
 *
 * "signed" means a nonce is assigned and a signed raw transaction is stored but no node has yet
 * acknowledged it; "sent" that a node has. Each signing is an attempt (chain_attempts); a stuck
 * intent gets further attempts with the same nonce and higher fees, and every attempt's hash is
 * kept, because any one of them may be the one that is mined.
 *
 * The sender row (chain_senders) holds a lease: only its owner may hand out nonces or sign, and
 * every write that does so checks the lease in the same transaction, so a manager that lost its
 * lease (it stalled past the expiry and another took over) cannot sign a second transaction for
 * a nonce.
 *
 * All functions return 0 or an error code from core/err.h; strings of results live in the arena
 * passed in. */
#ifndef PHEME_STORE_OUTBOX_H
#define PHEME_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/internal.h"

typedef enum {
  OUTBOX_QUEUED,
  OUTBOX_SIGNED,
  OUTBOX_SENT,
  OUTBOX_MINED,
  OUTBOX_CONFIRMED,
  OUTBOX_FAILED,
} outbox_state;

/* "queued", "signed", …; outbox_state_parse returns -1 for an unknown name. */
const char *outbox_state_name(outbox_state s);
int outbox_state_parse(const char *name);

/* What a business change asks to be sent. */
typedef struct {
  uint64_t chain_id;
  uint8_t sender[20];
  int has_to;               /* 0: contract creation */
  uint8_t to[20];
  const char *value;        /* wei as a decimal uint256; NULL means "0" */
  const uint8_t *data;      /* calldata (may be NULL when data_len is 0) */
  size_t data_len;
  uint64_t gas_limit;       /* 0: estimated by the manager before the first signing */
  const char *idempotency_key; /* unique across all intents: the same key is the same intent */
  const char *kind;         /* a label for people: "badge.mint", "oracle.round", … */
} outbox_request;

typedef struct {
  int64_t id;
  uint64_t chain_id;
  uint8_t sender[20];
  int has_to;
  uint8_t to[20];
  const char *value;
  const uint8_t *data;
  size_t data_len;
  uint64_t gas_limit;
  const char *idempotency_key;
  const char *kind;
  outbox_state state;
  int has_nonce;
  uint64_t nonce;
  int has_receipt;          /* mined, confirmed, or failed after being mined */
  uint8_t tx_hash[32];      /* the attempt that was mined */
  uint64_t block_number;
  uint8_t block_hash[32];
  int receipt_status;       /* 1 success, 0 reverted */
  uint64_t gas_used;
  const char *error_code;   /* failed: "reverted", "estimate_reverted", "nonce_taken", … */
  const char *error_name;   /* decoded revert: "ERC20InsufficientBalance", "Error", "Panic" */
  const char *error_args;   /* decoded revert arguments as a JSON array text */
  const char *error_text;   /* for people: what happened, quoting the subject */
  int64_t created_at, updated_at;
} outbox_intent;

typedef struct {
  int64_t id;
  int64_t intent_id;
  uint64_t nonce;
  uint8_t tx_hash[32];
  const uint8_t *raw;
  size_t raw_len;
  const char *max_fee;           /* wei, decimal */
  const char *max_priority_fee;  /* wei, decimal */
  uint64_t gas_limit;
  const char *state;             /* "signed", "sent", "replaced", "mined" */
  const char *signed_by;         /* the lease owner that signed it */
  const char *last_error;        /* the last node answer refusing its broadcast, or NULL */
  int64_t created_at, sent_at;   /* sent_at 0: never acknowledged by a node */
} outbox_attempt;

/* Adds an intent inside x's write transaction, so it commits or rolls back with the business
 * change around it. An intent with the same idempotency key already stored is not added again:
 * *id gets the existing one and *created 0 (the request is not compared with it). Returns
 * PHEME_DATA_INVALID for a malformed value, an empty key or kind. */
pheme_err outbox_enqueue(sx *x, const outbox_request *rq, int64_t now_ms, int64_t *id,
                         int *created) PHEME_MUST_CHECK;
/* The same in a transaction of its own (for intents with no business change around them). */
pheme_err store_outbox_enqueue(store *s, const outbox_request *rq, int64_t now_ms, int64_t *id,
                               int *created) PHEME_MUST_CHECK;

pheme_err outbox_get(store *s, arena *a, int64_t id, outbox_intent *out) PHEME_MUST_CHECK;
pheme_err outbox_get_by_key(store *s, arena *a, const char *idempotency_key, outbox_intent *out)
    PHEME_MUST_CHECK;

/* The sender's intents that are not finished (queued, signed, sent, mined): those with a nonce
 * first, by nonce, then queued ones by id; at most limit. *out is in a. */
pheme_err outbox_open(store *s, arena *a, uint64_t chain_id, const uint8_t sender[20], int limit,
                      outbox_intent **out, int *n) PHEME_MUST_CHECK;
/* Every attempt of an intent, oldest first. */
pheme_err outbox_attempts(store *s, arena *a, int64_t intent_id, outbox_attempt **out, int *n)
    PHEME_MUST_CHECK;

/* ---- the sender's lease and nonces ---- */

/* Takes or renews the lease of (chain, sender) for owner until now + ttl_ms. *held is 1 when
 * owner holds it afterwards, 0 when another owner's lease has not expired. *fresh is 1 when
 * owner did not hold a live lease before this call (so its idea of the nonce must be
 * reconciled with the chain: outbox_nonce_reconcile). */
pheme_err outbox_lease(store *s, uint64_t chain_id, const uint8_t sender[20], const char *owner,
                       int64_t now_ms, int64_t ttl_ms, int *held, int *fresh) PHEME_MUST_CHECK;
/* Gives the lease up (at a clean stop) so another manager need not wait for it to expire. */
pheme_err outbox_lease_release(store *s, uint64_t chain_id, const uint8_t sender[20],
                               const char *owner) PHEME_MUST_CHECK;
/* Raises the next nonce to chain_next (the chain's pending transaction count) when it is
 * behind; never lowers it (nonces the database handed out belong to stored attempts that will be
 * broadcast again). PHEME_DATA_STATE when owner does not hold a live lease. *next gets the
 * result. */
pheme_err outbox_nonce_reconcile(store *s, uint64_t chain_id, const uint8_t sender[20],
                                 const char *owner, int64_t now_ms, uint64_t chain_next,
                                 uint64_t *next) PHEME_MUST_CHECK;

/* Inside x's write transaction: hands out the sender's next nonce (and moves it on), checking
 * that owner holds a live lease: PHEME_DATA_STATE when not. */
pheme_err outbox_nonce_take(sx *x, uint64_t chain_id, const uint8_t sender[20], const char *owner,
                            int64_t now_ms, uint64_t *nonce) PHEME_MUST_CHECK;
/* Inside x's write transaction: checks that owner holds a live lease (PHEME_DATA_STATE when
 * not); for replacements, which reuse a nonce. */
pheme_err outbox_lease_check(sx *x, uint64_t chain_id, const uint8_t sender[20],
                             const char *owner, int64_t now_ms) PHEME_MUST_CHECK;
/* Inside x's write transaction: stores a signed attempt (a->intent_id, nonce, tx_hash, raw, fees,
 * gas_limit, signed_by; state "signed") and moves a queued intent to signed with that nonce and
 * gas limit; an intent already signed or sent keeps its state (a replacement). PHEME_DATA_STATE
 * when the intent is in another state or has another nonce. *id gets the attempt's id. */
pheme_err outbox_attempt_add(sx *x, const outbox_attempt *a, int64_t now_ms, int64_t *id)
    PHEME_MUST_CHECK;

/* A node acknowledged the attempt (or said it already has it): the attempt becomes sent and a
 * signed intent sent. last_error, when not NULL, records the node's answer. */
pheme_err outbox_attempt_sent(store *s, int64_t attempt_id, const char *last_error, int64_t now_ms)
    PHEME_MUST_CHECK;
/* A node refused to take the attempt: the answer is kept for people; nothing else changes. */
pheme_err outbox_attempt_refused(store *s, int64_t attempt_id, const char *last_error)
    PHEME_MUST_CHECK;

/* A receipt was found for tx_hash (one of the intent's attempts): the intent (signed or sent)
 * becomes mined with the receipt's block and status, the attempt mined and the others replaced.
 * A mined intent whose receipt moved to another block is updated. */
pheme_err outbox_mined(store *s, int64_t intent_id, const uint8_t tx_hash[32], uint64_t block_number,
                       const uint8_t block_hash[32], int status, uint64_t gas_used, int64_t now_ms)
    PHEME_MUST_CHECK;
/* The receipt of a mined intent is gone (its block was reorganised away): back to sent. */
pheme_err outbox_unmined(store *s, int64_t intent_id, int64_t now_ms) PHEME_MUST_CHECK;
/* A mined intent has its confirmations and succeeded. */
pheme_err outbox_confirmed(store *s, int64_t intent_id, int64_t now_ms) PHEME_MUST_CHECK;
/* The intent ends failed (from queued, signed, sent or mined) with an error code, the decoded
 * revert (name and args may be NULL) and a text for people. */
pheme_err outbox_failed(store *s, int64_t intent_id, const char *code, const char *name,
                        const char *args_json, const char *text, int64_t now_ms) PHEME_MUST_CHECK;
/* Records an estimated gas limit for a queued intent that had none. */
pheme_err outbox_set_gas(store *s, int64_t intent_id, uint64_t gas_limit, int64_t now_ms)
    PHEME_MUST_CHECK;

#endif
