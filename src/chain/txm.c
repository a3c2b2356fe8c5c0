/* The transaction manager; see txm.h for the contract and docs/internals/txm.md for the design.
 *
 * A tick: lease → (reconcile the nonce when the lease is new) → for each open intent, in nonce
 * order then queue order, one step of its state machine. Node answers are fetched lazily and at
 * most once per tick (head, fee quote, the sender's mined nonce), so a quiet tick costs one
 * lease write and one read. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/txm.h"

#include "chain/contracts.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "eth/tx.h"
#include "eth/u256.h"
#include "store/outbox.h"
#include "core/banned.h"

#define TXM_ARENA_CAP (64u << 20)
#define TXM_MAX_RAW (256u << 10)

struct txm {
  store *s;
  txm_options o;
  rpc_client *rpc;
  revert_table *errors;
  uint8_t key[32];
  uint8_t sender[20];
  char sender_hex[ADDRESS_TEXT];
  char owner[128];
  int reconciled; /* the nonce was reconciled with the chain since the lease was taken */
  int held;       /* the lease was held after the last tick */
  /* the thread */
  pthread_t thread;
  int running;
  int stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
};

/* What one tick learnt from the node, fetched on first need. */
typedef struct {
  arena a;
  txm_tick_stats *st;
  int have_head, have_quote, have_mined_nonce;
  int unsettled; /* intents seen this tick that are signed or sent but not mined */
  uint64_t head, mined_nonce;
  fee_quote quote;
  pheme_err quote_err;
} tick;

void txm_options_init(txm_options *o) {
  memset(o, 0, sizeof *o);
  o->confirmations = 2;
  o->stuck_after_ms = 60000;
  o->lease_ttl_ms = 30000;
  o->poll_ms = 1000;
  o->max_intents = 64;
  o->max_attempts = 20;
  o->gas_margin_pct = 20;
  fee_options_init(&o->fees);
}

const uint8_t *txm_sender(const txm *t) { return t->sender; }
const char *txm_owner(const txm *t) { return t->owner; }
const revert_table *txm_errors(const txm *t) { return t->errors; }

/* ---------- keys and configuration ---------- */

