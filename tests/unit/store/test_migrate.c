/* Migrations that rebuild or loosen a table, on SQLite and PostgreSQL: the databases stop at
 * version 8, people with wallets, sessions, keys, tasks, … are written with the SQL of that
 * schema, and migration 0009 (users.address no longer UNIQUE; on SQLite a rebuild of users run
 * with foreign keys off, see migrate.h) must keep every row, every value and every foreign key. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/auth_store.h"
#include "store/internal.h"
#include "store/migrate.h"
#include "store/store.h"
#include "test.h"
#include "backends.h"

static store_actor sys = {0, "test"};

static void wallet_of(uint8_t a[20], int n) {
  memset(a, 0, 20);
  a[0] = 0xbb;
  a[1] = 0x09;
  a[19] = (uint8_t)n;
  a[18] = (uint8_t)(n >> 8);
}

/* The people written at version 8: person i owns wallets first[i] … first[i] + count[i] - 1, and
 * users.address is the wallet payout[i]. */
static const int first[3] = {1, 4, 6}, nwallets[3] = {3, 2, 1}, payout[3] = {2, 4, 6};
static int64_t people[3];

static int is_sqlite(void) { return strcmp(backend, "sqlite") == 0; }

/* One statement in x's transaction unless an earlier one failed; the first cell of its first row
 * (an id from RETURNING), or 0. */
static int64_t run(sx *x, pheme_err *e, const char *sql, const dbv *args, int n) {
  if (*e) return 0;
  db_result r;
  *e = sx_query(x, sql, args, n, &r);
  if (*e) fprintf(stderr, "%s: %s\n", sql, x->s->drv->errmsg(x->c));
  return *e || r.rows < 1 ? 0 : db_int(&r, 0, 0);
}
#define RUN_SQL(sql, ...) run(&x, &e, (sql), SX_ARGS(__VA_ARGS__))

