/* Storage of the rewards engine (migrations 0016 and 0017; docs/rewards.md): the XP ledger and the
 * totals derived from it (user_xp, skill_levels, domain_xp, guild_xp, guild_member_xp), streaks,
 * guild achievements, quest chains, seasons and their seeds.
 *
 * An award is one write transaction, shaped like store_submission_step: the store reads the
 * approved outcome and everything the formula needs (game_award_view: the task, its skills, the
 * person's streak, guild and totals, the season, the quest step), locking on PostgreSQL the rows
 * it will rewrite; the engine's decide callback (src/game) fills a game_award_plan; the store
 * writes the plan — ledger rows, absolute totals, streak, quest progress, guild achievements,
 * events, the follow-up jobs, outcomes.consumed_at — and, for a job handler, completes the job
 * under its claim (jobs_complete_in). The store decides nothing: an outcome already consumed is
 * reported to the callback (view.consumed) and the unique index xp_ledger_once refuses a second
 * set of rows, so a submission is paid once however often its job runs.
 *
 * Which ledger rows count where (docs/rewards.md "Totals"):
 *   the person's total (user_xp) and the guild's: reasons task, critical, quest, streak,
 *     adjustment (GAME_REASON_COUNTS_TO_TOTAL);
 *   a skill's XP (skill_levels): rows with that skill_id of reasons task and parent_share;
 *   a domain's XP (domain_xp): domain_share rows, the domain named in rule as "domain:<name>".
 *
 * Records live in the caller's arena. Times are Unix milliseconds. */
#ifndef PHEME_STORE_GAME_H
#define PHEME_STORE_GAME_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/jobs.h"
#include "store/store.h"

#define GAME_MAX_SKILLS 20   /* skills of one task (the API allows 20) */
#define GAME_MAX_ROWS 64     /* ledger rows of one award */
#define GAME_MAX_EVENTS 32   /* events of one award */
#define GAME_SEED_BYTES 32

/* The SQL condition "reason counts to the person's and the guild's total". */
#define GAME_REASON_COUNTS_TO_TOTAL "reason IN ('task', 'critical', 'quest', 'streak', 'adjustment')"

/* One of the task's skills with what the award needs of it. */
typedef struct {
  int64_t id, parent_id; /* parent_id 0: none */
  const char *slug, *domain;
  int64_t xp;            /* the person's XP in it before the award */
  int level;
  int64_t parent_xp;     /* the person's XP in the parent before the award (0 when none) */
  int parent_level;
  int64_t domain_xp;     /* the person's XP in the domain before the award */
} game_skill_in;

typedef struct {
  /* the outcome */
  int64_t submission_id, user_id, task_id;
  int final_score;
  int64_t approved_at;  /* outcomes.created_at */
  int consumed;         /* already awarded: the callback should plan nothing */
  /* the task */
  int64_t task_xp;
  int difficulty;
  int64_t task_guild_id;
  game_skill_in skills[GAME_MAX_SKILLS];
  int nskills;
  /* the person */
  int utc_offset_min;
  int64_t total_xp;
  const char *level;
  int streak_current, streak_longest;
  int64_t streak_last_day, streak_grace_day;
  /* the guild credited (0: none): the task's guild when the person is a member, else the
   * person's oldest membership */
  int64_t guild_id;
  const char *guild_slug;
  int64_t guild_xp;
  int guild_level;
  /* the season whose time holds approved_at (0: none) and its secret seed */
  int64_t season_id;
  uint8_t seed[GAME_SEED_BYTES];
  int has_seed;
  /* the quest step this task is (quest_id 0: none) and the person's progress in that quest */
  int64_t quest_id;
  const char *quest_slug;
  int quest_position, quest_steps, quest_steps_done, quest_completed;
  int64_t quest_xp;
} game_award_view;

typedef struct {
  int64_t skill_id;  /* 0: none */
  int64_t amount;
  const char *reason; /* task, critical, quest, parent_share, domain_share, … */
  const char *rule;   /* "" or "domain:technical", "quest:slug" */
  const char *detail; /* JSON object */
  int counts;         /* counts to the person's and guild's total (set by the store) */
} game_row;

typedef struct {
  int64_t skill_id;
  int64_t xp;
  int level;
} game_skill_total;

typedef struct {
  const char *domain;
  int64_t xp;
} game_domain_total;

typedef struct {
  const char *kind; /* "xp.awarded", "level.up", … */
  int is_public;
  const char *subject_type;
  int64_t subject_id;
  const char *data; /* JSON object */
} game_event;

