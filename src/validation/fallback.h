/* What happens when an assessor fails: retry it, then the next assessor, then peer review alone,
 * with the reason recorded at each step. An assessor's failure never loses the submission.
 *
 *   failure retryable (assess_code_retryable) and attempts < 1 + retries  -> FALLBACK_RETRY
 *   otherwise, another assessor after this one                            -> FALLBACK_NEXT
 *   otherwise                                                             -> FALLBACK_PEER_ONLY
 *
 * fallback_next is pure. fallback_run drives a list of assessors with it and returns the first
 * assessment that succeeds, with every step in a JSON record the pipeline stores with the
 * submission ("why"). */
#ifndef PHEME_VALIDATION_FALLBACK_H
#define PHEME_VALIDATION_FALLBACK_H

#include <stddef.h>

#include <jansson.h>

#include "validation/assessor.h"

typedef enum { FALLBACK_RETRY, FALLBACK_NEXT, FALLBACK_PEER_ONLY } fallback_action;

typedef struct {
  unsigned retries; /* further attempts of one assessor after a retryable failure (default 1) */
} fallback_policy;

typedef struct {
  size_t assessor; /* index of the assessor that just failed */
  unsigned attempt; /* its attempt that failed, from 1 */
} fallback_state;

/* Decides the next step after a failure and moves st to it (same assessor, attempt + 1; or the next
 * assessor, attempt 1). Writes a one-line reason naming the assessor, the failure and the step:
 * "openai failed (timeout: no answer within 300 ms); next: builtin". ids names the n assessors. */
fallback_action fallback_next(const fallback_policy *p, fallback_state *st, const char *const *ids,
                              size_t n, assess_code failure, const char *detail, char *reason,
                              size_t reason_len);

/* Runs assessors[0..n) under the policy. Returns ASSESS_OK with *out from the first that succeeds
 * (out->measured gains "fallback": the steps), or the last failure's code when all failed: peer
 * review alone, *record then holding the steps. *record (caller decrefs) is always set:
 * [{"assessor", "attempt", "code", "detail", "next"}...]. */
assess_code fallback_run(const assessor *assessors, size_t n, const fallback_policy *p,
                         const assess_task *task, const assess_submission *sub, assessment *out,
                         json_t **record);

#endif
