/* The durable job queue's storage (docs/internals/jobs.md): one `jobs` row per job.
 *
 *   queued ──claim──► running ──complete──► done
 *     ▲                 │  │
 *     └──fail (retry)───┘  └──fail (last attempt) / lease expired on the last attempt──► dead
 *     └──────────────────────── retry (an operator) ◄─────────────────────────────────────┘
 *
 * A claim gives the worker a lease (owner + expiry) and a fencing token: the job's `claims`
 * counter, which grows on every claim and is never reset. Every write a worker makes about a
 * job it claimed (complete, fail, renew, release) names that token and changes nothing when the
 * job has been claimed again since, so a worker that stalled past its lease cannot complete or
 * fail a job another worker now holds. A lease that expires sends the job back to queued
 * (jobs_reclaim): delivery is at least once.
 *
 * Exactly-once effect: a handler whose effect is a database write does that write in a store
 * function that calls jobs_complete_in() in the same transaction (for an example see
 * store_job_complete_noted). The completion checks the token and a live lease; when either is
 * gone it refuses with PHEME_DATA_STATE and the transaction, the effect with it, rolls back. So of
 * all the runs of one job, exactly one commits its effect.
 *
 * Times are Unix milliseconds passed in by the caller (tests move the clock). All functions
 * return 0 or an error from core/err.h; strings of results live in the arena passed in. */
#ifndef PHEME_STORE_JOBS_H
#define PHEME_STORE_JOBS_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/internal.h"

typedef enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_DEAD, JOB__STATES } job_state;

/* "queued", "running", "done", "dead"; job_state_parse returns -1 for another name. */
const char *job_state_name(job_state s);
int job_state_parse(const char *name);

#define JOB_KIND_MAX 100        /* bytes of a kind */
#define JOB_PAYLOAD_MAX 65536   /* bytes of a payload */
#define JOB_KEY_MAX 200         /* bytes of an idempotency key */
#define JOB_ERROR_MAX 2000      /* bytes of a last error kept (longer ones are cut) */
#define JOB_CLAIM_MAX 1000      /* jobs one claim may take */

/* What a producer asks to be done. */
typedef struct {
  const char *kind;            /* "validation.check", …: 1..JOB_KIND_MAX of [A-Za-z0-9._:-] */
  const char *payload;         /* a JSON object or array as text; NULL = "{}" */
  const char *idempotency_key; /* NULL = none; a key stored already is not added again */
  int max_attempts;            /* 1..1000; 0 = the default (store_jobs_set_default_attempts) */
  int64_t run_at;              /* not before this time; 0 = now */
  int coalesce;                /* 1: none added while a job of this kind and payload waits queued
                                * and due, unclaimed (jobs_enqueue_in) */
} job_request;

/* A job as stored. */
typedef struct {
  int64_t id;
  const char *kind, *payload;
  job_state state;
  int attempts, max_attempts;
  int64_t claims, run_at;
  const char *lease_owner;     /* NULL unless running */
  int64_t lease_expires_at;    /* 0 unless running */
  const char *last_error;      /* NULL when none */
  const char *idempotency_key; /* NULL when none */
  int64_t created_at, updated_at;
} job;

/* A claimed job: what a worker runs and the token it must show for every write about it. */
typedef struct {
  int64_t id;
  const char *kind, *payload;
  int attempt;       /* this run: 1 for the first */
  int max_attempts;
  int64_t token;     /* the claims counter at this claim */
  const char *owner; /* the lease owner (the worker's id) */
  int64_t lease_expires_at;
} job_claim;

/* ---- producing ---- */

/* Adds a job inside x's write transaction, so it commits or rolls back with the business change
 * around it (the outbox). With an idempotency key already stored, nothing is added: *id gets the
 * existing job and *created 0. When x commits, the process's listener (store_jobs_listen) is
 * told. PHEME_DATA_INVALID for an empty or long kind, a payload that is not a JSON object or
 * array, a long key, max_attempts out of range.
 *
 * With rq->coalesce, a job of the same kind and payload that waits queued and due, not yet
 * claimed, stands for this one: *id gets it and *created 0. That job is claimed only after x
 * commits (PostgreSQL: its row stays locked by x until then, and claims skip locked rows; SQLite:
 * one writer), so its run reads everything x wrote. For jobs that redo a whole computation from
 * the current state (reputation.recompute), where a burst of requests needs one run, not one each.
 * Not with an idempotency key (PHEME_DATA_INVALID). */
