/* PHEME's configuration: one table of keys (config.c), each with a type, bounds, a default and
 * help text. Values come from, in increasing priority: the defaults, a config file
 * (`key = value` lines), the environment (PHEME_<KEY>), and command-line flags (--key value or
 * --key=value, with '-' or '_' in the key). `--help` text and conf/pheme.conf.example are checked
 * against the same table, so they cannot drift.
 *
 * Invalid configuration is an error that names the key, the value and where it came from. */
#ifndef PHEME_CORE_CONFIG_H
#define PHEME_CORE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

/* CONF_SECRET is a string that is never echoed: not in errors, not by config_get_text. */
typedef enum { CONF_STRING, CONF_INT, CONF_BOOL, CONF_ENUM, CONF_SECRET } conf_type;

typedef struct pheme_config {
  char *listen;            /* HOST:PORT */
  char *database;          /* sqlite:PATH or postgresql://… */
  char *database_replica;  /* optional read replica (PostgreSQL) */
  long long database_replica_max_lag_ms; /* the replica serves reads only this far behind */
  char *public_url;        /* the origin people use */
  long long threads;       /* HTTP worker threads; 0 = one per core */
  long long max_connections;
  long long connection_timeout; /* seconds a connection may stay idle or slow */
  long long per_client_connections; /* open connections per client address; 0 = no cap */
  long long request_head_timeout;   /* seconds for a whole request head */
  long long request_body_timeout;   /* seconds for a whole request body */
  long long body_memory;            /* bytes of bodies buffered at once; 0 = no cap */
  long long body_limit;    /* bytes */
  long long header_limit;  /* bytes of request line + headers per connection */
  long long shutdown_timeout; /* seconds to wait for in-flight requests on SIGTERM */
  char *cors_origins;      /* comma-separated allow-list; empty = the public URL's origin */
  char *web_root;          /* static files of the web app */
  char *log_level;
  int log_requests;
  long long log_batch_ms;
  long long db_pool_size;
  long long db_pool_size_api, db_pool_size_worker, db_pool_size_indexer; /* 0 = db_pool_size */
  long long db_replica_pool_size; /* connections to database_replica; 0 = as many as the primary's */
  long long db_statement_timeout;
  long long db_connect_timeout; /* PostgreSQL: seconds per connection attempt */
  long long db_busy_timeout; /* milliseconds */
  long long db_group_commit_wait_us;
  long long sqlite_wal_autocheckpoint;
  char *sqlite_synchronous;
  int migrate_on_start;
  long long page_limit_max;
  int demo;                /* seed demo data when the database has none */
  int rate_limit;
  long long rate_limit_auth, rate_limit_read, rate_limit_write, rate_limit_graphql; /* per minute */
  long long rate_limit_clients;
  char *redis;                 /* shared parts across nodes; "" = off */
  long long redis_timeout_ms, redis_backoff_ms;
  int graphql_introspection; /* answer __schema / __type */
  long long graphql_max_depth, graphql_max_cost, graphql_max_aliases, graphql_max_bytes;
  char *trusted_proxies;
  char *answer_cache;          /* auto | on | off */
  long long answer_cache_mb, answer_cache_ttl;
  /* sign-in and sessions (src/auth, src/api/auth.c) */
  char *jwt_keys;          /* secret: "kid:hex,kid:hex"; the first signs */
  long long auth_access_ttl, auth_refresh_ttl, auth_nonce_ttl; /* seconds */
  char *auth_chain_ids;    /* comma-separated chain ids a sign-in may name */
  int auth_cookies;        /* browsers may ask for HttpOnly cookies + CSRF token */
  /* the chain (src/chain) */
  char *chain_rpc;           /* comma-separated endpoints; empty = no chain */
  long long chain_id;        /* 0 = pin the first node's */
  char *chain_manifest;      /* deployment manifest path; empty = contracts/deployments/<id>.json */
  char *chain_operator_key;  /* secret: hex or @PATH */
  long long chain_confirmations, chain_reorg_depth, chain_poll_ms, chain_log_range;
  long long chain_stuck_after; /* seconds */
  int chain_indexer, chain_sender;
  long long chain_indexer_lease_ms;
  char *node_role;           /* all | api | worker | indexer (see cmd_serve) */
  /* badges on chain (src/game/issuance.c; docs/badges.md) */
  char *badge_issuer_key;    /* secret: hex or @PATH; empty = chain_operator_key */
  long long badge_voucher_ttl; /* seconds */
  /* evidence content (src/content; docs/internals/content.md) */
  char *content_dir;         /* the local backend's folder */
  long long content_max_size; /* bytes per uploaded file */
  char *content_types;       /* comma-separated media types an upload may have */
  /* the validation pipeline (src/validation; docs/validation.md) */
  long long dedup_threshold;     /* percent of estimated Jaccard similarity */
  long long dedup_shingle_words, dedup_hashes, dedup_bands, dedup_rows; /* bands/rows 0 = tuned */
  char *assessors;               /* comma-separated, tried in order: builtin, openai */
  char *openai_base_url;         /* up to and including /v1 */
  char *openai_model;
  char *openai_key_env;          /* name of the environment variable holding the key */
  char *openai_key_file;         /* or a file holding it */
  long long openai_timeout_ms, openai_retries;
  long long validator_min_stake;  /* whole tokens */
  long long validator_min_domain_score;
  long long panel_max, dispute_window_hours, review_chain_id;
  char *review_registry;          /* 0x address or "" */
  /* the job queue (src/jobs) */
  long long jobs_workers, jobs_poll_ms, jobs_lease_ms, jobs_backoff_base_ms, jobs_backoff_cap_ms;
  long long jobs_max_attempts, jobs_batch, jobs_keep_done;
  int jobs_test_kinds;
  /* the rewards engine (src/game; docs/rewards.md) */
  long long game_difficulty_step_pct, game_quality_min_pct, game_quality_max_pct;
  long long game_streak_step_pct, game_streak_max_pct, game_streak_grace_days, game_streak_grace_every_days;
  long long game_guild_step_pct, game_guild_max_pct, game_guild_level_xp;
  long long game_crit_rate_ppm, game_crit_pct, game_parent_share_pct, game_domain_share_pct;
  long long game_skill_curve_xp, game_sweep_interval, game_sweep_age;
  /* the matching engine (src/matching) */
  int matching;
  long long matching_refresh_seconds;
  /* the reputation engine (src/reputation; docs/reputation.md) */
  long long rep_w_quality, rep_w_consistency, rep_w_endorsement, rep_w_onchain; /* ppm */
  long long rep_quality_half_life_days, rep_quality_volume_ppm, rep_consistency_weeks;
  long long rep_stake_full, rep_badges_full, rep_votes_full, rep_w_stake, rep_w_badges, rep_w_votes;
  long long rep_validator_multiplier_ppm, rep_streak_bonus_per_day, rep_streak_bonus_cap;
  long long rep_decay_grace_days, rep_decay_half_life[3]; /* technical, creative, business */
  long long rep_eigentrust_alpha_ppm, rep_eigentrust_tolerance_exp, rep_eigentrust_max_iterations;
  long long rep_threads, rep_recompute_interval;
  long long rep_round_chunk; /* people per ReputationOracle.recordScores transaction */
  /* events out (docs/internals/events.md) */
  long long events_heartbeat, events_poll_ms, events_queue, ws_message_max;
  int webhooks_allow_private;
  long long webhooks_timeout_ms, webhooks_max_attempts;
} pheme_config;

