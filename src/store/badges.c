/* Badge types, awards, the facts of the badge rules and the Skill Wallet sync state; see
 * store/badges.h and docs/badges.md. */
#include "store/badges.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "store/chain_index.h"
#include "store/internal.h"
#include "core/banned.h"

#define TYPE_COLS                                                                                 \
  "t.id, t.slug, t.name, t.description, t.rarity, t.soulbound, t.max_supply, t.supply, "         \
  "t.validity, t.asset_cid, t.issuance, t.rule, t.active, t.chain_intent_id, t.created_at, "     \
  "t.updated_at"
enum { TYPE_NCOLS = 16 };

static void read_type(const db_result *r, int i, int c, badge_type *t) {
  t->id = db_int(r, i, c + 0);
  t->slug = db_text(r, i, c + 1);
  t->name = db_text(r, i, c + 2);
  t->description = db_text(r, i, c + 3);
  t->rarity = db_text(r, i, c + 4);
  t->soulbound = (int)db_int(r, i, c + 5);
  t->max_supply = db_int(r, i, c + 6);
  t->supply = db_int(r, i, c + 7);
  t->validity = db_int(r, i, c + 8);
  t->asset_cid = db_text(r, i, c + 9);
  t->issuance = db_text(r, i, c + 10);
  t->rule = db_text(r, i, c + 11);
  t->active = (int)db_int(r, i, c + 12);
  t->chain_intent_id = db_int(r, i, c + 13);
  t->created_at = db_int(r, i, c + 14);
  t->updated_at = db_int(r, i, c + 15);
}

static pheme_err type_get_in(sx *x, int64_t id, badge_type *out) {
  db_result r;
  pheme_err e = Q(x, &r, "SELECT " TYPE_COLS " FROM badge_types t WHERE t.id = $1", dbv_int(id));
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  read_type(&r, 0, 0, out);
  return PHEME_OK;
}

