/* Storage of the reputation engine (migration 0020, docs/reputation.md): what the formula reads
 * (validated outcomes, activity, endorsements, trust, stake, badges, votes), the scores it writes
 * with their receipts and history, endorsements, and the epochs published on chain. The engine
 * (src/reputation) decides everything; these functions only read and write rows. Conventions of
 * store.h: pheme_err results, records in the caller's arena. */
#ifndef PHEME_STORE_REPUTATION_H
#define PHEME_STORE_REPUTATION_H

#include "store/events.h"
#include <stdint.h>

#include "store/store.h"

/* Skill domains as bits (the skills.domain column's three values). */
#define STORE_DOMAIN_TECHNICAL 1u
#define STORE_DOMAIN_CREATIVE 2u
#define STORE_DOMAIN_BUSINESS 4u

typedef struct {
  int64_t user_id;
  uint8_t address[20];
  unsigned roles;
  int validator_active;     /* a validators row with status active */
  int64_t accuracy_ppm;
  const char *validator_stake; /* decimal wei, "0" when none */
  const char *chain_stake;     /* the largest indexed stake of the person's wallets, "0" */
  int64_t badges;           /* max(unrevoked badge awards, indexed badge balances) */
  int64_t votes;            /* indexed governance votes of the person's wallets */
  int64_t trust_ppb;        /* reputation_trust, 0 when none */
  int64_t score;            /* current reputation (µpt), -1 when none */
  int64_t streak_days;      /* the current streak as the rewards engine stored it (streaks), 0 */
} store_rep_person;

typedef struct {
  int64_t user_id, submission_id, at;
  int score;
  unsigned domains; /* STORE_DOMAIN_* of the task's skills */
} store_rep_outcome;

typedef struct {
  int64_t user_id, week; /* week = Unix ms / 604800000 */
} store_rep_week;

typedef struct {
  int64_t id, from_user, to_user;
  uint8_t from_address[20];
  const char *skill;
  unsigned domain;
  int64_t from_trust_ppb;
  int64_t weight, created_at;
  const char *source;
} store_rep_endorsement;

/* Everything the formula reads, for one person (user_id > 0) or everybody (0); each list ordered
 * by user (people by id; outcomes by submission; endorsements by recipient, then id). */
typedef struct {
  store_rep_person *people;
  int npeople;
  store_rep_outcome *outcomes;
  int noutcomes;
  store_rep_week *weeks;
  int nweeks;
  store_rep_endorsement *endorsements; /* received */
  int nendorsements;
} store_rep_inputs;

pheme_err store_rep_inputs_load(store *s, arena *a, int64_t user_id, store_rep_inputs *out)
    PHEME_MUST_CHECK;

/* The endorsement graph: one edge per (endorser, endorsed) with the number of skills; seeds are
 * active validators with a non-zero stake and people holding admin_role. */
typedef struct {
  int64_t from_user, to_user, weight;
} store_rep_edge;
pheme_err store_rep_graph_load(store *s, arena *a, unsigned admin_role, store_rep_edge **edges,
                               int64_t *nedges, int64_t **seeds, int64_t *nseeds,
                               int64_t **user_ids, int64_t *npeople) PHEME_MUST_CHECK;

/* The lease a full recompute holds (store/lease.h; src/reputation/engine.c). The writes of a
 * recompute name its owner as their fence: they commit only while it holds the lease, and are
 * refused with PHEME_DATA_CONFLICT (nothing written) once another took it. NULL: no fence. */
#define STORE_REP_RECOMPUTE_LEASE "reputation.recompute"

/* Replaces the trust snapshot (people with trust 0 are left out); fence as above. */
pheme_err store_rep_trust_save(store *s, const char *fence, const int64_t *user_ids, const int64_t *trust_ppb,
                               int64_t n, int64_t now) PHEME_MUST_CHECK;

/* One person's computed score. */
typedef struct {
  int64_t user_id;
  int64_t score, domain[3];       /* µpt: total, technical, creative, business */
  const char *formula_version;
  uint8_t inputs_digest[32];
  const char *receipt;            /* JSON */
  int64_t as_of, computed_at;
  int64_t previous;               /* history rows: the score before, -1 for none */
  int64_t history_id;
} store_rep_score;

/* Stores the scores; for each whose score or inputs digest differ from the stored one it also
 * appends a history row and writes a "reputation.changed" event (public), all in one transaction.
 * *changed (may be NULL) gets how many changed. fence: see STORE_REP_RECOMPUTE_LEASE. */
pheme_err store_rep_scores_save(store *s, const store_actor *who, const char *fence, const store_rep_score *scores,
                                int n, int *changed) PHEME_MUST_CHECK;
