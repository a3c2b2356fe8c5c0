/* pheme: the one program of PHEME. This file is the command table and the wiring between
 * configuration, storage and the HTTP server; the work happens in the modules. */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "chain/cli.h"
#include "chain/dev.h"
#include "chain/indexer.h"
#include "chain/suite.h"
#include "chain/workers.h"
#include "core/config.h"
#include "core/log.h"
#include "core/redis.h"
#include "core/redis_bus.h"
#include "core/util.h"
#include "core/version.h"
#include "game/leaderboard.h"
#include "graphql/pheme_schema.h"
#include "game/badges.h"
#include "game/game.h"
#include "game/wiring.h"
#include "jobs/jobs.h"
#include "store/backup.h"
#include "reputation/reputation.h"
#include "reputation/round.h"
#include "validation/pipeline.h"
#include "matching/matching.h"
#include "jobs/fanout.h"
#include "jobs/webhooks.h"
#include "http/sse.h"
#include "http/ws.h"
#include "core/banned.h"

extern char **environ;

typedef struct {
  pheme_config cfg;
  char **args; /* what is left after configuration flags */
  int nargs;
} cmd_ctx;

typedef struct {
  const char *name;
  int (*run)(cmd_ctx *c);
  const char *usage;
  const char *help;
} command;

static int cmd_serve(cmd_ctx *c);
static int cmd_migrate(cmd_ctx *c);
static int cmd_version(cmd_ctx *c);
static int cmd_help(cmd_ctx *c);
static int cmd_key(cmd_ctx *c);
static int cmd_config(cmd_ctx *c);
static int cmd_seed(cmd_ctx *c);
static int cmd_chain(cmd_ctx *c);
static int cmd_dev(cmd_ctx *c);
static int cmd_content(cmd_ctx *c);
static int cmd_worker(cmd_ctx *c);
static int cmd_indexer(cmd_ctx *c);
static int cmd_jobs(cmd_ctx *c);
static int cmd_game(cmd_ctx *c);
static int cmd_backup(cmd_ctx *c);
static int cmd_restore(cmd_ctx *c);
static int cmd_graphql(cmd_ctx *c);
static int cmd_reputation(cmd_ctx *c);
static int cmd_validator(cmd_ctx *c);

static const command commands[] = {
    {"serve", cmd_serve, "serve [--role all|api|worker|indexer] [--listen HOST:PORT] [--database URL] [--demo]",
     "run the HTTP API and web app, and as the role says the job workers, chain sender and indexer"},
    {"migrate", cmd_migrate, "migrate [--database URL]", "apply pending schema migrations and exit"},
    {"key", cmd_key, "key create --role user|creator|validator|admin --owner ADDRESS [--label TEXT]\n"
                     "       pheme key list | pheme key revoke ID",
     "make, list and revoke API keys (a new key is printed once, as the last line)"},
    {"seed", cmd_seed, "seed demo | seed bench --users N --tasks M",
     "fill the database with demo data, or with bulk data for benchmarks"},
    {"config", cmd_config, "config show | config example",
     "print the effective configuration (secrets masked), or the documented example file"},
    {"dev", cmd_dev, "dev [--listen HOST:PORT] [--database URL]",
     "the whole local stack: anvil, the contracts, demo data on chain and in storage, the server"},
    {"chain", cmd_chain, CHAIN_CLI_USAGE,
     "deploy the contract suite (writes the manifest), or show the chain, indexer and operator"},
    {"content", cmd_content, "content add FILE [--media-type TYPE]",
     "store a file in the content store and print its IPFS CID (as ipfs add --cid-version 1 --raw-leaves)"},
    {"worker", cmd_worker, "worker [--database URL] [--jobs-workers N]",
     "run job workers only (validation, rewards, reputation epochs, webhooks) until SIGTERM"},
    {"indexer", cmd_indexer, "indexer [--database URL] [--chain-rpc URL]",
     "run the chain indexer only (one is active per chain, the others stand by) until SIGTERM"},
    {"jobs", cmd_jobs, JOBS_CLI_USAGE, "list the job queue, retry a dead job, drop a job, add one"},
    {"game", cmd_game, GAME_CLI_USAGE, "rewards: rebuild totals from the XP ledger, award or sweep by hand, seasons"},
    {"backup", cmd_backup, "backup FILE [--database URL]",
     "write a consistent backup of the database while pheme runs (SQLite online backup; pg_dump)"},
    {"restore", cmd_restore, "restore FILE [--database URL]",
     "replace the database with a backup (SQLite: pheme must be stopped; pg_restore in one transaction)"},
    {"graphql", cmd_graphql, "graphql schema [FILE]",
     "write the GraphQL schema (SDL) from the schema table, to FILE or stdout (docs/schema.graphql)"},
    {"reputation", cmd_reputation, REP_CLI_USAGE,
     "recompute every score, print or verify a score's receipt, its history; commit an epoch"},
    {"validator", cmd_validator, REP_SIGN_USAGE,
     "sign a reputation epoch as the oracle's EIP-712 round with a validator's own key"},
    {"version", cmd_version, "version", "print the version"},
    {"help", cmd_help, "help", "this text"},
};

static void usage(FILE *out) {
  fprintf(out, "pheme %s — verified work as portable reputation\n\nUsage:\n", PHEME_VERSION);
  for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
    fprintf(out, "  pheme %-58s %s\n", commands[i].usage, commands[i].help);
  fputc('\n', out);
  config_print_help(out);
}

