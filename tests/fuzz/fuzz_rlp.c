/* Fuzz target: strict RLP decoding (rlp_decode_json) and, for what decodes, the re-encoding,
 * which must give back the input byte for byte (only canonical encodings decode). Also feeds
 * the bytes to tx_decode, the RLP consumer most exposed to the outside. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "eth/rlp.h"
#include "eth/tx.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *tree = NULL;
  if (rlp_decode_json(data, size, &tree, NULL) == PHEME_OK) {
    buf b;
    buf_init(&b, size + 16);
    if (rlp_encode_json(&b, tree, NULL) != PHEME_OK || b.len != size || memcmp(b.data, data, size) != 0)
      abort(); /* a decoded tree must re-encode to the same bytes */
    buf_release(&b);
    json_decref(tree);
  }
  arena a;
  arena_init(&a, 1 << 20);
  tx t;
  if (tx_decode(&t, data, size, &a, NULL) == PHEME_OK) {
    uint8_t from[20];
    pheme_err refused = tx_sender(from, &t, NULL);
    (void)refused; /* refusing is fine: only crashes, leaks and aborts count */
    buf b;
    buf_init(&b, size + 16);
    /* strict decoding means re-encoding is the identity */
    if (tx_encode_signed(&b, &t, NULL) != PHEME_OK || b.len != size || memcmp(b.data, data, size) != 0) abort();
    buf_release(&b);
  }
  arena_release(&a);
  return 0;
}