/* Writes the people and what hangs off them with the SQL of schema version 8. */
static pheme_err write_people_at_v8(void) {
  sx x;
  pheme_err e = sx_write(S, NULL, &x);
  if (e) return e;
  uint8_t w[20], h[32];
  for (int i = 0; i < 3; i++) {
    char name[16];
    snprintf(name, sizeof name, "person-%d", i);
    wallet_of(w, payout[i]);
    people[i] = RUN_SQL("INSERT INTO users (address, display_name, bio, roles, created_at, updated_at, "
                        "roles_version, nonces_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                        dbv_blob(w, 20), dbv_text(name), dbv_text("bio, with 'quotes'"), dbv_int(1 + 2 * i),
                        dbv_int(1000 + i), dbv_int(2000 + i), dbv_int(5 + i), dbv_int(7000 + i));
    for (int k = first[i]; k < first[i] + nwallets[i]; k++) {
      wallet_of(w, k);
      RUN_SQL("INSERT INTO wallets (address, user_id, is_primary, linked_at) VALUES ($1, $2, $3, $4)",
              dbv_blob(w, 20), dbv_int(people[i]), dbv_int(k == payout[i]), dbv_int(3000 + k));
      /* a session opened with each wallet, with two refresh tokens on the first wallet's */
      int64_t sid = RUN_SQL("INSERT INTO sessions (user_id, address, created_at, revoked_at) VALUES "
                            "($1, $2, $3, $4) RETURNING id",
                            dbv_int(people[i]), dbv_blob(w, 20), dbv_int(4000 + k),
                            k % 2 ? dbv_null() : dbv_int(4500 + k));
      for (int t = 0; t < (k == first[i] ? 2 : 1); t++) {
        char seed[32];
        snprintf(seed, sizeof seed, "refresh-%d-%d", k, t);
        sha256(h, seed, strlen(seed));
        RUN_SQL("INSERT INTO refresh_tokens (hash, session_id, created_at, expires_at, used_at) VALUES "
                "($1, $2, $3, $4, $5)",
                dbv_blob(h, 32), dbv_int(sid), dbv_int(5000 + k), dbv_int(6000 + k),
                t ? dbv_int(5500 + k) : dbv_null());
      }
    }
    sha256(h, name, strlen(name));
    RUN_SQL("INSERT INTO api_keys (user_id, hash, prefix, role, label, created_at) VALUES "
            "($1, $2, $3, $4, $5, $6)",
            dbv_int(people[i]), dbv_blob(h, 32), dbv_text("phk_test"), dbv_text("creator"), dbv_text(name),
            dbv_int(8000 + i));
  }
  int64_t guild_id = RUN_SQL("INSERT INTO guilds (slug, name, type, owner_id, member_count, created_at) VALUES "
                          "($1, $2, $3, $4, $5, $6) RETURNING id",
                          dbv_text("m9"), dbv_text("Migration"), dbv_text("INTEREST"), dbv_int(people[0]),
                          dbv_int(3), dbv_int(9000));
  int64_t skill_id = RUN_SQL("SELECT id FROM skills WHERE slug = $1", dbv_text("design"));
  int64_t badge = RUN_SQL("INSERT INTO badge_types (slug, name, rarity) VALUES ($1, $2, $3) RETURNING id",
                          dbv_text("m9-badge"), dbv_text("Migrated"), dbv_text("RARE"));
  for (int i = 0; i < 3; i++) {
    RUN_SQL("INSERT INTO guild_members (guild_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
            dbv_int(guild_id), dbv_int(people[i]), dbv_text(i ? "MEMBER" : "OWNER"), dbv_int(9100 + i));
    RUN_SQL("INSERT INTO skill_levels (user_id, skill_id, xp, level, last_validated) VALUES ($1, $2, $3, $4, $5)",
            dbv_int(people[i]), dbv_int(skill_id), dbv_int(100 * i), dbv_int(i), dbv_int(9200 + i));
    RUN_SQL("INSERT INTO badge_awards (user_id, badge_id, awarded_at) VALUES ($1, $2, $3)",
            dbv_int(people[i]), dbv_int(badge), dbv_int(9300 + i));
  }
  int64_t task_id = RUN_SQL("INSERT INTO tasks (type, title, description, difficulty, xp_reward, token_reward, "
                         "status, creator_id, guild_id, created_at, updated_at) VALUES "
                         "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                         dbv_text("BOUNTY"), dbv_text("Keep the rows"), dbv_text("through 0009"), dbv_int(4),
                         dbv_int(50), dbv_text("12345678901234567890"), dbv_text("OPEN"), dbv_int(people[0]),
                         dbv_int(guild_id), dbv_int(9400), dbv_int(9401));
  RUN_SQL("INSERT INTO task_skills (task_id, skill_id, min_level) VALUES ($1, $2, $3)", dbv_int(task_id),
          dbv_int(skill_id), dbv_int(10));
  RUN_SQL("INSERT INTO submissions (task_id, user_id, text, state, final_score, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7)",
          dbv_int(task_id), dbv_int(people[1]), dbv_text("done"), dbv_text("APPROVED"), dbv_int(88),
          dbv_int(9500), dbv_int(9501));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

/* Every table that holds a person's records, each row's every cell in order, as text. */
static const char *const tables[] = {"users", "wallets", "sessions", "refresh_tokens", "api_keys",
                                     "guilds", "guild_members", "skill_levels", "badge_types",
                                     "badge_awards", "tasks", "task_skills", "submissions"};

static char *snapshot(arena *a) {
  size_t cap = 64 * 1024, n = 0;
  char *out = arena_alloc(a, cap);
  if (!out) return NULL;
  out[0] = 0;
  sx x;
  if (sx_read(S, a, &x)) return NULL;
  for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1, 2", tables[t]);
    db_result r;
    if (Q0(&x, &r, sql)) {
      sx_end(&x);
      return NULL;
    }
    n += (size_t)snprintf(out + n, cap - n, "%s %d\n", tables[t], r.rows);
    for (int i = 0; i < r.rows && n < cap; i++)
      for (int c = 0; c < r.cols && n < cap; c++) {
        const dbv *v = db_cell(&r, i, c);
        const char *sep = c + 1 < r.cols ? "|" : "\n";
        if (v->type == DBV_NULL) n += (size_t)snprintf(out + n, cap - n, "NULL%s", sep);
        else if (v->type == DBV_INT) n += (size_t)snprintf(out + n, cap - n, "%lld%s", (long long)v->i, sep);
        else if (v->type == DBV_TEXT) n += (size_t)snprintf(out + n, cap - n, "'%s'%s", v->p, sep);
        else {
          for (size_t b = 0; b < v->n && n < cap; b++)
            n += (size_t)snprintf(out + n, cap - n, "%02x", (unsigned char)v->p[b]);
          if (n < cap) n += (size_t)snprintf(out + n, cap - n, "%s", sep);
        }
      }
  }
  sx_end(&x);
  return n < cap ? out : NULL;
}

