/* The HTTP server over libmicrohttpd; see server.h.
 *
 * libmicrohttpd calls the access handler several times per request: once when the headers are in
 * (we answer MHD_YES without a response, which is what keeps keep-alive connections open), once
 * per chunk of body, and once with no data when the body is complete; only then is the route's
 * handler run and the response queued. */
#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/json.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/readctx.h"
#include "core/trace.h"
#include "core/util.h"
#include "http/framing.h"
#include "http/guard.h"
#include "http/internal.h"
#include "core/banned.h"

#define ATOMIC_ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_RELAXED)
#define ATOMIC_GET(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
/* How much of an oversized body is read and dropped before the connection is closed instead. */
#define DISCARD_CEILING ((size_t)16 << 20)
/* How long nothing must be in flight before a graceful stop closes the connections. */
#define STOP_SETTLE_US 100000u

/* A rate-limit check whose answer comes from Redis (ratelimit_take_async): the request goes on
 * when the answer is in. Its states, in r->rl_state: */
enum {
  RL_CHECK_NONE,    /* none in flight */
  RL_CHECK_SENT,    /* asked; the request has not needed the answer yet */
  RL_CHECK_WAITING, /* the request is suspended until the answer (http_suspend) */
  RL_CHECK_DONE     /* answered: r->rl_res */
};

/* ---------- answers ---------- */

static void set_body(http_req *r, int status, char *body, size_t len, const char *type) {
  free(r->out);
  r->status = status;
  r->out = body;
  r->out_len = len;
  r->content_type = type;
  r->answered = 1;
}

/* An answer's most bytes (json_dumps had no limit; this one only stops a runaway tree), and the room
 * reserved up front: most answers fit in 4 KiB, one allocation instead of a doubling series. */
#define JSON_ANSWER_MAX ((size_t)64 << 20)
#define JSON_ANSWER_RESERVE 4000

void http_json(http_req *r, int status, json_t *body) {
  buf b;
  buf_init(&b, JSON_ANSWER_MAX);
  jw w;
  jw_init(&w, &b);
  if (buf_reserve(&b, JSON_ANSWER_RESERVE)) w.err = 1;
  jw_value(&w, body);
  json_decref(body);
  if (w.err) {
    buf_release(&b);
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  size_t n;
  char *text = buf_detach(&b, &n);
  r->error_code = NULL;
  set_body(r, status, text, n, "application/json");
}

/* Written straight from its parts, with no tree: {"error":{"code":…,"message":…,"details":
 * {"requestId":…}}}, the bytes json_dumps wrote for the same tree. */
pheme_err http_error(http_req *r, pheme_err e, const char *fmt, ...) {
  char msg[512];
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
  } else {
    snprintf(msg, sizeof msg, "%s", pheme_err_message(e));
  }
  buf b;
  buf_init(&b, JSON_ANSWER_MAX);
  jw w;
  jw_init(&w, &b);
  if (buf_reserve(&b, 256 + strlen(msg))) w.err = 1;
  jw_obj(&w);
  jw_key(&w, "error");
  jw_obj(&w);
  jw_key(&w, "code");
  jw_str(&w, pheme_err_code(e));
  jw_key(&w, "message");
  jw_str(&w, msg);
  jw_key(&w, "details");
  jw_obj(&w);
  jw_key(&w, "requestId");
  jw_str(&w, r->id);
  jw_end(&w);
  jw_end(&w);
  jw_end(&w);
  size_t n = 0;
  char *text = w.err ? NULL : buf_detach(&b, &n);
  buf_release(&b);
  if (!text) {
    text = strdup("{\"error\":{\"code\":\"SYS003\",\"message\":\"out of memory\"}}");
    n = text ? strlen(text) : 0;
  }
  set_body(r, pheme_err_status(e), text, n, "application/json");
  r->error_code = pheme_err_code(e);
  return e;
}

void http_suspend(http_req *r, void (*resume)(http_req *r)) {
  r->resume = resume;
  r->parking = 1;
  ATOMIC_ADD(&r->srv->parked, 1);
  MHD_suspend_connection(r->conn);
}

void http_resume(http_req *r) { MHD_resume_connection(r->conn); }

void http_no_content(http_req *r) { set_body(r, 204, NULL, 0, NULL); }

void http_response(http_req *r, int status, struct MHD_Response *resp) {
  r->error_code = NULL;
  set_body(r, status, NULL, 0, NULL);
  if (r->custom) MHD_destroy_response(r->custom);
  r->custom = resp;
}

void http_file(http_req *r, int status, int fd, uint64_t offset, uint64_t len, const char *type) {
  if (r->static_fd >= 0) close(r->static_fd);
  r->error_code = NULL;
  set_body(r, status, NULL, 0, type);
  r->static_fd = fd;
  r->static_offset = offset;
  r->static_size = len;
}

void http_body(http_req *r, int status, char *body, size_t len, const char *type) {
  r->error_code = NULL;
  set_body(r, status, body, len, type);
}

void http_header(http_req *r, const char *name, const char *value) {
  if (r->nhdr >= (int)(sizeof r->hdr_name / sizeof r->hdr_name[0]))
    PHEME_BUG("more than %d extra headers", r->nhdr);
  r->hdr_name[r->nhdr] = name;
  r->hdr_value[r->nhdr] = value;
  r->nhdr++;
}

const char *http_param(http_req *r, const char *name) {
  for (int i = 0; i < r->params.n; i++) {
    size_t n = strcspn(r->params.name[i], "/");
    if (strlen(name) == n && strncmp(r->params.name[i], name, n) == 0) return r->params.value[i];
  }
  return NULL;
}