static int cmd_help(cmd_ctx *c) {
  (void)c;
  usage(stdout);
  return 0;
}

static int cmd_config(cmd_ctx *c) {
  const char *what = c->nargs > 0 ? c->args[0] : "";
  if (strcmp(what, "show") == 0) {
    config_print_values(&c->cfg, stdout);
  } else if (strcmp(what, "example") == 0) {
    config_print_example(stdout);
  } else {
    fprintf(stderr, "usage: pheme config show | pheme config example\n");
    return 2;
  }
  return 0;
}

/* --- pheme graphql schema (src/graphql/pheme_schema.c) --- */

static int cmd_graphql(cmd_ctx *c) {
  if (c->nargs < 1 || strcmp(c->args[0], "schema") != 0 || c->nargs > 2) {
    fprintf(stderr, "usage: pheme graphql schema [FILE]\n");
    return 2;
  }
  buf b;
  buf_init(&b, 1 << 22);
  char err[256];
  if (gqlp_schema_sdl(&b, err, sizeof err)) {
    fprintf(stderr, "pheme graphql: %s\n", err);
    buf_release(&b);
    return 1;
  }
  FILE *f = c->nargs == 2 ? fopen(c->args[1], "w") : stdout;
  if (!f) {
    fprintf(stderr, "pheme graphql: cannot write '%s'\n", c->args[1]);
    buf_release(&b);
    return 1;
  }
  int ok = fwrite(b.data, 1, b.len, f) == b.len;
  if (f != stdout) ok = fclose(f) == 0 && ok;
  buf_release(&b);
  return ok ? 0 : 1;
}

static int cmd_version(cmd_ctx *c) {
  (void)c;
  printf("pheme %s (%s)\n", PHEME_VERSION, PHEME_GIT_COMMIT);
  return 0;
}

/* Opens storage as configured and, when asked, applies migrations. */
static store *open_store(const pheme_config *cfg, int migrate) {
  store_options o = {(int)cfg->db_pool_size, (int)cfg->db_busy_timeout,
                     strcmp(cfg->sqlite_synchronous, "full") == 0, cfg->database_replica,
                     (int)cfg->db_group_commit_wait_us, (int)cfg->sqlite_wal_autocheckpoint,
                     (int)cfg->db_statement_timeout, (int)cfg->database_replica_max_lag_ms,
                     (int)cfg->db_replica_pool_size, (int)cfg->db_connect_timeout};
  char err[512];
  store *s;
  if (store_open(&s, cfg->database, &o, err, sizeof err)) {
    log_error("%s", err);
    return NULL;
  }
  if (migrate) {
    int applied;
    if (store_migrate(s, &applied, err, sizeof err)) {
      log_error("%s", err);
      store_free(s);
      return NULL;
    }
    if (applied) log_info("applied %d schema migration(s) to %s", applied, store_driver_name(s));
  }
  return s;
}

static int cmd_migrate(cmd_ctx *c) {
  store *s = open_store(&c->cfg, 1);
  if (!s) return 1;
  printf("schema is at the latest version\n");
  store_free(s);
  return 0;
}

/* The nodes' notices through Redis (core/redis_bus.h), when configured: read by the answer
 * cache's generation below. */
static redis_bus *bus_;

/* The answer cache's generation: this process's writes, plus the other nodes' notices when Redis
 * is configured (both only move on, so their sum does); unknown while the notices are not
 * arriving, and then the cache is bypassed. */
static uint64_t app_generation(void *a) {
  uint64_t gen = store_generation(((app *)a)->store), shared = 0;
  if (bus_ && !redis_bus_generation(bus_, &shared)) return HTTP_CACHE_BYPASS;
  return gen + shared;
}

static void bus_publish(void *b) { redis_bus_publish(b); }
static void bus_wake_hub(void *hub) { events_hub_wake(hub); }

/* The operations routes alone (/healthz, /readyz, /metrics): what a worker or indexer answers. */
static size_t ops_routes(http_route *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < api_route_count && n < cap; i++)
    if (strcmp(api_routes[i].tag, "operations") == 0 && api_routes[i].rate == ROUTE_UNLIMITED) out[n++] = api_routes[i];
  return n;
}

/* What a role runs (docs/operations.md, "Roles"): the parts the others do not are turned off in
 * this process's configuration before anything starts. */
static pheme_err apply_role(pheme_config *cfg, int *api) {
  *api = 1;
  if (strcmp(cfg->node_role, "api") == 0) {
    cfg->jobs_workers = 0; /* the queue is the workers'; the chain's sender and indexer too */
    cfg->chain_sender = 0;
    cfg->chain_indexer = 0;
  } else if (strcmp(cfg->node_role, "worker") == 0) {
    cfg->chain_indexer = 0;
    *api = 0;
  } else if (strcmp(cfg->node_role, "indexer") == 0) {
    cfg->jobs_workers = 0;
    cfg->chain_sender = 0;
    *api = 0;
  } else if (strcmp(cfg->node_role, "all") != 0) {
    return PHEME_SYS_CONFIG;
  }
  /* a worker or an indexer serves no web app, and reads only the primary (store/pg/replica.h) */
  if (!*api) {
    PHEME_TRY(config_set(cfg, "web_root", "", "role", NULL, 0));
    PHEME_TRY(config_set(cfg, "database_replica", "", "role", NULL, 0));
  }
  /* the pool sized for the role (docs/operations.md "Connection pools") */
  long long pool = strcmp(cfg->node_role, "api") == 0      ? cfg->db_pool_size_api
                   : strcmp(cfg->node_role, "worker") == 0 ? cfg->db_pool_size_worker
                   : strcmp(cfg->node_role, "indexer") == 0 ? cfg->db_pool_size_indexer
                                                            : 0;
  if (pool > 0) cfg->db_pool_size = pool;
  return PHEME_OK;
}

