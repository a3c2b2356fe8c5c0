/* The chain outbox: intents, their signed attempts, and the sender's lease and nonce; see
 * outbox.h. State transitions are guarded in SQL (UPDATE … WHERE state IN …), so a transition
 * from an unexpected state changes nothing and is reported as PHEME_DATA_STATE. */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "store/outbox.h"
#include "core/banned.h"

static const char *state_names[] = {"queued", "signed", "sent", "mined", "confirmed", "failed"};

const char *outbox_state_name(outbox_state s) {
  return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "unknown";
}

int outbox_state_parse(const char *name) {
  for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
    if (name && strcmp(name, state_names[i]) == 0) return (int)i;
  return -1;
}

/* A zero-length blob must still be bound with a non-NULL pointer, or SQLite stores NULL. */
static const uint8_t empty_blob[1];

static dbv blob_or_empty(const uint8_t *p, size_t n) { return dbv_blob(n ? p : empty_blob, n); }

pheme_err outbox_enqueue(sx *x, const outbox_request *rq, int64_t now_ms, int64_t *id,
                         int *created) {
  const char *value = rq->value ? rq->value : "0";
  if (!uint256_decimal_valid(value) || !rq->idempotency_key || !rq->idempotency_key[0] ||
      !rq->kind || !rq->kind[0] || (rq->data_len && !rq->data) || rq->chain_id == 0 ||
      rq->chain_id > INT64_MAX || rq->gas_limit > INT64_MAX)
    return PHEME_DATA_INVALID;
  db_result r;
  pheme_err e = Q(x, &r,
                  "INSERT INTO chain_intents (chain_id, sender, to_address, value, calldata, "
                  "gas_limit, idempotency_key, kind, state, created_at, updated_at) VALUES ($1, $2, "
                  "$3, $4, $5, $6, $7, $8, 'queued', $9, $9) "
                  "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                  dbv_int((int64_t)rq->chain_id), dbv_blob(rq->sender, 20),
                  rq->has_to ? dbv_blob(rq->to, 20) : dbv_null(), dbv_text(value),
                  blob_or_empty(rq->data, rq->data_len), dbv_int((int64_t)rq->gas_limit),
                  dbv_text(rq->idempotency_key), dbv_text(rq->kind), dbv_int(now_ms));
  if (e) return e;
  if (r.rows == 1) {
    *id = db_int(&r, 0, 0);
    if (created) *created = 1;
    return PHEME_OK;
  }
  e = Q(x, &r, "SELECT id FROM chain_intents WHERE idempotency_key = $1",
        dbv_text(rq->idempotency_key));
  if (e) return e;
  if (r.rows != 1) return PHEME_SYS_STORAGE;
  *id = db_int(&r, 0, 0);
  if (created) *created = 0;
  return PHEME_OK;
}

pheme_err store_outbox_enqueue(store *s, const outbox_request *rq, int64_t now_ms, int64_t *id,
                               int *created) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  e = outbox_enqueue(&x, rq, now_ms, id, created);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

#define INTENT_COLS                                                                         \
  "id, chain_id, sender, to_address, value, calldata, gas_limit, idempotency_key, kind, "   \
  "state, nonce, tx_hash, block_number, block_hash, receipt_status, gas_used, error_code, " \
  "error_name, error_args, error_text, created_at, updated_at"

static void copy32(const db_result *r, int row, int col, uint8_t out[32], int *present) {
  size_t n = 0;
  const uint8_t *p = db_blob(r, row, col, &n);
  if (p && n == 32) {
    memcpy(out, p, 32);
    if (present) *present = 1;
  } else {
    memset(out, 0, 32);
  }
}

