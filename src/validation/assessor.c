/* The assessor interface's shared parts: codes, input checks, running, releasing; see assessor.h. */
#include "validation/assessor.h"

#include <stdarg.h>
#include <stdio.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

static const struct {
  const char *name, *msg;
  int retry;
  pheme_err err;
} codes[] = {
#define ASSESS_ROW(n, text, r, e, m) {text, m, r, e},
    ASSESS_CODES(ASSESS_ROW)
#undef ASSESS_ROW
};

const char *assess_code_name(assess_code c) {
  return (unsigned)c < ASSESS__COUNT ? codes[c].name : "unknown";
}

const char *assess_code_message(assess_code c) {
  return (unsigned)c < ASSESS__COUNT ? codes[c].msg : "unknown";
}
int assess_code_retryable(assess_code c) { return (unsigned)c < ASSESS__COUNT && codes[c].retry; }
pheme_err assess_code_err(assess_code c) {
  return (unsigned)c < ASSESS__COUNT ? codes[c].err : PHEME_SYS_INTERNAL;
}

assess_code assess_fail(assess_code c, char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return c;
}

void assessment_release(assessment *a) {
  free(a->feedback);
  a->feedback = NULL;
  json_decref(a->measured);
  a->measured = NULL;
}

assess_code assess_check_input(const assess_task *task, const assess_submission *sub, char *err,
                               size_t errlen) {
  if (!task->title || !*task->title) {
    return assess_fail(ASSESS_INPUT, err, errlen, "task has no title");
  }
  if (task->n_criteria < 1 || task->n_criteria > ASSESS_MAX_CRITERIA) {
    return assess_fail(ASSESS_INPUT, err, errlen, "task has %zu criteria (1 to %d)", task->n_criteria, ASSESS_MAX_CRITERIA);
  }
  for (size_t i = 0; i < task->n_criteria; i++) {
    const assess_criterion *c = &task->criteria[i];
    if (!c->name || !*c->name) {
      return assess_fail(ASSESS_INPUT, err, errlen, "criterion %zu has no name", i);
    }
    if (!(c->weight > 0) || !isfinite(c->weight)) {
      return assess_fail(ASSESS_INPUT, err, errlen, "criterion '%s' has weight %g (must be > 0)", c->name, c->weight);
    }
    for (size_t j = 0; j < i; j++)
      if (strcmp(task->criteria[j].name, c->name) == 0) {
        return assess_fail(ASSESS_INPUT, err, errlen, "criterion '%s' appears twice", c->name);
      }
  }
  if (!sub->text && sub->text_len) {
    return assess_fail(ASSESS_INPUT, err, errlen, "submission text missing");
  }
  if (sub->n_evidence > ASSESS_MAX_EVIDENCE) {
    return assess_fail(ASSESS_INPUT, err, errlen, "submission has %zu evidence items (at most %d)", sub->n_evidence,
               ASSESS_MAX_EVIDENCE);
  }
  for (size_t i = 0; i < sub->n_evidence; i++)
    if (!sub->evidence[i].type || !sub->evidence[i].ref) {
      return assess_fail(ASSESS_INPUT, err, errlen, "evidence %zu has no type or reference", i);
    }
  return ASSESS_OK;
}

assess_code assessor_run(const assessor *a, const assess_task *task, const assess_submission *sub,
                         assessment *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  assess_code c = assess_check_input(task, sub, err, errlen);
  if (c != ASSESS_OK) return c;
  return a->ops->assess(a->self, task, sub, out, err, errlen);
}

void assessor_destroy(assessor *a) {
  if (a->ops && a->ops->destroy) a->ops->destroy(a->self);
  a->self = NULL;
}
