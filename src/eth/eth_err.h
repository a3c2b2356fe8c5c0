/* Error details for the Ethereum primitives. Every fallible function in src/eth returns a
 * pheme_err (0 on success) and, when given a non-NULL eth_err, writes there a lowercase message
 * that quotes the offending input: "invalid address checksum '0xAbC...'". The code is the
 * pheme_err returned (PHEME_DATA_INVALID for malformed input, PHEME_AUTH_INVALID for a signature
 * or time that does not verify, PHEME_SYS_NOMEM when a cap or malloc fails). */
#ifndef PHEME_ETH_ETH_ERR_H
#define PHEME_ETH_ETH_ERR_H

#include <stddef.h>

#include "core/err.h"

typedef struct {
  pheme_err code;
  char msg[256];
} eth_err;

/* Records code and message in e (if e is not NULL) and returns code. */
pheme_err eth_err_set(eth_err *e, pheme_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes s[0..n) into out (cap bytes, NUL-terminated) for quoting in a message: control and
 * non-ASCII bytes become \xNN, and input longer than about 48 bytes is cut with "...". */
const char *eth_err_quote(char *out, size_t cap, const char *s, size_t n);

/* The size of a buffer that eth_err_quote never overflows. */
#define ETH_ERR_QUOTE 200

#endif
