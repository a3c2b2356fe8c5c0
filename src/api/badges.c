/* Badges (docs/badges.md): the catalogue of badge types, the caller's awards with their state on
 * chain, the EIP-712 voucher of an award, and the admin's creation, change and revocation. The
 * rules and the chain live in the game engine (src/game/badges.h); this file parses and renders. */
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "game/badges.h"
#include "core/banned.h"

static badges_engine *engine(http_req *r) {
  badges_engine *g = req_app(r)->badges;
  if (!g) http_error(r, PHEME_SYS_CONFIG, "badges are not set up in this process");
  return g;
}

static void type_fields(jw *w, const badge_type *t) {
  jw_key(w, "id");
  jw_int(w, t->id);
  jw_key(w, "slug");
  jw_str(w, t->slug);
  jw_key(w, "name");
  jw_str(w, t->name);
  jw_key(w, "description");
  jw_str(w, t->description);
  jw_key(w, "rarity");
  jw_str(w, t->rarity);
  jw_key(w, "soulbound");
  jw_bool(w, t->soulbound);
  jw_key(w, "maxSupply");
  jw_int(w, t->max_supply);
  jw_key(w, "supply");
  jw_int(w, t->supply);
  jw_key(w, "validity");
  jw_int(w, t->validity);
  jw_key(w, "assetCid");
  if (t->asset_cid && t->asset_cid[0]) jw_str(w, t->asset_cid);
  else jw_null(w);
  jw_key(w, "issuance");
  jw_str(w, t->issuance);
  jw_key(w, "rule");
  jw_raw(w, t->rule, "null");
  jw_key(w, "active");
  jw_bool(w, t->active);
  jw_key(w, "chainIntentId");
  if (t->chain_intent_id) jw_int(w, t->chain_intent_id);
  else jw_null(w);
  jw_key(w, "createdAt");
  jw_time(w, t->created_at);
}

static void type_write(jw *w, const badge_type *t) {
  jw_obj(w);
  type_fields(w, t);
  jw_end(w);
}

/* pending: not on chain yet; voucher: claimable; claimed / minted: on chain; revoked; expired */
static const char *award_status(const badge_award_rec *a, int64_t now_ms) {
  if (a->revoked_at) return "revoked";
  if (a->expires_at && a->expires_at <= now_ms) return "expired";
  if (a->claimed) return "claimed";
  if (a->mint_state) {
    if (strcmp(a->mint_state, "confirmed") == 0) return "minted";
    if (strcmp(a->mint_state, "failed") == 0) return "mint_failed";
    return "minting";
  }
  return strcmp(a->type.issuance, "voucher") == 0 ? "claimable" : "pending";
}

static void award_write(jw *w, const badge_award_rec *a) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, a->id);
  jw_key(w, "badge");
  type_write(w, &a->type);
  jw_key(w, "holder");
  api_address_write(w, a->address);
  jw_key(w, "awardedAt");
  jw_time(w, a->awarded_at);
  jw_key(w, "expiresAt");
  jw_time(w, a->expires_at);
  jw_key(w, "submissionId");
  if (a->submission_id) jw_int(w, a->submission_id);
  else jw_null(w);
  jw_key(w, "status");
  jw_str(w, award_status(a, time_now_ms()));
  jw_key(w, "mintState");
  if (a->mint_state) jw_str(w, a->mint_state);
  else jw_null(w);
  jw_key(w, "claimedBlock");
  if (a->claimed) jw_int(w, a->claimed_block);
  else jw_null(w);
  jw_key(w, "revokedAt");
  jw_time(w, a->revoked_at);
  jw_key(w, "revokeReason");
  if (a->revoked_at) jw_str(w, a->revoke_reason);
  else jw_null(w);
  jw_end(w);
}

/* GET /api/v1/badges: the active badge types; admins add ?all=1 for inactive ones too. */
void badges_list(http_req *r) {
  store_page p;
  if (api_page(r, &p)) return;
  const char *all = http_query(r, "all");
  int active_only = !(all && strcmp(all, "1") == 0 && (r->who.roles & ROLE_ADMIN));
  badge_type *list;
  int n;
  pheme_err e = store_badge_types_list(req_store(r), &r->arena, active_only, &p, &list, &n);
  if (e) { api_fail(r, e, "badge types"); return; }
  API_ANSWER_PAGE(r, list, n, &p, type_write, id);
}

void badges_get(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  badge_type t;
  pheme_err e = store_badge_type_get(req_store(r), &r->arena, id, &t);
  if (e) {
    http_error(r, e, e == PHEME_DATA_NOT_FOUND ? "no badge type %lld" : "badge type %lld", (long long)id);
    return;
  }
  API_ANSWER(r, 200, type_write, &t);
}

/* The body's fields into t (only those present when update is 1). */
static void type_from_body(const json_t *b, badge_type *t, arena *a) {
  const char *v;
  if ((v = json_str(b, "slug", NULL))) t->slug = arena_strdup(a, v);
  if ((v = json_str(b, "name", NULL))) t->name = arena_strdup(a, v);
  if ((v = json_str(b, "description", NULL))) t->description = arena_strdup(a, v);
  if ((v = json_str(b, "rarity", NULL))) t->rarity = arena_strdup(a, v);
  if ((v = json_str(b, "issuance", NULL))) t->issuance = arena_strdup(a, v);
  if ((v = json_str(b, "assetCid", NULL))) t->asset_cid = arena_strdup(a, v);
  json_t *x;
  if ((x = json_object_get(b, "soulbound"))) t->soulbound = json_is_true(x);
  if ((x = json_object_get(b, "active"))) t->active = json_is_true(x);
  if ((x = json_object_get(b, "maxSupply"))) t->max_supply = (int64_t)json_integer_value(x);
  if ((x = json_object_get(b, "validity"))) t->validity = (int64_t)json_integer_value(x);
}

