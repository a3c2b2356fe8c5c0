/* Tests of src/chain/rpc.c against scripted nodes: small HTTP servers on 127.0.0.1 (one pthread
 * each, ephemeral port, plain sockets) that answer each request with the next step of a script:
 * a body, a status, a slow answer, an endless chunked answer. Every server stops by itself after
 * a few seconds, and every client has short timeouts, so the whole file runs in a few seconds. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "chain/rpc.h"
#include "chain/rpcnode.h"
#include "test.h"
#include "core/banned.h"

/* ---- the scripted node ---- */

typedef enum { ANS_BODY, ANS_SLOW, ANS_CHUNKED_FOREVER } ans_kind;

typedef struct {
  ans_kind kind;
  int status;       /* ANS_BODY, ANS_SLOW; 0 = 200 */
  const char *body; /* "@ID" is replaced by the id of a single request */
  int delay_ms;     /* ANS_SLOW */
} ans;

typedef struct {
  int fd, port;
  pthread_t th;
  atomic_int stop;
  const ans *script;
  int n;
  atomic_int served;
  char last_req[4096];
} node;

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void answer_body(int fd, int status, const char *tmpl, const char *req) {
  char body[4096];
  const char *at = strstr(tmpl, "@ID");
  if (at) {
    const char *idp = strstr(req, "\"id\":");
    long long id = idp ? strtoll(idp + 5, NULL, 10) : -1;
    snprintf(body, sizeof body, "%.*s%lld%s", (int)(at - tmpl), tmpl, id, at + 3);
  } else {
    snprintf(body, sizeof body, "%s", tmpl);
  }
  rpcnode_reply(fd, status, body, strlen(body), 1);
}

static void answer_forever(node *s, int fd, long deadline) {
  static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n";
  static char chunk[8 + 65536 + 2];
  memcpy(chunk, "10000\r\n", 7);
  memset(chunk + 7, ' ', 65536);
  chunk[7] = '[';
  memcpy(chunk + 7 + 65536, "\r\n", 2);
  rpcnode_send_all(fd, head, sizeof head - 1);
  while (!s->stop && now_ms() < deadline) {
    if (send(fd, chunk, 7 + 65536 + 2, MSG_NOSIGNAL) <= 0) return;
  }
}

static void *node_main(void *arg) {
  node *s = arg;
  long deadline = now_ms() + 6000; /* stops itself */
  while (!s->stop && now_ms() < deadline) {
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    if (poll(&p, 1, 20) <= 0) continue;
    int fd = accept(s->fd, NULL, NULL);
    if (fd < 0) continue;
    char req[sizeof s->last_req], *b;
    if (rpcnode_read_request(fd, req, sizeof req, 2, &b) < 0) {
      close(fd);
      continue;
    }
    snprintf(s->last_req, sizeof s->last_req, "%s", b);
    int k = atomic_fetch_add(&s->served, 1);
    ans a = k < s->n ? s->script[k] : (ans){ANS_BODY, 503, "{}", 0};
    if (a.kind == ANS_SLOW) {
      long until = now_ms() + a.delay_ms;
      while (!s->stop && now_ms() < until) usleep(5000);
    }
    if (a.kind == ANS_CHUNKED_FOREVER) answer_forever(s, fd, deadline);
    else answer_body(fd, a.status, a.body, req);
    close(fd);
  }
  return NULL;
}

static int node_start(node *s, const ans *script, int n) {
  memset(s, 0, sizeof *s);
  s->script = script;
  s->n = n;
  s->fd = rpcnode_listen(&s->port);
  if (s->fd < 0) return -1;
  return pthread_create(&s->th, NULL, node_main, s) == 0 ? 0 : -1;
}

static void node_stop(node *s) {
  s->stop = 1;
  pthread_join(s->th, NULL);
  close(s->fd);
}

static void node_url(const node *s, char *out, size_t cap) {
  snprintf(out, cap, "http://127.0.0.1:%d/rpc", s->port);
}

