/* Validator reviews as EIP-712 typed data; see review.h. The digest goes through eth/eip712.c
 * with the type from contracts/signing.json, so the server hashes reviews with the same encoder
 * that every other signed format uses. */
#include "validation/review.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/json.h"
#include "eth/address.h"
#include "eth/eip712.h"
#include "eth/hex.h"
#include "eth/keccak.h"
#include "eth/secp.h"

#include "core/banned.h"

#define BAD(...)                                   \
  do {                                             \
    e = pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, __VA_ARGS__); \
    goto out;                                      \
  } while (0)

void review_release(review *r) {
  free(r->feedback);
  r->feedback = NULL;
  r->feedback_len = 0;
}

static const json_field review_fields[] = {
    {"submissionId", JF_INT, 1, 0, REVIEW_ID_MAX, NULL},
    {"round", JF_INT, 1, 0, REVIEW_MAX_ROUND, NULL},
    {"validator", JF_STRING, 1, 42, 42, NULL},
    {"score", JF_INT, 1, 0, 100, NULL},
    {"criteria", JF_ARRAY, 1, 0, REVIEW_MAX_CRITERIA, NULL},
    {"feedback", JF_TEXT, 1, 0, REVIEW_MAX_FEEDBACK, NULL},
    {"signature", JF_STRING, 1, 132, 132, NULL},
};

pheme_err review_parse(review *r, const char *body, size_t len, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  if (len > REVIEW_MAX_BODY) {
    return pheme_fail(PHEME_API_TOO_LARGE, err, errlen, "review body of %zu bytes exceeds %d", len, REVIEW_MAX_BODY);
  }
  json_t *root = NULL;
  pheme_err e = json_parse_body(body, len, &root, err, errlen);
  if (e != PHEME_OK) return e;
  if (!json_is_object(root)) BAD("review body must be a JSON object");
  if ((e = json_check(root, review_fields, sizeof review_fields / sizeof review_fields[0], err,
                      errlen)) != PHEME_OK)
    goto out;
  r->submission_id = json_integer_value(json_object_get(root, "submissionId"));
  r->round = (uint32_t)json_integer_value(json_object_get(root, "round"));
  r->score = (uint8_t)json_integer_value(json_object_get(root, "score"));
  const char *v = json_string_value(json_object_get(root, "validator"));
  pheme_error ee;
  if (address_parse(r->validator, v, strlen(v), 0, &ee) != PHEME_OK)
    BAD("field 'validator': %s", ee.msg);
  json_t *crit = json_object_get(root, "criteria"), *c;
  size_t i;
  json_array_foreach(crit, i, c) {
    static const json_field cf[] = {{"id", JF_INT, 1, 0, REVIEW_ID_MAX, NULL},
                                    {"score", JF_INT, 1, 0, 100, NULL}};
    char sub[200];
    if (!json_is_object(c)) BAD("criteria[%zu] must be an object", i);
    if (json_check(c, cf, 2, sub, sizeof sub) != PHEME_OK) BAD("criteria[%zu]: %s", i, sub);
    int64_t id = json_integer_value(json_object_get(c, "id"));
    if (i > 0 && id <= r->criterion_ids[i - 1])
      BAD("criteria[%zu]: id %lld is not above the previous id %lld (ids must ascend)", i,
          (long long)id, (long long)r->criterion_ids[i - 1]);
    r->criterion_ids[i] = id;
    r->criterion_scores[i] = (uint8_t)json_integer_value(json_object_get(c, "score"));
  }
  r->n_criteria = json_array_size(crit);
  json_t *fb = json_object_get(root, "feedback");
  r->feedback_len = json_string_length(fb);
  if (memchr(json_string_value(fb), 0, r->feedback_len)) BAD("field 'feedback' must not hold NUL");
  r->feedback = malloc(r->feedback_len + 1);
  if (!r->feedback) {
    e = PHEME_SYS_NOMEM;
    goto out;
  }
  memcpy(r->feedback, json_string_value(fb), r->feedback_len + 1);
  const char *sig = json_string_value(json_object_get(root, "signature"));
  if (hex_decode(r->signature, 65, NULL, sig, strlen(sig), HEX_EXACT, &ee) != PHEME_OK)
    BAD("field 'signature': %s", ee.msg);
  if (r->signature[64] != 27 && r->signature[64] != 28)
    BAD("field 'signature': v must be 27 or 28, not %u", r->signature[64]);
  if (!secp_is_low_s(r->signature)) BAD("field 'signature': s is above n/2 (malleated)");
out:
  json_decref(root);
  return e;
}

static void put_word(uint8_t *p, uint64_t v) {
  memset(p, 0, 32);
  for (int i = 0; i < 8; i++) p[31 - i] = (uint8_t)(v >> (8 * i));
}

