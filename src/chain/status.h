/* Chain status: what `pheme chain status` prints and GET /api/v1/chain/status answers — the
 * chain and its head, the suite's addresses from the manifest (and whether each holds code),
 * the operator's address, balance and nonces, and, from the database, the indexer's cursor and
 * lag and the transactions waiting in the outbox.
 *
 * Reading the node is one JSON-RPC batch; every part that could not be read is reported as
 * such (an error text, or a has_* flag left 0), so a half-working setup still gets an answer
 * that says what is missing. */
#ifndef PHEME_CHAIN_STATUS_H
#define PHEME_CHAIN_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chain/manifest.h"
#include "core/config.h"
#include "core/jsonw.h"
#include "store/store.h"

#define CHAIN_STATUS_MAX_ADDRESSES 32

typedef struct {
  int configured;          /* chain_rpc is set */
  int reachable;           /* the node answered the batch */
  char node_error[400];    /* why not, when configured but not reachable */
  uint64_t chain_id;       /* the node's (or the configured one when unreachable) */
  uint64_t head;           /* latest block number */
  uint64_t head_time;      /* its timestamp, Unix seconds */

  int has_manifest;
  char manifest_path[512];
  char manifest_error[400]; /* why there is none (missing file, bad JSON, other chain) */
  manifest m;
  int code[CHAIN_STATUS_MAX_ADDRESSES]; /* per manifest_fields[i]: 1 code, 0 none, -1 unknown */

  int has_operator;        /* chain_operator_key is set and valid */
  char operator_error[256];
  uint8_t operator_address[20];
  int has_balance;         /* balance and nonces were read */
  uint8_t operator_balance[32]; /* wei */
  uint64_t operator_nonce;         /* mined transactions (latest) */
  uint64_t operator_pending_nonce; /* including the node's pending pool */

  /* from the database (chain_status_read_db) */
  int has_indexer;
  int64_t indexer_block;    /* last indexed block; -1 none yet */
  char indexer_halted[256]; /* non-empty when the indexer stopped (reorg past the depth) */
  int has_outbox;
  int64_t outbox_pending;   /* intents not yet confirmed or failed */
} chain_status;

/* The manifest path the configuration means: chain_manifest, or
 * contracts/deployments/<chain_id>.json. */
void chain_status_manifest_path(char *out, size_t cap, const pheme_config *cfg, uint64_t chain_id);

/* Fills *st from the node and the manifest as cfg configures them (chain_rpc, chain_id,
 * chain_manifest, chain_operator_key), then from storage (s may be NULL). Never fails: what
 * could not be read is marked in *st. timeout_ms bounds each exchange with the node. */
void chain_status_collect(chain_status *st, const pheme_config *cfg, store *s, long timeout_ms);

/* The database's part: the indexer's cursor (has_indexer, indexer_block, indexer_halted; from
 * store_chain_cursor_get) and the operator's unfinished outbox intents (has_outbox,
 * outbox_pending; from outbox_open, counted up to 10000) for st->chain_id. A part whose table
 * or row is missing stays has_* = 0. */
void chain_status_read_db(chain_status *st, store *s);

/* Writes the status as one JSON object (the API's answer and `pheme chain status --json`):
 * {"configured", "reachable", "error", "chainId", "head": {"number", "timestamp"},
 *  "manifest": {"path", "error", "deploymentBlock", "contracts": {name: {"address", "hasCode"}},
 *               "implementations": {…}, "roles": {…}},
 *  "operator": {"address", "balance" (wei, decimal string), "nonce", "pendingNonce", "error"},
 *  "indexer": {"block", "lag", "halted"} or null, "outbox": {"pending"} or null} */
void chain_status_write(jw *w, const chain_status *st);

/* Prints the status for people (pheme chain status). */
void chain_status_print(FILE *out, const chain_status *st);

#endif
