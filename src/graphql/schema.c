/* Building a schema from its rows (graphql/schema.h), the questions the validator and the
 * executor ask of types, and the SDL writer behind `pheme graphql schema`. */
#include "graphql/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graphql/parse.h"
#include "core/banned.h"

const char *const gql_directive_location_names[GQL_DL__COUNT] = {
    "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT", "VARIABLE_DEFINITION", "SCHEMA", "SCALAR", "OBJECT", "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION", "INTERFACE", "UNION", "ENUM", "ENUM_VALUE", "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
};

static const gql_type_def builtin_scalars[] = {
    {GQL_SCALAR, "Int", "The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent values between -(2^31) and 2^31 - 1."},
    {GQL_SCALAR, "Float", "The `Float` scalar type represents signed double-precision fractional values as specified by [IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point)."},
    {GQL_SCALAR, "String", "The `String` scalar type represents textual data, represented as UTF-8 character sequences. The String type is most often used by GraphQL to represent free-form human-readable text."},
    {GQL_SCALAR, "Boolean", "The `Boolean` scalar type represents `true` or `false`."},
    {GQL_SCALAR, "ID", "The `ID` scalar type represents a unique identifier, often used to refetch an object or as key for a cache. The ID type appears in a JSON response as a String; however, it is not intended to be human-readable. When expected as an input type, any string (such as `\"4\"`) or integer (such as `4`) input value will be accepted as an ID."},
};

static const gql_input_def if_arg[] = {{"if", "Boolean!", NULL, NULL}};
static const gql_input_def deprecated_arg[] = {{"reason", "String", "\"No longer supported\"", "Explains why this element was deprecated, usually also including a suggestion for how to access supported similar data. Formatted using the Markdown syntax, as specified by [CommonMark](https://commonmark.org/)."}};
static const gql_input_def specified_by_arg[] = {{"url", "String!", NULL, "The URL that specifies the behavior of this scalar."}};

static const struct {
  const char *name, *description;
  unsigned locations;
  const gql_input_def *args;
  int nargs;
} builtin_directives[] = {
    {"include", "Directs the executor to include this field or fragment only when the `if` argument is true.",
     GQL_DL_FIELD | GQL_DL_FRAGMENT_SPREAD | GQL_DL_INLINE_FRAGMENT, if_arg, 1},
    {"skip", "Directs the executor to skip this field or fragment when the `if` argument is true.",
     GQL_DL_FIELD | GQL_DL_FRAGMENT_SPREAD | GQL_DL_INLINE_FRAGMENT, if_arg, 1},
    {"deprecated", "Marks an element of a GraphQL schema as no longer supported.",
     GQL_DL_FIELD_DEFINITION | GQL_DL_ARGUMENT_DEFINITION | GQL_DL_INPUT_FIELD_DEFINITION | GQL_DL_ENUM_VALUE,
     deprecated_arg, 1},
    {"specifiedBy", "Exposes a URL that specifies the behavior of this scalar.", GQL_DL_SCALAR, specified_by_arg, 1},
};

typedef struct {
  gql_schema *s;
  char *err;
  size_t errlen;
} builder;

static int bad(builder *b, const char *fmt, const char *x, const char *y) {
  snprintf(b->err, b->errlen, fmt, x ? x : "", y ? y : "");
  return -1;
}

static int cmp_type(const void *a, const void *b) {
  return strcmp((*(gql_type *const *)a)->name, (*(gql_type *const *)b)->name);
}

const gql_type *gql_schema_type(const gql_schema *s, const char *name) {
  int lo = 0, hi = s->ntypes - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, c = strcmp(name, s->types[mid]->name);
    if (c == 0) return s->types[mid];
    if (c < 0)
      hi = mid - 1;
    else
      lo = mid + 1;
  }
  return NULL;
}

const gql_field *gql_type_field(const gql_type *t, const char *name) {
  if (!t) return NULL;
  for (int i = 0; i < t->nfields; i++)
    if (strcmp(t->fields[i].name, name) == 0) return &t->fields[i];
  return NULL;
}

