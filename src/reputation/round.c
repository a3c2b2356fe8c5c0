/* Rounds for ReputationOracle (round.h): typed data per contracts/signing.json, signatures,
 * and the submitRound intent. */
#include "reputation/round.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/contracts.h"
#include "chain/deploy.h"
#include "chain/manifest.h"
#include "chain/rpc.h"
#include "chain/status.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/eip712.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "eth/u256.h"
#include "store/outbox.h"
#include "core/banned.h"

static json_t *users_json(const store_rep_leaf *leaves, int64_t n) {
  json_t *a = json_array();
  char t[ADDRESS_TEXT];
  for (int64_t i = 0; a && i < n; i++) json_array_append_new(a, json_string(address_to_checksum(t, leaves[i].address)));
  return a;
}

static json_t *scores_json(const store_rep_leaf *leaves, int64_t n) {
  json_t *a = json_array();
  for (int64_t i = 0; a && i < n; i++) json_array_append_new(a, json_integer(leaves[i].score));
  return a;
}

json_t *rep_round_typed(const rep_oracle *o, int64_t round, const uint8_t root[32], const store_rep_leaf *leaves,
                        int64_t n) {
  char rh[HEX_LEN(32) + 1], ca[ADDRESS_TEXT], rs[24];
  hex_encode(rh, root, 32);
  snprintf(rs, sizeof rs, "%lld", (long long)round);
  return json_pack("{s:{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]},s:s,s:{s:s,s:s,s:I,s:s},s:{s:s,s:s,s:o,s:o}}",
                   "types", "Round", "name", "round", "type", "uint256", "name", "root", "type", "bytes32", "name",
                   "users", "type", "address[]", "name", "scores", "type", "uint8[]", "primaryType", "Round",
                   "domain", "name", "PhemeReputationOracle", "version", "1", "chainId", (json_int_t)o->chain_id,
                   "verifyingContract", address_to_checksum(ca, o->oracle), "message", "round", rs, "root", rh,
                   "users", users_json(leaves, n), "scores", scores_json(leaves, n));
}

pheme_err rep_round_digest(const rep_oracle *o, int64_t round, const uint8_t root[32], const store_rep_leaf *leaves,
                     int64_t n, uint8_t digest[32], char *err, size_t errlen) {
  json_t *typed = rep_round_typed(o, round, root, leaves, n);
  if (!typed) {
    return pheme_fail(PHEME_SYS_INTERNAL, err, errlen, "round %lld: out of memory", (long long)round);
  }
  pheme_error ee;
  pheme_err e = eip712_hash(digest, typed, &ee);
  json_decref(typed);
  if (e) snprintf(err, errlen, "round %lld: %s", (long long)round, ee.msg);
  return e ? -1 : 0;
}

pheme_err rep_round_sign(const uint8_t digest[32], const uint8_t key[32], uint8_t sig[65], uint8_t signer[20], char *err,
                   size_t errlen) {
  pheme_error ee;
  if (secp_sign(sig, digest, key, &ee) || secp_address(signer, key, &ee)) {
    return pheme_fail(PHEME_SYS_INTERNAL, err, errlen, "signing the round: %s", ee.msg);
  }
  secp_v_to_27(sig);
  return 0;
}

int rep_round_calldata(buf *cd, int64_t round, const uint8_t root[32], const store_rep_leaf *leaves, int64_t n,
                       const uint8_t (*sigs)[65], int nsigs, char *err, size_t errlen) {
  json_t *users = users_json(leaves, n), *scores = scores_json(leaves, n), *sj = json_array();
  char sh[HEX_LEN(65) + 1];
  for (int i = 0; sj && i < nsigs; i++) json_array_append_new(sj, json_string(hex_encode(sh, sigs[i], 65)));
  uint8_t r[32];
  u256_from_u64(r, (uint64_t)round);
  pheme_error ee;
  int rc = 0;
  if (!users || !scores || !sj) {
    snprintf(err, errlen, "round %lld: out of memory", (long long)round);
    rc = -1;
  } else if (ct_ReputationOracle_submitRound(cd, r, root, users, scores, sj, &ee)) {
    snprintf(err, errlen, "submitRound(%lld): %s", (long long)round, ee.msg);
    rc = -1;
  }
  json_decref(users), json_decref(scores), json_decref(sj);
  return rc;
}