static int64_t one_int(const char *sql, dbv arg) {
  sx x;
  if (sx_read(S, NULL, &x)) return -1;
  db_result r;
  int64_t v = sx_query(&x, sql, &arg, 1, &r) || r.rows != 1 ? -1 : db_int(&r, 0, 0);
  sx_end(&x);
  return v;
}

static int64_t foreign_keys_to_users(void) {
  return one_int(is_sqlite() ? "SELECT count(*) FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
                               "WHERE m.type = 'table' AND f.\"table\" = $1"
                             : "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                               "confrelid = CAST($1 AS regclass)",
                 dbv_text("users"));
}

/* Tries to create a person whose payout address is another person's wallet, the way
 * store_user_ensure creates one (users row, then wallets row), and rolls back. Returns the error
 * and which table refused: "users", "wallets", or "" when none did. */
static pheme_err second_person_with(const uint8_t address[20], const char **refused) {
  *refused = "";
  sx x;
  pheme_err e = sx_write(S, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "INSERT INTO users (address, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
        dbv_blob(address, 20), dbv_int(1));
  if (e) *refused = "users";
  if (!e) {
    e = Q(&x, NULL, "INSERT INTO wallets (address, user_id, is_primary, linked_at) VALUES ($1, $2, 1, $3)",
          dbv_blob(address, 20), dbv_int(db_int(&r, 0, 0)), dbv_int(1));
    if (e) *refused = "wallets";
  }
  sx_end(&x);
  return e;
}

static char *before;
static arena keep;

TEST(version_8_is_written) {
  CHECK_INT(migrate_latest_applied(S->db), 8);
  REQUIRE(write_people_at_v8() == 0);
  before = snapshot(&keep);
  REQUIRE(before != NULL);
  CHECK(strstr(before, "users 3\n") != NULL);
  CHECK(strstr(before, "wallets 6\n") != NULL);
  CHECK(strstr(before, "sessions 6\n") != NULL);
  CHECK(strstr(before, "refresh_tokens 9\n") != NULL);
  CHECK(strstr(before, "submissions 1\n") != NULL);
  CHECK_INT(foreign_keys_to_users(), 9);
  /* what 0009 removes: at version 8 the users table itself refuses a second person with the address */
  uint8_t w[20];
  wallet_of(w, 4);
  const char *refused;
  CHECK_INT(second_person_with(w, &refused), PHEME_DATA_CONFLICT);
  CHECK_STR(refused, "users");
}

/* SQLite: a migration run with foreign keys off that leaves a row pointing nowhere is rolled back
 * with an error naming the table, and the writer has its foreign keys on again. */
TEST(sqlite_runner_refuses_broken_foreign_keys) {
  if (!is_sqlite()) return;
  db_conn *c = S->drv->acquire(S->db, 1);
  REQUIRE(c != NULL);
  pheme_err e = S->drv->exec_script(c, "PRAGMA foreign_keys=OFF; INSERT INTO sessions (user_id, address, "
                                       "created_at) VALUES (999999, zeroblob(20), 1); PRAGMA foreign_keys=ON");
  S->drv->release(S->db, c);
  REQUIRE(e == 0);
  int applied = -1;
  char err[512] = "";
  CHECK_INT(migrate_apply(S->db, 9, &applied, err, sizeof err), PHEME_SYS_STORAGE);
  CHECK_INT(applied, 0);
  CHECK(strstr(err, "0009_users_address_not_unique") != NULL);
  CHECK(strstr(err, "table 'sessions'") != NULL);
  if (getenv("TEST_VERBOSE")) fprintf(stderr, "   %s\n", err);
  CHECK_INT(migrate_latest_applied(S->db), 8);
  uint8_t w[20];
  wallet_of(w, 4);
  const char *refused;
  CHECK_INT(second_person_with(w, &refused), PHEME_DATA_CONFLICT);
  CHECK_STR(refused, "users"); /* still the old table */
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  db_result r;
  e = Q0(&x, &r, "PRAGMA foreign_keys");
  CHECK_INT(e, 0);
  CHECK_INT(e ? -1 : db_int(&r, 0, 0), 1);
  if (!e) e = Q(&x, NULL, "DELETE FROM sessions WHERE user_id = $1", dbv_int(999999));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  CHECK_INT(e, 0);
}