const gql_input *gql_input_find(const gql_input *list, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(list[i].name, name) == 0) return &list[i];
  return NULL;
}

const gql_directive_def *gql_schema_directive(const gql_schema *s, const char *name) {
  for (int i = 0; i < s->ndirectives; i++)
    if (strcmp(s->directives[i].name, name) == 0) return &s->directives[i];
  return NULL;
}

int gql_possible(const gql_type *t, const gql_type *o) {
  if (t == o) return 1;
  for (int i = 0; i < t->npossible; i++)
    if (t->possible[i] == o) return 1;
  return 0;
}

int gql_type_is_composite(const gql_type *t) {
  return t && (t->kind == GQL_OBJECT || t->kind == GQL_INTERFACE || t->kind == GQL_UNION);
}
int gql_type_is_leaf(const gql_type *t) { return t && (t->kind == GQL_SCALAR || t->kind == GQL_ENUM); }

int gql_types_overlap(const gql_type *a, const gql_type *b) {
  if (a == b) return 1;
  if (a->kind == GQL_OBJECT) return gql_possible(b, a);
  if (b->kind == GQL_OBJECT) return gql_possible(a, b);
  for (int i = 0; i < a->npossible; i++)
    if (gql_possible(b, a->possible[i])) return 1;
  return 0;
}

const gql_type *gql_tref_named(const gql_tref *t) {
  while (t && t->kind != GQL_T_NAMED) t = t->of;
  return t ? t->named : NULL;
}

int gql_tref_is_input(const gql_tref *t) {
  const gql_type *n = gql_tref_named(t);
  return n && (n->kind == GQL_SCALAR || n->kind == GQL_ENUM || n->kind == GQL_INPUT_OBJECT);
}

int gql_tref_is_output(const gql_tref *t) {
  const gql_type *n = gql_tref_named(t);
  return n && n->kind != GQL_INPUT_OBJECT;
}

static int tref_print(buf *b, const gql_tref *t) {
  switch (t->kind) {
  case GQL_T_NAMED: return buf_adds(b, t->named->name);
  case GQL_T_LIST: return buf_addc(b, '[') || tref_print(b, t->of) || buf_addc(b, ']');
  case GQL_T_NONNULL: return tref_print(b, t->of) || buf_addc(b, '!');
  }
  return -1;
}

char *gql_tref_str(arena *a, const gql_tref *t) {
  buf b;
  buf_init(&b, 1024);
  char *out = tref_print(&b, t) == 0 ? arena_strndup(a, b.data, b.len) : NULL;
  buf_release(&b);
  return out;
}

int gql_tref_equal(const gql_tref *a, const gql_tref *b) {
  while (a && b) {
    if (a->kind != b->kind) return 0;
    if (a->kind == GQL_T_NAMED) return a->named == b->named;
    a = a->of;
    b = b->of;
  }
  return a == b;
}

int gql_tref_subtype(const gql_schema *s, const gql_tref *sub, const gql_tref *super) {
  if (super->kind == GQL_T_NONNULL) {
    if (sub->kind != GQL_T_NONNULL) return 0;
    return gql_tref_subtype(s, sub->of, super->of);
  }
  if (sub->kind == GQL_T_NONNULL) return gql_tref_subtype(s, sub->of, super);
  if (super->kind == GQL_T_LIST) return sub->kind == GQL_T_LIST && gql_tref_subtype(s, sub->of, super->of);
  if (sub->kind == GQL_T_LIST) return 0;
  return sub->named == super->named ||
         (gql_type_is_composite(super->named) && super->named->kind != GQL_OBJECT &&
          gql_possible(super->named, sub->named));
}

