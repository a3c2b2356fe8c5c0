/* The validation rules of spec §5 (graphql/validate.h). Rather than graphql-js's visitor with
 * all rules in parallel, one walk of each definition carries the type it is in and applies every
 * rule that concerns the node at hand; the rules about the document as a whole (unique names,
 * unused and cyclic fragments, variables of an operation through the fragments it spreads) run
 * on what the walk recorded. Messages are graphql-js's, without suggestions. */
#include "graphql/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graphql/parse.h"
#include "core/banned.h"

/* A variable used somewhere: where, and the type the position expects (NULL when unknown). */
typedef struct {
  const char *name;
  uint32_t at;
  const gql_tref *type;
  int has_default; /* the position has a default value of its own */
} var_use;

typedef struct {
  var_use *items;
  int n, cap;
} uses;

typedef struct {
  const gql_definition *def;
  const gql_type *type; /* type condition, NULL when unknown */
  uses vars;            /* variables used directly in it */
  const char **spreads; /* fragment names spread directly in it */
  int nspreads, capspreads;
  int reached;          /* from some operation */
} frag_info;

typedef struct {
  const gql_schema *s;
  const gql_document *doc;
  arena *a;
  gql_errors *errs;
  int nerr0;
  frag_info *frags;
  int nfrags;
  /* what the current definition's walk records */
  uses *cur_uses;
  frag_info *cur_frag; /* NULL while in an operation */
  const char ***cur_spreads;
  int *cur_nspreads, *cur_capspreads;
  long budget;
  int over_budget;
  uint32_t clocs[GQL_ERROR_LOCS]; /* the subfields of the conflict being explained */
  int nclocs;
} vctx;

#define ERR(c, rule, at, nat, ...) gql_error_add((c)->errs, PHEME_GQL_INVALID, rule, at, nat, __VA_ARGS__)

static void err1(vctx *c, const char *rule, uint32_t at, const char *fmt, const char *a1,
                 const char *a2, const char *a3, const char *a4) {
  uint32_t l[1] = {at};
  gql_error_add(c->errs, PHEME_GQL_INVALID, rule, l, 1, fmt, a1 ? a1 : "", a2 ? a2 : "", a3 ? a3 : "",
                a4 ? a4 : "");
}

static void *grow(vctx *c, void *items, int n, int *cap, size_t sz) {
  if (n < *cap) return items;
  int nc = *cap ? *cap * 2 : 8;
  void *ni = arena_alloc(c->a, (size_t)nc * sz);
  if (!ni) return NULL;
  if (n) memcpy(ni, items, (size_t)n * sz);
  *cap = nc;
  return ni;
}

static void use_add(vctx *c, uses *u, const char *name, uint32_t at, const gql_tref *t, int has_default) {
  var_use *ni = grow(c, u->items, u->n, &u->cap, sizeof *ni);
  if (!ni) return;
  u->items = ni;
  u->items[u->n++] = (var_use){name, at, t, has_default};
}

static frag_info *frag_find(vctx *c, const char *name) {
  for (int i = 0; i < c->nfrags; i++)
    if (strcmp(c->frags[i].def->name, name) == 0) return &c->frags[i];
  return NULL;
}

static const char *tstr(vctx *c, const gql_tref *t) {
  const char *s = gql_tref_str(c->a, t);
  return s ? s : "?";
}

static const char *vstr(vctx *c, const gql_value *v) {
  const char *s = gql_print_value(c->a, v);
  return s ? s : "?";
}

/* ---- values (ValuesOfCorrectType, UniqueInputFieldNames, variable usages) ---- */

/* Records the variables of v and checks UniqueInputFieldNames on every object in it. Used where
 * the expected type is unknown (so no type check applies). */
static void value_untyped(vctx *c, const gql_value *v) {
  if (v->kind == GQL_V_VARIABLE) {
    use_add(c, c->cur_uses, v->text, v->at, NULL, 0);
  } else if (v->kind == GQL_V_LIST) {
    for (int i = 0; i < v->n; i++) value_untyped(c, v->items[i]);
  } else if (v->kind == GQL_V_OBJECT) {
    for (int i = 0; i < v->n; i++) {
      for (int k = 0; k < i; k++)
        if (strcmp(v->fields[k].name, v->fields[i].name) == 0) {
          uint32_t l[2] = {v->fields[k].name_at, v->fields[i].name_at};
          ERR(c, "UniqueInputFieldNames", l, 2, "There can be only one input field named \"%s\".", v->fields[i].name);
          break;
        }
      value_untyped(c, v->fields[i].value);
    }
  }
}

/* A scalar's parseLiteral, as graphql-js's built-in scalars do it: NULL when v fits, else why. */
static const char *scalar_literal(vctx *c, const gql_type *t, const gql_value *v) {
  const char *n = t->name;
  if (strcmp(n, "Int") == 0) {
    if (v->kind != GQL_V_INT) return arena_printf(c->a, "Int cannot represent non-integer value: %s", vstr(c, v));
    errno = 0;
    char *end;
    long long x = strtoll(v->text, &end, 10);
    if (errno || x > 2147483647LL || x < -2147483648LL)
      return arena_printf(c->a, "Int cannot represent non 32-bit signed integer value: %s", v->text);
    return NULL;
  }
  if (strcmp(n, "Float") == 0)
    return v->kind == GQL_V_INT || v->kind == GQL_V_FLOAT
               ? NULL
               : arena_printf(c->a, "Float cannot represent non numeric value: %s", vstr(c, v));
  if (strcmp(n, "String") == 0)
    return v->kind == GQL_V_STRING ? NULL
                                   : arena_printf(c->a, "String cannot represent a non string value: %s", vstr(c, v));
  if (strcmp(n, "Boolean") == 0)
    return v->kind == GQL_V_BOOLEAN
               ? NULL
               : arena_printf(c->a, "Boolean cannot represent a non boolean value: %s", vstr(c, v));
  if (strcmp(n, "ID") == 0)
    return v->kind == GQL_V_STRING || v->kind == GQL_V_INT
               ? NULL
               : arena_printf(c->a, "ID cannot represent a non-string and non-integer value: %s", vstr(c, v));
  /* custom scalars take any literal here (as a schema built from introspection does); their
   * resolvers check the value when the query runs */
  return NULL;
}

