/* The configuration table and its readers; see config.h. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "core/banned.h"

#define F(field) offsetof(pheme_config, field)
#define NOLIMIT 0, 0

const conf_key conf_keys[] = {
    {"listen", CONF_STRING, F(listen), 1, 255, "127.0.0.1:4000", NULL,
     "address and port the HTTP server listens on (HOST:PORT; [::1]:PORT for IPv6)"},
    {"database", CONF_STRING, F(database), 1, 4096, "sqlite:./data/pheme.db", NULL,
     "storage: sqlite:PATH (embedded) or postgresql://USER@HOST:PORT/DB"},
    {"database_replica", CONF_STRING, F(database_replica), 0, 4096, "", NULL,
     "optional PostgreSQL streaming replica (any libpq connection string); API reads go there while it is within database_replica_max_lag_ms, except a client's or person's own recent writes"},
    {"database_replica_max_lag_ms", CONF_INT, F(database_replica_max_lag_ms), 100, 600000, "1000", NULL,
     "bounded staleness: the replica serves reads only while its replay is at most this many milliseconds behind the primary (checked every 100 ms, or every 64th of the bound when that is longer); past it, or when it does not answer, reads go to the primary"},
    {"public_url", CONF_STRING, F(public_url), 1, 2048, "http://localhost:4000", NULL,
     "the origin people use to reach PHEME; sign-in domain, CORS and links derive from it"},
    {"threads", CONF_INT, F(threads), 0, 256, "0", NULL,
     "HTTP worker threads, each with its own epoll loop; 0 = one per core the process may use"},
    {"max_connections", CONF_INT, F(max_connections), 0, 100000, "0", NULL,
     "most concurrent HTTP connections (32 more answer only /healthz and /readyz); 0 = as many as "
     "the fd limit allows: (RLIMIT_NOFILE - 288) / 2, the soft limit raised to the hard one first"},
    {"per_client_connections", CONF_INT, F(per_client_connections), 0, 100000, "64", NULL,
     "most open connections from one client address (IPv6: per /64); trusted proxies are exempt; "
     "0 = no cap"},
    {"request_head_timeout", CONF_INT, F(request_head_timeout), 1, 3600, "10", NULL,
     "seconds for a whole request head, from the connection's start or the previous answer "
     "(a deadline, not an idle timeout: trickling bytes do not extend it)"},
    {"request_body_timeout", CONF_INT, F(request_body_timeout), 1, 86400, "60", NULL,
     "seconds for a whole request body, from the end of its head (a deadline, not an idle timeout)"},
    {"body_memory", CONF_INT, F(body_memory), 0, 17179869184LL, "67108864", NULL,
     "most bytes of request bodies buffered at once, over all requests; more get 503 API013; 0 = no cap"},
    {"connection_timeout", CONF_INT, F(connection_timeout), 1, 3600, "30", NULL,
     "seconds a connection may be idle or send nothing before it is closed (slow clients)"},
    {"body_limit", CONF_INT, F(body_limit), 1024, 67108864, "1048576", NULL,
     "largest request body in bytes; larger ones get 413"},
    {"header_limit", CONF_INT, F(header_limit), 4096, 1048576, "16384", NULL,
     "memory per connection for the request line and headers; more gets 431"},
    {"shutdown_timeout", CONF_INT, F(shutdown_timeout), 0, 600, "10", NULL,
     "seconds to let in-flight requests finish after SIGTERM before closing"},
    {"cors_origins", CONF_STRING, F(cors_origins), 0, 4096, "", NULL,
     "comma-separated origins allowed by CORS; empty = the public URL's origin only"},
    {"web_root", CONF_STRING, F(web_root), 0, 4096, "web/dist", NULL,
     "folder of the built web app, served at / with SPA fallback; empty = none"},
    {"log_level", CONF_ENUM, F(log_level), NOLIMIT, "info", "debug|info|warn|error|off",
     "lowest level of log lines written (JSON lines on standard error)"},
    {"log_requests", CONF_BOOL, F(log_requests), NOLIMIT, "true", NULL,
     "write one access-log line per HTTP request"},
    {"log_batch_ms", CONF_INT, F(log_batch_ms), 0, 5000, "200", NULL,
     "access lines are written in batches at most this old (a crash loses at most that much); 0 = each at once"},
    {"db_pool_size", CONF_INT, F(db_pool_size), 1, 256, "8", NULL,
     "database connections for reads (SQLite) or for everything (PostgreSQL); the default of every role"},
    {"db_pool_size_api", CONF_INT, F(db_pool_size_api), 0, 256, "0", NULL,
     "db_pool_size of an API node (node_role api); 0 = db_pool_size"},
    {"db_pool_size_worker", CONF_INT, F(db_pool_size_worker), 0, 256, "0", NULL,
     "db_pool_size of a worker node (node_role worker); 0 = db_pool_size"},
    {"db_pool_size_indexer", CONF_INT, F(db_pool_size_indexer), 0, 256, "0", NULL,
     "db_pool_size of an indexer node (node_role indexer); 0 = db_pool_size"},
    {"db_replica_pool_size", CONF_INT, F(db_replica_pool_size), 0, 256, "0", NULL,
     "PostgreSQL: connections to database_replica (API and all roles; workers and indexers open none); 0 = as many as the primary's pool"},
    {"db_statement_timeout", CONF_INT, F(db_statement_timeout), 0, 3600000, "30000", NULL,
     "PostgreSQL: milliseconds one statement may run before it is cancelled (503 SYS002); 0 = no limit"},
    {"db_connect_timeout", CONF_INT, F(db_connect_timeout), 2, 600, "5", NULL,
     "PostgreSQL: seconds one connection attempt (at start and every reconnect, primary and replica) may take before it fails; a connect_timeout in the URL wins"},
    {"db_busy_timeout", CONF_INT, F(db_busy_timeout), 0, 600000, "5000", NULL,
     "milliseconds to wait for a database lock or a free pooled connection"},
    {"db_group_commit_wait_us", CONF_INT, F(db_group_commit_wait_us), 0, 100000, "200", NULL,
     "under load, a group commit waits this long for one more sign-in to join it (each arrival waits again, up to 10 times as long in all); 0 = commit at once"},
    {"sqlite_synchronous", CONF_ENUM, F(sqlite_synchronous), NOLIMIT, "normal", "normal|full",
     "SQLite synchronous mode in WAL: normal survives process crashes, full also power loss"},
    {"sqlite_wal_autocheckpoint", CONF_INT, F(sqlite_wal_autocheckpoint), 100, 1000000, "10000", NULL,
     "SQLite checkpoints the WAL into the database once it holds this many pages (4 KiB each); a page changed many times in between is written once"},
    {"migrate_on_start", CONF_BOOL, F(migrate_on_start), NOLIMIT, "true", NULL,
     "apply schema migrations when the server starts"},
    {"page_limit_max", CONF_INT, F(page_limit_max), 1, 1000, "100", NULL,
     "largest page a list endpoint returns (?limit=)"},
    {"demo", CONF_BOOL, F(demo), NOLIMIT, "false", NULL,
     "seed demo people, tasks and a guild when the database has no tasks yet"},
    {"rate_limit", CONF_BOOL, F(rate_limit), NOLIMIT, "true", NULL,
     "rate-limit clients per route class (off for benchmarks and load tests)"},
    {"rate_limit_auth", CONF_INT, F(rate_limit_auth), 1, 1000000, "10", NULL,
     "sign-in requests per minute per client"},
    {"rate_limit_read", CONF_INT, F(rate_limit_read), 1, 1000000, "100", NULL,
     "GET requests per minute per client"},
    {"rate_limit_write", CONF_INT, F(rate_limit_write), 1, 1000000, "50", NULL,
     "POST, PATCH, PUT and DELETE requests per minute per client"},
    {"rate_limit_graphql", CONF_INT, F(rate_limit_graphql), 1, 1000000, "200", NULL,
     "GraphQL requests per minute per client"},
    {"graphql_introspection", CONF_BOOL, F(graphql_introspection), NOLIMIT, "false", NULL,
     "answer GraphQL introspection (__schema, __type); pheme dev turns it on"},
    {"graphql_max_depth", CONF_INT, F(graphql_max_depth), 1, 64, "12", NULL,
     "deepest nesting of fields a GraphQL operation may ask"},
    {"graphql_max_cost", CONF_INT, F(graphql_max_cost), 1, 100000000, "20000", NULL,
     "most a GraphQL operation may cost: 1 per field, times the first of each list above it"},
    {"graphql_max_aliases", CONF_INT, F(graphql_max_aliases), 0, 10000, "30", NULL,
     "most aliases in one GraphQL operation"},
    {"graphql_max_bytes", CONF_INT, F(graphql_max_bytes), 256, 1048576, "32768", NULL,
     "largest GraphQL query text, in bytes"},
    {"rate_limit_clients", CONF_INT, F(rate_limit_clients), 16, 10000000, "100000", NULL,
     "most rate-limit buckets kept; the least recently used are dropped past it"},
    {"redis", CONF_SECRET, F(redis), 0, 2048, "", NULL,
     "redis://[:PASSWORD@]HOST[:PORT][/DB] shared by every node (rate limits, event wake-ups, answer cache freshness); empty = each node its own"},
    {"redis_timeout_ms", CONF_INT, F(redis_timeout_ms), 10, 10000, "250", NULL,
     "milliseconds Redis may take to connect or answer before this node uses its own parts"},
    {"redis_backoff_ms", CONF_INT, F(redis_backoff_ms), 100, 600000, "1000", NULL,
     "milliseconds a node leaves Redis alone after it failed, before it tries again (also between resubscriptions)"},
    {"answer_cache", CONF_ENUM, F(answer_cache), NOLIMIT, "auto", "auto|on|off",
     "cache public task and Skill Wallet answers until the next write; auto = on with SQLite, or with PostgreSQL when redis is set"},
    {"answer_cache_mb", CONF_INT, F(answer_cache_mb), 1, 65536, "64", NULL,
     "memory for the answer cache, in MiB"},
    {"answer_cache_ttl", CONF_INT, F(answer_cache_ttl), 1, 86400, "60", NULL,
     "seconds a cached answer may be served (bounds what writes by other processes can hide)"},
    {"trusted_proxies", CONF_STRING, F(trusted_proxies), 0, 4096, "", NULL,
     "comma-separated proxy addresses whose X-Forwarded-For names the client"},
    {"jwt_keys", CONF_SECRET, F(jwt_keys), 0, 4096, "", NULL,
     "secret: access-token signing keys as KID:HEX,KID:HEX (32+ bytes each; the first signs, all "
     "verify); set it in the environment (PHEME_JWT_KEYS); empty = a random key per run"},
    {"auth_access_ttl", CONF_INT, F(auth_access_ttl), 30, 86400, "900", NULL,
     "seconds an access token (JWT) is valid"},
    {"auth_refresh_ttl", CONF_INT, F(auth_refresh_ttl), 300, 31536000, "2592000", NULL,
     "seconds a refresh token is valid; each refresh starts a new one"},
    {"auth_nonce_ttl", CONF_INT, F(auth_nonce_ttl), 30, 3600, "300", NULL,
     "seconds a sign-in nonce (and its message's Expiration Time) is valid"},
    {"auth_chain_ids", CONF_STRING, F(auth_chain_ids), 1, 1024, "1,8453,84532,31337", NULL,
     "comma-separated chain ids a sign-in message may name"},
    {"auth_cookies", CONF_BOOL, F(auth_cookies), NOLIMIT, "true", NULL,
     "let browsers ask for HttpOnly Secure SameSite=Strict session cookies with a CSRF token"},
    /* the chain (src/chain; docs/operations.md) */
    {"chain_rpc", CONF_STRING, F(chain_rpc), 0, 4096, "", NULL,
     "comma-separated JSON-RPC endpoints (http/https), tried in order; empty = no chain"},
    {"chain_id", CONF_INT, F(chain_id), 0, 9007199254740991LL, "0", NULL,
     "the chain's id; a node on another chain is refused (0 = take the first node's)"},
    {"chain_manifest", CONF_STRING, F(chain_manifest), 0, 4096, "", NULL,
     "deployment manifest (JSON) naming the suite's addresses; default contracts/deployments/<chain_id>.json"},
    {"chain_operator_key", CONF_SECRET, F(chain_operator_key), 0, 4096, "", NULL,
     "operator's private key (hex), or @PATH of a file holding it; signs the server's transactions"},
    {"chain_confirmations", CONF_INT, F(chain_confirmations), 0, 1000, "2", NULL,
     "blocks on top of a transaction's or log's block before it counts as final"},
    {"chain_reorg_depth", CONF_INT, F(chain_reorg_depth), 1, 100000, "250", NULL,
     "deepest reorg the indexer rolls back by itself; a deeper one stops it and raises an alert"},
    {"chain_poll_ms", CONF_INT, F(chain_poll_ms), 50, 600000, "1000", NULL,
     "how often the indexer and the transaction manager ask the node for news"},
    {"chain_log_range", CONF_INT, F(chain_log_range), 1, 100000, "2000", NULL,
     "blocks per eth_getLogs request (halved while a node refuses the range)"},
    {"chain_stuck_after", CONF_INT, F(chain_stuck_after), 1, 86400, "60", NULL,
     "seconds a sent transaction may wait for a receipt before it is replaced with higher fees"},
    {"node_role", CONF_ENUM, F(node_role), NOLIMIT, "all", "all|api|worker|indexer",
     "what `pheme serve` runs (also `serve --role`): all (one machine), api (HTTP, no state of its own), worker (job queue, chain sender) or indexer; worker and indexer answer only /healthz, /readyz and /metrics"},
    {"chain_indexer_lease_ms", CONF_INT, F(chain_indexer_lease_ms), 1000, 600000, "8000", NULL,
     "the active indexer's lease, renewed every step: a standby takes over this long after the active one dies"},
    {"chain_indexer", CONF_BOOL, F(chain_indexer), NOLIMIT, "true", NULL,
     "run the indexer in this process (one becomes active per chain, elected through the database)"},
    {"chain_sender", CONF_BOOL, F(chain_sender), NOLIMIT, "true", NULL,
     "run the transaction manager in this process (one sender per operator key across processes)"},
    /* badges on chain (src/game/issuance.c; docs/badges.md) */
    {"badge_issuer_key", CONF_SECRET, F(badge_issuer_key), 0, 4096, "", NULL,
     "private key (hex) or @PATH that signs badge vouchers; it needs ISSUER_ROLE on PhemeBadges; "
     "empty = chain_operator_key"},
    {"badge_voucher_ttl", CONF_INT, F(badge_voucher_ttl), 60, 7776000, "604800", NULL,
     "seconds a badge voucher stays claimable after it is handed out (its EIP-712 deadline)"},
    /* evidence content (src/content; docs/internals/content.md) */
    {"content_dir", CONF_STRING, F(content_dir), 1, 3800, "./data/content", NULL,
     "folder of the local content backend: files stored under their IPFS CID, sharded by two characters"},
    {"content_max_size", CONF_INT, F(content_max_size), 1, 1099511627776LL, "104857600", NULL,
     "largest file POST /api/v1/content accepts, in bytes (streamed: never held in memory); larger gets 413"},
    {"content_types", CONF_STRING, F(content_types), 1, 4096,
     "application/pdf,image/png,image/jpeg,image/gif,image/webp,text/plain,text/markdown,text/csv,"
     "application/json,application/zip,video/mp4,video/webm,audio/mpeg",
     NULL, "comma-separated media types an upload may have (type/subtype, or type/* for a whole type); others get 415"},
    /* the validation pipeline (src/validation; docs/validation.md) */
    {"dedup_threshold", CONF_INT, F(dedup_threshold), 1, 100, "70", NULL,
     "estimated Jaccard similarity, in percent, at which a submission is a near-duplicate of another person's"},
    {"dedup_shingle_words", CONF_INT, F(dedup_shingle_words), 1, 16, "3", NULL,
     "words per shingle in near-duplicate detection"},
    {"dedup_hashes", CONF_INT, F(dedup_hashes), 8, 512, "128", NULL,
     "MinHash values per signature (estimate error about sqrt(J(1-J)/hashes); 4 bytes each in memory)"},
    {"dedup_bands", CONF_INT, F(dedup_bands), 0, 512, "0", NULL,
     "LSH bands (bands x rows <= dedup_hashes); 0 with dedup_rows 0 = tuned for the threshold"},
    {"dedup_rows", CONF_INT, F(dedup_rows), 0, 512, "0", NULL,
     "LSH rows per band; 0 with dedup_bands 0 = tuned for the threshold"},
    {"assessors", CONF_STRING, F(assessors), 0, 256, "builtin", NULL,
     "AI assessors run on each submission, comma-separated, in order (builtin, openai); empty = peer review alone"},
    {"openai_base_url", CONF_STRING, F(openai_base_url), 0, 2048, "", NULL,
     "OpenAI-compatible endpoint up to /v1 (OpenAI, Ollama, llama.cpp server, vLLM); empty = openai assessor off"},
    {"openai_model", CONF_STRING, F(openai_model), 0, 256, "", NULL,
     "model the openai assessor asks for"},
    {"openai_key_env", CONF_STRING, F(openai_key_env), 0, 256, "OPENAI_API_KEY", NULL,
     "environment variable holding the endpoint's API key (never logged)"},
    {"openai_key_file", CONF_STRING, F(openai_key_file), 0, 4096, "", NULL,
     "file holding the API key, read when the environment variable is unset (never logged)"},
    {"openai_timeout_ms", CONF_INT, F(openai_timeout_ms), 1000, 600000, "60000", NULL,
     "milliseconds one request to the openai endpoint may take"},
    {"openai_retries", CONF_INT, F(openai_retries), 0, 10, "2", NULL,
     "further attempts after a timeout, 429 (Retry-After honoured) or 5xx"},
    {"validator_min_stake", CONF_INT, F(validator_min_stake), 0, 1000000000000LL, "100", NULL,
     "whole tokens a validator must have staked to be drawn for a review panel"},
    {"validator_min_domain_score", CONF_INT, F(validator_min_domain_score), 0, 100, "0", NULL,
     "reputation (0-100) a validator needs in the task's domain to be drawn for its panel (src/reputation)"},
    {"panel_max", CONF_INT, F(panel_max), 1, 101, "7", NULL,
     "validators a review panel may grow to before an admin decides"},
    {"dispute_window_hours", CONF_INT, F(dispute_window_hours), 0, 8760, "72", NULL,
     "hours after a decision during which the submitter or the task's creator may dispute it"},
    {"review_chain_id", CONF_INT, F(review_chain_id), 0, 9007199254740991LL, "0", NULL,
     "chainId of the EIP-712 domain validators sign reviews in; 0 = chain_id, or 31337 when that is 0"},
    {"review_registry", CONF_STRING, F(review_registry), 0, 42, "", NULL,
     "verifyingContract of the review domain: the ValidatorRegistry proxy; empty = the zero address"},
    /* the job queue (src/jobs; docs/internals/jobs.md) */
    {"jobs_workers", CONF_INT, F(jobs_workers), 0, 256, "2", NULL,
     "job worker threads in pheme serve and pheme worker; 0 = serve runs no jobs"},
    {"jobs_poll_ms", CONF_INT, F(jobs_poll_ms), 10, 600000, "1000", NULL,
     "how long an idle job worker sleeps before looking again (jobs enqueued by the same process wake it at once)"},
    {"jobs_lease_ms", CONF_INT, F(jobs_lease_ms), 100, 86400000, "30000", NULL,
     "a claimed job's lease (visibility timeout); renewed while it runs; a dead worker's jobs run again after it"},
    {"jobs_backoff_base_ms", CONF_INT, F(jobs_backoff_base_ms), 1, 86400000, "1000", NULL,
     "retry delay base: after attempt n a job waits a random time up to min(cap, base * 2^(n-1))"},
    {"jobs_backoff_cap_ms", CONF_INT, F(jobs_backoff_cap_ms), 1, 604800000, "3600000", NULL,
     "the longest retry delay"},
    {"jobs_max_attempts", CONF_INT, F(jobs_max_attempts), 1, 1000, "5", NULL,
     "attempts a job gets unless its kind says otherwise; after the last failure it is dead"},
    {"jobs_batch", CONF_INT, F(jobs_batch), 1, 1000, "16", NULL,
     "jobs a worker claims at once"},
    {"jobs_keep_done", CONF_INT, F(jobs_keep_done), 0, 31536000, "604800", NULL,
     "seconds done jobs are kept (with their idempotency keys) before they are deleted; 0 = kept"},
    {"jobs_test_kinds", CONF_BOOL, F(jobs_test_kinds), NOLIMIT, "false", NULL,
     "register the test-only job kinds jobs.test.effect and jobs.test.poison (the crash test; never in production)"},
    /* the rewards engine (src/game; docs/rewards.md) */
    {"game_difficulty_step_pct", CONF_INT, F(game_difficulty_step_pct), 0, 1000, "10", NULL,
     "XP factor of a task's difficulty d (1-10): 100 + (d - 1) * this, in percent"},
    {"game_quality_min_pct", CONF_INT, F(game_quality_min_pct), 0, 1000, "50", NULL,
     "XP factor of a final score of 0, in percent (a score s gives min + s * (max - min) / 100)"},
    {"game_quality_max_pct", CONF_INT, F(game_quality_max_pct), 0, 1000, "150", NULL,
     "XP factor of a final score of 100, in percent"},
    {"game_streak_step_pct", CONF_INT, F(game_streak_step_pct), 0, 1000, "5", NULL,
     "XP factor of a streak of n days: 100 + (n - 1) * this, in percent, up to game_streak_max_pct"},
    {"game_streak_max_pct", CONF_INT, F(game_streak_max_pct), 100, 1000, "150", NULL,
     "the largest streak factor, in percent"},
    {"game_streak_grace_days", CONF_INT, F(game_streak_grace_days), 0, 30, "1", NULL,
     "missed days in a row a streak survives (grace), at most once per game_streak_grace_every_days"},
    {"game_streak_grace_every_days", CONF_INT, F(game_streak_grace_every_days), 1, 365, "7", NULL,
     "days between two uses of the streak's grace"},
    {"game_guild_step_pct", CONF_INT, F(game_guild_step_pct), 0, 1000, "2", NULL,
     "XP factor for a member of a guild of level L: 100 + L * this, in percent, up to game_guild_max_pct"},
    {"game_guild_max_pct", CONF_INT, F(game_guild_max_pct), 100, 1000, "120", NULL,
     "the largest guild factor, in percent"},
    {"game_guild_level_xp", CONF_INT, F(game_guild_level_xp), 1, 1000000000, "1000", NULL,
     "guild level L needs this * L * L guild XP"},
    {"game_crit_rate_ppm", CONF_INT, F(game_crit_rate_ppm), 0, 1000000, "50000", NULL,
     "chance of a critical hit in parts per million (keccak256(submission id, season seed) decides)"},
    {"game_crit_pct", CONF_INT, F(game_crit_pct), 100, 1000, "200", NULL,
     "a critical hit makes an award this percent of its base"},
    {"game_parent_share_pct", CONF_INT, F(game_parent_share_pct), 0, 100, "25", NULL,
     "percent of a skill's award also credited to its parent skill (ledger reason parent_share)"},
    {"game_domain_share_pct", CONF_INT, F(game_domain_share_pct), 0, 100, "10", NULL,
     "percent of a skill's award also credited to its domain (ledger reason domain_share)"},
    {"game_skill_curve_xp", CONF_INT, F(game_skill_curve_xp), 1, 1000000, "10", NULL,
     "skill level L (0-100) needs this * L * L XP in the skill"},
    {"game_sweep_interval", CONF_INT, F(game_sweep_interval), 0, 86400, "60", NULL,
     "seconds between sweeps for approved outcomes no award job took (and ended seasons to reveal); 0 = none"},
    {"game_sweep_age", CONF_INT, F(game_sweep_age), 0, 86400, "30", NULL,
     "seconds an approved outcome waits for its award job before the sweep takes it"},
    /* the matching engine (src/matching; docs/internals/matching.md) */
    {"matching", CONF_BOOL, F(matching), NOLIMIT, "true", NULL,
     "build the in-memory matching index at start (candidates, recommendations, assignment); off answers those routes 503"},
    {"matching_refresh_seconds", CONF_INT, F(matching_refresh_seconds), 0, 86400, "300", NULL,
     "rebuild the matching index from storage this often, in the background; 0 = only at start"},
    /* the reputation engine (src/reputation; docs/reputation.md): shares in ppm (1000000 = 1) */
    {"reputation_w_quality", CONF_INT, F(rep_w_quality), 0, 1000000, "450000", NULL,
     "weight of task quality in the base score, ppm; the four reputation_w_* weights sum to 1000000"},
    {"reputation_w_consistency", CONF_INT, F(rep_w_consistency), 0, 1000000, "200000", NULL,
     "weight of consistency (active weeks) in the base score, ppm"},
    {"reputation_w_endorsement", CONF_INT, F(rep_w_endorsement), 0, 1000000, "200000", NULL,
     "weight of endorsements (EigenTrust) in the base score, ppm"},
    {"reputation_w_onchain", CONF_INT, F(rep_w_onchain), 0, 1000000, "150000", NULL,
     "weight of on-chain activity (stake, badges, votes) in the base score, ppm"},
    {"reputation_quality_half_life_days", CONF_INT, F(rep_quality_half_life_days), 1, 10000, "180", NULL,
     "days after which a validated score counts half in the recency-weighted quality"},
    {"reputation_quality_volume_ppm", CONF_INT, F(rep_quality_volume_ppm), 1, 1000000000, "5000000", NULL,
     "summed recency weight (ppm; 1000000 = one fresh validation) at which quality counts fully"},
    {"reputation_consistency_weeks", CONF_INT, F(rep_consistency_weeks), 1, 520, "12", NULL,
     "window of weeks whose active weeks make the consistency share"},
    {"reputation_stake_full", CONF_INT, F(rep_stake_full), 1, 1000000000000LL, "10000", NULL,
     "whole tokens staked for the full stake share of on-chain activity"},
    {"reputation_badges_full", CONF_INT, F(rep_badges_full), 1, 100000, "10", NULL,
     "badges held for the full badge share of on-chain activity"},
    {"reputation_votes_full", CONF_INT, F(rep_votes_full), 1, 100000, "10", NULL,
     "governance votes cast for the full vote share of on-chain activity"},
    {"reputation_w_stake", CONF_INT, F(rep_w_stake), 0, 1000000, "500000", NULL,
     "share of stake in on-chain activity, ppm; stake, badges and votes sum to 1000000"},
    {"reputation_w_badges", CONF_INT, F(rep_w_badges), 0, 1000000, "300000", NULL,
     "share of badges in on-chain activity, ppm"},
    {"reputation_w_votes", CONF_INT, F(rep_w_votes), 0, 1000000, "200000", NULL,
     "share of votes in on-chain activity, ppm"},
    {"reputation_validator_multiplier_ppm", CONF_INT, F(rep_validator_multiplier_ppm), 0, 1000000, "100000", NULL,
     "an active validator's multiplier is 1 + this x accuracy (ppm)"},
    {"reputation_streak_bonus_per_day", CONF_INT, F(rep_streak_bonus_per_day), 0, 100000000, "100000", NULL,
     "bonus in micro-points per streak day (the rewards engine's current streak)"},
    {"reputation_streak_bonus_cap", CONF_INT, F(rep_streak_bonus_cap), 0, 100000000, "5000000", NULL,
     "largest streak bonus in micro-points (5000000 = 5 points)"},
    {"reputation_decay_grace_days", CONF_INT, F(rep_decay_grace_days), 0, 10000, "30", NULL,
     "days after the last validation before a score starts to decay"},
    {"reputation_decay_half_life_technical", CONF_INT, F(rep_decay_half_life[0]), 1, 10000, "180", NULL,
     "days after the grace in which a technical score halves without a new validation"},
    {"reputation_decay_half_life_creative", CONF_INT, F(rep_decay_half_life[1]), 1, 10000, "270", NULL,
     "days after the grace in which a creative score halves without a new validation"},
    {"reputation_decay_half_life_business", CONF_INT, F(rep_decay_half_life[2]), 1, 10000, "365", NULL,
     "days after the grace in which a business score halves without a new validation"},
    {"reputation_eigentrust_alpha_ppm", CONF_INT, F(rep_eigentrust_alpha_ppm), 1, 999999, "150000", NULL,
     "EigenTrust: share of trust given back to the pre-trusted seeds each step, ppm"},
    {"reputation_eigentrust_tolerance_exp", CONF_INT, F(rep_eigentrust_tolerance_exp), 3, 15, "10", NULL,
     "EigenTrust stops when an iteration changes the trust vector by less than 10^-this (L1)"},
    {"reputation_eigentrust_max_iterations", CONF_INT, F(rep_eigentrust_max_iterations), 1, 10000, "200", NULL,
     "EigenTrust gives up converging after this many iterations (logged)"},
    {"reputation_threads", CONF_INT, F(rep_threads), 1, 64, "2", NULL,
     "threads of EigenTrust and of the epoch's Merkle tree"},
    {"reputation_recompute_interval", CONF_INT, F(rep_recompute_interval), 0, 31536000, "3600", NULL,
     "seconds between scheduled full recomputes (job reputation.recompute); 0 = none"},
    {"reputation_round_chunk", CONF_INT, F(rep_round_chunk), 1, 250, "200", NULL,
     "people per ReputationOracle.recordScores transaction when an epoch is published (about 80k gas each)"},
    /* events out: SSE, WebSocket, webhooks (docs/internals/events.md) */
    {"events_heartbeat", CONF_INT, F(events_heartbeat), 0, 3600, "15", NULL,
     "seconds between heartbeats on idle event streams (an SSE comment line, a WebSocket ping); 0 = none"},
    {"events_poll_ms", CONF_INT, F(events_poll_ms), 10, 60000, "1000", NULL,
     "how often the event hub looks for events other processes wrote (this process's commits wake it at once)"},
    {"events_queue", CONF_INT, F(events_queue), 1, 100000, "1024", NULL,
     "events held for one subscriber (SSE, WebSocket) before it is dropped as too slow"},
    {"ws_message_max", CONF_INT, F(ws_message_max), 64, 1048576, "4096", NULL,
     "largest WebSocket message a client may send, in bytes (larger: closed with 1009)"},
    {"webhooks_allow_private", CONF_BOOL, F(webhooks_allow_private), NOLIMIT, "false", NULL,
     "let webhooks target loopback, private, link-local and other non-public addresses (tests and development only)"},
    {"webhooks_timeout_ms", CONF_INT, F(webhooks_timeout_ms), 100, 60000, "10000", NULL,
     "time a webhook receiver has to answer one delivery"},
    {"webhooks_max_attempts", CONF_INT, F(webhooks_max_attempts), 1, 100, "8", NULL,
     "attempts to deliver one event to one webhook (retried with the job queue's backoff)"},
};
const size_t conf_key_count = ARRAY_SIZE(conf_keys);

