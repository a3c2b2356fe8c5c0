/* The validation pipeline's storage: views of a submission, the one step function every change
 * goes through, validators, queues and the texts the near-duplicate index is rebuilt from; see
 * store/validation.h. */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "store/internal.h"
#include "store/outbox.h"
#include "store/validation.h"
#include "core/banned.h"

void sub_step_init(sub_step *st) {
  memset(st, 0, sizeof *st);
  st->actor = "system";
  st->final_score = -1;
}

static int cell_null(const db_result *r, int i, int c) { return db_cell(r, i, c)->type == DBV_NULL; }
static int int_or(const db_result *r, int i, int c, int dflt) {
  return cell_null(r, i, c) ? dflt : (int)db_int(r, i, c);
}
static void blob_copy(const db_result *r, int i, int c, uint8_t *dst, size_t n) {
  size_t len = 0;
  const uint8_t *p = db_blob(r, i, c, &len);
  memset(dst, 0, n);
  if (p && len == n) memcpy(dst, p, n);
}

/* ---- reading ---- */

enum { VAL_NCOLS = 11 };

void sx_validator_read(const db_result *r, int i, int c, validator_row *v) {
  v->id = db_int(r, i, c);
  v->user_id = db_int(r, i, c + 1);
  blob_copy(r, i, c + 2, v->address, 20);
  v->stake = db_text(r, i, c + 3);
  v->domains = db_text(r, i, c + 4);
  v->status = db_text(r, i, c + 5);
  v->accuracy_ppm = (int)db_int(r, i, c + 6);
  v->outlier_streak = (int)db_int(r, i, c + 7);
  v->slashing_candidate = (int)db_int(r, i, c + 8);
  v->created_at = db_int(r, i, c + 9);
  v->updated_at = db_int(r, i, c + 10);
}

#define ALLOC(a, p, n) ((p) = arena_zalloc((a), sizeof *(p) * (size_t)((n) ? (n) : 1)))

static pheme_err load_timeline(sx *x, sub_view *v) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT id, from_state, to_state, event, actor, coalesce(actor_id, 0), at, detail "
                  "FROM submission_events WHERE submission_id = $1 ORDER BY id",
                  dbv_int(v->sub.id));
  if (e) return e;
  if (!ALLOC(x->a, v->events, r.rows)) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    sub_event_row *ev = &v->events[i];
    ev->id = db_int(&r, i, 0);
    ev->submission_id = v->sub.id;
    ev->from = db_text(&r, i, 1);
    ev->to = db_text(&r, i, 2);
    ev->event = db_text(&r, i, 3);
    ev->actor = db_text(&r, i, 4);
    ev->actor_id = db_int(&r, i, 5);
    ev->at = db_int(&r, i, 6);
    ev->detail = db_text(&r, i, 7);
  }
  v->nevents = r.rows;
  e = Q(x, &r,
        "SELECT id, assessor, model, scores, overall, confidence_ppm, feedback, record, ok, reason, "
        "created_at FROM assessments WHERE submission_id = $1 ORDER BY id",
        dbv_int(v->sub.id));
  if (e) return e;
  if (!ALLOC(x->a, v->assessments, r.rows)) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    assessment_row *as = &v->assessments[i];
    as->id = db_int(&r, i, 0);
    as->submission_id = v->sub.id;
    as->assessor = db_text(&r, i, 1);
    as->model = db_text(&r, i, 2);
    as->scores = db_text(&r, i, 3);
    as->overall = int_or(&r, i, 4, -1);
    as->confidence_ppm = int_or(&r, i, 5, -1);
    as->feedback = db_text(&r, i, 6);
    as->record = db_text(&r, i, 7);
    as->ok = (int)db_int(&r, i, 8);
    as->reason = db_text(&r, i, 9);
    as->created_at = db_int(&r, i, 10);
  }
  v->nassessments = r.rows;
  return PHEME_OK;
}

