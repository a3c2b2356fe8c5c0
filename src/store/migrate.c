/* Applies the compiled-in migrations; see migrate.h. */
#include "store/migrate.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "store/db.h"
#include "core/banned.h"

static int applies_to(const struct migration *m, const char *dialect) {
  return strcmp(m->dialect, dialect) == 0 || strcmp(m->dialect, "common") == 0;
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
  db_conn *c = d->drv->acquire(d, 0);
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

int migrate_apply(struct db *d, int *applied, char *err, size_t errlen) {
  const db_driver *drv = d->drv;
  *applied = 0;
  db_conn *c = drv->acquire(d, 1);
  if (!c) {
    snprintf(err, errlen, "no database connection for migrations");
    return -1;
  }
  int rc = -1;
  arena a;
  arena_init(&a, 0);
  if (drv->exec_script(c, create_table)) {
    snprintf(err, errlen, "cannot create schema_migrations: %s", drv->errmsg(c));
    goto out;
  }
  /* Versions are applied in order; the table is sorted by dialect then version, so walk the
   * versions rather than the rows. */
  int latest = migrate_latest_known(drv->name);
  for (int v = 1; v <= latest; v++) {
    const struct migration *m = pheme_migrations;
    while (m->sql && !(applies_to(m, drv->name) && m->version == v)) m++;
    if (!m->sql) continue;
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
      dbv args[3] = {dbv_int(v), dbv_text(m->name), dbv_int(time_now_ms())};
      if (drv->query(c, &a, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                     args, 3, NULL))
        goto fail;
      (*applied)++;
    }
    if (drv->exec_script(c, "COMMIT")) goto fail;
  }
  rc = 0;
  goto out;
fail:
  snprintf(err, errlen, "migrations failed: %s", drv->errmsg(c));
  drv->exec_script(c, "ROLLBACK");
out:
  arena_release(&a);
  drv->release(d, c);
  return rc;
}
