/* A local anvil as a child process, for `pheme dev`, the chain tests and the benchmarks: started
 * on 127.0.0.1 only, stopped by its PID (SIGTERM, then SIGKILL after 3 s) and reaped. The child
 * dies with its parent (PR_SET_PDEATHSIG), runs in its own process group (Ctrl-C in a terminal
 * reaches pheme, which stops it) with default signal handling, and its stdout goes to /dev/null. */
#ifndef PHEME_CHAIN_LOCALNODE_H
#define PHEME_CHAIN_LOCALNODE_H

#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"

/* Where `scripts/contracts.sh deps` installs anvil, relative to the repository. */
#define LOCALNODE_DEFAULT_ANVIL "contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

typedef struct {
  pid_t pid;     /* 0 when not running */
  int port;
  char url[64];  /* http://127.0.0.1:PORT */
} local_node;

/* Starts anvil: bin (NULL: $PHEME_ANVIL, else LOCALNODE_DEFAULT_ANVIL) on port (0: any free port;
 * a taken port falls back to a free one) with extra arguments (NULL-terminated, may be NULL), and
 * waits up to 20 s until it accepts connections. Returns 0, or PHEME_SYS_IO with err saying why. */
pheme_err local_node_start(local_node *n, const char *bin, int port, const char *const *extra, char *err,
                     size_t errlen);
/* Stops the node by its PID and reaps it; safe to call twice or on a node never started. */
void local_node_stop(local_node *n);

/* A TCP port on 127.0.0.1 free at the time of asking, or -1. */
int local_free_port(void);

#endif
