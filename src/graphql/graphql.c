/* The GraphQL service (graphql/graphql.h): request → limits → parse → validate → limits of the
 * operation → execute → response. */
#include "graphql/graphql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/util.h"
#include "graphql/parse.h"
#include "graphql/validate.h"
#include "core/banned.h"

gql_limits gql_limits_default(void) {
  gql_limits l = {0};
  l.max_bytes = 32 * 1024;
  l.max_tokens = 5000;
  l.max_depth = 12;
  l.max_aliases = 30;
  l.max_breadth = 100;
  l.max_cost = 20000;
  l.introspection = 0;
  return l;
}

pheme_err gql_service_init(gql_service *svc, const gql_type_def *rows, int nrows, const char *query, const char *mutation,
                     const char *subscription, const gql_limits *lim, char *err, size_t errlen) {
  memset(svc, 0, sizeof *svc);
  if (err && errlen) err[0] = 0;
  if (gql_schema_build(&svc->schema, rows, nrows, query, mutation, subscription, err, errlen)) return PHEME_SYS_INTERNAL;
  svc->limits = lim ? *lim : gql_limits_default();
  svc->persisted = calloc(GQL_PERSISTED_MAX, sizeof *svc->persisted);
  if (!svc->persisted) {
    gql_schema_release(&svc->schema);
    return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "graphql: out of memory");
  }
  svc->checked = calloc(GQL_CHECKED_MAX, sizeof *svc->checked);
  if (!svc->checked) {
    free(svc->persisted);
    svc->persisted = NULL;
    gql_schema_release(&svc->schema);
    return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "graphql: out of memory");
  }
  arena_init(&svc->checked_arena, 0);
  pthread_mutex_init(&svc->mu, NULL);
  return 0;
}

void gql_service_release(gql_service *svc) {
  if (!svc->persisted) return;
  for (int i = 0; i < svc->npersisted; i++) free(svc->persisted[i].query);
  free(svc->persisted);
  svc->persisted = NULL;
  free(svc->checked);
  svc->checked = NULL;
  arena_release(&svc->checked_arena);
  pthread_mutex_destroy(&svc->mu);
  gql_schema_release(&svc->schema);
}

/* ---- errors in the response ---- */

static void write_error(jw *w, const gql_error *e, const char *src, size_t srclen) {
  jw_obj(w);
  jw_key(w, "message");
  jw_str(w, e->message);
  if (e->nat && src) {
    jw_key(w, "locations");
    jw_arr(w);
    for (int i = 0; i < e->nat; i++) {
      gql_loc l = gql_loc_of(src, srclen, e->at[i]);
      jw_obj(w);
      jw_key(w, "line");
      jw_int(w, l.line);
      jw_key(w, "column");
      jw_int(w, l.column);
      jw_end(w);
    }
    jw_end(w);
  }
  if (e->path) {
    const gql_path *stack[256];
    int n = 0;
    for (const gql_path *p = e->path; p && n < 256; p = p->parent)
      if (p->key || p->index >= 0) stack[n++] = p;
    jw_key(w, "path");
    jw_arr(w);
    while (n--) {
      if (stack[n]->key)
        jw_str(w, stack[n]->key);
      else
        jw_int(w, stack[n]->index);
    }
    jw_end(w);
  }
  jw_key(w, "extensions");
  jw_obj(w);
  jw_key(w, "code");
  jw_str(w, pheme_err_code(e->code));
  if (e->rule) {
    jw_key(w, "rule");
    jw_str(w, e->rule);
  }
  jw_end(w);
  jw_end(w);
}

static void write_errors(jw *w, const gql_errors *errs, const char *src, size_t srclen) {
  jw_key(w, "errors");
  jw_arr(w);
  for (int i = 0; i < errs->n; i++) write_error(w, &errs->items[i], src, srclen);
  if (errs->dropped) {
    jw_obj(w);
    jw_key(w, "message");
    char m[96];
    snprintf(m, sizeof m, "%d more errors were left out.", errs->dropped);
    jw_str(w, m);
    jw_key(w, "extensions");
    jw_obj(w);
    jw_key(w, "code");
    jw_str(w, pheme_err_code(PHEME_GQL_LIMIT));
    jw_end(w);
    jw_end(w);
  }
  jw_end(w);
}