/* A port nobody listens on: bound, then closed. */
static void refused_url(char *out, size_t cap) {
  int port = 0, fd = rpcnode_listen(&port);
  if (fd >= 0) close(fd);
  snprintf(out, cap, "http://127.0.0.1:%d/", port);
}

static rpc_options fast_options(void) {
  rpc_options o;
  rpc_options_init(&o);
  o.timeout_ms = 2000;
  o.connect_timeout_ms = 500;
  o.retries = 0;
  o.backoff_ms = 10;
  o.backoff_max_ms = 40;
  return o;
}

/* One client on one scripted node. */
static rpc_client *client1(node *s, const ans *script, int n, const rpc_options *o) {
  if (node_start(s, script, n) != 0) return NULL;
  char url[64];
  node_url(s, url, sizeof url);
  const char *eps[] = {url};
  return rpc_client_new(eps, 1, o);
}

/* ---- tests ---- */

/* Two scripted nodes, s first and t second, and a client over both (it copies the endpoints).
 * NULL when a node does not start or the client is refused. */
static rpc_client *two_nodes(node *s, const ans *a, int na, node *t, const ans *b, int nb,
                             const rpc_options *o) {
  if (node_start(s, a, na) || node_start(t, b, nb)) return NULL;
  char u1[64], u2[64];
  node_url(s, u1, sizeof u1);
  node_url(t, u2, sizeof u2);
  const char *eps[] = {u1, u2};
  return rpc_client_new(eps, 2, o);
}

TEST(rpc_call_returns_the_result) {
  static const ans script[] = {{ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"0x10\"}", 0}};
  node s;
  rpc_options o = fast_options();
  rpc_client *c = client1(&s, script, 1, &o);
  REQUIRE(c);
  arena a;
  arena_init(&a, 0);
  json_t *res = NULL;
  rpc_error err;
  CHECK_INT(rpc_call(c, &a, "eth_blockNumber", NULL, &res, &err), PHEME_OK);
  CHECK_STR(json_string_value(res), "0x10");
  CHECK(strstr(s.last_req, "\"method\":\"eth_blockNumber\"") != NULL);
  CHECK(strstr(s.last_req, "\"jsonrpc\":\"2.0\"") != NULL);
  CHECK(strstr(s.last_req, "\"params\":[]") != NULL);
  json_decref(res);
  arena_release(&a);
  rpc_client_free(c);
  node_stop(&s);
}

TEST(rpc_batch_matches_answers_by_id) {
  static const ans script[] = {
      {ANS_BODY, 0,
       "[{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":\"c\"},"
       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"a\"},"
       "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,\"message\":\"no such method\"}}]",
       0}};
  node s;
  rpc_options o = fast_options();
  rpc_client *c = client1(&s, script, 1, &o);
  REQUIRE(c);
  rpc_request calls[3] = {{.method = "eth_a"}, {.method = "eth_b", .params_json = "[1]"},
                          {.method = "eth_c"}};
  rpc_error err;
  CHECK_INT(rpc_batch(c, NULL, calls, 3, &err), PHEME_OK);
  CHECK_STR(json_string_value(calls[0].result), "a");
  CHECK(calls[1].result == NULL);
  CHECK_INT(calls[1].err.kind, RPC_ERR_RPC);
  CHECK_INT(calls[1].err.code, -32601);
  CHECK(strstr(calls[1].err.message, "'no such method'") != NULL);
  CHECK(strstr(calls[1].err.message, "'eth_b'") != NULL);
  CHECK_STR(json_string_value(calls[2].result), "c");
  CHECK(s.last_req[0] == '[');
  for (int k = 0; k < 3; k++) json_decref(calls[k].result);
  rpc_client_free(c);
  node_stop(&s);
}