pheme_err txm_key_parse(const char *text, uint8_t key[32], char *err, size_t errlen) {
  char filebuf[256];
  const char *s = text ? text : "";
  if (s[0] == '@') {
    FILE *f = fopen(s + 1, "r");
    if (!f) return snprintf(err, errlen, "operator key file '%s' cannot be read", s + 1), PHEME_SYS_CONFIG;
    size_t n = fread(filebuf, 1, sizeof filebuf - 1, f);
    fclose(f);
    filebuf[n] = 0;
    s = filebuf;
  }
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  size_t n = 0;
  while (hex_digit((unsigned char)s[n]) >= 0) n++;
  const char *rest = s + n;
  while (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r') rest++;
  pheme_err e = PHEME_OK;
  if (n != 64 || *rest || hex_to_bytes(key, s, 32))
    e = PHEME_SYS_CONFIG, snprintf(err, errlen, "operator key is not 64 hex digits");
  explicit_bzero(filebuf, sizeof filebuf);
  return e;
}

pheme_err txm_options_from_config(const pheme_config *c, txm_options *o, chain_endpoints *eps,
                                  char *err, size_t errlen) {
  txm_options_init(o);
  if (!c->chain_rpc || !c->chain_rpc[0])
    return snprintf(err, errlen, "chain_rpc is empty: no chain to send to"), PHEME_SYS_CONFIG;
  if (c->chain_id <= 0)
    return snprintf(err, errlen, "chain_id must be set for the transaction manager"),
           PHEME_SYS_CONFIG;
  if (chain_endpoints_parse(eps, c->chain_rpc, err, errlen)) return PHEME_SYS_CONFIG;
  pheme_err e = txm_key_parse(c->chain_operator_key, o->key, err, errlen);
  if (e) return e;
  o->endpoints = eps->url;
  o->n_endpoints = eps->n;
  o->chain_id = (uint64_t)c->chain_id;
  o->confirmations = (int)c->chain_confirmations;
  o->stuck_after_ms = c->chain_stuck_after * 1000;
  o->poll_ms = c->chain_poll_ms;
  if (o->lease_ttl_ms < 3 * o->poll_ms) o->lease_ttl_ms = 3 * o->poll_ms; /* renewed in time */
  return PHEME_OK;
}

/* ---------- lifecycle ---------- */

static pheme_err check_options(const txm_options *o, char *err, size_t errlen) {
#define BAD(...) return snprintf(err, errlen, __VA_ARGS__), PHEME_SYS_CONFIG
  if (o->n_endpoints < 1 || !o->endpoints) BAD("no chain endpoints");
  if (o->chain_id == 0) BAD("chain id must be set");
  if (o->confirmations < 0 || o->confirmations > 1000)
    BAD("confirmations %d out of range 0..1000", o->confirmations);
  if (o->stuck_after_ms < 1 || o->stuck_after_ms > 86400000LL)
    BAD("stuck-after %lld ms out of range", (long long)o->stuck_after_ms);
  if (o->lease_ttl_ms < 100 || o->lease_ttl_ms > 3600000LL)
    BAD("lease ttl %lld ms out of range 100..3600000", (long long)o->lease_ttl_ms);
  if (o->poll_ms < 1 || o->poll_ms >= o->lease_ttl_ms)
    BAD("poll interval %lld ms must be below the lease ttl %lld ms", (long long)o->poll_ms,
        (long long)o->lease_ttl_ms);
  if (o->max_intents < 1 || o->max_intents > 1000) BAD("max intents %d out of range 1..1000", o->max_intents);
  if (o->max_attempts < 1 || o->max_attempts > 100) BAD("max attempts %d out of range 1..100", o->max_attempts);
  if (o->gas_margin_pct < 0 || o->gas_margin_pct > 500) BAD("gas margin %d%% out of range 0..500", o->gas_margin_pct);
  if (o->owner && (!o->owner[0] || strlen(o->owner) >= 128)) BAD("lease owner id must be 1..127 bytes");
#undef BAD
  return fee_options_check(&o->fees, err, errlen);
}

pheme_err txm_new(txm **out, store *s, const txm_options *o, char *err, size_t errlen) {
  *out = NULL;
  pheme_err e = check_options(o, err, errlen);
  if (e) return e;
  txm *t = calloc(1, sizeof *t);
  if (!t) return snprintf(err, errlen, "out of memory"), PHEME_SYS_NOMEM;
  t->s = s;
  t->o = *o;
  t->o.endpoints = NULL; /* copied by the client; the caller's array may go */
  t->o.error_signatures = NULL;
  t->o.artifacts_dir = NULL;
  t->o.owner = NULL;
  memcpy(t->key, o->key, 32);
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->cv, NULL);
  pheme_error ee;
  if (secp_address(t->sender, t->key, &ee)) {
    snprintf(err, errlen, "operator key is not a valid secp256k1 private key");
    txm_free(t);
    return PHEME_SYS_CONFIG;
  }
  address_to_checksum(t->sender_hex, t->sender);
  if (o->owner) {
    snprintf(t->owner, sizeof t->owner, "%s", o->owner);
  } else {
    char host[64] = "host";
    uint8_t rnd[4] = {0};
    if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = 0;
    if (random_bytes(rnd, sizeof rnd)) PHEME_BUG("no random bytes from the kernel");
    char rh[9];
    bytes_to_hex(rh, rnd, 4);
    snprintf(t->owner, sizeof t->owner, "%s:%ld:%s", host, (long)getpid(), rh);
  }
  t->errors = revert_table_new(o->error_signatures, o->n_error_signatures, err, errlen);
  if (!t->errors) {
    txm_free(t);
    return PHEME_SYS_CONFIG;
  }
  if (o->artifacts_dir && (e = revert_table_add_artifacts(t->errors, o->artifacts_dir, err, errlen))) {
    txm_free(t);
    return PHEME_SYS_CONFIG;
  }
  if ((e = revert_table_add_suite(t->errors, err, errlen))) {
    txm_free(t);
    return PHEME_SYS_CONFIG;
  }
  rpc_options ro;
  if (o->rpc) ro = *o->rpc;
  else rpc_options_init(&ro);
  ro.expected_chain_id = o->chain_id;
  t->rpc = rpc_client_new(o->endpoints, o->n_endpoints, &ro);
  if (!t->rpc) {
    snprintf(err, errlen, "chain endpoints or options refused (see the log)");
    txm_free(t);
    return PHEME_SYS_CONFIG;
  }
  *out = t;
  return PHEME_OK;
}

void txm_free(txm *t) {
  if (!t) return;
  txm_stop(t);
  if (t->held && outbox_lease_release(t->s, t->o.chain_id, t->sender, t->owner))
    log_warn("txm: could not release the lease of %s", t->sender_hex);
  rpc_client_free(t->rpc);
  revert_table_free(t->errors);
  pthread_mutex_destroy(&t->mu);
  pthread_cond_destroy(&t->cv);
  explicit_bzero(t->key, sizeof t->key);
  explicit_bzero(t->o.key, sizeof t->o.key);
  free(t);
}

