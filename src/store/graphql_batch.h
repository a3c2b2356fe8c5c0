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

#include <stddef.h>

#include "store/store.h"
#include "store/validation.h"

#define GQLS_IDS_MAX 2000

/* Users by id: out[i] is the user of ids[i] (id 0 when there is none). */
pheme_err gqls_users_by_ids(store *s, arena *a, const int64_t *ids, int n, user **out) PHEME_MUST_CHECK;
/* Tasks by id: out[i] for ids[i] (id 0 when none). Their skills are not read (skills NULL): a
 * grouped read (GQLS_TASK_SKILLS) gives them when they are asked. */
pheme_err gqls_tasks_by_ids(store *s, arena *a, const int64_t *ids, int n, task **out) PHEME_MUST_CHECK;
/* The same without the long or joined columns: description, requirements and validation are NULL,
 * creator_address zero (for a query that asks for none of them). */
pheme_err gqls_tasks_brief_by_ids(store *s, arena *a, const int64_t *ids, int n, task **out) PHEME_MUST_CHECK;

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
 * each, skipping skip; state (NULL: any) filters. brief: without the author's address, text,
 * evidence and feedback (NULL), for a query that asks for none of them. */
typedef struct {
  int64_t parent;
  submission sub;
} gqls_submission;
pheme_err gqls_submissions_by(store *s, arena *a, const char *column, const int64_t *ids, int n, int per_parent,
                              int skip, const char *state, int brief, gqls_submission **out,
                              int *nout) PHEME_MUST_CHECK;
/* Submissions by id: out[i] for ids[i] (id 0 when none). */
pheme_err gqls_submissions_by_ids(store *s, arena *a, const int64_t *ids, int n, submission **out) PHEME_MUST_CHECK;

typedef struct {
  int64_t parent;
  guild_member member;
} gqls_member;
/* The members of each guild, at most per_parent each, in joining order. */
pheme_err gqls_members_by_guilds(store *s, arena *a, const int64_t *ids, int n, int per_parent, gqls_member **out,
                                 int *nout) PHEME_MUST_CHECK;

/* Validators by user id: out[i] for ids[i] (id 0 when the user is none). */
pheme_err gqls_validators_by_users(store *s, arena *a, const int64_t *ids, int n, validator_row **out)
    PHEME_MUST_CHECK;

/* ---- rows grouped by their parent: one generic read, described by a table ---- */

typedef struct {
  int64_t parent; /* user id */
  skill_level level;
} gqls_skill_level; /* skill levels, highest XP first */

typedef struct {
  int64_t parent;
  guild guild;
  const char *role;
  int64_t joined_at;
} gqls_membership; /* the guilds of a user, in joining order */

/* XP, level and streak: one row per user that exists (zeros and NOVICE for a person with no XP
 * yet). */
typedef struct {
  int64_t parent; /* user id */
  int64_t xp;
  const char *level;
  int streak_current, streak_longest;
  int64_t streak_last_day;
} gqls_progress;

/* Badges held (not revoked), by user then award time. */
typedef struct {
  int64_t parent; /* user id */
  badge_award badge;
} gqls_badge;

typedef struct {
  int64_t parent; /* task id */
  task_skill skill;
} gqls_task_skill; /* the skills a task asks for, by slug */

/* What a grouped read reads: the parents are users (the first four), a task, or submissions (the
 * rest).
 * Submissions' rows are sub_event_row (timeline, oldest first), assessment_row (oldest first),
 * review_row (by round, then validator), dispute_row (oldest first); each carries its submission's
 * id in submission_id. */
typedef enum {
  GQLS_SKILL_LEVELS, /* gqls_skill_level */
  GQLS_GUILDS,       /* gqls_membership */
  GQLS_PROGRESS,     /* gqls_progress */
  GQLS_BADGES,       /* gqls_badge */
  GQLS_TASK_SKILLS,  /* gqls_task_skill */
  GQLS_TIMELINE,
  GQLS_ASSESSMENTS,
  GQLS_REVIEWS,
  GQLS_REVIEWS_BRIEF, /* review_row without validator_address, criteria, feedback, signature, signer */
  GQLS_DISPUTES,
  GQLS_ROWS__COUNT
} gqls_rows_kind;

/* The layout of a grouped read's rows: size of one, offset of the parent's id (int64_t) in it,
 * and offset of the object a list item is (0: the row itself). */
typedef struct {
  size_t size, parent, obj;
} gqls_rows_shape;

/* The rows of kind for the parents ids[0..n), in one statement: *rows is an array of *nrows rows
 * of shape->size bytes, grouped by parent, in a. */
pheme_err gqls_rows_by_parents(store *s, arena *a, gqls_rows_kind kind, const int64_t *ids, int n, void **rows,
                               int *nrows, gqls_rows_shape *shape) PHEME_MUST_CHECK;

#endif
