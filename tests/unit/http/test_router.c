/* Unit tests of src/http/router.c, and of the real route table's shape. */
#include <string.h>

#include "api/api.h"
#include "http/router.h"
#include "test.h"

static void h(http_req *r) { (void)r; }

static const http_route routes[] = {
    {"GET", "/api/v1/tasks", h, 0, RL_READ, "list", "t", NULL, 200},
    {"POST", "/api/v1/tasks", h, 2, RL_READ, "create", "t", NULL, 201},
    {"GET", "/api/v1/tasks/:id", h, 0, RL_READ, "get", "t", NULL, 200},
    {"POST", "/api/v1/tasks/:id/close", h, 2, RL_READ, "close", "t", NULL, 200},
    {"GET", "/api/v1/guilds/:slug/members", h, 0, RL_READ, "members", "g", NULL, 200},
};

TEST(matches_literals_and_parameters) {
  const http_route *rt;
  route_params p;
  char allow[64];
  CHECK_INT(router_match(routes, 5, "GET", "/api/v1/tasks", &rt, &p, allow, sizeof allow), ROUTE_FOUND);
  CHECK(rt == &routes[0]);
  CHECK_INT(router_match(routes, 5, "GET", "/api/v1/tasks/12", &rt, &p, allow, sizeof allow), ROUTE_FOUND);
  CHECK(rt == &routes[2]);
  CHECK_INT(p.n, 1);
  CHECK_STR(p.value[0], "12");
  CHECK_INT(router_match(routes, 5, "GET", "/api/v1/guilds/builders/members", &rt, &p, allow, sizeof allow), ROUTE_FOUND);
  CHECK_STR(p.value[0], "builders");
  CHECK_INT(strncmp(p.name[0], "slug", 4), 0);
}

TEST(tells_missing_path_from_wrong_method) {
  const http_route *rt;
  route_params p;
  char allow[64];
  CHECK_INT(router_match(routes, 5, "DELETE", "/api/v1/tasks", &rt, &p, allow, sizeof allow), ROUTE_NO_METHOD);
  CHECK_STR(allow, "GET, POST");
  CHECK_INT(router_match(routes, 5, "GET", "/api/v1/task", &rt, &p, allow, sizeof allow), ROUTE_NO_PATH);
  CHECK_INT(router_match(routes, 5, "GET", "/api/v1/tasks/", &rt, &p, allow, sizeof allow), ROUTE_NO_PATH);
  CHECK_INT(router_match(routes, 5, "GET", "/api/v1/tasks//close", &rt, &p, allow, sizeof allow), ROUTE_NO_PATH);
  CHECK_INT(router_match(routes, 5, "GET", "/api/v1/tasks/1/close/x", &rt, &p, allow, sizeof allow), ROUTE_NO_PATH);
  char longid[300];
  memset(longid, '1', sizeof longid);
  memcpy(longid, "/api/v1/tasks/", 14);
  longid[299] = 0;
  CHECK_INT(router_match(routes, 5, "GET", longid, &rt, &p, allow, sizeof allow), ROUTE_NO_PATH);
}

TEST(check_rejects_overlaps_and_bad_patterns) {
  char why[200];
  CHECK_INT(router_check(routes, 5, why, sizeof why), 0);
  const http_route overlap[] = {{"GET", "/a/:id", h, 0, RL_READ, "x", "t", NULL, 200},
                                {"GET", "/a/:slug", h, 0, RL_READ, "y", "t", NULL, 200}};
  CHECK_INT(router_check(overlap, 2, why, sizeof why), PHEME_SYS_INTERNAL);
  const http_route bad[] = {{"GET", "/a/", h, 0, RL_READ, "x", "t", NULL, 200}};
  CHECK_INT(router_check(bad, 1, why, sizeof why), PHEME_SYS_INTERNAL);
}

TEST(the_real_table_is_well_formed) {
  char why[200];
  CHECK_INT(router_check(api_routes, api_route_count, why, sizeof why), 0);
  for (size_t i = 0; i < api_route_count; i++) {
    const http_route *rt = &api_routes[i];
    /* the row's body schema is one of the published schemas, found under its own name */
    if (rt->body && api_schema_find(rt->body->name) != rt->body) {
      fprintf(stderr, "route %s %s names a schema %s that is not published\n", rt->method, rt->pattern,
              rt->body->name);
      CHECK(0);
    }
    /* every API route, content by CID (/ipfs/) and GraphQL are rate-limited; health, readiness
     * and metrics are not */
    int gql = strcmp(rt->pattern, "/graphql") == 0;
    /* the WebSocket upgrade counts as a read: each opening is one request of the read class */
    int ws = strcmp(rt->pattern, "/ws") == 0;
    int api = strncmp(rt->pattern, "/api/", 5) == 0 || strncmp(rt->pattern, "/ipfs/", 6) == 0 || gql || ws;
    if (api != (rt->rate >= 0 && rt->rate < RL__CLASSES) || (!api && rt->rate != ROUTE_UNLIMITED)) {
      fprintf(stderr, "route %s %s has rate-limit class %d\n", rt->method, rt->pattern, rt->rate);
      CHECK(0);
    }
    /* a body on a write route; sign-in routes in the auth class; reads in the read class */
    if (gql) CHECK_INT(rt->rate, RL_GRAPHQL); /* reads and writes alike: one class, 200/min */
    else if (api && strncmp(rt->pattern, "/api/v1/auth/", 13) == 0) CHECK_INT(rt->rate, RL_AUTH);
    else if (api && strcmp(rt->method, "GET") == 0) CHECK_INT(rt->rate, RL_READ);
    else if (api) CHECK_INT(rt->rate, RL_WRITE);
    if (rt->body) CHECK(strcmp(rt->method, "GET") != 0);
  }
  /* The OpenAPI document has one operation per route. */
  json_t *doc = api_openapi("http://localhost:4000");
  REQUIRE(doc != NULL);
  json_t *paths = json_object_get(doc, "paths");
  size_t ops = 0;
  const char *k;
  json_t *v;
  json_object_foreach(paths, k, v) ops += json_object_size(v);
  CHECK_INT(ops, api_route_count);
  json_decref(doc);
}

TEST_MAIN(RUN(matches_literals_and_parameters); RUN(tells_missing_path_from_wrong_method);
          RUN(check_rejects_overlaps_and_bad_patterns); RUN(the_real_table_is_well_formed))
