/* The rewards engine (DESIGN §5 "Rewards", docs/rewards.md): turns an approved submission's
 * outcome into XP — ledger rows with every factor, totals, levels, skill levels, a streak, guild
 * XP and achievements, quest progress, events — exactly once, through the job "game.award" that
 * the validation pipeline enqueues with the outcome, and a periodic sweep ("game.sweep") for
 * outcomes no job took.
 *
 * The formula is integer arithmetic (each factor a percentage, each multiplication rounded down),
 * so that docs/rewards.md's worked example can be redone by hand:
 *
 *   base = task_xp × difficulty% × quality% × streak% × guild%   (floor after each ×)
 *   critical = base × (crit% − 100) when keccak256(be64(submission id) ‖ season seed) says so
 *
 * Pure functions (levels, factors, streak steps, critical hits) are declared here for the tests and
 * the API; storage goes through store/game.h. */
#ifndef PHEME_GAME_H
#define PHEME_GAME_H

#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "store/game.h"
#include "store/jobs.h"
#include "store/store.h"

#define GAME_JOB_AWARD "game.award"
#define GAME_JOB_SWEEP "game.sweep"
#define GAME_JOB_BADGES "game.badges"
#define GAME_JOB_CHAIN "game.chain_progress"
#define GAME_DAY_MS 86400000LL

/* Every factor of the formula (config keys game_*; docs/rewards.md lists them). */
typedef struct {
  int difficulty_step_pct;     /* difficulty d gives 100 + (d − 1) × step % */
  int quality_min_pct, quality_max_pct; /* final score s gives min + s × (max − min) / 100 % */
  int streak_step_pct, streak_max_pct;  /* a streak of n days gives min(100 + (n − 1) × step, max) % */
  int streak_grace_days;       /* missed days forgiven in a row … */
  int streak_grace_every_days; /* … at most once in this many days */
  int guild_step_pct, guild_max_pct;    /* guild level L gives min(100 + L × step, max) % */
  int64_t guild_level_xp;      /* guild level L needs guild_level_xp × L² XP */
  int crit_rate_ppm;           /* chance of a critical hit in parts per million */
  int crit_pct;                /* a critical hit makes the award crit% of the base */
  int parent_share_pct, domain_share_pct; /* of each skill's XP, to its parent and its domain */
  int64_t skill_curve_xp;      /* skill level L (0..100) needs skill_curve_xp × L² XP */
  int64_t sweep_interval_ms, sweep_age_ms; /* the sweep's period; outcomes older than age */
} game_rules;

/* The defaults (the config table's). */
void game_rules_default(game_rules *r);
void game_rules_from_config(game_rules *r, const pheme_config *cfg);

/* ---- levels ---- */

/* NOVICE 0–1000, ADVANCED 1001–5000, EXPERT 5001–10000, MASTER above (negative: NOVICE). */
const char *game_level_name(int64_t xp);
/* The same level as people read it: "Novice", "Advanced", "Expert", "Master". */
const char *game_level_title(int64_t xp);
/* XP still needed to reach the next level (0 for MASTER). */
int64_t game_xp_to_next(int64_t xp);
/* The level 0..100 of skill XP: the greatest L with curve × L² ≤ xp. */
int game_skill_level(int64_t xp, int64_t curve_xp);
/* The XP skill level L needs (L clamped to 0..100). */
int64_t game_skill_level_xp(int level, int64_t curve_xp);
/* The guild level of guild XP: the greatest L with level_xp × L² ≤ xp (no cap). */
int game_guild_level(int64_t xp, int64_t level_xp);

/* ---- factors, in percent ---- */

int game_difficulty_pct(const game_rules *r, int difficulty);
int game_quality_pct(const game_rules *r, int final_score);
int game_streak_pct(const game_rules *r, int days);
int game_guild_pct(const game_rules *r, int has_guild, int guild_level);
/* x × pct / 100, rounded down (x ≥ 0). */
int64_t game_apply_pct(int64_t x, int pct);