static void read_intent(const db_result *r, int i, outbox_intent *o) {
  memset(o, 0, sizeof *o);
  o->id = db_int(r, i, 0);
  o->chain_id = (uint64_t)db_int(r, i, 1);
  sx_addr(r, i, 2, o->sender);
  o->has_to = db_cell(r, i, 3)->type != DBV_NULL;
  if (o->has_to) sx_addr(r, i, 3, o->to);
  o->value = db_text(r, i, 4);
  o->data = db_blob(r, i, 5, &o->data_len);
  o->gas_limit = (uint64_t)db_int(r, i, 6);
  o->idempotency_key = db_text(r, i, 7);
  o->kind = db_text(r, i, 8);
  int st = outbox_state_parse(db_text(r, i, 9));
  o->state = st < 0 ? OUTBOX_FAILED : (outbox_state)st;
  o->has_nonce = db_cell(r, i, 10)->type != DBV_NULL;
  o->nonce = (uint64_t)db_int(r, i, 10);
  copy32(r, i, 11, o->tx_hash, &o->has_receipt);
  o->block_number = (uint64_t)db_int(r, i, 12);
  copy32(r, i, 13, o->block_hash, NULL);
  o->receipt_status = (int)db_int(r, i, 14);
  o->gas_used = (uint64_t)db_int(r, i, 15);
  if (db_cell(r, i, 16)->type != DBV_NULL) o->error_code = db_text(r, i, 16);
  if (db_cell(r, i, 17)->type != DBV_NULL) o->error_name = db_text(r, i, 17);
  if (db_cell(r, i, 18)->type != DBV_NULL) o->error_args = db_text(r, i, 18);
  if (db_cell(r, i, 19)->type != DBV_NULL) o->error_text = db_text(r, i, 19);
  o->created_at = db_int(r, i, 20);
  o->updated_at = db_int(r, i, 21);
}

static pheme_err get_one(store *s, arena *a, const char *sql, dbv arg, outbox_intent *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = sx_query(&x, sql, &arg, 1, &r);
  sx_end(&x);
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  read_intent(&r, 0, out);
  return PHEME_OK;
}

pheme_err outbox_get(store *s, arena *a, int64_t id, outbox_intent *out) {
  return get_one(s, a, "SELECT " INTENT_COLS " FROM chain_intents WHERE id = $1", dbv_int(id), out);
}

pheme_err outbox_get_by_key(store *s, arena *a, const char *key, outbox_intent *out) {
  return get_one(s, a, "SELECT " INTENT_COLS " FROM chain_intents WHERE idempotency_key = $1",
                 dbv_text(key), out);
}

pheme_err outbox_open(store *s, arena *a, uint64_t chain_id, const uint8_t sender[20], int limit,
                      outbox_intent **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " INTENT_COLS " FROM chain_intents WHERE chain_id = $1 AND sender = $2 AND state "
        "IN ('queued', 'signed', 'sent', 'mined') ORDER BY nonce IS NULL, nonce, id LIMIT $3",
        dbv_int((int64_t)chain_id), dbv_blob(sender, 20), dbv_int(limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) read_intent(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err outbox_attempts(store *s, arena *a, int64_t intent_id, outbox_attempt **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT id, intent_id, nonce, tx_hash, raw, max_fee, max_priority_fee, gas_limit, state, "
        "signed_by, last_error, created_at, sent_at FROM chain_attempts WHERE intent_id = $1 "
        "ORDER BY id",
        dbv_int(intent_id));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    outbox_attempt *t = &(*out)[i];
    t->id = db_int(&r, i, 0);
    t->intent_id = db_int(&r, i, 1);
    t->nonce = (uint64_t)db_int(&r, i, 2);
    copy32(&r, i, 3, t->tx_hash, NULL);
    t->raw = db_blob(&r, i, 4, &t->raw_len);
    t->max_fee = db_text(&r, i, 5);
    t->max_priority_fee = db_text(&r, i, 6);
    t->gas_limit = (uint64_t)db_int(&r, i, 7);
    t->state = db_text(&r, i, 8);
    t->signed_by = db_text(&r, i, 9);
    t->last_error = db_cell(&r, i, 10)->type == DBV_NULL ? NULL : db_text(&r, i, 10);
    t->created_at = db_int(&r, i, 11);
    t->sent_at = db_int(&r, i, 12);
  }
  *n = r.rows;
  return PHEME_OK;
}

