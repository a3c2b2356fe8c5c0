/* The indexer against a hostile or broken node (a unit test: no anvil, only a small scripted
 * JSON-RPC server on 127.0.0.1 built on rpcnode.h — one thread, plain sockets — and PostgreSQL
 * for the last case) that serves a consistent little chain and, when told, lies in one
 * way: malformed JSON, wrong ids, huge numbers, logs of other contracts, removed logs, hashes that
 * do not match, a chain id that changes, slow answers. Each case first indexes the honest chain,
 * then lets the node lie while the chain grows: the step must fail, the cursor and everything
 * stored must stay as they were, and once the node is honest again indexing resumes. Also: a
 * refused log range is halved, the RPC client's deadline bounds a call across retries, and on
 * PostgreSQL a reorg is followed to the same state a fresh SQLite index reaches. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chain/indexer.h"
#include "chain/rpcnode.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/keccak.h"
#include "store/chain_index.h"
#include "test.h"

#ifndef PHEME_SOURCE_DIR /* a unit test: the checkout is two levels above tests/data */
#define PHEME_SOURCE_DIR TEST_DATA_DIR "/../.."
#endif

#define CHAIN 31337
#define TOKEN "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0"
#define STRANGER "0x1111111111111111111111111111111111111111"

typedef enum {
  HONEST,
  NOT_JSON,        /* "{not json" */
  WRONG_ID,        /* every id off by 7 */
  HUGE_ID,         /* ids past 2^64 */
  HUGE_HEAD,       /* a head block number past 2^63 */
  HUGE_LOG_INDEX,  /* a log index past 2^64 */
  OTHER_CONTRACT,  /* a log of an address that was not asked for */
  REMOVED,         /* a log marked removed */
  CHAIN_CHANGED,   /* eth_chainId answers another chain */
  WRONG_BLOCK_HASH, /* a log's block hash is not its block's */
  BROKEN_LINK,     /* a header whose parent is not the previous block */
  BAD_TOPICS,      /* a Transfer log missing an indexed topic */
  WRONG_BLOCK,     /* eth_getBlockByNumber answers another block */
  SLOW,            /* answers after 2 s */
  REFUSE_RANGES,   /* eth_getLogs over more than one block: an error object */
  REORGED,         /* honest, but blocks from 4 on were replaced (other hashes) */
} lie;

typedef struct {
  int fd, port;
  pthread_t th;
  atomic_int stop, mode, head, served_logs_calls;
} node;

static int reorged;

static void block_hash(int n, char out[67]) {
  snprintf(out, 67, "0x%02x%061d%d", n + 1, 0, reorged && n >= 4 ? 7 : 0);
}

static json_t *header(int n, int mode) {
  char h[67], p[67];
  block_hash(n, h);
  block_hash(n - 1, p);
  if (mode == BROKEN_LINK && n == 5) block_hash(9, p);
  char num[24];
  snprintf(num, sizeof num, "0x%x", mode == WRONG_BLOCK ? n + 1 : n);
  return json_pack("{s:s,s:s,s:s,s:s}", "number", num, "hash", h, "parentHash", p, "timestamp", "0x1");
}

/* one Token Transfer(from 0x…01, to 0x…02, value 5) in blocks 2 and 5 */
static json_t *logs(int from, int to, int mode) {
  json_t *a = json_array();
  for (int b = 2; b <= 5; b += 3) {
    if (b < from || b > to) continue;
    char h[67], num[24];
    block_hash(mode == WRONG_BLOCK_HASH ? b + 1 : b, h);
    snprintf(num, sizeof num, "0x%x", b);
    json_t *topics = json_pack(
        "[s,s,s]", "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
        "0x0000000000000000000000000000000000000000000000000000000000000001",
        "0x0000000000000000000000000000000000000000000000000000000000000002");
    if (mode == BAD_TOPICS) json_array_remove(topics, 2);
    json_t *l = json_pack(
        "{s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "address", mode == OTHER_CONTRACT ? STRANGER : TOKEN,
        "topics", topics, "data", "0x0000000000000000000000000000000000000000000000000000000000000005",
        "blockNumber", num, "blockHash", h, "transactionHash",
        "0x00000000000000000000000000000000000000000000000000000000000000aa", "logIndex",
        mode == HUGE_LOG_INDEX ? "0x1ffffffffffffffff" : "0x0", "transactionIndex", "0x0", "removed",
        mode == REMOVED);
    json_array_append_new(a, l);
  }
  return a;
}