int gql_write_errors_response(buf *out, const gql_errors *errs, const char *src, size_t srclen) {
  jw w;
  jw_init(&w, out);
  jw_obj(&w);
  write_errors(&w, errs, src, srclen);
  jw_end(&w);
  return w.err ? -1 : 0;
}

/* ---- persisted queries ---- */

static int is_hex64(const char *s) {
  if (!s || strlen(s) != 64) return 0;
  for (int i = 0; i < 64; i++)
    if (hex_digit((unsigned char)s[i]) < 0) return 0;
  return 1;
}

static void sha256_hex(const char *s, size_t n, char out[65]) {
  uint8_t d[32];
  sha256(d, s, n);
  static const char hx[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = hx[d[i] >> 4];
    out[2 * i + 1] = hx[d[i] & 15];
  }
  out[64] = 0;
}

/* The stored query of hash, copied into a; NULL when unknown. */
static const char *persisted_get(gql_service *svc, const char *hash, arena *a) {
  const char *q = NULL;
  pthread_mutex_lock(&svc->mu);
  for (int i = 0; i < svc->npersisted; i++)
    if (strcasecmp(svc->persisted[i].hash, hash) == 0) {
      q = arena_strdup(a, svc->persisted[i].query);
      break;
    }
  pthread_mutex_unlock(&svc->mu);
  return q;
}

static void persisted_put(gql_service *svc, const char *hash, const char *q, size_t n) {
  pthread_mutex_lock(&svc->mu);
  for (int i = 0; i < svc->npersisted; i++)
    if (strcasecmp(svc->persisted[i].hash, hash) == 0) {
      pthread_mutex_unlock(&svc->mu);
      return;
    }
  char *copy = malloc(n + 1);
  if (copy) {
    memcpy(copy, q, n);
    copy[n] = 0;
    int slot;
    if (svc->npersisted < GQL_PERSISTED_MAX) {
      slot = svc->npersisted++;
    } else { /* full: the oldest entry makes room */
      slot = svc->next;
      free(svc->persisted[slot].query);
      svc->next = (svc->next + 1) % GQL_PERSISTED_MAX;
    }
    memcpy(svc->persisted[slot].hash, hash, 64);
    for (int i = 0; i < 64; i++)
      if (svc->persisted[slot].hash[i] >= 'A' && svc->persisted[slot].hash[i] <= 'F') svc->persisted[slot].hash[i] += 32;
    svc->persisted[slot].hash[64] = 0;
    svc->persisted[slot].query = copy;
  }
  pthread_mutex_unlock(&svc->mu);
}

/* ---- checked documents ---- */

static uint64_t text_hash(const char *q, size_t n) {
  uint64_t h = 1469598103934665603u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)q[i]) * 1099511628211u;
  return h;
}

/* The kept document of the text q, or NULL. Entries are written once and never changed, so the
 * pointer stays good for the service's life. */
static gql_checked_doc *checked_get(gql_service *svc, const char *q, size_t n, uint64_t h) {
  gql_checked_doc *c = NULL;
  pthread_mutex_lock(&svc->mu);
  for (int i = 0; i < svc->nchecked && !c; i++)
    if (svc->checked[i].hash == h && svc->checked[i].len == n && memcmp(svc->checked[i].query, q, n) == 0)
      c = &svc->checked[i];
  pthread_mutex_unlock(&svc->mu);
  return c;
}

