/* The job queue (src/store/jobs.c, src/jobs/) on SQLite and PostgreSQL: enqueue, claim, complete,
 * the outbox, backoff, dead letters, leases, idempotency, periodic jobs, concurrent claimers and
 * the worker pool. Clocks are passed in, so nothing here waits for time to pass except the pool
 * tests, which wait for work to finish (never asserting how long it took). */
#include <pthread.h>
#include <unistd.h>

#include "test.h"
#include "backends.h"
#include "core/trace.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "store/jobs.h"

static int64_t T0 = 1800000000000; /* a fixed "now" for the store tests */
static const store_actor SYS = {0, ""}; /* the operator (pheme jobs retry|drop) */

/* Deletes every job and the test effects, so each test starts from an empty queue. */
static void reset(void) {
  sx x;
  if (sx_write(S, NULL, &x)) return;
  if (Q0(&x, NULL, "DELETE FROM jobs") ||
      Q0(&x, NULL, "DELETE FROM audit_log WHERE subject_type = 'job'") || sx_commit(&x))
    fprintf(stderr, "reset failed\n");
  sx_end(&x);
}

static int64_t count_sql(const char *sql, int64_t arg) {
  sx x;
  if (sx_read(S, NULL, &x)) return -1;
  db_result r;
  int64_t n = -1;
  if (!Q(&x, &r, sql, dbv_int(arg)) && r.rows == 1) n = db_int(&r, 0, 0);
  sx_end(&x);
  return n;
}

static int64_t effects_of(int64_t job_id) {
  return count_sql("SELECT count(*) FROM audit_log WHERE subject_type = 'job' AND subject_id = $1",
                   job_id);
}

static int64_t jobs_in(const char *state) {
  sx x;
  if (sx_read(S, NULL, &x)) return -1;
  db_result r;
  int64_t n = -1;
  if (!Q(&x, &r, "SELECT count(*) FROM jobs WHERE state = $1", dbv_text(state)) && r.rows == 1)
    n = db_int(&r, 0, 0);
  sx_end(&x);
  return n;
}

static int64_t enqueue(const char *kind, const char *key, int max_attempts, int64_t now) {
  job_request rq = {kind, "{\"n\":1}", key, max_attempts, 0};
  int64_t id = 0;
  if (store_job_enqueue(S, &rq, now, &id, NULL)) return 0;
  return id;
}

TEST(enqueue_claim_complete) {
  reset();
  int64_t a = enqueue("t.a", NULL, 3, T0), b = enqueue("t.b", NULL, 3, T0 + 1);
  REQUIRE(a > 0 && b > a);
  arena ar;
  arena_init(&ar, 0);
  job_claim *c;
  int n;
  REQUIRE(!store_jobs_claim(S, &ar, "w1", 10, T0 + 10, 1000, &c, &n));
  REQUIRE(n == 2);
  CHECK_INT(c[0].id, a);
  CHECK_STR(c[0].kind, "t.a");
  CHECK_STR(c[0].payload, "{\"n\":1}");
  CHECK_INT(c[0].attempt, 1);
  CHECK_INT(c[0].max_attempts, 3);
  CHECK_INT(c[0].lease_expires_at, T0 + 1010);
  CHECK_STR(c[0].owner, "w1");
  job j;
  REQUIRE(!store_job_get(S, &ar, a, &j));
  CHECK_INT(j.state, JOB_RUNNING);
  CHECK_STR(j.lease_owner, "w1");
  CHECK_INT(j.claims, c[0].token);
  /* nothing more is due */
  job_claim *c2;
  int n2;
  CHECK(!store_jobs_claim(S, &ar, "w2", 10, T0 + 20, 1000, &c2, &n2));
  CHECK_INT(n2, 0);
  int lost = -1;
  CHECK(!store_jobs_complete(S, c, 2, T0 + 30, &lost));
  CHECK_INT(lost, 0);
  REQUIRE(!store_job_get(S, &ar, b, &j));
  CHECK_INT(j.state, JOB_DONE);
  CHECK(j.lease_owner == NULL);
  CHECK_INT(jobs_in("done"), 2);
  /* completing again under the same token counts as done, not lost */
  CHECK(!store_jobs_complete(S, c, 2, T0 + 40, &lost));
  CHECK_INT(lost, 0);
  arena_release(&ar);
}

TEST(enqueue_refuses_bad_requests) {
  reset();
  job_request rq = {"t.a", "{\"a\":1", NULL, 3, 0};
  CHECK_INT(store_job_enqueue(S, &rq, T0, NULL, NULL), PHEME_DATA_INVALID); /* not JSON */
  rq.payload = "12";
  CHECK_INT(store_job_enqueue(S, &rq, T0, NULL, NULL), PHEME_DATA_INVALID); /* not an object */
  rq.payload = "{\"a\":1,\"a\":2}";
  CHECK_INT(store_job_enqueue(S, &rq, T0, NULL, NULL), PHEME_DATA_INVALID); /* duplicate key */
  rq.payload = NULL;
  rq.kind = "has space";
  CHECK_INT(store_job_enqueue(S, &rq, T0, NULL, NULL), PHEME_DATA_INVALID);
  rq.kind = "";
  CHECK_INT(store_job_enqueue(S, &rq, T0, NULL, NULL), PHEME_DATA_INVALID);
  rq.kind = "t.a";
  rq.max_attempts = 1001;
  CHECK_INT(store_job_enqueue(S, &rq, T0, NULL, NULL), PHEME_DATA_INVALID);
  rq.max_attempts = 0; /* the default */
  int64_t id = 0;
  CHECK(!store_job_enqueue(S, &rq, T0, &id, NULL));
  arena ar;
  arena_init(&ar, 0);
  job j;
  REQUIRE(!store_job_get(S, &ar, id, &j));
  CHECK_INT(j.max_attempts, 5);
  CHECK_STR(j.payload, "{}");
  CHECK_INT(jobs_in("queued"), 1);
  arena_release(&ar);
}