const char *http_query(http_req *r, const char *key) {
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_request_header(http_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* ---------- CORS and security headers ---------- */

static int origin_allowed(http_server *s, const char *origin) {
  for (int i = 0; i < s->norigins; i++)
    if (strcmp(s->origins[i], origin) == 0) return 1;
  return 0;
}

static void add_common_headers(http_server *s, http_req *r, struct MHD_Response *resp) {
  MHD_add_response_header(resp, "X-Request-Id", r->id);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
  if (s->hsts) MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
  if (!r->is_static) {
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    /* unless the handler said how its answer may be cached (immutable content) */
    int own = 0;
    for (int i = 0; i < r->nhdr; i++) own |= strcasecmp(r->hdr_name[i], "Cache-Control") == 0;
    if (!own) MHD_add_response_header(resp, "Cache-Control", "no-store");
  } else {
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self' "
                            "'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
  }
  const char *origin = http_request_header(r, "Origin");
  if (origin && origin_allowed(s, origin)) {
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
    MHD_add_response_header(resp, "Access-Control-Allow-Credentials", "true");
    MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                            "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After");
  }
  MHD_add_response_header(resp, "Vary", "Origin");
  if (r->content_type) MHD_add_response_header(resp, "Content-Type", r->content_type);
  for (int i = 0; i < r->nhdr; i++)
    if (r->hdr_value[i]) MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
  if (ATOMIC_GET(&s->stopping) || r->close_after) MHD_add_response_header(resp, "Connection", "close");
}

static enum MHD_Result queue(http_server *s, http_req *r) {
  struct MHD_Response *resp;
  if (r->custom) {
    resp = r->custom;
    r->custom = NULL;
  } else if (r->static_fd >= 0 && !r->file_held && !(r->file_held = guard_file_take(s))) {
    /* every descriptor of the budget is held by a connection or a file being sent */
    close(r->static_fd);
    r->static_fd = -1;
    r->nhdr = 0; /* the file's headers (its encoding, its tag) */
    http_error(r, PHEME_API_BUSY, "too many open files");
    return queue(s, r);
  } else if (r->static_fd >= 0) {
    resp = MHD_create_response_from_fd_at_offset64(r->static_size, r->static_fd, r->static_offset);
    if (resp) r->static_fd = -1; /* libmicrohttpd owns and closes it now */
  } else {
    resp = MHD_create_response_from_buffer(r->out_len, r->out, MHD_RESPMEM_MUST_FREE);
    if (resp) r->out = NULL;
  }
  if (!resp) return MHD_NO;
  add_common_headers(s, r, resp);
  /* a request that wrote: its client and principal read their own writes from now on (the
   * store's pin, core/readctx.h), set before the answer can reach them */
  if (r->reads.wrote) read_ctx_wrote(&r->reads);
  enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ok;
}

/* ---------- the request's life ---------- */

static int valid_request_id(const char *v) {
  size_t n = strlen(v);
  if (n == 0 || n > 64) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = v[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      return 0;
  }
  return 1;
}

/* Called by libmicrohttpd first for every request, with the raw URI: the request's state is born
 * here, so timing covers the whole request. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
  http_server *s = cls;
  /* malloc, not calloc: the request holds a 2 KiB arena block that needs no zeroing; everything
   * else is cleared below */
  http_req *r = malloc(sizeof *r);
  if (!r) return NULL;
  memset(r, 0, offsetof(http_req, arena));
  memset((char *)r + offsetof(http_req, arena) + sizeof r->arena, 0,
         sizeof *r - offsetof(http_req, arena) - sizeof r->arena);
  arena_init(&r->arena, 16u << 20);
  r->srv = s;
  r->app = s->o.app;
  r->conn = conn;
  r->start_us = time_mono_us();
  r->route_index = -1;
  r->static_fd = -1;
  buf_init(&r->body, s->o.body_limit);
  /* libmicrohttpd decodes %00 into a NUL that would cut the path short: refuse it here, where the
   * raw URI is still visible. */
  r->raw_nul = strstr(uri, "%00") != NULL;
  ATOMIC_ADD(&s->inflight, 1);
  return r;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
  http_server *s = cls;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    ATOMIC_ADD(&s->connections_total, 1);
    ATOMIC_ADD(&s->connections_open, 1);
    guard_opened(s, conn, socket_context);
  } else {
    ATOMIC_ADD(&s->connections_open, -1);
    guard_closed(s, socket_context);
  }
}

/* Frees the buffered body and gives its bytes back to body_memory. */
static void body_drop(http_server *s, http_req *r) {
  buf_release(&r->body);
  if (r->body_charged) __atomic_sub_fetch(&s->body_bytes, r->body_charged, __ATOMIC_RELAXED);
  r->body_charged = 0;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  http_server *s = cls;
  http_req *r = *con_cls;
  (void)toe;
  if (!r) return;
  /* the next request on this connection has its head deadline from now (a connection upgraded
   * to a WebSocket has no next request: ws.c watches it) */
  if (r->status != 101) guard_deadline(guard_of(conn), s->o.head_timeout);
  uint64_t lat = time_mono_us() - r->start_us;
  int slot = r->route_index >= 0 ? r->route_index : (int)s->o.nroutes + 1;
  if (r->status) {
    http_metrics_record(s, slot, r->status, lat);
    if (s->o.log_requests) {
      trace_set_current(&r->trace);
      log_request(r->id, r->method ? r->method : "?", r->route ? r->route->pattern : r->is_static ? "static" : "-",
                  r->path ? r->path : "", r->status, lat, r->error_code);
      trace_set_current(NULL);
    }
  }
  /* a rate-limit check in flight still writes its answer into r: a request with no body waits
   * for it before its handler (rate_wait), so this is only a request that ended in between —
   * which libmicrohttpd does not do; the answer comes within redis_timeout_ms in any case */
  while (__atomic_load_n(&r->rl_state, __ATOMIC_ACQUIRE) == RL_CHECK_SENT) usleep(1000);
  if (r->rl_take) { /* an overlapped check on this thread's connection, whose request ended first */
    rl_result res;
    ratelimit_take_reply(r->rl_take, 0, &res);
  }
  /* woken, but its client closed the connection meanwhile: libmicrohttpd ends the request without
   * calling the handler again, so its second half never ran and it is parked no longer (whoever
   * woke it is done with it: http_resume is its last touch) */
  if (r->resume) ATOMIC_ADD(&s->parked, -1);
  if (r->static_fd >= 0) close(r->static_fd);
  if (r->file_held) guard_file_put(s);
  if (r->custom) MHD_destroy_response(r->custom);
  if (r->body_state && r->route && r->route->stream) r->route->stream->abort(r);
  json_decref(r->json);
  free(r->out);
  body_drop(s, r);
  arena_release(&r->arena);
  free(r);
  *con_cls = NULL;
  ATOMIC_ADD(&s->inflight, -1);
}

