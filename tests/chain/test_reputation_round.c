/* A reputation epoch on a real anvil (issue 12): scores stored through the engine become round 1,
 * three oracle validators (threshold 3) sign it with `rep_round_sign` (what `pheme validator
 * sign-round` runs), the signatures are recovered and stored, `rep_round_publish` queues
 * submitRound in the outbox and the transaction manager sends it; then ReputationOracle.verifyScore
 * accepts the proof of every score as GET /api/v1/reputation/:address/proof gives it
 * (rep_epoch_proof), and refuses each proof with the score changed. */
#include <stdlib.h>
#include <string.h>

#include "anvil.h"
#include "chain/contracts.h"
#include "chain/deploy.h"
#include "chain/manifest.h"
#include "chain/rpc.h"
#include "chain/txm.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "eth/u256.h"
#include "reputation/merkle.h"
#include "reputation/reputation.h"
#include "reputation/round.h"
#include "store/internal.h"
#include "store/outbox.h"
#include "store/reputation.h"
#include "test.h"

/* anvil's development keys 1..3 (mnemonic "test test … junk"), the oracle's three validators */
static const char *const vkeys[3] = {
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
};
static const char *const vaddrs[3] = {"0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                                      "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
                                      "0x90F79bf6EB2c4f870365E785982E1f101E93b906"};
#define PEOPLE 40

static void key_of(uint8_t key[32], const char *hex) {
  if (hex_decode(key, 32, NULL, hex, strlen(hex), HEX_PREFIX_OPTIONAL | HEX_EXACT, NULL)) abort();
}

static int verify(rpc_client *rpc, const manifest *m, const uint8_t who[20], unsigned score, int64_t round,
                  const rep_proof *pf) {
  json_t *proof = json_array();
  char ph[HEX_LEN(32) + 1], err[512];
  for (int k = 0; k < pf->nproof; k++) json_array_append_new(proof, json_string(hex_encode(ph, pf->proof[k], 32)));
  uint8_t sc[32], rd[32];
  u256_from_u64(sc, score);
  u256_from_u64(rd, (uint64_t)round);
  buf cd, ret;
  buf_init(&cd, 1 << 16);
  buf_init(&ret, 1 << 10);
  int ok = -1;
  if (ct_ReputationOracle_verifyScore(&cd, who, sc, rd, proof, NULL) == 0 &&
      deploy_call(rpc, m->oracle, (const uint8_t *)cd.data, cd.len, &ret, err, sizeof err) == 0 &&
      ct_ReputationOracle_verifyScore_result((const uint8_t *)ret.data, ret.len, &ok, NULL) == 0) {
  } else {
    fprintf(stderr, "verifyScore call failed: %s\n", err);
    ok = -1;
  }
  buf_release(&cd), buf_release(&ret);
  json_decref(proof);
  return ok;
}