TEST(outbox_commits_and_rolls_back_with_the_business_write) {
  reset();
  store_actor sys = {0, "test"};
  job_request rq = {"t.outbox", NULL, NULL, 3, 0};
  /* rolled back: neither the business row nor the job */
  sx x;
  REQUIRE(!sx_write(S, NULL, &x));
  CHECK(!sx_audit(&x, &sys, "business.write", "job", 777, NULL));
  int64_t id = 0;
  CHECK(!jobs_enqueue_in(&x, &rq, T0, &id, NULL));
  CHECK(id > 0);
  sx_end(&x);
  CHECK_INT(jobs_in("queued"), 0);
  CHECK_INT(effects_of(777), 0);
  /* committed: both */
  REQUIRE(!sx_write(S, NULL, &x));
  CHECK(!sx_audit(&x, &sys, "business.write", "job", 778, NULL));
  CHECK(!jobs_enqueue_in(&x, &rq, T0, &id, NULL));
  CHECK(!sx_commit(&x));
  sx_end(&x);
  CHECK_INT(jobs_in("queued"), 1);
  CHECK_INT(effects_of(778), 1);
}

TEST(backoff_grows_with_full_jitter_within_bounds) {
  /* the ceiling doubles from the base up to the cap; the delay is uniform in [0, ceiling] */
  int64_t base = 100, cap = 5000;
  for (int attempt = 1; attempt <= 12; attempt++) {
    int64_t ceiling = base;
    for (int i = 1; i < attempt; i++) ceiling = ceiling * 2 > cap ? cap : ceiling * 2;
    int64_t lo = INT64_MAX, hi = -1;
    int distinct_ok = 0;
    int64_t first = -1;
    for (int k = 0; k < 2000; k++) {
      uint64_t r;
      REQUIRE(!random_bytes(&r, sizeof r));
      int64_t d = jobs_backoff_ms(base, cap, attempt, r);
      CHECK(d >= 0 && d <= ceiling);
      if (d < lo) lo = d;
      if (d > hi) hi = d;
      if (first < 0) first = d;
      else if (d != first) distinct_ok = 1;
    }
    CHECK(distinct_ok); /* jitter: not one fixed value */
    /* 2000 uniform draws reach both ends' neighbourhoods */
    CHECK(lo <= ceiling / 10);
    CHECK(hi >= ceiling - ceiling / 10);
  }
  /* the extremes of r give the bounds exactly */
  CHECK_INT(jobs_backoff_ms(100, 5000, 3, 401), 0);   /* r % (400 + 1) */
  CHECK_INT(jobs_backoff_ms(100, 5000, 3, 400), 400);
  CHECK_INT(jobs_backoff_ms(100, 5000, 1, 100), 100); /* the first retry: up to the base */
  CHECK_INT(jobs_backoff_ms(100, 5000, 60, UINT64_MAX), (int64_t)(UINT64_MAX % 5001));
  CHECK(jobs_backoff_ms(1, INT64_MAX / 2, 200, UINT64_MAX) >= 0); /* no overflow */
}