pheme_err store_rep_score_get(store *s, arena *a, int64_t user_id, store_rep_score *out) PHEME_MUST_CHECK;
/* History, newest first. */
pheme_err store_rep_history(store *s, arena *a, int64_t user_id, const store_page *p,
                            store_rep_score **out, int *n) PHEME_MUST_CHECK;

/* Scores by address (any linked wallet) for n addresses: found[i] 0 when nobody has a score. */
typedef struct {
  int found;
  int64_t score, domain[3];
  int64_t as_of;
} store_rep_lookup;
pheme_err store_rep_lookup_many(store *s, arena *a, const uint8_t (*addresses)[20], int n,
                                store_rep_lookup *out) PHEME_MUST_CHECK;

/* For the engine's in-memory lookup (reputation/snapshot.c): the score of every wallet (any linked
 * one) of every person with a score when after is NULL, else only of the people rescored after
 * the cursor, in the event outbox's commit order (every rescore writes a "reputation.changed"
 * event in its transaction; store/events.h says why ids alone are not commit order on
 * PostgreSQL). *head gets the outbox's head, read before the scores; nothing is read when it
 * equals *after. */
typedef struct {
  uint8_t address[20];
  int64_t user_id, score, domain[3];
} store_rep_wallet_score;
pheme_err store_rep_wallet_scores(store *s, arena *a, const event_cursor *after, store_rep_wallet_score **out,
                                  int64_t *n, event_cursor *head) PHEME_MUST_CHECK;

/* Adds an endorsement and the job that refreshes trust (job_kind), with an "endorsement.created"
 * event. PHEME_DATA_NOT_FOUND for an unknown skill slug, PHEME_DATA_CONFLICT for a duplicate
 * (same endorser, person and skill), PHEME_DATA_INVALID for endorsing oneself. */
pheme_err store_endorsement_create(store *s, arena *a, const store_actor *who, int64_t from_user,
                                   int64_t to_user, const char *skill_slug, int64_t weight, const char *source,
                                   const char *job_kind, store_rep_endorsement *out) PHEME_MUST_CHECK;
/* All people with a score or an outcome, by id (for full recomputes). */
pheme_err store_rep_user_ids(store *s, arena *a, int64_t **ids, int64_t *n) PHEME_MUST_CHECK;

/* Mirrors SkillWallet's on-chain endorsements (the indexer's "endorsement" projections, every
 * chain) into the endorsements table with source 'chain': an endorsement whose two Skill Wallets
 * belong to PHEME people and whose on-chain skill name is a skill's slug or name is added; a
 * mirrored one no longer on chain (revoked, or reorganised away) is removed. *added and *removed
 * (may be NULL) count the changes. One transaction. */
pheme_err store_rep_chain_endorsements_sync(store *s, int *added, int *removed) PHEME_MUST_CHECK;

/* ---- epochs ---- */
typedef struct {
  int64_t round;
  uint8_t root[32];
  int64_t leaves;
  const char *status;
  int64_t created_at;
} store_rep_epoch;

typedef struct {
  uint8_t address[20];
  int score; /* 0..100 */
} store_rep_leaf;

/* The current scores as leaves (primary address, score rounded to whole points), by address. */
pheme_err store_rep_leaves_current(store *s, arena *a, store_rep_leaf **out, int64_t *n) PHEME_MUST_CHECK;
/* Stores an epoch with its leaves (an "reputation.epoch" event). PHEME_DATA_CONFLICT when the
 * round exists. */
pheme_err store_rep_epoch_create(store *s, const store_actor *who, const store_rep_epoch *ep,
                                 const store_rep_leaf *leaves, int64_t n) PHEME_MUST_CHECK;
/* The newest epoch (round 0 asks for it) or a given one. */
pheme_err store_rep_epoch_get(store *s, arena *a, int64_t round, store_rep_epoch *out) PHEME_MUST_CHECK;
pheme_err store_rep_epoch_leaves(store *s, arena *a, int64_t round, store_rep_leaf **out, int64_t *n)
    PHEME_MUST_CHECK;

/* A validator's signature of a round (replaces the signer's earlier one). */
pheme_err store_rep_signature_add(store *s, int64_t round, const uint8_t signer[20], const uint8_t sig[65])
    PHEME_MUST_CHECK;
/* The round's signatures ordered by signer address (as the oracle wants them). */
pheme_err store_rep_signatures(store *s, arena *a, int64_t round, uint8_t (**sigs)[65], int *n) PHEME_MUST_CHECK;
/* Sets an epoch's status (built, signed, sent, published) and its outbox intent (0: none). */
pheme_err store_rep_epoch_mark(store *s, int64_t round, const char *status, int64_t intent_id) PHEME_MUST_CHECK;

#endif
