/* Storage of the validation pipeline (migration 0014; docs/validation.md, "The pipeline as
 * built"): a submission's timeline, its AI assessments, the validators, the review panels, the
 * signed reviews, disputes and the outcome an approved submission leaves for the rewards engine.
 *
 * Every change of a submission goes through store_submission_step: in one write transaction the
 * submission is read (locked on PostgreSQL) with everything the pipeline decides on (sub_view),
 * the caller's decide function — the validation engine, which asks the transition table of
 * work/states.h — says what happens (sub_step), and the store writes it all: the state, one
 * timeline row per move, the assessments, panel seats, review, dispute, outcome, validator
 * standings, the next jobs (the outbox) and, for a job handler, the job's completion under its
 * claim (jobs_complete_in), so a job's effect commits exactly once. The store decides nothing:
 * it only refuses a move that does not start from the state it read.
 *
 * Shares are integers in parts per million (accuracy, confidence); a stake is an exact decimal
 * amount of the token's smallest unit (wei). Records live in the caller's arena. */
#ifndef PHEME_STORE_VALIDATION_H
#define PHEME_STORE_VALIDATION_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/jobs.h"
#include "store/outbox.h"
#include "store/store.h"

#define SUB_STEP_MAX_MOVES 4
#define SUB_STEP_MAX_JOBS 4
#define VALIDATOR_STAKE_MAX 78 /* digits of a uint256 */

/* One row of a submission's timeline. from is "" for the first (the submission itself). */
typedef struct {
  int64_t id, submission_id;
  const char *from, *to, *event, *actor;
  int64_t actor_id; /* 0 for the system */
  int64_t at;
  const char *detail; /* a JSON object: the step's inputs */
} sub_event_row;

typedef struct {
  int64_t id, submission_id;
  const char *assessor, *model;
  const char *scores;  /* JSON array of {"criterion", "score"} */
  int overall;         /* 0..100, -1 when it failed */
  int confidence_ppm;  /* -1 when it failed */
  const char *feedback, *record; /* record: JSON object, what was measured or tried */
  int ok;
  const char *reason;  /* why it failed; "" when ok */
  int64_t created_at;
} assessment_row;

typedef struct {
  int64_t id, user_id;
  uint8_t address[20];
  const char *stake;   /* decimal wei */
  const char *domains; /* JSON array of skill domains */
  const char *status;  /* "active" | "suspended" */
  int accuracy_ppm, outlier_streak, slashing_candidate;
  int64_t created_at, updated_at;
  /* SUBV_CANDIDATES only: the validator's reputation in the task's domain (the domain of its first
   * skill; the overall score when it has none), in micro-points (0..10^8); 0 without a score */
  int64_t domain_upt;
} validator_row;

/* A validator (validation.c) selected FROM validators v. Its stake is the chain's when the indexer
 * has one for its address (PhemeStaking's "stake" projection, the newest if several chains are
 * indexed), so panel draws and consensus weights follow stake moved or slashed on chain; else the
 * stake registered by an admin. */
#define VAL_COLS                                                                                \
  "v.id, v.user_id, v.address, coalesce((SELECT ce.amount FROM chain_entities ce WHERE ce.kind = " \
  "'stake' AND ce.owner = v.address AND ce.amount IS NOT NULL ORDER BY ce.block_number DESC "    \
  "LIMIT 1), CAST(v.stake AS TEXT)), v.domains, v.status, v.accuracy_ppm, v.outlier_streak, "    \
  "v.slashing_candidate, v.created_at, v.updated_at"
/* Reads row i of a result whose columns c… are VAL_COLS (for the store's own files, as GraphQL's
 * batched reads). */
void sx_validator_read(const db_result *r, int i, int c, validator_row *v);

/* A panel seat: validator v drawn for round of the submission. */
typedef struct {
  int round;
  int64_t drawn_at;
  validator_row v;
} panel_seat;

typedef struct {
  int64_t id, submission_id;
  int round;
  int64_t validator_id;
  uint8_t validator_address[20];
  int score;
  const char *criteria; /* JSON array of {"id", "score"} as signed */
  const char *feedback;
  uint8_t signature[65], signer[20];
  int64_t created_at;
} review_row;

typedef struct {
  int64_t id, submission_id;
  int round;            /* the fresh panel's round: 1 for the first dispute */
  int64_t opened_by;
  const char *reason;
  const char *first_state; /* the decision disputed */
  int first_score;      /* -1 when none */
  const char *outcome;  /* "" while open, else the state it settled in */
  int final_score;      /* -1 while open */
  int64_t created_at, resolved_at; /* resolved_at 0 while open */
} dispute_row;

typedef struct {
  int64_t submission_id, user_id, task_id;
  int final_score;
  const char *skills; /* JSON array of the task's skill slugs */
  int64_t created_at, consumed_at; /* consumed_at 0 until the rewards engine takes it */
} outcome_row;

