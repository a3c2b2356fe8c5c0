/* The GraphQL type system (spec §3) as tables, like the route table: a schema is an array of
 * gql_type_def rows, each naming its fields with their types written in GraphQL's own notation
 * ("[Task!]!") and the resolver that answers them. gql_schema_build checks the rows (every type
 * named exists, kinds fit, interfaces are implemented) and resolves names to pointers once, at
 * start-up; the validator and the executor then work on the built gql_schema.
 *
 * Resolvers are batched (graphql/exec.h): one call answers a field for every parent object at one
 * level of the response, so a nested query costs one call per level, not one per row. */
#ifndef PHEME_GRAPHQL_SCHEMA_H
#define PHEME_GRAPHQL_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "graphql/ast.h"

typedef enum {
  GQL_SCALAR,
  GQL_OBJECT,
  GQL_INTERFACE,
  GQL_UNION,
  GQL_ENUM,
  GQL_INPUT_OBJECT,
} gql_type_kind;

typedef struct gql_type gql_type;
typedef struct gql_call gql_call;
/* Answers c->field for c->n parents into c->out (graphql/exec.h). Returns 0, or a pheme_err that
 * fails every row (a row alone fails with gql_fail_row). */
typedef int (*gql_resolve_fn)(gql_call *c);

/* An argument or an input object's field: name, type, default as a GraphQL literal or NULL. */
typedef struct {
  const char *name, *type, *default_value, *description;
} gql_input_def;

typedef struct {
  const char *name, *type;
  const gql_input_def *args;
  int nargs;
  gql_resolve_fn resolve;
  size_t off;               /* for the generic resolvers: offset of the member they read */
  int cost;                 /* added to the query's cost per use; lists multiply by `first` */
  const char *description;
  const char *deprecated;   /* the reason, or NULL */
} gql_field_def;

typedef struct {
  const char *name, *description, *deprecated;
} gql_enum_def;

typedef struct {
  gql_type_kind kind;
  const char *name, *description;
  const gql_field_def *fields; /* OBJECT, INTERFACE */
  int nfields;
  const gql_input_def *inputs; /* INPUT_OBJECT */
  int ninputs;
  const gql_enum_def *values; /* ENUM */
  int nvalues;
  const char *const *members; /* OBJECT: interfaces it implements; UNION: its members; NULL-ended */
  const char *specified_by;   /* SCALAR: the URL, or NULL */
} gql_type_def;

/* Built forms. */
typedef struct gql_tref {
  gql_typeref_kind kind;
  const gql_type *named;      /* NAMED */
  const struct gql_tref *of;  /* LIST, NONNULL */
} gql_tref;

typedef struct {
  const char *name, *description, *default_text;
  const gql_tref *type;
  const gql_value *def; /* parsed default, NULL when none */
} gql_input;

typedef struct {
  const gql_field_def *def;
  const char *name;
  const gql_tref *type;
  gql_input *args;
  int nargs;
} gql_field;

struct gql_type {
  const gql_type_def *def;
  gql_type_kind kind;
  const char *name;
  gql_field *fields;
  int nfields;
  gql_input *inputs;
  int ninputs;
  const gql_type **interfaces; /* OBJECT, INTERFACE */
  int ninterfaces;
  const gql_type **possible; /* INTERFACE: implementing objects; UNION: members */
  int npossible;
  int builtin; /* a specified scalar or an introspection type: not written by gql_schema_sdl */
};

/* Directive locations (the spec's __DirectiveLocation), as bits. */
enum {
  GQL_DL_QUERY = 1 << 0,
  GQL_DL_MUTATION = 1 << 1,
  GQL_DL_SUBSCRIPTION = 1 << 2,
  GQL_DL_FIELD = 1 << 3,
  GQL_DL_FRAGMENT_DEFINITION = 1 << 4,
  GQL_DL_FRAGMENT_SPREAD = 1 << 5,
  GQL_DL_INLINE_FRAGMENT = 1 << 6,
  GQL_DL_VARIABLE_DEFINITION = 1 << 7,
  GQL_DL_SCHEMA = 1 << 8,
  GQL_DL_SCALAR = 1 << 9,
  GQL_DL_OBJECT = 1 << 10,
  GQL_DL_FIELD_DEFINITION = 1 << 11,
  GQL_DL_ARGUMENT_DEFINITION = 1 << 12,
  GQL_DL_INTERFACE = 1 << 13,
  GQL_DL_UNION = 1 << 14,
  GQL_DL_ENUM = 1 << 15,
  GQL_DL_ENUM_VALUE = 1 << 16,
  GQL_DL_INPUT_OBJECT = 1 << 17,
  GQL_DL_INPUT_FIELD_DEFINITION = 1 << 18,
  GQL_DL__COUNT = 19,
};
extern const char *const gql_directive_location_names[GQL_DL__COUNT];

typedef struct {
  const char *name, *description;
  unsigned locations;
  int repeatable;
  gql_input *args;
  int nargs;
} gql_directive_def;

typedef struct {
  gql_type **types; /* every type, sorted by name */
  int ntypes;
  const gql_type *query, *mutation, *subscription;
  gql_directive_def *directives;
  int ndirectives;
  /* the introspection root fields, answered by graphql/introspection.c */
  gql_field schema_field, type_field, typename_field;
  const char *description;
  arena a; /* owns everything built */
} gql_schema;

/* Builds a schema from rows (the built-in scalars and the introspection types are added here;
 * rows must not define them). query names the query root, mutation and subscription may be NULL.
 * Returns 0, or -1 with err saying which row is wrong. Release with gql_schema_release. */
pheme_err gql_schema_build(gql_schema *s, const gql_type_def *rows, int nrows, const char *query,
                     const char *mutation, const char *subscription, char *err, size_t errlen)
    PHEME_MUST_CHECK;
void gql_schema_release(gql_schema *s);

const gql_type *gql_schema_type(const gql_schema *s, const char *name);
const gql_field *gql_type_field(const gql_type *t, const char *name);
const gql_input *gql_input_find(const gql_input *list, int n, const char *name);
const gql_directive_def *gql_schema_directive(const gql_schema *s, const char *name);
/* Whether object type o is t, implements it, or is a member of it. */
int gql_possible(const gql_type *t, const gql_type *o);
/* Whether two composite types can have an object in common. */
int gql_types_overlap(const gql_type *a, const gql_type *b);

const gql_type *gql_tref_named(const gql_tref *t);
int gql_tref_is_input(const gql_tref *t);
int gql_tref_is_output(const gql_tref *t);
int gql_type_is_composite(const gql_type *t);
int gql_type_is_leaf(const gql_type *t);
/* "[Int!]!" */
char *gql_tref_str(arena *a, const gql_tref *t);
int gql_tref_equal(const gql_tref *a, const gql_tref *b);
/* Whether a value of type sub may be used where super is expected (the spec's AreTypesCompatible
 * for variables). */
int gql_tref_subtype(const gql_schema *s, const gql_tref *sub, const gql_tref *super);
/* Builds a gql_tref from a document's type reference; NULL when a named type is unknown. */
const gql_tref *gql_tref_from_ast(const gql_schema *s, arena *a, const gql_typeref *t);

/* Writes the schema in SDL (the type system definition language), types in name order, built-ins
 * left out: docs/schema.graphql. Returns 0 or -1 (buffer cap). */
int gql_schema_sdl(const gql_schema *s, buf *out) PHEME_MUST_CHECK;

/* The introspection types' rows (introspection.c) and the resolvers of the root fields. */
extern const gql_type_def gql_introspection_types[];
extern const int gql_introspection_ntypes;

#endif