static int cmd_serve(cmd_ctx *c) {
  pheme_config *cfg = &c->cfg;
  /* `serve --role X` is node_role (a flag of serve's own: `key create --role` is a person's role) */
  for (int i = 0; i < c->nargs; i++) {
    if (strcmp(c->args[i], "--role") == 0 && i + 1 < c->nargs) {
      char err[256];
      if (config_set(cfg, "node_role", c->args[i + 1], "flag --role", err, sizeof err)) {
        fprintf(stderr, "pheme serve: %s\n", err);
        return 2;
      }
      i++;
    } else {
      fprintf(stderr, "pheme serve: unknown argument '%s' (see pheme help)\n", c->args[i]);
      return 2;
    }
  }
  int serve_api;
  if (apply_role(cfg, &serve_api)) {
    fprintf(stderr, "pheme serve: unknown role '%s' (all, api, worker or indexer)\n", cfg->node_role);
    return 2;
  }
  http_route ops[8];
  size_t nops = serve_api ? 0 : ops_routes(ops, 8);
  /* Signals are taken by sigwait in this thread; every thread started from here on inherits
   * the mask, so none of libmicrohttpd's threads is interrupted by them. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  store *s = open_store(cfg, cfg->migrate_on_start);
  if (!s) return 1;
  char err[512];
  if (cfg->demo && demo_seed(s, err, sizeof err)) {
    log_error("%s", err);
    store_free(s);
    return 1;
  }
  char why[256];
  if (router_check(api_routes, api_route_count, why, sizeof why)) PHEME_BUG("%s", why);
  signin_config signin;
  if (signin_config_load(&signin, cfg, err, sizeof err)) {
    log_error("%s", err);
    store_free(s);
    return 1;
  }
  if (signin.random_keys)
    log_warn("jwt_keys is not set: access tokens are signed with a random key of this run and stop "
             "working when the server restarts (set PHEME_JWT_KEYS)");
  /* /metrics: every module that counts something registers its collector here */
  metrics_registry metrics;
  metrics_init(&metrics);
  int64_t started_ms = time_now_ms();
  if (metrics_register(&metrics, metrics_process_collect, &started_ms) ||
      metrics_register(&metrics, store_metrics_collect, s) ||
      metrics_register(&metrics, jobs_metrics_collect, s) ||
      metrics_register(&metrics, pipeline_metrics_collect, s) ||
      metrics_register(&metrics, badges_metrics_collect, s) ||
      metrics_register(&metrics, sse_metrics_collect, NULL) ||
      metrics_register(&metrics, ws_metrics_collect, NULL))
    PHEME_BUG("the metrics registry is full");
  app a = {.cfg = cfg, .store = s, .signin = &signin, .metrics = &metrics};
  if (!(a.content = content_local_open(cfg->content_dir, err, sizeof err))) {
    log_error("%s", err);
    signin_config_release(&signin);
    store_free(s);
    metrics_release(&metrics);
    return 1;
  }
  ratelimit *limits = NULL;
  redis_client *redis = NULL;
  http_cache *cache = NULL;
  chain_workers chain;
  jobs_pool *jobs = NULL;
  events_hub *hub = NULL;
  int rc = 1;
  pipeline pipe;
  memset(&pipe, 0, sizeof pipe);
  issuance iss; /* badges on chain (game/issuance.h) */
  if (issuance_from_config(&iss, cfg, err, sizeof err)) {
    log_warn("%s: badges and Skill Wallet progress stay off chain", err);
    memset(&iss, 0, sizeof iss);
  }
  badges_engine badges = {.s = s, .iss = &iss};
  a.badges = &badges;
  static game game_;
  static game_rules game_rules_;
  matching *match = NULL;
  if (chain_workers_init(&chain, cfg, err, sizeof err)) {
    log_error("%s", err);
    goto out;
  }
  if (pipeline_init(&pipe, s, cfg, err, sizeof err)) {
    log_error("%s", err);
    goto out;
  }
  a.pipeline = &pipe;
  chain_suite suite; /* the contracts on the configured chain: admin slashes go to its registry */
  pheme_err se = chain_suite_load(&suite, cfg, err, sizeof err);
  if (!se) a.suite = &suite;
  else if (se != PHEME_DATA_NOT_FOUND) log_warn("%s: slashing on chain is off", err);
  rep_engine rep;
  if (rep_engine_init(&rep, s, cfg, err, sizeof err)) {
    log_error("%s", err);
    goto out;
  }
  if (cfg->demo && demo_pipeline_seed(s, &pipe, err, sizeof err)) {
    log_error("%s", err);
    goto out;
  }
  /* the leaderboards: built from the XP ledger before the first request (docs/internals/leaderboards.md) */
  if (!(a.boards = leaderboards_new())) {
    log_error("out of memory for the leaderboards");
    goto out;
  }
  if (leaderboards_load(a.boards, s, 50000, err, sizeof err)) {
    log_error("%s", err);
    goto out;
  }
  if (metrics_register(&metrics, leaderboards_metrics_collect, a.boards)) PHEME_BUG("the metrics registry is full");
  /* other processes' awards on the same database reach the boards within events_poll_ms */
  if (leaderboards_follow_start(a.boards, (int)cfg->events_poll_ms)) {
    log_error("could not start the leaderboards' ledger follower");
    goto out;
  }
  /* the game's parts joined (game/wiring.h): awards committed here move the boards, and badge
   * rules see streaks, quests, guild achievements and season ranks */
  if (game_xp_listen(game_boards_on_award, a.boards)) PHEME_BUG("the XP listeners are full");
  badge_facts_hook_set(game_badge_facts, a.boards);
  /* the matching index (API nodes only): built before the first request, then rebuilt in the
   * background */
  if (cfg->matching && serve_api) {
    if ((match = matching_new())) matching_set_reputation(match, matching_rep_from_engine, NULL, s); /* the engine's scores */
    if (!match || matching_build(match, s, err, sizeof err)) {
      log_error("%s", match ? err : "out of memory for the matching index");
      goto out;
    }
    if (cfg->matching_refresh_seconds > 0 && matching_start(match, s, (int)cfg->matching_refresh_seconds))
      log_warn("matching: the refresh thread did not start; the index is kept current by updates only");
    if (metrics_register(&metrics, matching_metrics_collect, match)) PHEME_BUG("the metrics registry is full");
    a.matching = match;
  }
  if (cfg->demo && cfg->chain_rpc && *cfg->chain_rpc && cfg->chain_operator_key && *cfg->chain_operator_key) {
    /* the demo's scores as the oracle's next round, signed by the dev validator (src/reputation/round.c) */
    int64_t round;
    if (rep_round_dev(&rep, cfg, &round, err, sizeof err)) log_warn("reputation round not published: %s", err);
    else log_info("reputation round %lld of the demo's scores queued for ReputationOracle", (long long)round);
  }
  if (chain.sigcheck_on) {
    signin.contract_check = sigcheck_signin;
    signin.contract_ctx = &chain.sigcheck;
    pipe.contract_check = sigcheck_signin; /* reviews by contract-wallet validators (EIP-1271) */
    pipe.contract_ctx = &chain.sigcheck;
  }
  if (cfg->redis && *cfg->redis) {
    if (redis_client_new(cfg->redis, (int)cfg->redis_timeout_ms, (int)cfg->redis_backoff_ms, &redis, err, sizeof err)) {
      log_error("%s", err);
      goto out;
    }
    a.redis = redis;
    if (metrics_register(&metrics, redis_metrics_collect, redis)) PHEME_BUG("the metrics registry is full");
    log_info("sharing rate limits, events and the answer cache's freshness with the other nodes through redis %s",
             redis_where(redis));
    if (!(bus_ = redis_bus_new(redis, (int)cfg->redis_backoff_ms))) {
      log_error("out of memory for the redis subscriber");
      goto out;
    }
    if (metrics_register(&metrics, redis_bus_metrics_collect, bus_)) PHEME_BUG("the metrics registry is full");
    store_replica_share(s, redis); /* read-your-writes pins seen by every node */
  }
  if (cfg->rate_limit) {
    const int per_minute[RL__CLASSES] = {(int)cfg->rate_limit_auth, (int)cfg->rate_limit_read,
                                         (int)cfg->rate_limit_write, (int)cfg->rate_limit_graphql};
    if (!(limits = ratelimit_new(per_minute, (size_t)cfg->rate_limit_clients))) {
      log_error("out of memory for rate limits");
      goto out;
    }
    if (redis) ratelimit_share(limits, redis);
    if (metrics_register(&metrics, ratelimit_metrics_collect, limits)) PHEME_BUG("the metrics registry is full");
  }
  /* The answer cache is correct for one process writing its storage: with PostgreSQL, other
   * nodes write too and nothing would tell this one, so auto keeps it off there, unless Redis
   * carries the other nodes' notices (core/redis_bus.h). */
  int want_cache = strcmp(cfg->answer_cache, "on") == 0 ||
                   (strcmp(cfg->answer_cache, "auto") == 0 && (strcmp(store_driver_name(s), "sqlite") == 0 || bus_));
  if (want_cache &&
      !(cache = http_cache_new((size_t)cfg->answer_cache_mb << 20, (uint64_t)cfg->answer_cache_ttl * 1000000u))) {
    log_error("out of memory for the answer cache");
    goto out;
  }
  /* One thread per core this process may run on: the affinity mask, not the machine's count, so
   * a container's cpuset or taskset is respected. */
  cpu_set_t set;
  long cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
  http_options o = {
      .listen = cfg->listen,
      .threads = cfg->threads ? (int)cfg->threads : (int)(cores > 0 ? cores : 1),
      .max_connections = (int)cfg->max_connections,
      .connection_timeout = (int)cfg->connection_timeout,
      .per_client_connections = (int)cfg->per_client_connections,
      .head_timeout = (int)cfg->request_head_timeout,
      .body_timeout = (int)cfg->request_body_timeout,
      .body_memory = (size_t)cfg->body_memory,
      .body_limit = (size_t)cfg->body_limit,
      .header_limit = (size_t)cfg->header_limit,
      .public_url = cfg->public_url,
      .cors_origins = cfg->cors_origins,
      .web_root = cfg->web_root,
      .log_requests = cfg->log_requests,
      .routes = serve_api ? api_routes : ops,
      .nroutes = serve_api ? api_route_count : nops,
      .authenticate = api_authenticate,
      .authorize = api_authorize,
      .limits = limits,
      .cache = cache,
      .generation = app_generation,
      .trusted_proxies = cfg->trusted_proxies,
      .metrics = &metrics,
      .app = &a,
  };
  if (cfg->log_requests && log_batching_start((int)cfg->log_batch_ms))
    log_warn("access lines are written one by one: the log flusher thread did not start");
  /* the event hub (SSE, /ws, webhook fan-out): before the server, which hands it subscribers */
  events_hub_options eo = {cfg->events_poll_ms, cfg->events_heartbeat * 1000, WEBHOOK_JOB_KIND,
                           (int)cfg->webhooks_max_attempts, &metrics, o.threads - 1};
  if (!(hub = events_hub_start(s, &eo, err, sizeof err))) {
    log_error("%s", err);
    goto out;
  }
  /* the other nodes hear of this node's writes, and this node of theirs: its hub wakes at once
   * and its answer cache moves on */
  if (bus_) {
    if (redis_bus_start(bus_, bus_wake_hub, hub, (int)cfg->redis_timeout_ms * 2)) {
      log_error("could not start the redis subscriber's thread");
      goto out;
    }
    store_writes_listen(s, bus_publish, bus_);
  }
  a.events = hub;
  a.http = http_server_start(&o, err, sizeof err);
  if (!a.http) {
    log_error("%s", err);
    goto out;
  }
  if (chain_workers_start(&chain, s, cfg, &metrics, err, sizeof err)) {
    log_error("%s", err);
    http_server_stop(a.http, 0);
    goto out;
  }
  if (cfg->jobs_workers > 0) {
    jobs_options jo;
    jobs_options_from_config(&jo, cfg);
    jobs_register_builtin(cfg->jobs_test_kinds);
    if (pipeline_register(&pipe) || game_badges_register_jobs(&badges))
      PHEME_BUG("the table of job kinds is full");
    game_rules_from_config(&game_rules_, cfg);
    game_init(&game_, s, &game_rules_);
    if (game_register(&game_)) PHEME_BUG("the table of job kinds is full");
    if (rep_register_jobs(&rep, cfg)) PHEME_BUG("the table of job kinds is full");
    if (webhooks_register(cfg)) PHEME_BUG("the table of job kinds is full");
    if (!(jobs = jobs_pool_start(s, &jo, err, sizeof err))) {
      log_error("%s", err);
      http_server_stop(a.http, 0);
      goto out;
    }
  }
  log_info("pheme %s (role %s) listening on %s with %d threads, storage %s, answer cache %s; open %s",
           PHEME_VERSION, cfg->node_role, cfg->listen, o.threads, store_driver_name(s), cache ? "on" : "off",
           cfg->public_url);
  printf("PHEME is running: open %s (API at %s/api/v1, listening on %s). Ctrl-C stops it.\n",
         cfg->public_url, cfg->public_url, cfg->listen);
  fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  log_info("received %s: finishing in-flight requests (up to %llds)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
           cfg->shutdown_timeout);
  events_hub_stop(hub); /* event streams end, so the server's stop does not wait for them */
  ws_shutdown(3000);    /* WebSockets get their close frame (1001) before the server stops */
  int left = http_server_stop(a.http, (int)cfg->shutdown_timeout);
  if (left) log_warn("%d request(s) still in flight at the shutdown deadline were dropped", left);
  rc = 0;
out:
  jobs_pool_stop(jobs); /* running jobs finish; claimed ones not started go back */
  store_writes_listen(s, NULL, NULL); /* no more writes to publish */
  events_hub_stop(hub);
  pipeline_release(&pipe);
  issuance_release(&iss);
  if (match) metrics_unregister(&metrics, matching_metrics_collect, match);
  matching_free(match);
  chain_workers_stop(&chain);
  log_batching_stop();
  http_cache_free(cache);
  ratelimit_free(limits);
  /* once the chain's workers are stopped (a commit may be telling the other nodes), and before
   * the hub is freed (a notice wakes it) */
  if (bus_) metrics_unregister(&metrics, redis_bus_metrics_collect, bus_);
  redis_bus_free(bus_);
  bus_ = NULL;
  events_hub_free(hub);
  store_replica_share(s, NULL);
  redis_client_free(redis);
  signin_config_release(&signin);
  content_backend_free(a.content);
  if (a.boards) metrics_unregister(&metrics, leaderboards_metrics_collect, a.boards);
  leaderboards_free(a.boards);
  store_free(s);
  metrics_release(&metrics);
  if (!rc) log_info("stopped");
  return rc;
}

