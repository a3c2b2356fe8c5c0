/* What the matching engine (src/matching) reads and writes: people in pages for the index build
 * (skill levels, availability, last activity), the reputation the chain indexer projected,
 * availability, applicants of a creator's bounties, and assignment proposals (migration 0021).
 * Same conventions as store.h: results in the caller's arena, writes in one transaction with their
 * audit row and domain event. */
#ifndef PHEME_STORE_MATCHING_H
#define PHEME_STORE_MATCHING_H

#include "store/store.h"

typedef struct {
  int64_t skill_id;
  int level;
} store_matching_level;

typedef struct {
  int64_t user_id;
  uint8_t address[20];
  int available;       /* 1 unless the person set 0 (matching_profiles) */
  int64_t last_active; /* Unix ms: the latest of their submissions' changes and validations; 0 */
  store_matching_level *levels; /* levels > 0 only */
  int nlevels;
} store_matching_person;

/* People with id > after, by id, at most limit (1..100000), with their levels, availability and
 * last activity. */
pheme_err store_matching_people(store *s, arena *a, int64_t after, int limit,
                                store_matching_person **out, int *n) PHEME_MUST_CHECK;
/* One person (PHEME_DATA_NOT_FOUND when there is none). */
pheme_err store_matching_person_get(store *s, arena *a, int64_t user_id, store_matching_person *out)
    PHEME_MUST_CHECK;

typedef struct {
  int64_t user_id;
  int score; /* 0..100 */
} store_matching_score;

/* The reputation scores ReputationOracle published, as the chain indexer projected them
 * (chain_entities of kind 'reputation', owner = the person's primary address; the newest chain's
 * when several are indexed), for the people with ids in [lo, hi]. Scores outside 0..100 are
 * clamped. */
pheme_err store_matching_reputations(store *s, arena *a, int64_t lo, int64_t hi,
                                     store_matching_score **out, int *n) PHEME_MUST_CHECK;

/* Sets a person's availability (audit row, event profile.availability). */
pheme_err store_matching_availability_set(store *s, const store_actor *who, int64_t user_id,
                                          int available) PHEME_MUST_CHECK;

typedef struct {
  int64_t task_id, user_id;
} store_matching_applicant;

/* The ids of creator_id's OPEN BOUNTY tasks without an assignment (newest first, at most max),
 * and the applicants to them: people with a live (not REJECTED) submission to one of them (at most
 * max rows). */
pheme_err store_matching_bounties(store *s, arena *a, int64_t creator_id, int max, int64_t **tasks,
                                  int *ntasks, store_matching_applicant **applicants, int *napplicants)
    PHEME_MUST_CHECK;

/* The ids of OPEN tasks that have an assignment (the index leaves them out of recommendations). */
pheme_err store_matching_assigned_open(store *s, arena *a, int64_t **ids, int *n) PHEME_MUST_CHECK;

typedef struct {
  int64_t task_id, user_id, fit;
} store_matching_pair;

typedef struct {
  int64_t id, creator_id;
  const char *status;
  store_matching_pair *pairs;
  int npairs;
  int64_t total_fit;
  int64_t created_at, confirmed_at; /* confirmed_at 0 = not yet */
} store_matching_proposal;

/* Stores p as a PROPOSED proposal (id and created_at filled in); audit row and event
 * matching.proposed. */
pheme_err store_matching_proposal_create(store *s, arena *a, const store_actor *who,
                                         store_matching_proposal *p) PHEME_MUST_CHECK;
pheme_err store_matching_proposal_get(store *s, arena *a, int64_t id, store_matching_proposal *out)
    PHEME_MUST_CHECK;
/* Confirms proposal id in one transaction: PHEME_DATA_NOT_FOUND when there is none,
 * PHEME_AUTH_NOT_OWNER when creator_id (not 0: an admin) did not make it, PHEME_DATA_STATE when it
 * is not PROPOSED or one of its tasks is no longer an OPEN BOUNTY of its creator or one of its
 * people no longer has a live submission to any of the creator's open bounties (withdrew),
 * PHEME_DATA_CONFLICT when a task was assigned since.
 * Otherwise writes one task_assignments row per pair, an event task.assigned per pair (to the
 * assignee), marks the creator's other PROPOSED proposals STALE and this one CONFIRMED. */
pheme_err store_matching_proposal_confirm(store *s, arena *a, const store_actor *who, int64_t id,
                                          int64_t creator_id, int64_t now,
                                          store_matching_proposal *out) PHEME_MUST_CHECK;

#endif
