/* Consensus (src/validation/consensus.c): the worked examples of docs/validation.md, redone here
 * with the same numbers, plus the edges (waiting, validation of inputs, clamping). */
#include <math.h>

#include "test.h"
#include "validation/consensus.h"

#include "core/banned.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static consensus_params P(void) {
  consensus_params p;
  consensus_params_default(&p, 0.66, 3);
  return p;
}

/* docs/validation.md, example 1: accepted at 75 */
TEST(example1_accepted) {
  consensus_params p = P();
  consensus_review r[] = {{1, 80, 100, 1.0}, {2, 75, 200, 0.5}, {3, 40, 100, 0.5}};
  CHECK(NEAR(consensus_weight(&r[0]), 100));
  CHECK(NEAR(consensus_weight(&r[1]), 110));
  CHECK(NEAR(consensus_weight(&r[2]), 55));
  consensus_result out;
  char err[128];
  REQUIRE(consensus_decide(&p, r, 3, 3, &out, err, sizeof err) == PHEME_OK);
  CHECK(NEAR(out.total_weight, 265));
  CHECK(NEAR(out.median, 75));
  CHECK(NEAR(out.agreement, 210.0 / 265.0));
  CHECK_INT(out.action, CONSENSUS_ACCEPT);
  CHECK_INT(out.final_score, 75);
  consensus_standing s1 = consensus_update(&p, 1.0, 0, 80, 75);
  consensus_standing s2 = consensus_update(&p, 0.5, 0, 75, 75);
  consensus_standing s3 = consensus_update(&p, 0.5, 0, 40, 75);
  CHECK(NEAR(s1.accuracy, 0.98));
  CHECK_INT(s1.streak, 0);
  CHECK(NEAR(s2.accuracy, 0.60));
  CHECK(NEAR(s3.accuracy, 0.46));
  CHECK_INT(s3.streak, 1);
  CHECK(!s3.slashing_candidate);
}

/* example 2: no agreement -> grow, then escalate at the limit */
TEST(example2_grow_then_escalate) {
  consensus_params p = P();
  consensus_review r[] = {{1, 90, 100, 0.5}, {2, 50, 100, 0.5}, {3, 20, 100, 0.5}};
  consensus_result out;
  char err[128];
  REQUIRE(consensus_decide(&p, r, 3, 3, &out, err, sizeof err) == PHEME_OK);
  CHECK(NEAR(out.median, 50));
  CHECK(NEAR(out.agreement, 1.0 / 3.0));
  CHECK_INT(out.action, CONSENSUS_GROW);
  CHECK_INT(out.grow_by, 2);
  CHECK_INT(out.final_score, -1);
  REQUIRE(consensus_decide(&p, r, 3, 5, &out, err, sizeof err) == PHEME_OK);
  CHECK_INT(out.action, CONSENSUS_GROW); /* 5 + 2 = 7 is still within the limit */
  REQUIRE(consensus_decide(&p, r, 3, 7, &out, err, sizeof err) == PHEME_OK);
  CHECK_INT(out.action, CONSENSUS_ESCALATE);
}

/* example 3: the cumulative weight lands exactly on half: the median is the mean of the two */
TEST(example3_even_split) {
  consensus_params p;
  consensus_params_default(&p, 0.66, 2);
  consensus_review r[] = {{7, 70, 100, 0.5}, {8, 60, 100, 0.5}};
  consensus_result out;
  char err[128];
  REQUIRE(consensus_decide(&p, r, 2, 2, &out, err, sizeof err) == PHEME_OK);
  CHECK(NEAR(out.median, 65));
  CHECK(NEAR(out.agreement, 1.0));
  CHECK_INT(out.action, CONSENSUS_ACCEPT);
  CHECK_INT(out.final_score, 65);
}

