/* PHEME's storage interface. Everything above it (API handlers, engines) reads and writes
 * records only through these functions, never through SQL, so each can be tested without a
 * server (DESIGN §2). Below it, store.c and one file per aggregate speak SQL to a db_driver
 * (SQLite or PostgreSQL).
 *
 * Conventions:
 *  - Every function returns a pheme_err: 0, PHEME_DATA_NOT_FOUND, PHEME_DATA_CONFLICT,
 *    PHEME_DATA_INVALID, PHEME_SYS_STORAGE (details via store_errmsg in the log only).
 *  - Records returned are allocated in the caller's arena; nothing is freed by the caller.
 *  - Every write runs in one transaction together with its audit_log row (actor and request id
 *    from store_actor), so a write is all there or not at all.
 *  - Lists are keyset-paginated by id, newest first: pass the last id seen as `before`. */
#ifndef PHEME_STORE_H
#define PHEME_STORE_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/metrics.h"

typedef struct store store;

/* Domain types (roles, task status, submission state) and the rules about them live in src/work/
 * (work/roles.h, work/states.h); the store keeps their codes and wire names as given and decides
 * nothing about them. */

/* The roles bitmask a new person gets: the users.roles column default (migration 0001), which is
 * the user role of work/roles.h (checked there at compile time). */
#define STORE_NEW_USER_ROLES 1u

typedef struct {
  int64_t user_id;        /* 0 for the system (CLI, migrations) */
  const char *request_id; /* "" outside a request */
} store_actor;

typedef struct {
  int64_t before; /* 0 = from the newest */
  int limit;      /* 1..page_limit_max */
} store_page;

typedef struct {
  int64_t id;
  uint8_t address[20];
  const char *display_name, *bio;
  unsigned roles;
  int64_t created_at, updated_at;
} user;

typedef struct {
  int64_t id;
  const char *slug, *name, *domain, *description;
  const char *parent; /* parent slug or NULL */
} skill;

typedef struct {
  const char *slug;
  int min_level;
} task_skill;

typedef struct {
  int64_t id;
  const char *type, *title, *description, *status;
  int difficulty;
  int64_t xp_reward;
  const char *token_reward; /* decimal wei */
  int64_t creator_id;
  uint8_t creator_address[20];
  int64_t guild_id;  /* 0 = none */
  int64_t deadline;  /* 0 = none; Unix ms */
  const char *requirements, *validation; /* JSON documents, normalized by work/tasks.c */
  task_skill *skills;
  int nskills;
  int64_t created_at, updated_at;
} task;

typedef struct {
  const char *type, *status, *skill; /* NULL = any */
  int difficulty_min, difficulty_max; /* 0 = any */
  int64_t creator_id; /* 0 = any */
} task_filter;

typedef struct {
  int64_t id, task_id, user_id;
  uint8_t user_address[20];
  const char *text, *evidence, *state, *feedback;
  int final_score; /* -1 = none yet */
  int64_t created_at, updated_at;
} submission;

typedef struct {
  int64_t id;
  const char *slug, *name, *type, *description;
  int64_t owner_id;
  int64_t member_count;
  int64_t created_at;
} guild;

typedef struct {
  int64_t user_id;
  uint8_t address[20];
  const char *display_name, *role;
  int64_t joined_at;
} guild_member;

typedef struct {
  int64_t id, user_id;
  uint8_t address[20];
  const char *prefix, *role, *label;
  int64_t created_at, revoked_at; /* revoked_at 0 = active */
} api_key;

typedef struct {
  const char *slug, *name, *domain;
  int64_t xp;
  int level;
  int64_t last_validated;
} skill_level;

typedef struct {
  int64_t id;
  const char *slug, *name, *rarity;
  int soulbound;
  int64_t awarded_at;
} badge_award;

typedef struct {
  const char *slug, *name, *type, *role;
} guild_ref;

typedef struct {
  user profile;
  int64_t xp; /* total XP: the XP ledger's sum (user_xp), not the sum of the skill rows */
  skill_level *skills;
  int nskills;
  badge_award *badges;
  int nbadges;
  guild_ref *guilds;
  int nguilds;
} wallet_view;

typedef struct {
  const char *db_driver;
  int schema_known, schema_applied;
  int pool_size, pool_in_use, pool_waiting;
  uint64_t pool_acquired, pool_timeouts;
} store_stats;

typedef struct {
  int pool_size;
  int busy_timeout_ms;
  int synchronous_full;
  const char *replica;
  int group_commit_wait_us; /* see store/batch.h */
  int wal_autocheckpoint;   /* SQLite: WAL pages that trigger a checkpoint; 0 = SQLite's default */
  int statement_timeout_ms; /* PostgreSQL: a statement running longer is cancelled (SYS002); 0 = none */
  int replica_max_lag_ms;   /* PostgreSQL with a replica: the staleness bound of replica reads */
  int replica_pool_size;    /* PostgreSQL: connections to the replica; 0 = pool_size */
  int connect_timeout_s;    /* PostgreSQL: seconds per connection attempt, reconnects too; 0 = 5 */
} store_options;

