/* A growable byte buffer with a size cap (curl's dynbuf, git's strbuf). The contents are always
 * NUL-terminated, so buf.data can be used as a C string when it holds text.
 *
 * Every append returns 0, or -1 when the cap would be passed or memory is short; after a failed
 * append the buffer holds what it held before. */
#ifndef PHEME_CORE_BUF_H
#define PHEME_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

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

int buf_add(buf *b, const void *p, size_t n) PHEME_MUST_CHECK;
int buf_adds(buf *b, const char *s) PHEME_MUST_CHECK;
int buf_addc(buf *b, char c) PHEME_MUST_CHECK;
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3))) PHEME_MUST_CHECK;
int buf_vprintf(buf *b, const char *fmt, va_list ap) PHEME_MUST_CHECK;
/* Appends s as the inside of a JSON string (quotes not included). */
int buf_add_json_str(buf *b, const char *s, size_t n) PHEME_MUST_CHECK;

/* Makes room for n more bytes without adding any (fewer reallocations for a known size). */
int buf_reserve(buf *b, size_t n) PHEME_MUST_CHECK;

/* Hands the malloc'ed contents to the caller (who frees them) and resets the buffer. */
char *buf_detach(buf *b, size_t *len);

#endif