TEST(round_signed_by_three_validators_verifies_every_score) {
  anvil_node n;
  REQUIRE(anvil_start(&n, NULL) == 0);
  setenv("PHEME_ORACLE_VALIDATORS", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8,"
                                    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC,"
                                    "0x90F79bf6EB2c4f870365E785982E1f101E93b906", 1);
  setenv("PHEME_ORACLE_THRESHOLD", "3", 1);
  const char *eps[] = {n.url};
  rpc_client *rpc = rpc_client_new(eps, 1, NULL);
  uint8_t key0[32];
  key_of(key0, ANVIL_KEY0);
  deploy_sender ds;
  deploy_config cfg;
  manifest m;
  char err[512] = "";
  deploy_config_init(&cfg);
  pheme_err e = deploy_config_from_env(&cfg, err, sizeof err);
  if (!e) e = deploy_sender_init(&ds, rpc, key0, err, sizeof err);
  if (!e) e = deploy_suite(&ds, &cfg, &m, err, sizeof err);
  if (e) fprintf(stderr, "deploy: %s\n", err);
  REQUIRE(e == 0);
  deploy_sender_release(&ds);

  /* storage: PEOPLE people with scores */
  char dir[] = "/tmp/pheme-reproundXXXXXX", url[300];
  REQUIRE(mkdtemp(dir));
  snprintf(url, sizeof url, "sqlite:%s/r.db", dir);
  store *s;
  store_options so = {2, 5000, 0, NULL};
  int applied;
  REQUIRE(store_open(&s, url, &so, err, sizeof err) == 0);
  REQUIRE(store_migrate(s, &applied, err, sizeof err) == 0);
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, ""};
  uint8_t who[PEOPLE][20];
  store_rep_score sc[PEOPLE];
  uint64_t r = 99;
  for (int i = 0; i < PEOPLE; i++) {
    for (int b = 0; b < 20; b++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      who[i][b] = (uint8_t)r;
    }
    user u;
    int created;
    REQUIRE(store_user_ensure(s, &a, &sys, who[i], &u, &created) == 0);
    memset(&sc[i], 0, sizeof sc[i]);
    sc[i].user_id = u.id;
    sc[i].score = (int64_t)(r % 100000001);
    sc[i].formula_version = REP_FORMULA_VERSION;
    sc[i].receipt = "{}";
    sc[i].inputs_digest[0] = (uint8_t)i;
  }
  REQUIRE(store_rep_scores_save(s, &sys, sc, PEOPLE, NULL) == 0);
  rep_engine eng;
  REQUIRE(rep_engine_init(&eng, s, NULL, err, sizeof err) == 0);
  int64_t round, nleaves;
  uint8_t root[32];
  REQUIRE(rep_epoch_build(&eng, &sys, 0, &round, root, &nleaves) == 0);
  CHECK_INT(round, 1);
  CHECK_INT(nleaves, PEOPLE);

  /* the digest the contract computes is the one the validators sign */
  rep_oracle o = {ANVIL_CHAIN_ID, {0}};
  memcpy(o.oracle, m.oracle, 20);
  store_rep_epoch ep;
  store_rep_leaf *leaves;
  int64_t nl;
  REQUIRE(store_rep_epoch_get(s, &a, round, &ep) == 0 && store_rep_epoch_leaves(s, &a, round, &leaves, &nl) == 0);
  uint8_t digest[32];
  REQUIRE(rep_round_digest(&o, round, root, leaves, nl, digest, err, sizeof err) == 0);
  buf cd, ret;
  buf_init(&cd, 1 << 20);
  buf_init(&ret, 1 << 10);
  json_t *typed = rep_round_typed(&o, round, root, leaves, nl);
  json_t *msg = json_object_get(typed, "message");
  const contract_function *rdf = contracts_function(&ct_ReputationOracle, "roundDigest");
  REQUIRE(rdf);
  CHECK_INT(contracts_encode_call(&cd, rdf, json_pack("[s,O,O,O]", "1", json_object_get(msg, "root"),
                                                      json_object_get(msg, "users"), json_object_get(msg, "scores")),
                                  NULL), 0);
  CHECK_INT(deploy_call(rpc, m.oracle, (const uint8_t *)cd.data, cd.len, &ret, err, sizeof err), 0);
  CHECK_MEM(ret.data, ret.len, digest, 32);
  json_decref(typed);

  /* three validators sign; the signatures are recovered and stored */
  int64_t intent;
  uint8_t sender[20];
  pheme_error ee;
  REQUIRE(secp_address(sender, key0, &ee) == 0);
  CHECK_INT(rep_round_publish(s, &o, round, 3, sender, &intent, err, sizeof err), PHEME_DATA_STATE);
  for (int i = 0; i < 3; i++) {
    uint8_t k[32], sig[65], signer[20], stored[20], want[20];
    key_of(k, vkeys[i]);
    REQUIRE(rep_round_sign(digest, k, sig, signer, err, sizeof err) == 0);
    REQUIRE(address_parse(want, vaddrs[i], strlen(vaddrs[i]), 0, NULL) == 0);
    CHECK_MEM(signer, 20, want, 20);
    CHECK_INT(rep_round_add_signature(s, &o, round, sig, stored, err, sizeof err), 0);
    CHECK_MEM(stored, 20, want, 20);
  }
  /* a signature of something else is stored under some other address, which the oracle refuses:
   * here it is enough that a garbage signature is refused outright */
  uint8_t junk[65] = {0};
  uint8_t nobody[20];
  CHECK(rep_round_add_signature(s, &o, round, junk, nobody, err, sizeof err) != 0);

  /* publish: the outbox intent; the transaction manager sends it */
  REQUIRE(rep_round_publish(s, &o, round, 3, sender, &intent, err, sizeof err) == 0);
  txm_options to;
  txm_options_init(&to);
  to.endpoints = eps;
  to.n_endpoints = 1;
  to.chain_id = ANVIL_CHAIN_ID;
  memcpy(to.key, key0, 32);
  to.confirmations = 1;
  txm *t;
  REQUIRE(txm_new(&t, s, &to, err, sizeof err) == 0);
  outbox_intent in;
  for (int i = 0; i < 60; i++) {
    txm_tick_stats st;
    CHECK(txm_tick(t, &st) == 0);
    REQUIRE(outbox_get(s, &a, intent, &in) == 0);
    if (in.state == OUTBOX_CONFIRMED || in.state == OUTBOX_FAILED) break;
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
  }
  CHECK_INT(in.state, OUTBOX_CONFIRMED);
  CHECK_INT(in.receipt_status, 1);
  txm_free(t);

  /* every score verifies on chain; each with a changed score does not */
  buf_clear(&cd), buf_clear(&ret);
  CHECK_INT(ct_ReputationOracle_latestRound(&cd, NULL), 0);
  CHECK_INT(deploy_call(rpc, m.oracle, (const uint8_t *)cd.data, cd.len, &ret, err, sizeof err), 0);
  uint8_t one[32];
  u256_from_u64(one, 1);
  CHECK_MEM(ret.data, ret.len, one, 32);
  for (int i = 0; i < PEOPLE; i++) {
    rep_proof *pf = malloc(sizeof *pf);
    REQUIRE(rep_epoch_proof(&eng, &a, who[i], pf) == 0);
    CHECK_INT(pf->score, (sc[i].score + 500000) / 1000000);
    CHECK_INT(verify(rpc, &m, who[i], (unsigned)pf->score, round, pf), 1);
    CHECK_INT(verify(rpc, &m, who[i], (unsigned)(pf->score + 1) % 101, round, pf), 0);
    free(pf);
  }
  buf_release(&cd), buf_release(&ret);
  arena_release(&a);
  store_free(s);
  char rm[400];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);
  rpc_client_free(rpc);
  anvil_stop(&n);
  unsetenv("PHEME_ORACLE_VALIDATORS");
  unsetenv("PHEME_ORACLE_THRESHOLD");
}

TEST_MAIN(RUN(round_signed_by_three_validators_verifies_every_score))