/* Whether submission_id's award is a critical hit: h = keccak256(be64(submission_id) ‖ seed),
 * roll = (first 8 bytes of h, big-endian) mod 1 000 000, critical when roll < rate_ppm. *roll
 * (may be NULL) gets the roll. */
int game_critical(const uint8_t seed[32], int64_t submission_id, int rate_ppm, int64_t *roll);

/* ---- streaks ---- */

/* The day number of time ms for a person at offset minutes east of UTC (floor division). */
int64_t game_day(int64_t ms, int offset_min);

typedef struct {
  int current, longest;
  int64_t last_day, grace_day; /* 0: never */
} game_streak;

/* The streak after activity on day: the same day changes nothing; the next day adds one; a gap of
 * at most grace_days missed days adds one when no grace was used in the last grace_every_days
 * days (grace_day becomes day); any other gap starts again at 1; a day before last_day changes
 * nothing. Returns 1 when current grew. */
int game_streak_step(const game_rules *r, game_streak *s, int64_t day);
/* When the streak breaks unless there is activity before it: the end (Unix ms) of the last day
 * that still continues it, grace included when it is available. 0 for no streak. */
int64_t game_streak_deadline(const game_rules *r, const game_streak *s, int offset_min);

/* ---- the award ---- */

typedef struct game {
  store *store;
  game_rules rules;
} game;

void game_init(game *g, store *s, const game_rules *rules);

/* What game_decide needs: the rules, and the arena its plan's texts are made in (it must outlive
 * the award: the store writes the plan after the callback returns). */
typedef struct {
  const game_rules *rules;
  arena *a;
} game_decide_ctx;

/* The decide callback of store_game_award (ctx is a game_decide_ctx): plans the award of v. */
pheme_err game_decide(const game_award_view *v, game_award_plan *p, void *ctx);

/* Awards submission_id (its outcome) once; claim may be NULL. After the commit the listeners are
 * told. plan (may be NULL) gets what was written (plan->write 0: it had been awarded already). */
pheme_err game_award(game *g, arena *a, int64_t submission_id, const job_claim *claim, int64_t now_ms,
                     game_award_plan *plan) PHEME_MUST_CHECK;

/* The sweep: reveals ended seasons and awards outcomes older than the rules' sweep age that no
 * job took. *awarded (may be NULL) gets how many were awarded. */
pheme_err game_sweep(game *g, int64_t now_ms, int *awarded) PHEME_MUST_CHECK;

/* Recomputes every total from the ledger (pheme game rebuild). */
pheme_err game_rebuild(game *g, int64_t now_ms, int64_t *people) PHEME_MUST_CHECK;

/* Registers the job kinds game.award and game.sweep (ctx g) and schedules the sweep. Returns 0,
 * or -1 when the table or the schedule is full. g must outlive the pools. */
int game_register(game *g) PHEME_MUST_CHECK;

/* ---- listeners (the in-process leaderboards) ---- */

/* One ledger row that counts to a person's total (and to the skill when skill_id is set). */
typedef struct {
  int64_t user_id, skill_id, guild_id, season_id, amount, at;
} game_xp_row;

/* Adds fn(ctx, rows, n), called after each award commits with the award's counting rows (on the
 * thread that committed it; fn must not block or touch storage). Returns 0, or -1 when the 8
 * places are taken. */
int game_xp_listen(void (*fn)(void *ctx, const game_xp_row *rows, int n), void *ctx);
/* Tells the listeners about a committed plan of person user_id (game_award does it). */
void game_xp_notify(const game_award_plan *p);

/* ---- commands (cli.c) ---- */

#define GAME_CLI_USAGE                                                                           \
  "game rebuild | game award SUBMISSION_ID | game sweep | game totals\n"                          \
  "       pheme game season create SLUG NAME START END | game season list\n"                     \
  "       pheme game season reveal ID [--force]   (START/END: RFC 3339 or Unix ms)"

int game_cli(const pheme_config *cfg, store *s, char **args, int nargs);

#endif
