/* The task and submission transition tables; see states.h. */
#include <string.h>

#include "core/util.h"
#include "work/states.h"
#include "core/banned.h"

#define OWNER (ACT_CREATOR | ACT_ADMIN)

const work_transition work_task_table[] = {
    {TASK_DRAFT, TASK_EV_EDIT, TASK_DRAFT, OWNER},
    {TASK_DRAFT, TASK_EV_PUBLISH, TASK_OPEN, OWNER},
    {TASK_DRAFT, TASK_EV_CLOSE, TASK_CLOSED, OWNER},
    {TASK_OPEN, TASK_EV_EDIT, TASK_OPEN, OWNER},
    {TASK_OPEN, TASK_EV_CLOSE, TASK_CLOSED, OWNER},
    /* only someone other than the task's creator submits to it (an admin included) */
    {TASK_OPEN, TASK_EV_SUBMIT, TASK_OPEN, ACT_SUBMITTER},
};
const size_t work_task_table_len = ARRAY_SIZE(work_task_table);

const work_transition work_sub_table[] = {
    {SUB_SUBMITTED, SUB_EV_CHECK, SUB_CHECKING, ACT_SYSTEM},
    {SUB_CHECKING, SUB_EV_CHECKS_FAILED, SUB_REJECTED, ACT_SYSTEM},
    {SUB_CHECKING, SUB_EV_TO_AI, SUB_AI_REVIEW, ACT_SYSTEM},
    {SUB_CHECKING, SUB_EV_TO_PEER, SUB_PEER_REVIEW, ACT_SYSTEM},
    /* after the AI assessment: to peer review, or decided at once when peer review is off */
    {SUB_AI_REVIEW, SUB_EV_TO_PEER, SUB_PEER_REVIEW, ACT_SYSTEM},
    {SUB_AI_REVIEW, SUB_EV_APPROVE, SUB_APPROVED, ACT_SYSTEM},
    {SUB_AI_REVIEW, SUB_EV_REJECT, SUB_REJECTED, ACT_SYSTEM},
    {SUB_AI_REVIEW, SUB_EV_REQUEST_CHANGES, SUB_CHANGES_REQUESTED, ACT_SYSTEM},
    /* the panel reviews; consensus decides (the system), or the submission goes to an admin */
    {SUB_PEER_REVIEW, SUB_EV_REVIEW, SUB_PEER_REVIEW, ACT_VALIDATOR},
    {SUB_PEER_REVIEW, SUB_EV_APPROVE, SUB_APPROVED, ACT_SYSTEM},
    {SUB_PEER_REVIEW, SUB_EV_REJECT, SUB_REJECTED, ACT_SYSTEM},
    {SUB_PEER_REVIEW, SUB_EV_REQUEST_CHANGES, SUB_CHANGES_REQUESTED, ACT_SYSTEM},
    {SUB_PEER_REVIEW, SUB_EV_ESCALATE, SUB_ESCALATED, ACT_SYSTEM},
    /* an escalated submission is decided by an admin */
    {SUB_ESCALATED, SUB_EV_APPROVE, SUB_APPROVED, ACT_ADMIN},
    {SUB_ESCALATED, SUB_EV_REJECT, SUB_REJECTED, ACT_ADMIN},
    {SUB_ESCALATED, SUB_EV_REQUEST_CHANGES, SUB_CHANGES_REQUESTED, ACT_ADMIN},
    {SUB_CHANGES_REQUESTED, SUB_EV_RESUBMIT, SUB_SUBMITTED, ACT_SUBMITTER},
    /* a decision may be disputed by the submitter or the task's creator (within a window the
     * pipeline enforces); a fresh panel reviews and settles it, or an admin does */
    {SUB_APPROVED, SUB_EV_DISPUTE, SUB_DISPUTED, ACT_SUBMITTER | ACT_CREATOR},
    {SUB_REJECTED, SUB_EV_DISPUTE, SUB_DISPUTED, ACT_SUBMITTER | ACT_CREATOR},
    {SUB_DISPUTED, SUB_EV_REVIEW, SUB_DISPUTED, ACT_VALIDATOR},
    {SUB_DISPUTED, SUB_EV_RESOLVE, SUB_RESOLVED, ACT_SYSTEM | ACT_ADMIN},
    {SUB_DISPUTED, SUB_EV_ESCALATE, SUB_ESCALATED, ACT_SYSTEM},
};
const size_t work_sub_table_len = ARRAY_SIZE(work_sub_table);

