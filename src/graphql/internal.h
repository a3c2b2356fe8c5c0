/* What the files of src/graphql share and its users do not see. */
#ifndef PHEME_GRAPHQL_INTERNAL_H
#define PHEME_GRAPHQL_INTERNAL_H

#include "graphql/exec.h"

/* The root introspection fields (introspection.c). */
int gql__resolve_schema(gql_call *c);
int gql__resolve_type(gql_call *c);

#endif
