/* Fuzz target: the GraphQL lexer and parser (src/graphql/parse.c), and behind them the validator
 * and the limits of the service (against PHEME's schema, without storage: a document that would
 * run is stopped by a zero cost limit, so no resolver is reached). Whatever the bytes, the parse
 * either succeeds or says why at an offset inside the document; a parsed document's values
 * print; validation always returns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graphql/graphql.h"
#include "graphql/parse.h"
#include "graphql/pheme_schema.h"
#include "graphql/validate.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_values(arena *a, const gql_selset *set, int depth) {
  if (!set || depth > 300) return;
  for (int i = 0; i < set->n; i++) {
    const gql_selection *s = set->items[i];
    for (int k = 0; k < s->nargs; k++)
      if (!gql_print_value(a, s->args[k].value)) return; /* the arena's cap: fine, stop */
    walk_values(a, s->set, depth + 1);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static gql_service svc;
  static int ready;
  if (!ready) {
    char err[256];
    gql_limits lim = gql_limits_default();
    lim.max_cost = 0; /* refuse every operation before it runs: no storage here */
    lim.introspection = 1;
    if (gqlp_service_init(&svc, &lim, err, sizeof err)) abort();
    ready = 1;
  }
  if (size > 65536) return 0;
  arena a;
  arena_init(&a, 16 << 20);
  gql_document doc;
  gql_parse_error e;
  gql_parse_limits pl = {20000, 0};
  if (gql_parse(&a, (const char *)data, size, &pl, &doc, &e) != 0) {
    if (!e.message[0] || e.at > size) abort();
    gql_loc l = gql_loc_of((const char *)data, size, e.at);
    if (l.line < 1 || l.column < 1) abort();
  } else {
    if (doc.ndefs < 1) abort();
    for (int i = 0; i < doc.ndefs; i++) walk_values(&a, doc.defs[i].set, 0);
    gql_errors errs;
    gql_errors_init(&errs, &a);
    gql_validate(&svc.schema, &doc, &a, &errs);
    for (int i = 0; i < errs.n; i++)
      if (!errs.items[i].message || (!errs.items[i].rule && errs.items[i].code == PHEME_GQL_INVALID)) abort();
  }
  arena_release(&a);
  /* the service end to end: must answer (the cost limit stops execution) */
  arena b;
  arena_init(&b, 16 << 20);
  gql_request rq = {0};
  rq.query = (const char *)data;
  rq.query_len = size;
  gql_exec_options opt = {0};
  buf out;
  buf_init(&out, 1 << 20);
  gql_result res;
  if (gql_service_run(&svc, &rq, &opt, &b, &out, &res) == 0 && res.has_data) abort();
  buf_release(&out);
  arena_release(&b);
  return 0;
}
