/* The matching engine (docs/internals/matching.md): an in-memory index of people — per skill a
 * posting list sorted by level, and per person the skill levels, reputation, level, last activity
 * and availability — answering "who qualifies for this task, best first" in milliseconds, the
 * open tasks a person qualifies for (recommendations), and the best one-to-one assignment of a
 * creator's applicants to their open bounties (Hungarian algorithm).
 *
 * The index is built from storage at start (matching_build, progress logged), kept current by
 * matching_apply / matching_apply_task (wired to the award engine and the task routes), and
 * rebuilt from storage periodically (matching_start). Queries take a read lock; updates and the
 * swap of a rebuilt index take the write lock. Every function is safe to call from any thread.
 *
 * Qualification is the rule of work/tasks.c (work_check_requirements): every skill of the task at
 * its minimum level, requirements.minReputation, requirements.minLevel (a person's level is their
 * highest skill level, as work_person_load has it); the index adds: the person is available and
 * is not the task's creator. */
#ifndef PHEME_MATCHING_H
#define PHEME_MATCHING_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/metrics.h"
#include "store/store.h"
#include "work/principal.h"

typedef struct matching matching;

/* The most skills a task names (the TaskCreate schema's bound). */
#define MATCHING_TASK_SKILLS 20
/* Page sizes: candidates and recommendations (limit), applicants and bounties of an assignment. */
#define MATCHING_PAGE_MAX 100
#define MATCHING_ASSIGN_MAX 500

/* ---- reputation: read through a provider ---- */

/* One person's reputation on 0..100 (the unit of requirements.minReputation); 0 when unknown. */
typedef int (*matching_reputation_fn)(void *ctx, int64_t user_id);
/* The bulk form the build uses: calls put(k, user_id, score) for every person with a known score
 * and an id in [lo, hi]; people not named have 0. Returns 0 or an error. */
typedef pheme_err (*matching_reputation_range_fn)(void *ctx, int64_t lo, int64_t hi,
                                                  void (*put)(void *k, int64_t user_id, int score),
                                                  void *k);
/* Sets where reputation comes from (the reputation engine, at merge). Until called, the index reads
 * the score the chain indexer projected from ReputationOracle (ScoreUpdated), through
 * store/matching.h. range may be NULL (then one is asked per person). */
void matching_set_reputation(matching *m, matching_reputation_fn one,
                             matching_reputation_range_fn range, void *ctx);
/* A matching_reputation_fn (ctx: the store) reading the reputation engine's stored score, in whole
 * points (store/reputation.h; the score is in micro-points of 0..100). */
int matching_rep_from_engine(void *ctx, int64_t user_id);

/* ---- lifecycle ---- */

/* An empty index; NULL when out of memory. Free with matching_free. */
matching *matching_new(void);
/* Stops the refresh thread (if started) and frees everything. NULL is fine. */
void matching_free(matching *m);
/* Builds the index from storage (people, skills, reputation, availability, activity, open tasks)
 * and swaps it in; progress is logged every 100,000 people. The old index answers until then.
 * Returns 0, or an error with why set. */
pheme_err matching_build(matching *m, store *s, char *why, size_t n) PHEME_MUST_CHECK;
/* Starts a thread that rebuilds the index from s every refresh_seconds (> 0). PHEME_DATA_INVALID
 * for a bad interval, PHEME_DATA_STATE when one is running, PHEME_SYS_INTERNAL when the thread
 * cannot start. */
pheme_err matching_start(matching *m, store *s, int refresh_seconds) PHEME_MUST_CHECK;
/* Stops the refresh thread and waits for it. */
void matching_stop(matching *m);
/* The index's collector for the metrics registry (ctx is the matching). */
void matching_metrics_collect(metrics_writer *w, void *m);
/* People and open tasks in the index. */
void matching_size(matching *m, int64_t *people, int64_t *tasks);

/* ---- keeping it current ---- */

/* A change to one person. Fields left at their "none" value are not changed. A person not yet in
 * the index is added (available, zero levels) when address is given or any field is set. */
typedef struct {
  int64_t user_id;
  const uint8_t *address; /* NULL: none */
  const char *skill;      /* slug, with level; NULL: none */
  int level;              /* 0..100 in skill */
  int reputation;         /* 0..100; -1: none */
  int available;          /* 0 or 1; -1: none */
  int64_t active_at;      /* Unix ms; 0: none (a later time only moves activity forward) */
} matching_update;
/* Sets u's fields (the award engine calls it after a skill level changes, the events worker after
 * a submission changes, the profile route after availability changes). A skill the index does not
 * know is noted and picked up by the next rebuild. Returns 0, PHEME_DATA_INVALID for a value out
 * of range, PHEME_SYS_NOMEM. */
pheme_err matching_apply(matching *m, const matching_update *u) PHEME_MUST_CHECK;
/* Reloads one person from storage (everything matching_update carries). */
pheme_err matching_apply_person(matching *m, store *s, int64_t user_id) PHEME_MUST_CHECK;
/* Puts task t in the index of open tasks when it is OPEN and not assigned, removes it otherwise
 * (called after a task is created, edited or closed). */
pheme_err matching_apply_task(matching *m, const task *t) PHEME_MUST_CHECK;
/* Removes task id from the open tasks (it was assigned or deleted). */
void matching_drop_task(matching *m, int64_t task_id);
/* One call for whoever delivers domain events (migration 0015's rows): reloads the person the
 * event is about when its kind can change what the index holds of them (xp.*, skill*, level*,
 * submission.*, profile.*, reputation.*, badge.*), and the task when subject_type is "task".
 * Other events are ignored (0). Returns what the reload returned; PHEME_DATA_NOT_FOUND for a
 * person or task gone since is not an error (0). */