/* ---------- node calls ---------- */

/* "0x…" quantity text of a 32-byte big-endian value (no leading zeros; "0x0" for zero). */
static void u256_quantity(char out[67], const uint8_t v[32]) {
  char hex[HEX_LEN(32) + 1];
  hex_encode(hex, v, 32);
  const char *p = hex + 2;
  while (*p == '0' && p[1]) p++;
  snprintf(out, 67, "0x%s", p);
}

/* Calls method with params (a JSON array, stolen; NULL only when building it ran out of
 * memory). */
static pheme_err call(txm *t, arena *a, const char *method, json_t *params, json_t **res,
                      rpc_error *re) {
  *res = NULL;
  memset(re, 0, sizeof *re);
  char *text = params ? json_dumps(params, JSON_COMPACT) : NULL;
  json_decref(params);
  if (!text) {
    snprintf(re->message, sizeof re->message, "out of memory building a %s call", method);
    return PHEME_SYS_NOMEM;
  }
  pheme_err e = rpc_call(t->rpc, a, method, text, res, re);
  free(text);
  return e;
}

static pheme_err call_quantity(txm *t, arena *a, const char *method, json_t *params,
                               uint64_t *out) {
  json_t *r = NULL;
  rpc_error re;
  pheme_err e = call(t, a, method, params, &r, &re);
  if (e) {
    log_warn("txm: %s", re.message);
    return e;
  }
  e = json_is_string(r) ? rpc_quantity_parse(json_string_value(r), out) : PHEME_DATA_INVALID;
  if (e) log_warn("txm: %s answered something that is not a quantity", method);
  json_decref(r);
  return e;
}

static pheme_err tick_head(txm *t, tick *k) {
  if (k->have_head) return PHEME_OK;
  pheme_err e = call_quantity(t, &k->a, "eth_blockNumber", json_array(), &k->head);
  if (!e) k->have_head = 1;
  return e;
}

static pheme_err tick_quote(txm *t, tick *k) {
  if (k->have_quote) return k->quote_err;
  char params[96], err[256];
  fees_history_params(&t->o.fees, params, sizeof params);
  json_t *r = NULL;
  rpc_error re;
  pheme_err e = rpc_call(t->rpc, &k->a, "eth_feeHistory", params, &r, &re);
  if (e) {
    log_warn("txm: %s", re.message);
    return e; /* not cached: the next intent may try again */
  }
  k->have_quote = 1;
  k->quote_err = fees_quote(r, &t->o.fees, &k->quote, err, sizeof err);
  json_decref(r);
  if (k->quote_err) log_warn("txm: sender %s waits: %s", t->sender_hex, err);
  return k->quote_err;
}

/* The sender's nonce as of the latest block: how many of its transactions are mined. */
static pheme_err tick_mined_nonce(txm *t, tick *k) {
  if (k->have_mined_nonce) return PHEME_OK;
  pheme_err e = call_quantity(t, &k->a, "eth_getTransactionCount",
                              json_pack("[s,s]", t->sender_hex, "latest"), &k->mined_nonce);
  if (!e) k->have_mined_nonce = 1;
  return e;
}

/* The request object of eth_estimateGas / eth_call for an intent. */
static json_t *call_object(txm *t, arena *a, const outbox_intent *in, uint64_t gas) {
  uint8_t v[32];
  char vq[67], to[ADDRESS_TEXT];
  if (u256_parse(v, in->value, strlen(in->value), 0, NULL)) return NULL;
  u256_quantity(vq, v);
  char *data = hex_encode_in(a, in->data ? in->data : (const uint8_t *)"", in->data_len);
  if (!data) return NULL;
  json_t *o = json_pack("{s:s,s:s,s:s}", "from", t->sender_hex, "value", vq, "data", data);
  if (o && in->has_to) json_object_set_new(o, "to", json_string(address_to_checksum(to, in->to)));
  if (o && gas) json_object_set_new(o, "gas", json_sprintf("0x%llx", (unsigned long long)gas));
  return o;
}

/* Whether a node's error to a call means the call reverts (rather than the node being unwell or
 * the sender short of funds, which may pass): revert data present or "revert" in the message. */
static int is_revert(const rpc_error *re, arena *a, uint8_t **data, size_t *n) {
  *data = NULL;
  *n = 0;
  if (re->kind != RPC_ERR_RPC) return 0;
  if (revert_data_from_rpc(a, re->data, data, n) == PHEME_OK) return 1;
  return strstr(re->message, "revert") != NULL;
}