static json_t *answer_one(node *s, json_t *call) {
  int mode = atomic_load(&s->mode), head = atomic_load(&s->head);
  reorged = mode == REORGED;
  const char *m = json_string_value(json_object_get(call, "method"));
  json_t *params = json_object_get(call, "params"), *id = json_object_get(call, "id");
  json_t *result = NULL, *error = NULL;
  char q[40];
  if (!m) m = "";
  if (strcmp(m, "eth_chainId") == 0) {
    result = json_string(mode == CHAIN_CHANGED ? "0x1" : "0x7a69");
  } else if (strcmp(m, "eth_blockNumber") == 0) {
    snprintf(q, sizeof q, "0x%x", head);
    result = json_string(mode == HUGE_HEAD ? "0x8000000000000000" : q);
  } else if (strcmp(m, "eth_getBlockByNumber") == 0) {
    uint64_t n = 0;
    if (rpc_quantity_parse(json_string_value(json_array_get(params, 0)), &n) == 0 && (int)n <= head)
      result = header((int)n, mode);
    else
      result = json_null();
  } else if (strcmp(m, "eth_getLogs") == 0) {
    atomic_fetch_add(&s->served_logs_calls, 1);
    json_t *f = json_array_get(params, 0);
    uint64_t from = 0, to = 0;
    if (rpc_quantity_parse(json_string_value(json_object_get(f, "fromBlock")), &from) ||
        rpc_quantity_parse(json_string_value(json_object_get(f, "toBlock")), &to)) {
      error = json_pack("{s:i,s:s}", "code", -32602, "message", "bad range");
    } else if (mode == REFUSE_RANGES && to > from) {
      error = json_pack("{s:i,s:s}", "code", -32005, "message", "query returned more than 10000 results");
    } else {
      result = logs((int)from, (int)to, mode);
    }
  } else {
    error = json_pack("{s:i,s:s}", "code", -32601, "message", "method not found");
  }
  json_t *o = json_pack("{s:s}", "jsonrpc", "2.0");
  if (mode == WRONG_ID) json_object_set_new(o, "id", json_integer(json_integer_value(id) + 7));
  else json_object_set(o, "id", id);
  if (error) json_object_set_new(o, "error", error);
  else json_object_set_new(o, "result", result);
  return o;
}

static void serve_one(node *s, int fd) {
  static char req[1 << 20];
  char *body;
  if (rpcnode_read_request(fd, req, sizeof req, 2, &body) < 0) return;
  int mode = atomic_load(&s->mode);
  if (mode == SLOW) {
    for (int i = 0; i < 200 && !atomic_load(&s->stop); i++) usleep(10000);
  }
  json_t *in = json_loads(body, 0, NULL), *out;
  if (json_is_array(in)) {
    out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(in, i, c) json_array_append_new(out, answer_one(s, c));
  } else {
    out = answer_one(s, in);
  }
  char *text = json_dumps(out, JSON_COMPACT);
  json_decref(in);
  json_decref(out);
  if (mode == NOT_JSON) {
    free(text);
    text = strdup("{not json");
  }
  if (mode == HUGE_ID) { /* every id becomes a number jansson cannot hold */
    size_t cap = strlen(text) * 2 + 64;
    char *p, *big = malloc(cap);
    size_t k = 0;
    for (p = text; *p; p++) {
      if (strncmp(p, "\"id\":", 5) == 0) {
        k += (size_t)snprintf(big + k, cap - k, "\"id\":100000000000000000000000000000");
        p += 5;
        while (*p >= '0' && *p <= '9') p++;
        p--;
        continue;
      }
      big[k++] = *p;
    }
    big[k] = 0;
    free(text);
    text = big;
  }
  rpcnode_reply(fd, 200, text, strlen(text), 1);
  free(text);
}

static void *node_main(void *arg) {
  node *s = arg;
  long until = time_now_ms() + 120000; /* stops by itself */
  while (!atomic_load(&s->stop) && time_now_ms() < until) {
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    if (poll(&p, 1, 20) <= 0) continue;
    int fd = accept(s->fd, NULL, NULL);
    if (fd < 0) continue;
    serve_one(s, fd);
    close(fd);
  }
  return NULL;
}

