/* GET /ws: the event stream over a WebSocket (docs/internals/events.md). The transport is
 * http/ws.h; this file speaks the protocol of api/ws_proto.h on it:
 *
 *  - The caller is who the upgrade request authenticated (Authorization header or the session
 *    cookie), or, for clients that cannot set headers, who an "auth" message names (before any
 *    subscription; a refused token closes with 1008). Without either: public events only.
 *  - "subscribe" starts (or, once subscribed, changes the kinds of) the subscription; with
 *    lastEventId it first replays the rows after that event. Answer: {"type":"subscribed",…}.
 *  - Events come as {"type":"event","event":{…the event…}}; errors as {"type":"error",
 *    "message":…,"id":…}; "ping" is answered {"type":"pong"}.
 *  - Close codes: 1000 after the client's close, 1001 server stopping, 1003 a binary message,
 *    1007 not JSON, 1008 a refused token, 1009 a message over ws_message_max, 4000 too slow
 *    (its queue of events_queue filled), 4001 idle (no frame, not even a pong, for two ping
 *    intervals of events_heartbeat). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/events_out.h"
#include "api/ws_proto.h"
#include "core/util.h"
#include "http/ws.h"
#include "store/events.h"
#include "core/banned.h"

typedef struct {
  app *a;
  ws_conn *conn; /* atomic: set when opened */
  events_sub *sub;
  int64_t viewer;
  int admin, authed;
} wsx;

static void reply(wsx *x, const char *type, const char *tag, const char *key, const char *text) {
  buf b;
  jw w;
  buf_init(&b, 1 << 16);
  jw_init(&w, &b);
  jw_obj(&w);
  jw_key(&w, "type");
  jw_str(&w, type);
  if (key) {
    jw_key(&w, key);
    jw_str(&w, text);
  }
  if (tag && tag[0]) {
    jw_key(&w, "id");
    jw_str(&w, tag);
  }
  jw_end(&w);
  if (!w.err) (void)ws_send_text(x->conn, b.data, b.len);
  buf_release(&b);
}

static void on_notify(void *ctx) {
  wsx *x = ctx;
  ws_conn *c = __atomic_load_n(&x->conn, __ATOMIC_ACQUIRE);
  if (c) ws_wake(c);
}

static void opened(ws_conn *c, void *ctx) {
  wsx *x = ctx;
  __atomic_store_n(&x->conn, c, __ATOMIC_RELEASE);
  reply(x, "welcome", NULL, "viewer", x->authed ? (x->admin ? "admin" : "person") : "anonymous");
}

static void authenticate(wsx *x, const ws_client_msg *m) {
  if (x->sub) {
    reply(x, "error", m->tag, "message", "authenticate before subscribing");
    return;
  }
  if (x->authed) {
    reply(x, "error", m->tag, "message", "already authenticated");
    return;
  }
  /* the API's own check (api_authenticate), on a request of our own making: it reads only the
   * application and an arena */
  http_req *r = calloc(1, sizeof *r);
  if (!r) {
    ws_close(x->conn, WS_CLOSE_INTERNAL, "out of memory");
    return;
  }
  arena_init(&r->arena, 1 << 20);
  r->app = x->a;
  r->method = "GET";
  r->path = "/ws";
  r->route_index = -1;
  r->static_fd = -1;
  char *authz = arena_printf(&r->arena, "Bearer %s", m->token), msg[256] = "";
  principal who;
  pheme_err e = authz ? api_authenticate(r, authz, &who, msg, sizeof msg) : PHEME_SYS_NOMEM;
  if (!e && (!who.kind || !who.kind[0])) e = PHEME_AUTH_INVALID;
  if (!e) {
    events_viewer(&who, &x->viewer, &x->admin);
    x->authed = 1;
    reply(x, "authenticated", m->tag, "viewer", x->admin ? "admin" : "person");
  } else {
    char why[300];
    snprintf(why, sizeof why, "%s", msg[0] ? msg : pheme_err_message(e));
    reply(x, "error", m->tag, "message", why);
    ws_close(x->conn, WS_CLOSE_POLICY, "authentication failed");
  }
  arena_release(&r->arena);
  free(r);
}