static pheme_err load_panel(sx *x, sub_view *v) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT p.round, p.drawn_at, " VAL_COLS " FROM panels p JOIN validators v ON "
                  "v.id = p.validator_id WHERE p.submission_id = $1 ORDER BY p.round, p.seat",
                  dbv_int(v->sub.id));
  if (e) return e;
  if (!ALLOC(x->a, v->seats, r.rows)) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    v->seats[i].round = (int)db_int(&r, i, 0);
    v->seats[i].drawn_at = db_int(&r, i, 1);
    sx_validator_read(&r, i, 2, &v->seats[i].v);
  }
  v->nseats = r.rows;
  e = Q(x, &r,
        "SELECT r.id, r.round, r.validator_id, v.address, r.score, r.criteria, r.feedback, "
        "r.signature, r.signer, r.created_at FROM reviews r JOIN validators v ON v.id = "
        "r.validator_id WHERE r.submission_id = $1 ORDER BY r.id",
        dbv_int(v->sub.id));
  if (e) return e;
  if (!ALLOC(x->a, v->reviews, r.rows)) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    review_row *rv = &v->reviews[i];
    rv->id = db_int(&r, i, 0);
    rv->submission_id = v->sub.id;
    rv->round = (int)db_int(&r, i, 1);
    rv->validator_id = db_int(&r, i, 2);
    blob_copy(&r, i, 3, rv->validator_address, 20);
    rv->score = (int)db_int(&r, i, 4);
    rv->criteria = db_text(&r, i, 5);
    rv->feedback = db_text(&r, i, 6);
    blob_copy(&r, i, 7, rv->signature, 65);
    blob_copy(&r, i, 8, rv->signer, 20);
    rv->created_at = db_int(&r, i, 9);
  }
  v->nreviews = r.rows;
  e = Q(x, &r,
        "SELECT id, round, opened_by, reason, first_state, first_score, outcome, final_score, "
        "created_at, resolved_at FROM disputes WHERE submission_id = $1 ORDER BY round",
        dbv_int(v->sub.id));
  if (e) return e;
  if (!ALLOC(x->a, v->disputes, r.rows)) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    dispute_row *d = &v->disputes[i];
    d->id = db_int(&r, i, 0);
    d->submission_id = v->sub.id;
    d->round = (int)db_int(&r, i, 1);
    d->opened_by = db_int(&r, i, 2);
    d->reason = db_text(&r, i, 3);
    d->first_state = db_text(&r, i, 4);
    d->first_score = int_or(&r, i, 5, -1);
    d->outcome = db_text(&r, i, 6);
    d->final_score = int_or(&r, i, 7, -1);
    d->created_at = db_int(&r, i, 8);
    d->resolved_at = cell_null(&r, i, 9) ? 0 : db_int(&r, i, 9);
  }
  v->ndisputes = r.rows;
  e = Q(x, &r,
        "SELECT user_id, task_id, final_score, skills, created_at, coalesce(consumed_at, 0) FROM "
        "outcomes WHERE submission_id = $1",
        dbv_int(v->sub.id));
  if (e) return e;
  v->has_outcome = r.rows == 1;
  if (v->has_outcome) {
    v->outcome.submission_id = v->sub.id;
    v->outcome.user_id = db_int(&r, 0, 0);
    v->outcome.task_id = db_int(&r, 0, 1);
    v->outcome.final_score = (int)db_int(&r, 0, 2);
    v->outcome.skills = db_text(&r, 0, 3);
    v->outcome.created_at = db_int(&r, 0, 4);
    v->outcome.consumed_at = db_int(&r, 0, 5);
  }
  return PHEME_OK;
}

/* What the views read in one transaction share: the task of the last submission read and the
 * candidates read for it (a batch of steps is mostly one task's submissions). */
typedef struct {
  int64_t task_id; /* 0: none yet */
  task task;
  int64_t candidates_task; /* 0: none yet */
  validator_row *candidates;
  int ncandidates;
} view_cache;

