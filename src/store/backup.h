/* Backups and restores of a whole database (docs/operations.md, "Backups and recovery").
 *
 * SQLite: the online backup API copies a consistent snapshot of the live file while the server
 * runs (readers and the writer go on); the copy is written beside the target and renamed into
 * place, so a half-written backup never has the backup's name. A restore needs the database idle
 * (no `pheme` process holding it: refused otherwise), checks the backup (integrity, a schema this
 * binary knows) and copies it into the database through the same API, in one step.
 *
 * PostgreSQL: `pg_dump --format=custom` of the database the URL names (from Debian's
 * postgresql-client, on PATH), and `pg_restore --clean --if-exists --no-owner --single-transaction`
 * into it: either the whole restore or nothing. Point-in-time recovery (WAL archiving) is an
 * operator's setup, described in docs/operations.md.
 *
 * Both return 0, or an error code with err naming the file or the step that failed. */
#ifndef PHEME_STORE_BACKUP_H
#define PHEME_STORE_BACKUP_H

#include <stddef.h>

#include "core/err.h"

/* Writes a backup of the database at url to path (replaced if it exists). */
pheme_err store_backup(const char *url, const char *path, char *err, size_t errlen) PHEME_MUST_CHECK;
/* Replaces the database at url with the backup at path. PHEME_DATA_STATE when the SQLite
 * database is in use; PHEME_DATA_INVALID for a file that is not a usable backup. */
pheme_err store_restore(const char *url, const char *path, char *err, size_t errlen) PHEME_MUST_CHECK;

#endif
