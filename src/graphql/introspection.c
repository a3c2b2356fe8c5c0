/* Introspection (spec §4): the __Schema, __Type, __Field, __InputValue, __EnumValue and
 * __Directive types as rows of the same tables as any schema, answered from the built schema.
 * A __Type's parent is a gql_tref (a named type is wrapped in one on the fly), so LIST and
 * NON_NULL wrappers answer ofType like named types answer fields. */
#include <string.h>

#include "graphql/internal.h"
#include "graphql/parse.h"
#include "core/banned.h"

static const gql_tref *named_ref(arena *a, const gql_type *t) {
  gql_tref *r = arena_zalloc(a, sizeof *r);
  if (!r) return NULL;
  r->kind = GQL_T_NAMED;
  r->named = t;
  return r;
}

int gql__resolve_schema(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], gql_call_schema(c), NULL);
  return 0;
}

int gql__resolve_type(gql_call *c) {
  const gql_schema *s = gql_call_schema(c);
  const char *name = gql_arg_str(c, "name");
  const gql_type *t = name ? gql_schema_type(s, name) : NULL;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], t ? named_ref(c->a, t) : NULL, NULL);
  return 0;
}

/* ---- __Schema ---- */

static int schema_description(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_schema *)c->parents[i])->description);
  return 0;
}

static int schema_types(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_schema *s = c->parents[i];
    gql_rv *items = gql_set_list(c->a, &c->out[i], s->ntypes);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < s->ntypes; k++) gql_set_obj(&items[k], named_ref(c->a, s->types[k]), NULL);
  }
  return 0;
}

static int schema_root(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_schema *s = c->parents[i];
    const gql_type *t = strcmp(c->field->name, "queryType") == 0      ? s->query
                        : strcmp(c->field->name, "mutationType") == 0 ? s->mutation
                                                                      : s->subscription;
    gql_set_obj(&c->out[i], t ? named_ref(c->a, t) : NULL, NULL);
  }
  return 0;
}

static int schema_directives(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_schema *s = c->parents[i];
    gql_rv *items = gql_set_list(c->a, &c->out[i], s->ndirectives);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < s->ndirectives; k++) gql_set_obj(&items[k], &s->directives[k], NULL);
  }
  return 0;
}

/* ---- __Type ---- */

static int type_kind(gql_call *c) {
  static const char *const kinds[] = {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT"};
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    gql_set_enum(&c->out[i], t->kind == GQL_T_LIST ? "LIST" : t->kind == GQL_T_NONNULL ? "NON_NULL" : kinds[t->named->kind]);
  }
  return 0;
}

static int type_name(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    gql_set_str(&c->out[i], t->kind == GQL_T_NAMED ? t->named->name : NULL);
  }
  return 0;
}

static int type_description(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    gql_set_str(&c->out[i], t->kind == GQL_T_NAMED ? t->named->def->description : NULL);
  }
  return 0;
}

static int type_specified_by(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    gql_set_str(&c->out[i], t->kind == GQL_T_NAMED && t->named->kind == GQL_SCALAR ? t->named->def->specified_by : NULL);
  }
  return 0;
}

static int include_deprecated(const gql_call *c) {
  const gql_rv *v = gql_arg_get(c, "includeDeprecated");
  return v && v->kind == GQL_R_BOOL && v->b;
}

static int type_fields(gql_call *c) {
  int all = include_deprecated(c);
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    if (t->kind != GQL_T_NAMED || (t->named->kind != GQL_OBJECT && t->named->kind != GQL_INTERFACE)) continue;
    const gql_type *n = t->named;
    int m = 0;
    for (int k = 0; k < n->nfields; k++) m += all || !n->fields[k].def->deprecated;
    gql_rv *items = gql_set_list(c->a, &c->out[i], m);
    if (!items) return PHEME_SYS_NOMEM;
    m = 0;
    for (int k = 0; k < n->nfields; k++)
      if (all || !n->fields[k].def->deprecated) gql_set_obj(&items[m++], &n->fields[k], NULL);
  }
  return 0;
}

static int type_interfaces(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    if (t->kind != GQL_T_NAMED || (t->named->kind != GQL_OBJECT && t->named->kind != GQL_INTERFACE)) continue;
    gql_rv *items = gql_set_list(c->a, &c->out[i], t->named->ninterfaces);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < t->named->ninterfaces; k++) gql_set_obj(&items[k], named_ref(c->a, t->named->interfaces[k]), NULL);
  }
  return 0;
}

static int type_possible(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    if (t->kind != GQL_T_NAMED || (t->named->kind != GQL_UNION && t->named->kind != GQL_INTERFACE)) continue;
    gql_rv *items = gql_set_list(c->a, &c->out[i], t->named->npossible);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < t->named->npossible; k++) gql_set_obj(&items[k], named_ref(c->a, t->named->possible[k]), NULL);
  }
  return 0;
}

