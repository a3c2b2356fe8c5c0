/* Opening storage, units of work, readiness and statistics; see store.h and internal.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "store/internal.h"
#include "store/migrate.h"
#include "store/pg/replica.h"
#include "core/banned.h"

pheme_err store_open(store **out, const char *url, const store_options *opt, char *err, size_t errlen) {
  store *s = calloc(1, sizeof *s);
  if (!s) return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "out of memory");
  db_options o = {opt->pool_size, opt->busy_timeout_ms, opt->synchronous_full, opt->wal_autocheckpoint,
                  opt->replica, opt->statement_timeout_ms, opt->replica_pool_size,
                  opt->connect_timeout_s};
  pheme_err e = db_open(&s->db, url, &o, err, errlen);
  if (e) {
    free(s);
    return e;
  }
  s->drv = s->db->drv;
  if (s->drv == &db_pg_driver && opt->replica && *opt->replica)
    s->gate = replica_gate_start(s, opt->replica_max_lag_ms > 0 ? opt->replica_max_lag_ms : 1000);
  pthread_mutex_init(&s->committer.mu, NULL);
  pthread_mutex_init(&s->keys.mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the committer's waits are timed */
  pthread_cond_init(&s->committer.wake, &ca);
  pthread_cond_init(&s->committer.turn_cv, NULL);
  pthread_condattr_destroy(&ca);
  s->committer.wait_us = opt->group_commit_wait_us;
  s->committer.want = s->drv == &db_pg_driver ? COMMITTERS_PG : 1;
  *out = s;
  return 0;
}

void store_free(store *s) {
  if (!s) return;
  /* the committer first: the writes still queued commit, and each commit tells the gate */
  store_batch_stop(s);
  replica_gate_stop(s->gate);
  s->gate = NULL;
  pthread_mutex_destroy(&s->committer.mu);
  pthread_mutex_destroy(&s->keys.mu);
  pthread_cond_destroy(&s->committer.wake);
  pthread_cond_destroy(&s->committer.turn_cv);
  s->drv->close(s->db);
  free(s);
}

const char *store_driver_name(store *s) { return s->drv->name; }

uint64_t store_generation(store *s) { return __atomic_load_n(&s->generation, __ATOMIC_ACQUIRE); }

void store_writes_listen(store *s, void (*fn)(void *ctx), void *ctx) {
  __atomic_store_n(&s->writes_hook, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&s->writes_ctx, ctx, __ATOMIC_RELEASE);
  __atomic_store_n(&s->writes_hook, fn, __ATOMIC_RELEASE);
}

void store_replica_share(store *s, struct redis_client *redis) { replica_gate_share(s->gate, redis); }

int store_replica_state(store *s, int *usable) {
  *usable = 0;
  return s->gate ? replica_gate_state(s->gate, usable) : -2;
}

void store_wrote(store *s) {
  void (*hook)(void *) = __atomic_load_n(&s->writes_hook, __ATOMIC_ACQUIRE);
  if (hook) hook(__atomic_load_n(&s->writes_ctx, __ATOMIC_ACQUIRE));
}

pheme_err store_migrate(store *s, int *applied, char *err, size_t errlen) {
  return migrate_apply(s->db, INT_MAX, applied, err, errlen);
}

pheme_err store_ready(store *s, char *why, size_t n) {
  int applied = migrate_latest_applied(s->db), known = migrate_latest_known(s->drv->name);
  if (applied < 0) return pheme_fail(PHEME_SYS_STORAGE, why, n, "storage does not answer");
  if (applied < known)
    return pheme_fail(PHEME_SYS_STORAGE, why, n, "schema at version %d, this build needs %d: run pheme migrate", applied, known);
  return 0;
}

void store_stats_get(store *s, store_stats *out) {
  db_pool_stats p;
  s->drv->pool_stats(s->db, &p);
  out->db_driver = s->drv->name;
  out->schema_known = migrate_latest_known(s->drv->name);
  out->schema_applied = -1; /* filled by callers who can afford a query */
  out->pool_size = p.size;
  out->pool_in_use = p.in_use;
  out->pool_waiting = p.waiting;
  out->pool_acquired = p.acquired;
  out->pool_timeouts = p.timeouts;
}

