/* Tasks and submissions to them. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "eth/address.h"
#include "core/banned.h"

extern const json_field api_task_skill_fields[], api_requirements_fields[], api_validation_fields[],
    api_rubric_fields[], api_evidence_fields[];

/* Checks every element of an array against a schema's fields. */
static int check_items(http_req *r, const json_t *arr, const char *schema, const char *what) {
  const api_schema *s = api_schema_find(schema);
  size_t i;
  json_t *v;
  json_array_foreach((json_t *)arr, i, v) {
    char msg[200];
    if (json_check(v, s->fields, s->nfields, msg, sizeof msg)) {
      http_error(r, PHEME_API_BAD_REQUEST, "%s[%zu]: %s", what, i, msg);
      return -1;
    }
  }
  return 0;
}

static int check_object(http_req *r, const json_t *obj, const char *schema, const char *what) {
  const api_schema *s = api_schema_find(schema);
  char msg[200];
  if (json_check(obj, s->fields, s->nfields, msg, sizeof msg)) {
    http_error(r, PHEME_API_BAD_REQUEST, "%s: %s", what, msg);
    return -1;
  }
  return 0;
}

/* requirements with defaults filled, as stored. */
static char *normalize_requirements(http_req *r, const json_t *in) {
  if (in && check_object(r, in, "TaskRequirements", "requirements")) return NULL;
  json_t *o = json_pack("{s:I,s:I}", "minReputation", (json_int_t)json_int(in, "minReputation", 0),
                        "minLevel", (json_int_t)json_int(in, "minLevel", 0));
  char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  char *copy = text ? arena_strdup(&r->arena, text) : NULL;
  free(text);
  if (!copy) http_error(r, PHEME_SYS_NOMEM, NULL);
  return copy;
}

/* validation with defaults filled: a one-criterion rubric, AI and peer review on, links as
 * evidence, 70 to pass, three validators agreeing at 66%. */
static char *normalize_validation(http_req *r, const json_t *in) {
  if (in && check_object(r, in, "TaskValidation", "validation")) return NULL;
  const json_t *rubric = json_object_get(in, "rubric"), *types = json_object_get(in, "evidenceTypes");
  if (rubric && check_items(r, rubric, "RubricCriterion", "validation.rubric")) return NULL;
  if (rubric) {
    long long total = 0;
    size_t i;
    json_t *v;
    json_array_foreach((json_t *)rubric, i, v) total += json_int(v, "weight", 0);
    if (total != 100) {
      http_error(r, PHEME_DATA_INVALID, "validation.rubric weights add up to %lld, not 100", total);
      return NULL;
    }
  }
  if (types) {
    size_t i;
    json_t *v;
    json_array_foreach((json_t *)types, i, v) {
      const char *t = json_is_string(v) ? json_string_value(v) : "";
      if (strcmp(t, "text") && strcmp(t, "link") && strcmp(t, "repository") && strcmp(t, "image") &&
          strcmp(t, "video") && strcmp(t, "document")) {
        http_error(r, PHEME_API_BAD_REQUEST,
                   "validation.evidenceTypes[%zu] must be text, link, repository, image, video or document", i);
        return NULL;
      }
    }
  }
  json_t *o = json_pack(
      "{s:O,s:b,s:b,s:O,s:I,s:I,s:I}", "rubric",
      rubric ? rubric : json_pack("[{s:s,s:i}]", "criterion", "Meets the task description", "weight", 100),
      "aiReview", json_is_false(json_object_get(in, "aiReview")) ? 0 : 1, "peerReview",
      json_is_false(json_object_get(in, "peerReview")) ? 0 : 1, "evidenceTypes",
      types ? types : json_pack("[s]", "link"), "minScore", (json_int_t)json_int(in, "minScore", 70),
      "minValidators", (json_int_t)json_int(in, "minValidators", 3), "consensusThreshold",
      (json_int_t)json_int(in, "consensusThreshold", 66));
  char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(o);
  char *copy = text ? arena_strdup(&r->arena, text) : NULL;
  free(text);
  if (!copy) http_error(r, PHEME_SYS_NOMEM, NULL);
  return copy;
}

/* A task as the body describes it. For a new task every field is set (defaults filled in); for
 * an edit only those the body names are, and merge() lays them over the current task inside the
 * store's write transaction. Everything that does not depend on the current task (formats,
 * the guild, the deadline, the rubric) is checked here, before any transaction starts. */
typedef struct {
  task fields;
  int has_skills, has_deadline, has_guild;
  http_req *r;
  char why[200];
} task_patch;

