/* The award path (issue 11, benchmarks): approval outcome → ledger rows → totals, levels, streak,
 * guild → events and follow-up jobs → outcome consumed, in approvals per second, against plain
 * INSERTs of the same rows measured in the same run.
 *
 *   bench_award URL N [THREADS]
 *
 * A fresh database at URL (migrated here) gets 1,000 people (three quarters in one of 3 guilds),
 * 100 tasks with 0–2 skills, a season with a seed, and N approved outcomes spread over 30 days
 * (untimed). Then:
 *   award: every outcome awarded — THREADS 0 (the default): submitted to the group committer
 *          (store/batch.h), up to 2,048 awards in flight; THREADS > 0: that many threads each
 *          awarding one outcome at a time with game_award, as the job workers do (which hands
 *          the award to the committer and waits: THREADS awards at most share a transaction);
 *   plain: the rows the awards wrote — ledger rows, events, follow-up jobs — read back, deleted
 *          and INSERTed again into the same tables, one statement per row, in transactions of
 *          256 approvals' rows: what the same rows cost as bare appends.
 * Prints "award approvals_per_s seconds", "plain approvals_per_s seconds", the rows per approval
 * and the ratio award/plain, wall clock and per CPU second of this process; with PG_TEST_PID
 * (run.sh) also the CPU of the PostgreSQL cluster per approval. */
#include <dirent.h>
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
#include "eth/keccak.h"
#include "game/game.h"
#include "store/game.h"
#include "store/internal.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the whole process (every thread: the committer's too). */
static double cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_utime.tv_sec + (double)u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds of the calling thread. */
static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the PostgreSQL cluster whose postmaster is PG_TEST_PID (run.sh exports it): the
 * postmaster and its children, the backends (same machine). 0 when unset or unreadable. */
static double server_cpu_s(void) {
  const char *env = getenv("PG_TEST_PID");
  long pm = env ? atol(env) : 0;
  if (pm <= 0) return 0;
  DIR *d = opendir("/proc");
  if (!d) return 0;
  double ticks = (double)sysconf(_SC_CLK_TCK), sum = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    long pid = atol(de->d_name);
    if (pid <= 0) continue;
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    const char *p = strrchr(line, ')'); /* the command may hold spaces */
    long ppid = 0;
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ppid, &ut, &st) != 3) continue;
    if (pid == pm || ppid == pm) sum += (double)(ut + st) / ticks;
  }
  closedir(d);
  return sum;
}

static void die(const char *what) {
  fprintf(stderr, "bench_award: %s\n", what);
  exit(1);
}

static store *S;
static game G;
static int64_t *SIDS;
static long N;

static void exec(sx *x, const char *sql, const dbv *args, int n, db_result *r) {
  if (sx_query(x, sql, args, n, r)) die(sql);
}
#define X(x, r, sql, ...) exec((x), (sql), SX_ARGS(__VA_ARGS__), (r))

