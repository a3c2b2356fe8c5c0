/* The transaction manager: sends the chain outbox's intents (src/store/outbox.h) as EIP-1559
 * transactions from one operator key, and follows each to its receipt and confirmations.
 *
 * At most once in effect, whatever the moment the process dies:
 *  - an intent gets its nonce and its signed raw transaction stored (one database transaction,
 *    fenced by the sender's lease) before anything is broadcast; after a restart the stored raw
 *    transaction is broadcast again, never signed anew with another nonce;
 *  - a replacement of a stuck transaction reuses the nonce with fees raised by at least
 *    fee_options.bump_pct percent, and is stored before it is broadcast; a receipt for any stored
 *    attempt settles the intent;
 *  - only the holder of the (chain, sender) lease in the database signs, so two managers on one
 *    key (threads, processes, machines) never hand out one nonce twice. The next nonce lives in
 *    the database and is raised to the chain's pending count when the lease is taken.
 *
 * One tick (txm_tick) takes or renews the lease and moves every open intent of the sender one
 * step: estimate gas, price, sign and store, broadcast, find the receipt, count confirmations,
 * replace when stuck, decode a revert. Tests drive ticks directly; the server runs them on a
 * thread (txm_start / txm_stop). A txm is used by one thread at a time.
 *
 * Design notes: docs/internals/txm.md. */
#ifndef PHEME_CHAIN_TXM_H
#define PHEME_CHAIN_TXM_H

#include <stddef.h>
#include <stdint.h>

#include "chain/endpoints.h"
#include "chain/fees.h"
#include "chain/revert.h"
#include "chain/rpc.h"
#include "core/config.h"
#include "core/err.h"
#include "store/store.h"

typedef struct txm txm;

typedef struct {
  const char *const *endpoints; /* JSON-RPC endpoints, tried in order (copied) */
  int n_endpoints;
  const rpc_options *rpc;       /* NULL: rpc defaults */
  uint64_t chain_id;            /* required; every endpoint must be on it */
  uint8_t key[32];              /* the operator's private key (copied; never logged) */
  const char *owner;            /* lease owner id; NULL: "<host>:<pid>:<random>" */
  int confirmations;            /* blocks on top of the receipt's, counting it (0..1000; 2):
                                 * 1 = the receipt's block itself is enough */
  int64_t stuck_after_ms;       /* an attempt without a receipt this long is replaced (60000) */
  int64_t lease_ttl_ms;         /* lease length; renewed every tick (30000) */
  int64_t poll_ms;              /* pause between ticks of the thread (1000) */
  int max_intents;              /* open intents looked at per tick (1..1000; 64) */
  int max_attempts;             /* replacements stop after this many attempts (1..100; 20) */
  int gas_margin_pct;           /* estimated gas × (100 + margin) / 100 (0..500; 20) */
  fee_options fees;
  /* Errors decoded in reverts beyond Error(string), Panic(uint256) and the custom errors of the
   * PHEME suite (always known, from src/chain/contracts.h): more signatures, and/or the ABIs of
   * a folder of artifacts. Either may be empty. */
  const char *const *error_signatures;
  size_t n_error_signatures;
  const char *artifacts_dir;
} txm_options;

/* What one tick did, for tests and metrics. */
typedef struct {
  int lease_held;   /* 0: another manager holds the sender's lease; nothing else was done */
  int signed_;      /* new transactions signed and stored (first attempts) */
  int replaced;     /* replacements signed and stored */
  int broadcast;    /* raw transactions a node accepted (or already had) */
  int mined;        /* receipts found */
  int confirmed;    /* intents confirmed */
  int failed;       /* intents that ended failed */
  int open;         /* intents still open after the tick */
} txm_tick_stats;

/* Fills *o with the defaults above (no endpoints, no key, chain id 0). */
void txm_options_init(txm_options *o);

/* Reads a private key given as 64 hex digits (0x optional) or as @PATH to a file holding them
 * (whitespace around is ignored). Returns 0, or PHEME_SYS_CONFIG with err saying what is wrong
 * (never quoting the key). */
pheme_err txm_key_parse(const char *text, uint8_t key[32], char *err, size_t errlen)
    PHEME_MUST_CHECK;

/* Options from the configuration: chain_rpc (split into *eps, which must live until txm_new),
 * chain_id, chain_operator_key, chain_confirmations, chain_stuck_after, chain_poll_ms (the lease
 * lasts at least three polls). Returns 0, or PHEME_SYS_CONFIG with err naming the key. */
pheme_err txm_options_from_config(const pheme_config *c, txm_options *o, chain_endpoints *eps,
                                  char *err, size_t errlen) PHEME_MUST_CHECK;

/* A manager over store s (which must outlive it). Checks the options, reads the error table,
 * derives the sender address from the key. Returns 0 with *out, or PHEME_SYS_CONFIG /
 * PHEME_SYS_NOMEM with err. Nothing is sent until the first tick. Free with txm_free. */
pheme_err txm_new(txm **out, store *s, const txm_options *o, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* Stops the thread if running, releases the lease if held, wipes the key, frees. */
void txm_free(txm *t);

/* The sender address (the key's). */
const uint8_t *txm_sender(const txm *t);
/* The lease owner id this manager uses. */
const char *txm_owner(const txm *t);

/* One step; see above. Returns 0 (st, which may be NULL, says what happened; a node's or one
 * intent's trouble is logged and retried next tick, not returned), or the storage error that
 * stopped the tick. */
pheme_err txm_tick(txm *t, txm_tick_stats *st) PHEME_MUST_CHECK;

/* Runs ticks on a thread every poll_ms until txm_stop. Returns 0, or PHEME_SYS_INTERNAL when the
 * thread cannot start. */
pheme_err txm_start(txm *t) PHEME_MUST_CHECK;
/* Asks the thread to stop, waits for it, and releases the lease. Safe when not started. */
void txm_stop(txm *t);

/* Decodes revert data with the manager's error table (for callers that eth_call themselves). */
const revert_table *txm_errors(const txm *t);

#endif
