/* The chain indexer's storage; see chain_index.h and docs/internals/indexer.md.
 *
 * Projections are entities (kind, key) → (owner, amount, data) so that one journal can undo any
 * of them: before an entity changes in a block that a reorg could still orphan, its previous
 * state (or its absence) is written to chain_undo with an increasing sequence number; rolling
 * back to a fork point replays those rows newest first. */
#include "store/chain_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "eth/hex.h"
#include "store/internal.h"
#include "core/banned.h"

/* The unit's view of the entities it touched: reads hit the database once per entity and unit,
 * and each changed entity is written once, at commit (a range of thousands of logs changes the
 * same balances over and over). The journal still records every change in order, from this
 * view, so a rollback replays exactly the logical history. */
typedef struct {
  char *kind, *key;  /* NULL: free slot */
  int exists;        /* in the unit's logical state */
  int dirty;         /* differs from the database */
  int has_owner;
  uint8_t owner[20];
  char *amount, *data;
  int64_t ord, block_number;
  /* the row as the database holds it (read, or last written): what a write must change */
  int in_db, db_has_owner;
  uint8_t db_owner[20];
  int64_t db_ord;
  uint64_t h; /* cache_hash(kind, key) */
} cached;

/* Entities cached (an open-addressing table). A unit has its own, or borrows an indexer's
 * chain_cache, which outlives units: then its entries are the database's state as of the cursor
 * (block, hash) it was tagged with at the last commit, and are dropped when a unit begins at any
 * other cursor (another indexer moved it, a rollback) or ends any other way than a commit that
 * moved the cursor. */
struct chain_cache {
  cached *cache;
  size_t ncache, cap; /* cap: a power of two */
  size_t max;         /* entries kept past a commit at most; more: all dropped */
  int tagged;         /* the entries hold as of the cursor below */
  int64_t block;
  int has_hash;
  uint8_t hash[32];
};

struct chain_unit {
  sx x;
  uint64_t chain_id;
  const char *owner;
  int undo;
  int64_t seq; /* last journal sequence number; -1 until read */
  chain_cache *ec;  /* &own, or the indexer's */
  chain_cache own;
  int moved;        /* chain_unit_cursor was called: the tag for a kept cache */
  int64_t to_block;
  int to_has_hash;
  uint8_t to_hash[32];
};

static dbv chain_id_v(uint64_t id) { return dbv_int((int64_t)id); }

pheme_err store_chain_cursor_get(store *s, arena *a, uint64_t chain_id, store_chain_cursor *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT block_number, block_hash, undo_floor, head_number, owner, lease_until, halted, "
        "updated_at FROM chain_cursor WHERE chain_id = $1",
        chain_id_v(chain_id));
  sx_end(&x);
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  memset(out, 0, sizeof *out);
  out->chain_id = chain_id;
  out->block_number = db_int(&r, 0, 0);
  size_t n;
  const uint8_t *h = db_blob(&r, 0, 1, &n);
  if (h && n == 32) {
    memcpy(out->block_hash, h, 32);
    out->has_hash = 1;
  }
  out->undo_floor = db_int(&r, 0, 2);
  out->head_number = db_int(&r, 0, 3);
  out->owner = db_cell(&r, 0, 4)->type == DBV_NULL ? NULL : db_text(&r, 0, 4);
  out->lease_until = db_int(&r, 0, 5);
  out->halted = db_cell(&r, 0, 6)->type == DBV_NULL ? NULL : db_text(&r, 0, 6);
  out->updated_at = db_int(&r, 0, 7);
  return PHEME_OK;
}

