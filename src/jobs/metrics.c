/* The queue's collector for the metrics registry; see jobs.h. Depth and age come from storage (so every process
 * serving /metrics shows the whole queue); the outcome counters are this process's. */
#include <stdio.h>

#include "core/util.h"
#include "jobs/jobs.h"
#include "core/banned.h"

void jobs_metrics_collect(metrics_writer *w, void *store_) {
  store *s = store_;
  arena a;
  arena_init(&a, 0);
  job_kind_stats *st = NULL;
  int n = 0;
  int64_t now = time_now_ms();
  pheme_err se = store_jobs_stats(s, &a, &st, &n);
  mw_family(w, "pheme_jobs", METRIC_GAUGE, "Jobs queued, running and dead, by kind.");
  for (int i = 0; !se && i < n; i++)
    for (int k = 0; k < JOB__STATES; k++)
      if (k != JOB_DONE)
        mw_i64(w, (const char *[]){"kind", st[i].kind, "state", job_state_name((job_state)k), NULL},
               st[i].count[k]);
  mw_family(w, "pheme_jobs_retrying", METRIC_GAUGE,
            "Queued jobs waiting for a retry after a failed attempt.");
  for (int i = 0; !se && i < n; i++)
    mw_i64(w, (const char *[]){"kind", st[i].kind, NULL}, st[i].retrying);
  mw_family(w, "pheme_jobs_oldest_queued_seconds", METRIC_GAUGE,
            "Age of the oldest queued job (0 when none).");
  for (int i = 0; !se && i < n; i++) {
    double age = st[i].oldest_queued ? (double)(now - st[i].oldest_queued) / 1000.0 : 0.0;
    mw_f64(w, (const char *[]){"kind", st[i].kind, NULL}, age > 0 ? age : 0.0);
  }
  jobs_counters c;
  jobs_counters_get(&c);
  mw_family(w, "pheme_jobs_storage_up", METRIC_GAUGE,
            "Whether the queue's figures could be read (0: storage failed).");
  mw_i64(w, NULL, se ? 0 : 1);
  mw_family(w, "pheme_jobs_runs_total", METRIC_COUNTER, "Job runs finished by this process, by outcome.");
  mw_u64(w, (const char *[]){"outcome", "done", NULL}, c.done);
  mw_u64(w, (const char *[]){"outcome", "retried", NULL}, c.retried);
  mw_u64(w, (const char *[]){"outcome", "dead", NULL}, c.dead);
  mw_u64(w, (const char *[]){"outcome", "lost", NULL}, c.lost);
  arena_release(&a);
}