static int enum_has(const gql_type *t, const char *name) {
  for (int i = 0; i < t->def->nvalues; i++)
    if (strcmp(t->def->values[i].name, name) == 0) return 1;
  return 0;
}

/* graphql-js's isValidValueNode: v at a position of type t (the message names t whole). */
static void value_leaf(vctx *c, const gql_value *v, const gql_tref *t) {
  const gql_type *named = gql_tref_named(t);
  const char *ts = tstr(c, t);
  if (!gql_type_is_leaf(named)) {
    err1(c, "ValuesOfCorrectType", v->at, "Expected value of type \"%s\", found %s.%s%s", ts, vstr(c, v), NULL, NULL);
    return;
  }
  const char *why = NULL;
  if (named->kind == GQL_ENUM) {
    if (v->kind != GQL_V_ENUM)
      why = arena_printf(c->a, "Enum \"%s\" cannot represent non-enum value: %s.", named->name, vstr(c, v));
    else if (!enum_has(named, v->text))
      why = arena_printf(c->a, "Value \"%s\" does not exist in \"%s\" enum.", v->text, named->name);
  } else {
    why = scalar_literal(c, named, v);
  }
  /* the built-in scalars and enums refuse with their own message (graphql-js reports the
   * GraphQLError their parseLiteral throws as it is) */
  if (why) err1(c, "ValuesOfCorrectType", v->at, "%s%s%s%s", why, NULL, NULL, NULL);
}

/* v at a position of type t (graphql-js's TypeInfo: a list's items take the item type, or the
 * list's own type when it is not a list; an object's fields take their field's type). */
static void value_typed(vctx *c, const gql_value *v, const gql_tref *t, int has_default) {
  if (v->kind == GQL_V_VARIABLE) {
    use_add(c, c->cur_uses, v->text, v->at, t, has_default);
    return;
  }
  if (v->kind == GQL_V_NULL) {
    if (t->kind == GQL_T_NONNULL)
      err1(c, "ValuesOfCorrectType", v->at, "Expected value of type \"%s\", found null.%s%s%s", tstr(c, t), NULL, NULL, NULL);
    return;
  }
  const gql_tref *nn = t->kind == GQL_T_NONNULL ? t->of : t;
  if (v->kind == GQL_V_LIST) {
    if (nn->kind != GQL_T_LIST) {
      value_leaf(c, v, t);
      for (int i = 0; i < v->n; i++) value_untyped(c, v->items[i]);
      return;
    }
    for (int i = 0; i < v->n; i++) value_typed(c, v->items[i], nn->of, 0);
    return;
  }
  const gql_type *named = gql_tref_named(t);
  if (v->kind == GQL_V_OBJECT) {
    if (named->kind != GQL_INPUT_OBJECT) {
      value_leaf(c, v, t);
      value_untyped(c, v);
      return;
    }
    for (int i = 0; i < v->n; i++) {
      const gql_arg *f = &v->fields[i];
      for (int k = 0; k < i; k++)
        if (strcmp(v->fields[k].name, f->name) == 0) {
          uint32_t l[2] = {v->fields[k].name_at, f->name_at};
          ERR(c, "UniqueInputFieldNames", l, 2, "There can be only one input field named \"%s\".", f->name);
          break;
        }
      const gql_input *in = gql_input_find(named->inputs, named->ninputs, f->name);
      if (!in) {
        err1(c, "ValuesOfCorrectType", f->at, "Field \"%s\" is not defined by type \"%s\".%s%s", f->name, named->name, NULL, NULL);
        value_untyped(c, f->value);
        continue;
      }
      value_typed(c, f->value, in->type, in->def != NULL);
    }
    for (int k = 0; k < named->ninputs; k++) {
      const gql_input *in = &named->inputs[k];
      if (in->type->kind != GQL_T_NONNULL || in->def) continue;
      int found = 0;
      for (int i = 0; i < v->n && !found; i++) found = strcmp(v->fields[i].name, in->name) == 0;
      if (!found)
        err1(c, "ValuesOfCorrectType", v->at, "Field \"%s.%s\" of required type \"%s\" was not provided.%s",
             named->name, in->name, tstr(c, in->type), NULL);
    }
    return;
  }
  value_leaf(c, v, t);
}

/* ---- arguments and directives ---- */

