/* An open-loop load generator for the nested-query benchmark's latency target (p99 at a fixed
 * rate, issue 13): request k is due at start + k / rate whatever the answers before it did, and
 * its latency is counted from that due time, so a stalled server shows in the tail instead of
 * slowing the generator down (wrk's closed loop hides it: "coordinated omission"). Each of the
 * connections (HTTP/1.1 keep-alive, loopback) carries one request at a time; a request that finds
 * none free waits, and that wait is part of its latency. The body is post.lua's: the wallet query
 * for a random one of the seeded people. Every answer must be 200 with the submissions and no
 * errors. Prints one line: BENCH sent=… bad=… rate=… p50_us=… p99_us=… p999_us=… max_us=….
 *   paced PORT RATE SECONDS CONNECTIONS USERS [API_KEY]
 * Built by bench/graphql/nested.sh with the system's cc; not part of the server. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONNS_MAX 256
#define ANSWER_MAX (1 << 16)

typedef struct {
  int fd;
  int busy;
  int64_t due;   /* the due time of the request in flight, ns */
  size_t have;   /* bytes of the answer read */
  char in[ANSWER_MAX];
} conn;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The request for person id (post.lua's). Returns its length. */
static int request_text(char *out, size_t cap, long id, const char *key) {
  char body[640];
  int n = snprintf(body, sizeof body,
                   "{\"query\":\"query W($a: Bytes!) { wallet(address: $a) { address xp skills { slug level xp } "
                   "badges { slug name } guilds { slug role } user { submissions(first: 10) { id state task { title } "
                   "reviews { round score } } } } }\",\"variables\":{\"a\":\"0xbe9c5eed0000000000000000%016lx\"}}",
                   (unsigned long)id);
  char auth[200] = "";
  if (key && *key) snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", key);
  return snprintf(out, cap,
                  "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n%s"
                  "Content-Length: %d\r\n\r\n%s",
                  auth, n, body);
}

/* Whether c->in holds a whole answer: 1 (and *ok), 0 not yet, -1 malformed. */
static int answer_done(const conn *c, int *ok) {
  const char *end = memmem(c->in, c->have, "\r\n\r\n", 4);
  if (!end) return c->have >= ANSWER_MAX ? -1 : 0;
  const char *cl = memmem(c->in, (size_t)(end - c->in), "Content-Length: ", 16);
  if (!cl) return -1;
  size_t len = (size_t)strtoul(cl + 16, NULL, 10), head = (size_t)(end + 4 - c->in);
  if (head + len > ANSWER_MAX) return -1;
  if (c->have < head + len) return 0;
  *ok = strncmp(c->in, "HTTP/1.1 200", 12) == 0 && memmem(end, len + 4, "\"submissions\":[{", 16) &&
        !memmem(end, len + 4, "\"errors\"", 8);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: paced PORT RATE SECONDS CONNECTIONS USERS [API_KEY]\n");
    return 2;
  }
  int port = atoi(argv[1]), nconn = atoi(argv[4]);
  double rate = atof(argv[2]), secs = atof(argv[3]);
  long users = atol(argv[5]);
  const char *key = argc > 6 ? argv[6] : "";
  if (rate <= 0 || secs <= 0 || nconn < 1 || nconn > CONNS_MAX || users < 1) return 2;
  long total = (long)(rate * secs);
  int64_t *lat = calloc((size_t)total + 1, sizeof *lat);
  conn *cs = calloc((size_t)nconn, sizeof *cs);
  int ep = epoll_create1(0);
  if (!lat || !cs || ep < 0) return 1;
  for (int i = 0; i < nconn; i++) {
    if ((cs[i].fd = connect_to(port)) < 0) {
      perror("connect");
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  }
  srandom((unsigned)now_ns());
  const int64_t gap = (int64_t)(1e9 / rate);
  int64_t start = now_ns() + 50000000; /* the connections settle first */
  long next = 0, done = 0, bad = 0;
  char rq[1024];
  while (done < total) {
    int64_t t = now_ns();
    /* send every request that is due, while a connection is free */
    while (next < total && start + next * gap <= t) {
      int free_c = -1;
      for (int i = 0; i < nconn && free_c < 0; i++)
        if (!cs[i].busy) free_c = i;
      if (free_c < 0) break;
      conn *c = &cs[free_c];
      int n = request_text(rq, sizeof rq, 1 + random() % users, key);
      if (write(c->fd, rq, (size_t)n) != n) {
        perror("write");
        return 1;
      }
      c->busy = 1;
      c->have = 0;
      c->due = start + next * gap;
      next++;
    }
    int64_t wait_ns = next < total ? start + next * gap - now_ns() : 100000000;
    int timeout = wait_ns > 0 ? (int)(wait_ns / 1000000) : 0;
    struct epoll_event evs[CONNS_MAX];
    int k = epoll_wait(ep, evs, CONNS_MAX, timeout);
    for (int e = 0; e < k; e++) {
      conn *c = &cs[evs[e].data.u32];
      ssize_t r = read(c->fd, c->in + c->have, ANSWER_MAX - c->have);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "paced: connection closed by the server\n");
        return 1;
      }
      c->have += (size_t)r;
      int ok = 0, st = answer_done(c, &ok);
      if (st == 0) continue;
      if (st < 0) ok = 0;
      lat[done++] = (now_ns() - c->due) / 1000;
      bad += !ok;
      if (!ok && bad < 3) fprintf(stderr, "bad answer: %.200s\n", c->in);
      c->busy = 0;
      c->have = 0;
    }
  }
  double took = (double)(now_ns() - start) / 1e9;
  qsort(lat, (size_t)done, sizeof *lat, cmp_i64);
  printf("BENCH sent=%ld bad=%ld rate=%.1f p50_us=%lld p99_us=%lld p999_us=%lld max_us=%lld\n", done, bad,
         (double)done / took, (long long)lat[done / 2], (long long)lat[done * 99 / 100],
         (long long)lat[done * 999 / 1000], (long long)lat[done - 1]);
  for (int i = 0; i < nconn; i++) close(cs[i].fd);
  free(lat);
  free(cs);
  return bad ? 1 : 0;
}
