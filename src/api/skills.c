/* The skills catalogue. */
#include <string.h>

#include "api/api.h"
#include "core/banned.h"

void skills_list(http_req *r) {
  const char *domain = http_query(r, "domain");
  if (domain && strcmp(domain, "technical") && strcmp(domain, "creative") && strcmp(domain, "business")) {
    http_error(r, PHEME_API_BAD_REQUEST, "domain '%.40s' is not technical, creative or business", domain);
    return;
  }
  skill *list;
  int n;
  pheme_err e = store_skills_list(req_store(r), &r->arena, domain, &list, &n);
  if (e) { api_fail(r, e, "skills"); return; }
  json_t *items = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(items, api_skill_json(&list[i]));
  http_json(r, 200, json_pack("{s:o}", "items", items));
}

void skills_get(http_req *r) {
  skill k;
  const char *slug = http_param(r, "slug");
  pheme_err e = store_skill_get(req_store(r), &r->arena, slug, &k);
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, e, "skill '%.64s' not found", slug);
    return;
  }
  if (e) { api_fail(r, e, "skill"); return; }
  http_json(r, 200, api_skill_json(&k));
}
