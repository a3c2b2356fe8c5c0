/* People: public profiles, the caller's own records, Skill Wallets, API keys, the audit log. */
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "eth/address.h"
#include "core/banned.h"

void users_list(http_req *r) {
  store_page p;
  if (api_page(r, &p)) return;
  user *list;
  int n;
  pheme_err e = store_users_list(req_store(r), &r->arena, &p, &list, &n);
  if (e) { api_fail(r, e, "users"); return; }
  json_t *items = json_array();
  int shown = n < p.limit ? n : p.limit - 1;
  for (int i = 0; i < shown; i++) json_array_append_new(items, api_user_json(&list[i]));
  http_json(r, 200, api_page_json(items, n, &p, shown ? list[shown - 1].id : 0));
}

void users_get(http_req *r) {
  uint8_t a[20];
  if (api_address_param(r, "address", a)) return;
  user u;
  pheme_err e = store_user_by_address(req_store(r), &r->arena, a, &u);
  if (e) { api_fail(r, e, "user"); return; }
  http_json(r, 200, api_user_json(&u));
}

void me_get(http_req *r) {
  user u;
  pheme_err e = store_user_get(req_store(r), &r->arena, r->who.user_id, &u);
  if (e) { api_fail(r, e, "user"); return; }
  json_t *j = api_user_json(&u);
  json_object_set_new(j, "authenticatedBy", json_string(r->who.kind));
  http_json(r, 200, j);
}

void me_update(http_req *r) {
  json_t *b;
  if (api_body(r, "ProfileUpdate", &b)) return;
  store_actor who = api_actor(r);
  user u;
  pheme_err e = store_user_update_profile(req_store(r), &r->arena, &who, r->who.user_id,
                                          json_str(b, "displayName", NULL), json_str(b, "bio", NULL), &u);
  if (e) { api_fail(r, e, "user"); return; }
  http_json(r, 200, api_user_json(&u));
}

void me_submissions(http_req *r) {
  store_page p;
  if (api_page(r, &p)) return;
  submission *list;
  int n;
  pheme_err e = store_submissions_list(req_store(r), &r->arena, r->who.user_id, 0, &p, &list, &n);
  if (e) { api_fail(r, e, "submissions"); return; }
  json_t *items = json_array();
  int shown = n < p.limit ? n : p.limit - 1;
  for (int i = 0; i < shown; i++) json_array_append_new(items, api_submission_json(&list[i]));
  http_json(r, 200, api_page_json(items, n, &p, shown ? list[shown - 1].id : 0));
}

static void keys_page(http_req *r, int64_t user_id) {
  store_page p;
  if (api_page(r, &p)) return;
  api_key *list;
  int n;
  pheme_err e = store_keys_list(req_store(r), &r->arena, user_id, &p, &list, &n);
  if (e) { api_fail(r, e, "keys"); return; }
  json_t *items = json_array();
  int shown = n < p.limit ? n : p.limit - 1;
  for (int i = 0; i < shown; i++) json_array_append_new(items, api_key_json(&list[i]));
  http_json(r, 200, api_page_json(items, n, &p, shown ? list[shown - 1].id : 0));
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

static const char *level_name(int64_t xp) {
  return xp <= 1000 ? "Novice" : xp <= 5000 ? "Advanced" : xp <= 10000 ? "Expert" : "Master";
}

void wallets_get(http_req *r) {
  uint8_t a[20];
  if (api_address_param(r, "address", a)) return;
  wallet_view w;
  pheme_err e = store_wallet_view(req_store(r), &r->arena, a, &w);
  if (e == PHEME_DATA_NOT_FOUND) {
    char text[ADDRESS_TEXT];
    http_error(r, e, "no PHEME account holds %s", address_to_checksum(text, a));
    return;
  }
  if (e) { api_fail(r, e, "wallet"); return; }
  json_t *skills = json_array(), *badges = json_array(), *guilds = json_array();
  for (int i = 0; i < w.nskills; i++)
    json_array_append_new(skills, json_pack("{s:s,s:s,s:s,s:I,s:i,s:o}", "slug", w.skills[i].slug,
                                            "name", w.skills[i].name, "domain", w.skills[i].domain,
                                            "xp", (json_int_t)w.skills[i].xp, "level", w.skills[i].level,
                                            "lastValidated", api_time_json(w.skills[i].last_validated)));
  for (int i = 0; i < w.nbadges; i++)
    json_array_append_new(badges, json_pack("{s:I,s:s,s:s,s:s,s:b,s:o}", "id", (json_int_t)w.badges[i].id,
                                            "slug", w.badges[i].slug, "name", w.badges[i].name,
                                            "rarity", w.badges[i].rarity, "soulbound", w.badges[i].soulbound,
                                            "awardedAt", api_time_json(w.badges[i].awarded_at)));
  for (int i = 0; i < w.nguilds; i++)
    json_array_append_new(guilds, json_pack("{s:s,s:s,s:s,s:s}", "slug", w.guilds[i].slug, "name",
                                            w.guilds[i].name, "type", w.guilds[i].type, "role",
                                            w.guilds[i].role));
  http_json(r, 200,
            json_pack("{s:o,s:o,s:I,s:s,s:o,s:o,s:o}", "address", api_address_json(a), "profile",
                      api_user_json(&w.profile), "xp", (json_int_t)w.xp, "level", level_name(w.xp),
                      "skills", skills, "badges", badges, "guilds", guilds));
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
  json_t *items = json_array();
  int shown = n < p.limit ? n : p.limit - 1;
  for (int i = 0; i < shown; i++) {
    json_t *detail = json_loads(list[i].detail, 0, NULL);
    json_array_append_new(items, json_pack("{s:I,s:o,s:o,s:s,s:s,s:s,s:I,s:o}", "id", (json_int_t)list[i].id,
                                           "at", api_time_json(list[i].at), "actorId",
                                           list[i].actor_id ? json_integer(list[i].actor_id) : json_null(),
                                           "requestId", list[i].request_id, "action", list[i].action,
                                           "subjectType", list[i].subject_type, "subjectId",
                                           (json_int_t)list[i].subject_id, "detail",
                                           detail ? detail : json_object()));
  }
  http_json(r, 200, api_page_json(items, n, &p, shown ? list[shown - 1].id : 0));
}
