/* GraphQL over HTTP: POST /graphql with {"query", "operationName", "variables", "extensions"},
 * and GET /graphql?query=…&variables=… for queries (a GET never runs a mutation). The caller is
 * authenticated as on every route (API key, access token, session cookie) and reaches the
 * resolvers as a work principal, so GraphQL sees what REST would show the same caller. The
 * engine, the schema and the limits live in src/graphql (docs/internals/graphql.md). */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/graphql_sub.h"
#include "core/log.h"
#include "graphql/pheme_schema.h"
#include "core/banned.h"

static pthread_mutex_t service_mu = PTHREAD_MUTEX_INITIALIZER;
static gql_service service;
static int service_state; /* 0 not built, 1 ready, -1 failed */

/* The process's service, built at the first request from the configuration's limits. */
static gql_service *graphql_service(const pheme_config *cfg) {
  pthread_mutex_lock(&service_mu);
  if (service_state == 0) {
    gql_limits lim = gql_limits_default();
    lim.introspection = cfg->graphql_introspection;
    lim.max_depth = (int)cfg->graphql_max_depth;
    lim.max_cost = (long)cfg->graphql_max_cost;
    lim.max_aliases = (int)cfg->graphql_max_aliases;
    lim.max_bytes = (size_t)cfg->graphql_max_bytes;
    char err[256];
    if (gqlp_service_init(&service, &lim, err, sizeof err)) {
      log_error("%s", err);
      service_state = -1;
    } else {
      service_state = 1;
    }
  }
  gql_service *s = service_state == 1 ? &service : NULL;
  pthread_mutex_unlock(&service_mu);
  return s;
}

gql_service *graphql_service_of(const pheme_config *cfg) { return graphql_service(cfg); }

/* A request error before the engine runs: the spec's form, with our code. */
static void request_error(http_req *r, int status, pheme_err code, const char *msg) {
  arena *a = &r->arena;
  gql_errors errs;
  gql_errors_init(&errs, a);
  gql_error_add(&errs, code, NULL, NULL, 0, "%s", msg);
  buf b;
  buf_init(&b, 1 << 16);
  if (gql_write_errors_response(&b, &errs, NULL, 0)) {
    buf_release(&b);
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  size_t n;
  char *text = buf_detach(&b, &n);
  http_body(r, status, text, n, "application/json");
}

/* A JSON object from a query parameter (variables, extensions), or NULL when absent. */
static pheme_err query_json(http_req *r, const char *key, json_t **out) {
  *out = NULL;
  const char *v = http_query(r, key);
  if (!v || !v[0]) return 0;
  char msg[160];
  if (json_parse_body(v, strlen(v), out, msg, sizeof msg) || !json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    request_error(r, 400, PHEME_GQL_REQUEST, arena_printf(&r->arena, "'%s' must be a JSON object", key));
    return PHEME_GQL_REQUEST;
  }
  return 0;
}

static void graphql_run(http_req *r, gql_request *rq, json_t *owned1, json_t *owned2) {
  gql_service *svc = graphql_service(req_app(r)->cfg);
  if (!svc) {
    json_decref(owned1);
    json_decref(owned2);
    http_error(r, PHEME_SYS_CONFIG, "the GraphQL schema did not build (see the log)");
    return;
  }
  gqlp_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.store = req_store(r);
  ctx.who.user_id = r->who.user_id;
  ctx.who.roles = r->who.roles;
  memcpy(ctx.who.address, r->who.address, 20);
  ctx.actor = api_actor(r);
  ctx.chain_id = (uint64_t)req_app(r)->cfg->chain_id;
  ctx.cfg = req_app(r)->cfg;
  ctx.boards = req_app(r)->boards;
  gql_exec_options opt = {.app = &ctx, .query_begin = gqlp_query_begin, .query_end = gqlp_query_end};
  buf out;
  buf_init(&out, API_ANSWER_MAX);
  gql_result res;
  int rc = gql_service_run(svc, rq, &opt, &r->arena, &out, &res);
  json_decref(owned1);
  json_decref(owned2);
  if (rc) {
    buf_release(&out);
    http_error(r, PHEME_SYS_NOMEM, "the answer is larger than %d bytes", API_ANSWER_MAX);
    return;
  }
  if (res.status == 405) http_header(r, "Allow", "POST");
  size_t n;
  char *text = buf_detach(&out, &n);
  http_body(r, res.status, text, n, "application/json");
}

void graphql_post(http_req *r) {
  gql_request rq;
  char err[160];
  if (!r->json) {
    request_error(r, 400, PHEME_GQL_REQUEST, "the body must be a JSON object with a 'query'");
    return;
  }
  if (gql_request_from_json(r->json, &rq, err, sizeof err)) {
    request_error(r, 400, PHEME_GQL_REQUEST, err);
    return;
  }
  if (graphql_wants_stream(r)) {
    graphql_stream(r, json_incref(r->json), 0);
    return;
  }
  graphql_run(r, &rq, NULL, NULL);
}

/* GET /graphql as an event stream: the query parameters as a request object. */
static void graphql_get_stream(http_req *r) {
  json_t *vars, *ext;
  if (query_json(r, "variables", &vars)) return;
  if (query_json(r, "extensions", &ext)) {
    json_decref(vars);
    return;
  }
  json_t *body = json_object();
  const char *q = http_query(r, "query"), *on = http_query(r, "operationName");
  if (!body || (q && json_object_set_new(body, "query", json_string(q))) ||
      (on && json_object_set_new(body, "operationName", json_string(on))) ||
      (vars && json_object_set_new(body, "variables", vars)) || (ext && json_object_set_new(body, "extensions", ext))) {
    json_decref(body);
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  graphql_stream(r, body, 1);
}

/* A browser (Accept: text/html, no ?query=) gets GraphiQL: web_root/graphiql/index.html, built
 * by scripts/web.sh from web/graphiql, answered as a static file (the static files' CSP: scripts
 * and styles from 'self'). Returns 1 when it answered. */
static int graphiql_page(http_req *r) {
  const char *acc = http_request_header(r, "Accept"), *root = req_app(r)->cfg->web_root;
  if (!acc || !strstr(acc, "text/html") || http_query(r, "query") || !root || !root[0]) return 0;
  char file[2048];
  int n = snprintf(file, sizeof file, "%s/graphiql/index.html", root);
  if (n < 0 || (size_t)n >= sizeof file) return 0;
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0) return 0;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    close(fd);
    return 0;
  }
  r->is_static = 1;
  http_header(r, "Cache-Control", "no-cache");
  http_file(r, 200, fd, 0, (uint64_t)st.st_size, "text/html; charset=utf-8");
  return 1;
}

void graphql_get(http_req *r) {
  if (graphiql_page(r)) return;
  if (graphql_wants_ws(r)) {
    graphql_ws(r);
    return;
  }
  if (graphql_wants_stream(r)) {
    graphql_get_stream(r);
    return;
  }
  gql_request rq;
  memset(&rq, 0, sizeof rq);
  rq.query = http_query(r, "query");
  rq.query_len = rq.query ? strlen(rq.query) : 0;
  rq.operation_name = http_query(r, "operationName");
  rq.read_only = 1;
  json_t *vars, *ext;
  if (query_json(r, "variables", &vars)) return;
  if (query_json(r, "extensions", &ext)) {
    json_decref(vars);
    return;
  }
  rq.variables = vars;
  rq.extensions = ext;
  graphql_run(r, &rq, vars, ext);
}