pheme_err store_chain_default(store *s, uint64_t *chain_id) {
  sx x;
  pheme_err e = sx_read(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q0(&x, &r, "SELECT min(chain_id) FROM chain_cursor");
  if (!e && (r.rows == 0 || db_cell(&r, 0, 0)->type == DBV_NULL)) e = PHEME_DATA_NOT_FOUND;
  if (!e) *chain_id = (uint64_t)db_int(&r, 0, 0);
  sx_end(&x);
  return e;
}

pheme_err store_chain_lease(store *s, uint64_t chain_id, const char *owner, int64_t start_block,
                            int64_t now_ms, int64_t lease_ms, int *won) {
  *won = 0;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  e = Q(&x, NULL,
        "INSERT INTO chain_cursor (chain_id, block_number, undo_floor, updated_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (chain_id) DO NOTHING",
        chain_id_v(chain_id), dbv_int(start_block - 1), dbv_int(start_block), dbv_int(now_ms));
  db_result r;
  if (!e)
    e = Q(&x, &r,
          "UPDATE chain_cursor SET owner = $1, lease_until = $2 WHERE chain_id = $3 AND "
          "(owner IS NULL OR owner = $1 OR lease_until < $4) RETURNING 1",
          dbv_text(owner), dbv_int(now_ms + lease_ms), chain_id_v(chain_id), dbv_int(now_ms));
  if (!e) {
    *won = r.rows == 1;
    return sx_commit(&x);
  }
  sx_end(&x);
  return e;
}

pheme_err store_chain_lease_release(store *s, uint64_t chain_id, const char *owner) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  e = Q(&x, NULL,
        "UPDATE chain_cursor SET owner = NULL, lease_until = 0 WHERE chain_id = $1 AND owner = $2",
        chain_id_v(chain_id), dbv_text(owner));
  if (!e) return sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_chain_block_hashes(store *s, uint64_t chain_id, int64_t from, int64_t to,
                                   uint8_t (*hashes)[32], int *found) {
  for (int64_t k = 0; k <= to - from; k++) found[k] = 0;
  sx x;
  pheme_err e = sx_read(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT number, hash FROM chain_blocks WHERE chain_id = $1 AND number >= $2 AND "
        "number <= $3",
        chain_id_v(chain_id), dbv_int(from), dbv_int(to));
  for (int i = 0; !e && i < r.rows; i++) {
    int64_t k = db_int(&r, i, 0) - from;
    size_t n;
    const uint8_t *h = db_blob(&r, i, 1, &n);
    if (k < 0 || k > to - from || !h || n != 32) continue;
    memcpy(hashes[k], h, 32);
    found[k] = 1;
  }
  sx_end(&x);
  return e;
}

/* ---- units ---- */

chain_cache *chain_cache_new(size_t max_entries) {
  chain_cache *c = calloc(1, sizeof *c);
  if (c) c->max = max_entries;
  return c;
}

static void cached_free(cached *c);

static void cache_drop(chain_cache *c) {
  for (size_t i = 0; i < c->cap; i++)
    if (c->cache[i].kind) cached_free(&c->cache[i]);
  free(c->cache);
  c->cache = NULL;
  c->cap = c->ncache = 0;
  c->tagged = 0;
}

void chain_cache_free(chain_cache *c) {
  if (!c) return;
  cache_drop(c);
  free(c);
}

pheme_err chain_unit_begin_cached(store *s, arena *a, uint64_t chain_id, const char *owner,
                                  chain_cache *cache, chain_unit **out) {
  *out = NULL;
  chain_unit *u = calloc(1, sizeof *u);
  if (!u) return PHEME_SYS_NOMEM;
  u->chain_id = chain_id;
  u->owner = owner;
  u->undo = 1;
  u->seq = -1;
  u->ec = cache ? cache : &u->own;
  pheme_err e = sx_write(s, a, &u->x);
  if (e) {
    if (cache) cache_drop(cache);
    free(u);
    return e;
  }
  db_result r;
  e = Q(&u->x, &r, "SELECT owner, block_number, block_hash FROM chain_cursor WHERE chain_id = $1",
        chain_id_v(chain_id));
  if (!e && (r.rows != 1 || db_cell(&r, 0, 0)->type == DBV_NULL ||
             strcmp(db_text(&r, 0, 0), owner) != 0))
    e = PHEME_DATA_STATE;
  if (e) {
    chain_unit_abort(u);
    return e;
  }
  if (cache && cache->tagged) { /* still the state the entries were kept at? */
    size_t n;
    const uint8_t *h = db_blob(&r, 0, 2, &n);
    int has_hash = h && n == 32;
    if (db_int(&r, 0, 1) != cache->block || has_hash != cache->has_hash ||
        (has_hash && memcmp(h, cache->hash, 32) != 0))
      cache_drop(cache);
  }
  *out = u;
  return PHEME_OK;
}

pheme_err chain_unit_begin(store *s, arena *a, uint64_t chain_id, const char *owner,
                           chain_unit **out) {
  return chain_unit_begin_cached(s, a, chain_id, owner, NULL, out);
}

void chain_unit_set_undo(chain_unit *u, int on) { u->undo = on; }

pheme_err chain_unit_block(chain_unit *u, int64_t number, const uint8_t hash[32],
                           const uint8_t parent[32]) {
  return Q(&u->x, NULL,
           "INSERT INTO chain_blocks (chain_id, number, hash, parent_hash) VALUES ($1, $2, $3, $4) "
           "ON CONFLICT (chain_id, number) DO UPDATE SET hash = excluded.hash, "
           "parent_hash = excluded.parent_hash",
           chain_id_v(u->chain_id), dbv_int(number), dbv_blob(hash, 32), dbv_blob(parent, 32));
}

pheme_err chain_unit_log(chain_unit *u, const uint8_t block_hash[32], int64_t log_index,
                         int64_t block_number, const uint8_t tx_hash[32], const uint8_t address[20],
                         const uint8_t (*topics)[32], int ntopics, const uint8_t *data, size_t n,
                         int *inserted) {
  db_result r;
  pheme_err e = Q(&u->x, &r,
                  "INSERT INTO chain_logs (chain_id, block_hash, log_index, block_number, tx_hash, "
                  "address, topics, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                  "ON CONFLICT (chain_id, block_hash, log_index) DO NOTHING RETURNING 1",
                  chain_id_v(u->chain_id), dbv_blob(block_hash, 32), dbv_int(log_index),
                  dbv_int(block_number), dbv_blob(tx_hash, 32), dbv_blob(address, 20),
                  dbv_blob(topics, (size_t)ntopics * 32), dbv_blob(data ? data : (const uint8_t *)"", n));
  if (!e) *inserted = r.rows == 1;
  return e;
}

#define ENTITY_COLS "kind, key, owner, amount, data, ord, block_number"

static void read_entity(const db_result *r, int i, chain_entity *e) {
  memset(e, 0, sizeof *e);
  e->kind = db_text(r, i, 0);
  e->key = db_text(r, i, 1);
  size_t n;
  const uint8_t *o = db_blob(r, i, 2, &n);
  if (o && n == 20) {
    memcpy(e->owner, o, 20);
    e->has_owner = 1;
  }
  e->amount = db_cell(r, i, 3)->type == DBV_NULL ? NULL : db_text(r, i, 3);
  e->data = db_text(r, i, 4);
  e->ord = db_int(r, i, 5);
  e->block_number = db_int(r, i, 6);
}

static pheme_err entity_get(sx *x, uint64_t chain_id, const char *kind, const char *key,
                            chain_entity *out) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT " ENTITY_COLS " FROM chain_entities WHERE chain_id = $1 AND kind = $2 "
                  "AND key = $3",
                  chain_id_v(chain_id), dbv_text(kind), dbv_text(key));
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  read_entity(&r, 0, out);
  return PHEME_OK;
}

