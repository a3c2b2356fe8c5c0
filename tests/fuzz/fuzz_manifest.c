/* Fuzz target: the deployment manifest reader (src/chain/manifest.c). Whatever parses must
 * format and parse back to the same manifest, and formatting must be stable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/manifest.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  manifest m, again;
  char err[256];
  if (manifest_parse(&m, (const char *)data, size, err, sizeof err) != PHEME_OK) return 0;
  buf b, b2;
  buf_init(&b, 1 << 20);
  buf_init(&b2, 1 << 20);
  if (manifest_format(&b, &m) != PHEME_OK) abort();
  if (manifest_parse(&again, b.data, b.len, err, sizeof err) != PHEME_OK) {
    fprintf(stderr, "formatted manifest does not parse: %s\n", err);
    abort();
  }
  if (memcmp(&m, &again, sizeof m) != 0) abort();
  if (manifest_format(&b2, &again) != PHEME_OK || b.len != b2.len || memcmp(b.data, b2.data, b.len)) abort();
  buf_release(&b);
  buf_release(&b2);
  return 0;
}
