/* An epoch as ReputationOracle's round (contracts/signing.json "oracleRound"): the EIP-712 typed
 * data validators sign (the root), their signatures, and the transactions sent through the
 * transaction manager's outbox: submitRound with the root, then recordScores in chunks for the
 * people whose score changed (docs/reputation.md, "Epochs"). */
#ifndef PHEME_REPUTATION_ROUND_H
#define PHEME_REPUTATION_ROUND_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/config.h"
#include "chain/rpc.h"
#include "reputation/merkle.h"
#include "reputation/reputation.h"
#include "store/reputation.h"

/* Where rounds go: the chain and the ReputationOracle proxy. */
typedef struct {
  uint64_t chain_id;
  uint8_t oracle[20];
} rep_oracle;

/* The typed data of a round as PHEME's validators sign it: the root of the epoch's tree, with the
 * users and scores lists empty (every score reaches the oracle through recordScores); NULL when
 * memory runs out. The caller json_decref()s. */
json_t *rep_round_typed(const rep_oracle *o, int64_t round, const uint8_t root[32]);
/* The digest validators sign. Returns 0, or an error with err set. */
pheme_err rep_round_digest(const rep_oracle *o, int64_t round, const uint8_t root[32], uint8_t digest[32], char *err,
                           size_t errlen) PHEME_MUST_CHECK;
/* Signs digest with key: 65 bytes r ‖ s ‖ v with v in {27, 28}; signer gets the key's address. */
pheme_err rep_round_sign(const uint8_t digest[32], const uint8_t key[32], uint8_t sig[65], uint8_t signer[20], char *err,
                   size_t errlen) PHEME_MUST_CHECK;
/* Appends the calldata of ReputationOracle.submitRound(round, root, [], [], sigs) (sigs ordered by
 * signer). */
pheme_err rep_round_calldata(buf *cd, int64_t round, const uint8_t root[32], const uint8_t (*sigs)[65], int nsigs,
                             char *err, size_t errlen) PHEME_MUST_CHECK;
/* Appends the calldata of ReputationOracle.recordScores for leaves[which[0..n)] of the epoch whose
 * tree (built over leaves, in their order) is t: each person's score and Merkle proof. */
pheme_err rep_round_scores_calldata(buf *cd, int64_t round, const rep_merkle *t, const store_rep_leaf *leaves,
                                    const int64_t *which, int n, char *err, size_t errlen) PHEME_MUST_CHECK;

/* Checks sig against the stored epoch `round` and stores it under the address it recovers to.
 * PHEME_DATA_NOT_FOUND: no such epoch; PHEME_DATA_INVALID: not a signature of this round. */
pheme_err rep_round_add_signature(store *s, const rep_oracle *o, int64_t round, const uint8_t sig[65],
                                  uint8_t signer[20], char *err, size_t errlen) PHEME_MUST_CHECK;

typedef struct {
  int threshold;      /* the oracle's M */
  uint8_t sender[20]; /* the operator's account, which the transaction manager sends from */
  int chunk;          /* people per recordScores transaction (reputation_round_chunk), ≥ 1 */
  rpc_client *rpc;    /* where the oracle's recorded scores are read (recordsOf) */
} rep_publish_options;

typedef struct {
  int64_t root_intent; /* the submitRound intent */
  int64_t changed;     /* people whose score differs from the one the oracle holds for them */
  int64_t chunks;      /* recordScores intents queued for them */
  uint64_t gas;        /* the intents' gas limits, summed */
} rep_publish_result;

/* Publishes epoch `round` through the transaction manager's outbox: with at least threshold
 * signatures stored, the root-only submitRound (idempotency key oracle.round:<chain>:<round>),
 * then the people whose score differs from the oracle's latest checkpoint of them, in chunks of
 * po->chunk, each a recordScores intent with the proofs (oracle.scores:<chain>:<round>:<hash of
 * its calldata>), and marks the epoch sent. The outbox sends one sender's intents in order, so the
 * root is mined before its chunks. Publishing again queues only chunks not queued before.
 * PHEME_DATA_STATE with too few signatures; PHEME_SYS_IO when the chain cannot be read. */
pheme_err rep_round_publish(store *s, const rep_oracle *o, int64_t round, const rep_publish_options *po,
                            rep_publish_result *out, char *err, size_t errlen) PHEME_MUST_CHECK;
/* The same, with the chain and chunk size of the configuration. */
pheme_err rep_round_publish_config(store *s, const pheme_config *cfg, const rep_oracle *o, int64_t round,
                                   int threshold, const uint8_t sender[20], rep_publish_result *out, char *err,
                                   size_t errlen) PHEME_MUST_CHECK;

/* The oracle the configuration names: chain_id and the manifest's ReputationOracle. -1 with err. */
pheme_err rep_oracle_from_config(const pheme_config *cfg, rep_oracle *o, char *err, size_t errlen);
/* Asks the chain (chain_rpc) for the oracle's threshold and latest round. -1 with err. */
pheme_err rep_oracle_read(const pheme_config *cfg, const rep_oracle *o, int *threshold, int64_t *latest, char *err,
                    size_t errlen);

/* `pheme dev` (and `serve --demo` with a chain): recompute everybody, commit the scores to the
 * oracle's next round, sign it with the operator's key (the dev oracle's validator) and queue
 * its root and changed scores for the transaction manager. An error with err set. */
pheme_err rep_round_dev(rep_engine *r, const pheme_config *cfg, int64_t *round, char *err, size_t errlen);

#endif
