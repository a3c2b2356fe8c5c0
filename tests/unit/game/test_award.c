/* The award on real storage, SQLite and PostgreSQL (src/game over store/game.c): the worked
 * example of docs/rewards.md to the unit, critical hits against the season seed, exactly once
 * (twice awarded, twice run under one claim, and the ledger's unique index when the outcome's
 * mark is lost), quests locking their steps and paying on completion, seasons, and `pheme game
 * rebuild` equal to the incremental totals after 10,000 random awards run through the group
 * committer. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "backends.h"
#include "core/buf.h"
#include "core/util.h"
#include "eth/keccak.h"
#include "game/game.h"
#include "store/game.h"

static const store_actor sys = {0, ""};
static game G;
static int64_t T0; /* a fixed day: 2026-03-02T12:00:00Z */

static int64_t person(int n) {
  arena a;
  arena_init(&a, 0);
  uint8_t addr[20] = {0x9a};
  addr[18] = (uint8_t)(n >> 8);
  addr[19] = (uint8_t)n;
  user u;
  int created;
  int64_t id = store_user_ensure(S, &a, &sys, addr, &u, &created) ? 0 : u.id;
  arena_release(&a);
  return id;
}

/* Runs sql (an INSERT … RETURNING id, or any statement when want_id is 0) in its own transaction. */
static int64_t exec(const char *sql, const dbv *args, int nargs, int want_id) {
  arena a;
  arena_init(&a, 0);
  sx x;
  int64_t id = -1;
  if (!sx_write(S, &a, &x)) {
    db_result r;
    if (!sx_query(&x, sql, args, nargs, want_id ? &r : NULL) && !sx_commit(&x)) id = want_id && r.rows ? db_int(&r, 0, 0) : 0;
    sx_end(&x);
  }
  arena_release(&a);
  return id;
}
#define EXEC(sql, ...) exec((sql), SX_ARGS(__VA_ARGS__), 0)
#define EXEC_ID(sql, ...) exec((sql), SX_ARGS(__VA_ARGS__), 1)

static int64_t one_int(const char *sql, const dbv *args, int nargs) {
  arena a;
  arena_init(&a, 0);
  sx x;
  int64_t v = -1;
  if (!sx_read(S, &a, &x)) {
    db_result r;
    if (!sx_query(&x, sql, args, nargs, &r) && r.rows) v = db_int(&r, 0, 0);
    sx_end(&x);
  }
  arena_release(&a);
  return v;
}
#define INT(sql, ...) one_int((sql), SX_ARGS(__VA_ARGS__))

static int64_t new_task(int64_t creator, int xp, int difficulty, int64_t guild_id, const char *s1, const char *s2) {
  int64_t id = EXEC_ID("INSERT INTO tasks (type, title, description, difficulty, xp_reward, status, creator_id, "
                       "guild_id, created_at, updated_at) VALUES ('BOUNTY', 't', 'd', $1, $2, 'OPEN', $3, $4, 1, 1) RETURNING id",
                       dbv_int(difficulty), dbv_int(xp), dbv_int(creator), guild_id ? dbv_int(guild_id) : dbv_null());
  const char *sk[2] = {s1, s2};
  for (int i = 0; i < 2; i++)
    if (sk[i])
      EXEC("INSERT INTO task_skills (task_id, skill_id) SELECT $1, id FROM skills WHERE slug = $2", dbv_int(id),
           dbv_text(sk[i]));
  return id;
}

/* An approved submission of user to task with its outcome at time at, as the pipeline leaves it. */
static int64_t approved(int64_t uid, int64_t task_id, int score, int64_t at) {
  int64_t sid = EXEC_ID("INSERT INTO submissions (task_id, user_id, text, state, final_score, created_at, updated_at) "
                        "VALUES ($1, $2, 'work', 'APPROVED', $3, $4, $4) RETURNING id",
                        dbv_int(task_id), dbv_int(uid), dbv_int(score), dbv_int(at));
  if (sid > 0)
    EXEC("INSERT INTO outcomes (submission_id, user_id, task_id, final_score, skills, created_at) VALUES ($1, $2, $3, $4, '[]', $5)",
         dbv_int(sid), dbv_int(uid), dbv_int(task_id), dbv_int(score), dbv_int(at));
  return sid;
}

static int64_t guild_new(const char *slug, int64_t owner) {
  arena a;
  arena_init(&a, 0);
  guild g = {.slug = slug, .name = slug, .type = "SKILL", .description = "", .owner_id = owner};
  int64_t id = store_guild_create(S, &a, &sys, &g) ? 0 : g.id;
  arena_release(&a);
  return id;
}

static int64_t skill_id(const char *slug) { return INT("SELECT id FROM skills WHERE slug = $1", dbv_text(slug)); }

static int64_t row_amount(int64_t sid, const char *reason, int64_t sk) {
  return INT("SELECT amount FROM xp_ledger WHERE submission_id = $1 AND reason = $2 AND coalesce(skill_id, 0) = $3",
             dbv_int(sid), dbv_text(reason), dbv_int(sk));
}

static int64_t events_of(const char *kind, int64_t uid) {
  return INT("SELECT count(*) FROM events WHERE kind = $1 AND user_id = $2", dbv_text(kind), dbv_int(uid));
}

/* ---- the worked example of docs/rewards.md ---- */