TEST(failure_retries_later_then_dead_letters_with_last_error) {
  reset();
  int64_t id = enqueue("t.fail", NULL, 3, T0);
  arena ar;
  arena_init(&ar, 0);
  int64_t now = T0;
  for (int attempt = 1; attempt <= 3; attempt++) {
    job_claim *c;
    int n;
    REQUIRE(!store_jobs_claim(S, &ar, "w1", 5, now, 1000, &c, &n));
    REQUIRE(n == 1);
    CHECK_INT(c[0].attempt, attempt);
    char why[64];
    snprintf(why, sizeof why, "boom %d", attempt);
    int64_t retry_at = now + 500;
    int dead = -1;
    CHECK(!store_job_fail(S, c, why, retry_at, now + 1, &dead));
    CHECK_INT(dead, attempt == 3);
    job j;
    REQUIRE(!store_job_get(S, &ar, id, &j));
    CHECK_STR(j.last_error, why);
    if (attempt < 3) {
      CHECK_INT(j.state, JOB_QUEUED);
      CHECK_INT(j.run_at, retry_at);
      /* not due before its retry time */
      job_claim *c2;
      int n2;
      CHECK(!store_jobs_claim(S, &ar, "w1", 5, retry_at - 1, 1000, &c2, &n2));
      CHECK_INT(n2, 0);
      now = retry_at;
    } else {
      CHECK_INT(j.state, JOB_DEAD);
      CHECK_INT(j.attempts, 3);
    }
  }
  /* a dead job is not claimed; an operator retries it */
  job_claim *c;
  int n;
  CHECK(!store_jobs_claim(S, &ar, "w1", 5, now + 100000, 1000, &c, &n));
  CHECK_INT(n, 0);
  CHECK_INT(store_job_retry(S, &SYS, id + 1000, now), PHEME_DATA_NOT_FOUND);
  CHECK(!store_job_retry(S, &SYS, id, now));
  CHECK_INT(count_sql("SELECT count(*) FROM audit_log WHERE action = 'job.retry' AND subject_id = $1", id), 1);
  CHECK_INT(store_job_retry(S, &SYS, id, now), PHEME_DATA_STATE); /* not dead any more */
  REQUIRE(!store_jobs_claim(S, &ar, "w1", 5, now, 1000, &c, &n));
  REQUIRE(n == 1);
  CHECK_INT(c[0].attempt, 1);
  /* a permanent failure (retry_at 0) is dead at once */
  int dead = 0;
  CHECK(!store_job_fail(S, c, "permanent", 0, now, &dead));
  CHECK_INT(dead, 1);
  /* a long error is cut, at a character boundary */
  int64_t id2 = enqueue("t.fail", NULL, 1, now);
  REQUIRE(!store_jobs_claim(S, &ar, "w1", 5, now, 1000, &c, &n));
  REQUIRE(n == 1 && c[0].id == id2);
  char *longerr = arena_alloc(&ar, 5001);
  for (int i = 0; i < 2500; i++) memcpy(longerr + 2 * i, "\xc3\xa9", 2); /* é */
  longerr[5000] = 0;
  CHECK(!store_job_fail(S, c, longerr, now + 1, now, &dead));
  CHECK_INT(dead, 1); /* its only attempt */
  job j;
  REQUIRE(!store_job_get(S, &ar, id2, &j));
  CHECK(strlen(j.last_error) <= JOB_ERROR_MAX && strlen(j.last_error) % 2 == 0);
  arena_release(&ar);
}

TEST(expired_lease_is_reclaimed_and_the_old_claim_cannot_complete) {
  reset();
  int64_t id = enqueue("t.lease", NULL, 5, T0);
  arena ar;
  arena_init(&ar, 0);
  job_claim *c1, *c2;
  int n;
  REQUIRE(!store_jobs_claim(S, &ar, "w1", 1, T0, 1000, &c1, &n));
  REQUIRE(n == 1);
  /* not expired yet: nothing to reclaim */
  int requeued = -1, dead = -1;
  CHECK(!store_jobs_reclaim(S, T0 + 999, &requeued, &dead));
  CHECK_INT(requeued, 0);
  /* the lease is renewed while the job runs */
  CHECK(!store_job_renew(S, &c1[0], T0 + 900, 1000));
  CHECK(!store_jobs_reclaim(S, T0 + 1500, &requeued, &dead));
  CHECK_INT(requeued, 0);
  /* past the renewed lease: back to queued, and another worker takes it */
  CHECK(!store_jobs_reclaim(S, T0 + 1900, &requeued, &dead));
  CHECK_INT(requeued, 1);
  CHECK_INT(dead, 0);
  job j;
  REQUIRE(!store_job_get(S, &ar, id, &j));
  CHECK_INT(j.state, JOB_QUEUED);
  CHECK(j.last_error && strstr(j.last_error, "w1"));
  REQUIRE(!store_jobs_claim(S, &ar, "w2", 1, T0 + 2000, 1000, &c2, &n));
  REQUIRE(n == 1);
  CHECK_INT(c2[0].attempt, 2);
  CHECK(c2[0].token != c1[0].token);
  /* the first worker wakes up: every write it tries about the job is refused */
  CHECK_INT(store_job_complete_noted(S, &c1[0], "t.effect", NULL, T0 + 2100), PHEME_DATA_STATE);
  CHECK_INT(effects_of(id), 0);
  int lost = 0;
  CHECK(!store_jobs_complete(S, c1, 1, T0 + 2100, &lost));
  CHECK_INT(lost, 1);
  CHECK_INT(store_job_fail(S, &c1[0], "late", T0 + 3000, T0 + 2100, NULL), PHEME_DATA_STATE);
  CHECK_INT(store_job_renew(S, &c1[0], T0 + 2100, 1000), PHEME_DATA_STATE);
  /* the holder completes it, with its effect, once */
  CHECK(!store_job_complete_noted(S, &c2[0], "t.effect", "{\"ok\":true}", T0 + 2200));
  CHECK_INT(effects_of(id), 1);
  CHECK_INT(store_job_complete_noted(S, &c2[0], "t.effect", NULL, T0 + 2300), PHEME_DATA_STATE);
  CHECK_INT(effects_of(id), 1);
  REQUIRE(!store_job_get(S, &ar, id, &j));
  CHECK_INT(j.state, JOB_DONE);
  arena_release(&ar);
}

TEST(completion_after_lease_expiry_is_refused) {
  reset();
  int64_t id = enqueue("t.lease", NULL, 1, T0);
  arena ar;
  arena_init(&ar, 0);
  job_claim *c;
  int n;
  REQUIRE(!store_jobs_claim(S, &ar, "w1", 1, T0, 1000, &c, &n));
  REQUIRE(n == 1);
  /* expired but not yet reclaimed: the lease is lost all the same */
  CHECK_INT(store_job_complete_noted(S, c, "t.effect", NULL, T0 + 1000), PHEME_DATA_STATE);
  CHECK_INT(effects_of(id), 0);
  /* its last attempt: the reclaim dead-letters it, with why */
  int requeued = 0, dead = 0;
  CHECK(!store_jobs_reclaim(S, T0 + 1001, &requeued, &dead));
  CHECK_INT(dead, 1);
  job j;
  REQUIRE(!store_job_get(S, &ar, id, &j));
  CHECK_INT(j.state, JOB_DEAD);
  CHECK(j.last_error && strstr(j.last_error, "expired"));
  arena_release(&ar);
}

