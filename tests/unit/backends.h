/* Runs one storage suite on every backend (DESIGN §2: both pass one suite): a temporary SQLite
 * file, then a throwaway PostgreSQL cluster started and stopped by scripts/pg-test.sh. A test file
 * includes this after test.h, writes its TESTs against S, lists them in a function of RUN() lines
 * and ends with: int main(void) { return backends_main("test_x", all_tests); }
 * A suite that tests a migration sets backends_schema_version first: its databases then stop at
 * that version, and the suite applies the rest itself. */
#ifndef PHEME_TEST_BACKENDS_H
#define PHEME_TEST_BACKENDS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/migrate.h"
#include "store/store.h"
#include "test.h"

static store *S;
static const char *backend;
static int backends_schema_version; /* 0: the newest */
static const char *backends_url;    /* the database of the suite running now */

static void backends__suite(const char *url, void (*tests)(void)) {
  char err[512];
  backends_url = url;
  store_options o = {4, 5000, 0, NULL};
  if (store_open(&S, url, &o, err, sizeof err)) {
    fprintf(stderr, "cannot open %s: %s\n", backend, err);
    test__failed_tests++;
    return;
  }
  int applied;
  int rc = backends_schema_version
               ? migrate_apply(S->db, backends_schema_version, &applied, err, sizeof err)
               : store_migrate(S, &applied, err, sizeof err);
  if (rc) {
    fprintf(stderr, "migrations on %s failed: %s\n", backend, err);
    test__failed_tests++;
    store_free(S);
    return;
  }
  fprintf(stderr, "-- %s: %d migrations\n", backend, applied);
  tests();
  store_free(S);
}

static int backends_main(const char *name, void (*tests)(void)) {
  char dir[] = "/tmp/pheme-store-XXXXXX", url[256];
  if (!mkdtemp(dir)) return 1;
  snprintf(url, sizeof url, "sqlite:%s/test.db", dir);
  backend = "sqlite";
  backends__suite(url, tests);
  char rm[300];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);

  FILE *p = popen(TEST_DATA_DIR "/../../scripts/pg-test.sh start", "r");
  char line[512], pgdir[600] = "", pgurl[600] = "";
  while (p && fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "PG_TEST_DIR=", 12) == 0) snprintf(pgdir, sizeof pgdir, "%s", line + 12);
    if (strncmp(line, "PG_TEST_URL=", 12) == 0) snprintf(pgurl, sizeof pgurl, "%s", line + 12);
  }
  if (!p || pclose(p) != 0 || !pgurl[0]) {
    fprintf(stderr, "could not start PostgreSQL with scripts/pg-test.sh\n");
    return 1;
  }
  backend = "postgresql";
  backends__suite(pgurl, tests);
  char stop[900];
  snprintf(stop, sizeof stop, TEST_DATA_DIR "/../../scripts/pg-test.sh stop %s", pgdir);
  if (system(stop)) fprintf(stderr, "could not stop PostgreSQL in %s\n", pgdir);
  fprintf(stderr, "%s: %d tests, %d failed\n", name, test__ran, test__failed_tests);
  return test__failed_tests > 100 ? 100 : test__failed_tests;
}

#endif
