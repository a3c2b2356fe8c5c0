/* PHEME's GraphQL service: one request in (query text or a persisted query's hash, operation
 * name, variables), one response out in the spec's form ({"data":…,"errors":[…]}). Between them:
 * the document-size and token limits, the parser, the validator, the query limits (depth,
 * aliases, breadth, cost) on the operation chosen, and the executor. Transport-free: the api layer
 * (api/graphql.c) reads HTTP and calls gql_service_run; tests call it directly.
 *
 * Limits (each refusal is an error with extensions.code GQL003 and a message naming the limit and
 * its value; docs/internals/graphql.md):
 *   max_bytes    size of the query text                            (default 32 KiB)
 *   max_tokens   lexical tokens in it                              (default 5,000)
 *   max_depth    nesting of fields, fragments expanded             (default 12)
 *   max_aliases  aliased fields in the operation                   (default 30)
 *   max_breadth  fields asked in one selection set                 (default 100)
 *   max_cost     1 per field, times the `first` of each list above (default 20,000)
 *
 * Persisted queries follow Apollo's automatic persisted queries: extensions.persistedQuery
 * {version: 1, sha256Hash}; a hash alone runs the query stored under it or answers
 * PERSISTED_QUERY_NOT_FOUND; a hash with its query stores it (after checking the hash). The
 * store is in memory, per process, bounded (GQL_PERSISTED_MAX entries, oldest dropped).
 *
 * A document that parsed and passed validation is kept, by its text, for the service's life
 * (GQL_CHECKED_MAX documents; when they are all taken, others are parsed and validated on every
 * request as before): a client sends the same few queries, and their parsing and validation were
 * a twentieth of a nested query's CPU. The limits above are measured on every request (they
 * depend on the variables). */
#ifndef PHEME_GRAPHQL_GRAPHQL_H
#define PHEME_GRAPHQL_GRAPHQL_H

#include <jansson.h>
#include <pthread.h>

#include "core/arena.h"
#include "core/buf.h"
#include "graphql/exec.h"
#include "graphql/schema.h"

#define GQL_PERSISTED_MAX 1024
#define GQL_CHECKED_MAX 256
/* Introspection (__schema, __type and below) is not counted in max_depth but in this bound: the
 * standard introspection query nests 15 deep (its TypeRef fragment), and the schema is finite. */
#define GQL_INTROSPECTION_DEPTH_MAX 24

typedef struct {
  size_t max_bytes, max_tokens;
  int max_depth, max_aliases, max_breadth;
  long max_cost;
  int introspection; /* 1: __schema and __type answer; 0: refused (GQL005) */
} gql_limits;

/* The defaults above. */
gql_limits gql_limits_default(void);

typedef struct {
  char hash[65];
  char *query;
} gql_persisted;

/* A document that parsed and validated, kept by its text (graphql.c: the same query is not parsed
 * and validated again). */
typedef struct {
  uint64_t hash;
  const char *query;
  size_t len;
  gql_document doc;
  /* the limits' measure (graphql.c) of one of its operations, kept when it does not depend on the
   * variables; written once, under the service's mutex */
  const void *measured_op;
  const void *measured;
} gql_checked_doc;

typedef struct {
  gql_schema schema;
  gql_limits limits;
  pthread_mutex_t mu; /* the persisted queries and the checked documents */
  gql_persisted *persisted;
  int npersisted, next;
  gql_checked_doc *checked; /* GQL_CHECKED_MAX, the first nchecked used; their text and nodes in checked_arena */
  int nchecked;
  arena checked_arena;
} gql_service;

/* Builds the service over schema rows (see graphql/schema.h). Returns 0, or -1 with err. */
pheme_err gql_service_init(gql_service *svc, const gql_type_def *rows, int nrows, const char *query, const char *mutation,
                     const char *subscription, const gql_limits *lim, char *err, size_t errlen) PHEME_MUST_CHECK;
void gql_service_release(gql_service *svc);

typedef struct {
  const char *query;          /* NULL when only a persisted query's hash is sent */
  size_t query_len;
  const char *operation_name; /* NULL or "" */
  const json_t *variables;    /* NULL or an object */
  const json_t *extensions;   /* NULL or the request's extensions object */
  int read_only;              /* a GET: mutations are refused */
} gql_request;

typedef struct {
  int status;       /* the HTTP status to answer with: 200, or 400 for a request error */
  int errors;       /* errors in the response */
  int has_data;
  int subscription; /* GQL_SUB_CHECK: the operation is a valid subscription, checked, not run */
  const gql_document *doc; /* then: the checked document, in the arena given to gql_service_run */
} gql_result;

/* Runs req and writes the response document into out. app reaches the resolvers as
 * gql_call.app. Returns 0, or -1 when out's cap was passed (the response is then unusable). */
int gql_service_run(gql_service *svc, const gql_request *req, const gql_exec_options *opt, arena *a, buf *out,
                    gql_result *res) PHEME_MUST_CHECK;

/* Parses a GraphQL-over-HTTP JSON body ({"query", "operationName", "variables", "extensions"})
 * into req (pointing into body). Returns 0, or -1 with a message in err. */
/* Runs req's operation from doc, a document gql_service_run checked (GQL_SUB_CHECK's
 * gql_result.doc, whose arena must still be alive): no parse, no validation, no limits again. For
 * a subscription's events (GQL_SUB_RUN). Same answer and return as gql_service_run. */
int gql_service_run_checked(gql_service *svc, const gql_document *doc, const gql_request *req,
                            const gql_exec_options *opt, arena *a, buf *out, gql_result *res) PHEME_MUST_CHECK;

pheme_err gql_request_from_json(const json_t *body, gql_request *req, char *err, size_t errlen) PHEME_MUST_CHECK;

/* Writes a response holding only errs (a request error) in the spec's form; src (may be NULL)
 * gives locations. */
int gql_write_errors_response(buf *out, const gql_errors *errs, const char *src, size_t srclen) PHEME_MUST_CHECK;

#endif
