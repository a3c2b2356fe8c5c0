/* `pheme dev`: the chain half of the local stack. Starts anvil (the npm package's binary) as a
 * child process on 127.0.0.1, deploys the suite with the C deployer (chain/deploy.h), seeds it
 * with demo activity, and points the configuration at it; src/main.c then runs the server the way
 * `pheme serve --demo` does and calls dev_chain_stop on the way out, which stops anvil by its PID
 * and reaps it. */
#ifndef PHEME_CHAIN_DEV_H
#define PHEME_CHAIN_DEV_H

#include <stdio.h>
#include <sys/types.h>

#include "chain/localnode.h"
#include "chain/manifest.h"
#include "core/config.h"

#define DEV_ACCOUNTS 6
/* The badge type the dev chain's demo mints to account 1 (chain/dev.c): an id the store's badge
 * types, numbered from 1, do not reach. */
#define DEV_DEMO_BADGE_ID 1000000

typedef struct {
  local_node node; /* anvil: node.pid is 0 when not running */
  char manifest_path[256];
  manifest m;
  uint64_t chain_id;
} dev_chain;

/* anvil's development accounts (mnemonic "test test … junk", index 0..5): public test keys,
 * funded only on local chains. Index 0 is the operator (deployer and relayer). */
extern const char *const dev_account_keys[DEV_ACCOUNTS];
extern const char *const dev_account_roles[DEV_ACCOUNTS];

/* Starts anvil (PHEME_ANVIL, else contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
 * under the working directory) on port 8545 when free, else a free port; deploys and seeds; then
 * sets cfg's chain_rpc, chain_id, chain_manifest (data/dev/deployments-<id>.json) and
 * chain_operator_key, and, when the database is the default one, a fresh
 * sqlite:./data/dev/pheme.db (a new chain each run makes the old one's index meaningless).
 * Progress goes to log. Returns 0, or -1 with err set and anvil already stopped. */
pheme_err dev_chain_start(dev_chain *d, pheme_config *cfg, FILE *log, char *err, size_t errlen);

/* Prints the chain id, RPC URL, contract addresses and the funded demo accounts. */
void dev_chain_print(const dev_chain *d, FILE *out);

/* Stops anvil by its PID (SIGTERM, SIGKILL after 3 s) and reaps it; safe to call twice. */
void dev_chain_stop(dev_chain *d);

#endif
