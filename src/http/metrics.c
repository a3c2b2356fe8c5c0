/* Request metrics and their Prometheus text; see server.h. Counters are plain integers updated
 * with relaxed atomics: a scrape may see a request in the count but not yet in the sum, which
 * Prometheus tolerates. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <dirent.h>
#include <unistd.h>

#include "chain/indexer.h"
#include "core/version.h"
#include "core/util.h"
#include "http/internal.h"
#include "core/banned.h"

const int metric_status_codes[METRIC_STATUSES] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                                  409, 413, 415, 422, 429, 500, 503, 504, 0};
const double metric_bucket_bounds[METRIC_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                     0.005,  0.01,    0.025,  0.05,  0.1,
                                                     0.25,   0.5,     1.0,    5.0};

void metrics_record(http_server *s, int slot, int status, uint64_t latency_us) {
  route_metrics *m = &s->metrics[slot];
  int i = 0;
  while (i < METRIC_STATUSES - 1 && metric_status_codes[i] != status) i++;
  __atomic_add_fetch(&m->by_status[i], 1, __ATOMIC_RELAXED);
  double sec = (double)latency_us / 1e6;
  int b = 0;
  while (b < METRIC_BUCKETS && sec > metric_bucket_bounds[b]) b++;
  if (b < METRIC_BUCKETS) __atomic_add_fetch(&m->buckets[b], 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&m->sum_us, latency_us, __ATOMIC_RELAXED);
  __atomic_add_fetch(&m->count, 1, __ATOMIC_RELAXED);
}

static const char *slot_name(http_server *s, size_t i, char *tmp, size_t n) {
  if (i == s->o.nroutes) return "static";
  if (i == s->o.nroutes + 1) return "unmatched";
  snprintf(tmp, n, "%s %s", s->o.routes[i].method, s->o.routes[i].pattern);
  return tmp;
}

static long count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  long n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1; /* the directory's own descriptor */
}

static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, rss = 0;
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = -1;
  fclose(f);
  return rss < 0 ? -1 : rss * sysconf(_SC_PAGESIZE);
}

int http_metrics_render(http_server *s, buf *out) {
  int e = 0;
  char name[160];
  e |= buf_adds(out,
                "# HELP pheme_http_requests_total HTTP requests answered, by route and status.\n"
                "# TYPE pheme_http_requests_total counter\n");
  for (size_t i = 0; i < s->o.nroutes + 2; i++) {
    route_metrics *m = &s->metrics[i];
    for (int k = 0; k < METRIC_STATUSES; k++) {
      uint64_t v = __atomic_load_n(&m->by_status[k], __ATOMIC_RELAXED);
      if (!v) continue;
      char code[8];
      if (metric_status_codes[k]) snprintf(code, sizeof code, "%d", metric_status_codes[k]);
      else snprintf(code, sizeof code, "other");
      e |= buf_printf(out, "pheme_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                      slot_name(s, i, name, sizeof name), code, (unsigned long long)v);
    }
  }
  e |= buf_adds(out,
                "# HELP pheme_http_request_duration_seconds Time from request line to response completed.\n"
                "# TYPE pheme_http_request_duration_seconds histogram\n");
  for (size_t i = 0; i < s->o.nroutes + 2; i++) {
    route_metrics *m = &s->metrics[i];
    uint64_t count = __atomic_load_n(&m->count, __ATOMIC_RELAXED);
    if (!count) continue;
    const char *rn = slot_name(s, i, name, sizeof name);
    uint64_t cum = 0;
    for (int b = 0; b < METRIC_BUCKETS; b++) {
      cum += __atomic_load_n(&m->buckets[b], __ATOMIC_RELAXED);
      e |= buf_printf(out, "pheme_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                      rn, metric_bucket_bounds[b], (unsigned long long)cum);
    }
    e |= buf_printf(out,
                    "pheme_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                    "pheme_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                    "pheme_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                    rn, (unsigned long long)count, rn,
                    (double)__atomic_load_n(&m->sum_us, __ATOMIC_RELAXED) / 1e6, rn,
                    (unsigned long long)count);
  }
  cache_stats cs;
  http_cache_stats(s, &cs);
  e |= buf_printf(out,
                  "# HELP pheme_http_cache_hits_total Answers served from the answer cache.\n"
                  "# TYPE pheme_http_cache_hits_total counter\n"
                  "pheme_http_cache_hits_total %llu\n"
                  "# HELP pheme_http_cache_misses_total Cacheable requests the cache could not answer.\n"
                  "# TYPE pheme_http_cache_misses_total counter\n"
                  "pheme_http_cache_misses_total %llu\n"
                  "# HELP pheme_http_cache_entries Answers held in the cache.\n"
                  "# TYPE pheme_http_cache_entries gauge\n"
                  "pheme_http_cache_entries %llu\n"
                  "# HELP pheme_http_cache_bytes Memory held by the cache.\n"
                  "# TYPE pheme_http_cache_bytes gauge\n"
                  "pheme_http_cache_bytes %llu\n",
                  (unsigned long long)cs.hits, (unsigned long long)cs.misses,
                  (unsigned long long)cs.entries, (unsigned long long)cs.bytes);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  e |= buf_printf(out,
                  "# HELP pheme_http_requests_in_flight Requests being answered now.\n"
                  "# TYPE pheme_http_requests_in_flight gauge\n"
                  "pheme_http_requests_in_flight %d\n"
                  "# HELP pheme_http_connections_open Client connections open now (keep-alive ones included).\n"
                  "# TYPE pheme_http_connections_open gauge\n"
                  "pheme_http_connections_open %d\n"
                  "# HELP pheme_http_connections_total Client connections accepted.\n"
                  "# TYPE pheme_http_connections_total counter\n"
                  "pheme_http_connections_total %llu\n"
                  "# HELP pheme_build_info Version and commit of this build.\n"
                  "# TYPE pheme_build_info gauge\n"
                  "pheme_build_info{version=\"%s\",commit=\"%s\"} 1\n"
                  "# HELP process_cpu_seconds_total User and system CPU time.\n"
                  "# TYPE process_cpu_seconds_total counter\n"
                  "process_cpu_seconds_total %.6f\n"
                  "# HELP process_resident_memory_bytes Resident memory.\n"
                  "# TYPE process_resident_memory_bytes gauge\n"
                  "process_resident_memory_bytes %ld\n"
                  "# HELP process_open_fds Open file descriptors.\n"
                  "# TYPE process_open_fds gauge\n"
                  "process_open_fds %ld\n"
                  "# HELP process_start_time_seconds Start time since the Unix epoch.\n"
                  "# TYPE process_start_time_seconds gauge\n"
                  "process_start_time_seconds %.3f\n",
                  __atomic_load_n(&s->inflight, __ATOMIC_RELAXED),
                  __atomic_load_n(&s->connections_open, __ATOMIC_RELAXED),
                  (unsigned long long)__atomic_load_n(&s->connections_total, __ATOMIC_RELAXED),
                  PHEME_VERSION, PHEME_GIT_COMMIT,
                  cpu, rss_bytes(), count_fds(), (double)s->started_at / 1000.0);
  e |= indexer_metrics_render(out); /* the chain indexer's progress and its reorg alert */
  return e ? -1 : 0;
}