/* example 4: a dispute overturns 75 with 40; the first panel loses accuracy */
TEST(example4_overturned) {
  consensus_params p = P();
  CHECK(consensus_overturned(&p, 75, 40, 60));
  CHECK(!consensus_overturned(&p, 75, 68, 60));
  CHECK(consensus_overturned(&p, 62, 57, 60)); /* within tolerance but the other side of 60 */
  consensus_standing v1 = consensus_update_overturned(&p, 0.98, 0, 80, 40);
  CHECK(NEAR(v1.accuracy, 0.724));
  CHECK_INT(v1.streak, 1);
  consensus_standing v3 = consensus_update_overturned(&p, 0.46, 1, 40, 40);
  CHECK(NEAR(v3.accuracy, 0.568));
  CHECK_INT(v3.streak, 0);
}

/* example 5: a third outlier in a row makes a slashing candidate; accuracy stays in [0, 1] */
TEST(example5_outlier_streak) {
  consensus_params p = P();
  consensus_standing s = {0.5, 0, 0};
  for (int i = 0; i < 3; i++) s = consensus_update(&p, s.accuracy, s.streak, 10, 90);
  CHECK_INT(s.streak, 3);
  CHECK(s.slashing_candidate);
  CHECK(NEAR(s.accuracy, 0.5 * 0.8 * 0.8 * 0.8));
  s = consensus_update(&p, s.accuracy, s.streak, 85, 90);
  CHECK_INT(s.streak, 0);
  CHECK(!s.slashing_candidate);
  for (int i = 0; i < 200; i++) {
    s = consensus_update(&p, s.accuracy, s.streak, 100, 100);
    CHECK(s.accuracy >= 0 && s.accuracy <= 1);
  }
  CHECK(s.accuracy > 0.999);
  consensus_standing z = consensus_update_overturned(&p, 0.0, 0, 0, 100);
  CHECK(NEAR(z.accuracy, 0.0));
}

TEST(waits_and_refuses_bad_reviews) {
  consensus_params p = P();
  consensus_review r[] = {{1, 80, 100, 1.0}, {2, 75, 200, 0.5}};
  consensus_result out;
  char err[128];
  REQUIRE(consensus_decide(&p, r, 2, 3, &out, err, sizeof err) == PHEME_OK);
  CHECK_INT(out.action, CONSENSUS_WAIT);
  REQUIRE(consensus_decide(&p, r, 0, 3, &out, err, sizeof err) == PHEME_OK);
  CHECK_INT(out.action, CONSENSUS_WAIT);
  consensus_review bad[][1] = {{{1, 101, 1, 0.5}}, {{1, -1, 1, 0.5}}, {{1, 50, 0, 0.5}},
                               {{1, 50, 1, 1.5}}, {{1, 50, NAN, 0.5}}, {{1, 50, 1, NAN}}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK(consensus_decide(&p, bad[i], 1, 3, &out, err, sizeof err) == PHEME_DATA_INVALID);
  consensus_review twice[] = {{4, 50, 1, 0.5}, {4, 60, 1, 0.5}};
  CHECK(consensus_decide(&p, twice, 2, 3, &out, err, sizeof err) == PHEME_DATA_INVALID);
  CHECK(strstr(err, "validator 4 reviewed twice") != NULL);
}

/* a heavy, accurate validator pulls the median; a light one cannot */
TEST(weight_decides_the_median) {
  consensus_params p = P();
  consensus_review r[] = {{1, 30, 1000, 1.0}, {2, 90, 10, 1.0}, {3, 95, 10, 1.0}};
  consensus_result out;
  char err[128];
  REQUIRE(consensus_decide(&p, r, 3, 3, &out, err, sizeof err) == PHEME_OK);
  CHECK(NEAR(out.median, 30));
  CHECK_INT(out.action, CONSENSUS_ACCEPT);
  CHECK_INT(out.final_score, 30);
}

TEST_MAIN(RUN(example1_accepted); RUN(example2_grow_then_escalate); RUN(example3_even_split);
          RUN(example4_overturned); RUN(example5_outlier_streak); RUN(waits_and_refuses_bad_reviews);
          RUN(weight_decides_the_median))