/* --- lifecycle --- */
pheme_err store_open(store **out, const char *url, const store_options *opt, char *err, size_t errlen)
    PHEME_MUST_CHECK;
void store_free(store *s);
pheme_err store_migrate(store *s, int *applied, char *err, size_t errlen) PHEME_MUST_CHECK;
/* The read replica (database_replica): -2 none configured, -1 not checked yet, 0 down (reads go
 * to the primary until it answers again), 1 up; *usable: reads may go to it now. */
int store_replica_state(store *s, int *usable);
/* 0 when storage answers and every known migration is applied; -1 with why otherwise. */
pheme_err store_ready(store *s, char *why, size_t n);
void store_stats_get(store *s, store_stats *out);
/* The store's collector for the metrics registry (ctx is the store): the connection pool and the
 * group committer. */
void store_metrics_collect(metrics_writer *w, void *store);
const char *store_driver_name(store *s);
/* A number that changes after every write this process commits (for caches of answers). */
uint64_t store_generation(store *s);
/* fn(ctx) is called on the committing thread after every write this process commits (when the
 * generation moves on), after the connection is given back; it must be quick (it tells the other
 * nodes: core/redis_bus.h). One listener per store; fn NULL removes it. */
void store_writes_listen(store *s, void (*fn)(void *ctx), void *ctx);
/* With a read replica: shares the read-your-writes pins with the other nodes through redis
 * (docs/operations.md "Read replicas"); NULL stops sharing. A no-op without a replica. */
struct redis_client;
void store_replica_share(store *s, struct redis_client *redis);

/* One snapshot for a run of reads (a GraphQL query: every level reads the same state, as The
 * Graph answers from one block): from store_read_pin until store_read_unpin, this thread's reads
 * of s (sx_read and every store_* read) share one read connection and, on SQLite, one read
 * transaction, instead of taking a connection and a transaction each. Writes are not affected
 * (they take their own connection, and the pinned snapshot does not see them: pin only around
 * reads). Pins nest (only the outermost takes and gives back the connection). Returns 0, or
 * PHEME_SYS_STORAGE (then nothing is pinned and reads go on as usual; unpin anyway). */
pheme_err store_read_pin(store *s);
void store_read_unpin(store *s);

/* --- users and wallets --- */
pheme_err store_user_get(store *s, arena *a, int64_t id, user *out) PHEME_MUST_CHECK;
pheme_err store_user_by_address(store *s, arena *a, const uint8_t address[20], user *out)
    PHEME_MUST_CHECK;
/* Finds the user owning address (as primary or linked wallet), or creates one with it as primary
 * address. *created tells which. */
pheme_err store_user_ensure(store *s, arena *a, const store_actor *who, const uint8_t address[20],
                            user *out, int *created) PHEME_MUST_CHECK;
pheme_err store_user_update_profile(store *s, arena *a, const store_actor *who, int64_t id,
                                    const char *display_name, const char *bio, user *out)
    PHEME_MUST_CHECK;
/* People newest first, keyset-paginated; with roles set, only those holding any role in the mask. */
pheme_err store_users_list(store *s, arena *a, unsigned roles, const store_page *p, user **out, int *n)
    PHEME_MUST_CHECK;
pheme_err store_wallet_view(store *s, arena *a, const uint8_t address[20], wallet_view *out)
    PHEME_MUST_CHECK;

/* --- API keys: only the SHA-256 of a key is stored --- */
pheme_err store_key_create(store *s, arena *a, const store_actor *who, int64_t user_id,
                           const uint8_t hash[32], const char *prefix, const char *role,
                           const char *label, api_key *out) PHEME_MUST_CHECK;
/* An active (not revoked) key by hash; PHEME_DATA_NOT_FOUND otherwise. A key found is kept in
 * memory for up to a second (keys.c): a write this process commits (a revocation) is seen at once,
 * another process's (`pheme key revoke`, another node) within that second. */
pheme_err store_key_by_hash(store *s, arena *a, const uint8_t hash[32], api_key *out)
    PHEME_MUST_CHECK;
pheme_err store_key_get(store *s, arena *a, int64_t id, api_key *out) PHEME_MUST_CHECK;
/* user_id 0 = every user's keys. */
pheme_err store_keys_list(store *s, arena *a, int64_t user_id, const store_page *p, api_key **out,
                          int *n) PHEME_MUST_CHECK;
pheme_err store_key_revoke(store *s, const store_actor *who, int64_t id) PHEME_MUST_CHECK;

/* --- skills --- */
pheme_err store_skills_list(store *s, arena *a, const char *domain, skill **out, int *n)
    PHEME_MUST_CHECK;
