/* Badges (docs/badges.md): rules as data, evaluated against a person's facts after every ledger
 * change, awards made exactly once, and the job kinds that drive them and the Skill Wallet
 * progress on chain.
 *
 * A rule is a JSON object with a "kind" and the fields of that kind (no other keys; duplicate
 * keys refused; at most BADGE_RULE_MAX bytes):
 *
 *   {"kind":"xp", "min":N [, "skill":"slug"]}        XP ≥ N, in the skill or in total
 *   {"kind":"approved", "min":N [, "skill":"slug"]}  approved submissions ≥ N
 *   {"kind":"streak", "min":N}                       current (or best) streak ≥ N
 *   {"kind":"first", "skill":"slug"} | {"kind":"first", "task":ID}
 *                                                     the first approved submission ever in the
 *                                                     skill (or to the task) is the person's
 *   {"kind":"quest", "quest":"slug"} | {"kind":"quest", "min":N}
 *                                                     the quest chain completed / N completed
 *   {"kind":"guild", "achievement":"slug"}           a guild of the person has the achievement
 *   {"kind":"season_rank", "max_rank":R [, "season":ID]}
 *                                                     rank 1..R in the season (any season)
 *
 * N, R and ID are integers 1..10^12. */
#ifndef PHEME_GAME_BADGES_H
#define PHEME_GAME_BADGES_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/metrics.h"
#include "game/issuance.h"
#include "store/badges.h"
#include "store/store.h"

#define BADGE_RULE_MAX 1024   /* bytes of a rule's JSON text */
#define BADGE_SLUG_MAX 64
#define BADGE_RULE_NUM_MAX 1000000000000LL

typedef enum {
  BADGE_RULE_XP,
  BADGE_RULE_APPROVED,
  BADGE_RULE_STREAK,
  BADGE_RULE_FIRST,
  BADGE_RULE_QUEST,
  BADGE_RULE_GUILD,
  BADGE_RULE_SEASON_RANK,
} badge_rule_kind;

typedef struct {
  badge_rule_kind kind;
  char slug[BADGE_SLUG_MAX + 1]; /* skill, quest or achievement; "" when not given */
  int64_t min;                    /* xp, approved, streak, quest (count) */
  int64_t task_id;                /* first: 0 unless a task */
  int64_t season_id;              /* season_rank: 0 = any season */
  int64_t max_rank;               /* season_rank */
} badge_rule;

/* The rule kind's name ("xp", …). */
const char *badge_rule_kind_name(badge_rule_kind k);

/* Parses a rule's JSON text (n bytes). Returns 0, or PHEME_DATA_INVALID with err (errlen bytes)
 * saying what is wrong, quoting the key or value. */
