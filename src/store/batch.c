/* The group committer; see batch.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"
#include "core/readctx.h"
#include "store/internal.h"
#include "core/banned.h"

/* The most jobs in one transaction: bounds how long a batch holds the write lock and how much a
 * rerun repeats. */
#define BATCH_MAX 64
/* How much nicer than the HTTP threads the committer is (see batch.h: batches form while they
 * read). */
#define COMMITTER_NICE 5

static void finish(store_job *j, pheme_err e) {
  j->err = e;
  if (j->done) j->done(j);
}

pheme_err store_job_run(store *s, store_job *j) {
  sx x;
  pheme_err e = sx_write(s, j->a, &x);
  if (!e) {
    e = j->work(&x, j);
    if (!e) e = sx_commit(&x);
    sx_end(&x);
  }
  finish(j, e);
  return e;
}

/* Runs v[0..n) in x, a work_group's neighbours in one call. Returns 0, or the error with
 * [*bad_from, *bad_to) the jobs to take out of the batch. */
static pheme_err run_jobs(sx *x, store_job **v, int n, int *bad_from, int *bad_to) {
  for (int i = 0; i < n;) {
    int m = 1;
    if (v[i]->work_group)
      while (i + m < n && v[i + m]->work_group == v[i]->work_group) m++;
    pheme_err e;
    if (v[i]->work_group) {
      int failed = -1;
      x->a = &x->scratch;
      e = v[i]->work_group(x, &v[i], m, &failed);
      *bad_from = failed >= 0 && failed < m ? i + failed : i;
      *bad_to = failed >= 0 && failed < m ? i + failed + 1 : i + m;
    } else {
      x->a = v[i]->a ? v[i]->a : &x->scratch;
      e = v[i]->work(x, v[i]);
      *bad_from = i;
      *bad_to = i + 1;
    }
    if (e) return e;
    i += m;
  }
  return PHEME_OK;
}

/* Brings the jobs of each work_group together, at the place of the group's first job, keeping
 * the order of everything else (v[0..n) in place). A group's call takes its rows' locks in one
 * order (the award: outcomes, then people, then guilds, each by id); two calls of one group in a
 * transaction — [award, other, award] — would take two such passes, and two committers (two
 * worker processes on one PostgreSQL) could take them in opposite orders and deadlock. The jobs
 * of a batch were queued by different requests at about the same time: their order among
 * themselves is no one's promise. */
static void gather_groups(store_job **v, int n) {
  store_job *out[BATCH_MAX];
  int k = 0;
  char taken[BATCH_MAX] = {0};
  for (int i = 0; i < n; i++) {
    if (taken[i]) continue;
    out[k++] = v[i];
    taken[i] = 1;
    if (!v[i]->work_group) continue;
    for (int j = i + 1; j < n; j++)
      if (!taken[j] && v[j]->work_group == v[i]->work_group) {
        out[k++] = v[j];
        taken[j] = 1;
      }
  }
  memcpy(v, out, sizeof *v * (size_t)n);
}

/* The lock turn (internal.h, sx_pass_turn): the batch with ticket t waits for it before its first
 * statement, so that it holds no lock the batch before it could wait for meanwhile. */
static void turn_wait(store_committer *c, uint64_t ticket) {
  pthread_mutex_lock(&c->mu);
  while (c->turn != ticket) pthread_cond_wait(&c->turn_cv, &c->mu);
  pthread_mutex_unlock(&c->mu);
}

static void turn_pass(store_committer *c) {
  pthread_mutex_lock(&c->mu);
  c->turn++;
  pthread_cond_broadcast(&c->turn_cv);
  pthread_mutex_unlock(&c->mu);
}

void sx_pass_turn(sx *x) {
  if (!x->holds_turn) return;
  x->holds_turn = 0;
  turn_pass(&x->s->committer);
}

/* Runs the jobs of list in one transaction. A job that fails is taken out (a group's, when it
 * cannot tell which of its jobs failed, all of them), the transaction rolled back and the rest
 * run again; the ones taken out then run alone. Calls every job's done. The first run holds the
 * lock turn of ticket until its work_group has taken its locks, or until it ends; the reruns
 * (after a failure, rare) and the jobs run alone do not wait for it. */
static void run_batch(store *s, store_job *list, int n, uint64_t ticket) {
  store_committer *c = &s->committer;
  store_job *v[BATCH_MAX], *alone = NULL;
  n = 0;
  for (store_job *j = list; j && n < BATCH_MAX; j = j->next) v[n++] = j;
  gather_groups(v, n);
  turn_wait(c, ticket);
  int turn = 1; /* held until the first run's work_group passes it, or that run ends */
  while (n > 0) {
    sx x;
    pheme_err e = sx_write(s, NULL, &x);
    if (e) {
      /* no transaction at all (storage down): every job gets the error */
      for (int i = 0; i < n; i++) finish(v[i], e);
      n = 0;
      break;
    }
    int from = 0, to = 0;
    x.holds_turn = turn;
    int failed_run = run_jobs(&x, v, n, &from, &to) != 0;
    sx_pass_turn(&x); /* still held: no work_group passed it */
    turn = 0;
    if (!failed_run) {
      e = sx_commit(&x);
      sx_end(&x);
      if (e) {
        /* The commit itself failed: nothing of the batch stayed. Each job gets its own chance. */
        log_warn("group commit of %d writes failed (%s): running them one by one", n, pheme_err_message(e));
        for (int i = 0; i < n; i++) store_job_run(s, v[i]);
        n = 0;
        break;
      }
      pthread_mutex_lock(&c->mu);
      c->stats.commits++;
      if ((uint64_t)n > c->stats.largest) c->stats.largest = (uint64_t)n;
      pthread_mutex_unlock(&c->mu);
      for (int i = 0; i < n; i++) finish(v[i], PHEME_OK);
      n = 0;
      break;
    }
    sx_end(&x); /* rolls the batch back */
    for (int i = to - 1; i >= from; i--) {
      v[i]->next = alone;
      alone = v[i];
    }
    memmove(&v[from], &v[to], sizeof *v * (size_t)(n - to));
    n -= to - from;
    if (n) {
      pthread_mutex_lock(&c->mu);
      c->stats.reruns++;
      pthread_mutex_unlock(&c->mu);
    }
  }
  if (turn) turn_pass(c); /* no transaction could begin: the turn moves on all the same */
  for (store_job *j = alone, *next; j; j = next) {
    next = j->next;
    store_job_run(s, j);
  }
}

