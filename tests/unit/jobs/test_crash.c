/* The job queue survives its workers dying (issue 10 §2), on SQLite and on PostgreSQL:
 *
 *  1. Jobs of the test-only kind jobs.test.effect (enabled in `pheme worker` by jobs_test_kinds;
 *     its one effect is an audit_log row written in the transaction that completes the job) are
 *     queued; a `pheme worker` is started and SIGKILLed 50 times, each time while jobs remain,
 *     then one more worker drains the queue and stops with SIGTERM. Every job must be done and
 *     its effect must be there exactly once. A poison job (jobs.test.poison, always fails) must
 *     end dead with its error.
 *  2. PostgreSQL: two `pheme worker` processes drain one queue; each job is claimed once
 *     (its claims counter is 1) and has its effect once.
 *
 * The worker binary is the build's `pheme` (PHEME_BIN, set by tests/CMakeLists.txt). */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "core/util.h"
#include "store/internal.h"
#include "store/jobs.h"
#include "store/migrate.h"

#ifndef PHEME_BIN
#error "PHEME_BIN must name the pheme binary"
#endif

enum { JOBS = 1000, PAIR_JOBS = 600 };
/* 50 kills in the unit layer, fewer under the sanitizers (test_scaled). */
static int KILLS = 50;

static store *S;
static const char *URL;

static pid_t start_worker(const char *lease_ms, const char *workers) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    dup2(null, 1);
    if (!getenv("TEST_VERBOSE")) dup2(null, 2);
  }
  execl(PHEME_BIN, PHEME_BIN, "worker", "--database", URL, "--jobs-workers", workers,
        "--jobs-test-kinds", "true", "--jobs-lease-ms", lease_ms, "--jobs-poll-ms", "20",
        "--jobs-backoff-base-ms", "5", "--jobs-backoff-cap-ms", "40", "--jobs-batch", "2",
        "--migrate-on-start", "false", "--log-level", "warn", (char *)NULL);
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

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static uint64_t rnd(void) {
  uint64_t r = 0;
  if (random_bytes(&r, sizeof r)) r = (uint64_t)time_now_ms();
  return r;
}

