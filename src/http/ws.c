/* WebSocket connections on one epoll loop thread (ws.h). libmicrohttpd answers the handshake
 * (ws_accept's 101) and then hands the socket to upgrade_done, which passes it to the loop; from
 * there wslay speaks the protocol and the loop does the I/O. A connection leaves the loop when
 * the closing handshake is done, the peer is gone, or it is idle past its deadline; then its
 * handler's closed runs and libmicrohttpd is told to close the socket. */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

#include "core/log.h"
#include "core/util.h"
#include "http/ws.h"
#include "core/banned.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define PUMP_QUEUE_MAX 256 /* messages queued in wslay before pump waits for the client */
#define CLOSE_GRACE_MS 3000 /* after our close frame, how long the client has to answer it */

struct ws_conn {
  ws_conn *prev, *next; /* the loop's list (loop thread) */
  ws_conn *inext;       /* handed over, not yet in the loop (under L.mu) */
  ws_conn *wnext;       /* woken (under L.mu) */
  int in_woken, gone;   /* under L.mu */
  int fd;
  struct MHD_UpgradeResponseHandle *urh;
  wslay_event_context_ptr ws;
  ws_handler h;
  void *ctx;
  ws_options o;
  char *extra; /* bytes libmicrohttpd read past the head */
  size_t extra_len, extra_off;
  int64_t last_seen, last_ping, close_deadline;
  int mask, opened, pump_again, dead;
  int close_code; /* ws_close was called: the close frame follows the messages queued before it */
  char close_reason[124];
};

static struct {
  pthread_mutex_t mu;
  pthread_t thread;
  int started, stopping, epfd, evfd;
  int grace_ms; /* at the stop: how long clients have to answer the close */
  ws_conn *incoming, *woken;
  ws_conn *all; /* loop thread */
  int open;     /* atomic */
  uint64_t opened, refused, msgs_in, msgs_out, closed_idle;
  ws_conn *grave; /* destroyed this pass, freed at its end (loop thread) */
} L = {.mu = PTHREAD_MUTEX_INITIALIZER, .epfd = -1, .evfd = -1};

static void kick(void) {
  uint64_t one = 1;
  if (L.evfd >= 0 && write(L.evfd, &one, sizeof one) < 0 && errno != EAGAIN)
    log_warn("websocket loop: cannot wake it (%s)", strerror(errno));
}

/* ---- wslay callbacks ---- */

static ssize_t on_recv(wslay_event_context_ptr ws, uint8_t *out, size_t len, int flags, void *user) {
  ws_conn *c = user;
  (void)flags;
  if (c->extra_off < c->extra_len) {
    size_t n = c->extra_len - c->extra_off;
    if (n > len) n = len;
    memcpy(out, c->extra + c->extra_off, n);
    c->extra_off += n;
    c->last_seen = time_mono_us() / 1000;
    return (ssize_t)n;
  }
  ssize_t n;
  do n = recv(c->fd, out, len, 0);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    c->last_seen = time_mono_us() / 1000;
    return n;
  }
  wslay_event_set_error(ws, n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? WSLAY_ERR_WOULDBLOCK
                                                                                  : WSLAY_ERR_CALLBACK_FAILURE);
  return -1;
}

static ssize_t on_send(wslay_event_context_ptr ws, const uint8_t *data, size_t len, int flags, void *user) {
  ws_conn *c = user;
  (void)flags;
  ssize_t n;
  do n = send(c->fd, data, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n >= 0) return n;
  wslay_event_set_error(ws, errno == EAGAIN || errno == EWOULDBLOCK ? WSLAY_ERR_WOULDBLOCK
                                                                     : WSLAY_ERR_CALLBACK_FAILURE);
  return -1;
}

static void on_message(wslay_event_context_ptr ws, const struct wslay_event_on_msg_recv_arg *arg, void *user) {
  ws_conn *c = user;
  (void)ws;
  if (c->close_code) return; /* closing: what the client sends now is not read */
  if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) {
    __atomic_add_fetch(&L.msgs_in, 1, __ATOMIC_RELAXED);
    if (c->h.message) c->h.message(c, c->ctx, arg->opcode == WSLAY_BINARY_FRAME, arg->msg, arg->msg_length);
  }
}

