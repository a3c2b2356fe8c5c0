/* Errors in the GraphQL response's form (spec §7.1.2): a message, the locations in the document
 * it is about, the path of the response field it concerns, and extensions.code with PHEME's code
 * (core/err.h). Validation errors also name their rule (extensions.rule, graphql-js's rule name
 * without "Rule"), which is what the interop test compares. Errors live in the request's arena. */
#ifndef PHEME_GRAPHQL_ERROR_H
#define PHEME_GRAPHQL_ERROR_H

#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#define GQL_ERROR_LOCS 8
/* At most this many errors are reported; one more says the rest were left out. */
#define GQL_ERRORS_MAX 100

typedef struct gql_path {
  const struct gql_path *parent;
  const char *key; /* NULL: index */
  int index;
} gql_path;

typedef struct {
  const char *message;
  uint32_t at[GQL_ERROR_LOCS];
  int nat;
  const char *rule;
  pheme_err code;
  const gql_path *path;
} gql_error;

typedef struct {
  arena *a;
  gql_error *items;
  int n, cap;
  int dropped; /* errors past GQL_ERRORS_MAX */
} gql_errors;

void gql_errors_init(gql_errors *e, arena *a);
/* Adds an error (message printf-style) with nat locations from at; returns the error or NULL when
 * the list is full or memory is short (the error is then counted in dropped). */
gql_error *gql_error_add(gql_errors *e, pheme_err code, const char *rule, const uint32_t *at, int nat,
                         const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Writes "errors":[…] entries (without the key) as JSON; src gives line and column. */

#endif
