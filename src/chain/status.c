/* Chain status (status.h): one JSON-RPC batch for the node's view, the manifest from disk, the
 * database for the indexer and the outbox; a writer for the API and a printer for the CLI. */
#include "chain/status.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "chain/deploy.h"
#include "chain/endpoints.h"
#include "chain/rpc.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "eth/u256.h"
#include "store/chain_index.h"
#include "store/outbox.h"

#include "core/banned.h"


void chain_status_manifest_path(char *out, size_t cap, const pheme_config *cfg, uint64_t chain_id) {
  if (cfg->chain_manifest && cfg->chain_manifest[0])
    snprintf(out, cap, "%s", cfg->chain_manifest);
  else
    snprintf(out, cap, "contracts/deployments/%" PRIu64 ".json", chain_id);
}

/* A client for the endpoints of chain_rpc; NULL when there are none. */
static rpc_client *client_for(const pheme_config *cfg, long timeout_ms) {
  chain_endpoints eps;
  char err[128];
  if (chain_endpoints_parse(&eps, cfg->chain_rpc, err, sizeof err)) return NULL;
  rpc_options o;
  rpc_options_init(&o);
  o.timeout_ms = timeout_ms;
  o.connect_timeout_ms = timeout_ms < 3000 ? timeout_ms : 3000;
  o.retries = 0;
  o.expected_chain_id = cfg->chain_id > 0 ? (uint64_t)cfg->chain_id : 0;
  return rpc_client_new(eps.url, eps.n, &o);
}

static int quantity(const json_t *v, uint64_t *out) {
  const char *s = json_string_value(v);
  return s && rpc_quantity_parse(s, out) == PHEME_OK ? 0 : -1;
}

/* The node's part: chain id, head, operator balance and nonces, code at every address. */
static void read_node(chain_status *st, rpc_client *rpc, const pheme_config *cfg) {
  rpc_error re;
  if (rpc_check_chain(rpc, &re)) {
    snprintf(st->node_error, sizeof st->node_error, "%s", re.message);
    return;
  }
  st->chain_id = rpc_chain_id(rpc);
  if (!st->has_manifest && !st->manifest_error[0]) {
    chain_status_manifest_path(st->manifest_path, sizeof st->manifest_path, cfg, st->chain_id);
    char err[256];
    pheme_err e = manifest_load(&st->m, st->manifest_path, err, sizeof err);
    if (e)
      snprintf(st->manifest_error, sizeof st->manifest_error, "%s", err);
    else if (st->m.chain_id != st->chain_id)
      snprintf(st->manifest_error, sizeof st->manifest_error, "manifest '%.200s' is for chain %" PRIu64 ", the node is on %" PRIu64,
               st->manifest_path, st->m.chain_id, st->chain_id);
    else
      st->has_manifest = 1;
  }

  enum { FIXED = 4 };
  rpc_request calls[FIXED + CHAIN_STATUS_MAX_ADDRESSES];
  char params[FIXED + CHAIN_STATUS_MAX_ADDRESSES][96];
  memset(calls, 0, sizeof calls);
  char op[HEX_LEN(20) + 1];
  hex_encode(op, st->operator_address, 20);
  int n = 0;
  calls[n++].method = "eth_getBlockByNumber";
  snprintf(params[0], sizeof params[0], "[\"latest\",false]");
  calls[0].params_json = params[0];
  int op_first = n;
  if (st->has_operator) {
    static const char *const m3[] = {"eth_getBalance", "eth_getTransactionCount", "eth_getTransactionCount"};
    static const char *const tag[] = {"latest", "latest", "pending"};
    for (int i = 0; i < 3; i++) {
      snprintf(params[n], sizeof params[n], "[\"%s\",\"%s\"]", op, tag[i]);
      calls[n].method = m3[i];
      calls[n].params_json = params[n];
      n++;
    }
  }
  int code_first = n;
  size_t ncode = 0;
  if (st->has_manifest)
    for (size_t i = 0; i < manifest_field_count && i < CHAIN_STATUS_MAX_ADDRESSES; i++) {
      char a[HEX_LEN(20) + 1];
      snprintf(params[n], sizeof params[n], "[\"%s\",\"latest\"]",
               hex_encode(a, manifest_address(&st->m, &manifest_fields[i]), 20));
      calls[n].method = "eth_getCode";
      calls[n].params_json = params[n];
      n++;
      ncode++;
    }
  arena a;
  arena_init(&a, 1 << 20);
  if (rpc_batch(rpc, &a, calls, n, &re)) {
    snprintf(st->node_error, sizeof st->node_error, "%s", re.message);
    arena_release(&a);
    return;
  }
  st->reachable = 1;
  if (quantity(json_object_get(calls[0].result, "number"), &st->head) ||
      quantity(json_object_get(calls[0].result, "timestamp"), &st->head_time))
    snprintf(st->node_error, sizeof st->node_error, "the node's latest block has no number or timestamp");
  if (st->has_operator) {
    const char *bal = json_string_value(calls[op_first].result);
    st->has_balance = bal && u256_parse(st->operator_balance, bal, strlen(bal), 1, NULL) == PHEME_OK &&
                      quantity(calls[op_first + 1].result, &st->operator_nonce) == 0 &&
                      quantity(calls[op_first + 2].result, &st->operator_pending_nonce) == 0;
  }
  for (size_t i = 0; i < ncode; i++) {
    const char *code = json_string_value(calls[code_first + (int)i].result);
    st->code[i] = code ? strlen(code) > 2 : -1;
  }
  for (int i = 0; i < n; i++) json_decref(calls[i].result);
  arena_release(&a);
}

