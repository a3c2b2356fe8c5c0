/* Capped growable buffer; see buf.h. */
#include "core/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonchar.h"
#include "core/banned.h"

static char empty[1];

void buf_init(buf *b, size_t cap) {
  b->data = empty;
  b->len = 0;
  b->alloc = 0;
  b->cap = cap;
}

void buf_release(buf *b) {
  if (b->alloc) free(b->data);
  buf_init(b, b->cap);
}

void buf_clear(buf *b) {
  b->len = 0;
  if (b->alloc) b->data[0] = 0;
}

static int grow(buf *b, size_t extra) {
  if (extra > b->cap || b->len > b->cap - extra) return -1;
  size_t need = b->len + extra + 1;
  if (need <= b->alloc) return 0;
  size_t n = b->alloc ? b->alloc : 64;
  while (n < need) n = n > (size_t)-1 / 2 ? need : n * 2;
  if (n > b->cap + 1) n = b->cap + 1;
  char *p = realloc(b->alloc ? b->data : NULL, n);
  if (!p) return -1;
  if (!b->alloc) p[0] = 0;
  b->data = p;
  b->alloc = n;
  return 0;
}

int buf__add_grow(buf *b, const void *p, size_t n) {
  if (grow(b, n)) return -1;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
  return 0;
}

int buf_adds(buf *b, const char *s) { return buf_add(b, s, strlen(s)); }

int buf_vprintf(buf *b, const char *fmt, va_list ap) {
  va_list cp;
  va_copy(cp, ap);
  int n = vsnprintf(NULL, 0, fmt, cp);
  va_end(cp);
  if (n < 0 || grow(b, (size_t)n)) return -1;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int buf_printf(buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = buf_vprintf(b, fmt, ap);
  va_end(ap);
  return r;
}

/* ---------- JSON strings ---------- */

static void hex4(char *out, uint32_t v) {
  static const char hex[] = "0123456789ABCDEF";
  out[0] = '\\';
  out[1] = 'u';
  for (int k = 0; k < 4; k++) out[2 + k] = hex[(v >> (12 - 4 * k)) & 15];
}

/* Writes the escape of the character at p, one that is not plain (n bytes available), into out.
 * Returns the escape's length and sets *used to the bytes of p it stands for. */
static size_t json_escape(const unsigned char *p, size_t n, char out[12], size_t *used) {
  static const char short_esc[] = "\"\"\\\\\bb\ff\nn\rr\tt";
  *used = 1;
  for (size_t k = 0; k < sizeof short_esc - 1; k += 2) {
    if (p[0] == (unsigned char)short_esc[k]) {
      out[0] = '\\';
      out[1] = short_esc[k + 1];
      return 2;
    }
  }
  if (p[0] < 0x80) {
    hex4(out, p[0]);
    return 6;
  }
  uint32_t cp;
  size_t len = jsonchar_utf8(p, n, &cp);
  if (!len) {
    hex4(out, 0xfffd); /* not UTF-8: the replacement character, one per byte */
    return 6;
  }
  *used = len;
  if (cp < 0x10000) {
    hex4(out, cp);
    return 6;
  }
  cp -= 0x10000; /* a UTF-16 surrogate pair */
  hex4(out, 0xd800 | cp >> 10);
  hex4(out + 6, 0xdc00 | (cp & 0x3ff));
  return 12;
}

int buf_add_json_str(buf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t before = b->len, i = 0;
  if (n == 0) return 0;
  /* Room for the whole input as it is: escapes make the output longer, never shorter, so plain
   * runs are copied without further checks and only an escape may need more room. */
  if (grow(b, n)) return -1;
  while (i < n) {
    size_t j = (size_t)(jsonchar_plain_run(p + i, p + n) - p);
    memcpy(b->data + b->len, p + i, j - i);
    b->len += j - i;
    if (j == n) break;
    char esc[12];
    size_t used, m = json_escape(p + j, n - j, esc, &used);
    if (grow(b, m + (n - j - used))) goto fail;
    memcpy(b->data + b->len, esc, m);
    b->len += m;
    i = j + used;
  }
  b->data[b->len] = 0;
  return 0;
fail:
  b->len = before;
  b->data[before] = 0;
  return -1;
}

int buf_reserve(buf *b, size_t n) { return grow(b, n); }

char *buf_detach(buf *b, size_t *len) {
  char *p = b->alloc ? b->data : calloc(1, 1);
  if (len) *len = b->len;
  buf_init(b, b->cap);
  return p;
}
