/* The reputation formula, version REP_FORMULA_VERSION (docs/reputation.md):
 *
 *   total = (base × multiplier + bonus) × (1 − decay), on 0..100
 *
 * computed in integers only, so that a receipt reproduces a score exactly on any machine: shares
 * are parts per million (ppm, 1000000 = 1), scores are micro-points (µpt, 100000000 = 100), and
 * every division rounds toward zero at the step where docs/reputation.md shows it. The same
 * function scores the whole person and each skill domain (technical, creative, business). */
#ifndef PHEME_REPUTATION_FORMULA_H
#define PHEME_REPUTATION_FORMULA_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define REP_FORMULA_VERSION "rep-1"
#define REP_PPM 1000000LL
#define REP_MAX_UPT 100000000LL /* 100 points in micro-points */
#define REP_DAY_MS 86400000LL
#define REP_WEEK_MS (7 * REP_DAY_MS)

enum { REP_TECHNICAL, REP_CREATIVE, REP_BUSINESS, REP_DOMAINS };
extern const char *const rep_domain_names[REP_DOMAINS];
/* The index of a domain name, or -1. */
int rep_domain_index(const char *name);

/* Every weight and half-life (configuration keys reputation_*; conf/pheme.conf.example). */
typedef struct {
  int64_t w_quality, w_consistency, w_endorsement, w_onchain; /* ppm; they sum to 1000000 */
  int64_t quality_half_life_days;   /* recency weight of a validated score halves every … */
  int64_t quality_volume_ppm;       /* summed recency weight (ppm) for a full-volume quality */
  int64_t consistency_weeks;        /* the window of weeks in which activity counts */
  int64_t onchain_stake_full;       /* whole tokens staked for the full stake share */
  int64_t onchain_badges_full, onchain_votes_full;
  int64_t w_stake, w_badges, w_votes; /* ppm of the on-chain part; they sum to 1000000 */
  int64_t validator_multiplier_ppm; /* an active validator's multiplier is 1 + this × accuracy */
  int64_t streak_bonus_per_day_upt, streak_bonus_cap_upt;
  int64_t decay_grace_days;         /* no decay this long after the last validation */
  int64_t decay_half_life_days[REP_DOMAINS]; /* freshness halves every … after the grace */
} rep_params;

/* The defaults of the configuration table. */
void rep_params_default(rep_params *p);
/* 0, or -1 with why (weights not summing to 1000000, a half-life of 0, …). */
pheme_err rep_params_check(const rep_params *p, char *why, size_t n);

/* One validated submission (outcomes, migration 0014). */
typedef struct {
  int64_t submission_id;
  int score;        /* final score 0..100 */
  int64_t at;       /* Unix ms */
  unsigned domains; /* bit per domain of the task's skills */
} rep_outcome;

/* One endorsement received. */
typedef struct {
  uint8_t from[20];
  const char *skill;
  int domain;
  int64_t endorser_trust_ppb; /* the endorser's EigenTrust, for the receipt */
} rep_endorsement;

typedef struct {
  int64_t as_of;                      /* Unix ms: the moment the score is for */
  rep_outcome *outcomes;
  int noutcomes;
  int64_t *active_weeks;              /* distinct week numbers (Unix ms / week) with activity */
  int nweeks;
  rep_endorsement *endorsements;
  int nendorsements;
  int64_t trust_ppb;                  /* EigenTrust, parts per billion of the highest trust */
  int64_t stake_tokens, badges, votes;
  int is_validator;
  int64_t accuracy_ppm;
  int64_t streak_days;                /* the rewards engine's stored streak (streaks) */
} rep_inputs;

/* The intermediates of one score (the whole person's, or one domain's). */
typedef struct {
  int64_t outcomes;                     /* validated scores counted */
  int64_t weight_sum_ppm, weighted_score_sum; /* Σ w_i, Σ w_i × score_i */
  int64_t mean_ppm, volume_ppm, quality_ppm;
  int64_t active_weeks, consistency_ppm;
  int64_t endorsement_ppm;
  int64_t stake_ppm, badges_ppm, votes_ppm, onchain_ppm;
  int64_t base_ppm, base_upt;
  int64_t multiplier_ppm, bonus_upt, raw_upt;
  int64_t last_validation;              /* 0 = never */
  int64_t idle_days_ms;                 /* as_of − last validation, 0 when never */
  int64_t freshness_ppm, decay_ppm;
  int64_t total_upt;
} rep_parts;

typedef struct {
  rep_parts all;
  rep_parts domain[REP_DOMAINS];
} rep_result;

/* Freshness after age_ms with the given half-life: 2^(−n) × (1 − r / (2h)) in ppm, where n is
 * the number of whole half-lives in the age and r what is left (linear between half-lives). */
int64_t rep_fresh_ppm(int64_t age_ms, int64_t half_life_days);

/* Computes every part of the score of in under p. Never fails. */
void rep_compute(const rep_params *p, const rep_inputs *in, rep_result *out);

#endif
