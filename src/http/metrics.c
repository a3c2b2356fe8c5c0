/* Request metrics and their collector for the metrics registry (core/metrics.h). Counters are plain integers updated
 * with relaxed atomics: a scrape may see a request in the count but not yet in the sum, which
 * Prometheus tolerates. */
#include <stdio.h>
#include <string.h>

#include "core/metrics.h"
#include "http/internal.h"
#include "core/banned.h"

const int metric_status_codes[METRIC_STATUSES] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                                  409, 413, 415, 422, 429, 500, 503, 504, 0};
const double metric_bucket_bounds[METRIC_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                     0.005,  0.01,    0.025,  0.05,  0.1,
                                                     0.25,   0.5,     1.0,    5.0};

void http_metrics_record(http_server *s, int slot, int status, uint64_t latency_us) {
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

/* The server's collector (registered by http_server_start): requests by route and status, their
 * latency, the answer cache, connections. */
static void collect(metrics_writer *w, void *ctx) {
  http_server *s = ctx;
  char name[160], code[8];
  mw_family(w, "pheme_http_requests_total", METRIC_COUNTER, "HTTP requests answered, by route and status.");
  for (size_t i = 0; i < s->o.nroutes + 2; i++) {
    route_metrics *m = &s->metrics[i];
    for (int k = 0; k < METRIC_STATUSES; k++) {
      uint64_t v = __atomic_load_n(&m->by_status[k], __ATOMIC_RELAXED);
      if (!v) continue;
      if (metric_status_codes[k]) snprintf(code, sizeof code, "%d", metric_status_codes[k]);
      else snprintf(code, sizeof code, "other");
      mw_u64(w, (const char *[]){"route", slot_name(s, i, name, sizeof name), "status", code, NULL}, v);
    }
  }
  mw_family(w, "pheme_http_request_duration_seconds", METRIC_HISTOGRAM,
            "Time from request line to response completed.");
  for (size_t i = 0; i < s->o.nroutes + 2; i++) {
    route_metrics *m = &s->metrics[i];
    uint64_t count = __atomic_load_n(&m->count, __ATOMIC_RELAXED);
    if (!count) continue;
    uint64_t buckets[METRIC_BUCKETS];
    for (int b = 0; b < METRIC_BUCKETS; b++) buckets[b] = __atomic_load_n(&m->buckets[b], __ATOMIC_RELAXED);
    mw_histogram(w, (const char *[]){"route", slot_name(s, i, name, sizeof name), NULL},
                 metric_bucket_bounds, buckets, METRIC_BUCKETS,
                 (double)__atomic_load_n(&m->sum_us, __ATOMIC_RELAXED) / 1e6, count);
  }
  http_cache_usage cs;
  http_cache_stats(s, &cs);
  mw_family(w, "pheme_http_cache_hits_total", METRIC_COUNTER, "Answers served from the answer cache.");
  mw_u64(w, NULL, cs.hits);
  mw_family(w, "pheme_http_cache_misses_total", METRIC_COUNTER, "Cacheable requests the cache could not answer.");
  mw_u64(w, NULL, cs.misses);
  mw_family(w, "pheme_http_cache_entries", METRIC_GAUGE, "Answers held in the cache.");
  mw_u64(w, NULL, cs.entries);
  mw_family(w, "pheme_http_cache_bytes", METRIC_GAUGE, "Memory held by the cache.");
  mw_u64(w, NULL, cs.bytes);
  mw_family(w, "pheme_http_requests_in_flight", METRIC_GAUGE, "Requests being answered now.");
  mw_i64(w, NULL, __atomic_load_n(&s->inflight, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_connections_open", METRIC_GAUGE,
            "Client connections open now (keep-alive ones included).");
  mw_i64(w, NULL, __atomic_load_n(&s->connections_open, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_connections_total", METRIC_COUNTER, "Client connections accepted.");
  mw_u64(w, NULL, __atomic_load_n(&s->connections_total, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_auth_failures_total", METRIC_COUNTER,
            "Requests whose credentials were refused (bad or revoked key, bad or expired token).");
  mw_u64(w, NULL, __atomic_load_n(&s->auth_failures, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_auth_refused_total", METRIC_COUNTER,
            "Requests with credentials answered 429 from memory: their address failed too often.");
  mw_u64(w, NULL, __atomic_load_n(&s->auth_refused, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_connection_limit", METRIC_GAUGE,
            "Connections served at once (sized from the fd limit); a reserve above it answers health probes.");
  mw_i64(w, NULL, s->conn_limit);
  mw_family(w, "pheme_http_connections_refused_total", METRIC_COUNTER,
            "Connections closed at once: their client address held per_client_connections already.");
  mw_u64(w, NULL, __atomic_load_n(&s->guard_refused, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_deadline_closed_total", METRIC_COUNTER,
            "Connections closed for missing the request head or body deadline.");
  mw_u64(w, NULL, __atomic_load_n(&s->guard_deadline_closed, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_reserve_connections_total", METRIC_COUNTER,
            "Connections accepted over the limit, into the reserve for /healthz and /readyz.");
  mw_u64(w, NULL, __atomic_load_n(&s->guard_reserve_used, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_body_bytes", METRIC_GAUGE, "Bytes of request bodies buffered now.");
  mw_u64(w, NULL, __atomic_load_n(&s->body_bytes, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_body_refused_total", METRIC_COUNTER,
            "Requests answered 503 because the bodies in flight used body_memory up.");
  mw_u64(w, NULL, __atomic_load_n(&s->body_refused, __ATOMIC_RELAXED));
  mw_family(w, "pheme_http_framing_refused_total", METRIC_COUNTER,
            "Requests refused for their framing (RFC 9112: duplicate Content-Length, unknown coding, ...).");
  mw_u64(w, NULL, __atomic_load_n(&s->framing_refused, __ATOMIC_RELAXED));
}

int http_metrics_register(http_server *s) {
  return s->o.metrics ? metrics_register(s->o.metrics, collect, s) : 0;
}

void http_metrics_unregister(http_server *s) {
  if (s->o.metrics) metrics_unregister(s->o.metrics, collect, s);
}