/* ---- for handlers ---- */

int ws_send_text(ws_conn *c, const char *data, size_t len) {
  if (c->dead || c->close_code || wslay_event_get_close_sent(c->ws)) return -1;
  struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)data, len};
  if (wslay_event_queue_msg(c->ws, &m)) return -1;
  __atomic_add_fetch(&L.msgs_out, 1, __ATOMIC_RELAXED);
  return 0;
}

size_t ws_queued(ws_conn *c) { return wslay_event_get_queued_msg_count(c->ws); }

/* wslay sends control frames before queued messages: the close frame is queued only once the
 * messages before it are written (settle), so an answer that explains a close arrives first. */
void ws_close(ws_conn *c, uint16_t code, const char *reason) {
  if (c->dead || c->close_code || wslay_event_get_close_sent(c->ws)) return;
  c->close_code = code;
  snprintf(c->close_reason, sizeof c->close_reason, "%s", reason ? reason : "");
  c->close_deadline = time_mono_us() / 1000 + CLOSE_GRACE_MS;
}

void ws_wake(ws_conn *c) {
  pthread_mutex_lock(&L.mu);
  if (!c->gone && !c->in_woken) {
    c->in_woken = 1;
    c->wnext = L.woken;
    L.woken = c;
  }
  pthread_mutex_unlock(&L.mu);
  kick();
}

/* ---- the loop ---- */

static void destroy(ws_conn *c) {
  epoll_ctl(L.epfd, EPOLL_CTL_DEL, c->fd, NULL);
  pthread_mutex_lock(&L.mu);
  c->gone = 1;
  if (c->in_woken) {
    for (ws_conn **p = &L.woken; *p; p = &(*p)->wnext)
      if (*p == c) {
        *p = c->wnext;
        break;
      }
  }
  pthread_mutex_unlock(&L.mu);
  if (c->prev) c->prev->next = c->next;
  else L.all = c->next;
  if (c->next) c->next->prev = c->prev;
  if (c->h.closed) c->h.closed(c->ctx);
  wslay_event_context_free(c->ws);
  c->ws = NULL;
  MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE);
  free(c->extra);
  c->extra = NULL;
  c->next = L.grave; /* freed at the end of the pass: a list of this pass may still name it */
  L.grave = c;
  __atomic_sub_fetch(&L.open, 1, __ATOMIC_RELAXED);
}

static void bury(void) {
  while (L.grave) {
    ws_conn *c = L.grave;
    L.grave = c->next;
    free(c);
  }
}

/* Writes what is queued, asks for more from the handler while there is room, and sets what the
 * socket is watched for. Returns -1 when the connection is over (then it was destroyed). */
static int settle(ws_conn *c) {
  for (int round = 0; round < 4; round++) {
    if (!c->dead && wslay_event_want_write(c->ws) && wslay_event_send(c->ws)) c->dead = 1;
    if (!c->dead && c->close_code && ws_queued(c) == 0 && !wslay_event_get_close_sent(c->ws)) {
      wslay_event_queue_close(c->ws, (uint16_t)c->close_code, (const uint8_t *)c->close_reason,
                              strlen(c->close_reason));
      if (wslay_event_send(c->ws)) c->dead = 1;
    }
    if (c->dead || !c->pump_again || ws_queued(c) >= PUMP_QUEUE_MAX / 2) break;
    c->pump_again = 0;
    if (c->h.pump) c->h.pump(c, c->ctx);
  }
  int want_r = !c->dead && wslay_event_want_read(c->ws), want_w = !c->dead && wslay_event_want_write(c->ws);
  if (!want_r && !want_w) {
    destroy(c);
    return -1;
  }
  int mask = (want_r ? EPOLLIN : 0) | (want_w ? EPOLLOUT : 0);
  if (mask != c->mask) {
    struct epoll_event ev = {.events = (uint32_t)mask, .data.ptr = c};
    if (epoll_ctl(L.epfd, EPOLL_CTL_MOD, c->fd, &ev)) {
      destroy(c);
      return -1;
    }
    c->mask = mask;
  }
  return 0;
}

