/* The two transition tables of src/work/states.c, walked exhaustively: for every state × event ×
 * actor, the step is allowed exactly when the specification below (written out here, from DESIGN
 * §5 and docs/internals/work.md, not read from the table) has a row for it, and leads where that
 * row says. */
#include <string.h>

#include "test.h"
#include "core/util.h"
#include "work/states.h"

#define S ACT_SUBMITTER
#define C ACT_CREATOR
#define V ACT_VALIDATOR
#define A ACT_ADMIN
#define Y ACT_SYSTEM

typedef struct {
  int from, event, to;
  unsigned who;
} spec_row;

static const spec_row task_spec[] = {
    {TASK_DRAFT, TASK_EV_EDIT, TASK_DRAFT, C | A},    {TASK_DRAFT, TASK_EV_PUBLISH, TASK_OPEN, C | A},
    {TASK_DRAFT, TASK_EV_CLOSE, TASK_CLOSED, C | A},  {TASK_OPEN, TASK_EV_EDIT, TASK_OPEN, C | A},
    {TASK_OPEN, TASK_EV_CLOSE, TASK_CLOSED, C | A},   {TASK_OPEN, TASK_EV_SUBMIT, TASK_OPEN, S},
};

static const spec_row sub_spec[] = {
    {SUB_SUBMITTED, SUB_EV_CHECK, SUB_CHECKING, Y},
    {SUB_CHECKING, SUB_EV_CHECKS_FAILED, SUB_REJECTED, Y},
    {SUB_CHECKING, SUB_EV_TO_AI, SUB_AI_REVIEW, Y},
    {SUB_CHECKING, SUB_EV_TO_PEER, SUB_PEER_REVIEW, Y},
    {SUB_AI_REVIEW, SUB_EV_TO_PEER, SUB_PEER_REVIEW, Y},
    {SUB_AI_REVIEW, SUB_EV_APPROVE, SUB_APPROVED, Y},
    {SUB_AI_REVIEW, SUB_EV_REJECT, SUB_REJECTED, Y},
    {SUB_AI_REVIEW, SUB_EV_REQUEST_CHANGES, SUB_CHANGES_REQUESTED, Y},
    {SUB_PEER_REVIEW, SUB_EV_REVIEW, SUB_PEER_REVIEW, V},
    {SUB_PEER_REVIEW, SUB_EV_APPROVE, SUB_APPROVED, Y},
    {SUB_PEER_REVIEW, SUB_EV_REJECT, SUB_REJECTED, Y},
    {SUB_PEER_REVIEW, SUB_EV_REQUEST_CHANGES, SUB_CHANGES_REQUESTED, Y},
    {SUB_PEER_REVIEW, SUB_EV_ESCALATE, SUB_ESCALATED, Y},
    {SUB_ESCALATED, SUB_EV_APPROVE, SUB_APPROVED, A},
    {SUB_ESCALATED, SUB_EV_REJECT, SUB_REJECTED, A},
    {SUB_ESCALATED, SUB_EV_REQUEST_CHANGES, SUB_CHANGES_REQUESTED, A},
    {SUB_CHANGES_REQUESTED, SUB_EV_RESUBMIT, SUB_SUBMITTED, S},
    {SUB_APPROVED, SUB_EV_DISPUTE, SUB_DISPUTED, S | C},
    {SUB_REJECTED, SUB_EV_DISPUTE, SUB_DISPUTED, S | C},
    {SUB_DISPUTED, SUB_EV_REVIEW, SUB_DISPUTED, V},
    {SUB_DISPUTED, SUB_EV_RESOLVE, SUB_RESOLVED, Y | A},
    {SUB_DISPUTED, SUB_EV_ESCALATE, SUB_ESCALATED, Y},
};

static const unsigned actors[] = {S, C, V, A, Y};

/* The spec's answer for (from, ev, actor): 1 with *to when a row allows it; *any when some row
 * leaves from on ev at all. */
static int spec_allows(const spec_row *spec, size_t n, int from, int ev, unsigned actor, int *to, int *any) {
  *any = 0;
  for (size_t i = 0; i < n; i++) {
    if (spec[i].from != from || spec[i].event != ev) continue;
    *any = 1;
    if (spec[i].who & actor) {
      *to = spec[i].to;
      return 1;
    }
  }
  return 0;
}

TEST(task_table_walked) {
  int allowed = 0, refused = 0;
  for (int st = 0; st < TASK__STATES; st++)
    for (int ev = 0; ev < TASK__EVENTS; ev++)
      for (size_t k = 0; k < ARRAY_SIZE(actors); k++) {
        int want_to = -1, any;
        int want = spec_allows(task_spec, ARRAY_SIZE(task_spec), st, ev, actors[k], &want_to, &any);
        task_status to = (task_status)99;
        work_verdict v = work_task_step((task_status)st, (task_event)ev, actors[k], &to);
        if (want) {
          allowed++;
          CHECK_INT(v, WORK_ALLOWED);
          CHECK_INT(to, want_to);
        } else {
          refused++;
          CHECK_INT(v, any ? WORK_NOT_YOURS : WORK_NO_ROW);
          CHECK_INT(to, 99); /* untouched */
        }
      }
  CHECK_INT(allowed, 11); /* five rows for creator and admin each, one for the submitter */
  CHECK_INT(refused, TASK__STATES * TASK__EVENTS * 5 - 11);
  /* and the table has no row the spec lacks */
  CHECK_INT(work_task_table_len, ARRAY_SIZE(task_spec));
}

