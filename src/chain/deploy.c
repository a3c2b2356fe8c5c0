/* The suite deployer (deploy.h): a plain sequential sender over the JSON-RPC client, and
 * deploySuite + _wire of contracts/script/SuiteDeployer.sol transcribed step by step. The order
 * of transactions is part of the contract with the forge script: contract addresses come from
 * the deployer's nonce, so the same order gives the same manifest. */
#include "chain/deploy.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/contracts.h"
#include "chain/revert.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/keccak.h"
#include "eth/secp.h"
#include "eth/tx.h"
#include "eth/u256.h"

#include "core/banned.h"

#define ONE_TOKEN "1000000000000000000"
#define TEAM_ALLOCATION "150000000000000000000000000"      /* 150,000,000 PHEME */
#define TREASURY_ALLOCATION "450000000000000000000000000"  /* 450,000,000 */
#define COMMUNITY_ALLOCATION "400000000000000000000000000" /* 400,000,000, to the deployer */
#define REWARD_POOL "150000000000000000000000000"          /* -> RewardDistributor */
#define STAKING_REWARDS "100000000000000000000000000"      /* -> PhemeStaking reserve */
#define TEAM_DURATION 63072000u /* 730 days */
#define TEAM_CLIFF 2592000u     /* 30 days */


static void dec_u256(uint8_t out[32], const char *dec) {
  if (u256_parse(out, dec, strlen(dec), 0, NULL)) PHEME_BUG("bad constant '%s'", dec);
}

void deploy_config_init(deploy_config *c) {
  memset(c, 0, sizeof *c);
  c->timelock_delay = 2 * 86400;
  c->voting_delay = 7200;
  c->voting_period = 50400;
  dec_u256(c->proposal_threshold, "1000000" "000000000000000000");
  c->quorum_percent = 4;
  c->staking_cooldown = 7 * 86400;
  dec_u256(c->min_validator_stake, "10000" "000000000000000000");
  c->unbonding_delay = 14 * 86400;
  c->recovery_delay = 3 * 86400;
}

/* ---- configuration from the environment (the names Deploy.s.sol reads) ---- */

static pheme_err env_address(const char *name, uint8_t out[20], char *err, size_t errlen) {
  const char *v = getenv(name);
  if (!v || !*v) return PHEME_OK;
  pheme_error e;
  if (address_parse(out, v, strlen(v), 0, &e)) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "%s='%.60s': %s", name, v, e.msg);
  }
  return PHEME_OK;
}

static pheme_err env_u64(const char *name, uint64_t *out, uint64_t max, char *err, size_t errlen) {
  const char *v = getenv(name);
  if (!v || !*v) return PHEME_OK;
  uint8_t w[32];
  uint64_t x;
  if (u256_parse(w, v, strlen(v), 1, NULL) || !u256_to_u64(w, &x) || x > max) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "%s='%.60s' is not a number from 0 to %" PRIu64, name, v, max);
  }
  *out = x;
  return PHEME_OK;
}

static pheme_err env_u256(const char *name, uint8_t out[32], char *err, size_t errlen) {
  const char *v = getenv(name);
  if (!v || !*v) return PHEME_OK;
  pheme_error e;
  if (u256_parse(out, v, strlen(v), 1, &e)) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "%s='%.60s': %s", name, v, e.msg);
  }
  return PHEME_OK;
}

pheme_err deploy_config_from_env(deploy_config *c, char *err, size_t errlen) {
  pheme_err e = env_address("PHEME_RELAYER", c->relayer, err, errlen);
  if (!e) e = env_address("PHEME_TEAM_BENEFICIARY", c->team_beneficiary, err, errlen);
  if (!e) e = env_address("PHEME_PAUSER", c->pauser, err, errlen);
  if (!e) e = env_u64("PHEME_ORACLE_THRESHOLD", &c->oracle_threshold, DEPLOY_MAX_VALIDATORS, err, errlen);
  if (!e) e = env_u64("PHEME_TIMELOCK_DELAY", &c->timelock_delay, UINT64_MAX, err, errlen);
  if (!e) e = env_u64("PHEME_VOTING_DELAY", &c->voting_delay, (1ull << 48) - 1, err, errlen);
  if (!e) e = env_u64("PHEME_VOTING_PERIOD", &c->voting_period, UINT32_MAX, err, errlen);
  if (!e) e = env_u64("PHEME_QUORUM_PERCENT", &c->quorum_percent, 100, err, errlen);
  if (!e) e = env_u64("PHEME_STAKING_COOLDOWN", &c->staking_cooldown, UINT64_MAX, err, errlen);
  if (!e) e = env_u256("PHEME_MIN_VALIDATOR_STAKE", c->min_validator_stake, err, errlen);
  if (!e) e = env_u64("PHEME_UNBONDING_DELAY", &c->unbonding_delay, UINT64_MAX, err, errlen);
  if (!e) e = env_u64("PHEME_RECOVERY_DELAY", &c->recovery_delay, UINT64_MAX, err, errlen);
  const char *v = getenv("PHEME_ORACLE_VALIDATORS");
  if (!e && v && *v) {
    c->n_oracle_validators = 0;
    for (const char *p = v; !e;) {
      const char *end = strchr(p, ',');
      size_t len = end ? (size_t)(end - p) : strlen(p);
      pheme_error ee;
      if (c->n_oracle_validators == DEPLOY_MAX_VALIDATORS) {
        e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "PHEME_ORACLE_VALIDATORS names more than %d addresses", DEPLOY_MAX_VALIDATORS);
      } else if (address_parse(c->oracle_validators[c->n_oracle_validators], p, len, 0, &ee)) {
        e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "PHEME_ORACLE_VALIDATORS: %s", ee.msg);
      } else {
        c->n_oracle_validators++;
      }
      if (!end) break;
      p = end + 1;
    }
  }
  return e;
}

