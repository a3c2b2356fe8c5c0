/* Operations endpoints: liveness, readiness, metrics, the OpenAPI document. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "jobs/jobs.h"
#include "store/batch.h"
#include "core/banned.h"

void ops_healthz(http_req *r) { http_json(r, 200, json_pack("{s:s}", "status", "ok")); }

void ops_readyz(http_req *r) {
  char why[200];
  if (store_ready(req_store(r), why, sizeof why)) {
    http_error(r, PHEME_SYS_STORAGE, "not ready: %s", why);
    return;
  }
  http_json(r, 200, json_pack("{s:s,s:s}", "status", "ready", "storage", store_driver_name(req_store(r))));
}

void ops_metrics(http_req *r) {
  buf out;
  buf_init(&out, 4u << 20);
  store_stats st;
  store_stats_get(req_store(r), &st);
  int err = http_metrics_render(r->srv, &out) ||
            buf_printf(&out,
                       "# HELP pheme_storage_pool_connections Pooled storage connections by state.\n"
                       "# TYPE pheme_storage_pool_connections gauge\n"
                       "pheme_storage_pool_connections{driver=\"%s\",state=\"total\"} %d\n"
                       "pheme_storage_pool_connections{driver=\"%s\",state=\"in_use\"} %d\n"
                       "pheme_storage_pool_waiting{driver=\"%s\"} %d\n"
                       "# HELP pheme_storage_pool_acquired_total Connections handed out.\n"
                       "# TYPE pheme_storage_pool_acquired_total counter\n"
                       "pheme_storage_pool_acquired_total{driver=\"%s\"} %llu\n"
                       "# HELP pheme_storage_pool_timeouts_total Waits for a connection that timed out.\n"
                       "# TYPE pheme_storage_pool_timeouts_total counter\n"
                       "pheme_storage_pool_timeouts_total{driver=\"%s\"} %llu\n",
                       st.db_driver, st.pool_size, st.db_driver, st.pool_in_use, st.db_driver,
                       st.pool_waiting, st.db_driver, (unsigned long long)st.pool_acquired,
                       st.db_driver, (unsigned long long)st.pool_timeouts);
  store_batch_stats gs;
  store_batch_stats_get(req_store(r), &gs);
  err = err || buf_printf(&out,
                          "# HELP pheme_storage_group_commits_total Transactions of the group committer (sign-ins).\n"
                          "# TYPE pheme_storage_group_commits_total counter\n"
                          "pheme_storage_group_commits_total %llu\n"
                          "# HELP pheme_storage_group_jobs_total Writes it finished (failed ones included).\n"
                          "# TYPE pheme_storage_group_jobs_total counter\n"
                          "pheme_storage_group_jobs_total %llu\n"
                          "# HELP pheme_storage_group_reruns_total Batches run again without a job that failed.\n"
                          "# TYPE pheme_storage_group_reruns_total counter\n"
                          "pheme_storage_group_reruns_total %llu\n"
                          "# HELP pheme_storage_group_largest The most writes committed in one transaction.\n"
                          "# TYPE pheme_storage_group_largest gauge\n"
                          "pheme_storage_group_largest %llu\n",
                          (unsigned long long)gs.commits, (unsigned long long)gs.jobs,
                          (unsigned long long)gs.reruns, (unsigned long long)gs.largest);
  err = err || jobs_metrics_render(req_store(r), &out);
  if (err) {
    buf_release(&out);
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  size_t n;
  char *text = buf_detach(&out, &n);
  free(r->out);
  r->out = text;
  r->out_len = n;
  r->status = 200;
  r->content_type = "text/plain; version=0.0.4; charset=utf-8";
  r->answered = 1;
}

void ops_openapi(http_req *r) {
  json_t *doc = api_openapi(req_app(r)->cfg->public_url);
  if (!doc) {
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  http_json(r, 200, doc);
}
