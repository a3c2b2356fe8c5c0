/* Submissions through the checks, the builtin assessor and the panel draw to PEER_REVIEW on
 * SQLite (issue 10: >= 1,000 submissions/s).
 *
 * N submissions (default 5,000), each by a person of its own with a text of its own (100-200 words
 * from a 20,000-word vocabulary, so none is a near-duplicate of another) and one link, to a task
 * with peer review on and three validators a panel. V validators (default 10) are registered with
 * a stake above the minimum. Then the job pool (W workers, default 2) runs `submission.check`
 * (evidence, link sanity, the near-duplicate index inside the serialized check transaction),
 * `submission.assess` (the builtin assessor) and `submission.panel` (the stake-weighted draw of
 * three validators) until every submission is in PEER_REVIEW with its panel seated.
 *
 * Reported: submissions/s from the pool's start to the last panel, the process's CPU time per
 * submission over the same span (every thread: workers, keeper, SQLite), and a reference measured
 * in the same run on a second set of N submissions: the same three steps per submission (four
 * timeline rows, the state moves, the assessment row, three seats, the jobs enqueued) written by
 * bare store steps with no checks, no index, no assessor and no draw, one thread, one transaction
 * per step; i.e. what storage alone costs for the same writes, step by step. Also the submit rate
 * (one transaction each).
 *   bench_pipeline [N] [WORKERS] [DB_FILE] [VALIDATORS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "store/jobs.h"
#include "store/store.h"
#include "store/validation.h"
#include "validation/pipeline.h"
#include "work/states.h"
#include "work/tasks.h"

#include "core/banned.h"

static store *S;
static const store_actor SYS = {0, "bench"};

static void die(const char *what) {
  fprintf(stderr, "bench_pipeline: %s\n", what);
  exit(1);
}

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of every thread of the process */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

static char *text_of(arena *a) {
  size_t n = 100 + rnd() % 101, len = 0;
  char *t = arena_alloc(a, n * 8 + 1);
  if (!t) die("out of memory");
  for (size_t w = 0; w < n; w++) len += (size_t)snprintf(t + len, 9, "%sw%u", w ? " " : "", rnd() % 20000);
  return t;
}

/* N people and their submissions to task; ids into out. */
static double submit_all(arena *a, int64_t task_id, int n, int64_t *out) {
  int64_t first;
  if (store_seed_users(S, n, &first)) die("cannot seed people");
  json_t *ev = json_loads("[{\"type\":\"link\",\"url\":\"https://example.com/work\"}]", 0, NULL);
  double t0 = now_s();
  for (int i = 0; i < n; i++) {
    arena_clear(a);
    work_principal who = {.user_id = first + i, .roles = ROLE_USER};
    submission s;
    char why[256];
    if (work_submit(S, a, &SYS, &who, task_id, text_of(a), ev, &s, why, sizeof why)) die(why);
    out[i] = s.id;
  }
  double t = now_s() - t0;
  json_decref(ev);
  return t;
}

static int64_t in_state(const char *state) {
  arena a;
  arena_init(&a, 0);
  pipeline_stats st;
  int64_t n = 0;
  if (store_pipeline_stats(S, &a, &st)) die("cannot read the pipeline's figures");
  for (int i = 0; i < st.nstates; i++)
    if (strcmp(st.states[i].state, state) == 0) n = st.states[i].count;
  arena_release(&a);
  return n;
}

/* V validators with 1,000 tokens each; their ids into out. */
static void seed_validators(arena *a, int v, int64_t *out) {
  int64_t first;
  if (store_seed_users(S, v, &first)) die("cannot seed the validators");
  for (int i = 0; i < v; i++) {
    user u;
    validator_row row;
    if (store_user_get(S, a, first + i, &u)) die("cannot read a validator's person");
    if (store_validator_put(S, a, &SYS, u.id, u.address, "1000000000000000000000", NULL, &row))
      die("cannot register a validator");
    out[i] = row.id;
  }
}

