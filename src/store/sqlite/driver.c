/* The SQLite backend: one writer connection and a pool of read-only connections over one WAL
 * database file, each connection with its own prepared-statement cache.
 *
 * Why one writer: SQLite allows one writer at a time anyway; a single connection behind a pool of
 * one turns lock contention into a short queue instead of SQLITE_BUSY retries, while readers run
 * concurrently against WAL snapshots. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/db.h"
#include "store/sqlite/walvfs.h"
#include "core/banned.h"

/* The statement cache: CACHE_SLOTS / CACHE_WAYS sets of CACHE_WAYS statements, the least recently
 * used of a set replaced. (Direct-mapped, two statements of one hot path whose hashes meet in a
 * slot were prepared again on every use: the award path of src/game had four such.) */
#define CACHE_SLOTS 256
#define CACHE_WAYS 4

typedef struct {
  uint64_t hash;
  char *sql;
  sqlite3_stmt *stmt;
  uint64_t used; /* the connection's tick at the last use */
} cached_stmt;

struct db_conn {
  sqlite3 *h;
  uint64_t tick;
  cached_stmt cache[CACHE_SLOTS];
  char err[512];
};

typedef struct {
  struct db base;
  db_conn *writer;
  db_conn **readers;
  int nreaders;
  db_pool *write_pool, *read_pool;
} sqlite_db;

static void conn_close(db_conn *c) {
  if (!c) return;
  for (int i = 0; i < CACHE_SLOTS; i++) {
    sqlite3_finalize(c->cache[i].stmt);
    free(c->cache[i].sql);
  }
  sqlite3_close_v2(c->h);
  free(c);
}

