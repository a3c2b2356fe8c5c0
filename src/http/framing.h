/* RFC 9112 framing checks on a request head as libmicrohttpd parsed it: the building blocks of
 * request smuggling behind a proxy are refused before a route sees the request (400 API011, and
 * the connection is closed; 501 API012 for a transfer coding the server does not implement).
 *
 * libmicrohttpd 0.9.75 is lenient where RFC 9112 is not: it keeps a second Content-Length, reads
 * Transfer-Encoding over Content-Length, keeps "Name : value" with the space in the name, and
 * passes a bare CR through. These checks see every header field with its exact length, so a NUL
 * inside a value is seen too. */
#ifndef PHEME_HTTP_FRAMING_H
#define PHEME_HTTP_FRAMING_H

#include <stddef.h>

#include "core/err.h"

typedef struct {
  int content_length; /* Content-Length fields seen */
  int transfer_encoding;
  int host;
  int bad;            /* a field already refused: err and msg are set */
  pheme_err err;
  char msg[200];
} http_framing;

void http_framing_init(http_framing *f);
/* One header field (name and value as parsed, with their lengths). */
void http_framing_field(http_framing *f, const char *name, size_t name_len, const char *value,
                        size_t value_len);
/* The bytes between the end of one field's value and the start of the next field's name, as they
 * lie in the buffer the head was parsed in (libmicrohttpd parses in place and ends each line with
 * a NUL over its CR): 1 or 2 (LF, or CR LF). More means bytes the parsed value does not show,
 * i.e. a NUL inside the value with more after it, or an obs-fold: both refused. */
void http_framing_gap(http_framing *f, long gap, const char *name, size_t name_len);
/* After the last field: the request's protocol version ("HTTP/1.1") and its Transfer-Encoding
 * value (NULL when absent). Returns 0, or an error (API_FRAMING, API_TRANSFER_CODING) with msg. */
pheme_err http_framing_verdict(http_framing *f, const char *version, const char *transfer_encoding);

#endif
