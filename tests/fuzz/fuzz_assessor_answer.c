/* Fuzz target: the openai assessor's answer parser (openai_parse_answer). Any bytes: a code, never
 * a crash or leak; an accepted answer has every criterion scored 0..100, overall 0..100 and
 * confidence 0..1. */
#include <stdint.h>
#include <stdlib.h>

#include "validation/assessor.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const assess_criterion crit[] = {{1, "Correctness", "", 2.0}, {2, "Tests", "", 1.0}};
  static const assess_task task = {"T", "", crit, 2, NULL, 0};
  assessment a = {0};
  char err[512];
  assess_code c = openai_parse_answer((const char *)data, size, &task, &a, err, sizeof err);
  if (c == ASSESS_OK) {
    if (a.n_criteria != 2 || a.overall < 0 || a.overall > 100 || !(a.confidence >= 0 && a.confidence <= 1) ||
        !a.feedback)
      abort();
    for (size_t i = 0; i < 2; i++)
      if (a.criterion_scores[i] < 0 || a.criterion_scores[i] > 100) abort();
  } else if (c >= ASSESS__COUNT) {
    abort();
  }
  assessment_release(&a);
  return 0;
}