const gql_tref *gql_tref_from_ast(const gql_schema *s, arena *a, const gql_typeref *t) {
  gql_tref *r = arena_zalloc(a, sizeof *r);
  if (!r) return NULL;
  r->kind = t->kind;
  if (t->kind == GQL_T_NAMED) {
    r->named = gql_schema_type(s, t->name);
    return r->named ? r : NULL;
  }
  r->of = gql_tref_from_ast(s, a, t->of);
  return r->of ? r : NULL;
}

/* ---- building ---- */

static const gql_tref *build_tref(builder *b, const char *text, const char *where) {
  gql_typeref *t;
  gql_parse_error e;
  if (gql_parse_type(&b->s->a, text, &t, &e)) {
    bad(b, "graphql schema: %s: bad type '%s'", where, text);
    return NULL;
  }
  const gql_tref *r = gql_tref_from_ast(b->s, &b->s->a, t);
  if (!r) bad(b, "graphql schema: %s: unknown type in '%s'", where, text);
  return r;
}

static int build_inputs(builder *b, const gql_input_def *defs, int n, gql_input **out, const char *where) {
  *out = NULL;
  if (n == 0) return 0;
  gql_input *in = arena_zalloc(&b->s->a, (size_t)n * sizeof *in);
  if (!in) return bad(b, "graphql schema: out of memory", NULL, NULL);
  for (int i = 0; i < n; i++) {
    in[i].name = defs[i].name;
    in[i].description = defs[i].description;
    in[i].default_text = defs[i].default_value;
    in[i].type = build_tref(b, defs[i].type, where);
    if (!in[i].type) return -1;
    if (!gql_tref_is_input(in[i].type))
      return bad(b, "graphql schema: %s.%s is not of an input type", where, defs[i].name);
    if (defs[i].default_value) {
      gql_value *v;
      gql_parse_error e;
      if (gql_parse_value(&b->s->a, defs[i].default_value, strlen(defs[i].default_value), &v, &e))
        return bad(b, "graphql schema: %s: bad default '%s'", where, defs[i].default_value);
      in[i].def = v;
    }
  }
  *out = in;
  return 0;
}

static int add_type(builder *b, const gql_type_def *d, int builtin, int *n) {
  gql_type *t = arena_zalloc(&b->s->a, sizeof *t);
  if (!t) return bad(b, "graphql schema: out of memory", NULL, NULL);
  t->def = d;
  t->kind = d->kind;
  t->name = d->name;
  t->builtin = builtin;
  b->s->types[(*n)++] = t;
  return 0;
}

static int build_fields(builder *b, gql_type *t) {
  const gql_type_def *d = t->def;
  if (d->nfields == 0) return bad(b, "graphql schema: type %s has no fields", t->name, NULL);
  t->fields = arena_zalloc(&b->s->a, (size_t)d->nfields * sizeof *t->fields);
  if (!t->fields) return bad(b, "graphql schema: out of memory", NULL, NULL);
  t->nfields = d->nfields;
  for (int i = 0; i < d->nfields; i++) {
    gql_field *f = &t->fields[i];
    const gql_field_def *fd = &d->fields[i];
    char *where = arena_printf(&b->s->a, "%s.%s", t->name, fd->name);
    if (!where) return bad(b, "graphql schema: out of memory", NULL, NULL);
    f->def = fd;
    f->name = fd->name;
    f->type = build_tref(b, fd->type, where);
    if (!f->type) return -1;
    if (!gql_tref_is_output(f->type)) return bad(b, "graphql schema: %s is not of an output type", where, NULL);
    if (t->kind == GQL_OBJECT && !fd->resolve) return bad(b, "graphql schema: %s has no resolver", where, NULL);
    if (build_inputs(b, fd->args, fd->nargs, &f->args, where)) return -1;
    f->nargs = fd->nargs;
  }
  return 0;
}

static int push_possible(builder *b, gql_type *to, const gql_type *o) {
  const gql_type **np = arena_alloc(&b->s->a, (size_t)(to->npossible + 1) * sizeof *np);
  if (!np) return bad(b, "graphql schema: out of memory", NULL, NULL);
  if (to->npossible) memcpy(np, to->possible, (size_t)to->npossible * sizeof *np);
  np[to->npossible++] = o;
  to->possible = np;
  return 0;
}

