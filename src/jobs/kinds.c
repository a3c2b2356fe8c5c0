/* The table of job kinds, the built-in kinds, the backoff formula and producing; see jobs.h. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "core/banned.h"

static pthread_mutex_t kinds_mu = PTHREAD_MUTEX_INITIALIZER;
static jobs_kind kinds[JOBS_KINDS_MAX];
static int nkinds;

int jobs_register(const jobs_kind *k) {
  if (!k->kind || !k->kind[0] || strlen(k->kind) > JOB_KIND_MAX || !k->fn) return -1;
  pthread_mutex_lock(&kinds_mu);
  int n = __atomic_load_n(&nkinds, __ATOMIC_RELAXED), i = 0;
  while (i < n && strcmp(kinds[i].kind, k->kind) != 0) i++;
  int rc = 0;
  if (i == n && n == JOBS_KINDS_MAX) {
    rc = -1;
  } else {
    kinds[i] = *k;
    /* the row is complete before a reader can see it (readers take no lock) */
    if (i == n) __atomic_store_n(&nkinds, n + 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&kinds_mu);
  return rc;
}

/* Lock-free: workers look a kind up for every job. Rows are only ever added (or replaced, which
 * is why kinds are registered before pools start). */
const jobs_kind *jobs_kind_find(const char *kind) {
  int n = __atomic_load_n(&nkinds, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++)
    if (strcmp(kinds[i].kind, kind) == 0) return &kinds[i];
  return NULL;
}

int64_t jobs_backoff_ms(int64_t base_ms, int64_t cap_ms, int attempt, uint64_t r) {
  if (base_ms < 1) base_ms = 1;
  if (cap_ms < base_ms) cap_ms = base_ms;
  int64_t ceiling = base_ms;
  for (int i = 1; i < attempt && ceiling < cap_ms; i++) ceiling = ceiling > cap_ms / 2 ? cap_ms : ceiling * 2;
  if (ceiling > cap_ms) ceiling = cap_ms;
  return (int64_t)(r % (uint64_t)(ceiling + 1));
}

pheme_err jobs_submit(store *s, const char *kind, const char *payload, const char *key,
                      int64_t *id) {
  const jobs_kind *k = kind ? jobs_kind_find(kind) : NULL;
  job_request rq = {kind, payload, key, k ? k->max_attempts : 0, 0};
  return store_job_enqueue(s, &rq, time_now_ms(), id, NULL);
}

/* ---- the schedule of periodic jobs ---- */

static jobs_periodic schedule[32];
static int nschedule;

int jobs_schedule(const char *kind, const char *payload, int64_t interval_ms) {
  if (!kind || !kind[0] || interval_ms < 1) return -1;
  pthread_mutex_lock(&kinds_mu);
  int rc = -1;
  if (nschedule < (int)ARRAY_SIZE(schedule)) {
    schedule[nschedule++] = (jobs_periodic){kind, payload, interval_ms};
    rc = 0;
  }
  pthread_mutex_unlock(&kinds_mu);
  return rc;
}

/* A copy of the schedule for a pool (pool.c); *n gets its length. */
jobs_periodic *jobs__schedule_copy(const jobs_periodic *extra, int nextra, int *n);
jobs_periodic *jobs__schedule_copy(const jobs_periodic *extra, int nextra, int *n) {
  pthread_mutex_lock(&kinds_mu);
  int total = nschedule + nextra;
  jobs_periodic *out = calloc((size_t)(total ? total : 1), sizeof *out);
  if (out) {
    memcpy(out, schedule, sizeof *out * (size_t)nschedule);
    if (nextra) memcpy(out + nschedule, extra, sizeof *out * (size_t)nextra);
  }
  pthread_mutex_unlock(&kinds_mu);
  *n = out ? total : 0;
  return out;
}

/* ---- built-in kinds ---- */

static pheme_err noop(jobs_run *run, void *ctx) { return PHEME_OK; }

/* The crash test's job: its one effect is an audit_log row written in the transaction that
 * completes the job, so however often a worker dies around it, the row is written once. */
