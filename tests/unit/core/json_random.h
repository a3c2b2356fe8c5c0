/* Random jansson trees for the JSON tests (test_jsonw, test_json): nested objects and arrays to
 * depth 5, strings with every byte class (plain runs, the short escapes, control characters, NUL,
 * DEL, 2-, 3- and 4-byte UTF-8 at the edges of their ranges), integers at their limits and reals
 * of every kind, all from a seed set in rng_state, so a failure is reproduced by its seed. */
#ifndef PHEME_TEST_JSON_RANDOM_H
#define PHEME_TEST_JSON_RANDOM_H

#include <float.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static uint64_t rng_state;
/* Whether strings and keys may hold NUL (which json_dumps writes and strict parsers refuse). */
static int random_nul = 1;

static uint64_t rng(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static unsigned pick(unsigned n) { return (unsigned)(rng() % n); }

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* A code point of the given UTF-8 length: the edges of its range or any value in it (no
 * surrogates, which UTF-8 cannot carry). */
static uint32_t code_point(int bytes) {
  static const uint32_t edges[] = {0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff};
  if (pick(4) == 0) {
    uint32_t e = edges[pick(sizeof edges / sizeof edges[0])];
    int len = e < 0x800 ? 2 : e < 0x10000 ? 3 : 4;
    if (len == bytes) return e;
  }
  if (bytes == 2) return 0x80 + pick(0x800 - 0x80);
  if (bytes == 4) return 0x10000 + pick(0x110000 - 0x10000);
  uint32_t cp;
  do cp = 0x800 + pick(0x10000 - 0x800);
  while (cp >= 0xd800 && cp <= 0xdfff);
  return cp;
}

/* Random valid UTF-8 mixing every byte class: plain ASCII, the characters with short escapes,
 * '/', other control characters, NUL, DEL, and 2-, 3- and 4-byte characters. Long runs of plain
 * text (the memcpy path) and runs of one class are both common. */
static size_t random_text(char *out, size_t room) {
  size_t max = pick(8) == 0 ? room - 4 : pick(40);
  unsigned bias = pick(10);
  size_t n = 0;
  while (n < max) {
    unsigned cls = pick(3) == 0 ? pick(9) : bias;
    if (cls >= 9) cls = 0;
    switch (cls) {
      case 0: out[n++] = (char)(0x20 + pick(0x5f)); break;
      case 1: out[n++] = "\"\\/\b\f\n\r\t"[pick(8)]; break;
      case 2: out[n++] = (char)pick(0x20); break;
      case 3: out[n++] = pick(2) && random_nul ? 0 : 0x7f; break;
      case 4: n += put_utf8(out + n, code_point(2)); break;
      case 5: n += put_utf8(out + n, code_point(3)); break;
      case 6: n += put_utf8(out + n, code_point(4)); break;
      default: /* a run of plain text, longer than a word */
        for (unsigned k = pick(30); k-- && n < max;) out[n++] = (char)('a' + pick(26));
    }
  }
  return n;
}

static double random_real(void) {
  static const double special[] = {0.1, 1e300, -0.0, 0.0, 5e-324, 2.0, -2.0, 1e17, 1e16, 1e21,
                                   1e22, 0.5, 1e-5, 1e-7, 123456789.0, DBL_MAX, -DBL_MAX,
                                   DBL_MIN, 2.2250738585072009e-308, 9007199254740993.0, 1.5e-300};
  switch (pick(4)) {
    case 0: return special[pick(sizeof special / sizeof special[0])];
    case 1: return (double)((long long)pick(2000000) - 1000000); /* integral */
    case 2: return ((double)pick(1000000) - 500000) / (double)(1u << pick(20));
    default: {
      double d;
      do {
        uint64_t bits = rng();
        memcpy(&d, &bits, sizeof d);
      } while (!isfinite(d));
      return d;
    }
  }
}

static long long random_int(void) {
  switch (pick(5)) {
    case 0: return LLONG_MIN;
    case 1: return LLONG_MAX;
    case 2: return (long long)rng();
    case 3: return -(long long)pick(1000);
    default: return pick(100000);
  }
}

static json_t *random_tree(int depth) {
  char text[700];
  unsigned kind = pick(depth >= 5 ? 6 : 9);
  if (depth == 0 && pick(3)) kind = 6 + pick(3); /* mostly a container at the top */
  switch (kind) {
    case 0: return json_null();
    case 1: return json_boolean(pick(2));
    case 2: return json_integer(random_int());
    case 3: return json_real(random_real());
    case 4:
    case 5: {
      size_t n = random_text(text, sizeof text);
      return json_stringn(text, n);
    }
    case 6:
    case 7: {
      json_t *o = json_object();
      for (unsigned i = pick(7); i--;) {
        size_t n = pick(4) ? random_text(text, 24) : (size_t)pick(3); /* short keys collide */
        if (n < 3 && pick(2) && random_nul) { /* a key with a NUL inside */
          memcpy(text, "k\0k", 3);
          n = 3;
        }
        json_object_setn_new(o, text, n, random_tree(depth + 1));
      }
      if (json_object_size(o) > 1 && pick(3) == 0) /* iteration order after a removal */
        json_object_deln(o, json_object_iter_key(json_object_iter(o)),
                         json_object_iter_key_len(json_object_iter(o)));
      return o;
    }
    default: {
      json_t *a = json_array();
      for (unsigned i = pick(7); i--;) json_array_append_new(a, random_tree(depth + 1));
      return a;
    }
  }
}

#endif
