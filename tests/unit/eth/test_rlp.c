/* Tests for src/eth/rlp.c: the wiki examples both ways, the non-canonical encodings that must be
 * rejected, the 55/56 boundary, deep nesting, and the integer readers. */
#include "test.h"

#include "eth/rlp.h"
#include "eth_test.h"

#include "core/banned.h"

TEST(rlp_wiki_examples_encode_and_decode) {
  char *text = eth_test_read("rlp.txt", NULL), *cur = text, *line;
  REQUIRE(text);
  int n = 0;
  while ((line = eth_test_line(&cur))) {
    char *f[3] = {0};
    REQUIRE(eth_test_fields(line, f, 3) == 3);
    json_error_t jerr;
    json_t *tree = json_loads(f[1], JSON_DECODE_ANY, &jerr);
    REQUIRE(tree);
    size_t want_len;
    uint8_t *want = eth_test_unhex(f[2], &want_len);
    buf b;
    buf_init(&b, 1 << 20);
    CHECK_INT(rlp_encode_json(&b, tree, NULL), PHEME_OK);
    CHECK_MEM(b.data, b.len, want, want_len);
    json_t *back = NULL;
    CHECK_INT(rlp_decode_json(want, want_len, &back, NULL), PHEME_OK);
    CHECK(back && json_equal(back, tree));
    if (!back || !json_equal(back, tree)) fprintf(stderr, "  case: %s\n", f[0]);
    json_decref(back);
    json_decref(tree);
    buf_release(&b);
    free(want);
    n++;
  }
  CHECK_INT(n, 10);
  free(text);
}

TEST(rlp_rejects_non_canonical_and_truncated) {
  char *text = eth_test_read("rlp_invalid.txt", NULL), *cur = text, *line;
  REQUIRE(text);
  int n = 0;
  while ((line = eth_test_line(&cur))) {
    char *f[2] = {0};
    REQUIRE(eth_test_fields(line, f, 2) == 2);
    size_t len;
    uint8_t *in = eth_test_unhex(f[0], &len);
    rlp_item it;
    pheme_error err = {0};
    CHECK_INT(rlp_decode(in, len, &it, &err), PHEME_DATA_INVALID);
    if (!strstr(err.msg, f[1])) {
      fprintf(stderr, "  %s: message '%s' lacks '%s'\n", f[0], err.msg, f[1]);
      CHECK(0);
    }
    free(in);
    n++;
  }
  CHECK_INT(n, 14);
  free(text);
}

TEST(rlp_length_boundaries) {
  static uint8_t data[70000];
  size_t lens[] = {0, 1, 55, 56, 255, 256, 65535, 65536};
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(0x80 + i % 100);
  for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
    buf b;
    buf_init(&b, 1 << 20);
    CHECK_INT(rlp_put_bytes(&b, data, lens[k]), PHEME_OK);
    size_t hl = lens[k] < 56 ? 1 : lens[k] < 256 ? 2 : lens[k] < 65536 ? 3 : 4;
    CHECK_INT(b.len, hl + lens[k]);
    rlp_item it;
    CHECK_INT(rlp_decode((uint8_t *)b.data, b.len, &it, NULL), PHEME_OK);
    CHECK_INT(it.len, lens[k]);
    CHECK(!it.is_list);
    /* a list whose payload has the same length */
    buf l;
    buf_init(&l, 1 << 20);
    size_t m = rlp_list_begin(&l);
    CHECK_INT(rlp_put_raw(&l, data, lens[k]), PHEME_OK);
    CHECK_INT(rlp_list_end(&l, m), PHEME_OK);
    CHECK_INT(l.len, hl + lens[k]);
    CHECK_INT((uint8_t)l.data[0] >= 0xc0, 1);
    buf_release(&l);
    buf_release(&b);
  }
}

/* n lists nested in one another: [[[...]]] */
static void nested(buf *b, int n) {
  buf_clear(b);
  for (int i = 0; i < n; i++)
    if (rlp_list_end(b, 0)) abort(); /* wraps everything so far */
}

TEST(rlp_nesting_is_capped) {
  buf b;
  buf_init(&b, 1 << 16);
  json_t *out = NULL;
  pheme_error err = {0};
  nested(&b, RLP_MAX_DEPTH + 1);
  CHECK_INT(rlp_decode_json((uint8_t *)b.data, b.len, &out, &err), PHEME_DATA_INVALID);
  CHECK(strstr(err.msg, "nested deeper") != NULL);
  nested(&b, RLP_MAX_DEPTH);
  CHECK_INT(rlp_decode_json((uint8_t *)b.data, b.len, &out, NULL), PHEME_OK);
  /* the innermost is an empty array RLP_MAX_DEPTH levels down */
  json_t *x = out;
  int depth = 0;
  while (json_is_array(x) && json_array_size(x) == 1) {
    x = json_array_get(x, 0);
    depth++;
  }
  CHECK_INT(depth, RLP_MAX_DEPTH - 1);
  json_decref(out);
  buf_release(&b);
}

TEST(rlp_integers_must_be_canonical) {
  rlp_item it;
  uint8_t v[32];
  uint64_t x;
  CHECK_INT(rlp_decode((const uint8_t *)"\x82\x04\x00", 3, &it, NULL), PHEME_OK);
  CHECK_INT(rlp_item_u64(&it, &x, NULL), PHEME_OK);
  CHECK_INT(x, 1024);
  CHECK_INT(rlp_decode((const uint8_t *)"\x82\x00\x04", 3, &it, NULL), PHEME_OK);
  CHECK_INT(rlp_item_uint(&it, v, NULL), PHEME_DATA_INVALID);
  CHECK_INT(rlp_decode((const uint8_t *)"\x80", 1, &it, NULL), PHEME_OK);
  CHECK_INT(rlp_item_u64(&it, &x, NULL), PHEME_OK);
  CHECK_INT(x, 0);
  buf b;
  buf_init(&b, 64);
  CHECK_INT(rlp_put_u64(&b, 0), PHEME_OK);
  CHECK_INT(rlp_put_u64(&b, 15), PHEME_OK);
  CHECK_INT(rlp_put_u64(&b, 1024), PHEME_OK);
  CHECK_MEM(b.data, b.len, "\x80\x0f\x82\x04\x00", 5);
  buf_release(&b);
}

TEST(rlp_respects_the_buffer_cap) {
  buf b;
  buf_init(&b, 10);
  uint8_t data[20] = {0x90};
  CHECK_INT(rlp_put_bytes(&b, data, 20), PHEME_SYS_NOMEM);
  buf_release(&b);
}

TEST_MAIN(RUN(rlp_wiki_examples_encode_and_decode); RUN(rlp_rejects_non_canonical_and_truncated);
          RUN(rlp_length_boundaries); RUN(rlp_nesting_is_capped); RUN(rlp_integers_must_be_canonical);
          RUN(rlp_respects_the_buffer_cap))
