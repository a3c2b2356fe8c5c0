/* Fuzz target: the configuration file parser. Whatever the text, parsing either succeeds with
 * every value inside its key's bounds or fails with a message. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>

#include "core/config.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pheme_config c;
  config_init(&c);
  char err[256];
  if (config_parse_text(&c, (const char *)data, size, "fuzz", err, sizeof err) == 0) {
    if (c.threads < 0 || c.threads > 256 || c.body_limit < 1024) PHEME_BUG("value out of bounds");
  }
  config_release(&c);
  return 0;
}