static void setup(void) {
  arena a;
  arena_init(&a, 0);
  sx x;
  if (sx_write(S, &a, &x)) die("write");
  db_result r;
  int64_t users[1000], guilds[3], tasks[100];
  static const char *const slugs[] = {"c", "rust", "solidity", "defi", "sql", "ui-design", "copywriting", "finance"};
  srand(7);
  for (int i = 0; i < 1000; i++) {
    uint8_t addr[20] = {0xbe};
    addr[18] = (uint8_t)(i >> 8);
    addr[19] = (uint8_t)i;
    X(&x, &r, "INSERT INTO users (address, created_at, updated_at) VALUES ($1, 1, 1) RETURNING id", dbv_blob(addr, 20));
    users[i] = db_int(&r, 0, 0);
  }
  for (int g = 0; g < 3; g++) {
    char slug[16];
    snprintf(slug, sizeof slug, "bench-%d", g);
    X(&x, &r, "INSERT INTO guilds (slug, name, type, owner_id, created_at) VALUES ($1, $1, 'SKILL', $2, 1) RETURNING id",
      dbv_text(slug), dbv_int(users[g]));
    guilds[g] = db_int(&r, 0, 0);
  }
  for (int i = 0; i < 1000; i++)
    if (i % 4) X(&x, NULL, "INSERT INTO guild_members (guild_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', 1)",
                 dbv_int(guilds[i % 3]), dbv_int(users[i]));
  for (int t = 0; t < 100; t++) {
    X(&x, &r, "INSERT INTO tasks (type, title, description, difficulty, xp_reward, status, creator_id, created_at, "
              "updated_at) VALUES ('BOUNTY', 't', 'd', $1, $2, 'OPEN', $3, 1, 1) RETURNING id",
      dbv_int(1 + t % 10), dbv_int(50 + (t * 37) % 400), dbv_int(users[0]));
    tasks[t] = db_int(&r, 0, 0);
    for (int k = 0; k < t % 3; k++)
      X(&x, NULL, "INSERT INTO task_skills (task_id, skill_id) SELECT $1, id FROM skills WHERE slug = $2 ON CONFLICT DO NOTHING",
        dbv_int(tasks[t]), dbv_text(slugs[(t + k * 3) % 8]));
  }
  int64_t t0 = 1780000000000LL;
  uint8_t seed[32], hash[32];
  memset(seed, 0x33, 32);
  keccak_256(hash, seed, 32);
  X(&x, &r, "INSERT INTO seasons (slug, name, starts_at, ends_at, seed_hash, created_at) VALUES ('b', 'b', $1, $2, $3, 1) RETURNING id",
    dbv_int(t0), dbv_int(t0 + 40 * GAME_DAY_MS), dbv_blob(hash, 32));
  X(&x, NULL, "INSERT INTO season_secrets (season_id, seed) VALUES ($1, $2)", dbv_int(db_int(&r, 0, 0)), dbv_blob(seed, 32));
  /* N outcomes: person i % 1000 on task (i / 1000) % 100 — distinct pairs up to 100,000 */
  SIDS = malloc(sizeof *SIDS * (size_t)N);
  if (!SIDS) die("memory");
  for (long i = 0; i < N; i++) {
    int64_t u = users[i % 1000], t = tasks[(i / 1000) % 100], at = t0 + i * (30 * GAME_DAY_MS / N);
    X(&x, &r, "INSERT INTO submissions (task_id, user_id, text, state, final_score, created_at, updated_at) VALUES "
              "($1, $2, 'w', 'APPROVED', $3, $4, $4) RETURNING id",
      dbv_int(t), dbv_int(u), dbv_int(60 + i % 41), dbv_int(at));
    SIDS[i] = db_int(&r, 0, 0);
    X(&x, NULL, "INSERT INTO outcomes (submission_id, user_id, task_id, final_score, skills, created_at) VALUES "
                "($1, $2, $3, $4, '[]', $5)",
      dbv_int(SIDS[i]), dbv_int(u), dbv_int(t), dbv_int(60 + i % 41), dbv_int(at));
    if (i % 5000 == 4999) {
      if (sx_commit(&x)) die("commit");
      sx_end(&x);
      arena_clear(&a);
      if (sx_write(S, &a, &x)) die("write");
    }
  }
  if (sx_commit(&x)) die("commit");
  sx_end(&x);
  arena_release(&a);
}

/* ---- award ---- */

typedef struct {
  game_award_job aw; /* first */
  arena a;
  game_decide_ctx c;
  int busy; /* under mu */
} slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long inflight, failed;

static void done(store_job *j) {
  if (j->err) __atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
  else game_xp_notify(&((game_award_job *)j)->plan);
  pthread_mutex_lock(&mu);
  ((slot *)j)->busy = 0;
  inflight--;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
}

enum { WINDOW = 2048 };

static double award_committer(void) {
  static slot slots[WINDOW];
  for (int i = 0; i < WINDOW; i++) arena_init(&slots[i].a, 1 << 14);
  double t = now_s();
  for (long i = 0; i < N; i++) {
    slot *s = &slots[i % WINDOW];
    pthread_mutex_lock(&mu); /* the slot's previous job must be done */
    while (s->busy) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    arena_clear(&s->a);
    s->c = (game_decide_ctx){&G.rules, &s->a};
    game_award_job_init(&s->aw, &s->a, SIDS[i], 1, game_decide, &s->c);
    s->aw.j.done = done;
    pthread_mutex_lock(&mu);
    inflight++;
    s->busy = 1;
    pthread_mutex_unlock(&mu);
    store_job_submit(S, &s->aw.j);
  }
  pthread_mutex_lock(&mu);
  while (inflight > 0) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  return now_s() - t;
}

