/* Fuzz target: the validator review body parser (review_parse) and, for what parses, the digest
 * and signer recovery. Any bytes: an error code or a review, never a crash or leak; a parsed
 * review has ascending criterion ids and scores within 0..100. */
#include <stdint.h>
#include <stdlib.h>

#include "validation/review.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  review r;
  char err[512];
  if (review_parse(&r, (const char *)data, size, err, sizeof err) == PHEME_OK) {
    if (r.score > 100 || r.n_criteria > REVIEW_MAX_CRITERIA) abort();
    for (size_t i = 0; i < r.n_criteria; i++)
      if (r.criterion_scores[i] > 100 || (i && r.criterion_ids[i] <= r.criterion_ids[i - 1])) abort();
    review_domain d = {31337, {0x5f, 0xbd}};
    uint8_t signer[20];
    pheme_err e = review_recover(signer, &d, &r, err, sizeof err);
    if (e != PHEME_OK && e != PHEME_AUTH_INVALID) abort();
    e = review_verify(&d, &r, r.submission_id, r.round, r.validator, err, sizeof err);
    (void)e; /* refusing is fine */
  }
  review_release(&r);
  return 0;
}