static void unique_args(vctx *c, const gql_arg *args, int n) {
  for (int i = 0; i < n; i++) {
    int first = 1;
    for (int k = 0; k < i; k++)
      if (strcmp(args[k].name, args[i].name) == 0) first = 0;
    if (!first) continue;
    uint32_t l[GQL_ERROR_LOCS];
    int nl = 0;
    for (int k = i; k < n; k++)
      if (strcmp(args[k].name, args[i].name) == 0 && nl < GQL_ERROR_LOCS) l[nl++] = args[k].name_at;
    if (nl > 1) ERR(c, "UniqueArgumentNames", l, nl, "There can be only one argument named \"%s\".", args[i].name);
  }
}

/* Known, unique, required and well-typed arguments of a field (owner "Type.field") or directive
 * (owner NULL, dname its name). */
static void check_args(vctx *c, const gql_arg *args, int n, const gql_input *defs, int ndefs,
                       const char *type_name, const char *field_name, const char *dname, uint32_t at) {
  unique_args(c, args, n);
  for (int i = 0; i < n; i++) {
    const gql_input *d = gql_input_find(defs, ndefs, args[i].name);
    if (!d) {
      if (dname)
        err1(c, "KnownArgumentNames", args[i].at, "Unknown argument \"%s\" on directive \"@%s\".%s%s", args[i].name, dname, NULL, NULL);
      else
        err1(c, "KnownArgumentNames", args[i].at, "Unknown argument \"%s\" on field \"%s.%s\".%s", args[i].name, type_name, field_name, NULL);
      value_untyped(c, args[i].value);
      continue;
    }
    value_typed(c, args[i].value, d->type, d->def != NULL);
  }
  for (int k = 0; k < ndefs; k++) {
    if (defs[k].type->kind != GQL_T_NONNULL || defs[k].def) continue;
    int found = 0;
    for (int i = 0; i < n && !found; i++) found = strcmp(args[i].name, defs[k].name) == 0;
    if (found) continue;
    if (dname)
      err1(c, "ProvidedRequiredArguments", at, "Directive \"@%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.%s",
           dname, defs[k].name, tstr(c, defs[k].type), NULL);
    else
      err1(c, "ProvidedRequiredArguments", at, "Field \"%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.%s",
           field_name, defs[k].name, tstr(c, defs[k].type), NULL);
  }
}

static int dl_index(unsigned loc) {
  for (int i = 0; i < GQL_DL__COUNT; i++)
    if (loc == 1u << i) return i;
  return 0;
}

static void check_directives(vctx *c, const gql_directive *dirs, int n, unsigned loc) {
  for (int i = 0; i < n; i++) {
    const gql_directive *d = &dirs[i];
    const gql_directive_def *def = gql_schema_directive(c->s, d->name);
    if (!def) {
      err1(c, "KnownDirectives", d->at, "Unknown directive \"@%s\".%s%s%s", d->name, NULL, NULL, NULL);
      for (int k = 0; k < d->nargs; k++) value_untyped(c, d->args[k].value);
      unique_args(c, d->args, d->nargs);
      continue;
    }
    if (!(def->locations & loc))
      err1(c, "KnownDirectives", d->at, "Directive \"@%s\" may not be used on %s.%s%s", d->name,
           gql_directive_location_names[dl_index(loc)], NULL, NULL);
    if (!def->repeatable)
      for (int k = 0; k < i; k++)
        if (strcmp(dirs[k].name, d->name) == 0) {
          uint32_t l[2] = {dirs[k].at, d->at};
          ERR(c, "UniqueDirectivesPerLocation", l, 2, "The directive \"@%s\" can only be used once at this location.", d->name);
          break;
        }
    check_args(c, d->args, d->nargs, def->args, def->nargs, NULL, NULL, d->name, d->at);
  }
}

/* ---- overlapping fields (§5.3.2) ---- */

typedef struct {
  const gql_selection *f;
  const gql_type *parent; /* NULL when unknown */
  const gql_field *def;   /* NULL when unknown */
  const char *tag;        /* the fragment whose definition holds f directly; NULL for the set's own */
} field_at;

typedef struct {
  field_at *items;
  int n, cap;
} field_list;

static const char *response_key(const gql_selection *f) { return f->alias ? f->alias : f->name; }

static const gql_field *field_of(vctx *c, const gql_type *t, const char *name) {
  if (!t || !gql_type_is_composite(t)) return NULL;
  if (strcmp(name, "__typename") == 0) return &c->s->typename_field;
  if (t == c->s->query) {
    if (strcmp(name, "__schema") == 0) return &c->s->schema_field;
    if (strcmp(name, "__type") == 0) return &c->s->type_field;
  }
  if (t->kind == GQL_UNION) return NULL;
  return gql_type_field(t, name);
}

static void collect(vctx *c, const gql_selset *set, const gql_type *parent, const char *tag, field_list *out,
                    int depth) {
  if (!set || depth > 64) return;
  for (int i = 0; i < set->n; i++) {
    const gql_selection *s = set->items[i];
    if (--c->budget < 0) {
      c->over_budget = 1;
      return;
    }
    if (s->kind == GQL_SEL_FIELD) {
      field_at *ni = grow(c, out->items, out->n, &out->cap, sizeof *ni);
      if (!ni) return;
      out->items = ni;
      out->items[out->n++] = (field_at){s, parent, field_of(c, parent, s->name), tag};
    } else if (s->kind == GQL_SEL_INLINE) {
      const gql_type *t = s->type_cond ? gql_schema_type(c->s, s->type_cond) : parent;
      collect(c, s->set, t, tag, out, depth + 1);
    } else {
      frag_info *fi = frag_find(c, s->name);
      if (fi) collect(c, fi->def->set, fi->type, fi->def->name, out, depth + 1);
    }
  }
}