static void pump(ws_conn *c) {
  if (ws_queued(c) >= PUMP_QUEUE_MAX) {
    c->pump_again = 1; /* when the client has read some */
    return;
  }
  if (c->h.pump) c->h.pump(c, c->ctx);
  if (ws_queued(c) >= PUMP_QUEUE_MAX / 2) c->pump_again = 1;
}

static void adopt(ws_conn *c) {
  c->next = L.all;
  if (L.all) L.all->prev = c;
  L.all = c;
  c->mask = EPOLLIN;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  if (epoll_ctl(L.epfd, EPOLL_CTL_ADD, c->fd, &ev)) {
    c->dead = 1;
    destroy(c);
    return;
  }
  int64_t now = time_mono_us() / 1000;
  c->last_seen = c->last_ping = now;
  c->opened = 1;
  if (c->h.opened) c->h.opened(c, c->ctx);
  /* bytes that came with the head are read now, not when the socket next has some */
  if (c->extra_len && wslay_event_recv(c->ws)) c->dead = 1;
  settle(c);
}

static void tick(int64_t now) {
  for (ws_conn *c = L.all, *next; c; c = next) {
    next = c->next;
    int interval = c->o.ping_interval_s * 1000;
    if (c->close_deadline && now > c->close_deadline) {
      c->dead = 1;
    } else if (L.stopping && !c->close_code) {
      ws_close(c, WS_CLOSE_GOING_AWAY, "the server is stopping");
    } else if (interval > 0 && now - c->last_seen > 2 * interval + 5000) {
      __atomic_add_fetch(&L.closed_idle, 1, __ATOMIC_RELAXED);
      ws_close(c, WS_CLOSE_IDLE, "no frame for two ping intervals");
    } else if (interval > 0 && now - c->last_ping >= interval) {
      struct wslay_event_msg m = {WSLAY_PING, (const uint8_t *)"", 0};
      if (!c->close_code) (void)wslay_event_queue_msg(c->ws, &m);
      c->last_ping = now;
    }
    settle(c);
  }
}

static void *loop_main(void *arg) {
  (void)arg;
  struct epoll_event evs[256];
  int64_t last_tick = 0, stop_deadline = 0;
  for (;;) {
    int n = epoll_wait(L.epfd, evs, 256, 250);
    for (int i = 0; i < n; i++) {
      ws_conn *c = evs[i].data.ptr;
      if (!c || c->gone) continue; /* the wake below runs every pass */
      if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        if (wslay_event_recv(c->ws)) c->dead = 1;
      }
      settle(c); /* a connection destroyed here is not in a later event of this pass: one event per fd */
    }
    uint64_t v;
    while (read(L.evfd, &v, sizeof v) > 0) {
    }
    pthread_mutex_lock(&L.mu);
    ws_conn *in = L.incoming, *woken = L.woken;
    L.incoming = NULL;
    L.woken = NULL;
    for (ws_conn *c = woken; c; c = c->wnext) c->in_woken = 0;
    int stopping = L.stopping;
    pthread_mutex_unlock(&L.mu);
    while (in) {
      ws_conn *c = in;
      in = in->inext;
      adopt(c);
    }
    /* the woken list is read without the lock: connections are destroyed only on this thread,
     * and a destroyed one stays allocated (L.grave) until the pass ends */
    for (ws_conn *c = woken, *next; c; c = next) {
      next = c->wnext;
      if (c->gone) continue;
      pump(c);
      settle(c);
    }
    int64_t now = time_mono_us() / 1000;
    if (now - last_tick >= 1000 || stopping) {
      last_tick = now;
      if (stopping && !stop_deadline) stop_deadline = now + L.grace_ms;
      tick(now);
    }
    bury();
    if (stopping && (!L.all || now > stop_deadline)) break;
  }
  while (L.all) {
    L.all->dead = 1;
    destroy(L.all);
  }
  bury();
  return NULL;
}