pheme_err deploy_key_parse(const char *spec, uint8_t key[32], char *err, size_t errlen) {
  char text[256];
  const char *s = spec ? spec : "";
  if (s[0] == '@') {
    FILE *f = fopen(s + 1, "rb");
    if (!f) {
      return pheme_fail(PHEME_SYS_IO, err, errlen, "cannot open the key file '%.200s'", s + 1);
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    s = text;
  }
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
  pheme_err e = PHEME_OK;
  if (n == 0) {
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "no operator key (set chain_operator_key or PHEME_CHAIN_OPERATOR_KEY)");
  } else if (hex_decode(key, 32, NULL, s, n, HEX_PREFIX_OPTIONAL | HEX_EXACT, NULL)) {
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "the operator key is not 32 bytes of hex (64 digits, 0x optional)");
  } else {
    uint8_t addr[20];
    if (secp_address(addr, key, NULL)) {
      e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "the operator key is not a valid secp256k1 private key");
    }
  }
  volatile char *t = text;
  for (size_t i = 0; i < sizeof text; i++) t[i] = 0;
  return e;
}

/* ---- JSON-RPC helpers ---- */

static pheme_err rpc_do(rpc_client *rpc, arena *a, const char *method, const char *params,
                        json_t **res, rpc_error *re, char *err, size_t errlen) {
  pheme_err e = rpc_call(rpc, a, method, params, res, re);
  if (e && re->kind != RPC_ERR_RPC) pheme_fail(e, err, errlen, "%s: %s", method, re->message);
  return e;
}

/* A quantity field ("0x1a") of a JSON object. */
static int field_u64(const json_t *o, const char *key, uint64_t *out) {
  const char *s = json_string_value(json_object_get(o, key));
  return s && rpc_quantity_parse(s, out) == PHEME_OK ? 0 : -1;
}

/* The revert text from a node's error object (its data holds the revert bytes), decoded against
 * the suite's errors; the node's message when there are no revert bytes. */
static void revert_from_error(const rpc_error *re, char *out, size_t cap) {
  arena a;
  arena_init(&a, 1 << 20);
  uint8_t *data;
  size_t n;
  revert_info ri;
  const revert_table *t = revert_suite();
  if (t && revert_data_from_rpc(&a, re->data, &data, &n) == PHEME_OK && revert_decode(t, &a, data, n, &ri) == PHEME_OK)
    snprintf(out, cap, "%s", ri.text);
  else
    snprintf(out, cap, "%.200s", re->message);
  arena_release(&a);
}

/* A uint256 as a JSON-RPC quantity ("0x0", "0x1bc16d674ec80000"). */
static const char *quantity(char out[HEX_LEN(32) + 1], const uint8_t v[32]) {
  char full[HEX_LEN(32) + 1];
  hex_encode(full, v, 32);
  const char *d = full + 2;
  while (d[0] == '0' && d[1]) d++;
  snprintf(out, HEX_LEN(32) + 1, "0x%s", d);
  return out;
}

/* {"from":…,"to":…,"value":…,"data":…} into b. */
static int call_object(buf *b, const uint8_t *from, const uint8_t *to, const uint8_t *value,
                       const uint8_t *data, size_t n) {
  char a[HEX_LEN(32) + 1];
  int bad = buf_adds(b, "{");
  if (from) bad |= buf_printf(b, "\"from\":\"%s\",", hex_encode(a, from, 20));
  if (to) bad |= buf_printf(b, "\"to\":\"%s\",", hex_encode(a, to, 20));
  if (value) bad |= buf_printf(b, "\"value\":\"%s\",", quantity(a, value));
  char *t = malloc(HEX_LEN(n) + 1);
  if (!t) return -1;
  bad |= buf_printf(b, "\"data\":\"%s\"}", hex_encode(t, data, n));
  free(t);
  return bad ? -1 : 0;
}

