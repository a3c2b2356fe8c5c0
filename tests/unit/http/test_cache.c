/* Unit tests of src/http/cache.c: hits, generations, age, the memory bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/cache.h"
#include "test.h"

TEST(hit_only_for_the_same_generation_and_age) {
  http_cache *c = http_cache_new(1 << 20, 1000000);
  REQUIRE(c != NULL);
  size_t n = 0;
  CHECK(http_cache_get(c, "/api/v1/tasks/1", 7, 10, &n) == NULL);
  http_cache_put(c, "/api/v1/tasks/1", "{\"id\":1}", 8, 7, 10);
  char *b = http_cache_get(c, "/api/v1/tasks/1", 7, 20, &n);
  CHECK_MEM(b, n, "{\"id\":1}", 8);
  free(b);
  CHECK(http_cache_get(c, "/api/v1/tasks/1", 8, 30, &n) == NULL); /* a write moved the generation */
  CHECK(http_cache_get(c, "/api/v1/tasks/1", 7, 40, &n) == NULL); /* and the stale entry is gone */
  http_cache_put(c, "/api/v1/tasks/2", "{}", 2, 9, 100);
  CHECK(http_cache_get(c, "/api/v1/tasks/2", 9, 100 + 1000001, &n) == NULL); /* older than the TTL */
  http_cache_usage st;
  http_cache_stats_get(c, &st);
  CHECK_INT(st.hits, 1);
  CHECK_INT(st.misses, 4);
  CHECK_INT(st.entries, 0);
  http_cache_free(c);
}

TEST(memory_is_bounded) {
  http_cache *c = http_cache_new(64 * 1024, 1000000000);
  REQUIRE(c != NULL);
  char key[32], body[200];
  memset(body, 'x', sizeof body);
  for (int i = 0; i < 5000; i++) {
    snprintf(key, sizeof key, "/api/v1/tasks/%d", i);
    http_cache_put(c, key, body, sizeof body, 1, (uint64_t)i);
  }
  http_cache_usage st;
  http_cache_stats_get(c, &st);
  CHECK(st.bytes <= 64 * 1024);
  CHECK(st.entries > 50);
  size_t n;
  char *recent = http_cache_get(c, "/api/v1/tasks/4999", 1, 5000, &n);
  CHECK(recent != NULL); /* the newest stays, the oldest went */
  free(recent);
  CHECK(http_cache_get(c, "/api/v1/tasks/0", 1, 5000, &n) == NULL);
  /* an answer too large for its share is not kept */
  char *big = calloc(1, 64 * 1024);
  http_cache_put(c, "/big", big, 64 * 1024, 1, 1);
  CHECK(http_cache_get(c, "/big", 1, 2, &n) == NULL);
  free(big);
  http_cache_free(c);
}

/* HTTP_CACHE_BYPASS (the other nodes' notices are not arriving): nothing is served or kept, and
 * what was kept before is left for when the generation is known again (it will not match). */
TEST(the_bypass_generation_serves_and_keeps_nothing) {
  http_cache *c = http_cache_new(1 << 20, 1000000);
  REQUIRE(c != NULL);
  size_t n = 0;
  http_cache_put(c, "/api/v1/tasks/1", "{}", 2, 5, 10);
  CHECK(http_cache_get(c, "/api/v1/tasks/1", HTTP_CACHE_BYPASS, 20, &n) == NULL);
  http_cache_put(c, "/api/v1/tasks/2", "{}", 2, HTTP_CACHE_BYPASS, 20);
  CHECK(http_cache_get(c, "/api/v1/tasks/2", HTTP_CACHE_BYPASS, 30, &n) == NULL);
  http_cache_usage st;
  http_cache_stats_get(c, &st);
  CHECK_INT(st.entries, 1); /* only the entry put under generation 5 */
  CHECK_INT(st.hits, 0);
  CHECK_INT(st.misses, 2);
  char *b = http_cache_get(c, "/api/v1/tasks/1", 5, 40, &n);
  CHECK_MEM(b, n, "{}", 2);
  free(b);
  http_cache_free(c);
}

TEST_MAIN(RUN(hit_only_for_the_same_generation_and_age); RUN(memory_is_bounded);
          RUN(the_bypass_generation_serves_and_keeps_nothing))
