/* src/content/cid.c: CIDs against vectors made by an independent implementation
 * (ipfs-unixfs-importer with kubo's options, tests/interop/content/content.mjs vectors), whole and
 * fed in odd-sized pieces; the text form's round trip and refusals. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/cid.h"
#include "core/util.h"
#include "test.h"

/* The vectors' bytes: xorshift32 from the seed (the same as content.mjs's pattern). */
static uint8_t *pattern(size_t size, uint32_t seed) {
  uint8_t *p = malloc(size ? size : 1);
  uint32_t x = 0x9e3779b9u ^ seed;
  if (!x) x = 1;
  for (size_t i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (uint8_t)(x & 0xff);
  }
  return p;
}

static void compute(uint32_t chunk, int links, const uint8_t *p, size_t n, size_t piece, char out[CID_TEXT_SIZE]) {
  cid_builder *b = cid_builder_new_shaped(chunk, links);
  out[0] = 0;
  if (!b) return;
  size_t step = piece;
  for (size_t o = 0; o < n;) {
    size_t take = n - o < step ? n - o : step;
    cid_builder_add(b, p + o, take);
    o += take;
    step = step * 7 % 65521 + 1; /* pieces of changing, odd sizes */
  }
  cid c;
  uint64_t size;
  cid_builder_finish(b, &c, &size);
  if (size != n) out[0] = 0;
  else cid_format(&c, out);
  cid_builder_free(b);
}

TEST(cid_matches_the_importer_vectors_whole_and_in_pieces) {
  FILE *f = fopen(TEST_DATA_DIR "/content/cids.txt", "r");
  REQUIRE(f);
  char line[256];
  int cases = 0, multilevel = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    unsigned long chunk, size, seed;
    int links;
    char want[80];
    if (sscanf(line, "%lu %d %lu %lu %79s", &chunk, &links, &size, &seed, want) != 5) continue;
    uint8_t *p = pattern(size, (uint32_t)seed);
    char got[CID_TEXT_SIZE];
    compute((uint32_t)chunk, links, p, size, size ? size : 1, got);
    if (strcmp(got, want)) fprintf(stderr, "whole: chunk %lu links %d size %lu\n", chunk, links, size);
    CHECK_STR(got, want);
    compute((uint32_t)chunk, links, p, size, 1, got);
    CHECK_STR(got, want);
    compute((uint32_t)chunk, links, p, size, 4093, got);
    CHECK_STR(got, want);
    free(p);
    cases++;
    /* more chunks than one node can hold: two levels or more */
    if (size > (unsigned long)links * chunk) multilevel++;
  }
  fclose(f);
  CHECK(cases >= 25);
  CHECK(multilevel >= 8);
}

TEST(kubo_shape_boundaries_give_raw_or_dag_pb) {
  /* a file of at most one chunk is one raw block; one byte more makes a dag-pb root */
  static const size_t sizes[] = {0, 1, CID_CHUNK_SIZE - 1, CID_CHUNK_SIZE, CID_CHUNK_SIZE + 1};
  static const int codecs[] = {CID_CODEC_RAW, CID_CODEC_RAW, CID_CODEC_RAW, CID_CODEC_RAW, CID_CODEC_DAG_PB};
  uint8_t *p = pattern(CID_CHUNK_SIZE + 1, 99);
  for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
    cid c;
    REQUIRE(cid_of_bytes(&c, p, sizes[i]) == 0);
    CHECK_INT(c.codec, codecs[i]);
    char t[CID_TEXT_SIZE];
    cid_format(&c, t);
    CHECK(strncmp(t, codecs[i] == CID_CODEC_RAW ? "bafkrei" : "bafybei", 7) == 0);
  }
  free(p);
}

