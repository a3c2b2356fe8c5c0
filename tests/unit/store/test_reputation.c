/* Reputation storage and the engine over it, on SQLite and PostgreSQL: endorsement refusals
 * (self, unknown skill, duplicate), batch lookups in order with unknown people at zero, history
 * rows and events only on change, and incremental updates equal to a full recompute after random
 * streams of events (validated work, XP rows, badges, endorsements). */
#include <pthread.h>
#include <time.h>

#include "core/util.h"
#include "eth/address.h"
#include "jobs/jobs.h"
#include "reputation/reputation.h"
#include "reputation/merkle.h"
#include "store/internal.h"
#include "store/lease.h"
#include "store/reputation.h"
#include "test.h"
#include "backends.h"

#define AS_OF 1800000000000LL
#define PEOPLE 24

static int64_t ids[PEOPLE];
static uint8_t addrs[PEOPLE][20];
static uint64_t rng = 12345;
static uint32_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

static void exec(const char *sql, const dbv *args, int n) {
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  pheme_err e = sx_query(&x, sql, args, n, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (e) fprintf(stderr, "exec failed: %s\n", sql);
  CHECK(e == 0);
}

static void people(void) {
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, ""};
  for (int i = 0; i < PEOPLE; i++) {
    memset(addrs[i], 0, 20);
    addrs[i][0] = 0x5e, addrs[i][19] = (uint8_t)(i + 1), addrs[i][18] = (uint8_t)(rng & 0xff);
    user u;
    int created;
    CHECK(store_user_ensure(S, &a, &sys, addrs[i], &u, &created) == 0);
    ids[i] = u.id;
  }
  /* person 0 is an admin (a trust seed); person 1 an active validator with stake (the other seed) */
  exec("UPDATE users SET roles = roles | 8 WHERE id = $1", SX_ARGS(dbv_int(ids[0])));
  exec("INSERT INTO validators (user_id, address, stake, accuracy_ppm, created_at, updated_at) "
       "VALUES ($1, $2, '2000000000000000000000', 900000, 0, 0)",
       SX_ARGS(dbv_int(ids[1]), dbv_blob(addrs[1], 20)));
  arena_release(&a);
}

/* rows in a table, or of "table WHERE …" (store_count knows only the core tables) */
static int count_rows(const char *table, int64_t *n) {
  sx x;
  if (sx_read(S, NULL, &x)) return -1;
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
  db_result r;
  pheme_err e = sx_query(&x, sql, NULL, 0, &r);
  if (!e) *n = db_int(&r, 0, 0);
  sx_end(&x);
  return e ? -1 : 0;
}

static int64_t task_seq;
static void outcome(int who, int score, int64_t at, int skill_id) {
  int64_t tid = 0, sid = 0;
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  char title[40];
  snprintf(title, sizeof title, "t%lld", (long long)++task_seq);
  pheme_err e = QID(&x, &tid,
                    "INSERT INTO tasks (type, title, description, difficulty, xp_reward, status, creator_id, "
                    "created_at, updated_at) VALUES ('BOUNTY', $1, 'd', 3, 10, 'OPEN', $2, 0, 0)",
                    dbv_text(title), dbv_int(ids[0]));
  if (!e) e = Q(&x, NULL, "INSERT INTO task_skills (task_id, skill_id) VALUES ($1, $2)", dbv_int(tid), dbv_int(skill_id));
  if (!e)
    e = QID(&x, &sid,
            "INSERT INTO submissions (task_id, user_id, text, state, final_score, created_at, updated_at) "
            "VALUES ($1, $2, 'w', 'APPROVED', $3, $4, $4)",
            dbv_int(tid), dbv_int(ids[who]), dbv_int(score), dbv_int(at));
  if (!e)
    e = Q(&x, NULL,
          "INSERT INTO outcomes (submission_id, user_id, task_id, final_score, created_at) VALUES ($1, $2, $3, $4, $5)",
          dbv_int(sid), dbv_int(ids[who]), dbv_int(tid), dbv_int(score), dbv_int(at));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  CHECK(e == 0);
}

static rep_engine eng;

/* person i endorsing: their principal and actor */
static void endorser(int i, work_principal *p, store_actor *who) {
  *p = (work_principal){.user_id = ids[i], .roles = 1};
  memcpy(p->address, addrs[i], 20);
  *who = (store_actor){ids[i], "t"};
}

