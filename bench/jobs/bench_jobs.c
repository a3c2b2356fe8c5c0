/* Job queue throughput (issue 10 §2), no-op jobs, enqueue → done.
 *
 *   bench_jobs ours URL N WORKERS BATCH PRODUCERS
 *       processing alone: N jobs.noop jobs are queued first (1000 per INSERT; on PostgreSQL
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
 * Each prints one line "name jobs_per_second seconds". On PostgreSQL the processing measurements
 * are followed by a line "meter name …": what one job cost, figures that do not depend on how
 * busy the machine is the way wall time does — CPU of the cluster's processes (/proc of the
 * postmaster and its children), CPU of this process, WAL bytes (insert LSN), and, when the
 * cluster has pg_stat_statements, WAL records and shared buffers touched by the statements. */
#include <dirent.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

/* ---- the meter ---- */

static PGconn *connect_pg(void);
static void exec_ok(PGconn *c, const char *sql);

typedef struct {
  double server_s, client_s;
  double wal_bytes, wal_records, blocks, calls;
  int statements; /* pg_stat_statements is there */
} meter;

/* CPU seconds of process pid from /proc (with its reaped children's when children is set). */
static double proc_cpu(long pid, int children, long *ppid) {
  char path[64], line[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(line, 1, sizeof line - 1, f);
  fclose(f);
  line[n] = 0;
  char *p = strrchr(line, ')'); /* the name may hold spaces */
  if (!p) return 0;
  long pp = 0;
  unsigned long long ut = 0, st = 0;
  long long cut = 0, cst = 0;
  if (sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld", &pp, &ut, &st, &cut,
             &cst) != 5)
    return 0;
  if (ppid) *ppid = pp;
  double ticks = (double)ut + (double)st + (children ? (double)(cut + cst) : 0);
  return ticks / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of the cluster: its postmaster (with the backends it reaped) and the live children. */
static double cluster_cpu(long postmaster) {
  double sum = 0;
  DIR *d = opendir("/proc");
  struct dirent *e;
  while (d && (e = readdir(d))) {
    long pid = atol(e->d_name), ppid = 0;
    if (pid <= 0 || pid == postmaster) continue;
    double cpu = proc_cpu(pid, 0, &ppid);
    if (ppid == postmaster) sum += cpu;
  }
  if (d) closedir(d);
  return sum + proc_cpu(postmaster, 1, NULL);
}

static long postmaster_pid(PGconn *c) {
  PGresult *r = PQexec(c, "SELECT pg_backend_pid()");
  long backend = PQresultStatus(r) == PGRES_TUPLES_OK ? atol(PQgetvalue(r, 0, 0)) : 0, pp = 0;
  PQclear(r);
  proc_cpu(backend, 0, &pp);
  return pp;
}

static void meter_read(meter *m) {
  PGconn *c = connect_pg();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  m->client_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                (double)ru.ru_stime.tv_usec / 1e6;
  m->server_s = cluster_cpu(postmaster_pid(c));
  PGresult *r = PQexec(c, "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')");
  m->wal_bytes = PQresultStatus(r) == PGRES_TUPLES_OK ? atof(PQgetvalue(r, 0, 0)) : 0;
  PQclear(r);
  r = PQexec(c, "SELECT sum(wal_records), sum(shared_blks_hit + shared_blks_read), sum(calls) FROM "
                "pg_stat_statements");
  m->statements = PQresultStatus(r) == PGRES_TUPLES_OK;
  if (m->statements) {
    m->wal_records = atof(PQgetvalue(r, 0, 0));
    m->blocks = atof(PQgetvalue(r, 0, 1));
    m->calls = atof(PQgetvalue(r, 0, 2));
  }
  PQclear(r);
  PQfinish(c);
}

/* At the end of a measurement: meter_read after the backends that just closed were reaped. */
static void meter_end(meter *m) {
  struct timespec ts = {0, 100000000};
  nanosleep(&ts, NULL);
  meter_read(m);
}

/* Prints what one of n jobs cost between *before and *after. */
static void meter_print(const char *name, const meter *before, const meter *after, long n) {
  meter m = *after;
  double k = 1.0 / (double)n;
  printf("meter %s server_cpu_us %.1f client_cpu_us %.1f wal_bytes %.0f", name,
         (m.server_s - before->server_s) * 1e6 * k, (m.client_s - before->client_s) * 1e6 * k,
         (m.wal_bytes - before->wal_bytes) * k);
  if (m.statements && before->statements)
    printf(" wal_records %.2f blocks %.2f statements %.3f", (m.wal_records - before->wal_records) * k,
           (m.blocks - before->blocks) * k, (m.calls - before->calls) * k);
  printf("\n");
  fflush(stdout);
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

/* Queues N jobs.noop jobs, 1000 per transaction, each transaction one multi-row INSERT. */
static void fill(void) {
  static job_request rq[1000];
  for (int i = 0; i < 1000; i++) rq[i] = (job_request){"jobs.noop", NULL, NULL, 0, 0};
  for (long done = 0; done < N;) {
    int n = N - done < 1000 ? (int)(N - done) : 1000;
    sx x;
    if (sx_write(S, NULL, &x)) die("begin failed");
    if (jobs_enqueue_many_in(&x, rq, n, time_now_ms())) die("enqueue failed");
    if (sx_commit(&x)) die("commit failed");
    sx_end(&x);
    done += n;
  }
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
  fill();
  settle();
  jobs_counters c;
  jobs_counters_get(&c);
  meter m0;
  if (is_pg()) meter_read(&m0);
  double t0 = now_s();
  jobs_pool *p = jobs_pool_start(S, &o, err, sizeof err);
  if (!p) die(err);
  wait_done(c.done);
  double t = now_s() - t0;
  jobs_pool_stop(p);
  printf("ours_processing %.0f %.3f\n", (double)N / t, t);
  fflush(stdout);
  if (is_pg()) {
    meter m1;
    meter_end(&m1);
    meter_print("ours_processing", &m0, &m1, N);
  }
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
  fill();
  settle();
  pthread_t th[64];
  meter m0;
  if (is_pg()) meter_read(&m0);
  double t0 = now_s();
  for (long i = 0; i < workers; i++)
    if (pthread_create(&th[i], NULL, store_worker, (void *)(intptr_t)i)) die("thread");
  for (int i = 0; i < workers; i++) pthread_join(th[i], NULL);
  double t = now_s() - t0;
  printf("store_loop %.0f %.3f\n", (double)N / t, t);
  if (is_pg()) {
    meter m1;
    meter_end(&m1);
    meter_print("store_loop", &m0, &m1, N);
  }
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
  meter m0;
  meter_read(&m0);
  double t0 = now_s();
  for (int i = 0; i < workers; i++)
    if (pthread_create(&th[i], NULL, bare_worker, NULL)) die("thread");
  for (int i = 0; i < workers; i++) pthread_join(th[i], NULL);
  double t = now_s() - t0;
  meter m1;
  meter_end(&m1);
  PGresult *r = PQexec(c, "SELECT count(*) FROM bare_jobs WHERE state = 'done'");
  long done = atol(PQgetvalue(r, 0, 0));
  PQclear(r);
  if (done != N) die("the bare loop did not finish every job");
  exec_ok(c, "DROP TABLE bare_jobs");
  PQfinish(c);
  printf("bare_skip_locked %.0f %.3f\n", (double)N / t, t);
  meter_print("bare_skip_locked", &m0, &m1, N);
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