/* Keeps the text q, which parsed and validated, parsed again into the service's arena. */
static void checked_put(gql_service *svc, const char *q, size_t n, uint64_t h, const gql_parse_limits *pl) {
  pthread_mutex_lock(&svc->mu);
  int known = 0;
  for (int i = 0; i < svc->nchecked && !known; i++)
    known = svc->checked[i].hash == h && svc->checked[i].len == n && memcmp(svc->checked[i].query, q, n) == 0;
  if (!known && svc->nchecked < GQL_CHECKED_MAX) {
    gql_checked_doc *c = &svc->checked[svc->nchecked];
    gql_parse_error pe;
    char *text = arena_strndup(&svc->checked_arena, q, n);
    if (text && gql_parse(&svc->checked_arena, text, n, pl, &c->doc, &pe) == 0) {
      c->hash = h;
      c->query = text;
      c->len = n;
      svc->nchecked++;
    }
  }
  pthread_mutex_unlock(&svc->mu);
}

/* ---- the operation's limits ---- */

typedef struct {
  const gql_schema *s;
  const gql_document *doc;
  const json_t *vars;
  long nodes;   /* fields visited, fragments expanded: bounded so a fragment bomb stops early */
  int depth, aliases, breadth;
  int intro_depth, in_intro; /* depth within __schema/__type, counted apart; inside one now */
  long cost;
  int introspection; /* the operation asks __schema or __type */
  int used_vars;     /* a `first` given by a variable counted: the measure is this request's only */
} measure;

#define MEASURE_NODES_MAX 200000L

static const gql_definition *fragment_def(const gql_document *doc, const char *name) {
  for (int i = 0; i < doc->ndefs; i++)
    if (doc->defs[i].kind == GQL_DEF_FRAGMENT && strcmp(doc->defs[i].name, name) == 0) return &doc->defs[i];
  return NULL;
}

/* How many items a list field may return: its `first` argument (literal or variable), or the
 * argument's default (100 when it has none); 10 for a list that takes no `first`. */
static long list_size(measure *m, const gql_selection *s, const gql_field *f) {
  /* the schema's own lists (introspection) are as long as the schema, which the depth bounds */
  const gql_type *nt = gql_tref_named(f->type);
  if (nt && strncmp(nt->name, "__", 2) == 0) return 1;
  for (int i = 0; i < s->nargs; i++) {
    if (strcmp(s->args[i].name, "first") != 0) continue;
    const gql_value *v = s->args[i].value;
    if (v->kind == GQL_V_INT) return atol(v->text);
    if (v->kind == GQL_V_VARIABLE) m->used_vars = 1;
    if (v->kind == GQL_V_VARIABLE && m->vars) {
      json_t *j = json_object_get(m->vars, v->text);
      if (json_is_integer(j)) return (long)json_integer_value(j);
    }
  }
  const gql_input *in = gql_input_find(f->args, f->nargs, "first");
  if (in && in->def && in->def->kind == GQL_V_INT) return atol(in->def->text);
  /* a list without first is a small one by design (a task's skills, a submission's reviews) */
  return in ? 100 : 10;
}

static int is_list(const gql_tref *t) {
  if (t->kind == GQL_T_NONNULL) t = t->of;
  return t->kind == GQL_T_LIST;
}

/* Counts the fields of set (fragments expanded) into *count; walks each into measure_set. */
static void measure_set(measure *m, const gql_selset *set, const gql_type *t, int depth, long mult, int fdepth);