TEST(endorsements_refused_with_codes) {
  arena a;
  arena_init(&a, 0);
  work_principal p;
  store_actor who;
  endorser(2, &p, &who);
  store_rep_endorsement en;
  CHECK_INT(rep_endorse(&eng, &a, &p, &who, addrs[2], "solidity", &en), PHEME_REP_SELF);
  CHECK_INT(rep_endorse(&eng, &a, &p, &who, addrs[3], "no-such-skill", &en), PHEME_REP_UNKNOWN_SKILL);
  CHECK_INT(rep_endorse(&eng, &a, &p, &who, addrs[3], "smart-contracts", &en), 0);
  CHECK_INT(en.to_user, ids[3]);
  CHECK_MEM(en.from_address, 20, addrs[2], 20);
  CHECK_INT(rep_endorse(&eng, &a, &p, &who, addrs[3], "smart-contracts", &en), PHEME_REP_DUPLICATE);
  CHECK_INT(rep_endorse(&eng, &a, &p, &who, addrs[3], "software-engineering", &en), 0);
  uint8_t nobody[20] = {0x77};
  CHECK_INT(rep_endorse(&eng, &a, &p, &who, nobody, "smart-contracts", &en), PHEME_DATA_NOT_FOUND);
  int64_t n;
  CHECK(count_rows("endorsements", &n) == 0);
  CHECK_INT(n, 2);
  arena_release(&a);
}

typedef struct {
  int64_t score;
  uint8_t digest[32];
} snap;

static void snapshot(snap *out) {
  arena a;
  arena_init(&a, 0);
  for (int i = 0; i < PEOPLE; i++) {
    store_rep_score sc;
    pheme_err e = store_rep_score_get(S, &a, ids[i], &sc);
    out[i].score = e ? -1 : sc.score;
    memcpy(out[i].digest, e ? (const uint8_t *)"--------------------------------" : sc.inputs_digest, 32);
  }
  arena_release(&a);
}

TEST(incremental_equals_full_recompute) {
  static const int skills[] = {1, 2, 5, 9, 13};
  for (int step = 0; step < 120; step++) {
    int kind = (int)(next() % 10), who = (int)(next() % PEOPLE);
    int64_t at = AS_OF - (int64_t)(next() % 400) * REP_DAY_MS;
    if (kind < 5) {
      outcome(who, (int)(next() % 101), at, skills[next() % 5]);
      CHECK(rep_update_user(&eng, ids[who], AS_OF, NULL) == 0);
    } else if (kind < 7) {
      exec("INSERT INTO xp_ledger (user_id, amount, reason, at) VALUES ($1, 10, 'quest', $2)",
           SX_ARGS(dbv_int(ids[who]), dbv_int(at)));
      CHECK(rep_update_user(&eng, ids[who], AS_OF, NULL) == 0);
    } else if (kind < 8) {
      /* a badge of its own each time: a person holds each badge type at most once (0018) */
      static int nbadge;
      char slug[24];
      snprintf(slug, sizeof slug, "b%d", ++nbadge);
      exec("INSERT INTO badge_types (slug, name, rarity) VALUES ($1, 'b', 'RARE')", SX_ARGS(dbv_text(slug)));
      exec("INSERT INTO badge_awards (user_id, badge_id, awarded_at) SELECT $1, id, 0 FROM badge_types WHERE slug = $2",
           SX_ARGS(dbv_int(ids[who]), dbv_text(slug)));
      CHECK(rep_update_user(&eng, ids[who], AS_OF, NULL) == 0);
    } else {
      int to = (int)(next() % PEOPLE);
      if (to == who) continue;
      arena a;
      arena_init(&a, 0);
      work_principal p = {.user_id = ids[who], .roles = 1};
      memcpy(p.address, addrs[who], 20);
      store_actor sys = {0, ""};
      store_rep_endorsement en;
      pheme_err e = rep_endorse(&eng, &a, &p, &sys, addrs[to], next() % 2 ? "smart-contracts" : "data", &en);
      CHECK(e == 0 || e == PHEME_REP_DUPLICATE);
      arena_release(&a);
      /* trust is global: refresh it, then update everybody it reaches */
      et_stats st;
      CHECK(rep_trust_refresh(&eng, NULL, &st) == 0);
      for (int i = 0; i < PEOPLE; i++) CHECK(rep_update_user(&eng, ids[i], AS_OF, NULL) == 0);
    }
  }
  for (int i = 0; i < PEOPLE; i++) CHECK(rep_update_user(&eng, ids[i], AS_OF, NULL) == 0);
  snap before[PEOPLE], after[PEOPLE];
  snapshot(before);
  rep_recompute_stats st;
  CHECK(rep_recompute(&eng, AS_OF, NULL, NULL, NULL, &st) == 0);
  CHECK_INT(st.changed, 0);
  CHECK(st.people >= PEOPLE);
  snapshot(after);
  int nonzero = 0;
  for (int i = 0; i < PEOPLE; i++) {
    CHECK_INT(before[i].score, after[i].score);
    CHECK_MEM(before[i].digest, 32, after[i].digest, 32);
    nonzero += after[i].score > 0;
  }
  CHECK(nonzero > PEOPLE / 2);
  /* each stored receipt verifies */
  arena a;
  arena_init(&a, 0);
  for (int i = 0; i < PEOPLE; i++) {
    store_rep_score sc;
    REQUIRE(store_rep_score_get(S, &a, ids[i], &sc) == 0);
    json_t *j = json_loads(sc.receipt, 0, NULL);
    char why[600];
    CHECK(rep_verify(j, why, sizeof why) == 0);
    json_decref(j);
  }
  arena_release(&a);
}

