/* Shared between the server's files (server.c, static.c, metrics.c); not for handlers. */
#ifndef PHEME_HTTP_INTERNAL_H
#define PHEME_HTTP_INTERNAL_H

#include "http/server.h"

#define METRIC_STATUSES 18
#define METRIC_BUCKETS 14

typedef struct {
  uint64_t by_status[METRIC_STATUSES];
  uint64_t buckets[METRIC_BUCKETS]; /* cumulative counts are made when rendering */
  uint64_t sum_us, count;
} route_metrics;

struct http_server {
  struct MHD_Daemon *d;
  http_options o;
  char **origins;
  int norigins;
  int hsts;
  int port;
  int inflight;        /* atomic */
  int parked;          /* atomic: requests between http_suspend and their answer */
  int stopping;        /* atomic */
  uint64_t next_id;    /* atomic */
  char id_prefix[12];
  route_metrics *metrics; /* nroutes + 2: static files, then unmatched */
  uint64_t connections_total; /* atomic */
  uint64_t auth_failures;     /* atomic: authentications that failed */
  uint64_t auth_refused;      /* atomic: answered 429 from memory after too many failures */
  int connections_open;       /* atomic */
};

extern const int metric_status_codes[METRIC_STATUSES];
extern const double metric_bucket_bounds[METRIC_BUCKETS];

void http_metrics_record(http_server *s, int slot, int status, uint64_t latency_us);
/* Adds (removes) the server's collector to (from) o.metrics, when given. */
int http_metrics_register(http_server *s) PHEME_MUST_CHECK;
void http_metrics_unregister(http_server *s);

/* Answers from web_root when the path names a file there, or with index.html for app routes.
 * Returns 1 when it answered. */
int static_serve(http_server *s, http_req *r);

#endif
