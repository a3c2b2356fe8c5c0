/* The executor (graphql/exec.h): variables and arguments coerced, fields collected (§6.3.2),
 * resolved one level at a time for every object of the level, values completed (§6.4.3) into a
 * response tree, nulls propagated, the tree written as JSON. */
#include "graphql/exec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "graphql/internal.h"
#include "graphql/parse.h"
#include "core/banned.h"

/* One value of the response. */
typedef struct gql_out {
  uint8_t kind; /* GQL_R_NULL, a scalar kind (v), GQL_R_OBJECT (keys, vals), GQL_R_LIST (items) */
  uint8_t nonnull;
  gql_rv v;
  const char **keys;
  struct gql_out *vals; /* OBJECT: nf values; LIST: n items */
  int n;
  gql_path path;
} gql_out;

struct gql_exec {
  const gql_schema *s;
  const gql_document *doc;
  const gql_definition *op;
  arena *a;
  gql_errors *errs;
  gql_rv vars; /* input OBJECT */
  const gql_exec_options *opt;
  int max_list;
  int nulled; /* a non-null position was completed as null: settle has nulls to propagate */
};

/* A field of a collected selection: its response key and every node that asks for it. */
typedef struct {
  const char *key;
  const gql_selection **nodes;
  int n, cap;
} cfield;

typedef struct {
  cfield *items;
  int n, cap;
} cfields;

static void *vgrow(arena *a, void *items, int n, int *cap, size_t sz) {
  if (n < *cap) return items;
  int nc = *cap ? *cap * 2 : 8;
  void *ni = arena_alloc(a, (size_t)nc * sz);
  if (!ni) return NULL;
  if (n) memcpy(ni, items, (size_t)n * sz);
  *cap = nc;
  return ni;
}

/* ---- errors ---- */

static gql_error *exec_error(gql_exec *ex, pheme_err code, const gql_selection *node, const gql_path *path,
                             const char *msg) {
  uint32_t at[1];
  int nat = 0;
  if (node) at[nat++] = node->at;
  gql_error *e = gql_error_add(ex->errs, code, NULL, at, nat, "%s", msg);
  if (e) e->path = path;
  return e;
}

/* ---- input values ---- */

const gql_rv *gql_rv_field(const gql_rv *obj, const char *name) {
  if (!obj || obj->kind != GQL_R_OBJECT || !obj->keys) return NULL;
  for (int i = 0; i < obj->n; i++)
    if (strcmp(obj->keys[i], name) == 0) return &obj->items[i];
  return NULL;
}

const gql_rv *gql_arg_get(const gql_call *c, const char *name) { return gql_rv_field(c->args, name); }

int64_t gql_arg_int(const gql_call *c, const char *name, int64_t dflt) {
  const gql_rv *v = gql_arg_get(c, name);
  return v && v->kind == GQL_R_INT ? v->i : dflt;
}

const char *gql_arg_str(const gql_call *c, const char *name) {
  const gql_rv *v = gql_arg_get(c, name);
  return v && (v->kind == GQL_R_STRING || v->kind == GQL_R_ENUM) ? v->s : NULL;
}

gql_rv *gql_set_list(arena *a, gql_rv *v, int n) {
  gql_rv *items = arena_zalloc(a, (size_t)(n > 0 ? n : 1) * sizeof *items);
  if (!items) return NULL;
  v->kind = GQL_R_LIST;
  v->items = items;
  v->n = n;
  return items;
}

void gql_fail_row(gql_rv *v, pheme_err code, const char *message) {
  memset(v, 0, sizeof *v);
  v->kind = GQL_R_NULL;
  v->code = code;
  v->error = message ? message : pheme_err_message(code);
}

static int enum_has(const gql_type *t, const char *name) {
  for (int i = 0; i < t->def->nvalues; i++)
    if (strcmp(t->def->values[i].name, name) == 0) return 1;
  return 0;
}

int gql__coerce_literal(gql_exec *ex, const gql_value *v, const gql_tref *t, gql_rv *out, const char **why, int depth);