/* Ends an intent failed with its revert decoded. */
static pheme_err fail_with_revert(txm *t, tick *k, const outbox_intent *in, const char *code,
                                  const char *what, const uint8_t *data, size_t n) {
  revert_info ri;
  pheme_err e = revert_decode(t->errors, &k->a, data, n, &ri);
  if (e) return e;
  const char *text = arena_printf(&k->a, "intent %lld (%s): %s: %s", (long long)in->id, in->kind,
                                  what, ri.text);
  if (!text) return PHEME_SYS_NOMEM;
  log_warn("txm: %s", text);
  e = outbox_failed(t->s, in->id, code, ri.known ? ri.name : NULL, ri.known ? ri.args_json : NULL,
                    text, time_now_ms());
  if (!e) k->st->failed++;
  return e == PHEME_DATA_STATE ? PHEME_OK : e;
}

/* ---------- signing and broadcasting ---------- */

/* Builds, signs and stores one attempt for the intent with the given nonce and fees, inside
 * the open write transaction x (which the caller commits). */
static pheme_err sign_attempt(txm *t, sx *x, arena *a, const outbox_intent *in, uint64_t nonce,
                              uint64_t gas, const fee_quote *q, outbox_attempt *at) {
  tx tr = {.type = TX_EIP1559, .chain_id = t->o.chain_id, .nonce = nonce, .gas = gas,
           .has_to = in->has_to, .data = in->data, .data_len = in->data_len};
  if (in->has_to) memcpy(tr.to, in->to, 20);
  pheme_error ee;
  if (u256_parse(tr.value, in->value, strlen(in->value), 0, &ee)) return PHEME_DATA_INVALID;
  u256_from_u64(tr.max_fee, q->max_fee);
  u256_from_u64(tr.max_priority_fee, q->tip);
  buf raw;
  buf_init(&raw, TXM_MAX_RAW + in->data_len);
  pheme_err e = tx_sign(&tr, t->key, &ee);
  if (!e) e = tx_encode_signed(&raw, &tr, &ee);
  if (!e) e = tx_hash(at->tx_hash, &tr, &ee);
  if (e) {
    buf_release(&raw);
    log_error("txm: intent %lld cannot be signed: %s", (long long)in->id, ee.msg);
    return e;
  }
  at->intent_id = in->id;
  at->nonce = nonce;
  at->gas_limit = gas;
  at->raw = arena_alloc(a, raw.len);
  at->raw_len = raw.len;
  if (at->raw) memcpy((uint8_t *)at->raw, raw.data, raw.len);
  buf_release(&raw);
  char fee[24], tip[24];
  snprintf(fee, sizeof fee, "%llu", (unsigned long long)q->max_fee);
  snprintf(tip, sizeof tip, "%llu", (unsigned long long)q->tip);
  at->max_fee = arena_strdup(a, fee);
  at->max_priority_fee = arena_strdup(a, tip);
  at->signed_by = t->owner;
  if (!at->raw || !at->max_fee || !at->max_priority_fee) return PHEME_SYS_NOMEM;
  return outbox_attempt_add(x, at, time_now_ms(), &at->id);
}

/* Node answers to a broadcast that mean the transaction (or another with its nonce) is already
 * in the pool or mined: not failures; the receipts of the stored attempts will tell. */
static int benign_refusal(const char *m) {
  static const char *known[] = {"already known", "already imported", "known transaction",
                                "nonce too low", "already exists", "underpriced",
                                "already in the pool"};
  for (size_t i = 0; i < ARRAY_SIZE(known); i++)
    if (strstr(m, known[i])) return 1;
  return 0;
}

static pheme_err broadcast(txm *t, tick *k, const outbox_attempt *at) {
  char *hex = hex_encode_in(&k->a, at->raw, at->raw_len);
  if (!hex) return PHEME_SYS_NOMEM;
  json_t *r = NULL;
  rpc_error re;
  pheme_err e = call(t, &k->a, "eth_sendRawTransaction", json_pack("[s]", hex), &r, &re);
  json_decref(r);
  char hash[HEX_LEN(32) + 1];
  hex_encode(hash, at->tx_hash, 32);
  if (!e) {
    k->st->broadcast++;
    log_info("txm: intent %lld nonce %llu sent as %s", (long long)at->intent_id,
             (unsigned long long)at->nonce, hash);
    return outbox_attempt_sent(t->s, at->id, NULL, time_now_ms());
  }
  if (re.kind != RPC_ERR_RPC) return PHEME_OK; /* the node is unwell: next tick */
  if (benign_refusal(re.message)) {
    k->st->broadcast++;
    return outbox_attempt_sent(t->s, at->id, re.message, time_now_ms());
  }
  log_warn("txm: intent %lld tx %s refused: %s", (long long)at->intent_id, hash, re.message);
  return outbox_attempt_refused(t->s, at->id, re.message);
}