/* ---- lease and nonces ---- */

pheme_err outbox_lease(store *s, uint64_t chain_id, const uint8_t sender[20], const char *owner,
                       int64_t now_ms, int64_t ttl_ms, int *held, int *fresh) {
  if (!owner || !owner[0]) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, NULL,
        "INSERT INTO chain_senders (chain_id, sender, owner, lease_expires_at, next_nonce) VALUES "
        "($1, $2, '', 0, 0) ON CONFLICT (chain_id, sender) DO NOTHING",
        dbv_int((int64_t)chain_id), dbv_blob(sender, 20));
  /* PostgreSQL: lock the row so two managers cannot both see it expired and both take it;
   * SQLite's single writer already serialises this transaction. */
  if (!e)
    e = Q(&x, &r,
          sx_is_pg(&x) ? "SELECT owner, lease_expires_at FROM chain_senders WHERE chain_id = $1 "
                         "AND sender = $2 FOR UPDATE"
                       : "SELECT owner, lease_expires_at FROM chain_senders WHERE chain_id = $1 "
                         "AND sender = $2",
          dbv_int((int64_t)chain_id), dbv_blob(sender, 20));
  if (!e && r.rows != 1) e = PHEME_SYS_STORAGE;
  if (e) {
    sx_end(&x);
    return e;
  }
  int mine = strcmp(db_text(&r, 0, 0), owner) == 0;
  int live = db_int(&r, 0, 1) > now_ms;
  if (live && !mine) {
    sx_end(&x);
    *held = 0;
    *fresh = 0;
    return PHEME_OK;
  }
  e = Q(&x, NULL,
        "UPDATE chain_senders SET owner = $1, lease_expires_at = $2 WHERE chain_id = $3 AND "
        "sender = $4",
        dbv_text(owner), dbv_int(now_ms + ttl_ms), dbv_int((int64_t)chain_id),
        dbv_blob(sender, 20));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (e) return e;
  *held = 1;
  *fresh = !(live && mine);
  return PHEME_OK;
}

pheme_err outbox_lease_release(store *s, uint64_t chain_id, const uint8_t sender[20],
                               const char *owner) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  e = Q(&x, NULL,
        "UPDATE chain_senders SET lease_expires_at = 0 WHERE chain_id = $1 AND sender = $2 AND "
        "owner = $3",
        dbv_int((int64_t)chain_id), dbv_blob(sender, 20), dbv_text(owner));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err outbox_lease_check(sx *x, uint64_t chain_id, const uint8_t sender[20],
                             const char *owner, int64_t now_ms) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT next_nonce FROM chain_senders WHERE chain_id = $1 AND sender = $2 AND "
                  "owner = $3 AND lease_expires_at > $4",
                  dbv_int((int64_t)chain_id), dbv_blob(sender, 20), dbv_text(owner),
                  dbv_int(now_ms));
  if (e) return e;
  return r.rows == 1 ? PHEME_OK : PHEME_DATA_STATE;
}

pheme_err outbox_nonce_reconcile(store *s, uint64_t chain_id, const uint8_t sender[20],
                                 const char *owner, int64_t now_ms, uint64_t chain_next,
                                 uint64_t *next) {
  if (chain_next > INT64_MAX) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "UPDATE chain_senders SET next_nonce = CASE WHEN next_nonce < $1 THEN $1 ELSE next_nonce "
        "END WHERE chain_id = $2 AND sender = $3 AND owner = $4 AND lease_expires_at > $5 "
        "RETURNING next_nonce",
        dbv_int((int64_t)chain_next), dbv_int((int64_t)chain_id), dbv_blob(sender, 20),
        dbv_text(owner), dbv_int(now_ms));
  if (!e && r.rows != 1) e = PHEME_DATA_STATE;
  if (!e) {
    *next = (uint64_t)db_int(&r, 0, 0);
    e = sx_commit(&x);
  }
  sx_end(&x);
  return e;
}

