/* Rewards and progression (src/game, docs/rewards.md): the caller's progress (XP, level, skills,
 * streak with its next deadline, guild contributions, quests in progress), their XP ledger and
 * time zone, quests, and seasons with their seed hash (and seed once revealed). */
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "eth/keccak.h"
#include "game/game.h"
#include "core/banned.h"

/* The rules of the running server (the same keys the award job reads). */
static void rules_of(http_req *r, game_rules *g) { game_rules_from_config(g, req_app(r)->cfg); }

static void hex32(jw *w, const uint8_t b[32]) {
  char h[67] = "0x";
  bytes_to_hex(h + 2, b, 32);
  jw_str(w, h);
}

static void quest_write(jw *w, const game_quest *q, int with_progress) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, q->id);
  jw_key(w, "slug");
  jw_str(w, q->slug);
  jw_key(w, "name");
  jw_str(w, q->name);
  jw_key(w, "description");
  jw_str(w, q->description);
  jw_key(w, "xpReward");
  jw_int(w, q->xp_reward);
  jw_key(w, "steps");
  jw_arr(w);
  for (int i = 0; i < q->nsteps; i++) {
    jw_obj(w);
    jw_key(w, "position");
    jw_int(w, q->steps[i].position);
    jw_key(w, "taskId");
    jw_int(w, q->steps[i].task_id);
    jw_key(w, "title");
    jw_str(w, q->steps[i].task_title);
    if (with_progress) {
      jw_key(w, "done");
      jw_bool(w, q->steps[i].position <= q->steps_done);
      jw_key(w, "locked");
      jw_bool(w, q->steps[i].position > q->steps_done + 1);
    }
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "requires");
  jw_arr(w);
  for (int i = 0; i < q->nrequires; i++) jw_str(w, q->requires[i]);
  jw_end(w);
  if (with_progress) {
    jw_key(w, "progress");
    jw_obj(w);
    jw_key(w, "stepsDone");
    jw_int(w, q->steps_done);
    jw_key(w, "steps");
    jw_int(w, q->nsteps);
    jw_key(w, "completedAt");
    if (q->completed_at) jw_time(w, q->completed_at);
    else jw_null(w);
    jw_end(w);
  }
  jw_key(w, "createdAt");
  jw_time(w, q->created_at);
  jw_end(w);
}

void me_progress(http_req *r) {
  int64_t uid = r->who.user_id;
  game_progress p;
  pheme_err e = store_game_progress(req_store(r), &r->arena, uid, &p);
  if (e) { api_fail(r, e, "progress"); return; }
  game_quest *quests = NULL;
  int nq = 0;
  e = store_quests_in_progress(req_store(r), &r->arena, uid, &quests, &nq);
  if (e) { api_fail(r, e, "quests"); return; }
  game_rules R;
  rules_of(r, &R);
  game_streak st = {p.streak_current, p.streak_longest, p.streak_last_day, p.streak_grace_day};
  int64_t deadline = game_streak_deadline(&R, &st, p.utc_offset_min);
  int64_t now = time_now_ms();
  int alive = deadline > now;
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "xp");
  jw_int(&w, p.xp);
  jw_key(&w, "level");
  jw_str(&w, game_level_name(p.xp));
  jw_key(&w, "xpToNextLevel");
  jw_int(&w, game_xp_to_next(p.xp));
  jw_key(&w, "skills");
  jw_arr(&w);
  for (int i = 0; i < p.nskills; i++) {
    const skill_level *l = &p.skills[i];
    jw_obj(&w);
    jw_key(&w, "slug");
    jw_str(&w, l->slug);
    jw_key(&w, "name");
    jw_str(&w, l->name);
    jw_key(&w, "domain");
    jw_str(&w, l->domain);
    jw_key(&w, "xp");
    jw_int(&w, l->xp);
    jw_key(&w, "level");
    jw_int(&w, l->level);
    jw_key(&w, "xpToNextLevel");
    jw_int(&w, l->level >= 100 ? 0 : game_skill_level_xp(l->level + 1, R.skill_curve_xp) - l->xp);
    jw_key(&w, "lastValidated");
    jw_time(&w, l->last_validated);
    jw_end(&w);
  }
  jw_end(&w);
  jw_key(&w, "domains");
  jw_arr(&w);
  for (int i = 0; i < p.ndomains; i++) {
    jw_obj(&w);
    jw_key(&w, "domain");
    jw_str(&w, p.domains[i].domain);
    jw_key(&w, "xp");
    jw_int(&w, p.domains[i].xp);
    jw_end(&w);
  }
  jw_end(&w);
  jw_key(&w, "streak");
  jw_obj(&w);
  jw_key(&w, "days");
  jw_int(&w, alive ? p.streak_current : 0);
  jw_key(&w, "longest");
  jw_int(&w, p.streak_longest);
  jw_key(&w, "multiplierPct");
  jw_int(&w, game_streak_pct(&R, alive ? p.streak_current + (game_day(now, p.utc_offset_min) > p.streak_last_day) : 1));
  jw_key(&w, "nextDeadline");
  if (alive) jw_time(&w, deadline);
  else jw_null(&w);
  jw_key(&w, "utcOffsetMinutes");
  jw_int(&w, p.utc_offset_min);
  jw_end(&w);
  jw_key(&w, "guilds");
  jw_arr(&w);
  for (int i = 0; i < p.nguilds; i++) {
    jw_obj(&w);
    jw_key(&w, "slug");
    jw_str(&w, p.guilds[i].slug);
    jw_key(&w, "name");
    jw_str(&w, p.guilds[i].name);
    jw_key(&w, "guildXp");
    jw_int(&w, p.guilds[i].guild_xp);
    jw_key(&w, "guildLevel");
    jw_int(&w, p.guilds[i].guild_level);
    jw_key(&w, "multiplierPct");
    jw_int(&w, game_guild_pct(&R, 1, p.guilds[i].guild_level));
    jw_key(&w, "contributed");
    jw_int(&w, p.guilds[i].contributed);
    jw_end(&w);
  }
  jw_end(&w);
  jw_key(&w, "quests");
  jw_arr(&w);
  for (int i = 0; i < nq; i++) quest_write(&w, &quests[i], 1);
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