/* What an award writes; the callback fills it. game_award_plan_init zeroes every field but the
 * elements of the arrays rows, skills, domains and events (an element is read only below its
 * count, which follows its array: keep that layout). */
typedef struct {
  game_row rows[GAME_MAX_ROWS];
  int nrows;
  /* new absolute totals (written only when set) */
  int64_t total_xp;
  const char *level;
  game_skill_total skills[GAME_MAX_SKILLS * 2];
  int nskills;
  game_domain_total domains[GAME_MAX_SKILLS];
  int ndomains;
  int64_t guild_xp, guild_member_delta;
  int guild_level;
  const char *const *guild_achievements; /* slugs newly reached (inserted once each) */
  int nguild_achievements;
  int streak_current, streak_longest;
  int64_t streak_last_day, streak_grace_day;
  int quest_steps_done;
  int quest_completed;
  game_event events[GAME_MAX_EVENTS];
  int nevents;
  int enqueue_followups; /* game.badges and reputation.update */
  int write;             /* 0: nothing to write (consumed already) */
  /* copied from the view by the callback, for the listeners */
  int64_t user_id, guild_id, season_id, at;
} game_award_plan;

void game_award_plan_init(game_award_plan *p);

/* Decides the award on v (read inside the transaction) and fills p. An error is returned as is,
 * with nothing written. */
typedef pheme_err (*game_decide_fn)(const game_award_view *v, game_award_plan *p, void *ctx);

/* Awards the outcome of submission_id (see the header comment) through the store's group
 * committer (store/batch.h), waiting for its commit: awards made at one time on several threads
 * share a transaction. claim (may be NULL) is the job being run; PHEME_DATA_STATE when it no
 * longer holds. PHEME_DATA_NOT_FOUND when the submission has no outcome. *plan (may be NULL) gets
 * what was written. Not to be called on the committer's thread (from a store_job). */
pheme_err store_game_award(store *s, arena *a, int64_t submission_id, const job_claim *claim,
                           int64_t now_ms, game_decide_fn fn, void *ctx, game_award_plan *plan)
    PHEME_MUST_CHECK;

/* The same as a job for the group committer (store/batch.h): fill the fields, set j.done, then
 * store_job_submit(s, &aw->j). aw->j.err is the outcome. */
typedef struct {
  store_job j; /* first: the committer's handle */
  int64_t submission_id, now_ms;
  const job_claim *claim;
  game_decide_fn fn;
  void *ctx;
  game_award_plan plan; /* what was written */
} game_award_job;
void game_award_job_init(game_award_job *aw, arena *a, int64_t submission_id, int64_t now_ms,
                         game_decide_fn fn, void *ctx);

/* Submissions whose outcome is not consumed and older than before_ms, oldest first, at most
 * limit (the sweep). */
pheme_err store_game_unconsumed(store *s, arena *a, int64_t before_ms, int limit, int64_t **ids,
                                int *n) PHEME_MUST_CHECK;

/* ---- rebuilding ---- */

/* The level rules the rebuild applies to the sums (the engine's functions). */
typedef struct {
  const char *(*user_level)(int64_t xp);
  int (*skill_level)(int64_t xp, void *ctx);
  int (*guild_level)(int64_t xp, void *ctx);
  void *ctx;
} game_levels;

/* Recomputes every total (user_xp, skill_levels xp and level, domain_xp, guild_xp,
 * guild_member_xp) from the ledger in one transaction. *people gets the number of people. */
pheme_err store_game_rebuild(store *s, const game_levels *lv, int64_t now_ms, int64_t *people)
    PHEME_MUST_CHECK;

/* A digest of every total (for comparing incremental totals with rebuilt ones): a text listing
 * each table's rows in a fixed order, in a. */
pheme_err store_game_totals_text(store *s, arena *a, const char **out) PHEME_MUST_CHECK;

/* ---- reading ---- */

typedef struct {
  int64_t user_id, xp;
  const char *level;
  int utc_offset_min;
  int streak_current, streak_longest;
  int64_t streak_last_day, streak_grace_day;
  skill_level *skills;
  int nskills;
  game_domain_total *domains;
  int ndomains;
  struct game_guild_share {
    int64_t guild_id;
    const char *slug, *name;
    int64_t guild_xp, contributed;
    int guild_level;
  } *guilds;
  int nguilds;
} game_progress;

/* A person's totals, skills, domains, streak and guild contributions. Zeros for a person who has
 * none yet; PHEME_DATA_NOT_FOUND when there is no such person. */