static int loop_start_locked(void) {
  if (L.started) return L.stopping ? -1 : 0;
  L.epfd = epoll_create1(EPOLL_CLOEXEC);
  L.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (L.epfd < 0 || L.evfd < 0 || epoll_ctl(L.epfd, EPOLL_CTL_ADD, L.evfd, &ev) ||
      pthread_create(&L.thread, NULL, loop_main, NULL)) {
    if (L.epfd >= 0) close(L.epfd);
    if (L.evfd >= 0) close(L.evfd);
    L.epfd = L.evfd = -1;
    return -1;
  }
  L.started = 1;
  return 0;
}

/* ---- the handshake ---- */

static void upgrade_done(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in,
                         size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh) {
  ws_conn *c = cls;
  (void)conn;
  (void)req_cls;
  c->fd = sock;
  c->urh = urh;
  int fl = fcntl(sock, F_GETFL);
  if (fl >= 0) (void)fcntl(sock, F_SETFL, fl | O_NONBLOCK);
  if (extra_in_size && (c->extra = malloc(extra_in_size))) {
    memcpy(c->extra, extra_in, extra_in_size);
    c->extra_len = extra_in_size;
  }
  struct wslay_event_callbacks cb = {on_recv, on_send, NULL, NULL, NULL, NULL, on_message};
  if (wslay_event_context_server_init(&c->ws, &cb, c)) {
    if (c->h.closed) c->h.closed(c->ctx);
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    free(c->extra);
    free(c);
    return;
  }
  wslay_event_config_set_max_recv_msg_length(c->ws, c->o.message_max);
  __atomic_add_fetch(&L.open, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&L.opened, 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&L.mu);
  c->inext = L.incoming;
  L.incoming = c;
  pthread_mutex_unlock(&L.mu);
  kick();
}

/* Whether a header's comma-separated value holds token (case-insensitive). */
static int has_token(const char *v, const char *token) {
  size_t tl = strlen(token);
  while (v && *v) {
    while (*v == ' ' || *v == '\t' || *v == ',') v++;
    size_t n = strcspn(v, ",");
    size_t m = n;
    while (m && (v[m - 1] == ' ' || v[m - 1] == '\t')) m--;
    if (m == tl && strncasecmp(v, token, tl) == 0) return 1;
    v += n;
  }
  return 0;
}

