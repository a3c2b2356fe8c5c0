/* What the indexer's chain tests share: a real anvil with the PHEME suite deployed on it by the C
 * deployer (src/chain/deploy.c, equal to the forge script: tests/chain/test_deploy.c), transactions sent from anvil's
 * unlocked development accounts with calldata ABI-encoded by src/eth/abi.c, SQLite stores in a
 * temporary folder, and the check that matters most: what an indexer stored equals what a fresh
 * indexer stores from scratch for the same chain (every log and every projection entity). */
#ifndef PHEME_TEST_INDEXER_SUITE_H
#define PHEME_TEST_INDEXER_SUITE_H

#include <jansson.h>

#include "anvil.h"
#include "chain/deploy.h"
#include "chain/indexer.h"
#include "chain/manifest.h"
#include "chain/rpc.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/abi.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/u256.h"
#include "store/chain_index.h"
#include "store/store.h"
#include "test.h"

typedef struct {
  anvil_node node;
  rpc_client *rpc;
  indexer_options o;
  char dir[64];       /* temporary folder: manifest, databases */
  char manifest[128];
} suite;

/* A test that crashes (a failed PHEME_BUG aborts) must not leave its anvil running: the node is
 * killed by its PID from the signal handler. */
static pid_t suite__anvil_pid;
static void suite__on_crash(int sig) {
  if (suite__anvil_pid > 0) kill(suite__anvil_pid, SIGKILL);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* Starts anvil and deploys the suite with short governance delays. Returns 0 or -1 (printed). */
static inline int suite_start(suite *s) {
  memset(s, 0, sizeof *s);
  log_init(LOG_ERROR, 2);
  snprintf(s->dir, sizeof s->dir, "/tmp/pheme-indexer-XXXXXX");
  if (!mkdtemp(s->dir)) return -1;
  if (anvil_start(&s->node, NULL)) return -1;
  suite__anvil_pid = s->node.pid;
  signal(SIGABRT, suite__on_crash);
  signal(SIGSEGV, suite__on_crash);
  signal(SIGTERM, suite__on_crash); /* ctest's timeout */
  signal(SIGINT, suite__on_crash);
  snprintf(s->manifest, sizeof s->manifest, "%s/manifest.json", s->dir);
  rpc_options ro;
  rpc_options_init(&ro);
  ro.expected_chain_id = ANVIL_CHAIN_ID;
  s->rpc = rpc_client_new((const char *[]){s->node.url}, 1, &ro);
  if (!s->rpc) return -1;
  /* the suite, deployed by the C deployer with short governance delays */
  deploy_config dc;
  deploy_config_init(&dc);
  dc.voting_delay = 1;
  dc.voting_period = 40;
  dc.staking_cooldown = 1;
  char err[300];
  uint8_t key[32];
  deploy_sender snd;
  manifest m;
  pheme_error ee;
  if (u256_parse(dc.min_validator_stake, "1000000000000000000000", 22, 0, &ee) ||
      hex_to_bytes(key, ANVIL_KEY0, 32) || deploy_sender_init(&snd, s->rpc, key, err, sizeof err)) {
    fprintf(stderr, "deploy setup failed\n");
    return -1;
  }
  snd.poll_ms = 10; /* anvil mines each transaction at once: 200 ms (for real chains) per receipt */
  pheme_err de = deploy_suite(&snd, &dc, &m, err, sizeof err);
  deploy_sender_release(&snd);
  if (de || manifest_save(&m, s->manifest, err, sizeof err)) {
    fprintf(stderr, "deploy: %s\n", err);
    return -1;
  }
  indexer_options_init(&s->o);
  if (indexer_manifest_load(s->manifest, &s->o, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  s->o.poll_ms = 50;
  s->o.lease_ms = 1000;
  return 0;
}

static inline void suite_stop(suite *s) {
  rpc_client_free(s->rpc);
  s->rpc = NULL;
  anvil_stop(&s->node);
  suite__anvil_pid = 0;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", s->dir);
  if (s->dir[0] && system(cmd)) fprintf(stderr, "could not remove %s\n", s->dir);
}

/* A JSON-RPC call whose result is returned as a new reference, or NULL (printed). */
static inline json_t *suite_call(suite *s, const char *method, const char *params) {
  json_t *r = NULL;
  rpc_error e;
  if (rpc_call(s->rpc, NULL, method, params, &r, &e)) {
    fprintf(stderr, "%s failed: %s\n", method, e.message);
    return NULL;
  }
  return r;
}

static inline int64_t suite_head(suite *s) {
  json_t *r = suite_call(s, "eth_blockNumber", "[]");
  uint64_t n = 0;
  int bad = !r || rpc_quantity_parse(json_string_value(r), &n);
  json_decref(r);
  return bad ? -1 : (int64_t)n;
}

static inline const char *suite_addr(suite *s, chain_contract c, char out[43]) {
  address_format_hex(out, s->o.address[c]);
  return out;
}

/* Sends fn (a "name(type,…)" signature) with args (JSON array text) from an unlocked account to
 * contract c, and waits for a successful receipt. Returns 0, or -1 (printed). */
static inline int suite_tx(suite *s, const char *from, chain_contract c, const char *fn, const char *args) {
  arena a;
  arena_init(&a, 0);
  abi_sig sig;
  pheme_error err;
  buf data, params;
  buf_init(&data, 1 << 16);
  buf_init(&params, 1 << 18);
  json_t *jargs = json_loads(args, 0, NULL), *hash = NULL, *rcpt = NULL;
  int rc = -1;
  char to[43];
  if (!jargs || abi_sig_parse(&a, fn, strlen(fn), &sig, &err) ||
      abi_encode_call(&data, &sig, jargs, &err)) {
    fprintf(stderr, "cannot encode %s %s: %s\n", fn, args, err.msg);
    goto out;
  }
  if (buf_printf(&params, "[{\"from\":\"%s\",\"to\":\"%s\",\"data\":\"0x", from,
                 suite_addr(s, c, to)))
    goto out;
  for (size_t i = 0; i < data.len; i++)
    if (buf_printf(&params, "%02x", (unsigned char)data.data[i])) goto out;
  if (buf_adds(&params, "\"}]")) goto out;
  hash = suite_call(s, "eth_sendTransaction", params.data);
  if (!hash) goto out;
  char p2[120];
  snprintf(p2, sizeof p2, "[\"%s\"]", json_string_value(hash));
  for (int i = 0; i < 500 && (!rcpt || json_is_null(rcpt)); i++) { /* mined a moment later */
    json_decref(rcpt);
    if (i) usleep(10000);
    rcpt = suite_call(s, "eth_getTransactionReceipt", p2);
  }
  const char *status = json_string_value(json_object_get(rcpt, "status"));
  if (!status || strcmp(status, "0x1") != 0) {
    fprintf(stderr, "transaction %s %s reverted\n", fn, args);
    goto out;
  }
  rc = 0;
out:
  json_decref(jargs);
  json_decref(hash);
  json_decref(rcpt);
  buf_release(&data);
  buf_release(&params);
  arena_release(&a);
  return rc;
}

static inline int suite_mine(suite *s, int blocks) {
  char p[40];
  snprintf(p, sizeof p, "[\"0x%x\"]", blocks);
  json_t *r = suite_call(s, "anvil_mine", p);
  json_decref(r);
  return r ? 0 : -1;
}

/* evm_snapshot: returns the id text in out, or -1. */
static inline int suite_snapshot(suite *s, char out[40]) {
  json_t *r = suite_call(s, "evm_snapshot", "[]");
  int ok = r && json_is_string(r);
  if (ok) snprintf(out, 40, "%s", json_string_value(r));
  json_decref(r);
  return ok ? 0 : -1;
}

static inline int suite_revert(suite *s, const char *id) {
  char p[64];
  snprintf(p, sizeof p, "[\"%s\"]", id);
  json_t *r = suite_call(s, "evm_revert", p);
  int ok = json_is_true(r);
  json_decref(r);
  return ok ? 0 : -1;
}

/* A fresh, migrated SQLite store at <dir>/<name>.db. */
static inline store *suite_store(suite *s, const char *name) {
  char url[200], err[300];
  snprintf(url, sizeof url, "sqlite:%s/%s.db", s->dir, name);
  store_options so = {4, 5000, 0, NULL};
  store *st;
  if (store_open(&st, url, &so, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return NULL;
  }
  int applied;
  if (store_migrate(st, &applied, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    store_free(st);
    return NULL;
  }
  return st;
}

static inline indexer *suite_indexer(suite *s, store *st, const indexer_options *o) {
  rpc_options ro;
  rpc_options_init(&ro);
  ro.timeout_ms = 5000;
  ro.retries = 1;
  ro.backoff_ms = 50;
  return indexer_new(st, (const char *[]){s->node.url}, 1, &ro, o ? o : &s->o);
}

/* Syncs ix to the node's head; returns the final cursor, or -1 (printed). */
static inline int64_t suite_sync(indexer *ix) {
  indexer_step_result r;
  if (indexer_sync(ix, 100000, &r)) {
    fprintf(stderr, "sync failed: %s\n", r.why);
    return -1;
  }
  if (r.state != INDEXER_IDLE) {
    fprintf(stderr, "sync ended in state %d: %s\n", (int)r.state, r.why);
    return -1;
  }
  return r.cursor;
}

/* 1 when st holds exactly what a fresh index of the node's chain holds (printing the first
 * difference otherwise). */
static inline int suite_equals_fresh(suite *s, store *st, const char *fresh_name) {
  store *fresh = suite_store(s, fresh_name);
  if (!fresh) return 0;
  indexer_options o = s->o;
  snprintf(o.owner, sizeof o.owner, "fresh-%s", fresh_name);
  indexer *ix = suite_indexer(s, fresh, &o);
  int64_t cursor = ix ? suite_sync(ix) : -1;
  indexer_free(ix);
  arena a;
  arena_init(&a, 0);
  char *mine = NULL, *theirs = NULL;
  int same = 0;
  if (cursor >= 0 && !store_chain_dump(st, &a, s->o.chain_id, &mine) &&
      !store_chain_dump(fresh, &a, s->o.chain_id, &theirs)) {
    same = strcmp(mine, theirs) == 0;
    if (!same) {
      size_t i = 0;
      while (mine[i] && mine[i] == theirs[i]) i++;
      size_t from = i > 200 ? i - 200 : 0;
      fprintf(stderr, "index differs from a fresh one at byte %zu:\n--- ours: %.400s\n--- fresh: %.400s\n",
              i, mine + from, theirs + from);
    }
  }
  arena_release(&a);
  store_free(fresh);
  return same;
}

/* The entity (kind, key) of st's chain, or NULL. In a. */
static inline chain_entity *suite_entity(suite *s, store *st, arena *a, const char *kind, const char *key) {
  chain_entity *e = arena_zalloc(a, sizeof *e);
  if (!e || store_chain_entity(st, a, s->o.chain_id, kind, key, e)) return NULL;
  return e;
}

static inline const char *suite_lower(const char *addr, char out[43]) {
  for (int i = 0; i < 42; i++) out[i] = (char)(addr[i] >= 'A' && addr[i] <= 'F' ? addr[i] + 32 : addr[i]);
  out[42] = 0;
  return out;
}

#endif