pheme_err deploy_call(rpc_client *rpc, const uint8_t to[20], const uint8_t *data, size_t n, buf *ret,
                      char *err, size_t errlen) {
  buf p;
  buf_init(&p, 64u << 20);
  arena a;
  arena_init(&a, 1 << 20);
  json_t *res = NULL;
  rpc_error re;
  pheme_err e = PHEME_SYS_NOMEM;
  if (buf_adds(&p, "[") || call_object(&p, NULL, to, NULL, data, n) || buf_adds(&p, ",\"latest\"]")) {
    pheme_fail(PHEME_SYS_NOMEM, err, errlen, "eth_call: out of memory");
  } else if ((e = rpc_do(rpc, &a, "eth_call", p.data, &res, &re, err, errlen))) {
    if (re.kind == RPC_ERR_RPC) {
      char why[300];
      revert_from_error(&re, why, sizeof why);
      e = pheme_fail(PHEME_DATA_STATE, err, errlen, "eth_call reverted: %s", why);
    }
  } else {
    const char *hex = json_string_value(res);
    size_t len = hex ? strlen(hex) : 0;
    pheme_error ee;
    e = PHEME_DATA_INVALID;
    if (!hex || len < 2 || buf_reserve(ret, len / 2)) {
      pheme_fail(e, err, errlen, "eth_call: the node's answer is not hex data");
    } else if (hex_decode((uint8_t *)ret->data + ret->len, len / 2, &n, hex, len, 0, &ee)) {
      pheme_fail(e, err, errlen, "eth_call: %s", ee.msg);
    } else {
      ret->len += n;
      ret->data[ret->len] = 0;
      e = PHEME_OK;
    }
  }
  json_decref(res);
  arena_release(&a);
  buf_release(&p);
  return e;
}

int deploy_has_code(rpc_client *rpc, const uint8_t addr[20]) {
  char params[80], h[HEX_LEN(20) + 1];
  snprintf(params, sizeof params, "[\"%s\",\"latest\"]", hex_encode(h, addr, 20));
  json_t *res = NULL;
  rpc_error re;
  if (rpc_call(rpc, NULL, "eth_getCode", params, &res, &re)) return -1;
  const char *code = json_string_value(res);
  int has = code && strlen(code) > 2;
  json_decref(res);
  return code ? has : -1;
}

/* ---- the sender ---- */

pheme_err deploy_sender_init(deploy_sender *s, rpc_client *rpc, const uint8_t key[32], char *err,
                             size_t errlen) {
  memset(s, 0, sizeof *s);
  s->rpc = rpc;
  s->receipt_timeout_ms = 300000;
  s->poll_ms = 200;
  pheme_error ee;
  if (secp_address(s->address, key, &ee)) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "operator key: %s", ee.msg);
  }
  memcpy(s->key, key, 32);
  rpc_error re;
  pheme_err e = rpc_check_chain(rpc, &re);
  if (e) {
    return pheme_fail(e, err, errlen, "eth_chainId: %s", re.message);
  }
  s->chain_id = rpc_chain_id(rpc);
  char params[80], h[HEX_LEN(20) + 1];
  snprintf(params, sizeof params, "[\"%s\",\"pending\"]", hex_encode(h, s->address, 20));
  json_t *res = NULL;
  if ((e = rpc_do(rpc, NULL, "eth_getTransactionCount", params, &res, &re, err, errlen))) {
    if (re.kind == RPC_ERR_RPC) pheme_fail(e, err, errlen, "eth_getTransactionCount: %s", re.message);
    return e;
  }
  const char *q = json_string_value(res);
  if (!q || rpc_quantity_parse(q, &s->nonce)) {
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "eth_getTransactionCount: not a quantity");
  }
  json_decref(res);
  return e;
}

void deploy_sender_release(deploy_sender *s) {
  volatile uint8_t *k = s->key;
  for (size_t i = 0; i < sizeof s->key; i++) k[i] = 0;
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* Fees from the latest block: type 2 with maxFee = 2 × base fee + tip when the chain has a base
 * fee (the margin covers six full blocks of increases), else legacy at eth_gasPrice. */
static pheme_err price(deploy_sender *s, tx *t, char *err, size_t errlen) {
  json_t *blk = NULL, *res = NULL;
  rpc_error re;
  pheme_err e = rpc_do(s->rpc, NULL, "eth_getBlockByNumber", "[\"latest\",false]", &blk, &re, err, errlen);
  if (e) return e;
  uint64_t base;
  if (field_u64(blk, "baseFeePerGas", &base) == 0) {
    uint64_t tip = 1000000000; /* 1 gwei when the node has no opinion */
    if (rpc_call(s->rpc, NULL, "eth_maxPriorityFeePerGas", NULL, &res, &re) == PHEME_OK) {
      uint64_t q;
      if (json_string_value(res) && rpc_quantity_parse(json_string_value(res), &q) == PHEME_OK) tip = q;
      json_decref(res);
    }
    t->type = TX_EIP1559;
    u256_from_u64(t->max_priority_fee, tip);
    u256_from_u64(t->max_fee, base > (UINT64_MAX - tip) / 2 ? UINT64_MAX : 2 * base + tip);
  } else {
    uint64_t gp;
    e = rpc_do(s->rpc, NULL, "eth_gasPrice", NULL, &res, &re, err, errlen);
    if (!e && (!json_string_value(res) || rpc_quantity_parse(json_string_value(res), &gp))) {
      e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "eth_gasPrice: not a quantity");
    }
    if (!e) {
      t->type = TX_LEGACY;
      u256_from_u64(t->gas_price, gp);
    }
    json_decref(res);
  }
  json_decref(blk);
  return e;
}

