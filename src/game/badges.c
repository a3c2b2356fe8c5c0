/* Badge rules, their evaluation, awards, vouchers, revocation and the Skill Wallet sync; see
 * badges.h and docs/badges.md. */
#include "game/badges.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "core/banned.h"

/* ---- rules ---- */

static const char *const kind_names[] = {"xp", "approved", "streak", "first", "quest", "guild", "season_rank"};

const char *badge_rule_kind_name(badge_rule_kind k) {
  return (unsigned)k < sizeof kind_names / sizeof *kind_names ? kind_names[k] : "?";
}

static int slug_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > BADGE_SLUG_MAX) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      return 0;
  }
  return 1;
}

/* The keys a kind may have besides "kind": one letter per key, upper case when required. */
typedef struct {
  const char *key;
  int required; /* 1 required; 0 optional; 2 one of the keys marked 2 is required (and only one) */
} rule_key;

typedef struct {
  badge_rule_kind kind;
  rule_key keys[3];
} rule_shape;

static const rule_shape shapes[] = {
    {BADGE_RULE_XP, {{"min", 1}, {"skill", 0}, {NULL, 0}}},
    {BADGE_RULE_APPROVED, {{"min", 1}, {"skill", 0}, {NULL, 0}}},
    {BADGE_RULE_STREAK, {{"min", 1}, {NULL, 0}, {NULL, 0}}},
    {BADGE_RULE_FIRST, {{"skill", 2}, {"task", 2}, {NULL, 0}}},
    {BADGE_RULE_QUEST, {{"quest", 2}, {"min", 2}, {NULL, 0}}},
    {BADGE_RULE_GUILD, {{"achievement", 1}, {NULL, 0}, {NULL, 0}}},
    {BADGE_RULE_SEASON_RANK, {{"max_rank", 1}, {"season", 0}, {NULL, 0}}},
};

static pheme_err rule_from_json(badge_rule *r, const json_t *o, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  if (!json_is_object(o)) {
    snprintf(err, errlen, "a badge rule must be a JSON object");
    return PHEME_DATA_INVALID;
  }
  const char *kind = json_string_value(json_object_get(o, "kind"));
  if (!kind) {
    snprintf(err, errlen, "a badge rule needs \"kind\" (xp, approved, streak, first, quest, guild, season_rank)");
    return PHEME_DATA_INVALID;
  }
  const rule_shape *sh = NULL;
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
    if (strcmp(kind_names[shapes[i].kind], kind) == 0) sh = &shapes[i];
  if (!sh) {
    snprintf(err, errlen, "unknown badge rule kind '%.40s'", kind);
    return PHEME_DATA_INVALID;
  }
  r->kind = sh->kind;
  const char *key;
  json_t *v;
  int alternatives = 0, has_alt = 0;
  json_object_foreach((json_t *)o, key, v) {
    if (strcmp(key, "kind") == 0) continue;
    const rule_key *k = NULL;
    for (int i = 0; i < 3 && sh->keys[i].key; i++)
      if (strcmp(sh->keys[i].key, key) == 0) k = &sh->keys[i];
    if (!k) {
      snprintf(err, errlen, "a '%s' badge rule has no key '%.40s'", kind, key);
      return PHEME_DATA_INVALID;
    }
    if (k->required == 2) alternatives++;
    if (strcmp(key, "skill") == 0 || strcmp(key, "quest") == 0 || strcmp(key, "achievement") == 0) {
      const char *sv = json_string_value(v);
      if (!sv || !slug_ok(sv)) {
        snprintf(err, errlen, "badge rule key '%s' must be a slug (1 to %d of a-z 0-9 - _ .)", key, BADGE_SLUG_MAX);
        return PHEME_DATA_INVALID;
      }
      snprintf(r->slug, sizeof r->slug, "%s", sv);
      continue;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > BADGE_RULE_NUM_MAX) {
      snprintf(err, errlen, "badge rule key '%s' must be an integer from 1 to %lld", key, BADGE_RULE_NUM_MAX);
      return PHEME_DATA_INVALID;
    }
    int64_t n = (int64_t)json_integer_value(v);
    if (strcmp(key, "min") == 0) r->min = n;
    else if (strcmp(key, "task") == 0) r->task_id = n;
    else if (strcmp(key, "season") == 0) r->season_id = n;
    else if (strcmp(key, "max_rank") == 0) r->max_rank = n;
  }
  for (int i = 0; i < 3 && sh->keys[i].key; i++) {
    if (sh->keys[i].required == 2) has_alt = 1;
    if (sh->keys[i].required == 1 && !json_object_get(o, sh->keys[i].key)) {
      snprintf(err, errlen, "a '%s' badge rule needs '%s'", kind, sh->keys[i].key);
      return PHEME_DATA_INVALID;
    }
  }
  if (has_alt && alternatives != 1) {
    snprintf(err, errlen, "a '%s' badge rule needs exactly one of '%s' and '%s'", kind, sh->keys[0].key,
             sh->keys[1].key);
    return PHEME_DATA_INVALID;
  }
  return PHEME_OK;
}

