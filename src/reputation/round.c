/* Rounds for ReputationOracle (round.h): typed data per contracts/signing.json (the root only),
 * signatures, and the intents that publish an epoch of any size: submitRound with the root, then
 * recordScores in chunks for the people whose score differs from the oracle's. */
#include "reputation/round.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/contracts.h"
#include "chain/deploy.h"
#include "chain/manifest.h"
#include "chain/rpc.h"
#include "chain/status.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/eip712.h"
#include "eth/hex.h"
#include "eth/keccak.h"
#include "eth/secp.h"
#include "eth/u256.h"
#include "reputation/merkle.h"
#include "store/outbox.h"
#include "core/banned.h"

/* The typed data of a round as PHEME signs it: the root, with the users and scores lists empty
 * (every score reaches the oracle through recordScores with its proof). */
json_t *rep_round_typed(const rep_oracle *o, int64_t round, const uint8_t root[32]) {
  char rh[HEX_LEN(32) + 1], ca[ADDRESS_TEXT], rs[24];
  hex_encode(rh, root, 32);
  snprintf(rs, sizeof rs, "%lld", (long long)round);
  return json_pack("{s:{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]},s:s,s:{s:s,s:s,s:I,s:s},s:{s:s,s:s,s:[],s:[]}}",
                   "types", "Round", "name", "round", "type", "uint256", "name", "root", "type", "bytes32", "name",
                   "users", "type", "address[]", "name", "scores", "type", "uint8[]", "primaryType", "Round",
                   "domain", "name", "PhemeReputationOracle", "version", "1", "chainId", (json_int_t)o->chain_id,
                   "verifyingContract", address_to_checksum(ca, o->oracle), "message", "round", rs, "root", rh,
                   "users", "scores");
}

pheme_err rep_round_digest(const rep_oracle *o, int64_t round, const uint8_t root[32], uint8_t digest[32], char *err,
                           size_t errlen) {
  json_t *typed = rep_round_typed(o, round, root);
  if (!typed) {
    return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "round %lld: out of memory", (long long)round);
  }
  pheme_error ee;
  pheme_err e = eip712_hash(digest, typed, &ee);
  json_decref(typed);
  if (e) pheme_fail(e, err, errlen, "round %lld: %s", (long long)round, ee.msg);
  return e;
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

pheme_err rep_round_calldata(buf *cd, int64_t round, const uint8_t root[32], const uint8_t (*sigs)[65], int nsigs,
                             char *err, size_t errlen) {
  json_t *none = json_array(), *sj = json_array();
  char sh[HEX_LEN(65) + 1];
  for (int i = 0; sj && i < nsigs; i++) json_array_append_new(sj, json_string(hex_encode(sh, sigs[i], 65)));
  uint8_t r[32];
  u256_from_u64(r, (uint64_t)round);
  pheme_error ee;
  pheme_err e = 0;
  if (!none || !sj) {
    e = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "round %lld: out of memory", (long long)round);
  } else if ((e = ct_ReputationOracle_submitRound(cd, r, root, none, none, sj, &ee))) {
    pheme_fail(e, err, errlen, "submitRound(%lld): %s", (long long)round, ee.msg);
  }
  json_decref(none), json_decref(sj);
  return e;
}

pheme_err rep_round_scores_calldata(buf *cd, int64_t round, const rep_merkle *t, const store_rep_leaf *leaves,
                                    const int64_t *which, int n, char *err, size_t errlen) {
  json_t *users = json_array(), *scores = json_array(), *proofs = json_array();
  char t_addr[ADDRESS_TEXT], ph[HEX_LEN(32) + 1];
  uint8_t(*proof)[32] = malloc(64 * sizeof *proof);
  int ok = users && scores && proofs && proof;
  for (int i = 0; ok && i < n; i++) {
    const store_rep_leaf *l = &leaves[which[i]];
    json_t *p = json_array();
    int np = rep_merkle_proof(t, which[i], proof);
    for (int k = 0; p && k < np; k++) ok &= json_array_append_new(p, json_string(hex_encode(ph, proof[k], 32))) == 0;
    ok &= p && json_array_append_new(proofs, p) == 0;
    ok &= json_array_append_new(users, json_string(address_to_checksum(t_addr, l->address))) == 0;
    ok &= json_array_append_new(scores, json_integer(l->score)) == 0;
  }
  uint8_t r[32];
  u256_from_u64(r, (uint64_t)round);
  pheme_error ee;
  pheme_err e = 0;
  if (!ok) {
    e = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "round %lld: out of memory", (long long)round);
  } else if ((e = ct_ReputationOracle_recordScores(cd, r, users, scores, proofs, &ee))) {
    pheme_fail(e, err, errlen, "recordScores(%lld): %s", (long long)round, ee.msg);
  }
  free(proof);
  json_decref(users), json_decref(scores), json_decref(proofs);
  return e;
}

