/* Tasks and submissions to them: thin adapters that parse the request, build the principal, call
 * the work engine (work/tasks.h) and render its answer. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/util.h"
#include "eth/address.h"
#include "content/cid.h"
#include "content/content.h"
#include "validation/pipeline.h"
#include "work/tasks.h"
#include "core/banned.h"

/* Checks every element of an array against a schema's fields. */
static pheme_err check_items(http_req *r, const json_t *arr, const char *schema, const char *what) {
  const api_schema *s = api_schema_find(schema);
  size_t i;
  json_t *v;
  json_array_foreach((json_t *)arr, i, v) {
    char msg[200];
    if (json_check(v, s->fields, s->nfields, msg, sizeof msg)) {
      return http_error(r, PHEME_API_BAD_REQUEST, "%s[%zu]: %s", what, i, msg);
    }
  }
  return 0;
}

static pheme_err check_object(http_req *r, const json_t *obj, const char *schema, const char *what) {
  const api_schema *s = api_schema_find(schema);
  char msg[200];
  if (json_check(obj, s->fields, s->nfields, msg, sizeof msg)) {
    return http_error(r, PHEME_API_BAD_REQUEST, "%s: %s", what, msg);
  }
  return 0;
}


/* Answers an engine's refusal: its sentence when it wrote one, else the code about subject. */
static void refused(http_req *r, pheme_err e, const char *why, const char *subject_fmt, int64_t id) {
  if (why[0]) {
    http_error(r, e, "%s", why);
    return;
  }
  char subject[64];
  snprintf(subject, sizeof subject, subject_fmt, (long long)id);
  api_fail(r, e, subject);
}

/* A task as the body describes it (formats checked here; rules in work/tasks.c). Returns 0, or
 * answers and returns -1. */
static pheme_err read_task(http_req *r, const json_t *b, work_task_input *in) {
  memset(in, 0, sizeof *in);
  task *t = &in->fields;
  t->type = json_str(b, "type", NULL);
  t->title = json_str(b, "title", NULL);
  t->description = json_str(b, "description", NULL);
  t->difficulty = (int)json_int(b, "difficulty", 0);
  t->xp_reward = json_int(b, "xpReward", -1);
  t->token_reward = json_str(b, "tokenReward", NULL);
  t->status = json_str(b, "status", NULL);
  const char *deadline = json_str(b, "deadline", NULL);
  if (deadline) {
    in->has_deadline = 1;
    if (api_time_parse(deadline, &t->deadline)) {
      return http_error(r, PHEME_API_BAD_REQUEST, "deadline '%.40s' is not an RFC 3339 time", deadline);
    }
  }
  const char *gslug = json_str(b, "guild", NULL);
  if (gslug) {
    guild g;
    pheme_err e = store_guild_get(req_store(r), &r->arena, gslug, &g);
    if (e == PHEME_DATA_NOT_FOUND) {
      return http_error(r, PHEME_DATA_INVALID, "guild '%.64s' does not exist", gslug);
    }
    if (e) {
      return api_fail(r, e, "guild");
    }
    in->has_guild = 1;
    t->guild_id = g.id;
  }
  const json_t *skills = json_object_get(b, "skills");
  if (skills) {
    PHEME_TRY(check_items(r, skills, "TaskSkill", "skills"));
    in->has_skills = 1;
    t->nskills = (int)json_array_size(skills);
    t->skills = arena_zalloc(&r->arena, sizeof *t->skills * (size_t)(t->nskills ? t->nskills : 1));
    if (!t->skills) {
      return http_error(r, PHEME_SYS_NOMEM, NULL);
    }
    for (int i = 0; i < t->nskills; i++) {
      const json_t *v = json_array_get(skills, (size_t)i);
      t->skills[i].slug = json_str(v, "skill", "");
      t->skills[i].min_level = (int)json_int(v, "minLevel", 0);
      for (int j = 0; j < i; j++)
        if (strcmp(t->skills[j].slug, t->skills[i].slug) == 0) {
          return http_error(r, PHEME_API_BAD_REQUEST, "skills[%d]: '%.64s' is listed twice", i, t->skills[i].slug);
        }
    }
  }
  in->requirements = json_object_get(b, "requirements");
  in->validation = json_object_get(b, "validation");
  if (in->requirements) PHEME_TRY(check_object(r, in->requirements, "TaskRequirements", "requirements"));
  if (in->validation) {
    const json_t *rubric = json_object_get(in->validation, "rubric");
    PHEME_TRY(check_object(r, in->validation, "TaskValidation", "validation"));
    if (rubric) PHEME_TRY(check_items(r, rubric, "RubricCriterion", "validation.rubric"));
  }
  return 0;
}