/* Keys match with '-' and '_' treated alike, so flags can be --public-url. */
static const conf_key *find(const char *key, size_t n) {
  for (size_t i = 0; i < conf_key_count; i++) {
    const char *k = conf_keys[i].key;
    if (strlen(k) != n) continue;
    size_t j = 0;
    for (; j < n; j++) {
      char a = key[j] == '-' ? '_' : key[j];
      if (a != k[j]) break;
    }
    if (j == n) return &conf_keys[i];
  }
  return NULL;
}

static int parse_bool(const char *v) {
  static const char *yes[] = {"true", "on", "yes", "1"}, *no[] = {"false", "off", "no", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcmp(v, yes[i]) == 0) return 1;
    if (strcmp(v, no[i]) == 0) return 0;
  }
  return -1;
}

static pheme_err set_key(pheme_config *c, const conf_key *k, const char *v, const char *origin,
                   char *err, size_t errlen) {
  char *base = (char *)c;
  switch (k->type) {
    case CONF_INT: {
      long long x;
      if (parse_int(v, k->min, k->max, &x)) {
        return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid value '%.64s' for %s (%s): expected an integer from %lld to %lld",
                   v, k->key, origin, k->min, k->max);
      }
      *(long long *)(base + k->offset) = x;
      return 0;
    }
    case CONF_BOOL: {
      int b = parse_bool(v);
      if (b < 0) {
        return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid value '%.64s' for %s (%s): expected true or false", v, k->key,
                   origin);
      }
      *(int *)(base + k->offset) = b;
      return 0;
    }
    case CONF_ENUM:
      if (!choice_in(k->choices, v)) {
        return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid value '%.64s' for %s (%s): expected one of %s", v, k->key,
                   origin, k->choices);
      }
      break;
    case CONF_SECRET:
    case CONF_STRING: {
      size_t n = strlen(v);
      if (k->type == CONF_SECRET && ((long long)n < k->min || (long long)n > k->max)) {
        return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid value for %s (%s): length must be %lld to %lld", k->key, origin,
                   k->min, k->max);
      }
      if ((long long)n < k->min || (long long)n > k->max) {
        return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid value '%.64s' for %s (%s): length must be %lld to %lld", v,
                   k->key, origin, k->min, k->max);
      }
      for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20) {
          return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid value for %s (%s): control character at offset %zu", k->key,
                     origin, i);
        }
      break;
    }
  }
  char *copy = strdup(v);
  if (!copy) {
    return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "out of memory setting %s", k->key);
  }
  char **slot = (char **)(base + k->offset);
  free(*slot);
  *slot = copy;
  return 0;
}

