/* The matching engine's storage (store/matching.h, migration 0021) on SQLite and PostgreSQL, and
 * the engine built from it: people pages with levels, availability and activity; the reputation
 * the indexer projected; availability writes with their event; bounties and applicants; proposals
 * confirmed once, refused when stale; and an index built from storage answering like the rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "matching/matching.h"
#include "store/internal.h"
#include "store/matching.h"
#include "store/store.h"
#include "test.h"
#include "work/principal.h"
#include "work/roles.h"
#include "backends.h"

static store_actor sys = {0, "test"};

static void addr_of(uint8_t a[20], int n) {
  memset(a, 0, 20);
  a[0] = 0xbb;
  a[19] = (uint8_t)n;
  a[18] = (uint8_t)(n >> 8);
}

static int64_t person(arena *a, int n) {
  uint8_t ad[20];
  addr_of(ad, n);
  user u;
  int created;
  if (store_user_ensure(S, a, &sys, ad, &u, &created)) return 0;
  return u.id;
}

static pheme_err allow(const task *t, const char *const *earlier, int nearlier, void *ctx) {
  (void)t, (void)earlier, (void)nearlier, (void)ctx;
  return PHEME_OK;
}

static int64_t submit(arena *a, int64_t task_id, int64_t user_id, const char *state) {
  submission s = {.task_id = task_id, .user_id = user_id, .text = "work", .evidence = "[]", .state = state};
  if (store_submission_create(S, a, &sys, &s, allow, NULL)) return 0;
  return s.id;
}

static int64_t bounty(arena *a, int64_t creator, task_skill *sk, int nsk, const char *req, const char *type) {
  task t = {.type = type, .title = "Bounty", .description = "Do it.", .difficulty = 6, .xp_reward = 100,
            .token_reward = "0", .status = "OPEN", .creator_id = creator, .requirements = req,
            .validation = "{}", .skills = sk, .nskills = nsk};
  if (store_task_create(S, a, &sys, &t)) return 0;
  return t.id;
}

/* Writes what the chain indexer writes for a ScoreUpdated of address (a projected entity). */
static void chain_score(int n, const char *data) {
  uint8_t ad[20];
  addr_of(ad, n);
  char key[43] = "0x";
  for (int i = 0; i < 20; i++) snprintf(key + 2 + 2 * i, 3, "%02x", ad[i]);
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  pheme_err e = Q(&x, NULL,
                  "INSERT INTO chain_entities (chain_id, kind, key, owner, data, ord, block_number) "
                  "VALUES (31337, 'reputation', $1, $2, $3, 1, 1)",
                  dbv_text(key), dbv_blob(ad, 20), dbv_text(data));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  CHECK_INT(e, 0);
}

static int64_t count_events(const char *kind) {
  sx x;
  arena a;
  arena_init(&a, 0);
  int64_t n = -1;
  if (sx_read(S, &a, &x) == 0) {
    db_result r;
    if (Q(&x, &r, "SELECT count(*) FROM events WHERE kind = $1", dbv_text(kind)) == 0) n = db_int(&r, 0, 0);
    sx_end(&x);
  }
  arena_release(&a);
  return n;
}

TEST(people_pages_carry_levels_availability_and_activity) {
  arena a;
  arena_init(&a, 0);
  int64_t u1 = person(&a, 1), u2 = person(&a, 2), u3 = person(&a, 3);
  REQUIRE(u1 && u2 && u3);
  REQUIRE(store_seed_skill_level(S, &sys, u1, "solidity", 5000, 82) == 0);
  REQUIRE(store_seed_skill_level(S, &sys, u1, "rust", 100, 30) == 0);
  REQUIRE(store_seed_skill_level(S, &sys, u3, "solidity", 10, 0) == 0); /* level 0: no posting */
  CHECK_INT(store_matching_availability_set(S, &sys, u2, 0), 0);
  CHECK_INT(store_matching_availability_set(S, &sys, u2, 2), PHEME_DATA_INVALID);
  CHECK_INT(count_events("profile.availability"), 1);
  store_matching_person *p;
  int n;
  REQUIRE(store_matching_people(S, &a, 0, 2, &p, &n) == 0);
  REQUIRE(n == 2);
  CHECK_INT(p[0].user_id, u1);
  CHECK_INT(p[0].nlevels, 2);
  CHECK_INT(p[0].available, 1);
  CHECK(p[0].last_active > 0); /* validated when seeded */
  CHECK_INT(p[1].user_id, u2);
  CHECK_INT(p[1].available, 0);
  CHECK_INT(p[1].nlevels, 0);
  CHECK_INT(p[1].last_active, 0);
  REQUIRE(store_matching_people(S, &a, u2, 10, &p, &n) == 0);
  REQUIRE(n >= 1);
  CHECK_INT(p[0].user_id, u3);
  CHECK_INT(p[0].nlevels, 0);
  store_matching_person one;
  CHECK_INT(store_matching_person_get(S, &a, u1, &one), 0);
  CHECK_INT(one.nlevels, 2);
  CHECK_INT(store_matching_person_get(S, &a, 999999, &one), PHEME_DATA_NOT_FOUND);
  CHECK_INT(store_matching_people(S, &a, 0, 0, &p, &n), PHEME_DATA_INVALID);
  /* availability back on: an update of the same row */
  CHECK_INT(store_matching_availability_set(S, &sys, u2, 1), 0);
  CHECK_INT(store_matching_person_get(S, &a, u2, &one), 0);
  CHECK_INT(one.available, 1);
  arena_release(&a);
}

