/* Batched reads for the GraphQL resolvers (src/graphql): one statement answers a field for every
 * parent of one level of a response (the users of N tasks, the submissions of N people, the
 * timeline of N submissions), so a nested query costs one store call per level, not per row.
 * Rows that belong to a parent carry its id in `parent`, newest first within a parent unless
 * said otherwise. Conventions of store.h: results in the caller's arena, pheme_err returned.
 *
 * At most GQLS_IDS_MAX ids per call (a larger set is refused with PHEME_DATA_INVALID: the
 * executor's list limits keep a level below it). */
#ifndef PHEME_STORE_GRAPHQL_BATCH_H
#define PHEME_STORE_GRAPHQL_BATCH_H

#include "store/store.h"
#include "store/validation.h"

#define GQLS_IDS_MAX 2000

/* Users by id: out[i] is the user of ids[i] (id 0 when there is none). */
pheme_err gqls_users_by_ids(store *s, arena *a, const int64_t *ids, int n, user **out) PHEME_MUST_CHECK;
/* Tasks by id, with their skills: out[i] for ids[i] (id 0 when none). */
pheme_err gqls_tasks_by_ids(store *s, arena *a, const int64_t *ids, int n, task **out) PHEME_MUST_CHECK;

/* A filtered, ordered page of tasks (The Graph's where / orderBy / first / skip). Zero values
 * mean "no condition". */
typedef struct {
  const int64_t *id_in;
  int nid_in;
  int64_t id_gt, id_lt;
  const char *type, *status, *skill;
  const char *const *type_in, *const *status_in;
  int ntype_in, nstatus_in;
  const char *not_status;
  int difficulty, difficulty_gt, difficulty_gte, difficulty_lt, difficulty_lte; /* -1: none */
  int64_t xp_gt, xp_gte, xp_lt, xp_lte;                                       /* -1: none */
  const char *title_contains;
  int64_t creator_id, guild_id;
  const char *order_by; /* "id" | "createdAt" | "difficulty" | "xpReward" */
  int desc;
  int first, skip;
} gqls_task_query;
/* Initialises q with no conditions, newest first, first 100. */
void gqls_task_query_init(gqls_task_query *q);
pheme_err gqls_tasks_query(store *s, arena *a, const gqls_task_query *q, task **out, int *n) PHEME_MUST_CHECK;

/* The submissions of each parent (column "user_id" or "task_id"), newest first, at most per_parent
 * each, skipping skip; state (NULL: any) filters. */
typedef struct {
  int64_t parent;
  submission sub;
} gqls_submission;
pheme_err gqls_submissions_by(store *s, arena *a, const char *column, const int64_t *ids, int n, int per_parent,
                              int skip, const char *state, gqls_submission **out, int *nout) PHEME_MUST_CHECK;
/* Submissions by id: out[i] for ids[i] (id 0 when none). */
pheme_err gqls_submissions_by_ids(store *s, arena *a, const int64_t *ids, int n, submission **out) PHEME_MUST_CHECK;

typedef struct {
  int64_t parent;
  skill_level level;
} gqls_skill_level;
/* Skill levels of each user, highest XP first. */
pheme_err gqls_skill_levels_by_users(store *s, arena *a, const int64_t *ids, int n, gqls_skill_level **out,
                                     int *nout) PHEME_MUST_CHECK;

typedef struct {
  int64_t parent;
  guild guild;
  const char *role;
  int64_t joined_at;
} gqls_membership;
/* The guilds of each user (parent = user id), in joining order. */
pheme_err gqls_guilds_by_users(store *s, arena *a, const int64_t *ids, int n, gqls_membership **out, int *nout)
    PHEME_MUST_CHECK;

typedef struct {
  int64_t parent;
  guild_member member;
} gqls_member;
/* The members of each guild, at most per_parent each, in joining order. */
pheme_err gqls_members_by_guilds(store *s, arena *a, const int64_t *ids, int n, int per_parent, gqls_member **out,
                                 int *nout) PHEME_MUST_CHECK;

/* The timeline, assessments and disputes of each submission, oldest first, and its reviews by
 * round then validator (the submission's id is in each row's submission_id). */
pheme_err gqls_events_by_subs(store *s, arena *a, const int64_t *ids, int n, sub_event_row **out, int *nout)
    PHEME_MUST_CHECK;
pheme_err gqls_assessments_by_subs(store *s, arena *a, const int64_t *ids, int n, assessment_row **out, int *nout)
    PHEME_MUST_CHECK;
pheme_err gqls_reviews_by_subs(store *s, arena *a, const int64_t *ids, int n, review_row **out, int *nout)
    PHEME_MUST_CHECK;
pheme_err gqls_disputes_by_subs(store *s, arena *a, const int64_t *ids, int n, dispute_row **out, int *nout)
    PHEME_MUST_CHECK;

/* Validators by user id: out[i] for ids[i] (id 0 when the user is none). */
pheme_err gqls_validators_by_users(store *s, arena *a, const int64_t *ids, int n, validator_row **out)
    PHEME_MUST_CHECK;

/* XP, level and streak of users ids[0..n): one row per user that exists (zeros and NOVICE for a
 * person with no XP yet). */
typedef struct {
  int64_t parent; /* user id */
  int64_t xp;
  const char *level;
  int streak_current, streak_longest;
  int64_t streak_last_day;
} gqls_progress;
pheme_err gqls_progress_by_users(store *s, arena *a, const int64_t *ids, int n, gqls_progress **out, int *nout)
    PHEME_MUST_CHECK;

/* Badges held (not revoked) by users ids[0..n), by user then award time. */
typedef struct {
  int64_t parent; /* user id */
  badge_award badge;
} gqls_badge;
pheme_err gqls_badges_by_users(store *s, arena *a, const int64_t *ids, int n, gqls_badge **out, int *nout)
    PHEME_MUST_CHECK;

#endif
