/* Fuzz target: the leaderboards' page cursor (?cursor= of /api/v1/leaderboards/…), the one parser
 * of outside input the leaderboards add. Whatever parses must format back to the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game/leaderboard.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char text[128];
  if (size >= sizeof text) size = sizeof text - 1;
  memcpy(text, data, size);
  text[size] = 0;
  rank_key k;
  if (lb_cursor_parse(text, &k) == 0) {
    char back[LB_CURSOR_LEN + 1];
    lb_cursor_format(k, back);
    if (strcmp(back, text) != 0 || k.id <= 0) {
      fprintf(stderr, "cursor '%s' parses but formats as '%s'\n", text, back);
      abort();
    }
  }
  return 0;
}