static int exec_simple(db_conn *c, const char *sql) {
  char *msg = NULL;
  int rc = sqlite3_exec(c->h, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) {
    /* the reason first: a script (a migration) would push it past the end of the buffer */
    snprintf(c->err, sizeof c->err, "%s, running: %s", msg ? msg : sqlite3_errstr(rc), sql);
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

static db_conn *conn_open(const char *path, int write, const db_options *o, char *err,
                          size_t errlen) {
  db_conn *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  int flags = SQLITE_OPEN_NOMUTEX | (write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                           : SQLITE_OPEN_READONLY);
  /* the WAL-gathering VFS (walvfs.h); the default one if it could not be registered */
  int rc = sqlite3_open_v2(path, &c->h, flags, walvfs_register() == SQLITE_OK ? WALVFS_NAME : NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "cannot open SQLite database '%s': %s", path,
             c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
    conn_close(c);
    return NULL;
  }
  sqlite3_busy_timeout(c->h, o->busy_timeout_ms);
  sqlite3_extended_result_codes(c->h, 1);
  char pragmas[384], checkpoint[64] = "";
  /* The writer checkpoints. SQLite's default (1000 pages) writes a page changed by many commits
   * once per 1000 pages of WAL; with sign-ins scattering new wallets over the wallets b-tree,
   * checkpoints were a fifth of the group committer's CPU, a twelfth at 10000 (perf, 16 sign-ins
   * in flight). */
  if (write && o->wal_autocheckpoint > 0)
    snprintf(checkpoint, sizeof checkpoint, " PRAGMA wal_autocheckpoint=%d;", o->wal_autocheckpoint);
  snprintf(pragmas, sizeof pragmas,
           "%sPRAGMA foreign_keys=ON; PRAGMA synchronous=%s; PRAGMA temp_store=MEMORY; "
           "PRAGMA mmap_size=268435456;%s",
           write ? "PRAGMA journal_mode=WAL; " : "PRAGMA query_only=1; ",
           o->synchronous_full ? "FULL" : "NORMAL", checkpoint);
  if (exec_simple(c, pragmas)) {
    snprintf(err, errlen, "cannot set up SQLite database '%s': %s", path, c->err);
    conn_close(c);
    return NULL;
  }
  return c;
}

/* Creates the folder a database file lives in (./data by default), one level at a time. */
static void make_parent_dirs(const char *path) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  for (char *p = dir + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    mkdir(dir, 0750);
    *p = '/';
  }
}

static void sq_close(db *d) {
  sqlite_db *s = (sqlite_db *)d;
  if (!s) return;
  db_pool_free(s->write_pool);
  db_pool_free(s->read_pool);
  for (int i = 0; i < s->nreaders; i++) conn_close(s->readers[i]);
  free(s->readers);
  conn_close(s->writer);
  free(s);
}

static pheme_err sq_open(db **out, const char *path, const db_options *o, char *err, size_t errlen) {
  if (!*path) {
    return pheme_fail(PHEME_SYS_STORAGE, err, errlen, "sqlite: URL names no file");
  }
  if (o->replica && *o->replica) {
    return pheme_fail(PHEME_SYS_STORAGE, err, errlen, "database_replica is for PostgreSQL; SQLite readers share the primary's file");
  }
  if (sqlite3_threadsafe() == 0) {
    return pheme_fail(PHEME_SYS_STORAGE, err, errlen, "the SQLite library was built without thread support");
  }
  /* No memory statistics (nothing reads sqlite3_memory_used): with them on, every sqlite3_malloc
   * and sqlite3_free takes a process-wide mutex, ~400 lock pairs for one nested GraphQL query
   * (callgrind). Only possible before SQLite initializes: the first open of the process sets it. */
  static atomic_flag configured = ATOMIC_FLAG_INIT;
  if (!atomic_flag_test_and_set(&configured)) (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  make_parent_dirs(path);
  /* A new database is created owner-only (it holds API key hashes, sessions, everyone's data):
   * made empty here with mode 0600, which SQLite keeps, and its -wal and -shm files take the
   * database file's mode. An existing file keeps the mode it has. */
  if (path[0] != ':' && strncmp(path, "file:", 5) != 0) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
  }
  sqlite_db *s = calloc(1, sizeof *s);
  if (!s) return PHEME_SYS_STORAGE;
  s->base.drv = &db_sqlite_driver;
  s->writer = conn_open(path, 1, o, err, errlen);
  if (!s->writer) goto fail;
  s->nreaders = o->pool_size > 0 ? o->pool_size : 4;
  s->readers = calloc((size_t)s->nreaders, sizeof *s->readers);
  if (!s->readers) goto fail;
  for (int i = 0; i < s->nreaders; i++)
    if (!(s->readers[i] = conn_open(path, 0, o, err, errlen))) goto fail;
  s->write_pool = db_pool_new(&s->writer, 1, o->busy_timeout_ms);
  s->read_pool = db_pool_new(s->readers, s->nreaders, o->busy_timeout_ms);
  if (!s->write_pool || !s->read_pool) goto fail;
  *out = &s->base;
  return 0;
fail:
  sq_close(&s->base);
  return PHEME_SYS_STORAGE;
}

static db_conn *sq_acquire(db *d, int write) {
  sqlite_db *s = (sqlite_db *)d;
  return db_pool_get(write ? s->write_pool : s->read_pool);
}

static void sq_release(db *d, db_conn *c) {
  sqlite_db *s = (sqlite_db *)d;
  if (sqlite3_get_autocommit(c->h) == 0) {
    /* A caller left a transaction open: roll it back rather than leak it to the next user. */
    exec_simple(c, "ROLLBACK");
  }
  db_pool_put(c == s->writer ? s->write_pool : s->read_pool, c);
}

static pheme_err map_error(db_conn *c, int rc) {
  snprintf(c->err, sizeof c->err, "%s", sqlite3_errmsg(c->h));
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return PHEME_DATA_CONFLICT;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_TRIGGER: return PHEME_DATA_INVALID;
    case SQLITE_NOMEM: return PHEME_SYS_NOMEM;
    default: return PHEME_SYS_STORAGE;
  }
}

/* Finds or prepares sql in the connection's cache. */
static sqlite3_stmt *prepare(db_conn *c, const char *sql) {
  uint64_t h = db_sql_hash(sql);
  cached_stmt *set = &c->cache[(h % (CACHE_SLOTS / CACHE_WAYS)) * CACHE_WAYS], *slot = &set[0];
  for (int i = 0; i < CACHE_WAYS; i++) {
    if (set[i].stmt && set[i].hash == h && strcmp(set[i].sql, sql) == 0) {
      set[i].used = ++c->tick;
      return set[i].stmt;
    }
    if (set[i].used < slot->used) slot = &set[i]; /* an empty way has used 0 */
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
    return NULL;
  /* Placeholders are $1..$N, first used in increasing order, so SQLite's positions equal N. */
  for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
    const char *name = sqlite3_bind_parameter_name(st, i);
    char want[16];
    snprintf(want, sizeof want, "$%d", i);
    if (!name || strcmp(name, want) != 0)
      PHEME_BUG("placeholder %d of '%s' is %s, expected %s", i, sql, name ? name : "?", want);
  }
  char *copy = strdup(sql);
  if (!copy) {
    sqlite3_finalize(st);
    return NULL;
  }
  sqlite3_finalize(slot->stmt);
  free(slot->sql);
  slot->hash = h;
  slot->sql = copy;
  slot->stmt = st;
  slot->used = ++c->tick;
  return st;
}

