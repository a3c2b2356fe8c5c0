/* A redis-server for a unit test (Debian's, which scripts/deps.sh installs): started on a free
 * loopback port with nothing saved, stopped by its PID. Header-only, like test.h. */
#ifndef PHEME_TEST_REDISD_H
#define PHEME_TEST_REDISD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  pid_t pid;
  int port;
  char url[64]; /* redis://127.0.0.1:PORT/0 */
} redisd;

/* A port nothing listens on now (the kernel's pick). 0 on failure. */
static inline int redisd_free_port(void) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;
  if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, n) && !getsockname(fd, (struct sockaddr *)&a, &n))
    port = ntohs(a.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

/* Starts it (on d->port, or a free port when 0) and waits up to 5 s until it accepts connections.
 * 0, or -1 (nothing left running). */
static inline int redisd_start(redisd *d) {
  if (!d->port && !(d->port = redisd_free_port())) return -1;
  snprintf(d->url, sizeof d->url, "redis://127.0.0.1:%d/0", d->port);
  char port[16];
  snprintf(port, sizeof port, "%d", d->port);
  d->pid = fork();
  if (d->pid < 0) return -1;
  if (d->pid == 0) {
    execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--dir", "/tmp", "--loglevel", "warning", (char *)NULL);
    _exit(127);
  }
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)d->port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  for (int i = 0; i < 100; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    if (ok) return 0;
    if (waitpid(d->pid, NULL, WNOHANG) == d->pid) return -1; /* it exited: not installed, or the port taken */
    usleep(50000);
  }
  kill(d->pid, SIGKILL);
  waitpid(d->pid, NULL, 0);
  return -1;
}

/* For a test file's main (test.h): starts d, runs the tests, stops d. A redis-server that cannot
 * start fails the file, never skips it. */
#define REDISD_RUN(d, ...)                                                          \
  do {                                                                              \
    if (redisd_start(d)) {                                                          \
      fprintf(stderr, "cannot start redis-server (scripts/deps.sh test installs it)\n"); \
      test__failed_tests++;                                                         \
      break;                                                                        \
    }                                                                               \
    __VA_ARGS__;                                                                    \
    redisd_stop(d);                                                                 \
  } while (0)

static inline void redisd_stop(redisd *d) {
  if (d->pid <= 0) return;
  kill(d->pid, SIGTERM);
  waitpid(d->pid, NULL, 0);
  d->pid = 0;
}

#endif