TEST(history_and_events_only_on_change) {
  int64_t h0, e0, h1, e1;
  CHECK(count_rows("reputation_history", &h0) == 0);
  CHECK(count_rows("events", &e0) == 0);
  CHECK(rep_update_user(&eng, ids[5], AS_OF, NULL) == 0); /* nothing new */
  CHECK(count_rows("reputation_history", &h1) == 0);
  CHECK(count_rows("events", &e1) == 0);
  CHECK_INT(h1, h0);
  CHECK_INT(e1, e0);
  outcome(5, 100, AS_OF, 1);
  int changed;
  CHECK(rep_update_user(&eng, ids[5], AS_OF, &changed) == 0);
  CHECK_INT(changed, 1);
  CHECK(count_rows("reputation_history", &h1) == 0);
  CHECK_INT(h1, h0 + 1);
  arena a;
  arena_init(&a, 0);
  store_rep_score *h;
  int n;
  store_page p = {0, 10};
  CHECK(store_rep_history(S, &a, ids[5], &p, &h, &n) == 0);
  REQUIRE(n >= 1);
  CHECK(h[0].score >= 0);
  arena_release(&a);
}

TEST(batch_in_order_unknown_zero) {
  arena a;
  arena_init(&a, 0);
  uint8_t q[5][20];
  memcpy(q[0], addrs[5], 20);
  memset(q[1], 0x99, 20); /* nobody */
  memcpy(q[2], addrs[3], 20);
  memcpy(q[3], addrs[5], 20);
  memset(q[4], 0x11, 20);
  store_rep_lookup out[5];
  CHECK(store_rep_lookup_many(S, &a, (const uint8_t(*)[20])q, 5, out) == 0);
  store_rep_score s5, s3;
  CHECK(store_rep_score_get(S, &a, ids[5], &s5) == 0);
  CHECK(store_rep_score_get(S, &a, ids[3], &s3) == 0);
  CHECK(out[0].found && out[0].score == s5.score);
  CHECK(!out[1].found && out[1].score == 0);
  CHECK(out[2].found && out[2].score == s3.score);
  CHECK(out[3].found && out[3].score == s5.score);
  CHECK(!out[4].found);
  arena_release(&a);
}

/* the engine's in-memory lookup (reputation/snapshot.c) answers what storage answers, follows a
 * rescore made after it loaded, finds a wallet linked since through storage, and spells every
 * address in EIP-55 */
