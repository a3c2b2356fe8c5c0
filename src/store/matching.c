/* The matching engine's reads and writes; see store/matching.h. */
#include "store/matching.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "store/internal.h"
#include "core/banned.h"

static const char people_page[] =
    "SELECT u.id, u.address, coalesce(p.available, 1) FROM users u "
    "LEFT JOIN matching_profiles p ON p.user_id = u.id WHERE u.id > $1 ORDER BY u.id LIMIT $2";
static const char person_one[] =
    "SELECT u.id, u.address, coalesce(p.available, 1) FROM users u "
    "LEFT JOIN matching_profiles p ON p.user_id = u.id WHERE u.id = $1";
static const char levels_range[] =
    "SELECT user_id, skill_id, level, coalesce(last_validated, 0) FROM skill_levels "
    "WHERE user_id BETWEEN $1 AND $2 ORDER BY user_id, skill_id";
static const char activity_range[] =
    "SELECT user_id, max(updated_at) FROM submissions WHERE user_id BETWEEN $1 AND $2 "
    "GROUP BY user_id ORDER BY user_id";

/* Fills people[0..n) (ids ascending, from r) with their levels and activity, read over the id
 * range of the page. */
static pheme_err people_fill(sx *x, const db_result *r, store_matching_person *people) {
  int n = r->rows;
  for (int i = 0; i < n; i++) {
    people[i].user_id = db_int(r, i, 0);
    sx_addr(r, i, 1, people[i].address);
    people[i].available = db_int(r, i, 2) != 0;
  }
  if (n == 0) return PHEME_OK;
  int64_t lo = people[0].user_id, hi = people[n - 1].user_id;
  db_result lv, act;
  pheme_err e = Q(x, &lv, levels_range, dbv_int(lo), dbv_int(hi));
  if (!e) e = Q(x, &act, activity_range, dbv_int(lo), dbv_int(hi));
  if (e) return e;
  store_matching_level *all = arena_alloc(x->a, sizeof *all * (size_t)(lv.rows ? lv.rows : 1));
  if (!all) return PHEME_SYS_NOMEM;
  /* both lists are ordered by user id, like people: one merge each */
  int j = 0, used = 0;
  for (int i = 0; i < n; i++) {
    people[i].levels = all + used;
    for (; j < lv.rows && db_int(&lv, j, 0) < people[i].user_id; j++) {}
    for (; j < lv.rows && db_int(&lv, j, 0) == people[i].user_id; j++) {
      int level = (int)db_int(&lv, j, 2);
      int64_t validated = db_int(&lv, j, 3);
      if (validated > people[i].last_active) people[i].last_active = validated;
      if (level <= 0) continue;
      all[used].skill_id = db_int(&lv, j, 1);
      all[used].level = level > 100 ? 100 : level;
      used++;
      people[i].nlevels++;
    }
  }
  j = 0;
  for (int i = 0; i < n; i++) {
    for (; j < act.rows && db_int(&act, j, 0) < people[i].user_id; j++) {}
    if (j < act.rows && db_int(&act, j, 0) == people[i].user_id && db_int(&act, j, 1) > people[i].last_active)
      people[i].last_active = db_int(&act, j, 1);
  }
  return PHEME_OK;
}

pheme_err store_matching_people(store *s, arena *a, int64_t after, int limit,
                                store_matching_person **out, int *n) {
  if (limit < 1 || limit > 100000) return PHEME_DATA_INVALID;
  *out = NULL;
  *n = 0;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = sx_snapshot(&x);
  if (!e) e = Q(&x, &r, people_page, dbv_int(after), dbv_int(limit));
  if (!e) {
    *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
    e = *out ? people_fill(&x, &r, *out) : PHEME_SYS_NOMEM;
  }
  sx_end(&x);
  if (!e) *n = r.rows;
  return e;
}

pheme_err store_matching_person_get(store *s, arena *a, int64_t user_id, store_matching_person *out) {
  memset(out, 0, sizeof *out);
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = sx_snapshot(&x);
  if (!e) e = Q(&x, &r, person_one, dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) e = people_fill(&x, &r, out);
  sx_end(&x);
  return e;
}

/* ---- reputation as the chain indexer projected it ---- */

/* The score of a projected ScoreUpdated entity: data {"round", "score"}, the score a number or
 * decimal text; clamped to 0..100. */