static void batch_refused(const char *answer, const char *why) {
  const ans script[] = {{ANS_BODY, 0, answer, 0}};
  node s;
  rpc_options o = fast_options();
  rpc_client *c = client1(&s, script, 1, &o);
  REQUIRE(c);
  rpc_request calls[3] = {{.method = "eth_a"}, {.method = "eth_b"}, {.method = "eth_c"}};
  rpc_error err;
  CHECK_INT(rpc_batch(c, NULL, calls, 3, &err), PHEME_DATA_INVALID);
  CHECK_INT(err.kind, RPC_ERR_MALFORMED);
  if (!strstr(err.message, why)) fprintf(stderr, "  message: %s\n", err.message);
  CHECK(strstr(err.message, why) != NULL);
  CHECK(strstr(err.message, "127.0.0.1") != NULL);
  for (int k = 0; k < 3; k++) CHECK(calls[k].result == NULL);
  rpc_client_free(c);
  node_stop(&s);
}

#define R(id) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"result\":\"x\"}"

TEST(rpc_batch_refuses_missing_foreign_and_duplicate_ids) {
  batch_refused("[" R(1) "," R(2) "]", "2 answers for 3 calls");
  batch_refused("[" R(1) "," R(2) "," R(9) "]", "id 9 is not one of the batch's");
  batch_refused("[" R(1) "," R(2) "," R(2) "]", "id 2 answered twice");
  batch_refused("[" R(1) "," R(2) ",{\"jsonrpc\":\"1.0\",\"id\":3,\"result\":1}]", "not json-rpc 2.0");
  batch_refused("[" R(1) "," R(2) ",{\"jsonrpc\":\"2.0\",\"id\":\"3\",\"result\":1}]",
                "id is not an integer");
  batch_refused(R(1), "not an array");
}

static void call_malformed(const char *answer, const char *why) {
  const ans script[] = {{ANS_BODY, 0, answer, 0}};
  node s;
  rpc_options o = fast_options();
  rpc_client *c = client1(&s, script, 1, &o);
  REQUIRE(c);
  json_t *res = NULL;
  rpc_error err;
  CHECK_INT(rpc_call(c, NULL, "eth_blockNumber", "[]", &res, &err), PHEME_DATA_INVALID);
  CHECK_INT(err.kind, RPC_ERR_MALFORMED);
  CHECK(res == NULL);
  if (!strstr(err.message, why)) fprintf(stderr, "  message: %s\n", err.message);
  CHECK(strstr(err.message, why) != NULL);
  rpc_client_free(c);
  node_stop(&s);
}

