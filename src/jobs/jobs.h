/* The job engine (docs/internals/jobs.md): a table of kinds (kind → handler, attempts, timeout,
 * backoff), a pool of worker threads that claim due jobs from storage (store/jobs.h) with a
 * lease, run their handlers and complete, retry or dead-letter them, a scheduler of periodic
 * jobs, and the queue's Prometheus metrics.
 *
 * Delivery is at least once: a job whose worker dies runs again after its lease expires. The
 * effect is exactly once for handlers that write it through the store in the same transaction
 * that completes the job (jobs_complete_in, store/jobs.h): of all the runs of one job, only the
 * one holding the claim can commit. */
#ifndef PHEME_JOBS_H
#define PHEME_JOBS_H

#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/metrics.h"
#include "store/jobs.h"
#include "store/store.h"

/* What a handler gets for one run. */
typedef struct jobs_run {
  store *store;
  const job_claim *claim;  /* id, kind, payload, attempt, and the token for jobs_complete_in */
  arena *a;                /* released after the run */
  int64_t deadline_ms;     /* the kind's timeout: past it the lease is no longer renewed */
  char error[512];         /* a handler that fails says why here ("" = "failed") */
  int permanent;           /* set by a failing handler: no retry, dead at once */
  volatile int *stopping;  /* becomes 1 when the pool is stopping (long handlers may give up) */
  pheme_err result;        /* a batch handler's answer for this run (what fn would return) */
} jobs_run;

/* Returns 0 when the job's work is done — then the pool completes it, unless the handler
 * already did in its own transaction — or an error to fail this attempt (run->error says why).
 * The pool records a failure only while the claim holds: when it was lost (the handler's
 * jobs_complete_in refused, the lease ran out), the job is left to whoever holds it now, whatever
 * error the handler returned. */
typedef pheme_err (*jobs_handler_fn)(jobs_run *run, void *ctx);

/* A kind's batch handler: the runs of one claim that are of this kind, in claim order, taken
 * together (so that their writes may share a transaction). Sets every run's result (and error,
 * permanent) as fn would have returned it for that run alone; the pool then goes on as if fn had.
 * The runs have no timeout but the pool's stop. */
typedef void (*jobs_batch_fn)(jobs_run *runs, int n, void *ctx);

typedef struct {
  const char *kind;      /* "validation.check": also the key of the table */
  jobs_handler_fn fn;
  void *ctx;
  int max_attempts;      /* for jobs_submit; 0 = jobs_max_attempts */
  int64_t timeout_ms;    /* 0 = no limit but the pool's stop */
  int64_t backoff_base_ms, backoff_cap_ms; /* 0 = the pool's */
  jobs_batch_fn batch;   /* NULL = fn, one run at a time; else the pool calls batch instead */
} jobs_kind;

#define JOBS_KINDS_MAX 64

/* Adds (or replaces) a kind in the process's table. Returns 0, or -1 when the table is full or
 * the kind's name is empty. Register before starting a pool. */
int jobs_register(const jobs_kind *k) PHEME_MUST_CHECK;
/* The kind's row, or NULL. */
const jobs_kind *jobs_kind_find(const char *kind);

/* The built-in kinds: "jobs.noop" (does nothing: benchmarks, operators' smoke checks); with
 * test_kinds also "jobs.test.effect" (sleeps 0..payload.sleep_ms, then writes one audit_log row
 * through the exactly-once path: store_job_complete_noted) and "jobs.test.poison" (always fails;
 * for the crash test, enabled by jobs_test_kinds). */
void jobs_register_builtin(int test_kinds);

/* The retry delay after failed attempt number attempt (1 for the first): full jitter,
 * uniformly random in [0, min(cap, base · 2^(attempt-1))]. r is a random 64-bit number. */
int64_t jobs_backoff_ms(int64_t base_ms, int64_t cap_ms, int attempt, uint64_t r);

/* Adds a job of a registered or unregistered kind in a transaction of its own, with the kind's
 * max attempts. key may be NULL. */
