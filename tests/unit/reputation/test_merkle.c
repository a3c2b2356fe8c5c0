/* src/reputation/merkle.c against trees built by @openzeppelin/merkle-tree (the vectors in
 * tests/data/reputation/merkle.json come from tests/interop/merkle-vectors.mjs): same leaves, same
 * root, same proofs; every proof verifies and a changed score does not. */
#include <jansson.h>
#include <string.h>

#include "core/util.h"
#include "eth/keccak.h"
#include "eth/keccak4.h"
#include "reputation/merkle.h"
#include "test.h"

static void hex32(const char *s, uint8_t out[32]) {
  if (strncmp(s, "0x", 2) != 0 || hex_to_bytes(out, s + 2, 32)) memset(out, 0xee, 32);
}

TEST(merkle_equals_openzeppelin) {
  json_error_t je;
  json_t *doc = json_load_file(TEST_DATA_DIR "/reputation/merkle.json", 0, &je);
  REQUIRE(doc != NULL);
  json_t *cases = json_object_get(doc, "cases"), *c;
  size_t ci;
  REQUIRE(json_array_size(cases) > 5);
  json_array_foreach(cases, ci, c) {
    json_t *values = json_object_get(c, "values");
    size_t n = json_array_size(values);
    rep_leaf_value *v = calloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++) {
      json_t *e = json_array_get(values, i);
      CHECK(address_parse_hex(v[i].address, json_string_value(json_array_get(e, 0))) == 0);
      v[i].score = (uint32_t)json_integer_value(json_array_get(e, 1));
    }
    rep_merkle t;
    REQUIRE(rep_merkle_build(&t, v, (int64_t)n, 2) == 0);
    uint8_t want[32];
    hex32(json_string_value(json_object_get(c, "root")), want);
    CHECK_MEM(rep_merkle_root(&t), 32, want, 32);
    for (size_t i = 0; i < n; i++) {
      uint8_t leaf[32], pf[64][32];
      rep_merkle_leaf(&v[i], leaf);
      hex32(json_string_value(json_array_get(json_object_get(c, "leaves"), i)), want);
      CHECK_MEM(leaf, 32, want, 32);
      int np = rep_merkle_proof(&t, (int64_t)i, pf);
      json_t *jp = json_array_get(json_object_get(c, "proofs"), i);
      CHECK_INT(np, json_array_size(jp));
      for (int k = 0; k < np && k < (int)json_array_size(jp); k++) {
        hex32(json_string_value(json_array_get(jp, (size_t)k)), want);
        CHECK_MEM(pf[k], 32, want, 32);
      }
      CHECK(rep_merkle_verify(leaf, (const uint8_t(*)[32])pf, np, rep_merkle_root(&t)));
      rep_leaf_value changed = v[i];
      changed.score = (changed.score + 1) % 101;
      rep_merkle_leaf(&changed, leaf);
      CHECK(!rep_merkle_verify(leaf, (const uint8_t(*)[32])pf, np, rep_merkle_root(&t)));
    }
    rep_merkle_release(&t);
    free(v);
  }
  json_decref(doc);
}

TEST(merkle_threads_do_not_change_the_tree) {
  int64_t n = 20000;
  rep_leaf_value *v = calloc((size_t)n, sizeof *v);
  for (int64_t i = 0; i < n; i++) {
    for (int b = 0; b < 8; b++) v[i].address[19 - b] = (uint8_t)((i * 2654435761u) >> (8 * (b % 4)));
    v[i].address[0] = (uint8_t)i;
    v[i].score = (uint32_t)(i % 101);
  }
  rep_merkle a, b;
  REQUIRE(rep_merkle_build(&a, v, n, 1) == 0);
  REQUIRE(rep_merkle_build(&b, v, n, 4) == 0);
  CHECK_MEM(a.node, (size_t)(2 * n - 1) * 32, b.node, (size_t)(2 * n - 1) * 32);
  rep_merkle_release(&a);
  rep_merkle_release(&b);
  CHECK(rep_merkle_build(&a, v, 0, 1) == -1);
  free(v);
}

/* the four-way Keccak equals keccak_256 for every one-block length, with outputs over inputs */
TEST(keccak4_equals_keccak_256) {
  uint64_t x = 0x243f6a8885a308d3ull;
  for (size_t len = 0; len <= KECCAK4_MAX; len++) {
    uint8_t msg[4][136], want[4][32], got[4][32];
    for (int j = 0; j < 4; j++)
      for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        msg[j][i] = (uint8_t)x;
      }
    for (int j = 0; j < 4; j++) keccak_256(want[j], msg[j], len);
    const uint8_t *in[4] = {msg[0], msg[1], msg[2], msg[3]};
    uint8_t *out[4] = {got[0], got[1], got[2], got[3]};
    keccak4_256(in, len, out);
    CHECK_MEM(got, sizeof got, want, sizeof want);
    if (len <= 64) { /* in place, as the tree does */
      uint8_t *io[4] = {msg[0], msg[1], msg[2], msg[3]};
      keccak4_256(in, len, io);
      for (int j = 0; j < 4; j++) CHECK_MEM(msg[j], 32, want[j], 32);
    }
  }
}

/* a tree past the bucket sort's threshold (and with a repeated value) equals one built the plain
 * way: leaves by rep_merkle_leaf, qsort by (hash, index), parents by rep_merkle_pair */
static int plain_cmp(const void *x, const void *y) {
  const uint8_t *a = x, *b = y;
  int c = memcmp(a, b, 32);
  if (c) return c;
  int64_t i, k;
  memcpy(&i, a + 32, 8), memcpy(&k, b + 32, 8);
  return (i > k) - (i < k);
}

TEST(merkle_large_tree_equals_the_plain_construction) {
  int64_t n = 70001;
  rep_leaf_value *v = calloc((size_t)n, sizeof *v);
  uint64_t x = 99;
  for (int64_t i = 0; i < n; i++) {
    for (int b = 0; b < 20; b++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      v[i].address[b] = (uint8_t)x;
    }
    v[i].score = (uint32_t)(x % 101);
  }
  v[n - 1] = v[7]; /* equal leaves: ordered by index */
  rep_merkle t;
  REQUIRE(rep_merkle_build(&t, v, n, 2) == 0);
  uint8_t(*plain)[40] = malloc(40 * (size_t)n), (*node)[32] = malloc(32 * (size_t)(2 * n - 1));
  for (int64_t i = 0; i < n; i++) {
    rep_merkle_leaf(&v[i], plain[i]);
    memcpy(plain[i] + 32, &i, 8);
  }
  qsort(plain, (size_t)n, 40, plain_cmp);
  for (int64_t i = 0; i < n; i++) memcpy(node[2 * n - 2 - i], plain[i], 32);
  for (int64_t i = n - 2; i >= 0; i--) rep_merkle_pair(node[2 * i + 1], node[2 * i + 2], node[i]);
  CHECK_MEM(t.node, (size_t)(2 * n - 1) * 32, node, (size_t)(2 * n - 1) * 32);
  for (int64_t i = 0; i < n; i += 997) {
    int64_t at;
    memcpy(&at, plain[2 * n - 2 - t.pos[i]] + 32, 8);
    CHECK_INT(at, i);
  }
  rep_merkle_release(&t);
  free(v), free(plain), free(node);
}

TEST_MAIN(RUN(merkle_equals_openzeppelin); RUN(merkle_threads_do_not_change_the_tree); RUN(keccak4_equals_keccak_256);
          RUN(merkle_large_tree_equals_the_plain_construction))