void tasks_create(http_req *r) {
  json_t *b;
  work_task_input in;
  if (api_body(r, "TaskCreate", &b) || read_task(r, b, &in)) return;
  work_principal who = api_principal(r);
  store_actor sa = api_actor(r);
  task t;
  char why[256];
  pheme_err e = work_task_create(req_store(r), &r->arena, &sa, &who, &in, &t, why, sizeof why);
  if (e) {
    refused(r, e, why, "task", 0);
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
    refused(r, e, "", "task %lld", id);
    return;
  }
  API_ANSWER(r, 200, api_task_write, &t);
}

void tasks_update(http_req *r) {
  int64_t id;
  json_t *b;
  work_task_input in;
  if (api_id_param(r, "id", &id) || api_body(r, "TaskUpdate", &b) || read_task(r, b, &in)) return;
  work_principal who = api_principal(r);
  store_actor sa = api_actor(r);
  task t;
  char why[256];
  pheme_err e = work_task_edit(req_store(r), &r->arena, &sa, &who, id, &in, &t, why, sizeof why);
  if (e) {
    refused(r, e, why, "task %lld", id);
    return;
  }
  API_ANSWER(r, 200, api_task_write, &t);
}

void tasks_close(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  work_principal who = api_principal(r);
  store_actor sa = api_actor(r);
  task t;
  char why[256];
  pheme_err e = work_task_close(req_store(r), &r->arena, &sa, &who, id, &t, why, sizeof why);
  if (e) {
    refused(r, e, why, "task %lld", id);
    return;
  }
  API_ANSWER(r, 200, api_task_write, &t);
}

static pheme_err parse_enum_query(http_req *r, const char *key, const char *choices, const char **out) {
  const char *v = http_query(r, key);
  *out = NULL;
  if (!v) return 0;
  if (choice_in(choices, v)) {
    *out = v;
    return 0;
  }
  return http_error(r, PHEME_API_BAD_REQUEST, "%s '%.40s' must be one of %s", key, v, choices);
}

/* ?status=, one of the task machine's states (work/states.h). */
static pheme_err parse_status(http_req *r, const char **out) {
  const char *v = http_query(r, "status");
  task_status st;
  *out = NULL;
  if (!v) return 0;
  if (task_status_parse(v, &st)) {
    return http_error(r, PHEME_API_BAD_REQUEST, "status '%.40s' must be one of DRAFT|OPEN|CLOSED", v);
  }
  *out = task_status_name(st);
  return 0;
}

static pheme_err parse_difficulty(http_req *r, const char *key, int *out) {
  const char *v = http_query(r, key);
  long long d;
  if (!v) return 0;
  if (parse_int(v, 1, 10, &d)) {
    return http_error(r, PHEME_API_BAD_REQUEST, "%s '%.20s' must be an integer from 1 to 10", key, v);
  }
  *out = (int)d;
  return 0;
}