TEST(a_builder_is_reusable_after_clear) {
  uint8_t *p = pattern(CID_CHUNK_SIZE * 3, 5);
  cid_builder *b = cid_builder_new();
  REQUIRE(b);
  cid first, second, direct;
  uint64_t n;
  cid_builder_add(b, p, CID_CHUNK_SIZE * 3);
  cid_builder_finish(b, &first, &n);
  cid_builder_clear(b);
  cid_builder_add(b, p, CID_CHUNK_SIZE * 3);
  cid_builder_finish(b, &second, &n);
  CHECK(cid_equal(&first, &second));
  CHECK_INT(n, CID_CHUNK_SIZE * 3);
  REQUIRE(cid_of_bytes(&direct, p, CID_CHUNK_SIZE * 3) == 0);
  CHECK(cid_equal(&first, &direct));
  cid_builder_free(b);
  free(p);
  CHECK(cid_builder_new_shaped(0, 4) == NULL);
  CHECK(cid_builder_new_shaped(1024, 1) == NULL);
  CHECK(cid_builder_new_shaped(1024, CID_MAX_LINKS + 1) == NULL);
}

TEST(text_form_round_trips) {
  static const char *ids[] = {
      "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
      "bafybeigxrn6ol5h4esfnlafn2rf3m5w6fcvju6bwx6kfpawrhlfjh56l4a",
  };
  for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
    cid c;
    char why[128], back[CID_TEXT_SIZE];
    REQUIRE(cid_parse(&c, ids[i], strlen(ids[i]), why, sizeof why) == 0);
    cid_format(&c, back);
    CHECK_STR(back, ids[i]);
    uint8_t bin[CID_BIN_LEN];
    cid_to_bytes(&c, bin);
    cid again;
    CHECK_INT(cid_from_bytes(&again, bin, sizeof bin), 0);
    CHECK(cid_equal(&c, &again));
    CHECK_INT(cid_from_bytes(&again, bin, sizeof bin - 1), -1);
  }
  /* every digest survives the round trip */
  for (int k = 0; k < 200; k++) {
    cid c = {k % 2 ? CID_CODEC_RAW : CID_CODEC_DAG_PB, {0}};
    for (int j = 0; j < 32; j++) c.digest[j] = (uint8_t)(k * 31 + j * 7);
    char t[CID_TEXT_SIZE], why[128];
    cid_format(&c, t);
    CHECK_INT(strlen(t), CID_TEXT_LEN);
    cid d;
    REQUIRE(cid_parse(&d, t, strlen(t), why, sizeof why) == 0);
    CHECK(cid_equal(&c, &d));
  }
}

static void refused(const char *s, const char *needle) {
  cid c;
  char why[160] = "";
  pheme_err rc = cid_parse(&c, s, strlen(s), why, sizeof why);
  CHECK_INT(rc, PHEME_DATA_INVALID);
  if (!strstr(why, needle)) fprintf(stderr, "'%s': why '%s' lacks '%s'\n", s, why, needle);
  CHECK(strstr(why, needle) != NULL);
}

TEST(text_form_refusals_say_why) {
  refused("", "empty");
  refused("QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n", "CIDv0");
  refused("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", "not base32");
  refused("BAFKREIHDWDCEFGH4DQKJV67UZCMW7OJEE6XEDZDETOJUZJEVTENXQUVYKU", "not base32");
  refused("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk", "wrong length");
  refused("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk1", "only a-z and 2-7");
  refused("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykv", "trailing bits");
  /* CIDv1 with codec dag-cbor (0x71): bafyrei… */
  refused("bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", "codec");
  /* blake2b-256 multihash (0xb220) has a longer header and so another length */
  refused("bafk2bzacedg4z5jp6wmezomalgdj5qqhbk6hszmehu6ij5m4ygi5u6gyq6c", "wrong length");
  /* version byte 2 */
  cid c = {CID_CODEC_RAW, {0}};
  uint8_t bin[CID_BIN_LEN];
  cid_to_bytes(&c, bin);
  bin[0] = 2;
  CHECK_INT(cid_from_bytes(&c, bin, sizeof bin), -1);
}

TEST_MAIN(RUN(cid_matches_the_importer_vectors_whole_and_in_pieces); RUN(kubo_shape_boundaries_give_raw_or_dag_pb);
          RUN(a_builder_is_reusable_after_clear); RUN(text_form_round_trips); RUN(text_form_refusals_say_why))