void store_metrics_collect(metrics_writer *w, void *ctx) {
  store *s = ctx;
  store_stats st;
  store_stats_get(s, &st);
  const char *drv[] = {"driver", st.db_driver, NULL};
  mw_family(w, "pheme_storage_pool_connections", METRIC_GAUGE, "Pooled storage connections by state.");
  mw_i64(w, (const char *[]){"driver", st.db_driver, "state", "total", NULL}, st.pool_size);
  mw_i64(w, (const char *[]){"driver", st.db_driver, "state", "in_use", NULL}, st.pool_in_use);
  mw_family(w, "pheme_storage_pool_waiting", METRIC_GAUGE, "Callers waiting for a storage connection.");
  mw_i64(w, drv, st.pool_waiting);
  mw_family(w, "pheme_storage_pool_acquired_total", METRIC_COUNTER, "Connections handed out.");
  mw_u64(w, drv, st.pool_acquired);
  mw_family(w, "pheme_storage_pool_timeouts_total", METRIC_COUNTER, "Waits for a connection that timed out.");
  mw_u64(w, drv, st.pool_timeouts);
  store_batch_stats gs;
  store_batch_stats_get(s, &gs);
  mw_family(w, "pheme_storage_group_commits_total", METRIC_COUNTER,
            "Transactions of the group committer (sign-ins).");
  mw_u64(w, NULL, gs.commits);
  mw_family(w, "pheme_storage_group_jobs_total", METRIC_COUNTER, "Writes it finished (failed ones included).");
  mw_u64(w, NULL, gs.jobs);
  mw_family(w, "pheme_storage_group_reruns_total", METRIC_COUNTER, "Batches run again without a job that failed.");
  mw_u64(w, NULL, gs.reruns);
  mw_family(w, "pheme_storage_group_largest", METRIC_GAUGE, "The most writes committed in one transaction.");
  mw_u64(w, NULL, gs.largest);
  if (s->gate) replica_gate_metrics(w, s->gate);
}

/* The thread's pinned read connection (store_read_pin), at most one store at a time. */
static _Thread_local struct {
  store *s;
  db_conn *c;
  int depth;
  int in_read; /* its read transaction is open */
} pin;

pheme_err store_read_pin(store *s) {
  if (pin.depth > 0) {
    pin.depth += pin.s == s; /* another store's pin is left alone: its reads go on as usual */
    return PHEME_OK;
  }
  pin.c = s->drv->acquire(s->db, s->gate && replica_gate_primary(s->gate)); /* as sx_take's reads */
  if (!pin.c) return PHEME_SYS_STORAGE;
  pin.s = s;
  pin.depth = 1;
  pin.in_read = s->drv->read_begin_sql && !s->drv->query(pin.c, NULL, s->drv->read_begin_sql, NULL, 0, NULL);
  return PHEME_OK;
}

void store_read_unpin(store *s) {
  if (pin.s != s || pin.depth <= 0 || --pin.depth > 0) return;
  if (pin.in_read && s->drv->query(pin.c, NULL, "ROLLBACK", NULL, 0, NULL)) s->drv->exec_script(pin.c, "ROLLBACK");
  s->drv->release(s->db, pin.c);
  pin.s = NULL;
  pin.c = NULL;
  pin.in_read = 0;
}

static pheme_err sx_take(store *s, arena *a, sx *x, int write) {
  x->s = s;
  x->in_tx = 0;
  x->in_read = 0;
  x->wrote_keys = 0;
  x->holds_turn = 0;
  x->on_commit = NULL;
  x->wrote_event = 0;
  arena_init(&x->scratch, 0);
  x->a = a ? a : &x->scratch;
  /* a read goes to the replica only when the gate allows it (pg/replica.h); acquire's write
   * flag is what picks the primary's pool. A pinned read (store_read_pin) uses the pin's. */
  x->pinned = !write && pin.s == s && pin.depth > 0;
  x->c = x->pinned ? pin.c : s->drv->acquire(s->db, write || (s->gate && replica_gate_primary(s->gate)));
  return x->c ? PHEME_OK : PHEME_SYS_STORAGE;
}

pheme_err sx_read(store *s, arena *a, sx *x) { return sx_take(s, a, x, 0); }

pheme_err sx_snapshot(sx *x) {
  if (!x->s->drv->read_begin_sql || x->in_read || x->in_tx || x->pinned) return PHEME_OK;
  /* through the statement cache: BEGIN and ROLLBACK are prepared once per connection */
  pheme_err e = x->s->drv->query(x->c, x->a, x->s->drv->read_begin_sql, NULL, 0, NULL);
  if (!e) x->in_read = 1;
  return e;
}

pheme_err sx_write(store *s, arena *a, sx *x) {
  pheme_err e = sx_take(s, a, x, 1);
  if (e) return e;
  /* BEGIN and COMMIT go through the statement cache too: sqlite3_exec would parse them anew for
   * every transaction */
  e = s->drv->query(x->c, x->a, s->drv->begin_sql, NULL, 0, NULL);
  if (e) {
    sx_end(x);
    return e;
  }
  x->in_tx = 1;
  return PHEME_OK;
}

