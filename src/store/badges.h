/* Badges (migration 0018, docs/badges.md): badge types as data, awards made exactly once per
 * person and type with the type's max supply respected under concurrency, their revocation, the
 * facts the badge rules are evaluated against (what the tables of this store know), and the
 * Skill Wallet progress the server has sent to the chain.
 *
 * Chain writes are not made here: the game engine (src/game/issuance.c) encodes the calldata and
 * hands in an outbox_request, which these functions store with outbox_enqueue inside the same
 * transaction as the change (store/outbox.h): the intent commits or rolls back with it.
 *
 * Errors follow store.h. Records are allocated in the caller's arena. */
#ifndef PHEME_STORE_BADGES_H
#define PHEME_STORE_BADGES_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/outbox.h"
#include "store/store.h"

/* ---- badge types ---- */

typedef struct {
  int64_t id;           /* also the ERC-1155 token id on chain */
  const char *slug, *name, *description;
  const char *rarity;   /* COMMON, RARE, EPIC, LEGENDARY */
  int soulbound;        /* 1 soulbound (ERC-5633), 0 tradeable */
  int64_t max_supply;   /* 0 = unlimited */
  int64_t supply;       /* awards not revoked */
  int64_t validity;     /* seconds an award stays valid; 0 = forever (soulbound types only) */
  const char *asset_cid;
  const char *issuance; /* "voucher" (the person claims) or "mint" (the relayer mints) */
  const char *rule;     /* JSON text: docs/badges.md "Rules" (checked by src/game/badges.c) */
  int active;           /* 0: no longer awarded */
  int64_t chain_intent_id; /* createBadgeType on chain, 0 = none */
  int64_t created_at, updated_at;
} badge_type;

/* Creates t (id, supply, times are set). create_intent, when not NULL, is the createBadgeType
 * intent stored in the same transaction (its key must be unique to the type: the id is not known
 * before the insert, so its calldata is made by make_intent once it is). PHEME_DATA_CONFLICT for
 * a slug in use, PHEME_DATA_INVALID for a value the schema refuses. */
typedef pheme_err (*badge_intent_fn)(void *ctx, arena *a, const badge_type *t, outbox_request *out);
pheme_err store_badge_type_create(store *s, arena *a, const store_actor *who, badge_type *t,
                                  badge_intent_fn make_intent, void *ctx) PHEME_MUST_CHECK;
/* Changes the fields people may change after creation: name, description, asset CID, issuance,
 * rule, active (max supply, validity, rarity and soulbound are fixed on chain once created).
 * uri, when not NULL, is the setBadgeUri intent stored with the change (a new asset CID). */
pheme_err store_badge_type_update(store *s, arena *a, const store_actor *who, badge_type *t,
                                  const outbox_request *uri) PHEME_MUST_CHECK;
pheme_err store_badge_type_get(store *s, arena *a, int64_t id, badge_type *out) PHEME_MUST_CHECK;
/* Types by id, newest first (store.h pagination); active_only 1 leaves out inactive ones. */
pheme_err store_badge_types_list(store *s, arena *a, int active_only, const store_page *p,
                                 badge_type **out, int *n) PHEME_MUST_CHECK;
/* The active types user_id has not been awarded (the candidates of an evaluation), all of them. */
pheme_err store_badge_types_unearned(store *s, arena *a, int64_t user_id, badge_type **out, int *n)
    PHEME_MUST_CHECK;

/* ---- awards ---- */

typedef struct {
  int64_t id, user_id, badge_id, submission_id; /* submission_id 0 = none */
  uint8_t address[20];    /* the person's primary address (the recipient on chain) */
  int64_t awarded_at, expires_at; /* expires_at 0 = never */
  const char *nonce;      /* voucher nonce, decimal uint256 */
  int64_t mint_intent_id, revoke_intent_id; /* 0 = none */
  int64_t revoked_at;     /* 0 = not revoked */
  const char *revoke_reason;
  int64_t voucher_issued_at; /* first time a voucher was handed out, 0 = never */
  badge_type type;        /* the award's type */
  /* Read from the chain outbox and the indexer's projections when a chain is given: */
  const char *mint_state;  /* the mint intent's state ("queued" … "confirmed", "failed"), or NULL */
  int claimed;             /* a VoucherRedeemed of the award's nonce was indexed */
  int64_t claimed_block;
} badge_award_rec;