typedef struct {
  const char *key;     /* snake_case; env PHEME_KEY; flag --key */
  conf_type type;
  size_t offset;       /* of the field in pheme_config */
  long long min, max;  /* ints: bounds; strings: max length in max */
  const char *def;     /* default, as it would be written in a file */
  const char *choices; /* enums: "a|b|c" */
  const char *help;
} conf_key;

extern const conf_key conf_keys[];
extern const size_t conf_key_count;

/* Sets every key to its default. Returns 0; out of memory (or a default its own table refuses)
 * is a bug that aborts with PHEME_BUG, since nothing can run without a configuration. */
int config_init(pheme_config *c);
/* Frees the strings the configuration holds, not the struct. */
void config_release(pheme_config *c);

/* Sets one key from text; origin ("file conf/x:3", "environment", "flag") goes into errors.
 * Returns 0, or PHEME_SYS_CONFIG with err set to e.g. "invalid value 'abc' for threads (flag): not
 * an integer" (PHEME_SYS_NOMEM when out of memory). */
pheme_err config_set(pheme_config *c, const char *key, const char *value, const char *origin, char *err,
               size_t errlen);

/* Reads `key = value` lines (# comments, blank lines). PHEME_SYS_CONFIG with err set on a bad
 * line, PHEME_SYS_IO when the file cannot be read. */
pheme_err config_read_file(pheme_config *c, const char *path, char *err, size_t errlen);
/* Parses the same format from memory (the fuzz target's entry point). */
pheme_err config_parse_text(pheme_config *c, const char *text, size_t n, const char *origin, char *err,
                      size_t errlen);
/* Applies PHEME_* variables from env (NULL-terminated "NAME=value" strings). */
pheme_err config_read_env(pheme_config *c, char **env, char *err, size_t errlen);
/* Applies --key value / --key=value flags. Non-flag arguments are collected in rest (which has
 * room for argc entries) and counted in *nrest. "--config" and "--help" are left to the caller:
 * see config_load. */
pheme_err config_read_flags(pheme_config *c, int argc, char **argv, char **rest, int *nrest, char *err,
                      size_t errlen);

/* The whole chain: defaults < file (--config FILE or PHEME_CONFIG) < env < flags. */
pheme_err config_load(pheme_config *c, int argc, char **argv, char **env, char **rest, int *nrest,
                char *err, size_t errlen);

/* Writes conf/pheme.conf.example from the table: every key, its help and its default. */
void config_print_example(FILE *out);
/* Copies in to out (cap bytes) with the passwords in it masked as ***: a URL's user:PASSWORD@
 * and password=VALUE (conninfo, 'quoted' or not; a URL's query). */
void config_mask_credentials(const char *in, char *out, size_t cap);
/* Writes the effective configuration as `key = value` lines, secrets and passwords masked. */
void config_print_values(const pheme_config *c, FILE *out);
/* Writes the table as help text (for --help). */
void config_print_help(FILE *out);
/* Writes the value of a key as text into out; -1 for an unknown key. */
int config_get_text(const pheme_config *c, const char *key, char *out, size_t n);

#endif