/* Coerces a JSON value (a variable's) to type t: 0, or -1 with *why. */
static int coerce_json(gql_exec *ex, const json_t *j, const gql_tref *t, gql_rv *out, const char **why, int depth) {
  memset(out, 0, sizeof *out);
  if (depth > 64) {
    *why = "value nests too deep";
    return -1;
  }
  if (!j || json_is_null(j)) {
    if (t->kind == GQL_T_NONNULL) {
      *why = arena_printf(ex->a, "Expected non-nullable type \"%s\" not to be null.", gql_tref_str(ex->a, t));
      return -1;
    }
    out->kind = GQL_R_NULL;
    return 0;
  }
  if (t->kind == GQL_T_NONNULL) t = t->of;
  if (t->kind == GQL_T_LIST) {
    if (!json_is_array(j)) { /* one item as a list of one */
      gql_rv *items = gql_set_list(ex->a, out, 1);
      return items ? coerce_json(ex, j, t->of, &items[0], why, depth + 1) : -1;
    }
    gql_rv *items = gql_set_list(ex->a, out, (int)json_array_size(j));
    if (!items) return -1;
    for (size_t i = 0; i < json_array_size(j); i++)
      if (coerce_json(ex, json_array_get(j, i), t->of, &items[i], why, depth + 1)) return -1;
    return 0;
  }
  const gql_type *n = t->named;
  if (n->kind == GQL_INPUT_OBJECT) {
    if (!json_is_object(j)) {
      *why = arena_printf(ex->a, "Expected type \"%s\" to be an object.", n->name);
      return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v) {
      if (!gql_input_find(n->inputs, n->ninputs, k)) {
        *why = arena_printf(ex->a, "Field \"%s\" is not defined by type \"%s\".", k, n->name);
        return -1;
      }
    }
    out->kind = GQL_R_OBJECT;
    out->keys = arena_zalloc(ex->a, (size_t)(n->ninputs + 1) * sizeof *out->keys);
    out->items = arena_zalloc(ex->a, (size_t)(n->ninputs + 1) * sizeof *out->items);
    if (!out->keys || !out->items) return -1;
    for (int i = 0; i < n->ninputs; i++) {
      const gql_input *in = &n->inputs[i];
      json_t *fv = json_object_get(j, in->name);
      if (!fv) {
        if (in->def) {
          /* defaults are literals: coerced through the literal path */
          out->keys[out->n] = in->name;
          if (gql__coerce_literal(ex, in->def, in->type, &out->items[out->n], why, depth + 1)) return -1;
          out->n++;
        } else if (in->type->kind == GQL_T_NONNULL) {
          *why = arena_printf(ex->a, "Field \"%s\" of required type \"%s\" was not provided.", in->name,
                              gql_tref_str(ex->a, in->type));
          return -1;
        }
        continue;
      }
      out->keys[out->n] = in->name;
      if (coerce_json(ex, fv, in->type, &out->items[out->n], why, depth + 1)) return -1;
      out->n++;
    }
    return 0;
  }
  if (n->kind == GQL_ENUM) {
    if (!json_is_string(j) || !enum_has(n, json_string_value(j))) {
      char *txt = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
      *why = arena_printf(ex->a, "Value %s does not exist in \"%s\" enum.", txt ? txt : "?", n->name);
      free(txt);
      return -1;
    }
    gql_set_enum(out, arena_strdup(ex->a, json_string_value(j)));
    return 0;
  }
  const char *sn = n->name;
  char *txt = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
  const char *shown = txt ? arena_strdup(ex->a, txt) : "?";
  free(txt);
  if (strcmp(sn, "Int") == 0) {
    double d = json_is_integer(j) ? (double)json_integer_value(j) : json_is_real(j) ? json_real_value(j) : NAN;
    if (!json_is_number(j) || d != floor(d)) {
      *why = arena_printf(ex->a, "Int cannot represent non-integer value: %s", shown);
      return -1;
    }
    if (d > 2147483647.0 || d < -2147483648.0) {
      *why = arena_printf(ex->a, "Int cannot represent non 32-bit signed integer value: %s", shown);
      return -1;
    }
    gql_set_int(out, (int64_t)d);
    return 0;
  }
  if (strcmp(sn, "Float") == 0) {
    if (!json_is_number(j)) {
      *why = arena_printf(ex->a, "Float cannot represent non numeric value: %s", shown);
      return -1;
    }
    gql_set_float(out, json_number_value(j));
    return 0;
  }
  if (strcmp(sn, "Boolean") == 0) {
    if (!json_is_boolean(j)) {
      *why = arena_printf(ex->a, "Boolean cannot represent a non boolean value: %s", shown);
      return -1;
    }
    gql_set_bool(out, json_is_true(j));
    return 0;
  }
  if (strcmp(sn, "ID") == 0 && json_is_integer(j)) {
    gql_set_str(out, arena_printf(ex->a, "%lld", (long long)json_integer_value(j)));
    return 0;
  }
  if (strcmp(sn, "BigInt") == 0 && json_is_integer(j)) {
    gql_set_str(out, arena_printf(ex->a, "%lld", (long long)json_integer_value(j)));
    return 0;
  }
  if (!json_is_string(j)) {
    *why = arena_printf(ex->a, "%s cannot represent a non string value: %s", sn, shown);
    return -1;
  }
  out->kind = GQL_R_STRING;
  out->s = arena_strndup(ex->a, json_string_value(j), json_string_length(j));
  out->len = json_string_length(j);
  return out->s ? 0 : -1;
}

/* A literal (with variables) to type t (valueFromAST): 0, or -1 with *why. A variable that was
 * not given leaves out->kind = -1 ("absent") for the caller to apply a default. */