/* rule: the object as compact text in the arena */
static const char *rule_text(http_req *r, const json_t *b) {
  json_t *x = json_object_get(b, "rule");
  if (!x) return NULL;
  char *s = json_dumps(x, JSON_COMPACT | JSON_SORT_KEYS);
  if (!s) return NULL;
  char *copy = arena_strdup(&r->arena, s);
  free(s);
  return copy;
}

void badges_admin_create(http_req *r) {
  badges_engine *g = engine(r);
  if (!g) return;
  json_t *b;
  if (api_body(r, "BadgeTypeCreate", &b)) return;
  badge_type t = {.description = "", .asset_cid = "", .issuance = "voucher", .soulbound = 1, .active = 1};
  type_from_body(b, &t, &r->arena);
  t.rule = rule_text(r, b);
  if (!t.rule) { http_error(r, PHEME_SYS_NOMEM, "out of memory"); return; }
  store_actor who = api_actor(r);
  char err[200];
  pheme_err e = badges_type_create(g, &r->arena, &who, &t, err, sizeof err);
  if (e == PHEME_DATA_INVALID) { http_error(r, e, "%s", err); return; }
  if (e == PHEME_DATA_CONFLICT) { http_error(r, e, "a badge type with slug '%s' exists", t.slug); return; }
  if (e) { api_fail(r, e, "badge type"); return; }
  API_ANSWER(r, 201, type_write, &t);
}

void badges_admin_update(http_req *r) {
  badges_engine *g = engine(r);
  if (!g) return;
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  json_t *b;
  if (api_body(r, "BadgeTypeUpdate", &b)) return;
  badge_type t;
  pheme_err e = store_badge_type_get(req_store(r), &r->arena, id, &t);
  if (e) {

    http_error(r, e, e == PHEME_DATA_NOT_FOUND ? "no badge type %lld" : "badge type %lld", (long long)id);
    return;
  }
  type_from_body(b, &t, &r->arena);
  const char *rule = rule_text(r, b);
  int has_rule = json_object_get(b, "rule") != NULL;
  if (has_rule && !rule) { http_error(r, PHEME_SYS_NOMEM, "out of memory"); return; }
  if (rule) t.rule = rule;
  store_actor who = api_actor(r);
  char err[200];
  e = badges_type_update(g, &r->arena, &who, &t, err, sizeof err);
  if (e == PHEME_DATA_INVALID) { http_error(r, e, "%s", err); return; }
  if (e) { api_fail(r, e, "badge type"); return; }
  API_ANSWER(r, 200, type_write, &t);
}

void me_badges(http_req *r) {
  badges_engine *g = engine(r);
  if (!g) return;
  store_page p;
  if (api_page(r, &p)) return;
  const issuance *iss = g->iss;
  int chain = iss && iss->chain_on;
  badge_award_rec *list;
  int n;
  pheme_err e = store_badge_awards_of(req_store(r), &r->arena, r->who.user_id, chain ? iss->chain_id : 0,
                                      chain && iss->has_issuer ? iss->issuer : NULL, &p, &list, &n);
  if (e) { api_fail(r, e, "badges"); return; }
  API_ANSWER_PAGE(r, list, n, &p, award_write, id);
}

void me_badge_voucher(http_req *r) {
  badges_engine *g = engine(r);
  if (!g) return;
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  json_t *v = NULL;
  pheme_err e = badges_voucher(g, &r->arena, r->who.user_id, id, time_now_ms() / 1000, &v);
  if (e == PHEME_DATA_NOT_FOUND || e == PHEME_AUTH_NOT_OWNER) {
    /* another person's award is as unknown to the caller as a missing one */
    http_error(r, PHEME_DATA_NOT_FOUND, "no badge award %lld of yours", (long long)id);
    return;
  }
  if (e == PHEME_DATA_STATE) {
    http_error(r, e, "badge award %lld has no voucher: it is revoked, expired, minted by the relayer, "
                     "or no chain and issuer key are configured", (long long)id);
    return;
  }
  if (e) { api_fail(r, e, "voucher"); return; }
  char *text = json_dumps(v, JSON_COMPACT);
  json_decref(v);
  if (!text) { http_error(r, PHEME_SYS_NOMEM, "out of memory"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_raw(&w, text, "null");
  free(text);
  api_send(r, 200, &b, &w);
}

void badges_admin_revoke(http_req *r) {
  badges_engine *g = engine(r);
  if (!g) return;
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  json_t *b;
  if (api_body(r, "BadgeRevoke", &b)) return;
  const char *reason = arena_strdup(&r->arena, json_str(b, "reason", ""));
  store_actor who = api_actor(r);
  pheme_err e = badges_revoke(g, &r->arena, &who, id, reason);
  if (e == PHEME_DATA_STATE) { http_error(r, e, "badge award %lld is already revoked", (long long)id); return; }
  if (e == PHEME_DATA_NOT_FOUND) { http_error(r, e, "no badge award %lld", (long long)id); return; }
  if (e) { api_fail(r, e, "badge award"); return; }
  const issuance *iss = g->iss;
  int chain = iss && iss->chain_on;
  badge_award_rec a;
  e = store_badge_award_get(req_store(r), &r->arena, id, chain ? iss->chain_id : 0,
                            chain && iss->has_issuer ? iss->issuer : NULL, &a);
  if (e) { api_fail(r, e, "badge award"); return; }
  buf out;
  jw w;
  api_begin(&out, &w);
  award_write(&w, &a);
  api_send(r, 200, &out, &w);
}
