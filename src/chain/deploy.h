/* The canonical deployer of the PHEME suite: deploys the contracts from the committed bytecode
 * (chain/contracts.h) and wires them exactly as contracts/script/SuiteDeployer.sol does —
 * the same transactions in the same order from the same account, so on a fresh chain a C
 * deployment and a forge deployment give the same addresses — then checks every contract holds
 * code and fills the manifest (chain/manifest.h).
 *
 * Transactions are EIP-1559 (legacy when the chain has no base fee), signed with the operator
 * key by src/eth/tx.c, sent with eth_sendRawTransaction one at a time, each waited for until its
 * receipt says it succeeded. This is a one-shot tool for an operator, not the server's
 * transaction manager (no outbox, no fee bumping): a failed step stops the deployment and says
 * which step, with the decoded revert. Design notes: docs/internals/deploy.md. */
#ifndef PHEME_CHAIN_DEPLOY_H
#define PHEME_CHAIN_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include "chain/manifest.h"
#include "chain/rpc.h"
#include "core/buf.h"
#include "core/err.h"

#define DEPLOY_MAX_VALIDATORS 64

/* SuiteDeployer.Config. Addresses left zero by deploy_config_init are filled from the deployer
 * key by deploy_suite (relayer, team beneficiary, oracle validators = [relayer]). */
typedef struct {
  uint8_t relayer[20];          /* the server's key: oracle/minter/issuer/publisher/slasher */
  uint8_t team_beneficiary[20]; /* owner of the team vesting wallet */
  uint8_t pauser[20];           /* extra PAUSER_ROLE holder; zero = none */
  uint8_t oracle_validators[DEPLOY_MAX_VALIDATORS][20];
  size_t n_oracle_validators;   /* 0 = [relayer] */
  uint64_t oracle_threshold;    /* 0 = majority of the validators */
  uint64_t timelock_delay;      /* seconds */
  uint64_t voting_delay;        /* blocks (uint48) */
  uint64_t voting_period;       /* blocks (uint32) */
  uint8_t proposal_threshold[32]; /* raw votes, token wei */
  uint64_t quorum_percent;
  uint64_t staking_cooldown;    /* seconds */
  uint8_t min_validator_stake[32]; /* token wei */
  uint64_t unbonding_delay;     /* seconds */
  uint64_t recovery_delay;      /* seconds */
} deploy_config;

/* SuiteDeployer.defaultConfig: 2-day timelock, 7200-block voting delay, 50400-block period,
 * 1,000,000 PHEME proposal threshold, 4% quorum, 7-day cooldown, 10,000 PHEME minimum stake,
 * 14-day unbonding, 3-day recovery; addresses zero (see above). */
void deploy_config_init(deploy_config *c);

/* Reads the environment variables Deploy.s.sol reads (PHEME_RELAYER, PHEME_TEAM_BENEFICIARY,
 * PHEME_PAUSER, PHEME_ORACLE_VALIDATORS (comma-separated), PHEME_ORACLE_THRESHOLD,
 * PHEME_TIMELOCK_DELAY, PHEME_VOTING_DELAY, PHEME_VOTING_PERIOD, PHEME_QUORUM_PERCENT,
 * PHEME_STAKING_COOLDOWN, PHEME_MIN_VALIDATOR_STAKE, PHEME_UNBONDING_DELAY, PHEME_RECOVERY_DELAY)
 * over c, so both deployers take the same settings. PHEME_DATA_INVALID with err quoting the
 * variable and its value. */
pheme_err deploy_config_from_env(deploy_config *c, char *err, size_t errlen) PHEME_MUST_CHECK;

/* Reads an operator key as chain_operator_key gives it: 64 hex digits ("0x" optional), or @PATH
 * of a file holding them (surrounding whitespace ignored). PHEME_DATA_INVALID / PHEME_SYS_IO
 * with err saying what is wrong, never quoting the key. */
pheme_err deploy_key_parse(const char *spec, uint8_t key[32], char *err, size_t errlen)
    PHEME_MUST_CHECK;

/* ---- sending transactions ---- */

typedef struct {
  rpc_client *rpc;
  uint8_t key[32];
  uint8_t address[20];
  uint64_t chain_id;
  uint64_t nonce;         /* the next nonce to use (the account's pending count at init) */
  long receipt_timeout_ms; /* per transaction (default 300000) */
  long poll_ms;            /* receipt polling interval (default 200) */
  /* called after each mined transaction (may be NULL): what it was and its receipt */
  void (*progress)(void *ctx, const char *what, const uint8_t tx_hash[32], uint64_t block,
                   uint64_t gas_used);
  void *progress_ctx;
} deploy_sender;

typedef struct {
  uint8_t tx_hash[32];
  uint64_t block_number;
  uint64_t gas_used;
  int has_contract;
  uint8_t contract[20]; /* contractAddress of a creation */
} deploy_receipt;

/* Prepares a sender for key on rpc's chain: reads the chain id and the account's pending nonce.
 * The key is copied. Returns 0, or an error with err saying what failed. */
pheme_err deploy_sender_init(deploy_sender *s, rpc_client *rpc, const uint8_t key[32], char *err,
                             size_t errlen) PHEME_MUST_CHECK;
/* Wipes the copied key. */
void deploy_sender_release(deploy_sender *s);

/* Sends one transaction (to NULL: a contract creation; value NULL: zero), gas from
 * eth_estimateGas plus a margin, fees from the latest block, and waits for its receipt. Returns
 * 0 with *r filled (r may be NULL), or: PHEME_DATA_STATE when the estimate or the mined
 * transaction reverted (err carries the decoded revert), PHEME_SYS_IO when the node could not be
 * reached or the receipt did not come within receipt_timeout_ms; err begins with what. */
pheme_err deploy_send(deploy_sender *s, const char *what, const uint8_t *to, const uint8_t *value,
                      const uint8_t *data, size_t n, deploy_receipt *r, char *err, size_t errlen)
    PHEME_MUST_CHECK;

/* eth_call of data at to on the latest block; the return data is appended to ret. A revert
 * gives PHEME_DATA_STATE with err carrying the decoded revert. */
pheme_err deploy_call(rpc_client *rpc, const uint8_t to[20], const uint8_t *data, size_t n,
                      buf *ret, char *err, size_t errlen) PHEME_MUST_CHECK;

/* 1 when the account holds code on the latest block, 0 when not, -1 when the node failed. */
int deploy_has_code(rpc_client *rpc, const uint8_t addr[20]);

/* ---- the suite ---- */

/* Deploys and wires the suite with s (whose account is cfg's deployer) and fills *m. Every
 * address of the manifest is checked to hold code before returning. Returns 0, or the error of
 * the failed step (err names it); contracts deployed before a failure stay on the chain. */
pheme_err deploy_suite(deploy_sender *s, const deploy_config *cfg, manifest *m, char *err,
                       size_t errlen) PHEME_MUST_CHECK;

#endif
