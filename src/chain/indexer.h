/* The chain indexer (DESIGN §5 "Indexing"): follows one chain through the RPC client and keeps
 * the logs of the suite's contracts and their projections (chain/events.h) in storage, so that
 * what is stored always equals a fresh index of the node's current chain.
 *
 *  - Logs come by block range (eth_getLogs over the manifest's addresses); a range the node
 *    refuses (an error object, an answer over the size cap) is halved until it is accepted, and
 *    grows back after successes.
 *  - Every block of a range has its header fetched; parent hashes must chain from the stored
 *    cursor, and every log's block hash must be its header's. Logs are stored once per
 *    (block hash, log index).
 *  - A broken parent link is a reorg: the fork point is the highest block whose stored hash the
 *    node still has; everything derived from the blocks above it is rolled back (undo journal)
 *    and indexing resumes from it. A fork deeper than reorg_depth stops the indexer: the chain
 *    is marked halted, an error is logged and pheme_indexer_reorg_too_deep is set.
 *  - Each range commits logs, projections and the cursor in one transaction, and only while this
 *    indexer holds the chain's lease (one active indexer per chain, elected in the database).
 *  - Nothing a node says is trusted: an answer that is malformed, inconsistent (logs of other
 *    contracts, removed logs, hashes that do not match, a chain id that changed, numbers past
 *    2^63) fails the step without moving the cursor.
 *
 * Threads: an indexer is driven by one thread at a time (indexer_step, or its own thread through
 * indexer_start). Design notes: docs/internals/indexer.md. */
#ifndef PHEME_CHAIN_INDEXER_H
#define PHEME_CHAIN_INDEXER_H

#include <jansson.h>
#include <stdint.h>

#include "chain/events.h"
#include "chain/rpc.h"
#include "core/buf.h"
#include "core/metrics.h"
#include "core/err.h"
#include "store/store.h"

typedef struct {
  uint64_t chain_id;       /* required: the node must be on it */
  int64_t start_block;     /* the suite's deployment block: nothing earlier is read */
  uint8_t address[CC__COUNT][20];
  int present[CC__COUNT];  /* which contracts the manifest names */
  int reorg_depth;         /* deepest reorg followed (chain_reorg_depth, 250) */
  int log_range;           /* most blocks per eth_getLogs (chain_log_range, 2000) */
  int header_batch;        /* most eth_getBlockByNumber calls per batch (200) */
  int poll_ms;             /* pause when caught up (chain_poll_ms, 1000) */
  int64_t lease_ms;        /* how long the election holds without renewal (30000) */
  char owner[96];          /* this indexer's name in the election; default "host:pid:random" */
} indexer_options;

/* Entities an indexer keeps in memory from one range to the next (store/chain_index.h
 * chain_cache): past this many, they are dropped after the range and read again. */
#define INDEXER_CACHE_ENTITIES 65536

/* Fills the defaults above (no chain, no addresses). */
void indexer_options_init(indexer_options *o);

/* Reads a deployment manifest ({"chainId":…, "contracts":{"PhemeToken":"0x…",…},
 * "deploymentBlock":…}) into o's chain_id (when 0), start_block and addresses. Returns 0, or
 * PHEME_DATA_INVALID / PHEME_SYS_IO with err quoting the path and the problem. Unknown contract
 * names are refused (a manifest of another suite). */
pheme_err indexer_manifest_load(const char *path, indexer_options *o, char *err, size_t errlen)
    PHEME_MUST_CHECK;

typedef struct indexer indexer;

/* An indexer writing to s through its own RPC client over endpoints[0..n) (rpc options ro may be
 * NULL; expected_chain_id is set from o). Returns NULL (logged) on bad options or no memory. */
indexer *indexer_new(store *s, const char *const *endpoints, int n, const rpc_options *ro,
                     const indexer_options *o);
