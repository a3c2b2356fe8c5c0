/* GraphQL subscriptions fed by the event hub (jobs/fanout.h), on /graphql
 * (docs/internals/graphql.md "Subscriptions"):
 *
 *  - GraphQL over SSE, graphql-sse's "distinct connections" mode: POST /graphql (or GET with
 *    ?query=) with Accept: text/event-stream. The operation is checked first (parse, validate,
 *    limits); a refused one is answered 400 with the errors as JSON. A query or mutation streams
 *    one "next" event with its result and a "complete"; a subscription streams a "next" event per
 *    event row it selects, until the client leaves. Heartbeats are comment lines.
 *  - graphql-transport-ws over http/ws.h: GET /graphql with Upgrade: websocket and
 *    Sec-WebSocket-Protocol: graphql-transport-ws. connection_init (optionally with a payload
 *    {"token": "phk_… or an access token"} or {"authorization": "Bearer …"}) is answered
 *    connection_ack; then subscribe/next/error/complete per operation id, ping/pong. Close codes
 *    as the protocol says: 4400 a malformed message, 4401 subscribe before connection_ack, 4403 a
 *    refused token, 4409 an id in use, 4429 a second connection_init; and http/ws.h's (4000 too
 *    slow, 4001 idle, 1001 stopping).
 *
 * A subscription is one hub subscriber with the caller's visibility (events_viewer: public
 * events, the caller's own private ones, all for an admin — GET /api/v1/events's rules). For
 * each event the operation runs once with the event as its root object (GQL_SUB_RUN); an event
 * the operation's kinds do not name sends nothing. The Event type reads only the event itself,
 * so a run does no storage I/O: it is safe on the hub's notify thread (SSE writes from there)
 * and on the WebSocket loop. The document is parsed, validated and measured once, at the
 * subscription (kept in the subscription's arena); each event only executes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/events_out.h"
#include "api/graphql_sub.h"
#include "core/json.h"
#include "core/util.h"
#include "graphql/pheme_schema.h"
#include "http/sse.h"
#include "http/ws.h"
#include "core/banned.h"

#define RUN_ARENA (1 << 20)
#define TAKE_MAX 32

/* ---- one run of an operation ---- */

typedef struct {
  app *a;
  work_principal who;
  int64_t viewer;
  int admin;
} caller;

static void caller_of(caller *c, app *a, const principal *p) {
  memset(c, 0, sizeof *c);
  c->a = a;
  c->who.user_id = p->user_id;
  c->who.roles = p->roles;
  memcpy(c->who.address, p->address, 20);
  events_viewer(p, &c->viewer, &c->admin);
}

/* Runs the request in body as c. mode GQL_SUB_CHECK: in the arena keep (which must outlive the
 * subscription); a subscription is checked only and res->doc is its checked document, anything
 * else runs. mode GQL_SUB_RUN: doc (checked before) runs on event ev, in an arena of its own, with
 * no parse or validation again. out gets the response document. Returns 0, or -1 when the request
 * object is malformed (err says why) or the answer is too large. */
static int run_op(const caller *c, const json_t *body, int read_only, int mode, const events_msg *ev,
                  const gql_document *doc, arena *keep, buf *out, gql_result *res, int *skip, char *err, size_t errlen) {
  gql_service *svc = graphql_service_of(c->a->cfg);
  if (!svc) {
    snprintf(err, errlen, "the GraphQL schema did not build (see the log)");
    return -1;
  }
  gql_request rq;
  if (gql_request_from_json(body, &rq, err, errlen)) return -1;
  rq.read_only = read_only;
  arena tmp;
  arena *ar = keep;
  if (mode == GQL_SUB_RUN) {
    arena_init(&tmp, RUN_ARENA);
    ar = &tmp;
  }
  gqlp_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.store = c->a->store;
  ctx.who = c->who;
  ctx.actor = (store_actor){c->who.user_id, ""};
  ctx.chain_id = (uint64_t)c->a->cfg->chain_id;
  ctx.cfg = c->a->cfg;
  ctx.boards = c->a->boards;
  ctx.event = ev;
  gql_exec_options opt = {.app = &ctx, .root = ev, .subscription = mode};
  int rc = mode == GQL_SUB_RUN ? gql_service_run_checked(svc, doc, &rq, &opt, ar, out, res)
                               : gql_service_run(svc, &rq, &opt, ar, out, res);
  if (skip) *skip = ctx.event_skip;
  if (mode == GQL_SUB_RUN) arena_release(&tmp);
  if (rc) snprintf(err, errlen, "the answer is larger than %zu bytes", out->cap);
  return rc ? -1 : 0;
}