static long next_i;
static void *award_thread(void *arg) {
  (void)arg;
  arena a;
  arena_init(&a, 1 << 14);
  for (;;) {
    long i = __atomic_fetch_add(&next_i, 1, __ATOMIC_RELAXED);
    if (i >= N) break;
    arena_clear(&a);
    for (int tries = 0;; tries++) {
      pheme_err e = game_award(&G, &a, SIDS[i], NULL, 1, NULL);
      if (!e) break;
      if (tries > 20) {
        __atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
        break;
      }
    }
  }
  arena_release(&a);
  return NULL;
}

static double award_threads(int n) {
  pthread_t th[64];
  double t = now_s();
  for (int i = 0; i < n; i++)
    if (pthread_create(&th[i], NULL, award_thread, NULL)) die("thread");
  for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
  return now_s() - t;
}

/* ---- plain inserts of the same rows ---- */

/* The rows the awards wrote — every ledger row, event and follow-up job — are read back, deleted
 * (untimed) and INSERTed again into the same tables (same indexes), one statement per row, in
 * transactions of 256 approvals' rows (a batch of the committer is up to 64 awards; larger
 * transactions only favour the reference). */
static double plain(int64_t events_before, int64_t *rows_out) {
  arena a;
  arena_init(&a, 0);
  sx x;
  db_result lr, er, jr;
  if (sx_read(S, &a, &x)) die("read");
  X(&x, &lr, "SELECT user_id, skill_id, guild_id, season_id, amount, reason, submission_id, rule, detail, at "
             "FROM xp_ledger ORDER BY id");
  X(&x, &er, "SELECT kind, user_id, public, subject_type, subject_id, data, at FROM events WHERE id > $1 ORDER BY id",
    dbv_int(events_before));
  X(&x, &jr, "SELECT kind, payload, state, run_at, max_attempts, created_at, updated_at FROM jobs WHERE kind IN "
             "('game.badges', 'game.chain_progress') ORDER BY id");
  sx_end(&x);
  if (sx_write(S, &a, &x)) die("write");
  X(&x, NULL, "DELETE FROM xp_ledger");
  X(&x, NULL, "DELETE FROM events WHERE id > $1", dbv_int(events_before));
  X(&x, NULL, "DELETE FROM jobs WHERE kind IN ('game.badges', 'game.chain_progress')");
  if (sx_commit(&x)) die("commit");
  sx_end(&x);
  *rows_out = lr.rows + er.rows + jr.rows;
  int per = 256;
  long txs = (N + per - 1) / per;
  double t = now_s();
  int li = 0, ei = 0, ji = 0;
  for (long k = 0; k < txs; k++) {
    int lend = (int)((long)lr.rows * (k + 1) / txs), eend = (int)((long)er.rows * (k + 1) / txs),
        jend = (int)((long)jr.rows * (k + 1) / txs);
    if (sx_write(S, NULL, &x)) die("write");
    for (; li < lend; li++)
      X(&x, NULL, "INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, submission_id, rule, "
                  "detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        *db_cell(&lr, li, 0), *db_cell(&lr, li, 1), *db_cell(&lr, li, 2), *db_cell(&lr, li, 3), *db_cell(&lr, li, 4),
        *db_cell(&lr, li, 5), *db_cell(&lr, li, 6), *db_cell(&lr, li, 7), *db_cell(&lr, li, 8), *db_cell(&lr, li, 9));
    for (; ei < eend; ei++)
      X(&x, NULL, "INSERT INTO events (kind, user_id, public, subject_type, subject_id, data, at) VALUES "
                  "($1, $2, $3, $4, $5, $6, $7)",
        *db_cell(&er, ei, 0), *db_cell(&er, ei, 1), *db_cell(&er, ei, 2), *db_cell(&er, ei, 3), *db_cell(&er, ei, 4),
        *db_cell(&er, ei, 5), *db_cell(&er, ei, 6));
    for (; ji < jend; ji++)
      X(&x, NULL, "INSERT INTO jobs (kind, payload, state, run_at, max_attempts, created_at, updated_at) VALUES "
                  "($1, $2, $3, $4, $5, $6, $7)",
        *db_cell(&jr, ji, 0), *db_cell(&jr, ji, 1), *db_cell(&jr, ji, 2), *db_cell(&jr, ji, 3), *db_cell(&jr, ji, 4),
        *db_cell(&jr, ji, 5), *db_cell(&jr, ji, 6));
    if (sx_commit(&x)) die("commit");
    sx_end(&x);
  }
  double el = now_s() - t;
  arena_release(&a);
  return el;
}