pheme_err outbox_nonce_take(sx *x, uint64_t chain_id, const uint8_t sender[20], const char *owner,
                            int64_t now_ms, uint64_t *nonce) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "UPDATE chain_senders SET next_nonce = next_nonce + 1 WHERE chain_id = $1 AND "
                  "sender = $2 AND owner = $3 AND lease_expires_at > $4 RETURNING next_nonce",
                  dbv_int((int64_t)chain_id), dbv_blob(sender, 20), dbv_text(owner),
                  dbv_int(now_ms));
  if (e) return e;
  if (r.rows != 1) return PHEME_DATA_STATE;
  *nonce = (uint64_t)db_int(&r, 0, 0) - 1;
  return PHEME_OK;
}

pheme_err outbox_attempt_add(sx *x, const outbox_attempt *a, int64_t now_ms, int64_t *id) {
  if (a->nonce > INT64_MAX || a->gas_limit > INT64_MAX || !a->raw || !a->raw_len ||
      !uint256_decimal_valid(a->max_fee) || !uint256_decimal_valid(a->max_priority_fee))
    return PHEME_DATA_INVALID;
  db_result r;
  /* queued → signed with this nonce; signed/sent keep their state but must have this nonce */
  pheme_err e = Q(x, &r,
                  "UPDATE chain_intents SET state = CASE WHEN state = 'queued' THEN 'signed' ELSE "
                  "state END, nonce = $1, gas_limit = $2, updated_at = $3 WHERE id = $4 AND "
                  "(state = 'queued' OR (state IN ('signed', 'sent') AND nonce = $1)) RETURNING id",
                  dbv_int((int64_t)a->nonce), dbv_int((int64_t)a->gas_limit), dbv_int(now_ms),
                  dbv_int(a->intent_id));
  if (e) return e;
  if (r.rows != 1) return PHEME_DATA_STATE;
  e = Q(x, &r,
        "INSERT INTO chain_attempts (intent_id, nonce, tx_hash, raw, max_fee, max_priority_fee, "
        "gas_limit, state, signed_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'signed', "
        "$8, $9) RETURNING id",
        dbv_int(a->intent_id), dbv_int((int64_t)a->nonce), dbv_blob(a->tx_hash, 32),
        dbv_blob(a->raw, a->raw_len), dbv_text(a->max_fee), dbv_text(a->max_priority_fee),
        dbv_int((int64_t)a->gas_limit), dbv_text(a->signed_by ? a->signed_by : ""),
        dbv_int(now_ms));
  if (e) return e;
  *id = db_int(&r, 0, 0);
  return PHEME_OK;
}

/* Runs one write statement in a transaction of its own; *changed (may be NULL) tells whether
 * a RETURNING clause gave a row. */
static pheme_err write1(store *s, const char *sql, const dbv *args, int nargs, int *changed) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = sx_query(&x, sql, args, nargs, &r);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (!e && changed) *changed = r.rows > 0;
  return e;
}

pheme_err outbox_attempt_sent(store *s, int64_t attempt_id, const char *last_error,
                              int64_t now_ms) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "UPDATE chain_attempts SET state = CASE WHEN state = 'signed' THEN 'sent' ELSE state END, "
        "sent_at = coalesce(sent_at, $1), last_error = $2 WHERE id = $3 RETURNING intent_id",
        dbv_int(now_ms), last_error ? dbv_text(last_error) : dbv_null(), dbv_int(attempt_id));
  if (!e && r.rows != 1) e = PHEME_DATA_NOT_FOUND;
  if (!e)
    e = Q(&x, NULL,
          "UPDATE chain_intents SET state = 'sent', updated_at = $1 WHERE id = $2 AND state = "
          "'signed'",
          dbv_int(now_ms), dbv_int(db_int(&r, 0, 0)));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err outbox_attempt_refused(store *s, int64_t attempt_id, const char *last_error) {
  return write1(s, "UPDATE chain_attempts SET last_error = $1 WHERE id = $2",
                SX_ARGS(dbv_text(last_error ? last_error : "refused"), dbv_int(attempt_id)), NULL);
}