static int same_value(vctx *c, const gql_value *a, const gql_value *b) {
  const char *x = gql_print_value(c->a, a), *y = gql_print_value(c->a, b);
  return x && y && strcmp(x, y) == 0;
}

static int same_args(vctx *c, const gql_selection *a, const gql_selection *b) {
  if (a->nargs != b->nargs) return 0;
  for (int i = 0; i < a->nargs; i++) {
    int found = 0;
    for (int k = 0; k < b->nargs && !found; k++)
      if (strcmp(a->args[i].name, b->args[k].name) == 0) found = same_value(c, a->args[i].value, b->args[k].value) ? 1 : -1;
    if (found != 1) return 0;
  }
  return 1;
}

static int types_conflict(const gql_tref *a, const gql_tref *b) {
  if (a->kind == GQL_T_LIST || b->kind == GQL_T_LIST)
    return a->kind == GQL_T_LIST && b->kind == GQL_T_LIST ? types_conflict(a->of, b->of) : 1;
  if (a->kind == GQL_T_NONNULL || b->kind == GQL_T_NONNULL)
    return a->kind == GQL_T_NONNULL && b->kind == GQL_T_NONNULL ? types_conflict(a->of, b->of) : 1;
  if (gql_type_is_leaf(a->named) || gql_type_is_leaf(b->named)) return a->named != b->named;
  return 0;
}

/* A conflict's reason, or NULL when the two fields can merge. */
static const char *find_conflict(vctx *c, const field_at *x, const field_at *y, int parents_exclusive, int depth);

static const char *subfield_conflicts(vctx *c, const gql_selection *a, const gql_type *ta, const gql_selection *b,
                                      const gql_type *tb, int exclusive, int depth, uint32_t *locs, int *nlocs) {
  field_list la = {0}, lb = {0};
  collect(c, a->set, ta, NULL, &la, 0);
  collect(c, b->set, tb, NULL, &lb, 0);
  char *reason = NULL;
  for (int i = 0; i < la.n; i++)
    for (int k = 0; k < lb.n; k++) {
      if (strcmp(response_key(la.items[i].f), response_key(lb.items[k].f)) != 0) continue;
      if (la.items[i].f == lb.items[k].f) continue;
      const char *r = find_conflict(c, &la.items[i], &lb.items[k], exclusive, depth + 1);
      if (!r) continue;
      if (*nlocs + 2 <= GQL_ERROR_LOCS) {
        locs[(*nlocs)++] = la.items[i].f->at;
        locs[(*nlocs)++] = lb.items[k].f->at;
      }
      reason = arena_printf(c->a, "%s%ssubfields \"%s\" conflict because %s", reason ? reason : "",
                            reason ? " and " : "", response_key(la.items[i].f), r);
    }
  return reason;
}


static const char *find_conflict(vctx *c, const field_at *x, const field_at *y, int parents_exclusive, int depth) {
  if (--c->budget < 0) {
    c->over_budget = 1;
    return NULL;
  }
  if (depth > 64) return NULL;
  int exclusive = parents_exclusive ||
                  (x->parent && y->parent && x->parent != y->parent && x->parent->kind == GQL_OBJECT &&
                   y->parent->kind == GQL_OBJECT);
  if (!exclusive) {
    if (strcmp(x->f->name, y->f->name) != 0)
      return arena_printf(c->a, "\"%s\" and \"%s\" are different fields", x->f->name, y->f->name);
    if (!same_args(c, x->f, y->f)) return "they have differing arguments";
  }
  if (x->def && y->def && types_conflict(x->def->type, y->def->type))
    return arena_printf(c->a, "they return conflicting types \"%s\" and \"%s\"", tstr(c, x->def->type), tstr(c, y->def->type));
  if (x->f->set && y->f->set) {
    const gql_type *tx = x->def ? gql_tref_named(x->def->type) : NULL, *ty = y->def ? gql_tref_named(y->def->type) : NULL;
    return subfield_conflicts(c, x->f, tx, y->f, ty, exclusive, depth, c->clocs, &c->nclocs);
  }
  return NULL;
}

/* FieldsInSetCanMerge for one selection set: every pair of fields that share a response name,
 * except pairs both held by one fragment (checked where that fragment is defined). */
static void overlap_set(vctx *c, const gql_selset *set, const gql_type *parent) {
  if (c->over_budget) return;
  field_list l = {0};
  collect(c, set, parent, NULL, &l, 0);
  for (int i = 0; i < l.n && !c->over_budget; i++) {
    const char *key = response_key(l.items[i].f);
    for (int k = i + 1; k < l.n; k++) {
      const field_at *x = &l.items[i], *y = &l.items[k];
      if (x->f == y->f || strcmp(key, response_key(y->f)) != 0) continue;
      if (x->tag && y->tag && strcmp(x->tag, y->tag) == 0) continue;
      c->nclocs = 0;
      const char *r = find_conflict(c, x, y, 0, 0);
      if (!r) continue;
      uint32_t locs[GQL_ERROR_LOCS];
      int nl = 0;
      locs[nl++] = x->f->at;
      for (int m = 0; m < c->nclocs && nl < GQL_ERROR_LOCS - 1; m += 2) locs[nl++] = c->clocs[m];
      locs[nl++] = y->f->at;
      for (int m = 1; m < c->nclocs && nl < GQL_ERROR_LOCS; m += 2) locs[nl++] = c->clocs[m];
      ERR(c, "OverlappingFieldsCanBeMerged", locs, nl,
          "Fields \"%s\" conflict because %s. Use different aliases on the fields to fetch both if this was intentional.",
          key, r);
    }
  }
}

