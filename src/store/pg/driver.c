/* The PostgreSQL backend over libpq: a pool of connections to the primary, an optional pool to a
 * read replica, and per-connection prepared statements named after a hash of their SQL.
 * Parameters travel as text (bytea as binary); results come back as text and are converted by
 * column type, so NUMERIC(78,0) amounts stay exact decimal strings.
 *
 * A pooled connection the server broke (PostgreSQL restarted, or the network cut it) is found
 * only when a statement is sent on it. A read that meets one outside a transaction reconnects and
 * runs again, once: a SELECT that is not part of a transaction block, or the BEGIN that opens one
 * (nothing of the transaction has run yet). A statement inside a transaction, or any other
 * statement outside one, is never run twice: it fails (503 SYS002), and the connection is
 * reconnected when the pool hands it out next. */
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/db.h"
#include "core/log.h"
#include "core/banned.h"

/* The prepared-statement cache: CACHE_SLOTS / CACHE_WAYS sets of CACHE_WAYS statements, the least
 * recently used of a set replaced (direct-mapped, two hot statements meeting in one slot were
 * prepared and deallocated again on every use). */
#define CACHE_SLOTS 256
#define CACHE_WAYS 4
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
/* libpq's connect_timeout when the options give none (db_connect_timeout's default) */
#define PG_CONNECT_TIMEOUT_S 5

typedef struct {
  uint64_t hash;
  char *sql;
  char name[24];
  uint64_t used; /* the connection's tick at the last use */
} prepared;

struct db_conn {
  PGconn *h;
  int replica;
  int statement_timeout_ms; /* set on every (re)connection */
  int reset_failing;        /* the last reconnect failed (logged once until one succeeds) */
  uint64_t tick;
  prepared cache[CACHE_SLOTS];
  char err[512];
};

typedef struct {
  struct db base;
  db_conn **conns;
  int nconns;
  db_pool *primary, *replica;
} pg_db;

static void cache_clear(db_conn *c) {
  for (int i = 0; i < CACHE_SLOTS; i++) {
    free(c->cache[i].sql);
    c->cache[i].sql = NULL;
    c->cache[i].hash = 0;
    c->cache[i].used = 0;
  }
}

static void conn_close(db_conn *c) {
  if (!c) return;
  cache_clear(c);
  PQfinish(c->h);
  free(c);
}

static void notice_quiet(void *arg, const char *msg) { (void)arg; (void)msg; }

/* The session settings every connection has: UTC, and the statement timeout. 0, or -1 with err
 * set. */
static int conn_setup(db_conn *c, char *err, size_t errlen) {
  PQsetNoticeProcessor(c->h, notice_quiet, NULL);
  PGresult *r = PQexec(c->h, "SET TIME ZONE 'UTC'");
  PQclear(r);
  if (c->statement_timeout_ms > 0) {
    /* a statement past it is cancelled by the server (SQLSTATE 57014): 503 SYS002, never a hang */
    char set[64];
    snprintf(set, sizeof set, "SET statement_timeout = %d", c->statement_timeout_ms);
    r = PQexec(c->h, set);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
      snprintf(err, errlen, "cannot set statement_timeout on PostgreSQL%s", c->replica ? " replica" : "");
      return -1;
    }
  }
  return 0;
}

/* Opens a connection to url. connect_timeout_s bounds each attempt (libpq's connect_timeout:
 * the TCP connect, TLS and the startup exchange, per address tried); PQreset reuses the
 * connection's options, so every reconnect is bounded too. It is given before the URL, whose
 * own connect_timeout, when it has one, is processed later and wins. */