/* What a submission's view holds beyond the submission and its task. */
enum {
  SUBV_TIMELINE = 1,    /* events, assessments */
  SUBV_PANEL = 2,       /* seats and reviews of every round, disputes, outcome */
  SUBV_CANDIDATES = 4,  /* every active validator (panel draws) */
  /* For store_submission_step: the step runs after every other step that asked for it has
   * committed, and before any that follows (PostgreSQL: a transaction-scoped advisory lock taken
   * first; SQLite's one writer already is). The checks use it so that two workers never pass two
   * near-duplicates checked at the same instant. */
  SUBV_SERIAL = 8,
};

typedef struct {
  submission sub;
  task task;
  /* the current review round: disputes + resubmissions (0 for the first panel); read when want
   * asks for the timeline, the panel or candidates, else -1 */
  int round;
  sub_event_row *events;
  int nevents;
  assessment_row *assessments;
  int nassessments;
  panel_seat *seats; /* every round, by round then drawing order */
  int nseats;
  review_row *reviews; /* every round, oldest first */
  int nreviews;
  dispute_row *disputes; /* oldest first */
  int ndisputes;
  int has_outcome;
  outcome_row outcome;
  validator_row *candidates;
  int ncandidates;
} sub_view;

/* Reads submission id with what want asks for. PHEME_DATA_NOT_FOUND. */
pheme_err store_submission_view(store *s, arena *a, int64_t id, unsigned want, sub_view *out)
    PHEME_MUST_CHECK;
/* The same for n submissions in one snapshot (a task read once for its submissions): out[i] and
 * errs[i] (0 or PHEME_DATA_NOT_FOUND) for ids[i]. Returns 0, or the storage error (then errs are
 * not all set). */
pheme_err store_submission_views(store *s, arena *a, const int64_t *ids, int n, unsigned want,
                                 sub_view *out, pheme_err *errs) PHEME_MUST_CHECK;

/* One transition of the submission: from the state before it (the previous move's to), on
 * event, to the next state, with its inputs. */
typedef struct {
  const char *event, *to;
  const char *detail; /* JSON object, NULL = "{}" */
} sub_move;

/* A validator's standing after a decision. */
typedef struct {
  int64_t validator_id;
  int accuracy_ppm, outlier_streak, slashing_candidate;
} validator_standing;

/* What one step writes; a decide function fills what applies (sub_step_init zeroes it). */
typedef struct {
  const char *actor; /* "system", "validator", "admin", "submitter", "creator" */
  int64_t actor_id;
  const char *audit_action; /* NULL = "submission.step" */
  sub_move moves[SUB_STEP_MAX_MOVES];
  int nmoves;
  int final_score;      /* -1 = unchanged */
  const char *feedback; /* NULL = unchanged */
  const char *text, *evidence; /* a resubmission's new work (evidence: JSON array); NULL = unchanged */
  const assessment_row *assessments;
  int nassessments;
  const int64_t *seats; /* validators drawn for seat_round */
  int nseats, seat_round;
  const review_row *review;       /* a review to record (UNIQUE per submission, round, validator) */
  const dispute_row *dispute;     /* a dispute to open */
  int settle_dispute;             /* close the open dispute with the final state and score */
  const outcome_row *outcome;     /* the rewards engine's row (one per submission) */
  const validator_standing *standings;
  int nstandings;
  job_request jobs[SUB_STEP_MAX_JOBS]; /* enqueued in the same transaction */
  int njobs;
  /* Set by the store after the write: the id of the review or dispute written. */
  int64_t written_id;
} sub_step;

void sub_step_init(sub_step *st);

/* Decides on v (read inside the transaction, with want's parts) and fills st, or refuses with
 * an error, which is returned as is with nothing written. A step with nothing in it writes
 * nothing (but still completes the job of claim). */
typedef pheme_err (*sub_step_fn)(const sub_view *v, sub_step *st, void *ctx);

/* The one way a submission changes (see the header comment). claim (may be NULL) is the job
 * being run: it is completed in the transaction, and PHEME_DATA_STATE is returned when the
 * claim no longer holds. PHEME_DATA_STATE also when the first move's state is not the stored
 * one; PHEME_DATA_CONFLICT for a second review of one validator in one round, a second dispute
 * of one round or a second outcome. out (may be NULL) gets the view after the step. */
pheme_err store_submission_step(store *s, arena *a, const store_actor *who, int64_t id,
                                unsigned want, const job_claim *claim, int64_t now_ms,
                                sub_step_fn fn, void *ctx, sub_step *done, sub_view *out)
    PHEME_MUST_CHECK;

/* One member of a batch of steps: what store_submission_step takes for one submission, and its
 * answer. */
typedef struct {
  int64_t id;
  const job_claim *claim; /* may be NULL */
  sub_step_fn fn;
  void *ctx;
  pheme_err err; /* set by the store: the member's answer, as store_submission_step gives it */
  sub_step done; /* set by the store when err is 0 */
} sub_step_req;