/* ---- the walk ---- */

static void walk_set(vctx *c, const gql_selset *set, const gql_type *parent);

static void spread_add(vctx *c, const char *name) {
  const char **ni = grow(c, *c->cur_spreads, *c->cur_nspreads, c->cur_capspreads, sizeof *ni);
  if (!ni) return;
  *c->cur_spreads = ni;
  ni[(*c->cur_nspreads)++] = name;
}

static void walk_field(vctx *c, const gql_selection *s, const gql_type *parent) {
  const gql_field *f = field_of(c, parent, s->name);
  if (parent && !f)
    err1(c, "FieldsOnCorrectType", s->at, "Cannot query field \"%s\" on type \"%s\".%s%s", s->name, parent->name, NULL, NULL);
  if (f)
    check_args(c, s->args, s->nargs, f->args, f->nargs, parent->name, f->name, NULL, s->at);
  else {
    unique_args(c, s->args, s->nargs);
    for (int i = 0; i < s->nargs; i++) value_untyped(c, s->args[i].value);
  }
  check_directives(c, s->dirs, s->ndirs, GQL_DL_FIELD);
  const gql_type *t = f ? gql_tref_named(f->type) : NULL;
  if (t && gql_type_is_leaf(t) && s->set)
    err1(c, "ScalarLeafs", s->set->at, "Field \"%s\" must not have a selection since type \"%s\" has no subfields.%s%s",
         s->name, tstr(c, f->type), NULL, NULL);
  if (t && !gql_type_is_leaf(t) && !s->set)
    err1(c, "ScalarLeafs", s->at, "Field \"%s\" of type \"%s\" must have a selection of subfields. Did you mean \"%s { ... }\"?%s",
         s->name, tstr(c, f->type), s->name, NULL);
  if (s->set) walk_set(c, s->set, t && gql_type_is_composite(t) ? t : NULL);
}

static void walk_set(vctx *c, const gql_selset *set, const gql_type *parent) {
  overlap_set(c, set, parent);
  for (int i = 0; i < set->n; i++) {
    const gql_selection *s = set->items[i];
    switch (s->kind) {
    case GQL_SEL_FIELD:
      walk_field(c, s, parent);
      break;
    case GQL_SEL_SPREAD: {
      check_directives(c, s->dirs, s->ndirs, GQL_DL_FRAGMENT_SPREAD);
      frag_info *fi = frag_find(c, s->name);
      if (!fi) {
        err1(c, "KnownFragmentNames", s->name_at, "Unknown fragment \"%s\".%s%s%s", s->name, NULL, NULL, NULL);
        break;
      }
      spread_add(c, s->name);
      if (parent && fi->type && gql_type_is_composite(fi->type) && !gql_types_overlap(parent, fi->type))
        err1(c, "PossibleFragmentSpreads", s->at,
             "Fragment \"%s\" cannot be spread here as objects of type \"%s\" can never be of type \"%s\".%s", s->name,
             parent->name, fi->type->name, NULL);
      break;
    }
    case GQL_SEL_INLINE: {
      const gql_type *t = parent;
      if (s->type_cond) {
        t = gql_schema_type(c->s, s->type_cond);
        if (!t)
          err1(c, "KnownTypeNames", s->type_cond_at, "Unknown type \"%s\".%s%s%s", s->type_cond, NULL, NULL, NULL);
        else if (!gql_type_is_composite(t)) {
          err1(c, "FragmentsOnCompositeTypes", s->type_cond_at, "Fragment cannot condition on non composite type \"%s\".%s%s%s",
               s->type_cond, NULL, NULL, NULL);
          t = NULL;
        } else if (parent && !gql_types_overlap(parent, t))
          err1(c, "PossibleFragmentSpreads", s->at,
               "Fragment cannot be spread here as objects of type \"%s\" can never be of type \"%s\".%s%s", parent->name,
               t->name, NULL, NULL);
      }
      check_directives(c, s->dirs, s->ndirs, GQL_DL_INLINE_FRAGMENT);
      walk_set(c, s->set, t);
      break;
    }
    }
  }
}

/* ---- fragments as a whole ---- */

static int cycle_stack_has(const char **stack, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(stack[i], name) == 0) return i;
  return -1;
}

/* graphql-js's NoFragmentCycles: a depth-first walk from each fragment not yet visited; a spread
 * back into the current path is a cycle, reported once. */
typedef struct {
  const char *name;
  uint32_t at;
} spread_ref;

static void spreads_of(const gql_selset *set, spread_ref **out, int *n, int *cap, vctx *c, int depth) {
  if (!set || depth > 256) return;
  for (int i = 0; i < set->n; i++) {
    const gql_selection *s = set->items[i];
    if (s->kind == GQL_SEL_SPREAD) {
      spread_ref *ni = grow(c, *out, *n, cap, sizeof *ni);
      if (!ni) return;
      *out = ni;
      ni[(*n)++] = (spread_ref){s->name, s->at};
    } else if (s->set) {
      spreads_of(s->set, out, n, cap, c, depth + 1);
    }
  }
}