static pheme_err load_candidates(sx *x, sub_view *v, view_cache *cache) {
  if (cache && cache->candidates_task == v->task.id) {
    v->candidates = cache->candidates;
    v->ncandidates = cache->ncandidates;
    return PHEME_OK;
  }
  db_result r;
  /* with each validator's reputation in the task's domain (src/reputation), for the panel's
   * minimum domain score */
  pheme_err e = Q(x, &r,
                  "SELECT " VAL_COLS ", coalesce(CASE (SELECT sk.domain FROM task_skills ts JOIN skills sk ON "
                  "sk.id = ts.skill_id WHERE ts.task_id = $1 ORDER BY ts.skill_id LIMIT 1) WHEN 'technical' THEN "
                  "rp.technical WHEN 'creative' THEN rp.creative WHEN 'business' THEN rp.business ELSE rp.score "
                  "END, 0) FROM validators v LEFT JOIN reputation rp ON rp.user_id = v.user_id WHERE v.status = "
                  "'active' ORDER BY v.id",
                  dbv_int(v->task.id));
  if (e) return e;
  if (!ALLOC(x->a, v->candidates, r.rows)) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    sx_validator_read(&r, i, 0, &v->candidates[i]);
    v->candidates[i].domain_upt = db_int(&r, i, VAL_NCOLS);
  }
  v->ncandidates = r.rows;
  if (cache) {
    cache->candidates_task = v->task.id;
    cache->candidates = v->candidates;
    cache->ncandidates = v->ncandidates;
  }
  return PHEME_OK;
}

/* A submission's current review round (SQL over the submission id expression sid): 0 for the
 * first panel, then one more for each dispute and each resubmission after changes were
 * requested, so every panel's reviews are signed for a round of their own (contracts/signing.json). */
#define ROUND_OF(sid)                                                                              \
  "((SELECT count(*) FROM disputes d WHERE d.submission_id = " sid ") + (SELECT count(*) FROM "     \
  "submission_events se WHERE se.submission_id = " sid " AND se.event = 'resubmit'))"

/* cache (may be NULL) holds what views read in the same transaction share. */
static pheme_err load_view(sx *x, int64_t id, unsigned want, int lock, view_cache *cache, sub_view *v) {
  memset(v, 0, sizeof *v);
  v->round = -1;
  pheme_err e = sx_submission_get(x, id, lock, &v->sub);
  if (e) return e;
  if (cache && cache->task_id == v->sub.task_id) {
    v->task = cache->task;
  } else {
    if ((e = sx_task_get(x, v->sub.task_id, 0, &v->task))) return e;
    if (cache) {
      cache->task_id = v->task.id;
      cache->task = v->task;
    }
  }
  if (want & (SUBV_TIMELINE | SUBV_PANEL | SUBV_CANDIDATES)) {
    db_result r;
    if ((e = Q(x, &r, "SELECT " ROUND_OF("$1"), dbv_int(id)))) return e;
    v->round = (int)db_int(&r, 0, 0);
  }
  if (!e && (want & SUBV_TIMELINE)) e = load_timeline(x, v);
  if (!e && (want & SUBV_PANEL)) e = load_panel(x, v);
  if (!e && (want & SUBV_CANDIDATES)) e = load_candidates(x, v, cache);
  return e;
}

pheme_err store_submission_view(store *s, arena *a, int64_t id, unsigned want, sub_view *out) {
  pheme_err e;
  pheme_err rc = store_submission_views(s, a, &id, 1, want, out, &e);
  return rc ? rc : e;
}

pheme_err store_submission_views(store *s, arena *a, const int64_t *ids, int n, unsigned want,
                                 sub_view *out, pheme_err *errs) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  view_cache cache = {0};
  for (int i = 0; !e && i < n; i++) {
    errs[i] = load_view(&x, ids[i], want, 0, &cache, &out[i]);
    /* storage failing is everyone's answer */
    if (errs[i] && errs[i] != PHEME_DATA_NOT_FOUND) e = errs[i];
  }
  sx_end(&x);
  return e;
}