TEST(worked_example_to_the_unit) {
  int64_t creator = person(1), ana = person(2), ben = person(3);
  int64_t gid = guild_new("auditors", ben);
  REQUIRE(creator > 0 && ana > 0 && gid > 0);
  arena a;
  arena_init(&a, 0);
  REQUIRE(!store_guild_join(S, &sys, gid, ana));
  /* the guild stands at 4,000 XP (level 2) from Ben's earlier work, kept consistent with the
   * ledger so that a rebuild agrees */
  EXEC("INSERT INTO xp_ledger (user_id, guild_id, amount, reason, rule, at) VALUES ($1, $2, 4000, 'adjustment', 'test', $3)",
       dbv_int(ben), dbv_int(gid), dbv_int(T0 - 10 * GAME_DAY_MS));
  EXEC("INSERT INTO user_xp (user_id, xp, level, updated_at) VALUES ($1, 4000, 'ADVANCED', 1)", dbv_int(ben));
  EXEC("INSERT INTO guild_xp (guild_id, xp, level, updated_at) VALUES ($1, 4000, 2, 1)", dbv_int(gid));
  EXEC("INSERT INTO guild_member_xp (guild_id, user_id, xp) VALUES ($1, $2, 4000)", dbv_int(gid), dbv_int(ben));
  /* Ana was active on the two days before: her streak stands at 2 */
  int64_t day = game_day(T0, 0);
  EXEC("INSERT INTO streaks (user_id, current, longest, last_day, grace_day, updated_at) VALUES ($1, 2, 2, $2, 0, 1)",
       dbv_int(ana), dbv_int(day - 1));
  /* a 200 XP task of difficulty 4 on Solidity and Smart Contract Security, scored 85 */
  int64_t t = new_task(creator, 200, 4, 0, "solidity", "contract-security");
  int64_t sid = approved(ana, t, 85, T0);
  game_award_plan p;
  REQUIRE(!game_award(&G, &a, sid, NULL, T0 + 5, &p));
  CHECK(p.write);
  int64_t sol = skill_id("solidity"), sec = skill_id("contract-security"), sc = skill_id("smart-contracts");
  /* 200 ×130% = 260 ×135% = 351 ×110% = 386 ×104% = 401; split 201 + 200 */
  CHECK_INT(row_amount(sid, "task", sol), 201);
  CHECK_INT(row_amount(sid, "task", sec), 200);
  CHECK_INT(row_amount(sid, "domain_share", sol), 20);
  CHECK_INT(row_amount(sid, "domain_share", sec), 20);
  CHECK_INT(row_amount(sid, "parent_share", sc), 100);
  CHECK_INT(INT("SELECT count(*) FROM xp_ledger WHERE submission_id = $1", dbv_int(sid)), 5);
  CHECK_INT(INT("SELECT count(*) FROM xp_ledger WHERE submission_id = $1 AND reason = 'critical'", dbv_int(sid)), 0);
  CHECK_INT(INT("SELECT xp FROM user_xp WHERE user_id = $1", dbv_int(ana)), 401);
  CHECK_INT(INT("SELECT xp FROM skill_levels WHERE user_id = $1 AND skill_id = $2", dbv_int(ana), dbv_int(sol)), 201);
  CHECK_INT(INT("SELECT level FROM skill_levels WHERE user_id = $1 AND skill_id = $2", dbv_int(ana), dbv_int(sol)), 4);
  CHECK_INT(INT("SELECT level FROM skill_levels WHERE user_id = $1 AND skill_id = $2", dbv_int(ana), dbv_int(sec)), 4);
  CHECK_INT(INT("SELECT xp FROM skill_levels WHERE user_id = $1 AND skill_id = $2", dbv_int(ana), dbv_int(sc)), 100);
  CHECK_INT(INT("SELECT level FROM skill_levels WHERE user_id = $1 AND skill_id = $2", dbv_int(ana), dbv_int(sc)), 3);
  CHECK_INT(INT("SELECT xp FROM domain_xp WHERE user_id = $1 AND domain = 'technical'", dbv_int(ana)), 40);
  CHECK_INT(INT("SELECT xp FROM guild_xp WHERE guild_id = $1", dbv_int(gid)), 4401);
  CHECK_INT(INT("SELECT xp FROM guild_member_xp WHERE guild_id = $1 AND user_id = $2", dbv_int(gid), dbv_int(ana)), 401);
  CHECK_INT(INT("SELECT current FROM streaks WHERE user_id = $1", dbv_int(ana)), 3);
  CHECK_INT(INT("SELECT count(*) FROM outcomes WHERE submission_id = $1 AND consumed_at IS NOT NULL", dbv_int(sid)), 1);
  /* every factor is in the row's detail */
  CHECK_INT(INT("SELECT count(*) FROM xp_ledger WHERE submission_id = $1 AND reason = 'task' AND detail LIKE "
                "'%\"difficulty_pct\":130,\"after_difficulty\":260,\"final_score\":85,\"quality_pct\":135,"
                "\"after_quality\":351,\"streak_days\":3,\"streak_pct\":110,\"after_streak\":386,%'",
                dbv_int(sid)),
            2);
  CHECK_INT(INT("SELECT count(*) FROM xp_ledger WHERE submission_id = $1 AND detail LIKE '%\"guild_pct\":104,\"base\":401,%'",
                dbv_int(sid)),
            2);
  /* events, private to Ana, and the follow-up jobs */
  CHECK_INT(events_of("xp.awarded", ana), 1);
  CHECK_INT(events_of("skill.level_up", ana), 3);
  CHECK_INT(events_of("streak.extended", ana), 1);
  CHECK_INT(events_of("level.up", ana), 0);
  CHECK_INT(INT("SELECT count(*) FROM events WHERE user_id = $1 AND public <> 0", dbv_int(ana)), 0);
  CHECK_INT(INT("SELECT count(*) FROM jobs WHERE kind = 'game.badges' AND payload LIKE $1",
                dbv_text(arena_printf(&a, "%%\"submission_id\":%lld%%", (long long)sid))),
            1);
  /* the Skill Wallet's progress comes from the badge job (with a chain), not from the award */
  CHECK_INT(INT("SELECT count(*) FROM jobs WHERE kind = 'game.chain_progress' AND payload LIKE $1",
                dbv_text(arena_printf(&a, "%%\"user_id\":%lld%%", (long long)ana))),
            0);
  CHECK_INT(INT("SELECT count(*) FROM jobs WHERE kind = 'reputation.update' AND payload LIKE $1",
                dbv_text(arena_printf(&a, "%%\"user_id\":%lld%%", (long long)ana))),
            1);
  /* the progress read */
  game_progress pr;
  REQUIRE(!store_game_progress(S, &a, ana, &pr));
  CHECK_INT(pr.xp, 401);
  CHECK_STR(pr.level, "NOVICE");
  CHECK_INT(pr.streak_current, 3);
  CHECK_INT(pr.nguilds, 1);
  if (pr.nguilds) CHECK_INT(pr.guilds[0].contributed, 401);
  CHECK_INT(pr.ndomains, 1);
  arena_release(&a);
}