TEST(idempotency_key_dedupes) {
  reset();
  job_request rq = {"t.key", "{\"v\":1}", "order-42", 3, 0};
  int64_t id1 = 0, id2 = 0;
  int created = -1;
  CHECK(!store_job_enqueue(S, &rq, T0, &id1, &created));
  CHECK_INT(created, 1);
  rq.payload = "{\"v\":2}";
  CHECK(!store_job_enqueue(S, &rq, T0 + 1, &id2, &created));
  CHECK_INT(created, 0);
  CHECK_INT(id2, id1);
  /* inside a transaction too, and after the job is done */
  arena ar;
  arena_init(&ar, 0);
  job_claim *c;
  int n;
  REQUIRE(!store_jobs_claim(S, &ar, "w", 5, T0 + 2, 1000, &c, &n));
  REQUIRE(n == 1);
  CHECK(!store_jobs_complete(S, c, 1, T0 + 3, NULL));
  sx x;
  REQUIRE(!sx_write(S, NULL, &x));
  CHECK(!jobs_enqueue_in(&x, &rq, T0 + 4, &id2, &created));
  CHECK(!sx_commit(&x));
  sx_end(&x);
  CHECK_INT(created, 0);
  CHECK_INT(id2, id1);
  CHECK_INT(count_sql("SELECT count(*) FROM jobs WHERE id >= $1", 0), 1);
  job j;
  REQUIRE(!store_job_get(S, &ar, id1, &j));
  CHECK_STR(j.payload, "{\"v\":1}");
  CHECK_STR(j.idempotency_key, "order-42");
  /* purged done jobs forget their key */
  int64_t gone = 0;
  CHECK(!store_jobs_purge(S, T0 + 4, &gone));
  CHECK_INT(gone, 1);
  CHECK(!store_job_enqueue(S, &rq, T0 + 5, &id2, &created));
  CHECK_INT(created, 1);
  arena_release(&ar);
}

typedef struct {
  int64_t now;
  int added;
  pheme_err e;
} tick_arg;

static const jobs_periodic periodic[] = {{"t.every-minute", NULL, 60000}, {"t.hourly", "{\"h\":1}", 3600000}};

static void *ticker(void *arg) {
  tick_arg *t = arg;
  t->e = jobs_periodic_tick(S, periodic, 2, t->now, &t->added);
  return NULL;
}

TEST(periodic_job_enqueued_once_per_period_by_many_workers) {
  reset();
  /* eight schedulers (threads with their own connections, like eight workers) tick at once */
  enum { N = 8 };
  pthread_t th[N];
  tick_arg args[N];
  int64_t now = (T0 / 3600000) * 3600000 + 30000; /* 30 s into an hour */
  for (int i = 0; i < N; i++) {
    args[i] = (tick_arg){now + i, 0, 0};
    REQUIRE(!pthread_create(&th[i], NULL, ticker, &args[i]));
  }
  int added = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    CHECK_INT(args[i].e, 0);
    added += args[i].added;
  }
  CHECK_INT(added, 2);
  CHECK_INT(jobs_in("queued"), 2);
  /* the same period again adds nothing; the next minute adds the minute's job only */
  int more = -1;
  CHECK(!jobs_periodic_tick(S, periodic, 2, now + 20000, &more));
  CHECK_INT(more, 0);
  CHECK(!jobs_periodic_tick(S, periodic, 2, now + 40000, &more));
  CHECK_INT(more, 1);
  CHECK_INT(jobs_in("queued"), 3);
  /* due at the start of its period */
  arena ar;
  arena_init(&ar, 0);
  job *list;
  int n;
  job_filter f = {"t.hourly", -1};
  store_page p = {0, 10};
  REQUIRE(!store_jobs_list(S, &ar, &f, &p, &list, &n));
  REQUIRE(n == 1);
  CHECK_INT(list[0].run_at, now - 30000);
  CHECK_STR(list[0].payload, "{\"h\":1}");
  arena_release(&ar);
}

/* ---- concurrent claimers ---- */

enum { CLAIMERS = 6, CLAIM_JOBS = 600 };

typedef struct {
  int index;
  int64_t *seen; /* job ids this claimer got */
  int nseen;
  pheme_err e;
} claimer;

static void *claim_loop(void *arg) {
  claimer *c = arg;
  char owner[16];
  snprintf(owner, sizeof owner, "c%d", c->index);
  int empty = 0;
  while (empty < 3) {
    arena ar;
    arena_init(&ar, 0);
    job_claim *cl;
    int n = 0;
    pheme_err e = store_jobs_claim(S, &ar, owner, 7, T0 + 1, 60000, &cl, &n);
    if (e) {
      c->e = e;
      arena_release(&ar);
      return NULL;
    }
    for (int i = 0; i < n; i++) c->seen[c->nseen++] = cl[i].id;
    if (n) {
      int lost = 0;
      if ((e = store_jobs_complete(S, cl, n, T0 + 2, &lost)) || lost) c->e = e ? e : PHEME_DATA_STATE;
    }
    empty = n ? 0 : empty + 1;
    arena_release(&ar);
  }
  return NULL;
}