pheme_err deploy_send(deploy_sender *s, const char *what, const uint8_t *to, const uint8_t *value,
                      const uint8_t *data, size_t n, deploy_receipt *r, char *err, size_t errlen) {
  deploy_receipt local;
  if (!r) r = &local;
  memset(r, 0, sizeof *r);
  buf p;
  buf_init(&p, 64u << 20);
  arena a;
  arena_init(&a, 1 << 20);
  json_t *res = NULL;
  rpc_error re;
  pheme_err e;
  char why[300];
  tx t = {.chain_id = s->chain_id, .nonce = s->nonce, .has_to = to != NULL, .data = data, .data_len = n};
  if (to) memcpy(t.to, to, 20);
  if (value) memcpy(t.value, value, 32);

  /* gas: the node's estimate plus a fifth (state read by the estimate can shift a little) */
  if (buf_adds(&p, "[") || call_object(&p, s->address, to, value, data, n) || buf_adds(&p, "]")) {
    e = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "%s: out of memory", what);
    goto out;
  }
  if ((e = rpc_do(s->rpc, &a, "eth_estimateGas", p.data, &res, &re, err, errlen))) {
    if (re.kind == RPC_ERR_RPC) {
      revert_from_error(&re, why, sizeof why);
      e = pheme_fail(PHEME_DATA_STATE, err, errlen, "%s: reverts: %s", what, why);
    }
    goto out;
  }
  uint64_t gas;
  if (!json_string_value(res) || rpc_quantity_parse(json_string_value(res), &gas) || gas > UINT64_MAX / 2) {
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "%s: eth_estimateGas answered no quantity", what);
    goto out;
  }
  json_decref(res), res = NULL;
  t.gas = gas + gas / 5;
  if ((e = price(s, &t, err, errlen))) goto out;

  pheme_error ee;
  buf raw;
  buf_init(&raw, 64u << 20);
  if ((e = tx_sign(&t, s->key, &ee)) || (e = tx_encode_signed(&raw, &t, &ee)) ||
      (e = tx_hash(r->tx_hash, &t, &ee))) {
    pheme_fail(e, err, errlen, "%s: signing: %s", what, ee.msg);
    buf_release(&raw);
    goto out;
  }
  buf_clear(&p);
  char *hex = malloc(HEX_LEN(raw.len) + 1);
  if (!hex || buf_printf(&p, "[\"%s\"]", hex_encode(hex, (const uint8_t *)raw.data, raw.len))) {
    free(hex);
    buf_release(&raw);
    e = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "%s: out of memory", what);
    goto out;
  }
  free(hex);
  buf_release(&raw);
  if ((e = rpc_do(s->rpc, &a, "eth_sendRawTransaction", p.data, &res, &re, err, errlen))) {
    if (re.kind == RPC_ERR_RPC) pheme_fail(e, err, errlen, "%s: eth_sendRawTransaction: %s", what, re.message);
    goto out;
  }
  json_decref(res), res = NULL;
  s->nonce++;

  /* the receipt */
  char hh[HEX_LEN(32) + 1], params[90];
  snprintf(params, sizeof params, "[\"%s\"]", hex_encode(hh, r->tx_hash, 32));
  for (long waited = 0;; waited += s->poll_ms) {
    if ((e = rpc_do(s->rpc, &a, "eth_getTransactionReceipt", params, &res, &re, err, errlen))) {
      if (re.kind == RPC_ERR_RPC) pheme_fail(e, err, errlen, "%s: eth_getTransactionReceipt: %s", what, re.message);
      goto out;
    }
    if (json_is_object(res)) break;
    json_decref(res), res = NULL;
    if (waited >= s->receipt_timeout_ms) {
      e = pheme_fail(PHEME_SYS_IO, err, errlen, "%s: transaction %s not mined within %ld ms", what, hh, s->receipt_timeout_ms);
      goto out;
    }
    sleep_ms(s->poll_ms);
  }
  uint64_t status;
  if (field_u64(res, "status", &status) || field_u64(res, "blockNumber", &r->block_number) ||
      field_u64(res, "gasUsed", &r->gas_used)) {
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "%s: receipt of %s lacks status, blockNumber or gasUsed", what, hh);
    goto out;
  }
  const char *ca = json_string_value(json_object_get(res, "contractAddress"));
  if (ca && address_parse(r->contract, ca, strlen(ca), 0, NULL) == PHEME_OK) r->has_contract = 1;
  if (status != 1) {
    e = pheme_fail(PHEME_DATA_STATE, err, errlen, "%s: transaction %s reverted in block %" PRIu64 " (gas used %" PRIu64 " of %" PRIu64 ")",
            what, hh, r->block_number, r->gas_used, t.gas);
    goto out;
  }
  if (!to && !r->has_contract) {
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "%s: receipt of creation %s has no contractAddress", what, hh);
    goto out;
  }
  if (s->progress) s->progress(s->progress_ctx, what, r->tx_hash, r->block_number, r->gas_used);