/* --- pheme key --- */

static const char *flag_value(cmd_ctx *c, const char *name) {
  for (int i = 0; i + 1 < c->nargs; i++)
    if (strcmp(c->args[i], name) == 0) return c->args[i + 1];
  return NULL;
}

static int key_create(cmd_ctx *c, store *s) {
  const char *role = flag_value(c, "--role"), *owner = flag_value(c, "--owner"),
             *label = flag_value(c, "--label");
  uint8_t addr[20];
  if (!role || !role_from_name(role)) {
    fprintf(stderr, "pheme key create: --role must be user, creator, validator or admin (got '%s')\n",
            role ? role : "");
    return 2;
  }
  if (!owner || address_parse_hex(addr, owner)) {
    fprintf(stderr, "pheme key create: --owner must be an address, 0x and 40 hex digits (got '%s')\n",
            owner ? owner : "");
    return 2;
  }
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, "cli"};
  user u;
  int created;
  char key[64];
  uint8_t hash[32];
  api_key k;
  int rc = 1;
  if (store_user_ensure(s, &a, &sys, addr, &u, &created)) {
    fprintf(stderr, "pheme key create: cannot find or create the owner\n");
  } else if (api_key_generate(key, hash)) {
    fprintf(stderr, "pheme key create: no random bytes from the kernel\n");
  } else {
    char prefix[13];
    snprintf(prefix, sizeof prefix, "%.12s", key);
    if (store_key_create(s, &a, &sys, u.id, hash, prefix, role, label, &k)) {
      fprintf(stderr, "pheme key create: storing the key failed\n");
    } else {
      char hex[43];
      address_format_hex(hex, addr);
      printf("created API key %lld (%s) for %s%s; it is shown only now:\n%s\n", (long long)k.id,
             role, hex, created ? " (new user)" : "", key);
      rc = 0;
    }
  }
  arena_release(&a);
  return rc;
}

