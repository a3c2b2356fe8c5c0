/* Panel draws (src/validation/panel.c): the seed, reproducibility independent of candidate order,
 * every exclusion, one wallet per person, and the stake weighting measured over many draws. */
#include <math.h>
#include <stdio.h>

#include "core/util.h"
#include "test.h"
#include "validation/panel.h"

#include "core/banned.h"

static panel_candidate cand(int64_t id, int64_t person, double stake, double domain) {
  panel_candidate c = {id, person, {0}, stake, domain};
  for (int i = 0; i < 20; i++) c.address[i] = (uint8_t)(id * 31 + i * 7);
  return c;
}

TEST(seed_is_keccak_of_the_uint256_id) {
  uint8_t s[32];
  char hex[65];
  panel_seed(s, 1);
  bytes_to_hex(hex, s, 32);
  /* keccak256(abi.encode(uint256(1))) */
  CHECK_STR(hex, "b10e2d527612073b26eecdfd717e6a320cf44b4afac2b0732d9fcbe2b7fa0cf6");
  panel_seed(s, 0);
  bytes_to_hex(hex, s, 32);
  CHECK_STR(hex, "290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563");
}

TEST(draw_is_reproducible_and_ignores_order) {
  panel_candidate c[20], r[20];
  for (int i = 0; i < 20; i++) c[i] = cand(i + 1, 100 + i, 100 + 10 * i, 80);
  for (int i = 0; i < 20; i++) r[i] = c[(i * 7) % 20]; /* 7 is coprime with 20: a permutation */
  panel_request q = {.submission_id = 42, .submitter_person = 999, .min_stake = 50, .min_domain_score = 50};
  size_t a[5], b[5], na, nb;
  char err[128];
  REQUIRE(panel_draw(&q, c, 20, 5, a, &na, err, sizeof err) == PHEME_OK);
  REQUIRE(panel_draw(&q, r, 20, 5, b, &nb, err, sizeof err) == PHEME_OK);
  CHECK_INT(na, 5);
  CHECK_INT(nb, 5);
  for (size_t i = 0; i < 5; i++) CHECK_INT(c[a[i]].validator_id, r[b[i]].validator_id);
  /* another submission, another panel (with 20 candidates, 5 seats, very likely different) */
  int differs = 0;
  for (int64_t sub = 43; sub < 53; sub++) {
    q.submission_id = sub;
    REQUIRE(panel_draw(&q, c, 20, 5, b, &nb, err, sizeof err) == PHEME_OK);
    for (size_t i = 0; i < 5; i++) differs |= c[a[i]].validator_id != c[b[i]].validator_id;
  }
  CHECK(differs);
  q.submission_id = -1;
  CHECK(panel_draw(&q, c, 20, 5, a, &na, err, sizeof err) == PHEME_DATA_INVALID);
}

TEST(exclusions_hold) {
  panel_candidate c[] = {
      cand(1, 10, 100, 90), /* the submitter's validator wallet */
      cand(2, 10, 500, 90), /* the submitter's second wallet */
      cand(3, 20, 10, 90),  /* stake below the minimum */
      cand(4, 30, 100, 40), /* domain score below the requirement */
      cand(5, 40, 100, 90), /* a previous panel member */
      cand(6, 40, 300, 90), /* that member's other wallet */
      cand(7, 50, 100, 90), cand(8, 50, 100, 90), /* one person, two wallets */
      cand(9, 60, 100, 90), cand(10, 70, 50, 60),
  };
  size_t n = sizeof c / sizeof c[0];
  int64_t prev[] = {5};
  char err[128];
  for (int64_t sub = 1; sub <= 300; sub++) {
    panel_request q = {.submission_id = sub, .submitter_person = 10, .min_stake = 50,
                       .min_domain_score = 60, .exclude_validators = prev, .n_exclude = 1};
    size_t out[10], drawn;
    REQUIRE(panel_draw(&q, c, n, 10, out, &drawn, err, sizeof err) == PHEME_OK);
    CHECK_INT(drawn, 3); /* persons 50 (one of 7 or 8), 60, 70 */
    int person50 = 0;
    for (size_t i = 0; i < drawn; i++) {
      int64_t id = c[out[i]].validator_id;
      CHECK(id >= 7);
      person50 += c[out[i]].person_id == 50;
    }
    CHECK_INT(person50, 1);
  }
}

/* Stake 300 vs 100 for one seat over 6000 submissions: drawn about 3 times as often (the binomial
 * spread of the ratio is about 0.15 here, so 2.4..3.8 is well over 4 standard deviations); uniform
 * draws about evenly. */
TEST(stake_weighting_shows_in_frequencies) {
  panel_candidate c[] = {cand(1, 1, 300, 90), cand(2, 2, 100, 90)};
  int heavy = 0, heavy_uniform = 0;
  char err[128];
  for (int64_t sub = 0; sub < 6000; sub++) {
    panel_request q = {.submission_id = sub, .submitter_person = -1};
    size_t out[1], drawn;
    REQUIRE(panel_draw(&q, c, 2, 1, out, &drawn, err, sizeof err) == PHEME_OK);
    heavy += out[0] == 0;
    q.mode = PANEL_UNIFORM;
    REQUIRE(panel_draw(&q, c, 2, 1, out, &drawn, err, sizeof err) == PHEME_OK);
    heavy_uniform += out[0] == 0;
  }
  double ratio = (double)heavy / (6000 - heavy);
  fprintf(stderr, "  stake 3:1 drawn %.2f:1; uniform %d of 6000\n", ratio, heavy_uniform);
  CHECK(ratio > 2.4 && ratio < 3.8);
  CHECK(heavy_uniform > 2700 && heavy_uniform < 3300);
}

TEST_MAIN(RUN(seed_is_keccak_of_the_uint256_id); RUN(draw_is_reproducible_and_ignores_order);
          RUN(exclusions_hold); RUN(stake_weighting_shows_in_frequencies))
