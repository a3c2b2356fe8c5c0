/* The executor (spec §6): runs one operation of a validated document against a schema, level by
 * level. All the objects one field is asked of at one depth of the response are answered by one
 * call of that field's resolver (gql_call.parents[0..n)), so a resolver that reads storage does
 * one read per level however many rows the level above returned — the batching that keeps a
 * nested query at one store call per level (DataLoader's effect, without its promises).
 *
 * Values cross the resolver boundary as gql_rv: resolvers fill c->out[i] for every parent i, and
 * arguments arrive coerced (spec §6.4.1) as a gql_rv object. Errors of one row stay in that row:
 * the field is null there with an error carrying its path (§6.4.4), and nulls bubble up to the
 * nearest nullable field. */
#ifndef PHEME_GRAPHQL_EXEC_H
#define PHEME_GRAPHQL_EXEC_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "graphql/ast.h"
#include "graphql/error.h"
#include "graphql/schema.h"

typedef enum {
  GQL_R_NULL,
  GQL_R_BOOL,
  GQL_R_INT,
  GQL_R_FLOAT,
  GQL_R_STRING,
  GQL_R_ENUM,
  GQL_R_OBJECT, /* an output object (obj, type), or an input object (keys, items, n) */
  GQL_R_LIST,
} gql_rkind;

typedef struct gql_rv {
  gql_rkind kind;
  int b;
  int64_t i;
  double f;
  const char *s; /* STRING, ENUM */
  size_t len;
  const void *obj;       /* output OBJECT: what the object's resolvers receive as their parent */
  const gql_type *type;  /* output OBJECT: its concrete type (NULL: the field's named type) */
  struct gql_rv *items;  /* LIST; input OBJECT: the field values */
  const char **keys;     /* input OBJECT: the field names */
  int n;
  int raw;               /* STRING: s is JSON text, written as it is (the JSON scalar) */
  const char *error;     /* a failed row: null, with this message and code */
  pheme_err code;
} gql_rv;

typedef struct gql_exec gql_exec;

struct gql_call {
  gql_exec *ex;
  void *app;                 /* the application's context (gql_exec_options.app) */
  arena *a;                  /* the request's arena: results live here */
  const gql_type *parent_type;
  const gql_field *field;
  const gql_rv *args;        /* coerced arguments, an input OBJECT */
  const void *const *parents;
  int n;
  gql_rv *out;               /* n results, zeroed (null) on entry */
  const void *selection;     /* the nodes of the field in the document (exec.c), or NULL */
};

typedef struct {
  void *app;                 /* handed to every resolver as gql_call.app */
  const void *root;          /* the root object's parent pointer (usually NULL) */
  int max_list;              /* the most items a list field may return (0 = 10000) */
  int subscription;          /* GQL_SUB_REFUSE, GQL_SUB_CHECK or GQL_SUB_RUN (below) */
  /* Called around the resolvers of a query operation (not a mutation's, which write, nor a
   * subscription's), when set: the application may read one snapshot for all its levels. */
  void (*query_begin)(void *app);
  void (*query_end)(void *app);
} gql_exec_options;

/* What a subscription operation does (gql_exec_options.subscription):
 *   GQL_SUB_REFUSE  it is refused ("served over graphql-transport-ws or SSE"): POST/GET /graphql
 *   GQL_SUB_CHECK   gql_service_run checks it (parse, validate, limits) and stops there with
 *                   gql_result.subscription 1; queries and mutations run as usual
 *   GQL_SUB_RUN     it runs once on the root object opt->root (one event) */
enum { GQL_SUB_REFUSE = 0, GQL_SUB_CHECK = 1, GQL_SUB_RUN = 2 };

/* Runs the operation named operation_name (NULL: the document's only one) with variables (a JSON
 * object or NULL). Writes the value of "data" as JSON into out (or nothing when *has_data is 0:
 * a request error, §7.1.2) and adds errors to errs. Returns 0, or -1 when the request failed
 * before execution (unknown operation, bad variables): then errs says why and *has_data is 0. */