pheme_err config_set(pheme_config *c, const char *key, const char *value, const char *origin, char *err,
               size_t errlen) {
  const conf_key *k = find(key, strlen(key));
  if (!k) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "unknown configuration key '%.64s' (%s)", key, origin);
  }
  return set_key(c, k, value, origin, err, errlen);
}

int config_init(pheme_config *c) {
  memset(c, 0, sizeof *c);
  char err[256];
  for (size_t i = 0; i < conf_key_count; i++)
    if (set_key(c, &conf_keys[i], conf_keys[i].def, "default", err, sizeof err))
      PHEME_BUG("default of %s is invalid: %s", conf_keys[i].key, err);
  return 0;
}

void config_release(pheme_config *c) {
  char *base = (char *)c;
  for (size_t i = 0; i < conf_key_count; i++) {
    if (conf_keys[i].type != CONF_STRING && conf_keys[i].type != CONF_ENUM &&
        conf_keys[i].type != CONF_SECRET)
      continue;
    char **slot = (char **)(base + conf_keys[i].offset);
    if (*slot && conf_keys[i].type == CONF_SECRET) {
      volatile char *p = *slot;
      while (*p) *p++ = 0;
    }
    free(*slot);
    *slot = NULL;
  }
}

static int is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

pheme_err config_parse_text(pheme_config *c, const char *text, size_t n, const char *origin, char *err,
                      size_t errlen) {
  size_t line = 0;
  const char *p = text, *end = text + n;
  while (p < end) {
    line++;
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    const char *a = p, *b = eol;
    p = eol + (eol < end);
    while (a < b && is_space(*a)) a++;
    while (b > a && is_space(b[-1])) b--;
    if (a == b || *a == '#') continue;
    if (memchr(a, 0, (size_t)(b - a))) {
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "%s:%zu: NUL byte in line", origin, line);
    }
    const char *eq = memchr(a, '=', (size_t)(b - a));
    if (!eq) {
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "%s:%zu: expected 'key = value'", origin, line);
    }
    const char *ke = eq;
    while (ke > a && is_space(ke[-1])) ke--;
    const char *vs = eq + 1;
    while (vs < b && is_space(*vs)) vs++;
    /* A value may be quoted to keep leading or trailing spaces or a '#'. */
    const char *ve = b;
    if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
      vs++;
      ve--;
    }
    const conf_key *k = find(a, (size_t)(ke - a));
    if (!k) {
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "%s:%zu: unknown configuration key '%.*s'", origin, line,
                 (int)((ke - a) > 64 ? 64 : (ke - a)), a);
    }
    char value[4097];
    if ((size_t)(ve - vs) >= sizeof value) {
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "%s:%zu: value of %s is too long", origin, line, k->key);
    }
    memcpy(value, vs, (size_t)(ve - vs));
    value[ve - vs] = 0;
    char where[300];
    snprintf(where, sizeof where, "%s:%zu", origin, line);
    PHEME_TRY(set_key(c, k, value, where, err, errlen));
  }
  return 0;
}

