/* Submissions through the checks and the builtin assessor to PEER_REVIEW on SQLite (issue 10:
 * >= 1,000 submissions/s).
 *
 * N submissions (default 5,000), each by a person of its own with a text of its own (100-200 words
 * from a 20,000-word vocabulary, so none is a near-duplicate of another) and one link, to a task
 * with peer review on. Then the job pool (W workers, default 2) runs `submission.check` (evidence,
 * link sanity, the near-duplicate index inside the serialized check transaction) and
 * `submission.assess` (the builtin assessor) until every submission is in PEER_REVIEW. The panel
 * draw that follows is not part of the target: its kind is replaced by a no-op here.
 *
 * Reported: submissions/s from the pool's start to the last PEER_REVIEW, and a reference measured
 * in the same run on a second set of N submissions: the same two steps per submission (three
 * state moves, the timeline rows, the jobs completed) written by bare store steps with no checks,
 * no index and no assessor, one thread; i.e. what storage alone costs for the same writes. The
 * ratio says what the pipeline's work adds on top. Also the submit rate (one transaction each).
 *   bench_pipeline [N] [WORKERS] [DB_FILE] */
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

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

static pheme_err noop(jobs_run *run, void *ctx) {
  (void)run, (void)ctx;
  return PHEME_OK;
}

/* The reference: the pipeline's writes without its work. Step one moves SUBMITTED -> CHECKING ->
 * AI_REVIEW, step two AI_REVIEW -> PEER_REVIEW, each completing nothing and enqueueing the next
 * job, as the real steps do. */
typedef struct {
  int second;
  arena *a;
  int64_t id;
} bare_ctx;

static pheme_err bare_decide(const sub_view *v, sub_step *st, void *vctx) {
  bare_ctx *c = vctx;
  (void)v;
  st->nmoves = 0;
  if (!c->second) {
    st->moves[st->nmoves++] = (sub_move){"check", "CHECKING", "{\"evidenceOk\":true}"};
    st->moves[st->nmoves++] = (sub_move){"to_ai", "AI_REVIEW", NULL};
    st->jobs[st->njobs++] = (job_request){PIPE_JOB_ASSESS, arena_printf(c->a, "{\"submission\":%lld}", (long long)c->id), NULL, 0, 0};
  } else {
    st->moves[st->nmoves++] = (sub_move){"to_peer", "PEER_REVIEW", NULL};
    st->jobs[st->njobs++] = (job_request){PIPE_JOB_PANEL, arena_printf(c->a, "{\"submission\":%lld}", (long long)c->id), NULL, 0, 0};
  }
  return PHEME_OK;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5000, workers = argc > 2 ? atoi(argv[2]) : 2;
  char path[256];
  snprintf(path, sizeof path, "%s", argc > 3 ? argv[3] : "/tmp/pheme-bench-pipeline.db");
  if (n < 1 || workers < 1 || workers > 64) die("usage: bench_pipeline [N] [WORKERS] [DB_FILE]");
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

  int64_t *ours = malloc(sizeof *ours * (size_t)n), *ref = malloc(sizeof *ref * (size_t)n);
  if (!ours || !ref) die("out of memory");
  double submit_t = submit_all(&a, t.id, n, ours);

  /* ours: the job pool runs the real steps */
  pipeline p;
  if (pipeline_init(&p, S, &cfg, err, sizeof err)) die(err);
  if (pipeline_register(&p)) die("cannot register the pipeline's kinds");
  jobs_kind panel = {PIPE_JOB_PANEL, noop, NULL, 0, 0, 0, 0};
  if (jobs_register(&panel)) die("cannot replace the panel kind");
  jobs_options o;
  jobs_options_from_config(&o, &cfg);
  o.workers = workers;
  o.poll_ms = 50;
  double t0 = now_s();
  jobs_pool *pool = jobs_pool_start(S, &o, err, sizeof err);
  if (!pool) die(err);
  while (in_state("PEER_REVIEW") < n) {
    if (in_state("REJECTED") > 0) die("a submission was rejected: the texts are meant to be unique");
    usleep(2000);
  }
  double ours_t = now_s() - t0;
  jobs_pool_stop(pool);

  /* the reference: a second set, bare steps, one thread */
  double submit2_t = submit_all(&a, t.id, n, ref);
  (void)submit2_t;
  t0 = now_s();
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < 2; k++) {
      arena_clear(&a);
      bare_ctx c = {k, &a, ref[i]};
      if (store_submission_step(S, &a, &SYS, ref[i], 0, NULL, time_now_ms(), bare_decide, &c, NULL, NULL))
        die("a bare step failed");
    }
  }
  double ref_t = now_s() - t0;
  if (in_state("PEER_REVIEW") != 2 * (int64_t)n) die("the reference did not reach PEER_REVIEW");

  printf("submissions %d\nworkers %d\n", n, workers);
  printf("submit_per_s %.0f\n", n / submit_t);
  printf("ours_per_s %.0f\nours_s %.3f\n", n / ours_t, ours_t);
  printf("bare_per_s %.0f\nbare_s %.3f\n", n / ref_t, ref_t);
  printf("ratio %.3f\n", (n / ours_t) / (n / ref_t));
  pipeline_release(&p);
  free(ours);
  free(ref);
  arena_release(&a);
  config_release(&cfg);
  store_free(S);
  return 0;
}
