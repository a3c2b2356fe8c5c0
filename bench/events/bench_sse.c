/* The SSE fan-out load client (bench/events/run.sh). Opens N event streams to one server
 * (GET PATH with an Authorization header), waits until every stream is open and idle, reads the
 * server's resident memory (/proc/PID/status) before and after, then R times: sends the trigger
 * request (METHOD TPATH with BODY) on a connection of its own, and measures, for every stream,
 * the time from just before the trigger was sent to the arrival of a frame carrying MARK.
 * Prints one JSON object: delivery latencies (p50, p99, max, over all streams and rounds), the
 * streams that missed an event, and the RSS per idle stream. After each trigger an optional
 * cleanup request (CLEANUP_METHOD CLEANUP_PREFIX<id from the trigger's answer>) runs.
 *
 *   bench_sse PORT N ROUNDS SERVER_PID PATH AUTH METHOD TPATH BODY MARK [CLEANUP_METHOD CLEANUP_PREFIX]
 *
 * One thread, epoll, non-blocking sockets; the streams connect in batches so the listen backlog
 * is never the bottleneck. It raises its own soft RLIMIT_NOFILE to the hard one. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/banned.h"

typedef struct {
  int fd;
  int ready;     /* headers and the first comment arrived */
  int got;       /* the current round's mark arrived */
  char tail[64]; /* the last bytes seen, so a mark split across reads is found */
  size_t tail_len;
} stream;

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long rss_kb(int pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
  if (f) fclose(f);
  return kb;
}

