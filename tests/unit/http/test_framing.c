/* src/http/framing.c: RFC 9112 framing checks on a parsed request head. */
#include <string.h>

#include "http/framing.h"
#include "test.h"

/* A head as "Name: value" lines (NULL-ended), checked with version and the Transfer-Encoding
 * value the server would look up. */
static pheme_err verdict(const char *version, const char *te, const char *const *lines) {
  http_framing f;
  http_framing_init(&f);
  for (int i = 0; lines[i]; i++) {
    const char *colon = strchr(lines[i], ':');
    const char *v = colon + 1;
    while (*v == ' ') v++;
    http_framing_field(&f, lines[i], (size_t)(colon - lines[i]), v, strlen(v));
  }
  pheme_err e = http_framing_verdict(&f, version, te);
  if (e) CHECK(f.msg[0] != 0);
  return e;
}

#define HEAD(...) ((const char *const[]){__VA_ARGS__, NULL})

TEST(well_framed_heads_pass) {
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x")), PHEME_OK);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "Content-Length: 38")), PHEME_OK);
  CHECK_INT(verdict("HTTP/1.1", "chunked", HEAD("host: x", "Transfer-Encoding: chunked")), PHEME_OK);
  CHECK_INT(verdict("HTTP/1.1", "Chunked", HEAD("Host: x", "transfer-encoding: Chunked")), PHEME_OK);
  CHECK_INT(verdict("HTTP/1.0", NULL, HEAD("Accept: */*")), PHEME_OK); /* 1.0 needs no Host */
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "X-Tab: a\tb", "X-8bit: \xc3\xa9", "A!#$%&'*+-.^_`|~: 1")), PHEME_OK);
}

TEST(smuggling_blocks_are_400) {
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "Content-Length: 0", "Content-Length: 38")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "Content-Length: 5", "content-length: 5")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", "chunked", HEAD("Host: x", "Content-Length: 5", "Transfer-Encoding: chunked")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", "chunked", HEAD("Host: x", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Accept: */*")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: a", "Host: b")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.0", "chunked", HEAD("Transfer-Encoding: chunked")), PHEME_API_FRAMING);
}

TEST(names_are_tokens) {
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "Content-Length : 38")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "X Forwarded: 1")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "X\tA: 1")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "X(A): 1")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "\xc3\xa9: 1")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", ": 1")), PHEME_API_FRAMING);
}

TEST(values_hold_no_controls) {
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "X-A: a\rb")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "X-A: a\nb")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "X-A: a\x1b[31m")), PHEME_API_FRAMING);
  CHECK_INT(verdict("HTTP/1.1", NULL, HEAD("Host: x", "X-A: a\x7f")), PHEME_API_FRAMING);
  /* a NUL inside a value: the field is given with its full length */
  http_framing f;
  http_framing_init(&f);
  http_framing_field(&f, "Host", 4, "x", 1);
  http_framing_field(&f, "X-A", 3, "a\0b", 3);
  CHECK_INT(http_framing_verdict(&f, "HTTP/1.1", NULL), PHEME_API_FRAMING);
  CHECK(strstr(f.msg, "X-A") != NULL);
}

TEST(gaps_show_hidden_bytes) {
  http_framing f;
  http_framing_init(&f);
  http_framing_field(&f, "Host", 4, "x", 1);
  http_framing_gap(&f, 2, "Host", 4);
  http_framing_gap(&f, 1, "Host", 4);
  CHECK_INT(http_framing_verdict(&f, "HTTP/1.1", NULL), PHEME_OK);
  http_framing_gap(&f, 4, "X-A", 3); /* "a\0b\r\n": two bytes the value did not show */
  CHECK_INT(http_framing_verdict(&f, "HTTP/1.1", NULL), PHEME_API_FRAMING);
  http_framing_init(&f);
  http_framing_gap(&f, -8, "X-A", 3); /* an obs-fold's value lies elsewhere */
  CHECK_INT(http_framing_verdict(&f, "HTTP/1.1", NULL), PHEME_API_FRAMING);
}

TEST(unknown_codings_are_501) {
  CHECK_INT(verdict("HTTP/1.1", "xchunked", HEAD("Host: x", "Transfer-Encoding: xchunked")), PHEME_API_TRANSFER_CODING);
  CHECK_INT(verdict("HTTP/1.1", "chunked, identity", HEAD("Host: x", "Transfer-Encoding: chunked, identity")), PHEME_API_TRANSFER_CODING);
  CHECK_INT(verdict("HTTP/1.1", "gzip, chunked", HEAD("Host: x", "Transfer-Encoding: gzip, chunked")), PHEME_API_TRANSFER_CODING);
  CHECK_INT(verdict("HTTP/1.1", "", HEAD("Host: x", "Transfer-Encoding: ")), PHEME_API_TRANSFER_CODING);
  CHECK_INT(pheme_err_status(PHEME_API_TRANSFER_CODING), 501);
  CHECK_INT(pheme_err_status(PHEME_API_FRAMING), 400);
}

TEST_MAIN(RUN(well_framed_heads_pass); RUN(smuggling_blocks_are_400); RUN(names_are_tokens);
          RUN(values_hold_no_controls); RUN(gaps_show_hidden_bytes); RUN(unknown_codings_are_501))
