/* PHEME's HTTP server on libmicrohttpd: a pool of threads each running its own epoll loop, a route
 * table, a per-request arena, request ids, strict JSON bodies under a size cap, authentication
 * through a pluggable hook, CORS, security headers, static files, metrics, access logs and a
 * graceful shutdown.
 *
 * A handler gets an http_req whose body (if the route takes one) is already parsed JSON, whose
 * caller is authenticated and holds the route's role, and answers with http_json / http_error. */
#ifndef PHEME_HTTP_SERVER_H
#define PHEME_HTTP_SERVER_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/readctx.h"
#include "core/trace.h"
#include "core/metrics.h"
#include "http/cache.h"
#include "http/ratelimit.h"
#include "http/router.h"

struct MHD_Connection;
struct MHD_Daemon;

/* Who is calling: kind is "api_key" or "session" (a wallet sign-in's access token, or its
 * cookie); empty when anonymous. */
typedef struct {
  const char *kind;
  int64_t user_id;
  uint8_t address[20];
  unsigned roles;
  int64_t key_id;
} principal;

typedef struct http_server http_server;

struct http_req {
  arena arena;                 /* everything made for this request; freed when it ends */
  http_server *srv;
  void *app;                   /* the application context given to http_server_start */
  struct MHD_Connection *conn;
  const char *method, *path;
  const http_route *route;
  int route_index;             /* index in the table; -1 unmatched, for metrics */
  trace_ctx trace;             /* this request's span of its trace (core/trace.h) */
  read_ctx reads;              /* who its reads are for: replica or primary (core/readctx.h) */
  route_params params;
  char id[72];                 /* request id */
  uint64_t start_us;
  buf body;
  int started, body_too_large, answered, raw_nul;
  int close_after;             /* the framing is not to be trusted: close after the answer */
  size_t body_charged;         /* bytes of body_memory this request holds */
  int cache_store;             /* keep a 200 answer in the cache under cache_gen */
  uint64_t cache_gen;
  size_t body_seen;            /* body bytes received, kept or not */
  json_t *json;                /* parsed body, or NULL */
  principal who;
  /* the answer */
  int status;
  char *out;                   /* malloc'ed body */
  size_t out_len;
  const char *content_type;
  const char *error_code;
  const char *hdr_name[8], *hdr_value[8];
  int nhdr;
  void (*resume)(http_req *r); /* set while parked (http_suspend) */
  void *wait;                  /* the handler's state while parked */
  int parking;                 /* http_suspend was called during this call of the handler */
  int is_static;               /* answered from web_root */
  int static_fd;               /* >= 0: answer with this file */
  int file_held;               /* the answer's file took a descriptor of the budget (guard.h) */
  uint64_t static_size;
  uint64_t static_offset;      /* where in static_fd the answer starts */
  void *body_state;            /* a streamed body's state (http_body_stream) */
  size_t discard_limit;        /* a refused streamed body is dropped up to here, then the
                                * connection is closed */
  struct MHD_Response *custom; /* an answer a transport made (http_response), not yet queued */
  int rl_state;                /* atomic: a rate-limit check in flight (server.c, RL_CHECK_*) */
  rl_result rl_res;            /* its answer, once rl_state is RL_CHECK_DONE */
  /* An overlapped check (server.c, overlap_allowed): the handler runs while it is in flight, and
   * its answer decides at the end whether the handler's answer goes out or a 429 does. */
  int rl_overlap;              /* the check in flight (rl_state) is overlapped */
  rl_take *rl_take;            /* an overlapped check on this thread's Redis connection */
  int rl_nhdr;                 /* headers set before the handler ran (kept for a 429) */
};

/* Authenticates a request from its Authorization header value (NULL when absent).
 * Returns 0 with who filled (kind "" when anonymous), or an AUTH error with msg set. */
typedef pheme_err (*http_auth_fn)(http_req *r, const char *authorization, principal *who,
                                  char *msg, size_t msglen);