static int cmd_key(cmd_ctx *c) {
  const char *sub = c->nargs > 0 ? c->args[0] : "";
  if (strcmp(sub, "create") && strcmp(sub, "list") && strcmp(sub, "revoke")) {
    fprintf(stderr, "usage: pheme %s\n", commands[2].usage);
    return 2;
  }
  store *s = open_store(&c->cfg, 1);
  if (!s) return 1;
  int rc = 0;
  if (strcmp(sub, "create") == 0) {
    rc = key_create(c, s);
  } else if (strcmp(sub, "list") == 0) {
    arena a;
    arena_init(&a, 0);
    api_key *list;
    int n;
    store_page p = {0, 1000};
    if (store_keys_list(s, &a, 0, &p, &list, &n)) {
      rc = 1;
    } else {
      for (int i = 0; i < n; i++) {
        char hex[43];
        address_format_hex(hex, list[i].address);
        printf("%-6lld %-10s %-14s %s %s%s\n", (long long)list[i].id, list[i].role, list[i].prefix,
               hex, list[i].label, list[i].revoked_at ? " (revoked)" : "");
      }
    }
    arena_release(&a);
  } else {
    long long id;
    store_actor sys = {0, "cli"};
    if (c->nargs < 2 || parse_int(c->args[1], 1, INT64_MAX, &id)) {
      fprintf(stderr, "pheme key revoke: give the key's id (see pheme key list)\n");
      rc = 2;
    } else if (store_key_revoke(s, &sys, id)) {
      fprintf(stderr, "pheme key revoke: no active key %lld\n", id);
      rc = 1;
    } else {
      printf("revoked API key %lld\n", id);
    }
  }
  store_free(s);
  return rc;
}

