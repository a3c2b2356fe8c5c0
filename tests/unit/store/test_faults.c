/* Fault injection under the storage interface (STYLE §10): the SQL driver is wrapped so that its
 * Nth statement fails, for every N a write takes, and after each failure the test checks that
 * nothing of the write is stored (not the task, not its skills, not its audit row) and that the
 * store still works. SQLite only: the failure is ours, not the backend's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/internal.h"
#include "test.h"

static const db_driver *real;
static db_driver faulty;
static int countdown; /* statements left before the injected failure; < 0: never */
static int statements;

static pheme_err faulty_query(db_conn *c, arena *a, const char *sql, const dbv *args, int nargs,
                              db_result *out) {
  statements++;
  if (countdown >= 0 && countdown-- == 0) return PHEME_SYS_STORAGE;
  return real->query(c, a, sql, args, nargs, out);
}

static pheme_err faulty_exec(db_conn *c, const char *sql) {
  /* BEGIN / COMMIT count as statements too, but ROLLBACK must always work */
  if (strcmp(sql, "ROLLBACK") != 0) {
    statements++;
    if (countdown >= 0 && countdown-- == 0) return PHEME_SYS_STORAGE;
  }
  return real->exec_script(c, sql);
}

static store *S;

static void inject(store *s) {
  real = s->drv;
  faulty = *real;
  faulty.query = faulty_query;
  faulty.exec_script = faulty_exec;
  s->drv = &faulty;
  s->db->drv = &faulty;
}

static int64_t count(const char *table) {
  int saved = countdown;
  countdown = -1;
  int64_t n = -1;
  if (store_count(S, table, &n)) n = -1;
  countdown = saved;
  return n;
}

static user creator;

/* Runs op with a failure at every statement it makes, then once without; op returns its error. */
static void every_failure(const char *what, pheme_err (*op)(arena *a), const char *table,
                          int64_t grows_by) {
  arena a;
  arena_init(&a, 0);
  countdown = -1;
  int64_t rows = count(table), audit = count("audit_log");
  /* a dry run tells how many statements the write takes */
  statements = 0;
  pheme_err e = op(&a);
  REQUIRE(e == PHEME_OK);
  int n = statements;
  REQUIRE(n > 2);
  rows += grows_by;
  audit = count("audit_log");
  for (int k = 0; k < n; k++) {
    arena_clear(&a);
    countdown = k;
    e = op(&a);
    countdown = -1;
    if (e == PHEME_OK) {
      /* a failure in a statement after COMMIT (a read-back) cannot undo it; every other must */
      fprintf(stderr, "%s: statement %d of %d failed after the commit\n", what, k + 1, n);
      CHECK(0);
      rows += grows_by;
      audit = count("audit_log");
      continue;
    }
    CHECK_INT(e, PHEME_SYS_STORAGE);
    if (count(table) != rows || count("audit_log") != audit) {
      fprintf(stderr, "%s: failing statement %d of %d left a half-written change\n", what, k + 1, n);
      CHECK(0);
    }
  }
  arena_release(&a);
}

static int serial;

static pheme_err make_task(arena *a) {
  task_skill sk[2] = {{"c", 3}, {"rust", 4}};
  char title[32];
  snprintf(title, sizeof title, "fault %d", ++serial);
  task t = {.type = "BOUNTY", .title = title, .description = "d", .difficulty = 3,
            .xp_reward = 10, .token_reward = "1", .status = "OPEN", .creator_id = creator.id,
            .requirements = "{}", .validation = "{}", .skills = sk, .nskills = 2};
  store_actor who = {0, "faults"};
  return store_task_create(S, a, &who, &t);
}

static pheme_err make_user(arena *a) {
  uint8_t ad[20] = {0xfa, 0x17};
  ad[18] = (uint8_t)(++serial >> 8);
  ad[19] = (uint8_t)serial;
  user u;
  int created;
  store_actor who = {0, "faults"};
  return store_user_ensure(S, a, &who, ad, &u, &created);
}

static pheme_err make_guild(arena *a) {
  char slug[32];
  snprintf(slug, sizeof slug, "fault-guild-%d", ++serial);
  guild g = {.slug = slug, .name = "F", .type = "GEO", .description = "", .owner_id = creator.id};
  store_actor who = {0, "faults"};
  return store_guild_create(S, a, &who, &g);
}

TEST(a_failed_write_leaves_nothing_behind) {
  every_failure("task create", make_task, "tasks", 1);
  every_failure("user create", make_user, "users", 1);
  every_failure("guild create", make_guild, "guilds", 1);
}

TEST(the_store_works_after_the_failures) {
  arena a;
  arena_init(&a, 0);
  countdown = -1;
  CHECK_INT(make_task(&a), PHEME_OK);
  task *list;
  int n;
  task_filter f = {0};
  store_page p = {0, 5};
  CHECK_INT(store_tasks_list(S, &a, &f, &p, &list, &n), PHEME_OK);
  CHECK(n > 0);
  arena_release(&a);
}

int main(void) {
  char dir[] = "/tmp/pheme-faults-XXXXXX", url[256], err[256];
  if (!mkdtemp(dir)) return 1;
  snprintf(url, sizeof url, "sqlite:%s/f.db", dir);
  store_options o = {2, 2000, 0, NULL};
  int applied;
  if (store_open(&S, url, &o, err, sizeof err) || store_migrate(S, &applied, err, sizeof err)) {
    fprintf(stderr, "setup: %s\n", err);
    return 1;
  }
  arena a;
  arena_init(&a, 0);
  uint8_t ad[20] = {0xc0};
  int created;
  store_actor who = {0, "faults"};
  if (store_user_ensure(S, &a, &who, ad, &creator, &created)) return 1;
  arena_release(&a);
  inject(S);
  countdown = -1;
  RUN(a_failed_write_leaves_nothing_behind);
  RUN(the_store_works_after_the_failures);
  store_free(S);
  char rm[300];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);
  fprintf(stderr, "test_faults: %d tests, %d failed\n", test__ran, test__failed_tests);
  return test__failed_tests;
}