TEST(reputation_comes_from_the_projected_oracle_scores) {
  arena a;
  arena_init(&a, 0);
  int64_t u1 = person(&a, 1), u2 = person(&a, 2), u3 = person(&a, 3);
  chain_score(1, "{\"round\":\"3\",\"score\":\"64\"}");
  chain_score(2, "{\"round\":3,\"score\":250}");
  store_matching_score *sc;
  int n;
  REQUIRE(store_matching_reputations(S, &a, u1, u3, &sc, &n) == 0);
  REQUIRE(n == 2);
  CHECK_INT(sc[0].user_id, u1);
  CHECK_INT(sc[0].score, 64);
  CHECK_INT(sc[1].user_id, u2);
  CHECK_INT(sc[1].score, 100); /* clamped */
  REQUIRE(store_matching_reputations(S, &a, u3, u3, &sc, &n) == 0);
  CHECK_INT(n, 0);
  arena_release(&a);
}

TEST(proposals_are_confirmed_once_and_refused_when_stale) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = person(&a, 10), w1 = person(&a, 11), w2 = person(&a, 12);
  task_skill sk[] = {{"solidity", 50}};
  int64_t b1 = bounty(&a, creator, sk, 1, "{}", "BOUNTY"), b2 = bounty(&a, creator, sk, 1, "{}", "BOUNTY");
  int64_t lesson = bounty(&a, creator, sk, 1, "{}", "LESSON");
  REQUIRE(b1 && b2 && lesson);
  REQUIRE(submit(&a, b1, w1, "SUBMITTED") && submit(&a, b2, w2, "PEER_REVIEW") && submit(&a, b2, w1, "REJECTED"));
  REQUIRE(submit(&a, lesson, w2, "SUBMITTED"));
  int64_t *ids;
  store_matching_applicant *apps;
  int nt, na;
  REQUIRE(store_matching_bounties(S, &a, creator, 10, &ids, &nt, &apps, &na) == 0);
  REQUIRE(nt == 2);
  CHECK_INT(ids[0], b2); /* newest first; the lesson is not a bounty */
  CHECK_INT(ids[1], b1);
  REQUIRE(na == 2); /* the rejected submission does not count */
  CHECK_INT(apps[0].task_id, b2);
  CHECK_INT(apps[0].user_id, w2);
  CHECK_INT(apps[1].task_id, b1);
  CHECK_INT(apps[1].user_id, w1);

  store_matching_pair pairs[] = {{b1, w1, 700}, {b2, w2, 650}};
  store_matching_proposal p = {.creator_id = creator, .pairs = pairs, .npairs = 2, .total_fit = 1350};
  REQUIRE(store_matching_proposal_create(S, &a, &sys, &p) == 0);
  store_matching_proposal older = {.creator_id = creator, .pairs = pairs, .npairs = 1, .total_fit = 700};
  REQUIRE(store_matching_proposal_create(S, &a, &sys, &older) == 0);
  store_matching_proposal got;
  REQUIRE(store_matching_proposal_get(S, &a, p.id, &got) == 0);
  CHECK_STR(got.status, "PROPOSED");
  CHECK_INT(got.npairs, 2);
  CHECK_INT(got.pairs[1].task_id, b2);
  CHECK_INT(got.pairs[1].fit, 650);
  CHECK_INT(got.total_fit, 1350);
  CHECK_INT(store_matching_proposal_confirm(S, &a, &sys, p.id, w1, time_now_ms(), &got), PHEME_AUTH_NOT_OWNER);
  CHECK_INT(store_matching_proposal_confirm(S, &a, &sys, 999999, creator, time_now_ms(), &got), PHEME_DATA_NOT_FOUND);
  int64_t before = count_events("task.assigned");
  CHECK_INT(store_matching_proposal_confirm(S, &a, &sys, p.id, creator, time_now_ms(), &got), 0);
  CHECK_STR(got.status, "CONFIRMED");
  CHECK_INT(count_events("task.assigned"), before + 2);
  CHECK_INT(count_events("matching.confirmed"), 1);
  /* confirmed once; the other became STALE */
  CHECK_INT(store_matching_proposal_confirm(S, &a, &sys, p.id, creator, time_now_ms(), &got), PHEME_DATA_STATE);
  REQUIRE(store_matching_proposal_get(S, &a, older.id, &got) == 0);
  CHECK_STR(got.status, "STALE");
  /* assigned bounties leave the list, and a new proposal naming one conflicts */
  REQUIRE(store_matching_bounties(S, &a, creator, 10, &ids, &nt, &apps, &na) == 0);
  CHECK_INT(nt, 0);
  CHECK_INT(na, 0);
  int64_t *assigned;
  int nas;
  REQUIRE(store_matching_assigned_open(S, &a, &assigned, &nas) == 0);
  CHECK_INT(nas, 2);
  store_matching_proposal again = {.creator_id = creator, .pairs = pairs, .npairs = 1, .total_fit = 700};
  REQUIRE(store_matching_proposal_create(S, &a, &sys, &again) == 0);
  int64_t tx_before = count_events("task.assigned");
  CHECK_INT(store_matching_proposal_confirm(S, &a, &sys, again.id, 0, time_now_ms(), &got), PHEME_DATA_CONFLICT);
  CHECK_INT(count_events("task.assigned"), tx_before); /* nothing half-written */
  REQUIRE(store_matching_proposal_get(S, &a, again.id, &got) == 0);
  CHECK_STR(got.status, "PROPOSED");
  arena_release(&a);
}