TEST(lookup_table_equals_storage) {
  rep_lookup_forget(); /* the other backend's store may have had this one's address */
  arena a;
  arena_init(&a, 0);
  uint8_t q[PEOPLE + 2][20];
  for (int i = 0; i < PEOPLE; i++) memcpy(q[i], addrs[PEOPLE - 1 - i], 20);
  memset(q[PEOPLE], 0x99, 20);
  memcpy(q[PEOPLE + 1], addrs[4], 20);
  store_rep_lookup want[PEOPLE + 2], got[PEOPLE + 2];
  char text[PEOPLE + 2][ADDRESS_TEXT], spelled[ADDRESS_TEXT];
  for (int round = 0; round < 3; round++) {
    CHECK(store_rep_lookup_many(S, &a, (const uint8_t(*)[20])q, PEOPLE + 2, want) == 0);
    CHECK(rep_lookup_many(S, &a, (const uint8_t(*)[20])q, PEOPLE + 2, got, text) == 0);
    int found = 0;
    for (int i = 0; i < PEOPLE + 2; i++) {
      CHECK_INT(got[i].found, want[i].found);
      CHECK_INT(got[i].score, want[i].score);
      for (int d = 0; d < 3; d++) CHECK_INT(got[i].domain[d], want[i].domain[d]);
      CHECK_STR(text[i], address_to_checksum(spelled, q[i]));
      found += got[i].found;
    }
    CHECK(found >= 2);
    if (round == 0) { /* a rescore after the table loaded */
      outcome(4, 3, AS_OF - 1000, 2);
      int changed;
      CHECK(rep_update_user(&eng, ids[4], AS_OF, &changed) == 0);
      CHECK_INT(changed, 1);
    } else if (round == 1) { /* a wallet linked after it loaded */
      memset(q[PEOPLE], 0x77, 20);
      exec("INSERT INTO wallets (address, user_id, is_primary, linked_at) VALUES ($1, $2, 0, 0)",
           SX_ARGS(dbv_blob(q[PEOPLE], 20), dbv_int(ids[4])));
    }
  }
  CHECK(got[PEOPLE].found && got[PEOPLE].score == got[PEOPLE + 1].score);
  arena_release(&a);
}

/* PostgreSQL takes ids at INSERT, so a rescore can hold a lower event id and commit after one with
 * a higher id. The lookup table follows the outbox in commit order: it must not move past the
 * first rescore while it is uncommitted, and must serve it once it commits. */
static void rescore_raw(sx *x, int who, int64_t score) {
  db_result r;
  pheme_err e = Q(x, &r, "UPDATE reputation SET score = $1 WHERE user_id = $2 RETURNING user_id", dbv_int(score),
                  dbv_int(ids[who]));
  REQUIRE(!e && r.rows == 1);
  REQUIRE(!sx_event(x, "reputation.changed", ids[who], 1, "user", ids[who], "{}", AS_OF));
}

TEST(lookup_table_sees_a_rescore_that_commits_after_a_later_one) {
  if (strcmp(store_driver_name(S), "postgresql") != 0) return; /* SQLite commits in id order */
  arena a;
  arena_init(&a, 0);
  uint8_t q[2][20];
  memcpy(q[0], addrs[4], 20);
  memcpy(q[1], addrs[5], 20);
  store_rep_lookup got[2];
  char text[2][ADDRESS_TEXT];
  REQUIRE(rep_lookup_many(S, &a, (const uint8_t(*)[20])q, 2, got, text) == 0); /* loaded */
  REQUIRE(got[0].found && got[1].found);
  int64_t was4 = got[0].score, was5 = got[1].score;
  sx early, late;
  REQUIRE(!sx_write(S, NULL, &early));
  rescore_raw(&early, 4, 4100000); /* takes the lower event id, commits last */
  REQUIRE(!sx_write(S, NULL, &late));
  rescore_raw(&late, 5, 5100000);
  REQUIRE(!sx_commit(&late));
  sx_end(&late);
  CHECK(rep_lookup_many(S, &a, (const uint8_t(*)[20])q, 2, got, text) == 0);
  /* the later rescore is not final while the earlier transaction runs: neither is shown yet, or
   * only the later one; the earlier one's old score is still served */
  CHECK(got[0].score != 4100000);
  REQUIRE(!sx_commit(&early));
  sx_end(&early);
  CHECK(rep_lookup_many(S, &a, (const uint8_t(*)[20])q, 2, got, text) == 0);
  CHECK_INT(got[0].score, 4100000);
  CHECK_INT(got[1].score, 5100000);
  sx back; /* the scores the later tests expect */
  REQUIRE(!sx_write(S, NULL, &back));
  rescore_raw(&back, 4, was4);
  rescore_raw(&back, 5, was5);
  REQUIRE(!sx_commit(&back));
  sx_end(&back);
  arena_release(&a);
}