pheme_err rep_round_add_signature(store *s, const rep_oracle *o, int64_t round, const uint8_t sig[65],
                                  uint8_t signer[20], char *err, size_t errlen) {
  arena a;
  arena_init(&a, 0);
  store_rep_epoch ep;
  uint8_t digest[32];
  pheme_error ee;
  pheme_err e = store_rep_epoch_get(s, &a, round, &ep);
  if (e) {
    snprintf(err, errlen, "no epoch %lld", (long long)round);
  } else if ((e = rep_round_digest(o, round, ep.root, digest, err, errlen))) {
  } else if (secp_recover_address(signer, digest, sig, SECP_LOW_S, &ee)) {
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "not a signature of round %lld: %s", (long long)round, ee.msg);
  } else {
    e = store_rep_signature_add(s, round, signer, sig);
    if (e) snprintf(err, errlen, "storing the signature: %s", pheme_err_message(e));
  }
  arena_release(&a);
  return e;
}

/* Gas limits, from receipts on anvil with a margin (tests/chain/test_reputation_round.c logs the
 * publisher's; contracts/GAS.md has recordScores with 20-node proofs): an estimate is not possible
 * for a chunk (recordScores reverts until the root's transaction, queued just before it, is
 * mined), and one made while a person's last checkpoint is in the same block comes out short. A
 * root-only submitRound used 122k-139k with 3 signatures, 138k with 5; recordScores 80.1k per
 * person never recorded with 11-node proofs and 87.2k with 20 (three fresh storage slots:
 * checkpoint, checkpoint count, recorded round), 48.4k / 55.4k for one recorded before; ~800 gas
 * per proof node (its calldata and hash). */
#define ROUND_GAS_BASE 150000
#define ROUND_GAS_PER_SIGNATURE 15000
#define SCORES_GAS_BASE 60000
#define SCORES_GAS_PER_PERSON 90000
#define SCORES_GAS_PER_PROOF_NODE 700
/* People per recordsOf call when comparing the epoch with the oracle: ~1,000 cold reads each. */
#define RECORDS_BATCH 1000

/* changed[i] = 1 when leaves[i]'s score differs from the oracle's latest checkpoint of that
 * person (none reads as 0); *nchanged counts them. */
static pheme_err changed_people(rpc_client *rpc, const rep_oracle *o, const store_rep_leaf *leaves, int64_t n,
                                uint8_t *changed, int64_t *nchanged, char *err, size_t errlen) {
  buf cd, ret;
  buf_init(&cd, 1u << 20);
  buf_init(&ret, 1u << 20);
  pheme_err e = 0;
  *nchanged = 0;
  for (int64_t at = 0; !e && at < n; at += RECORDS_BATCH) {
    int64_t m = n - at < RECORDS_BATCH ? n - at : RECORDS_BATCH;
    json_t *users = json_array(), *rounds = NULL, *scores = NULL;
    char t[ADDRESS_TEXT];
    for (int64_t i = 0; users && i < m; i++)
      json_array_append_new(users, json_string(address_to_checksum(t, leaves[at + i].address)));
    pheme_error ee;
    buf_clear(&cd), buf_clear(&ret);
    if (!users) {
      e = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "recordsOf: out of memory");
    } else if ((e = ct_ReputationOracle_recordsOf(&cd, users, &ee))) {
      pheme_fail(e, err, errlen, "recordsOf: %s", ee.msg);
    } else if ((e = deploy_call(rpc, o->oracle, (const uint8_t *)cd.data, cd.len, &ret, err, errlen))) {
    } else if ((e = ct_ReputationOracle_recordsOf_result((const uint8_t *)ret.data, ret.len, &rounds, &scores, &ee)) ||
               json_array_size(scores) != (size_t)m) {
      e = pheme_fail(e ? e : PHEME_DATA_INVALID, err, errlen, "recordsOf: %s", e ? ee.msg : "wrong length");
    }
    for (int64_t i = 0; !e && i < m; i++) {
      const char *v = json_string_value(json_array_get(scores, (size_t)i));
      long long sc = v ? strtoll(v, NULL, 10) : -1;
      changed[at + i] = sc != leaves[at + i].score;
      *nchanged += changed[at + i];
    }
    json_decref(users), json_decref(rounds), json_decref(scores);
  }
  buf_release(&cd), buf_release(&ret);
  return e;
}