pheme_err badge_rule_parse(badge_rule *r, const char *text, size_t n, char *err, size_t errlen) {
  if (n > BADGE_RULE_MAX) {
    snprintf(err, errlen, "a badge rule is at most %d bytes", BADGE_RULE_MAX);
    return PHEME_DATA_INVALID;
  }
  json_t *o = NULL;
  char msg[200];
  pheme_err e = json_parse_body(text, n, &o, msg, sizeof msg);
  if (e == PHEME_SYS_NOMEM) return e;
  if (e) {
    snprintf(err, errlen, "badge rule: %s", msg);
    return PHEME_DATA_INVALID;
  }
  e = rule_from_json(r, o, err, errlen);
  json_decref(o);
  return e;
}

char *badge_rule_format(arena *a, const badge_rule *r) {
  const char *k = badge_rule_kind_name(r->kind);
  switch (r->kind) {
  case BADGE_RULE_XP:
  case BADGE_RULE_APPROVED:
    if (r->slug[0]) return arena_printf(a, "{\"kind\":\"%s\",\"min\":%lld,\"skill\":\"%s\"}", k, (long long)r->min, r->slug);
    return arena_printf(a, "{\"kind\":\"%s\",\"min\":%lld}", k, (long long)r->min);
  case BADGE_RULE_STREAK:
    return arena_printf(a, "{\"kind\":\"%s\",\"min\":%lld}", k, (long long)r->min);
  case BADGE_RULE_FIRST:
    if (r->task_id) return arena_printf(a, "{\"kind\":\"%s\",\"task\":%lld}", k, (long long)r->task_id);
    return arena_printf(a, "{\"kind\":\"%s\",\"skill\":\"%s\"}", k, r->slug);
  case BADGE_RULE_QUEST:
    if (r->slug[0]) return arena_printf(a, "{\"kind\":\"%s\",\"quest\":\"%s\"}", k, r->slug);
    return arena_printf(a, "{\"kind\":\"%s\",\"min\":%lld}", k, (long long)r->min);
  case BADGE_RULE_GUILD:
    return arena_printf(a, "{\"kind\":\"%s\",\"achievement\":\"%s\"}", k, r->slug);
  case BADGE_RULE_SEASON_RANK:
    if (r->season_id)
      return arena_printf(a, "{\"kind\":\"%s\",\"max_rank\":%lld,\"season\":%lld}", k, (long long)r->max_rank,
                          (long long)r->season_id);
    return arena_printf(a, "{\"kind\":\"%s\",\"max_rank\":%lld}", k, (long long)r->max_rank);
  }
  return NULL;
}

static const badge_fact_skill *fact_skill(const badge_facts *f, const char *slug) {
  for (int i = 0; i < f->nskills; i++)
    if (f->skills[i].slug && strcmp(f->skills[i].slug, slug) == 0) return &f->skills[i];
  return NULL;
}