TEST(epoch_and_proofs) {
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, ""};
  int64_t round, n;
  uint8_t root[32];
  REQUIRE(rep_epoch_build(&eng, &sys, 0, &round, root, &n) == 0);
  CHECK(n >= PEOPLE);
  for (int i = 0; i < PEOPLE; i++) {
    rep_proof pf;
    REQUIRE(rep_epoch_proof(&eng, &a, addrs[i], &pf) == 0);
    CHECK_INT(pf.round, round);
    store_rep_score sc;
    CHECK(store_rep_score_get(S, &a, ids[i], &sc) == 0);
    CHECK_INT(pf.score, (sc.score + 500000) / 1000000);
    rep_leaf_value v = {.score = (uint32_t)pf.score};
    memcpy(v.address, addrs[i], 20);
    uint8_t leaf[32];
    rep_merkle_leaf(&v, leaf);
    CHECK(rep_merkle_verify(leaf, (const uint8_t(*)[32])pf.proof, pf.nproof, root));
  }
  uint8_t nobody[20] = {0x42};
  rep_proof pf;
  CHECK_INT(rep_epoch_proof(&eng, &a, nobody, &pf), PHEME_DATA_NOT_FOUND);
  int64_t round2;
  REQUIRE(rep_epoch_build(&eng, &sys, 0, &round2, root, &n) == 0);
  CHECK_INT(round2, round + 1);
  arena_release(&a);
}

TEST(skill_wallet_endorsements_are_mirrored) {
  /* the indexer's projections: Skill Wallets 1 and 2 held by people 6 and 7, on-chain skill 7
   * named like PHEME's "software-engineering" skill (by its name), and wallet 1 endorsing wallet 2
   * in it (the random stream above endorses only in smart-contracts and data) */
  exec("INSERT INTO chain_entities (chain_id, kind, key, owner, data, ord, block_number) VALUES "
       "(31337, 'skill_wallet', '1', $1, '{}', 1, 1), (31337, 'skill_wallet', '2', $2, '{}', 2, 1), "
       "(31337, 'skill', '7', NULL, '{\"name\":\"Software Engineering\"}', 3, 1), "
       "(31337, 'endorsement', '2/1/7', NULL, '{}', 4, 2), (31337, 'endorsement', '2/1/99', NULL, '{}', 5, 2)",
       SX_ARGS(dbv_blob(addrs[6], 20), dbv_blob(addrs[7], 20)));
  int added, removed;
  CHECK(store_rep_chain_endorsements_sync(S, &added, &removed) == 0);
  CHECK_INT(added, 1); /* skill 99 is not defined on chain: left out */
  CHECK_INT(removed, 0);
  int64_t n;
  CHECK(count_rows("endorsements WHERE source = 'chain'", &n) == 0);
  CHECK_INT(n, 1);
  CHECK(store_rep_chain_endorsements_sync(S, &added, &removed) == 0);
  CHECK_INT(added, 0);
  /* the person now has the endorsement among the formula's inputs */
  arena a;
  arena_init(&a, 0);
  store_rep_inputs in;
  CHECK(store_rep_inputs_load(S, &a, ids[7], &in) == 0);
  int found = 0;
  for (int i = 0; i < in.nendorsements; i++)
    found += in.endorsements[i].from_user == ids[6] && strcmp(in.endorsements[i].skill, "software-engineering") == 0 &&
             strcmp(in.endorsements[i].source, "chain") == 0;
  CHECK_INT(found, 1);
  arena_release(&a);
  /* revoked on chain: the mirror goes */
  exec("DELETE FROM chain_entities WHERE kind = 'endorsement' AND key = $1", SX_ARGS(dbv_text("2/1/7")));
  CHECK(store_rep_chain_endorsements_sync(S, &added, &removed) == 0);
  CHECK_INT(removed, 1);
  CHECK(count_rows("endorsements WHERE source = 'chain'", &n) == 0);
  CHECK_INT(n, 0);
}

/* The job a group commit of awards enqueues (store/game.c): {"user_ids": [...]} rescores each
 * person in turn; one who is gone does not stop the others, and fails the job for good once they
 * are done, naming them; a payload with neither form is refused for good. */