static int score_of(const char *data) {
  json_t *o = json_loads(data ? data : "{}", 0, NULL);
  json_t *v = json_object_get(o, "score");
  long long score = 0;
  if (json_is_integer(v)) score = json_integer_value(v);
  else if (json_is_string(v)) {
    const char *p = json_string_value(v);
    for (; *p >= '0' && *p <= '9' && score <= 1000; p++) score = score * 10 + (*p - '0');
  }
  json_decref(o);
  return score < 0 ? 0 : score > 100 ? 100 : (int)score;
}

pheme_err store_matching_reputations(store *s, arena *a, int64_t lo, int64_t hi,
                                     store_matching_score **out, int *n) {
  *out = NULL;
  *n = 0;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT u.id, ce.data FROM users u JOIN chain_entities ce ON ce.owner = u.address "
        "AND ce.kind = 'reputation' AND ce.chain_id = (SELECT max(chain_id) FROM chain_entities "
        "WHERE kind = 'reputation') WHERE u.id BETWEEN $1 AND $2 ORDER BY u.id",
        dbv_int(lo), dbv_int(hi));
  sx_end(&x);
  if (e) return e;
  *out = arena_alloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    (*out)[i].user_id = db_int(&r, i, 0);
    (*out)[i].score = score_of(db_text(&r, i, 1));
  }
  *n = r.rows;
  return PHEME_OK;
}

/* ---- availability ---- */

pheme_err store_matching_availability_set(store *s, const store_actor *who, int64_t user_id,
                                          int available) {
  if (available != 0 && available != 1) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  const char *detail = available ? "{\"available\":true}" : "{\"available\":false}";
  e = Q(&x, NULL,
        "INSERT INTO matching_profiles (user_id, available, updated_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (user_id) DO UPDATE SET available = excluded.available, updated_at = excluded.updated_at",
        dbv_int(user_id), dbv_int(available), dbv_int(now));
  if (!e) e = sx_audit(&x, who, "profile.availability", "user", user_id, detail);
  if (!e) e = sx_event(&x, "profile.availability", user_id, 0, "user", user_id, detail, now);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

/* ---- bounties and applicants ---- */

#define OPEN_UNASSIGNED_BOUNTY                                                          \
  "t.creator_id = $1 AND t.status = 'OPEN' AND t.type = 'BOUNTY' AND NOT EXISTS "       \
  "(SELECT 1 FROM task_assignments ta WHERE ta.task_id = t.id)"

pheme_err store_matching_bounties(store *s, arena *a, int64_t creator_id, int max, int64_t **tasks,
                                  int *ntasks, store_matching_applicant **applicants, int *napplicants) {
  *tasks = NULL;
  *applicants = NULL;
  *ntasks = *napplicants = 0;
  if (max < 1) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result t, p;
  e = sx_snapshot(&x);
  if (!e)
    e = Q(&x, &t, "SELECT t.id FROM tasks t WHERE " OPEN_UNASSIGNED_BOUNTY " ORDER BY t.id DESC LIMIT $2",
          dbv_int(creator_id), dbv_int(max));
  /* only the listed tasks: those at or above the oldest one listed */
  int64_t oldest = !e && t.rows ? db_int(&t, t.rows - 1, 0) : INT64_MAX;
  if (!e)
    e = Q(&x, &p,
          "SELECT DISTINCT s.task_id, s.user_id FROM submissions s JOIN tasks t ON t.id = s.task_id "
          "WHERE " OPEN_UNASSIGNED_BOUNTY " AND s.state <> 'REJECTED' AND t.id >= $2 "
          "ORDER BY s.task_id DESC, s.user_id LIMIT $3",
          dbv_int(creator_id), dbv_int(oldest), dbv_int(max));
  sx_end(&x);
  if (e) return e;
  *tasks = arena_alloc(a, sizeof **tasks * (size_t)(t.rows ? t.rows : 1));
  *applicants = arena_alloc(a, sizeof **applicants * (size_t)(p.rows ? p.rows : 1));
  if (!*tasks || !*applicants) return PHEME_SYS_NOMEM;
  for (int i = 0; i < t.rows; i++) (*tasks)[i] = db_int(&t, i, 0);
  for (int i = 0; i < p.rows; i++) {
    (*applicants)[i].task_id = db_int(&p, i, 0);
    (*applicants)[i].user_id = db_int(&p, i, 1);
  }
  *ntasks = t.rows;
  *napplicants = p.rows;
  return PHEME_OK;
}

pheme_err store_matching_assigned_open(store *s, arena *a, int64_t **ids, int *n) {
  *ids = NULL;
  *n = 0;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q0(&x, &r, "SELECT ta.task_id FROM task_assignments ta JOIN tasks t ON t.id = ta.task_id "
                 "WHERE t.status = 'OPEN' ORDER BY ta.task_id");
  sx_end(&x);
  if (e) return e;
  *ids = arena_alloc(a, sizeof **ids * (size_t)(r.rows ? r.rows : 1));
  if (!*ids) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) (*ids)[i] = db_int(&r, i, 0);
  *n = r.rows;
  return PHEME_OK;
}