static void measure_items(measure *m, const gql_selset *set, const gql_type *t, int depth, long mult, int *count,
                          int fdepth) {
  if (!set || fdepth > 64) return;
  for (int i = 0; i < set->n && m->nodes < MEASURE_NODES_MAX; i++) {
    const gql_selection *s = set->items[i];
    if (s->kind == GQL_SEL_FIELD) {
      m->nodes++;
      (*count)++;
      if (s->alias) m->aliases++;
      if (strcmp(s->name, "__schema") == 0 || strcmp(s->name, "__type") == 0) m->introspection = 1;
      const gql_field *f = NULL;
      if (t && strcmp(s->name, "__schema") == 0) f = &m->s->schema_field;
      else if (t && strcmp(s->name, "__type") == 0) f = &m->s->type_field;
      else if (t && t->kind != GQL_UNION) f = gql_type_field(t, s->name);
      long own = 1 + (f && f->def ? f->def->cost : 0);
      if (mult > 0 && own > (1L << 40) / mult) own = (1L << 40) / mult;
      m->cost += own * mult;
      int intro = !m->in_intro && (strcmp(s->name, "__schema") == 0 || strcmp(s->name, "__type") == 0);
      /* introspection nests as deep as its clients' TypeRef fragments (15 for graphql-js's
       * getIntrospectionQuery): it has its own bound, the schema is finite */
      if (m->in_intro || intro) {
        if (depth + 1 > m->intro_depth) m->intro_depth = depth + 1;
      } else if (depth + 1 > m->depth) {
        m->depth = depth + 1;
      }
      if (intro) m->in_intro = 1;
      if (s->set) {
        long child = mult;
        if (f && is_list(f->type)) {
          long k = list_size(m, s, f);
          if (k < 1) k = 1;
          child = mult > (1L << 40) / k ? (1L << 40) : mult * k;
        }
        measure_set(m, s->set, f ? gql_tref_named(f->type) : NULL, depth + 1, child, 0);
      }
      if (intro) m->in_intro = 0;
    } else if (s->kind == GQL_SEL_INLINE) {
      const gql_type *ct = s->type_cond ? gql_schema_type(m->s, s->type_cond) : t;
      measure_items(m, s->set, ct, depth, mult, count, fdepth + 1);
    } else {
      const gql_definition *fd = fragment_def(m->doc, s->name);
      if (fd) measure_items(m, fd->set, gql_schema_type(m->s, fd->type_cond), depth, mult, count, fdepth + 1);
    }
  }
}

static void measure_set(measure *m, const gql_selset *set, const gql_type *t, int depth, long mult, int fdepth) {
  int count = 0;
  measure_items(m, set, t, depth, mult, &count, fdepth);
  if (count > m->breadth) m->breadth = count;
}

/* ---- running a request ---- */

static int finish(buf *out, const gql_errors *errs, const char *src, size_t len, gql_result *res, int status) {
  res->status = status;
  res->errors = errs->n + errs->dropped;
  res->has_data = 0;
  return gql_write_errors_response(out, errs, src, len);
}

static int respond(gql_service *svc, const gql_document *docp, const char *operation_name, const json_t *variables,
                   const gql_exec_options *opt, arena *a, gql_errors *errsp, const char *q, size_t qlen, buf *out,
                   gql_result *res);

