/* The C side of tests/interop/merkle.mjs: reads "0xADDRESS SCORE" lines from standard input,
 * builds the epoch's Merkle tree with src/reputation/merkle.c and prints one JSON object:
 * {"root", "leaves": [...], "proofs": [[...], ...]} in the input's order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "reputation/merkle.h"

static void hex32(char out[67], const uint8_t h[32]) {
  out[0] = '0', out[1] = 'x';
  bytes_to_hex(out + 2, h, 32);
}

int main(void) {
  size_t cap = 1024, n = 0;
  rep_leaf_value *v = malloc(sizeof *v * cap);
  char line[200], addr[64];
  unsigned score;
  while (v && fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%63s %u", addr, &score) != 2) continue;
    if (n == cap && !(v = realloc(v, sizeof *v * (cap *= 2)))) return 1;
    if (address_parse_hex(v[n].address, addr)) {
      fprintf(stderr, "merkletool: '%s' is not an address\n", addr);
      return 1;
    }
    v[n++].score = score;
  }
  rep_merkle t;
  if (!v || rep_merkle_build(&t, v, (int64_t)n, 2)) return 1;
  char h[67];
  uint8_t leaf[32], pf[64][32];
  hex32(h, rep_merkle_root(&t));
  printf("{\"root\":\"%s\",\"leaves\":[", h);
  for (size_t i = 0; i < n; i++) {
    rep_merkle_leaf(&v[i], leaf);
    hex32(h, leaf);
    printf("%s\"%s\"", i ? "," : "", h);
  }
  printf("],\"proofs\":[");
  for (size_t i = 0; i < n; i++) {
    int np = rep_merkle_proof(&t, (int64_t)i, pf);
    printf("%s[", i ? "," : "");
    for (int k = 0; k < np; k++) {
      hex32(h, pf[k]);
      printf("%s\"%s\"", k ? "," : "", h);
    }
    printf("]");
  }
  printf("]}\n");
  rep_merkle_release(&t);
  free(v);
  return 0;
}