typedef struct {
  http_framing f;
  const char *prev_name, *prev_end; /* the previous field's name and the end of its value */
  size_t prev_name_len;
} framing_walk;

static enum MHD_Result framing_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                     const char *value, size_t value_size) {
  framing_walk *w = cls;
  (void)kind;
  if (w->prev_end)
    http_framing_gap(&w->f, (long)((uintptr_t)key - (uintptr_t)w->prev_end), w->prev_name, w->prev_name_len);
  http_framing_field(&w->f, key, key_size, value ? value : "", value ? value_size : 0);
  w->prev_name = key;
  w->prev_name_len = key_size;
  w->prev_end = value ? value + value_size : key + key_size + 1;
  return MHD_YES;
}

/* RFC 9112 framing (framing.h): 0, or answered (and the connection to be closed) and -1. */
static int check_framing(http_server *s, http_req *r, const char *version) {
  framing_walk w = {0};
  http_framing_init(&w.f);
  MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, framing_field, &w);
  /* the last field is followed by the empty line: 2 to 4 bytes to the end of the head */
  const union MHD_ConnectionInfo *hs = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  if (w.prev_end && hs && r->method) {
    long left = (long)((uintptr_t)r->method + hs->header_size - (uintptr_t)w.prev_end);
    if (left >= 0 && left <= 4096 && (left < 2 || left > 4)) http_framing_gap(&w.f, -1, w.prev_name, w.prev_name_len);
  }
  pheme_err e = http_framing_verdict(&w.f, version, http_request_header(r, "Transfer-Encoding"));
  if (!e) return 0;
  ATOMIC_ADD(&s->framing_refused, 1);
  r->close_after = 1;
  http_error(r, e, "%s", w.f.msg);
  return -1;
}

static int method_has_body(const char *m) {
  return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

static int is_json_type(const char *ct) {
  if (!ct) return 0;
  size_t n = strlen("application/json");
  if (strncasecmp(ct, "application/json", n) != 0) return 0;
  ct += n;
  while (*ct == ' ') ct++;
  return *ct == 0 || *ct == ';';
}

/* The checks made once the headers are in; returns 0 or answers and returns -1. */
static int on_headers(http_server *s, http_req *r, const char *version) {
  const char *rid = http_request_header(r, "X-Request-Id");
  if (rid && valid_request_id(rid)) {
    snprintf(r->id, sizeof r->id, "%s", rid);
  } else {
    /* "<process prefix>-<counter in hex, at least 6 digits>", without printf on every request */
    uint64_t n = ATOMIC_ADD(&s->next_id, 1);
    char digits[17];
    int d = 16;
    digits[d] = 0;
    do {
      digits[--d] = "0123456789abcdef"[n & 15];
      n >>= 4;
    } while (n || d > 10);
    size_t pl = strlen(s->id_prefix);
    memcpy(r->id, s->id_prefix, pl);
    r->id[pl] = '-';
    memcpy(r->id + pl + 1, digits + d, (size_t)(17 - d));
  }
  if (check_framing(s, r, version)) return -1;
  if (ATOMIC_GET(&s->stopping)) {
    http_error(r, PHEME_API_UNAVAILABLE, NULL);
    return -1;
  }
  /* a connection of the reserve (accepted over the limit) is for health probes only, one each */
  if (guard_reserve(guard_of(r->conn))) r->close_after = 1;
  if (guard_reserve(guard_of(r->conn)) && strcmp(r->path, "/healthz") != 0 && strcmp(r->path, "/readyz") != 0) {
    http_header(r, "Retry-After", "1");
    http_error(r, PHEME_API_BUSY, "the server is at its connection limit (%d); only /healthz and /readyz are answered",
               s->conn_limit);
    return -1;
  }
  if (r->raw_nul) {
    http_error(r, PHEME_API_BAD_REQUEST, "the URL contains an encoded NUL (%%00)");
    return -1;
  }
  /* CORS preflight: answered for every path, with the allow-list. */
  const char *origin = http_request_header(r, "Origin");
  if (strcmp(r->method, "OPTIONS") == 0 && origin &&
      http_request_header(r, "Access-Control-Request-Method")) {
    if (!origin_allowed(s, origin)) {
      http_error(r, PHEME_SEC_CORS, "origin '%.100s' is not allowed", origin);
      return -1;
    }
    http_header(r, "Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    http_header(r, "Access-Control-Allow-Headers",
                "Authorization, Content-Type, X-Request-Id, X-CSRF-Token");
    http_header(r, "Access-Control-Max-Age", "600");
    http_no_content(r);
    return -1;
  }
  char allow[64];
  /* HEAD is answered as GET; libmicrohttpd leaves the body out. */
  const char *as = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
  route_result m = router_match(s->o.routes, s->o.nroutes, as, r->path, &r->route, &r->params,
                                allow, sizeof allow);
  if (m == ROUTE_FOUND) {
    r->route_index = (int)(r->route - s->o.routes);
  } else if (m == ROUTE_NO_METHOD) {
    char *a = arena_strdup(&r->arena, allow);
    if (a) http_header(r, "Allow", a);
    http_error(r, PHEME_API_METHOD, "method %s is not allowed on %.200s (allowed: %s)", r->method,
               r->path, allow);
    return -1;
  } else {
    if ((strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) && static_serve(s, r))
      return -1;
    http_error(r, PHEME_API_NOT_FOUND, "no route for %s %.200s", r->method, r->path);
    return -1;
  }
  if (method_has_body(r->method) && !r->route->stream) {
    const char *cl = http_request_header(r, "Content-Length");
    const char *te = http_request_header(r, "Transfer-Encoding");
    long long len = 0;
    if (cl && parse_int(cl, 0, (long long)1 << 62, &len) == 0 && (size_t)len > s->o.body_limit) {
      http_error(r, PHEME_API_TOO_LARGE, "request body of %lld bytes is over the limit of %zu",
                 len, s->o.body_limit);
      /* answered at once, so not one byte of it is read; the connection lingers after the
       * answer (guard.h) so the client, still sending, reads the 413 instead of a reset */
      r->close_after = 1;
      return -1;
    }
    if ((len > 0 || te) && !is_json_type(http_request_header(r, "Content-Type"))) {
      http_error(r, PHEME_API_MEDIA_TYPE, "content type must be application/json, not '%.80s'",
                 http_request_header(r, "Content-Type") ? http_request_header(r, "Content-Type")
                                                         : "(none)");
      return -1;
    }
  }
  return 0;
}

/* The client's address as a rate-limit key ("ip:…", IPv6 per /64), from the peer and, behind a
 * trusted proxy, X-Forwarded-For. */
static void client_ip_key(http_server *s, http_req *r, char *client, size_t n) {
  char peer[INET6_ADDRSTRLEN] = "unknown", ip[INET6_ADDRSTRLEN + 1];
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer, sizeof peer);
    else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof peer);
  }
  ratelimit_client_ip(peer, http_request_header(r, "X-Forwarded-For"), s->o.trusted_proxies, ip,
                      sizeof ip);
  if (ratelimit_ip_key(ip, client, n)) snprintf(client, n, "ip:%s", ip);
}

