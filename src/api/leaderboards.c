/* Leaderboards: GET /api/v1/leaderboards/global, /skills/:slug, /guilds/:slug, /seasons/:id and
 * /guilds (the guilds themselves by guild XP), served from the in-memory boards of
 * game/leaderboard.h (a guild's board also gives the guild's XP and its rank among guilds).
 *
 * A page: ?limit= (1–LB_LIMIT_MAX, default LB_LIMIT_DEFAULT) members from the top, or after
 * ?cursor= (the nextCursor of the page before), or ?around=ADDRESS: that person with up to
 * (limit-1)/2 people above and the rest below. Each item: rank, address (EIP-55), display name,
 * XP. Unknown skill, guild, season or address: 404 DATA001 naming it. */
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "eth/address.h"
#include "game/leaderboard.h"
#include "store/leaderboard.h"
#include "core/banned.h"

#define LB_LIMIT_DEFAULT 25
#define LB_LIMIT_MAX 100

typedef struct {
  lb_kind kind;
  int64_t id;
  const char *label; /* "global", "skill 'x'", … for messages */
} board_ref;

/* The board's header fields (written into the open answer object). */
typedef void (*board_header)(jw *w, const void *ctx);

/* The process's boards; answers 503 and returns NULL in a process that did not load them. */
static leaderboards *boards_of(http_req *r) {
  leaderboards *lb = req_app(r)->boards;
  if (!lb) http_error(r, PHEME_SYS_STORAGE, "the leaderboards are not loaded in this process");
  return lb;
}

static pheme_err read_limit(http_req *r, int *limit) {
  const char *lim = http_query(r, "limit");
  long long v = LB_LIMIT_DEFAULT;
  if (lim && parse_int(lim, 1, LB_LIMIT_MAX, &v))
    return http_error(r, PHEME_API_BAD_REQUEST, "limit must be an integer from 1 to %d", LB_LIMIT_MAX);
  *limit = (int)v;
  return 0;
}

static void item_write(jw *w, const rank_entry *e, const store_lb_person *p) {
  jw_obj(w);
  jw_key(w, "rank");
  jw_int(w, e->rank);
  jw_key(w, "address");
  if (p->id) api_address_write(w, p->address);
  else jw_null(w); /* the person was deleted since the board was loaded */
  jw_key(w, "displayName");
  jw_str(w, p->display_name);
  jw_key(w, "xp");
  jw_int(w, e->xp);
  jw_end(w);
}