static void detect_cycles(vctx *c, frag_info *f, char *visited, const char **stack, uint32_t *stack_at, int depth) {
  int idx = (int)(f - c->frags);
  if (visited[idx] || depth >= 512) return;
  visited[idx] = 1;
  spread_ref *sp = NULL;
  int n = 0, cap = 0;
  spreads_of(f->def->set, &sp, &n, &cap, c, 0);
  stack[depth] = f->def->name;
  for (int i = 0; i < n; i++) {
    frag_info *g = frag_find(c, sp[i].name);
    if (!g) continue;
    stack_at[depth] = sp[i].at;
    int in = cycle_stack_has(stack, depth + 1, sp[i].name);
    if (in < 0) {
      detect_cycles(c, g, visited, stack, stack_at, depth + 1);
      continue;
    }
    /* the path from the spread of stack[in] to here */
    uint32_t locs[GQL_ERROR_LOCS];
    int nl = 0;
    char *via = NULL;
    for (int k = in; k <= depth; k++) {
      if (nl < GQL_ERROR_LOCS) locs[nl++] = stack_at[k];
      if (k > in) via = arena_printf(c->a, "%s%s\"%s\"", via ? via : "", via ? ", " : "", stack[k]);
    }
    if (via)
      ERR(c, "NoFragmentCycles", locs, nl, "Cannot spread fragment \"%s\" within itself via %s.", sp[i].name, via);
    else
      ERR(c, "NoFragmentCycles", locs, nl, "Cannot spread fragment \"%s\" within itself.", sp[i].name);
  }
}

static void reach(vctx *c, frag_info *f, int depth) {
  if (f->reached || depth > 512) return;
  f->reached = 1;
  for (int i = 0; i < f->nspreads; i++) {
    frag_info *g = frag_find(c, f->spreads[i]);
    if (g) reach(c, g, depth + 1);
  }
}

/* The variables used by an operation: its own and those of every fragment it reaches. */
static void op_uses(vctx *c, const char **spreads, int nspreads, char *seen, uses *out, int depth) {
  if (depth > 512) return;
  for (int i = 0; i < nspreads; i++) {
    frag_info *g = frag_find(c, spreads[i]);
    if (!g) continue;
    int idx = (int)(g - c->frags);
    if (seen[idx]) continue;
    seen[idx] = 1;
    for (int k = 0; k < g->vars.n; k++)
      use_add(c, out, g->vars.items[k].name, g->vars.items[k].at, g->vars.items[k].type, g->vars.items[k].has_default);
    op_uses(c, g->spreads, g->nspreads, seen, out, depth + 1);
  }
}

/* SingleFieldSubscriptions: the response keys of the root selection (fragments expanded). */
static void subscription_fields(vctx *c, const gql_definition *d) {
  field_list l = {0};
  collect(c, d->set, c->s->subscription, NULL, &l, 0);
  if (l.n == 0) return;
  const char *first = response_key(l.items[0].f);
  uint32_t extra[GQL_ERROR_LOCS];
  int ne = 0;
  for (int i = 0; i < l.n; i++)
    if (strcmp(response_key(l.items[i].f), first) != 0 && ne < GQL_ERROR_LOCS) extra[ne++] = l.items[i].f->at;
  if (ne) {
    if (d->name)
      ERR(c, "SingleFieldSubscriptions", extra, ne, "Subscription \"%s\" must select only one top level field.", d->name);
    else
      ERR(c, "SingleFieldSubscriptions", extra, ne, "Anonymous Subscription must select only one top level field.");
  }
  for (int i = 0; i < l.n; i++) {
    int seen = 0;
    for (int k = 0; k < i && !seen; k++) seen = strcmp(response_key(l.items[k].f), response_key(l.items[i].f)) == 0;
    if (seen || strncmp(l.items[i].f->name, "__", 2) != 0) continue;
    uint32_t at[1] = {l.items[i].f->at};
    if (d->name)
      ERR(c, "SingleFieldSubscriptions", at, 1, "Subscription \"%s\" must not select an introspection top level field.", d->name);
    else
      ERR(c, "SingleFieldSubscriptions", at, 1, "Anonymous Subscription must not select an introspection top level field.");
  }
}