TEST(critical_hits_follow_the_season_seed) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = person(10), u = person(11);
  uint8_t seed[32];
  for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(0xc0 + i);
  game_season se = {.slug = "s-crit", .name = "Crit", .starts_at = T0 + 100 * GAME_DAY_MS, .ends_at = T0 + 200 * GAME_DAY_MS};
  keccak_256(se.seed_hash, seed, 32);
  REQUIRE(!store_season_create(S, &a, &sys, &se, seed));
  CHECK(!se.revealed);
  game g2 = G;
  g2.rules.crit_rate_ppm = 500000; /* one in two, to see both */
  int crits = 0, plain = 0;
  for (int i = 0; i < 12; i++) {
    int64_t t = new_task(creator, 100, 1, 0, NULL, NULL);
    int64_t sid = approved(u, t, 50, T0 + 100 * GAME_DAY_MS + i * 1000);
    REQUIRE(!game_award(&g2, &a, sid, NULL, T0, NULL));
    int64_t roll;
    int crit = game_critical(seed, sid, 500000, &roll);
    /* 100 × 100% × 100% × streak: the person's first day, then the same day: 100 */
    CHECK_INT(row_amount(sid, "task", 0), 100);
    CHECK_INT(INT("SELECT season_id FROM xp_ledger WHERE submission_id = $1 AND reason = 'task'", dbv_int(sid)), se.id);
    if (crit) {
      CHECK_INT(row_amount(sid, "critical", 0), 100);
      crits++;
    } else {
      CHECK_INT(INT("SELECT count(*) FROM xp_ledger WHERE submission_id = $1 AND reason = 'critical'", dbv_int(sid)), 0);
      plain++;
    }
  }
  CHECK(crits > 0 && plain > 0);
  arena_release(&a);
}

TEST(seasons_publish_the_hash_and_reveal_the_seed_at_the_end) {
  arena a;
  arena_init(&a, 0);
  uint8_t seed[32], hash[32];
  memset(seed, 0x5e, 32);
  keccak_256(hash, seed, 32);
  game_season s1 = {.slug = "s-one", .name = "One", .starts_at = T0 - 300 * GAME_DAY_MS, .ends_at = T0 - 250 * GAME_DAY_MS};
  memcpy(s1.seed_hash, hash, 32);
  REQUIRE(!store_season_create(S, &a, &sys, &s1, seed));
  game_season dup = {.slug = "s-two", .name = "Two", .starts_at = T0 - 260 * GAME_DAY_MS, .ends_at = T0 - 240 * GAME_DAY_MS};
  CHECK_INT(store_season_create(S, &a, &sys, &dup, seed), PHEME_DATA_CONFLICT);
  game_season bad = {.slug = "s-bad", .name = "Bad", .starts_at = T0, .ends_at = T0};
  CHECK_INT(store_season_create(S, &a, &sys, &bad, seed), PHEME_DATA_INVALID);
  game_season later = {.slug = "s-later", .name = "Later", .starts_at = T0 + 400 * GAME_DAY_MS, .ends_at = T0 + 500 * GAME_DAY_MS};
  memcpy(later.seed_hash, hash, 32);
  REQUIRE(!store_season_create(S, &a, &sys, &later, seed));
  /* not ended: refused unless forced */
  CHECK_INT(store_season_reveal(S, &sys, later.id, 0, T0), PHEME_DATA_STATE);
  /* the sweep reveals the ended one */
  int n = 0;
  CHECK(!store_seasons_reveal_ended(S, T0, &n));
  CHECK(n >= 1);
  game_season got;
  REQUIRE(!store_season_get(S, &a, s1.id, &got));
  CHECK(got.revealed);
  CHECK_MEM(got.seed, 32, seed, 32);
  uint8_t check[32];
  keccak_256(check, got.seed, 32);
  CHECK_MEM(check, 32, got.seed_hash, 32);
  CHECK_INT(store_season_reveal(S, &sys, s1.id, 1, T0), PHEME_DATA_STATE); /* once */
  CHECK(!store_season_reveal(S, &sys, later.id, 1, T0));
  CHECK_INT(INT("SELECT count(*) FROM events WHERE kind = 'season.revealed' AND subject_id = $1", dbv_int(s1.id)), 1);
  game_season *list;
  int k;
  REQUIRE(!store_seasons_list(S, &a, &list, &k));
  CHECK(k >= 3);
  arena_release(&a);
}

