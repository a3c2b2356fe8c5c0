/* A growable byte buffer with a size cap (curl's dynbuf, git's strbuf). The contents are always
 * NUL-terminated, so buf.data can be used as a C string when it holds text.
 *
 * Every append returns 0, or -1 when the cap would be passed or memory is short; after a failed
 * append the buffer holds what it held before. */
#ifndef PHEME_CORE_BUF_H
#define PHEME_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "core/err.h"

typedef struct {
  char *data;  /* NUL-terminated; "" (static) while nothing was allocated */
  size_t len;
  size_t alloc;
  size_t cap;  /* most bytes the buffer may hold (without the NUL) */
} buf;

/* Prepares caller-owned memory with the given cap (must be > 0). */
void buf_init(buf *b, size_t cap);
/* Frees what the buffer holds, not the buffer itself. */
void buf_release(buf *b);
/* Empties the buffer, keeping its memory. */
void buf_clear(buf *b);

int buf__add_grow(buf *b, const void *p, size_t n) PHEME_MUST_CHECK;
/* Inline: most appends are a few bytes into room already there (JSON punctuation, say), and a call
 * per append was most of the JSON writer's time. Room inside the allocation is within the cap. */
PHEME_MUST_CHECK static inline int buf_add(buf *b, const void *p, size_t n) {
  if (n == 0 || b->alloc - b->len <= n) return buf__add_grow(b, p, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
  return 0;
}
int buf_adds(buf *b, const char *s) PHEME_MUST_CHECK;
PHEME_MUST_CHECK static inline int buf_addc(buf *b, char c) { return buf_add(b, &c, 1); }
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3))) PHEME_MUST_CHECK;
int buf_vprintf(buf *b, const char *fmt, va_list ap) PHEME_MUST_CHECK;
/* Appends the n bytes of s as the inside of a JSON string (quotes not included), escaped as
 * jansson's json_dumps escapes with JSON_ENSURE_ASCII, so the two write the same bytes: \" \\ \b
 * \f \n \r \t, other control characters and every non-ASCII character as \uXXXX (upper-case hex;
 * UTF-16 surrogate pairs above U+FFFF), '/' and DEL as they are. NUL bytes are written as \u0000.
 * A byte that is not part of valid UTF-8 is written as \uFFFD, so the output is always valid JSON
 * (jansson refuses such strings instead). On failure (cap, memory) the buffer is unchanged. */
int buf_add_json_str(buf *b, const char *s, size_t n) PHEME_MUST_CHECK;

/* Makes room for n more bytes without adding any (fewer reallocations for a known size). */
int buf_reserve(buf *b, size_t n) PHEME_MUST_CHECK;

/* Hands the malloc'ed contents to the caller (who frees them) and resets the buffer. */
char *buf_detach(buf *b, size_t *len);

#endif
