/* Task and submission rules; see tasks.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "store/game.h"
#include "work/tasks.h"
#include "core/banned.h"

int work_evidence_type_known(const char *type) {
  size_t n = type ? strlen(type) : 0;
  if (!n) return 0;
  for (const char *p = WORK_EVIDENCE_TYPES; *p;) {
    size_t len = strcspn(p, "|");
    if (len == n && memcmp(p, type, n) == 0) return 1;
    p += len + (p[len] == '|');
  }
  return 0;
}

unsigned work_task_actors(const work_principal *p, const task *t) {
  unsigned a = 0;
  if (p->system) return ACT_SYSTEM;
  if (p->roles & ROLE_ADMIN) a |= ACT_ADMIN;
  a |= t->creator_id == p->user_id ? ACT_CREATOR : ACT_SUBMITTER;
  return a;
}

/* o as compact JSON with sorted keys, copied into a; o is released. */
static const char *dump(arena *a, json_t *o) {
  char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(o);
  const char *copy = text ? arena_strdup(a, text) : NULL;
  free(text);
  return copy;
}

pheme_err work_requirements_normalize(arena *a, const json_t *in, const char **out, char *why,
                                      size_t n) {
  *out = dump(a, json_pack("{s:I,s:I}", "minReputation", (json_int_t)json_int(in, "minReputation", 0),
                           "minLevel", (json_int_t)json_int(in, "minLevel", 0)));
  return *out ? PHEME_OK : pheme_fail(PHEME_SYS_NOMEM, why, n, "out of memory");
}

pheme_err work_validation_normalize(arena *a, const json_t *in, const char **out, char *why,
                                    size_t n) {
  json_t *rubric = json_object_get(in, "rubric"), *types = json_object_get(in, "evidenceTypes");
  size_t i;
  json_t *v;
  if (rubric) {
    long long total = 0;
    json_array_foreach(rubric, i, v) total += json_int(v, "weight", 0);
    if (total != 100)
      return pheme_fail(PHEME_DATA_INVALID, why, n, "validation.rubric weights add up to %lld, not 100", total);
  }
  json_array_foreach(types, i, v) {
    if (!json_is_string(v) || !work_evidence_type_known(json_string_value(v)))
      return pheme_fail(PHEME_API_BAD_REQUEST, why, n, "validation.evidenceTypes[%zu] must be one of %s", i,
                    WORK_EVIDENCE_TYPES);
  }
  /* borrowed values are taken with a reference of their own, defaults are fresh: "o" steals both */
  json_t *r = rubric ? json_incref(rubric)
                     : json_pack("[{s:s,s:i}]", "criterion", WORK_DEFAULT_CRITERION, "weight", 100);
  json_t *t = types ? json_incref(types) : json_pack("[s]", WORK_DEFAULT_EVIDENCE);
  *out = dump(a, json_pack("{s:o,s:b,s:b,s:o,s:I,s:I,s:I}", "rubric", r, "aiReview",
                           json_is_false(json_object_get(in, "aiReview")) ? 0 : 1, "peerReview",
                           json_is_false(json_object_get(in, "peerReview")) ? 0 : 1, "evidenceTypes", t,
                           "minScore", (json_int_t)json_int(in, "minScore", WORK_DEFAULT_MIN_SCORE),
                           "minValidators",
                           (json_int_t)json_int(in, "minValidators", WORK_DEFAULT_MIN_VALIDATORS),
                           "consensusThreshold",
                           (json_int_t)json_int(in, "consensusThreshold", WORK_DEFAULT_CONSENSUS)));
  return *out ? PHEME_OK : pheme_fail(PHEME_SYS_NOMEM, why, n, "out of memory");
}

