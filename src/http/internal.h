/* Shared between the server's files (server.c, static.c, metrics.c); not for handlers. */
#ifndef PHEME_HTTP_INTERNAL_H
#define PHEME_HTTP_INTERNAL_H

#include <pthread.h>

#include "http/server.h"

#define GUARD_CLIENT_SLOTS 1024
typedef struct guard_conn guard_conn;
typedef struct guard_client guard_client;
typedef struct guard_lingering guard_lingering;

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
  int conn_limit;             /* connections served; GUARD_RESERVE more answer health probes */
  long fd_limit;              /* the soft RLIMIT_NOFILE it was sized from */
  size_t body_bytes;          /* atomic: bytes of request bodies buffered now */
  uint64_t body_refused;      /* atomic: refused because body_memory was used up */
  uint64_t framing_refused;   /* atomic: refused for their framing (RFC 9112) */
  /* the connection guard (guard.c) */
  pthread_mutex_t guard_mu;
  pthread_cond_t guard_cv;
  pthread_t guard_thread;
  int guard_started, guard_running; /* under guard_mu */
  guard_conn *guard_conns;          /* every open connection, under guard_mu */
  guard_client *guard_clients[GUARD_CLIENT_SLOTS]; /* open connections per client, under guard_mu */
  int guard_open;                   /* under guard_mu */
  int guard_files;                  /* files held by answers being sent, under guard_mu */
  guard_lingering *guard_lingers;   /* closed connections being drained, under guard_mu */
  int guard_nlingers;               /* under guard_mu */
  uint64_t guard_refused;           /* atomic: connections over their client's cap */
  uint64_t guard_deadline_closed;   /* atomic: closed for missing the head or body deadline */
  uint64_t guard_reserve_used;      /* atomic: connections accepted into the reserve */
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
