/* redis_send (src/core/redis.c) against a Redis whose connects hang (a loopback listener whose
 * accept queue is full drops new SYNs): the callers that arrive together while the first one dials
 * must not each dial in turn behind the pipelined connection's lock (one timeout per caller, one
 * after the other, on the HTTP threads: the rate-limit checks parked their threads for
 * callers x redis_timeout_ms). Once the first dial failed, Redis is down for the back-off and the
 * others answer at once. Counted by pheme_redis_failures_total, not by time. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/metrics.h"
#include "core/redis.h"
#include "test.h"

enum { CALLERS = 4 };

static redis_client *C;
static pthread_barrier_t start;
static pheme_err results[CALLERS];

static void never(void *arg, pheme_err e, const redis_value *v) {
  (void)arg;
  (void)e;
  (void)v;
}

static void *caller(void *arg) {
  int i = (int)(intptr_t)arg;
  const char *argv[] = {"PING"};
  pthread_barrier_wait(&start);
  results[i] = redis_send(C, 1, argv, never, NULL);
  return NULL;
}

/* A loopback port whose accept queue is full: connects to it hang until their timeout. */
static int hanging_port(int fds[4]) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof a;
  fds[0] = socket(AF_INET, SOCK_STREAM, 0);
  if (fds[0] < 0 || bind(fds[0], (struct sockaddr *)&a, n) || getsockname(fds[0], (struct sockaddr *)&a, &n) ||
      listen(fds[0], 0))
    return -1;
  for (int i = 1; i < 4; i++) { /* fill the queue (backlog 0 holds one), never accepted */
    fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fds[i] >= 0) (void)connect(fds[i], (struct sockaddr *)&a, n);
  }
  usleep(100000);
  /* a probe: its connect must still be pending after 200 ms */
  int p = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (p < 0) return -1;
  (void)connect(p, (struct sockaddr *)&a, n);
  struct pollfd pf = {p, POLLOUT, 0};
  int ready = poll(&pf, 1, 200);
  close(p);
  return ready == 0 ? ntohs(a.sin_port) : 0;
}

static long long failures(void) {
  metrics_registry r;
  metrics_init(&r);
  buf b;
  buf_init(&b, 1 << 16);
  long long v = -1;
  if (!metrics_register(&r, redis_metrics_collect, C) && !metrics_render(&r, &b)) {
    const char *p = strstr(b.data, "\npheme_redis_failures_total ");
    if (p) v = atoll(p + strlen("\npheme_redis_failures_total "));
  }
  buf_release(&b);
  metrics_release(&r);
  return v;
}

TEST(callers_that_meet_a_hanging_connect_dial_it_once) {
  int fds[4], port = hanging_port(fds);
  REQUIRE(port >= 0);
  if (port == 0) { /* this kernel answered a connect to a full queue: nothing to test here */
    fprintf(stderr, "  skipped: connects to a full accept queue do not hang here\n");
    return;
  }
  char url[64], err[200];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
  REQUIRE(redis_client_new(url, 300, 60000, &C, err, sizeof err) == PHEME_OK);
  pthread_barrier_init(&start, NULL, CALLERS);
  pthread_t t[CALLERS];
  for (int i = 0; i < CALLERS; i++) REQUIRE(pthread_create(&t[i], NULL, caller, (void *)(intptr_t)i) == 0);
  for (int i = 0; i < CALLERS; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < CALLERS; i++) CHECK_INT(results[i], PHEME_SYS_IO);
  CHECK_INT(failures(), 1); /* one dial: the others found Redis down */
  pthread_barrier_destroy(&start);
  redis_client_free(C);
  for (int i = 0; i < 4; i++)
    if (fds[i] >= 0) close(fds[i]);
}

TEST_MAIN(RUN(callers_that_meet_a_hanging_connect_dial_it_once))