/* Waits until no job is queued or running (the worker is alive); 0 when it happened in time. */
static int drained(int seconds) {
  for (int i = 0; i < seconds * 50; i++) {
    if (count("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')") == 0) return 0;
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

static void enqueue(const char *kind, const char *payload, int max_attempts, int n) {
  for (int i = 0; i < n; i++) {
    job_request rq = {kind, payload, NULL, max_attempts, 0};
    if (store_job_enqueue(S, &rq, time_now_ms(), NULL, NULL)) {
      fprintf(stderr, "enqueue failed\n");
      test__failed_checks++;
      return;
    }
  }
}

/* Every effect job done and its audit row there once. */
static void check_effects_once(int expected) {
  CHECK_INT(count("SELECT count(*) FROM jobs WHERE kind = 'jobs.test.effect' AND state = 'done'"), expected);
  CHECK_INT(count("SELECT count(*) FROM audit_log WHERE action = 'jobs.test.effect'"), expected);
  CHECK_INT(count("SELECT count(*) FROM (SELECT subject_id FROM audit_log WHERE action = "
                  "'jobs.test.effect' GROUP BY subject_id HAVING count(*) <> 1) d"), 0);
  CHECK_INT(count("SELECT count(*) FROM jobs j WHERE kind = 'jobs.test.effect' AND NOT EXISTS "
                  "(SELECT 1 FROM audit_log a WHERE a.action = 'jobs.test.effect' AND a.subject_id = j.id)"), 0);
}

TEST(worker_killed_fifty_times_every_effect_exactly_once) {
  /* each effect job sleeps up to 40 ms inside its handler, so a kill usually lands mid-job */
  enqueue("jobs.test.effect", "{\"sleep_ms\":40}", 1000, JOBS);
  enqueue("jobs.test.poison", NULL, 4, 1);
  int mid_job = 0, with_work = 0;
  for (int k = 0; k < KILLS; k++) {
    pid_t pid = start_worker("400", "4");
    REQUIRE(pid > 0);
    /* wait until it holds a job (start-up time varies: ASan, PostgreSQL connections), then a
     * random moment more */
    char mine[160];
    snprintf(mine, sizeof mine, "SELECT count(*) FROM jobs WHERE state = 'running' AND lease_owner "
                                "LIKE '%%:%ld:%%'", (long)pid);
    for (int i = 0; i < 500 && count(mine) == 0; i++) sleep_ms(10);
    sleep_ms((long)(rnd() % 80));
    int64_t left = count("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')");
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    if (left > 0) with_work++;
    /* a job whose worker just died is still running under its lease: the kill was mid-job */
    if (count("SELECT count(*) FROM jobs WHERE state = 'running'") > 0) mid_job++;
  }
  int64_t left = count("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')");
  int64_t effects = count("SELECT count(*) FROM audit_log WHERE action = 'jobs.test.effect'");
  fprintf(stderr, "   %s: %d kills, %d with jobs left, %d mid-job; %lld effects so far, %lld jobs left\n",
          S ? store_driver_name(S) : "?", KILLS, with_work, mid_job, (long long)effects, (long long)left);
  CHECK_INT(with_work, KILLS);
  CHECK(left > 0);       /* the kills happened while there was work */
  CHECK(mid_job >= KILLS * 3 / 4);
  /* a poison job queued now runs under a worker that is not killed: its own error is kept */
  enqueue("jobs.test.poison", NULL, 3, 1);
  pid_t pid = start_worker("400", "4");
  CHECK(drained(60) == 0);
  CHECK_INT(stop(pid), 0);
  check_effects_once(JOBS);
  CHECK_INT(count("SELECT count(*) FROM jobs WHERE kind = 'jobs.test.poison' AND state = 'dead'"), 2);
  CHECK_INT(count("SELECT count(*) FROM jobs WHERE kind = 'jobs.test.poison' AND max_attempts = 3 "
                  "AND attempts = 3 AND last_error LIKE 'poison job % refused on attempt 3'"), 1);
  CHECK_INT(count("SELECT count(*) FROM jobs WHERE kind = 'jobs.test.poison' AND (last_error IS "
                  "NULL OR last_error = '')"), 0);
  /* more than one run of some job happened (else the test proved nothing about duplicates) */
  CHECK(count("SELECT count(*) FROM jobs WHERE kind = 'jobs.test.effect' AND attempts > 1") > 0);
}

TEST(two_workers_on_postgresql_claim_each_job_once) {
  int64_t before = count("SELECT count(*) FROM jobs WHERE kind = 'jobs.test.effect'");
  enqueue("jobs.test.effect", "{\"sleep_ms\":2}", 5, PAIR_JOBS);
  /* long leases: nothing expires, so any second claim would be a double claim */
  pid_t a = start_worker("60000", "4"), b = start_worker("60000", "4");
  CHECK(drained(60) == 0);
  CHECK_INT(stop(a), 0);
  CHECK_INT(stop(b), 0);
  check_effects_once((int)before + PAIR_JOBS);
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE kind = 'jobs.test.effect' AND id > (SELECT "
                            "max(id) FROM jobs) - %d AND claims <> 1", PAIR_JOBS + 1);
  CHECK_INT(count(sql), 0);
  /* both took part: the effect's detail names the worker process that wrote it */
  snprintf(sql, sizeof sql, "SELECT count(DISTINCT detail) FROM audit_log WHERE action = "
                            "'jobs.test.effect' AND subject_id > (SELECT max(id) FROM jobs) - %d", PAIR_JOBS + 1);
  CHECK_INT(count(sql), 2);
}

static int suite(const char *url, int pg) {
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
  RUN(worker_killed_fifty_times_every_effect_exactly_once);
  if (pg) RUN(two_workers_on_postgresql_claim_each_job_once);
  store_free(S);
  S = NULL;
  return 0;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  KILLS = test_scaled(KILLS, 12);
  char dir[] = "/tmp/pheme-crash-XXXXXX", url[256];
  if (!mkdtemp(dir)) return 1;
  snprintf(url, sizeof url, "sqlite:%s/test.db", dir);
  int bad = suite(url, 0);
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
  bad |= suite(pgurl, 1);
  char stopcmd[900];
  snprintf(stopcmd, sizeof stopcmd, TEST_DATA_DIR "/../../scripts/pg-test.sh stop %s", pgdir);
  if (system(stopcmd)) fprintf(stderr, "could not stop PostgreSQL in %s\n", pgdir);
  fprintf(stderr, "test_crash: %d tests, %d failed\n", test__ran, test__failed_tests);
  if (bad) return 1;
  return test__failed_tests > 100 ? 100 : test__failed_tests;
}
