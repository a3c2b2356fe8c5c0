/* The body parser (json_parse_body) against jansson's json_loadb with the flags it replaces
 * (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY): the same documents accepted, equal trees with keys in
 * the same order, and a refusal's message in our shape. One deliberate difference: jansson skips
 * a NUL byte that follows a number or a literal, and accepts "1\0" or "[true\0]", which are not
 * RFC 8259; we refuse every NUL byte outside strings (inside, both refuse it). Shared by
 * tests/unit/core/test_json.c and tests/fuzz/fuzz_json_parse.c. */
#ifndef PHEME_TEST_JSON_SAME_H
#define PHEME_TEST_JSON_SAME_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

/* Returns 1 when both agree on text; else prints how they differ and returns 0. */
static int json_same_as_jansson(const char *text, size_t n) {
  json_error_t je;
  json_t *want = json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
  json_t *got = NULL;
  char msg[256] = "";
  pheme_err e = json_parse_body(text, n, &got, msg, sizeof msg);
  int same;
  char *a = NULL, *b = NULL;
  if (want && memchr(text, 0, n)) {
    /* jansson skips a NUL byte right after a number or literal ("[1\0]" is [1]); we refuse it */
    same = !got && e == PHEME_API_BAD_JSON;
  } else if (!want || !got) {
    same = !want && !got && e == PHEME_API_BAD_JSON &&
           strncmp(msg, "invalid JSON at line ", 21) == 0;
  } else {
    a = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
    b = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
    same = e == PHEME_OK && json_equal(want, got) && a && b && strcmp(a, b) == 0;
  }
  if (!same)
    fprintf(stderr, "input (%zu bytes): %.*s\njansson: %s\npheme:   %s (%d)\n", n, (int)(n > 300 ? 300 : n), text,
            want ? (a ? a : "(tree)") : je.text, got ? (b ? b : "(tree)") : msg, (int)e);
  free(a);
  free(b);
  json_decref(want);
  json_decref(got);
  return same;
}

#endif
