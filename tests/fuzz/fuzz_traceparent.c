/* Fuzz target: the W3C traceparent parser (core/trace.h), fed any header value. A value it takes
 * has non-zero ids; a span begun from it keeps its trace id, and the traceparent of a call from
 * that span parses again to the same trace. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char v[128];
  if (size >= sizeof v) size = sizeof v - 1;
  memcpy(v, data, size);
  v[size] = 0;
  uint8_t t[16], p[8], f;
  if (trace_parse(v, t, p, &f) != 0) return 0;
  uint8_t zt = 0, zp = 0;
  for (int i = 0; i < 16; i++) zt |= t[i];
  for (int i = 0; i < 8; i++) zp |= p[i];
  if (!zt || !zp) PHEME_BUG("a zero id was taken");
  trace_ctx c;
  trace_begin(&c, v);
  if (memcmp(c.trace_id, t, 16) != 0) PHEME_BUG("the span left the caller's trace");
  char child[TRACEPARENT_LEN + 1];
  trace_child(&c, child);
  uint8_t ct[16], cp[8], cf;
  if (trace_parse(child, ct, cp, &cf) != 0 || memcmp(ct, t, 16) != 0) PHEME_BUG("a call's traceparent does not parse back");
  return 0;
}
