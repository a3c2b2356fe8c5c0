/* Badges over storage (src/store/badges.c, src/game/badges.c), on SQLite and PostgreSQL: a badge
 * is awarded exactly once per person (also when the evaluation runs again or concurrently), a max
 * supply holds under concurrent awards from several threads, the facts come from the tables that
 * hold them (user_xp, skill_levels, outcomes), first-of-kind is decided across people, the facts
 * hook fills what other engines own, revocation frees supply and never re-awards, and every
 * award and revocation writes its event. */
#include <pthread.h>
#include <unistd.h>

#include "backends.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "game/badges.h"
#include "store/badges.h"

static const store_actor sys = {0, ""};

static void addr_of(uint8_t a[20], int n) {
  memset(a, 0, 20);
  a[0] = 0xbd;
  a[18] = (uint8_t)(n >> 8);
  a[19] = (uint8_t)n;
}

static int64_t new_user(arena *a, int n) {
  uint8_t ad[20];
  addr_of(ad, n);
  user u;
  int created;
  if (store_user_ensure(S, a, &sys, ad, &u, &created)) return 0;
  return u.id;
}

/* Runs one statement in a transaction of its own; the first column of the first row, or -1. */
static int64_t sql(const char *q, const dbv *args, int nargs) {
  sx x;
  if (sx_write(S, NULL, &x)) return -1;
  db_result r;
  int64_t v = -1;
  if (!sx_query(&x, q, args, nargs, &r)) {
    v = r.rows && r.cols ? db_int(&r, 0, 0) : 0;
    if (sx_commit(&x)) v = -1;
  }
  sx_end(&x);
  return v;
}
#define SQL(q, ...) sql((q), SX_ARGS(__VA_ARGS__))
#define SQL0(q) sql((q), NULL, 0)

static int64_t skill_id(const char *slug) {
  return SQL("SELECT id FROM skills WHERE slug = $1", dbv_text(slug));
}

/* An approved submission of user to a new task of skill, at time `at` (its outcome row). */
static int64_t approve(int64_t creator, int64_t uid, int64_t sk, int64_t at) {
  int64_t tid = SQL("INSERT INTO tasks (type, title, description, difficulty, xp_reward, status, creator_id, "
                     "created_at, updated_at) VALUES ('BOUNTY', 't', 'd', 2, 100, 'OPEN', $1, 0, 0) RETURNING id",
                     dbv_int(creator));
  if (tid <= 0) return -1;
  if (sk && SQL("INSERT INTO task_skills (task_id, skill_id) VALUES ($1, $2)", dbv_int(tid), dbv_int(sk)) < 0)
    return -1;
  int64_t sub = SQL("INSERT INTO submissions (task_id, user_id, text, state, created_at, updated_at) "
                    "VALUES ($1, $2, 'x', 'APPROVED', $3, $3) RETURNING id",
                    dbv_int(tid), dbv_int(uid), dbv_int(at));
  if (sub <= 0) return -1;
  if (SQL("INSERT INTO outcomes (submission_id, user_id, task_id, final_score, created_at) VALUES ($1, $2, $3, 90, $4)",
          dbv_int(sub), dbv_int(uid), dbv_int(tid), dbv_int(at)) < 0)
    return -1;
  return tid;
}

static int64_t approve_on(int64_t creator, int64_t uid, int64_t tid, int64_t at) {
  int64_t sub = SQL("INSERT INTO submissions (task_id, user_id, text, state, created_at, updated_at) "
                    "VALUES ($1, $2, 'x', 'APPROVED', $3, $3) RETURNING id",
                    dbv_int(tid), dbv_int(uid), dbv_int(at));
  (void)creator;
  if (sub <= 0) return -1;
  return SQL("INSERT INTO outcomes (submission_id, user_id, task_id, final_score, created_at) VALUES ($1, $2, $3, 90, $4)",
             dbv_int(sub), dbv_int(uid), dbv_int(tid), dbv_int(at));
}

static int64_t events(const char *kind, int64_t uid) {
  return SQL("SELECT count(*) FROM events WHERE kind = $1 AND user_id = $2", dbv_text(kind), dbv_int(uid));
}