pheme_err store_skill_get(store *s, arena *a, const char *slug, skill *out) PHEME_MUST_CHECK;

/* --- tasks --- */
/* Creates t (id, created_at, updated_at filled in). Unknown skill slugs give PHEME_DATA_INVALID. */
pheme_err store_task_create(store *s, arena *a, const store_actor *who, task *t) PHEME_MUST_CHECK;
pheme_err store_task_get(store *s, arena *a, int64_t id, task *out) PHEME_MUST_CHECK;
/* Edits task id in one write transaction: the current row is read (and, on PostgreSQL, locked),
 * edit() changes the fields it wants — setting *replace_skills to replace the task's skills with
 * t->skills — or refuses with an error, which is returned as is with nothing written; the result
 * is written with its audit row and read back into out. Concurrent edits therefore never lose
 * each other's changes, and a check made by edit() (owner, state) holds when the write happens. */
typedef pheme_err (*task_edit_fn)(task *t, int *replace_skills, void *ctx);
pheme_err store_task_edit(store *s, arena *a, const store_actor *who, int64_t id, task_edit_fn edit,
                          void *ctx, task *out) PHEME_MUST_CHECK;
pheme_err store_tasks_list(store *s, arena *a, const task_filter *f, const store_page *p,
                           task **out, int *n) PHEME_MUST_CHECK;

/* --- submissions --- */
/* Decides, inside the write transaction, whether sub may be stored: t is the task as it is then
 * (share-locked on PostgreSQL until the commit), earlier the states of the same person's earlier
 * submissions to it. A non-zero answer is returned as is with nothing written. */
typedef pheme_err (*submission_check_fn)(const task *t, const char *const *earlier, int nearlier,
                                         void *ctx);
/* Stores sub (its state as given, e.g. "SUBMITTED") after check() allows it; PHEME_DATA_NOT_FOUND
 * when the task does not exist, PHEME_DATA_CONFLICT when the schema finds a live duplicate. */
pheme_err store_submission_create(store *s, arena *a, const store_actor *who, submission *sub,
                                  submission_check_fn check, void *ctx) PHEME_MUST_CHECK;
pheme_err store_submission_get(store *s, arena *a, int64_t id, submission *out) PHEME_MUST_CHECK;
/* user_id or task_id 0 = any. */
pheme_err store_submissions_list(store *s, arena *a, int64_t user_id, int64_t task_id,
                                 const store_page *p, submission **out, int *n) PHEME_MUST_CHECK;

/* --- guilds --- */
pheme_err store_guild_create(store *s, arena *a, const store_actor *who, guild *g) PHEME_MUST_CHECK;
pheme_err store_guild_get(store *s, arena *a, const char *slug, guild *out) PHEME_MUST_CHECK;
pheme_err store_guilds_list(store *s, arena *a, const char *type, const store_page *p, guild **out,
                            int *n) PHEME_MUST_CHECK;
/* PHEME_DATA_CONFLICT when already a member. */
pheme_err store_guild_join(store *s, const store_actor *who, int64_t guild_id, int64_t user_id)
    PHEME_MUST_CHECK;
/* PHEME_DATA_NOT_FOUND when not a member; PHEME_DATA_STATE when the owner tries to leave. */
pheme_err store_guild_leave(store *s, const store_actor *who, int64_t guild_id, int64_t user_id)
    PHEME_MUST_CHECK;
pheme_err store_guild_members(store *s, arena *a, int64_t guild_id, const store_page *p,
                              guild_member **out, int *n) PHEME_MUST_CHECK;

/* --- audit log --- */
typedef struct {
  int64_t id, at, actor_id, subject_id;
  const char *request_id, *action, *subject_type, *detail;
} audit_entry;
pheme_err store_audit_list(store *s, arena *a, const char *subject_type, int64_t subject_id,
                           const store_page *p, audit_entry **out, int *n) PHEME_MUST_CHECK;

/* --- bulk seeding (demo data, benchmarks); one transaction per call --- */
pheme_err store_seed_users(store *s, int64_t count, int64_t *first_id) PHEME_MUST_CHECK;
/* Sets a person's level (0..100) and XP in one skill, as if earned (demo data; until the rewards
 * engine awards them). PHEME_DATA_INVALID for an unknown skill slug. */
pheme_err store_seed_skill_level(store *s, const store_actor *who, int64_t user_id, const char *slug,
                                 int64_t xp, int level) PHEME_MUST_CHECK;
pheme_err store_count(store *s, const char *table, int64_t *out) PHEME_MUST_CHECK;

/* --- the site in figures (site.c) --- */
typedef struct {
  int64_t open_tasks, people, guilds, skills, quests; /* people: with any XP */
} site_stats;
pheme_err store_site_stats(store *s, arena *a, site_stats *out) PHEME_MUST_CHECK;

#endif
