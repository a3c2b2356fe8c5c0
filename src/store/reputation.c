/* Reputation storage (store/reputation.h, migration 0020). Reads gather the formula's inputs in a
 * few set queries (one person or everybody, the same SQL), merged in C by user id; writes keep a
 * score, its history row and its event in one transaction. */
#include "store/reputation.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/internal.h"
#include "store/jobs.h"
#include "core/banned.h"

static unsigned domain_bit(const char *d) {
  if (!d) return 0;
  if (strcmp(d, "technical") == 0) return STORE_DOMAIN_TECHNICAL;
  if (strcmp(d, "creative") == 0) return STORE_DOMAIN_CREATIVE;
  if (strcmp(d, "business") == 0) return STORE_DOMAIN_BUSINESS;
  return 0;
}

/* a > b for decimal integer strings without leading zeros */
static int dec_greater(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la != lb) return la > lb;
  return strcmp(a, b) > 0;
}

static store_rep_person *find_person(store_rep_inputs *in, int64_t id) {
  int lo = 0, hi = in->npeople - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (in->people[mid].user_id == id) return &in->people[mid];
    if (in->people[mid].user_id < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return NULL;
}

#define ALLOC(a, p, n)                                                  \
  do {                                                                  \
    (p) = arena_zalloc((a), sizeof *(p) * (size_t)((n) ? (n) : 1));     \
    if (!(p)) return PHEME_SYS_NOMEM;                                   \
  } while (0)

static pheme_err load_in(sx *x, arena *a, int64_t uid, store_rep_inputs *out) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT u.id, u.address, u.roles, coalesce(v.status, ''), coalesce(v.accuracy_ppm, 0), "
                  "coalesce(CAST(v.stake AS TEXT), '0'), coalesce(t.trust_ppb, 0), coalesce(r.score, -1), "
                  "coalesce(s.current, 0) "
                  "FROM users u LEFT JOIN validators v ON v.user_id = u.id LEFT JOIN streaks s ON s.user_id = u.id "
                  "LEFT JOIN reputation_trust t ON t.user_id = u.id LEFT JOIN reputation r ON r.user_id = u.id "
                  "WHERE u.id = $1 OR $1 = 0 ORDER BY u.id",
                  dbv_int(uid));
  if (e) return e;
  out->npeople = r.rows;
  ALLOC(a, out->people, r.rows);
  for (int i = 0; i < r.rows; i++) {
    store_rep_person *p = &out->people[i];
    p->user_id = db_int(&r, i, 0);
    sx_addr(&r, i, 1, p->address);
    p->roles = (unsigned)db_int(&r, i, 2);
    p->validator_active = strcmp(db_text(&r, i, 3), "active") == 0;
    p->accuracy_ppm = db_int(&r, i, 4);
    p->validator_stake = db_text(&r, i, 5);
    p->chain_stake = "0";
    p->trust_ppb = db_int(&r, i, 6);
    p->score = db_int(&r, i, 7);
    p->streak_days = db_int(&r, i, 8);
  }
  /* unrevoked badge awards */
  e = Q(x, &r,
        "SELECT user_id, count(*) FROM badge_awards WHERE revoked_at IS NULL AND (user_id = $1 OR $1 = 0) "
        "GROUP BY user_id",
        dbv_int(uid));
  if (e) return e;
  for (int i = 0; i < r.rows; i++) {
    store_rep_person *p = find_person(out, db_int(&r, i, 0));
    if (p) p->badges = db_int(&r, i, 1);
  }
  /* indexed chain activity of the person's wallets */
  e = Q(x, &r,
        "SELECT w.user_id, ce.kind, coalesce(ce.amount, '0') FROM chain_entities ce "
        "JOIN wallets w ON w.address = ce.owner "
        "WHERE ce.kind IN ('stake', 'badge_balance', 'vote') AND (w.user_id = $1 OR $1 = 0) "
        "ORDER BY w.user_id, ce.kind, ce.key",
        dbv_int(uid));
  if (e) return e;
  int64_t chain_badges = 0, cur = 0;
  for (int i = 0; i < r.rows; i++) {
    int64_t id = db_int(&r, i, 0);
    store_rep_person *p = find_person(out, id);
    if (!p) continue;
    if (id != cur) cur = id, chain_badges = 0;
    const char *kind = db_text(&r, i, 1), *amount = db_text(&r, i, 2);
    if (strcmp(kind, "stake") == 0) {
      if (dec_greater(amount, p->chain_stake)) p->chain_stake = amount;
    } else if (strcmp(kind, "badge_balance") == 0) {
      if (++chain_badges > p->badges) p->badges = chain_badges;
    } else {
      p->votes++;
    }
  }
  /* validated outcomes with the domains of their task's skills */
  e = Q(x, &r,
        "SELECT o.user_id, o.submission_id, o.final_score, o.created_at, sk.domain FROM outcomes o "
        "LEFT JOIN task_skills ts ON ts.task_id = o.task_id LEFT JOIN skills sk ON sk.id = ts.skill_id "
        "WHERE o.user_id = $1 OR $1 = 0 ORDER BY o.user_id, o.submission_id",
        dbv_int(uid));
  if (e) return e;
  ALLOC(a, out->outcomes, r.rows);
  out->noutcomes = 0;
  for (int i = 0; i < r.rows; i++) {
    int64_t sub = db_int(&r, i, 1);
    store_rep_outcome *o = out->noutcomes ? &out->outcomes[out->noutcomes - 1] : NULL;
    if (!o || o->submission_id != sub) {
      o = &out->outcomes[out->noutcomes++];
      o->user_id = db_int(&r, i, 0);
      o->submission_id = sub;
      o->score = (int)db_int(&r, i, 2);
      o->at = db_int(&r, i, 3);
    }
    o->domains |= domain_bit(db_text(&r, i, 4));
  }
  /* active weeks: validated work and XP ledger rows */
  e = Q(x, &r,
        "SELECT user_id, created_at / 604800000 FROM outcomes WHERE user_id = $1 OR $1 = 0 "
        "UNION SELECT user_id, at / 604800000 FROM xp_ledger WHERE user_id = $1 OR $1 = 0 ORDER BY 1, 2",
        dbv_int(uid));
  if (e) return e;
  out->nweeks = r.rows;
  ALLOC(a, out->weeks, r.rows);
  for (int i = 0; i < r.rows; i++) out->weeks[i] = (store_rep_week){db_int(&r, i, 0), db_int(&r, i, 1)};
  /* endorsements received, with the endorser's trust */
  e = Q(x, &r,
        "SELECT e.id, e.from_user, e.to_user, u.address, sk.slug, sk.domain, coalesce(t.trust_ppb, 0), "
        "e.weight, e.created_at, e.source FROM endorsements e JOIN users u ON u.id = e.from_user "
        "JOIN skills sk ON sk.id = e.skill_id LEFT JOIN reputation_trust t ON t.user_id = e.from_user "
        "WHERE e.to_user = $1 OR $1 = 0 ORDER BY e.to_user, e.id",
        dbv_int(uid));
  if (e) return e;
  out->nendorsements = r.rows;
  ALLOC(a, out->endorsements, r.rows);
  for (int i = 0; i < r.rows; i++) {
    store_rep_endorsement *en = &out->endorsements[i];
    en->id = db_int(&r, i, 0);
    en->from_user = db_int(&r, i, 1);
    en->to_user = db_int(&r, i, 2);
    sx_addr(&r, i, 3, en->from_address);
    en->skill = db_text(&r, i, 4);
    en->domain = domain_bit(db_text(&r, i, 5));
    en->from_trust_ppb = db_int(&r, i, 6);
    en->weight = db_int(&r, i, 7);
    en->created_at = db_int(&r, i, 8);
    en->source = db_text(&r, i, 9);
  }
  return PHEME_OK;
}