TEST(awarded_exactly_once) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = person(20), u = person(21);
  int64_t t = new_task(creator, 300, 2, 0, "c", NULL);
  int64_t sid = approved(u, t, 90, T0 + 1000 * GAME_DAY_MS);
  /* a job for it, claimed */
  char payload[64];
  snprintf(payload, sizeof payload, "{\"submission_id\":%lld}", (long long)sid);
  job_request rq = {.kind = GAME_JOB_AWARD, .payload = payload, .run_at = 1};
  int64_t jid;
  REQUIRE(!store_job_enqueue(S, &rq, T0, &jid, NULL));
  job_claim *c;
  int n;
  REQUIRE(!store_jobs_claim(S, &a, "w", 1, T0 + 1, 60000, &c, &n));
  REQUIRE(n == 1 && c[0].id == jid);
  game_award_plan p;
  REQUIRE(!game_award(&G, &a, sid, &c[0], T0 + 2, &p));
  CHECK(p.write);
  int64_t rows = INT("SELECT count(*) FROM xp_ledger WHERE submission_id = $1", dbv_int(sid));
  int64_t xp = INT("SELECT xp FROM user_xp WHERE user_id = $1", dbv_int(u));
  CHECK(rows >= 2);
  CHECK_INT(INT("SELECT count(*) FROM jobs WHERE id = $1 AND state = 'done'", dbv_int(jid)), 1);
  /* the same claim again (a second run of the job): refused, nothing written */
  CHECK_INT(game_award(&G, &a, sid, &c[0], T0 + 3, &p), PHEME_DATA_STATE);
  /* awarded by hand again: nothing to do */
  REQUIRE(!game_award(&G, &a, sid, NULL, T0 + 4, &p));
  CHECK(!p.write);
  /* the outcome's mark lost (by hand): the ledger's unique index refuses the second set */
  EXEC("UPDATE outcomes SET consumed_at = NULL WHERE submission_id = $1", dbv_int(sid));
  CHECK_INT(game_award(&G, &a, sid, NULL, T0 + 5, &p), PHEME_DATA_CONFLICT);
  CHECK_INT(INT("SELECT count(*) FROM xp_ledger WHERE submission_id = $1", dbv_int(sid)), rows);
  CHECK_INT(INT("SELECT xp FROM user_xp WHERE user_id = $1", dbv_int(u)), xp);
  CHECK_INT(events_of("xp.awarded", u), 1);
  EXEC("UPDATE outcomes SET consumed_at = 1 WHERE submission_id = $1", dbv_int(sid));
  /* no outcome */
  CHECK_INT(game_award(&G, &a, 987654321, NULL, T0, &p), PHEME_DATA_NOT_FOUND);
  arena_release(&a);
}

TEST(quests_lock_steps_and_pay_on_completion) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = person(30), u = person(31);
  int64_t t1 = new_task(creator, 10, 1, 0, NULL, NULL), t2 = new_task(creator, 10, 1, 0, NULL, NULL),
          t3 = new_task(creator, 10, 1, 0, NULL, NULL), t4 = new_task(creator, 10, 1, 0, NULL, NULL);
  game_quest_step st[3] = {{1, t1, NULL}, {2, t2, NULL}, {3, t3, NULL}};
  game_quest q = {.slug = "first-steps", .name = "First steps", .xp_reward = 500, .steps = st, .nsteps = 3};
  REQUIRE(!store_quest_create(S, &a, &sys, &q));
  CHECK_INT(q.nsteps, 3);
  const char *req[1] = {"first-steps"};
  game_quest_step st2[1] = {{1, t4, NULL}};
  game_quest q2 = {.slug = "next-steps", .name = "Next", .xp_reward = 0, .steps = st2, .nsteps = 1, .requires = req, .nrequires = 1};
  REQUIRE(!store_quest_create(S, &a, &sys, &q2));
  /* a task is a step of one quest only */
  game_quest q3 = {.slug = "dup", .name = "Dup", .steps = st2, .nsteps = 1};
  CHECK_INT(store_quest_create(S, &a, &sys, &q3), PHEME_DATA_CONFLICT);
  char why[256];
  int locked = -1;
  CHECK(!store_quest_task_locked(S, u, t1, &locked, why, sizeof why));
  CHECK_INT(locked, 0);
  CHECK(!store_quest_task_locked(S, u, t2, &locked, why, sizeof why));
  CHECK_INT(locked, 1);
  CHECK(strstr(why, "step 1") != NULL);
  CHECK(!store_quest_task_locked(S, u, t4, &locked, why, sizeof why));
  CHECK_INT(locked, 1);
  CHECK(strstr(why, "first-steps") != NULL);
  int64_t at = T0 + 2000 * GAME_DAY_MS;
  int64_t s1 = approved(u, t1, 100, at);
  REQUIRE(!game_award(&G, &a, s1, NULL, at, NULL));
  CHECK(!store_quest_task_locked(S, u, t2, &locked, why, sizeof why));
  CHECK_INT(locked, 0);
  CHECK(!store_quest_task_locked(S, u, t3, &locked, why, sizeof why));
  CHECK_INT(locked, 1);
  game_quest *prog;
  int n;
  REQUIRE(!store_quests_in_progress(S, &a, u, &prog, &n));
  CHECK_INT(n, 1);
  if (n) CHECK_INT(prog[0].steps_done, 1);
  int64_t s2 = approved(u, t2, 100, at + 1), s3 = approved(u, t3, 100, at + 2);
  REQUIRE(!game_award(&G, &a, s2, NULL, at, NULL));
  REQUIRE(!game_award(&G, &a, s3, NULL, at, NULL));
  CHECK_INT(row_amount(s3, "quest", 0), 500);
  CHECK_INT(INT("SELECT count(*) FROM xp_ledger WHERE user_id = $1 AND reason = 'quest'", dbv_int(u)), 1);
  CHECK_INT(events_of("quest.completed", u), 1);
  game_quest got;
  REQUIRE(!store_quest_get(S, &a, q.id, u, &got));
  CHECK_INT(got.steps_done, 3);
  CHECK(got.completed_at > 0);
  CHECK(!store_quest_task_locked(S, u, t4, &locked, why, sizeof why));
  CHECK_INT(locked, 0);
  /* 3 × (10 × 100% × 150% × streak 100% on day one … same day) + 500 */
  CHECK_INT(INT("SELECT xp FROM user_xp WHERE user_id = $1", dbv_int(u)), 3 * 15 + 500);
  arena_release(&a);
}