/* Commits x; a lost lease (PHEME_DATA_STATE from the fenced writes) is logged and ends the
 * tick's signing without an error. */
static pheme_err commit_signed(txm *t, sx *x, pheme_err e, int *lease_lost) {
  if (!e) e = sx_commit(x);
  sx_end(x);
  if (e == PHEME_DATA_STATE) {
    log_warn("txm: lease of %s lost before signing; another manager took over", t->sender_hex);
    t->held = 0;
    *lease_lost = 1;
    return PHEME_OK;
  }
  return e;
}

/* ---------- the states ---------- */

static pheme_err step_queued(txm *t, tick *k, outbox_intent *in, int *lease_lost) {
  uint64_t gas = in->gas_limit;
  if (gas == 0) {
    json_t *obj = call_object(t, &k->a, in, 0);
    if (!obj) return PHEME_SYS_NOMEM;
    json_t *r = NULL;
    rpc_error re;
    /* "latest", not the node's default (some take pending, some latest): the same answer
     * everywhere, and the rule below for the sender's transactions still in flight */
    pheme_err e = call(t, &k->a, "eth_estimateGas", json_pack("[o,s]", obj, "latest"), &r, &re);
    uint8_t *data;
    size_t n;
    if (e && is_revert(&re, &k->a, &data, &n)) {
      /* the estimate runs on the latest state, without the sender's transactions still in
       * flight; one of them may be what this intent needs (an approval before a transfer):
       * only a revert with nothing of ours in flight is final */
      if (k->unsettled) {
        log_info("txm: intent %lld gas estimate reverts; waiting for %d earlier transactions",
                 (long long)in->id, k->unsettled);
        return PHEME_OK;
      }
      return fail_with_revert(t, k, in, "estimate_reverted", "gas estimate reverts", data, n);
    }
    if (e) {
      log_warn("txm: intent %lld gas estimate failed: %s", (long long)in->id, re.message);
      return PHEME_OK;
    }
    uint64_t est = 0;
    e = json_is_string(r) ? rpc_quantity_parse(json_string_value(r), &est) : PHEME_DATA_INVALID;
    json_decref(r);
    if (e || est == 0 || est > INT64_MAX / 8) {
      log_warn("txm: intent %lld: the gas estimate is not a sane quantity", (long long)in->id);
      return PHEME_OK;
    }
    gas = est + est * (uint64_t)t->o.gas_margin_pct / 100;
    e = outbox_set_gas(t->s, in->id, gas, time_now_ms());
    if (e) return e == PHEME_DATA_STATE ? PHEME_OK : e;
  }
  if (tick_quote(t, k)) return PHEME_OK; /* logged; the intent waits */

  sx x;
  pheme_err e = sx_write(t->s, &k->a, &x);
  if (e) return e;
  uint64_t nonce = 0;
  outbox_attempt at = {0};
  e = outbox_nonce_take(&x, t->o.chain_id, t->sender, t->owner, time_now_ms(), &nonce);
  if (!e) e = sign_attempt(t, &x, &k->a, in, nonce, gas, &k->quote, &at);
  e = commit_signed(t, &x, e, lease_lost);
  if (e || *lease_lost) return e;
  k->st->signed_++;
  in->state = OUTBOX_SIGNED;
  in->nonce = nonce;
  in->has_nonce = 1;
  return broadcast(t, k, &at);
}

/* Looks for a receipt of any attempt. *found is 1 when one was recorded. A recheck (the last
 * look before confirming) records without counting or logging the receipt again. */
