/* The GraphQL lexer and parser (spec October 2021, §2): source text to an executable document in
 * an arena (graphql/ast.h). Type-system definitions are refused as syntax errors: PHEME parses
 * only the documents clients send.
 *
 * Limits (gql_parse_limits) keep a hostile document from costing more than its size: a cap on
 * tokens and on nesting (selection sets, lists and objects), so the recursive descent never goes
 * deeper than max_depth frames. */
#ifndef PHEME_GRAPHQL_PARSE_H
#define PHEME_GRAPHQL_PARSE_H

#include "core/arena.h"
#include "core/err.h"
#include "graphql/ast.h"

typedef struct {
  size_t max_tokens; /* 0 = unlimited */
  int max_depth;     /* nesting of { [ and (; 0 = 256 */
} gql_parse_limits;

typedef struct {
  char message[256]; /* "Syntax Error: Expected Name, found <EOF>." */
  uint32_t at;       /* byte offset of the token at fault */
  int limit;         /* 1 when a limit (tokens, depth) stopped the parse, not the syntax */
} gql_parse_error;

/* Parses src[0..len) into doc, allocating from a. Returns 0, or -1 with *e filled (a syntax
 * error, a limit, or the arena's cap: "Syntax Error: document too large for memory"). */
int gql_parse(arena *a, const char *src, size_t len, const gql_parse_limits *lim,
              gql_document *doc, gql_parse_error *e) PHEME_MUST_CHECK;

/* Parses a value literal alone (no variables), for tests and defaults; same errors. */
int gql_parse_value(arena *a, const char *src, size_t len, gql_value **out, gql_parse_error *e)
    PHEME_MUST_CHECK;

/* Writes a value literal as GraphQL text (graphql-js's print of a value): for messages. */
char *gql_print_value(arena *a, const gql_value *v);
/* Writes a type reference: "[Int!]!". */
char *gql_print_typeref(arena *a, const gql_typeref *t);



/* Parses a type reference alone ("[Int!]!"), for schema tables. Same errors. */
int gql_parse_type(arena *a, const char *src, gql_typeref **out, gql_parse_error *e) PHEME_MUST_CHECK;
#endif
