/* The task and submission rules of src/work/tasks.c, without a server or storage: defaults of a
 * new task, who may edit and close which task in which state, and what a person must have to
 * submit. */
#include <jansson.h>
#include <string.h>

#include "core/json.h"
#include "test.h"
#include "work/tasks.h"

static work_principal person(int64_t id, unsigned roles) {
  work_principal p;
  memset(&p, 0, sizeof p);
  p.user_id = id;
  p.roles = roles;
  return p;
}

/* A stored task: posted by user 1, OPEN, asking for solidity 10 and security (any level),
 * reputation 20, level 3, links only. */
static task_skill two_skills[] = {{"security", 0}, {"solidity", 10}};
static task open_task(void) {
  task t;
  memset(&t, 0, sizeof t);
  t.id = 42;
  t.type = "BOUNTY";
  t.title = "Audit";
  t.description = "Audit the vault";
  t.status = "OPEN";
  t.difficulty = 5;
  t.xp_reward = 100;
  t.token_reward = "0";
  t.creator_id = 1;
  t.requirements = "{\"minLevel\":3,\"minReputation\":20}";
  t.validation = "{\"evidenceTypes\":[\"link\"]}";
  t.skills = two_skills;
  t.nskills = 2;
  return t;
}

static json_t *parse(const char *text) {
  json_t *j = json_loads(text, 0, NULL);
  if (!j) PHEME_BUG("bad test json %s", text);
  return j;
}