int gql__coerce_literal(gql_exec *ex, const gql_value *v, const gql_tref *t, gql_rv *out, const char **why, int depth) {
  memset(out, 0, sizeof *out);
  if (depth > 64) {
    *why = "value nests too deep";
    return -1;
  }
  if (v->kind == GQL_V_VARIABLE) {
    const gql_rv *x = gql_rv_field(&ex->vars, v->text);
    if (!x) {
      out->kind = (gql_rkind)-1;
      return 0;
    }
    *out = *x;
    if (out->kind == GQL_R_NULL && t->kind == GQL_T_NONNULL) {
      *why = arena_printf(ex->a, "Variable \"$%s\" of non-null type \"%s\" must not be null.", v->text, gql_tref_str(ex->a, t));
      return -1;
    }
    /* a variable of an item type used where a list is expected */
    const gql_tref *nn = t->kind == GQL_T_NONNULL ? t->of : t;
    if (nn->kind == GQL_T_LIST && out->kind != GQL_R_LIST && out->kind != GQL_R_NULL) {
      gql_rv one = *out;
      gql_rv *items = gql_set_list(ex->a, out, 1);
      if (!items) return -1;
      items[0] = one;
    }
    return 0;
  }
  if (v->kind == GQL_V_NULL) {
    if (t->kind == GQL_T_NONNULL) {
      *why = arena_printf(ex->a, "Expected value of type \"%s\", found null.", gql_tref_str(ex->a, t));
      return -1;
    }
    out->kind = GQL_R_NULL;
    return 0;
  }
  if (t->kind == GQL_T_NONNULL) t = t->of;
  if (t->kind == GQL_T_LIST) {
    if (v->kind != GQL_V_LIST) {
      gql_rv *items = gql_set_list(ex->a, out, 1);
      if (!items) return -1;
      if (gql__coerce_literal(ex, v, t->of, &items[0], why, depth + 1)) return -1;
      if ((int)items[0].kind == -1) items[0].kind = GQL_R_NULL;
      return 0;
    }
    gql_rv *items = gql_set_list(ex->a, out, v->n);
    if (!items) return -1;
    for (int i = 0; i < v->n; i++) {
      if (gql__coerce_literal(ex, v->items[i], t->of, &items[i], why, depth + 1)) return -1;
      if ((int)items[i].kind == -1) items[i].kind = GQL_R_NULL;
    }
    return 0;
  }
  const gql_type *n = t->named;
  if (n->kind == GQL_INPUT_OBJECT) {
    if (v->kind != GQL_V_OBJECT) {
      *why = arena_printf(ex->a, "Expected value of type \"%s\", found %s.", n->name, gql_print_value(ex->a, v));
      return -1;
    }
    out->kind = GQL_R_OBJECT;
    out->keys = arena_zalloc(ex->a, (size_t)(n->ninputs + 1) * sizeof *out->keys);
    out->items = arena_zalloc(ex->a, (size_t)(n->ninputs + 1) * sizeof *out->items);
    if (!out->keys || !out->items) return -1;
    for (int i = 0; i < n->ninputs; i++) {
      const gql_input *in = &n->inputs[i];
      const gql_value *fv = NULL;
      for (int k = 0; k < v->n && !fv; k++)
        if (strcmp(v->fields[k].name, in->name) == 0) fv = v->fields[k].value;
      gql_rv *slot = &out->items[out->n];
      if (fv && gql__coerce_literal(ex, fv, in->type, slot, why, depth + 1)) return -1;
      if (!fv || (int)slot->kind == -1) {
        if (in->def) {
          if (gql__coerce_literal(ex, in->def, in->type, slot, why, depth + 1)) return -1;
        } else if (in->type->kind == GQL_T_NONNULL) {
          *why = arena_printf(ex->a, "Field \"%s.%s\" of required type \"%s\" was not provided.", n->name, in->name,
                              gql_tref_str(ex->a, in->type));
          return -1;
        } else {
          continue;
        }
      }
      out->keys[out->n++] = in->name;
    }
    return 0;
  }
  if (n->kind == GQL_ENUM) {
    if (v->kind != GQL_V_ENUM || !enum_has(n, v->text)) {
      *why = arena_printf(ex->a, "Expected value of type \"%s\", found %s.", n->name, gql_print_value(ex->a, v));
      return -1;
    }
    gql_set_enum(out, v->text);
    return 0;
  }
  const char *sn = n->name;
  if (strcmp(sn, "Int") == 0 && v->kind == GQL_V_INT) {
    errno = 0;
    long long x = strtoll(v->text, NULL, 10);
    if (errno || x > 2147483647LL || x < -2147483648LL) goto bad;
    gql_set_int(out, x);
    return 0;
  }
  if (strcmp(sn, "Float") == 0 && (v->kind == GQL_V_INT || v->kind == GQL_V_FLOAT)) {
    gql_set_float(out, strtod(v->text, NULL));
    return 0;
  }
  if (strcmp(sn, "Boolean") == 0 && v->kind == GQL_V_BOOLEAN) {
    gql_set_bool(out, v->boolean);
    return 0;
  }
  if ((strcmp(sn, "ID") == 0 || strcmp(sn, "BigInt") == 0) && v->kind == GQL_V_INT) {
    gql_set_str(out, v->text);
    return 0;
  }
  if (strcmp(sn, "Int") != 0 && strcmp(sn, "Float") != 0 && strcmp(sn, "Boolean") != 0 && v->kind == GQL_V_STRING) {
    out->kind = GQL_R_STRING;
    out->s = v->text;
    out->len = v->len;
    return 0;
  }
bad:
  *why = arena_printf(ex->a, "Expected value of type \"%s\", found %s.", sn, gql_print_value(ex->a, v));
  return -1;
}

/* The arguments of a field or directive from its node (CoerceArgumentValues). */
static int coerce_args(gql_exec *ex, const gql_input *defs, int ndefs, const gql_arg *args, int nargs, gql_rv *out,
                       const char **why) {
  memset(out, 0, sizeof *out);
  out->kind = GQL_R_OBJECT;
  out->keys = arena_zalloc(ex->a, (size_t)(ndefs + 1) * sizeof *out->keys);
  out->items = arena_zalloc(ex->a, (size_t)(ndefs + 1) * sizeof *out->items);
  if (!out->keys || !out->items) return -1;
  for (int i = 0; i < ndefs; i++) {
    const gql_input *d = &defs[i];
    const gql_arg *a = NULL;
    for (int k = 0; k < nargs && !a; k++)
      if (strcmp(args[k].name, d->name) == 0) a = &args[k];
    gql_rv *slot = &out->items[out->n];
    if (a && gql__coerce_literal(ex, a->value, d->type, slot, why, 0)) {
      *why = arena_printf(ex->a, "Argument \"%s\" has invalid value %s.", d->name, gql_print_value(ex->a, a->value));
      return -1;
    }
    if (!a || (int)slot->kind == -1) {
      if (d->def) {
        if (gql__coerce_literal(ex, d->def, d->type, slot, why, 0)) return -1;
      } else if (d->type->kind == GQL_T_NONNULL) {
        *why = a ? arena_printf(ex->a, "Argument \"%s\" of required type \"%s\" was provided the variable \"$%s\" which was not provided a runtime value.",
                                d->name, gql_tref_str(ex->a, d->type), a->value->text)
                 : arena_printf(ex->a, "Argument \"%s\" of required type \"%s\" was not provided.", d->name,
                                gql_tref_str(ex->a, d->type));
        return -1;
      } else {
        continue;
      }
    }
    out->keys[out->n++] = d->name;
  }
  return 0;
}

