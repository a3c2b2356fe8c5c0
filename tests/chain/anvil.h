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

#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chain/localnode.h"

#define ANVIL_KEY0 "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define ANVIL_KEY1 "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
#define ANVIL_KEY2 "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
#define ANVIL_ADDR0 "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define ANVIL_ADDR1 "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
#define ANVIL_ADDR2 "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
#define ANVIL_CHAIN_ID 31337

typedef local_node anvil_node;

/* Starts anvil with extra arguments (a NULL-terminated list, or NULL) on a free loopback port
 * (src/chain/localnode.c, the code `pheme dev` uses). Returns 0, or -1 after printing why. */
__attribute__((unused)) static int anvil_start(anvil_node *n, const char *const *extra) {
  char err[300];
  const char *bin = getenv("PHEME_ANVIL") ? getenv("PHEME_ANVIL") : ANVIL_BIN;
  if (local_node_start(n, bin, 0, extra, err, sizeof err) == 0) return 0;
  fprintf(stderr, "anvil: %s\n", err);
  return -1;
}

/* Stops the node by its PID and reaps it; safe to call twice. */
__attribute__((unused)) static void anvil_stop(anvil_node *n) { local_node_stop(n); }

#endif