static pheme_err sq_query(db_conn *c, arena *a, const char *sql, const dbv *args, int nargs,
                          db_result *out) {
  sqlite3_stmt *st = prepare(c, sql);
  if (!st) return map_error(c, sqlite3_extended_errcode(c->h));
  if (sqlite3_bind_parameter_count(st) != nargs)
    PHEME_BUG("'%s' takes %d parameters, given %d", sql, sqlite3_bind_parameter_count(st), nargs);
  for (int i = 0; i < nargs; i++) {
    int rc;
    switch (args[i].type) {
      case DBV_NULL: rc = sqlite3_bind_null(st, i + 1); break;
      case DBV_INT: rc = sqlite3_bind_int64(st, i + 1, args[i].i); break;
      case DBV_TEXT: rc = sqlite3_bind_text(st, i + 1, args[i].p, (int)args[i].n, SQLITE_STATIC); break;
      default: rc = sqlite3_bind_blob(st, i + 1, args[i].p, (int)args[i].n, SQLITE_STATIC); break;
    }
    if (rc != SQLITE_OK) {
      sqlite3_reset(st);
      return map_error(c, rc);
    }
  }
  int cols = sqlite3_column_count(st), cap = 0, rows = 0, rc;
  dbv *cells = NULL;
  pheme_err e = PHEME_OK;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!out) continue;
    if (rows == cap) {
      int ncap = cap ? cap * 2 : 8;
      dbv *n = arena_alloc(a, sizeof *n * (size_t)ncap * (size_t)(cols ? cols : 1));
      if (!n) {
        e = PHEME_SYS_NOMEM;
        break;
      }
      if (rows) memcpy(n, cells, sizeof *n * (size_t)rows * (size_t)cols);
      cells = n;
      cap = ncap;
    }
    for (int j = 0; j < cols; j++) {
      dbv *v = &cells[rows * cols + j];
      switch (sqlite3_column_type(st, j)) {
        case SQLITE_NULL: *v = dbv_null(); break;
        case SQLITE_INTEGER: *v = dbv_int(sqlite3_column_int64(st, j)); break;
        case SQLITE_BLOB: {
          size_t n = (size_t)sqlite3_column_bytes(st, j);
          char *p = arena_alloc(a, n + 1);
          if (!p) { e = PHEME_SYS_NOMEM; break; }
          if (n) memcpy(p, sqlite3_column_blob(st, j), n);
          p[n] = 0;
          *v = (dbv){DBV_BLOB, 0, p, n};
          break;
        }
        default: {
          const char *t = (const char *)sqlite3_column_text(st, j);
          size_t n = (size_t)sqlite3_column_bytes(st, j);
          char *p = arena_strndup(a, t ? t : "", n);
          if (!p) { e = PHEME_SYS_NOMEM; break; }
          *v = (dbv){DBV_TEXT, 0, p, n};
        }
      }
    }
    if (e) break;
    rows++;
  }
  if (!e && rc != SQLITE_DONE && rc != SQLITE_ROW) e = map_error(c, sqlite3_extended_errcode(c->h));
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (out) {
    out->rows = e ? 0 : rows;
    out->cols = cols;
    out->cells = cells;
  }
  return e;
}

static pheme_err sq_exec_script(db_conn *c, const char *sql) {
  return exec_simple(c, sql) ? PHEME_SYS_STORAGE : PHEME_OK;
}

static const char *sq_errmsg(db_conn *c) { return c->err; }

static void sq_pool_stats(db *d, db_pool_stats *out) {
  db_pool_stats_get(((sqlite_db *)d)->read_pool, out);
}

/* SQLite answers INSERT … RETURNING through an ephemeral table built per statement (~2 µs);
 * the rowid of the last insert is a field read. */
static int64_t sq_last_insert_id(db_conn *c) { return sqlite3_last_insert_rowid(c->h); }

const db_driver db_sqlite_driver = {
    .name = "sqlite",
    .begin_sql = "BEGIN IMMEDIATE",
    .read_begin_sql = "BEGIN",
    .open = sq_open,
    .close = sq_close,
    .acquire = sq_acquire,
    .release = sq_release,
    .query = sq_query,
    .exec_script = sq_exec_script,
    .errmsg = sq_errmsg,
    .pool_stats = sq_pool_stats,
    .last_insert_id = sq_last_insert_id,
};