/* The answer's headers; 0 when admitted, else answers 429 and returns -1. */
static int rate_answer(http_req *r, const rl_result *res) {
  http_header(r, "X-RateLimit-Limit", arena_printf(&r->arena, "%d", res->limit));
  http_header(r, "X-RateLimit-Remaining", arena_printf(&r->arena, "%d", res->remaining));
  http_header(r, "X-RateLimit-Reset", arena_printf(&r->arena, "%d", res->reset_s));
  if (res->allowed) return 0;
  http_header(r, "Retry-After", arena_printf(&r->arena, "%d", res->retry_after_s));
  http_error(r, PHEME_API_RATE_LIMITED, "too many requests: %d per minute on this kind of route; retry in %d s",
             res->limit, res->retry_after_s);
  return -1;
}

/* The answer of a check in flight, on the Redis client's reader thread: kept for the request, which
 * is woken if it is already waiting for it (it suspended itself before saying so, so the resume
 * always follows the suspend). */
static void rate_answered(void *arg, const rl_result *res) {
  http_req *r = arg;
  r->rl_res = *res;
  if (__atomic_exchange_n(&r->rl_state, RL_CHECK_DONE, __ATOMIC_ACQ_REL) == RL_CHECK_WAITING) http_resume(r);
}

/* How long the only connection's thread polls for an overlapped check's answer before it sleeps:
 * about one round trip to Redis on loopback. Its core has nothing else to run (one connection is
 * open), and a sleeping thread is woken by the answer, which on a virtual machine whose core went
 * idle costs tens of µs. Measured in docs/internals/http.md, "Overlapped checks". */
#define OVERLAP_SPIN_US 50

/* Whether the handler may run while the caller's rate-limit check is in flight (an overlapped
 * check, docs/internals/http.md): a public GET (or HEAD) of the read class whose answer does not
 * live on. Such a handler only reads, so running it for a caller that turns out refused costs
 * work but changes nothing; its answer is held until the check admits the caller. */
static int overlap_allowed(const http_req *r) {
  const http_route *rt = r->route;
  return rt->rate == RL_READ && rt->role == 0 && !(rt->flags & ROUTE_LIVE) && !rt->stream &&
         (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0);
}

/* Takes a token for the caller; adds the X-RateLimit-* headers. Returns 0, or answers 429; 1 when
 * the answer is still to come from Redis (asked only for a request with no body: it has nothing
 * to read meanwhile; rate_wait takes the answer before the handler runs). An overlapped check
 * (overlap_allowed) returns 0 while its answer is still to come: rate_settle applies it once
 * the handler has answered. */