out:
  json_decref(res);
  arena_release(&a);
  buf_release(&p);
  return e;
}

/* ---- the suite: SuiteDeployer.deploySuite and _wire ---- */

typedef pheme_err (*role_fn)(buf *, const uint8_t[32], const uint8_t[20], pheme_error *);

typedef struct {
  deploy_sender *s;
  buf code;
  char *err;
  size_t errlen;
} run;

static pheme_err encoded(run *r, const char *what, pheme_err e, const pheme_error *ee) {
  if (e) pheme_fail(e, r->err, r->errlen, "%s: encoding: %s", what, ee->msg);
  return e;
}

/* Sends r->code as a creation; the new address into out. */
static pheme_err create(run *r, const char *what, uint8_t out[20]) {
  deploy_receipt rc;
  pheme_err e = deploy_send(r->s, what, NULL, NULL, (const uint8_t *)r->code.data, r->code.len, &rc,
                            r->err, r->errlen);
  if (!e) memcpy(out, rc.contract, 20);
  buf_clear(&r->code);
  return e;
}

/* Sends r->code as a call to to. */
static pheme_err call(run *r, const char *what, const uint8_t to[20]) {
  pheme_err e = deploy_send(r->s, what, to, NULL, (const uint8_t *)r->code.data, r->code.len, NULL,
                            r->err, r->errlen);
  buf_clear(&r->code);
  return e;
}

/* Deploys an ERC1967Proxy to impl whose creation calls init (its encoding's outcome in e), the
 * proxy's address into out; releases init. */
static pheme_err proxy(run *r, const char *name, const uint8_t impl[20], buf *init, pheme_err e,
                       pheme_error *ee, uint8_t out[20]) {
  if (!e) e = ct_ERC1967Proxy_deploy(&r->code, impl, (const uint8_t *)init->data, init->len, ee);
  buf_release(init);
  char what[96];
  snprintf(what, sizeof what, "%s proxy", name);
  if ((e = encoded(r, what, e, ee))) return e;
  snprintf(what, sizeof what, "new ERC1967Proxy (%s)", name);
  return create(r, what, out);
}

static void role_id(uint8_t out[32], const char *name) {
  if (strcmp(name, "DEFAULT_ADMIN_ROLE") == 0)
    memset(out, 0, 32);
  else
    keccak_256(out, name, strlen(name));
}

/* grantRole / renounceRole(role, account) on contract at to. */
static pheme_err role(run *r, const char *contract, const uint8_t to[20], role_fn fn, const char *verb,
                      const char *name, const uint8_t account[20]) {
  char what[160], a[ADDRESS_TEXT];
  snprintf(what, sizeof what, "%s.%s(%s, %s)", contract, verb, name, address_to_checksum(a, account));
  uint8_t id[32];
  role_id(id, name);
  pheme_error ee;
  pheme_err e = encoded(r, what, fn(&r->code, id, account, &ee), &ee);
  return e ? e : call(r, what, to);
}

/* _handOver: PAUSER_ROLE and DEFAULT_ADMIN_ROLE move from the deployer to the timelock (and the
 * optional pauser). */
static pheme_err hand_over(run *r, const char *contract, const uint8_t to[20], role_fn grant,
                           role_fn renounce, const uint8_t tl[20], const deploy_config *cfg) {
  static const uint8_t zero[20];
  const uint8_t *me = r->s->address;
  pheme_err e = role(r, contract, to, grant, "grantRole", "PAUSER_ROLE", tl);
  if (!e && memcmp(cfg->pauser, zero, 20)) e = role(r, contract, to, grant, "grantRole", "PAUSER_ROLE", cfg->pauser);
  if (!e) e = role(r, contract, to, renounce, "renounceRole", "PAUSER_ROLE", me);
  if (!e) e = role(r, contract, to, grant, "grantRole", "DEFAULT_ADMIN_ROLE", tl);
  if (!e) e = role(r, contract, to, renounce, "renounceRole", "DEFAULT_ADMIN_ROLE", me);
  return e;
}

static json_t *address_list(const uint8_t (*list)[20], size_t n) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < n; i++)
    if (json_array_append_new(arr, contracts_json_address(list[i]))) json_decref(arr), arr = NULL;
  return arr;
}

/* The latest block's number and timestamp. */
static pheme_err latest_block(deploy_sender *s, uint64_t *number, uint64_t *timestamp, char *err,
                              size_t errlen) {
  json_t *blk = NULL;
  rpc_error re;
  pheme_err e = rpc_do(s->rpc, NULL, "eth_getBlockByNumber", "[\"latest\",false]", &blk, &re, err, errlen);
  if (e) return e;
  if (field_u64(blk, "number", number) || field_u64(blk, "timestamp", timestamp)) {
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "eth_getBlockByNumber: the latest block has no number or timestamp");
  }
  json_decref(blk);
  return e;
}

