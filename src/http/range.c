/* Range and If-None-Match; see range.h. */
#include "http/range.h"

#include <string.h>
#include <strings.h>

#include "core/banned.h"

static void skip_ws(const char **p) {
  while (**p == ' ' || **p == '\t') (*p)++;
}

/* Reads 1..19 digits (so the value fits in 63 bits); -1 when there are none or too many. */
static int read_num(const char **p, uint64_t *out) {
  uint64_t v = 0;
  int n = 0;
  while (**p >= '0' && **p <= '9') {
    if (++n > 19) return -1;
    v = v * 10 + (uint64_t)(**p - '0');
    (*p)++;
  }
  if (n == 0) return -1;
  *out = v;
  return 0;
}

range_result http_range_parse(const char *header, uint64_t size, uint64_t *start, uint64_t *len) {
  if (!header) return RANGE_NONE;
  const char *p = header;
  skip_ws(&p);
  if (strncasecmp(p, "bytes", 5) != 0) return RANGE_NONE;
  p += 5;
  skip_ws(&p);
  if (*p != '=') return RANGE_NONE;
  p++;
  skip_ws(&p);
  uint64_t a = 0, b = 0;
  int has_a = 0, has_b = 0;
  if (*p != '-') {
    if (read_num(&p, &a)) return RANGE_NONE;
    has_a = 1;
  }
  skip_ws(&p);
  if (*p != '-') return RANGE_NONE;
  p++;
  skip_ws(&p);
  if (*p >= '0' && *p <= '9') {
    if (read_num(&p, &b)) return RANGE_NONE;
    has_b = 1;
  }
  skip_ws(&p);
  if (*p != 0) return RANGE_NONE; /* several ranges, or junk: served whole */
  if (!has_a && !has_b) return RANGE_NONE;
  if (!has_a) {
    /* the last b bytes */
    if (b == 0 || size == 0) return RANGE_UNSATISFIABLE;
    if (b > size) b = size;
    *start = size - b;
    *len = b;
    return RANGE_PARTIAL;
  }
  if (has_b && b < a) return RANGE_NONE;
  if (a >= size) return RANGE_UNSATISFIABLE;
  uint64_t last = has_b && b < size - 1 ? b : size - 1;
  *start = a;
  *len = last - a + 1;
  return RANGE_PARTIAL;
}

int http_etag_match(const char *header, const char *etag) {
  if (!header) return 0;
  size_t elen = strlen(etag);
  const char *p = header;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    if (!*p) return 0;
    if (*p == '*') {
      const char *q = p + 1;
      while (*q == ' ' || *q == '\t') q++;
      if (*q == 0 || *q == ',') return 1;
    }
    if (p[0] == 'W' && p[1] == '/') p += 2;
    if (*p != '"') {
      /* not an entity tag: skip to the next element */
      while (*p && *p != ',') p++;
      continue;
    }
    const char *end = strchr(p + 1, '"');
    if (!end) return 0;
    size_t n = (size_t)(end - p + 1);
    if (n == elen && memcmp(p, etag, n) == 0) return 1;
    p = end + 1;
  }
}
