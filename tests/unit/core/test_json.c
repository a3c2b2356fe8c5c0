/* Unit tests of src/core/json.c's body parser: it accepts what jansson's json_loadb accepts and
 * builds the same tree (jansson is the independent implementation), on edge cases, on random trees
 * written every way json_dumps writes them, and on those texts damaged at random; and its messages
 * say where. (Field tables are tested in test_core.c.) */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "json_random.h"
#include "json_same.h"
#include "test.h"

TEST(edge_cases_as_jansson_decides) {
  static const char *cases[] = {
      "", " ", "{}", "[]", " [ ] ", "{\"a\":1}", "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":2}}",
      "{\"a\":1,\"\\u0061\":2}", "{\"\\u0061\":1,\"a\":2}", "{\"a\\\"b\":1}", "{\"\\u00e9\":[1,{\"x\":\"\\n\"}]}",
      "{,}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[,1]", "[1 2]", "{\"a\" 1}", "{1:2}",
      "true", "false", "null", "tru", "truex", "nulll", "True", "[true,false,null]",
      "0", "-0", "-", "01", "-01", "00", "1.", ".5", "1.5", "-1.5e3", "1e", "1e+", "1E-2", "1e5x",
      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
      "99999999999999999999999", "1e308", "1e309", "-1e309", "1e-400", "4.9406564584124654e-324",
      "0.1", "123456789012345678901234567890.5", "[1e400]", "2.5E+10",
      "\"\"", "\"a\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\x\"", "\"\\u\"", "\"\\u12\"", "\"\\u12g4\"",
      "\"\\u0000\"", "{\"\\u0000\":1}", "\"a\\u0000b\"", "\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\"",
      "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800\\ud800\"", "\"\\ud800x\"",
      "\"\\ud800\\\"", "\"\\ud800\\n\"", "\"\\uffff\"", "\"\\ufffe\"",
      "\"\xc3\xa9\"", "\"\xc3\"", "\"\xc3x\"", "\"\xc0\x80\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
      "\"\xef\xbf\xbf\"", "\"\xf4\x8f\xbf\xbf\"", "\"\xf4\x90\x80\x80\"", "\"\xf8\x88\x80\x80\x80\"",
      "\"\xff\"", "\xef\xbb\xbf{}", "{} \xff", "\"a\nb\"", "\"a\tb\"", "\"a\x7f\"", "\"a\x1f\"",
      "\"unterminated", "\"a\\", "[", "{", "[1", "{\"a\":1", "{\"a\"", "[[[]]]", "1 2", "1\n", "\n1\r\n\t",
      "{\"a\":1} x", "{\"a\":1}{}", "[1]]", "\f1", "\v1", "[\"a\",\"a\"]", "{\"\":1,\"\":2}", "{\"\":0}",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (!json_same_as_jansson(cases[i], strlen(cases[i]))) CHECK(!"case differs");
  /* a NUL byte in the body itself, in and out of strings */
  CHECK(json_same_as_jansson("\"a\0b\"", 5));
  CHECK(json_same_as_jansson("1\0", 2));
  CHECK(json_same_as_jansson("\0", 1));
  CHECK(json_same_as_jansson("[1\0]", 4)); /* jansson's quirk: it accepts these two */
  CHECK(json_same_as_jansson("true\0", 5));
}

/* jansson counts every value, scalars too, against its 2048 levels. */
TEST(nesting_limit_as_jansson_decides) {
  static const char *inner[] = {"", "1", "{}", "{\"a\":1}", "\"s\"", "[]"};
  char *text = malloc(2 * 2100 + 16);
  REQUIRE(text != NULL);
  for (int depth = 2045; depth <= 2050; depth++) {
    for (size_t k = 0; k < sizeof inner / sizeof inner[0]; k++) {
      size_t m = strlen(inner[k]);
      memset(text, '[', (size_t)depth);
      memcpy(text + depth, inner[k], m);
      memset(text + depth + m, ']', (size_t)depth);
      if (!json_same_as_jansson(text, 2 * (size_t)depth + m)) CHECK(!"nesting differs");
    }
  }
  free(text);
}