pheme_err badge_rule_parse(badge_rule *r, const char *text, size_t n, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* Writes the rule back as canonical JSON text (in a). */
char *badge_rule_format(arena *a, const badge_rule *r);

/* 1 when the facts satisfy the rule, else 0. Pure: no storage, no clock. */
int badge_rule_eval(const badge_rule *r, const badge_facts *f);

/* ---- facts other engines own ---- */

/* The hook that fills the parts of badge_facts the store's tables do not hold: streak and
 * best_streak (src/game/streaks.c), quests (quests.c), guild_achievements (guilds.c) and
 * season_ranks (seasons.c / rank.c). It is called after store_badge_facts with the same arena
 * (arrays it sets must live there) and returns 0 or an error, which fails the evaluation (the
 * job retries). The lead wires one function at start-up that calls each engine in turn; with
 * none set those facts stay 0 / empty and rules of those kinds never match. Not thread-safe to
 * change while jobs run: set it before the pool starts. */
typedef pheme_err (*badge_facts_hook_fn)(void *ctx, store *s, arena *a, int64_t user_id,
                                         badge_facts *f);
void badge_facts_hook_set(badge_facts_hook_fn fn, void *ctx);
/* store_badge_facts, then the hook. */
pheme_err badge_facts_load(store *s, arena *a, int64_t user_id, badge_facts *f) PHEME_MUST_CHECK;

/* ---- the engine ---- */

typedef struct badges_engine {
  store *s;
  const issuance *iss; /* chain settings; iss->chain_on 0 = awards stay off chain */
} badges_engine;

/* Evaluates every active badge type user_id has not earned and awards those whose rule matches
 * (each in its own transaction; a type whose rule does not parse is skipped and logged). "mint"
 * types get their mint intent in the award's transaction when a chain is on. *awarded (may be
 * NULL) gets the number of new awards. A concurrent award of the same badge, or a type whose max
 * supply is reached, is not an error. */
pheme_err badges_evaluate(const badges_engine *g, arena *a, int64_t user_id, int64_t submission_id,
                          int *awarded) PHEME_MUST_CHECK;

/* Creates a badge type after checking it (rarity, issuance, rule, validity only for soulbound
 * types, slug); with a chain on, its createBadgeType intent is stored with it. Returns 0, or
 * PHEME_DATA_INVALID with err saying which field. */
pheme_err badges_type_create(const badges_engine *g, arena *a, const store_actor *who, badge_type *t,
                             char *err, size_t errlen) PHEME_MUST_CHECK;
/* Checks the changeable fields (as above) and stores them. */
pheme_err badges_type_update(const badges_engine *g, arena *a, const store_actor *who, badge_type *t,
                             char *err, size_t errlen) PHEME_MUST_CHECK;

/* Revokes an award; on chain too when the badge is there or may be (minted by the relayer, a
 * voucher claimed or handed out): the revoke intent is stored with the revocation. */
pheme_err badges_revoke(const badges_engine *g, arena *a, const store_actor *who, int64_t award_id,
                        const char *reason) PHEME_MUST_CHECK;

/* Brings the chain in line with the database, run periodically by the job "game.badges.reconcile":
 *  - revokes on chain what was claimed after its revocation (a voucher handed out before an admin
 *    revoked the award stays valid on chain until its deadline; once the indexer shows it
 *    redeemed, the revoke intent is stored);
 *  - sends what was made while no chain was configured: createBadgeType of types without an
 *    intent, and mint of "mint" awards without one.
 * At most 100 of each per call; *sent (may be NULL) gets how many intents were stored. */
pheme_err badges_reconcile(const badges_engine *g, arena *a, int *sent) PHEME_MUST_CHECK;

/* The voucher of award_id for its holder user_id (PHEME_AUTH_NOT_OWNER for another person's,
 * PHEME_DATA_STATE for a revoked, expired or "mint" award or without chain and issuer). New
 * reference in *out (issuance_voucher's object plus "awardId"). */
pheme_err badges_voucher(const badges_engine *g, arena *a, int64_t user_id, int64_t award_id,
                         int64_t now_s, json_t **out) PHEME_MUST_CHECK;

/* One step of the Skill Wallet sync of user_id: mints the wallet if the person has none (on the
 * first approval), defines skills not yet on chain, and once the wallet is indexed sends one
 * recordProgress batch of the skills whose XP or level changed. *waiting is set to 1 when the
 * progress could not be sent yet (the wallet's mint is not indexed): the job retries. */
pheme_err badges_chain_progress(const badges_engine *g, arena *a, int64_t user_id, int *waiting)
    PHEME_MUST_CHECK;

/* The metrics collector (core/metrics.h; ctx is the store): pheme_badge_awards{rarity, state}. */
void badges_metrics_collect(metrics_writer *w, void *store);

/* ---- jobs ---- */

#define BADGES_JOB_EVALUATE "game.badges"        /* {"user_id": N, "submission_id": N}, or the awards of
                                                    * a group commit: {"user_ids": […], "submission_ids": […]} */
#define BADGES_JOB_PROGRESS "game.chain_progress" /* {"user_id": N} */
#define BADGES_JOB_RECONCILE "game.badges.reconcile" /* {}: every BADGES_RECONCILE_MS with a chain */
#define BADGES_RECONCILE_MS 60000

/* Registers the kinds with g as their context (g must outlive the pools). "game.badges" awards
 * and then enqueues "game.chain_progress" for the person; "game.chain_progress" retries with
 * backoff while the wallet's mint is not indexed yet; with a chain, "game.badges.reconcile" is
 * scheduled every BADGES_RECONCILE_MS. Returns 0, or -1 when a table is full. */
int game_badges_register_jobs(badges_engine *g) PHEME_MUST_CHECK;

#endif
