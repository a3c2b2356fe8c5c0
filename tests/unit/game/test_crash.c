/* Awards survive their workers dying (issue 11, exactly once), on SQLite and PostgreSQL: approved
 * outcomes, each with its game.award job as the pipeline leaves them, are awarded by the real
 * `pheme worker` (PHEME_BIN), which is SIGKILLed 50 times at random moments while award jobs are
 * running or queued (approvals are added between kills, so each worker starts with work queued and
 * the last one has little left to drain); one more worker drains the queue and stops with SIGTERM.
 * Then every outcome is consumed, every award job done, and each approval has exactly one set of
 * ledger rows, one xp.awarded event and one entry in a game.badges job (one job per group commit,
 * listing its awards); and the totals equal a rebuild from
 * the ledger. The sweep is off in the workers (game_sweep_interval 0), so only the jobs award. */
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "core/util.h"
#include "game/game.h"
#include "store/game.h"
#include "store/internal.h"
#include "store/jobs.h"

#ifndef PHEME_BIN
#error "PHEME_BIN must name the pheme binary"
#endif

/* Kills: 50 in the unit layer, fewer under the sanitizers (test_scaled). Approvals: FIRST_AWARDS
 * before the first kill, then TOP_UP more whenever fewer than TOP_UP_BELOW are left before a worker
 * starts, up to AWARDS (each person approved once per task: 200 people x 30 tasks). */
static int KILLS = 50, AWARDS = 6000, FIRST_AWARDS = 1500;
enum { TOP_UP = 600, TOP_UP_BELOW = 400 };

static store *S;
static const char *URL;

static pid_t start_worker(void) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    dup2(null, 1);
    if (!getenv("TEST_VERBOSE")) dup2(null, 2);
  }
  execl(PHEME_BIN, PHEME_BIN, "worker", "--database", URL, "--jobs-workers", "4", "--jobs-lease-ms", "400",
        "--jobs-poll-ms", "20", "--jobs-backoff-base-ms", "5", "--jobs-backoff-cap-ms", "40", "--jobs-batch", "4",
        "--game-sweep-interval", "0", "--migrate-on-start", "false", "--log-level", "warn", (char *)NULL);
  _exit(127);
}

