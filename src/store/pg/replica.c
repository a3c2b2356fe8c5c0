/* Bounded-staleness replica reads and read-your-writes pins; see replica.h. */
#include "store/pg/replica.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "core/banned.h"

#define SAMPLES 128          /* the primary's positions kept: the check interval is max_lag / 64 or more */
#define PIN_SLOTS 65536      /* pins by key hash; keys that share a slot share its pin (more primary reads) */
#define BACKOFF_MAX_MS 5000  /* the longest wait between checks of a replica that is down */
#define LSN_SQL_PRIMARY "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint"
#define LSN_SQL_REPLICA "SELECT coalesce((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, -1)"

struct replica_gate {
  store *s;
  int max_lag_ms, interval_ms;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stopping, started;
  /* the monitor's samples: the primary's position at a time (monitor thread only) */
  struct { int64_t at_ms, lsn; } samples[SAMPLES];
  int nsamples, next;
  /* what readers see (atomics) */
  int64_t replica_lsn;   /* the replica's replay position at the last good check; -1 unknown */
  int64_t checked_ms;    /* monotonic ms of the last good check; 0 none */
  int64_t staleness_ms;  /* at that check */
  int64_t lag_bytes;
  int64_t commit_lsn;    /* the highest position a commit here was followed by */
  uint64_t reads_replica, reads_primary, pins, checks_failed;
  int standby;           /* the replica is in recovery (a streaming standby) */
  int up;                /* the replica answered the last check that asked it: 1, 0, -1 not asked yet */
  int backoff_ms;        /* the wait before the next check while the replica is down (monitor only) */
  redis_client *redis;   /* pins shared with the other nodes, or NULL */
  uint64_t pin[PIN_SLOTS];
};

static int64_t mono_ms(void) { return (int64_t)(time_mono_us() / 1000); }

static int64_t lsn_query(store *s, int write, const char *sql) {
  db_conn *c = s->drv->acquire(s->db, write);
  if (!c) return -2;
  arena a;
  arena_init(&a, 0);
  db_result r;
  int64_t v = -2;
  if (!s->drv->query(c, &a, sql, NULL, 0, &r) && r.rows == 1) v = db_int(&r, 0, 0);
  s->drv->release(s->db, c);
  arena_release(&a);
  return v;
}

/* Notes whether the replica answered a check: a change is logged, and while it is down the
 * monitor waits longer between checks (each one reconnects, which against a host that does not
 * answer costs db_connect_timeout), doubling up to BACKOFF_MAX_MS; the first answer attaches it. */
static void replica_seen(replica_gate *g, int answered) {
  int was = __atomic_exchange_n(&g->up, answered, __ATOMIC_ACQ_REL);
  if (answered) {
    g->backoff_ms = 0;
    if (was == 0) log_info("replica: answers again; reads may go to it within database_replica_max_lag_ms");
    return;
  }
  g->backoff_ms = g->backoff_ms ? g->backoff_ms * 2 : g->interval_ms;
  if (g->backoff_ms > BACKOFF_MAX_MS) g->backoff_ms = BACKOFF_MAX_MS;
  if (was != 0) log_warn("replica: does not answer; reads go to the primary, checked again with back-off up to %d ms", BACKOFF_MAX_MS);
}

/* One check: the primary's position now, then the replica's; the latest sample the replica has
 * replayed past says how far behind it is. */
static void check(replica_gate *g) {
  int64_t t = mono_ms();
  int64_t p = lsn_query(g->s, 1, LSN_SQL_PRIMARY);
  int64_t r = p >= 0 ? lsn_query(g->s, 0, LSN_SQL_REPLICA) : -2;
  if (p >= 0) replica_seen(g, r >= -1);
  if (p < 0 || r < -1) {
    __atomic_add_fetch(&g->checks_failed, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&g->checked_ms, 0, __ATOMIC_RELEASE);
    return;
  }
  __atomic_store_n(&g->standby, r >= 0, __ATOMIC_RELAXED);
  if (r < 0) { /* not in recovery: nothing says what it has; reads stay on the primary */
    __atomic_store_n(&g->checked_ms, 0, __ATOMIC_RELEASE);
    return;
  }
  g->samples[g->next].at_ms = t;
  g->samples[g->next].lsn = p;
  g->next = (g->next + 1) % SAMPLES;
  if (g->nsamples < SAMPLES) g->nsamples++;
  int64_t caught_up = -1; /* the time of the latest sample at or below r */
  for (int i = 0; i < g->nsamples; i++)
    if (g->samples[i].lsn <= r && g->samples[i].at_ms > caught_up) caught_up = g->samples[i].at_ms;
  /* none: behind every sample kept, so at least as stale as the oldest one (and not known to
   * be within the bound while the samples span less than it) */
  int64_t stale = 0;
  if (caught_up >= 0) {
    stale = t - caught_up;
  } else {
    int64_t oldest = t;
    for (int i = 0; i < g->nsamples; i++)
      if (g->samples[i].at_ms < oldest) oldest = g->samples[i].at_ms;
    stale = t - oldest > g->max_lag_ms ? t - oldest : g->max_lag_ms + 1;
  }
  __atomic_store_n(&g->replica_lsn, r, __ATOMIC_RELEASE);
  __atomic_store_n(&g->staleness_ms, stale, __ATOMIC_RELAXED);
  __atomic_store_n(&g->lag_bytes, p > r ? p - r : 0, __ATOMIC_RELAXED);
  __atomic_store_n(&g->checked_ms, t, __ATOMIC_RELEASE);
}