/* utime + stime of a process, in microseconds. */
static double cpu_us(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char *p = strrchr(buf, ')');
  unsigned long ut = 0, st = 0;
  /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
  return (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

static int dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

/* One blocking request on a connection of its own; the answer's body goes to out. Returns the
 * status, or -1. */
static int request(int port, const char *method, const char *path, const char *auth, const char *body,
                   char *out, size_t outlen) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
    if (fd >= 0) close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char req[4096];
  int n = snprintf(req, sizeof req,
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Type: application/json\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                   method, path, auth[0] ? "Authorization: " : "", auth, auth[0] ? "\r\n" : "",
                   strlen(body), body);
  if (write(fd, req, (size_t)n) != n) {
    close(fd);
    return -1;
  }
  size_t got = 0;
  char buf[8192];
  ssize_t r;
  while (got + 1 < sizeof buf && (r = read(fd, buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)r;
  buf[got] = 0;
  close(fd);
  int status = -1;
  if (sscanf(buf, "HTTP/1.1 %d", &status) != 1) return -1;
  const char *b = strstr(buf, "\r\n\r\n");
  snprintf(out, outlen, "%s", b ? b + 4 : "");
  return status;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Reads what a stream has; returns -1 when it closed. */
static int drain(stream *s, const char *mark, int *became_ready, int *marked) {
  char buf[16384];
  for (;;) {
    ssize_t r = read(s->fd, buf, sizeof buf);
    if (r == 0) return -1;
    if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    /* search in tail + buf for the markers */
    char joined[sizeof buf + sizeof s->tail];
    memcpy(joined, s->tail, s->tail_len);
    memcpy(joined + s->tail_len, buf, (size_t)r);
    size_t jl = s->tail_len + (size_t)r;
    joined[jl < sizeof joined ? jl : sizeof joined - 1] = 0;
    if (!s->ready && memmem(joined, jl, ": connected", 11)) {
      s->ready = 1;
      *became_ready = 1;
    }
    if (s->ready && !s->got && memmem(joined, jl, mark, strlen(mark))) {
      s->got = 1;
      *marked = 1;
    }
    size_t keep = jl < sizeof s->tail ? jl : sizeof s->tail;
    memcpy(s->tail, joined + jl - keep, keep);
    s->tail_len = keep;
  }
}

int main(int argc, char **argv) {
  if (argc != 11 && argc != 13) {
    fprintf(stderr, "usage: bench_sse PORT N ROUNDS SERVER_PID PATH AUTH METHOD TPATH BODY MARK [CLEANUP_METHOD CLEANUP_PREFIX]\n");
    return 2;
  }
  int port = atoi(argv[1]), n = atoi(argv[2]), rounds = atoi(argv[3]), pid = atoi(argv[4]);
  const char *path = argv[5], *auth = argv[6], *method = argv[7], *tpath = argv[8], *body = argv[9], *mark = argv[10];
  const char *cmethod = argc == 13 ? argv[11] : NULL, *cprefix = argc == 13 ? argv[12] : NULL;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  stream *st = calloc((size_t)n, sizeof *st);
  int64_t *lat = calloc((size_t)n * (size_t)rounds, sizeof *lat);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (!st || !lat || ep < 0) return 1;
  char head[2048];
  int hl = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n%s%s%s\r\n",
                    path, auth[0] ? "Authorization: " : "", auth, auth[0] ? "\r\n" : "");
  long rss_before = rss_kb(pid);
  int ready = 0, opened = 0, closed = 0;
  struct epoll_event evs[512];
  int64_t t_start = now_us();
  /* connect in batches of 200, each batch once the previous is ready */
  while (ready + closed < n) {
    if (opened < n && opened - ready - closed < 200) {
      int fd = dial(port);
      if (fd < 0) {
        fprintf(stderr, "bench_sse: connect %d failed: %s\n", opened, strerror(errno));
        return 1;
      }
      st[opened].fd = fd;
      struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)opened};
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      opened++;
      continue;
    }
    int k = epoll_wait(ep, evs, 512, 1000);
    for (int i = 0; i < k; i++) {
      stream *s = &st[evs[i].data.u32];
      if (evs[i].events & EPOLLOUT) {
        if (write(s->fd, head, (size_t)hl) != hl) {
          fprintf(stderr, "bench_sse: the request of stream %u was not written\n", evs[i].data.u32);
          return 1;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[i].data.u32};
        epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
      }
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        int became = 0, marked = 0;
        if (drain(s, mark, &became, &marked) < 0) {
          closed++;
          epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
          close(s->fd);
          s->fd = -1;
        }
        ready += became;
      }
    }
    if (now_us() - t_start > 300 * 1000000LL) {
      fprintf(stderr, "bench_sse: only %d of %d streams opened in 300 s\n", ready, n);
      return 1;
    }
  }
  if (closed) {
    fprintf(stderr, "bench_sse: %d streams were refused or closed while opening\n", closed);
    return 1;
  }
  int64_t open_us = now_us() - t_start;
  sleep(2); /* idle: let allocations settle */
  long rss_idle = rss_kb(pid);
  int missed = 0, lost = 0;
  double cpu0 = cpu_us(pid);
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++) st[i].got = 0;
    char answer[4096];
    int64_t t0 = now_us();
    int status = request(port, method, tpath, auth, body, answer, sizeof answer);
    if (status < 200 || status >= 300) {
      fprintf(stderr, "bench_sse: the trigger answered %d: %s\n", status, answer);
      return 1;
    }
    int got = 0;
    while (got < n && now_us() - t0 < 10 * 1000000LL) {
      int k = epoll_wait(ep, evs, 512, 100);
      int64_t t = now_us();
      for (int i = 0; i < k; i++) {
        stream *s = &st[evs[i].data.u32];
        if (s->fd < 0) continue;
        int became = 0, marked = 0;
        if (drain(s, mark, &became, &marked) < 0) {
          lost++;
          epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
          close(s->fd);
          s->fd = -1;
        }
        if (marked) lat[(size_t)r * (size_t)n + (size_t)got++] = t - t0;
      }
    }
    for (int i = got; i < n; i++) lat[(size_t)r * (size_t)n + (size_t)i] = INT64_MAX;
    missed += n - got;
    if (cmethod) {
      const char *id = strstr(answer, "\"id\":");
      char cpath[512];
      snprintf(cpath, sizeof cpath, "%s%ld", cprefix, id ? atol(id + 5) : 0L);
      char ignored[256];
      request(port, cmethod, cpath, auth, "", ignored, sizeof ignored);
    }
    usleep(200000);
  }
  double cpu1 = cpu_us(pid);
  size_t total = (size_t)n * (size_t)rounds;
  qsort(lat, total, sizeof *lat, cmp64);
  double p50 = (double)lat[total / 2] / 1000.0, p99 = (double)lat[(size_t)((double)total * 0.99)] / 1000.0;
  double mx = lat[total - 1] == INT64_MAX ? -1 : (double)lat[total - 1] / 1000.0;
  printf("{\"streams\":%d,\"rounds\":%d,\"open_s\":%.2f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,"
         "\"missed\":%d,\"lost\":%d,\"rss_before_kb\":%ld,\"rss_idle_kb\":%ld,\"rss_per_stream_kb\":%.2f,\"server_cpu_us_per_delivery\":%.2f}\n",
         n, rounds, (double)open_us / 1e6, p50, p99, mx, missed, lost, rss_before, rss_idle,
         (double)(rss_idle - rss_before) / n, (cpu1 - cpu0) / (double)total);
  return missed ? 3 : 0;
}
