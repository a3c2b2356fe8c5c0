/* The Ethereum JSON-RPC client over libcurl; see rpc.h and docs/internals/chain.md.
 *
 * Every request goes through rpc__exchange: it walks the endpoints from the one that last
 * answered, sends the body, and hands a parsed answer to a checker (one call, a batch). The
 * checker decides whether the answer is the node's fault (malformed: try the next endpoint) or the
 * request's (an error object: return it). Nothing the node sends is trusted: the body is capped
 * while it arrives, duplicate keys are refused, ids must be exactly the ones sent. */
#include "chain/rpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/trace.h"
#include "core/banned.h"

#define RPC_MAX_REQUEST_BYTES ((size_t)16 << 20)

typedef struct {
  char *url;
  char name[160]; /* scheme://host[:port]: safe to log (no path, query or credentials) */
  int checked;    /* its chain id was seen to be the client's */
} rpc_endpoint;

struct rpc_client {
  CURL *curl;
  struct curl_slist *headers;
  rpc_endpoint *ep;
  int n;
  int current; /* the endpoint that answered last: the next request starts there */
  rpc_options o;
  uint64_t chain_id; /* expected or pinned; 0 = not known yet */
  long long next_id;
  buf body;       /* the answer being received, capped at o.max_response_bytes */
  int too_large;  /* the write callback refused the body */
  long attempt_ms; /* timeout of the next exchange: timeout_ms, or less near the call's deadline */
  char curl_err[CURL_ERROR_SIZE];
};

/* What an answer is checked against: a single call or a batch. */
typedef struct {
  const char *method; /* for messages: the method, or "batch" */
  long long first_id;
  int n;              /* 0 for a single call */
  json_t **result;    /* single call */
  rpc_request *calls; /* batch */
  arena *a;
  rpc_scan_fn scan;   /* rpc_call_scan: tried on the body first */
  void *scan_ctx;
  int *scanned;
} rpc_expect;

static pthread_once_t rpc__once = PTHREAD_ONCE_INIT;
static void rpc__global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void rpc_options_init(rpc_options *o) {
  memset(o, 0, sizeof *o);
  o->timeout_ms = 10000;
  o->connect_timeout_ms = 3000;
  o->retries = 2;
  o->backoff_ms = 200;
  o->backoff_max_ms = 5000;
  o->max_response_bytes = (size_t)16 << 20;
  o->expected_chain_id = 0;
  o->deadline_ms = 60000;
}

uint64_t rpc_chain_id(const rpc_client *c) { return c->chain_id; }

pheme_err rpc_quantity_parse(const char *s, uint64_t *out) {
  if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return PHEME_DATA_INVALID;
  const char *d = s + 2;
  size_t n = strlen(d);
  if (n == 0 || n > 16) return PHEME_DATA_INVALID;
  if (d[0] == '0' && n > 1) return PHEME_DATA_INVALID;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = d[i];
    unsigned x;
    if (ch >= '0' && ch <= '9') x = (unsigned)(ch - '0');
    else if (ch >= 'a' && ch <= 'f') x = (unsigned)(ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F') x = (unsigned)(ch - 'A' + 10);
    else return PHEME_DATA_INVALID;
    v = v << 4 | x;
  }
  *out = v;
  return PHEME_OK;
}

/* ---- errors ---- */

