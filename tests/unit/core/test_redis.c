/* Unit tests of src/core/redis.c that need no Redis server: the URL, given as is or read from a
 * file (--redis @FILE), and what a refused URL's message shows of it (never its password). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/redis.h"
#include "test.h"

/* Writes text to a new temporary file; its path in path (64 bytes). */
static int url_file(char path[64], const char *text) {
  snprintf(path, 64, "/tmp/pheme-redis-url-XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  size_t n = strlen(text);
  int ok = write(fd, text, n) == (ssize_t)n;
  close(fd);
  return ok ? 0 : -1;
}

TEST(a_url_is_taken_as_is_or_from_a_file) {
  redis_client *c = NULL;
  char err[256] = "";
  CHECK_INT(redis_client_new("redis://:pw@127.0.0.1:6390/2", 100, 100, &c, err, sizeof err), PHEME_OK);
  CHECK(c != NULL);
  redis_client_free(c);
  char path[64], arg[80];
  REQUIRE(url_file(path, "redis://:pw@127.0.0.1:6390/2\n") == 0);
  snprintf(arg, sizeof arg, "@%s", path);
  c = NULL;
  CHECK_INT(redis_client_new(arg, 100, 100, &c, err, sizeof err), PHEME_OK);
  CHECK(c != NULL);
  redis_client_free(c);
  unlink(path);
  CHECK_INT(redis_client_new("@/nonexistent/pheme-redis-url", 100, 100, &c, err, sizeof err), PHEME_SYS_IO);
}

/* A refused URL is quoted in the error (it goes to the log), but its password is not. */
TEST(a_refused_url_never_shows_its_password) {
  static const char *const bad[] = {
      "redis://:s3cr3t-pw@127.0.0.1:notaport/2",
      "redis://user:s3cr3t-pw@127.0.0.1:6379/99",
      "redis://:s3cr3t-pw@/0",
      "http://:s3cr3t-pw@127.0.0.1:6379",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    redis_client *c = NULL;
    char err[256] = "";
    CHECK_INT(redis_client_new(bad[i], 100, 100, &c, err, sizeof err), PHEME_SYS_CONFIG);
    CHECK(c == NULL);
    CHECK(err[0] != 0);
    if (strstr(err, "s3cr3t-pw")) fprintf(stderr, "  '%s' shows the password: %s\n", bad[i], err);
    CHECK(strstr(err, "s3cr3t-pw") == NULL);
    /* the same URL from a file */
    char path[64], arg[80];
    REQUIRE(url_file(path, bad[i]) == 0);
    snprintf(arg, sizeof arg, "@%s", path);
    err[0] = 0;
    CHECK_INT(redis_client_new(arg, 100, 100, &c, err, sizeof err), PHEME_SYS_CONFIG);
    CHECK(strstr(err, "s3cr3t-pw") == NULL);
    unlink(path);
  }
}

/* A password holding '@' is the password: the host named in logs (redis_where) shows none of it. */
TEST(a_password_may_hold_an_at_sign) {
  redis_client *c = NULL;
  char err[256] = "";
  CHECK_INT(redis_client_new("redis://:s3@cr3t-pw@127.0.0.1:6390/2", 100, 100, &c, err, sizeof err), PHEME_OK);
  REQUIRE(c != NULL);
  CHECK_STR(redis_where(c), "127.0.0.1:6390/2");
  redis_client_free(c);
}

TEST_MAIN(RUN(a_url_is_taken_as_is_or_from_a_file); RUN(a_refused_url_never_shows_its_password);
          RUN(a_password_may_hold_an_at_sign))