static int rate_limit(http_server *s, http_req *r, int may_wait) {
  int cls = r->route->rate; /* the route's row says which class */
  if (!s->o.limits || cls < 0 || cls >= RL__CLASSES) return 0;
  char client[96];
  if (r->who.kind && strcmp(r->who.kind, "api_key") == 0) {
    snprintf(client, sizeof client, "key:%lld", (long long)r->who.key_id);
  } else if (r->who.kind && r->who.kind[0]) {
    char hex[41];
    bytes_to_hex(hex, r->who.address, 20);
    snprintf(client, sizeof client, "addr:%s", hex);
  } else {
    client_ip_key(s, r, client, sizeof client);
  }
  rl_result res;
  /* The only connection open on the node asks on its thread's own Redis connection and waits
   * (an overlapped check: once its handler has answered): nothing else needs the thread
   * meanwhile, and the reply then reaches this thread directly, where a parked request needs two
   * wake-ups (the pipe's reader thread, then libmicrohttpd's event loop through its eventfd) and a
   * suspend and a resume. With more connections open the check is pipelined and the request
   * parked, so a thread never waits on Redis while others could run. */
  int overlap = may_wait && overlap_allowed(r);
  if (!may_wait || ATOMIC_GET(&s->connections_open) <= 1) {
    rl_take *t;
    if (!overlap) {
      res = ratelimit_take(s->o.limits, client, (rl_class)cls, time_mono_us());
    } else if (!ratelimit_take_send(s->o.limits, client, (rl_class)cls, time_mono_us(), &res, &t, &overlap)) {
      if (overlap) {
        r->rl_take = t; /* the reply is read on this thread once the handler has answered */
        r->rl_nhdr = r->nhdr;
        return 0;
      }
      ratelimit_take_reply(t, 0, &res); /* a client refused lately: it waits, as before */
    } /* else answered at once: a lease, this node's own bucket, or Redis down */
    return rate_answer(r, &res);
  }
  __atomic_store_n(&r->rl_state, RL_CHECK_SENT, __ATOMIC_RELEASE);
  if (!ratelimit_take_async(s->o.limits, client, (rl_class)cls, time_mono_us(), &res, rate_answered, r,
                            overlap ? &overlap : NULL)) {
    if (!overlap) return 1;
    r->rl_overlap = 1;
    r->rl_nhdr = r->nhdr;
    return 0;
  }
  __atomic_store_n(&r->rl_state, RL_CHECK_NONE, __ATOMIC_RELEASE);
  return rate_answer(r, &res);
}

/* The answer of an overlapped check, once the handler has answered: admitted, the handler's answer
 * goes out with the X-RateLimit-* headers; refused, it is thrown away for the 429. */
static void rate_verdict(http_req *r, const rl_result *res) {
  if (!res->allowed) {
    r->nhdr = r->rl_nhdr;
    if (r->custom) MHD_destroy_response(r->custom);
    r->custom = NULL;
    if (r->static_fd >= 0) close(r->static_fd);
    r->static_fd = -1;
  }
  (void)rate_answer(r, res);
}

/* Resumed when the answer of an overlapped check came after the handler's (rate_settle). */
static void rate_overlap_resume(http_req *r) {
  r->rl_overlap = 0;
  __atomic_store_n(&r->rl_state, RL_CHECK_NONE, __ATOMIC_RELAXED);
  rate_verdict(r, &r->rl_res);
}

/* Once the handler has answered: the answer of an overlapped check applied (rate_verdict). 0 when
 * the answer may be queued, 1 when the request was suspended until the check's answer comes. */
