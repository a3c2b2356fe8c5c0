/* A local anvil child process; see localnode.h. */
#include "chain/localnode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/banned.h"


static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* bind() to 127.0.0.1:port (0: any); returns the port bound, or -1. */
static int try_bind(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int got = -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    got = ntohs(a.sin_port);
  close(fd);
  return got;
}

int local_free_port(void) { return try_bind(0); }

static int listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

void local_node_stop(local_node *n) {
  if (n->pid <= 0) return;
  kill(n->pid, SIGTERM);
  for (int i = 0; i < 300; i++) {
    if (waitpid(n->pid, NULL, WNOHANG) == n->pid) {
      n->pid = 0;
      return;
    }
    sleep_ms(10);
  }
  kill(n->pid, SIGKILL);
  waitpid(n->pid, NULL, 0);
  n->pid = 0;
}

pheme_err local_node_start(local_node *n, const char *bin, int port, const char *const *extra, char *err,
                     size_t errlen) {
  memset(n, 0, sizeof *n);
  if (!bin) bin = getenv("PHEME_ANVIL") && *getenv("PHEME_ANVIL") ? getenv("PHEME_ANVIL") : LOCALNODE_DEFAULT_ANVIL;
  if (access(bin, X_OK) != 0) {
    return pheme_fail(PHEME_SYS_IO, err, errlen, "anvil '%s' is not executable (run scripts/contracts.sh deps, or set PHEME_ANVIL)", bin);
  }
  /* a few attempts: a free port can be taken between asking and anvil's bind */
  for (int attempt = 0; attempt < 3; attempt++) {
    n->port = port > 0 && attempt == 0 && try_bind(port) == port ? port : local_free_port();
    if (n->port < 0) {
      return pheme_fail(PHEME_SYS_IO, err, errlen, "no free port on 127.0.0.1 for anvil");
    }
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", n->port);
    const char *argv[64] = {bin, "--host", "127.0.0.1", "--port", port_text, "--silent"};
    int k = 6;
    for (int i = 0; extra && extra[i] && k < 63; i++) argv[k++] = extra[i];
    argv[k] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      return pheme_fail(PHEME_SYS_IO, err, errlen, "cannot start anvil: %s", strerror(errno));
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(1);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      setpgid(0, 0);
      int devnull = open("/dev/null", O_RDWR);
      if (devnull >= 0) dup2(devnull, 0), dup2(devnull, 1);
      execv(bin, (char *const *)argv);
      _exit(127);
    }
    n->pid = pid;
    snprintf(n->url, sizeof n->url, "http://127.0.0.1:%d", n->port);
    for (int i = 0; i < 2000; i++) {
      if (listening(n->port)) return 0;
      if (waitpid(pid, NULL, WNOHANG) == pid) {
        n->pid = 0;
        break; /* exited: most likely the port was taken meanwhile; try another */
      }
      sleep_ms(10);
    }
    if (n->pid) {
      local_node_stop(n);
      return pheme_fail(PHEME_SYS_IO, err, errlen, "anvil did not listen on port %d within 20 s", n->port);
    }
  }
  return pheme_fail(PHEME_SYS_IO, err, errlen, "anvil exited at start three times (ports taken?)");
}
