/* Guilds: found, list, join, leave, members. */
#include <string.h>

#include "api/api.h"
#include "core/banned.h"

static int slug_ok(const char *s) {
  if (!*s || *s == '-') return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) return 0;
  return 1;
}

void guilds_list(http_req *r) {
  const char *type = http_query(r, "type");
  if (type && strcmp(type, "SKILL") && strcmp(type, "GEO") && strcmp(type, "INTEREST")) {
    http_error(r, PHEME_API_BAD_REQUEST, "type '%.40s' must be SKILL, GEO or INTEREST", type);
    return;
  }
  store_page p;
  if (api_page(r, &p)) return;
  guild *list;
  int n;
  pheme_err e = store_guilds_list(req_store(r), &r->arena, type, &p, &list, &n);
  if (e) { api_fail(r, e, "guilds"); return; }
  API_ANSWER_PAGE(r, list, n, &p, api_guild_write, id);
}

void guilds_create(http_req *r) {
  json_t *b;
  if (api_body(r, "GuildCreate", &b)) return;
  guild g = {.slug = json_str(b, "slug", ""), .name = json_str(b, "name", ""),
             .type = json_str(b, "type", ""), .description = json_str(b, "description", ""),
             .owner_id = r->who.user_id};
  if (!slug_ok(g.slug)) {
    http_error(r, PHEME_API_BAD_REQUEST, "slug '%.64s' must be lower-case letters, digits and '-'", g.slug);
    return;
  }
  store_actor who = api_actor(r);
  pheme_err e = store_guild_create(req_store(r), &r->arena, &who, &g);
  if (e == PHEME_DATA_CONFLICT) {
    http_error(r, e, "a guild with slug '%s' exists already", g.slug);
    return;
  }
  if (e) { api_fail(r, e, "guild"); return; }
  char *loc = arena_printf(&r->arena, "/api/v1/guilds/%s", g.slug);
  if (loc) http_header(r, "Location", loc);
  API_ANSWER(r, 201, api_guild_write, &g);
}

static pheme_err find_guild(http_req *r, guild *g) {
  const char *slug = http_param(r, "slug");
  pheme_err e = store_guild_get(req_store(r), &r->arena, slug, g);
  if (e == PHEME_DATA_NOT_FOUND) {
    return http_error(r, e, "guild '%.64s' not found", slug);
  }
  if (e) {
    return api_fail(r, e, "guild");
  }
  return 0;
}

void guilds_get(http_req *r) {
  guild g;
  if (find_guild(r, &g)) return;
  API_ANSWER(r, 200, api_guild_write, &g);
}

static void membership(http_req *r, int join) {
  guild g;
  if (find_guild(r, &g)) return;
  store_actor who = api_actor(r);
  pheme_err e = join ? store_guild_join(req_store(r), &who, g.id, r->who.user_id)
                     : store_guild_leave(req_store(r), &who, g.id, r->who.user_id);
  if (e == PHEME_DATA_CONFLICT) {
    http_error(r, e, "you are already a member of '%s'", g.slug);
    return;
  }
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, PHEME_DATA_STATE, "you are not a member of '%s'", g.slug);
    return;
  }
  if (e == PHEME_DATA_STATE) {
    http_error(r, e, "the owner of '%s' cannot leave it", g.slug);
    return;
  }
  if (e) { api_fail(r, e, "guild"); return; }
  if (find_guild(r, &g)) return;
  API_ANSWER(r, 200, api_guild_write, &g);
}

void guilds_join(http_req *r) { membership(r, 1); }
void guilds_leave(http_req *r) { membership(r, 0); }

static void member_write(jw *w, const guild_member *m) {
  jw_obj(w);
  jw_key(w, "address");
  api_address_write(w, m->address);
  jw_key(w, "displayName");
  jw_str(w, m->display_name);
  jw_key(w, "role");
  jw_str(w, m->role);
  jw_key(w, "joinedAt");
  jw_time(w, m->joined_at);
  jw_end(w);
}

void guilds_members(http_req *r) {
  guild g;
  store_page p;
  if (find_guild(r, &g) || api_page(r, &p)) return;
  guild_member *list;
  int n;
  pheme_err e = store_guild_members(req_store(r), &r->arena, g.id, &p, &list, &n);
  if (e) { api_fail(r, e, "members"); return; }
  API_ANSWER_PAGE(r, list, n, &p, member_write, user_id);
}
