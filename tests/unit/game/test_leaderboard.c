/* The leaderboards (src/game/leaderboard.c) over a real store, on SQLite and PostgreSQL: ledger
 * rows written with SQL, the boards loaded from them page by page, compared with sums computed
 * here; then rows applied as the award listener would, compared again, and a fresh load of the
 * same ledger equal to the incremental boards. Also the people and season reads and the cursor. */
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "test.h"
#include "backends.h"
#include "game/leaderboard.h"
#include "store/game.h"
#include "store/leaderboard.h"

#define PEOPLE 23
#define SKILLS 2
#define ROWS 400

static int64_t uid[PEOPLE], skill_id[SKILLS], guild_id, season_id;
/* expected sums: global, per skill, guild, season (by person), and the guild's total */
static int64_t e_global[PEOPLE], e_skill[SKILLS][PEOPLE], e_guild[PEOPLE], e_season[PEOPLE], e_guild_total;
static char e_on_global[PEOPLE], e_on_skill[SKILLS][PEOPLE], e_on_guild[PEOPLE], e_on_season[PEOPLE];
static uint64_t rng = 7;
static int64_t rnd(int64_t n) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (int64_t)(rng % (uint64_t)n);
}

static pheme_err sql(const char *q, const dbv *args, int n) {
  sx x;
  pheme_err e = sx_write(S, NULL, &x);
  if (e) return e;
  e = sx_query(&x, q, args, n, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

static void setup(void) {
  memset(e_global, 0, sizeof e_global), memset(e_skill, 0, sizeof e_skill);
  memset(e_guild, 0, sizeof e_guild), memset(e_season, 0, sizeof e_season);
  memset(e_on_global, 0, sizeof e_on_global), memset(e_on_skill, 0, sizeof e_on_skill);
  memset(e_on_guild, 0, sizeof e_on_guild), memset(e_on_season, 0, sizeof e_on_season);
  e_guild_total = 0;
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0};
  for (int i = 0; i < PEOPLE; i++) {
    uint8_t ad[20];
    memset(ad, 0, sizeof ad);
    ad[0] = 0x1b, ad[18] = (uint8_t)(i >> 8), ad[19] = (uint8_t)i;
    user u;
    int created;
    REQUIRE(store_user_ensure(S, &a, &sys, ad, &u, &created) == 0);
    uid[i] = u.id;
    char name[32];
    snprintf(name, sizeof name, "person %d", i);
    REQUIRE(store_user_update_profile(S, &a, &sys, u.id, name, NULL, &u) == 0);
  }
  for (int k = 0; k < SKILLS; k++) {
    char slug[32];
    snprintf(slug, sizeof slug, "lb-skill-%d", k);
    REQUIRE(sql("INSERT INTO skills (slug, name, domain) VALUES ($1, $1, 'technical')", SX_ARGS(dbv_text(slug))) == 0);
    skill k2;
    REQUIRE(store_skill_get(S, &a, slug, &k2) == 0);
    skill_id[k] = k2.id;
  }
  guild g = {.slug = "lb-guild", .name = "Board guild", .type = "SKILL", .description = "", .owner_id = uid[0]};
  REQUIRE(store_guild_create(S, &a, &sys, &g) == 0);
  guild_id = g.id;
  uint8_t hash[32] = {1};
  REQUIRE(sql("INSERT INTO seasons (slug, name, starts_at, ends_at, seed_hash, created_at) "
              "VALUES ('lb-s1', 'Season one', 1000, 2000, $1, 1)", SX_ARGS(dbv_blob(hash, 32))) == 0);
  game_season se;
  db_result r;
  sx x;
  REQUIRE(sx_read(S, &a, &x) == 0);
  pheme_err e = Q0(&x, &r, "SELECT id FROM seasons WHERE slug = 'lb-s1'");
  sx_end(&x);
  REQUIRE(e == 0 && r.rows == 1);
  season_id = db_int(&r, 0, 0);
  CHECK_INT(store_season_get(S, &a, season_id, &se), 0);
  CHECK_STR(se.slug, "lb-s1");
  CHECK_INT(se.ends_at, 2000);
  CHECK_INT(store_season_get(S, &a, season_id + 99, &se), PHEME_DATA_NOT_FOUND);
  arena_release(&a);
}

/* A random ledger row: counted in the expected sums; written to the ledger when write is set. */
static lb_xp_row random_row(int write) {
  int p = (int)rnd(PEOPLE), k = (int)rnd(SKILLS + 1);
  lb_xp_row r = {uid[p], k < SKILLS ? skill_id[k] : 0, rnd(3) == 0 ? guild_id : 0, rnd(2) ? season_id : 0,
                 rnd(10) == 0 ? -rnd(50) : 1 + rnd(300), 1500};
  if (r.amount == 0) r.amount = 1;
  e_global[p] += r.amount, e_on_global[p] = 1;
  if (r.skill_id) e_skill[k][p] += r.amount, e_on_skill[k][p] = 1;
  if (r.guild_id) e_guild[p] += r.amount, e_on_guild[p] = 1, e_guild_total += r.amount;
  if (r.season_id) e_season[p] += r.amount, e_on_season[p] = 1;
  if (write) {
    pheme_err e = sql("INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, at) "
                      "VALUES ($1, $2, $3, $4, $5, 'adjustment', $6)",
                      SX_ARGS(dbv_int(r.user_id), r.skill_id ? dbv_int(r.skill_id) : dbv_null(),
                              r.guild_id ? dbv_int(r.guild_id) : dbv_null(),
                              r.season_id ? dbv_int(r.season_id) : dbv_null(), dbv_int(r.amount), dbv_int(r.at)));
    CHECK_INT(e, 0);
  }
  return r;
}

/* Board `set` holds exactly the people with on[p], with XP sums[p], in rank order. */
static int board_is(rank_set *set, const int64_t *sums, const char *on) {
  rank_entry got[PEOPLE + 1];
  int n = set ? rank_set_range(set, 1, PEOPLE + 1, got) : 0, want = 0;
  for (int p = 0; p < PEOPLE; p++) want += on[p];
  if (n != want) return 0;
  for (int i = 0; i < n; i++) {
    int p = -1;
    for (int q = 0; q < PEOPLE; q++)
      if (uid[q] == got[i].id) p = q;
    if (p < 0 || !on[p] || sums[p] != got[i].xp || got[i].rank != i + 1) return 0;
    if (i && (got[i - 1].xp < got[i].xp || (got[i - 1].xp == got[i].xp && got[i - 1].id > got[i].id))) return 0;
  }
  return 1;
}

static void boards_match(leaderboards *lb) {
  CHECK(board_is(leaderboards_board(lb, LB_GLOBAL, 0), e_global, e_on_global));
  for (int k = 0; k < SKILLS; k++) CHECK(board_is(leaderboards_board(lb, LB_SKILL, skill_id[k]), e_skill[k], e_on_skill[k]));
  CHECK(board_is(leaderboards_board(lb, LB_GUILD, guild_id), e_guild, e_on_guild));
  CHECK(board_is(leaderboards_board(lb, LB_SEASON, season_id), e_season, e_on_season));
  rank_entry g;
  CHECK(rank_set_get(leaderboards_board(lb, LB_GUILDS, 0), guild_id, &g) && g.xp == e_guild_total && g.rank == 1);
  CHECK(leaderboards_board(lb, LB_SKILL, skill_id[SKILLS - 1] + 1000) == NULL);
}

TEST(leaderboards_load_the_ledger_and_follow_applied_rows) {
  setup();
  for (int i = 0; i < ROWS; i++) random_row(1);
  leaderboards *lb = leaderboards_new();
  REQUIRE(lb);
  char err[256];
  /* pages of 4 user ids: several grouped reads, a person's groups never split across two */
  REQUIRE(leaderboards_load(lb, S, 4, err, sizeof err) == 0);
  boards_match(lb);
  /* the award listener: rows applied (and written, as the award engine would have) */
  lb_xp_row more[50];
  for (int i = 0; i < 50; i++) more[i] = random_row(1);
  leaderboard_apply(lb, more, 50);
  boards_match(lb);
  /* a rebuild from the ledger equals the incremental boards */
  leaderboards *again = leaderboards_new();
  REQUIRE(again);
  REQUIRE(leaderboards_load(again, S, 1000, err, sizeof err) == 0);
  boards_match(again);
  /* metrics name every kind */
  metrics_registry m;
  metrics_init(&m);
  CHECK_INT(metrics_register(&m, leaderboards_metrics_collect, lb), 0);
  buf out;
  buf_init(&out, 1 << 20);
  CHECK_INT(metrics_render(&m, &out), 0);
  char line[128];
  int members = 0;
  for (int p = 0; p < PEOPLE; p++) members += e_on_global[p];
  snprintf(line, sizeof line, "pheme_leaderboard_members{kind=\"global\"} %d\n", members);
  CHECK(out.len && strstr(out.data, line));
  CHECK(strstr(out.data, "pheme_leaderboard_bytes{kind=\"season\"}"));
  buf_release(&out);
  metrics_release(&m);
  leaderboards_free(again);
  leaderboards_free(lb);
}

/* A ledger row written in x, with its id when id > 0 (SQLite: to leave a hole below it). */
static pheme_err ledger_insert(sx *x, const lb_xp_row *r, int64_t id) {
  const dbv args[] = {dbv_int(r->user_id), r->skill_id ? dbv_int(r->skill_id) : dbv_null(),
                      r->guild_id ? dbv_int(r->guild_id) : dbv_null(),
                      r->season_id ? dbv_int(r->season_id) : dbv_null(), dbv_int(r->amount), dbv_int(r->at),
                      dbv_int(id)};
  if (id > 0)
    return sx_query(x, "INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, at, id) "
                       "VALUES ($1, $2, $3, $4, $5, 'adjustment', $6, $7)", args, 7, NULL);
  return sx_query(x, "INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, at) "
                     "VALUES ($1, $2, $3, $4, $5, 'adjustment', $6)", args, 6, NULL);
}

static int64_t ledger_max_id(void) {
  sx x;
  db_result r;
  if (sx_read(S, NULL, &x)) return -1;
  pheme_err e = Q0(&x, &r, "SELECT coalesce(max(id), 0) FROM xp_ledger");
  int64_t id = e ? -1 : db_int(&r, 0, 0);
  sx_end(&x);
  return id;
}

/* Another process's awards: rows committed through a second store on the same database reach
 * boards loaded before them, each once, also when a row below them commits later (on
 * PostgreSQL a transaction takes its id at INSERT), and shares are not counted. */
TEST(leaderboards_follow_rows_committed_by_another_process) {
  store *other;
  char err[256];
  store_options o = {2, 5000, 0, NULL};
  REQUIRE(store_open(&other, backends_url, &o, err, sizeof err) == 0);
  leaderboards *lb = leaderboards_new();
  REQUIRE(lb);
  REQUIRE(leaderboards_load(lb, S, 1000, err, sizeof err) == 0);
  boards_match(lb);
  CHECK_INT(leaderboards_followed(lb), ledger_max_id());
  /* 30 rows in 3 transactions of the other process, and a share row that counts to no board */
  for (int t = 0; t < 3; t++) {
    sx x;
    REQUIRE(sx_write(other, NULL, &x) == 0);
    for (int i = 0; i < 10; i++) {
      lb_xp_row r = random_row(0);
      CHECK_INT(ledger_insert(&x, &r, 0), 0);
    }
    if (t == 1)
      CHECK_INT(sx_query(&x, "INSERT INTO xp_ledger (user_id, skill_id, amount, reason, rule, at) "
                             "VALUES ($1, $2, 500, 'domain_share', 'domain:technical', 1500)",
                         SX_ARGS(dbv_int(uid[0]), dbv_int(skill_id[0])), NULL),
                0);
    CHECK_INT(sx_commit(&x), 0);
    sx_end(&x);
  }
  CHECK_INT(leaderboards_follow(lb), 0);
  boards_match(lb);
  CHECK_INT(leaderboards_follow(lb), 0); /* nothing new: nothing applied twice */
  boards_match(lb);
  CHECK_INT(leaderboards_followed(lb), ledger_max_id());
  /* a row committed after a later one */
  lb_xp_row early = random_row(0), late = random_row(0);
  int64_t before = ledger_max_id();
  if (strcmp(backend, "postgresql") == 0) {
    sx held;
    REQUIRE(sx_write(other, NULL, &held) == 0);
    CHECK_INT(ledger_insert(&held, &early, 0), 0); /* takes its id now, commits below */
    sx x;
    REQUIRE(sx_write(S, NULL, &x) == 0);
    CHECK_INT(ledger_insert(&x, &late, 0), 0);
    CHECK_INT(sx_commit(&x), 0);
    sx_end(&x);
    CHECK_INT(leaderboards_follow(lb), 0);
    CHECK_INT(leaderboards_followed(lb), before); /* held back by the missing id */
    CHECK_INT(sx_commit(&held), 0);
    sx_end(&held);
  } else { /* one writer at a time: the hole is made with explicit ids */
    sx x;
    REQUIRE(sx_write(other, NULL, &x) == 0);
    CHECK_INT(ledger_insert(&x, &late, before + 2), 0);
    CHECK_INT(sx_commit(&x), 0);
    sx_end(&x);
    CHECK_INT(leaderboards_follow(lb), 0);
    CHECK_INT(leaderboards_followed(lb), before);
    REQUIRE(sx_write(other, NULL, &x) == 0);
    CHECK_INT(ledger_insert(&x, &early, before + 1), 0);
    CHECK_INT(sx_commit(&x), 0);
    sx_end(&x);
  }
  CHECK_INT(leaderboards_follow(lb), 0);
  boards_match(lb);
  CHECK_INT(leaderboards_followed(lb), ledger_max_id());
  /* and a fresh load of the same ledger gives the same boards */
  leaderboards *again = leaderboards_new();
  REQUIRE(again);
  REQUIRE(leaderboards_load(again, S, 1000, err, sizeof err) == 0);
  boards_match(again);
  leaderboards_free(again);
  leaderboards_free(lb);
  store_free(other);
}

/* PostgreSQL: the load does not miss a row that is in flight below the highest id it reads (a
 * transaction takes its id at INSERT and may commit after a later one): it waits for it. Before,
 * the load read up to the highest committed id and the follower started above it, so such a row
 * counted on no board until the next restart. The row here commits 500 ms after the load
 * begins; the load must then see it. */
static void *commit_later(void *arg) {
  usleep(500000);
  sx *held = arg;
  CHECK_INT(sx_commit(held), 0);
  sx_end(held);
  return NULL;
}

TEST(leaderboards_load_waits_for_a_row_in_flight_below_the_highest_id) {
  if (strcmp(backend, "postgresql") != 0) return; /* SQLite: one writer, ids in commit order */
  store *other;
  char err[256];
  store_options o = {2, 5000, 0, NULL};
  REQUIRE(store_open(&other, backends_url, &o, err, sizeof err) == 0);
  lb_xp_row early = random_row(0), late = random_row(0);
  static sx held;
  REQUIRE(sx_write(other, NULL, &held) == 0);
  CHECK_INT(ledger_insert(&held, &early, 0), 0); /* takes its id now, commits in commit_later */
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  CHECK_INT(ledger_insert(&x, &late, 0), 0);
  CHECK_INT(sx_commit(&x), 0);
  sx_end(&x);
  pthread_t th;
  REQUIRE(pthread_create(&th, NULL, commit_later, &held) == 0);
  leaderboards *lb = leaderboards_new();
  REQUIRE(lb);
  CHECK_INT(leaderboards_load(lb, S, 1000, err, sizeof err), 0);
  pthread_join(th, NULL);
  boards_match(lb);
  CHECK_INT(leaderboards_followed(lb), ledger_max_id());
  leaderboards_free(lb);
  store_free(other);
}

TEST(leaderboards_name_people_by_address_and_display_name) {
  arena a;
  arena_init(&a, 0);
  int64_t ids[3] = {uid[2], 987654321, uid[0]};
  store_lb_person out[3];
  CHECK_INT(store_leaderboard_people(S, &a, ids, 3, out), 0);
  CHECK_INT(out[0].id, uid[2]);
  CHECK_STR(out[0].display_name, "person 2");
  CHECK_INT(out[0].address[0], 0x1b);
  CHECK_INT(out[0].address[19], 2);
  CHECK_INT(out[1].id, 0);
  CHECK_STR(out[2].display_name, "person 0");
  /* guilds by id, likewise; more ids than one statement shape holds (the 32-id shape) */
  int64_t gids[20];
  for (int i = 0; i < 20; i++) gids[i] = i == 7 ? guild_id : guild_id + 1000 + i;
  store_lb_guild g[20];
  CHECK_INT(store_leaderboard_guilds(S, &a, gids, 20, g), 0);
  CHECK_INT(g[7].id, guild_id);
  CHECK_STR(g[7].slug, "lb-guild");
  CHECK_STR(g[7].name, "Board guild");
  CHECK_INT(g[0].id, 0);
  CHECK_INT(g[19].id, 0);
  CHECK_INT(store_leaderboard_guilds(S, &a, gids, STORE_LB_PEOPLE_MAX + 1, g), PHEME_SYS_INTERNAL);
  arena_release(&a);
}

TEST(leaderboard_cursors_round_trip_and_refuse_anything_else) {
  rank_key ks[] = {{0, 1}, {-5, 42}, {INT64_MAX, INT64_MAX}, {INT64_MIN, 7}};
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
    char c[LB_CURSOR_LEN + 1];
    lb_cursor_format(ks[i], c);
    rank_key back;
    CHECK_INT(lb_cursor_parse(c, &back), 0);
    CHECK(back.xp == ks[i].xp && back.id == ks[i].id);
  }
  rank_key k;
  CHECK_INT(lb_cursor_parse("", &k), -1);
  CHECK_INT(lb_cursor_parse("00000000000000000000000000000001", &k), 0);
  CHECK_INT(lb_cursor_parse("000000000000000000000000000000010", &k), -1); /* too long */
  CHECK_INT(lb_cursor_parse("0000000000000000000000000000001", &k), -1);   /* too short */
  CHECK_INT(lb_cursor_parse("0000000000000000000000000000000A", &k), -1);  /* upper case */
  CHECK_INT(lb_cursor_parse("00000000000000000000000000000000", &k), -1);  /* id 0 */
  CHECK_INT(lb_cursor_parse("0000000000000000ffffffffffffffff", &k), -1);  /* id negative */
}

