/* The `pheme chain` commands: `deploy` (the suite, with the C deployer, into a manifest) and
 * `status` (the chain as the configuration sees it). src/main.c's command table calls these. */
#ifndef PHEME_CHAIN_CLI_H
#define PHEME_CHAIN_CLI_H

#include "core/config.h"
#include "store/store.h"

#define CHAIN_CLI_USAGE                                                                   \
  "chain deploy [--chain-rpc URL] [--chain-manifest PATH] [--force]\n"                     \
  "       pheme chain status [--json]"

/* pheme chain deploy: deploys and wires the suite on chain_rpc with chain_operator_key (the
 * deployer) and the PHEME_* deployment variables Deploy.s.sol reads, then writes the manifest to
 * chain_manifest (default contracts/deployments/<chain id>.json). Refuses to deploy again over a
 * manifest whose contracts all hold code on that chain unless --force. Returns the exit status. */
int chain_cli_deploy(const pheme_config *cfg, char **args, int nargs);

/* pheme chain status: prints chain_status (chain/status.h); --json prints its JSON form. s may
 * be NULL (no database: indexer and outbox are shown as unavailable). Returns the exit status:
 * 0, or 1 when the node could not be reached. */
int chain_cli_status(const pheme_config *cfg, store *s, char **args, int nargs);

#endif