/* ---- operation and variables ---- */

const gql_definition *gql_operation(const gql_document *doc, const char *name, gql_errors *errs) {
  const gql_definition *found = NULL;
  int nops = 0;
  for (int i = 0; i < doc->ndefs; i++) {
    const gql_definition *d = &doc->defs[i];
    if (d->kind != GQL_DEF_OPERATION) continue;
    nops++;
    if (name && name[0]) {
      if (d->name && strcmp(d->name, name) == 0) found = d;
    } else if (!found) {
      found = d;
    }
  }
  if (name && name[0] && !found) {
    gql_error_add(errs, PHEME_GQL_REQUEST, NULL, NULL, 0, "Unknown operation named \"%s\".", name);
    return NULL;
  }
  if ((!name || !name[0]) && nops > 1) {
    gql_error_add(errs, PHEME_GQL_REQUEST, NULL, NULL, 0, "Must provide operation name if query contains multiple operations.");
    return NULL;
  }
  if (!found) gql_error_add(errs, PHEME_GQL_REQUEST, NULL, NULL, 0, "Must provide an operation.");
  return found;
}

static int coerce_variables(gql_exec *ex, const json_t *vars) {
  const gql_definition *op = ex->op;
  gql_rv *o = &ex->vars;
  memset(o, 0, sizeof *o);
  o->kind = GQL_R_OBJECT;
  o->keys = arena_zalloc(ex->a, (size_t)(op->nvars + 1) * sizeof *o->keys);
  o->items = arena_zalloc(ex->a, (size_t)(op->nvars + 1) * sizeof *o->items);
  if (!o->keys || !o->items) return -1;
  int bad = 0;
  for (int i = 0; i < op->nvars; i++) {
    const gql_vardef *vd = &op->vars[i];
    const gql_tref *t = gql_tref_from_ast(ex->s, ex->a, vd->type);
    if (!t) return -1; /* validation saw to it */
    const json_t *j = vars ? json_object_get(vars, vd->name) : NULL;
    const char *why = NULL;
    gql_rv *slot = &o->items[o->n];
    uint32_t at[1] = {vd->at};
    if (!j) {
      if (vd->def) {
        if (gql__coerce_literal(ex, vd->def, t, slot, &why, 0) == 0) o->keys[o->n++] = vd->name;
      } else if (t->kind == GQL_T_NONNULL) {
        gql_error_add(ex->errs, PHEME_GQL_VARIABLES, NULL, at, 1, "Variable \"$%s\" of required type \"%s\" was not provided.",
                      vd->name, gql_tref_str(ex->a, t));
        bad = 1;
      }
      continue;
    }
    if (json_is_null(j) && t->kind == GQL_T_NONNULL) {
      gql_error_add(ex->errs, PHEME_GQL_VARIABLES, NULL, at, 1, "Variable \"$%s\" of non-null type \"%s\" must not be null.",
                    vd->name, gql_tref_str(ex->a, t));
      bad = 1;
      continue;
    }
    if (coerce_json(ex, j, t, slot, &why, 0)) {
      char *txt = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
      gql_error_add(ex->errs, PHEME_GQL_VARIABLES, NULL, at, 1, "Variable \"$%s\" got invalid value %s; %s", vd->name,
                    txt ? txt : "?", why ? why : "invalid value");
      free(txt);
      bad = 1;
      continue;
    }
    o->keys[o->n++] = vd->name;
  }
  return bad ? -1 : 0;
}

/* ---- collecting fields (§6.3.2) ---- */

static int directives_include(gql_exec *ex, const gql_directive *dirs, int n) {
  for (int i = 0; i < n; i++) {
    int skip = strcmp(dirs[i].name, "skip") == 0, incl = strcmp(dirs[i].name, "include") == 0;
    if (!skip && !incl) continue;
    const gql_directive_def *d = gql_schema_directive(ex->s, dirs[i].name);
    gql_rv args;
    const char *why;
    if (coerce_args(ex, d->args, d->nargs, dirs[i].args, dirs[i].nargs, &args, &why)) return 0;
    const gql_rv *v = gql_rv_field(&args, "if");
    int cond = v && v->kind == GQL_R_BOOL && v->b;
    if (skip && cond) return 0;
    if (incl && !cond) return 0;
  }
  return 1;
}

static int type_applies(const gql_schema *s, const char *cond, const gql_type *t) {
  if (!cond) return 1;
  const gql_type *c = gql_schema_type(s, cond);
  return c && gql_possible(c, t);
}

static const gql_definition *fragment(const gql_document *doc, const char *name) {
  for (int i = 0; i < doc->ndefs; i++)
    if (doc->defs[i].kind == GQL_DEF_FRAGMENT && strcmp(doc->defs[i].name, name) == 0) return &doc->defs[i];
  return NULL;
}