/* Answers a page of a board of people. */
static void answer_people(http_req *r, const board_ref *b, board_header header, const void *ctx) {
  int limit;
  if (read_limit(r, &limit)) return;
  const char *cur = http_query(r, "cursor"), *around = http_query(r, "around");
  if (cur && *cur && around && *around) {
    http_error(r, PHEME_API_BAD_REQUEST, "cursor and around cannot be used together");
    return;
  }
  leaderboards *lb = boards_of(r);
  if (!lb) return;
  rank_set *set = leaderboards_board(lb, b->kind, b->id);
  rank_entry e[LB_LIMIT_MAX + 1];
  int n = 0;
  uint8_t who[20];
  if (around && *around) {
    pheme_error why;
    if (address_parse(who, around, strlen(around), 0, &why)) {
      http_error(r, PHEME_API_BAD_REQUEST, "around '%.60s' is not an address: %s", around, why.msg);
      return;
    }
    user u;
    pheme_err err = store_user_by_address(req_store(r), &r->arena, who, &u);
    if (err == PHEME_DATA_NOT_FOUND) {
      http_error(r, err, "address '%.42s' is not a PHEME user", around);
      return;
    }
    if (err) { api_fail(r, err, "user"); return; }
    int before = (limit - 1) / 2;
    n = set ? rank_set_around(set, u.id, before, limit - 1 - before, e) : 0;
    if (n == 0) {
      http_error(r, PHEME_DATA_NOT_FOUND, "address '%.42s' has no XP on the %s leaderboard", around, b->label);
      return;
    }
  } else if (cur && *cur) {
    rank_key k;
    if (lb_cursor_parse(cur, &k)) {
      http_error(r, PHEME_API_BAD_CURSOR, "cursor '%.40s' is not one this API gave out", cur);
      return;
    }
    n = set ? rank_set_after(set, k, limit + 1, e) : 0;
  } else {
    n = set ? rank_set_range(set, 1, limit + 1, e) : 0;
  }
  /* one more than shown tells whether a next page exists (not for around: it is one window) */
  int shown = n > limit ? limit : n, more = n > limit && !(around && *around);
  int64_t ids[LB_LIMIT_MAX];
  for (int i = 0; i < shown; i++) ids[i] = e[i].id;
  store_lb_person people[LB_LIMIT_MAX];
  pheme_err err = store_leaderboard_people(req_store(r), &r->arena, ids, shown, people);
  if (err) { api_fail(r, err, "leaderboard"); return; }
  buf out;
  jw w;
  api_begin(&out, &w);
  jw_obj(&w);
  header(&w, ctx);
  jw_key(&w, "total");
  jw_int(&w, set ? rank_set_size(set) : 0);
  jw_key(&w, "items");
  jw_arr(&w);
  for (int i = 0; i < shown; i++) item_write(&w, &e[i], &people[i]);
  jw_end(&w);
  jw_key(&w, "nextCursor");
  if (more) {
    char c[LB_CURSOR_LEN + 1];
    lb_cursor_format((rank_key){e[shown - 1].xp, e[shown - 1].id}, c);
    jw_str(&w, c);
  } else {
    jw_null(&w);
  }
  jw_end(&w);
  api_send(r, 200, &out, &w);
}

static void global_header(jw *w, const void *ctx) {
  (void)ctx;
  jw_key(w, "board");
  jw_str(w, "global");
}

void leaderboards_global(http_req *r) {
  board_ref b = {LB_GLOBAL, 0, "global"};
  answer_people(r, &b, global_header, NULL);
}

static void skill_header(jw *w, const void *ctx) {
  const skill *k = ctx;
  jw_key(w, "board");
  jw_str(w, "skill");
  jw_key(w, "skill");
  api_skill_write(w, k);
}

void leaderboards_skill(http_req *r) {
  const char *slug = http_param(r, "slug");
  skill k;
  pheme_err e = store_skill_get(req_store(r), &r->arena, slug, &k);
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, e, "skill '%.64s' not found", slug);
    return;
  }
  if (e) { api_fail(r, e, "skill"); return; }
  board_ref b = {LB_SKILL, k.id, arena_printf(&r->arena, "skill '%s'", k.slug)};
  answer_people(r, &b, skill_header, &k);
}

static void guild_header(jw *w, const void *ctx) {
  const void *const *g = ctx; /* {guild, rank_entry or NULL} */
  const guild *gd = g[0];
  const rank_entry *standing = g[1];
  jw_key(w, "board");
  jw_str(w, "guild");
  jw_key(w, "guild");
  api_guild_write(w, gd);
  jw_key(w, "guildXp");
  jw_int(w, standing ? standing->xp : 0);
  jw_key(w, "guildRank");
  if (standing) jw_int(w, standing->rank);
  else jw_null(w);
}

void leaderboards_guild(http_req *r) {
  const char *slug = http_param(r, "slug");
  guild g;
  pheme_err e = store_guild_get(req_store(r), &r->arena, slug, &g);
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, e, "guild '%.64s' not found", slug);
    return;
  }
  if (e) { api_fail(r, e, "guild"); return; }
  rank_entry standing;
  leaderboards *lb = boards_of(r);
  if (!lb) return;
  rank_set *guilds = leaderboards_board(lb, LB_GUILDS, 0);
  const void *ctx[2] = {&g, guilds && rank_set_get(guilds, g.id, &standing) ? &standing : NULL};
  board_ref b = {LB_GUILD, g.id, arena_printf(&r->arena, "guild '%s'", g.slug)};
  answer_people(r, &b, guild_header, ctx);
}

