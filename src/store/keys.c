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

pheme_err store_key_by_hash(store *s, arena *a, const uint8_t hash[32], api_key *out) {
  return one_key(s, a,
                 "SELECT " KEY_COLS " FROM api_keys k JOIN users u ON u.id = k.user_id "
                 "WHERE k.hash = $1 AND k.revoked_at IS NULL",
                 dbv_blob(hash, 32), out);
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