static void collect(gql_exec *ex, const gql_type *t, const gql_selset *set, cfields *out, const char **visited,
                    int *nvisited, int depth) {
  if (!set || depth > 128) return;
  for (int i = 0; i < set->n; i++) {
    const gql_selection *s = set->items[i];
    if (!directives_include(ex, s->dirs, s->ndirs)) continue;
    if (s->kind == GQL_SEL_FIELD) {
      const char *key = s->alias ? s->alias : s->name;
      cfield *f = NULL;
      for (int k = 0; k < out->n && !f; k++)
        if (strcmp(out->items[k].key, key) == 0) f = &out->items[k];
      if (!f) {
        cfield *ni = vgrow(ex->a, out->items, out->n, &out->cap, sizeof *ni);
        if (!ni) return;
        out->items = ni;
        f = &out->items[out->n++];
        memset(f, 0, sizeof *f);
        f->key = key;
      }
      const gql_selection **nn = vgrow(ex->a, f->nodes, f->n, &f->cap, sizeof *nn);
      if (!nn) return;
      f->nodes = nn;
      f->nodes[f->n++] = s;
    } else if (s->kind == GQL_SEL_INLINE) {
      if (type_applies(ex->s, s->type_cond, t)) collect(ex, t, s->set, out, visited, nvisited, depth + 1);
    } else {
      int seen = 0;
      for (int k = 0; k < *nvisited && !seen; k++) seen = strcmp(visited[k], s->name) == 0;
      if (seen || *nvisited >= 256) continue;
      visited[(*nvisited)++] = s->name;
      const gql_definition *fd = fragment(ex->doc, s->name);
      if (fd && type_applies(ex->s, fd->type_cond, t)) collect(ex, t, fd->set, out, visited, nvisited, depth + 1);
    }
  }
}

/* Whether every field in set (and the fragments it spreads, to a depth) is among names. */
static int set_asks_only(const gql_document *doc, const gql_selset *set, const char *const *names, int depth) {
  if (!set) return 1;
  if (depth > 32) return 0;
  for (int i = 0; i < set->n; i++) {
    const gql_selection *s = set->items[i];
    if (s->kind == GQL_SEL_INLINE) {
      if (!set_asks_only(doc, s->set, names, depth + 1)) return 0;
    } else if (s->kind == GQL_SEL_SPREAD) {
      const gql_definition *fd = fragment(doc, s->name);
      if (!fd || !set_asks_only(doc, fd->set, names, depth + 1)) return 0;
    } else if (strcmp(s->name, "__typename") != 0) {
      int known = 0;
      for (int k = 0; names[k] && !known; k++) known = strcmp(names[k], s->name) == 0;
      if (!known) return 0;
    }
  }
  return 1;
}

int gql_call_asks_only(const gql_call *c, const char *const *names) {
  const cfield *f = c->selection;
  if (!f || !c->ex) return 0;
  for (int i = 0; i < f->n; i++)
    if (!set_asks_only(c->ex->doc, f->nodes[i]->set, names, 0)) return 0;
  return 1;
}

/* ---- executing ---- */

static void exec_fields(gql_exec *ex, const gql_type *t, const void **objs, gql_out **slots, int n,
                        const gql_selset **sets, int nsets);

static const gql_path *slot_path(gql_out *o) { return o->path.key || o->path.index >= 0 ? &o->path : NULL; }

static const char *type_field_name(gql_exec *ex, const gql_type *pt, const gql_field *f) {
  return arena_printf(ex->a, "%s.%s", pt->name, f->name);
}