TEST(the_sweep_awards_what_no_job_took_and_reveals_ended_seasons) {
  arena a;
  arena_init(&a, 0);
  int64_t creator = person(40), u = person(41);
  int64_t t = new_task(creator, 100, 1, 0, NULL, NULL);
  int64_t now = T0 + 4000 * GAME_DAY_MS;
  int64_t old = approved(u, t, 50, now - 3600000), fresh = approved(u, new_task(creator, 100, 1, 0, NULL, NULL), 50, now - 1000);
  uint8_t seed[32];
  memset(seed, 0x77, 32);
  game_season se = {.slug = "s-swept", .name = "Swept", .starts_at = now - 10 * GAME_DAY_MS, .ends_at = now - GAME_DAY_MS};
  keccak_256(se.seed_hash, seed, 32);
  REQUIRE(!store_season_create(S, &a, &sys, &se, seed));
  /* an ended season made without its secret (by hand): it cannot be revealed, and it holds up
   * neither the other season nor the awards (it failed the whole sweep) */
  EXEC("INSERT INTO seasons (slug, name, starts_at, ends_at, seed_hash, created_at) VALUES "
       "('s-no-secret', 'No secret', $1, $2, $3, 0)",
       dbv_int(now - 10 * GAME_DAY_MS), dbv_int(now - 2 * GAME_DAY_MS), dbv_blob(se.seed_hash, 32));
  int n = -1;
  REQUIRE(!game_sweep(&G, now, &n));
  /* the outcome older than the sweep's age (30 s) is awarded; the fresh one waits for its job */
  CHECK(n >= 1);
  CHECK_INT(INT("SELECT count(*) FROM outcomes WHERE submission_id = $1 AND consumed_at IS NOT NULL", dbv_int(old)), 1);
  CHECK_INT(INT("SELECT count(*) FROM outcomes WHERE submission_id = $1 AND consumed_at IS NULL", dbv_int(fresh)), 1);
  CHECK_INT(row_amount(old, "task", 0), 100);
  game_season got;
  REQUIRE(!store_season_get(S, &a, se.id, &got));
  CHECK(got.revealed);
  /* a second sweep later takes the other one, and nothing twice */
  REQUIRE(!game_sweep(&G, now + 60000, &n));
  CHECK_INT(INT("SELECT count(*) FROM outcomes WHERE submission_id = $1 AND consumed_at IS NOT NULL", dbv_int(fresh)), 1);
  CHECK_INT(INT("SELECT count(*) FROM xp_ledger WHERE submission_id = $1", dbv_int(old)), 1);
  CHECK_INT(events_of("xp.awarded", u), 2);
  arena_release(&a);
}

/* ---- rebuild equals the incremental totals ---- */

typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int left, failed;
} waitgroup;
static waitgroup WG = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

typedef struct {
  game_award_job aw; /* first */
  arena a;
  game_decide_ctx c;
} bjob;

static void bdone(store_job *j) {
  pthread_mutex_lock(&WG.mu);
  if (j->err) WG.failed++;
  else game_xp_notify(&((game_award_job *)j)->plan);
  WG.left--;
  pthread_cond_signal(&WG.cv);
  pthread_mutex_unlock(&WG.mu);
}

static int64_t heard_rows, heard_xp;
static void listener(void *ctx, const game_xp_row *rows, int n) {
  (void)ctx;
  for (int i = 0; i < n; i++) {
    heard_rows++;
    heard_xp += rows[i].amount;
  }
}