pheme_err config_read_file(pheme_config *c, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    return pheme_fail(PHEME_SYS_IO, err, errlen, "cannot read configuration file '%s': %s", path, strerror(errno));
  }
  char *text = malloc(1 << 20);
  size_t n = text ? fread(text, 1, 1 << 20, f) : 0;
  int too_big = text && n == 1 << 20;
  fclose(f);
  if (!text || too_big) {
    free(text);
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "configuration file '%s' is larger than 1 MiB", path);
  }
  int r = config_parse_text(c, text, n, path, err, errlen);
  free(text);
  return r;
}

pheme_err config_read_env(pheme_config *c, char **env, char *err, size_t errlen) {
  for (char **e = env; e && *e; e++) {
    if (strncmp(*e, "PHEME_", 6) != 0) continue;
    const char *name = *e + 6, *eq = strchr(name, '=');
    if (!eq) continue;
    char key[64];
    size_t n = (size_t)(eq - name);
    if (n == 0 || n >= sizeof key) continue;
    for (size_t i = 0; i < n; i++) key[i] = (char)tolower((unsigned char)name[i]);
    key[n] = 0;
    /* PHEME_CONFIG names the file; other PHEME_ variables that are not keys are left alone
     * (scripts use some), so only known keys are applied. */
    const conf_key *k = find(key, n);
    if (!k) continue;
    char origin[80];
    snprintf(origin, sizeof origin, "environment PHEME_%.*s", (int)n, name);
    PHEME_TRY(set_key(c, k, eq + 1, origin, err, errlen));
  }
  return 0;
}