void me_ledger(http_req *r) {
  store_page p;
  if (api_page(r, &p)) return;
  game_ledger_row *rows;
  int n;
  pheme_err e = store_game_ledger(req_store(r), &r->arena, r->who.user_id, p.before, p.limit + 1, &rows, &n);
  if (e) { api_fail(r, e, "XP ledger"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  api_page_open(&w);
  int shown = api_shown(n, &p);
  for (int i = 0; i < shown; i++) {
    const game_ledger_row *l = &rows[i];
    jw_obj(&w);
    jw_key(&w, "id");
    jw_int(&w, l->id);
    jw_key(&w, "amount");
    jw_int(&w, l->amount);
    jw_key(&w, "reason");
    jw_str(&w, l->reason);
    jw_key(&w, "rule");
    jw_str(&w, l->rule);
    jw_key(&w, "skillId");
    if (l->skill_id) jw_int(&w, l->skill_id);
    else jw_null(&w);
    jw_key(&w, "guildId");
    if (l->guild_id) jw_int(&w, l->guild_id);
    else jw_null(&w);
    jw_key(&w, "seasonId");
    if (l->season_id) jw_int(&w, l->season_id);
    else jw_null(&w);
    jw_key(&w, "submissionId");
    if (l->submission_id) jw_int(&w, l->submission_id);
    else jw_null(&w);
    jw_key(&w, "detail");
    jw_raw(&w, l->detail, "{}");
    jw_key(&w, "at");
    jw_time(&w, l->at);
    jw_end(&w);
  }
  api_page_close(&w, n, &p, shown ? rows[shown - 1].id : 0);
  api_send(r, 200, &b, &w);
}

void me_time_zone(http_req *r) {
  json_t *b;
  if (api_body(r, "TimeZoneSet", &b)) return;
  int off = (int)json_int(b, "utcOffsetMinutes", 0);
  store_actor who = api_actor(r);
  pheme_err e = store_game_set_offset(req_store(r), &who, r->who.user_id, off);
  if (e) { api_fail(r, e, "time zone"); return; }
  buf bb;
  jw w;
  api_begin(&bb, &w);
  jw_obj(&w);
  jw_key(&w, "utcOffsetMinutes");
  jw_int(&w, off);
  jw_end(&w);
  api_send(r, 200, &bb, &w);
}

/* ---- quests ---- */

void quests_list(http_req *r) {
  game_quest *list;
  int n;
  pheme_err e = store_quests_list(req_store(r), &r->arena, r->who.user_id, &list, &n);
  if (e) { api_fail(r, e, "quests"); return; }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "items");
  jw_arr(&w);
  for (int i = 0; i < n; i++) quest_write(&w, &list[i], r->who.user_id != 0);
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

static void quest_answer(http_req *r, int status, const game_quest *q, int with_progress) {
  buf b;
  jw w;
  api_begin(&b, &w);
  quest_write(&w, q, with_progress);
  api_send(r, status, &b, &w);
}

void quests_get(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  game_quest q;
  pheme_err e = store_quest_get(req_store(r), &r->arena, id, r->who.user_id, &q);
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, e, "quest %lld not found", (long long)id);
    return;
  }
  if (e) { api_fail(r, e, "quest"); return; }
  quest_answer(r, 200, &q, r->who.user_id != 0);
}

