/* The chain indexer's storage (DESIGN §5 "Indexing"): the cursor of each chain and the lease of
 * the one indexer elected to move it, recent block hashes, logs stored once per (block hash, log
 * index), projections kept as entities (kind, key) with an undo journal, and the reads the API
 * makes of them. Tables: src/store/migrations/common/0006_chain_index.sql; design notes:
 * docs/internals/indexer.md.
 *
 * Writes happen in a chain unit (chain_unit_begin … chain_unit_commit): one transaction that
 * first proves the caller still holds the chain's lease, so cursor and effects commit together
 * and only by the elected indexer. Errors follow store.h; PHEME_DATA_STATE means "the lease is
 * someone else's". */
#ifndef PHEME_STORE_CHAIN_INDEX_H
#define PHEME_STORE_CHAIN_INDEX_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

typedef struct {
  uint64_t chain_id;
  int64_t block_number; /* last indexed block; -1 before the first */
  uint8_t block_hash[32];
  int has_hash;         /* 0 before the first block */
  int64_t undo_floor;   /* the lowest block whose effects can be rolled back */
  int64_t head_number;  /* the node's head at the last step; -1 unknown */
  const char *owner;    /* the elected indexer, or NULL */
  int64_t lease_until;  /* Unix ms */
  const char *halted;   /* why indexing stopped (a reorg past the depth), or NULL */
  int64_t updated_at;   /* Unix ms */
} store_chain_cursor;

/* The cursor of a chain; PHEME_DATA_NOT_FOUND before any indexer started on it. For the status
 * endpoint: lag = head_number - block_number. */
pheme_err store_chain_cursor_get(store *s, arena *a, uint64_t chain_id, store_chain_cursor *out)
    PHEME_MUST_CHECK;

/* The chain the indexer follows when the configuration names none: the lowest chain id with a
 * cursor; PHEME_DATA_NOT_FOUND when no chain was ever indexed. */
pheme_err store_chain_default(store *s, uint64_t *chain_id) PHEME_MUST_CHECK;

/* Election: creates the cursor at start_block - 1 when missing, then takes the lease for owner
 * until now_ms + lease_ms when it is free, expired or already owner's. *won tells whether owner
 * holds it now. */
pheme_err store_chain_lease(store *s, uint64_t chain_id, const char *owner, int64_t start_block,
                            int64_t now_ms, int64_t lease_ms, int *won) PHEME_MUST_CHECK;
/* Gives the lease up (at shutdown), if owner holds it. */
pheme_err store_chain_lease_release(store *s, uint64_t chain_id, const char *owner)
    PHEME_MUST_CHECK;

/* Stored block hashes for numbers from..to (inclusive): hashes[k] for number from + k, with
 * found[k] 0 where none is stored. */
pheme_err store_chain_block_hashes(store *s, uint64_t chain_id, int64_t from, int64_t to,
                                   uint8_t (*hashes)[32], int *found) PHEME_MUST_CHECK;

/* ---- a unit of indexing work ---- */

typedef struct chain_unit chain_unit;

/* One entity (a projection row). amount is a decimal uint256 or NULL; data a JSON object text. */
typedef struct {
  const char *kind, *key;
  int has_owner;
  uint8_t owner[20];
  const char *amount;
  const char *data;
  int64_t ord;          /* block * 2^20 + log index of its creation */
  int64_t block_number; /* last change */
} chain_entity;

/* Begins a transaction on the write connection and checks that owner holds chain_id's lease
 * (PHEME_DATA_STATE otherwise). The unit's allocations (entities read) come from a, which must
 * outlive the unit. Free with chain_unit_commit or chain_unit_abort. */
pheme_err chain_unit_begin(store *s, arena *a, uint64_t chain_id, const char *owner,
                           chain_unit **out) PHEME_MUST_CHECK;
/* Entities kept between the units of one indexer (so a range does not read again what the last
 * one wrote): at most max_entries past a commit. Valid only while the cursor stays where the last
 * unit that used it left it: a unit beginning at another cursor (block or hash) starts empty, and
 * a unit that aborts, rolls back, halts or fails to commit empties it. One thread at a time. */
typedef struct chain_cache chain_cache;
chain_cache *chain_cache_new(size_t max_entries);
void chain_cache_free(chain_cache *c);
/* chain_unit_begin with cache (NULL: the unit's own, dropped at its end). */
pheme_err chain_unit_begin_cached(store *s, arena *a, uint64_t chain_id, const char *owner,
                                  chain_cache *cache, chain_unit **out) PHEME_MUST_CHECK;
/* Whether changes are journaled for rollback (blocks within the reorg depth of the head). */
void chain_unit_set_undo(chain_unit *u, int on);
/* Records a block's hash and parent hash (replacing what was stored for its number). */
pheme_err chain_unit_block(chain_unit *u, int64_t number, const uint8_t hash[32],
                           const uint8_t parent[32]) PHEME_MUST_CHECK;