static int64_t count(const char *sql) {
  sx x;
  if (sx_read(S, NULL, &x)) return -1;
  db_result r;
  int64_t n = -1;
  if (!Q0(&x, &r, sql) && r.rows == 1) n = db_int(&r, 0, 0);
  sx_end(&x);
  return n;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* The submissions the game.badges jobs name ("submission_id", or each of "submission_ids"):
 * *total of them, *distinct different ones; -1 in both when a payload is of neither shape. */
static void badge_submissions(int64_t *total, int64_t *distinct) {
  *total = *distinct = -1;
  sx x;
  if (sx_read(S, NULL, &x)) return;
  db_result r;
  if (Q0(&x, &r, "SELECT payload FROM jobs WHERE kind = 'game.badges'")) {
    sx_end(&x);
    return;
  }
  int64_t *ids = NULL, n = 0, cap = 0, bad = 0;
  for (int i = 0; i < r.rows && !bad; i++) {
    json_t *o = json_loads(db_text(&r, i, 0), 0, NULL), *one = json_object_get(o, "submission_id"),
           *many = json_object_get(o, "submission_ids");
    size_t m = json_is_array(many) ? json_array_size(many) : 1;
    bad = !json_is_integer(one) && !json_is_array(many);
    for (size_t k = 0; !bad && k < m; k++) {
      json_t *v = many ? json_array_get(many, k) : one;
      if (n == cap) ids = realloc(ids, sizeof *ids * (size_t)(cap = cap ? 2 * cap : 1024));
      bad = !ids || !json_is_integer(v);
      if (!bad) ids[n++] = (int64_t)json_integer_value(v);
    }
    json_decref(o);
  }
  sx_end(&x);
  if (!bad) {
    qsort(ids, (size_t)n, sizeof *ids, cmp_i64);
    *total = n;
    *distinct = 0;
    for (int64_t i = 0; i < n; i++) *distinct += i == 0 || ids[i] != ids[i - 1];
  }
  free(ids);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static uint64_t rnd(void) {
  uint64_t r = 0;
  if (random_bytes(&r, sizeof r)) r = (uint64_t)time_now_ms();
  return r;
}

#define AWARDS_LEFT "SELECT count(*) FROM jobs WHERE kind = 'game.award' AND state IN ('queued', 'running')"

static int drained(int seconds) {
  for (int i = 0; i < seconds * 50; i++) {
    if (count(AWARDS_LEFT) == 0) return 0;
    sleep_ms(20);
  }
  return -1;
}

static int stop(pid_t pid) {
  kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* 200 people and 30 tasks with 0–2 skills; the approvals are added by add_awards. */
static int64_t users[200], tasks[30], t0;
static int added; /* approvals so far */

static int setup(void) {
  arena a;
  arena_init(&a, 0);
  sx x;
  if (sx_write(S, &a, &x)) return -1;
  db_result r;
  pheme_err e = PHEME_OK;
  added = 0;
  static const char *const slugs[] = {"c", "rust", "solidity", "sql", "ui-design", "finance"};
  for (int i = 0; !e && i < 200; i++) {
    uint8_t addr[20] = {0xcc};
    addr[19] = (uint8_t)i;
    e = Q(&x, &r, "INSERT INTO users (address, created_at, updated_at) VALUES ($1, 1, 1) RETURNING id", dbv_blob(addr, 20));
    if (!e) users[i] = db_int(&r, 0, 0);
  }
  int64_t gid = 0;
  if (!e) e = Q(&x, &r, "INSERT INTO guilds (slug, name, type, owner_id, created_at) VALUES ('crash', 'c', 'SKILL', $1, 1) RETURNING id",
                dbv_int(users[0]));
  if (!e) gid = db_int(&r, 0, 0);
  for (int i = 1; !e && i < 200; i += 2)
    e = Q(&x, NULL, "INSERT INTO guild_members (guild_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', 1)",
          dbv_int(gid), dbv_int(users[i]));
  for (int t = 0; !e && t < 30; t++) {
    e = Q(&x, &r, "INSERT INTO tasks (type, title, description, difficulty, xp_reward, status, creator_id, created_at, "
                  "updated_at) VALUES ('BOUNTY', 't', 'd', $1, $2, 'OPEN', $3, 1, 1) RETURNING id",
          dbv_int(1 + t % 10), dbv_int(40 + t * 13), dbv_int(users[0]));
    if (!e) tasks[t] = db_int(&r, 0, 0);
    for (int k = 0; !e && k < t % 3; k++)
      e = Q(&x, NULL, "INSERT INTO task_skills (task_id, skill_id) SELECT $1, id FROM skills WHERE slug = $2",
            dbv_int(tasks[t]), dbv_text(slugs[(t + k) % 6]));
  }
  t0 = time_now_ms() - 40 * GAME_DAY_MS;
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  arena_release(&a);
  return e ? -1 : 0;
}

/* n more approved outcomes (at most up to AWARDS), each with its award job, in one transaction. */
static int add_awards(int n) {
  arena a;
  arena_init(&a, 0);
  sx x;
  if (sx_write(S, &a, &x)) return -1;
  db_result r;
  pheme_err e = PHEME_OK;
  int end = added + n < AWARDS ? added + n : AWARDS;
  for (int i = added; !e && i < end; i++) {
    int64_t u = users[i % 200], t = tasks[i / 200], at = t0 + (int64_t)i * 500000;
    e = Q(&x, &r, "INSERT INTO submissions (task_id, user_id, text, state, final_score, created_at, updated_at) VALUES "
                  "($1, $2, 'w', 'APPROVED', 80, $3, $3) RETURNING id",
          dbv_int(t), dbv_int(u), dbv_int(at));
    int64_t sid = e ? 0 : db_int(&r, 0, 0);
    if (!e)
      e = Q(&x, NULL, "INSERT INTO outcomes (submission_id, user_id, task_id, final_score, skills, created_at) VALUES "
                      "($1, $2, $3, 80, '[]', $4)",
            dbv_int(sid), dbv_int(u), dbv_int(t), dbv_int(at));
    if (!e) {
      char payload[48];
      snprintf(payload, sizeof payload, "{\"submission_id\":%lld}", (long long)sid);
      job_request rq = {.kind = GAME_JOB_AWARD, .payload = payload, .max_attempts = 1000};
      e = jobs_enqueue_in(&x, &rq, time_now_ms(), NULL, NULL);
    }
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  arena_release(&a);
  if (!e) added = end;
  return e ? -1 : 0;
}

TEST(award_worker_killed_at_random_one_ledger_set_per_approval) {
  REQUIRE(setup() == 0);
  REQUIRE(add_awards(FIRST_AWARDS) == 0);
  int mid_job = 0, with_work = 0;
  for (int k = 0; k < KILLS; k++) {
    if (count(AWARDS_LEFT) < TOP_UP_BELOW) REQUIRE(add_awards(TOP_UP) == 0); /* no worker runs now */
    pid_t pid = start_worker();
    REQUIRE(pid > 0);
    char mine[200];
    snprintf(mine, sizeof mine, "SELECT count(*) FROM jobs WHERE kind = 'game.award' AND state = 'running' AND "
                                "lease_owner LIKE '%%:%ld:%%'", (long)pid);
    for (int i = 0; i < 500 && count(mine) == 0; i++) sleep_ms(5);
    sleep_ms((long)(rnd() % 60));
    int64_t left = count(AWARDS_LEFT);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    if (left > 0) with_work++;
    if (count("SELECT count(*) FROM jobs WHERE kind = 'game.award' AND state = 'running'") > 0) mid_job++;
  }
  int64_t left = count(AWARDS_LEFT);
  fprintf(stderr, "   %s: %d kills, %d with award jobs left, %d with award jobs running; %d approvals, %lld awarded so far, %lld left\n",
          store_driver_name(S), KILLS, with_work, mid_job, added,
          (long long)count("SELECT count(*) FROM outcomes WHERE consumed_at IS NOT NULL"), (long long)left);
  CHECK_INT(with_work, KILLS); /* every kill happened while there was work */
  CHECK(mid_job >= KILLS / 2);
  pid_t pid = start_worker();
  CHECK(drained(240) == 0);
  CHECK_INT(stop(pid), 0);
  /* everything awarded, each once */
  CHECK_INT(count("SELECT count(*) FROM outcomes WHERE consumed_at IS NULL"), 0);
  CHECK_INT(count("SELECT count(*) FROM jobs WHERE kind = 'game.award' AND state = 'done'"), added);
  CHECK_INT(count("SELECT count(DISTINCT submission_id) FROM xp_ledger WHERE reason = 'task'"), added);
  /* one set per approval: task rows = the task's skills (or 1), never more */
  CHECK_INT(count("SELECT count(*) FROM (SELECT l.submission_id FROM xp_ledger l JOIN outcomes o ON o.submission_id = "
                  "l.submission_id WHERE l.reason = 'task' GROUP BY l.submission_id, o.task_id HAVING count(*) <> "
                  "(SELECT CASE WHEN count(*) = 0 THEN 1 ELSE count(*) END FROM task_skills ts WHERE ts.task_id = o.task_id)) d"),
            0);
  CHECK_INT(count("SELECT count(*) FROM events WHERE kind = 'xp.awarded'"), added);
  CHECK_INT(count("SELECT count(DISTINCT subject_id) FROM events WHERE kind = 'xp.awarded'"), added);
  int64_t named, different;
  badge_submissions(&named, &different);
  CHECK_INT(named, added);
  CHECK_INT(different, added);
  /* some award job ran more than once (else the kills proved nothing) */
  CHECK(count("SELECT count(*) FROM jobs WHERE kind = 'game.award' AND attempts > 1") > 0);
  /* the totals kept incrementally across the kills equal a rebuild from the ledger */
  arena a;
  arena_init(&a, 0);
  const char *before, *after;
  REQUIRE(!store_game_totals_text(S, &a, &before));
  game g;
  game_init(&g, S, NULL);
  REQUIRE(!game_rebuild(&g, time_now_ms(), NULL));
  REQUIRE(!store_game_totals_text(S, &a, &after));
  CHECK(strlen(before) > 1000);
  CHECK(strcmp(before, after) == 0);
  arena_release(&a);
}

static int suite(const char *url) {
  char err[512];
  store_options o = {4, 5000, 0, NULL};
  URL = url;
  if (store_open(&S, url, &o, err, sizeof err)) {
    fprintf(stderr, "cannot open %s: %s\n", url, err);
    return 1;
  }
  int applied;
  if (store_migrate(S, &applied, err, sizeof err)) {
    fprintf(stderr, "migrations failed: %s\n", err);
    store_free(S);
    return 1;
  }
  RUN(award_worker_killed_at_random_one_ledger_set_per_approval);
  store_free(S);
  S = NULL;
  return 0;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  KILLS = test_scaled(KILLS, 12);
  AWARDS = test_scaled(AWARDS, 1000);
  FIRST_AWARDS = test_scaled(FIRST_AWARDS, 500);
  char dir[] = "/tmp/pheme-game-crash-XXXXXX", url[256];
  if (!mkdtemp(dir)) return 1;
  snprintf(url, sizeof url, "sqlite:%s/test.db", dir);
  int bad = suite(url);
  char rm[300];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);

  FILE *p = popen(TEST_DATA_DIR "/../../scripts/pg-test.sh start", "r");
  char line[512], pgdir[600] = "", pgurl[600] = "";
  while (p && fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "PG_TEST_DIR=", 12) == 0) snprintf(pgdir, sizeof pgdir, "%s", line + 12);
    if (strncmp(line, "PG_TEST_URL=", 12) == 0) snprintf(pgurl, sizeof pgurl, "%s", line + 12);
  }
  if (!p || pclose(p) != 0 || !pgurl[0]) {
    fprintf(stderr, "could not start PostgreSQL with scripts/pg-test.sh\n");
    return 1;
  }
  bad |= suite(pgurl);
  char stopcmd[900];
  snprintf(stopcmd, sizeof stopcmd, TEST_DATA_DIR "/../../scripts/pg-test.sh stop %s", pgdir);
  if (system(stopcmd)) fprintf(stderr, "could not stop PostgreSQL in %s\n", pgdir);
  fprintf(stderr, "test_crash: %d tests, %d failed\n", test__ran, test__failed_tests);
  if (bad) return 1;
  return test__failed_tests > 100 ? 100 : test__failed_tests;
}