static int rate_settle(http_req *r) {
  if (r->rl_take) {
    rl_result res;
    /* on the thread that sent it, the one serving r; the only connection open when it was sent */
    ratelimit_take_reply(r->rl_take, OVERLAP_SPIN_US, &res);
    r->rl_take = NULL;
    rate_verdict(r, &res);
    return 0;
  }
  if (!r->rl_overlap) return 0;
  if (__atomic_load_n(&r->rl_state, __ATOMIC_ACQUIRE) == RL_CHECK_DONE) {
    rate_overlap_resume(r);
    return 0;
  }
  http_suspend(r, rate_overlap_resume);
  int sent = RL_CHECK_SENT;
  if (!__atomic_compare_exchange_n(&r->rl_state, &sent, RL_CHECK_WAITING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    http_resume(r); /* answered meanwhile: woken at once */
  return 1;
}

/* The route's role, checked once the caller is admitted. Returns 0, or answers and returns -1. */
static int check_role(http_server *s, http_req *r) {
  const http_route *rt = r->route;
  char msg[256] = "";
  if (!rt->role) return 0;
  if (!r->who.kind || !r->who.kind[0]) {
    http_error(r, PHEME_AUTH_MISSING, "this route needs authentication: Authorization: Bearer <key>");
    return -1;
  }
  pheme_err e = s->o.authorize ? s->o.authorize(&r->who, rt->role, msg, sizeof msg)
                               : pheme_fail(PHEME_AUTH_FORBIDDEN, msg, sizeof msg, "no role check is wired");
  if (e) {
    http_error(r, e, "%s", msg);
    return -1;
  }
  return 0;
}

/* Failed authentication costs the server a hash and a storage read before any rate limit could
 * know who the client is, so failures are counted per client address in the sign-in class
 * (rate_limit_auth per minute, a bucket of its own): once a client's failures have used the
 * bucket up, its requests that carry credentials (an Authorization or a Cookie header) are
 * answered 429 from memory, without looking at them, until a token is back. Requests without
 * credentials (public pages) are never held back by this. Returns 0, or answers and returns -1. */
static int authenticate(http_server *s, http_req *r, char *msg, size_t msglen) {
  const char *authz = http_request_header(r, "Authorization");
  int counted = s->o.limits && (authz || http_request_header(r, "Cookie"));
  char client[112] = "";
  if (counted) {
    char ip[96];
    client_ip_key(s, r, ip, sizeof ip);
    snprintf(client, sizeof client, "authfail:%s", ip);
    rl_result res = ratelimit_peek(s->o.limits, client, RL_AUTH, time_mono_us());
    if (!res.allowed) {
      ATOMIC_ADD(&s->auth_refused, 1);
      http_header(r, "Retry-After", arena_printf(&r->arena, "%d", res.retry_after_s));
      http_error(r, PHEME_API_RATE_LIMITED,
                 "too many failed authentications from this address (%d per minute); retry in %d s",
                 res.limit, res.retry_after_s);
      return -1;
    }
  }
  pheme_err e = s->o.authenticate(r, authz, &r->who, msg, msglen);
  if (!e) return 0;
  ATOMIC_ADD(&s->auth_failures, 1);
  /* only credentials refused count: a key that could not be looked up (storage down: 503 SYS002)
   * is no client's fault, and counting it would lock every client out with 429 during an outage */
  if (counted && pheme_err_status(e) / 100 == 4) (void)ratelimit_take(s->o.limits, client, RL_AUTH, time_mono_us());
  http_error(r, e, "%s", msg[0] ? msg : pheme_err_message(e));
  return -1;
}

/* Authenticates, rate-limits and checks the route's role. Returns 0, or answers and returns -1.
 * may_wait: a request with no body may have its rate-limit answer come later (rate_limit); its
 * role is checked then, by rate_wait. */
static int admit(http_server *s, http_req *r, int may_wait) {
  char msg[256] = "";
  /* the keys a write pins and a read looks up (core/readctx.h): the client address, then also
   * the person or key authenticated */
  char key[112];
  int keyed = read_ctx_wanted(); /* only storage with a replica looks at them */
  if (keyed) {
    client_ip_key(s, r, key, sizeof key);
    r->reads = (read_ctx){{read_ctx_key(key), 0}, 1, READ_ANY, 0};
  }
  if (s->o.authenticate && authenticate(s, r, msg, sizeof msg)) return -1;
  if (keyed && r->who.kind && r->who.kind[0]) {
    char hex[41];
    bytes_to_hex(hex, r->who.address, 20);
    snprintf(key, sizeof key, "addr:%s", hex);
    r->reads.keys[r->reads.nkeys++] = read_ctx_key(key);
    if (r->reads.verdict == READ_REPLICA) r->reads.verdict = READ_ANY; /* decided for the address alone */
  }
  int rl = rate_limit(s, r, may_wait);
  if (rl) return rl > 0 ? 0 : -1;
  return check_role(s, r);
}

static void dispatch(http_server *s, http_req *r);

/* The rest of admit once the rate-limit answer is in, then the handler: run by request_step, or
 * when a suspended request is woken (http_suspend). */
static void rate_then_dispatch(http_req *r) {
  __atomic_store_n(&r->rl_state, RL_CHECK_NONE, __ATOMIC_RELAXED);
  if (rate_answer(r, &r->rl_res) || check_role(r->srv, r)) return;
  dispatch(r->srv, r);
}

/* Before the handler of a request whose rate-limit check is in flight: 0 when its answer is in
 * (the handler may run), 1 when the request was suspended until it comes. */
static int rate_wait(http_req *r) {
  if (__atomic_load_n(&r->rl_state, __ATOMIC_ACQUIRE) == RL_CHECK_DONE) return 0;
  http_suspend(r, rate_then_dispatch);
  int sent = RL_CHECK_SENT;
  if (!__atomic_compare_exchange_n(&r->rl_state, &sent, RL_CHECK_WAITING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    http_resume(r); /* answered meanwhile: woken at once */
  return 1;
}

/* A streamed body's start, once the headers are in: admit the caller, then let the route begin
 * (or refuse). Returns 0, or -1 when answered. */
static int stream_open(http_server *s, http_req *r) {
  if (admit(s, r, 0)) return -1;
  if (r->route->stream->begin(r)) {
    if (!r->answered) PHEME_BUG("stream of %s %s refused without an answer", r->route->method, r->route->pattern);
    return -1;
  }
  return 0;
}

/* Runs once the whole body is in (the caller was admitted when the head came in): the answer
 * cache, the body's parse, the handler. */
static void dispatch(http_server *s, http_req *r) {
  const http_route *rt = r->route;
  char msg[256] = "";
  if (s->o.cache && (rt->flags & ROUTE_CACHEABLE) && strcmp(r->method, "GET") == 0) {
    /* The generation is read before storage is: an answer read under it is kept tagged with it,
     * so a write that commits meanwhile makes the entry stale at once. */
    r->cache_gen = s->o.generation(r->app);
    size_t len;
    char *hit = http_cache_get(s->o.cache, r->path, r->cache_gen, time_mono_us(), &len);
    if (hit) {
      http_body(r, 200, hit, len, "application/json");
      http_header(r, "X-Cache", "hit");
      return;
    }
    r->cache_store = 1;
    http_header(r, "X-Cache", "miss");
  }
  if (method_has_body(r->method) && !rt->stream && r->body.len > 0) {
    pheme_err e = json_parse_body(r->body.data, r->body.len, &r->json, msg, sizeof msg);
    if (e) {
      http_error(r, e, "%s", msg);
      return;
    }
  }
  rt->handler(r);
  if (r->parking) return; /* answered later (http_suspend) */
  if (!r->answered) PHEME_BUG("handler of %s %s gave no answer", rt->method, rt->pattern);
  if (r->cache_store && r->status == 200 && r->out)
    http_cache_put(s->o.cache, r->path, r->out, r->out_len, r->cache_gen, time_mono_us());
}

static enum MHD_Result request_step(http_server *s, http_req *r, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size) {
  if (!r->started) {
    r->started = 1;
    r->method = method;
    r->path = url;
    /* Even an early answer waits for the next call: libmicrohttpd keeps a connection alive only
     * when the first call returns MHD_YES without a response. The one exception is a body
     * announced as too large, answered at once so it is never read. */
    guard_conn *g = guard_of(conn);
    /* the head is in: from here the body (if any) has its own deadline, longer for a body
     * announced as large (at GUARD_BODY_MIN_RATE) */
    const char *cl = http_request_header(r, "Content-Length");
    int body = method_has_body(method) || cl || http_request_header(r, "Transfer-Encoding");
    long long announced = 0;
    if (!cl || parse_int(cl, 0, (long long)1 << 40, &announced)) announced = 0;
    guard_deadline(g, body ? s->o.body_timeout + (int)(announced / GUARD_BODY_MIN_RATE) : 0);
    if (on_headers(s, r, version)) {
      if (!r->close_after) return MHD_YES;
      if (body) guard_linger(g);
      return queue(s, r);
    }
    /* A streamed body's refusal (authentication, role, type, announced size) is answered at once
     * too, so not one byte of the body is read. */
    if (r->route->stream) {
      if (!stream_open(s, r)) return MHD_YES;
      guard_linger(g);
      return queue(s, r);
    }
    /* The caller is admitted before its body is read: a refused one's body is dropped, never
     * buffered. A request with no body may wait for its rate-limit answer from Redis without
     * holding the thread (rate_wait). */
    (void)admit(s, r, !body);
    return MHD_YES;
  }
  if (*upload_size) {
    /* A body that outgrows the cap is read and dropped so the answer can be a clean 413 (this
     * libmicrohttpd cannot queue an answer while a body is arriving); past a hard ceiling the
     * connection is dropped instead, so an endless chunked body cannot hold a thread. */
    r->body_seen += *upload_size;
    if (r->route && r->route->stream) {
      if (!r->answered && r->route->stream->piece(r, upload, *upload_size)) {
        if (!r->answered) PHEME_BUG("stream of %s %s failed without an answer", r->route->method, r->route->pattern);
        r->discard_limit = r->body_seen + DISCARD_CEILING;
      }
      *upload_size = 0;
      if (r->answered && r->body_seen > r->discard_limit) {
        guard_linger(guard_of(conn));
        return MHD_NO;
      }
      return MHD_YES;
    }
    if (!r->answered) {
      size_t held = __atomic_add_fetch(&s->body_bytes, *upload_size, __ATOMIC_RELAXED);
      r->body_charged += *upload_size;
      if (s->o.body_memory && held > s->o.body_memory) {
        ATOMIC_ADD(&s->body_refused, 1);
        http_header(r, "Retry-After", "1");
        http_error(r, PHEME_API_BUSY, "request bodies in flight use the server's %zu bytes for them; retry",
                   s->o.body_memory);
        body_drop(s, r);
      } else if (buf_add(&r->body, upload, *upload_size)) {
        r->body_too_large = 1;
        http_error(r, PHEME_API_TOO_LARGE, "request body is over the limit of %zu bytes", s->o.body_limit);
        body_drop(s, r);
      }
    }
    *upload_size = 0;
    if (r->body_seen > s->o.body_limit + DISCARD_CEILING) {
      guard_linger(guard_of(conn));
      return MHD_NO;
    }
    return MHD_YES;
  }
  if (r->resume) {
    /* woken by http_resume: the handler's second half answers */
    void (*resume)(http_req *) = r->resume;
    r->resume = NULL;
    ATOMIC_ADD(&s->parked, -1);
    resume(r);
    if (r->parking) { /* the handler it ran parked in its turn */
      r->parking = 0;
      return MHD_YES;
    }
    if (!r->answered) PHEME_BUG("the resumed handler of %s %s gave no answer", r->method, r->path);
    if (rate_settle(r)) {
      r->parking = 0;
      return MHD_YES; /* suspended until the overlapped check's answer */
    }
    return queue(s, r);
  }
  guard_deadline(guard_of(conn), 0); /* the body is in */
  if (!r->answered && !r->rl_overlap && __atomic_load_n(&r->rl_state, __ATOMIC_ACQUIRE) != RL_CHECK_NONE) {
    if (rate_wait(r)) {
      r->parking = 0;
      return MHD_YES; /* suspended: called again after http_resume */
    }
    rate_then_dispatch(r);
  } else if (!r->answered) {
    dispatch(s, r);
  }
  if (r->parking || rate_settle(r)) {
    r->parking = 0;
    return MHD_YES; /* suspended: called again after http_resume */
  }
  return queue(s, r);
}

/* Every call for a request runs with the request's span current (core/trace.h), so its log
 * lines and outgoing calls carry its trace. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  http_req *r = *con_cls;
  if (!r) return MHD_NO; /* out of memory in on_uri */
  if (!r->started) trace_begin(&r->trace, http_request_header(r, "traceparent"));
  trace_set_current(&r->trace);
  read_ctx_set_current(&r->reads);
  enum MHD_Result res = request_step(cls, r, conn, url, method, version, upload, upload_size);
  read_ctx_set_current(NULL);
  trace_set_current(NULL);
  return res;
}

/* ---------- start and stop ---------- */

static pheme_err parse_listen(const char *listen, struct sockaddr_storage *ss, int *v6, char *err, size_t errlen) {
  char host[256];
  const char *colon = strrchr(listen, ':');
  if (!colon || colon == listen || !colon[1]) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid listen address '%s': expected HOST:PORT", listen);
  }
  size_t hl = (size_t)(colon - listen);
  if (hl >= sizeof host) hl = sizeof host - 1;
  memcpy(host, listen, hl);
  host[hl] = 0;
  long long port;
  if (parse_int(colon + 1, 0, 65535, &port)) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid port in listen address '%s'", listen);
  }
  char *h = host;
  if (h[0] == '[' && h[hl - 1] == ']') {
    h[hl - 1] = 0;
    h++;
  }
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, h, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    *v6 = 0;
    return 0;
  }
  if (inet_pton(AF_INET6, h, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    *v6 = 1;
    return 0;
  }
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  if (getaddrinfo(h, NULL, &hints, &res) != 0 || !res) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "cannot resolve listen host '%s'", h);
  }
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *v6 = res->ai_family == AF_INET6;
  if (*v6) in6->sin6_port = htons((uint16_t)port);
  else in4->sin_port = htons((uint16_t)port);
  freeaddrinfo(res);
  return 0;
}