static badge_type type_of(const char *slug, const char *rule, int64_t max_supply) {
  return (badge_type){.slug = slug, .name = slug, .description = "", .rarity = "RARE", .soulbound = 1,
                      .max_supply = max_supply, .issuance = "voucher", .rule = rule, .active = 1,
                      .asset_cid = ""};
}

static issuance no_chain;
static badges_engine engine(void) { return (badges_engine){.s = S, .iss = &no_chain}; }

TEST(types_are_checked_and_awards_happen_once) {
  arena a;
  arena_init(&a, 0);
  badges_engine g = engine();
  char err[200];
  badge_type t = type_of("early-bird", "{\"kind\":\"approved\",\"min\":1}", 0);
  CHECK_INT(badges_type_create(&g, &a, &sys, &t, err, sizeof err), 0);
  CHECK(t.id > 0);
  CHECK_INT(t.supply, 0);
  CHECK_INT(t.chain_intent_id, 0); /* no chain: no intent */
  badge_type dup = type_of("early-bird", "{\"kind\":\"approved\",\"min\":1}", 0);
  CHECK_INT(badges_type_create(&g, &a, &sys, &dup, err, sizeof err), PHEME_DATA_CONFLICT);
  badge_type bad = type_of("bad-rule", "{\"kind\":\"approved\"}", 0);
  CHECK_INT(badges_type_create(&g, &a, &sys, &bad, err, sizeof err), PHEME_DATA_INVALID);
  bad = type_of("tradeable-expiring", "{\"kind\":\"approved\",\"min\":1}", 0);
  bad.soulbound = 0;
  bad.validity = 86400;
  CHECK_INT(badges_type_create(&g, &a, &sys, &bad, err, sizeof err), PHEME_DATA_INVALID);
  bad = type_of("shiny", "{\"kind\":\"approved\",\"min\":1}", 0);
  bad.rarity = "MYTHIC";
  CHECK_INT(badges_type_create(&g, &a, &sys, &bad, err, sizeof err), PHEME_DATA_INVALID);

  int64_t u = new_user(&a, 1);
  REQUIRE(u > 0);
  badge_award_request rq = {.user_id = u, .badge_id = t.id, .nonce = "12345"};
  badge_award_rec w;
  CHECK_INT(store_badge_award(S, &a, &sys, &rq, &w), 0);
  CHECK_INT(w.user_id, u);
  CHECK_STR(w.nonce, "12345");
  CHECK_STR(w.type.slug, "early-bird");
  CHECK_INT(w.expires_at, 0);
  CHECK_INT(store_badge_award(S, &a, &sys, &rq, &w), PHEME_DATA_CONFLICT);
  CHECK_INT(events("badge.awarded", u), 1);
  badge_type now;
  CHECK_INT(store_badge_type_get(S, &a, t.id, &now), 0);
  CHECK_INT(now.supply, 1);
  /* unknown person or type */
  badge_award_request ghost = {.user_id = 999999, .badge_id = t.id, .nonce = "1"};
  CHECK_INT(store_badge_award(S, &a, &sys, &ghost, &w), PHEME_DATA_NOT_FOUND);
  ghost = (badge_award_request){.user_id = u, .badge_id = 999999, .nonce = "1"};
  CHECK_INT(store_badge_award(S, &a, &sys, &ghost, &w), PHEME_DATA_NOT_FOUND);
  arena_release(&a);
}

/* ---- max supply under concurrency ---- */

typedef struct {
  int64_t badge_id;
  int64_t users[8];
  int ok, sold_out, other;
} racer;

static void *race(void *p) {
  racer *r = p;
  arena a;
  arena_init(&a, 0);
  for (int i = 0; i < 8; i++) {
    badge_award_request rq = {.user_id = r->users[i], .badge_id = r->badge_id, .nonce = "7"};
    badge_award_rec w;
    pheme_err e = store_badge_award(S, &a, &sys, &rq, &w);
    if (e == 0) r->ok++;
    else if (e == PHEME_DATA_STATE) r->sold_out++;
    else r->other++;
    arena_clear(&a);
  }
  arena_release(&a);
  return NULL;
}