static int type_enum_values(gql_call *c) {
  int all = include_deprecated(c);
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    if (t->kind != GQL_T_NAMED || t->named->kind != GQL_ENUM) continue;
    const gql_type_def *d = t->named->def;
    int m = 0;
    for (int k = 0; k < d->nvalues; k++) m += all || !d->values[k].deprecated;
    gql_rv *items = gql_set_list(c->a, &c->out[i], m);
    if (!items) return PHEME_SYS_NOMEM;
    m = 0;
    for (int k = 0; k < d->nvalues; k++)
      if (all || !d->values[k].deprecated) gql_set_obj(&items[m++], &d->values[k], NULL);
  }
  return 0;
}

static int type_input_fields(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    if (t->kind != GQL_T_NAMED || t->named->kind != GQL_INPUT_OBJECT) continue;
    gql_rv *items = gql_set_list(c->a, &c->out[i], t->named->ninputs);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < t->named->ninputs; k++) gql_set_obj(&items[k], &t->named->inputs[k], NULL);
  }
  return 0;
}

static int type_of_type(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_tref *t = c->parents[i];
    gql_set_obj(&c->out[i], t->kind == GQL_T_NAMED ? NULL : t->of, NULL);
  }
  return 0;
}

/* ---- __Field, __InputValue, __EnumValue, __Directive ---- */

static int field_name(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_field *)c->parents[i])->name);
  return 0;
}
static int field_description(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_field *)c->parents[i])->def->description);
  return 0;
}
static int field_args(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_field *f = c->parents[i];
    gql_rv *items = gql_set_list(c->a, &c->out[i], f->nargs);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < f->nargs; k++) gql_set_obj(&items[k], &f->args[k], NULL);
  }
  return 0;
}
static int field_type(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], ((const gql_field *)c->parents[i])->type, NULL);
  return 0;
}
static int field_is_deprecated(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_bool(&c->out[i], ((const gql_field *)c->parents[i])->def->deprecated != NULL);
  return 0;
}
static int field_deprecation(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_field *)c->parents[i])->def->deprecated);
  return 0;
}

static int input_name(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_input *)c->parents[i])->name);
  return 0;
}
static int input_description(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_input *)c->parents[i])->description);
  return 0;
}
static int input_type(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], ((const gql_input *)c->parents[i])->type, NULL);
  return 0;
}
static int input_default(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_input *in = c->parents[i];
    gql_set_str(&c->out[i], in->def ? gql_print_value(c->a, in->def) : NULL);
  }
  return 0;
}
static int not_deprecated(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_bool(&c->out[i], 0);
  return 0;
}
static int no_reason(gql_call *c) {
  (void)c;
  return 0;
}

static int enum_name(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_enum_def *)c->parents[i])->name);
  return 0;
}
static int enum_description(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_enum_def *)c->parents[i])->description);
  return 0;
}
static int enum_is_deprecated(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_bool(&c->out[i], ((const gql_enum_def *)c->parents[i])->deprecated != NULL);
  return 0;
}
static int enum_deprecation(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_enum_def *)c->parents[i])->deprecated);
  return 0;
}

static int dir_name(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_directive_def *)c->parents[i])->name);
  return 0;
}
static int dir_description(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], ((const gql_directive_def *)c->parents[i])->description);
  return 0;
}
static int dir_repeatable(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_bool(&c->out[i], ((const gql_directive_def *)c->parents[i])->repeatable);
  return 0;
}
static int dir_locations(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_directive_def *d = c->parents[i];
    int m = 0;
    for (int k = 0; k < GQL_DL__COUNT; k++) m += (d->locations >> k) & 1;
    gql_rv *items = gql_set_list(c->a, &c->out[i], m);
    if (!items) return PHEME_SYS_NOMEM;
    m = 0;
    for (int k = 0; k < GQL_DL__COUNT; k++)
      if ((d->locations >> k) & 1) gql_set_enum(&items[m++], gql_directive_location_names[k]);
  }
  return 0;
}
static int dir_args(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gql_directive_def *d = c->parents[i];
    gql_rv *items = gql_set_list(c->a, &c->out[i], d->nargs);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < d->nargs; k++) gql_set_obj(&items[k], &d->args[k], NULL);
  }
  return 0;
}

/* ---- the rows ---- */

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

static const gql_input_def incl_dep[] = {{"includeDeprecated", "Boolean", "false", NULL}};

static const gql_field_def schema_fields[] = {
    {"description", "String", NULL, 0, schema_description},
    {"types", "[__Type!]!", NULL, 0, schema_types, 0, 0, "A list of all types supported by this server."},
    {"queryType", "__Type!", NULL, 0, schema_root, 0, 0, "The type that query operations will be rooted at."},
    {"mutationType", "__Type", NULL, 0, schema_root, 0, 0, "If this server supports mutation, the type that mutation operations will be rooted at."},
    {"subscriptionType", "__Type", NULL, 0, schema_root, 0, 0, "If this server support subscription, the type that subscription operations will be rooted at."},
    {"directives", "[__Directive!]!", NULL, 0, schema_directives, 0, 0, "A list of all directives supported by this server."},
};

