/* API keys: stored as SHA-256 hashes with a short visible prefix; see store.h. */
#include <string.h>

#include "core/util.h"
#include "store/internal.h"
#include "core/banned.h"

#define KEY_COLS "k.id, k.user_id, u.address, k.prefix, k.role, k.label, k.created_at, coalesce(k.revoked_at, 0)"

static void read_key(const db_result *r, int i, api_key *k) {
  k->id = db_int(r, i, 0);
  k->user_id = db_int(r, i, 1);
  sx_addr(r, i, 2, k->address);
  k->prefix = db_text(r, i, 3);
  k->role = db_text(r, i, 4);
  k->label = db_text(r, i, 5);
  k->created_at = db_int(r, i, 6);
  k->revoked_at = db_int(r, i, 7);
}

pheme_err store_key_create(store *s, arena *a, const store_actor *who, int64_t user_id,
                           const uint8_t hash[32], const char *prefix, const char *role,
                           const char *label, api_key *out) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "INSERT INTO api_keys (user_id, hash, prefix, role, label, created_at) VALUES ($1, $2, $3, "
        "$4, $5, $6) RETURNING id",
        dbv_int(user_id), dbv_blob(hash, 32), dbv_text(prefix), dbv_text(role),
        dbv_text(label ? label : ""), dbv_int(time_now_ms()));
  int64_t id = e ? 0 : db_int(&r, 0, 0);
  if (!e) e = sx_audit(&x, who, "key.create", "api_key", id, NULL);
  if (!e)
    e = Q(&x, &r, "SELECT " KEY_COLS " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = $1",
          dbv_int(id));
  if (!e) read_key(&r, 0, out);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

static pheme_err one_key(store *s, arena *a, const char *sql, dbv arg, api_key *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = sx_query(&x, sql, &arg, 1, &r);
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) read_key(&r, 0, out);
  sx_end(&x);
  return e;
}

/* How long a verified key is taken on trust without reading it again. A write of this process to
 * api_keys or users (a revocation, a change of the owner's address; store.c's touches_keys) ends
 * every entry at once: an entry holds the store's keys_generation from before its read. Other
 * commits leave the entries be (the award path commits all the time). Another process's write
 * (`pheme key revoke`, another node of a cluster) is seen within this time. */
#define KEY_CACHE_US 1000000

static key_cache_slot *key_set(store *s, const uint8_t hash[32]) {
  unsigned h = (unsigned)hash[0] | (unsigned)hash[1] << 8;
  return &s->keys.slot[(h % KEY_CACHE_SETS) * KEY_CACHE_WAYS];
}

/* Copies the cached key into out, its strings into a; 0 when there is no live entry for hash. */
static int key_cached(store *s, arena *a, const uint8_t hash[32], api_key *out) {
  uint64_t now = time_mono_us(), gen = store_keys_generation(s);
  int hit = 0;
  pthread_mutex_lock(&s->keys.mu);
  key_cache_slot *set = key_set(s, hash);
  for (int i = 0; i < KEY_CACHE_WAYS && !hit; i++) {
    key_cache_slot *e = &set[i];
    if (e->until_us <= now || e->generation != gen || memcmp(e->hash, hash, 32) != 0) continue;
    *out = e->key;
    out->prefix = arena_strdup(a, e->key.prefix);
    out->role = arena_strdup(a, e->key.role);
    out->label = arena_strdup(a, e->key.label);
    hit = out->prefix && out->role && out->label;
  }
  pthread_mutex_unlock(&s->keys.mu);
  return hit;
}

/* Remembers k, read when the store's keys_generation was gen; a key whose strings do not fit is not kept. */
static void key_remember(store *s, const uint8_t hash[32], uint64_t gen, const api_key *k) {
  if (!k->prefix || !k->role || !k->label) return;
  size_t np = strlen(k->prefix) + 1, nr = strlen(k->role) + 1, nl = strlen(k->label) + 1;
  if (np + nr + nl > sizeof ((key_cache_slot *)0)->text) return;
  uint64_t now = time_mono_us();
  pthread_mutex_lock(&s->keys.mu);
  key_cache_slot *set = key_set(s, hash), *e = &set[0];
  for (int i = 0; i < KEY_CACHE_WAYS; i++) {
    if (memcmp(set[i].hash, hash, 32) == 0) {
      e = &set[i];
      break;
    }
    if (set[i].until_us < e->until_us) e = &set[i]; /* the one that ends first (an empty one: 0) */
  }
  memcpy(e->hash, hash, 32);
  e->generation = gen;
  e->until_us = now + KEY_CACHE_US;
  e->key = *k;
  memcpy(e->text, k->prefix, np);
  memcpy(e->text + np, k->role, nr);
  memcpy(e->text + np + nr, k->label, nl);
  e->key.prefix = e->text;
  e->key.role = e->text + np;
  e->key.label = e->text + np + nr;
  pthread_mutex_unlock(&s->keys.mu);
}

pheme_err store_key_by_hash(store *s, arena *a, const uint8_t hash[32], api_key *out) {
  if (key_cached(s, a, hash, out)) return PHEME_OK;
  uint64_t gen = store_keys_generation(s); /* before the read: a write during it ends the entry */
  pheme_err e = one_key(s, a,
                        "SELECT " KEY_COLS " FROM api_keys k JOIN users u ON u.id = k.user_id "
                        "WHERE k.hash = $1 AND k.revoked_at IS NULL",
                        dbv_blob(hash, 32), out);
  if (!e) key_remember(s, hash, gen, out);
  return e;
}

pheme_err store_key_get(store *s, arena *a, int64_t id, api_key *out) {
  return one_key(s, a, "SELECT " KEY_COLS " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = $1",
                 dbv_int(id), out);
}

pheme_err store_keys_list(store *s, arena *a, int64_t user_id, const store_page *p, api_key **out,
                          int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  if (user_id)
    e = Q(&x, &r,
          "SELECT " KEY_COLS " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.user_id = $1 "
          "AND k.id < $2 ORDER BY k.id DESC LIMIT $3",
          dbv_int(user_id), dbv_int(page_before(p)), dbv_int(p->limit));
  else
    e = Q(&x, &r,
          "SELECT " KEY_COLS " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id < $1 "
          "ORDER BY k.id DESC LIMIT $2",
          dbv_int(page_before(p)), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) read_key(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_key_revoke(store *s, const store_actor *who, int64_t id) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id",
        dbv_int(time_now_ms()), dbv_int(id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) e = sx_audit(&x, who, "key.revoke", "api_key", id, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}