static work_verdict step(const work_transition *t, size_t n, int from, int ev, unsigned actors, int *to) {
  int seen = 0;
  for (size_t i = 0; i < n; i++) {
    if (t[i].from != from || t[i].event != ev) continue;
    seen = 1;
    if (t[i].who & actors) {
      *to = t[i].to;
      return WORK_ALLOWED;
    }
  }
  return seen ? WORK_NOT_YOURS : WORK_NO_ROW;
}

work_verdict work_task_step(task_status from, task_event ev, unsigned actors, task_status *to) {
  int next = 0;
  work_verdict v = step(work_task_table, work_task_table_len, (int)from, (int)ev, actors, &next);
  if (v == WORK_ALLOWED) *to = (task_status)next;
  return v;
}

work_verdict work_sub_step(sub_state from, sub_event ev, unsigned actors, sub_state *to) {
  int next = 0;
  work_verdict v = step(work_sub_table, work_sub_table_len, (int)from, (int)ev, actors, &next);
  if (v == WORK_ALLOWED) *to = (sub_state)next;
  return v;
}

static const char *const actor_names[] = {"submitter", "creator", "validator", "admin", "system"};

const char *work_actor_name(unsigned bit) {
  for (unsigned i = 0; i < ARRAY_SIZE(actor_names); i++)
    if (bit == 1u << i) return actor_names[i];
  return "unknown";
}

static const char *const task_status_names[TASK__STATES] = {"DRAFT", "OPEN", "CLOSED"};
static const char *const task_event_names[TASK__EVENTS] = {"edit", "publish", "unpublish", "close",
                                                            "submit"};
static const char *const sub_state_names[SUB__STATES] = {
    "SUBMITTED", "CHECKING", "AI_REVIEW", "PEER_REVIEW", "APPROVED",
    "REJECTED",  "CHANGES_REQUESTED", "DISPUTED", "RESOLVED", "ESCALATED"};
static const char *const sub_event_names[SUB__EVENTS] = {
    "check", "checks_failed", "to_ai", "to_peer", "review", "approve",
    "reject", "request_changes", "resubmit", "escalate", "dispute", "resolve"};

static int parse(const char *const *names, int n, const char *name) {
  for (int i = 0; name && i < n; i++)
    if (strcmp(names[i], name) == 0) return i;
  return -1;
}

const char *task_status_name(task_status s) {
  return (unsigned)s < TASK__STATES ? task_status_names[s] : "unknown";
}
int task_status_parse(const char *name, task_status *out) {
  int i = parse(task_status_names, TASK__STATES, name);
  if (i < 0) return -1;
  *out = (task_status)i;
  return 0;
}
const char *task_event_name(task_event e) {
  return (unsigned)e < TASK__EVENTS ? task_event_names[e] : "unknown";
}
const char *sub_state_name(sub_state s) {
  return (unsigned)s < SUB__STATES ? sub_state_names[s] : "unknown";
}
int sub_state_parse(const char *name, sub_state *out) {
  int i = parse(sub_state_names, SUB__STATES, name);
  if (i < 0) return -1;
  *out = (sub_state)i;
  return 0;
}
const char *sub_event_name(sub_event e) {
  return (unsigned)e < SUB__EVENTS ? sub_event_names[e] : "unknown";
}