/* ---- the step ---- */

static pheme_err write_step(sx *x, const store_actor *who, const sub_view *v, sub_step *st,
                            int64_t now) {
  db_result r;
  pheme_err e = PHEME_OK;
  const char *state = v->sub.state;
  for (int i = 0; !e && i < st->nmoves; i++) {
    const sub_move *m = &st->moves[i];
    if (!m->event || !m->to) return PHEME_DATA_INVALID;
    e = sx_submission_event(x, v->sub.id, state, m->to, m->event, st->actor, st->actor_id,
                            m->detail, now);
    state = m->to;
  }
  if (e) return e;
  if (st->nmoves || st->final_score >= 0 || st->feedback) {
    /* the guard on the state read: a move that does not start where the row is changes nothing.
     * A resubmission (new text) clears the earlier round's score. */
    e = Q(x, &r,
          "UPDATE submissions SET state = $1, final_score = CASE WHEN $2 >= 0 THEN $2 WHEN CAST($3 AS TEXT) IS "
          "NOT NULL THEN NULL ELSE final_score END, text = coalesce($3, text), feedback = "
          "coalesce($4, feedback), evidence = coalesce($5, evidence), updated_at = $6 WHERE id = $7 "
          "AND state = $8 RETURNING id",
          dbv_text(state), dbv_int(st->final_score), dbv_text(st->text), dbv_text(st->feedback),
          dbv_text(st->evidence), dbv_int(now), dbv_int(v->sub.id), dbv_text(v->sub.state));
    if (!e && r.rows != 1) e = PHEME_DATA_STATE;
  }
  for (int i = 0; !e && i < st->nassessments; i++) {
    const assessment_row *as = &st->assessments[i];
    e = Q(x, &r,
          "INSERT INTO assessments (submission_id, assessor, model, scores, overall, confidence_ppm, "
          "feedback, record, ok, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
          "$10, $11)",
          dbv_int(v->sub.id), dbv_text(as->assessor), dbv_text(as->model ? as->model : ""),
          dbv_text(as->scores ? as->scores : "[]"),
          as->overall >= 0 ? dbv_int(as->overall) : dbv_null(),
          as->confidence_ppm >= 0 ? dbv_int(as->confidence_ppm) : dbv_null(),
          dbv_text(as->feedback ? as->feedback : ""), dbv_text(as->record ? as->record : "{}"),
          dbv_int(as->ok ? 1 : 0), dbv_text(as->reason ? as->reason : ""), dbv_int(now));
  }
  /* seats are numbered in drawing order within their round */
  int seated = 0;
  if (!e && st->nseats) {
    e = Q(x, &r, "SELECT count(*) FROM panels WHERE submission_id = $1 AND round = $2", dbv_int(v->sub.id),
          dbv_int(st->seat_round));
    if (!e) seated = (int)db_int(&r, 0, 0);
  }
  for (int i = 0; !e && i < st->nseats; i++)
    e = Q(x, &r,
          "INSERT INTO panels (submission_id, round, validator_id, seat, drawn_at) VALUES ($1, $2, $3, $4, $5)",
          dbv_int(v->sub.id), dbv_int(st->seat_round), dbv_int(st->seats[i]), dbv_int(seated + i), dbv_int(now));
  if (!e && st->review) {
    const review_row *rv = st->review;
    e = QID(x, &st->written_id,
            "INSERT INTO reviews (submission_id, round, validator_id, score, criteria, feedback, "
            "signature, signer, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            dbv_int(v->sub.id), dbv_int(rv->round), dbv_int(rv->validator_id), dbv_int(rv->score),
            dbv_text(rv->criteria ? rv->criteria : "[]"), dbv_text(rv->feedback ? rv->feedback : ""),
            dbv_blob(rv->signature, 65), dbv_blob(rv->signer, 20), dbv_int(now));
  }
  if (!e && st->dispute) {
    const dispute_row *d = st->dispute;
    e = QID(x, &st->written_id,
            "INSERT INTO disputes (submission_id, round, opened_by, reason, first_state, "
            "first_score, outcome, created_at) VALUES ($1, $2, $3, $4, $5, $6, '', $7)",
            dbv_int(v->sub.id), dbv_int(d->round), dbv_int(d->opened_by),
            dbv_text(d->reason ? d->reason : ""), dbv_text(d->first_state),
            d->first_score >= 0 ? dbv_int(d->first_score) : dbv_null(), dbv_int(now));
  }
  if (!e && st->settle_dispute) {
    e = Q(x, &r,
          "UPDATE disputes SET outcome = $1, final_score = $2, resolved_at = $3 WHERE "
          "submission_id = $4 AND resolved_at IS NULL RETURNING id",
          dbv_text(state), st->final_score >= 0 ? dbv_int(st->final_score) : dbv_null(),
          dbv_int(now), dbv_int(v->sub.id));
    if (!e && r.rows != 1) e = PHEME_DATA_STATE;
  }
  if (!e && st->outcome) {
    const outcome_row *o = st->outcome;
    e = Q(x, &r,
          "INSERT INTO outcomes (submission_id, user_id, task_id, final_score, skills, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          dbv_int(v->sub.id), dbv_int(o->user_id), dbv_int(o->task_id), dbv_int(o->final_score),
          dbv_text(o->skills ? o->skills : "[]"), dbv_int(now));
  }
  for (int i = 0; !e && i < st->nstandings; i++) {
    const validator_standing *sd = &st->standings[i];
    e = Q(x, &r,
          "UPDATE validators SET accuracy_ppm = $1, outlier_streak = $2, slashing_candidate = $3, "
          "updated_at = $4 WHERE id = $5",
          dbv_int(sd->accuracy_ppm), dbv_int(sd->outlier_streak),
          dbv_int(sd->slashing_candidate ? 1 : 0), dbv_int(now), dbv_int(sd->validator_id));
  }
  for (int i = 0; !e && i < st->njobs; i++) e = jobs_enqueue_in(x, &st->jobs[i], now, NULL, NULL);
  if (!e && (st->nmoves || st->review || st->dispute)) {
    char detail[160];
    snprintf(detail, sizeof detail, "{\"from\":\"%s\",\"to\":\"%s\"}", v->sub.state, state);
    e = sx_audit(x, who, st->audit_action ? st->audit_action : "submission.step", "submission",
                 v->sub.id, detail);
  }
  return e;
}

