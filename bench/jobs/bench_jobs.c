/* Job queue throughput (issue 10 §2), no-op jobs, enqueue → done.
 *
 *   bench_jobs ours URL N WORKERS BATCH PRODUCERS
 *       processing alone: N jobs.noop jobs are queued first (1000 per transaction; on PostgreSQL
 *       into a TRUNCATEd table, then VACUUM ANALYZE, as the bare loop's table), then a pool
 *       of WORKERS threads claiming BATCH at a time is started and timed until all are done;
 *       end to end: a fresh pool runs while PRODUCERS threads enqueue N jobs, each in a
 *       transaction of its own (as a business write with its outbox job would), timed from the
 *       first enqueue until the last job is done.
 *   bench_jobs bare URL N WORKERS BATCH
 *       PostgreSQL only, the reference: a bare claim loop on a table of N rows — WORKERS threads,
 *       each with its own connection, repeating "UPDATE … WHERE id IN (SELECT … LIMIT BATCH FOR
 *       UPDATE SKIP LOCKED) RETURNING id" then "UPDATE … SET state = 'done' WHERE id = ANY(…)"
 *       until the table is empty; no leases, tokens, attempts or error handling.
 *
 * Each prints one line "name jobs_per_second seconds". */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "store/internal.h"
#include "store/jobs.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) {
  fprintf(stderr, "bench_jobs: %s\n", what);
  exit(1);
}

/* ---- ours ---- */

static store *S;
static long N;
static const char *URL;
static int BATCH;

static void wait_done(uint64_t base) {
  for (;;) {
    jobs_counters c;
    jobs_counters_get(&c);
    if (c.done - base >= (uint64_t)N) return;
    struct timespec ts = {0, 2000000}; /* 2 ms: the main thread stays out of the way */
    nanosleep(&ts, NULL);
  }
}

typedef struct {
  long n;
} producer;

static void *produce(void *arg) {
  producer *p = arg;
  job_request rq = {"jobs.noop", NULL, NULL, 0, 0};
  for (long i = 0; i < p->n; i++)
    if (store_job_enqueue(S, &rq, time_now_ms(), NULL, NULL)) die("enqueue failed");
  return NULL;
}

static PGconn *connect_pg(void);
static void exec_ok(PGconn *c, const char *sql);

static int is_pg(void) { return strncmp(URL, "postgres", 8) == 0; }

/* Empties the table; on PostgreSQL with TRUNCATE, so each measurement starts, like the bare
 * loop's freshly created table, without the dead rows and index entries of the one before. */
static void clear(void) {
  if (is_pg()) {
    PGconn *c = connect_pg();
    exec_ok(c, "TRUNCATE jobs");
    PQfinish(c);
    return;
  }
  sx x;
  if (sx_write(S, NULL, &x) || Q0(&x, NULL, "DELETE FROM jobs") || sx_commit(&x)) die("clear failed");
  sx_end(&x);
}

/* After the jobs were queued: on PostgreSQL the same VACUUM ANALYZE the bare loop's table gets
 * (hint bits set, visibility map and planner statistics current) before the clock starts. */
static void settle(void) {
  if (!is_pg()) return;
  PGconn *c = connect_pg();
  exec_ok(c, "VACUUM ANALYZE jobs");
  PQfinish(c);
}