static pheme_err enqueue(store *s, const rep_oracle *o, const uint8_t sender[20], const buf *cd, uint64_t gas,
                         const char *key, const char *kind, int64_t *id, char *err, size_t errlen) {
  outbox_request rq = {.chain_id = o->chain_id, .has_to = 1, .data = (const uint8_t *)cd->data,
                       .data_len = cd->len, .gas_limit = gas > 30000000 ? 30000000 : gas,
                       .idempotency_key = key, .kind = kind};
  memcpy(rq.sender, sender, 20);
  memcpy(rq.to, o->oracle, 20);
  int created;
  pheme_err e = store_outbox_enqueue(s, &rq, time_now_ms(), id, &created);
  if (e) pheme_fail(e, err, errlen, "queueing %s: %s", kind, pheme_err_message(e));
  return e;
}

/* The changed people's scores in chunks of po->chunk, each a recordScores intent whose key is
 * the round and the hash of its calldata: publishing again queues only what is new. */
static pheme_err enqueue_chunks(store *s, const rep_oracle *o, int64_t round, const rep_publish_options *po,
                                const store_rep_leaf *leaves, int64_t n, const uint8_t *changed,
                                rep_publish_result *out, char *err, size_t errlen) {
  rep_leaf_value *v = malloc((size_t)n * sizeof *v);
  int64_t *which = malloc((size_t)po->chunk * sizeof *which);
  rep_merkle t = {0};
  pheme_err e = 0;
  if (!v || !which) e = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "round %lld: out of memory", (long long)round);
  for (int64_t i = 0; !e && i < n; i++) {
    memcpy(v[i].address, leaves[i].address, 20);
    v[i].score = (uint32_t)leaves[i].score;
  }
  if (!e && rep_merkle_build(&t, v, n, 1))
    e = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "round %lld: out of memory for the tree", (long long)round);
  buf cd;
  buf_init(&cd, 64u << 20);
  uint8_t proof[64][32];
  for (int64_t i = 0; !e && i < n;) {
    int m = 0;
    uint64_t gas = SCORES_GAS_BASE;
    for (; i < n && m < po->chunk; i++) {
      if (!changed[i]) continue;
      which[m++] = i;
      gas += SCORES_GAS_PER_PERSON + SCORES_GAS_PER_PROOF_NODE * (uint64_t)rep_merkle_proof(&t, i, proof);
    }
    if (!m) break;
    buf_clear(&cd);
    e = rep_round_scores_calldata(&cd, round, &t, leaves, which, m, err, errlen);
    if (e) break;
    uint8_t h[32];
    char key[96], hh[17];
    keccak_256(h, cd.data, cd.len);
    bytes_to_hex(hh, h, 8);
    snprintf(key, sizeof key, "oracle.scores:%llu:%lld:%s", (unsigned long long)o->chain_id, (long long)round, hh);
    int64_t id;
    e = enqueue(s, o, po->sender, &cd, gas, key, "oracle.scores", &id, err, errlen);
    if (!e) out->chunks++, out->gas += gas > 30000000 ? 30000000 : gas;
  }
  buf_release(&cd);
  rep_merkle_release(&t);
  free(v), free(which);
  return e;
}