void quests_create(http_req *r) {
  json_t *b;
  if (api_body(r, "QuestCreate", &b)) return;
  game_quest q = {.slug = json_str(b, "slug", ""), .name = json_str(b, "name", ""),
                  .description = json_str(b, "description", ""), .xp_reward = json_int(b, "xpReward", 0)};
  json_t *steps = json_object_get(b, "steps"), *req = json_object_get(b, "requires");
  q.nsteps = (int)json_array_size(steps);
  q.steps = arena_zalloc(&r->arena, sizeof *q.steps * (size_t)(q.nsteps ? q.nsteps : 1));
  q.nrequires = (int)json_array_size(req);
  q.requires = arena_zalloc(&r->arena, sizeof *q.requires * (size_t)(q.nrequires ? q.nrequires : 1));
  if (!q.steps || !q.requires) { api_fail(r, PHEME_SYS_NOMEM, "quest"); return; }
  for (int i = 0; i < q.nsteps; i++) {
    json_t *v = json_array_get(steps, (size_t)i);
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
      http_error(r, PHEME_API_BAD_REQUEST, "steps[%d] must be a task id (a positive integer)", i);
      return;
    }
    q.steps[i].task_id = json_integer_value(v);
  }
  for (int i = 0; i < q.nrequires; i++) {
    json_t *v = json_array_get(req, (size_t)i);
    if (!json_is_string(v) || !json_string_value(v)[0]) {
      http_error(r, PHEME_API_BAD_REQUEST, "requires[%d] must be a quest slug", i);
      return;
    }
    q.requires[i] = json_string_value(v);
  }
  store_actor who = api_actor(r);
  pheme_err e = store_quest_create(req_store(r), &r->arena, &who, &q);
  if (e == PHEME_DATA_CONFLICT) {
    http_error(r, e, "quest slug '%.64s' is taken, or one of its tasks is already a step of a quest", q.slug);
    return;
  }
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, e, "a task or a required quest of quest '%.64s' does not exist", q.slug);
    return;
  }
  if (e == PHEME_DATA_INVALID) {
    http_error(r, PHEME_API_BAD_REQUEST, "slug '%.64s' must be lower-case letters, digits and '-'", q.slug);
    return;
  }
  if (e) { api_fail(r, e, "quest"); return; }
  char *loc = arena_printf(&r->arena, "/api/v1/quests/%lld", (long long)q.id);
  if (loc) http_header(r, "Location", loc);
  quest_answer(r, 201, &q, 0);
}

/* ---- seasons ---- */

static void season_write(jw *w, const game_season *s, int64_t now) {
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
  jw_key(w, "status");
  jw_str(w, now < s->starts_at ? "upcoming" : now < s->ends_at ? "active" : "ended");
  jw_key(w, "seedHash");
  hex32(w, s->seed_hash);
  jw_key(w, "seed");
  if (s->revealed) hex32(w, s->seed);
  else jw_null(w);
  jw_key(w, "createdAt");
  jw_time(w, s->created_at);
  jw_end(w);
}

void seasons_list(http_req *r) {
  game_season *list;
  int n;
  pheme_err e = store_seasons_list(req_store(r), &r->arena, &list, &n);
  if (e) { api_fail(r, e, "seasons"); return; }
  int64_t now = time_now_ms();
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "items");
  jw_arr(&w);
  for (int i = 0; i < n; i++) season_write(&w, &list[i], now);
  jw_end(&w);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

static void season_answer(http_req *r, int status, const game_season *s) {
  buf b;
  jw w;
  api_begin(&b, &w);
  season_write(&w, s, time_now_ms());
  api_send(r, status, &b, &w);
}

void seasons_create(http_req *r) {
  json_t *b;
  if (api_body(r, "SeasonCreate", &b)) return;
  game_season s = {.slug = json_str(b, "slug", ""), .name = json_str(b, "name", "")};
  if (api_time_parse(json_str(b, "startsAt", ""), &s.starts_at) || api_time_parse(json_str(b, "endsAt", ""), &s.ends_at)) {
    http_error(r, PHEME_API_BAD_REQUEST, "startsAt and endsAt must be RFC 3339 times");
    return;
  }
  if (s.ends_at <= s.starts_at) {
    http_error(r, PHEME_API_BAD_REQUEST, "endsAt must come after startsAt");
    return;
  }
  uint8_t seed[32];
  if (random_bytes(seed, sizeof seed)) { api_fail(r, PHEME_SYS_INTERNAL, "season seed"); return; }
  keccak_256(s.seed_hash, seed, sizeof seed);
  store_actor who = api_actor(r);
  pheme_err e = store_season_create(req_store(r), &r->arena, &who, &s, seed);
  memset(seed, 0, sizeof seed);
  if (e == PHEME_DATA_CONFLICT) {
    http_error(r, e, "season slug '%.64s' is taken or its time overlaps another season", s.slug);
    return;
  }
  if (e) { api_fail(r, e, "season"); return; }
  season_answer(r, 201, &s);
}

void seasons_reveal(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  const char *force = http_query(r, "force");
  store_actor who = api_actor(r);
  pheme_err e = store_season_reveal(req_store(r), &who, id, force && strcmp(force, "true") == 0, time_now_ms());
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, e, "season %lld not found", (long long)id);
    return;
  }
  if (e == PHEME_DATA_STATE) {
    http_error(r, e, "season %lld is revealed already or has not ended (?force=true reveals it early)", (long long)id);
    return;
  }
  if (e) { api_fail(r, e, "season"); return; }
  game_season s;
  e = store_season_get(req_store(r), &r->arena, id, &s);
  if (e) { api_fail(r, e, "season"); return; }
  season_answer(r, 200, &s);
}
