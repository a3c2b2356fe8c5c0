/* Fuzz target: what the transaction manager reads from nodes. The first byte picks the parser:
 *   0  fees_quote over an eth_feeHistory result (JSON text)
 *   1  revert_data_from_rpc over a JSON-RPC error's "data" (JSON text), then revert_decode
 *   2  revert_decode over raw revert data, with custom errors of every kind of parameter
 * None may crash; a quote that succeeds must be internally consistent. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/fees.h"
#include "chain/revert.h"
#include "core/arena.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static revert_table *table(void) {
  static revert_table *t;
  if (!t) {
    static const char *sigs[] = {"Custom(address,uint256,bytes32)", "Dyn(string,bytes,uint8[])",
                                 "Nested((uint16,string)[2],int64)", "Empty()"};
    char err[256];
    t = revert_table_new(sigs, 4, err, sizeof err);
    if (!t) abort();
  }
  return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned which = data[0] % 3;
  data++;
  size--;
  arena a;
  arena_init(&a, 1 << 22);
  if (which == 0) {
    json_t *h = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    fee_options o;
    fee_options_init(&o);
    o.max_fee_wei = (size & 1) ? 1000000000000ULL : 0;
    fee_quote q;
    char err[256];
    if (h && fees_quote(h, &o, &q, err, sizeof err) == PHEME_OK) {
      if (q.max_fee < q.tip || (o.max_fee_wei && q.max_fee > o.max_fee_wei)) abort();
      fee_quote b;
      if (fees_bump(&q, &q, &o, &b, err, sizeof err) == PHEME_OK &&
          (b.tip <= q.tip || b.max_fee <= q.max_fee))
        abort(); /* a replacement always pays more */
    }
    json_decref(h);
  } else {
    uint8_t *rd = (uint8_t *)data;
    size_t n = size;
    char *text = NULL;
    if (which == 1) {
      text = malloc(size + 1);
      if (!text) return 0;
      memcpy(text, data, size);
      text[size] = 0;
      if (revert_data_from_rpc(&a, text, &rd, &n) != PHEME_OK) rd = NULL, n = 0;
    }
    revert_info ri;
    if (revert_decode(table(), &a, rd, n, &ri) == PHEME_OK && (!ri.text || !ri.args_json)) abort();
    free(text);
  }
  arena_release(&a);
  return 0;
}