static void subscribe(wsx *x, const ws_client_msg *m) {
  if (x->sub) {
    if (events_sub_set_kinds(x->sub, m->kinds)) reply(x, "error", m->tag, "message", "kinds too long");
    else reply(x, "subscribed", m->tag, "kinds", m->kinds[0] ? m->kinds : "*");
    return;
  }
  event_cursor from;
  int have = 0;
  if (m->last_event_id > 0) {
    pheme_err e = store_events_cursor_of(x->a->store, m->last_event_id, &from);
    if (e == PHEME_DATA_NOT_FOUND) {
      from.txid = 0;
      from.id = m->last_event_id;
      e = PHEME_OK;
    }
    if (e) {
      reply(x, "error", m->tag, "message", "storage unavailable; retry");
      return;
    }
    have = 1;
  }
  events_sub_options o = {x->viewer, x->admin, 0, m->kinds, (int)x->a->cfg->events_queue, on_notify, x};
  x->sub = events_hub_subscribe(x->a->events, &o, have ? &from : NULL);
  if (!x->sub) {
    ws_close(x->conn, WS_CLOSE_GOING_AWAY, "the event hub is stopping");
    return;
  }
  reply(x, "subscribed", m->tag, "kinds", m->kinds[0] ? m->kinds : "*");
}

static void message(ws_conn *c, void *ctx, int binary, const uint8_t *data, size_t len) {
  wsx *x = ctx;
  if (binary) {
    ws_close(c, WS_CLOSE_UNSUPPORTED, "binary messages are not understood; send JSON text");
    return;
  }
  ws_client_msg *m = malloc(sizeof *m);
  if (!m) {
    ws_close(c, WS_CLOSE_INTERNAL, "out of memory");
    return;
  }
  char err[256];
  ws_parse_result rc = ws_client_msg_parse(data, len, m, err, sizeof err);
  if (rc == WS_PARSE_NOT_JSON) {
    ws_close(c, WS_CLOSE_INVALID, "a message must be a UTF-8 JSON object");
  } else if (rc == WS_PARSE_BAD) {
    reply(x, "error", m->tag, "message", err);
  } else if (m->type == WSM_AUTH) {
    authenticate(x, m);
  } else if (m->type == WSM_SUBSCRIBE) {
    subscribe(x, m);
  } else if (m->type == WSM_UNSUBSCRIBE) {
    events_sub_close(x->sub);
    x->sub = NULL;
    reply(x, "unsubscribed", m->tag, NULL, NULL);
  } else {
    reply(x, "pong", m->tag, NULL, NULL);
  }
  free(m);
}

static void pump(ws_conn *c, void *ctx) {
  wsx *x = ctx;
  if (!x->sub) return;
  events_msg *m[64];
  events_take t = events_sub_take(x->sub, m, 64);
  for (int i = 0; i < t.n; i++) {
    buf b;
    buf_init(&b, m[i]->json_len + 64);
    if (!buf_adds(&b, "{\"type\":\"event\",\"event\":") && !buf_add(&b, m[i]->json, m[i]->json_len) &&
        !buf_addc(&b, '}'))
      (void)ws_send_text(c, b.data, b.len);
    buf_release(&b);
    events_msg_release(m[i]);
  }
  if (t.dropped) {
    reply(x, "error", NULL, "message", t.dropped);
    int stopping = strcmp(t.dropped, "the server is stopping") == 0;
    ws_close(c, stopping ? WS_CLOSE_GOING_AWAY : WS_CLOSE_TOO_SLOW, stopping ? "the server is stopping" : "too slow");
  } else if (t.n == 64) {
    ws_wake(c); /* more may be waiting */
  }
}

static void closed(void *ctx) {
  wsx *x = ctx;
  events_sub_close(x->sub);
  free(x);
}

static const ws_handler handler = {opened, message, pump, closed};

void events_ws(http_req *r) {
  app *a = req_app(r);
  if (!a->events) {
    http_error(r, PHEME_API_UNAVAILABLE, "the event hub is not running in this process");
    return;
  }
  wsx *x = calloc(1, sizeof *x);
  if (!x) {
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  x->a = a;
  events_viewer(&r->who, &x->viewer, &x->admin);
  x->authed = r->who.kind && r->who.kind[0];
  ws_options o = {(size_t)a->cfg->ws_message_max, (int)a->cfg->events_heartbeat};
  if (ws_accept(r, &handler, x, &o)) free(x);
}