static void run_ours(const char *url, int workers, int batch, int producers) {
  char err[512];
  store_options so = {workers + producers + 2, 10000, 0, NULL, 0, 0};
  if (store_open(&S, url, &so, err, sizeof err)) die(err);
  int applied;
  if (store_migrate(S, &applied, err, sizeof err)) die(err);
  jobs_register_builtin(0);
  jobs_options o = {.workers = workers, .poll_ms = 1000, .lease_ms = 60000, .backoff_base_ms = 100,
                    .backoff_cap_ms = 1000, .batch = batch};
  clear();

  /* processing alone */
  job_request rq = {"jobs.noop", NULL, NULL, 0, 0};
  for (long done = 0; done < N;) {
    sx x;
    if (sx_write(S, NULL, &x)) die("begin failed");
    for (int i = 0; i < 1000 && done < N; i++, done++)
      if (jobs_enqueue_in(&x, &rq, time_now_ms(), NULL, NULL)) die("enqueue failed");
    if (sx_commit(&x)) die("commit failed");
    sx_end(&x);
  }
  settle();
  jobs_counters c;
  jobs_counters_get(&c);
  double t0 = now_s();
  jobs_pool *p = jobs_pool_start(S, &o, err, sizeof err);
  if (!p) die(err);
  wait_done(c.done);
  double t = now_s() - t0;
  jobs_pool_stop(p);
  printf("ours_processing %.0f %.3f\n", (double)N / t, t);
  fflush(stdout);
  clear();

  /* end to end */
  jobs_counters_get(&c);
  p = jobs_pool_start(S, &o, err, sizeof err);
  if (!p) die(err);
  pthread_t th[64];
  producer pr[64];
  t0 = now_s();
  for (int i = 0; i < producers; i++) {
    pr[i].n = N / producers + (i < N % producers ? 1 : 0);
    if (pthread_create(&th[i], NULL, produce, &pr[i])) die("thread");
  }
  for (int i = 0; i < producers; i++) pthread_join(th[i], NULL);
  double te = now_s() - t0;
  wait_done(c.done);
  t = now_s() - t0;
  jobs_pool_stop(p);
  printf("ours_end_to_end %.0f %.3f (enqueue alone took %.3f s: %.0f/s)\n", (double)N / t, t, te,
         (double)N / te);
  clear();
  store_free(S);
}

/* ---- the store's claim and complete in a loop, no pool (to tell the two apart) ---- */

static void *store_worker(void *arg) {
  char owner[32];
  snprintf(owner, sizeof owner, "loop-%ld", (long)(intptr_t)arg);
  for (;;) {
    arena a;
    arena_init(&a, 0);
    job_claim *c;
    int n = 0;
    if (store_jobs_claim(S, &a, owner, BATCH, time_now_ms(), 60000, &c, &n)) die("claim failed");
    if (n && store_jobs_complete(S, c, n, time_now_ms(), NULL)) die("complete failed");
    arena_release(&a);
    if (!n) break;
  }
  return NULL;
}

static void run_store_loop(const char *url, int workers) {
  char err[512];
  store_options so = {workers + 2, 10000, 0, NULL, 0, 0};
  if (store_open(&S, url, &so, err, sizeof err)) die(err);
  int applied;
  if (store_migrate(S, &applied, err, sizeof err)) die(err);
  clear();
  job_request rq = {"jobs.noop", NULL, NULL, 0, 0};
  for (long done = 0; done < N;) {
    sx x;
    if (sx_write(S, NULL, &x)) die("begin failed");
    for (int i = 0; i < 1000 && done < N; i++, done++)
      if (jobs_enqueue_in(&x, &rq, time_now_ms(), NULL, NULL)) die("enqueue failed");
    if (sx_commit(&x)) die("commit failed");
    sx_end(&x);
  }
  settle();
  pthread_t th[64];
  double t0 = now_s();
  for (long i = 0; i < workers; i++)
    if (pthread_create(&th[i], NULL, store_worker, (void *)(intptr_t)i)) die("thread");
  for (int i = 0; i < workers; i++) pthread_join(th[i], NULL);
  double t = now_s() - t0;
  printf("store_loop %.0f %.3f\n", (double)N / t, t);
  clear();
  store_free(S);
}

/* ---- the bare SKIP LOCKED loop ---- */


static PGconn *connect_pg(void) {
  PGconn *c = PQconnectdb(URL);
  if (PQstatus(c) != CONNECTION_OK) die(PQerrorMessage(c));
  return c;
}

static void exec_ok(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) die(PQerrorMessage(c));
  PQclear(r);
}