pheme_err gql_schema_build(gql_schema *s, const gql_type_def *rows, int nrows, const char *query,
                     const char *mutation, const char *subscription, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  arena_init(&s->a, 0);
  builder b = {s, err, errlen};
  int nb = (int)(sizeof builtin_scalars / sizeof builtin_scalars[0]);
  int total = nb + gql_introspection_ntypes + nrows;
  s->types = arena_zalloc(&s->a, (size_t)total * sizeof *s->types);
  if (!s->types) goto fail;
  int n = 0;
  for (int i = 0; i < nb; i++)
    if (add_type(&b, &builtin_scalars[i], 1, &n)) goto fail;
  for (int i = 0; i < gql_introspection_ntypes; i++)
    if (add_type(&b, &gql_introspection_types[i], 1, &n)) goto fail;
  for (int i = 0; i < nrows; i++)
    if (add_type(&b, &rows[i], 0, &n)) goto fail;
  s->ntypes = n;
  qsort(s->types, (size_t)n, sizeof *s->types, cmp_type);
  for (int i = 1; i < n; i++)
    if (strcmp(s->types[i - 1]->name, s->types[i]->name) == 0) {
      bad(&b, "graphql schema: type %s is defined twice", s->types[i]->name, NULL);
      goto fail;
    }
  for (int i = 0; i < n; i++) {
    gql_type *t = s->types[i];
    const gql_type_def *d = t->def;
    if (t->kind == GQL_OBJECT || t->kind == GQL_INTERFACE) {
      if (build_fields(&b, t)) goto fail;
    } else if (t->kind == GQL_INPUT_OBJECT) {
      if (d->ninputs == 0) {
        bad(&b, "graphql schema: input %s has no fields", t->name, NULL);
        goto fail;
      }
      if (build_inputs(&b, d->inputs, d->ninputs, &t->inputs, t->name)) goto fail;
      t->ninputs = d->ninputs;
    } else if (t->kind == GQL_ENUM && d->nvalues == 0) {
      bad(&b, "graphql schema: enum %s has no values", t->name, NULL);
      goto fail;
    }
  }
  /* interfaces and union members */
  for (int i = 0; i < n; i++) {
    gql_type *t = s->types[i];
    if (!t->def->members) continue;
    for (const char *const *m = t->def->members; *m; m++) {
      gql_type *o = (gql_type *)gql_schema_type(s, *m);
      if (!o) {
        bad(&b, "graphql schema: %s names unknown type %s", t->name, *m);
        goto fail;
      }
      if (t->kind == GQL_UNION) {
        if (o->kind != GQL_OBJECT) {
          bad(&b, "graphql schema: union %s member %s is not an object type", t->name, o->name);
          goto fail;
        }
        if (push_possible(&b, t, o)) goto fail;
        continue;
      }
      if (o->kind != GQL_INTERFACE) {
        bad(&b, "graphql schema: %s implements %s, which is not an interface", t->name, o->name);
        goto fail;
      }
      for (int k = 0; k < o->nfields; k++) {
        const gql_field *want = &o->fields[k], *have = gql_type_field(t, want->name);
        if (!have || !gql_tref_subtype(s, have->type, want->type)) {
          bad(&b, "graphql schema: %s does not implement field %s of its interface", t->name, want->name);
          goto fail;
        }
      }
      const gql_type **ni = arena_alloc(&s->a, (size_t)(t->ninterfaces + 1) * sizeof *ni);
      if (!ni) goto fail;
      if (t->ninterfaces) memcpy(ni, t->interfaces, (size_t)t->ninterfaces * sizeof *ni);
      ni[t->ninterfaces++] = o;
      t->interfaces = ni;
      if (t->kind == GQL_OBJECT && push_possible(&b, o, t)) goto fail;
    }
  }
  s->query = gql_schema_type(s, query);
  if (!s->query || s->query->kind != GQL_OBJECT) {
    bad(&b, "graphql schema: query root %s is not an object type", query, NULL);
    goto fail;
  }
  if (mutation && !(s->mutation = gql_schema_type(s, mutation))) {
    bad(&b, "graphql schema: no mutation root %s", mutation, NULL);
    goto fail;
  }
  if (subscription && !(s->subscription = gql_schema_type(s, subscription))) {
    bad(&b, "graphql schema: no subscription root %s", subscription, NULL);
    goto fail;
  }
  int nd = (int)(sizeof builtin_directives / sizeof builtin_directives[0]);
  s->directives = arena_zalloc(&s->a, (size_t)nd * sizeof *s->directives);
  if (!s->directives) goto fail;
  for (int i = 0; i < nd; i++) {
    gql_directive_def *d = &s->directives[i];
    d->name = builtin_directives[i].name;
    d->description = builtin_directives[i].description;
    d->locations = builtin_directives[i].locations;
    d->nargs = builtin_directives[i].nargs;
    if (build_inputs(&b, builtin_directives[i].args, d->nargs, &d->args, d->name)) goto fail;
  }
  s->ndirectives = nd;
  /* __schema, __type(name:), __typename: fields of the query root that no row declares */
  s->schema_field.name = "__schema";
  s->schema_field.type = build_tref(&b, "__Schema!", "__schema");
  s->type_field.name = "__type";
  s->type_field.type = build_tref(&b, "__Type", "__type");
  s->typename_field.name = "__typename";
  s->typename_field.type = build_tref(&b, "String!", "__typename");
  if (!s->schema_field.type || !s->type_field.type || !s->typename_field.type) goto fail;
  static const gql_input_def type_arg[] = {{"name", "String!", NULL, NULL}};
  if (build_inputs(&b, type_arg, 1, &s->type_field.args, "__type")) goto fail;
  s->type_field.nargs = 1;
  return 0;
fail:
  if (!err[0]) snprintf(err, errlen, "graphql schema: out of memory");
  arena_release(&s->a);
  return PHEME_SYS_INTERNAL;
}

