/* A real anvil for chain tests: started as a child process on 127.0.0.1 and a free port, stopped
 * by its PID (SIGTERM, then SIGKILL after 3 s) and reaped. ANVIL_BIN is set by CMake to the npm
 * package's binary (scripts/contracts.sh deps installs it); a test that cannot start anvil fails,
 * it never skips.
 *
 *   anvil_node n;
 *   REQUIRE(anvil_start(&n, (const char *[]){"--no-mining", NULL}) == 0);
 *   ... rpc_client_new((const char *[]){n.url}, 1, NULL) ...
 *   anvil_stop(&n);
 *
 * Accounts are anvil's deterministic development accounts (mnemonic "test test ... junk"), each
 * funded with 10,000 ETH; ANVIL_KEY0.. are their private keys (public test keys, local chains only). */
#ifndef PHEME_TEST_ANVIL_H
#define PHEME_TEST_ANVIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ANVIL_KEY0 "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define ANVIL_KEY1 "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
#define ANVIL_KEY2 "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
#define ANVIL_ADDR0 "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define ANVIL_ADDR1 "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
#define ANVIL_ADDR2 "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
#define ANVIL_CHAIN_ID 31337

typedef struct {
  pid_t pid;
  int port;
  char url[64];
} anvil_node;

static int anvil__free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static int anvil__listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

/* Stops the node by its PID and reaps it; safe to call twice. */
__attribute__((unused)) static void anvil_stop(anvil_node *n) {
  if (n->pid <= 0) return;
  kill(n->pid, SIGTERM);
  for (int i = 0; i < 300; i++) {
    if (waitpid(n->pid, NULL, WNOHANG) == n->pid) {
      n->pid = 0;
      return;
    }
    nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
  }
  kill(n->pid, SIGKILL);
  waitpid(n->pid, NULL, 0);
  n->pid = 0;
}

/* Starts anvil with extra arguments (a NULL-terminated list, or NULL) and waits up to 20 s until it
 * accepts connections. Returns 0, or -1 after printing why. */
__attribute__((unused)) static int anvil_start(anvil_node *n, const char *const *extra) {
  memset(n, 0, sizeof *n);
  const char *bin = getenv("PHEME_ANVIL") ? getenv("PHEME_ANVIL") : ANVIL_BIN;
  if (access(bin, X_OK) != 0) {
    fprintf(stderr, "anvil: '%s' is not executable (run scripts/contracts.sh deps)\n", bin);
    return -1;
  }
  for (int attempt = 0; attempt < 3; attempt++) {
    n->port = anvil__free_port();
    if (n->port < 0) return -1;
    char port[16];
    snprintf(port, sizeof port, "%d", n->port);
    const char *argv[64] = {bin, "--host", "127.0.0.1", "--port", port, "--silent"};
    int k = 6;
    for (int i = 0; extra && extra[i] && k < 63; i++) argv[k++] = extra[i];
    argv[k] = NULL;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, 1);
      execv(bin, (char *const *)argv);
      _exit(127);
    }
    n->pid = pid;
    snprintf(n->url, sizeof n->url, "http://127.0.0.1:%d", n->port);
    for (int i = 0; i < 2000; i++) {
      if (anvil__listening(n->port)) return 0;
      if (waitpid(pid, NULL, WNOHANG) == pid) {
        n->pid = 0;
        break; /* exited: port taken by someone else? try another */
      }
      nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    anvil_stop(n);
  }
  fprintf(stderr, "anvil: did not start\n");
  return -1;
}

#endif