static void rpc__fail(rpc_error *err, rpc_error_kind kind, int endpoint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rpc__fail(rpc_error *err, rpc_error_kind kind, int endpoint, const char *fmt, ...) {
  err->kind = kind;
  err->endpoint = endpoint;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

static pheme_err rpc__code(const rpc_error *err) {
  switch (err->kind) {
    case RPC_ERR_NONE: return PHEME_OK;
    case RPC_ERR_TRANSPORT:
    case RPC_ERR_HTTP: return PHEME_SYS_IO;
    default: return PHEME_DATA_INVALID;
  }
}

/* The node's fault: the same request may succeed on another endpoint or a bit later. */
static int rpc__retryable(const rpc_error *err) {
  switch (err->kind) {
    case RPC_ERR_TRANSPORT:
    case RPC_ERR_MALFORMED:
    case RPC_ERR_WRONG_CHAIN: return 1;
    case RPC_ERR_HTTP: return err->http_status >= 500;
    default: return 0;
  }
}

/* Copies untrusted text for a message: printable ASCII only, at most max bytes. */
static void rpc__sanitize(char *out, size_t cap, const char *s, size_t max) {
  size_t j = 0;
  for (size_t i = 0; s && s[i] && j + 1 < cap && i < max; i++)
    out[j++] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'') ? s[i] : '?';
  out[j] = 0;
}

static void rpc__err_reset(rpc_error *err) {
  memset(err, 0, sizeof *err);
  err->endpoint = -1;
}

/* ---- the client ---- */

static int rpc__endpoint_name(rpc_endpoint *e, const char *url) {
  CURLU *u = curl_url();
  if (!u) return -1;
  char *scheme = NULL, *host = NULL, *port = NULL;
  int rc = -1;
  if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) goto done;
  if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) goto done;
  if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) goto done;
  if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) goto done;
  if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
    snprintf(e->name, sizeof e->name, "%s://%s:%s", scheme, host, port);
  else
    snprintf(e->name, sizeof e->name, "%s://%s", scheme, host);
  rc = 0;
done:
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return rc;
}

static size_t rpc__on_body(char *p, size_t size, size_t nmemb, void *ud) {
  rpc_client *c = ud;
  size_t n = size * nmemb;
  if (buf_add(&c->body, p, n) != 0) {
    c->too_large = 1;
    return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
  }
  return n;
}

static int rpc__options_ok(const rpc_options *o) {
  return o->timeout_ms > 0 && o->connect_timeout_ms > 0 && o->retries >= 0 && o->retries <= 100 &&
         o->backoff_ms >= 0 && o->backoff_max_ms >= o->backoff_ms && o->max_response_bytes > 0 &&
         o->deadline_ms >= 0;
}

rpc_client *rpc_client_new(const char *const *endpoints, int n, const rpc_options *o) {
  pthread_once(&rpc__once, rpc__global_init);
  rpc_options def;
  if (!o) {
    rpc_options_init(&def);
    o = &def;
  }
  if (n < 1 || !endpoints) {
    log_error("rpc client needs at least one endpoint, got %d", n);
    return NULL;
  }
  if (!rpc__options_ok(o)) {
    log_error("invalid rpc options (timeout_ms %ld, connect_timeout_ms %ld, retries %d, "
              "backoff_ms %ld, backoff_max_ms %ld)",
              o->timeout_ms, o->connect_timeout_ms, o->retries, o->backoff_ms, o->backoff_max_ms);
    return NULL;
  }
  rpc_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->o = *o;
  c->chain_id = o->expected_chain_id;
  c->next_id = 1;
  buf_init(&c->body, o->max_response_bytes);
  c->ep = calloc((size_t)n, sizeof *c->ep);
  if (!c->ep) goto fail;
  c->n = n;
  for (int i = 0; i < n; i++) {
    if (!endpoints[i] || rpc__endpoint_name(&c->ep[i], endpoints[i]) != 0) {
      char q[120];
      rpc__sanitize(q, sizeof q, endpoints[i], 100);
      log_error("invalid rpc endpoint '%s' (an http:// or https:// url is expected)", q);
      goto fail;
    }
    c->ep[i].url = strdup(endpoints[i]);
    if (!c->ep[i].url) goto fail;
  }
  c->curl = curl_easy_init();
  c->headers = curl_slist_append(NULL, "Content-Type: application/json");
  if (!c->curl || !c->headers) goto fail;
  CURL *h = c->curl;
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "pheme");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, rpc__on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
  /* Refuses early when Content-Length says too much; chunked bodies are stopped by on_body. */
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_response_bytes);
  return c;
fail:
  rpc_client_free(c);
  return NULL;
}

void rpc_client_free(rpc_client *c) {
  if (!c) return;
  if (c->curl) curl_easy_cleanup(c->curl);
  curl_slist_free_all(c->headers);
  for (int i = 0; c->ep && i < c->n; i++) free(c->ep[i].url);
  free(c->ep);
  buf_release(&c->body);
  free(c);
}

/* ---- one HTTP exchange ---- */