/* Whether sql may change what the API-key cache holds (keys.c: a key's api_keys row and its
 * owner's users row; no trigger writes them, and only a deleted person's rows cascade into
 * api_keys). An INSERT, UPDATE or DELETE writes the table it names first; any other statement that
 * is not a read is taken to write every table it names (it may say yes for one that only reads
 * them: the next lookup of a key then reads it again). */
static int names_table(const char *t, const char *name, size_t n) {
  return strncmp(t, name, n) == 0 && !(t[n] == '_' || (t[n] >= 'a' && t[n] <= 'z') || (t[n] >= '0' && t[n] <= '9'));
}

static int touches_keys(const char *sql) {
  while (*sql == ' ' || *sql == '\n' || *sql == '\t') sql++;
  static const char *const reads[] = {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"};
  for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
    if (strncmp(sql, reads[i], strlen(reads[i])) == 0) return 0;
  const char *t = strncmp(sql, "INSERT INTO ", 12) == 0   ? sql + 12
                  : strncmp(sql, "DELETE FROM ", 12) == 0 ? sql + 12
                  : strncmp(sql, "UPDATE ", 7) == 0       ? sql + 7
                                                          : NULL;
  if (t) return names_table(t, "users", 5) || names_table(t, "api_keys", 8);
  return strstr(sql, "users") || strstr(sql, "api_keys");
}

/* After a statement that may have changed api_keys or users: in a transaction, its commit ends the
 * key cache's entries; outside one (an autocommitted write), it ends them now. */
static void keys_written(sx *x, const char *sql) {
  if (!touches_keys(sql)) return;
  if (x->in_tx) x->wrote_keys = 1;
  else __atomic_add_fetch(&x->s->keys_generation, 1, __ATOMIC_RELEASE);
}

uint64_t store_keys_generation(store *s) { return __atomic_load_n(&s->keys_generation, __ATOMIC_ACQUIRE); }

pheme_err sx_query(sx *x, const char *sql, const dbv *args, int nargs, db_result *out) {
  pheme_err e = x->s->drv->query(x->c, x->a, sql, args, nargs, out);
  keys_written(x, sql);
  return e;
}

pheme_err sx_insert_id(sx *x, int64_t *id, const char *sql, const char *sql_returning,
                       const dbv *args, int nargs) {
  const db_driver *d = x->s->drv;
  keys_written(x, sql);
  if (d->last_insert_id) {
    pheme_err e = d->query(x->c, x->a, sql, args, nargs, NULL);
    if (!e) *id = d->last_insert_id(x->c);
    return e;
  }
  db_result r;
  pheme_err e = d->query(x->c, x->a, sql_returning, args, nargs, &r);
  if (!e) *id = r.rows ? db_int(&r, 0, 0) : 0;
  return e;
}

/* "head VALUES ($1, …), … tail" for rows of cols placeholders. */
static const char *values_sql(arena *a, const char *head, const char *tail, int cols, int rows) {
  size_t cap = strlen(head) + strlen(tail) + (size_t)rows * (size_t)cols * 8 + (size_t)rows * 4 + 16;
  char *o = arena_alloc(a, cap);
  if (!o) return NULL;
  size_t k = (size_t)snprintf(o, cap, "%s VALUES ", head);
  for (int r = 0, p = 1; r < rows; r++) {
    o[k++] = r ? ',' : ' ';
    o[k++] = '(';
    for (int c = 0; c < cols; c++, p++) { /* "$n" by hand: snprintf here was 8% of a batched award */
      if (c) o[k++] = ',', o[k++] = ' ';
      o[k++] = '$';
      char d[12];
      int nd = 0;
      for (int v = p; v; v /= 10) d[nd++] = (char)('0' + v % 10);
      while (nd) o[k++] = d[--nd];
    }
    o[k++] = ')';
  }
  snprintf(o + k, cap - k, "%s", tail);
  return o;
}

pheme_err sx_insert_rows(sx *x, const char *head, const char *tail, int cols, const dbv *args, int nrows) {
  static const int sizes[] = {64, 16, 4, 1};
  int done = 0;
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0] && done < nrows; s++) {
    if (nrows - done < sizes[s]) continue;
    const char *sql = values_sql(x->a, head, tail, cols, sizes[s]);
    if (!sql) return PHEME_SYS_NOMEM;
    for (; nrows - done >= sizes[s]; done += sizes[s]) {
      pheme_err e = sx_query(x, sql, args + (size_t)done * (size_t)cols, sizes[s] * cols, NULL);
      if (e) return e;
    }
  }
  return PHEME_OK;
}

