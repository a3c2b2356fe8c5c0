/* Validation of an executable document against a schema (spec §5, October 2021): every rule of
 * the spec, with graphql-js's messages and locations (without its "Did you mean" suggestions), so
 * a client sees the same answer from PHEME as from the reference implementation. Each error names
 * its rule (gql_error.rule: "FieldsOnCorrectType", …).
 *
 * The overlap rule (§5.3.2) is quadratic in the fields that share a response name; its work is
 * capped by GQL_VALIDATE_BUDGET comparisons, past which the document is refused as too complex
 * (code GQL003), never validated halfway. */
#ifndef PHEME_GRAPHQL_VALIDATE_H
#define PHEME_GRAPHQL_VALIDATE_H

#include "graphql/ast.h"
#include "graphql/error.h"
#include "graphql/schema.h"

#define GQL_VALIDATE_BUDGET 200000

/* Adds an error to errs for every rule the document breaks; returns how many it added. */
int gql_validate(const gql_schema *s, const gql_document *doc, arena *a, gql_errors *errs);

#endif