static int has_string(const char *const *list, int n, const char *s) {
  for (int i = 0; i < n; i++)
    if (list[i] && strcmp(list[i], s) == 0) return 1;
  return 0;
}

int badge_rule_eval(const badge_rule *r, const badge_facts *f) {
  const badge_fact_skill *k;
  switch (r->kind) {
  case BADGE_RULE_XP:
    if (!r->slug[0]) return f->total_xp >= r->min;
    return (k = fact_skill(f, r->slug)) != NULL && k->xp >= r->min;
  case BADGE_RULE_APPROVED:
    if (!r->slug[0]) return f->approved >= r->min;
    return (k = fact_skill(f, r->slug)) != NULL && k->approved >= r->min;
  case BADGE_RULE_STREAK:
    return f->streak >= r->min || f->best_streak >= r->min;
  case BADGE_RULE_FIRST:
    if (r->task_id) {
      for (int i = 0; i < f->nfirst_tasks; i++)
        if (f->first_tasks[i] == r->task_id) return 1;
      return 0;
    }
    return (k = fact_skill(f, r->slug)) != NULL && k->first;
  case BADGE_RULE_QUEST:
    if (r->slug[0]) return has_string(f->quests, f->nquests, r->slug);
    return f->nquests >= r->min;
  case BADGE_RULE_GUILD:
    return has_string(f->guild_achievements, f->nguild_achievements, r->slug);
  case BADGE_RULE_SEASON_RANK:
    for (int i = 0; i < f->nseason_ranks; i++) {
      const badge_fact_rank *x = &f->season_ranks[i];
      if (r->season_id && x->season_id != r->season_id) continue;
      if (x->rank >= 1 && x->rank <= r->max_rank) return 1;
    }
    return 0;
  }
  return 0;
}

/* ---- facts ---- */

static badge_facts_hook_fn facts_hook;
static void *facts_hook_ctx;

void badge_facts_hook_set(badge_facts_hook_fn fn, void *ctx) {
  facts_hook = fn;
  facts_hook_ctx = ctx;
}

pheme_err badge_facts_load(store *s, arena *a, int64_t user_id, badge_facts *f) {
  pheme_err e = store_badge_facts(s, a, user_id, f);
  if (!e && facts_hook) e = facts_hook(facts_hook_ctx, s, a, user_id, f);
  return e;
}

/* ---- awards ---- */

pheme_err badges_evaluate(const badges_engine *g, arena *a, int64_t user_id, int64_t submission_id,
                          int *awarded) {
  if (awarded) *awarded = 0;
  badge_type *types = NULL;
  int n = 0;
  pheme_err e = store_badge_types_unearned(g->s, a, user_id, &types, &n);
  if (e || n == 0) return e;
  badge_facts f;
  if ((e = badge_facts_load(g->s, a, user_id, &f))) return e;
  store_actor sys = {0, ""};
  for (int i = 0; i < n; i++) {
    const badge_type *t = &types[i];
    badge_rule r;
    char err[200];
    if (badge_rule_parse(&r, t->rule, strlen(t->rule), err, sizeof err)) {
      log_warn("badge type %lld ('%s') is skipped: %s", (long long)t->id, t->slug, err);
      continue;
    }
    if (!badge_rule_eval(&r, &f)) continue;
    char nonce[40];
    if ((e = issuance_nonce(nonce))) return e;
    badge_award_request rq = {.user_id = user_id, .badge_id = t->id, .submission_id = submission_id,
                              .nonce = nonce, .detail = badge_rule_format(a, &r)};
    outbox_request mint;
    badge_award_rec w;
    if (g->iss && g->iss->chain_on && strcmp(t->issuance, "mint") == 0) {
      uint8_t to[20];
      chain_wallet_state st;
      /* the recipient is the person's primary address */
      if ((e = store_chain_wallet_state(g->s, a, g->iss->chain_id, user_id, &st))) return e;
      memcpy(to, st.address, 20);
      if ((e = issuance_mint_request(g->iss, a, to, t->id, user_id, &mint))) return e;
      rq.mint = &mint;
    }
    e = store_badge_award(g->s, a, &sys, &rq, &w);
    if (e == PHEME_DATA_CONFLICT || e == PHEME_DATA_STATE) { /* already had it; sold out; inactive */
      e = PHEME_OK;
      continue;
    }
    if (e) return e;
    if (awarded) (*awarded)++;
    log_info("badge '%s' awarded to user %lld (award %lld)", t->slug, (long long)user_id, (long long)w.id);
  }
  return PHEME_OK;
}

