/* The characters of JSON strings, shared by the writer's escaping (buf_add_json_str) and the body
 * parser (json_parse_body) so the two agree on what is plain and what is UTF-8: a byte is plain
 * when it stands for itself both ways (printable ASCII other than '"' and '\\'); everything else
 * is escaped by the writer and looked at one character at a time by the parser. */
#ifndef PHEME_CORE_JSONCHAR_H
#define PHEME_CORE_JSONCHAR_H

#include <stddef.h>
#include <stdint.h>

static inline int jsonchar_plain(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Whether all 8 bytes packed in x are plain, tested on the whole word at once (the "has a byte
 * less than n" and "has a zero byte" tricks, exact when asking about any byte): long runs of plain
 * text are most of what PHEME reads and writes. */
static inline int jsonchar_word_plain(uint64_t x) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
  uint64_t control = (x - ones * 0x20) & ~x;
  uint64_t hit = control | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | x;
  return (hit & highs) == 0;
}

/* The plain bytes from p on: where the first byte that is not plain is, or end. */
static inline const unsigned char *jsonchar_plain_run(const unsigned char *p,
                                                      const unsigned char *end) {
  uint64_t x;
  while (end - p >= 8) {
    __builtin_memcpy(&x, p, 8);
    if (!jsonchar_word_plain(x)) break;
    p += 8;
  }
  while (p < end && jsonchar_plain(*p)) p++;
  return p;
}

/* Decodes the UTF-8 sequence at p (n > 0 bytes available, p[0] >= 0x80). Returns its length with
 * *cp set, or 0 when the bytes are not UTF-8 as RFC 3629 defines it (overlong forms, surrogates,
 * code points above U+10FFFF, a sequence cut short). */
static inline size_t jsonchar_utf8(const unsigned char *p, size_t n, uint32_t *cp) {
  size_t len;
  uint32_t min;
  if (p[0] >= 0xc2 && p[0] <= 0xdf) {
    len = 2, min = 0x80, *cp = p[0] & 0x1fu;
  } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
    len = 3, min = 0x800, *cp = p[0] & 0x0fu;
  } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
    len = 4, min = 0x10000, *cp = p[0] & 0x07u;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t k = 1; k < len; k++) {
    if ((p[k] & 0xc0) != 0x80) return 0;
    *cp = *cp << 6 | (p[k] & 0x3fu);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0;
  return len;
}

#endif