void gql_schema_release(gql_schema *s) { arena_release(&s->a); }

/* ---- SDL ---- */

static int sdl_description(buf *b, const char *d, const char *indent) {
  if (!d) return 0;
  if (strchr(d, '\n') || strlen(d) > 70) {
    if (buf_printf(b, "%s\"\"\"\n%s", indent, indent)) return -1;
    for (const char *p = d; *p; p++) {
      if (*p == '\n') {
        if (buf_printf(b, "\n%s", indent)) return -1;
      } else if (strncmp(p, "\"\"\"", 3) == 0) {
        if (buf_adds(b, "\\\"\"\"")) return -1;
        p += 2;
      } else if (buf_addc(b, *p)) {
        return -1;
      }
    }
    return buf_printf(b, "\n%s\"\"\"\n", indent);
  }
  if (buf_printf(b, "%s\"", indent)) return -1;
  for (const char *p = d; *p; p++)
    if ((*p == '"' || *p == '\\') ? buf_addc(b, '\\') || buf_addc(b, *p) : buf_addc(b, *p)) return -1;
  return buf_adds(b, "\"\n");
}

static int sdl_deprecated(buf *b, const char *reason) {
  if (!reason) return 0;
  if (strcmp(reason, "No longer supported") == 0) return buf_adds(b, " @deprecated");
  return buf_printf(b, " @deprecated(reason: \"%s\")", reason);
}

static int sdl_inputs(buf *b, const gql_input *in, int n, const char *indent, int block) {
  for (int i = 0; i < n; i++) {
    if (block && sdl_description(b, in[i].description, indent)) return -1;
    if (buf_printf(b, "%s%s%s: ", block ? indent : "", !block && i ? ", " : "", in[i].name) ||
        tref_print(b, in[i].type))
      return -1;
    if (in[i].default_text && buf_printf(b, " = %s", in[i].default_text)) return -1;
    if (block && buf_addc(b, '\n')) return -1;
  }
  return 0;
}

