/* The queue's Prometheus text; see jobs.h. Depth and age come from storage (so every process
 * serving /metrics shows the whole queue); the outcome counters are this process's. */
#include <stdio.h>

#include "core/util.h"
#include "jobs/jobs.h"
#include "core/banned.h"

int jobs_metrics_render(store *s, buf *out) {
  arena a;
  arena_init(&a, 0);
  job_kind_stats *st = NULL;
  int n = 0, e = 0;
  int64_t now = time_now_ms();
  pheme_err se = store_jobs_stats(s, &a, &st, &n);
  e |= buf_adds(out,
                "# HELP pheme_jobs Jobs queued, running and dead, by kind.\n"
                "# TYPE pheme_jobs gauge\n");
  for (int i = 0; !se && i < n; i++)
    for (int k = 0; k < JOB__STATES; k++)
      if (k != JOB_DONE)
        e |= buf_printf(out, "pheme_jobs{kind=\"%s\",state=\"%s\"} %lld\n", st[i].kind,
                      job_state_name((job_state)k), (long long)st[i].count[k]);
  e |= buf_adds(out,
                "# HELP pheme_jobs_retrying Queued jobs waiting for a retry after a failed attempt.\n"
                "# TYPE pheme_jobs_retrying gauge\n");
  for (int i = 0; !se && i < n; i++)
    e |= buf_printf(out, "pheme_jobs_retrying{kind=\"%s\"} %lld\n", st[i].kind, (long long)st[i].retrying);
  e |= buf_adds(out,
                "# HELP pheme_jobs_oldest_queued_seconds Age of the oldest queued job (0 when none).\n"
                "# TYPE pheme_jobs_oldest_queued_seconds gauge\n");
  for (int i = 0; !se && i < n; i++) {
    double age = st[i].oldest_queued ? (double)(now - st[i].oldest_queued) / 1000.0 : 0.0;
    e |= buf_printf(out, "pheme_jobs_oldest_queued_seconds{kind=\"%s\"} %.3f\n", st[i].kind,
                    age > 0 ? age : 0.0);
  }
  jobs_counters c;
  jobs_counters_get(&c);
  e |= buf_printf(out,
                  "# HELP pheme_jobs_storage_up Whether the queue's figures could be read (0: storage failed).\n"
                  "# TYPE pheme_jobs_storage_up gauge\n"
                  "pheme_jobs_storage_up %d\n"
                  "# HELP pheme_jobs_runs_total Job runs finished by this process, by outcome.\n"
                  "# TYPE pheme_jobs_runs_total counter\n"
                  "pheme_jobs_runs_total{outcome=\"done\"} %llu\n"
                  "pheme_jobs_runs_total{outcome=\"retried\"} %llu\n"
                  "pheme_jobs_runs_total{outcome=\"dead\"} %llu\n"
                  "pheme_jobs_runs_total{outcome=\"lost\"} %llu\n",
                  se ? 0 : 1, (unsigned long long)c.done, (unsigned long long)c.retried,
                  (unsigned long long)c.dead, (unsigned long long)c.lost);
  arena_release(&a);
  return e ? -1 : 0;
}
