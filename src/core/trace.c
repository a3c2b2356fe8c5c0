/* W3C traceparent: see trace.h. */
#include "core/trace.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "core/banned.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1; /* uppercase is not allowed */
}

static int hex_field(const char *s, uint8_t *out, size_t n) {
  uint8_t any = 0;
  for (size_t i = 0; i < n; i++) {
    int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
    if (h < 0 || l < 0) return -1;
    out[i] = (uint8_t)(h << 4 | l);
    any |= out[i];
  }
  return any ? 0 : -1; /* all zeros is invalid for both ids */
}

int trace_parse(const char *v, uint8_t trace_id[16], uint8_t parent_id[8], uint8_t *flags) {
  if (!v) return -1;
  size_t n = strlen(v);
  if (n < TRACEPARENT_LEN) return -1;
  int vh = hexval(v[0]), vl = hexval(v[1]);
  if (vh < 0 || vl < 0 || (vh == 15 && vl == 15)) return -1;
  int version = vh << 4 | vl;
  if (version == 0 && n != TRACEPARENT_LEN) return -1;
  if (version > 0 && n > TRACEPARENT_LEN && v[TRACEPARENT_LEN] != '-') return -1;
  if (v[2] != '-' || v[35] != '-' || v[52] != '-') return -1;
  uint8_t f;
  if (hex_field(v + 3, trace_id, 16) || hex_field(v + 36, parent_id, 8)) return -1;
  int fh = hexval(v[53]), fl = hexval(v[54]);
  if (fh < 0 || fl < 0) return -1;
  f = (uint8_t)(fh << 4 | fl);
  *flags = f;
  return 0;
}

static void random_id(uint8_t *p, size_t n) {
  do {
    if (random_bytes(p, n)) { /* no kernel randomness: still unique enough within this process */
      static uint64_t counter;
      uint64_t c = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) ^ (uint64_t)time_mono_us();
      for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(c >> (8 * (i % 8))) ^ (uint8_t)i;
    }
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++) any |= p[i];
    if (any) return;
  } while (1);
}

void trace_begin(trace_ctx *t, const char *traceparent) {
  memset(t, 0, sizeof *t);
  if (trace_parse(traceparent, t->trace_id, t->parent_id, &t->flags) != 0) {
    memset(t, 0, sizeof *t);
    random_id(t->trace_id, sizeof t->trace_id);
    t->flags = 1;
  }
  random_id(t->span_id, sizeof t->span_id);
}

static char *hex(char *out, const uint8_t *p, size_t n) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[p[i] >> 4];
    out[2 * i + 1] = d[p[i] & 15];
  }
  return out + 2 * n;
}

void trace_child(const trace_ctx *t, char out[TRACEPARENT_LEN + 1]) {
  uint8_t span[8];
  random_id(span, sizeof span);
  char *p = out;
  memcpy(p, "00-", 3), p += 3;
  p = hex(p, t->trace_id, 16);
  *p++ = '-';
  p = hex(p, span, 8);
  *p++ = '-';
  p = hex(p, &t->flags, 1);
  *p = 0;
}

static __thread const trace_ctx *current;

void trace_set_current(const trace_ctx *t) { current = t; }
const trace_ctx *trace_current(void) { return current; }

const char *trace_outgoing_header(char out[TRACE_HEADER_LEN + 1]) {
  if (!current) return NULL;
  memcpy(out, "traceparent: ", 13);
  trace_child(current, out + 13);
  return out;
}