TEST(an_index_built_from_storage_answers_like_the_rows) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = person(&a, 20), ann = person(&a, 21), bob = person(&a, 22), cid = person(&a, 23);
  REQUIRE(store_seed_skill_level(S, &sys, ann, "zero-knowledge", 1, 82) == 0);
  REQUIRE(store_seed_skill_level(S, &sys, bob, "zero-knowledge", 1, 90) == 0);
  REQUIRE(store_seed_skill_level(S, &sys, cid, "zero-knowledge", 1, 60) == 0);
  chain_score(21, "{\"score\":\"64\"}");
  chain_score(22, "{\"score\":\"10\"}");
  task_skill sk[] = {{"zero-knowledge", 70}};
  int64_t tid = bounty(&a, creator, sk, 1, "{\"minLevel\":0,\"minReputation\":50}", "BOUNTY");
  REQUIRE(tid);
  matching *m = matching_new();
  REQUIRE(m);
  char why[256];
  REQUIRE(matching_build(m, S, why, sizeof why) == 0);
  task t;
  REQUIRE(store_task_get(S, &a, tid, &t) == 0);
  matching_candidate out[10];
  int n, more;
  REQUIRE(matching_candidates(m, &a, &t, time_now_ms(), NULL, 10, out, &n, &more) == 0);
  REQUIRE(n == 1); /* bob's reputation is too low, cid's level */
  CHECK_INT(out[0].user_id, ann);
  CHECK_INT(out[0].reputation, 64);
  CHECK(strstr(out[0].reasons, "zero-knowledge level 82 (needs 70); reputation 64 (needs 50); active today") != NULL);
  /* recommendations: ann qualifies for the bounty */
  matching_recommendation rec[10];
  REQUIRE(matching_recommend(m, &a, ann, time_now_ms(), NULL, 10, rec, &n, &more) == 0);
  int found = 0;
  for (int i = 0; i < n; i++) found |= rec[i].task_id == tid;
  CHECK(found);
  /* an update from storage: bob's reputation stays; cid levels up */
  REQUIRE(store_seed_skill_level(S, &sys, cid, "zero-knowledge", 1, 75) == 0);
  chain_score(23, "{\"score\":\"70\"}");
  REQUIRE(matching_apply_person(m, S, cid) == 0);
  REQUIRE(matching_candidates(m, &a, &t, time_now_ms(), NULL, 10, out, &n, &more) == 0);
  CHECK_INT(n, 2);
  /* propose: ann and cid applied; one bounty, so the better fit: ann (410 + 192 + 200 = 802) over
   * cid (375 + 210 + 200 = 785) */
  REQUIRE(submit(&a, tid, ann, "SUBMITTED") && submit(&a, tid, cid, "SUBMITTED"));
  work_principal who = {.user_id = creator, .roles = ROLE_USER | ROLE_CREATOR};
  matching_proposal prop;
  store_actor sa = {creator, "test"};
  REQUIRE(matching_assign_propose(m, S, &a, &sa, &who, creator, 0, time_now_ms(), &prop, why, sizeof why) == 0);
  CHECK_INT(prop.applicants, 2);
  CHECK_INT(prop.bounties, 1);
  REQUIRE(prop.npairs == 1);
  CHECK_INT(prop.pairs[0].user_id, ann);
  CHECK_INT(prop.pairs[0].fit, 802);
  CHECK_INT(prop.total_fit, prop.pairs[0].fit);
  int64_t pid = prop.id;
  work_principal other = {.user_id = ann, .roles = ROLE_USER};
  CHECK_INT(matching_assign_confirm(m, S, &a, &sa, &other, pid, &prop, why, sizeof why), PHEME_AUTH_NOT_OWNER);
  CHECK_INT(matching_assign_propose(m, S, &a, &sa, &other, creator, 0, time_now_ms(), &prop, why, sizeof why),
            PHEME_AUTH_NOT_OWNER);
  matching_proposal done;
  CHECK_INT(matching_assign_confirm(m, S, &a, &sa, &who, pid, &done, why, sizeof why), 0);
  CHECK_STR(done.status, "CONFIRMED");
  /* the assigned bounty left the open tasks */
  REQUIRE(matching_recommend(m, &a, ann, time_now_ms(), NULL, 10, rec, &n, &more) == 0);
  for (int i = 0; i < n; i++) CHECK(rec[i].task_id != tid);
  /* and a rebuild agrees */
  REQUIRE(matching_build(m, S, why, sizeof why) == 0);
  REQUIRE(matching_recommend(m, &a, ann, time_now_ms(), NULL, 10, rec, &n, &more) == 0);
  for (int i = 0; i < n; i++) CHECK(rec[i].task_id != tid);
  matching_free(m);
  arena_release(&a);
}