/* Normalizes the requirements and validation that in gives into fields' text. */
static pheme_err normalize_into(arena *a, const work_task_input *in, int creating, task *fields,
                                char *why, size_t n) {
  pheme_err e = PHEME_OK;
  if (in->requirements || creating) e = work_requirements_normalize(a, in->requirements, &fields->requirements, why, n);
  if (!e && (in->validation || creating)) e = work_validation_normalize(a, in->validation, &fields->validation, why, n);
  return e;
}

pheme_err work_task_prepare(arena *a, const work_principal *who, const work_task_input *in,
                            int64_t now, task *out, char *why, size_t n) {
  *out = in->fields;
  if (!out->token_reward) out->token_reward = WORK_DEFAULT_TOKEN_REWARD;
  task_status st = TASK_OPEN;
  if (out->status && task_status_parse(out->status, &st))
    return pheme_fail(PHEME_API_BAD_REQUEST, why, n, "status '%.20s' is not a task status", out->status);
  if (st == TASK_CLOSED) return pheme_fail(PHEME_DATA_STATE, why, n, "a new task cannot start closed");
  out->status = task_status_name(st);
  if (in->has_deadline && out->deadline <= now)
    return pheme_fail(PHEME_DATA_INVALID, why, n, "the deadline is in the past");
  if (!in->has_deadline) out->deadline = 0;
  if (!in->has_guild) out->guild_id = 0;
  if (!in->has_skills) {
    out->skills = NULL;
    out->nskills = 0;
  }
  out->creator_id = who->user_id;
  return normalize_into(a, in, 1, out, why, n);
}

/* Asks the task table; on a refusal writes why and returns the error. */
static pheme_err task_step(const work_principal *who, const task *cur, task_event ev,
                           task_status *to, char *why, size_t n) {
  task_status from;
  if (task_status_parse(cur->status, &from))
    return pheme_fail(PHEME_SYS_INTERNAL, why, n, "task %lld has an unknown status '%.20s'", (long long)cur->id, cur->status);
  switch (work_task_step(from, ev, work_task_actors(who, cur), to)) {
    case WORK_ALLOWED: return PHEME_OK;
    case WORK_NOT_YOURS:
      if (ev == TASK_EV_SUBMIT)
        return pheme_fail(PHEME_DATA_STATE, why, n, "you posted task %lld; its creator cannot submit to it", (long long)cur->id);
      return pheme_fail(PHEME_AUTH_NOT_OWNER, why, n, "task %lld was posted by someone else", (long long)cur->id);
    case WORK_NO_ROW: break;
  }
  if (ev == TASK_EV_SUBMIT)
    return pheme_fail(PHEME_DATA_STATE, why, n, "task %lld is not open for submissions", (long long)cur->id);
  if (ev == TASK_EV_CLOSE && from == TASK_CLOSED)
    return pheme_fail(PHEME_DATA_STATE, why, n, "task %lld is already closed", (long long)cur->id);
  if (from == TASK_CLOSED)
    return pheme_fail(PHEME_DATA_STATE, why, n, "task %lld is closed and can no longer be edited", (long long)cur->id);
  if (ev == TASK_EV_UNPUBLISH)
    return pheme_fail(PHEME_DATA_STATE, why, n, "task %lld is open; it cannot go back to draft", (long long)cur->id);
  return pheme_fail(PHEME_DATA_STATE, why, n, "task %lld is %s; it cannot %s", (long long)cur->id,
                task_status_name(from), task_event_name(ev));
}