pheme_err rep_round_publish(store *s, const rep_oracle *o, int64_t round, const rep_publish_options *po,
                            rep_publish_result *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (po->chunk < 1 || !po->rpc) {
    return pheme_fail(PHEME_SYS_INTERNAL, err, errlen, "publishing needs a chunk size and the chain");
  }
  arena a;
  arena_init(&a, 0);
  store_rep_epoch ep;
  store_rep_leaf *leaves;
  int64_t n;
  uint8_t(*sigs)[65] = NULL;
  uint8_t *changed = NULL;
  int nsigs = 0;
  buf cd;
  buf_init(&cd, 1u << 20);
  pheme_err e = store_rep_epoch_get(s, &a, round, &ep);
  if (!e) e = store_rep_epoch_leaves(s, &a, round, &leaves, &n);
  if (e) snprintf(err, errlen, "no epoch %lld", (long long)round);
  if (!e) e = store_rep_signatures(s, &a, round, &sigs, &nsigs);
  if (!e && nsigs < po->threshold) {
    e = pheme_fail(PHEME_DATA_STATE, err, errlen, "round %lld has %d signature(s); the oracle needs %d",
                   (long long)round, nsigs, po->threshold);
  }
  if (!e) e = rep_round_calldata(&cd, round, ep.root, (const uint8_t(*)[65])sigs, nsigs, err, errlen);
  if (!e) {
    char key[64];
    snprintf(key, sizeof key, "oracle.round:%llu:%lld", (unsigned long long)o->chain_id, (long long)round);
    uint64_t gas = ROUND_GAS_BASE + ROUND_GAS_PER_SIGNATURE * (uint64_t)nsigs;
    e = enqueue(s, o, po->sender, &cd, gas, key, "oracle.round", &out->root_intent, err, errlen);
    if (!e) out->gas = gas;
  }
  if (!e && n > 0 && !(changed = malloc((size_t)n)))
    e = pheme_fail(PHEME_SYS_NOMEM, err, errlen, "round %lld: out of memory", (long long)round);
  if (!e && n > 0) e = changed_people(po->rpc, o, leaves, n, changed, &out->changed, err, errlen);
  if (!e && out->changed) e = enqueue_chunks(s, o, round, po, leaves, n, changed, out, err, errlen);
  if (!e) {
    e = store_rep_epoch_mark(s, round, "sent", out->root_intent);
    if (e) snprintf(err, errlen, "marking epoch %lld sent: %s", (long long)round, pheme_err_message(e));
  }
  free(changed);
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

/* A client of the configuration's first chain_rpc endpoint, or NULL with err. */
static rpc_client *oracle_rpc(const pheme_config *cfg, char *err, size_t errlen) {
  if (!cfg->chain_rpc || !*cfg->chain_rpc) {
    pheme_fail(PHEME_SYS_IO, err, errlen, "no chain_rpc to ask the oracle");
    return NULL;
  }
  char first[512];
  snprintf(first, sizeof first, "%s", cfg->chain_rpc);
  first[strcspn(first, ",")] = 0;
  const char *eps[] = {first};
  rpc_client *rpc = rpc_client_new(eps, 1, NULL);
  if (!rpc) pheme_fail(PHEME_SYS_IO, err, errlen, "cannot reach %s", first);
  return rpc;
}

pheme_err rep_oracle_read(const pheme_config *cfg, const rep_oracle *o, int *threshold, int64_t *latest, char *err,
                    size_t errlen) {
  rpc_client *rpc = oracle_rpc(cfg, err, errlen);
  if (!rpc) return PHEME_SYS_IO;
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

pheme_err rep_round_publish_config(store *s, const pheme_config *cfg, const rep_oracle *o, int64_t round,
                                   int threshold, const uint8_t sender[20], rep_publish_result *out, char *err,
                                   size_t errlen) {
  rep_publish_options po = {.threshold = threshold, .chunk = (int)cfg->rep_round_chunk};
  memcpy(po.sender, sender, 20);
  if (!(po.rpc = oracle_rpc(cfg, err, errlen))) return PHEME_SYS_IO;
  pheme_err e = rep_round_publish(s, o, round, &po, out, err, errlen);
  rpc_client_free(po.rpc);
  return e;
}

pheme_err rep_round_dev(rep_engine *r, const pheme_config *cfg, int64_t *round, char *err, size_t errlen) {
  rep_oracle o;
  int threshold;
  int64_t latest, n;
  uint8_t key[32], sender[20], root[32], digest[32], sig[65], signer[20];
  pheme_error ee;
  rep_recompute_stats st;
  rep_publish_result pr;
  store_actor sys = {0, ""};
  if (rep_oracle_from_config(cfg, &o, err, errlen) || rep_oracle_read(cfg, &o, &threshold, &latest, err, errlen))
    return PHEME_SYS_INTERNAL;
  if (!cfg->chain_operator_key || deploy_key_parse(cfg->chain_operator_key, key, err, errlen) ||
      secp_address(sender, key, &ee)) {
    return pheme_fail(PHEME_SYS_INTERNAL, err, errlen, "the round needs chain_operator_key");
  }
  pheme_err e = rep_recompute(r, time_now_ms(), NULL, NULL, NULL, &st);
  if (!e) e = rep_epoch_build(r, &sys, latest + 1, round, root, &n);
  if (e) {
    pheme_fail(e, err, errlen, "building the epoch: %s", pheme_err_message(e));
  } else if (!(e = rep_round_digest(&o, *round, root, digest, err, errlen)) &&
             !(e = rep_round_sign(digest, key, sig, signer, err, errlen)) &&
             !(e = rep_round_add_signature(r->store, &o, *round, sig, signer, err, errlen))) {
    e = rep_round_publish_config(r->store, cfg, &o, *round, threshold, sender, &pr, err, errlen);
    if (!e) {
      log_info("reputation: round %lld queued: root, %lld changed score(s) in %lld chunk(s)", (long long)*round,
               (long long)pr.changed, (long long)pr.chunks);
    }
  }
  memset(key, 0, sizeof key);
  return e;
}