/* Returns 0, or answers and returns -1. */
static int read_patch(http_req *r, const json_t *b, int creating, task_patch *p) {
  memset(p, 0, sizeof *p);
  p->r = r;
  task *t = &p->fields;
  t->type = json_str(b, "type", NULL);
  t->title = json_str(b, "title", NULL);
  t->description = json_str(b, "description", NULL);
  t->difficulty = (int)json_int(b, "difficulty", 0);
  t->xp_reward = json_int(b, "xpReward", -1);
  t->token_reward = json_str(b, "tokenReward", creating ? "0" : NULL);
  t->status = json_str(b, "status", creating ? "OPEN" : NULL);
  const char *deadline = json_str(b, "deadline", NULL);
  if (deadline) {
    p->has_deadline = 1;
    if (api_time_parse(deadline, &t->deadline)) {
      http_error(r, PHEME_API_BAD_REQUEST, "deadline '%.40s' is not an RFC 3339 time", deadline);
      return -1;
    }
    if (t->deadline <= time_now_ms()) {
      http_error(r, PHEME_DATA_INVALID, "deadline %.40s is in the past", deadline);
      return -1;
    }
  }
  const char *gslug = json_str(b, "guild", NULL);
  if (gslug) {
    guild g;
    pheme_err e = store_guild_get(req_store(r), &r->arena, gslug, &g);
    if (e == PHEME_DATA_NOT_FOUND) {
      http_error(r, PHEME_DATA_INVALID, "guild '%.64s' does not exist", gslug);
      return -1;
    }
    if (e) {
      api_fail(r, e, "guild");
      return -1;
    }
    p->has_guild = 1;
    t->guild_id = g.id;
  }
  const json_t *skills = json_object_get(b, "skills");
  if (skills) {
    if (check_items(r, skills, "TaskSkill", "skills")) return -1;
    p->has_skills = 1;
    t->nskills = (int)json_array_size(skills);
    t->skills = arena_zalloc(&r->arena, sizeof *t->skills * (size_t)(t->nskills ? t->nskills : 1));
    if (!t->skills) {
      http_error(r, PHEME_SYS_NOMEM, NULL);
      return -1;
    }
    for (int i = 0; i < t->nskills; i++) {
      const json_t *v = json_array_get(skills, (size_t)i);
      t->skills[i].slug = json_str(v, "skill", "");
      t->skills[i].min_level = (int)json_int(v, "minLevel", 0);
      for (int j = 0; j < i; j++)
        if (strcmp(t->skills[j].slug, t->skills[i].slug) == 0) {
          http_error(r, PHEME_API_BAD_REQUEST, "skills[%d]: '%.64s' is listed twice", i, t->skills[i].slug);
          return -1;
        }
    }
  }
  const json_t *req = json_object_get(b, "requirements"), *val = json_object_get(b, "validation");
  if ((req || creating) && !(t->requirements = normalize_requirements(r, req))) return -1;
  if ((val || creating) && !(t->validation = normalize_validation(r, val))) return -1;
  return 0;
}

/* Lays the patch over the current task, after the checks that need it: the caller posted the
 * task (or is an admin), the task is not closed, an open task does not go back to draft. */
static pheme_err merge(task *t, int *replace_skills, void *ctx) {
  task_patch *p = ctx;
  const task *f = &p->fields;
  if (t->creator_id != p->r->who.user_id && !(p->r->who.roles & ROLE_ADMIN)) {
    snprintf(p->why, sizeof p->why, "task %lld was posted by someone else", (long long)t->id);
    return PHEME_AUTH_NOT_OWNER;
  }
  if (strcmp(t->status, "CLOSED") == 0) {
    snprintf(p->why, sizeof p->why, "task %lld is closed and can no longer be edited", (long long)t->id);
    return PHEME_DATA_STATE;
  }
  if (f->status && strcmp(t->status, "OPEN") == 0 && strcmp(f->status, "DRAFT") == 0) {
    snprintf(p->why, sizeof p->why, "task %lld is open; it cannot go back to draft", (long long)t->id);
    return PHEME_DATA_STATE;
  }
  if (f->type) t->type = f->type;
  if (f->title) t->title = f->title;
  if (f->description) t->description = f->description;
  if (f->difficulty) t->difficulty = f->difficulty;
  if (f->xp_reward >= 0) t->xp_reward = f->xp_reward;
  if (f->token_reward) t->token_reward = f->token_reward;
  if (f->status) t->status = f->status;
  if (f->requirements) t->requirements = f->requirements;
  if (f->validation) t->validation = f->validation;
  if (p->has_deadline) t->deadline = f->deadline;
  if (p->has_guild) t->guild_id = f->guild_id;
  if (p->has_skills) {
    t->skills = f->skills;
    t->nskills = f->nskills;
    *replace_skills = 1;
  }
  return PHEME_OK;
}