TEST(the_refresh_thread_brings_in_changes_made_elsewhere) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = person(&a, 30), dev = person(&a, 31);
  task_skill sk[] = {{"machine-learning", 40}};
  int64_t tid = bounty(&a, creator, sk, 1, "{}", "BOUNTY");
  REQUIRE(tid);
  matching *m = matching_new();
  REQUIRE(m);
  char why[256];
  REQUIRE(matching_build(m, S, why, sizeof why) == 0);
  task t;
  REQUIRE(store_task_get(S, &a, tid, &t) == 0);
  matching_candidate out[5];
  int n = -1, more;
  REQUIRE(matching_candidates(m, &a, &t, time_now_ms(), NULL, 5, out, &n, &more) == 0);
  CHECK_INT(n, 0);
  REQUIRE(matching_start(m, S, 1) == 0);
  CHECK_INT(matching_start(m, S, 1), PHEME_DATA_STATE); /* one thread */
  CHECK_INT(matching_start(m, S, 0), PHEME_DATA_INVALID);
  /* a level the index is not told of: the rebuild finds it (waits up to 30 s; no timing asserted) */
  REQUIRE(store_seed_skill_level(S, &sys, dev, "machine-learning", 1, 55) == 0);
  for (int i = 0; i < 300 && n == 0; i++) {
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL);
    REQUIRE(matching_candidates(m, &a, &t, time_now_ms(), NULL, 5, out, &n, &more) == 0);
  }
  CHECK_INT(n, 1);
  if (n == 1) CHECK_INT(out[0].user_id, dev);
  matching_stop(m);
  matching_stop(m); /* twice is fine */
  matching_free(m);
  arena_release(&a);
}