TEST(rebuild_equals_incremental_after_random_awards) {
  /* 10,000 awards in the unit layer, 2,000 under the sanitizers (test_scaled) */
  enum { PEOPLE = 100, TASKS = 100, BATCH = 250 };
  const int AWARDS = test_scaled(10000, 2000) / BATCH * BATCH;
  static const char *const slugs[] = {"c", "rust", "solidity", "defi", "sql", "ui-design", "copywriting",
                                      "tokenomics", "finance", "devops", "software-engineering", "design"};
  srand(12345);
  int64_t creator = person(500);
  int64_t users[PEOPLE], tasks[TASKS], guilds[3];
  for (int i = 0; i < PEOPLE; i++) users[i] = person(600 + i);
  guilds[0] = guild_new("r-alpha", users[0]);
  guilds[1] = guild_new("r-beta", users[1]);
  guilds[2] = guild_new("r-gamma", users[2]);
  for (int i = 3; i < PEOPLE; i++)
    if (i % 4) REQUIRE(!store_guild_join(S, &sys, guilds[i % 3], users[i]));
  for (int i = 0; i < PEOPLE; i++)
    EXEC("UPDATE users SET utc_offset_min = $1 WHERE id = $2", dbv_int((i % 25 - 12) * 60), dbv_int(users[i]));
  for (int i = 0; i < TASKS; i++) {
    int k = rand() % 3;
    tasks[i] = new_task(creator, 10 + rand() % 500, 1 + rand() % 10, i % 5 == 0 ? guilds[i % 3] : 0,
                    k >= 1 ? slugs[rand() % 12] : NULL, k >= 2 ? slugs[rand() % 6] : NULL);
  }
  /* (person, task) pairs, each at most once, in random order (the first AWARDS of a shuffle of all
   * of them), approved over 40 days in time order */
  static int order[PEOPLE * TASKS];
  for (int i = 0; i < PEOPLE * TASKS; i++) order[i] = i;
  for (int i = PEOPLE * TASKS - 1; i > 0; i--) {
    int j = rand() % (i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  int64_t base = T0 + 3000 * GAME_DAY_MS;
  static int64_t sids[PEOPLE * TASKS];
  {
    arena a;
    arena_init(&a, 0);
    sx x;
    REQUIRE(!sx_write(S, &a, &x));
    pheme_err e = PHEME_OK;
    for (int i = 0; !e && i < AWARDS; i++) {
      int64_t u = users[order[i] / TASKS], t = tasks[order[i] % TASKS], at = base + (int64_t)i * (40 * GAME_DAY_MS / AWARDS);
      int score = 60 + rand() % 41;
      db_result r;
      e = Q(&x, &r, "INSERT INTO submissions (task_id, user_id, text, state, final_score, created_at, updated_at) "
                    "VALUES ($1, $2, 'w', 'APPROVED', $3, $4, $4) RETURNING id",
            dbv_int(t), dbv_int(u), dbv_int(score), dbv_int(at));
      if (!e) sids[i] = db_int(&r, 0, 0);
      if (!e)
        e = Q(&x, NULL, "INSERT INTO outcomes (submission_id, user_id, task_id, final_score, skills, created_at) "
                        "VALUES ($1, $2, $3, $4, '[]', $5)",
              dbv_int(sids[i]), dbv_int(u), dbv_int(t), dbv_int(score), dbv_int(at));
    }
    if (!e) e = sx_commit(&x);
    sx_end(&x);
    arena_release(&a);
    REQUIRE(!e);
  }
  /* a season over the first half, so some awards are critical */
  {
    arena a;
    arena_init(&a, 0);
    uint8_t seed[32];
    memset(seed, 0x42, 32);
    game_season se = {.slug = "r-season", .name = "R", .starts_at = base, .ends_at = base + 20 * GAME_DAY_MS};
    keccak_256(se.seed_hash, seed, 32);
    CHECK(!store_season_create(S, &a, &sys, &se, seed));
    arena_release(&a);
  }
  heard_rows = heard_xp = 0;
  int64_t ledger_before = INT("SELECT count(*) FROM xp_ledger WHERE " GAME_REASON_COUNTS_TO_TOTAL);
  int64_t xp_before = INT("SELECT CAST(coalesce(sum(amount), 0) AS BIGINT) FROM xp_ledger WHERE " GAME_REASON_COUNTS_TO_TOTAL);
  /* the awards through the group committer, BATCH at a time */
  static bjob jobs[BATCH];
  for (int off = 0; off < AWARDS; off += BATCH) {
    WG.left = BATCH;
    for (int i = 0; i < BATCH; i++) {
      arena_init(&jobs[i].a, 0);
      jobs[i].c = (game_decide_ctx){&G.rules, &jobs[i].a};
      game_award_job_init(&jobs[i].aw, &jobs[i].a, sids[off + i], T0, game_decide, &jobs[i].c);
      jobs[i].aw.j.done = bdone;
      store_job_submit(S, &jobs[i].aw.j);
    }
    pthread_mutex_lock(&WG.mu);
    while (WG.left > 0) pthread_cond_wait(&WG.cv, &WG.mu);
    pthread_mutex_unlock(&WG.mu);
    for (int i = 0; i < BATCH; i++) arena_release(&jobs[i].a);
  }
  CHECK_INT(WG.failed, 0);
  CHECK_INT(INT("SELECT count(*) FROM outcomes WHERE consumed_at IS NULL"), 0);
  CHECK(INT("SELECT count(*) FROM xp_ledger WHERE reason = 'critical'") > 0);
  /* the listeners heard every counting row exactly once */
  CHECK_INT(heard_rows, INT("SELECT count(*) FROM xp_ledger WHERE " GAME_REASON_COUNTS_TO_TOTAL) - ledger_before);
  CHECK_INT(heard_xp, INT("SELECT CAST(coalesce(sum(amount), 0) AS BIGINT) FROM xp_ledger WHERE " GAME_REASON_COUNTS_TO_TOTAL) - xp_before);
  arena a;
  arena_init(&a, 0);
  const char *incremental, *rebuilt;
  REQUIRE(!store_game_totals_text(S, &a, &incremental));
  int64_t people = 0;
  REQUIRE(!game_rebuild(&G, T0, &people));
  CHECK(people >= PEOPLE);
  REQUIRE(!store_game_totals_text(S, &a, &rebuilt));
  CHECK(strlen(incremental) > 10000);
  if (strcmp(incremental, rebuilt) != 0) {
    size_t i = 0;
    while (incremental[i] && incremental[i] == rebuilt[i]) i++;
    size_t from = i > 80 ? i - 80 : 0;
    fprintf(stderr, "  totals differ at byte %zu:\n  incremental: %.160s\n  rebuilt:     %.160s\n", i, incremental + from,
            rebuilt + from);
    CHECK(0);
  }
  /* and a total equals its ledger */
  CHECK_INT(INT("SELECT xp FROM user_xp WHERE user_id = $1", dbv_int(users[7])),
            INT("SELECT CAST(sum(amount) AS BIGINT) FROM xp_ledger WHERE user_id = $1 AND " GAME_REASON_COUNTS_TO_TOTAL, dbv_int(users[7])));
  arena_release(&a);
}

/* ---- a batch of the group committer equals the same awards one by one ---- */

/* What person uid of a world has: totals, streak, skills, domains, guild share, the ledger rows
 * and the events in order (ids and times left out: they differ between the worlds). */
static char *world_text(arena *a, int64_t uid, int64_t gid) {
  static const char *const sql[] = {
      "SELECT xp, level FROM user_xp WHERE user_id = $1 AND CAST($2 AS BIGINT) > 0",
      "SELECT current, longest, last_day, grace_day FROM streaks WHERE user_id = $1 AND CAST($2 AS BIGINT) > 0",
      "SELECT skill_id, xp, level FROM skill_levels WHERE user_id = $1 AND CAST($2 AS BIGINT) > 0 ORDER BY skill_id",
      "SELECT domain, xp FROM domain_xp WHERE user_id = $1 AND CAST($2 AS BIGINT) > 0 ORDER BY domain",
      "SELECT xp FROM guild_member_xp WHERE user_id = $1 AND guild_id = $2",
      ("SELECT reason, coalesce(skill_id, 0), amount, rule, CASE WHEN guild_id IS NULL THEN 0 ELSE 1 END, "
       "coalesce(season_id, 0) FROM xp_ledger WHERE user_id = $1 AND CAST($2 AS BIGINT) > 0 ORDER BY id"),
      "SELECT kind, public FROM events WHERE user_id = $1 AND CAST($2 AS BIGINT) > 0 ORDER BY id"};
  buf b;
  buf_init(&b, 1 << 20);
  sx x;
  if (sx_read(S, a, &x)) return NULL;
  for (size_t q = 0; q < sizeof sql / sizeof sql[0]; q++) {
    db_result r;
    if (Q(&x, &r, sql[q], dbv_int(uid), dbv_int(gid))) break;
    for (int i = 0; i < r.rows; i++) {
      for (int c = 0; c < r.cols; c++) {
        const dbv *v = db_cell(&r, i, c);
        if (v->type == DBV_TEXT ? buf_printf(&b, "%s ", db_text(&r, i, c)) : buf_printf(&b, "%lld ", (long long)db_int(&r, i, c)))
          break;
      }
      if (buf_adds(&b, "\n")) break;
    }
    if (buf_adds(&b, "|\n")) break;
  }
  sx_end(&x);
  char *out = arena_strndup(a, b.data ? b.data : "", b.len);
  buf_release(&b);
  return out;
}

TEST(a_batch_of_awards_equals_the_same_awards_one_by_one) {
  /* two worlds alike — people with the same time zones and guild memberships (guilds A and B),
   * the same tasks, the same approvals at the same times — awarded one by one (A) and through
   * the group committer, up to 64 to a transaction (B). No critical hits: they follow the
   * submission id, which differs. */
  enum { PEOPLE = 12, TASKS = 25, AWARDS = PEOPLE * TASKS };
  static const char *const slugs[] = {"solidity", "contract-security", "rust", "sql", "ui-design", "defi"};
  game g1;
  game_rules r;
  game_rules_default(&r);
  r.crit_rate_ppm = 0;
  game_init(&g1, S, &r);
  srand(777);
  int64_t creator = person(900), a_people[PEOPLE], b_people[PEOPLE], tasks[TASKS];
  for (int i = 0; i < PEOPLE; i++) {
    a_people[i] = person(910 + i);
    b_people[i] = person(940 + i);
  }
  int64_t ga = guild_new("eq-a", a_people[0]), gb = guild_new("eq-b", b_people[0]);
  REQUIRE(ga > 0 && gb > 0);
  for (int i = 1; i < PEOPLE; i++) {
    if (i % 3 == 0) continue;
    REQUIRE(!store_guild_join(S, &sys, ga, a_people[i]));
    REQUIRE(!store_guild_join(S, &sys, gb, b_people[i]));
  }
  for (int i = 0; i < PEOPLE; i++) {
    EXEC("UPDATE users SET utc_offset_min = $1 WHERE id = $2", dbv_int((i % 7 - 3) * 120), dbv_int(a_people[i]));
    EXEC("UPDATE users SET utc_offset_min = $1 WHERE id = $2", dbv_int((i % 7 - 3) * 120), dbv_int(b_people[i]));
  }
  for (int t = 0; t < TASKS; t++)
    tasks[t] = new_task(creator, 20 + rand() % 300, 1 + rand() % 10, 0, t % 4 ? slugs[rand() % 6] : NULL,
                        t % 3 == 0 ? slugs[rand() % 6] : NULL);
  /* every (person, task) pair once in random order, a few hours to three days apart, so that
   * streaks grow, break and use their grace */
  static int order[AWARDS];
  static int64_t a_sids[AWARDS], b_sids[AWARDS];
  for (int i = 0; i < AWARDS; i++) order[i] = i;
  for (int i = AWARDS - 1; i > 0; i--) {
    int j = rand() % (i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  int64_t at = T0 + 5000 * GAME_DAY_MS;
  for (int i = 0; i < AWARDS; i++) {
    at += (rand() % 18) * GAME_DAY_MS / 6;
    int p = order[i] / TASKS, t = order[i] % TASKS, score = 50 + rand() % 51;
    a_sids[i] = approved(a_people[p], tasks[t], score, at);
    b_sids[i] = approved(b_people[p], tasks[t], score, at);
    REQUIRE(a_sids[i] > 0 && b_sids[i] > 0);
  }
  arena a;
  arena_init(&a, 0);
  for (int i = 0; i < AWARDS; i++) {
    arena one;
    arena_init(&one, 0);
    CHECK(!game_award(&g1, &one, a_sids[i], NULL, T0, NULL));
    arena_release(&one);
  }
  static bjob jobs[AWARDS];
  WG.left = AWARDS;
  WG.failed = 0;
  for (int i = 0; i < AWARDS; i++) {
    arena_init(&jobs[i].a, 0);
    jobs[i].c = (game_decide_ctx){&g1.rules, &jobs[i].a};
    game_award_job_init(&jobs[i].aw, &jobs[i].a, b_sids[i], T0, game_decide, &jobs[i].c);
    jobs[i].aw.j.done = bdone;
    store_job_submit(S, &jobs[i].aw.j);
  }
  pthread_mutex_lock(&WG.mu);
  while (WG.left > 0) pthread_cond_wait(&WG.cv, &WG.mu);
  pthread_mutex_unlock(&WG.mu);
  CHECK_INT(WG.failed, 0);
  for (int i = 0; i < AWARDS; i++) arena_release(&jobs[i].a);
  store_batch_stats bs;
  store_batch_stats_get(S, &bs);
  CHECK(bs.largest > 1); /* some transactions held several awards */
  for (int i = 0; i < PEOPLE; i++) {
    const char *ta = world_text(&a, a_people[i], ga), *tb = world_text(&a, b_people[i], gb);
    REQUIRE(ta && tb);
    CHECK(strlen(ta) > 100);
    if (strcmp(ta, tb) != 0) {
      size_t k = 0;
      while (ta[k] && ta[k] == tb[k]) k++;
      size_t from = k > 60 ? k - 60 : 0;
      fprintf(stderr, "  person %d differs at byte %zu:\n  one by one: %.120s\n  batched:    %.120s\n", i, k,
              ta + from, tb + from);
      CHECK(0);
    }
  }
  CHECK_INT(INT("SELECT xp FROM guild_xp WHERE guild_id = $1", dbv_int(ga)),
            INT("SELECT xp FROM guild_xp WHERE guild_id = $1", dbv_int(gb)));
  CHECK_INT(INT("SELECT level FROM guild_xp WHERE guild_id = $1", dbv_int(ga)),
            INT("SELECT level FROM guild_xp WHERE guild_id = $1", dbv_int(gb)));
  CHECK_INT(INT("SELECT count(*) FROM guild_achievements WHERE guild_id = $1", dbv_int(ga)),
            INT("SELECT count(*) FROM guild_achievements WHERE guild_id = $1", dbv_int(gb)));
  arena_release(&a);
}

static void all_tests(void) {
  game_rules r;
  game_rules_default(&r);
  game_init(&G, S, &r);
  T0 = 1772452800000LL;
  RUN(worked_example_to_the_unit);
  RUN(critical_hits_follow_the_season_seed);
  RUN(seasons_publish_the_hash_and_reveal_the_seed_at_the_end);
  RUN(awarded_exactly_once);
  RUN(quests_lock_steps_and_pay_on_completion);
  RUN(the_sweep_awards_what_no_job_took_and_reveals_ended_seasons);
  RUN(a_batch_of_awards_equals_the_same_awards_one_by_one);
  RUN(rebuild_equals_incremental_after_random_awards);
}

int main(void) {
  if (game_xp_listen(listener, NULL)) return 1;
  return backends_main("test_award", all_tests);
}
