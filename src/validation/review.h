/* A validator's review as EIP-712 typed data (contracts/signing.json "validatorReview",
 * docs/signing.md): parsing the signed body a validator posts, building the digest, recovering
 * the signer, and the server-side checks. Pure: no storage, no chain.
 *
 *   Review(uint256 submissionId,uint256 round,address validator,uint8 score,bytes32 criteriaHash,
 *          bytes32 feedbackHash)
 *   domain {name "PhemeValidatorRegistry", version "1", chainId, verifyingContract: the registry}
 *   criteriaHash = keccak256(abi.encode(uint256[] criterionIds, uint8[] criterionScores)), ids ascending
 *   feedbackHash = keccak256(UTF-8 feedback)
 *
 * The body (one JSON object, duplicate and unknown keys refused, every field required):
 *   {"submissionId": 12, "round": 0, "validator": "0x…", "score": 80,
 *    "criteria": [{"id": 1, "score": 90}, {"id": 2, "score": 70}],
 *    "feedback": "…", "signature": "0x" + 130 hex digits (r || s || v, v 27 or 28, low s)}
 * The server computes criteriaHash and feedbackHash itself from criteria and feedback, so what is
 * stored is exactly what was signed.
 *
 * Replay: the review type has no nonce or deadline (signing.json defines none). A signature is bound
 * to one submission and one round by the signed submissionId and round (review_verify refuses
 * another submission's or round's), and the pipeline keeps one review per (submission, round,
 * validator), so posting the same signed review twice is a conflict, not a second vote. */
#ifndef PHEME_VALIDATION_REVIEW_H
#define PHEME_VALIDATION_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define REVIEW_MAX_BODY 65536
#define REVIEW_MAX_CRITERIA 64
#define REVIEW_MAX_FEEDBACK 16384 /* bytes */
#define REVIEW_MAX_ROUND 1000
#define REVIEW_ID_MAX 9007199254740991LL /* 2^53 - 1: exact in every JSON reader */

typedef struct {
  uint64_t chain_id;
  uint8_t verifying_contract[20]; /* the ValidatorRegistry proxy */
} review_domain;

typedef struct {
  int64_t submission_id;
  uint32_t round;
  uint8_t validator[20];
  uint8_t score;
  size_t n_criteria;
  int64_t criterion_ids[REVIEW_MAX_CRITERIA]; /* strictly ascending, >= 0 */
  uint8_t criterion_scores[REVIEW_MAX_CRITERIA];
  char *feedback; /* NUL-terminated UTF-8 (no NUL inside), malloc'ed; "" allowed */
  size_t feedback_len;
  uint8_t signature[65]; /* r || s || v, v 27/28 */
} review;

/* Parses a posted body into r (caller-owned; review_release frees its feedback, also after a
 * failure). Returns 0, PHEME_API_BAD_JSON (not JSON) or PHEME_API_BAD_REQUEST (a field missing,
 * unknown, of the wrong type or out of range; ids not ascending; a bad address checksum; a
 * signature that is not 65 bytes with v 27/28 and low s) with err naming the field. */
pheme_err review_parse(review *r, const char *body, size_t len, char *err, size_t errlen)
    PHEME_MUST_CHECK;
void review_release(review *r);

/* keccak256(abi.encode(uint256[] ids, uint8[] scores)) of r's criteria. */
void review_criteria_hash(uint8_t out[32], const review *r);
/* keccak256 of r's feedback bytes. */
void review_feedback_hash(uint8_t out[32], const review *r);

/* The EIP-712 digest the validator signs. Returns 0, or PHEME_SYS_NOMEM / PHEME_DATA_INVALID
 * (from the EIP-712 encoder; not expected for a parsed review) with err set. */
pheme_err review_digest(uint8_t out[32], const review_domain *d, const review *r, char *err,
                        size_t errlen) PHEME_MUST_CHECK;

/* The EOA that signed r (ecrecover of the digest; low s required). PHEME_AUTH_INVALID when no key
 * recovers. A contract-wallet validator (EIP-1271) does not recover to itself: the pipeline then
 * asks chain/sigcheck.h with review_digest's digest. */
pheme_err review_recover(uint8_t signer[20], const review_domain *d, const review *r, char *err,
                         size_t errlen) PHEME_MUST_CHECK;

/* The server's check of a posted review for the submission and round it was posted to, by the
 * validator the server expects (the panel member the caller is signed in as):
 *   PHEME_DATA_INVALID  the review names another submission (a replay from elsewhere) or round
 *   PHEME_AUTH_FORBIDDEN the review names another validator than expected
 *   PHEME_AUTH_INVALID  the signature does not recover to the named validator
 * Returns 0 when all hold; err says which check failed, quoting both values. */
pheme_err review_verify(const review_domain *d, const review *r, int64_t submission_id,
                        uint32_t round, const uint8_t expected_validator[20], char *err,
                        size_t errlen) PHEME_MUST_CHECK;

/* Signs r with a private key (tests, the dev seed's demo validators): fills r->signature (v 27/28).
 * Returns 0, or PHEME_DATA_INVALID for an invalid key. */
pheme_err review_sign(review *r, const review_domain *d, const uint8_t key[32], char *err,
                      size_t errlen) PHEME_MUST_CHECK;

#endif