/* POSTs body to endpoint i; on 0, c->body holds a 2xx answer. */
static pheme_err rpc__post(rpc_client *c, int i, const char *what, const buf *req,
                           rpc_error *err) {
  const char *ep = c->ep[i].name;
  buf_clear(&c->body);
  c->too_large = 0;
  c->curl_err[0] = 0;
  curl_easy_setopt(c->curl, CURLOPT_URL, c->ep[i].url);
  curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->attempt_ms);
  curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
                   c->attempt_ms < c->o.connect_timeout_ms ? c->attempt_ms : c->o.connect_timeout_ms);
  curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, req->data);
  curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
  /* the caller's trace goes with the call (core/trace.h): a traceparent of a new span */
  char tp[TRACE_HEADER_LEN + 1];
  struct curl_slist *traced = NULL, *sent = c->headers;
  if (trace_outgoing_header(tp) && (traced = curl_slist_append(curl_slist_append(NULL, "Content-Type: application/json"), tp)))
    sent = traced;
  curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, sent);
  CURLcode rc = curl_easy_perform(c->curl);
  if (traced) {
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_slist_free_all(traced);
  }
  if (c->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    rpc__fail(err, RPC_ERR_TOO_LARGE, i, "answer of endpoint '%s' to '%s' is larger than %zu bytes",
              ep, what, c->o.max_response_bytes);
    return rpc__code(err);
  }
  if (rc != CURLE_OK) {
    rpc__fail(err, RPC_ERR_TRANSPORT, i, "endpoint '%s' failed on '%s': %s", ep, what,
              c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc));
    return rpc__code(err);
  }
  long status = 0;
  curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    rpc__fail(err, RPC_ERR_HTTP, i, "endpoint '%s' answered '%s' with http status %ld", ep, what,
              status);
    err->http_status = (int)status;
    return rpc__code(err);
  }
  return PHEME_OK;
}

/* ---- checking answers ---- */

/* The opening of every message about a malformed answer: endpoint, then method. */
#define BAD_ANSWER "malformed answer of endpoint '%s' to '%s': "

#define MALFORMED(...) \
  do { rpc__fail(err, RPC_ERR_MALFORMED, i, __VA_ARGS__); return PHEME_DATA_INVALID; } while (0)

/* Checks the JSON-RPC 2.0 envelope of one answer object and returns its id in *id. */
static pheme_err rpc__envelope(const char *ep, int i, const char *what, json_t *o, long long *id,
                               rpc_error *err) {
  if (!json_is_object(o)) MALFORMED(BAD_ANSWER "not an object", ep, what);
  json_t *v = json_object_get(o, "jsonrpc");
  if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)
    MALFORMED(BAD_ANSWER "not json-rpc 2.0", ep, what);
  v = json_object_get(o, "id");
  if (!json_is_integer(v)) MALFORMED(BAD_ANSWER "id is not an integer", ep, what);
  *id = (long long)json_integer_value(v);
  int has_result = json_object_get(o, "result") != NULL;
  int has_error = json_object_get(o, "error") != NULL;
  if (has_result == has_error)
    MALFORMED(BAD_ANSWER "needs exactly one of result and error", ep, what);
  return PHEME_OK;
}

/* Reads an error object into *out (kind RPC_ERR_RPC). */
static pheme_err rpc__error_object(const char *ep, int i, const char *what, json_t *e, arena *a,
                                   rpc_error *out, rpc_error *err) {
  json_t *code = json_object_get(e, "code"), *msg = json_object_get(e, "message");
  if (!json_is_object(e) || !json_is_integer(code) || !json_is_string(msg))
    MALFORMED("malformed error object from endpoint '%s' to '%s'", ep, what);
  char m[160];
  rpc__sanitize(m, sizeof m, json_string_value(msg), 150);
  memset(out, 0, sizeof *out);
  rpc__fail(out, RPC_ERR_RPC, i, "endpoint '%s' refused '%s': error %lld '%s'", ep, what,
            (long long)json_integer_value(code), m);
  out->code = (long long)json_integer_value(code);
  json_t *data = json_object_get(e, "data");
  if (data && a) {
    char *text = json_dumps(data, JSON_ENCODE_ANY | JSON_COMPACT);
    if (text) out->data = arena_strdup(a, text);
    free(text);
  }
  return PHEME_OK;
}