static void *monitor(void *arg) {
  replica_gate *g = arg;
  pthread_mutex_lock(&g->mu);
  while (!g->stopping) {
    pthread_mutex_unlock(&g->mu);
    check(g);
    pthread_mutex_lock(&g->mu);
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    int wait_ms = g->backoff_ms > g->interval_ms ? g->backoff_ms : g->interval_ms;
    dl.tv_sec += wait_ms / 1000;
    dl.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
      dl.tv_sec++;
      dl.tv_nsec -= 1000000000L;
    }
    while (!g->stopping && pthread_cond_timedwait(&g->cv, &g->mu, &dl) != ETIMEDOUT) {
    }
  }
  pthread_mutex_unlock(&g->mu);
  return NULL;
}

replica_gate *replica_gate_start(store *s, int max_lag_ms) {
  replica_gate *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->s = s;
  g->max_lag_ms = max_lag_ms;
  g->interval_ms = max_lag_ms / 64 > 100 ? max_lag_ms / 64 : 100;
  g->replica_lsn = -1;
  g->up = -1;
  pthread_mutex_init(&g->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&g->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&g->thread, NULL, monitor, g)) {
    log_warn("replica: the monitor thread did not start: every read goes to the primary");
  } else {
    g->started = 1;
  }
  read_ctx_on_write(replica_gate_pin, g);
  return g;
}

void replica_gate_stop(replica_gate *g) {
  if (!g) return;
  read_ctx_on_write(NULL, NULL);
  pthread_mutex_lock(&g->mu);
  g->stopping = 1;
  pthread_cond_signal(&g->cv);
  pthread_mutex_unlock(&g->mu);
  if (g->started) pthread_join(g->thread, NULL);
  pthread_mutex_destroy(&g->mu);
  pthread_cond_destroy(&g->cv);
  free(g);
}

void replica_gate_share(replica_gate *g, redis_client *r) {
  if (g) __atomic_store_n(&g->redis, r, __ATOMIC_RELEASE);
}

static void pin_key(char out[32], uint64_t k) { snprintf(out, 32, "pheme:pin:%016llx", (unsigned long long)k); }

/* Whether any of c's keys is pinned past the replica's position r: here, then through Redis. */
static int pinned(replica_gate *g, const read_ctx *c, int64_t r) {
  for (int i = 0; i < c->nkeys; i++)
    if ((int64_t)__atomic_load_n(&g->pin[c->keys[i] % PIN_SLOTS], __ATOMIC_ACQUIRE) > r) return 1;
  redis_client *rc = __atomic_load_n(&g->redis, __ATOMIC_ACQUIRE);
  if (!rc) return 0;
  char k0[32], k1[32];
  pin_key(k0, c->keys[0]);
  pin_key(k1, c->nkeys > 1 ? c->keys[1] : c->keys[0]);
  redis_value v;
  if (redis_command(rc, 3, (const char *[]){"MGET", k0, k1}, &v) || v.type != REDIS_ARR) return 1; /* unknown: primary */
  for (int i = 0; i < v.n; i++)
    if (v.a[i].type == REDIS_STR && strtoll(v.a[i].s, NULL, 10) > r) return 1;
  return 0;
}

int replica_gate_primary(replica_gate *g) {
  read_ctx *c = read_ctx_current();
  int primary = 1;
  if (c && c->nkeys && c->verdict) {
    primary = c->verdict == READ_PRIMARY;
  } else if (c && c->nkeys) {
    int64_t at = __atomic_load_n(&g->checked_ms, __ATOMIC_ACQUIRE);
    int64_t r = __atomic_load_n(&g->replica_lsn, __ATOMIC_ACQUIRE);
    /* staleness at the check, plus what the check's age may have added */
    int fresh = at > 0 && __atomic_load_n(&g->staleness_ms, __ATOMIC_RELAXED) + (mono_ms() - at) <= g->max_lag_ms;
    primary = !fresh || pinned(g, c, r);
    c->verdict = primary ? READ_PRIMARY : READ_REPLICA;
  }
  __atomic_add_fetch(primary ? &g->reads_primary : &g->reads_replica, 1, __ATOMIC_RELAXED);
  return primary;
}