static pheme_err deploy_contracts(run *r, const deploy_config *cfg, manifest *m) {
  deploy_sender *s = r->s;
  const uint8_t *me = s->address;
  pheme_error ee;
  pheme_err e;
  uint8_t w[32], w2[32];

  /* TimelockController(delay, proposers [], executors [address(0)]: anyone executes, admin) */
  {
    static const uint8_t anyone[1][20];
    json_t *none = json_array(), *exec = address_list(anyone, 1);
    u256_from_u64(w, cfg->timelock_delay);
    e = none && exec ? ct_TimelockController_deploy(&r->code, w, none, exec, me, &ee) : PHEME_SYS_NOMEM;
    json_decref(none);
    json_decref(exec);
    if ((e = encoded(r, "TimelockController", e, &ee)) || (e = create(r, "new TimelockController", m->timelock)))
      return e;
  }

  /* PhemeVesting(team beneficiary, start = now, 730 days, 30-day cliff) */
  uint64_t number, now;
  if ((e = latest_block(s, &number, &now, r->err, r->errlen))) return e;
  e = ct_PhemeVesting_deploy(&r->code, cfg->team_beneficiary, now, TEAM_DURATION, TEAM_CLIFF, &ee);
  if ((e = encoded(r, "PhemeVesting", e, &ee)) || (e = create(r, "new PhemeVesting", m->team_vesting))) return e;

  /* PhemeToken: team vesting 150M, treasury (timelock) 450M, community (deployer) 400M */
  {
    uint8_t to[3][20];
    memcpy(to[0], m->team_vesting, 20);
    memcpy(to[1], m->timelock, 20);
    memcpy(to[2], me, 20);
    json_t *recipients = address_list((const uint8_t(*)[20])to, 3);
    json_t *amounts = json_pack("[sss]", TEAM_ALLOCATION, TREASURY_ALLOCATION, COMMUNITY_ALLOCATION);
    e = recipients && amounts ? ct_PhemeToken_deploy(&r->code, recipients, amounts, &ee) : PHEME_SYS_NOMEM;
    json_decref(recipients);
    json_decref(amounts);
    if ((e = encoded(r, "PhemeToken", e, &ee)) || (e = create(r, "new PhemeToken", m->token))) return e;
  }

  /* ReputationOracle implementation + proxy(initialize(admin, clock = token, validators, M)) */
  if ((e = encoded(r, "ReputationOracle", ct_ReputationOracle_deploy(&r->code, &ee), &ee)) ||
      (e = create(r, "new ReputationOracle (implementation)", m->oracle_impl)))
    return e;
  {
    const uint8_t(*vals)[20] = cfg->oracle_validators;
    size_t nv = cfg->n_oracle_validators;
    if (!nv) vals = (const uint8_t(*)[20])cfg->relayer, nv = 1;
    json_t *list = address_list(vals, nv);
    u256_from_u64(w, cfg->oracle_threshold ? cfg->oracle_threshold : nv / 2 + 1);
    buf init;
    buf_init(&init, 1 << 20);
    e = list ? ct_ReputationOracle_initialize(&init, me, m->token, list, w, &ee) : PHEME_SYS_NOMEM;
    json_decref(list);
    if ((e = proxy(r, "ReputationOracle", m->oracle_impl, &init, e, &ee, m->oracle))) return e;
  }

  /* PhemeStaking(token, admin, treasury = timelock, cooldown) */
  u256_from_u64(w, cfg->staking_cooldown);
  e = ct_PhemeStaking_deploy(&r->code, m->token, me, m->timelock, w, &ee);
  if ((e = encoded(r, "PhemeStaking", e, &ee)) || (e = create(r, "new PhemeStaking", m->staking))) return e;

  /* ValidatorRegistry implementation + proxy(initialize(admin, staking, min stake, unbonding)) */
  if ((e = encoded(r, "ValidatorRegistry", ct_ValidatorRegistry_deploy(&r->code, &ee), &ee)) ||
      (e = create(r, "new ValidatorRegistry (implementation)", m->registry_impl)))
    return e;
  {
    buf init;
    buf_init(&init, 1 << 20);
    u256_from_u64(w, cfg->unbonding_delay);
    e = ct_ValidatorRegistry_initialize(&init, me, m->staking, cfg->min_validator_stake, w, &ee);
    if ((e = proxy(r, "ValidatorRegistry", m->registry_impl, &init, e, &ee, m->registry))) return e;
  }

  /* SkillWallet implementation + proxy(initialize(admin, recovery delay)) */
  if ((e = encoded(r, "SkillWallet", ct_SkillWallet_deploy(&r->code, &ee), &ee)) ||
      (e = create(r, "new SkillWallet (implementation)", m->skill_wallet_impl)))
    return e;
  {
    buf init;
    buf_init(&init, 1 << 20);
    u256_from_u64(w2, cfg->recovery_delay);
    e = ct_SkillWallet_initialize(&init, me, w2, &ee);
    if ((e = proxy(r, "SkillWallet", m->skill_wallet_impl, &init, e, &ee, m->skill_wallet))) return e;
  }

  /* PhemeBadges implementation + proxy(initialize(admin)) */
  if ((e = encoded(r, "PhemeBadges", ct_PhemeBadges_deploy(&r->code, &ee), &ee)) ||
      (e = create(r, "new PhemeBadges (implementation)", m->badges_impl)))
    return e;
  {
    buf init;
    buf_init(&init, 1 << 20);
    e = ct_PhemeBadges_initialize(&init, me, &ee);
    if ((e = proxy(r, "PhemeBadges", m->badges_impl, &init, e, &ee, m->badges))) return e;
  }

  /* RewardDistributor(token, admin) */
  e = ct_RewardDistributor_deploy(&r->code, m->token, me, &ee);
  if ((e = encoded(r, "RewardDistributor", e, &ee)) || (e = create(r, "new RewardDistributor", m->distributor)))
    return e;

  /* PhemeGovernor(token, staking, oracle, timelock, voting delay, period, threshold, quorum %) */
  u256_from_u64(w, cfg->quorum_percent);
  e = ct_PhemeGovernor_deploy(&r->code, m->token, m->staking, m->oracle, m->timelock, cfg->voting_delay,
                              cfg->voting_period, cfg->proposal_threshold, w, &ee);
  if ((e = encoded(r, "PhemeGovernor", e, &ee)) || (e = create(r, "new PhemeGovernor", m->governor))) return e;
  return PHEME_OK;
}