static int node_start(node *s) {
  memset(s, 0, sizeof *s);
  s->fd = rpcnode_listen(&s->port);
  if (s->fd < 0) return -1;
  return pthread_create(&s->th, NULL, node_main, s);
}

static void node_stop(node *s) {
  atomic_store(&s->stop, 1);
  pthread_join(s->th, NULL);
  close(s->fd);
}

/* ---- the cases ---- */

static char dir[64];

static store *fresh_store(const char *name) {
  char url[200], err[300];
  snprintf(url, sizeof url, "sqlite:%s/%s.db", dir, name);
  store_options so = {2, 5000, 0, NULL};
  store *st;
  int applied;
  if (store_open(&st, url, &so, err, sizeof err)) return NULL;
  if (store_migrate(st, &applied, err, sizeof err)) {
    store_free(st);
    return NULL;
  }
  return st;
}

static indexer *node_indexer(node *n, store *st, long deadline_ms) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", n->port);
  indexer_options o;
  indexer_options_init(&o);
  o.chain_id = CHAIN;
  o.present[CC_TOKEN] = 1;
  if (address_parse_hex(o.address[CC_TOKEN], TOKEN)) return NULL;
  o.log_range = 100;
  rpc_options ro;
  rpc_options_init(&ro);
  ro.timeout_ms = 1000;
  ro.retries = 1;
  ro.backoff_ms = 10;
  ro.deadline_ms = deadline_ms;
  return indexer_new(st, (const char *[]){url}, 1, &ro, &o);
}

static char *dump(store *st, arena *a) {
  char *d = NULL;
  return store_chain_dump(st, a, CHAIN, &d) ? NULL : d;
}

static int64_t cursor(store *st) {
  arena a;
  arena_init(&a, 0);
  store_chain_cursor c;
  int64_t n = store_chain_cursor_get(st, &a, CHAIN, &c) ? -9 : c.block_number;
  arena_release(&a);
  return n;
}

static int case_no = 0;

static void lying_node_moves_nothing(lie mode, const char *expect) {
  node n;
  REQUIRE(node_start(&n) == 0);
  char name[32];
  snprintf(name, sizeof name, "case%d", case_no++);
  store *st = fresh_store(name);
  REQUIRE(st);
  indexer *ix = node_indexer(&n, st, 3000);
  REQUIRE(ix);
  atomic_store(&n.head, 3);
  indexer_step_result r;
  CHECK_INT(indexer_sync(ix, 50, &r), 0);
  CHECK_INT(r.state, INDEXER_IDLE);
  CHECK_INT(cursor(st), 3);
  arena a;
  arena_init(&a, 0);
  char *before = dump(st, &a);
  CHECK(before && strstr(before, "entity token_balance"));
  /* the chain grows; the node lies about it */
  atomic_store(&n.head, 6);
  atomic_store(&n.mode, (int)mode);
  for (int i = 0; i < 2; i++) {
    pheme_err e = indexer_step(ix, &r);
    CHECK(e != 0);
    if (e && expect && !strstr(r.why, expect))
      fprintf(stderr, "lie %d: '%s' does not say '%s'\n", (int)mode, r.why, expect);
    CHECK(e && (!expect || strstr(r.why, expect) != NULL));
    CHECK_INT(cursor(st), 3);
  }
  char *during = dump(st, &a);
  CHECK(before && during && strcmp(before, during) == 0);
  /* honest again: indexing resumes where it stopped */
  atomic_store(&n.mode, HONEST);
  CHECK_INT(indexer_sync(ix, 50, &r), 0);
  CHECK_INT(r.state, INDEXER_IDLE);
  CHECK_INT(cursor(st), 6);
  char *after = dump(st, &a);
  CHECK(after && strlen(after) > strlen(before));
  arena_release(&a);
  indexer_free(ix);
  store_free(st);
  node_stop(&n);
}

