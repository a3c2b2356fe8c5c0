/* Fuzz target: EIP-712 typed data from JSON, as eth_signTypedData_v4 receives it. Any input
 * must either hash or be refused with an error; never crash, leak or run away. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/buf.h"
#include "eth/eip712.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
  if (!j) return 0;
  uint8_t h[32];
  pheme_error err;
  pheme_err refused = eip712_hash(h, j, &err);
  (void)refused; /* refusing is fine: only crashes, leaks and aborts count */
  const json_t *types = json_object_get(j, "types");
  const char *primary = json_string_value(json_object_get(j, "primaryType"));
  if (types && primary) {
    buf b;
    buf_init(&b, 1 << 20);
    refused = eip712_encode_type(&b, types, primary, &err);
    (void)refused; /* refusing is fine: only crashes, leaks and aborts count */
    buf_release(&b);
  }
  json_decref(j);
  return 0;
}
