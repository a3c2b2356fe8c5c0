/* Submissions of work to tasks; see store.h. */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "store/internal.h"
#include "store/jobs.h"
#include "core/banned.h"

void sx_submission_read(const db_result *r, int i, int c, submission *s) {
  s->id = db_int(r, i, c);
  s->task_id = db_int(r, i, c + 1);
  s->user_id = db_int(r, i, c + 2);
  sx_addr(r, i, c + 3, s->user_address);
  s->text = db_text(r, i, c + 4);
  s->evidence = db_text(r, i, c + 5);
  s->state = db_text(r, i, c + 6);
  s->feedback = db_text(r, i, c + 7);
  s->final_score = (int)db_int(r, i, c + 8);
  s->created_at = db_int(r, i, c + 9);
  s->updated_at = db_int(r, i, c + 10);
}

static const char by_id[] =
    "SELECT " SUB_COLS " FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.id = $1";
static const char by_id_locked[] =
    "SELECT " SUB_COLS " FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 "
    "FOR UPDATE OF s";

pheme_err sx_submission_get(sx *x, int64_t id, int lock, submission *out) {
  db_result r;
  pheme_err e = Q(x, &r, lock && sx_is_pg(x) ? by_id_locked : by_id, dbv_int(id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) sx_submission_read(&r, 0, 0, out);
  return e;
}

pheme_err sx_submission_event(sx *x, int64_t sub_id, const char *from, const char *to,
                              const char *event, const char *actor, int64_t actor_id,
                              const char *detail, int64_t now) {
  db_result r;
  pheme_err e =
      Q(x, &r,
        "INSERT INTO submission_events (submission_id, from_state, to_state, event, actor, "
        "actor_id, at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        dbv_int(sub_id), dbv_text(from), dbv_text(to), dbv_text(event), dbv_text(actor),
        actor_id ? dbv_int(actor_id) : dbv_null(), dbv_int(now), dbv_text(detail ? detail : "{}"));
  if (!e && strcmp(from, to) != 0) e = sx_submission_state_event(x, sub_id, from, to, event, now);
  return e;
}

pheme_err store_submission_create(store *s, arena *a, const store_actor *who, submission *sub,
                                  submission_check_fn check, void *ctx) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  task t;
  /* The task's row is share-locked on PostgreSQL so it cannot change between the check and the
   * insert; live submissions are also unique per person and task in the schema (0004). */
  e = sx_task_get(&x, sub->task_id, 2, &t);
  if (!e)
    /* `+task_id` keeps SQLite off submissions_task (task_id, id), which it liked for the ORDER BY
     * and which reads every submission of the task (2-3.5 ms at 6,000); submissions_user reads the
     * person's few. The unary plus is a no-op for PostgreSQL's planner. */
    e = Q(&x, &r, "SELECT state FROM submissions WHERE +task_id = $1 AND user_id = $2 ORDER BY id",
          dbv_int(sub->task_id), dbv_int(sub->user_id));
  if (!e) {
    const char **earlier = arena_zalloc(a, sizeof *earlier * (size_t)(r.rows ? r.rows : 1));
    if (!earlier) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) earlier[i] = db_text(&r, i, 0);
    if (!e) e = check(&t, earlier, r.rows, ctx);
  }
  if (!e)
    e = Q(&x, &r,
          "INSERT INTO submissions (task_id, user_id, text, evidence, state, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
          dbv_int(sub->task_id), dbv_int(sub->user_id), dbv_text(sub->text),
          dbv_text(sub->evidence), dbv_text(sub->state), dbv_int(now));
  if (!e) {
    sub->id = db_int(&r, 0, 0);
    e = sx_audit(&x, who, "submission.create", "submission", sub->id, NULL);
  }
  /* the first row of the timeline, and the pipeline's first job in the same transaction */
  if (!e)
    e = sx_submission_event(&x, sub->id, "", sub->state, "submit", "submitter", sub->user_id,
                            NULL, now);
  if (!e) {
    char payload[48];
    snprintf(payload, sizeof payload, "{\"submission\":%lld}", (long long)sub->id);
    job_request rq = {STORE_JOB_SUBMISSION_CHECK, payload, NULL, 0, 0};
    e = jobs_enqueue_in(&x, &rq, now, NULL, NULL);
  }
  if (!e) e = Q(&x, &r, by_id, dbv_int(sub->id));
  if (!e) sx_submission_read(&r, 0, 0, sub);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_submission_get(store *s, arena *a, int64_t id, submission *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, by_id, dbv_int(id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) sx_submission_read(&r, 0, 0, out);
  sx_end(&x);
  return e;
}

pheme_err store_submissions_list(store *s, arena *a, int64_t user_id, int64_t task_id,
                                 const store_page *p, submission **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  /* 0 means "any": the comparison with 0 is written so both dialects plan it simply. */
  e = Q(&x, &r,
        "SELECT " SUB_COLS " FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.id < $1 "
        "AND (CAST($2 AS BIGINT) = 0 OR s.user_id = $2) AND (CAST($3 AS BIGINT) = 0 OR s.task_id = $3) ORDER BY s.id DESC LIMIT $4",
        dbv_int(page_before(p)), dbv_int(user_id), dbv_int(task_id), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) sx_submission_read(&r, i, 0, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}