static pheme_err type_check(const badge_type *t, char *err, size_t errlen) {
  badge_rule r;
  if (!t->slug || !slug_ok(t->slug)) {
    snprintf(err, errlen, "field 'slug' must be 1 to %d of a-z 0-9 - _ .", BADGE_SLUG_MAX);
    return PHEME_DATA_INVALID;
  }
  if (!t->rarity || (strcmp(t->rarity, "COMMON") && strcmp(t->rarity, "RARE") && strcmp(t->rarity, "EPIC") &&
                     strcmp(t->rarity, "LEGENDARY"))) {
    snprintf(err, errlen, "field 'rarity' must be COMMON, RARE, EPIC or LEGENDARY");
    return PHEME_DATA_INVALID;
  }
  if (!t->issuance || (strcmp(t->issuance, "voucher") && strcmp(t->issuance, "mint"))) {
    snprintf(err, errlen, "field 'issuance' must be voucher or mint");
    return PHEME_DATA_INVALID;
  }
  if (t->validity < 0 || t->max_supply < 0 || t->validity > (int64_t)UINT32_MAX * 100) {
    snprintf(err, errlen, "fields 'validity' and 'maxSupply' must not be negative");
    return PHEME_DATA_INVALID;
  }
  if (t->validity && !t->soulbound) {
    snprintf(err, errlen, "an expiring badge type must be soulbound (validity %lld)", (long long)t->validity);
    return PHEME_DATA_INVALID;
  }
  for (const char *p = t->asset_cid ? t->asset_cid : ""; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) {
      snprintf(err, errlen, "field 'assetCid' must be a CID (letters and digits)");
      return PHEME_DATA_INVALID;
    }
  const char *rule = t->rule ? t->rule : "";
  return badge_rule_parse(&r, rule, strlen(rule), err, errlen);
}

static pheme_err type_intent(void *ctx, arena *a, const badge_type *t, outbox_request *out) {
  return issuance_type_request((const issuance *)ctx, a, t, out);
}

pheme_err badges_type_create(const badges_engine *g, arena *a, const store_actor *who, badge_type *t,
                             char *err, size_t errlen) {
  pheme_err e = type_check(t, err, errlen);
  if (e) return e;
  int chain = g->iss && g->iss->chain_on;
  return store_badge_type_create(g->s, a, who, t, chain ? type_intent : NULL, (void *)g->iss);
}

pheme_err badges_type_update(const badges_engine *g, arena *a, const store_actor *who, badge_type *t,
                             char *err, size_t errlen) {
  pheme_err e = type_check(t, err, errlen);
  if (e) return e;
  /* a new asset goes on chain too once the type is there (or on its way) */
  badge_type before;
  if ((e = store_badge_type_get(g->s, a, t->id, &before))) return e;
  outbox_request uri;
  int send = g->iss && g->iss->chain_on && before.chain_intent_id &&
             strcmp(before.asset_cid, t->asset_cid ? t->asset_cid : "") != 0;
  if (send && (e = issuance_uri_request(g->iss, a, t, &uri))) return e;
  return store_badge_type_update(g->s, a, who, t, send ? &uri : NULL);
}