int ws_accept(http_req *r, const ws_handler *h, void *ctx, const ws_options *o) {
  const char *up = http_request_header(r, "Upgrade"), *conn = http_request_header(r, "Connection");
  const char *ver = http_request_header(r, "Sec-WebSocket-Version"), *key = http_request_header(r, "Sec-WebSocket-Key");
  if (strcmp(r->method, "GET") != 0 || !up || !has_token(up, "websocket") || !conn || !has_token(conn, "upgrade")) {
    __atomic_add_fetch(&L.refused, 1, __ATOMIC_RELAXED);
    http_header(r, "Upgrade", "websocket");
    http_error(r, PHEME_API_BAD_REQUEST, "this is a WebSocket endpoint: send a GET with Upgrade: websocket and Connection: Upgrade");
    return -1;
  }
  if (!ver || strcmp(ver, "13") != 0) {
    __atomic_add_fetch(&L.refused, 1, __ATOMIC_RELAXED);
    http_header(r, "Sec-WebSocket-Version", "13");
    http_error(r, PHEME_API_BAD_REQUEST, "Sec-WebSocket-Version must be 13, not '%.20s'", ver ? ver : "(none)");
    return -1;
  }
  /* the key: base64 of 16 bytes, so 24 characters ending in "==" */
  struct base64_decode_ctx d;
  uint8_t raw[18];
  size_t rawn = sizeof raw;
  base64_decode_init(&d);
  if (!key || strlen(key) != 24 || !base64_decode_update(&d, &rawn, raw, 24, key) ||
      !base64_decode_final(&d) || rawn != 16) {
    __atomic_add_fetch(&L.refused, 1, __ATOMIC_RELAXED);
    http_error(r, PHEME_API_BAD_REQUEST, "Sec-WebSocket-Key must be 16 bytes in base64");
    return -1;
  }
  /* a subprotocol the handler speaks must be among those the client offers; it is echoed */
  const char *offered = http_request_header(r, "Sec-WebSocket-Protocol");
  if (o->subprotocol && (!offered || !has_token(offered, o->subprotocol))) {
    __atomic_add_fetch(&L.refused, 1, __ATOMIC_RELAXED);
    http_error(r, PHEME_API_BAD_REQUEST, "Sec-WebSocket-Protocol must offer '%s'", o->subprotocol);
    return -1;
  }
  struct sha1_ctx s;
  uint8_t dig[SHA1_DIGEST_SIZE];
  sha1_init(&s);
  sha1_update(&s, 24, (const uint8_t *)key);
  sha1_update(&s, sizeof WS_GUID - 1, (const uint8_t *)WS_GUID);
  sha1_digest(&s, sizeof dig, dig);
  char *accept = arena_alloc(&r->arena, BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE) + 1);
  ws_conn *c = calloc(1, sizeof *c);
  pthread_mutex_lock(&L.mu);
  int loop_ok = loop_start_locked() == 0;
  pthread_mutex_unlock(&L.mu);
  struct MHD_Response *resp = c && accept && loop_ok ? MHD_create_response_for_upgrade(upgrade_done, c) : NULL;
  if (!resp) {
    free(c);
    http_error(r, loop_ok ? PHEME_SYS_NOMEM : PHEME_API_UNAVAILABLE, loop_ok ? NULL : "the WebSocket loop is stopping");
    return -1;
  }
  base64_encode_raw(accept, SHA1_DIGEST_SIZE, dig);
  accept[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = 0;
  c->h = *h;
  c->ctx = ctx;
  c->o = *o;
  c->fd = -1;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket");
  MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
  if (o->subprotocol) MHD_add_response_header(resp, "Sec-WebSocket-Protocol", o->subprotocol);
  http_response(r, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
  return 0;
}

void ws_shutdown(int timeout_ms) {
  pthread_mutex_lock(&L.mu);
  int started = L.started && !L.stopping;
  L.stopping = 1;
  L.started = 1; /* no loop starts after this */
  L.grace_ms = timeout_ms > 0 ? timeout_ms : 0;
  pthread_mutex_unlock(&L.mu);
  if (!started) return;
  kick();
  pthread_join(L.thread, NULL);
  close(L.epfd);
  close(L.evfd);
  L.epfd = L.evfd = -1;
}

void ws_metrics_collect(metrics_writer *w, void *ctx) {
  (void)ctx;
  mw_family(w, "pheme_ws_connections", METRIC_GAUGE, "WebSocket connections open now.");
  mw_i64(w, NULL, __atomic_load_n(&L.open, __ATOMIC_RELAXED));
  mw_family(w, "pheme_ws_connections_total", METRIC_COUNTER, "WebSocket connections upgraded.");
  mw_u64(w, NULL, __atomic_load_n(&L.opened, __ATOMIC_RELAXED));
  mw_family(w, "pheme_ws_handshakes_refused_total", METRIC_COUNTER, "WebSocket handshakes refused (400).");
  mw_u64(w, NULL, __atomic_load_n(&L.refused, __ATOMIC_RELAXED));
  mw_family(w, "pheme_ws_messages_total", METRIC_COUNTER, "WebSocket messages, by direction.");
  mw_u64(w, (const char *[]){"direction", "in", NULL}, __atomic_load_n(&L.msgs_in, __ATOMIC_RELAXED));
  mw_u64(w, (const char *[]){"direction", "out", NULL}, __atomic_load_n(&L.msgs_out, __ATOMIC_RELAXED));
  mw_family(w, "pheme_ws_closed_total", METRIC_COUNTER, "WebSocket connections closed by the server, by cause.");
  mw_u64(w, (const char *[]){"cause", "idle", NULL}, __atomic_load_n(&L.closed_idle, __ATOMIC_RELAXED));
}
