/* The worker pool and its keeper; see jobs.h.
 *
 * Each worker thread claims a batch of due jobs, runs them one after the other (the jobs of a kind
 * with a batch handler all at once, when its first one comes), fails the ones whose handler failed
 * (retry after a backoff, or dead) as it goes, and completes the successful ones together in one
 * transaction at the end of the batch. An idle worker sleeps on the pool's
 * condition variable for poll_ms; a commit of this process that enqueued a job wakes one.
 *
 * The keeper thread renews the leases of claimed jobs (every lease / 3), sends jobs whose lease
 * expired back to the queue (every poll), enqueues periodic jobs (once per period) and purges old
 * done jobs (every minute). It never holds the pool's mutex while it talks to storage: a commit
 * that wakes the pool takes that mutex, and may hold the only write connection while it does. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/trace.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "core/banned.h"

extern jobs_counters jobs__counters;
jobs_periodic *jobs__schedule_copy(const jobs_periodic *extra, int nextra, int *n); /* kinds.c */

/* What one worker has claimed and not yet finished: the keeper renews these. */
typedef struct {
  job_claim *claims;
  unsigned char *open; /* 1 while the claim is neither completed nor failed */
  int n;
  int64_t deadline;    /* of the job running now; 0 = none */
  int running;         /* index of the job running now, -1 = none */
} worker_slot;

typedef struct {
  jobs_pool *p;
  int index;
  char owner[160];
  pthread_t thread;
  int started;
  uint64_t ids; /* the state of the generator of its runs' trace ids (worker_trace) */
} worker;

struct jobs_pool {
  store *s;
  jobs_options o;
  pthread_mutex_t mu;
  pthread_cond_t wake;      /* workers sleep here */
  pthread_cond_t keeper_cv; /* the keeper sleeps here */
  volatile int stopping;     /* workers: claim no more */
  volatile int keeper_stop;  /* the keeper: after the workers, whose leases it renews */
  int pending;              /* wake-ups not yet taken by a worker */
  worker *workers;
  worker_slot *slots;
  int nworkers;
  pthread_t keeper;
  int keeper_started;
  jobs_periodic *periodic; /* the process's schedule and the options' list */
  int nperiodic;
  int64_t *periodic_done;  /* per entry: the last period enqueued (keeper only) */
};

static void deadline_in(struct timespec *ts, int64_t ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

void jobs_pool_wake(jobs_pool *p) {
  pthread_mutex_lock(&p->mu);
  if (p->pending < p->nworkers) p->pending++;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->mu);
}

static void wake_cb(void *ctx) { jobs_pool_wake(ctx); }

/* Sleeps up to poll_ms unless woken or stopping. */
static void idle(jobs_pool *p) {
  struct timespec ts;
  deadline_in(&ts, p->o.poll_ms);
  pthread_mutex_lock(&p->mu);
  while (!p->stopping && p->pending == 0)
    if (pthread_cond_timedwait(&p->wake, &p->mu, &ts) == ETIMEDOUT) break;
  if (p->pending > 0) p->pending--;
  pthread_mutex_unlock(&p->mu);
}

static uint64_t random64(void) {
  uint64_t r = 0;
  if (random_bytes(&r, sizeof r)) r = (uint64_t)time_now_ms() * 0x9E3779B97F4A7C15u;
  return r;
}

/* A new trace for one run, its ids from the worker's generator (splitmix64, seeded from the kernel
 * when the worker starts). trace_begin takes them from the kernel: two system calls per job, about
 * a third of this process's CPU per no-op job (bench/RESULTS.md, "Job queue", 2026-12-07). */
