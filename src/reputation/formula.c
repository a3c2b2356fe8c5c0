/* The reputation formula in integers (formula.h, docs/reputation.md). Each step is written the
 * way the document shows it, so a reader can follow a receipt line by line. */
#include "reputation/formula.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"

const char *const rep_domain_names[REP_DOMAINS] = {"technical", "creative", "business"};

int rep_domain_index(const char *name) {
  for (int i = 0; i < REP_DOMAINS; i++)
    if (name && strcmp(name, rep_domain_names[i]) == 0) return i;
  return -1;
}

void rep_params_default(rep_params *p) {
  *p = (rep_params){
      .w_quality = 450000,
      .w_consistency = 200000,
      .w_endorsement = 200000,
      .w_onchain = 150000,
      .quality_half_life_days = 180,
      .quality_volume_ppm = 5000000,
      .consistency_weeks = 12,
      .onchain_stake_full = 10000,
      .onchain_badges_full = 10,
      .onchain_votes_full = 10,
      .w_stake = 500000,
      .w_badges = 300000,
      .w_votes = 200000,
      .validator_multiplier_ppm = 100000,
      .streak_bonus_per_day_upt = 100000,
      .streak_bonus_cap_upt = 5000000,
      .decay_grace_days = 30,
      .decay_half_life_days = {180, 270, 365},
  };
}

