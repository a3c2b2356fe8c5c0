/* Fuzz target: the request-body parser (json_parse_body) against jansson's json_loadb with the
 * flags it replaced. Both must accept the same documents and build equal trees with keys in the
 * same order; a refusal must say where (see tests/unit/core/json_same.h, which also states the one
 * deliberate difference: NUL bytes after a number or literal). Any difference aborts. */
#include <stdint.h>
#include <stdlib.h>

#include "../unit/core/json_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!json_same_as_jansson((const char *)data, size)) abort();
  return 0;
}
