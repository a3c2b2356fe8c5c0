/* Shared helpers of the transaction manager's chain tests (test_txm.c, test_txm_crash.c): a
 * store on a temporary SQLite file, JSON-RPC calls from the test's side, balances, and fresh
 * recipient addresses. */
#ifndef PHEME_TEST_TXM_TEST_H
#define PHEME_TEST_TXM_TEST_H

#include <stdarg.h>

#include "anvil.h"
#include "chain/rpc.h"
#include "chain/txm.h"
#include "core/util.h"
#include "eth/keccak.h"
#include "store/outbox.h"
#include "test.h"

/* Nodes live in static storage and are stopped at exit too, so a test that stops early on a
 * failed REQUIRE leaves no anvil behind (anvil_stop is safe twice). */
static anvil_node txmt__nodes[8];
static int txmt__n_nodes;
static pid_t txmt__parent;
static void txmt__stop_all(void) {
  if (getpid() != txmt__parent) return; /* a forked child must not stop the parent's nodes */
  for (int i = 0; i < txmt__n_nodes; i++) anvil_stop(&txmt__nodes[i]);
}
/* Starts anvil (see anvil_start); NULL when it does not start. */
static anvil_node *txmt_anvil_start(const char *const *extra) {
  if (txmt__n_nodes == 0) {
    txmt__parent = getpid();
    atexit(txmt__stop_all);
  }
  if (txmt__n_nodes == 8) return NULL;
  anvil_node *n = &txmt__nodes[txmt__n_nodes];
  if (anvil_start(n, extra)) return NULL;
  txmt__n_nodes++;
  return n;
}

/* A store on a fresh SQLite file in dir (mkdtemp'ed; removed by txmt_store_close). */
static store *txmt_store_open(char dir[32], char url[128]) {
  snprintf(dir, 32, "/tmp/pheme-txm-XXXXXX");
  if (!mkdtemp(dir)) return NULL;
  snprintf(url, 128, "sqlite:%s/test.db", dir);
  store_options so = {4, 10000, 0, NULL};
  char err[512];
  store *s = NULL;
  int applied;
  if (store_open(&s, url, &so, err, sizeof err) || store_migrate(s, &applied, err, sizeof err)) {
    fprintf(stderr, "store: %s\n", err);
    store_free(s);
    return NULL;
  }
  return s;
}

static void txmt_store_close(store *s, const char *dir) {
  store_free(s);
  char rm[128];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);
}

static rpc_client *txmt_client(const anvil_node *n) {
  const char *eps[] = {n->url};
  rpc_options o;
  rpc_options_init(&o);
  o.expected_chain_id = ANVIL_CHAIN_ID;
  o.retries = 0;
  return rpc_client_new(eps, 1, &o);
}

/* Calls method with printf-made params; returns the result (caller json_decref()s) or NULL. */
static json_t *txmt_call(rpc_client *c, const char *method, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static json_t *txmt_call(rpc_client *c, const char *method, const char *fmt, ...) {
  char params[1 << 16];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(params, sizeof params, fmt, ap);
  va_end(ap);
  json_t *r = NULL;
  rpc_error e;
  if (rpc_call(c, NULL, method, params, &r, &e)) {
    fprintf(stderr, "test rpc %s: %s\n", method, e.message);
    return NULL;
  }
  return r;
}

/* A quantity answer as uint64; UINT64_MAX when the call failed. */
static uint64_t txmt_quantity(rpc_client *c, const char *method, const char *params) {
  json_t *r = txmt_call(c, method, "%s", params);
  uint64_t v = UINT64_MAX;
  if (!json_is_string(r) || rpc_quantity_parse(json_string_value(r), &v)) v = UINT64_MAX;
  json_decref(r);
  return v;
}

static uint64_t txmt_balance(rpc_client *c, const uint8_t addr[20]) {
  char a[43], p[80];
  address_format_hex(a, addr);
  snprintf(p, sizeof p, "[\"%s\",\"latest\"]", a);
  return txmt_quantity(c, "eth_getBalance", p);
}

static uint64_t txmt_nonce(rpc_client *c, const char *addr, const char *tag) {
  char p[96];
  snprintf(p, sizeof p, "[\"%s\",\"%s\"]", addr, tag);
  return txmt_quantity(c, "eth_getTransactionCount", p);
}

/* The sender's mined nonce once it reaches want (anvil's automine may answer a broadcast a moment
 * before the block is there), or what it is after 3 s. */
static __attribute__((unused)) uint64_t txmt_wait_nonce(rpc_client *c, const char *addr,
                                                        uint64_t want) {
  uint64_t v = 0;
  for (int i = 0; i < 150; i++) {
    v = txmt_nonce(c, addr, "latest");
    if (v == want) break;
    nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
  }
  return v;
}

static __attribute__((unused)) int txmt_mine(rpc_client *c) {
  json_t *r = txmt_call(c, "evm_mine", "[]");
  int ok = r != NULL;
  json_decref(r);
  return ok ? 0 : -1;
}

/* A recipient no one has used: the last 20 bytes of keccak(tag, seed, i). */
static void txmt_fresh_address(uint8_t out[20], const char *tag, unsigned seed, int i) {
  char text[128];
  uint8_t h[32];
  snprintf(text, sizeof text, "%s/%u/%d", tag, seed, i);
  keccak_256(h, text, strlen(text));
  memcpy(out, h + 12, 20);
}

static void txmt_options(txm_options *o, const anvil_node *n, const char *const *eps) {
  txm_options_init(o);
  o->endpoints = eps;
  o->n_endpoints = 1;
  o->chain_id = ANVIL_CHAIN_ID;
  if (hex_to_bytes(o->key, ANVIL_KEY0, 32)) abort();
  o->confirmations = 2;
  o->lease_ttl_ms = 5000;
  o->poll_ms = 20;
  (void)n;
}

/* An ETH transfer intent from the operator (dev account 0). */
static int txmt_enqueue_transfer(store *s, const char *key, const uint8_t to[20],
                                 const char *value, uint64_t gas, int64_t *id) {
  outbox_request r = {.chain_id = ANVIL_CHAIN_ID, .has_to = 1, .value = value,
                      .idempotency_key = key, .kind = "test.transfer", .gas_limit = gas};
  if (address_parse_hex(r.sender, ANVIL_ADDR0)) return -1;
  memcpy(r.to, to, 20);
  return store_outbox_enqueue(s, &r, time_now_ms(), id, NULL) ? -1 : 0;
}

#endif
