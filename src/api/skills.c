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
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "items");
  jw_arr(&w);
  for (int i = 0; i < n; i++) api_skill_write(&w, &list[i]);
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
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
  API_ANSWER(r, 200, api_skill_write, &k);
}