static int64_t heard;
static void listener(void *ctx, const game_xp_row *rows, int n) {
  (void)ctx;
  (void)rows;
  __atomic_add_fetch(&heard, n, __ATOMIC_RELAXED);
}

int main(int argc, char **argv) {
  if (argc < 3) die("usage: bench_award URL N [THREADS]");
  N = atol(argv[2]);
  int threads = argc > 3 ? atoi(argv[3]) : 0;
  if (N < 1 || N > 100000 || threads < 0 || threads > 64) die("N is 1..100000, THREADS 0..64");
  log_init(LOG_WARN, 2);
  char err[512];
  /* the server's defaults for the group wait and the WAL checkpoint (core/config.c) */
  store_options o = {.pool_size = threads > 0 ? threads + 1 : 4, .busy_timeout_ms = 5000, .group_commit_wait_us = 200,
                     .wal_autocheckpoint = 10000};
  if (store_open(&S, argv[1], &o, err, sizeof err)) die(err);
  int applied;
  if (store_migrate(S, &applied, err, sizeof err)) die(err);
  game_rules r;
  game_rules_default(&r);
  game_init(&G, S, &r);
  if (game_xp_listen(listener, NULL)) die("listen");
  double ts = now_s();
  setup();
  fprintf(stderr, "setup: %ld outcomes in %.1f s\n", N, now_s() - ts);
  int64_t events_before = 0;
  {
    sx x;
    db_result er;
    if (sx_read(S, NULL, &x)) die("read");
    X(&x, &er, "SELECT coalesce(max(id), 0) FROM events");
    events_before = db_int(&er, 0, 0);
    sx_end(&x);
  }
  double c0 = cpu_s(), m0 = thread_cpu_s(), s0 = server_cpu_s();
  double ta = threads ? award_threads(threads) : award_committer();
  double ca = cpu_s() - c0, ma = thread_cpu_s() - m0, sa = server_cpu_s() - s0;
  if (failed) die("some awards failed");
  int64_t rows = 0;
  c0 = cpu_s();
  s0 = server_cpu_s();
  double tp = plain(events_before, &rows);
  double cp = cpu_s() - c0, sp = server_cpu_s() - s0;
  store_batch_stats bs;
  store_batch_stats_get(S, &bs);
  printf("award %.0f %.3f (%s, %s; %llu commits, largest batch %llu)\n", N / ta, ta, store_driver_name(S),
         threads ? "threads" : "group committer", (unsigned long long)bs.commits, (unsigned long long)bs.largest);
  fprintf(stderr, "committer: %llu jobs, %llu reruns\n", (unsigned long long)bs.jobs, (unsigned long long)bs.reruns);
  printf("cpu per approval %.1f us (%.1f us of it the submitting thread)", ca / N * 1e6, ma / N * 1e6);
  if (strcmp(store_driver_name(S), "postgresql") == 0) printf("; PostgreSQL server %.1f us", sa / N * 1e6);
  printf("\n");
  printf("plain %.0f %.3f (%.1f rows per approval, one INSERT each into the same tables)\n", N / tp, tp, (double)rows / N);
  printf("ratio %.3f (award / plain, wall); listeners heard %lld rows\n", tp / ta, (long long)heard);
  if (strcmp(store_driver_name(S), "postgresql") == 0)
    printf("server cpu award %.1f us plain %.1f us per approval, ratio %.3f (PostgreSQL's CPU per approval)\n",
           sa / N * 1e6, sp / N * 1e6, sp / sa);
  printf("cpu award %.0f/s (%.3f s) plain %.0f/s (%.3f s) ratio %.3f (approvals per CPU second; the client side "
         "of PostgreSQL only)\n", N / ca, ca, N / cp, cp, cp / ca);
  store_free(S);
  free(SIDS);
  return 0;
}
