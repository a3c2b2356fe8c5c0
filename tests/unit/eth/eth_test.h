/* Helpers shared by the tests of src/eth: read a vector file, decode hex, split lines. */
#ifndef PHEME_TEST_ETH_TEST_H
#define PHEME_TEST_ETH_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth/hex.h"

/* Reads TEST_DATA_DIR/eth/<name> into a NUL-terminated malloc'ed buffer; NULL if missing. */
__attribute__((unused)) static char *eth_test_read(const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/eth/%s", TEST_DATA_DIR, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return NULL;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)n + 1);
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if (p) p[n] = 0;
  if (len) *len = (size_t)n;
  return p;
}

/* Decodes "0x..." into a malloc'ed buffer (never NULL for valid hex); aborts on bad hex, which
 * is a broken vector file, not a failed test. */
__attribute__((unused)) static uint8_t *eth_test_unhex(const char *s, size_t *len) {
  size_t n = strlen(s);
  uint8_t *p = malloc(n / 2 + 1);
  if (!p || hex_decode(p, n / 2 + 1, len, s, n, 0, NULL)) {
    fprintf(stderr, "bad hex in a vector: %s\n", s);
    abort();
  }
  return p;
}

/* Next line of a vector file, skipping blank lines and '#' comments; the line is NUL-terminated
 * in place. Returns NULL at the end. */
__attribute__((unused)) static char *eth_test_line(char **cursor) {
  while (**cursor) {
    char *line = *cursor, *nl = strchr(line, '\n');
    if (nl) {
      *nl = 0;
      *cursor = nl + 1;
    } else {
      *cursor = line + strlen(line);
    }
    if (line[0] && line[0] != '#') return line;
  }
  return NULL;
}

/* Splits a line at " | " separators into up to max fields; returns the count. */
__attribute__((unused)) static int eth_test_fields(char *line, char **out, int max) {
  int k = 0;
  while (k < max) {
    out[k++] = line;
    char *sep = strstr(line, " | ");
    if (!sep) break;
    *sep = 0;
    line = sep + 3;
  }
  return k;
}

#endif