/* Whether an authenticated caller may use a route whose row needs `need` (the application's role
 * bits; the server knows no roles). Returns 0, or an AUTH error with msg saying what is needed. */
typedef pheme_err (*http_authorize_fn)(const principal *who, unsigned need, char *msg, size_t msglen);

typedef struct {
  const char *listen;          /* HOST:PORT */
  int threads;
  int max_connections;
  int connection_timeout;      /* seconds */
  int per_client_connections;  /* most open connections per client address; 0 = no cap */
  int head_timeout;            /* seconds for a whole request head */
  int body_timeout;            /* seconds for a whole request body */
  size_t body_memory;          /* most bytes of request bodies buffered at once; 0 = no cap */
  size_t body_limit;
  size_t header_limit;
  const char *public_url;
  const char *cors_origins;    /* comma-separated, or "" for the public URL's origin */
  const char *web_root;        /* "" for none */
  int log_requests;
  const http_route *routes;
  size_t nroutes;
  http_auth_fn authenticate;
  http_authorize_fn authorize; /* NULL = a route's role is never satisfied (a bug in wiring) */
  ratelimit *limits;           /* NULL = no rate limits */
  http_cache *cache;           /* NULL = no answer cache */
  uint64_t (*generation)(void *app); /* storage generation, for the cache */
  const char *trusted_proxies; /* peers whose X-Forwarded-For is believed */
  metrics_registry *metrics;   /* where the server registers its collector; NULL = none */
  void *app;
} http_options;

/* Starts listening. Returns NULL with err set when the address cannot be bound. */
http_server *http_server_start(const http_options *o, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int http_server_port(http_server *s);
/* Graceful stop: stop accepting, let in-flight requests finish up to timeout_s, then close.
 * Returns the number of requests still in flight at the deadline (0 = clean). */
int http_server_stop(http_server *s, int timeout_s);
/* Requests being answered right now. */
int http_server_inflight(http_server *s);
/* Client connections open right now, idle keep-alive ones included. */
int http_server_connections(http_server *s);

/* --- for handlers --- */
/* Answers with a JSON body (takes the reference to body). */
void http_json(http_req *r, int status, json_t *body);
/* Answers with the error's status and code, and a message (printf-style; NULL for the default). */
pheme_err http_error(http_req *r, pheme_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Answers with a body already written (malloc'ed; the request frees it) of the given type. */
void http_body(http_req *r, int status, char *body, size_t len, const char *type);
/* Answers with len bytes of an open file from offset (fd is the request's from now on: it is
 * closed when the answer is sent, or when the request ends without it). */
void http_file(http_req *r, int status, int fd, uint64_t offset, uint64_t len, const char *type);
/* Answers with a libmicrohttpd response a transport module made (an SSE stream's callback
 * response, sse.h; a WebSocket upgrade, ws.h); the request owns resp from here (it is destroyed
 * after queueing, or when the request ends without an answer). */
void http_response(http_req *r, int status, struct MHD_Response *resp);
/* Answers 204 No Content. */
void http_no_content(http_req *r);
/* Adds a response header; name and value must live until the request ends (arena or static). */
void http_header(http_req *r, const char *name, const char *value);
/* Parks the request instead of answering now: the connection sleeps until another thread calls
 * http_resume(r); then resume(r) runs on the server's thread and must answer. Call it from a
 * handler before handing r to the other thread, and return without answering. r (its arena
 * included) stays valid until the answer is sent; the server's graceful stop waits for parked
 * requests. For work that is better done many requests at a time (group commit, store/batch.h). */
void http_suspend(http_req *r, void (*resume)(http_req *r));
/* Wakes a parked request. Any thread, once per http_suspend. */
void http_resume(http_req *r);
/* A path parameter by name, or NULL. */
const char *http_param(http_req *r, const char *name);
/* A query-string argument, or NULL. */
const char *http_query(http_req *r, const char *key);
/* A request header, or NULL. */
const char *http_request_header(http_req *r, const char *name);

/* The answer cache's statistics; zeros without a cache. */
void http_cache_stats(http_server *s, http_cache_usage *out);

#endif
