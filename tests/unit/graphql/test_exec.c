/* The executor and the service (src/graphql/exec.c, graphql.c) on the toy schema: answers in
 * the spec's form, batching (one resolver call per level), null propagation, variables,
 * introspection, limits and persisted queries. */
#include "graphql/graphql.h"

#include "core/util.h"
#include "test.h"
#include "toy.h"

static gql_service SVC;

/* Runs src (variables as JSON text or NULL) and returns the response text. */
static const char *run_full(arena *a, const char *src, const char *vars, const char *ext, int read_only, gql_result *res) {
  gql_request rq = {0};
  rq.query = src;
  rq.query_len = src ? strlen(src) : 0;
  json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
  json_t *x = ext ? json_loads(ext, 0, NULL) : NULL;
  rq.variables = v;
  rq.extensions = x;
  rq.read_only = read_only;
  gql_exec_options opt = {0};
  buf out;
  buf_init(&out, 1 << 20);
  gql_result r;
  const char *txt = gql_service_run(&SVC, &rq, &opt, a, &out, &r) == 0 ? arena_strdup(a, out.data) : "(cap)";
  if (res) *res = r;
  buf_release(&out);
  json_decref(v);
  json_decref(x);
  return txt;
}

static const char *run(arena *a, const char *src, const char *vars) { return run_full(a, src, vars, NULL, 0, NULL); }

TEST(answers_a_query) {
  arena a;
  arena_init(&a, 1 << 22);
  CHECK_STR(run(&a, "{ hello }", NULL), "{\"data\":{\"hello\":\"hello world\"}}");
  CHECK_STR(run(&a, "{ h: hello(name: \"you\") dog { name id __typename } }", NULL),
            "{\"data\":{\"h\":\"hello you\",\"dog\":{\"name\":\"Rex\",\"id\":\"1\",\"__typename\":\"Dog\"}}}");
  CHECK_STR(run(&a, "query Q($n: String) { hello(name: $n) }", "{\"n\":\"v\"}"), "{\"data\":{\"hello\":\"hello v\"}}");
  CHECK_STR(run(&a, "{ dog { ...F name } } fragment F on Dog { name barks }", NULL),
            "{\"data\":{\"dog\":{\"name\":\"Rex\",\"barks\":true}}}");
  CHECK_STR(run(&a, "{ dog { name @skip(if: true) barks @include(if: false) id } }", NULL), "{\"data\":{\"dog\":{\"id\":\"1\"}}}");
  CHECK_STR(run(&a, "query ($s: Boolean!) { dog { name @skip(if: $s) } }", "{\"s\":false}"),
            "{\"data\":{\"dog\":{\"name\":\"Rex\"}}}");
  CHECK_STR(run(&a, "{ pet { name ... on Dog { barks } ... on Cat { meows } } }", NULL),
            "{\"data\":{\"pet\":{\"name\":\"Fido\",\"barks\":false}}}");
  CHECK_STR(run(&a, "mutation { bark(name: \"m\") }", NULL), "{\"data\":{\"bark\":\"hello m\"}}");
  arena_release(&a);
}

TEST(one_resolver_call_per_level) {
  arena a;
  arena_init(&a, 1 << 22);
  toy_calls_dogs = toy_calls_friends = 0;
  const char *r = run(&a, "{ dogs(first: 4) { name friends { name friends(first: 1) { id } } } }", NULL);
  CHECK(strstr(r, "\"errors\"") == NULL);
  /* 4 dogs, 8 friends, 8 friends of friends: one call for dogs, one per friends level */
  CHECK_INT(toy_calls_dogs, 1);
  CHECK_INT(toy_calls_friends, 2);
  CHECK(strstr(r, "{\"name\":\"Rex\",\"friends\":[{\"name\":\"Fido\",\"friends\":[{\"id\":\"3\"}]},{\"name\":\"Laika\",\"friends\":[{\"id\":\"4\"}]}]}") != NULL);
  arena_release(&a);
}

TEST(errors_have_paths_and_nulls_bubble) {
  arena a;
  arena_init(&a, 1 << 22);
  CHECK_STR(run(&a, "{ fails hello }", NULL),
            "{\"errors\":[{\"message\":\"no such thing\",\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"fails\"],"
            "\"extensions\":{\"code\":\"DATA001\"}}],\"data\":{\"fails\":null,\"hello\":\"hello world\"}}");
  /* a non-null field that fails makes its parent null: dogs is [Dog!]!, so data itself */
  const char *r = run(&a, "{ dogs(first: 2) { broken } }", NULL);
  CHECK(strstr(r, "\"data\":null") != NULL);
  CHECK(strstr(r, "\"path\":[\"dogs\",0,\"broken\"]") != NULL);
  CHECK(strstr(r, "\"path\":[\"dogs\",1,\"broken\"]") != NULL);
  r = run(&a, "{ dog { broken } hello }", NULL);
  CHECK(strstr(r, "\"data\":{\"dog\":null,\"hello\":\"hello world\"}") != NULL);
  r = run(&a, "{ mustNot { name } }", NULL);
  CHECK(strstr(r, "Cannot return null for non-nullable field Query.mustNot.") != NULL);
  CHECK(strstr(r, "\"data\":null") != NULL);
  arena_release(&a);
}