/* ---- GraphQL over SSE ---- */

int graphql_wants_stream(http_req *r) {
  const char *acc = http_request_header(r, "Accept");
  return acc && strstr(acc, "text/event-stream") != NULL;
}

typedef struct {
  caller c;
  json_t *body;
  int read_only;
  arena ar;                /* the checked document lives here */
  const gql_document *doc; /* the subscription's, checked once */
  events_sub *sub;
  sse_stream *stream; /* atomic: set once sse_start returned */
  buf pend;
  size_t off;
  int ending; /* after pend: end the stream */
} gsse;

/* One SSE event; data split into one "data:" line per line of text. */
static int sse_frame(buf *b, const char *event, const char *data, size_t len) {
  int err = buf_adds(b, "event: ") | buf_adds(b, event) | buf_adds(b, "\n");
  const char *p = data, *end = data + len;
  if (len == 0) err |= buf_adds(b, "data: \n");
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    err |= buf_adds(b, "data: ") | buf_add(b, p, n) | buf_adds(b, "\n");
    p = nl ? nl + 1 : end;
  }
  return err | buf_adds(b, "\n");
}

static void sse_notify(void *ctx) {
  gsse *g = ctx;
  sse_stream *s = __atomic_load_n(&g->stream, __ATOMIC_ACQUIRE);
  if (s) sse_wake(s);
}

static ssize_t sse_produce(void *ctx, char *out, size_t max) {
  gsse *g = ctx;
  if (g->off == g->pend.len) {
    buf_clear(&g->pend);
    g->off = 0;
    if (g->ending) return -1;
    if (!g->sub) return 0;
    events_msg *m[TAKE_MAX];
    events_take t = events_sub_take(g->sub, m, TAKE_MAX);
    int err = 0;
    for (int i = 0; i < t.n; i++) {
      buf res;
      buf_init(&res, API_ANSWER_MAX);
      gql_result gr;
      int skip = 0;
      char why[200];
      if (run_op(&g->c, g->body, g->read_only, GQL_SUB_RUN, m[i], g->doc, NULL, &res, &gr, &skip, why, sizeof why) == 0 &&
          !skip)
        err |= sse_frame(&g->pend, "next", res.data, res.len);
      buf_release(&res);
      events_msg_release(m[i]);
    }
    if (t.heartbeat && g->pend.len == 0) err |= buf_adds(&g->pend, ": heartbeat\n\n");
    if (t.dropped) {
      char line[300];
      int n = snprintf(line, sizeof line, "{\"errors\":[{\"message\":\"%s\"}]}", t.dropped);
      err |= sse_frame(&g->pend, "next", line, (size_t)n) | sse_frame(&g->pend, "complete", "", 0);
      g->ending = 1;
    }
    if (err) return -1;
    if (g->pend.len == 0) return 0;
  }
  size_t n = g->pend.len - g->off;
  if (n > max) n = max;
  memcpy(out, g->pend.data + g->off, n);
  g->off += n;
  return (ssize_t)n;
}

static void sse_closed(void *ctx) {
  gsse *g = ctx;
  events_sub_close(g->sub);
  json_decref(g->body);
  buf_release(&g->pend);
  arena_release(&g->ar);
  free(g);
}

