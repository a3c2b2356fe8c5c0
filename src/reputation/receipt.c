/* Receipts as JSON (receipt.h). Every number is an integer (JSON numbers up to 2^53 stay exact in
 * every reader); addresses are lower-case 0x hex. */
#include "reputation/receipt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "eth/keccak.h"
#include "core/banned.h"

#define SETI(o, k, v) json_object_set_new((o), (k), json_integer((json_int_t)(v)))

json_t *rep_receipt_params(const rep_params *p) {
  json_t *o = json_object();
  SETI(o, "wQuality", p->w_quality);
  SETI(o, "wConsistency", p->w_consistency);
  SETI(o, "wEndorsement", p->w_endorsement);
  SETI(o, "wOnchain", p->w_onchain);
  SETI(o, "qualityHalfLifeDays", p->quality_half_life_days);
  SETI(o, "qualityVolumePpm", p->quality_volume_ppm);
  SETI(o, "consistencyWeeks", p->consistency_weeks);
  SETI(o, "stakeFull", p->onchain_stake_full);
  SETI(o, "badgesFull", p->onchain_badges_full);
  SETI(o, "votesFull", p->onchain_votes_full);
  SETI(o, "wStake", p->w_stake);
  SETI(o, "wBadges", p->w_badges);
  SETI(o, "wVotes", p->w_votes);
  SETI(o, "validatorMultiplierPpm", p->validator_multiplier_ppm);
  SETI(o, "streakBonusPerDayUpt", p->streak_bonus_per_day_upt);
  SETI(o, "streakBonusCapUpt", p->streak_bonus_cap_upt);
  SETI(o, "decayGraceDays", p->decay_grace_days);
  json_t *h = json_object();
  for (int d = 0; d < REP_DOMAINS; d++) SETI(h, rep_domain_names[d], p->decay_half_life_days[d]);
  json_object_set_new(o, "decayHalfLifeDays", h);
  return o;
}

static json_t *domains_json(unsigned mask) {
  json_t *a = json_array();
  for (int d = 0; d < REP_DOMAINS; d++)
    if (mask & (1u << d)) json_array_append_new(a, json_string(rep_domain_names[d]));
  return a;
}

json_t *rep_receipt_inputs(const rep_inputs *in) {
  json_t *o = json_object(), *a = json_array();
  char hex[43];
  for (int i = 0; i < in->noutcomes; i++) {
    const rep_outcome *x = &in->outcomes[i];
    json_t *e = json_object();
    SETI(e, "submission", x->submission_id);
    SETI(e, "score", x->score);
    SETI(e, "at", x->at);
    json_object_set_new(e, "domains", domains_json(x->domains));
    json_array_append_new(a, e);
  }
  json_object_set_new(o, "outcomes", a);
  a = json_array();
  for (int i = 0; i < in->nweeks; i++) json_array_append_new(a, json_integer(in->active_weeks[i]));
  json_object_set_new(o, "activeWeeks", a);
  a = json_array();
  for (int i = 0; i < in->nendorsements; i++) {
    const rep_endorsement *x = &in->endorsements[i];
    json_t *e = json_object();
    address_format_hex(hex, x->from);
    json_object_set_new(e, "from", json_string(hex));
    json_object_set_new(e, "skill", json_string(x->skill ? x->skill : ""));
    json_object_set_new(e, "domain", x->domain >= 0 ? json_string(rep_domain_names[x->domain]) : json_null());
    SETI(e, "endorserTrustPpb", x->endorser_trust_ppb);
    json_array_append_new(a, e);
  }
  json_object_set_new(o, "endorsements", a);
  SETI(o, "trustPpb", in->trust_ppb);
  json_t *c = json_object();
  SETI(c, "stakeTokens", in->stake_tokens);
  SETI(c, "badges", in->badges);
  SETI(c, "votes", in->votes);
  json_object_set_new(o, "chain", c);
  json_t *v = json_object();
  json_object_set_new(v, "active", json_boolean(in->is_validator));
  SETI(v, "accuracyPpm", in->accuracy_ppm);
  json_object_set_new(o, "validator", v);
  SETI(o, "streakDays", in->streak_days);
  return o;
}

