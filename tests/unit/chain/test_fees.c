/* EIP-1559 pricing from eth_feeHistory answers and the fee bump of replacements (src/chain/fees.c). */
#include <jansson.h>

#include "chain/fees.h"
#include "test.h"

static json_t *J(const char *text) {
  json_t *j = json_loads(text, 0, NULL);
  if (!j) fprintf(stderr, "bad test JSON: %s\n", text);
  return j;
}

static pheme_err quote(const char *history, const fee_options *o, fee_quote *q) {
  char err[256];
  json_t *h = J(history);
  pheme_err e = fees_quote(h, o, q, err, sizeof err);
  json_decref(h);
  return e;
}

TEST(quote_doubles_the_next_base_fee_and_adds_the_median_tip) {
  fee_options o;
  fee_options_init(&o);
  fee_quote q;
  /* next base fee is the last entry; rewards 3, 1, 2 gwei → median 2 gwei */
  CHECK_INT(quote("{\"oldestBlock\":\"0x10\",\"baseFeePerGas\":[\"0x1\",\"0x2\",\"0x3\",\"0x3b9aca00\"],"
                  "\"gasUsedRatio\":[0.5,0.5,0.5],\"reward\":[[\"0xb2d05e00\"],[\"0x3b9aca00\"],[\"0x77359400\"]]}",
                  &o, &q), 0);
  CHECK_INT(q.next_base_fee, 1000000000);
  CHECK_INT(q.tip, 2000000000);
  CHECK_INT(q.max_fee, 2 * 1000000000ULL + 2000000000ULL);
}

TEST(quote_floors_an_empty_tip_and_skips_blocks_without_rewards) {
  fee_options o;
  fee_options_init(&o);
  o.min_tip_wei = 7;
  o.base_fee_pct = 100;
  fee_quote q;
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x64\",\"0x64\"],\"reward\":[[]]}", &o, &q), 0);
  CHECK_INT(q.tip, 7);
  CHECK_INT(q.max_fee, 107);
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x64\",\"0x64\"]}", &o, &q), 0); /* no reward list */
  CHECK_INT(q.tip, 7);
}

TEST(quote_clamps_to_the_caps) {
  fee_options o;
  fee_options_init(&o);
  o.max_tip_wei = 5000000;
  o.max_fee_wei = 250;
  fee_quote q;
  o.min_tip_wei = 10;
  /* base 100: 2×100 + 10 = 210 fits under 250 */
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x64\"],\"reward\":[[\"0x0\"]]}", &o, &q), 0);
  CHECK_INT(q.max_fee, 210);
  /* base 200: 2×200 + 10 = 410 clamps to 250, which still pays base + tip */
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0xc8\"],\"reward\":[[\"0x0\"]]}", &o, &q), 0);
  CHECK_INT(q.max_fee, 250);
  /* base 245: base + tip = 255 is above the cap: refused, the intent waits */
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0xf5\"],\"reward\":[[\"0x0\"]]}", &o, &q), PHEME_DATA_STATE);
  /* the tip cap */
  o.max_fee_wei = 0;
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x1\"],\"reward\":[[\"0x3b9aca00\"]]}", &o, &q), 0);
  CHECK_INT(q.tip, 5000000);
}

TEST(quote_refuses_malformed_answers) {
  fee_options o;
  fee_options_init(&o);
  fee_quote q;
  CHECK_INT(quote("{}", &o, &q), PHEME_DATA_INVALID);
  CHECK_INT(quote("[]", &o, &q), PHEME_DATA_INVALID);
  CHECK_INT(quote("{\"baseFeePerGas\":[]}", &o, &q), PHEME_DATA_INVALID);
  CHECK_INT(quote("{\"baseFeePerGas\":[1]}", &o, &q), PHEME_DATA_INVALID);
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x01\"]}", &o, &q), PHEME_DATA_INVALID); /* leading zero */
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x10000000000000000\"]}", &o, &q), PHEME_DATA_INVALID);
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x1\"],\"reward\":{}}", &o, &q), PHEME_DATA_INVALID);
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x1\"],\"reward\":[\"0x1\"]}", &o, &q), PHEME_DATA_INVALID);
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x1\"],\"reward\":[[\"x\"]]}", &o, &q), PHEME_DATA_INVALID);
}