/* Two award workers applying at once, a reader beside them: the boards end as the sums. */
typedef struct {
  leaderboards *lb;
  const lb_xp_row *rows;
  int n;
} apply_arg;

static void *apply_thread(void *p) {
  apply_arg *a = p;
  for (int i = 0; i < a->n; i += 10) leaderboard_apply(a->lb, a->rows + i, a->n - i < 10 ? a->n - i : 10);
  return NULL;
}

TEST(leaderboard_apply_from_two_threads_gives_the_sums) {
  enum { N = 20000, USERS = 500 };
  static lb_xp_row rows[2][N];
  static int64_t sum[USERS + 1], skill_sum[USERS + 1];
  memset(sum, 0, sizeof sum), memset(skill_sum, 0, sizeof skill_sum);
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < N; i++) {
      lb_xp_row r = {1 + rnd(USERS), rnd(2) ? 5 : 0, 0, 0, 1 + rnd(100), 0};
      rows[t][i] = r;
      sum[r.user_id] += r.amount;
      if (r.skill_id) skill_sum[r.user_id] += r.amount;
    }
  leaderboards *lb = leaderboards_new();
  REQUIRE(lb);
  apply_arg a[2] = {{lb, rows[0], N}, {lb, rows[1], N}};
  pthread_t th[2];
  for (int t = 0; t < 2; t++) REQUIRE(pthread_create(&th[t], NULL, apply_thread, &a[t]) == 0);
  int bad = 0;
  for (int i = 0; i < 2000; i++) { /* reads meanwhile see an ordered board */
    rank_set *g = leaderboards_board(lb, LB_GLOBAL, 0);
    rank_entry e[20];
    int n = g ? rank_set_range(g, 1, 20, e) : 0;
    for (int j = 1; j < n; j++) bad += e[j - 1].xp < e[j].xp;
  }
  for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
  CHECK_INT(bad, 0);
  for (int64_t u = 1; u <= USERS; u++) {
    rank_entry e;
    if (sum[u]) CHECK(rank_set_get(leaderboards_board(lb, LB_GLOBAL, 0), u, &e) && e.xp == sum[u]);
    if (skill_sum[u]) CHECK(rank_set_get(leaderboards_board(lb, LB_SKILL, 5), u, &e) && e.xp == skill_sum[u]);
  }
  leaderboards_free(lb);
}

static void all_tests(void) {
  RUN(leaderboard_apply_from_two_threads_gives_the_sums);
  RUN(leaderboards_load_the_ledger_and_follow_applied_rows);
  RUN(leaderboards_follow_rows_committed_by_another_process);
  RUN(leaderboards_load_waits_for_a_row_in_flight_below_the_highest_id);
  RUN(leaderboards_name_people_by_address_and_display_name);
  RUN(leaderboard_cursors_round_trip_and_refuse_anything_else);
}

int main(void) { return backends_main("test_leaderboard", all_tests); }