static void *bare_worker(void *arg) {
  (void)arg;
  PGconn *c = connect_pg();
  PGresult *r = PQprepare(c, "claim",
                          "UPDATE bare_jobs SET state = 'running' WHERE id IN (SELECT id FROM bare_jobs "
                          "WHERE state = 'queued' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) "
                          "RETURNING id",
                          1, NULL);
  PQclear(r);
  r = PQprepare(c, "done", "UPDATE bare_jobs SET state = 'done' WHERE id = ANY($1::bigint[])", 1, NULL);
  PQclear(r);
  char lim[16];
  snprintf(lim, sizeof lim, "%d", BATCH);
  size_t cap = (size_t)BATCH * 24 + 8;
  char *ids = malloc(cap);
  for (;;) {
    const char *v[1] = {lim};
    r = PQexecPrepared(c, "claim", 1, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) die(PQerrorMessage(c));
    int n = PQntuples(r);
    if (n == 0) {
      PQclear(r);
      break;
    }
    size_t len = 0;
    ids[len++] = '{';
    for (int i = 0; i < n; i++)
      len += (size_t)snprintf(ids + len, cap - len, "%s%s", i ? "," : "", PQgetvalue(r, i, 0));
    ids[len++] = '}';
    ids[len] = 0;
    PQclear(r);
    const char *d[1] = {ids};
    r = PQexecPrepared(c, "done", 1, d, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die(PQerrorMessage(c));
    PQclear(r);
  }
  free(ids);
  PQfinish(c);
  return NULL;
}

static void run_bare(int workers) {
  PGconn *c = connect_pg();
  exec_ok(c, "DROP TABLE IF EXISTS bare_jobs");
  exec_ok(c, "CREATE TABLE bare_jobs (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, kind TEXT "
             "NOT NULL, payload TEXT NOT NULL DEFAULT '{}', state TEXT NOT NULL DEFAULT 'queued')");
  exec_ok(c, "CREATE INDEX bare_jobs_due ON bare_jobs(id) WHERE state = 'queued'");
  char sql[200];
  snprintf(sql, sizeof sql, "INSERT INTO bare_jobs (kind) SELECT 'noop' FROM generate_series(1, %ld)", N);
  exec_ok(c, sql);
  exec_ok(c, "VACUUM ANALYZE bare_jobs");
  pthread_t th[256];
  double t0 = now_s();
  for (int i = 0; i < workers; i++)
    if (pthread_create(&th[i], NULL, bare_worker, NULL)) die("thread");
  for (int i = 0; i < workers; i++) pthread_join(th[i], NULL);
  double t = now_s() - t0;
  PGresult *r = PQexec(c, "SELECT count(*) FROM bare_jobs WHERE state = 'done'");
  long done = atol(PQgetvalue(r, 0, 0));
  PQclear(r);
  if (done != N) die("the bare loop did not finish every job");
  exec_ok(c, "DROP TABLE bare_jobs");
  PQfinish(c);
  printf("bare_skip_locked %.0f %.3f\n", (double)N / t, t);
}

int main(int argc, char **argv) {
  if (argc < 6) die("usage: bench_jobs ours|bare URL N WORKERS BATCH [PRODUCERS]");
  log_init(LOG_WARN, 2);
  URL = argv[2];
  N = atol(argv[3]);
  int workers = atoi(argv[4]);
  BATCH = atoi(argv[5]);
  if (N < 1 || workers < 1 || workers > 64 || BATCH < 1) die("bad arguments");
  if (strcmp(argv[1], "ours") == 0) {
    int producers = argc > 6 ? atoi(argv[6]) : 4;
    if (producers < 1 || producers > 64) die("bad producers");
    run_ours(argv[2], workers, BATCH, producers);
  } else if (strcmp(argv[1], "store") == 0) {
    run_store_loop(argv[2], workers);
  } else if (strcmp(argv[1], "bare") == 0) {
    run_bare(workers);
  } else {
    die("mode is ours or bare");
  }
  return 0;
}
