/* Fuzz target: an eth_getLogs answer (the whole JSON-RPC envelope of call id 7) read both ways the
 * indexer may read it: the fast reader (chain/logscan.c) and the checked way (rpc_answer_parse,
 * then indexer_parse_logs), for blocks 0..1000 of two contracts. Differential: whatever the fast
 * reader takes, the checked way must accept too, with the same logs field for field and byte for
 * byte. The fast reader may decline what the checked way accepts (it then goes the checked way). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/indexer.h"
#include "chain/logscan.h"
#include "chain/rpc.h"
#include "core/arena.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const chain_log *x, const chain_log *y) {
  return x->chain_id == y->chain_id && x->block_number == y->block_number &&
         x->log_index == y->log_index && memcmp(x->block_hash, y->block_hash, 32) == 0 &&
         memcmp(x->tx_hash, y->tx_hash, 32) == 0 && memcmp(x->address, y->address, 20) == 0 &&
         memcmp(x->topics, y->topics, sizeof x->topics) == 0 && x->ntopics == y->ntopics &&
         x->n == y->n && (x->n == 0 || memcmp(x->data, y->data, x->n) == 0) &&
         x->contract == y->contract;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *body = (const char *)data;
  indexer_options o;
  memset(&o, 0, sizeof o);
  o.chain_id = 31337;
  o.present[CC_TOKEN] = o.present[CC_SKILL_WALLET] = 1;
  memset(o.address[CC_TOKEN], 0x11, 20);
  memset(o.address[CC_SKILL_WALLET], 0x22, 20);
  arena fa, ca;
  arena_init(&fa, 64 << 20);
  arena_init(&ca, 64 << 20);
  chain_log *fl = NULL;
  int fn = 0;
  int took = logscan_answer(body, size, 7, &o, 0, 1000, &fa, &fl, &fn);
  /* the checked way */
  rpc_error err;
  json_t *r = NULL;
  chain_log *cl = NULL;
  int cn = 0, accepted = 0;
  char why[240];
  if (rpc_answer_parse(body, size, 7, NULL, 0, &r, &ca, &err) == PHEME_OK)
    accepted = indexer_parse_logs(r, &o, 0, 1000, &ca, &cl, &cn, why, sizeof why) == PHEME_OK;
  json_decref(r);
  if (took) {
    if (!accepted || fn != cn) abort(); /* the fast reader took what the checked way refuses */
    for (int i = 0; i < fn; i++)
      if (!same(&fl[i], &cl[i])) abort();
  }
  arena_release(&fa);
  arena_release(&ca);
  return 0;
}