void review_criteria_hash(uint8_t out[32], const review *r) {
  /* abi.encode(uint256[], uint8[]): two offsets, then each array as length + words */
  size_t n = r->n_criteria, words = 2 + 2 * (1 + n);
  uint8_t enc[(2 + 2 * (1 + REVIEW_MAX_CRITERIA)) * 32], *p = enc;
  put_word(p, 64);
  put_word(p + 32, 64 + 32 * (1 + n));
  p += 64;
  put_word(p, n);
  p += 32;
  for (size_t i = 0; i < n; i++, p += 32) put_word(p, (uint64_t)r->criterion_ids[i]);
  put_word(p, n);
  p += 32;
  for (size_t i = 0; i < n; i++, p += 32) put_word(p, r->criterion_scores[i]);
  keccak_256(out, enc, words * 32);
}

void review_feedback_hash(uint8_t out[32], const review *r) {
  keccak_256(out, r->feedback ? r->feedback : "", r->feedback_len);
}

pheme_err review_digest(uint8_t out[32], const review_domain *d, const review *r, char *err,
                        size_t errlen) {
  uint8_t ch[32], fh[32];
  char chx[HEX_LEN(32) + 1], fhx[HEX_LEN(32) + 1], vc[ADDRESS_TEXT], val[ADDRESS_TEXT];
  review_criteria_hash(ch, r);
  review_feedback_hash(fh, r);
  hex_encode(chx, ch, 32);
  hex_encode(fhx, fh, 32);
  address_to_checksum(vc, d->verifying_contract);
  address_to_checksum(val, r->validator);
  json_t *typed = json_pack(
      "{s:{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}],"
      "s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]},"
      "s:s,s:{s:s,s:s,s:I,s:s},s:{s:I,s:I,s:s,s:i,s:s,s:s}}",
      "types", "EIP712Domain", "name", "name", "type", "string", "name", "version", "type",
      "string", "name", "chainId", "type", "uint256", "name", "verifyingContract", "type",
      "address", "Review", "name", "submissionId", "type", "uint256", "name", "round", "type",
      "uint256", "name", "validator", "type", "address", "name", "score", "type", "uint8", "name",
      "criteriaHash", "type", "bytes32", "name", "feedbackHash", "type", "bytes32", "primaryType",
      "Review", "domain", "name", "PhemeValidatorRegistry", "version", "1", "chainId",
      (json_int_t)d->chain_id, "verifyingContract", vc, "message", "submissionId",
      (json_int_t)r->submission_id, "round", (json_int_t)r->round, "validator", val, "score",
      (int)r->score, "criteriaHash", chx, "feedbackHash", fhx);
  if (!typed) {
    return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "out of memory building the review's typed data");
  }
  pheme_error ee;
  pheme_err e = eip712_hash(out, typed, &ee);
  if (e != PHEME_OK) pheme_fail(e, err, errlen, "review typed data: %s", ee.msg);
  json_decref(typed);
  return e;
}

pheme_err review_recover(uint8_t signer[20], const review_domain *d, const review *r, char *err,
                         size_t errlen) {
  uint8_t digest[32];
  pheme_err e = review_digest(digest, d, r, err, errlen);
  if (e != PHEME_OK) return e;
  pheme_error ee;
  if ((e = secp_recover_address(signer, digest, r->signature, SECP_LOW_S, &ee)) != PHEME_OK)
    pheme_fail(e, err, errlen, "review signature: %s", ee.msg);
  return e;
}

pheme_err review_verify(const review_domain *d, const review *r, int64_t submission_id,
                        uint32_t round, const uint8_t expected_validator[20], char *err,
                        size_t errlen) {
  char a[ADDRESS_TEXT], b[ADDRESS_TEXT];
  if (r->submission_id != submission_id) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "review is signed for submission %lld, not %lld",
               (long long)r->submission_id, (long long)submission_id);
  }
  if (r->round != round) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "review is signed for round %u, not %u", r->round, round);
  }
  if (memcmp(r->validator, expected_validator, 20) != 0) {
    return pheme_fail(PHEME_AUTH_FORBIDDEN, err, errlen, "review names validator '%s', not '%s'",
               address_to_checksum(a, r->validator), address_to_checksum(b, expected_validator));
  }
  uint8_t signer[20];
  pheme_err e = review_recover(signer, d, r, err, errlen);
  if (e != PHEME_OK) return e;
  if (memcmp(signer, r->validator, 20) != 0) {
    return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "review signed by '%s', not by its validator '%s'",
               address_to_checksum(a, signer), address_to_checksum(b, r->validator));
  }
  return PHEME_OK;
}

pheme_err review_sign(review *r, const review_domain *d, const uint8_t key[32], char *err,
                      size_t errlen) {
  uint8_t digest[32];
  pheme_err e = review_digest(digest, d, r, err, errlen);
  if (e != PHEME_OK) return e;
  pheme_error ee;
  if ((e = secp_sign(r->signature, digest, key, &ee)) != PHEME_OK) {
    return pheme_fail(e, err, errlen, "review signing: %s", ee.msg);
  }
  secp_v_to_27(r->signature);
  return PHEME_OK;
}