/* Random trees written every way json_dumps writes (compact or indented, ASCII or UTF-8, '/'
 * escaped or not), then the same texts damaged: a byte changed, inserted or removed, or cut. */
TEST(random_documents_as_jansson_decides) {
  static const size_t flags[] = {JSON_COMPACT, JSON_INDENT(2), JSON_COMPACT | JSON_ENSURE_ASCII,
                                 JSON_INDENT(1) | JSON_ESCAPE_SLASH | JSON_ENSURE_ASCII, 0};
  static const char damage[] = "\"\\{}[],:0123456789-+.eEtrufalsn u\x00\xff\xc3\xa9\x80\n\x1f";
  const char *env = getenv("JSON_SEED");
  uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
  fprintf(stderr, "random_documents_as_jansson_decides: seed %llu (rerun with JSON_SEED=%llu)\n",
          (unsigned long long)seed, (unsigned long long)seed);
  rng_state = seed;
  random_nul = 0;
  int accepted = 0, refused = 0;
  for (int i = 0; i < 4000; i++) {
    json_t *v = random_tree(0);
    REQUIRE(v != NULL);
    char *text = json_dumps(v, flags[pick(5)] | JSON_ENCODE_ANY);
    json_decref(v);
    REQUIRE(text != NULL);
    size_t n = strlen(text);
    int same = json_same_as_jansson(text, n);
    for (int k = 0; same && k < 3; k++) {
      size_t at = n ? pick((unsigned)n) : 0;
      char c = damage[pick(sizeof damage - 1)];
      switch (pick(4)) {
        case 0: if (n) text[at] = c; break;
        case 1: text = realloc(text, n + 2); memmove(text + at + 1, text + at, n - at + 1); text[at] = c; n++; break;
        case 2: if (n) { memmove(text + at, text + at + 1, n - at); n--; } break;
        default: n = at;
      }
      REQUIRE(text != NULL);
      json_t *j = json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
      j ? accepted++ : refused++;
      json_decref(j);
      same = json_same_as_jansson(text, n);
    }
    free(text);
    if (!same) {
      fprintf(stderr, "document %d of seed %llu differs\n", i, (unsigned long long)seed);
      CHECK(same);
      break;
    }
  }
  random_nul = 1;
  CHECK(accepted > 500 && refused > 500); /* both sides of the line were exercised */
}

static pheme_err parse(const char *text, json_t **j, char msg[256]) {
  return json_parse_body(text, strlen(text), j, msg, 256);
}

TEST(messages_say_where) {
  json_t *j = NULL;
  char msg[256];
  CHECK_INT(parse("[1,\n2,\n x]", &j, msg), PHEME_API_BAD_JSON);
  CHECK_STR(msg, "invalid JSON at line 3 column 2: a value expected, found 'x'");
  CHECK_INT(parse("{\"\xc3\xa9\":1,\"\xc3\xa9\":2}", &j, msg), PHEME_API_BAD_JSON);
  CHECK_STR(msg, "invalid JSON at line 1 column 8: duplicate object key '\xc3\xa9'");
  CHECK_INT(parse("{\"a\":1} x", &j, msg), PHEME_API_BAD_JSON);
  CHECK_STR(msg, "invalid JSON at line 1 column 9: the end of the input expected, found 'x'");
  CHECK_INT(parse("\"\\ud800\"", &j, msg), PHEME_API_BAD_JSON);
  CHECK_STR(msg, "invalid JSON at line 1 column 2: invalid Unicode '\\uD800' (a high surrogate without its low one)");
  CHECK_INT(parse("", &j, msg), PHEME_API_BAD_JSON);
  CHECK_STR(msg, "invalid JSON at line 1 column 1: a value expected, found the end of the input");
  CHECK(j == NULL);
  CHECK_INT(parse(" {\"a\" : [1, 2.5, \"x\"]} ", &j, msg), PHEME_OK);
  CHECK_INT(json_array_size(json_object_get(j, "a")), 3);
  json_decref(j);
}

TEST_MAIN(RUN(edge_cases_as_jansson_decides); RUN(nesting_limit_as_jansson_decides);
          RUN(random_documents_as_jansson_decides); RUN(messages_say_where))