void replica_gate_committed(replica_gate *g, sx *x) {
  read_ctx *c = read_ctx_current();
  if (c) {
    c->wrote = 1;
    c->verdict = READ_PRIMARY;
  }
  db_result r;
  if (sx_query(x, LSN_SQL_PRIMARY, NULL, 0, &r) || r.rows != 1) return; /* the monitor's next sample covers it */
  int64_t lsn = db_int(&r, 0, 0), cur = __atomic_load_n(&g->commit_lsn, __ATOMIC_RELAXED);
  while (lsn > cur && !__atomic_compare_exchange_n(&g->commit_lsn, &cur, lsn, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
  }
}

void replica_gate_pin(const read_ctx *c, void *arg) {
  replica_gate *g = arg;
  uint64_t lsn = (uint64_t)__atomic_load_n(&g->commit_lsn, __ATOMIC_ACQUIRE);
  if (!lsn) return;
  for (int i = 0; i < c->nkeys; i++) {
    uint64_t *slot = &g->pin[c->keys[i] % PIN_SLOTS], cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
    while (lsn > cur && !__atomic_compare_exchange_n(slot, &cur, lsn, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
    }
  }
  __atomic_add_fetch(&g->pins, 1, __ATOMIC_RELAXED);
  redis_client *rc = __atomic_load_n(&g->redis, __ATOMIC_ACQUIRE);
  if (!rc) return;
  /* the highest position wins; the pin outlives any wait the staleness bound allows */
  static const char script[] =
      "for _, k in ipairs(KEYS) do local v = tonumber(redis.call('GET', k) or '0') "
      "if tonumber(ARGV[1]) > v then redis.call('SET', k, ARGV[1], 'PX', ARGV[2]) "
      "else redis.call('PEXPIRE', k, ARGV[2]) end end return 1";
  char k0[32], k1[32], v[24], ttl[24];
  pin_key(k0, c->keys[0]);
  pin_key(k1, c->nkeys > 1 ? c->keys[1] : c->keys[0]);
  snprintf(v, sizeof v, "%llu", (unsigned long long)lsn);
  snprintf(ttl, sizeof ttl, "%d", 2 * g->max_lag_ms + 1000);
  redis_value out;
  if (redis_command(rc, 7, (const char *[]){"EVAL", script, "2", k0, k1, v, ttl}, &out))
    log_warn("replica: a read-your-writes pin was not shared (Redis: %s); other nodes read the primary until it is back",
             out.s[0] ? out.s : "down");
}

void replica_gate_metrics(metrics_writer *w, replica_gate *g) {
  int64_t at = __atomic_load_n(&g->checked_ms, __ATOMIC_ACQUIRE);
  int64_t stale = __atomic_load_n(&g->staleness_ms, __ATOMIC_RELAXED);
  mw_family(w, "pheme_storage_replica_usable", METRIC_GAUGE,
            "Whether the read replica is within database_replica_max_lag_ms (reads may go there).");
  mw_i64(w, NULL, at > 0 && stale + (mono_ms() - at) <= g->max_lag_ms);
  mw_family(w, "pheme_storage_replica_up", METRIC_GAUGE,
            "Whether the read replica answered the last check (0: down, reads on the primary, retried with back-off).");
  mw_i64(w, NULL, __atomic_load_n(&g->up, __ATOMIC_ACQUIRE) == 1);
  mw_family(w, "pheme_storage_replica_standby", METRIC_GAUGE, "Whether the replica answers as a standby in recovery.");
  mw_i64(w, NULL, __atomic_load_n(&g->standby, __ATOMIC_RELAXED));
  mw_family(w, "pheme_storage_replica_staleness_seconds", METRIC_GAUGE,
            "How far behind the primary the replica was at the last check (-1: unknown).");
  mw_f64(w, NULL, at > 0 ? (double)stale / 1000.0 : -1.0);
  mw_family(w, "pheme_storage_replica_lag_bytes", METRIC_GAUGE, "WAL the replica had not replayed at the last check.");
  mw_i64(w, NULL, __atomic_load_n(&g->lag_bytes, __ATOMIC_RELAXED));
  mw_family(w, "pheme_storage_reads_total", METRIC_COUNTER, "Reads by where they went.");
  mw_u64(w, (const char *[]){"to", "replica", NULL}, __atomic_load_n(&g->reads_replica, __ATOMIC_RELAXED));
  mw_u64(w, (const char *[]){"to", "primary", NULL}, __atomic_load_n(&g->reads_primary, __ATOMIC_RELAXED));
  mw_family(w, "pheme_storage_replica_pins_total", METRIC_COUNTER, "Requests that wrote and pinned their readers to the primary.");
  mw_u64(w, NULL, __atomic_load_n(&g->pins, __ATOMIC_RELAXED));
  mw_family(w, "pheme_storage_replica_checks_failed_total", METRIC_COUNTER, "Checks of the replica's position that failed.");
  mw_u64(w, NULL, __atomic_load_n(&g->checks_failed, __ATOMIC_RELAXED));
}

int replica_gate_state(replica_gate *g, int *usable) {
  int64_t at = __atomic_load_n(&g->checked_ms, __ATOMIC_ACQUIRE);
  *usable = at > 0 && __atomic_load_n(&g->staleness_ms, __ATOMIC_RELAXED) + (mono_ms() - at) <= g->max_lag_ms;
  return __atomic_load_n(&g->up, __ATOMIC_ACQUIRE);
}