static db_conn *conn_open(const char *url, int replica, int statement_timeout_ms, int connect_timeout_s, int later,
                          char *err, size_t errlen) {
  db_conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->replica = replica;
  c->statement_timeout_ms = statement_timeout_ms;
  char timeout[16];
  snprintf(timeout, sizeof timeout, "%d", connect_timeout_s > 0 ? connect_timeout_s : PG_CONNECT_TIMEOUT_S);
  const char *const keys[] = {"connect_timeout", "dbname", NULL};
  const char *const values[] = {timeout, url, NULL};
  if (later) { /* a replica already found down: not waited for again, connected on first use */
    c->h = PQconnectStartParams(keys, values, 1);
    c->reset_failing = 1;
    if (c->h) return c;
    conn_close(c);
    return NULL;
  }
  c->h = PQconnectdbParams(keys, values, 1);
  if (c->h && PQstatus(c->h) != CONNECTION_OK && replica) {
    /* a replica that is down does not stop the start: the connection is kept broken, reads go to
     * the primary (the replica gate's checks fail), and the gate's next check through it
     * reconnects it (pg_acquire) once the replica answers */
    const char *m = PQerrorMessage(c->h);
    snprintf(err, errlen, "%.*s", (int)strcspn(m, "\n"), m);
    c->reset_failing = 1;
    return c;
  }
  if (!c->h || PQstatus(c->h) != CONNECTION_OK) {
    /* libpq's message may quote the password-bearing URL only in parts it chose; trim the
     * trailing newline and never print the URL itself. */
    const char *m = c->h ? PQerrorMessage(c->h) : "out of memory";
    snprintf(err, errlen, "cannot connect to PostgreSQL%s: %.*s", replica ? " replica" : "",
             (int)strcspn(m, "\n"), m);
    conn_close(c);
    return NULL;
  }
  if (conn_setup(c, err, errlen)) {
    conn_close(c);
    return NULL;
  }
  return c;
}

/* Connects c again with the parameters it was opened with (its prepared statements are gone with
 * the old session). 0, or -1 when the server does not take it (c stays broken). */
static int conn_reset(db_conn *c) {
  cache_clear(c);
  PQreset(c->h); /* bounded by the connection's connect_timeout (conn_open) */
  if (PQstatus(c->h) != CONNECTION_OK) {
    /* logged once per outage of this connection, not once per request that meets it */
    if (!c->reset_failing) {
      const char *m = PQerrorMessage(c->h);
      log_warn("postgresql%s: cannot reconnect: %.*s", c->replica ? " replica" : "", (int)strcspn(m, "\n"), m);
    }
    c->reset_failing = 1;
    return -1;
  }
  if (c->reset_failing) log_info("postgresql%s: reconnected", c->replica ? " replica" : "");
  c->reset_failing = 0;
  char err[128];
  if (conn_setup(c, err, sizeof err)) {
    log_warn("postgresql%s: %s after reconnecting", c->replica ? " replica" : "", err);
    return -1;
  }
  return 0;
}

static void pg_close(db *d) {
  pg_db *p = (pg_db *)d;
  if (!p) return;
  db_pool_free(p->primary);
  db_pool_free(p->replica);
  for (int i = 0; i < p->nconns; i++) conn_close(p->conns[i]);
  free(p->conns);
  free(p);
}

static pheme_err pg_open(db **out, const char *url, const db_options *o, char *err, size_t errlen) {
  pg_db *p = calloc(1, sizeof *p);
  if (!p) return PHEME_SYS_STORAGE;
  p->base.drv = &db_pg_driver;
  int n = o->pool_size > 0 ? o->pool_size : 4;
  int nr = o->replica && *o->replica ? (o->replica_pool_size > 0 ? o->replica_pool_size : n) : 0;
  int total = n + nr;
  p->conns = calloc((size_t)total, sizeof *p->conns);
  if (!p->conns) goto fail;
  char *bad = NULL;
  PQconninfoOption *parsed = nr ? PQconninfoParse(o->replica, &bad) : NULL;
  if (nr && !parsed) { /* a mistake in the setting fails the start; only a replica that is down does not */
    snprintf(err, errlen, "invalid database_replica: %.*s", bad ? (int)strcspn(bad, "\n") : 13, bad ? bad : "out of memory");
    PQfreemem(bad);
    goto fail;
  }
  PQconninfoFree(parsed);
  int replica_down = 0;
  for (int i = 0; i < total; i++) {
    int replica = i >= n;
    p->conns[i] = conn_open(replica ? o->replica : url, replica, o->statement_timeout_ms, o->connect_timeout_s,
                            replica_down, err, errlen);
    if (!p->conns[i]) goto fail;
    p->nconns++;
    if (replica && PQstatus(p->conns[i]->h) != CONNECTION_OK) {
      if (!replica_down)
        log_warn("postgresql replica is down at start (%s): reads go to the primary until it answers", err);
      replica_down = 1;
      err[0] = 0;
    }
  }
  p->primary = db_pool_new(p->conns, n, o->busy_timeout_ms);
  if (!p->primary) goto fail;
  if (nr && !(p->replica = db_pool_new(p->conns + n, nr, o->busy_timeout_ms))) goto fail;
  *out = &p->base;
  return 0;
fail:
  pg_close(&p->base);
  return PHEME_SYS_STORAGE;
}