/* The steps of reqs[0..n), each as store_submission_step would take it (same who, want and
 * time), in as few transactions as it can: one for all when none fails, so n steps share one
 * commit (and the views in it one read of their task and of the candidates). A member that fails
 * is taken out, the transaction rolled back and the others run again; the ones taken out then
 * run alone, each in a transaction of its own, so that a member's answer never depends on its
 * neighbours. A decide function may therefore run more than once for one member and must decide
 * afresh each time. begin (may be NULL) is called with bctx at the start of every transaction
 * (after the lock of SUBV_SERIAL), before its members: state the decide functions share across
 * members starts there; its error is every waiting member's. Returns 0 when every member has
 * its answer in err, or the error that left members without a transaction (their err). */
pheme_err store_submission_steps(store *s, arena *a, const store_actor *who, unsigned want,
                                 int64_t now_ms, sub_step_req *reqs, int n,
                                 pheme_err (*begin)(void *bctx), void *bctx) PHEME_MUST_CHECK;

/* ---- validators ---- */

/* Registers (or updates) user_id's validator: address (20 bytes), stake (decimal wei, up to
 * VALIDATOR_STAKE_MAX digits), domains (JSON array or NULL = "[]"), status active. Standing is
 * kept on update. PHEME_DATA_INVALID for a bad stake; PHEME_DATA_CONFLICT when the address is
 * another validator's. */
pheme_err store_validator_put(store *s, arena *a, const store_actor *who, int64_t user_id,
                              const uint8_t address[20], const char *stake, const char *domains,
                              validator_row *out) PHEME_MUST_CHECK;
/* An admin's slash of validator validator_id, in one transaction: the chain intent rq
 * (ValidatorRegistry.slash, sent by the transaction manager; an intent with the same key is the
 * same slash), the validator's outlier streak and slashing-candidate flag cleared, the audit row
 * and a public "validator.slashed" event. *intent_id gets the intent. PHEME_DATA_NOT_FOUND for
 * no such validator. */
pheme_err store_validator_slash(store *s, arena *a, const store_actor *who, int64_t validator_id,
                                const outbox_request *rq, const char *detail, int64_t *intent_id) PHEME_MUST_CHECK;
pheme_err store_validator_by_user(store *s, arena *a, int64_t user_id, validator_row *out)
    PHEME_MUST_CHECK;
/* Validators by id; only_candidates lists those marked as slashing candidates. At most 1000. */
pheme_err store_validators_list(store *s, arena *a, int only_candidates, validator_row **out,
                                int *n) PHEME_MUST_CHECK;

/* A validator's queue: submissions where it holds a seat of the current round, waiting for
 * reviews (PEER_REVIEW or DISPUTED), that it has not reviewed in that round; oldest first, at
 * most limit. round_out[i] is the round of out[i]. */
pheme_err store_validator_queue(store *s, arena *a, int64_t validator_id, int limit,
                                submission **out, int **round_out, int *n) PHEME_MUST_CHECK;

/* ---- near-duplicate index ---- */

/* Submissions past the checks (not SUBMITTED, CHECKING or REJECTED) with id > after, ascending,
 * at most limit: their id, author and text (the index is rebuilt from these at start). */
typedef struct {
  int64_t id, user_id;
  const char *text;
} sub_text;
pheme_err store_submission_texts(store *s, arena *a, int64_t after, int limit, sub_text **out,
                                 int *n) PHEME_MUST_CHECK;
/* The submissions that passed the checks since timeline row after_event (the rows of moves out of
 * CHECKING to AI_REVIEW or PEER_REVIEW with a greater id), oldest first, at most limit; *last gets
 * the id of the last row read (after_event when none). How a process's near-duplicate index takes
 * in what other processes checked. */
pheme_err store_submission_texts_checked(store *s, arena *a, int64_t after_event, int limit,
                                         sub_text **out, int *n, int64_t *last) PHEME_MUST_CHECK;
/* The id of the newest timeline row (0 when none). */
pheme_err store_submission_events_last(store *s, int64_t *id) PHEME_MUST_CHECK;

/* ---- metrics ---- */

typedef struct {
  const char *state;
  int64_t count;
} sub_state_count;
typedef struct {
  sub_state_count *states; /* submissions per state (states with none are left out) */
  int nstates;
  int64_t reviews, disputes_open, outcomes_unconsumed;
  int64_t validators_active, slashing_candidates;
} pipeline_stats;
/* The pipeline's figures for /metrics, in one read. */
pheme_err store_pipeline_stats(store *s, arena *a, pipeline_stats *out) PHEME_MUST_CHECK;

/* Sets an outcome consumed (the rewards engine). PHEME_DATA_NOT_FOUND, PHEME_DATA_STATE when
 * already consumed. */
pheme_err store_outcome_consume(store *s, int64_t submission_id, int64_t now_ms) PHEME_MUST_CHECK;

#endif