static pheme_err wire(run *r, const deploy_config *cfg, manifest *m) {
  const uint8_t *me = r->s->address, *tl = m->timelock, *relayer = cfg->relayer;
  int relayer_is_me = memcmp(relayer, me, 20) == 0;
  pheme_error ee;
  pheme_err e;
  uint8_t w[32];

  /* timelock: the governor proposes and cancels; anyone executes */
  if ((e = role(r, "TimelockController", tl, ct_TimelockController_grantRole, "grantRole", "PROPOSER_ROLE", m->governor)) ||
      (e = role(r, "TimelockController", tl, ct_TimelockController_grantRole, "grantRole", "CANCELLER_ROLE", m->governor)))
    return e;
  /* staking <- registry */
  if ((e = role(r, "PhemeStaking", m->staking, ct_PhemeStaking_grantRole, "grantRole", "LOCKER_ROLE", m->registry)) ||
      (e = role(r, "PhemeStaking", m->staking, ct_PhemeStaking_grantRole, "grantRole", "SLASHER_ROLE", m->registry)))
    return e;
  /* the server's roles */
  if ((e = role(r, "SkillWallet", m->skill_wallet, ct_SkillWallet_grantRole, "grantRole", "ORACLE_ROLE", relayer)) ||
      (e = role(r, "SkillWallet", m->skill_wallet, ct_SkillWallet_grantRole, "grantRole", "MINTER_ROLE", relayer)) ||
      (e = role(r, "PhemeBadges", m->badges, ct_PhemeBadges_grantRole, "grantRole", "MINTER_ROLE", relayer)) ||
      (e = role(r, "PhemeBadges", m->badges, ct_PhemeBadges_grantRole, "grantRole", "ISSUER_ROLE", relayer)) ||
      (e = role(r, "PhemeBadges", m->badges, ct_PhemeBadges_grantRole, "grantRole", "BADGE_ADMIN_ROLE", relayer)) ||
      (e = role(r, "RewardDistributor", m->distributor, ct_RewardDistributor_grantRole, "grantRole", "PUBLISHER_ROLE", relayer)) ||
      (e = role(r, "ValidatorRegistry", m->registry, ct_ValidatorRegistry_grantRole, "grantRole", "SLASHER_ROLE", relayer)))
    return e;
  /* funding: 150M to the reward distributor, 100M into the staking reward reserve */
  dec_u256(w, REWARD_POOL);
  if ((e = encoded(r, "PhemeToken.transfer", ct_PhemeToken_transfer(&r->code, m->distributor, w, &ee), &ee)) ||
      (e = call(r, "PhemeToken.transfer(RewardDistributor, 150000000 PHEME)", m->token)))
    return e;
  dec_u256(w, STAKING_REWARDS);
  if ((e = encoded(r, "PhemeToken.approve", ct_PhemeToken_approve(&r->code, m->staking, w, &ee), &ee)) ||
      (e = call(r, "PhemeToken.approve(PhemeStaking, 100000000 PHEME)", m->token)) ||
      (e = encoded(r, "PhemeStaking.fundRewards", ct_PhemeStaking_fundRewards(&r->code, w, &ee), &ee)) ||
      (e = call(r, "PhemeStaking.fundRewards(100000000 PHEME)", m->staking)))
    return e;
  /* governance becomes the admin of everything; the deployer keeps nothing (except, when it is
   * also the relayer, the relayer's operational roles) */
  if ((e = role(r, "PhemeStaking", m->staking, ct_PhemeStaking_grantRole, "grantRole", "REWARD_MANAGER_ROLE", tl)) ||
      (e = role(r, "PhemeStaking", m->staking, ct_PhemeStaking_renounceRole, "renounceRole", "REWARD_MANAGER_ROLE", me)) ||
      (e = role(r, "ValidatorRegistry", m->registry, ct_ValidatorRegistry_grantRole, "grantRole", "SLASHER_ROLE", tl)))
    return e;
  if (!relayer_is_me &&
      (e = role(r, "ValidatorRegistry", m->registry, ct_ValidatorRegistry_renounceRole, "renounceRole", "SLASHER_ROLE", me)))
    return e;
  if ((e = role(r, "SkillWallet", m->skill_wallet, ct_SkillWallet_grantRole, "grantRole", "RECOVERY_ROLE", tl)) ||
      (e = role(r, "SkillWallet", m->skill_wallet, ct_SkillWallet_renounceRole, "renounceRole", "RECOVERY_ROLE", me)) ||
      (e = role(r, "PhemeBadges", m->badges, ct_PhemeBadges_grantRole, "grantRole", "BADGE_ADMIN_ROLE", tl)))
    return e;
  if (!relayer_is_me &&
      (e = role(r, "PhemeBadges", m->badges, ct_PhemeBadges_renounceRole, "renounceRole", "BADGE_ADMIN_ROLE", me)))
    return e;
  if ((e = hand_over(r, "PhemeStaking", m->staking, ct_PhemeStaking_grantRole, ct_PhemeStaking_renounceRole, tl, cfg)) ||
      (e = hand_over(r, "RewardDistributor", m->distributor, ct_RewardDistributor_grantRole,
                     ct_RewardDistributor_renounceRole, tl, cfg)) ||
      (e = hand_over(r, "ReputationOracle", m->oracle, ct_ReputationOracle_grantRole,
                     ct_ReputationOracle_renounceRole, tl, cfg)) ||
      (e = hand_over(r, "ValidatorRegistry", m->registry, ct_ValidatorRegistry_grantRole,
                     ct_ValidatorRegistry_renounceRole, tl, cfg)) ||
      (e = hand_over(r, "SkillWallet", m->skill_wallet, ct_SkillWallet_grantRole, ct_SkillWallet_renounceRole, tl, cfg)) ||
      (e = hand_over(r, "PhemeBadges", m->badges, ct_PhemeBadges_grantRole, ct_PhemeBadges_renounceRole, tl, cfg)))
    return e;
  return role(r, "TimelockController", tl, ct_TimelockController_renounceRole, "renounceRole", "DEFAULT_ADMIN_ROLE", me);
}