TEST(concurrent_claimers_never_claim_one_job_twice) {
  reset();
  for (int i = 0; i < CLAIM_JOBS; i++) REQUIRE(enqueue("t.race", NULL, 3, T0) > 0);
  pthread_t th[CLAIMERS];
  claimer cl[CLAIMERS];
  for (int i = 0; i < CLAIMERS; i++) {
    cl[i] = (claimer){i, calloc(CLAIM_JOBS, sizeof(int64_t)), 0, 0};
    REQUIRE(cl[i].seen && !pthread_create(&th[i], NULL, claim_loop, &cl[i]));
  }
  int total = 0, busy = 0;
  for (int i = 0; i < CLAIMERS; i++) {
    pthread_join(th[i], NULL);
    CHECK_INT(cl[i].e, 0);
    total += cl[i].nseen;
    if (cl[i].nseen) busy++;
  }
  CHECK_INT(total, CLAIM_JOBS);
  /* each id exactly once across all claimers */
  unsigned char *hit = calloc(CLAIM_JOBS * 4 + 1, 1);
  int64_t base = count_sql("SELECT min(id) FROM jobs WHERE id >= $1", 0);
  int dup = 0;
  for (int i = 0; i < CLAIMERS; i++)
    for (int k = 0; k < cl[i].nseen; k++) {
      int64_t off = cl[i].seen[k] - base;
      if (off < 0 || off >= CLAIM_JOBS * 4) continue;
      if (hit[off]++) dup++;
    }
  CHECK_INT(dup, 0);
  CHECK_INT(jobs_in("done"), CLAIM_JOBS);
  CHECK_INT(count_sql("SELECT count(*) FROM jobs WHERE claims <> $1", 1), 0);
  fprintf(stderr, "   %s: %d claimers took part\n", backend, busy);
  free(hit);
  for (int i = 0; i < CLAIMERS; i++) free(cl[i].seen);
}

TEST(operators_list_drop_and_stats) {
  reset();
  int64_t a = enqueue("t.ops", NULL, 1, T0), b = enqueue("t.ops", NULL, 1, T0),
          c = enqueue("t.other", NULL, 1, T0 + 5);
  arena ar;
  arena_init(&ar, 0);
  job_claim *cl;
  int n;
  REQUIRE(!store_jobs_claim(S, &ar, "w", 1, T0 + 10, 1000, &cl, &n));
  REQUIRE(n == 1 && cl[0].id == a);
  CHECK_INT(store_job_drop(S, &SYS, a), PHEME_DATA_STATE); /* running */
  CHECK(!store_job_fail(S, cl, "x", T0 + 20, T0 + 11, NULL)); /* last attempt: dead */
  job *list;
  job_filter f = {NULL, JOB_DEAD};
  store_page p = {0, 10};
  REQUIRE(!store_jobs_list(S, &ar, &f, &p, &list, &n));
  REQUIRE(n == 1);
  CHECK_INT(list[0].id, a);
  f = (job_filter){"t.ops", -1};
  REQUIRE(!store_jobs_list(S, &ar, &f, &p, &list, &n));
  CHECK_INT(n, 2);
  CHECK_INT(list[0].id, b); /* newest first */
  p.before = b;
  REQUIRE(!store_jobs_list(S, &ar, &f, &p, &list, &n));
  CHECK_INT(n, 1);
  job_kind_stats *st;
  REQUIRE(!store_jobs_stats(S, &ar, &st, &n));
  REQUIRE(n == 2);
  CHECK_STR(st[0].kind, "t.ops");
  CHECK_INT(st[0].count[JOB_DEAD], 1);
  CHECK_INT(st[0].count[JOB_QUEUED], 1);
  CHECK_INT(st[0].oldest_queued, T0);
  CHECK_STR(st[1].kind, "t.other");
  CHECK_INT(st[1].oldest_queued, T0 + 5);
  buf out;
  buf_init(&out, 1 << 20);
  metrics_registry reg;
  metrics_init(&reg);
  REQUIRE(!metrics_register(&reg, jobs_metrics_collect, S));
  REQUIRE(!metrics_render(&reg, &out));
  metrics_release(&reg);
  CHECK(strstr(out.data, "pheme_jobs{kind=\"t.ops\",state=\"dead\"} 1\n"));
  CHECK(strstr(out.data, "pheme_jobs{kind=\"t.other\",state=\"queued\"} 1\n"));
  CHECK(strstr(out.data, "pheme_jobs_oldest_queued_seconds{kind=\"t.ops\"}"));
  CHECK(strstr(out.data, "pheme_jobs_storage_up 1\n"));
  buf_release(&out);
  CHECK(!store_job_drop(S, &SYS, a));
  CHECK_INT(store_job_drop(S, &SYS, a), PHEME_DATA_NOT_FOUND);
  CHECK(!store_job_drop(S, &SYS, c));
  CHECK_INT(count_sql("SELECT count(*) FROM jobs WHERE id >= $1", 0), 1);
  arena_release(&ar);
}