TEST(max_supply_holds_under_concurrent_awards) {
  arena a;
  arena_init(&a, 0);
  badges_engine g = engine();
  char err[200];
  badge_type t = type_of("limited-five", "{\"kind\":\"approved\",\"min\":1}", 5);
  REQUIRE(badges_type_create(&g, &a, &sys, &t, err, sizeof err) == 0);
  racer r[4];
  memset(r, 0, sizeof r);
  for (int k = 0; k < 4; k++) {
    r[k].badge_id = t.id;
    for (int i = 0; i < 8; i++) REQUIRE((r[k].users[i] = new_user(&a, 100 + k * 8 + i)) > 0);
  }
  pthread_t th[4];
  for (int k = 0; k < 4; k++) REQUIRE(pthread_create(&th[k], NULL, race, &r[k]) == 0);
  for (int k = 0; k < 4; k++) pthread_join(th[k], NULL);
  int ok = 0, sold_out = 0, other = 0;
  for (int k = 0; k < 4; k++) {
    ok += r[k].ok;
    sold_out += r[k].sold_out;
    other += r[k].other;
  }
  CHECK_INT(ok, 5);
  CHECK_INT(sold_out, 27);
  CHECK_INT(other, 0);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE badge_id = $1", dbv_int(t.id)), 5);
  badge_type now;
  CHECK_INT(store_badge_type_get(S, &a, t.id, &now), 0);
  CHECK_INT(now.supply, 5);
  /* a revocation frees one unit of supply; the revoked person never gets it again */
  badge_award_rec *list;
  int n;
  store_page p = {0, 10};
  int64_t holder = 0, award = 0;
  for (int k = 0; k < 4 && !holder; k++)
    for (int i = 0; i < 8 && !holder; i++) {
      REQUIRE(store_badge_awards_of(S, &a, r[k].users[i], 0, NULL, &p, &list, &n) == 0);
      if (n) {
        holder = r[k].users[i];
        award = list[0].id;
      }
    }
  REQUIRE(holder);
  CHECK_INT(badges_revoke(&g, &a, &sys, award, "cheated"), 0);
  CHECK_INT(badges_revoke(&g, &a, &sys, award, "again"), PHEME_DATA_STATE);
  CHECK_INT(badges_revoke(&g, &a, &sys, 999999, "nobody"), PHEME_DATA_NOT_FOUND);
  CHECK_INT(events("badge.revoked", holder), 1);
  CHECK_INT(store_badge_type_get(S, &a, t.id, &now), 0);
  CHECK_INT(now.supply, 4);
  badge_award_rec w;
  badge_award_request again = {.user_id = holder, .badge_id = t.id, .nonce = "8"};
  CHECK_INT(store_badge_award(S, &a, &sys, &again, &w), PHEME_DATA_CONFLICT);
  badge_award_request newcomer = {.user_id = new_user(&a, 400), .badge_id = t.id, .nonce = "9"};
  CHECK_INT(store_badge_award(S, &a, &sys, &newcomer, &w), 0);
  CHECK_INT(store_badge_award_get(S, &a, award, 0, NULL, &w), 0);
  CHECK(w.revoked_at > 0);
  CHECK_STR(w.revoke_reason, "cheated");
  /* the metrics' figures: RARE awards held and revoked */
  badge_stats st;
  CHECK_INT(store_badge_stats(S, &a, &st), 0);
  CHECK_INT(st.held[1], SQL0("SELECT count(*) FROM badge_awards w JOIN badge_types t ON t.id = w.badge_id "
                             "WHERE t.rarity = 'RARE' AND w.revoked_at IS NULL"));
  CHECK(st.held[1] >= 5);
  CHECK(st.revoked[1] >= 1);
  CHECK_INT(st.held[3], 0);
  arena_release(&a);
}