static int cmd_seed(cmd_ctx *c) {
  const char *what = c->nargs > 0 ? c->args[0] : "";
  long long users = 0, tasks = 0;
  if (strcmp(what, "demo") && strcmp(what, "bench")) {
    fprintf(stderr, "usage: pheme %s\n", commands[3].usage);
    return 2;
  }
  if (strcmp(what, "bench") == 0) {
    const char *u = flag_value(c, "--users"), *t = flag_value(c, "--tasks");
    if ((u && parse_int(u, 0, 100000000, &users)) || (t && parse_int(t, 0, 100000000, &tasks))) {
      fprintf(stderr, "pheme seed bench: --users and --tasks take counts\n");
      return 2;
    }
  }
  store *s = open_store(&c->cfg, 1);
  if (!s) return 1;
  char err[512];
  int rc;
  if (strcmp(what, "demo") == 0) {
    /* the same demo as `serve --demo`: people and tasks, then one submission through the loop */
    pipeline pipe;
    memset(&pipe, 0, sizeof pipe);
    rc = demo_seed(s, err, sizeof err) || pipeline_init(&pipe, s, &c->cfg, err, sizeof err) ||
         demo_pipeline_seed(s, &pipe, err, sizeof err);
    pipeline_release(&pipe);
  } else {
    rc = bench_seed(s, users, tasks, err, sizeof err);
  }
  if (rc) fprintf(stderr, "pheme seed: %s\n", err);
  store_free(s);
  return rc ? 1 : 0;
}

/* --- pheme backup / restore (store/backup.h) --- */

static int backup_or_restore(cmd_ctx *c, int restore) {
  const char *file = c->nargs > 0 ? c->args[0] : "";
  if (!*file || file[0] == '-') {
    fprintf(stderr, "usage: pheme %s FILE [--database URL]\n", restore ? "restore" : "backup");
    return 2;
  }
  char err[512];
  pheme_err e = restore ? store_restore(c->cfg.database, file, err, sizeof err)
                        : store_backup(c->cfg.database, file, err, sizeof err);
  if (e) {
    fprintf(stderr, "pheme %s: %s (%s)\n", restore ? "restore" : "backup", err, pheme_err_code(e));
    return 1;
  }
  printf("%s %s\n", restore ? "restored the database from" : "wrote a backup to", file);
  return 0;
}