pheme_err badges_revoke(const badges_engine *g, arena *a, const store_actor *who, int64_t award_id,
                        const char *reason) {
  int chain = g->iss && g->iss->chain_on;
  badge_award_rec w;
  pheme_err e = store_badge_award_get(g->s, a, award_id, chain ? g->iss->chain_id : 0,
                                      chain && g->iss->has_issuer ? g->iss->issuer : NULL, &w);
  if (e) return e;
  if (w.revoked_at) return PHEME_DATA_STATE;
  outbox_request rq;
  /* on chain only where the badge is (or is on its way): a mint intent, or a redeemed voucher */
  int on_chain = chain && ((w.mint_intent_id && (!w.mint_state || strcmp(w.mint_state, "failed") != 0)) || w.claimed);
  if (on_chain && (e = issuance_revoke_request(g->iss, a, &w, reason, &rq))) return e;
  return store_badge_revoke(g->s, who, award_id, reason, on_chain ? &rq : NULL);
}

pheme_err badges_reconcile(const badges_engine *g, arena *a, int *sent) {
  if (sent) *sent = 0;
  if (!g->iss || !g->iss->chain_on || !g->iss->has_issuer) return PHEME_OK;
  badge_type *types;
  int nt;
  pheme_err e = store_badge_types_unsent(g->s, a, 100, &types, &nt);
  for (int i = 0; !e && i < nt; i++) {
    outbox_request rq;
    e = issuance_type_request(g->iss, a, &types[i], &rq);
    if (!e) e = store_badge_type_intent(g->s, types[i].id, &rq);
    if (!e && sent) (*sent)++;
  }
  badge_award_rec *list;
  int n;
  if (!e) e = store_badge_awards_unminted(g->s, a, 100, &list, &n);
  for (int i = 0; !e && i < n; i++) {
    outbox_request rq;
    e = issuance_mint_request(g->iss, a, list[i].address, list[i].badge_id, list[i].user_id, &rq);
    if (!e) e = store_badge_mint_intent(g->s, list[i].id, &rq);
    if (!e && sent) (*sent)++;
  }
  if (!e) e = store_badge_revoked_unsent(g->s, a, g->iss->chain_id, g->iss->issuer, 100, &list, &n);
  for (int i = 0; !e && i < n; i++) {
    if (!list[i].claimed) continue; /* not (yet) on chain */
    outbox_request rq;
    e = issuance_revoke_request(g->iss, a, &list[i], list[i].revoke_reason, &rq);
    if (!e) e = store_badge_revoke_intent(g->s, list[i].id, &rq);
    if (!e && sent) (*sent)++;
    if (!e) log_info("badge award %lld was claimed after its revocation: revoking it on chain", (long long)list[i].id);
  }
  return e;
}

pheme_err badges_voucher(const badges_engine *g, arena *a, int64_t user_id, int64_t award_id,
                         int64_t now_s, json_t **out) {
  badge_award_rec w;
  pheme_err e = store_badge_award_get(g->s, a, award_id, 0, NULL, &w);
  if (e) return e;
  if (w.user_id != user_id) return PHEME_AUTH_NOT_OWNER;
  if (!g->iss || !g->iss->chain_on || !g->iss->has_issuer || w.revoked_at ||
      strcmp(w.type.issuance, "voucher") != 0 || !w.nonce[0])
    return PHEME_DATA_STATE;
  int64_t deadline = now_s + g->iss->voucher_ttl_s;
  if (w.expires_at) {
    if (w.expires_at / 1000 <= now_s) return PHEME_DATA_STATE;
    if (w.expires_at / 1000 < deadline) deadline = w.expires_at / 1000;
  }
  if ((e = issuance_voucher(g->iss, w.address, w.badge_id, w.nonce, deadline, out))) return e;
  if (json_object_set_new(*out, "awardId", json_integer(w.id))) {
    json_decref(*out);
    return PHEME_SYS_NOMEM;
  }
  e = store_badge_voucher_issued(g->s, award_id);
  if (e) json_decref(*out);
  return e;
}

