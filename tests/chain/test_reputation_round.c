/* Reputation epochs on a real anvil (issue 12). Scores stored through the engine become round 1;
 * three oracle validators (threshold 3) sign its root with `rep_round_sign` (what `pheme validator
 * sign-round` runs), the signatures are recovered and stored, `rep_round_publish` queues the
 * root-only submitRound and the recordScores chunks in the outbox and the transaction manager
 * sends them. Then ReputationOracle.verifyScore accepts the proof of every score as GET
 * /api/v1/reputation/:address/proof gives it (rep_epoch_proof) and refuses each with the score
 * changed; an epoch of 2,000 people in chunks of 150 is recorded in full, getPastScore (what the
 * governor reads) follows it, and the next epoch sends only the scores that changed. */
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
#define CROWD 2000 /* the large epoch */
#define CHUNK 150  /* people per recordScores chunk in it */

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

/* anvil with the suite deployed (validators 1..3 of anvil's keys, threshold 3) and a fresh SQLite
 * store */
typedef struct {
  anvil_node node;
  rpc_client *rpc;
  manifest m;
  rep_oracle o;
  uint8_t key0[32], sender[20];
  char dir[64];
  store *s;
  arena a;
} fixture;

static void fixture_start(fixture *f) {
  char err[512] = "";
  REQUIRE(anvil_start(&f->node, NULL) == 0);
  setenv("PHEME_ORACLE_VALIDATORS", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8,"
                                    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC,"
                                    "0x90F79bf6EB2c4f870365E785982E1f101E93b906", 1);
  setenv("PHEME_ORACLE_THRESHOLD", "3", 1);
  const char *eps[] = {f->node.url};
  f->rpc = rpc_client_new(eps, 1, NULL);
  key_of(f->key0, ANVIL_KEY0);
  pheme_error ee;
  REQUIRE(secp_address(f->sender, f->key0, &ee) == 0);
  deploy_sender ds;
  deploy_config cfg;
  deploy_config_init(&cfg);
  pheme_err e = deploy_config_from_env(&cfg, err, sizeof err);
  if (!e) e = deploy_sender_init(&ds, f->rpc, f->key0, err, sizeof err);
  ds.poll_ms = 10; /* anvil mines each transaction at once: 200 ms (for real chains) per receipt */
  if (!e) e = deploy_suite(&ds, &cfg, &f->m, err, sizeof err);
  if (e) fprintf(stderr, "deploy: %s\n", err);
  REQUIRE(e == 0);
  deploy_sender_release(&ds);
  f->o.chain_id = ANVIL_CHAIN_ID;
  memcpy(f->o.oracle, f->m.oracle, 20);

  char url[300];
  snprintf(f->dir, sizeof f->dir, "/tmp/pheme-reproundXXXXXX");
  REQUIRE(mkdtemp(f->dir));
  snprintf(url, sizeof url, "sqlite:%s/r.db", f->dir);
  store_options so = {2, 5000, 0, NULL};
  int applied;
  REQUIRE(store_open(&f->s, url, &so, err, sizeof err) == 0);
  REQUIRE(store_migrate(f->s, &applied, err, sizeof err) == 0);
  arena_init(&f->a, 0);
}