TEST(events_reload_the_person_or_task_they_are_about) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = person(&a, 40), dev = person(&a, 41);
  task_skill sk[] = {{"devops", 40}};
  int64_t tid = bounty(&a, creator, sk, 1, "{}", "BOUNTY");
  REQUIRE(tid);
  matching *m = matching_new();
  REQUIRE(m);
  char why[256];
  REQUIRE(matching_build(m, S, why, sizeof why) == 0);
  task t;
  REQUIRE(store_task_get(S, &a, tid, &t) == 0);
  matching_candidate out[5];
  int n, more;
  REQUIRE(store_seed_skill_level(S, &sys, dev, "devops", 1, 45) == 0);
  CHECK_INT(matching_on_event(m, S, "guild.joined", dev, "", 0), 0); /* not about levels: ignored */
  REQUIRE(matching_candidates(m, &a, &t, time_now_ms(), NULL, 5, out, &n, &more) == 0);
  CHECK_INT(n, 0);
  CHECK_INT(matching_on_event(m, S, "xp.awarded", dev, "submission", 1), 0);
  REQUIRE(matching_candidates(m, &a, &t, time_now_ms(), NULL, 5, out, &n, &more) == 0);
  CHECK_INT(n, 1);
  CHECK_INT(matching_on_event(m, S, "xp.awarded", 999999, "", 0), 0); /* nobody: not an error */
  /* a task event: the task (closed by storage meanwhile) leaves the open tasks */
  matching_recommendation rec[10];
  REQUIRE(matching_recommend(m, &a, dev, time_now_ms(), NULL, 10, rec, &n, &more) == 0);
  int found = 0;
  for (int i = 0; i < n; i++) found |= rec[i].task_id == tid;
  CHECK(found);
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  REQUIRE(Q(&x, NULL, "UPDATE tasks SET status = 'CLOSED' WHERE id = $1", dbv_int(tid)) == 0);
  REQUIRE(sx_commit(&x) == 0);
  sx_end(&x);
  CHECK_INT(matching_on_event(m, S, "task.closed", creator, "task", tid), 0);
  REQUIRE(matching_recommend(m, &a, dev, time_now_ms(), NULL, 10, rec, &n, &more) == 0);
  for (int i = 0; i < n; i++) CHECK(rec[i].task_id != tid);
  matching_free(m);
  arena_release(&a);
}

TEST(a_person_may_be_confirmed_for_a_bounty_they_did_not_submit_to) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = person(&a, 50), w1 = person(&a, 51), w2 = person(&a, 52);
  task_skill sk[] = {{"python", 10}};
  int64_t b1 = bounty(&a, creator, sk, 1, "{}", "BOUNTY"), b2 = bounty(&a, creator, sk, 1, "{}", "BOUNTY");
  REQUIRE(b1 && b2 && submit(&a, b1, w1, "SUBMITTED") && submit(&a, b1, w2, "REJECTED"));
  store_matching_pair cross[] = {{b2, w1, 500}};
  store_matching_proposal p = {.creator_id = creator, .pairs = cross, .npairs = 1, .total_fit = 500};
  REQUIRE(store_matching_proposal_create(S, &a, &sys, &p) == 0);
  store_matching_pair gone[] = {{b1, w2, 400}}; /* w2's only submission was rejected */
  store_matching_proposal q = {.creator_id = creator, .pairs = gone, .npairs = 1, .total_fit = 400};
  REQUIRE(store_matching_proposal_create(S, &a, &sys, &q) == 0);
  store_matching_proposal got;
  CHECK_INT(store_matching_proposal_confirm(S, &a, &sys, q.id, creator, time_now_ms(), &got), PHEME_DATA_STATE);
  CHECK_INT(store_matching_proposal_confirm(S, &a, &sys, p.id, creator, time_now_ms(), &got), 0);
  CHECK_STR(got.status, "CONFIRMED");
  arena_release(&a);
}

static void all_tests(void) {
  RUN(people_pages_carry_levels_availability_and_activity);
  RUN(reputation_comes_from_the_projected_oracle_scores);
  RUN(proposals_are_confirmed_once_and_refused_when_stale);
  RUN(an_index_built_from_storage_answers_like_the_rows);
  RUN(the_refresh_thread_brings_in_changes_made_elsewhere);
  RUN(events_reload_the_person_or_task_they_are_about);
  RUN(a_person_may_be_confirmed_for_a_bounty_they_did_not_submit_to);
}

int main(void) { return backends_main("test_matching_store", all_tests); }
