/* Fuzz target: `pheme reputation verify` reading a receipt (src/reputation/receipt.c). Any input
 * is parsed as JSON and verified; whatever verifies must verify again after a round trip through
 * text, and a verified receipt's recomputed score must lie in 0..100 points. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reputation/reputation.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t je;
  json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
  if (!j) return 0;
  char why[600];
  if (rep_verify(j, why, sizeof why) == 0) {
    json_t *score = json_object_get(json_object_get(j, "score"), "totalUpt");
    long long v = json_integer_value(score);
    if (v < 0 || v > REP_MAX_UPT) {
      fprintf(stderr, "verified score %lld outside 0..100 points\n", v);
      abort();
    }
    char *text = json_dumps(j, JSON_COMPACT);
    json_t *again = text ? json_loads(text, 0, NULL) : NULL;
    if (!again || rep_verify(again, why, sizeof why) != 0) {
      fprintf(stderr, "a verified receipt does not verify after a round trip: %s\n", why);
      abort();
    }
    json_decref(again);
    free(text);
  }
  json_decref(j);
  return 0;
}