pheme_err config_read_flags(pheme_config *c, int argc, char **argv, char **rest, int *nrest, char *err,
                      size_t errlen) {
  *nrest = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0 || strcmp(a, "--") == 0) {
      rest[(*nrest)++] = argv[i];
      continue;
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    const conf_key *k = find(name, n);
    if (!k) {
      rest[(*nrest)++] = argv[i]; /* the subcommand's own flag, or an error it reports */
      continue;
    }
    const char *value;
    char origin[80];
    snprintf(origin, sizeof origin, "flag --%s", k->key);
    if (eq) {
      value = eq + 1;
    } else if (k->type == CONF_BOOL && (i + 1 >= argc || parse_bool(argv[i + 1]) < 0)) {
      value = "true"; /* a bare boolean flag: --demo */
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "flag --%s needs a value", k->key);
    }
    /* A secret on the command line is readable by every user of the machine (ps, /proc/PID/cmdline):
     * as a flag it may only name a file holding it. */
    if (k->type == CONF_SECRET && value[0] != '@') {
      char env[64], flag[64];
      size_t j = 0;
      for (; k->key[j] && j < sizeof env - 1; j++) {
        env[j] = (char)toupper((unsigned char)k->key[j]);
        flag[j] = k->key[j] == '_' ? '-' : k->key[j];
      }
      env[j] = flag[j] = 0;
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen,
                 "flag --%s: a secret on the command line shows in `ps` to every user; give a file "
                 "holding it (--%s @FILE), or set PHEME_%s in the environment or %s in the config file",
                 flag, flag, env, k->key);
    }
    PHEME_TRY(set_key(c, k, value, origin, err, errlen));
  }
  return 0;
}

