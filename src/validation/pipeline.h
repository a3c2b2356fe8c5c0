/* The validation pipeline wired (docs/validation.md, "The pipeline as built"): the four job
 * handlers that move a submission from SUBMITTED to a decision, and the operations people start
 * over the API (a validator's signed review, a dispute, an admin's decision on an escalated
 * submission). Every change goes through store_submission_step (store/validation.h) with a
 * decide function here that asks the transition table of work/states.h (work_sub_step) inside
 * the write transaction; the job handlers complete their job in that same transaction.
 *
 *   submission.check   SUBMITTED → CHECKING → AI_REVIEW | PEER_REVIEW | REJECTED
 *   submission.assess  AI_REVIEW → PEER_REVIEW, or decided when the task has peer review off
 *   submission.panel   draws (or grows, payload "grow": the size to reach) the panel of the
 *                      current round; ESCALATED when too few
 *   submission.decide  consensus over the round's reviews: decide, wait, grow or escalate
 *
 * The decisions themselves (pipeline_check_*, pipeline_verdict) are pure and unit-tested. */
#ifndef PHEME_VALIDATION_PIPELINE_H
#define PHEME_VALIDATION_PIPELINE_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/suite.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "core/metrics.h"
#include "store/store.h"
#include "store/validation.h"
#include "validation/consensus.h"
#include "validation/dedup.h"
#include "validation/review.h"
#include "work/principal.h"

#define PIPE_JOB_CHECK "submission.check"
#define PIPE_JOB_ASSESS "submission.assess"
#define PIPE_JOB_PANEL "submission.panel"
#define PIPE_JOB_DECIDE "submission.decide"

#define PIPE_URL_MAX 2048
/* Below the task's minimum score by at most this many points: changes requested, not rejected. */
#define PIPE_CHANGES_MARGIN 15

typedef struct pipeline {
  store *store;
  dedup_params dedup_params;
  dedup_index *dedup;
  char assessors[256];          /* comma-separated ids, in order */
  const pheme_config *cfg;      /* for the openai assessor; may be NULL (builtin only) */
  double min_stake;             /* whole tokens */
  double min_domain_score;      /* a validator's reputation in the task's domain it needs to be drawn, 0..100 */
  unsigned panel_max;
  int64_t dispute_window_ms;
  uint64_t content_max_size;
  review_domain domain;
  /* A contract wallet's check (EIP-1271) of a review whose signature does not recover to its
   * validator: the type of signin_contract_check (chain/sigcheck.h's sigcheck_signin), or NULL
   * for EOA reviews only. Returns 0 when the wallet accepts sig for hash. */
  pheme_err (*contract_check)(void *ctx, const uint8_t address[20], uint64_t chain_id,
                              const uint8_t hash[32], const uint8_t *sig, size_t n, char *err,
                              size_t errlen);
  void *contract_ctx;
  /* The near-duplicate index takes in what other processes checked: the last timeline row read
   * (store_submission_texts_checked), under its lock. */
  pthread_mutex_t feed_mu;
  int feed_ready; /* feed_mu is initialised */
  int64_t feed_after;
} pipeline;

/* Fills p from the configuration (cfg is kept: it must outlive p) and rebuilds the
 * near-duplicate index from the stored texts. PHEME_SYS_CONFIG with err set for bad settings. */
pheme_err pipeline_init(pipeline *p, store *s, const pheme_config *cfg, char *err, size_t errlen)
    PHEME_MUST_CHECK;
void pipeline_release(pipeline *p);
/* Registers the four kinds with the jobs table, p as their context. -1 when the table is full. */
int pipeline_register(pipeline *p) PHEME_MUST_CHECK;

/* Runs the job of a kind above for one submission (the handlers call these; tests call them
 * directly). claim may be NULL (no job to complete). payload is the job's JSON. */
pheme_err pipeline_run(pipeline *p, const char *kind, const char *payload, const job_claim *claim,
                       arena *a, char *why, size_t n) PHEME_MUST_CHECK;

/* ---- pure decisions ---- */

/* 1 when host (no brackets for IPv6) is loopback, private, link-local, unspecified, shared
 * address space, or a local name ("localhost", "*.localhost", "*.local", "*.internal"). */
int pipeline_host_private(const char *host);
/* Link sanity of one evidence URL: http or https, at most PIPE_URL_MAX bytes, a host that is
 * not private (pipeline_host_private). The URL is never fetched. 0, or -1 with why set. A URL
 * whose path is /ipfs/<cid> names stored content: *cid_text (may be NULL) gets the CID's text
 * (in a) and the host is not checked (the file is ours). */
pheme_err pipeline_link_check(arena *a, const char *url, const char **cid_text, char *why, size_t n);

