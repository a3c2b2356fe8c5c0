/* The SQL driver interface under store.h: a const vtable per backend (SQLite VFS, curl vtls).
 *
 * PHEME's queries are written once, in the SQL both backends share, with $1, $2, … placeholders
 * (SQLite reads "$1" as a named parameter; the sqlite driver maps names to positions). Where the
 * dialects differ (schema, upserts on some types), migrations and the few affected queries are per
 * dialect; see docs/internals/store.md for why the split is here and not one file per backend per
 * aggregate.
 *
 * Results are copied into the caller's arena, so a result outlives the connection it came from
 * and the caller never frees cells one by one. */
#ifndef PHEME_STORE_DB_H
#define PHEME_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

typedef enum { DBV_NULL, DBV_INT, DBV_TEXT, DBV_BLOB } dbv_type;

/* One parameter or result cell. Text is NUL-terminated; n is its length. */
typedef struct {
  dbv_type type;
  int64_t i;
  const char *p;
  size_t n;
} dbv;

static inline dbv dbv_null(void) { return (dbv){DBV_NULL, 0, NULL, 0}; }
static inline dbv dbv_int(int64_t i) { return (dbv){DBV_INT, i, NULL, 0}; }
dbv dbv_text(const char *s); /* NULL gives a NULL cell */
static inline dbv dbv_blob(const void *p, size_t n) { return (dbv){DBV_BLOB, 0, (const char *)p, n}; }

typedef struct {
  int rows, cols;
  dbv *cells; /* rows * cols, row-major, in the caller's arena */
} db_result;

static inline const dbv *db_cell(const db_result *r, int row, int col) {
  return &r->cells[row * r->cols + col];
}
/* Typed reads of a cell: NULL cells read as 0 / NULL / empty. */
int64_t db_int(const db_result *r, int row, int col);
const char *db_text(const db_result *r, int row, int col);
const uint8_t *db_blob(const db_result *r, int row, int col, size_t *n);

typedef struct db db;
typedef struct db_conn db_conn;

typedef struct {
  int pool_size;
  int busy_timeout_ms;
  int synchronous_full; /* SQLite */
  int wal_autocheckpoint; /* SQLite: WAL pages that trigger a checkpoint; 0 = SQLite's default */
  const char *replica;  /* PostgreSQL read replica, or NULL */
  int statement_timeout_ms; /* PostgreSQL: statement_timeout of every connection; 0 = none */
  int replica_pool_size;    /* PostgreSQL: connections to the replica; 0 = pool_size */
  int connect_timeout_s;    /* PostgreSQL: libpq connect_timeout of every connection; 0 = 5 */
} db_options;

typedef struct {
  int size, in_use, waiting;
  uint64_t acquired, timeouts;
} db_pool_stats;

typedef struct db_driver {
  const char *name;    /* "sqlite", "postgresql": also the migrations folder */
  const char *begin_sql; /* how a write transaction starts */
  /* How a unit of reads starts, or NULL to let each statement stand alone. SQLite: one deferred
   * transaction takes the WAL read lock once for all the statements of a request (and gives
   * them one snapshot); PostgreSQL would pay two round trips for it. */
  const char *read_begin_sql;
  /* Opens the database the URL names; -1 with err set. */
  pheme_err (*open)(db **out, const char *url, const db_options *opt, char *err, size_t errlen);
  void (*close)(db *d);
  /* A connection for writing (write = 1) or reading; NULL when none frees up within the busy
   * timeout. Give it back with release. */
  db_conn *(*acquire)(db *d, int write);
  void (*release)(db *d, db_conn *c);
  /* Runs one statement. With out, rows are copied into a (out->cells in a). Errors:
   * PHEME_DATA_CONFLICT for a unique violation, PHEME_DATA_INVALID for a check or foreign-key
   * violation, PHEME_SYS_STORAGE otherwise; db_errmsg says more. */
  pheme_err (*query)(db_conn *c, arena *a, const char *sql, const dbv *args, int nargs,
                     db_result *out);
  /* Runs several statements with no parameters (migrations). */
  pheme_err (*exec_script)(db_conn *c, const char *sql);
  const char *(*errmsg)(db_conn *c);
  void (*pool_stats)(db *d, db_pool_stats *out);
  /* The integer id of the row the connection's last INSERT made, or NULL where the driver has
   * none (PostgreSQL, which answers RETURNING id as cheaply as the INSERT). */
  int64_t (*last_insert_id)(db_conn *c);
} db_driver;

/* The common head of every backend's db. */
struct db {
  const db_driver *drv;
};

extern const db_driver db_sqlite_driver;
extern const db_driver db_pg_driver;

/* The statement caches' key of a SQL text (FNV-1a of the whole text; PostgreSQL statement names
 * are made from it, so it must tell every statement apart). */
uint64_t db_sql_hash(const char *sql);

/* Chooses the driver by URL scheme (sqlite:, postgres:, postgresql:) and opens. */
pheme_err db_open(db **out, const char *url, const db_options *opt, char *err, size_t errlen);

/* --- a pool of connections shared by both drivers --- */
typedef struct db_pool db_pool;
db_pool *db_pool_new(db_conn **conns, int n, int timeout_ms);
db_conn *db_pool_get(db_pool *p);
void db_pool_put(db_pool *p, db_conn *c);
void db_pool_stats_get(db_pool *p, db_pool_stats *out);
/* Frees the pool, not the connections (their owner closes them). */
void db_pool_free(db_pool *p);

#endif
