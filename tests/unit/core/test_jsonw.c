/* Unit tests of src/core/jsonw.c: what the writer produces parses back, with commas, nesting,
 * escapes, integers at their limits, raw documents and times; jw_value writes random jansson trees
 * byte for byte as json_dumps does (jansson is the independent implementation); the escaping of
 * bytes that are not UTF-8. */
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/jsonw.h"
#include "json_random.h"
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