void tasks_list(http_req *r) {
  task_filter f = {0};
  store_page p;
  int exact = 0;
  if (parse_enum_query(r, "type", "LESSON|BOUNTY|QUEST", &f.type) ||
      parse_status(r, &f.status) ||
      parse_difficulty(r, "difficulty", &exact) || parse_difficulty(r, "minDifficulty", &f.difficulty_min) ||
      parse_difficulty(r, "maxDifficulty", &f.difficulty_max) || api_page(r, &p))
    return;
  if (exact) f.difficulty_min = f.difficulty_max = exact;
  f.skill = http_query(r, "skill");
  const char *creator = http_query(r, "creator");
  if (creator) {
    uint8_t a[20];
    user u;
    pheme_error why;
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

/* Evidence that names stored content (a link to /ipfs/<cid>) must name a file this server holds.
 * Returns 0, or answers and returns -1. */
pheme_err api_evidence_stored(http_req *r, const json_t *evidence) {
  size_t i;
  json_t *item;
  json_array_foreach((json_t *)evidence, i, item) {
    const char *cid_text = NULL;
    char why[300];
    if (pipeline_link_check(&r->arena, json_str(item, "url", ""), &cid_text, why, sizeof why) != 0 ||
        !cid_text)
      continue; /* link sanity is the checks' job (submission.check); only CIDs are looked up here */
    cid c;
    int stored = 0;
    if (cid_parse(&c, cid_text, strlen(cid_text), why, sizeof why) != 0) continue;
    pheme_err e = content_is_stored(req_store(r), &c, &stored);
    if (e) {
      return api_fail(r, e, "content");
    }
    if (!stored) {
      return http_error(r, PHEME_WORK_EVIDENCE, "evidence[%zu]: content %s is not stored (upload it with POST /api/v1/content first)",
                 i, cid_text);
    }
  }
  return 0;
}

void tasks_submit(http_req *r) {
  int64_t id;
  json_t *b;
  if (api_id_param(r, "id", &id) || api_body(r, "SubmissionCreate", &b)) return;
  const json_t *evidence = json_object_get(b, "evidence");
  if (evidence && check_items(r, evidence, "Evidence", "evidence")) return;
  if (evidence && api_evidence_stored(r, evidence)) return;
  work_principal who = api_principal(r);
  store_actor sa = api_actor(r);
  submission s;
  char why[256];
  pheme_err e = work_submit(req_store(r), &r->arena, &sa, &who, id, json_str(b, "text", ""), evidence,
                            &s, why, sizeof why);
  if (e == PHEME_DATA_CONFLICT && !why[0])
    snprintf(why, sizeof why, "you already have a submission for task %lld", (long long)id);
  if (e) {
    refused(r, e, why, "task %lld", id);
    return;
  }
  char *loc = arena_printf(&r->arena, "/api/v1/submissions/%lld", (long long)s.id);
  if (loc) http_header(r, "Location", loc);
  API_ANSWER(r, 201, api_submission_write, &s);
}

void tasks_submissions(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  task t;
  store_page p;
  pheme_err e = store_task_get(req_store(r), &r->arena, id, &t);
  if (e) {
    refused(r, e, "", "task %lld", id);
    return;
  }
  work_principal who = api_principal(r);
  if (!work_task_owned_by(&who, &t)) {
    http_error(r, PHEME_AUTH_NOT_OWNER, "task %lld was posted by someone else", (long long)id);
    return;
  }
  if (api_page(r, &p)) return;
  submission *list;
  int n;
  e = store_submissions_list(req_store(r), &r->arena, 0, id, &p, &list, &n);
  if (e) { api_fail(r, e, "submissions"); return; }
  API_ANSWER_PAGE(r, list, n, &p, api_submission_write, id);
}

void submissions_get(http_req *r) {
  int64_t id;
  if (api_id_param(r, "id", &id)) return;
  submission s;
  pheme_err e = store_submission_get(req_store(r), &r->arena, id, &s);
  if (e) {
    refused(r, e, "", "submission %lld", id);
    return;
  }
  work_principal who = api_principal(r);
  task t;
  int64_t creator = 0;
  if (!work_sub_visible_to(&who, &s, 0) && store_task_get(req_store(r), &r->arena, s.task_id, &t) == PHEME_OK)
    creator = t.creator_id;
  if (!work_sub_visible_to(&who, &s, creator)) {
    http_error(r, PHEME_AUTH_NOT_OWNER, "submission %lld belongs to someone else", (long long)id);
    return;
  }
  api_submission_answer(r, id);
}
