/* The work engine with real storage, on SQLite and PostgreSQL (no server): tasks created, edited
 * and closed through the engine, and submissions whose checks run inside the store's write
 * transaction. */
#include <string.h>

#include "test.h"
#include "backends.h"
#include "work/tasks.h"

static const store_actor sys = {0, ""};

static int64_t count(const char *table) {
  int64_t n = -1;
  if (store_count(S, table, &n)) return -1;
  return n;
}

/* A person with roles, for address number n. */
static work_principal person_at(int n, unsigned roles) {
  arena a;
  arena_init(&a, 0);
  uint8_t addr[20];
  memset(addr, 0, sizeof addr);
  addr[0] = 0x5e;
  addr[19] = (uint8_t)n;
  user u;
  int created;
  work_principal p;
  memset(&p, 0, sizeof p);
  if (store_user_ensure(S, &a, &sys, addr, &u, &created) == 0) p.user_id = u.id;
  p.roles = roles;
  memcpy(p.address, addr, 20);
  arena_release(&a);
  return p;
}

/* Gives user_id a level in a skill (no route grants skill levels yet; the rewards engine will). */
static pheme_err set_level(int64_t user_id, const char *slug, int level) {
  arena a;
  arena_init(&a, 0);
  sx x;
  pheme_err e = sx_write(S, &a, &x);
  if (e) {
    arena_release(&a);
    return e;
  }
  e = Q(&x, NULL, "DELETE FROM skill_levels WHERE user_id = $1 AND skill_id = (SELECT id FROM skills WHERE slug = $2)",
        dbv_int(user_id), dbv_text(slug));
  if (!e)
    e = Q(&x, NULL,
          "INSERT INTO skill_levels (user_id, skill_id, xp, level) SELECT CAST($1 AS BIGINT), id, CAST($2 AS INTEGER), CAST($2 AS INTEGER) FROM skills WHERE slug = $3",
          dbv_int(user_id), dbv_int(level), dbv_text(slug));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  arena_release(&a);
  return e;
}

TEST(a_task_through_the_engine) {
  arena a;
  arena_init(&a, 0);
  work_principal creator = person_at(1, ROLE_USER | ROLE_CREATOR), other = person_at(2, ROLE_USER | ROLE_CREATOR),
                 ada = person_at(3, ROLE_USER), bob = person_at(4, ROLE_USER);
  REQUIRE(creator.user_id && other.user_id && ada.user_id && bob.user_id);
  task_skill sol[] = {{"solidity", 10}};
  work_task_input in;
  memset(&in, 0, sizeof in);
  in.fields = (task){.type = "BOUNTY", .title = "Audit", .description = "d", .difficulty = 5, .xp_reward = 100};
  in.fields.skills = sol;
  in.fields.nskills = 1;
  in.has_skills = 1;
  char why[256];
  task t;
  REQUIRE(work_task_create(S, &a, &sys, &creator, &in, &t, why, sizeof why) == 0);
  CHECK_STR(t.status, "OPEN");
  CHECK_INT(t.creator_id, creator.user_id);
  CHECK_INT(t.nskills, 1);
  CHECK(strstr(t.validation, "\"evidenceTypes\":[\"link\"]") != NULL);
  /* an unknown skill is named as such */
  task_skill nope[] = {{"basket-weaving", 1}};
  work_task_input bad = in;
  bad.fields.skills = nope;
  task t2;
  CHECK_INT(work_task_create(S, &a, &sys, &creator, &bad, &t2, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(strstr(why, "skill 'basket-weaving' is not in the catalogue") != NULL);

  /* no solidity: refused, nothing written */
  int64_t subs = count("submissions");
  submission s;
  CHECK_INT(work_submit(S, &a, &sys, &ada, t.id, "mine", NULL, &s, why, sizeof why), PHEME_WORK_REQUIREMENTS);
  CHECK(strstr(why, "requires skill 'solidity' at level 10; you have 0") != NULL);
  CHECK_INT(count("submissions"), subs);
  REQUIRE(set_level(ada.user_id, "solidity", 9) == 0);
  CHECK_INT(work_submit(S, &a, &sys, &ada, t.id, "mine", NULL, &s, why, sizeof why), PHEME_WORK_REQUIREMENTS);
  CHECK(strstr(why, "you have 9") != NULL);
  REQUIRE(set_level(ada.user_id, "solidity", 12) == 0);
  CHECK_INT(work_submit(S, &a, &sys, &ada, t.id, "mine", NULL, &s, why, sizeof why), 0);
  CHECK_STR(s.state, "SUBMITTED");
  CHECK_INT(s.task_id, t.id);
  CHECK_INT(count("submissions"), subs + 1);
  /* once per person; the creator never; evidence of another type refused */
  CHECK_INT(work_submit(S, &a, &sys, &ada, t.id, "again", NULL, &s, why, sizeof why), PHEME_DATA_CONFLICT);
  CHECK(strstr(why, "already have a submission") != NULL);
  CHECK_INT(work_submit(S, &a, &sys, &creator, t.id, "mine", NULL, &s, why, sizeof why), PHEME_DATA_STATE);
  REQUIRE(set_level(bob.user_id, "solidity", 10) == 0);
  json_t *doc = json_loads("[{\"type\":\"document\",\"url\":\"https://example.com/r.pdf\"}]", 0, NULL);
  CHECK_INT(work_submit(S, &a, &sys, &bob, t.id, "pdf", doc, &s, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(strstr(why, "accepts only link") != NULL);
  /* the creator widens the accepted types: the same submission now goes in */
  json_t *val = json_loads("{\"evidenceTypes\":[\"link\",\"document\"]}", 0, NULL);
  work_task_input edit;
  memset(&edit, 0, sizeof edit);
  edit.fields.xp_reward = -1;
  edit.validation = val;
  CHECK_INT(work_task_edit(S, &a, &sys, &other, t.id, &edit, &t2, why, sizeof why), PHEME_AUTH_NOT_OWNER);
  CHECK_INT(work_task_edit(S, &a, &sys, &creator, t.id, &edit, &t2, why, sizeof why), 0);
  CHECK_INT(work_submit(S, &a, &sys, &bob, t.id, "pdf", doc, &s, why, sizeof why), 0);
  json_decref(val);
  json_decref(doc);
  /* closed: nobody else submits, nobody edits, only once */
  CHECK_INT(work_task_close(S, &a, &sys, &other, t.id, &t2, why, sizeof why), PHEME_AUTH_NOT_OWNER);
  CHECK_INT(work_task_close(S, &a, &sys, &creator, t.id, &t2, why, sizeof why), 0);
  CHECK_STR(t2.status, "CLOSED");
  CHECK_INT(work_task_close(S, &a, &sys, &creator, t.id, &t2, why, sizeof why), PHEME_DATA_STATE);
  work_principal cyd = person_at(5, ROLE_USER);
  REQUIRE(set_level(cyd.user_id, "solidity", 50) == 0);
  CHECK_INT(work_submit(S, &a, &sys, &cyd, t.id, "late", NULL, &s, why, sizeof why), PHEME_DATA_STATE);
  CHECK(strstr(why, "not open for submissions") != NULL);
  CHECK_INT(work_submit(S, &a, &sys, &cyd, 999999, "none", NULL, &s, why, sizeof why), PHEME_DATA_NOT_FOUND);
  arena_release(&a);
}

static void all_tests(void) { RUN(a_task_through_the_engine); }

int main(void) { return backends_main("test_submit", all_tests); }