pheme_err outbox_mined(store *s, int64_t intent_id, const uint8_t tx_hash[32],
                       uint64_t block_number, const uint8_t block_hash[32], int status,
                       uint64_t gas_used, int64_t now_ms) {
  if (block_number > INT64_MAX || gas_used > INT64_MAX) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "UPDATE chain_intents SET state = 'mined', tx_hash = $1, block_number = $2, block_hash = "
        "$3, receipt_status = $4, gas_used = $5, updated_at = $6 WHERE id = $7 AND state IN "
        "('signed', 'sent', 'mined') AND EXISTS (SELECT 1 FROM chain_attempts WHERE intent_id = $7 "
        "AND tx_hash = $1) RETURNING id",
        dbv_blob(tx_hash, 32), dbv_int((int64_t)block_number), dbv_blob(block_hash, 32),
        dbv_int(status), dbv_int((int64_t)gas_used), dbv_int(now_ms), dbv_int(intent_id));
  if (!e && r.rows != 1) e = PHEME_DATA_STATE;
  if (!e)
    e = Q(&x, NULL,
          "UPDATE chain_attempts SET state = CASE WHEN tx_hash = $1 THEN 'mined' ELSE 'replaced' "
          "END WHERE intent_id = $2",
          dbv_blob(tx_hash, 32), dbv_int(intent_id));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err outbox_unmined(store *s, int64_t intent_id, int64_t now_ms) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "UPDATE chain_intents SET state = 'sent', tx_hash = NULL, block_number = NULL, block_hash "
        "= NULL, receipt_status = NULL, gas_used = NULL, updated_at = $1 WHERE id = $2 AND state = "
        "'mined' RETURNING id",
        dbv_int(now_ms), dbv_int(intent_id));
  if (!e && r.rows != 1) e = PHEME_DATA_STATE;
  if (!e)
    e = Q(&x, NULL, "UPDATE chain_attempts SET state = 'sent' WHERE intent_id = $1",
          dbv_int(intent_id));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err outbox_confirmed(store *s, int64_t intent_id, int64_t now_ms) {
  int changed = 0;
  pheme_err e = write1(s,
                       "UPDATE chain_intents SET state = 'confirmed', updated_at = $1 WHERE id = $2 "
                       "AND state = 'mined' AND receipt_status = 1 RETURNING id",
                       SX_ARGS(dbv_int(now_ms), dbv_int(intent_id)), &changed);
  return e ? e : changed ? PHEME_OK : PHEME_DATA_STATE;
}

pheme_err outbox_failed(store *s, int64_t intent_id, const char *code, const char *name,
                        const char *args_json, const char *text, int64_t now_ms) {
  int changed = 0;
  pheme_err e = write1(
      s,
      "UPDATE chain_intents SET state = 'failed', error_code = $1, error_name = $2, error_args = "
      "$3, error_text = $4, updated_at = $5 WHERE id = $6 AND state IN ('queued', 'signed', "
      "'sent', 'mined') RETURNING id",
      SX_ARGS(dbv_text(code ? code : "failed"), name ? dbv_text(name) : dbv_null(),
              args_json ? dbv_text(args_json) : dbv_null(), dbv_text(text ? text : ""),
              dbv_int(now_ms), dbv_int(intent_id)),
      &changed);
  return e ? e : changed ? PHEME_OK : PHEME_DATA_STATE;
}

pheme_err outbox_set_gas(store *s, int64_t intent_id, uint64_t gas_limit, int64_t now_ms) {
  if (gas_limit == 0 || gas_limit > INT64_MAX) return PHEME_DATA_INVALID;
  int changed = 0;
  pheme_err e = write1(s,
                       "UPDATE chain_intents SET gas_limit = $1, updated_at = $2 WHERE id = $3 AND "
                       "state = 'queued' RETURNING id",
                       SX_ARGS(dbv_int((int64_t)gas_limit), dbv_int(now_ms), dbv_int(intent_id)),
                       &changed);
  return e ? e : changed ? PHEME_OK : PHEME_DATA_STATE;
}