pheme_err rep_params_check(const rep_params *p, char *why, size_t n) {
  if (p->w_quality + p->w_consistency + p->w_endorsement + p->w_onchain != REP_PPM) {
    return pheme_fail(PHEME_SYS_CONFIG, why, n, "reputation weights (quality, consistency, endorsement, onchain) sum to %lld, not 1000000",
             (long long)(p->w_quality + p->w_consistency + p->w_endorsement + p->w_onchain));
  }
  if (p->w_stake + p->w_badges + p->w_votes != REP_PPM) {
    return pheme_fail(PHEME_SYS_CONFIG, why, n, "on-chain weights (stake, badges, votes) sum to %lld, not 1000000",
             (long long)(p->w_stake + p->w_badges + p->w_votes));
  }
  int bad = p->quality_half_life_days < 1 || p->quality_volume_ppm < 1 || p->consistency_weeks < 1 ||
            p->onchain_stake_full < 1 || p->onchain_badges_full < 1 || p->onchain_votes_full < 1 ||
            p->decay_grace_days < 0 || p->validator_multiplier_ppm < 0 || p->streak_bonus_per_day_upt < 0 ||
            p->streak_bonus_cap_upt < 0;
  for (int d = 0; d < REP_DOMAINS; d++) bad |= p->decay_half_life_days[d] < 1;
  if (bad) {
    return pheme_fail(PHEME_SYS_CONFIG, why, n, "a reputation half-life, window or full mark is below 1");
  }
  return 0;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

int64_t rep_fresh_ppm(int64_t age_ms, int64_t half_life_days) {
  if (age_ms <= 0) return REP_PPM;
  int64_t h = half_life_days * REP_DAY_MS;
  int64_t halvings = age_ms / h, r = age_ms % h;
  if (halvings >= 40) return 0;
  /* (2h − r) / 2h ≤ 1 and 1e6 × 2h fits easily: h ≤ 10^4 days ≈ 8.6e11 ms */
  int64_t f = REP_PPM * (2 * h - r) / (2 * h);
  return f >> halvings;
}

/* The share min(1, x / full) in ppm. */
static int64_t share_ppm(int64_t x, int64_t full) {
  if (x <= 0) return 0;
  if (x >= full) return REP_PPM;
  return x * REP_PPM / full;
}

/* One score; domain -1 for the whole person. */
static void compute_part(const rep_params *p, const rep_inputs *in, int domain, rep_parts *o) {
  memset(o, 0, sizeof *o);
  /* task quality: recency-weighted mean of validated scores, scaled by volume */
  for (int i = 0; i < in->noutcomes; i++) {
    const rep_outcome *x = &in->outcomes[i];
    if (domain >= 0 && !(x->domains & (1u << domain))) continue;
    int64_t w = rep_fresh_ppm(in->as_of - x->at, p->quality_half_life_days);
    o->outcomes++;
    o->weight_sum_ppm += w;
    o->weighted_score_sum += w * x->score;
    if (x->at > o->last_validation) o->last_validation = x->at;
  }
  o->mean_ppm = o->weight_sum_ppm ? o->weighted_score_sum * 10000 / o->weight_sum_ppm : 0;
  o->volume_ppm = share_ppm(o->weight_sum_ppm, p->quality_volume_ppm);
  o->quality_ppm = o->mean_ppm * o->volume_ppm / REP_PPM;
  /* consistency: distinct active weeks within the window ending with as_of's week */
  int64_t now_week = in->as_of / REP_WEEK_MS;
  for (int i = 0; i < in->nweeks; i++)
    if (in->active_weeks[i] <= now_week && in->active_weeks[i] > now_week - p->consistency_weeks)
      o->active_weeks++;
  o->consistency_ppm = share_ppm(o->active_weeks, p->consistency_weeks);
  /* endorsements: the person's EigenTrust; a domain gets the share of endorsements made in it */
  int64_t e = in->trust_ppb / 1000;
  if (e > REP_PPM) e = REP_PPM;
  if (domain >= 0) {
    int64_t nd = 0;
    for (int i = 0; i < in->nendorsements; i++) nd += in->endorsements[i].domain == domain;
    e = in->nendorsements ? e * nd / in->nendorsements : 0;
  }
  o->endorsement_ppm = e;
  /* on-chain activity */
  o->stake_ppm = share_ppm(in->stake_tokens, p->onchain_stake_full);
  o->badges_ppm = share_ppm(in->badges, p->onchain_badges_full);
  o->votes_ppm = share_ppm(in->votes, p->onchain_votes_full);
  o->onchain_ppm = (p->w_stake * o->stake_ppm + p->w_badges * o->badges_ppm + p->w_votes * o->votes_ppm) / REP_PPM;
  /* base, multiplier, bonus */
  o->base_ppm = (p->w_quality * o->quality_ppm + p->w_consistency * o->consistency_ppm +
                 p->w_endorsement * o->endorsement_ppm + p->w_onchain * o->onchain_ppm) /
                REP_PPM;
  o->base_upt = o->base_ppm * 100;
  o->multiplier_ppm = REP_PPM;
  if (in->is_validator) o->multiplier_ppm += p->validator_multiplier_ppm * in->accuracy_ppm / REP_PPM;
  o->bonus_upt = min64(in->streak_days * p->streak_bonus_per_day_upt, p->streak_bonus_cap_upt);
  if (o->bonus_upt < 0) o->bonus_upt = 0;
  o->raw_upt = o->base_upt * o->multiplier_ppm / REP_PPM + o->bonus_upt;
  /* decay from the time since the last validation (in the domain, or any) */
  int dom = domain >= 0 ? domain : REP_TECHNICAL;
  int64_t half = p->decay_half_life_days[dom];
  if (domain < 0) { /* the whole person decays with the slowest domain they were validated in */
    half = 0;
    for (int d = 0; d < REP_DOMAINS; d++) {
      int seen = 0;
      for (int i = 0; i < in->noutcomes && !seen; i++) seen = (in->outcomes[i].domains >> d) & 1u;
      if (seen && p->decay_half_life_days[d] > half) half = p->decay_half_life_days[d];
    }
    if (!half) half = p->decay_half_life_days[REP_TECHNICAL];
  }
  if (o->last_validation) {
    o->idle_days_ms = in->as_of - o->last_validation;
    if (o->idle_days_ms < 0) o->idle_days_ms = 0;
    o->freshness_ppm = rep_fresh_ppm(o->idle_days_ms - p->decay_grace_days * REP_DAY_MS, half);
  } else {
    o->freshness_ppm = REP_PPM; /* nothing validated: nothing to decay from */
  }
  o->decay_ppm = REP_PPM - o->freshness_ppm;
  o->total_upt = min64(REP_MAX_UPT, o->raw_upt * o->freshness_ppm / REP_PPM);
  /* a domain in which nothing was ever validated has no score */
  if (domain >= 0 && !o->outcomes) o->total_upt = 0;
}

void rep_compute(const rep_params *p, const rep_inputs *in, rep_result *out) {
  compute_part(p, in, -1, &out->all);
  for (int d = 0; d < REP_DOMAINS; d++) compute_part(p, in, d, &out->domain[d]);
}