pheme_err jobs_submit(store *s, const char *kind, const char *payload, const char *key,
                      int64_t *id) PHEME_MUST_CHECK;

/* The people a follow-up job of the award is about (game.badges, reputation.update): its payload
 * is either {"user_id": N} with an optional "submission_id" (one award), or {"user_ids": [N, …]}
 * with an optional "submission_ids" array as long (the awards of one group commit: one job for
 * the group, store/game.c). *users and *submissions (0 where absent) are n long, in run->a.
 * A payload of neither shape, or an id below 1, fills run->error, sets run->permanent and
 * returns PHEME_DATA_INVALID. */
pheme_err jobs_payload_people(jobs_run *run, int64_t **users, int64_t **submissions, int *n) PHEME_MUST_CHECK;

/* ---- the worker pool ---- */

typedef struct {
  const char *kind;   /* enqueued as a job of this kind */
  const char *payload;
  int64_t interval_ms; /* once per period: the key is "periodic:<kind>:<now / interval>" */
} jobs_periodic;

typedef struct {
  int workers;            /* threads, 1..256 */
  int64_t poll_ms;        /* how long an idle worker sleeps unless woken */
  int64_t lease_ms;       /* the visibility timeout; renewed every lease / 3 while a job runs */
  int64_t backoff_base_ms, backoff_cap_ms;
  int batch;              /* jobs a worker claims at once */
  int64_t keep_done_ms;   /* done jobs older than this are deleted; 0 = kept */
  const jobs_periodic *periodic;
  int nperiodic;
  const char *owner;      /* the lease owner's prefix; NULL = host name and pid */
} jobs_options;

/* Adds a periodic job to the process's schedule, which every pool started afterwards ticks (in
 * addition to its options' list): how an engine asks for its epochs. Returns 0, or -1 when the
 * schedule (32 entries) is full or the interval is below 1 ms. The strings must outlive the
 * pools. */
int jobs_schedule(const char *kind, const char *payload, int64_t interval_ms) PHEME_MUST_CHECK;

/* Fills o from the configuration (jobs_* keys) and sets the store's default attempts. */
void jobs_options_from_config(jobs_options *o, const pheme_config *cfg);

typedef struct jobs_pool jobs_pool;

/* Starts o->workers threads and the keeper (lease renewal, reclaim, periodic jobs, purge) on s.
 * Returns NULL with err set when a thread cannot start. */
jobs_pool *jobs_pool_start(store *s, const jobs_options *o, char *err, size_t errlen);
/* Stops the pool: running handlers finish, claimed jobs not yet started go back to the queue;
 * then frees it. NULL is fine. */
void jobs_pool_stop(jobs_pool *p);
/* Wakes an idle worker (also done by any commit of this process that enqueued a job). */
void jobs_pool_wake(jobs_pool *p);
/* One pass of the scheduler: enqueues each periodic job's current period, once across all
 * workers and processes. *added (may be NULL) gets how many were new. */
pheme_err jobs_periodic_tick(store *s, const jobs_periodic *list, int n, int64_t now_ms,
                             int *added) PHEME_MUST_CHECK;

/* Counters of this process (all pools), for /metrics. */
typedef struct {
  uint64_t done, retried, dead, lost;
} jobs_counters;
void jobs_counters_get(jobs_counters *out);

/* The queue's collector for the metrics registry (ctx is the store): depth per kind and state,
 * retrying jobs, age of the oldest queued job per kind (from storage), and this process's
 * counters. */
void jobs_metrics_collect(metrics_writer *w, void *store);

/* ---- commands (cli.c) ---- */

#define JOBS_CLI_USAGE                                                         \
  "jobs list [--state queued|running|done|dead] [--kind KIND] [--limit N]\n"  \
  "       pheme jobs retry ID | pheme jobs drop ID | pheme jobs add KIND [JSON]"

/* pheme jobs …: returns the exit status. */
int jobs_cli(const pheme_config *cfg, store *s, char **args, int nargs);
/* pheme worker: the pool alone until SIGTERM or SIGINT. Returns the exit status. */
int jobs_cli_worker(const pheme_config *cfg, store *s);

#endif