/* ---- proposals ---- */

/* pairs as a JSON array in a. */
static const char *pairs_json(arena *a, const store_matching_pair *pairs, int n) {
  buf b;
  buf_init(&b, (size_t)n * 80 + 64);
  int bad = buf_adds(&b, "[");
  for (int i = 0; i < n && !bad; i++)
    bad = buf_printf(&b, "%s{\"fit\":%lld,\"taskId\":%lld,\"userId\":%lld}", i ? "," : "",
                     (long long)pairs[i].fit, (long long)pairs[i].task_id, (long long)pairs[i].user_id);
  if (!bad) bad = buf_adds(&b, "]");
  const char *out = bad ? NULL : arena_strndup(a, b.data, b.len);
  buf_release(&b);
  return out;
}

static pheme_err pairs_parse(arena *a, const char *text, store_matching_proposal *p) {
  json_t *arr = json_loads(text ? text : "[]", 0, NULL);
  size_t n = json_array_size(arr);
  p->pairs = arena_zalloc(a, sizeof *p->pairs * (n ? n : 1));
  if (!p->pairs) {
    json_decref(arr);
    return PHEME_SYS_NOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_array_get(arr, i);
    p->pairs[i].task_id = json_integer_value(json_object_get(o, "taskId"));
    p->pairs[i].user_id = json_integer_value(json_object_get(o, "userId"));
    p->pairs[i].fit = json_integer_value(json_object_get(o, "fit"));
  }
  p->npairs = (int)n;
  json_decref(arr);
  return PHEME_OK;
}

#define PROPOSAL_COLS "id, creator_id, pairs, total_fit, status, created_at, coalesce(confirmed_at, 0)"

static pheme_err proposal_read(sx *x, int64_t id, int lock, store_matching_proposal *out) {
  db_result r;
  pheme_err e = Q(x, &r,
                  lock && sx_is_pg(x) ? "SELECT " PROPOSAL_COLS " FROM matching_proposals WHERE id = $1 FOR UPDATE"
                                      : "SELECT " PROPOSAL_COLS " FROM matching_proposals WHERE id = $1",
                  dbv_int(id));
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  memset(out, 0, sizeof *out);
  out->id = db_int(&r, 0, 0);
  out->creator_id = db_int(&r, 0, 1);
  out->total_fit = db_int(&r, 0, 3);
  out->status = db_text(&r, 0, 4);
  out->created_at = db_int(&r, 0, 5);
  out->confirmed_at = db_int(&r, 0, 6);
  return pairs_parse(x->a, db_text(&r, 0, 2), out);
}

pheme_err store_matching_proposal_create(store *s, arena *a, const store_actor *who,
                                         store_matching_proposal *p) {
  const char *pairs = pairs_json(a, p->pairs, p->npairs);
  if (!pairs) return PHEME_SYS_NOMEM;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms(), id = 0;
  e = QID(&x, &id,
          "INSERT INTO matching_proposals (creator_id, pairs, total_fit, status, created_at) "
          "VALUES ($1, $2, $3, 'PROPOSED', $4)",
          dbv_int(p->creator_id), dbv_text(pairs), dbv_int(p->total_fit), dbv_int(now));
  char *detail = e ? NULL : arena_printf(a, "{\"pairs\":%d,\"proposalId\":%lld,\"totalFit\":%lld}", p->npairs,
                                         (long long)id, (long long)p->total_fit);
  if (!e && !detail) e = PHEME_SYS_NOMEM;
  if (!e) e = sx_audit(&x, who, "matching.propose", "matching_proposal", id, detail);
  if (!e) e = sx_event(&x, "matching.proposed", p->creator_id, 0, "matching_proposal", id, detail, now);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (e) return e;
  p->id = id;
  p->status = "PROPOSED";
  p->created_at = now;
  p->confirmed_at = 0;
  return PHEME_OK;
}