static int cmd_backup(cmd_ctx *c) { return backup_or_restore(c, 0); }
static int cmd_restore(cmd_ctx *c) { return backup_or_restore(c, 1); }

/* --- pheme chain (src/chain/cli.c) --- */

static int cmd_chain(cmd_ctx *c) {
  const char *sub = c->nargs > 0 ? c->args[0] : "";
  if (strcmp(sub, "deploy") == 0) return chain_cli_deploy(&c->cfg, c->args + 1, c->nargs - 1);
  if (strcmp(sub, "status") == 0) {
    /* the database adds the indexer and the outbox; the status still shows without it */
    store *s = open_store(&c->cfg, c->cfg.migrate_on_start);
    int rc = chain_cli_status(&c->cfg, s, c->args + 1, c->nargs - 1);
    if (s) store_free(s);
    return rc;
  }
  fprintf(stderr, "usage: pheme %s\n", CHAIN_CLI_USAGE);
  return 2;
}

/* --- pheme content --- */

/* Streams FILE into the content store (the backend and the content table) and prints its CID. */
static int content_add(cmd_ctx *c, const char *path, const char *media_type) {
  char type[CONTENT_MEDIA_TYPE_MAX];
  if (content_media_type_parse(media_type, type)) {
    fprintf(stderr, "pheme content add: '%s' is not a media type (type/subtype)\n", media_type);
    return 2;
  }
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "pheme content add: cannot open '%s'\n", path);
    return 1;
  }
  char err[512];
  content_backend *b = content_local_open(c->cfg.content_dir, err, sizeof err);
  store *s = b ? open_store(&c->cfg, 1) : NULL;
  content_upload *u = NULL;
  int rc = 1;
  if (!b) fprintf(stderr, "pheme content add: %s\n", err);
  if (!b || !s) goto out;
  if (content_upload_begin(b, UINT64_MAX, &u, err, sizeof err)) {
    fprintf(stderr, "pheme content add: %s\n", err);
    goto out;
  }
  static char chunk[1 << 20];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (content_upload_write(u, chunk, n, err, sizeof err)) {
      fprintf(stderr, "pheme content add: %s\n", err);
      goto out;
    }
  }
  if (ferror(f)) {
    fprintf(stderr, "pheme content add: cannot read '%s'\n", path);
    goto out;
  }
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, "cli"};
  cid id;
  content_record rec;
  int created;
  content_upload *done = u;
  u = NULL;
  if (content_upload_commit(done, s, &a, &sys, type, 0, &id, &rec, &created, err, sizeof err)) {
    fprintf(stderr, "pheme content add: %s\n", err);
  } else {
    char text[CID_TEXT_SIZE];
    cid_format(&id, text);
    printf("%s\n", text);
    rc = 0;
  }
  arena_release(&a);
out:
  content_upload_abort(u);
  if (f != stdin) fclose(f);
  if (s) store_free(s);
  content_backend_free(b);
  return rc;
}

static int cmd_content(cmd_ctx *c) {
  const char *sub = c->nargs > 0 ? c->args[0] : "";
  /* FILE, or "-" for standard input; any other word starting with '-' is a flag */
  if (strcmp(sub, "add") == 0 && c->nargs >= 2 && (c->args[1][0] != '-' || strcmp(c->args[1], "-") == 0)) {
    const char *type = flag_value(c, "--media-type");
    return content_add(c, c->args[1], type ? type : "application/octet-stream");
  }
  fprintf(stderr, "usage: pheme content add FILE [--media-type TYPE]   (FILE - reads standard input)\n");
  return 2;
}

/* --- pheme worker and pheme jobs (src/jobs/cli.c) --- */

/* The indexer alone, no HTTP (serve --role indexer adds /healthz, /readyz and /metrics). */
static int cmd_indexer(cmd_ctx *c) {
  if (c->nargs > 0) {
    fprintf(stderr, "pheme indexer: unknown argument '%s' (see pheme help)\n", c->args[0]);
    return 2;
  }
  pheme_config *cfg = &c->cfg;
  if (!cfg->chain_rpc || !*cfg->chain_rpc) {
    fprintf(stderr, "pheme indexer: no chain is configured (chain_rpc)\n");
    return 2;
  }
  int api;
  if (config_set(cfg, "node_role", "indexer", "pheme indexer", NULL, 0) || apply_role(cfg, &api)) PHEME_BUG("role indexer");
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  store *s = open_store(cfg, cfg->migrate_on_start);
  if (!s) return 1;
  chain_workers chain;
  char err[512];
  int rc = 1;
  if (chain_workers_init(&chain, cfg, err, sizeof err) || chain_workers_start(&chain, s, cfg, NULL, err, sizeof err)) {
    log_error("%s", err);
  } else {
    log_info("pheme %s indexer: following chain %lld until SIGTERM", PHEME_VERSION, cfg->chain_id);
    int sig = 0;
    sigwait(&stop, &sig);
    rc = 0;
  }
  chain_workers_stop(&chain);
  store_free(s);
  return rc;
}