int gql_execute(const gql_schema *s, const gql_document *doc, const char *operation_name, const json_t *variables,
                const gql_exec_options *opt, arena *a, gql_errors *errs, buf *out, int *has_data) PHEME_MUST_CHECK;

/* The operation a request names; NULL with an error in errs when there is none or it is ambiguous. */
const gql_definition *gql_operation(const gql_document *doc, const char *operation_name, gql_errors *errs);

/* ---- for resolvers ---- */

/* The schema a call runs against, and one of its types by name (for resolvers of abstract
 * fields, which name each object's concrete type). */
const gql_schema *gql_call_schema(const gql_call *c);
const gql_type *gql_call_type(const gql_call *c, const char *name);

/* 1 when every field the query asks of this call's results (in the field's selection sets,
 * through fragments whatever their type condition or directives) is one of names (NULL-ended) or
 * __typename; 0 otherwise or when it cannot tell. A resolver may then leave out of its read what
 * only the other fields need. */
int gql_call_asks_only(const gql_call *c, const char *const *names);

/* An argument by name, or NULL when it was not given and has no default. */
const gql_rv *gql_arg_get(const gql_call *c, const char *name);
int64_t gql_arg_int(const gql_call *c, const char *name, int64_t dflt);
const char *gql_arg_str(const gql_call *c, const char *name);
/* A field of an input object value, or NULL. */
const gql_rv *gql_rv_field(const gql_rv *obj, const char *name);

static inline void gql_set_int(gql_rv *v, int64_t x) { v->kind = GQL_R_INT; v->i = x; }
static inline void gql_set_float(gql_rv *v, double x) { v->kind = GQL_R_FLOAT; v->f = x; }
static inline void gql_set_bool(gql_rv *v, int x) { v->kind = GQL_R_BOOL; v->b = !!x; }
/* NULL sets null. The string must live as long as the request (arena or static). */
static inline void gql_set_str(gql_rv *v, const char *s) {
  if (s) { v->kind = GQL_R_STRING; v->s = s; v->len = __builtin_strlen(s); } else v->kind = GQL_R_NULL;
}
static inline void gql_set_enum(gql_rv *v, const char *s) {
  if (s) { v->kind = GQL_R_ENUM; v->s = s; v->len = __builtin_strlen(s); } else v->kind = GQL_R_NULL;
}
/* NULL sets null. type may be NULL when the field's type is an object type. */
static inline void gql_set_obj(gql_rv *v, const void *o, const gql_type *type) {
  if (o) { v->kind = GQL_R_OBJECT; v->obj = o; v->type = type; } else v->kind = GQL_R_NULL;
}
/* Makes v a list of n items (zeroed: null) from the arena; returns the items or NULL. */
gql_rv *gql_set_list(arena *a, gql_rv *v, int n);
/* Fails row v: null, with an error of code and message (NULL: the code's message). */
void gql_fail_row(gql_rv *v, pheme_err code, const char *message);

/* The generic resolvers of the schema tables: the member at field_def.off of each parent. */
int gql_res_str(gql_call *c);     /* const char * */
int gql_res_int64(gql_call *c);   /* int64_t, as Int when it fits 32 bits else an error */
int gql_res_bigint(gql_call *c);  /* int64_t, as a BigInt string */
int gql_res_int(gql_call *c);     /* int */
int gql_res_bool(gql_call *c);    /* int */
int gql_res_time(gql_call *c);    /* int64_t Unix ms, as RFC 3339 text; 0 = null */
int gql_res_id(gql_call *c);      /* int64_t, as ID */
int gql_res_json(gql_call *c);    /* const char * JSON text, as a JSON scalar (passed through) */

/* Writes a gql_rv input value back to JSON (for tests and for resolvers that store it). */
json_t *gql_rv_to_json(const gql_rv *v);

#endif
