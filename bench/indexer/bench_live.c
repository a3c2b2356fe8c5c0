/* The indexer live (issue 5): events per second from a busy anvil, and the lag between a block
 * and its projection (p50, p99).
 *
 *   bench_live ANVIL_BIN SECONDS [BLOCK_SECONDS]
 *
 * Starts anvil on loopback (stopped by its PID), deploys the suite with the C deployer (automine),
 * then switches anvil to a block every BLOCK_SECONDS (1) and floods it for SECONDS with PHEME
 * transfers from the deployer (eth_sendTransaction batches; each emits a Transfer log and, for a
 * delegated receiver, DelegateVotesChanged). The real indexer runs on its own thread into a fresh
 * SQLite database, polling every 20 ms. A watcher notes when each block is first seen on the node
 * (eth_blockNumber every 5 ms), another when the indexer's cursor passes it (every 5 ms): the lag
 * of a block is the difference. Events per second = logs indexed during the flood ÷ its length. */
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/dev.h"
#include "chain/localnode.h"
#include "chain/contracts.h"
#include "chain/deploy.h"
#include "chain/indexer.h"
#include "core/util.h"
#include "eth/hex.h"
#include "store/chain_index.h"
#include "store/store.h"

#define MAX_BLOCKS 100000

static double seen_ms[MAX_BLOCKS], indexed_ms[MAX_BLOCKS];
static atomic_int stop_watch, stop_flood;
static atomic_long sent, highest_seen;
static const char *node_url;
static store *db;
static uint64_t chain_id;
static uint8_t token[20];
static char deployer_hex[43]; /* anvil's first development account: the deployer, holding PHEME */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms) { nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL); }

static rpc_client *client(void) {
  const char *eps[] = {node_url};
  rpc_options o;
  rpc_options_init(&o);
  o.expected_chain_id = 31337; /* anvil's */
  return rpc_client_new(eps, 1, &o);
}

static void *watch_node(void *arg) {
  (void)arg;
  rpc_client *rpc = client();
  while (!atomic_load(&stop_watch)) {
    json_t *r = NULL;
    rpc_error e;
    uint64_t n;
    if (rpc_call(rpc, NULL, "eth_blockNumber", "[]", &r, &e) == 0 &&
        rpc_quantity_parse(json_string_value(r), &n) == 0 && n < MAX_BLOCKS) {
      double t = now_ms();
      for (long b = atomic_load(&highest_seen) + 1; b <= (long)n; b++) seen_ms[b] = t;
      if ((long)n > atomic_load(&highest_seen)) atomic_store(&highest_seen, (long)n);
    }
    json_decref(r);
    sleep_ms(5);
  }
  rpc_client_free(rpc);
  return NULL;
}

static void *watch_cursor(void *arg) {
  (void)arg;
  long done = -1;
  while (!atomic_load(&stop_watch)) {
    store_chain_cursor c;
    arena a;
    arena_init(&a, 0);
    if (store_chain_cursor_get(db, &a, chain_id, &c) == 0 && c.block_number < MAX_BLOCKS) {
      double t = now_ms();
      for (long b = done + 1; b <= c.block_number; b++) indexed_ms[b] = t;
      if (c.block_number > done) done = c.block_number;
    }
    arena_release(&a);
    sleep_ms(5);
  }
  return NULL;
}