pheme_err work_task_apply_edit(const work_principal *who, const work_task_input *in, task *cur,
                               int *replace_skills, char *why, size_t n) {
  const task *f = &in->fields;
  task_event ev = TASK_EV_EDIT;
  task_status from, target;
  if (f->status && task_status_parse(f->status, &target))
    return pheme_fail(PHEME_API_BAD_REQUEST, why, n, "status '%.20s' is not a task status", f->status);
  if (f->status && task_status_parse(cur->status, &from) == 0 && target != from)
    ev = target == TASK_CLOSED ? TASK_EV_CLOSE : target == TASK_OPEN ? TASK_EV_PUBLISH : TASK_EV_UNPUBLISH;
  task_status to;
  pheme_err e = task_step(who, cur, ev, &to, why, n);
  if (e) return e;
  if (f->type) cur->type = f->type;
  if (f->title) cur->title = f->title;
  if (f->description) cur->description = f->description;
  if (f->difficulty) cur->difficulty = f->difficulty;
  if (f->xp_reward >= 0) cur->xp_reward = f->xp_reward;
  if (f->token_reward) cur->token_reward = f->token_reward;
  if (f->requirements) cur->requirements = f->requirements;
  if (f->validation) cur->validation = f->validation;
  if (in->has_deadline) cur->deadline = f->deadline;
  if (in->has_guild) cur->guild_id = f->guild_id;
  if (in->has_skills) {
    cur->skills = f->skills;
    cur->nskills = f->nskills;
    *replace_skills = 1;
  }
  cur->status = task_status_name(to);
  return PHEME_OK;
}

pheme_err work_task_apply_close(const work_principal *who, task *cur, char *why, size_t n) {
  task_status to;
  pheme_err e = task_step(who, cur, TASK_EV_CLOSE, &to, why, n);
  if (!e) cur->status = task_status_name(to);
  return e;
}

/* ---- with storage ---- */

typedef struct {
  const work_principal *who;
  const work_task_input *in;
  char *why;
  size_t n;
} edit_ctx;

static pheme_err edit_cb(task *t, int *replace_skills, void *ctx) {
  edit_ctx *c = ctx;
  return work_task_apply_edit(c->who, c->in, t, replace_skills, c->why, c->n);
}

static pheme_err close_cb(task *t, int *replace_skills, void *ctx) {
  edit_ctx *c = ctx;
  (void)replace_skills;
  return work_task_apply_close(c->who, t, c->why, c->n);
}

/* Every skill the task names must be in the catalogue: refused naming the first that is not
 * (before the write, so the store's own refusal never has to be guessed at). */
static pheme_err skills_known(store *s, arena *a, const task *t, char *why, size_t n) {
  for (int i = 0; i < t->nskills; i++) {
    skill k;
    pheme_err e = store_skill_get(s, a, t->skills[i].slug, &k);
    if (e == PHEME_DATA_NOT_FOUND)
      return pheme_fail(PHEME_DATA_INVALID, why, n,
                        "skill '%.64s' is not in the catalogue (see GET /api/v1/skills)",
                        t->skills[i].slug);
    if (e) return e;
  }
  return PHEME_OK;
}

pheme_err work_task_create(store *s, arena *a, const store_actor *sa, const work_principal *who,
                           const work_task_input *in, task *out, char *why, size_t n) {
  why[0] = 0;
  pheme_err e = work_task_prepare(a, who, in, time_now_ms(), out, why, n);
  if (!e) e = skills_known(s, a, out, why, n);
  if (!e) e = store_task_create(s, a, sa, out);
  return e;
}

pheme_err work_task_edit(store *s, arena *a, const store_actor *sa, const work_principal *who,
                         int64_t id, const work_task_input *in, task *out, char *why, size_t n) {
  why[0] = 0;
  work_task_input norm = *in;
  if (in->has_deadline && in->fields.deadline <= time_now_ms())
    return pheme_fail(PHEME_DATA_INVALID, why, n, "the deadline is in the past");
  pheme_err e = normalize_into(a, in, 0, &norm.fields, why, n);
  if (e) return e;
  if (in->has_skills) e = skills_known(s, a, &norm.fields, why, n);
  if (e) return e;
  edit_ctx c = {who, &norm, why, n};
  return store_task_edit(s, a, sa, id, edit_cb, &c, out);
}

pheme_err work_task_close(store *s, arena *a, const store_actor *sa, const work_principal *who,
                          int64_t id, task *out, char *why, size_t n) {
  why[0] = 0;
  edit_ctx c = {who, NULL, why, n};
  return store_task_edit(s, a, sa, id, close_cb, &c, out);
}