static pheme_err run_update_job(const char *payload, jobs_run *run, arena *a) {
  const jobs_kind *k = jobs_kind_find(REP_JOB_UPDATE);
  if (!k) return PHEME_DATA_NOT_FOUND;
  static job_claim claim;
  claim = (job_claim){.id = 1, .kind = REP_JOB_UPDATE, .payload = payload, .attempt = 1, .max_attempts = 3};
  memset(run, 0, sizeof *run);
  run->store = S;
  run->claim = &claim;
  run->a = a;
  return k->fn(run, k->ctx);
}

TEST(update_job_rescores_a_list_and_names_who_is_gone) {
  REQUIRE(rep_register_jobs(&eng, NULL) == 0);
  int64_t day_ago = time_now_ms() - REP_DAY_MS;
  outcome(8, 95, day_ago, 1);
  outcome(9, 85, day_ago, 2);
  int64_t h0, h1;
  CHECK(count_rows("reputation_history", &h0) == 0);
  arena a;
  arena_init(&a, 0);
  jobs_run run;
  char payload[200];
  snprintf(payload, sizeof payload, "{\"user_ids\":[%lld,987654321,%lld],\"submission_ids\":[0,0,0]}",
           (long long)ids[8], (long long)ids[9]);
  CHECK_INT(run_update_job(payload, &run, &a), PHEME_DATA_NOT_FOUND);
  CHECK_INT(run.permanent, 1);
  CHECK(strstr(run.error, "no user 987654321") != NULL);
  CHECK(count_rows("reputation_history", &h1) == 0);
  CHECK_INT(h1, h0 + 2); /* both rescored: the one who is gone, between them, stopped nothing */
  /* the one-person form */
  snprintf(payload, sizeof payload, "{\"user_id\":%lld}", (long long)ids[8]);
  CHECK_INT(run_update_job(payload, &run, &a), PHEME_OK);
  CHECK_INT(run.permanent, 0);
  /* refused for good: an empty list, both forms, a list of the wrong length */
  static const char *bad[] = {"{\"user_ids\":[]}", "{\"user_id\":1,\"user_ids\":[1]}",
                              "{\"user_ids\":[1,2],\"submission_ids\":[0]}", "[1]", "{\"user_ids\":[0]}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK_INT(run_update_job(bad[i], &run, &a), PHEME_DATA_INVALID);
    CHECK_INT(run.permanent, 1);
  }
  arena_release(&a);
}

/* ---- one recompute at a time (engine.c; lease "reputation.recompute", migration 0026) ---- */

static int64_t queued_recomputes(void) {
  int64_t n;
  return count_rows("jobs WHERE kind = 'reputation.recompute' AND state = 'queued'", &n) ? -1 : n;
}

TEST(endorsements_in_a_burst_ask_for_one_recompute) {
  arena a;
  arena_init(&a, 0);
  work_principal p;
  store_actor who;
  endorser(4, &p, &who);
  exec("UPDATE jobs SET state = 'done' WHERE kind = 'reputation.recompute' AND state = 'queued'", NULL, 0);
  store_rep_endorsement en;
  CHECK_INT(rep_endorse(&eng, &a, &p, &who, addrs[5], "smart-contracts", &en), 0);
  CHECK_INT(queued_recomputes(), 1);
  CHECK_INT(rep_endorse(&eng, &a, &p, &who, addrs[6], "smart-contracts", &en), 0);
  CHECK_INT(queued_recomputes(), 1); /* the waiting job will read both */
  /* once claimed it reads no more: the next endorsement asks again */
  exec("UPDATE jobs SET state = 'running', lease_owner = 't', lease_expires_at = 1 "
       "WHERE kind = 'reputation.recompute' AND state = 'queued'", NULL, 0);
  CHECK_INT(queued_recomputes(), 0);
  CHECK_INT(rep_endorse(&eng, &a, &p, &who, addrs[7], "smart-contracts", &en), 0);
  CHECK_INT(queued_recomputes(), 1);
  exec("UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL "
       "WHERE kind = 'reputation.recompute'", NULL, 0);
  /* coalescing and an idempotency key do not go together */
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  job_request rq = {.kind = "reputation.recompute", .idempotency_key = "k", .coalesce = 1};
  CHECK_INT(jobs_enqueue_in(&x, &rq, time_now_ms(), NULL, NULL), PHEME_DATA_INVALID);
  sx_end(&x);
  arena_release(&a);
}