pheme_err config_load(pheme_config *c, int argc, char **argv, char **env, char **rest, int *nrest,
                char *err, size_t errlen) {
  const char *file = NULL;
  for (char **e = env; e && *e; e++)
    if (strncmp(*e, "PHEME_CONFIG=", 13) == 0) file = *e + 13;
  /* --config FILE is taken out of argv before the other flags are read. */
  char **args = malloc(sizeof *args * (size_t)(argc + 1));
  if (!args) return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "out of memory");
  int nargs = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0) {
      if (i + 1 >= argc) {
        free(args);
        return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "flag --config needs a file");
      }
      file = argv[++i];
    } else if (strncmp(argv[i], "--config=", 9) == 0) {
      file = argv[i] + 9;
    } else {
      args[nargs++] = argv[i];
    }
  }
  pheme_err r = PHEME_OK;
  if (file && *file) r = config_read_file(c, file, err, errlen);
  if (!r) r = config_read_env(c, env, err, errlen);
  if (!r) r = config_read_flags(c, nargs, args, rest, nrest, err, errlen);
  free(args);
  return r;
}

static const char *type_text(const conf_key *k) {
  switch (k->type) {
    case CONF_INT: return "integer";
    case CONF_BOOL: return "true/false";
    case CONF_ENUM: return k->choices;
    case CONF_SECRET: return "secret";
    default: return "text";
  }
}