TEST(variables_are_coerced) {
  arena a;
  arena_init(&a, 1 << 22);
  CHECK_STR(run(&a, "query ($f: Filter) { echo(filter: $f) }", "{\"f\":{\"color\":\"RED\",\"names\":\"x\"}}"),
            "{\"data\":{\"echo\":\"{\\\"color\\\":\\\"RED\\\",\\\"min\\\":0,\\\"names\\\":[\\\"x\\\"]}\"}}");
  CHECK_STR(run(&a, "{ echo(filter: {color: BLUE, min: 3}) }", NULL),
            "{\"data\":{\"echo\":\"{\\\"color\\\":\\\"BLUE\\\",\\\"min\\\":3}\"}}");
  gql_result res;
  const char *r = run_full(&a, "query ($x: Int!) { n(x: $x) }", "{}", NULL, 0, &res);
  CHECK(strstr(r, "Variable \\\"$x\\\" of required type \\\"Int!\\\" was not provided.") != NULL);
  CHECK(strstr(r, "\"data\"") == NULL);
  CHECK_INT(res.status, 400);
  r = run(&a, "query ($x: Int!) { n(x: $x) }", "{\"x\":\"7\"}");
  CHECK(strstr(r, "got invalid value \\\"7\\\"; Int cannot represent non-integer value: \\\"7\\\"") != NULL);
  r = run(&a, "query ($f: Filter) { echo(filter: $f) }", "{\"f\":{\"color\":\"PINK\"}}");
  CHECK(strstr(r, "GQL006") != NULL);
  CHECK_STR(run(&a, "query ($x: Int!) { n(x: $x) }", "{\"x\":21}"), "{\"data\":{\"n\":42}}");
  arena_release(&a);
}

TEST(request_errors) {
  arena a;
  arena_init(&a, 1 << 22);
  gql_result res;
  const char *r = run_full(&a, "{ hello ", NULL, NULL, 0, &res);
  CHECK_STR(r, "{\"errors\":[{\"message\":\"Syntax Error: Expected Name, found <EOF>.\",\"locations\":[{\"line\":1,\"column\":9}],"
               "\"extensions\":{\"code\":\"GQL001\"}}]}");
  CHECK_INT(res.status, 400);
  r = run(&a, "{ nope }", NULL);
  CHECK(strstr(r, "\"extensions\":{\"code\":\"GQL002\",\"rule\":\"FieldsOnCorrectType\"}") != NULL);
  r = run(&a, "query A { hello } query B { hello }", NULL);
  CHECK(strstr(r, "Must provide operation name if query contains multiple operations.") != NULL);
  r = run_full(&a, "mutation { bark }", NULL, NULL, 1, &res);
  CHECK(strstr(r, "Can only perform a mutation operation from a POST request.") != NULL);
  CHECK_INT(res.status, 405);
  arena_release(&a);
}

TEST(introspection_answers_when_on) {
  arena a;
  arena_init(&a, 1 << 22);
  const char *r = run(&a, "{ __schema { queryType { name } } }", NULL);
  CHECK(strstr(r, "GQL005") != NULL);
  SVC.limits.introspection = 1;
  r = run(&a, "{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }", NULL);
  CHECK_STR(r, "{\"data\":{\"__schema\":{\"queryType\":{\"name\":\"Query\"},\"mutationType\":{\"name\":\"Mutation\"},\"subscriptionType\":null}}}");
  r = run(&a, "{ __type(name: \"Dog\") { kind name interfaces { name } fields { name type { kind ofType { name } } args { name defaultValue } } } }", NULL);
  CHECK(strstr(r, "{\"name\":\"friends\",\"type\":{\"kind\":\"NON_NULL\",\"ofType\":{\"name\":null}},\"args\":[{\"name\":\"first\",\"defaultValue\":\"2\"}]}") != NULL);
  CHECK(strstr(r, "\"interfaces\":[{\"name\":\"Pet\"}]") != NULL);
  r = run(&a, "{ __type(name: \"Color\") { enumValues { name } all: enumValues(includeDeprecated: true) { name isDeprecated deprecationReason } } }", NULL);
  CHECK(strstr(r, "\"enumValues\":[{\"name\":\"RED\"},{\"name\":\"GREEN\"}]") != NULL);
  CHECK(strstr(r, "{\"name\":\"BLUE\",\"isDeprecated\":true,\"deprecationReason\":\"use RED\"}") != NULL);
  r = run(&a, "{ __type(name: \"Pet\") { possibleTypes { name } } u: __type(name: \"CatOrDog\") { possibleTypes { name } } }", NULL);
  CHECK(strstr(r, "\"possibleTypes\":[{\"name\":\"Dog\"},{\"name\":\"Cat\"}]") != NULL);
  SVC.limits.introspection = 0;
  arena_release(&a);
}