pheme_err store_matching_proposal_get(store *s, arena *a, int64_t id, store_matching_proposal *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = proposal_read(&x, id, 0, out);
  sx_end(&x);
  return e;
}

/* Checks one pair inside the confirming transaction and writes its assignment and event. */
static pheme_err confirm_pair(sx *x, const store_matching_proposal *p, const store_matching_pair *pr,
                              int64_t now) {
  db_result r;
  pheme_err e = Q(x, &r,
                  sx_is_pg(x) ? "SELECT status, type, creator_id FROM tasks WHERE id = $1 FOR UPDATE"
                              : "SELECT status, type, creator_id FROM tasks WHERE id = $1",
                  dbv_int(pr->task_id));
  if (e) return e;
  if (r.rows == 0 || strcmp(db_text(&r, 0, 0), "OPEN") != 0 || strcmp(db_text(&r, 0, 1), "BOUNTY") != 0 ||
      db_int(&r, 0, 2) != p->creator_id)
    return PHEME_DATA_STATE;
  /* still an applicant: a live submission to one of the creator's open bounties (not necessarily
   * this one: a proposal may give a person another bounty they qualify for) */
  e = Q(x, &r,
        "SELECT 1 FROM submissions s JOIN tasks t ON t.id = s.task_id WHERE s.user_id = $1 "
        "AND t.creator_id = $2 AND t.status = 'OPEN' AND t.type = 'BOUNTY' AND s.state <> 'REJECTED' LIMIT 1",
        dbv_int(pr->user_id), dbv_int(p->creator_id));
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_STATE;
  e = Q(x, NULL,
        "INSERT INTO task_assignments (task_id, user_id, proposal_id, fit, assigned_at) VALUES ($1, $2, $3, $4, $5)",
        dbv_int(pr->task_id), dbv_int(pr->user_id), dbv_int(p->id), dbv_int(pr->fit), dbv_int(now));
  if (e) return e;
  char *detail = arena_printf(x->a, "{\"fit\":%lld,\"proposalId\":%lld,\"taskId\":%lld}", (long long)pr->fit,
                              (long long)p->id, (long long)pr->task_id);
  if (!detail) return PHEME_SYS_NOMEM;
  return sx_event(x, "task.assigned", pr->user_id, 0, "task", pr->task_id, detail, now);
}

pheme_err store_matching_proposal_confirm(store *s, arena *a, const store_actor *who, int64_t id,
                                          int64_t creator_id, int64_t now,
                                          store_matching_proposal *out) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  e = proposal_read(&x, id, 1, out);
  if (!e && creator_id && out->creator_id != creator_id) e = PHEME_AUTH_NOT_OWNER;
  if (!e && strcmp(out->status, "PROPOSED") != 0) e = PHEME_DATA_STATE;
  for (int i = 0; !e && i < out->npairs; i++) e = confirm_pair(&x, out, &out->pairs[i], now);
  if (!e)
    e = Q(&x, NULL, "UPDATE matching_proposals SET status = 'STALE' WHERE creator_id = $1 AND status = 'PROPOSED' AND id <> $2",
          dbv_int(out->creator_id), dbv_int(id));
  if (!e)
    e = Q(&x, NULL, "UPDATE matching_proposals SET status = 'CONFIRMED', confirmed_at = $1 WHERE id = $2",
          dbv_int(now), dbv_int(id));
  char *detail = e ? NULL : arena_printf(a, "{\"pairs\":%d,\"proposalId\":%lld,\"totalFit\":%lld}", out->npairs,
                                         (long long)id, (long long)out->total_fit);
  if (!e && !detail) e = PHEME_SYS_NOMEM;
  if (!e) e = sx_audit(&x, who, "matching.confirm", "matching_proposal", id, detail);
  if (!e) e = sx_event(&x, "matching.confirmed", out->creator_id, 0, "matching_proposal", id, detail, now);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (e) return e;
  out->status = "CONFIRMED";
  out->confirmed_at = now;
  return PHEME_OK;
}