/* The allow-list: configured origins, or the public URL's scheme://host[:port]. */
static int parse_origins(http_server *s) {
  const char *src = s->o.cors_origins && *s->o.cors_origins ? s->o.cors_origins : s->o.public_url;
  int own = !(s->o.cors_origins && *s->o.cors_origins);
  s->origins = calloc(64, sizeof *s->origins);
  if (!s->origins) return -1;
  for (const char *p = src; *p && s->norigins < 64;) {
    size_t n = strcspn(p, ",");
    const char *a = p, *b = p + n;
    while (a < b && *a == ' ') a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '/')) b--;
    if (own) {
      /* keep scheme://host[:port] of the public URL */
      const char *hs = strstr(a, "://");
      if (hs) {
        const char *slash = memchr(hs + 3, '/', (size_t)(b - hs - 3));
        if (slash) b = slash;
      }
    }
    if (b > a) {
      s->origins[s->norigins] = strndup(a, (size_t)(b - a));
      if (!s->origins[s->norigins]) return -1;
      s->norigins++;
    }
    p += n + (p[n] == ',');
    if (own) break;
  }
  return 0;
}

static void server_free(http_server *s) {
  if (!s) return;
  for (int i = 0; i < s->norigins; i++) free(s->origins[i]);
  free(s->origins);
  free(s->metrics);
  free(s);
}