int gql_service_run(gql_service *svc, const gql_request *req, const gql_exec_options *opt, arena *a, buf *out,
                    gql_result *res) {
  memset(res, 0, sizeof *res);
  gql_errors errs;
  gql_errors_init(&errs, a);
  const gql_limits *lim = &svc->limits;
  const char *q = req->query;
  size_t qlen = req->query_len;
  /* persisted queries */
  const json_t *pq = req->extensions ? json_object_get(req->extensions, "persistedQuery") : NULL;
  if (pq) {
    const char *hash = json_string_value(json_object_get(pq, "sha256Hash"));
    json_t *ver = json_object_get(pq, "version");
    if (!json_is_object(pq) || !is_hex64(hash) || !json_is_integer(ver) || json_integer_value(ver) != 1) {
      gql_error_add(&errs, PHEME_GQL_REQUEST, NULL, NULL, 0,
                    "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": <64 hex digits>}.");
      return finish(out, &errs, NULL, 0, res, 400);
    }
    if (!q) {
      q = persisted_get(svc, hash, a);
      if (!q) {
        gql_error_add(&errs, PHEME_GQL_PERSISTED_NOT_FOUND, NULL, NULL, 0, "PersistedQueryNotFound");
        return finish(out, &errs, NULL, 0, res, 200);
      }
      qlen = strlen(q);
    } else {
      char h[65];
      sha256_hex(q, qlen, h);
      if (strcasecmp(h, hash) != 0) {
        gql_error_add(&errs, PHEME_GQL_REQUEST, NULL, NULL, 0, "provided sha does not match query");
        return finish(out, &errs, NULL, 0, res, 400);
      }
      if (qlen <= lim->max_bytes) persisted_put(svc, hash, q, qlen);
    }
  }
  if (!q) {
    gql_error_add(&errs, PHEME_GQL_REQUEST, NULL, NULL, 0, "Must provide query string.");
    return finish(out, &errs, NULL, 0, res, 400);
  }
  if (qlen > lim->max_bytes) {
    gql_error_add(&errs, PHEME_GQL_LIMIT, NULL, NULL, 0, "The query is %zu bytes; the limit is %zu bytes.", qlen,
                  lim->max_bytes);
    return finish(out, &errs, NULL, 0, res, 400);
  }
  gql_document doc;
  gql_parse_limits pl = {lim->max_tokens, 0};
  uint64_t h = text_hash(q, qlen);
  gql_checked_doc *known = checked_get(svc, q, qlen, h);
  if (known) {
    doc = known->doc;
  } else {
    gql_parse_error pe;
    if (gql_parse(a, q, qlen, &pl, &doc, &pe)) {
      uint32_t at[1] = {pe.at};
      gql_error_add(&errs, pe.limit ? PHEME_GQL_LIMIT : PHEME_GQL_SYNTAX, NULL, at, 1, "%s", pe.message);
      return finish(out, &errs, q, qlen, res, 400);
    }
    if (gql_validate(&svc->schema, &doc, a, &errs)) return finish(out, &errs, q, qlen, res, 400);
    checked_put(svc, q, qlen, h, &pl);
  }
  const gql_definition *op = gql_operation(&doc, req->operation_name, &errs);
  if (!op) return finish(out, &errs, q, qlen, res, 400);
  if (req->read_only && op->op != GQL_OP_QUERY) {
    uint32_t at[1] = {op->at};
    gql_error_add(&errs, PHEME_API_METHOD, NULL, at, 1, "Can only perform a %s operation from a POST request.",
                  op->op == GQL_OP_MUTATION ? "mutation" : "subscription");
    return finish(out, &errs, q, qlen, res, 405);
  }
  measure m = {0};
  const measure *kept = NULL;
  if (known) { /* a kept document's measure, when an earlier request of its operation kept it */
    pthread_mutex_lock(&svc->mu);
    if (known->measured_op == op) kept = known->measured;
    pthread_mutex_unlock(&svc->mu);
  }
  if (kept) {
    m = *kept;
  } else {
    m.s = &svc->schema;
    m.doc = &doc;
    m.vars = req->variables;
    const gql_type *root = op->op == GQL_OP_QUERY ? svc->schema.query : op->op == GQL_OP_MUTATION ? svc->schema.mutation : svc->schema.subscription;
    measure_set(&m, op->set, root, 0, 1, 0);
    if (known && !m.used_vars) {
      pthread_mutex_lock(&svc->mu);
      measure *keep = known->measured_op ? NULL : arena_alloc(&svc->checked_arena, sizeof *keep);
      if (keep) {
        *keep = m;
        keep->vars = NULL;
        keep->doc = NULL; /* the request's copy of the document, gone with it */
        known->measured = keep;
        known->measured_op = op;
      }
      pthread_mutex_unlock(&svc->mu);
    }
  }
  uint32_t at[1] = {op->at};
  if (m.introspection && !lim->introspection)
    gql_error_add(&errs, PHEME_GQL_INTROSPECTION_OFF, NULL, at, 1, "Introspection is disabled on this server (graphql_introspection = 0).");
  if (m.nodes >= MEASURE_NODES_MAX)
    gql_error_add(&errs, PHEME_GQL_LIMIT, NULL, at, 1, "The operation expands to more than %ld fields.", MEASURE_NODES_MAX);
  if (m.intro_depth > GQL_INTROSPECTION_DEPTH_MAX)
    gql_error_add(&errs, PHEME_GQL_LIMIT, NULL, at, 1, "The introspection nests %d fields deep; the limit is %d.", m.intro_depth,
                  GQL_INTROSPECTION_DEPTH_MAX);
  if (m.depth > lim->max_depth)
    gql_error_add(&errs, PHEME_GQL_LIMIT, NULL, at, 1, "The operation nests %d fields deep; the limit is %d.", m.depth, lim->max_depth);
  if (m.aliases > lim->max_aliases)
    gql_error_add(&errs, PHEME_GQL_LIMIT, NULL, at, 1, "The operation uses %d aliases; the limit is %d.", m.aliases, lim->max_aliases);
  if (m.breadth > lim->max_breadth)
    gql_error_add(&errs, PHEME_GQL_LIMIT, NULL, at, 1, "A selection set of the operation asks %d fields; the limit is %d.",
                  m.breadth, lim->max_breadth);
  if (m.cost > lim->max_cost)
    gql_error_add(&errs, PHEME_GQL_LIMIT, NULL, at, 1, "The operation costs %ld; the limit is %ld.", m.cost, lim->max_cost);
  if (errs.n) return finish(out, &errs, q, qlen, res, 400);
  if (op->op == GQL_OP_SUBSCRIPTION && opt->subscription == GQL_SUB_CHECK) {
    gql_document *keep = arena_alloc(a, sizeof *keep);
    if (!keep) return -1;
    *keep = doc;
    res->status = 200;
    res->subscription = 1;
    res->doc = keep;
    return 0;
  }
  return respond(svc, &doc, req->operation_name, req->variables, opt, a, &errs, q, qlen, out, res);
}