pheme_err deploy_suite(deploy_sender *s, const deploy_config *cfg_in, manifest *m, char *err, size_t errlen) {
  static const uint8_t zero[20];
  memset(m, 0, sizeof *m);
  deploy_config cfg = *cfg_in;
  if (!memcmp(cfg.relayer, zero, 20)) memcpy(cfg.relayer, s->address, 20);
  if (!memcmp(cfg.team_beneficiary, zero, 20)) memcpy(cfg.team_beneficiary, s->address, 20);
  size_t nv = cfg.n_oracle_validators ? cfg.n_oracle_validators : 1;
  if (cfg.oracle_threshold > nv) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "oracle threshold %" PRIu64 " is more than the %zu validator(s)", cfg.oracle_threshold, nv);
  }
  uint64_t number, now;
  pheme_err e = latest_block(s, &number, &now, err, errlen);
  if (e) return e;
  m->chain_id = s->chain_id;
  m->deployment_block = number;
  memcpy(m->deployer, s->address, 20);
  memcpy(m->relayer, cfg.relayer, 20);

  run r = {s, {0}, err, errlen};
  buf_init(&r.code, 64u << 20);
  e = deploy_contracts(&r, &cfg, m);
  if (!e) e = wire(&r, &cfg, m);
  buf_release(&r.code);
  if (e) return e;
  memcpy(m->governance, m->timelock, 20);

  for (size_t i = 0; i < manifest_field_count; i++) {
    const manifest_field *f = &manifest_fields[i];
    if (strcmp(f->section, "roles") == 0) continue;
    int has = deploy_has_code(s->rpc, manifest_address(m, f));
    if (has != 1) {
      char a[ADDRESS_TEXT];
      return pheme_fail(has < 0 ? PHEME_SYS_IO : PHEME_DATA_STATE, err, errlen, "%s %s at %s: %s", f->section, f->key,
                        address_to_checksum(a, manifest_address(m, f)),
                        has < 0 ? "eth_getCode failed" : "no code after deployment");
    }
  }
  return PHEME_OK;
}