static pheme_err find_receipt(txm *t, tick *k, const outbox_intent *in, const outbox_attempt *at,
                              int n, int recheck, int *found) {
  *found = 0;
  rpc_request *rq = arena_zalloc(&k->a, sizeof *rq * (size_t)n);
  if (!rq) return PHEME_SYS_NOMEM;
  for (int i = 0; i < n; i++) {
    char *h = hex_encode_in(&k->a, at[i].tx_hash, 32);
    rq[i].method = "eth_getTransactionReceipt";
    rq[i].params_json = h ? arena_printf(&k->a, "[\"%s\"]", h) : NULL;
    if (!rq[i].params_json) return PHEME_SYS_NOMEM;
  }
  rpc_error re;
  if (rpc_batch(t->rpc, &k->a, rq, n, &re)) {
    log_warn("txm: receipts of intent %lld: %s", (long long)in->id, re.message);
    return PHEME_SYS_IO;
  }
  pheme_err e = PHEME_OK;
  for (int i = 0; i < n; i++) {
    json_t *r = rq[i].result;
    if (!e && !*found && json_is_object(r)) {
      uint64_t bn = 0, st = 2, gu = 0;
      uint8_t bh[32], th[32];
      const char *bhs = json_string_value(json_object_get(r, "blockHash"));
      const char *ths = json_string_value(json_object_get(r, "transactionHash"));
      const char *bns = json_string_value(json_object_get(r, "blockNumber"));
      const char *sts = json_string_value(json_object_get(r, "status"));
      const char *gus = json_string_value(json_object_get(r, "gasUsed"));
      if (!bhs || !ths || !bns || !sts || !gus ||
          hex_decode(bh, 32, NULL, bhs, strlen(bhs), HEX_EXACT, NULL) ||
          hex_decode(th, 32, NULL, ths, strlen(ths), HEX_EXACT, NULL) ||
          memcmp(th, at[i].tx_hash, 32) != 0 || rpc_quantity_parse(bns, &bn) ||
          rpc_quantity_parse(sts, &st) || st > 1 || rpc_quantity_parse(gus, &gu)) {
        log_warn("txm: receipt of %s for intent %lld is malformed; ignored", ths ? ths : "?",
                 (long long)in->id);
      } else {
        e = outbox_mined(t->s, in->id, th, bn, bh, (int)st, gu, time_now_ms());
        if (e == PHEME_DATA_STATE) e = PHEME_OK;
        else if (!e) {
          *found = 1;
          if (!recheck) {
            k->st->mined++;
            log_info("txm: intent %lld mined in block %llu as %s (status %llu)",
                     (long long)in->id, (unsigned long long)bn, ths, (unsigned long long)st);
          }
        }
      }
    }
    json_decref(r);
  }
  return e;
}

static pheme_err parse_fee(const char *dec, uint64_t *out) {
  uint8_t v[32];
  if (!dec || u256_parse(v, dec, strlen(dec), 0, NULL) || !u256_to_u64(v, out))
    return PHEME_DATA_INVALID;
  return PHEME_OK;
}

static pheme_err replace(txm *t, tick *k, outbox_intent *in, const outbox_attempt *last,
                         int *lease_lost, int *done) {
  *done = 0;
  fee_quote old = {0}, q;
  char err[256];
  if (parse_fee(last->max_fee, &old.max_fee) || parse_fee(last->max_priority_fee, &old.tip))
    return PHEME_OK; /* fees above 64 bits: never written by this code */
  const fee_quote *fresh = tick_quote(t, k) == PHEME_OK ? &k->quote : NULL;
  if (fees_bump(&old, fresh, &t->o.fees, &q, err, sizeof err)) {
    log_warn("txm: intent %lld stuck but not replaced: %s", (long long)in->id, err);
    return PHEME_OK;
  }
  sx x;
  pheme_err e = sx_write(t->s, &k->a, &x);
  if (e) return e;
  outbox_attempt at = {0};
  e = outbox_lease_check(&x, t->o.chain_id, t->sender, t->owner, time_now_ms());
  if (!e) e = sign_attempt(t, &x, &k->a, in, in->nonce, last->gas_limit, &q, &at);
  e = commit_signed(t, &x, e, lease_lost);
  if (e || *lease_lost) return e;
  *done = 1;
  k->st->replaced++;
  char h[HEX_LEN(32) + 1];
  log_info("txm: intent %lld nonce %llu stuck; replacement %s with max fee %llu, tip %llu",
           (long long)in->id, (unsigned long long)in->nonce, hex_encode(h, at.tx_hash, 32),
           (unsigned long long)q.max_fee, (unsigned long long)q.tip);
  return broadcast(t, k, &at);
}

static pheme_err step_mined(txm *t, tick *k, outbox_intent *in);