static pheme_err test_effect(jobs_run *run, void *ctx) {
  json_t *p = json_loads(run->claim->payload, 0, NULL);
  long long sleep_ms = p ? json_integer_value(json_object_get(p, "sleep_ms")) : 0;
  json_decref(p);
  if (sleep_ms > 0 && sleep_ms <= 10000) {
    uint64_t r = 0;
    if (random_bytes(&r, sizeof r)) r = 0;
    long long ms = (long long)(r % (uint64_t)(sleep_ms + 1));
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  char detail[96]; /* who wrote it: the crash test counts the processes that took part */
  snprintf(detail, sizeof detail, "{\"pid\":%ld,\"attempt\":%d}", (long)getpid(), run->claim->attempt);
  pheme_err e = store_job_complete_noted(run->store, run->claim, "jobs.test.effect", detail, time_now_ms());
  if (e) snprintf(run->error, sizeof run->error, "writing the effect of job %lld: %s",
                  (long long)run->claim->id, pheme_err_message(e));
  return e;
}

static pheme_err test_poison(jobs_run *run, void *ctx) {
  snprintf(run->error, sizeof run->error, "poison job %lld refused on attempt %d",
           (long long)run->claim->id, run->claim->attempt);
  return PHEME_DATA_INVALID;
}

void jobs_register_builtin(int test_kinds) {
  jobs_kind k = {.kind = "jobs.noop", .fn = noop};
  if (jobs_register(&k)) PHEME_BUG("cannot register '%s'", k.kind);
  if (!test_kinds) return;
  jobs_kind e = {.kind = "jobs.test.effect", .fn = test_effect};
  jobs_kind p = {.kind = "jobs.test.poison", .fn = test_poison};
  if (jobs_register(&e) || jobs_register(&p)) PHEME_BUG("cannot register the test kinds");
}

/* ---- configuration and counters ---- */

void jobs_options_from_config(jobs_options *o, const pheme_config *cfg) {
  memset(o, 0, sizeof *o);
  o->workers = (int)cfg->jobs_workers;
  o->poll_ms = cfg->jobs_poll_ms;
  o->lease_ms = cfg->jobs_lease_ms;
  o->backoff_base_ms = cfg->jobs_backoff_base_ms;
  o->backoff_cap_ms = cfg->jobs_backoff_cap_ms;
  o->batch = (int)cfg->jobs_batch;
  o->keep_done_ms = cfg->jobs_keep_done * 1000;
  store_jobs_set_default_attempts((int)cfg->jobs_max_attempts);
}

jobs_counters jobs__counters; /* pool.c adds to it */

void jobs_counters_get(jobs_counters *out) {
  out->done = __atomic_load_n(&jobs__counters.done, __ATOMIC_RELAXED);
  out->retried = __atomic_load_n(&jobs__counters.retried, __ATOMIC_RELAXED);
  out->dead = __atomic_load_n(&jobs__counters.dead, __ATOMIC_RELAXED);
  out->lost = __atomic_load_n(&jobs__counters.lost, __ATOMIC_RELAXED);
}

static pheme_err payload_refused(jobs_run *run) {
  snprintf(run->error, sizeof run->error, "payload of %s needs a positive 'user_id' or 'user_ids'",
           run->claim->kind);
  run->permanent = 1;
  return PHEME_DATA_INVALID;
}

pheme_err jobs_payload_people(jobs_run *run, int64_t **users, int64_t **submissions, int *n) {
  *n = 0;
  json_t *o = NULL;
  char msg[200];
  const char *p = run->claim->payload;
  if (json_parse_body(p, strlen(p), &o, msg, sizeof msg) || !json_is_object(o)) {
    json_decref(o);
    return payload_refused(run);
  }
  json_t *one = json_object_get(o, "user_id"), *many = json_object_get(o, "user_ids");
  json_t *sub = json_object_get(o, "submission_id"), *subs = json_object_get(o, "submission_ids");
  size_t m = json_is_array(many) ? json_array_size(many) : 1;
  int ok = (one != NULL) != (many != NULL) && (one ? json_is_integer(one) && !subs : json_is_array(many) && m > 0 && !sub);
  if (ok && subs) ok = json_is_array(subs) && json_array_size(subs) == m;
  if (ok && sub) ok = json_is_integer(sub) && json_integer_value(sub) >= 0;
  *users = ok ? arena_alloc(run->a, sizeof **users * m) : NULL;
  *submissions = ok ? arena_alloc(run->a, sizeof **submissions * m) : NULL;
  for (size_t i = 0; ok && *users && *submissions && i < m; i++) {
    json_t *u = one ? one : json_array_get(many, i), *s = subs ? json_array_get(subs, i) : sub;
    ok = json_is_integer(u) && json_integer_value(u) > 0 && (!s || (json_is_integer(s) && json_integer_value(s) >= 0));
    if (ok) {
      (*users)[i] = (int64_t)json_integer_value(u);
      (*submissions)[i] = s ? (int64_t)json_integer_value(s) : 0;
    }
  }
  int nomem = ok && (!*users || !*submissions);
  json_decref(o);
  if (nomem) return PHEME_SYS_NOMEM;
  if (!ok) return payload_refused(run);
  *n = (int)m;
  return PHEME_OK;
}