/* Closing: only its poster (or an admin), and only once. */
static pheme_err close_task(task *t, int *replace_skills, void *ctx) {
  task_patch *p = ctx;
  (void)replace_skills;
  if (t->creator_id != p->r->who.user_id && !(p->r->who.roles & ROLE_ADMIN)) {
    snprintf(p->why, sizeof p->why, "task %lld was posted by someone else", (long long)t->id);
    return PHEME_AUTH_NOT_OWNER;
  }
  if (strcmp(t->status, "CLOSED") == 0) {
    snprintf(p->why, sizeof p->why, "task %lld is already closed", (long long)t->id);
    return PHEME_DATA_STATE;
  }
  t->status = "CLOSED";
  return PHEME_OK;
}

static void task_error(http_req *r, pheme_err e, int64_t id) {
  char subject[64];
  if (e == PHEME_DATA_INVALID) {
    http_error(r, e, "the task names a skill that is not in the catalogue (see GET /api/v1/skills)");
    return;
  }
  snprintf(subject, sizeof subject, "task %lld", (long long)id);
  api_fail(r, e, subject);
}

void tasks_create(http_req *r) {
  json_t *b;
  task_patch p;
  if (api_body(r, "TaskCreate", &b) || read_patch(r, b, 1, &p)) return;
  task t = p.fields;
  t.creator_id = r->who.user_id;
  store_actor who = api_actor(r);
  pheme_err e = store_task_create(req_store(r), &r->arena, &who, &t);
  if (e) {
    task_error(r, e, 0);
    return;
  }
  char *loc = arena_printf(&r->arena, "/api/v1/tasks/%lld", (long long)t.id);
  if (loc) http_header(r, "Location", loc);
  API_ANSWER(r, 201, api_task_write, &t);
}

void tasks_get(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  task t;
  pheme_err e = store_task_get(req_store(r), &r->arena, id, &t);
  if (e) {
    task_error(r, e, id);
    return;
  }
  API_ANSWER(r, 200, api_task_write, &t);
}

/* Runs an edit of task id through the store and answers with the task or the refusal. */
static void edit(http_req *r, int64_t id, task_edit_fn fn, task_patch *p) {
  store_actor who = api_actor(r);
  task t;
  pheme_err e = store_task_edit(req_store(r), &r->arena, &who, id, fn, p, &t);
  if (e && p->why[0]) {
    http_error(r, e, "%s", p->why);
    return;
  }
  if (e) {
    task_error(r, e, id);
    return;
  }
  API_ANSWER(r, 200, api_task_write, &t);
}

void tasks_update(http_req *r) {
  int64_t id;
  json_t *b;
  task_patch p;
  if (api_id_param(r, "id", &id) || api_body(r, "TaskUpdate", &b) || read_patch(r, b, 0, &p)) return;
  edit(r, id, merge, &p);
}

void tasks_close(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  task_patch p;
  memset(&p, 0, sizeof p);
  p.r = r;
  edit(r, id, close_task, &p);
}

static int parse_enum_query(http_req *r, const char *key, const char *choices, const char **out) {
  const char *v = http_query(r, key);
  *out = NULL;
  if (!v) return 0;
  size_t n = strlen(v);
  for (const char *p = choices; *p;) {
    size_t len = strcspn(p, "|");
    if (len == n && memcmp(p, v, n) == 0) {
      *out = v;
      return 0;
    }
    p += len + (p[len] == '|');
  }
  http_error(r, PHEME_API_BAD_REQUEST, "%s '%.40s' must be one of %s", key, v, choices);
  return -1;
}

static int parse_difficulty(http_req *r, const char *key, int *out) {
  const char *v = http_query(r, key);
  long long d;
  if (!v) return 0;
  if (parse_int(v, 1, 10, &d)) {
    http_error(r, PHEME_API_BAD_REQUEST, "%s '%.20s' must be an integer from 1 to 10", key, v);
    return -1;
  }
  *out = (int)d;
  return 0;
}