void config_print_example(FILE *out) {
  fprintf(out,
          "# PHEME configuration. Every key the server knows, with its default (commented out).\n"
          "# Priority: built-in defaults < this file (--config FILE or PHEME_CONFIG) < environment\n"
          "# (PHEME_<KEY>, e.g. PHEME_DATABASE) < command-line flags (--key value, '-' or '_').\n"
          "# Secrets belong in the environment, not in this file. Values may be quoted to keep spaces.\n"
          "# Generated by `pheme config example` from the table in src/core/config.c.\n");
  for (size_t i = 0; i < conf_key_count; i++) {
    const conf_key *k = &conf_keys[i];
    fprintf(out, "\n# %s (%s", k->help, type_text(k));
    if (k->type == CONF_INT) fprintf(out, ", %lld to %lld", k->min, k->max);
    fprintf(out, ")\n# %s = %s\n", k->key, k->def);
  }
}

/* Appends n bytes of s to out (size cap, at *at), keeping room for the NUL. */
static void put(char *out, size_t cap, size_t *at, const char *s, size_t n) {
  for (size_t i = 0; i < n && *at + 1 < cap; i++) out[(*at)++] = s[i];
  out[*at] = 0;
}

void config_mask_credentials(const char *in, char *out, size_t cap) {
  size_t at = 0;
  if (!cap) return;
  out[0] = 0;
  const char *p = in;
  /* URL userinfo: scheme://user:password@host → scheme://user:***@host */
  const char *scheme = strstr(p, "://");
  if (scheme) {
    const char *auth = scheme + 3;
    size_t alen = strcspn(auth, "/?#");
    const char *atsign = NULL;
    for (const char *q = auth; q < auth + alen; q++)
      if (*q == '@') atsign = q;
    const char *colon = atsign ? memchr(auth, ':', (size_t)(atsign - auth)) : NULL;
    if (colon) {
      put(out, cap, &at, p, (size_t)(colon + 1 - p));
      put(out, cap, &at, "***", 3);
      p = atsign;
    }
  }
  /* password=VALUE in a conninfo (VALUE may be 'quoted') or a URL's query */
  while (*p) {
    const char *hit = NULL;
    for (const char *q = p; *q; q++) {
      if (strncasecmp(q, "password", 8) == 0 && (q == in || q[-1] == ' ' || q[-1] == '?' || q[-1] == '&' ||
                                                q[-1] == '\t')) {
        const char *e = q + 8;
        while (*e == ' ') e++;
        if (*e == '=') {
          hit = q;
          break;
        }
      }
    }
    if (!hit) break;
    const char *v = strchr(hit, '=') + 1;
    while (*v == ' ') v++;
    put(out, cap, &at, p, (size_t)(v - p));
    put(out, cap, &at, "***", 3);
    if (*v == '\'') {
      v++;
      while (*v && *v != '\'') v += (*v == '\\' && v[1]) ? 2 : 1;
      if (*v) v++;
    } else {
      v += strcspn(v, " \t&#");
    }
    p = v;
  }
  put(out, cap, &at, p, strlen(p));
}