/* One step inside x: the view (locked), the decision, its writes and the job's completion. */
static pheme_err step_in(sx *x, const store_actor *who, int64_t id, unsigned want, const job_claim *claim,
                         int64_t now, sub_step_fn fn, void *ctx, view_cache *cache, sub_step *st) {
  sub_view v;
  sub_step_init(st);
  pheme_err e = load_view(x, id, want, 1, cache, &v);
  if (!e) e = fn(&v, st, ctx);
  if (!e) e = write_step(x, who, &v, st, now);
  if (!e && claim) e = jobs_complete_in(x, claim, now);
  return e;
}

/* The write transaction of steps: begun, and serialized when want asks for it. */
static pheme_err steps_begin(store *s, arena *a, unsigned want, sx *x) {
  pheme_err e = sx_write(s, a, x);
  if (e) return e;
  db_result r;
  /* the key is arbitrary but fixed: "PHEMEchk" */
  if (want & SUBV_SERIAL && sx_is_pg(x)) e = Q0(x, &r, "SELECT pg_advisory_xact_lock(5785632524466399339)");
  if (e) sx_end(x);
  return e;
}

pheme_err store_submission_step(store *s, arena *a, const store_actor *who, int64_t id,
                                unsigned want, const job_claim *claim, int64_t now_ms,
                                sub_step_fn fn, void *ctx, sub_step *done, sub_view *out) {
  sx x;
  pheme_err e = steps_begin(s, a, want, &x);
  if (e) return e;
  sub_step st;
  e = step_in(&x, who, id, want, claim, now_ms, fn, ctx, NULL, &st);
  if (!e && out) e = load_view(&x, id, want, 0, NULL, out);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (!e && done) *done = st;
  return e;
}

