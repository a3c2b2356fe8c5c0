/* Tables behind err.h and the BUG() reporter. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const struct {
  int status;
  const char *code;
  const char *message;
} errs[] = {
#define PHEME_ERR_ROW(name, status, code, msg) {status, code, msg},
    PHEME_ERRORS(PHEME_ERR_ROW)
#undef PHEME_ERR_ROW
};

static int valid(pheme_err e) { return (unsigned)e < PHEME_ERR__COUNT; }

int pheme_err_status(pheme_err e) { return valid(e) ? errs[e].status : 500; }
const char *pheme_err_code(pheme_err e) { return valid(e) ? errs[e].code : "SYS001"; }
const char *pheme_err_message(pheme_err e) { return valid(e) ? errs[e].message : "internal error"; }

void pheme_bug(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "BUG: %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}

pheme_err pheme_fail(pheme_err code, char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return code;
}

pheme_err pheme_set(pheme_error *e, pheme_err code, const char *fmt, ...) {
  if (!e) return code;
  e->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
}

const char *pheme_quote(char *out, size_t cap, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  if (cap == 0) return out;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (o + 8 >= cap || i >= 48) {
      if (o + 4 <= cap) {
        out[o++] = '.';
        out[o++] = '.';
        out[o++] = '.';
      }
      break;
    }
    if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
      out[o++] = '\\';
      out[o++] = 'x';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = 0;
  return out;
}
