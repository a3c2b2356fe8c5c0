/* Starting the chain's parts of the server; see workers.h. */
#include "chain/workers.h"

#include <stdio.h>
#include <string.h>

#include "chain/endpoints.h"
#include "core/log.h"
#include "core/banned.h"

static int chain_configured(const pheme_config *cfg) { return cfg->chain_rpc && cfg->chain_rpc[0]; }

pheme_err chain_workers_init(chain_workers *w, const pheme_config *cfg, char *err, size_t errlen) {
  memset(w, 0, sizeof *w);
  if (!chain_configured(cfg)) return 0;
  chain_endpoints eps;
  PHEME_TRY(chain_endpoints_parse(&eps, cfg->chain_rpc, err, errlen));
  /* a sign-in waits for the node: short timeouts, one retry, small answers */
  rpc_options o;
  rpc_options_init(&o);
  o.expected_chain_id = cfg->chain_id > 0 ? (uint64_t)cfg->chain_id : 0;
  o.timeout_ms = 5000;
  o.retries = 1;
  o.max_response_bytes = 1 << 20;
  PHEME_TRY(sigcheck_signin_init(&w->sigcheck, eps.url, eps.n, &o, err, errlen));
  w->sigcheck_on = 1;
  return 0;
}

pheme_err chain_workers_start(chain_workers *w, store *s, const pheme_config *cfg,
                        metrics_registry *metrics, char *err, size_t errlen) {
  if (!chain_configured(cfg)) return 0;
  if (cfg->chain_sender && cfg->chain_operator_key && cfg->chain_operator_key[0]) {
    txm_options o;
    chain_endpoints eps;
    PHEME_TRY(txm_options_from_config(cfg, &o, &eps, err, errlen));
    PHEME_TRY(txm_new(&w->sender, s, &o, err, errlen));
    memset(o.key, 0, sizeof o.key);
    if (txm_start(w->sender))
      return pheme_fail(PHEME_SYS_INTERNAL, err, errlen, "the transaction manager's thread did not start");
  } else if (cfg->chain_sender) {
    log_info("no chain_operator_key: the transaction manager is off (nothing is sent to the chain)");
  }
  if (cfg->chain_indexer) {
    char why[512];
    if (!(w->ix = indexer_from_config(s, cfg, why, sizeof why)))
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "chain indexer: %s", why);
    if (indexer_start(w->ix)) return pheme_fail(PHEME_SYS_INTERNAL, err, errlen, "chain indexer: its thread did not start");
    if (metrics && metrics_register(metrics, indexer_metrics_collect, w->ix))
      return pheme_fail(PHEME_SYS_INTERNAL, err, errlen, "chain indexer: the metrics registry is full");
    w->metrics = metrics;
  }
  return 0;
}

void chain_workers_stop(chain_workers *w) {
  if (w->metrics && w->ix) metrics_unregister(w->metrics, indexer_metrics_collect, w->ix);
  w->metrics = NULL;
  indexer_free(w->ix); /* stops its thread and gives its lease up */
  txm_free(w->sender); /* stops its thread, releases the lease, wipes the key */
  w->ix = NULL;
  w->sender = NULL;
  if (w->sigcheck_on) sigcheck_signin_release(&w->sigcheck);
  w->sigcheck_on = 0;
}
