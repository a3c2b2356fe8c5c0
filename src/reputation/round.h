/* An epoch as ReputationOracle's round (contracts/signing.json "oracleRound"): the EIP-712 typed
 * data validators sign, their signatures, and the submitRound transaction sent through the
 * transaction manager's outbox (docs/reputation.md, "Epochs"). */
#ifndef PHEME_REPUTATION_ROUND_H
#define PHEME_REPUTATION_ROUND_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/config.h"
#include "reputation/reputation.h"
#include "store/reputation.h"

/* Where rounds go: the chain and the ReputationOracle proxy. */
typedef struct {
  uint64_t chain_id;
  uint8_t oracle[20];
} rep_oracle;

/* The typed data of round over the leaves (ordered by address, as stored); NULL when memory
 * runs out. The caller json_decref()s. */
json_t *rep_round_typed(const rep_oracle *o, int64_t round, const uint8_t root[32], const store_rep_leaf *leaves,
                        int64_t n);
/* The digest validators sign. Returns 0, or -1 with err set. */
pheme_err rep_round_digest(const rep_oracle *o, int64_t round, const uint8_t root[32], const store_rep_leaf *leaves,
                     int64_t n, uint8_t digest[32], char *err, size_t errlen);
/* Signs digest with key: 65 bytes r ‖ s ‖ v with v in {27, 28}; signer gets the key's address. */
pheme_err rep_round_sign(const uint8_t digest[32], const uint8_t key[32], uint8_t sig[65], uint8_t signer[20], char *err,
                   size_t errlen);
/* The calldata of ReputationOracle.submitRound with the signatures (ordered by signer). */
int rep_round_calldata(buf *cd, int64_t round, const uint8_t root[32], const store_rep_leaf *leaves, int64_t n,
                       const uint8_t (*sigs)[65], int nsigs, char *err, size_t errlen);

/* Checks sig against the stored epoch `round` and stores it under the address it recovers to.
 * PHEME_DATA_NOT_FOUND: no such epoch; PHEME_DATA_INVALID: not a signature of this round. */
pheme_err rep_round_add_signature(store *s, const rep_oracle *o, int64_t round, const uint8_t sig[65],
                                  uint8_t signer[20], char *err, size_t errlen) PHEME_MUST_CHECK;
/* With at least threshold signatures stored, writes the submitRound intent (sent by sender, the
 * operator) to the outbox and marks the epoch sent. PHEME_DATA_STATE with too few signatures. */
pheme_err rep_round_publish(store *s, const rep_oracle *o, int64_t round, int threshold, const uint8_t sender[20],
                            int64_t *intent_id, char *err, size_t errlen) PHEME_MUST_CHECK;

/* The oracle the configuration names: chain_id and the manifest's ReputationOracle. -1 with err. */
pheme_err rep_oracle_from_config(const pheme_config *cfg, rep_oracle *o, char *err, size_t errlen);
/* Asks the chain (chain_rpc) for the oracle's threshold and latest round. -1 with err. */
pheme_err rep_oracle_read(const pheme_config *cfg, const rep_oracle *o, int *threshold, int64_t *latest, char *err,
                    size_t errlen);

/* `pheme dev` (and `serve --demo` with a chain): recompute everybody, commit the scores to the
 * oracle's next round, sign it with the operator's key (the dev oracle's validator) and queue
 * submitRound for the transaction manager. -1 with err. */
pheme_err rep_round_dev(rep_engine *r, const pheme_config *cfg, int64_t *round, char *err, size_t errlen);

#endif