static db_conn *pg_acquire(db *d, int write) {
  pg_db *p = (pg_db *)d;
  db_conn *c = db_pool_get(!write && p->replica ? p->replica : p->primary);
  if (c && PQstatus(c->h) != CONNECTION_OK) (void)conn_reset(c); /* still broken: its statement fails */
  return c;
}

static void pg_release(db *d, db_conn *c) {
  pg_db *p = (pg_db *)d;
  if (PQtransactionStatus(c->h) != PQTRANS_IDLE) PQclear(PQexec(c->h, "ROLLBACK"));
  db_pool_put(c->replica ? p->replica : p->primary, c);
}

static pheme_err map_error(db_conn *c, PGresult *r) {
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c->h);
  snprintf(c->err, sizeof c->err, "%.*s", (int)strcspn(m, "\n"), m);
  if (!state) return PHEME_SYS_STORAGE;
  if (strcmp(state, "23505") == 0) return PHEME_DATA_CONFLICT;
  if (strncmp(state, "23", 2) == 0) return PHEME_DATA_INVALID;
  return PHEME_SYS_STORAGE;
}

static const char *prepare(db_conn *c, const char *sql, int nargs, PGresult **err) {
  uint64_t h = db_sql_hash(sql);
  prepared *set = &c->cache[(h % (CACHE_SLOTS / CACHE_WAYS)) * CACHE_WAYS], *slot = &set[0];
  for (int i = 0; i < CACHE_WAYS; i++) {
    if (set[i].sql && set[i].hash == h && strcmp(set[i].sql, sql) == 0) {
      set[i].used = ++c->tick;
      return set[i].name;
    }
    if (set[i].used < slot->used) slot = &set[i]; /* an empty way has used 0 */
  }
  char name[24];
  snprintf(name, sizeof name, "p%016llx", (unsigned long long)h);
  PGresult *r = PQprepare(c->h, name, sql, nargs, NULL);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    /* Another slot's statement with the same name (a hash collision is practically impossible;
     * this is a re-prepare after a cache eviction) already exists: deallocate and retry once. */
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (state && strcmp(state, "42P05") == 0) {
      PQclear(r);
      char dealloc[64];
      snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", name);
      PQclear(PQexec(c->h, dealloc));
      r = PQprepare(c->h, name, sql, nargs, NULL);
    }
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      *err = r;
      return NULL;
    }
  }
  PQclear(r);
  char *copy = strdup(sql);
  if (!copy) return NULL;
  if (slot->sql) {
    /* the slot's previous statement goes, unless it had this very name (replaced above) */
    if (strcmp(slot->name, name) != 0) {
      char dealloc[64];
      snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", slot->name);
      PQclear(PQexec(c->h, dealloc));
    }
    free(slot->sql);
  }
  slot->hash = h;
  slot->sql = copy;
  slot->used = ++c->tick;
  memcpy(slot->name, name, sizeof name);
  return slot->name;
}

static pheme_err convert(db_conn *c, arena *a, PGresult *r, db_result *out) {
  int rows = PQntuples(r), cols = PQnfields(r);
  dbv *cells = arena_alloc(a, sizeof *cells * (size_t)(rows ? rows : 1) * (size_t)(cols ? cols : 1));
  if (!cells) return PHEME_SYS_NOMEM;
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < cols; j++) {
      dbv *v = &cells[i * cols + j];
      if (PQgetisnull(r, i, j)) {
        *v = dbv_null();
        continue;
      }
      const char *t = PQgetvalue(r, i, j);
      size_t n = (size_t)PQgetlength(r, i, j);
      switch (PQftype(r, j)) {
        case OID_INT2:
        case OID_INT4:
        case OID_INT8: *v = dbv_int(strtoll(t, NULL, 10)); break;
        case OID_BOOL: *v = dbv_int(t[0] == 't'); break;
        case OID_BYTEA: {
          size_t bn = 0;
          unsigned char *b = PQunescapeBytea((const unsigned char *)t, &bn);
          if (!b) return PHEME_SYS_NOMEM;
          char *p = arena_alloc(a, bn + 1);
          if (!p) {
            PQfreemem(b);
            return PHEME_SYS_NOMEM;
          }
          if (bn) memcpy(p, b, bn);
          p[bn] = 0;
          PQfreemem(b);
          *v = (dbv){DBV_BLOB, 0, p, bn};
          break;
        }
        default: {
          char *p = arena_strndup(a, t, n);
          if (!p) return PHEME_SYS_NOMEM;
          *v = (dbv){DBV_TEXT, 0, p, n};
        }
      }
    }
  }
  (void)c;
  out->rows = rows;
  out->cols = cols;
  out->cells = cells;
  return PHEME_OK;
}