TEST(limits_refuse_with_their_values) {
  arena a;
  arena_init(&a, 1 << 22);
  gql_limits saved = SVC.limits;
  SVC.limits.max_depth = 3;
  const char *r = run(&a, "{ dogs { friends { friends { friends { id } } } } }", NULL);
  CHECK(strstr(r, "The operation nests 5 fields deep; the limit is 3.") != NULL);
  CHECK(strstr(r, "GQL003") != NULL);
  /* introspection has its own bound: TypeRef chains as deep as graphql-js's introspection query
   * pass a max_depth of 3; past GQL_INTROSPECTION_DEPTH_MAX they are refused */
  SVC.limits.introspection = 1;
  r = run(&a, "{ __type(name: \"Dog\") { fields { type { ofType { ofType { ofType { name } } } } } } }", NULL);
  CHECK(strstr(r, "\"errors\"") == NULL);
  buf deep;
  buf_init(&deep, 1 << 16);
  CHECK(buf_adds(&deep, "{ __type(name: \"Dog\") { fields { type ") == 0);
  for (int i = 0; i < GQL_INTROSPECTION_DEPTH_MAX; i++) CHECK(buf_adds(&deep, "{ ofType ") == 0);
  CHECK(buf_adds(&deep, "{ name }") == 0);
  for (int i = 0; i < GQL_INTROSPECTION_DEPTH_MAX + 3; i++) CHECK(buf_adds(&deep, " }") == 0);
  r = run(&a, deep.data, NULL);
  CHECK(strstr(r, "The introspection nests 28 fields deep; the limit is 24.") != NULL);
  buf_release(&deep);
  /* a field of the schema under the limit still counts toward max_depth */
  r = run(&a, "{ dogs { friends { friends { __typename } } } }", NULL);
  CHECK(strstr(r, "The operation nests 4 fields deep; the limit is 3.") != NULL);
  SVC.limits = saved;
  SVC.limits.max_aliases = 2;
  r = run(&a, "{ a: hello b: hello c: hello }", NULL);
  CHECK(strstr(r, "The operation uses 3 aliases; the limit is 2.") != NULL);
  SVC.limits = saved;
  SVC.limits.max_breadth = 2;
  r = run(&a, "{ dog { name id barks } }", NULL);
  CHECK(strstr(r, "A selection set of the operation asks 3 fields; the limit is 2.") != NULL);
  SVC.limits = saved;
  SVC.limits.max_cost = 50;
  /* dogs 1, friends 10 (once per dog), id 100 (once per friend) */
  r = run(&a, "{ dogs(first: 10) { friends(first: 10) { id } } }", NULL);
  CHECK(strstr(r, "The operation costs 111; the limit is 50.") != NULL);
  r = run(&a, "query ($k: Int) { dogs(first: $k) { id } }", "{\"k\":3}");
  CHECK(strstr(r, "errors") == NULL);
  /* the same texts again: the kept document's measure holds for the first (no variable in it);
   * the second is measured again with its new variables */
  for (int i = 0; i < 2; i++) {
    r = run(&a, "{ dogs(first: 10) { friends(first: 10) { id } } }", NULL);
    CHECK(strstr(r, "The operation costs 111; the limit is 50.") != NULL);
  }
  r = run(&a, "query ($k: Int) { dogs(first: $k) { id } }", "{\"k\":60}");
  CHECK(strstr(r, "The operation costs 61; the limit is 50.") != NULL);
  SVC.limits = saved;
  SVC.limits.max_bytes = 10;
  r = run(&a, "{ hello hello }", NULL);
  CHECK(strstr(r, "The query is 15 bytes; the limit is 10 bytes.") != NULL);
  SVC.limits = saved;
  arena_release(&a);
}