/* What an award asks for. */
typedef struct {
  int64_t user_id, badge_id, submission_id;
  const char *nonce;        /* decimal uint256, unique per contract: random (game/issuance.c) */
  const outbox_request *mint; /* the mint intent for "mint" types, or NULL */
  const char *detail;       /* JSON object for the event (the rule that matched), or NULL */
} badge_award_request;

/* Awards a badge in one transaction: the award row (once per person and type), the type's supply
 * raised within its max supply, the mint intent when given, the "badge.awarded" event and the
 * audit row. Returns 0 with *out, PHEME_DATA_CONFLICT when the person already has (or had) the
 * badge, PHEME_DATA_STATE when the type is inactive or its max supply is reached,
 * PHEME_DATA_NOT_FOUND for an unknown person or type. */
pheme_err store_badge_award(store *s, arena *a, const store_actor *who, const badge_award_request *rq,
                            badge_award_rec *out) PHEME_MUST_CHECK;
/* One award. chain_id, when not 0, fills mint_state and claimed from that chain's outbox and
 * projections (issuer: the voucher signer's address, for the projection's key; NULL = skip). */
pheme_err store_badge_award_get(store *s, arena *a, int64_t id, uint64_t chain_id,
                                const uint8_t *issuer, badge_award_rec *out) PHEME_MUST_CHECK;
/* A person's awards, newest first, paginated; chain_id and issuer as above. */
pheme_err store_badge_awards_of(store *s, arena *a, int64_t user_id, uint64_t chain_id,
                                const uint8_t *issuer, const store_page *p, badge_award_rec **out,
                                int *n) PHEME_MUST_CHECK;
/* Notes that a voucher of the award was handed out (the first time only). */
pheme_err store_badge_voucher_issued(store *s, int64_t award_id) PHEME_MUST_CHECK;
/* Revokes an award: revoked_at and reason set, the type's supply lowered, the revoke intent
 * stored when given, the "badge.revoked" event and the audit row. PHEME_DATA_STATE when it is
 * already revoked; PHEME_DATA_NOT_FOUND when there is no such award. */
pheme_err store_badge_revoke(store *s, const store_actor *who, int64_t award_id, const char *reason,
                             const outbox_request *revoke) PHEME_MUST_CHECK;

/* Revoked awards whose voucher was handed out but which have no revoke intent (their badge may
 * have been claimed after the revocation), oldest first, at most limit, with their chain state as
 * store_badge_award_get fills it. */
pheme_err store_badge_revoked_unsent(store *s, arena *a, uint64_t chain_id, const uint8_t *issuer, int limit,
                                     badge_award_rec **out, int *n) PHEME_MUST_CHECK;
/* Stores the revoke intent of a revoked award that has none yet (0 when it already has one). */
pheme_err store_badge_revoke_intent(store *s, int64_t award_id, const outbox_request *revoke)
    PHEME_MUST_CHECK;

/* What a chain configured after the fact still lacks, for the reconciler (src/game/badges.c):
 * badge types without a createBadgeType intent, and awards of "mint" types, not revoked, without a
 * mint intent; oldest first, at most limit of each. */
pheme_err store_badge_types_unsent(store *s, arena *a, int limit, badge_type **out, int *n) PHEME_MUST_CHECK;
pheme_err store_badge_awards_unminted(store *s, arena *a, int limit, badge_award_rec **out, int *n)
    PHEME_MUST_CHECK;
/* Stores the createBadgeType intent of a type that has none, or the mint intent of an award that
 * has none (nothing when it already has one). */
pheme_err store_badge_type_intent(store *s, int64_t type_id, const outbox_request *rq) PHEME_MUST_CHECK;
pheme_err store_badge_mint_intent(store *s, int64_t award_id, const outbox_request *rq) PHEME_MUST_CHECK;

/* Awards per rarity: held (not revoked) and revoked, for the metrics. rows[i] for the rarities
 * COMMON, RARE, EPIC, LEGENDARY in that order. */