static void worker_trace(worker *w, trace_ctx *t) {
  memset(t, 0, sizeof *t);
  uint8_t *ids[3] = {t->trace_id, t->trace_id + 8, t->span_id};
  for (int i = 0; i < 3; i++) {
    uint64_t z = (w->ids += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    memcpy(ids[i], &z, 8);
  }
  t->trace_id[0] |= 1; /* never all zero: a traceparent with a zero id is invalid */
  t->span_id[0] |= 1;
  t->flags = 1;
}

/* What follows a run that returned e: a failure is recorded (retry after a backoff, or dead) and
 * the claim is no longer open. Returns 1 when it succeeded (to be completed with the batch). */
static int after_run(jobs_pool *p, worker_slot *slot, int i, const jobs_kind *k, jobs_run *run, pheme_err e) {
  const job_claim *c = &slot->claims[i];
  if (!e) return 1;
  /* The failure is recorded only while the claim holds: a claim that was lost (the store
   * refused the handler's completion, or the lease ran out) leaves the job to whoever holds it
   * now. Not taken from e: a handler's PHEME_DATA_STATE may be about its own data (a game sweep
   * that met an award done meanwhile), and trusting it left such a job running, unfailed,
   * until its lease ran out. */
  int64_t base = k && k->backoff_base_ms ? k->backoff_base_ms : p->o.backoff_base_ms;
  int64_t cap = k && k->backoff_cap_ms ? k->backoff_cap_ms : p->o.backoff_cap_ms;
  int64_t now = time_now_ms();
  int64_t retry_at = run->permanent ? 0 : now + jobs_backoff_ms(base, cap, c->attempt, random64());
  if (retry_at == now) retry_at = now + 1; /* 0 means "no retry" to the store */
  int dead = 0;
  const char *why = run->error[0] ? run->error : pheme_err_message(e);
  pheme_err fe = store_job_fail(p->s, c, why, retry_at, now, &dead);
  if (fe == PHEME_DATA_STATE) {
    __atomic_add_fetch(&jobs__counters.lost, 1, __ATOMIC_RELAXED);
    log_warn("job %lld (%s): claim lost during the run; another worker has it", (long long)c->id, c->kind);
  } else if (fe) {
    log_warn("job %lld (%s): recording its failure: %s", (long long)c->id, c->kind, pheme_err_message(fe));
  } else if (dead) {
    __atomic_add_fetch(&jobs__counters.dead, 1, __ATOMIC_RELAXED);
    log_warn("job %lld (%s) is dead after attempt %d: %s", (long long)c->id, c->kind, c->attempt, why);
  } else {
    __atomic_add_fetch(&jobs__counters.retried, 1, __ATOMIC_RELAXED);
  }
  pthread_mutex_lock(&p->mu);
  slot->open[i] = 0;
  pthread_mutex_unlock(&p->mu);
  return 0;
}

/* Runs claim i of slot w; returns 1 when it succeeded (to be completed with the batch). */
static int run_one(jobs_pool *p, worker *w, worker_slot *slot, int i) {
  const job_claim *c = &slot->claims[i];
  const jobs_kind *k = jobs_kind_find(c->kind);
  arena a;
  arena_init(&a, 0);
  jobs_run run = {.store = p->s, .claim = c, .a = &a, .stopping = &p->stopping};
  /* each run is a trace of its own: its log lines and outgoing calls carry it (core/trace.h) */
  trace_ctx tc;
  worker_trace(w, &tc);
  trace_set_current(&tc);
  pheme_err e;
  if (!k) {
    snprintf(run.error, sizeof run.error, "no handler for kind '%s' in worker %s", c->kind, w->owner);
    e = PHEME_DATA_INVALID;
  } else {
    int64_t now = time_now_ms();
    run.deadline_ms = k->timeout_ms > 0 ? now + k->timeout_ms : 0;
    /* no lock per job: the keeper reads these two with atomic loads */
    __atomic_store_n(&slot->deadline, run.deadline_ms, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->running, i, __ATOMIC_RELEASE);
    e = k->fn(&run, k->ctx);
    __atomic_store_n(&slot->running, -1, __ATOMIC_RELEASE);
    __atomic_store_n(&slot->deadline, 0, __ATOMIC_RELAXED);
  }
  int ok = after_run(p, slot, i, k, &run, e);
  arena_release(&a);
  trace_set_current(NULL);
  return ok;
}

/* Runs the claims of worker w's slot that are of kind k (which has a batch handler), from index
 * first on, together; marks them in started and puts the successful ones in ok[*nok]. */
static void run_batch(jobs_pool *p, worker *w, worker_slot *slot, int first, const jobs_kind *k,
                      unsigned char *started, job_claim *ok, int *nok) {
  int n = 0;
  for (int i = first; i < slot->n; i++) n += !started[i] && strcmp(slot->claims[i].kind, k->kind) == 0;
  jobs_run *runs = calloc((size_t)n, sizeof *runs);
  arena *arenas = calloc((size_t)n, sizeof *arenas);
  int *index = calloc((size_t)n, sizeof *index);
  if (!runs || !arenas || !index) PHEME_BUG("out of memory for a batch of %d jobs", n);
  int m = 0;
  for (int i = first; i < slot->n && m < n; i++) {
    if (started[i] || strcmp(slot->claims[i].kind, k->kind) != 0) continue;
    started[i] = 1;
    index[m] = i;
    arena_init(&arenas[m], 0);
    runs[m] = (jobs_run){.store = p->s, .claim = &slot->claims[i], .a = &arenas[m], .stopping = &p->stopping};
    m++;
  }
  trace_ctx tc;
  worker_trace(w, &tc);
  trace_set_current(&tc);
  k->batch(runs, n, k->ctx);
  for (int r = 0; r < n; r++) {
    if (after_run(p, slot, index[r], k, &runs[r], runs[r].result)) {
      ok[*nok] = slot->claims[index[r]];
      ok[*nok].kind = ok[*nok].payload = ok[*nok].owner = NULL; /* freed with the claim's arena */
      (*nok)++;
    }
    arena_release(&arenas[r]);
  }
  trace_set_current(NULL);
  free(runs);
  free(arenas);
  free(index);
}

/* Writes the outcome of completing a batch into the counters. */
static void count_completed(worker *w, pheme_err e, int nok, int lost) {
  if (e) {
    log_warn("job worker %s: completing %d jobs: %s (they will run again)", w->owner, nok,
             pheme_err_message(e));
    return;
  }
  __atomic_add_fetch(&jobs__counters.done, (uint64_t)(nok - lost), __ATOMIC_RELAXED);
  __atomic_add_fetch(&jobs__counters.lost, (uint64_t)lost, __ATOMIC_RELAXED);
}

static void *worker_main(void *arg) {
  worker *w = arg;
  jobs_pool *p = w->p;
  worker_slot *slot = &p->slots[w->index];
  pthread_setname_np(pthread_self(), "pheme-job"); /* for ps, top and perf */
  w->ids = random64();
  /* the last batch's successes, completed together with the next claim (one round trip) */
  job_claim *okc = calloc((size_t)p->o.batch, sizeof *okc);
  int nok = 0;
  if (!okc) {
    log_error("job worker %s: out of memory", w->owner);
    return NULL;
  }
  while (!p->stopping) {
    arena a;
    arena_init(&a, 0);
    job_claim *claims = NULL;
    int n = 0, lost = 0;
    pheme_err e = store_jobs_complete_claim(p->s, &a, okc, nok, w->owner, p->o.batch, time_now_ms(),
                                            p->o.lease_ms, &claims, &n, &lost);
    if (nok) count_completed(w, e, nok, lost);
    nok = 0;
    if (e || n == 0) {
      if (e) log_warn("job worker %s: claiming: %s", w->owner, pheme_err_message(e));
      arena_release(&a);
      idle(p);
      continue;
    }
    unsigned char *open = arena_zalloc(&a, (size_t)n);
    if (!open) PHEME_BUG("out of memory for %d claims", n);
    memset(open, 1, (size_t)n);
    pthread_mutex_lock(&p->mu);
    slot->claims = claims;
    slot->open = open;
    slot->n = n;
    slot->running = -1;
    pthread_mutex_unlock(&p->mu);
    /* started[i]: claim i ran (alone or in its kind's batch) */
    unsigned char *started = arena_zalloc(&a, (size_t)n);
    if (!started) PHEME_BUG("out of memory for %d claims", n);
    for (int i = 0; i < n && !p->stopping; i++) {
      if (started[i]) continue;
      const jobs_kind *k = jobs_kind_find(claims[i].kind);
      if (k && k->batch) {
        run_batch(p, w, slot, i, k, started, okc, &nok);
        continue;
      }
      started[i] = 1;
      if (run_one(p, w, slot, i)) {
        okc[nok] = claims[i];
        okc[nok].kind = okc[nok].payload = okc[nok].owner = NULL; /* freed with a below */
        nok++;
      }
    }
    /* stopping: the jobs not started go back to the queue, their attempt not counted */
    job_claim *back = arena_zalloc(&a, sizeof *back * (size_t)n);
    int nback = 0;
    for (int i = 0; back && i < n; i++)
      if (!started[i]) back[nback++] = claims[i];
    if (nback) {
      pheme_err re = store_jobs_release(p->s, back, nback, time_now_ms());
      if (re) log_warn("job worker %s: giving back %d jobs: %s (their leases will expire)", w->owner, nback,
                       pheme_err_message(re));
    }
    pthread_mutex_lock(&p->mu);
    slot->claims = NULL;
    slot->open = NULL;
    slot->n = 0;
    pthread_mutex_unlock(&p->mu);
    arena_release(&a);
  }
  if (nok) {
    int lost = 0;
    count_completed(w, store_jobs_complete(p->s, okc, nok, time_now_ms(), &lost), nok, lost);
  }
  free(okc);
  return NULL;
}

/* ---- the keeper ---- */

typedef struct {
  job_claim c;
  int slot, index;
} renewal;

static void renew_leases(jobs_pool *p, int64_t now) {
  /* what to renew is copied under the mutex; storage is spoken to without it */
  int cap = 0;
  pthread_mutex_lock(&p->mu);
  for (int w = 0; w < p->nworkers; w++) cap += p->slots[w].n;
  pthread_mutex_unlock(&p->mu);
  if (cap == 0) return;
  cap += p->o.batch; /* a worker may claim between the two looks */
  renewal *r = calloc((size_t)cap, sizeof *r);
  if (!r) return;
  int n = 0;
  pthread_mutex_lock(&p->mu);
  for (int w = 0; w < p->nworkers; w++) {
    worker_slot *sl = &p->slots[w];
    for (int i = 0; i < sl->n && n < cap; i++) {
      if (!sl->open[i]) continue;
      if (sl->claims[i].lease_expires_at - now > p->o.lease_ms * 2 / 3) continue;
      int64_t deadline = __atomic_load_n(&sl->deadline, __ATOMIC_RELAXED);
      if (__atomic_load_n(&sl->running, __ATOMIC_ACQUIRE) == i && deadline && now >= deadline)
        continue; /* past its kind's timeout: no more renewals */
      r[n].c = sl->claims[i];
      r[n].c.kind = r[n].c.payload = r[n].c.owner = NULL; /* not needed, may be freed */
      r[n].slot = w;
      r[n].index = i;
      n++;
    }
  }
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < n; i++) {
    pheme_err e = store_job_renew(p->s, &r[i].c, now, p->o.lease_ms);
    if (e == PHEME_DATA_STATE) continue; /* finished meanwhile, or lost: the worker finds out */
    if (e) {
      log_warn("renewing the lease of job %lld: %s", (long long)r[i].c.id, pheme_err_message(e));
      continue;
    }
    pthread_mutex_lock(&p->mu);
    worker_slot *sl = &p->slots[r[i].slot];
    if (r[i].index < sl->n && sl->claims[r[i].index].id == r[i].c.id &&
        sl->claims[r[i].index].token == r[i].c.token)
      sl->claims[r[i].index].lease_expires_at = now + p->o.lease_ms;
    pthread_mutex_unlock(&p->mu);
  }
  free(r);
}