void chain_status_collect(chain_status *st, const pheme_config *cfg, store *s, long timeout_ms) {
  memset(st, 0, sizeof *st);
  for (size_t i = 0; i < CHAIN_STATUS_MAX_ADDRESSES; i++) st->code[i] = -1;
  st->indexer_block = -1;
  st->chain_id = cfg->chain_id > 0 ? (uint64_t)cfg->chain_id : 0;
  st->configured = cfg->chain_rpc && cfg->chain_rpc[0];
  if (cfg->chain_operator_key && cfg->chain_operator_key[0]) {
    uint8_t key[32];
    char err[256];
    if (deploy_key_parse(cfg->chain_operator_key, key, err, sizeof err) == PHEME_OK &&
        secp_address(st->operator_address, key, NULL) == PHEME_OK)
      st->has_operator = 1;
    else
      snprintf(st->operator_error, sizeof st->operator_error, "%s", err);
    volatile uint8_t *k = key;
    for (size_t i = 0; i < sizeof key; i++) k[i] = 0;
  } else {
    snprintf(st->operator_error, sizeof st->operator_error, "chain_operator_key is not set");
  }
  if (st->configured) {
    rpc_client *rpc = client_for(cfg, timeout_ms);
    if (!rpc)
      snprintf(st->node_error, sizeof st->node_error, "chain_rpc names no usable endpoint");
    else
      read_node(st, rpc, cfg);
    rpc_client_free(rpc);
  } else {
    snprintf(st->node_error, sizeof st->node_error, "chain_rpc is not set: no chain is configured");
  }
  if (!st->has_manifest && !st->manifest_error[0] &&
      (st->chain_id || (cfg->chain_manifest && cfg->chain_manifest[0]))) {
    /* the node was not reached: still show the manifest the configuration names */
    chain_status_manifest_path(st->manifest_path, sizeof st->manifest_path, cfg, st->chain_id);
    char err[256];
    if (manifest_load(&st->m, st->manifest_path, err, sizeof err) == PHEME_OK)
      st->has_manifest = 1;
    else
      snprintf(st->manifest_error, sizeof st->manifest_error, "%s", err);
  }
  if (s) chain_status_read_db(st, s);
}

/* Open intents counted per status call: enough to tell "a few" from "a backlog". */
#define OUTBOX_COUNT_CAP 10000

void chain_status_read_db(chain_status *st, store *s) {
  st->has_indexer = 0;
  st->has_outbox = 0;
  if (!st->chain_id) return;
  arena a;
  arena_init(&a, 16u << 20);
  store_chain_cursor cur;
  if (store_chain_cursor_get(s, &a, st->chain_id, &cur) == PHEME_OK) {
    st->has_indexer = 1;
    st->indexer_block = cur.block_number;
    snprintf(st->indexer_halted, sizeof st->indexer_halted, "%s", cur.halted ? cur.halted : "");
  }
  outbox_intent *open;
  int n;
  if (st->has_operator &&
      outbox_open(s, &a, st->chain_id, st->operator_address, OUTBOX_COUNT_CAP, &open, &n) == PHEME_OK) {
    st->has_outbox = 1;
    st->outbox_pending = n;
  }
  arena_release(&a);
}

static void write_address(jw *w, const uint8_t a[20]) {
  char t[ADDRESS_TEXT];
  jw_str(w, address_to_checksum(t, a));
}

static void write_u64(jw *w, uint64_t x) {
  if (x <= 9007199254740991ull) {
    jw_int(w, (long long)x);
  } else {
    char t[24];
    snprintf(t, sizeof t, "%" PRIu64, x);
    jw_str(w, t);
  }
}