int gql_service_run_checked(gql_service *svc, const gql_document *doc, const gql_request *req,
                            const gql_exec_options *opt, arena *a, buf *out, gql_result *res) {
  memset(res, 0, sizeof *res);
  gql_errors errs;
  gql_errors_init(&errs, a);
  return respond(svc, doc, req->operation_name, req->variables, opt, a, &errs, req->query, req->query_len, out, res);
}

/* Executes a checked document and writes the response ({"data"…} with any errors). */
static int respond(gql_service *svc, const gql_document *docp, const char *operation_name, const json_t *variables,
                   const gql_exec_options *opt, arena *a, gql_errors *errsp, const char *q, size_t qlen, buf *out,
                   gql_result *res) {
  gql_errors errs = *errsp;
  /* execution */
  buf data;
  buf_init(&data, out->cap);
  int has_data = 0;
  int rc = gql_execute(&svc->schema, docp, operation_name, variables, opt, a, &errs, &data, &has_data);
  if (rc || !has_data) {
    buf_release(&data);
    return finish(out, &errs, q, qlen, res, 400);
  }
  jw w;
  jw_init(&w, out);
  jw_obj(&w);
  if (errs.n || errs.dropped) write_errors(&w, &errs, q, qlen);
  jw_key(&w, "data");
  jw_raw(&w, data.data, "null");
  jw_end(&w);
  buf_release(&data);
  res->status = 200;
  res->errors = errs.n + errs.dropped;
  res->has_data = 1;
  return w.err ? -1 : 0;
}

pheme_err gql_request_from_json(const json_t *body, gql_request *req, char *err, size_t errlen) {
  memset(req, 0, sizeof *req);
  if (!json_is_object(body)) return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "the body must be a JSON object");
  json_t *q = json_object_get(body, "query");
  if (q && !json_is_null(q)) {
    if (!json_is_string(q)) return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "'query' must be a string");
    req->query = json_string_value(q);
    req->query_len = json_string_length(q);
  }
  json_t *on = json_object_get(body, "operationName");
  if (on && !json_is_null(on)) {
    if (!json_is_string(on)) return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "'operationName' must be a string");
    req->operation_name = json_string_value(on);
  }
  json_t *v = json_object_get(body, "variables");
  if (v && !json_is_null(v)) {
    if (!json_is_object(v)) return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "'variables' must be an object");
    req->variables = v;
  }
  json_t *x = json_object_get(body, "extensions");
  if (x && !json_is_null(x)) {
    if (!json_is_object(x)) return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "'extensions' must be an object");
    req->extensions = x;
  }
  return 0;
}