TEST(persisted_queries) {
  arena a;
  arena_init(&a, 1 << 22);
  const char *q = "{ hello(name: \"apq\") }";
  uint8_t d[32];
  sha256(d, q, strlen(q));
  char hex[65];
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
  char *ext = arena_printf(&a, "{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"%s\"}}", hex);
  gql_result res;
  const char *r = run_full(&a, NULL, NULL, ext, 0, &res);
  CHECK_STR(r, "{\"errors\":[{\"message\":\"PersistedQueryNotFound\",\"extensions\":{\"code\":\"PERSISTED_QUERY_NOT_FOUND\"}}]}");
  CHECK_INT(res.status, 200);
  r = run_full(&a, q, NULL, ext, 0, &res);
  CHECK_STR(r, "{\"data\":{\"hello\":\"hello apq\"}}");
  r = run_full(&a, NULL, NULL, ext, 0, &res);
  CHECK_STR(r, "{\"data\":{\"hello\":\"hello apq\"}}");
  r = run_full(&a, "{ hello }", NULL, ext, 0, &res);
  CHECK(strstr(r, "provided sha does not match query") != NULL);
  /* the store is bounded: GQL_PERSISTED_MAX newer queries push the oldest out */
  for (int i = 0; i < GQL_PERSISTED_MAX; i++) {
    arena_clear(&a);
    char *qi = arena_printf(&a, "{ hello(name: \"q%d\") }", i);
    sha256(d, qi, strlen(qi));
    for (int k = 0; k < 32; k++) snprintf(hex + 2 * k, 3, "%02x", d[k]);
    char *ei = arena_printf(&a, "{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"%s\"}}", hex);
    run_full(&a, qi, NULL, ei, 0, &res);
  }
  sha256(d, q, strlen(q));
  for (int k = 0; k < 32; k++) snprintf(hex + 2 * k, 3, "%02x", d[k]);
  ext = arena_printf(&a, "{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"%s\"}}", hex);
  r = run_full(&a, NULL, NULL, ext, 0, &res);
  CHECK(strstr(r, "PersistedQueryNotFound") != NULL);
  arena_release(&a);
}

TEST(the_schema_is_written_as_sdl) {
  buf b;
  buf_init(&b, 1 << 16);
  REQUIRE(gql_schema_sdl(&SVC.schema, &b) == 0);
  CHECK(strstr(b.data, "type Dog implements Pet {\n  name: String!\n  id: ID!\n") != NULL);
  CHECK(strstr(b.data, "  friends(first: Int = 2): [Dog!]!\n") != NULL);
  CHECK(strstr(b.data, "union CatOrDog = Dog | Cat\n") != NULL);
  CHECK(strstr(b.data, "  BLUE @deprecated(reason: \"use RED\")\n") != NULL);
  CHECK(strstr(b.data, "input Filter {\n  color: Color!\n  min: Int = 0\n") != NULL);
  CHECK(strstr(b.data, "__Type") == NULL);
  buf_release(&b);
}

TEST(schema_rows_are_checked) {
  gql_schema s;
  char err[256];
  static const gql_field_def bad_fields[] = {{"x", "Nope", NULL, 0, gql_res_str}};
  static const gql_type_def bad[] = {{GQL_OBJECT, "Query", NULL, bad_fields, 1}};
  CHECK(gql_schema_build(&s, bad, 1, "Query", NULL, NULL, err, sizeof err) == PHEME_SYS_INTERNAL);
  CHECK(strstr(err, "unknown type") != NULL);
  static const gql_field_def nores[] = {{"x", "Int"}};
  static const gql_type_def bad2[] = {{GQL_OBJECT, "Query", NULL, nores, 1}};
  CHECK(gql_schema_build(&s, bad2, 1, "Query", NULL, NULL, err, sizeof err) == PHEME_SYS_INTERNAL);
  CHECK(strstr(err, "no resolver") != NULL);
}

int main(int argc, char **argv) {
  (void)argc;
  char err[256] = "";
  gql_limits lim = gql_limits_default();
  if (gql_service_init(&SVC, toy_types, TOY_N(toy_types), "Query", "Mutation", NULL, &lim, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  RUN(answers_a_query);
  RUN(one_resolver_call_per_level);
  RUN(errors_have_paths_and_nulls_bubble);
  RUN(variables_are_coerced);
  RUN(request_errors);
  RUN(introspection_answers_when_on);
  RUN(limits_refuse_with_their_values);
  RUN(persisted_queries);
  RUN(the_schema_is_written_as_sdl);
  RUN(schema_rows_are_checked);
  gql_service_release(&SVC);
  fprintf(stderr, "%s: %d tests, %d failed\n", argv[0], test__ran, test__failed_tests);
  return test__failed_tests;
}