/* Stores a log once: *inserted is 1 when it was new, 0 when (block hash, log index) was there. */
pheme_err chain_unit_log(chain_unit *u, const uint8_t block_hash[32], int64_t log_index,
                         int64_t block_number, const uint8_t tx_hash[32], const uint8_t address[20],
                         const uint8_t (*topics)[32], int ntopics, const uint8_t *data, size_t n,
                         int *inserted) PHEME_MUST_CHECK;
/* Reads an entity: 0 with *out, or PHEME_DATA_NOT_FOUND. Strings live in the unit's arena. */
pheme_err chain_unit_get(chain_unit *u, const char *kind, const char *key, chain_entity *out)
    PHEME_MUST_CHECK;
/* Writes an entity as of block (journaling its previous state when undo is on). e->ord is kept
 * from the stored row when it exists. */
pheme_err chain_unit_put(chain_unit *u, int64_t block, const chain_entity *e) PHEME_MUST_CHECK;
/* Deletes an entity as of block (journaled likewise); no error when it does not exist. */
pheme_err chain_unit_delete(chain_unit *u, int64_t block, const char *kind, const char *key)
    PHEME_MUST_CHECK;
/* Moves the cursor to (number, hash), records the head seen, the undo floor, and renews the
 * lease until lease_until; prunes block hashes and journal entries older than keep_from. */
pheme_err chain_unit_cursor(chain_unit *u, int64_t number, const uint8_t hash[32],
                            int64_t head, int64_t undo_floor, int64_t keep_from,
                            int64_t lease_until) PHEME_MUST_CHECK;
/* Rolls every effect of blocks above fork back (journal replayed newest first), deletes their
 * logs, block hashes and journal entries, and sets the cursor to (fork, fork_hash). */
pheme_err chain_unit_rollback(chain_unit *u, int64_t fork, const uint8_t fork_hash[32])
    PHEME_MUST_CHECK;
/* Marks the chain halted with why (NULL clears it). */
pheme_err chain_unit_halt(chain_unit *u, const char *why) PHEME_MUST_CHECK;
pheme_err chain_unit_commit(chain_unit *u) PHEME_MUST_CHECK;
/* Rolls the unit back and frees it; safe on NULL. */
void chain_unit_abort(chain_unit *u);

/* ---- reads for the API ---- */

/* One entity of a chain, PHEME_DATA_NOT_FOUND when absent. */
pheme_err store_chain_entity(store *s, arena *a, uint64_t chain_id, const char *kind,
                             const char *key, chain_entity *out) PHEME_MUST_CHECK;
/* Entities of a kind: owned by owner when owner is not NULL, and/or whose key starts with
 * key_prefix when not NULL; newest (highest ord) first, ord < before (0 = from the newest), at
 * most limit. */
pheme_err store_chain_entities(store *s, arena *a, uint64_t chain_id, const char *kind,
                               const uint8_t *owner, const char *key_prefix, int64_t before,
                               int limit, chain_entity **out, int *n) PHEME_MUST_CHECK;

/* Time travel (GraphQL's `block: { number }`): the projections as they were when block was the
 * last indexed, read from the undo journal backwards. Only the retained history can be read:
 * store_chain_history gives the blocks from *lowest to *latest (the cursor), PHEME_DATA_NOT_FOUND
 * before any indexer started on the chain. *lowest is the higher of the undo floor's block below
 * and the oldest block hash kept (the journal is pruned with the hashes, chain_reorg_depth behind
 * the cursor). */
pheme_err store_chain_history(store *s, uint64_t chain_id, int64_t *lowest, int64_t *latest)
    PHEME_MUST_CHECK;
/* store_chain_entity as it was at block (within store_chain_history's range; block < 0: now). */
pheme_err store_chain_entity_at(store *s, arena *a, uint64_t chain_id, const char *kind,
                                const char *key, int64_t block, chain_entity *out)
    PHEME_MUST_CHECK;
/* store_chain_entities (before = 0) as they were at block (block < 0: now); block_number is each
 * entity's last change up to that block. */
pheme_err store_chain_entities_at(store *s, arena *a, uint64_t chain_id, const char *kind,
                                  const uint8_t *owner, const char *key_prefix, int64_t block,
                                  int limit, chain_entity **out, int *n) PHEME_MUST_CHECK;

/* Everything indexed for a chain, as text (one line per log and per entity, in key order), to
 * compare two indexes of one chain. In a. */
pheme_err store_chain_dump(store *s, arena *a, uint64_t chain_id, char **out) PHEME_MUST_CHECK;

#endif