static void fixture_stop(fixture *f) {
  arena_release(&f->a);
  store_free(f->s);
  char rm[400];
  snprintf(rm, sizeof rm, "rm -rf %s", f->dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", f->dir);
  rpc_client_free(f->rpc);
  anvil_stop(&f->node);
  unsetenv("PHEME_ORACLE_VALIDATORS");
  unsetenv("PHEME_ORACLE_THRESHOLD");
}

/* n people with pseudo-random addresses and scores (µpt) from seed r; their user ids in ids */
static void make_people(fixture *f, int n, uint64_t r, uint8_t (*who)[20], int64_t *ids) {
  store_actor sys = {0, ""};
  store_rep_score *sc = calloc((size_t)n, sizeof *sc);
  REQUIRE(sc);
  for (int i = 0; i < n; i++) {
    for (int b = 0; b < 20; b++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      who[i][b] = (uint8_t)r;
    }
    user u;
    int created;
    REQUIRE(store_user_ensure(f->s, &f->a, &sys, who[i], &u, &created) == 0);
    ids[i] = u.id;
    sc[i].user_id = u.id;
    sc[i].score = (int64_t)(r % 100000001);
    sc[i].formula_version = REP_FORMULA_VERSION;
    sc[i].receipt = "{}";
    sc[i].inputs_digest[0] = (uint8_t)i, sc[i].inputs_digest[1] = (uint8_t)(i >> 8);
  }
  REQUIRE(store_rep_scores_save(f->s, &sys, NULL, sc, n, NULL) == 0);
  free(sc);
}

/* new scores (µpt) for people[0..n) */
static void rescore(fixture *f, const int64_t *ids, const int64_t *score, int n) {
  store_actor sys = {0, ""};
  store_rep_score *sc = calloc((size_t)n, sizeof *sc);
  REQUIRE(sc);
  for (int i = 0; i < n; i++) {
    sc[i].user_id = ids[i];
    sc[i].score = score[i];
    sc[i].formula_version = REP_FORMULA_VERSION;
    sc[i].receipt = "{}";
    sc[i].inputs_digest[0] = 0xee, sc[i].inputs_digest[1] = (uint8_t)i, sc[i].inputs_digest[2] = (uint8_t)(i >> 8);
  }
  REQUIRE(store_rep_scores_save(f->s, &sys, NULL, sc, n, NULL) == 0);
  free(sc);
}

/* the three validators sign round's root; the signatures are stored */
static void sign_three(fixture *f, int64_t round, const uint8_t root[32]) {
  char err[512];
  uint8_t digest[32];
  REQUIRE(rep_round_digest(&f->o, round, root, digest, err, sizeof err) == 0);
  for (int i = 0; i < 3; i++) {
    uint8_t k[32], sig[65], signer[20], stored[20], want[20];
    key_of(k, vkeys[i]);
    REQUIRE(rep_round_sign(digest, k, sig, signer, err, sizeof err) == 0);
    REQUIRE(address_parse(want, vaddrs[i], strlen(vaddrs[i]), 0, NULL) == 0);
    CHECK_MEM(signer, 20, want, 20);
    CHECK_INT(rep_round_add_signature(f->s, &f->o, round, sig, stored, err, sizeof err), 0);
    CHECK_MEM(stored, 20, want, 20);
  }
}

/* Runs the transaction manager until every open intent is finished; every one must confirm.
 * Logs the gas used by the intents from *from on (people: the persons they record), and moves
 * *from past them. */
static void send_all(fixture *f, int64_t people, int64_t *from) {
  char err[512];
  const char *eps[] = {f->node.url};
  txm_options to;
  txm_options_init(&to);
  to.endpoints = eps;
  to.n_endpoints = 1;
  to.chain_id = ANVIL_CHAIN_ID;
  memcpy(to.key, f->key0, 32);
  to.confirmations = 1;
  txm *t;
  REQUIRE(txm_new(&t, f->s, &to, err, sizeof err) == 0);
  int open = 1;
  for (int i = 0; i < 600 && open; i++) {
    txm_tick_stats st;
    CHECK(txm_tick(t, &st) == 0);
    outbox_intent *in;
    REQUIRE(outbox_open(f->s, &f->a, ANVIL_CHAIN_ID, f->sender, 1000, &in, &open) == 0);
    if (open) {
      struct timespec ts = {0, 100000000};
      nanosleep(&ts, NULL);
    }
  }
  CHECK_INT(open, 0);
  txm_free(t);
  /* every intent confirmed; the chunks' gas */
  uint64_t gas = 0, most = 0;
  int chunks = 0;
  for (int64_t id = *from;; id++) {
    outbox_intent in;
    if (outbox_get(f->s, &f->a, id, &in)) {
      *from = id;
      break;
    }
    CHECK_INT(in.state, OUTBOX_CONFIRMED);
    CHECK_INT(in.receipt_status, 1);
    if (in.state != OUTBOX_CONFIRMED) fprintf(stderr, "intent %lld (%s) not confirmed\n", (long long)id, in.kind);
    if (strcmp(in.kind, "oracle.scores") == 0 && in.gas_used > 0) {
      gas += (uint64_t)in.gas_used, chunks++;
      if ((uint64_t)in.gas_used > most) most = (uint64_t)in.gas_used;
    } else if (strcmp(in.kind, "oracle.round") == 0) {
      fprintf(stderr, "gas: submitRound (root, 3 signatures) %lld of limit %llu\n", (long long)in.gas_used,
              (unsigned long long)in.gas_limit);
    }
  }
  if (chunks && people)
    fprintf(stderr, "gas: %d recordScores chunk(s), %llu in all, largest %llu, %llu per person\n", chunks,
            (unsigned long long)gas, (unsigned long long)most, (unsigned long long)(gas / (uint64_t)people));
}

/* recordsOf for who[0..n): rounds and scores */
static void records(fixture *f, const uint8_t (*who)[20], int n, int64_t *rounds, int *scores) {
  char err[512], t[ADDRESS_TEXT];
  json_t *users = json_array(), *rs = NULL, *ss = NULL;
  for (int i = 0; i < n; i++) json_array_append_new(users, json_string(address_to_checksum(t, who[i])));
  buf cd, ret;
  buf_init(&cd, 1 << 20);
  buf_init(&ret, 1 << 20);
  REQUIRE(ct_ReputationOracle_recordsOf(&cd, users, NULL) == 0);
  REQUIRE(deploy_call(f->rpc, f->m.oracle, (const uint8_t *)cd.data, cd.len, &ret, err, sizeof err) == 0);
  REQUIRE(ct_ReputationOracle_recordsOf_result((const uint8_t *)ret.data, ret.len, &rs, &ss, NULL) == 0);
  for (int i = 0; i < n; i++) {
    rounds[i] = strtoll(json_string_value(json_array_get(rs, (size_t)i)), NULL, 10);
    scores[i] = (int)strtol(json_string_value(json_array_get(ss, (size_t)i)), NULL, 10);
  }
  json_decref(users), json_decref(rs), json_decref(ss);
  buf_release(&cd), buf_release(&ret);
}

/* ReputationOracle.getPastScore(who, timepoint) */
static void past_score_of(fixture *f, const uint8_t who[20], uint64_t timepoint, int *score) {
  char err[512];
  uint8_t tp[32], v[32];
  u256_from_u64(tp, timepoint);
  buf cd, ret;
  buf_init(&cd, 1024);
  buf_init(&ret, 1024);
  uint64_t out = 999;
  REQUIRE(ct_ReputationOracle_getPastScore(&cd, who, tp, NULL) == 0);
  REQUIRE(deploy_call(f->rpc, f->m.oracle, (const uint8_t *)cd.data, cd.len, &ret, err, sizeof err) == 0);
  REQUIRE(ct_ReputationOracle_getPastScore_result((const uint8_t *)ret.data, ret.len, v, NULL) == 0);
  REQUIRE(u256_to_u64(v, &out));
  buf_release(&cd), buf_release(&ret);
  *score = (int)out;
}

static int past_score(fixture *f, const uint8_t who[20], uint64_t timepoint) {
  int v = -1;
  past_score_of(f, who, timepoint, &v);
  return v;
}

static void head_of(fixture *f, uint64_t *b) {
  json_t *r = NULL;
  rpc_error re;
  REQUIRE(rpc_call(f->rpc, NULL, "eth_blockNumber", "[]", &r, &re) == 0);
  REQUIRE(rpc_quantity_parse(json_string_value(r), b) == 0);
  json_decref(r);
}

static uint64_t head(fixture *f) {
  uint64_t b = 0;
  head_of(f, &b);
  return b;
}

static void mine(fixture *f) {
  json_t *r = NULL;
  rpc_error re;
  REQUIRE(rpc_call(f->rpc, NULL, "evm_mine", "[]", &r, &re) == 0);
  json_decref(r);
}

TEST(round_signed_by_three_validators_verifies_every_score) {
  fixture f;
  fixture_start(&f);
  char err[512];
  uint8_t who[PEOPLE][20];
  int64_t ids[PEOPLE];
  make_people(&f, PEOPLE, 99, who, ids);
  rep_engine eng;
  REQUIRE(rep_engine_init(&eng, f.s, NULL, err, sizeof err) == 0);
  store_actor sys = {0, ""};
  int64_t round, nleaves;
  uint8_t root[32];
  REQUIRE(rep_epoch_build(&eng, &sys, 0, &round, root, &nleaves) == 0);
  CHECK_INT(round, 1);
  CHECK_INT(nleaves, PEOPLE);

  /* the digest the contract computes for the root-only round is the one the validators sign */
  uint8_t digest[32];
  REQUIRE(rep_round_digest(&f.o, round, root, digest, err, sizeof err) == 0);
  buf cd, ret;
  buf_init(&cd, 1 << 20);
  buf_init(&ret, 1 << 10);
  json_t *typed = rep_round_typed(&f.o, round, root);
  json_t *msg = json_object_get(typed, "message");
  CHECK_INT((int)json_array_size(json_object_get(msg, "users")), 0);
  const contract_function *rdf = contracts_function(&ct_ReputationOracle, "roundDigest");
  REQUIRE(rdf);
  CHECK_INT(contracts_encode_call(&cd, rdf, json_pack("[s,O,O,O]", "1", json_object_get(msg, "root"),
                                                      json_object_get(msg, "users"), json_object_get(msg, "scores")),
                                  NULL), 0);
  CHECK_INT(deploy_call(f.rpc, f.m.oracle, (const uint8_t *)cd.data, cd.len, &ret, err, sizeof err), 0);
  CHECK_MEM(ret.data, ret.len, digest, 32);
  json_decref(typed);

  /* too few signatures; then three validators sign; a garbage signature is refused */
  rep_publish_options po = {.threshold = 3, .chunk = 200, .rpc = f.rpc};
  memcpy(po.sender, f.sender, 20);
  rep_publish_result pr;
  CHECK_INT(rep_round_publish(f.s, &f.o, round, &po, &pr, err, sizeof err), PHEME_DATA_STATE);
  sign_three(&f, round, root);
  uint8_t junk[65] = {0}, nobody[20];
  CHECK(rep_round_add_signature(f.s, &f.o, round, junk, nobody, err, sizeof err) != 0);

  /* publish: the root and one chunk of everybody (nobody has a score on chain yet) */
  REQUIRE(rep_round_publish(f.s, &f.o, round, &po, &pr, err, sizeof err) == 0);
  CHECK_INT(pr.changed, PEOPLE);
  CHECK_INT(pr.chunks, 1);
  int64_t from = 1;
  send_all(&f, PEOPLE, &from);

  /* every score verifies on chain and is recorded; each with a changed score does not verify */
  buf_clear(&cd), buf_clear(&ret);
  CHECK_INT(ct_ReputationOracle_latestRound(&cd, NULL), 0);
  CHECK_INT(deploy_call(f.rpc, f.m.oracle, (const uint8_t *)cd.data, cd.len, &ret, err, sizeof err), 0);
  uint8_t one[32];
  u256_from_u64(one, 1);
  CHECK_MEM(ret.data, ret.len, one, 32);
  int64_t rounds[PEOPLE];
  int scores[PEOPLE];
  records(&f, (const uint8_t(*)[20])who, PEOPLE, rounds, scores);
  for (int i = 0; i < PEOPLE; i++) {
    rep_proof *pf = malloc(sizeof *pf);
    REQUIRE(rep_epoch_proof(&eng, &f.a, who[i], pf) == 0);
    CHECK_INT(pf->round, 1);
    CHECK_INT(verify(f.rpc, &f.m, who[i], (unsigned)pf->score, round, pf), 1);
    CHECK_INT(verify(f.rpc, &f.m, who[i], (unsigned)(pf->score + 1) % 101, round, pf), 0);
    CHECK_INT(scores[i], pf->score);
    CHECK_INT(rounds[i], 1);
    free(pf);
  }
  /* publishing again queues nothing new: the root's key is taken and nobody's score differs */
  REQUIRE(rep_round_publish(f.s, &f.o, round, &po, &pr, err, sizeof err) == 0);
  CHECK_INT(pr.changed, 0);
  CHECK_INT(pr.chunks, 0);
  buf_release(&cd), buf_release(&ret);
  fixture_stop(&f);
}

static int leaf_cmp(const void *k, const void *l) { return memcmp(k, ((const store_rep_leaf *)l)->address, 20); }

/* An epoch larger than a chunk (and than one block's worth of listed users) is recorded in full;
 * getPastScore follows; the next epoch sends only the changed scores. */
TEST(large_epoch_publishes_in_chunks_of_changed_scores) {
  fixture f;
  fixture_start(&f);
  char err[512];
  uint8_t(*who)[20] = malloc(CROWD * sizeof *who);
  int64_t *ids = malloc(CROWD * sizeof *ids), *rounds = malloc(CROWD * sizeof *rounds);
  int *scores = malloc(CROWD * sizeof *scores);
  REQUIRE(who && ids && rounds && scores);
  make_people(&f, CROWD, 7, who, ids);
  rep_engine eng;
  REQUIRE(rep_engine_init(&eng, f.s, NULL, err, sizeof err) == 0);
  store_actor sys = {0, ""};
  int64_t round, nleaves;
  uint8_t root[32];
  REQUIRE(rep_epoch_build(&eng, &sys, 0, &round, root, &nleaves) == 0);
  CHECK_INT(nleaves, CROWD);
  sign_three(&f, round, root);
  rep_publish_options po = {.threshold = 3, .chunk = CHUNK, .rpc = f.rpc};
  memcpy(po.sender, f.sender, 20);
  rep_publish_result pr;
  REQUIRE(rep_round_publish(f.s, &f.o, round, &po, &pr, err, sizeof err) == 0);
  /* people whose score rounds to 0 need no checkpoint: the oracle reads 0 for them already */
  store_rep_leaf *leaves;
  int64_t nl;
  REQUIRE(store_rep_epoch_leaves(f.s, &f.a, round, &leaves, &nl) == 0);
  int64_t nonzero = 0;
  for (int64_t i = 0; i < nl; i++) nonzero += leaves[i].score != 0;
  CHECK_INT(pr.changed, nonzero);
  CHECK_INT(pr.chunks, (nonzero + CHUNK - 1) / CHUNK);
  CHECK(pr.chunks > 1);
  int64_t from = 1;
  send_all(&f, pr.changed, &from);
  mine(&f);
  uint64_t after1 = head(&f) - 1;

  /* every score is recorded as the epoch has it, and governance reads it */
  records(&f, (const uint8_t(*)[20])who, CROWD, rounds, scores);
  int64_t score1[CROWD];
  for (int i = 0; i < CROWD; i++) {
    /* the epoch's score of who[i] (leaves by address); rep_epoch_proof's tree cache is keyed by
     * round number, and the first test's round 1 is in it */
    const store_rep_leaf *l = bsearch(who[i], leaves, (size_t)nl, sizeof *leaves, leaf_cmp);
    REQUIRE(l);
    CHECK_INT(scores[i], l->score);
    CHECK_INT(rounds[i], l->score ? 1 : 0);
    score1[i] = l->score;
    if (i % 100 == 0) CHECK_INT(past_score(&f, who[i], after1), l->score);
  }

  /* round 2: 100 people change; only they are sent */
  int64_t newscore[100], changed_ids[100];
  for (int i = 0; i < 100; i++) {
    changed_ids[i] = ids[i * 20];
    newscore[i] = ((score1[i * 20] + 37) % 101) * 1000000;
  }
  rescore(&f, changed_ids, newscore, 100);
  int64_t round2;
  REQUIRE(rep_epoch_build(&eng, &sys, 0, &round2, root, &nleaves) == 0);
  CHECK_INT(round2, 2);
  sign_three(&f, round2, root);
  REQUIRE(rep_round_publish(f.s, &f.o, round2, &po, &pr, err, sizeof err) == 0);
  CHECK_INT(pr.changed, 100);
  CHECK_INT(pr.chunks, 1);
  send_all(&f, 100, &from);
  mine(&f);
  uint64_t after2 = head(&f) - 1;
  records(&f, (const uint8_t(*)[20])who, CROWD, rounds, scores);
  for (int i = 0; i < CROWD; i++) {
    int moved = i % 20 == 0 && i / 20 < 100;
    int want = moved ? (int)(newscore[i / 20] / 1000000) : (int)score1[i];
    CHECK_INT(scores[i], want);
    CHECK_INT(rounds[i], moved ? 2 : (score1[i] ? 1 : 0));
    if (moved && i % 100 == 0) {
      CHECK_INT(past_score(&f, who[i], after2), want);
      CHECK_INT(past_score(&f, who[i], after1), (int)score1[i]); /* the past does not change */
    }
  }
  free(who), free(ids), free(rounds), free(scores);
  fixture_stop(&f);
}

TEST_MAIN(RUN(round_signed_by_three_validators_verifies_every_score);
          RUN(large_epoch_publishes_in_chunks_of_changed_scores))