TEST(facts_come_from_the_tables) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = new_user(&a, 500), ada = new_user(&a, 501), bob = new_user(&a, 502);
  REQUIRE(creator > 0 && ada > 0 && bob > 0);
  int64_t sol = skill_id("solidity"), rust = skill_id("rust");
  REQUIRE(sol > 0 && rust > 0);
  /* bob is first in rust; ada first in solidity and on task t1; bob also approved on t1 later */
  REQUIRE(approve(creator, bob, rust, 1000) > 0);
  int64_t t1 = approve(creator, ada, sol, 2000);
  REQUIRE(t1 > 0);
  REQUIRE(approve(creator, ada, rust, 3000) > 0);
  REQUIRE(approve_on(creator, bob, t1, 4000) == 0);
  REQUIRE(SQL("INSERT INTO user_xp (user_id, xp, level, updated_at) VALUES ($1, 1200, 'ADVANCED', 0)", dbv_int(ada)) == 0);
  REQUIRE(SQL("INSERT INTO skill_levels (user_id, skill_id, xp, level) VALUES ($1, $2, 700, 9)", dbv_int(ada), dbv_int(sol)) == 0);
  badge_facts f;
  REQUIRE(store_badge_facts(S, &a, ada, &f) == 0);
  CHECK_INT(f.total_xp, 1200);
  CHECK_STR(f.level, "ADVANCED");
  CHECK_INT(f.approved, 2);
  REQUIRE(f.nskills == 2);
  const badge_fact_skill *fs = f.skills[0].skill_id == sol ? &f.skills[0] : &f.skills[1];
  const badge_fact_skill *fr = f.skills[0].skill_id == rust ? &f.skills[0] : &f.skills[1];
  CHECK_STR(fs->slug, "solidity");
  CHECK_INT(fs->xp, 700);
  CHECK_INT(fs->level, 9);
  CHECK_INT(fs->approved, 1);
  CHECK_INT(fs->first, 1);
  CHECK_INT(fr->xp, 0);
  CHECK_INT(fr->approved, 1);
  CHECK_INT(fr->first, 0); /* bob was first in rust */
  CHECK_INT(f.nfirst_tasks, 2); /* t1 and ada's rust task */
  CHECK(f.first_tasks[0] == t1 || f.first_tasks[1] == t1);
  CHECK_INT(f.streak, 0); /* the hook's part */
  badge_facts fb;
  REQUIRE(store_badge_facts(S, &a, bob, &fb) == 0);
  CHECK_INT(fb.approved, 2);
  CHECK_INT(fb.total_xp, 0);
  CHECK_STR(fb.level, "NOVICE");
  CHECK_INT(fb.nfirst_tasks, 1); /* his rust task, not t1 */
  arena_release(&a);
}

static pheme_err streak_hook(void *ctx, store *s, arena *a, int64_t user_id, badge_facts *f) {
  (void)s;
  (void)a;
  if (user_id == *(int64_t *)ctx) f->streak = 7;
  return PHEME_OK;
}

TEST(evaluation_awards_matching_rules_once) {
  arena a;
  arena_init(&a, 0);
  badges_engine g = engine();
  char err[200];
  int64_t creator = new_user(&a, 600), cy = new_user(&a, 601);
  int64_t sol = skill_id("solidity");
  REQUIRE(approve(creator, cy, sol, 10) > 0);
  REQUIRE(SQL("INSERT INTO skill_levels (user_id, skill_id, xp, level) VALUES ($1, $2, 300, 4)", dbv_int(cy), dbv_int(sol)) == 0);
  badge_type yes1 = type_of("sol-300", "{\"kind\":\"xp\",\"min\":300,\"skill\":\"solidity\"}", 0);
  badge_type no1 = type_of("sol-301", "{\"kind\":\"xp\",\"min\":301,\"skill\":\"solidity\"}", 0);
  badge_type streak = type_of("week-streak", "{\"kind\":\"streak\",\"min\":7}", 0);
  badge_type off = type_of("retired", "{\"kind\":\"approved\",\"min\":1}", 0);
  off.active = 0;
  REQUIRE(badges_type_create(&g, &a, &sys, &yes1, err, sizeof err) == 0);
  REQUIRE(badges_type_create(&g, &a, &sys, &no1, err, sizeof err) == 0);
  REQUIRE(badges_type_create(&g, &a, &sys, &streak, err, sizeof err) == 0);
  REQUIRE(badges_type_create(&g, &a, &sys, &off, err, sizeof err) == 0);
  int before = (int)SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1", dbv_int(cy));
  int awarded = -1;
  CHECK_INT(badges_evaluate(&g, &a, cy, 0, &awarded), 0);
  int after = (int)SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1", dbv_int(cy));
  CHECK_INT(after - before, awarded);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1 AND badge_id = $2", dbv_int(cy), dbv_int(yes1.id)), 1);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1 AND badge_id = $2", dbv_int(cy), dbv_int(no1.id)), 0);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1 AND badge_id = $2", dbv_int(cy), dbv_int(streak.id)), 0);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1 AND badge_id = $2", dbv_int(cy), dbv_int(off.id)), 0);
  /* again: nothing new */
  CHECK_INT(badges_evaluate(&g, &a, cy, 0, &awarded), 0);
  CHECK_INT(awarded, 0);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1", dbv_int(cy)), after);
  /* the streak engine's hook makes the streak rule true for cy */
  badge_facts_hook_set(streak_hook, &cy);
  CHECK_INT(badges_evaluate(&g, &a, cy, 0, &awarded), 0);
  CHECK_INT(awarded, 1);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1 AND badge_id = $2", dbv_int(cy), dbv_int(streak.id)), 1);
  badge_facts_hook_set(NULL, NULL);
  /* a rule that matches once more XP arrives */
  REQUIRE(SQL("UPDATE skill_levels SET xp = 301 WHERE user_id = $1", dbv_int(cy)) == 0);
  CHECK_INT(badges_evaluate(&g, &a, cy, 0, &awarded), 0);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1 AND badge_id = $2", dbv_int(cy), dbv_int(no1.id)), 1);
  /* the type can be changed (deactivated) but not its rule into nonsense */
  off.rule = "{\"kind\":\"nope\"}";
  CHECK_INT(badges_type_update(&g, &a, &sys, &off, err, sizeof err), PHEME_DATA_INVALID);
  arena_release(&a);
}