http_server *http_server_start(const http_options *o, char *err, size_t errlen) {
  http_server *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->o = *o;
  s->metrics = calloc(o->nroutes + 2, sizeof *s->metrics);
  if (!s->metrics || parse_origins(s)) {
    snprintf(err, errlen, "out of memory");
    server_free(s);
    return NULL;
  }
  s->hsts = strncmp(o->public_url, "https://", 8) == 0;
  uint8_t rnd[4];
  if (random_bytes(rnd, sizeof rnd)) memset(rnd, 0, sizeof rnd);
  bytes_to_hex(s->id_prefix, rnd, sizeof rnd);
  struct sockaddr_storage ss;
  int v6 = 0;
  if (parse_listen(o->listen, &ss, &v6, err, errlen)) {
    server_free(s);
    return NULL;
  }
  s->conn_limit = guard_connection_limit(o->max_connections, &s->fd_limit);
  if (o->max_connections > 0 && s->conn_limit < o->max_connections)
    log_warn("max_connections %d does not fit the fd limit of %ld: serving at most %d connections "
             "(raise `ulimit -n`)", o->max_connections, s->fd_limit, s->conn_limit);
  if (guard_start(s)) {
    snprintf(err, errlen, "cannot start the connection guard");
    server_free(s);
    return NULL;
  }
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG |
                   MHD_USE_TURBO | (v6 ? MHD_USE_IPv6 : 0);
  s->d = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, s,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads > 0 ? o->threads : 1),
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)(s->conn_limit + GUARD_RESERVE),
      /* Level 1 of this version (0.9.75) checks only Host and answers its refusal with its head
       * written twice; our own checks (framing.h) cover Host and more, with coded answers. */
      MHD_OPTION_STRICT_FOR_CLIENT, (int)0,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->connection_timeout,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)o->header_limit,
      MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
      MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
      MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
      MHD_OPTION_END);
  if (!s->d) {
    snprintf(err, errlen, "cannot listen on %s (address in use, or not allowed?)", o->listen);
    guard_stop(s);
    server_free(s);
    return NULL;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
  s->port = info ? info->port : 0;
  if (http_metrics_register(s)) {
    snprintf(err, errlen, "the metrics registry is full");
    MHD_stop_daemon(s->d);
    guard_stop(s);
    server_free(s);
    return NULL;
  }
  return s;
}

int http_server_port(http_server *s) { return s->port; }

void http_cache_stats(http_server *s, http_cache_usage *out) {
  if (s->o.cache) http_cache_stats_get(s->o.cache, out);
  else memset(out, 0, sizeof *out);
}
int http_server_inflight(http_server *s) { return ATOMIC_GET(&s->inflight); }
int http_server_connections(http_server *s) { return ATOMIC_GET(&s->connections_open); }

int http_server_stop(http_server *s, int timeout_s) {
  __atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
  /* Quiesce: the daemon stops accepting and hands back the listening socket, which we close so
   * new connections are refused at once; requests already in progress go on. */
  MHD_socket fd = MHD_quiesce_daemon(s->d);
  if (fd != MHD_INVALID_SOCKET) {
    /* Connections the kernel has completed but libmicrohttpd has not accepted yet would be reset
     * by the close, with the requests their clients already sent: hand them over first, so those
     * are answered (503 API009: the server is stopping). */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0) {
      for (;;) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int c = accept(fd, (struct sockaddr *)&peer, &len);
        if (c < 0) break;
        if (MHD_add_connection(s->d, c, (struct sockaddr *)&peer, len) != MHD_YES) close(c);
      }
    }
    close(fd);
  }
  /* In flight are the requests libmicrohttpd has started reading; one already sent on an open
   * connection may still be in the socket's buffer. So the stop waits until nothing has been in
   * flight for a settling time: such requests are read meanwhile and answered (503 API009 when
   * they arrive after the stop began) instead of finding their connection closed. */
  uint64_t deadline = time_mono_us() + (uint64_t)timeout_s * 1000000u, quiet_since = 0;
  while (time_mono_us() < deadline) {
    if (http_server_inflight(s) > 0) {
      quiet_since = 0;
    } else if (!quiet_since) {
      quiet_since = time_mono_us();
    } else if (time_mono_us() - quiet_since >= STOP_SETTLE_US) {
      break;
    }
    usleep(5000);
  }
  int left = http_server_inflight(s);
  /* A parked request's memory is in another thread's hands (a queued store job): stopping the
   * daemon would free it under that thread. Parked work always finishes (storage calls are bounded
   * by the busy timeout), so wait for it past the deadline. */
  for (int waited = 0; ATOMIC_GET(&s->parked) > 0; waited++) {
    if (waited % 500 == 499) log_warn("waiting for %d parked request(s) to finish", ATOMIC_GET(&s->parked));
    usleep(10000);
  }
  MHD_stop_daemon(s->d);
  guard_stop(s);
  http_metrics_unregister(s);
  server_free(s);
  return left;
}