/* The members of a batch that failed in company, each in a transaction of its own. */
static pheme_err run_alone(store *s, arena *a, const store_actor *who, unsigned want, int64_t now_ms,
                           sub_step_req *reqs, const int *alone, int nalone, pheme_err (*begin)(void *bctx),
                           void *bctx) {
  for (int k = 0; k < nalone; k++) {
    sub_step_req *rq = &reqs[alone[k]];
    sx x;
    pheme_err e = steps_begin(s, a, want, &x);
    if (!e && begin && (e = begin(bctx))) sx_end(&x);
    if (e) {
      rq->err = e;
      continue;
    }
    rq->err = step_in(&x, who, rq->id, want, rq->claim, now_ms, rq->fn, rq->ctx, NULL, &rq->done);
    if (!rq->err) rq->err = sx_commit(&x);
    sx_end(&x);
  }
  return PHEME_OK;
}

pheme_err store_submission_steps(store *s, arena *a, const store_actor *who, unsigned want,
                                 int64_t now_ms, sub_step_req *reqs, int n,
                                 pheme_err (*begin)(void *bctx), void *bctx) {
  /* live: the members of the next transaction, in order; alone: those taken out */
  int *live = arena_alloc(a, sizeof *live * (size_t)(n ? n : 1));
  int *alone = arena_alloc(a, sizeof *alone * (size_t)(n ? n : 1));
  if (!live || !alone) return PHEME_SYS_NOMEM;
  int nlive = 0, nalone = 0;
  for (int i = 0; i < n; i++) {
    live[nlive++] = i;
    reqs[i].err = PHEME_OK;
    sub_step_init(&reqs[i].done);
  }
  while (nlive > 0) {
    sx x;
    pheme_err e = steps_begin(s, a, want, &x);
    if (!e && begin && (e = begin(bctx))) sx_end(&x);
    if (e) {
      /* no transaction at all: every member still waiting gets the error */
      for (int k = 0; k < nlive; k++) reqs[live[k]].err = e;
      for (int k = 0; k < nalone; k++) reqs[alone[k]].err = e;
      return e;
    }
    view_cache cache = {0};
    int failed = -1;
    for (int k = 0; k < nlive && failed < 0; k++) {
      sub_step_req *rq = &reqs[live[k]];
      rq->err = step_in(&x, who, rq->id, want, rq->claim, now_ms, rq->fn, rq->ctx, &cache, &rq->done);
      if (rq->err) failed = k;
    }
    if (failed < 0) {
      e = sx_commit(&x);
      sx_end(&x);
      if (!e) return run_alone(s, a, who, want, now_ms, reqs, alone, nalone, begin, bctx);
      /* the commit itself failed: nothing stayed; each gets its own chance */
      for (int k = 0; k < nlive; k++) alone[nalone++] = live[k];
      break;
    }
    sx_end(&x); /* rolls the others back */
    int f = live[failed];
    /* alone in its transaction, its answer is already its own */
    if (nlive > 1) alone[nalone++] = f;
    for (int k = failed; k + 1 < nlive; k++) live[k] = live[k + 1];
    nlive--;
    for (int k = 0; k < nlive; k++) sub_step_init(&reqs[live[k]].done);
  }
  return run_alone(s, a, who, want, now_ms, reqs, alone, nalone, begin, bctx);
}

/* ---- validators ---- */

static int stake_valid(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > VALIDATOR_STAKE_MAX || (n > 1 && s[0] == '0')) return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

static const char val_by_user[] = "SELECT " VAL_COLS " FROM validators v WHERE v.user_id = $1";