TEST(defaults_of_a_new_task) {
  arena a;
  arena_init(&a, 0);
  work_principal creator = person(7, ROLE_USER | ROLE_CREATOR);
  work_task_input in;
  memset(&in, 0, sizeof in);
  in.fields.type = "LESSON";
  in.fields.title = "t";
  in.fields.description = "d";
  in.fields.difficulty = 2;
  in.fields.xp_reward = 10;
  task t;
  char why[256] = "";
  CHECK_INT(work_task_prepare(&a, &creator, &in, 1000, &t, why, sizeof why), 0);
  CHECK_STR(t.status, "OPEN");
  CHECK_STR(t.token_reward, "0");
  CHECK_INT(t.creator_id, 7);
  CHECK_INT(t.deadline, 0);
  CHECK_INT(t.nskills, 0);
  CHECK_STR(t.requirements, "{\"minLevel\":0,\"minReputation\":0}");
  CHECK_STR(t.validation,
            "{\"aiReview\":true,\"consensusThreshold\":66,\"evidenceTypes\":[\"link\"],\"minScore\":70,"
            "\"minValidators\":3,\"peerReview\":true,\"rubric\":[{\"criterion\":\"Meets the task "
            "description\",\"weight\":100}]}");
  /* given values are kept; a draft may be created; a closed task may not */
  json_t *val = parse("{\"evidenceTypes\":[\"document\",\"link\"],\"aiReview\":false,\"minScore\":90,"
                      "\"rubric\":[{\"criterion\":\"a\",\"weight\":60},{\"criterion\":\"b\",\"weight\":40}]}");
  in.validation = val;
  in.fields.status = "DRAFT";
  CHECK_INT(work_task_prepare(&a, &creator, &in, 1000, &t, why, sizeof why), 0);
  CHECK_STR(t.status, "DRAFT");
  json_t *back = parse(t.validation);
  CHECK_INT(json_int(back, "minScore", 0), 90);
  CHECK(json_is_false(json_object_get(back, "aiReview")));
  CHECK_INT(json_array_size(json_object_get(back, "rubric")), 2);
  CHECK_STR(json_string_value(json_array_get(json_object_get(back, "evidenceTypes"), 0)), "document");
  json_decref(back);
  in.fields.status = "CLOSED";
  CHECK_INT(work_task_prepare(&a, &creator, &in, 1000, &t, why, sizeof why), PHEME_DATA_STATE);
  in.fields.status = NULL;
  in.has_deadline = 1;
  in.fields.deadline = 999;
  CHECK_INT(work_task_prepare(&a, &creator, &in, 1000, &t, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(strstr(why, "deadline") != NULL);
  in.fields.deadline = 2000;
  CHECK_INT(work_task_prepare(&a, &creator, &in, 1000, &t, why, sizeof why), 0);
  CHECK_INT(t.deadline, 2000);
  json_decref(val);
  arena_release(&a);
}

TEST(validation_rules) {
  arena a;
  arena_init(&a, 0);
  const char *out = NULL;
  char why[256] = "";
  json_t *v = parse("{\"rubric\":[{\"criterion\":\"a\",\"weight\":60},{\"criterion\":\"b\",\"weight\":30}]}");
  CHECK_INT(work_validation_normalize(&a, v, &out, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(strstr(why, "90") != NULL);
  json_decref(v);
  v = parse("{\"evidenceTypes\":[\"link\",\"fax\"]}");
  CHECK_INT(work_validation_normalize(&a, v, &out, why, sizeof why), PHEME_API_BAD_REQUEST);
  CHECK(strstr(why, "evidenceTypes[1]") != NULL);
  json_decref(v);
  /* one list: the schema enum, the task's accepted types and the evidence items all use it */
  CHECK(work_evidence_type_known("link"));
  CHECK(work_evidence_type_known("document"));
  CHECK(!work_evidence_type_known("fax"));
  CHECK(!work_evidence_type_known("lin"));
  CHECK(!work_evidence_type_known(""));
  CHECK(!work_evidence_type_known(NULL));
  arena_release(&a);
}

TEST(who_edits_and_closes) {
  work_principal creator = person(1, ROLE_USER | ROLE_CREATOR), other = person(2, ROLE_USER | ROLE_CREATOR),
                 admin = person(3, ROLE_USER | ROLE_ADMIN);
  work_task_input in;
  memset(&in, 0, sizeof in);
  in.fields.title = "New title";
  in.fields.xp_reward = -1;
  char why[256] = "";
  int replace = 0;
  task t = open_task();
  CHECK_INT(work_task_apply_edit(&other, &in, &t, &replace, why, sizeof why), PHEME_AUTH_NOT_OWNER);
  CHECK(strstr(why, "task 42") != NULL);
  CHECK_STR(t.title, "Audit"); /* untouched */
  CHECK_INT(work_task_apply_edit(&creator, &in, &t, &replace, why, sizeof why), 0);
  CHECK_STR(t.title, "New title");
  CHECK_INT(t.xp_reward, 100);
  CHECK_INT(replace, 0);
  t = open_task();
  CHECK_INT(work_task_apply_edit(&admin, &in, &t, &replace, why, sizeof why), 0);
  CHECK_STR(t.title, "New title");
  /* an open task does not go back to draft; a draft is published by an edit to OPEN */
  in.fields.status = "DRAFT";
  t = open_task();
  CHECK_INT(work_task_apply_edit(&creator, &in, &t, &replace, why, sizeof why), PHEME_DATA_STATE);
  CHECK(strstr(why, "draft") != NULL);
  t.status = "DRAFT";
  CHECK_INT(work_task_apply_edit(&creator, &in, &t, &replace, why, sizeof why), 0);
  CHECK_STR(t.status, "DRAFT");
  in.fields.status = "OPEN";
  in.has_skills = 1;
  CHECK_INT(work_task_apply_edit(&creator, &in, &t, &replace, why, sizeof why), 0);
  CHECK_STR(t.status, "OPEN");
  CHECK_INT(replace, 1);
  /* closing: the owner or an admin, once; a closed task is not edited */
  t = open_task();
  CHECK_INT(work_task_apply_close(&other, &t, why, sizeof why), PHEME_AUTH_NOT_OWNER);
  CHECK_STR(t.status, "OPEN");
  CHECK_INT(work_task_apply_close(&creator, &t, why, sizeof why), 0);
  CHECK_STR(t.status, "CLOSED");
  CHECK_INT(work_task_apply_close(&admin, &t, why, sizeof why), PHEME_DATA_STATE);
  CHECK(strstr(why, "already closed") != NULL);
  in.fields.status = NULL;
  CHECK_INT(work_task_apply_edit(&creator, &in, &t, &replace, why, sizeof why), PHEME_DATA_STATE);
  CHECK(strstr(why, "closed") != NULL);
  /* who sees the submissions */
  t = open_task();
  CHECK(work_task_owned_by(&creator, &t));
  CHECK(work_task_owned_by(&admin, &t));
  CHECK(!work_task_owned_by(&other, &t));
  work_principal sys = work_principal_system();
  CHECK(work_task_owned_by(&sys, &t));
  submission s = {.id = 5, .task_id = 42, .user_id = 2};
  CHECK(work_sub_visible_to(&other, &s, 1));   /* its author */
  CHECK(work_sub_visible_to(&creator, &s, 1)); /* the task's creator */
  work_principal stranger = person(9, ROLE_USER), validator = person(8, ROLE_USER | ROLE_VALIDATOR);
  CHECK(!work_sub_visible_to(&stranger, &s, 1));
  CHECK(work_sub_visible_to(&validator, &s, 1));
  CHECK(!work_sub_visible_to(&stranger, &s, 0));
}

TEST(requirements) {
  task t = open_task();
  char why[256] = "";
  work_person p = {0};
  /* no skills at all */
  CHECK_INT(work_check_requirements(&t, &p, why, sizeof why), PHEME_WORK_REQUIREMENTS);
  CHECK_STR(why, "task 42 requires skill 'solidity' at level 10; you have 0");
  /* the skill, too low */
  work_skill low[] = {{"solidity", 9}, {"rust", 50}};
  p.skills = low;
  p.nskills = 2;
  p.level = 50;
  p.reputation = 100;
  CHECK_INT(work_check_requirements(&t, &p, why, sizeof why), PHEME_WORK_REQUIREMENTS);
  CHECK_STR(why, "task 42 requires skill 'solidity' at level 10; you have 9");
  /* skills met, reputation too low */
  work_skill ok[] = {{"solidity", 10}};
  p.skills = ok;
  p.nskills = 1;
  p.reputation = 19;
  CHECK_INT(work_check_requirements(&t, &p, why, sizeof why), PHEME_WORK_REQUIREMENTS);
  CHECK_STR(why, "task 42 requires a reputation of at least 20; yours is 19");
  /* level too low */
  p.reputation = 20;
  p.level = 2;
  CHECK_INT(work_check_requirements(&t, &p, why, sizeof why), PHEME_WORK_REQUIREMENTS);
  CHECK_STR(why, "task 42 requires level 3; yours is 2");
  /* all met (security at minimum 0 needs nothing) */
  p.level = 3;
  CHECK_INT(work_check_requirements(&t, &p, why, sizeof why), 0);
  /* a task without requirements takes anyone */
  task bare = open_task();
  bare.nskills = 0;
  bare.requirements = "{\"minLevel\":0,\"minReputation\":0}";
  work_person nobody = {0};
  CHECK_INT(work_check_requirements(&bare, &nobody, why, sizeof why), 0);
}

TEST(evidence_types) {
  task t = open_task();
  char why[256] = "";
  json_t *ev = parse("[{\"type\":\"link\",\"url\":\"https://example.com/a\"},"
                     "{\"type\":\"document\",\"url\":\"https://example.com/b.pdf\"}]");
  CHECK_INT(work_check_evidence(&t, ev, why, sizeof why), PHEME_DATA_INVALID);
  CHECK_STR(why, "evidence[1] is of type 'document'; task 42 accepts only link");
  json_decref(ev);
  ev = parse("[{\"type\":\"link\",\"url\":\"ftp://example.com/a\"}]");
  CHECK_INT(work_check_evidence(&t, ev, why, sizeof why), PHEME_API_BAD_REQUEST);
  CHECK(strstr(why, "evidence[0].url") != NULL);
  json_decref(ev);
  ev = parse("[{\"type\":\"link\",\"url\":\"http://example.com/a\"}]");
  CHECK_INT(work_check_evidence(&t, ev, why, sizeof why), 0);
  json_decref(ev);
  CHECK_INT(work_check_evidence(&t, NULL, why, sizeof why), 0); /* none given */
  t.validation = "{\"evidenceTypes\":[\"repository\",\"document\"]}";
  ev = parse("[{\"type\":\"document\",\"url\":\"https://example.com/b.pdf\"}]");
  CHECK_INT(work_check_evidence(&t, ev, why, sizeof why), 0);
  json_decref(ev);
}

TEST(submit_check) {
  task t = open_task();
  t.nskills = 0;
  t.requirements = "{}";
  work_principal creator = person(1, ROLE_USER | ROLE_CREATOR | ROLE_ADMIN), someone = person(2, ROLE_USER);
  work_person p = {0};
  char why[256] = "";
  CHECK_INT(work_submit_check(&someone, &p, &t, NULL, NULL, 0, 1000, why, sizeof why), 0);
  CHECK_INT(work_submit_check(&creator, &p, &t, NULL, NULL, 0, 1000, why, sizeof why), PHEME_DATA_STATE);
  CHECK_STR(why, "you posted task 42; its creator cannot submit to it");
  const char *rejected[] = {"REJECTED"}, *live[] = {"REJECTED", "PEER_REVIEW"};
  CHECK_INT(work_submit_check(&someone, &p, &t, NULL, rejected, 1, 1000, why, sizeof why), 0);
  CHECK_INT(work_submit_check(&someone, &p, &t, NULL, live, 2, 1000, why, sizeof why), PHEME_DATA_CONFLICT);
  t.deadline = 999;
  CHECK_INT(work_submit_check(&someone, &p, &t, NULL, NULL, 0, 1000, why, sizeof why), PHEME_DATA_STATE);
  CHECK(strstr(why, "deadline") != NULL);
  t.deadline = 0;
  t.status = "DRAFT";
  CHECK_INT(work_submit_check(&someone, &p, &t, NULL, NULL, 0, 1000, why, sizeof why), PHEME_DATA_STATE);
  CHECK_STR(why, "task 42 is not open for submissions");
  t.status = "CLOSED";
  CHECK_INT(work_submit_check(&someone, &p, &t, NULL, NULL, 0, 1000, why, sizeof why), PHEME_DATA_STATE);
  /* the requirements are asked last, on the task as the transaction reads it */
  t = open_task();
  CHECK_INT(work_submit_check(&someone, &p, &t, NULL, NULL, 0, 1000, why, sizeof why), PHEME_WORK_REQUIREMENTS);
  CHECK(work_sub_is_live(SUB_SUBMITTED) && work_sub_is_live(SUB_ESCALATED) && !work_sub_is_live(SUB_REJECTED));
}

TEST_MAIN(RUN(defaults_of_a_new_task); RUN(validation_rules); RUN(who_edits_and_closes); RUN(requirements);
          RUN(evidence_types); RUN(submit_check))