json_t *rep_receipt_parts(const rep_parts *x) {
  json_t *o = json_object();
  SETI(o, "outcomes", x->outcomes);
  SETI(o, "weightSumPpm", x->weight_sum_ppm);
  SETI(o, "weightedScoreSum", x->weighted_score_sum);
  SETI(o, "meanPpm", x->mean_ppm);
  SETI(o, "volumePpm", x->volume_ppm);
  SETI(o, "qualityPpm", x->quality_ppm);
  SETI(o, "activeWeeks", x->active_weeks);
  SETI(o, "consistencyPpm", x->consistency_ppm);
  SETI(o, "endorsementPpm", x->endorsement_ppm);
  SETI(o, "stakePpm", x->stake_ppm);
  SETI(o, "badgesPpm", x->badges_ppm);
  SETI(o, "votesPpm", x->votes_ppm);
  SETI(o, "onchainPpm", x->onchain_ppm);
  SETI(o, "basePpm", x->base_ppm);
  SETI(o, "baseUpt", x->base_upt);
  SETI(o, "multiplierPpm", x->multiplier_ppm);
  SETI(o, "bonusUpt", x->bonus_upt);
  SETI(o, "rawUpt", x->raw_upt);
  SETI(o, "lastValidation", x->last_validation);
  SETI(o, "idleMs", x->idle_days_ms);
  SETI(o, "freshnessPpm", x->freshness_ppm);
  SETI(o, "decayPpm", x->decay_ppm);
  SETI(o, "totalUpt", x->total_upt);
  return o;
}

json_t *rep_receipt_result(const rep_result *res) {
  json_t *o = json_object();
  json_object_set_new(o, "all", rep_receipt_parts(&res->all));
  for (int d = 0; d < REP_DOMAINS; d++) json_object_set_new(o, rep_domain_names[d], rep_receipt_parts(&res->domain[d]));
  return o;
}

static json_t *points(int64_t upt) {
  char s[32];
  snprintf(s, sizeof s, "%lld.%06lld", (long long)(upt / 1000000), (long long)(upt % 1000000));
  return json_string(s);
}

int rep_receipt_digest(const json_t *receipt, uint8_t out[32]) {
  json_t *d = json_object();
  const char *keys[] = {"formula", "asOf", "params", "inputs"};
  for (size_t i = 0; i < 4; i++) {
    json_t *v = json_object_get(receipt, keys[i]);
    json_object_set(d, keys[i], v ? v : json_null());
  }
  char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  if (!text) return -1;
  keccak_256(out, text, strlen(text));
  free(text);
  return 0;
}

json_t *rep_receipt_build(const rep_params *p, const rep_inputs *in, const rep_result *res, uint8_t digest[32]) {
  json_t *o = json_object();
  json_object_set_new(o, "formula", json_string(REP_FORMULA_VERSION));
  SETI(o, "asOf", in->as_of);
  json_object_set_new(o, "params", rep_receipt_params(p));
  json_object_set_new(o, "inputs", rep_receipt_inputs(in));
  json_object_set_new(o, "intermediates", rep_receipt_result(res));
  json_t *sc = json_object();
  SETI(sc, "totalUpt", res->all.total_upt);
  json_object_set_new(sc, "total", points(res->all.total_upt));
  for (int d = 0; d < REP_DOMAINS; d++) SETI(sc, rep_domain_names[d], res->domain[d].total_upt);
  json_object_set_new(o, "score", sc);
  uint8_t dg[32];
  if (rep_receipt_digest(o, dg)) {
    json_decref(o);
    return NULL;
  }
  char hex[67] = "0x";
  bytes_to_hex(hex + 2, dg, 32);
  json_object_set_new(o, "inputsDigest", json_string(hex));
  if (digest) memcpy(digest, dg, 32);
  return o;
}

/* ---- reading a receipt back ---- */

/* Limits of what a receipt may say (the configuration table's bounds for params; times within
 * ±2^46 ms of the epoch, about 2,200 years), so that no step of the formula can overflow. */