void config_print_values(const pheme_config *c, FILE *out) {
  for (size_t i = 0; i < conf_key_count; i++) {
    char v[4200];
    if (conf_keys[i].type == CONF_SECRET) {
      const char *set = *(char *const *)((const char *)c + conf_keys[i].offset);
      snprintf(v, sizeof v, "%s", set && *set ? "(set, not shown)" : "");
    } else if (config_get_text(c, conf_keys[i].key, v, sizeof v)) {
      continue;
    } else if (conf_keys[i].type == CONF_STRING) {
      /* any text key may be a URL or conninfo with a password in it (database, the replica, RPC
       * URLs with basic authentication): never printed */
      char masked[4200];
      config_mask_credentials(v, masked, sizeof masked);
      snprintf(v, sizeof v, "%s", masked);
    }
    fprintf(out, "%s = %s\n", conf_keys[i].key, v);
  }
}

void config_print_help(FILE *out) {
  fprintf(out, "Configuration (flag / environment / file key; defaults < file < env < flags):\n");
  for (size_t i = 0; i < conf_key_count; i++) {
    const conf_key *k = &conf_keys[i];
    char flag[64], env[64];
    size_t j = 0;
    for (; k->key[j] && j < sizeof flag - 1; j++) flag[j] = k->key[j] == '_' ? '-' : k->key[j];
    flag[j] = 0;
    for (j = 0; k->key[j] && j < sizeof env - 1; j++) env[j] = (char)toupper((unsigned char)k->key[j]);
    env[j] = 0;
    const char *type = k->type == CONF_INT ? "int" : k->type == CONF_BOOL ? "bool" :
                       k->type == CONF_ENUM ? k->choices : k->type == CONF_SECRET ? "secret" : "text";
    fprintf(out, "  --%-20s PHEME_%-20s %s\n      %s (default: %s", flag, env, type, k->help,
            *k->def ? k->def : "empty");
    if (k->type == CONF_INT) fprintf(out, "; %lld to %lld", k->min, k->max);
    fprintf(out, ")\n");
  }
  fprintf(out, "  --config FILE              PHEME_CONFIG\n      read keys from FILE first\n");
}

int config_get_text(const pheme_config *c, const char *key, char *out, size_t n) {
  const conf_key *k = find(key, strlen(key));
  if (!k) return -1;
  const char *base = (const char *)c;
  switch (k->type) {
    case CONF_INT: snprintf(out, n, "%lld", *(const long long *)(base + k->offset)); break;
    case CONF_BOOL: snprintf(out, n, "%s", *(const int *)(base + k->offset) ? "true" : "false"); break;
    case CONF_SECRET: snprintf(out, n, "%s", **(char *const *)(base + k->offset) ? "(set)" : ""); break;
    default: snprintf(out, n, "%s", *(char *const *)(base + k->offset)); break;
  }
  return 0;
}