void graphql_stream(http_req *r, json_t *body, int read_only) {
  app *a = req_app(r);
  gsse *g = calloc(1, sizeof *g);
  if (!g) {
    json_decref(body);
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  caller_of(&g->c, a, &r->who);
  g->body = body;
  g->read_only = read_only;
  arena_init(&g->ar, RUN_ARENA);
  buf_init(&g->pend, API_ANSWER_MAX + 4096);
  buf first;
  buf_init(&first, API_ANSWER_MAX);
  gql_result res;
  char why[200];
  int rc = run_op(&g->c, body, read_only, GQL_SUB_CHECK, NULL, NULL, &g->ar, &first, &res, NULL, why, sizeof why);
  g->doc = rc ? NULL : res.doc;
  if (rc || res.status != 200) {
    if (rc) {
      http_error(r, PHEME_GQL_REQUEST, "%s", why);
    } else {
      if (res.status == 405) http_header(r, "Allow", "POST");
      size_t n;
      char *text = buf_detach(&first, &n);
      http_body(r, res.status, text, n, "application/json");
    }
    buf_release(&first);
    sse_closed(g);
    return;
  }
  if (!res.subscription) {
    /* a query or mutation: its one result, then complete */
    if (sse_frame(&g->pend, "next", first.data, first.len) || sse_frame(&g->pend, "complete", "", 0)) {
      buf_release(&first);
      sse_closed(g);
      http_error(r, PHEME_SYS_NOMEM, NULL);
      return;
    }
    g->ending = 1;
  } else {
    if (!a->events) {
      buf_release(&first);
      sse_closed(g);
      http_error(r, PHEME_API_UNAVAILABLE, "the event hub is not running in this process");
      return;
    }
    events_sub_options o = {g->c.viewer, g->c.admin, 0, NULL, (int)a->cfg->events_queue, sse_notify, g};
    g->sub = events_hub_subscribe(a->events, &o, NULL);
    if (!g->sub) {
      buf_release(&first);
      sse_closed(g);
      http_error(r, PHEME_API_UNAVAILABLE, "the event hub is stopping");
      return;
    }
    if (buf_adds(&g->pend, ": connected\n\n")) {
      buf_release(&first);
      sse_closed(g);
      http_error(r, PHEME_SYS_NOMEM, NULL);
      return;
    }
  }
  buf_release(&first);
  sse_source src = {sse_produce, sse_closed, g};
  sse_stream *s = sse_start(r, &src);
  if (!s) {
    sse_closed(g);
    return;
  }
  __atomic_store_n(&g->stream, s, __ATOMIC_RELEASE);
  sse_wake(s);
}

/* ---- graphql-transport-ws ---- */

int graphql_wants_ws(http_req *r) {
  const char *up = http_request_header(r, "Upgrade");
  for (const char *p = up; p && *p; p++)
    if (strncasecmp(p, "websocket", 9) == 0) return 1;
  return 0;
}

#define OP_ID_MAX GQLWS_ID_MAX

typedef struct {
  char id[OP_ID_MAX + 1];
  json_t *body;
  arena *ar;               /* the checked document lives here */
  const gql_document *doc;
  events_sub *sub;
} wop;

typedef struct {
  caller c;
  ws_conn *conn; /* atomic: set when opened */
  int inited, acked;
  wop ops[GQL_WS_SUBS_MAX];
  int nops;
} gws;

static void ws_notify(void *ctx) {
  gws *g = ctx;
  ws_conn *c = __atomic_load_n(&g->conn, __ATOMIC_ACQUIRE);
  if (c) ws_wake(c);
}

static void ws_opened(ws_conn *c, void *ctx) {
  gws *g = ctx;
  __atomic_store_n(&g->conn, c, __ATOMIC_RELEASE);
}

/* Sends {"id":id,"type":type,"payload":payload} (payload JSON text, or NULL: none). */
static void ws_msg(gws *g, const char *type, const char *id, const char *payload, size_t plen) {
  buf b;
  buf_init(&b, API_ANSWER_MAX + 4096);
  jw w;
  jw_init(&w, &b);
  jw_obj(&w);
  if (id) {
    jw_key(&w, "id");
    jw_str(&w, id);
  }
  jw_key(&w, "type");
  jw_str(&w, type);
  if (payload) {
    jw_key(&w, "payload");
    char *p = malloc(plen + 1);
    if (p) {
      memcpy(p, payload, plen);
      p[plen] = 0;
      jw_raw(&w, p, "null");
      free(p);
    }
  }
  jw_end(&w);
  if (!w.err) (void)ws_send_text(g->conn, b.data, b.len);
  buf_release(&b);
}

static wop *op_find(gws *g, const char *id) {
  for (int i = 0; i < g->nops; i++)
    if (strcmp(g->ops[i].id, id) == 0) return &g->ops[i];
  return NULL;
}

static void op_remove(gws *g, wop *o) {
  events_sub_close(o->sub);
  json_decref(o->body);
  if (o->ar) arena_release(o->ar);
  free(o->ar);
  *o = g->ops[--g->nops];
}

/* connection_init's payload: a token authenticates as ws_events' "auth" message does. */
static int ws_auth(gws *g, const json_t *payload) {
  const char *token = json_string_value(json_object_get(payload, "token"));
  const char *authz = json_string_value(json_object_get(payload, "authorization"));
  if (!token && !authz) return 0;
  http_req *r = calloc(1, sizeof *r);
  if (!r) return -1;
  arena_init(&r->arena, 1 << 20);
  r->app = g->c.a;
  r->method = "GET";
  r->path = "/graphql";
  r->route_index = -1;
  r->static_fd = -1;
  const char *h = authz ? authz : arena_printf(&r->arena, "Bearer %s", token);
  char msg[256] = "";
  principal who;
  pheme_err e = h ? api_authenticate(r, h, &who, msg, sizeof msg) : PHEME_SYS_NOMEM;
  if (!e && (!who.kind || !who.kind[0])) e = PHEME_AUTH_INVALID;
  if (!e) caller_of(&g->c, g->c.a, &who);
  arena_release(&r->arena);
  free(r);
  return e ? -1 : 0;
}

static void ws_subscribe(gws *g, ws_conn *c, const char *id, json_t *payload) {
  if (op_find(g, id)) {
    char why[200];
    snprintf(why, sizeof why, "Subscriber for %.100s already exists", id);
    ws_close(c, 4409, why);
    return;
  }
  buf out;
  buf_init(&out, API_ANSWER_MAX);
  gql_result res;
  char why[200];
  arena *ar = malloc(sizeof *ar);
  if (!ar) {
    buf_release(&out);
    ws_close(c, WS_CLOSE_INTERNAL, "out of memory");
    return;
  }
  arena_init(ar, RUN_ARENA);
  int rc = run_op(&g->c, payload, 0, GQL_SUB_CHECK, NULL, NULL, ar, &out, &res, NULL, why, sizeof why);
  if (rc || !res.subscription || g->nops == GQL_WS_SUBS_MAX || !g->c.a->events) {
    arena_release(ar); /* kept only for a subscription that starts */
    free(ar);
    ar = NULL;
  }
  if (rc) {
    buf_release(&out);
    char e[300];
    jw w;
    buf eb;
    buf_init(&eb, 1024);
    jw_init(&w, &eb);
    jw_arr(&w);
    jw_obj(&w);
    jw_key(&w, "message");
    jw_str(&w, why);
    jw_end(&w);
    jw_end(&w);
    snprintf(e, sizeof e, "%s", w.err ? "[]" : eb.data);
    buf_release(&eb);
    ws_msg(g, "error", id, e, strlen(e));
    return;
  }
  if (res.status != 200) {
    /* the errors of the response document are the error message's payload */
    json_t *doc = json_loadb(out.data, out.len, 0, NULL);
    char *errs = doc ? json_dumps(json_object_get(doc, "errors"), JSON_COMPACT) : NULL;
    ws_msg(g, "error", id, errs ? errs : "[]", errs ? strlen(errs) : 2);
    free(errs);
    json_decref(doc);
    buf_release(&out);
    return;
  }
  if (!res.subscription) {
    ws_msg(g, "next", id, out.data, out.len);
    ws_msg(g, "complete", id, NULL, 0);
    buf_release(&out);
    return;
  }
  buf_release(&out);
  if (g->nops == GQL_WS_SUBS_MAX) {
    char e[160];
    snprintf(e, sizeof e, "[{\"message\":\"at most %d operations at once on one connection\"}]", GQL_WS_SUBS_MAX);
    ws_msg(g, "error", id, e, strlen(e));
    return;
  }
  app *a = g->c.a;
  if (!a->events) {
    static const char e[] = "[{\"message\":\"the event hub is not running in this process\"}]";
    ws_msg(g, "error", id, e, sizeof e - 1);
    return;
  }
  wop *o = &g->ops[g->nops];
  memset(o, 0, sizeof *o);
  snprintf(o->id, sizeof o->id, "%s", id);
  events_sub_options so = {g->c.viewer, g->c.admin, 0, NULL, (int)a->cfg->events_queue, ws_notify, g};
  o->sub = events_hub_subscribe(a->events, &so, NULL);
  if (!o->sub) {
    arena_release(ar);
    free(ar);
    ws_close(c, WS_CLOSE_GOING_AWAY, "the event hub is stopping");
    return;
  }
  o->body = json_incref(payload);
  o->ar = ar;
  o->doc = res.doc;
  g->nops++;
}

pheme_err gqlws_msg_parse(const uint8_t *data, size_t len, gqlws_msg *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  json_t *m = NULL;
  char msg[160];
  if (json_parse_body((const char *)data, len, &m, msg, sizeof msg) || !json_is_object(m)) {
    json_decref(m);
    return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "Invalid message received: not a JSON object");
  }
  const char *type = json_string_value(json_object_get(m, "type"));
  json_t *payload = json_object_get(m, "payload");
  json_t *idv = json_object_get(m, "id");
  const char *id = json_string_value(idv);
  int rc = 0;
  if (!type) {
    snprintf(err, errlen, "Invalid message received: no type");
    rc = -1;
  } else if (strcmp(type, "connection_init") == 0 || strcmp(type, "ping") == 0 || strcmp(type, "pong") == 0) {
    out->type = type[0] == 'c' ? GQLWS_INIT : type[1] == 'i' ? GQLWS_PING : GQLWS_PONG;
    if (payload && !json_is_null(payload) && !json_is_object(payload)) {
      snprintf(err, errlen, "Invalid message received: the payload must be an object");
      rc = -1;
    } else if (out->type == GQLWS_INIT && json_is_object(payload)) {
      out->payload = json_incref(payload);
    }
  } else if (strcmp(type, "subscribe") == 0 || strcmp(type, "complete") == 0) {
    out->type = type[0] == 's' ? GQLWS_SUBSCRIBE : GQLWS_COMPLETE;
    size_t n = id ? json_string_length(idv) : 0;
    if (!id || n == 0 || n > GQLWS_ID_MAX || strlen(id) != n) {
      snprintf(err, errlen, "Invalid message received: %s needs an id of 1 to %d bytes", type, GQLWS_ID_MAX);
      rc = -1;
    } else if (out->type == GQLWS_SUBSCRIBE && !json_is_object(payload)) {
      snprintf(err, errlen, "Invalid message received: subscribe needs a payload object");
      rc = -1;
    } else {
      memcpy(out->id, id, n + 1);
      if (out->type == GQLWS_SUBSCRIBE) out->payload = json_incref(payload);
    }
  } else {
    snprintf(err, errlen, "Invalid message received: unknown type '%.40s'", type);
    rc = -1;
  }
  json_decref(m);
  if (rc) {
    json_decref(out->payload);
    out->payload = NULL;
  }
  return rc;
}