TEST(malformed_json) { lying_node_moves_nothing(NOT_JSON, "invalid json"); }
TEST(wrong_ids) { lying_node_moves_nothing(WRONG_ID, "id"); }
TEST(huge_ids) { lying_node_moves_nothing(HUGE_ID, "malformed"); }
TEST(huge_head_number) { lying_node_moves_nothing(HUGE_HEAD, "head block number"); }
TEST(huge_log_index) { lying_node_moves_nothing(HUGE_LOG_INDEX, "log index"); }
TEST(logs_of_other_contracts) { lying_node_moves_nothing(OTHER_CONTRACT, "not asked for"); }
TEST(removed_logs) { lying_node_moves_nothing(REMOVED, "removed"); }
TEST(chain_id_that_changes) { lying_node_moves_nothing(CHAIN_CHANGED, "chain"); }
TEST(log_of_another_block_hash) { lying_node_moves_nothing(WRONG_BLOCK_HASH, "block hash"); }
TEST(headers_that_do_not_link) { lying_node_moves_nothing(BROKEN_LINK, "does not link"); }
TEST(log_that_does_not_decode) { lying_node_moves_nothing(BAD_TOPICS, "does not decode"); }
TEST(header_of_another_block) { lying_node_moves_nothing(WRONG_BLOCK, "answered block"); }

TEST(refused_range_is_halved_until_accepted) {
  node n;
  REQUIRE(node_start(&n) == 0);
  store *st = fresh_store("ranges");
  REQUIRE(st);
  indexer *ix = node_indexer(&n, st, 3000);
  REQUIRE(ix);
  atomic_store(&n.head, 6);
  atomic_store(&n.mode, REFUSE_RANGES);
  indexer_step_result r;
  CHECK_INT(indexer_step(ix, &r), 0);
  CHECK_INT(r.state, INDEXER_SHRUNK);
  CHECK_INT(cursor(st), -1);
  CHECK_INT(indexer_sync(ix, 100, &r), 0);
  CHECK_INT(r.state, INDEXER_IDLE);
  CHECK_INT(cursor(st), 6);
  arena a;
  arena_init(&a, 0);
  chain_entity e;
  CHECK_INT(store_chain_entity(st, &a, CHAIN, "token_balance",
                               "0x0000000000000000000000000000000000000002", &e), 0);
  CHECK_STR(e.amount, "10"); /* blocks 2 and 5, each once */
  arena_release(&a);
  indexer_free(ix);
  store_free(st);
  node_stop(&n);
}

TEST(deadline_bounds_a_call_across_retries) {
  node n;
  REQUIRE(node_start(&n) == 0);
  atomic_store(&n.mode, SLOW);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", n.port);
  rpc_options ro;
  rpc_options_init(&ro);
  ro.timeout_ms = 1500; /* each attempt alone would wait 1.5 s; 5 retries would take 9 s */
  ro.retries = 5;
  ro.backoff_ms = 100;
  ro.deadline_ms = 700;
  rpc_client *c = rpc_client_new((const char *[]){url}, 1, &ro);
  REQUIRE(c);
  json_t *res = NULL;
  rpc_error err;
  int64_t t0 = time_now_ms();
  CHECK_INT(rpc_call(c, NULL, "eth_blockNumber", "[]", &res, &err), PHEME_SYS_IO);
  int64_t took = time_now_ms() - t0;
  CHECK(took >= 600 && took < 1400);
  CHECK(strstr(err.message, "deadline of 700 ms") != NULL);
  CHECK(res == NULL);
  rpc_client_free(c);
  node_stop(&n);
}

TEST(answer_parser_checks_ids_and_envelopes) {
  json_t *res = NULL;
  rpc_error err;
  const char ok[] = "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":\"0x1\"}";
  CHECK_INT(rpc_answer_parse(ok, strlen(ok), 5, NULL, 0, &res, NULL, &err), 0);
  CHECK(json_is_string(res));
  json_decref(res);
  CHECK_INT(rpc_answer_parse(ok, strlen(ok), 6, NULL, 0, &res, NULL, &err), PHEME_DATA_INVALID);
  CHECK_INT(err.kind, RPC_ERR_MALFORMED);
  rpc_request calls[2] = {{.method = "a"}, {.method = "b"}};
  const char batch[] = "[{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":1},"
                       "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1,\"message\":\"no\"}}]";
  CHECK_INT(rpc_answer_parse(batch, strlen(batch), 1, calls, 2, NULL, NULL, &err), 0);
  CHECK(calls[0].result == NULL && calls[0].err.kind == RPC_ERR_RPC && json_is_integer(calls[1].result));
  json_decref(calls[1].result);
  const char twice[] = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1},{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1}]";
  CHECK_INT(rpc_answer_parse(twice, strlen(twice), 1, calls, 2, NULL, NULL, &err), PHEME_DATA_INVALID);
  CHECK(calls[0].result == NULL && calls[1].result == NULL);
}