static pheme_err rpc__check_call(const char *ep, int i, json_t *root, const rpc_expect *x,
                                 rpc_error *err) {
  long long id;
  pheme_err e = rpc__envelope(ep, i, x->method, root, &id, err);
  if (e) return e;
  if (id != x->first_id)
    MALFORMED(BAD_ANSWER "id %lld, expected %lld", ep,
              x->method, id, x->first_id);
  json_t *eo = json_object_get(root, "error");
  if (eo) {
    e = rpc__error_object(ep, i, x->method, eo, x->a, err, err);
    return e ? e : PHEME_DATA_INVALID;
  }
  *x->result = json_incref(json_object_get(root, "result"));
  return PHEME_OK;
}

static void rpc__batch_clear(rpc_request *calls, int n) {
  for (int k = 0; k < n; k++) {
    json_decref(calls[k].result);
    calls[k].result = NULL;
    memset(&calls[k].err, 0, sizeof calls[k].err);
    calls[k].err.endpoint = -1;
  }
}

static pheme_err rpc__check_batch(const char *ep, int i, json_t *root, const rpc_expect *x,
                                  rpc_error *err) {
  if (json_is_object(root)) {
    /* A node that refuses the batch as a whole (too many calls, batches disabled) answers one
     * error object with a null id; that is an answer about the request, not a broken node. */
    json_t *idv = json_object_get(root, "id"), *eo = json_object_get(root, "error");
    if (eo && (!idv || json_is_null(idv))) {
      pheme_err e = rpc__error_object(ep, i, x->method, eo, x->a, err, err);
      return e ? e : PHEME_DATA_INVALID;
    }
  }
  if (!json_is_array(root)) MALFORMED(BAD_ANSWER "not an array", ep, x->method);
  if (json_array_size(root) != (size_t)x->n)
    MALFORMED(BAD_ANSWER "%zu answers for %d calls", ep, x->method,
              json_array_size(root), x->n);
  rpc__batch_clear(x->calls, x->n);
  size_t k;
  json_t *o;
  json_array_foreach(root, k, o) {
    long long id;
    pheme_err e = rpc__envelope(ep, i, x->method, o, &id, err);
    if (!e && (id < x->first_id || id >= x->first_id + x->n)) {
      rpc__fail(err, RPC_ERR_MALFORMED, i, BAD_ANSWER "id %lld is not one of the batch's",
                ep, x->method, id);
      e = PHEME_DATA_INVALID;
    }
    rpc_request *r = !e ? &x->calls[id - x->first_id] : NULL;
    if (r && (r->result || r->err.kind != RPC_ERR_NONE)) {
      rpc__fail(err, RPC_ERR_MALFORMED, i, BAD_ANSWER "id %lld answered twice",
                ep, x->method, id);
      e = PHEME_DATA_INVALID;
    }
    if (!e) {
      json_t *eo = json_object_get(o, "error");
      if (eo) e = rpc__error_object(ep, i, r->method, eo, x->a, &r->err, err);
      else r->result = json_incref(json_object_get(o, "result"));
    }
    if (e) {
      rpc__batch_clear(x->calls, x->n);
      return e;
    }
  }
  return PHEME_OK; /* n answers, distinct ids all in range: every call is answered */
}

#undef MALFORMED

/* ---- failover and retries ---- */

/* Parses and checks an answer body against what was asked (x). */
static pheme_err rpc__parse(const char *ep, int i, const char *body, size_t len,
                            const rpc_expect *x, rpc_error *err) {
  json_error_t je;
  /* JSON_ALLOW_NUL: nodes put "\u0000" in error messages (anvil quotes raw revert bytes) */
  json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
  if (!root) {
    char why[120];
    rpc__sanitize(why, sizeof why, je.text, 100);
    rpc__fail(err, RPC_ERR_MALFORMED, i, BAD_ANSWER "invalid json at column %d: %s", ep,
              x->method, je.column, why);
    return PHEME_DATA_INVALID;
  }
  pheme_err e = x->n ? rpc__check_batch(ep, i, root, x, err) : rpc__check_call(ep, i, root, x, err);
  json_decref(root);
  return e;
}