TEST(release_gives_unstarted_jobs_back_uncounted) {
  reset();
  int64_t id = enqueue("t.rel", NULL, 2, T0);
  arena ar;
  arena_init(&ar, 0);
  job_claim *c;
  int n;
  REQUIRE(!store_jobs_claim(S, &ar, "w", 1, T0, 1000, &c, &n));
  REQUIRE(n == 1);
  CHECK(!store_jobs_release(S, c, 1, T0 + 5));
  job j;
  REQUIRE(!store_job_get(S, &ar, id, &j));
  CHECK_INT(j.state, JOB_QUEUED);
  CHECK_INT(j.attempts, 0);
  CHECK(!store_jobs_complete(S, c, 1, T0 + 6, &n));
  CHECK_INT(n, 1); /* the released claim is gone */
  arena_release(&ar);
}

/* ---- the pool ---- */

static pheme_err noop_handler(jobs_run *run, void *ctx) { return PHEME_OK; }

static int flaky_calls;
static pheme_err flaky(jobs_run *run, void *ctx) {
  __atomic_add_fetch(&flaky_calls, 1, __ATOMIC_RELAXED);
  if (run->claim->attempt < 3) {
    snprintf(run->error, sizeof run->error, "flaky attempt %d", run->claim->attempt);
    return PHEME_SYS_IO;
  }
  return PHEME_OK;
}

/* Waits (polling storage) until no job is queued or running; 0 when that happened in time. Both
 * states in one statement: read one after the other, a job that failed between the reads (running
 * at the first, queued again for its retry at the second) was counted in neither. */
static int drained(int seconds) {
  for (int i = 0; i < seconds * 100; i++) {
    sx x;
    db_result r;
    int64_t n = -1;
    if (!sx_read(S, NULL, &x)) {
      if (!Q0(&x, &r, "SELECT count(*) FROM jobs WHERE state = 'queued' OR state = 'running'") && r.rows == 1)
        n = db_int(&r, 0, 0);
      sx_end(&x);
    }
    if (n == 0) return 0;
    usleep(10000);
  }
  return -1;
}

TEST(pool_runs_jobs_retries_and_dead_letters) {
  reset();
  jobs_register_builtin(1);
  jobs_kind k = {.kind = "t.flaky", .fn = flaky, .backoff_base_ms = 1, .backoff_cap_ms = 5};
  REQUIRE(!jobs_register(&k));
  jobs_options o = {.workers = 3, .poll_ms = 50, .lease_ms = 5000, .backoff_base_ms = 1,
                    .backoff_cap_ms = 5, .batch = 4};
  char err[128];
  jobs_pool *p = jobs_pool_start(S, &o, err, sizeof err);
  REQUIRE(p);
  int64_t now = time_now_ms();
  int64_t effect[40];
  for (int i = 0; i < 40; i++) {
    job_request rq = {"jobs.test.effect", "{\"sleep_ms\":2}", NULL, 3, 0};
    CHECK(!store_job_enqueue(S, &rq, now, &effect[i], NULL));
  }
  for (int i = 0; i < 100; i++) CHECK(enqueue("jobs.noop", NULL, 3, now) > 0);
  int64_t flaky_id = enqueue("t.flaky", NULL, 5, now), poison = enqueue("jobs.test.poison", NULL, 2, now);
  CHECK(drained(60) == 0);
  jobs_pool_stop(p);
  for (int i = 0; i < 40; i++) CHECK_INT(effects_of(effect[i]), 1);
  arena ar;
  arena_init(&ar, 0);
  job j;
  REQUIRE(!store_job_get(S, &ar, flaky_id, &j));
  CHECK_INT(j.state, JOB_DONE);
  CHECK_INT(j.attempts, 3);
  REQUIRE(!store_job_get(S, &ar, poison, &j));
  CHECK_INT(j.state, JOB_DEAD);
  CHECK_INT(j.attempts, 2);
  CHECK(j.last_error && strstr(j.last_error, "poison"));
  CHECK_INT(jobs_in("done"), 141);
  jobs_counters cn;
  jobs_counters_get(&cn);
  CHECK(cn.done >= 141 && cn.retried >= 3 && cn.dead >= 1);
  arena_release(&ar);
}

/* PHEME_DATA_STATE about the handler's own data, its claim still held: a failure like any other */
static pheme_err state_once(jobs_run *run, void *ctx) {
  (void)ctx;
  return run->claim->attempt == 1 ? PHEME_DATA_STATE : PHEME_OK;
}

TEST(pool_records_a_failure_whose_claim_holds_whatever_the_error) {
  reset();
  jobs_kind k = {.kind = "t.state", .fn = state_once, .backoff_base_ms = 1, .backoff_cap_ms = 5};
  REQUIRE(!jobs_register(&k));
  /* a long lease: a job taken as lost would stay running past the drain's bound */
  jobs_options o = {.workers = 1, .poll_ms = 20, .lease_ms = 120000, .backoff_base_ms = 1, .backoff_cap_ms = 5,
                    .batch = 1};
  char err[128];
  jobs_pool *p = jobs_pool_start(S, &o, err, sizeof err);
  REQUIRE(p);
  int64_t id = enqueue("t.state", NULL, 3, time_now_ms());
  CHECK(drained(20) == 0);
  jobs_pool_stop(p);
  arena ar;
  arena_init(&ar, 0);
  job j;
  REQUIRE(!store_job_get(S, &ar, id, &j));
  CHECK_INT(j.state, JOB_DONE);
  CHECK_INT(j.attempts, 2);
  arena_release(&ar);
}

