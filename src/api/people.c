/* People: public profiles, the caller's own records, Skill Wallets, API keys, the audit log. */
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "eth/address.h"
#include "game/game.h"
#include "core/banned.h"

void users_list(http_req *r) {
  const char *role = http_query(r, "role");
  unsigned bit = role ? role_from_name(role) : 0;
  if (role && !bit) {
    http_error(r, PHEME_API_BAD_REQUEST, "role '%.20s' must be one of user|creator|validator|admin", role);
    return;
  }
  store_page p;
  if (api_page(r, &p)) return;
  user *list;
  int n;
  pheme_err e = store_users_list(req_store(r), &r->arena, bit, &p, &list, &n);
  if (e) { api_fail(r, e, "users"); return; }
  API_ANSWER_PAGE(r, list, n, &p, api_user_write, id);
}

void users_get(http_req *r) {
  uint8_t a[20];
  if (api_address_param(r, "address", a)) return;
  user u;
  pheme_err e = store_user_by_address(req_store(r), &r->arena, a, &u);
  if (e) { api_fail(r, e, "user"); return; }
  API_ANSWER(r, 200, api_user_write, &u);
}

void me_get(http_req *r) {
  user u;
  pheme_err e = store_user_get(req_store(r), &r->arena, r->who.user_id, &u);
  if (e) { api_fail(r, e, "user"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  api_user_fields(&w, &u);
  jw_key(&w, "authenticatedBy");
  jw_str(&w, r->who.kind);
  /* what this credential may do: an API key acts with its own role (an admin key of a person
   * whose profile holds only "user"), a session with the person's roles */
  jw_key(&w, "callerRoles");
  jw_arr(&w);
  unsigned top = 0;
  for (unsigned bit = 1; bit <= ROLE_ADMIN; bit <<= 1)
    if (r->who.roles & bit) {
      jw_str(&w, role_name(bit));
      top = bit;
    }
  jw_end(&w);
  jw_key(&w, "keyRole");
  if (strcmp(r->who.kind, "api_key") == 0 && top) jw_str(&w, role_name(top)); else jw_null(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

void me_update(http_req *r) {
  json_t *b;
  if (api_body(r, "ProfileUpdate", &b)) return;
  store_actor who = api_actor(r);
  user u;
  pheme_err e = store_user_update_profile(req_store(r), &r->arena, &who, r->who.user_id,
                                          json_str(b, "displayName", NULL), json_str(b, "bio", NULL), &u);
  if (e) { api_fail(r, e, "user"); return; }
  API_ANSWER(r, 200, api_user_write, &u);
}

void me_submissions(http_req *r) {
  store_page p;
  if (api_page(r, &p)) return;
  submission *list;
  int n;
  pheme_err e = store_submissions_list(req_store(r), &r->arena, r->who.user_id, 0, &p, &list, &n);
  if (e) { api_fail(r, e, "submissions"); return; }
  API_ANSWER_PAGE(r, list, n, &p, api_submission_write, id);
}

static void keys_page(http_req *r, int64_t user_id) {
  store_page p;
  if (api_page(r, &p)) return;
  api_key *list;
  int n;
  pheme_err e = store_keys_list(req_store(r), &r->arena, user_id, &p, &list, &n);
  if (e) { api_fail(r, e, "keys"); return; }
  API_ANSWER_PAGE(r, list, n, &p, api_key_write, id);
}

void me_keys(http_req *r) { keys_page(r, r->who.user_id); }
void keys_list(http_req *r) { keys_page(r, 0); }

void keys_revoke(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  api_key k;
  pheme_err e = store_key_get(req_store(r), &r->arena, id, &k);
  if (e) { api_fail(r, e, "API key"); return; }
  if (k.user_id != r->who.user_id && !(r->who.roles & ROLE_ADMIN)) {
    http_error(r, PHEME_AUTH_NOT_OWNER, "API key %lld belongs to someone else", (long long)id);
    return;
  }
  store_actor who = api_actor(r);
  e = store_key_revoke(req_store(r), &who, id);
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, PHEME_DATA_STATE, "API key %lld is already revoked", (long long)id);
    return;
  }
  if (e) { api_fail(r, e, "API key"); return; }
  http_no_content(r);
}

void wallets_get(http_req *r) {
  uint8_t a[20];
  if (api_address_param(r, "address", a)) return;
  wallet_view v;
  pheme_err e = store_wallet_view(req_store(r), &r->arena, a, &v);
  if (e == PHEME_DATA_NOT_FOUND) {
    char text[ADDRESS_TEXT];
    http_error(r, e, "no PHEME account holds %s", address_to_checksum(text, a));
    return;
  }
  if (e) { api_fail(r, e, "wallet"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "address");
  api_address_write(&w, a);
  jw_key(&w, "profile");
  api_user_write(&w, &v.profile);
  jw_key(&w, "xp");
  jw_int(&w, v.xp);
  jw_key(&w, "level");
  jw_str(&w, game_level_title(v.xp));
  /* the same total in the rewards engine's terms (src/game; docs/rewards.md) */
  jw_key(&w, "progress");
  jw_obj(&w);
  jw_key(&w, "xp");
  jw_int(&w, v.xp);
  jw_key(&w, "level");
  jw_str(&w, game_level_name(v.xp));
  jw_key(&w, "xpToNextLevel");
  jw_int(&w, game_xp_to_next(v.xp));
  jw_end(&w);
  jw_key(&w, "skills");
  jw_arr(&w);
  for (int i = 0; i < v.nskills; i++) {
    jw_obj(&w);
    jw_key(&w, "slug");
    jw_str(&w, v.skills[i].slug);
    jw_key(&w, "name");
    jw_str(&w, v.skills[i].name);
    jw_key(&w, "domain");
    jw_str(&w, v.skills[i].domain);
    jw_key(&w, "xp");
    jw_int(&w, v.skills[i].xp);
    jw_key(&w, "level");
    jw_int(&w, v.skills[i].level);
    jw_key(&w, "lastValidated");
    jw_time(&w, v.skills[i].last_validated);
    jw_end(&w);
  }
  jw_end(&w);
  jw_key(&w, "badges");
  jw_arr(&w);
  for (int i = 0; i < v.nbadges; i++) {
    jw_obj(&w);
    jw_key(&w, "id");
    jw_int(&w, v.badges[i].id);
    jw_key(&w, "slug");
    jw_str(&w, v.badges[i].slug);
    jw_key(&w, "name");
    jw_str(&w, v.badges[i].name);
    jw_key(&w, "rarity");
    jw_str(&w, v.badges[i].rarity);
    jw_key(&w, "soulbound");
    jw_bool(&w, v.badges[i].soulbound);
    jw_key(&w, "awardedAt");
    jw_time(&w, v.badges[i].awarded_at);
    jw_end(&w);
  }
  jw_end(&w);
  jw_key(&w, "guilds");
  jw_arr(&w);
  for (int i = 0; i < v.nguilds; i++) {
    jw_obj(&w);
    jw_key(&w, "slug");
    jw_str(&w, v.guilds[i].slug);
    jw_key(&w, "name");
    jw_str(&w, v.guilds[i].name);
    jw_key(&w, "type");
    jw_str(&w, v.guilds[i].type);
    jw_key(&w, "role");
    jw_str(&w, v.guilds[i].role);
    jw_end(&w);
  }
  jw_end(&w);
  /* the reputation engine's score (src/reputation; the on-chain part below shows the published one) */
  pheme_err re = api_reputation_wallet(r, &w, v.profile.id);
  if (re) {
    buf_release(&b);
    api_fail(r, re, "wallet");
    return;
  }
  /* what the indexer knows of this address on chain (null without a chain) */
  pheme_err oe = api_onchain_wallet(r, &w, a);
  if (oe) {
    buf_release(&b);
    api_fail(r, oe, "wallet");
    return;
  }
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

static void audit_write(jw *w, const audit_entry *e) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, e->id);
  jw_key(w, "at");
  jw_time(w, e->at);
  jw_key(w, "actorId");
  if (e->actor_id) jw_int(w, e->actor_id); else jw_null(w);
  jw_key(w, "requestId");
  jw_str(w, e->request_id);
  jw_key(w, "action");
  jw_str(w, e->action);
  jw_key(w, "subjectType");
  jw_str(w, e->subject_type);
  jw_key(w, "subjectId");
  jw_int(w, e->subject_id);
  jw_key(w, "detail");
  jw_raw(w, e->detail, "{}"); /* written by the store as JSON objects */
  jw_end(w);
}

void audit_list(http_req *r) {
  static const char *subjects[] = {"user", "task", "submission", "guild", "api_key"};
  const char *subject = http_query(r, "subject"), *id_text = http_query(r, "id");
  int known = 0;
  for (size_t i = 0; subject && i < ARRAY_SIZE(subjects); i++) known |= strcmp(subject, subjects[i]) == 0;
  long long id;
  if (!known || !id_text || parse_int(id_text, 1, INT64_MAX, &id)) {
    http_error(r, PHEME_API_BAD_REQUEST,
               "give ?subject=user|task|submission|guild|api_key and ?id=<positive integer>");
    return;
  }
  store_page p;
  if (api_page(r, &p)) return;
  audit_entry *list;
  int n;
  pheme_err e = store_audit_list(req_store(r), &r->arena, subject, id, &p, &list, &n);
  if (e) { api_fail(r, e, "audit log"); return; }
  API_ANSWER_PAGE(r, list, n, &p, audit_write, id);
}