pheme_err store_rep_inputs_load(store *s, arena *a, int64_t user_id, store_rep_inputs *out) {
  memset(out, 0, sizeof *out);
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  if (!e) e = load_in(&x, a, user_id, out);
  sx_end(&x);
  return e;
}

pheme_err store_rep_graph_load(store *s, arena *a, unsigned admin_role, store_rep_edge **edges,
                               int64_t *nedges, int64_t **seeds, int64_t *nseeds, int64_t **user_ids,
                               int64_t *npeople) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = sx_snapshot(&x);
  if (!e) e = Q0(&x, &r, "SELECT id FROM users ORDER BY id");
  if (!e) {
    *npeople = r.rows;
    *user_ids = arena_alloc(a, sizeof **user_ids * (size_t)(r.rows ? r.rows : 1));
    if (!*user_ids) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) (*user_ids)[i] = db_int(&r, i, 0);
  }
  if (!e)
    e = Q0(&x, &r,
           "SELECT from_user, to_user, count(*) FROM endorsements GROUP BY from_user, to_user "
           "ORDER BY from_user, to_user");
  if (!e) {
    *nedges = r.rows;
    *edges = arena_alloc(a, sizeof **edges * (size_t)(r.rows ? r.rows : 1));
    if (!*edges) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++)
      (*edges)[i] = (store_rep_edge){db_int(&r, i, 0), db_int(&r, i, 1), db_int(&r, i, 2)};
  }
  if (!e)
    e = Q(&x, &r,
          "SELECT user_id FROM validators WHERE status = 'active' AND CAST(stake AS TEXT) <> '0' "
          "UNION SELECT id FROM users WHERE (roles & $1) <> 0 ORDER BY 1",
          dbv_int(admin_role));
  if (!e) {
    *nseeds = r.rows;
    *seeds = arena_alloc(a, sizeof **seeds * (size_t)(r.rows ? r.rows : 1));
    if (!*seeds) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) (*seeds)[i] = db_int(&r, i, 0);
  }
  sx_end(&x);
  return e;
}