/* PostgreSQL: the same index, a reorg rolled back there, and the result equal (byte for byte in
 * the dump) to a fresh index of the final chain made on SQLite. */
TEST(postgresql_follows_a_reorg_like_sqlite) {
  FILE *p = popen(PHEME_SOURCE_DIR "/scripts/pg-test.sh start", "r");
  char line[512], pgdir[600] = "", pgurl[600] = "";
  while (p && fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "PG_TEST_DIR=", 12) == 0) snprintf(pgdir, sizeof pgdir, "%s", line + 12);
    if (strncmp(line, "PG_TEST_URL=", 12) == 0) snprintf(pgurl, sizeof pgurl, "%s", line + 12);
  }
  int started = p && pclose(p) == 0 && pgurl[0];
  REQUIRE(started);
  char err[300];
  store_options so = {2, 5000, 0, NULL};
  store *pg = NULL;
  int applied;
  CHECK(store_open(&pg, pgurl, &so, err, sizeof err) == 0);
  if (pg) CHECK(store_migrate(pg, &applied, err, sizeof err) == 0);
  node n;
  if (pg && node_start(&n) == 0) {
    indexer *ix = node_indexer(&n, pg, 3000);
    indexer_step_result r;
    atomic_store(&n.head, 6);
    CHECK_INT(indexer_sync(ix, 50, &r), 0);
    CHECK_INT(cursor(pg), 6);
    atomic_store(&n.mode, REORGED); /* blocks 4.. replaced: the log of block 5 has a new hash */
    atomic_store(&n.head, 7);
    CHECK_INT(indexer_sync(ix, 50, &r), 0);
    CHECK_INT(r.state, INDEXER_IDLE);
    CHECK_INT(cursor(pg), 7);
    indexer_free(ix);
    store *lite = fresh_store("pg-fresh");
    indexer *fx = lite ? node_indexer(&n, lite, 3000) : NULL;
    CHECK(fx && indexer_sync(fx, 50, &r) == 0 && r.state == INDEXER_IDLE);
    indexer_free(fx);
    arena a;
    arena_init(&a, 0);
    char *x = dump(pg, &a), *y = lite ? dump(lite, &a) : NULL;
    CHECK(x && y && strcmp(x, y) == 0);
    /* block 5's log is stored under the replacing block's hash */
    CHECK(x && strstr(x, "0600000000000000000000000000000000000000000000000000000000000007"));
    arena_release(&a);
    store_free(lite);
    node_stop(&n);
  }
  store_free(pg);
  char stop[900];
  snprintf(stop, sizeof stop, PHEME_SOURCE_DIR "/scripts/pg-test.sh stop %s", pgdir);
  if (system(stop)) fprintf(stderr, "could not stop PostgreSQL in %s\n", pgdir);
}

static void all(void) {
  RUN(malformed_json);
  RUN(wrong_ids);
  RUN(huge_ids);
  RUN(huge_head_number);
  RUN(huge_log_index);
  RUN(logs_of_other_contracts);
  RUN(removed_logs);
  RUN(chain_id_that_changes);
  RUN(log_of_another_block_hash);
  RUN(headers_that_do_not_link);
  RUN(log_that_does_not_decode);
  RUN(header_of_another_block);
  RUN(refused_range_is_halved_until_accepted);
  RUN(deadline_bounds_a_call_across_retries);
  RUN(answer_parser_checks_ids_and_envelopes);
  RUN(postgresql_follows_a_reorg_like_sqlite);
}

int main(void) {
  log_init(LOG_OFF, 2); /* the lies are expected: keep the warnings out of the output */
  snprintf(dir, sizeof dir, "/tmp/pheme-hostile-XXXXXX");
  if (!mkdtemp(dir)) return 1;
  all();
  char rm[100];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);
  fprintf(stderr, "test_indexer_hostile: %d tests, %d failed\n", test__ran, test__failed_tests);
  return test__failed_tests > 100 ? 100 : test__failed_tests;
}