static void walk_operation(vctx *c, const gql_definition *d) {
  uses own = {0};
  const char **spreads = NULL;
  int nspreads = 0, capspreads = 0;
  c->cur_uses = &own;
  c->cur_frag = NULL;
  c->cur_spreads = &spreads;
  c->cur_nspreads = &nspreads;
  c->cur_capspreads = &capspreads;
  const gql_tref **vtypes = arena_zalloc(c->a, (size_t)(d->nvars + 1) * sizeof *vtypes);
  if (!vtypes) return;
  for (int i = 0; i < d->nvars; i++) {
    const gql_vardef *v = &d->vars[i];
    for (int k = 0; k < i; k++)
      if (strcmp(d->vars[k].name, v->name) == 0) {
        uint32_t l[2] = {d->vars[k].at, v->at};
        ERR(c, "UniqueVariableNames", l, 2, "There can be only one variable named \"$%s\".", v->name);
        break;
      }
    const gql_typeref *nt = v->type;
    while (nt->kind != GQL_T_NAMED) nt = nt->of;
    const gql_type *named = gql_schema_type(c->s, nt->name);
    if (!named) {
      err1(c, "KnownTypeNames", nt->at, "Unknown type \"%s\".%s%s%s", nt->name, NULL, NULL, NULL);
    } else {
      vtypes[i] = gql_tref_from_ast(c->s, c->a, v->type);
      if (vtypes[i] && !gql_tref_is_input(vtypes[i])) {
        err1(c, "VariablesAreInputTypes", v->type->at, "Variable \"$%s\" cannot be non-input type \"%s\".%s%s", v->name,
             tstr(c, vtypes[i]), NULL, NULL);
        vtypes[i] = NULL;
      }
    }
    check_directives(c, v->dirs, v->ndirs, GQL_DL_VARIABLE_DEFINITION);
    if (v->def) {
      if (vtypes[i])
        value_typed(c, v->def, vtypes[i], 0);
      else
        value_untyped(c, v->def);
    }
  }
  unsigned loc = d->op == GQL_OP_QUERY ? GQL_DL_QUERY : d->op == GQL_OP_MUTATION ? GQL_DL_MUTATION : GQL_DL_SUBSCRIPTION;
  check_directives(c, d->dirs, d->ndirs, loc);
  const gql_type *root = d->op == GQL_OP_QUERY ? c->s->query : d->op == GQL_OP_MUTATION ? c->s->mutation : c->s->subscription;
  if (d->op == GQL_OP_SUBSCRIPTION && c->s->subscription) subscription_fields(c, d);
  walk_set(c, d->set, root);
  /* the variables of the operation, through its fragments */
  char *seen = arena_zalloc(c->a, (size_t)c->nfrags + 1);
  if (!seen) return;
  uses all = {0};
  for (int k = 0; k < own.n; k++)
    use_add(c, &all, own.items[k].name, own.items[k].at, own.items[k].type, own.items[k].has_default);
  op_uses(c, spreads, nspreads, seen, &all, 0);
  for (int k = 0; k < all.n; k++) {
    const var_use *u = &all.items[k];
    int vi = -1;
    for (int i = 0; i < d->nvars && vi < 0; i++)
      if (strcmp(d->vars[i].name, u->name) == 0) vi = i;
    if (vi < 0) {
      uint32_t l[2] = {u->at, d->at};
      if (d->name)
        ERR(c, "NoUndefinedVariables", l, 2, "Variable \"$%s\" is not defined by operation \"%s\".", u->name, d->name);
      else
        ERR(c, "NoUndefinedVariables", l, 2, "Variable \"$%s\" is not defined.", u->name);
      continue;
    }
    const gql_tref *vt = vtypes[vi];
    if (!vt || !u->type) continue;
    const gql_vardef *vd = &d->vars[vi];
    const gql_tref *eff = vt;
    if (u->type->kind == GQL_T_NONNULL && vt->kind != GQL_T_NONNULL) {
      int var_default = vd->def && vd->def->kind != GQL_V_NULL;
      if (!var_default && !u->has_default) {
        uint32_t l[2] = {vd->at, u->at};
        ERR(c, "VariablesInAllowedPosition", l, 2, "Variable \"$%s\" of type \"%s\" used in position expecting type \"%s\".",
            u->name, tstr(c, vt), tstr(c, u->type));
        continue;
      }
      if (!gql_tref_subtype(c->s, vt, u->type->of)) {
        uint32_t l[2] = {vd->at, u->at};
        ERR(c, "VariablesInAllowedPosition", l, 2, "Variable \"$%s\" of type \"%s\" used in position expecting type \"%s\".",
            u->name, tstr(c, vt), tstr(c, u->type));
      }
      continue;
    }
    if (!gql_tref_subtype(c->s, eff, u->type)) {
      uint32_t l[2] = {vd->at, u->at};
      ERR(c, "VariablesInAllowedPosition", l, 2, "Variable \"$%s\" of type \"%s\" used in position expecting type \"%s\".",
          u->name, tstr(c, vt), tstr(c, u->type));
    }
  }
  for (int i = 0; i < d->nvars; i++) {
    int used = 0;
    for (int k = 0; k < all.n && !used; k++) used = strcmp(all.items[k].name, d->vars[i].name) == 0;
    if (used) continue;
    uint32_t l[1] = {d->vars[i].at};
    if (d->name)
      ERR(c, "NoUnusedVariables", l, 1, "Variable \"$%s\" is never used in operation \"%s\".", d->vars[i].name, d->name);
    else
      ERR(c, "NoUnusedVariables", l, 1, "Variable \"$%s\" is never used.", d->vars[i].name);
  }
}

