/* Capped growable buffer; see buf.h. */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int buf_add(buf *b, const void *p, size_t n) {
  if (grow(b, n)) return -1;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
  return 0;
}

int buf_adds(buf *b, const char *s) { return buf_add(b, s, strlen(s)); }
int buf_addc(buf *b, char c) { return buf_add(b, &c, 1); }

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

int buf_add_json_str(buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t before = b->len, run = 0;
  /* Runs of characters that need no escape are copied at once. */
  for (size_t i = 0; i <= n; i++) {
    unsigned char c = i < n ? (unsigned char)s[i] : 0;
    if (i < n && c >= 0x20 && c != '"' && c != '\\') continue;
    if (i > run && buf_add(b, s + run, i - run)) goto fail;
    run = i + 1;
    if (i == n) break;
    char esc[6] = {'\\', 0};
    size_t len = 2;
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        len = 6;
    }
    if (buf_add(b, esc, len)) goto fail;
  }
  return 0;
fail:
  b->len = before;
  if (b->alloc) b->data[before] = 0;
  return -1;
}

int buf_reserve(buf *b, size_t n) { return grow(b, n); }

char *buf_detach(buf *b, size_t *len) {
  char *p = b->alloc ? b->data : calloc(1, 1);
  if (len) *len = b->len;
  buf_init(b, b->cap);
  return p;
}