TEST(migration_9_keeps_every_row_and_key) {
  int applied = -1;
  char err[512] = "";
  CHECK_INT(migrate_apply(S->db, 9, &applied, err, sizeof err), 0);
  if (err[0]) fprintf(stderr, "%s\n", err);
  CHECK_INT(applied, 1);
  CHECK_INT(migrate_latest_applied(S->db), 9);
  arena a;
  arena_init(&a, 0);
  const char *after = snapshot(&a);
  REQUIRE(before && after);
  CHECK_STR(after, before);
  CHECK_INT(foreign_keys_to_users(), 9);
  if (is_sqlite()) {
    sx x;
    REQUIRE(sx_read(S, NULL, &x) == 0);
    db_result r;
    CHECK_INT(Q0(&x, &r, "PRAGMA foreign_key_check"), 0);
    CHECK_INT(r.rows, 0);
    sx_end(&x);
  }
  /* the writer enforces them: no wallet for a person who does not exist */
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  uint8_t w[20];
  wallet_of(w, 90);
  CHECK_INT(Q(&x, NULL, "INSERT INTO wallets (address, user_id, is_primary, linked_at) VALUES ($1, $2, 0, 1)",
              dbv_blob(w, 20), dbv_int(999999)),
            PHEME_DATA_INVALID);
  sx_end(&x);
  arena_release(&a);
}

TEST(users_keep_their_defaults_and_checks) {
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  uint8_t w[20];
  wallet_of(w, 91);
  db_result r;
  pheme_err e = Q(&x, &r,
                  "INSERT INTO users (address, created_at, updated_at) VALUES ($1, $2, $2) RETURNING "
                  "display_name, bio, roles, roles_version, nonces_after",
                  dbv_blob(w, 20), dbv_int(1));
  CHECK_INT(e, 0);
  if (!e) {
    CHECK_STR(db_text(&r, 0, 0), "");
    CHECK_STR(db_text(&r, 0, 1), "");
    CHECK_INT(db_int(&r, 0, 2), 1);
    CHECK_INT(db_int(&r, 0, 3), 0);
    CHECK_INT(db_int(&r, 0, 4), 0);
  }
  sx_end(&x);
  REQUIRE(sx_write(S, NULL, &x) == 0);
  CHECK_INT(Q(&x, NULL, "INSERT INTO users (address, created_at, updated_at) VALUES ($1, $2, $2)",
              dbv_blob(w, 19), dbv_int(1)),
            PHEME_DATA_INVALID);
  sx_end(&x);
}

TEST(a_wallet_still_belongs_to_one_person) {
  uint8_t w[20];
  wallet_of(w, 4);
  /* users.address no longer refuses; the wallets key does */
  const char *refused;
  CHECK_INT(second_person_with(w, &refused), PHEME_DATA_CONFLICT);
  CHECK_STR(refused, "wallets");
  arena a;
  arena_init(&a, 0);
  user u;
  int created = -1;
  wallet_of(w, 5); /* person 1's second wallet: found, not created */
  CHECK_INT(store_user_ensure(S, &a, &sys, w, &u, &created), 0);
  CHECK_INT(created, 0);
  CHECK_INT(u.id, people[1]);
  uint8_t p[20];
  wallet_of(p, payout[1]);
  CHECK_MEM(u.address, 20, p, 20);
  CHECK_INT(one_int("SELECT count(*) FROM users WHERE address = $1", dbv_blob(w, 20)), 0);
  arena_release(&a);
}

/* Two sign-ups racing for one new address: one person is created, the other call finds them or
 * is refused by the wallets key, and no person without a wallet is left behind. */
static uint8_t race_address[20];
static void *ensure(void *arg) {
  arena a;
  arena_init(&a, 0);
  user u;
  int created = 0;
  pheme_err e = store_user_ensure(S, &a, &sys, race_address, &u, &created);
  int64_t *out = arg;
  out[0] = e;
  out[1] = created;
  out[2] = e ? 0 : u.id;
  arena_release(&a);
  return NULL;
}

