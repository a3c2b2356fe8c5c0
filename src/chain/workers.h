/* What `pheme serve` runs for the chain when chain_rpc is set: contract-wallet sign-in (EIP-1271
 * and ERC-6492 through sigcheck), the transaction manager (when chain_sender is on and an
 * operator key is set) and the indexer (when chain_indexer is on). One place starts and stops
 * them, so serve and dev agree. */
#ifndef PHEME_CHAIN_WORKERS_H
#define PHEME_CHAIN_WORKERS_H

#include <stddef.h>

#include "chain/indexer.h"
#include "chain/sigcheck.h"
#include "chain/txm.h"
#include "core/config.h"
#include "store/store.h"

typedef struct {
  sigcheck_signin_ctx sigcheck;
  int sigcheck_on;
  txm *sender;
  indexer *ix;
  metrics_registry *metrics; /* where the indexer's collector is registered */
} chain_workers;

/* Sets up the contract-wallet signature check (EIP-1271 / ERC-6492 through the chain) before the
 * HTTP server starts; the program then hands w->sigcheck to the sign-in (sigcheck_signin as its
 * contract check; chain and auth are one layer and know nothing of each other). Returns 0 (also
 * when no chain is configured: then sigcheck_on stays 0), or -1 with err naming the setting. */
pheme_err chain_workers_init(chain_workers *w, const pheme_config *cfg, char *err, size_t errlen);

/* Starts the transaction manager and the indexer as configured. Returns 0, or -1 with err; what
 * was started is stopped by chain_workers_stop, which is safe to call in any case. */
pheme_err chain_workers_start(chain_workers *w, store *s, const pheme_config *cfg,
                        metrics_registry *metrics, char *err, size_t errlen);
void chain_workers_stop(chain_workers *w);

#endif