void tasks_list(http_req *r) {
  task_filter f = {0};
  store_page p;
  int exact = 0;
  if (parse_enum_query(r, "type", "LESSON|BOUNTY|QUEST", &f.type) ||
      parse_enum_query(r, "status", "DRAFT|OPEN|CLOSED", &f.status) ||
      parse_difficulty(r, "difficulty", &exact) || parse_difficulty(r, "minDifficulty", &f.difficulty_min) ||
      parse_difficulty(r, "maxDifficulty", &f.difficulty_max) || api_page(r, &p))
    return;
  if (exact) f.difficulty_min = f.difficulty_max = exact;
  f.skill = http_query(r, "skill");
  const char *creator = http_query(r, "creator");
  if (creator) {
    uint8_t a[20];
    user u;
    eth_err why;
    if (address_parse(a, creator, strlen(creator), 0, &why)) {
      http_error(r, PHEME_API_BAD_REQUEST, "creator '%.60s' is not an address: %s", creator, why.msg);
      return;
    }
    pheme_err e = store_user_by_address(req_store(r), &r->arena, a, &u);
    if (e == PHEME_DATA_NOT_FOUND) {
      http_json(r, 200, json_pack("{s:[],s:n}", "items", "nextCursor"));
      return;
    }
    if (e) { api_fail(r, e, "creator"); return; }
    f.creator_id = u.id;
  }
  task *list;
  int n;
  pheme_err e = store_tasks_list(req_store(r), &r->arena, &f, &p, &list, &n);
  if (e) { api_fail(r, e, "tasks"); return; }
  API_ANSWER_PAGE(r, list, n, &p, api_task_write, id);
}

void tasks_submit(http_req *r) {
  int64_t id;
  json_t *b;
  if (api_id_param(r, "id", &id) || api_body(r, "SubmissionCreate", &b)) return;
  const json_t *evidence = json_object_get(b, "evidence");
  if (evidence) {
    if (check_items(r, evidence, "Evidence", "evidence")) return;
    size_t i;
    json_t *v;
    json_array_foreach((json_t *)evidence, i, v) {
      const char *url = json_str(v, "url", "");
      if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        http_error(r, PHEME_API_BAD_REQUEST, "evidence[%zu].url must be an http or https URL", i);
        return;
      }
    }
  }
  task t;
  pheme_err e = store_task_get(req_store(r), &r->arena, id, &t);
  if (e) {
    task_error(r, e, id);
    return;
  }
  if (t.creator_id == r->who.user_id) {
    http_error(r, PHEME_DATA_STATE, "you posted task %lld; its creator cannot submit to it", (long long)id);
    return;
  }
  char *ev = json_dumps(evidence ? evidence : json_array(), JSON_COMPACT);
  submission s = {.task_id = id, .user_id = r->who.user_id, .text = json_str(b, "text", ""),
                  .evidence = ev ? arena_strdup(&r->arena, ev) : NULL};
  free(ev);
  if (!s.evidence) {
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  store_actor who = api_actor(r);
  e = store_submission_create(req_store(r), &r->arena, &who, &s);
  if (e == PHEME_DATA_STATE) {
    http_error(r, e, "task %lld is not open for submissions", (long long)id);
    return;
  }
  if (e == PHEME_DATA_CONFLICT) {
    http_error(r, e, "you already have a submission for task %lld", (long long)id);
    return;
  }
  if (e) {
    task_error(r, e, id);
    return;
  }
  char *loc = arena_printf(&r->arena, "/api/v1/submissions/%lld", (long long)s.id);
  if (loc) http_header(r, "Location", loc);
  API_ANSWER(r, 201, api_submission_write, &s);
}

/* Loads the task and checks that the caller posted it (or is an admin). */
static int owned_task(http_req *r, int64_t id, task *t) {
  pheme_err e = store_task_get(req_store(r), &r->arena, id, t);
  if (e) {
    task_error(r, e, id);
    return -1;
  }
  if (t->creator_id != r->who.user_id && !(r->who.roles & ROLE_ADMIN)) {
    http_error(r, PHEME_AUTH_NOT_OWNER, "task %lld was posted by someone else", (long long)id);
    return -1;
  }
  return 0;
}

void tasks_submissions(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  task t;
  store_page p;
  if (owned_task(r, id, &t) || api_page(r, &p)) return;
  submission *list;
  int n;
  pheme_err e = store_submissions_list(req_store(r), &r->arena, 0, id, &p, &list, &n);
  if (e) { api_fail(r, e, "submissions"); return; }
  API_ANSWER_PAGE(r, list, n, &p, api_submission_write, id);
}

void submissions_get(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  submission s;
  pheme_err e = store_submission_get(req_store(r), &r->arena, id, &s);
  char subject[64];
  snprintf(subject, sizeof subject, "submission %lld", (long long)id);
  if (e) { api_fail(r, e, subject); return; }
  int allowed = s.user_id == r->who.user_id || (r->who.roles & (ROLE_ADMIN | ROLE_VALIDATOR));
  if (!allowed) {
    task t;
    allowed = store_task_get(req_store(r), &r->arena, s.task_id, &t) == PHEME_OK &&
              t.creator_id == r->who.user_id;
  }
  if (!allowed) {
    http_error(r, PHEME_AUTH_NOT_OWNER, "submission %lld belongs to someone else", (long long)id);
    return;
  }
  API_ANSWER(r, 200, api_submission_write, &s);
}