static void load(char *out, size_t n) {
  FILE *f = fopen("/proc/loadavg", "r");
  double l1 = 0, l5 = 0, l15 = 0;
  if (f && fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) != 3) l1 = l5 = l15 = 0;
  if (f) fclose(f);
  snprintf(out, n, "%.2f/%.2f/%.2f", l1, l5, l15);
}

/* The reference: the pipeline's writes without its work. Step one moves SUBMITTED -> CHECKING ->
 * AI_REVIEW, step two AI_REVIEW -> PEER_REVIEW with the assessment row, step three seats the
 * panel; each enqueues the next job, as the real steps do. */
typedef struct {
  int step;
  arena *a;
  int64_t id;
  const int64_t *seats;
  assessment_row *as;
} bare_ctx;

static pheme_err bare_decide(const sub_view *v, sub_step *st, void *vctx) {
  bare_ctx *c = vctx;
  (void)v;
  st->nmoves = 0;
  const char *payload = arena_printf(c->a, "{\"submission\":%lld}", (long long)c->id);
  if (c->step == 0) {
    st->moves[st->nmoves++] = (sub_move){"check", "CHECKING", "{\"evidenceOk\":true}"};
    st->moves[st->nmoves++] = (sub_move){"to_ai", "AI_REVIEW", NULL};
    st->jobs[st->njobs++] = (job_request){PIPE_JOB_ASSESS, payload, NULL, 0, 0};
  } else if (c->step == 1) {
    st->moves[st->nmoves++] = (sub_move){"to_peer", "PEER_REVIEW", NULL};
    st->assessments = c->as;
    st->nassessments = 1;
    st->jobs[st->njobs++] = (job_request){PIPE_JOB_PANEL, payload, NULL, 0, 0};
  } else {
    st->moves[st->nmoves++] = (sub_move){"panel", "PEER_REVIEW", "{\"drawn\":3}"};
    st->seats = c->seats;
    st->nseats = 3;
    st->seat_round = 0;
  }
  return PHEME_OK;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5000, workers = argc > 2 ? atoi(argv[2]) : 2;
  int nval = argc > 4 ? atoi(argv[4]) : 10;
  char path[256];
  snprintf(path, sizeof path, "%s", argc > 3 ? argv[3] : "/tmp/pheme-bench-pipeline.db");
  if (n < 1 || workers < 1 || workers > 64 || nval < 3 || nval > 10000)
    die("usage: bench_pipeline [N] [WORKERS] [DB_FILE] [VALIDATORS >= 3]");
  for (const char *sfx = ""; sfx; sfx = *sfx ? (strcmp(sfx, "-wal") ? NULL : "-shm") : "-wal") {
    char f[300];
    snprintf(f, sizeof f, "%s%s", path, sfx);
    unlink(f);
  }
  char url[300], err[512];
  snprintf(url, sizeof url, "sqlite://%s", path);
  store_options so = {workers + 4, 10000, 0, NULL, 0, 0};
  if (store_open(&S, url, &so, err, sizeof err)) die(err);
  int applied;
  if (store_migrate(S, &applied, err, sizeof err)) die(err);
  pheme_config cfg;
  if (config_init(&cfg)) die("config");
  arena a;
  arena_init(&a, 0);

  int64_t creator_first;
  if (store_seed_users(S, 1, &creator_first)) die("cannot seed the creator");
  work_principal creator = {.user_id = creator_first, .roles = ROLE_USER | ROLE_CREATOR};
  work_task_input in;
  memset(&in, 0, sizeof in);
  in.fields = (task){.type = "BOUNTY", .title = "Benchmark task", .description = "Any work will do",
                     .difficulty = 3, .xp_reward = 50};
  json_t *rules = json_loads("{\"minValidators\":3,\"peerReview\":true}", 0, NULL);
  in.validation = rules;
  task t;
  char why[256];
  if (work_task_create(S, &a, &SYS, &creator, &in, &t, why, sizeof why)) die(why);
  json_decref(rules);
  int64_t *vids = malloc(sizeof *vids * (size_t)nval);
  if (!vids) die("out of memory");
  seed_validators(&a, nval, vids);

  int64_t *ours = malloc(sizeof *ours * (size_t)n), *ref = malloc(sizeof *ref * (size_t)n);
  if (!ours || !ref) die("out of memory");
  double c0 = cpu_s();
  double submit_t = submit_all(&a, t.id, n, ours);
  double submit_cpu = cpu_s() - c0;

  /* ours: the job pool runs the real steps; done when check, assess and panel of each are */
  pipeline p;
  if (pipeline_init(&p, S, &cfg, err, sizeof err)) die(err);
  if (pipeline_register(&p)) die("cannot register the pipeline's kinds");
  jobs_options o;
  jobs_options_from_config(&o, &cfg);
  o.workers = workers;
  o.poll_ms = 50;
  if (getenv("BENCH_BATCH")) o.batch = atoi(getenv("BENCH_BATCH")); /* claims of this many jobs (jobs_batch) */
  char load_before[64], load_after[64];
  load(load_before, sizeof load_before);
  jobs_counters jc;
  jobs_counters_get(&jc);
  uint64_t want = jc.done + 3 * (uint64_t)n;
  c0 = cpu_s();
  double t0 = now_s();
  jobs_pool *pool = jobs_pool_start(S, &o, err, sizeof err);
  if (!pool) die(err);
  for (;;) {
    jobs_counters_get(&jc);
    if (jc.done >= want) break;
    if (jc.dead || jc.retried) die("a job failed: see the log");
    usleep(1000);
  }
  double ours_t = now_s() - t0, ours_cpu = cpu_s() - c0;
  load(load_after, sizeof load_after);
  jobs_pool_stop(pool);
  if (in_state("PEER_REVIEW") != n) die("not every submission is in PEER_REVIEW: one was rejected or escalated");

  /* the reference: a second set, bare steps, one thread */
  double submit2_t = submit_all(&a, t.id, n, ref);
  (void)submit2_t;
  assessment_row as = {.assessor = "builtin", .model = "builtin-1", .scores = "[]", .overall = 80,
                       .confidence_ppm = 500000, .feedback = "", .record = "{}", .ok = 1, .reason = ""};
  c0 = cpu_s();
  t0 = now_s();
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < 3; k++) {
      arena_clear(&a);
      bare_ctx c = {k, &a, ref[i], vids, &as};
      if (store_submission_step(S, &a, &SYS, ref[i], 0, NULL, time_now_ms(), bare_decide, &c, NULL, NULL))
        die("a bare step failed");
    }
  }
  double ref_t = now_s() - t0, ref_cpu = cpu_s() - c0;
  if (in_state("PEER_REVIEW") != 2 * (int64_t)n) die("the reference did not reach PEER_REVIEW");

  printf("submissions %d\nworkers %d\nvalidators %d\nbatch %d\n", n, workers, nval, o.batch);
  printf("submit_per_s %.0f\nsubmit_cpu_us %.0f\n", n / submit_t, submit_cpu / n * 1e6);
  printf("ours_per_s %.0f\nours_s %.3f\nours_cpu_us %.0f\n", n / ours_t, ours_t, ours_cpu / n * 1e6);
  printf("bare_per_s %.0f\nbare_s %.3f\nbare_cpu_us %.0f\n", n / ref_t, ref_t, ref_cpu / n * 1e6);
  printf("ratio %.3f\ncpu_ratio %.3f\n", (n / ours_t) / (n / ref_t), ref_cpu / ours_cpu);
  printf("load_before %s\nload_after %s\n", load_before, load_after);
  pipeline_release(&p);
  free(ours);
  free(ref);
  free(vids);
  arena_release(&a);
  config_release(&cfg);
  store_free(S);
  return 0;
}