static void ws_message(ws_conn *c, void *ctx, int binary, const uint8_t *data, size_t len) {
  gws *g = ctx;
  if (binary) {
    ws_close(c, 4400, "Invalid message received: binary");
    return;
  }
  gqlws_msg m;
  char err[124];
  if (gqlws_msg_parse(data, len, &m, err, sizeof err)) {
    ws_close(c, 4400, err);
    return;
  }
  if (m.type == GQLWS_INIT) {
    if (g->inited) {
      ws_close(c, 4429, "Too many initialisation requests");
    } else {
      g->inited = 1;
      if (m.payload && ws_auth(g, m.payload)) {
        ws_close(c, 4403, "Forbidden");
      } else {
        g->acked = 1;
        ws_msg(g, "connection_ack", NULL, NULL, 0);
      }
    }
  } else if (m.type == GQLWS_PING) {
    ws_msg(g, "pong", NULL, NULL, 0);
  } else if (m.type == GQLWS_SUBSCRIBE) {
    if (!g->acked) ws_close(c, 4401, "Unauthorized");
    else ws_subscribe(g, c, m.id, m.payload);
  } else if (m.type == GQLWS_COMPLETE) {
    wop *o = op_find(g, m.id);
    if (o) op_remove(g, o);
  }
  json_decref(m.payload);
}