/* Journals the state of (kind, key) before a change made in block. */
static pheme_err journal(chain_unit *u, int64_t block, const char *kind, const char *key,
                         const chain_entity *prev) {
  pheme_err e;
  if (u->seq < 0) {
    db_result r;
    e = Q(&u->x, &r, "SELECT coalesce(max(seq), 0) FROM chain_undo WHERE chain_id = $1",
          chain_id_v(u->chain_id));
    if (e) return e;
    u->seq = db_int(&r, 0, 0);
  }
  u->seq++;
  return Q(&u->x, NULL,
           "INSERT INTO chain_undo (chain_id, seq, block_number, kind, key, existed, owner, "
           "amount, data, ord, prev_block) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
           chain_id_v(u->chain_id), dbv_int(u->seq), dbv_int(block), dbv_text(kind), dbv_text(key),
           dbv_int(prev ? 1 : 0),
           prev && prev->has_owner ? dbv_blob(prev->owner, 20) : dbv_null(),
           prev ? dbv_text(prev->amount) : dbv_null(), prev ? dbv_text(prev->data) : dbv_null(),
           prev ? dbv_int(prev->ord) : dbv_null(), prev ? dbv_int(prev->block_number) : dbv_null());
}

/* Writes an entity's whole state (ord included: the unit's view holds the right one). */
static pheme_err entity_upsert(sx *x, uint64_t chain_id, const chain_entity *en, int64_t block) {
  return Q(x, NULL,
           "INSERT INTO chain_entities (chain_id, kind, key, owner, amount, data, ord, "
           "block_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (chain_id, "
           "kind, key) DO UPDATE SET owner = excluded.owner, amount = excluded.amount, "
           "data = excluded.data, ord = excluded.ord, block_number = excluded.block_number",
           chain_id_v(chain_id), dbv_text(en->kind), dbv_text(en->key),
           en->has_owner ? dbv_blob(en->owner, 20) : dbv_null(), dbv_text(en->amount),
           dbv_text(en->data ? en->data : "{}"), dbv_int(en->ord), dbv_int(block));
}