/* The indexer `pheme serve` runs: endpoints from chain_rpc (comma-separated), chain_id (or the
 * first node's when 0), the manifest (chain_manifest, or contracts/deployments/<chain id>.json),
 * chain_reorg_depth, chain_log_range and chain_poll_ms. Returns NULL with err set when the
 * configuration or the manifest is unusable. */
struct pheme_config;
indexer *indexer_from_config(store *s, const struct pheme_config *cfg, char *err, size_t errlen);

/* Stops the thread if started, gives the lease up, frees. */
void indexer_free(indexer *ix);

typedef enum {
  INDEXER_IDLE,       /* caught up with the head */
  INDEXER_PROGRESS,   /* a range was committed */
  INDEXER_SHRUNK,     /* the node refused the range: it was halved, nothing committed */
  INDEXER_REORG,      /* a reorg was rolled back to its fork point */
  INDEXER_STANDBY,    /* another indexer holds the lease */
  INDEXER_HALTED,     /* stopped: a reorg deeper than reorg_depth (see cursor.halted) */
} indexer_state;

typedef struct {
  indexer_state state;
  int64_t cursor;     /* last indexed block after the step */
  int64_t head;       /* the node's head, -1 when not asked */
  int64_t logs;       /* logs newly stored by the step */
  int64_t fork;       /* INDEXER_REORG: the fork point */
  char why[320];      /* on error: what went wrong (the node's fault or storage's) */
} indexer_step_result;

/* One step: election, chain id and head, then a range, a reorg rollback or nothing. Returns 0
 * with *r filled, or an error (PHEME_SYS_IO, PHEME_DATA_INVALID for a bad answer, a storage
 * error) with r->why; the cursor never moves on an error. */
pheme_err indexer_step(indexer *ix, indexer_step_result *r) PHEME_MUST_CHECK;

/* Steps until caught up (IDLE), halted or standby, at most max_steps; errors are returned at
 * once. For tests, benchmarks and `pheme indexer --once`. */
pheme_err indexer_sync(indexer *ix, int max_steps, indexer_step_result *r) PHEME_MUST_CHECK;

/* Runs indexer_step in a thread of its own until indexer_stop, pausing poll_ms when caught up
 * or failing. Returns 0, or -1 when the thread cannot start. */
int indexer_start(indexer *ix) PHEME_MUST_CHECK;
/* Asks the thread to stop and joins it (returns within one step). */
void indexer_stop(indexer *ix);

/* An indexer's collector for the metrics registry (ctx is the indexer; its samples carry the
 * label chain="<id>", so indexers of several chains share the families), and the same rendered
 * alone into out (for tests). Unregister before indexer_free. */
void indexer_metrics_collect(metrics_writer *w, void *ix);
int indexer_metrics_render(indexer *ix, buf *out) PHEME_MUST_CHECK;

/* ---- parsing node answers (exposed for the fuzz target) ---- */

typedef struct {
  int64_t number;
  uint8_t hash[32], parent[32];
} indexer_header;

/* Parses an eth_getBlockByNumber result. Returns 0 or PHEME_DATA_INVALID with why. */
pheme_err indexer_parse_header(const json_t *v, indexer_header *out, char *why, size_t whylen)
    PHEME_MUST_CHECK;

/* qsort order of chain_logs: by block number, then log index. */
int indexer_log_order(const void *a, const void *b);

/* Parses an eth_getLogs result for blocks from..to of the contracts in o: each log must be one of
 * o's addresses, not removed, within the range, with well-formed hashes, topics (1 to 4) and
 * data, and no (block, log index) twice. Logs are returned sorted by block and log index, their
 * data pointing into storage taken from a. Returns 0 or PHEME_DATA_INVALID with why. */
pheme_err indexer_parse_logs(const json_t *v, const indexer_options *o, int64_t from, int64_t to,
                             arena *a, chain_log **out, int *n, char *why, size_t whylen)
    PHEME_MUST_CHECK;

#endif
