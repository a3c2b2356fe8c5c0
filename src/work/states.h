/* The two state machines of the work loop (DESIGN §5), as typed enums with one transition table
 * each. A row says: from this state, on this event, the record goes to that state, and these
 * actors may make it happen. Every caller asks the table (work_task_step, work_sub_step); nothing
 * compares state strings by hand. The store keeps the wire names (TEXT columns); the name tables
 * below convert both ways. docs/internals/work.md draws both machines. */
#ifndef PHEME_WORK_STATES_H
#define PHEME_WORK_STATES_H

#include <stddef.h>

/* Who acts, relative to one record. A principal is usually several at once (a creator who is also
 * an admin); a row allows the step when the two sets meet. */
typedef enum {
  ACT_SUBMITTER = 1, /* the person submitting (or who submitted) the work */
  ACT_CREATOR = 2,   /* the person who posted the task */
  ACT_VALIDATOR = 4, /* a validator on the submission's current panel */
  ACT_ADMIN = 8,     /* anyone holding the admin role */
  ACT_SYSTEM = 16,   /* the pipeline's workers */
} work_actor;
/* "submitter", "creator", "validator", "admin", "system" for one bit; "unknown" otherwise. */
const char *work_actor_name(unsigned bit);

/* ---- tasks ---- */
typedef enum { TASK_DRAFT, TASK_OPEN, TASK_CLOSED, TASK__STATES } task_status;
typedef enum {
  TASK_EV_EDIT,      /* change fields, staying in the state */
  TASK_EV_PUBLISH,   /* DRAFT -> OPEN */
  TASK_EV_UNPUBLISH, /* OPEN -> DRAFT: no row allows it */
  TASK_EV_CLOSE,     /* -> CLOSED, for good */
  TASK_EV_SUBMIT,    /* a person submits work (the task stays as it is) */
  TASK__EVENTS
} task_event;

/* ---- submissions ---- */
typedef enum {
  SUB_SUBMITTED,
  SUB_CHECKING,
  SUB_AI_REVIEW,
  SUB_PEER_REVIEW,
  SUB_APPROVED,
  SUB_REJECTED,
  SUB_CHANGES_REQUESTED,
  SUB_DISPUTED,
  SUB_RESOLVED,
  SUB_ESCALATED,
  SUB__STATES
} sub_state;
typedef enum {
  SUB_EV_CHECK,           /* the automated checks start */
  SUB_EV_CHECKS_FAILED,   /* a check refused it (missing evidence, near-duplicate) */
  SUB_EV_TO_AI,           /* checks passed, AI review on */
  SUB_EV_TO_PEER,         /* to peer review (after checks when AI is off, or after AI) */
  SUB_EV_REVIEW,          /* a validator of the panel records a review; the state stays */
  SUB_EV_APPROVE,         /* decided: accepted */
  SUB_EV_REJECT,          /* decided: refused */
  SUB_EV_REQUEST_CHANGES, /* decided: to be reworked */
  SUB_EV_RESUBMIT,        /* the submitter sends the reworked version */
  SUB_EV_ESCALATE,        /* no consensus at the panel's limit: an admin decides */
  SUB_EV_DISPUTE,         /* the submitter or the creator contests the decision */
  SUB_EV_RESOLVE,         /* the dispute's fresh panel (or an admin) settles it */
  SUB__EVENTS
} sub_event;

typedef struct {
  int from, event, to;
  unsigned who; /* work_actor bits */
} work_transition;

extern const work_transition work_task_table[];
extern const size_t work_task_table_len;
extern const work_transition work_sub_table[];
extern const size_t work_sub_table_len;

/* The answer of a table. */
typedef enum {
  WORK_ALLOWED,  /* a row matches the state, the event and one of the actors */
  WORK_NO_ROW,   /* no row leaves this state on this event: refused whoever asks */
  WORK_NOT_YOURS /* rows exist for this state and event, but none for these actors */
} work_verdict;

/* Looks up (from, event) for actors; on WORK_ALLOWED *to is the next state. */
work_verdict work_task_step(task_status from, task_event ev, unsigned actors, task_status *to);
work_verdict work_sub_step(sub_state from, sub_event ev, unsigned actors, sub_state *to);

/* Wire names ("OPEN", "PEER_REVIEW", "publish") <-> enums. The *_parse functions return 0, or -1
 * for a name not in the table (and leave *out alone). */
const char *task_status_name(task_status s);
int task_status_parse(const char *name, task_status *out);
const char *task_event_name(task_event e);
const char *sub_state_name(sub_state s);
int sub_state_parse(const char *name, sub_state *out);
const char *sub_event_name(sub_event e);

#endif