pheme_err store_validator_put(store *s, arena *a, const store_actor *who, int64_t user_id,
                              const uint8_t address[20], const char *stake, const char *domains,
                              validator_row *out) {
  if (!stake_valid(stake)) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q(&x, &r,
        "INSERT INTO validators (user_id, address, stake, domains, status, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, 'active', $5, $5) ON CONFLICT (user_id) DO UPDATE SET address = "
        "excluded.address, stake = excluded.stake, domains = excluded.domains, status = 'active', "
        "updated_at = excluded.updated_at",
        dbv_int(user_id), dbv_blob(address, 20), dbv_text(stake), dbv_text(domains ? domains : "[]"),
        dbv_int(now));
  if (!e) e = Q(&x, &r, val_by_user, dbv_int(user_id));
  if (!e && r.rows != 1) e = PHEME_SYS_STORAGE;
  if (!e) {
    sx_validator_read(&r, 0, 0, out);
    char detail[160];
    snprintf(detail, sizeof detail, "{\"stake\":\"%s\"}", stake);
    e = sx_audit(&x, who, "validator.put", "validator", out->id, detail);
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_validator_by_user(store *s, arena *a, int64_t user_id, validator_row *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, val_by_user, dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) sx_validator_read(&r, 0, 0, out);
  sx_end(&x);
  return e;
}

pheme_err store_validators_list(store *s, arena *a, int only_candidates, validator_row **out,
                                int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " VAL_COLS " FROM validators v WHERE ($1 = 0 OR v.slashing_candidate = 1) "
        "ORDER BY v.id LIMIT 1000",
        dbv_int(only_candidates ? 1 : 0));
  sx_end(&x);
  if (e) return e;
  if (!ALLOC(a, *out, r.rows)) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) sx_validator_read(&r, i, 0, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_validator_queue(store *s, arena *a, int64_t validator_id, int limit,
                                submission **out, int **round_out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  /* a seat counts when its round is the submission's current one (ROUND_OF) */
  e = Q(&x, &r,
        "SELECT p.submission_id, p.round FROM panels p JOIN submissions s ON s.id = "
        "p.submission_id WHERE p.validator_id = $1 AND s.state IN ('PEER_REVIEW', 'DISPUTED') "
        "AND p.round = " ROUND_OF("s.id") " AND NOT "
        "EXISTS (SELECT 1 FROM reviews rv WHERE rv.submission_id = p.submission_id AND rv.round = "
        "p.round AND rv.validator_id = p.validator_id) ORDER BY p.submission_id LIMIT $2",
        dbv_int(validator_id), dbv_int(limit));
  if (!e) {
    if (!ALLOC(a, *out, r.rows) || !ALLOC(a, *round_out, r.rows)) e = PHEME_SYS_NOMEM;
    int rows = r.rows;
    int64_t *ids = arena_zalloc(a, sizeof *ids * (size_t)(rows ? rows : 1));
    if (!ids) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < rows; i++) {
      ids[i] = db_int(&r, i, 0);
      (*round_out)[i] = (int)db_int(&r, i, 1);
    }
    for (int i = 0; !e && i < rows; i++) e = sx_submission_get(&x, ids[i], 0, &(*out)[i]);
    if (!e) *n = rows;
  }
  sx_end(&x);
  return e;
}

