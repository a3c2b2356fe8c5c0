/* Fuzz target: the SIWE parser. Whatever parses must render back to exactly the input
 * (render(parse(m)) == m), and the time check must not misbehave on any parsed times. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "eth/siwe.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  arena a;
  arena_init(&a, 1 << 22);
  siwe_message m;
  pheme_error err;
  pheme_err refused;
  if (siwe_parse(&a, (const char *)data, size, &m, &err) == PHEME_OK) {
    buf b;
    buf_init(&b, SIWE_MAX_LEN + 1);
    if (siwe_render(&b, &m, &err) != PHEME_OK || b.len != size || memcmp(b.data, data, size) != 0) abort();
    buf_release(&b);
    refused = siwe_check_time(&m, (siwe_time){1700000000, 0}, 60, &err);
    (void)refused; /* refusing is fine: only crashes, leaks and aborts count */
  }
  siwe_time t;
  refused = siwe_time_parse(&t, (const char *)data, size < 64 ? size : 64, &err);
  (void)refused; /* refusing is fine: only crashes, leaks and aborts count */
  arena_release(&a);
  return 0;
}