static pheme_err step_pending(txm *t, tick *k, outbox_intent *in, int *lease_lost) {
  outbox_attempt *at;
  int n;
  pheme_err e = outbox_attempts(t->s, &k->a, in->id, &at, &n);
  if (e) return e;
  if (n == 0) PHEME_BUG("intent %lld is %s without an attempt", (long long)in->id,
                        outbox_state_name(in->state));
  /* the mined nonce first, then the receipts: a nonce passed with no receipt after that can
   * only mean another transaction took it */
  int have_mined_nonce = tick_mined_nonce(t, k) == PHEME_OK;
  int found;
  if (find_receipt(t, k, in, at, n, 0, &found)) return PHEME_OK;
  if (found) {
    e = outbox_get(t->s, &k->a, in->id, in);
    return e ? e : step_mined(t, k, in);
  }
  if (have_mined_nonce && k->mined_nonce > in->nonce) {
    char text[200];
    snprintf(text, sizeof text,
             "intent %lld: nonce %llu of %s was used by a transaction that is none of its %d "
             "attempts",
             (long long)in->id, (unsigned long long)in->nonce, t->sender_hex, n);
    log_error("txm: %s", text);
    e = outbox_failed(t->s, in->id, "nonce_taken", NULL, NULL, text, time_now_ms());
    if (!e) k->st->failed++;
    return e == PHEME_DATA_STATE ? PHEME_OK : e;
  }
  const outbox_attempt *last = &at[n - 1];
  if (time_now_ms() - last->created_at >= t->o.stuck_after_ms && n < t->o.max_attempts) {
    int done;
    e = replace(t, k, in, last, lease_lost, &done);
    if (e || done || *lease_lost) return e;
  }
  /* never acknowledged (a crash before the broadcast, or a refusal): send the stored bytes again */
  if (!last->sent_at) return broadcast(t, k, last);
  return PHEME_OK;
}

/* Replays a reverted transaction as a call on the state before its block, for the revert data. */
static pheme_err decode_mined_revert(txm *t, tick *k, outbox_intent *in) {
  json_t *obj = call_object(t, &k->a, in, in->gas_limit);
  if (!obj) return PHEME_SYS_NOMEM;
  json_t *params = json_pack("[o,s]", obj, "0x0");
  if (!params) return PHEME_SYS_NOMEM;
  json_array_set_new(params, 1,
                     json_sprintf("0x%llx", (unsigned long long)(in->block_number ? in->block_number - 1 : 0)));
  json_t *r = NULL;
  rpc_error re;
  char h[HEX_LEN(32) + 1];
  hex_encode(h, in->tx_hash, 32);
  pheme_err e = call(t, &k->a, "eth_call", params, &r, &re);
  json_decref(r);
  uint8_t *data;
  size_t n;
  if (e && is_revert(&re, &k->a, &data, &n)) {
    const char *what = arena_printf(&k->a, "transaction %s reverted in block %llu", h,
                                    (unsigned long long)in->block_number);
    return what ? fail_with_revert(t, k, in, "reverted", what, data, n) : PHEME_SYS_NOMEM;
  }
  if (e && re.kind != RPC_ERR_RPC) return PHEME_OK; /* node unwell: decode next tick */
  const char *text = arena_printf(
      &k->a, "intent %lld (%s): transaction %s reverted in block %llu%s", (long long)in->id,
      in->kind, h, (unsigned long long)in->block_number,
      in->gas_used >= in->gas_limit ? ": out of gas" : " (the replayed call gave no reason)");
  if (!text) return PHEME_SYS_NOMEM;
  log_warn("txm: %s", text);
  e = outbox_failed(t->s, in->id, in->gas_used >= in->gas_limit ? "out_of_gas" : "reverted", NULL,
                    NULL, text, time_now_ms());
  if (!e) k->st->failed++;
  return e == PHEME_DATA_STATE ? PHEME_OK : e;
}

static pheme_err step_mined(txm *t, tick *k, outbox_intent *in) {
  if (tick_head(t, k)) return PHEME_OK;
  uint64_t need = t->o.confirmations ? (uint64_t)t->o.confirmations : 1;
  if (k->head < in->block_number || k->head - in->block_number + 1 < need) return PHEME_OK;
  /* the last look before the answer is final: is the receipt still in the same block? */
  outbox_attempt one = {.intent_id = in->id};
  memcpy(one.tx_hash, in->tx_hash, 32);
  uint8_t block_hash[32];
  memcpy(block_hash, in->block_hash, 32);
  int found;
  if (find_receipt(t, k, in, &one, 1, 1, &found)) return PHEME_OK;
  pheme_err e;
  if (!found) {
    log_warn("txm: intent %lld: receipt gone from block %llu (reorg); waiting again",
             (long long)in->id, (unsigned long long)in->block_number);
    e = outbox_unmined(t->s, in->id, time_now_ms());
    return e == PHEME_DATA_STATE ? PHEME_OK : e;
  }
  e = outbox_get(t->s, &k->a, in->id, in);
  if (e) return e;
  if (memcmp(block_hash, in->block_hash, 32) != 0) return PHEME_OK; /* moved: count again */
  if (in->receipt_status == 0) return decode_mined_revert(t, k, in);
  e = outbox_confirmed(t->s, in->id, time_now_ms());
  if (e == PHEME_DATA_STATE) return PHEME_OK;
  if (!e) {
    k->st->confirmed++;
    log_info("txm: intent %lld confirmed (%llu blocks)", (long long)in->id,
             (unsigned long long)(k->head - in->block_number + 1));
  }
  return e;
}

