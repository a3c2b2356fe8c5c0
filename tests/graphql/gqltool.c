/* pheme-gqltool: the C side of the GraphQL cross-check with graphql-js (tests/graphql). Reads
 * one JSON object per line on stdin, {"query": "…", "variables": {…}}, and writes one line per
 * request: the response of PHEME's GraphQL service, as a client would get it.
 *   pheme-gqltool introspect   introspection on, no cost limit (no storage: only introspection
 *                              and __typename can run)
 *   pheme-gqltool validate     every operation is stopped after validation by a zero cost
 *                              limit, so the answer says parse error, validation errors, or
 *                              "valid" (GQL003) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graphql/pheme_schema.h"

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "introspect") != 0 && strcmp(argv[1], "validate") != 0)) {
    fprintf(stderr, "usage: pheme-gqltool introspect|validate < requests.ndjson\n");
    return 2;
  }
  int validate_only = strcmp(argv[1], "validate") == 0;
  gql_limits lim = gql_limits_default();
  lim.introspection = 1;
  lim.max_bytes = 1 << 20;
  lim.max_tokens = 100000;
  lim.max_depth = 64;
  lim.max_aliases = 10000;
  lim.max_breadth = 10000;
  lim.max_cost = validate_only ? 0 : 100000000;
  gql_service svc;
  char err[256];
  if (gqlp_service_init(&svc, &lim, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin)) {
    json_error_t je;
    json_t *req = json_loads(line, 0, &je);
    if (!req) {
      fprintf(stderr, "gqltool: bad line: %s\n", je.text);
      return 1;
    }
    gql_request rq;
    if (gql_request_from_json(req, &rq, err, sizeof err)) {
      fprintf(stderr, "gqltool: %s\n", err);
      return 1;
    }
    arena a;
    arena_init(&a, 64 << 20);
    gql_exec_options opt = {0};
    buf out;
    buf_init(&out, 64 << 20);
    gql_result res;
    if (gql_service_run(&svc, &rq, &opt, &a, &out, &res)) {
      fprintf(stderr, "gqltool: answer too large\n");
      return 1;
    }
    fwrite(out.data, 1, out.len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    buf_release(&out);
    arena_release(&a);
    json_decref(req);
  }
  gql_service_release(&svc);
  return 0;
}