int work_task_owned_by(const work_principal *who, const task *t) {
  return (work_task_actors(who, t) & (ACT_CREATOR | ACT_ADMIN | ACT_SYSTEM)) != 0;
}

int work_sub_visible_to(const work_principal *who, const submission *s, int64_t task_creator) {
  if (who->system || (who->roles & (ROLE_ADMIN | ROLE_VALIDATOR))) return 1;
  return who->user_id != 0 && (s->user_id == who->user_id || task_creator == who->user_id);
}

/* ---- submitting ---- */

int work_sub_is_live(sub_state s) { return s != SUB_REJECTED; }

pheme_err work_person_load(store *s, arena *a, const work_principal *who, work_person *out) {
  memset(out, 0, sizeof *out);
  if (who->system || !who->user_id) return PHEME_OK;
  user u;
  pheme_err e = store_user_get(s, a, who->user_id, &u);
  if (e) return e;
  wallet_view v;
  e = store_wallet_view(s, a, u.address, &v);
  if (e) return e;
  work_skill *sk = arena_zalloc(a, sizeof *sk * (size_t)(v.nskills ? v.nskills : 1));
  if (!sk) return PHEME_SYS_NOMEM;
  for (int i = 0; i < v.nskills; i++) {
    sk[i].slug = v.skills[i].slug;
    sk[i].level = v.skills[i].level;
    if (sk[i].level > out->level) out->level = sk[i].level;
  }
  out->skills = sk;
  out->nskills = v.nskills;
  out->reputation = 0; /* no reputation engine yet: everyone starts at 0 */
  return PHEME_OK;
}

static int skill_level_of(const work_person *p, const char *slug) {
  for (int i = 0; i < p->nskills; i++)
    if (strcmp(p->skills[i].slug, slug) == 0) return p->skills[i].level;
  return 0;
}

pheme_err work_check_requirements(const task *t, const work_person *p, char *why, size_t n) {
  for (int i = 0; i < t->nskills; i++) {
    int have = skill_level_of(p, t->skills[i].slug);
    if (have < t->skills[i].min_level)
      return pheme_fail(PHEME_WORK_REQUIREMENTS, why, n, "task %lld requires skill '%s' at level %d; you have %d",
                    (long long)t->id, t->skills[i].slug, t->skills[i].min_level, have);
  }
  json_t *req = t->requirements ? json_loads(t->requirements, 0, NULL) : NULL;
  long long rep = json_int(req, "minReputation", 0), lvl = json_int(req, "minLevel", 0);
  json_decref(req);
  if (p->reputation < rep)
    return pheme_fail(PHEME_WORK_REQUIREMENTS, why, n, "task %lld requires a reputation of at least %lld; yours is %d",
                  (long long)t->id, rep, p->reputation);
  if (p->level < lvl)
    return pheme_fail(PHEME_WORK_REQUIREMENTS, why, n, "task %lld requires level %lld; yours is %d",
                  (long long)t->id, lvl, p->level);
  return PHEME_OK;
}

/* Is type among the task's accepted evidence types (a JSON array)? */
static int accepted(const json_t *types, const char *type) {
  size_t i;
  json_t *v;
  json_array_foreach((json_t *)types, i, v) if (json_is_string(v) && strcmp(json_string_value(v), type) == 0) return 1;
  return 0;
}

/* Each evidence item's url is http or https. */
static pheme_err check_urls(const json_t *evidence, char *why, size_t n) {
  size_t i;
  json_t *v;
  json_array_foreach((json_t *)evidence, i, v) {
    const char *url = json_str(v, "url", "");
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
      return pheme_fail(PHEME_API_BAD_REQUEST, why, n, "evidence[%zu].url must be an http or https URL", i);
  }
  return PHEME_OK;
}