void chain_status_write(jw *w, const chain_status *st) {
  jw_obj(w);
  jw_key(w, "configured");
  jw_bool(w, st->configured);
  jw_key(w, "reachable");
  jw_bool(w, st->reachable);
  jw_key(w, "error");
  jw_str(w, st->node_error[0] ? st->node_error : NULL);
  jw_key(w, "chainId");
  if (st->chain_id)
    write_u64(w, st->chain_id);
  else
    jw_null(w);
  jw_key(w, "head");
  if (st->reachable) {
    jw_obj(w);
    jw_key(w, "number");
    write_u64(w, st->head);
    jw_key(w, "timestamp");
    jw_time(w, (int64_t)st->head_time * 1000);
    jw_end(w);
  } else {
    jw_null(w);
  }

  jw_key(w, "manifest");
  jw_obj(w);
  jw_key(w, "path");
  jw_str(w, st->manifest_path[0] ? st->manifest_path : NULL);
  jw_key(w, "error");
  jw_str(w, st->manifest_error[0] ? st->manifest_error : NULL);
  if (st->has_manifest) {
    jw_key(w, "deploymentBlock");
    write_u64(w, st->m.deployment_block);
    static const char *const sections[] = {"contracts", "implementations", "roles"};
    for (size_t k = 0; k < 3; k++) {
      jw_key(w, sections[k]);
      jw_obj(w);
      for (size_t i = 0; i < manifest_field_count; i++) {
        const manifest_field *f = &manifest_fields[i];
        if (strcmp(f->section, sections[k])) continue;
        jw_key(w, f->key);
        if (k == 2) {
          write_address(w, manifest_address(&st->m, f));
          continue;
        }
        jw_obj(w);
        jw_key(w, "address");
        write_address(w, manifest_address(&st->m, f));
        jw_key(w, "hasCode");
        if (st->code[i] < 0)
          jw_null(w);
        else
          jw_bool(w, st->code[i]);
        jw_end(w);
      }
      jw_end(w);
    }
  }
  jw_end(w);

  jw_key(w, "operator");
  jw_obj(w);
  jw_key(w, "address");
  if (st->has_operator)
    write_address(w, st->operator_address);
  else
    jw_null(w);
  jw_key(w, "error");
  jw_str(w, st->operator_error[0] ? st->operator_error : NULL);
  if (st->has_balance) {
    char dec[U256_DEC_MAX];
    jw_key(w, "balance");
    jw_str(w, u256_to_dec(dec, st->operator_balance));
    jw_key(w, "nonce");
    write_u64(w, st->operator_nonce);
    jw_key(w, "pendingNonce");
    write_u64(w, st->operator_pending_nonce);
  }
  jw_end(w);

  jw_key(w, "indexer");
  if (st->has_indexer) {
    jw_obj(w);
    jw_key(w, "block");
    jw_int(w, st->indexer_block);
    jw_key(w, "lag");
    if (st->reachable && st->indexer_block >= 0 && (uint64_t)st->indexer_block <= st->head)
      write_u64(w, st->head - (uint64_t)st->indexer_block);
    else
      jw_null(w);
    jw_key(w, "halted");
    jw_str(w, st->indexer_halted[0] ? st->indexer_halted : NULL);
    jw_end(w);
  } else {
    jw_null(w);
  }
  jw_key(w, "outbox");
  if (st->has_outbox) {
    jw_obj(w);
    jw_key(w, "pending");
    jw_int(w, st->outbox_pending);
    jw_end(w);
  } else {
    jw_null(w);
  }
  jw_end(w);
}

void chain_status_print(FILE *out, const chain_status *st) {
  char a[ADDRESS_TEXT];
  if (st->reachable)
    fprintf(out, "chain      %" PRIu64 ", head block %" PRIu64 " (timestamp %" PRIu64 ")\n", st->chain_id, st->head,
            st->head_time);
  else
    fprintf(out, "chain      %s\n", st->node_error);
  if (st->has_manifest) {
    fprintf(out, "manifest   %s (deployed from block %" PRIu64 ")\n", st->manifest_path, st->m.deployment_block);
    for (size_t i = 0; i < manifest_field_count; i++) {
      const manifest_field *f = &manifest_fields[i];
      const char *code = strcmp(f->section, "roles") == 0 ? ""
                         : st->code[i] < 0                ? "  (code unknown)"
                         : st->code[i]                    ? ""
                                                          : "  (NO CODE)";
      fprintf(out, "  %-16s %-19s %s%s\n", f->section, f->key, address_to_checksum(a, manifest_address(&st->m, f)), code);
    }
  } else {
    fprintf(out, "manifest   %s\n", st->manifest_error[0] ? st->manifest_error : "none");
  }
  if (st->has_operator) {
    fprintf(out, "operator   %s", address_to_checksum(a, st->operator_address));
    if (st->has_balance) {
      char dec[U256_DEC_MAX];
      fprintf(out, ", balance %s wei, nonce %" PRIu64 ", %" PRIu64 " pending in the node", u256_to_dec(dec, st->operator_balance),
              st->operator_nonce, st->operator_pending_nonce - st->operator_nonce);
    }
    fputc('\n', out);
  } else {
    fprintf(out, "operator   %s\n", st->operator_error);
  }
  if (st->has_indexer) {
    fprintf(out, "indexer    at block %" PRId64, st->indexer_block);
    if (st->reachable && st->indexer_block >= 0 && (uint64_t)st->indexer_block <= st->head)
      fprintf(out, ", %" PRIu64 " behind", st->head - (uint64_t)st->indexer_block);
    if (st->indexer_halted[0]) fprintf(out, ", HALTED: %s", st->indexer_halted);
    fputc('\n', out);
  } else {
    fprintf(out, "indexer    no cursor in the database\n");
  }
  if (st->has_outbox)
    fprintf(out, "outbox     %" PRId64 " transaction(s) pending\n", st->outbox_pending);
  else
    fprintf(out, "outbox     not available\n");
}
