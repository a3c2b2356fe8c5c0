/* The GraphQL document as the parser leaves it (graphql/parse.h): an executable document
 * (operations and fragments) in an arena, every node with the byte offset where it starts, so
 * that the validator and the executor can report spec-form locations (line and column) for it.
 * Nothing here is freed on its own: the arena the document was parsed into owns it all. */
#ifndef PHEME_GRAPHQL_AST_H
#define PHEME_GRAPHQL_AST_H

#include <stddef.h>
#include <stdint.h>

typedef struct gql_value gql_value;
typedef struct gql_selset gql_selset;
typedef struct gql_typeref gql_typeref;

typedef enum {
  GQL_V_VARIABLE,
  GQL_V_INT,
  GQL_V_FLOAT,
  GQL_V_STRING,
  GQL_V_BOOLEAN,
  GQL_V_NULL,
  GQL_V_ENUM,
  GQL_V_LIST,
  GQL_V_OBJECT,
} gql_value_kind;

/* An argument (name: value) and an object field of an input object literal have one shape. */
typedef struct {
  const char *name;
  uint32_t name_at, at;
  gql_value *value;
} gql_arg;

struct gql_value {
  gql_value_kind kind;
  uint32_t at;
  const char *text;    /* INT/FLOAT: the literal; STRING: decoded; ENUM, VARIABLE: the name */
  size_t len;          /* STRING: bytes of the decoded text (may hold NUL) */
  int boolean;         /* BOOLEAN */
  int block;           /* STRING: written as a block string """…""" */
  gql_value **items;   /* LIST */
  gql_arg *fields;     /* OBJECT */
  int n;               /* items or fields */
};

typedef struct {
  const char *name;
  uint32_t at;
  gql_arg *args;
  int nargs;
} gql_directive;

typedef enum { GQL_SEL_FIELD, GQL_SEL_SPREAD, GQL_SEL_INLINE } gql_sel_kind;

typedef struct {
  gql_sel_kind kind;
  uint32_t at;
  const char *alias;     /* FIELD: NULL when none */
  const char *name;      /* FIELD: the field; SPREAD: the fragment */
  uint32_t name_at;
  const char *type_cond; /* INLINE: NULL when none */
  uint32_t type_cond_at;
  gql_arg *args;
  int nargs;
  gql_directive *dirs;
  int ndirs;
  gql_selset *set; /* FIELD: NULL when none; INLINE: always */
} gql_selection;

struct gql_selset {
  uint32_t at;
  gql_selection **items;
  int n;
};

typedef enum { GQL_T_NAMED, GQL_T_LIST, GQL_T_NONNULL } gql_typeref_kind;
struct gql_typeref {
  gql_typeref_kind kind;
  uint32_t at;
  const char *name;  /* NAMED */
  gql_typeref *of;   /* LIST, NONNULL */
};

typedef struct {
  const char *name;
  uint32_t at;
  gql_typeref *type;
  gql_value *def; /* NULL when none */
  gql_directive *dirs;
  int ndirs;
} gql_vardef;

typedef enum { GQL_OP_QUERY, GQL_OP_MUTATION, GQL_OP_SUBSCRIPTION } gql_op_kind;
/* A type-system definition (type, schema, directive, …) is kept only as its name and place: it
 * parses, and validation refuses it (ExecutableDefinitions), as the spec says. */
typedef enum { GQL_DEF_OPERATION, GQL_DEF_FRAGMENT, GQL_DEF_TYPESYSTEM } gql_def_kind;

typedef struct {
  gql_def_kind kind;
  uint32_t at;
  gql_op_kind op;        /* OPERATION */
  const char *name;      /* NULL for an anonymous operation; TYPESYSTEM: NULL for schema */
  uint32_t name_at;
  const char *type_cond; /* FRAGMENT */
  uint32_t type_cond_at;
  gql_vardef *vars;
  int nvars;
  gql_directive *dirs;
  int ndirs;
  gql_selset *set;
} gql_definition;

typedef struct {
  const char *src; /* the text parsed (not copied) */
  size_t len;
  gql_definition *defs;
  int ndefs;
} gql_document;

/* A location as the spec's response gives it: 1-based line and column (columns count UTF-16
 * code units, as graphql-js does). */
typedef struct {
  int line, column;
} gql_loc;

/* The line and column of byte offset at in src. */
gql_loc gql_loc_of(const char *src, size_t len, uint32_t at);

#endif
