/* Fuzz target: the JSON writer against jansson. The input is parsed with json_loadb; any document
 * it accepts is written by jw_value and by json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII), and the
 * two must be the same bytes. The input is also escaped as one string by buf_add_json_str: when it
 * is UTF-8 the result must be jansson's, and either way it must read back as a JSON string (the
 * input itself when it is UTF-8). Any difference aborts. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void differ(const char *what, const char *want, size_t want_len, const buf *got) {
  fprintf(stderr, "%s differ:\njansson: %.*s\npheme:   %.*s\n", what, (int)want_len, want,
          (int)got->len, got->data);
  abort();
}

static void tree(const uint8_t *data, size_t size) {
  json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  if (!v) return;
  char *want = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
  buf b;
  buf_init(&b, 1 << 26);
  jw w;
  jw_init(&w, &b);
  jw_value(&w, v);
  if (!want || w.err) {
    fprintf(stderr, "json_dumps %s, jw_value %s\n", want ? "wrote" : "failed", w.err ? "failed" : "wrote");
    abort();
  }
  if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0) differ("trees", want, strlen(want), &b);
  free(want);
  buf_release(&b);
  json_decref(v);
}

static void string(const uint8_t *data, size_t size) {
  buf b;
  buf_init(&b, 1 << 26);
  if (buf_addc(&b, '"') || buf_add_json_str(&b, (const char *)data, size) || buf_addc(&b, '"'))
    abort();
  json_t *s = json_stringn((const char *)data, size); /* NULL when not UTF-8 */
  if (s) {
    char *want = json_dumps(s, JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
    if (!want) abort();
    if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0) differ("strings", want, strlen(want), &b);
    free(want);
  }
  json_t *back = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  if (!json_is_string(back)) abort();
  if (s && !json_equal(s, back)) abort();
  for (size_t i = 0; i < b.len; i++)
    if ((unsigned char)b.data[i] >= 0x80 || (unsigned char)b.data[i] < 0x20) abort(); /* ASCII */
  json_decref(back);
  json_decref(s);
  buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tree(data, size);
  string(data, size);
  return 0;
}