pheme_err rpc_answer_parse(const char *body, size_t len, long long first_id, rpc_request *calls,
                           int n, json_t **result, arena *a, rpc_error *err) {
  rpc__err_reset(err);
  if (n > 0) {
    for (int k = 0; k < n; k++) calls[k].result = NULL;
    rpc__batch_clear(calls, n);
  } else {
    *result = NULL;
  }
  rpc_expect x = {.method = n > 0 ? "batch" : "call", .first_id = first_id, .n = n > 0 ? n : 0,
                  .calls = calls, .result = result, .a = a};
  return rpc__parse("answer", -1, body, len, &x, err);
}

static pheme_err rpc__send_one(rpc_client *c, int i, const buf *req, const rpc_expect *x,
                               rpc_error *err) {
  pheme_err e = rpc__post(c, i, x->method, req, err);
  if (e) return e;
  if (x->scan && x->scan(c->body.data ? c->body.data : "", c->body.len, x->first_id, x->scan_ctx)) {
    *x->scanned = 1;
    return PHEME_OK;
  }
  return rpc__parse(c->ep[i].name, i, c->body.data ? c->body.data : "", c->body.len, x, err);
}

static pheme_err rpc__body(buf *req, long long id, const char *method, const char *params) {
  if (buf_printf(req, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"", id) ||
      buf_add_json_str(req, method, strlen(method)) || buf_adds(req, "\",\"params\":") ||
      buf_adds(req, params ? params : "[]") || buf_addc(req, '}'))
    return PHEME_SYS_NOMEM;
  return PHEME_OK;
}

/* Compares the eth_chainId answer of endpoint i with the client's chain id, pinning it when
 * none is known yet. A matching endpoint is marked checked, a mismatching one unchecked (so it is
 * probed again, and skipped, before its next use). */
static pheme_err rpc__chain_verdict(rpc_client *c, int i, const json_t *res, rpc_error *err) {
  uint64_t id;
  const char *s = json_string_value(res);
  if (rpc_quantity_parse(s, &id) != PHEME_OK) {
    char q[80];
    rpc__sanitize(q, sizeof q, s ? s : "(not a string)", 70);
    rpc__fail(err, RPC_ERR_MALFORMED, i,
              "endpoint '%s' answered 'eth_chainId' with invalid quantity '%s'", c->ep[i].name, q);
    c->ep[i].checked = 0;
    return PHEME_DATA_INVALID;
  }
  if (c->chain_id && id != c->chain_id) {
    rpc__fail(err, RPC_ERR_WRONG_CHAIN, i, "endpoint '%s' is on chain %llu, expected chain %llu",
              c->ep[i].name, (unsigned long long)id, (unsigned long long)c->chain_id);
    c->ep[i].checked = 0;
    return PHEME_DATA_INVALID;
  }
  c->chain_id = id;
  c->ep[i].checked = 1;
  return PHEME_OK;
}

/* Before the first request to endpoint i, once the chain id is known: is i on that chain? */
static pheme_err rpc__probe(rpc_client *c, int i, rpc_error *err) {
  if (!c->chain_id || c->ep[i].checked) return PHEME_OK;
  buf req;
  buf_init(&req, 256);
  json_t *res = NULL;
  rpc_expect x = {.method = "eth_chainId", .first_id = c->next_id++, .result = &res};
  pheme_err e = rpc__body(&req, x.first_id, x.method, "[]");
  if (!e) e = rpc__send_one(c, i, &req, &x, err);
  buf_release(&req);
  if (e) return e;
  e = rpc__chain_verdict(c, i, res, err);
  json_decref(res);
  return e;
}