static int sdl_type(buf *b, const gql_type *t) {
  const gql_type_def *d = t->def;
  if (sdl_description(b, d->description, "")) return -1;
  switch (t->kind) {
  case GQL_SCALAR:
    if (buf_printf(b, "scalar %s", t->name)) return -1;
    if (d->specified_by && buf_printf(b, " @specifiedBy(url: \"%s\")", d->specified_by)) return -1;
    return buf_adds(b, "\n");
  case GQL_UNION:
    if (buf_printf(b, "union %s =", t->name)) return -1;
    for (int i = 0; i < t->npossible; i++)
      if (buf_printf(b, "%s %s", i ? " |" : "", t->possible[i]->name)) return -1;
    return buf_adds(b, "\n");
  case GQL_ENUM:
    if (buf_printf(b, "enum %s {\n", t->name)) return -1;
    for (int i = 0; i < d->nvalues; i++)
      if (sdl_description(b, d->values[i].description, "  ") ||
          buf_printf(b, "  %s", d->values[i].name) || sdl_deprecated(b, d->values[i].deprecated) ||
          buf_adds(b, "\n"))
        return -1;
    return buf_adds(b, "}\n");
  case GQL_INPUT_OBJECT:
    if (buf_printf(b, "input %s {\n", t->name) || sdl_inputs(b, t->inputs, t->ninputs, "  ", 1)) return -1;
    return buf_adds(b, "}\n");
  case GQL_OBJECT:
  case GQL_INTERFACE:
    if (buf_printf(b, "%s %s", t->kind == GQL_OBJECT ? "type" : "interface", t->name)) return -1;
    for (int i = 0; i < t->ninterfaces; i++)
      if (buf_printf(b, "%s%s", i ? " & " : " implements ", t->interfaces[i]->name)) return -1;
    if (buf_adds(b, " {\n")) return -1;
    for (int i = 0; i < t->nfields; i++) {
      const gql_field *f = &t->fields[i];
      if (sdl_description(b, f->def->description, "  ") || buf_printf(b, "  %s", f->name)) return -1;
      if (f->nargs) {
        int block = 0;
        for (int k = 0; k < f->nargs; k++) block |= f->args[k].description != NULL;
        if (buf_adds(b, block ? "(\n" : "(") || sdl_inputs(b, f->args, f->nargs, "    ", block) ||
            buf_adds(b, block ? "  )" : ")"))
          return -1;
      }
      if (buf_adds(b, ": ") || tref_print(b, f->type) || sdl_deprecated(b, f->def->deprecated) ||
          buf_adds(b, "\n"))
        return -1;
    }
    return buf_adds(b, "}\n");
  }
  return -1;
}

int gql_schema_sdl(const gql_schema *s, buf *out) {
  int std = strcmp(s->query->name, "Query") == 0 &&
            (!s->mutation || strcmp(s->mutation->name, "Mutation") == 0) &&
            (!s->subscription || strcmp(s->subscription->name, "Subscription") == 0);
  int first = 1;
  if (!std) {
    if (buf_printf(out, "schema {\n  query: %s\n", s->query->name)) return -1;
    if (s->mutation && buf_printf(out, "  mutation: %s\n", s->mutation->name)) return -1;
    if (s->subscription && buf_printf(out, "  subscription: %s\n", s->subscription->name)) return -1;
    if (buf_adds(out, "}\n")) return -1;
    first = 0;
  }
  for (int i = 0; i < s->ntypes; i++) {
    if (s->types[i]->builtin) continue;
    if (!first && buf_addc(out, '\n')) return -1;
    first = 0;
    if (sdl_type(out, s->types[i])) return -1;
  }
  return 0;
}
