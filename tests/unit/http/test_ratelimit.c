/* Unit tests of src/http/ratelimit.c: bucket arithmetic on an injected clock, the memory bound,
 * exact counts under concurrency, client keys for IPv6 and behind proxies. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/ratelimit.h"
#include "test.h"

static const int limits[RL__CLASSES] = {10, 100, 50, 200};

TEST(bucket_refills_at_limit_per_minute) {
  ratelimit *rl = ratelimit_new(limits, 1000);
  REQUIRE(rl != NULL);
  uint64_t t = 1000000;
  for (int i = 0; i < 10; i++) {
    rl_result r = ratelimit_take(rl, "ip:1.2.3.4", RL_AUTH, t);
    CHECK(r.allowed);
    CHECK_INT(r.remaining, 9 - i);
    CHECK_INT(r.limit, 10);
  }
  rl_result r = ratelimit_take(rl, "ip:1.2.3.4", RL_AUTH, t);
  CHECK(!r.allowed);
  CHECK_INT(r.retry_after_s, 7); /* one token per 6 s, rounded up past the fraction */
  /* another class of the same client has its own bucket */
  CHECK(ratelimit_take(rl, "ip:1.2.3.4", RL_READ, t).allowed);
  /* 6 seconds later exactly one token is back */
  CHECK(ratelimit_take(rl, "ip:1.2.3.4", RL_AUTH, t + 6000000).allowed);
  CHECK(!ratelimit_take(rl, "ip:1.2.3.4", RL_AUTH, t + 6000001).allowed);
  /* a long pause refills to the limit, not beyond */
  r = ratelimit_take(rl, "ip:1.2.3.4", RL_AUTH, t + 3600000000u);
  CHECK(r.allowed);
  CHECK_INT(r.remaining, 9);
  ratelimit_free(rl);
}

TEST(memory_is_bounded_by_dropping_least_recent) {
  ratelimit *rl = ratelimit_new(limits, 160); /* 10 per shard */
  REQUIRE(rl != NULL);
  char key[32];
  for (int i = 0; i < 10000; i++) {
    snprintf(key, sizeof key, "ip:10.0.%d.%d", i / 256, i % 256);
    ratelimit_take(rl, key, RL_READ, 1000);
  }
  CHECK(ratelimit_size(rl) <= 160);
  /* a client that keeps coming back stays; its bucket is not reset by others' churn */
  for (int i = 0; i < 100; i++) ratelimit_take(rl, "key:7", RL_WRITE, 2000);
  for (int i = 0; i < 5; i++) {
    snprintf(key, sizeof key, "ip:10.9.9.%d", i);
    ratelimit_take(rl, key, RL_READ, 2000);
  }
  CHECK(!ratelimit_take(rl, "key:7", RL_WRITE, 2000).allowed);
  ratelimit_free(rl);
}

static ratelimit *shared;
static int allowed_total;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *hammer(void *arg) {
  (void)arg;
  int mine = 0;
  for (int i = 0; i < 1000; i++) mine += ratelimit_take(shared, "addr:ab", RL_WRITE, 5000).allowed;
  pthread_mutex_lock(&mu);
  allowed_total += mine;
  pthread_mutex_unlock(&mu);
  return NULL;
}

TEST(exact_under_concurrency) {
  shared = ratelimit_new(limits, 1000);
  REQUIRE(shared != NULL);
  pthread_t th[8];
  for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, hammer, NULL);
  for (int i = 0; i < 8; i++) pthread_join(th[i], NULL);
  CHECK_INT(allowed_total, 50); /* the clock stands still: exactly the limit gets through */
  ratelimit_free(shared);
}

TEST(client_keys) {
  char k[96], ip[64];
  CHECK_INT(ratelimit_ip_key("192.0.2.7", k, sizeof k), 0);
  CHECK_STR(k, "ip:192.0.2.7");
  CHECK_INT(ratelimit_ip_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k, sizeof k), 0);
  CHECK_STR(k, "ip:2001:db8:1:2::/64");
  char k2[96];
  CHECK_INT(ratelimit_ip_key("2001:db8:1:2::1", k2, sizeof k2), 0);
  CHECK_STR(k2, k); /* same /64, same bucket */
  CHECK_INT(ratelimit_ip_key("::ffff:192.0.2.7", k, sizeof k), 0);
  CHECK_STR(k, "ip:192.0.2.7");
  CHECK_INT(ratelimit_ip_key("not-an-ip", k, sizeof k), -1);
  /* X-Forwarded-For is believed only from trusted peers, and proxies are skipped from the right */
  ratelimit_client_ip("203.0.113.9", "1.1.1.1", "", ip, sizeof ip);
  CHECK_STR(ip, "203.0.113.9");
  ratelimit_client_ip("203.0.113.9", "1.1.1.1", "10.0.0.1", ip, sizeof ip);
  CHECK_STR(ip, "203.0.113.9");
  ratelimit_client_ip("10.0.0.1", "6.6.6.6, 1.1.1.1, 10.0.0.2", "10.0.0.1, 10.0.0.2", ip, sizeof ip);
  CHECK_STR(ip, "1.1.1.1");
  ratelimit_client_ip("10.0.0.1", "garbage", "10.0.0.1", ip, sizeof ip);
  CHECK_STR(ip, "10.0.0.1");
}

