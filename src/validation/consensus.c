/* Weighted-median consensus, accuracy and disputes; see consensus.h. */
#include "validation/consensus.h"

#include <math.h>
#include <stdlib.h>

#include "core/banned.h"

void consensus_params_default(consensus_params *p, double threshold, unsigned min_validators) {
  *p = (consensus_params){.tolerance = 10,
                          .threshold = threshold,
                          .min_validators = min_validators,
                          .max_panel = 7,
                          .grow_step = 2,
                          .alpha = 0.2,
                          .zero_at = 50,
                          .outlier_distance = 25,
                          .outlier_streak = 3,
                          .overturn_penalty = 0.1};
}

double consensus_weight(const consensus_review *r) {
  return r->stake * (CONSENSUS_ACC_FLOOR + (1.0 - CONSENSUS_ACC_FLOOR) * r->accuracy);
}

typedef struct {
  int score;
  double w;
} scored;

static int cmp_scored(const void *a, const void *b) {
  const scored *x = a, *y = b;
  return x->score - y->score;
}

pheme_err consensus_decide(const consensus_params *p, const consensus_review *reviews, size_t n,
                           unsigned panel_size, consensus_result *out, char *err, size_t errlen) {
  *out = (consensus_result){.action = CONSENSUS_WAIT, .final_score = -1};
  if (n > CONSENSUS_MAX_REVIEWS) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "%zu reviews exceed the limit of %d", n, CONSENSUS_MAX_REVIEWS);
  }
  scored s[CONSENSUS_MAX_REVIEWS];
  double total = 0;
  for (size_t i = 0; i < n; i++) {
    const consensus_review *r = &reviews[i];
    if (r->score < 0 || r->score > 100 || !(r->stake > 0) || !isfinite(r->stake) ||
        !(r->accuracy >= 0 && r->accuracy <= 1)) {
      return pheme_fail(PHEME_DATA_INVALID, err, errlen, "review by validator %lld is out of range (score %d, stake %g, accuracy %g)",
                 (long long)r->validator_id, r->score, r->stake, r->accuracy);
    }
    for (size_t j = 0; j < i; j++)
      if (reviews[j].validator_id == r->validator_id) {
        return pheme_fail(PHEME_DATA_INVALID, err, errlen, "validator %lld reviewed twice", (long long)r->validator_id);
      }
    s[i] = (scored){r->score, consensus_weight(r)};
    total += s[i].w;
  }
  out->total_weight = total;
  if (n == 0) return PHEME_OK;
  qsort(s, n, sizeof *s, cmp_scored);
  double cum = 0, half = total / 2, median = s[n - 1].score;
  for (size_t i = 0; i < n; i++) {
    cum += s[i].w;
    if (fabs(cum - half) <= 1e-9 * total && i + 1 < n) {
      median = (s[i].score + s[i + 1].score) / 2.0;
      break;
    }
    if (cum >= half) {
      median = s[i].score;
      break;
    }
  }
  double agree = 0;
  for (size_t i = 0; i < n; i++)
    if (fabs(s[i].score - median) <= p->tolerance + 1e-9) agree += s[i].w;
  out->median = median;
  out->agreement = agree / total;
  if (n < p->min_validators) return PHEME_OK;
  if (out->agreement + 1e-12 >= p->threshold) {
    out->action = CONSENSUS_ACCEPT;
    out->final_score = (int)floor(median + 0.5);
  } else if (panel_size + p->grow_step <= p->max_panel) {
    out->action = CONSENSUS_GROW;
    out->grow_by = p->grow_step;
  } else {
    out->action = CONSENSUS_ESCALATE;
  }
  return PHEME_OK;
}

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

consensus_standing consensus_update(const consensus_params *p, double accuracy, unsigned streak,
                                    int score, int final_score) {
  double d = fabs((double)score - final_score);
  double sample = clamp01(1.0 - d / p->zero_at);
  consensus_standing st;
  st.accuracy = clamp01((1 - p->alpha) * clamp01(accuracy) + p->alpha * sample);
  st.streak = d > p->outlier_distance ? streak + 1 : 0;
  st.slashing_candidate = st.streak >= p->outlier_streak;
  return st;
}

int consensus_overturned(const consensus_params *p, int first_final, int dispute_final,
                         int min_score) {
  if (fabs((double)first_final - dispute_final) > p->tolerance) return 1;
  return (first_final >= min_score) != (dispute_final >= min_score);
}

consensus_standing consensus_update_overturned(const consensus_params *p, double accuracy,
                                               unsigned streak, int score, int dispute_final) {
  consensus_standing st = consensus_update(p, accuracy, streak, score, dispute_final);
  if (fabs((double)score - dispute_final) > p->tolerance)
    st.accuracy = clamp01(st.accuracy - p->overturn_penalty);
  return st;
}