static int cmd_worker(cmd_ctx *c) {
  if (c->nargs > 0) {
    fprintf(stderr, "pheme worker: unknown argument '%s' (see pheme help)\n", c->args[0]);
    return 2;
  }
  /* the parts of `serve --role worker`, and its configuration: db_pool_size_worker, no replica */
  int api;
  if (config_set(&c->cfg, "node_role", "worker", "pheme worker", NULL, 0) || apply_role(&c->cfg, &api))
    PHEME_BUG("role worker");
  store *s = open_store(&c->cfg, c->cfg.migrate_on_start);
  if (!s) return 1;
  pipeline pipe;
  char err[512];
  if (pipeline_init(&pipe, s, &c->cfg, err, sizeof err)) {
    log_error("%s", err);
    pipeline_release(&pipe);
    store_free(s);
    return 1;
  }
  issuance iss;
  if (issuance_from_config(&iss, &c->cfg, err, sizeof err)) {
    log_warn("%s: badges and Skill Wallet progress stay off chain", err);
    memset(&iss, 0, sizeof iss);
  }
  badges_engine badges = {.s = s, .iss = &iss};
  if (pipeline_register(&pipe) || game_badges_register_jobs(&badges))
    PHEME_BUG("the table of job kinds is full");
  badge_facts_hook_set(game_badge_facts, NULL); /* a worker holds no boards: no season ranks */
  static game game_;
  game_rules rules;
  game_rules_from_config(&rules, &c->cfg);
  game_init(&game_, s, &rules);
  if (game_register(&game_)) PHEME_BUG("the table of job kinds is full");
  rep_engine rep;
  if (rep_engine_init(&rep, s, &c->cfg, err, sizeof err)) {
    log_error("%s", err);
    issuance_release(&iss);
    pipeline_release(&pipe);
    store_free(s);
    return 1;
  }
  if (rep_register_jobs(&rep, &c->cfg)) PHEME_BUG("the table of job kinds is full");
  if (webhooks_register(&c->cfg)) PHEME_BUG("the table of job kinds is full");
  int rc = jobs_cli_worker(&c->cfg, s);
  issuance_release(&iss);
  pipeline_release(&pipe);
  store_free(s);
  return rc;
}

static int cmd_jobs(cmd_ctx *c) {
  store *s = open_store(&c->cfg, c->cfg.migrate_on_start);
  if (!s) return 1;
  int rc = jobs_cli(&c->cfg, s, c->args, c->nargs);
  store_free(s);
  return rc;
}

/* --- pheme game (src/game/cli.c) --- */

static int cmd_game(cmd_ctx *c) {
  store *s = open_store(&c->cfg, c->cfg.migrate_on_start);
  if (!s) return 1;
  int rc = game_cli(&c->cfg, s, c->args, c->nargs);
  store_free(s);
  return rc;
}

/* --- pheme reputation (src/reputation/cli.c) --- */

static int cmd_reputation(cmd_ctx *c) {
  store *s = open_store(&c->cfg, c->cfg.migrate_on_start);
  if (!s) return 1;
  int rc = rep_cli(&c->cfg, s, c->args, c->nargs);
  store_free(s);
  return rc;
}

static int cmd_validator(cmd_ctx *c) {
  if (c->nargs < 1 || strcmp(c->args[0], "sign-round") != 0) {
    fprintf(stderr, "usage: pheme " REP_SIGN_USAGE "\n");
    return 2;
  }
  store *s = open_store(&c->cfg, c->cfg.migrate_on_start);
  if (!s) return 1;
  int rc = rep_cli_sign_round(&c->cfg, s, c->args + 1, c->nargs - 1);
  store_free(s);
  return rc;
}

/* --- pheme dev (src/chain/dev.c) --- */

static int cmd_dev(cmd_ctx *c) {
  /* Ctrl-C while the chain is being prepared waits for the server's sigwait, which then stops
   * at once, so anvil is always stopped below */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  dev_chain d;
  char err[512];
  if (dev_chain_start(&d, &c->cfg, stdout, err, sizeof err)) {
    fprintf(stderr, "pheme dev: %s\n", err);
    return 1;
  }
  c->cfg.demo = 1;
  c->cfg.graphql_introspection = 1; /* GraphiQL and codegen need it; off by default elsewhere */
  dev_chain_print(&d, stdout);
  int rc = cmd_serve(c);
  dev_chain_stop(&d);
  printf("pheme dev: anvil stopped\n");
  return rc;
}

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "help";
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) name = "help";
  if (strcmp(name, "--version") == 0) name = "version";
  const command *cmd = NULL;
  for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
    if (strcmp(commands[i].name, name) == 0) cmd = &commands[i];
  if (!cmd) {
    fprintf(stderr, "pheme: unknown command '%s'\n\n", name);
    usage(stderr);
    return 2;
  }
  cmd_ctx c;
  config_init(&c.cfg);
  int rest_cap = argc > 2 ? argc - 2 : 1;
  c.args = calloc((size_t)rest_cap + 1, sizeof *c.args);
  char err[512];
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    }
  if (!c.args || config_load(&c.cfg, argc - 2, argv + 2, environ, c.args, &c.nargs, err, sizeof err)) {
    fprintf(stderr, "pheme: %s\n", c.args ? err : "out of memory");
    return 2;
  }
  int level = log_level_parse(c.cfg.log_level);
  log_init(level < 0 ? LOG_INFO : (log_level)level, 2);
  int rc = cmd->run(&c);
  config_release(&c.cfg);
  free(c.args);
  return rc;
}