static const gql_field_def type_fields_def[] = {
    {"kind", "__TypeKind!", NULL, 0, type_kind},
    {"name", "String", NULL, 0, type_name},
    {"description", "String", NULL, 0, type_description},
    {"specifiedByURL", "String", NULL, 0, type_specified_by},
    {"fields", "[__Field!]", incl_dep, 1, type_fields},
    {"interfaces", "[__Type!]", NULL, 0, type_interfaces},
    {"possibleTypes", "[__Type!]", NULL, 0, type_possible},
    {"enumValues", "[__EnumValue!]", incl_dep, 1, type_enum_values},
    {"inputFields", "[__InputValue!]", incl_dep, 1, type_input_fields},
    {"ofType", "__Type", NULL, 0, type_of_type},
};

static const gql_field_def field_fields[] = {
    {"name", "String!", NULL, 0, field_name},
    {"description", "String", NULL, 0, field_description},
    {"args", "[__InputValue!]!", incl_dep, 1, field_args},
    {"type", "__Type!", NULL, 0, field_type},
    {"isDeprecated", "Boolean!", NULL, 0, field_is_deprecated},
    {"deprecationReason", "String", NULL, 0, field_deprecation},
};

static const gql_field_def input_fields[] = {
    {"name", "String!", NULL, 0, input_name},
    {"description", "String", NULL, 0, input_description},
    {"type", "__Type!", NULL, 0, input_type},
    {"defaultValue", "String", NULL, 0, input_default, 0, 0, "A GraphQL-formatted string representing the default value for this input value."},
    {"isDeprecated", "Boolean!", NULL, 0, not_deprecated},
    {"deprecationReason", "String", NULL, 0, no_reason},
};

static const gql_field_def enum_fields[] = {
    {"name", "String!", NULL, 0, enum_name},
    {"description", "String", NULL, 0, enum_description},
    {"isDeprecated", "Boolean!", NULL, 0, enum_is_deprecated},
    {"deprecationReason", "String", NULL, 0, enum_deprecation},
};

static const gql_field_def directive_fields[] = {
    {"name", "String!", NULL, 0, dir_name},
    {"description", "String", NULL, 0, dir_description},
    {"isRepeatable", "Boolean!", NULL, 0, dir_repeatable},
    {"locations", "[__DirectiveLocation!]!", NULL, 0, dir_locations},
    {"args", "[__InputValue!]!", incl_dep, 1, dir_args},
};

static const gql_enum_def type_kinds[] = {
    {"SCALAR", "Indicates this type is a scalar."},
    {"OBJECT", "Indicates this type is an object. `fields` and `interfaces` are valid fields."},
    {"INTERFACE", "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields."},
    {"UNION", "Indicates this type is a union. `possibleTypes` is a valid field."},
    {"ENUM", "Indicates this type is an enum. `enumValues` is a valid field."},
    {"INPUT_OBJECT", "Indicates this type is an input object. `inputFields` is a valid field."},
    {"LIST", "Indicates this type is a list. `ofType` is a valid field."},
    {"NON_NULL", "Indicates this type is a non-null. `ofType` is a valid field."},
};

static const gql_enum_def locations[] = {
    {"QUERY"}, {"MUTATION"}, {"SUBSCRIPTION"}, {"FIELD"}, {"FRAGMENT_DEFINITION"}, {"FRAGMENT_SPREAD"},
    {"INLINE_FRAGMENT"}, {"VARIABLE_DEFINITION"}, {"SCHEMA"}, {"SCALAR"}, {"OBJECT"}, {"FIELD_DEFINITION"},
    {"ARGUMENT_DEFINITION"}, {"INTERFACE"}, {"UNION"}, {"ENUM"}, {"ENUM_VALUE"}, {"INPUT_OBJECT"},
    {"INPUT_FIELD_DEFINITION"},
};

const gql_type_def gql_introspection_types[] = {
    {GQL_OBJECT, "__Schema", "A GraphQL Schema defines the capabilities of a GraphQL server.", schema_fields, N(schema_fields)},
    {GQL_OBJECT, "__Type", "The fundamental unit of any GraphQL Schema is the type.", type_fields_def, N(type_fields_def)},
    {GQL_OBJECT, "__Field", "Object and Interface types are described by a list of Fields, each of which has a name, potentially a list of arguments, and a return type.", field_fields, N(field_fields)},
    {GQL_OBJECT, "__InputValue", "Arguments provided to Fields or Directives and the input fields of an InputObject are represented as Input Values which describe their type and optionally a default value.", input_fields, N(input_fields)},
    {GQL_OBJECT, "__EnumValue", "One possible value for a given Enum.", enum_fields, N(enum_fields)},
    {GQL_OBJECT, "__Directive", "A Directive provides a way to describe alternate runtime execution and type validation behavior in a GraphQL document.", directive_fields, N(directive_fields)},
    {GQL_ENUM, "__TypeKind", "An enum describing what kind of type a given `__Type` is.", NULL, 0, NULL, 0, type_kinds, N(type_kinds)},
    {GQL_ENUM, "__DirectiveLocation", "A Directive can be adjacent to many kinds of locations.", NULL, 0, NULL, 0, locations, N(locations)},
};
const int gql_introspection_ntypes = N(gql_introspection_types);