TEST(racing_sign_ups_make_one_person) {
  for (int round = 0; round < 16; round++) {
    wallet_of(race_address, 200 + round);
    int64_t got[2][3];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) REQUIRE(pthread_create(&th[i], NULL, ensure, got[i]) == 0);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    CHECK_INT(got[0][1] + got[1][1], 1);
    int winner = got[0][1] ? 0 : 1, loser = 1 - winner;
    CHECK_INT(got[winner][0], 0);
    CHECK(got[loser][0] == PHEME_DATA_CONFLICT || (got[loser][0] == 0 && got[loser][2] == got[winner][2]));
    CHECK_INT(one_int("SELECT count(*) FROM users WHERE address = $1", dbv_blob(race_address, 20)), 1);
    CHECK_INT(one_int("SELECT count(*) FROM wallets WHERE address = $1", dbv_blob(race_address, 20)), 1);
  }
}

TEST(payout_address_still_moves_between_own_wallets) {
  arena a;
  arena_init(&a, 0);
  uint8_t w[20], own[20];
  wallet_of(own, 3);
  user u;
  CHECK_INT(store_payout_set(S, &a, &sys, people[0], own, &u), 0);
  CHECK_MEM(u.address, 20, own, 20);
  wallet_of(w, 1);
  CHECK_INT(store_user_by_address(S, &a, w, &u), 0);
  CHECK_INT(u.id, people[0]);
  CHECK_MEM(u.address, 20, own, 20);
  linked_wallet *l = NULL;
  int n = 0;
  CHECK_INT(store_wallets_list(S, &a, people[0], &l, &n), 0);
  CHECK_INT(n, 3);
  if (n == 3) {
    CHECK_MEM(l[0].address, 20, own, 20);
    CHECK_INT(l[0].primary + l[1].primary + l[2].primary, 1);
  }
  wallet_of(w, 4); /* someone else's */
  CHECK_INT(store_payout_set(S, &a, &sys, people[0], w, &u), PHEME_DATA_NOT_FOUND);
  arena_release(&a);
}

TEST(deleting_a_person_still_cascades) {
  int64_t p = people[2];
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  /* the creator of a task and owner of a guild stays: those keys do not cascade */
  CHECK_INT(Q(&x, NULL, "DELETE FROM users WHERE id = $1", dbv_int(people[0])), PHEME_DATA_INVALID);
  sx_end(&x);
  REQUIRE(sx_write(S, NULL, &x) == 0);
  pheme_err e = Q(&x, NULL, "DELETE FROM users WHERE id = $1", dbv_int(p));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  CHECK_INT(e, 0);
  static const char *const owned[] = {
      "SELECT count(*) FROM wallets WHERE user_id = $1",
      "SELECT count(*) FROM sessions WHERE user_id = $1",
      "SELECT count(*) FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE s.user_id = $1",
      "SELECT count(*) FROM api_keys WHERE user_id = $1",
      "SELECT count(*) FROM guild_members WHERE user_id = $1",
      "SELECT count(*) FROM skill_levels WHERE user_id = $1",
      "SELECT count(*) FROM badge_awards WHERE user_id = $1",
  };
  for (size_t i = 0; i < ARRAY_SIZE(owned); i++) {
    CHECK_INT(one_int(owned[i], dbv_int(p)), 0);
    CHECK_INT(one_int(owned[i], dbv_int(people[0])) > 0, 1);
  }
  /* refresh tokens hang off sessions: only the deleted person's are gone (9 - 2) */
  CHECK_INT(one_int("SELECT count(*) FROM refresh_tokens WHERE expires_at > $1", dbv_int(0)), 7);
}

static void all_tests(void) {
  arena_init(&keep, 0);
  RUN(version_8_is_written);
  RUN(sqlite_runner_refuses_broken_foreign_keys);
  RUN(migration_9_keeps_every_row_and_key);
  RUN(users_keep_their_defaults_and_checks);
  RUN(a_wallet_still_belongs_to_one_person);
  RUN(racing_sign_ups_make_one_person);
  RUN(payout_address_still_moves_between_own_wallets);
  RUN(deleting_a_person_still_cascades);
  arena_release(&keep);
}

int main(void) {
  backends_schema_version = 8;
  return backends_main("test_migrate", all_tests);
}