pheme_err store_game_progress(store *s, arena *a, int64_t user_id, game_progress *out)
    PHEME_MUST_CHECK;

/* A person's total XP (0 when they have none yet): one read, for views that show only that. */
pheme_err store_game_user_xp(store *s, int64_t user_id, int64_t *xp) PHEME_MUST_CHECK;

/* Sets a person's UTC offset in minutes (-720..840). */
pheme_err store_game_set_offset(store *s, const store_actor *who, int64_t user_id, int offset_min)
    PHEME_MUST_CHECK;

/* Ledger rows of a person, newest first (id < before when before > 0), at most limit. */
typedef struct {
  int64_t id, user_id, skill_id, guild_id, season_id, amount, submission_id, at;
  const char *reason, *rule, *detail;
} game_ledger_row;
pheme_err store_game_ledger(store *s, arena *a, int64_t user_id, int64_t before, int limit,
                            game_ledger_row **out, int *n) PHEME_MUST_CHECK;

/* ---- seasons ---- */

typedef struct {
  int64_t id;
  const char *slug, *name;
  int64_t starts_at, ends_at;
  uint8_t seed_hash[32];
  uint8_t seed[32];
  int revealed;
  int64_t created_at;
} game_season;

/* Creates a season with seed (kept secret) and its hash (published). PHEME_DATA_CONFLICT for a
 * slug in use or a time overlapping another season; PHEME_DATA_INVALID for ends <= starts. */
pheme_err store_season_create(store *s, arena *a, const store_actor *who, game_season *io,
                              const uint8_t seed[32]) PHEME_MUST_CHECK;
/* Seasons, newest start first (at most 1000). */
pheme_err store_seasons_list(store *s, arena *a, game_season **out, int *n) PHEME_MUST_CHECK;
pheme_err store_season_get(store *s, arena *a, int64_t id, game_season *out) PHEME_MUST_CHECK;
/* Reveals the seed of season id (copies it to seasons.seed, writes a season.revealed event).
 * force 0 refuses (PHEME_DATA_STATE) a season that has not ended at now_ms; an already revealed
 * season is PHEME_DATA_STATE too. */
pheme_err store_season_reveal(store *s, const store_actor *who, int64_t id, int force,
                              int64_t now_ms) PHEME_MUST_CHECK;
/* Reveals every season ended before now_ms; *n gets how many. */
pheme_err store_seasons_reveal_ended(store *s, int64_t now_ms, int *n) PHEME_MUST_CHECK;

/* ---- quests ---- */

typedef struct {
  int position;
  int64_t task_id;
  const char *task_title;
} game_quest_step;

typedef struct {
  int64_t id;
  const char *slug, *name, *description;
  int64_t xp_reward, created_at;
  game_quest_step *steps;
  int nsteps;
  const char **requires; /* slugs of the prerequisite quests */
  int nrequires;
  /* the reader's progress (when asked for a person) */
  int steps_done;
  int64_t completed_at; /* 0: not completed */
} game_quest;

/* Creates a quest with its steps (task ids in order) and prerequisites (quest slugs).
 * PHEME_DATA_CONFLICT for a slug in use or a task that is already a step of a quest;
 * PHEME_DATA_NOT_FOUND for a task or prerequisite that does not exist. */
pheme_err store_quest_create(store *s, arena *a, const store_actor *who, game_quest *io)
    PHEME_MUST_CHECK;
/* Quests by id (at most 1000), with the progress of user_id (0: none). */
pheme_err store_quests_list(store *s, arena *a, int64_t user_id, game_quest **out, int *n)
    PHEME_MUST_CHECK;
pheme_err store_quest_get(store *s, arena *a, int64_t id, int64_t user_id, game_quest *out)
    PHEME_MUST_CHECK;
/* Quests user_id has started and not completed. */
pheme_err store_quests_in_progress(store *s, arena *a, int64_t user_id, game_quest **out, int *n)
    PHEME_MUST_CHECK;

/* Slugs of the achievements of every guild user_id belongs to (in a). */
pheme_err store_game_guild_achievements(store *s, arena *a, int64_t user_id, const char ***slugs, int *n)
    PHEME_MUST_CHECK;

/* Whether task_id is locked for user_id: it is step k of a quest and the person has not had
 * steps 1..k-1 approved, or a prerequisite quest is not completed. *locked 0 or 1; when 1, why
 * (cap n) says which step or quest is missing. */
pheme_err store_quest_task_locked(store *s, int64_t user_id, int64_t task_id, int *locked,
                                  char *why, size_t n) PHEME_MUST_CHECK;

#endif
