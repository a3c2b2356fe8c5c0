/* Error messages for src/eth; see eth_err.h. */
#include "eth/eth_err.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/banned.h"

pheme_err eth_err_set(eth_err *e, pheme_err code, const char *fmt, ...) {
  if (!e) return code;
  e->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
}

const char *eth_err_quote(char *out, size_t cap, const char *s, size_t n) {
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