typedef struct {
  int decided;        /* 0: no decision */
  const char *event;  /* "approve", "reject", "request_changes" */
  int final_score;
} pipeline_decision;
/* The decision a final score gets against the task's minimum score: approve at or above it,
 * changes requested within PIPE_CHANGES_MARGIN below, reject further below. */
pipeline_decision pipeline_verdict(int final_score, int min_score);

/* The task's validation settings (its normalized validation JSON). */
typedef struct {
  int ai_review, peer_review;
  int min_score, min_validators, consensus; /* consensus: percent */
  json_t *rubric; /* borrowed from the parsed document */
  json_t *doc;    /* owned: json_decref */
} pipeline_task_rules;
pheme_err pipeline_task_rules_load(const task *t, pipeline_task_rules *out) PHEME_MUST_CHECK;

/* ---- operations started by people ---- */

/* A validator's signed review (the posted body) of submission id, by the person user_id. Codes:
 * PHEME_API_BAD_JSON / PHEME_API_BAD_REQUEST (the body), PHEME_VAL_REPLAY (signed for another
 * submission), PHEME_VAL_SUBMITTER, PHEME_VAL_NOT_ON_PANEL, PHEME_VAL_WRONG_SIGNER (the signature
 * does not recover to the seat's validator), PHEME_DATA_INVALID (another round),
 * PHEME_DATA_STATE (not under review), PHEME_DATA_CONFLICT (already reviewed this round). why
 * says which, quoting the values. *review_id gets the stored review's id. */
pheme_err pipeline_review_post(pipeline *p, arena *a, const store_actor *sa, int64_t user_id,
                               int64_t id, const char *body, size_t len, int64_t *review_id,
                               char *why, size_t n) PHEME_MUST_CHECK;

/* The submitter's new text and evidence for submission id after changes were requested
 * (CHANGES_REQUESTED → SUBMITTED): the task must still take submissions from who (open, before
 * its deadline, the evidence and requirements met, as for a first submission); the pipeline then
 * runs again from the checks, and a new review round begins (its panel signs for that round).
 * PHEME_AUTH_NOT_OWNER for anyone but the submitter, PHEME_DATA_STATE in any other state. */
pheme_err pipeline_resubmit(pipeline *p, arena *a, const store_actor *sa, const work_principal *who,
                            int64_t id, const char *text, const json_t *evidence, char *why, size_t n)
    PHEME_MUST_CHECK;

/* An admin's decision to slash a validator (a slashing candidate or any other): amount (wei, a
 * decimal uint256 above 0) is taken from its stake by ValidatorRegistry.slash(validator, amount,
 * burn, reason) — burned, or sent to the treasury — through the transaction manager: the intent is
 * stored in the same transaction that clears the validator's candidate flag and writes the audit
 * row and the "validator.slashed" event. suite is the chain the registry is on. *intent_id gets the
 * intent. PHEME_DATA_NOT_FOUND (no such validator), PHEME_API_BAD_REQUEST (amount), PHEME_DATA_CONFLICT
 * (the same slash again). */
pheme_err pipeline_slash(pipeline *p, arena *a, const store_actor *sa, const chain_suite *suite,
                         const uint8_t validator[20], const char *amount_wei, int burn, const char *reason,
                         int64_t *intent_id, char *why, size_t n) PHEME_MUST_CHECK;

/* A dispute of submission id's decision by user_id (the submitter or the task's creator; admin
 * flag for AUTH checks is not needed): PHEME_AUTH_NOT_OWNER, PHEME_DATA_STATE (not decided, or
 * already disputed), PHEME_VAL_WINDOW. A fresh panel is drawn by the next job. */
pheme_err pipeline_dispute_open(pipeline *p, arena *a, const store_actor *sa, int64_t user_id,
                                int64_t id, const char *reason, int64_t *dispute_id, char *why,
                                size_t n) PHEME_MUST_CHECK;

/* An admin's decision on an ESCALATED (or DISPUTED) submission: decision "approve", "reject" or
 * "request_changes", score 0..100. PHEME_DATA_STATE when the table has no such step. */
pheme_err pipeline_admin_decide(pipeline *p, arena *a, const store_actor *sa, int64_t admin_id,
                                int64_t id, const char *decision, int score, const char *reason,
                                char *why, size_t n) PHEME_MUST_CHECK;

/* The pipeline's collector for the metrics registry (ctx is the store): submissions per state,
 * reviews, open disputes, outcomes not yet consumed, active validators, slashing candidates. */
void pipeline_metrics_collect(metrics_writer *w, void *store);

/* A stake in wei (decimal) as whole tokens. */
double pipeline_stake_tokens(const char *wei);

#endif