static uint64_t mono_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

/* Under load (this batch or the last had company), waits for more jobs to join, as PostgreSQL's
 * commit_delay does: each arrival within wait_us buys another wait_us, up to ten in all or a full
 * batch. Arrivals do not wake the committer meanwhile (store_job_submit): it looks at the queue
 * when its wait ends. A sign-in's answer is later by that much; the server's CPU per sign-in
 * is lower, because the commit's fixed cost is shared by more of them. Called with c->mu held. */
static void gather(store_committer *c) {
  uint64_t start = mono_us(), limit = start + 10u * (uint64_t)c->wait_us;
  c->waiting = 1;
  while (c->queued < BATCH_MAX && c->state == 1) {
    int before = c->queued;
    uint64_t now = mono_us(), until = now + (uint64_t)c->wait_us;
    if (now >= limit) break;
    if (until > limit) until = limit;
    struct timespec dl = {(time_t)(until / 1000000u), (long)(until % 1000000u) * 1000};
    pthread_cond_timedwait(&c->wake, &c->mu, &dl);
    if (c->queued == before) break; /* nobody came */
  }
  c->waiting = 0;
}

static void *committer_main(void *arg) {
  store *s = arg;
  store_committer *c = &s->committer;
  pthread_setname_np(pthread_self(), "pheme-commit"); /* for ps, top and perf */
  /* Linux: nice applies to this thread alone. Failing to lower it only costs batching. */
  setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), COMMITTER_NICE);
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (!c->head && c->state == 1) pthread_cond_wait(&c->wake, &c->mu);
    if (!c->head) break; /* stopping, and nothing left */
    if (c->wait_us > 0 && !c->waiting && (c->queued >= 2 || c->last_batch >= 2)) gather(c);
    if (!c->head) continue; /* another committer took them meanwhile */
    store_job *list = c->head, *last = list;
    int n = 1;
    while (last->next && n < BATCH_MAX) {
      last = last->next;
      n++;
    }
    c->head = last->next;
    if (!c->head) c->tail = NULL;
    last->next = NULL;
    c->queued -= n;
    c->last_batch = n;
    c->stats.jobs += (uint64_t)n;
    uint64_t ticket = c->tickets++; /* the batches' lock turns go in queue order */
    /* more waiting: a second committer (PostgreSQL) takes them while this batch runs */
    if (c->head) pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->mu);
    run_batch(s, list, n, ticket);
    pthread_mutex_lock(&c->mu);
  }
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

void store_job_submit(store *s, store_job *j) {
  store_committer *c = &s->committer;
  j->next = NULL;
  /* the request that submits a write reads its own writes (core/readctx.h; the committer's
   * commit moves the position its pin takes) */
  read_ctx *rc = read_ctx_current();
  if (rc) {
    rc->wrote = 1;
    rc->verdict = READ_PRIMARY;
  }
  pthread_mutex_lock(&c->mu);
  if (c->state == 0) {
    c->state = 1;
    while (c->nthreads < c->want && pthread_create(&c->threads[c->nthreads], NULL, committer_main, s) == 0) c->nthreads++;
    if (!c->nthreads) {
      c->state = -1;
      log_warn("the group committer did not start: sign-ins commit one by one");
    }
  }
  if (c->state != 1) {
    pthread_mutex_unlock(&c->mu);
    store_job_run(s, j);
    return;
  }
  if (c->tail) c->tail->next = j;
  else c->head = j;
  c->tail = j;
  c->queued++;
  /* a committer gathering a batch looks at the queue when its wait ends (gather) */
  if (!c->waiting || c->queued >= BATCH_MAX) pthread_cond_signal(&c->wake);
  pthread_mutex_unlock(&c->mu);
}

void store_batch_stats_get(store *s, store_batch_stats *out) {
  pthread_mutex_lock(&s->committer.mu);
  *out = s->committer.stats;
  pthread_mutex_unlock(&s->committer.mu);
}

void store_batch_stop(store *s) {
  store_committer *c = &s->committer;
  pthread_mutex_lock(&c->mu);
  int running = c->state == 1;
  if (running) c->state = 2;
  pthread_cond_broadcast(&c->wake);
  pthread_mutex_unlock(&c->mu);
  for (int i = 0; running && i < c->nthreads; i++) pthread_join(c->threads[i], NULL);
  if (running) c->nthreads = 0;
}