pheme_err store_rep_trust_save(store *s, const char *fence, const int64_t *user_ids, const int64_t *trust_ppb,
                               int64_t n, int64_t now) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  if (fence) e = sx_lease_fence(&x, STORE_REP_RECOMPUTE_LEASE, fence);
  if (!e) e = Q0(&x, NULL, "DELETE FROM reputation_trust");
  for (int64_t i = 0; !e && i < n; i++) {
    if (trust_ppb[i] <= 0) continue;
    e = Q(&x, NULL, "INSERT INTO reputation_trust (user_id, trust_ppb, computed_at) VALUES ($1, $2, $3)",
          dbv_int(user_ids[i]), dbv_int(trust_ppb[i]), dbv_int(now));
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_rep_scores_save(store *s, const store_actor *who, const char *fence, const store_rep_score *scores,
                                int n, int *changed) {
  (void)who;
  if (changed) *changed = 0;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  if (fence) e = sx_lease_fence(&x, STORE_REP_RECOMPUTE_LEASE, fence);
  int64_t now = time_now_ms();
  int nchanged = 0;
  for (int i = 0; !e && i < n; i++) {
    const store_rep_score *sc = &scores[i];
    db_result r;
    e = Q(&x, &r, "SELECT score, inputs_digest, formula_version FROM reputation WHERE user_id = $1",
          dbv_int(sc->user_id));
    if (e) break;
    int64_t prev = -1;
    int same = 0;
    if (r.rows) {
      size_t dn;
      const uint8_t *d = db_blob(&r, 0, 1, &dn);
      prev = db_int(&r, 0, 0);
      same = prev == sc->score && dn == 32 && memcmp(d, sc->inputs_digest, 32) == 0 &&
             strcmp(db_text(&r, 0, 2), sc->formula_version) == 0;
    }
    e = Q(&x, NULL,
          "INSERT INTO reputation (user_id, score, technical, creative, business, formula_version, "
          "inputs_digest, receipt, as_of, computed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
          "ON CONFLICT (user_id) DO UPDATE SET score = excluded.score, technical = excluded.technical, "
          "creative = excluded.creative, business = excluded.business, formula_version = "
          "excluded.formula_version, inputs_digest = excluded.inputs_digest, receipt = excluded.receipt, "
          "as_of = excluded.as_of, computed_at = excluded.computed_at",
          dbv_int(sc->user_id), dbv_int(sc->score), dbv_int(sc->domain[0]), dbv_int(sc->domain[1]),
          dbv_int(sc->domain[2]), dbv_text(sc->formula_version), dbv_blob(sc->inputs_digest, 32),
          dbv_text(sc->receipt), dbv_int(sc->as_of), dbv_int(now));
    if (e || same) continue;
    nchanged++;
    e = Q(&x, NULL,
          "INSERT INTO reputation_history (user_id, score, previous, formula_version, inputs_digest, "
          "receipt, as_of, computed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          dbv_int(sc->user_id), dbv_int(sc->score), prev >= 0 ? dbv_int(prev) : dbv_null(),
          dbv_text(sc->formula_version), dbv_blob(sc->inputs_digest, 32), dbv_text(sc->receipt),
          dbv_int(sc->as_of), dbv_int(now));
    if (e) break;
    char data[200];
    snprintf(data, sizeof data, "{\"score\":%lld,\"previous\":%s%lld,\"formula\":\"%s\"}",
             (long long)sc->score, "", (long long)prev, sc->formula_version);
    e = sx_event(&x, "reputation.changed", sc->user_id, 1, "user", sc->user_id, data, now);
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (!e && changed) *changed = nchanged;
  return e;
}

#define SCORE_COLS "user_id, score, technical, creative, business, formula_version, inputs_digest, receipt, as_of, computed_at"

static void read_score(const db_result *r, int i, store_rep_score *o) {
  memset(o, 0, sizeof *o);
  o->user_id = db_int(r, i, 0);
  o->score = db_int(r, i, 1);
  o->domain[0] = db_int(r, i, 2);
  o->domain[1] = db_int(r, i, 3);
  o->domain[2] = db_int(r, i, 4);
  o->formula_version = db_text(r, i, 5);
  size_t n;
  const uint8_t *d = db_blob(r, i, 6, &n);
  if (d && n == 32) memcpy(o->inputs_digest, d, 32);
  o->receipt = db_text(r, i, 7);
  o->as_of = db_int(r, i, 8);
  o->computed_at = db_int(r, i, 9);
  o->previous = -1;
}

pheme_err store_rep_score_get(store *s, arena *a, int64_t user_id, store_rep_score *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " SCORE_COLS " FROM reputation WHERE user_id = $1", dbv_int(user_id));
  sx_end(&x);
  if (e) return e;
  if (!r.rows) return PHEME_DATA_NOT_FOUND;
  read_score(&r, 0, out);
  return PHEME_OK;
}

pheme_err store_rep_history(store *s, arena *a, int64_t user_id, const store_page *p, store_rep_score **out,
                            int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT user_id, score, 0, 0, 0, formula_version, inputs_digest, receipt, as_of, computed_at, "
        "coalesce(previous, -1), id FROM reputation_history WHERE user_id = $1 AND id < $2 "
        "ORDER BY id DESC LIMIT $3",
        dbv_int(user_id), dbv_int(page_before(p)), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  ALLOC(a, *out, r.rows);
  for (int i = 0; i < r.rows; i++) {
    read_score(&r, i, &(*out)[i]);
    (*out)[i].previous = db_int(&r, i, 10);
    (*out)[i].history_id = db_int(&r, i, 11);
  }
  *n = r.rows;
  return PHEME_OK;
}

/* SQLite: IN lists of LOOKUP_CHUNK placeholders. PostgreSQL (whose driver binds at most 32
 * parameters): one text parameter of comma-separated hex, decoded in SQL, per LOOKUP_PG_CHUNK. */
#define LOOKUP_CHUNK 250
#define LOOKUP_PG_CHUNK 10000

static void lookup_rows(const db_result *r, const uint8_t (*addresses)[20], int base, int k, store_rep_lookup *out) {
  for (int j = 0; j < r->rows; j++) {
    size_t an;
    const uint8_t *ad = db_blob(r, j, 0, &an);
    if (!ad || an != 20) continue;
    for (int i = base; i < base + k; i++) {
      if (memcmp(addresses[i], ad, 20) != 0) continue;
      out[i] = (store_rep_lookup){1, db_int(r, j, 1), {db_int(r, j, 2), db_int(r, j, 3), db_int(r, j, 4)},
                                  db_int(r, j, 5)};
    }
  }
}

#define LOOKUP_SELECT \
  "SELECT w.address, r.score, r.technical, r.creative, r.business, r.as_of FROM wallets w JOIN reputation r ON r.user_id = w.user_id WHERE w.address IN "

/* Rows come back in any order; sorting the asked addresses would allow a merge, but for each
 * chunk a binary search over the answer is enough: answer rows ≤ chunk. */
static void lookup_sorted(const db_result *r, const uint8_t (*addresses)[20], int base, int k, store_rep_lookup *out,
                          arena *a) {
  if (k <= 64) {
    lookup_rows(r, addresses, base, k, out);
    return;
  }
  /* index the answer by address */
  int n = r->rows;
  int *ord = arena_alloc(a, sizeof *ord * (size_t)(n ? n : 1));
  if (!ord) {
    lookup_rows(r, addresses, base, k, out);
    return;
  }
  for (int i = 0; i < n; i++) ord[i] = i;
  /* insertion sort would be quadratic: shell sort by address */
  for (int gap = n / 2; gap > 0; gap /= 2)
    for (int i = gap; i < n; i++) {
      int v = ord[i], j = i;
      size_t l1, l2;
      while (j >= gap && memcmp(db_blob(r, ord[j - gap], 0, &l1), db_blob(r, v, 0, &l2), 20) > 0) {
        ord[j] = ord[j - gap];
        j -= gap;
      }
      ord[j] = v;
    }
  for (int i = base; i < base + k; i++) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
      int mid = (lo + hi) / 2;
      size_t l;
      int c = memcmp(db_blob(r, ord[mid], 0, &l), addresses[i], 20);
      if (c == 0) {
        int j = ord[mid];
        out[i] = (store_rep_lookup){1, db_int(r, j, 1), {db_int(r, j, 2), db_int(r, j, 3), db_int(r, j, 4)},
                                    db_int(r, j, 5)};
        break;
      }
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
  }
}

pheme_err store_rep_lookup_many(store *s, arena *a, const uint8_t (*addresses)[20], int n,
                                store_rep_lookup *out) {
  memset(out, 0, sizeof *out * (size_t)(n > 0 ? n : 0));
  if (n <= 0) return PHEME_OK;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  if (!e && sx_is_pg(&x)) {
    for (int base = 0; !e && base < n; base += LOOKUP_PG_CHUNK) {
      int k = n - base < LOOKUP_PG_CHUNK ? n - base : LOOKUP_PG_CHUNK;
      char *list = arena_alloc(a, (size_t)k * 41 + 1);
      if (!list) {
        e = PHEME_SYS_NOMEM;
        break;
      }
      for (int i = 0; i < k; i++) {
        bytes_to_hex(list + 41 * i, addresses[base + i], 20);
        list[41 * i + 40] = i + 1 < k ? ',' : 0;
      }
      db_result r;
      e = Q(&x, &r, LOOKUP_SELECT "(SELECT decode(h, 'hex') FROM unnest(string_to_array($1, ',')) AS h)",
            dbv_text(list));
      if (!e) lookup_sorted(&r, addresses, base, k, out, a);
    }
  } else {
    char sql[LOOKUP_CHUNK * 6 + 300];
    dbv args[LOOKUP_CHUNK];
    for (int base = 0; !e && base < n; base += LOOKUP_CHUNK) {
      int k = n - base < LOOKUP_CHUNK ? n - base : LOOKUP_CHUNK;
      size_t len = (size_t)snprintf(sql, sizeof sql, LOOKUP_SELECT "(");
      for (int i = 0; i < k; i++) {
        len += (size_t)snprintf(sql + len, sizeof sql - len, "%s$%d", i ? "," : "", i + 1);
        args[i] = dbv_blob(addresses[base + i], 20);
      }
      snprintf(sql + len, sizeof sql - len, ")");
      db_result r;
      e = sx_query(&x, sql, args, k, &r);
      if (!e) lookup_sorted(&r, addresses, base, k, out, a);
    }
  }
  sx_end(&x);
  return e;
}

pheme_err store_rep_wallet_scores(store *s, arena *a, const event_cursor *after, store_rep_wallet_score **out,
                                  int64_t *n, event_cursor *head) {
  *out = NULL, *n = 0;
  /* The head first, in its own read: a rescore committed after it is after it in commit order,
   * so the next look finds it; the scores read below are at least as new as the head. */
  pheme_err e = store_events_head(s, head);
  if (e || (after && head->txid == after->txid && head->id == after->id)) return e;
  sx x;
  e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  if (!after)
    e = Q0(&x, &r,
           "SELECT w.address, r.user_id, r.score, r.technical, r.creative, r.business FROM wallets w "
           "JOIN reputation r ON r.user_id = w.user_id");
  else if (sx_is_pg(&x)) /* the events after the cursor through events_order (txid, id) */
    e = Q(&x, &r,
          "SELECT w.address, r.user_id, r.score, r.technical, r.creative, r.business FROM wallets w "
          "JOIN reputation r ON r.user_id = w.user_id "
          "WHERE r.user_id IN (SELECT user_id FROM events WHERE kind = 'reputation.changed' "
          "AND (txid, id) > ($1, $2))",
          dbv_int(after->txid), dbv_int(after->id));
  else /* txid is always 0 and events has no index on it (migration 0023): by id alone, a range
        * of the primary key; the OR of the form above scanned the whole outbox */
    e = Q(&x, &r,
          "SELECT w.address, r.user_id, r.score, r.technical, r.creative, r.business FROM wallets w "
          "JOIN reputation r ON r.user_id = w.user_id "
          "WHERE r.user_id IN (SELECT user_id FROM events WHERE kind = 'reputation.changed' AND id > $1)",
          dbv_int(after->id));
  sx_end(&x);
  if (e || r.rows == 0) return e;
  ALLOC(a, *out, r.rows);
  for (int i = 0; i < r.rows; i++) {
    store_rep_wallet_score *w = &(*out)[i];
    sx_addr(&r, i, 0, w->address);
    w->user_id = db_int(&r, i, 1), w->score = db_int(&r, i, 2);
    for (int d = 0; d < 3; d++) w->domain[d] = db_int(&r, i, 3 + d);
  }
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_endorsement_create(store *s, arena *a, const store_actor *who, int64_t from_user,
                                   int64_t to_user, const char *skill_slug, int64_t weight, const char *source,
                                   const char *job_kind, store_rep_endorsement *out) {
  if (from_user == to_user) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q(&x, &r, "SELECT id, domain FROM skills WHERE slug = $1", dbv_text(skill_slug));
  if (!e && !r.rows) e = PHEME_DATA_NOT_FOUND;
  int64_t skill_id = e ? 0 : db_int(&r, 0, 0);
  unsigned domain = e ? 0 : domain_bit(db_text(&r, 0, 1));
  int64_t id = 0;
  if (!e)
    e = QID(&x, &id,
            "INSERT INTO endorsements (from_user, to_user, skill_id, weight, source, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            dbv_int(from_user), dbv_int(to_user), dbv_int(skill_id), dbv_int(weight), dbv_text(source),
            dbv_int(now));
  char data[256];
  snprintf(data, sizeof data, "{\"endorsement_id\":%lld,\"from_user\":%lld,\"skill\":\"%.64s\"}", (long long)id,
           (long long)from_user, skill_slug);
  if (!e) e = sx_event(&x, "endorsement.created", to_user, 1, "endorsement", id, data, now);
  if (!e) e = sx_audit(&x, who, "endorsement.create", "endorsement", id, NULL);
  if (!e && job_kind) {
    job_request rq = {.kind = job_kind, .payload = "{}", .coalesce = 1}; /* one recompute for a burst */
    int64_t jid;
    int created;
    e = jobs_enqueue_in(&x, &rq, now, &jid, &created);
  }
  if (!e && out) {
    e = Q(&x, &r, "SELECT address FROM users WHERE id = $1", dbv_int(from_user));
    if (!e) {
      memset(out, 0, sizeof *out);
      out->id = id, out->from_user = from_user, out->to_user = to_user;
      if (r.rows) sx_addr(&r, 0, 0, out->from_address);
      out->skill = arena_strdup(a ? a : &x.scratch, skill_slug);
      out->domain = domain, out->weight = weight, out->created_at = now;
      out->source = source;
    }
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_rep_user_ids(store *s, arena *a, int64_t **ids, int64_t *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q0(&x, &r, "SELECT id FROM users ORDER BY id");
  sx_end(&x);
  if (e) return e;
  ALLOC(a, *ids, r.rows);
  for (int i = 0; i < r.rows; i++) (*ids)[i] = db_int(&r, i, 0);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_rep_leaves_current(store *s, arena *a, store_rep_leaf **out, int64_t *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q0(&x, &r, "SELECT u.address, r.score FROM reputation r JOIN users u ON u.id = r.user_id ORDER BY u.address");
  sx_end(&x);
  if (e) return e;
  ALLOC(a, *out, r.rows);
  for (int i = 0; i < r.rows; i++) {
    sx_addr(&r, i, 0, (*out)[i].address);
    (*out)[i].score = (int)((db_int(&r, i, 1) + 500000) / 1000000);
  }
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_rep_epoch_create(store *s, const store_actor *who, const store_rep_epoch *ep,
                                 const store_rep_leaf *leaves, int64_t n) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  e = Q(&x, NULL,
        "INSERT INTO reputation_epochs (round, root, leaves, status, created_at, updated_at) "
        "VALUES ($1, $2, $3, 'built', $4, $4)",
        dbv_int(ep->round), dbv_blob(ep->root, 32), dbv_int(n), dbv_int(now));
  for (int64_t i = 0; !e && i < n; i++) {
    e = Q(&x, NULL, "INSERT INTO reputation_epoch_leaves (round, address, score) VALUES ($1, $2, $3)",
          dbv_int(ep->round), dbv_blob(leaves[i].address, 20), dbv_int(leaves[i].score));
    if ((i & 1023) == 1023) arena_clear(&x.scratch);
  }
  char data[160], hex[65];
  bytes_to_hex(hex, ep->root, 32);
  snprintf(data, sizeof data, "{\"round\":%lld,\"root\":\"0x%s\",\"leaves\":%lld}", (long long)ep->round, hex,
           (long long)n);
  if (!e) e = sx_event(&x, "reputation.epoch", 0, 1, "epoch", ep->round, data, now);
  if (!e) e = sx_audit(&x, who, "reputation.epoch", "epoch", ep->round, data);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_rep_epoch_get(store *s, arena *a, int64_t round, store_rep_epoch *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT round, root, leaves, status, created_at FROM reputation_epochs "
        "WHERE round = $1 OR ($1 = 0 AND round = (SELECT max(round) FROM reputation_epochs))",
        dbv_int(round));
  sx_end(&x);
  if (e) return e;
  if (!r.rows) return PHEME_DATA_NOT_FOUND;
  out->round = db_int(&r, 0, 0);
  size_t n;
  const uint8_t *root = db_blob(&r, 0, 1, &n);
  memset(out->root, 0, 32);
  if (root && n == 32) memcpy(out->root, root, 32);
  out->leaves = db_int(&r, 0, 2);
  out->status = db_text(&r, 0, 3);
  out->created_at = db_int(&r, 0, 4);
  return PHEME_OK;
}

pheme_err store_rep_epoch_leaves(store *s, arena *a, int64_t round, store_rep_leaf **out, int64_t *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT address, score FROM reputation_epoch_leaves WHERE round = $1 ORDER BY address",
        dbv_int(round));
  sx_end(&x);
  if (e) return e;
  ALLOC(a, *out, r.rows);
  for (int i = 0; i < r.rows; i++) {
    sx_addr(&r, i, 0, (*out)[i].address);
    (*out)[i].score = (int)db_int(&r, i, 1);
  }
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_rep_signature_add(store *s, int64_t round, const uint8_t signer[20], const uint8_t sig[65]) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  e = Q(&x, NULL, "DELETE FROM reputation_round_signatures WHERE round = $1 AND signer = $2", dbv_int(round),
        dbv_blob(signer, 20));
  if (!e)
    e = Q(&x, NULL,
          "INSERT INTO reputation_round_signatures (round, signer, signature, created_at) VALUES ($1, $2, $3, $4)",
          dbv_int(round), dbv_blob(signer, 20), dbv_blob(sig, 65), dbv_int(now));
  if (!e)
    e = Q(&x, NULL, "UPDATE reputation_epochs SET status = 'signed', updated_at = $1 WHERE round = $2 AND status = 'built'",
          dbv_int(now), dbv_int(round));
  char data[120], hex[43];
  address_format_hex(hex, signer);
  snprintf(data, sizeof data, "{\"round\":%lld,\"signer\":\"%s\"}", (long long)round, hex);
  if (!e) e = sx_event(&x, "reputation.round_signed", 0, 1, "epoch", round, data, now);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_rep_signatures(store *s, arena *a, int64_t round, uint8_t (**sigs)[65], int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT signature FROM reputation_round_signatures WHERE round = $1 ORDER BY signer", dbv_int(round));
  sx_end(&x);
  if (e) return e;
  ALLOC(a, *sigs, r.rows);
  int k = 0;
  for (int i = 0; i < r.rows; i++) {
    size_t len;
    const uint8_t *p = db_blob(&r, i, 0, &len);
    if (p && len == 65) memcpy((*sigs)[k++], p, 65);
  }
  *n = k;
  return PHEME_OK;
}

pheme_err store_rep_epoch_mark(store *s, int64_t round, const char *status, int64_t intent_id) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q(&x, &r, "UPDATE reputation_epochs SET status = $1, intent_id = $2, updated_at = $3 WHERE round = $4 RETURNING round",
        dbv_text(status), intent_id ? dbv_int(intent_id) : dbv_null(), dbv_int(now), dbv_int(round));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

/* ---- SkillWallet endorsements ---- */

/* The mirror runs at every recompute over every Skill Wallet and endorsement on chain, so its
 * lookups are sorted arrays and binary searches (n log n), never a scan per endorsement. */
typedef struct {
  int64_t from, to, skill, id;
} mirror_key;

typedef struct {
  int64_t chain;
  const char *key;
  int64_t value; /* a Skill Wallet's holder, or an on-chain skill's PHEME skill id (-1: none) */
} chain_ref;

static int chain_ref_cmp(const void *a, const void *b) {
  const chain_ref *x = a, *y = b;
  if (x->chain != y->chain) return x->chain < y->chain ? -1 : 1;
  return strcmp(x->key, y->key);
}

static int mirror_key_cmp(const void *a, const void *b) {
  const mirror_key *x = a, *y = b;
  if (x->from != y->from) return x->from < y->from ? -1 : 1;
  if (x->to != y->to) return x->to < y->to ? -1 : 1;
  return x->skill < y->skill ? -1 : x->skill > y->skill;
}

static int64_t chain_ref_find(const chain_ref *refs, int n, int64_t chain, const char *key) {
  chain_ref k = {chain, key, 0};
  const chain_ref *hit = n ? bsearch(&k, refs, (size_t)n, sizeof *refs, chain_ref_cmp) : NULL;
  return hit ? hit->value : -1;
}

static const mirror_key *mirror_find(const mirror_key *keys, int n, int64_t from, int64_t to, int64_t skill_id) {
  mirror_key k = {from, to, skill_id, 0};
  return n ? bsearch(&k, keys, (size_t)n, sizeof *keys, mirror_key_cmp) : NULL;
}

pheme_err store_rep_chain_endorsements_sync(store *s, int *added, int *removed) {
  if (added) *added = 0;
  if (removed) *removed = 0;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  arena *a = x.a ? x.a : &x.scratch;
  int64_t now = time_now_ms();
  db_result en, wl, sdef, skills, have;
  /* endorsements: key "to/from/skill"; Skill Wallets: key token id → the holder's person;
   * on-chain skill definitions ({"name": …}) matched to PHEME's skills by slug or name */
  e = Q0(&x, &en, "SELECT chain_id, key FROM chain_entities WHERE kind = 'endorsement' ORDER BY chain_id, key");
  if (!e)
    e = Q0(&x, &wl,
           "SELECT ce.chain_id, ce.key, w.user_id FROM chain_entities ce JOIN wallets w ON w.address = ce.owner "
           "WHERE ce.kind = 'skill_wallet'");
  if (!e) e = Q0(&x, &sdef, "SELECT chain_id, key, data FROM chain_entities WHERE kind = 'skill'");
  if (!e) e = Q0(&x, &skills, "SELECT id, slug, name FROM skills");
  if (!e) e = Q0(&x, &have, "SELECT id, from_user, to_user, skill_id FROM endorsements WHERE source = 'chain'");
  chain_ref *wallets = NULL, *defs = NULL;
  mirror_key *want = NULL, *had = NULL;
  if (!e) {
    wallets = arena_alloc(a, sizeof *wallets * (size_t)(wl.rows + 1));
    defs = arena_alloc(a, sizeof *defs * (size_t)(sdef.rows + 1));
    want = arena_alloc(a, sizeof *want * (size_t)(en.rows + 1));
    had = arena_alloc(a, sizeof *had * (size_t)(have.rows + 1));
    if (!wallets || !defs || !want || !had) e = PHEME_SYS_NOMEM;
  }
  if (!e) {
    for (int i = 0; i < wl.rows; i++)
      wallets[i] = (chain_ref){db_int(&wl, i, 0), db_text(&wl, i, 1), db_int(&wl, i, 2)};
    qsort(wallets, (size_t)wl.rows, sizeof *wallets, chain_ref_cmp);
    for (int i = 0; i < sdef.rows; i++) {
      int64_t sid = -1;
      json_t *d = json_loads(db_text(&sdef, i, 2), 0, NULL);
      const char *name = json_string_value(json_object_get(d, "name"));
      for (int q = 0; name && q < skills.rows && sid < 0; q++)
        if (strcmp(db_text(&skills, q, 1), name) == 0 || strcmp(db_text(&skills, q, 2), name) == 0)
          sid = db_int(&skills, q, 0);
      json_decref(d);
      defs[i] = (chain_ref){db_int(&sdef, i, 0), db_text(&sdef, i, 1), sid};
    }
    qsort(defs, (size_t)sdef.rows, sizeof *defs, chain_ref_cmp);
    for (int i = 0; i < have.rows; i++)
      had[i] = (mirror_key){db_int(&have, i, 1), db_int(&have, i, 2), db_int(&have, i, 3), db_int(&have, i, 0)};
    qsort(had, (size_t)have.rows, sizeof *had, mirror_key_cmp);
  }
  int nwant = 0;
  for (int i = 0; !e && i < en.rows; i++) {
    int64_t chain = db_int(&en, i, 0);
    char key[200], *to = key, *from, *sk;
    snprintf(key, sizeof key, "%s", db_text(&en, i, 1));
    if (!(from = strchr(to, '/')) || !(sk = strchr(from + 1, '/'))) continue;
    *from++ = 0, *sk++ = 0;
    int64_t uf = chain_ref_find(wallets, wl.rows, chain, from), ut = chain_ref_find(wallets, wl.rows, chain, to),
            sid = chain_ref_find(defs, sdef.rows, chain, sk);
    if (uf < 0 || ut < 0 || sid < 0 || uf == ut) continue;
    want[nwant++] = (mirror_key){uf, ut, sid, 0};
    if (mirror_find(had, have.rows, uf, ut, sid)) continue; /* mirrored already */
    db_result ins;
    e = Q(&x, &ins,
          "INSERT INTO endorsements (from_user, to_user, skill_id, weight, source, created_at) "
          "VALUES ($1, $2, $3, 0, 'chain', $4) ON CONFLICT DO NOTHING RETURNING id",
          dbv_int(uf), dbv_int(ut), dbv_int(sid), dbv_int(now));
    if (!e && ins.rows) {
      if (added) (*added)++;
      char data[160];
      snprintf(data, sizeof data, "{\"endorsement_id\":%lld,\"from_user\":%lld,\"source\":\"chain\"}",
               (long long)db_int(&ins, 0, 0), (long long)uf);
      e = sx_event(&x, "endorsement.created", ut, 1, "endorsement", db_int(&ins, 0, 0), data, now);
    }
  }
  if (!e) qsort(want, (size_t)nwant, sizeof *want, mirror_key_cmp);
  for (int i = 0; !e && i < have.rows; i++) {
    if (mirror_find(want, nwant, had[i].from, had[i].to, had[i].skill)) continue;
    e = Q(&x, NULL, "DELETE FROM endorsements WHERE id = $1", dbv_int(had[i].id));
    if (!e && removed) (*removed)++;
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}
