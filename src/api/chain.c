/* GET /api/v1/chain/status: the chain, its head, the suite's addresses and whether they hold
 * code, the operator's address and balance, the indexer's cursor and lag and the outbox
 * (src/chain/status.h). Public: everything in it is public on the chain anyway, and the key
 * itself never leaves the server. Not cached: the head moves without storage changing. */
#include "api/api.h"
#include "chain/status.h"

#include "core/banned.h"

/* A status call waits at most this long for the node (one batch). */
#define CHAIN_STATUS_TIMEOUT_MS 3000

void chain_status_get(http_req *r) {
  chain_status *st = arena_alloc(&r->arena, sizeof *st);
  if (!st) {
    http_error(r, PHEME_SYS_NOMEM, "out of memory");
    return;
  }
  chain_status_collect(st, req_app(r)->cfg, req_store(r), CHAIN_STATUS_TIMEOUT_MS);
  /* like every on-chain route (docs/api.md "On-chain state"): no chain, no status */
  if (!st->configured) {
    http_error(r, PHEME_DATA_NOT_FOUND, "no chain is configured (set chain_id and chain_rpc)");
    return;
  }
  API_ANSWER(r, 200, chain_status_write, st);
}
