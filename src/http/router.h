/* The route table's matcher. A pattern is a path with literal segments and :name parameters
 * ("/api/v1/tasks/:id/submissions"); matching is exact per segment, literal segments win over
 * parameters by table order (list literals first). */
#ifndef PHEME_HTTP_ROUTER_H
#define PHEME_HTTP_ROUTER_H

#include <stddef.h>

#define ROUTE_MAX_PARAMS 4

typedef struct http_req http_req;
typedef void (*http_handler)(http_req *r);

/* A route's request-body schema: its name and fields (defined by the application, api/api.h). */
struct api_schema;

/* A route with no rate limit (operations: health, readiness, metrics). */
#define ROUTE_UNLIMITED (-1)

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
  int cacheable;        /* a public GET whose 200 answers may be served from the answer cache */
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
int router_check(const http_route *routes, size_t n, char *why, size_t len);

#endif
