/* Fuzz target: the RFC 9112 framing checks (src/http/framing.c) on a request head given as
 * "Name: value" lines split at LF (values may hold any byte, NUL included). The first line is the
 * protocol version. Whatever the bytes: a head that passes has at most one Content-Length, never
 * one with Transfer-Encoding, exactly one Host under HTTP/1.1, and only token bytes in names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/framing.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data, *end = p + size;
  const char *nl = memchr(p, '\n', size);
  char version[16] = "";
  if (nl && (size_t)(nl - p) < sizeof version) {
    memcpy(version, p, (size_t)(nl - p));
    p = nl + 1;
  }
  http_framing f;
  http_framing_init(&f);
  int cl = 0, te = 0, host = 0, bad_name = 0;
  char te_value[64] = "";
  const char *te_seen = NULL;
  while (p < end) {
    nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    const char *colon = memchr(p, ':', (size_t)(le - p));
    if (colon) {
      size_t nlen = (size_t)(colon - p);
      const char *v = colon + 1;
      http_framing_field(&f, p, nlen, v, (size_t)(le - v));
      if (nlen == 14 && strncasecmp(p, "Content-Length", 14) == 0) cl++;
      if (nlen == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
        te++;
        size_t vl = (size_t)(le - v) < sizeof te_value - 1 ? (size_t)(le - v) : sizeof te_value - 1;
        memcpy(te_value, v, vl);
        te_value[vl] = 0;
        te_seen = te_value;
      }
      if (nlen == 4 && strncasecmp(p, "Host", 4) == 0) host++;
      if (nlen == 0) bad_name = 1;
      for (size_t i = 0; i < nlen; i++)
        if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", p[i])) bad_name = 1;
    }
    p = le + 1;
  }
  pheme_err e = http_framing_verdict(&f, version, te_seen);
  if (!e) {
    if (cl > 1 || (cl && te) || te > 1 || bad_name) abort();
    if (strcmp(version, "HTTP/1.1") == 0 && host != 1) abort();
    if (te && strcasecmp(te_value, "chunked") != 0) abort();
  } else if (e != PHEME_API_FRAMING && e != PHEME_API_TRANSFER_CODING) {
    abort();
  } else if (!f.msg[0]) {
    abort();
  }
  return 0;
}
