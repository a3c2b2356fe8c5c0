/* The task and submission rules of the work loop: defaults of a new task, who may edit or close
 * which task in which state, and what a person must have to submit (skills at minimum levels,
 * minimum reputation, minimum level, accepted evidence types). The API layer parses and renders;
 * everything decided about tasks and submissions is decided here, against the transition tables
 * of states.h, and reaches storage only through store.h.
 *
 * Every function that refuses returns a pheme_err and writes into why (size n) a sentence that
 * names its subject ("requires skill 'solidity' at level 10; you have 0"). */
#ifndef PHEME_WORK_TASKS_H
#define PHEME_WORK_TASKS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"
#include "work/principal.h"
#include "work/states.h"

/* The one list of evidence kinds: what a task may accept (validation.evidenceTypes) and what an
 * evidence item of a submission may be. The body schemas (api/routes.c) use it as their enum. */
#define WORK_EVIDENCE_TYPES "link|repository|image|video|document"
int work_evidence_type_known(const char *type);

/* Defaults of a new task. */
#define WORK_DEFAULT_TOKEN_REWARD "0"
#define WORK_DEFAULT_EVIDENCE "link"
#define WORK_DEFAULT_MIN_SCORE 70
#define WORK_DEFAULT_MIN_VALIDATORS 3
#define WORK_DEFAULT_CONSENSUS 66
#define WORK_DEFAULT_CRITERION "Meets the task description"

/* The actors (ACT_* bits of states.h) that principal p is relative to task t: the creator, an
 * admin, the system, or else a would-be submitter. */
unsigned work_task_actors(const work_principal *p, const task *t);

/* A task as a request gives it. For a new task unset fields get their defaults; for an edit only
 * the fields given change. "Not given" is: NULL strings, difficulty 0, xp_reward -1, and the
 * has_* flags 0. requirements and validation are the JSON objects as given (already checked
 * against their body schemas), or NULL. */
typedef struct {
  task fields;
  int has_skills, has_deadline, has_guild;
  const json_t *requirements, *validation;
} work_task_input;

/* requirements / validation with their defaults filled, as the store keeps them (compact JSON
 * with sorted keys, in a). Validation: rubric weights must add up to 100 (DATA_INVALID), every
 * evidence type must be one of WORK_EVIDENCE_TYPES (API_BAD_REQUEST). */
pheme_err work_requirements_normalize(arena *a, const json_t *in, const char **out, char *why,
                                      size_t n) PHEME_MUST_CHECK;
pheme_err work_validation_normalize(arena *a, const json_t *in, const char **out, char *why,
                                    size_t n) PHEME_MUST_CHECK;

/* A new task from in, by who, at time now (Unix ms): defaults filled (status OPEN, token reward
 * "0", requirements and validation normalized), the deadline in the future, the first status one
 * a task may start in (DRAFT or OPEN). Pure: writes *out, nothing stored. */
pheme_err work_task_prepare(arena *a, const work_principal *who, const work_task_input *in,
                            int64_t now, task *out, char *why, size_t n) PHEME_MUST_CHECK;

/* Lays an edit over the current task cur, after asking the task table: the caller must be an
 * actor the table allows (its creator or an admin: AUTH_NOT_OWNER otherwise), and the state must
 * allow the step (DATA_STATE: a closed task, or an open one sent back to draft). The requirements
 * and validation of in must already be normalized text in in->fields (work_task_edit does it).
 * Sets *replace_skills when the skills change. Pure. */
pheme_err work_task_apply_edit(const work_principal *who, const work_task_input *in, task *cur,
                               int *replace_skills, char *why, size_t n) PHEME_MUST_CHECK;
/* Closes cur (its creator or an admin; once). Pure. */
pheme_err work_task_apply_close(const work_principal *who, task *cur, char *why, size_t n)
    PHEME_MUST_CHECK;

/* The same with storage: the checks run inside the store's write transaction on the row as it is
 * then (store_task_edit), so they hold when the write happens. An unknown skill slug gives
 * DATA_INVALID with why naming it. */
pheme_err work_task_create(store *s, arena *a, const store_actor *sa, const work_principal *who,
                           const work_task_input *in, task *out, char *why, size_t n) PHEME_MUST_CHECK;
pheme_err work_task_edit(store *s, arena *a, const store_actor *sa, const work_principal *who,
                         int64_t id, const work_task_input *in, task *out, char *why, size_t n)
    PHEME_MUST_CHECK;
pheme_err work_task_close(store *s, arena *a, const store_actor *sa, const work_principal *who,
                          int64_t id, task *out, char *why, size_t n) PHEME_MUST_CHECK;

/* Whether who may see the submissions of task t: its creator, an admin, the system. */
int work_task_owned_by(const work_principal *who, const task *t);
/* Whether who may read submission s to a task posted by task_creator: its author, the task's
 * creator, a validator, an admin, the system. */
int work_sub_visible_to(const work_principal *who, const submission *s, int64_t task_creator);

/* ---- submitting ---- */

/* What the engine knows of a person when they submit. */
typedef struct {
  const char *slug;
  int level;
} work_skill;
typedef struct {
  const work_skill *skills;
  int nskills;
  int reputation; /* 0-100; 0 until the reputation engine computes one */
  int level;      /* 0-100: the highest of the person's skill levels (docs/internals/work.md) */
} work_person;

/* The person behind who, from their Skill Wallet (store_wallet_view). */
pheme_err work_person_load(store *s, arena *a, const work_principal *who, work_person *out)
    PHEME_MUST_CHECK;

/* The task's requirements against the person: every skill of the task at its minimum level, the
 * minimum reputation, the minimum level. WORK_REQUIREMENTS naming the first one missing. Pure. */
pheme_err work_check_requirements(const task *t, const work_person *p, char *why, size_t n)
    PHEME_MUST_CHECK;
/* The evidence items (a JSON array, or NULL for none) against the task: each an http(s) URL
 * (API_BAD_REQUEST) of a type the task accepts (DATA_INVALID). Pure. */
pheme_err work_check_evidence(const task *t, const json_t *evidence, char *why, size_t n)
    PHEME_MUST_CHECK;
/* A submission still in play (every state but REJECTED): a person has at most one per task. */
int work_sub_is_live(sub_state s);

/* Whether who may submit to task t now, given the states of who's earlier submissions to it:
 * the task table's submit step (DATA_STATE: not open, or who posted it), the deadline
 * (DATA_STATE), no live earlier submission (DATA_CONFLICT), the evidence and the requirements. */
pheme_err work_submit_check(const work_principal *who, const work_person *p, const task *t,
                            const json_t *evidence, const char *const *earlier, int nearlier,
                            int64_t now, char *why, size_t n) PHEME_MUST_CHECK;

/* Submits text and evidence to task task_id as who: the person is loaded, then work_submit_check
 * runs inside the store's write transaction on the task as it is then; the new submission is
 * SUBMITTED. */
pheme_err work_submit(store *s, arena *a, const store_actor *sa, const work_principal *who,
                      int64_t task_id, const char *text, const json_t *evidence, submission *out,
                      char *why, size_t n) PHEME_MUST_CHECK;

#endif