TEST(rpc_call_refuses_malformed_answers) {
  call_malformed("{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":", "invalid json");
  call_malformed("{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":1,\"result\":2}", "invalid json");
  call_malformed("{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999999,\"result\":1}", "invalid json");
  call_malformed("{\"jsonrpc\":\"2.0\",\"id\":77,\"result\":1}", "id 77, expected 1");
  call_malformed("{\"id\":@ID,\"result\":1}", "not json-rpc 2.0");
  call_malformed("{\"jsonrpc\":\"2.0\",\"id\":@ID}", "exactly one of result and error");
  call_malformed("{\"jsonrpc\":\"2.0\",\"id\":@ID,\"error\":{\"code\":\"x\"}}", "malformed error object");
  call_malformed("[1,2]", "not an object");
}

TEST(rpc_call_surfaces_the_error_object_without_retrying) {
  static const ans script[] = {
      {ANS_BODY, 0,
       "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"error\":{\"code\":3,\"message\":\"execution reverted\","
       "\"data\":\"0x08c379a0\"}}",
       0}};
  node s, t;
  rpc_options o = fast_options();
  o.retries = 2;
  rpc_client *c = two_nodes(&s, script, 1, &t, script, 1, &o);
  REQUIRE(c);
  arena a;
  arena_init(&a, 0);
  json_t *res = NULL;
  rpc_error err;
  CHECK_INT(rpc_call(c, &a, "eth_call", "[{},\"latest\"]", &res, &err), PHEME_DATA_INVALID);
  CHECK_INT(err.kind, RPC_ERR_RPC);
  CHECK_INT(err.code, 3);
  CHECK_INT(err.endpoint, 0);
  CHECK(strstr(err.message, "'execution reverted'") != NULL);
  CHECK(strstr(err.message, "'eth_call'") != NULL);
  CHECK_STR(err.data, "\"0x08c379a0\"");
  CHECK_INT(s.served, 1);
  CHECK_INT(t.served, 0);
  arena_release(&a);
  rpc_client_free(c);
  node_stop(&s);
  node_stop(&t);
}

TEST(rpc_call_returns_4xx_without_failover) {
  static const ans bad[] = {{ANS_BODY, 400, "{}", 0}};
  static const ans good[] = {{ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":1}", 0}};
  node s, t;
  rpc_options o = fast_options();
  rpc_client *c = two_nodes(&s, bad, 1, &t, good, 1, &o);
  REQUIRE(c);
  json_t *res = NULL;
  rpc_error err;
  CHECK_INT(rpc_call(c, NULL, "eth_x", NULL, &res, &err), PHEME_SYS_IO);
  CHECK_INT(err.kind, RPC_ERR_HTTP);
  CHECK_INT(err.http_status, 400);
  CHECK(strstr(err.message, "http status 400") != NULL);
  CHECK_INT(t.served, 0);
  rpc_client_free(c);
  node_stop(&s);
  node_stop(&t);
}

TEST(rpc_fails_over_from_http_500) {
  static const ans bad[] = {{ANS_BODY, 500, "oops", 0}};
  static const ans good[] = {{ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"ok\"}", 0},
                             {ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"again\"}", 0}};
  node s, t;
  rpc_options o = fast_options();
  rpc_client *c = two_nodes(&s, bad, 1, &t, good, 2, &o);
  REQUIRE(c);
  json_t *res = NULL;
  rpc_error err;
  CHECK_INT(rpc_call(c, NULL, "eth_x", NULL, &res, &err), PHEME_OK);
  CHECK_STR(json_string_value(res), "ok");
  json_decref(res);
  CHECK_INT(s.served, 1);
  /* The endpoint that answered is where the next request starts. */
  CHECK_INT(rpc_call(c, NULL, "eth_x", NULL, &res, &err), PHEME_OK);
  CHECK_STR(json_string_value(res), "again");
  json_decref(res);
  CHECK_INT(s.served, 1);
  CHECK_INT(t.served, 2);
  rpc_client_free(c);
  node_stop(&s);
  node_stop(&t);
}

TEST(rpc_fails_over_from_a_refused_connection) {
  static const ans good[] = {{ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"ok\"}", 0}};
  node t;
  REQUIRE(node_start(&t, good, 1) == 0);
  char u1[64], u2[64];
  refused_url(u1, sizeof u1);
  node_url(&t, u2, sizeof u2);
  const char *eps[] = {u1, u2};
  rpc_options o = fast_options();
  rpc_client *c = rpc_client_new(eps, 2, &o);
  REQUIRE(c);
  json_t *res = NULL;
  rpc_error err;
  CHECK_INT(rpc_call(c, NULL, "eth_x", NULL, &res, &err), PHEME_OK);
  CHECK_STR(json_string_value(res), "ok");
  json_decref(res);
  rpc_client_free(c);
  node_stop(&t);

  /* Alone, with retries: a transport error quoting the endpoint without its path. */
  const char *one[] = {u1};
  o.retries = 2;
  c = rpc_client_new(one, 1, &o);
  REQUIRE(c);
  CHECK_INT(rpc_call(c, NULL, "eth_x", NULL, &res, &err), PHEME_SYS_IO);
  CHECK_INT(err.kind, RPC_ERR_TRANSPORT);
  CHECK(strstr(err.message, "endpoint 'http://127.0.0.1:") != NULL);
  CHECK(strstr(err.message, "/'") == NULL);
  rpc_client_free(c);
}

TEST(rpc_stops_an_endless_chunked_answer_at_the_cap) {
  static const ans script[] = {{ANS_CHUNKED_FOREVER, 0, NULL, 0}};
  node s;
  rpc_options o = fast_options();
  o.timeout_ms = 5000;
  o.retries = 2;
  o.max_response_bytes = 1 << 20;
  rpc_client *c = client1(&s, script, 1, &o);
  REQUIRE(c);
  json_t *res = NULL;
  rpc_error err;
  long t0 = now_ms();
  CHECK_INT(rpc_call(c, NULL, "eth_getLogs", "[{}]", &res, &err), PHEME_DATA_INVALID);
  long took = now_ms() - t0;
  CHECK_INT(err.kind, RPC_ERR_TOO_LARGE);
  CHECK(strstr(err.message, "larger than 1048576 bytes") != NULL);
  CHECK(took < 1500);
  CHECK_INT(s.served, 1); /* too large is not retried: the same request would be as large */
  rpc_client_free(c);
  node_stop(&s);
}

TEST(rpc_times_out_a_slow_endpoint_and_fails_over) {
  static const ans slow[] = {{ANS_SLOW, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"late\"}", 3000}};
  static const ans good[] = {{ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"ok\"}", 0}};
  node s, t;
  rpc_options o = fast_options();
  o.timeout_ms = 300;
  rpc_client *c = two_nodes(&s, slow, 1, &t, good, 1, &o);
  REQUIRE(c);
  json_t *res = NULL;
  rpc_error err;
  long t0 = now_ms();
  CHECK_INT(rpc_call(c, NULL, "eth_x", NULL, &res, &err), PHEME_OK);
  long took = now_ms() - t0;
  CHECK_STR(json_string_value(res), "ok");
  CHECK(took >= 250 && took < 1500);
  json_decref(res);
  rpc_client_free(c);
  node_stop(&s);
  node_stop(&t);
}

TEST(rpc_quantity_parse_is_strict) {
  uint64_t v = 7;
  CHECK_INT(rpc_quantity_parse("0x0", &v), PHEME_OK);
  CHECK_INT(v, 0);
  CHECK_INT(rpc_quantity_parse("0x1a", &v), PHEME_OK);
  CHECK_INT(v, 26);
  CHECK_INT(rpc_quantity_parse("0xffffffffffffffff", &v), PHEME_OK);
  CHECK(v == UINT64_MAX);
  char huge[2 + 70 + 1] = "0x";
  memset(huge + 2, 'f', 70);
  huge[72] = 0;
  v = 7;
  CHECK_INT(rpc_quantity_parse(huge, &v), PHEME_DATA_INVALID);
  CHECK_INT(v, 7);
  const char *bad[] = {"0x10000000000000000", "0x", "0x00", "0x01", "10", "x1", "0xg", "0x1 ",
                       "-0x1", "", " 0x1"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    CHECK_INT(rpc_quantity_parse(bad[k], &v), PHEME_DATA_INVALID);
  CHECK_INT(rpc_quantity_parse(NULL, &v), PHEME_DATA_INVALID);
}

TEST(rpc_check_chain_refuses_another_chain) {
  static const ans script[] = {{ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"0x5\"}", 0}};
  node s;
  rpc_options o = fast_options();
  o.expected_chain_id = 1;
  rpc_client *c = client1(&s, script, 1, &o);
  REQUIRE(c);
  rpc_error err;
  CHECK_INT(rpc_check_chain(c, &err), PHEME_DATA_INVALID);
  CHECK_INT(err.kind, RPC_ERR_WRONG_CHAIN);
  CHECK(strstr(err.message, "on chain 5, expected chain 1") != NULL);
  rpc_client_free(c);
  node_stop(&s);
}

TEST(rpc_check_chain_refuses_huge_chain_ids) {
  static const ans script[] = {
      {ANS_BODY, 0,
       "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"0x1000000000000000000000000000000000000000000000"
       "000000000000000000000000\"}",
       0}};
  node s;
  rpc_options o = fast_options();
  rpc_client *c = client1(&s, script, 1, &o);
  REQUIRE(c);
  rpc_error err;
  CHECK_INT(rpc_check_chain(c, &err), PHEME_DATA_INVALID);
  CHECK_INT(err.kind, RPC_ERR_MALFORMED);
  CHECK(strstr(err.message, "invalid quantity") != NULL);
  CHECK_INT(rpc_chain_id(c), 0);
  rpc_client_free(c);
  node_stop(&s);
}

TEST(rpc_check_chain_detects_a_changed_chain) {
  static const ans script[] = {
      {ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"0x1\"}", 0},
      {ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"0x2\"}", 0},
      {ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"0x2\"}", 0}};
  node s;
  rpc_options o = fast_options();
  rpc_client *c = client1(&s, script, 3, &o);
  REQUIRE(c);
  rpc_error err;
  CHECK_INT(rpc_check_chain(c, &err), PHEME_OK);
  CHECK_INT(rpc_chain_id(c), 1);
  CHECK_INT(rpc_check_chain(c, &err), PHEME_DATA_INVALID);
  CHECK_INT(err.kind, RPC_ERR_WRONG_CHAIN);
  CHECK(strstr(err.message, "on chain 2, expected chain 1") != NULL);
  /* The node is now probed before any use, and refused. */
  json_t *res = NULL;
  CHECK_INT(rpc_call(c, NULL, "eth_blockNumber", NULL, &res, &err), PHEME_DATA_INVALID);
  CHECK_INT(err.kind, RPC_ERR_WRONG_CHAIN);
  CHECK(res == NULL);
  CHECK_INT(rpc_chain_id(c), 1);
  rpc_client_free(c);
  node_stop(&s);
}

TEST(rpc_failover_skips_a_node_of_another_chain) {
  static const ans other[] = {{ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"0x5\"}", 0}};
  static const ans right[] = {{ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"0x1\"}", 0},
                              {ANS_BODY, 0, "{\"jsonrpc\":\"2.0\",\"id\":@ID,\"result\":\"0x99\"}", 0}};
  node s, t;
  rpc_options o = fast_options();
  o.expected_chain_id = 1;
  rpc_client *c = two_nodes(&s, other, 1, &t, right, 2, &o);
  REQUIRE(c);
  json_t *res = NULL;
  rpc_error err;
  CHECK_INT(rpc_call(c, NULL, "eth_blockNumber", NULL, &res, &err), PHEME_OK);
  CHECK_STR(json_string_value(res), "0x99");
  CHECK(strstr(t.last_req, "eth_blockNumber") != NULL);
  CHECK_INT(s.served, 1); /* only the probe: nothing else is sent to a node of another chain */
  json_decref(res);
  rpc_client_free(c);
  node_stop(&s);
  node_stop(&t);
}

TEST(rpc_client_new_refuses_bad_endpoints) {
  const char *bad[] = {"ftp://example.org/"};
  CHECK(rpc_client_new(bad, 1, NULL) == NULL);
  const char *junk[] = {"not a url"};
  CHECK(rpc_client_new(junk, 1, NULL) == NULL);
  CHECK(rpc_client_new(NULL, 0, NULL) == NULL);
  rpc_options o;
  rpc_options_init(&o);
  o.timeout_ms = 0;
  const char *good[] = {"http://127.0.0.1:1/"};
  CHECK(rpc_client_new(good, 1, &o) == NULL);
}

TEST_MAIN(RUN(rpc_call_returns_the_result); RUN(rpc_batch_matches_answers_by_id);
          RUN(rpc_batch_refuses_missing_foreign_and_duplicate_ids);
          RUN(rpc_call_refuses_malformed_answers);
          RUN(rpc_call_surfaces_the_error_object_without_retrying);
          RUN(rpc_call_returns_4xx_without_failover); RUN(rpc_fails_over_from_http_500);
          RUN(rpc_fails_over_from_a_refused_connection);
          RUN(rpc_stops_an_endless_chunked_answer_at_the_cap);
          RUN(rpc_times_out_a_slow_endpoint_and_fails_over); RUN(rpc_quantity_parse_is_strict);
          RUN(rpc_check_chain_refuses_another_chain); RUN(rpc_check_chain_refuses_huge_chain_ids);
          RUN(rpc_check_chain_detects_a_changed_chain);
          RUN(rpc_failover_skips_a_node_of_another_chain); RUN(rpc_client_new_refuses_bad_endpoints))