TEST(submission_table_walked) {
  int allowed = 0, expected = 0;
  for (size_t i = 0; i < ARRAY_SIZE(sub_spec); i++)
    for (size_t k = 0; k < ARRAY_SIZE(actors); k++) expected += (sub_spec[i].who & actors[k]) != 0;
  for (int st = 0; st < SUB__STATES; st++)
    for (int ev = 0; ev < SUB__EVENTS; ev++)
      for (size_t k = 0; k < ARRAY_SIZE(actors); k++) {
        int want_to = -1, any;
        int want = spec_allows(sub_spec, ARRAY_SIZE(sub_spec), st, ev, actors[k], &want_to, &any);
        sub_state to = (sub_state)99;
        work_verdict v = work_sub_step((sub_state)st, (sub_event)ev, actors[k], &to);
        if (want) {
          allowed++;
          CHECK_INT(v, WORK_ALLOWED);
          CHECK_INT(to, want_to);
        } else {
          CHECK_INT(v, any ? WORK_NOT_YOURS : WORK_NO_ROW);
          CHECK_INT(to, 99);
        }
      }
  CHECK_INT(allowed, expected);
  CHECK_INT(work_sub_table_len, ARRAY_SIZE(sub_spec));
}

TEST(several_actors_at_once) {
  task_status t;
  /* a creator who is also an admin still cannot submit to their own task */
  CHECK_INT(work_task_step(TASK_OPEN, TASK_EV_SUBMIT, C | A, &t), WORK_NOT_YOURS);
  /* an admin who did not post the task may (actors submitter | admin) */
  CHECK_INT(work_task_step(TASK_OPEN, TASK_EV_SUBMIT, S | A, &t), WORK_ALLOWED);
  sub_state s;
  CHECK_INT(work_sub_step(SUB_ESCALATED, SUB_EV_APPROVE, S | A, &s), WORK_ALLOWED);
  CHECK_INT(s, SUB_APPROVED);
  CHECK_INT(work_sub_step(SUB_PEER_REVIEW, SUB_EV_APPROVE, S | C | V | A, &s), WORK_NOT_YOURS);
  /* terminal states: nothing leaves RESOLVED or CLOSED */
  for (int ev = 0; ev < SUB__EVENTS; ev++)
    for (size_t k = 0; k < ARRAY_SIZE(actors); k++)
      CHECK_INT(work_sub_step(SUB_RESOLVED, (sub_event)ev, actors[k], &s), WORK_NO_ROW);
  for (int ev = 0; ev < TASK__EVENTS; ev++) CHECK_INT(work_task_step(TASK_CLOSED, (task_event)ev, C | A, &t), WORK_NO_ROW);
}

TEST(wire_names_round_trip) {
  static const char *const task_names[] = {"DRAFT", "OPEN", "CLOSED"};
  static const char *const sub_names[] = {"SUBMITTED", "CHECKING", "AI_REVIEW", "PEER_REVIEW", "APPROVED",
                                          "REJECTED", "CHANGES_REQUESTED", "DISPUTED", "RESOLVED", "ESCALATED"};
  REQUIRE(ARRAY_SIZE(task_names) == TASK__STATES);
  REQUIRE(ARRAY_SIZE(sub_names) == SUB__STATES);
  for (int i = 0; i < TASK__STATES; i++) {
    task_status t = (task_status)99;
    CHECK_STR(task_status_name((task_status)i), task_names[i]);
    CHECK_INT(task_status_parse(task_names[i], &t), 0);
    CHECK_INT(t, i);
  }
  for (int i = 0; i < SUB__STATES; i++) {
    sub_state s = (sub_state)99;
    CHECK_STR(sub_state_name((sub_state)i), sub_names[i]);
    CHECK_INT(sub_state_parse(sub_names[i], &s), 0);
    CHECK_INT(s, i);
  }
  task_status t = TASK_OPEN;
  CHECK_INT(task_status_parse("open", &t), -1); /* wire names are exact */
  CHECK_INT(task_status_parse(NULL, &t), -1);
  CHECK_INT(t, TASK_OPEN);
  sub_state s = SUB_SUBMITTED;
  CHECK_INT(sub_state_parse("APPROVE", &s), -1);
  CHECK_STR(task_status_name((task_status)77), "unknown");
  CHECK_STR(sub_state_name((sub_state)-1), "unknown");
  CHECK_STR(work_actor_name(ACT_VALIDATOR), "validator");
  CHECK_STR(work_actor_name(3), "unknown");
  CHECK_STR(sub_event_name(SUB_EV_REQUEST_CHANGES), "request_changes");
  CHECK_STR(task_event_name(TASK_EV_PUBLISH), "publish");
}

TEST_MAIN(RUN(task_table_walked); RUN(submission_table_walked); RUN(several_actors_at_once);
          RUN(wire_names_round_trip))