static void season_header(jw *w, const void *ctx) {
  const store_season *s = ctx;
  jw_key(w, "board");
  jw_str(w, "season");
  jw_key(w, "season");
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, s->id);
  jw_key(w, "slug");
  jw_str(w, s->slug);
  jw_key(w, "name");
  jw_str(w, s->name);
  jw_key(w, "startsAt");
  jw_time(w, s->starts_at);
  jw_key(w, "endsAt");
  jw_time(w, s->ends_at);
  jw_end(w);
}

void leaderboards_season(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  store_season s;
  pheme_err e = store_season_get(req_store(r), &r->arena, id, &s);
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, e, "season %lld not found", (long long)id);
    return;
  }
  if (e) { api_fail(r, e, "season"); return; }
  board_ref b = {LB_SEASON, s.id, arena_printf(&r->arena, "season %lld", (long long)s.id)};
  answer_people(r, &b, season_header, &s);
}

/* GET /api/v1/leaderboards/guilds: the guilds by guild XP (their members' XP earned for them). */
void leaderboards_guilds(http_req *r) {
  int limit;
  if (read_limit(r, &limit)) return;
  const char *cur = http_query(r, "cursor"), *around = http_query(r, "around");
  if (around && *around) {
    http_error(r, PHEME_API_BAD_REQUEST, "around names a person; the board of guilds has none");
    return;
  }
  leaderboards *lb = boards_of(r);
  if (!lb) return;
  rank_set *set = leaderboards_board(lb, LB_GUILDS, 0);
  rank_entry e[LB_LIMIT_MAX + 1];
  int n;
  if (cur && *cur) {
    rank_key k;
    if (lb_cursor_parse(cur, &k)) {
      http_error(r, PHEME_API_BAD_CURSOR, "cursor '%.40s' is not one this API gave out", cur);
      return;
    }
    n = set ? rank_set_after(set, k, limit + 1, e) : 0;
  } else {
    n = set ? rank_set_range(set, 1, limit + 1, e) : 0;
  }
  int shown = n > limit ? limit : n;
  int64_t ids[LB_LIMIT_MAX];
  for (int i = 0; i < shown; i++) ids[i] = e[i].id;
  store_lb_guild guilds[LB_LIMIT_MAX];
  pheme_err err = store_leaderboard_guilds(req_store(r), &r->arena, ids, shown, guilds);
  if (err) { api_fail(r, err, "leaderboard"); return; }
  buf out;
  jw w;
  api_begin(&out, &w);
  jw_obj(&w);
  jw_key(&w, "board");
  jw_str(&w, "guilds");
  jw_key(&w, "total");
  jw_int(&w, set ? rank_set_size(set) : 0);
  jw_key(&w, "items");
  jw_arr(&w);
  for (int i = 0; i < shown; i++) {
    jw_obj(&w);
    jw_key(&w, "rank");
    jw_int(&w, e[i].rank);
    jw_key(&w, "slug");
    jw_str(&w, guilds[i].id ? guilds[i].slug : NULL);
    jw_key(&w, "name");
    jw_str(&w, guilds[i].name);
    jw_key(&w, "xp");
    jw_int(&w, e[i].xp);
    jw_end(&w);
  }
  jw_end(&w);
  jw_key(&w, "nextCursor");
  if (n > limit) {
    char c[LB_CURSOR_LEN + 1];
    lb_cursor_format((rank_key){e[shown - 1].xp, e[shown - 1].id}, c);
    jw_str(&w, c);
  } else {
    jw_null(&w);
  }
  jw_end(&w);
  api_send(r, 200, &out, &w);
}