pheme_err store_submission_texts(store *s, arena *a, int64_t after, int limit, sub_text **out,
                                 int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT id, user_id, text FROM submissions WHERE id > $1 AND state NOT IN ('SUBMITTED', "
        "'CHECKING', 'REJECTED') ORDER BY id LIMIT $2",
        dbv_int(after), dbv_int(limit));
  sx_end(&x);
  if (e) return e;
  if (!ALLOC(a, *out, r.rows)) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    (*out)[i].id = db_int(&r, i, 0);
    (*out)[i].user_id = db_int(&r, i, 1);
    (*out)[i].text = db_text(&r, i, 2);
  }
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_submission_texts_checked(store *s, arena *a, int64_t after_event, int limit,
                                         sub_text **out, int *n, int64_t *last) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT e.id, s.id, s.user_id, s.text FROM submission_events e JOIN submissions s ON s.id = "
        "e.submission_id WHERE e.id > $1 AND e.from_state = 'CHECKING' AND e.to_state IN "
        "('AI_REVIEW', 'PEER_REVIEW') ORDER BY e.id LIMIT $2",
        dbv_int(after_event), dbv_int(limit));
  sx_end(&x);
  if (e) return e;
  if (!ALLOC(a, *out, r.rows)) return PHEME_SYS_NOMEM;
  *last = after_event;
  for (int i = 0; i < r.rows; i++) {
    *last = db_int(&r, i, 0);
    (*out)[i].id = db_int(&r, i, 1);
    (*out)[i].user_id = db_int(&r, i, 2);
    (*out)[i].text = db_text(&r, i, 3);
  }
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_submission_events_last(store *s, int64_t *id) {
  sx x;
  pheme_err e = sx_read(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q0(&x, &r, "SELECT coalesce(max(id), 0) FROM submission_events");
  if (!e) *id = db_int(&r, 0, 0);
  sx_end(&x);
  return e;
}

pheme_err store_outcome_consume(store *s, int64_t submission_id, int64_t now_ms) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT coalesce(consumed_at, 0) FROM outcomes WHERE submission_id = $1",
        dbv_int(submission_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e && db_int(&r, 0, 0) != 0) e = PHEME_DATA_STATE;
  if (!e)
    e = Q(&x, &r, "UPDATE outcomes SET consumed_at = $1 WHERE submission_id = $2", dbv_int(now_ms),
          dbv_int(submission_id));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_pipeline_stats(store *s, arena *a, pipeline_stats *out) {
  memset(out, 0, sizeof *out);
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  db_result r;
  if (!e) e = Q0(&x, &r, "SELECT state, count(*) FROM submissions GROUP BY state ORDER BY state");
  if (!e) {
    if (!ALLOC(a, out->states, r.rows)) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) {
      out->states[i].state = db_text(&r, i, 0);
      out->states[i].count = db_int(&r, i, 1);
    }
    if (!e) out->nstates = r.rows;
  }
  if (!e)
    e = Q0(&x, &r,
           "SELECT (SELECT count(*) FROM reviews), (SELECT count(*) FROM disputes WHERE resolved_at IS "
           "NULL), (SELECT count(*) FROM outcomes WHERE consumed_at IS NULL), (SELECT count(*) FROM "
           "validators WHERE status = 'active'), (SELECT count(*) FROM validators WHERE "
           "slashing_candidate = 1)");
  if (!e) {
    out->reviews = db_int(&r, 0, 0);
    out->disputes_open = db_int(&r, 0, 1);
    out->outcomes_unconsumed = db_int(&r, 0, 2);
    out->validators_active = db_int(&r, 0, 3);
    out->slashing_candidates = db_int(&r, 0, 4);
  }
  sx_end(&x);
  return e;
}

pheme_err store_validator_slash(store *s, arena *a, const store_actor *who, int64_t validator_id,
                                const outbox_request *rq, const char *detail, int64_t *intent_id) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q(&x, &r, "UPDATE validators SET slashing_candidate = 0, outlier_streak = 0, updated_at = $1 WHERE id = $2 "
                "RETURNING user_id",
        dbv_int(now), dbv_int(validator_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  int64_t user_id = e ? 0 : db_int(&r, 0, 0);
  int created = 0;
  if (!e) e = outbox_enqueue(&x, rq, now, intent_id, &created);
  if (!e && !created) e = PHEME_DATA_CONFLICT; /* the same slash asked twice */
  if (!e) e = sx_audit(&x, who, "validator.slash", "validator", validator_id, detail);
  if (!e) e = sx_event(&x, "validator.slashed", user_id, 1, "validator", validator_id, detail, now);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}
