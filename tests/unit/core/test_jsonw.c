/* Unit tests of src/core/jsonw.c: what the writer produces parses back, with commas, nesting,
 * escapes, integers at their limits, raw documents and times. */
#include <jansson.h>
#include <limits.h>
#include <string.h>

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

TEST_MAIN(RUN(writes_valid_nested_json); RUN(errors_are_sticky))