TEST(a_lease_has_one_holder) {
  arena a;
  arena_init(&a, 0);
  int won;
  const char *holder;
  int64_t now = time_now_ms();
  CHECK_INT(store_lease_take(S, &a, "test.lease", "one", now, 1000, &won, &holder), 0);
  CHECK_INT(won, 1);
  CHECK_INT(store_lease_take(S, &a, "test.lease", "two", now + 10, 1000, &won, &holder), 0);
  CHECK_INT(won, 0);
  CHECK_STR(holder, "one");
  CHECK_INT(store_lease_take(S, &a, "test.lease", "one", now + 900, 1000, &won, &holder), 0);
  CHECK_INT(won, 1); /* renewed until now + 1900 */
  CHECK_INT(store_lease_take(S, &a, "test.lease", "two", now + 1500, 1000, &won, &holder), 0);
  CHECK_INT(won, 0);
  CHECK_INT(store_lease_take(S, &a, "test.lease", "two", now + 1900, 1000, &won, &holder), 0);
  CHECK_INT(won, 1); /* one's time ran out */
  CHECK_INT(store_lease_release(S, "test.lease", "one"), 0); /* not one's any more: nothing */
  CHECK_INT(store_lease_take(S, &a, "test.lease", "one", now + 1910, 1000, &won, &holder), 0);
  CHECK_INT(won, 0);
  CHECK_INT(store_lease_release(S, "test.lease", "two"), 0);
  CHECK_INT(store_lease_take(S, &a, "test.lease", "one", now + 1920, 1000, &won, &holder), 0);
  CHECK_INT(won, 1);
  CHECK_INT(store_lease_release(S, "test.lease", "one"), 0);
  CHECK_INT(store_lease_take(S, &a, "", "one", now, 1000, &won, NULL), PHEME_DATA_INVALID);
  CHECK_INT(store_lease_take(S, &a, "test.lease", "", now, 1000, &won, NULL), PHEME_DATA_INVALID);
  CHECK_INT(store_lease_take(S, &a, "test.lease", "one", now, 0, &won, NULL), PHEME_DATA_INVALID);
  arena_release(&a);
}

typedef struct {
  pthread_t t;
  volatile int stop, done;
  int rounds;
  pheme_err e;
} recomputer;

static void *recompute_thread(void *arg) {
  recomputer *w = arg;
  for (int i = 0; i < w->rounds && !w->e; i++) {
    rep_recompute_stats st;
    w->e = rep_recompute(&eng, AS_OF, &w->stop, NULL, NULL, &st);
  }
  __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void settle(int ms) { nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL); }

TEST(a_recompute_waits_for_the_one_running) {
  arena a;
  arena_init(&a, 0);
  int won;
  CHECK_INT(store_lease_take(S, &a, "reputation.recompute", "elsewhere", time_now_ms(), 60000, &won, NULL), 0);
  REQUIRE(won);
  /* it waits, and gives up when told to stop */
  recomputer w = {.rounds = 1};
  REQUIRE(pthread_create(&w.t, NULL, recompute_thread, &w) == 0);
  settle(300);
  CHECK_INT(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE), 0);
  w.stop = 1;
  pthread_join(w.t, NULL);
  CHECK_INT(w.e, PHEME_DATA_CONFLICT);
  /* it waits, and runs once the other is done */
  recomputer w2 = {.rounds = 1};
  REQUIRE(pthread_create(&w2.t, NULL, recompute_thread, &w2) == 0);
  settle(300);
  CHECK_INT(__atomic_load_n(&w2.done, __ATOMIC_ACQUIRE), 0);
  CHECK_INT(store_lease_release(S, "reputation.recompute", "elsewhere"), 0);
  pthread_join(w2.t, NULL);
  CHECK_INT(w2.e, 0);
  int64_t n;
  CHECK(count_rows("leases", &n) == 0);
  CHECK_INT(n, 0); /* released */
  arena_release(&a);
}

