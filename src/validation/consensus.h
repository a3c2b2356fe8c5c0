/* Consensus of a review panel: pure functions, no storage (docs/validation.md works examples).
 *
 * Each review carries the validator's score (0-100), stake (in whole tokens, > 0) and accuracy
 * (0-1). Its weight is stake * (CONSENSUS_ACC_FLOOR + (1 - CONSENSUS_ACC_FLOOR) * accuracy): stake
 * is what the validator risks, accuracy its track record, and the floor keeps a validator whose
 * accuracy reached 0 from vanishing from the median entirely (it still counts, for little).
 *
 * result = the weighted median of the scores (the lowest score at which the cumulative weight,
 * scores ascending, reaches half the total; when it lands exactly on half, the mean of that score
 * and the next). agreement = the share of WEIGHT (not of heads) whose score is within tolerance of
 * the median: a head count would let many small validators outvote the stake at risk, and weight
 * is what the median itself uses, so the two cannot disagree about who matters.
 *
 *   reviews < min_validators                       -> CONSENSUS_WAIT
 *   agreement >= threshold                         -> CONSENSUS_ACCEPT (final = round(median))
 *   otherwise, panel + grow_step <= max_panel      -> CONSENSUS_GROW (draw grow_step more)
 *   otherwise                                      -> CONSENSUS_ESCALATE (an admin decides)
 *
 * Accuracy after a decision: sample = max(0, 1 - |score - final| / zero_at); accuracy' =
 * (1 - alpha) * accuracy + alpha * sample, so it stays in [0, 1]. A distance above
 * outlier_distance extends the validator's outlier streak (any other review resets it); a streak
 * of outlier_streak makes the validator a slashing candidate for admins.
 *
 * A dispute's fresh panel overturns the first when its final differs from the first by more than
 * the tolerance or falls on the other side of the task's minimum score. Then each first-panel
 * validator is re-scored against the new final, and those farther than the tolerance from it also
 * lose overturn_penalty (clamped at 0). */
#ifndef PHEME_VALIDATION_CONSENSUS_H
#define PHEME_VALIDATION_CONSENSUS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CONSENSUS_ACC_FLOOR 0.1
#define CONSENSUS_MAX_REVIEWS 256

typedef struct {
  int64_t validator_id;
  int score;       /* 0..100 */
  double stake;    /* whole tokens, > 0 */
  double accuracy; /* 0..1 */
} consensus_review;

typedef struct {
  double tolerance;         /* score points around the median that count as agreeing (10) */
  double threshold;         /* share of weight that must agree, 0..1: the task's consensus threshold */
  unsigned min_validators;  /* the task's minimum validators */
  unsigned max_panel;       /* the panel never grows past this (7) */
  unsigned grow_step;       /* validators added when the panel grows (2) */
  double alpha;             /* accuracy learning rate (0.2) */
  double zero_at;           /* distance at which a review's accuracy sample is 0 (50) */
  double outlier_distance;  /* distance that counts as an outlier (25) */
  unsigned outlier_streak;  /* consecutive outliers that make a slashing candidate (3) */
  double overturn_penalty;  /* extra accuracy lost by a first-panel member on the overturned side (0.1) */
} consensus_params;

/* The defaults above, with the task's threshold and minimum validators. */
void consensus_params_default(consensus_params *p, double threshold, unsigned min_validators);

typedef enum { CONSENSUS_WAIT, CONSENSUS_ACCEPT, CONSENSUS_GROW, CONSENSUS_ESCALATE } consensus_action;

typedef struct {
  consensus_action action;
  double median;        /* weighted median (when there is at least one review) */
  double agreement;     /* share of weight within tolerance, 0..1 */
  double total_weight;
  int final_score;      /* round(median) when action is ACCEPT, else -1 */
  unsigned grow_by;     /* validators to add when action is GROW */
} consensus_result;

/* The weight of one review. */
double consensus_weight(const consensus_review *r);

/* Decides on n reviews from a panel of panel_size drawn validators. Returns 0, or
 * PHEME_DATA_INVALID with err naming the review (score outside 0..100, stake not > 0, accuracy
 * outside 0..1, n > CONSENSUS_MAX_REVIEWS, a validator twice). */
pheme_err consensus_decide(const consensus_params *p, const consensus_review *reviews, size_t n,
                           unsigned panel_size, consensus_result *out, char *err, size_t errlen)
    PHEME_MUST_CHECK;

typedef struct {
  double accuracy;      /* the updated accuracy */
  unsigned streak;      /* the updated outlier streak */
  int slashing_candidate;
} consensus_standing;

/* A validator's standing after a review with the given score met the final result. */
consensus_standing consensus_update(const consensus_params *p, double accuracy, unsigned streak,
                                    int score, int final_score);

/* 1 when a dispute panel's final overturns the first panel's (see the header comment). */
int consensus_overturned(const consensus_params *p, int first_final, int dispute_final,
                         int min_score);

/* A first-panel validator's standing once the dispute's final overturned its panel: re-scored
 * against the new final, minus overturn_penalty when its score is farther than the tolerance. */
consensus_standing consensus_update_overturned(const consensus_params *p, double accuracy,
                                               unsigned streak, int score, int dispute_final);

#endif