TEST(pool_wakes_on_enqueue_from_this_process) {
  reset();
  /* a poll interval far longer than the test: only the wake-up can get the job done */
  jobs_options o = {.workers = 2, .poll_ms = 600000, .lease_ms = 5000, .backoff_base_ms = 1,
                    .backoff_cap_ms = 5, .batch = 4};
  char err[128];
  jobs_pool *p = jobs_pool_start(S, &o, err, sizeof err);
  REQUIRE(p);
  usleep(50000); /* let the workers find the queue empty and go to sleep */
  sx x;
  REQUIRE(!sx_write(S, NULL, &x));
  job_request rq = {"jobs.noop", NULL, NULL, 3, 0};
  CHECK(!jobs_enqueue_in(&x, &rq, time_now_ms(), NULL, NULL));
  CHECK(!sx_commit(&x));
  sx_end(&x);
  CHECK(drained(30) == 0);
  CHECK_INT(jobs_in("done"), 1);
  jobs_pool_stop(p);
}

/* A batch handler: counts its calls and the runs it got; a run whose payload says "fail" fails
 * for good, the others succeed. */
static int batch_calls, batch_runs, batch_mixed;
static void batched(jobs_run *runs, int n, void *ctx) {
  (void)ctx;
  __atomic_add_fetch(&batch_calls, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&batch_runs, n, __ATOMIC_RELAXED);
  for (int i = 0; i < n; i++) {
    if (strcmp(runs[i].claim->kind, runs[0].claim->kind) != 0) __atomic_add_fetch(&batch_mixed, 1, __ATOMIC_RELAXED);
    if (strstr(runs[i].claim->payload, "fail")) {
      snprintf(runs[i].error, sizeof runs[i].error, "asked to fail");
      runs[i].permanent = 1;
      runs[i].result = PHEME_DATA_INVALID;
    } else {
      runs[i].result = PHEME_OK;
    }
  }
}

/* A kind with a batch handler gets the jobs of its kind in one claim together (the other kinds'
 * jobs of that claim run one by one), and each run's result is applied as a handler's would be. */
TEST(pool_runs_a_kinds_jobs_of_one_claim_together) {
  reset();
  jobs_kind k = {.kind = "t.batched", .fn = noop_handler, .batch = batched};
  REQUIRE(!jobs_register(&k));
  int64_t now = time_now_ms(), fail_id = 0;
  /* interleaved with no-op jobs, queued before the pool starts: one worker claims them all at once */
  for (int i = 0; i < 20; i++) {
    job_request rq = {"t.batched", i == 7 ? "{\"fail\":1}" : "{\"n\":1}", NULL, 3, 0};
    CHECK(!store_job_enqueue(S, &rq, now, i == 7 ? &fail_id : NULL, NULL));
    CHECK(enqueue("jobs.noop", NULL, 3, now) > 0);
  }
  jobs_options o = {.workers = 1, .poll_ms = 50, .lease_ms = 5000, .backoff_base_ms = 1,
                    .backoff_cap_ms = 5, .batch = 100};
  char err[128];
  jobs_pool *p = jobs_pool_start(S, &o, err, sizeof err);
  REQUIRE(p);
  CHECK(drained(30) == 0);
  jobs_pool_stop(p);
  CHECK_INT(batch_calls, 1);
  CHECK_INT(batch_runs, 20);
  CHECK_INT(batch_mixed, 0);
  CHECK_INT(jobs_in("done"), 39);
  arena ar;
  arena_init(&ar, 0);
  job j;
  REQUIRE(!store_job_get(S, &ar, fail_id, &j));
  CHECK_INT(j.state, JOB_DEAD);
  CHECK(j.last_error && strcmp(j.last_error, "asked to fail") == 0);
  arena_release(&ar);
  batch_calls = batch_runs = batch_mixed = 0; /* the suite runs again on the next backend */
}

static pheme_err slow(jobs_run *run, void *ctx) {
  /* longer than three leases: only renewal keeps it from being reclaimed */
  for (int i = 0; i < 190 && !*run->stopping; i++) usleep(10000);
  return store_job_complete_noted(run->store, run->claim, "t.slow", NULL, time_now_ms());
}

TEST(pool_renews_the_lease_of_a_long_job) {
  reset();
  jobs_kind k = {.kind = "t.slow", .fn = slow};
  REQUIRE(!jobs_register(&k));
  /* a lease of 600 ms, renewed every 200: a renewal may be late by up to 400 ms (a machine at load
   * 20 delayed one past 200 ms with a 300 ms lease) */
  jobs_options o = {.workers = 1, .poll_ms = 20, .lease_ms = 600, .backoff_base_ms = 1,
                    .backoff_cap_ms = 5, .batch = 1};
  char err[128];
  jobs_pool *p = jobs_pool_start(S, &o, err, sizeof err);
  REQUIRE(p);
  int64_t id = enqueue("t.slow", NULL, 1, time_now_ms());
  CHECK(drained(30) == 0);
  jobs_pool_stop(p);
  arena ar;
  arena_init(&ar, 0);
  job j;
  REQUIRE(!store_job_get(S, &ar, id, &j));
  CHECK_INT(j.state, JOB_DONE);
  CHECK_INT(j.attempts, 1);
  CHECK_INT(effects_of(id), 1);
  arena_release(&ar);
}