pheme_err matching_on_event(matching *m, store *s, const char *kind, int64_t user_id,
                            const char *subject_type, int64_t subject_id) PHEME_MUST_CHECK;

/* ---- the fit function (docs/internals/matching.md) ---- */

typedef struct {
  int skill, reputation, activity; /* 0..500, 0..300, 0..200 */
  int total;                       /* their sum, 0..1000 */
} matching_fit;
/* The fit of a person for a task: skill = 5 × the mean of their levels in the task's skills (or 5 ×
 * their level when the task names none), reputation = 3 × reputation, activity = 200 − 2 × whole
 * days since their last activity (0 when never active or 100 days or more ago). */
matching_fit matching_fit_of(const int *levels, int nlevels, int level, int reputation,
                             int64_t active_at, int64_t now);

/* Keyset position in a ranked list: items strictly after (score desc, id asc). Text form
 * "<score>.<id>"; parse returns -1 when it is not one. */
typedef struct {
  int score;
  int64_t id;
} matching_cursor;
int matching_cursor_parse(const char *text, matching_cursor *out) PHEME_MUST_CHECK;
/* Writes the cursor of c into out (32 bytes). */
void matching_cursor_format(const matching_cursor *c, char out[32]);

/* ---- candidates for a task ---- */

typedef struct {
  int64_t user_id;
  uint8_t address[20];
  matching_fit fit;
  int reputation, level;
  int64_t active_at;
  int skill_levels[MATCHING_TASK_SKILLS]; /* the person's level in each of the task's skills */
  int available;
  const char *reasons; /* "solidity 82 ≥ 70; reputation 64 ≥ 50; level 82 ≥ 60; active 3 days ago" */
} matching_candidate;

/* The people who meet every requirement of t, best fit first (ties: lower user id first), after
 * the cursor (NULL: from the best), at most limit (1..MATCHING_PAGE_MAX) into out (the caller's
 * array of limit), reasons written in a. *more says whether more follow. PHEME_DATA_INVALID when
 * t's requirements are not a JSON object. */
pheme_err matching_candidates(matching *m, arena *a, const task *t, int64_t now,
                              const matching_cursor *after, int limit, matching_candidate *out,
                              int *n, int *more) PHEME_MUST_CHECK;

/* ---- recommendations for a person ---- */

typedef struct {
  int64_t task_id;
  int score;       /* 0..1000: 6 × growth + 4 × closeness */
  int growth;      /* 0..100: how near the task's challenge (10 × difficulty) is to the person's level + 10 */
  int closeness;   /* 0..100: how near the task's minimum levels are to the person's levels */
  int person_level;/* the person's level the growth is measured from */
  const char *reasons;
} matching_recommendation;

/* The open tasks user_id qualifies for (not theirs, deadline not passed), favouring growth just
 * above their level; order: score desc, then newer task first (the cursor's id is the task id
 * negated so that "id ascending" stays the rule). Same paging as matching_candidates. */
pheme_err matching_recommend(matching *m, arena *a, int64_t user_id, int64_t now,
                             const matching_cursor *after, int limit, matching_recommendation *out,
                             int *n, int *more) PHEME_MUST_CHECK;

/* ---- assignment ---- */

/* The Hungarian algorithm (shortest augmenting paths with potentials, O(r²·c)) on a rectangular
 * rows × cols matrix of fits (row-major, a value < 0 forbids the pair): the one-to-one assignment
 * of maximum total fit, where a row may stay unassigned (row_to_col[i] = -1). Returns the total
 * fit, or -1 when out of memory. */
int64_t matching_hungarian(int rows, int cols, const int64_t *fit, int *row_to_col);

typedef struct {
  int64_t task_id, user_id;
  int fit;
} matching_pair;

typedef struct {
  int64_t id, creator_id;
  const char *status; /* PROPOSED, CONFIRMED, STALE */
  matching_pair *pairs;
  int npairs;
  int64_t total_fit;
  int applicants, bounties; /* what the proposal was chosen from */
  int64_t created_at, confirmed_at;
} matching_proposal;

/* Proposes the best assignment of the applicants (people with a live submission to one of the
 * creator's open, unassigned bounties) to those bounties: each person to at most one bounty they
 * qualify for (with applied_only, only one they submitted to), each bounty to at most one person,
 * maximum total fit; stored as a PROPOSED proposal for the creator to confirm. who is the creator
 * (an admin may act for creator_id). At most MATCHING_ASSIGN_MAX bounties (the newest) and
 * applicants. */
pheme_err matching_assign_propose(matching *m, store *s, arena *a, const store_actor *sa,
                                  const work_principal *who, int64_t creator_id, int applied_only,
                                  int64_t now,
                                  matching_proposal *out, char *why, size_t n) PHEME_MUST_CHECK;
/* Confirms proposal id: its pairs become task assignments (each assignee gets a task.assigned
 * event), the creator's other proposals become STALE, and the assigned bounties leave the index
 * of open tasks. Refused when it is not the caller's, not PROPOSED, or a bounty has been closed or
 * assigned since. */
pheme_err matching_assign_confirm(matching *m, store *s, arena *a, const store_actor *sa,
                                  const work_principal *who, int64_t id, matching_proposal *out,
                                  char *why, size_t n) PHEME_MUST_CHECK;

#endif
