/* Assessor fallback: retry, next assessor, peer review alone; see fallback.h. */
#include "validation/fallback.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

fallback_action fallback_next(const fallback_policy *p, fallback_state *st, const char *const *ids,
                              size_t n, assess_code failure, const char *detail, char *reason,
                              size_t reason_len) {
  const char *id = st->assessor < n ? ids[st->assessor] : "?";
  char what[320];
  snprintf(what, sizeof what, "%s failed (%s: %s)", id, assess_code_name(failure),
           detail && *detail ? detail : assess_code_message(failure));
  if (assess_code_retryable(failure) && st->attempt < 1 + p->retries) {
    st->attempt++;
    snprintf(reason, reason_len, "%s; retrying %s (attempt %u of %u)", what, id, st->attempt, 1 + p->retries);
    return FALLBACK_RETRY;
  }
  if (st->assessor + 1 < n) {
    st->assessor++;
    st->attempt = 1;
    snprintf(reason, reason_len, "%s; next: %s", what, ids[st->assessor]);
    return FALLBACK_NEXT;
  }
  st->assessor = n;
  snprintf(reason, reason_len, "%s; no assessor left: peer review alone", what);
  return FALLBACK_PEER_ONLY;
}

assess_code fallback_run(const assessor *assessors, size_t n, const fallback_policy *p,
                         const assess_task *task, const assess_submission *sub, assessment *out,
                         json_t **record) {
  const char *ids[16];
  size_t m = n < 16 ? n : 16;
  for (size_t i = 0; i < m; i++) ids[i] = assessors[i].ops->id;
  *record = json_array();
  memset(out, 0, sizeof *out);
  if (m == 0) {
    json_array_append_new(*record, json_pack("{s:s}", "next", "peer review alone: no assessor configured"));
    return ASSESS_CONFIG;
  }
  fallback_state st = {0, 1};
  for (;;) {
    char err[512] = "", reason[1024];
    unsigned attempt = st.attempt;
    size_t which = st.assessor;
    assess_code c = assessor_run(&assessors[which], task, sub, out, err, sizeof err);
    if (c == ASSESS_OK) {
      json_array_append_new(*record, json_pack("{s:s,s:i,s:s}", "assessor", ids[which], "attempt",
                                               (int)attempt, "code", "ok"));
      if (out->measured) json_object_set(out->measured, "fallback", *record);
      return ASSESS_OK;
    }
    fallback_action a = fallback_next(p, &st, ids, m, c, err, reason, sizeof reason);
    assessment_release(out);
    json_array_append_new(*record, json_pack("{s:s,s:i,s:s,s:s,s:s}", "assessor", ids[which],
                                             "attempt", (int)attempt, "code", assess_code_name(c),
                                             "detail", err, "next", reason));
    if (a == FALLBACK_PEER_ONLY) return c;
  }
}