pheme_err work_check_evidence(const task *t, const json_t *evidence, char *why, size_t n) {
  size_t i;
  json_t *v;
  pheme_err e = check_urls(evidence, why, n);
  if (e || json_array_size(evidence) == 0) return e;
  json_t *val = t->validation ? json_loads(t->validation, 0, NULL) : NULL;
  json_t *types = json_object_get(val, "evidenceTypes");
  json_array_foreach((json_t *)evidence, i, v) {
    const char *type = json_str(v, "type", "");
    if (accepted(types, type)) continue;
    char list[160] = "";
    size_t len = 0, j;
    json_t *x;
    json_array_foreach(types, j, x) {
      int k = snprintf(list + len, sizeof list - len, "%s%s", j ? ", " : "", json_string_value(x) ? json_string_value(x) : "?");
      if (k < 0 || (size_t)k >= sizeof list - len) break;
      len += (size_t)k;
    }
    e = pheme_fail(PHEME_DATA_INVALID, why, n, "evidence[%zu] is of type '%.20s'; task %lld accepts only %s", i, type,
               (long long)t->id, len ? list : "no evidence");
    break;
  }
  json_decref(val);
  return e;
}

pheme_err work_submit_check(const work_principal *who, const work_person *p, const task *t,
                            const json_t *evidence, const char *const *earlier, int nearlier,
                            int64_t now, char *why, size_t n) {
  task_status to;
  pheme_err e = task_step(who, t, TASK_EV_SUBMIT, &to, why, n);
  if (e) return e;
  if (t->deadline && t->deadline < now)
    return pheme_fail(PHEME_DATA_STATE, why, n, "task %lld is not open for submissions: its deadline has passed", (long long)t->id);
  for (int i = 0; i < nearlier; i++) {
    sub_state st;
    if (sub_state_parse(earlier[i], &st) || work_sub_is_live(st))
      return pheme_fail(PHEME_DATA_CONFLICT, why, n, "you already have a submission for task %lld", (long long)t->id);
  }
  e = work_check_evidence(t, evidence, why, n);
  if (!e) e = work_check_requirements(t, p, why, n);
  return e;
}

typedef struct {
  const work_principal *who;
  const work_person *person;
  const json_t *evidence;
  int64_t now;
  char *why;
  size_t n;
} submit_ctx;

static pheme_err submit_cb(const task *t, const char *const *earlier, int nearlier, void *ctx) {
  submit_ctx *c = ctx;
  return work_submit_check(c->who, c->person, t, c->evidence, earlier, nearlier, c->now, c->why, c->n);
}

pheme_err work_submit(store *s, arena *a, const store_actor *sa, const work_principal *who,
                      int64_t task_id, const char *text, const json_t *evidence, submission *out,
                      char *why, size_t n) {
  why[0] = 0;
  pheme_err e = check_urls(evidence, why, n);
  if (e) return e;
  work_person person;
  e = work_person_load(s, a, who, &person);
  if (e) return e;
  /* a quest's step stays locked until the steps before it are approved (store/game.h) */
  int locked = 0;
  if (who->user_id) e = store_quest_task_locked(s, who->user_id, task_id, &locked, why, n);
  if (e) return e;
  if (locked) return PHEME_WORK_REQUIREMENTS;
  const char *ev;
  if (evidence) {
    char *text_ev = json_dumps(evidence, JSON_COMPACT);
    ev = text_ev ? arena_strdup(a, text_ev) : NULL;
    free(text_ev);
  } else {
    ev = "[]";
  }
  if (!ev) return PHEME_SYS_NOMEM;
  memset(out, 0, sizeof *out);
  out->task_id = task_id;
  out->user_id = who->user_id;
  out->text = text;
  out->evidence = ev;
  out->state = sub_state_name(SUB_SUBMITTED);
  submit_ctx c = {who, &person, evidence, time_now_ms(), why, n};
  return store_submission_create(s, a, sa, out, submit_cb, &c);
}