TEST(pools_enqueue_a_periodic_job_once_per_period) {
  reset();
  jobs_kind k = {.kind = "t.tick", .fn = noop_handler};
  REQUIRE(!jobs_register(&k));
  /* an hour-long period: the pools' keepers tick every 20 ms, many times within one period */
  static const jobs_periodic hourly[] = {{"t.tick", NULL, 3600000}};
  jobs_options o = {.workers = 3, .poll_ms = 20, .lease_ms = 5000, .backoff_base_ms = 1,
                    .backoff_cap_ms = 5, .batch = 2, .periodic = hourly, .nperiodic = 1};
  char err[128];
  jobs_pool *a = jobs_pool_start(S, &o, err, sizeof err), *b = jobs_pool_start(S, &o, err, sizeof err);
  REQUIRE(a && b);
  int seen = 0;
  for (int i = 0; i < 3000 && !seen; i++) {
    seen = count_sql("SELECT count(*) FROM jobs WHERE kind = 't.tick' AND id > $1", 0) > 0;
    usleep(10000);
  }
  CHECK(seen);
  usleep(300000); /* fifteen more ticks of each keeper */
  int64_t hour = time_now_ms() / 3600000;
  jobs_pool_stop(a);
  jobs_pool_stop(b);
  if (time_now_ms() / 3600000 == hour) /* the hour did not turn during the test */
    CHECK_INT(count_sql("SELECT count(*) FROM jobs WHERE kind = 't.tick' AND id > $1", 0), 1);
}

/* The trace each run had, as its handler saw it (trace_current). */
enum { TRACED = 60 };
static trace_ctx traced[TRACED];
static int ntraced;
static pthread_mutex_t traced_mu = PTHREAD_MUTEX_INITIALIZER;
static pheme_err record_trace(jobs_run *run, void *ctx) {
  (void)run, (void)ctx;
  const trace_ctx *t = trace_current();
  pthread_mutex_lock(&traced_mu);
  if (t && ntraced < TRACED) traced[ntraced++] = *t;
  pthread_mutex_unlock(&traced_mu);
  return PHEME_OK;
}

/* Each run is a trace of its own (the pool draws the ids from a generator per worker): ids that
 * are valid in a traceparent and not shared by two runs, across two workers. */
TEST(pool_gives_each_run_a_trace_of_its_own) {
  reset();
  ntraced = 0;
  jobs_kind k = {.kind = "t.trace", .fn = record_trace};
  REQUIRE(!jobs_register(&k));
  jobs_options o = {.workers = 2, .poll_ms = 50, .lease_ms = 5000, .backoff_base_ms = 1,
                    .backoff_cap_ms = 5, .batch = 7};
  char err[128];
  jobs_pool *p = jobs_pool_start(S, &o, err, sizeof err);
  REQUIRE(p);
  for (int i = 0; i < TRACED; i++) CHECK(enqueue("t.trace", NULL, 1, time_now_ms()) > 0);
  CHECK(drained(30) == 0);
  jobs_pool_stop(p);
  REQUIRE(ntraced == TRACED);
  for (int i = 0; i < TRACED; i++) {
    char header[TRACEPARENT_LEN + 1];
    uint8_t id[16], parent[8], flags;
    trace_child(&traced[i], header);
    CHECK(trace_parse(header, id, parent, &flags) == 0); /* refuses all-zero ids */
    CHECK(memcmp(id, traced[i].trace_id, 16) == 0);
    uint8_t zero[8] = {0};
    CHECK(memcmp(traced[i].span_id, zero, 8) != 0);
    for (int j = 0; j < i; j++) {
      CHECK(memcmp(traced[i].trace_id, traced[j].trace_id, 16) != 0);
      CHECK(memcmp(traced[i].span_id, traced[j].span_id, 8) != 0);
    }
  }
}

static void all_tests(void) {
  RUN(enqueue_claim_complete);
  RUN(enqueue_refuses_bad_requests);
  RUN(outbox_commits_and_rolls_back_with_the_business_write);
  RUN(backoff_grows_with_full_jitter_within_bounds);
  RUN(failure_retries_later_then_dead_letters_with_last_error);
  RUN(expired_lease_is_reclaimed_and_the_old_claim_cannot_complete);
  RUN(completion_after_lease_expiry_is_refused);
  RUN(idempotency_key_dedupes);
  RUN(periodic_job_enqueued_once_per_period_by_many_workers);
  RUN(concurrent_claimers_never_claim_one_job_twice);
  RUN(operators_list_drop_and_stats);
  RUN(release_gives_unstarted_jobs_back_uncounted);
  RUN(pool_runs_jobs_retries_and_dead_letters);
  RUN(pool_records_a_failure_whose_claim_holds_whatever_the_error);
  RUN(pool_wakes_on_enqueue_from_this_process);
  RUN(pool_runs_a_kinds_jobs_of_one_claim_together);
  RUN(pool_renews_the_lease_of_a_long_job);
  RUN(pools_enqueue_a_periodic_job_once_per_period);
  RUN(pool_gives_each_run_a_trace_of_its_own);
}

int main(void) { return backends_main("test_jobs", all_tests); }
