/* Unit tests of src/core/jsonw.c: what the writer produces parses back, with commas, nesting,
 * escapes, integers at their limits, raw documents and times; jw_value writes random jansson trees
 * byte for byte as json_dumps does (jansson is the independent implementation); the escaping of
 * bytes that are not UTF-8. */
#include <float.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/jsonw.h"
#include "test.h"

TEST(writes_valid_nested_json) {
  buf b;
  buf_init(&b, 1 << 16);
  jw w;
  jw_init(&w, &b);
  jw_obj(&w);
  jw_key(&w, "s");
  jw_str(&w, "a\"b\\c\n\x01\xc3\xa9");
  jw_key(&w, "min");
  jw_int(&w, LLONG_MIN);
  jw_key(&w, "max");
  jw_int(&w, LLONG_MAX);
  jw_key(&w, "zero");
  jw_int(&w, 0);
  jw_key(&w, "list");
  jw_arr(&w);
  jw_bool(&w, 1);
  jw_bool(&w, 0);
  jw_null(&w);
  jw_obj(&w);
  jw_end(&w);
  jw_arr(&w);
  jw_end(&w);
  jw_raw(&w, "{\"x\":[1,2]}", "{}");
  jw_raw(&w, NULL, "[]");
  jw_end(&w);
  jw_key(&w, "when");
  jw_time(&w, 1764105398398);
  jw_key(&w, "never");
  jw_time(&w, 0);
  jw_key(&w, "nothing");
  jw_str(&w, NULL);
  jw_end(&w);
  CHECK_INT(w.err, 0);
  CHECK_INT(w.depth, 0);
  json_error_t e;
  json_t *j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &e);
  REQUIRE(j != NULL);
  CHECK_STR(json_string_value(json_object_get(j, "s")), "a\"b\\c\n\x01\xc3\xa9");
  CHECK(json_integer_value(json_object_get(j, "min")) == LLONG_MIN);
  CHECK(json_integer_value(json_object_get(j, "max")) == LLONG_MAX);
  json_t *list = json_object_get(j, "list");
  CHECK_INT(json_array_size(list), 7);
  CHECK_INT(json_integer_value(json_array_get(json_object_get(json_array_get(list, 5), "x"), 1)), 2);
  CHECK_STR(json_string_value(json_object_get(j, "when")), "2025-11-25T21:16:38.398Z");
  CHECK(json_is_null(json_object_get(j, "never")));
  CHECK(json_is_null(json_object_get(j, "nothing")));
  json_decref(j);
  buf_release(&b);
}

TEST(errors_are_sticky) {
  buf b;
  buf_init(&b, 16);
  jw w;
  jw_init(&w, &b);
  jw_arr(&w);
  jw_str(&w, "this string does not fit in sixteen bytes");
  CHECK_INT(w.err, 1);
  jw_int(&w, 1);
  jw_end(&w);
  CHECK_INT(w.err, 1);
  buf_release(&b);
  buf_init(&b, 1 << 12);
  jw_init(&w, &b);
  for (int i = 0; i < JW_DEPTH + 1; i++) jw_arr(&w);
  CHECK_INT(w.err, 1); /* nesting beyond JW_DEPTH */
  jw_init(&w, &b);
  jw_end(&w);
  CHECK_INT(w.err, 1); /* an end with nothing open */
  buf_release(&b);
}

/* ---------- jw_value against json_dumps ---------- */