/* Completes n values of type t into their slots (§6.4.3), all at once. */
static void complete(gql_exec *ex, const gql_tref *t, gql_rv **vals, gql_out **slots, int n, const cfield *cf,
                     const gql_type *pt, const gql_field *f) {
  if (n == 0) return;
  if (t->kind == GQL_T_NONNULL) {
    for (int i = 0; i < n; i++) {
      slots[i]->nonnull = 1;
      if (vals[i]->kind == GQL_R_NULL && !vals[i]->error)
        exec_error(ex, PHEME_SYS_INTERNAL, cf->nodes[0], slot_path(slots[i]),
                   arena_printf(ex->a, "Cannot return null for non-nullable field %s.", type_field_name(ex, pt, f)));
    }
    complete(ex, t->of, vals, slots, n, cf, pt, f);
    for (int i = 0; i < n && !ex->nulled; i++) ex->nulled = slots[i]->kind == GQL_R_NULL;
    return;
  }
  if (t->kind == GQL_T_LIST) {
    int total = 0;
    for (int i = 0; i < n; i++) {
      if (vals[i]->kind == GQL_R_NULL) continue;
      if (vals[i]->kind != GQL_R_LIST) {
        exec_error(ex, PHEME_SYS_INTERNAL, cf->nodes[0], slot_path(slots[i]),
                   arena_printf(ex->a, "Expected Iterable, but did not find one for field \"%s\".", type_field_name(ex, pt, f)));
        vals[i]->kind = GQL_R_NULL;
        continue;
      }
      if (vals[i]->n > ex->max_list) {
        exec_error(ex, PHEME_GQL_LIMIT, cf->nodes[0], slot_path(slots[i]),
                   arena_printf(ex->a, "List field \"%s\" returned more than %d items.", type_field_name(ex, pt, f), ex->max_list));
        vals[i]->kind = GQL_R_NULL;
        continue;
      }
      total += vals[i]->n;
    }
    gql_rv **cv = arena_alloc(ex->a, (size_t)(total + 1) * sizeof *cv);
    gql_out **cs = arena_alloc(ex->a, (size_t)(total + 1) * sizeof *cs);
    if (!cv || !cs) return;
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (vals[i]->kind == GQL_R_NULL) {
        slots[i]->kind = GQL_R_NULL;
        continue;
      }
      gql_out *items = arena_zalloc(ex->a, (size_t)(vals[i]->n + 1) * sizeof *items);
      if (!items) return;
      slots[i]->kind = GQL_R_LIST;
      slots[i]->vals = items;
      slots[i]->n = vals[i]->n;
      for (int m = 0; m < vals[i]->n; m++) {
        items[m].path.parent = slot_path(slots[i]);
        items[m].path.key = NULL;
        items[m].path.index = m;
        if (vals[i]->items[m].error)
          exec_error(ex, vals[i]->items[m].code, cf->nodes[0], &items[m].path, vals[i]->items[m].error);
        cv[k] = &vals[i]->items[m];
        cs[k++] = &items[m];
      }
    }
    complete(ex, t->of, cv, cs, k, cf, pt, f);
    return;
  }
  const gql_type *nt = t->named;
  if (gql_type_is_leaf(nt)) {
    int is_int = strcmp(nt->name, "Int") == 0;
    for (int i = 0; i < n; i++) {
      gql_rv *v = vals[i];
      slots[i]->kind = GQL_R_NULL;
      if (v->kind == GQL_R_NULL) continue;
      if (nt->kind == GQL_ENUM && (!v->s || !enum_has(nt, v->s))) {
        exec_error(ex, PHEME_SYS_INTERNAL, cf->nodes[0], slot_path(slots[i]),
                   arena_printf(ex->a, "Enum \"%s\" cannot represent value: \"%s\"", nt->name, v->s ? v->s : "?"));
        continue;
      }
      if (is_int && v->kind == GQL_R_INT && (v->i > 2147483647LL || v->i < -2147483648LL)) {
        exec_error(ex, PHEME_SYS_INTERNAL, cf->nodes[0], slot_path(slots[i]),
                   arena_printf(ex->a, "Int cannot represent non 32-bit signed integer value: %lld", (long long)v->i));
        continue;
      }
      slots[i]->kind = (uint8_t)(v->kind == GQL_R_OBJECT || v->kind == GQL_R_LIST ? GQL_R_NULL : v->kind);
      slots[i]->v = *v;
    }
    return;
  }
  /* composite: group the objects by their concrete type, run each group's fields together */
  const gql_type **types = arena_alloc(ex->a, (size_t)n * sizeof *types);
  const void **objs = arena_alloc(ex->a, (size_t)n * sizeof *objs);
  gql_out **gs = arena_alloc(ex->a, (size_t)n * sizeof *gs);
  if (!types || !objs || !gs) return;
  int ntypes = 0;
  for (int i = 0; i < n; i++) {
    if (vals[i]->kind != GQL_R_OBJECT) {
      slots[i]->kind = GQL_R_NULL;
      continue;
    }
    const gql_type *ct = vals[i]->type ? vals[i]->type : nt;
    if (ct->kind != GQL_OBJECT || !gql_possible(nt, ct)) {
      exec_error(ex, PHEME_SYS_INTERNAL, cf->nodes[0], slot_path(slots[i]),
                 arena_printf(ex->a, "Abstract type \"%s\" must resolve to an Object type at runtime for field \"%s\".", nt->name,
                              type_field_name(ex, pt, f)));
      slots[i]->kind = GQL_R_NULL;
      continue;
    }
    int seen = 0;
    for (int k = 0; k < ntypes && !seen; k++) seen = types[k] == ct;
    if (!seen) types[ntypes++] = ct;
  }
  const gql_selset **sets = arena_alloc(ex->a, (size_t)(cf->n + 1) * sizeof *sets);
  if (!sets) return;
  int nsets = 0;
  for (int k = 0; k < cf->n; k++)
    if (cf->nodes[k]->set) sets[nsets++] = cf->nodes[k]->set;
  for (int g = 0; g < ntypes; g++) {
    int m = 0;
    for (int i = 0; i < n; i++) {
      if (vals[i]->kind != GQL_R_OBJECT || (vals[i]->type ? vals[i]->type : nt) != types[g]) continue;
      objs[m] = vals[i]->obj;
      gs[m++] = slots[i];
    }
    exec_fields(ex, types[g], objs, gs, m, sets, nsets);
  }
}