pheme_err jobs_enqueue_in(sx *x, const job_request *rq, int64_t now_ms, int64_t *id, int *created)
    PHEME_MUST_CHECK;
/* Adds the n jobs rq[0..n) inside x's write transaction, as jobs_enqueue_in would one by one, in
 * multi-row INSERTs (sx_insert_rows). Requests with an idempotency key are refused
 * (PHEME_DATA_INVALID), as is any invalid one; ids are not returned. */
pheme_err jobs_enqueue_many_in(sx *x, const job_request *rq, int n, int64_t now_ms) PHEME_MUST_CHECK;
/* The same for payloads the store formatted itself from numbers (the award's follow-up jobs):
 * their JSON is not parsed again (5.6% of an award's instructions on SQLite), only their size and
 * outer brackets checked. Never for a payload that came from outside the store. */
pheme_err jobs_enqueue_many_formed_in(sx *x, const job_request *rq, int n, int64_t now_ms) PHEME_MUST_CHECK;
/* The max_attempts of requests that leave it 0 (1..1000; 5 until set; from jobs_max_attempts). */
void store_jobs_set_default_attempts(int max_attempts);
/* The same in a transaction of its own. id and created may be NULL. */
pheme_err store_job_enqueue(store *s, const job_request *rq, int64_t now_ms, int64_t *id,
                            int *created) PHEME_MUST_CHECK;

/* Adds fn(ctx) to the functions called after a transaction of s that enqueued (or requeued) a job
 * commits: the worker pools of this process wake on it. fn NULL removes the one added with ctx.
 * At most 16 in all; past that, pools still find jobs by polling. fn must not touch storage. */
void store_jobs_listen(store *s, void (*fn)(void *ctx), void *ctx);

/* ---- working ---- */

/* Claims up to max (1..JOB_CLAIM_MAX) due queued jobs, oldest run_at first, for owner until
 * now + lease_ms: each becomes running with attempts + 1 and a new token. PostgreSQL skips rows
 * other claimers hold (FOR UPDATE SKIP LOCKED); SQLite has one writer. *out (in a) gets *n. */
pheme_err store_jobs_claim(store *s, arena *a, const char *owner, int max, int64_t now_ms,
                           int64_t lease_ms, job_claim **out, int *n) PHEME_MUST_CHECK;

/* Inside x's write transaction: marks the claimed job done, checking that the claim still holds
 * (same token, running, lease not expired at now_ms). PHEME_DATA_STATE when it does not: the
 * caller must then roll back (return the error), so its effect is not committed either. */
pheme_err jobs_complete_in(sx *x, const job_claim *c, int64_t now_ms) PHEME_MUST_CHECK;

/* Marks claimed jobs done in one transaction (handlers with no effect of their own in the
 * database: at-least-once). A job already done under the same token (its handler completed it
 * in its own transaction) counts as done. *lost (may be NULL) gets how many were not completed
 * because their claim no longer holds. */
pheme_err store_jobs_complete(store *s, const job_claim *c, int n, int64_t now_ms, int *lost)
    PHEME_MUST_CHECK;

/* store_jobs_complete, then a claim as store_jobs_claim (owner, max, lease_ms): on PostgreSQL
 * two statements, each committed by itself (the completion first); on SQLite one transaction.
 * max 0 claims nothing. On an error nothing is claimed (*nout 0) and, on SQLite, nothing is
 * completed. On PostgreSQL an error is the completion's; a claim that fails after the
 * completions committed is logged and claims nothing (*nout 0, 0 returned, *lost as done). */