/* ---------- the tick ---------- */

pheme_err txm_tick(txm *t, txm_tick_stats *st) {
  txm_tick_stats local;
  if (!st) st = &local;
  memset(st, 0, sizeof *st);
  int held, fresh;
  pheme_err e = outbox_lease(t->s, t->o.chain_id, t->sender, t->owner, time_now_ms(),
                             t->o.lease_ttl_ms, &held, &fresh);
  if (e) return e;
  if (!held) {
    if (t->held) log_info("txm: lease of %s is held by another manager", t->sender_hex);
    t->held = 0;
    t->reconciled = 0;
    return PHEME_OK;
  }
  t->held = 1;
  st->lease_held = 1;
  if (fresh) t->reconciled = 0;
  if (!t->reconciled) {
    uint64_t pending, next;
    arena a;
    arena_init(&a, 1 << 20);
    e = call_quantity(t, &a, "eth_getTransactionCount",
                      json_pack("[s,s]", t->sender_hex, "pending"), &pending);
    arena_release(&a);
    if (e) return PHEME_OK; /* logged; nothing is signed until the nonce is known */
    e = outbox_nonce_reconcile(t->s, t->o.chain_id, t->sender, t->owner, time_now_ms(), pending,
                               &next);
    if (e == PHEME_DATA_STATE) return PHEME_OK; /* lease lost meanwhile */
    if (e) return e;
    t->reconciled = 1;
    log_info("txm: sender %s leased by %s; next nonce %llu (chain pending %llu)", t->sender_hex,
             t->owner, (unsigned long long)next, (unsigned long long)pending);
  }

  tick k = {.st = st};
  arena_init(&k.a, TXM_ARENA_CAP);
  outbox_intent *in;
  int n;
  e = outbox_open(t->s, &k.a, t->o.chain_id, t->sender, t->o.max_intents, &in, &n);
  int lease_lost = 0;
  for (int i = 0; !e && i < n && !lease_lost; i++) {
    switch (in[i].state) {
      case OUTBOX_QUEUED: e = step_queued(t, &k, &in[i], &lease_lost); break;
      case OUTBOX_SIGNED:
      case OUTBOX_SENT: e = step_pending(t, &k, &in[i], &lease_lost); break;
      case OUTBOX_MINED: e = step_mined(t, &k, &in[i]); break;
      default: break;
    }
    if (in[i].state == OUTBOX_SIGNED || in[i].state == OUTBOX_SENT) k.unsettled++;
  }
  if (!e) {
    outbox_intent *left;
    e = outbox_open(t->s, &k.a, t->o.chain_id, t->sender, t->o.max_intents, &left, &st->open);
  }
  arena_release(&k.a);
  return e;
}

/* ---------- the thread ---------- */

static void *run(void *arg) {
  txm *t = arg;
  pthread_mutex_lock(&t->mu);
  while (!t->stop) {
    pthread_mutex_unlock(&t->mu);
    txm_tick_stats st;
    pheme_err e = txm_tick(t, &st);
    if (e) log_error("txm: tick failed: %s", pheme_err_message(e));
    pthread_mutex_lock(&t->mu);
    if (t->stop) break;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += t->o.poll_ms / 1000;
    until.tv_nsec += (t->o.poll_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&t->cv, &t->mu, &until);
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

pheme_err txm_start(txm *t) {
  if (t->running) return PHEME_OK;
  t->stop = 0;
  if (pthread_create(&t->thread, NULL, run, t) != 0) return PHEME_SYS_INTERNAL;
  t->running = 1;
  return PHEME_OK;
}

void txm_stop(txm *t) {
  if (!t->running) return;
  pthread_mutex_lock(&t->mu);
  t->stop = 1;
  pthread_cond_signal(&t->cv);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->thread, NULL);
  t->running = 0;
  if (t->held && outbox_lease_release(t->s, t->o.chain_id, t->sender, t->owner) == PHEME_OK)
    t->held = 0;
}
