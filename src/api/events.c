/* GET /api/v1/events: the event stream as server-sent events (docs/internals/events.md).
 *
 * Each event is one frame: "id: <event id>", "event: <kind>", "data: <the event as JSON>". A
 * client that reconnects with Last-Event-ID (the header EventSource sends, or ?lastEventId=)
 * gets the rows after that one from the table, then live ones. ?kinds=a,b,x.* filters. Without
 * credentials only public events come; with a token (or the session cookie) also the caller's
 * own private ones; an admin sees all. Idle streams get a comment line every events_heartbeat
 * seconds. A stream whose client reads too slowly for its queue (events_queue) gets an "error"
 * event saying so and is closed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/events_out.h"
#include "core/util.h"
#include "eth/address.h"
#include "http/sse.h"
#include "store/events.h"
#include "core/banned.h"

pheme_err events_kinds_check(const char *list, char *msg, size_t msglen) {
  size_t total = strlen(list);
  if (total == 0 || total > EVENTS_KINDS_MAX) {
    snprintf(msg, msglen, "a list of kinds has 1 to %d characters", EVENTS_KINDS_MAX);
    return PHEME_API_BAD_REQUEST;
  }
  int count = 0;
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    int star = n == 1 && p[0] == '*';
    int prefix = n >= 3 && p[n - 1] == '*' && p[n - 2] == '.';
    size_t name = prefix ? n - 2 : n;
    if (!star && (name < (prefix ? 1u : 3u) || name > 64)) {
      snprintf(msg, msglen, "event kind '%.*s' must have 3 to 64 characters", (int)(n > 64 ? 64 : n), p);
      return PHEME_API_BAD_REQUEST;
    }
    for (size_t i = 0; !star && i < name; i++) {
      char c = p[i];
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) {
        snprintf(msg, msglen, "event kind '%.*s' may hold only a-z, 0-9, '_' and '.' (or end in '.*')",
                 (int)(n > 64 ? 64 : n), p);
        return PHEME_API_BAD_REQUEST;
      }
    }
    if (++count > EVENTS_KINDS_LIST_MAX) {
      snprintf(msg, msglen, "at most %d kinds", EVENTS_KINDS_LIST_MAX);
      return PHEME_API_BAD_REQUEST;
    }
    p += n;
    if (*p == ',') {
      p++;
      if (!*p) {
        snprintf(msg, msglen, "the list of kinds ends with a comma");
        return PHEME_API_BAD_REQUEST;
      }
    }
  }
  return 0;
}

void events_viewer(const principal *who, int64_t *viewer, int *admin) {
  int signed_in = who->kind && who->kind[0];
  *viewer = signed_in ? who->user_id : 0;
  *admin = signed_in && (who->roles & ROLE_ADMIN) != 0;
}

typedef struct {
  events_sub *sub;
  sse_stream *stream; /* atomic: set once sse_start returned */
  buf pend;           /* frames written and not yet given to the connection */
  size_t off;
  int hello, ending;
} sse_ctx;

static void on_notify(void *ctx) {
  sse_ctx *c = ctx;
  sse_stream *s = __atomic_load_n(&c->stream, __ATOMIC_ACQUIRE);
  if (s) sse_wake(s);
}

/* One frame per event. The JSON is PHEME's compact writing, but a stored data document could
 * hold a line break between tokens: each line gets its own "data:" field. */
static int frame(buf *b, const events_msg *m) {
  char head[128];
  int n = snprintf(head, sizeof head, "id: %lld\nevent: %s\n", (long long)m->id, m->kind);
  int err = buf_add(b, head, (size_t)n);
  const char *p = m->json, *end = m->json + m->json_len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (len && p[len - 1] == '\r') len--;
    err |= buf_add(b, "data: ", 6);
    err |= buf_add(b, p, len);
    err |= buf_add(b, "\n", 1);
    p = nl ? nl + 1 : end;
  }
  return err | buf_add(b, "\n", 1);
}

