/* src/store/sqlite/walvfs.c: a commit's WAL frames reach the file in one write, readers on other
 * connections see every committed row, a process that dies right after COMMIT returned keeps
 * it, and a write that fails (the file size limit) fails the COMMIT and leaves nothing behind. */
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite/walvfs.h"
#include "test.h"

static char dir[64], path[128];

static sqlite3 *open_db(void) {
  sqlite3 *h = NULL;
  if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, WALVFS_NAME) != SQLITE_OK) {
    fprintf(stderr, "open %s: %s\n", path, h ? sqlite3_errmsg(h) : "?");
    exit(1);
  }
  sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000", NULL, NULL, NULL);
  return h;
}

static int exec(sqlite3 *h, const char *sql) {
  char *msg = NULL;
  int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) fprintf(stderr, "%s: %s\n", sql, msg ? msg : sqlite3_errstr(rc));
  sqlite3_free(msg);
  return rc;
}

static long long one(sqlite3 *h, const char *sql) {
  sqlite3_stmt *st;
  long long v = -1;
  if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Inserts rows rows of size bytes each in one transaction; returns the COMMIT's result code. */
static int commit_rows(sqlite3 *h, int rows, int size) {
  char sql[256];
  snprintf(sql, sizeof sql,
           "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
           "INSERT INTO t (v) SELECT randomblob(%d) FROM n;",
           rows, size);
  if (exec(h, sql) != SQLITE_OK) return SQLITE_ERROR;
  int rc = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

TEST(one_write_per_commit_and_readers_see_every_row) {
  sqlite3 *w = open_db(), *r = open_db();
  CHECK_INT(exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)"), SQLITE_OK);
  long long expected = 0;
  /* small commits, a 40-page one, and one larger than the 1 MiB gathering cap */
  const int rows[] = {1, 3, 40, 1, 400, 2};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    walvfs_stats before, after;
    walvfs_stats_get(&before);
    CHECK_INT(commit_rows(w, rows[i], 3000), SQLITE_OK);
    walvfs_stats_get(&after);
    expected += rows[i];
    uint64_t asked = after.asked - before.asked, written = after.written - before.written;
    /* SQLite asks for two writes per frame; the bytes go in pieces of at most 124 KiB */
    CHECK(asked >= 2 * (uint64_t)rows[i]);
    CHECK(written >= 1);
    if (rows[i] <= 20) CHECK_INT((long long)written, 1);
    CHECK(written * 2 < asked || asked <= 2);
    CHECK_INT(one(r, "SELECT count(*) FROM t"), expected);
  }
  /* a checkpoint reads the gathered frames back */
  CHECK_INT(exec(w, "PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
  CHECK_INT(commit_rows(w, 5, 3000), SQLITE_OK);
  expected += 5;
  CHECK_INT(one(r, "SELECT count(*) FROM t"), expected);
  CHECK_INT(one(r, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"), 0);
  sqlite3_close(r);
  sqlite3_close(w);
}

TEST(a_commit_survives_the_process_dying_right_after_it) {
  sqlite3 *h = open_db();
  long long before = one(h, "SELECT count(*) FROM t");
  sqlite3_close(h);
  pid_t pid = fork();
  if (pid == 0) {
    sqlite3 *c = open_db();
    for (int i = 0; i < 20; i++)
      if (commit_rows(c, 3, 500) != SQLITE_OK) _exit(2);
    kill(getpid(), SIGKILL); /* no close, no checkpoint: the WAL alone holds the commits */
    _exit(3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  h = open_db();
  CHECK_INT(one(h, "SELECT count(*) FROM t"), before + 60);
  CHECK_INT(one(h, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"), 0);
  sqlite3_close(h);
}

TEST(a_failed_write_fails_the_commit_and_keeps_nothing) {
  sqlite3 *h = open_db();
  CHECK_INT(exec(h, "PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
  long long before = one(h, "SELECT count(*) FROM t");
  sqlite3_close(h);
  pid_t pid = fork();
  if (pid == 0) {
    /* Files may not grow past 64 KiB from here on: the WAL's gathered write of a 100-page commit
     * fails (EFBIG), and COMMIT must say so. */
    signal(SIGXFSZ, SIG_IGN);
    sqlite3 *c = open_db();
    struct rlimit lim = {64 << 10, 64 << 10};
    setrlimit(RLIMIT_FSIZE, &lim);
    int rc = commit_rows(c, 100, 3000);
    _exit(rc == SQLITE_OK ? 10 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK_INT(WEXITSTATUS(status), 0);
  h = open_db();
  CHECK_INT(one(h, "SELECT count(*) FROM t"), before);
  CHECK_INT(one(h, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"), 0);
  /* and the database takes writes again */
  CHECK_INT(commit_rows(h, 2, 100), SQLITE_OK);
  CHECK_INT(one(h, "SELECT count(*) FROM t"), before + 2);
  sqlite3_close(h);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/pheme-walvfs-XXXXXX");
  if (!mkdtemp(dir)) return 1;
  snprintf(path, sizeof path, "%s/t.db", dir);
  if (walvfs_register() != SQLITE_OK) {
    fprintf(stderr, "walvfs_register failed\n");
    return 1;
  }
  RUN(one_write_per_commit_and_readers_see_every_row);
  RUN(a_commit_survives_the_process_dying_right_after_it);
  RUN(a_failed_write_fails_the_commit_and_keeps_nothing);
  char rm[128];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);
  fprintf(stderr, "test_walvfs: %d tests, %d failed\n", test__ran, test__failed_tests);
  return test__failed_tests;
}