/* ---- the Skill Wallet ---- */

pheme_err badges_chain_progress(const badges_engine *g, arena *a, int64_t user_id, int *waiting) {
  *waiting = 0;
  if (!g->iss || !g->iss->chain_on) return PHEME_OK;
  const issuance *iss = g->iss;
  chain_wallet_state st;
  pheme_err e = store_chain_wallet_state(g->s, a, iss->chain_id, user_id, &st);
  if (e) return e;
  if (st.nskills == 0 && st.xp <= 0) return PHEME_OK; /* nothing approved yet: no wallet */
  chain_wallet_step step = {.chain_id = iss->chain_id, .user_id = user_id, .address = st.address};
  outbox_request mint, progress;
  int todo = 0;
  if (!st.has_wallet_row) {
    if (st.token_id) {
      step.wallet_found = 1;
    } else {
      if ((e = issuance_wallet_request(iss, a, st.address, &mint))) return e;
      step.mint = &mint;
    }
    todo = 1;
  }
  outbox_request *define = arena_zalloc(a, sizeof *define * (size_t)(st.nskills + 1));
  int64_t *define_ids = arena_zalloc(a, sizeof *define_ids * (size_t)(st.nskills + 1));
  chain_skill_state *changed = arena_zalloc(a, sizeof *changed * (size_t)(st.nskills + 1));
  if (!define || !define_ids || !changed) return PHEME_SYS_NOMEM;
  int nchanged = 0;
  for (int i = 0; i < st.nskills; i++) {
    const chain_skill_state *k = &st.skills[i];
    if (!k->defined) {
      if ((e = issuance_define_request(iss, a, k->skill_id, k->slug, &define[step.ndefine]))) return e;
      define_ids[step.ndefine++] = k->skill_id;
      todo = 1;
    }
    if ((!k->sent || k->sent_xp != k->xp || k->sent_level != k->level) && nchanged < ISSUANCE_PROGRESS_MAX)
      changed[nchanged++] = *k;
  }
  step.define = define;
  step.define_ids = define_ids;
  if (nchanged) {
    if (st.token_id) {
      if ((e = issuance_progress_request(iss, a, user_id, st.token_id, changed, nchanged, &progress))) return e;
      step.progress = &progress;
      step.progress_skills = changed;
      step.nprogress = nchanged;
      todo = 1;
    } else {
      *waiting = 1; /* the wallet is not indexed yet: progress waits for its token id */
    }
  }
  return todo ? store_chain_wallet_step(g->s, &step) : PHEME_OK;
}

void badges_metrics_collect(metrics_writer *w, void *store_) {
  arena a;
  arena_init(&a, 0);
  badge_stats st;
  pheme_err e = store_badge_stats(store_, &a, &st);
  static const char *const rarities[] = {"COMMON", "RARE", "EPIC", "LEGENDARY"};
  mw_family(w, "pheme_badge_awards", METRIC_GAUGE, "Badge awards by rarity, held or revoked.");
  for (int k = 0; !e && k < 4; k++) {
    mw_i64(w, (const char *[]){"rarity", rarities[k], "state", "held", NULL}, st.held[k]);
    mw_i64(w, (const char *[]){"rarity", rarities[k], "state", "revoked", NULL}, st.revoked[k]);
  }
  arena_release(&a);
}

/* ---- jobs ---- */

/* One job evaluates the badges of every award of a group commit (jobs_payload_people): each
 * award in order, as its own job did before. A retry runs them all again; evaluation awards a
 * badge once, and the Skill Wallet's progress job has an idempotency key per job and person.
 * An award whose person or submission is gone does not stop the others: the job fails for good
 * once they are done. */
