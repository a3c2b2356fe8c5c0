/* RFC 9112 request framing checks; see framing.h. */
#include "http/framing.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/banned.h"

void http_framing_init(http_framing *f) { memset(f, 0, sizeof *f); }

/* tchar of RFC 9110 5.6.2: the only bytes a field name may hold. */
static int tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static void refuse(http_framing *f, pheme_err e, const char *what, const char *name, size_t name_len) {
  if (f->bad) return;
  f->bad = 1;
  f->err = e;
  char shown[64];
  size_t n = 0;
  for (size_t i = 0; i < name_len && n + 4 < sizeof shown; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c >= 0x20 && c < 0x7f) {
      shown[n++] = (char)c;
    } else {
      n += (size_t)snprintf(shown + n, sizeof shown - n, "\\x%02x", c);
    }
  }
  shown[n < sizeof shown ? n : sizeof shown - 1] = 0;
  snprintf(f->msg, sizeof f->msg, "%s: '%s'", what, shown);
}

void http_framing_field(http_framing *f, const char *name, size_t name_len, const char *value,
                        size_t value_len) {
  if (name_len == 0) {
    refuse(f, PHEME_API_FRAMING, "a header field has an empty name", "", 0);
    return;
  }
  for (size_t i = 0; i < name_len; i++) {
    if (!tchar((unsigned char)name[i])) {
      refuse(f, PHEME_API_FRAMING,
             "a header field name holds a byte a name may not (a space before the colon?)", name,
             name_len);
      return;
    }
  }
  for (size_t i = 0; i < value_len; i++) {
    unsigned char c = (unsigned char)value[i];
    /* field-value = *( VCHAR / obs-text / SP / HTAB ): no NUL, no CR, no LF, no other control */
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      refuse(f, PHEME_API_FRAMING, "a header field value holds a control byte (NUL, CR, ...)", name,
             name_len);
      return;
    }
  }
  if (name_len == 14 && strncasecmp(name, "Content-Length", 14) == 0) f->content_length++;
  else if (name_len == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) f->transfer_encoding++;
  else if (name_len == 4 && strncasecmp(name, "Host", 4) == 0) f->host++;
}

void http_framing_gap(http_framing *f, long gap, const char *name, size_t name_len) {
  if (gap == 1 || gap == 2) return;
  refuse(f, PHEME_API_FRAMING,
         "a header field value holds bytes after a NUL, or is folded over lines (obs-fold)", name,
         name_len);
}

pheme_err http_framing_verdict(http_framing *f, const char *version, const char *te) {
  if (f->bad) return f->err;
  if (f->content_length > 1) {
    refuse(f, PHEME_API_FRAMING, "more than one Content-Length header field", "Content-Length", 14);
  } else if (f->content_length && f->transfer_encoding) {
    refuse(f, PHEME_API_FRAMING, "both Content-Length and Transfer-Encoding", "Transfer-Encoding", 17);
  } else if (f->transfer_encoding > 1) {
    refuse(f, PHEME_API_FRAMING, "more than one Transfer-Encoding header field", "Transfer-Encoding", 17);
  } else if (version && strcmp(version, "HTTP/1.1") == 0 && f->host != 1) {
    refuse(f, PHEME_API_FRAMING,
           f->host ? "more than one Host header field" : "an HTTP/1.1 request without a Host header field",
           "Host", 4);
  } else if (f->transfer_encoding && (!te || strcasecmp(te, "chunked") != 0)) {
    /* Only "chunked" alone is implemented: any other coding, or a list of codings, would leave
     * the body's end unknown. */
    f->bad = 1;
    f->err = PHEME_API_TRANSFER_CODING;
    snprintf(f->msg, sizeof f->msg, "transfer coding '%.80s' is not implemented (only 'chunked')",
             te ? te : "");
  } else if (f->transfer_encoding && version && strcmp(version, "HTTP/1.0") == 0) {
    refuse(f, PHEME_API_FRAMING, "Transfer-Encoding in an HTTP/1.0 request", "Transfer-Encoding", 17);
  }
  return f->bad ? f->err : PHEME_OK;
}
