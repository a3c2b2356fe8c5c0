/* The matching routes (docs/api.md, docs/internals/matching.md): a task's qualified candidates,
 * the caller's recommendations, the caller's availability, and the batch assignment of a creator's
 * applicants to their bounties (propose, look, confirm). Handlers parse, call the matching engine
 * and render. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/address.h"
#include "matching/matching.h"
#include "store/matching.h"
#include "work/tasks.h"
#include "core/banned.h"

/* The engine, or a 503 answer when the index is off. */
static matching *engine(http_req *r) {
  matching *m = req_app(r)->matching;
  if (!m) http_error(r, PHEME_API_UNAVAILABLE, "the matching index is off on this server (matching = false)");
  return m;
}

/* ?limit= (1..MATCHING_PAGE_MAX, default 20) and ?cursor= ("<score>.<id>", as given out); answers
 * 400 and returns the code when they are bad. */
static pheme_err ranked_page(http_req *r, int *limit, matching_cursor *cur, int *has_cursor) {
  const char *lim = http_query(r, "limit"), *c = http_query(r, "cursor");
  long long v = 20;
  if (lim && parse_int(lim, 1, MATCHING_PAGE_MAX, &v))
    return http_error(r, PHEME_API_BAD_REQUEST, "limit must be an integer from 1 to %d", MATCHING_PAGE_MAX);
  *limit = (int)v;
  *has_cursor = 0;
  if (c && *c) {
    if (matching_cursor_parse(c, cur))
      return http_error(r, PHEME_API_BAD_CURSOR, "cursor '%.40s' is not one this API gave out", c);
    *has_cursor = 1;
  }
  return PHEME_OK;
}

static void next_cursor(jw *w, int more, int score, int64_t id) {
  jw_key(w, "nextCursor");
  if (!more) {
    jw_null(w);
    return;
  }
  char text[32];
  matching_cursor c = {score, id};
  matching_cursor_format(&c, text);
  jw_str(w, text);
}

/* ---- candidates ---- */

static void candidate_write(jw *w, const task *t, const matching_candidate *c) {
  jw_obj(w);
  jw_key(w, "userId");
  jw_int(w, c->user_id);
  jw_key(w, "address");
  api_address_write(w, c->address);
  jw_key(w, "fit");
  jw_int(w, c->fit.total);
  jw_key(w, "fitParts");
  jw_obj(w);
  jw_key(w, "skill");
  jw_int(w, c->fit.skill);
  jw_key(w, "reputation");
  jw_int(w, c->fit.reputation);
  jw_key(w, "activity");
  jw_int(w, c->fit.activity);
  jw_end(w);
  jw_key(w, "skills");
  jw_arr(w);
  for (int k = 0; k < t->nskills; k++) {
    jw_obj(w);
    jw_key(w, "skill");
    jw_str(w, t->skills[k].slug);
    jw_key(w, "level");
    jw_int(w, c->skill_levels[k]);
    jw_key(w, "minLevel");
    jw_int(w, t->skills[k].min_level);
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "reputation");
  jw_int(w, c->reputation);
  jw_key(w, "level");
  jw_int(w, c->level);
  jw_key(w, "lastActiveAt");
  jw_time(w, c->active_at);
  jw_key(w, "reasons");
  jw_str(w, c->reasons);
  jw_end(w);
}

