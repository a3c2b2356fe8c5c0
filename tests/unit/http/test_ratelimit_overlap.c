/* Overlapped rate-limit checks (http/ratelimit.h, ratelimit_take_send and ratelimit_take_async with
 * overlap) against a real redis-server (tests/unit/redisd.h): the answers are exactly those of the
 * waiting check; a client Redis refused is not overlapped again until a token is back (its work
 * would only be thrown away); pheme_ratelimit_overlapped_total and
 * pheme_ratelimit_overlap_refused_total count them. How the server holds the answer:
 * tests/integration/redis.test.mjs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/metrics.h"
#include "core/redis.h"
#include "http/ratelimit.h"
#include "redisd.h"
#include "test.h"

static redisd D;

static long long counter(ratelimit *rl, const char *name) {
  metrics_registry r;
  metrics_init(&r);
  buf b;
  buf_init(&b, 1 << 16);
  long long v = -1;
  char key[128];
  snprintf(key, sizeof key, "\n%s ", name);
  if (!metrics_register(&r, ratelimit_metrics_collect, rl) && !metrics_render(&r, &b)) {
    const char *p = strstr(b.data, key);
    if (p) v = atoll(p + strlen(key));
  }
  buf_release(&b);
  metrics_release(&r);
  return v;
}

typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
  rl_result r;
} answer;

static void answered(void *arg, const rl_result *r) {
  answer *a = arg;
  pthread_mutex_lock(&a->mu);
  a->r = *r;
  a->done = 1;
  pthread_cond_signal(&a->cv);
  pthread_mutex_unlock(&a->mu);
}

/* One take of the two-halves kind: its answer, and whether it may be overlapped. */
static rl_result take_send(ratelimit *rl, const char *client, uint64_t now, int *overlap) {
  rl_result r;
  rl_take *t = NULL;
  if (ratelimit_take_send(rl, client, RL_READ, now, &r, &t, overlap) == 0) ratelimit_take_reply(t, 50, &r);
  else CHECK(!"a check that must ask Redis was answered at once");
  return r;
}

/* One take of the pipelined kind, waited for. */
static rl_result take_async(ratelimit *rl, const char *client, uint64_t now, int *overlap) {
  answer a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0}};
  if (ratelimit_take_async(rl, client, RL_READ, now, &a.r, answered, &a, overlap)) {
    CHECK(!"a check that must ask Redis was answered at once");
    return a.r;
  }
  pthread_mutex_lock(&a.mu);
  while (!a.done) pthread_cond_wait(&a.cv, &a.mu);
  pthread_mutex_unlock(&a.mu);
  return a.r;
}

typedef rl_result (*take_fn)(ratelimit *, const char *, uint64_t, int *);

/* A limit of 2 a minute (under 128: never leased, so every check asks Redis). */
static void limit_of_two(take_fn take, const char *client) {
  int limits[RL__CLASSES] = {10, 2, 10, 10};
  ratelimit *rl = ratelimit_new(limits, 1000);
  redis_client *redis = NULL;
  char err[200];
  REQUIRE(redis_client_new(D.url, 1000, 1000, &redis, err, sizeof err) == PHEME_OK);
  ratelimit_share(rl, redis);
  uint64_t now = 1000000;
  int overlap = -1;
  rl_result r = take(rl, client, now, &overlap);
  CHECK_INT(overlap, 1);
  CHECK_INT(r.allowed, 1);
  CHECK_INT(r.remaining, 1);
  r = take(rl, client, now, &overlap);
  CHECK_INT(overlap, 1);
  CHECK_INT(r.allowed, 1);
  CHECK_INT(r.remaining, 0);
  /* refused: the first refusal was overlapped (no one could know) */
  r = take(rl, client, now, &overlap);
  CHECK_INT(overlap, 1);
  CHECK_INT(r.allowed, 0);
  CHECK(r.retry_after_s >= 29 && r.retry_after_s <= 31);
  /* the client is known refused with no token back for ~30 s: asked again, but not overlapped */
  r = take(rl, client, now + 1000000, &overlap);
  CHECK_INT(overlap, 0);
  CHECK_INT(r.allowed, 0);
  CHECK_INT(counter(rl, "pheme_ratelimit_overlapped_total"), 3);
  CHECK_INT(counter(rl, "pheme_ratelimit_overlap_refused_total"), 1);
  CHECK_INT(counter(rl, "pheme_ratelimit_shared_calls_total"), 4);
  CHECK_INT((long long)ratelimit_shared_fallbacks(rl), 0);
  /* without overlap asked, the check is as before (and not counted as overlapped) */
  rl_take *t = NULL;
  if (ratelimit_take_send(rl, "ip:203.0.113.99", RL_READ, now, &r, &t, NULL) == 0) ratelimit_take_reply(t, 50, &r);
  CHECK_INT(r.allowed, 1);
  CHECK_INT(counter(rl, "pheme_ratelimit_overlapped_total"), 3);
  ratelimit_free(rl);
  redis_client_free(redis);
}

TEST(two_halves_answer_as_the_waiting_check_and_stop_overlapping_a_refused_client) {
  limit_of_two(take_send, "ip:203.0.113.1");
}

TEST(pipelined_checks_answer_as_the_waiting_check_and_stop_overlapping_a_refused_client) {
  limit_of_two(take_async, "ip:203.0.113.2");
}

/* With Redis away the node's own bucket answers at once: nothing is overlapped. */
TEST(redis_down_answers_at_once_without_overlap) {
  int limits[RL__CLASSES] = {10, 2, 10, 10};
  ratelimit *rl = ratelimit_new(limits, 1000);
  redis_client *redis = NULL;
  char err[200], url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", redisd_free_port());
  REQUIRE(redis_client_new(url, 200, 60000, &redis, err, sizeof err) == PHEME_OK);
  ratelimit_share(rl, redis);
  int overlap = -1;
  rl_result r;
  rl_take *t = (rl_take *)1;
  CHECK_INT(ratelimit_take_send(rl, "ip:203.0.113.3", RL_READ, 1000000, &r, &t, &overlap), 1);
  CHECK(t == NULL);
  CHECK_INT(overlap, 0);
  CHECK_INT(r.allowed, 1);
  CHECK_INT((long long)ratelimit_shared_fallbacks(rl), 1);
  CHECK_INT(counter(rl, "pheme_ratelimit_overlapped_total"), 0);
  ratelimit_free(rl);
  redis_client_free(redis);
}

TEST_MAIN(REDISD_RUN(&D, RUN(two_halves_answer_as_the_waiting_check_and_stop_overlapping_a_refused_client); RUN(pipelined_checks_answer_as_the_waiting_check_and_stop_overlapping_a_refused_client); RUN(redis_down_answers_at_once_without_overlap)))
