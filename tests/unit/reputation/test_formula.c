/* The formula rep-1 (src/reputation/formula.c): freshness at its boundaries, the worked example of
 * docs/reputation.md step by step, decay after the grace, and receipts that verify exactly (and
 * refuse a changed input). */
#include <string.h>

#include "reputation/formula.h"
#include "reputation/receipt.h"
#include "reputation/reputation.h"
#include "test.h"

TEST(freshness_boundaries) {
  CHECK_INT(rep_fresh_ppm(-5, 180), 1000000);
  CHECK_INT(rep_fresh_ppm(0, 180), 1000000);
  CHECK_INT(rep_fresh_ppm(90 * REP_DAY_MS, 180), 750000);
  CHECK_INT(rep_fresh_ppm(180 * REP_DAY_MS - 1, 180), 500000);
  CHECK_INT(rep_fresh_ppm(180 * REP_DAY_MS, 180), 500000);
  CHECK_INT(rep_fresh_ppm(360 * REP_DAY_MS, 180), 250000);
  CHECK_INT(rep_fresh_ppm(270 * REP_DAY_MS, 180), 375000);
  CHECK_INT(rep_fresh_ppm(180 * 40 * REP_DAY_MS, 180), 0);
}

/* docs/reputation.md, "A worked example" */
#define AS_OF 1800000000000LL
static rep_outcome ex_outcomes[] = {
    {101, 90, AS_OF - 180 * REP_DAY_MS, 1u << REP_TECHNICAL},
    {102, 70, AS_OF, 1u << REP_TECHNICAL},
};
static int64_t ex_weeks[] = {2976, 2975, 2950};
static rep_endorsement ex_end[] = {{{1}, "solidity", REP_TECHNICAL, 1000000000}, {{2}, "design", REP_CREATIVE, 250000000}};

static rep_inputs example(void) {
  return (rep_inputs){.as_of = AS_OF, .outcomes = ex_outcomes, .noutcomes = 2, .active_weeks = ex_weeks,
                      .nweeks = 3, .endorsements = ex_end, .nendorsements = 2, .trust_ppb = 500000000,
                      .stake_tokens = 2500, .badges = 3, .votes = 0, .is_validator = 1,
                      .accuracy_ppm = 800000, .streak_days = 7};
}

TEST(worked_example) {
  rep_params p;
  rep_params_default(&p);
  rep_inputs in = example();
  rep_result r;
  rep_compute(&p, &in, &r);
  const rep_parts *a = &r.all;
  CHECK_INT(a->weight_sum_ppm, 1500000);
  CHECK_INT(a->weighted_score_sum, 115000000);
  CHECK_INT(a->mean_ppm, 766666);
  CHECK_INT(a->volume_ppm, 300000);
  CHECK_INT(a->quality_ppm, 229999);
  CHECK_INT(a->active_weeks, 2);
  CHECK_INT(a->consistency_ppm, 166666);
  CHECK_INT(a->endorsement_ppm, 500000);
  CHECK_INT(a->onchain_ppm, 215000);
  CHECK_INT(a->base_ppm, 269082);
  CHECK_INT(a->multiplier_ppm, 1080000);
  CHECK_INT(a->bonus_upt, 700000);
  CHECK_INT(a->raw_upt, 29760856);
  CHECK_INT(a->decay_ppm, 0);
  CHECK_INT(a->total_upt, 29760856);
  /* technical: the same quality; half the endorsements are technical */
  CHECK_INT(r.domain[REP_TECHNICAL].endorsement_ppm, 250000);
  CHECK_INT(r.domain[REP_CREATIVE].total_upt, 0); /* nothing validated there */
  CHECK_INT(r.domain[REP_BUSINESS].total_upt, 0);
}

TEST(decay_after_grace) {
  rep_params p;
  rep_params_default(&p);
  rep_inputs in = example();
  rep_result fresh, later, edge;
  rep_compute(&p, &in, &fresh);
  in.as_of = AS_OF + 30 * REP_DAY_MS; /* the last day of grace: no decay yet */
  rep_compute(&p, &in, &edge);
  CHECK_INT(edge.all.decay_ppm, 0);
  in.as_of = AS_OF + 120 * REP_DAY_MS; /* 90 days past grace, half-life 180: freshness 3/4 */
  rep_compute(&p, &in, &later);
  CHECK_INT(later.all.freshness_ppm, 750000);
  CHECK_INT(later.all.decay_ppm, 250000);
  CHECK_INT(later.all.total_upt, later.all.raw_upt * 750000 / 1000000);
  CHECK(later.all.total_upt < fresh.all.total_upt);
  /* the technical domain decays with its own half-life */
  p.decay_half_life_days[REP_TECHNICAL] = 90;
  rep_compute(&p, &in, &later);
  CHECK_INT(later.domain[REP_TECHNICAL].freshness_ppm, 500000);
}

TEST(params_checked) {
  rep_params p;
  char why[200];
  rep_params_default(&p);
  CHECK(rep_params_check(&p, why, sizeof why) == 0);
  p.w_quality += 1;
  CHECK(rep_params_check(&p, why, sizeof why) == PHEME_SYS_CONFIG);
  CHECK(strstr(why, "sum to 1000001") != NULL);
}

TEST(receipt_verifies_exactly) {
  rep_params p;
  rep_params_default(&p);
  rep_inputs in = example();
  rep_result r;
  rep_compute(&p, &in, &r);
  uint8_t d[32];
  json_t *rc = rep_receipt_build(&p, &in, &r, d);
  REQUIRE(rc != NULL);
  char why[600];
  CHECK(rep_verify(rc, why, sizeof why) == 0);
  /* through text and back, as `pheme reputation verify` reads it */
  char *text = json_dumps(rc, JSON_COMPACT);
  json_t *back = json_loads(text, 0, NULL);
  CHECK(rep_verify(back, why, sizeof why) == 0);
  /* a changed input no longer gives the stated intermediates */
  json_object_set_new(json_object_get(back, "inputs"), "trustPpb", json_integer(400000000));
  CHECK(rep_verify(back, why, sizeof why) == PHEME_DATA_INVALID);
  CHECK(strstr(why, "intermediates") != NULL);
  /* a changed score is refused too */
  json_decref(back);
  back = json_loads(text, 0, NULL);
  json_object_set_new(json_object_get(back, "score"), "totalUpt", json_integer(99000000));
  CHECK(rep_verify(back, why, sizeof why) == PHEME_DATA_INVALID);
  free(text);
  json_decref(back);
  json_decref(rc);
}

TEST_MAIN(RUN(freshness_boundaries); RUN(worked_example); RUN(decay_after_grace); RUN(params_checked);
          RUN(receipt_verifies_exactly))