TEST(quote_never_overflows) {
  fee_options o;
  fee_options_init(&o);
  o.base_fee_pct = 1000;
  o.min_tip_wei = UINT64_MAX;
  fee_quote q;
  /* base near 2^64 times 10 plus a huge tip passes 64 bits: refused as above any cap */
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0xffffffffffffffff\"]}", &o, &q), PHEME_DATA_STATE);
  o.min_tip_wei = 1;
  CHECK_INT(quote("{\"baseFeePerGas\":[\"0x1fffffffffffffff\"]}", &o, &q), 0);
  CHECK(q.max_fee == UINT64_MAX); /* 10 × base does not fit: clamped to the 64-bit ceiling */
}

TEST(bump_raises_both_fees_by_the_percentage_at_least) {
  fee_options o;
  fee_options_init(&o); /* 12% */
  fee_quote old = {0, 1000, 10000}, q;
  char err[256];
  CHECK_INT(fees_bump(&old, NULL, &o, &q, err, sizeof err), 0);
  CHECK_INT(q.tip, 1120);
  CHECK_INT(q.max_fee, 11200);
  /* nodes ask for +10% of each: check the rule directly */
  CHECK(q.tip * 100 >= old.tip * 110 && q.max_fee * 100 >= old.max_fee * 110);
  /* rounding goes up, and a zero tip still moves */
  fee_quote tiny = {0, 0, 9}, t2;
  CHECK_INT(fees_bump(&tiny, NULL, &o, &t2, err, sizeof err), 0);
  CHECK_INT(t2.tip, 1);
  CHECK_INT(t2.max_fee, 11); /* ceil(9 × 1.12) = 11 */
}

TEST(bump_follows_a_higher_market_price) {
  fee_options o;
  fee_options_init(&o);
  fee_quote old = {0, 1000, 10000}, fresh = {50000, 3000, 103000}, q;
  char err[256];
  CHECK_INT(fees_bump(&old, &fresh, &o, &q, err, sizeof err), 0);
  CHECK_INT(q.tip, 3000);
  CHECK_INT(q.max_fee, 103000);
  CHECK_INT(q.next_base_fee, 50000);
}

TEST(bump_stops_at_the_caps) {
  fee_options o;
  fee_options_init(&o);
  o.max_fee_wei = 11000;
  fee_quote old = {0, 1000, 10000}, q;
  char err[256] = "";
  CHECK_INT(fees_bump(&old, NULL, &o, &q, err, sizeof err), PHEME_DATA_STATE);
  CHECK(strstr(err, "fee cap") != NULL);
  o.max_fee_wei = 0;
  o.max_tip_wei = 1100;
  CHECK_INT(fees_bump(&old, NULL, &o, &q, err, sizeof err), PHEME_DATA_STATE);
  CHECK(strstr(err, "tip cap") != NULL);
  o.max_tip_wei = 0;
  fee_quote top = {0, 5, UINT64_MAX}; /* nothing above it: refused, never wrapped */
  CHECK_INT(fees_bump(&top, NULL, &o, &q, err, sizeof err), PHEME_DATA_STATE);
  fee_quote near = {0, 5, UINT64_MAX - 1};
  CHECK_INT(fees_bump(&near, NULL, &o, &q, err, sizeof err), 0);
  CHECK(q.max_fee == UINT64_MAX);
}

TEST(options_are_checked) {
  fee_options o;
  char err[256];
  fee_options_init(&o);
  CHECK_INT(fee_options_check(&o, err, sizeof err), 0);
  o.bump_pct = 9;
  CHECK_INT(fee_options_check(&o, err, sizeof err), PHEME_SYS_CONFIG);
  fee_options_init(&o);
  o.base_fee_pct = 99;
  CHECK_INT(fee_options_check(&o, err, sizeof err), PHEME_SYS_CONFIG);
  fee_options_init(&o);
  o.blocks = 0;
  CHECK_INT(fee_options_check(&o, err, sizeof err), PHEME_SYS_CONFIG);
  fee_options_init(&o);
  char p[96];
  fees_history_params(&o, p, sizeof p);
  CHECK_STR(p, "[\"0xa\",\"latest\",[50]]");
}

TEST_MAIN(RUN(quote_doubles_the_next_base_fee_and_adds_the_median_tip);
          RUN(quote_floors_an_empty_tip_and_skips_blocks_without_rewards);
          RUN(quote_clamps_to_the_caps); RUN(quote_refuses_malformed_answers);
          RUN(quote_never_overflows); RUN(bump_raises_both_fees_by_the_percentage_at_least);
          RUN(bump_follows_a_higher_market_price); RUN(bump_stops_at_the_caps);
          RUN(options_are_checked))