static uint64_t cache_hash(const char *kind, const char *key) {
  uint64_t h = 1469598103934665603ULL;
  for (const char *p = kind; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
  h = (h ^ 0xff) * 1099511628211ULL;
  for (const char *p = key; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
  return h;
}

static void cached_free(cached *c) {
  free(c->kind);
  free(c->key);
  free(c->amount);
  free(c->data);
  memset(c, 0, sizeof *c);
}

static void cache_release(chain_unit *u) { cache_drop(u->ec); }

static cached *cache_slot(chain_unit *u, uint64_t h, const char *kind, const char *key) {
  size_t i = h & (u->ec->cap - 1);
  while (u->ec->cache[i].kind && (u->ec->cache[i].h != h || strcmp(u->ec->cache[i].kind, kind) ||
                                  strcmp(u->ec->cache[i].key, key)))
    i = (i + 1) & (u->ec->cap - 1);
  return &u->ec->cache[i];
}

static int cache_grow(chain_unit *u) {
  if (u->ec->cap && (u->ec->ncache + 1) * 2 < u->ec->cap) return 0; /* at most half full */
  size_t cap = u->ec->cap ? u->ec->cap * 2 : 1024;
  cached *old = u->ec->cache;
  size_t oldcap = u->ec->cap;
  u->ec->cache = calloc(cap, sizeof *u->ec->cache);
  if (!u->ec->cache) {
    u->ec->cache = old;
    return -1;
  }
  u->ec->cap = cap;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].kind) *cache_slot(u, old[i].h, old[i].kind, old[i].key) = old[i];
  free(old);
  return 0;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Sets c's state from e (or absence when e is NULL); -1 on no memory. */
static int cached_set(cached *c, const chain_entity *e) {
  free(c->amount);
  free(c->data);
  c->amount = c->data = NULL;
  c->exists = e != NULL;
  if (!e) return 0;
  c->has_owner = e->has_owner;
  memcpy(c->owner, e->owner, 20);
  c->amount = dup_or_null(e->amount);
  c->data = strdup(e->data ? e->data : "{}");
  c->ord = e->ord;
  c->block_number = e->block_number;
  return (e->amount && !c->amount) || !c->data ? -1 : 0;
}

/* Notes c's state as the database's. */
static void cached_written(cached *c) {
  c->in_db = c->exists;
  c->db_has_owner = c->has_owner;
  memcpy(c->db_owner, c->owner, 20);
  c->db_ord = c->ord;
}

static void cached_view(const cached *c, chain_entity *out) {
  memset(out, 0, sizeof *out);
  out->kind = c->kind;
  out->key = c->key;
  out->has_owner = c->has_owner;
  memcpy(out->owner, c->owner, 20);
  out->amount = c->amount;
  out->data = c->data;
  out->ord = c->ord;
  out->block_number = c->block_number;
}

/* The unit's cached entry for (kind, key), read from the database on first use. */
static pheme_err cache_get(chain_unit *u, const char *kind, const char *key, cached **out) {
  if (cache_grow(u)) return PHEME_SYS_NOMEM;
  uint64_t h = cache_hash(kind, key);
  cached *c = cache_slot(u, h, kind, key);
  if (!c->kind) {
    chain_entity e;
    pheme_err err = entity_get(&u->x, u->chain_id, kind, key, &e);
    if (err && err != PHEME_DATA_NOT_FOUND) return err;
    c->kind = strdup(kind);
    c->key = strdup(key);
    if (!c->kind || !c->key || cached_set(c, err ? NULL : &e)) {
      cached_free(c);
      return PHEME_SYS_NOMEM;
    }
    cached_written(c);
    c->h = h;
    u->ec->ncache++;
  }
  *out = c;
  return PHEME_OK;
}

pheme_err chain_unit_get(chain_unit *u, const char *kind, const char *key, chain_entity *out) {
  cached *c;
  pheme_err e = cache_get(u, kind, key, &c);
  if (e) return e;
  if (!c->exists) return PHEME_DATA_NOT_FOUND;
  chain_entity v;
  cached_view(c, &v);
  /* copies in the unit's arena: the caller may keep them past the next change */
  *out = v;
  out->kind = kind;
  out->key = arena_strdup(u->x.a, c->key);
  out->amount = c->amount ? arena_strdup(u->x.a, c->amount) : NULL;
  out->data = arena_strdup(u->x.a, c->data);
  if (!out->key || (c->amount && !out->amount) || !out->data) return PHEME_SYS_NOMEM;
  return PHEME_OK;
}

/* Journals c's current state as the one before a change in block. */
static pheme_err journal_cached(chain_unit *u, int64_t block, const cached *c) {
  if (!u->undo) return PHEME_OK;
  chain_entity prev;
  cached_view(c, &prev);
  return journal(u, block, c->kind, c->key, c->exists ? &prev : NULL);
}

pheme_err chain_unit_put(chain_unit *u, int64_t block, const chain_entity *en) {
  cached *c;
  pheme_err e = cache_get(u, en->kind, en->key, &c);
  if (!e) e = journal_cached(u, block, c);
  if (e) return e;
  chain_entity v = *en;
  if (c->exists) v.ord = c->ord; /* an update keeps the creation order */
  v.block_number = block;
  if (cached_set(c, &v)) return PHEME_SYS_NOMEM;
  c->dirty = 1;
  return PHEME_OK;
}

pheme_err chain_unit_delete(chain_unit *u, int64_t block, const char *kind, const char *key) {
  cached *c;
  pheme_err e = cache_get(u, kind, key, &c);
  if (e) return e;
  if (!c->exists) return PHEME_OK;
  e = journal_cached(u, block, c);
  if (e) return e;
  cached_set(c, NULL);
  c->dirty = 1;
  return PHEME_OK;
}

static int cached_cmp(const void *a, const void *b) {
  const cached *x = *(const cached *const *)a, *y = *(const cached *const *)b;
  int c = strcmp(x->kind, y->kind);
  return c ? c : strcmp(x->key, y->key);
}

/* Writes every changed entity once, in key order (the table's own order: neighbouring writes
 * touch the same pages, where the hash order would visit them at random). */
static pheme_err cache_flush(chain_unit *u) {
  size_t n = 0;
  for (size_t i = 0; i < u->ec->cap; i++)
    if (u->ec->cache[i].kind && u->ec->cache[i].dirty) n++;
  if (!n) return PHEME_OK;
  cached **order = malloc(n * sizeof *order);
  if (!order) return PHEME_SYS_NOMEM;
  n = 0;
  for (size_t i = 0; i < u->ec->cap; i++)
    if (u->ec->cache[i].kind && u->ec->cache[i].dirty) order[n++] = &u->ec->cache[i];
  qsort(order, n, sizeof *order, cached_cmp);
  pheme_err e = PHEME_OK;
  for (size_t i = 0; !e && i < n; i++) {
    cached *c = order[i];
    if (c->exists && c->in_db && c->has_owner == c->db_has_owner && c->ord == c->db_ord &&
        (!c->has_owner || memcmp(c->owner, c->db_owner, 20) == 0)) {
      /* owner and order as stored: their indexes need no visit */
      e = Q(&u->x, NULL,
            "UPDATE chain_entities SET amount = $1, data = $2, block_number = $3 "
            "WHERE chain_id = $4 AND kind = $5 AND key = $6",
            dbv_text(c->amount), dbv_text(c->data ? c->data : "{}"), dbv_int(c->block_number),
            chain_id_v(u->chain_id), dbv_text(c->kind), dbv_text(c->key));
    } else if (c->exists) {
      chain_entity v;
      cached_view(c, &v);
      e = entity_upsert(&u->x, u->chain_id, &v, c->block_number);
    } else if (c->in_db) {
      e = Q(&u->x, NULL,
            "DELETE FROM chain_entities WHERE chain_id = $1 AND kind = $2 AND key = $3",
            chain_id_v(u->chain_id), dbv_text(c->kind), dbv_text(c->key));
    } /* else: created and deleted within the unit, never stored */
    c->dirty = 0;
    cached_written(c);
  }
  free(order);
  return e;
}

pheme_err chain_unit_cursor(chain_unit *u, int64_t number, const uint8_t hash[32], int64_t head,
                            int64_t undo_floor, int64_t keep_from, int64_t lease_until) {
  u->moved = 1;
  u->to_block = number;
  u->to_has_hash = hash != NULL;
  if (hash) memcpy(u->to_hash, hash, 32);
  pheme_err e = Q(&u->x, NULL,
                  "UPDATE chain_cursor SET block_number = $1, block_hash = $2, head_number = $3, "
                  "undo_floor = $4, lease_until = $5, updated_at = $6 WHERE chain_id = $7",
                  dbv_int(number), hash ? dbv_blob(hash, 32) : dbv_null(), dbv_int(head),
                  dbv_int(undo_floor), dbv_int(lease_until), dbv_int(time_now_ms()),
                  chain_id_v(u->chain_id));
  if (!e)
    e = Q(&u->x, NULL, "DELETE FROM chain_blocks WHERE chain_id = $1 AND number < $2",
          chain_id_v(u->chain_id), dbv_int(keep_from));
  if (!e)
    e = Q(&u->x, NULL, "DELETE FROM chain_undo WHERE chain_id = $1 AND block_number < $2",
          chain_id_v(u->chain_id), dbv_int(keep_from));
  return e;
}

pheme_err chain_unit_rollback(chain_unit *u, int64_t fork, const uint8_t fork_hash[32]) {
  pheme_err e = cache_flush(u); /* the journal replay works on the database's rows */
  if (e) return e;
  cache_release(u);
  db_result r;
  e = Q(&u->x, &r,
                  "SELECT kind, key, existed, owner, amount, data, ord, prev_block FROM chain_undo "
                  "WHERE chain_id = $1 AND block_number > $2 ORDER BY seq DESC",
                  chain_id_v(u->chain_id), dbv_int(fork));
  for (int i = 0; !e && i < r.rows; i++) {
    const char *kind = db_text(&r, i, 0), *key = db_text(&r, i, 1);
    if (!db_int(&r, i, 2)) {
      e = Q(&u->x, NULL,
            "DELETE FROM chain_entities WHERE chain_id = $1 AND kind = $2 AND key = $3",
            chain_id_v(u->chain_id), dbv_text(kind), dbv_text(key));
      continue;
    }
    chain_entity en = {.kind = kind, .key = key};
    size_t n;
    const uint8_t *o = db_blob(&r, i, 3, &n);
    if (o && n == 20) {
      memcpy(en.owner, o, 20);
      en.has_owner = 1;
    }
    en.amount = db_cell(&r, i, 4)->type == DBV_NULL ? NULL : db_text(&r, i, 4);
    en.data = db_text(&r, i, 5);
    en.ord = db_int(&r, i, 6);
    e = entity_upsert(&u->x, u->chain_id, &en, db_int(&r, i, 7));
  }
  static const char *const drops[] = {
      "DELETE FROM chain_undo WHERE chain_id = $1 AND block_number > $2",
      "DELETE FROM chain_logs WHERE chain_id = $1 AND block_number > $2",
      "DELETE FROM chain_blocks WHERE chain_id = $1 AND number > $2",
  };
  for (size_t k = 0; !e && k < ARRAY_SIZE(drops); k++)
    e = Q(&u->x, NULL, drops[k], chain_id_v(u->chain_id), dbv_int(fork));
  if (!e)
    e = Q(&u->x, NULL,
          "UPDATE chain_cursor SET block_number = $1, block_hash = $2, updated_at = $3 "
          "WHERE chain_id = $4",
          dbv_int(fork), fork_hash ? dbv_blob(fork_hash, 32) : dbv_null(), dbv_int(time_now_ms()),
          chain_id_v(u->chain_id));
  return e;
}

pheme_err chain_unit_halt(chain_unit *u, const char *why) {
  return Q(&u->x, NULL, "UPDATE chain_cursor SET halted = $1, updated_at = $2 WHERE chain_id = $3",
           dbv_text(why), dbv_int(time_now_ms()), chain_id_v(u->chain_id));
}

pheme_err chain_unit_commit(chain_unit *u) {
  pheme_err e = cache_flush(u);
  if (!e) e = sx_commit(&u->x);
  else sx_end(&u->x);
  chain_cache *c = u->ec;
  if (c != &u->own && !e && u->moved && c->ncache <= c->max) {
    c->tagged = 1; /* every entry is now the database's state as of the new cursor */
    c->block = u->to_block;
    c->has_hash = u->to_has_hash;
    memcpy(c->hash, u->to_hash, 32);
  } else {
    cache_release(u);
  }
  free(u);
  return e;
}

void chain_unit_abort(chain_unit *u) {
  if (!u) return;
  sx_end(&u->x);
  cache_release(u);
  free(u);
}

/* ---- reads ---- */

pheme_err store_chain_entity(store *s, arena *a, uint64_t chain_id, const char *kind,
                             const char *key, chain_entity *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = entity_get(&x, chain_id, kind, key, out);
  sx_end(&x);
  return e;
}

/* A key prefix is matched as a key range: [prefix, prefix + U+FFFF) avoids LIKE's escapes. */
static char *prefix_end(arena *a, const char *prefix) {
  size_t len = strlen(prefix);
  char *hi = arena_alloc(a, len + 4);
  if (!hi) return NULL;
  memcpy(hi, prefix, len);
  memcpy(hi + len, "\xef\xbf\xbf", 4);
  return hi;
}

/* Runs sql (selecting ENTITY_COLS) in x, ends x, and reads the entities into *out (in a). */
static pheme_err entities_read(sx *x, arena *a, const char *sql, const dbv *args, int nargs,
                               chain_entity **out, int *n) {
  db_result r;
  pheme_err e = sx_query(x, sql, args, nargs, &r);
  sx_end(x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) read_entity(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_chain_entities(store *s, arena *a, uint64_t chain_id, const char *kind,
                               const uint8_t *owner, const char *key_prefix, int64_t before,
                               int limit, chain_entity **out, int *n) {
  char *hi = NULL;
  if (key_prefix && !(hi = prefix_end(a, key_prefix))) return PHEME_SYS_NOMEM;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  /* one statement per filter combination: PostgreSQL cannot type "$3 IS NULL" alone */
  static const char *const sql[4] = {
      "SELECT " ENTITY_COLS " FROM chain_entities WHERE chain_id = $1 AND kind = $2 "
      "AND ord < $3 ORDER BY ord DESC, key LIMIT $4",
      "SELECT " ENTITY_COLS " FROM chain_entities WHERE chain_id = $1 AND kind = $2 "
      "AND owner = $3 AND ord < $4 ORDER BY ord DESC, key LIMIT $5",
      "SELECT " ENTITY_COLS " FROM chain_entities WHERE chain_id = $1 AND kind = $2 "
      "AND key >= $3 AND key < $4 AND ord < $5 ORDER BY ord DESC, key LIMIT $6",
      "SELECT " ENTITY_COLS " FROM chain_entities WHERE chain_id = $1 AND kind = $2 "
      "AND owner = $3 AND key >= $4 AND key < $5 AND ord < $6 ORDER BY ord DESC, key LIMIT $7",
  };
  dbv args[7];
  int nargs = 0;
  args[nargs++] = chain_id_v(chain_id);
  args[nargs++] = dbv_text(kind);
  if (owner) args[nargs++] = dbv_blob(owner, 20);
  if (key_prefix) {
    args[nargs++] = dbv_text(key_prefix);
    args[nargs++] = dbv_text(hi);
  }
  args[nargs++] = dbv_int(before > 0 ? before : INT64_MAX);
  args[nargs++] = dbv_int(limit);
  return entities_read(&x, a, sql[(owner ? 1 : 0) + (key_prefix ? 2 : 0)], args, nargs, out, n);
}

/* ---- the projections as they were at a block (the journal read backwards) ---- */

pheme_err store_chain_history(store *s, uint64_t chain_id, int64_t *lowest, int64_t *latest) {
  sx x;
  pheme_err e = sx_read(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT c.block_number, c.undo_floor, (SELECT min(b.number) FROM chain_blocks b WHERE "
        "b.chain_id = c.chain_id) FROM chain_cursor c WHERE c.chain_id = $1",
        chain_id_v(chain_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) {
    *latest = db_int(&r, 0, 0);
    /* every change above the block must still be journaled: blocks from undo_floor on were, and
     * pruning keeps them from the oldest block hash kept on (both move together) */
    int64_t low = db_int(&r, 0, 1) - 1;
    if (db_cell(&r, 0, 2)->type != DBV_NULL && db_int(&r, 0, 2) > low) low = db_int(&r, 0, 2);
    *lowest = low < *latest ? low : *latest;
  }
  sx_end(&x);
  return e;
}

pheme_err store_chain_entity_at(store *s, arena *a, uint64_t chain_id, const char *kind,
                                const char *key, int64_t block, chain_entity *out) {
  if (block < 0) return store_chain_entity(s, a, chain_id, kind, key, out);
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (!e) e = sx_snapshot(&x);
  db_result r;
  /* the first change after the block journaled the state at it (the entity's columns, then
   * whether it existed); no change after it: the entity is as it is */
  if (!e)
    e = Q(&x, &r,
          "SELECT kind, key, owner, amount, data, ord, prev_block, existed FROM chain_undo WHERE "
          "chain_id = $1 AND kind = $2 AND key = $3 AND block_number > $4 ORDER BY seq LIMIT 1",
          chain_id_v(chain_id), dbv_text(kind), dbv_text(key), dbv_int(block));
  if (!e && r.rows == 0) e = entity_get(&x, chain_id, kind, key, out);
  else if (!e && !db_int(&r, 0, 7)) e = PHEME_DATA_NOT_FOUND;
  else if (!e) read_entity(&r, 0, out);
  sx_end(&x);
  return e;
}

pheme_err store_chain_entities_at(store *s, arena *a, uint64_t chain_id, const char *kind,
                                  const uint8_t *owner, const char *key_prefix, int64_t block,
                                  int limit, chain_entity **out, int *n) {
  if (block < 0) return store_chain_entities(s, a, chain_id, kind, owner, key_prefix, 0, limit, out, n);
  *n = 0;
  char *hi = NULL;
  if (key_prefix && !(hi = prefix_end(a, key_prefix))) return PHEME_SYS_NOMEM;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  /* The entities no change after the block touched, as they are, and those it did, as the first
   * such change journaled them (skipping those that did not exist yet). Placeholders are numbered
   * in the order they first appear; the filters' are the same in both halves. */
  dbv args[7];
  int nargs = 0;
  args[nargs++] = chain_id_v(chain_id);
  args[nargs++] = dbv_text(kind);
  char filter[96] = "";
  if (owner) {
    args[nargs++] = dbv_blob(owner, 20);
    snprintf(filter, sizeof filter, " AND %%1$s.owner = $%d", nargs);
  }
  if (key_prefix) {
    args[nargs++] = dbv_text(key_prefix);
    args[nargs++] = dbv_text(hi);
    size_t len = strlen(filter);
    snprintf(filter + len, sizeof filter - len, " AND %%1$s.key >= $%d AND %%1$s.key < $%d",
             nargs - 1, nargs);
  }
  args[nargs++] = dbv_int(block);
  int b = nargs;
  args[nargs++] = dbv_int(limit);
  char *fe = arena_printf(x.a, filter, "e"), *fu = arena_printf(x.a, filter, "u");
  char *sql = fe && fu ? arena_printf(x.a,
      "SELECT kind, key, owner, amount, data, ord, block_number FROM (SELECT e.kind, e.key, "
      "e.owner, e.amount, e.data, e.ord, e.block_number FROM chain_entities e WHERE e.chain_id = "
      "$1 AND e.kind = $2%s AND NOT EXISTS (SELECT 1 FROM chain_undo v WHERE v.chain_id = "
      "e.chain_id AND v.kind = e.kind AND v.key = e.key AND v.block_number > $%d) UNION ALL "
      "SELECT u.kind, u.key, u.owner, u.amount, u.data, u.ord, u.prev_block FROM chain_undo u "
      "WHERE u.chain_id = $1 AND u.kind = $2%s AND u.block_number > $%d AND u.existed = 1 AND "
      "u.seq = (SELECT min(v.seq) FROM chain_undo v WHERE v.chain_id = u.chain_id AND v.kind = "
      "u.kind AND v.key = u.key AND v.block_number > $%d)) w ORDER BY ord DESC, key LIMIT $%d",
      fe, b, fu, b, b, b + 1) : NULL;
  if (!sql) {
    sx_end(&x);
    return PHEME_SYS_NOMEM;
  }
  return entities_read(&x, a, sql, args, nargs, out, n);
}

static int dump_hex(buf *b, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (buf_printf(b, "%02x", p[i])) return -1;
  return 0;
}

pheme_err store_chain_dump(store *s, arena *a, uint64_t chain_id, char **out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  db_result logs, ents;
  if (!e)
    e = Q(&x, &logs,
          "SELECT block_number, log_index, block_hash, tx_hash, address, topics, data FROM "
          "chain_logs WHERE chain_id = $1 ORDER BY block_number, log_index",
          chain_id_v(chain_id));
  if (!e)
    e = Q(&x, &ents,
          "SELECT " ENTITY_COLS " FROM chain_entities WHERE chain_id = $1 ORDER BY kind, key",
          chain_id_v(chain_id));
  sx_end(&x);
  if (e) return e;
  buf b;
  buf_init(&b, (size_t)1 << 30);
  int bad = 0;
  for (int i = 0; !bad && i < logs.rows; i++) {
    bad |= buf_printf(&b, "log %lld %lld ", (long long)db_int(&logs, i, 0),
                      (long long)db_int(&logs, i, 1));
    for (int c = 2; c <= 6 && !bad; c++) {
      size_t n;
      const uint8_t *p = db_blob(&logs, i, c, &n);
      bad |= dump_hex(&b, p, p ? n : 0) || buf_addc(&b, ' ');
    }
    bad |= buf_addc(&b, '\n');
  }
  for (int i = 0; !bad && i < ents.rows; i++) {
    chain_entity en;
    read_entity(&ents, i, &en);
    bad |= buf_printf(&b, "entity %s %s ", en.kind, en.key);
    if (en.has_owner) bad |= dump_hex(&b, en.owner, 20);
    bad |= buf_printf(&b, " %s %s ord=%lld block=%lld\n", en.amount ? en.amount : "-", en.data,
                      (long long)en.ord, (long long)en.block_number);
  }
  if (!bad) *out = arena_strdup(a, b.len ? b.data : "");
  buf_release(&b);
  if (bad || !*out) return PHEME_SYS_NOMEM;
  return PHEME_OK;
}