TEST(peek_neither_takes_nor_makes_a_bucket) {
  ratelimit *rl = ratelimit_new(limits, 1000);
  REQUIRE(rl != NULL);
  uint64_t t = 1000000;
  rl_result r = ratelimit_peek(rl, "authfail:ip:9.9.9.9", RL_AUTH, t);
  CHECK(r.allowed);
  CHECK_INT(r.remaining, 10);
  CHECK_INT((int)ratelimit_size(rl), 0); /* a client that never failed costs nothing */
  for (int i = 0; i < 10; i++) CHECK(ratelimit_take(rl, "authfail:ip:9.9.9.9", RL_AUTH, t).allowed);
  for (int i = 0; i < 3; i++) { /* peeking again and again takes nothing */
    r = ratelimit_peek(rl, "authfail:ip:9.9.9.9", RL_AUTH, t);
    CHECK(!r.allowed);
    CHECK_INT(r.retry_after_s, 7);
  }
  CHECK(ratelimit_peek(rl, "authfail:ip:9.9.9.9", RL_AUTH, t + 6000000).allowed);
  CHECK(!ratelimit_peek(rl, "authfail:ip:9.9.9.9", RL_AUTH, t + 5999999).allowed);
  CHECK_INT((int)ratelimit_size(rl), 1);
  ratelimit_free(rl);
}

static void never_called(void *arg, const rl_result *r) {
  (void)r;
  *(int *)arg += 1;
}

/* A port on loopback that nothing listens on (bound, never listened: connections are refused). */
static int closed_port(int *fd) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof a;
  *fd = socket(AF_INET, SOCK_STREAM, 0);
  if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, n) || getsockname(*fd, (struct sockaddr *)&a, &n)) return -1;
  return ntohs(a.sin_port);
}

/* The check that need not wait answers at once whenever Redis is not asked: without Redis (the
 * node's bucket, the same answers as ratelimit_take), and with a Redis that refuses connections
 * (its own bucket, counted as a fallback); its callback is never called then. Redis that answers:
 * tests/integration/redis.test.mjs (exactly 10 of 20 across two nodes, through this path). */
TEST(a_check_that_need_not_wait_answers_at_once_without_redis) {
  ratelimit *rl = ratelimit_new(limits, 1000);
  REQUIRE(rl != NULL);
  int calls = 0;
  uint64_t t = 1000000;
  for (int i = 0; i < 11; i++) {
    rl_result r;
    CHECK_INT(ratelimit_take_async(rl, "ip:5.6.7.8", RL_AUTH, t, &r, never_called, &calls, NULL), 1);
    CHECK_INT(r.allowed, i < 10);
  }
  int fd, port = closed_port(&fd);
  REQUIRE(port > 0);
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
  redis_client *redis = NULL;
  char err[200];
  REQUIRE(redis_client_new(url, 200, 60000, &redis, err, sizeof err) == PHEME_OK);
  ratelimit_share(rl, redis);
  for (int i = 0; i < 11; i++) {
    rl_result r;
    CHECK_INT(ratelimit_take_async(rl, "ip:9.8.7.6", RL_AUTH, t, &r, never_called, &calls, NULL), 1);
    CHECK_INT(r.allowed, i < 10);
  }
  CHECK_INT((int)ratelimit_shared_fallbacks(rl), 11); /* each answered by the node's own bucket */
  CHECK_INT(calls, 0);
  ratelimit_free(rl);
  redis_client_free(redis);
  close(fd);
}

TEST_MAIN(RUN(a_check_that_need_not_wait_answers_at_once_without_redis); RUN(peek_neither_takes_nor_makes_a_bucket); RUN(bucket_refills_at_limit_per_minute); RUN(memory_is_bounded_by_dropping_least_recent);
          RUN(exact_under_concurrency); RUN(client_keys))