static void ws_pump(ws_conn *c, void *ctx) {
  gws *g = ctx;
  int more = 0;
  for (int k = 0; k < g->nops; k++) {
    wop *o = &g->ops[k];
    events_msg *m[TAKE_MAX];
    events_take t = events_sub_take(o->sub, m, TAKE_MAX);
    for (int i = 0; i < t.n; i++) {
      buf res;
      buf_init(&res, API_ANSWER_MAX);
      gql_result gr;
      int skip = 0;
      char why[200];
      if (run_op(&g->c, o->body, 0, GQL_SUB_RUN, m[i], o->doc, NULL, &res, &gr, &skip, why, sizeof why) == 0 && !skip)
        ws_msg(g, "next", o->id, res.data, res.len);
      buf_release(&res);
      events_msg_release(m[i]);
    }
    if (t.dropped) {
      int stopping = strcmp(t.dropped, "the server is stopping") == 0;
      ws_close(c, stopping ? WS_CLOSE_GOING_AWAY : WS_CLOSE_TOO_SLOW, stopping ? "the server is stopping" : "too slow");
      return;
    }
    more |= t.n == TAKE_MAX;
  }
  if (more) ws_wake(c);
}

static void ws_closed(void *ctx) {
  gws *g = ctx;
  while (g->nops) op_remove(g, &g->ops[g->nops - 1]);
  free(g);
}

static const ws_handler gws_handler = {ws_opened, ws_message, ws_pump, ws_closed};

void graphql_ws(http_req *r) {
  app *a = req_app(r);
  gws *g = calloc(1, sizeof *g);
  if (!g) {
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  caller_of(&g->c, a, &r->who);
  ws_options o = {(size_t)a->cfg->ws_message_max, (int)a->cfg->events_heartbeat, GQL_WS_PROTOCOL};
  if (ws_accept(r, &gws_handler, g, &o)) free(g);
}
