/* Backups and restores: see backup.h. */
#include "store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/migrate.h"
#include "core/banned.h"

static const char *sqlite_path(const char *url) {
  return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : NULL; /* as db_open reads it */
}

static int is_pg(const char *url) {
  return strncmp(url, "postgresql:", 11) == 0 || strncmp(url, "postgres:", 9) == 0;
}

/* Copies every page of src's main database into dst's, in one step. */
static pheme_err copy_pages(sqlite3 *dst, sqlite3 *src, const char *what, char *err, size_t errlen) {
  sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) return pheme_fail(PHEME_SYS_IO, err, errlen, "%s: %s", what, sqlite3_errmsg(dst));
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE)
    return pheme_fail(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? PHEME_DATA_STATE : PHEME_SYS_IO, err, errlen,
                      "%s: %s", what, sqlite3_errstr(rc));
  return PHEME_OK;
}

static pheme_err sqlite_backup(const char *db_path, const char *path, char *err, size_t errlen) {
  struct stat st;
  if (stat(db_path, &st) != 0)
    return pheme_fail(PHEME_DATA_NOT_FOUND, err, errlen, "no database at '%s'", db_path);
  char tmp[4096];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.partial", path) >= sizeof tmp)
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "backup path too long");
  unlink(tmp);
  sqlite3 *src = NULL, *dst = NULL;
  pheme_err e = PHEME_OK;
  if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot open '%s': %s", db_path, sqlite3_errmsg(src));
  else if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot create '%s': %s", tmp, sqlite3_errmsg(dst));
  if (!e) {
    sqlite3_busy_timeout(src, 10000);
    e = copy_pages(dst, src, "backup", err, errlen);
  }
  /* the copy keeps the source's WAL mode; a backup file stands alone */
  if (!e && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
    e = pheme_fail(PHEME_SYS_IO, err, errlen, "backup: %s", sqlite3_errmsg(dst));
  sqlite3_close(src);
  if (sqlite3_close(dst) != SQLITE_OK && !e) e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot close '%s'", tmp);
  if (!e) {
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot sync '%s': %s", tmp, strerror(errno));
    if (fd >= 0) close(fd);
  }
  if (!e && rename(tmp, path) != 0)
    e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
  if (e) unlink(tmp);
  return e;
}

/* The backup must be a sound SQLite database with a PHEME schema this binary knows. */
static pheme_err check_backup(sqlite3 *b, const char *path, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  pheme_err e = PHEME_OK;
  if (sqlite3_prepare_v2(b, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
      strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "'%s' is not a sound SQLite database", path);
  sqlite3_finalize(st);
  st = NULL;
  if (!e && (sqlite3_prepare_v2(b, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1, &st, NULL) !=
                 SQLITE_OK ||
             sqlite3_step(st) != SQLITE_ROW))
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "'%s' holds no PHEME schema (no schema_migrations)", path);
  if (!e) {
    int v = sqlite3_column_int(st, 0), known = migrate_latest_known("sqlite");
    if (v > known)
      e = pheme_fail(PHEME_DATA_INVALID, err, errlen,
                     "'%s' has schema version %d, newer than this pheme knows (%d): restore it with a newer pheme",
                     path, v, known);
  }
  sqlite3_finalize(st);
  return e;
}

static pheme_err sqlite_restore(const char *db_path, const char *path, char *err, size_t errlen) {
  sqlite3 *b = NULL, *dst = NULL;
  pheme_err e = PHEME_OK;
  if (access(path, R_OK) != 0) return pheme_fail(PHEME_DATA_NOT_FOUND, err, errlen, "no backup at '%s'", path);
  if (sqlite3_open_v2(path, &b, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    e = pheme_fail(PHEME_DATA_INVALID, err, errlen, "cannot open '%s': %s", path, sqlite3_errmsg(b));
  if (!e) e = check_backup(b, path, err, errlen);
  if (!e && sqlite3_open_v2(db_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot open '%s': %s", db_path, sqlite3_errmsg(dst));
  /* idle means nobody else holds it: an exclusive lock at once, or a running pheme is using it */
  if (!e && sqlite3_exec(dst, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    e = pheme_fail(PHEME_DATA_STATE, err, errlen, "the database '%s' is in use: stop pheme before restoring into it",
                   db_path);
  if (!e) e = copy_pages(dst, b, "restore", err, errlen);
  sqlite3_close(b);
  if (dst && sqlite3_close(dst) != SQLITE_OK && !e) e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot close '%s'", db_path);
  return e;
}

/* Runs argv (a PostgreSQL client program) and waits; its standard error goes to ours. */
static pheme_err run_tool(char *const argv[], char *err, size_t errlen) {
  pid_t pid = fork();
  if (pid < 0) return pheme_fail(PHEME_SYS_IO, err, errlen, "cannot start %s: %s", argv[0], strerror(errno));
  if (pid == 0) {
    execvp(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s (Debian's postgresql-client provides it)\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return pheme_fail(PHEME_SYS_IO, err, errlen, "waiting for %s: %s", argv[0], strerror(errno));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return pheme_fail(PHEME_SYS_IO, err, errlen, "%s failed (exit status %d; its message is above)", argv[0],
                      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return PHEME_OK;
}

pheme_err store_backup(const char *url, const char *path, char *err, size_t errlen) {
  if (!path || !*path) return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "no backup file named");
  const char *p = sqlite_path(url);
  if (p) return sqlite_backup(p, path, err, errlen);
  if (!is_pg(url)) return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "unknown database URL scheme in '%.20s…'", url);
  char file[4200], dbname[4200];
  snprintf(file, sizeof file, "--file=%s", path);
  snprintf(dbname, sizeof dbname, "--dbname=%s", url);
  char *const argv[] = {"pg_dump", "--format=custom", "--no-owner", file, dbname, NULL};
  return run_tool(argv, err, errlen);
}

pheme_err store_restore(const char *url, const char *path, char *err, size_t errlen) {
  if (!path || !*path) return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "no backup file named");
  const char *p = sqlite_path(url);
  if (p) return sqlite_restore(p, path, err, errlen);
  if (!is_pg(url)) return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "unknown database URL scheme in '%.20s…'", url);
  if (access(path, R_OK) != 0) return pheme_fail(PHEME_DATA_NOT_FOUND, err, errlen, "no backup at '%s'", path);
  char dbname[4200];
  snprintf(dbname, sizeof dbname, "--dbname=%s", url);
  char *const argv[] = {"pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        "--exit-on-error", dbname, (char *)path, NULL};
  return run_tool(argv, err, errlen);
}
