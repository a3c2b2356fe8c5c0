/* Group commit: the writes of many requests in one transaction.
 *
 * A sign-in writes a handful of rows, and committing each sign-in on its own costs more than the
 * rows: every commit takes the write lock, writes every page it dirtied to the WAL (SQLite) or
 * flushes the WAL (PostgreSQL), and the append-only tables' last pages (sessions, audit_log,
 * auth_nonce_uses, users) are dirtied again by the very next sign-in. The store's committer thread
 * runs the jobs that are waiting at that moment in one transaction and commits once, so a busy
 * server writes those pages once per batch instead of once per sign-in.
 *
 * On PostgreSQL two committer threads take batches from the one queue, each in a transaction of
 * its own (one batch runs on the server while the next is planned); SQLite has one writer and one
 * committer. Jobs of different requests may therefore commit in either order.
 *
 * Batches form by themselves: while one is being committed, the next jobs queue. The committer
 * runs at a lower scheduling priority than the HTTP threads, so on a saturated core it goes when
 * they have nothing left to read — after every request that arrived has queued its job — rather
 * than waking for the first one. Under load (the batch or the one before had company) it also
 * waits a little for more, like PostgreSQL's commit_delay: each job that arrives within
 * db_group_commit_wait_us buys another such wait, up to ten in all or a full batch. An idle
 * server commits a lone job at once.
 *
 * A job's work function (store-internal, see internal.h):
 *  - reads and writes only through the sx it is given, never commits, and keeps its results in
 *    its own memory (allocating in x->a, which is the job's arena);
 *  - may run more than once: when one job of a batch fails, the transaction is rolled back, the
 *    others run again without it, and it then runs alone in a transaction of its own, so that its
 *    answer (a refusal, such as a nonce used twice) is its own and does not depend on its
 *    neighbours. Results are therefore written afresh on every run;
 *  - when it returns an error, none of its writes may stay (the rollback sees to it).
 * A job with a work_group runs in one call with the batch's other jobs of the same work_group
 * (see store_job); alone (store_job_run, a rerun), its work runs.
 * done is called exactly once per job, on the committer thread, after the commit that made the
 * job durable (err 0) or with its error; the job's memory must stay valid until then. */
#ifndef PHEME_STORE_BATCH_H
#define PHEME_STORE_BATCH_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

typedef struct store store;
struct sx;

typedef struct store_job {
  pheme_err (*work)(struct sx *x, struct store_job *j); /* set by the operation (store-internal) */
  void (*done)(struct store_job *j);                   /* set by the caller */
  arena *a;                                            /* the job's results live here */
  pheme_err err;                                       /* the outcome, set before done */
  struct store_job *next;                              /* the committer's queue */
  /* Optional (store-internal): runs jobs[0..n), the batch's jobs of one work_group (the
   * committer brings them together, before the batch's other jobs that came after the first of
   * them: one call per group and transaction, so its locks are taken in one pass), in one call, with the effect of their works run one after the other (an operation that reads
   * and writes many rows at once for many jobs). On an error *failed is the index of the job
   * that failed on its own, or -1 when the error is the group's: then each runs alone. */
  pheme_err (*work_group)(struct sx *x, struct store_job **jobs, int n, int *failed);
} store_job;

/* Queues j for the committer, starting it on first use. Never blocks on storage. When the
 * committer cannot be started, j runs on the calling thread instead (done is still called). */
void store_job_submit(store *s, store_job *j);

/* Runs j in a transaction of its own on the calling thread, then calls its done (if any):
 * the synchronous form of store_job_submit. Returns j->err. */
pheme_err store_job_run(store *s, store_job *j);

/* Counters of the committer since the store was opened. */
typedef struct {
  uint64_t commits;   /* transactions committed by the committer */
  uint64_t jobs;      /* jobs it finished, failed ones included */
  uint64_t reruns;    /* batches run again because one of their jobs failed */
  uint64_t largest;   /* the most jobs in one transaction */
} store_batch_stats;
void store_batch_stats_get(store *s, store_batch_stats *out);

/* Stops the committer after the jobs already queued (store_free calls it). */
void store_batch_stop(store *s);

#endif