int gql_validate(const gql_schema *s, const gql_document *doc, arena *a, gql_errors *errs) {
  vctx c = {0};
  c.s = s;
  c.doc = doc;
  c.a = a;
  c.errs = errs;
  c.nerr0 = errs->n + errs->dropped;
  c.budget = GQL_VALIDATE_BUDGET;
  int nops = 0;
  for (int i = 0; i < doc->ndefs; i++) {
    const gql_definition *d = &doc->defs[i];
    if (d->kind != GQL_DEF_TYPESYSTEM) continue;
    uint32_t l[1] = {d->at};
    if (d->name)
      ERR(&c, "ExecutableDefinitions", l, 1, "The \"%s\" definition is not executable.", d->name);
    else
      ERR(&c, "ExecutableDefinitions", l, 1, "The schema definition is not executable.");
  }
  for (int i = 0; i < doc->ndefs; i++) {
    if (doc->defs[i].kind == GQL_DEF_TYPESYSTEM) continue;
    if (doc->defs[i].kind == GQL_DEF_FRAGMENT)
      c.nfrags++;
    else {
      nops++;
    }
  }
  c.frags = arena_zalloc(a, (size_t)(c.nfrags + 1) * sizeof *c.frags);
  if (!c.frags) return 0;
  int nf = 0;
  for (int i = 0; i < doc->ndefs; i++) {
    const gql_definition *d = &doc->defs[i];
    if (d->kind != GQL_DEF_FRAGMENT) continue;
    /* UniqueFragmentNames: the first definition is the one used */
    int dup = 0;
    for (int k = 0; k < nf && !dup; k++)
      if (strcmp(c.frags[k].def->name, d->name) == 0) {
        uint32_t l[2] = {c.frags[k].def->name_at, d->name_at};
        ERR(&c, "UniqueFragmentNames", l, 2, "There can be only one fragment named \"%s\".", d->name);
        dup = 1;
      }
    if (dup) continue;
    c.frags[nf].def = d;
    c.frags[nf].type = gql_schema_type(s, d->type_cond);
    nf++;
  }
  c.nfrags = nf;
  for (int i = 0; i < doc->ndefs; i++) {
    const gql_definition *d = &doc->defs[i];
    if (d->kind != GQL_DEF_OPERATION) continue;
    if (!d->name && nops > 1) {
      uint32_t l[1] = {d->at};
      ERR(&c, "LoneAnonymousOperation", l, 1, "This anonymous operation must be the only defined operation.");
    }
    if (d->name)
      for (int k = 0; k < i; k++) {
        const gql_definition *e = &doc->defs[k];
        if (e->kind == GQL_DEF_OPERATION && e->name && strcmp(e->name, d->name) == 0) {
          uint32_t l[2] = {e->name_at, d->name_at};
          ERR(&c, "UniqueOperationNames", l, 2, "There can be only one operation named \"%s\".", d->name);
          break;
        }
      }
  }
  /* fragments: each walked once, in its own type */
  for (int i = 0; i < c.nfrags; i++) {
    frag_info *f = &c.frags[i];
    const gql_definition *d = f->def;
    c.cur_uses = &f->vars;
    c.cur_frag = f;
    c.cur_spreads = &f->spreads;
    c.cur_nspreads = &f->nspreads;
    c.cur_capspreads = &f->capspreads;
    if (!f->type)
      err1(&c, "KnownTypeNames", d->type_cond_at, "Unknown type \"%s\".%s%s%s", d->type_cond, NULL, NULL, NULL);
    else if (!gql_type_is_composite(f->type)) {
      err1(&c, "FragmentsOnCompositeTypes", d->type_cond_at, "Fragment \"%s\" cannot condition on non composite type \"%s\".%s%s",
           d->name, d->type_cond, NULL, NULL);
      f->type = NULL;
    }
    check_directives(&c, d->dirs, d->ndirs, GQL_DL_FRAGMENT_DEFINITION);
    walk_set(&c, d->set, f->type);
  }
  /* duplicate fragment definitions are walked for their own errors too */
  for (int i = 0; i < doc->ndefs; i++) {
    const gql_definition *d = &doc->defs[i];
    if (d->kind != GQL_DEF_FRAGMENT) continue;
    int primary = 0;
    for (int k = 0; k < c.nfrags && !primary; k++) primary = c.frags[k].def == d;
    if (primary) continue;
    frag_info tmp = {0};
    tmp.def = d;
    c.cur_uses = &tmp.vars;
    c.cur_spreads = &tmp.spreads;
    c.cur_nspreads = &tmp.nspreads;
    c.cur_capspreads = &tmp.capspreads;
    const gql_type *t = gql_schema_type(s, d->type_cond);
    walk_set(&c, d->set, t && gql_type_is_composite(t) ? t : NULL);
  }
  for (int i = 0; i < doc->ndefs; i++)
    if (doc->defs[i].kind == GQL_DEF_OPERATION) walk_operation(&c, &doc->defs[i]);
  /* NoUnusedFragments, NoFragmentCycles */
  for (int i = 0; i < doc->ndefs; i++) {
    const gql_definition *d = &doc->defs[i];
    if (d->kind != GQL_DEF_OPERATION) continue;
    spread_ref *sp = NULL;
    int n = 0, cap = 0;
    spreads_of(d->set, &sp, &n, &cap, &c, 0);
    for (int k = 0; k < n; k++) {
      frag_info *g = frag_find(&c, sp[k].name);
      if (g) reach(&c, g, 0);
    }
  }
  for (int i = 0; i < doc->ndefs; i++) {
    const gql_definition *d = &doc->defs[i];
    if (d->kind != GQL_DEF_FRAGMENT) continue;
    frag_info *g = frag_find(&c, d->name);
    if (g && g->reached) continue;
    uint32_t l[1] = {d->at};
    ERR(&c, "NoUnusedFragments", l, 1, "Fragment \"%s\" is never used.", d->name);
  }
  if (c.nfrags) {
    char *visited = arena_zalloc(a, (size_t)c.nfrags);
    const char **stack = arena_zalloc(a, 513 * sizeof *stack);
    uint32_t *stack_at = arena_zalloc(a, 513 * sizeof *stack_at);
    if (visited && stack && stack_at)
      for (int i = 0; i < c.nfrags; i++) detect_cycles(&c, &c.frags[i], visited, stack, stack_at, 0);
  }
  if (c.over_budget)
    gql_error_add(errs, PHEME_GQL_LIMIT, NULL, NULL, 0,
                  "The document is too complex to validate (more than %d field comparisons).", GQL_VALIDATE_BUDGET);
  return errs->n + errs->dropped - c.nerr0;
}