pheme_err jobs_periodic_tick(store *s, const jobs_periodic *list, int n, int64_t now_ms, int *added) {
  int made_total = 0;
  for (int i = 0; i < n; i++) {
    if (list[i].interval_ms < 1) return PHEME_DATA_INVALID;
    int64_t period = now_ms / list[i].interval_ms;
    char key[JOB_KEY_MAX + 1];
    snprintf(key, sizeof key, "periodic:%s:%lld", list[i].kind, (long long)period);
    const jobs_kind *k = jobs_kind_find(list[i].kind);
    job_request rq = {list[i].kind, list[i].payload, key, k ? k->max_attempts : 0,
                      period * list[i].interval_ms};
    int made = 0;
    pheme_err e = store_job_enqueue(s, &rq, now_ms, NULL, &made);
    if (e) return e;
    made_total += made;
  }
  if (added) *added = made_total;
  return PHEME_OK;
}

static void *keeper_main(void *arg) {
  jobs_pool *p = arg;
  pthread_setname_np(pthread_self(), "pheme-keeper");
  int64_t tick = p->o.lease_ms / 3 < p->o.poll_ms ? p->o.lease_ms / 3 : p->o.poll_ms;
  if (tick < 10) tick = 10;
  int64_t next_house = 0, next_purge = 0;
  while (!p->keeper_stop) {
    int64_t now = time_now_ms();
    renew_leases(p, now);
    if (now >= next_house) {
      int requeued = 0, dead = 0;
      pheme_err e = store_jobs_reclaim(p->s, now, &requeued, &dead);
      if (e) log_warn("reclaiming expired job leases: %s", pheme_err_message(e));
      if (requeued || dead)
        log_info("job leases expired: %d jobs back in the queue, %d dead", requeued, dead);
      __atomic_add_fetch(&jobs__counters.dead, (uint64_t)dead, __ATOMIC_RELAXED);
      /* once per period and entry: an idle node does not open a write transaction every poll
       * (the idempotency key would make the repeats no-ops, but each still takes the writer) */
      for (int i = 0; i < p->nperiodic; i++) {
        int64_t period = p->periodic[i].interval_ms > 0 ? now / p->periodic[i].interval_ms : -1;
        if (period >= 0 && period == p->periodic_done[i]) continue;
        if ((e = jobs_periodic_tick(p->s, &p->periodic[i], 1, now, NULL)))
          log_warn("enqueuing periodic job %s: %s", p->periodic[i].kind, pheme_err_message(e));
        else
          p->periodic_done[i] = period;
      }
      next_house = now + p->o.poll_ms;
    }
    if (p->o.keep_done_ms > 0 && now >= next_purge) {
      int64_t gone = 0;
      pheme_err e = store_jobs_purge(p->s, now - p->o.keep_done_ms, &gone);
      if (e) log_warn("purging done jobs: %s", pheme_err_message(e));
      next_purge = now + 60000;
    }
    struct timespec ts;
    deadline_in(&ts, tick);
    pthread_mutex_lock(&p->mu);
    if (!p->keeper_stop) pthread_cond_timedwait(&p->keeper_cv, &p->mu, &ts);
    pthread_mutex_unlock(&p->mu);
  }
  return NULL;
}