static uint64_t rng_state;

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
      case 3: out[n++] = pick(2) ? 0 : 0x7f; break;
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
        if (n < 3 && pick(2)) { /* a key with a NUL inside */
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

/* jw_value's bytes for v, after a few values of its own in an array when in_array, so that
 * separators of the surrounding writer are exercised too. */
static int written_equals_dump(const json_t *v, int in_array) {
  char *want = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
  if (!want) return -1;
  buf b;
  buf_init(&b, 1 << 24);
  jw w;
  jw_init(&w, &b);
  if (in_array) {
    jw_arr(&w);
    jw_int(&w, 7);
  }
  jw_value(&w, v);
  if (in_array) {
    jw_value(&w, v);
    jw_end(&w);
  }
  int same;
  if (in_array) {
    size_t n = strlen(want);
    same = !w.err && b.len == 2 * n + 5 && memcmp(b.data, "[7,", 3) == 0 &&
           memcmp(b.data + 3, want, n) == 0 && b.data[3 + n] == ',' &&
           memcmp(b.data + 4 + n, want, n) == 0 && b.data[b.len - 1] == ']';
  } else {
    same = !w.err && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
  }
  if (!same)
    fprintf(stderr, "json_dumps: %.2000s\njw_value:   %.2000s%s\n", want, b.data, w.err ? " (error)" : "");
  free(want);
  buf_release(&b);
  return same;
}

TEST(value_writes_what_json_dumps_writes) {
  const char *env = getenv("JSONW_SEED");
  uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
  fprintf(stderr, "value_writes_what_json_dumps_writes: seed %llu (rerun with JSONW_SEED=%llu)\n",
          (unsigned long long)seed, (unsigned long long)seed);
  rng_state = seed;
  int strings = 0, reals = 0;
  for (int i = 0; i < 5000; i++) {
    json_t *v = random_tree(0);
    REQUIRE(v != NULL);
    strings += json_is_string(v);
    reals += json_is_real(v);
    int same = written_equals_dump(v, i % 4 == 0);
    json_decref(v);
    if (same != 1) {
      fprintf(stderr, "tree %d of seed %llu differs\n", i, (unsigned long long)seed);
      CHECK(same == 1);
      return;
    }
  }
  CHECK(strings > 100 && reals > 100); /* the top level alone covers the scalars often */
}

/* The cap: a string whose escaped form fills the buffer exactly fits, one byte less fails and
 * leaves the buffer as it was. */
TEST(escaping_respects_the_cap) {
  rng_state = 12345;
  for (int i = 0; i < 2000; i++) {
    char text[700];
    size_t n = random_text(text, sizeof text);
    json_t *s = json_stringn(text, n);
    REQUIRE(s != NULL);
    char *want = json_dumps(s, JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
    json_decref(s);
    REQUIRE(want != NULL);
    size_t len = strlen(want) - 2; /* without the quotes */
    buf b;
    buf_init(&b, 2 + len);
    CHECK_INT(buf_adds(&b, "ab"), 0);
    CHECK_INT(buf_add_json_str(&b, text, n), 0);
    CHECK_MEM(b.data + 2, b.len - 2, want + 1, len);
    buf_release(&b);
    if (len > 0) {
      buf_init(&b, 2 + len - 1);
      CHECK_INT(buf_adds(&b, "ab"), 0);
      CHECK_INT(buf_add_json_str(&b, text, n), -1);
      CHECK_INT(b.len, 2);
      CHECK_STR(b.data, "ab");
      buf_release(&b);
    }
    free(want);
  }
}

/* Bytes that are not UTF-8 (jansson refuses them, so these are our own rule): one U+FFFD each,
 * and what follows is written as usual. */
TEST(bytes_that_are_not_utf8_become_replacement_characters) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"\xff", "\\uFFFD"},
      {"a\x80z", "a\\uFFFDz"},
      {"\xc3", "\\uFFFD"},                             /* cut short */
      {"\xc3z", "\\uFFFDz"},                           /* continuation missing */
      {"\xc0\x80", "\\uFFFD\\uFFFD"},                  /* overlong NUL */
      {"\xe0\x80\xaf", "\\uFFFD\\uFFFD\\uFFFD"},       /* overlong '/' */
      {"\xed\xa0\x80", "\\uFFFD\\uFFFD\\uFFFD"},       /* a surrogate */
      {"\xf4\x90\x80\x80", "\\uFFFD\\uFFFD\\uFFFD\\uFFFD"}, /* above U+10FFFF */
      {"\xf0\x9f\x98\x80\xf0\x9f\x98", "\\uD83D\\uDE00\\uFFFD\\uFFFD\\uFFFD"},
      {"\xc3\xa9\n\"", "\\u00E9\\n\\\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    buf b;
    buf_init(&b, 256);
    CHECK_INT(buf_add_json_str(&b, cases[i].in, strlen(cases[i].in)), 0);
    CHECK_STR(b.data, cases[i].out);
    buf_release(&b);
  }
}

TEST(value_errors) {
  buf b;
  buf_init(&b, 1 << 20);
  jw w;
  jw_init(&w, &b);
  jw_value(&w, NULL); /* a json_pack that failed */
  CHECK_INT(w.err, 1);
  json_t *deep = json_array(), *inner = deep;
  for (int i = 0; i < JW_TREE_DEPTH + 1; i++) {
    json_t *a = json_array();
    json_array_append_new(inner, a);
    inner = a;
  }
  jw_init(&w, &b);
  jw_value(&w, deep);
  CHECK_INT(w.err, 1);
  buf_clear(&b);
  jw_init(&w, &b);
  jw_value(&w, json_array_get(deep, 0)); /* JW_TREE_DEPTH + 1 levels: the most allowed */
  CHECK_INT(w.err, 0);
  CHECK_INT(b.len, 2 * (JW_TREE_DEPTH + 1));
  json_decref(deep);
  buf_release(&b);
  buf_init(&b, 8);
  jw_init(&w, &b);
  json_t *o = json_pack("{s:s}", "key", "a value too long");
  jw_value(&w, o);
  CHECK_INT(w.err, 1);
  json_decref(o);
  buf_release(&b);
}

TEST_MAIN(RUN(writes_valid_nested_json); RUN(errors_are_sticky); RUN(value_writes_what_json_dumps_writes);
          RUN(escaping_respects_the_cap); RUN(bytes_that_are_not_utf8_become_replacement_characters);
          RUN(value_errors))
