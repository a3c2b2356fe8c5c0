/* Fuzz target: what a node answers. The first byte chooses the reader, the rest is the answer:
 *   0  rpc_answer_parse of a single call (id 7)
 *   1  rpc_answer_parse of a batch of three calls (ids 7..9)
 *   2  an eth_getLogs result (JSON) read by indexer_parse_logs for blocks 0..1000 of two contracts,
 *      then every log decoded against the event table, as the indexer does
 *   3  an eth_getBlockByNumber result (JSON) read by indexer_parse_header
 * Refusing is fine; only crashes, leaks, sanitizer reports and broken invariants count. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/events.h"
#include "chain/indexer.h"
#include "chain/rpc.h"
#include "core/arena.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void logs(const char *body, size_t n) {
  json_t *v = json_loadb(body, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
  if (!v) return;
  indexer_options o;
  memset(&o, 0, sizeof o);
  o.chain_id = 31337;
  o.present[CC_TOKEN] = o.present[CC_SKILL_WALLET] = 1;
  memset(o.address[CC_TOKEN], 0x11, 20);
  memset(o.address[CC_SKILL_WALLET], 0x22, 20);
  arena a;
  arena_init(&a, 64 << 20);
  chain_log *l;
  int nl;
  char why[240];
  if (indexer_parse_logs(v, &o, 0, 1000, &a, &l, &nl, why, sizeof why) == PHEME_OK) {
    if (chain_events_init()) abort();
    for (int i = 0; i < nl; i++) {
      if (l[i].block_number < 0 || l[i].block_number > 1000 || l[i].ntopics < 1 || l[i].ntopics > 4) abort();
      if (i && (l[i].block_number < l[i - 1].block_number ||
                (l[i].block_number == l[i - 1].block_number && l[i].log_index <= l[i - 1].log_index)))
        abort(); /* sorted, no (block, index) twice */
      const chain_event *ev = chain_event_find(l[i].contract, l[i].topics[0]);
      json_t *args = NULL;
      if (ev && chain_event_args(ev, &l[i], &args, why, sizeof why) == PHEME_OK) json_decref(args);
    }
  }
  arena_release(&a);
  json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *body = (const char *)data + 1;
  size_t n = size - 1;
  rpc_error err;
  arena a;
  arena_init(&a, 1 << 20);
  switch (data[0] % 4) {
    case 0: {
      json_t *r = NULL;
      if (rpc_answer_parse(body, n, 7, NULL, 0, &r, &a, &err) == PHEME_OK && !r) abort();
      json_decref(r);
      break;
    }
    case 1: {
      rpc_request calls[3] = {{.method = "eth_chainId"}, {.method = "eth_blockNumber"},
                              {.method = "eth_getLogs"}};
      if (rpc_answer_parse(body, n, 7, calls, 3, NULL, &a, &err) == PHEME_OK) {
        for (int k = 0; k < 3; k++) {
          if (!calls[k].result && calls[k].err.kind != RPC_ERR_RPC) abort(); /* every call answered */
          json_decref(calls[k].result);
        }
      } else {
        for (int k = 0; k < 3; k++)
          if (calls[k].result) abort(); /* a refused batch leaves no result behind */
      }
      break;
    }
    case 2:
      logs(body, n);
      break;
    default: {
      json_t *v = json_loadb(body, n, JSON_DECODE_ANY, NULL);
      indexer_header h;
      char why[200];
      if (v && indexer_parse_header(v, &h, why, sizeof why) == PHEME_OK && h.number < 0) abort();
      json_decref(v);
    }
  }
  arena_release(&a);
  return 0;
}
