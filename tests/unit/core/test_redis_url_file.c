/* --redis @FILE (src/core/redis.c, redis_client_new): a URL file of up to 2,048 bytes is read;
 * a longer one is refused with an error that names the file, instead of being cut at 2,048 bytes
 * (what followed, such as the database number of a long URL, was silently dropped). Needs no
 * Redis server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/redis.h"
#include "test.h"

/* Writes n bytes: url, then spaces, then a newline as the last byte (n > strlen(url) + 1). */
static int url_file(char path[64], const char *url, size_t n) {
  snprintf(path, 64, "/tmp/pheme-redis-url-XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  char *text = malloc(n);
  if (!text) return close(fd), -1;
  size_t k = strlen(url);
  memcpy(text, url, k);
  memset(text + k, ' ', n - k - 1);
  text[n - 1] = '\n';
  int ok = write(fd, text, n) == (ssize_t)n;
  free(text);
  close(fd);
  return ok ? 0 : -1;
}

/* redis_client_new on a URL file of n bytes (path in path); the file is removed. */
static pheme_err from_file(size_t n, char path[64], redis_client **c, char *err, size_t errlen) {
  char arg[80];
  if (url_file(path, "redis://:pw@127.0.0.1:6390/2", n)) return PHEME_SYS_IO;
  snprintf(arg, sizeof arg, "@%s", path);
  pheme_err e = redis_client_new(arg, 100, 100, c, err, errlen);
  unlink(path);
  return e;
}

TEST(a_url_file_of_2048_bytes_is_read) {
  char path[64], err[256] = "";
  redis_client *c = NULL;
  CHECK_INT(from_file(2048, path, &c, err, sizeof err), PHEME_OK);
  CHECK(c != NULL);
  if (c) CHECK_STR(redis_where(c), "127.0.0.1:6390/2");
  redis_client_free(c);
}

TEST(a_longer_url_file_is_refused_by_its_name) {
  char path[64], err[256] = "";
  redis_client *c = NULL;
  CHECK_INT(from_file(2049, path, &c, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(c == NULL);
  redis_client_free(c);
  CHECK(strstr(err, path) != NULL);
  CHECK(strstr(err, "pw@") == NULL);
}

TEST_MAIN(RUN(a_url_file_of_2048_bytes_is_read); RUN(a_longer_url_file_is_refused_by_its_name))