/* The stored epoch and its leaves. */
static pheme_err load_round(store *s, arena *a, int64_t round, store_rep_epoch *ep, store_rep_leaf **leaves,
                            int64_t *n) {
  pheme_err e = store_rep_epoch_get(s, a, round, ep);
  if (!e) e = store_rep_epoch_leaves(s, a, round, leaves, n);
  return e;
}

pheme_err rep_round_add_signature(store *s, const rep_oracle *o, int64_t round, const uint8_t sig[65],
                                  uint8_t signer[20], char *err, size_t errlen) {
  arena a;
  arena_init(&a, 0);
  store_rep_epoch ep;
  store_rep_leaf *leaves;
  int64_t n;
  uint8_t digest[32];
  pheme_error ee;
  pheme_err e = load_round(s, &a, round, &ep, &leaves, &n);
  if (e) {
    snprintf(err, errlen, "no epoch %lld", (long long)round);
  } else if (rep_round_digest(o, round, ep.root, leaves, n, digest, err, errlen)) {
    e = PHEME_SYS_INTERNAL;
  } else if (secp_recover_address(signer, digest, sig, SECP_LOW_S, &ee)) {
    snprintf(err, errlen, "not a signature of round %lld: %s", (long long)round, ee.msg);
    e = PHEME_DATA_INVALID;
  } else {
    e = store_rep_signature_add(s, round, signer, sig);
    if (e) snprintf(err, errlen, "storing the signature: %s", pheme_err_message(e));
  }
  arena_release(&a);
  return e;
}

pheme_err rep_round_publish(store *s, const rep_oracle *o, int64_t round, int threshold, const uint8_t sender[20],
                            int64_t *intent_id, char *err, size_t errlen) {
  arena a;
  arena_init(&a, 0);
  store_rep_epoch ep;
  store_rep_leaf *leaves;
  int64_t n;
  uint8_t(*sigs)[65] = NULL;
  int nsigs = 0;
  buf cd;
  buf_init(&cd, 64u << 20);
  pheme_err e = load_round(s, &a, round, &ep, &leaves, &n);
  if (e) snprintf(err, errlen, "no epoch %lld", (long long)round);
  if (!e) e = store_rep_signatures(s, &a, round, &sigs, &nsigs);
  if (!e && nsigs < threshold) {
    snprintf(err, errlen, "round %lld has %d signature(s); the oracle needs %d", (long long)round, nsigs, threshold);
    e = PHEME_DATA_STATE;
  }
  if (!e && rep_round_calldata(&cd, round, ep.root, leaves, n, (const uint8_t(*)[65])sigs, nsigs, err, errlen))
    e = PHEME_SYS_INTERNAL;
  if (!e) {
    char key[64];
    snprintf(key, sizeof key, "oracle.round:%llu:%lld", (unsigned long long)o->chain_id, (long long)round);
    /* An explicit gas limit: submitRound pushes one checkpoint per user, which costs a fresh
     * storage slot when mined in a later timepoint than the user's last checkpoint but only an
     * update when estimated in the same one, so an estimate can come out ~30% short (seen on
     * anvil: 238k estimated, 306k needed for 5 users). ~40k per user measured; 60k allowed. */
    uint64_t gas = 150000 + 60000 * (uint64_t)n;
    outbox_request rq = {.chain_id = o->chain_id, .has_to = 1, .data = (const uint8_t *)cd.data,
                         .data_len = cd.len, .gas_limit = gas > 30000000 ? 30000000 : gas,
                         .idempotency_key = key, .kind = "oracle.round"};
    memcpy(rq.sender, sender, 20);
    memcpy(rq.to, o->oracle, 20);
    int created;
    e = store_outbox_enqueue(s, &rq, time_now_ms(), intent_id, &created);
    if (e) snprintf(err, errlen, "queueing submitRound: %s", pheme_err_message(e));
    if (!e) e = store_rep_epoch_mark(s, round, "sent", *intent_id);
  }
  buf_release(&cd);
  arena_release(&a);
  return e;
}

pheme_err rep_oracle_from_config(const pheme_config *cfg, rep_oracle *o, char *err, size_t errlen) {
  if (cfg->chain_id <= 0) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "rounds need chain_id (the chain the oracle is on)");
  }
  char path[600];
  chain_status_manifest_path(path, sizeof path, cfg, (uint64_t)cfg->chain_id);
  manifest m;
  if (manifest_load(&m, path, err, errlen)) return PHEME_SYS_CONFIG;
  o->chain_id = (uint64_t)cfg->chain_id;
  memcpy(o->oracle, m.oracle, 20);
  return 0;
}