pheme_err store_jobs_complete_claim(store *s, arena *a, const job_claim *c, int n,
                                    const char *owner, int max, int64_t now_ms, int64_t lease_ms,
                                    job_claim **out, int *nout, int *lost) PHEME_MUST_CHECK;

/* An example of the exactly-once path, and the effect the crash test counts: writes one
 * audit_log row (action, subject "job" and the job's id, detail a JSON object or NULL) and
 * completes the job, in one transaction. PHEME_DATA_STATE (nothing written) when the claim no
 * longer holds. */
pheme_err store_job_complete_noted(store *s, const job_claim *c, const char *action,
                                   const char *detail, int64_t now_ms) PHEME_MUST_CHECK;

/* The run failed with error (kept, cut to JOB_ERROR_MAX bytes). When retry_at is not 0 and the
 * job has attempts left it goes back to queued, due at retry_at; otherwise it becomes dead.
 * *dead (may be NULL) tells which. PHEME_DATA_STATE when the claim no longer holds. */
pheme_err store_job_fail(store *s, const job_claim *c, const char *error, int64_t retry_at,
                         int64_t now_ms, int *dead) PHEME_MUST_CHECK;

/* Extends the claim's lease to now + lease_ms. PHEME_DATA_STATE when it no longer holds. */
pheme_err store_job_renew(store *s, const job_claim *c, int64_t now_ms, int64_t lease_ms)
    PHEME_MUST_CHECK;

/* Gives claimed jobs that were not started back to the queue (a stopping worker): queued, due
 * now, the attempt not counted. Claims that no longer hold are skipped. */
pheme_err store_jobs_release(store *s, const job_claim *c, int n, int64_t now_ms) PHEME_MUST_CHECK;

/* The visibility timeout: running jobs whose lease expired before now go back to queued, due now,
 * or become dead ("lease expired …" kept as the error) when that was their last attempt.
 * *requeued and *dead (may be NULL) get the counts. */
pheme_err store_jobs_reclaim(store *s, int64_t now_ms, int *requeued, int *dead) PHEME_MUST_CHECK;

/* ---- operators ---- */

typedef struct {
  const char *kind; /* NULL = any */
  int state;        /* a job_state, or -1 = any */
} job_filter;

/* Jobs newest first, keyset-paginated by id (p->before), at most p->limit. */
pheme_err store_jobs_list(store *s, arena *a, const job_filter *f, const store_page *p, job **out,
                          int *n) PHEME_MUST_CHECK;
pheme_err store_job_get(store *s, arena *a, int64_t id, job *out) PHEME_MUST_CHECK;
/* A dead job goes back to queued, due now, with its attempts reset (the last error is kept); an
 * operator's action, audited ("job.retry", by who). PHEME_DATA_NOT_FOUND for no such job,
 * PHEME_DATA_STATE when it is not dead. */
pheme_err store_job_retry(store *s, const store_actor *who, int64_t id, int64_t now_ms) PHEME_MUST_CHECK;
/* Deletes a job that is not running, audited ("job.drop"). PHEME_DATA_NOT_FOUND, or
 * PHEME_DATA_STATE when running. */
pheme_err store_job_drop(store *s, const store_actor *who, int64_t id) PHEME_MUST_CHECK;
/* Deletes done jobs last updated before the given time; *n (may be NULL) gets how many. Their
 * idempotency keys are forgotten with them. */
pheme_err store_jobs_purge(store *s, int64_t done_before_ms, int64_t *n) PHEME_MUST_CHECK;

/* ---- metrics ---- */

typedef struct {
  const char *kind;
  int64_t count[JOB__STATES];
  int64_t retrying;     /* queued after a failed attempt */
  int64_t oldest_queued; /* created_at of the oldest queued job, 0 when none */
} job_kind_stats;

/* One row per kind that has queued, running or dead jobs, by kind name (done jobs are not
 * counted: count[JOB_DONE] is 0). *out in a. */
pheme_err store_jobs_stats(store *s, arena *a, job_kind_stats **out, int *n) PHEME_MUST_CHECK;

#endif