/* The job kinds through a real worker pool: two "game.badges" jobs for one person (the award
 * engine enqueues one per group commit; two can run at once) award each matching badge once; a
 * job listing a group's awards awards each person's; one listing a submission that does not
 * exist awards the others' and is dead at once, as is a job with a bad payload (arrays of different
 * lengths too), not retried. */
TEST(badge_jobs_run_in_a_pool_and_award_once) {
  arena a;
  arena_init(&a, 0);
  static badges_engine g;
  g = engine();
  REQUIRE(game_badges_register_jobs(&g) == 0);
  REQUIRE(jobs_kind_find(BADGES_JOB_EVALUATE) != NULL && jobs_kind_find(BADGES_JOB_PROGRESS) != NULL);
  char err[200];
  int64_t creator = new_user(&a, 700), dee = new_user(&a, 701);
  REQUIRE(approve(creator, dee, skill_id("python"), 10) > 0);
  badge_type t = type_of("python-starter", "{\"kind\":\"approved\",\"min\":1,\"skill\":\"python\"}", 0);
  REQUIRE(badges_type_create(&g, &a, &sys, &t, err, sizeof err) == 0);
  char payload[100];
  snprintf(payload, sizeof payload, "{\"user_id\":%lld,\"submission_id\":0}", (long long)dee);
  int64_t j1, j2, bad;
  REQUIRE(jobs_submit(S, BADGES_JOB_EVALUATE, payload, NULL, &j1) == 0);
  REQUIRE(jobs_submit(S, BADGES_JOB_EVALUATE, payload, NULL, &j2) == 0);
  REQUIRE(jobs_submit(S, BADGES_JOB_EVALUATE, "{\"user\":1}", NULL, &bad) == 0);
  int64_t eli = new_user(&a, 702), fay = new_user(&a, 703), list, gone, uneven;
  REQUIRE(approve(creator, eli, skill_id("python"), 10) > 0);
  REQUIRE(approve(creator, fay, skill_id("python"), 10) > 0);
  char many[200];
  snprintf(many, sizeof many, "{\"user_ids\":[%lld,%lld],\"submission_ids\":[0,0]}", (long long)dee, (long long)eli);
  REQUIRE(jobs_submit(S, BADGES_JOB_EVALUATE, many, NULL, &list) == 0);
  snprintf(many, sizeof many, "{\"user_ids\":[%lld,%lld],\"submission_ids\":[999999,0]}", (long long)dee,
           (long long)fay);
  REQUIRE(jobs_submit(S, BADGES_JOB_EVALUATE, many, NULL, &gone) == 0);
  snprintf(many, sizeof many, "{\"user_ids\":[%lld,%lld],\"submission_ids\":[0]}", (long long)dee, (long long)eli);
  REQUIRE(jobs_submit(S, BADGES_JOB_EVALUATE, many, NULL, &uneven) == 0);
  jobs_options o = {.workers = 2, .poll_ms = 20, .lease_ms = 5000, .backoff_base_ms = 1, .backoff_cap_ms = 5,
                    .batch = 1};
  jobs_pool *pool = jobs_pool_start(S, &o, err, sizeof err);
  REQUIRE(pool != NULL);
  job j;
  int finished = 0;
  for (int i = 0; i < 500 && !finished; i++) {
    finished = 1;
    int64_t ids[6] = {j1, j2, bad, list, gone, uneven};
    for (int k = 0; k < 6; k++) {
      if (store_job_get(S, &a, ids[k], &j) || (j.state != JOB_DONE && j.state != JOB_DEAD)) finished = 0;
    }
    if (!finished) usleep(20000);
  }
  jobs_pool_stop(pool);
  CHECK(finished);
  CHECK_INT(store_job_get(S, &a, j1, &j), 0);
  CHECK_INT(j.state, JOB_DONE);
  CHECK_INT(store_job_get(S, &a, j2, &j), 0);
  CHECK_INT(j.state, JOB_DONE);
  CHECK_INT(store_job_get(S, &a, bad, &j), 0);
  CHECK_INT(j.state, JOB_DEAD);
  CHECK_INT(j.attempts, 1);
  CHECK_INT(store_job_get(S, &a, list, &j), 0);
  CHECK_INT(j.state, JOB_DONE);
  CHECK_INT(store_job_get(S, &a, gone, &j), 0);
  CHECK_INT(j.state, JOB_DEAD);
  CHECK_INT(j.attempts, 1);
  CHECK_INT(store_job_get(S, &a, uneven, &j), 0);
  CHECK_INT(j.state, JOB_DEAD);
  CHECK_INT(j.attempts, 1);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1 AND badge_id = $2", dbv_int(dee), dbv_int(t.id)), 1);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1 AND badge_id = $2", dbv_int(eli), dbv_int(t.id)), 1);
  CHECK_INT(SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1 AND badge_id = $2", dbv_int(fay), dbv_int(t.id)), 1);
  /* one event per award (earlier tests' types with matching rules award too) */
  CHECK_INT(events("badge.awarded", dee), SQL("SELECT count(*) FROM badge_awards WHERE user_id = $1", dbv_int(dee)));
  CHECK_INT(SQL("SELECT count(*) FROM (SELECT badge_id FROM badge_awards WHERE user_id = $1 GROUP BY badge_id "
                "HAVING count(*) > 1) d", dbv_int(dee)), 0);
  /* no chain: no Skill Wallet progress job */
  CHECK_INT(SQL0("SELECT count(*) FROM jobs WHERE kind = 'game.chain_progress'"), 0);
  arena_release(&a);
}