static pheme_err query_once(db_conn *c, arena *a, const char *sql, const dbv *args, int nargs, db_result *out) {
  PGresult *perr = NULL;
  const char *name = prepare(c, sql, nargs, &perr);
  if (!name) {
    pheme_err e = map_error(c, perr);
    PQclear(perr);
    return e;
  }
  /* up to 32 parameters on the stack; more (multi-row INSERTs) on the heap */
  const char *values_s[32], **values = values_s;
  int lengths_s[32], formats_s[32], *lengths = lengths_s, *formats = formats_s;
  char ints_s[32][24], (*ints)[24] = ints_s;
  void *heap = NULL;
  if (nargs > 32) {
    if (nargs > 65535) PHEME_BUG("'%s' has %d parameters; PostgreSQL takes at most 65535", sql, nargs);
    heap = malloc((sizeof *values + 2 * sizeof *lengths + sizeof *ints) * (size_t)nargs);
    if (!heap) return PHEME_SYS_NOMEM;
    ints = heap;
    values = (const char **)(ints + nargs);
    lengths = (int *)(values + nargs);
    formats = lengths + nargs;
  }
  for (int i = 0; i < nargs; i++) {
    formats[i] = 0;
    lengths[i] = 0;
    switch (args[i].type) {
      case DBV_NULL: values[i] = NULL; break;
      case DBV_INT:
        snprintf(ints[i], sizeof ints[i], "%lld", (long long)args[i].i);
        values[i] = ints[i];
        break;
      case DBV_TEXT: values[i] = args[i].p; break;
      case DBV_BLOB:
        values[i] = args[i].p;
        lengths[i] = (int)args[i].n;
        formats[i] = 1;
        break;
    }
  }
  PGresult *r = PQexecPrepared(c->h, name, nargs, values, lengths, formats, 0);
  free(heap);
  ExecStatusType st = PQresultStatus(r);
  pheme_err e = PHEME_OK;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    e = map_error(c, r);
    if (PQstatus(c->h) != CONNECTION_OK) cache_clear(c);
  } else if (out) {
    e = convert(c, a, r, out);
  }
  PQclear(r);
  return e;
}

/* Whether sql may run again after its connection broke outside a transaction: a SELECT (PHEME's
 * SELECTs outside a transaction read; the advisory locks it takes are transaction-scoped, so
 * they run inside one), or the BEGIN that opens a transaction. */
static int may_run_again(const char *sql) {
  while (isspace((unsigned char)*sql)) sql++;
  if (strcasecmp(sql, "BEGIN") == 0) return 1;
  return strncasecmp(sql, "SELECT", 6) == 0 && !isalnum((unsigned char)sql[6]) && sql[6] != '_';
}

static pheme_err pg_query(db_conn *c, arena *a, const char *sql, const dbv *args, int nargs, db_result *out) {
  int again = PQtransactionStatus(c->h) == PQTRANS_IDLE && may_run_again(sql);
  pheme_err e = query_once(c, a, sql, args, nargs, out);
  if (!e || !again || PQstatus(c->h) == CONNECTION_OK) return e;
  /* the server broke this pooled connection before the statement could run on it (a restart, a
   * network cut): one new connection, one more try */
  char was[sizeof c->err];
  memcpy(was, c->err, sizeof was);
  if (conn_reset(c)) {
    memcpy(c->err, was, sizeof was);
    return e;
  }
  log_info("postgresql%s: a pooled connection was broken (%s); reconnected and ran the read again",
           c->replica ? " replica" : "", was);
  return query_once(c, a, sql, args, nargs, out);
}

static pheme_err pg_exec_script(db_conn *c, const char *sql) {
  PGresult *r = PQexec(c->h, sql);
  pheme_err e = PHEME_OK;
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
    e = map_error(c, r);
  PQclear(r);
  return e;
}

static const char *pg_errmsg(db_conn *c) { return c->err; }

static void pg_pool_stats(db *d, db_pool_stats *out) {
  db_pool_stats_get(((pg_db *)d)->primary, out);
}

const db_driver db_pg_driver = {
    .name = "postgresql",
    .begin_sql = "BEGIN",
    .read_begin_sql = NULL,
    .open = pg_open,
    .close = pg_close,
    .acquire = pg_acquire,
    .release = pg_release,
    .query = pg_query,
    .exec_script = pg_exec_script,
    .errmsg = pg_errmsg,
    .pool_stats = pg_pool_stats,
};