pheme_err sx_commit(sx *x) {
  pheme_err e = PHEME_OK;
  int committed = 0;
  if (x->c && x->in_tx) {
    e = x->s->drv->query(x->c, x->a, "COMMIT", NULL, 0, NULL);
    x->in_tx = e ? 1 : 0;
    /* after the commit, so whoever sees the new generation can read the new rows */
    if (!e) __atomic_add_fetch(&x->s->generation, 1, __ATOMIC_RELEASE);
    /* even when COMMIT failed: a lost connection may have committed it */
    if (x->wrote_keys) __atomic_add_fetch(&x->s->keys_generation, 1, __ATOMIC_RELEASE);
    committed = !e;
    if (committed && x->s->gate) replica_gate_committed(x->s->gate, x);
  }
  /* after the connection is given back: the callback may take locks of its own */
  void (*on_commit)(store *) = committed ? x->on_commit : NULL;
  int events = committed && x->wrote_event;
  store *s = x->s;
  sx_end(x);
  if (on_commit) on_commit(s);
  if (committed) store_wrote(s);
  void (*hook)(void *) = events ? __atomic_load_n(&s->events_hook, __ATOMIC_ACQUIRE) : NULL;
  if (hook) hook(__atomic_load_n(&s->events_ctx, __ATOMIC_ACQUIRE));
  return e;
}

void sx_end(sx *x) {
  if (!x->c) return;
  if (x->in_tx) x->s->drv->exec_script(x->c, "ROLLBACK");
  if (x->in_read && x->s->drv->query(x->c, x->a, "ROLLBACK", NULL, 0, NULL))
    x->s->drv->exec_script(x->c, "ROLLBACK");
  x->in_read = 0;
  if (!x->pinned) x->s->drv->release(x->s->db, x->c);
  x->c = NULL;
  x->in_tx = 0;
  x->wrote_keys = 0;
  x->pinned = 0;
  arena_release(&x->scratch);
}

pheme_err sx_audit(sx *x, const store_actor *who, const char *action, const char *subject_type,
                   int64_t subject_id, const char *detail) {
  return Q(x, NULL,
           "INSERT INTO audit_log (at, actor_id, request_id, action, subject_type, subject_id, "
           "detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
           dbv_int(time_now_ms()), who && who->user_id ? dbv_int(who->user_id) : dbv_null(),
           dbv_text(who && who->request_id ? who->request_id : ""), dbv_text(action),
           dbv_text(subject_type), dbv_int(subject_id), dbv_text(detail ? detail : "{}"));
}

int sx_is_pg(const sx *x) { return x->s->drv == &db_pg_driver; }

void sx_addr(const db_result *r, int row, int col, uint8_t dst[20]) {
  size_t n;
  const uint8_t *p = db_blob(r, row, col, &n);
  if (p && n == 20)
    memcpy(dst, p, 20);
  else
    memset(dst, 0, 20);
}

pheme_err store_count(store *s, const char *table, int64_t *out) {
  static const char *allowed[] = {"users", "tasks", "submissions", "guilds", "skills", "audit_log",
                                  "api_keys"};
  const char *sql = NULL;
  char buf_sql[64];
  for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
    if (strcmp(table, allowed[i]) == 0) {
      snprintf(buf_sql, sizeof buf_sql, "SELECT count(*) FROM %s", allowed[i]);
      sql = buf_sql;
    }
  if (!sql) PHEME_BUG("count of unknown table '%s'", table);
  sx x;
  pheme_err e = sx_read(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q0(&x, &r, sql);
  if (!e) *out = r.rows ? db_int(&r, 0, 0) : 0;
  sx_end(&x);
  return e;
}

pheme_err store_audit_list(store *s, arena *a, const char *subject_type, int64_t subject_id,
                           const store_page *p, audit_entry **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT id, at, coalesce(actor_id, 0), subject_id, request_id, action, subject_type, detail "
        "FROM audit_log WHERE subject_type = $1 AND subject_id = $2 AND id < $3 ORDER BY id DESC "
        "LIMIT $4",
        dbv_text(subject_type), dbv_int(subject_id), dbv_int(page_before(p)), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    audit_entry *en = &(*out)[i];
    en->id = db_int(&r, i, 0);
    en->at = db_int(&r, i, 1);
    en->actor_id = db_int(&r, i, 2);
    en->subject_id = db_int(&r, i, 3);
    en->request_id = db_text(&r, i, 4);
    en->action = db_text(&r, i, 5);
    en->subject_type = db_text(&r, i, 6);
    en->detail = db_text(&r, i, 7);
  }
  *n = r.rows;
  return PHEME_OK;
}
