/* The route table's matcher. A pattern is a path with literal segments and :name parameters
 * ("/api/v1/tasks/:id/submissions"); matching is exact per segment, literal segments win over
 * parameters by table order (list literals first). */
#ifndef PHEME_HTTP_ROUTER_H
#define PHEME_HTTP_ROUTER_H

#include <stddef.h>

#include "core/err.h"

#define ROUTE_MAX_PARAMS 4

typedef struct http_req http_req;
typedef void (*http_handler)(http_req *r);

/* A route's request-body schema: its name and fields (defined by the application, api/api.h). */
struct api_schema;

/* A route with no rate limit (operations: health, readiness, metrics). */
#define ROUTE_UNLIMITED (-1)

/* A route that takes its body as a stream instead of a parsed JSON document (an upload). The
 * caller is authenticated, rate-limited and checked for the route's role as soon as the headers
 * are in, before any of the body is read; then begin(r) runs, which may refuse (answer) at once —
 * a wrong Content-Type, a Content-Length over the route's own limit — so the body is never read.
 * Each piece of body then goes to piece(r, data, n), which returns 0, or answers (say 413 once
 * the route's limit is passed) and returns the code it answered with: the rest of the body is then read and dropped (up
 * to a ceiling, past which the connection is closed). When the body is complete the handler runs
 * as usual, unless an answer was given. The route's JSON body limit and Content-Type check do not
 * apply. The stream keeps its state in r->body_state; when a request ends with body_state still
 * set (the client went away, or a refusal), abort(r) is called to release it. */
typedef struct {
  pheme_err (*begin)(http_req *r);
  pheme_err (*piece)(http_req *r, const char *data, size_t n);
  void (*abort)(http_req *r);
} http_body_stream;

/* http_route.flags */
enum {
  /* a public GET whose 200 answers may be served from the answer cache */
  ROUTE_CACHEABLE = 1,
  /* a GET whose answer lives on (an event stream, an upgrade): its handler takes resources for
   * it, so it runs only once the caller is admitted. Every other public GET of the read class
   * only reads (RFC 9110 §9.2.1, safe methods), so its handler may run while the caller's
   * rate-limit check is in flight (docs/internals/http.md, "Overlapped checks"). */
  ROUTE_LIVE = 2,
};

typedef struct {
  const char *method;   /* "GET", "POST", "PATCH", "DELETE", "PUT" */
  const char *pattern;
  http_handler handler;
  unsigned role;        /* 0 = public; otherwise the ROLE_* bit required (admin passes all) */
  int rate;             /* rate-limit class (rl_class of http/ratelimit.h), or ROUTE_UNLIMITED */
  const char *summary;  /* one line, for OpenAPI */
  const char *tag;      /* OpenAPI tag */
  const struct api_schema *body; /* schema of the request body, or NULL */
  int status;           /* status of a successful answer */
  int flags;            /* ROUTE_* below */
  const http_body_stream *stream; /* the body is streamed to these (uploads); NULL = JSON body */
} http_route;

typedef struct {
  int n;
  const char *name[ROUTE_MAX_PARAMS];
  char value[ROUTE_MAX_PARAMS][128];
} route_params;

typedef enum { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD } route_result;

/* Finds the route for method and path. On ROUTE_FOUND, *out is the route and params holds the
 * path parameters (a parameter longer than 127 bytes does not match). ROUTE_NO_METHOD means some
 * route has the path but not the method; allow then lists the methods ("GET, POST"). */
route_result router_match(const http_route *routes, size_t n, const char *method, const char *path,
                          const http_route **out, route_params *params, char *allow,
                          size_t allow_len);

/* Checks a table: every pattern well-formed, no two routes with the same method and shape.
 * Returns 0, or -1 with why. */
pheme_err router_check(const http_route *routes, size_t n, char *why, size_t len);

#endif
