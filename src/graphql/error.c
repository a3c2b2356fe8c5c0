/* The list of errors a request collects (graphql/error.h). */
#include "graphql/error.h"

#include <stdarg.h>
#include <string.h>

#include "core/banned.h"

void gql_errors_init(gql_errors *e, arena *a) {
  memset(e, 0, sizeof *e);
  e->a = a;
}

gql_error *gql_error_add(gql_errors *e, pheme_err code, const char *rule, const uint32_t *at, int nat,
                         const char *fmt, ...) {
  if (e->n >= GQL_ERRORS_MAX) {
    e->dropped++;
    return NULL;
  }
  if (e->n == e->cap) {
    int nc = e->cap ? e->cap * 2 : 8;
    gql_error *ni = arena_alloc(e->a, (size_t)nc * sizeof *ni);
    if (!ni) {
      e->dropped++;
      return NULL;
    }
    if (e->n) memcpy(ni, e->items, (size_t)e->n * sizeof *ni);
    e->items = ni;
    e->cap = nc;
  }
  va_list ap;
  va_start(ap, fmt);
  char *msg = arena_vprintf(e->a, fmt, ap);
  va_end(ap);
  if (!msg) {
    e->dropped++;
    return NULL;
  }
  gql_error *x = &e->items[e->n++];
  memset(x, 0, sizeof *x);
  x->message = msg;
  x->code = code;
  x->rule = rule;
  if (nat > GQL_ERROR_LOCS) nat = GQL_ERROR_LOCS;
  for (int i = 0; i < nat; i++) x->at[i] = at[i];
  x->nat = nat;
  return x;
}