static void exec_fields(gql_exec *ex, const gql_type *t, const void **objs, gql_out **slots, int n,
                        const gql_selset **sets, int nsets) {
  cfields cf = {0};
  const char *visited[256];
  int nvisited = 0;
  for (int k = 0; k < nsets; k++) collect(ex, t, sets[k], &cf, visited, &nvisited, 0);
  const char **keys = arena_alloc(ex->a, (size_t)(cf.n + 1) * sizeof *keys); /* the same for every object */
  if (!keys) return;
  for (int j = 0; j < cf.n; j++) keys[j] = cf.items[j].key;
  for (int i = 0; i < n; i++) {
    slots[i]->kind = GQL_R_OBJECT;
    slots[i]->n = cf.n;
    slots[i]->keys = keys;
    slots[i]->vals = arena_zalloc(ex->a, (size_t)(cf.n + 1) * sizeof *slots[i]->vals);
    if (!slots[i]->vals) return;
    for (int j = 0; j < cf.n; j++) {
      slots[i]->vals[j].path.parent = slot_path(slots[i]);
      slots[i]->vals[j].path.key = cf.items[j].key;
    }
  }
  gql_rv *out = arena_alloc(ex->a, (size_t)(n + 1) * sizeof *out);
  gql_rv **vp = arena_alloc(ex->a, (size_t)(n + 1) * sizeof *vp);
  gql_out **sp = arena_alloc(ex->a, (size_t)(n + 1) * sizeof *sp);
  if (!out || !vp || !sp) return;
  for (int j = 0; j < cf.n; j++) {
    const cfield *f = &cf.items[j];
    const gql_selection *node = f->nodes[0];
    memset(out, 0, (size_t)n * sizeof *out);
    for (int i = 0; i < n; i++) {
      vp[i] = &out[i];
      sp[i] = &slots[i]->vals[j];
    }
    if (strcmp(node->name, "__typename") == 0) {
      for (int i = 0; i < n; i++) gql_set_str(&out[i], t->name);
      complete(ex, ex->s->typename_field.type, vp, sp, n, f, t, &ex->s->typename_field);
      continue;
    }
    const gql_field *fd = NULL;
    gql_resolve_fn resolve = NULL;
    if (t == ex->s->query && strcmp(node->name, "__schema") == 0) {
      fd = &ex->s->schema_field;
      resolve = gql__resolve_schema;
    } else if (t == ex->s->query && strcmp(node->name, "__type") == 0) {
      fd = &ex->s->type_field;
      resolve = gql__resolve_type;
    } else {
      fd = gql_type_field(t, node->name);
      resolve = fd ? fd->def->resolve : NULL;
    }
    if (!fd || !resolve) continue; /* validation refused unknown fields; nothing to answer */
    gql_rv args;
    const char *why = NULL;
    if (coerce_args(ex, fd->args, fd->nargs, node->args, node->nargs, &args, &why)) {
      for (int i = 0; i < n; i++) {
        sp[i]->kind = GQL_R_NULL;
        exec_error(ex, PHEME_GQL_INVALID, node, slot_path(sp[i]), why ? why : "invalid arguments");
      }
      complete(ex, fd->type, vp, sp, n, f, t, fd);
      continue;
    }
    gql_call c = {ex, ex->opt->app, ex->a, t, fd, &args, objs, n, out, f};
    int e = resolve(&c);
    for (int i = 0; i < n; i++) {
      if (e) gql_fail_row(&out[i], (pheme_err)e, NULL);
      if (out[i].error) exec_error(ex, out[i].code ? out[i].code : PHEME_SYS_INTERNAL, node, slot_path(sp[i]), out[i].error);
    }
    complete(ex, fd->type, vp, sp, n, f, t, fd);
  }
}

/* Nulls that reach a non-null position make their parent null (§6.4.4). Returns 1 when o is
 * null afterwards. */
static int settle(gql_out *o, int depth) {
  if (depth > 512) return 0;
  if (o->kind == GQL_R_OBJECT || o->kind == GQL_R_LIST) {
    for (int i = 0; i < o->n; i++)
      if (settle(&o->vals[i], depth + 1) && o->vals[i].nonnull) {
        o->kind = GQL_R_NULL;
        return 1;
      }
  }
  return o->kind == GQL_R_NULL;
}

/* The response tree as JSON into b, by hand rather than through core/jsonw: the tree's shape gives
 * the commas, and its keys are GraphQL Names (a field's name or an alias, [_A-Za-z][_0-9A-Za-z]*:
 * the lexer makes no other), which JSON takes as they are, so only string values are escaped.
 * Returns -1 when the buffer's cap (or memory) stops it. */
static int write_key(buf *b, const char *key) {
  size_t n = strlen(key);
  if (b->alloc - b->len <= n + 3 && buf_reserve(b, n + 3)) return -1;
  char *p = b->data + b->len;
  *p++ = '"';
  memcpy(p, key, n);
  p += n;
  *p++ = '"';
  *p++ = ':';
  *p = 0;
  b->len += n + 3;
  return 0;
}

static int write_int(buf *b, int64_t v) {
  char tmp[24];
  int i = sizeof tmp;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do tmp[--i] = (char)('0' + u % 10);
  while (u /= 10);
  if (v < 0) tmp[--i] = '-';
  return buf_add(b, tmp + i, sizeof tmp - (size_t)i);
}

static int write_out(buf *b, const gql_out *o, int depth) {
  switch (o->kind) {
  case GQL_R_NULL: return buf_add(b, "null", 4);
  case GQL_R_BOOL: return o->v.b ? buf_add(b, "true", 4) : buf_add(b, "false", 5);
  case GQL_R_INT: return write_int(b, o->v.i);
  case GQL_R_FLOAT: {
    char num[40];
    if (!isfinite(o->v.f)) return buf_add(b, "null", 4);
    int n = snprintf(num, sizeof num, "%.17g", o->v.f);
    return buf_add(b, num, (size_t)n);
  }
  case GQL_R_STRING:
  case GQL_R_ENUM:
    if (o->v.raw) return o->v.s && *o->v.s ? buf_adds(b, o->v.s) : buf_add(b, "null", 4);
    if (!o->v.s) return buf_add(b, "null", 4);
    return buf_addc(b, '"') || buf_add_json_str(b, o->v.s, o->v.len) || buf_addc(b, '"') ? -1 : 0;
  case GQL_R_OBJECT:
  case GQL_R_LIST:
    if (depth + 1 >= JW_DEPTH) return -1; /* the nesting core/jsonw allows */
    if (buf_addc(b, o->kind == GQL_R_OBJECT ? '{' : '[')) return -1;
    for (int i = 0; i < o->n; i++) {
      if (i && buf_addc(b, ',')) return -1;
      if (o->kind == GQL_R_OBJECT && write_key(b, o->keys[i])) return -1;
      if (write_out(b, &o->vals[i], depth + 1)) return -1;
    }
    return buf_addc(b, o->kind == GQL_R_OBJECT ? '}' : ']');
  }
  return buf_add(b, "null", 4);
}