void tasks_candidates(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  int limit, has;
  matching_cursor cur;
  if (ranked_page(r, &limit, &cur, &has)) return;
  matching *m = engine(r);
  if (!m) return;
  task t;
  pheme_err e = store_task_get(req_store(r), &r->arena, id, &t);
  if (e) {
    api_fail(r, e, "task");
    return;
  }
  work_principal who = api_principal(r);
  if (!work_task_owned_by(&who, &t)) {
    http_error(r, PHEME_AUTH_NOT_OWNER, "task %lld was posted by someone else; only its creator or an admin sees its candidates",
               (long long)id);
    return;
  }
  matching_candidate *out = arena_alloc(&r->arena, sizeof *out * (size_t)limit);
  if (!out) {
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  int n, more;
  e = matching_candidates(m, &r->arena, &t, time_now_ms(), has ? &cur : NULL, limit, out, &n, &more);
  if (e) {
    http_error(r, e, "task %lld has requirements the matching engine cannot read", (long long)id);
    return;
  }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "taskId");
  jw_int(&w, id);
  jw_key(&w, "items");
  jw_arr(&w);
  for (int i = 0; i < n; i++) candidate_write(&w, &t, &out[i]);
  jw_end(&w);
  next_cursor(&w, more, n ? out[n - 1].fit.total : 0, n ? out[n - 1].user_id : 0);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

/* ---- recommendations ---- */

void me_recommendations(http_req *r) {
  int limit, has;
  matching_cursor cur;
  if (ranked_page(r, &limit, &cur, &has)) return;
  matching *m = engine(r);
  if (!m) return;
  matching_recommendation *out = arena_alloc(&r->arena, sizeof *out * (size_t)limit);
  if (!out) {
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  int n, more;
  pheme_err e = matching_recommend(m, &r->arena, r->who.user_id, time_now_ms(), has ? &cur : NULL, limit, out, &n, &more);
  if (e) {
    http_error(r, e, NULL);
    return;
  }
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "items");
  jw_arr(&w);
  for (int i = 0; i < n; i++) {
    task t;
    e = store_task_get(req_store(r), &r->arena, out[i].task_id, &t);
    if (e == PHEME_DATA_NOT_FOUND) continue; /* deleted since the index saw it */
    if (e) {
      buf_release(&b);
      api_fail(r, e, "task");
      return;
    }
    jw_obj(&w);
    jw_key(&w, "task");
    api_task_write(&w, &t);
    jw_key(&w, "score");
    jw_int(&w, out[i].score);
    jw_key(&w, "growth");
    jw_int(&w, out[i].growth);
    jw_key(&w, "closeness");
    jw_int(&w, out[i].closeness);
    jw_key(&w, "yourLevel");
    jw_int(&w, out[i].person_level);
    jw_key(&w, "reasons");
    jw_str(&w, out[i].reasons);
    jw_end(&w);
  }
  jw_end(&w);
  next_cursor(&w, more, n ? out[n - 1].score : 0, n ? -out[n - 1].task_id : 0);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

/* ---- availability ---- */

void me_availability_put(http_req *r) {
  json_t *body;
  if (api_body(r, "Availability", &body)) return;
  int available = json_is_true(json_object_get(body, "available"));
  store_actor sa = api_actor(r);
  pheme_err e = store_matching_availability_set(req_store(r), &sa, r->who.user_id, available);
  if (e) {
    api_fail(r, e, "availability");
    return;
  }
  matching *m = req_app(r)->matching;
  matching_update u = {.user_id = r->who.user_id, .address = r->who.address, .reputation = -1, .available = available};
  if (m && matching_apply(m, &u)) log_warn("matching: availability of user %lld not applied to the index (the next refresh will)", (long long)r->who.user_id);
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "available");
  jw_bool(&w, available);
  jw_end(&w);
  api_send(r, 200, &b, &w);
}

/* ---- assignment ---- */

static void proposal_write(http_req *r, jw *w, const matching_proposal *p) {
  jw_obj(w);
  jw_key(w, "id");
  jw_int(w, p->id);
  jw_key(w, "status");
  jw_str(w, p->status);
  jw_key(w, "creatorId");
  jw_int(w, p->creator_id);
  jw_key(w, "totalFit");
  jw_int(w, p->total_fit);
  if (p->bounties || p->applicants) {
    jw_key(w, "bounties");
    jw_int(w, p->bounties);
    jw_key(w, "applicants");
    jw_int(w, p->applicants);
  }
  jw_key(w, "pairs");
  jw_arr(w);
  for (int i = 0; i < p->npairs; i++) {
    user u;
    jw_obj(w);
    jw_key(w, "taskId");
    jw_int(w, p->pairs[i].task_id);
    jw_key(w, "userId");
    jw_int(w, p->pairs[i].user_id);
    jw_key(w, "address");
    if (store_user_get(req_store(r), &r->arena, p->pairs[i].user_id, &u) == PHEME_OK) api_address_write(w, u.address);
    else jw_null(w);
    jw_key(w, "fit");
    jw_int(w, p->pairs[i].fit);
    jw_end(w);
  }
  jw_end(w);
  jw_key(w, "createdAt");
  jw_time(w, p->created_at);
  jw_key(w, "confirmedAt");
  jw_time(w, p->confirmed_at);
  jw_end(w);
}

static void answer_proposal(http_req *r, int status, const matching_proposal *p) {
  buf b;
  jw w;
  api_begin(&b, &w);
  proposal_write(r, &w, p);
  api_send(r, status, &b, &w);
}

void tasks_assign(http_req *r) {
  json_t *body;
  if (api_body(r, "AssignPropose", &body)) return;
  matching *m = engine(r);
  if (!m) return;
  int64_t creator = r->who.user_id;
  const char *for_whom = json_string_value(json_object_get(body, "creator"));
  if (for_whom) {
    uint8_t a[20];
    user u;
    pheme_error ee;
    if (address_parse(a, for_whom, strlen(for_whom), 0, &ee)) {
      http_error(r, PHEME_API_BAD_REQUEST, "creator '%.42s' is not an address", for_whom);
      return;
    }
    pheme_err e = store_user_by_address(req_store(r), &r->arena, a, &u);
    if (e) {
      api_fail(r, e, "creator");
      return;
    }
    creator = u.id;
  }
  work_principal who = api_principal(r);
  store_actor sa = api_actor(r);
  matching_proposal p;
  char why[256];
  pheme_err e = matching_assign_propose(m, req_store(r), &r->arena, &sa, &who, creator,
                                        json_is_true(json_object_get(body, "appliedOnly")), time_now_ms(), &p, why,
                                        sizeof why);
  if (e) {
    if (why[0]) http_error(r, e, "%s", why);
    else api_fail(r, e, "assignment");
    return;
  }
  char *loc = arena_printf(&r->arena, "/api/v1/tasks/assign/%lld", (long long)p.id);
  if (loc) http_header(r, "Location", loc);
  answer_proposal(r, 201, &p);
}

void tasks_assign_get(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  store_matching_proposal sp;
  pheme_err e = store_matching_proposal_get(req_store(r), &r->arena, id, &sp);
  if (e) {
    api_fail(r, e, "proposal");
    return;
  }
  if (sp.creator_id != r->who.user_id && !(r->who.roles & ROLE_ADMIN)) {
    http_error(r, PHEME_AUTH_NOT_OWNER, "proposal %lld was made for another creator", (long long)id);
    return;
  }
  matching_proposal p;
  memset(&p, 0, sizeof p);
  p.id = sp.id;
  p.creator_id = sp.creator_id;
  p.status = sp.status;
  p.total_fit = sp.total_fit;
  p.created_at = sp.created_at;
  p.confirmed_at = sp.confirmed_at;
  p.npairs = sp.npairs;
  p.pairs = arena_zalloc(&r->arena, sizeof *p.pairs * (size_t)(sp.npairs ? sp.npairs : 1));
  if (!p.pairs) {
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  for (int i = 0; i < sp.npairs; i++)
    p.pairs[i] = (matching_pair){sp.pairs[i].task_id, sp.pairs[i].user_id, (int)sp.pairs[i].fit};
  answer_proposal(r, 200, &p);
}

void tasks_assign_confirm(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  matching *m = engine(r);
  if (!m) return;
  work_principal who = api_principal(r);
  store_actor sa = api_actor(r);
  matching_proposal p;
  char why[256];
  pheme_err e = matching_assign_confirm(m, req_store(r), &r->arena, &sa, &who, id, &p, why, sizeof why);
  if (e) {
    if (why[0]) http_error(r, e, "%s", why);
    else api_fail(r, e, "proposal");
    return;
  }
  answer_proposal(r, 200, &p);
}

/* ---- keeping the index current from the task routes ---- */

void api_matching_task_changed(http_req *r, const task *t) {
  matching *m = req_app(r)->matching;
  if (m && matching_apply_task(m, t))
    log_warn("matching: task %lld not applied to the index (the next refresh will)", (long long)t->id);
}
