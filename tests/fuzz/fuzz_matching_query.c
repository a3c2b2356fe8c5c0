/* Fuzz target: what a caller controls in a matching query. The first line of the input is a
 * ?cursor= value, the rest a task's requirements document. A cursor that parses must format back
 * to text that parses to the same position; any requirements text must give an answer or
 * PHEME_DATA_INVALID from a candidates query and a proposal-sized Hungarian run, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/internal.h"
#include "matching/matching.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static matching *m;

/* A small fixed index: 64 people over 4 skills. */
static void setup(void) {
  m = matching_new();
  ix *x = ix_test_new(4);
  if (!m || !x) abort();
  for (int i = 0; i < 64; i++) {
    uint8_t lv[4] = {(uint8_t)(i * 7 % 101), (uint8_t)(i * 13 % 101), (uint8_t)(i % 3 ? 0 : i), (uint8_t)(i * 29 % 101)};
    if (ix_test_person(x, i + 1, lv, i % 101, i % 5 != 0, 1900000000000LL - (int64_t)i * 86400000LL)) abort();
  }
  if (ix_test_finish(x)) abort();
  matching__swap(m, x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!m) setup();
  if (size > 4096) return 0;
  const uint8_t *nl = memchr(data, '\n', size);
  size_t cl = nl ? (size_t)(nl - data) : size;
  char cursor[64], *req = malloc(size + 1);
  if (!req) return 0;
  size_t rl = nl ? size - cl - 1 : 0;
  memcpy(req, nl ? nl + 1 : data + size, rl);
  req[rl] = 0;
  snprintf(cursor, sizeof cursor, "%.*s", (int)(cl < 63 ? cl : 63), (const char *)data);
  matching_cursor c, back;
  int has = matching_cursor_parse(cursor, &c) == 0;
  if (has) {
    char text[32];
    matching_cursor_format(&c, text);
    if (matching_cursor_parse(text, &back) || back.score != c.score || back.id != c.id) abort();
  }
  task_skill sk[2] = {{"s0", data && size ? data[0] % 101 : 0}, {"s9", 0}};
  task t = {.id = 1, .status = "OPEN", .difficulty = 5, .requirements = req, .skills = sk,
            .nskills = size % 3, .creator_id = 3};
  arena a;
  arena_init(&a, 0);
  matching_candidate out[10];
  int n, more;
  pheme_err e = matching_candidates(m, &a, &t, 1900000000000LL, has ? &c : NULL, 10, out, &n, &more);
  if (e != PHEME_OK && e != PHEME_DATA_INVALID) abort();
  if (e == PHEME_OK && (n < 0 || n > 10)) abort();
  if (e == PHEME_OK && matching_apply_task(m, &t) != PHEME_OK) abort(); /* the same document parsed */
  matching_recommendation rec[10];
  if (matching_recommend(m, &a, 1 + (int64_t)(size % 64), 1900000000000LL, has ? &c : NULL, 10, rec, &n, &more))
    abort();
  matching_drop_task(m, 1);
  arena_release(&a);
  free(req);
  return 0;
}