static pheme_err call_u64(rpc_client *rpc, const rep_oracle *o, int which, uint64_t *out, char *err, size_t errlen) {
  buf cd, ret;
  buf_init(&cd, 1024);
  buf_init(&ret, 1024);
  uint8_t v[32];
  int rc = (which ? ct_ReputationOracle_latestRound(&cd, NULL) : ct_ReputationOracle_threshold(&cd, NULL)) ||
           deploy_call(rpc, o->oracle, (const uint8_t *)cd.data, cd.len, &ret, err, errlen) ||
           (which ? ct_ReputationOracle_latestRound_result((const uint8_t *)ret.data, ret.len, v, NULL)
                  : ct_ReputationOracle_threshold_result((const uint8_t *)ret.data, ret.len, v, NULL)) ||
           !u256_to_u64(v, out);
  buf_release(&cd), buf_release(&ret);
  return rc ? -1 : 0;
}

pheme_err rep_oracle_read(const pheme_config *cfg, const rep_oracle *o, int *threshold, int64_t *latest, char *err,
                    size_t errlen) {
  if (!cfg->chain_rpc || !*cfg->chain_rpc) {
    return pheme_fail(PHEME_SYS_IO, err, errlen, "no chain_rpc to ask the oracle");
  }
  char first[512];
  snprintf(first, sizeof first, "%s", cfg->chain_rpc);
  first[strcspn(first, ",")] = 0;
  const char *eps[] = {first};
  rpc_client *rpc = rpc_client_new(eps, 1, NULL);
  if (!rpc) {
    return pheme_fail(PHEME_SYS_IO, err, errlen, "cannot reach %s", first);
  }
  uint64_t t = 0, l = 0;
  int rc = call_u64(rpc, o, 0, &t, err, errlen) || call_u64(rpc, o, 1, &l, err, errlen);
  rpc_client_free(rpc);
  if (rc) {
    if (!*err) snprintf(err, errlen, "could not read the oracle's threshold and latest round");
    return PHEME_SYS_IO;
  }
  *threshold = (int)t;
  *latest = (int64_t)l;
  return 0;
}

pheme_err rep_round_dev(rep_engine *r, const pheme_config *cfg, int64_t *round, char *err, size_t errlen) {
  rep_oracle o;
  int threshold;
  int64_t latest, n, intent;
  uint8_t key[32], sender[20], root[32], digest[32], sig[65], signer[20];
  pheme_error ee;
  rep_recompute_stats st;
  store_actor sys = {0, ""};
  if (rep_oracle_from_config(cfg, &o, err, errlen) || rep_oracle_read(cfg, &o, &threshold, &latest, err, errlen))
    return PHEME_SYS_INTERNAL;
  if (!cfg->chain_operator_key || deploy_key_parse(cfg->chain_operator_key, key, err, errlen) ||
      secp_address(sender, key, &ee)) {
    return pheme_fail(PHEME_SYS_INTERNAL, err, errlen, "the round needs chain_operator_key");
  }
  int rc = -1;
  arena a;
  arena_init(&a, 0);
  store_rep_epoch ep;
  store_rep_leaf *leaves;
  pheme_err e = rep_recompute(r, time_now_ms(), NULL, NULL, &st);
  if (!e) e = rep_epoch_build(r, &sys, latest + 1, round, root, &n);
  if (!e) e = store_rep_epoch_get(r->store, &a, *round, &ep);
  if (!e) e = store_rep_epoch_leaves(r->store, &a, *round, &leaves, &n);
  if (e) {
    snprintf(err, errlen, "building the epoch: %s", pheme_err_message(e));
  } else if (!rep_round_digest(&o, *round, root, leaves, n, digest, err, errlen) &&
             !rep_round_sign(digest, key, sig, signer, err, errlen) &&
             !rep_round_add_signature(r->store, &o, *round, sig, signer, err, errlen) &&
             !rep_round_publish(r->store, &o, *round, threshold, sender, &intent, err, errlen)) {
    rc = 0;
  }
  memset(key, 0, sizeof key);
  arena_release(&a);
  return rc;
}
