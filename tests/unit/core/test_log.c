/* Unit tests of src/core/log.c: JSON lines, and batched access lines that are all written, whole,
 * by the flusher or at stop, from several threads. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "test.h"

static void *requests(void *arg) {
  char id[32];
  for (int i = 0; i < 500; i++) {
    snprintf(id, sizeof id, "t%ld-%d", (long)(intptr_t)arg, i);
    log_request(id, "GET", "/api/v1/tasks/:id", "/api/v1/tasks/1", 200, 42, NULL);
  }
  return NULL;
}

static int count_valid_lines(const char *path, int *requests_seen) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  int n = 0;
  *requests_seen = 0;
  while (fgets(line, sizeof line, f)) {
    json_t *j = json_loads(line, 0, NULL);
    if (!j) {
      fclose(f);
      return -1;
    }
    if (strcmp(json_string_value(json_object_get(j, "msg")), "request") == 0) (*requests_seen)++;
    json_decref(j);
    n++;
  }
  fclose(f);
  return n;
}

TEST(batched_lines_are_all_written_whole) {
  char path[] = "/tmp/pheme-log-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  log_init(LOG_INFO, fd);
  REQUIRE(log_batching_start(50) == 0);
  pthread_t th[3];
  for (long i = 0; i < 3; i++) pthread_create(&th[i], NULL, requests, (void *)(intptr_t)i);
  for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
  log_info("a line written at once, %s", "with \"quotes\"");
  usleep(150000); /* the flusher's interval passes: what waited is written without a stop */
  int seen = 0;
  CHECK_INT(count_valid_lines(path, &seen), 1501);
  CHECK_INT(seen, 1500);
  log_request("late", "GET", "/healthz", "/healthz", 200, 1, "API003");
  log_batching_stop();
  CHECK_INT(count_valid_lines(path, &seen), 1502);
  CHECK_INT(seen, 1501);
  log_init(LOG_INFO, 2);
  close(fd);
  unlink(path);
}

TEST_MAIN(RUN(batched_lines_are_all_written_whole))