#define TIME_MAX (1LL << 46)
#define LIST_MAX 1000000

static pheme_err get_range(const json_t *o, const char *k, int64_t lo, int64_t hi, int64_t *out, char *why, size_t n) {
  json_t *v = json_object_get(o, k);
  if (!json_is_integer(v)) {
    return pheme_fail(PHEME_DATA_INVALID, why, n, "receipt field '%s' is not an integer", k);
  }
  *out = (int64_t)json_integer_value(v);
  if (*out < lo || *out > hi) {
    return pheme_fail(PHEME_DATA_INVALID, why, n, "receipt field '%s' is %lld, outside %lld..%lld", k, (long long)*out, (long long)lo, (long long)hi);
  }
  return 0;
}

static pheme_err get_int(const json_t *o, const char *k, int64_t *out, char *why, size_t n) {
  return get_range(o, k, -TIME_MAX, TIME_MAX, out, why, n);
}

int rep_receipt_read(const json_t *r, rep_params *p, rep_inputs *in, void *(*alloc)(void *ctx, size_t n), void *ctx,
                     char *why, size_t n) {
  memset(p, 0, sizeof *p);
  memset(in, 0, sizeof *in);
  const char *f = json_string_value(json_object_get(r, "formula"));
  if (!f || strcmp(f, REP_FORMULA_VERSION) != 0) {
    snprintf(why, n, "formula '%s' is not %s", f ? f : "(none)", REP_FORMULA_VERSION);
    return -1;
  }
  json_t *pp = json_object_get(r, "params"), *ii = json_object_get(r, "inputs");
  if (!json_is_object(pp) || !json_is_object(ii)) {
    snprintf(why, n, "receipt has no params or inputs object");
    return -1;
  }
  if (get_int(r, "asOf", &in->as_of, why, n)) return -1;
  struct { const char *k; int64_t *v, lo, hi; } pk[] = {
      {"wQuality", &p->w_quality, 0, REP_PPM}, {"wConsistency", &p->w_consistency, 0, REP_PPM},
      {"wEndorsement", &p->w_endorsement, 0, REP_PPM}, {"wOnchain", &p->w_onchain, 0, REP_PPM},
      {"qualityHalfLifeDays", &p->quality_half_life_days, 1, 10000},
      {"qualityVolumePpm", &p->quality_volume_ppm, 1, 1000000000}, {"consistencyWeeks", &p->consistency_weeks, 1, 520},
      {"stakeFull", &p->onchain_stake_full, 1, 1000000000000LL}, {"badgesFull", &p->onchain_badges_full, 1, 100000},
      {"votesFull", &p->onchain_votes_full, 1, 100000}, {"wStake", &p->w_stake, 0, REP_PPM},
      {"wBadges", &p->w_badges, 0, REP_PPM}, {"wVotes", &p->w_votes, 0, REP_PPM},
      {"validatorMultiplierPpm", &p->validator_multiplier_ppm, 0, REP_PPM},
      {"streakBonusPerDayUpt", &p->streak_bonus_per_day_upt, 0, REP_MAX_UPT},
      {"streakBonusCapUpt", &p->streak_bonus_cap_upt, 0, REP_MAX_UPT}, {"decayGraceDays", &p->decay_grace_days, 0, 10000}};
  for (size_t i = 0; i < sizeof pk / sizeof pk[0]; i++)
    if (get_range(pp, pk[i].k, pk[i].lo, pk[i].hi, pk[i].v, why, n)) return -1;
  json_t *h = json_object_get(pp, "decayHalfLifeDays");
  for (int d = 0; d < REP_DOMAINS; d++)
    if (get_range(h, rep_domain_names[d], 1, 10000, &p->decay_half_life_days[d], why, n)) return -1;
  if (rep_params_check(p, why, n)) return -1;
  json_t *a = json_object_get(ii, "outcomes");
  if (!json_is_array(a) || json_array_size(a) > LIST_MAX) {
    snprintf(why, n, "inputs.outcomes is not an array");
    return -1;
  }
  in->noutcomes = (int)json_array_size(a);
  in->outcomes = alloc(ctx, sizeof *in->outcomes * (in->noutcomes + 1));
  if (!in->outcomes) {
    snprintf(why, n, "receipt too large");
    return -1;
  }
  for (int i = 0; i < in->noutcomes; i++) {
    json_t *e = json_array_get(a, (size_t)i);
    rep_outcome *x = &in->outcomes[i];
    int64_t sc;
    memset(x, 0, sizeof *x);
    if (get_range(e, "submission", 0, INT64_MAX, &x->submission_id, why, n) || get_int(e, "score", &sc, why, n) ||
        get_int(e, "at", &x->at, why, n))
      return -1;
    if (sc < 0 || sc > 100) {
      snprintf(why, n, "outcome score %lld is outside 0..100", (long long)sc);
      return -1;
    }
    x->score = (int)sc;
    json_t *ds = json_object_get(e, "domains"), *dv;
    size_t k;
    json_array_foreach(ds, k, dv) {
      int d = rep_domain_index(json_string_value(dv));
      if (d < 0) {
        snprintf(why, n, "unknown domain in an outcome");
        return -1;
      }
      x->domains |= 1u << d;
    }
  }
  a = json_object_get(ii, "activeWeeks");
  if (!json_is_array(a) || json_array_size(a) > LIST_MAX) {
    snprintf(why, n, "inputs.activeWeeks is not an array");
    return -1;
  }
  in->nweeks = (int)json_array_size(a);
  in->active_weeks = alloc(ctx, sizeof *in->active_weeks * (in->nweeks + 1));
  if (!in->active_weeks) {
    snprintf(why, n, "receipt too large");
    return -1;
  }
  for (int i = 0; i < in->nweeks; i++) {
    json_t *v = json_array_get(a, (size_t)i);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > TIME_MAX) {
      snprintf(why, n, "inputs.activeWeeks holds something other than a week number");
      return -1;
    }
    in->active_weeks[i] = (int64_t)json_integer_value(v);
  }
  a = json_object_get(ii, "endorsements");
  if (!json_is_array(a) || json_array_size(a) > LIST_MAX) {
    snprintf(why, n, "inputs.endorsements is not an array");
    return -1;
  }
  in->nendorsements = (int)json_array_size(a);
  in->endorsements = alloc(ctx, sizeof *in->endorsements * (in->nendorsements + 1));
  if (!in->endorsements) {
    snprintf(why, n, "receipt too large");
    return -1;
  }
  for (int i = 0; i < in->nendorsements; i++) {
    json_t *e = json_array_get(a, (size_t)i);
    rep_endorsement *x = &in->endorsements[i];
    memset(x, 0, sizeof *x);
    const char *from = json_string_value(json_object_get(e, "from"));
    if (!from || address_parse_hex(x->from, from)) {
      snprintf(why, n, "an endorsement's 'from' is not an address");
      return -1;
    }
    x->skill = json_string_value(json_object_get(e, "skill"));
    json_t *dv = json_object_get(e, "domain");
    x->domain = json_is_null(dv) ? -1 : rep_domain_index(json_string_value(dv));
    if (!json_is_null(dv) && x->domain < 0) {
      snprintf(why, n, "unknown domain in an endorsement");
      return -1;
    }
    if (get_range(e, "endorserTrustPpb", 0, 1000000000, &x->endorser_trust_ppb, why, n)) return -1;
  }
  json_t *c = json_object_get(ii, "chain"), *v = json_object_get(ii, "validator");
  if (get_range(ii, "trustPpb", 0, 1000000000, &in->trust_ppb, why, n) ||
      get_range(c, "stakeTokens", 0, 1000000000000000LL, &in->stake_tokens, why, n) ||
      get_range(c, "badges", 0, 1000000000, &in->badges, why, n) || get_range(c, "votes", 0, 1000000000, &in->votes, why, n) ||
      get_range(v, "accuracyPpm", 0, REP_PPM, &in->accuracy_ppm, why, n) ||
      get_range(ii, "streakDays", 0, 100000, &in->streak_days, why, n))
    return -1;
  in->is_validator = json_is_true(json_object_get(v, "active"));
  return 0;
}