static pheme_err types_result(arena *a, const db_result *r, badge_type **out, int *n) {
  *out = arena_zalloc(a, sizeof **out * (size_t)(r->rows ? r->rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r->rows; i++) read_type(r, i, 0, &(*out)[i]);
  *n = r->rows;
  return PHEME_OK;
}

pheme_err store_badge_type_create(store *s, arena *a, const store_actor *who, badge_type *t,
                                  badge_intent_fn make_intent, void *ctx) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms(), id = 0;
  e = QID(&x, &id,
          "INSERT INTO badge_types (slug, name, description, rarity, soulbound, max_supply, validity, "
          "asset_cid, issuance, rule, active, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
          dbv_text(t->slug), dbv_text(t->name), dbv_text(t->description ? t->description : ""),
          dbv_text(t->rarity), dbv_int(t->soulbound ? 1 : 0), dbv_int(t->max_supply),
          dbv_int(t->validity), dbv_text(t->asset_cid ? t->asset_cid : ""),
          dbv_text(t->issuance ? t->issuance : "voucher"), dbv_text(t->rule ? t->rule : "{}"),
          dbv_int(t->active ? 1 : 0), dbv_int(now));
  if (!e) e = type_get_in(&x, id, t);
  if (!e && make_intent) {
    outbox_request rq;
    memset(&rq, 0, sizeof rq);
    int64_t intent = 0;
    e = make_intent(ctx, a, t, &rq);
    if (!e) e = outbox_enqueue(&x, &rq, now, &intent, NULL);
    if (!e) e = Q(&x, NULL, "UPDATE badge_types SET chain_intent_id = $1 WHERE id = $2",
                  dbv_int(intent), dbv_int(id));
    if (!e) t->chain_intent_id = intent;
  }
  char data[160];
  snprintf(data, sizeof data, "{\"badge_id\":%lld}", (long long)id);
  if (!e) e = sx_event(&x, "badge.type_created", 0, 1, "badge_type", id, data, now);
  if (!e) e = sx_audit(&x, who, "badge.type.create", "badge_type", id, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_badge_type_update(store *s, arena *a, const store_actor *who, badge_type *t,
                                  const outbox_request *uri) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q(&x, &r,
        "UPDATE badge_types SET name = $1, description = $2, asset_cid = $3, issuance = $4, "
        "rule = $5, active = $6, updated_at = $7 WHERE id = $8 RETURNING id",
        dbv_text(t->name), dbv_text(t->description), dbv_text(t->asset_cid), dbv_text(t->issuance),
        dbv_text(t->rule), dbv_int(t->active ? 1 : 0), dbv_int(now), dbv_int(t->id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  int64_t intent;
  if (!e && uri) e = outbox_enqueue(&x, uri, now, &intent, NULL);
  if (!e) e = sx_audit(&x, who, "badge.type.update", "badge_type", t->id, NULL);
  if (!e) e = type_get_in(&x, t->id, t);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_badge_type_get(store *s, arena *a, int64_t id, badge_type *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = type_get_in(&x, id, out);
  sx_end(&x);
  return e;
}

pheme_err store_badge_types_list(store *s, arena *a, int active_only, const store_page *p,
                                 badge_type **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " TYPE_COLS " FROM badge_types t WHERE t.id < $1 AND ($2 = 0 OR t.active = 1) "
        "ORDER BY t.id DESC LIMIT $3",
        dbv_int(page_before(p)), dbv_int(active_only ? 1 : 0), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  return types_result(a, &r, out, n);
}

pheme_err store_badge_types_unearned(store *s, arena *a, int64_t user_id, badge_type **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " TYPE_COLS " FROM badge_types t WHERE t.active = 1 AND NOT EXISTS "
        "(SELECT 1 FROM badge_awards w WHERE w.badge_id = t.id AND w.user_id = $1) ORDER BY t.id",
        dbv_int(user_id));
  sx_end(&x);
  if (e) return e;
  return types_result(a, &r, out, n);
}

/* ---- awards ---- */

#define AWARD_COLS                                                                               \
  "w.id, w.user_id, w.badge_id, w.submission_id, u.address, w.awarded_at, w.expires_at, "       \
  "w.nonce, w.mint_intent_id, w.revoke_intent_id, w.revoked_at, w.revoke_reason, "               \
  "w.voucher_issued_at, " TYPE_COLS
enum { AWARD_NCOLS = 13 };
#define AWARD_FROM " FROM badge_awards w JOIN users u ON u.id = w.user_id JOIN badge_types t ON t.id = w.badge_id "

static void read_award(const db_result *r, int i, badge_award_rec *w) {
  memset(w, 0, sizeof *w);
  w->id = db_int(r, i, 0);
  w->user_id = db_int(r, i, 1);
  w->badge_id = db_int(r, i, 2);
  w->submission_id = db_int(r, i, 3);
  sx_addr(r, i, 4, w->address);
  w->awarded_at = db_int(r, i, 5);
  w->expires_at = db_int(r, i, 6);
  w->nonce = db_text(r, i, 7);
  w->mint_intent_id = db_int(r, i, 8);
  w->revoke_intent_id = db_int(r, i, 9);
  w->revoked_at = db_int(r, i, 10);
  w->revoke_reason = db_text(r, i, 11);
  w->voucher_issued_at = db_int(r, i, 12);
  read_type(r, i, AWARD_NCOLS, &w->type);
}

/* The chain's view of an award: its mint intent's state and whether its voucher was redeemed. */
static pheme_err award_chain(store *s, arena *a, uint64_t chain_id, const uint8_t *issuer,
                             badge_award_rec *w) {
  if (!chain_id) return PHEME_OK;
  pheme_err e;
  if (w->mint_intent_id) {
    outbox_intent in;
    e = outbox_get(s, a, w->mint_intent_id, &in);
    if (e && e != PHEME_DATA_NOT_FOUND) return e;
    if (!e) w->mint_state = outbox_state_name(in.state);
  }
  if (issuer && w->nonce[0]) {
    char key[140], addr[43];
    address_format_hex(addr, issuer);
    snprintf(key, sizeof key, "%s/%s", addr, w->nonce);
    chain_entity v;
    e = store_chain_entity(s, a, chain_id, "voucher", key, &v);
    if (e && e != PHEME_DATA_NOT_FOUND) return e;
    if (!e) {
      w->claimed = 1;
      w->claimed_block = v.block_number;
    }
  }
  return PHEME_OK;
}

pheme_err store_badge_award(store *s, arena *a, const store_actor *who, const badge_award_request *rq,
                            badge_award_rec *out) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms(), id = 0;
  badge_type t;
  db_result r;
  e = type_get_in(&x, rq->badge_id, &t);
  /* the row first: a second award of the same badge to the same person stops here */
  if (!e)
    e = QID(&x, &id,
            "INSERT INTO badge_awards (user_id, badge_id, awarded_at, submission_id, expires_at, nonce) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            dbv_int(rq->user_id), dbv_int(rq->badge_id), dbv_int(now),
            rq->submission_id ? dbv_int(rq->submission_id) : dbv_null(),
            t.validity ? dbv_int(now + t.validity * 1000) : dbv_null(),
            dbv_text(rq->nonce ? rq->nonce : ""));
  if (e == PHEME_DATA_INVALID) e = PHEME_DATA_NOT_FOUND; /* a foreign key: no such person */
  /* then the supply, raised only below the cap (concurrent awards queue on the type's row) */
  if (!e) {
    e = Q(&x, &r,
          "UPDATE badge_types SET supply = supply + 1 WHERE id = $1 AND active = 1 AND "
          "(max_supply = 0 OR supply < max_supply) RETURNING supply",
          dbv_int(rq->badge_id));
    if (!e && r.rows == 0) e = PHEME_DATA_STATE;
  }
  if (!e && rq->mint) {
    int64_t intent = 0;
    e = outbox_enqueue(&x, rq->mint, now, &intent, NULL);
    if (!e) e = Q(&x, NULL, "UPDATE badge_awards SET mint_intent_id = $1 WHERE id = $2",
                  dbv_int(intent), dbv_int(id));
  }
  if (!e) {
    char data[1024];
    snprintf(data, sizeof data,
             "{\"award_id\":%lld,\"badge_id\":%lld,\"slug\":\"%s\",\"rarity\":\"%s\","
             "\"submission_id\":%lld,\"rule\":%s}",
             (long long)id, (long long)t.id, t.slug, t.rarity, (long long)rq->submission_id,
             rq->detail && strlen(rq->detail) < 600 ? rq->detail : "null");
    e = sx_event(&x, "badge.awarded", rq->user_id, 1, "badge_award_rec", id, data, now);
  }
  if (!e) e = sx_audit(&x, who, "badge.award", "badge_award_rec", id, NULL);
  if (!e) {
    e = Q(&x, &r, "SELECT " AWARD_COLS AWARD_FROM "WHERE w.id = $1", dbv_int(id));
    if (!e && r.rows != 1) e = PHEME_SYS_STORAGE;
    if (!e) read_award(&r, 0, out);
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_badge_award_get(store *s, arena *a, int64_t id, uint64_t chain_id,
                                const uint8_t *issuer, badge_award_rec *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " AWARD_COLS AWARD_FROM "WHERE w.id = $1", dbv_int(id));
  sx_end(&x);
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  read_award(&r, 0, out);
  return award_chain(s, a, chain_id, issuer, out);
}

pheme_err store_badge_awards_of(store *s, arena *a, int64_t user_id, uint64_t chain_id,
                                const uint8_t *issuer, const store_page *p, badge_award_rec **out,
                                int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " AWARD_COLS AWARD_FROM "WHERE w.user_id = $1 AND w.id < $2 ORDER BY w.id DESC LIMIT $3",
        dbv_int(user_id), dbv_int(page_before(p)), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows && !e; i++) {
    read_award(&r, i, &(*out)[i]);
    e = award_chain(s, a, chain_id, issuer, &(*out)[i]);
  }
  *n = r.rows;
  return e;
}

pheme_err store_badge_voucher_issued(store *s, int64_t award_id) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  e = Q(&x, NULL,
        "UPDATE badge_awards SET voucher_issued_at = $1 WHERE id = $2 AND voucher_issued_at IS NULL",
        dbv_int(time_now_ms()), dbv_int(award_id));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_badge_revoke(store *s, const store_actor *who, int64_t award_id, const char *reason,
                             const outbox_request *revoke) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q(&x, &r,
        "UPDATE badge_awards SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND revoked_at IS NULL "
        "RETURNING user_id, badge_id",
        dbv_int(now), dbv_text(reason ? reason : ""), dbv_int(award_id));
  if (!e && r.rows == 0) {
    db_result q;
    e = Q(&x, &q, "SELECT id FROM badge_awards WHERE id = $1", dbv_int(award_id));
    if (!e) e = q.rows ? PHEME_DATA_STATE : PHEME_DATA_NOT_FOUND;
  }
  int64_t user_id = e ? 0 : db_int(&r, 0, 0), badge_id = e ? 0 : db_int(&r, 0, 1);
  if (!e) e = Q(&x, NULL, "UPDATE badge_types SET supply = supply - 1 WHERE id = $1 AND supply > 0",
                dbv_int(badge_id));
  if (!e && revoke) {
    int64_t intent = 0;
    e = outbox_enqueue(&x, revoke, now, &intent, NULL);
    if (!e) e = Q(&x, NULL, "UPDATE badge_awards SET revoke_intent_id = $1 WHERE id = $2",
                  dbv_int(intent), dbv_int(award_id));
  }
  if (!e) {
    char data[160];
    snprintf(data, sizeof data, "{\"award_id\":%lld,\"badge_id\":%lld,\"on_chain\":%s}",
             (long long)award_id, (long long)badge_id, revoke ? "true" : "false");
    e = sx_event(&x, "badge.revoked", user_id, 1, "badge_award_rec", award_id, data, now);
  }
  if (!e) e = sx_audit(&x, who, "badge.revoke", "badge_award_rec", award_id, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_badge_revoked_unsent(store *s, arena *a, uint64_t chain_id, const uint8_t *issuer, int limit,
                                     badge_award_rec **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " AWARD_COLS AWARD_FROM "WHERE w.revoked_at IS NOT NULL AND w.revoke_intent_id IS NULL "
        "AND w.voucher_issued_at IS NOT NULL ORDER BY w.id LIMIT $1",
        dbv_int(limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows && !e; i++) {
    read_award(&r, i, &(*out)[i]);
    e = award_chain(s, a, chain_id, issuer, &(*out)[i]);
  }
  *n = r.rows;
  return e;
}

pheme_err store_badge_revoke_intent(store *s, int64_t award_id, const outbox_request *revoke) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t now = time_now_ms(), intent = 0;
  db_result r;
  e = Q(&x, &r, "SELECT user_id, badge_id FROM badge_awards WHERE id = $1 AND revoked_at IS NOT NULL "
                "AND revoke_intent_id IS NULL", dbv_int(award_id));
  if (!e && r.rows == 1) {
    int64_t user_id = db_int(&r, 0, 0), badge_id = db_int(&r, 0, 1);
    e = outbox_enqueue(&x, revoke, now, &intent, NULL);
    if (!e) e = Q(&x, NULL, "UPDATE badge_awards SET revoke_intent_id = $1 WHERE id = $2", dbv_int(intent),
                  dbv_int(award_id));
    char data[160];
    snprintf(data, sizeof data, "{\"award_id\":%lld,\"badge_id\":%lld,\"on_chain\":true,\"late\":true}",
             (long long)award_id, (long long)badge_id);
    if (!e) e = sx_event(&x, "badge.revoked", user_id, 1, "badge_award", award_id, data, now);
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_badge_types_unsent(store *s, arena *a, int limit, badge_type **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " TYPE_COLS " FROM badge_types t WHERE t.chain_intent_id IS NULL ORDER BY t.id LIMIT $1",
        dbv_int(limit));
  sx_end(&x);
  if (e) return e;
  return types_result(a, &r, out, n);
}

pheme_err store_badge_awards_unminted(store *s, arena *a, int limit, badge_award_rec **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " AWARD_COLS AWARD_FROM "WHERE t.issuance = 'mint' AND w.revoked_at IS NULL AND "
        "w.mint_intent_id IS NULL ORDER BY w.id LIMIT $1",
        dbv_int(limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) read_award(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

/* Stores rq and writes its id into table.column of row id when that column is still NULL. */
static pheme_err intent_once(store *s, const char *check_sql, const char *set_sql, int64_t id,
                             const outbox_request *rq) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t intent = 0;
  db_result r;
  e = sx_query(&x, check_sql, SX_ARGS(dbv_int(id)), &r);
  if (!e && r.rows == 1) {
    e = outbox_enqueue(&x, rq, time_now_ms(), &intent, NULL);
    if (!e) e = sx_query(&x, set_sql, SX_ARGS(dbv_int(intent), dbv_int(id)), NULL);
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_badge_type_intent(store *s, int64_t type_id, const outbox_request *rq) {
  return intent_once(s, "SELECT id FROM badge_types WHERE id = $1 AND chain_intent_id IS NULL",
                     "UPDATE badge_types SET chain_intent_id = $1 WHERE id = $2", type_id, rq);
}

pheme_err store_badge_mint_intent(store *s, int64_t award_id, const outbox_request *rq) {
  return intent_once(s, "SELECT id FROM badge_awards WHERE id = $1 AND mint_intent_id IS NULL AND revoked_at IS NULL",
                     "UPDATE badge_awards SET mint_intent_id = $1 WHERE id = $2", award_id, rq);
}

pheme_err store_badge_stats(store *s, arena *a, badge_stats *out) {
  memset(out, 0, sizeof *out);
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q0(&x, &r,
         "SELECT t.rarity, w.revoked_at IS NOT NULL, count(*) FROM badge_awards w JOIN badge_types t "
         "ON t.id = w.badge_id GROUP BY t.rarity, w.revoked_at IS NOT NULL");
  sx_end(&x);
  static const char *const rarities[] = {"COMMON", "RARE", "EPIC", "LEGENDARY"};
  for (int i = 0; !e && i < r.rows; i++)
    for (int k = 0; k < 4; k++)
      if (strcmp(db_text(&r, i, 0), rarities[k]) == 0) {
        if (db_int(&r, i, 1)) out->revoked[k] = db_int(&r, i, 2);
        else out->held[k] = db_int(&r, i, 2);
      }
  return e;
}

/* ---- facts ---- */

/* An approved submission, for the facts, is one with an outcome row (migration 0014): the
 * pipeline writes it exactly when a submission ends approved. "Earlier" orders outcomes by time,
 * then by submission id. */
#define EARLIER_OUTCOME "(p.created_at < o.created_at OR (p.created_at = o.created_at AND p.submission_id < o.submission_id))"

/* The skill of f with id k, added (zeroed but for id and slug) when absent. */
static badge_fact_skill *fact_skill_at(badge_facts *f, int cap, int64_t k, const char *slug) {
  for (int i = 0; i < f->nskills; i++)
    if (f->skills[i].skill_id == k) return &f->skills[i];
  if (f->nskills == cap) return NULL;
  badge_fact_skill *x = &f->skills[f->nskills++];
  x->skill_id = k;
  x->slug = slug;
  return x;
}

/* Every query reads one person's rows through an index (skill_levels' key, badges_outcomes_user,
 * task_skills' key); first-of-kind looks for an earlier outcome of anyone through
 * task_skills_skill and badges_outcomes_task. */
pheme_err store_badge_facts(store *s, arena *a, int64_t user_id, badge_facts *f) {
  memset(f, 0, sizeof *f);
  f->user_id = user_id;
  f->level = "NOVICE";
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  db_result r, lv, ap;
  if (!e) e = Q(&x, &r, "SELECT xp, level FROM user_xp WHERE user_id = $1", dbv_int(user_id));
  if (!e && r.rows) {
    f->total_xp = db_int(&r, 0, 0);
    f->level = db_text(&r, 0, 1);
  }
  if (!e) e = Q(&x, &r, "SELECT count(*) FROM outcomes WHERE user_id = $1", dbv_int(user_id));
  if (!e) f->approved = db_int(&r, 0, 0);
  if (!e)
    e = Q(&x, &lv,
          "SELECT sl.skill_id, s.slug, sl.xp, sl.level FROM skill_levels sl JOIN skills s ON s.id = sl.skill_id "
          "WHERE sl.user_id = $1",
          dbv_int(user_id));
  if (!e)
    e = Q(&x, &ap,
          "SELECT ts.skill_id, s.slug, count(*), sum(CASE WHEN NOT EXISTS (SELECT 1 FROM task_skills tp "
          "JOIN outcomes p ON p.task_id = tp.task_id WHERE tp.skill_id = ts.skill_id AND " EARLIER_OUTCOME
          ") THEN 1 ELSE 0 END) "
          "FROM outcomes o JOIN task_skills ts ON ts.task_id = o.task_id JOIN skills s ON s.id = ts.skill_id "
          "WHERE o.user_id = $1 GROUP BY ts.skill_id, s.slug",
          dbv_int(user_id));
  if (!e) {
    int cap = lv.rows + ap.rows;
    f->skills = arena_zalloc(a, sizeof *f->skills * (size_t)(cap ? cap : 1));
    if (!f->skills) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < lv.rows; i++) {
      badge_fact_skill *k = fact_skill_at(f, cap, db_int(&lv, i, 0), db_text(&lv, i, 1));
      k->xp = db_int(&lv, i, 2);
      k->level = (int)db_int(&lv, i, 3);
    }
    for (int i = 0; !e && i < ap.rows; i++) {
      badge_fact_skill *k = fact_skill_at(f, cap, db_int(&ap, i, 0), db_text(&ap, i, 1));
      k->approved = db_int(&ap, i, 2);
      k->first = db_int(&ap, i, 3) > 0;
    }
  }
  if (!e)
    e = Q(&x, &r,
          "SELECT DISTINCT o.task_id FROM outcomes o WHERE o.user_id = $1 AND NOT EXISTS "
          "(SELECT 1 FROM outcomes p WHERE p.task_id = o.task_id AND " EARLIER_OUTCOME ") ORDER BY o.task_id",
          dbv_int(user_id));
  if (!e) {
    f->first_tasks = arena_zalloc(a, sizeof *f->first_tasks * (size_t)(r.rows ? r.rows : 1));
    if (!f->first_tasks) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) f->first_tasks[i] = db_int(&r, i, 0);
    if (!e) f->nfirst_tasks = r.rows;
  }
  sx_end(&x);
  return e;
}

/* ---- the Skill Wallet on chain ---- */

pheme_err store_chain_wallet_state(store *s, arena *a, uint64_t chain_id, int64_t user_id,
                                   chain_wallet_state *out) {
  memset(out, 0, sizeof *out);
  out->user_id = user_id;
  out->level = "NOVICE";
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  db_result r;
  if (!e) e = Q(&x, &r, "SELECT address FROM users WHERE id = $1", dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) sx_addr(&r, 0, 0, out->address);
  if (!e) e = Q(&x, &r, "SELECT xp, level FROM user_xp WHERE user_id = $1", dbv_int(user_id));
  if (!e && r.rows) {
    out->xp = db_int(&r, 0, 0);
    out->level = db_text(&r, 0, 1);
  }
  if (!e)
    e = Q(&x, &r,
          "SELECT w.mint_intent_id, i.state FROM chain_wallets w LEFT JOIN chain_intents i ON "
          "i.id = w.mint_intent_id WHERE w.chain_id = $1 AND w.user_id = $2",
          dbv_int((int64_t)chain_id), dbv_int(user_id));
  if (!e && r.rows) {
    out->has_wallet_row = 1;
    out->mint_intent_id = db_int(&r, 0, 0);
    out->mint_state = db_cell(&r, 0, 1)->type == DBV_NULL ? NULL : db_text(&r, 0, 1);
  }
  if (!e)
    e = Q(&x, &r,
          "SELECT s.id, s.slug, s.name, sl.xp, sl.level, "
          " (SELECT count(*) FROM chain_skills c WHERE c.chain_id = $1 AND c.skill_id = s.id), "
          " p.xp, p.level FROM skill_levels sl JOIN skills s ON s.id = sl.skill_id "
          "LEFT JOIN chain_progress p ON p.chain_id = $1 AND p.user_id = sl.user_id AND p.skill_id = s.id "
          "WHERE sl.user_id = $2 AND sl.xp > 0 ORDER BY s.id",
          dbv_int((int64_t)chain_id), dbv_int(user_id));
  if (!e) {
    out->skills = arena_zalloc(a, sizeof *out->skills * (size_t)(r.rows ? r.rows : 1));
    if (!out->skills) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) {
      chain_skill_state *k = &out->skills[i];
      k->skill_id = db_int(&r, i, 0);
      k->slug = db_text(&r, i, 1);
      k->name = db_text(&r, i, 2);
      k->xp = db_int(&r, i, 3);
      k->level = (int)db_int(&r, i, 4);
      k->defined = db_int(&r, i, 5) > 0;
      k->sent = db_cell(&r, i, 6)->type != DBV_NULL;
      k->sent_xp = db_int(&r, i, 6);
      k->sent_level = (int)db_int(&r, i, 7);
    }
    if (!e) out->nskills = r.rows;
  }
  sx_end(&x);
  if (e) return e;
  /* the wallet the indexer saw minted to the address, if any */
  chain_entity *w = NULL;
  int nw = 0;
  e = store_chain_entities(s, a, chain_id, "skill_wallet", out->address, NULL, 0, 1, &w, &nw);
  if (!e && nw) out->token_id = w[0].key;
  return e;
}

pheme_err store_chain_wallet_step(store *s, const chain_wallet_step *st) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t now = time_now_ms(), intent = 0;
  if (st->mint || st->wallet_found) {
    if (st->mint) e = outbox_enqueue(&x, st->mint, now, &intent, NULL);
    if (!e)
      e = Q(&x, NULL,
            "INSERT INTO chain_wallets (chain_id, user_id, address, mint_intent_id, created_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chain_id, user_id) DO NOTHING",
            dbv_int((int64_t)st->chain_id), dbv_int(st->user_id), dbv_blob(st->address, 20),
            st->mint ? dbv_int(intent) : dbv_null(), dbv_int(now));
  }
  for (int i = 0; !e && i < st->ndefine; i++) {
    e = outbox_enqueue(&x, &st->define[i], now, &intent, NULL);
    if (!e)
      e = Q(&x, NULL,
            "INSERT INTO chain_skills (chain_id, skill_id, intent_id) VALUES ($1, $2, $3) "
            "ON CONFLICT (chain_id, skill_id) DO NOTHING",
            dbv_int((int64_t)st->chain_id), dbv_int(st->define_ids[i]), dbv_int(intent));
  }
  if (!e && st->progress) {
    int created = 0;
    e = outbox_enqueue(&x, st->progress, now, &intent, &created);
    for (int i = 0; !e && i < st->nprogress; i++) {
      const chain_skill_state *k = &st->progress_skills[i];
      e = Q(&x, NULL,
            "INSERT INTO chain_progress (chain_id, user_id, skill_id, xp, level, intent_id, at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (chain_id, user_id, skill_id) DO UPDATE "
            "SET xp = excluded.xp, level = excluded.level, intent_id = excluded.intent_id, at = excluded.at",
            dbv_int((int64_t)st->chain_id), dbv_int(st->user_id), dbv_int(k->skill_id),
            dbv_int(k->xp), dbv_int(k->level), dbv_int(intent), dbv_int(now));
    }
    if (!e && created) {
      char data[200];
      snprintf(data, sizeof data, "{\"chain_id\":%llu,\"intent_id\":%lld,\"skills\":%d}",
               (unsigned long long)st->chain_id, (long long)intent, st->nprogress);
      e = sx_event(&x, "wallet.progress", st->user_id, 0, "chain_intent", intent, data, now);
    }
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}
