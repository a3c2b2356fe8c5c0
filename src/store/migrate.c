/* Applies the compiled-in migrations; see migrate.h. */
#include "store/migrate.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "store/db.h"
#include "core/banned.h"

static int applies_to(const struct migration *m, const char *dialect) {
  return strcmp(m->dialect, dialect) == 0;
}

int migrate_latest_known(const char *dialect) {
  int v = 0;
  for (const struct migration *m = pheme_migrations; m->sql; m++)
    if (applies_to(m, dialect) && m->version > v) v = m->version;
  return v;
}

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
    "NULL, applied_at BIGINT NOT NULL)";

int migrate_latest_applied(struct db *d) {
  /* the primary's schema: a read replica that is down or behind is not what readiness asks */
  db_conn *c = d->drv->acquire(d, 1);
  if (!c) return -1;
  arena a;
  arena_init(&a, 0);
  db_result r;
  int v = -1;
  if (d->drv->query(c, &a, "SELECT coalesce(max(version), 0) FROM schema_migrations", NULL, 0, &r) ==
          PHEME_OK &&
      r.rows == 1)
    v = (int)db_int(&r, 0, 0);
  arena_release(&a);
  d->drv->release(d, c);
  return v;
}

/* The first line of a SQLite migration that runs with foreign keys off; see migrate.h. */
static const char fk_off_marker[] = "-- pheme: sqlite foreign keys off";

static int wants_fk_off(const struct migration *m, const char *dialect) {
  size_t n = sizeof fk_off_marker - 1;
  return strcmp(dialect, "sqlite") == 0 && strncmp(m->sql, fk_off_marker, n) == 0 &&
         (m->sql[n] == '\n' || m->sql[n] == '\r' || m->sql[n] == '\0');
}

/* Sets SQLite's foreign keys and reads the setting back: the pragma is silently ignored inside a
 * transaction, and a writer left with them off would stop enforcing them for good. */
static pheme_err set_foreign_keys(db_conn *c, const db_driver *drv, arena *a, int on, char *err,
                            size_t errlen) {
  const char *state = on ? "on" : "off";
  db_result r;
  if (drv->exec_script(c, on ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF") ||
      drv->query(c, a, "PRAGMA foreign_keys", NULL, 0, &r)) {
    return pheme_fail(PHEME_SYS_STORAGE, err, errlen, "cannot turn SQLite foreign keys %s: %s", state, drv->errmsg(c));
  }
  if (r.rows != 1 || db_int(&r, 0, 0) != on) {
    return pheme_fail(PHEME_SYS_STORAGE, err, errlen, "SQLite foreign keys did not turn %s (is a transaction open?)", state);
  }
  return 0;
}

/* What a migration run with foreign keys off must leave behind: no row pointing nowhere. */
static pheme_err foreign_keys_hold(db_conn *c, const db_driver *drv, arena *a,
                             const struct migration *m, char *err, size_t errlen) {
  db_result r;
  if (drv->query(c, a, "PRAGMA foreign_key_check", NULL, 0, &r)) {
    return pheme_fail(PHEME_SYS_STORAGE, err, errlen, "migration %s: foreign key check failed: %s", m->name, drv->errmsg(c));
  }
  if (r.rows == 0) return 0;
  return pheme_fail(PHEME_SYS_STORAGE, err, errlen,
           "migration %s breaks foreign keys: %d row(s), the first in table '%s', point to no row "
           "of '%s'",
           m->name, r.rows, db_text(&r, 0, 0), db_text(&r, 0, 2));
}

pheme_err migrate_apply(struct db *d, int upto, int *applied, char *err, size_t errlen) {
  const db_driver *drv = d->drv;
  *applied = 0;
  db_conn *c = drv->acquire(d, 1);
  if (!c) {
    return pheme_fail(PHEME_SYS_STORAGE, err, errlen, "no database connection for migrations");
  }
  pheme_err rc = PHEME_SYS_STORAGE;
  int fk_off = 0;
  arena a;
  arena_init(&a, 0);
  if (drv->exec_script(c, create_table)) {
    snprintf(err, errlen, "cannot create schema_migrations: %s", drv->errmsg(c));
    goto out;
  }
  /* Versions are applied in order; the table is sorted by dialect then version, so walk the
   * versions rather than the rows. */
  int latest = migrate_latest_known(drv->name);
  for (int v = 1; v <= latest && v <= upto; v++) {
    const struct migration *m = pheme_migrations;
    while (m->sql && !(applies_to(m, drv->name) && m->version == v)) m++;
    if (!m->sql) continue;
    fk_off = wants_fk_off(m, drv->name);
    if (fk_off && set_foreign_keys(c, drv, &a, 0, err, errlen)) goto out;
    if (drv->exec_script(c, drv->begin_sql)) goto fail;
    /* PostgreSQL: concurrent starters wait here for whoever migrates first. */
    if (strcmp(drv->name, "postgresql") == 0 &&
        drv->exec_script(c, "SELECT pg_advisory_xact_lock(7283010)"))
      goto fail;
    db_result r;
    dbv arg = dbv_int(v);
    if (drv->query(c, &a, "SELECT 1 FROM schema_migrations WHERE version = $1", &arg, 1, &r))
      goto fail;
    if (r.rows == 0) {
      if (drv->exec_script(c, m->sql)) {
        snprintf(err, errlen, "migration %s failed: %s", m->name, drv->errmsg(c));
        drv->exec_script(c, "ROLLBACK");
        goto out;
      }
      if (fk_off && foreign_keys_hold(c, drv, &a, m, err, errlen)) {
        drv->exec_script(c, "ROLLBACK");
        goto out;
      }
      dbv args[3] = {dbv_int(v), dbv_text(m->name), dbv_int(time_now_ms())};
      if (drv->query(c, &a, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                     args, 3, NULL))
        goto fail;
      (*applied)++;
    }
    if (drv->exec_script(c, "COMMIT")) goto fail;
    if (fk_off) {
      fk_off = 0;
      if (set_foreign_keys(c, drv, &a, 1, err, errlen)) goto out;
    }
  }
  rc = PHEME_OK;
  goto out;
fail:
  snprintf(err, errlen, "migrations failed: %s", drv->errmsg(c));
  drv->exec_script(c, "ROLLBACK");
out:
  if (fk_off) { /* only after a failure, whose message comes first */
    char why[160];
    if (set_foreign_keys(c, drv, &a, 1, why, sizeof why)) {
      size_t n = strlen(err);
      snprintf(err + n, errlen - n, "; %s", why);
    }
  }
  arena_release(&a);
  drv->release(d, c);
  return rc;
}