/* Sends transfers from the deployer in batches of 50 until stopped. */
static void *flood(void *arg) {
  (void)arg;
  rpc_client *rpc = client();
  char tok[43];
  address_format_hex(tok, token);
  rpc_request calls[50];
  char params[50][512];
  long k = 0;
  while (!atomic_load(&stop_flood)) {
    for (int i = 0; i < 50; i++, k++) {
      uint8_t to[20] = {0xbe, 0xef};
      to[16] = (uint8_t)(k >> 24);
      to[17] = (uint8_t)(k >> 16);
      to[18] = (uint8_t)(k >> 8);
      to[19] = (uint8_t)k;
      char to_hex[43];
      address_format_hex(to_hex, to);
      /* transfer(address,uint256) of 1 wei of PHEME */
      snprintf(params[i], sizeof params[i],
               "[{\"from\":\"%s\",\"to\":\"%s\",\"gas\":\"0x186a0\",\"data\":\"0xa9059cbb000000000000000000000000%s"
               "0000000000000000000000000000000000000000000000000000000000000001\"}]",
               deployer_hex, tok, to_hex + 2);
      calls[i] = (rpc_request){.method = "eth_sendTransaction", .params_json = params[i]};
    }
    rpc_error e;
    if (rpc_batch(rpc, NULL, calls, 50, &e) == 0) {
      for (int i = 0; i < 50; i++) {
        if (calls[i].result) atomic_fetch_add(&sent, 1);
        json_decref(calls[i].result);
      }
    } else {
      fprintf(stderr, "flood: %s\n", e.message);
      sleep_ms(50);
    }
  }
  rpc_client_free(rpc);
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static long count_logs(const char *path) {
  sqlite3 *h;
  long n = -1;
  if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM chain_logs", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return n;
}

static int call_simple(rpc_client *rpc, const char *method, const char *params) {
  json_t *r = NULL;
  rpc_error e;
  int rc = rpc_call(rpc, NULL, method, params, &r, &e);
  if (rc) fprintf(stderr, "%s: %s\n", method, e.message);
  json_decref(r);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_live ANVIL_BIN SECONDS [BLOCK_SECONDS]\n");
    return 2;
  }
  int seconds = atoi(argv[2]), block_s = argc > 3 ? atoi(argv[3]) : 1;
  local_node node;
  char err[512], dbpath[] = "/tmp/pheme-live-XXXXXX";
  if (local_node_start(&node, argv[1], 0, (const char *[]){"--gas-limit", "300000000", NULL}, err, sizeof err)) {
    fprintf(stderr, "anvil: %s\n", err);
    return 1;
  }
  node_url = node.url;
  int rc = 1;
  rpc_client *rpc = client();
  uint8_t key[32];
  deploy_sender sender;
  deploy_config cfg;
  manifest m;
  if (!mkdtemp(dbpath) || hex_to_bytes(key, dev_account_keys[0] + 2, 32) || deploy_sender_init(&sender, rpc, key, err, sizeof err)) {
    fprintf(stderr, "setup: %s\n", err);
    goto out;
  }
  deploy_config_init(&cfg);
  if (deploy_suite(&sender, &cfg, &m, err, sizeof err)) {
    fprintf(stderr, "deploy: %s\n", err);
    goto out;
  }
  address_format_hex(deployer_hex, sender.address);
  deploy_sender_release(&sender);
  chain_id = m.chain_id;
  memcpy(token, m.token, 20);
  char url[192], path[160];
  snprintf(path, sizeof path, "%s/index.db", dbpath);
  snprintf(url, sizeof url, "sqlite:%s", path);
  store_options so = {2, 10000, 0, NULL};
  if (store_open(&db, url, &so, err, sizeof err)) {
    fprintf(stderr, "store: %s\n", err);
    goto out;
  }
  int applied;
  if (store_migrate(db, &applied, err, sizeof err)) {
    fprintf(stderr, "migrate: %s\n", err);
    goto out;
  }
  indexer_options o;
  indexer_options_init(&o);
  o.chain_id = chain_id;
  o.poll_ms = 20;
  o.log_range = 2000;
  for (size_t i = 0; i < manifest_field_count; i++) {
    const manifest_field *f = &manifest_fields[i];
    int c = strcmp(f->section, "contracts") == 0 ? chain_contract_by_name(f->key) : -1;
    if (c < 0) continue;
    memcpy(o.address[c], manifest_address(&m, f), 20);
    o.present[c] = 1;
  }
  const char *eps[] = {node.url};
  indexer *ix = indexer_new(db, eps, 1, NULL, &o);
  if (!ix || indexer_start(ix)) goto out;
  /* a busy chain: a block every block_s seconds holding whatever arrived */
  char interval[32];
  snprintf(interval, sizeof interval, "[%d]", block_s);
  if (call_simple(rpc, "evm_setAutomine", "[false]") || call_simple(rpc, "evm_setIntervalMining", interval))
    goto out_ix;
  sleep_ms(1500); /* the indexer catches up with the deployment */
  pthread_t tw, tc, tf;
  pthread_create(&tw, NULL, watch_node, NULL);
  pthread_create(&tc, NULL, watch_cursor, NULL);
  sleep_ms(300);
  long first_block = atomic_load(&highest_seen) + 1, logs0 = count_logs(path);
  double t0 = now_ms();
  pthread_create(&tf, NULL, flood, NULL);
  sleep_ms((long)seconds * 1000);
  atomic_store(&stop_flood, 1);
  pthread_join(tf, NULL);
  double t1 = now_ms();
  /* let the last blocks be mined and indexed */
  long last_block = atomic_load(&highest_seen) + 1;
  for (int i = 0; i < 1000 && (indexed_ms[last_block] == 0 || seen_ms[last_block] == 0); i++) sleep_ms(10);
  atomic_store(&stop_watch, 1);
  pthread_join(tw, NULL);
  pthread_join(tc, NULL);
  long logs = count_logs(path) - logs0;
  double lags[MAX_BLOCKS];
  int n = 0;
  for (long b = first_block; b <= last_block && b < MAX_BLOCKS; b++)
    if (seen_ms[b] > 0 && indexed_ms[b] > 0) lags[n++] = indexed_ms[b] - seen_ms[b];
  qsort(lags, (size_t)n, sizeof *lags, cmp_double);
  double span = (indexed_ms[last_block] > 0 ? indexed_ms[last_block] : now_ms()) - t0;
  printf("flood                     %d s, %ld transfers accepted by the node (%.0f tx/s)\n", seconds,
         atomic_load(&sent), atomic_load(&sent) / ((t1 - t0) / 1e3));
  printf("blocks                    %ld..%ld (one every %d s)\n", first_block, last_block, block_s);
  printf("logs indexed              %ld in %.2f s: %.0f events/s\n", logs, span / 1e3, logs / (span / 1e3));
  if (n > 0)
    printf("lag block -> projection   p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d blocks)\n", lags[n / 2],
           lags[(int)(n * 0.99) < n ? (int)(n * 0.99) : n - 1], lags[n - 1], n);
  rc = n > 0 && logs > 0 ? 0 : 1;
out_ix:
  indexer_free(ix);
out:
  if (db) store_free(db);
  rpc_client_free(rpc);
  local_node_stop(&node);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dbpath);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dbpath);
  return rc;
}
