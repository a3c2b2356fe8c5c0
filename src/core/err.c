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

int pheme_errf(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

pheme_err pheme_fail(pheme_err code, char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return code;
}