TEST(recomputes_at_once_all_succeed_and_agree) {
  /* endorsements change trust, so each recompute rewrites the trust snapshot */
  arena a;
  arena_init(&a, 0);
  work_principal p;
  store_actor who;
  endorser(10, &p, &who);
  store_rep_endorsement en;
  for (int i = 11; i < 15; i++) CHECK_INT(rep_endorse(&eng, &a, &p, &who, addrs[i], "data", &en), 0);
  recomputer w[3] = {{.rounds = 10}, {.rounds = 10}, {.rounds = 10}};
  for (int i = 0; i < 3; i++) REQUIRE(pthread_create(&w[i].t, NULL, recompute_thread, &w[i]) == 0);
  for (int i = 0; i < 3; i++) {
    pthread_join(w[i].t, NULL);
    CHECK_INT(w[i].e, 0);
  }
  rep_recompute_stats st;
  CHECK_INT(rep_recompute(&eng, AS_OF, NULL, NULL, NULL, &st), 0);
  CHECK_INT(st.changed, 0);
  arena_release(&a);
}

/* progress callbacks that act at the start of a recompute, while it holds the lease */
static int intruder_won = -1;
static void wait_then_intrude(int64_t done, int64_t total, void *ctx) {
  (void)total, (void)ctx;
  if (done != 0) return;
  settle(5000); /* two and a half lease times of 2 s: only the keeper's renewals hold it */
  REQUIRE(store_lease_take(S, NULL, "reputation.recompute", "intruder", time_now_ms(), 1000, &intruder_won, NULL) == 0);
}
static void steal_the_lease(int64_t done, int64_t total, void *ctx) {
  (void)total, (void)ctx;
  if (done != 0) return;
  /* taken over as if this recompute had stalled past its time: its next save is refused (the
   * fence in the save's own transaction), whether or not its keeper noticed first */
  exec("UPDATE leases SET owner = 'thief' WHERE name = 'reputation.recompute'", NULL, 0);
}

TEST(a_long_recompute_keeps_its_lease_and_stops_once_it_lost_it) {
  eng.recompute_lease_ms = 2000;
  rep_recompute_stats st;
  CHECK_INT(rep_recompute(&eng, AS_OF, NULL, wait_then_intrude, NULL, &st), 0);
  CHECK_INT(intruder_won, 0);
  int64_t n;
  CHECK(count_rows("leases", &n) == 0);
  CHECK_INT(n, 0);
  CHECK_INT(rep_recompute(&eng, AS_OF, NULL, steal_the_lease, NULL, &st), PHEME_DATA_CONFLICT);
  CHECK_INT(st.people, 0); /* nothing saved */
  CHECK(count_rows("leases WHERE owner = 'thief'", &n) == 0);
  CHECK_INT(n, 1); /* the release leaves another's lease alone */
  exec("DELETE FROM leases", NULL, 0);
  eng.recompute_lease_ms = 0;
  /* the trust snapshot has the same fence */
  int64_t before, after;
  CHECK(count_rows("reputation_trust", &before) == 0);
  et_stats ts;
  CHECK_INT(rep_trust_refresh(&eng, "not-the-holder", &ts), PHEME_DATA_CONFLICT);
  CHECK(count_rows("reputation_trust", &after) == 0);
  CHECK(before > 0);
  CHECK_INT(after, before);
}

static void all_tests(void) {
  char why[200];
  rng = 12345;
  task_seq = 0;
  if (rep_engine_init(&eng, S, NULL, why, sizeof why)) {
    fprintf(stderr, "%s\n", why);
    test__failed_tests++;
    return;
  }
  people();
  RUN(endorsements_refused_with_codes);
  RUN(incremental_equals_full_recompute);
  RUN(history_and_events_only_on_change);
  RUN(batch_in_order_unknown_zero);
  RUN(lookup_table_equals_storage);
  RUN(lookup_table_sees_a_rescore_that_commits_after_a_later_one);
  RUN(epoch_and_proofs);
  RUN(skill_wallet_endorsements_are_mirrored);
  RUN(update_job_rescores_a_list_and_names_who_is_gone);
  RUN(endorsements_in_a_burst_ask_for_one_recompute);
  RUN(a_lease_has_one_holder);
  RUN(a_recompute_waits_for_the_one_running);
  RUN(recomputes_at_once_all_succeed_and_agree);
  RUN(a_long_recompute_keeps_its_lease_and_stops_once_it_lost_it);
}

int main(void) { return backends_main("test_reputation", all_tests); }