int gql_execute(const gql_schema *s, const gql_document *doc, const char *operation_name, const json_t *variables,
                const gql_exec_options *opt, arena *a, gql_errors *errs, buf *out, int *has_data) {
  *has_data = 0;
  gql_exec ex = {0};
  ex.s = s;
  ex.doc = doc;
  ex.a = a;
  ex.errs = errs;
  ex.opt = opt;
  ex.max_list = opt->max_list > 0 ? opt->max_list : 10000;
  ex.op = gql_operation(doc, operation_name, errs);
  if (!ex.op) return -1;
  if (variables && !json_is_object(variables)) {
    gql_error_add(errs, PHEME_GQL_VARIABLES, NULL, NULL, 0, "Variables must be provided as an Object where each property is a variable value.");
    return -1;
  }
  if (coerce_variables(&ex, variables)) return -1;
  const gql_type *root = ex.op->op == GQL_OP_QUERY ? s->query : ex.op->op == GQL_OP_MUTATION ? s->mutation : s->subscription;
  if (!root) {
    uint32_t at[1] = {ex.op->at};
    gql_error_add(errs, PHEME_GQL_REQUEST, NULL, at, 1, "Schema is not configured to execute %s operation.",
                  ex.op->op == GQL_OP_MUTATION ? "mutation" : "subscription");
    return -1;
  }
  if (ex.op->op == GQL_OP_SUBSCRIPTION && opt->subscription != GQL_SUB_RUN) {
    /* the seam for subscriptions: graphql-transport-ws and SSE serve them (docs/internals/graphql.md) */
    uint32_t at[1] = {ex.op->at};
    gql_error_add(errs, PHEME_GQL_REQUEST, NULL, at, 1, "Subscriptions are served over graphql-transport-ws or SSE, not as a single request.");
    return -1;
  }
  gql_out *data = arena_zalloc(a, sizeof *data);
  if (!data) return -1;
  data->path.index = -1;
  const void *root_obj = opt->root;
  gql_out *slot = data;
  const gql_selset *set = ex.op->set;
  /* mutations run their root fields one after another (§6.2.2): with one root object and the
   * fields in document order, the level-at-a-time executor already does */
  int reads = ex.op->op == GQL_OP_QUERY && opt->query_begin && opt->query_end;
  if (reads) opt->query_begin(opt->app);
  exec_fields(&ex, root, &root_obj, &slot, 1, &set, 1);
  if (reads) opt->query_end(opt->app);
  if (ex.nulled) settle(data, 0); /* otherwise it would find nothing to change */
  if (write_out(out, data, 0)) {
    gql_error_add(errs, PHEME_GQL_LIMIT, NULL, NULL, 0, "The response is larger than the server's limit.");
    return -1;
  }
  *has_data = 1;
  return 0;
}

/* ---- generic resolvers ---- */

#define MEMBER(type, c, i) ((const type *)((const char *)(c)->parents[i] + (c)->field->def->off))
typedef const char *cstr;

int gql_res_str(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], *MEMBER(cstr, c, i));
  return 0;
}

int gql_res_int64(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_int(&c->out[i], *MEMBER(int64_t, c, i));
  return 0;
}

/* v in decimal, in a (NULL when out of memory): by hand, as a nested query has an id or a BigInt
 * in most of its objects and a printf for each was 3% of its instructions. */
static const char *decimal(arena *a, int64_t v) {
  char tmp[24];
  int n = 0;
  uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[n++] = '-';
  char *s = arena_alloc(a, (size_t)n + 1);
  if (!s) return NULL;
  for (int k = 0; k < n; k++) s[k] = tmp[n - 1 - k];
  s[n] = 0;
  return s;
}

int gql_res_bigint(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], decimal(c->a, *MEMBER(int64_t, c, i)));
  return 0;
}

int gql_res_int(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_int(&c->out[i], *MEMBER(int, c, i));
  return 0;
}

int gql_res_bool(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_bool(&c->out[i], *MEMBER(int, c, i));
  return 0;
}

int gql_res_id(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], decimal(c->a, *MEMBER(int64_t, c, i)));
  return 0;
}

int gql_res_time(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    int64_t ms = *MEMBER(int64_t, c, i);
    if (ms <= 0) continue;
    buf b;
    buf_init(&b, 64);
    jw w;
    jw_init(&w, &b);
    jw_time(&w, ms);
    /* jw_time writes a JSON string; keep its inside */
    if (!w.err && b.len >= 2) gql_set_str(&c->out[i], arena_strndup(c->a, b.data + 1, b.len - 2));
    buf_release(&b);
  }
  return 0;
}

int gql_res_json(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const char *j = *MEMBER(cstr, c, i);
    if (!j || !j[0]) continue;
    gql_set_str(&c->out[i], j);
    c->out[i].raw = 1;
  }
  return 0;
}

json_t *gql_rv_to_json(const gql_rv *v) {
  switch (v->kind) {
  case GQL_R_NULL: return json_null();
  case GQL_R_BOOL: return json_boolean(v->b);
  case GQL_R_INT: return json_integer(v->i);
  case GQL_R_FLOAT: return json_real(v->f);
  case GQL_R_STRING:
  case GQL_R_ENUM: return json_stringn(v->s, v->len);
  case GQL_R_LIST: {
    json_t *a = json_array();
    for (int i = 0; a && i < v->n; i++) json_array_append_new(a, gql_rv_to_json(&v->items[i]));
    return a;
  }
  case GQL_R_OBJECT: {
    json_t *o = json_object();
    for (int i = 0; o && v->keys && i < v->n; i++) json_object_set_new(o, v->keys[i], gql_rv_to_json(&v->items[i]));
    return o;
  }
  }
  return json_null();
}

const gql_schema *gql_call_schema(const gql_call *c) { return c->ex->s; }
const gql_type *gql_call_type(const gql_call *c, const char *name) { return gql_schema_type(c->ex->s, name); }
