/* The pipelined connection (redis_send, src/core/redis.c) against a "Redis" that answers one byte
 * at a time and never finishes: the command waiting is answered PHEME_SYS_IO once it has waited
 * redis_timeout_ms, while the bytes still trickle in. Before session 10 the reader looked at the
 * time only after a read that returned nothing, so a server that kept trickling held every check
 * of the node for as long as it trickled. Checked by order (the answer came while the server was
 * still sending), not by a measured time. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/redis.h"
#include "test.h"

enum { TRICKLE_BYTES = 200, TRICKLE_EVERY_US = 50000 }; /* 10 s in all, against a 200 ms timeout */

static int listener, trickled, trickle_done;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int answered = 0, answered_while_trickling = 0;
static pheme_err answer_e;

static void *trickler(void *arg) {
  (void)arg;
  int fd = accept(listener, NULL, NULL);
  if (fd < 0) return NULL;
  char cmd[256];
  (void)!read(fd, cmd, sizeof cmd); /* the command */
  /* a bulk string announced 1,000 bytes long, whose bytes never all come */
  (void)!write(fd, "$1000\r\n", 7);
  for (int i = 0; i < TRICKLE_BYTES; i++) {
    pthread_mutex_lock(&mu);
    int stop = answered;
    pthread_mutex_unlock(&mu);
    if (stop || write(fd, "x", 1) != 1) break;
    __atomic_add_fetch(&trickled, 1, __ATOMIC_RELAXED);
    usleep(TRICKLE_EVERY_US);
  }
  __atomic_store_n(&trickle_done, 1, __ATOMIC_RELEASE);
  close(fd);
  return NULL;
}

static void done(void *arg, pheme_err e, const redis_value *v) {
  (void)arg;
  (void)v;
  pthread_mutex_lock(&mu);
  answer_e = e;
  answered = 1;
  answered_while_trickling = !__atomic_load_n(&trickle_done, __ATOMIC_ACQUIRE);
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
}

TEST(a_reply_that_trickles_past_the_timeout_is_a_timeout) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof a;
  listener = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0 && !bind(listener, (struct sockaddr *)&a, n) && !getsockname(listener, (struct sockaddr *)&a, &n) &&
          !listen(listener, 4));
  pthread_t t;
  REQUIRE(pthread_create(&t, NULL, trickler, NULL) == 0);
  char url[64], err[200];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d", ntohs(a.sin_port));
  redis_client *c = NULL;
  REQUIRE(redis_client_new(url, 200, 1000, &c, err, sizeof err) == PHEME_OK);
  CHECK_INT(redis_send(c, 1, (const char *[]){"PING"}, done, NULL), PHEME_OK);
  pthread_mutex_lock(&mu);
  while (!answered) pthread_cond_wait(&cv, &mu); /* the trickler ends in any case: done is called then */
  pthread_mutex_unlock(&mu);
  CHECK_INT(answer_e, PHEME_SYS_IO);
  CHECK(answered_while_trickling);
  CHECK(__atomic_load_n(&trickled, __ATOMIC_RELAXED) > 0); /* bytes did come before the answer */
  CHECK(!redis_up(c));
  pthread_join(t, NULL);
  redis_client_free(c);
  close(listener);
}

TEST_MAIN(RUN(a_reply_that_trickles_past_the_timeout_is_a_timeout))