static ssize_t produce(void *ctx, char *out, size_t max) {
  sse_ctx *c = ctx;
  if (c->off == c->pend.len) {
    buf_clear(&c->pend);
    c->off = 0;
    if (c->ending) return -1;
    int err = 0;
    if (!c->hello) {
      c->hello = 1;
      err |= buf_adds(&c->pend, "retry: 3000\n: connected\n\n");
    }
    events_msg *m[32];
    events_take t = events_sub_take(c->sub, m, 32);
    for (int i = 0; i < t.n; i++) {
      err |= frame(&c->pend, m[i]);
      events_msg_release(m[i]);
    }
    if (t.heartbeat && c->pend.len == 0) err |= buf_adds(&c->pend, ": heartbeat\n\n");
    if (err) return -1; /* frames past the buffer's cap: end the stream, the client resumes */
    if (t.dropped) {
      char line[256];
      int n = snprintf(line, sizeof line, "event: error\ndata: {\"reason\":\"%s\"}\n\n", t.dropped);
      if (buf_add(&c->pend, line, (size_t)n)) return -1;
      c->ending = 1;
    }
    if (c->pend.len == 0) return 0;
  }
  size_t n = c->pend.len - c->off;
  if (n > max) n = max;
  memcpy(out, c->pend.data + c->off, n);
  c->off += n;
  return (ssize_t)n;
}

static void closed(void *ctx) {
  sse_ctx *c = ctx;
  events_sub_close(c->sub);
  buf_release(&c->pend);
  free(c);
}

/* The cursor to resume from, from Last-Event-ID (or ?lastEventId=). Returns 0 (with *have 0
 * when there is none), or answers 400 and returns the code. */
static pheme_err resume_cursor(http_req *r, event_cursor *from, int *have) {
  const char *v = http_request_header(r, "Last-Event-ID");
  if (!v || !*v) v = http_query(r, "lastEventId");
  *have = 0;
  if (!v || !*v) return 0;
  long long id;
  if (parse_int(v, 0, INT64_MAX, &id))
    return http_error(r, PHEME_API_BAD_REQUEST, "Last-Event-ID '%.40s' is not an event id", v);
  pheme_err e = store_events_cursor_of(req_store(r), id, from);
  if (e == PHEME_DATA_NOT_FOUND) {
    /* a row deleted with its person, or an id from another database: continue after the
     * nearest one this reader can place (the replay then starts at the next row) */
    from->txid = 0;
    from->id = id;
    e = PHEME_OK;
  }
  if (e) return api_fail(r, e, "events");
  *have = 1;
  return 0;
}

void events_stream(http_req *r) {
  app *a = req_app(r);
  if (!a->events) {
    http_error(r, PHEME_API_UNAVAILABLE, "the event hub is not running in this process");
    return;
  }
  const char *kinds = http_query(r, "kinds");
  char msg[200];
  if (kinds && *kinds && events_kinds_check(kinds, msg, sizeof msg)) {
    http_error(r, PHEME_API_BAD_REQUEST, "kinds: %s", msg);
    return;
  }
  /* ?person=ADDRESS: only events about that person (what the caller may see of them) */
  int64_t person = 0;
  const char *who = http_query(r, "person");
  if (who && *who) {
    uint8_t addr[20];
    user u;
    pheme_error why;
    if (address_parse(addr, who, strlen(who), 0, &why)) {
      http_error(r, PHEME_API_BAD_REQUEST, "person '%.60s' is not an address: %s", who, why.msg);
      return;
    }
    pheme_err e = store_user_by_address(req_store(r), &r->arena, addr, &u);
    if (e) {
      api_fail(r, e, arena_printf(&r->arena, "person %.60s", who));
      return;
    }
    person = u.id;
  }
  event_cursor from;
  int have = 0;
  if (resume_cursor(r, &from, &have)) return;
  sse_ctx *c = calloc(1, sizeof *c);
  if (!c) {
    http_error(r, PHEME_API_BUSY, "out of memory for an event stream");
    return;
  }
  buf_init(&c->pend, 4u << 20);
  events_sub_options o = {0, 0, person, kinds, (int)a->cfg->events_queue, on_notify, c};
  events_viewer(&r->who, &o.viewer, &o.admin);
  c->sub = events_hub_subscribe(a->events, &o, have ? &from : NULL);
  if (!c->sub) {
    buf_release(&c->pend);
    free(c);
    http_error(r, PHEME_API_UNAVAILABLE, "the event hub is not taking subscribers (stopping)");
    return;
  }
  sse_source src = {produce, closed, c};
  sse_stream *s = sse_start(r, &src);
  if (!s) {
    closed(c);
    return;
  }
  __atomic_store_n(&c->stream, s, __ATOMIC_RELEASE);
}