typedef struct {
  int64_t held[4], revoked[4];
} badge_stats;
pheme_err store_badge_stats(store *s, arena *a, badge_stats *out) PHEME_MUST_CHECK;

/* ---- facts for the rules ---- */

/* One skill of a person. */
typedef struct {
  int64_t skill_id;
  const char *slug;
  int64_t xp;
  int level;     /* 0..100 */
  int64_t approved; /* approved submissions to tasks of this skill */
  int first;     /* 1: the first approved submission in this skill (anyone's) is this person's */
} badge_fact_skill;

/* A season rank of a person. */
typedef struct {
  int64_t season_id;
  int64_t rank;  /* 1 = first */
} badge_fact_rank;

/* What the badge rules are evaluated against (src/game/badges.h: badge_rule_eval). The store
 * fills the part its tables hold (store_badge_facts); the parts other engines own (streaks,
 * quests, guilds, season ranks) are filled by the hook src/game/badges.h declares. Every array
 * lives in the arena of whoever filled it. */
typedef struct {
  int64_t user_id;
  int64_t total_xp;            /* user_xp.xp (0 when the person has no row) */
  const char *level;           /* user_xp.level: NOVICE … MASTER */
  int64_t approved;            /* approved submissions (state APPROVED or RESOLVED with an outcome) */
  badge_fact_skill *skills;    /* skills with XP or approved work */
  int nskills;
  int64_t *first_tasks;        /* tasks whose first approved submission is this person's */
  int nfirst_tasks;
  /* filled by the facts hook (src/game/badges.h), 0 / NULL until then */
  int64_t streak;              /* current streak length (in the streak engine's unit) */
  int64_t best_streak;         /* longest streak ever */
  const char **quests;         /* slugs of the quest chains completed */
  int nquests;
  const char **guild_achievements; /* slugs of achievements of the person's guilds */
  int nguild_achievements;
  badge_fact_rank *season_ranks;
  int nseason_ranks;
} badge_facts;

/* Fills the store's part of f for user_id (the hook's part is zeroed). */
pheme_err store_badge_facts(store *s, arena *a, int64_t user_id, badge_facts *f) PHEME_MUST_CHECK;

/* ---- the Skill Wallet on chain ---- */

typedef struct {
  int64_t skill_id;
  const char *slug, *name;
  int64_t xp;
  int level;
  int defined;          /* a defineSkill intent exists on the chain */
  int sent;             /* a progress row exists */
  int64_t sent_xp;
  int sent_level;
} chain_skill_state;

/* What the server knows of a person's Skill Wallet on chain_id. */
typedef struct {
  int64_t user_id;
  uint8_t address[20];  /* primary address */
  int has_wallet_row;   /* a chain_wallets row exists */
  int64_t mint_intent_id;
  const char *mint_state; /* state of the mint intent, or NULL */
  const char *token_id;   /* the indexed Skill Wallet of address (projection), or NULL */
  int64_t xp;             /* stored totals */
  const char *level;
  chain_skill_state *skills; /* skills with XP, by skill id */
  int nskills;
} chain_wallet_state;

pheme_err store_chain_wallet_state(store *s, arena *a, uint64_t chain_id, int64_t user_id,
                                   chain_wallet_state *out) PHEME_MUST_CHECK;

/* One step of the Skill Wallet sync, in one transaction: the mint intent (and the wallet row) when
 * mint is not NULL; a chain_wallets row without intent when wallet_found (minted outside); the
 * defineSkill intents define[0..ndefine) (define_ids: their skill ids); the progress batch when
 * progress is not NULL, recording progress_skills[0..nprogress) as sent; a "wallet.progress"
 * event. Intents already stored under the same key are not stored again. */
typedef struct {
  uint64_t chain_id;
  int64_t user_id;
  const uint8_t *address;
  const outbox_request *mint;
  int wallet_found;
  const outbox_request *define;
  const int64_t *define_ids;
  int ndefine;
  const outbox_request *progress;
  const chain_skill_state *progress_skills;
  int nprogress;
} chain_wallet_step;
pheme_err store_chain_wallet_step(store *s, const chain_wallet_step *st) PHEME_MUST_CHECK;

#endif