/* ---- lifecycle ---- */

jobs_pool *jobs_pool_start(store *s, const jobs_options *o, char *err, size_t errlen) {
  if (o->workers < 1 || o->workers > 256 || o->batch < 1 || o->batch > JOB_CLAIM_MAX ||
      o->poll_ms < 1 || o->lease_ms < 30) {
    snprintf(err, errlen, "job pool: workers, batch, poll or lease out of range");
    return NULL;
  }
  jobs_pool *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(err, errlen, "job pool: out of memory");
    return NULL;
  }
  p->s = s;
  p->o = *o;
  p->nworkers = o->workers;
  p->periodic = jobs__schedule_copy(o->periodic, o->nperiodic, &p->nperiodic);
  p->workers = calloc((size_t)o->workers, sizeof *p->workers);
  p->slots = calloc((size_t)o->workers, sizeof *p->slots);
  p->periodic_done = calloc((size_t)(p->nperiodic + 1), sizeof *p->periodic_done);
  for (int i = 0; p->periodic_done && i < p->nperiodic; i++) p->periodic_done[i] = -1;
  if (!p->workers || !p->slots || !p->periodic || !p->periodic_done) {
    free(p->periodic_done);
    free(p->periodic);
    free(p->workers);
    free(p->slots);
    free(p);
    snprintf(err, errlen, "job pool: out of memory");
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&p->wake, &ca);
  pthread_cond_init(&p->keeper_cv, &ca);
  pthread_condattr_destroy(&ca);
  char host[64] = "host";
  gethostname(host, sizeof host - 1);
  uint64_t tag = random64();
  for (int i = 0; i < p->nworkers; i++) {
    worker *w = &p->workers[i];
    w->p = p;
    w->index = i;
    p->slots[i].running = -1;
    /* a random tag: a restarted process with the same pid is another owner */
    snprintf(w->owner, sizeof w->owner, "%s:%ld:%04x:%d", o->owner ? o->owner : host, (long)getpid(),
             (unsigned)(tag & 0xffff), i);
  }
  store_jobs_listen(s, wake_cb, p);
  for (int i = 0; i < p->nworkers; i++) {
    if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i])) {
      snprintf(err, errlen, "job pool: worker thread %d did not start", i);
      jobs_pool_stop(p);
      return NULL;
    }
    p->workers[i].started = 1;
  }
  if (pthread_create(&p->keeper, NULL, keeper_main, p)) {
    snprintf(err, errlen, "job pool: the keeper thread did not start");
    jobs_pool_stop(p);
    return NULL;
  }
  p->keeper_started = 1;
  return p;
}

void jobs_pool_stop(jobs_pool *p) {
  if (!p) return;
  store_jobs_listen(p->s, NULL, p);
  pthread_mutex_lock(&p->mu);
  p->stopping = 1;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
  /* the running handlers finish while the keeper still renews their leases */
  for (int i = 0; i < p->nworkers; i++)
    if (p->workers[i].started) pthread_join(p->workers[i].thread, NULL);
  pthread_mutex_lock(&p->mu);
  p->keeper_stop = 1;
  pthread_cond_broadcast(&p->keeper_cv);
  pthread_mutex_unlock(&p->mu);
  if (p->keeper_started) pthread_join(p->keeper, NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->wake);
  pthread_cond_destroy(&p->keeper_cv);
  free(p->workers);
  free(p->slots);
  free(p->periodic);
  free(p->periodic_done);
  free(p);
}
