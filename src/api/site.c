/* The site's own views: the landing page's figures (GET /api/v1/stats) and the operator's view of
 * the job queue (GET /api/v1/admin/jobs, …/stats, POST …/:id/retry), the HTTP side of `pheme jobs
 * list|retry`. Thin handlers over store_site_stats and store/jobs.h. */
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "store/jobs.h"
#include "core/banned.h"

/* ---- GET /api/v1/stats ---- */

void stats_get(http_req *r) {
  site_stats st;
  pheme_err e = store_site_stats(req_store(r), &r->arena, &st);
  if (e) { api_fail(r, e, "figures"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "openTasks");
  jw_int(&w, st.open_tasks);
  jw_key(&w, "people");
  jw_int(&w, st.people);
  jw_key(&w, "guilds");
  jw_int(&w, st.guilds);
  jw_key(&w, "skills");
  jw_int(&w, st.skills);
  jw_key(&w, "quests");
  jw_int(&w, st.quests);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

/* ---- the job queue (admin) ---- */

static void job_write(jw *w, const job *j) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, j->id);
  jw_key(w, "kind");
  jw_str(w, j->kind);
  jw_key(w, "state");
  jw_str(w, job_state_name(j->state));
  jw_key(w, "attempts");
  jw_int(w, j->attempts);
  jw_key(w, "maxAttempts");
  jw_int(w, j->max_attempts);
  jw_key(w, "runAt");
  jw_time(w, j->run_at);
  jw_key(w, "leaseOwner");
  jw_str(w, j->lease_owner);
  jw_key(w, "lastError");
  jw_str(w, j->last_error);
  jw_key(w, "idempotencyKey");
  jw_str(w, j->idempotency_key);
  jw_key(w, "payload");
  jw_raw(w, j->payload, "{}");
  jw_key(w, "createdAt");
  jw_time(w, j->created_at);
  jw_key(w, "updatedAt");
  jw_time(w, j->updated_at);
  jw_end(w);
}

void admin_jobs_list(http_req *r) {
  job_filter f = {http_query(r, "kind"), -1};
  const char *state = http_query(r, "state");
  if (state && (f.state = job_state_parse(state)) < 0) {
    http_error(r, PHEME_API_BAD_REQUEST, "state '%.20s' must be one of queued|running|done|dead", state);
    return;
  }
  if (f.kind && (!f.kind[0] || strlen(f.kind) > JOB_KIND_MAX)) {
    http_error(r, PHEME_API_BAD_REQUEST, "kind must be 1 to %d characters", JOB_KIND_MAX);
    return;
  }
  store_page p;
  if (api_page(r, &p)) return;
  job *list;
  int n;
  pheme_err e = store_jobs_list(req_store(r), &r->arena, &f, &p, &list, &n);
  if (e) { api_fail(r, e, "jobs"); return; }
  API_ANSWER_PAGE(r, list, n, &p, job_write, id);
}

void admin_jobs_stats(http_req *r) {
  job_kind_stats *kinds;
  int n;
  pheme_err e = store_jobs_stats(req_store(r), &r->arena, &kinds, &n);
  if (e) { api_fail(r, e, "job figures"); return; }
  jobs_counters c;
  jobs_counters_get(&c);
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "runs");
  jw_obj(&w);
  jw_key(&w, "done");
  jw_int(&w, (long long)c.done);
  jw_key(&w, "retried");
  jw_int(&w, (long long)c.retried);
  jw_key(&w, "dead");
  jw_int(&w, (long long)c.dead);
  jw_key(&w, "lost");
  jw_int(&w, (long long)c.lost);
  jw_end(&w);
  jw_key(&w, "kinds");
  jw_arr(&w);
  for (int i = 0; i < n; i++) {
    jw_obj(&w);
    jw_key(&w, "kind");
    jw_str(&w, kinds[i].kind);
    for (int s = 0; s < JOB__STATES; s++) {
      if (s == JOB_DONE) continue; /* not counted by the store */
      jw_key(&w, job_state_name((job_state)s));
      jw_int(&w, kinds[i].count[s]);
    }
    jw_key(&w, "retrying");
    jw_int(&w, kinds[i].retrying);
    jw_key(&w, "oldestQueuedAt");
    jw_time(&w, kinds[i].oldest_queued);
    jw_end(&w);
  }
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

void admin_job_retry(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  store *s = req_store(r);
  store_actor who = api_actor(r);
  pheme_err e = store_job_retry(s, &who, id, time_now_ms());
  if (e == PHEME_DATA_STATE) {
    http_error(r, e, "job %lld is not dead: only dead jobs are retried", (long long)id);
    return;
  }
  if (e) { api_fail(r, e, "job"); return; }
  job j;
  e = store_job_get(s, &r->arena, id, &j);
  if (e) { api_fail(r, e, "job"); return; }
  API_ANSWER(r, 200, job_write, &j);
}