static void rpc__sleep_ms(long ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static long rpc__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Tries the endpoints in rounds until one answers, the request is refused, the rounds run out or
 * the call's deadline (deadline_ms across every attempt and pause) passes. */
static pheme_err rpc__exchange(rpc_client *c, const buf *req, const rpc_expect *x, rpc_error *err) {
  long delay = c->o.backoff_ms;
  long deadline = c->o.deadline_ms ? rpc__now_ms() + c->o.deadline_ms : 0;
  int tried = 0;
  for (int round = 0; round <= c->o.retries; round++) {
    if (round) {
      long pause = delay;
      if (deadline && deadline - rpc__now_ms() < pause) pause = deadline - rpc__now_ms();
      if (pause > 0) rpc__sleep_ms(pause);
      delay = delay > c->o.backoff_max_ms / 2 ? c->o.backoff_max_ms : delay * 2;
    }
    int start = c->current;
    for (int k = 0; k < c->n; k++) {
      int i = (start + k) % c->n;
      c->attempt_ms = c->o.timeout_ms;
      if (deadline) {
        long left = deadline - rpc__now_ms();
        if (left <= 0) goto late;
        if (left < c->attempt_ms) c->attempt_ms = left;
      }
      tried++;
      if (rpc__probe(c, i, err) != PHEME_OK) {
        log_warn("%s", err->message);
        continue; /* whatever went wrong, this endpoint cannot be used now */
      }
      pheme_err e = rpc__send_one(c, i, req, x, err);
      if (!e) {
        c->current = i;
        return PHEME_OK;
      }
      if (!rpc__retryable(err)) return e;
      log_warn("%s", err->message);
    }
  }
  return rpc__code(err);
late:
  if (!tried || err->kind == RPC_ERR_NONE) {
    rpc__fail(err, RPC_ERR_TRANSPORT, -1, "no answer to '%s' within the deadline of %ld ms",
              x->method, c->o.deadline_ms);
  } else {
    char last[200];
    rpc__sanitize(last, sizeof last, err->message, 190);
    rpc__fail(err, err->kind, err->endpoint, "no answer to '%s' within the deadline of %ld ms; "
              "last: %s", x->method, c->o.deadline_ms, last);
  }
  return rpc__code(err);
}

pheme_err rpc_call_scan(rpc_client *c, arena *a, const char *method, const char *params_json,
                        rpc_scan_fn scan, void *ctx, int *scanned, json_t **result,
                        rpc_error *err) {
  rpc__err_reset(err);
  *result = NULL;
  *scanned = 0;
  rpc_expect x = {.method = method, .first_id = c->next_id++, .result = result, .a = a,
                  .scan = scan, .scan_ctx = ctx, .scanned = scanned};
  buf req;
  buf_init(&req, RPC_MAX_REQUEST_BYTES);
  pheme_err e = rpc__body(&req, x.first_id, method, params_json);
  if (e) {
    rpc__fail(err, RPC_ERR_TRANSPORT, -1, "request '%s' too large or out of memory", method);
    buf_release(&req);
    return e;
  }
  e = rpc__exchange(c, &req, &x, err);
  buf_release(&req);
  return e;
}

pheme_err rpc_call(rpc_client *c, arena *a, const char *method, const char *params_json,
                   json_t **result, rpc_error *err) {
  int scanned;
  return rpc_call_scan(c, a, method, params_json, NULL, NULL, &scanned, result, err);
}

pheme_err rpc_batch(rpc_client *c, arena *a, rpc_request *calls, int n, rpc_error *err) {
  rpc__err_reset(err);
  if (n < 1) PHEME_BUG("rpc_batch of %d calls", n);
  for (int k = 0; k < n; k++) calls[k].result = NULL;
  rpc__batch_clear(calls, n);
  rpc_expect x = {.method = "batch", .first_id = c->next_id, .n = n, .calls = calls, .a = a};
  c->next_id += n;
  buf req;
  buf_init(&req, RPC_MAX_REQUEST_BYTES);
  pheme_err e = buf_addc(&req, '[') ? PHEME_SYS_NOMEM : PHEME_OK;
  for (int k = 0; !e && k < n; k++) {
    if (k && buf_addc(&req, ',')) e = PHEME_SYS_NOMEM;
    if (!e) e = rpc__body(&req, x.first_id + k, calls[k].method, calls[k].params_json);
  }
  if (!e && buf_addc(&req, ']')) e = PHEME_SYS_NOMEM;
  if (e) {
    rpc__fail(err, RPC_ERR_TRANSPORT, -1, "batch of %d calls too large or out of memory", n);
    buf_release(&req);
    return e;
  }
  e = rpc__exchange(c, &req, &x, err);
  buf_release(&req);
  return e;
}

pheme_err rpc_check_chain(rpc_client *c, rpc_error *err) {
  json_t *res = NULL;
  pheme_err e = rpc_call(c, NULL, "eth_chainId", "[]", &res, err);
  if (e) return e;
  e = rpc__chain_verdict(c, c->current, res, err);
  json_decref(res);
  return e;
}