/* The Skill Wallet sync's storage on both databases, with a chain that is only configured (the
 * intents are stored, never sent; the indexer's skill_wallet entity is written by hand): the first
 * step mints and defines and waits for the wallet; once the wallet is indexed, one batch carries
 * the skills; nothing changed, nothing sent; a change, one more batch with only that skill. */
TEST(skill_wallet_sync_stores_intents_once) {
  arena a;
  arena_init(&a, 0);
  issuance iss = {.chain_on = 1, .chain_id = 777, .voucher_ttl_s = 60};
  memset(iss.badges, 0xb1, 20);
  memset(iss.skill_wallet, 0x5a, 20);
  memset(iss.sender, 0x5e, 20);
  badges_engine g = {.s = S, .iss = &iss};
  int64_t eve = new_user(&a, 800);
  uint8_t ad[20];
  addr_of(ad, 800);
  int64_t sol = skill_id("solidity"), rust = skill_id("rust");
  int waiting = -1;
  CHECK_INT(badges_chain_progress(&g, &a, eve, &waiting), 0); /* no XP yet: nothing */
  CHECK_INT(waiting, 0);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777"), 0);
  REQUIRE(SQL("INSERT INTO skill_levels (user_id, skill_id, xp, level) VALUES ($1, $2, 700, 9)", dbv_int(eve), dbv_int(sol)) == 0);
  REQUIRE(SQL("INSERT INTO skill_levels (user_id, skill_id, xp, level) VALUES ($1, $2, 40, 1)", dbv_int(eve), dbv_int(rust)) == 0);
  CHECK_INT(badges_chain_progress(&g, &a, eve, &waiting), 0);
  CHECK_INT(waiting, 1);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777 AND kind = 'wallet.mint'"), 1);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777 AND kind = 'wallet.skill'"), 2);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777 AND kind = 'wallet.progress'"), 0);
  /* again before the wallet is indexed: nothing new */
  CHECK_INT(badges_chain_progress(&g, &a, eve, &waiting), 0);
  CHECK_INT(waiting, 1);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777"), 3);
  /* the indexer saw the wallet minted */
  REQUIRE(SQL("INSERT INTO chain_entities (chain_id, kind, key, owner, data, ord, block_number) "
              "VALUES (777, 'skill_wallet', '5', $1, '{}', 1, 1)", dbv_blob(ad, 20)) == 0);
  CHECK_INT(badges_chain_progress(&g, &a, eve, &waiting), 0);
  CHECK_INT(waiting, 0);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777 AND kind = 'wallet.progress'"), 1);
  CHECK_INT(SQL("SELECT count(*) FROM chain_progress WHERE chain_id = 777 AND user_id = $1", dbv_int(eve)), 2);
  CHECK_INT(events("wallet.progress", eve), 1);
  CHECK_INT(badges_chain_progress(&g, &a, eve, &waiting), 0);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777 AND kind = 'wallet.progress'"), 1);
  REQUIRE(SQL("UPDATE skill_levels SET xp = 90, level = 2 WHERE user_id = $1 AND skill_id = $2", dbv_int(eve), dbv_int(rust)) == 0);
  CHECK_INT(badges_chain_progress(&g, &a, eve, &waiting), 0);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777 AND kind = 'wallet.progress'"), 2);
  CHECK_INT(SQL("SELECT xp FROM chain_progress WHERE chain_id = 777 AND user_id = $1 AND skill_id = $2", dbv_int(eve), dbv_int(rust)), 90);
  CHECK_INT(SQL("SELECT xp FROM chain_progress WHERE chain_id = 777 AND user_id = $1 AND skill_id = $2", dbv_int(eve), dbv_int(sol)), 700);
  /* the second batch carries only rust: its calldata is one entry long (selector, offset,
   * length, one 4-word tuple) */
  CHECK_INT(SQL0("SELECT length(calldata) FROM chain_intents WHERE chain_id = 777 AND kind = 'wallet.progress' "
                 "ORDER BY id DESC LIMIT 1"), 4 + 32 * 2 + 32 * 4);
  /* a person who minted their wallet themselves gets no mintFor */
  int64_t fay = new_user(&a, 801);
  uint8_t fad[20];
  addr_of(fad, 801);
  REQUIRE(SQL("INSERT INTO skill_levels (user_id, skill_id, xp, level) VALUES ($1, $2, 10, 1)", dbv_int(fay), dbv_int(sol)) == 0);
  REQUIRE(SQL("INSERT INTO chain_entities (chain_id, kind, key, owner, data, ord, block_number) "
              "VALUES (777, 'skill_wallet', '6', $1, '{}', 2, 2)", dbv_blob(fad, 20)) == 0);
  CHECK_INT(badges_chain_progress(&g, &a, fay, &waiting), 0);
  CHECK_INT(waiting, 0);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777 AND kind = 'wallet.mint'"), 1);
  CHECK_INT(SQL("SELECT count(*) FROM chain_wallets WHERE chain_id = 777 AND user_id = $1 AND mint_intent_id IS NULL", dbv_int(fay)), 1);
  CHECK_INT(SQL0("SELECT count(*) FROM chain_intents WHERE chain_id = 777 AND kind = 'wallet.progress'"), 3);
  arena_release(&a);
}

static void all_tests(void) {
  RUN(types_are_checked_and_awards_happen_once);
  RUN(max_supply_holds_under_concurrent_awards);
  RUN(facts_come_from_the_tables);
  RUN(evaluation_awards_matching_rules_once);
  RUN(badge_jobs_run_in_a_pool_and_award_once);
  RUN(skill_wallet_sync_stores_intents_once);
}

int main(void) { return backends_main("test_badges_store", all_tests); }