static pheme_err job_evaluate(jobs_run *run, void *ctx) {
  badges_engine *g = ctx;
  int64_t *users, *subs;
  int n;
  pheme_err e = jobs_payload_people(run, &users, &subs, &n), gone = PHEME_OK;
  for (int i = 0; !e && i < n; i++) {
    int awarded = 0, again = 0;
    for (int j = 0; j < i && !again; j++) again = users[j] == users[i];
    e = badges_evaluate(g, run->a, users[i], subs[i], &awarded);
    if (e == PHEME_DATA_NOT_FOUND) { /* no such person or submission: retrying cannot help */
      snprintf(run->error, sizeof run->error, "badge evaluation of user %lld failed: %s", (long long)users[i],
               pheme_err_message(e));
      gone = e;
      e = PHEME_OK;
      continue;
    }
    if (e) {
      snprintf(run->error, sizeof run->error, "badge evaluation of user %lld failed: %s", (long long)users[i],
               pheme_err_message(e));
      return e;
    }
    if (g->iss && g->iss->chain_on && !again) {
      char payload[64], key[128];
      snprintf(payload, sizeof payload, "{\"user_id\":%lld}", (long long)users[i]);
      /* one person's key as before; a group's names the person too */
      if (n == 1) snprintf(key, sizeof key, "game.chain_progress:job:%lld", (long long)run->claim->id);
      else snprintf(key, sizeof key, "game.chain_progress:job:%lld:%lld", (long long)run->claim->id, (long long)users[i]);
      int64_t id;
      e = jobs_submit(g->s, BADGES_JOB_PROGRESS, payload, key, &id);
      if (e) snprintf(run->error, sizeof run->error, "could not enqueue the Skill Wallet progress of user %lld",
                      (long long)users[i]);
    }
  }
  if (!e && gone) {
    run->permanent = 1;
    e = gone;
  }
  return e;
}

static pheme_err job_progress(jobs_run *run, void *ctx) {
  badges_engine *g = ctx;
  int64_t *users, *unused, user_id;
  int n;
  pheme_err e = jobs_payload_people(run, &users, &unused, &n);
  if (e) return e;
  user_id = users[0];
  int waiting = 0;
  e = badges_chain_progress(g, run->a, user_id, &waiting);
  if (e) {
    snprintf(run->error, sizeof run->error, "Skill Wallet progress of user %lld failed: %s", (long long)user_id,
             pheme_err_message(e));
    return e;
  }
  if (waiting) {
    snprintf(run->error, sizeof run->error,
             "waiting for the Skill Wallet of user %lld to be minted and indexed", (long long)user_id);
    return PHEME_CHAIN_UNAVAILABLE;
  }
  return PHEME_OK;
}

static pheme_err job_reconcile(jobs_run *run, void *ctx) {
  int sent = 0;
  pheme_err e = badges_reconcile(ctx, run->a, &sent);
  if (e) snprintf(run->error, sizeof run->error, "badge revocations on chain failed: %s", pheme_err_message(e));
  return e;
}

int game_badges_register_jobs(badges_engine *g) {
  jobs_kind evaluate = {.kind = BADGES_JOB_EVALUATE, .fn = job_evaluate, .ctx = g, .max_attempts = 10,
                        .timeout_ms = 60000};
  /* the wallet's mint must be mined and indexed before progress can name its token: retried for
   * up to about half an hour */
  jobs_kind progress = {.kind = BADGES_JOB_PROGRESS, .fn = job_progress, .ctx = g, .max_attempts = 40,
                        .timeout_ms = 60000, .backoff_base_ms = 1000, .backoff_cap_ms = 60000};
  jobs_kind reconcile = {.kind = BADGES_JOB_RECONCILE, .fn = job_reconcile, .ctx = g, .max_attempts = 3,
                         .timeout_ms = 60000};
  if (jobs_register(&evaluate) || jobs_register(&progress) || jobs_register(&reconcile)) return -1;
  if (g->iss && g->iss->chain_on && jobs_schedule(BADGES_JOB_RECONCILE, "{}", BADGES_RECONCILE_MS)) return -1;
  return 0;
}
